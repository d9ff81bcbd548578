//! The worker's network state: runs `NetCmd`s, turns network events into list updates, and
//! polls running domains' IP addresses every ~30 s (and right after their events) instead
//! of every tick.

use std::collections::HashSet;
use std::time::{Duration, Instant, SystemTime};

use virt::connect::Connect;
use virt::domain::Domain;
use virt::sys;

use super::index::DomainIndex;
use super::{GuestInterface, NetCmd, NetEvent, NetLifecycle, NetworkId, ops};
use crate::backend::ffi::domain_events::RawNetworkEvent;
use crate::backend::ffi::leases;
use crate::backend::message::BackendEvent;
use crate::backend::model::{DomainId, HostId};
use crate::backend::worker::EventSink;

/// How often every running domain's addresses are re-read.
pub const ADDRESS_POLL: Duration = Duration::from_secs(30);
/// How soon after a domain's event its addresses are read again.
const SOON: Duration = Duration::from_secs(5);

pub(crate) struct Networks {
    host: HostId,
    pub index: DomainIndex,
    next_poll: Instant,
    /// Domains that had an event, polled alone at `soon_at`.
    soon: HashSet<DomainId>,
    soon_at: Option<Instant>,
}

impl Networks {
    pub fn new(host: HostId) -> Self {
        Networks {
            host,
            index: DomainIndex::new(host),
            next_poll: Instant::now() + Duration::from_secs(2),
            soon: HashSet::new(),
            soon_at: None,
        }
    }
}

fn emit(sink: &EventSink, host: HostId, ev: NetEvent) {
    sink(BackendEvent::Network(host, Box::new(ev)));
}

/// Addresses from DHCP leases, then the guest agent where one is configured; whatever
/// fails is silently empty (most guests have neither).
pub fn domain_addresses(dom: &Domain, agent: bool) -> Vec<GuestInterface> {
    let mut raw = leases::interface_addresses(dom, sys::VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE)
        .unwrap_or_default();
    if agent
        && let Ok(from_agent) =
            leases::interface_addresses(dom, sys::VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT)
    {
        // The agent knows every interface, including ones on bridges; skip loopback.
        let known: HashSet<String> = raw.iter().filter_map(|r| r.mac.clone()).collect();
        raw.extend(
            from_agent
                .into_iter()
                .filter(|r| r.name != "lo" && !r.mac.as_ref().is_some_and(|m| known.contains(m))),
        );
    }
    raw.into_iter()
        .map(|r| {
            let mut addrs = r.addrs;
            addrs.sort_by_key(|a| a.2);
            GuestInterface {
                name: r.name,
                mac: r.mac,
                addrs: addrs
                    .into_iter()
                    .map(|(a, p, _)| format!("{a}/{p}"))
                    .collect(),
            }
        })
        .collect()
}

impl Networks {
    /// After (re)connecting: a fresh index and the full list.
    pub fn connected(&mut self, conn: &Connect, sink: &EventSink) {
        self.index.clear();
        match ops::list_all(conn, self.host) {
            Ok(list) => emit(sink, self.host, NetEvent::List(list)),
            Err(e) => sink(BackendEvent::Error(
                self.host,
                format!("cannot list networks: {}", e.message()),
            )),
        }
    }

    /// A domain event arrived: its facts may have changed, its addresses soon will.
    pub fn domain_changed(&mut self, id: &DomainId) {
        self.index.invalidate(id);
        // A started guest asks for its lease within seconds; look at it again shortly.
        self.soon.insert(id.clone());
        self.soon_at.get_or_insert_with(|| Instant::now() + SOON);
    }

    pub fn network_event(&mut self, conn: Option<&Connect>, sink: &EventSink, ev: RawNetworkEvent) {
        let id = NetworkId::new(self.host, ev.uuid.clone());
        emit(
            sink,
            self.host,
            NetEvent::Lifecycle {
                at: SystemTime::now(),
                id: id.clone(),
                name: ev.name,
                event: NetLifecycle::from_raw(ev.event),
                detail: ev.detail,
            },
        );
        let Some(conn) = conn else { return };
        match conn.lookup_network_by_uuid_string(&ev.uuid) {
            Ok(net) => {
                if let Ok(info) = ops::read_info(&net, self.host, true) {
                    emit(sink, self.host, NetEvent::Updated(info));
                }
            }
            Err(e) if ops::is_no_network(&e) => emit(sink, self.host, NetEvent::Removed(id)),
            Err(_) => {}
        }
    }

    /// When the worker should wake for the next poll.
    pub fn deadline(&self) -> Instant {
        match self.soon_at {
            Some(at) => at.min(self.next_poll),
            None => self.next_poll,
        }
    }

