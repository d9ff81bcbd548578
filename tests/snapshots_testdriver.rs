//! Snapshot tree on libvirt's test driver: rendering, revert moving the current marker,
//! deletes checked through a second connection, and refused bad input.

mod common;

use std::time::Duration;

use common::{Harness, Options};
use virt::connect::Connect;
use virt::domain::Domain;
use virtdeck::ui::format::format_time;

const URI: &str = "test:///default";
const WAIT: Duration = Duration::from_secs(10);

/// A second client on the shared test:///default state.
struct Other {
    _conn: Connect,
    dom: Domain,
}

impl Other {
    /// Defines a shut-off domain `name` (unique per test: the state is process-wide).
    fn define(name: &str) -> Other {
        let conn = Connect::open(Some(URI)).expect("second connection");
        let xml = format!(
            "<domain type='test'><name>{name}</name><memory>65536</memory>\
             <os><type>hvm</type></os></domain>"
        );
        let dom = conn.define_domain_xml(&xml).expect("define test domain");
        Other { _conn: conn, dom }
    }

    /// Redefines snapshot `name` with a fixed creation time and parent, as libvirt would
    /// after a restore of metadata; the last one redefined becomes current.
    fn snapshot(&self, name: &str, parent: Option<&str>, created: i64) {
        let parent = parent.map_or(String::new(), |p| {
            format!("<parent><name>{p}</name></parent>")
        });
        let xml = format!(
            "<domainsnapshot><name>{name}</name><description>about {name}</description>\
             <state>shutoff</state>{parent}<creationTime>{created}</creationTime>\
             <memory snapshot='no'/>{}</domainsnapshot>",
            self.dom.xml_desc(0).expect("domain XML")
        );
        self.dom
            .create_snapshot_xml(
                &xml,
                virt::sys::VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE
                    | virt::sys::VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT,
            )
            .unwrap_or_else(|e| panic!("redefine {name}: {e}"));
    }

    fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .dom
            .list_all_snapshots(0)
            .expect("list snapshots")
            .iter()
            .map(|s| s.name().expect("name"))
            .collect();
        v.sort();
        v
    }

    fn current(&self) -> Option<String> {
        self.dom
            .current_snapshot(0)
            .ok()
            .and_then(|s| s.name().ok())
    }
}

impl Drop for Other {
    fn drop(&mut self) {
        let _ = self.dom.destroy();
        let _ = self
            .dom
            .undefine_flags(virt::sys::VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA);
    }
}

const T0: i64 = 1_700_000_000;

/// root ─┬─ base-a ─┬─ a1 ── a1x
///       │          └─ a2
///       └─ base-b (current)
/// Redefined out of creation order so the tree cannot just follow libvirt's order.
fn tree_domain(name: &str) -> Other {
    let o = Other::define(name);
    o.snapshot("root", None, T0);
    o.snapshot("base-a", Some("root"), T0 + 100);
    o.snapshot("a2", Some("base-a"), T0 + 300);
    o.snapshot("a1", Some("base-a"), T0 + 200);
    o.snapshot("a1x", Some("a1"), T0 + 500);
    o.snapshot("base-b", Some("root"), T0 + 400);
    o
}

/// The app with `name` selected and its snapshot tree focused and loaded.
fn app_on(name: &str) -> Harness {
    let mut h = Harness::start(Options {
        height: 30,
        width: 90,
        ..Options::new(URI)
    });
    assert!(
        h.wait_until(WAIT, |app| app.store.rows().any(|r| r.info.name == name)),
        "{name} never appeared in the list"
    );
    h.select(name);
    h.press("S");
    assert!(
        h.wait_until(WAIT, |app| app.snaps.loaded && app.snaps.pending.is_none()),
        "the snapshot list never arrived"
    );
    h
}

/// The tree part of each snapshot row (marker, rails, name), in screen order.
fn tree_rows(h: &mut Harness) -> Vec<String> {
    h.screen()
        .into_iter()
        .filter(|l| l.contains("shutoff") || l.contains("running"))
        .filter(|l| l.contains("  20") || l.contains("  19"))
        .map(|l| {
            let cut = l.find("  1").or_else(|| l.find("  2")).unwrap_or(l.len());
            l[..cut].trim_end().to_string()
        })
        .collect()
}

