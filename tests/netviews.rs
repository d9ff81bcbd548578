//! The networks, leases and events views without libvirt: the App on a detached command
//! channel, fed fake backend events; keys pressed, Commands and screens asserted.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use virtdeck::backend::events::{DomainEventDetail, DomainEventRecord, WatchdogAction};
use virtdeck::backend::network::{
    IpRange, Lease, NetCmd, NetEvent, NetLifecycle, NetOp, NetworkId, NetworkInfo,
};
use virtdeck::backend::{BackendEvent, Command, DomainId, HostId};
use virtdeck::config::Config;
use virtdeck::event::Event;
use virtdeck::ui::layer::ViewRequest;

const H: HostId = HostId::FIRST;

fn net(n: usize, name: &str, active: bool) -> NetworkInfo {
    NetworkInfo {
        id: NetworkId::new(H, format!("0000000{n}-0000-4000-8000-000000000000")),
        name: name.into(),
        active,
        autostart: n.is_multiple_of(2),
        persistent: true,
        bridge: Some(format!("virbr{n}")),
        forward: if n == 1 {
            "nat".into()
        } else {
            "isolated".into()
        },
        ips: vec![IpRange {
            family: "ipv4".into(),
            address: format!("192.168.{}.1", 100 + n),
            prefix: 24,
            dhcp: Some((
                format!("192.168.{}.2", 100 + n),
                format!("192.168.{}.254", 100 + n),
            )),
        }],
        lease_count: active.then_some(n),
    }
}

fn nets() -> Vec<NetworkInfo> {
    vec![
        net(1, "default", true),
        net(2, "lab", true),
        net(3, "storage", false),
    ]
}

#[path = "common/fake.rs"]
mod fake;
use fake::Fake;

impl Fake {
    fn new(width: u16, height: u16, readonly: bool) -> Fake {
        let config = Config::builtin().expect("config");
        Fake::connected(width, height, config, readonly, Vec::new())
    }

    fn net_event(&mut self, ev: NetEvent) {
        self.app
            .handle(Event::Backend(BackendEvent::Network(H, Box::new(ev))));
    }

    /// Opens the networks view and answers its list request.
    fn open_networks(&mut self) {
        self.app.open_view(ViewRequest::Networks);
        let sent = self.log.drain();
        assert!(
            matches!(sent.as_slice(), [Command::Network(h, NetCmd::List { .. })] if *h == H),
            "opening the view asks for the list: {sent:?}"
        );
        self.net_event(NetEvent::List(nets()));
    }
}

#[test]
fn stop_asks_then_sends_destroy_and_the_row_follows_the_event() {
    let mut f = Fake::new(100, 30, false);
    f.open_networks();
    // Second row: "lab", active.
    f.press("j");
    f.press("d");
    assert!(f.log.drain().is_empty(), "nothing is sent before the yes");
    assert!(f.screen().contains("stop network?"));
    f.press("y");
    let sent = f.log.drain();
    let [Command::Network(h, NetCmd::Op { id, op, .. })] = sent.as_slice() else {
        panic!("one network op expected, got {sent:?}");
    };
    assert_eq!(
        (*h, id.clone(), *op),
        (H, net(2, "", true).id, NetOp::Destroy)
    );
    let mut stopped = net(2, "lab", false);
    stopped.lease_count = None;
    f.net_event(NetEvent::Updated(stopped));
    let screen = f.screen();
    let lab = screen.lines().find(|l| l.contains("lab")).expect("lab row");
    assert!(lab.contains("inactive"), "row shows the stop: {lab}");
}

#[test]
fn any_other_key_cancels_a_stop_and_start_autostart_send_at_once() {
    let mut f = Fake::new(100, 30, false);
    f.open_networks();
    f.press("dn");
    assert!(f.log.drain().is_empty());
    // "storage" is inactive: start it.
    f.press("G");
    f.press("s");
    f.press("a");
    let ops: Vec<NetOp> = f
        .log
        .drain()
        .into_iter()
        .filter_map(|c| match c {
            Command::Network(_, NetCmd::Op { op, .. }) => Some(op),
            _ => None,
        })
        .collect();
    // net(3) has autostart off (odd n): toggling turns it on.
    assert_eq!(ops, vec![NetOp::Start, NetOp::SetAutostart(true)]);
}

#[test]
fn readonly_refuses_network_changes() {
    let mut f = Fake::new(100, 30, true);
    f.open_networks();
    f.press("sda");
    assert!(f.log.drain().is_empty());
    assert!(f.screen().contains("read-only"));
}

#[test]
fn removed_network_goes_and_the_selection_stays_on_the_same_network() {
    let mut f = Fake::new(100, 30, false);
    f.open_networks();
    f.press("G");
    f.net_event(NetEvent::Removed(net(1, "", true).id));
    f.press("s");
    // Still "storage" selected: the start goes to its id, not to whatever is last now.
    let sent = f.log.drain();
    assert!(
        matches!(sent.as_slice(), [Command::Network(_, NetCmd::Op { id, .. })] if *id == net(3, "", false).id),
        "{sent:?}"
    );
    assert!(!f.screen().contains("default"));
}

