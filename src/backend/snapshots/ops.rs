//! The libvirt calls behind snapshot commands. Blocking; callers pick the thread.

use virt::connect::Connect;
use virt::domain::Domain;
use virt::domain_snapshot::DomainSnapshot;
use virt::error::Error;
use virt::sys;

use super::{AfterRevert, CreateSpec, DeleteMode, JobOutcome, SnapshotInfo, xml};
use crate::backend::model::DomainId;

fn msg(e: &Error) -> String {
    e.message().to_string()
}

pub fn domain(conn: &Connect, id: &DomainId) -> Result<Domain, String> {
    conn.lookup_domain_by_uuid_string(&id.uuid).map_err(|e| {
        if e.code().to_raw() == sys::VIR_ERR_NO_DOMAIN {
            "the domain no longer exists".to_string()
        } else {
            msg(&e)
        }
    })
}

/// Every snapshot of the domain with its parsed XML, the current one marked.
pub fn list(conn: &Connect, id: &DomainId) -> Result<Vec<SnapshotInfo>, String> {
    let dom = domain(conn, id)?;
    let current = dom.current_snapshot(0).ok().and_then(|s| s.name().ok());
    let snaps = dom.list_all_snapshots(0).map_err(|e| msg(&e))?;
    let mut out = Vec::with_capacity(snaps.len());
    for s in snaps {
        // A snapshot deleted by another client between the list and this read is skipped.
        let Ok(text) = s.xml_desc(0) else { continue };
        let name = s.name().unwrap_or_default();
        let is_current = current.as_deref() == Some(name.as_str());
        match xml::parse(&text, is_current) {
            Ok(info) => out.push(info),
            Err(e) => tracing::warn!("snapshot {name}: {e}"),
        }
    }
    Ok(out)
}

fn is_active(dom: &Domain) -> bool {
    dom.is_active().unwrap_or(false)
}

/// Creates a snapshot; returns its name.
pub fn create(
    conn: &Connect,
    id: &DomainId,
    name: &str,
    spec: &CreateSpec,
) -> Result<String, String> {
    if let Some(why) = super::invalid_name(name) {
        return Err(why);
    }
    let dom = domain(conn, id)?;
    if Domain::lookup_snapshot_by_name(&dom, name, 0).is_ok() {
        return Err(format!("a snapshot named '{name}' already exists"));
    }
    let running = is_active(&dom);
    // Disk-only: one overlay per disk next to its image, named after the snapshot.
    let doc = if spec.disk_only {
        let live = dom.xml_desc(0).map_err(|e| msg(&e))?;
        let disks = crate::backend::storage::disks::parse(&live)?;
        crate::backend::storage::external::disk_only_xml(
            name,
            &spec.description,
            &disks,
            &spec.disk_files,
        )
    } else {
        xml::build(name, spec, running)
    };
    let mut flags = 0;
    if spec.disk_only {
        flags |= sys::VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY;
    }
    if spec.quiesce {
        flags |= sys::VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE;
    }
    if spec.atomic {
        flags |= sys::VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC;
    }
    dom.create_snapshot_xml(&doc, flags)
        .map_err(|e| explain_create_error(&e))?;
    Ok(name.to_string())
}

/// libvirt's message, plus what to do about the usual causes.
fn explain_create_error(e: &Error) -> String {
    let m = msg(e);
    let code = e.code().to_raw();
    let agent = [
        sys::VIR_ERR_AGENT_UNRESPONSIVE,
        sys::VIR_ERR_AGENT_UNSYNCED,
        sys::VIR_ERR_AGENT_COMMAND_TIMEOUT,
        sys::VIR_ERR_AGENT_COMMAND_FAILED,
    ];
    // libvirt has a code for agent trouble; a raw disk is only "unsupported" (a code many
    // causes share), so that case still needs the message's words.
    let lower = m.to_lowercase();
    if agent.contains(&code) {
        format!("{m} (hint: quiesce needs the qemu guest agent running in the guest)")
    } else if lower.contains("raw") || lower.contains("does not support internal snapshot") {
        format!(
            "{m} (hint: internal snapshots need qcow2 disks; take a disk-only (external) \
             snapshot instead, or convert the disk with qemu-img convert -O qcow2)"
        )
    } else {
        m
    }
}

