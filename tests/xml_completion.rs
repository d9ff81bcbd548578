//! Completing in the XML editor the way editors do: a picked element comes with its closing
//! tag (or as `<name/>` when libvirt's schema says it is empty), and `</` offers the open
//! element's closing tag.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use virtdeck::ui::editor::{Popup, Target, XmlEditor};
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
