//! Keys inside the XML editor: editing and commands, and the requests it makes of the App.

use std::sync::OnceLock;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::action::{Action, Scope};
use crate::config::Keymap;
use crate::config::keymap::{Key, display};

use super::{Out, Popup, PromptKind, XmlEditor};

/// The built-in keymap, for editors nobody gave the user's keymap (tests, benches).
fn builtin_keymap() -> Option<&'static Keymap> {
    static BUILTIN: OnceLock<Option<Keymap>> = OnceLock::new();
    BUILTIN
        .get_or_init(|| crate::config::Config::builtin().ok().map(|c| c.keymap))
        .as_ref()
}

/// The scopes whose keys the editor's F1 help lists, in that order.
pub const HELP_SCOPES: &[Scope] = &[
    Scope::Editor,
    Scope::EditorText,
    Scope::Completion,
    Scope::EditorPopup,
    Scope::CloseQuestion,
    Scope::DraftOffer,
];

/// The editor's keys for its help popup, from the keymap (`[keys.editor]` and the
/// editor's other scopes).
pub fn help(keymap: Option<&Keymap>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = HELP_SCOPES
        .iter()
        .flat_map(|s| Action::TABLE.iter().filter(move |i| i.scope == *s))
        .map(|i| {
            let keys = keymap.map_or_else(String::new, |k| k.keys_label(i.action));
            let desc = i
                .description
                .trim_start_matches("XML editor: ")
                .trim_start_matches("XML editor ")
                .to_string();
            (keys, desc)
        })
        .filter(|(k, _)| !k.is_empty())
        .collect();
    out.push(("Shift-arrows".into(), "select".into()));
    out
}

/// Whether `a` moves the cursor (Shift with it extends the selection).
fn is_movement(a: Action) -> bool {
    matches!(
        a,
        Action::EditorLeft
            | Action::EditorRight
            | Action::EditorUp
            | Action::EditorDown
            | Action::EditorLineStart
            | Action::EditorLineEnd
            | Action::EditorPageUp
            | Action::EditorPageDown
            | Action::EditorDocStart
            | Action::EditorDocEnd
    )
}

/// Actions that change the text; refused while the live XML is shown.
fn is_edit(a: Action) -> bool {
    matches!(
        a,
        Action::EditorNewline
            | Action::EditorIndent
            | Action::EditorBackspace
            | Action::EditorDelete
            | Action::EditorUndo
            | Action::EditorRedo
            | Action::EditorCut
            | Action::EditorPaste
    )
}

impl XmlEditor {
    /// The keymap the editor's keys come from: the user's (set by the App) or the
    /// built-in one.
    pub fn keymap(&self) -> Option<&Keymap> {
        self.keymap.as_ref().or_else(|| builtin_keymap())
    }

    /// The scopes whose keys work now, most specific first (for the palette and help).
    pub fn scopes(&self) -> Vec<Scope> {
        match &self.popup {
            None => vec![Scope::Editor, Scope::EditorText],
            Some(Popup::Completion(_)) => vec![Scope::Completion, Scope::Editor, Scope::EditorText],
            Some(Popup::Diff { .. } | Popup::Issues { .. } | Popup::Help { .. }) => {
                vec![Scope::EditorPopup]
            }
            Some(Popup::CloseConfirm) => vec![Scope::CloseQuestion],
            Some(Popup::DraftOffer { .. }) => vec![Scope::DraftOffer],
            Some(Popup::Prompt { .. }) => vec![Scope::Input],
        }
    }

    /// The action `k` means in `scopes`.
    pub(super) fn action_in(&self, scopes: &[Scope], k: &KeyEvent) -> Option<Action> {
        self.keymap()?.action_in(scopes, k)
    }

