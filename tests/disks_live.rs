//! On the rig, through the UI with a real worker: disk-only external snapshots made in
//! the `T` dialog land at the files chosen, the tree marks them external, their delete
//! confirmation names the files and chains, the Disks tab shows the chain; a managed
//! save shows as "saved" and start resumes it.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{Harness, Options, rig};
use virtdeck::backend::snapshots::Location;

const IMAGES: &str = "/var/lib/libvirt/images";
const JOB: Duration = Duration::from_secs(180);

/// Overlay files the test makes, removed whatever happens.
struct Files(Vec<String>);

impl Drop for Files {
    fn drop(&mut self) {
        for f in &self.0 {
            let _ = std::fs::remove_file(f);
        }
    }
}

/// Pumps events and redraws until the screen shows `text`.
fn wait_screen(h: &mut Harness, text: &str, timeout: Duration) -> String {
    let deadline = Instant::now() + timeout;
    loop {
        h.pump();
        let s = h.screen().join("\n");
        if s.contains(text) {
            return s;
        }
        assert!(
            Instant::now() < deadline,
            "never shown: {text:?}; status {:?}\n{s}",
            h.app.status
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The text of the popup on screen, its wrapped lines joined by spaces.
fn popup(h: &mut Harness) -> String {
    let lines: Vec<Vec<char>> = h.screen().iter().map(|l| l.chars().collect()).collect();
    let Some((top, left)) = lines
        .iter()
        .enumerate()
        .find_map(|(y, l)| l.iter().position(|c| *c == '┌').map(|x| (y, x)))
    else {
        return String::new();
    };
    let right = lines[top].iter().rposition(|c| *c == '┐').unwrap_or(left);
    let mut out = Vec::new();
    for l in &lines[top + 1..] {
        if l.get(left) == Some(&'└') {
            break;
        }
        let inner: String = l
            .iter()
            .skip(left + 1)
            .take(right.saturating_sub(left + 1))
            .collect();
        out.push(inner.trim().to_string());
    }
    out.join(" ")
}

fn backing_chain(top: &str) -> Vec<String> {
    let out = Command::new("qemu-img")
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

/// Waits until no snapshot job runs and the tree has `n` snapshots.
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
fn disk_only_snapshots_from_the_dialog_land_where_chosen_and_delete_names_their_files() {
    let Some(guest) = rig::Guest::define("xsnap") else {
        return;
    };
    let dom = guest.name.clone();
    let base = format!("{IMAGES}/{dom}.qcow2");
    let x1 = format!("{IMAGES}/{dom}.x1.qcow2");
    let x2 = format!("{IMAGES}/{dom}-chosen-x2.qcow2");
    let _files = Files(vec![x1.clone(), x2.clone()]);
    rig::virsh(&["start", &dom]);

    let mut h = Harness::start(Options {
        width: 160,
        height: 45,
        ..Options::new(rig::URI)
    });
    h.id_of(&dom);
    h.select(&dom);
    h.press("S");
    settle(&mut h, 0);

    // x1: disk only, the default file next to the image.
    h.press("Tx1<Tab><Tab> ");
    let s = wait_screen(&mut h, "vda file", JOB);
    assert!(
        s.contains(&x1),
        "the default overlay is not next to the image:\n{s}"
    );
    h.press("<Enter>");
    settle(&mut h, 1);
    assert_eq!(domblk_source(&dom), x1);
    assert_eq!(backing_chain(&x1), [x1.clone(), base.clone()]);

    // x2: disk only, a file typed into the vda field.
    h.press("Tx2<Tab><Tab> ");
    wait_screen(&mut h, "vda file", JOB);
    h.press(&format!("<Tab><Tab><Tab><Tab><Ctrl-u>{x2}<Enter>"));
    settle(&mut h, 2);
    assert_eq!(domblk_source(&dom), x2, "not the file chosen in the dialog");
    assert_eq!(backing_chain(&x2), [x2.clone(), x1.clone(), base.clone()]);
    assert_eq!(guest.domstate(), "running");

    // The tree marks both external.
    let snaps = h.app.snaps.snapshots();
    assert!(
        snaps.iter().all(|s| s.location == Location::External),
        "{snaps:?}"
    );
    let s = h.screen_text();
    assert!(
        s.contains("x1 [ext]") && s.contains("x2 [ext]"),
        "the tree does not mark them external:\n{s}"
    );

    // Delete x2 (the current one): the confirmation names the files and their chain.
    assert_eq!(h.app.snaps.selected.as_deref(), Some("x2"));
    h.press("D");
    wait_screen(&mut h, "deleted;", JOB);
    let s = popup(&mut h);
    assert!(
        s.contains(&format!(
            "{x2} is merged into {x1} and deleted; {x1} remains and vda writes to it (chain now {x1} -> {base})"
        )),
        "{s}"
    );
    h.press("4");
    let s = popup(&mut h);
    assert!(
        s.contains(&format!(
            "{x2} remains: vda writes to it (chain {x2} -> {x1} -> {base})"
        )),
        "{s}"
    );
    // Cancelled: nothing changes.
    h.press("<Esc>");
    assert_eq!(domblk_source(&dom), x2);

    // The Disks tab shows the chain, top to base, with formats.
    h.press("<Esc>B");
    let s = wait_screen(&mut h, &x1, JOB);
    let (top, mid, bottom) = (
        s.find(&x2).expect("top"),
        s.find(&x1).expect("middle"),
        s.find(&format!("{dom}.qcow2")).expect("base"),
    );
    assert!(top < mid && mid < bottom, "{s}");
    assert!(s.contains("└ base [2] qcow2"), "{s}");
}

#[test]
fn a_managed_save_from_the_ui_shows_saved_and_start_resumes_it() {
    let Some(guest) = rig::Guest::define("msave") else {
        return;
    };
    let dom = guest.name.clone();
    rig::virsh(&["start", &dom]);
    assert!(
        guest.wait_for_prompt(Duration::from_secs(180)),
        "guest did not boot"
    );
    let mut h = Harness::start(Options {
        width: 120,
        height: 30,
        ..Options::new(rig::URI)
    });
    h.id_of(&dom);
    h.select(&dom);
    h.press("M");
    let saved = h.wait_until(JOB, |app| {
        app.store
            .rows()
            .any(|r| r.info.name == dom && r.info.saved())
    });
    assert!(saved, "never shown as saved; status {:?}", h.app.status);
    let s = h.screen_text();
    let row = s.lines().find(|l| l.starts_with(&dom)).expect("the row");
    assert!(row.contains("saved"), "{row}");
    assert!(
        s.contains("saved   managed save image: start resumes it"),
        "Overview:\n{s}"
    );

    // A fresh session's list (one managed-save filter call for all domains) agrees.
    let mut fresh = Harness::start(Options::new(rig::URI));
    let listed = fresh.wait_until(Duration::from_secs(10), |app| {
        app.store
            .rows()
            .any(|r| r.info.name == dom && r.info.saved())
    });
    assert!(listed, "a new list does not show it saved");
    drop(fresh);

    h.press("s");
    let running = h.wait_until(JOB, |app| {
        app.store
            .rows()
            .any(|r| r.info.name == dom && r.info.state.state.is_active() && !r.info.saved())
    });
    assert!(running, "status {:?}", h.app.status);
    assert_eq!(guest.domstate(), "running");
    assert_eq!(
        Harness::state_of(&h.app, &dom).as_deref(),
        Some("running (restored)"),
        "start booted afresh instead of resuming"
    );

    // Saved again, then the image removed from the UI: no longer "saved".
    h.press("M");
    assert!(h.wait_until(JOB, |app| {
        app.store
            .rows()
            .any(|r| r.info.name == dom && r.info.saved())
    }));
    h.press("<Ctrl-k>y");
    let dropped = h.wait_until(JOB, |app| {
        app.store
            .rows()
            .any(|r| r.info.name == dom && !r.info.saved() && !r.info.state.state.is_active())
    });
    assert!(dropped, "status {:?}", h.app.status);
    let info = rig::virsh(&["dominfo", &dom]);
    assert!(
        info.lines()
            .any(|l| l.starts_with("Managed save:") && l.trim_end().ends_with("no")),
        "{info}"
    );
}
