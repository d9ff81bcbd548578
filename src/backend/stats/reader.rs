//! One stats tick: ONE bulk `virConnectGetAllDomainStats` call for every active domain, and
//! per-domain calls only for the groups a driver leaves out (the test driver sends `state`).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use virt::connect::Connect;
use virt::domain::Domain;
use virt::error::Error;
use virt::sys;

use super::super::domains::is_no_domain;
use super::super::ffi;
use super::super::model::{DomainId, HostId};
use super::devices::{self, Devices};
use super::model::{BalloonStats, DiskStats, DomainStats, Groups, NicStats, StatsSource};
use super::parse::parse_record;

/// How many calls the stats ticks made; shared with the `Backend` handle so tests can prove
/// the one-bulk-call-per-tick rule on a real driver.
#[derive(Debug, Default)]
pub struct StatsCounters {
    pub ticks: AtomicU64,
    pub bulk_calls: AtomicU64,
    /// Domains that needed per-domain fallback calls, summed over ticks.
    pub fallback_domains: AtomicU64,
}

impl StatsCounters {
    pub fn snapshot(&self) -> (u64, u64, u64) {
        (
            self.ticks.load(Ordering::SeqCst),
            self.bulk_calls.load(Ordering::SeqCst),
            self.fallback_domains.load(Ordering::SeqCst),
        )
    }
}

/// A domain's devices from its XML, re-read when a device the bulk record names is unknown.
struct CachedDevices {
    devices: Devices,
    read_at: Instant,
}

/// Re-reading the XML for an unknown device name at most this often per domain.
const XML_REFRESH: Duration = Duration::from_secs(30);

/// Domain XMLs read per tick just to name NICs' MACs and sources (bulk-capable drivers).
const XML_READS_PER_TICK: usize = 32;

pub struct StatsReader {
    nowait: bool,
    /// Groups this connection's driver has returned in any record: a record lacking one of
    /// them comes from a busy domain, not from a driver that needs the fallback.
    supported: Groups,
    devices: HashMap<DomainId, CachedDevices>,
    counters: Arc<StatsCounters>,
    /// The connection the records come from; every `DomainStats` is keyed by it.
    host: HostId,
    /// Domains someone looks at (rows on screen, the selected one): only these get the
    /// per-domain fallback calls and XML reads. `None`: every domain (no App told us).
    visible: Option<std::collections::HashSet<DomainId>>,
    /// Whole-host ticks in a row whose records carried nothing but the state (see
    /// [`StatsReader::narrow`]).
    state_only_ticks: u32,
    tick: u64,
}

/// Whole-host ticks of state-only records before the reader asks for visible domains only.
const STATE_ONLY_BEFORE_NARROWING: u32 = 3;

/// A narrowed reader still makes a whole-host call this often (ticks), in case the driver
/// starts returning groups (a first tick's domains may all have been busy).
const PROBE_EVERY: u64 = 30;

const GROUPS: u32 = sys::VIR_DOMAIN_STATS_STATE
    | sys::VIR_DOMAIN_STATS_CPU_TOTAL
    | sys::VIR_DOMAIN_STATS_BALLOON
    | sys::VIR_DOMAIN_STATS_VCPU
    | sys::VIR_DOMAIN_STATS_INTERFACE
    | sys::VIR_DOMAIN_STATS_BLOCK;

impl StatsReader {
    pub fn new(host: HostId, counters: Arc<StatsCounters>) -> Self {
        StatsReader {
            host,
            nowait: true,
            supported: Groups::default(),
            devices: HashMap::new(),
            counters,
            visible: None,
            state_only_ticks: 0,
            tick: 0,
        }
    }

    /// Whether this tick asks for the visible domains only: the driver's bulk records
    /// carry nothing but the state (the test driver), so for the domains nobody looks at a
    /// whole-host call buys nothing; libvirt building and freeing a record per domain was
    /// most of a 1000-domain host's CPU. Still one bulk call per tick.
    fn narrow(&self) -> bool {
        self.visible.is_some()
            && !self.supported.any()
            && self.state_only_ticks >= STATE_ONLY_BEFORE_NARROWING
            && !self.tick.is_multiple_of(PROBE_EVERY)
    }

    /// Limits the per-domain fallback calls to `ids` (what is on screen).
    pub fn set_visible(&mut self, ids: Vec<DomainId>) {
        self.visible = Some(ids.into_iter().collect());
    }

