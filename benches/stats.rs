//! Stats benchmark: worker CPU per tick (one bulk call + fallback), App CPU per tick
//! (apply + render), and resident memory over many ticks, on a generated 1000-domain
//! test-driver node and, when the rig is up, on qemu:///system with three rig guests.
//!
//! Run: `cargo bench --bench stats` (VIRTDECK_BENCH_DOMAINS=N to change the node size,
//! VIRTDECK_BENCH_LIVE=0 to skip the rig part).

use std::process::Command;
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
use virtdeck::app::App;
use virtdeck::backend::{Backend, BackendConfig, BackendEvent, HostId, demo};
use virtdeck::config::Config;
use virtdeck::event::{self, Event};
use virtdeck::ui::domains::detail::Tab;

/// Counts the Rust heap exactly (live bytes), so growth is not hidden in RSS noise.
#[global_allocator]
static GLOBAL: &stats_alloc::StatsAlloc<std::alloc::System> = &stats_alloc::INSTRUMENTED_SYSTEM;

/// Bytes the Rust side holds right now.
fn live_heap() -> i64 {
    let s = GLOBAL.stats();
    // stats_alloc books realloc growth/shrink into allocated/deallocated already.
    s.bytes_allocated as i64 - s.bytes_deallocated as i64
}

/// A test-driver node with `n` running domains, each with one disk and one NIC.
fn generated_node(n: usize) -> String {
    let mut xml = String::from(
        "<?xml version='1.0'?>\n<node>\n<cpu><mhz>2900</mhz><model>x86_64</model><nodes>1</nodes><sockets>1</sockets><cores>8</cores><threads>2</threads><active>16</active></cpu>\n<memory>1073741824</memory>\n",
    );
    for i in 0..n {
        xml.push_str(&format!(
            "<domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>\
<name>bench-{i:04}</name><uuid>6c8f6d5c-0000-4000-8000-{i:012x}</uuid>\
<memory unit='MiB'>1024</memory><currentMemory unit='MiB'>1024</currentMemory>\
<vcpu>2</vcpu><os><type>hvm</type></os><devices>\
<disk type='file' device='disk'><source file='/var/lib/libvirt/images/bench-{i:04}.qcow2'/><target dev='vda' bus='virtio'/></disk>\
<interface type='network'><mac address='52:54:00:{:02x}:{:02x}:{:02x}'/><source network='default'/><model type='virtio'/></interface>\
<memballoon model='virtio'/></devices><test:runstate>1</test:runstate></domain>\n",
            (i >> 16) & 0xff,
            (i >> 8) & 0xff,
            i & 0xff
        ));
    }
    xml.push_str("</node>\n");
    xml
}

