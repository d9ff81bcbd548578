//! The XML editor as users meet it: completion the way editors do (a picked element comes
//! with its closing tag, or as `<name/>` when the schema says it is empty; `</` offers the
//! closing tag), unknown names marked as typed, Esc asking before closing, the F1 layout.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use virtdeck::ui::xml_editor::{Popup, Target, XmlEditor};
use virtdeck::xml::schema::SchemaIndex;

fn editor(text: &str) -> XmlEditor {
    let schema = SchemaIndex::load_default().expect("libvirt's domain.rng is installed");
    XmlEditor::new(Target::New, text, Arc::new(Ok(schema)))
}

fn key(ed: &mut XmlEditor, code: KeyCode) {
    ed.on_key(KeyEvent::new(code, KeyModifiers::NONE));
}

fn type_str(ed: &mut XmlEditor, s: &str) {
    for c in s.chars() {
        key(ed, KeyCode::Char(c));
    }
}

/// The buffer with `|` at the cursor.
fn with_cursor(ed: &XmlEditor) -> String {
    let mut lines: Vec<String> = ed.buf.lines().to_vec();
    let (r, c) = ed.buf.cursor;
    let at: usize = lines[r]
        .char_indices()
        .nth(c)
        .map_or(lines[r].len(), |(i, _)| i);
    lines[r].insert(at, '|');
    lines.join("\n")
}

/// Places the cursor just after the first `marker` and removes the marker.
fn at_marker(text: &str) -> XmlEditor {
    let i = text.find('|').expect("marker");
    let mut ed = editor(&text.replace('|', ""));
    let before = &text[..i];
    let row = before.matches('\n').count();
    let col = before[before.rfind('\n').map_or(0, |n| n + 1)..]
        .chars()
        .count();
    ed.buf.move_to((row, col), false);
    ed
}

fn pick(ed: &mut XmlEditor, item: &str) {
    let Some(Popup::Completion(c)) = &ed.popup else {
        panic!("no completion popup: {:?}", ed.popup);
    };
    let n = c.items.iter().position(|i| i == item).unwrap_or_else(|| {
        panic!("{item} not offered: {:?}", c.items);
    });
    for _ in 0..n {
        key(ed, KeyCode::Down);
    }
    key(ed, KeyCode::Enter);
}

#[test]
fn a_picked_element_comes_with_its_closing_tag() {
    let mut ed = at_marker("<domain type='kvm'>\n  |\n</domain>");
    type_str(&mut ed, "<");
    pick(&mut ed, "description");
    assert_eq!(
        with_cursor(&ed),
        "<domain type='kvm'>\n  <description>|</description>\n</domain>"
    );
}

#[test]
fn an_empty_element_is_written_self_closed() {
    let mut ed = at_marker(
        "<domain type='kvm'>\n  <devices>\n    <disk type='file' device='disk'>\n      |\n    </disk>\n  </devices>\n</domain>",
    );
    type_str(&mut ed, "<");
    pick(&mut ed, "target");
    assert!(
        with_cursor(&ed).contains("      <target|/>\n"),
        "{}",
        with_cursor(&ed)
    );
}

#[test]
fn ctrl_space_in_text_completes_a_whole_element() {
    let mut ed = at_marker("<domain type='kvm'>\n  |\n</domain>");
    ed.on_key(KeyEvent::new(KeyCode::Char(' '), KeyModifiers::CONTROL));
    pick(&mut ed, "title");
    assert!(
        with_cursor(&ed).contains("  <title>|</title>\n"),
        "{}",
        with_cursor(&ed)
    );
}

#[test]
fn typing_lt_slash_offers_the_closing_tag_of_the_open_element() {
    let mut ed = at_marker(
        "<domain type='kvm'>\n  <devices>\n    <disk type='file'>\n      <source file='/x'/>\n    |\n</domain>",
    );
    type_str(&mut ed, "</");
    pick(&mut ed, "disk");
    assert!(
        with_cursor(&ed).contains("    </disk>|\n"),
        "{}",
        with_cursor(&ed)
    );
    // Tab accepts too.
    key(&mut ed, KeyCode::Enter);
    type_str(&mut ed, "</");
    let Some(Popup::Completion(c)) = &ed.popup else {
        panic!("no popup after </");
    };
    assert_eq!(c.items, vec!["devices".to_string()]);
    key(&mut ed, KeyCode::Tab);
    assert!(
        with_cursor(&ed).contains("</devices>|"),
        "{}",
        with_cursor(&ed)
    );
}

