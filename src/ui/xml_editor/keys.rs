//! Keys inside the XML editor: editing, popups, and the requests it makes of the App.

use std::sync::OnceLock;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::action::{Action, Scope};
use crate::config::Keymap;

use super::{Out, Popup, PromptKind, XmlEditor};

/// The built-in keymap, for editors nobody gave the user's keymap (tests, benches).
fn builtin_keymap() -> Option<&'static Keymap> {
    static BUILTIN: OnceLock<Option<Keymap>> = OnceLock::new();
    BUILTIN
        .get_or_init(|| crate::config::Config::builtin().ok().map(|c| c.keymap))
        .as_ref()
}

/// The editor's keys for its help popup, from the keymap (`[keys.editor]`), plus the fixed
/// text-field keys.
pub fn help(keymap: Option<&Keymap>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Action::TABLE
        .iter()
        .filter(|i| i.scope == Scope::Editor)
        .map(|i| {
            let keys = keymap.map_or_else(String::new, |k| k.keys_label(i.action));
            let desc = i.description.trim_start_matches("XML editor: ").to_string();
            (keys, desc)
        })
        .filter(|(k, _)| !k.is_empty())
        .collect();
    out.push(("Shift-arrows".into(), "select".into()));
    out
}

impl XmlEditor {
    /// The keymap the editor's command keys come from: the user's (set by the App) or
    /// the built-in one.
    pub fn keymap(&self) -> Option<&Keymap> {
        self.keymap.as_ref().or_else(|| builtin_keymap())
    }

    /// The `[keys.editor]` action `k` means; Ctrl-Space arrives as NUL on some terminals.
    fn editor_action(&self, k: &KeyEvent) -> Option<Action> {
        if k.code == KeyCode::Null {
            return Some(Action::EditorComplete);
        }
        self.keymap()?.action_in(&[Scope::Editor], k)
    }

    /// Handles one key; returns what the App must do.
    pub fn on_key(&mut self, k: KeyEvent) -> Out {
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        let shift = k.modifiers.contains(KeyModifiers::SHIFT);
        if let Some(p) = self.popup.take() {
            return self.on_popup_key(p, k);
        }
        let action = self.editor_action(&k);
        let close = action == Some(Action::EditorClose);
        if self.loading.is_some() && !close {
            return Out::None;
        }
        if close && self.cancel_file_read() {
            return Out::None;
        }
        let before = self.buf.version;
        let out = match action {
            Some(Action::EditorClose) => {
                if self.modified() && !self.live {
                    self.popup = Some(Popup::CloseConfirm);
                    Out::None
                } else {
                    Out::Close
                }
            }
            Some(Action::EditorHelp) => {
                self.popup = Some(Popup::Help { scroll: 0 });
                Out::None
            }
            Some(Action::EditorApply) => self.apply(),
            Some(Action::EditorLive) => self.toggle(true),
            Some(Action::EditorSecure) => self.toggle(false),
            Some(Action::EditorExternal) => Out::ExternalEdit,
            Some(Action::EditorReload) => {
                if self.modified() {
                    let base = self.base.clone();
                    self.buf.set_text(&base);
                    self.notice = Some(
                        "reverted to the loaded definition (undo brings your text back)".into(),
                    );
                }
                Out::None
            }
            Some(Action::EditorFind) => {
                self.popup = Some(Popup::Prompt {
                    kind: PromptKind::Search,
                    input: String::new(),
                });
                Out::None
            }
            Some(Action::EditorIssues) => {
                self.recheck();
                self.idle();
                if self.issues.is_empty() {
                    self.notice = Some("libvirt's schema knows every name here".into());
                } else {
                    self.popup = Some(Popup::Issues { scroll: 0 });
                }
                Out::None
            }
            Some(Action::EditorOpenFile) => {
                self.popup = Some(Popup::Prompt {
                    kind: PromptKind::OpenFile,
                    input: String::new(),
                });
                Out::None
            }
            Some(Action::EditorFindNext) => {
                self.find_next();
                Out::None
            }
            Some(Action::EditorComplete) => {
                if !self.complete() && self.notice.is_none() {
                    self.notice = Some("no schema hints here".into());
                }
                Out::None
            }
            _ if self.live => {
                self.navigate(k, shift, ctrl);
                if action == Some(Action::EditorCopy) {
                    self.copy(false);
                } else {
                    self.read_only_keys(k, ctrl);
                }
                Out::None
            }
            Some(Action::EditorUndo) => {
                self.buf.undo();
                Out::None
            }
            Some(Action::EditorRedo) => {
                self.buf.redo();
                Out::None
            }
            Some(Action::EditorCopy) => {
                self.copy(false);
                Out::None
            }
            Some(Action::EditorCut) => {
                self.copy(true);
                Out::None
            }
            Some(Action::EditorPaste) => {
                let clip = self.clipboard.clone();
                self.paste(&clip);
                Out::None
            }
            _ => match (k.code, ctrl) {
                (KeyCode::Char(c), false) => {
                    self.type_char(c);
                    Out::None
                }
                (KeyCode::Enter, _) => {
                    self.newline();
                    Out::None
                }
                (KeyCode::Tab, _) => {
                    self.buf.insert("  ");
                    Out::None
                }
                (KeyCode::Backspace, _) => {
                    self.buf.delete(true);
                    Out::None
                }
                (KeyCode::Delete, _) => {
                    self.buf.delete(false);
                    Out::None
                }
                _ => {
                    self.navigate(k, shift, ctrl);
                    Out::None
                }
            },
        };
        if self.buf.version != before {
            self.libvirt_error = None;
            self.recheck();
        }
        out
    }

