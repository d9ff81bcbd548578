#![allow(dead_code)]
//! A backend without a UI: send Commands, wait for the BackendEvents they produce.

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use virtdeck::backend::{Backend, BackendConfig, BackendEvent, Command};

pub struct Probe {
    pub backend: Backend,
    rx: Receiver<BackendEvent>,
    /// Every event received so far, in order.
    pub seen: Vec<BackendEvent>,
}

impl Probe {
    pub fn start(uri: &str) -> Probe {
        virt::error::clear_error_callback();
        let (tx, rx) = mpsc::channel();
        let sink = Arc::new(move |ev| {
            let _ = tx.send(ev);
        });
        let cfg = BackendConfig {
            uri: Some(uri.to_string()),
            // Stats ticks are noise here.
            cpu_interval: Duration::from_secs(3600),
            ..BackendConfig::default()
        };
        let backend = Backend::start(cfg, sink).unwrap_or_else(|e| panic!("connect {uri}: {e}"));
        Probe {
            backend,
            rx,
            seen: Vec::new(),
        }
    }

    pub fn send(&self, cmd: Command) {
        self.backend.sender().send(cmd);
    }

    /// Waits for the first new event `f` maps to `Some`.
    pub fn wait<T>(
        &mut self,
        timeout: Duration,
        mut f: impl FnMut(&BackendEvent) -> Option<T>,
    ) -> Option<T> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(ev) => {
                    let hit = f(&ev);
                    self.seen.push(ev);
                    if hit.is_some() {
                        return hit;
                    }
                }
                Err(_) => return None,
            }
        }
    }

    /// Sends `cmd` and waits for the reply `f` recognises; panics naming `what` on timeout.
    pub fn ask<T>(
        &mut self,
        cmd: Command,
        what: &str,
        f: impl FnMut(&BackendEvent) -> Option<T>,
    ) -> T {
        self.send(cmd);
        self.wait(Duration::from_secs(60), f)
            .unwrap_or_else(|| panic!("no reply to {what}"))
    }
}
