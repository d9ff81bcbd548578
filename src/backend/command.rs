//! Commands the UI sends to the backend worker.

use super::console::ConsoleCommand;
use super::jobs::JobCmd;
use super::model::{DomainId, LifecycleOp, RequestId};
use super::snapshots::SnapshotCmd;
use super::storage::StorageCmd;

#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Run a lifecycle operation on one domain.
    Lifecycle {
        req: RequestId,
        id: DomainId,
        /// The name the user saw, for messages only.
        name: String,
        op: LifecycleOp,
    },
    /// Read a domain's XML: inactive unless `live`, secure values only if `secure`.
    FetchXml {
        req: RequestId,
        id: DomainId,
        live: bool,
        secure: bool,
    },
    /// Define a domain from XML (VIR_DOMAIN_DEFINE_VALIDATE); `editing` is the domain the
    /// text was loaded from, `None` for a new one.
    DefineXml {
        req: RequestId,
        editing: Option<DomainId>,
        xml: String,
    },
    /// List, create, revert or delete snapshots (long ones run on their own thread).
    Snapshot(SnapshotCmd),
    /// Pools, volumes, a domain's disks, volume transfers.
    Storage(StorageCmd),
    /// Block jobs, save / restore.
    Jobs(JobCmd),
    /// Re-read the whole domain list now (the user asked; normally events keep it current).
    Refresh,
    /// Attach to, type into or detach from a serial console.
    Console(ConsoleCommand),
    /// Close the connection and stop the worker.
    Quit,
}
