//! The schema index built from libvirt's installed network.rng and storagepool.rng gives
//! the hints a network or pool definition needs, and flags names they do not know.

use std::sync::OnceLock;

use virtdeck::xml::schema::{ObjectKind, Resolved, SchemaIndex};
use virtdeck::xml::validate::unknown_names;

fn network() -> &'static SchemaIndex {
    static S: OnceLock<SchemaIndex> = OnceLock::new();
    S.get_or_init(|| SchemaIndex::load_kind(ObjectKind::Network).expect("network.rng installed"))
}

fn pool() -> &'static SchemaIndex {
    static S: OnceLock<SchemaIndex> = OnceLock::new();
    S.get_or_init(|| SchemaIndex::load_kind(ObjectKind::Pool).expect("storagepool.rng installed"))
}

fn has(list: &[String], want: &[&str]) {
    for w in want {
        assert!(list.iter().any(|x| x == w), "{w} missing from {list:?}");
    }
}

#[test]
fn each_kind_reads_its_own_schema_files() {
    let files = |s: &SchemaIndex| -> Vec<String> {
        s.files.iter().map(|p| p.display().to_string()).collect()
    };
    let n = files(network());
    assert_eq!(n[0], "/usr/share/libvirt/schemas/network.rng");
    assert!(n.iter().any(|f| f.ends_with("networkcommon.rng")), "{n:?}");
    let p = files(pool());
    assert_eq!(p[0], "/usr/share/libvirt/schemas/storagepool.rng");
    assert!(p.iter().any(|f| f.ends_with("storagecommon.rng")), "{p:?}");
    // The roots: a network document is <network>, a pool document <pool>, not <domain>.
    assert_eq!(network().children::<&str>(&[]), vec!["network".to_string()]);
    assert_eq!(pool().children::<&str>(&[]), vec!["pool".to_string()]);
    assert!(matches!(
        network().resolve(&["domain"]),
        Resolved::Unknown { depth: 0 }
    ));
}

#[test]
fn network_paths() {
    let s = network();
    has(
        &s.children(&["network"]),
        &[
            "name", "uuid", "bridge", "forward", "ip", "dns", "domain", "mac",
        ],
    );
    has(
        &s.attr_values(&["network", "forward"], "mode"),
        &["nat", "route", "open", "bridge", "passthrough", "hostdev"],
    );
    has(
        &s.attributes(&["network", "bridge"]),
        &["name", "stp", "delay"],
    );
    has(
        &s.attributes(&["network", "ip"]),
        &["address", "netmask", "prefix", "family"],
    );
    has(&s.children(&["network", "ip", "dhcp"]), &["range", "host"]);
    has(
        &s.attributes(&["network", "ip", "dhcp", "range"]),
        &["start", "end"],
    );
    has(
        &s.children(&["network", "forward"]),
        &["nat", "interface", "pf"],
    );
    has(
        &s.attr_values(&["network", "bridge"], "stp"),
        &["on", "off"],
    );
    assert!(
        s.is_empty_element(&["network", "ip", "dhcp", "range"]) || {
            // A range may hold a <lease> in newer schemas.
            s.children(&["network", "ip", "dhcp", "range"]) == vec!["lease".to_string()]
        }
    );
}

#[test]
fn pool_paths() {
    let s = pool();
    has(
        &s.attr_values(&["pool"], "type"),
        &[
            "dir", "fs", "netfs", "logical", "disk", "iscsi", "rbd", "zfs",
        ],
    );
    has(
        &s.children(&["pool"]),
        &[
            "name",
            "uuid",
            "capacity",
            "allocation",
            "available",
            "source",
            "target",
        ],
    );
    has(&s.children(&["pool", "target"]), &["path", "permissions"]);
    has(
        &s.children(&["pool", "target", "permissions"]),
        &["mode", "owner", "group", "label"],
    );
    has(
        &s.children(&["pool", "source"]),
        &["device", "dir", "host", "format", "name", "auth"],
    );
    has(
        &s.attr_values(&["pool", "source", "format"], "type"),
        &["auto", "ext4", "xfs", "nfs", "lvm2", "gpt"],
    );
    has(
        &s.attributes(&["pool", "source", "host"]),
        &["name", "port"],
    );
}

#[test]
fn names_another_kind_uses_are_flagged_in_networks_and_pools() {
    let net = "<network>\n  <name>n</name>\n  <vcpu>1</vcpu>\n  <bridge name='b' colour='red'/>\n</network>";
    let issues = unknown_names(network(), net, 10);
    let msgs: Vec<&str> = issues.iter().map(|i| i.message.as_str()).collect();
    assert!(
        issues
            .iter()
            .any(|i| i.line == 3 && i.message.contains("vcpu")),
        "{msgs:?}"
    );
    assert!(
        issues
            .iter()
            .any(|i| i.line == 4 && i.message.contains("colour")),
        "{msgs:?}"
    );
    assert_eq!(issues.len(), 2, "{msgs:?}");
    let good = "<pool type='dir'><name>p</name><target><path>/x</path>\
                <permissions><mode>0755</mode></permissions></target></pool>";
    assert!(unknown_names(pool(), good, 10).is_empty());
    let bad = "<pool type='dir'><name>p</name><memory>1</memory></pool>";
    let issues = unknown_names(pool(), bad, 10);
    assert!(
        issues.len() == 1 && issues[0].message.contains("memory"),
        "{:?}",
        issues.iter().map(|i| &i.message).collect::<Vec<_>>()
    );
}
