//! PCI and USB node devices from their XML, with IOMMU groups and users.

use virt::connect::Connect;
use virt::sys;

use super::NodeDeviceInfo;
use crate::backend::network::index::DomainIndex;
use crate::backend::xmltree::{self, Element};

fn hex_of(s: &str) -> Option<u32> {
    let t = s.trim();
    match t.strip_prefix("0x") {
        Some(h) => u32::from_str_radix(h, 16).ok(),
        None => t.parse().ok(),
    }
}

fn pci_address(e: &Element, keys: [&str; 4]) -> Option<String> {
    let get = |k: &str| {
        e.attr(k)
            .and_then(hex_of)
            .or_else(|| e.text_at(k).as_deref().and_then(hex_of))
    };
    Some(format!(
        "{:04x}:{:02x}:{:02x}.{:x}",
        get(keys[0])?,
        get(keys[1])?,
        get(keys[2])?,
        get(keys[3])?
    ))
}

/// A PCI or USB device from its nodedev XML; `None` for other kinds.
pub fn parse_nodedev(xml: &str) -> Result<Option<NodeDeviceInfo>, String> {
    let root = xmltree::parse(xml).map_err(|e| format!("node device XML: {e}"))?;
    let Some(cap) = root
        .children_named("capability")
        .find(|c| matches!(c.attr("type"), Some("pci") | Some("usb_device")))
    else {
        return Ok(None);
    };
    let id_of = |n: &str| {
        cap.attr_at(n, "id")
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    let name_of = |n: &str| cap.text_at(n);
    let mut info = NodeDeviceInfo {
        name: root.text_at("name").unwrap_or_default(),
        parent: root.text_at("parent"),
        driver: root.text_at("driver/name"),
        vendor_id: id_of("vendor"),
        vendor: name_of("vendor"),
        product_id: id_of("product"),
        product: name_of("product"),
        ..NodeDeviceInfo::default()
    };
    if cap.attr("type") == Some("pci") {
        info.kind = "pci".into();
        let child = |k: &str| cap.text_at(k).as_deref().and_then(hex_of);
        info.address = match (
            child("domain"),
            child("bus"),
            child("slot"),
            child("function"),
        ) {
            (Some(d), Some(b), Some(s), Some(f)) => format!("{d:04x}:{b:02x}:{s:02x}.{f:x}"),
            _ => String::new(),
        };
        if let Some(g) = cap.child("iommuGroup") {
            info.iommu_group = g.attr("number").and_then(|n| n.parse().ok());
            info.iommu_members = g
                .children_named("address")
                .filter_map(|a| pci_address(a, ["domain", "bus", "slot", "function"]))
                .collect();
        }
    } else {
        info.kind = "usb".into();
        let norm = |s: &str| hex_of(s).map(|v| format!("0x{v:04x}")).unwrap_or_default();
        info.address = format!("{}:{}", norm(&info.vendor_id), norm(&info.product_id));
        info.usb_port = match (cap.text_at("bus"), cap.text_at("device")) {
            (Some(b), Some(d)) => Some(format!("{b}.{d}")),
            _ => None,
        };
    }
    Ok(Some(info))
}

/// Every PCI and USB device with the domains using each, sorted by kind and address.
pub fn list_devices(
    conn: &Connect,
    index: &mut DomainIndex,
) -> Result<Vec<NodeDeviceInfo>, String> {
    let flags = sys::VIR_CONNECT_LIST_NODE_DEVICES_CAP_PCI_DEV
        | sys::VIR_CONNECT_LIST_NODE_DEVICES_CAP_USB_DEV;
    // Drivers without capability filters (the test driver) list everything; the parser
    // keeps only PCI and USB devices either way.
    let devs = conn
        .list_all_node_devices(flags)
        .or_else(|_| conn.list_all_node_devices(0))
        .map_err(|e| e.message().to_string())?;
    index.refresh(conn);
    let mut out = Vec::new();
    for d in devs {
        // A device unplugged meanwhile is skipped.
        let Ok(xml) = d.xml_desc(0) else { continue };
        if let Ok(Some(mut info)) = parse_nodedev(&xml) {
            info.used_by = index.users_of_hostdev(&info.address);
            out.push(info);
        }
    }
    out.sort_by(|a, b| (&a.kind, &a.address).cmp(&(&b.kind, &b.address)));
    Ok(out)
}
