//! What a new domain is made of (`DomainSpec`) and the domain XML it becomes: pure, no
//! libvirt call, so the create wizard's result can be checked without a host.

use std::fmt::Write as _;
use std::hash::{BuildHasher, Hasher};

use quick_xml::escape::escape;

/// How the guest boots.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Boot {
    /// From devices, in this order (`hd`, `cdrom`, `network`).
    Devices(Vec<String>),
    /// Direct kernel boot (the disks stay attached).
    Kernel {
        kernel: String,
        initrd: Option<String>,
        cmdline: String,
    },
}

/// Disks are written as hot-plug writes them: `Path` (a `/dev/` path is a block disk) or
/// a pool volume; the target is named by bus in order when none is given.
pub use crate::backend::devices::fragment::{DiskSource, DiskSpec};

/// Where the NIC plugs in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NicSource {
    Network(String),
    Bridge(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NicSpec {
    pub source: NicSource,
    /// `virtio`, `e1000e`, `rtl8139`.
    pub model: String,
}

/// Everything the wizard decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DomainSpec {
    pub name: String,
    pub uuid: String,
    /// `kvm`, `qemu`, `test`: what the host offers for the architecture.
    pub domain_type: String,
    pub arch: String,
    pub memory_mib: u64,
    pub vcpus: u32,
    /// The libosinfo id (`http://debian.org/debian/12`), kept in the metadata.
    pub os_id: Option<String>,
    pub boot: Boot,
    pub disks: Vec<DiskSpec>,
    pub nic: Option<NicSpec>,
    pub serial_console: bool,
}

