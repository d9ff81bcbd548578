//! What is on screen: stats ticks redraw only when a figure drawn changed, and the workers
//! learn which domains are shown (per-domain stats fallback calls, full-resolution graphs).

use std::collections::BTreeMap;
use std::time::Instant;

use super::App;
use crate::backend::{Command, DomainId, DomainStats, HostId};
use crate::ui::domains::detail::Tab;
use crate::ui::domains::list_view::SortKey;

/// The figures a row or the detail pane draws from a domain's stats.
type Figures = (Option<f64>, Option<f64>, Option<f64>, bool, u64, u64);

impl App {
    /// Folds one host's stats tick in; the screen is redrawn only if something drawn
    /// changed: three hosts of 1000 domains tick three times a second, and most of those
    /// domains are off screen.
    pub(super) fn on_stats(&mut self, host: HostId, at: Instant, domains: Vec<DomainStats>) {
        let before = self.shown_figures();
        self.store.apply_stats(host, at, domains);
        self.domains.list.sync(&self.store);
        let live_sort = matches!(
            self.domains.list.sort,
            SortKey::Cpu | SortKey::Disk | SortKey::Net
        );
        // Layers and the editor draw over the list and may show anything; stay simple there.
        if live_sort || !self.layers.is_empty() || self.xml.is_some() {
            self.dirty = true;
            return;
        }
        if self.shown_figures() != before {
            self.dirty = true;
        }
    }

    /// The ids drawn in the list's window, then the selected one.
    fn shown_ids(&self) -> impl Iterator<Item = &DomainId> {
        let list = &self.domains.list;
        // The last frame's window; before the first frame, the default height.
        let height = self.domains.list_height.max(1);
        list.rows()
            .iter()
            .skip(list.offset)
            .take(height)
            .chain(list.selected())
    }

    fn shown_figures(&self) -> Vec<Figures> {
        let graphs = self.domains.tab == Tab::Stats;
        self.shown_ids()
            .map(|id| {
                let row = self.store.get(id);
                // The Stats tab's graphs move with every sample of the selected domain.
                let samples = if graphs {
                    self.store.stats.get(id).map_or(0, |h| h.samples)
                } else {
                    0
                };
                (
                    row.and_then(|r| r.cpu_pct),
                    row.and_then(|r| r.disk_bps),
                    row.and_then(|r| r.net_bps),
                    row.is_some_and(|r| r.stats_stale),
                    row.map_or(0, |r| r.info.cpu_time_ns),
                    samples,
                )
            })
            .collect()
    }

    /// Tells each worker which of its domains are on screen (the rows shown and the
    /// selected one), when that changed: only they get per-domain stats fallback calls,
    /// and their graphs keep every sample from now on.
    pub(super) fn send_visible(&mut self, height: usize) {
        let list = &self.domains.list;
        let mut per_host: BTreeMap<HostId, Vec<DomainId>> =
            self.backends.keys().map(|h| (*h, Vec::new())).collect();
        let shown = list.rows().iter().skip(list.offset).take(height);
        for id in shown.chain(list.selected()) {
            if let Some(v) = per_host.get_mut(&id.host) {
                v.push(id.clone());
            }
        }
        for (host, mut ids) in per_host {
            ids.sort();
            ids.dedup();
            if self.visible_sent.get(&host) != Some(&ids) {
                self.store.stats.shown(&ids);
                self.visible_sent.insert(host, ids.clone());
                if let Some(b) = self.backends.get(&host) {
                    b.send(Command::Visible(host, ids));
                }
            }
        }
    }
}
