//! Networks on the test driver through the backend API: the demo host's list, start /
//! stop / autostart / undefine with the rows and events they produce, define and its
//! refusals, XML, leases refused cleanly, and domain addresses.

mod common;

use std::time::Duration;

use common::probe::Probe;
use virtdeck::backend::HostId;
use virtdeck::backend::demo::{DEMO_HOST_XML, NodeFile};
use virtdeck::backend::network::{NetCmd, NetEvent, NetLifecycle, NetOp, NetworkId, NetworkInfo};
use virtdeck::backend::{BackendEvent, Command, DomainId};

fn demo() -> (NodeFile, Probe) {
    let node = NodeFile::write(DEMO_HOST_XML).expect("node file");
    let p = Probe::start(&node.uri());
    (node, p)
}

fn net(ev: &BackendEvent) -> Option<&NetEvent> {
    match ev {
        BackendEvent::Network(_, n) => Some(n),
        _ => None,
    }
}

fn list(p: &mut Probe, req: u64) -> Vec<NetworkInfo> {
    p.ask(
        Command::Network(HostId::FIRST, NetCmd::List { req }),
        "list",
        |ev| match net(ev)? {
            NetEvent::List(l) => Some(l.clone()),
            _ => None,
        },
    )
}

fn op(p: &mut Probe, req: u64, id: &NetworkId, op: NetOp) -> Result<(), String> {
    let cmd = Command::Network(
        HostId::FIRST,
        NetCmd::Op {
            req,
            id: id.clone(),
            op,
        },
    );
    p.ask(cmd, op.label(), |ev| match net(ev)? {
        NetEvent::OpDone { req: r, result, .. } if *r == req => Some(result.clone()),
        _ => None,
    })
}

fn last_row(p: &Probe, id: &NetworkId) -> NetworkInfo {
    p.seen
        .iter()
        .rev()
        .find_map(|ev| match net(ev)? {
            NetEvent::Updated(i) if &i.id == id => Some(i.clone()),
            _ => None,
        })
        .expect("an updated row")
}

#[test]
fn demo_host_networks_are_listed_with_their_addressing() {
    let (_node, mut p) = demo();
    // The initial list comes unasked after connecting.
    let first = p
        .wait(Duration::from_secs(10), |ev| match net(ev)? {
            NetEvent::List(l) => Some(l.clone()),
            _ => None,
        })
        .expect("initial network list");
    let names: Vec<&str> = first.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["default", "isolated", "lab-routed"]);
    let d = &first[0];
    assert!(d.active && d.persistent && !d.autostart);
    assert_eq!(d.forward, "nat");
    assert_eq!(d.bridge.as_deref(), Some("virbr0"));
    assert_eq!(d.ips[0].address, "192.168.122.1");
    assert_eq!(d.ips[0].prefix, 24);
    assert_eq!(
        d.ips[0].dhcp,
        Some(("192.168.122.2".into(), "192.168.122.254".into()))
    );
    // The test driver has no lease database: unknown, not zero.
    assert_eq!(d.lease_count, None);
    assert_eq!(first[1].forward, "isolated");
    let routed = &first[2];
    assert_eq!(routed.forward, "route");
    assert_eq!(routed.ips[0].prefix, 16);
    assert_eq!(routed.ips[1].family, "ipv6");
    assert_eq!(list(&mut p, 1), first);
}

