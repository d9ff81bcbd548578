//! The guest dialogs (send-key, memory, vCPUs), the IP column and host-device passthrough
//! from the host view, tested without libvirt: the App on a detached command channel, fed
//! fake backend events; keys are pressed and the Commands sent and the screens asserted.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use virtdeck::app::App;
use virtdeck::backend::devices::{
    Affect, DeviceCmd, DeviceError, DeviceEvent, DeviceOp, DeviceRef, HostdevSpec, Limits,
    OpOutcome,
};
use virtdeck::backend::events::{DomainEventDetail, DomainEventRecord};
use virtdeck::backend::network::{GuestInterface, NetEvent};
use virtdeck::backend::node::{NodeCmd, NodeDeviceInfo, NodeEvent};
use virtdeck::backend::{
    BackendEvent, Command, CommandLog, CommandSender, DomainId, DomainInfo, DomainState, HostId,
};
use virtdeck::config::Config;
use virtdeck::config::keymap::Key;
use virtdeck::event::Event;

fn uuid(n: usize) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

fn id(n: usize) -> DomainId {
    DomainId::new(HostId::FIRST, uuid(n))
}

fn info(n: usize, name: &str, state: i32) -> DomainInfo {
    DomainInfo {
        id: id(n),
        name: name.into(),
        state: DomainState::from_raw(state, 1),
        dom_id: (state == 1).then_some(n as u32),
        vcpus: 2,
        memory_kib: 1024 * 1024,
        max_memory_kib: 2048 * 1024,
        cpu_time_ns: 0,
        autostart: n.is_multiple_of(2),
        persistent: true,
        managed_save: false,
    }
}

fn fleet() -> Vec<DomainInfo> {
    vec![
        info(1, "db-primary", 1),
        info(2, "db-replica", 5),
        info(3, "web-01", 1),
        info(4, "web-02", 3),
    ]
}

struct Fake {
    app: App,
    log: CommandLog,
    term: Terminal<TestBackend>,
}

impl Fake {
    fn new(width: u16, height: u16) -> Fake {
        Fake::with(width, height, false)
    }

    fn with(width: u16, height: u16, readonly: bool) -> Fake {
        let config = Config::builtin().expect("built-in config");
        let (tx, log) = CommandSender::detached();
        let mut app = App::new(config, tx, readonly);
        app.drafts_dir = None;
        app.handle(Event::Backend(BackendEvent::Connected {
            host: HostId::FIRST,
            uri: "test:///fake".into(),
            hostname: "fakehost".into(),
            readonly,
        }));
        app.handle(Event::Backend(BackendEvent::DomainList(
            HostId::FIRST,
            fleet(),
        )));
        let term = Terminal::new(TestBackend::new(width, height)).expect("terminal");
        Fake { app, log, term }
    }

    /// Plain characters, or `<Spec>` for named keys, as in the keymap.
    fn press(&mut self, keys: &str) {
        let mut chars = keys.chars().peekable();
        while let Some(c) = chars.next() {
            let key = if c == '<' && chars.peek().is_some_and(|n| *n != '>') {
                let spec: String = chars.by_ref().take_while(|c| *c != '>').collect();
                Key::parse(&spec).expect("key spec")
            } else {
                Key {
                    code: KeyCode::Char(c),
                    ctrl: false,
                    alt: false,
                    shift: false,
                }
            };
            let mut mods = KeyModifiers::NONE;
            if key.ctrl {
                mods |= KeyModifiers::CONTROL;
            }
            if key.shift {
                mods |= KeyModifiers::SHIFT;
            }
            if matches!(key.code, KeyCode::Char(c) if c.is_ascii_uppercase()) {
                mods |= KeyModifiers::SHIFT;
            }
            self.app.handle(Event::Key(KeyEvent::new(key.code, mods)));
        }
    }

    fn select(&mut self, name: &str) {
        self.press("g");
        for _ in 0..fleet().len() {
            let sel = self
                .app
                .domains
                .list
                .selected()
                .and_then(|id| self.app.store.get(id))
                .map(|r| r.info.name.clone());
            if sel.as_deref() == Some(name) {
                return;
            }
            self.press("j");
        }
        panic!("{name} not in the list");
    }

