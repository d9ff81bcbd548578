//! Opening the full-screen views (networks, pools, volumes, jobs, hosts, events) from their
//! `show_*` actions, the command line or the palette: one arm per view, so each view's
//! component is pushed from exactly one place.

use super::{App, with_ctx};
use crate::ui::events::EventsView;
use crate::ui::host::HostView;
use crate::ui::jobs::JobsView;
use crate::ui::layer::{Layer, Level, ViewRequest};
use crate::ui::networks::NetworksView;
use crate::ui::pools::PoolsView;
use crate::ui::volumes::VolumesView;

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
            ViewRequest::Pools => {
                let v = with_ctx!(self, |cx| PoolsView::open(&mut cx));
                self.push_view(Box::new(v));
            }
            ViewRequest::Volumes { pool } => self.open_volumes(pool),
            ViewRequest::Jobs => {
                let v = with_ctx!(self, |cx| JobsView::open(&mut cx));
                self.push_view(Box::new(v));
            }
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

    /// A full-screen view goes on the stack; popups left over from another view go first
    /// (a view opened from a prompt replaces the prompt).
    fn push_view(&mut self, view: Box<dyn Layer>) {
        self.layers.retain(|l| l.fullscreen());
        self.layers.push(view);
    }

    /// `:vol POOL`, or Enter on a pool (it names the pool); without a name, the pool
    /// selected in an open pools view.
    fn open_volumes(&mut self, pool: Option<String>) {
        let Some(pool) = pool else {
            self.set_status(
                Level::Warn,
                "which pool? open the pools view (:pool) and press Enter on one, or :vol POOL",
            );
            return;
        };
        let v = with_ctx!(self, |cx| VolumesView::open(&mut cx, pool));
        self.push_view(Box::new(v));
    }

    /// Back to the domain list: every layer above it goes.
    fn close_views(&mut self) {
        self.layers.clear();
    }
}
