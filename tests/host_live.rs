//! The rig's host through the backend API: node info agrees with virsh and the kernel,
//! free memory is known, QEMU is the hypervisor, PCI devices are listed from nodedev XML.

mod common;

use common::probe::Probe;
use common::rig::{self, Guest};
use virtdeck::backend::HostId;
use virtdeck::backend::node::{NodeCmd, NodeEvent};
use virtdeck::backend::{BackendEvent, Command};

#[test]
fn node_info_and_pci_devices_of_the_rig_host() {
    // Defining (not starting) a guest checks the rig is there, and makes a domain exist.
    let Some(_guest) = Guest::define("host") else {
        return;
    };
    let mut p = Probe::start(rig::URI);
    let info = p.ask(
        Command::Node(HostId::FIRST, NodeCmd::Info { req: 1 }),
        "info",
        |ev| match ev {
            BackendEvent::Node(_, n) => match n.as_ref() {
                NodeEvent::Info { req: 1, result } => Some(result.clone()),
                _ => None,
            },
            _ => None,
        },
    );
    let h = info.expect("host info");
    let nodeinfo = rig::virsh(&["nodeinfo"]);
    let field = |name: &str| {
        nodeinfo
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.split_whitespace().next().unwrap_or("").to_string())
            .unwrap_or_default()
    };
    assert_eq!(h.cpus.to_string(), field("CPU(s):"));
    assert_eq!(h.memory_kib.to_string(), field("Memory size:"));
    assert_eq!(h.sockets.to_string(), field("CPU socket(s):"));
    assert!(h.free_memory_bytes > 0 && h.free_memory_bytes < h.memory_kib * 1024);
    assert!(h.hypervisor.starts_with("QEMU "), "{}", h.hypervisor);
    assert_eq!(h.arch, std::env::consts::ARCH);
    assert!(
        h.guests
            .iter()
            .any(|g| g.arch == "x86_64" && g.domain_types.contains(&"qemu".to_string())),
        "{:?}",
        h.guests
    );

    let devs = p.ask(
        Command::Node(HostId::FIRST, NodeCmd::Devices { req: 2 }),
        "devices",
        |ev| match ev {
            BackendEvent::Node(_, n) => match n.as_ref() {
                NodeEvent::Devices { req: 2, result } => Some(result.clone()),
                _ => None,
            },
            _ => None,
        },
    );
    let devs = devs.expect("node devices");
    let virsh_pci = rig::virsh(&["nodedev-list", "--cap", "pci"]);
    let pci: Vec<_> = devs.iter().filter(|d| d.kind == "pci").collect();
    assert_eq!(
        pci.len(),
        virsh_pci.lines().filter(|l| !l.trim().is_empty()).count()
    );
    for d in &pci {
        assert!(
            virsh_pci.contains(&d.name),
            "{} not in virsh's list",
            d.name
        );
        assert_eq!(d.address.len(), "0000:00:00.0".len(), "{d:?}");
        assert!(d.vendor_id.starts_with("0x"), "{d:?}");
    }
}
