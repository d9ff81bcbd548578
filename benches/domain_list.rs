//! Domain list at scale: launch to first complete frame, render time per frame, peak RSS.
//! Run with `cargo bench --bench domain_list` (or `make bench`). Prints figures; asserts nothing.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use virtdeck::app::App;
use virtdeck::backend::{Backend, BackendConfig, demo};
use virtdeck::config::Config;
use virtdeck::event::{self, Event};

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

/// In-process: connect, load, draw the first frame; then time forced redraws.
fn in_process(count: usize, frames: usize) -> (f64, f64, f64, f64, f64) {
    let node = demo::NodeFile::write(&demo::synthetic_node(count)).expect("node file");
    let t0 = Instant::now();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Event>();
    let cfg = BackendConfig {
        uri: Some(node.uri()),
        reconcile_every: None,
        cpu_interval: Duration::from_secs(3600),
        ..BackendConfig::default()
    };
    let backend = Backend::start(cfg, event::backend_sink(tx)).expect("backend");
    let connected = t0.elapsed().as_secs_f64() * 1000.0;
    let mut app = App::new(Config::builtin().expect("config"), backend.sender(), false);
    let mut term = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    while !app.store.loaded {
        match rx.try_recv() {
            Ok(ev) => app.handle(ev),
            Err(_) => std::thread::sleep(Duration::from_micros(200)),
        }
    }
    term.draw(|f| app.render(f)).expect("draw");
    let first = t0.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(app.store.len(), count);

    let mut times = Vec::with_capacity(frames);
    for i in 0..frames {
        // Move the cursor so every frame has real changes to render and diff.
        app.domains.list.select_index(i % 30);
        let t = Instant::now();
        term.draw(|f| app.render(f)).expect("draw");
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    drop(backend);
    (
        connected,
        first - connected,
        mean,
        percentile(&times, 0.5),
        percentile(&times, 0.99),
    )
}

/// The real binary in a pty on a `count`-domain node; its debug log says how long libvirt
/// took to open the connection, when the first complete frame was drawn and its peak RSS.
fn real_binary(count: usize) -> Option<Vec<String>> {
    let node = demo::NodeFile::write(&demo::synthetic_node(count)).ok()?;
    run_binary(&node.uri())
}

/// Runs the real binary in a pty on `uri` for 3 s and returns its timing/RSS log lines.
fn run_binary(uri: &str) -> Option<Vec<String>> {
    let state = tempfile::tempdir().ok()?;
    let bin = env!("CARGO_BIN_EXE_virtdeck");
    let mut child = Command::new("script")
        .args([
            "-qfec",
            &format!("stty cols 120 rows 40; exec {bin} -c {uri}"),
            "/dev/null",
        ])
        .env("XDG_STATE_HOME", state.path())
        .env("XDG_CONFIG_HOME", state.path())
        .env("VIRTDECK_LOG", "debug")
        .env("TERM", "xterm-256color")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    std::thread::sleep(Duration::from_millis(3000));
    child.stdin.as_mut()?.write_all(b"q").ok()?;
    child.wait().ok()?;
    let log = std::fs::read_to_string(state.path().join("virtdeck/virtdeck.log")).ok()?;
    let wanted = ["opened ", "listed ", "first complete frame", "peak RSS"];
    Some(
        log.lines()
            .filter(|l| wanted.iter().any(|w| l.contains(w)))
            .filter_map(|l| l.split(": ").nth(1).map(str::to_string))
            .collect(),
    )
}

/// 1000 inactive domains defined on the rig's real libvirtd (qemu:///system): the
/// production shape, where the daemon holds the domains and virtdeck talks RPC.
fn real_daemon(count: usize) -> Option<Vec<String>> {
    let conn = virt::connect::Connect::open(Some("qemu:///system")).ok()?;
    let mut defined = Vec::new();
    for i in 0..count {
        let xml = format!(
            "<domain type='qemu'><name>vdbench-{i:05}</name><memory unit='MiB'>64</memory>\
             <os><type arch='x86_64'>hvm</type></os></domain>"
        );
        match conn.define_domain_xml(&xml) {
            Ok(d) => defined.push(d),
            Err(e) => {
                println!("  real daemon: cannot define domains ({e})");
                break;
            }
        }
    }
    let result = (defined.len() == count)
        .then(|| run_binary("qemu:///system"))
        .flatten();
    for d in defined {
        let _ = d.undefine();
    }
    result
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` runs this too: keep that quick.
    let quick = !std::env::args().any(|a| a == "--bench");
    let frames = if quick { 20 } else { 500 };
    println!("virtdeck domain list benchmark (test driver, 120x40 terminal)");
    for count in [100, 1000, 10000] {
        if quick && count > 1000 {
            continue;
        }
        let (connect, rest, mean, p50, p99) = in_process(count, frames);
        println!(
            "  {count:>5} domains: libvirt connect {connect:7.1} ms, then list + first complete frame \
             {rest:6.1} ms; render mean {mean:.3} ms, p50 {p50:.3} ms, p99 {p99:.3} ms ({frames} frames)"
        );
    }
    for count in [12, 1000] {
        match real_binary(count) {
            Some(lines) => println!("  real binary, {count} domains: {}", lines.join("; ")),
            None => println!("  real binary run failed (script(1) missing?)"),
        }
    }
    if !quick {
        match real_daemon(1000) {
            Some(lines) => println!(
                "  real binary, 1000 inactive domains on libvirtd (qemu:///system): {}",
                lines.join("; ")
            ),
            None => println!("  real daemon run skipped: qemu:///system not reachable (make rig)"),
        }
    }
    println!("  targets: first frame <= 150 ms, render <= 2 ms per frame, RSS <= 40 MB");
}
