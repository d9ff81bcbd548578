//! Clone, rename, title and description through the backend on libvirt's test driver (a
//! node with a pool whose volumes the domains use): what virt-clone and virsh domrename /
//! desc do, and that a failed clone leaves nothing behind.

#[path = "common/client.rs"]
mod client;

use std::time::Duration;

use client::Client;
use virtdeck::backend::clone::{CloneCmd, CloneEvent, ClonePlan, CloneSpec, DiskMode};
use virtdeck::backend::model::{DomainId, HostId};
use virtdeck::backend::rename::{Labels, RenameCmd, RenameEvent};
use virtdeck::backend::storage::{StorageCmd, StorageEvent, VolumeInfo};
use virtdeck::backend::{BackendEvent, Command};

const SLEEPER: &str = "7a000000-0000-4000-8000-000000000002";
const RUNNER: &str = "7a000000-0000-4000-8000-000000000001";
const T: Duration = Duration::from_secs(30);

fn node_uri() -> String {
    format!(
        "test://{}/tests/fixtures/storage-node.xml",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn id(uuid: &str) -> DomainId {
    DomainId::new(HostId::FIRST, uuid)
}

fn plan(c: &mut Client, uuid: &str) -> Result<ClonePlan, String> {
    let req = c.req();
    c.send(Command::Clone(
        HostId::FIRST,
        CloneCmd::Plan { req, id: id(uuid) },
    ));
    c.wait_for(T, |ev| match ev {
        BackendEvent::Clone(_, CloneEvent::Plan { req: r, result, .. }) if *r == req => {
            Some(result.clone().map(|p| *p))
        }
        _ => None,
    })
}

/// Starts a clone and returns its outcome and the progress events seen.
fn clone(
    c: &mut Client,
    uuid: &str,
    spec: CloneSpec,
) -> (Result<(DomainId, String), String>, usize) {
    let req = c.req();
    c.send(Command::Clone(
        HostId::FIRST,
        CloneCmd::Start {
            req,
            id: id(uuid),
            spec,
        },
    ));
    let mut progress = 0;
    let result = c.wait_for(T, |ev| match ev {
        BackendEvent::Clone(_, CloneEvent::Progress { req: r, .. }) if *r == req => {
            progress += 1;
            None
        }
        BackendEvent::Clone(_, CloneEvent::Finished { req: r, result, .. }) if *r == req => {
            Some(result.clone())
        }
        _ => None,
    });
    (result, progress)
}

fn volumes(c: &mut Client) -> Vec<VolumeInfo> {
    match c.storage(|req| StorageCmd::ListVolumes {
        req,
        pool: "images".into(),
    }) {
        StorageEvent::Volumes { result, .. } => result.expect("volumes"),
        other => panic!("unexpected {other:?}"),
    }
}

fn names(c: &mut Client) -> Vec<String> {
    let mut v: Vec<String> = volumes(c).into_iter().map(|v| v.name).collect();
    v.sort();
    v
}

fn xml_of(c: &mut Client, of: &DomainId) -> String {
    let req = c.req();
    c.send(Command::FetchXml {
        req,
        id: of.clone(),
        live: false,
        secure: false,
    });
    c.wait_for(T, |ev| match ev {
        BackendEvent::XmlFetched { req: r, result, .. } if *r == req => {
            Some(result.clone().expect("xml"))
        }
        _ => None,
    })
}

fn spec(name: &str, disks: &[(&str, DiskMode)]) -> CloneSpec {
    CloneSpec {
        new_name: name.into(),
        disks: disks.iter().map(|(t, m)| (t.to_string(), *m)).collect(),
        pool: None,
    }
}

#[test]
fn the_plan_shows_each_disk_its_pool_and_the_default_copy() {
    let mut c = Client::open(&node_uri());
    let p = plan(&mut c, SLEEPER).expect("plan");
    assert_eq!(p.name, "sleeper");
    assert!(!p.running && !p.paused);
    assert_eq!(p.disks.len(), 1);
    let d = &p.disks[0];
    assert_eq!(d.disk.target, "vdb");
    assert_eq!(d.pool.as_deref(), Some("images"));
    assert_eq!(d.path.as_deref(), Some("/srv/images/idle.raw"));
    assert_eq!(d.disk.default_mode(), DiskMode::Copy);
    assert_eq!(p.pools, vec!["images".to_string()]);
    assert!(p.names.contains(&"runner".to_string()));
    // The running domain plans too, but says it is running.
    assert!(plan(&mut c, RUNNER).expect("plan").running);
}

#[test]
fn a_full_clone_copies_the_disk_and_gets_a_new_uuid_and_name() {
    let mut c = Client::open(&node_uri());
    let (result, progress) = clone(&mut c, SLEEPER, spec("sleeper-2", &[]));
    let (new_id, summary) = result.expect("cloned");
    assert!(progress >= 1, "progress was reported");
    assert_ne!(new_id.uuid, SLEEPER);
    assert!(
        summary.contains("vdb copied to images/sleeper-2-vdb.raw"),
        "{summary}"
    );
    assert!(names(&mut c).contains(&"sleeper-2-vdb.raw".to_string()));
    let xml = xml_of(&mut c, &new_id);
    assert!(xml.contains("<name>sleeper-2</name>"), "{xml}");
    assert!(xml.contains("/srv/images/sleeper-2-vdb.raw"), "{xml}");
    assert!(
        !xml.contains("idle.raw"),
        "the clone must not use the original's disk: {xml}"
    );
    // The original is untouched.
    let orig = xml_of(&mut c, &id(SLEEPER));
    assert!(orig.contains("/srv/images/idle.raw"), "{orig}");
}

#[test]
fn a_linked_clone_is_an_overlay_on_the_original_image() {
    let mut c = Client::open(&node_uri());
    let (result, _) = clone(
        &mut c,
        SLEEPER,
        spec("sleeper-linked", &[("vdb", DiskMode::Link)]),
    );
    let (new_id, summary) = result.expect("cloned");
    assert!(summary.contains("overlaid"), "{summary}");
    let list = volumes(&mut c);
    let overlay = list
        .iter()
        .find(|v| v.name == "sleeper-linked-vdb.qcow2")
        .unwrap_or_else(|| panic!("no overlay in {list:?}"));
    assert_eq!(overlay.format.as_deref(), Some("qcow2"));
    assert_eq!(
        overlay.backing_path.as_deref(),
        Some("/srv/images/idle.raw")
    );
    let xml = xml_of(&mut c, &new_id);
    assert!(xml.contains("sleeper-linked-vdb.qcow2"), "{xml}");
    assert!(xml.contains("type='qcow2'"), "{xml}");
}

#[test]
fn a_taken_name_or_a_running_domain_is_refused_and_nothing_is_made() {
    let mut c = Client::open(&node_uri());
    let before = names(&mut c);
    let (result, _) = clone(&mut c, SLEEPER, spec("runner", &[]));
    let e = result.expect_err("name taken");
    assert!(e.contains("exists already"), "{e}");
    assert!(e.contains("nothing had been created"), "{e}");
    let (result, _) = clone(&mut c, RUNNER, spec("runner-2", &[]));
    let e = result.expect_err("running");
    assert!(e.contains("is running"), "{e}");
    assert_eq!(names(&mut c), before);
}

#[test]
fn a_failure_halfway_removes_the_volumes_already_copied_and_says_so() {
    let mut c = Client::open(&node_uri());
    // vda copies fine; vdb is outside every pool and cannot be read: the clone fails
    // after vda's copy exists, which must then go again.
    let xml = "<domain type='test'><name>two-disks</name><memory unit='MiB'>64</memory>\
        <os><type>hvm</type></os><devices>\
        <disk type='file' device='disk'><driver name='qemu' type='raw'/>\
        <source file='/srv/images/free.raw'/><target dev='vda' bus='virtio'/></disk>\
        <disk type='file' device='disk'><driver name='qemu' type='raw'/>\
        <source file='/nonexistent/virtdeck-missing.raw'/><target dev='vdb' bus='virtio'/></disk>\
        </devices></domain>";
    let req = c.req();
    c.send(Command::DefineXml {
        host: HostId::FIRST,
        req,
        editing: None,
        xml: xml.into(),
    });
    let defined = c.wait_for(T, |ev| match ev {
        BackendEvent::XmlDefined { req: r, result, .. } if *r == req => {
            Some(result.clone().expect("defined"))
        }
        _ => None,
    });
    let before = names(&mut c);
    let (result, _) = clone(
        &mut c,
        &defined.id.uuid,
        CloneSpec {
            pool: Some("images".into()),
            ..spec("two-disks-2", &[])
        },
    );
    let e = result.expect_err("vdb cannot be read");
    assert!(e.contains("virtdeck-missing.raw"), "{e}");
    assert!(e.contains("removed volume images/two-disks-2"), "{e}");
    assert_eq!(names(&mut c), before, "the copy of vda is gone again");
}

fn labels(c: &mut Client, uuid: &str) -> Labels {
    let req = c.req();
    c.send(Command::Rename(
        HostId::FIRST,
        RenameCmd::Read { req, id: id(uuid) },
    ));
    c.wait_for(T, |ev| match ev {
        BackendEvent::Rename(_, RenameEvent::Labels { req: r, result, .. }) if *r == req => {
            Some(result.clone().expect("labels"))
        }
        _ => None,
    })
}

fn apply(
    c: &mut Client,
    uuid: &str,
    old: &str,
    name: Option<&str>,
    title: Option<&str>,
    description: Option<&str>,
) -> Result<String, String> {
    let req = c.req();
    c.send(Command::Rename(
        HostId::FIRST,
        RenameCmd::Apply {
            req,
            id: id(uuid),
            old_name: old.into(),
            name: name.map(str::to_string),
            title: title.map(str::to_string),
            description: description.map(str::to_string),
        },
    ));
    c.wait_for(T, |ev| match ev {
        BackendEvent::Rename(_, RenameEvent::Applied { req: r, result, .. }) if *r == req => {
            Some(result.clone())
        }
        _ => None,
    })
}

#[test]
fn a_shut_off_domain_is_renamed_and_keeps_its_uuid() {
    let mut c = Client::open(&node_uri());
    let r = apply(&mut c, SLEEPER, "sleeper", Some("dozer"), None, None);
    assert_eq!(r.as_deref(), Ok("renamed sleeper to dozer"));
    let l = labels(&mut c, SLEEPER);
    assert_eq!(l.name, "dozer");
    // The list row follows at once.
    let row = c.seen_or_wait(T, |ev| match ev {
        BackendEvent::DomainUpdated(info) if info.id.uuid == SLEEPER && info.name == "dozer" => {
            Some(info.clone())
        }
        _ => None,
    });
    assert_eq!(row.name, "dozer");
}

#[test]
fn a_running_domain_is_not_renamed_but_gets_its_title_and_description() {
    let mut c = Client::open(&node_uri());
    let e = apply(&mut c, RUNNER, "runner", Some("sprinter"), None, None).expect_err("running");
    assert!(e.contains("shut it down"), "{e}");
    assert_eq!(labels(&mut c, RUNNER).name, "runner");
    let r = apply(
        &mut c,
        RUNNER,
        "runner",
        None,
        Some("Build box"),
        Some("CI runner for the web team"),
    );
    assert_eq!(r.as_deref(), Ok("title set, description set"));
    let l = labels(&mut c, RUNNER);
    assert_eq!(
        (l.title.as_str(), l.description.as_str(), l.shut_off),
        ("Build box", "CI runner for the web team", false)
    );
    let r = apply(&mut c, RUNNER, "runner", None, Some(""), None);
    assert_eq!(r.as_deref(), Ok("title cleared"));
    assert_eq!(labels(&mut c, RUNNER).title, "");
    let e = apply(&mut c, RUNNER, "runner", None, Some("two\nlines"), None).expect_err("one line");
    assert!(e.contains("one line"), "{e}");
}

#[test]
fn a_paused_domain_is_cloned_and_the_plan_says_it_is_paused() {
    let mut c = Client::open(&node_uri());
    let req = c.req();
    c.send(Command::Lifecycle {
        req,
        id: id(RUNNER),
        name: "runner".into(),
        op: virtdeck::backend::LifecycleOp::Suspend,
    });
    c.wait_for(T, |ev| match ev {
        BackendEvent::ActionDone { req: r, .. } if *r == req => Some(()),
        BackendEvent::ActionFailed {
            req: r, message, ..
        } if *r == req => {
            panic!("suspend failed: {message}")
        }
        _ => None,
    });
    let p = plan(&mut c, RUNNER).expect("plan");
    assert!(p.paused && !p.running, "{p:?}");
    let (result, _) = clone(&mut c, RUNNER, spec("runner-copy", &[]));
    let (new_id, summary) = result.expect("a paused domain clones");
    assert!(
        summary.contains("vda copied to images/runner-copy-vda.qcow2"),
        "{summary}"
    );
    assert!(xml_of(&mut c, &new_id).contains("runner-copy-vda.qcow2"));
}
