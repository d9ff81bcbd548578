//! Multi-host benchmark: three test-driver hosts with 1000 domains each (plus the rig's
//! `qemu:///system` when it is up), one worker each, the App drawing the fleet list at
//! 160x45 on 1 s ticks. Prints the first complete fleet frame, the App's CPU per tick, the
//! whole process's CPU share, virtdeck's live heap (counted by the allocator) and RSS.
//!
//! Run: `cargo bench --bench hosts` (VIRTDECK_BENCH_DOMAINS=N per host, VIRTDECK_BENCH_TICKS,
//! VIRTDECK_BENCH_LIVE=0 to leave the rig out). One short smoke round under `cargo test`.

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc::unbounded_channel;
use virtdeck::app::App;
use virtdeck::backend::{Backend, BackendConfig, HostId, demo};
use virtdeck::config::Config;
use virtdeck::event::{self, Event};

#[global_allocator]
static GLOBAL: &stats_alloc::StatsAlloc<std::alloc::System> = &stats_alloc::INSTRUMENTED_SYSTEM;

fn live_heap() -> i64 {
    let s = GLOBAL.stats();
    s.bytes_allocated as i64 - s.bytes_deallocated as i64
}

/// CPU time (ns) of every thread of this process, from /proc schedstat.
fn process_cpu_ns() -> u64 {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    dir.flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))?
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()
        })
        .unwrap_or(0)
}

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn rig_up() -> bool {
    std::env::var("VIRTDECK_BENCH_LIVE").as_deref() != Ok("0")
        && std::process::Command::new("virsh")
            .args(["-q", "-c", "qemu:///system", "version"])
            .output()
            .is_ok_and(|o| o.status.success())
}

struct Run {
    label: &'static str,
    with_rig: bool,
}

fn run(r: &Run, per_host: usize, ticks: usize) {
    let nodes: Vec<demo::NodeFile> = (0..3)
        .map(|_| demo::NodeFile::write(&demo::synthetic_node(per_host)).expect("node file"))
        .collect();
    let mut uris: Vec<(String, String)> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (format!("test{i}"), n.uri()))
        .collect();
    if r.with_rig {
        uris.push(("rig".into(), "qemu:///system".into()));
    }
    let heap0 = live_heap();
    let t0 = Instant::now();
    let (tx, mut rx) = unbounded_channel();
    let config = Config::builtin().expect("config");
    let backends: Vec<Backend> = uris
        .iter()
        .enumerate()
        .map(|(i, (_, uri))| {
            let cfg = BackendConfig {
                host: HostId(i as u16),
                uri: Some(uri.clone()),
                reconcile_every: config.reconcile_every,
                cpu_interval: Duration::from_secs(1),
                ..BackendConfig::default()
            };
            Backend::spawn(cfg, event::backend_sink(tx.clone())).expect("spawn")
        })
        .collect();
    let mut app = App::new(config, backends[0].sender(), false);
    for (i, ((name, uri), b)) in uris.iter().zip(&backends).enumerate() {
        app.add_host(HostId(i as u16), name, uri, b.sender());
    }
    let mut term = Terminal::new(TestBackend::new(160, 45)).expect("terminal");
    let all_loaded = |app: &App| {
        (0..3).all(|h| {
            app.store
                .hosts
                .get(HostId(h))
                .is_some_and(|row| row.domains == per_host)
        })
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        while let Ok(ev) = rx.try_recv() {
            app.handle(ev);
        }
        if all_loaded(&app) || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    term.draw(|f| app.render(f)).expect("draw");
    let first = t0.elapsed();
    println!(
        "{}: first complete fleet frame ({} domains on {} hosts) after {:.0} ms",
        r.label,
        app.store.len(),
        uris.len(),
        first.as_secs_f64() * 1000.0
    );

    // Steady state: what the App does on each 1 s tick (apply the events, draw once).
    std::thread::sleep(Duration::from_secs(2));
    while let Ok(ev) = rx.try_recv() {
        app.handle(ev);
    }
    let cpu0 = process_cpu_ns();
    let wall0 = Instant::now();
    let mut app_ns = 0u128;
    for _ in 0..ticks {
        std::thread::sleep(Duration::from_secs(1));
        let t = Instant::now();
        while let Ok(ev) = rx.try_recv() {
            app.handle(ev);
        }
        app.handle(Event::Tick);
        term.draw(|f| app.render(f)).expect("draw");
        app_ns += t.elapsed().as_nanos();
    }
    let cpu = process_cpu_ns().saturating_sub(cpu0) as f64;
    let wall = wall0.elapsed().as_nanos() as f64;
    println!(
        "{}: App {:.2} ms per tick; whole process {:.2} % of a core at 1 s ticks",
        r.label,
        app_ns as f64 / ticks.max(1) as f64 / 1e6,
        cpu * 100.0 / wall
    );
    println!(
        "{}: virtdeck heap {:.1} MB (allocator, live), RSS {:.1} MB",
        r.label,
        (live_heap() - heap0) as f64 / 1e6,
        rss_kib() as f64 / 1024.0
    );
    drop(app);
    drop(backends);
    drop(nodes);
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let per_host = env_num("VIRTDECK_BENCH_DOMAINS", if bench { 1000 } else { 50 });
    let ticks = env_num("VIRTDECK_BENCH_TICKS", if bench { 30 } else { 2 });
    run(
        &Run {
            label: "3 test hosts",
            with_rig: false,
        },
        per_host,
        ticks,
    );
    if bench && rig_up() {
        run(
            &Run {
                label: "3 test hosts + rig",
                with_rig: true,
            },
            per_host,
            ticks,
        );
    }
}
