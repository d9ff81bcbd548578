//! The host and a domain's devices on the test driver through the backend API: node info,
//! PCI / USB node devices with IOMMU groups and users, device lists, fragments previewed
//! with free targets, refusals that change nothing, and resource limits.

mod common;

use common::probe::Probe;
use virtdeck::backend::HostId;
use virtdeck::backend::demo::{DEMO_HOST_XML, NodeFile};
use virtdeck::backend::devices::{
    Affect, DeviceCmd, DeviceError, DeviceEvent, DeviceOp, DeviceRef, DiskSpec, HostdevSpec,
    NicSource, NicSpec, OpOutcome,
};
use virtdeck::backend::node::{NodeCmd, NodeEvent};
use virtdeck::backend::{BackendEvent, Command, DomainId};

const WIN: &str = "7d06f264-ac8d-5039-93f9-cfa0e131a12f";
const WEB: &str = "51488bc1-94fd-519e-855d-21a125b2d992";

fn demo() -> (NodeFile, Probe) {
    let node = NodeFile::write(DEMO_HOST_XML).expect("node file");
    let p = Probe::start(&node.uri());
    (node, p)
}

fn node_ev(ev: &BackendEvent) -> Option<&NodeEvent> {
    match ev {
        BackendEvent::Node(_, n) => Some(n),
        _ => None,
    }
}

fn dev_ev(ev: &BackendEvent) -> Option<&DeviceEvent> {
    match ev {
        BackendEvent::Device(_, d) => Some(d),
        _ => None,
    }
}

fn run(p: &mut Probe, req: u64, id: &str, op: DeviceOp, affect: Affect, dry: bool) -> OpOutcome {
    let cmd = Command::Device(
        HostId::FIRST,
        DeviceCmd::Run {
            req,
            id: DomainId::new(HostId::FIRST, id),
            op,
            affect,
            dry_run: dry,
        },
    );
    p.ask(cmd, "run", |ev| match dev_ev(ev)? {
        DeviceEvent::Ran {
            req: r, outcome, ..
        } if *r == req => Some(outcome.clone()),
        _ => None,
    })
}

#[test]
fn node_info_matches_the_demo_host() {
    let (_node, mut p) = demo();
    let info = p.ask(
        Command::Node(HostId::FIRST, NodeCmd::Info { req: 1 }),
        "info",
        |ev| match node_ev(ev)? {
            NodeEvent::Info { req: 1, result } => Some(result.clone()),
            _ => None,
        },
    );
    let h = info.expect("host info");
    assert_eq!((h.cpus, h.sockets, h.cores, h.threads), (16, 1, 8, 2));
    assert_eq!(h.mhz, 2900);
    assert_eq!(h.memory_kib, 134_217_728);
    assert!(h.libvirt_version.split('.').count() == 3 && !h.libvirt_version.starts_with("0."));
    assert!(
        h.hypervisor.starts_with("TEST") || h.hypervisor.starts_with("Test"),
        "{}",
        h.hypervisor
    );
    assert!(!h.arch.is_empty());
    assert!(
        h.guests
            .iter()
            .any(|g| g.os_type == "hvm" && g.domain_types.contains(&"test".to_string()))
    );
}

#[test]
fn node_devices_show_iommu_groups_and_the_domain_using_them() {
    let (_node, mut p) = demo();
    let devs = p.ask(
        Command::Node(HostId::FIRST, NodeCmd::Devices { req: 1 }),
        "devices",
        |ev| match node_ev(ev)? {
            NodeEvent::Devices { req: 1, result } => Some(result.clone()),
            _ => None,
        },
    );
    let devs = devs.expect("node devices");
    let addrs: Vec<(&str, &str)> = devs
        .iter()
        .map(|d| (d.kind.as_str(), d.address.as_str()))
        .collect();
    assert_eq!(
        addrs,
        [
            ("pci", "0000:01:00.0"),
            ("pci", "0000:01:00.1"),
            ("pci", "0000:03:00.0"),
            ("usb", "0x046d:0xc52b"),
        ]
    );
    let gpu = &devs[0];
    assert_eq!(gpu.vendor.as_deref(), Some("NVIDIA Corporation"));
    assert_eq!(gpu.product.as_deref(), Some("TU117 [GeForce GTX 1650]"));
    assert_eq!(gpu.iommu_group, Some(13));
    let warn = gpu.group_warning().expect("shared group warns");
    assert!(
        warn.contains("0000:01:00.1") && warn.contains("whole group"),
        "{warn}"
    );
    assert_eq!(
        gpu.used_by,
        [(
            DomainId::new(HostId::FIRST, WIN),
            "win-dev-desktop".to_string()
        )]
    );
    let nic = &devs[2];
    assert_eq!(nic.group_warning(), None);
    assert!(nic.used_by.is_empty());
    assert_eq!(devs[3].usb_port.as_deref(), Some("1.4"));
    assert_eq!(devs[3].vendor_id, "0x046d");
}

