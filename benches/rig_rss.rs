//! RSS with the rig's real daemon holding many domains: defines N tiny, never-started
//! domains named `PREFIX-rss-NNNN` on `qemu:///system` (define only: fast), runs the App
//! against `qemu:///system` for a number of 1 s ticks as `virtdeck -c qemu:///system` would,
//! prints the process's RSS and virtdeck's live heap, then undefines them all (always: a
//! guard does it on the way out, after a panic too; leftovers of a killed run are removed
//! at the next start).
//!
//! Run: `VIRTDECK_RIG_PREFIX=xyz cargo bench --bench rig_rss` (VIRTDECK_BENCH_DOMAINS,
//! default 1000; VIRTDECK_BENCH_TICKS, default 20). Under `cargo test`: 20 domains, 2 ticks.
//! Without the rig it says so and stops; with VIRTDECK_REQUIRE_RIG=1 or CI=true it fails.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc::unbounded_channel;
use virtdeck::app::App;
use virtdeck::backend::{Backend, BackendConfig};
use virtdeck::config::Config;
use virtdeck::event::{self, Event};

#[global_allocator]
static GLOBAL: &stats_alloc::StatsAlloc<std::alloc::System> = &stats_alloc::INSTRUMENTED_SYSTEM;

const URI: &str = "qemu:///system";

fn live_heap() -> i64 {
    let s = GLOBAL.stats();
    s.bytes_allocated as i64 - s.bytes_deallocated as i64
}

/// A field of /proc/self/status in MB (VmRSS, VmHWM).
fn status_mb(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))?
                .split_whitespace()
                .nth(1)?
                .parse::<f64>()
                .ok()
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn rig_required() -> bool {
    std::env::var("VIRTDECK_REQUIRE_RIG").is_ok_and(|v| v == "1")
        || std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Runs virsh commands, one per line, in a single virsh process (1000 defines in seconds).
fn virsh_batch(lines: &[String]) -> Result<(), String> {
    let mut child = Command::new("virsh")
        .args(["-q", "-c", URI])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run virsh: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        for l in lines {
            writeln!(stdin, "{l}").map_err(|e| format!("virsh stdin: {e}"))?;
        }
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("virsh: {e}"))?;
    let err = String::from_utf8_lossy(&out.stderr);
    if out.status.success() && err.trim().is_empty() {
        Ok(())
    } else {
        Err(err.lines().take(5).collect::<Vec<_>>().join("\n"))
    }
}

/// The names of this bench's domains on the rig (leftovers included).
fn ours(stem: &str) -> Vec<String> {
    let out = Command::new("virsh")
        .args(["-q", "-c", URI, "list", "--all", "--name"])
        .output();
    let Ok(out) = out else { return Vec::new() };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::trim)
        .filter(|n| n.starts_with(stem))
        .map(str::to_string)
        .collect()
}

/// Undefines every domain of this bench when dropped, whatever happened before.
struct Defined {
    stem: String,
}

impl Defined {
    fn create(stem: &str, n: usize) -> Result<Defined, String> {
        let guard = Defined {
            stem: stem.to_string(),
        };
        guard.undefine_all();
        let dir = tempfile::tempdir().map_err(|e| format!("tempdir: {e}"))?;
        let mut lines = Vec::with_capacity(n);
        for i in 0..n {
            let name = format!("{stem}{i:04}");
            let path = dir.path().join(format!("{name}.xml"));
            // Never started: no disk, no NIC, the smallest definition QEMU accepts.
            let xml = format!(
                "<domain type='qemu'><name>{name}</name><memory unit='MiB'>32</memory>\
                 <vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os></domain>"
            );
            std::fs::write(&path, xml).map_err(|e| format!("{}: {e}", path.display()))?;
            lines.push(format!("define {}", path.display()));
        }
        virsh_batch(&lines)?;
        Ok(guard)
    }

    fn undefine_all(&self) {
        let names = ours(&self.stem);
        if names.is_empty() {
            return;
        }
        let lines: Vec<String> = names.iter().map(|n| format!("undefine {n}")).collect();
        if let Err(e) = virsh_batch(&lines) {
            eprintln!("undefining {} domains: {e}", names.len());
        }
    }
}

impl Drop for Defined {
    fn drop(&mut self) {
        self.undefine_all();
        let left = ours(&self.stem);
        if !left.is_empty() {
            eprintln!("rig_rss: {} domains left defined: {:?}", left.len(), left);
        }
    }
}

fn rig_up() -> bool {
    Command::new("virsh")
        .args(["-q", "-c", URI, "version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let n = env_num("VIRTDECK_BENCH_DOMAINS", if bench { 1000 } else { 20 });
    let ticks = env_num("VIRTDECK_BENCH_TICKS", if bench { 20 } else { 2 });
    if !rig_up() {
        let msg = format!("rig_rss: {URI} is not reachable (tests/rig/up.sh brings the rig up)");
        assert!(!rig_required(), "{msg}");
        eprintln!("{msg}; nothing measured");
        return;
    }
    let prefix = std::env::var("VIRTDECK_RIG_PREFIX").unwrap_or_else(|_| "vdbench".into());
    let stem = format!("{prefix}-rss-");
    let t = Instant::now();
    let defined = Defined::create(&stem, n).expect("define the bench's domains");
    println!(
        "rig_rss: defined {n} never-started domains in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let rss0 = status_mb("VmRSS:");
    let heap0 = live_heap();

    let (tx, mut rx) = unbounded_channel();
    let config = Config::builtin().expect("config");
    let cfg = BackendConfig {
        uri: Some(URI.into()),
        reconcile_every: config.reconcile_every,
        cpu_interval: config.cpu_interval,
        ..BackendConfig::default()
    };
    let backend = Backend::start(cfg, event::backend_sink(tx)).expect("connect to the rig");
    let mut app = App::new(config, backend.sender(), false);
    app.clipboard_out = Box::new(std::io::sink());
    let mut term = Terminal::new(TestBackend::new(160, 45)).expect("terminal");
    let t0 = Instant::now();
    let deadline = t0 + Duration::from_secs(60);
    while app
        .store
        .rows()
        .filter(|r| r.info.name.starts_with(&stem))
        .count()
        < n
        && Instant::now() < deadline
    {
        while let Ok(ev) = rx.try_recv() {
            app.handle(ev);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    app.draw(&mut term).expect("draw");
    println!(
        "rig_rss: first complete frame ({} domains) after {:.0} ms",
        app.store.len(),
        t0.elapsed().as_secs_f64() * 1000.0
    );
    for _ in 0..ticks {
        std::thread::sleep(Duration::from_secs(1));
        while let Ok(ev) = rx.try_recv() {
            app.handle(ev);
        }
        app.handle(Event::Tick);
        if app.take_dirty() {
            app.draw(&mut term).expect("draw");
        }
    }
    println!(
        "rig_rss: {} domains on {URI} after {ticks} ticks: RSS {:.1} MB (peak {:.1} MB; {:.1} MB before the App), virtdeck heap {:.1} MB (allocator, live)",
        app.store.len(),
        status_mb("VmRSS:"),
        status_mb("VmHWM:"),
        rss0,
        (live_heap() - heap0) as f64 / 1e6
    );
    let listed = app
        .store
        .rows()
        .filter(|r| r.info.name.starts_with(&stem))
        .count();
    drop(app);
    drop(backend);
    drop(defined);
    assert_eq!(listed, n, "the App lists every domain the bench defined");
}
