//! The wizard's answers as a `DomainSpec` (the XML) and a `CreatePlan` (the new volume,
//! autostart): what the last page hands to the editor.

use super::Wizard;
use super::pages::F;
use crate::backend::create::{
    Boot, CreatePlan, DiskSource, DiskSpec, DomainSpec, NicSource, NicSpec,
};
use crate::backend::storage::NewVolume;
use crate::backend::storage::units::parse_size;

/// Pool types whose volumes are files named `<target>/<volume>`: their disks get a plain
/// path (what every tool understands); others are named by pool and volume.
const FILE_POOLS: &[&str] = &["dir", "fs", "netfs"];

/// The format of an image from its name, when no volume says it.
fn format_of_path(path: &str) -> String {
    if path.to_lowercase().ends_with(".qcow2") {
        "qcow2".into()
    } else {
        "raw".into()
    }
}

impl Wizard {
    /// The domain types the host offers for its architecture, `kvm` first, then `qemu`,
    /// then the rest (`test` on the test driver), and that architecture.
    pub(super) fn domain_types(&self) -> (Vec<String>, String) {
        let Some(node) = &self.node else {
            return (vec!["kvm".into()], "x86_64".into());
        };
        let arch = if node.arch.is_empty() {
            "x86_64".to_string()
        } else {
            node.arch.clone()
        };
        let guest = node
            .guests
            .iter()
            .find(|g| g.os_type == "hvm" && g.arch == arch)
            .or_else(|| node.guests.iter().find(|g| g.os_type == "hvm"));
        let Some(g) = guest else {
            return (vec!["kvm".into()], arch);
        };
        let rank = |t: &String| match t.as_str() {
            "kvm" => 0,
            "qemu" => 1,
            _ => 2,
        };
        let mut types = g.domain_types.clone();
        types.sort_by_key(rank);
        if types.is_empty() {
            types.push("kvm".into());
        }
        (types, g.arch.clone())
    }

    /// A disk for the volume `pool/name` (the path libvirt reported).
    fn volume_disk(&self, value: &str, bus: &str) -> Option<DiskSpec> {
        let v = self.volume(value)?;
        let format = v.format.clone().filter(|f| f == "qcow2" || f == "raw");
        Some(DiskSpec {
            source: DiskSource::Path(v.path.clone()),
            device: "disk".into(),
            bus: bus.into(),
            target: None,
            readonly: false,
            format: Some(format.unwrap_or_else(|| "raw".into())),
        })
    }

    fn cdrom(path: String) -> DiskSpec {
        DiskSpec {
            source: DiskSource::Path(path),
            device: "cdrom".into(),
            bus: "sata".into(),
            target: None,
            readonly: false,
            format: Some("raw".into()),
        }
    }

    pub(super) fn build(&self) -> (DomainSpec, CreatePlan) {
        let (_, arch) = self.domain_types();
        let domain_type = self.get(F::VirtType).to_string();
        let bus = self.get(F::Bus).to_string();
        let mut plan = CreatePlan {
            volumes: Vec::new(),
            autostart: self.get(F::Autostart) == "yes",
        };
        let mut disks = Vec::new();
        match self.source() {
            "import-volume" => disks.extend(self.volume_disk(self.get(F::ImportVolume), &bus)),
            "import-path" => {
                let path = self.get(F::ImportPath).trim().to_string();
                disks.push(DiskSpec {
                    format: Some(format_of_path(&path)),
                    source: DiskSource::Path(path),
                    device: "disk".into(),
                    bus: bus.clone(),
                    target: None,
                    readonly: false,
                });
            }
            _ => match self.get(F::DiskKind) {
                "new" => {
                    let pool = self.get(F::Pool).to_string();
                    let name = self.get(F::VolName).trim().to_string();
                    let format = self.get(F::Format).to_string();
                    let capacity = parse_size(self.get(F::Size)).unwrap_or(0);
                    let target = self
                        .pools
                        .iter()
                        .find(|p| p.name == pool)
                        .filter(|p| FILE_POOLS.contains(&p.kind.as_str()))
                        .and_then(|p| p.target.clone());
                    let source = match target {
                        Some(dir) => {
                            DiskSource::Path(format!("{}/{name}", dir.trim_end_matches('/')))
                        }
                        None => DiskSource::Volume {
                            pool: pool.clone(),
                            volume: name.clone(),
                        },
                    };
                    disks.push(DiskSpec {
                        source,
                        device: "disk".into(),
                        bus: bus.clone(),
                        target: None,
                        readonly: false,
                        format: Some(format.clone()),
                    });
                    plan.volumes.push((
                        pool,
                        NewVolume {
                            name,
                            capacity,
                            format,
                            backing: None,
                        },
                    ));
                }
                "existing" => disks.extend(self.volume_disk(self.get(F::Existing), &bus)),
                _ => {}
            },
        }
        match self.source() {
            "iso-volume" => {
                if let Some(v) = self.volume(self.get(F::IsoVolume)) {
                    disks.push(Self::cdrom(v.path.clone()));
                }
            }
            "iso-path" => disks.push(Self::cdrom(self.get(F::IsoPath).trim().to_string())),
            _ => {}
        }
        let kernel_boot =
            self.source() == "kernel" || (self.imports() && !self.get(F::Kernel).trim().is_empty());
        let boot = if kernel_boot {
            let initrd = self.get(F::Initrd).trim();
            Boot::Kernel {
                kernel: self.get(F::Kernel).trim().to_string(),
                initrd: (!initrd.is_empty()).then(|| initrd.to_string()),
                cmdline: self.get(F::Cmdline).trim().to_string(),
            }
        } else {
            Boot::Devices(
                self.get(F::BootOrder)
                    .split(',')
                    .map(String::from)
                    .collect(),
            )
        };
        let model = self.get(F::Model).to_string();
        let nic = match self.get(F::NetKind) {
            "network" => Some(NicSpec {
                source: NicSource::Network(self.get(F::Network).to_string()),
                model,
            }),
            "bridge" => Some(NicSpec {
                source: NicSource::Bridge(self.get(F::Bridge).trim().to_string()),
                model,
            }),
            _ => None,
        };
        let spec = DomainSpec {
            name: self.get(F::Name).to_string(),
            uuid: self.uuid.clone(),
            domain_type,
            arch,
            memory_mib: self.get(F::Memory).trim().parse().unwrap_or(1024),
            vcpus: self.get(F::Vcpus).trim().parse().unwrap_or(1),
            os_id: self.os_variant().map(|o| o.id.clone()),
            boot,
            disks,
            nic,
            serial_console: self.get(F::Serial) == "yes",
        };
        (spec, plan)
    }
}