/// CPU time (ns) a thread of this process has used, from /proc schedstat.
fn thread_cpu_ns(task: &str) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/self/task/{task}/schedstat"))
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn worker_task() -> Option<String> {
    std::fs::read_dir("/proc/self/task")
        .ok()?
        .flatten()
        .find_map(|e| {
            let tid = e.file_name().to_string_lossy().into_owned();
            let comm = std::fs::read_to_string(e.path().join("comm")).ok()?;
            (comm.trim() == "libvirt-worker").then_some(tid)
        })
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

struct Figures {
    per_tick_us: Vec<f64>,
}

impl Figures {
    fn report(&mut self, label: &str) {
        self.per_tick_us.sort_by(f64::total_cmp);
        let n = self.per_tick_us.len().max(1);
        let mean = self.per_tick_us.iter().sum::<f64>() / n as f64;
        let pick = |q: f64| self.per_tick_us[((n - 1) as f64 * q) as usize];
        println!(
            "  {label}: mean {:.2} ms, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms over {n} ticks",
            mean / 1000.0,
            pick(0.5) / 1000.0,
            pick(0.99) / 1000.0,
            pick(1.0) / 1000.0
        );
    }
}

fn app_and_terminal(backend: &Backend) -> (App, Terminal<TestBackend>) {
    let config = Config::builtin().expect("built-in config");
    let mut app = App::new(config, backend.sender(), false);
    app.domains.tab = Tab::Stats;
    let terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    (app, terminal)
}

/// Applies one event and draws, as the App's loop does; returns the CPU time it took (µs).
fn apply_and_draw(app: &mut App, terminal: &mut Terminal<TestBackend>, ev: Event) -> f64 {
    // CLOCK_THREAD_CPUTIME_ID: this thread's CPU time, precise to the nanosecond.
    let t0 = cpu_time::ThreadTime::now();
    app.handle(ev);
    if app.take_dirty() {
        terminal.draw(|f| app.render(f)).expect("draw");
    }
    t0.elapsed().as_secs_f64() * 1e6
}

/// Runs the real backend for `ticks` stats ticks, applying each in the App.
/// Returns the last stats event for the replay phase.
fn live_phase(label: &str, uri: &str, ticks: usize, interval: Duration) -> Option<BackendEvent> {
    let (tx, mut rx): (_, UnboundedReceiver<Event>) = unbounded_channel();
    let cfg = BackendConfig {
        uri: Some(uri.to_string()),
        reconcile_every: None,
        cpu_interval: interval,
        ..BackendConfig::default()
    };
    let backend = match Backend::start(cfg, event::backend_sink(tx)) {
        Ok(b) => b,
        Err(e) => {
            println!("{label}: cannot connect: {e}");
            return None;
        }
    };
    let (mut app, mut terminal) = app_and_terminal(&backend);
    let worker = worker_task();
    let counters = backend.stats_counters();
    let mut app_fig = Figures {
        per_tick_us: vec![],
    };
    let mut last = None;
    let mut seen = 0usize;
    let (mut w0, mut t0, mut domains) = (None, 0, 0);
    let deadline = Instant::now() + interval * (ticks as u32 + 10) + Duration::from_secs(60);
    while seen < ticks + 2 && Instant::now() < deadline {
        let Some(ev) = rx.blocking_recv() else { break };
        let is_stats = matches!(&ev, Event::Backend(BackendEvent::Stats { .. }));
        if let Event::Backend(BackendEvent::Stats { domains: d, .. }) = &ev {
            domains = d.len();
            last = Some(BackendEvent::Stats {
                host: HostId::FIRST,
                at: Instant::now(),
                domains: d.clone(),
            });
        }
        if is_stats && seen == 1 {
            // Select a running domain so the stats pane is drawn (the costly case).
            app.domains.list.sync(&app.store);
            app.domains.list.select_index(0);
        }
        let us = apply_and_draw(&mut app, &mut terminal, ev);
        if is_stats {
            seen += 1;
            // The first two ticks warm caches (device XML, first sample).
            if seen == 2 {
                w0 = worker.as_deref().and_then(thread_cpu_ns);
                t0 = counters.snapshot().0;
            } else if seen > 2 {
                app_fig.per_tick_us.push(us);
            }
        }
    }
    let w1 = worker.as_deref().and_then(thread_cpu_ns);
    let (t1, bulk, fallback) = counters.snapshot();
    println!("{label}: {domains} active domains");
    if let (Some(a), Some(b)) = (w0, w1) {
        let n = (t1 - t0).max(1);
        println!(
            "  worker CPU per tick: {:.2} ms ({n} ticks; {bulk} bulk calls in {t1} ticks, \
             {fallback} per-domain fallbacks)",
            (b - a) as f64 / n as f64 / 1e6
        );
    }
    app_fig.report("App CPU per tick (apply + render, real ticks)");
    drop(app);
    drop(backend);
    last
}

/// Replays `total` synthetic ticks built from a real one (counters advanced each tick,
/// timestamps 1 s apart) into a fresh App: 10 minutes of 1 s ticks take seconds.
fn replay_phase(label: &str, template: BackendEvent, uri: &str, total: usize) {
    let BackendEvent::Stats { at, domains, .. } = template else {
        return;
    };
    let (tx, _rx) = unbounded_channel();
    let cfg = BackendConfig {
        uri: Some(uri.to_string()),
        reconcile_every: None,
        cpu_interval: Duration::from_secs(3600),
        ..BackendConfig::default()
    };
    let Ok(backend) = Backend::start(cfg, event::backend_sink(tx)) else {
        return;
    };
    let (mut app, mut terminal) = app_and_terminal(&backend);
    // The rows come from the real list, as in the live phase.
    let infos: Vec<_> = domains
        .iter()
        .map(|d| virtdeck::backend::DomainInfo {
            id: d.id.clone(),
            name: format!("dom-{}", d.id),
            state: virtdeck::backend::DomainState::from_raw(1, 1),
            dom_id: Some(1),
            vcpus: 2,
            memory_kib: 1 << 20,
            max_memory_kib: 1 << 20,
            cpu_time_ns: 0,
            autostart: false,
            persistent: true,
            managed_save: false,
        })
        .collect();
    app.handle(Event::Backend(BackendEvent::DomainList(
        HostId::FIRST,
        infos,
    )));
    app.domains.list.sync(&app.store);
    app.domains.list.select_index(0);
    // Allocated up front so the bench's own bookkeeping does not show as growth.
    let mut fig = Figures {
        per_tick_us: Vec::with_capacity(total),
    };
    let mut marks = Vec::with_capacity(4);
    // Warm-up: the rings fill after `capacity` ticks; the allocator settles after about as
    // many again (samples are allocated by the backend and freed by the App every tick).
    let ring = app.store.stats.capacity();
    let warm = 2 * ring;
    let mut rss_warm = 0;
    let mut heap_warm = 0;
    for i in 0..total {
        let k = i as u64;
        let mut ds = domains.clone();
        for d in &mut ds {
            d.cpu_time_ns = d.cpu_time_ns.map(|t| t + k * 10_000_000);
            for disk in &mut d.disks {
                disk.wr_bytes = disk.wr_bytes.map(|b| b + k * 65_536);
                disk.wr_reqs = disk.wr_reqs.map(|b| b + k * 16);
            }
            for nic in &mut d.nics {
                nic.tx_bytes = nic.tx_bytes.map(|b| b + k * 1500);
            }
        }
        let ev = Event::Backend(BackendEvent::Stats {
            host: HostId::FIRST,
            at: at + Duration::from_secs(k),
            domains: ds,
        });
        let us = apply_and_draw(&mut app, &mut terminal, ev);
        if i >= warm {
            fig.per_tick_us.push(us);
        }
        if i + 1 == warm {
            rss_warm = rss_kib();
            heap_warm = live_heap();
        }
        if i + 1 == ring || i + 1 == warm + 600 || i + 1 == total {
            marks.push((i + 1, rss_kib(), live_heap()));
        }
    }
    println!(
        "{label}: replay of {total} ticks at 1 s spacing into {} domains (rings hold {ring})",
        domains.len()
    );
    fig.report("App CPU per tick (apply + render, replay after warm-up)");
    println!(
        "  after warm-up ({warm} ticks): RSS {rss_warm} KiB, live Rust heap {heap_warm} bytes"
    );
    // The first mark (rings just full) is before the warm-up ends; shown for comparison.
    for (n, kib, heap) in marks {
        println!(
            "  after {n} ticks: RSS {kib} KiB ({:+} KiB), live heap {heap} bytes ({:+} bytes)",
            kib as i64 - rss_warm as i64,
            heap - heap_warm
        );
    }
    drop(app);
    drop(backend);
}

fn rig_guests(names: &[&str]) -> bool {
    let root = env!("CARGO_MANIFEST_DIR");
    for n in names {
        let ok = Command::new(format!("{root}/tests/rig/define-guest.sh"))
            .arg(n)
            .output()
            .is_ok_and(|o| o.status.success())
            && Command::new("virsh")
                .args(["-q", "-c", "qemu:///system", "start", n])
                .output()
                .is_ok_and(|o| o.status.success());
        if !ok {
            return false;
        }
    }
    true
}

fn remove_guests(names: &[&str]) {
    for n in names {
        for args in [vec!["destroy", n], vec!["undefine", n]] {
            let _ = Command::new("virsh")
                .args(["-q", "-c", "qemu:///system"])
                .args(args)
                .output();
        }
        let _ = std::fs::remove_file(format!("/var/lib/libvirt/images/{n}.qcow2"));
        let _ = std::fs::remove_file(format!("/var/log/libvirt/qemu/{n}-serial.log"));
    }
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this as a quick smoke
    // test (small node, few ticks, no rig guests).
    let full = std::env::args().any(|a| a == "--bench");
    let n: usize = std::env::var("VIRTDECK_BENCH_DOMAINS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if full { 1000 } else { 20 });
    let node = demo::NodeFile::write(&generated_node(n)).expect("write node");
    let uri = node.uri();
    let label = format!("test driver, {n} domains");
    let (ticks, replay) = if full { (20, 3600) } else { (3, 700) };
    if let Some(last) = live_phase(&label, &uri, ticks, Duration::from_millis(500)) {
        replay_phase(&label, last, &uri, replay);
    }

    if !full || std::env::var("VIRTDECK_BENCH_LIVE").is_ok_and(|v| v == "0") {
        return;
    }
    let guests = [
        "vdtest-stats-bench-a",
        "vdtest-stats-bench-b",
        "vdtest-stats-bench-c",
    ];
    if !rig_guests(&guests) {
        println!("live rig: SKIPPED (qemu:///system or the rig guest is not available)");
        remove_guests(&guests);
        return;
    }
    std::thread::sleep(Duration::from_secs(8));
    if let Some(last) = live_phase(
        "qemu:///system (rig)",
        "qemu:///system",
        20,
        Duration::from_secs(1),
    ) {
        replay_phase("qemu:///system (rig)", last, "qemu:///system", 3600);
    }
    remove_guests(&guests);
}
