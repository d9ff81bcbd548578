//! Domains by UUID plus connection status; `apply` is the only way they change.

use std::collections::HashMap;

use std::time::Instant;

use crate::backend::{BackendEvent, DomainId, DomainInfo, RunState};

use super::stats::StatsBook;

/// One domain as the UI knows it.
#[derive(Clone, Debug)]
pub struct DomainRow {
    pub info: DomainInfo,
    pub cpu_pct: Option<f64>,
    /// Disk read+write and net rx+tx bytes/s of the last stats tick.
    pub disk_bps: Option<f64>,
    pub net_bps: Option<f64>,
    /// Guest addresses libvirt knows (`address/prefix`, DHCP leases or the agent).
    pub addresses: Vec<String>,
    /// The live figures are left over from earlier ticks (busy host, missing groups).
    pub stats_stale: bool,
}

/// What the header says about the connection.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum ConnState {
    #[default]
    Connecting,
    Connected,
    /// Lost; `detail` says why and what the reconnect loop is doing.
    Disconnected {
        detail: String,
    },
}

#[derive(Debug, Default)]
pub struct Store {
    rows: HashMap<DomainId, DomainRow>,
    pub conn: ConnState,
    pub uri: String,
    pub hostname: String,
    /// Bumped whenever the set of rows or a sortable field other than the live figures
    /// changes.
    version: u64,
    /// Bumped on every stats tick (CPU %, disk and net rates changed).
    stats_version: u64,
    /// A full domain list has arrived at least once.
    pub loaded: bool,
    /// Domains running or idle, recounted when rows change (not per frame).
    running: usize,
    /// Stats histories of the active domains.
    pub stats: StatsBook,
    /// Every libvirt event received on every host, bounded (the events view).
    pub events: super::eventlog::EventLog<super::event_entry::EventEntry>,
    /// Every host the App talks to and its connection; empty for a bare single-host
    /// Store (tests, benchmarks), whose one connection is `conn`.
    pub hosts: super::HostTable,
}

impl Store {
    pub fn get(&self, id: &DomainId) -> Option<&DomainRow> {
        self.rows.get(id)
    }

