//! Pools and volumes through the backend on libvirt's test driver: list, create, delete
//! (refused while a running domain uses the volume), resize, clone, XML, pool actions.

#[path = "common/client.rs"]
mod client;

use client::Client;
use virtdeck::backend::model::HostId;
use virtdeck::backend::storage::{
    NewVolume, PoolOp, PoolState, StorageCmd, StorageError, StorageEvent, VolumeInfo, units,
};

fn node_uri() -> String {
    format!(
        "test://{}/tests/fixtures/storage-node.xml",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn volumes(c: &mut Client, pool: &str) -> Vec<VolumeInfo> {
    match c.storage(|req| StorageCmd::ListVolumes {
        req,
        pool: pool.into(),
    }) {
        StorageEvent::Volumes { result, .. } => result.expect("volumes listed"),
        other => panic!("unexpected {other:?}"),
    }
}

fn done(ev: StorageEvent) -> Result<String, StorageError> {
    match ev {
        StorageEvent::Done { result, .. } => result,
        other => panic!("unexpected {other:?}"),
    }
}

fn vol<'a>(list: &'a [VolumeInfo], name: &str) -> &'a VolumeInfo {
    list.iter()
        .find(|v| v.name == name)
        .unwrap_or_else(|| panic!("no volume {name} in {list:?}"))
}

#[test]
fn pools_list_with_type_target_and_sizes() {
    let mut c = Client::open(&node_uri());
    let StorageEvent::Pools { result, .. } = c.storage(|req| StorageCmd::ListPools { req }) else {
        panic!("no pool list");
    };
    let pools = result.expect("pools");
    let images = pools
        .iter()
        .find(|p| p.name == "images")
        .unwrap_or_else(|| panic!("{pools:?}"));
    assert_eq!(images.state, PoolState::Running);
    assert_eq!(images.kind, "dir");
    assert_eq!(images.target.as_deref(), Some("/srv/images"));
    assert!(images.capacity > 0 && images.persistent, "{images:?}");

    // Stop, then start again: the state follows.
    done(c.storage(|req| StorageCmd::Pool {
        req,
        pool: "images".into(),
        op: PoolOp::Destroy,
    }))
    .expect("pool stops");
    let StorageEvent::Pools { result, .. } = c.storage(|req| StorageCmd::ListPools { req }) else {
        panic!()
    };
    let state = result
        .expect("pools")
        .into_iter()
        .find(|p| p.name == "images")
        .map(|p| p.state);
    assert_eq!(state, Some(PoolState::Inactive));
    done(c.storage(|req| StorageCmd::Pool {
        req,
        pool: "images".into(),
        op: PoolOp::Start,
    }))
    .expect("pool starts");

    let StorageEvent::Xml { result, .. } = c.storage(|req| StorageCmd::PoolXml {
        req,
        pool: "images".into(),
        inactive: true,
    }) else {
        panic!()
    };
    assert!(result.expect("xml").contains("<path>/srv/images</path>"));
}

