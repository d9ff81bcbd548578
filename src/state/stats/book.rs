//! Stats histories of every active domain, keyed by UUID, fed one tick at a time.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::backend::DomainId;
use crate::backend::stats::DomainStats;

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

    /// Folds one tick in. Domains absent from it (stopped, gone) lose their history: a
    /// restarted domain starts a new series.
    pub fn apply(&mut self, at: Instant, domains: Vec<DomainStats>) {
        self.ticks += 1;
        let tick = self.ticks;
        for d in domains {
            let h = match self.domains.get_mut(&d.id) {
                Some(h) => {
                    h.push(d, at);
                    h
                }
                None => self
                    .domains
                    .entry(d.id.clone())
                    .or_insert(DomainHistory::new(d, at, self.cap)),
            };
            h.seen_tick = tick;
        }
        self.domains.retain(|_, h| h.seen_tick == tick);
    }
}
