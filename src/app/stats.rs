//! The App's side of the stats pane: freeze, raw view, drawing it, the balloon prompt.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::{App, Level};
use crate::ui::stats::pane as stats;

/// The Stats tab takes about half the screen (graphs and per-device lines need the room);
/// the raw view all but three list rows.
pub(super) fn stats_height(total: u16, expanded: bool) -> u16 {
    let want = if expanded { total } else { (total / 2).max(10) };
    want.min(total.saturating_sub(6))
}

/// What the confirmation for the balloon period says: it changes the guest. (The dialog
/// adds the equivalent virsh command itself.)
pub(super) fn balloon_body(secs: u32) -> Vec<String> {
    vec![
        format!("Asks the running guest's balloon driver to report memory every {secs} s."),
        "Applies to the running guest only (--live); its saved configuration is unchanged.".into(),
    ]
}

impl App {
    /// Freezes the selected domain's graphs and figures; sampling continues underneath.
    pub(super) fn toggle_freeze(&mut self) {
        if self.frozen.take().is_some() {
            self.stats_view.frozen = false;
            self.set_status(Level::Info, "stats: live");
            return;
        }
        let Some(id) = self.view.selected().cloned() else {
            self.set_status(Level::Warn, "no domain selected");
            return;
        };
        match self.store.stats.get(&id) {
            Some(h) => {
                self.frozen = Some((id, Box::new(h.clone())));
                self.stats_view.frozen = true;
                self.set_status(Level::Info, "stats: frozen (sampling goes on)");
            }
            None => self.set_status(Level::Warn, "no statistics to freeze yet"),
        }
    }

    pub(super) fn toggle_expand(&mut self) {
        self.stats_view.expanded = !self.stats_view.expanded;
    }

    pub(super) fn render_stats(&self, f: &mut Frame, area: Rect) {
        let Some(id) = self.view.selected() else {
            return;
        };
        let Some(row) = self.store.get(id) else {
            return;
        };
        let (hist, frozen) = match &self.frozen {
            Some((fid, h)) if fid == id => (Some(h.as_ref()), true),
            _ => (self.store.stats.get(id), false),
        };
        let window = self.config.cpu_interval * self.store.stats.capacity() as u32;
        let view = stats::StatsView {
            frozen,
            window_secs: window.as_secs(),
            ..self.stats_view
        };
        stats::render(f, area, row, hist, view, &self.config.theme);
    }
}
