//! vCPU and memory changes (`virsh setvcpus` / `setmem` / `setmaxmem`) checked against the
//! limits libvirt reports, so a refusal names the limit instead of a generic failure.

use virt::connect::Connect;
use virt::domain::Domain;
use virt::sys;

use super::DeviceError;
use super::hotplug::Affect;
use crate::backend::xmltree;

/// What the vCPU / memory dialog offers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    pub active: bool,
    pub persistent: bool,
    /// `virConnectGetMaxVcpus` for the domain's type (kvm, qemu, test).
    pub host_max_vcpus: Option<u32>,
    /// The domain's maximum vCPUs (`<vcpu>` element).
    pub max_vcpus: u32,
    /// Current vCPUs (live when running).
    pub vcpus: u32,
    /// `<memory>`: the most the balloon can give, KiB.
    pub max_memory_kib: u64,
    /// Current balloon size, KiB.
    pub memory_kib: u64,
}

fn domain_type(dom: &Domain) -> Option<String> {
    let xml = dom.xml_desc(sys::VIR_DOMAIN_XML_INACTIVE).ok()?;
    xmltree::parse(&xml).ok()?.attr("type").map(str::to_string)
}

pub fn read_limits(conn: &Connect, dom: &Domain) -> Result<Limits, DeviceError> {
    let active = dom.is_active()?;
    let persistent = dom.is_persistent()?;
    let scope = if active {
        sys::VIR_DOMAIN_VCPU_LIVE
    } else {
        sys::VIR_DOMAIN_VCPU_CONFIG
    };
    let info = dom.info()?;
    let host_max_vcpus = domain_type(dom).and_then(|t| conn.max_vcpus(Some(&t)).ok());
    Ok(Limits {
        active,
        persistent,
        host_max_vcpus,
        max_vcpus: dom.vcpus_flags(scope | sys::VIR_DOMAIN_VCPU_MAXIMUM)?,
        vcpus: dom.vcpus_flags(scope)?,
        max_memory_kib: info.max_mem,
        memory_kib: info.memory,
    })
}

/// `setmem` (or `setmaxmem` with `maximum`) in KiB.
pub fn set_memory(
    conn: &Connect,
    dom: &Domain,
    kib: u64,
    maximum: bool,
    affect: Affect,
) -> Result<Affect, DeviceError> {
    let limits = read_limits(conn, dom)?;
    let affect = affect.resolve(limits.active, limits.persistent)?;
    if kib == 0 {
        return Err(DeviceError::Invalid("memory must be above 0".into()));
    }
    if !maximum && kib > limits.max_memory_kib {
        return Err(DeviceError::AboveMaximum {
            what: "memory (KiB)",
            asked: kib,
            max: limits.max_memory_kib,
        });
    }
    let mut flags = affect.flags();
    if maximum {
        flags |= sys::VIR_DOMAIN_MEM_MAXIMUM;
    }
    dom.set_memory_flags(kib, flags)?;
    Ok(affect)
}

/// `setvcpus` (or `setvcpus --maximum`).
pub fn set_vcpus(
    conn: &Connect,
    dom: &Domain,
    count: u32,
    maximum: bool,
    affect: Affect,
) -> Result<Affect, DeviceError> {
    let limits = read_limits(conn, dom)?;
    let affect = affect.resolve(limits.active, limits.persistent)?;
    if count == 0 {
        return Err(DeviceError::Invalid(
            "a domain needs at least one vCPU".into(),
        ));
    }
    let (what, max) = if maximum {
        ("maximum vCPUs", limits.host_max_vcpus.unwrap_or(u32::MAX))
    } else {
        ("vCPUs", limits.max_vcpus)
    };
    if count > max {
        return Err(DeviceError::AboveMaximum {
            what,
            asked: u64::from(count),
            max: u64::from(max),
        });
    }
    let mut flags = affect.flags();
    if maximum {
        flags |= sys::VIR_DOMAIN_VCPU_MAXIMUM;
    }
    dom.set_vcpus_flags(count, flags)?;
    Ok(affect)
}
