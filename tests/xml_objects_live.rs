//! A network defined through the XML editor on the rig (qemu:///system), then started from
//! the networks view: `virsh net-info` agrees, and the bridge libvirt made exists.

mod common;

use std::time::{Duration, Instant};

use common::livenet::{self, NetGuard};
use common::{Harness, Options, rig};
use virtdeck::ui::layer::ViewRequest;
use virtdeck::ui::xml_editor::Target;

const T: Duration = Duration::from_secs(30);

fn wait_screen(h: &mut Harness, what: &str, ok: impl Fn(&str) -> bool) -> String {
    let end = Instant::now() + T;
    loop {
        h.pump();
        let s = h.screen_text();
        if ok(&s) {
            return s;
        }
        assert!(Instant::now() < end, "{what} never shown:\n{s}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_network_defined_in_the_editor_starts_from_the_view() {
    if !rig::available() {
        return;
    }
    let prefix = livenet::prefix();
    let name = format!("{prefix}xmlnet");
    let bridge = format!("{prefix}br227");
    assert!(bridge.len() <= 15, "bridge name {bridge} too long");
    drop(NetGuard(name.clone()));
    let _net = NetGuard(name.clone());

    let mut h = Harness::start(Options {
        width: 160,
        height: 30,
        ..Options::new(rig::URI)
    });
    let drafts = tempfile::tempdir().expect("tempdir");
    h.app.drafts_dir = Some(drafts.path().to_path_buf());
    h.app.open_view(ViewRequest::Networks);
    wait_screen(&mut h, "the networks", |s| s.contains("networks ("));
    h.press("N");
    let ed = h.app.xml.as_mut().expect("the editor opened");
    assert!(matches!(ed.target, Target::NewNetwork { .. }));
    // The user's definition replaces the template (as a paste would).
    ed.buf
        .set_text(&livenet::isolated_net_xml(&name, &bridge, 227).replace("><", ">\n<"));
    ed.recheck();
    h.press("<Ctrl-s>y");
    assert!(
        h.wait_until(T, |a| a
            .xml
            .as_ref()
            .is_some_and(|e| e.applying.is_none() && e.loading.is_none())),
        "the define never finished"
    );
    let ed = h.app.xml.as_ref().expect("editor");
    assert_eq!(ed.libvirt_error, None);
    assert!(matches!(&ed.target, Target::Network { name: n, .. } if *n == name));
    let info = rig::virsh(&["net-info", &name]);
    let field = |info: &str, key: &str| {
        info.lines()
            .find(|l| l.starts_with(key))
            .map(|l| l[key.len()..].trim().to_string())
    };
    assert_eq!(
        field(&info, "Persistent:").as_deref(),
        Some("yes"),
        "{info}"
    );
    assert_eq!(field(&info, "Active:").as_deref(), Some("no"), "{info}");
    h.press("<Esc>");
    assert!(h.app.xml.is_none());
    wait_screen(&mut h, "the new network", |s| s.contains(&name));

    // Select it (the selected row is drawn in the selection colour) and start it.
    let selected = h
        .app
        .config
        .theme
        .style(virtdeck::config::Role::Selected)
        .bg
        .unwrap_or_default();
    h.press("g");
    let mut found = false;
    for _ in 0..300 {
        h.screen();
        let buf = h.terminal.backend().buffer().clone();
        found = (0..buf.area.height).any(|y| {
            let line: String = (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect();
            line.contains(&format!("│{name} ")) && buf[(2, y)].bg == selected
        });
        if found {
            break;
        }
        h.press("j");
    }
    assert!(found, "{name} never selected:\n{}", h.screen_text());
    h.press("s");
    let screen = wait_screen(&mut h, "the network active", |s| {
        s.lines()
            .any(|l| l.contains(&format!("│{name} ")) && l.contains(" active "))
    });
    assert!(screen.contains(&bridge), "{screen}");
    let info = rig::virsh(&["net-info", &name]);
    assert_eq!(field(&info, "Active:").as_deref(), Some("yes"), "{info}");
    assert!(info.contains(&bridge), "{info}");
    assert!(
        std::path::Path::new(&format!("/sys/class/net/{bridge}")).exists(),
        "the bridge exists"
    );
}