#[test]
fn stop_start_autostart_and_undefine_update_the_row_and_raise_events() {
    let (_node, mut p) = demo();
    let rows = list(&mut p, 1);
    let iso = rows
        .iter()
        .find(|n| n.name == "isolated")
        .expect("isolated");
    let id = iso.id.clone();

    assert_eq!(op(&mut p, 2, &id, NetOp::Destroy), Ok(()));
    assert!(!last_row(&p, &id).active);
    let stopped = p.seen.iter().any(|ev| {
        matches!(net(ev), Some(NetEvent::Lifecycle { id: i, event: NetLifecycle::Stopped, .. }) if *i == id)
    }) || p
        .wait(Duration::from_secs(5), |ev| match net(ev)? {
            NetEvent::Lifecycle {
                id: i,
                event: NetLifecycle::Stopped,
                ..
            } if *i == id => Some(()),
            _ => None,
        })
        .is_some();
    assert!(stopped, "no network lifecycle event for the stop");
    // A network that does not exist: libvirt's error, not a crash.
    let nothing = NetworkId::new(HostId::FIRST, "00000000-0000-0000-0000-000000000000");
    let err = op(&mut p, 3, &nothing, NetOp::Start);
    assert!(
        err.as_ref().is_err_and(|m| m.contains("network")),
        "{err:?}"
    );

    assert_eq!(op(&mut p, 4, &id, NetOp::Start), Ok(()));
    assert!(last_row(&p, &id).active);
    assert_eq!(op(&mut p, 5, &id, NetOp::SetAutostart(true)), Ok(()));
    assert!(last_row(&p, &id).autostart);
    assert!(list(&mut p, 6).iter().any(|n| n.id == id && n.autostart));

    // Undefining a running network is refused with libvirt's reason; stopped, it goes.
    let busy = op(&mut p, 7, &id, NetOp::Undefine);
    assert!(
        busy.as_ref().is_err_and(|m| m.contains("still running")),
        "{busy:?}"
    );
    assert!(list(&mut p, 10).iter().any(|n| n.id == id && n.persistent));
    assert_eq!(op(&mut p, 8, &id, NetOp::Destroy), Ok(()));
    assert_eq!(op(&mut p, 11, &id, NetOp::Undefine), Ok(()));
    assert!(
        p.seen
            .iter()
            .any(|ev| matches!(net(ev), Some(NetEvent::Removed(i)) if *i == id))
    );
    assert!(!list(&mut p, 9).iter().any(|n| n.id == id));
}

#[test]
fn define_edit_and_refusals_leave_the_list_intact() {
    let (_node, mut p) = demo();
    let define = |p: &mut Probe, req: u64, editing: Option<NetworkId>, xml: &str| {
        let cmd = Command::Network(
            HostId::FIRST,
            NetCmd::Define {
                req,
                editing,
                xml: xml.to_string(),
            },
        );
        p.ask(cmd, "define", |ev| match net(ev)? {
            NetEvent::Defined { req: r, result } if *r == req => Some(result.clone()),
            _ => None,
        })
    };
    let xml = "<network><name>lab-new</name><bridge name='virbr9'/>\
               <ip address='10.99.0.1' prefix='24'><dhcp><range start='10.99.0.10' end='10.99.0.20'/>\
               </dhcp></ip></network>";
    let info = define(&mut p, 1, None, xml).expect("defined");
    assert_eq!(info.name, "lab-new");
    assert!(!info.active && info.persistent);
    assert_eq!(
        info.ips[0].dhcp.as_ref().map(|d| d.1.as_str()),
        Some("10.99.0.20")
    );
    let before = list(&mut p, 2);
    assert_eq!(before.len(), 4);

    // Editing: same name, new range.
    let edited = xml.replace("10.99.0.20", "10.99.0.30");
    let info2 = define(&mut p, 3, Some(info.id.clone()), &edited).expect("redefined");
    assert_eq!(info2.id, info.id);
    assert_eq!(
        info2.ips[0].dhcp.as_ref().map(|d| d.1.as_str()),
        Some("10.99.0.30")
    );
    let fetched = p.ask(
        Command::Network(
            HostId::FIRST,
            NetCmd::FetchXml {
                req: 4,
                id: info.id.clone(),
                inactive: true,
            },
        ),
        "xml",
        |ev| match net(ev)? {
            NetEvent::Xml { req: 4, result, .. } => Some(result.clone()),
            _ => None,
        },
    );
    assert!(fetched.expect("xml").contains("10.99.0.30"));

    // A rename while editing would fork the network: refused.
    let renamed = xml.replace("lab-new", "lab-other");
    let err = define(&mut p, 5, Some(info.id.clone()), &renamed).expect_err("rename refused");
    assert!(err.contains("second network"), "{err}");
    // Malformed XML: a message, nothing defined.
    let err = define(&mut p, 6, None, "<network><name>x</name>").expect_err("malformed");
    assert!(err.contains("XML"), "{err}");
    let after = list(&mut p, 8);
    assert!(after.iter().all(|n| n.name != "lab-other" && n.name != "x"));
    assert_eq!(
        after.iter().filter(|n| n.name == "lab-new").count(),
        1,
        "the edit forked the network"
    );
}

