//! The same rig daemon reached over `qemu+ssh://` (a private sshd on 127.0.0.1, a key for
//! root): the list matches virsh's, the serial console types and answers, and a quick snapshot
//! lands, exactly as on `qemu:///system`.

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::rig::{self, Guest};
use common::{Harness, Options};
use virtdeck::ui::console::session::Link;

const BOOT: Duration = Duration::from_secs(180);
const T: Duration = Duration::from_secs(20);

fn start_over_ssh(uri: &str) -> Harness {
    Harness::start(Options {
        width: 100,
        height: 30,
        ..Options::new(uri)
    })
}

fn wait_screen(h: &mut Harness, timeout: Duration, pred: impl Fn(&str) -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        h.pump();
        if h.screen().iter().any(|l| pred(l.trim())) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn over_ssh_the_list_matches_virsh_and_the_console_and_quick_snapshot_work() {
    let Some(guest) = Guest::define("ssh") else {
        return;
    };
    let Some(uri) = rig::ssh_uri() else {
        return;
    };
    rig::virsh(&["start", &guest.name]);
    assert!(
        guest.wait_for_prompt(BOOT),
        "guest never reached its prompt"
    );

    let mut h = start_over_ssh(&uri);
    assert!(
        h.wait_until(T, |app| Harness::state_of(app, &guest.name)
            .is_some_and(|s| s.starts_with("running"))),
        "{} not listed as running over ssh",
        guest.name
    );
    // Every domain virsh sees on the daemon, and no other.
    let virsh: BTreeSet<String> = rig::virsh(&["list", "--all", "--name"])
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    let ours: BTreeSet<String> = h.app.store.rows().map(|r| r.info.name.clone()).collect();
    // Other agents' guests may come and go meanwhile: compare the rig guest and the count of
    // domains both saw at about the same time, within what changed.
    assert!(ours.contains(&guest.name) && virsh.contains(&guest.name));
    assert!(
        ours.symmetric_difference(&virsh).count() <= 2,
        "over ssh: {ours:?}\nvirsh: {virsh:?}"
    );

    // The serial console over ssh.
    h.select(&guest.name);
    h.press("c");
    assert!(
        h.wait_until(T, |app| app
            .console_session()
            .is_some_and(|s| s.link != Link::Connecting)),
        "no answer to the attach over ssh"
    );
    assert!(
        h.app.console_session().is_some_and(|s| s.is_attached()),
        "{}",
        h.screen_text()
    );
    h.press("echo $((6*7))<Enter>");
    assert!(
        wait_screen(&mut h, T, |l| l == "42"),
        "42 never shown over ssh:\n{}",
        h.screen_text()
    );
    h.press("<Ctrl-]>");

    // A quick snapshot over ssh lands on the daemon.
    h.select(&guest.name);
    h.press("t");
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut names = String::new();
    while Instant::now() < deadline {
        h.pump();
        names = rig::virsh(&["snapshot-list", &guest.name, "--name"]);
        if names.lines().any(|l| l.trim().starts_with(&guest.name)) {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(
        names.lines().any(|l| l.trim().starts_with(&guest.name)),
        "no quick snapshot of {} after t over ssh: {names:?}\n{}",
        guest.name,
        h.screen_text()
    );
}
