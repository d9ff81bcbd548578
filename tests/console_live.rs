//! Live console tests on the rig's guest: typing, Ctrl-C, reboot and re-attach, and a
//! second client refused without force.

mod common;

use std::time::{Duration, Instant};

use common::rig::{self, Guest};
use common::{Harness, Options};
use virtdeck::ui::console::session::Link;

const BOOT: Duration = Duration::from_secs(180);

/// A started guest at its prompt and the app attached to its console.
fn attached(suffix: &str) -> Option<(Guest, Harness)> {
    let guest = Guest::define(suffix)?;
    rig::virsh(&["start", &guest.name]);
    assert!(
        guest.wait_for_prompt(BOOT),
        "guest never reached its prompt"
    );
    let h = attach(&guest);
    Some((guest, h))
}

fn attach(guest: &Guest) -> Harness {
    let mut h = Harness::start(Options {
        height: 30,
        width: 100,
        ..Options::new(rig::URI)
    });
    assert!(
        h.wait_until(Duration::from_secs(30), |app| Harness::state_of(
            app,
            &guest.name
        )
        .is_some_and(|st| st.starts_with("running"))),
        "{} not listed as running",
        guest.name
    );
    h.select(&guest.name);
    h.press("c");
    assert!(
        h.wait_until(Duration::from_secs(20), |app| app
            .console_session()
            .is_some_and(|s| s.link != Link::Connecting)),
        "no answer to the attach"
    );
    h
}

fn is_attached(app: &virtdeck::app::App) -> bool {
    app.console_session().is_some_and(|s| s.is_attached())
}

/// Pumps events until `cond` holds (true) or `timeout` passes (false).
fn pump_until(
    h: &mut Harness,
    timeout: Duration,
    mut cond: impl FnMut(&mut Harness) -> bool,
) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        h.pump();
        if cond(h) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Pumps events and redraws until a screen line satisfies `pred`.
