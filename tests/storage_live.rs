//! Pools and volumes on the rig's real libvirtd: a `dir` pool defined, built and started
//! through the backend; volume upload / download round-trip the bytes, a cancelled
//! download leaves nothing behind, resize grows what virsh shows, an in-use volume is
//! not deleted.

#[path = "common/client.rs"]
mod client;
#[path = "common/rig.rs"]
mod rig;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command as Proc;
use std::time::Duration;

use client::Client;
use virtdeck::backend::BackendEvent;
use virtdeck::backend::model::HostId;
use virtdeck::backend::storage::{
    Direction, NewVolume, PoolOp, StorageCmd, StorageError, StorageEvent,
};

fn prefix() -> String {
    std::env::var("VIRTDECK_RIG_PREFIX").unwrap_or_else(|_| "vdtest-".into())
}

/// The test's pool; stopped, deleted and undefined when dropped.
struct Pool {
    name: String,
    dir: String,
}

impl Drop for Pool {
    fn drop(&mut self) {
        for v in rig::virsh_try(&["vol-list", &self.name, "--name"])
            .1
            .lines()
        {
            if !v.trim().is_empty() {
                let _ = rig::virsh_try(&["vol-delete", v.trim(), "--pool", &self.name]);
            }
        }
        let _ = rig::virsh_try(&["pool-destroy", &self.name]);
        let _ = rig::virsh_try(&["pool-delete", &self.name]);
        let _ = rig::virsh_try(&["pool-undefine", &self.name]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn done(ev: StorageEvent) -> Result<String, StorageError> {
    match ev {
        StorageEvent::Done { result, .. } => result,
        other => panic!("unexpected {other:?}"),
    }
}

/// Defines, builds and starts `<prefix>pool` through the backend.
fn make_pool(c: &mut Client, suffix: &str) -> Pool {
    let name = format!("{}{suffix}", prefix());
    let dir = format!("/var/lib/libvirt/images/{name}");
    let _ = rig::virsh_try(&["pool-destroy", &name]);
    let _ = rig::virsh_try(&["pool-undefine", &name]);
    let pool = Pool {
        name: name.clone(),
        dir: dir.clone(),
    };
    let xml =
        format!("<pool type='dir'><name>{name}</name><target><path>{dir}</path></target></pool>");
    match c.storage(|req| StorageCmd::DefinePool {
        req,
        editing: None,
        xml,
    }) {
        StorageEvent::PoolDefined { result, .. } => {
            result.expect("pool defined");
        }
        other => panic!("unexpected {other:?}"),
    }
    for op in [PoolOp::Build, PoolOp::Start] {
        done(c.storage(|req| StorageCmd::Pool {
            req,
            pool: name.clone(),
            op,
        }))
        .unwrap_or_else(|e| panic!("{op:?}: {e}"));
    }
    assert!(Path::new(&dir).is_dir());
    pool
}

fn sha256(path: &Path) -> String {
    let out = Proc::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string()
}

fn random_file(dir: &Path, name: &str, bytes: usize) -> PathBuf {
    let path = dir.join(name);
    let mut f = std::fs::File::create(&path).expect("create");
    let mut urandom = std::fs::File::open("/dev/urandom").expect("urandom");
    std::io::copy(
        &mut std::io::Read::by_ref(&mut urandom).take(bytes as u64),
        &mut f,
    )
    .expect("fill");
    f.flush().expect("flush");
    path
}

use std::io::Read as _;

fn transfer(
    c: &mut Client,
    pool: &str,
    name: &str,
    file: &Path,
    direction: Direction,
) -> Result<virtdeck::backend::storage::TransferProgress, String> {
    match c.storage(|req| StorageCmd::Transfer {
        req,
        pool: pool.into(),
        name: name.into(),
        file: file.to_path_buf(),
        direction,
    }) {
        StorageEvent::TransferFinished { result, .. } => result,
        other => panic!("unexpected {other:?}"),
    }
}

fn create(c: &mut Client, pool: &str, name: &str, capacity: u64) {
    done(c.storage(|req| StorageCmd::CreateVolume {
        req,
        pool: pool.into(),
        spec: NewVolume {
            name: name.into(),
            capacity,
            format: "raw".into(),
            backing: None,
        },
    }))
    .unwrap_or_else(|e| panic!("create {name}: {e}"));
}

#[test]
fn upload_and_download_round_trip_the_bytes_and_resize_grows_the_volume() {
    // Fails (not skips) without the rig under VIRTDECK_REQUIRE_RIG=1.
    let Some(_guest) = rig::Guest::define("stor-rt") else {
        return;
    };
    let mut c = Client::open(rig::URI);
    let pool = make_pool(&mut c, "pool");
    let tmp = tempfile::tempdir().expect("tempdir");
    let src = random_file(tmp.path(), "src.bin", 8 << 20);
    create(&mut c, &pool.name, "rt.raw", 8 << 20);
    let up = transfer(&mut c, &pool.name, "rt.raw", &src, Direction::Upload).expect("upload");
    assert_eq!(up.done, 8 << 20);
    let back = tmp.path().join("back.bin");
    let down =
        transfer(&mut c, &pool.name, "rt.raw", &back, Direction::Download).expect("download");
    assert_eq!(down.done, 8 << 20);
    assert_eq!(sha256(&src), sha256(&back), "the bytes did not round-trip");
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .expect("list")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".part"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    done(c.storage(|req| StorageCmd::ResizeVolume {
        req,
        pool: pool.name.clone(),
        name: "rt.raw".into(),
        capacity: 16 << 20,
        shrink: false,
    }))
    .expect("grow");
    let info = rig::virsh(&["vol-info", "rt.raw", "--pool", &pool.name, "--bytes"]);
    assert!(
        info.lines()
            .any(|l| l.starts_with("Capacity:") && l.contains(&(16u64 << 20).to_string())),
        "{info}"
    );
}

#[test]
fn a_cancelled_download_leaves_no_file_and_a_volume_in_use_is_not_deleted() {
    let Some(guest) = rig::Guest::define("stor-use") else {
        return;
    };
    let dom = guest.name.clone();
    let mut c = Client::open(rig::URI);
    let pool = make_pool(&mut c, "pool2");
    create(&mut c, &pool.name, "big.raw", 256 << 20);

    // Cancel right after the start: the target must not appear, nor a temporary file.
    let tmp = tempfile::tempdir().expect("tempdir");
    let target = tmp.path().join("big.bin");
    let req = c.req();
    c.send(virtdeck::backend::Command::Storage(
        HostId::FIRST,
        StorageCmd::Transfer {
            req,
            pool: pool.name.clone(),
            name: "big.raw".into(),
            file: target.clone(),
            direction: Direction::Download,
        },
    ));
    c.send(virtdeck::backend::Command::Storage(
        HostId::FIRST,
        StorageCmd::CancelTransfer { req },
    ));
    let result = c.wait_for(Duration::from_secs(60), |ev| match ev {
        BackendEvent::Storage(_, StorageEvent::TransferFinished { req: r, result, .. })
            if *r == req =>
        {
            Some(result.clone())
        }
        _ => None,
    });
    let err = result.expect_err("a cancelled download must not succeed");
    assert!(err.contains("cancelled"), "{err}");
    assert!(!target.exists());
    assert_eq!(std::fs::read_dir(tmp.path()).expect("list").count(), 0);

    // A cancelled upload says the volume's content is now partial.
    let src = random_file(tmp.path(), "up.bin", 64 << 20);
    let req = c.req();
    c.send(virtdeck::backend::Command::Storage(
        HostId::FIRST,
        StorageCmd::Transfer {
            req,
            pool: pool.name.clone(),
            name: "big.raw".into(),
            file: src.clone(),
            direction: Direction::Upload,
        },
    ));
    c.send(virtdeck::backend::Command::Storage(
        HostId::FIRST,
        StorageCmd::CancelTransfer { req },
    ));
    let result = c.wait_for(Duration::from_secs(60), |ev| match ev {
        BackendEvent::Storage(_, StorageEvent::TransferFinished { req: r, result, .. })
            if *r == req =>
        {
            Some(result.clone())
        }
        _ => None,
    });
    let err = result.expect_err("a cancelled upload must not succeed");
    assert!(
        err.contains("cancelled") && err.contains("partial"),
        "{err}"
    );
    std::fs::remove_file(&src).expect("remove");

    // A volume attached to the running guest is refused, with the guest's name.
    create(&mut c, &pool.name, "inuse.raw", 4 << 20);
    rig::virsh(&["start", &dom]);
    let path = format!("{}/inuse.raw", pool.dir);
    rig::virsh(&["attach-disk", &dom, &path, "vdb", "--live"]);
    let r = done(c.storage(|req| StorageCmd::DeleteVolume {
        req,
        pool: pool.name.clone(),
        name: "inuse.raw".into(),
    }));
    match r {
        Err(StorageError::InUse { domain, disk, .. }) => {
            assert_eq!((domain.as_str(), disk.as_str()), (dom.as_str(), "vdb"))
        }
        other => panic!("expected InUse, got {other:?}"),
    }
    assert!(Path::new(&path).exists());
}
