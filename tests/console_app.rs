//! Console routing in the App on libvirt's test driver (no console there): the Console tab,
//! a domain without a pty console, keys while the console has focus.

mod common;

use std::time::Duration;

use common::{Harness, Options, testdrv};
use ratatui::style::Modifier;
use virtdeck::backend::BackendEvent;
use virtdeck::backend::console::ConsoleEvent;
use virtdeck::event::Event;
use virtdeck::ui::console::session::Link;
use virtdeck::ui::domains::detail::Tab;

const NO_CONSOLE_NODE: &str = r#"<node>
  <domain type='test'>
    <name>bare-metal-ish</name>
    <uuid>7d1c1a6e-0d5f-4c55-9d8e-000000000004</uuid>
    <memory unit='MiB'>512</memory>
    <vcpu>1</vcpu>
    <os><type>hvm</type></os>
    <devices><disk type='file' device='disk'><source file='/x.img'/><target dev='vda'/></disk></devices>
  </domain>
</node>"#;

#[test]
fn a_domain_without_a_pty_console_says_what_to_add() {
    let mut h = Harness::on_node(NO_CONSOLE_NODE, Options::new(""));
    h.select("bare-metal-ish");
    h.press("c");
    assert_eq!(h.app.domains.tab, Tab::Console);
    assert!(
        h.wait_until(Duration::from_secs(5), |app| app
            .console_session()
            .is_some_and(|s| matches!(s.link, Link::Failed { .. }))),
        "no failure reported"
    );
    let text = h
        .screen_text()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(text.contains("no pty console"), "{text}");
    assert!(text.contains("serial type='pty'"), "{text}");
    // Focus stays in the console, but Ctrl-] gives the keys back to the app.
    h.press("<Ctrl-]>");
    h.press("q");
    assert!(h.app.should_quit(), "q after Ctrl-] must reach the keymap");
}

#[test]
fn the_test_driver_refuses_the_console_clearly_and_the_escape_chord_returns() {
    let mut h = Harness::demo(Options::new(""));
    h.select("web-01");
    let before = h.screen_text();
    assert!(!before.contains("opens the serial console"));
    h.press("<Tab><Tab><Tab><Tab>");
    assert_eq!(h.app.domains.tab, Tab::Console);
    assert!(h.screen_text().contains("opens the serial console"));
    h.press("c");
    assert!(
        h.wait_until(Duration::from_secs(5), |app| app
            .console_session()
            .is_some_and(|s| matches!(s.link, Link::Failed { .. }))),
        "no failure reported: {:?}\n{}",
        h.app.console_session().map(|s| s.link.clone()),
        h.screen_text()
    );
    let text = h.screen_text();
    assert!(text.contains("not supported"), "{text}");
    // While focused, q and Ctrl-c are for the guest, not virtdeck.
    h.press("q<Ctrl-c>");
    assert!(!h.app.should_quit());
    // crossterm reports Ctrl-] as Ctrl-5 on legacy terminals.
    h.press("<Ctrl-5>");
    h.press("q");
    assert!(h.app.should_quit());
}

/// Guest output delivered to the open session the way the backend delivers it.
fn guest_output(h: &mut Harness, bytes: &[u8]) {
    let s = h.app.console_session().expect("a console session");
    let (console, host) = (s.console, s.domain.host);
    h.app.handle(Event::Backend(BackendEvent::Console(
        host,
        ConsoleEvent::Output {
            console,
            bytes: bytes.to_vec(),
        },
    )));
}

#[test]
fn a_destroyed_transient_domain_leaves_a_pane_that_says_it_is_gone() {
    let conn = testdrv::connect();
    let name = "vd-console-transient";
    let dom = conn
        .create_domain_xml(
            &format!(
                "<domain type='test'><name>{name}</name><memory unit='MiB'>64</memory>\
                 <os><type>hvm</type></os></domain>"
            ),
            0,
        )
        .expect("create a transient domain");
    let mut h = Harness::start(Options::new(testdrv::URI));
    assert!(h.wait_until(Duration::from_secs(5), |app| {
        Harness::state_of(app, name).is_some()
    }));
    h.select(name);
    h.press("c");
    assert!(h.wait_until(Duration::from_secs(5), |app| {
        app.console_session()
            .is_some_and(|s| s.link != Link::Connecting)
    }));
    dom.destroy().expect("destroy");
    assert!(
        h.wait_until(Duration::from_secs(5), |app| app
            .console_session()
            .is_some_and(|s| s.link == Link::Gone)),
        "{:?}",
        h.app.console_session().map(|s| s.link.clone())
    );
    let text = h.screen_text();
    assert!(text.contains("GONE"), "{text}");
    assert!(text.contains("no longer exists"), "{text}");
    assert!(
        !text.contains("re-attaches when the domain starts"),
        "{text}"
    );
}

