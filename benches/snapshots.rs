//! Snapshot benchmarks: tree build + render of 500 snapshots (test driver), and the quick
//! snapshot key to "done" on the live rig guest next to `virsh snapshot-create-as`.
//! Run with `cargo bench --bench snapshots`; prints figures, asserts nothing.

use std::process::Command as Process;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc::UnboundedReceiver;
use virt::connect::Connect;
use virtdeck::app::App;
use virtdeck::backend::snapshots::{JobOutcome, SnapshotEvent};
use virtdeck::backend::{Backend, BackendConfig, BackendEvent};
use virtdeck::config::Config;
use virtdeck::event::{self, Event};

const N_SNAPSHOTS: usize = 500;

fn main() {
    tree_and_render();
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this binary without it,
    // and must not boot a guest for a smoke run.
    if std::env::args().any(|a| a == "--bench") {
        quick_snapshot_live();
    } else {
        println!("live quick-snapshot figures: run `cargo bench --bench snapshots`");
    }
}

fn start_app(uri: &str) -> (App, UnboundedReceiver<Event>, Backend) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let cfg = BackendConfig {
        uri: Some(uri.to_string()),
        reconcile_every: None,
        ..BackendConfig::default()
    };
    let backend = Backend::start(cfg, event::backend_sink(tx)).expect("backend starts");
    let config = Config::builtin().expect("built-in config");
    let app = App::new(config, backend.sender(), false);
    (app, rx, backend)
}

fn key(app: &mut App, c: char) {
    let mods = if c.is_ascii_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    app.handle(Event::Key(KeyEvent::new(KeyCode::Char(c), mods)));
}

/// Handles events until `done` says stop (or `limit` passes); returns whether it did.
fn pump_until(
    app: &mut App,
    rx: &mut UnboundedReceiver<Event>,
    limit: Duration,
    mut done: impl FnMut(&App, &Event) -> bool,
) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        match rx.try_recv() {
            Ok(ev) => {
                let stop = done(app, &ev);
                app.handle(ev);
                if stop {
                    return true;
                }
            }
            Err(_) => std::thread::sleep(Duration::from_micros(200)),
        }
    }
    false
}

fn select(app: &mut App, name: &str) {
    app.domains.list.sync(&app.store);
    let idx = app
        .domains
        .list
        .rows()
        .iter()
        .position(|id| app.store.get(id).is_some_and(|r| r.info.name == name))
        .expect("domain in the list");
    app.domains.list.select_index(idx);
}

fn stats(label: &str, mut v: Vec<Duration>) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let median = v[v.len() / 2];
    let p99 = v[(v.len() * 99 / 100).min(v.len() - 1)];
    println!(
        "{label:<48} n={:<4} median {:>9.3} ms  p99 {:>9.3} ms  max {:>9.3} ms",
        v.len(),
        ms(median),
        ms(p99),
        ms(v[v.len() - 1])
    );
}

