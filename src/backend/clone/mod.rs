//! Cloning a domain (what virt-clone does): a plan of its disks, then a job on its own
//! thread that copies or overlays each disk, defines the clone with a new name, UUID and
//! MACs, and removes whatever it made if it fails or is cancelled.

mod copy;
mod job;
mod plan;
pub mod xml;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use virt::connect::Connect;

use super::message::BackendEvent;
use super::model::{DomainId, HostId, RequestId};
use super::worker::EventSink;

pub use xml::SourceDisk;

/// What becomes of one disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiskMode {
    /// A full copy in a pool (virStorageVolCreateXMLFrom, or a streamed copy).
    Copy,
    /// A qcow2 overlay whose backing file is the original image.
    Link,
    /// The clone uses the same source (read-only and shareable disks).
    Share,
    /// Left out of the clone.
    Leave,
}

impl DiskMode {
    pub fn label(self) -> &'static str {
        match self {
            DiskMode::Copy => "copy",
            DiskMode::Link => "linked (overlay)",
            DiskMode::Share => "share",
            DiskMode::Leave => "leave out",
        }
    }
}

/// One disk of the plan: the disk and where its data is now.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanDisk {
    pub disk: SourceDisk,
    /// The pool holding its source volume, if any.
    pub pool: Option<String>,
    /// The image's path (a volume disk's resolved).
    pub path: Option<String>,
    /// Bytes a copy moves (the image's physical size), when known.
    pub size: Option<u64>,
}

/// What the clone dialog needs to offer choices.
#[derive(Clone, Debug, PartialEq)]
pub struct ClonePlan {
    pub id: DomainId,
    pub name: String,
    pub paused: bool,
    pub running: bool,
    pub disks: Vec<PlanDisk>,
    /// Running pools, by name: where copies and overlays may go.
    pub pools: Vec<String>,
    /// Every domain name on the host (the new name must be none of them).
    pub names: Vec<String>,
    /// Disks outside every pool can be read here and streamed into a volume.
    pub local: bool,
}

/// What the user chose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloneSpec {
    pub new_name: String,
    /// (target, mode); disks not named get their default mode.
    pub disks: Vec<(String, DiskMode)>,
    /// Where new volumes go; `None`: each disk's own pool.
    pub pool: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum CloneCmd {
    /// Read the domain's disks, the pools and the names taken.
    Plan { req: RequestId, id: DomainId },
    /// Run the clone on a thread of its own.
    Start {
        req: RequestId,
        id: DomainId,
        spec: CloneSpec,
    },
    /// Stop the clone started by request `req` and remove what it made.
    Cancel { req: RequestId },
}

/// Progress of a clone.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct CloneProgress {
    /// What it is doing ("copying vda into pool images").
    pub step: String,
    pub done: u64,
    pub total: u64,
    pub elapsed: Duration,
}

impl CloneProgress {
    pub fn percent(&self) -> Option<u8> {
        (self.total > 0)
            .then(|| ((self.done.min(self.total) as u128 * 100) / self.total as u128) as u8)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum CloneEvent {
    /// (The plan is boxed: every event on the channel is as large as the largest.)
    Plan {
        req: RequestId,
        id: DomainId,
        result: Result<Box<ClonePlan>, String>,
    },
    Progress {
        req: RequestId,
        id: DomainId,
        /// "web-01 → web-02".
        what: String,
        progress: CloneProgress,
    },
    /// `Ok`: the new domain and a summary; `Err`: why, and what was removed.
    Finished {
        req: RequestId,
        id: DomainId,
        what: String,
        result: Result<(DomainId, String), String>,
    },
}

/// The clones of one worker: their cancel flags.
pub(crate) struct Clones {
    host: HostId,
    running: HashMap<RequestId, Arc<AtomicBool>>,
}

impl Clones {
    pub fn new(host: HostId) -> Self {
        Clones {
            host,
            running: HashMap::new(),
        }
    }

    pub fn handle(
        &mut self,
        conn: Option<&Connect>,
        readonly: bool,
        sink: &EventSink,
        cmd: CloneCmd,
    ) {
        let host = self.host;
        let refused = match (conn, readonly) {
            (None, _) => Some("not connected (reconnecting)"),
            (_, true) => Some("the connection is read-only"),
            _ => None,
        };
        let emit = |ev: CloneEvent| sink(BackendEvent::Clone(host, ev));
        match cmd {
            CloneCmd::Cancel { req } => {
                if let Some(flag) = self.running.get(&req) {
                    flag.store(true, Ordering::Relaxed);
                }
            }
            CloneCmd::Plan { req, id } => {
                let result = match (conn, refused) {
                    (Some(c), None) => plan::read(c, &id).map(Box::new),
                    (_, why) => Err(why.unwrap_or("not connected").to_string()),
                };
                emit(CloneEvent::Plan { req, id, result });
            }
            CloneCmd::Start { req, id, spec } => {
                let what = format!("clone → {}", spec.new_name);
                let conn = match (conn, refused) {
                    (Some(c), None) => c.clone(),
                    (_, why) => {
                        return emit(CloneEvent::Finished {
                            req,
                            id,
                            what,
                            result: Err(why.unwrap_or("not connected").to_string()),
                        });
                    }
                };
                self.running.retain(|_, f| Arc::strong_count(f) > 1);
                let cancel = Arc::new(AtomicBool::new(false));
                self.running.insert(req, cancel.clone());
                let job = job::Job {
                    host,
                    req,
                    id: id.clone(),
                    spec,
                    cancel,
                    sink: sink.clone(),
                };
                if let Err(e) = std::thread::Builder::new()
                    .name("clone-job".into())
                    .spawn(move || job.run(conn))
                {
                    emit(CloneEvent::Finished {
                        req,
                        id,
                        what,
                        result: Err(format!("cannot start a thread: {e}")),
                    });
                }
            }
        }
    }
}
