//! The create wizard without libvirt: the App on a detached command channel, fed fake
//! replies (host, pools, volumes, networks, OS variants); keys are pressed and the pages,
//! the commands sent and the drawings (80x24, 160x45) are asserted.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use virtdeck::app::App;
use virtdeck::backend::create::{CreateCmd, CreateEvent, OsVariant};
use virtdeck::backend::network::{NetCmd, NetEvent, NetworkId, NetworkInfo};
use virtdeck::backend::node::{GuestCaps, HostInfo, NodeCmd, NodeEvent};
use virtdeck::backend::storage::{PoolInfo, PoolState, StorageCmd, StorageEvent, VolumeInfo};
use virtdeck::backend::{
    BackendEvent, Command, CommandLog, CommandSender, Defined, DomainId, DomainInfo, DomainState,
    HostId, LifecycleOp,
};
use virtdeck::config::Config;
use virtdeck::config::keymap::Key;
use virtdeck::event::Event;

const H: HostId = HostId::FIRST;

fn info(n: usize, name: &str) -> DomainInfo {
    DomainInfo {
        id: DomainId::new(H, format!("00000000-0000-4000-8000-{n:012}")),
        name: name.into(),
        state: DomainState::from_raw(5, 1),
        dom_id: None,
        vcpus: 1,
        memory_kib: 1024 * 1024,
        max_memory_kib: 1024 * 1024,
        cpu_time_ns: 0,
        autostart: false,
        persistent: true,
        managed_save: false,
    }
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
        let (tx, log) = CommandSender::detached();
        let mut app = App::new(Config::builtin().expect("config"), tx, readonly);
        app.drafts_dir = None;
        app.history_path = None;
        app.handle(Event::Backend(BackendEvent::Connected {
            host: H,
            uri: "test:///fake".into(),
            hostname: "fakehost".into(),
            readonly,
        }));
        app.handle(Event::Backend(BackendEvent::DomainList(
            H,
            vec![info(1, "web-01"), info(2, "db-01")],
        )));
        let term = Terminal::new(TestBackend::new(width, height)).expect("terminal");
        Fake { app, log, term }
    }

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
            if key.shift || matches!(key.code, KeyCode::Char(c) if c.is_ascii_uppercase()) {
                mods |= KeyModifiers::SHIFT;
            }
            self.app.handle(Event::Key(KeyEvent::new(key.code, mods)));
        }
    }

    fn feed(&mut self, ev: BackendEvent) {
        self.app.handle(Event::Backend(ev));
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

    /// Opens the wizard and answers every question it asked the host.
    fn open(&mut self) {
        self.log.drain();
        self.press("A");
        let sent = self.log.drain();
        for c in sent {
            match c {
                Command::Node(_, NodeCmd::Info { req }) => {
                    self.feed(BackendEvent::Node(
                        H,
                        Box::new(NodeEvent::Info {
                            req,
                            result: Ok(host_info()),
                        }),
                    ));
                }
                Command::Storage(_, StorageCmd::ListPools { req }) => {
                    self.feed(BackendEvent::Storage(
                        H,
                        StorageEvent::Pools {
                            req,
                            result: Ok(vec![pool("default", "/var/lib/libvirt/images"), {
                                let mut p = pool("lvm", "/dev/vg0");
                                p.kind = "logical".into();
                                p
                            }]),
                        },
                    ));
                }
                Command::Create(_, CreateCmd::OsVariants { req }) => {
                    self.feed(BackendEvent::Create(
                        H,
                        Box::new(CreateEvent::OsVariants {
                            req,
                            result: Ok(vec![
                                os(
                                    "debian12",
                                    "Debian 12",
                                    "linux",
                                    "http://debian.org/debian/12",
                                ),
                                os(
                                    "win10",
                                    "Microsoft Windows 10",
                                    "winnt",
                                    "http://microsoft.com/win/10",
                                ),
                            ]),
                        }),
                    ));
                }
                Command::Network(_, NetCmd::List { .. }) => {
                    self.feed(BackendEvent::Network(
                        H,
                        Box::new(NetEvent::List(vec![network("default"), network("lab")])),
                    ));
                }
                other => panic!("the wizard sent {other:?}"),
            }
        }
        // The volumes of each running pool, asked once the pools arrived.
        for c in self.log.drain() {
            match c {
                Command::Storage(_, StorageCmd::ListVolumes { req, pool }) => {
                    let vols = if pool == "default" {
                        vec![
                            volume(&pool, "debian-12.iso", "iso"),
                            volume(&pool, "base.qcow2", "qcow2"),
                        ]
                    } else {
                        Vec::new()
                    };
                    self.feed(BackendEvent::Storage(
                        H,
                        StorageEvent::Volumes {
                            req,
                            pool,
                            result: Ok(vols),
                        },
                    ));
                }
                other => panic!("unexpected {other:?}"),
            }
        }
    }
}

