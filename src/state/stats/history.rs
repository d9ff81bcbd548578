//! One domain's stats history: the latest raw counters, current rates, and bounded graphs
//! for CPU, disk and net throughput and memory, per device too.

use std::time::{Duration, Instant};

use crate::backend::stats::{DiskStats, DomainStats, NicStats};

use super::rate::{cpu_percent, deltas, memory_stale};
use super::ring::Ring;

/// Ticks in a row a group may be missing (a NOWAIT sample of a busy host) before the last
/// figures it left are called stale.
pub const STALE_AFTER_MISSES: u32 = 3;

/// Memory figures are never called stale before this long without an update.
const STALE_FLOOR: Duration = Duration::from_secs(5);

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DiskRates {
    pub rd_bps: Option<f64>,
    pub wr_bps: Option<f64>,
    pub rd_iops: Option<f64>,
    pub wr_iops: Option<f64>,
    pub fl_ps: Option<f64>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct NicRates {
    pub rx_bps: Option<f64>,
    pub tx_bps: Option<f64>,
    pub rx_pps: Option<f64>,
    pub tx_pps: Option<f64>,
}

#[derive(Clone, Debug)]
pub struct DeviceHistory<R> {
    pub name: String,
    pub now: R,
    /// Bytes/s read (disk) or received (NIC).
    pub inbound: Ring,
    /// Bytes/s written (disk) or sent (NIC).
    pub outbound: Ring,
    /// How often its counters went backwards (a new series began each time).
    pub resets: u32,
}

/// A ring at the history's resolution: full once the domain has been on screen.
fn ring(cap: usize, full: bool) -> Ring {
    if full {
        Ring::new(cap)
    } else {
        Ring::coarse(cap)
    }
}

impl<R: Default> DeviceHistory<R> {
    fn new(name: &str, cap: usize, full: bool) -> Self {
        DeviceHistory {
            name: name.to_string(),
            now: R::default(),
            inbound: ring(cap, full),
            outbound: ring(cap, full),
            resets: 0,
        }
    }

    fn promote(&mut self) {
        self.inbound.promote();
        self.outbound.promote();
    }

    fn reset(&mut self) {
        self.now = R::default();
        self.inbound.clear();
        self.outbound.clear();
        self.resets += 1;
    }
}

/// Whether the guest's balloon figures are current.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MemFreshness {
    last_update: Option<u64>,
    changed_at: Option<Instant>,
    /// Wall time between the last two changes of `last_update`.
    usual_gap: Option<Duration>,
    pub stale: bool,
}

#[derive(Clone, Debug)]
pub struct DomainHistory {
    pub latest: DomainStats,
    pub at: Instant,
    /// When each rate's counters were last read (a busy domain skips groups).
    cpu_at: Instant,
    vcpu_at: Instant,
    disk_at: Instant,
    net_at: Instant,
    pub samples: u64,
    /// Ticks in a row that missed a group; the figures it left are kept until then.
    pub missed: u32,
    /// % of one host CPU.
    pub cpu_pct: Option<f64>,
    /// % of the domain's online vCPUs.
    pub vcpu_pct: Option<f64>,
    /// % of one host CPU per vCPU, by vCPU index.
    pub per_vcpu: Vec<Option<f64>>,
    pub disks: Vec<DeviceHistory<DiskRates>>,
    pub nics: Vec<DeviceHistory<NicRates>>,
    pub cpu: Ring,
    /// Sum over disks of read + write bytes/s.
    pub disk_total: Ring,
    /// Sum over NICs of received + sent bytes/s.
    pub net_total: Ring,
    /// Guest memory in use (balloon actual − unused), KiB; rss when the guest says nothing.
    pub mem_used: Ring,
    pub mem: MemFreshness,
    /// The book's tick that last saw this domain.
    pub(super) seen_tick: u64,
    cap: usize,
    /// Graphs keep every sample (the domain has been on screen); otherwise one peak per
    /// ten (see [`Ring::coarse`]): thousands of domains nobody looks at stay small.
    full: bool,
}

fn sum(vals: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    vals.flatten()
        .fold(None, |acc, v| Some(acc.unwrap_or(0.0) + v))
}

impl DomainHistory {
    /// A history at full resolution.
    pub fn new(first: DomainStats, at: Instant, cap: usize) -> DomainHistory {
        DomainHistory::with_resolution(first, at, cap, true)
    }

