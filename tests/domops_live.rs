//! Live tests on the rig, driven through the UI with a real worker: send-key Ctrl-C from
//! the console view interrupts a sleep in the guest, setmem lowers the balloon (virsh
//! dommemstat and the Stats tab follow), and a host-device attach that libvirt refuses
//! shows its reason and leaves the domain XML as it was.

mod common;

use std::time::{Duration, Instant};

use common::rig::{self, Guest};
use common::{Harness, Options};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use virtdeck::backend::node::{NodeDeviceInfo, NodeEvent};
use virtdeck::backend::{BackendEvent, HostId};
use virtdeck::event::Event;
use virtdeck::ui::console::session::Link;
use virtdeck::ui::domains::detail::Tab;
use virtdeck::ui::layer::ViewRequest;

const BOOT: Duration = Duration::from_secs(180);

/// A started rig guest at its prompt, and the app listing it as running and selected.
fn running(suffix: &str) -> Option<(Guest, Harness)> {
    let guest = Guest::define(suffix)?;
    rig::virsh(&["start", &guest.name]);
    assert!(
        guest.wait_for_prompt(BOOT),
        "guest never reached its prompt"
    );
    let mut h = Harness::start(Options {
        width: 120,
        height: 36,
        ..Options::new(rig::URI)
    });
    assert!(
        h.wait_until(Duration::from_secs(20), |app| Harness::state_of(
            app,
            &guest.name
        )
        .is_some_and(|st| st.starts_with("running"))),
        "{} not listed as running",
        guest.name
    );
    h.select(&guest.name);
    Some((guest, h))
}

/// Pumps and redraws until the screen holds `needle`.
fn wait_screen(h: &mut Harness, timeout: Duration, needle: &str) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        h.pump();
        if h.screen_text().contains(needle) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn eventually(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    cond()
}

/// Types `text` into whatever has the keys, character by character (no `<Spec>` parsing:
/// shell redirections stay as typed).
fn type_text(h: &mut Harness, text: &str) {
    for c in text.chars() {
        h.app.handle(Event::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )));
    }
}

fn transcript(h: &mut Harness) -> String {
    h.app
        .console
        .session
        .as_mut()
        .map(|s| s.term.transcript())
        .unwrap_or_default()
}

#[test]
fn send_key_ctrl_c_from_the_console_interrupts_a_sleep_in_the_guest() {
    let Some((guest, mut h)) = running("sendkey") else {
        return;
    };
    h.press("c");
    assert!(
        h.wait_until(Duration::from_secs(20), |app| app
            .console_session()
            .is_some_and(|s| s.link == Link::Attached)),
        "console did not attach: {}",
        h.screen_text()
    );
    // Keyboard keys reach the active virtual terminal (tty1), not the serial line: the
    // sleep runs there and its shell reports on ttyS0, which the console shows. The
    // markers are computed in the guest, so the echo of the typed line never matches.
    type_text(
        &mut h,
        "setsid sh -c 'exec </dev/tty1 >/dev/tty1 2>&1; \
         trap \"echo SLEEP-INT-$((40+2)) >/dev/ttyS0\" INT; \
         sh -c \"echo SLEEP-START-$((40+1)) >/dev/ttyS0; exec sleep 100\"; \
         echo SLEEP-END-$((40+3)) >/dev/ttyS0' &",
    );
    h.press("<Enter>");
    // Ctrl-C only means something once the trap is set and the sleep runs: a slow
    // guest can take seconds to get there.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !transcript(&mut h).contains("SLEEP-START-41") && Instant::now() < deadline {
        h.pump();
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        transcript(&mut h).contains("SLEEP-START-41"),
        "the sleep never started; console:\n{}",
        transcript(&mut h)
    );
    assert!(!transcript(&mut h).contains("SLEEP-INT-42"));
    assert!(
        !guest.serial_text().contains("SLEEP-END-43"),
        "the sleep ended by itself"
    );
    // The console's own send-key key: the dialog opens over it with Ctrl-C chosen.
    h.press("<Shift-F12>");
    assert!(
        h.screen_text().contains("Send keys to"),
        "{}",
        h.screen_text()
    );
    h.press("<Enter>");
    assert!(
        wait_screen(&mut h, Duration::from_secs(30), "Ctrl-C sent"),
        "{}",
        h.screen_text()
    );
    h.press("<Esc>");
    assert!(!h.app.has_popup());
    let deadline = Instant::now() + Duration::from_secs(20);
    while !transcript(&mut h).contains("SLEEP-INT-42") && Instant::now() < deadline {
        h.pump();
        std::thread::sleep(Duration::from_millis(50));
    }
    let text = transcript(&mut h);
    assert!(
        text.contains("SLEEP-INT-42"),
        "Ctrl-C did not interrupt the sleep; console:\n{text}"
    );
    // The trap ran and the script went on: the sleep ended ~95 s early.
    assert!(
        eventually(Duration::from_secs(30), || guest
            .serial_text()
            .contains("SLEEP-END-43")),
        "the script did not go on after the interrupted sleep"
    );
    // The console kept the keys: typing still reaches the shell.
    h.press("echo back-$((20+1))<Enter>");
    assert!(
        wait_screen(&mut h, Duration::from_secs(30), "back-21"),
        "{}",
        h.screen_text()
    );
}