/// Waits until libvirt (seen from the second connection) satisfies `cond`.
fn wait_libvirt(o: &Other, mut cond: impl FnMut(&Other) -> bool) -> bool {
    let deadline = std::time::Instant::now() + WAIT;
    while std::time::Instant::now() < deadline {
        if cond(o) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

#[test]
fn a_three_level_tree_with_branches_renders_in_creation_order() {
    let _o = tree_domain("snap-td-tree");
    let mut h = app_on("snap-td-tree");
    assert_eq!(
        tree_rows(&mut h),
        [
            "   ▾ root",
            "   ├─▾ base-a",
            "   │ ├─▾ a1",
            "   │ │ └── a1x",
            "   │ └── a2",
            " ● └── base-b",
        ]
    );
    let text = h.screen_text();
    assert!(text.contains("6 snapshots  current: base-b"), "{text}");
    let base_b = h
        .screen()
        .into_iter()
        .find(|l| l.contains("└── base-b"))
        .expect("base-b row");
    assert!(base_b.contains(&format_time(T0 + 400)), "{base_b}");
    assert!(base_b.starts_with(" ● "), "{base_b}");
    // The details line shows the selected (current) snapshot's description.
    assert!(text.contains("about base-b"), "{text}");

    // Collapse base-a: its whole subtree disappears; expand brings it back.
    h.press("kkkk");
    h.press("<Enter>");
    assert_eq!(
        tree_rows(&mut h),
        ["   ▾ root", "   ├─▸ base-a", " ● └── base-b"]
    );
    h.press("<Enter>");
    assert_eq!(tree_rows(&mut h).len(), 6);

    // i shows the snapshot's XML as libvirt returns it.
    h.press("i");
    let text = h.screen_text();
    assert!(text.contains("<name>base-a</name>"), "{text}");
    h.press("<Esc>");
}

#[test]
fn revert_moves_the_current_marker_and_keeps_a_safety_snapshot() {
    let o = tree_domain("snap-td-revert");
    let mut h = app_on("snap-td-revert");
    // base-b is selected (current); up three rows is a1.
    h.press("kkk");
    assert_eq!(h.app.snaps.selected.as_deref(), Some("a1"));
    h.press("v");
    let text = h.screen_text();
    assert!(text.contains("Revert snap-td-revert to a1"), "{text}");
    assert!(
        text.contains("Lost: everything written to the disks since a1"),
        "{text}"
    );
    assert!(text.contains("safety snapshot"), "{text}");
    h.press("y");
    assert!(
        wait_libvirt(&o, |o| o.current().as_deref() == Some("a1")),
        "libvirt's current snapshot is {:?}",
        o.current()
    );
    assert!(
        h.wait_until(WAIT, |app| app
            .snaps
            .snapshots()
            .iter()
            .any(|s| s.name == "a1" && s.current)),
        "the marker did not move"
    );
    let rows = tree_rows(&mut h);
    assert!(rows.contains(&" ● │ ├─▾ a1".to_string()), "{rows:#?}");
    assert!(rows.contains(&"   └─▾ base-b".to_string()), "{rows:#?}");
    // The safety snapshot hangs under the old current one and exists in libvirt.
    let names = o.names();
    let safety = names
        .iter()
        .find(|n| n.starts_with("snap-td-revert-") && n.ends_with("-before-revert"))
        .unwrap_or_else(|| panic!("no safety snapshot in {names:?}"));
    // Long names are cut with an ellipsis to keep the columns.
    let head: String = format!("     └── {safety}").chars().take(30).collect();
    assert!(
        rows.iter().any(|r| r.starts_with(&head)),
        "{head} not in {rows:#?}\n{}",
        h.screen_text()
    );
}

#[test]
fn delete_with_children_removes_the_whole_branch() {
    let o = tree_domain("snap-td-delete");
    let mut h = app_on("snap-td-delete");
    h.press("kkkk");
    assert_eq!(h.app.snaps.selected.as_deref(), Some("base-a"));
    h.press("D");
    let text = h.screen_text();
    assert!(text.contains("Delete snapshot?"), "{text}");
    h.press("2");
    let text = h.screen_text();
    assert!(text.contains("Removes 4 snapshot(s): base-a,"), "{text}");
    h.press("y");
    assert!(
        wait_libvirt(&o, |o| o.names() == ["base-b", "root"]),
        "libvirt still has {:?}",
        o.names()
    );
    assert!(h.wait_until(WAIT, |app| app.snaps.snapshots().len() == 2));
    assert_eq!(tree_rows(&mut h), ["   ▾ root", " ● └── base-b"]);
}

#[test]
fn children_only_delete_and_a_refused_metadata_delete() {
    let o = tree_domain("snap-td-modes");
    let mut h = app_on("snap-td-modes");
    h.press("kkkk"); // base-a
    h.press("D3y");
    assert!(
        wait_libvirt(&o, |o| o.names() == ["base-a", "base-b", "root"]),
        "{:?}",
        o.names()
    );
    assert!(h.wait_until(WAIT, |app| app.snaps.snapshots().len() == 3));
    h.press("G"); // base-b, the last row
    assert_eq!(h.app.snaps.selected.as_deref(), Some("base-b"));
    // The test driver has no metadata-only delete: libvirt's refusal is shown and
    // nothing changes.
    h.press("D4y");
    assert!(
        h.wait_until(WAIT, |app| app.status.as_ref().is_some_and(|s| s
            .text
            .contains("--metadata failed: unsupported flags"))),
        "{:?}",
        h.app.status
    );
    assert_eq!(o.names(), ["base-a", "base-b", "root"]);
}

#[test]
fn bad_names_are_refused_before_libvirt_and_change_nothing() {
    let o = tree_domain("snap-td-bad");
    let mut h = app_on("snap-td-bad");
    let before = o.names();
    // Duplicate.
    h.press("Troot<Enter>");
    let text = h.screen_text();
    assert!(
        text.contains("a snapshot named 'root' already exists"),
        "{text}"
    );
    // A slash: the dialog stays open with the reason.
    h.press("<Ctrl-u>a/b<Enter>");
    let text = h.screen_text();
    assert!(text.contains("cannot contain '/'"), "{text}");
    // A control character (an escape sequence pasted into the field).
    h.press("<Ctrl-u>x\u{1b}[31m");
    h.app.handle(virtdeck::event::Event::Key(
        crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Char('\u{1b}'),
            crossterm::event::KeyModifiers::NONE,
        ),
    ));
    h.press("<Enter>");
    let text = h.screen_text();
    assert!(text.contains("control characters"), "{text}");
    h.press("<Esc>");
    std::thread::sleep(Duration::from_millis(200));
    h.pump();
    assert_eq!(o.names(), before, "libvirt changed");
}

#[test]
fn reverting_to_a_snapshot_another_client_deleted_fails_cleanly() {
    let o = tree_domain("snap-td-gone");
    let mut h = app_on("snap-td-gone");
    h.press("k"); // a2
    assert_eq!(h.app.snaps.selected.as_deref(), Some("a2"));
    let snap = virt::domain::Domain::lookup_snapshot_by_name(&o.dom, "a2", 0).expect("a2");
    snap.delete(0).expect("delete a2 from the other client");
    h.press("vy");
    assert!(
        h.wait_until(WAIT, |app| app
            .status
            .as_ref()
            .is_some_and(|s| s.text.contains("no longer exists"))),
        "status: {:?}",
        h.app.status
    );
    // Nothing changed: same current, no safety snapshot, and the tree re-read.
    assert_eq!(o.current().as_deref(), Some("base-b"));
    assert_eq!(o.names().len(), 5);
    assert!(h.wait_until(WAIT, |app| app.snaps.snapshots().len() == 5));
}

#[test]
fn quick_snapshot_key_on_a_running_domain() {
    let o = Other::define("snap-td-quick");
    o.dom.create().expect("start the test domain");
    let mut h = app_on("snap-td-quick");
    assert!(h.screen_text().contains("0 snapshots"));
    // Back to the list: the key works without the tree focused.
    h.press("<Esc>t");
    assert!(
        wait_libvirt(&o, |o| o.names().len() == 1),
        "no snapshot was taken"
    );
    let name = o.names().remove(0);
    let stamp = name
        .strip_prefix("snap-td-quick-")
        .unwrap_or_else(|| panic!("unexpected name {name}"));
    assert!(
        stamp.len() == 15
            && stamp.as_bytes()[8] == b'-'
            && stamp.replace('-', "").chars().all(|c| c.is_ascii_digit()),
        "{name}"
    );
    assert!(h.wait_until(WAIT, |app| app.snaps.snapshots().len() == 1));
    let s = &h.app.snaps.snapshots()[0];
    assert!(s.current && s.state == "running", "{s:?}");
}
