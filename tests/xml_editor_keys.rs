//! The XML editor's keys all come from the keymap: its text keys (`[keys.editor_text]`),
//! the hints list (`[keys.completion]`), the diff / F2 / F1 popups (`[keys.editor_popup]`),
//! the close and draft questions and its prompt line (`[keys.input]`). A user's remap
//! works in each; a clash inside one of those scopes, or a printable key where text is
//! typed, is a config error naming the actions.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use virtdeck::config::Config;
use virtdeck::ui::xml_editor::{Out, Popup, PromptKind, Target, XmlEditor};
use virtdeck::xml::schema::SchemaIndex;

/// Loads the built-in config with `user` as the user's file.
fn load(user: &str) -> Result<Config, String> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("config.toml");
    std::fs::write(&path, user).expect("write config");
    Config::load(Some(&path), None, false)
}

/// An editor over `text` with `|` as the cursor, using the keys of the `user` config.
fn editor(user: &str, text: &str) -> XmlEditor {
    let schema = SchemaIndex::load_default().expect("libvirt's domain.rng is installed");
    let i = text.find('|').expect("cursor marker");
    let mut ed = XmlEditor::new(Target::New, &text.replace('|', ""), Arc::new(Ok(schema)));
    ed.keymap = Some(load(user).expect("config loads").keymap);
    let before = &text[..i];
    let row = before.matches('\n').count();
    let col = before[before.rfind('\n').map_or(0, |n| n + 1)..]
        .chars()
        .count();
    ed.buf.move_to((row, col), false);
    ed
}

fn press(ed: &mut XmlEditor, code: KeyCode, mods: KeyModifiers) -> Out {
    ed.on_key(KeyEvent::new(code, mods))
}

fn key(ed: &mut XmlEditor, code: KeyCode) -> Out {
    press(ed, code, KeyModifiers::NONE)
}

fn ctrl(ed: &mut XmlEditor, c: char) -> Out {
    press(ed, KeyCode::Char(c), KeyModifiers::CONTROL)
}

fn type_str(ed: &mut XmlEditor, s: &str) {
    for c in s.chars() {
        key(ed, KeyCode::Char(c));
    }
}

const DOMAIN: &str = "<domain type='kvm'>\n  <name>a</name>\n  |\n</domain>\n";

#[test]
fn remapped_text_keys_move_edit_and_select() {
    let user = "[keys.editor_text]\neditor_left = [\"Ctrl-b\"]\neditor_newline = [\"Alt-Enter\"]\n";
    let mut ed = editor(user, "<r>ab|</r>");
    ctrl(&mut ed, 'b');
    assert_eq!(ed.buf.cursor, (0, 4), "Ctrl-b moved left");
    key(&mut ed, KeyCode::Left);
    assert_eq!(ed.buf.cursor, (0, 4), "Left is no longer bound");
    // Shift with the remapped key selects.
    press(
        &mut ed,
        KeyCode::Char('b'),
        KeyModifiers::CONTROL | KeyModifiers::SHIFT,
    );
    assert_eq!(ed.buf.selection(), Some(((0, 3), (0, 4))));
    key(&mut ed, KeyCode::Right);
    key(&mut ed, KeyCode::Enter);
    assert_eq!(
        ed.buf.text(),
        "<r>ab</r>",
        "Enter no longer breaks the line"
    );
    press(&mut ed, KeyCode::Enter, KeyModifiers::ALT);
    assert_eq!(
        ed.buf.lines().len(),
        2,
        "Alt-Enter does: {:?}",
        ed.buf.text()
    );
}

#[test]
fn remapped_hint_keys_choose_and_letters_keep_typing() {
    let user =
        "[keys.completion]\ncompletion_next = [\"Ctrl-j\"]\ncompletion_insert = [\"Ctrl-o\"]\n";
    let mut ed = editor(user, DOMAIN);
    type_str(&mut ed, "<");
    let Some(Popup::Completion(c)) = &ed.popup else {
        panic!("no hints after <: {:?}", ed.popup);
    };
    let second = c.items[1].clone();
    ctrl(&mut ed, 'j');
    let Some(Popup::Completion(c)) = &ed.popup else {
        panic!("Ctrl-j closed the hints");
    };
    assert_eq!(c.selected, 1, "Ctrl-j chose the next item");
    ctrl(&mut ed, 'o');
    assert!(
        ed.buf.text().contains(&format!("<{second}")),
        "Ctrl-o inserted {second}: {}",
        ed.buf.text()
    );
    // j and k type, hints open or not.
    let mut ed = editor(user, DOMAIN);
    type_str(&mut ed, "<");
    assert!(matches!(ed.popup, Some(Popup::Completion(_))));
    type_str(&mut ed, "jk");
    assert!(ed.buf.text().contains("<jk"), "{}", ed.buf.text());
    // Enter is no longer the insert key: it goes on to the text (a new line).
    let mut ed = editor(user, DOMAIN);
    type_str(&mut ed, "<");
    let lines = ed.buf.lines().len();
    key(&mut ed, KeyCode::Enter);
    assert_eq!(ed.buf.lines().len(), lines + 1, "{}", ed.buf.text());
}

