//! The DHCP leases of one network (`virsh net-dhcp-leases`): MAC, IP, hostname, expiry
//! and the domain whose NIC has the MAC.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row, Table};

use super::table::{scroll, view_area};
use crate::action::{Action, Scope};
use crate::backend::network::{Lease, NetCmd, NetEvent, NetworkId, NetworkInfo};
use crate::backend::{BackendEvent, Command, RequestId, local_time};
use crate::config::Role;
use crate::ui::layer::{Ctx, DrawCtx, Flow, Layer};
use crate::ui::text::escape;

const SCOPES: &[Scope] = &[Scope::Networks, Scope::Global];

pub struct LeasesView {
    pub id: NetworkId,
    pub name: String,
    req: RequestId,
    /// `None` while the request is out; libvirt's error when it failed.
    pub leases: Option<Result<Vec<Lease>, String>>,
    selected: usize,
    offset: usize,
}

impl LeasesView {
    pub fn open(net: &NetworkInfo, cx: &mut Ctx) -> LeasesView {
        let req = cx.reqs.allocate();
        cx.send(Command::Network(
            net.id.host,
            NetCmd::Leases {
                req,
                id: net.id.clone(),
            },
        ));
        LeasesView {
            id: net.id.clone(),
            name: net.name.clone(),
            req,
            leases: None,
            selected: 0,
            offset: 0,
        }
    }

    fn reload(&mut self, cx: &mut Ctx) {
        self.req = cx.reqs.allocate();
        cx.send(Command::Network(
            self.id.host,
            NetCmd::Leases {
                req: self.req,
                id: self.id.clone(),
            },
        ));
    }
}

/// A lease's expiry as local `YYYY-MM-DD HH:MM:SS`; `never` for an infinite one.
pub fn expiry_label(epoch: i64) -> String {
    if epoch == 0 {
        return "never".into();
    }
    let t = local_time(epoch);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

impl Layer for LeasesView {
    fn scopes(&self) -> &'static [Scope] {
        SCOPES
    }

    fn fullscreen(&self) -> bool {
        true
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &mut Ctx) -> Flow {
        let n = match &self.leases {
            Some(Ok(l)) => l.len(),
            _ => 0,
        };
        match cx.action(SCOPES, key) {
            Some(Action::NetClose) => return Flow::Close,
            Some(Action::Up) => self.selected = self.selected.saturating_sub(1),
            Some(Action::Down) => self.selected = (self.selected + 1).min(n.saturating_sub(1)),
            Some(Action::Top) => self.selected = 0,
            Some(Action::Bottom) => self.selected = n.saturating_sub(1),
            Some(Action::Refresh | Action::NetLeases) => self.reload(cx),
            Some(a)
                if a.scope() == Scope::Global
                    && !matches!(a, Action::PageUp | Action::PageDown) =>
            {
                return Flow::Ignored;
            }
            _ => {}
        }
        Flow::Consumed
    }

    fn on_backend(&mut self, ev: &BackendEvent, cx: &mut Ctx) {
        let BackendEvent::Network(_, ev) = ev else {
            return;
        };
        match ev.as_ref() {
            NetEvent::Leases { req, result, .. } if *req == self.req => {
                self.leases = Some(result.clone());
            }
            // The network started, stopped or changed: its leases did too.
            NetEvent::Lifecycle { id, .. } if *id == self.id => self.reload(cx),
            _ => {}
        }
    }

    fn hints(&self) -> Vec<Action> {
        vec![Action::Refresh, Action::NetClose]
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawCtx) {
        let area = view_area(area);
        f.render_widget(Clear, area);
        let t = &cx.config.theme;
        let title = format!(" leases of {} ", escape(&self.name));
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.style(Role::Border))
            .title(Line::styled(title, t.style(Role::Title)));
        let leases = match &self.leases {
            None => {
                f.render_widget(Paragraph::new("reading leases…").block(block), area);
                return;
            }
            Some(Err(e)) => {
                let p = Paragraph::new(format!("cannot read the leases: {e}"))
                    .style(t.style(Role::Error))
                    .block(block);
                f.render_widget(p, area);
                return;
            }
            Some(Ok(l)) if l.is_empty() => {
                let p =
                    Paragraph::new("no DHCP leases (an inactive network, or no guest asked yet)")
                        .block(block);
                f.render_widget(p, area);
                return;
            }
            Some(Ok(l)) => l,
        };
        let rows = usize::from(area.height.saturating_sub(3));
        self.offset = scroll(self.offset, self.selected, rows);
        let body = leases
            .iter()
            .enumerate()
            .skip(self.offset)
            .take(rows)
            .map(|(i, l)| {
                let row = Row::new(vec![
                    Cell::from(l.mac.clone()),
                    Cell::from(format!("{}/{}", l.ip, l.prefix)),
                    Cell::from(escape(l.hostname.as_deref().unwrap_or("-")).into_owned()),
                    Cell::from(expiry_label(l.expiry)),
                    Cell::from(
                        l.domain
                            .as_ref()
                            .map_or("-".to_string(), |(_, n)| escape(n).into_owned()),
                    ),
                ]);
                if i == self.selected {
                    row.style(t.style(Role::Selected))
                } else {
                    row
                }
            });
        let widths = [
            Constraint::Length(17),
            Constraint::Length(20),
            Constraint::Min(10),
            Constraint::Length(19),
            Constraint::Min(10),
        ];
        let table = Table::new(body, widths)
            .header(
                Row::new(["MAC", "IP", "HOSTNAME", "EXPIRES", "DOMAIN"])
                    .style(t.style(Role::Header)),
            )
            .block(block);
        f.render_widget(table, area);
    }
}
