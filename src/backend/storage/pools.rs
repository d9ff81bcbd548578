//! Storage pools: list with sizes and details, actions, XML, define.

use virt::connect::Connect;
use virt::storage_pool::StoragePool;
use virt::sys;

use super::{DefinedPool, PoolInfo, PoolOp, PoolState, StorageError};
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

/// Defines (or redefines) a pool from XML and reads back what libvirt stored. `editing`
/// is the UUID of the pool the XML was loaded from: it must still exist, and a changed
/// name or UUID is refused, so an edit never forks a second pool.
pub fn define(
    conn: &Connect,
    editing: Option<&str>,
    xml: &str,
) -> Result<DefinedPool, StorageError> {
    let root = xmltree::parse(xml).map_err(StorageError::Invalid)?;
    let name = root.child_text("name").unwrap_or("").to_string();
    let uuid = root.child_text("uuid").unwrap_or("").to_string();
    let mut text = xml.to_string();
    if let Some(old_uuid) = editing {
        let old = match conn.lookup_storage_pool_by_uuid_string(old_uuid) {
            Ok(p) => p,
            Err(e) if e.code().to_raw() == sys::VIR_ERR_NO_STORAGE_POOL => {
                return Err(StorageError::Gone(format!(
                    "the pool being edited no longer exists (another client undefined it): {}",
                    e.message()
                )));
            }
            Err(e) => return Err(lv(e)),
        };
        let old_name = old.name().map_err(lv)?;
        if !name.is_empty() && name != old_name {
            return Err(StorageError::Invalid(format!(
                "the name changed from {old_name} to {name}: libvirt would define a second pool \
                 (define it as a new pool instead)"
            )));
        }
        if !uuid.is_empty() && !uuid.eq_ignore_ascii_case(old_uuid) {
            return Err(StorageError::Invalid(
                "the UUID changed: libvirt would refuse or define a second pool".into(),
            ));
        }
        // Without <uuid> libvirt would make a new one and refuse the clash with the
        // pool being edited: the text keeps the one it was loaded from.
        if uuid.is_empty()
            && let Some(at) = text.find("</name>")
        {
            let at = at + "</name>".len();
            text = format!("{}<uuid>{old_uuid}</uuid>{}", &text[..at], &text[at..]);
        }
    }
    let pool = conn.define_storage_pool_xml(&text, 0).map_err(lv)?;
    let info = read(&pool)?;
    let xml = pool
        .xml_desc(sys::VIR_STORAGE_XML_INACTIVE)
        .or_else(|_| pool.xml_desc(0))
        .map_err(lv)?;
    Ok(DefinedPool { info, xml })
}