    /// The `[keys.editor]` / `[keys.editor_text]` action `k` means, and whether Shift
    /// came with a text key bound without it (a movement then extends the selection).
    /// Ctrl-Space arrives as NUL on some terminals.
    pub(super) fn editor_action(&self, k: &KeyEvent) -> Option<(Action, bool)> {
        if k.code == KeyCode::Null {
            return Some((Action::EditorComplete, false));
        }
        let km = self.keymap()?;
        let key = Key::from_event(k);
        let shift = k.modifiers.contains(KeyModifiers::SHIFT);
        if let Some(a) = km.lookup(&[Scope::Editor, Scope::EditorText], &key) {
            // Shift the bound key does not hold (Ctrl-Shift-b for Ctrl-b) still selects.
            return Some((a, shift && !key.shift && is_movement(a)));
        }
        if shift {
            // Shift-Left for Left, Ctrl-Shift-B for Ctrl-b.
            let code = match key.code {
                KeyCode::Char(c) => KeyCode::Char(c.to_ascii_lowercase()),
                c => c,
            };
            let plain = Key {
                code,
                shift: false,
                ..key
            };
            return km
                .lookup(&[Scope::EditorText], &plain)
                .map(|a| (a, is_movement(a)));
        }
        None
    }

    /// Handles one key; returns what the App must do.
    pub fn on_key(&mut self, k: KeyEvent) -> Out {
        if let Some(p) = self.popup.take() {
            return self.on_popup_key(p, k);
        }
        let action = self.editor_action(&k);
        let close = action.is_some_and(|(a, _)| a == Action::EditorClose);
        if self.loading.is_some() && !close {
            return Out::None;
        }
        if close && self.cancel_file_read() {
            return Out::None;
        }
        let before = self.buf.version;
        let out = match action {
            Some((a, select)) => self.run(a, select),
            None => {
                let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
                if let (KeyCode::Char(c), false) = (k.code, ctrl) {
                    if self.live {
                        self.read_only_notice();
                    } else {
                        self.type_char(c);
                    }
                }
                Out::None
            }
        };
        self.after_change(before);
        out
    }

    /// Runs an editor action picked without a key (the palette); popups are left alone.
    pub fn on_action(&mut self, a: Action) -> Out {
        if self.popup.is_some() || (self.loading.is_some() && a != Action::EditorClose) {
            return Out::None;
        }
        let before = self.buf.version;
        let out = self.run(a, false);
        self.after_change(before);
        out
    }

    fn after_change(&mut self, before: u64) {
        if self.buf.version != before {
            self.libvirt_error = None;
            self.recheck();
        }
    }

    /// One `[keys.editor]` or `[keys.editor_text]` action; `select`: a movement extends
    /// the selection.
    fn run(&mut self, a: Action, select: bool) -> Out {
        match a {
            Action::EditorClose => {
                if self.modified() && !self.live {
                    self.popup = Some(Popup::CloseConfirm);
                    Out::None
                } else {
                    Out::Close
                }
            }
            Action::EditorHelp => {
                self.popup = Some(Popup::Help { scroll: 0 });
                Out::None
            }
            Action::EditorApply => self.apply(),
            Action::EditorLive => self.toggle(true),
            Action::EditorSecure => self.toggle(false),
            Action::EditorExternal => Out::ExternalEdit,
            Action::EditorPalette => Out::Palette,
            Action::EditorReload => {
                if self.modified() {
                    let base = self.base.clone();
                    self.buf.set_text(&base);
                    self.notice = Some(
                        "reverted to the loaded definition (undo brings your text back)".into(),
                    );
                }
                Out::None
            }
            Action::EditorFind => {
                self.popup = Some(Popup::Prompt {
                    kind: PromptKind::Search,
                    input: String::new(),
                });
                Out::None
            }
            Action::EditorIssues => {
                self.recheck();
                self.idle();
                if self.issues.is_empty() {
                    self.notice = Some("libvirt's schema knows every name here".into());
                } else {
                    self.popup = Some(Popup::Issues { scroll: 0 });
                }
                Out::None
            }
            Action::EditorOpenFile => {
                self.popup = Some(Popup::Prompt {
                    kind: PromptKind::OpenFile,
                    input: String::new(),
                });
                Out::None
            }
            Action::EditorFindNext => {
                self.find_next();
                Out::None
            }
            Action::EditorComplete => {
                if !self.complete() && self.notice.is_none() {
                    self.notice = Some("no schema hints here".into());
                }
                Out::None
            }
            Action::EditorCopy => {
                self.copy(false);
                Out::None
            }
            a if is_movement(a) => {
                self.navigate(a, select);
                Out::None
            }
            a if self.live && is_edit(a) => {
                self.read_only_notice();
                Out::None
            }
            Action::EditorUndo => {
                self.buf.undo();
                Out::None
            }
            Action::EditorRedo => {
                self.buf.redo();
                Out::None
            }
            Action::EditorCut => {
                self.copy(true);
                Out::None
            }
            Action::EditorPaste => {
                let clip = self.clipboard.clone();
                self.paste(&clip);
                Out::None
            }
            Action::EditorNewline => {
                self.newline();
                Out::None
            }
            Action::EditorIndent => {
                self.buf.insert("  ");
                Out::None
            }
            Action::EditorBackspace => {
                self.buf.delete(true);
                Out::None
            }
            Action::EditorDelete => {
                self.buf.delete(false);
                Out::None
            }
            // Not an editor action (the palette offers only the editor's).
            _ => Out::None,
        }
    }

