//! Keys inside the XML editor's popups: the hints list, the diff, the F2 and F1 lists,
//! the close and draft questions and the find / load-file line.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::action::{Action, Scope};
use crate::ui::widgets::{Edit, LineInput};

use super::{Out, Popup, PromptKind, XmlEditor};

impl XmlEditor {
    pub(super) fn on_popup_key(&mut self, p: Popup, k: KeyEvent) -> Out {
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        match p {
            Popup::Completion(mut c) => {
                match self.action_in(&[Scope::Completion], &k) {
                    Some(Action::CompletionClose) => {}
                    Some(Action::CompletionPrev) => {
                        c.selected = c.selected.checked_sub(1).unwrap_or(c.items.len() - 1);
                        self.popup = Some(Popup::Completion(c));
                    }
                    Some(Action::CompletionNext) => {
                        c.selected = (c.selected + 1) % c.items.len();
                        self.popup = Some(Popup::Completion(c));
                    }
                    Some(Action::CompletionInsert) => {
                        self.accept(&c);
                        self.recheck();
                    }
                    _ => match k.code {
                        KeyCode::Char(ch) if !ctrl => {
                            // Keep typing through the popup; it follows a name being typed
                            // and closes on anything else.
                            let out = self.on_key(k);
                            let name_char =
                                ch.is_alphanumeric() || matches!(ch, '-' | '_' | ':' | '.');
                            if name_char && !matches!(self.popup, Some(Popup::Completion(_))) {
                                self.complete();
                            }
                            return out;
                        }
                        _ if self.editor_action(&k).map(|(a, _)| a)
                            == Some(Action::EditorBackspace) =>
                        {
                            let out = self.on_key(k);
                            self.complete();
                            return out;
                        }
                        _ => return self.on_key(k),
                    },
                }
                Out::None
            }
            Popup::Diff { lines, scroll } => {
                let page = self.view_size.1;
                let scroll = match self.action_in(&[Scope::EditorPopup], &k) {
                    Some(Action::DiffDefine) => return Out::Define(self.buf.text()),
                    Some(Action::PopupDown) => scroll + 1,
                    Some(Action::PopupUp) => scroll.saturating_sub(1),
                    Some(Action::PopupPageDown) => scroll + page,
                    Some(Action::PopupPageUp) => scroll.saturating_sub(page),
                    _ => {
                        self.notice = Some("not applied; the buffer is unchanged".into());
                        return Out::None;
                    }
                };
                self.popup = Some(Popup::Diff {
                    scroll: scroll.min(lines.len()),
                    lines,
                });
                Out::None
            }
            // The lists scroll; any other key closes them.
            Popup::Issues { scroll } => {
                if let Some(scroll) = self.list_scroll(scroll, &k) {
                    self.popup = Some(Popup::Issues { scroll });
                }
                Out::None
            }
            Popup::Help { scroll } => {
                if let Some(scroll) = self.list_scroll(scroll, &k) {
                    self.popup = Some(Popup::Help { scroll });
                }
                Out::None
            }
            Popup::CloseConfirm => match self.action_in(&[Scope::CloseQuestion], &k) {
                Some(Action::CloseKeep) => Out::Close,
                Some(Action::CloseDiscard) => {
                    // Back to the definition: closing then removes the draft.
                    let base = self.base.clone();
                    self.buf.set_text(&base);
                    Out::Close
                }
                Some(Action::CloseApply) => self.apply(),
                Some(Action::CloseBack) => Out::None,
                _ => {
                    self.popup = Some(Popup::CloseConfirm);
                    Out::None
                }
            },
            Popup::DraftOffer { text, age } => {
                match self.action_in(&[Scope::DraftOffer], &k) {
                    Some(Action::DraftRestore) => {
                        self.buf.set_text(&text);
                        self.notice = Some(format!(
                            "draft restored: {} to apply it, {} for the current definition",
                            self.key_name(Action::EditorApply),
                            self.key_name(Action::EditorReload)
                        ));
                        self.recheck();
                    }
                    Some(Action::DraftDiscard) => return Out::DiscardDraft,
                    Some(Action::DraftLater) => {
                        self.notice =
                            Some("draft kept for later; this is the current definition".into());
                    }
                    _ => self.popup = Some(Popup::DraftOffer { text, age }),
                }
                Out::None
            }
            Popup::Prompt { kind, input } => {
                let mut line = LineInput::new(input);
                let edit = match self.keymap() {
                    Some(km) => line.on_key(km, &k),
                    None => Edit::Ignored,
                };
                match edit {
                    Edit::Cancel => {}
                    Edit::Accept => match kind {
                        PromptKind::Search => {
                            // An empty search repeats the last one.
                            if !line.text.is_empty() {
                                self.last_search = line.text;
                            }
                            self.find_next();
                        }
                        PromptKind::OpenFile => return self.open_file(&line.text),
                    },
                    Edit::Changed | Edit::Ignored => {
                        self.popup = Some(Popup::Prompt {
                            kind,
                            input: line.text,
                        });
                    }
                }
                Out::None
            }
        }
    }

    /// The new scroll of a list popup (F2, F1) after `k`; `None`: any other key closes it.
    fn list_scroll(&self, scroll: usize, k: &KeyEvent) -> Option<usize> {
        let page = self.view_size.1.max(1);
        Some(match self.action_in(&[Scope::EditorPopup], k)? {
            Action::PopupDown => scroll + 1,
            Action::PopupUp => scroll.saturating_sub(1),
            Action::PopupPageDown => scroll + page,
            Action::PopupPageUp => scroll.saturating_sub(page),
            _ => return None,
        })
    }
}
