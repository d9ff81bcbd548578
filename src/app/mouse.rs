//! Mouse support (config `mouse = true`): a click selects a row or a tab, the wheel
//! scrolls the list, the snapshot tree and the console's scrollback. Positions are
//! resolved against where the last frame drew each part.

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

use super::App;
use crate::ui::domains::detail::{self, Tab};

/// Rows a wheel notch moves.
const WHEEL: isize = 3;

/// Where the last frame drew the parts a click can hit.
#[derive(Clone, Copy, Debug, Default)]
pub struct Areas {
    /// The domain table, border and header row included.
    pub list: Rect,
    /// The detail pane, its tab titles on the top line.
    pub lower: Rect,
    /// The detail pane's body under the titles.
    pub body: Rect,
}

impl App {
    /// Returns whether anything changed.
    pub(super) fn on_mouse(&mut self, m: MouseEvent) -> bool {
        // Popups and full-screen views keep their keyboard-only handling.
        if self.has_popup() || self.xml.is_some() || self.console_fullscreen() {
            return false;
        }
        let at = Position::new(m.column, m.row);
        let a = self.areas;
        let wheel = match m.kind {
            MouseEventKind::ScrollDown => WHEEL,
            MouseEventKind::ScrollUp => -WHEEL,
            MouseEventKind::Down(MouseButton::Left) => 0,
            _ => return false,
        };
        if a.list.contains(at) {
            if wheel != 0 {
                self.domains.list.move_by(wheel);
                return true;
            }
            // Border line and header row first, then the rows from the scroll offset.
            let Some(line) = (m.row - a.list.y).checked_sub(2) else {
                return false;
            };
            let i = self.domains.list.offset + usize::from(line);
            if i < self.domains.list.rows().len() {
                self.domains.list.select_index(i);
                return true;
            }
            return false;
        }
        if m.row == a.lower.y && wheel == 0 {
            if let Some(tab) = detail::tab_at(a.lower, m.column) {
                self.domains.tab = tab;
                return true;
            }
            return false;
        }
        if !a.body.contains(at) {
            return false;
        }
        match self.domains.tab {
            Tab::Snapshots if wheel != 0 => {
                self.snaps.move_by(wheel);
                true
            }
            Tab::Snapshots => {
                self.snaps.focused = true;
                self.snaps.select_line(usize::from(m.row - a.body.y))
            }
            Tab::Console if wheel != 0 => self.console.scroll(-wheel),
            _ => false,
        }
    }
}