    /// Polls addresses: every running domain each ADDRESS_POLL, a domain that just had an
    /// event alone a few seconds after it. Only domains with a `network` NIC or a guest
    /// agent channel are asked (nothing else can answer), and only running ones.
    pub fn tick(&mut self, conn: Option<&Connect>, sink: &EventSink) {
        let now = Instant::now();
        let full = now >= self.next_poll;
        let early = self.soon_at.is_some_and(|at| now >= at);
        if !full && !early {
            return;
        }
        let Some(conn) = conn else {
            self.next_poll = now + ADDRESS_POLL;
            self.soon_at = None;
            return;
        };
        let doms = if full {
            self.next_poll = now + ADDRESS_POLL;
            conn.list_all_domains(sys::VIR_CONNECT_LIST_DOMAINS_ACTIVE)
                .unwrap_or_default()
        } else {
            self.soon
                .iter()
                .filter_map(|id| conn.lookup_domain_by_uuid_string(&id.uuid).ok())
                .filter(|d| d.is_active().unwrap_or(false))
                .collect()
        };
        self.soon.clear();
        self.soon_at = None;
        for dom in doms {
            let Ok(uuid) = dom.uuid_string() else {
                continue;
            };
            let id = DomainId::new(self.host, uuid);
            // Only these domains' facts are read, not the whole host's.
            let facts = self.index.ensure(conn, &id);
            let agent = facts.is_some_and(|f| f.agent);
            if !agent && !facts.is_some_and(|f| f.network_nics) {
                continue;
            }
            let ifaces = domain_addresses(&dom, agent);
            emit(sink, self.host, NetEvent::Addresses { id, ifaces });
        }
    }

    pub fn handle(
        &mut self,
        conn: Option<&Connect>,
        readonly: bool,
        sink: &EventSink,
        cmd: NetCmd,
    ) {
        let Some(conn) = conn else {
            let why = "not connected (reconnecting)".to_string();
            return refuse(sink, self.host, cmd, why);
        };
        match cmd {
            NetCmd::List { .. } => self.connected_list(conn, sink),
            NetCmd::Op { req, id, op } => {
                let result = if readonly {
                    Err("the connection is read-only".into())
                } else {
                    ops::run_op(conn, &id, op)
                };
                if result.is_ok() {
                    self.report(conn, sink, &id);
                }
                emit(
                    sink,
                    self.host,
                    NetEvent::OpDone {
                        req,
                        id,
                        op,
                        result,
                    },
                );
            }
            NetCmd::Define { req, editing, xml } => {
                let result = if readonly {
                    Err("the connection is read-only: the buffer is kept".into())
                } else {
                    ops::define(conn, self.host, editing.as_ref(), &xml)
                };
                if let Ok(info) = &result {
                    emit(sink, self.host, NetEvent::Updated(info.clone()));
                }
                emit(sink, self.host, NetEvent::Defined { req, result });
            }
            NetCmd::FetchXml { req, id, inactive } => {
                let result = ops::fetch_xml(conn, &id, inactive);
                emit(sink, self.host, NetEvent::Xml { req, id, result });
            }
            NetCmd::Leases { req, id } => {
                let result = ops::leases(conn, &id, &mut self.index);
                emit(sink, self.host, NetEvent::Leases { req, id, result });
            }
            NetCmd::Addresses { id } => {
                let agent = self.index.ensure(conn, &id).is_some_and(|f| f.agent);
                if let Ok(dom) = conn.lookup_domain_by_uuid_string(&id.uuid)
                    && dom.is_active().unwrap_or(false)
                {
                    let ifaces = domain_addresses(&dom, agent);
                    emit(sink, self.host, NetEvent::Addresses { id, ifaces });
                }
            }
        }
    }

    fn connected_list(&mut self, conn: &Connect, sink: &EventSink) {
        match ops::list_all(conn, self.host) {
            Ok(list) => emit(sink, self.host, NetEvent::List(list)),
            Err(e) => sink(BackendEvent::Error(
                self.host,
                format!("cannot list networks: {}", e.message()),
            )),
        }
    }

    /// The row after an operation (events follow too, but not for autostart).
    fn report(&self, conn: &Connect, sink: &EventSink, id: &NetworkId) {
        match conn.lookup_network_by_uuid_string(&id.uuid) {
            Ok(net) => {
                if let Ok(info) = ops::read_info(&net, self.host, true) {
                    emit(sink, self.host, NetEvent::Updated(info));
                }
            }
            Err(e) if ops::is_no_network(&e) => {
                emit(sink, self.host, NetEvent::Removed(id.clone()))
            }
            Err(_) => {}
        }
    }
}

fn refuse(sink: &EventSink, host: HostId, cmd: NetCmd, why: String) {
    let ev = match cmd {
        NetCmd::List { .. } | NetCmd::Addresses { .. } => return,
        NetCmd::Op { req, id, op } => NetEvent::OpDone {
            req,
            id,
            op,
            result: Err(why),
        },
        NetCmd::Define { req, .. } => NetEvent::Defined {
            req,
            result: Err(why),
        },
        NetCmd::FetchXml { req, id, .. } => NetEvent::Xml {
            req,
            id,
            result: Err(why),
        },
        NetCmd::Leases { req, id } => NetEvent::Leases {
            req,
            id,
            result: Err(why),
        },
    };
    emit(sink, host, ev);
}
