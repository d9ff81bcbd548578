//! Which domain owns which MAC, has a guest agent channel, or uses which host device: read
//! from domain XMLs once and kept on the worker, refreshed per domain after its events.

use std::collections::{HashMap, HashSet};

use virt::connect::Connect;

use crate::backend::devices::parse;
use crate::backend::model::{DomainId, HostId};

/// What the index keeps of one domain.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DomainFacts {
    pub name: String,
    /// Lower-case MACs of every NIC.
    pub macs: Vec<String>,
    /// Has NICs of type `network` (the only kind DHCP lease lookups can answer for).
    pub network_nics: bool,
    pub agent: bool,
    /// `HostdevInfo::address` of each host device.
    pub hostdevs: Vec<String>,
}

/// The index; `stale` domains are re-read before the next lookup.
#[derive(Default)]
pub struct DomainIndex {
    host: HostId,
    facts: HashMap<DomainId, DomainFacts>,
    stale: HashSet<DomainId>,
    loaded: bool,
}

impl DomainIndex {
    pub fn new(host: HostId) -> DomainIndex {
        DomainIndex {
            host,
            ..DomainIndex::default()
        }
    }

    /// A domain changed (lifecycle, device added / removed, redefined).
    pub fn invalidate(&mut self, id: &DomainId) {
        self.stale.insert(id.clone());
    }

    /// Forget everything (reconnect).
    pub fn clear(&mut self) {
        *self = DomainIndex::new(self.host);
    }

    fn read(conn: &Connect, id: &DomainId) -> Option<DomainFacts> {
        let dom = conn.lookup_domain_by_uuid_string(&id.uuid).ok()?;
        let name = dom.name().ok()?;
        // The live XML has the MACs libvirt generated for NICs hot-plugged without one.
        let xml = dom.xml_desc(0).ok()?;
        let devs = parse::parse(&xml).ok()?;
        Some(DomainFacts {
            name,
            macs: devs
                .nics
                .iter()
                .filter_map(|n| n.mac.as_ref().map(|m| m.to_ascii_lowercase()))
                .collect(),
            network_nics: devs.nics.iter().any(|n| n.kind == "network"),
            agent: devs.has_agent_channel,
            hostdevs: devs.hostdevs.iter().map(|h| h.address.clone()).collect(),
        })
    }

    /// Loads every domain the first time (leases, node devices: on demand only), then
    /// re-reads only the stale ones.
    pub fn refresh(&mut self, conn: &Connect) {
        if !self.loaded {
            let Ok(doms) = conn.list_all_domains(0) else {
                return;
            };
            self.facts.clear();
            for dom in doms {
                if let Ok(uuid) = dom.uuid_string() {
                    let id = DomainId::new(self.host, uuid);
                    if let Some(f) = Self::read(conn, &id) {
                        self.facts.insert(id, f);
                    }
                }
            }
            self.loaded = true;
            self.stale.clear();
            return;
        }
        for id in std::mem::take(&mut self.stale) {
            match Self::read(conn, &id) {
                Some(f) => self.facts.insert(id, f),
                None => self.facts.remove(&id),
            };
        }
    }

    /// One domain's facts, read now if missing or stale (the others are left alone).
    pub fn ensure(&mut self, conn: &Connect, id: &DomainId) -> Option<&DomainFacts> {
        if self.stale.remove(id) || !self.facts.contains_key(id) {
            match Self::read(conn, id) {
                Some(f) => self.facts.insert(id.clone(), f),
                None => self.facts.remove(id),
            };
        }
        self.facts.get(id)
    }

    /// The domain with a NIC of this MAC.
    pub fn owner_of_mac(&self, mac: &str) -> Option<(DomainId, String)> {
        let mac = mac.to_ascii_lowercase();
        self.facts
            .iter()
            .find(|(_, f)| f.macs.contains(&mac))
            .map(|(id, f)| (id.clone(), f.name.clone()))
    }

    /// Every domain using the host device at `address` (PCI address or USB vendor:product).
    pub fn users_of_hostdev(&self, address: &str) -> Vec<(DomainId, String)> {
        let mut out: Vec<_> = self
            .facts
            .iter()
            .filter(|(_, f)| f.hostdevs.iter().any(|h| h.eq_ignore_ascii_case(address)))
            .map(|(id, f)| (id.clone(), f.name.clone()))
            .collect();
        out.sort();
        out
    }

    pub fn facts(&self, id: &DomainId) -> Option<&DomainFacts> {
        self.facts.get(id)
    }
}
