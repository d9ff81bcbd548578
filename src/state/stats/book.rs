//! Stats histories of every active domain, keyed by UUID, fed one tick at a time.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use crate::backend::stats::DomainStats;
use crate::backend::{DomainId, HostId};

use super::history::DomainHistory;

/// History kept per series: at least 5 minutes at the configured interval.
pub fn capacity_for(interval: Duration) -> usize {
    let per_5min = (300.0 / interval.as_secs_f64().max(0.05)).ceil() as usize;
    per_5min.clamp(300, 6000)
}

#[derive(Debug)]
pub struct StatsBook {
    domains: HashMap<DomainId, DomainHistory>,
    cap: usize,
    pub ticks: u64,
    /// Domains that have been on screen: their graphs keep every sample, from the moment
    /// they were first shown (and after a restart); the others keep one peak per ten.
    shown: HashSet<DomainId>,
}

impl Default for StatsBook {
    fn default() -> Self {
        StatsBook::with_capacity(capacity_for(Duration::from_secs(1)))
    }
}

impl StatsBook {
    pub fn with_capacity(cap: usize) -> StatsBook {
        StatsBook {
            domains: HashMap::new(),
            cap,
            ticks: 0,
            shown: HashSet::new(),
        }
    }

    pub fn set_capacity(&mut self, cap: usize) {
        if cap != self.cap {
            self.cap = cap;
            self.domains.clear();
        }
    }

    pub fn capacity(&self) -> usize {
        self.cap
    }

    pub fn get(&self, id: &DomainId) -> Option<&DomainHistory> {
        self.domains.get(id)
    }

    pub fn len(&self) -> usize {
        self.domains.len()
    }

    pub fn is_empty(&self) -> bool {
        self.domains.is_empty()
    }

    /// Folds one tick of `host` in. That host's domains absent from it (stopped, gone)
    /// lose their history: a restarted domain starts a new series. Other hosts' histories
    /// are left alone (each host ticks on its own). `touched` sees every domain the tick
    /// changed: its new history, or `None` where the history went.
    pub fn apply(
        &mut self,
        host: HostId,
        at: Instant,
        domains: Vec<DomainStats>,
        mut touched: impl FnMut(&DomainId, Option<&DomainHistory>),
    ) {
        self.ticks += 1;
        let tick = self.ticks;
        for d in domains {
            let h = match self.domains.get_mut(&d.id) {
                Some(h) => {
                    h.push(d, at);
                    h
                }
                None => {
                    let full = self.shown.contains(&d.id);
                    self.domains
                        .entry(d.id.clone())
                        .or_insert(DomainHistory::with_resolution(d, at, self.cap, full))
                }
            };
            h.seen_tick = tick;
            touched(&h.latest.id, Some(h));
        }
        self.domains.retain(|id, h| {
            let keep = id.host != host || h.seen_tick == tick;
            if !keep {
                touched(id, None);
            }
            keep
        });
    }

    /// These domains are on screen: from now on their graphs keep every sample.
    pub fn shown<'a>(&mut self, ids: impl IntoIterator<Item = &'a DomainId>) {
        for id in ids {
            if self.shown.insert(id.clone())
                && let Some(h) = self.domains.get_mut(id)
            {
                h.promote();
            }
        }
    }

    /// Forgets which domains were shown for those no longer known (`keep` says which are).
    pub fn retain_shown(&mut self, keep: impl Fn(&DomainId) -> bool) {
        self.shown.retain(|id| keep(id));
    }
}
