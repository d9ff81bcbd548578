//! Lifecycle keys against libvirt's test driver, checked through a second, independent
//! connection (libvirt's state, not the app's model).

mod common;

use std::time::Duration;

use common::testdrv::{self, wait_state};
use common::{Harness, Options};

const T: Duration = Duration::from_secs(5);

fn app_shows(h: &mut Harness, name: &str, state: &str) -> bool {
    let prefix = format!("{state} (");
    h.wait_until(T, |app| {
        Harness::state_of(app, name).is_some_and(|s| s == state || s.starts_with(&prefix))
    })
}

fn status(h: &Harness) -> String {
    h.app
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

fn wait_status(h: &mut Harness, needle: &str) -> bool {
    h.wait_until(T, |app| {
        app.status.as_ref().is_some_and(|s| s.text.contains(needle))
    })
}

/// A fresh shut-off domain on test:///default and an app with it selected.
fn setup(name: &str, opts: Options) -> (virt::connect::Connect, Harness) {
    let conn = testdrv::connect();
    testdrv::remove(&conn, name);
    testdrv::define(&conn, name);
    let mut h = Harness::start(opts);
    assert!(app_shows(&mut h, name, "shut off"), "{name} listed");
    h.select(name);
    (conn, h)
}

#[test]
fn each_lifecycle_key_reaches_the_right_libvirt_state() {
    let name = "vd-life-keys";
    let (conn, mut h) = setup(name, Options::new(testdrv::URI));

    h.press("s");
    assert!(wait_state(&conn, name, "running", T), "start");
    assert!(
        app_shows(&mut h, name, "running (booted)"),
        "app follows start"
    );
    h.press("p");
    assert!(wait_state(&conn, name, "paused", T), "suspend");
    assert!(app_shows(&mut h, name, "paused (user)"));
    h.press("r");
    assert!(wait_state(&conn, name, "running", T), "resume");
    assert!(app_shows(&mut h, name, "running (unpaused)"));
    h.press("R");
    assert!(
        wait_status(&mut h, "reboot vd-life-keys: done"),
        "{}",
        status(&h)
    );
    h.press("X");
    assert!(h.screen_text().contains("Reset?"));
    h.press("y");
    assert!(
        wait_status(&mut h, "reset vd-life-keys: done"),
        "{}",
        status(&h)
    );
    assert_eq!(
        testdrv::state(&conn, name),
        "running",
        "reboot/reset keep it running"
    );
    h.press("d");
    assert!(wait_state(&conn, name, "shut off", T), "ACPI shutdown");
    assert!(app_shows(&mut h, name, "shut off (shutdown)"));

    let dom = conn.lookup_domain_by_name(name).expect("domain");
    assert_eq!(dom.autostart().ok(), Some(false));
    h.press("a");
    assert!(
        h.wait_until(T, |app| app
            .store
            .rows()
            .any(|r| r.info.name == name && r.info.autostart)),
        "autostart toggled in the app"
    );
    assert_eq!(
        dom.autostart().ok(),
        Some(true),
        "autostart toggled in libvirt"
    );
    testdrv::remove(&conn, name);
}

#[test]
fn force_off_waits_for_confirmation() {
    let name = "vd-life-forceoff";
    let (conn, mut h) = setup(name, Options::new(testdrv::URI));
    h.press("s");
    assert!(app_shows(&mut h, name, "running"));

    h.press("F");
    assert!(
        h.screen_text().contains("Force off?"),
        "{}",
        h.screen_text()
    );
    std::thread::sleep(Duration::from_millis(300));
    h.pump();
    assert_eq!(
        testdrv::state(&conn, name),
        "running",
        "nothing happens before confirming"
    );
    h.press("n");
    assert!(status(&h).contains("cancelled"));
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        testdrv::state(&conn, name),
        "running",
        "declining changes nothing"
    );

    h.press("Fy");
    assert!(
        wait_state(&conn, name, "shut off", T),
        "confirmed force off"
    );
    assert!(app_shows(&mut h, name, "shut off (destroyed)"));
    testdrv::remove(&conn, name);
}

#[test]
fn undefine_needs_the_domains_name_typed() {
    let name = "vd-life-undefine";
    let (conn, mut h) = setup(name, Options::new(testdrv::URI));

    h.press("U");
    h.press("vd-life-undefin<Enter>");
    assert!(status(&h).contains("does not match"), "{}", status(&h));
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        testdrv::state(&conn, name),
        "shut off",
        "wrong name: still defined"
    );

    h.press("U");
    h.press("vd-life-undefine<Esc>");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        testdrv::state(&conn, name),
        "shut off",
        "Esc: still defined"
    );

    h.press("U");
    assert!(h.screen_text().contains("Undefine?"));
    h.press("vd-life-undefine<Enter>");
    assert!(wait_state(&conn, name, "gone", T), "undefined in libvirt");
    assert!(
        h.wait_until(T, |app| Harness::state_of(app, name).is_none()),
        "gone from the list"
    );
}

#[test]
fn a_failed_action_shows_libvirts_message_and_changes_nothing() {
    let name = "vd-life-fail";
    let (conn, mut h) = setup(name, Options::new(testdrv::URI));
    h.press("r"); // resume a shut-off domain
    assert!(
        wait_status(&mut h, "resume vd-life-fail failed:"),
        "{}",
        status(&h)
    );
    let msg = status(&h);
    assert!(
        msg.to_lowercase().contains("not"),
        "libvirt's reason is shown: {msg}"
    );
    assert_eq!(testdrv::state(&conn, name), "shut off");
    assert_eq!(Harness::state_of(&h.app, name).as_deref(), Some("shut off"));
    testdrv::remove(&conn, name);
}

#[test]
fn another_clients_change_arrives_as_an_event_without_polling() {
    let name = "vd-life-external";
    let (conn, mut h) = setup(name, Options::new(testdrv::URI));
    // Reconcile is off in the harness: only the lifecycle event can update the model.
    let dom = conn.lookup_domain_by_name(name).expect("domain");
    dom.create().expect("external start");
    assert!(
        app_shows(&mut h, name, "running"),
        "start seen within the timeout"
    );
    dom.destroy().expect("external destroy");
    assert!(app_shows(&mut h, name, "shut off (destroyed)"));
    testdrv::remove(&conn, name);
    assert!(
        h.wait_until(T, |app| Harness::state_of(app, name).is_none()),
        "undefine seen"
    );
}

#[test]
fn read_only_connection_refuses_every_mutation() {
    let name = "vd-life-readonly";
    let mut opts = Options::new(testdrv::URI);
    opts.readonly = true;
    let (conn, mut h) = setup(name, opts);
    for key in ["s", "F", "U", "a", "p", "d"] {
        h.press(key);
        assert!(!h.app.has_popup(), "{key}: no confirmation opens");
        assert!(status(&h).contains("read-only"), "{key}: {}", status(&h));
    }
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(testdrv::state(&conn, name), "shut off");
    let dom = conn.lookup_domain_by_name(name).expect("domain");
    assert_eq!(dom.autostart().ok(), Some(false));

    let screen = h.screen_text();
    assert!(screen.contains("[read-only]"));
    assert!(
        !screen.contains(" start"),
        "start is not advertised:\n{screen}"
    );
    h.press("?");
    let help = h.screen_text();
    assert!(help.contains("show this help"));
    assert!(
        !help.contains("virsh start"),
        "help hides mutating keys:\n{help}"
    );
    testdrv::remove(&conn, name);
}
