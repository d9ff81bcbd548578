//! The storage views at scale, without libvirt: the volumes view with 10,000 volumes
//! (frame time while moving through the list; target <= 2 ms) and a block job progress
//! event to the frame that shows it (target <= 100 ms end to end; the App's part is
//! measured here, the backend's event latency by the `storage` bench).
//! Run with `cargo bench --bench storage_views` (or `make bench`). Prints figures.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use virtdeck::app::App;
use virtdeck::backend::jobs::{BlockJob, BlockJobKind, JobCmd, JobEvent, JobPhase};
use virtdeck::backend::storage::{StorageCmd, StorageEvent, VolumeInfo};
use virtdeck::backend::{BackendEvent, Command, CommandSender, DomainId, HostId};
use virtdeck::config::Config;
use virtdeck::event::Event;
use virtdeck::ui::layer::ViewRequest;

const VOLUMES: usize = 10_000;

fn rounds() -> usize {
    if std::env::args().any(|a| a == "--bench") {
        2000
    } else {
        10
    }
}

fn key(c: char) -> Event {
    let mods = if c.is_ascii_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    Event::Key(KeyEvent::new(KeyCode::Char(c), mods))
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn report(what: &str, mut ms: Vec<f64>) {
    ms.sort_by(f64::total_cmp);
    println!(
        "{what}: n={} p50={:.3} ms p99={:.3} ms max={:.3} ms",
        ms.len(),
        pct(&ms, 0.5),
        pct(&ms, 0.99),
        ms[ms.len() - 1]
    );
}

fn app() -> (App, virtdeck::backend::CommandLog) {
    let (tx, log) = CommandSender::detached();
    let mut app = App::new(Config::builtin().expect("config"), tx, false);
    app.drafts_dir = None;
    app.handle(Event::Backend(BackendEvent::Connected {
        host: HostId::FIRST,
        uri: "test:///bench".into(),
        hostname: "bench".into(),
        readonly: false,
    }));
    (app, log)
}

fn volumes_frame() {
    let (mut app, log) = app();
    app.open_view(ViewRequest::Volumes {
        pool: Some("bench".into()),
    });
    let req = log
        .drain()
        .into_iter()
        .find_map(|c| match c {
            Command::Storage(_, StorageCmd::ListVolumes { req, .. }) => Some(req),
            _ => None,
        })
        .expect("list request");
    let vols: Vec<VolumeInfo> = (0..VOLUMES)
        .map(|i| VolumeInfo {
            pool: "bench".into(),
            name: format!("vol-{i:05}.qcow2"),
            key: format!("/pool/vol-{i:05}.qcow2"),
            path: format!("/pool/vol-{i:05}.qcow2"),
            kind: "file".into(),
            format: Some("qcow2".into()),
            capacity: 10 << 30,
            allocation: (i as u64) << 20,
            backing_path: (i % 3 == 0).then(|| "/pool/base.qcow2".into()),
            backing_format: None,
            users: Vec::new(),
        })
        .collect();
    app.handle(Event::Backend(BackendEvent::Storage(
        HostId::FIRST,
        StorageEvent::Volumes {
            req,
            pool: "bench".into(),
            result: Ok(vols),
        },
    )));
    let mut term = Terminal::new(TestBackend::new(160, 45)).expect("terminal");
    let mut ms = Vec::new();
    let mut cpu = Vec::new();
    for i in 0..rounds() {
        let k = if i % 500 == 499 { 'G' } else { 'j' };
        let t = Instant::now();
        let c = cpu_time::ThreadTime::now();
        app.handle(key(k));
        term.draw(|f| app.render(f)).expect("draw");
        cpu.push(c.elapsed().as_secs_f64() * 1000.0);
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    // Wall time includes the time the thread waited for a core on a loaded machine; the
    // thread's CPU time is what a frame costs.
    report(
        &format!("volumes view, {VOLUMES} volumes, key + frame at 160x45, wall"),
        ms,
    );
    report(
        &format!(
            "volumes view, {VOLUMES} volumes, key + frame at 160x45, CPU (target p99 <= 2 ms)"
        ),
        cpu,
    );
}

fn job_event_to_frame() {
    let (mut app, log) = app();
    app.handle(key('J'));
    let req = log
        .drain()
        .into_iter()
        .find_map(|c| match c {
            Command::Jobs(_, JobCmd::List { req }) => Some(req),
            _ => None,
        })
        .expect("jobs list request");
    app.handle(Event::Backend(BackendEvent::Jobs(
        HostId::FIRST,
        JobEvent::List { req, jobs: vec![] },
    )));
    let mut term = Terminal::new(TestBackend::new(160, 45)).expect("terminal");
    let mut ms = Vec::new();
    let end = 1u64 << 34;
    for i in 0..rounds() {
        let job = BlockJob {
            id: DomainId::new(HostId::FIRST, "00000000-0000-4000-8000-000000000001"),
            domain: "db".into(),
            disk: "vda".into(),
            kind: BlockJobKind::Commit,
            phase: JobPhase::Running,
            cur: end / rounds() as u64 * i as u64,
            end,
            bandwidth: 0,
            rate: Some(1e8),
            eta: Some(Duration::from_secs(9)),
            seen: Instant::now(),
            ours: true,
        };
        let want = format!("{:>3}%", job.percent().unwrap_or(0));
        let t = Instant::now();
        app.handle(Event::Backend(BackendEvent::Jobs(
            HostId::FIRST,
            JobEvent::BlockJobUpdated(job),
        )));
        term.draw(|f| app.render(f)).expect("draw");
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
        let buf = term.backend().buffer();
        let shown = (0..buf.area.height).any(|y| {
            let line: String = (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect();
            line.contains(&want)
        });
        assert!(shown, "progress {want} on screen");
    }
    report("block job event -> progress on screen (App + frame)", ms);
}

fn main() {
    volumes_frame();
    job_event_to_frame();
}