#[test]
fn device_list_and_previews_of_hotplug_fragments() {
    let (_node, mut p) = demo();
    let cmd = Command::Device(
        HostId::FIRST,
        DeviceCmd::List {
            req: 1,
            id: DomainId::new(HostId::FIRST, WIN),
        },
    );
    let devs = p.ask(cmd, "list", |ev| match dev_ev(ev)? {
        DeviceEvent::Devices { req: 1, result, .. } => Some(result.clone()),
        _ => None,
    });
    let devs = devs.expect("devices");
    assert_eq!(devs.disks.len(), 2);
    assert_eq!(devs.disks[1].device, "cdrom");
    assert_eq!(devs.disks[1].bus, "ide");
    assert!(devs.disks[1].readonly);
    assert!(
        devs.disks[1]
            .source
            .as_deref()
            .is_some_and(|s| s.ends_with(".iso"))
    );
    assert_eq!(devs.nics[0].mac.as_deref(), Some("52:54:00:1a:08:01"));
    assert_eq!(devs.nics[0].source.as_deref(), Some("default"));
    assert_eq!(devs.hostdevs.len(), 2);
    assert_eq!(devs.hostdevs[1].address, "0000:01:00.1");

    // win-dev-desktop is shut off: the default scope is the persistent definition.
    let spec = DiskSpec {
        bus: "sata".into(),
        ..DiskSpec::file("/var/lib/libvirt/images/extra.raw")
    };
    let out = run(
        &mut p,
        2,
        WIN,
        DeviceOp::AttachDisk(spec),
        Affect::Auto,
        true,
    );
    assert_eq!(out.result, Ok(()));
    assert_eq!(out.affect, Affect::Config);
    assert!(
        out.xml.contains("<target dev='sda' bus='sata'/>"),
        "{}",
        out.xml
    );
    assert!(out.xml.contains("type='raw'"));
    // A live change of a shut-off domain is refused before anything is sent.
    let nic = NicSpec {
        source: NicSource::Bridge("br0".into()),
        model: None,
        mac: None,
    };
    let out = run(
        &mut p,
        3,
        WIN,
        DeviceOp::AttachNic(nic.clone()),
        Affect::Live,
        true,
    );
    assert_eq!(out.result, Err(DeviceError::NotRunning));
    // Running web-01: live + persistent; the test driver cannot hot-plug, and says so.
    let out = run(
        &mut p,
        4,
        WEB,
        DeviceOp::AttachNic(nic),
        Affect::Auto,
        false,
    );
    assert_eq!(out.affect, Affect::Both);
    assert!(out.xml.contains("<source bridge='br0'/>"));
    assert!(
        matches!(&out.result, Err(DeviceError::Libvirt(m)) if m.contains("not supported")),
        "{:?}",
        out.result
    );
    // Detach previews the device as the domain has it; eject an ISO; link down.
    let out = run(
        &mut p,
        5,
        WIN,
        DeviceOp::Detach(DeviceRef::Hostdev("0000:01:00.1".into())),
        Affect::Auto,
        true,
    );
    assert!(out.xml.contains("function='0x1'"), "{}", out.xml);
    let eject = DeviceOp::ChangeMedia {
        target: "hdc".into(),
        media: None,
    };
    let out = run(&mut p, 6, WIN, eject, Affect::Auto, true);
    assert!(
        out.xml.contains("device='cdrom'") && !out.xml.contains("<source"),
        "{}",
        out.xml
    );
    let link = DeviceOp::SetLink {
        mac: "52:54:00:1A:08:01".into(),
        up: false,
    };
    let out = run(&mut p, 7, WIN, link, Affect::Auto, true);
    assert!(out.xml.contains("<link state='down'/>"), "{}", out.xml);
    let missing = run(
        &mut p,
        8,
        WIN,
        DeviceOp::Detach(DeviceRef::Disk("vdz".into())),
        Affect::Auto,
        true,
    );
    assert_eq!(
        missing.result,
        Err(DeviceError::NoDevice("disk vdz".into()))
    );
    let bad = HostdevSpec::Pci {
        address: "zz:01".into(),
    };
    let out = run(
        &mut p,
        9,
        WIN,
        DeviceOp::AttachHostdev(bad),
        Affect::Auto,
        true,
    );
    assert!(matches!(out.result, Err(DeviceError::Invalid(_))));
}

#[test]
fn limits_and_typed_refusals_for_memory_and_vcpus() {
    let (_node, mut p) = demo();
    let id = DomainId::new(HostId::FIRST, WEB);
    let limits = p.ask(
        Command::Device(
            HostId::FIRST,
            DeviceCmd::Limits {
                req: 1,
                id: id.clone(),
            },
        ),
        "limits",
        |ev| match dev_ev(ev)? {
            DeviceEvent::Limits { req: 1, result, .. } => Some(result.clone()),
            _ => None,
        },
    );
    let l = limits.expect("limits");
    assert!(l.active && l.persistent);
    assert_eq!(l.max_memory_kib, 4 * 1024 * 1024);
    assert_eq!(l.vcpus, 2);
    assert!(l.host_max_vcpus.is_some_and(|m| m >= l.max_vcpus));
    let ask = |p: &mut Probe, req: u64, cmd: DeviceCmd| {
        p.ask(
            Command::Device(HostId::FIRST, cmd),
            "set",
            |ev| match dev_ev(ev)? {
                DeviceEvent::Done { req: r, result, .. } if *r == req => Some(result.clone()),
                _ => None,
            },
        )
    };
    let too_much = DeviceCmd::SetMemory {
        req: 2,
        id: id.clone(),
        kib: 8 * 1024 * 1024,
        maximum: false,
        affect: Affect::Auto,
    };
    assert_eq!(
        ask(&mut p, 2, too_much),
        Err(DeviceError::AboveMaximum {
            what: "memory (KiB)",
            asked: 8 * 1024 * 1024,
            max: 4 * 1024 * 1024
        })
    );
    let gone = DeviceCmd::SetVcpus {
        req: 3,
        id: DomainId::new(HostId::FIRST, "00000000-0000-0000-0000-000000000000"),
        count: 1,
        maximum: false,
        affect: Affect::Auto,
    };
    assert_eq!(ask(&mut p, 3, gone), Err(DeviceError::NoDomain));
    let zero = DeviceCmd::SetVcpus {
        req: 4,
        id: id.clone(),
        count: 0,
        maximum: false,
        affect: Affect::Auto,
    };
    assert!(matches!(ask(&mut p, 4, zero), Err(DeviceError::Invalid(_))));
}
