//! Events the backend reports to the UI: connection state, domain changes, replies.

use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::console::ConsoleEvent;
use super::devices::DeviceEvent;
use super::events::DomainEventRecord;
use super::jobs::JobEvent;
use super::model::{DomainId, DomainInfo, HostId, LifecycleOp, RequestId};
use super::network::NetEvent;
use super::node::NodeEvent;
use super::snapshots::SnapshotEvent;
use super::stats::DomainStats;
use super::storage::StorageEvent;

#[derive(Clone, Debug, PartialEq)]
pub enum BackendEvent {
    /// The connection is (again) open.
    Connected {
        host: HostId,
        uri: String,
        hostname: String,
        readonly: bool,
    },
    /// The connection dropped; the worker is reconnecting.
    Disconnected { host: HostId, reason: String },
    /// A reconnect attempt failed; the next one follows after `retry_in`.
    ReconnectFailed {
        host: HostId,
        attempt: u32,
        error: String,
        retry_in: Duration,
    },
    /// The complete set of domains (initial load, reconcile, reconnect).
    DomainList(HostId, Vec<DomainInfo>),
    /// One domain changed (after a libvirt event or an action without an event).
    DomainUpdated(DomainInfo),
    /// A domain is gone (undefined while shut off, or a transient one stopped).
    DomainRemoved(DomainId),
    /// A libvirt lifecycle event arrived (for the activity log; the model changes through
    /// `DomainUpdated` / `DomainRemoved`).
    Lifecycle {
        id: DomainId,
        name: String,
        event: LifecycleEventKind,
        detail: i32,
    },
    /// One stats tick: cumulative counters of every active domain (one bulk call).
    Stats {
        host: HostId,
        at: Instant,
        domains: Vec<DomainStats>,
    },
    /// A requested action finished.
    ActionDone {
        req: RequestId,
        id: DomainId,
        name: String,
        op: LifecycleOp,
    },
    /// A requested action failed; `message` is libvirt's.
    ActionFailed {
        req: RequestId,
        id: DomainId,
        name: String,
        op: LifecycleOp,
        message: String,
    },
    /// A domain's XML, or libvirt's reason for not giving it.
    XmlFetched {
        req: RequestId,
        id: DomainId,
        live: bool,
        secure: bool,
        result: Result<String, String>,
    },
    /// The outcome of `Command::DefineXml`; the error is libvirt's text.
    XmlDefined {
        host: HostId,
        req: RequestId,
        result: Result<super::xmldef::Defined, String>,
    },
    /// Snapshot lists and snapshot job progress.
    Snapshot(SnapshotEvent),
    /// Pools, volumes, disks and transfers.
    Storage(HostId, StorageEvent),
    /// Block jobs and save / restore: progress, READY, ends, replies.
    Jobs(HostId, JobEvent),
    /// A serial console's output or state changed.
    Console(HostId, ConsoleEvent),
    /// A bulk job's progress: `done` of `total` domains finished.
    BulkProgress {
        host: HostId,
        req: RequestId,
        done: usize,
        total: usize,
    },
    /// A bulk job finished: every domain's outcome, in the order given.
    BulkDone {
        host: HostId,
        req: RequestId,
        op: super::bulk::BulkOp,
        report: crate::bulk::Report<DomainId>,
    },
    /// (These four are boxed: they are rare and large, and the channel carries every
    /// stats tick in the size of the largest variant.)
    /// Network list changes, network events, replies to `Command::Network`, addresses.
    Network(HostId, Box<NetEvent>),
    /// Replies to `Command::Device`.
    Device(HostId, Box<DeviceEvent>),
    /// Replies to `Command::Node`.
    Node(HostId, Box<NodeEvent>),
    /// Replies to `Command::Create` other than the define's own `XmlDefined`.
    Create(HostId, Box<super::create::CreateEvent>),
    /// A domain event other than lifecycle (reboot, device added / removed, balloon,
    /// watchdog, I/O error), for the events view.
    DomainEvent(HostId, Box<DomainEventRecord>),
    /// A clone's plan, progress and outcome.
    Clone(HostId, super::clone::CloneEvent),
    /// Replies about a domain's name, title and description.
    Rename(HostId, super::rename::RenameEvent),
    /// Something failed outside any request (a reconcile, a stats read).
    Error(HostId, String),
    /// A connection attempt (the first or a reconnect) failed; the next one follows after
    /// `retry_in`. `auth`: SSH or libvirt refused the credentials, so retrying alone will
    /// not help (an interactive reconnect may).
    ConnectFailed {
        host: HostId,
        attempt: u32,
        error: String,
        hint: String,
        auth: bool,
        retry_in: Duration,
    },
    /// Versions, CPU and memory of the host (on connect, then every few stats ticks).
    HostFacts(HostId, super::model::HostFacts),
    /// libvirt's auth callback asks for credentials (a libssh key passphrase or password,
    /// a SASL name): the worker waits, blocked, for the answers on `reply`.
    AuthRequest {
        host: HostId,
        uri: String,
        requests: Vec<super::ffi::auth::CredRequest>,
        reply: AuthReply,
    },
}