#[test]
fn leases_unsupported_is_an_error_and_addresses_come_from_the_driver() {
    let (_node, mut p) = demo();
    let rows = list(&mut p, 1);
    let id = rows[0].id.clone();
    let leases = p.ask(
        Command::Network(HostId::FIRST, NetCmd::Leases { req: 2, id }),
        "leases",
        |ev| match net(ev)? {
            NetEvent::Leases { req: 2, result, .. } => Some(result.clone()),
            _ => None,
        },
    );
    assert!(leases.is_err_and(|m| m.contains("not supported")));
    let web = DomainId::new(HostId::FIRST, "51488bc1-94fd-519e-855d-21a125b2d992");
    let ifaces = p.ask(
        Command::Network(HostId::FIRST, NetCmd::Addresses { id: web.clone() }),
        "addresses",
        |ev| match net(ev)? {
            NetEvent::Addresses { id, ifaces } if *id == web => Some(ifaces.clone()),
            _ => None,
        },
    );
    assert_eq!(ifaces.len(), 1);
    assert_eq!(ifaces[0].mac.as_deref(), Some("52:54:00:1a:01:01"));
    assert!(ifaces[0].addrs[0].starts_with("192.168.122."), "{ifaces:?}");
    // An unknown network: a message.
    let gone = NetworkId::new(HostId::FIRST, "00000000-0000-0000-0000-000000000000");
    let r = p.ask(
        Command::Network(HostId::FIRST, NetCmd::Leases { req: 3, id: gone }),
        "leases of nothing",
        |ev| match net(ev)? {
            NetEvent::Leases { req: 3, result, .. } => Some(result.clone()),
            _ => None,
        },
    );
    assert!(r.is_err());
}

#[test]
fn addresses_are_polled_for_running_domains_and_soon_after_a_start() {
    use std::collections::HashSet;
    use virtdeck::backend::LifecycleOp;
    let (_node, mut p) = demo();
    const NAS: &str = "d1c5bcc1-6f08-5f69-9e35-39066cad53b3";
    // The first round comes unasked, for running domains only.
    let mut polled = HashSet::new();
    let _ = p.wait(Duration::from_secs(4), |ev| {
        if let Some(NetEvent::Addresses { id, .. }) = net(ev) {
            polled.insert(id.uuid.clone());
        }
        None::<()>
    });
    assert!(
        polled.contains("51488bc1-94fd-519e-855d-21a125b2d992"),
        "{polled:?}"
    );
    assert!(!polled.contains(NAS), "a shut-off domain was asked");
    // Starting backup-nas: its addresses follow within seconds, long before the next round.
    p.send(Command::Lifecycle {
        req: 1,
        id: DomainId::new(HostId::FIRST, NAS),
        name: "backup-nas".into(),
        op: LifecycleOp::Start,
    });
    let got = p.wait(Duration::from_secs(15), |ev| match net(ev)? {
        NetEvent::Addresses { id, ifaces } if id.uuid == NAS => Some(ifaces.clone()),
        _ => None,
    });
    let ifaces = got.expect("no addresses after the start");
    assert!(!ifaces.is_empty());
}