    /// Forgets a domain's cached devices (it restarted, changed or went away).
    pub fn forget(&mut self, id: &DomainId) {
        self.devices.remove(id);
    }

    /// Reads every active domain once.
    pub fn read(&mut self, conn: &Connect) -> Result<Vec<DomainStats>, Error> {
        self.counters.ticks.fetch_add(1, Ordering::SeqCst);
        self.tick += 1;
        let narrow = self.narrow();
        let records = self.bulk(conn, narrow)?;
        if !narrow && !records.is_empty() {
            // Learnt below from the parsed groups; counted here per whole-host call.
            self.state_only_ticks = self.state_only_ticks.saturating_add(1);
        }
        let parsed: Vec<(DomainStats, Groups)> = records
            .iter()
            .map(|r| parse_record(self.host, &r.uuid, &r.params))
            .collect();
        drop(records);
        for (_, g) in &parsed {
            self.supported = self.supported.union(*g);
        }
        if self.supported.any() {
            self.state_only_ticks = 0;
        }
        let mut out = Vec::with_capacity(parsed.len());
        let mut fallbacks = 0u64;
        let mut xml_budget = XML_READS_PER_TICK;
        for (mut stats, groups) in parsed {
            let (absent, missing) = classify(groups, self.supported);
            stats.absent = absent;
            let looked_at = self.visible.as_ref().is_none_or(|v| v.contains(&stats.id));
            if !looked_at {
                out.push(stats);
                continue;
            }
            if missing.any() {
                fallbacks += 1;
                match self.fill_missing(conn, &mut stats, missing) {
                    Ok(()) => {}
                    // Stopped between the bulk call and ours: next tick will not list it.
                    Err(e) if is_no_domain(&e) => continue,
                    Err(e) => {
                        tracing::debug!("stats fallback for {} failed: {}", stats.id, e.message())
                    }
                }
            }
            self.annotate(conn, &mut stats, &mut xml_budget);
            out.push(stats);
        }
        self.counters
            .fallback_domains
            .fetch_add(fallbacks, Ordering::SeqCst);
        let live: std::collections::HashSet<&DomainId> = out.iter().map(|s| &s.id).collect();
        self.devices.retain(|id, _| live.contains(id));
        Ok(out)
    }

    fn bulk(&mut self, conn: &Connect, narrow: bool) -> Result<Vec<ffi::StatsRecord>, Error> {
        let active = sys::VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE;
        // Counted with the tick, before the call, so a reader never sees a tick without
        // its call. A second call happens once per connection at most: on the tick that
        // learns the driver rejects NOWAIT.
        self.counters.bulk_calls.fetch_add(1, Ordering::SeqCst);
        let (records, calls) = if narrow {
            // The list call takes no state filter: inactive domains are left out here.
            let doms: Vec<Domain> = self
                .visible
                .iter()
                .flatten()
                .filter(|id| id.host == self.host)
                .filter_map(|id| conn.lookup_domain_by_uuid_string(&id.uuid).ok())
                .filter(|d| d.is_active().unwrap_or(false))
                .collect();
            super::list_call(&doms, GROUPS, 0, &mut self.nowait)
        } else {
            super::bulk_call(conn, GROUPS, active, &mut self.nowait)
        };
        self.counters
            .bulk_calls
            .fetch_add(calls - 1, Ordering::SeqCst);
        records
    }

    fn devices_of(&mut self, dom: &Domain, id: &DomainId) -> Result<&Devices, Error> {
        if !self.devices.contains_key(id) {
            let xml = dom.xml_desc(0)?;
            let devices = devices::parse(&xml).unwrap_or_else(|e| {
                tracing::warn!("{id}: {e}");
                Devices::default()
            });
            self.devices.insert(
                id.clone(),
                CachedDevices {
                    devices,
                    read_at: Instant::now(),
                },
            );
        }
        Ok(&self.devices[id].devices)
    }

