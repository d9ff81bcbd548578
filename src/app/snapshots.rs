//! The App's side of snapshots: keeping the pane's list current, the snapshot keys,
//! opening the dialogs, and the background jobs' progress.

use super::{App, Level};
use crate::action::Action;
use crate::backend::Command;
use crate::backend::snapshots::{
    AfterRevert, CreateSpec, DeleteMode, JobOutcome, SnapshotCmd, SnapshotEvent, SnapshotInfo,
};
use crate::ui::domains::detail::Tab;
use crate::ui::snapshots::dialog::SnapshotDialog;
use crate::ui::snapshots::dialogs::{CreateForm, SnapDialog};
use crate::ui::snapshots::pane::JobView;
use crate::ui::text::escape;

impl App {
    /// After every event: (re)reads the list when the tab shows another domain or a
    /// change made it stale. Nothing is read while the tab is hidden.
    pub(super) fn sync_snapshots(&mut self) {
        if self.tab != Tab::Snapshots {
            self.snaps.focused = false;
            return;
        }
        let sel = self.view.selected().cloned();
        if sel != self.snaps.domain {
            self.snaps.switch_to(sel);
            self.request_snapshot_list();
        } else if self.snaps.stale {
            self.request_snapshot_list();
        }
    }

    fn request_snapshot_list(&mut self) {
        self.snaps.stale = false;
        let Some(id) = self.snaps.domain.clone() else {
            return;
        };
        let req = self.reqs.allocate();
        self.snaps.pending = Some(req);
        self.backend
            .send(Command::Snapshot(SnapshotCmd::List { req, id }));
    }

    pub(super) fn on_snapshot_event(&mut self, ev: SnapshotEvent) {
        self.dirty = true;
        match ev {
            SnapshotEvent::List { req, id, result } => {
                if self.snaps.pending != Some(req) || self.snaps.domain.as_ref() != Some(&id) {
                    return; // a reply for an older selection
                }
                self.snaps.pending = None;
                match result {
                    Ok(list) => self.snaps.set_list(list),
                    Err(e) => {
                        self.snaps.error = Some(e);
                        self.snaps.loaded = true;
                    }
                }
            }
            SnapshotEvent::JobStarted { req, id, what } => {
                self.snaps.jobs.retain(|j| j.req != req);
                self.snaps.jobs.push(JobView {
                    req,
                    id,
                    what: what.clone(),
                    elapsed: Default::default(),
                    percent: None,
                });
                self.set_status(Level::Info, format!("{what}…"));
            }
            SnapshotEvent::JobProgress {
                req,
                elapsed,
                percent,
                ..
            } => {
                if let Some(j) = self.snaps.jobs.iter_mut().find(|j| j.req == req) {
                    j.elapsed = elapsed;
                    j.percent = percent;
                    let line = j.line();
                    self.set_status(Level::Info, line);
                }
            }
            SnapshotEvent::JobFinished {
                req,
                id,
                what,
                outcome,
            } => {
                self.snaps.jobs.retain(|j| j.req != req);
                let retry = self.snaps.reverts.remove(&req);
                match outcome {
                    JobOutcome::Done(m) => self.set_status(Level::Info, format!("{m}: done")),
                    JobOutcome::Failed(m) => {
                        self.set_status(Level::Error, format!("{what} failed: {m}"))
                    }
                    JobOutcome::NeedsForce(m) => {
                        self.set_status(Level::Warn, format!("{what}: {m}"));
                        if let Some(SnapDialog::Revert {
                            id,
                            domain,
                            snapshot,
                            after,
                            mut lost,
                            ..
                        }) = retry
                        {
                            lost.push(format!("libvirt: {m}"));
                            self.layers
                                .push(Box::new(SnapshotDialog::new(SnapDialog::Revert {
                                    id,
                                    domain,
                                    snapshot,
                                    after,
                                    // The safety snapshot, if any, was already taken.
                                    safety: false,
                                    force: true,
                                    lost,
                                })));
                        }
                    }
                }
                if self.snaps.domain.as_ref() == Some(&id) {
                    self.snaps.stale = true;
                }
            }
        }
    }

    /// Navigation keys while the tree has the focus; returns whether the key was used.
    pub(super) fn on_tree_key(&mut self, action: Action) -> bool {
        if !(self.snaps.focused && self.tab == Tab::Snapshots) {
            return false;
        }
        match action {
            Action::Up => self.snaps.move_by(-1),
            Action::Down => self.snaps.move_by(1),
            Action::PageUp => self.snaps.move_by(-5),
            Action::PageDown => self.snaps.move_by(5),
            Action::Top => self.snaps.select_edge(false),
            Action::Bottom => self.snaps.select_edge(true),
            Action::ClearFilter => self.snaps.focused = false,
            Action::Refresh => {
                self.snaps.stale = true;
                self.set_status(Level::Info, "re-reading snapshots…");
            }
            _ => return false,
        }
        true
    }

