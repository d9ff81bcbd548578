//! The schema index built from libvirt's installed RelaxNG files gives the hints users need.

use std::sync::OnceLock;

use virtdeck::xml::schema::{Resolved, SchemaIndex};
use virtdeck::xml::validate::unknown_names;

fn schema() -> &'static SchemaIndex {
    static S: OnceLock<SchemaIndex> = OnceLock::new();
    S.get_or_init(|| SchemaIndex::load_default().expect("libvirt's domain.rng is installed"))
}

fn has(list: &[String], want: &[&str]) {
    for w in want {
        assert!(list.iter().any(|x| x == w), "{w} missing from {list:?}");
    }
}

#[test]
fn built_from_the_installed_files_including_what_domain_rng_includes() {
    let s = schema();
    let names: Vec<String> = s.files.iter().map(|p| p.display().to_string()).collect();
    has(&names, &["/usr/share/libvirt/schemas/domain.rng"]);
    assert!(
        names.iter().any(|n| n.ends_with("domaincommon.rng")),
        "{names:?}"
    );
    assert!(
        names.iter().any(|n| n.ends_with("basictypes.rng")),
        "{names:?}"
    );
    assert!(s.len() > 500, "only {} element definitions", s.len());
}

#[test]
fn disk_device_and_type_values() {
    let p = ["domain", "devices", "disk"];
    has(
        &schema().attr_values(&p, "device"),
        &["floppy", "disk", "cdrom", "lun"],
    );
    has(
        &schema().attr_values(&p, "type"),
        &["file", "block", "network", "volume"],
    );
    assert!(
        !schema()
            .attr_values(&p, "device")
            .iter()
            .any(|v| v == "bridge")
    );
}

#[test]
fn interface_and_graphics_types() {
    has(
        &schema().attr_values(&["domain", "devices", "interface"], "type"),
        &["network", "bridge", "user", "ethernet", "direct"],
    );
    has(
        &schema().attr_values(&["domain", "devices", "graphics"], "type"),
        &["vnc", "spice", "sdl"],
    );
}

#[test]
fn driver_depends_on_its_parent() {
    let disk = ["domain", "devices", "disk", "driver"];
    has(
        &schema().attr_values(&disk, "cache"),
        &["none", "writeback", "writethrough", "unsafe"],
    );
    has(&schema().attributes(&disk), &["cache", "io", "discard"]);
    let nic = ["domain", "devices", "interface", "driver"];
    assert!(schema().attr_values(&nic, "cache").is_empty());
    has(&schema().attributes(&nic), &["queues"]);
}

#[test]
fn boot_dev_and_on_poweroff() {
    has(
        &schema().attr_values(&["domain", "os", "boot"], "dev"),
        &["hd", "cdrom", "network", "fd"],
    );
    has(
        &schema().text_values(&["domain", "on_poweroff"]),
        &["destroy", "restart", "preserve"],
    );
}

#[test]
fn children_of_devices_and_domain() {
    has(
        &schema().children(&["domain", "devices"]),
        &[
            "disk",
            "interface",
            "graphics",
            "serial",
            "console",
            "memballoon",
            "controller",
        ],
    );
    has(
        &schema().children(&["domain"]),
        &["name", "memory", "devices", "os", "on_poweroff"],
    );
    has(&schema().children::<&str>(&[]), &["domain"]);
    has(&schema().attributes(&["domain"]), &["type", "id"]);
}

#[test]
fn unknown_elements_and_attributes_are_flagged() {
    let s = schema();
    assert!(matches!(
        s.resolve(&["domain", "devices", "dsik"]),
        Resolved::Unknown { depth: 2 }
    ));
    assert!(matches!(
        s.resolve(&["domain", "metadata", "anything"]),
        Resolved::Any
    ));
    let xml = "<domain type='kvm'>\n  <name>x</name>\n  <metadata><my:x xmlns:my='urn:x' a='1'/></metadata>\n  <devices>\n    <dsik type='file'/>\n    <disk type='file' devise='disk'/>\n  </devices>\n</domain>\n";
    let issues = unknown_names(s, xml, 10);
    assert_eq!(issues.len(), 2, "{issues:?}");
    assert_eq!((issues[0].line, issues[0].col), (5, 5));
    assert!(
        issues[0].message.contains("unknown element <dsik>"),
        "{}",
        issues[0].message
    );
    assert!(
        issues[0].message.contains("did you mean disk"),
        "{}",
        issues[0].message
    );
    assert_eq!(issues[1].line, 6);
    assert!(
        issues[1].message.contains("unknown attribute devise"),
        "{}",
        issues[1].message
    );
}

#[test]
fn a_real_domain_has_no_unknown_names() {
    let xml = include_str!("../assets/demo-host.xml");
    let start = xml.find("<domain ").expect("a domain");
    let end = xml[start..].find("</domain>").expect("its end") + start + 9;
    let issues = unknown_names(schema(), &xml[start..end], 10);
    assert!(issues.is_empty(), "{issues:?}");
}

#[test]
fn missing_schema_files_give_a_clear_message() {
    let err = SchemaIndex::load(std::path::Path::new("/nonexistent/domain.rng"))
        .expect_err("no schema there");
    assert!(err.contains("schema hints unavailable"), "{err}");
    assert!(err.contains("/nonexistent/domain.rng"), "{err}");
}
