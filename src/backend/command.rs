//! Commands the UI sends to the backend worker.

use super::console::ConsoleCommand;
use super::devices::DeviceCmd;
use super::jobs::JobCmd;
use super::model::{DomainId, HostId, LifecycleOp, RequestId};
use super::network::NetCmd;
use super::node::NodeCmd;
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
        host: HostId,
        req: RequestId,
        editing: Option<DomainId>,
        xml: String,
    },
    /// List, create, revert or delete snapshots (long ones run on their own thread).
    Snapshot(SnapshotCmd),
    /// Pools, volumes, a domain's disks, volume transfers.
    Storage(HostId, StorageCmd),
    /// Block jobs, save / restore.
    Jobs(HostId, JobCmd),
    /// Re-read the whole domain list now (the user asked; normally events keep it current).
    Refresh(HostId),
    /// Attach to, type into or detach from a serial console.
    Console(HostId, ConsoleCommand),
    /// One operation over many domains, a few at a time on a job thread; reports
    /// `BulkProgress` and one `BulkDone` with every domain's outcome.
    Bulk {
        host: HostId,
        req: RequestId,
        op: super::bulk::BulkOp,
        /// (domain, the name the user saw), in the order shown.
        targets: Vec<(DomainId, String)>,
    },
    /// Networks: list, start / stop / autostart / undefine, define, XML, leases, addresses.
    Network(HostId, NetCmd),
    /// A domain's devices: list, hot-plug, change media, link, send-key, memory, vCPUs.
    Device(HostId, DeviceCmd),
    /// The host: node info, node devices, IOMMU groups.
    Node(HostId, NodeCmd),
    /// A new domain from the create wizard (its volumes, define, autostart), and the OS
    /// variants it offers.
    Create(HostId, super::create::CreateCmd),
    /// Try to connect now (a lost or failed host), resetting the backoff.
    Reconnect(HostId),
    /// Connect now with the terminal handed over (the App has left the screen), so
    /// `ssh` may ask for a password or a host key.
    ReconnectInteractive(HostId),
    /// The domains on screen and the selected one: only they get the per-domain stats
    /// fallback calls (the bulk call still covers every domain).
    Visible(HostId, Vec<DomainId>),
    /// Clone a domain (plan, start, cancel).
    Clone(HostId, super::clone::CloneCmd),
    /// Read or change a domain's name, title and description.
    Rename(HostId, super::rename::RenameCmd),
    /// Close the connection and stop the worker (sent by the worker's own handle).
    Quit,
}

impl Command {
    /// The host whose worker runs this command; `None` for `Quit`, which each handle
    /// sends to its own worker.
    pub fn host(&self) -> Option<HostId> {
        match self {
            Command::Lifecycle { id, .. } | Command::FetchXml { id, .. } => Some(id.host),
            Command::DefineXml { host, .. }
            | Command::Refresh(host)
            | Command::Bulk { host, .. }
            | Command::Console(host, _)
            | Command::Network(host, _)
            | Command::Device(host, _)
            | Command::Node(host, _)
            | Command::Create(host, _)
            | Command::Reconnect(host)
            | Command::ReconnectInteractive(host)
            | Command::Visible(host, _)
            | Command::Storage(host, _)
            | Command::Jobs(host, _)
            | Command::Clone(host, _)
            | Command::Rename(host, _) => Some(*host),
            Command::Snapshot(c) => Some(c.id().host),
            Command::Quit => None,
        }
    }
}