fn host_info() -> HostInfo {
    HostInfo {
        hostname: "fakehost".into(),
        cpu_model: "x86_64".into(),
        arch: "x86_64".into(),
        cpus: 4,
        mhz: 2000,
        numa_nodes: 1,
        sockets: 1,
        cores: 4,
        threads: 1,
        memory_kib: 8 * 1024 * 1024,
        free_memory_bytes: 6 << 30,
        libvirt_version: "9.0.0".into(),
        hypervisor: "QEMU 7.2.0".into(),
        guests: vec![GuestCaps {
            os_type: "hvm".into(),
            arch: "x86_64".into(),
            domain_types: vec!["qemu".into(), "kvm".into()],
        }],
    }
}

fn pool(name: &str, target: &str) -> PoolInfo {
    PoolInfo {
        name: name.into(),
        uuid: format!("uuid-{name}"),
        state: PoolState::Running,
        autostart: true,
        persistent: true,
        kind: "dir".into(),
        target: Some(target.into()),
        capacity: 100 << 30,
        allocation: 10 << 30,
        available: 90 << 30,
    }
}

fn volume(pool: &str, name: &str, format: &str) -> VolumeInfo {
    VolumeInfo {
        pool: pool.into(),
        name: name.into(),
        key: format!("/var/lib/libvirt/images/{name}"),
        path: format!("/var/lib/libvirt/images/{name}"),
        kind: "file".into(),
        format: Some(format.into()),
        capacity: 2 << 30,
        allocation: 1 << 30,
        backing_path: None,
        backing_format: None,
        users: Vec::new(),
    }
}

fn network(name: &str) -> NetworkInfo {
    NetworkInfo {
        id: NetworkId::new(H, format!("uuid-{name}")),
        name: name.into(),
        active: true,
        autostart: true,
        persistent: true,
        bridge: Some("virbr0".into()),
        forward: "nat".into(),
        ips: Vec::new(),
        lease_count: None,
    }
}

fn os(short: &str, name: &str, family: &str, id: &str) -> OsVariant {
    OsVariant {
        short_id: short.into(),
        name: name.into(),
        family: family.into(),
        id: id.into(),
    }
}

#[test]
fn the_wizard_asks_the_host_for_its_limits_pools_networks_and_os_list() {
    let mut f = Fake::new(80, 24);
    f.press("A");
    let sent = f.log.drain();
    assert!(
        sent.iter()
            .any(|c| matches!(c, Command::Node(_, NodeCmd::Info { .. })))
    );
    assert!(
        sent.iter()
            .any(|c| matches!(c, Command::Storage(_, StorageCmd::ListPools { .. })))
    );
    assert!(
        sent.iter()
            .any(|c| matches!(c, Command::Network(_, NetCmd::List { .. })))
    );
    assert!(
        sent.iter()
            .any(|c| matches!(c, Command::Create(_, CreateCmd::OsVariants { .. })))
    );
    assert!(f.screen().contains("1/6 name and OS"));
}

#[test]
fn a_taken_name_is_refused_on_the_first_page() {
    let mut f = Fake::new(80, 24);
    f.open();
    f.press("web-01<Enter>");
    let s = f.screen();
    assert!(s.contains("1/6 name and OS"), "{s}");
    assert!(s.contains("a domain named web-01 already exists"), "{s}");
    f.press("<Backspace>9<Enter>");
    assert!(f.screen().contains("2/6 install source"));
}

#[test]
fn esc_goes_back_a_page_and_cancels_on_the_first() {
    let mut f = Fake::new(80, 24);
    f.open();
    f.press("vm1<Enter><Enter>");
    assert!(
        f.screen().contains("3/6 memory and CPUs"),
        "an ISO is offered"
    );
    f.press("<Esc>");
    assert!(f.screen().contains("2/6 install source"));
    f.press("<Esc>");
    let s = f.screen();
    assert!(s.contains("1/6 name and OS") && s.contains("vm1"), "{s}");
    f.press("<Esc>");
    assert!(!f.screen().contains("create a domain"));
    assert!(f.status().contains("nothing was created"), "{}", f.status());
    assert!(f.log.drain().is_empty(), "a cancel sends nothing");
}

