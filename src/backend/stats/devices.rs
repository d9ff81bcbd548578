//! Disk and NIC names from a domain's XML (quick-xml): the per-domain stats fallback needs
//! the targets, and the stats pane shows NIC MACs and sources the bulk record lacks.

use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct DiskDev {
    /// `<target dev='vda'/>`: the name stats calls use.
    pub target: String,
    pub source: Option<String>,
    /// `disk`, `cdrom`, `floppy`, `lun`.
    pub device: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct NicDev {
    /// Host-side device (`<target dev='vnet0'/>`); only present while the domain runs.
    pub target: Option<String>,
    pub mac: Option<String>,
    /// Network, bridge or host device it is plugged into.
    pub source: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Devices {
    pub disks: Vec<DiskDev>,
    pub nics: Vec<NicDev>,
}

impl Devices {
    pub fn nic_by_target(&self, target: &str) -> Option<&NicDev> {
        self.nics
            .iter()
            .find(|n| n.target.as_deref() == Some(target))
    }
}

fn attr(e: &BytesStart, name: &str) -> Option<String> {
    let a = e.try_get_attribute(name).ok()??;
    a.unescape_value().ok().map(|v| v.into_owned())
}

enum Inside {
    Nothing,
    Disk(DiskDev),
    Nic(NicDev),
}

/// Reads the disks and interfaces under `<devices>`. Malformed XML is an error message.
pub fn parse(xml: &str) -> Result<Devices, String> {
    let mut reader = Reader::from_str(xml);
    let mut out = Devices::default();
    let mut depth = 0usize;
    let mut devices_depth: Option<usize> = None;
    let mut inside = Inside::Nothing;
    loop {
        let ev = reader
            .read_event()
            .map_err(|e| format!("domain XML: {e}"))?;
        let (e, empty) = match &ev {
            Event::Start(e) => (Some(e), false),
            Event::Empty(e) => (Some(e), true),
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if devices_depth.is_some_and(|d| depth == d + 1) {
                    match std::mem::replace(&mut inside, Inside::Nothing) {
                        Inside::Disk(d) if !d.target.is_empty() => out.disks.push(d),
                        Inside::Nic(n) => out.nics.push(n),
                        _ => {}
                    }
                } else if devices_depth == Some(depth) {
                    devices_depth = None;
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let Some(e) = e else { continue };
        let name = e.local_name();
        let name = name.as_ref();
        let level = depth;
        if !empty {
            depth += 1;
        }
        match (devices_depth, name) {
            (None, b"devices") if level == 1 => devices_depth = Some(level),
            (Some(d), b"disk") if level == d + 1 => {
                inside = Inside::Disk(DiskDev {
                    device: attr(e, "device").unwrap_or_else(|| "disk".into()),
                    ..DiskDev::default()
                });
            }
            (Some(d), b"interface") if level == d + 1 => inside = Inside::Nic(NicDev::default()),
            (Some(d), child) if level == d + 2 => match (&mut inside, child) {
                (Inside::Disk(disk), b"target") => disk.target = attr(e, "dev").unwrap_or_default(),
                (Inside::Disk(disk), b"source") => {
                    disk.source = ["file", "dev", "name", "volume", "dir"]
                        .iter()
                        .find_map(|a| attr(e, a));
                }
                (Inside::Nic(nic), b"target") => nic.target = attr(e, "dev"),
                (Inside::Nic(nic), b"mac") => nic.mac = attr(e, "address"),
                (Inside::Nic(nic), b"source") => {
                    nic.source = ["network", "bridge", "dev", "path"]
                        .iter()
                        .find_map(|a| attr(e, a));
                }
                _ => {}
            },
            _ => {}
        }
        // An empty <disk/> or <interface/> has no children and no End event.
        if empty && devices_depth.is_some_and(|d| level == d + 1) {
            match std::mem::replace(&mut inside, Inside::Nothing) {
                Inside::Disk(d) if !d.target.is_empty() => out.disks.push(d),
                Inside::Nic(n) => out.nics.push(n),
                _ => {}
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIVE: &str = r#"<domain type='qemu' id='3'>
  <name>g</name>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/var/lib/libvirt/images/g.qcow2' index='1'/>
      <backingStore/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='cdrom'>
      <target dev='sda' bus='sata'/>
      <readonly/>
    </disk>
    <interface type='ethernet'>
      <mac address='52:54:00:01:5f:61'/>
      <target dev='vnet9'/>
      <model type='virtio'/>
    </interface>
    <interface type='network'>
      <mac address='52:54:00:aa:bb:cc'/>
      <source network='default' bridge='virbr0'/>
      <model type='virtio'/>
    </interface>
  </devices>
  <seclabel><source file='not-a-disk'/></seclabel>
</domain>"#;

    #[test]
    fn disks_and_nics_come_with_targets_sources_and_macs() {
        let d = parse(LIVE).expect("parses");
        assert_eq!(
            d.disks,
            [
                DiskDev {
                    target: "vda".into(),
                    source: Some("/var/lib/libvirt/images/g.qcow2".into()),
                    device: "disk".into(),
                },
                DiskDev {
                    target: "sda".into(),
                    source: None,
                    device: "cdrom".into(),
                },
            ]
        );
        assert_eq!(d.nics.len(), 2);
        assert_eq!(d.nics[0].target.as_deref(), Some("vnet9"));
        assert_eq!(d.nics[0].mac.as_deref(), Some("52:54:00:01:5f:61"));
        assert_eq!(d.nics[0].source, None);
        assert_eq!(d.nics[1].target, None, "no host device while not running");
        assert_eq!(d.nics[1].source.as_deref(), Some("default"));
        assert_eq!(
            d.nic_by_target("vnet9").and_then(|n| n.mac.as_deref()),
            Some("52:54:00:01:5f:61")
        );
    }

    #[test]
    fn malformed_xml_is_an_error_not_a_panic() {
        let err = parse("<domain><devices><disk><target dev='vda'></devices>").expect_err("bad");
        assert!(err.contains("domain XML"), "{err}");
        assert_eq!(
            parse("<domain/>").expect("empty domain"),
            Devices::default()
        );
    }
}
