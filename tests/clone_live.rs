//! Clones of a real rig guest (qemu:///system): a full clone boots to its prompt with its
//! own MAC, UUID and disk; a linked clone's image has the original as its backing file;
//! a cancelled clone leaves nothing behind.

#[path = "common/client.rs"]
mod client;
mod common;

use std::path::Path;
use std::process::Command as Proc;
use std::time::Duration;

use client::Client;
use common::rig::{self, Guest};
use virtdeck::backend::clone::{CloneCmd, CloneEvent, CloneSpec, DiskMode};
use virtdeck::backend::model::{DomainId, HostId};
use virtdeck::backend::rename::{RenameCmd, RenameEvent};
use virtdeck::backend::{BackendEvent, Command};

const JOB: Duration = Duration::from_secs(300);

fn prefix() -> String {
    std::env::var("VIRTDECK_RIG_PREFIX").unwrap_or_else(|_| "vdtest-".into())
}

/// A `dir` pool of this test; its volumes, the pool and its directory go when dropped.
struct Pool {
    name: String,
    dir: String,
}

impl Pool {
    fn make(suffix: &str) -> Pool {
        let name = format!("{}{suffix}", prefix());
        let dir = format!("/var/lib/libvirt/images/{name}");
        let pool = Pool { name, dir };
        pool.remove();
        rig::virsh(&["pool-define-as", &pool.name, "dir", "--target", &pool.dir]);
        rig::virsh(&["pool-build", &pool.name]);
        rig::virsh(&["pool-start", &pool.name]);
        pool
    }

    fn volumes(&self) -> Vec<String> {
        rig::virsh(&["vol-list", &self.name, "--details"])
            .lines()
            .filter_map(|l| l.split_whitespace().next().map(str::to_string))
            .collect()
    }