    pub fn rows(&self) -> impl Iterator<Item = &DomainRow> {
        self.rows.values()
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn version(&self) -> u64 {
        self.version
    }

    /// How many domains are running (or idle) right now.
    pub fn running(&self) -> usize {
        self.running
    }

    fn recount(&mut self) {
        let mut per_host = std::collections::BTreeMap::new();
        let mut running = 0;
        for r in self.rows.values() {
            let up = matches!(r.info.state.state, RunState::Running | RunState::Blocked);
            running += usize::from(up);
            let c: &mut (usize, usize) = per_host.entry(r.info.id.host).or_default();
            c.0 += 1;
            c.1 += usize::from(up);
        }
        self.running = running;
        self.hosts.set_counts(&per_host);
    }

    /// Whether the connection of `host` is up (a lost host's rows are last known).
    pub fn host_connected(&self, host: crate::backend::HostId) -> bool {
        if self.hosts.is_empty() {
            return !matches!(self.conn, ConnState::Disconnected { .. });
        }
        self.hosts.usable(host)
    }

    /// Folds one backend event into the model. Returns whether anything visible changed.
    pub fn apply(&mut self, ev: &BackendEvent) -> bool {
        let changed = self.apply_inner(ev);
        if matches!(
            ev,
            BackendEvent::DomainList(..)
                | BackendEvent::DomainUpdated(_)
                | BackendEvent::DomainRemoved(_)
        ) {
            self.recount();
        }
        changed
    }

    fn apply_inner(&mut self, ev: &BackendEvent) -> bool {
        let host_changed = self.hosts.apply(ev);
        // Host CPU and memory figures (every few ticks) change no domain row.
        if host_changed && !matches!(ev, BackendEvent::HostFacts(..)) {
            // The domain rows of a host that came or went are drawn differently.
            self.version += 1;
        }
        match ev {
            BackendEvent::Connected { uri, hostname, .. } => {
                self.conn = ConnState::Connected;
                self.uri = uri.clone();
                self.hostname = hostname.clone();
                true
            }
            BackendEvent::Disconnected { reason, .. } => {
                self.conn = ConnState::Disconnected {
                    detail: format!("{reason}; reconnecting"),
                };
                true
            }
            BackendEvent::ConnectFailed {
                attempt,
                error,
                retry_in,
                ..
            }
            | BackendEvent::ReconnectFailed {
                attempt,
                error,
                retry_in,
                ..
            } => {
                // libvirt's "Cannot recv data: " only says the transport failed; what
                // follows (ssh's or the socket's words) is the cause, which must fit.
                let error = error.strip_prefix("Cannot recv data: ").unwrap_or(error);
                // A zero wait: the worker gave up asking for credentials and waits for a
                // retry from the user.
                self.conn = ConnState::Disconnected {
                    detail: if retry_in.is_zero() {
                        format!("auth needed ({error}); r in the hosts view retries")
                    } else {
                        format!(
                            "reconnect #{attempt} failed ({error}); next try in {:.1}s",
                            retry_in.as_secs_f64()
                        )
                    },
                };
                true
            }
            BackendEvent::AuthRequest { .. } => false,
            BackendEvent::DomainList(host, list) => {
                // The list is complete for its host only: other hosts' rows stay.
                let (mut old, others) = std::mem::take(&mut self.rows)
                    .into_iter()
                    .partition::<HashMap<_, _>, _>(|(id, _)| id.host == *host);
                self.rows = others;
                for info in list {
                    let prev = old.remove(&info.id);
                    self.rows
                        .insert(info.id.clone(), Self::merge(prev, info.clone()));
                }
                self.version += 1;
                self.loaded = true;
                let rows = &self.rows;
                self.stats.retain_shown(|id| rows.contains_key(id));
                true
            }
            BackendEvent::DomainUpdated(info) => {
                let prev = self.rows.remove(&info.id);
                self.rows
                    .insert(info.id.clone(), Self::merge(prev, info.clone()));
                self.version += 1;
                true
            }
            BackendEvent::DomainRemoved(id) => {
                let changed = self.rows.remove(id).is_some();
                self.version += u64::from(changed);
                changed
            }
            BackendEvent::Stats { host, at, domains } => {
                self.apply_stats(*host, *at, domains.clone());
                true
            }
            BackendEvent::Network(_, ev) => match ev.as_ref() {
                crate::backend::network::NetEvent::Addresses { id, ifaces } => {
                    let Some(row) = self.rows.get_mut(id) else {
                        return false;
                    };
                    let addrs: Vec<String> = ifaces
                        .iter()
                        .flat_map(|i| i.addrs.iter().cloned())
                        .collect();
                    let changed = row.addresses != addrs;
                    row.addresses = addrs;
                    // The list filters and sorts by address: it rebuilds on a change.
                    self.version += u64::from(changed);
                    changed
                }
                _ => false,
            },
            BackendEvent::Lifecycle { .. }
            | BackendEvent::ActionDone { .. }
            | BackendEvent::ActionFailed { .. }
            | BackendEvent::XmlFetched { .. }
            | BackendEvent::XmlDefined { .. }
            | BackendEvent::Snapshot(_)
            | BackendEvent::Console(..)
            | BackendEvent::BulkProgress { .. }
            | BackendEvent::BulkDone { .. }
            | BackendEvent::Device(..)
            | BackendEvent::Node(..)
            | BackendEvent::Create(..)
            | BackendEvent::DomainEvent(..)
            | BackendEvent::Storage(..)
            | BackendEvent::Jobs(..)
            | BackendEvent::Clone(..)
            | BackendEvent::Rename(..)
            | BackendEvent::Error(..) => false,
            BackendEvent::HostFacts(..) => host_changed,
        }
    }

    /// Folds one stats tick of `host` in, taking the samples over (no copy: 1000 domains
    /// per tick). Only that host's rows that the tick or a dropped history touches change:
    /// with several hosts, each tick must not walk every host's rows.
    pub fn apply_stats(
        &mut self,
        host: crate::backend::HostId,
        at: Instant,
        domains: Vec<crate::backend::DomainStats>,
    ) {
        let rows = &mut self.rows;
        self.stats.apply(host, at, domains, |id, h| {
            let Some(row) = rows.get_mut(id) else {
                return;
            };
            row.cpu_pct = h.and_then(|h| h.cpu_pct);
            row.disk_bps = h.and_then(|h| h.disk_bps());
            row.net_bps = h.and_then(|h| h.net_bps());
            row.stats_stale = h.is_some_and(|h| h.stale());
            if let Some(ns) = h.and_then(|h| h.latest.cpu_time_ns) {
                row.info.cpu_time_ns = ns;
            }
        });
        // Not `version`: a list sorted by name need not re-sort 3000 rows every tick.
        self.stats_version += 1;
    }

    /// Bumped on every stats tick; lists sorted by a live figure re-sort on it.
    pub fn stats_version(&self) -> u64 {
        self.stats_version
    }

    /// Keeps the live figures of a domain across updates of its row.
    fn merge(prev: Option<DomainRow>, info: DomainInfo) -> DomainRow {
        match prev {
            Some(p) if info.state.state.is_active() => DomainRow {
                info,
                cpu_pct: p.cpu_pct,
                disk_bps: p.disk_bps,
                net_bps: p.net_bps,
                addresses: p.addresses,
                stats_stale: p.stats_stale,
            },
            _ => DomainRow {
                info,
                cpu_pct: None,
                disk_bps: None,
                net_bps: None,
                addresses: Vec::new(),
                stats_stale: false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::{DomainState, HostId};
    use std::time::{Duration, Instant};

    fn info(uuid: &str, name: &str, state: i32) -> DomainInfo {
        DomainInfo {
            id: DomainId::new(HostId::FIRST, uuid),
            name: name.into(),
            state: DomainState::from_raw(state, 0),
            dom_id: None,
            vcpus: 1,
            memory_kib: 1024,
            max_memory_kib: 1024,
            cpu_time_ns: 0,
            autostart: false,
            persistent: true,
            managed_save: false,
        }
    }

    #[test]
    fn a_hosts_list_leaves_other_hosts_rows_alone_even_with_the_same_uuid() {
        let mut s = Store::default();
        let mut other = info("a", "on-host-1", 1);
        other.id = DomainId::new(HostId(1), "a");
        s.apply(&BackendEvent::DomainList(HostId(1), vec![other]));
        s.apply(&BackendEvent::DomainList(
            HostId::FIRST,
            vec![info("a", "on-host-0", 5)],
        ));
        assert_eq!(s.len(), 2, "same UUID on two hosts is two domains");
        s.apply(&BackendEvent::DomainList(HostId::FIRST, vec![]));
        assert_eq!(
            s.get(&DomainId::new(HostId(1), "a"))
                .map(|r| r.info.name.as_str()),
            Some("on-host-1")
        );
        assert!(s.get(&DomainId::new(HostId::FIRST, "a")).is_none());
    }

    #[test]
    fn list_replaces_rows_and_updates_are_keyed_by_uuid() {
        let mut s = Store::default();
        s.apply(&BackendEvent::DomainList(
            HostId::FIRST,
            vec![info("a", "one", 1), info("b", "two", 5)],
        ));
        assert_eq!(s.len(), 2);
        // A rename keeps the row (same UUID), a new list drops vanished domains.
        s.apply(&BackendEvent::DomainUpdated(info("a", "uno", 3)));
        assert_eq!(
            s.get(&DomainId::new(HostId::FIRST, "a"))
                .map(|r| r.info.name.as_str()),
            Some("uno")
        );
        s.apply(&BackendEvent::DomainList(
            HostId::FIRST,
            vec![info("a", "uno", 3)],
        ));
        assert!(s.get(&DomainId::new(HostId::FIRST, "b")).is_none());
        assert!(s.apply(&BackendEvent::DomainRemoved(DomainId::new(
            HostId::FIRST,
            "a"
        ))));
        assert!(s.is_empty());
    }

    fn tick(id: &DomainId, cpu_ns: u64, wr: u64) -> crate::backend::DomainStats {
        crate::backend::DomainStats {
            id: id.clone(),
            cpu_time_ns: Some(cpu_ns),
            disks: vec![crate::backend::stats::DiskStats {
                name: "vda".into(),
                wr_bytes: Some(wr),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    #[test]
    fn live_columns_need_two_samples_and_clear_on_stop() {
        let mut s = Store::default();
        s.apply(&BackendEvent::DomainList(
            HostId::FIRST,
            vec![info("a", "one", 1)],
        ));
        let id = DomainId::new(HostId::FIRST, "a");
        let t0 = Instant::now();
        s.apply(&BackendEvent::Stats {
            host: HostId::FIRST,
            at: t0,
            domains: vec![tick(&id, 0, 0)],
        });
        assert_eq!(s.get(&id).and_then(|r| r.cpu_pct), None);
        let t1 = t0 + Duration::from_secs(2);
        s.apply(&BackendEvent::Stats {
            host: HostId::FIRST,
            at: t1,
            domains: vec![tick(&id, 500_000_000, 4096)],
        });
        let row = s.get(&id).expect("row");
        assert!(
            row.cpu_pct.is_some_and(|p| (p - 25.0).abs() < 1e-6),
            "{row:?}"
        );
        assert_eq!(row.disk_bps, Some(2048.0));
        assert_eq!(row.net_bps, None, "no NIC, no figure");
        s.apply(&BackendEvent::DomainUpdated(info("a", "one", 5)));
        assert_eq!(s.get(&id).and_then(|r| r.cpu_pct), None);
        // The next tick no longer lists it: its history goes too.
        s.apply(&BackendEvent::Stats {
            host: HostId::FIRST,
            at: t1 + Duration::from_secs(1),
            domains: vec![],
        });
        assert!(s.stats.get(&id).is_none());
        assert_eq!(s.get(&id).and_then(|r| r.disk_bps), None);
    }

    #[test]
    fn disconnect_and_failed_reconnect_are_visible() {
        let mut s = Store::default();
        s.apply(&BackendEvent::Disconnected {
            host: HostId::FIRST,
            reason: "the daemon closed the connection".into(),
        });
        assert!(
            matches!(&s.conn, ConnState::Disconnected { detail } if detail.contains("reconnecting"))
        );
        s.apply(&BackendEvent::ReconnectFailed {
            host: HostId::FIRST,
            attempt: 2,
            error: "Failed to connect socket".into(),
            retry_in: Duration::from_secs(2),
        });
        assert!(matches!(&s.conn, ConnState::Disconnected { detail } if detail.contains("#2")));
    }
}