#[test]
fn the_os_variant_sets_memory_disk_bus_and_nic_defaults() {
    let mut f = Fake::new(160, 45);
    f.open();
    // Typing narrows the OS list to Windows.
    f.press("win-box<Down>win<Enter><Enter>");
    let s = f.screen();
    assert!(
        s.lines()
            .any(|l| l.contains("memory (MiB):") && l.contains("4096")),
        "{s}"
    );
    f.press("<Enter>");
    let s = f.screen();
    assert!(s.contains("‹ sata ›") && s.contains("64G"), "{s}");
    f.press("<Enter>");
    assert!(f.screen().contains("‹ e1000e ›"));
}

#[test]
fn memory_and_cpus_are_held_to_the_hosts_limits() {
    let mut f = Fake::new(80, 24);
    f.open();
    f.press("vm1<Enter><Enter>");
    f.press("<Ctrl-u>999999<Enter>");
    let s = f.screen();
    assert!(s.contains("between 16 and 8192 MiB"), "{s}");
    assert!(s.contains("host: 4 CPUs"), "{s}");
    f.press("<Ctrl-u>512<Down><Ctrl-u>9<Enter>");
    assert!(f.screen().contains("vCPUs: between 1 and 4"));
    f.press("<Ctrl-u>2<Enter>");
    assert!(f.screen().contains("4/6 disk"));
}

#[test]
fn the_last_page_opens_the_xml_and_ctrl_s_creates_volume_and_domain() {
    let mut f = Fake::new(80, 24);
    f.open();
    // Name, ISO volume (the first offered), defaults, a new 64M volume, network, autostart.
    f.press("vm1<Enter><Enter><Enter>");
    f.press("<Down><Down><Down><Ctrl-u>64M<Enter>");
    f.press("<Enter>");
    f.press("<Down><Down><Right><Enter>");
    let ed = f.app.xml.as_ref().expect("the XML editor shows the result");
    let xml = ed.buf.text();
    assert!(xml.contains("<name>vm1</name>"), "{xml}");
    assert!(
        xml.contains("<domain type='kvm'>"),
        "kvm is preferred: {xml}"
    );
    assert!(
        xml.contains("<source file='/var/lib/libvirt/images/vm1.qcow2'/>"),
        "{xml}"
    );
    assert!(
        xml.contains("/var/lib/libvirt/images/debian-12.iso"),
        "{xml}"
    );
    assert!(xml.contains("<boot dev='cdrom'/>"), "{xml}");
    assert!(xml.contains("<source network='default'/>"), "{xml}");
    assert!(xml.contains("<console type='pty'>"), "{xml}");
    assert!(
        ed.notice
            .as_deref()
            .unwrap_or("")
            .contains("default/vm1.qcow2 (64 MiB qcow2)"),
        "{:?}",
        ed.notice
    );
    f.log.drain();
    f.press("<Ctrl-s>y");
    let sent = f.log.drain();
    let (req, plan) = match sent.as_slice() {
        [Command::Create(_, CreateCmd::Define { req, plan, xml: x })] => {
            assert_eq!(x, &xml);
            (*req, plan.clone())
        }
        other => panic!("expected one create, got {other:?}"),
    };
    assert_eq!(plan.volumes.len(), 1);
    assert_eq!(plan.volumes[0].0, "default");
    assert_eq!(plan.volumes[0].1.capacity, 64 << 20);
    assert!(plan.autostart);

    // A refusal keeps the editor, with libvirt's reason and what was cleaned up.
    f.feed(BackendEvent::XmlDefined {
        host: H,
        req,
        result: Err("operation failed: nope; removed the new volume default/vm1.qcow2".into()),
    });
    let ed = f.app.xml.as_ref().expect("the editor stays");
    assert!(
        ed.libvirt_error
            .as_deref()
            .unwrap_or("")
            .contains("removed the new volume")
    );
    assert!(f.status().contains("create failed"), "{}", f.status());

    f.press("<Ctrl-s>y");
    let req = match f.log.drain().as_slice() {
        [Command::Create(_, CreateCmd::Define { req, .. })] => *req,
        other => panic!("{other:?}"),
    };
    let id = DomainId::new(H, "11111111-0000-4000-8000-000000000001");
    f.feed(BackendEvent::XmlDefined {
        host: H,
        req,
        result: Ok(Defined {
            id: id.clone(),
            name: "vm1".into(),
            xml: xml.clone(),
            after_reboot: false,
            other_domain: false,
        }),
    });
    assert!(f.app.xml.is_none(), "the editor closed");
    let s = f.screen();
    assert!(
        s.contains("vm1 is defined.") && s.contains("start it now"),
        "{s}"
    );
    f.feed(BackendEvent::DomainUpdated(DomainInfo {
        id: id.clone(),
        ..info(0, "vm1")
    }));
    f.press("s");
    let sent = f.log.drain();
    assert!(
        sent.iter().any(
            |c| matches!(c, Command::Lifecycle { id: i, op: LifecycleOp::Start, .. } if *i == id)
        ),
        "{sent:?}"
    );
}