fn define_pool(
    c: &mut Client,
    editing: Option<&str>,
    xml: &str,
) -> Result<virtdeck::backend::storage::DefinedPool, StorageError> {
    let editing = editing.map(str::to_string);
    match c.storage(|req| StorageCmd::DefinePool {
        req,
        editing,
        xml: xml.into(),
    }) {
        StorageEvent::PoolDefined { result, .. } => result,
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn a_new_pool_is_defined_from_xml_and_bad_xml_is_refused() {
    let mut c = Client::open(&node_uri());
    let xml =
        "<pool type='dir'><name>scratch</name><target><path>/srv/scratch</path></target></pool>";
    let d = define_pool(&mut c, None, xml).expect("defined");
    assert_eq!(d.info.name, "scratch");
    assert!(d.xml.contains("<path>/srv/scratch</path>"), "{}", d.xml);
    let r = define_pool(&mut c, None, "<pool type='dir'><name>x</name>");
    assert!(matches!(r, Err(StorageError::Invalid(_))), "{r:?}");
}

#[test]
fn editing_a_pool_keeps_its_uuid_and_refuses_a_rename_or_a_vanished_pool() {
    let mut c = Client::open(&node_uri());
    let xml = "<pool type='dir'><name>edited</name><target><path>/srv/e1</path></target></pool>";
    let first = define_pool(&mut c, None, xml).expect("defined");
    let uuid = first.info.uuid.clone();
    // The edit has no <uuid>: it still replaces the same pool.
    let xml2 = "<pool type='dir'><name>edited</name><target><path>/srv/e2</path></target></pool>";
    let second = define_pool(&mut c, Some(&uuid), xml2).expect("redefined");
    assert_eq!(second.info.uuid, uuid);
    assert!(second.xml.contains("/srv/e2"), "{}", second.xml);
    let renamed = "<pool type='dir'><name>other</name><target><path>/srv/e2</path></target></pool>";
    let r = define_pool(&mut c, Some(&uuid), renamed);
    assert!(
        matches!(&r, Err(StorageError::Invalid(m)) if m.contains("name changed")),
        "{r:?}"
    );
    done(c.storage(|req| StorageCmd::Pool {
        req,
        pool: "edited".into(),
        op: PoolOp::Undefine,
    }))
    .expect("undefined");
    let r = define_pool(&mut c, Some(&uuid), xml2);
    assert!(matches!(r, Err(StorageError::Gone(_))), "{r:?}");
}

#[test]
fn volumes_show_format_and_which_domains_use_them() {
    let mut c = Client::open(&node_uri());
    let list = volumes(&mut c, "images");
    let used = vol(&list, "used.qcow2");
    assert_eq!(used.format.as_deref(), Some("qcow2"));
    assert_eq!(used.path, "/srv/images/used.qcow2");
    assert_eq!(used.users.len(), 1, "{used:?}");
    assert!(used.users[0].name == "runner" && used.users[0].running && used.users[0].disk == "vda");
    let idle = vol(&list, "idle.raw");
    assert!(idle.users.len() == 1 && !idle.users[0].running, "{idle:?}");
    assert!(vol(&list, "free.raw").users.is_empty());
}

#[test]
fn delete_is_refused_while_a_running_domain_uses_the_volume() {
    let mut c = Client::open(&node_uri());
    let r = done(c.storage(|req| StorageCmd::DeleteVolume {
        req,
        pool: "images".into(),
        name: "used.qcow2".into(),
    }));
    match r {
        Err(StorageError::InUse { domain, disk, .. }) => {
            assert_eq!((domain.as_str(), disk.as_str()), ("runner", "vda"))
        }
        other => panic!("expected InUse, got {other:?}"),
    }
    assert!(
        volumes(&mut c, "images")
            .iter()
            .any(|v| v.name == "used.qcow2")
    );

    // A stopped user does not block; the confirmation can name it.
    let StorageEvent::Users { result, .. } = c.storage(|req| StorageCmd::VolumeUsers {
        req,
        pool: "images".into(),
        name: "idle.raw".into(),
    }) else {
        panic!()
    };
    let users = result.expect("users");
    assert!(users.len() == 1 && users[0].name == "sleeper" && !users[0].running);
    done(c.storage(|req| StorageCmd::DeleteVolume {
        req,
        pool: "images".into(),
        name: "idle.raw".into(),
    }))
    .expect("a volume of a stopped domain can be deleted");
    assert!(
        !volumes(&mut c, "images")
            .iter()
            .any(|v| v.name == "idle.raw")
    );
}

#[test]
fn create_resize_clone_and_delete_a_volume() {
    let mut c = Client::open(&node_uri());
    let capacity = units::parse_size("1.5GiB").expect("size");
    done(c.storage(|req| StorageCmd::CreateVolume {
        req,
        pool: "images".into(),
        spec: NewVolume {
            name: "new.qcow2".into(),
            capacity,
            format: "qcow2".into(),
            backing: None,
        },
    }))
    .expect("created");
    let list = volumes(&mut c, "images");
    let v = vol(&list, "new.qcow2");
    assert_eq!(v.capacity, 3 << 29);
    assert_eq!(v.format.as_deref(), Some("qcow2"));

    // Shrinking without the flag is refused and changes nothing.
    let r = done(c.storage(|req| StorageCmd::ResizeVolume {
        req,
        pool: "images".into(),
        name: "new.qcow2".into(),
        capacity: 1 << 30,
        shrink: false,
    }));
    assert!(
        matches!(&r, Err(StorageError::Invalid(m)) if m.contains("shrink")),
        "{r:?}"
    );
    assert_eq!(
        vol(&volumes(&mut c, "images"), "new.qcow2").capacity,
        3 << 29
    );
    // Growing needs a driver with virStorageVolResize: see tests/storage_live.rs.

    done(c.storage(|req| StorageCmd::CloneVolume {
        req,
        pool: "images".into(),
        name: "new.qcow2".into(),
        new_name: "copy.qcow2".into(),
    }))
    .expect("cloned");
    let list = volumes(&mut c, "images");
    assert_eq!(vol(&list, "copy.qcow2").capacity, 3 << 29);

    let StorageEvent::Xml { result, .. } = c.storage(|req| StorageCmd::VolumeXml {
        req,
        pool: "images".into(),
        name: "copy.qcow2".into(),
    }) else {
        panic!()
    };
    assert!(result.expect("xml").contains("<name>copy.qcow2</name>"));

    done(c.storage(|req| StorageCmd::DeleteVolume {
        req,
        pool: "images".into(),
        name: "new.qcow2".into(),
    }))
    .expect("deleted");
    assert!(
        !volumes(&mut c, "images")
            .iter()
            .any(|v| v.name == "new.qcow2")
    );
}

#[test]
fn bad_names_and_formats_are_refused_before_libvirt() {
    let mut c = Client::open(&node_uri());
    for (name, format) in [("a/b", "raw"), ("", "raw"), ("ok", "vmdk")] {
        let r = done(c.storage(|req| StorageCmd::CreateVolume {
            req,
            pool: "images".into(),
            spec: NewVolume {
                name: name.into(),
                capacity: 1 << 20,
                format: format.into(),
                backing: None,
            },
        }));
        assert!(
            matches!(r, Err(StorageError::Invalid(_))),
            "{name} {format}: {r:?}"
        );
    }
    let r = done(c.storage(|req| StorageCmd::DeleteVolume {
        req,
        pool: "nope".into(),
        name: "x".into(),
    }));
    assert!(matches!(r, Err(StorageError::Libvirt(_))), "{r:?}");
}

#[test]
fn a_domain_lists_its_disks() {
    let mut c = Client::open(&node_uri());
    let id =
        virtdeck::backend::DomainId::new(HostId::FIRST, "7a000000-0000-4000-8000-000000000001");
    let StorageEvent::Disks { result, .. } = c.storage(|req| StorageCmd::Disks {
        req,
        id: id.clone(),
    }) else {
        panic!()
    };
    let disks = result.expect("disks");
    assert_eq!(disks.len(), 1);
    assert_eq!(disks[0].target, "vda");
    assert_eq!(disks[0].source(), Some("/srv/images/used.qcow2"));
    assert_eq!(disks[0].chain[0].format.as_deref(), Some("qcow2"));
}

#[test]
fn the_demo_host_has_two_pools_with_volumes_and_their_users() {
    let node = virtdeck::backend::demo::NodeFile::write(virtdeck::backend::demo::DEMO_HOST_XML)
        .expect("node file");
    let mut c = Client::open(&node.uri());
    let StorageEvent::Pools { result, .. } = c.storage(|req| StorageCmd::ListPools { req }) else {
        panic!()
    };
    let names: Vec<_> = result.expect("pools").into_iter().map(|p| p.name).collect();
    assert_eq!(names, ["backups", "default"]);
    let backups = volumes(&mut c, "backups");
    assert_eq!(backups.len(), 3);
    assert!(backups.iter().all(|v| v.users.is_empty()));
    let default = volumes(&mut c, "default");
    let web = vol(&default, "web-01.qcow2");
    assert_eq!(web.users.len(), 1, "{web:?}");
    assert_eq!(web.users[0].name, "web-01");
}