fn wait_screen(h: &mut Harness, timeout: Duration, pred: impl Fn(&str) -> bool) -> bool {
    pump_until(h, timeout, |h| h.screen().iter().any(|l| pred(l.trim())))
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
fn typing_runs_commands_and_ctrl_c_interrupts_them() {
    let Some((_guest, mut h)) = attached("console-type") else {
        return;
    };
    assert!(is_attached(&h.app), "{}", h.screen_text());
    h.press("echo $((6*7))<Enter>");
    assert!(
        wait_screen(&mut h, Duration::from_secs(20), |l| l == "42"),
        "42 never shown:\n{}",
        h.screen_text()
    );
    // The marker comes from the process Ctrl-C must kill, in the foreground of a cooked
    // terminal; a Ctrl-C sent while the shell was still in its raw-mode line editor
    // would be read as text by a slow guest and interrupt nothing.
    h.press("sh -c 'echo sleeping-$((1+1)); exec sleep 100'<Enter>");
    assert!(
        wait_screen(&mut h, Duration::from_secs(30), |l| l == "sleeping-2"),
        "sleep never started:\n{}",
        h.screen_text()
    );
    h.press("<Ctrl-c>");
    // Typed while sleep still ran, this would only be echoed, not executed.
    h.press("echo done-$((40+2))<Enter>");
    assert!(
        wait_screen(&mut h, Duration::from_secs(30), |l| l == "done-42"),
        "Ctrl-C did not interrupt sleep:\n{}",
        h.screen_text()
    );
    // Tab completion reaches the shell too: `ech<Tab>` completes to echo. Typed before
    // the next prompt, the Tab would land in the cooked terminal, not the line editor.
    let prompt_after = |h: &mut Harness| {
        let lines: Vec<String> = h.screen().iter().map(|l| l.trim().to_string()).collect();
        lines
            .iter()
            .position(|l| l == "done-42")
            .and_then(|i| lines.get(i + 1))
            .is_some_and(|next| next.starts_with(rig::PROMPT.trim()))
    };
    assert!(
        pump_until(&mut h, Duration::from_secs(30), prompt_after),
        "no prompt after done-42:\n{}",
        h.screen_text()
    );
    h.press("ech<Tab> tab-$((1+1))<Enter>");
    assert!(
        wait_screen(&mut h, Duration::from_secs(30), |l| l == "tab-2"),
        "Tab did not complete:\n{}",
        h.screen_text()
    );
}

#[test]
fn a_second_client_is_refused_without_force_and_takes_over_with_it() {
    let Some((guest, mut first)) = attached("console-busy") else {
        return;
    };
    assert!(is_attached(&first.app), "{}", first.screen_text());
    let mut second = attach(&guest);
    let link = second.app.console_session().map(|s| s.link.clone());
    assert!(
        matches!(
            link,
            Some(Link::Failed {
                kind: virtdeck::backend::console::FailureKind::Busy,
                ..
            })
        ),
        "{link:?}"
    );
    let text = second.screen_text();
    assert!(text.contains("console busy"), "{text}");
    assert!(text.contains("Active console session"), "{text}");
    assert!(
        is_attached(&first.app),
        "the first client must keep the console"
    );

    second.press("f");
    assert!(
        second.wait_until(Duration::from_secs(20), is_attached),
        "force did not attach: {}",
        second.screen_text()
    );
    assert!(
        first.wait_until(Duration::from_secs(20), |app| app
            .console_session()
            .is_some_and(|s| matches!(s.link, Link::Disconnected { .. }))),
        "the first client was not told"
    );
    assert!(first.screen_text().contains("DISCONNECTED"));
    second.press("echo $((6*7))<Enter>");
    assert!(wait_screen(&mut second, Duration::from_secs(20), |l| l == "42"));
}

#[test]
fn reboot_shows_new_boot_output_and_a_restart_reattaches() {
    let Some((guest, mut h)) = attached("console-reboot") else {
        return;
    };
    assert!(is_attached(&h.app), "{}", h.screen_text());
    assert!(!transcript(&mut h).contains(rig::READY));
    // A guest reboot keeps the QEMU process (and the pty): the stream carries on.
    h.press("reboot -f<Enter>");
    assert!(
        wait_transcript(&mut h, BOOT, rig::READY, 1),
        "no boot output after reboot:\n{}",
        h.screen_text()
    );
    // Power off: the pane says so instead of hanging ...
    rig::virsh(&["destroy", &guest.name]);
    assert!(
        h.wait_until(Duration::from_secs(20), |app| app
            .console_session()
            .is_some_and(|s| matches!(s.link, Link::Disconnected { .. }))),
        "destroy not noticed"
    );
    assert!(
        h.screen_text().contains("DISCONNECTED"),
        "{}",
        h.screen_text()
    );
    // ... and re-attaches by itself when the domain runs again.
    rig::virsh(&["start", &guest.name]);
    assert!(
        h.wait_until(Duration::from_secs(30), is_attached),
        "no re-attach: {}",
        h.screen_text()
    );
    assert!(
        wait_transcript(&mut h, BOOT, rig::READY, 2),
        "no new boot output after re-attach:\n{}",
        h.screen_text()
    );
    // READY comes from /init before the shell starts; keys typed before its prompt
    // would meet a terminal nobody reads yet.
    let at_prompt = |h: &mut Harness| {
        transcript(h)
            .rsplit(rig::READY)
            .next()
            .is_some_and(|t| t.contains(rig::PROMPT.trim_end()))
    };
    assert!(
        pump_until(&mut h, Duration::from_secs(60), at_prompt),
        "no prompt after the re-boot:\n{}",
        h.screen_text()
    );
    h.press("echo $((6*7))<Enter>");
    assert!(wait_screen(&mut h, Duration::from_secs(20), |l| l == "42"));
}

/// Waits until `needle` occurs `count` times in the console transcript.
fn wait_transcript(h: &mut Harness, timeout: Duration, needle: &str, count: usize) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        h.pump();
        if transcript(h).matches(needle).count() >= count {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

#[test]
fn scrollback_search_escapes_and_idle_close_on_a_real_guest() {
    let Some((guest, mut h)) = attached("console-scrollback") else {
        return;
    };
    assert!(is_attached(&h.app), "{}", h.screen_text());
    h.press("seq 1 3000<Enter>");
    assert!(
        wait_screen(&mut h, Duration::from_secs(120), |l| l == "3000"),
        "seq output never ended:\n{}",
        h.screen_text()
    );
    // Every line kept, in order, in the scrollback and the transcript.
    let text = transcript(&mut h);
    let numbers: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.ends_with("seq 1 3000"))
        .skip(1)
        .take(3000)
        .collect();
    let want: Vec<String> = (1..=3000).map(|i| i.to_string()).collect();
    assert_eq!(numbers, want, "scrollback lost or reordered lines");

    // A right-to-left override from the guest is shown as an escape.
    h.press("printf 'evil\\342\\200\\256txt.exe\\n'<Enter>");
    assert!(
        wait_screen(&mut h, Duration::from_secs(20), |l| l
            == "evil\\u{202e}txt.exe"),
        "bidi override not escaped:\n{}",
        h.screen_text()
    );
    assert!(!h.screen_text().contains('\u{202e}'));

    // Search: back to virtdeck, Ctrl-s, a number deep in the scrollback.
    h.press("<Ctrl-]><Ctrl-s>2718<Enter>");
    let screen = h.screen_text();
    assert!(screen.contains("match 1/1"), "{screen}");
    assert!(h.screen().iter().any(|l| l.trim() == "2718"), "{screen}");
    h.press("<Esc>=");
    assert_eq!(h.app.console_session().map(|s| s.term.offset()), Some(0));

    // Detached and silent past console_idle_close_mins: closed, and the pane says so.
    h.app.config.console_idle_close = Some(Duration::from_millis(300));
    // A slow guest may still be printing (its output counts as activity): tick until a
    // quiet 300 ms has passed, as the App's own 1 s tick would.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while std::time::Instant::now() < deadline
        && !matches!(
            h.app.console_session().map(|s| s.link.clone()),
            Some(Link::IdleClosed { .. })
        )
    {
        std::thread::sleep(Duration::from_millis(500));
        h.pump();
        h.app.handle(virtdeck::event::Event::Tick);
    }
    assert!(
        matches!(
            h.app.console_session().map(|s| s.link.clone()),
            Some(Link::IdleClosed { .. })
        ),
        "{:?}",
        h.app.console_session().map(|s| s.link.clone())
    );
    assert!(
        h.screen_text().contains("CLOSED after"),
        "{}",
        h.screen_text()
    );
    // The stream is really released: another client attaches without forcing.
    let mut second = attach(&guest);
    assert!(
        second.wait_until(Duration::from_secs(20), is_attached),
        "the idle console still holds the stream: {}",
        second.screen_text()
    );
}

#[test]
fn a_transient_guest_destroyed_under_the_console_is_reported_gone() {
    let Some((guest, mut h)) = attached("console-gone") else {
        return;
    };
    assert!(is_attached(&h.app), "{}", h.screen_text());
    // Undefined while running, the guest lives on as a transient domain.
    rig::virsh(&["undefine", &guest.name]);
    rig::virsh(&["destroy", &guest.name]);
    assert!(
        h.wait_until(Duration::from_secs(20), |app| app
            .console_session()
            .is_some_and(|s| s.link == Link::Gone)),
        "{:?}\n{}",
        h.app.console_session().map(|s| s.link.clone()),
        h.screen_text()
    );
    let text = h.screen_text();
    assert!(text.contains("GONE"), "{text}");
    assert!(
        !text.contains("re-attaches when the domain starts"),
        "{text}"
    );
}
