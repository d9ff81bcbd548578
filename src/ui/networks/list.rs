//! The networks list: one row per network of a host (`virsh net-list --all` plus what
//! `net-info` and the XML say), its keys (`[keys.networks]`) and drawing.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row, Table};

use super::confirm::{NetConfirm, send_net_op};
use super::leases::LeasesView;
use super::table::{scroll, view_area};
use crate::action::{Action, Scope};
use crate::backend::network::{NetCmd, NetEvent, NetOp, NetworkInfo};
use crate::backend::{BackendEvent, Command, HostId};
use crate::config::Role;
use crate::ui::layer::{Ctx, DrawCtx, Effect, Flow, Layer, Level};
use crate::ui::text::escape;
use crate::ui::xml_editor::Target;

const SCOPES: &[Scope] = &[Scope::Networks, Scope::Global];

pub struct NetworksView {
    pub host: HostId,
    /// Sorted by name; `None` until the first list arrives.
    pub rows: Option<Vec<NetworkInfo>>,
    pub selected: usize,
    offset: usize,
    page: usize,
}

impl NetworksView {
    /// The view for `host`, asking its worker for the list.
    pub fn open(host: HostId, cx: &mut Ctx) -> NetworksView {
        let req = cx.reqs.allocate();
        cx.send(Command::Network(host, NetCmd::List { req }));
        NetworksView {
            host,
            rows: None,
            selected: 0,
            offset: 0,
            page: 10,
        }
    }

    pub fn selected_row(&self) -> Option<&NetworkInfo> {
        self.rows.as_ref()?.get(self.selected)
    }

    fn len(&self) -> usize {
        self.rows.as_ref().map_or(0, Vec::len)
    }

    fn upsert(&mut self, info: NetworkInfo) {
        let keep = self.selected_row().map(|r| r.id.clone());
        let rows = self.rows.get_or_insert_with(Vec::new);
        match rows.iter_mut().find(|r| r.id == info.id) {
            Some(r) => *r = info,
            None => {
                rows.push(info);
                rows.sort_by(|a, b| a.name.cmp(&b.name));
            }
        }
        self.reselect(keep);
    }

    /// Keeps the same network selected when rows come and go (never an index).
    fn reselect(&mut self, keep: Option<crate::backend::network::NetworkId>) {
        let n = self.len();
        if let Some(id) = keep
            && let Some(i) = self
                .rows
                .as_ref()
                .and_then(|rows| rows.iter().position(|r| r.id == id))
        {
            self.selected = i;
            return;
        }
        self.selected = self.selected.min(n.saturating_sub(1));
    }

    fn step(&mut self, action: Action) {
        let n = self.len();
        if n == 0 {
            return;
        }
        let last = n - 1;
        self.selected = match action {
            Action::Up => self.selected.saturating_sub(1),
            Action::Down => (self.selected + 1).min(last),
            Action::PageUp => self.selected.saturating_sub(self.page),
            Action::PageDown => (self.selected + self.page).min(last),
            Action::Top => 0,
            _ => last,
        };
    }

    fn run(&mut self, action: Action, cx: &mut Ctx) {
        if action.is_mutating() && cx.refuse_mutation(action) {
            return;
        }
        let Some(row) = self.selected_row().cloned() else {
            if action != Action::NetDefine {
                cx.status(Level::Warn, "no network selected");
                return;
            }
            return;
        };
        match action {
            Action::NetLeases => {
                let view = LeasesView::open(&row, cx);
                cx.push(view);
            }
            Action::NetStart if row.active => {
                cx.status(
                    Level::Warn,
                    format!("{} is already active", escape(&row.name)),
                );
            }
            Action::NetStart => send_net_op(cx, row.id, &row.name, NetOp::Start),
            Action::NetStop if !row.active => {
                cx.status(Level::Warn, format!("{} is not active", escape(&row.name)));
            }
            Action::NetStop => cx.push(NetConfirm {
                id: row.id,
                name: row.name,
                op: NetOp::Destroy,
            }),
            Action::NetAutostart if !row.persistent => cx.status(
                Level::Warn,
                format!("{} is transient: no autostart", escape(&row.name)),
            ),
            Action::NetAutostart => {
                send_net_op(cx, row.id, &row.name, NetOp::SetAutostart(!row.autostart));
            }
            Action::NetUndefine if !row.persistent => cx.status(
                Level::Warn,
                format!("{} is transient: stop it instead", escape(&row.name)),
            ),
            Action::NetUndefine => cx.push(NetConfirm {
                id: row.id,
                name: row.name,
                op: NetOp::Undefine,
            }),
            _ => {}
        }
    }
}

