//! Blocking libvirt calls for networks: rows, lifecycle, define, XML and leases.

use virt::connect::Connect;
use virt::network::Network;
use virt::sys;

use super::index::DomainIndex;
use super::{Lease, NetOp, NetworkId, NetworkInfo, xml};
use crate::backend::ffi::leases;
use crate::backend::model::HostId;

fn msg(e: virt::error::Error) -> String {
    e.message().to_string()
}

/// VIR_ERR_NO_NETWORK: the network does not exist (any more).
pub fn is_no_network(e: &virt::error::Error) -> bool {
    e.code().to_raw() == sys::VIR_ERR_NO_NETWORK
}

/// One network's row. `count_leases` costs one lease call for an active network.
pub fn read_info(
    net: &Network,
    host: HostId,
    count_leases: bool,
) -> Result<NetworkInfo, virt::error::Error> {
    let uuid = net.uuid_string()?;
    let name = net.name()?;
    let active = net.is_active()?;
    let persistent = net.is_persistent()?;
    let autostart = persistent && net.autostart().unwrap_or(false);
    let parsed = net
        .xml_desc(0)
        .ok()
        .and_then(|x| xml::parse(&x).ok())
        .unwrap_or_default();
    let lease_count = (active && count_leases)
        .then(|| leases::dhcp_leases(net).ok().map(|l| l.len()))
        .flatten();
    Ok(NetworkInfo {
        id: NetworkId::new(host, uuid),
        name,
        active,
        autostart,
        persistent,
        bridge: parsed.bridge,
        forward: parsed.forward,
        ips: parsed.ips,
        lease_count,
    })
}

/// Every network, sorted by name. A network that vanishes mid-listing is skipped.
pub fn list_all(conn: &Connect, host: HostId) -> Result<Vec<NetworkInfo>, virt::error::Error> {
    let mut rows: Vec<NetworkInfo> = conn
        .list_all_networks(0)?
        .iter()
        .filter_map(|n| read_info(n, host, true).ok())
        .collect();
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(rows)
}

pub fn lookup(conn: &Connect, id: &NetworkId) -> Result<Network, String> {
    conn.lookup_network_by_uuid_string(&id.uuid).map_err(msg)
}

pub fn run_op(conn: &Connect, id: &NetworkId, op: NetOp) -> Result<(), String> {
    let net = lookup(conn, id)?;
    match op {
        NetOp::Start => net.create(),
        NetOp::Destroy => net.destroy(),
        NetOp::SetAutostart(on) => net.set_autostart(on).map(|_| ()),
        NetOp::Undefine => net.undefine(),
    }
    .map_err(msg)
}

/// Defines (or redefines) a network. Editing one and changing its name or UUID would
/// define a second network; that is refused so an edit never forks a network.
pub fn define(
    conn: &Connect,
    host: HostId,
    editing: Option<&NetworkId>,
    text: &str,
) -> Result<NetworkInfo, String> {
    let parsed = xml::parse(text)?;
    if parsed.name.is_empty() {
        return Err("network XML has no <name>".into());
    }
    if let Some(id) = editing {
        let old = lookup(conn, id)?;
        let old_name = old.name().map_err(msg)?;
        if parsed.name != old_name {
            return Err(format!(
                "the name changed from {old_name} to {}: libvirt would define a second network \
                 (define it as a new network instead)",
                parsed.name
            ));
        }
        if !parsed.uuid.is_empty() && parsed.uuid != id.uuid {
            return Err("the UUID changed: libvirt would refuse or define a second network".into());
        }
    }
    // An edited text without <uuid> would get a new one and clash with the network
    // being edited; it keeps the one it was loaded from.
    let text = match editing {
        Some(id) if parsed.uuid.is_empty() => match text.find("</name>") {
            Some(at) => {
                let at = at + "</name>".len();
                format!("{}<uuid>{}</uuid>{}", &text[..at], id.uuid, &text[at..])
            }
            None => text.to_string(),
        },
        _ => text.to_string(),
    };
    let net = conn.define_network_xml(&text).map_err(msg)?;
    read_info(&net, host, true).map_err(msg)
}

pub fn fetch_xml(conn: &Connect, id: &NetworkId, inactive: bool) -> Result<String, String> {
    let flags = if inactive {
        sys::VIR_NETWORK_XML_INACTIVE
    } else {
        0
    };
    let net = lookup(conn, id)?;
    match net.xml_desc(flags) {
        // Drivers without the flag (test://): an inactive network's XML is its definition.
        Err(e) if inactive && e.code().to_raw() == sys::VIR_ERR_INVALID_ARG => {
            if net.is_active().unwrap_or(true) {
                Err(msg(e))
            } else {
                net.xml_desc(0).map_err(msg)
            }
        }
        other => other.map_err(msg),
    }
}

/// The network's DHCP leases with the domain owning each MAC.
pub fn leases(
    conn: &Connect,
    id: &NetworkId,
    index: &mut DomainIndex,
) -> Result<Vec<Lease>, String> {
    let net = lookup(conn, id)?;
    let raw = leases::dhcp_leases(&net).map_err(msg)?;
    index.refresh(conn);
    Ok(raw
        .into_iter()
        .map(|l| Lease {
            domain: index.owner_of_mac(&l.mac),
            mac: l.mac,
            ip: l.ip,
            prefix: l.prefix,
            ipv6: l.ipv6,
            hostname: l.hostname,
            client_id: l.client_id,
            expiry: l.expiry,
        })
        .collect())
}
