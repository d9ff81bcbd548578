//! The XML editor against libvirt's test driver: define round trip, libvirt's refusal shown
//! with the buffer intact, malformed XML never defined, drafts surviving a restart.

mod common;

use std::time::Duration;

use common::{Harness, Options};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use virt::connect::Connect;
use virtdeck::app::App;
use virtdeck::event::Event;

const T: Duration = Duration::from_secs(10);

/// A domain on the shared test:///default node, seen by the app and by this test's own
/// connection (our `virsh dumpxml --inactive`).
struct Shared {
    conn: Connect,
    name: String,
}

impl Shared {
    fn define(name: &str) -> Shared {
        let conn = Connect::open(Some("test:///default")).expect("open test:///default");
        let xml = format!(
            "<domain type='test'><name>{name}</name><memory unit='KiB'>1048576</memory>\
             <vcpu>1</vcpu><os><type>hvm</type></os><devices><disk type='file' device='disk'>\
             <driver name='qemu' type='qcow2'/><source file='/tmp/{name}.qcow2'/>\
             <target dev='vda' bus='virtio'/></disk></devices></domain>"
        );
        conn.define_domain_xml(&xml).expect("define test domain");
        Shared {
            conn,
            name: name.into(),
        }
    }

    fn inactive_xml(&self) -> String {
        let dom = self
            .conn
            .lookup_domain_by_name(&self.name)
            .expect("domain exists");
        dom.xml_desc(virt::sys::VIR_DOMAIN_XML_INACTIVE)
            .expect("dumpxml --inactive")
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        if let Ok(d) = self.conn.lookup_domain_by_name(&self.name) {
            let _ = d.undefine();
        }
    }
}

fn start(drafts: &std::path::Path) -> Harness {
    let mut h = Harness::start(Options::new("test:///default"));
    h.app.drafts_dir = Some(drafts.to_path_buf());
    h
}

fn open_editor(h: &mut Harness, name: &str) {
    assert!(h.wait_until(T, |a| a.store.rows().any(|r| r.info.name == name)));
    h.select(name);
    h.press("e");
    assert!(
        h.wait_until(T, |a| a.xml.as_ref().is_some_and(|e| e.loading.is_none())),
        "the XML did not load"
    );
}

/// Types `s` literally ('<' included), one key per character.
fn type_text(h: &mut Harness, s: &str) {
    for c in s.chars() {
        let k = if c == '\n' {
            KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)
        } else {
            KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
        };
        h.app.handle(Event::Key(k));
    }
}

fn buffer(app: &App) -> String {
    app.xml.as_ref().expect("editor open").buf.text()
}

fn settled(app: &App) -> bool {
    app.xml.as_ref().is_some_and(|e| e.applying.is_none())
}

#[test]
fn change_memory_and_a_device_then_apply() {
    let dom = Shared::define("vdtest-xml-roundtrip");
    let drafts = tempfile::tempdir().expect("tempdir");
    let mut h = start(drafts.path());
    open_editor(&mut h, &dom.name);
    assert!(buffer(&h.app).contains("<memory unit='KiB'>1048576</memory>"));
    let screen = h.screen_text();
    assert!(screen.contains("persistent definition"), "{screen}");
    assert!(screen.contains("✓ well-formed"), "{screen}");

    // Memory: find the value and retype it.
    h.press("<Ctrl-f>1048576<Enter>");
    h.press("<Delete><Delete><Delete><Delete><Delete><Delete><Delete>2097152");
    // A device: add a cache mode to the disk driver through the schema hints.
    h.press("<Ctrl-f>type='qcow2'<Enter>");
    for _ in 0.."type='qcow2'".len() {
        h.press("<Right>");
    }
    h.press(" cac<Ctrl-Space>");
    let screen = h.screen_text();
    assert!(
        screen.contains("cache"),
        "attribute hint missing:\n{screen}"
    );
    h.press("<Enter>");
    let screen = h.screen_text();
    for v in ["writeback", "writethrough", "none"] {
        assert!(screen.contains(v), "value hint {v} missing:\n{screen}");
    }
    h.press("none<Enter>");
    assert!(
        buffer(&h.app).contains("type='qcow2' cache=\"none\""),
        "{}",
        buffer(&h.app)
    );

    h.press("<Ctrl-s>");
    let screen = h.screen_text();
    assert!(
        screen.contains("+") && screen.contains("2097152"),
        "no diff:\n{screen}"
    );
    h.press("y");
    assert!(h.wait_until(T, settled));
    let ed = h.app.xml.as_ref().expect("editor");
    assert_eq!(ed.libvirt_error, None);
    let after = dom.inactive_xml();
    assert!(
        after.contains("<memory unit='KiB'>2097152</memory>"),
        "{after}"
    );
    assert!(after.contains("cache='none'"), "{after}");
    // The editor now shows libvirt's stored definition, and the list the new size.
    assert!(buffer(&h.app).contains("cache='none'"));
    assert!(h.wait_until(T, |a| {
        a.store
            .rows()
            .any(|r| r.info.name == dom.name && r.info.max_memory_kib == 2097152)
    }));
    assert!(h.screen_text().contains("defined"));
}

