//! The hosts the App talks to and what each connection is doing, folded from events.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::backend::{BackendEvent, HostFacts, HostId};

/// One host's connection as the hosts view and the domain rows show it.
#[derive(Clone, Debug, PartialEq)]
pub enum HostConn {
    Connecting,
    Connected,
    /// The link dropped; the worker is about to retry.
    Lost {
        reason: String,
    },
    /// A connection attempt failed; the next one is at `next`.
    Retrying {
        attempt: u32,
        error: String,
        hint: String,
        next: Instant,
    },
    /// SSH or libvirt refused the credentials: Enter in the hosts view reconnects.
    AuthNeeded {
        error: String,
        hint: String,
    },
}

impl HostConn {
    pub fn is_connected(&self) -> bool {
        matches!(self, HostConn::Connected)
    }

    /// One short phrase for a table cell.
    pub fn label(&self, now: Instant) -> String {
        match self {
            HostConn::Connecting => "connecting…".into(),
            HostConn::Connected => "connected".into(),
            HostConn::Lost { .. } => "DISCONNECTED".into(),
            HostConn::Retrying { attempt, next, .. } => format!(
                "retry #{} in {}s",
                attempt + 1,
                next.saturating_duration_since(now).as_secs()
            ),
            HostConn::AuthNeeded { .. } => "auth needed".into(),
        }
    }

    /// libvirt's message and what to do about it, for the line under the hosts table.
    pub fn detail(&self) -> Option<(String, String)> {
        match self {
            HostConn::Connecting | HostConn::Connected => None,
            HostConn::Lost { reason } => Some((reason.clone(), "reconnecting".into())),
            HostConn::Retrying { error, hint, .. } => Some((error.clone(), hint.clone())),
            HostConn::AuthNeeded { error, hint } => Some((
                error.clone(),
                format!("{hint}; Enter reconnects (r retries unattended)"),
            )),
        }
    }
}

/// One host: where it is, how its connection is doing, what it said about itself.
#[derive(Clone, Debug)]
pub struct HostRow {
    pub id: HostId,
    pub name: String,
    pub uri: String,
    pub conn: HostConn,
    /// Whether the host has been connected at least once (its rows are then last known).
    pub seen: bool,
    pub facts: Option<HostFacts>,
    pub domains: usize,
    pub running: usize,
}

#[derive(Debug, Default)]
pub struct HostTable {
    rows: BTreeMap<HostId, HostRow>,
}

impl HostTable {
    /// Adds (or renames) a host before its worker reports anything.
    pub fn register(&mut self, id: HostId, name: &str, uri: &str) {
        let row = self.rows.entry(id).or_insert_with(|| HostRow {
            id,
            name: String::new(),
            uri: String::new(),
            conn: HostConn::Connecting,
            seen: false,
            facts: None,
            domains: 0,
            running: 0,
        });
        row.name = name.to_string();
        row.uri = uri.to_string();
    }

    pub fn remove(&mut self, id: HostId) {
        self.rows.remove(&id);
    }

    pub fn get(&self, id: HostId) -> Option<&HostRow> {
        self.rows.get(&id)
    }

    pub fn iter(&self) -> impl Iterator<Item = &HostRow> {
        self.rows.values()
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The host called `name`, if one is.
    pub fn by_name(&self, name: &str) -> Option<HostId> {
        self.rows.values().find(|r| r.name == name).map(|r| r.id)
    }

    /// Whether commands to `id` can run now (unknown hosts count as connected: a
    /// single-host App that never registered one).
    pub fn usable(&self, id: HostId) -> bool {
        self.rows.get(&id).is_none_or(|r| r.conn.is_connected())
    }

    /// Sets the domain and running counts after the rows changed.
    pub fn set_counts(&mut self, counts: &BTreeMap<HostId, (usize, usize)>) {
        for row in self.rows.values_mut() {
            (row.domains, row.running) = counts.get(&row.id).copied().unwrap_or((0, 0));
        }
    }

    /// Folds a connection event in; true when a row changed.
    pub fn apply(&mut self, ev: &BackendEvent) -> bool {
        let Some(row) = self.rows.get_mut(&ev.host()) else {
            return false;
        };
        match ev {
            BackendEvent::Connected { .. } => {
                row.conn = HostConn::Connected;
                row.seen = true;
            }
            BackendEvent::Disconnected { reason, .. } => {
                row.conn = HostConn::Lost {
                    reason: reason.clone(),
                };
            }
            BackendEvent::ReconnectFailed {
                attempt,
                error,
                retry_in,
                ..
            } => row.conn = retrying(*attempt, error, "", *retry_in),
            BackendEvent::ConnectFailed {
                attempt,
                error,
                hint,
                auth,
                retry_in,
                ..
            } => {
                row.conn = if *auth {
                    HostConn::AuthNeeded {
                        error: first_line(error),
                        hint: hint.clone(),
                    }
                } else {
                    retrying(*attempt, error, hint, *retry_in)
                };
            }
            BackendEvent::HostFacts(_, facts) => row.facts = Some(facts.clone()),
            _ => return false,
        }
        true
    }
}

fn retrying(attempt: u32, error: &str, hint: &str, retry_in: Duration) -> HostConn {
    HostConn::Retrying {
        attempt,
        error: first_line(error),
        hint: hint.to_string(),
        next: Instant::now() + retry_in,
    }
}

/// libvirt's messages for ssh failures carry ssh's whole stderr; the first line says it.
fn first_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
        .to_string()
}