#[test]
fn enter_shows_leases_with_the_owning_domain_and_esc_goes_back() {
    let mut f = Fake::new(100, 30, false);
    f.open_networks();
    f.press("<Enter>");
    let sent = f.log.drain();
    let [Command::Network(_, NetCmd::Leases { req, id })] = sent.as_slice() else {
        panic!("{sent:?}");
    };
    assert_eq!(*id, net(1, "", true).id);
    f.net_event(NetEvent::Leases {
        req: *req,
        id: id.clone(),
        result: Ok(vec![Lease {
            mac: "52:54:00:aa:bb:cc".into(),
            ip: "192.168.101.17".into(),
            prefix: 24,
            ipv6: false,
            hostname: Some("web-01".into()),
            client_id: None,
            expiry: 0,
            domain: Some((DomainId::new(H, "d1"), "web-01-vm".into())),
        }]),
    });
    let screen = f.screen();
    assert!(screen.contains("52:54:00:aa:bb:cc"));
    assert!(screen.contains("web-01-vm"));
    assert!(screen.contains("never"));
    f.press("<Esc>");
    assert!(f.screen().contains("networks (3)"));
}

fn at(s: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(s)
}

fn feed_events(f: &mut Fake) {
    f.app.handle(Event::Backend(BackendEvent::DomainEvent(
        H,
        Box::new(DomainEventRecord {
            at: at(3600),
            id: DomainId::new(H, "d1"),
            name: "web-01".into(),
            detail: DomainEventDetail::DeviceAdded {
                alias: "virtio-disk1".into(),
            },
        }),
    )));
    f.net_event(NetEvent::Lifecycle {
        at: at(3601),
        id: net(2, "", true).id,
        name: "lab".into(),
        event: NetLifecycle::Stopped,
        detail: 0,
    });
    f.app.handle(Event::Backend(BackendEvent::DomainEvent(
        H,
        Box::new(DomainEventRecord {
            at: at(3602),
            id: DomainId::new(H, "d2"),
            name: "db-primary".into(),
            detail: DomainEventDetail::Watchdog {
                action: WatchdogAction::Reset,
            },
        }),
    )));
}

#[test]
fn events_view_lists_every_event_newest_first() {
    let mut f = Fake::new(100, 30, false);
    feed_events(&mut f);
    f.app.open_view(ViewRequest::Events);
    let screen = f.screen();
    let pos = |s: &str| {
        screen
            .find(s)
            .unwrap_or_else(|| panic!("{s} missing:\n{screen}"))
    };
    assert!(pos("watchdog fired: reset") < pos("stopped"));
    assert!(pos("stopped") < pos("device virtio-disk1 added"));
    assert!(screen.contains("events (3)"));
    // Replies are not events.
    f.net_event(NetEvent::List(nets()));
    assert!(f.screen().contains("events (3)"));
}

#[test]
fn snapshots_of_the_new_views() {
    for (w, h) in [(80u16, 24u16), (160, 45)] {
        let mut f = Fake::new(w, h, false);
        f.open_networks();
        insta::assert_snapshot!(format!("networks_{w}x{h}"), f.screen());
        f.press("<Enter>");
        let sent = f.log.drain();
        let [Command::Network(_, NetCmd::Leases { req, .. })] = sent.as_slice() else {
            panic!("{sent:?}");
        };
        f.net_event(NetEvent::Leases {
            req: *req,
            id: net(1, "", true).id,
            result: Ok(Vec::new()),
        });
        insta::assert_snapshot!(format!("leases_empty_{w}x{h}"), f.screen());
        let mut f = Fake::new(w, h, false);
        feed_events(&mut f);
        f.app.open_view(ViewRequest::Events);
        // The hour depends on the machine's time zone; minutes and seconds do not.
        let screen: String = f
            .screen()
            .lines()
            .map(|l| match l.char_indices().nth(3) {
                Some((i, _)) if l.starts_with('│') && l[i..].starts_with(":0") => {
                    format!("│hh{}\n", &l[i..])
                }
                _ => format!("{l}\n"),
            })
            .collect();
        insta::assert_snapshot!(format!("events_{w}x{h}"), screen);
    }
}

#[test]
fn overview_shows_a_running_domains_addresses_from_the_backend() {
    use virtdeck::backend::network::GuestInterface;
    use virtdeck::backend::{DomainInfo, DomainState};
    let mut f = Fake::new(100, 30, false);
    let id = DomainId::new(H, "00000000-0000-4000-8000-000000000001");
    f.app.handle(Event::Backend(BackendEvent::DomainList(
        H,
        vec![DomainInfo {
            id: id.clone(),
            name: "web-01".into(),
            state: DomainState::from_raw(1, 1),
            dom_id: Some(1),
            vcpus: 1,
            memory_kib: 1024,
            max_memory_kib: 1024,
            cpu_time_ns: 0,
            autostart: false,
            persistent: true,
            managed_save: false,
        }],
    )));
    assert!(!f.screen().contains("192.168.101.17"));
    f.net_event(NetEvent::Addresses {
        id,
        ifaces: vec![GuestInterface {
            name: "vnet0".into(),
            mac: Some("52:54:00:aa:bb:cc".into()),
            addrs: vec!["192.168.101.17/24".into()],
        }],
    });
    let screen = f.screen();
    assert!(screen.contains("IP"), "{screen}");
    assert!(screen.contains("192.168.101.17/24"), "{screen}");
    // y copies name, UUID and the address (without its prefix length).
    f.press("y");
    let status = f
        .app
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(
        status.starts_with("copied: web-01 ") && status.ends_with(" 192.168.101.17"),
        "{status}"
    );
}
