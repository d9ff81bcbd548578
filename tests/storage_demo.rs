//! End to end on the demo host (libvirt's test driver): the real backend and the App,
//! keys pressed, events pumped, screens read. The pools, volumes and jobs views load what
//! the test driver holds, and a volume action goes through libvirt and back.

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use virtdeck::app::App;
use virtdeck::backend::demo::{DEMO_HOST_XML, NodeFile};
use virtdeck::backend::{Backend, BackendConfig, BackendEvent};
use virtdeck::config::Config;
use virtdeck::config::keymap::Key;
use virtdeck::event::Event;

struct Live {
    app: App,
    rx: Receiver<BackendEvent>,
    term: Terminal<TestBackend>,
    _backend: Backend,
    _node: NodeFile,
}

impl Live {
    fn open() -> Live {
        virt::error::clear_error_callback();
        let node = NodeFile::write(DEMO_HOST_XML).expect("node file");
        let (tx, rx) = mpsc::channel();
        let cfg = BackendConfig {
            uri: Some(node.uri()),
            ..BackendConfig::default()
        };
        let sink = Arc::new(move |ev: BackendEvent| {
            let _ = tx.send(ev);
        });
        let backend = Backend::start(cfg, sink).expect("backend on the demo host");
        let app = App::new(Config::builtin().expect("config"), backend.sender(), false);
        let mut l = Live {
            app,
            rx,
            term: Terminal::new(TestBackend::new(160, 45)).expect("terminal"),
            _backend: backend,
            _node: node,
        };
        l.until("the domain list", |s| s.contains("web-01"));
        l
    }

    fn press(&mut self, keys: &str) {
        let mut chars = keys.chars().peekable();
        while let Some(c) = chars.next() {
            let key = if c == '<' && chars.peek().is_some_and(|n| *n != '>') {
                let spec: String = chars.by_ref().take_while(|c| *c != '>').collect();
                Key::parse(&spec).expect("key spec")
            } else {
                Key::parse(&c.to_string()).expect("key")
            };
            let mut mods = KeyModifiers::NONE;
            if key.ctrl {
                mods |= KeyModifiers::CONTROL;
            }
            if matches!(key.code, KeyCode::Char(c) if c.is_ascii_uppercase()) {
                mods |= KeyModifiers::SHIFT;
            }
            self.app.handle(Event::Key(KeyEvent::new(key.code, mods)));
        }
    }

    fn screen(&mut self) -> String {
        self.term.draw(|f| self.app.render(f)).expect("draw");
        let buf = self.term.backend().buffer();
        let mut out = String::new();
        for y in 0..buf.area.height {
            let line: String = (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect();
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    /// Pumps backend events into the App until the screen satisfies `ok`.
    fn until(&mut self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let s = self.screen();
            if ok(&s) {
                return s;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left.min(Duration::from_millis(200))) {
                Ok(ev) => self.app.handle(Event::Backend(ev)),
                Err(_) if Instant::now() >= deadline => panic!("waiting for {what}:\n{s}"),
                Err(_) => {}
            }
        }
    }
}

#[test]
fn demo_pools_and_volumes_load_and_a_new_volume_appears() {
    let mut l = Live::open();
    l.press("P");
    let s = l.until("the pools", |s| {
        s.contains("backups") && s.contains("Storage pools (2)")
    });
    assert!(s.contains("running"), "{s}");
    // backups sorts first; Enter opens its volumes.
    l.press("g<Enter>");
    let s = l.until("the backups volumes", |s| s.contains("web-01-golden.qcow2"));
    assert!(s.contains("Volumes of backups (3)"), "{s}");
    // Back to the pools; the default pool shows who uses a volume.
    l.press("<Esc>G<Enter>");
    l.until("web-01's disk and its user", |s| {
        s.contains("web-01.qcow2") && s.contains("web-01 (vda")
    });
    l.press("Nscratch.qcow2 1M qcow2<Enter>");
    l.until("the new volume", |s| s.contains("scratch.qcow2"));
}

#[test]
fn demo_volume_in_use_by_a_running_domain_is_not_deleted() {
    let mut l = Live::open();
    l.press("P");
    l.until("the pools", |s| s.contains("Storage pools (2)"));
    l.press("G<Enter>");
    l.until("the default volumes", |s| s.contains("web-01.qcow2"));
    // Find web-01.qcow2's row by walking down until the status names it.
    let rows = l
        .screen()
        .lines()
        .skip_while(|r| !r.contains("Name"))
        .skip(1)
        .position(|r| r.contains("│web-01.qcow2"))
        .expect("row");
    l.press("g");
    for _ in 0..rows {
        l.press("j");
    }
    l.press("D");
    let s = l.screen();
    assert!(
        s.contains("in use by the running domain web-01"),
        "delete is refused, naming the domain:\n{s}"
    );
}

#[test]
fn demo_jobs_view_opens_empty() {
    let mut l = Live::open();
    l.press("J");
    l.until("the jobs view", |s| {
        s.contains("no block, save or restore job")
    });
}
