//! The wizard's pages and fields: which fields a page shows (it depends on earlier
//! answers), their labels and hints, and the check a page must pass before the next.

use super::Wizard;
use super::form::{Choice, Field, Opt};
use crate::backend::create::spec::name_problem;
use crate::backend::storage::units::parse_size;
use crate::ui::widgets::LineInput;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Page {
    #[default]
    Name,
    Source,
    Resources,
    Disk,
    Network,
    Options,
}

impl Page {
    pub const ALL: [Page; 6] = [
        Page::Name,
        Page::Source,
        Page::Resources,
        Page::Disk,
        Page::Network,
        Page::Options,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Page::Name => "name and OS",
            Page::Source => "install source",
            Page::Resources => "memory and CPUs",
            Page::Disk => "disk",
            Page::Network => "network",
            Page::Options => "console and boot",
        }
    }

    pub fn index(self) -> usize {
        Page::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }

    pub fn next(self) -> Option<Page> {
        Page::ALL.get(self.index() + 1).copied()
    }

    pub fn prev(self) -> Option<Page> {
        self.index().checked_sub(1).map(|i| Page::ALL[i])
    }
}

/// Every field of the wizard.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum F {
    Name,
    Os,
    SourceKind,
    IsoVolume,
    IsoPath,
    ImportVolume,
    ImportPath,
    Kernel,
    Initrd,
    Cmdline,
    Memory,
    Vcpus,
    VirtType,
    DiskKind,
    Pool,
    VolName,
    Size,
    Format,
    Existing,
    Bus,
    NetKind,
    Network,
    Bridge,
    Model,
    Serial,
    BootOrder,
    Autostart,
}

impl F {
    pub fn label(self) -> &'static str {
        match self {
            F::Name => "name",
            F::Os => "OS variant",
            F::SourceKind => "install from",
            F::IsoVolume => "ISO volume",
            F::IsoPath => "ISO file on the host",
            F::ImportVolume => "disk image volume",
            F::ImportPath => "disk image on the host",
            F::Kernel => "kernel",
            F::Initrd => "initrd",
            F::Cmdline => "kernel command line",
            F::Memory => "memory (MiB)",
            F::Vcpus => "vCPUs",
            F::VirtType => "virtualization",
            F::DiskKind => "disk",
            F::Pool => "pool",
            F::VolName => "volume name",
            F::Size => "size",
            F::Format => "format",
            F::Existing => "volume",
            F::Bus => "disk bus",
            F::NetKind => "network",
            F::Network => "virtual network",
            F::Bridge => "bridge",
            F::Model => "NIC model",
            F::Serial => "serial console",
            F::BootOrder => "boot order",
            F::Autostart => "autostart",
        }
    }

    /// One line under the page about the focused field.
    pub fn hint(self) -> &'static str {
        match self {
            F::Name => "unique on this host",
            F::Os => "type to narrow the list; it sets the defaults of memory, disk and NIC",
            F::IsoVolume | F::ImportVolume | F::Existing | F::Network | F::Pool => {
                "type to narrow the list"
            }
            F::IsoPath | F::ImportPath => "an absolute path on the host",
            F::Kernel => {
                "an absolute path on the host (for an imported image: empty boots its disk)"
            }
            F::Initrd => "an absolute path on the host, or empty",
            F::Cmdline => "console=ttyS0 sends the kernel's console to the serial port",
            F::Size => "64M, 20G, 1.5GiB",
            F::VolName => "the new volume is made only when the domain is defined",
            F::Serial => "a pty serial console (virtdeck's console tab uses it)",
            F::Autostart => "start the domain when the host boots",
            F::VirtType => "kvm: hardware-assisted; qemu: emulated (TCG), slow but works anywhere",
            _ => "",
        }
    }
}

pub fn text(s: &str) -> Field {
    Field::Text(LineInput::new(s))
}

pub fn choice(opts: &[(&str, &str)]) -> Field {
    Field::Choice(Choice::new(
        opts.iter().map(|(v, l)| Opt::new(*v, *l)).collect(),
    ))
}

