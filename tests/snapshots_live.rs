//! Snapshots of a running QEMU guest (the rig): disk contents come back on revert, the
//! tree matches `virsh snapshot-list --tree`, delete and the quick key work.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::{Harness, Options, rig};

const JOB: Duration = Duration::from_secs(120);

/// Runs `cmd` in the guest's shell over its serial console; returns what it printed.
fn guest_sh(dom: &str, cmd: &str) -> String {
    let helper = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/guest_console.py");
    let out = Command::new("python3")
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

fn write_marker(dom: &str, m: &str) {
    guest_sh(
        dom,
        &format!("echo {m} | dd of=/dev/vda bs=512 count=1 conv=fsync"),
    );
}

/// The first 8 bytes of the guest's disk, read by the guest.
fn read_marker(dom: &str) -> String {
    let out = guest_sh(
        dom,
        "echo R=$(dd if=/dev/vda bs=512 count=1 2>/dev/null|head -c8)",
    );
    out.lines()
        .find_map(|l| l.trim().strip_prefix("R=").map(str::to_string))
        .unwrap_or_else(|| panic!("no R= line in {out:?}"))
}

fn virsh_names(dom: &str) -> Vec<String> {
    let mut v: Vec<String> = rig::virsh(&["snapshot-list", dom, "--name"])
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

/// `virsh snapshot-list --tree` as (depth, name): names are indented by the `+- ` links.
fn virsh_tree(dom: &str) -> Vec<(usize, String)> {
    rig::virsh(&["snapshot-list", dom, "--tree"])
        .lines()
        .filter(|l| !l.trim().is_empty() && l.trim() != "|")
        .map(|l| match l.find("+- ") {
            Some(i) => (i / 4 + 1, l[i + 3..].trim().to_string()),
            None => (0, l.trim().to_string()),
        })
        .collect()
}

/// The app's tree as (depth, name), current snapshot.
fn app_tree(h: &Harness) -> (Vec<(usize, String)>, Option<String>) {
    let snaps = h.app.snaps.snapshots();
    let rows = h.app.snaps.rows();
    let tree = rows
        .iter()
        .map(|r| (r.depth, snaps[r.index].name.clone()))
        .collect();
    let current = snaps.iter().find(|s| s.current).map(|s| s.name.clone());
    (tree, current)
}

/// Waits until no job runs and the app's list has `n` snapshots.
fn settle(h: &mut Harness, n: usize) {
    let ok = h.wait_until(JOB, |app| {
        app.snaps.jobs.is_empty() && app.snaps.pending.is_none() && app.snaps.snapshots().len() == n
    });
    assert!(
        ok,
        "jobs {:?}, {} snapshots, status {:?}",
        h.app.snaps.jobs,
        h.app.snaps.snapshots().len(),
        h.app.status
    );
}

#[test]
fn markers_on_disk_come_back_with_revert_and_the_tree_matches_virsh() {
    let Some(guest) = rig::Guest::define("snap-live") else {
        return;
    };
    let dom = guest.name.clone();
    rig::virsh(&["start", &dom]);
    assert!(
        guest.wait_for_prompt(Duration::from_secs(180)),
        "guest did not boot"
    );

    let mut h = Harness::start(Options {
        height: 30,
        width: 100,
        ..Options::new(rig::URI)
    });
    assert!(h.wait_until(Duration::from_secs(10), |app| {
        app.store.rows().any(|r| r.info.name == dom)
    }));
    h.select(&dom);
    h.press("S");
    settle(&mut h, 0);

    write_marker(&dom, "MARKER-A");
    assert_eq!(read_marker(&dom), "MARKER-A");
    h.press("Ts1<Enter>");
    settle(&mut h, 1);
    write_marker(&dom, "MARKER-B");
    assert_eq!(read_marker(&dom), "MARKER-B");
    h.press("Ts2<Tab>after B<Enter>");
    settle(&mut h, 2);
    let s2 = h.app.snaps.selected_info().cloned().expect("a selection");
    assert_eq!(s2.name, "s2");
    assert!(s2.current && s2.memory && s2.state == "running", "{s2:?}");
    assert_eq!(s2.parent.as_deref(), Some("s1"));
    assert_eq!(s2.description, "after B");

    // Revert to s1 without the safety snapshot (b), leaving the guest running (r).
    h.press("k");
    assert_eq!(h.app.snaps.selected.as_deref(), Some("s1"));
    h.press("v");
    let text = h.screen_text();
    assert!(
        text.contains("Lost: the running guest's present RAM"),
        "{text}"
    );
    h.press("bry");
    assert!(
        h.wait_until(JOB, |app| app
            .snaps
            .snapshots()
            .iter()
            .any(|s| s.name == "s1" && s.current)
            && app.snaps.jobs.is_empty()),
        "status {:?}",
        h.app.status
    );
    assert_eq!(guest.domstate(), "running");
    assert_eq!(read_marker(&dom), "MARKER-A", "the disk was not reverted");

    let (tree, current) = app_tree(&h);
    assert_eq!(tree, [(0, "s1".to_string()), (1, "s2".to_string())]);
    assert_eq!(tree, virsh_tree(&dom));
    assert_eq!(current.as_deref(), Some("s1"));
    assert_eq!(
        rig::virsh(&["snapshot-current", &dom, "--name"]).trim(),
        "s1"
    );

    // Delete s2 (this one only).
    h.press("j");
    assert_eq!(h.app.snaps.selected.as_deref(), Some("s2"));
    h.press("Dy");
    settle(&mut h, 1);
    assert_eq!(virsh_names(&dom), ["s1"]);

    // The quick key from the domain list, on the running guest.
    h.press("<Esc>t");
    settle(&mut h, 2);
    let names = virsh_names(&dom);
    let quick = names
        .iter()
        .find(|n| n.starts_with(&format!("{dom}-")))
        .unwrap_or_else(|| panic!("no quick snapshot in {names:?}"));
    assert_eq!(quick.len(), dom.len() + 16, "{quick}");
    assert_eq!(guest.domstate(), "running");
}

#[test]
fn a_raw_disk_refuses_internal_snapshots_with_a_clear_message() {
    let Some(guest) = rig::Guest::define("snap-raw") else {
        return;
    };
    let dom = guest.name.clone();
    let raw = format!("/var/lib/libvirt/images/{dom}.raw");
    let made = Command::new("qemu-img")
        .args(["create", "-f", "raw", &raw, "16M"])
        .output()
        .expect("run qemu-img");
    assert!(made.status.success(), "qemu-img create failed");
    let xml = rig::virsh(&["dumpxml", &dom])
        .replace("type='qcow2'", "type='raw'")
        .replace(&format!("{dom}.qcow2"), &format!("{dom}.raw"));
    let file = std::env::temp_dir().join(format!("{dom}.xml"));
    std::fs::write(&file, xml).expect("write XML");
    rig::virsh(&["define", &file.to_string_lossy()]);
    let _ = std::fs::remove_file(&file);

    let mut h = Harness::start(Options::new(rig::URI));
    assert!(h.wait_until(Duration::from_secs(10), |app| {
        app.store.rows().any(|r| r.info.name == dom)
    }));
    h.select(&dom);
    h.press("S");
    settle(&mut h, 0);
    h.press("Tr1<Enter>");
    let shown = h.wait_until(JOB, |app| {
        app.status.as_ref().is_some_and(|s| {
            s.text.contains("unsupported for storage type raw")
                && s.text.contains("hint: internal snapshots need qcow2")
        })
    });
    let _ = std::fs::remove_file(&raw);
    assert!(shown, "status {:?}", h.app.status);
    assert!(virsh_names(&dom).is_empty(), "a snapshot was created");
}

#[test]
fn a_snapshot_made_by_another_client_appears_while_the_tab_is_open() {
    let Some(guest) = rig::Guest::define("snap-other") else {
        return;
    };
    let dom = guest.name.clone();
    let mut h = Harness::start(Options {
        height: 30,
        width: 100,
        ..Options::new(rig::URI)
    });
    assert!(h.wait_until(Duration::from_secs(10), |app| {
        app.store.rows().any(|r| r.info.name == dom)
    }));
    h.select(&dom);
    h.press("S");
    settle(&mut h, 0);
    // libvirt raises no event for this: the visible tree must re-read on its own.
    rig::virsh(&["snapshot-create-as", &dom, "from-virsh"]);
    let seen = h.wait_until(Duration::from_secs(15), |app| {
        app.snaps.snapshots().iter().any(|s| s.name == "from-virsh")
    });
    assert!(seen, "the tree never showed the other client's snapshot");
    assert!(h.screen_text().contains("from-virsh"));
}