    fn read_only_keys(&mut self, k: KeyEvent, ctrl: bool) {
        if matches!(
            k.code,
            KeyCode::Char(_) | KeyCode::Enter | KeyCode::Backspace | KeyCode::Delete
        ) && !ctrl
        {
            self.notice = Some(
                "the live XML is read-only: Ctrl-L returns to the persistent definition".into(),
            );
        }
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

    fn navigate(&mut self, k: KeyEvent, shift: bool, ctrl: bool) {
        let (r, c) = self.buf.cursor;
        let page = self.view_size.1.max(1);
        let last = self.buf.lines().len() - 1;
        let p = match k.code {
            KeyCode::Left if c > 0 => (r, c - 1),
            KeyCode::Left if r > 0 => (r - 1, self.buf.line_len(r - 1)),
            KeyCode::Right if c < self.buf.line_len(r) => (r, c + 1),
            KeyCode::Right if r < last => (r + 1, 0),
            KeyCode::Up => (r.saturating_sub(1), c),
            KeyCode::Down => ((r + 1).min(last), c),
            KeyCode::PageUp => (r.saturating_sub(page), c),
            KeyCode::PageDown => ((r + page).min(last), c),
            KeyCode::Home if ctrl => (0, 0),
            KeyCode::End if ctrl => (last, self.buf.line_len(last)),
            KeyCode::Home => {
                let ind = self.buf.lines()[r]
                    .chars()
                    .take_while(|c| c.is_whitespace())
                    .count();
                (r, if c == ind { 0 } else { ind })
            }
            KeyCode::End => (r, self.buf.line_len(r)),
            _ => return,
        };
        self.buf.move_to(p, shift);
    }

    fn find_next(&mut self) {
        match self.buf.find(&self.last_search, true) {
            Some(p) => self.buf.move_to(p, false),
            None if !self.last_search.is_empty() => {
                self.notice = Some(format!("not found: {}", self.last_search));
            }
            None => {}
        }
    }

    /// Ctrl-S: refuse malformed XML, else show the diff (with schema warnings) first.
    fn apply(&mut self) -> Out {
        if self.live {
            self.notice =
                Some("the live XML is read-only: Ctrl-L for the persistent definition".into());
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
            self.notice = Some("unapplied changes: apply (Ctrl-S) or revert (Ctrl-R) first; they are saved as a draft".into());
            return Out::None;
        }
        let (l, s) = if live {
            (!self.live, self.secure)
        } else {
            (self.live, !self.secure)
        };
        Out::Fetch { live: l, secure: s }
    }

    fn on_popup_key(&mut self, p: Popup, k: KeyEvent) -> Out {
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        match p {
            Popup::Completion(mut c) => {
                match k.code {
                    KeyCode::Esc => {}
                    KeyCode::Up => {
                        c.selected = c.selected.checked_sub(1).unwrap_or(c.items.len() - 1);
                        self.popup = Some(Popup::Completion(c));
                    }
                    KeyCode::Down => {
                        c.selected = (c.selected + 1) % c.items.len();
                        self.popup = Some(Popup::Completion(c));
                    }
                    KeyCode::Enter | KeyCode::Tab => {
                        self.accept(&c);
                        self.recheck();
                    }
                    KeyCode::Char(ch) if !ctrl => {
                        // Keep typing through the popup; it follows a name being typed and
                        // closes on anything else.
                        let out = self.on_key(k);
                        let name_char = ch.is_alphanumeric() || matches!(ch, '-' | '_' | ':' | '.');
                        if name_char && !matches!(self.popup, Some(Popup::Completion(_))) {
                            self.complete();
                        }
                        return out;
                    }
                    KeyCode::Backspace => {
                        let out = self.on_key(k);
                        self.complete();
                        return out;
                    }
                    _ => return self.on_key(k),
                }
                Out::None
            }
            Popup::Diff { lines, scroll } => match k.code {
                KeyCode::Char('y') | KeyCode::Enter => Out::Define(self.buf.text()),
                KeyCode::Down | KeyCode::Char('j') => {
                    self.popup = Some(Popup::Diff {
                        scroll: (scroll + 1).min(lines.len()),
                        lines,
                    });
                    Out::None
                }
                KeyCode::Up | KeyCode::Char('k') => {
                    self.popup = Some(Popup::Diff {
                        scroll: scroll.saturating_sub(1),
                        lines,
                    });
                    Out::None
                }
                KeyCode::PageDown | KeyCode::Char(' ') => {
                    let s = (scroll + self.view_size.1).min(lines.len());
                    self.popup = Some(Popup::Diff { scroll: s, lines });
                    Out::None
                }
                KeyCode::PageUp => {
                    let s = scroll.saturating_sub(self.view_size.1);
                    self.popup = Some(Popup::Diff { scroll: s, lines });
                    Out::None
                }
                _ => {
                    self.notice = Some("not applied; the buffer is unchanged".into());
                    Out::None
                }
            },
            Popup::Issues { scroll } => {
                match k.code {
                    KeyCode::Down | KeyCode::Char('j') => {
                        self.popup = Some(Popup::Issues { scroll: scroll + 1 })
                    }
                    KeyCode::Up | KeyCode::Char('k') => {
                        self.popup = Some(Popup::Issues {
                            scroll: scroll.saturating_sub(1),
                        })
                    }
                    _ => {}
                }
                Out::None
            }
            Popup::CloseConfirm => match k.code {
                KeyCode::Char('k') | KeyCode::Enter => Out::Close,
                KeyCode::Char('d') => {
                    // Back to the definition: closing then removes the draft.
                    let base = self.base.clone();
                    self.buf.set_text(&base);
                    Out::Close
                }
                KeyCode::Char('s') => self.apply(),
                KeyCode::Esc => Out::None,
                _ => {
                    self.popup = Some(Popup::CloseConfirm);
                    Out::None
                }
            },
            Popup::DraftOffer { text, age } => {
                match k.code {
                    KeyCode::Char('r') | KeyCode::Enter => {
                        self.buf.set_text(&text);
                        self.notice = Some(
                            "draft restored: Ctrl-S to apply it, Ctrl-R for the current definition"
                                .into(),
                        );
                        self.recheck();
                    }
                    KeyCode::Char('d') => return Out::DiscardDraft,
                    KeyCode::Esc => {
                        self.notice =
                            Some("draft kept for later; this is the current definition".into());
                    }
                    _ => self.popup = Some(Popup::DraftOffer { text, age }),
                }
                Out::None
            }
            Popup::Prompt { kind, mut input } => {
                match k.code {
                    KeyCode::Esc => {}
                    KeyCode::Enter => match kind {
                        PromptKind::Search => {
                            // An empty search repeats the last one.
                            if !input.is_empty() {
                                self.last_search = input;
                            }
                            self.find_next();
                        }
                        PromptKind::OpenFile => return self.open_file(&input),
                    },
                    KeyCode::Backspace => {
                        input.pop();
                        self.popup = Some(Popup::Prompt { kind, input });
                    }
                    KeyCode::Char('u') if ctrl => {
                        self.popup = Some(Popup::Prompt {
                            kind,
                            input: String::new(),
                        });
                    }
                    KeyCode::Char(c) if !ctrl => {
                        input.push(c);
                        self.popup = Some(Popup::Prompt { kind, input });
                    }
                    _ => self.popup = Some(Popup::Prompt { kind, input }),
                }
                Out::None
            }
            Popup::Help { scroll } => {
                match k.code {
                    KeyCode::Down | KeyCode::Char('j') => {
                        self.popup = Some(Popup::Help { scroll: scroll + 1 })
                    }
                    KeyCode::Up | KeyCode::Char('k') => {
                        self.popup = Some(Popup::Help {
                            scroll: scroll.saturating_sub(1),
                        })
                    }
                    _ => {}
                }
                Out::None
            }
        }
    }
}