    /// The first key bound to `a`, for messages (its name when it has none).
    pub fn key_name(&self, a: Action) -> String {
        self.keymap()
            .and_then(|k| k.keys(a).first().map(display))
            .unwrap_or_else(|| a.name().to_string())
    }

    fn read_only_notice(&mut self) {
        self.notice = Some(format!(
            "the live XML is read-only: {} returns to the persistent definition",
            self.key_name(Action::EditorLive)
        ));
    }

    /// Paste from the terminal or the editor's clipboard, as one undo step.
    pub fn paste(&mut self, text: &str) {
        if self.live || text.is_empty() {
            return;
        }
        self.buf
            .insert(&text.replace("\r\n", "\n").replace('\r', "\n"));
        self.libvirt_error = None;
        self.recheck();
    }

    fn copy(&mut self, cut: bool) {
        let (a, b) = match self.buf.selection() {
            Some(s) => s,
            None => {
                let r = self.buf.cursor.0;
                let end = if r + 1 < self.buf.lines().len() {
                    (r + 1, 0)
                } else {
                    (r, self.buf.line_len(r))
                };
                ((r, 0), end)
            }
        };
        self.clipboard = self.buf.slice(a, b);
        if cut {
            self.buf.replace(a, b, "");
        }
        self.buf.anchor = None;
    }

    fn type_char(&mut self, c: char) {
        // Typing the closing quote that was inserted automatically steps over it.
        let (r, col) = self.buf.cursor;
        if (c == '"' || c == '\'') && self.buf.selection().is_none() {
            let next = self.buf.lines()[r].chars().nth(col);
            let prev = col
                .checked_sub(1)
                .and_then(|p| self.buf.lines()[r].chars().nth(p));
            if next == Some(c) && prev != Some('=') {
                self.buf.move_to((r, col + 1), false);
                return;
            }
        }
        self.buf.insert(&c.to_string());
        // Offer names right after '<' and values right after an attribute's opening quote.
        let cur = self.buf.cursor;
        let line = &self.buf.lines()[cur.0];
        let before: String = line.chars().take(cur.1).collect();
        let end_tag = c == '/' && before.ends_with("</");
        if c == '<'
            || end_tag
            || ((c == '"' || c == '\'') && before.trim_end_matches(c).ends_with('='))
        {
            if c == '"' || c == '\'' {
                self.buf.insert(&c.to_string());
                self.buf.move_to((cur.0, cur.1), false);
            }
            self.complete();
        }
    }

    /// Enter with auto-indent: keep the line's indent, one level deeper after an open tag.
    fn newline(&mut self) {
        let (r, c) = self.buf.cursor;
        let line: Vec<char> = self.buf.lines()[r].chars().collect();
        let indent: String = line
            .iter()
            .take_while(|c| **c == ' ' || **c == '\t')
            .collect();
        let before: String = line[..c.min(line.len())].iter().collect();
        let after: String = line[c.min(line.len())..].iter().collect();
        let t = before.trim_end();
        let opens = t.ends_with('>')
            && !t.ends_with("/>")
            && !t.ends_with("-->")
            && !t.ends_with("?>")
            && t.rfind('<')
                .is_some_and(|i| !t[i..].starts_with("</") && !t[i..].starts_with("<!"));
        if opens && after.trim_start().starts_with("</") {
            self.buf.insert(&format!("\n{indent}  \n{indent}"));
            let cur = self.buf.cursor;
            self.buf
                .move_to((cur.0 - 1, indent.chars().count() + 2), false);
        } else if opens {
            self.buf.insert(&format!("\n{indent}  "));
        } else {
            self.buf.insert(&format!("\n{indent}"));
        }
    }

