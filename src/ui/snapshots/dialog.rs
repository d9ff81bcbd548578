//! The snapshot dialogs as a layer: keys of the create form, the revert and delete
//! confirmations and the XML viewer, and the commands they send.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;

use crate::action::{Action, Scope};
use crate::app::Level;
use crate::backend::Command;
use crate::backend::snapshots::{AfterRevert, CreateSpec, DeleteMode, SnapshotCmd, invalid_name};
use crate::ui::layer::{Ctx, DrawCtx, Effect, Flow, Layer};
use crate::ui::snapshots::dialogs::{self as snapshot_dialogs, CreateForm, FIELDS, SnapDialog};
use crate::ui::text::escape;
use crate::ui::widgets::Edit;

/// One open snapshot dialog.
pub struct SnapshotDialog {
    pub dialog: SnapDialog,
    /// Names of the domain's snapshots, so the form refuses a duplicate before libvirt.
    pub existing: Vec<String>,
}

impl SnapshotDialog {
    pub fn new(dialog: SnapDialog) -> SnapshotDialog {
        SnapshotDialog {
            dialog,
            existing: Vec::new(),
        }
    }
}

const DIALOG_SCOPES: &[Scope] = &[
    Scope::SnapshotDialog,
    Scope::Confirm,
    Scope::Input,
    Scope::Global,
];

impl Layer for SnapshotDialog {
    fn scopes(&self) -> &'static [Scope] {
        DIALOG_SCOPES
    }

    fn on_key(&mut self, k: &KeyEvent, cx: &mut Ctx) -> Flow {
        let action = cx.action(DIALOG_SCOPES, k);
        match &mut self.dialog {
            SnapDialog::Xml { scroll, .. } => {
                match action {
                    Some(Action::Down) => *scroll += 1,
                    Some(Action::Up) => *scroll = scroll.saturating_sub(1),
                    Some(Action::PageDown | Action::ToggleOption) => *scroll += 10,
                    Some(Action::PageUp) => *scroll = scroll.saturating_sub(10),
                    _ => return Flow::Close,
                }
                Flow::Consumed
            }
            SnapDialog::Create { .. } => self.on_form_key(k, action, cx),
            SnapDialog::Revert {
                after,
                safety,
                force,
                ..
            } => {
                match action {
                    Some(Action::ConfirmYes) => {}
                    Some(Action::RevertAsSnapshot) => *after = AfterRevert::AsSnapshot,
                    Some(Action::RevertRunning) => *after = AfterRevert::Running,
                    Some(Action::RevertPaused) => *after = AfterRevert::Paused,
                    Some(Action::RevertSafety) if !*force => *safety = !*safety,
                    _ => {
                        cx.status(Level::Warn, "revert: cancelled");
                        return Flow::Close;
                    }
                }
                if action != Some(Action::ConfirmYes) {
                    return Flow::Consumed;
                }
                let req = cx.reqs.allocate();
                cx.effects
                    .push(Effect::TrackRevert(req, self.dialog.clone()));
                if let SnapDialog::Revert {
                    id,
                    domain,
                    snapshot,
                    after,
                    safety,
                    force,
                    ..
                } = self.dialog.clone()
                {
                    cx.send(Command::Snapshot(SnapshotCmd::Revert {
                        req,
                        id,
                        domain,
                        snapshot,
                        after,
                        force,
                        safety,
                    }));
                }
                Flow::Close
            }
            SnapDialog::Delete {
                id,
                domain,
                snapshot,
                mode,
                children,
                ..
            } => {
                let i = DeleteMode::ALL.iter().position(|m| m == mode).unwrap_or(0);
                let digit = match action {
                    Some(Action::DeleteModeThis) => Some(0),
                    Some(Action::DeleteModeWithChildren) => Some(1),
                    Some(Action::DeleteModeChildrenOnly) => Some(2),
                    Some(Action::DeleteModeMetadata) => Some(3),
                    _ => None,
                };
                match (action, digit) {
                    (_, Some(d)) => *mode = DeleteMode::ALL[d],
                    (Some(Action::ConfirmYes), _) => {
                        if *mode == DeleteMode::ChildrenOnly && children.is_empty() {
                            cx.status(Level::Warn, "delete: it has no children; nothing was done");
                            return Flow::Close;
                        }
                        let req = cx.reqs.allocate();
                        cx.send(Command::Snapshot(SnapshotCmd::Delete {
                            req,
                            id: id.clone(),
                            domain: domain.clone(),
                            snapshot: snapshot.clone(),
                            mode: *mode,
                        }));
                        return Flow::Close;
                    }
                    (Some(Action::Down | Action::NextField), _) => {
                        *mode = DeleteMode::ALL[(i + 1) % 4]
                    }
                    (Some(Action::Up | Action::PrevField), _) => {
                        *mode = DeleteMode::ALL[(i + 3) % 4]
                    }
                    _ => {
                        cx.status(Level::Warn, "delete: cancelled");
                        return Flow::Close;
                    }
                }
                Flow::Consumed
            }
        }
    }

    fn on_paste(&mut self, text: &str, _cx: &mut Ctx) -> Flow {
        if let SnapDialog::Create { form, .. } = &mut self.dialog
            && let Some(input) = form.input_mut(form.field)
        {
            input.paste(text);
        }
        Flow::Consumed
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawCtx) {
        snapshot_dialogs::render(f, area, &self.dialog, cx.config);
    }

    fn hints(&self) -> Vec<Action> {
        vec![Action::ConfirmYes, Action::InputCancel]
    }
}

