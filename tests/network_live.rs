//! Networks on the rig through the backend API: define and start an isolated network with
//! DHCP, a guest on it takes a lease with busybox udhcpc, and the leases call returns it
//! with the guest's MAC and domain.

mod common;

use std::time::Duration;

use common::livenet::{self, NetGuard};
use common::probe::Probe;
use common::rig::{self, Guest};
use virtdeck::backend::HostId;
use virtdeck::backend::network::{NetCmd, NetEvent, NetOp, NetworkId};
use virtdeck::backend::{BackendEvent, Command, DomainId};

const BOOT: Duration = Duration::from_secs(180);

fn net_event(ev: &BackendEvent) -> Option<&NetEvent> {
    match ev {
        BackendEvent::Network(_, n) => Some(n),
        _ => None,
    }
}

#[test]
fn guest_on_isolated_network_gets_a_lease_the_backend_reports() {
    let Some(guest) = Guest::define("lease") else {
        return;
    };
    let prefix = livenet::prefix();
    let net_name = format!("{prefix}net");
    let bridge = format!("{prefix}br213");
    assert!(bridge.len() <= 15, "bridge name {bridge} too long");
    // Left over from an earlier failed run: gone before we start.
    drop(NetGuard(net_name.clone()));
    let _net = NetGuard(net_name.clone());

    let mut p = Probe::start(rig::URI);
    let xml = livenet::isolated_net_xml(&net_name, &bridge, 213);
    let info = p.ask(
        Command::Network(
            HostId::FIRST,
            NetCmd::Define {
                req: 1,
                editing: None,
                xml,
            },
        ),
        "define",
        |ev| match net_event(ev)? {
            NetEvent::Defined { req: 1, result } => Some(result.clone()),
            _ => None,
        },
    );
    let info = info.unwrap_or_else(|e| panic!("define refused: {e}"));
    assert_eq!(info.name, net_name);
    assert!(!info.active && info.persistent);
    assert_eq!(info.forward, "isolated");
    assert_eq!(
        info.ips[0].dhcp,
        Some(("192.168.213.10".into(), "192.168.213.50".into()))
    );
    let id: NetworkId = info.id.clone();

    let started = p.ask(
        Command::Network(
            HostId::FIRST,
            NetCmd::Op {
                req: 2,
                id: id.clone(),
                op: NetOp::Start,
            },
        ),
        "start",
        |ev| match net_event(ev)? {
            NetEvent::OpDone { req: 2, result, .. } => Some(result.clone()),
            _ => None,
        },
    );
    started.unwrap_or_else(|e| panic!("start failed: {e}"));
    let row = p
        .seen
        .iter()
        .rev()
        .find_map(|ev| match net_event(ev)? {
            NetEvent::Updated(i) if i.id == id => Some(i.clone()),
            _ => None,
        })
        .expect("an updated row after start");
    assert!(row.active, "network not active after start: {row:?}");
    assert_eq!(row.bridge.as_deref(), Some(bridge.as_str()));
    assert!(
        std::path::Path::new(&format!("/sys/class/net/{bridge}")).exists(),
        "bridge {bridge} does not exist on the host"
    );
    assert!(
        rig::virsh(&["net-list", "--name"])
            .lines()
            .any(|l| l.trim() == net_name)
    );

    // The guest's NIC goes onto the new network.
    livenet::redefine(&guest, |xml| {
        xml.replace(
            "<interface type='ethernet'>",
            &format!("<interface type='network'>\n<source network='{net_name}'/>"),
        )
    });
    rig::virsh(&["start", &guest.name]);
    assert!(
        guest.wait_for_prompt(BOOT),
        "guest never reached its prompt"
    );
    let mac = rig::virsh(&["domiflist", &guest.name])
        .split_whitespace()
        .find(|w| w.matches(':').count() == 5)
        .expect("guest MAC in domiflist")
        .to_string();
    let out = livenet::guest_run(
        &guest,
        "udhcpc -i eth0 -n -q -t 5 -T 2 -s /bin/true",
        Duration::from_secs(60),
    );
    assert!(
        out.contains("lease of 192.168.213."),
        "udhcpc got no lease: {out}"
    );

    let leases = p.ask(
        Command::Network(
            HostId::FIRST,
            NetCmd::Leases {
                req: 3,
                id: id.clone(),
            },
        ),
        "leases",
        |ev| match net_event(ev)? {
            NetEvent::Leases { req: 3, result, .. } => Some(result.clone()),
            _ => None,
        },
    );
    let leases = leases.unwrap_or_else(|e| panic!("leases failed: {e}"));
    let uuid = rig::virsh(&["domuuid", &guest.name]).trim().to_string();
    let lease = leases
        .iter()
        .find(|l| l.mac.eq_ignore_ascii_case(&mac))
        .unwrap_or_else(|| panic!("no lease for {mac} in {leases:?}"));
    assert!(lease.ip.starts_with("192.168.213."), "{lease:?}");
    assert_eq!(lease.prefix, 24);
    assert!(lease.expiry > 0);
    assert_eq!(
        lease
            .domain
            .as_ref()
            .map(|(id, name)| (id.uuid.as_str(), name.as_str())),
        Some((uuid.as_str(), guest.name.as_str())),
        "lease not mapped to its domain"
    );

    // The address column: the same IP from the domain's interface addresses.
    let ifaces = p.ask(
        Command::Network(
            HostId::FIRST,
            NetCmd::Addresses {
                id: DomainId::new(HostId::FIRST, uuid.clone()),
            },
        ),
        "addresses",
        |ev| match net_event(ev)? {
            NetEvent::Addresses { id, ifaces } if id.uuid == uuid => Some(ifaces.clone()),
            _ => None,
        },
    );
    let want = format!("{}/24", lease.ip);
    assert!(
        ifaces.iter().any(|i| i.addrs.contains(&want)),
        "address {want} not reported: {ifaces:?}"
    );

    // The network list counts the lease.
    let list = p.ask(
        Command::Network(HostId::FIRST, NetCmd::List { req: 4 }),
        "list",
        |ev| match net_event(ev)? {
            NetEvent::List(l) => Some(l.clone()),
            _ => None,
        },
    );
    let row = list.iter().find(|n| n.id == id).expect("network listed");
    assert_eq!(row.lease_count, Some(1));

    // Link down / up on the guest's NIC (update-device), as `domif-getlink` sees it.
    use virtdeck::backend::devices::{
        Affect, DeviceCmd, DeviceEvent, DeviceOp, NicSource, NicSpec, OpOutcome,
    };
    let run = |p: &mut Probe, req: u64, op: DeviceOp| -> OpOutcome {
        let cmd = Command::Device(
            HostId::FIRST,
            DeviceCmd::Run {
                req,
                id: DomainId::new(HostId::FIRST, uuid.clone()),
                op,
                affect: Affect::Auto,
                dry_run: false,
            },
        );
        p.ask(cmd, "device op", |ev| match ev {
            BackendEvent::Device(_, d) => match d.as_ref() {
                DeviceEvent::Ran {
                    req: r, outcome, ..
                } if *r == req => Some(outcome.clone()),
                _ => None,
            },
            _ => None,
        })
    };
    let getlink = || rig::virsh(&["domif-getlink", &guest.name, &mac]);
    let down = DeviceOp::SetLink {
        mac: mac.clone(),
        up: false,
    };
    let out = run(&mut p, 5, down);
    assert_eq!(out.result, Ok(()), "link down failed: {}", out.xml);
    assert!(out.xml.contains("<link state='down'/>"));
    assert!(getlink().contains("down"), "{}", getlink());
    let out = run(
        &mut p,
        6,
        DeviceOp::SetLink {
            mac: mac.clone(),
            up: true,
        },
    );
    assert_eq!(out.result, Ok(()), "link up failed: {}", out.xml);
    assert!(getlink().contains("up"), "{}", getlink());

    // A second NIC hot-plugged onto the network (live and persistent), then detached.
    let nic = NicSpec {
        source: NicSource::Network(net_name.clone()),
        model: None,
        mac: Some("52:54:00:d1:13:02".into()),
    };
    let out = run(&mut p, 7, DeviceOp::AttachNic(nic));
    assert_eq!(out.result, Ok(()), "NIC attach failed: {}", out.xml);
    assert!(rig::virsh(&["domiflist", &guest.name]).contains("52:54:00:d1:13:02"));
    assert!(rig::virsh(&["dumpxml", "--inactive", &guest.name]).contains("52:54:00:d1:13:02"));
    let seen_in_guest = (0..20).any(|_| {
        std::thread::sleep(Duration::from_millis(500));
        livenet::guest_run(&guest, "ls /sys/class/net", Duration::from_secs(20)).contains("eth1")
    });
    assert!(seen_in_guest, "the guest never saw eth1");
    let out = run(
        &mut p,
        8,
        DeviceOp::Detach(virtdeck::backend::devices::DeviceRef::Nic(
            "52:54:00:d1:13:02".into(),
        )),
    );
    assert_eq!(out.result, Ok(()), "NIC detach failed: {}", out.xml);
    assert!(!rig::virsh(&["dumpxml", "--inactive", &guest.name]).contains("52:54:00:d1:13:02"));

    // Stopping it raises a network lifecycle event and an inactive row, no polling.
    rig::virsh(&["destroy", &guest.name]);
    rig::virsh(&["net-destroy", &net_name]);
    let stopped = p.wait(Duration::from_secs(30), |ev| match net_event(ev)? {
        NetEvent::Updated(i) if i.id == id && !i.active => Some(()),
        _ => None,
    });
    assert!(stopped.is_some(), "no update after an external net-destroy");
}