/// Where the answers to an [`BackendEvent::AuthRequest`] go: once, then it is spent.
/// `None` cancels the connection attempt; dropping every copy unanswered cancels too.
#[derive(Clone)]
pub struct AuthReply(Arc<Mutex<Option<SyncSender<Answers>>>>);

/// The answers in the order asked, or `None` for a cancel.
pub type Answers = Option<Vec<String>>;

impl AuthReply {
    /// A reply slot and the receiver the worker waits on.
    pub fn channel() -> (AuthReply, Receiver<Answers>) {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        (AuthReply(Arc::new(Mutex::new(Some(tx)))), rx)
    }

    /// Sends the answers (or a cancel); false if already answered or the worker stopped
    /// waiting.
    pub fn answer(&self, answers: Answers) -> bool {
        let taken = self.0.lock().ok().and_then(|mut slot| slot.take());
        taken.is_some_and(|tx| tx.try_send(answers).is_ok())
    }
}

impl std::fmt::Debug for AuthReply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuthReply(..)")
    }
}

/// Two replies are equal when they are the same slot.
impl PartialEq for AuthReply {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl BackendEvent {
    /// The connection this event comes from.
    pub fn host(&self) -> HostId {
        match self {
            BackendEvent::Connected { host, .. }
            | BackendEvent::Disconnected { host, .. }
            | BackendEvent::ReconnectFailed { host, .. }
            | BackendEvent::DomainList(host, _)
            | BackendEvent::Stats { host, .. }
            | BackendEvent::XmlDefined { host, .. }
            | BackendEvent::Console(host, _)
            | BackendEvent::BulkProgress { host, .. }
            | BackendEvent::BulkDone { host, .. }
            | BackendEvent::Network(host, _)
            | BackendEvent::Device(host, _)
            | BackendEvent::Node(host, _)
            | BackendEvent::Create(host, _)
            | BackendEvent::DomainEvent(host, _)
            | BackendEvent::Error(host, _)
            | BackendEvent::ConnectFailed { host, .. }
            | BackendEvent::HostFacts(host, _)
            | BackendEvent::AuthRequest { host, .. }
            | BackendEvent::Storage(host, _)
            | BackendEvent::Jobs(host, _)
            | BackendEvent::Clone(host, _)
            | BackendEvent::Rename(host, _) => *host,
            BackendEvent::DomainUpdated(info) => info.id.host,
            BackendEvent::DomainRemoved(id)
            | BackendEvent::Lifecycle { id, .. }
            | BackendEvent::ActionDone { id, .. }
            | BackendEvent::ActionFailed { id, .. }
            | BackendEvent::XmlFetched { id, .. } => id.host,
            BackendEvent::Snapshot(ev) => ev.id().host,
        }
    }
}

/// libvirt's `virDomainEventType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LifecycleEventKind {
    Defined,
    Undefined,
    Started,
    Suspended,
    Resumed,
    Stopped,
    Shutdown,
    PmSuspended,
    Crashed,
    Other(i32),
}

impl LifecycleEventKind {
    pub fn from_raw(raw: i32) -> Self {
        match raw {
            0 => Self::Defined,
            1 => Self::Undefined,
            2 => Self::Started,
            3 => Self::Suspended,
            4 => Self::Resumed,
            5 => Self::Stopped,
            6 => Self::Shutdown,
            7 => Self::PmSuspended,
            8 => Self::Crashed,
            other => Self::Other(other),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Defined => "defined",
            Self::Undefined => "undefined",
            Self::Started => "started",
            Self::Suspended => "suspended",
            Self::Resumed => "resumed",
            Self::Stopped => "stopped",
            Self::Shutdown => "shutdown",
            Self::PmSuspended => "pmsuspended",
            Self::Crashed => "crashed",
            Self::Other(_) => "event",
        }
    }
}
