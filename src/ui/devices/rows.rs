//! A domain's devices as the Devices tab lists them: one row per device, in the columns
//! `virsh domblklist --details` and `virsh domiflist` use, and what each row can be
//! asked to do (detach, change media, link).

use crate::backend::devices::DomainDevices;
use crate::backend::devices::parse::{DiskInfo, NicInfo};

/// What a row stands for, so the device keys know what they act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RowRef {
    Disk(DiskInfo),
    Nic(NicInfo),
    /// A host device by the address `DeviceRef::Hostdev` takes.
    Hostdev(String),
    /// Consoles, graphics, controllers: shown, not changed from here.
    Other,
}

/// One line of the tab.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceRow {
    /// disk, cdrom, nic, serial, console, graphics, hostdev, controller.
    pub kind: String,
    /// Target (`vda`), host interface (`vnet0`), port, index.
    pub name: String,
    /// The device's type (`file`, `network`, `pty`, `vnc`, `pci`, `usb`).
    pub kind_detail: String,
    pub source: String,
    /// Bus for disks, model for NICs and controllers.
    pub model: String,
    /// MAC and link state (`up` / `down`), format, read-only, autoport.
    pub info: String,
    pub what: RowRef,
}

fn or_dash(v: Option<&str>) -> String {
    match v {
        Some(s) if !s.is_empty() => s.to_string(),
        _ => "-".to_string(),
    }
}

fn disk_row(d: &DiskInfo) -> DeviceRow {
    let mut info = d.format.clone().unwrap_or_default();
    if d.readonly {
        if !info.is_empty() {
            info.push_str(", ");
        }
        info.push_str("read-only");
    }
    let kind = if d.device == "disk" {
        "disk"
    } else {
        &d.device
    };
    DeviceRow {
        kind: kind.to_string(),
        name: d.target.clone(),
        kind_detail: d.kind.clone(),
        source: or_dash(d.source.as_deref()),
        model: d.bus.clone(),
        info,
        what: RowRef::Disk(d.clone()),
    }
}

fn nic_row(n: &NicInfo) -> DeviceRow {
    let link = if n.link_up { "up" } else { "down" };
    DeviceRow {
        kind: "nic".into(),
        name: or_dash(n.target.as_deref()),
        kind_detail: n.kind.clone(),
        source: or_dash(n.source.as_deref()),
        model: or_dash(n.model.as_deref()),
        info: format!("{} {link}", or_dash(n.mac.as_deref())),
        what: RowRef::Nic(n.clone()),
    }
}

/// Every device, disks first, in the order the domain XML lists each kind.
pub fn rows(d: &DomainDevices) -> Vec<DeviceRow> {
    let mut out: Vec<DeviceRow> = d.disks.iter().map(disk_row).collect();
    out.extend(d.nics.iter().map(nic_row));
    out.extend(d.chardevs.iter().map(|c| {
        DeviceRow {
            kind: c.element.clone(),
            name: c
                .port
                .as_deref()
                .map_or_else(String::new, |p| format!("port {p}")),
            kind_detail: c.kind.clone(),
            source: or_dash(c.path.as_deref()),
            model: c.target_type.clone().unwrap_or_default(),
            info: String::new(),
            what: RowRef::Other,
        }
    }));
    out.extend(d.graphics.iter().map(|g| {
        DeviceRow {
            kind: "graphics".into(),
            name: g
                .port
                .as_deref()
                .map_or_else(String::new, |p| format!("port {p}")),
            kind_detail: g.kind.clone(),
            source: or_dash(g.listen.as_deref()),
            model: String::new(),
            info: if g.autoport {
                "autoport".into()
            } else {
                String::new()
            },
            what: RowRef::Other,
        }
    }));
    out.extend(d.hostdevs.iter().map(|h| DeviceRow {
        kind: "hostdev".into(),
        name: h.alias.clone().unwrap_or_default(),
        kind_detail: h.kind.clone(),
        source: or_dash(Some(&h.address)),
        model: String::new(),
        info: if h.managed {
            "managed".into()
        } else {
            String::new()
        },
        what: RowRef::Hostdev(h.address.clone()),
    }));
    out.extend(d.controllers.iter().map(|c| DeviceRow {
        kind: "controller".into(),
        name: format!("index {}", c.index),
        kind_detail: c.kind.clone(),
        source: String::new(),
        model: c.model.clone().unwrap_or_default(),
        info: String::new(),
        what: RowRef::Other,
    }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str = "<domain><devices>\
        <disk type='file' device='disk'><driver type='qcow2'/><source file='/i/a.qcow2'/>\
        <target dev='vda' bus='virtio'/></disk>\
        <disk type='file' device='cdrom'><target dev='hdc' bus='ide'/><readonly/></disk>\
        <interface type='network'><mac address='52:54:00:aa:bb:cc'/><source network='default'/>\
        <model type='virtio'/><link state='down'/><target dev='vnet3'/></interface>\
        <serial type='pty'><source path='/dev/pts/4'/><target type='isa-serial' port='0'/></serial>\
        <graphics type='vnc' port='5901' autoport='yes' listen='127.0.0.1'/>\
        <controller type='usb' index='0' model='qemu-xhci'/>\
        </devices></domain>";

    #[test]
    fn every_kind_gets_the_columns_virsh_shows() {
        let d = crate::backend::devices::parse::parse(XML).expect("parse");
        let r = rows(&d);
        let cells: Vec<[&str; 6]> = r
            .iter()
            .map(|r| {
                [
                    r.kind.as_str(),
                    r.name.as_str(),
                    r.kind_detail.as_str(),
                    r.source.as_str(),
                    r.model.as_str(),
                    r.info.as_str(),
                ]
            })
            .collect();
        assert_eq!(
            cells,
            [
                ["disk", "vda", "file", "/i/a.qcow2", "virtio", "qcow2"],
                ["cdrom", "hdc", "file", "-", "ide", "read-only"],
                [
                    "nic",
                    "vnet3",
                    "network",
                    "default",
                    "virtio",
                    "52:54:00:aa:bb:cc down"
                ],
                ["serial", "port 0", "pty", "/dev/pts/4", "isa-serial", ""],
                ["graphics", "port 5901", "vnc", "127.0.0.1", "", "autoport"],
                ["controller", "index 0", "usb", "", "qemu-xhci", ""],
            ]
        );
        assert!(matches!(&r[1].what, RowRef::Disk(d) if d.device == "cdrom"));
        assert!(matches!(&r[2].what, RowRef::Nic(n) if !n.link_up));
        assert_eq!(r[3].what, RowRef::Other);
    }
}
