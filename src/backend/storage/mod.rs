//! Storage: pools, volumes, which domains use a volume, a domain's disks and chains, and
//! volume upload / download. What the UI asks (`StorageCmd`) and hears (`StorageEvent`).

pub mod disks;
pub mod external;
mod handle;
mod pools;
mod transfer;
pub mod units;
mod usage;
pub(crate) mod volumes;

use std::path::PathBuf;
use std::time::Duration;

use super::model::{DomainId, RequestId};

pub use disks::{ChainImage, DiskInfo, Mirror};
pub(crate) use handle::Storage;

/// `virStoragePoolState`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolState {
    Inactive,
    Building,
    Running,
    Degraded,
    Inaccessible,
    Unknown(u32),
}

impl PoolState {
    pub fn from_raw(raw: u32) -> Self {
        match raw {
            0 => Self::Inactive,
            1 => Self::Building,
            2 => Self::Running,
            3 => Self::Degraded,
            4 => Self::Inaccessible,
            o => Self::Unknown(o),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Inactive => "inactive",
            Self::Building => "building",
            Self::Running => "running",
            Self::Degraded => "degraded",
            Self::Inaccessible => "inaccessible",
            Self::Unknown(_) => "unknown",
        }
    }
}

/// One storage pool (`virsh pool-list --details` and `pool-info`).
#[derive(Clone, Debug, PartialEq)]
pub struct PoolInfo {
    pub name: String,
    pub uuid: String,
    pub state: PoolState,
    pub autostart: bool,
    pub persistent: bool,
    /// dir, logical, netfs, iscsi…
    pub kind: String,
    /// The target path (`<target><path>`).
    pub target: Option<String>,
    pub capacity: u64,
    pub allocation: u64,
    pub available: u64,
}

/// A pool as libvirt stored it after a define.
#[derive(Clone, Debug, PartialEq)]
pub struct DefinedPool {
    pub info: PoolInfo,
    /// The persistent definition.
    pub xml: String,
}

/// A domain that uses a volume.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VolumeUser {
    pub id: DomainId,
    pub name: String,
    pub running: bool,
    /// The disk target (vda) it is attached as.
    pub disk: String,
    /// As a backing image under the disk's top image, not the top itself.
    pub as_backing: bool,
}

/// One volume (`virsh vol-list --details` plus its XML).
#[derive(Clone, Debug, PartialEq)]
pub struct VolumeInfo {
    pub pool: String,
    pub name: String,
    pub key: String,
    pub path: String,
    /// file, block, dir, network, netdir, ploop.
    pub kind: String,
    /// raw, qcow2, iso… from the volume XML.
    pub format: Option<String>,
    pub capacity: u64,
    pub allocation: u64,
    pub backing_path: Option<String>,
    pub backing_format: Option<String>,
    pub users: Vec<VolumeUser>,
}

/// Pool actions without arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolOp {
    Start,
    /// Stop (virsh pool-destroy): data stays.
    Destroy,
    Refresh,
    Build,
    SetAutostart(bool),
    /// Forget the definition; data stays.
    Undefine,
    /// Delete the pool's storage (VIR_STORAGE_POOL_DELETE_NORMAL): the directory goes.
    Delete,
}

impl PoolOp {
    pub fn label(self) -> &'static str {
        match self {
            PoolOp::Start => "start",
            PoolOp::Destroy => "stop",
            PoolOp::Refresh => "refresh",
            PoolOp::Build => "build",
            PoolOp::SetAutostart(true) => "autostart on",
            PoolOp::SetAutostart(false) => "autostart off",
            PoolOp::Undefine => "undefine",
            PoolOp::Delete => "delete",
        }
    }
}

/// What `vol-create-as` takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewVolume {
    pub name: String,
    /// Bytes (parse user text with [`units::parse_size`]).
    pub capacity: u64,
    /// raw or qcow2.
    pub format: String,
    /// A backing image path and its format (qcow2 overlays).
    pub backing: Option<(String, String)>,
}

