//! A domain's devices: reading them (`parse`), hot-plug / change media / link state
//! (`fragment` builds the XML, `hotplug` sends it), send-key and vCPU / memory changes.

pub mod fragment;
#[cfg(test)]
mod fragment_tests;
mod handle;
mod hotplug;
pub mod keys;
pub mod parse;
mod resources;

pub use fragment::{DiskSource, DiskSpec, HostdevSpec, NicSource, NicSpec};
pub(crate) use handle::handle;
pub use hotplug::{Affect, prepare, run_op};
pub use parse::DomainDevices;
pub use resources::{Limits, read_limits, set_memory, set_vcpus};

use super::model::{DomainId, RequestId};

/// Which device of a domain an operation is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeviceRef {
    /// A disk by target (`vdb`, `hdc`).
    Disk(String),
    /// A NIC by MAC address.
    Nic(String),
    /// A host device by PCI address or USB `vendor:product` as `HostdevInfo::address` shows.
    Hostdev(String),
}

/// A change to a domain's devices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeviceOp {
    AttachDisk(DiskSpec),
    AttachNic(NicSpec),
    AttachHostdev(HostdevSpec),
    Detach(DeviceRef),
    /// Insert `Some(path)` into the CD-ROM / floppy `target`, or eject with `None`.
    ChangeMedia {
        target: String,
        media: Option<String>,
    },
    /// NIC link up / down (`virsh domif-setlink`).
    SetLink {
        mac: String,
        up: bool,
    },
}

/// What the UI can ask about a domain's devices and resources.
#[derive(Clone, Debug, PartialEq)]
pub enum DeviceCmd {
    /// Read the devices (live XML when running).
    List { req: RequestId, id: DomainId },
    /// Build the fragment and report it without sending (`dry_run`), or send it.
    Run {
        req: RequestId,
        id: DomainId,
        op: DeviceOp,
        affect: Affect,
        dry_run: bool,
    },
    /// `virDomainSendKey`, linux keycodes (see `keys`), held `hold_ms` (0: libvirt's default).
    SendKey {
        req: RequestId,
        id: DomainId,
        codes: Vec<u32>,
        hold_ms: u32,
    },
    /// Current (or with `maximum` the maximum) memory in KiB.
    SetMemory {
        req: RequestId,
        id: DomainId,
        kib: u64,
        maximum: bool,
        affect: Affect,
    },
    /// Current (or with `maximum` the maximum) vCPU count.
    SetVcpus {
        req: RequestId,
        id: DomainId,
        count: u32,
        maximum: bool,
        affect: Affect,
    },
    /// Read the limits the memory / vCPU dialog shows.
    Limits { req: RequestId, id: DomainId },
}

/// Why a device or resource change was refused or failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DeviceError {
    #[error("the connection is read-only")]
    ReadOnly,
    #[error("not connected (reconnecting)")]
    NotConnected,
    #[error("the domain no longer exists")]
    NoDomain,
    #[error("the domain is not running: a live change needs a running domain")]
    NotRunning,
    #[error("the domain is transient: it has no persistent configuration to change")]
    Transient,
    #[error("{what} {asked} is above the maximum of {max}")]
    AboveMaximum {
        what: &'static str,
        asked: u64,
        max: u64,
    },
    #[error("no {0} in the domain")]
    NoDevice(String),
    /// The request itself is wrong (bad path, bad address, no such key).
    #[error("{0}")]
    Invalid(String),
    /// libvirt refused; its words.
    #[error("{0}")]
    Libvirt(String),
}

impl From<virt::error::Error> for DeviceError {
    fn from(e: virt::error::Error) -> Self {
        if crate::backend::domains::is_no_domain(&e) {
            DeviceError::NoDomain
        } else {
            DeviceError::Libvirt(e.message().to_string())
        }
    }
}

/// The outcome of a `DeviceCmd::Run`: the fragment (always, so it can be shown), the
/// scope it applied to, and the result (`Ok` without sending for a dry run).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpOutcome {
    pub xml: String,
    pub affect: Affect,
    pub result: Result<(), DeviceError>,
}

/// What the backend reports for `DeviceCmd`s.
#[derive(Clone, Debug, PartialEq)]
pub enum DeviceEvent {
    Devices {
        req: RequestId,
        id: DomainId,
        result: Result<DomainDevices, DeviceError>,
    },
    /// A `Run`; for a dry run nothing was sent.
    Ran {
        req: RequestId,
        id: DomainId,
        op: DeviceOp,
        dry_run: bool,
        outcome: OpOutcome,
    },
    /// SendKey, SetMemory, SetVcpus.
    Done {
        req: RequestId,
        id: DomainId,
        what: String,
        result: Result<(), DeviceError>,
    },
    Limits {
        req: RequestId,
        id: DomainId,
        result: Result<Limits, DeviceError>,
    },
}
