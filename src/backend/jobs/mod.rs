//! Block jobs (commit, pull, copy) and domain jobs (save, restore, managed save): what the
//! UI asks (`JobCmd`), what it hears (`JobEvent`), and the registry of running jobs.

mod block;
mod registry;
mod save;

use std::time::{Duration, Instant};

use super::model::{DomainId, RequestId};

pub(crate) use block::Jobs;
pub use registry::rate_and_eta;

/// `virDomainBlockJobType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockJobKind {
    Pull,
    Copy,
    Commit,
    ActiveCommit,
    Backup,
    Unknown(i32),
}

impl BlockJobKind {
    pub fn from_raw(raw: i32) -> Self {
        match raw {
            1 => Self::Pull,
            2 => Self::Copy,
            3 => Self::Commit,
            4 => Self::ActiveCommit,
            5 => Self::Backup,
            other => Self::Unknown(other),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Pull => "pull",
            Self::Copy => "copy",
            Self::Commit => "commit",
            Self::ActiveCommit => "active commit",
            Self::Backup => "backup",
            Self::Unknown(_) => "block job",
        }
    }

    /// Jobs that mirror writes and end with a pivot (or an abort) after READY.
    pub fn pivots(self) -> bool {
        matches!(self, Self::Copy | Self::ActiveCommit)
    }
}

/// Where a running block job is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobPhase {
    Running,
    /// libvirt sent VIR_DOMAIN_BLOCK_JOB_READY (or the XML says `ready='yes'`): a pivot
    /// is allowed now, and only now.
    Ready,
}

/// How a block job ended (`virConnectDomainEventBlockJobStatus`, or it vanished).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobEnd {
    Completed,
    Failed,
    Canceled,
    /// No event arrived but libvirt no longer reports the job (finished while we were
    /// disconnected, or on a driver without events).
    Gone,
}

/// A running block job as the jobs view shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct BlockJob {
    pub id: DomainId,
    pub domain: String,
    /// The disk's target (vda).
    pub disk: String,
    pub kind: BlockJobKind,
    pub phase: JobPhase,
    pub cur: u64,
    pub end: u64,
    /// Speed limit in bytes/s, 0 = unlimited.
    pub bandwidth: u64,
    /// Bytes per second from the recent samples.
    pub rate: Option<f64>,
    pub eta: Option<Duration>,
    /// When we first saw it (found at start-up, an event, or our own start).
    pub seen: Instant,
    /// Started through this backend (as opposed to found: virsh, an earlier run).
    pub ours: bool,
}

impl BlockJob {
    /// 0..=100, `None` before libvirt knows the size.
    pub fn percent(&self) -> Option<u8> {
        (self.end > 0).then(|| ((self.cur.min(self.end) as u128 * 100) / self.end as u128) as u8)
    }
}

/// Why a job request was refused before or by libvirt.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// Pivot asked before libvirt said READY (cur == end alone is not enough).
    #[error("{disk}: the {kind} job is not ready to pivot yet (wait for libvirt's READY)")]
    NotReady { disk: String, kind: &'static str },
    #[error("{disk}: no block job is running on this disk")]
    NoJob { disk: String },
    #[error("{disk}: this {kind} job does not pivot (it finishes by itself)")]
    CannotPivot { disk: String, kind: &'static str },
    #[error("no disk {disk} on this domain")]
    NoDisk { disk: String },
    #[error("the connection is read-only")]
    ReadOnly,
    #[error("not connected (reconnecting)")]
    NotConnected,
    /// libvirt's own reason.
    #[error("{0}")]
    Libvirt(String),
}

/// What a block copy writes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopyDest {
    pub path: String,
    /// raw or qcow2.
    pub format: String,
    /// Copy only the top image; the destination gets the same backing chain.
    pub shallow: bool,
    /// The destination exists already (pre-created by the user).
    pub reuse_existing: bool,
}