    /// A history whose graphs keep every sample (`full`) or one peak per ten.
    pub fn with_resolution(
        first: DomainStats,
        at: Instant,
        cap: usize,
        full: bool,
    ) -> DomainHistory {
        let mut h = DomainHistory {
            disks: first
                .disks
                .iter()
                .map(|d| DeviceHistory::new(&d.name, cap, full))
                .collect(),
            nics: first
                .nics
                .iter()
                .map(|n| DeviceHistory::new(&n.name, cap, full))
                .collect(),
            latest: first,
            at,
            cpu_at: at,
            vcpu_at: at,
            disk_at: at,
            net_at: at,
            samples: 1,
            missed: 0,
            cpu_pct: None,
            vcpu_pct: None,
            per_vcpu: Vec::new(),
            cpu: ring(cap, full),
            disk_total: ring(cap, full),
            net_total: ring(cap, full),
            mem_used: ring(cap, full),
            mem: MemFreshness::default(),
            seen_tick: 0,
            cap,
            full,
        };
        h.track_memory(at);
        h
    }

    /// Whether the graphs keep every sample.
    pub fn is_full_resolution(&self) -> bool {
        self.full
    }

    /// Switches to full resolution (the domain came on screen); the coarse past stays.
    pub fn promote(&mut self) {
        if self.full {
            return;
        }
        self.full = true;
        for r in [
            &mut self.cpu,
            &mut self.disk_total,
            &mut self.net_total,
            &mut self.mem_used,
        ] {
            r.promote();
        }
        self.disks.iter_mut().for_each(DeviceHistory::promote);
        self.nics.iter_mut().for_each(DeviceHistory::promote);
    }

    /// Disk read+write bytes/s now, summed over disks.
    pub fn disk_bps(&self) -> Option<f64> {
        sum(self.disks.iter().flat_map(|d| [d.now.rd_bps, d.now.wr_bps]))
    }

    /// Net rx+tx bytes/s now, summed over NICs.
    pub fn net_bps(&self) -> Option<f64> {
        sum(self.nics.iter().flat_map(|n| [n.now.rx_bps, n.now.tx_bps]))
    }

    pub fn disk(&self, name: &str) -> Option<&DeviceHistory<DiskRates>> {
        self.disks.iter().find(|d| d.name == name)
    }

    pub fn nic(&self, name: &str) -> Option<&DeviceHistory<NicRates>> {
        self.nics.iter().find(|n| n.name == name)
    }

    /// Whether some figures shown are left over from ticks that missed their group.
    pub fn stale(&self) -> bool {
        self.missed >= STALE_AFTER_MISSES
    }