#[test]
fn libvirt_refuses_a_bad_enum_and_the_buffer_stays_as_typed() {
    let dom = Shared::define("vdtest-xml-badenum");
    let drafts = tempfile::tempdir().expect("tempdir");
    let mut h = start(drafts.path());
    open_editor(&mut h, &dom.name);
    let before = dom.inactive_xml();
    h.press("<Ctrl-f>bus='virtio'<Enter>");
    for _ in 0.."bus='".len() {
        h.press("<Right>");
    }
    h.press("<Delete><Delete><Delete><Delete><Delete><Delete>floppyx");
    let typed = buffer(&h.app);
    assert!(typed.contains("bus='floppyx'"), "{typed}");
    h.press("<Ctrl-s>y");
    assert!(h.wait_until(T, settled));
    let ed = h.app.xml.as_ref().expect("editor");
    let err = ed
        .libvirt_error
        .clone()
        .expect("libvirt refused the define");
    assert!(!err.trim().is_empty());
    assert_eq!(buffer(&h.app), typed, "the buffer changed");
    let key = match &ed.target {
        virtdeck::ui::xml_editor::Target::Domain { id, .. } => id.uuid.clone(),
        other => panic!("unexpected target {other:?}"),
    };
    let screen = h.screen_text();
    assert!(screen.contains("libvirt refused it"), "{screen}");
    assert_eq!(dom.inactive_xml(), before);
    // The unapplied text is also saved as a draft.
    let draft = virtdeck::xml::drafts::Drafts::new(drafts.path().to_path_buf());
    assert_eq!(draft.load(&key).map(|d| d.text), Some(typed));
}

#[test]
fn malformed_documents_are_never_defined() {
    let dom = Shared::define("vdtest-xml-malformed");
    let drafts = tempfile::tempdir().expect("tempdir");
    let mut h = start(drafts.path());
    open_editor(&mut h, &dom.name);
    let before = dom.inactive_xml();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/xml-malformed");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("corpus") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "xml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("fixture");
        let ed = h.app.xml.as_mut().expect("editor");
        ed.buf.set_text(&text);
        ed.recheck();
        let err = ed
            .error
            .clone()
            .unwrap_or_else(|| panic!("{} accepted", path.display()));
        h.press("<Ctrl-s>");
        let ed = h.app.xml.as_ref().expect("editor");
        assert_eq!(ed.applying, None, "{}: a define was sent", path.display());
        assert!(ed.popup.is_none(), "{}: the diff opened", path.display());
        let screen = h.screen_text();
        assert!(
            screen.contains(&format!("✗ {}:{}", err.line, err.col)),
            "{}: no marker\n{screen}",
            path.display()
        );
        n += 1;
    }
    assert!(n >= 30);
    // Nothing reached libvirt.
    h.pump();
    assert_eq!(dom.inactive_xml(), before);
}