    fn remove(&self) {
        let (ok, list) = rig::virsh_try(&["vol-list", &self.name]);
        if ok {
            for v in list.lines().filter_map(|l| l.split_whitespace().next()) {
                let _ = rig::virsh_try(&["vol-delete", v, "--pool", &self.name]);
            }
        }
        let _ = rig::virsh_try(&["pool-destroy", &self.name]);
        let _ = rig::virsh_try(&["pool-delete", &self.name]);
        let _ = rig::virsh_try(&["pool-undefine", &self.name]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.remove();
    }
}

fn uuid_of(name: &str) -> String {
    rig::virsh(&["domuuid", name]).trim().to_string()
}

fn macs_of(name: &str) -> Vec<String> {
    rig::virsh(&["domiflist", name, "--inactive"])
        .lines()
        .filter_map(|l| l.split_whitespace().last().map(str::to_string))
        .filter(|m| m.matches(':').count() == 5)
        .collect()
}

/// The `<source file>` of the domain's vda.
fn disk_of(name: &str) -> String {
    rig::virsh(&["domblklist", name, "--inactive"])
        .lines()
        .find_map(|l| l.trim().strip_prefix("vda").map(|p| p.trim().to_string()))
        .unwrap_or_else(|| panic!("{name} has no vda"))
}

/// The first 8 bytes of a qcow2 image's guest-visible data, read on the host.
fn first_bytes(image: &str) -> Vec<u8> {
    let out = tempfile::NamedTempFile::new().expect("temp file");
    let st = Proc::new("qemu-img")
        .args(["dd", "-f", "qcow2", "-O", "raw", "bs=512", "count=1"])
        .arg(format!("if={image}"))
        .arg(format!("of={}", out.path().display()))
        .status()
        .expect("qemu-img dd");
    assert!(st.success(), "qemu-img dd of {image}");
    std::fs::read(out.path()).expect("read")[..8].to_vec()
}

/// Runs `cmd` in the guest's shell over its serial console.
/// Writes `mib` MiB of data into the start of a qcow2 `image`, growing it first if needed
/// (the rig's guests have 64 MiB disks): a copy of it takes a while.
fn fill(image: &str, mib: u32) {
    if mib > 64 {
        let grown = Proc::new("qemu-img")
            .args(["resize", "-q", "-f", "qcow2", image, &format!("{mib}M")])
            .status()
            .expect("qemu-img");
        assert!(grown.success(), "qemu-img resize {image}");
    }
    let st = Proc::new("qemu-io")
        .args([
            "-f",
            "qcow2",
            "-c",
            &format!("write -P 0xab 0 {mib}M"),
            image,
        ])
        .output()
        .expect("qemu-io");
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
}

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

fn start_clone(c: &mut Client, src: &str, spec: CloneSpec) -> u64 {
    let req = c.req();
    c.send(Command::Clone(
        HostId::FIRST,
        CloneCmd::Start {
            req,
            id: DomainId::new(HostId::FIRST, uuid_of(src)),
            spec,
        },
    ));
    req
}

fn finished(c: &mut Client, req: u64) -> Result<(DomainId, String), String> {
    c.wait_for(JOB, |ev| match ev {
        BackendEvent::Clone(_, CloneEvent::Finished { req: r, result, .. }) if *r == req => {
            Some(result.clone())
        }
        _ => None,
    })
}

#[test]
fn a_full_clone_boots_with_its_own_mac_uuid_and_disk() {
    let Some(src) = Guest::define("clsrc") else {
        return;
    };
    let pool = Pool::make("clpool");
    let new = format!("{}cldst", prefix());
    // Dropped before the pool: the clone goes, then its volume with the pool.
    let clone = Guest { name: new.clone() };
    let mut c = Client::open(rig::URI);
    let req = start_clone(
        &mut c,
        &src.name,
        CloneSpec {
            new_name: new.clone(),
            disks: Vec::new(),
            pool: Some(pool.name.clone()),
        },
    );
    let (id, summary) = finished(&mut c, req).expect("cloned");
    assert!(summary.contains("vda copied"), "{summary}");
    assert_eq!(id.uuid, uuid_of(&new));
    assert_ne!(uuid_of(&new), uuid_of(&src.name), "a new UUID");
    let (a, b) = (macs_of(&src.name), macs_of(&new));
    assert!(!a.is_empty() && !b.is_empty(), "{a:?} {b:?}");
    assert_ne!(a, b, "a new MAC");
    let clone_disk = disk_of(&new);
    assert!(clone_disk.starts_with(&pool.dir), "{clone_disk}");
    assert_ne!(clone_disk, disk_of(&src.name));

    rig::virsh(&["start", &new]);
    assert!(
        clone.wait_for_prompt(Duration::from_secs(240)),
        "the clone did not reach its prompt: {}",
        clone.serial_text()
    );
    guest_sh(
        &new,
        "echo CLONEMRK | dd of=/dev/vda bs=512 count=1 conv=fsync",
    );
    rig::virsh(&["destroy", &new]);
    assert_eq!(first_bytes(&clone_disk), b"CLONEMRK");
    assert_ne!(
        first_bytes(&disk_of(&src.name)),
        b"CLONEMRK",
        "the marker written in the clone is in the original's disk"
    );
}

#[test]
fn a_linked_clone_has_the_original_as_its_backing_file() {
    let Some(src) = Guest::define("lksrc") else {
        return;
    };
    let pool = Pool::make("lkpool");
    let new = format!("{}lkdst", prefix());
    let _clone = Guest { name: new.clone() };
    let mut c = Client::open(rig::URI);
    let req = start_clone(
        &mut c,
        &src.name,
        CloneSpec {
            new_name: new.clone(),
            disks: vec![("vda".into(), DiskMode::Link)],
            pool: Some(pool.name.clone()),
        },
    );
    let (_, summary) = finished(&mut c, req).expect("cloned");
    assert!(summary.contains("vda overlaid"), "{summary}");
    let overlay = disk_of(&new);
    let out = Proc::new("qemu-img")
        .args(["info", "-U", "--output=json", &overlay])
        .output()
        .expect("qemu-img info");
    let info = String::from_utf8_lossy(&out.stdout);
    assert!(
        info.contains(&format!("\"backing-filename\": \"{}\"", disk_of(&src.name))),
        "{info}"
    );
    assert!(info.contains("\"format\": \"qcow2\""), "{info}");
}

#[test]
fn a_cancelled_clone_leaves_nothing_behind() {
    let Some(src) = Guest::define("cxsrc") else {
        return;
    };
    // Enough data that the copy is still running when the cancel arrives.
    fill(&disk_of(&src.name), 48);
    let pool = Pool::make("cxpool");
    let new = format!("{}cxdst", prefix());
    let mut c = Client::open(rig::URI);
    let req = start_clone(
        &mut c,
        &src.name,
        CloneSpec {
            new_name: new.clone(),
            disks: Vec::new(),
            pool: Some(pool.name.clone()),
        },
    );
    c.wait_for(JOB, |ev| match ev {
        BackendEvent::Clone(
            _,
            CloneEvent::Progress {
                req: r, progress, ..
            },
        ) if *r == req && progress.step.starts_with("copying") => Some(()),
        _ => None,
    });
    c.send(Command::Clone(HostId::FIRST, CloneCmd::Cancel { req }));
    let e = finished(&mut c, req).expect_err("cancelled");
    assert!(e.starts_with("cancelled"), "{e}");
    assert!(
        e.contains(&format!("removed volume {}/{new}", pool.name)),
        "{e}"
    );
    assert!(
        pool.volumes().is_empty(),
        "left behind: {:?}",
        pool.volumes()
    );
    assert!(
        !rig::virsh_try(&["dominfo", &new]).0,
        "the clone's domain is left behind"
    );
}

fn apply(
    c: &mut Client,
    uuid: &str,
    old: &str,
    name: Option<&str>,
    title: Option<&str>,
) -> Result<String, String> {
    let req = c.req();
    c.send(Command::Rename(
        HostId::FIRST,
        RenameCmd::Apply {
            req,
            id: DomainId::new(HostId::FIRST, uuid),
            old_name: old.into(),
            name: name.map(str::to_string),
            title: title.map(str::to_string),
            description: None,
        },
    ));
    c.wait_for(JOB, |ev| match ev {
        BackendEvent::Rename(_, RenameEvent::Applied { req: r, result, .. }) if *r == req => {
            Some(result.clone())
        }
        _ => None,
    })
}

#[test]
fn a_shut_off_guest_is_renamed_and_a_running_one_gets_a_live_title() {
    let Some(src) = Guest::define("rnsrc") else {
        return;
    };
    let new = format!("{}rndst", prefix());
    let uuid = uuid_of(&src.name);
    // Whatever name it ends with, it is removed.
    let _renamed = Guest { name: new.clone() };
    let mut c = Client::open(rig::URI);
    let r = apply(&mut c, &uuid, &src.name, Some(&new), Some("Renamed guest"));
    assert_eq!(
        r.as_deref(),
        Ok(format!("renamed {} to {new}, title set", src.name).as_str())
    );
    assert_eq!(uuid_of(&new), uuid, "same domain, new name");
    assert!(
        !rig::virsh_try(&["dominfo", &src.name]).0,
        "the old name is gone"
    );
    assert_eq!(
        rig::virsh(&["desc", &new, "--title"]).trim(),
        "Renamed guest"
    );

    rig::virsh(&["start", &new]);
    let e = apply(&mut c, &uuid, &new, Some(&src.name), None).expect_err("running");
    assert!(e.contains("shut it down"), "{e}");
    let r = apply(&mut c, &uuid, &new, None, Some("Live title"));
    assert_eq!(r.as_deref(), Ok("title set"));
    assert_eq!(
        rig::virsh(&["desc", &new, "--title", "--live"]).trim(),
        "Live title"
    );
    assert_eq!(
        rig::virsh(&["desc", &new, "--title", "--config"]).trim(),
        "Live title",
        "and in the persistent definition"
    );
}

/// Moves the guest's disk into `pool` (so a copy is libvirt's volume copy) and writes a
/// pattern into its first 4 MiB; returns the disk's new path.
fn move_into(g: &Guest, pool: &Pool) -> String {
    let old_disk = disk_of(&g.name);
    let in_pool = format!("{}/{}.qcow2", pool.dir, g.name);
    std::fs::rename(&old_disk, &in_pool).expect("move the disk into the pool");
    rig::virsh(&["pool-refresh", &pool.name]);
    let xml = rig::virsh(&["dumpxml", &g.name, "--inactive"]).replace(&old_disk, &in_pool);
    let file = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(file.path(), xml).expect("write xml");
    rig::virsh(&["define", &file.path().to_string_lossy()]);
    let st = Proc::new("qemu-io")
        .args(["-f", "qcow2", "-c", "write -P 0x5a 0 4M", &in_pool])
        .output()
        .expect("qemu-io");
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    in_pool
}

fn same_content(a: &str, b: &str) {
    let cmp = Proc::new("qemu-img")
        .args(["compare", "-U", a, b])
        .output()
        .expect("qemu-img compare");
    assert!(
        cmp.status.success(),
        "{b} differs from {a}: {}",
        String::from_utf8_lossy(&cmp.stdout)
    );
}

fn clone_in_own_pool(src: &Guest, new: &str) -> String {
    let mut c = Client::open(rig::URI);
    let req = start_clone(
        &mut c,
        &src.name,
        CloneSpec {
            new_name: new.to_string(),
            disks: Vec::new(),
            pool: None,
        },
    );
    let (_, summary) = finished(&mut c, req).expect("cloned");
    summary
}

#[test]
fn a_disk_in_a_pool_is_copied_by_libvirt_into_its_own_pool() {
    let Some(src) = Guest::define("plsrc") else {
        return;
    };
    let pool = Pool::make("plpool");
    let in_pool = move_into(&src, &pool);
    let new = format!("{}pldst", prefix());
    let _clone = Guest { name: new.clone() };
    let summary = clone_in_own_pool(&src, &new);
    assert!(
        summary.contains(&format!("vda copied to {}/{new}.qcow2", pool.name)),
        "{summary}"
    );
    let copy = disk_of(&new);
    assert_eq!(copy, format!("{}/{new}.qcow2", pool.dir));
    same_content(&in_pool, &copy);
    assert_eq!(first_bytes(&copy), vec![0x5a; 8]);
}

#[test]
fn a_paused_guests_disk_in_a_pool_is_streamed_past_qemus_lock() {
    let Some(src) = Guest::define("pzsrc") else {
        return;
    };
    let pool = Pool::make("pzpool");
    let in_pool = move_into(&src, &pool);
    rig::virsh(&["start", &src.name]);
    rig::virsh(&["suspend", &src.name]);
    let new = format!("{}pzdst", prefix());
    let _clone = Guest { name: new.clone() };
    let summary = clone_in_own_pool(&src, &new);
    assert!(summary.contains("vda copied"), "{summary}");
    assert_eq!(src.domstate(), "paused", "the original stays paused");
    same_content(&in_pool, &disk_of(&new));
}

/// Pumps and redraws until the screen shows `text`.
fn wait_text(h: &mut common::Harness, text: &str) {
    let deadline = std::time::Instant::now() + JOB;
    while !h.screen_text().contains(text) {
        assert!(
            std::time::Instant::now() < deadline,
            "{text} never shown:\n{}",
            h.screen_text()
        );
        h.wait_until(Duration::from_millis(50), |_| false);
    }
}

#[test]
fn quitting_during_a_clone_cancels_it_and_leaves_nothing_behind() {
    let Some(src) = Guest::define("qxsrc") else {
        return;
    };
    // Enough data that the copy is still running when virtdeck quits: the keys below
    // take a few screen polls (tens of ms), 48 MiB copies in about as long.
    fill(&disk_of(&src.name), 768);
    let pool = Pool::make("qxpool");
    let new = format!("{}qxdst", prefix());
    // A failed earlier run may have left the clone (the pool's volumes went above).
    let _ = rig::virsh_try(&["undefine", &new]);
    let mut h = common::Harness::start(common::Options {
        width: 120,
        height: 40,
        ..common::Options::new(rig::URI)
    });
    h.press(&format!(":clone {} {new}<Enter>", src.name));
    wait_text(&mut h, "The clone gets a new UUID");
    // The disk is in no pool: the new volume goes to this test's (other pools may exist).
    h.press("<Tab>");
    let chosen = format!("New volumes {}", pool.name);
    for _ in 0..50 {
        if h.screen_text().contains(&chosen) {
            break;
        }
        h.press(" ");
    }
    wait_text(&mut h, &chosen);
    h.press("<Enter>");
    wait_text(&mut h, "copying");
    // Hidden, then quit: virtdeck asks, and a yes cancels on the way out.
    h.press("<Esc>q");
    assert!(
        h.screen_text().contains("Quit with jobs running?"),
        "{}",
        h.screen_text()
    );
    h.press("y");
    assert!(h.app.should_quit());
    let lines = h.wind_down(JOB);
    let [line] = &lines[..] else {
        panic!("one line per job: {lines:?}")
    };
    eprintln!("on the way out: {line}");
    assert!(line.contains("cancelled"), "{line}");
    assert!(
        !rig::virsh_try(&["dominfo", &new]).0,
        "the clone's domain is left behind"
    );
    // Each volume the line says was removed is gone.
    let removed: Vec<&str> = line
        .split("removed volume ")
        .skip(1)
        .filter_map(|s| s.split([',', ';']).next())
        .collect();
    assert!(!removed.is_empty(), "{line}");
    for v in removed {
        let (pool, name) = v.trim().split_once('/').expect("pool/name");
        assert!(
            !rig::virsh_try(&["vol-info", name, "--pool", pool]).0,
            "{pool}/{name} left behind"
        );
    }
}
