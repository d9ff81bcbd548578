//! Opening the full-screen views (networks, pools, volumes, jobs, hosts, events) from their
//! `show_*` actions, the command line or the palette: one arm per view, so each view's
//! component is pushed from exactly one place.

use super::{App, with_ctx};
use crate::ui::events::EventsView;
use crate::ui::host::HostView;
use crate::ui::layer::{Level, ViewRequest};
use crate::ui::networks::NetworksView;

impl App {
    pub fn open_view(&mut self, view: ViewRequest) {
        match view {
            ViewRequest::Domains => self.close_views(),
            ViewRequest::Networks => {
                let host = self.host;
                with_ctx!(self, |cx| {
                    let view = NetworksView::open(host, &mut cx);
                    cx.push(view);
                });
            }
            ViewRequest::Pools => self.view_unavailable("storage pools"),
            ViewRequest::Volumes { .. } => self.view_unavailable("volumes"),
            ViewRequest::Jobs => self.view_unavailable("jobs"),
            ViewRequest::Hosts { all: true } => self.show_host(None),
            ViewRequest::Hosts { all: false } => {
                self.close_views();
                self.layers
                    .push(Box::new(crate::ui::hosts::HostsView::new(&self.store)));
            }
            ViewRequest::Events => self.layers.push(Box::new(EventsView::default())),
            ViewRequest::Node { host } => with_ctx!(self, |cx| {
                let view = HostView::open(host, &mut cx);
                cx.push(view);
            }),
        }
    }

    /// The domain list limited to `host`, or every host's domains (`None`, the fleet).
    pub(crate) fn show_host(&mut self, host: Option<crate::backend::HostId>) {
        self.close_views();
        self.domains.list.set_host(host);
        if let Some(h) = host {
            self.host = h;
        }
        self.domains.list.sync(&self.store);
        self.dirty = true;
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
