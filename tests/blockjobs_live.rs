//! Block jobs through the backend on the rig's running guest: a chain of two disk-only
//! external snapshots with a marker written at each layer, then active commit + pivot,
//! pull, and shallow copy + pivot; every marker must read back afterwards.

#[path = "common/client.rs"]
mod client;
#[path = "common/rig.rs"]
mod rig;

use std::path::Path;
use std::process::Command as Proc;
use std::time::Duration;

use client::Client;
use virtdeck::backend::jobs::{
    BlockJobKind, CopyDest, JobCmd, JobEnd, JobError, JobEvent, JobPhase,
};
use virtdeck::backend::model::HostId;
use virtdeck::backend::{BackendEvent, DomainId};

const IMAGES: &str = "/var/lib/libvirt/images";
const JOB: Duration = Duration::from_secs(120);

fn guest_sh(dom: &str, cmd: &str) -> String {
    let helper = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/guest_console.py");
    let out = Proc::new("python3")
        .arg(helper)
        .args([dom, cmd, "60"])
        .output()
        .expect("run guest_console.py");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "guest command {cmd:?} failed: {}{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

/// Writes `m` to sector `n` of the guest's disk, bypassing the guest's cache.
fn write_marker(dom: &str, n: u32, m: &str) {
    guest_sh(
        dom,
        &format!("echo {m} | dd of=/dev/vda bs=512 seek={n} count=1 conv=fsync"),
    );
}

/// The first 8 bytes of sector `n`, read by the guest with O_DIRECT so they come from
/// the disk image, not the guest's page cache.
fn read_marker(dom: &str, n: u32) -> String {
    let out = guest_sh(
        dom,
        &format!(
            "echo R=$(dd if=/dev/vda bs=512 skip={n} count=1 iflag=direct 2>/dev/null|head -c8)"
        ),
    );
    out.lines()
        .find_map(|l| l.trim().strip_prefix("R=").map(str::to_string))
        .unwrap_or_else(|| panic!("no R= line in {out:?}"))
}

/// Removes the overlay and copy files a test made (the guest's own disk goes with it).
struct Overlays(String);

impl Drop for Overlays {
    fn drop(&mut self) {
        for ext in ["s1.qcow2", "s2.qcow2", "copy.qcow2"] {
            let _ = std::fs::remove_file(format!("{IMAGES}/{}.{ext}", self.0));
        }
    }
}

const MARKERS: [&str; 3] = ["MARKER-A", "MARKER-B", "MARKER-C"];

/// Boots the guest and builds base <- s1 <- s2 with marker i written at layer i.
fn chain(suffix: &str) -> Option<(Overlays, rig::Guest, DomainId, [String; 3])> {
    let guest = rig::Guest::define(suffix)?;
    let dom = guest.name.clone();
    let files = Overlays(dom.clone());
    rig::virsh(&["start", &dom]);
    assert!(
        guest.wait_for_prompt(Duration::from_secs(180)),
        "guest did not boot"
    );
    let base = format!("{IMAGES}/{dom}.qcow2");
    let s1 = format!("{IMAGES}/{dom}.s1.qcow2");
    let s2 = format!("{IMAGES}/{dom}.s2.qcow2");
    write_marker(&dom, 0, MARKERS[0]);
    for (i, file) in [&s1, &s2].into_iter().enumerate() {
        let spec = format!("vda,file={file}");
        rig::virsh(&[
            "snapshot-create-as",
            &dom,
            &format!("s{}", i + 1),
            "--disk-only",
            "--atomic",
            "--no-metadata",
            "--diskspec",
            &spec,
        ]);
        write_marker(&dom, i as u32 + 1, MARKERS[i + 1]);
    }
    assert_eq!(backing_chain(&s2), [s2.clone(), s1.clone(), base.clone()]);
    let id = DomainId::new(
        HostId::FIRST,
        rig::virsh(&["domuuid", &dom]).trim().to_string(),
    );
    Some((files, guest, id, [base, s1, s2]))
}

/// The files of `qemu-img info --backing-chain`, top first.
fn backing_chain(top: &str) -> Vec<String> {
    let out = Proc::new("qemu-img")
        .args(["info", "-U", "--backing-chain", top])
        .output()
        .expect("run qemu-img");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("image: ").map(str::to_string))
        .collect()
}

fn domblk_source(dom: &str) -> String {
    rig::virsh(&["domblklist", dom, "--details"])
        .lines()
        .find(|l| l.contains(" vda "))
        .and_then(|l| l.split_whitespace().last().map(str::to_string))
        .unwrap_or_default()
}

fn assert_markers(dom: &str) {
    for (i, m) in MARKERS.iter().enumerate() {
        assert_eq!(&read_marker(dom, i as u32), m, "marker {i} lost");
    }
}

fn reply_ok(ev: JobEvent) -> String {
    match ev {
        JobEvent::Reply { result, .. } => result.unwrap_or_else(|e| panic!("job refused: {e}")),
        other => panic!("unexpected {other:?}"),
    }
}