    /// Adds MAC and source to NICs and the source path to disks the record left without.
    fn annotate(&mut self, conn: &Connect, stats: &mut DomainStats, budget: &mut usize) {
        if stats.nics.is_empty() && stats.disks.iter().all(|d| d.path.is_some()) {
            return;
        }
        let stale = self.devices.get(&stats.id).is_some_and(|c| {
            c.read_at.elapsed() > XML_REFRESH
                && stats
                    .nics
                    .iter()
                    .any(|n| c.devices.nic_by_target(&n.name).is_none())
        });
        if stale {
            self.devices.remove(&stats.id);
        }
        if !self.devices.contains_key(&stats.id) {
            // Reading XML costs two calls per domain: a host with many new domains gets
            // its MACs over a few ticks instead of one long tick.
            if *budget == 0 {
                return;
            }
            *budget -= 1;
            let Ok(dom) = conn.lookup_domain_by_uuid_string(&stats.id.uuid) else {
                return;
            };
            if self.devices_of(&dom, &stats.id).is_err() {
                return;
            }
        }
        let Some(devs) = self.devices.get(&stats.id).map(|c| &c.devices) else {
            return;
        };
        for nic in &mut stats.nics {
            if let Some(d) = devs.nic_by_target(&nic.name) {
                nic.mac.clone_from(&d.mac);
                nic.source.clone_from(&d.source);
            }
        }
        for disk in stats.disks.iter_mut().filter(|d| d.path.is_none()) {
            disk.path = devs
                .disks
                .iter()
                .find(|d| d.target == disk.name)
                .and_then(|d| d.source.clone());
        }
    }

    /// The per-domain calls for the groups this driver does not return in bulk.
    fn fill_missing(
        &mut self,
        conn: &Connect,
        stats: &mut DomainStats,
        missing: Groups,
    ) -> Result<(), Error> {
        stats.source = StatsSource::Fallback;
        let dom = conn.lookup_domain_by_uuid_string(&stats.id.uuid)?;
        if missing.cpu {
            let info = dom.info()?;
            stats.cpu_time_ns = Some(info.cpu_time);
            if missing.vcpu {
                stats.vcpu_current = Some(info.nr_virt_cpu);
            }
        }
        if missing.balloon {
            // Drivers without a balloon answer with an error; the pane then says so.
            stats.balloon = dom.memory_stats(0).ok().map(|v| memory_from_tags(&v));
        }
        if !missing.block && !missing.net {
            return Ok(());
        }
        let devs = self.devices_of(&dom, &stats.id)?.clone();
        if missing.block {
            stats.disks = devs
                .disks
                .iter()
                .filter_map(|d| {
                    let b = dom.block_stats(&d.target).ok()?;
                    Some(DiskStats {
                        name: d.target.clone(),
                        path: d.source.clone(),
                        rd_reqs: counter(b.rd_req),
                        rd_bytes: counter(b.rd_bytes),
                        wr_reqs: counter(b.wr_req),
                        wr_bytes: counter(b.wr_bytes),
                        errs: counter(b.errs),
                        ..DiskStats::default()
                    })
                })
                .collect();
        }
        if missing.net {
            stats.nics = devs
                .nics
                .iter()
                .filter_map(|n| {
                    let target = n.target.as_deref()?;
                    let s = dom.interface_stats(target).ok()?;
                    Some(NicStats {
                        name: target.to_string(),
                        mac: n.mac.clone(),
                        source: n.source.clone(),
                        rx_bytes: counter(s.rx_bytes),
                        rx_pkts: counter(s.rx_packets),
                        rx_errs: counter(s.rx_errs),
                        rx_drop: counter(s.rx_drop),
                        tx_bytes: counter(s.tx_bytes),
                        tx_pkts: counter(s.tx_packets),
                        tx_errs: counter(s.tx_errs),
                        tx_drop: counter(s.tx_drop),
                    })
                })
                .collect();
        }
        Ok(())
    }
}

/// Splits the groups a record lacks into (absent: the driver has them, the domain was busy;
/// missing: the driver never returns them and the per-domain fallback must fetch them).
/// Per-domain calls would wait for a busy domain's job, which is what NOWAIT avoids.
pub fn classify(record: Groups, supported: Groups) -> (Groups, Groups) {
    let lacking = Groups::ALL.minus(record);
    let missing = lacking.minus(supported);
    (lacking.minus(missing), missing)
}

/// libvirt's per-domain structs use -1 for "not supported".
fn counter(v: i64) -> Option<u64> {
    u64::try_from(v).ok()
}