#[test]
fn remapped_diff_keys_scroll_and_define() {
    let user = "[keys.editor_popup]\ndiff_define = [\"D\"]\npopup_down = [\"n\"]\n";
    let mut ed = editor(user, DOMAIN);
    type_str(&mut ed, "<vcpu>2</vcpu>");
    ed.popup = None;
    ctrl(&mut ed, 's');
    assert!(matches!(ed.popup, Some(Popup::Diff { scroll: 0, .. })));
    key(&mut ed, KeyCode::Char('n'));
    assert!(
        matches!(ed.popup, Some(Popup::Diff { scroll: 1, .. })),
        "n scrolls the diff: {:?}",
        ed.popup
    );
    // y was the define key: now it leaves the diff without defining.
    assert_eq!(key(&mut ed, KeyCode::Char('y')), Out::None);
    assert!(ed.popup.is_none());
    ctrl(&mut ed, 's');
    let out = press(&mut ed, KeyCode::Char('D'), KeyModifiers::SHIFT);
    assert!(
        matches!(out, Out::Define(ref x) if x.contains("<vcpu>2</vcpu>")),
        "{out:?}"
    );
}

#[test]
fn remapped_list_keys_scroll_the_f2_and_f1_lists() {
    let user = "[keys.editor_popup]\npopup_down = [\"n\"]\npopup_up = [\"p\"]\n";
    let mut ed = editor(
        user,
        "<domain type='kvm'>\n  <bogus/>\n  <nope/>|\n</domain>\n",
    );
    key(&mut ed, KeyCode::F(2));
    assert!(
        matches!(ed.popup, Some(Popup::Issues { scroll: 0 })),
        "{:?}",
        ed.popup
    );
    key(&mut ed, KeyCode::Char('n'));
    key(&mut ed, KeyCode::Char('n'));
    key(&mut ed, KeyCode::Char('p'));
    assert!(
        matches!(ed.popup, Some(Popup::Issues { scroll: 1 })),
        "{:?}",
        ed.popup
    );
    // j is no longer a list key: it closes the list (and types nothing).
    let text = ed.buf.text();
    key(&mut ed, KeyCode::Char('j'));
    assert!(ed.popup.is_none());
    assert_eq!(ed.buf.text(), text);
    key(&mut ed, KeyCode::F(1));
    key(&mut ed, KeyCode::Char('n'));
    assert!(
        matches!(ed.popup, Some(Popup::Help { scroll: 1 })),
        "{:?}",
        ed.popup
    );
}

#[test]
fn remapped_close_question_keys() {
    let user = "[keys.close_question]\nclose_keep = [\"x\"]\nclose_back = [\"b\"]\n";
    let mut ed = editor(user, DOMAIN);
    type_str(&mut ed, "x");
    key(&mut ed, KeyCode::Esc);
    assert!(matches!(ed.popup, Some(Popup::CloseConfirm)));
    assert_eq!(
        key(&mut ed, KeyCode::Char('k')),
        Out::None,
        "k no longer keeps"
    );
    assert!(matches!(ed.popup, Some(Popup::CloseConfirm)));
    key(&mut ed, KeyCode::Esc);
    assert!(
        matches!(ed.popup, Some(Popup::CloseConfirm)),
        "Esc no longer goes back"
    );
    key(&mut ed, KeyCode::Char('b'));
    assert!(ed.popup.is_none() && ed.modified());
    key(&mut ed, KeyCode::Esc);
    assert_eq!(key(&mut ed, KeyCode::Char('x')), Out::Close);
    assert!(ed.modified(), "kept, not discarded");
}

