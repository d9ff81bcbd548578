//! Fragment builders and device parsing checked against what libvirt / virsh expect.

use super::fragment::*;
use super::parse::{self, DiskInfo};
use crate::backend::xmltree;

fn disk(target: &str) -> DiskInfo {
    DiskInfo {
        target: target.into(),
        ..DiskInfo::default()
    }
}

#[test]
fn free_target_skips_used_names_per_bus() {
    let used = [disk("vda"), disk("vdb"), disk("sda"), disk("hdc")];
    assert_eq!(free_target("virtio", &used), "vdc");
    assert_eq!(free_target("sata", &used), "sdb");
    assert_eq!(free_target("scsi", &used), "sdb");
    assert_eq!(free_target("ide", &used), "hda");
    let many: Vec<DiskInfo> = (0..26)
        .map(|i| disk(&format!("vd{}", (b'a' + i) as char)))
        .collect();
    assert_eq!(free_target("virtio", &many), "vdaa");
}

#[test]
fn disk_fragment_for_file_block_and_volume() {
    let x = disk_xml(&DiskSpec::file("/img/a b.qcow2"), &[disk("vda")]).expect("xml");
    assert!(x.contains("<disk type='file' device='disk'>"), "{x}");
    assert!(x.contains("<driver name='qemu' type='qcow2'/>"));
    assert!(x.contains("<source file='/img/a b.qcow2'/>"));
    assert!(x.contains("<target dev='vdb' bus='virtio'/>"));
    assert!(xmltree::parse(&x).is_ok(), "not well-formed: {x}");

    let blk = DiskSpec {
        source: DiskSource::Path("/dev/sdz".into()),
        ..DiskSpec::file("")
    };
    let x = disk_xml(&blk, &[]).expect("xml");
    assert!(
        x.contains("type='block'") && x.contains("<source dev='/dev/sdz'/>"),
        "{x}"
    );

    let vol = DiskSpec {
        source: DiskSource::Volume {
            pool: "default".into(),
            volume: "d'ata.raw".into(),
        },
        device: "cdrom".into(),
        bus: "sata".into(),
        target: Some("sdc".into()),
        format: None,
        readonly: false,
    };
    let x = disk_xml(&vol, &[]).expect("xml");
    assert!(
        x.contains("<source pool='default' volume='d&apos;ata.raw'/>"),
        "{x}"
    );
    assert!(x.contains("<target dev='sdc' bus='sata'/>") && x.contains("<readonly/>"));
    assert!(xmltree::parse(&x).is_ok());
}

#[test]
fn disk_fragment_refusals() {
    let taken = DiskSpec {
        target: Some("vda".into()),
        ..DiskSpec::file("/img/x.raw")
    };
    assert!(
        disk_xml(&taken, &[disk("vda")])
            .unwrap_err()
            .contains("already used")
    );
    assert!(disk_xml(&DiskSpec::file("  "), &[]).is_err());
}

#[test]
fn nic_fragments() {
    let net = NicSpec {
        source: NicSource::Network("default".into()),
        model: None,
        mac: Some("52:54:00:00:00:01".into()),
    };
    let x = nic_xml(&net).expect("xml");
    assert_eq!(
        x,
        "<interface type='network'>\n  <mac address='52:54:00:00:00:01'/>\n  \
         <source network='default'/>\n  <model type='virtio'/>\n</interface>\n"
    );
    let direct = NicSpec {
        source: NicSource::Direct {
            dev: "eno1".into(),
            mode: "bridge".into(),
        },
        model: Some("e1000e".into()),
        mac: None,
    };
    let x = nic_xml(&direct).expect("xml");
    assert!(x.contains("<source dev='eno1' mode='bridge'/>") && x.contains("e1000e"));
    let none = NicSpec {
        source: NicSource::Bridge(String::new()),
        model: None,
        mac: None,
    };
    assert!(nic_xml(&none).is_err());
}

const DOMAIN: &str = "<domain type='kvm'><name>d</name><devices>\
    <disk type='file' device='cdrom'><driver name='qemu' type='raw'/>\
    <source file='/iso/old.iso'/><target dev='sda' bus='sata'/><readonly/>\
    <alias name='sata0-0-0'/></disk>\
    <disk type='volume' device='disk'><source pool='p' volume='v'/><target dev='vda' bus='virtio'/></disk>\
    <interface type='bridge'><mac address='52:54:00:aa:bb:cc'/><source bridge='br0'/>\
    <target dev='vnet3'/><model type='virtio'/><link state='down'/></interface>\
    <interface type='direct'><source dev='eno1' mode='vepa'/></interface>\
    <serial type='pty' tty='/dev/pts/4'><target type='isa-serial' port='0'/></serial>\
    <console type='pty' tty='/dev/pts/4'><target type='serial' port='0'/></console>\
    <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>\
    <graphics type='vnc' port='5901' autoport='yes' listen='127.0.0.1'/>\
    <hostdev mode='subsystem' type='usb' managed='yes'><source><vendor id='0x46d'/>\
    <product id='0xC52B'/></source></hostdev>\
    <controller type='usb' index='0' model='qemu-xhci'/>\
    </devices></domain>";

