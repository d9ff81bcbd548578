//! Domains by UUID plus connection status; `apply` is the only way they change.

use std::collections::HashMap;
use std::time::Instant;

use crate::backend::{BackendEvent, DomainId, DomainInfo, RunState};

use super::cpu::cpu_percent;

/// One domain as the UI knows it.
#[derive(Clone, Debug)]
pub struct DomainRow {
    pub info: DomainInfo,
    pub cpu_pct: Option<f64>,
    last_cpu: Option<(Instant, u64)>,
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
    /// Bumped whenever the set of rows or a sortable field changes.
    version: u64,
    /// A full domain list has arrived at least once.
    pub loaded: bool,
    /// Domains running or idle, recounted when rows change (not per frame).
    running: usize,
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
        self.running = self
            .rows
            .values()
            .filter(|r| matches!(r.info.state.state, RunState::Running | RunState::Blocked))
            .count();
    }

    /// Folds one backend event into the model. Returns whether anything visible changed.
    pub fn apply(&mut self, ev: &BackendEvent) -> bool {
        let changed = self.apply_inner(ev);
        if matches!(
            ev,
            BackendEvent::DomainList(_)
                | BackendEvent::DomainUpdated(_)
                | BackendEvent::DomainRemoved(_)
        ) {
            self.recount();
        }
        changed
    }

    fn apply_inner(&mut self, ev: &BackendEvent) -> bool {
        match ev {
            BackendEvent::Connected { uri, hostname, .. } => {
                self.conn = ConnState::Connected;
                self.uri = uri.clone();
                self.hostname = hostname.clone();
                true
            }
            BackendEvent::Disconnected { reason } => {
                self.conn = ConnState::Disconnected {
                    detail: format!("{reason}; reconnecting"),
                };
                true
            }
            BackendEvent::ReconnectFailed {
                attempt,
                error,
                retry_in,
            } => {
                self.conn = ConnState::Disconnected {
                    detail: format!(
                        "reconnect #{attempt} failed ({error}); next try in {:.1}s",
                        retry_in.as_secs_f64()
                    ),
                };
                true
            }
            BackendEvent::DomainList(list) => {
                let mut old = std::mem::take(&mut self.rows);
                for info in list {
                    let prev = old.remove(&info.id);
                    self.rows
                        .insert(info.id.clone(), Self::merge(prev, info.clone()));
                }
                self.version += 1;
                self.loaded = true;
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
            BackendEvent::CpuTimes { at, times } => {
                for (id, ns) in times {
                    if let Some(row) = self.rows.get_mut(id) {
                        let cur = (*at, *ns);
                        row.cpu_pct = row.last_cpu.and_then(|prev| cpu_percent(prev, cur));
                        row.last_cpu = Some(cur);
                        row.info.cpu_time_ns = *ns;
                    }
                }
                // Inactive domains use no CPU; clear stale figures.
                for row in self.rows.values_mut() {
                    if !row.info.state.state.is_active() {
                        row.cpu_pct = None;
                        row.last_cpu = None;
                    }
                }
                self.version += 1;
                true
            }
            BackendEvent::Lifecycle { .. }
            | BackendEvent::ActionDone { .. }
            | BackendEvent::ActionFailed { .. }
            | BackendEvent::XmlFetched { .. }
            | BackendEvent::XmlDefined { .. }
            | BackendEvent::Snapshot(_)
            | BackendEvent::Console(_)
            | BackendEvent::Error(_) => false,
        }
    }

    /// Keeps the CPU history of a domain across updates of its row.
    fn merge(prev: Option<DomainRow>, info: DomainInfo) -> DomainRow {
        match prev {
            Some(p) if info.state.state.is_active() => DomainRow {
                info,
                cpu_pct: p.cpu_pct,
                last_cpu: p.last_cpu,
            },
            _ => DomainRow {
                info,
                cpu_pct: None,
                last_cpu: None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::DomainState;
    use std::time::Duration;

    fn info(uuid: &str, name: &str, state: i32) -> DomainInfo {
        DomainInfo {
            id: DomainId(uuid.into()),
            name: name.into(),
            state: DomainState::from_raw(state, 0),
            dom_id: None,
            vcpus: 1,
            memory_kib: 1024,
            max_memory_kib: 1024,
            cpu_time_ns: 0,
            autostart: false,
            persistent: true,
        }
    }

    #[test]
    fn list_replaces_rows_and_updates_are_keyed_by_uuid() {
        let mut s = Store::default();
        s.apply(&BackendEvent::DomainList(vec![
            info("a", "one", 1),
            info("b", "two", 5),
        ]));
        assert_eq!(s.len(), 2);
        // A rename keeps the row (same UUID), a new list drops vanished domains.
        s.apply(&BackendEvent::DomainUpdated(info("a", "uno", 3)));
        assert_eq!(
            s.get(&DomainId("a".into())).map(|r| r.info.name.as_str()),
            Some("uno")
        );
        s.apply(&BackendEvent::DomainList(vec![info("a", "uno", 3)]));
        assert!(s.get(&DomainId("b".into())).is_none());
        assert!(s.apply(&BackendEvent::DomainRemoved(DomainId("a".into()))));
        assert!(s.is_empty());
    }

    #[test]
    fn cpu_percent_needs_two_samples_and_resets_on_stop() {
        let mut s = Store::default();
        s.apply(&BackendEvent::DomainList(vec![info("a", "one", 1)]));
        let id = DomainId("a".into());
        let t0 = Instant::now();
        s.apply(&BackendEvent::CpuTimes {
            at: t0,
            times: vec![(id.clone(), 0)],
        });
        assert_eq!(s.get(&id).and_then(|r| r.cpu_pct), None);
        let t1 = t0 + Duration::from_secs(2);
        s.apply(&BackendEvent::CpuTimes {
            at: t1,
            times: vec![(id.clone(), 500_000_000)],
        });
        let pct = s.get(&id).and_then(|r| r.cpu_pct);
        assert!(pct.is_some_and(|p| (p - 25.0).abs() < 1e-6), "{pct:?}");
        s.apply(&BackendEvent::DomainUpdated(info("a", "one", 5)));
        assert_eq!(s.get(&id).and_then(|r| r.cpu_pct), None);
    }

    #[test]
    fn disconnect_and_failed_reconnect_are_visible() {
        let mut s = Store::default();
        s.apply(&BackendEvent::Disconnected {
            reason: "the daemon closed the connection".into(),
        });
        assert!(
            matches!(&s.conn, ConnState::Disconnected { detail } if detail.contains("reconnecting"))
        );
        s.apply(&BackendEvent::ReconnectFailed {
            attempt: 2,
            error: "Failed to connect socket".into(),
            retry_in: Duration::from_secs(2),
        });
        assert!(matches!(&s.conn, ConnState::Disconnected { detail } if detail.contains("#2")));
    }
}