impl Layer for NetworksView {
    fn scopes(&self) -> &'static [Scope] {
        SCOPES
    }

    fn fullscreen(&self) -> bool {
        true
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &mut Ctx) -> Flow {
        let Some(action) = cx.action(SCOPES, key) else {
            // A full-screen view: keys it does not know stop here.
            return Flow::Consumed;
        };
        match action {
            Action::NetClose => return Flow::Close,
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom => self.step(action),
            Action::Refresh => {
                let req = cx.reqs.allocate();
                cx.send(Command::Network(self.host, NetCmd::List { req }));
            }
            Action::NetDefine => cx
                .effects
                .push(Effect::EditXml(Target::NewNetwork { host: self.host })),
            Action::NetEdit => match self.selected_row() {
                Some(r) => cx.effects.push(Effect::EditXml(Target::Network {
                    id: r.id.clone(),
                    name: r.name.clone(),
                })),
                None => cx.status(Level::Warn, "no network selected"),
            },
            a if a.scope() == Scope::Networks => self.run(a, cx),
            // Help, quit and the other views are the App's.
            _ => return Flow::Ignored,
        }
        Flow::Consumed
    }

    fn on_backend(&mut self, ev: &BackendEvent, cx: &mut Ctx) {
        let BackendEvent::Network(host, ev) = ev else {
            return;
        };
        if *host != self.host {
            return;
        }
        match ev.as_ref() {
            NetEvent::List(list) => {
                let keep = self.selected_row().map(|r| r.id.clone());
                self.rows = Some(list.clone());
                self.reselect(keep);
            }
            NetEvent::Updated(info) => self.upsert(info.clone()),
            NetEvent::Removed(id) => {
                let keep = self.selected_row().map(|r| r.id.clone());
                if let Some(rows) = self.rows.as_mut() {
                    rows.retain(|r| &r.id != id);
                }
                self.reselect(keep);
            }
            NetEvent::OpDone { id, op, result, .. } => {
                let name = self
                    .rows
                    .as_ref()
                    .and_then(|rows| rows.iter().find(|r| &r.id == id))
                    .map_or_else(|| id.uuid.clone(), |r| r.name.clone());
                match result {
                    Ok(()) => cx.status(
                        Level::Info,
                        format!("{} {}: done", op.label(), escape(&name)),
                    ),
                    Err(e) => cx.status(
                        Level::Error,
                        format!("{} {} failed: {e}", op.label(), escape(&name)),
                    ),
                }
            }
            _ => {}
        }
    }

    fn hints(&self) -> Vec<Action> {
        vec![
            Action::NetLeases,
            Action::NetStart,
            Action::NetStop,
            Action::NetAutostart,
            Action::NetEdit,
            Action::NetDefine,
            Action::NetClose,
        ]
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawCtx) {
        let area = view_area(area);
        f.render_widget(Clear, area);
        let t = &cx.config.theme;
        let title = format!(" networks ({}) ", self.len());
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.style(Role::Border))
            .title(Line::styled(title, t.style(Role::Title)));
        let inner_rows = usize::from(area.height.saturating_sub(3));
        self.page = inner_rows.max(1);
        let Some(rows) = self.rows.as_ref() else {
            f.render_widget(Paragraph::new("loading networks…").block(block), area);
            return;
        };
        if rows.is_empty() {
            f.render_widget(
                Paragraph::new("no networks on this host").block(block),
                area,
            );
            return;
        }
        self.offset = scroll(self.offset, self.selected, inner_rows);
        let wide = area.width >= 120;
        // Only the visible rows are built: a host may have hundreds of networks.
        let body = rows
            .iter()
            .enumerate()
            .skip(self.offset)
            .take(inner_rows)
            .map(|(i, r)| {
                let state = if r.active {
                    Cell::from("active").style(t.style(Role::Running))
                } else {
                    Cell::from("inactive").style(t.style(Role::ShutOff))
                };
                let ip = r.ips.first();
                let mut cells = vec![
                    Cell::from(escape(&r.name).into_owned()),
                    state,
                    Cell::from(yes_no(r.autostart)),
                    Cell::from(yes_no(r.persistent)),
                    Cell::from(escape(r.bridge.as_deref().unwrap_or_default()).into_owned()),
                    Cell::from(r.forward.clone()),
                    Cell::from(
                        ip.map_or(String::new(), |ip| format!("{}/{}", ip.address, ip.prefix)),
                    ),
                ];
                if wide {
                    cells.push(Cell::from(
                        ip.and_then(|ip| ip.dhcp.as_ref())
                            .map_or(String::new(), |(a, b)| format!("{a} - {b}")),
                    ));
                }
                cells.push(Cell::from(
                    r.lease_count.map_or("-".to_string(), |n| n.to_string()),
                ));
                let row = Row::new(cells);
                if i == self.selected {
                    row.style(t.style(Role::Selected))
                } else {
                    row
                }
            });
        let mut header = vec![
            "NAME", "STATE", "AUTO", "PERSIST", "BRIDGE", "FORWARD", "IP RANGE",
        ];
        let mut widths = vec![
            Constraint::Min(12),
            Constraint::Length(8),
            Constraint::Length(4),
            Constraint::Length(7),
            // A Linux interface name has up to 15 characters: all of it when there is room.
            Constraint::Length(if wide { 15 } else { 10 }),
            Constraint::Length(8),
            Constraint::Length(18),
        ];
        if wide {
            header.push("DHCP RANGE");
            widths.push(Constraint::Length(31));
        }
        header.push("LEASES");
        widths.push(Constraint::Length(6));
        let table = Table::new(body, widths)
            .header(Row::new(header).style(t.style(Role::Header)))
            .block(block);
        f.render_widget(table, area);
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}
