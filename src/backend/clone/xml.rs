//! The pure half of a clone: which disks a domain has and what each may become, new
//! MACs and volume names, and the domain XML rewritten for the clone (like virt-clone).

use std::collections::HashSet;

use super::DiskMode;
use crate::backend::xmltree::Element;

/// One `<disk>` of the original domain, as the clone plan needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceDisk {
    /// The target (vda); disks are matched by it.
    pub target: String,
    /// disk, cdrom, floppy, lun.
    pub device: String,
    /// file, block, volume, network, dir.
    pub kind: String,
    /// The file or device path (`<source file|dev>`); a `volume` disk's path is resolved
    /// through its pool by the job.
    pub path: Option<String>,
    /// `<source pool volume>` of a `type='volume'` disk.
    pub pool_volume: Option<(String, String)>,
    /// The driver's image format (qcow2, raw).
    pub format: Option<String>,
    pub readonly: bool,
    pub shareable: bool,
}

impl SourceDisk {
    /// Has data the clone may copy: a writable disk with a source.
    pub fn copyable(&self) -> bool {
        !self.readonly
            && !self.shareable
            && matches!(self.device.as_str(), "disk" | "lun")
            && matches!(self.kind.as_str(), "file" | "block" | "volume")
            && (self.path.is_some() || self.pool_volume.is_some())
    }

    /// What virt-clone does by default: copy writable disks, share the rest.
    pub fn default_mode(&self) -> DiskMode {
        if self.copyable() {
            DiskMode::Copy
        } else {
            DiskMode::Share
        }
    }

    /// The modes the dialog cycles through for this disk.
    pub fn modes(&self) -> &'static [DiskMode] {
        if self.copyable() {
            &[
                DiskMode::Copy,
                DiskMode::Link,
                DiskMode::Share,
                DiskMode::Leave,
            ]
        } else {
            &[DiskMode::Share, DiskMode::Leave]
        }
    }
}

/// Every `<disk>` under `<devices>`, in document order.
pub fn source_disks(dom: &Element) -> Vec<SourceDisk> {
    let Some(devices) = dom.child("devices") else {
        return Vec::new();
    };
    devices
        .children_named("disk")
        .map(|d| {
            let source = d.child("source");
            let attr = |a: &str| source.and_then(|s| s.attr(a)).map(str::to_string);
            let pool_volume = match (attr("pool"), attr("volume")) {
                (Some(p), Some(v)) => Some((p, v)),
                _ => None,
            };
            SourceDisk {
                target: d.attr_at("target", "dev").unwrap_or_default(),
                device: d.attr("device").unwrap_or("disk").to_string(),
                kind: d.attr("type").unwrap_or("file").to_string(),
                path: attr("file").or_else(|| attr("dev")),
                pool_volume,
                format: d.attr_at("driver", "type"),
                readonly: d.child("readonly").is_some(),
                shareable: d.child("shareable").is_some(),
            }
        })
        .collect()
}

/// What becomes of one disk in the clone's XML.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DiskEdit {
    /// The same source (shared, or a disk without data).
    Keep,
    /// Left out of the clone.
    Drop,
    /// A new file: a copy, or a linked clone's overlay (`format` qcow2).
    File { path: String, format: String },
}

/// Everything that differs between the original and the clone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rewrite {
    pub old_name: String,
    pub new_name: String,
    /// New MAC addresses, one per `<interface>` in document order.
    pub macs: Vec<String>,
    /// (target, edit); disks not named are kept.
    pub disks: Vec<(String, DiskEdit)>,
}