fn screen(ed: &mut XmlEditor, w: u16, h: u16) -> String {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    let theme = virtdeck::config::Config::builtin().expect("config").theme;
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    term.draw(|f| virtdeck::ui::xml_editor::view::render(f, f.area(), ed, &theme))
        .expect("draw");
    let buf = term.backend().buffer().clone();
    (0..h)
        .map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn unknown_names_are_marked_as_typed_with_the_full_allowed_list_on_f2() {
    let mut ed = at_marker("<domain type='kvm'>\n  <vcpu>1</vcpu>\n  |\n</domain>");
    type_str(&mut ed, "<bogus/>");
    // Close the popup the '<' opened, if still there.
    if ed.popup.is_some() {
        key(&mut ed, KeyCode::Esc);
    }
    assert!(
        ed.issues.iter().any(|i| i.message.contains("<bogus>")),
        "{:?}",
        ed.issues
    );
    let s = screen(&mut ed, 100, 20);
    assert!(s.contains("unknown to the schema (F2)"), "{s}");
    assert!(s.contains("unknown element <bogus>"), "{s}");
    key(&mut ed, KeyCode::F(2));
    assert!(matches!(ed.popup, Some(Popup::Issues { .. })));
    let s = screen(&mut ed, 100, 60);
    // The whole list, not the first eight names: blkiotune and a name far down the list.
    for name in ["blkiotune", "vcpu", "devices", "seclabel"] {
        assert!(s.contains(name), "{name} missing from the F2 list:\n{s}");
    }
    key(&mut ed, KeyCode::Esc);
    // A misspelt attribute too.
    let mut ed = at_marker("<domain type='kvm'>\n  <vcpu |>1</vcpu>\n</domain>");
    type_str(&mut ed, "plcement='static'");
    ed.popup = None;
    ed.recheck();
    let i = ed
        .issues
        .iter()
        .find(|i| i.message.contains("plcement"))
        .unwrap_or_else(|| panic!("{:?}", ed.issues));
    assert!(
        i.message.contains("did you mean placement"),
        "{}",
        i.message
    );
    assert!(
        i.allowed.iter().any(|a| a == "placement"),
        "{:?}",
        i.allowed
    );
}

#[test]
fn esc_on_unapplied_changes_asks_first() {
    let mut ed = at_marker("<domain type='kvm'>\n  |\n</domain>");
    let out = ed.on_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
    assert_eq!(
        out,
        virtdeck::ui::xml_editor::Out::Close,
        "unchanged: closes at once"
    );
    type_str(&mut ed, "x");
    let out = ed.on_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
    assert_eq!(out, virtdeck::ui::xml_editor::Out::None);
    assert!(matches!(ed.popup, Some(Popup::CloseConfirm)));
    let s = screen(&mut ed, 100, 20);
    assert!(s.contains("keep them as a draft"), "{s}");
    // Esc goes back to editing, the text intact.
    let out = ed.on_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
    assert_eq!(out, virtdeck::ui::xml_editor::Out::None);
    assert!(ed.popup.is_none() && ed.modified());
    // d discards and closes.
    ed.on_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
    let out = ed.on_key(KeyEvent::new(KeyCode::Char('d'), KeyModifiers::NONE));
    assert_eq!(out, virtdeck::ui::xml_editor::Out::Close);
    assert!(!ed.modified());
}

#[test]
fn the_f1_overlay_keeps_keys_and_descriptions_apart() {
    let mut ed = editor("<domain type='kvm'/>");
    key(&mut ed, KeyCode::F(1));
    let s = screen(&mut ed, 80, 40);
    // The keys come from [keys.editor]; the widest (F3/Ctrl-n) sets the key column.
    let line = s
        .lines()
        .find(|l| l.contains("Ctrl-v") && l.contains("paste"))
        .unwrap_or_else(|| panic!("{s}"));
    assert!(line.contains("Ctrl-v  "), "{line}");
    assert!(!line.contains("Ctrl-vpaste"), "{line}");
    assert!(s.contains("F3/Ctrl-n"), "{s}");
    // Long descriptions wrap instead of being cut.
    assert!(s.contains("definition"), "{s}");
}

#[test]
fn a_large_document_is_checked_against_the_schema_when_typing_pauses() {
    let disks: String = (0..2000)
        .map(|i| format!("    <disk type='file' device='disk'><target dev='vd{i}'/></disk>\n"))
        .collect();
    let mut ed = at_marker(&format!(
        "<domain type='kvm'>\n  <devices>\n{disks}  </devices>\n  |\n</domain>"
    ));
    type_str(&mut ed, "<bogus/>");
    ed.popup = None;
    assert!(ed.error.is_none(), "{:?}", ed.error);
    assert!(ed.idle(), "the tick found work to do");
    assert!(
        ed.issues.iter().any(|i| i.message.contains("<bogus>")),
        "{:?}",
        ed.issues
    );
    assert!(!ed.idle(), "nothing more until the next change");
}

#[test]
fn the_editor_keys_come_from_keys_editor() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "[keys.editor]\neditor_issues = [\"Ctrl-g\"]\n").expect("write");
    let config = virtdeck::config::Config::load(Some(&path), None, false).expect("config");
    let mut ed = editor("<domain type='kvm'><bogus/></domain>");
    ed.keymap = Some(config.keymap);
    key(&mut ed, KeyCode::F(2));
    assert!(ed.popup.is_none(), "F2 no longer lists the unknown names");
    ed.on_key(KeyEvent::new(KeyCode::Char('g'), KeyModifiers::CONTROL));
    assert!(
        matches!(ed.popup, Some(Popup::Issues { .. })),
        "{:?}",
        ed.notice
    );
}
