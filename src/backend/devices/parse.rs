//! A domain's devices read from its XML, with the columns `virsh domblklist --details` and
//! `virsh domiflist` show.

use crate::backend::xmltree::{self, Element};

/// A `<disk>`: what `domblklist --details` lists.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DiskInfo {
    /// `file`, `block`, `network`, `volume`, `dir`.
    pub kind: String,
    /// `disk`, `cdrom`, `floppy`, `lun`.
    pub device: String,
    /// `vda`, `sda`, `hdc`, ...
    pub target: String,
    /// `virtio`, `sata`, `scsi`, `ide`, `usb`, ...
    pub bus: String,
    /// File, device, `pool/volume` or network name; `None` for an empty CD-ROM.
    pub source: Option<String>,
    /// `qcow2`, `raw`, ...
    pub format: Option<String>,
    pub readonly: bool,
    pub alias: Option<String>,
}

/// An `<interface>`: what `domiflist` lists plus link state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NicInfo {
    /// `network`, `bridge`, `direct`, `ethernet`, `user`, ...
    pub kind: String,
    /// Network name, bridge name or host device; `None` when the type has none.
    pub source: Option<String>,
    pub model: Option<String>,
    pub mac: Option<String>,
    /// `<link state='down'/>` makes this false; absent means up.
    pub link_up: bool,
    /// Host-side device (`vnet0`), only while running.
    pub target: Option<String>,
    pub alias: Option<String>,
}

/// A `<serial>` or `<console>`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CharDevInfo {
    /// `serial` or `console`.
    pub element: String,
    /// `pty`, `file`, `tcp`, `unix`, ...
    pub kind: String,
    /// Target type (`serial`, `virtio`, `isa-serial`) and port.
    pub target_type: Option<String>,
    pub port: Option<String>,
    /// The pty path while running (`/dev/pts/3`) or the file/socket path.
    pub path: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GraphicsInfo {
    /// `vnc`, `spice`, ...
    pub kind: String,
    pub port: Option<String>,
    pub listen: Option<String>,
    pub autoport: bool,
}

/// A `<hostdev>`: a PCI or USB device of the host given to the guest.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostdevInfo {
    /// `pci`, `usb`, `scsi`, `mdev`.
    pub kind: String,
    /// PCI: `0000:01:00.0`; USB: `vendor:product` (e.g. `0x046d:0xc52b`) or `bus.device`.
    pub address: String,
    pub managed: bool,
    pub alias: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ControllerInfo {
    /// `pci`, `usb`, `sata`, `scsi`, `ide`, `virtio-serial`, ...
    pub kind: String,
    pub index: String,
    pub model: Option<String>,
}

/// Every device the Devices tab shows, in document order per kind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DomainDevices {
    pub disks: Vec<DiskInfo>,
    pub nics: Vec<NicInfo>,
    pub chardevs: Vec<CharDevInfo>,
    pub graphics: Vec<GraphicsInfo>,
    pub hostdevs: Vec<HostdevInfo>,
    pub controllers: Vec<ControllerInfo>,
    /// A `org.qemu.guest_agent.0` channel is configured (the agent can report addresses).
    pub has_agent_channel: bool,
}

fn s(v: Option<&str>) -> Option<String> {
    v.map(str::to_string)
}

fn disk(e: &Element) -> DiskInfo {
    let src = e.child("source");
    let source = src.and_then(|src| {
        if let (Some(p), Some(v)) = (src.attr("pool"), src.attr("volume")) {
            return Some(format!("{p}/{v}"));
        }
        s(src
            .attr("file")
            .or(src.attr("dev"))
            .or(src.attr("dir"))
            .or(src.attr("name")))
    });
    DiskInfo {
        kind: e.attr("type").unwrap_or("file").to_string(),
        device: e.attr("device").unwrap_or("disk").to_string(),
        target: e.attr_at("target", "dev").unwrap_or_default(),
        bus: e.attr_at("target", "bus").unwrap_or_default(),
        source,
        format: e.attr_at("driver", "type"),
        readonly: e.child("readonly").is_some(),
        alias: e.attr_at("alias", "name"),
    }
}

