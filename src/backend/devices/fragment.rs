//! XML fragments for hot-plug, change media, link state and host devices: what is sent to
//! libvirt, shown to the user first.

use std::collections::HashSet;

use super::parse::DiskInfo;
use crate::backend::xmltree::{Element, esc};

/// Where a new disk's data comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DiskSource {
    /// A file (or block device when it starts with /dev/).
    Path(String),
    /// A storage pool volume.
    Volume { pool: String, volume: String },
}

/// A disk to attach.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiskSpec {
    pub source: DiskSource,
    /// `disk` or `cdrom`.
    pub device: String,
    /// `virtio` (default for disks), `sata`, `scsi`, `usb`, `ide`.
    pub bus: String,
    /// `None`: the first free name for the bus.
    pub target: Option<String>,
    /// `qcow2`, `raw`; `None`: guessed from the file name (`.qcow2` or raw).
    pub format: Option<String>,
    pub readonly: bool,
}

impl DiskSpec {
    /// A virtio disk from a file, target chosen automatically.
    pub fn file(path: &str) -> DiskSpec {
        DiskSpec {
            source: DiskSource::Path(path.to_string()),
            device: "disk".into(),
            bus: "virtio".into(),
            target: None,
            format: None,
            readonly: false,
        }
    }
}

/// The target-name prefix libvirt uses for a bus.
pub fn target_prefix(bus: &str) -> &'static str {
    match bus {
        "virtio" => "vd",
        "ide" => "hd",
        "fdc" => "fd",
        "xen" => "xvd",
        _ => "sd",
    }
}

/// `a`..`z`, `aa`..`zz`, ... as libvirt names disks.
pub fn suffix(mut i: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'a' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    out.reverse();
    String::from_utf8_lossy(&out).into_owned()
}

/// The first target name for `bus` that none of `disks` uses.
pub fn free_target(bus: &str, disks: &[DiskInfo]) -> String {
    let used: HashSet<&str> = disks.iter().map(|d| d.target.as_str()).collect();
    let prefix = target_prefix(bus);
    (0..)
        .map(|i| format!("{prefix}{}", suffix(i)))
        .find(|t| !used.contains(t.as_str()))
        .unwrap_or_else(|| format!("{prefix}a"))
}

fn guess_format(path: &str) -> &'static str {
    if path.ends_with(".qcow2") || path.ends_with(".qcow") {
        "qcow2"
    } else {
        "raw"
    }
}

/// The `<disk>` fragment for `spec`, with its target resolved against `existing`.
pub fn disk_xml(spec: &DiskSpec, existing: &[DiskInfo]) -> Result<String, String> {
    let target = match &spec.target {
        Some(t) if existing.iter().any(|d| &d.target == t) => {
            return Err(format!("target {t} is already used by another disk"));
        }
        Some(t) if t.is_empty() => free_target(&spec.bus, existing),
        Some(t) => t.clone(),
        None => free_target(&spec.bus, existing),
    };
    if matches!(&spec.source, DiskSource::Path(p) if p.trim().is_empty()) {
        return Err("no disk path given".into());
    }
    Ok(disk_element(spec, &target))
}

/// The `<disk>` element for `spec` on `target`, unchecked: hot-plug (through [`disk_xml`])
/// and a new domain's definition write their disks with it.
pub fn disk_element(spec: &DiskSpec, target: &str) -> String {
    let (kind, source, fmt_guess) = match &spec.source {
        DiskSource::Path(p) if p.starts_with("/dev/") => {
            ("block", format!("<source dev='{}'/>", esc(p)), "raw")
        }
        DiskSource::Path(p) => (
            "file",
            format!("<source file='{}'/>", esc(p)),
            guess_format(p),
        ),
        DiskSource::Volume { pool, volume } => (
            "volume",
            format!("<source pool='{}' volume='{}'/>", esc(pool), esc(volume)),
            guess_format(volume),
        ),
    };
    let format = spec.format.as_deref().unwrap_or(fmt_guess);
    let readonly = if spec.readonly || spec.device == "cdrom" {
        "\n  <readonly/>"
    } else {
        ""
    };
    format!(
        "<disk type='{kind}' device='{}'>\n  <driver name='qemu' type='{}'/>\n  {source}\n  \
         <target dev='{}' bus='{}'/>{readonly}\n</disk>\n",
        esc(&spec.device),
        esc(format),
        esc(target),
        esc(&spec.bus)
    )
}