/// A random (version 4) UUID. The standard library's hasher keys come from the OS's
/// random source, which is all a UUID needs here.
pub fn new_uuid() -> String {
    let mut bytes = [0u8; 16];
    for half in bytes.chunks_mut(8) {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        half.copy_from_slice(&h.finish().to_le_bytes());
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Whether `name` can name a domain (libvirt refuses '/' and an empty name; control
/// characters would only hurt every terminal that shows it).
pub fn name_problem(name: &str) -> Option<&'static str> {
    if name.trim().is_empty() {
        Some("a name is needed")
    } else if name.contains('/') {
        Some("a name cannot contain '/'")
    } else if name.chars().any(char::is_control) {
        Some("a name cannot contain control characters")
    } else if name != name.trim() {
        Some("a name cannot start or end with spaces")
    } else {
        None
    }
}

/// The target device name of the `n`th disk on `bus` (vda, sdb, hdc…): the same naming
/// as hot-plug uses.
fn target_dev(bus: &str, n: usize) -> String {
    use crate::backend::devices::fragment::{suffix, target_prefix};
    format!("{}{}", target_prefix(bus), suffix(n))
}

fn x(s: &str) -> std::borrow::Cow<'_, str> {
    escape(s)
}

impl DomainSpec {
    /// The domain XML: what `virsh define` takes, and what the wizard shows in the editor.
    pub fn to_xml(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(o, "<domain type='{}'>", x(&self.domain_type));
        let _ = writeln!(o, "  <name>{}</name>", x(&self.name));
        let _ = writeln!(o, "  <uuid>{}</uuid>", x(&self.uuid));
        if let Some(id) = &self.os_id {
            o.push_str("  <metadata>\n");
            o.push_str(
                "    <libosinfo:libosinfo xmlns:libosinfo='http://libosinfo.org/xmlns/libvirt/domain/1.0'>\n",
            );
            let _ = writeln!(o, "      <libosinfo:os id='{}'/>", x(id));
            o.push_str("    </libosinfo:libosinfo>\n  </metadata>\n");
        }
        let _ = writeln!(o, "  <memory unit='MiB'>{}</memory>", self.memory_mib);
        let _ = writeln!(
            o,
            "  <currentMemory unit='MiB'>{}</currentMemory>",
            self.memory_mib
        );
        let _ = writeln!(o, "  <vcpu>{}</vcpu>", self.vcpus);
        o.push_str("  <os>\n");
        let _ = writeln!(o, "    <type arch='{}'>hvm</type>", x(&self.arch));
        match &self.boot {
            Boot::Devices(devs) => {
                for d in devs {
                    let _ = writeln!(o, "    <boot dev='{}'/>", x(d));
                }
            }
            Boot::Kernel {
                kernel,
                initrd,
                cmdline,
            } => {
                let _ = writeln!(o, "    <kernel>{}</kernel>", x(kernel));
                if let Some(i) = initrd {
                    let _ = writeln!(o, "    <initrd>{}</initrd>", x(i));
                }
                if !cmdline.is_empty() {
                    let _ = writeln!(o, "    <cmdline>{}</cmdline>", x(cmdline));
                }
            }
        }
        o.push_str("  </os>\n");
        o.push_str("  <features>\n    <acpi/>\n    <apic/>\n  </features>\n");
        o.push_str("  <clock offset='utc'/>\n");
        o.push_str("  <on_poweroff>destroy</on_poweroff>\n");
        o.push_str("  <on_reboot>restart</on_reboot>\n");
        o.push_str("  <on_crash>destroy</on_crash>\n");
        o.push_str("  <devices>\n");
        self.write_disks(&mut o);
        if let Some(nic) = &self.nic {
            let (kind, attr, name) = match &nic.source {
                NicSource::Network(n) => ("network", "network", n),
                NicSource::Bridge(b) => ("bridge", "bridge", b),
            };
            let _ = writeln!(o, "    <interface type='{kind}'>");
            let _ = writeln!(o, "      <source {attr}='{}'/>", x(name));
            let _ = writeln!(o, "      <model type='{}'/>", x(&nic.model));
            o.push_str("    </interface>\n");
        }
        if self.serial_console {
            o.push_str("    <serial type='pty'>\n      <target port='0'/>\n    </serial>\n");
            o.push_str(
                "    <console type='pty'>\n      <target type='serial' port='0'/>\n    </console>\n",
            );
        }
        o.push_str("  </devices>\n</domain>\n");
        o
    }

    fn write_disks(&self, o: &mut String) {
        use crate::backend::devices::fragment::disk_element;
        let mut per_bus: std::collections::BTreeMap<&str, usize> = Default::default();
        for d in &self.disks {
            let n = per_bus.entry(d.bus.as_str()).or_default();
            let target = d.target.clone().unwrap_or_else(|| target_dev(&d.bus, *n));
            *n += 1;
            // No format given: raw, as libvirt assumes (hot-plug guesses from the name).
            let spec = DiskSpec {
                format: Some(d.format.clone().unwrap_or_else(|| "raw".into())),
                ..d.clone()
            };
            for line in disk_element(&spec, &target).lines() {
                let _ = writeln!(o, "    {line}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> DomainSpec {
        DomainSpec {
            name: "web-<1>&'x'".into(),
            uuid: new_uuid(),
            domain_type: "qemu".into(),
            arch: "x86_64".into(),
            memory_mib: 512,
            vcpus: 2,
            os_id: Some("http://debian.org/debian/12".into()),
            boot: Boot::Devices(vec!["cdrom".into(), "hd".into()]),
            disks: vec![
                DiskSpec {
                    source: DiskSource::Path("/var/lib/libvirt/images/a b.qcow2".into()),
                    device: "disk".into(),
                    bus: "virtio".into(),
                    target: None,
                    readonly: false,
                    format: Some("qcow2".into()),
                },
                DiskSpec {
                    source: DiskSource::Volume {
                        pool: "isos".into(),
                        volume: "debian.iso".into(),
                    },
                    device: "cdrom".into(),
                    bus: "sata".into(),
                    target: None,
                    readonly: false,
                    format: None,
                },
            ],
            nic: Some(NicSpec {
                source: NicSource::Network("default".into()),
                model: "virtio".into(),
            }),
            serial_console: true,
        }
    }

    #[test]
    fn uuids_are_random_version_4() {
        let (a, b) = (new_uuid(), new_uuid());
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"), "{a}");
    }

    #[test]
    fn target_names_count_per_bus() {
        assert_eq!(target_dev("virtio", 0), "vda");
        assert_eq!(target_dev("sata", 1), "sdb");
        assert_eq!(target_dev("ide", 2), "hdc");
        assert_eq!(target_dev("virtio", 26), "vdaa");
        assert_eq!(target_dev("fdc", 0), "fda", "named as hot-plug names them");
    }

    /// Importing a host block device (an LVM volume, a disk) writes it as one: QEMU's file
    /// driver would refuse to start the domain on a device node.
    #[test]
    fn a_block_device_is_written_as_a_block_disk() {
        let mut spec = sample();
        spec.disks[0].source = DiskSource::Path("/dev/vg0/web".into());
        spec.disks[0].format = Some("raw".into());
        let xml = spec.to_xml();
        assert!(xml.contains("<disk type='block' device='disk'>"), "{xml}");
        assert!(xml.contains("<source dev='/dev/vg0/web'/>"), "{xml}");
        assert!(!xml.contains("source file='/dev/"), "{xml}");
    }

    #[test]
    fn names_with_slashes_or_control_characters_are_refused() {
        assert!(name_problem("web-01").is_none());
        assert!(name_problem("").is_some());
        assert!(name_problem("a/b").is_some());
        assert!(name_problem("a\x1b[2J").is_some());
        assert!(name_problem(" a").is_some());
    }

    #[test]
    fn the_xml_escapes_names_and_paths_and_is_well_formed() {
        let xml = sample().to_xml();
        assert!(
            xml.contains("<name>web-&lt;1&gt;&amp;&apos;x&apos;</name>"),
            "{xml}"
        );
        assert!(xml.contains("<target dev='vda' bus='virtio'/>"));
        assert!(xml.contains("<target dev='sda' bus='sata'/>"));
        assert!(xml.contains("<source pool='isos' volume='debian.iso'/>"));
        assert!(xml.contains("<boot dev='cdrom'/>\n    <boot dev='hd'/>"));
        assert!(xml.contains("<console type='pty'>"));
        assert!(crate::xml::wellformed::check(&xml).is_ok(), "{xml}");
    }

    #[test]
    fn kernel_boot_has_no_boot_devices() {
        let mut s = sample();
        s.boot = Boot::Kernel {
            kernel: "/boot/vmlinuz".into(),
            initrd: Some("/boot/initrd.img".into()),
            cmdline: "console=ttyS0".into(),
        };
        s.nic = None;
        s.serial_console = false;
        let xml = s.to_xml();
        assert!(xml.contains("<kernel>/boot/vmlinuz</kernel>"));
        assert!(xml.contains("<cmdline>console=ttyS0</cmdline>"));
        assert!(!xml.contains("<boot "));
        assert!(!xml.contains("<interface"));
        assert!(!xml.contains("<serial"));
    }
}