/// Why a storage request failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StorageError {
    /// A running domain uses the volume (as its disk or under it in a chain).
    #[error("{volume} is in use by the running domain {domain} ({disk})")]
    InUse {
        volume: String,
        domain: String,
        id: DomainId,
        disk: String,
    },
    #[error("{0}")]
    Invalid(String),
    /// The pool or volume being worked on no longer exists.
    #[error("{0}")]
    Gone(String),
    #[error("the connection is read-only")]
    ReadOnly,
    #[error("not connected (reconnecting)")]
    NotConnected,
    #[error("{0}")]
    Libvirt(String),
}

/// Upload into a volume or download out of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Upload,
    Download,
}

/// Progress of a transfer.
#[derive(Clone, Debug, PartialEq)]
pub struct TransferProgress {
    pub done: u64,
    pub total: u64,
    /// Bytes per second since the start.
    pub rate: f64,
    pub elapsed: Duration,
}

/// Requests for pools, volumes and disks. Pools and volumes are named (names are unique
/// on a host; volumes within their pool).
#[derive(Clone, Debug, PartialEq)]
pub enum StorageCmd {
    ListPools {
        req: RequestId,
    },
    Pool {
        req: RequestId,
        pool: String,
        op: PoolOp,
    },
    /// The pool's XML (`inactive`: the persistent definition).
    PoolXml {
        req: RequestId,
        pool: String,
        inactive: bool,
    },
    /// Define a new pool or replace a definition (virStoragePoolDefineXML); `editing`:
    /// the UUID of the pool the XML was loaded from. Replied to with `PoolDefined`.
    DefinePool {
        req: RequestId,
        editing: Option<String>,
        xml: String,
    },
    ListVolumes {
        req: RequestId,
        pool: String,
    },
    CreateVolume {
        req: RequestId,
        pool: String,
        spec: NewVolume,
    },
    /// Refused while a running domain uses it.
    DeleteVolume {
        req: RequestId,
        pool: String,
        name: String,
    },
    WipeVolume {
        req: RequestId,
        pool: String,
        name: String,
    },
    /// New capacity in bytes; smaller than now only with `shrink`.
    ResizeVolume {
        req: RequestId,
        pool: String,
        name: String,
        capacity: u64,
        shrink: bool,
    },
    CloneVolume {
        req: RequestId,
        pool: String,
        name: String,
        new_name: String,
    },
    VolumeXml {
        req: RequestId,
        pool: String,
        name: String,
    },
    /// Which defined domains use this volume, for a delete's confirmation.
    VolumeUsers {
        req: RequestId,
        pool: String,
        name: String,
    },
    /// A domain's disks with their chains and sizes (live XML when running).
    Disks {
        req: RequestId,
        id: DomainId,
    },
    /// What stays on disk if the external snapshot `snapshot` is deleted, and in which
    /// disk's chain each file is.
    SnapshotFiles {
        req: RequestId,
        id: DomainId,
        snapshot: String,
    },
    /// Copy a local file into a volume, or a volume into a local file, on a thread.
    Transfer {
        req: RequestId,
        pool: String,
        name: String,
        file: PathBuf,
        direction: Direction,
    },
    /// Cancel the transfer started by request `req`.
    CancelTransfer {
        req: RequestId,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum StorageEvent {
    Pools {
        req: RequestId,
        result: Result<Vec<PoolInfo>, StorageError>,
    },
    Volumes {
        req: RequestId,
        pool: String,
        result: Result<Vec<VolumeInfo>, StorageError>,
    },
    /// A pool or volume action finished; the text says what happened.
    Done {
        req: RequestId,
        what: String,
        result: Result<String, StorageError>,
    },
    Xml {
        req: RequestId,
        result: Result<String, StorageError>,
    },
    /// The reply to `DefinePool`.
    PoolDefined {
        req: RequestId,
        result: Result<DefinedPool, StorageError>,
    },
    Users {
        req: RequestId,
        result: Result<Vec<VolumeUser>, StorageError>,
    },
    Disks {
        req: RequestId,
        id: DomainId,
        result: Result<Vec<DiskInfo>, String>,
    },
    SnapshotFiles {
        req: RequestId,
        result: Result<Vec<external::RemainingFile>, String>,
    },
    TransferProgress {
        req: RequestId,
        progress: TransferProgress,
    },
    /// `Err` after a failure or a cancel says what became of the target (a download's
    /// temporary file is removed; an upload leaves the volume's content partial).
    TransferFinished {
        req: RequestId,
        direction: Direction,
        result: Result<TransferProgress, String>,
    },
}
