//! Reading domain rows and running lifecycle operations (blocking libvirt calls).

use std::collections::{HashMap, HashSet};

use virt::connect::Connect;
use virt::domain::Domain;
use virt::error::Error;
use virt::sys;

use super::ffi;
use super::model::{DomainId, DomainInfo, DomainState, HostId, LifecycleOp};
use super::stats::{self, DomainStats};

/// libvirt's VIR_ERR_NO_DOMAIN: the domain does not exist (any more).
pub fn is_no_domain(e: &Error) -> bool {
    e.code().to_raw() == sys::VIR_ERR_NO_DOMAIN
}

/// libvirt's VIR_ERR_INVALID_ARG, which drivers use for flags they do not support.
pub(super) fn is_invalid_arg(e: &Error) -> bool {
    e.code().to_raw() == sys::VIR_ERR_INVALID_ARG
}

/// Reads one domain's row. Fails when the domain vanished meanwhile.
pub fn read_info(host: HostId, dom: &Domain) -> Result<DomainInfo, Error> {
    let mut info = read_row(host, dom)?;
    info.managed_save = !info.state.state.is_active() && has_managed_save(dom);
    Ok(info)
}

/// One domain's row without the managed-save check (the list asks that once for all).
fn read_row(host: HostId, dom: &Domain) -> Result<DomainInfo, Error> {
    let uuid = dom.uuid_string()?;
    let name = dom.name()?;
    let (state, reason) = ffi::domain_state(dom)?;
    let info = dom.info()?;
    Ok(DomainInfo {
        id: DomainId::new(host, uuid),
        name,
        state: DomainState::from_raw(state, reason),
        dom_id: dom.id(),
        vcpus: info.nr_virt_cpu,
        memory_kib: info.memory,
        max_memory_kib: info.max_mem,
        cpu_time_ns: info.cpu_time,
        // Transient domains have no autostart setting; libvirt reports an error for them.
        autostart: dom.autostart().unwrap_or(false),
        persistent: dom.is_persistent()?,
        managed_save: false,
    })
}

/// Whether an inactive domain has a managed save image (one call; drivers without managed
/// save, or a domain that vanished meanwhile, count as none).
fn has_managed_save(dom: &Domain) -> bool {
    dom.has_managed_save(0).unwrap_or(false)
}

/// State, balloon and vCPU figures of every domain in one bulk stats call, keyed by UUID.
fn bulk_rows(host: HostId, conn: &Connect) -> HashMap<String, DomainStats> {
    let groups =
        sys::VIR_DOMAIN_STATS_STATE | sys::VIR_DOMAIN_STATS_BALLOON | sys::VIR_DOMAIN_STATS_VCPU;
    let mut nowait = true;
    let (records, _) = stats::bulk_call(conn, groups, 0, &mut nowait);
    records
        .unwrap_or_default()
        .into_iter()
        .map(|rec| {
            let (parsed, _) = stats::parse_record(host, &rec.uuid, &rec.params);
            (rec.uuid, parsed)
        })
        .collect()
}

/// UUIDs of the domains a list filter selects (autostart, persistent): one call each.
fn uuids_with(
    conn: &Connect,
    flags: sys::virConnectListAllDomainsFlags,
) -> Result<HashSet<String>, Error> {
    Ok(conn
        .list_all_domains(flags)?
        .iter()
        .filter_map(|d| d.uuid_string().ok())
        .collect())
}

/// Reads every domain, skipping ones that vanish between listing and reading. On a daemon
/// this is five calls whatever the domain count (list, autostart, persistent and
/// managed-save filters, one bulk stats call); per-domain calls only for what the bulk
/// call lacked (the test driver's bulk stats carry the state only).
pub fn list_all(host: HostId, conn: &Connect) -> Result<Vec<DomainInfo>, Error> {
    let doms = conn.list_all_domains(0)?;
    let bulk = bulk_rows(host, conn);
    let autostart = uuids_with(conn, sys::VIR_CONNECT_LIST_DOMAINS_AUTOSTART)?;
    let persistent = uuids_with(conn, sys::VIR_CONNECT_LIST_DOMAINS_PERSISTENT)?;
    // A driver without managed save refuses the filter: then no domain is "saved".
    let saved = uuids_with(conn, sys::VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE).unwrap_or_default();
    let mut out = Vec::with_capacity(doms.len());
    let mut seen = HashSet::new();
    for dom in &doms {
        let from_bulk = dom.uuid_string().ok().and_then(|uuid| {
            let b = bulk.get(&uuid)?;
            let balloon = b.balloon.as_ref()?;
            let state = DomainState::from_raw(b.state?, b.state_reason.unwrap_or(0));
            Some(DomainInfo {
                name: dom.name().ok()?,
                state,
                dom_id: dom.id(),
                vcpus: b.vcpu_current?,
                memory_kib: balloon.current?,
                max_memory_kib: balloon.maximum?,
                // The stats tick supplies CPU time; an inactive domain has none worth showing.
                cpu_time_ns: 0,
                autostart: autostart.contains(&uuid),
                persistent: persistent.contains(&uuid),
                managed_save: !state.state.is_active() && saved.contains(&uuid),
                id: DomainId::new(host, uuid),
            })
        });
        let info = match from_bulk {
            Some(info) => info,
            None => match read_row(host, dom) {
                Ok(mut info) => {
                    info.managed_save =
                        !info.state.state.is_active() && saved.contains(&info.id.uuid);
                    info
                }
                Err(e) if is_no_domain(&e) => continue,
                Err(e) => return Err(e),
            },
        };
        if seen.insert(info.id.clone()) {
            out.push(info);
        }
    }
    Ok(out)
}

/// Runs `op` on `dom`. Returns libvirt's error unchanged so the UI can show its message.
pub fn run_op(dom: &Domain, op: LifecycleOp) -> Result<(), Error> {
    match op {
        LifecycleOp::Start => dom.create().map(drop),
        LifecycleOp::Shutdown => dom.shutdown().map(drop),
        LifecycleOp::Reboot => dom.reboot(0).map(drop),
        LifecycleOp::Reset => dom.reset().map(drop),
        LifecycleOp::Destroy => dom.destroy().map(drop),
        LifecycleOp::Suspend => dom.suspend().map(drop),
        LifecycleOp::Resume => dom.resume().map(drop),
        LifecycleOp::Undefine => undefine_keeping_disks(dom),
        LifecycleOp::SetAutostart(on) => dom.set_autostart(on).map(drop),
        LifecycleOp::SetBalloonPeriod(secs) => dom
            .set_memory_stats_period(secs as i32, sys::VIR_DOMAIN_AFFECT_LIVE)
            .map(drop),
    }
}

/// Undefines like `virsh undefine --snapshots-metadata --checkpoints-metadata
/// --managed-save --keep-nvram`: storage stays, libvirt-held metadata goes with the domain
/// (otherwise libvirt refuses to undefine a domain that has snapshots).
fn undefine_keeping_disks(dom: &Domain) -> Result<(), Error> {
    let full = sys::VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
        | sys::VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
        | sys::VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA
        | sys::VIR_DOMAIN_UNDEFINE_KEEP_NVRAM;
    match dom.undefine_flags(full) {
        Err(e) if is_invalid_arg(&e) => {
            // Drivers without checkpoints or NVRAM (the test driver) reject those flags.
            dom.undefine_flags(
                sys::VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | sys::VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA,
            )
        }
        other => other,
    }
}
