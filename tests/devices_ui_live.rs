//! The Devices tab on the live rig, driven through keys into the App with a real worker:
//! hot-plug a second disk the guest then sees (its console), detach it (gone from the
//! guest and from the persistent definition), insert and eject an ISO the test makes
//! with xorriso (`virsh domblklist` agrees), a disk from a pool volume, a missing ISO
//! refused with libvirt's reason, link down, and a NIC on a network plugged and unplugged.

mod common;

use std::time::{Duration, Instant};

use common::rig::{self, Guest};
use common::{Harness, Options, livenet};
use virtdeck::ui::devices::tab::Loaded;
use virtdeck::ui::domains::detail::Tab;

const BOOT: Duration = Duration::from_secs(180);
const SLOW: Duration = Duration::from_secs(60);
const CDROM: &str = "<disk type='file' device='cdrom'>\n<driver name='qemu' type='raw'/>\n\
                     <target dev='hdc' bus='ide'/>\n<readonly/>\n</disk>\n</devices>";

/// Removes the files the test made.
struct Files(Vec<String>);

impl Drop for Files {
    fn drop(&mut self) {
        for f in &self.0 {
            let _ = std::fs::remove_file(f);
        }
    }
}

/// Removes the pool's volume and directory.
struct PoolFiles(String, String);

impl Drop for PoolFiles {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.1);
        let _ = std::fs::remove_dir(&self.0);
    }
}

/// Removes the rig-prefixed pool (its directory and volume go with `Files`).
struct PoolGuard(String);

impl Drop for PoolGuard {
    fn drop(&mut self) {
        let _ = rig::virsh_try(&["pool-destroy", &self.0]);
        let _ = rig::virsh_try(&["pool-undefine", &self.0]);
    }
}

/// Steps the focused choice with Right until `want` shows. The choices load from the
/// host in the background, so a budget of presses could run out before they arrive.
fn step_choice_to(h: &mut Harness, want: &str) {
    let deadline = Instant::now() + SLOW;
    while !h.screen_text().contains(want) {
        assert!(
            Instant::now() < deadline,
            "{want} never offered:\n{}",
            h.screen_text()
        );
        h.press("<Right>");
        h.wait_until(Duration::from_millis(300), |_| false);
    }
}

fn eventually(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    f()
}

fn partitions(guest: &Guest) -> String {
    livenet::guest_run(guest, "cat /proc/partitions", Duration::from_secs(30))
}

fn hdc_line(guest: &Guest) -> String {
    rig::virsh(&["domblklist", &guest.name])
        .lines()
        .find(|l| l.trim_start().starts_with("hdc"))
        .unwrap_or_default()
        .to_string()
}