#[test]
fn typographic_quotes_typed_show_the_error_at_their_place() {
    let dom = Shared::define("vdtest-xml-typo");
    let drafts = tempfile::tempdir().expect("tempdir");
    let mut h = start(drafts.path());
    open_editor(&mut h, &dom.name);
    h.press("<Ctrl-f>");
    type_text(&mut h, "<devices>\n");
    for _ in 0.."<devices>".len() {
        h.press("<Right>");
    }
    type_text(&mut h, "\n<graphics type=“vnc”/>");
    let ed = h.app.xml.as_ref().expect("editor");
    let err = ed.error.clone().expect("an error");
    assert!(err.message.contains("typographic quote"), "{err}");
    let line = &ed.buf.lines()[err.line - 1];
    assert_eq!(line.chars().nth(err.col - 1), Some('“'), "{line}");
    let screen = h.screen_text();
    assert!(screen.contains("typographic quote"), "{screen}");
}

#[test]
fn a_draft_survives_a_restart_and_is_offered_back() {
    let dom = Shared::define("vdtest-xml-draft");
    let drafts = tempfile::tempdir().expect("tempdir");
    {
        let mut h = start(drafts.path());
        open_editor(&mut h, &dom.name);
        h.press("<Ctrl-f>");
        type_text(&mut h, "</devices>\n<!-- draft note -->\n");
        assert!(buffer(&h.app).contains("<!-- draft note -->"));
        // A pause in typing (the UI ticks every second) writes the draft...
        std::thread::sleep(virtdeck::xml::drafts::IDLE);
        h.app.handle(Event::Tick);
        // ...then gone without closing the editor or quitting: like a kill.
    }
    let mut h = start(drafts.path());
    open_editor(&mut h, &dom.name);
    let screen = h.screen_text();
    assert!(screen.contains("Draft found"), "{screen}");
    assert!(!buffer(&h.app).contains("draft note"));
    h.press("r");
    assert!(
        buffer(&h.app).contains("<!-- draft note -->"),
        "{}",
        buffer(&h.app)
    );
    assert!(h.screen_text().contains("[modified]"));
}

/// Whether the app wrote a draft since the last call: the file is removed once seen.
fn draft_written(drafts: &std::path::Path) -> bool {
    let files: Vec<_> = std::fs::read_dir(drafts)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    for f in &files {
        std::fs::remove_file(f).expect("remove the draft");
    }
    !files.is_empty()
}

fn draft_text(drafts: &std::path::Path, app: &App) -> Option<String> {
    let key = app.xml.as_ref().expect("editor").target.key();
    virtdeck::xml::drafts::Drafts::new(drafts.to_path_buf())
        .load(&key)
        .map(|d| d.text)
}

#[test]
fn typing_writes_the_draft_a_few_times_not_per_key_and_never_loses_the_last_change() {
    let dom = Shared::define("vdtest-xml-draft-rate");
    let drafts = tempfile::tempdir().expect("tempdir");
    let mut h = start(drafts.path());
    open_editor(&mut h, &dom.name);
    // 400 keys with a tick after every 40 (ticks come every second; keys faster).
    let mut writes = 0;
    for i in 0..400 {
        type_text(&mut h, if i % 2 == 0 { "x" } else { "y" });
        if i % 40 == 39 {
            h.app.handle(Event::Tick);
        }
        writes += usize::from(draft_written(drafts.path()));
    }
    assert!(writes <= 2, "{writes} draft writes for 400 quick keys");
    // The pause writes it, with the last key.
    std::thread::sleep(virtdeck::xml::drafts::IDLE);
    h.app.handle(Event::Tick);
    let typed = buffer(&h.app);
    assert_eq!(draft_text(drafts.path(), &h.app), Some(typed));
    // A change, then the signal handlers' flush: on disk at once.
    type_text(&mut h, "z");
    h.app.flush_drafts();
    assert_eq!(draft_text(drafts.path(), &h.app), Some(buffer(&h.app)));
    // A change, then closing: on disk at once.
    type_text(&mut h, "w");
    let last = buffer(&h.app);
    let key = h.app.xml.as_ref().expect("editor").target.key();
    h.press("<Esc>");
    assert!(
        h.screen_text().contains("keep them as a draft"),
        "Esc asks first"
    );
    h.press("k");
    assert!(h.app.xml.is_none(), "the editor closed");
    let saved = virtdeck::xml::drafts::Drafts::new(drafts.path().to_path_buf()).load(&key);
    assert_eq!(saved.map(|d| d.text), Some(last));
}

