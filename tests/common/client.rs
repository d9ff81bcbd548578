#![allow(dead_code)]
//! A backend without the UI: send `Command`s, wait for the `BackendEvent`s that answer
//! them. For tests of backend APIs the views will be built on.

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use virtdeck::backend::jobs::{JobCmd, JobEvent};
use virtdeck::backend::model::HostId;
use virtdeck::backend::storage::{StorageCmd, StorageEvent};
use virtdeck::backend::{Backend, BackendConfig, BackendEvent, Command};

pub struct Client {
    pub backend: Backend,
    rx: Receiver<(Instant, BackendEvent)>,
    next: u64,
    /// Every event received so far (for failure messages and later assertions).
    pub seen: Vec<(Instant, BackendEvent)>,
}

impl Client {
    pub fn open(uri: &str) -> Client {
        virt::error::clear_error_callback();
        let (tx, rx) = mpsc::channel();
        let cfg = BackendConfig {
            uri: Some(uri.to_string()),
            cpu_interval: Duration::from_millis(500),
            ..BackendConfig::default()
        };
        let sink = Arc::new(move |ev: BackendEvent| {
            let _ = tx.send((Instant::now(), ev));
        });
        let backend = Backend::start(cfg, sink).unwrap_or_else(|e| panic!("backend: {e}"));
        Client {
            backend,
            rx,
            next: 1000,
            seen: Vec::new(),
        }
    }

    pub fn req(&mut self) -> u64 {
        self.next += 1;
        self.next
    }

    pub fn send(&self, cmd: Command) {
        self.backend.sender().send(cmd);
    }

    /// Waits until `f` picks a new event.
    pub fn wait_for<T>(
        &mut self,
        timeout: Duration,
        mut f: impl FnMut(&BackendEvent) -> Option<T>,
    ) -> T {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok((at, ev)) => {
                    if std::env::var_os("VIRTDECK_TRACE_EVENTS").is_some()
                        && matches!(ev, BackendEvent::Jobs(_, _) | BackendEvent::Storage(_, _))
                    {
                        eprintln!("event: {ev:?}");
                    }
                    let hit = f(&ev);
                    self.seen.push((at, ev));
                    if let Some(t) = hit {
                        return t;
                    }
                }
                Err(_) => {
                    let tail: Vec<_> = self
                        .seen
                        .iter()
                        .rev()
                        .map(|(_, e)| e)
                        .filter(|e| {
                            matches!(e, BackendEvent::Jobs(_, _) | BackendEvent::Storage(_, _))
                        })
                        .take(8)
                        .collect();
                    panic!("timed out after {timeout:?}; last events: {tail:#?}");
                }
            }
        }
    }

    /// Like [`wait_for`] but an event received earlier counts too.
    pub fn seen_or_wait<T>(
        &mut self,
        timeout: Duration,
        mut f: impl FnMut(&BackendEvent) -> Option<T>,
    ) -> T {
        if let Some(t) = self.seen.iter().find_map(|(_, e)| f(e)) {
            return t;
        }
        self.wait_for(timeout, f)
    }

    /// Sends a storage command and returns the event that answers it.
    pub fn storage(&mut self, make: impl FnOnce(u64) -> StorageCmd) -> StorageEvent {
        let req = self.req();
        self.send(Command::Storage(HostId::FIRST, make(req)));
        self.wait_for(Duration::from_secs(60), |ev| match ev {
            BackendEvent::Storage(_, s) if storage_req(s) == Some(req) => Some(s.clone()),
            _ => None,
        })
    }

    /// Sends a job command and returns its `Reply` / `DomainJobFinished` / `List`.
    pub fn job(&mut self, make: impl FnOnce(u64) -> JobCmd, timeout: Duration) -> JobEvent {
        let req = self.req();
        self.send(Command::Jobs(HostId::FIRST, make(req)));
        self.wait_for(timeout, |ev| match ev {
            BackendEvent::Jobs(_, j @ JobEvent::Reply { req: r, .. })
            | BackendEvent::Jobs(_, j @ JobEvent::List { req: r, .. })
            | BackendEvent::Jobs(_, j @ JobEvent::DomainJobFinished { req: r, .. })
                if *r == req =>
            {
                Some(j.clone())
            }
            _ => None,
        })
    }
}

fn storage_req(ev: &StorageEvent) -> Option<u64> {
    match ev {
        StorageEvent::Pools { req, .. }
        | StorageEvent::Volumes { req, .. }
        | StorageEvent::Done { req, .. }
        | StorageEvent::Xml { req, .. }
        | StorageEvent::PoolDefined { req, .. }
        | StorageEvent::Users { req, .. }
        | StorageEvent::Disks { req, .. }
        | StorageEvent::SnapshotFiles { req, .. }
        | StorageEvent::TransferFinished { req, .. } => Some(*req),
        StorageEvent::TransferProgress { .. } => None,
    }
}