/// The fields every wizard starts with.
pub fn initial() -> Vec<(F, Field)> {
    vec![
        (F::Name, text("")),
        (F::Os, choice(&[("", "generic (no OS variant)")])),
        (
            F::SourceKind,
            choice(&[
                ("iso-volume", "ISO image from a pool volume"),
                ("iso-path", "ISO image from a path on the host"),
                ("import-volume", "import an existing disk image (volume)"),
                ("import-path", "import an existing disk image (path)"),
                ("kernel", "kernel + initrd with a command line"),
                ("pxe", "network boot (PXE)"),
            ]),
        ),
        (F::IsoVolume, choice(&[])),
        (F::IsoPath, text("")),
        (F::ImportVolume, choice(&[])),
        (F::ImportPath, text("")),
        (F::Kernel, text("")),
        (F::Initrd, text("")),
        (F::Cmdline, text("console=ttyS0")),
        (F::Memory, text("1024")),
        (F::Vcpus, text("1")),
        (F::VirtType, choice(&[("kvm", "kvm")])),
        (
            F::DiskKind,
            choice(&[
                ("new", "a new volume"),
                ("existing", "an existing volume"),
                ("none", "no disk"),
            ]),
        ),
        (F::Pool, choice(&[])),
        (F::VolName, text("")),
        (F::Size, text("10G")),
        (F::Format, choice(&[("qcow2", "qcow2"), ("raw", "raw")])),
        (F::Existing, choice(&[])),
        (
            F::Bus,
            choice(&[
                ("virtio", "virtio"),
                ("sata", "sata"),
                ("scsi", "scsi"),
                ("ide", "ide"),
            ]),
        ),
        (
            F::NetKind,
            choice(&[
                ("network", "a virtual network"),
                ("bridge", "a host bridge"),
                ("none", "no network"),
            ]),
        ),
        (F::Network, choice(&[])),
        (F::Bridge, text("br0")),
        (
            F::Model,
            choice(&[
                ("virtio", "virtio"),
                ("e1000e", "e1000e"),
                ("rtl8139", "rtl8139"),
            ]),
        ),
        (F::Serial, Field::Toggle(true)),
        (
            F::BootOrder,
            choice(&[
                ("hd", "disk"),
                ("cdrom,hd", "CD-ROM, then disk"),
                ("hd,cdrom", "disk, then CD-ROM"),
                ("network,hd", "network, then disk"),
            ]),
        ),
        (F::Autostart, Field::Toggle(false)),
    ]
}

impl Wizard {
    /// The value of a field as text (a choice's value, "yes"/"no").
    pub fn get(&self, f: F) -> &str {
        self.fields.get(&f).map_or("", Field::text)
    }

    pub fn source(&self) -> &str {
        self.get(F::SourceKind)
    }

    pub fn imports(&self) -> bool {
        self.source().starts_with("import")
    }

    /// The fields `page` shows, given the answers so far.
    pub fn visible(&self, page: Page) -> Vec<F> {
        let mut out = Vec::new();
        match page {
            Page::Name => out.extend([F::Name, F::Os]),
            Page::Source => {
                out.push(F::SourceKind);
                match self.source() {
                    "iso-volume" => out.push(F::IsoVolume),
                    "iso-path" => out.push(F::IsoPath),
                    // An imported image may hold no boot loader (a kernel + initrd guest).
                    "import-volume" => {
                        out.extend([F::ImportVolume, F::Kernel, F::Initrd, F::Cmdline])
                    }
                    "import-path" => out.extend([F::ImportPath, F::Kernel, F::Initrd, F::Cmdline]),
                    "kernel" => out.extend([F::Kernel, F::Initrd, F::Cmdline]),
                    _ => {}
                }
            }
            Page::Resources => out.extend([F::Memory, F::Vcpus, F::VirtType]),
            Page::Disk if self.imports() => out.push(F::Bus),
            Page::Disk => {
                out.push(F::DiskKind);
                match self.get(F::DiskKind) {
                    "new" => out.extend([F::Pool, F::VolName, F::Size, F::Format, F::Bus]),
                    "existing" => out.extend([F::Existing, F::Bus]),
                    _ => {}
                }
            }
            Page::Network => {
                out.push(F::NetKind);
                match self.get(F::NetKind) {
                    "network" => out.extend([F::Network, F::Model]),
                    "bridge" => out.extend([F::Bridge, F::Model]),
                    _ => {}
                }
            }
            Page::Options => {
                out.push(F::Serial);
                let kernel = self.source() == "kernel"
                    || (self.imports() && !self.get(F::Kernel).trim().is_empty());
                if !kernel {
                    out.push(F::BootOrder);
                }
                out.push(F::Autostart);
            }
        }
        out
    }