    fn navigate(&mut self, a: Action, select: bool) {
        let (r, c) = self.buf.cursor;
        let page = self.view_size.1.max(1);
        let last = self.buf.lines().len() - 1;
        let p = match a {
            Action::EditorLeft if c > 0 => (r, c - 1),
            Action::EditorLeft if r > 0 => (r - 1, self.buf.line_len(r - 1)),
            Action::EditorRight if c < self.buf.line_len(r) => (r, c + 1),
            Action::EditorRight if r < last => (r + 1, 0),
            Action::EditorUp => (r.saturating_sub(1), c),
            Action::EditorDown => ((r + 1).min(last), c),
            Action::EditorPageUp => (r.saturating_sub(page), c),
            Action::EditorPageDown => ((r + page).min(last), c),
            Action::EditorDocStart => (0, 0),
            Action::EditorDocEnd => (last, self.buf.line_len(last)),
            Action::EditorLineStart => {
                let ind = self.buf.lines()[r]
                    .chars()
                    .take_while(|c| c.is_whitespace())
                    .count();
                (r, if c == ind { 0 } else { ind })
            }
            Action::EditorLineEnd => (r, self.buf.line_len(r)),
            _ => return,
        };
        self.buf.move_to(p, select);
    }

    pub(super) fn find_next(&mut self) {
        match self.buf.find(&self.last_search, true) {
            Some(p) => self.buf.move_to(p, false),
            None if !self.last_search.is_empty() => {
                self.notice = Some(format!("not found: {}", self.last_search));
            }
            None => {}
        }
    }

    /// Ctrl-S: refuse malformed XML, else show the diff (with schema warnings) first.
    pub(super) fn apply(&mut self) -> Out {
        if self.live {
            self.notice = Some(format!(
                "the live XML is read-only: {} for the persistent definition",
                self.key_name(Action::EditorLive)
            ));
            return Out::None;
        }
        if self.applying.is_some() {
            return Out::None;
        }
        if let Some(e) = &self.error {
            self.notice = Some(format!(
                "not applied: fix line {}, column {} first",
                e.line, e.col
            ));
            return Out::None;
        }
        let text = self.buf.text();
        if !self.modified() && !self.target.is_new() {
            self.notice = Some("no changes to apply".into());
            return Out::None;
        }
        let mut lines: Vec<String> = self
            .schema_issues()
            .into_iter()
            .map(|i| format!("! line {}, column {}: {}", i.line, i.col, i.message))
            .collect();
        if !lines.is_empty() {
            lines.push("! libvirt decides: these names are flagged, not removed".into());
            lines.push(String::new());
        }
        let diff = similar::TextDiff::from_lines(&self.base, &text);
        let udiff = diff
            .unified_diff()
            .context_radius(2)
            .header("defined", "buffer")
            .to_string();
        lines.extend(udiff.lines().map(str::to_string));
        self.popup = Some(Popup::Diff { lines, scroll: 0 });
        Out::None
    }

    fn toggle(&mut self, live: bool) -> Out {
        if self.target.is_new() {
            return Out::None;
        }
        if self.modified() && !self.live {
            self.notice = Some(format!(
                "unapplied changes: apply ({}) or revert ({}) first; they are saved as a draft",
                self.key_name(Action::EditorApply),
                self.key_name(Action::EditorReload)
            ));
            return Out::None;
        }
        let (l, s) = if live {
            (!self.live, self.secure)
        } else {
            (self.live, !self.secure)
        };
        Out::Fetch { live: l, secure: s }
    }
}
