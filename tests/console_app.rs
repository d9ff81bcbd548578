//! Console routing in the App on libvirt's test driver (no console there): the Console tab,
//! a domain without a pty console, keys while the console has focus.

mod common;

use std::time::Duration;

use common::{Harness, Options};
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