/// The clone's domain XML: new name, no UUID (libvirt makes one), new MACs, disks
/// re-pointed, a UUID-carrying SMBIOS entry and the NVRAM path dropped (both belong to the
/// original), and log files named after the original renamed (two domains writing one
/// log would interleave).
pub fn rewrite(dom: &Element, r: &Rewrite) -> Element {
    let mut out = dom.clone();
    let old_uuid = dom.child_text("uuid").unwrap_or_default().to_string();
    out.children.retain(|c| c.name != "uuid");
    for c in &mut out.children {
        match c.name.as_str() {
            "name" => c.text = r.new_name.clone(),
            "os" => nvram(c),
            "sysinfo" => {
                for s in c.children.iter_mut().filter(|s| s.name == "system") {
                    s.children
                        .retain(|e| !(e.attr("name") == Some("uuid") && e.text.trim() == old_uuid));
                }
            }
            _ => {}
        }
    }
    let Some(devices) = out.children.iter_mut().find(|c| c.name == "devices") else {
        return out;
    };
    let mut macs = r.macs.iter();
    devices.children.retain(|d| {
        d.name != "disk" || {
            let target = d.attr_at("target", "dev").unwrap_or_default();
            !r.disks
                .iter()
                .any(|(t, e)| *t == target && *e == DiskEdit::Drop)
        }
    });
    for d in &mut devices.children {
        match d.name.as_str() {
            "interface" => {
                if let Some(mac) = macs.next() {
                    match d.children.iter_mut().find(|c| c.name == "mac") {
                        Some(m) => m.set_attr("address", mac),
                        None => d.children.insert(0, mac_element(mac)),
                    }
                }
            }
            "disk" => {
                let target = d.attr_at("target", "dev").unwrap_or_default();
                if let Some((_, DiskEdit::File { path, format })) =
                    r.disks.iter().find(|(t, _)| *t == target)
                {
                    repoint(d, path, format);
                }
            }
            "serial" | "console" | "channel" | "parallel" => {
                rename_file(d, "log", "file", &r.old_name, &r.new_name);
                if d.attr("type") == Some("file") {
                    rename_file(d, "source", "path", &r.old_name, &r.new_name);
                }
            }
            _ => {}
        }
    }
    out
}

fn mac_element(mac: &str) -> Element {
    Element {
        name: "mac".into(),
        attrs: vec![("address".into(), mac.into())],
        ..Element::default()
    }
}

/// A disk now reads `path` in `format`: a plain file disk, no stale backing chain.
fn repoint(d: &mut Element, path: &str, format: &str) {
    d.set_attr("type", "file");
    d.children.retain(|c| c.name != "backingStore");
    let source = Element {
        name: "source".into(),
        attrs: vec![("file".into(), path.into())],
        ..Element::default()
    };
    match d.children.iter_mut().position(|c| c.name == "source") {
        Some(i) => d.children[i] = source,
        None => d.children.insert(0, source),
    }
    match d.children.iter_mut().find(|c| c.name == "driver") {
        Some(drv) => drv.set_attr("type", format),
        None => d.children.insert(
            0,
            Element {
                name: "driver".into(),
                attrs: vec![
                    ("name".into(), "qemu".into()),
                    ("type".into(), format.into()),
                ],
                ..Element::default()
            },
        ),
    }
}

/// The original's NVRAM file must not be shared: libvirt makes a fresh one from the
/// template when the path is left out.
fn nvram(os: &mut Element) {
    os.children
        .retain(|c| c.name != "nvram" || !c.attrs.is_empty());
    for n in os.children.iter_mut().filter(|c| c.name == "nvram") {
        n.text.clear();
        n.attrs.retain(|(k, _)| k != "path");
    }
}

/// In child `child`'s attribute `attr`, the file name's `old` becomes `new`.
fn rename_file(d: &mut Element, child: &str, attr: &str, old: &str, new: &str) {
    for c in d.children.iter_mut().filter(|c| c.name == child) {
        if let Some(p) = c.attr(attr).map(str::to_string)
            && let Some(renamed) = renamed_path(&p, old, new)
        {
            c.set_attr(attr, &renamed);
        }
    }
}

/// `path` with `old` replaced by `new` in its file name (not its directories), if there.
pub fn renamed_path(path: &str, old: &str, new: &str) -> Option<String> {
    if old.is_empty() {
        return None;
    }
    let (dir, file) = match path.rfind('/') {
        Some(i) => path.split_at(i + 1),
        None => ("", path),
    };
    file.contains(old)
        .then(|| format!("{dir}{}", file.replacen(old, new, 1)))
}

