//! Attach / detach / update a device: choose the scope the domain allows, build the
//! fragment, send it in one libvirt call so live and config change together or not at all.

use virt::domain::Domain;
use virt::sys;

use super::fragment;
use super::parse;
use super::{DeviceError, DeviceOp, DeviceRef};
use crate::backend::xmltree::{self, Element};

/// Which definition a change applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Affect {
    /// What the domain allows: live + config when running and persistent, config when
    /// shut off, live when transient.
    #[default]
    Auto,
    Live,
    Config,
    Both,
}

impl Affect {
    /// The concrete scope for a domain that is `active` / `persistent`; refuses what the
    /// domain cannot have.
    pub fn resolve(self, active: bool, persistent: bool) -> Result<Affect, DeviceError> {
        let r = match self {
            Affect::Auto if active && persistent => Affect::Both,
            Affect::Auto if active => Affect::Live,
            Affect::Auto => Affect::Config,
            other => other,
        };
        if matches!(r, Affect::Live | Affect::Both) && !active {
            return Err(DeviceError::NotRunning);
        }
        if matches!(r, Affect::Config | Affect::Both) && !persistent {
            return Err(DeviceError::Transient);
        }
        Ok(r)
    }

    /// VIR_DOMAIN_AFFECT_* (the same bits as DEVICE_MODIFY_*, MEM_*, VCPU_*).
    pub fn flags(self) -> u32 {
        match self {
            Affect::Auto => sys::VIR_DOMAIN_AFFECT_CURRENT,
            Affect::Live => sys::VIR_DOMAIN_AFFECT_LIVE,
            Affect::Config => sys::VIR_DOMAIN_AFFECT_CONFIG,
            Affect::Both => sys::VIR_DOMAIN_AFFECT_LIVE | sys::VIR_DOMAIN_AFFECT_CONFIG,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Affect::Auto => "default",
            Affect::Live => "live",
            Affect::Config => "persistent",
            Affect::Both => "live and persistent",
        }
    }
}

/// How the fragment is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verb {
    Attach,
    Detach,
    Update,
}

/// A fragment ready to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prepared {
    pub verb: Verb,
    pub xml: String,
    pub affect: Affect,
}

/// The domain XML the change is built against: live when live is affected (running
/// devices, targets in use), else the persistent definition.
fn base_xml(dom: &Domain, affect: Affect) -> Result<String, DeviceError> {
    let flags = if affect == Affect::Config {
        sys::VIR_DOMAIN_XML_INACTIVE
    } else {
        0
    };
    Ok(dom.xml_desc(flags)?)
}

/// The `<devices>` child matching `what`.
fn find_device(root: &Element, what: &DeviceRef) -> Result<Element, DeviceError> {
    let devices = root.child("devices");
    let found = devices.and_then(|d| {
        d.children.iter().find(|e| match what {
            DeviceRef::Disk(t) => {
                e.name == "disk" && e.attr_at("target", "dev").as_deref() == Some(t.as_str())
            }
            DeviceRef::Nic(mac) => {
                e.name == "interface"
                    && e.attr_at("mac", "address")
                        .is_some_and(|m| m.eq_ignore_ascii_case(mac))
            }
            DeviceRef::Hostdev(addr) => {
                e.name == "hostdev" && parse::parse_hostdev(e).address.eq_ignore_ascii_case(addr)
            }
        })
    });
    found.cloned().ok_or_else(|| {
        DeviceError::NoDevice(match what {
            DeviceRef::Disk(t) => format!("disk {t}"),
            DeviceRef::Nic(m) => format!("interface with MAC {m}"),
            DeviceRef::Hostdev(a) => format!("host device {a}"),
        })
    })
}

/// Resolves the scope and builds the fragment for `op` without sending it.
pub fn prepare(dom: &Domain, op: &DeviceOp, affect: Affect) -> Result<Prepared, DeviceError> {
    let active = dom.is_active()?;
    let persistent = dom.is_persistent()?;
    let affect = affect.resolve(active, persistent)?;
    let base = base_xml(dom, affect)?;
    let root = xmltree::parse(&base).map_err(DeviceError::Libvirt)?;
    let invalid = DeviceError::Invalid;
    let (verb, xml) = match op {
        DeviceOp::AttachDisk(spec) => {
            let mut disks = parse::parse(&base).map_err(invalid)?.disks;
            // A target used only in the other definition would clash when both change.
            if affect == Affect::Both
                && let Ok(inactive) = dom.xml_desc(sys::VIR_DOMAIN_XML_INACTIVE)
                && let Ok(more) = parse::parse(&inactive)
            {
                disks.extend(more.disks);
            }
            (
                Verb::Attach,
                fragment::disk_xml(spec, &disks).map_err(invalid)?,
            )
        }
        DeviceOp::AttachNic(spec) => (Verb::Attach, fragment::nic_xml(spec).map_err(invalid)?),
        DeviceOp::AttachHostdev(spec) => {
            (Verb::Attach, fragment::hostdev_xml(spec).map_err(invalid)?)
        }
        DeviceOp::Detach(what) => (Verb::Detach, find_device(&root, what)?.to_xml()),
        DeviceOp::ChangeMedia { target, media } => {
            let el = find_device(&root, &DeviceRef::Disk(target.clone()))?;
            let xml = fragment::media_xml(&el, media.as_deref()).map_err(invalid)?;
            (Verb::Update, xml)
        }
        DeviceOp::SetLink { mac, up } => {
            let el = find_device(&root, &DeviceRef::Nic(mac.clone()))?;
            (Verb::Update, fragment::link_xml(&el, *up))
        }
    };
    Ok(Prepared { verb, xml, affect })
}

/// Sends a prepared fragment: one call with the combined flags, so libvirt applies live
/// and config together (the qemu driver checks the config copy first and saves it only
/// after the live change succeeded).
pub fn send(dom: &Domain, p: &Prepared) -> Result<(), DeviceError> {
    let flags = p.affect.flags();
    match p.verb {
        Verb::Attach => dom.attach_device_flags(&p.xml, flags),
        Verb::Detach => dom.detach_device_flags(&p.xml, flags),
        Verb::Update => dom.update_device_flags(&p.xml, flags),
    }
    .map_err(DeviceError::from)
}

/// Prepares and (unless `dry_run`) sends `op`; the fragment is returned either way when
/// it could be built.
pub fn run_op(dom: &Domain, op: &DeviceOp, affect: Affect, dry_run: bool) -> super::OpOutcome {
    match prepare(dom, op, affect) {
        Ok(p) => {
            let result = if dry_run { Ok(()) } else { send(dom, &p) };
            super::OpOutcome {
                xml: p.xml,
                affect: p.affect,
                result,
            }
        }
        Err(e) => super::OpOutcome {
            xml: String::new(),
            affect,
            result: Err(e),
        },
    }
}
