//! Commands the UI sends to the backend worker.

use super::console::ConsoleCommand;
use super::devices::DeviceCmd;
use super::model::{DomainId, LifecycleOp, RequestId};
use super::network::NetCmd;
use super::node::NodeCmd;
use super::snapshots::SnapshotCmd;

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
    /// Re-read the whole domain list now (the user asked; normally events keep it current).
    Refresh,
    /// Attach to, type into or detach from a serial console.
    Console(ConsoleCommand),
    /// Networks: list, start / stop / autostart / undefine, define, XML, leases, addresses.
    Network(NetCmd),
    /// A domain's devices: list, hot-plug, change media, link, send-key, memory, vCPUs.
    Device(DeviceCmd),
    /// The host: node info, node devices, IOMMU groups.
    Node(NodeCmd),
    /// Close the connection and stop the worker.
    Quit,
}
