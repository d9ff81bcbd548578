//! Creating a domain in one step on the worker: the new volumes it needs, then the define
//! (validated), then autostart. A failed define removes the volumes made for it, and the
//! error says what was removed (or what could not be).

use virt::connect::Connect;
use virt::sys;

use super::CreatePlan;
use crate::backend::model::HostId;
use crate::backend::storage::volumes;
use crate::backend::xmldef::{self, Defined};

fn msg(e: virt::error::Error) -> String {
    e.message().to_string()
}

/// Deletes the volumes made so far; says what happened to each, for the message.
fn undo(conn: &Connect, made: &[(String, String)]) -> String {
    if made.is_empty() {
        return String::new();
    }
    let mut removed = Vec::new();
    let mut left = Vec::new();
    for (pool, name) in made.iter().rev() {
        let gone = volumes::lookup(conn, pool, name).and_then(|v| {
            v.delete(sys::VIR_STORAGE_VOL_DELETE_NORMAL)
                .map_err(|e| crate::backend::storage::StorageError::Libvirt(msg(e)))
        });
        match gone {
            Ok(()) => removed.push(format!("{pool}/{name}")),
            Err(e) => left.push(format!("{pool}/{name} ({e})")),
        }
    }
    let mut out = String::new();
    if !removed.is_empty() {
        out.push_str(&format!("; removed the new volume {}", removed.join(", ")));
    }
    if !left.is_empty() {
        out.push_str(&format!(
            "; could NOT remove the new volume {}: delete it by hand",
            left.join(", ")
        ));
    }
    out
}

/// What the create did besides the define (autostart refused, for one).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Notes(pub Vec<String>);

/// Makes `plan`'s volumes, defines `xml` as a new domain, sets autostart. Refuses a name
/// that is already defined: libvirt would otherwise replace that domain's definition
/// when the XML carries no UUID.
pub fn create(
    conn: &Connect,
    host: HostId,
    xml: &str,
    plan: &CreatePlan,
) -> Result<(Defined, Notes), String> {
    if let Some(name) = crate::backend::xmltree::parse(xml)
        .ok()
        .and_then(|root| root.child_text("name").map(|n| n.trim().to_string()))
        && conn.lookup_domain_by_name(&name).is_ok()
    {
        return Err(format!(
            "a domain named {name} already exists on this host: nothing was created"
        ));
    }
    let mut made = Vec::new();
    for (pool, spec) in &plan.volumes {
        if let Err(e) = volumes::create(conn, pool, spec) {
            let cleaned = undo(conn, &made);
            return Err(format!(
                "cannot create the volume {pool}/{}: {e}{cleaned}; the domain was not defined",
                spec.name
            ));
        }
        made.push((pool.clone(), spec.name.clone()));
    }
    let defined = match xmldef::define(conn, host, None, xml) {
        Ok(d) => d,
        Err(e) => return Err(format!("{e}{}", undo(conn, &made))),
    };
    let mut notes = Notes::default();
    if plan.autostart {
        let set = conn
            .lookup_domain_by_uuid_string(&defined.id.uuid)
            .and_then(|d| d.set_autostart(true));
        if let Err(e) = set {
            notes
                .0
                .push(format!("autostart could not be set: {}", msg(e)));
        }
    }
    Ok((defined, notes))
}
