//! Live: libvirtd killed and restarted under the app. It reports the loss, reconnects
//! by itself and its list is right again (and events flow on the new connection).
//! Its own test binary, so no other live test of this crate runs meanwhile.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::rig::{self, Guest};
use common::{Harness, Options};
use virtdeck::state::ConnState;

fn may_restart_daemon() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
        || std::env::var("VIRTDECK_RIG_CONFIGURE_HOST").is_ok_and(|v| v == "1")
}

fn sh(cmd: &str) -> bool {
    Command::new("sh")
        .args(["-c", cmd])
        .status()
        .is_ok_and(|s| s.success())
}

fn restart_libvirtd() {
    if std::path::Path::new("/run/systemd/system").exists() {
        assert!(
            sh("systemctl restart libvirtd"),
            "systemctl restart libvirtd"
        );
        return;
    }
    assert!(sh("pkill -x libvirtd"), "libvirtd was not running");
    for _ in 0..100 {
        if !sh("pgrep -x libvirtd >/dev/null") {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    // Give the app a moment with no daemon at all, so at least one reconnect fails.
    std::thread::sleep(Duration::from_millis(1500));
    assert!(sh("libvirtd -d"), "libvirtd -d");
}

#[test]
fn libvirtd_restart_is_reported_and_the_app_reconnects_with_a_correct_list() {
    let Some(guest) = Guest::define("reconnect") else {
        return;
    };
    if !may_restart_daemon() {
        eprintln!("SKIPPED: restarting libvirtd needs CI=true or VIRTDECK_RIG_CONFIGURE_HOST=1");
        return;
    }
    let name = guest.name.clone();
    rig::virsh(&["start", &name]);
    let mut h = Harness::start(Options::new(rig::URI));
    assert!(h.wait_until(Duration::from_secs(5), |app| {
        Harness::state_of(app, &name).is_some_and(|s| s.starts_with("running"))
    }));

    restart_libvirtd();
    // The app may have reconnected before the test looks: step through the queued
    // events one by one, so the loss is seen (and drawn) while it is the state.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut lost_screen = None;
    while lost_screen.is_none() && Instant::now() < deadline {
        if !h.pump_one() {
            std::thread::sleep(Duration::from_millis(5));
            continue;
        }
        if matches!(h.app.store.conn, ConnState::Disconnected { .. }) {
            lost_screen = Some(h.screen_text());
        }
    }
    let screen = lost_screen.expect("the loss was never reported");
    assert!(screen.contains("DISCONNECTED"), "{screen}");

    assert!(
        h.wait_until(Duration::from_secs(30), |app| app.store.conn
            == ConnState::Connected),
        "never reconnected: {:?}",
        h.app.store.conn
    );
    assert!(h.wait_until(Duration::from_secs(20), |app| {
        Harness::state_of(app, &name).is_some_and(|s| s.starts_with("running"))
    }));
    assert!(!h.screen_text().contains("DISCONNECTED"));

    // Events are subscribed again on the new connection.
    rig::virsh(&["destroy", &name]);
    assert!(
        h.wait_until(Duration::from_secs(20), |app| {
            Harness::state_of(app, &name).is_some_and(|s| s.starts_with("shut off"))
        }),
        "no event after reconnect"
    );
}
