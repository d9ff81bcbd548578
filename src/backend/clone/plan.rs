//! Reading what a clone dialog offers: the domain's disks with their pools and sizes, the
//! running pools and the names already taken on the host.

use virt::connect::Connect;
use virt::storage_pool::StoragePool;
use virt::storage_vol::StorageVol;
use virt::sys;

use super::xml::{self, SourceDisk};
use super::{ClonePlan, PlanDisk};
use crate::backend::model::{DomainId, RunState};
use crate::backend::{ffi, xmltree};

pub(super) fn m(e: virt::error::Error) -> String {
    e.message().to_string()
}

/// The running pools.
pub(super) fn running_pools(conn: &Connect) -> Result<Vec<StoragePool>, String> {
    conn.list_all_storage_pools(sys::VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE)
        .map_err(m)
}

/// Where a disk's data is: its volume and that volume's pool, if it is in one.
pub(super) fn locate(
    conn: &Connect,
    pools: &[StoragePool],
    d: &SourceDisk,
) -> Option<(StorageVol, String)> {
    if let Some((pool, vol)) = &d.pool_volume {
        let v = conn
            .lookup_storage_pool_by_name(pool)
            .and_then(|p| p.lookup_storage_vol_by_name(vol))
            .ok()?;
        return Some((v, pool.clone()));
    }
    let vol = conn.lookup_storage_vol_by_path(d.path.as_deref()?).ok()?;
    let (name, key) = (vol.name().ok()?, vol.key().ok()?);
    let pool = pools.iter().find(|p| {
        p.lookup_storage_vol_by_name(&name)
            .and_then(|v| v.key())
            .is_ok_and(|k| k == key)
    })?;
    Some((vol, pool.name().ok()?))
}

/// The bytes a copy of `vol` moves: its physical size.
pub(super) fn physical(vol: &StorageVol) -> Option<u64> {
    vol.info_flags(sys::VIR_STORAGE_VOL_GET_PHYSICAL)
        .map(|i| i.allocation)
        .or_else(|_| vol.info().map(|i| i.allocation))
        .ok()
}

pub(super) fn read(conn: &Connect, id: &DomainId) -> Result<ClonePlan, String> {
    let dom = conn.lookup_domain_by_uuid_string(id.uuid()).map_err(m)?;
    let name = dom.name().map_err(m)?;
    let (state, _) = ffi::domain_state(&dom).map_err(m)?;
    let state = RunState::from_raw(state);
    let text = dom.xml_desc(sys::VIR_DOMAIN_XML_INACTIVE).map_err(m)?;
    let root = xmltree::parse(&text)?;
    let pools = running_pools(conn)?;
    let local = conn.uri().is_ok_and(|u| xml::is_local_uri(&u));
    let disks = xml::source_disks(&root)
        .into_iter()
        .map(|disk| match locate(conn, &pools, &disk) {
            Some((vol, pool)) => PlanDisk {
                path: vol.path().ok().or_else(|| disk.path.clone()),
                size: physical(&vol),
                pool: Some(pool),
                disk,
            },
            None => PlanDisk {
                size: disk
                    .path
                    .as_deref()
                    .filter(|_| local)
                    .and_then(|p| std::fs::metadata(p).ok())
                    .map(|md| md.len()),
                path: disk.path.clone(),
                pool: None,
                disk,
            },
        })
        .collect();
    let mut pool_names: Vec<String> = pools.iter().filter_map(|p| p.name().ok()).collect();
    pool_names.sort();
    let mut names: Vec<String> = conn
        .list_all_domains(0)
        .map_err(m)?
        .iter()
        .filter_map(|d| d.name().ok())
        .collect();
    names.sort();
    Ok(ClonePlan {
        id: id.clone(),
        name,
        paused: state == RunState::Paused,
        running: state.is_active() && state != RunState::Paused,
        disks,
        pools: pool_names,
        names,
        local,
    })
}
