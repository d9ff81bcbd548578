//! A running rig guest's devices through the backend API: hot-plug and detach a disk the
//! guest sees come and go, a refused attach that changes nothing, CD-ROM insert / eject,
//! send-key (Ctrl-C, SysRq) and a balloon change `dommemstat` follows.

mod common;

use std::time::{Duration, Instant};

use common::livenet;
use common::probe::Probe;
use common::rig::{self, Guest};
use virtdeck::backend::HostId;
use virtdeck::backend::devices::{
    Affect, DeviceCmd, DeviceError, DeviceEvent, DeviceOp, DeviceRef, DiskSpec, OpOutcome,
    keys::KeyPreset,
};
use virtdeck::backend::{BackendEvent, Command, DomainId};

const BOOT: Duration = Duration::from_secs(180);
const CDROM: &str = "<disk type='file' device='cdrom'>\n<driver name='qemu' type='raw'/>\n\
                     <target dev='hdc' bus='ide'/>\n<readonly/>\n</disk>\n</devices>";

/// Removes files the test made.
struct Files(Vec<String>);

impl Drop for Files {
    fn drop(&mut self) {
        for f in &self.0 {
            let _ = std::fs::remove_file(f);
        }
    }
}

fn dev_event(ev: &BackendEvent) -> Option<&DeviceEvent> {
    match ev {
        BackendEvent::Device(_, d) => Some(d),
        _ => None,
    }
}

fn run(p: &mut Probe, id: &DomainId, req: u64, op: DeviceOp, dry_run: bool) -> OpOutcome {
    p.ask(
        Command::Device(
            HostId::FIRST,
            DeviceCmd::Run {
                req,
                id: id.clone(),
                op,
                affect: Affect::Auto,
                dry_run,
            },
        ),
        "device op",
        |ev| match dev_event(ev)? {
            DeviceEvent::Ran {
                req: r, outcome, ..
            } if *r == req => Some(outcome.clone()),
            _ => None,
        },
    )
}

fn done(p: &mut Probe, cmd: DeviceCmd, req: u64) -> Result<(), DeviceError> {
    p.ask(
        Command::Device(HostId::FIRST, cmd),
        "device command",
        |ev| match dev_event(ev)? {
            DeviceEvent::Done { req: r, result, .. } if *r == req => Some(result.clone()),
            _ => None,
        },
    )
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
    livenet::guest_run(guest, "cat /proc/partitions", Duration::from_secs(20))
}

fn blklist(guest: &Guest) -> String {
    rig::virsh(&["domblklist", &guest.name])
}