    pub(super) fn on_snapshot_action(&mut self, action: Action) {
        if action == Action::SnapshotFocus {
            if self.tab == Tab::Snapshots && self.snaps.focused {
                self.snaps.focused = false;
            } else {
                self.tab = Tab::Snapshots;
                self.snaps.focused = true;
            }
            return;
        }
        if action.is_mutating() && self.refuse_mutation(action) {
            return;
        }
        let Some(row) = self.selected_row() else {
            return;
        };
        let id = row.info.id.clone();
        let domain = row.info.name.clone();
        let running = row.info.state.state.is_active();
        match action {
            Action::SnapshotQuick => {
                let req = self.reqs.allocate();
                self.set_status(
                    Level::Info,
                    format!(
                        "snapshot of {}…   (virsh snapshot-create-as {})",
                        escape(&domain),
                        escape(&domain)
                    ),
                );
                self.send(Command::Snapshot(SnapshotCmd::Create {
                    req,
                    id,
                    domain,
                    spec: CreateSpec::quick(),
                }));
            }
            Action::SnapshotCreate => {
                let existing = self
                    .snaps
                    .snapshots()
                    .iter()
                    .map(|s| s.name.clone())
                    .collect();
                self.layers.push(Box::new(SnapshotDialog {
                    dialog: SnapDialog::Create {
                        id,
                        domain,
                        running,
                        form: CreateForm::new(running),
                    },
                    existing,
                }));
            }
            _ => self.on_selected_snapshot(action, id, domain, running),
        }
    }

    /// Revert, delete, expand and XML need a snapshot picked in the tree.
    fn on_selected_snapshot(
        &mut self,
        action: Action,
        id: crate::backend::DomainId,
        domain: String,
        running: bool,
    ) {
        let usable = self.tab == Tab::Snapshots && self.snaps.domain.as_ref() == Some(&id);
        let Some(snap) = self.snaps.selected_info().filter(|_| usable).cloned() else {
            self.tab = Tab::Snapshots;
            self.snaps.focused = true;
            self.set_status(
                Level::Warn,
                "pick a snapshot in the tree first (j/k), then press the key again",
            );
            return;
        };
        match action {
            Action::SnapshotToggle => self.snaps.toggle(),
            Action::SnapshotXml => {
                self.layers
                    .push(Box::new(SnapshotDialog::new(SnapDialog::Xml {
                        title: format!("snapshot {}", escape(&snap.name)),
                        lines: snap.xml.lines().map(str::to_string).collect(),
                        scroll: 0,
                    })))
            }
            Action::SnapshotRevert => {
                let lost = revert_consequences(&domain, &snap, running);
                self.layers
                    .push(Box::new(SnapshotDialog::new(SnapDialog::Revert {
                        id,
                        domain,
                        snapshot: snap.name,
                        after: AfterRevert::AsSnapshot,
                        safety: self.config.snapshot_safety,
                        force: false,
                        lost,
                    })));
            }
            Action::SnapshotDelete => {
                let children = self.snaps.descendants(&snap.name);
                let mut files = snap.files.clone();
                for c in &children {
                    if let Some(s) = self.snaps.snapshots().iter().find(|s| &s.name == c) {
                        files.extend(s.files.iter().cloned());
                    }
                }
                self.layers
                    .push(Box::new(SnapshotDialog::new(SnapDialog::Delete {
                        id,
                        domain,
                        snapshot: snap.name,
                        mode: DeleteMode::This,
                        children,
                        files,
                    })));
            }
            _ => {}
        }
    }
}

/// What a revert throws away, in the user's terms.
fn revert_consequences(domain: &str, snap: &SnapshotInfo, running: bool) -> Vec<String> {
    let mut out = Vec::new();
    if running {
        out.push(format!(
            "Lost: the running guest's present RAM and everything written to its disks since {} was taken.",
            snap.name
        ));
        if !snap.memory {
            out.push(format!(
                "{} holds no memory state: the guest is stopped (like a power cut) and its disks reset.",
                snap.name
            ));
        }
    } else {
        out.push(format!(
            "Lost: everything written to the disks since {} was taken.",
            snap.name
        ));
    }
    if snap.location != crate::backend::snapshots::Location::Internal {
        out.push(format!(
            "It is a {} snapshot: libvirt may refuse to revert to it.",
            snap.location.label()
        ));
    }
    out.push(format!("(virsh snapshot-revert {domain} {})", snap.name));
    out
}
