//! The create wizard on libvirt's test driver: the XML it generates passes libvirt's
//! validation, the wizard defines a domain with a new volume, and a define libvirt rejects
//! (the name taken meanwhile) or a cancel leaves no new volume behind.

mod common;

use std::time::{Duration, Instant};

use common::testdrv;
use common::{Harness, Options};
use virt::connect::Connect;
use virt::sys;
use virtdeck::backend::create::{
    Boot, DiskSource, DiskSpec, DomainSpec, NicSource, NicSpec, spec::new_uuid,
};

const POOL: &str = "default-pool";

fn volumes(conn: &Connect) -> Vec<String> {
    let pool = conn
        .lookup_storage_pool_by_name(POOL)
        .expect("default-pool");
    let _ = pool.refresh(0);
    pool.list_volumes().expect("volumes")
}

fn spec(name: &str) -> DomainSpec {
    DomainSpec {
        name: name.into(),
        uuid: new_uuid(),
        domain_type: "test".into(),
        arch: "x86_64".into(),
        memory_mib: 256,
        vcpus: 1,
        os_id: Some("http://debian.org/debian/12".into()),
        boot: Boot::Devices(vec!["cdrom".into(), "hd".into()]),
        disks: vec![
            DiskSpec {
                source: DiskSource::Path("/default-pool/x.qcow2".into()),
                device: "disk".into(),
                bus: "virtio".into(),
                target: None,
                readonly: false,
                format: Some("qcow2".into()),
            },
            DiskSpec {
                source: DiskSource::Path("/srv/iso/debian.iso".into()),
                device: "cdrom".into(),
                bus: "sata".into(),
                target: None,
                readonly: false,
                format: Some("raw".into()),
            },
        ],
        nic: Some(NicSpec {
            source: NicSource::Network("default".into()),
            model: "virtio".into(),
        }),
        serial_console: true,
    }
}

#[test]
fn every_shape_of_generated_xml_passes_libvirts_validation() {
    let conn = testdrv::connect();
    let mut shapes = Vec::new();
    shapes.push(spec("wzv-iso"));
    let mut k = spec("wzv-kernel");
    k.boot = Boot::Kernel {
        kernel: "/boot/vmlinuz".into(),
        initrd: Some("/boot/initrd.img".into()),
        cmdline: "console=ttyS0 root=/dev/vda".into(),
    };
    k.disks.truncate(1);
    k.nic = Some(NicSpec {
        source: NicSource::Bridge("br0".into()),
        model: "e1000e".into(),
    });
    k.os_id = None;
    shapes.push(k);
    let mut v = spec("wzv-volume");
    v.disks = vec![DiskSpec {
        source: DiskSource::Volume {
            pool: POOL.into(),
            volume: "v.raw".into(),
        },
        device: "disk".into(),
        bus: "sata".into(),
        target: None,
        readonly: false,
        format: Some("raw".into()),
    }];
    v.nic = None;
    v.serial_console = false;
    v.boot = Boot::Devices(vec!["network".into(), "hd".into()]);
    shapes.push(v);
    let mut ide = spec("wzv-ide");
    ide.disks[0].bus = "ide".into();
    ide.disks[1].bus = "ide".into();
    shapes.push(ide);
    for s in shapes {
        let xml = s.to_xml();
        let dom = conn
            .define_domain_xml_flags(&xml, sys::VIR_DOMAIN_DEFINE_VALIDATE)
            .unwrap_or_else(|e| panic!("libvirt refused {}: {e}\n{xml}", s.name));
        let back = dom.xml_desc(0).expect("xml");
        assert!(back.contains(&s.uuid), "{back}");
        dom.undefine().expect("undefine");
    }
}

