//! Bulk quick snapshot of 1,000 domains on libvirt's test driver, 4 in flight: wall time
//! of the run (median of a few rounds) and its summary line; plus a 20-domain bulk start;
//! plus the whole path through the App: Ctrl-A marks 1000 domains, `t` and `y` send one
//! `Command::Bulk`, the worker's job thread runs it and the summary line arrives.

use std::time::{Duration, Instant};

use virt::connect::Connect;
use virtdeck::backend::snapshots::{CreateSpec, now_epoch, quick_name, xml};
use virtdeck::bulk::{self, Options, Report, Target};

const URI: &str = "test:///default";

fn define(conn: &Connect, name: &str) -> Target<String> {
    let xml = format!(
        "<domain type='test'><name>{name}</name><memory unit='MiB'>512</memory>\
         <vcpu>2</vcpu><os><type>hvm</type></os></domain>"
    );
    let d = conn.define_domain_xml(&xml).expect("define");
    Target::new(d.uuid_string().expect("uuid"), name)
}

fn remove(conn: &Connect, t: &Target<String>) {
    if let Ok(d) = conn.lookup_domain_by_uuid_string(&t.id) {
        for s in d.list_all_snapshots(0).unwrap_or_default() {
            let _ = s.delete(0);
        }
        let _ = d.destroy();
        let _ = d.undefine();
    }
}

fn snapshot_all(conn: &Connect, targets: Vec<Target<String>>) -> Report<String> {
    bulk::run(
        targets,
        Options::default(),
        |t| {
            let d = conn
                .lookup_domain_by_uuid_string(&t.id)
                .map_err(|e| e.message().to_string())?;
            let running = d.is_active().unwrap_or(false);
            let name = quick_name(&t.name, now_epoch());
            d.create_snapshot_xml(&xml::build(&name, &CreateSpec::quick(), running), 0)
                .map(|_| ())
                .map_err(|e| e.message().to_string())
        },
        |_, _, _, _| {},
    )
}

/// Marks all 1000 domains of a synthetic test-driver node in the App, takes a bulk quick
/// snapshot through the worker, and waits for the report: (time, summary line).
fn end_to_end() -> (Duration, String) {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use virtdeck::app::App;
    use virtdeck::backend::{Backend, BackendConfig, BackendEvent, demo};
    use virtdeck::event::{self, Event};

    let node = demo::NodeFile::write(&demo::synthetic_node(1000)).expect("node file");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Event>();
    let cfg = BackendConfig {
        uri: Some(node.uri()),
        reconcile_every: None,
        cpu_interval: Duration::from_secs(3600),
        ..BackendConfig::default()
    };
    let backend = Backend::start(cfg, event::backend_sink(tx)).expect("backend");
    let config = virtdeck::config::Config::builtin().expect("config");
    let mut app = App::new(config, backend.sender(), false);
    app.drafts_dir = None;
    app.history_path = None;
    while !app.store.loaded {
        match rx.try_recv() {
            Ok(ev) => app.handle(ev),
            Err(_) => std::thread::sleep(Duration::from_micros(200)),
        }
    }
    assert_eq!(app.store.len(), 1000);
    let t = Instant::now();
    for (code, mods) in [
        (KeyCode::Char('a'), KeyModifiers::CONTROL),
        (KeyCode::Char('t'), KeyModifiers::NONE),
        (KeyCode::Char('y'), KeyModifiers::NONE),
    ] {
        app.handle(Event::Key(KeyEvent::new(code, mods)));
    }
    loop {
        let Some(ev) = rx.blocking_recv() else {
            panic!("the backend went away");
        };
        let done = match &ev {
            Event::Backend(BackendEvent::BulkDone { report, .. }) => Some(report.summary()),
            _ => None,
        };
        app.handle(ev);
        if let Some(summary) = done {
            let took = t.elapsed();
            let status = app
                .status
                .as_ref()
                .map(|s| s.text.clone())
                .unwrap_or_default();
            assert_eq!(status, format!("quick snapshot: {summary}"));
            drop(backend);
            return (took, summary);
        }
    }
}

fn main() {
    let (took, summary) = end_to_end();
    assert_eq!(summary, "1000 ok", "every domain got its snapshot");
    println!(
        "end to end: Ctrl-A on 1000 domains, t, y -> Command::Bulk -> worker job -> report: \
         {:.1} ms  -> \"{summary}\"",
        took.as_secs_f64() * 1e3
    );
    virt::error::clear_error_callback();
    let conn = Connect::open(Some(URI)).expect("open test:///default");
    let mut times = Vec::new();
    let mut summary = String::new();
    for round in 0..5 {
        let targets: Vec<_> = (0..1000)
            .map(|i| define(&conn, &format!("bench-{round}-{i:04}")))
            .collect();
        let keep = targets.clone();
        let t = Instant::now();
        let report = snapshot_all(&conn, targets);
        times.push(t.elapsed());
        summary = report.summary();
        for t in &keep {
            remove(&conn, t);
        }
    }
    times.sort();
    let med = times[times.len() / 2];
    println!(
        "bulk quick snapshot, 1000 test-driver domains, 4 in flight: median {:.1} ms, worst {:.1} ms  -> \"{summary}\"",
        med.as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3
    );

    let targets: Vec<_> = (0..20)
        .map(|i| define(&conn, &format!("bench-start-{i:02}")))
        .collect();
    for t in &targets[..2] {
        let _ = conn.lookup_domain_by_uuid_string(&t.id).map(|d| d.create());
    }
    let keep = targets.clone();
    let t = Instant::now();
    let report = bulk::run(
        targets,
        Options::default(),
        |t| {
            conn.lookup_domain_by_uuid_string(&t.id)
                .and_then(|d| d.create())
                .map(|_| ())
                .map_err(|e| e.message().to_string())
        },
        |_, _, _, _| {},
    );
    let took: Duration = t.elapsed();
    println!(
        "bulk start, 20 test-driver domains (2 already running): {:.2} ms  -> \"{}\"",
        took.as_secs_f64() * 1e3,
        report.summary()
    );
    for t in &keep {
        remove(&conn, t);
    }
}