fn nic(e: &Element) -> NicInfo {
    let src = e.child("source");
    NicInfo {
        kind: e.attr("type").unwrap_or_default().to_string(),
        source: src.and_then(|src| {
            s(src
                .attr("network")
                .or(src.attr("bridge"))
                .or(src.attr("dev")))
        }),
        model: e.attr_at("model", "type"),
        mac: e.attr_at("mac", "address"),
        link_up: e.attr_at("link", "state").as_deref() != Some("down"),
        target: e.attr_at("target", "dev"),
        alias: e.attr_at("alias", "name"),
    }
}

fn chardev(e: &Element) -> CharDevInfo {
    let src = e.child("source");
    CharDevInfo {
        element: e.name.clone(),
        kind: e.attr("type").unwrap_or_default().to_string(),
        target_type: e.attr_at("target", "type"),
        port: e.attr_at("target", "port"),
        path: e
            .attr("tty")
            .map(str::to_string)
            .or_else(|| src.and_then(|src| s(src.attr("path")))),
    }
}

pub(crate) fn parse_hostdev(e: &Element) -> HostdevInfo {
    let kind = e.attr("type").unwrap_or_default().to_string();
    let address = match kind.as_str() {
        "pci" => e
            .at("source/address")
            .map(|a| {
                let hex = |k: &str, w: usize| {
                    let v = a.attr(k).unwrap_or("0");
                    let v = v.trim_start_matches("0x");
                    format!("{:0>w$}", v.to_lowercase())
                };
                format!(
                    "{}:{}:{}.{}",
                    hex("domain", 4),
                    hex("bus", 2),
                    hex("slot", 2),
                    a.attr("function").unwrap_or("0").trim_start_matches("0x")
                )
            })
            .unwrap_or_default(),
        "usb" => match (
            e.attr_at("source/vendor", "id"),
            e.attr_at("source/product", "id"),
        ) {
            (Some(v), Some(p)) => format!("{}:{}", norm_hex(&v), norm_hex(&p)),
            _ => e
                .at("source/address")
                .map(|a| {
                    format!(
                        "{}.{}",
                        a.attr("bus").unwrap_or("?"),
                        a.attr("device").unwrap_or("?")
                    )
                })
                .unwrap_or_default(),
        },
        _ => String::new(),
    };
    HostdevInfo {
        kind,
        address,
        managed: e.attr("managed") == Some("yes"),
        alias: e.attr_at("alias", "name"),
    }
}

/// `0x46d` / `046d` as `0x046d`, the form node devices are compared in.
fn norm_hex(s: &str) -> String {
    u32::from_str_radix(s.trim().trim_start_matches("0x"), 16)
        .map(|v| format!("0x{v:04x}"))
        .unwrap_or_else(|_| s.to_ascii_lowercase())
}

/// Reads `<devices>` of a domain XML. Malformed XML is an error message.
pub fn parse(xml: &str) -> Result<DomainDevices, String> {
    let root = xmltree::parse(xml).map_err(|e| format!("domain XML: {e}"))?;
    if root.name != "domain" {
        return Err(format!("domain XML: root is <{}>, not <domain>", root.name));
    }
    let mut out = DomainDevices::default();
    let Some(devices) = root.child("devices") else {
        return Ok(out);
    };
    for e in &devices.children {
        match e.name.as_str() {
            "disk" => out.disks.push(disk(e)),
            "interface" => out.nics.push(nic(e)),
            "serial" | "console" => out.chardevs.push(chardev(e)),
            "graphics" => out.graphics.push(GraphicsInfo {
                kind: e.attr("type").unwrap_or_default().to_string(),
                port: s(e.attr("port")),
                listen: s(e.attr("listen")).or_else(|| e.attr_at("listen", "address")),
                autoport: e.attr("autoport") == Some("yes"),
            }),
            "hostdev" => out.hostdevs.push(parse_hostdev(e)),
            "controller" => out.controllers.push(ControllerInfo {
                kind: e.attr("type").unwrap_or_default().to_string(),
                index: e.attr("index").unwrap_or("0").to_string(),
                model: s(e.attr("model")),
            }),
            "channel"
                if e.attr_at("target", "name").as_deref() == Some("org.qemu.guest_agent.0") =>
            {
                out.has_agent_channel = true;
            }
            _ => {}
        }
    }
    Ok(out)
}
