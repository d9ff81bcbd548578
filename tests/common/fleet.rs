#![allow(dead_code)]
//! Test harness for several hosts in one App: one background worker per host (as main
//! starts them with several `-c`), drawn into a TestBackend.

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc::UnboundedReceiver;
use virtdeck::app::App;
use virtdeck::backend::{Backend, BackendConfig, HostId};
use virtdeck::config::Config;
use virtdeck::event::{self, Event};

pub struct Fleet {
    pub app: App,
    pub terminal: Terminal<TestBackend>,
    rx: UnboundedReceiver<Event>,
    pub backends: Vec<Backend>,
}

/// One host of the fleet.
pub struct HostSpec {
    pub name: String,
    pub uri: String,
    /// (seconds between probes, unanswered probes): libvirt's keepalive.
    pub keepalive: (i32, u32),
}

impl HostSpec {
    pub fn new(name: &str, uri: &str) -> HostSpec {
        HostSpec {
            name: name.into(),
            uri: uri.into(),
            keepalive: (5, 3),
        }
    }
}

impl Fleet {
    pub fn start(hosts: &[HostSpec], width: u16, height: u16) -> Fleet {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let backends: Vec<Backend> = hosts
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let cfg = BackendConfig {
                    host: HostId(i as u16),
                    uri: Some(h.uri.clone()),
                    reconcile_every: None,
                    cpu_interval: Duration::from_millis(500),
                    reconnect_max: Duration::from_secs(2),
                    keepalive: h.keepalive,
                    ..BackendConfig::default()
                };
                Backend::spawn(cfg, event::backend_sink(tx.clone())).expect("spawn worker")
            })
            .collect();
        let config = Config::builtin().expect("built-in config");
        let mut app = App::new(config, backends[0].sender(), false);
        for (i, (h, b)) in hosts.iter().zip(&backends).enumerate() {
            app.add_host(HostId(i as u16), &h.name, &h.uri, b.sender());
        }
        let terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
        Fleet {
            app,
            terminal,
            rx,
            backends,
        }
    }

    pub fn pump(&mut self) {
        while let Ok(ev) = self.rx.try_recv() {
            self.app.handle(ev);
        }
    }

    pub fn wait_until(&mut self, timeout: Duration, mut cond: impl FnMut(&App) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            self.pump();
            if cond(&self.app) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Draws and returns the screen as lines of text.
    pub fn screen(&mut self) -> Vec<String> {
        self.terminal
            .draw(|f| self.app.render(f))
            .expect("draw into test backend");
        let buf = self.terminal.backend().buffer();
        let area = buf.area;
        (0..area.height)
            .map(|y| (0..area.width).map(|x| buf[(x, y)].symbol()).collect())
            .collect()
    }

    /// The state of the domain `name` on `host` as the App shows it.
    pub fn state_on(app: &App, host: HostId, name: &str) -> Option<String> {
        app.store
            .rows()
            .find(|r| r.info.id.host == host && r.info.name == name)
            .map(|r| r.info.state.to_string())
    }

    /// The names the App lists for `host`.
    pub fn names_on(app: &App, host: HostId) -> std::collections::BTreeSet<String> {
        app.store
            .rows()
            .filter(|r| r.info.id.host == host)
            .map(|r| r.info.name.clone())
            .collect()
    }
}
