//! The Stats tab as a component: freeze and raw-view toggles, drawing the selected
//! domain's graphs, and the words of the balloon-period confirmation.

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::backend::DomainId;
use crate::config::Config;
use crate::state::Store;
use crate::state::stats::DomainHistory;
use crate::ui::layer::{Ctx, Level};
use crate::ui::stats::pane::{self as stats, StatsView};

/// The Stats tab takes about half the screen (graphs and per-device lines need the room);
/// the raw view all but three list rows.
pub fn stats_height(total: u16, expanded: bool) -> u16 {
    let want = if expanded { total } else { (total / 2).max(10) };
    want.min(total.saturating_sub(6))
}

/// What the confirmation for the balloon period says: it changes the guest. (The dialog
/// adds the equivalent virsh command itself.)
pub fn balloon_body(secs: u32) -> Vec<String> {
    vec![
        format!("Asks the running guest's balloon driver to report memory every {secs} s."),
        "Applies to the running guest only (--live); its saved configuration is unchanged.".into(),
    ]
}

/// The Stats tab's own state.
#[derive(Default)]
pub struct StatsTab {
    pub view: StatsView,
    /// The selected domain's history as it was when the user froze the graphs.
    pub frozen: Option<(DomainId, Box<DomainHistory>)>,
}

impl StatsTab {
    /// Freezes the selected domain's graphs and figures; sampling continues underneath.
    pub fn toggle_freeze(&mut self, cx: &mut Ctx) {
        if self.frozen.take().is_some() {
            self.view.frozen = false;
            cx.status(Level::Info, "stats: live");
            return;
        }
        let Some(id) = cx.selected.clone() else {
            cx.status(Level::Warn, "no domain selected");
            return;
        };
        match cx.store.stats.get(&id) {
            Some(h) => {
                self.frozen = Some((id, Box::new(h.clone())));
                self.view.frozen = true;
                cx.status(Level::Info, "stats: frozen (sampling goes on)");
            }
            None => cx.status(Level::Warn, "no statistics to freeze yet"),
        }
    }

    pub fn toggle_expand(&mut self) {
        self.view.expanded = !self.view.expanded;
    }

    pub fn render(
        &self,
        f: &mut Frame,
        area: Rect,
        selected: Option<&DomainId>,
        store: &Store,
        config: &Config,
    ) {
        let Some(id) = selected else {
            return;
        };
        let Some(row) = store.get(id) else {
            return;
        };
        let (hist, frozen) = match &self.frozen {
            Some((fid, h)) if fid == id => (Some(h.as_ref()), true),
            _ => (store.stats.get(id), false),
        };
        let window = config.cpu_interval * store.stats.capacity() as u32;
        let view = StatsView {
            frozen,
            window_secs: window.as_secs(),
            ..self.view
        };
        stats::render(f, area, row, hist, view, &config.theme);
    }
}
