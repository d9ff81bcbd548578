//! Networks and storage pools in the XML editor, against libvirt's test driver: a new one
//! defined from the template, an existing one edited, libvirt's refusal shown with the
//! buffer kept and nothing defined, and one that another client undefines meanwhile.
//! libvirt's state is read back through a connection of the test's own.

mod common;

use std::time::Duration;

use common::{Harness, Options};
use virt::connect::Connect;
use virtdeck::ui::layer::ViewRequest;
use virtdeck::ui::xml_editor::Target;

const T: Duration = Duration::from_secs(10);

fn start(drafts: &std::path::Path) -> Harness {
    let mut h = Harness::start(Options {
        width: 100,
        height: 30,
        ..Options::new("test:///default")
    });
    h.app.drafts_dir = Some(drafts.to_path_buf());
    h
}

/// Our own client of the shared test:///default node.
fn own() -> Connect {
    Connect::open(Some("test:///default")).expect("open test:///default")
}

fn buffer(h: &Harness) -> String {
    h.app.xml.as_ref().expect("editor open").buf.text()
}

fn settled(h: &mut Harness) {
    assert!(
        h.wait_until(T, |a| a
            .xml
            .as_ref()
            .is_some_and(|e| e.applying.is_none() && e.loading.is_none())),
        "the editor never settled"
    );
}

/// Replaces the first `old` after the cursor's start with `new`, by keys (find, delete,
/// type), as a user would.
fn retype(h: &mut Harness, old: &str, new: &str) {
    h.press("<Ctrl-Home><Ctrl-f>");
    type_text(h, old);
    h.press("<Enter>");
    for _ in 0..old.chars().count() {
        h.press("<Delete>");
    }
    type_text(h, new);
    assert!(buffer(h).contains(new), "{}", buffer(h));
}

/// Types `s` literally ('<' included), one key per character.
fn type_text(h: &mut Harness, s: &str) {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    for c in s.chars() {
        let k = if c == '\n' {
            KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)
        } else {
            KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
        };
        h.app.handle(virtdeck::event::Event::Key(k));
    }
}

