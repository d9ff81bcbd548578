//! The snapshot dialogs as a layer: keys of the create form, the revert and delete
//! confirmations and the XML viewer, and the commands they send.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;

use crate::action::{Action, Scope};
use crate::app::Level;
use crate::backend::snapshots::{AfterRevert, CreateSpec, DeleteMode, SnapshotCmd, invalid_name};
use crate::backend::storage::{StorageCmd, StorageEvent};
use crate::backend::{BackendEvent, Command, RequestId};
use crate::ui::layer::{Ctx, DrawCtx, Effect, Flow, Layer};
use crate::ui::snapshots::dialogs::{self as snapshot_dialogs, CreateForm, SnapDialog};
use crate::ui::snapshots::disk_files;
use crate::ui::text::escape;
use crate::ui::widgets::Edit;

/// One open snapshot dialog.
pub struct SnapshotDialog {
    pub dialog: SnapDialog,
    /// Names of the domain's snapshots, so the form refuses a duplicate before libvirt.
    pub existing: Vec<String>,
    /// The storage question this dialog waits on: the domain's disks (create form) or
    /// which files an external snapshot leaves (delete).
    pub waiting: Option<RequestId>,
}

impl SnapshotDialog {
    pub fn new(dialog: SnapDialog) -> SnapshotDialog {
        SnapshotDialog {
            dialog,
            existing: Vec::new(),
            waiting: None,
        }
    }

    /// Asks the backend what the dialog needs to show: the disks for the create form's
    /// overlay files, the remaining files and their chains for an external delete.
    pub fn ask_storage(&mut self, cx: &mut Ctx) {
        let req = cx.reqs.allocate();
        let cmd = match &self.dialog {
            SnapDialog::Create { id, .. } => StorageCmd::Disks {
                req,
                id: id.clone(),
            },
            SnapDialog::Delete {
                id,
                snapshot,
                files,
                ..
            } if !files.is_empty() => StorageCmd::SnapshotFiles {
                req,
                id: id.clone(),
                snapshot: snapshot.clone(),
            },
            _ => return,
        };
        let host = match &self.dialog {
            SnapDialog::Create { id, .. } | SnapDialog::Delete { id, .. } => id.host,
            _ => return,
        };
        self.waiting = Some(req);
        cx.send(Command::Storage(host, cmd));
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
            form.edited(form.field);
        }
        Flow::Consumed
    }

    fn on_backend(&mut self, ev: &BackendEvent, _cx: &mut Ctx) {
        let BackendEvent::Storage(_, ev) = ev else {
            return;
        };
        match (ev, &mut self.dialog) {
            (StorageEvent::Disks { req, result, .. }, SnapDialog::Create { form, .. })
                if Some(*req) == self.waiting =>
            {
                self.waiting = None;
                form.set_disks(result.clone());
            }
            (StorageEvent::SnapshotFiles { req, result }, SnapDialog::Delete { remaining, .. })
                if Some(*req) == self.waiting =>
            {
                self.waiting = None;
                *remaining = Some(result.clone());
            }
            _ => {}
        }
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
                Edit::Changed => {
                    form.edited(field);
                    return Flow::Consumed;
                }
                Edit::Accept | Edit::Cancel | Edit::Ignored => {}
            }
        }
        let count = form.field_count();
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
            Some(Action::NextField | Action::Down) => form.field = (field + 1) % count,
            Some(Action::PrevField | Action::Up) => form.field = (field + count - 1) % count,
            Some(Action::ToggleOption) => {
                if let Some(flag) = form.flag_mut(field) {
                    *flag = !*flag;
                }
                form.field = form.field.min(form.field_count() - 1);
            }
            _ => {}
        }
        Flow::Consumed
    }
}

/// The spec for the form, or why it is refused (before libvirt is asked).
pub fn validate_form(form: &CreateForm, existing: &[String]) -> Result<CreateSpec, String> {
    let mut name = Some(form.name.text.clone()).filter(|n| !n.is_empty());
    if let Some(n) = &name {
        if let Some(why) = invalid_name(n) {
            return Err(why);
        }
        if existing.iter().any(|s| s == n) {
            return Err(format!("a snapshot named '{}' already exists", escape(n)));
        }
    }
    let mut disk_files = Vec::new();
    if form.disk_only {
        match &form.disks_state {
            None => return Err("still reading the disks: a moment".into()),
            Some(Err(e)) => return Err(format!("cannot read the disks: {e}")),
            Some(Ok(())) if form.disks.is_empty() => {
                return Err("no disk can take an external overlay".into());
            }
            Some(Ok(())) => disk_files = disk_files::check(&form.disks)?,
        }
        // The default files carry the name shown: it must be the one created.
        if name.is_none() && !form.auto_name.is_empty() {
            name = Some(form.auto_name.clone());
        }
    }
    Ok(CreateSpec {
        name,
        description: form.description.text.clone(),
        disk_only: form.disk_only,
        disk_files,
        memory: form.memory && !form.disk_only,
        quiesce: form.quiesce,
        atomic: form.atomic,
    })
}
