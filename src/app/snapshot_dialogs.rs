//! Keys inside the snapshot dialogs: the create form, revert and delete confirmations,
//! and the XML viewer.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{App, Level, Overlay};
use crate::backend::Command;
use crate::backend::snapshots::{AfterRevert, CreateSpec, DeleteMode, SnapshotCmd, invalid_name};
use crate::ui::popups::snapshot_dialogs::{CreateForm, FIELDS, SnapDialog};
use crate::ui::text::escape;

impl App {
    /// Keys inside a snapshot dialog; returns the dialog if it stays open.
    pub(super) fn on_snapshot_dialog_key(&mut self, d: SnapDialog, k: KeyEvent) -> Option<Overlay> {
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        let keep = |d| Some(Overlay::Snapshot(d));
        match d {
            SnapDialog::Xml {
                title,
                lines,
                scroll,
            } => match k.code {
                KeyCode::Char('j') | KeyCode::Down => keep(SnapDialog::Xml {
                    title,
                    lines,
                    scroll: scroll + 1,
                }),
                KeyCode::Char('k') | KeyCode::Up => keep(SnapDialog::Xml {
                    title,
                    lines,
                    scroll: scroll.saturating_sub(1),
                }),
                KeyCode::PageDown | KeyCode::Char(' ') => keep(SnapDialog::Xml {
                    title,
                    lines,
                    scroll: scroll + 10,
                }),
                KeyCode::PageUp => keep(SnapDialog::Xml {
                    title,
                    lines,
                    scroll: scroll.saturating_sub(10),
                }),
                _ => None,
            },
            SnapDialog::Create {
                id,
                domain,
                running,
                mut form,
            } => {
                match k.code {
                    KeyCode::Esc => {
                        self.set_status(Level::Warn, "snapshot: cancelled");
                        return None;
                    }
                    KeyCode::Enter => match self.validate_form(&form) {
                        Err(e) => form.error = Some(e),
                        Ok(spec) => {
                            let req = self.next_request();
                            self.backend.send(Command::Snapshot(SnapshotCmd::Create {
                                req,
                                id,
                                domain,
                                spec,
                            }));
                            return None;
                        }
                    },
                    KeyCode::Tab | KeyCode::Down => form.field = (form.field + 1) % FIELDS.len(),
                    KeyCode::BackTab | KeyCode::Up => {
                        form.field = (form.field + FIELDS.len() - 1) % FIELDS.len()
                    }
                    KeyCode::Backspace => {
                        match form.field {
                            0 => form.name.pop(),
                            1 => form.description.pop(),
                            _ => None,
                        };
                    }
                    KeyCode::Char('u') if ctrl => match form.field {
                        0 => form.name.clear(),
                        1 => form.description.clear(),
                        _ => {}
                    },
                    KeyCode::Char(c) if !ctrl => match form.field {
                        0 => form.name.push(c),
                        1 => form.description.push(c),
                        i if c == ' ' || c == 'x' => {
                            if let Some(flag) = form.flag_mut(i) {
                                *flag = !*flag;
                            }
                        }
                        _ => {}
                    },
                    _ => {}
                }
                keep(SnapDialog::Create {
                    id,
                    domain,
                    running,
                    form,
                })
            }
            SnapDialog::Revert {
                id,
                domain,
                snapshot,
                mut after,
                mut safety,
                force,
                lost,
            } => {
                match k.code {
                    KeyCode::Char('y') | KeyCode::Char('Y') if !ctrl => {
                        let req = self.next_request();
                        let dialog = SnapDialog::Revert {
                            id: id.clone(),
                            domain: domain.clone(),
                            snapshot: snapshot.clone(),
                            after,
                            safety,
                            force,
                            lost: lost.clone(),
                        };
                        self.snaps.reverts.insert(req, dialog);
                        self.backend.send(Command::Snapshot(SnapshotCmd::Revert {
                            req,
                            id,
                            domain,
                            snapshot,
                            after,
                            force,
                            safety,
                        }));
                        return None;
                    }
                    KeyCode::Char('a') => after = AfterRevert::AsSnapshot,
                    KeyCode::Char('r') => after = AfterRevert::Running,
                    KeyCode::Char('p') => after = AfterRevert::Paused,
                    KeyCode::Char('b') if !force => safety = !safety,
                    _ => {
                        self.set_status(Level::Warn, "revert: cancelled");
                        return None;
                    }
                }
                keep(SnapDialog::Revert {
                    id,
                    domain,
                    snapshot,
                    after,
                    safety,
                    force,
                    lost,
                })
            }
            SnapDialog::Delete {
                id,
                domain,
                snapshot,
                mut mode,
                children,
                files,
            } => {
                let i = DeleteMode::ALL.iter().position(|m| *m == mode).unwrap_or(0);
                match k.code {
                    KeyCode::Char('y') | KeyCode::Char('Y') if !ctrl => {
                        if mode == DeleteMode::ChildrenOnly && children.is_empty() {
                            self.set_status(
                                Level::Warn,
                                "delete: it has no children; nothing was done",
                            );
                            return None;
                        }
                        let req = self.next_request();
                        self.backend.send(Command::Snapshot(SnapshotCmd::Delete {
                            req,
                            id,
                            domain,
                            snapshot,
                            mode,
                        }));
                        return None;
                    }
                    KeyCode::Char(c @ '1'..='4') => {
                        mode = DeleteMode::ALL[c as usize - '1' as usize]
                    }
                    KeyCode::Down | KeyCode::Char('j') | KeyCode::Tab => {
                        mode = DeleteMode::ALL[(i + 1) % 4]
                    }
                    KeyCode::Up | KeyCode::Char('k') | KeyCode::BackTab => {
                        mode = DeleteMode::ALL[(i + 3) % 4]
                    }
                    _ => {
                        self.set_status(Level::Warn, "delete: cancelled");
                        return None;
                    }
                }
                keep(SnapDialog::Delete {
                    id,
                    domain,
                    snapshot,
                    mode,
                    children,
                    files,
                })
            }
        }
    }

    /// The spec for the form, or why it is refused (before libvirt is asked).
    fn validate_form(&self, form: &CreateForm) -> Result<CreateSpec, String> {
        let name = if form.name.is_empty() {
            None
        } else {
            Some(form.name.clone())
        };
        if let Some(n) = &name {
            if let Some(why) = invalid_name(n) {
                return Err(why);
            }
            if self.snaps.snapshots().iter().any(|s| &s.name == n) {
                return Err(format!("a snapshot named '{}' already exists", escape(n)));
            }
        }
        Ok(CreateSpec {
            name,
            description: form.description.clone(),
            disk_only: form.disk_only,
            memory: form.memory && !form.disk_only,
            quiesce: form.quiesce,
            atomic: form.atomic,
        })
    }
}