/// A branching tree: each snapshot's parent is one of the last few, so there are long
/// chains and many forks.
fn tree_and_render() {
    let name = "bench-snap-tree";
    let conn = Connect::open(Some("test:///default")).expect("test driver");
    let dom = conn
        .define_domain_xml(&format!(
            "<domain type='test'><name>{name}</name><memory>65536</memory>\
             <os><type>hvm</type></os></domain>"
        ))
        .expect("define");
    let dom_xml = dom.xml_desc(0).expect("xml");
    let t = Instant::now();
    for i in 0..N_SNAPSHOTS {
        let parent = if i == 0 {
            String::new()
        } else {
            let p = i - 1 - (i * 7919 % 5).min(i - 1);
            format!("<parent><name>snap-{p:04}</name></parent>")
        };
        let xml = format!(
            "<domainsnapshot><name>snap-{i:04}</name><description>snapshot number {i}\
             </description><state>shutoff</state>{parent}<creationTime>{}</creationTime>\
             <memory snapshot='no'/>{dom_xml}</domainsnapshot>",
            1_700_000_000 + i as i64 * 60
        );
        dom.create_snapshot_xml(
            &xml,
            virt::sys::VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE
                | virt::sys::VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT,
        )
        .expect("redefine snapshot");
    }
    println!(
        "defined {N_SNAPSHOTS} snapshots on the test driver in {:.0} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );

    let (mut app, mut rx, _backend) = start_app("test:///default");
    assert!(pump_until(
        &mut app,
        &mut rx,
        Duration::from_secs(10),
        |app, _| { app.store.rows().any(|r| r.info.name == name) }
    ));
    select(&mut app, name);
    // Capture the list reply, to replay it: tree build is measured without libvirt.
    let listed = Instant::now();
    key(&mut app, 'S');
    let mut reply = None;
    assert!(pump_until(
        &mut app,
        &mut rx,
        Duration::from_secs(30),
        |_, ev| {
            if let Event::Backend(BackendEvent::Snapshot(SnapshotEvent::List {
                result: Ok(l),
                ..
            })) = ev
            {
                reply = Some(l.clone());
                true
            } else {
                false
            }
        }
    ));
    println!(
        "list {N_SNAPSHOTS} snapshots via libvirt (+ parse XML): {:.1} ms",
        listed.elapsed().as_secs_f64() * 1000.0
    );
    let list = reply.expect("list");
    assert_eq!(list.len(), N_SNAPSHOTS);

    for (w, h) in [(80u16, 24u16), (200, 60)] {
        let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        let mut build = Vec::new();
        let mut frames = Vec::new();
        let mut both = Vec::new();
        for i in 0..200 {
            let t0 = Instant::now();
            app.snaps.set_list(list.clone());
            let t1 = Instant::now();
            // Move the selection so each frame differs (and scrolls).
            key(&mut app, if i % 40 < 20 { 'j' } else { 'k' });
            term.draw(|f| app.render(f)).expect("draw");
            let t2 = Instant::now();
            build.push(t1 - t0);
            frames.push(t2 - t1);
            both.push(t2 - t0);
        }
        println!("-- {w}x{h}, {N_SNAPSHOTS} snapshots, tree focused");
        stats("tree build (set_list: clone + Tree::build)", build);
        stats("full frame render (App::render)", frames);
        stats("tree build + frame", both);
    }
    let _ = dom.undefine_flags(virt::sys::VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA);
}

fn virsh(args: &[&str]) -> Result<String, String> {
    let out = Process::new("virsh")
        .args(["-q", "-c", "qemu:///system"])
        .args(args)
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn quick_snapshot_live() {
    let dom = "vdtest-snap-bench";
    let define = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rig/define-guest.sh");
    let ok = Process::new(define)
        .arg(dom)
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok || virsh(&["start", dom]).is_err() {
        println!(
            "SKIPPED live quick-snapshot benchmark: the rig is not available (tests/rig/up.sh)"
        );
        return;
    }
    let log = format!("/var/log/libvirt/qemu/{dom}-serial.log");
    let deadline = Instant::now() + Duration::from_secs(90);
    while Instant::now() < deadline
        && !std::fs::read_to_string(&log).is_ok_and(|t| t.contains("virtdeck-guest# "))
    {
        std::thread::sleep(Duration::from_millis(200));
    }
    const RUNS: usize = 7;
    let (mut app, mut rx, _backend) = start_app("qemu:///system");
    assert!(pump_until(
        &mut app,
        &mut rx,
        Duration::from_secs(10),
        |app, _| { app.store.rows().any(|r| r.info.name == dom) }
    ));
    select(&mut app, dom);
    let mut ours = Vec::new();
    for _ in 0..RUNS {
        // Quick names have one-second resolution.
        std::thread::sleep(Duration::from_millis(1100));
        let t = Instant::now();
        key(&mut app, 't');
        let mut failed = None;
        let done = pump_until(&mut app, &mut rx, Duration::from_secs(120), |_, ev| {
            if let Event::Backend(BackendEvent::Snapshot(SnapshotEvent::JobFinished {
                outcome,
                ..
            })) = ev
            {
                if let JobOutcome::Failed(m) = outcome {
                    failed = Some(m.clone());
                }
                true
            } else {
                false
            }
        });
        assert!(
            done && failed.is_none(),
            "quick snapshot failed: {failed:?}"
        );
        ours.push(t.elapsed());
    }
    let mut theirs = Vec::new();
    for i in 0..RUNS {
        let t = Instant::now();
        virsh(&["snapshot-create-as", dom, &format!("virsh-{i}")]).expect("virsh snapshot");
        theirs.push(t.elapsed());
    }
    println!("-- live guest {dom} (256 MiB, TCG), internal snapshots with memory");
    stats("virtdeck quick key -> done", ours);
    stats("virsh snapshot-create-as", theirs);
    let _ = virsh(&["destroy", dom]);
    let _ = virsh(&["undefine", "--snapshots-metadata", dom]);
    let _ = std::fs::remove_file(format!("/var/lib/libvirt/images/{dom}.qcow2"));
    let _ = std::fs::remove_file(log);
}
