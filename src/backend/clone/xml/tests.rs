//! The clone's XML rewrite and its helpers, on a domain shaped like the rig guest plus the
//! disks and devices virt-clone treats specially.

use super::*;
use crate::backend::xmltree::parse;

const ORIG: &str = r#"<domain type='kvm'>
  <name>web-01</name>
  <uuid>11111111-2222-4333-8444-555555555555</uuid>
  <title>Web server</title>
  <memory unit='KiB'>262144</memory>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.fd</loader>
    <nvram template='/usr/share/OVMF/OVMF_VARS.fd'>/var/lib/libvirt/qemu/nvram/web-01_VARS.fd</nvram>
  </os>
  <sysinfo type='smbios'>
    <system>
      <entry name='manufacturer'>ACME</entry>
      <entry name='uuid'>11111111-2222-4333-8444-555555555555</entry>
    </system>
  </sysinfo>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/var/lib/libvirt/images/web-01.qcow2'/>
      <backingStore type='file'><format type='raw'/><source file='/img/base.raw'/></backingStore>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='volume' device='disk'>
      <driver name='qemu' type='raw'/>
      <source pool='data' volume='web-data.raw'/>
      <target dev='vdb' bus='virtio'/>
    </disk>
    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <source file='/iso/debian.iso'/>
      <target dev='sda' bus='sata'/>
      <readonly/>
    </disk>
    <disk type='block' device='disk'>
      <source dev='/dev/vg/shared'/>
      <target dev='vdc' bus='virtio'/>
      <shareable/>
    </disk>
    <disk type='file' device='disk'>
      <source file='/var/lib/libvirt/images/scratch.img'/>
      <target dev='vdd' bus='virtio'/>
    </disk>
    <interface type='network'>
      <mac address='52:54:00:aa:bb:cc'/>
      <source network='default'/>
    </interface>
    <interface type='ethernet'>
      <model type='virtio'/>
    </interface>
    <serial type='pty'>
      <log file='/var/log/libvirt/qemu/web-01-serial.log' append='off'/>
      <target port='0'/>
    </serial>
  </devices>
</domain>"#;

fn orig() -> Element {
    parse(ORIG).expect("parses")
}

fn disk<'a>(d: &'a [SourceDisk], target: &str) -> &'a SourceDisk {
    d.iter().find(|x| x.target == target).expect("disk")
}

#[test]
fn writable_disks_are_copied_read_only_and_shareable_ones_shared() {
    let disks = source_disks(&orig());
    assert_eq!(disks.len(), 5);
    let vda = disk(&disks, "vda");
    assert_eq!(
        vda.path.as_deref(),
        Some("/var/lib/libvirt/images/web-01.qcow2")
    );
    assert_eq!(vda.format.as_deref(), Some("qcow2"));
    assert_eq!(vda.default_mode(), DiskMode::Copy);
    let vdb = disk(&disks, "vdb");
    assert_eq!(
        vdb.pool_volume,
        Some(("data".to_string(), "web-data.raw".to_string()))
    );
    assert_eq!(vdb.default_mode(), DiskMode::Copy);
    let cd = disk(&disks, "sda");
    assert!(cd.readonly);
    assert_eq!(cd.default_mode(), DiskMode::Share);
    assert_eq!(cd.modes(), &[DiskMode::Share, DiskMode::Leave]);
    let shared = disk(&disks, "vdc");
    assert!(shared.shareable);
    assert_eq!(shared.default_mode(), DiskMode::Share);
    assert!(disk(&disks, "vdd").modes().contains(&DiskMode::Link));
}

fn rewritten() -> Element {
    rewrite(
        &orig(),
        &Rewrite {
            old_name: "web-01".into(),
            new_name: "web-02".into(),
            macs: vec!["52:54:00:01:02:03".into(), "52:54:00:04:05:06".into()],
            disks: vec![
                (
                    "vda".into(),
                    DiskEdit::File {
                        path: "/pool/web-02.qcow2".into(),
                        format: "qcow2".into(),
                    },
                ),
                (
                    "vdb".into(),
                    DiskEdit::File {
                        path: "/pool/web-02-vdb.raw".into(),
                        format: "raw".into(),
                    },
                ),
                ("vdd".into(), DiskEdit::Drop),
            ],
        },
    )
}

#[test]
fn the_clone_gets_its_name_no_uuid_and_new_macs() {
    let c = rewritten();
    assert_eq!(c.child_text("name"), Some("web-02"));
    assert!(c.child("uuid").is_none(), "libvirt must make a new UUID");
    assert_eq!(c.child_text("title"), Some("Web server"));
    assert_eq!(
        macs_of(&c),
        vec!["52:54:00:01:02:03".to_string(), "52:54:00:04:05:06".into()]
    );
    // The interface without a <mac> got one, first among its children.
    let eth = c
        .child("devices")
        .and_then(|d| d.children_named("interface").nth(1))
        .expect("second interface");
    assert_eq!(eth.children[0].name, "mac");
}

