//! The events view's component: scroll position, keys (`[keys.events]`) and drawing of
//! the visible window of `Store::events`.

use std::time::UNIX_EPOCH;

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row, Table};

use crate::action::{Action, Scope};
use crate::backend::local_time;
use crate::config::Role;
use crate::ui::layer::{Ctx, DrawCtx, Flow, Layer};
use crate::ui::networks::table::{scroll, view_area};
use crate::ui::text::escape;

const SCOPES: &[Scope] = &[Scope::Events, Scope::Global];

/// Scroll state only; the rows are the Store's.
#[derive(Default)]
pub struct EventsView {
    /// Index from the newest event.
    pub selected: usize,
    offset: usize,
    page: usize,
    /// Events in the log when last drawn: a new event keeps the selected one in place.
    seen_total: u64,
}

fn clock(at: std::time::SystemTime) -> String {
    let secs = at
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    let t = local_time(secs);
    format!("{:02}:{:02}:{:02}", t.hour, t.minute, t.second)
}

impl Layer for EventsView {
    fn scopes(&self) -> &'static [Scope] {
        SCOPES
    }

    fn fullscreen(&self) -> bool {
        true
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &mut Ctx) -> Flow {
        let n = cx.store.events.len();
        let last = n.saturating_sub(1);
        let Some(action) = cx.action(SCOPES, key) else {
            return Flow::Consumed;
        };
        match action {
            Action::EventsClose => return Flow::Close,
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::Down => self.selected = (self.selected + 1).min(last),
            Action::PageUp => self.selected = self.selected.saturating_sub(self.page),
            Action::PageDown => self.selected = (self.selected + self.page).min(last),
            Action::Top => self.selected = 0,
            Action::Bottom => self.selected = last,
            Action::Refresh => {}
            _ => return Flow::Ignored,
        }
        Flow::Consumed
    }

    fn hints(&self) -> Vec<Action> {
        vec![Action::EventsClose]
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawCtx) {
        let area = view_area(area);
        f.render_widget(Clear, area);
        let t = &cx.config.theme;
        let log = &cx.store.events;
        // Newest first: when events arrive while the user looks at an older one, the
        // selection moves down with it instead of sliding to another event.
        let total = log.total();
        if self.selected > 0 && total > self.seen_total {
            let grew = usize::try_from(total - self.seen_total).unwrap_or(usize::MAX);
            self.selected = self
                .selected
                .saturating_add(grew)
                .min(log.len().saturating_sub(1));
        }
        self.seen_total = total;
        let title = if log.dropped() > 0 {
            format!(
                " events ({} shown, {} older dropped) ",
                log.len(),
                log.dropped()
            )
        } else {
            format!(" events ({}) ", log.len())
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.style(Role::Border))
            .title(Line::styled(title, t.style(Role::Title)));
        if log.is_empty() {
            f.render_widget(
                Paragraph::new("no libvirt events received yet").block(block),
                area,
            );
            return;
        }
        let rows = usize::from(area.height.saturating_sub(3));
        self.page = rows.max(1);
        self.offset = scroll(self.offset, self.selected, rows);
        let body = (self.offset..(self.offset + rows).min(log.len()))
            .filter_map(|i| log.get_newest(i).map(|e| (i, e)))
            .map(|(i, e)| {
                let kind_style = match e.kind {
                    "io-error-reason" | "watchdog" => t.style(Role::Error),
                    "lifecycle" | "network" => t.style(Role::Info),
                    _ => t.style(Role::Base),
                };
                let row = Row::new(vec![
                    Cell::from(clock(e.at)),
                    Cell::from(e.host.to_string()),
                    Cell::from(escape(&e.subject).into_owned()),
                    Cell::from(e.kind).style(kind_style),
                    Cell::from(escape(&e.detail).into_owned()),
                ]);
                if i == self.selected {
                    row.style(t.style(Role::Selected))
                } else {
                    row
                }
            });
        let widths = [
            Constraint::Length(8),
            Constraint::Length(6),
            Constraint::Length(18),
            Constraint::Length(15),
            Constraint::Min(10),
        ];
        let table = Table::new(body, widths)
            .header(
                Row::new(["TIME", "HOST", "DOMAIN", "EVENT", "DETAIL"])
                    .style(t.style(Role::Header)),
            )
            .block(block);
        f.render_widget(table, area);
    }
}