/// What a new NIC is plugged into.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NicSource {
    Network(String),
    Bridge(String),
    /// macvtap on a host device; `mode` is `bridge`, `vepa`, `private` or `passthrough`.
    Direct {
        dev: String,
        mode: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NicSpec {
    pub source: NicSource,
    /// `virtio` when `None`.
    pub model: Option<String>,
    /// libvirt generates one when `None`.
    pub mac: Option<String>,
}

pub fn nic_xml(spec: &NicSpec) -> Result<String, String> {
    let (kind, source) = match &spec.source {
        NicSource::Network(n) if !n.is_empty() => ("network", format!("network='{}'", esc(n))),
        NicSource::Bridge(b) if !b.is_empty() => ("bridge", format!("bridge='{}'", esc(b))),
        NicSource::Direct { dev, mode } if !dev.is_empty() => {
            ("direct", format!("dev='{}' mode='{}'", esc(dev), esc(mode)))
        }
        _ => return Err("no network, bridge or device given for the NIC".into()),
    };
    let mac = spec
        .mac
        .as_ref()
        .map(|m| format!("\n  <mac address='{}'/>", esc(m)))
        .unwrap_or_default();
    let model = spec.model.as_deref().unwrap_or("virtio");
    Ok(format!(
        "<interface type='{kind}'>{mac}\n  <source {source}/>\n  <model type='{}'/>\n</interface>\n",
        esc(model)
    ))
}

/// The CD-ROM / floppy `disk_el` (as in the domain XML) with `media` inserted, or emptied
/// when `None` (eject), for virDomainUpdateDeviceFlags.
pub fn media_xml(disk_el: &Element, media: Option<&str>) -> Result<String, String> {
    let device = disk_el.attr("device").unwrap_or("disk");
    if device != "cdrom" && device != "floppy" {
        return Err(format!(
            "{} is a {device}, not a CD-ROM or floppy: its media cannot be changed",
            disk_el.attr_at("target", "dev").unwrap_or_default()
        ));
    }
    let mut el = disk_el.clone();
    el.children
        .retain(|c| c.name != "source" && c.name != "backingStore" && c.name != "alias");
    if let Some(path) = media {
        let mut src = Element {
            name: "source".into(),
            ..Element::default()
        };
        if path.starts_with("/dev/") {
            el.set_attr("type", "block");
            src.set_attr("dev", path);
        } else {
            el.set_attr("type", "file");
            src.set_attr("file", path);
        }
        // libvirt wants <source> before <target>.
        let at = el
            .children
            .iter()
            .position(|c| c.name == "target")
            .unwrap_or(el.children.len());
        el.children.insert(at, src);
    }
    Ok(el.to_xml())
}

/// The `<interface>` `nic_el` (from the domain XML) with its link set up or down.
pub fn link_xml(nic_el: &Element, up: bool) -> String {
    let mut el = nic_el.clone();
    el.children.retain(|c| c.name != "link");
    let mut link = Element {
        name: "link".into(),
        ..Element::default()
    };
    link.set_attr("state", if up { "up" } else { "down" });
    el.children.push(link);
    el.to_xml()
}

/// A host device to give to a guest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostdevSpec {
    /// `0000:01:00.0`
    Pci { address: String },
    /// Hex ids as in `lsusb`: `046d`, `c52b`.
    Usb { vendor: String, product: String },
}

fn hex_field(s: &str) -> Result<u32, String> {
    u32::from_str_radix(s.trim_start_matches("0x"), 16)
        .map_err(|_| format!("{s:?} is not a hexadecimal number"))
}

pub fn hostdev_xml(spec: &HostdevSpec) -> Result<String, String> {
    match spec {
        HostdevSpec::Pci { address } => {
            let bad = || format!("{address:?} is not a PCI address like 0000:01:00.0");
            let (dbs, func) = address.rsplit_once('.').ok_or_else(bad)?;
            let parts: Vec<&str> = dbs.split(':').collect();
            let (dom, bus, slot) = match parts.as_slice() {
                [d, b, s] => (hex_field(d)?, hex_field(b)?, hex_field(s)?),
                [b, s] => (0, hex_field(b)?, hex_field(s)?),
                _ => return Err(bad()),
            };
            let func = hex_field(func)?;
            Ok(format!(
                "<hostdev mode='subsystem' type='pci' managed='yes'>\n  <source>\n    \
                 <address domain='0x{dom:04x}' bus='0x{bus:02x}' slot='0x{slot:02x}' \
                 function='0x{func:x}'/>\n  </source>\n</hostdev>\n"
            ))
        }
        HostdevSpec::Usb { vendor, product } => Ok(format!(
            "<hostdev mode='subsystem' type='usb' managed='yes'>\n  <source>\n    \
             <vendor id='0x{:04x}'/>\n    <product id='0x{:04x}'/>\n  </source>\n</hostdev>\n",
            hex_field(vendor)?,
            hex_field(product)?
        )),
    }
}