/// Waits for the READY event of the job on vda of `id`.
fn wait_ready(c: &mut Client, id: &DomainId) {
    c.wait_for(JOB, |ev| match ev {
        BackendEvent::Jobs(_, JobEvent::BlockJobUpdated(j))
            if &j.id == id && j.disk == "vda" && j.phase == JobPhase::Ready =>
        {
            Some(())
        }
        _ => None,
    });
}

fn wait_end(c: &mut Client, id: &DomainId) -> (BlockJobKind, JobEnd) {
    // The end event may come before the reply of the pivot that caused it.
    c.seen_or_wait(JOB, |ev| match ev {
        BackendEvent::Jobs(
            _,
            JobEvent::BlockJobEnded {
                id: i,
                disk,
                kind,
                end,
                ..
            },
        ) if i == id && disk == "vda" => Some((*kind, *end)),
        _ => None,
    })
}

fn pivot(c: &mut Client, id: &DomainId) -> Result<String, JobError> {
    match c.job(
        |req| JobCmd::Pivot {
            req,
            id: id.clone(),
            disk: "vda".into(),
        },
        JOB,
    ) {
        JobEvent::Reply { result, .. } => result,
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn active_commit_pivots_only_after_ready_and_keeps_every_marker() {
    let Some((_files, guest, id, [base, _s1, _s2])) = chain("bj-commit") else {
        return;
    };
    let dom = guest.name.clone();
    let mut c = Client::open(rig::URI);
    // Throttled to a crawl so the job is certainly not READY when the pivot is asked.
    reply_ok(c.job(
        |req| JobCmd::Commit {
            req,
            id: id.clone(),
            disk: "vda".into(),
            top: None,
            base: None,
            relative: false,
            bandwidth: 1,
        },
        JOB,
    ));
    let early = pivot(&mut c, &id);
    assert!(
        matches!(early, Err(JobError::NotReady { .. })),
        "a pivot before READY must be refused, got {early:?}"
    );
    let listed = match c.job(|req| JobCmd::List { req }, JOB) {
        JobEvent::List { jobs, .. } => jobs,
        other => panic!("unexpected {other:?}"),
    };
    let job = listed
        .iter()
        .find(|j| j.id == id)
        .unwrap_or_else(|| panic!("the job is not listed: {listed:?}"));
    assert_eq!(job.kind, BlockJobKind::ActiveCommit);
    assert!(job.ours);

    reply_ok(c.job(
        |req| JobCmd::SetSpeed {
            req,
            id: id.clone(),
            disk: "vda".into(),
            bytes_per_sec: 0,
        },
        JOB,
    ));
    wait_ready(&mut c, &id);
    let msg = pivot(&mut c, &id).expect("pivot after READY");
    assert!(msg.contains(&base), "{msg}");
    let (kind, end) = wait_end(&mut c, &id);
    assert_eq!((kind, end), (BlockJobKind::ActiveCommit, JobEnd::Completed));

    assert_eq!(domblk_source(&dom), base);
    assert_eq!(
        backing_chain(&base),
        vec![base.clone()],
        "the base must stand alone"
    );
    assert_markers(&dom);
}

#[test]
fn pull_of_the_whole_chain_leaves_the_top_standing_alone() {
    let Some((_files, guest, id, [_base, _s1, s2])) = chain("bj-pull") else {
        return;
    };
    let dom = guest.name.clone();
    let mut c = Client::open(rig::URI);
    reply_ok(c.job(
        |req| JobCmd::Pull {
            req,
            id: id.clone(),
            disk: "vda".into(),
            base: None,
            bandwidth: 0,
        },
        JOB,
    ));
    let (kind, end) = wait_end(&mut c, &id);
    assert_eq!((kind, end), (BlockJobKind::Pull, JobEnd::Completed));
    let early = pivot(&mut c, &id);
    assert!(matches!(early, Err(JobError::NoJob { .. })), "{early:?}");
    assert_eq!(domblk_source(&dom), s2);
    assert_eq!(backing_chain(&s2), vec![s2.clone()]);
    assert_markers(&dom);
}

#[test]
fn shallow_copy_pivots_to_the_copy_and_keeps_every_marker() {
    let Some((_files, guest, id, [_base, s1, _s2])) = chain("bj-copy") else {
        return;
    };
    let dom = guest.name.clone();
    let copy = format!("{IMAGES}/{dom}.copy.qcow2");
    let mut c = Client::open(rig::URI);
    reply_ok(c.job(
        |req| JobCmd::Copy {
            req,
            id: id.clone(),
            disk: "vda".into(),
            dest: CopyDest {
                path: copy.clone(),
                format: "qcow2".into(),
                shallow: true,
                reuse_existing: false,
            },
            bandwidth: 0,
        },
        JOB,
    ));
    wait_ready(&mut c, &id);
    pivot(&mut c, &id).expect("pivot after READY");
    let (kind, end) = wait_end(&mut c, &id);
    assert_eq!((kind, end), (BlockJobKind::Copy, JobEnd::Completed));
    assert_eq!(domblk_source(&dom), copy);
    // Shallow: the copy took the top's data and sits on the same backing images.
    let chain = backing_chain(&copy);
    assert_eq!(chain.first(), Some(&copy));
    assert_eq!(chain.get(1), Some(&s1), "{chain:?}");
    assert_markers(&dom);
}

#[test]
fn disk_only_snapshots_put_overlays_next_to_the_image_and_a_delete_names_what_stays() {
    use virtdeck::backend::snapshots::{CreateSpec, JobOutcome, SnapshotCmd, SnapshotEvent};
    use virtdeck::backend::storage::{StorageCmd, StorageEvent};

    let Some(guest) = rig::Guest::define("bj-ext") else {
        return;
    };
    let dom = guest.name.clone();
    let _files = Overlays(dom.clone());
    rig::virsh(&["start", &dom]);
    let id = DomainId::new(
        HostId::FIRST,
        rig::virsh(&["domuuid", &dom]).trim().to_string(),
    );
    let base = format!("{IMAGES}/{dom}.qcow2");
    let s1 = format!("{IMAGES}/{dom}.s1.qcow2");
    let mut c = Client::open(rig::URI);
    let req = c.req();
    c.send(virtdeck::backend::Command::Snapshot(SnapshotCmd::Create {
        req,
        id: id.clone(),
        domain: dom.clone(),
        spec: CreateSpec {
            name: Some("s1".into()),
            disk_only: true,
            atomic: true,
            ..CreateSpec::default()
        },
    }));
    let outcome = c.wait_for(JOB, |ev| match ev {
        BackendEvent::Snapshot(SnapshotEvent::JobFinished {
            req: r, outcome, ..
        }) if *r == req => Some(outcome.clone()),
        _ => None,
    });
    assert!(matches!(outcome, JobOutcome::Done(_)), "{outcome:?}");
    assert_eq!(
        domblk_source(&dom),
        s1,
        "the overlay is not next to the image"
    );
    assert_eq!(backing_chain(&s1), [s1.clone(), base.clone()]);

    let StorageEvent::SnapshotFiles { result, .. } = c.storage(|req| StorageCmd::SnapshotFiles {
        req,
        id: id.clone(),
        snapshot: "s1".into(),
    }) else {
        panic!("no snapshot files reply")
    };
    let files = result.expect("files");
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0].path, s1);
    assert_eq!(files[0].disk.as_deref(), Some("vda"));
    assert_eq!(files[0].depth, Some(0));
    assert_eq!(files[0].chain, [s1.clone(), base.clone()]);

    // The disk tab's view of the same chain, with sizes.
    let StorageEvent::Disks { result, .. } = c.storage(|req| StorageCmd::Disks {
        req,
        id: id.clone(),
    }) else {
        panic!("no disks reply")
    };
    let disks = result.expect("disks");
    let vda = disks.iter().find(|d| d.target == "vda").expect("vda");
    let chain: Vec<_> = vda.chain.iter().filter_map(|i| i.path.clone()).collect();
    assert_eq!(chain, [s1, base]);
    assert_eq!(vda.chain[0].capacity, Some(64 << 20), "{vda:?}");
}

