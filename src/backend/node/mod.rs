//! The host itself: node info, capabilities summary, and PCI / USB node devices with their
//! IOMMU groups and the domains using them.

mod info;
mod nodedev;

use super::model::{DomainId, HostId, RequestId};

pub use info::{read_host, summarize_caps};
pub use nodedev::{list_devices, parse_nodedev};

use virt::connect::Connect;

use super::message::BackendEvent;
use super::network::index::DomainIndex;
use super::worker::EventSink;

/// One guest kind the hypervisor offers (`<guest>` in the capabilities).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuestCaps {
    /// `hvm`, `xen`, `exe`.
    pub os_type: String,
    pub arch: String,
    /// `qemu`, `kvm`, `test`, ...
    pub domain_types: Vec<String>,
}

/// What the host view shows at the top (`virsh nodeinfo`, `version`, `capabilities`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostInfo {
    pub hostname: String,
    pub cpu_model: String,
    pub arch: String,
    pub cpus: u32,
    pub mhz: u32,
    pub numa_nodes: u32,
    pub sockets: u32,
    pub cores: u32,
    pub threads: u32,
    pub memory_kib: u64,
    /// `virNodeGetFreeMemory`, bytes.
    pub free_memory_bytes: u64,
    /// `major.minor.micro`.
    pub libvirt_version: String,
    /// e.g. `QEMU 7.2.0`, `Test 0.0.2`.
    pub hypervisor: String,
    pub guests: Vec<GuestCaps>,
}

/// A PCI or USB device of the host (`virsh nodedev-list --cap pci / usb_device`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeDeviceInfo {
    /// libvirt's name, `pci_0000_00_1f_2`.
    pub name: String,
    pub parent: Option<String>,
    /// `pci` or `usb`.
    pub kind: String,
    /// PCI: `0000:00:1f.2`; USB: `0x046d:0xc52b` (what a hostdev names).
    pub address: String,
    /// USB `bus.device`, for telling two identical devices apart.
    pub usb_port: Option<String>,
    pub vendor_id: String,
    pub vendor: Option<String>,
    pub product_id: String,
    pub product: Option<String>,
    pub driver: Option<String>,
    pub iommu_group: Option<u32>,
    /// PCI addresses in the same IOMMU group (this one included): all must go together.
    pub iommu_members: Vec<String>,
    /// Domains whose XML has this device as a `<hostdev>`.
    pub used_by: Vec<(DomainId, String)>,
}

impl NodeDeviceInfo {
    /// The "whole IOMMU group must go" warning, when other devices share the group.
    pub fn group_warning(&self) -> Option<String> {
        let others: Vec<&str> = self
            .iommu_members
            .iter()
            .filter(|m| **m != self.address)
            .map(String::as_str)
            .collect();
        if others.is_empty() {
            return None;
        }
        Some(format!(
            "IOMMU group {} also holds {}: the whole group must be passed through together",
            self.iommu_group.map(|g| g.to_string()).unwrap_or_default(),
            others.join(", ")
        ))
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum NodeCmd {
    Info { req: RequestId },
    Devices { req: RequestId },
}

#[derive(Clone, Debug, PartialEq)]
pub enum NodeEvent {
    Info {
        req: RequestId,
        result: Result<HostInfo, String>,
    },
    Devices {
        req: RequestId,
        result: Result<Vec<NodeDeviceInfo>, String>,
    },
}

pub(crate) fn handle(
    conn: Option<&Connect>,
    host: HostId,
    _readonly: bool,
    sink: &EventSink,
    index: &mut DomainIndex,
    cmd: NodeCmd,
) {
    let not_connected = || "not connected (reconnecting)".to_string();
    let ev = match cmd {
        NodeCmd::Info { req } => NodeEvent::Info {
            req,
            result: conn.ok_or_else(not_connected).and_then(read_host),
        },
        NodeCmd::Devices { req } => NodeEvent::Devices {
            req,
            result: conn
                .ok_or_else(not_connected)
                .and_then(|c| list_devices(c, index)),
        },
    };
    sink(BackendEvent::Node(host, Box::new(ev)));
}