/// Pumps until the screen shows `what` (the wizard reads pools and volumes first).
fn wait_screen(h: &mut Harness, what: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        h.pump();
        if h.screen_text().contains(what) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

/// Walks the wizard to the XML editor: kernel boot, a new 64 MiB qcow2 volume in
/// default-pool, the test driver's `default` network.
fn walk_to_editor(h: &mut Harness, name: &str) {
    h.press("A");
    assert!(wait_screen(h, "1/6 name and OS"), "{}", h.screen_text());
    h.press(name);
    h.press("<Enter>");
    assert!(wait_screen(h, "2/6 install source"), "{}", h.screen_text());
    // ISO volume → ISO path → import volume → import path → kernel.
    h.press("<Right><Right><Right><Right>");
    assert!(
        h.screen_text().contains("kernel + initrd"),
        "{}",
        h.screen_text()
    );
    h.press("<Down>/boot/vmlinuz<Down>/boot/initrd.img<Enter>");
    assert!(wait_screen(h, "3/6 memory and CPUs"), "{}", h.screen_text());
    h.press("<Enter>");
    assert!(wait_screen(h, "4/6 disk"), "{}", h.screen_text());
    assert!(
        wait_screen(h, POOL),
        "the pool is offered: {}",
        h.screen_text()
    );
    // disk kind, pool, volume name, size.
    h.press("<Down><Down><Down><Ctrl-u>64M<Enter>");
    assert!(wait_screen(h, "5/6 network"), "{}", h.screen_text());
    assert!(wait_screen(h, "‹ default ›"), "{}", h.screen_text());
    h.press("<Enter>");
    assert!(wait_screen(h, "6/6 console"), "{}", h.screen_text());
    h.press("<Enter>");
    assert!(
        h.app.xml.is_some(),
        "the editor opened: {}",
        h.screen_text()
    );
}

#[test]
fn the_wizard_defines_a_domain_with_a_new_volume_and_starts_it() {
    let conn = testdrv::connect();
    let name = "wz-created";
    testdrv::remove(&conn, name);
    let mut h = Harness::start(Options::new(testdrv::URI));
    walk_to_editor(&mut h, name);
    let ed = h.app.xml.as_ref().expect("editor");
    let xml = ed.buf.text();
    assert!(xml.contains(&format!("<name>{name}</name>")), "{xml}");
    assert!(xml.contains("<kernel>/boot/vmlinuz</kernel>"), "{xml}");
    assert!(ed.issues.is_empty(), "schema issues: {:?}", ed.issues);
    assert!(
        !volumes(&conn).contains(&format!("{name}.qcow2")),
        "nothing is created before Ctrl-S"
    );
    h.press("<Ctrl-s>y");
    assert!(
        wait_screen(&mut h, "is defined."),
        "the start question: {}",
        h.screen_text()
    );
    assert!(h.app.xml.is_none(), "the editor closed");
    assert!(volumes(&conn).contains(&format!("{name}.qcow2")));
    let dom = conn.lookup_domain_by_name(name).expect("defined");
    let defined = dom.xml_desc(0).expect("xml");
    assert!(
        defined.contains(&format!("/default-pool/{name}.qcow2")),
        "{defined}"
    );
    h.press("s");
    assert!(
        testdrv::wait_state(&conn, name, "running", Duration::from_secs(10)),
        "start now started it"
    );
    testdrv::remove(&conn, name);
    if let Ok(p) = conn.lookup_storage_pool_by_name(POOL)
        && let Ok(v) = p.lookup_storage_vol_by_name(&format!("{name}.qcow2"))
    {
        let _ = v.delete(0);
    }
}

#[test]
fn a_define_libvirt_rejects_leaves_no_new_volume_behind() {
    let conn = testdrv::connect();
    let name = "wz-taken";
    testdrv::remove(&conn, name);
    let mut h = Harness::start(Options::new(testdrv::URI));
    walk_to_editor(&mut h, name);
    // Another client takes the name while the XML is on screen.
    testdrv::define(&conn, name);
    h.press("<Ctrl-s>y");
    let deadline = Instant::now() + Duration::from_secs(10);
    while h
        .app
        .xml
        .as_ref()
        .is_some_and(|ed| ed.libvirt_error.is_none())
        && Instant::now() < deadline
    {
        h.pump();
        std::thread::sleep(Duration::from_millis(10));
    }
    let err = h
        .app
        .xml
        .as_ref()
        .and_then(|ed| ed.libvirt_error.clone())
        .expect("the editor shows why");
    assert!(err.contains("already exists"), "{err}");
    assert!(
        !volumes(&conn).contains(&format!("{name}.qcow2")),
        "no volume left: {:?} ({err})",
        volumes(&conn)
    );
    // Esc goes back to the wizard's last page; Ctrl-x cancels it.
    h.press("<Esc>");
    assert!(wait_screen(&mut h, "6/6 console"), "{}", h.screen_text());
    h.press("<Ctrl-x>");
    assert!(
        wait_screen(&mut h, "nothing was created"),
        "{}",
        h.screen_text()
    );
    testdrv::remove(&conn, name);
}

#[test]
fn a_define_that_fails_after_the_volume_was_made_removes_it_and_says_so() {
    let conn = testdrv::connect();
    let name = "wz-bad";
    testdrv::remove(&conn, name);
    let mut h = Harness::start(Options::new(testdrv::URI));
    walk_to_editor(&mut h, name);
    // Break the XML in a way only libvirt's validation catches.
    let ed = h.app.xml.as_mut().expect("editor");
    let text = ed.buf.text().replace("<vcpu>1</vcpu>", "<vcpu>many</vcpu>");
    ed.buf.set_text(&text);
    h.press("<Ctrl-s>y");
    let deadline = Instant::now() + Duration::from_secs(10);
    while h
        .app
        .xml
        .as_ref()
        .is_some_and(|ed| ed.libvirt_error.is_none())
        && Instant::now() < deadline
    {
        h.pump();
        std::thread::sleep(Duration::from_millis(10));
    }
    let err = h
        .app
        .xml
        .as_ref()
        .and_then(|ed| ed.libvirt_error.clone())
        .expect("the editor shows why");
    assert!(
        err.contains(&format!("removed the new volume {POOL}/{name}.qcow2")),
        "{err}"
    );
    assert!(!volumes(&conn).contains(&format!("{name}.qcow2")));
    assert!(conn.lookup_domain_by_name(name).is_err());
}

#[test]
fn the_os_list_comes_from_osinfo_query_when_libosinfo_is_installed() {
    use virtdeck::backend::create::osinfo;
    let installed = std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("osinfo-query").is_file()));
    match (installed, osinfo::query()) {
        (true, Ok(list)) => {
            // debian11: in every osinfo-db since 2021 (bookworm's 2022 one has no debian12).
            let debian = list
                .iter()
                .find(|o| o.short_id == "debian11")
                .unwrap_or_else(|| panic!("no debian11 among {} variants", list.len()));
            assert_eq!(debian.family, "linux");
            assert_eq!(debian.id, "http://debian.org/debian/11");
            let win = list.iter().find(|o| o.short_id == "win10").expect("win10");
            assert_eq!(osinfo::defaults(Some(win)).nic_model, "e1000e");
            assert_eq!(osinfo::defaults(Some(debian)).disk_bus, "virtio");
        }
        (false, Err(why)) => assert!(why.contains("not installed"), "{why}"),
        (installed, result) => panic!(
            "osinfo-query installed: {installed}, query: {:?}",
            result.map(|l| l.len())
        ),
    }
}
