//! The block jobs known on one connection, keyed by (domain UUID, disk target), with the
//! progress samples that give a rate and a time left. Shared by the event callback (on
//! libvirt's event-loop thread) and the worker.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use super::{BlockJob, BlockJobKind, JobPhase};
use crate::backend::model::{DomainId, HostId};

/// How far back the rate looks.
const WINDOW: Duration = Duration::from_secs(10);

pub(super) struct Entry {
    pub job: BlockJob,
    samples: VecDeque<(Instant, u64)>,
    /// Consecutive polls that found no job: an end event may still be on its way.
    pub misses: u8,
}

#[derive(Default)]
pub(super) struct Registry {
    /// The connection these jobs run on (every `DomainId` carries it).
    pub host: HostId,
    pub jobs: HashMap<(String, String), Entry>,
    /// When each (domain, disk) last saw a job end: a fast job's end event can beat the
    /// reply of the call that started it, and must not be followed by a ghost entry.
    ended: HashMap<(String, String), Instant>,
}

impl Registry {
    pub fn new(host: HostId) -> Self {
        Registry {
            host,
            ..Registry::default()
        }
    }

    /// Records what libvirt reported for a job; returns the job as it now stands.
    #[allow(clippy::too_many_arguments)]
    pub fn observe(
        &mut self,
        id: &DomainId,
        domain: &str,
        disk: &str,
        kind: BlockJobKind,
        cur: u64,
        end: u64,
        bandwidth: u64,
        ours: bool,
        now: Instant,
    ) -> BlockJob {
        let key = (id.uuid().to_string(), disk.to_string());
        let entry = self.jobs.entry(key).or_insert_with(|| Entry {
            job: BlockJob {
                id: id.clone(),
                domain: domain.to_string(),
                disk: disk.to_string(),
                kind,
                phase: JobPhase::Running,
                cur,
                end,
                bandwidth,
                rate: None,
                eta: None,
                seen: now,
                ours,
            },
            samples: VecDeque::new(),
            misses: 0,
        });
        entry.misses = 0;
        let j = &mut entry.job;
        j.kind = kind;
        j.cur = cur;
        j.end = end;
        j.bandwidth = bandwidth;
        j.ours |= ours;
        if !domain.is_empty() {
            j.domain = domain.to_string();
        }
        entry.samples.push_back((now, cur));
        while entry
            .samples
            .front()
            .is_some_and(|(t, _)| now.duration_since(*t) > WINDOW)
            && entry.samples.len() > 2
        {
            entry.samples.pop_front();
        }
        let (rate, eta) = rate_and_eta(entry.samples.iter().copied(), cur, end);
        j.rate = rate;
        j.eta = eta;
        j.clone()
    }

    /// Marks a job READY (event or `ready='yes'` in the XML); `None` if unknown.
    pub fn mark_ready(&mut self, id: &DomainId, disk: &str) -> Option<BlockJob> {
        let e = self
            .jobs
            .get_mut(&(id.uuid().to_string(), disk.to_string()))?;
        e.job.phase = JobPhase::Ready;
        Some(e.job.clone())
    }

    /// Counts a poll that found no job; returns how many in a row.
    pub fn missed(&mut self, id: &DomainId, disk: &str) -> u8 {
        match self
            .jobs
            .get_mut(&(id.uuid().to_string(), disk.to_string()))
        {
            Some(e) => {
                e.misses = e.misses.saturating_add(1);
                e.misses
            }
            None => 0,
        }
    }

    pub fn keys(&self) -> Vec<(DomainId, String)> {
        self.jobs
            .keys()
            .map(|(u, d)| (DomainId::new(self.host, u.clone()), d.clone()))
            .collect()
    }

    pub fn get(&self, id: &DomainId, disk: &str) -> Option<&BlockJob> {
        self.jobs
            .get(&(id.uuid().to_string(), disk.to_string()))
            .map(|e| &e.job)
    }

    /// Records an end event at `at` (the entry, if any, is removed by the caller).
    pub fn note_end(&mut self, id: &DomainId, disk: &str, at: Instant) {
        self.ended
            .retain(|_, t| at.duration_since(*t) < Duration::from_secs(60));
        self.ended
            .insert((id.uuid().to_string(), disk.to_string()), at);
    }

    /// A job on this disk ended at or after `since`.
    pub fn ended_since(&self, id: &DomainId, disk: &str, since: Instant) -> bool {
        self.ended
            .get(&(id.uuid().to_string(), disk.to_string()))
            .is_some_and(|t| *t >= since)
    }

    pub fn remove(&mut self, id: &DomainId, disk: &str) -> Option<BlockJob> {
        self.jobs
            .remove(&(id.uuid().to_string(), disk.to_string()))
            .map(|e| e.job)
    }

    pub fn list(&self) -> Vec<BlockJob> {
        let mut v: Vec<BlockJob> = self.jobs.values().map(|e| e.job.clone()).collect();
        v.sort_by(|a, b| (&a.domain, &a.disk).cmp(&(&b.domain, &b.disk)));
        v
    }
}

/// Bytes per second over the samples (oldest to newest) and the time left to `end`.
pub fn rate_and_eta(
    samples: impl Iterator<Item = (Instant, u64)>,
    cur: u64,
    end: u64,
) -> (Option<f64>, Option<Duration>) {
    let mut first: Option<(Instant, u64)> = None;
    let mut last: Option<(Instant, u64)> = None;
    for s in samples {
        if first.is_none() {
            first = Some(s);
        }
        last = Some(s);
    }
    let (Some((t0, c0)), Some((t1, c1))) = (first, last) else {
        return (None, None);
    };
    let secs = t1.duration_since(t0).as_secs_f64();
    // A job's cursor can move back (libvirt restarts a copy's dirty pass): no rate then.
    if secs < 0.2 || c1 < c0 {
        return (None, None);
    }
    let rate = (c1 - c0) as f64 / secs;
    let eta = (rate > 0.0).then(|| Duration::from_secs_f64(end.saturating_sub(cur) as f64 / rate));
    (Some(rate), eta)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_and_time_left_come_from_the_samples() {
        let t = Instant::now();
        let s = [(t, 0), (t + Duration::from_secs(2), 200)];
        let (rate, eta) = rate_and_eta(s.into_iter(), 200, 1000);
        assert_eq!(rate, Some(100.0));
        assert_eq!(eta, Some(Duration::from_secs(8)));
        assert_eq!(rate_and_eta([(t, 5)].into_iter(), 5, 10), (None, None));
    }

    #[test]
    fn ready_is_only_set_by_mark_ready_not_by_a_full_cursor() {
        let mut r = Registry::default();
        let id = DomainId::new(HostId::FIRST, "u");
        let now = Instant::now();
        let j = r.observe(
            &id,
            "d",
            "vda",
            BlockJobKind::ActiveCommit,
            10,
            10,
            0,
            true,
            now,
        );
        assert_eq!(j.phase, JobPhase::Running, "cur == end must not mean READY");
        assert_eq!(j.percent(), Some(100));
        assert_eq!(
            r.mark_ready(&id, "vda").map(|j| j.phase),
            Some(JobPhase::Ready)
        );
        assert!(r.mark_ready(&id, "vdb").is_none());
        assert!(r.remove(&id, "vda").is_some() && r.list().is_empty());
    }
}
