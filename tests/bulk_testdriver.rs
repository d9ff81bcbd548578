//! Bulk runner against libvirt's test driver: real lifecycle calls and snapshots, several
//! in flight, checked afterwards through libvirt's own state.

#[path = "common/testdrv.rs"]
mod testdrv;

use std::sync::atomic::{AtomicUsize, Ordering};

use virt::connect::Connect;
use virtdeck::backend::snapshots::{CreateSpec, now_epoch, quick_name, xml};
use virtdeck::bulk::{self, Options, Target};

/// Defines `names` and returns them as bulk targets keyed by UUID, as the App would.
fn define_all(conn: &Connect, names: &[String]) -> Vec<Target<String>> {
    names
        .iter()
        .map(|n| {
            let d = testdrv::define(conn, n);
            Target::new(d.uuid_string().expect("uuid"), n.clone())
        })
        .collect()
}

fn start_by_uuid(conn: &Connect, t: &Target<String>) -> Result<(), String> {
    let d = conn
        .lookup_domain_by_uuid_string(&t.id)
        .map_err(|e| e.message().to_string())?;
    d.create().map(|_| ()).map_err(|e| e.message().to_string())
}

#[test]
fn bulk_start_of_twenty_runs_four_at_a_time_and_reports_failures() {
    let conn = testdrv::connect();
    let names: Vec<String> = (0..20).map(|i| format!("bulk-start-{i:02}")).collect();
    let mut targets = define_all(&conn, &names);
    // Already running: libvirt refuses to start these again.
    for n in ["bulk-start-03", "bulk-start-11"] {
        conn.lookup_domain_by_name(n)
            .expect("defined")
            .create()
            .expect("pre-start");
    }
    // Gone between marking and running: undefined by "another client".
    let ghost = testdrv::define(&conn, "bulk-start-ghost");
    targets.insert(
        7,
        Target::new(ghost.uuid_string().expect("uuid"), "bulk-start-ghost"),
    );
    ghost.undefine().expect("undefine ghost");

    let worker = Connect::open(Some(testdrv::URI)).expect("worker connection");
    let in_flight = AtomicUsize::new(0);
    let peak = AtomicUsize::new(0);
    let progress = AtomicUsize::new(0);
    let report = bulk::run(
        targets,
        Options {
            in_flight: 4,
            cancel: None,
        },
        |t| {
            let n = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(n, Ordering::SeqCst);
            // Long enough for the workers to overlap on the test driver's fast calls.
            std::thread::sleep(std::time::Duration::from_millis(5));
            let r = start_by_uuid(&worker, t);
            in_flight.fetch_sub(1, Ordering::SeqCst);
            r
        },
        |done, total, _, _| {
            assert!(done <= total);
            progress.fetch_add(1, Ordering::SeqCst);
        },
    );

    assert_eq!(peak.load(Ordering::SeqCst), 4);
    assert_eq!(progress.load(Ordering::SeqCst), 21);
    for n in &names {
        assert_eq!(testdrv::state(&conn, n), "running", "{n}");
    }
    assert_eq!(report.ok_count(), 18);
    let summary = report.summary();
    assert!(
        summary.starts_with("18 ok, 3 failed: bulk-start-03: "),
        "{summary}"
    );
    assert!(summary.contains("already running"), "{summary}");
    assert!(summary.contains("; bulk-start-ghost: "), "{summary}");
    assert!(summary.contains("; bulk-start-11: "), "{summary}");
    let details = report.details();
    assert_eq!(details.len(), 21);
    assert!(details[0].starts_with("✗ bulk-start-03: "), "{details:?}");
    assert!(details[3..].iter().all(|l| l.starts_with("✓ ")));
    for n in &names {
        testdrv::remove(&conn, n);
    }
}

#[test]
fn bulk_quick_snapshot_of_a_thousand_domains() {
    let conn = testdrv::connect();
    let names: Vec<String> = (0..1000).map(|i| format!("bulk-snap-{i:04}")).collect();
    let mut targets = define_all(&conn, &names);
    let ghosts: Vec<String> = (0..5).map(|i| format!("bulk-snap-ghost-{i}")).collect();
    for g in define_all(&conn, &ghosts) {
        testdrv::remove(&conn, &g.name);
        targets.push(g);
    }

    let worker = Connect::open(Some(testdrv::URI)).expect("worker connection");
    let report = bulk::run(
        targets,
        Options::default(),
        |t| {
            let d = worker
                .lookup_domain_by_uuid_string(&t.id)
                .map_err(|e| e.message().to_string())?;
            let running = d.is_active().unwrap_or(false);
            let name = quick_name(&t.name, now_epoch());
            d.create_snapshot_xml(&xml::build(&name, &CreateSpec::quick(), running), 0)
                .map(|_| ())
                .map_err(|e| e.message().to_string())
        },
        |_, _, _, _| {},
    );

    let summary = report.summary();
    assert!(
        summary.starts_with("1000 ok, 5 failed: bulk-snap-ghost-0: "),
        "{summary}"
    );
    assert!(summary.ends_with("; and 2 more"), "{summary}");
    for n in &names {
        let d = conn.lookup_domain_by_name(n).expect("still defined");
        let snaps = d.list_all_snapshots(0).expect("list snapshots");
        assert_eq!(snaps.len(), 1, "{n}");
        let sname = snaps[0].name().expect("name");
        assert!(sname.starts_with(&format!("{n}-")), "{sname}");
    }
    for n in &names {
        if let Ok(d) = conn.lookup_domain_by_name(n) {
            for s in d.list_all_snapshots(0).unwrap_or_default() {
                let _ = s.delete(0);
            }
        }
        testdrv::remove(&conn, n);
    }
}
