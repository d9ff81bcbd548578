//! The Devices tab without libvirt: the App on a detached command channel, fed fake
//! backend replies. Keys go in; the Commands sent (list, dry run, the real change) and
//! the screens drawn are asserted.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use virtdeck::app::App;
use virtdeck::backend::devices::fragment::{DiskSource, DiskSpec, NicSource, NicSpec};
use virtdeck::backend::devices::{
    Affect, DeviceCmd, DeviceError, DeviceEvent, DeviceOp, DeviceRef, OpOutcome, parse,
};
use virtdeck::backend::events::{DomainEventDetail, DomainEventRecord};
use virtdeck::backend::network::{NetCmd, NetEvent, NetworkId, NetworkInfo};
use virtdeck::backend::storage::{PoolInfo, PoolState, StorageCmd, StorageEvent, VolumeInfo};
use virtdeck::backend::{
    BackendEvent, Command, CommandLog, CommandSender, DomainId, DomainInfo, DomainState, HostId,
    LifecycleEventKind,
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

fn info(n: usize, name: &str, state: i32, persistent: bool) -> DomainInfo {
    DomainInfo {
        id: id(n),
        name: name.into(),
        state: DomainState::from_raw(state, 1),
        dom_id: (state == 1).then_some(n as u32),
        vcpus: 1,
        memory_kib: 512 * 1024,
        max_memory_kib: 512 * 1024,
        cpu_time_ns: 0,
        autostart: false,
        persistent,
        managed_save: false,
    }
}

const XML: &str = "<domain type='kvm'><devices>\
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>\
    <source file='/var/lib/libvirt/images/web.qcow2'/><target dev='vda' bus='virtio'/></disk>\
    <disk type='file' device='cdrom'><driver name='qemu' type='raw'/>\
    <target dev='hdc' bus='ide'/><readonly/></disk>\
    <interface type='network'><mac address='52:54:00:12:34:56'/><source network='default'/>\
    <target dev='vnet7'/><model type='virtio'/></interface>\
    <serial type='pty'><source path='/dev/pts/5'/><target type='isa-serial' port='0'/></serial>\
    <console type='pty' tty='/dev/pts/5'><target type='serial' port='0'/></console>\
    <graphics type='vnc' port='5900' autoport='yes' listen='127.0.0.1'/>\
    <hostdev mode='subsystem' type='pci' managed='yes'><source>\
    <address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></source></hostdev>\
    <controller type='usb' index='0' model='qemu-xhci'/>\
    <controller type='pci' index='0' model='pcie-root'/>\
    </devices></domain>";

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
        let config = Config::builtin().expect("built-in config");
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
            vec![
                info(1, "web", 1, true),
                info(2, "idle", 5, true),
                info(3, "scratch", 1, false),
            ],
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
                Key::parse(&c.to_string()).expect("key")
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

    fn select(&mut self, name: &str) {
        self.press("g");
        for _ in 0..3 {
            let id = self.app.domains.list.selected().cloned();
            if id.and_then(|i| self.app.store.get(&i).map(|r| r.info.name.clone()))
                == Some(name.to_string())
            {
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

    /// Shows the Devices tab of `name` and answers its list request with `xml`'s devices.
    fn open(&mut self, name: &str, n: usize, xml: &str) {
        self.commands();
        self.select(name);
        while self.app.domains.tab != virtdeck::ui::domains::detail::Tab::Devices {
            self.press("<Tab>");
        }
        // The last list asked for is the selected domain's (moving asks for each).
        let list = self.commands().into_iter().rev().find_map(|c| match c {
            Command::Device(_, DeviceCmd::List { req, id }) => Some((req, id)),
            _ => None,
        });
        let (req, got) = list.expect("the Devices tab asked for the devices");
        assert_eq!(got, id(n));
        self.device(DeviceEvent::Devices {
            req,
            id: got,
            result: Ok(parse::parse(xml).expect("xml")),
        });
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

/// The one `DeviceCmd::Run` among `cmds`.
fn run_of(cmds: Vec<Command>) -> (u64, DeviceOp, Affect, bool) {
    let runs: Vec<_> = cmds
        .into_iter()
        .filter_map(|c| match c {
            Command::Device(
                _,
                DeviceCmd::Run {
                    req,
                    op,
                    affect,
                    dry_run,
                    ..
                },
            ) => Some((req, op, affect, dry_run)),
            _ => None,
        })
        .collect();
    assert_eq!(runs.len(), 1, "expected exactly one device run: {runs:?}");
    runs.into_iter().next().expect("one run")
}

fn ran(
    req: u64,
    n: usize,
    op: DeviceOp,
    dry_run: bool,
    xml: &str,
    result: Result<(), DeviceError>,
) -> DeviceEvent {
    DeviceEvent::Ran {
        req,
        id: id(n),
        op,
        dry_run,
        outcome: OpOutcome {
            xml: xml.into(),
            affect: Affect::Both,
            result,
        },
    }
}

const DISK_XML: &str = "<disk type='volume' device='disk'>\n  <driver name='qemu' type='qcow2'/>\n  \
                        <source pool='default' volume='data.qcow2'/>\n  <target dev='vdb' bus='virtio'/>\n</disk>\n";

fn pools_and_volumes(f: &mut Fake) {
    let cmds = f.commands();
    let req = cmds
        .iter()
        .find_map(|c| match c {
            Command::Storage(_, StorageCmd::ListPools { req }) => Some(*req),
            _ => None,
        })
        .expect("the disk form asked for the pools");
    let pool = |name: &str, state| PoolInfo {
        name: name.into(),
        uuid: String::new(),
        state,
        autostart: true,
        persistent: true,
        kind: "dir".into(),
        target: Some("/var/lib/libvirt/images".into()),
        capacity: 0,
        allocation: 0,
        available: 0,
    };
    f.app.handle(Event::Backend(BackendEvent::Storage(
        HostId::FIRST,
        StorageEvent::Pools {
            req,
            result: Ok(vec![
                pool("default", PoolState::Running),
                pool("stopped", PoolState::Inactive),
            ]),
        },
    )));
    let (req, pool_name) = f
        .commands()
        .into_iter()
        .find_map(|c| match c {
            Command::Storage(_, StorageCmd::ListVolumes { req, pool }) => Some((req, pool)),
            _ => None,
        })
        .expect("the volumes of the first running pool were asked for");
    assert_eq!(pool_name, "default");
    let vol = |name: &str, format: &str| VolumeInfo {
        pool: "default".into(),
        name: name.into(),
        key: String::new(),
        path: format!("/var/lib/libvirt/images/{name}"),
        kind: "file".into(),
        format: Some(format.into()),
        capacity: 1 << 30,
        allocation: 0,
        backing_path: None,
        backing_format: None,
        users: Vec::new(),
    };
    f.app.handle(Event::Backend(BackendEvent::Storage(
        HostId::FIRST,
        StorageEvent::Volumes {
            req,
            pool: "default".into(),
            result: Ok(vec![vol("data.qcow2", "qcow2"), vol("boot.iso", "iso")]),
        },
    )));
}

#[test]
fn add_a_volume_disk_previews_the_fragment_then_sends_exactly_it_and_rereads() {
    let mut f = Fake::new(100, 40);
    f.open("web", 1, XML);
    f.press("a");
    pools_and_volumes(&mut f);
    let screen = f.screen();
    assert!(screen.contains("Add a disk"), "{screen}");
    assert!(screen.contains("‹ default ›"), "{screen}");
    assert!(screen.contains("‹ data.qcow2 ›"), "{screen}");
    // The suggested target is the first free one: vda is taken.
    assert!(screen.contains("vdb"), "{screen}");
    assert!(screen.contains("‹ live and persistent ›"), "{screen}");

    // Enter: a dry run, nothing sent for real.
    f.press("<Enter>");
    let (req, op, affect, dry) = run_of(f.commands());
    let want = DeviceOp::AttachDisk(DiskSpec {
        source: DiskSource::Volume {
            pool: "default".into(),
            volume: "data.qcow2".into(),
        },
        device: "disk".into(),
        bus: "virtio".into(),
        target: Some("vdb".into()),
        format: Some("qcow2".into()),
        readonly: false,
    });
    assert_eq!((&op, affect, dry), (&want, Affect::Both, true));
    f.device(ran(req, 1, op, true, DISK_XML, Ok(())));
    let screen = f.screen();
    assert!(
        screen.contains("<source pool='default' volume='data.qcow2'/>"),
        "{screen}"
    );
    assert!(screen.contains("sends (live and persistent)"), "{screen}");

    // Enter again: the same change, for real; the dialog is gone.
    f.press("<Enter>");
    let (req, op, affect, dry) = run_of(f.commands());
    assert_eq!((&op, affect, dry), (&want, Affect::Both, false));
    assert!(f.app.layers.is_empty(), "the dialog stayed open");
    f.device(ran(req, 1, op, false, DISK_XML, Ok(())));
    assert!(f.status().contains("attach disk vdb"), "{}", f.status());
    assert!(f.status().contains("done"), "{}", f.status());
    // The list is read again.
    let relist = f
        .commands()
        .into_iter()
        .any(|c| matches!(c, Command::Device(_, DeviceCmd::List { id: i, .. }) if i == id(1)));
    assert!(relist, "no re-read after the change");
}

#[test]
fn an_edit_after_the_preview_hides_it_so_only_what_was_shown_is_sent() {
    let mut f = Fake::new(100, 40);
    f.open("web", 1, XML);
    f.press("a");
    pools_and_volumes(&mut f);
    f.press("<Enter>");
    let (req, op, _, _) = run_of(f.commands());
    f.device(ran(req, 1, op, true, DISK_XML, Ok(())));
    // Down to Bus (Source, Pool, Volume, Device, Bus) and step it: sata, target sda.
    f.press("<Down><Down><Down><Down><Right>");
    let screen = f.screen();
    assert!(!screen.contains("<source pool="), "stale preview: {screen}");
    assert!(screen.contains("sda"), "{screen}");
    f.press("<Enter>");
    let (_, op, _, dry) = run_of(f.commands());
    assert!(dry, "an edited form was sent without a new preview");
    match op {
        DeviceOp::AttachDisk(s) => {
            assert_eq!(s.bus, "sata");
            assert_eq!(s.target.as_deref(), Some("sda"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_refused_change_shows_libvirts_reason() {
    let mut f = Fake::new(100, 40);
    f.open("web", 1, XML);
    f.press("a");
    pools_and_volumes(&mut f);
    // A dry run the backend refuses keeps the form open with the reason.
    f.press("<Enter>");
    let (req, op, _, _) = run_of(f.commands());
    f.device(ran(
        req,
        1,
        op,
        true,
        "",
        Err(DeviceError::Invalid(
            "target vdb is already used by another disk".into(),
        )),
    ));
    let screen = f.screen();
    assert!(screen.contains("target vdb is already used"), "{screen}");
    assert_eq!(f.app.layers.len(), 1);
    // A real change libvirt refuses: its words in the status line.
    f.press("<Enter>");
    let (req, op, _, _) = run_of(f.commands());
    f.device(ran(req, 1, op.clone(), true, DISK_XML, Ok(())));
    f.press("<Enter>");
    let (req, _, _, dry) = run_of(f.commands());
    assert!(!dry);
    f.device(ran(
        req,
        1,
        op,
        false,
        DISK_XML,
        Err(DeviceError::Libvirt(
            "internal error: unable to execute QEMU command 'blockdev-add'".into(),
        )),
    ));
    let s = f.status();
    assert!(s.contains("failed") && s.contains("blockdev-add"), "{s}");
}

#[test]
fn detach_asks_with_the_fragment_and_y_sends_it() {
    let mut f = Fake::new(100, 40);
    f.open("web", 1, XML);
    // Enter gives j/k to the device list: disk, cdrom, then the NIC.
    f.press("<Enter>jj");
    assert_eq!(f.app.devices.cursor, 2);
    assert_eq!(
        f.app.domains.list.selected(),
        Some(&id(1)),
        "j moved the domain list"
    );
    f.press("x");
    let (req, op, affect, dry) = run_of(f.commands());
    let want = DeviceOp::Detach(DeviceRef::Nic("52:54:00:12:34:56".into()));
    assert_eq!((&op, affect, dry), (&want, Affect::Both, true));
    let nic = "<interface type='network'>\n  <mac address='52:54:00:12:34:56'/>\n</interface>\n";
    f.device(ran(req, 1, op, true, nic, Ok(())));
    let screen = f.screen();
    assert!(screen.contains("Detach NIC 52:54:00:12:34:56"), "{screen}");
    assert!(
        screen.contains("<mac address='52:54:00:12:34:56'/>"),
        "{screen}"
    );
    f.press("y");
    let (_, op, _, dry) = run_of(f.commands());
    assert_eq!((op, dry), (want, false));
    // A controller cannot be detached from here: nothing is sent.
    f.press("G");
    f.press("x");
    assert!(f.commands().is_empty());
    assert!(
        f.status().contains("only disks, NICs and host devices"),
        "{}",
        f.status()
    );
    // Esc gives j/k back to the list.
    f.press("<Esc>k");
    assert_ne!(
        f.app.domains.list.selected(),
        Some(&id(1)),
        "k did not move the list"
    );
}

#[test]
fn media_insert_and_eject_on_the_cdrom_only() {
    let mut f = Fake::new(100, 40);
    f.open("web", 1, XML);
    f.press("m");
    assert!(f.commands().is_empty());
    assert!(f.status().contains("CD-ROM"), "{}", f.status());
    f.press("<Enter>j<Esc>m");
    // Empty drive: insert, with a path.
    f.press("<Down>/iso/a.iso<Enter>");
    let (_, op, affect, dry) = run_of(f.commands());
    assert_eq!(
        (op, affect, dry),
        (
            DeviceOp::ChangeMedia {
                target: "hdc".into(),
                media: Some("/iso/a.iso".into())
            },
            Affect::Both,
            true
        )
    );
    f.press("<Esc>");
    // Eject: Media stepped to eject, the path hidden.
    f.press("m<Right><Enter>");
    let (_, op, _, _) = run_of(f.commands());
    assert_eq!(
        op,
        DeviceOp::ChangeMedia {
            target: "hdc".into(),
            media: None
        }
    );
}

#[test]
fn link_defaults_to_the_other_state_and_a_nic_goes_on_a_listed_network() {
    let mut f = Fake::new(100, 40);
    f.open("web", 1, XML);
    f.press("<Enter>jj<Esc>l<Enter>");
    let (_, op, _, _) = run_of(f.commands());
    assert_eq!(
        op,
        DeviceOp::SetLink {
            mac: "52:54:00:12:34:56".into(),
            up: false
        }
    );
    f.press("<Esc>n");
    let cmds = f.commands();
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::Network(_, NetCmd::List { .. })))
    );
    let net = |name: &str, active| NetworkInfo {
        id: NetworkId::new(HostId::FIRST, name),
        name: name.into(),
        active,
        autostart: false,
        persistent: true,
        bridge: None,
        forward: "nat".into(),
        ips: Vec::new(),
        lease_count: None,
    };
    f.app.handle(Event::Backend(BackendEvent::Network(
        HostId::FIRST,
        Box::new(NetEvent::List(vec![net("off", false), net("lan", true)])),
    )));
    // Active networks first; model e1000 (Down to Model past the hidden fields).
    f.press("<Down><Down><Right><Enter>");
    let (_, op, _, _) = run_of(f.commands());
    assert_eq!(
        op,
        DeviceOp::AttachNic(NicSpec {
            source: NicSource::Network("lan".into()),
            model: Some("e1000".into()),
            mac: None,
        })
    );
}

#[test]
fn scope_follows_the_domain_state_and_read_only_refuses() {
    let mut f = Fake::new(100, 40);
    // Shut off: persistent only.
    f.open("idle", 2, XML);
    f.press("<Enter>jj<Esc>l<Enter>");
    let (_, _, affect, _) = run_of(f.commands());
    assert_eq!(affect, Affect::Config);
    f.press("<Esc>");
    // Transient and running: live only.
    f.open("scratch", 3, XML);
    f.press("<Enter>jj<Esc>l<Enter>");
    let (_, _, affect, _) = run_of(f.commands());
    assert_eq!(affect, Affect::Live);

    let mut ro = Fake::with(100, 40, true);
    ro.open("web", 1, XML);
    ro.press("a");
    assert!(ro.commands().is_empty());
    assert!(ro.app.layers.is_empty());
    assert!(ro.status().contains("read-only"), "{}", ro.status());
}

#[test]
fn device_events_and_lifecycle_reread_the_list() {
    let mut f = Fake::new(100, 40);
    f.open("web", 1, XML);
    let record = |n: usize, detail| DomainEventRecord {
        at: std::time::SystemTime::now(),
        id: id(n),
        name: "web".into(),
        detail,
    };
    f.app.handle(Event::Backend(BackendEvent::DomainEvent(
        HostId::FIRST,
        Box::new(record(
            1,
            DomainEventDetail::DeviceRemoved {
                alias: "virtio-disk1".into(),
            },
        )),
    )));
    let lists = |cmds: Vec<Command>| {
        cmds.into_iter()
            .filter(|c| matches!(c, Command::Device(_, DeviceCmd::List { .. })))
            .count()
    };
    assert_eq!(lists(f.commands()), 1, "device-removed did not re-read");
    // Another domain's event does not.
    f.app.handle(Event::Backend(BackendEvent::DomainEvent(
        HostId::FIRST,
        Box::new(record(
            2,
            DomainEventDetail::DeviceAdded {
                alias: "net1".into(),
            },
        )),
    )));
    assert_eq!(lists(f.commands()), 0);
    // A lifecycle event of the domain (a start, a define) does.
    f.app.handle(Event::Backend(BackendEvent::Lifecycle {
        id: id(1),
        name: "web".into(),
        event: LifecycleEventKind::Suspended,
        detail: 0,
    }));
    assert_eq!(lists(f.commands()), 1, "lifecycle did not re-read");
    // F5 on the tab reads the devices again (and the domains, as everywhere).
    f.press("<F5>");
    let cmds = f.commands();
    assert!(cmds.iter().any(|c| matches!(c, Command::Refresh(_))));
    assert_eq!(lists(cmds), 1, "F5 did not re-read the devices");
    // Away and back: read again, once.
    f.press("<Tab>");
    assert_eq!(lists(f.commands()), 0, "read while hidden");
    f.press("<BackTab>");
    assert_eq!(lists(f.commands()), 1, "not read when shown again");
}

#[test]
fn a_cdrom_goes_on_sata_with_a_free_sd_target() {
    let mut f = Fake::new(100, 40);
    f.open("web", 1, XML);
    // Source → path, type it, Down to Device, step it to cdrom.
    f.press("a<Right><Down>/iso/x.iso<Down><Right><Enter>");
    let (_, op, _, _) = run_of(f.commands());
    match op {
        DeviceOp::AttachDisk(s) => {
            assert_eq!(
                (
                    s.device.as_str(),
                    s.bus.as_str(),
                    s.target.as_deref(),
                    s.readonly
                ),
                ("cdrom", "sata", Some("sda"), true)
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn control_characters_in_device_sources_are_shown_escaped() {
    let mut f = Fake::new(100, 40);
    // U+009B is a C1 CSI: legal in XML, a colour change if it reached the terminal raw.
    let xml = XML.replace("/var/lib/libvirt/images/web.qcow2", "/tmp/\u{9b}31mred.img");
    f.open("web", 1, &xml);
    let screen = f.screen();
    assert!(!screen.contains('\u{9b}'), "a raw CSI reached the screen");
    assert!(screen.contains("red.img"), "{screen}");
}

mod screens {
    use super::*;

    fn check(name: &str, build: impl Fn(&mut Fake)) {
        for (w, h) in [(80, 24), (160, 45)] {
            let mut f = Fake::new(w, h);
            build(&mut f);
            let screen = f.screen();
            insta::with_settings!({prepend_module_to_snapshot => false}, {
                insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen);
            });
        }
    }

    #[test]
    fn devices_tab() {
        check("devices_tab", |f| f.open("web", 1, XML));
    }

    #[test]
    fn devices_tab_focused() {
        check("devices_tab_focused", |f| {
            f.open("web", 1, XML);
            f.press("<Enter>jj");
        });
    }

    #[test]
    fn devices_add_disk_preview() {
        check("devices_add_disk_preview", |f| {
            f.open("web", 1, XML);
            f.press("a");
            pools_and_volumes(f);
            f.press("<Enter>");
            let (req, op, _, _) = run_of(f.commands());
            f.device(ran(req, 1, op, true, DISK_XML, Ok(())));
        });
    }

    #[test]
    fn devices_detach_question() {
        check("devices_detach_question", |f| {
            f.open("web", 1, XML);
            f.press("<Enter>x");
            let (req, op, _, _) = run_of(f.commands());
            let xml = "<disk type='file' device='disk'>\n  <source file='/var/lib/libvirt/images/web.qcow2'/>\n  <target dev='vda' bus='virtio'/>\n</disk>\n";
            f.device(ran(req, 1, op, true, xml, Ok(())));
        });
    }
}