impl SnapshotDialog {
    /// The create form: text fields take printable keys, the rest moves or toggles.
    fn on_form_key(&mut self, k: &KeyEvent, action: Option<Action>, cx: &mut Ctx) -> Flow {
        let SnapDialog::Create {
            id, domain, form, ..
        } = &mut self.dialog
        else {
            return Flow::Ignored;
        };
        let field = form.field;
        if let Some(input) = form.input_mut(field) {
            match input.on_key(&cx.config.keymap, k) {
                Edit::Changed => return Flow::Consumed,
                Edit::Accept | Edit::Cancel | Edit::Ignored => {}
            }
        }
        match action {
            Some(Action::InputCancel) => {
                cx.status(Level::Warn, "snapshot: cancelled");
                return Flow::Close;
            }
            Some(Action::InputAccept) => match validate_form(form, &self.existing) {
                Err(e) => form.error = Some(e),
                Ok(spec) => {
                    let req = cx.reqs.allocate();
                    cx.send(Command::Snapshot(SnapshotCmd::Create {
                        req,
                        id: id.clone(),
                        domain: domain.clone(),
                        spec,
                    }));
                    return Flow::Close;
                }
            },
            Some(Action::NextField | Action::Down) => form.field = (field + 1) % FIELDS.len(),
            Some(Action::PrevField | Action::Up) => {
                form.field = (field + FIELDS.len() - 1) % FIELDS.len()
            }
            Some(Action::ToggleOption) => {
                if let Some(flag) = form.flag_mut(field) {
                    *flag = !*flag;
                }
            }
            _ => {}
        }
        Flow::Consumed
    }
}

/// The spec for the form, or why it is refused (before libvirt is asked).
pub fn validate_form(form: &CreateForm, existing: &[String]) -> Result<CreateSpec, String> {
    let name = Some(form.name.text.clone()).filter(|n| !n.is_empty());
    if let Some(n) = &name {
        if let Some(why) = invalid_name(n) {
            return Err(why);
        }
        if existing.iter().any(|s| s == n) {
            return Err(format!("a snapshot named '{}' already exists", escape(n)));
        }
    }
    Ok(CreateSpec {
        name,
        description: form.description.text.clone(),
        disk_only: form.disk_only,
        memory: form.memory && !form.disk_only,
        quiesce: form.quiesce,
        atomic: form.atomic,
    })
}