#[test]
fn esc_in_the_editor_goes_back_to_the_last_page() {
    let mut f = Fake::new(80, 24);
    f.open();
    f.press("vm1<Enter><Enter><Enter><Enter><Enter><Enter>");
    assert!(f.app.xml.is_some());
    f.press("<Esc>");
    assert!(f.app.xml.is_none());
    let s = f.screen();
    assert!(s.contains("6/6 console"), "{s}");
    assert!(f.status().contains("nothing was created"));
    // And forward again: the same XML (the same UUID).
    f.press("<Enter>");
    let generated = f.app.xml.as_ref().expect("editor").buf.text();
    // Edits made in the editor survive a trip back to the wizard (kept, not discarded).
    let ed = f.app.xml.as_mut().expect("editor");
    ed.buf
        .set_text(&generated.replace("<vcpu>1</vcpu>", "<vcpu>3</vcpu>"));
    f.press("<Esc>k");
    assert!(f.app.xml.is_none(), "{}", f.screen());
    f.press("<Enter>");
    let text = f.app.xml.as_ref().expect("editor").buf.text();
    assert!(text.contains("<vcpu>3</vcpu>"), "{text}");
    // Changed answers make new XML: the edits give way.
    f.press("<Esc>k<Esc><Esc><Esc>");
    assert!(f.screen().contains("3/6 memory and CPUs"));
    f.press("<Down><Ctrl-u>2<Enter><Enter><Enter><Enter>");
    let text = f.app.xml.as_ref().expect("editor").buf.text();
    assert!(text.contains("<vcpu>2</vcpu>"), "{text}");
}

#[test]
fn create_is_a_command_and_refused_read_only() {
    let mut f = Fake::new(80, 24);
    f.press(":create<Enter>");
    assert!(f.screen().contains("1/6 name and OS"));
    let mut ro = Fake::with(80, 24, true);
    ro.press("A");
    assert!(!ro.screen().contains("create a domain"));
    assert!(ro.status().contains("read-only"), "{}", ro.status());
}

#[test]
fn the_wizard_is_drawn_at_both_sizes() {
    let pages: [(&str, &str); 4] = [
        ("wizard_name", "vm1<Down>deb"),
        ("wizard_source", "vm1<Enter>"),
        ("wizard_disk", "vm1<Enter><Enter><Enter>"),
        ("wizard_network", "vm1<Enter><Enter><Enter><Enter>"),
    ];
    for (name, keys) in pages {
        for (w, h) in [(80, 24), (160, 45)] {
            let mut f = Fake::new(w, h);
            f.open();
            f.press(keys);
            let screen = f.screen();
            insta::with_settings!({ prepend_module_to_snapshot => false }, {
                insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen);
            });
        }
    }
}

#[test]
fn the_created_question_is_drawn_at_both_sizes() {
    for (w, h) in [(80, 24), (160, 45)] {
        let mut f = Fake::new(w, h);
        f.open();
        f.press("vm1<Enter><Enter><Enter><Enter><Enter><Enter><Ctrl-s>y");
        let req = f
            .log
            .drain()
            .into_iter()
            .find_map(|c| match c {
                Command::Create(_, CreateCmd::Define { req, .. }) => Some(req),
                _ => None,
            })
            .expect("create sent");
        f.feed(BackendEvent::XmlDefined {
            host: H,
            req,
            result: Ok(Defined {
                id: DomainId::new(H, "11111111-0000-4000-8000-000000000001"),
                name: "vm1".into(),
                xml: "<domain><devices><console type='pty'/></devices></domain>".into(),
                after_reboot: false,
                other_domain: false,
            }),
        });
        let screen = f.screen();
        insta::with_settings!({ prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(format!("wizard_created_{w}x{h}"), screen);
        });
    }
}