#[test]
fn copied_disks_point_at_their_copies_and_shared_ones_stay() {
    let c = rewritten();
    let disks = source_disks(&c);
    let vda = disk(&disks, "vda");
    assert_eq!(vda.path.as_deref(), Some("/pool/web-02.qcow2"));
    assert_eq!(vda.kind, "file");
    // The original's backing chain belongs to the original image, not the copy.
    let xml = c.to_xml();
    assert!(!xml.contains("backingStore"), "{xml}");
    let vdb = disk(&disks, "vdb");
    assert_eq!(
        (
            vdb.kind.as_str(),
            vdb.path.as_deref(),
            vdb.pool_volume.as_ref()
        ),
        ("file", Some("/pool/web-02-vdb.raw"), None)
    );
    assert_eq!(disk(&disks, "sda").path.as_deref(), Some("/iso/debian.iso"));
    assert_eq!(disk(&disks, "vdc").path.as_deref(), Some("/dev/vg/shared"));
    assert!(disks.iter().all(|d| d.target != "vdd"), "left out");
}

#[test]
fn the_originals_identity_files_are_not_shared() {
    let c = rewritten();
    let xml = c.to_xml();
    assert!(
        xml.contains("/var/log/libvirt/qemu/web-02-serial.log"),
        "{xml}"
    );
    assert!(!xml.contains("web-01_VARS.fd"), "{xml}");
    assert!(
        xml.contains("template='/usr/share/OVMF/OVMF_VARS.fd'"),
        "{xml}"
    );
    assert!(!xml.contains("11111111-2222"), "{xml}");
    assert!(xml.contains("ACME"));
    // And what comes out parses again.
    assert_eq!(parse(&xml).expect("reparses"), c);
}

#[test]
fn new_macs_avoid_the_taken_ones() {
    let taken: HashSet<String> = ["52:54:00:00:00:01".to_string()].into();
    let mut seq = [1u64, 1, 2].into_iter();
    let mac = new_mac(&taken, || seq.next().unwrap_or(3));
    assert_eq!(mac, "52:54:00:00:00:02");
}

#[test]
fn volume_names_follow_the_new_domain_and_never_collide() {
    let none = HashSet::new();
    assert_eq!(
        volume_name("web-01.qcow2", "web-01", "web-02", "vda", None, &none),
        "web-02.qcow2"
    );
    assert_eq!(
        volume_name("scratch.img", "web-01", "web-02", "vdd", None, &none),
        "web-02-vdd.img"
    );
    assert_eq!(
        volume_name(
            "web-01.raw",
            "web-01",
            "web-02",
            "vda",
            Some("qcow2"),
            &none
        ),
        "web-02.qcow2"
    );
    let taken: HashSet<String> = ["web-02.qcow2".to_string(), "web-02-1.qcow2".into()].into();
    assert_eq!(
        volume_name("web-01.qcow2", "web-01", "web-02", "vda", None, &taken),
        "web-02-2.qcow2"
    );
    assert_eq!(
        renamed_path("/var/log/web-01/web-01.log", "web-01", "x"),
        Some("/var/log/web-01/x.log".into())
    );
}

#[test]
fn qcow2_headers_give_the_virtual_size() {
    let mut h = vec![0u8; 72];
    h[..4].copy_from_slice(b"QFI\xfb");
    h[24..32].copy_from_slice(&(64u64 << 20).to_be_bytes());
    assert_eq!(qcow2_virtual_size(&h), Some(64 << 20));
    assert_eq!(
        qcow2_virtual_size(b"not an image at all, no, not one"),
        None
    );
    assert!(!qcow2_has_backing(&h));
    h[15] = 0x30;
    assert!(qcow2_has_backing(&h));
    assert!(!qcow2_has_backing(b"QFI"));
}

#[test]
fn local_uris_are_told_from_remote_ones() {
    assert!(is_local_uri("qemu:///system"));
    assert!(is_local_uri("test:///default"));
    assert!(is_local_uri("qemu+unix:///system"));
    assert!(!is_local_uri("qemu+ssh://root@host/system"));
    assert!(!is_local_uri("qemu+tcp://host/system"));
    assert!(!is_local_uri("garbage"));
}

#[test]
fn bad_names_are_refused_before_libvirt() {
    assert!(invalid_domain_name("").is_some());
    assert!(invalid_domain_name("a/b").is_some());
    assert!(invalid_domain_name("a\x1b[2Jb").is_some());
    assert!(invalid_domain_name("web-02").is_none());
}