/// Requests for jobs. `domain` is the name the user saw, for messages only.
#[derive(Clone, Debug, PartialEq)]
pub enum JobCmd {
    /// Commit `top` (a path in the chain; `None` = the active image, which makes it an
    /// active commit that ends with a pivot) into `base` (`None` = the chain's base).
    Commit {
        req: RequestId,
        id: DomainId,
        disk: String,
        top: Option<String>,
        base: Option<String>,
        /// Keep relative backing names in the images above (VIR_DOMAIN_BLOCK_COMMIT_RELATIVE).
        relative: bool,
        bandwidth: u64,
    },
    /// Pull the data of the images below the top, down to (not including) `base`, into the
    /// top (`None` = the whole chain: the top stands alone afterwards).
    Pull {
        req: RequestId,
        id: DomainId,
        disk: String,
        base: Option<String>,
        bandwidth: u64,
    },
    /// Copy the disk to `dest`; after READY, `Pivot` switches to it and `Abort` keeps the
    /// copy as a point-in-time image.
    Copy {
        req: RequestId,
        id: DomainId,
        disk: String,
        dest: CopyDest,
        bandwidth: u64,
    },
    /// Finish a READY copy or active commit by switching the disk over.
    Pivot {
        req: RequestId,
        id: DomainId,
        disk: String,
    },
    /// Cancel a job (a READY copy stays a valid point-in-time copy).
    Abort {
        req: RequestId,
        id: DomainId,
        disk: String,
    },
    SetSpeed {
        req: RequestId,
        id: DomainId,
        disk: String,
        bytes_per_sec: u64,
    },
    /// Every running block job on the host.
    List { req: RequestId },
    /// Save a running domain's memory to `path` (the domain stops).
    Save {
        req: RequestId,
        id: DomainId,
        domain: String,
        path: String,
    },
    /// Start a domain from a file `Save` wrote.
    Restore { req: RequestId, path: String },
    /// Save into libvirt's managed image; the next start resumes.
    ManagedSave {
        req: RequestId,
        id: DomainId,
        domain: String,
    },
    ManagedSaveRemove {
        req: RequestId,
        id: DomainId,
        domain: String,
    },
    /// Whether the domain has a managed save image (it shows as "saved"; the next start
    /// resumes it).
    ManagedSaveState { req: RequestId, id: DomainId },
    /// Cancel a running save (virDomainAbortJob).
    AbortDomainJob {
        req: RequestId,
        id: DomainId,
        domain: String,
    },
}

/// Progress of a save / restore / managed save from the domain's job stats.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct DomainJobProgress {
    pub elapsed: Duration,
    pub processed: Option<u64>,
    pub total: Option<u64>,
    pub percent: Option<u8>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum JobEvent {
    /// A block job appeared or moved (progress, READY).
    BlockJobUpdated(BlockJob),
    /// A block job ended. `at` is when libvirt's callback ran (latency measurement).
    BlockJobEnded {
        id: DomainId,
        domain: String,
        disk: String,
        kind: BlockJobKind,
        end: JobEnd,
        at: Instant,
    },
    /// Reply to a block job request.
    Reply {
        req: RequestId,
        id: DomainId,
        disk: String,
        result: Result<String, JobError>,
    },
    /// Reply to `List`.
    List { req: RequestId, jobs: Vec<BlockJob> },
    /// Reply to `ManagedSaveState`.
    ManagedSaveState {
        req: RequestId,
        id: DomainId,
        result: Result<bool, String>,
    },
    /// A save / restore / managed save started on its own thread.
    DomainJobStarted {
        req: RequestId,
        id: Option<DomainId>,
        what: String,
    },
    DomainJobProgress {
        req: RequestId,
        id: Option<DomainId>,
        progress: DomainJobProgress,
    },
    DomainJobFinished {
        req: RequestId,
        id: Option<DomainId>,
        what: String,
        result: Result<String, String>,
    },
}