#[test]
fn a_lost_host_connection_is_what_the_console_pane_reports() {
    let mut h = Harness::demo(Options {
        width: 120,
        ..Options::new("")
    });
    h.select("web-01");
    h.press("c");
    assert!(h.wait_until(Duration::from_secs(5), |app| {
        app.console_session()
            .is_some_and(|s| s.link != Link::Connecting)
    }));
    // libvirtd going away cannot be staged here without killing it for everyone: the
    // worker's event for it is delivered as the worker sends it.
    let host = h
        .app
        .console_session()
        .expect("a console session")
        .domain
        .host;
    h.app.handle(Event::Backend(BackendEvent::Disconnected {
        host,
        reason: "End of file while reading data: Input/output error".into(),
    }));
    let text = h.screen_text();
    assert!(text.contains("host connection is lost"), "{text}");
    assert!(!text.contains("when the domain starts"), "{text}");
}

#[test]
fn search_finds_scrollback_lines_highlights_them_and_steps_with_n() {
    let mut h = Harness::demo(Options {
        width: 100,
        height: 30,
        ..Options::new("")
    });
    h.app.config.console_scrollback_lines = 500;
    h.select("web-01");
    h.press("c");
    h.screen();
    let mut log = String::new();
    for i in 0..2_000 {
        if i % 300 == 7 {
            log.push_str(&format!(
                "[{i:5}] \x1b[31mkernel panic\x1b[0m: line {i}\r\n"
            ));
        } else {
            log.push_str(&format!("[{i:5}] ordinary boot line {i}\r\n"));
        }
    }
    guest_output(&mut h, log.as_bytes());
    assert_eq!(
        h.app.console_session().map(|s| s.term.history().len()),
        Some(500),
        "console_scrollback_lines caps the history"
    );
    h.press("<Ctrl-]><Ctrl-s>");
    assert!(h.screen_text().contains("search:"), "{}", h.screen_text());
    h.press("Panic<Backspace><Backspace><Backspace><Backspace><Backspace>panic<Enter>");
    let text = h.screen_text();
    // Lines 1507, 1807 are held (the history holds the last ~520 lines); 1807 first.
    assert!(text.contains("match 2/2"), "{text}");
    let screen = h.screen();
    let (y, line) = screen
        .iter()
        .enumerate()
        .find(|(_, l)| l.contains("kernel panic: line 1807"))
        .expect("the newest match in view");
    let at = line.find("panic").expect("column");
    let x = line[..at].chars().count() as u16;
    let cell = &h.terminal.backend().buffer()[(x, y as u16)];

    assert!(
        cell.modifier.contains(Modifier::REVERSED),
        "match highlighted: {cell:?}"
    );
    let before = &h.terminal.backend().buffer()[(x - 2, y as u16)];
    assert!(
        !before.modifier.contains(Modifier::REVERSED),
        "only the match"
    );
    h.press("n");
    assert!(h.screen_text().contains("match 1/2"));
    assert!(h.screen_text().contains("kernel panic: line 1507"));
    h.press("n");
    assert!(h.screen_text().contains("match 1/2"), "stays at the oldest");
    h.press("N<Esc>");
    let text = h.screen_text();
    assert!(!text.contains("N newer"), "search ended: {text}");
    assert!(
        text.contains("kernel panic: line 1807"),
        "the view stays: {text}"
    );
}

#[test]
fn search_keys_come_from_the_keymap_and_a_clash_with_global_keys_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        "[keys.console]\nconsole_search = [\"Ctrl-g\"]\n\
         [keys.search]\nsearch_older = [\"o\"]\nsearch_end = [\"x\"]\n",
    )
    .expect("write config");
    let config = virtdeck::config::Config::load(Some(&path), None, false).expect("config");
    let mut h = Harness::demo(Options {
        width: 100,
        height: 30,
        ..Options::new("")
    });
    h.app.config = config;
    h.select("web-01");
    h.press("c");
    h.screen();
    let log: String = (0..200)
        .map(|i| format!("boot line {i} marker\r\n"))
        .collect();
    guest_output(&mut h, log.as_bytes());
    h.press("<Ctrl-]><Ctrl-s>");
    assert!(
        !h.screen_text().contains("search:"),
        "Ctrl-s was remapped away"
    );
    h.press("<Ctrl-g>");
    assert!(h.screen_text().contains("search:"), "{}", h.screen_text());
    h.press("9 marker<Enter>");
    let text = h.screen_text();
    assert!(text.contains("match 20/20"), "{text}");
    assert!(
        text.contains("o older"),
        "the hint names the remapped key: {text}"
    );
    h.press("n");
    assert!(h.screen_text().contains("match 20/20"), "n no longer steps");
    h.press("o");
    assert!(h.screen_text().contains("match 19/20"));
    h.press("x");
    assert!(!h.screen_text().contains("older"), "x ended the search");

    // n/N/Esc shadow the list's keys while a search is shown, but a global key may not be
    // taken: quit would become unreachable.
    std::fs::write(&path, "[keys.search]\nsearch_older = [\"q\"]\n").expect("write config");
    let Err(err) = virtdeck::config::Config::load(Some(&path), None, false) else {
        panic!("a clash with quit is refused");
    };
    assert!(
        err.contains("search_older") && err.contains("quit"),
        "{err}"
    );
}
