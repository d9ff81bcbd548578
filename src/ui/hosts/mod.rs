//! The hosts view (`:host`): every host's connection, versions, domain counts, CPU and
//! memory; Enter shows that host's domains, `a` the fleet (every host's domains), `i` the
//! host's hardware ([keys.hosts]).

pub mod auth;

use std::time::Instant;

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Row, Table};

use crate::action::{Action, Scope};
use crate::backend::HostId;
use crate::config::Role;
use crate::state::{HostConn, HostRow, Store};
use crate::ui::format;
use crate::ui::layer::{Ctx, DrawCtx, Effect, Flow, Layer};
use crate::ui::text::escape;

/// The hosts table as a full-screen layer; it copies the rows it draws on each event so
/// drawing needs no Store.
#[derive(Default)]
pub struct HostsView {
    cursor: usize,
    rows: Vec<HostRow>,
}

impl HostsView {
    pub fn new(store: &Store) -> HostsView {
        let mut v = HostsView::default();
        v.refresh(store);
        v
    }

    fn refresh(&mut self, store: &Store) {
        self.rows = store.hosts.iter().cloned().collect();
        self.cursor = self.cursor.min(self.rows.len().saturating_sub(1));
    }

    fn selected(&self) -> Option<HostId> {
        self.rows.get(self.cursor).map(|r| r.id)
    }
}

impl Layer for HostsView {
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::Hosts, Scope::Global]
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &mut Ctx) -> Flow {
        self.refresh(cx.store);
        let action = cx.action(self.scopes(), key);
        match action {
            Some(Action::HostsOpen) => {
                let Some(id) = self.selected() else {
                    return Flow::Consumed;
                };
                match self.rows.get(self.cursor) {
                    // Only the ssh program asks on the terminal; other transports retry.
                    Some(r)
                        if matches!(r.conn, HostConn::AuthNeeded { .. })
                            && r.uri.contains("+ssh://") =>
                    {
                        cx.effects.push(Effect::ReconnectInteractive(id));
                    }
                    Some(r) if !r.conn.is_connected() => cx.effects.push(Effect::Reconnect(id)),
                    _ => {}
                }
                cx.effects.push(Effect::ShowHost(Some(id)));
                return Flow::Close;
            }
            Some(Action::HostsFleet) => {
                cx.effects.push(Effect::ShowHost(None));
                return Flow::Close;
            }
            Some(Action::HostsReconnect) => {
                if let Some(id) = self.selected() {
                    cx.effects.push(Effect::Reconnect(id));
                }
                return Flow::Consumed;
            }
            Some(Action::HostsInfo) => {
                if let Some(host) = self.selected() {
                    cx.effects
                        .push(Effect::Open(crate::ui::layer::ViewRequest::Node { host }));
                }
                return Flow::Consumed;
            }
            Some(Action::HostsClose) => return Flow::Close,
            _ => {}
        }
        let last = self.rows.len().saturating_sub(1);
        match action {
            Some(Action::Up) => self.cursor = self.cursor.saturating_sub(1),
            Some(Action::Down) => self.cursor = (self.cursor + 1).min(last),
            Some(Action::Top) => self.cursor = 0,
            Some(Action::Bottom) => self.cursor = last,
            Some(Action::ShowDomains) => return Flow::Close,
            Some(Action::Quit) => {
                cx.effects.push(Effect::Quit);
                return Flow::Close;
            }
            _ => return Flow::Ignored,
        }
        Flow::Consumed
    }

    fn on_backend(&mut self, _ev: &crate::backend::BackendEvent, cx: &mut Ctx) {
        self.refresh(cx.store);
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawCtx) {
        let t = &cx.config.theme;
        f.render_widget(Clear, area);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.style(Role::Border))
            .title(Line::from(vec![
                Span::styled(" Hosts ", t.style(Role::Title)),
                Span::styled(
                    " Enter: its domains  a: all hosts  r: reconnect  Esc: back ",
                    t.style(Role::Dim),
                ),
            ]));
        let mut inner = block.inner(area);
        f.render_widget(block, area);
        // The selected host's problem, in full, under the table.
        if let Some((error, hint)) = self.rows.get(self.cursor).and_then(|h| h.conn.detail())
            && inner.height > 4
        {
            let y = inner.bottom() - 2;
            let lines = [
                Line::from(Span::styled(
                    escape(&error).into_owned(),
                    t.style(Role::Error),
                )),
                Line::from(Span::styled(escape(&hint).into_owned(), t.style(Role::Dim))),
            ];
            for (i, l) in lines.into_iter().enumerate() {
                f.render_widget(l, Rect::new(inner.x, y + i as u16, inner.width, 1));
            }
            inner.height -= 2;
        }
        let now = Instant::now();
        let wide = inner.width >= 120;
        let mut header = vec!["Name", "State", "Domains", "Running", "CPU%", "Free mem"];
        if wide {
            header.extend(["libvirt", "Hypervisor", "URI"]);
        }
        let rows: Vec<Row> = self
            .rows
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let role = match &h.conn {
                    HostConn::Connected => Role::Running,
                    HostConn::Connecting => Role::Warn,
                    _ => Role::Error,
                };
                let facts = h.facts.as_ref();
                let mut cells = vec![
                    Cell::from(escape(&h.name).into_owned()),
                    Cell::from(Span::styled(
                        escape(&h.conn.label(now)).into_owned(),
                        t.style(role),
                    )),
                    Cell::from(h.domains.to_string()),
                    Cell::from(h.running.to_string()),
                    Cell::from(
                        facts
                            .and_then(|f| f.cpu_pct)
                            .map_or("-".into(), |p| format!("{p:.1}")),
                    ),
                    Cell::from(facts.and_then(|f| f.mem_free_kib).map_or("-".into(), |k| {
                        format!(
                            "{} / {}",
                            format::mem(k),
                            format::mem(facts.map_or(0, |f| f.mem_total_kib))
                        )
                    })),
                ];
                if wide {
                    cells.push(Cell::from(
                        facts.map_or(String::new(), |f| f.libvirt.clone()),
                    ));
                    cells.push(Cell::from(
                        facts.map_or(String::new(), |f| escape(&f.hypervisor).into_owned()),
                    ));
                    cells.push(Cell::from(escape(&h.uri).into_owned()));
                }
                let style = if i == self.cursor {
                    t.style(Role::Selected)
                } else {
                    t.style(Role::Base)
                };
                Row::new(cells).style(style)
            })
            .collect();
        let mut widths = vec![
            Constraint::Length(12),
            Constraint::Length(16),
            Constraint::Length(7),
            Constraint::Length(7),
            Constraint::Length(5),
            Constraint::Length(19),
        ];
        if wide {
            widths.extend([
                Constraint::Length(8),
                Constraint::Length(14),
                Constraint::Min(20),
            ]);
        }
        let table = Table::new(rows, widths)
            .header(Row::new(header).style(t.style(Role::Header)))
            .column_spacing(1);
        f.render_widget(table, inner);
    }

    fn hints(&self) -> Vec<Action> {
        vec![
            Action::HostsOpen,
            Action::HostsFleet,
            Action::HostsInfo,
            Action::HostsReconnect,
            Action::HostsClose,
        ]
    }

    fn fullscreen(&self) -> bool {
        true
    }
}