/// Ctrl-O, the path, Enter: returns at once (the read runs on its own thread).
fn ctrl_o(h: &mut Harness, path: &std::path::Path) {
    h.press("<Ctrl-o>");
    type_text(h, &path.display().to_string());
    let t = std::time::Instant::now();
    h.press("<Enter>");
    assert!(t.elapsed() < Duration::from_secs(1), "Enter blocked the UI");
}

fn notice(app: &App) -> String {
    app.xml
        .as_ref()
        .and_then(|e| e.notice.clone())
        .unwrap_or_default()
}

#[test]
fn ctrl_o_reads_files_off_the_ui_thread_and_refuses_what_is_not_a_small_regular_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let drafts = tempfile::tempdir().expect("tempdir");
    let mut h = start(drafts.path());
    h.press("N");
    assert!(h.app.xml.is_some(), "the new-domain editor opened");
    let original = buffer(&h.app);
    let fifo = dir.path().join("fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo")
            .success()
    );
    let big = dir.path().join("disk.img");
    std::fs::File::create(&big)
        .and_then(|f| f.set_len(virtdeck::xml::fileload::MAX_FILE + 1))
        .expect("sparse file");
    let cases: [(&std::path::Path, &str); 5] = [
        (&fifo, "FIFO"),
        (std::path::Path::new("/dev/zero"), "device"),
        (dir.path(), "directory"),
        (&dir.path().join("missing.xml"), "No such file"),
        (&big, "larger than 16 MiB"),
    ];
    for (path, want) in cases {
        ctrl_o(&mut h, path);
        assert!(
            h.wait_until(T, |a| a.xml.as_ref().is_some_and(|e| e.reading.is_none())),
            "no answer for {}",
            path.display()
        );
        let n = notice(&h.app);
        assert!(n.contains(want), "{}: {n}", path.display());
        assert_eq!(buffer(&h.app), original, "{}", path.display());
    }
    // A normal file replaces the buffer.
    let file = dir.path().join("dom.xml");
    std::fs::write(
        &file,
        "<domain type='test'><name>from-file</name></domain>\n",
    )
    .expect("write");
    ctrl_o(&mut h, &file);
    assert!(h.wait_until(T, |a| buffer(a).contains("from-file")));
    assert!(notice(&h.app).contains("loaded"), "{}", notice(&h.app));
    // Esc while a read is pending cancels it: the result is ignored, the editor stays open.
    std::fs::write(&file, "<domain type='test'><name>late</name></domain>\n").expect("write");
    ctrl_o(&mut h, &file);
    h.press("<Esc>");
    assert!(
        h.app.xml.is_some(),
        "Esc cancelled the read, it did not close the editor"
    );
    assert!(notice(&h.app).contains("cancelled"), "{}", notice(&h.app));
    std::thread::sleep(Duration::from_millis(200));
    h.pump();
    assert!(
        !buffer(&h.app).contains("late"),
        "a cancelled read was applied"
    );
}

#[test]
fn a_hangup_writes_the_last_keystroke_to_the_draft_before_leaving() {
    let dom = Shared::define("vdtest-xml-draft-hup");
    let drafts = tempfile::tempdir().expect("tempdir");
    let mut h = start(drafts.path());
    open_editor(&mut h, &dom.name);
    type_text(&mut h, "hup");
    // Typing has not paused: the throttle has not written it yet.
    assert_eq!(draft_text(drafts.path(), &h.app), None);
    h.app
        .handle(Event::Signal(virtdeck::signals::ExitSignal::Hangup));
    assert!(h.app.should_quit());
    assert_eq!(draft_text(drafts.path(), &h.app), Some(buffer(&h.app)));
}