/// Pumps the App until its screen shows `what`.
fn wait_screen(h: &mut Harness, what: &str) -> String {
    let deadline = Instant::now() + SLOW;
    loop {
        h.pump();
        let screen = h.screen_text();
        if screen.contains(what) {
            return screen;
        }
        assert!(
            Instant::now() < deadline,
            "{what:?} never showed:\n{screen}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn wait_status(h: &mut Harness, what: &str) -> String {
    let ok = h.wait_until(SLOW, |app| {
        app.status.as_ref().is_some_and(|s| s.text.contains(what))
    });
    let status = h.app.status.as_ref().map(|s| s.text.clone());
    assert!(ok, "status never said {what:?}: {status:?}");
    status.unwrap_or_default()
}

/// Moves the device cursor (the list must have the keys) to the disk `target`.
fn cursor_to(h: &mut Harness, target: &str) {
    assert!(
        h.wait_until(SLOW, |app| app
            .devices
            .rows
            .iter()
            .any(|r| r.name == target)),
        "{target} never listed"
    );
    let i = h
        .app
        .devices
        .rows
        .iter()
        .position(|r| r.name == target)
        .expect("listed");
    h.press("g");
    for _ in 0..i {
        h.press("j");
    }
    assert_eq!(h.app.devices.cursor, i);
}

#[test]
fn hotplug_detach_and_change_media_through_the_devices_tab() {
    let Some(guest) = Guest::define("devui") else {
        return;
    };
    livenet::redefine(&guest, |xml| xml.replacen("</devices>", CDROM, 1));
    let images = "/var/lib/libvirt/images";
    let extra = format!("{images}/{}-extra.qcow2", guest.name);
    let iso = format!("{images}/{}-media.iso", guest.name);
    let _files = Files(vec![extra.clone(), iso.clone()]);
    let st = std::process::Command::new("qemu-img")
        .args(["create", "-q", "-f", "qcow2", &extra, "16M"])
        .status()
        .expect("qemu-img");
    assert!(st.success());
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("hello.txt"), "virtdeck\n").expect("iso content");
    let st = std::process::Command::new("xorriso")
        .args(["-as", "mkisofs", "-quiet", "-V", "VDTEST", "-o", &iso])
        .arg(dir.path())
        .status()
        .expect("xorriso (tests/rig/install-packages.sh installs it)");
    assert!(st.success(), "xorriso failed");
    // A pool of our own with one volume, for the "existing volume" source.
    let pool = format!("{}pool", guest.name);
    let pool_dir = format!("{images}/{pool}");
    std::fs::create_dir_all(&pool_dir).expect("pool dir");
    let _pool = PoolGuard(pool.clone());
    rig::virsh(&["pool-create-as", &pool, "dir", "--target", &pool_dir]);
    rig::virsh(&[
        "vol-create-as",
        &pool,
        "data.qcow2",
        "16M",
        "--format",
        "qcow2",
    ]);
    let volume_path = format!("{pool_dir}/data.qcow2");
    let _pool_files = PoolFiles(pool_dir.clone(), volume_path.clone());
    rig::virsh(&["start", &guest.name]);
    assert!(
        guest.wait_for_prompt(BOOT),
        "guest never reached its prompt"
    );
    assert!(!partitions(&guest).contains("vdb"));

    let mut opts = Options::new(rig::URI);
    opts.width = 160;
    opts.height = 45;
    let mut h = Harness::start(opts);
    h.id_of(&guest.name);
    h.select(&guest.name);
    h.press("<BackTab>");
    assert_eq!(h.app.domains.tab, Tab::Devices);
    assert!(
        h.wait_until(SLOW, |app| matches!(
            &app.devices.loaded,
            Loaded::Devices(d) if d.disks.len() == 2
        )),
        "the guest's two disks never listed"
    );

    // Add a disk from a path: the dry run's fragment first, then the same for real.
    h.press("a<Right><Down>");
    h.press(&extra);
    h.press("<Enter>");
    let screen = wait_screen(&mut h, "<target dev='vdb' bus='virtio'/>");
    assert!(screen.contains("sends (live and persistent)"), "{screen}");
    assert!(
        screen.contains(&format!("<source file='{extra}'/>")),
        "{screen}"
    );
    assert!(!rig::virsh(&["domblklist", &guest.name]).contains(&extra));
    h.press("<Enter>");
    wait_status(&mut h, "attach disk vdb");
    wait_status(&mut h, "done");
    assert!(
        eventually(SLOW, || partitions(&guest).contains("vdb")),
        "the guest never saw vdb"
    );
    assert!(rig::virsh(&["domblklist", &guest.name]).contains(&extra));
    assert!(rig::virsh(&["dumpxml", "--inactive", &guest.name]).contains(&extra));

    // Detach it: the question shows the element, y sends it.
    h.press("<Enter>");
    cursor_to(&mut h, "vdb");
    h.press("x");
    let screen = wait_screen(&mut h, "Detach disk vdb");
    wait_screen(&mut h, &format!("<source file='{extra}'"));
    assert!(screen.contains("live and persistent"), "{screen}");
    h.press("y");
    wait_status(&mut h, "detach disk vdb");
    wait_status(&mut h, "done");
    assert!(
        eventually(SLOW, || !partitions(&guest).contains("vdb")),
        "vdb still in the guest"
    );
    assert!(
        eventually(SLOW, || !rig::virsh(&["domblklist", &guest.name])
            .contains(&extra)),
        "domblklist still lists the disk"
    );
    assert!(!rig::virsh(&["dumpxml", "--inactive", &guest.name]).contains(&extra));
    assert!(
        h.wait_until(SLOW, |app| !app
            .devices
            .rows
            .iter()
            .any(|r| r.name == "vdb")),
        "the tab still lists vdb"
    );

    // The same from a pool volume: step the Pool choice to ours (other pools may exist on
    // the host, listed first); the volume is its only one.
    h.press("a");
    wait_screen(&mut h, "Add a disk");
    h.press("<Down>");
    step_choice_to(&mut h, &format!("‹ {pool} ›"));
    wait_screen(&mut h, "‹ data.qcow2 ›");
    h.press("<Enter>");
    let screen = wait_screen(
        &mut h,
        &format!("<source pool='{pool}' volume='data.qcow2'/>"),
    );
    assert!(screen.contains("type='qcow2'"), "{screen}");
    h.press("<Enter>");
    wait_status(&mut h, "attach disk vdb");
    wait_status(&mut h, "done");
    assert!(
        eventually(SLOW, || partitions(&guest).contains("vdb")),
        "the guest never saw the volume as vdb"
    );
    // domblklist names a volume disk by its volume (`--details` says type volume).
    let list = rig::virsh(&["domblklist", "--details", &guest.name]);
    let vdb = list.lines().find(|l| l.contains("vdb")).unwrap_or_default();
    assert!(
        vdb.contains("volume") && vdb.contains("data.qcow2"),
        "{list}"
    );
    cursor_to(&mut h, "vdb");
    h.press("x");
    wait_screen(&mut h, "Detach disk vdb");
    wait_screen(&mut h, "sends (");
    h.press("y");
    wait_status(&mut h, "detach disk vdb");
    wait_status(&mut h, "done");
    assert!(
        eventually(SLOW, || !partitions(&guest).contains("vdb")),
        "the volume's vdb still in the guest"
    );

    // An ISO the host does not have: libvirt's reason, the drive stays empty.
    let missing = format!("{images}/{}-missing.iso", guest.name);
    cursor_to(&mut h, "hdc");
    h.press("m<Down>");
    h.press(&missing);
    h.press("<Enter>");
    wait_screen(&mut h, "sends (");
    h.press("<Enter>");
    let status = wait_status(&mut h, "failed");
    assert!(
        status.contains(&format!("insert {missing} into hdc")),
        "{status}"
    );
    assert!(!hdc_line(&guest).contains(&missing), "{}", hdc_line(&guest));

    // Insert the ISO into the empty CD-ROM.
    cursor_to(&mut h, "hdc");
    h.press("m<Down>");
    h.press(&iso);
    h.press("<Enter>");
    wait_screen(&mut h, &format!("<source file='{iso}'/>"));
    h.press("<Enter>");
    wait_status(&mut h, &format!("insert {iso} into hdc"));
    wait_status(&mut h, "done");
    assert!(
        eventually(SLOW, || hdc_line(&guest).contains(&iso)),
        "domblklist: {}",
        hdc_line(&guest)
    );
    assert!(
        h.wait_until(SLOW, |app| app
            .devices
            .rows
            .iter()
            .any(|r| r.name == "hdc" && r.source == iso)),
        "the tab never showed the ISO in hdc"
    );

    // Eject: the dialog offers eject for a loaded drive.
    cursor_to(&mut h, "hdc");
    h.press("m");
    let screen = wait_screen(&mut h, "‹ eject ›");
    assert!(!screen.contains("ISO path"), "{screen}");
    h.press("<Enter>");
    wait_screen(&mut h, "sends (");
    h.press("<Enter>");
    wait_status(&mut h, "eject hdc");
    wait_status(&mut h, "done");
    assert!(
        eventually(SLOW, || !hdc_line(&guest).contains(&iso)),
        "domblklist still shows the ISO: {}",
        hdc_line(&guest)
    );

    // Link down on the NIC: domif-getlink agrees.
    let nic = h
        .app
        .devices
        .rows
        .iter()
        .find(|r| r.kind == "nic")
        .map(|r| r.name.clone())
        .expect("the guest's NIC is listed");
    cursor_to(&mut h, &nic);
    h.press("l");
    wait_screen(&mut h, "‹ down ›");
    h.press("<Enter>");
    wait_screen(&mut h, "<link state='down'/>");
    h.press("<Enter>");
    wait_status(&mut h, "set link down");
    wait_status(&mut h, "done");
    let link = rig::virsh(&["domif-getlink", &guest.name, &nic]);
    assert!(link.contains("down"), "domif-getlink: {link}");
    assert!(
        h.wait_until(SLOW, |app| app
            .devices
            .rows
            .iter()
            .any(|r| r.name == nic && r.info.ends_with(" down"))),
        "the tab never showed the link down"
    );

    // A NIC on an isolated network of our own, then detached again.
    let net = format!("{}net", guest.name);
    let bridge = format!("{}br187", livenet::prefix());
    assert!(bridge.len() <= 15, "bridge name {bridge} too long");
    drop(livenet::NetGuard(net.clone()));
    let _net = livenet::NetGuard(net.clone());
    let file = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(file.path(), livenet::isolated_net_xml(&net, &bridge, 187)).expect("net xml");
    rig::virsh(&["net-define", &file.path().to_string_lossy()]);
    rig::virsh(&["net-start", &net]);
    h.press("n<Down>");
    step_choice_to(&mut h, &format!("‹ {net} ›"));
    h.press("<Enter>");
    wait_screen(&mut h, &format!("<source network='{net}'/>"));
    h.press("<Enter>");
    wait_status(&mut h, &format!("attach a NIC on network {net}"));
    wait_status(&mut h, "done");
    assert!(
        eventually(SLOW, || rig::virsh(&["domiflist", &guest.name])
            .contains(&net)),
        "domiflist: {}",
        rig::virsh(&["domiflist", &guest.name])
    );
    assert!(rig::virsh(&["dumpxml", "--inactive", &guest.name]).contains(&net));
    assert!(
        h.wait_until(SLOW, |app| app
            .devices
            .rows
            .iter()
            .any(|r| r.kind == "nic" && r.source == net)),
        "the tab never listed the new NIC"
    );
    let i = h
        .app
        .devices
        .rows
        .iter()
        .position(|r| r.kind == "nic" && r.source == net)
        .expect("listed");
    h.press("g");
    for _ in 0..i {
        h.press("j");
    }
    h.press("x");
    wait_screen(&mut h, &format!("<source network='{net}'"));
    h.press("y");
    wait_status(&mut h, "detach NIC");
    wait_status(&mut h, "done");
    assert!(
        eventually(SLOW, || !rig::virsh(&["domiflist", &guest.name])
            .contains(&net)),
        "domiflist still lists the NIC: {}",
        rig::virsh(&["domiflist", &guest.name])
    );
    assert!(!rig::virsh(&["dumpxml", "--inactive", &guest.name]).contains(&net));
}
