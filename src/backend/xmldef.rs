//! Reading and defining domain XML (blocking libvirt calls, run on the worker).

use virt::connect::Connect;
use virt::domain::Domain;
use virt::sys;

use super::model::{DomainId, HostId};

/// What a successful define produced.
#[derive(Clone, Debug, PartialEq)]
pub struct Defined {
    pub id: DomainId,
    pub name: String,
    /// The persistent definition as libvirt now stores it.
    pub xml: String,
    /// The domain is running and its persistent definition changed: the change takes
    /// effect at the next boot.
    pub after_reboot: bool,
    /// libvirt defined a domain other than the one being edited (name and UUID changed).
    pub other_domain: bool,
}

fn lookup(conn: &Connect, id: &DomainId) -> Result<Domain, String> {
    conn.lookup_domain_by_uuid_string(&id.uuid)
        .map_err(|e| e.message().to_string())
}

/// The domain's XML: the persistent (inactive) definition unless `live`; secure values
/// (VNC passwords and the like) only when `secure` is asked for.
pub fn fetch(conn: &Connect, id: &DomainId, live: bool, secure: bool) -> Result<String, String> {
    let dom = lookup(conn, id)?;
    let mut flags = 0;
    if !live {
        flags |= sys::VIR_DOMAIN_XML_INACTIVE;
    }
    if secure {
        flags |= sys::VIR_DOMAIN_XML_SECURE;
    }
    dom.xml_desc(flags).map_err(|e| e.message().to_string())
}

/// `virsh define` with validation against libvirt's schema. `editing` is the domain the
/// XML was loaded from, if any (for the "takes effect after reboot" notice).
pub fn define(
    conn: &Connect,
    host: HostId,
    editing: Option<&DomainId>,
    xml: &str,
) -> Result<Defined, String> {
    let before = editing.and_then(|id| lookup(conn, id).ok()).map(|d| {
        let active = d.is_active().unwrap_or(false);
        let old = d.xml_desc(sys::VIR_DOMAIN_XML_INACTIVE).unwrap_or_default();
        (active, old)
    });
    let dom = conn
        .define_domain_xml_flags(xml, sys::VIR_DOMAIN_DEFINE_VALIDATE)
        .map_err(|e| e.message().to_string())?;
    let uuid = dom.uuid_string().map_err(|e| e.message().to_string())?;
    let name = dom.name().map_err(|e| e.message().to_string())?;
    let new = dom
        .xml_desc(sys::VIR_DOMAIN_XML_INACTIVE)
        .map_err(|e| e.message().to_string())?;
    let other_domain = editing.is_some_and(|id| id.uuid != uuid);
    let after_reboot = !other_domain
        && before.is_some_and(|(active, old)| active && old != new)
        && dom.is_active().unwrap_or(false);
    Ok(Defined {
        id: DomainId::new(host, uuid),
        name,
        xml: new,
        after_reboot,
        other_domain,
    })
}
