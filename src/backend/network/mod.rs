//! Virtual networks: what the UI can ask (`NetCmd`), what it hears back (`NetEvent`), the
//! rows and leases it shows, and domain IP addresses. libvirt calls live in `ops`.

mod addresses;
pub mod index;
mod ops;
pub mod xml;

use std::time::SystemTime;

use super::model::{DomainId, HostId, RequestId};

pub(crate) use addresses::Networks;
pub use ops::{list_all, read_info};
pub use xml::IpRange;

/// A network's host and UUID, the only key the UI uses for a network.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NetworkId {
    pub host: HostId,
    pub uuid: String,
}

impl NetworkId {
    pub fn new(host: HostId, uuid: impl Into<String>) -> NetworkId {
        NetworkId {
            host,
            uuid: uuid.into(),
        }
    }

    /// The UUID string libvirt's lookups take.
    pub fn uuid(&self) -> &str {
        &self.uuid
    }
}

/// One row of the networks view (`virsh net-list --all` + `net-info` + its XML).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkInfo {
    pub id: NetworkId,
    pub name: String,
    pub active: bool,
    pub autostart: bool,
    pub persistent: bool,
    pub bridge: Option<String>,
    /// `nat`, `route`, `open`, `bridge`, ... or `isolated`.
    pub forward: String,
    pub ips: Vec<IpRange>,
    /// DHCP leases handed out; `None` when inactive or the driver cannot tell.
    pub lease_count: Option<usize>,
}

/// One DHCP lease (`virsh net-dhcp-leases`) and the domain whose NIC has its MAC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease {
    pub mac: String,
    pub ip: String,
    pub prefix: u32,
    pub ipv6: bool,
    pub hostname: Option<String>,
    pub client_id: Option<String>,
    /// Seconds since the epoch; 0 for an infinite lease.
    pub expiry: i64,
    pub domain: Option<(DomainId, String)>,
}

/// One guest interface and the addresses libvirt knows for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuestInterface {
    pub name: String,
    pub mac: Option<String>,
    /// `address/prefix`, IPv4 first.
    pub addrs: Vec<String>,
}

/// Network operations the UI runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetOp {
    Start,
    Destroy,
    SetAutostart(bool),
    Undefine,
}

impl NetOp {
    pub fn label(self) -> &'static str {
        match self {
            NetOp::Start => "start",
            NetOp::Destroy => "stop",
            NetOp::SetAutostart(true) => "enable autostart",
            NetOp::SetAutostart(false) => "disable autostart",
            NetOp::Undefine => "undefine",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum NetCmd {
    /// Re-read every network (normally events keep the list current).
    List {
        req: RequestId,
    },
    Op {
        req: RequestId,
        id: NetworkId,
        op: NetOp,
    },
    /// Define (or redefine) a network from XML; `editing` is the one it was loaded from.
    Define {
        req: RequestId,
        editing: Option<NetworkId>,
        xml: String,
    },
    /// The network's XML (`net-dumpxml`, `--inactive` with `inactive`).
    FetchXml {
        req: RequestId,
        id: NetworkId,
        inactive: bool,
    },
    Leases {
        req: RequestId,
        id: NetworkId,
    },
    /// A running domain's addresses now (also polled every ~30 s and after its events).
    Addresses {
        id: DomainId,
    },
}

/// libvirt's `virNetworkEventLifecycleType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetLifecycle {
    Defined,
    Undefined,
    Started,
    Stopped,
    Other(i32),
}

impl NetLifecycle {
    pub fn from_raw(raw: i32) -> Self {
        match raw {
            0 => Self::Defined,
            1 => Self::Undefined,
            2 => Self::Started,
            3 => Self::Stopped,
            other => Self::Other(other),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Defined => "defined",
            Self::Undefined => "undefined",
            Self::Started => "started",
            Self::Stopped => "stopped",
            Self::Other(_) => "event",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum NetEvent {
    /// Every network (initial load after connecting, `List`).
    List(Vec<NetworkInfo>),
    /// One network changed.
    Updated(NetworkInfo),
    /// A network is gone (undefined, or a transient one stopped).
    Removed(NetworkId),
    /// A libvirt network lifecycle event (the list changes through Updated / Removed).
    Lifecycle {
        at: SystemTime,
        id: NetworkId,
        name: String,
        event: NetLifecycle,
        detail: i32,
    },
    /// An `Op` finished; the error is libvirt's text.
    OpDone {
        req: RequestId,
        id: NetworkId,
        op: NetOp,
        result: Result<(), String>,
    },
    Defined {
        req: RequestId,
        result: Result<NetworkInfo, String>,
    },
    Xml {
        req: RequestId,
        id: NetworkId,
        result: Result<String, String>,
    },
    Leases {
        req: RequestId,
        id: NetworkId,
        result: Result<Vec<Lease>, String>,
    },
    /// A running domain's addresses (empty when libvirt knows none).
    Addresses {
        id: DomainId,
        ifaces: Vec<GuestInterface>,
    },
}
