//! Save / restore / managed save and block job refusals through the backend on libvirt's
//! test driver (the rig's live tests cover real block jobs).

#[path = "common/client.rs"]
mod client;

use std::time::Duration;

use client::Client;
use virtdeck::backend::jobs::{JobCmd, JobError, JobEvent};
use virtdeck::backend::model::HostId;
use virtdeck::backend::{BackendEvent, DomainId};

const T: Duration = Duration::from_secs(30);

fn node_uri() -> String {
    format!(
        "test://{}/tests/fixtures/storage-node.xml",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn runner() -> DomainId {
    DomainId::new(HostId::FIRST, "7a000000-0000-4000-8000-000000000001")
}

fn finished(ev: JobEvent) -> Result<String, String> {
    match ev {
        JobEvent::DomainJobFinished { result, .. } => result,
        other => panic!("unexpected {other:?}"),
    }
}

fn has_managed_save(c: &mut Client) -> bool {
    let req = c.req();
    c.send(virtdeck::backend::Command::Jobs(
        HostId::FIRST,
        JobCmd::ManagedSaveState { req, id: runner() },
    ));
    c.wait_for(T, |ev| match ev {
        BackendEvent::Jobs(_, JobEvent::ManagedSaveState { req: r, result, .. }) if *r == req => {
            Some(result.clone().expect("managed save state"))
        }
        _ => None,
    })
}

#[test]
fn managed_save_shows_and_is_removed() {
    let mut c = Client::open(&node_uri());
    assert!(!has_managed_save(&mut c));
    let msg = finished(c.job(
        |req| JobCmd::ManagedSave {
            req,
            id: runner(),
            domain: "runner".into(),
        },
        T,
    ))
    .expect("managed save");
    assert!(msg.contains("next start resumes"), "{msg}");
    assert!(has_managed_save(&mut c));
    finished(c.job(
        |req| JobCmd::ManagedSaveRemove {
            req,
            id: runner(),
            domain: "runner".into(),
        },
        T,
    ))
    .expect("remove");
    assert!(!has_managed_save(&mut c));
}

#[test]
fn save_to_a_file_then_restore() {
    let mut c = Client::open(&node_uri());
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("runner.save").display().to_string();
    finished(c.job(
        |req| JobCmd::Save {
            req,
            id: runner(),
            domain: "runner".into(),
            path: path.clone(),
        },
        T,
    ))
    .expect("save");
    assert!(std::path::Path::new(&path).exists());
    // Saving a domain that is no longer running fails with libvirt's reason.
    let again = finished(c.job(
        |req| JobCmd::Save {
            req,
            id: runner(),
            domain: "runner".into(),
            path: path.clone(),
        },
        T,
    ));
    assert!(again.is_err_and(|e| !e.is_empty()));
    finished(c.job(
        |req| JobCmd::Restore {
            req,
            path: path.clone(),
        },
        T,
    ))
    .expect("restore");
    let missing = finished(c.job(
        |req| JobCmd::Restore {
            req,
            path: "/nonexistent/x.save".into(),
        },
        T,
    ));
    assert!(missing.is_err(), "{missing:?}");
}

#[test]
fn block_jobs_report_libvirts_reason_and_a_pivot_without_a_job_is_refused() {
    let mut c = Client::open(&node_uri());
    let r = c.job(
        |req| JobCmd::Commit {
            req,
            id: runner(),
            disk: "vda".into(),
            top: None,
            base: None,
            relative: false,
            bandwidth: 0,
        },
        T,
    );
    match r {
        JobEvent::Reply {
            result: Err(JobError::Libvirt(m)),
            ..
        } => assert!(!m.is_empty()),
        other => panic!("expected libvirt's refusal, got {other:?}"),
    }
    let r = c.job(
        |req| JobCmd::Pull {
            req,
            id: runner(),
            disk: "vdz".into(),
            base: None,
            bandwidth: 0,
        },
        T,
    );
    assert!(
        matches!(
            r,
            JobEvent::Reply {
                result: Err(JobError::NoDisk { .. }),
                ..
            }
        ),
        "{r:?}"
    );
    let r = c.job(
        |req| JobCmd::Pivot {
            req,
            id: runner(),
            disk: "vda".into(),
        },
        T,
    );
    assert!(
        matches!(r, JobEvent::Reply { result: Err(_), .. }),
        "a pivot with no job must be refused: {r:?}"
    );
    let JobEvent::List { jobs, .. } = c.job(|req| JobCmd::List { req }, T) else {
        panic!("no list")
    };
    assert!(jobs.is_empty(), "{jobs:?}");
}
