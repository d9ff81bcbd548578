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

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(host: u16, uuid: &str, cpu: u64) -> DomainStats {
        DomainStats {
            id: DomainId::new(HostId(host), uuid),
            cpu_time_ns: Some(cpu),
            ..DomainStats::default()
        }
    }

    #[test]
    fn each_host_ticks_on_its_own_and_keeps_the_others_histories() {
        let mut book = StatsBook::with_capacity(300);
        let t0 = Instant::now();
        for i in 0..5u32 {
            let at = t0 + Duration::from_secs(u64::from(i));
            let n = u64::from(i) * 1_000_000;
            book.apply(HostId(0), at, vec![sample(0, "a", n)], |_, _| {});
            book.apply(HostId(1), at, vec![sample(1, "a", n)], |_, _| {});
        }
        let a0 = DomainId::new(HostId(0), "a");
        let a1 = DomainId::new(HostId(1), "a");
        assert_eq!(
            book.get(&a0).map(|h| h.samples),
            Some(5),
            "host 1's ticks left it alone"
        );
        assert_eq!(book.get(&a1).map(|h| h.samples), Some(5));
        // Host 0's next tick lacks "a" (stopped): only host 0's history goes.
        let mut gone = Vec::new();
        book.apply(HostId(0), t0 + Duration::from_secs(6), vec![], |id, h| {
            if h.is_none() {
                gone.push(id.clone());
            }
        });
        assert_eq!(gone, vec![a0.clone()]);
        assert!(book.get(&a0).is_none() && book.get(&a1).is_some());
    }

    #[test]
    fn histories_are_coarse_until_their_domain_is_shown() {
        let mut book = StatsBook::with_capacity(300);
        let t0 = Instant::now();
        let ids: Vec<DomainId> = ["a", "b"]
            .iter()
            .map(|u| DomainId::new(HostId(0), *u))
            .collect();
        let tick = |book: &mut StatsBook, i: u64| {
            let at = t0 + Duration::from_secs(i);
            let d = ids
                .iter()
                .map(|id| sample(0, &id.uuid, i * 10_000_000))
                .collect();
            book.apply(HostId(0), at, d, |_, _| {});
        };
        for i in 0..50 {
            tick(&mut book, i);
        }
        assert!(
            ids.iter()
                .all(|id| !book.get(id).expect("h").is_full_resolution())
        );
        book.shown([&ids[0]]);
        let shown = book.get(&ids[0]).expect("a");
        assert!(shown.is_full_resolution());
        assert_eq!(shown.cpu.len(), 49, "the coarse past is kept on promotion");
        assert!(!book.get(&ids[1]).expect("b").is_full_resolution());
        // Stopped and started again: a shown domain's new history is full from the start.
        book.apply(HostId(0), t0 + Duration::from_secs(60), vec![], |_, _| {});
        tick(&mut book, 61);
        assert!(book.get(&ids[0]).expect("a").is_full_resolution());
        assert!(!book.get(&ids[1]).expect("b").is_full_resolution());
    }
}