#[test]
fn hotplug_media_send_key_and_balloon_on_a_running_guest() {
    let Some(guest) = Guest::define("dev") else {
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
    rig::virsh(&["start", &guest.name]);
    assert!(
        guest.wait_for_prompt(BOOT),
        "guest never reached its prompt"
    );
    let id = DomainId::new(
        HostId::FIRST,
        rig::virsh(&["domuuid", &guest.name]).trim().to_string(),
    );
    let mut p = Probe::start(rig::URI);

    // The devices as read from the live XML.
    let devs = p.ask(
        Command::Device(
            HostId::FIRST,
            DeviceCmd::List {
                req: 1,
                id: id.clone(),
            },
        ),
        "list",
        |ev| match dev_event(ev)? {
            DeviceEvent::Devices { req: 1, result, .. } => Some(result.clone()),
            _ => None,
        },
    );
    let devs = devs.expect("devices");
    let targets: Vec<&str> = devs.disks.iter().map(|d| d.target.as_str()).collect();
    assert_eq!(targets, ["vda", "hdc"]);
    assert_eq!(devs.disks[1].device, "cdrom");
    assert_eq!(devs.disks[1].source, None);
    assert!(devs.nics[0].mac.is_some() && devs.nics[0].link_up);
    assert!(!partitions(&guest).contains("vdb"));

    // Dry run: the fragment, nothing sent.
    let spec = DiskSpec::file(&extra);
    let preview = run(&mut p, &id, 2, DeviceOp::AttachDisk(spec.clone()), true);
    assert_eq!(preview.result, Ok(()));
    assert_eq!(preview.affect, Affect::Both);
    assert!(
        preview.xml.contains("<target dev='vdb' bus='virtio'/>"),
        "{}",
        preview.xml
    );
    assert!(preview.xml.contains("type='qcow2'"), "{}", preview.xml);
    assert!(!blklist(&guest).contains("vdb"));

    // Attach live + persistent: the guest sees vdb, both definitions have it.
    let out = run(&mut p, &id, 3, DeviceOp::AttachDisk(spec), false);
    assert_eq!(out.result, Ok(()), "attach failed");
    assert_eq!(out.xml, preview.xml, "sent something else than previewed");
    assert!(
        eventually(Duration::from_secs(30), || partitions(&guest)
            .contains("vdb")),
        "the guest never saw vdb"
    );
    assert!(blklist(&guest).contains(&extra));
    assert!(rig::virsh(&["dumpxml", "--inactive", &guest.name]).contains(&extra));

    let added = p.seen.iter().any(|ev| {
        matches!(ev, BackendEvent::DomainEvent(_, r) if r.id == id && r.detail.kind() == "device-added")
    }) || p
        .wait(Duration::from_secs(30), |ev| match ev {
            BackendEvent::DomainEvent(_, r) if r.id == id && r.detail.kind() == "device-added" => {
                Some(())
            }
            _ => None,
        })
        .is_some();
    assert!(added, "no device-added event");

    // A bad attach (missing file) is refused with libvirt's reason and changes nothing.
    let live_before = rig::virsh(&["dumpxml", &guest.name]);
    let conf_before = rig::virsh(&["dumpxml", "--inactive", &guest.name]);
    let bad = DiskSpec::file(&format!("{images}/{}-missing.qcow2", guest.name));
    let out = run(&mut p, &id, 4, DeviceOp::AttachDisk(bad), false);
    match &out.result {
        Err(DeviceError::Libvirt(m)) => assert!(!m.is_empty()),
        other => panic!("missing file attached? {other:?}"),
    }
    assert!(out.xml.contains("vdc"), "{}", out.xml);
    assert_eq!(rig::virsh(&["dumpxml", &guest.name]), live_before);
    assert_eq!(
        rig::virsh(&["dumpxml", "--inactive", &guest.name]),
        conf_before
    );

    // Detach: gone from the guest and from both definitions; libvirt reports the removal.
    let out = run(
        &mut p,
        &id,
        5,
        DeviceOp::Detach(DeviceRef::Disk("vdb".into())),
        false,
    );
    assert_eq!(out.result, Ok(()), "detach failed: {}", out.xml);
    assert!(out.xml.contains(&extra));
    let removed = p.wait(Duration::from_secs(30), |ev| match ev {
        BackendEvent::DomainEvent(_, r) if r.id == id && r.detail.kind() == "device-removed" => {
            Some(())
        }
        _ => None,
    });
    assert!(removed.is_some(), "no device-removed event");
    assert!(
        eventually(Duration::from_secs(30), || !partitions(&guest)
            .contains("vdb")),
        "vdb still in the guest"
    );
    assert!(!blklist(&guest).contains(&extra));
    assert!(!rig::virsh(&["dumpxml", "--inactive", &guest.name]).contains(&extra));

    // CD-ROM: insert an ISO, eject it.
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("hello.txt"), "virtdeck\n").expect("iso content");
    let st = std::process::Command::new("xorriso")
        .args(["-as", "mkisofs", "-quiet", "-V", "VDTEST", "-o", &iso])
        .arg(dir.path())
        .status()
        .expect("xorriso");
    assert!(st.success(), "xorriso failed");
    let insert = DeviceOp::ChangeMedia {
        target: "hdc".into(),
        media: Some(iso.clone()),
    };
    let out = run(&mut p, &id, 6, insert, false);
    assert_eq!(out.result, Ok(()), "insert failed: {}", out.xml);
    assert!(
        out.xml.contains(&format!("<source file='{iso}'/>")),
        "{}",
        out.xml
    );
    let line = |g: &Guest| {
        blklist(g)
            .lines()
            .find(|l| l.trim_start().starts_with("hdc"))
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        line(&guest).contains(&iso),
        "domblklist: {}",
        blklist(&guest)
    );
    let eject = DeviceOp::ChangeMedia {
        target: "hdc".into(),
        media: None,
    };
    let out = run(&mut p, &id, 7, eject, false);
    assert_eq!(out.result, Ok(()), "eject failed: {}", out.xml);
    assert!(!out.xml.contains("<source"), "{}", out.xml);
    assert!(
        eventually(Duration::from_secs(30), || !line(&guest).contains(&iso)),
        "domblklist still shows the ISO: {}",
        blklist(&guest)
    );
    assert!(line(&guest).contains('-'));
    // Changing media of a real disk is refused before anything is sent.
    let out = run(
        &mut p,
        &id,
        8,
        DeviceOp::ChangeMedia {
            target: "vda".into(),
            media: Some(iso.clone()),
        },
        false,
    );
    assert!(
        matches!(out.result, Err(DeviceError::Invalid(_))),
        "{out:?}"
    );

    // send-key Ctrl-C interrupts a sleep. (The markers are computed in the guest, so the
    // echo of the typed command never matches them.) Keys go to the keyboard, i.e. the active virtual
    // terminal (tty1), not the serial line: the sleep runs there, its shell reports on ttyS0.
    livenet::guest_run(
        &guest,
        "setsid sh -c 'exec </dev/tty1 >/dev/tty1 2>&1; \
         trap \"echo SLEEP-INT-$((40+2)) >/dev/ttyS0\" INT; \
         sh -c \"echo SLEEP-START-$((40+1)) >/dev/ttyS0; exec sleep 100\"; \
         echo SLEEP-END-$((40+3)) >/dev/ttyS0' &",
        Duration::from_secs(20),
    );
    // The marker comes from the process Ctrl-C must kill, once the trap is set: a
    // slow guest can take seconds to get there, and a Ctrl-C before it is lost.
    assert!(
        eventually(Duration::from_secs(60), || guest
            .serial_text()
            .contains("SLEEP-START-41")),
        "the sleep never started"
    );
    assert!(!guest.serial_text().contains("SLEEP-INT-42"));
    assert!(!guest.serial_text().contains("SLEEP-END-43"));
    let codes = KeyPreset::CtrlC.codes().expect("codes");
    let cmd = DeviceCmd::SendKey {
        req: 9,
        id: id.clone(),
        codes,
        hold_ms: 0,
    };
    assert_eq!(done(&mut p, cmd, 9), Ok(()));
    assert!(
        eventually(Duration::from_secs(30), || guest
            .serial_text()
            .contains("SLEEP-INT-42")),
        "Ctrl-C did not interrupt the sleep"
    );
    // The trap ran, then the script went on: the sleep ended ~95 s early.
    assert!(
        eventually(Duration::from_secs(30), || guest
            .serial_text()
            .contains("SLEEP-END-43")),
        "the script did not go on after the interrupted sleep"
    );

    // Alt-SysRq-h prints the kernel's SysRq help on the serial console.
    livenet::guest_run(
        &guest,
        "echo 1 >/proc/sys/kernel/sysrq",
        Duration::from_secs(20),
    );
    let codes = KeyPreset::SysRq('h').codes().expect("codes");
    let cmd = DeviceCmd::SendKey {
        req: 10,
        id: id.clone(),
        codes,
        hold_ms: 0,
    };
    assert_eq!(done(&mut p, cmd, 10), Ok(()));
    assert!(
        eventually(Duration::from_secs(30), || guest
            .serial_text()
            .to_lowercase()
            .contains("sysrq: help")),
        "no SysRq help on the console"
    );

    // setmem lowers the balloon; dommemstat's actual follows. Above the maximum: typed error.
    let cmd = DeviceCmd::SetMemory {
        req: 11,
        id: id.clone(),
        kib: 200 * 1024,
        maximum: false,
        affect: Affect::Auto,
    };
    assert_eq!(done(&mut p, cmd, 11), Ok(()));
    let actual = || {
        rig::virsh(&["dommemstat", &guest.name])
            .lines()
            .find_map(|l| l.strip_prefix("actual "))
            .and_then(|v| v.trim().parse::<u64>().ok())
    };
    assert!(
        eventually(Duration::from_secs(30), || actual() == Some(200 * 1024)),
        "dommemstat actual is {:?}",
        actual()
    );
    // The event may already have come while waiting for other replies.
    let is_balloon = |ev: &BackendEvent| matches!(ev, BackendEvent::DomainEvent(_, r) if r.id == id && r.detail.kind() == "balloon-change");
    let seen = p.seen.iter().any(is_balloon)
        || p.wait(Duration::from_secs(30), |ev| is_balloon(ev).then_some(()))
            .is_some();
    assert!(seen, "no balloon-change event");
    let cmd = DeviceCmd::SetMemory {
        req: 12,
        id: id.clone(),
        kib: 4 * 1024 * 1024,
        maximum: false,
        affect: Affect::Auto,
    };
    assert!(matches!(
        done(&mut p, cmd, 12),
        Err(DeviceError::AboveMaximum { max: 262144, .. })
    ));
    // A reset raises the reboot event.
    rig::virsh(&["reset", &guest.name]);
    let rebooted = p.wait(Duration::from_secs(20), |ev| match ev {
        BackendEvent::DomainEvent(_, r) if r.id == id && r.detail.kind() == "reboot" => Some(()),
        _ => None,
    });
    assert!(rebooted.is_some(), "no reboot event after virsh reset");
    let cmd = DeviceCmd::SetVcpus {
        req: 13,
        id: id.clone(),
        count: 2,
        maximum: false,
        affect: Affect::Auto,
    };
    assert!(matches!(
        done(&mut p, cmd, 13),
        Err(DeviceError::AboveMaximum { max: 1, .. })
    ));
}
