//! Views at scale: 1000 domains on libvirt's test driver, key press to finished frame.
//! Each sample is one key handled by the App (list moves, tab switches, sort, filter
//! typing, help open/close, the command line, the palette, marks) plus the frame drawn
//! after it. Target: p99 <= 16 ms.
//! Run with `cargo bench --bench views` (or `make bench`). Prints figures; asserts nothing.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use virtdeck::app::App;
use virtdeck::backend::{Backend, BackendConfig, demo};
use virtdeck::config::Config;
use virtdeck::config::keymap::Key;
use virtdeck::event::{self, Event};

const DOMAINS: usize = 1000;

/// 40 rounds under `cargo bench`; one smoke round when `cargo test --all-targets` runs it.
fn rounds() -> usize {
    if std::env::args().any(|a| a == "--bench") {
        40
    } else {
        1
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

fn key(spec: &str) -> KeyEvent {
    let k = Key::parse(spec).expect("key spec");
    let mut mods = KeyModifiers::NONE;
    if k.ctrl {
        mods |= KeyModifiers::CONTROL;
    }
    if matches!(k.code, KeyCode::Char(c) if c.is_ascii_uppercase()) {
        mods |= KeyModifiers::SHIFT;
    }
    KeyEvent::new(k.code, mods)
}

/// One round of what a user does on a big host.
fn script() -> Vec<KeyEvent> {
    let mut keys: Vec<KeyEvent> = Vec::new();
    keys.extend(std::iter::repeat_n(key("j"), 20));
    keys.extend(["PgDn", "PgDn", "G", "k", "g", ">", ">", "<", "I", "I"].map(key));
    keys.extend(["Tab", "Tab", "Tab", "Tab", "Tab"].map(key));
    keys.extend(
        [
            "/",
            "v",
            "m",
            "-",
            "0",
            "4",
            "Backspace",
            "Backspace",
            "Enter",
            "Esc",
        ]
        .map(key),
    );
    keys.extend(["?", "j", "Esc", "S", "j", "Esc"].map(key));
    // The command line (typing, Tab), the palette (fuzzy filter) and marks over 1000 rows.
    keys.extend([":", "s", "t", "Tab", "Space", "w", "Tab", "Esc"].map(key));
    keys.extend(["Ctrl-p", "s", "n", "a", "Down", "Esc"].map(key));
    keys.extend(["Space", "Space", "*", "Ctrl-a", "Esc"].map(key));
    keys
}

fn main() {
    let node = demo::NodeFile::write(&demo::synthetic_node(DOMAINS)).expect("node file");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Event>();
    let cfg = BackendConfig {
        uri: Some(node.uri()),
        reconcile_every: None,
        cpu_interval: Duration::from_secs(3600),
        ..BackendConfig::default()
    };
    let backend = Backend::start(cfg, event::backend_sink(tx)).expect("backend");
    let mut app = App::new(Config::builtin().expect("config"), backend.sender(), false);
    app.drafts_dir = None;
    app.history_path = None;
    while !app.store.loaded {
        match rx.try_recv() {
            Ok(ev) => app.handle(ev),
            Err(_) => std::thread::sleep(Duration::from_micros(200)),
        }
    }
    assert_eq!(app.store.len(), DOMAINS);
    for (w, h) in [(80u16, 24u16), (160, 45)] {
        let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        term.draw(|f| app.render(f)).expect("draw");
        let mut times = Vec::new();
        for _ in 0..rounds() {
            for k in script() {
                // Replies (snapshot lists) are applied between keys, as the run loop does.
                while let Ok(ev) = rx.try_recv() {
                    app.handle(ev);
                }
                let t = Instant::now();
                app.handle(Event::Key(k));
                term.draw(|f| app.render(f)).expect("draw");
                times.push(t.elapsed().as_secs_f64() * 1000.0);
            }
        }
        times.sort_by(f64::total_cmp);
        let mean = times.iter().sum::<f64>() / times.len() as f64;
        println!(
            "views {DOMAINS} domains {w}x{h}: {} key presses, key to frame mean {mean:.2} ms, \
             p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms (target p99 <= 16 ms)",
            times.len(),
            percentile(&times, 0.5),
            percentile(&times, 0.99),
            times[times.len() - 1],
        );
    }
    drop(backend);
}
