//! Storage pools: list with sizes and details, actions, XML, define.

use virt::connect::Connect;
use virt::storage_pool::StoragePool;
use virt::sys;

use super::{PoolInfo, PoolOp, PoolState, StorageError};
use crate::backend::xmltree;

pub(super) fn lv(e: virt::error::Error) -> StorageError {
    StorageError::Libvirt(e.message().to_string())
}

pub(super) fn lookup(conn: &Connect, name: &str) -> Result<StoragePool, StorageError> {
    conn.lookup_storage_pool_by_name(name).map_err(lv)
}

/// Reads one pool: info, flags and the type and target path from its XML.
pub fn read(pool: &StoragePool) -> Result<PoolInfo, StorageError> {
    let info = pool.info().map_err(lv)?;
    let xml = pool.xml_desc(0).map_err(lv)?;
    let root = xmltree::parse(&xml).map_err(StorageError::Libvirt)?;
    Ok(PoolInfo {
        name: pool.name().map_err(lv)?,
        uuid: pool.uuid_string().map_err(lv)?,
        state: PoolState::from_raw(info.state),
        autostart: pool.autostart().unwrap_or(false),
        persistent: pool.is_persistent().unwrap_or(false),
        kind: root.attr("type").unwrap_or("").to_string(),
        target: root
            .child("target")
            .and_then(|t| t.child_text("path"))
            .map(str::to_string),
        capacity: info.capacity,
        allocation: info.allocation,
        available: info.available,
    })
}

/// Every pool, active or not, sorted by name.
pub fn list(conn: &Connect) -> Result<Vec<PoolInfo>, StorageError> {
    let mut out: Vec<PoolInfo> = conn
        .list_all_storage_pools(0)
        .map_err(lv)?
        .iter()
        .filter_map(|p| read(p).ok())
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Runs one action; the text says what happened.
pub fn run(conn: &Connect, name: &str, op: PoolOp) -> Result<String, StorageError> {
    let pool = lookup(conn, name)?;
    match op {
        PoolOp::Start => pool.create(0).map(|()| format!("pool {name} started")),
        PoolOp::Destroy => pool.destroy().map(|()| format!("pool {name} stopped")),
        PoolOp::Refresh => pool.refresh(0).map(|()| format!("pool {name} refreshed")),
        PoolOp::Build => pool
            .build(sys::VIR_STORAGE_POOL_BUILD_NEW)
            .map(|()| format!("pool {name} built")),
        PoolOp::SetAutostart(on) => pool
            .set_autostart(on)
            .map(|()| format!("pool {name} autostart {}", if on { "on" } else { "off" })),
        PoolOp::Undefine => pool
            .undefine()
            .map(|()| format!("pool {name} undefined (its storage is kept)")),
        PoolOp::Delete => pool
            .delete(sys::VIR_STORAGE_POOL_DELETE_NORMAL)
            .map(|()| format!("the storage of pool {name} is deleted")),
    }
    .map_err(lv)
}

pub fn xml(conn: &Connect, name: &str, inactive: bool) -> Result<String, StorageError> {
    let flags = if inactive {
        sys::VIR_STORAGE_XML_INACTIVE
    } else {
        0
    };
    let pool = lookup(conn, name)?;
    // Drivers without the flag (the test driver) only have one definition anyway.
    pool.xml_desc(flags)
        .or_else(|_| pool.xml_desc(0))
        .map_err(lv)
}

/// Defines (or redefines) a pool from XML; returns its name.
pub fn define(conn: &Connect, xml: &str) -> Result<String, StorageError> {
    xmltree::parse(xml).map_err(StorageError::Invalid)?;
    let pool = conn.define_storage_pool_xml(xml, 0).map_err(lv)?;
    pool.name().map_err(lv)
}