fn lookup(dom: &Domain, name: &str) -> Result<DomainSnapshot, String> {
    Domain::lookup_snapshot_by_name(dom, name, 0).map_err(|e| {
        if e.code().to_raw() == sys::VIR_ERR_NO_DOMAIN_SNAPSHOT {
            format!(
                "snapshot '{name}' no longer exists (deleted by another client?): {}",
                msg(&e)
            )
        } else {
            msg(&e)
        }
    })
}

/// Reverts to `name`. A revert libvirt calls risky comes back as `NeedsForce`.
pub fn revert(
    conn: &Connect,
    id: &DomainId,
    domain_name: &str,
    name: &str,
    after: AfterRevert,
    force: bool,
    safety: bool,
) -> JobOutcome {
    let dom = match domain(conn, id) {
        Ok(d) => d,
        Err(e) => return JobOutcome::Failed(e),
    };
    let snap = match lookup(&dom, name) {
        Ok(s) => s,
        Err(e) => return JobOutcome::Failed(e),
    };
    let mut note = String::new();
    if safety {
        let safety_name = format!(
            "{}-before-revert",
            super::quick_name(domain_name, super::now_epoch())
        );
        let spec = CreateSpec {
            description: format!("taken by virtdeck before reverting to {name}"),
            ..CreateSpec::quick()
        };
        match create(conn, id, &safety_name, &spec) {
            Ok(n) => note = format!(" (safety snapshot {n} taken first)"),
            Err(e) => {
                return JobOutcome::Failed(format!(
                    "the safety snapshot failed, nothing was reverted: {e}"
                ));
            }
        }
    }
    let mut flags = match after {
        AfterRevert::AsSnapshot => 0,
        AfterRevert::Running => sys::VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING,
        AfterRevert::Paused => sys::VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED,
    };
    if force {
        flags |= sys::VIR_DOMAIN_SNAPSHOT_REVERT_FORCE;
    }
    match snap.revert(flags) {
        Ok(()) => JobOutcome::Done(format!("reverted to {name}{note}")),
        Err(e) if e.code().to_raw() == sys::VIR_ERR_SNAPSHOT_REVERT_RISKY => {
            JobOutcome::NeedsForce(format!("{}{note}", msg(&e)))
        }
        Err(e) => JobOutcome::Failed(format!("{}{note}", msg(&e))),
    }
}

pub fn delete(
    conn: &Connect,
    id: &DomainId,
    name: &str,
    mode: DeleteMode,
) -> Result<String, String> {
    let dom = domain(conn, id)?;
    let snap = lookup(&dom, name)?;
    let flags = match mode {
        DeleteMode::This => 0,
        DeleteMode::WithChildren => sys::VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN,
        DeleteMode::ChildrenOnly => sys::VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY,
        DeleteMode::MetadataOnly => sys::VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY,
    };
    snap.delete(flags).map_err(|e| msg(&e))?;
    Ok(match mode {
        DeleteMode::This => format!("deleted {name}"),
        DeleteMode::WithChildren => format!("deleted {name} and its children"),
        DeleteMode::ChildrenOnly => format!("deleted the children of {name}"),
        DeleteMode::MetadataOnly => format!("removed libvirt's metadata of {name}"),
    })
}

/// How far libvirt's job on the domain is, in percent, when it reports one.
pub fn job_percent(dom: &Domain) -> Option<u8> {
    let j = dom.job_info().ok()?;
    let pairs = [
        (j.mem_processed, j.mem_total),
        (j.data_processed, j.data_total),
    ];
    pairs
        .into_iter()
        .find_map(|(done, total)| match (done, total) {
            (Some(d), Some(t)) if t > 0 => Some(((d.min(t) * 100) / t) as u8),
            _ => None,
        })
}