#[test]
fn remapped_draft_offer_keys() {
    let user = "[keys.draft_offer]\ndraft_restore = [\"u\"]\ndraft_discard = [\"Ctrl-d\"]\n";
    let offer = |ed: &mut XmlEditor| {
        ed.popup = Some(Popup::DraftOffer {
            text: "<domain type='kvm'><name>draft</name></domain>".into(),
            age: "1 minute ago".into(),
        });
    };
    let mut ed = editor(user, DOMAIN);
    offer(&mut ed);
    key(&mut ed, KeyCode::Char('r'));
    assert!(
        matches!(ed.popup, Some(Popup::DraftOffer { .. })),
        "r no longer restores"
    );
    key(&mut ed, KeyCode::Char('u'));
    assert!(ed.buf.text().contains("draft"), "{}", ed.buf.text());
    offer(&mut ed);
    assert_eq!(key(&mut ed, KeyCode::Char('d')), Out::None);
    assert_eq!(ctrl(&mut ed, 'd'), Out::DiscardDraft);
}

#[test]
fn the_find_prompt_uses_the_input_keys() {
    let user = "[keys.input]\ninput_clear = [\"Ctrl-o\"]\ninput_accept = [\"Ctrl-g\"]\n";
    let mut ed = editor(user, "|<r>abc abd</r>");
    ctrl(&mut ed, 'f');
    type_str(&mut ed, "zz");
    ctrl(&mut ed, 'o');
    assert!(
        matches!(&ed.popup, Some(Popup::Prompt { kind: PromptKind::Search, input }) if input.is_empty()),
        "{:?}",
        ed.popup
    );
    type_str(&mut ed, "abd");
    key(&mut ed, KeyCode::Enter);
    assert!(
        matches!(ed.popup, Some(Popup::Prompt { .. })),
        "Enter no longer accepts"
    );
    ctrl(&mut ed, 'g');
    assert!(ed.popup.is_none());
    assert_eq!(ed.buf.cursor, (0, 7), "found abd");
}

#[test]
fn the_footer_and_questions_show_the_remapped_keys() {
    let user =
        "[keys.editor]\neditor_apply = [\"F9\"]\n[keys.close_question]\nclose_keep = [\"x\"]\n";
    let mut ed = editor(user, DOMAIN);
    let s = screen(&mut ed);
    assert!(s.contains("F9 apply"), "{s}");
    type_str(&mut ed, "x");
    key(&mut ed, KeyCode::Esc);
    let s = screen(&mut ed);
    assert!(s.contains("x  close and keep them as a draft"), "{s}");
    assert!(s.contains("apply them (F9)"), "{s}");
}

fn screen(ed: &mut XmlEditor) -> String {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    let theme = Config::builtin().expect("config").theme;
    let mut term = Terminal::new(TestBackend::new(100, 24)).expect("terminal");
    term.draw(|f| virtdeck::ui::xml_editor::view::render(f, f.area(), ed, &theme))
        .expect("draw");
    let buf = term.backend().buffer().clone();
    (0..24)
        .map(|y| (0..100).map(|x| buf[(x, y)].symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_clash_inside_an_editor_scope_names_both_actions() {
    let cases = [
        ("editor_text", "editor_left", "editor_right", "Ctrl-b"),
        (
            "completion",
            "completion_prev",
            "completion_close",
            "Ctrl-b",
        ),
        ("editor_popup", "popup_up", "diff_define", "x"),
        ("close_question", "close_keep", "close_apply", "x"),
        ("draft_offer", "draft_restore", "draft_discard", "x"),
        ("prompt", "prompt_home", "prompt_end", "Ctrl-b"),
    ];
    for (scope, a, b, k) in cases {
        let user = format!("[keys.{scope}]\n{a} = [\"{k}\"]\n{b} = [\"{k}\"]\n");
        let err = load(&user).expect_err(&user);
        assert!(err.contains(a) && err.contains(b), "{user}: {err}");
    }
    // The editor's commands and text keys are live together.
    let err = load("[keys.editor]\neditor_undo = [\"Left\"]\n").expect_err("clash");
    assert!(
        err.contains("editor_undo") && err.contains("editor_left"),
        "{err}"
    );
    // A popup shadows the editor on purpose: the same key there is no clash.
    load("[keys.completion]\ncompletion_next = [\"Ctrl-n\"]\n").expect("no clash");
}

#[test]
fn a_printable_key_where_text_is_typed_is_refused() {
    for (scope, action) in [
        ("completion", "completion_next"),
        ("editor_text", "editor_down"),
        ("editor", "editor_undo"),
        ("prompt", "prompt_left"),
    ] {
        let err = load(&format!("[keys.{scope}]\n{action} = [\"j\"]\n")).expect_err(action);
        assert!(err.contains(action) && err.contains("type"), "{err}");
    }
    // The popups that take no text may use letters.
    load("[keys.editor_popup]\npopup_down = [\"n\"]\n").expect("letters in a popup");
}