    /// Whether a domain of this name exists on the wizard's host (as far as the list knows;
    /// the create checks again on the host).
    pub fn name_taken(&self, name: &str, store: &crate::state::Store) -> bool {
        store
            .rows()
            .any(|r| r.info.id.host == self.host && r.info.name == name)
    }

    /// The check `page` must pass before the next one: the field to fix and why.
    pub fn check(&self, page: Page, store: &crate::state::Store) -> Result<(), (F, String)> {
        let path = |f: F, optional: bool| -> Result<(), (F, String)> {
            let v = self.get(f).trim();
            if v.is_empty() && optional {
                return Ok(());
            }
            if !v.starts_with('/') {
                return Err((f, format!("{}: an absolute path is needed", f.label())));
            }
            Ok(())
        };
        let chosen = |f: F| -> Result<(), (F, String)> {
            if self.get(f).is_empty() {
                return Err((f, format!("{}: nothing to choose from", f.label())));
            }
            Ok(())
        };
        match page {
            Page::Name => {
                let name = self.get(F::Name);
                if let Some(why) = name_problem(name) {
                    return Err((F::Name, why.to_string()));
                }
                if self.name_taken(name, store) {
                    return Err((
                        F::Name,
                        format!("a domain named {name} already exists on this host"),
                    ));
                }
            }
            Page::Source => match self.source() {
                "iso-volume" => chosen(F::IsoVolume)?,
                "import-volume" => {
                    chosen(F::ImportVolume)?;
                    path(F::Kernel, true)?;
                    path(F::Initrd, true)?;
                }
                "iso-path" => path(F::IsoPath, false)?,
                "import-path" => {
                    path(F::ImportPath, false)?;
                    path(F::Kernel, true)?;
                    path(F::Initrd, true)?;
                }
                "kernel" => {
                    path(F::Kernel, false)?;
                    path(F::Initrd, true)?;
                }
                _ => {}
            },
            Page::Resources => {
                let (max_mib, max_cpus) = self.limits();
                let mem: u64 = self
                    .get(F::Memory)
                    .trim()
                    .parse()
                    .map_err(|_| (F::Memory, "memory: a whole number of MiB".to_string()))?;
                if !(16..=max_mib).contains(&mem) {
                    return Err((
                        F::Memory,
                        format!("memory: between 16 and {max_mib} MiB (the host's memory)"),
                    ));
                }
                let cpus: u32 = self
                    .get(F::Vcpus)
                    .trim()
                    .parse()
                    .map_err(|_| (F::Vcpus, "vCPUs: a whole number".to_string()))?;
                if !(1..=max_cpus).contains(&cpus) {
                    return Err((
                        F::Vcpus,
                        format!("vCPUs: between 1 and {max_cpus} (the host's CPUs)"),
                    ));
                }
            }
            Page::Disk if self.imports() => {}
            Page::Disk => match self.get(F::DiskKind) {
                "new" => {
                    chosen(F::Pool)?;
                    let name = self.get(F::VolName).trim();
                    if name.is_empty() || name.contains('/') || name.chars().any(char::is_control) {
                        return Err((F::VolName, "volume name: no '/', not empty".into()));
                    }
                    let pool = self.get(F::Pool);
                    if self
                        .volumes
                        .get(pool)
                        .is_some_and(|v| v.iter().any(|v| v.name == name))
                    {
                        return Err((
                            F::VolName,
                            format!("pool {pool} already has a volume {name}"),
                        ));
                    }
                    let size = parse_size(self.get(F::Size)).map_err(|e| (F::Size, e))?;
                    if size < 1 << 20 {
                        return Err((F::Size, "size: at least 1 MiB".into()));
                    }
                }
                "existing" => chosen(F::Existing)?,
                _ => {}
            },
            Page::Network => match self.get(F::NetKind) {
                "network" => chosen(F::Network)?,
                "bridge" if self.get(F::Bridge).trim().is_empty() => {
                    return Err((F::Bridge, "bridge: a bridge name is needed".into()));
                }
                _ => {}
            },
            Page::Options => {}
        }
        Ok(())
    }

    /// The host's memory (MiB) and CPUs, or generous limits until node info arrives.
    pub fn limits(&self) -> (u64, u32) {
        match &self.node {
            Some(n) => ((n.memory_kib / 1024).max(16), n.cpus.max(1)),
            None => (1 << 24, 4096),
        }
    }
}
