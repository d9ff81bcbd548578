#![allow(dead_code)]
//! Test harness: a real App on a real libvirt connection, drawn into a TestBackend.

pub mod fleet;
pub mod livenet;
pub mod probe;
pub mod rig;
pub mod testdrv;

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc::UnboundedReceiver;
use virtdeck::app::App;
use virtdeck::backend::{Backend, BackendConfig, ConnectError, demo};
use virtdeck::config::Config;
use virtdeck::config::keymap::Key;
use virtdeck::event::{self, Event};

pub struct Harness {
    pub app: App,
    pub terminal: Terminal<TestBackend>,
    rx: UnboundedReceiver<Event>,
    // Dropped last: the App may still hold a sender to it.
    pub backend: Backend,
    _node: Option<demo::NodeFile>,
}

pub struct Options {
    pub uri: String,
    pub readonly: bool,
    pub reconcile_every: Option<Duration>,
    pub width: u16,
    pub height: u16,
}

impl Options {
    pub fn new(uri: &str) -> Options {
        Options {
            uri: uri.to_string(),
            readonly: false,
            reconcile_every: None,
            width: 80,
            height: 24,
        }
    }
}

impl Harness {
    pub fn try_start(opts: Options) -> Result<Harness, ConnectError> {
        Self::start_with_node(opts, None)
    }

    pub fn start(opts: Options) -> Harness {
        let uri = opts.uri.clone();
        match Self::try_start(opts) {
            Ok(h) => h,
            Err(e) => panic!("cannot start the app on {uri}: {e}"),
        }
    }

    /// The app on a private copy of `xml` (a test-driver node).
    pub fn on_node(xml: &str, mut opts: Options) -> Harness {
        let node = demo::NodeFile::write(xml).expect("write node file");
        opts.uri = node.uri();
        Self::start_with_node(opts, Some(node)).expect("open node")
    }

    /// The app on the built-in demo host.
    pub fn demo(opts: Options) -> Harness {
        Self::on_node(demo::DEMO_HOST_XML, opts)
    }

    fn start_with_node(
        opts: Options,
        node: Option<demo::NodeFile>,
    ) -> Result<Harness, ConnectError> {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let cfg = BackendConfig {
            host: virtdeck::backend::HostId::FIRST,
            uri: Some(opts.uri.clone()),
            readonly: opts.readonly,
            reconcile_every: opts.reconcile_every,
            cpu_interval: Duration::from_millis(500),
            reconnect_max: Duration::from_secs(2),
            ..BackendConfig::default()
        };
        let backend = Backend::start(cfg, event::backend_sink(tx.clone()))?;
        let config = Config::builtin().expect("built-in config");
        let mut app = App::new(config, backend.sender(), opts.readonly);
        app.set_event_sender(tx);
        let terminal =
            Terminal::new(TestBackend::new(opts.width, opts.height)).expect("test terminal");
        let mut h = Harness {
            app,
            terminal,
            rx,
            backend,
            _node: node,
        };
        assert!(
            // A full list, not just the connection: tests select domains right away.
            h.wait_until(Duration::from_secs(30), |app| app.store.loaded),
            "no domain list arrived"
        );
        Ok(h)
    }

    /// Applies every event already queued.
    pub fn pump(&mut self) {
        while let Ok(ev) = self.rx.try_recv() {
            self.app.handle(ev);
        }
    }

    /// What main does after the screen is gone: cancels the clones and transfers still
    /// running and waits for their cleanup; one line per job.
    pub fn wind_down(&mut self, limit: Duration) -> Vec<String> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime");
        rt.block_on(self.app.wind_down(&mut self.rx, limit))
    }

    /// Applies the next queued event, if there is one; returns whether there was. Tests
    /// that must see a passing state (a loss before the reconnect) step with it.
    pub fn pump_one(&mut self) -> bool {
        match self.rx.try_recv() {
            Ok(ev) => {
                self.app.handle(ev);
                true
            }
            Err(_) => false,
        }
    }

    /// Applies every event already queued, showing each to `inspect` first (benchmarks
    /// count console bytes this way).
    pub fn pump_with(&mut self, mut inspect: impl FnMut(&Event)) {
        while let Ok(ev) = self.rx.try_recv() {
            inspect(&ev);
            self.app.handle(ev);
        }
    }

    /// Pumps events until `cond` holds or `timeout` passes; returns whether it held.
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

    /// Types keys: plain characters, or `<Spec>` for named keys (`<Enter>`, `<Esc>`,
    /// `<Ctrl-c>`, `<Down>`), parsed like the keymap's specs.
    pub fn press(&mut self, keys: &str) {
        let mut chars = keys.chars().peekable();
        while let Some(c) = chars.next() {
            let key = if c == '<' && chars.peek().is_some_and(|n| *n != '>') {
                let spec: String = chars.by_ref().take_while(|c| *c != '>').collect();
                Key::parse(&spec).unwrap_or_else(|e| panic!("bad key spec <{spec}>: {e}"))
            } else {
                Key {
                    code: KeyCode::Char(c),
                    ctrl: false,
                    alt: false,
                    shift: false,
                }
            };
            let mut mods = KeyModifiers::NONE;
            if key.ctrl {
                mods |= KeyModifiers::CONTROL;
            }
            if key.alt {
                mods |= KeyModifiers::ALT;
            }
            if key.shift {
                mods |= KeyModifiers::SHIFT;
            }
            if let KeyCode::Char(ch) = key.code
                && ch.is_ascii_uppercase()
            {
                mods |= KeyModifiers::SHIFT;
            }
            self.app.handle(Event::Key(KeyEvent::new(key.code, mods)));
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
            .map(|y| {
                let mut line = String::new();
                let mut x = 0;
                while x < area.width {
                    let cell = &buf[(x, y)];
                    line.push_str(cell.symbol());
                    // A wide character occupies two cells; the second holds nothing.
                    x += unicode_width::UnicodeWidthStr::width(cell.symbol()).max(1) as u16;
                }
                line
            })
            .collect()
    }

    pub fn screen_text(&mut self) -> String {
        self.screen().join("\n")
    }

    /// Moves the selection to the domain called `name`.
    pub fn select(&mut self, name: &str) {
        self.app.domains.list.sync(&self.app.store);
        let idx = self
            .app
            .domains
            .list
            .rows()
            .iter()
            .position(|id| self.app.store.get(id).is_some_and(|r| r.info.name == name))
            .unwrap_or_else(|| panic!("domain {name} is not in the list"));
        self.app.domains.list.select_index(idx);
    }

    /// The UUID of the domain called `name`, waiting up to 30 s for it to be listed.
    pub fn id_of(&mut self, name: &str) -> virtdeck::backend::DomainId {
        self.wait_until(Duration::from_secs(30), |app| {
            app.store.rows().any(|r| r.info.name == name)
        });
        self.app
            .store
            .rows()
            .find(|r| r.info.name == name)
            .map(|r| r.info.id.clone())
            .unwrap_or_else(|| panic!("{name} not in the store"))
    }

    /// The App's view of one domain's state, e.g. "running" or "shut off (destroyed)".
    pub fn state_of(app: &App, name: &str) -> Option<String> {
        app.store
            .rows()
            .find(|r| r.info.name == name)
            .map(|r| r.info.state.to_string())
    }
}