#[test]
fn parses_every_device_kind_like_virsh_lists_them() {
    let d = parse::parse(DOMAIN).expect("parse");
    assert_eq!(d.disks[0].source.as_deref(), Some("/iso/old.iso"));
    assert!(d.disks[0].readonly);
    assert_eq!(d.disks[1].source.as_deref(), Some("p/v"));
    assert_eq!(d.disks[1].kind, "volume");
    let nic = &d.nics[0];
    assert_eq!(
        (
            nic.kind.as_str(),
            nic.source.as_deref(),
            nic.target.as_deref()
        ),
        ("bridge", Some("br0"), Some("vnet3"))
    );
    assert!(!nic.link_up);
    assert!(d.nics[1].link_up);
    assert_eq!(d.nics[1].source.as_deref(), Some("eno1"));
    assert_eq!(d.chardevs.len(), 2);
    assert_eq!(d.chardevs[0].path.as_deref(), Some("/dev/pts/4"));
    assert!(d.has_agent_channel);
    assert_eq!(d.graphics[0].port.as_deref(), Some("5901"));
    assert_eq!(d.hostdevs[0].address, "0x046d:0xc52b");
    assert_eq!(d.controllers[0].model.as_deref(), Some("qemu-xhci"));
    assert!(parse::parse("<network/>").is_err());
    assert!(parse::parse("<domain><devices><disk>").is_err());
}

#[test]
fn media_and_link_fragments_keep_the_device_identity() {
    let root = xmltree::parse(DOMAIN).expect("parse");
    let devices = root.child("devices").expect("devices");
    let cdrom = devices.child("disk").expect("cdrom");
    let x = media_xml(cdrom, Some("/iso/new.iso")).expect("insert");
    let el = xmltree::parse(&x).expect("well-formed");
    assert_eq!(
        el.attr_at("source", "file").as_deref(),
        Some("/iso/new.iso")
    );
    assert_eq!(el.attr_at("target", "dev").as_deref(), Some("sda"));
    assert!(el.child("readonly").is_some() && el.child("alias").is_none());
    let src_at = el.children.iter().position(|c| c.name == "source");
    let tgt_at = el.children.iter().position(|c| c.name == "target");
    assert!(src_at < tgt_at, "source must precede target: {x}");
    let ej = xmltree::parse(&media_xml(cdrom, None).expect("eject")).expect("xml");
    assert!(ej.child("source").is_none());
    let hd = devices.children_named("disk").nth(1).expect("disk");
    assert!(media_xml(hd, None).is_err());

    let nic = devices.child("interface").expect("nic");
    let up = xmltree::parse(&link_xml(nic, true)).expect("xml");
    assert_eq!(up.attr_at("link", "state").as_deref(), Some("up"));
    assert_eq!(up.children_named("link").count(), 1);
    assert_eq!(
        up.attr_at("mac", "address").as_deref(),
        Some("52:54:00:aa:bb:cc")
    );
}

#[test]
fn hostdev_fragments() {
    let x = hostdev_xml(&HostdevSpec::Pci {
        address: "0000:01:00.1".into(),
    })
    .expect("pci");
    assert!(
        x.contains("<address domain='0x0000' bus='0x01' slot='0x00' function='0x1'/>"),
        "{x}"
    );
    let short = hostdev_xml(&HostdevSpec::Pci {
        address: "3:1f.2".into(),
    })
    .expect("bus:slot.fn");
    assert!(
        short.contains("bus='0x03' slot='0x1f' function='0x2'"),
        "{short}"
    );
    let usb = hostdev_xml(&HostdevSpec::Usb {
        vendor: "046d".into(),
        product: "0xc52b".into(),
    })
    .expect("usb");
    assert!(usb.contains("<vendor id='0x046d'/>") && usb.contains("<product id='0xc52b'/>"));
    for bad in ["", "0000:01:00", "gg:00.0", "1:2:3:4.0"] {
        assert!(
            hostdev_xml(&HostdevSpec::Pci {
                address: bad.into()
            })
            .is_err(),
            "{bad:?} accepted"
        );
    }
}

#[test]
fn affect_defaults_follow_the_domain_state() {
    use super::{Affect, DeviceError};
    assert_eq!(Affect::Auto.resolve(true, true), Ok(Affect::Both));
    assert_eq!(Affect::Auto.resolve(true, false), Ok(Affect::Live));
    assert_eq!(Affect::Auto.resolve(false, true), Ok(Affect::Config));
    assert_eq!(
        Affect::Live.resolve(false, true),
        Err(DeviceError::NotRunning)
    );
    assert_eq!(
        Affect::Config.resolve(true, false),
        Err(DeviceError::Transient)
    );
    assert_eq!(
        Affect::Both.resolve(true, false),
        Err(DeviceError::Transient)
    );
}