/// `virDomainMemoryStats` tags (VIR_DOMAIN_MEMORY_STAT_*) into the balloon model.
fn memory_from_tags(stats: &[virt::domain::MemoryStat]) -> BalloonStats {
    let mut b = BalloonStats::default();
    for s in stats {
        let slot = match s.tag {
            sys::VIR_DOMAIN_MEMORY_STAT_SWAP_IN => &mut b.swap_in,
            sys::VIR_DOMAIN_MEMORY_STAT_SWAP_OUT => &mut b.swap_out,
            sys::VIR_DOMAIN_MEMORY_STAT_MAJOR_FAULT => &mut b.major_fault,
            sys::VIR_DOMAIN_MEMORY_STAT_MINOR_FAULT => &mut b.minor_fault,
            sys::VIR_DOMAIN_MEMORY_STAT_UNUSED => &mut b.unused,
            sys::VIR_DOMAIN_MEMORY_STAT_AVAILABLE => &mut b.available,
            sys::VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON => &mut b.current,
            sys::VIR_DOMAIN_MEMORY_STAT_RSS => &mut b.rss,
            sys::VIR_DOMAIN_MEMORY_STAT_USABLE => &mut b.usable,
            sys::VIR_DOMAIN_MEMORY_STAT_LAST_UPDATE => &mut b.last_update,
            sys::VIR_DOMAIN_MEMORY_STAT_DISK_CACHES => &mut b.disk_caches,
            sys::VIR_DOMAIN_MEMORY_STAT_HUGETLB_PGALLOC => &mut b.hugetlb_pgalloc,
            sys::VIR_DOMAIN_MEMORY_STAT_HUGETLB_PGFAIL => &mut b.hugetlb_pgfail,
            _ => continue,
        };
        *slot = Some(s.val);
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_only_driver_is_asked_for_the_shown_domains_only() {
        let node = crate::backend::demo::NodeFile::write(&crate::backend::demo::synthetic_node(12))
            .expect("node file");
        let conn = Connect::open(Some(&node.uri())).expect("test driver");
        let counters = Arc::new(StatsCounters::default());
        let mut reader = StatsReader::new(HostId::FIRST, counters.clone());
        let id =
            |i: usize| DomainId::new(HostId::FIRST, format!("6f1c0000-0000-4000-8000-{i:012x}"));
        // Before any App said what is shown: the whole host (6 of 12 are active).
        for _ in 0..STATE_ONLY_BEFORE_NARROWING {
            assert_eq!(reader.read(&conn).expect("tick").len(), 6);
        }
        // vm-00000 runs, vm-00003 is shut off, vm-00001 is on another host's screen.
        reader.set_visible(vec![id(0), id(3), DomainId::new(HostId(1), id(1).uuid)]);
        let shown: Vec<DomainId> = reader
            .read(&conn)
            .expect("tick")
            .into_iter()
            .map(|s| s.id)
            .collect();
        assert_eq!(
            shown,
            vec![id(0)],
            "only the shown, active domain of this host"
        );
        let (ticks, calls, _) = counters.snapshot();
        assert_eq!(ticks, calls, "still one bulk call per tick");
        // Every PROBE_EVERY ticks the whole host is asked again.
        let sizes: Vec<usize> = (0..PROBE_EVERY)
            .map(|_| reader.read(&conn).expect("tick").len())
            .collect();
        assert_eq!(sizes.iter().filter(|n| **n == 6).count(), 1, "{sizes:?}");
    }

    #[test]
    fn only_groups_the_driver_never_returns_go_to_the_fallback() {
        // Test driver: every record has state only, no group ever seen.
        let state_only = Groups::default();
        let (absent, missing) = classify(state_only, Groups::default());
        assert_eq!(absent, Groups::default());
        assert_eq!(missing, Groups::ALL);
        // QEMU, a domain busy with a job: NOWAIT left out balloon and block this tick.
        let busy = Groups {
            balloon: false,
            block: false,
            ..Groups::ALL
        };
        let (absent, missing) = classify(busy, Groups::ALL);
        assert!(
            !missing.any(),
            "no blocking per-domain call for a busy domain"
        );
        assert!(absent.balloon && absent.block && !absent.cpu && !absent.net);
        // A full record needs nothing.
        assert_eq!(
            classify(Groups::ALL, Groups::ALL),
            (Groups::default(), Groups::default())
        );
    }
}
