//! Live: the rig's QEMU guest driven through the app on qemu:///system, every change
//! observed through libvirt events (the reconcile poll is off).

mod common;

use std::time::{Duration, Instant};

use common::rig::{self, Guest};
use common::{Harness, Options};

fn shows(h: &mut Harness, name: &str, state: &str, timeout: Duration) -> bool {
    let prefix = format!("{state} (");
    h.wait_until(timeout, |app| {
        Harness::state_of(app, name).is_some_and(|s| s == state || s.starts_with(&prefix))
    })
}

#[test]
fn start_suspend_resume_destroy_through_the_app_on_a_real_guest() {
    let Some(guest) = Guest::define("life") else {
        return;
    };
    let name = guest.name.clone();
    let mut h = Harness::start(Options::new(rig::URI));
    assert!(
        shows(&mut h, &name, "shut off", Duration::from_secs(5)),
        "guest listed"
    );
    // The initial list comes from one bulk stats call plus list filters on a daemon: it
    // must say what virsh dominfo says.
    let row = h
        .app
        .store
        .rows()
        .find(|r| r.info.name == name)
        .map(|r| r.info.clone())
        .expect("row");
    let dominfo = rig::virsh(&["dominfo", &name]);
    let field = |k: &str| {
        dominfo
            .lines()
            .find(|l| l.starts_with(k))
            .and_then(|l| l.split(':').nth(1))
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    assert_eq!(format!("{} KiB", row.max_memory_kib), field("Max memory"));
    assert_eq!(format!("{} KiB", row.memory_kib), field("Used memory"));
    assert_eq!(row.vcpus.to_string(), field("CPU(s)"));
    assert_eq!(
        if row.persistent { "yes" } else { "no" },
        field("Persistent")
    );
    assert_eq!(
        if row.autostart { "enable" } else { "disable" },
        field("Autostart")
    );
    h.select(&name);

    h.press("s");
    assert!(
        shows(&mut h, &name, "running (booted)", Duration::from_secs(30)),
        "{:?}",
        h.app.status
    );
    assert!(
        guest.wait_for_prompt(Duration::from_secs(180)),
        "guest never reached its shell prompt; serial log:\n{}",
        guest.serial_text()
    );
    assert_eq!(guest.domstate(), "running");

    h.press("p");
    assert!(shows(
        &mut h,
        &name,
        "paused (user)",
        Duration::from_secs(10)
    ));
    assert_eq!(guest.domstate(), "paused");
    h.press("r");
    assert!(shows(
        &mut h,
        &name,
        "running (unpaused)",
        Duration::from_secs(10)
    ));
    assert_eq!(guest.domstate(), "running");

    h.press("F");
    assert_eq!(
        guest.domstate(),
        "running",
        "force off waits for the confirmation"
    );
    h.press("y");
    assert!(shows(
        &mut h,
        &name,
        "shut off (destroyed)",
        Duration::from_secs(20)
    ));
    assert_eq!(guest.domstate(), "shut off");
}

#[test]
fn an_external_virsh_changes_the_model_by_events_without_polling() {
    let Some(guest) = Guest::define("extern") else {
        return;
    };
    let name = guest.name.clone();
    let mut h = Harness::start(Options::new(rig::URI));
    assert!(shows(&mut h, &name, "shut off", Duration::from_secs(5)));

    rig::virsh(&["start", &name]);
    let t = Instant::now();
    // Polling is off, so only the lifecycle event can bring the change; how fast is for
    // a benchmark, a loaded machine may delay the backend thread by seconds.
    assert!(
        shows(&mut h, &name, "running", Duration::from_secs(20)),
        "start event never arrived"
    );
    eprintln!("virsh start seen after {:?}", t.elapsed());

    rig::virsh(&["destroy", &name]);
    let t = Instant::now();
    assert!(
        shows(
            &mut h,
            &name,
            "shut off (destroyed)",
            Duration::from_secs(20)
        ),
        "destroy event never arrived"
    );
    eprintln!("virsh destroy seen after {:?}", t.elapsed());
}