fn dommemstat_actual(name: &str) -> Option<u64> {
    rig::virsh(&["dommemstat", name])
        .lines()
        .find_map(|l| l.strip_prefix("actual "))
        .and_then(|v| v.trim().parse().ok())
}

#[test]
fn setmem_lowers_the_balloon_and_dommemstat_follows() {
    let Some((guest, mut h)) = running("setmem") else {
        return;
    };
    assert_eq!(dommemstat_actual(&guest.name), Some(256 * 1024));
    h.press("m");
    assert!(
        wait_screen(
            &mut h,
            Duration::from_secs(30),
            "Now 256M of a 256M maximum (running, persistent)."
        ),
        "{}",
        h.screen_text()
    );
    // Above the maximum libvirt reports: refused in the dialog, nothing sent.
    h.press("<Ctrl-u>300<Enter>");
    assert!(
        h.screen_text()
            .contains("memory 300M is above the maximum of 256M"),
        "{}",
        h.screen_text()
    );
    assert_eq!(dommemstat_actual(&guest.name), Some(256 * 1024));
    h.press("<Ctrl-u>200<Enter>");
    assert!(
        wait_screen(&mut h, Duration::from_secs(20), "setmem: done"),
        "{}",
        h.screen_text()
    );
    assert!(
        eventually(Duration::from_secs(60), || dommemstat_actual(&guest.name)
            == Some(200 * 1024)),
        "dommemstat actual is {:?}",
        dommemstat_actual(&guest.name)
    );
    // The dialog re-read the limits: it now says what libvirt says.
    assert!(
        wait_screen(
            &mut h,
            Duration::from_secs(30),
            "Now 200M of a 256M maximum"
        ),
        "{}",
        h.screen_text()
    );
    // Both scopes went: the persistent definition has it too.
    let inactive = rig::virsh(&["dumpxml", "--inactive", &guest.name]);
    assert!(
        inactive.contains("<currentMemory unit='KiB'>204800</currentMemory>"),
        "{inactive}"
    );
    h.press("<Esc>");
    // The Stats tab's raw dommemstat shows the balloon moving.
    let id = h.id_of(&guest.name);
    assert!(
        h.wait_until(Duration::from_secs(30), |app| app
            .store
            .stats
            .get(&id)
            .and_then(|s| s.latest.balloon.as_ref())
            .and_then(|b| b.current)
            == Some(200 * 1024)),
        "the stats never saw the balloon at 200M"
    );
    while h.app.domains.tab != Tab::Stats {
        h.press("<Tab>");
    }
    h.press("E");
    assert!(
        wait_screen(&mut h, Duration::from_secs(30), "dommemstat"),
        "{}",
        h.screen_text()
    );
    let screen = h.screen_text();
    let line = screen
        .lines()
        .find(|l| l.contains("actual"))
        .unwrap_or_else(|| panic!("no actual in the Stats tab:\n{screen}"));
    assert!(line.contains("204800"), "{screen}");

    // vCPUs: the rig guest has one of one. Above the maximum is refused in the dialog; a
    // live change of the maximum is refused by libvirt, in its words; the persistent one
    // goes through.
    h.press("V");
    assert!(
        wait_screen(&mut h, Duration::from_secs(30), "Now 1 of a 1 maximum"),
        "{}",
        h.screen_text()
    );
    h.press("<Ctrl-u>2<Enter>");
    assert!(
        h.screen_text()
            .contains("vCPUs 2 is above the maximum of 1: raise the maximum too"),
        "{}",
        h.screen_text()
    );
    h.press("<Ctrl-u>1<Tab><Ctrl-u>2<Enter>");
    assert!(
        wait_screen(
            &mut h,
            Duration::from_secs(20),
            "setvcpus --maximum failed: "
        ),
        "{}",
        h.screen_text()
    );
    eprintln!(
        "libvirt said: {}",
        h.screen()
            .iter()
            .find(|l| l.contains("failed: "))
            .map_or("", |l| l.trim())
    );
    let before = rig::virsh(&["dumpxml", "--inactive", &guest.name]);
    assert!(before.contains(">1</vcpu>"), "{before}");
    // Apply to: live and persistent -> live -> persistent.
    h.press("<Tab>  <Enter>");
    assert!(
        wait_screen(&mut h, Duration::from_secs(20), "setvcpus --maximum: done"),
        "{}",
        h.screen_text()
    );
    let after = rig::virsh(&["dumpxml", "--inactive", &guest.name]);
    assert!(after.contains("current='1'>2</vcpu>"), "{after}");
    // The running guest keeps its one vCPU.
    assert!(
        rig::virsh(&["dumpxml", &guest.name]).contains(">1</vcpu>"),
        "the live definition changed"
    );
}