    /// Folds the next tick in. Groups a busy domain could not report are carried over from
    /// the last reading and keep their last rates (stale after [`STALE_AFTER_MISSES`]);
    /// the next reading's rate spans the gap.
    pub fn push(&mut self, mut cur: DomainStats, at: Instant) {
        let a = cur.absent;
        if a.cpu || a.vcpu || a.balloon || a.block || a.net {
            self.missed = self.missed.saturating_add(1);
        } else {
            self.missed = 0;
        }
        let last = &mut self.latest;
        if a.cpu {
            cur.cpu_time_ns = last.cpu_time_ns;
            cur.cpu_user_ns = last.cpu_user_ns;
            cur.cpu_system_ns = last.cpu_system_ns;
        }
        if a.vcpu {
            cur.vcpu_current = last.vcpu_current;
            cur.vcpu_maximum = last.vcpu_maximum;
            cur.vcpus = std::mem::take(&mut last.vcpus);
        }
        if a.balloon {
            cur.balloon = last.balloon.take();
        }
        if a.block {
            cur.disks = std::mem::take(&mut last.disks);
        }
        if a.net {
            cur.nics = std::mem::take(&mut last.nics);
        }
        let prev = std::mem::replace(&mut self.latest, cur);
        self.at = at;
        self.samples += 1;
        let cur = &self.latest;

        if a.cpu {
            // The last rate stays on show; the next reading's spans the gap.
        } else {
            let dt = at.saturating_duration_since(self.cpu_at);
            self.cpu_at = at;
            match cpu_percent(prev.cpu_time_ns, cur.cpu_time_ns, dt) {
                super::rate::Delta::Reset => {
                    self.cpu.clear();
                    self.cpu_pct = None;
                }
                d => {
                    self.cpu_pct = d.rate();
                    self.cpu.push(self.cpu_pct.unwrap_or(0.0));
                }
            }
        }
        self.vcpu_pct = match (self.cpu_pct, cur.vcpu_current) {
            (Some(p), Some(n)) if n > 0 => Some(p / f64::from(n)),
            _ => None,
        };
        self.per_vcpu.clear();
        if !a.vcpu {
            let dt = at.saturating_duration_since(self.vcpu_at);
            self.vcpu_at = at;
            for v in &cur.vcpus {
                let before = prev.vcpus.iter().find(|p| p.index == v.index);
                self.per_vcpu
                    .push(cpu_percent(before.and_then(|p| p.time_ns), v.time_ns, dt).rate());
            }
        }

        let (cap, full) = (self.cap, self.full);
        if a.block {
            // Last rates stay (see `stale`).
        } else {
            let dt = at.saturating_duration_since(self.disk_at);
            self.disk_at = at;
            // Devices follow the current record (hot-plug adds, unplug drops); keyed by name.
            self.disks
                .retain(|h| cur.disks.iter().any(|d| d.name == h.name));
            for d in &cur.disks {
                let before = prev.disks.iter().find(|p| p.name == d.name);
                let h = entry(&mut self.disks, &d.name, cap, full);
                match before.map(|b| deltas(disk_counters(b), disk_counters(d), dt)) {
                    Some(Some([rd_bps, wr_bps, rd_iops, wr_iops, fl_ps])) => {
                        h.now = DiskRates {
                            rd_bps,
                            wr_bps,
                            rd_iops,
                            wr_iops,
                            fl_ps,
                        };
                        h.inbound.push(rd_bps.unwrap_or(0.0));
                        h.outbound.push(wr_bps.unwrap_or(0.0));
                    }
                    Some(None) => h.reset(),
                    None => h.now = DiskRates::default(),
                }
            }
            let disk = self.disk_bps();
            self.disk_total.push(disk.unwrap_or(0.0));
        }
        if a.net {
            // Last rates stay (see `stale`).
        } else {
            let dt = at.saturating_duration_since(self.net_at);
            self.net_at = at;
            self.nics
                .retain(|h| cur.nics.iter().any(|n| n.name == h.name));
            for n in &cur.nics {
                let before = prev.nics.iter().find(|p| p.name == n.name);
                let h = entry(&mut self.nics, &n.name, cap, full);
                match before.map(|b| deltas(nic_counters(b), nic_counters(n), dt)) {
                    Some(Some([rx_bps, tx_bps, rx_pps, tx_pps])) => {
                        h.now = NicRates {
                            rx_bps,
                            tx_bps,
                            rx_pps,
                            tx_pps,
                        };
                        h.inbound.push(rx_bps.unwrap_or(0.0));
                        h.outbound.push(tx_bps.unwrap_or(0.0));
                    }
                    Some(None) => h.reset(),
                    None => h.now = NicRates::default(),
                }
            }
            let net = self.net_bps();
            self.net_total.push(net.unwrap_or(0.0));
        }
        if !a.balloon {
            self.track_memory(at);
        }
    }

    fn track_memory(&mut self, at: Instant) {
        let Some(b) = &self.latest.balloon else {
            self.mem = MemFreshness::default();
            return;
        };
        let used = match (b.current, b.unused) {
            (Some(cur), Some(unused)) => Some(cur.saturating_sub(unused)),
            _ => b.rss,
        };
        if let Some(u) = used {
            self.mem_used.push(u as f64);
        }
        let m = &mut self.mem;
        if b.last_update != m.last_update {
            if let (Some(prev), Some(_)) = (m.changed_at, m.last_update) {
                m.usual_gap = Some(at.saturating_duration_since(prev));
            }
            m.last_update = b.last_update;
            m.changed_at = Some(at);
        }
        m.stale = match (b.last_update, m.changed_at) {
            (Some(_), Some(since)) => memory_stale(
                at.saturating_duration_since(since),
                m.usual_gap,
                STALE_FLOOR,
            ),
            _ => false,
        };
    }
}

/// The history of device `name`, created (empty) when it first appears.
fn entry<'a, R: Default>(
    v: &'a mut Vec<DeviceHistory<R>>,
    name: &str,
    cap: usize,
    full: bool,
) -> &'a mut DeviceHistory<R> {
    let i = match v.iter().position(|h| h.name == name) {
        Some(i) => i,
        None => {
            v.push(DeviceHistory::new(name, cap, full));
            v.len() - 1
        }
    };
    &mut v[i]
}

fn disk_counters(d: &DiskStats) -> [Option<u64>; 5] {
    [d.rd_bytes, d.wr_bytes, d.rd_reqs, d.wr_reqs, d.fl_reqs]
}

fn nic_counters(n: &NicStats) -> [Option<u64>; 4] {
    [n.rx_bytes, n.tx_bytes, n.rx_pkts, n.tx_pkts]
}

#[cfg(test)]
#[path = "history_tests.rs"]
mod tests;