    fn commands(&self) -> Vec<Command> {
        self.log.drain()
    }

    fn device(&mut self, ev: DeviceEvent) {
        self.app.handle(Event::Backend(BackendEvent::Device(
            HostId::FIRST,
            Box::new(ev),
        )));
    }

    fn screen(&mut self) -> String {
        self.term
            .draw(|f| self.app.render(f))
            .expect("draw into the test backend");
        let buf = self.term.backend().buffer();
        let mut out = String::new();
        for y in 0..buf.area.height {
            let line: String = (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect();
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    fn status(&self) -> String {
        self.app
            .status
            .as_ref()
            .map(|s| s.text.clone())
            .unwrap_or_default()
    }
}

fn snapshot(name: &str, screen: &str) {
    insta::with_settings!({prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!(name.to_string(), screen);
    });
}

/// The one `SendKey` among `sent`: its request and codes.
fn send_key(sent: &[Command]) -> (u64, Vec<u32>) {
    let keys: Vec<_> = sent
        .iter()
        .filter_map(|c| match c {
            Command::Device(
                h,
                DeviceCmd::SendKey {
                    req,
                    id: i,
                    codes,
                    hold_ms,
                },
            ) => {
                assert_eq!((*h, i, *hold_ms), (HostId::FIRST, &id(3), 0));
                Some((*req, codes.clone()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(keys.len(), 1, "{sent:?}");
    keys[0].clone()
}

#[test]
fn send_key_sends_the_chosen_combination_and_shows_the_reply() {
    let mut f = Fake::new(100, 30);
    f.select("web-01");
    f.commands();
    f.press("h");
    assert!(f.app.has_popup());
    let screen = f.screen();
    assert!(screen.contains("Send keys to web-01"), "{screen}");
    assert!(screen.contains("Alt-SysRq-u"), "{screen}");
    assert!(
        screen.contains("remount every filesystem read-only"),
        "{screen}"
    );
    // Ctrl-C is where the dialog opens: the virsh line says what goes out.
    assert!(
        screen.contains("virsh send-key web-01 --codeset linux KEY_LEFTCTRL KEY_C"),
        "{screen}"
    );
    f.press("<Enter>");
    let (req, codes) = send_key(&f.commands());
    assert_eq!(codes, vec![29, 46]);
    assert!(f.screen().contains("sending Ctrl-C"));
    f.device(DeviceEvent::Done {
        req,
        id: id(3),
        what: "send-key".into(),
        result: Ok(()),
    });
    assert!(f.screen().contains("Ctrl-C sent"));
    // It stays open for the next keys: SysRq s goes with one Enter.
    f.press("<Down><Down><Down><Enter>");
    let (req, codes) = send_key(&f.commands());
    assert_eq!(codes, vec![56, 99, 31]);
    f.device(DeviceEvent::Done {
        req,
        id: id(3),
        what: "send-key".into(),
        result: Err(DeviceError::Libvirt(
            "Operation not supported: sending keys is not supported".into(),
        )),
    });
    let screen = f.screen();
    assert!(
        screen.contains("send-key Alt-SysRq-s failed: Operation not supported"),
        "{screen}"
    );
    f.press("<Esc>");
    assert!(!f.app.has_popup());
}

#[test]
fn drastic_combinations_need_a_second_enter() {
    let mut f = Fake::new(100, 30);
    f.select("web-01");
    f.press("h");
    f.commands();
    // Ctrl-C (row 1) down to Alt-SysRq-b (row 6).
    f.press("<Down><Down><Down><Down><Down><Enter>");
    assert!(
        f.commands().is_empty(),
        "SysRq-b went out on the first Enter"
    );
    let screen = f.screen();
    assert!(
        screen.contains("Alt-SysRq-b on web-01: Enter again to send it"),
        "{screen}"
    );
    // Moving away disarms it.
    f.press("<Up><Down><Enter>");
    assert!(f.commands().is_empty());
    f.press("<Enter>");
    assert_eq!(send_key(&f.commands()).1, vec![56, 99, 48]);
    // Ctrl-Alt-Del (row 0) too.
    f.press("<Up><Up><Up><Up><Up><Up><Enter><Enter>");
    assert_eq!(send_key(&f.commands()).1, vec![29, 56, 111]);
}

#[test]
fn typed_key_lists_are_parsed_like_virsh_and_unknown_names_refused() {
    let mut f = Fake::new(100, 30);
    f.select("web-01");
    f.press("h");
    f.commands();
    f.press("KEY_LEFTCTRL KEY_NOPE<Enter>");
    assert!(f.commands().is_empty());
    let screen = f.screen();
    assert!(
        screen
            .contains(r#"unknown key "KEY_NOPE" (use linux names like KEY_LEFTCTRL or a number)"#),
        "{screen}"
    );
    assert!(f.app.has_popup(), "a bad list keeps the dialog open");
    f.press("<Ctrl-u>leftalt sysrq KEY_H");
    let screen = f.screen();
    assert!(
        screen.contains("virsh send-key web-01 --codeset linux KEY_LEFTALT KEY_SYSRQ KEY_H"),
        "{screen}"
    );
    f.press("<Enter>");
    assert_eq!(send_key(&f.commands()).1, vec![56, 99, 35]);
    f.press(&format!("<Ctrl-u>{}<Enter>", "a ".repeat(17)));
    assert!(f.commands().is_empty());
    assert!(f.screen().contains("at most 16 keys at once (17 given)"));
}

#[test]
fn send_key_needs_a_running_domain_and_a_writable_connection() {
    let mut f = Fake::new(100, 30);
    f.select("db-replica");
    f.press("h");
    assert!(!f.app.has_popup());
    assert!(
        f.status().contains("db-replica is not running"),
        "{}",
        f.status()
    );
    let mut ro = Fake::with(100, 30, true);
    ro.select("web-01");
    ro.commands();
    ro.press("h");
    assert!(!ro.app.has_popup());
    assert!(ro.status().contains("read-only"), "{}", ro.status());
    ro.press("m");
    assert!(!ro.app.has_popup());
    assert!(ro.commands().is_empty());
}

fn limits(active: bool) -> Limits {
    Limits {
        active,
        persistent: true,
        host_max_vcpus: Some(16),
        max_vcpus: 4,
        vcpus: 2,
        max_memory_kib: 2048 * 1024,
        memory_kib: 1024 * 1024,
    }
}

/// Opens the memory (`m`) or vCPU (`V`) dialog on `name` and answers its limits request.
fn resource_dialog(f: &mut Fake, name: &str, n: usize, key: &str, active: bool) {
    f.select(name);
    f.commands();
    f.press(key);
    let sent = f.commands();
    let req = match sent.as_slice() {
        [Command::Device(HostId::FIRST, DeviceCmd::Limits { req, id: i })] if *i == id(n) => *req,
        other => panic!("expected one limits request, got {other:?}"),
    };
    f.device(DeviceEvent::Limits {
        req,
        id: id(n),
        result: Ok(limits(active)),
    });
}

fn memory_cmds(sent: &[Command]) -> Vec<(u64, u64, bool, Affect)> {
    sent.iter()
        .filter_map(|c| match c {
            Command::Device(
                _,
                DeviceCmd::SetMemory {
                    req,
                    kib,
                    maximum,
                    affect,
                    ..
                },
            ) => Some((*req, *kib, *maximum, *affect)),
            _ => None,
        })
        .collect()
}

#[test]
fn memory_dialog_enforces_the_limits_and_sends_setmem() {
    let mut f = Fake::new(100, 30);
    resource_dialog(&mut f, "web-01", 3, "m", true);
    let screen = f.screen();
    assert!(
        screen.contains("Now 1.0G of a 2.0G maximum (running, persistent)."),
        "{screen}"
    );
    assert!(screen.contains("[live and persistent]"), "{screen}");
    f.press("<Ctrl-u>4G");
    let screen = f.screen();
    assert!(
        screen.contains("memory 4.0G is above the maximum of 2.0G: raise the maximum too"),
        "{screen}"
    );
    f.press("<Enter>");
    assert!(
        memory_cmds(&f.commands()).is_empty(),
        "above the maximum went out"
    );
    f.press("<Ctrl-u>512");
    assert!(
        f.screen()
            .contains("Same as: virsh setmem web-01 524288 --live --config"),
        "{}",
        f.screen()
    );
    f.press("<Enter>");
    let sent = f.commands();
    let cmds = memory_cmds(&sent);
    assert_eq!(cmds.len(), 1, "{sent:?}");
    let (req, kib, maximum, affect) = cmds[0];
    assert_eq!((kib, maximum, affect), (512 * 1024, false, Affect::Both));
    f.device(DeviceEvent::Done {
        req,
        id: id(3),
        what: "setmem".into(),
        result: Ok(()),
    });
    assert!(f.screen().contains("setmem: done"));
    // Done: it reads the limits again to show what libvirt now says (the balloon has
    // not moved yet when setmem returns).
    let again = f
        .commands()
        .iter()
        .find_map(|c| match c {
            Command::Device(_, DeviceCmd::Limits { req, .. }) => Some(*req),
            _ => None,
        })
        .expect("limits read again");
    f.device(DeviceEvent::Limits {
        req: again,
        id: id(3),
        result: Ok(limits(true)),
    });
    assert!(f.screen().contains("Current   1024"));
    // The balloon keeps moving after setmem returns: its events move the figures.
    f.app.handle(Event::Backend(BackendEvent::DomainEvent(
        HostId::FIRST,
        Box::new(DomainEventRecord {
            at: std::time::SystemTime::now(),
            id: id(3),
            name: "web-01".into(),
            detail: DomainEventDetail::BalloonChange {
                actual_kib: 600 * 1024,
            },
        }),
    )));
    let screen = f.screen();
    assert!(screen.contains("Now 600M of a 2.0G maximum"), "{screen}");
    assert!(screen.contains("Current   600"), "{screen}");
}

#[test]
fn memory_maximum_and_current_go_in_an_order_libvirt_takes_and_failures_show_its_reason() {
    let mut f = Fake::new(100, 30);
    resource_dialog(&mut f, "web-01", 3, "m", true);
    // Current 3G needs the maximum raised to 4G first; only live.
    f.press("<Ctrl-u>3G<Tab><Ctrl-u>4G<Tab> ");
    assert!(f.screen().contains("[live]"), "{}", f.screen());
    f.press("<Enter>");
    let cmds = memory_cmds(&f.commands());
    assert_eq!(
        cmds.iter().map(|c| (c.1, c.2, c.3)).collect::<Vec<_>>(),
        vec![
            (4 * 1024 * 1024, true, Affect::Live),
            (3 * 1024 * 1024, false, Affect::Live),
        ]
    );
    f.device(DeviceEvent::Done {
        req: cmds[0].0,
        id: id(3),
        what: "setmaxmem".into(),
        result: Err(DeviceError::Libvirt(
            "Operation not supported: cannot resize the maximum memory on an active domain".into(),
        )),
    });
    f.device(DeviceEvent::Done {
        req: cmds[1].0,
        id: id(3),
        what: "setmem".into(),
        result: Err(DeviceError::AboveMaximum {
            what: "memory (KiB)",
            asked: 3 * 1024 * 1024,
            max: 2048 * 1024,
        }),
    });
    let screen = f.screen();
    assert!(
        screen.contains(
            "setmaxmem failed: Operation not supported: cannot resize the maximum memory on an"
        ),
        "{screen}"
    );
    assert!(
        screen.contains("setmem failed: memory (KiB) 3145728 is above the maximum of 2097152"),
        "{screen}"
    );
    assert!(f.status().contains("failed"), "{}", f.status());
    // Lowering the maximum below the current value alone is refused before sending.
    f.press("<Tab><Ctrl-u>1024<Tab><Ctrl-u>512<Enter>");
    assert!(memory_cmds(&f.commands()).is_empty());
    assert!(
        f.screen()
            .contains("the maximum 512M is below the current 1.0G: lower the current value too"),
        "{}",
        f.screen()
    );
}

#[test]
fn vcpu_dialog_checks_the_domain_and_host_maximum() {
    let mut f = Fake::new(100, 30);
    resource_dialog(&mut f, "web-01", 3, "V", true);
    let screen = f.screen();
    assert!(
        screen.contains("Now 2 of a 4 maximum; the hypervisor allows 16 (running, persistent)."),
        "{screen}"
    );
    f.press("<Ctrl-u>8<Enter>");
    assert!(
        f.screen()
            .contains("vCPUs 8 is above the maximum of 4: raise the maximum too")
    );
    f.press("<Tab><Ctrl-u>32<Enter>");
    assert!(
        f.screen()
            .contains("maximum 32 is above the 16 vCPUs this hypervisor allows")
    );
    f.press("<Ctrl-u>4<BackTab><Ctrl-u>0<Enter>");
    assert!(f.screen().contains("a domain needs at least one vCPU"));
    assert!(f.commands().is_empty());
    f.press("<Ctrl-u>3<Enter>");
    let sent = f.commands();
    assert!(
        matches!(
            sent.as_slice(),
            [Command::Device(
                HostId::FIRST,
                DeviceCmd::SetVcpus {
                    count: 3,
                    maximum: false,
                    affect: Affect::Both,
                    ..
                }
            )]
        ),
        "{sent:?}"
    );
}

#[test]
fn a_shut_off_domain_changes_only_its_persistent_definition() {
    let mut f = Fake::new(100, 30);
    resource_dialog(&mut f, "db-replica", 2, "V", false);
    let screen = f.screen();
    assert!(screen.contains("(shut off)"), "{screen}");
    let scope = screen
        .lines()
        .find(|l| l.contains("Apply to"))
        .expect("scope line");
    assert!(scope.contains("[persistent]"), "{screen}");
    assert!(!scope.contains("live"), "{screen}");
    // Space on the scope field stays on the one scope a shut-off domain has.
    f.press("<Tab><Ctrl-u>6<Tab> <BackTab><BackTab><Ctrl-u>6<Enter>");
    let sent = f.commands();
    let got: Vec<_> = sent
        .iter()
        .filter_map(|c| match c {
            Command::Device(
                _,
                DeviceCmd::SetVcpus {
                    count,
                    maximum,
                    affect,
                    ..
                },
            ) => Some((*count, *maximum, *affect)),
            _ => None,
        })
        .collect();
    assert_eq!(
        got,
        vec![(6, true, Affect::Config), (6, false, Affect::Config)]
    );
}

#[test]
fn dialog_drawings() {
    for (w, h) in [(80, 24), (160, 45)] {
        let mut f = Fake::new(w, h);
        f.select("web-01");
        f.press("h<Down>");
        snapshot(&format!("send_key_{w}x{h}"), &f.screen());
        let mut f = Fake::new(w, h);
        resource_dialog(&mut f, "web-01", 3, "m", true);
        f.press("<Ctrl-u>768");
        snapshot(&format!("set_memory_{w}x{h}"), &f.screen());
        let mut f = Fake::new(w, h);
        resource_dialog(&mut f, "web-01", 3, "V", true);
        f.press("<Ctrl-u>9");
        snapshot(&format!("set_vcpus_{w}x{h}"), &f.screen());
    }
}

fn addresses(f: &mut Fake, n: usize, addrs: &[&str]) {
    f.app.handle(Event::Backend(BackendEvent::Network(
        HostId::FIRST,
        Box::new(NetEvent::Addresses {
            id: id(n),
            ifaces: vec![GuestInterface {
                name: "vnet0".into(),
                mac: Some("52:54:00:00:00:01".into()),
                addrs: addrs.iter().map(|a| a.to_string()).collect(),
            }],
        }),
    )));
}

fn names_in_order(f: &Fake) -> Vec<String> {
    f.app
        .domains
        .list
        .rows()
        .iter()
        .filter_map(|i| f.app.store.get(i).map(|r| r.info.name.clone()))
        .collect()
}

#[test]
fn ip_column_shows_sorts_and_filters_running_domains_addresses() {
    let mut f = Fake::new(160, 45);
    let before = f.screen();
    assert!(
        !before.contains(" IP "),
        "no address known, no column:\n{before}"
    );
    // Link-local IPv6 first, as a second interface's IPv4 would come after it: the
    // column shows the IPv4 one.
    addresses(&mut f, 3, &["fe80::5054:ff:fe00:1/64", "192.168.122.45/24"]);
    addresses(&mut f, 1, &["10.0.0.9/24"]);
    let screen = f.screen();
    let header = screen
        .lines()
        .find(|l| l.contains("Name") && l.contains("State"))
        .expect("header");
    assert!(header.contains("IP"), "{screen}");
    assert!(screen.contains("192.168.122.45 +1"), "{screen}");
    assert!(screen.contains("10.0.0.9"), "{screen}");
    snapshot("domains_ip_160x45", &screen);
    // Too narrow: the column gives way, the rest stays as it was.
    let mut narrow = Fake::new(80, 24);
    addresses(&mut narrow, 3, &["192.168.122.45/24"]);
    assert!(!narrow.screen().contains("192.168.122.45"));

    f.press(":sort ip<Enter>");
    assert_eq!(
        names_in_order(&f),
        ["db-primary", "web-01", "db-replica", "web-02"]
    );
    f.press("/192.168<Enter>");
    assert_eq!(names_in_order(&f), ["web-01"]);
    f.press("<Esc>/!10.0.0.<Enter>");
    assert_eq!(names_in_order(&f), ["web-01", "db-replica", "web-02"]);
    f.press("<Esc>/re:^10\\.0\\.0\\.9$<Enter>");
    assert_eq!(names_in_order(&f), ["db-primary"]);
    // A stopped domain's last addresses are not matched (nor shown).
    let mut stopped = info(1, "db-primary", 5);
    stopped.dom_id = None;
    f.app
        .handle(Event::Backend(BackendEvent::DomainUpdated(stopped)));
    assert!(names_in_order(&f).is_empty());
    // A filter set before an address is known picks the domain up when it comes.
    f.press("<Esc>/172.16.<Enter>");
    assert!(names_in_order(&f).is_empty());
    addresses(&mut f, 4, &["172.16.0.5/16"]);
    assert_eq!(names_in_order(&f), ["web-02"]);
}

fn node_dev(kind: &str, address: &str, product: &str, group: Option<u32>) -> NodeDeviceInfo {
    NodeDeviceInfo {
        name: format!("{kind}_{}", address.replace([':', '.'], "_")),
        kind: kind.into(),
        address: address.into(),
        vendor_id: "0x8086".into(),
        vendor: Some("Intel Corporation".into()),
        product_id: "0x2922".into(),
        product: Some(product.into()),
        driver: Some("ahci".into()),
        iommu_group: group,
        iommu_members: if group.is_some() {
            vec![
                "0000:00:1f.0".into(),
                "0000:00:1f.2".into(),
                "0000:00:1f.3".into(),
            ]
        } else {
            Vec::new()
        },
        ..NodeDeviceInfo::default()
    }
}

fn node_devices() -> Vec<NodeDeviceInfo> {
    let mut usb = node_dev("usb", "0x046d:0xc52b", "Unifying Receiver", None);
    usb.vendor_id = "0x046d".into();
    usb.product_id = "0xc52b".into();
    usb.vendor = Some("Logitech, Inc.".into());
    usb.driver = Some("usb".into());
    usb.used_by = vec![(id(3), "web-01".into())];
    vec![
        node_dev(
            "pci",
            "0000:00:1f.0",
            "ICH9 LPC Interface Controller",
            Some(9),
        ),
        node_dev("pci", "0000:00:1f.2", "ICH9 AHCI Controller", Some(9)),
        node_dev("pci", "0000:00:1f.3", "ICH9 SMBus Controller", Some(9)),
        node_dev("pci", "0000:00:03.0", "Virtio network device", None),
        usb,
    ]
}

/// The host view open with its devices answered.
fn host_view(f: &mut Fake) {
    f.commands();
    // What `i` on a host of the hosts view (or the show_node action) opens.
    f.app.open_view(virtdeck::ui::layer::ViewRequest::Node {
        host: HostId::FIRST,
    });
    let sent = f.commands();
    let req = sent
        .iter()
        .find_map(|c| match c {
            Command::Node(HostId::FIRST, NodeCmd::Devices { req }) => Some(*req),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no devices request in {sent:?}"));
    let mut devs = node_devices();
    devs.sort_by(|a, b| (&a.kind, &a.address).cmp(&(&b.kind, &b.address)));
    f.app.handle(Event::Backend(BackendEvent::Node(
        HostId::FIRST,
        Box::new(NodeEvent::Devices {
            req,
            result: Ok(devs),
        }),
    )));
}

fn run_cmds(sent: &[Command]) -> Vec<(u64, DomainId, DeviceOp, Affect, bool)> {
    sent.iter()
        .filter_map(|c| match c {
            Command::Device(
                HostId::FIRST,
                DeviceCmd::Run {
                    req,
                    id,
                    op,
                    affect,
                    dry_run,
                },
            ) => Some((*req, id.clone(), op.clone(), *affect, *dry_run)),
            _ => None,
        })
        .collect()
}

#[test]
fn attach_from_the_host_view_warns_about_the_iommu_group_and_reports_libvirts_reason() {
    let mut f = Fake::new(120, 40);
    host_view(&mut f);
    // Sorted by address: 00:03.0, 1f.0, 1f.2, 1f.3, then USB.
    f.press("jj");
    f.press("a");
    let screen = f.screen();
    assert!(screen.contains("Attach 0000:00:1f.2 (pci)"), "{screen}");
    assert!(
        screen.contains(
            "WARNING: the whole IOMMU group 9 must be passed through together; it also holds:"
        ),
        "{screen}"
    );
    assert!(
        screen.contains("0000:00:1f.0 Intel Corporation ICH9 LPC Interface Controller"),
        "{screen}"
    );
    assert!(
        screen.contains("0000:00:1f.3 Intel Corporation ICH9 SMBus Controller"),
        "{screen}"
    );
    assert!(
        screen.contains("<address domain='0x0000' bus='0x00' slot='0x1f' function='0x2'/>"),
        "{screen}"
    );
    // The domains are listed by name: db-primary, db-replica, web-01, web-02.
    f.press("jj<Enter>");
    let runs = run_cmds(&f.commands());
    assert_eq!(runs.len(), 1);
    let (req, dom, op, affect, dry) = runs[0].clone();
    assert_eq!(dom, id(3));
    assert_eq!(
        op,
        DeviceOp::AttachHostdev(HostdevSpec::Pci {
            address: "0000:00:1f.2".into()
        })
    );
    assert_eq!((affect, dry), (Affect::Auto, false));
    f.device(DeviceEvent::Ran {
        req,
        id: id(3),
        op,
        dry_run: false,
        outcome: OpOutcome {
            xml: String::new(),
            affect: Affect::Both,
            result: Err(DeviceError::Libvirt(
                "internal error: Unable to open /sys/bus/pci/devices/0000:00:1f.2/config".into(),
            )),
        },
    });
    assert!(
        f.status()
            .contains("attach 0000:00:1f.2 to web-01 failed: internal error: Unable to open"),
        "{}",
        f.status()
    );
}

#[test]
fn detach_from_the_host_view_offers_the_domains_using_the_device() {
    let mut f = Fake::new(120, 40);
    host_view(&mut f);
    // An unused device has nothing to detach from.
    f.press("d");
    assert!(
        f.status()
            .contains("0000:00:03.0 is not attached to any domain"),
        "{}",
        f.status()
    );
    f.press("a");
    assert!(
        f.screen().contains("No IOMMU group known"),
        "{}",
        f.screen()
    );
    f.press("<Esc>G");
    f.commands();
    f.press("d");
    let screen = f.screen();
    assert!(screen.contains("Detach 0x046d:0xc52b (usb)"), "{screen}");
    assert!(screen.contains("From domain:"), "{screen}");
    assert!(screen.contains("web-01"), "{screen}");
    f.press("<Enter>");
    let runs = run_cmds(&f.commands());
    assert_eq!(runs.len(), 1);
    let (req, dom, op, _, _) = runs[0].clone();
    assert_eq!(dom, id(3));
    assert_eq!(
        op,
        DeviceOp::Detach(DeviceRef::Hostdev("0x046d:0xc52b".into()))
    );
    f.device(DeviceEvent::Ran {
        req,
        id: id(3),
        op,
        dry_run: false,
        outcome: OpOutcome {
            xml: String::new(),
            affect: Affect::Both,
            result: Ok(()),
        },
    });
    assert!(
        f.status()
            .contains("detach 0x046d:0xc52b from web-01: done"),
        "{}",
        f.status()
    );
    // Done: the devices are read again so USED BY follows.
    assert!(
        f.commands()
            .iter()
            .any(|c| matches!(c, Command::Node(_, NodeCmd::Devices { .. })))
    );
}

#[test]
fn host_view_drawings() {
    for (w, h) in [(80, 24), (160, 45)] {
        let mut f = Fake::new(w, h);
        host_view(&mut f);
        f.press("jja");
        snapshot(&format!("host_attach_{w}x{h}"), &f.screen());
    }
}

#[test]
fn many_domains_scroll_in_the_attach_popup_and_its_keys_stay_in_view() {
    let mut f = Fake::new(80, 24);
    let many: Vec<DomainInfo> = (1..=40)
        .map(|n| info(n, &format!("vm-{n:02}"), 1))
        .collect();
    f.app.handle(Event::Backend(BackendEvent::DomainList(
        HostId::FIRST,
        many,
    )));
    host_view(&mut f);
    f.press("jja");
    let screen = f.screen();
    assert!(screen.contains("▶ vm-01"), "{screen}");
    assert!(screen.contains("Enter attach · Esc cancel"), "{screen}");
    f.press("G");
    let screen = f.screen();
    assert!(screen.contains("▶ vm-40"), "{screen}");
    assert!(!screen.contains("vm-01 "), "{screen}");
    assert!(screen.contains("Enter attach · Esc cancel"), "{screen}");
    f.commands();
    f.press("<Enter>");
    let runs = run_cmds(&f.commands());
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].1, id(40));
}

#[test]
fn a_read_only_connection_attaches_nothing_from_the_host_view() {
    let mut f = Fake::with(120, 40, true);
    host_view(&mut f);
    f.press("jja");
    assert!(f.status().contains("read-only"), "{}", f.status());
    assert!(!f.screen().contains("Attach 0000"), "{}", f.screen());
    f.press("Gd");
    assert!(f.status().contains("read-only"), "{}", f.status());
    assert!(run_cmds(&f.commands()).is_empty());
}

#[test]
fn the_command_line_opens_the_dialogs_for_the_domain_it_names() {
    let mut f = Fake::new(100, 30);
    f.select("db-primary");
    f.press(":send-key web-01<Enter>");
    let screen = f.screen();
    assert!(screen.contains("Send keys to web-01"), "{screen}");
    f.press("<Esc>");
    f.commands();
    f.press(":setvcpus web-01<Enter>");
    let sent = f.commands();
    assert!(
        matches!(
            sent.as_slice(),
            [Command::Device(_, DeviceCmd::Limits { id: i, .. })] if *i == id(3)
        ),
        "{sent:?}"
    );
    assert!(f.screen().contains("vCPUs of web-01"));
}