/// A node device that is not on the host: libvirt must refuse it.
fn absent_usb() -> NodeDeviceInfo {
    NodeDeviceInfo {
        name: "usb_absent".into(),
        kind: "usb".into(),
        address: "0xfffe:0xfff0".into(),
        vendor_id: "0xfffe".into(),
        vendor: Some("virtdeck test".into()),
        product_id: "0xfff0".into(),
        product: Some("absent device".into()),
        ..NodeDeviceInfo::default()
    }
}

fn absent_pci() -> NodeDeviceInfo {
    NodeDeviceInfo {
        name: "pci_0000_fe_1f_7".into(),
        kind: "pci".into(),
        address: "0000:fe:1f.7".into(),
        vendor_id: "0x8086".into(),
        product_id: "0x0000".into(),
        iommu_group: Some(77),
        iommu_members: vec!["0000:fe:1f.6".into(), "0000:fe:1f.7".into()],
        ..NodeDeviceInfo::default()
    }
}

#[test]
fn a_refused_host_device_attach_shows_libvirts_reason_and_changes_nothing() {
    let Some((guest, mut h)) = running("hostdev") else {
        return;
    };
    let live = rig::virsh(&["dumpxml", &guest.name]);
    let inactive = rig::virsh(&["dumpxml", "--inactive", &guest.name]);
    h.app.open_view(ViewRequest::Node {
        host: HostId::FIRST,
    });
    // The rig has no passthrough hardware (and its real devices must not be taken from
    // it): the view's device list is replaced by devices that do not exist, answering
    // the view's own request.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut req = None;
    while req.is_none() && Instant::now() < deadline {
        h.pump_with(|ev| {
            if let Event::Backend(BackendEvent::Node(_, n)) = ev
                && let NodeEvent::Devices { req: r, .. } = n.as_ref()
            {
                req = Some(*r);
            }
        });
        std::thread::sleep(Duration::from_millis(20));
    }
    let req = req.expect("the host view asked for the node devices");
    h.app.handle(Event::Backend(BackendEvent::Node(
        HostId::FIRST,
        Box::new(NodeEvent::Devices {
            req,
            result: Ok(vec![absent_pci(), absent_usb()]),
        }),
    )));
    for (row, address) in [(0, "0000:fe:1f.7"), (1, "0xfffe:0xfff0")] {
        h.press(if row == 0 { "g" } else { "G" });
        h.press("a");
        let screen = h.screen_text();
        assert!(screen.contains(&format!("Attach {address}")), "{screen}");
        if row == 0 {
            assert!(
                screen.contains("the whole IOMMU group 77 must be passed through together"),
                "{screen}"
            );
            assert!(screen.contains("0000:fe:1f.6"), "{screen}");
        }
        // The choices are this host's domains by name, other tests' guests too, which
        // come and go: walk down until ours is the one chosen.
        h.press("g");
        let chosen = format!("▶ {}", guest.name);
        for _ in 0..500 {
            if h.screen_text().contains(&chosen) {
                break;
            }
            h.press("j");
        }
        // Never another test's guest.
        let screen = h.screen_text();
        assert!(
            screen.contains(&format!("▶ {}", guest.name)),
            "{} is not the one chosen:\n{screen}",
            guest.name
        );
        h.press("<Enter>");
        let failed = format!("attach {address} to {} failed: ", guest.name);
        assert!(
            h.wait_until(Duration::from_secs(30), |app| app
                .status
                .as_ref()
                .is_some_and(|s| s.text.contains(&failed))),
            "status: {:?}",
            h.app.status.as_ref().map(|s| s.text.clone())
        );
        let reason = h
            .app
            .status
            .as_ref()
            .map(|s| s.text.clone())
            .unwrap_or_default();
        // libvirt's own words follow the colon.
        assert!(reason.len() > failed.len() + 10, "{reason}");
        eprintln!("libvirt said: {reason}");
        assert_eq!(rig::virsh(&["dumpxml", &guest.name]), live);
        assert_eq!(
            rig::virsh(&["dumpxml", "--inactive", &guest.name]),
            inactive
        );
    }
}
