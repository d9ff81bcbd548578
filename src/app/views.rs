//! Opening the full-screen views (networks, pools, volumes, jobs, hosts, events) from their
//! `show_*` actions, the command line or the palette: one arm per view, so each view's
//! component is pushed from exactly one place.

use super::App;
use crate::ui::layer::{Level, ViewRequest};

impl App {
    pub(crate) fn open_view(&mut self, view: ViewRequest) {
        match view {
            ViewRequest::Domains => self.close_views(),
            ViewRequest::Networks => self.view_unavailable("networks"),
            ViewRequest::Pools => self.view_unavailable("storage pools"),
            ViewRequest::Volumes { .. } => self.view_unavailable("volumes"),
            ViewRequest::Jobs => self.view_unavailable("jobs"),
            ViewRequest::Hosts { .. } => self.view_unavailable("hosts"),
            ViewRequest::Events => self.view_unavailable("events"),
        }
    }

    /// Back to the domain list: every layer above it goes.
    fn close_views(&mut self) {
        self.layers.clear();
    }

    fn view_unavailable(&mut self, what: &str) {
        self.set_status(
            Level::Warn,
            format!("the {what} view is not in this version of virtdeck"),
        );
    }
}