#[test]
fn jobs_started_by_virsh_are_seen_live_and_found_again_at_start() {
    let Some((_files, guest, id, [base, s1, s2])) = chain("bj-found") else {
        return;
    };
    let dom = guest.name.clone();
    let mut c = Client::open(rig::URI);
    // Started elsewhere while we listen: the READY event brings it in.
    rig::virsh(&["blockcommit", &dom, "vda", "--active", "--base", &s1]);
    let job = c.wait_for(JOB, |ev| match ev {
        BackendEvent::Jobs(_, JobEvent::BlockJobUpdated(j))
            if j.id == id && j.phase == JobPhase::Ready =>
        {
            Some(j.clone())
        }
        _ => None,
    });
    assert_eq!(job.kind, BlockJobKind::ActiveCommit);
    assert!(!job.ours);
    rig::virsh(&["blockjob", &dom, "vda", "--pivot"]);
    assert_eq!(
        wait_end(&mut c, &id),
        (BlockJobKind::ActiveCommit, JobEnd::Completed)
    );
    assert_eq!(domblk_source(&dom), s1);
    drop(c);
    let _ = s2;

    // Running before we start: the start-up scan finds it, READY from the XML.
    rig::virsh(&["blockcommit", &dom, "vda", "--active", "--wait"]);
    let mut c = Client::open(rig::URI);
    let job = c.wait_for(JOB, |ev| match ev {
        BackendEvent::Jobs(_, JobEvent::BlockJobUpdated(j)) if j.id == id => Some(j.clone()),
        _ => None,
    });
    assert_eq!(job.kind, BlockJobKind::ActiveCommit);
    assert_eq!(job.phase, JobPhase::Ready, "{job:?}");
    assert!(!job.ours);
    pivot(&mut c, &id).expect("pivot of a job found at start");
    assert_eq!(domblk_source(&dom), base);
    assert_markers(&dom);
}