/// Waits until the open view shows a line holding `text`.
fn shown(h: &mut Harness, text: &str) -> String {
    let mut screen = String::new();
    let ok = h.wait_until(T, |_| true) && {
        let end = std::time::Instant::now() + T;
        loop {
            h.pump();
            screen = h.screen_text();
            if screen.contains(text) {
                break true;
            }
            if std::time::Instant::now() > end {
                break false;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    assert!(ok, "{text} never shown:\n{screen}");
    screen
}

/// Moves the open list view's selection onto the row showing `name` (the selected row
/// is drawn in the theme's selection colour).
fn select_row(h: &mut Harness, name: &str) {
    let selected = h
        .app
        .config
        .theme
        .style(virtdeck::config::Role::Selected)
        .bg;
    h.press("g");
    for _ in 0..200 {
        h.screen();
        let buf = h.terminal.backend().buffer().clone();
        let hit = (0..buf.area.height).any(|y| {
            let line: String = (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect();
            line.contains(&format!("{name} ")) && buf[(2, y)].bg == selected.unwrap_or_default()
        });
        if hit {
            return;
        }
        h.press("j");
    }
    panic!("{name} never selected:\n{}", h.screen_text());
}

/// Our connection for the whole test (the test driver's shared state lasts only while a
/// connection is open); it removes the network `.1` when dropped.
struct NetGone(Connect, &'static str);
impl Drop for NetGone {
    fn drop(&mut self) {
        if let Ok(n) = self.0.lookup_network_by_name(self.1) {
            let _ = n.destroy();
            let _ = n.undefine();
        }
    }
}

/// Like [`NetGone`], for the pool `.1`.
struct PoolGone(Connect, &'static str);
impl Drop for PoolGone {
    fn drop(&mut self) {
        if let Ok(p) = self.0.lookup_storage_pool_by_name(self.1) {
            let _ = p.destroy();
            let _ = p.undefine();
        }
    }
}

#[test]
fn a_new_network_from_the_template_is_defined_and_listed() {
    let name = "vdx-net-new";
    let _gone = NetGone(own(), name);
    let drafts = tempfile::tempdir().expect("tempdir");
    let mut h = start(drafts.path());
    h.app.open_view(ViewRequest::Networks);
    shown(&mut h, "default");
    h.press("N");
    let screen = h.screen_text();
    assert!(screen.contains("new network"), "{screen}");
    assert!(screen.contains("<network>"), "the template: {screen}");
    retype(&mut h, "new-network", name);
    h.press("<Ctrl-s>");
    assert!(h.screen_text().contains(name), "the diff shows the name");
    h.press("y");
    settled(&mut h);
    let ed = h.app.xml.as_ref().expect("editor");
    assert_eq!(ed.libvirt_error, None);
    assert!(
        matches!(&ed.target, Target::Network { name: n, .. } if n == name),
        "{:?}",
        ed.target
    );
    // libvirt's stored text (with the UUID it gave) replaces the template.
    assert!(buffer(&h).contains("<uuid>"), "{}", buffer(&h));
    let net = own()
        .lookup_network_by_name(name)
        .expect("defined in libvirt");
    assert!(net.is_persistent().expect("persistent"));
    assert!(net.xml_desc(0).expect("xml").contains("10.250.0.1"));
    // Esc goes back to the networks view, which lists it.
    h.press("<Esc>");
    assert!(h.app.xml.is_none());
    shown(&mut h, name);
}

#[test]
fn a_new_pool_from_the_template_is_defined_and_listed() {
    let name = "vdx-pool-new";
    let _gone = PoolGone(own(), name);
    let drafts = tempfile::tempdir().expect("tempdir");
    let mut h = start(drafts.path());
    h.app.open_view(ViewRequest::Pools);
    shown(&mut h, "default-pool");
    h.press("N");
    assert!(h.screen_text().contains("new pool"));
    retype(&mut h, "<name>new-pool", &format!("<name>{name}"));
    h.press("<Ctrl-s>y");
    settled(&mut h);
    let ed = h.app.xml.as_ref().expect("editor");
    assert_eq!(ed.libvirt_error, None);
    assert!(
        matches!(&ed.target, Target::Pool { name: n, .. } if n == name),
        "{:?}",
        ed.target
    );
    let pool = own()
        .lookup_storage_pool_by_name(name)
        .expect("defined in libvirt");
    assert!(
        pool.xml_desc(0)
            .expect("xml")
            .contains("/var/lib/libvirt/images/new-pool")
    );
    h.press("<Esc>");
    shown(&mut h, name);
}

#[test]
fn editing_a_network_redefines_it_in_place() {
    let name = "zz-vdx-net-edit";
    let _gone = NetGone(own(), name);
    own()
        .define_network_xml(&format!(
            "<network><name>{name}</name><bridge name='vdxbr7'/>\
             <ip address='192.0.2.1' netmask='255.255.255.0'><dhcp>\
             <range start='192.0.2.10' end='192.0.2.20'/></dhcp></ip></network>"
        ))
        .expect("define");
    let uuid = own()
        .lookup_network_by_name(name)
        .and_then(|n| n.uuid_string())
        .expect("uuid");
    let drafts = tempfile::tempdir().expect("tempdir");
    let mut h = start(drafts.path());
    h.app.open_view(ViewRequest::Networks);
    shown(&mut h, name);
    select_row(&mut h, name);
    h.press("e");
    settled(&mut h);
    assert!(buffer(&h).contains("192.0.2.20"), "{}", buffer(&h));
    assert!(h.screen_text().contains(&format!("network {name}")));
    retype(&mut h, "192.0.2.20", "192.0.2.30");
    h.press("<Ctrl-s>");
    let diff = h.screen_text();
    assert!(diff.contains("192.0.2.30"), "{diff}");
    h.press("y");
    settled(&mut h);
    assert_eq!(
        h.app.xml.as_ref().and_then(|e| e.libvirt_error.clone()),
        None
    );
    let net = own().lookup_network_by_name(name).expect("still there");
    assert_eq!(net.uuid_string().expect("uuid"), uuid, "the same network");
    assert!(net.xml_desc(0).expect("xml").contains("192.0.2.30"));
    // Its draft key is the network's UUID.
    assert_eq!(
        h.app.xml.as_ref().map(|e| e.target.key()),
        Some(format!("net-{uuid}"))
    );
}

#[test]
fn editing_a_pool_redefines_it_in_place() {
    let name = "zz-vdx-pool-edit";
    let _gone = PoolGone(own(), name);
    own()
        .define_storage_pool_xml(
            &format!(
                "<pool type='dir'><name>{name}</name><target><path>/srv/vdx-a</path></target></pool>"
            ),
            0,
        )
        .expect("define");
    let drafts = tempfile::tempdir().expect("tempdir");
    let mut h = start(drafts.path());
    h.app.open_view(ViewRequest::Pools);
    shown(&mut h, name);
    select_row(&mut h, name);
    h.press("e");
    settled(&mut h);
    assert!(buffer(&h).contains("/srv/vdx-a"), "{}", buffer(&h));
    retype(&mut h, "/srv/vdx-a", "/srv/vdx-b");
    h.press("<Ctrl-s>y");
    settled(&mut h);
    assert_eq!(
        h.app.xml.as_ref().and_then(|e| e.libvirt_error.clone()),
        None
    );
    let pool = own()
        .lookup_storage_pool_by_name(name)
        .expect("still there");
    assert!(pool.xml_desc(0).expect("xml").contains("/srv/vdx-b"));
    assert!(buffer(&h).contains("/srv/vdx-b"));
}

#[test]
fn an_invalid_network_shows_libvirts_reason_and_defines_nothing() {
    let name = "vdx-net-bad";
    let _gone = NetGone(own(), name);
    let drafts = tempfile::tempdir().expect("tempdir");
    let mut h = start(drafts.path());
    h.app.open_view(ViewRequest::Networks);
    shown(&mut h, "default");
    h.press("N");
    retype(&mut h, "new-network", name);
    // Malformed first: never sent.
    retype(&mut h, "<bridge ", "<bridge <");
    h.press("<Ctrl-s>");
    let ed = h.app.xml.as_ref().expect("editor");
    assert_eq!(ed.applying, None, "a malformed network was sent");
    assert!(ed.error.is_some());
    retype(&mut h, "<bridge <", "<forward mode='bogus'/><bridge ");
    let typed = buffer(&h);
    h.press("<Ctrl-s>y");
    settled(&mut h);
    let ed = h.app.xml.as_ref().expect("editor");
    let err = ed.libvirt_error.clone().expect("libvirt refused it");
    assert!(err.contains("bogus"), "{err}");
    assert_eq!(buffer(&h), typed, "the buffer is kept");
    assert!(matches!(ed.target, Target::NewNetwork { .. }));
    let screen = h.screen_text();
    assert!(screen.contains("libvirt refused it"), "{screen}");
    assert!(
        own().lookup_network_by_name(name).is_err(),
        "defined anyway"
    );
    insta::assert_snapshot!("xml_network_refused_100x30", screen);
}

#[test]
fn an_invalid_pool_shows_libvirts_reason_and_defines_nothing() {
    let name = "vdx-pool-bad";
    let _gone = PoolGone(own(), name);
    let drafts = tempfile::tempdir().expect("tempdir");
    let mut h = start(drafts.path());
    h.app.open_view(ViewRequest::Pools);
    shown(&mut h, "default-pool");
    h.press("N");
    retype(&mut h, "<name>new-pool", &format!("<name>{name}"));
    retype(&mut h, "type='dir'", "type='bogus'");
    let typed = buffer(&h);
    h.press("<Ctrl-s>y");
    settled(&mut h);
    let ed = h.app.xml.as_ref().expect("editor");
    let err = ed.libvirt_error.clone().expect("libvirt refused it");
    assert!(err.contains("bogus"), "{err}");
    assert_eq!(buffer(&h), typed);
    assert!(own().lookup_storage_pool_by_name(name).is_err());
    // The unapplied text is kept as the new pool's draft.
    h.press("<Esc>");
    h.app.flush_drafts();
    let drafts = virtdeck::xml::drafts::Drafts::new(drafts.path().to_path_buf());
    assert_eq!(drafts.load("new-pool").map(|d| d.text), Some(typed));
}

#[test]
fn a_network_undefined_by_another_client_is_flagged_and_defined_anew_only_when_asked() {
    let name = "vdx-net-vanish";
    let _gone = NetGone(own(), name);
    own()
        .define_network_xml(&format!(
            "<network><name>{name}</name><bridge name='vdxbr8'/></network>"
        ))
        .expect("define");
    let drafts = tempfile::tempdir().expect("tempdir");
    let mut h = start(drafts.path());
    h.app.open_view(ViewRequest::Networks);
    shown(&mut h, name);
    select_row(&mut h, name);
    h.press("e");
    settled(&mut h);
    retype(&mut h, "vdxbr8", "vdxbr9");
    own()
        .lookup_network_by_name(name)
        .and_then(|n| n.undefine())
        .expect("undefine from outside");
    let screen = shown(&mut h, "undefined by another client");
    assert!(screen.contains(&format!("network {name}")), "{screen}");
    // The first Ctrl-S only explains; the second defines it anew from the buffer.
    h.press("<Ctrl-s>y");
    assert!(h.screen_text().contains("Ctrl-S again defines it anew"));
    assert!(h.app.xml.as_ref().is_some_and(|e| e.applying.is_none()));
    assert!(own().lookup_network_by_name(name).is_err());
    h.press("<Ctrl-s>y");
    settled(&mut h);
    let net = own().lookup_network_by_name(name).expect("defined anew");
    assert!(net.xml_desc(0).expect("xml").contains("vdxbr9"));
    assert!(h.app.xml.as_ref().is_some_and(|e| e.gone.is_none()));
}

#[test]
fn a_pool_undefined_by_another_client_refuses_the_edit_then_defines_anew_when_asked() {
    let name = "vdx-pool-vanish";
    let _gone = PoolGone(own(), name);
    own()
        .define_storage_pool_xml(
            &format!(
                "<pool type='dir'><name>{name}</name><target><path>/srv/vdx-v</path></target></pool>"
            ),
            0,
        )
        .expect("define");
    let drafts = tempfile::tempdir().expect("tempdir");
    let mut h = start(drafts.path());
    h.app.open_view(ViewRequest::Pools);
    shown(&mut h, name);
    select_row(&mut h, name);
    h.press("e");
    settled(&mut h);
    retype(&mut h, "/srv/vdx-v", "/srv/vdx-w");
    own()
        .lookup_storage_pool_by_name(name)
        .and_then(|p| p.undefine())
        .expect("undefine from outside");
    // libvirt has no pool events: the define finds it gone, and changes nothing.
    h.press("<Ctrl-s>y");
    settled(&mut h);
    assert!(own().lookup_storage_pool_by_name(name).is_err());
    let ed = h.app.xml.as_ref().expect("editor");
    assert!(ed.gone.is_some(), "{:?}", ed.libvirt_error);
    assert!(buffer(&h).contains("/srv/vdx-w"));
    assert!(h.screen_text().contains("undefined by another client"));
    h.press("<Ctrl-s>y");
    settled(&mut h);
    let pool = own()
        .lookup_storage_pool_by_name(name)
        .expect("defined anew");
    assert!(pool.xml_desc(0).expect("xml").contains("/srv/vdx-w"));
}

#[test]
fn hints_in_the_network_and_pool_editors_come_from_their_schemas() {
    let drafts = tempfile::tempdir().expect("tempdir");
    let mut h = start(drafts.path());
    h.app.open_view(ViewRequest::Networks);
    shown(&mut h, "default");
    h.press("N");
    h.press("<Ctrl-Home>");
    h.press("<Ctrl-f>");
    type_text(&mut h, "</name>");
    h.press("<Enter>");
    for _ in 0.."</name>".len() {
        h.press("<Right>");
    }
    type_text(&mut h, "\n<forward mode='");
    h.press("<Ctrl-Space>");
    let screen = h.screen_text();
    for v in ["nat", "route", "bridge", "open"] {
        assert!(screen.contains(v), "{v} missing:\n{screen}");
    }
    insta::assert_snapshot!("xml_network_hint_100x30", screen);
    // A name the network schema does not know is flagged.
    h.press("<Esc>");
    type_text(&mut h, "nat'/>\n<vcpu>1</vcpu>");
    assert!(h.wait_until(T, |a| a.xml.as_ref().is_some_and(|e| !e.issues.is_empty())));
    let ed = h.app.xml.as_ref().expect("editor");
    assert!(
        ed.issues.iter().any(|i| i.message.contains("vcpu")),
        "{:?}",
        ed.issues
    );
    // Leave without keeping anything, then the pool editor's hints.
    h.app.xml = None;
    h.press("<Esc>");
    h.app.open_view(ViewRequest::Pools);
    shown(&mut h, "default-pool");
    h.press("N");
    h.press("<Ctrl-Home>");
    h.press("<Ctrl-f>type='dir'<Enter>");
    for _ in 0.."type='".len() {
        h.press("<Right>");
    }
    for _ in 0.."dir".len() {
        h.press("<Delete>");
    }
    h.press("<Ctrl-Space>");
    let screen = h.screen_text();
    for v in ["dir", "disk", "fs", "iscsi", "logical"] {
        assert!(screen.contains(v), "{v} missing:\n{screen}");
    }
}

#[test]
fn the_palette_opens_over_a_network_editor_and_the_view_below_stays_covered() {
    let drafts = tempfile::tempdir().expect("tempdir");
    let mut h = start(drafts.path());
    h.app.open_view(ViewRequest::Networks);
    shown(&mut h, "default");
    h.press("N");
    assert_eq!(h.app.layers.len(), 1, "the networks view under the editor");
    h.press("<Ctrl-p>");
    assert_eq!(h.app.layers.len(), 2, "the palette over the editor");
    let screen = h.screen_text();
    assert!(
        !screen.contains("networks ("),
        "the view is drawn:\n{screen}"
    );
    assert!(screen.contains("new network"), "{screen}");
    h.press("<Esc>");
    assert_eq!(h.app.layers.len(), 1, "Esc closed the palette only");
    // Keys go to the editor again, not to the networks view under it.
    let before = buffer(&h);
    type_text(&mut h, "s");
    assert_ne!(buffer(&h), before);
    assert!(h.app.xml.is_some());
}
