//! Multi-host benchmark: three test-driver hosts with 1000 domains each (plus the rig's
//! `qemu:///system` when it is up), one worker each, the App drawing the fleet list at
//! 160x45 on 1 s ticks. Prints the first complete fleet frame, the App's CPU per tick, the
//! whole process's CPU share (and the workers' part of it), frames drawn, virtdeck's live
//! heap (counted by the allocator) and RSS; then five minutes' worth of simulated ticks
//! with full QEMU-like records for every active domain, and the heap with those histories.
//!
//! Run: `cargo bench --bench hosts` (VIRTDECK_BENCH_DOMAINS=N per host, VIRTDECK_BENCH_TICKS,
//! VIRTDECK_BENCH_LIVE=0 to leave the rig out). One short smoke round under `cargo test`.

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc::unbounded_channel;
use virtdeck::app::App;
use virtdeck::backend::stats::{BalloonStats, DiskStats, NicStats, VcpuStats};
use virtdeck::backend::{Backend, BackendConfig, BackendEvent, DomainStats, HostId, demo};
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

/// CPU time (ns) of this process's libvirt worker threads (named `libvirt-…`).
fn worker_cpu_ns() -> u64 {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    dir.flatten()
        .filter(|t| {
            std::fs::read_to_string(t.path().join("comm")).is_ok_and(|c| c.starts_with("libvirt-h"))
        })
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

/// What a QEMU host's bulk record says of one active domain at tick `n`: every group,
/// one disk and one NIC, counters moving.
fn qemu_like(id: &virtdeck::backend::DomainId, i: usize, n: u64) -> DomainStats {
    let vcpus = 1 + (i % 4) as u32;
    DomainStats {
        id: id.clone(),
        state: Some(1),
        state_reason: Some(1),
        cpu_time_ns: Some(n * 10_000_000 * (1 + i as u64 % 7)),
        cpu_user_ns: Some(n * 5_000_000),
        cpu_system_ns: Some(n * 2_000_000),
        vcpu_current: Some(vcpus),
        vcpu_maximum: Some(vcpus),
        vcpus: (0..vcpus)
            .map(|v| VcpuStats {
                index: v,
                state: Some(1),
                time_ns: Some(n * 3_000_000),
                wait_ns: Some(0),
            })
            .collect(),
        balloon: Some(BalloonStats {
            current: Some(524_288),
            maximum: Some(524_288),
            unused: Some(300_000 - (n % 100) * 100),
            available: Some(500_000),
            rss: Some(400_000),
            last_update: Some(n),
            ..BalloonStats::default()
        }),
        disks: vec![DiskStats {
            name: "vda".into(),
            path: Some(format!("/var/lib/libvirt/images/vm-{i:05}.qcow2")),
            rd_reqs: Some(n * 3),
            rd_bytes: Some(n * 12_288),
            wr_reqs: Some(n * 5),
            wr_bytes: Some(n * 20_480),
            fl_reqs: Some(n),
            capacity: Some(10 << 30),
            allocation: Some(1 << 30),
            ..DiskStats::default()
        }],
        nics: vec![NicStats {
            name: format!("vnet{i}"),
            mac: Some(format!(
                "52:54:00:00:{:02x}:{:02x}",
                (i >> 8) & 0xff,
                i & 0xff
            )),
            source: Some("default".into()),
            rx_bytes: Some(n * 1500),
            rx_pkts: Some(n),
            tx_bytes: Some(n * 900),
            tx_pkts: Some(n),
            ..NicStats::default()
        }],
        ..DomainStats::default()
    }
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
    app.clipboard_out = Box::new(std::io::sink());
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
    app.draw(&mut term).expect("draw");
    let first = t0.elapsed();
    println!(
        "{}: first complete fleet frame ({} domains on {} hosts) after {:.0} ms",
        r.label,
        app.store.len(),
        uris.len(),
        first.as_secs_f64() * 1000.0
    );

    // Steady state: what the App does on each 1 s tick (apply the events, draw once if
    // anything on screen changed, tell the workers what is on screen), as `App::run` does.
    std::thread::sleep(Duration::from_secs(2));
    while let Ok(ev) = rx.try_recv() {
        app.handle(ev);
    }
    if app.take_dirty() {
        app.draw(&mut term).expect("draw");
    }
    let cpu0 = process_cpu_ns();
    let workers0 = worker_cpu_ns();
    let wall0 = Instant::now();
    let mut app_ns = 0u128;
    let mut frames = 0usize;
    for _ in 0..ticks {
        std::thread::sleep(Duration::from_secs(1));
        let t = Instant::now();
        while let Ok(ev) = rx.try_recv() {
            app.handle(ev);
        }
        app.handle(Event::Tick);
        if app.take_dirty() {
            app.draw(&mut term).expect("draw");
            frames += 1;
        }
        app_ns += t.elapsed().as_nanos();
    }
    let cpu = process_cpu_ns().saturating_sub(cpu0) as f64;
    let workers = worker_cpu_ns().saturating_sub(workers0) as f64;
    let wall = wall0.elapsed().as_nanos() as f64;
    println!(
        "{}: App {:.2} ms per tick, {frames} frames in {ticks} ticks; whole process {:.2} % of a core at 1 s ticks (workers {:.2} %)",
        r.label,
        app_ns as f64 / ticks.max(1) as f64 / 1e6,
        cpu * 100.0 / wall,
        workers * 100.0 / wall,
    );
    println!(
        "{}: virtdeck heap {:.1} MB (allocator, live), RSS {:.1} MB",
        r.label,
        (live_heap() - heap0) as f64 / 1e6,
        rss_kib() as f64 / 1024.0
    );

    // Five minutes' worth of ticks, simulated: every active domain reports every group
    // (as QEMU does), so every history fills its whole window.
    let active: Vec<(usize, virtdeck::backend::DomainId)> = {
        let mut v: Vec<_> = app
            .store
            .rows()
            .filter(|row| row.info.state.state.is_active())
            .map(|row| row.info.id.clone())
            .collect();
        v.sort();
        v.into_iter().enumerate().collect()
    };
    let window = app.store.stats.capacity();
    let base = Instant::now();
    for n in 0..window as u64 + 5 {
        // The real workers keep ticking meanwhile; their state-only samples are left out.
        while rx.try_recv().is_ok() {}
        for h in 0..uris.len() as u16 {
            let domains = active
                .iter()
                .filter(|(_, id)| id.host == HostId(h))
                .map(|(i, id)| qemu_like(id, *i, n))
                .collect();
            app.handle(Event::Backend(BackendEvent::Stats {
                host: HostId(h),
                at: base + Duration::from_secs(n),
                domains,
            }));
        }
        if app.take_dirty() {
            app.draw(&mut term).expect("draw");
        }
    }
    let full = active
        .iter()
        .filter(|(_, id)| {
            app.store
                .stats
                .get(id)
                .is_some_and(|h| h.is_full_resolution())
        })
        .count();
    println!(
        "{}: with {window} ticks of history for {} active domains ({full} shown, full resolution): virtdeck heap {:.1} MB (allocator, live), RSS {:.1} MB",
        r.label,
        app.store.stats.len(),
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
