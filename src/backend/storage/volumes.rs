//! Storage volumes: list with format, backing store and users; create (like
//! `vol-create-as`), delete (refused while a running domain uses it), wipe, resize, clone.

use quick_xml::escape::escape;
use virt::connect::Connect;
use virt::storage_pool::StoragePool;
use virt::storage_vol::StorageVol;
use virt::sys;

use super::pools::{lookup as lookup_pool, lv};
use super::usage::Usage;
use super::{NewVolume, StorageError, VolumeInfo};
use crate::backend::xmltree;

pub(crate) fn lookup(conn: &Connect, pool: &str, name: &str) -> Result<StorageVol, StorageError> {
    lookup_pool(conn, pool)?
        .lookup_storage_vol_by_name(name)
        .map_err(lv)
}

/// Reads one volume; `users` is filled by the caller.
pub fn read(pool: &str, vol: &StorageVol) -> Result<VolumeInfo, StorageError> {
    let info = vol.info().map_err(lv)?;
    let xml = vol.xml_desc(0).map_err(lv)?;
    let root = xmltree::parse(&xml).map_err(StorageError::Libvirt)?;
    let format = root
        .child("target")
        .and_then(|t| t.child("format"))
        .and_then(|f| f.attr("type"))
        .map(str::to_string);
    let backing = root.child("backingStore");
    Ok(VolumeInfo {
        pool: pool.to_string(),
        name: vol.name().map_err(lv)?,
        key: vol.key().unwrap_or_default(),
        path: vol.path().unwrap_or_default(),
        kind: root.attr("type").unwrap_or("file").to_string(),
        format,
        capacity: info.capacity,
        allocation: info.allocation,
        backing_path: backing
            .and_then(|b| b.child_text("path"))
            .filter(|p| !p.is_empty())
            .map(str::to_string),
        backing_format: backing
            .and_then(|b| b.child("format"))
            .and_then(|f| f.attr("type"))
            .map(str::to_string),
        users: Vec::new(),
    })
}