/// The MAC of every `<interface>` in a domain's XML (to avoid collisions).
pub fn macs_of(dom: &Element) -> Vec<String> {
    dom.child("devices")
        .map(|d| {
            d.children_named("interface")
                .filter_map(|i| i.attr_at("mac", "address"))
                .map(|m| m.to_ascii_lowercase())
                .collect()
        })
        .unwrap_or_default()
}

/// How many `<interface>`s the domain has.
pub fn interface_count(dom: &Element) -> usize {
    dom.child("devices")
        .map_or(0, |d| d.children_named("interface").count())
}

/// A QEMU-range MAC (52:54:00:…) that is not in `taken`; `random` gives the bits.
pub fn new_mac(taken: &HashSet<String>, mut random: impl FnMut() -> u64) -> String {
    loop {
        let r = random();
        let mac = format!(
            "52:54:00:{:02x}:{:02x}:{:02x}",
            (r >> 16) & 0xff,
            (r >> 8) & 0xff,
            r & 0xff
        );
        if !taken.contains(&mac) {
            return mac;
        }
    }
}

/// A name for the clone's copy of volume `file` (a file name): the original domain's name
/// in it becomes the clone's, otherwise the clone's name with the disk's target; `ext`
/// replaces the extension when given (a linked clone's overlay is .qcow2). A name `taken`
/// in the destination pool gets -1, -2… appended before the extension.
pub fn volume_name(
    file: &str,
    old: &str,
    new: &str,
    target: &str,
    ext: Option<&str>,
    taken: &HashSet<String>,
) -> String {
    let (stem, dot_ext) = match file.rfind('.') {
        Some(i) if i > 0 => file.split_at(i),
        _ => (file, ""),
    };
    let dot_ext = ext.map_or_else(|| dot_ext.to_string(), |e| format!(".{e}"));
    let stem = if !old.is_empty() && stem.contains(old) {
        stem.replacen(old, new, 1)
    } else {
        format!("{new}-{target}")
    };
    let mut name = format!("{stem}{dot_ext}");
    let mut n = 1;
    while taken.contains(&name) {
        name = format!("{stem}-{n}{dot_ext}");
        n += 1;
    }
    name
}

/// The virtual size in a qcow2 header (bytes 24..32, big-endian), if `head` is one.
pub fn qcow2_virtual_size(head: &[u8]) -> Option<u64> {
    if head.len() < 32 || &head[..4] != b"QFI\xfb" {
        return None;
    }
    let mut b = [0u8; 8];
    b.copy_from_slice(&head[24..32]);
    Some(u64::from_be_bytes(b))
}

/// Whether a qcow2 header names a backing file (bytes 8..16, its offset, not zero).
pub fn qcow2_has_backing(head: &[u8]) -> bool {
    if head.len() < 16 || &head[..4] != b"QFI\xfb" {
        return false;
    }
    head[8..16].iter().any(|b| *b != 0)
}

/// Why a name cannot be a domain's, before libvirt is asked.
pub fn invalid_domain_name(name: &str) -> Option<String> {
    if name.trim().is_empty() {
        return Some("type a name for the new domain".into());
    }
    if name.contains('/') || name.chars().any(char::is_control) {
        return Some("a domain name cannot hold '/' or control characters".into());
    }
    None
}

/// Whether a libvirt URI talks to this machine (no host part, no remote transport), so
/// a disk outside every pool can be read here and streamed into a volume.
pub fn is_local_uri(uri: &str) -> bool {
    let Some((scheme, rest)) = uri.split_once("://") else {
        return false;
    };
    let transport_ok = match scheme.split_once('+') {
        None => true,
        Some((_, t)) => t == "unix",
    };
    transport_ok && rest.starts_with('/')
}

#[cfg(test)]
mod tests;