/// Every volume of `pool`, sorted by name, with the domains that use each.
pub fn list(
    conn: &Connect,
    usage: &mut Usage,
    pool: &str,
) -> Result<Vec<VolumeInfo>, StorageError> {
    let p = lookup_pool(conn, pool)?;
    let mut out: Vec<VolumeInfo> = p
        .list_all_volumes(0)
        .map_err(lv)?
        .iter()
        .filter_map(|v| read(pool, v).ok())
        .collect();
    for v in &mut out {
        v.users = usage.users(conn, &v.path).unwrap_or_default();
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Why a volume name is refused before libvirt sees it.
fn check_name(name: &str) -> Result<(), StorageError> {
    if name.trim().is_empty() || name.contains('/') || name.chars().any(char::is_control) {
        return Err(StorageError::Invalid(format!(
            "{name:?} is not a usable volume name (empty, '/' or control characters)"
        )));
    }
    Ok(())
}

/// The `<volume>` XML `vol-create-as` would send.
pub fn create_xml(spec: &NewVolume) -> String {
    let mut xml = format!(
        "<volume><name>{}</name><capacity unit='bytes'>{}</capacity>\
         <allocation unit='bytes'>0</allocation><target><format type='{}'/></target>",
        escape(spec.name.as_str()),
        spec.capacity,
        escape(spec.format.as_str())
    );
    if let Some((path, format)) = &spec.backing {
        xml.push_str(&format!(
            "<backingStore><path>{}</path><format type='{}'/></backingStore>",
            escape(path.as_str()),
            escape(format.as_str())
        ));
    }
    xml.push_str("</volume>");
    xml
}

pub fn create(conn: &Connect, pool: &str, spec: &NewVolume) -> Result<String, StorageError> {
    check_name(&spec.name)?;
    if !matches!(spec.format.as_str(), "raw" | "qcow2") {
        return Err(StorageError::Invalid(format!(
            "format {:?}: choose raw or qcow2",
            spec.format
        )));
    }
    if spec.backing.is_some() && spec.format != "qcow2" {
        return Err(StorageError::Invalid(
            "only a qcow2 volume can have a backing image".into(),
        ));
    }
    let p = lookup_pool(conn, pool)?;
    let vol = StorageVol::create_xml(&p, &create_xml(spec), 0).map_err(lv)?;
    Ok(format!(
        "volume {} created at {}",
        spec.name,
        vol.path().unwrap_or_default()
    ))
}

/// Deletes a volume unless a running domain uses it. Stopped users do not block (the
/// UI names them in its confirmation, from `VolumeUsers`).
pub fn delete(
    conn: &Connect,
    usage: &mut Usage,
    pool: &str,
    name: &str,
) -> Result<String, StorageError> {
    let vol = lookup(conn, pool, name)?;
    let path = vol.path().map_err(lv)?;
    let users = usage
        .users_fresh(conn, &path)
        .map_err(StorageError::Libvirt)?;
    if let Some(u) = users.iter().find(|u| u.running) {
        return Err(StorageError::InUse {
            volume: name.to_string(),
            domain: u.name.clone(),
            id: u.id.clone(),
            disk: u.disk.clone(),
        });
    }
    vol.delete(sys::VIR_STORAGE_VOL_DELETE_NORMAL).map_err(lv)?;
    Ok(format!("volume {name} deleted ({path})"))
}

pub fn wipe(conn: &Connect, pool: &str, name: &str) -> Result<String, StorageError> {
    lookup(conn, pool, name)?.wipe(0).map_err(lv)?;
    Ok(format!("volume {name} wiped"))
}

/// Resizes to `capacity` bytes; shrinking is refused unless `shrink` says the user
/// accepted losing the data past the new end.
pub fn resize(
    conn: &Connect,
    pool: &str,
    name: &str,
    capacity: u64,
    shrink: bool,
) -> Result<String, StorageError> {
    let vol = lookup(conn, pool, name)?;
    let now = vol.info().map_err(lv)?.capacity;
    let mut flags = 0;
    if capacity < now {
        if !shrink {
            return Err(StorageError::Invalid(format!(
                "{name}: {capacity} bytes is smaller than the current {now}; shrinking loses data and needs the explicit shrink option"
            )));
        }
        flags |= sys::VIR_STORAGE_VOL_RESIZE_SHRINK;
    }
    vol.resize(capacity, flags).map_err(lv)?;
    Ok(format!("volume {name} resized to {capacity} bytes"))
}

/// virStorageVolCreateXMLFrom into the same pool, same format.
pub fn clone(
    conn: &Connect,
    pool: &str,
    name: &str,
    new_name: &str,
) -> Result<String, StorageError> {
    check_name(new_name)?;
    let p: StoragePool = lookup_pool(conn, pool)?;
    let src = p.lookup_storage_vol_by_name(name).map_err(lv)?;
    let info = read(pool, &src)?;
    let xml = format!(
        "<volume><name>{}</name><capacity unit='bytes'>{}</capacity><target><format type='{}'/></target></volume>",
        escape(new_name),
        info.capacity,
        escape(info.format.as_deref().unwrap_or("raw"))
    );
    StorageVol::create_xml_from(&p, &xml, &src, 0).map_err(lv)?;
    Ok(format!("volume {name} cloned to {new_name}"))
}

pub fn xml(conn: &Connect, pool: &str, name: &str) -> Result<String, StorageError> {
    lookup(conn, pool, name)?.xml_desc(0).map_err(lv)
}

pub fn users(
    conn: &Connect,
    usage: &mut Usage,
    pool: &str,
    name: &str,
) -> Result<Vec<super::VolumeUser>, StorageError> {
    let path = lookup(conn, pool, name)?.path().map_err(lv)?;
    usage
        .users_fresh(conn, &path)
        .map_err(StorageError::Libvirt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_xml_is_what_vol_create_as_sends() {
        let x = create_xml(&NewVolume {
            name: "a<b".into(),
            capacity: 1 << 30,
            format: "qcow2".into(),
            backing: Some(("/img/base.qcow2".into(), "qcow2".into())),
        });
        assert!(x.contains("<name>a&lt;b</name>"), "{x}");
        assert!(x.contains("<capacity unit='bytes'>1073741824</capacity>"));
        assert!(x.contains("<backingStore><path>/img/base.qcow2</path><format type='qcow2'/>"));
    }
}
