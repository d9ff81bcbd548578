//! The Snapshots view's behaviour: keeping the list current, the snapshot keys, opening
//! the dialogs, and the background jobs' progress. Everything it wants done elsewhere
//! (a command, a dialog, a status line, showing its tab) it returns as an effect.

use crate::action::Action;
use crate::backend::snapshots::{
    AfterRevert, CreateSpec, DeleteMode, JobOutcome, SnapshotCmd, SnapshotEvent, SnapshotInfo,
    now_epoch, quick_name,
};
use crate::backend::{Command, DomainId};
use crate::ui::domains::detail::Tab;
use crate::ui::layer::{Ctx, Effect, Level};
use crate::ui::snapshots::dialog::SnapshotDialog;
use crate::ui::snapshots::dialogs::{CreateForm, SnapDialog};
use crate::ui::snapshots::pane::{JobView, RELIST_EVERY, SnapshotPane};
use crate::ui::text::escape;

impl SnapshotPane {
    /// After every event (ticks too): (re)reads the list when the tab shows another
    /// domain, is shown again, a change made it stale, or it has been on show for
    /// [`RELIST_EVERY`] (other clients' snapshots raise no event). Nothing is read while
    /// the tab is hidden.
    pub fn sync(&mut self, visible: bool, selected: Option<&DomainId>, cx: &mut Ctx) {
        let shown_again = visible && !self.was_visible;
        self.was_visible = visible;
        if !visible {
            self.focused = false;
            return;
        }
        let due = self.listed_at.is_none_or(|t| t.elapsed() >= RELIST_EVERY);
        if selected != self.domain.as_ref() {
            self.switch_to(selected.cloned());
            self.request_list(cx);
        } else if self.stale || shown_again || due {
            self.request_list(cx);
        }
    }

    /// Runs a command line's pending snapshot action once `id`'s list is known.
    pub fn run_pick(&mut self, id: &DomainId, cx: &mut Ctx) {
        let Some((want, name, action)) = self.pick.take() else {
            return;
        };
        if &want != id {
            self.pick = Some((want, name, action));
            return;
        }
        if !self.snapshots().iter().any(|s| s.name == name) {
            cx.status(
                Level::Error,
                format!(
                    "{} has no snapshot named {}",
                    self.domain_name(cx),
                    escape(&name)
                ),
            );
            return;
        }
        self.selected = Some(name);
        self.focused = true;
        self.on_action(action, true, cx);
    }

    fn domain_name(&self, cx: &Ctx) -> String {
        self.domain
            .as_ref()
            .and_then(|id| cx.store.get(id))
            .map_or_else(String::new, |r| escape(&r.info.name).into_owned())
    }

    fn request_list(&mut self, cx: &mut Ctx) {
        self.stale = false;
        self.listed_at = Some(std::time::Instant::now());
        let Some(id) = self.domain.clone() else {
            return;
        };
        let req = cx.reqs.allocate();
        self.pending = Some(req);
        cx.send(Command::Snapshot(SnapshotCmd::List { req, id }));
    }

    /// A snapshot list or job event from the backend.
    pub fn on_event(&mut self, ev: SnapshotEvent, cx: &mut Ctx) {
        match ev {
            SnapshotEvent::List { req, id, result } => {
                if self.pending != Some(req) || self.domain.as_ref() != Some(&id) {
                    return; // a reply for an older selection
                }
                self.pending = None;
                match result {
                    Ok(list) => {
                        self.set_list(list);
                        self.run_pick(&id, cx);
                    }
                    Err(e) => {
                        self.error = Some(e);
                        self.loaded = true;
                    }
                }
            }
            SnapshotEvent::JobStarted { req, id, what } => {
                self.jobs.retain(|j| j.req != req);
                self.jobs.push(JobView {
                    req,
                    id,
                    what: what.clone(),
                    elapsed: Default::default(),
                    percent: None,
                });
                cx.status(Level::Info, format!("{what}…"));
            }
            SnapshotEvent::JobProgress {
                req,
                elapsed,
                percent,
                ..
            } => {
                if let Some(j) = self.jobs.iter_mut().find(|j| j.req == req) {
                    j.elapsed = elapsed;
                    j.percent = percent;
                    let line = j.line();
                    cx.status(Level::Info, line);
                }
            }
            SnapshotEvent::JobFinished {
                req,
                id,
                what,
                outcome,
            } => {
                self.jobs.retain(|j| j.req != req);
                let retry = self.reverts.remove(&req);
                match outcome {
                    JobOutcome::Done(m) => cx.status(Level::Done, format!("{m}: done")),
                    JobOutcome::Failed(m) => cx.status(Level::Error, format!("{what} failed: {m}")),
                    JobOutcome::NeedsForce(m) => {
                        cx.status(Level::Warn, format!("{what}: {m}"));
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
                            cx.push(SnapshotDialog::new(SnapDialog::Revert {
                                id,
                                domain,
                                snapshot,
                                after,
                                // The safety snapshot, if any, was already taken.
                                safety: false,
                                force: true,
                                lost,
                            }));
                        }
                    }
                }
                if self.domain.as_ref() == Some(&id) {
                    self.stale = true;
                }
            }
        }
    }

    /// Navigation keys while the tree has the focus; returns whether the key was used.
    pub fn on_tree_action(&mut self, action: Action, visible: bool, cx: &mut Ctx) -> bool {
        if action == Action::Refresh && visible {
            // F5 with the tab on show re-reads the tree too, focused or not.
            self.stale = true;
        }
        if !(self.focused && visible) {
            return false;
        }
        match action {
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::PageUp => self.move_by(-5),
            Action::PageDown => self.move_by(5),
            Action::Top => self.select_edge(false),
            Action::Bottom => self.select_edge(true),
            Action::ClearFilter => self.focused = false,
            Action::Refresh => {
                self.stale = true;
                cx.status(Level::Info, "re-reading snapshots…");
            }
            _ => return false,
        }
        true
    }

    /// A snapshot action from the main screen (`visible`: the Snapshots tab is shown).
    pub fn on_action(&mut self, action: Action, visible: bool, cx: &mut Ctx) {
        if action == Action::SnapshotFocus {
            if visible && self.focused {
                self.focused = false;
            } else {
                cx.effects.push(Effect::ShowTab(Tab::Snapshots));
                self.focused = true;
            }
            return;
        }
        if action.is_mutating() && cx.refuse_mutation(action) {
            return;
        }
        let Some(row) = cx.selected_row() else {
            return;
        };
        let id = row.info.id.clone();
        let domain = row.info.name.clone();
        let running = row.info.state.state.is_active();
        match action {
            Action::SnapshotQuick => {
                let req = cx.reqs.allocate();
                cx.status(
                    Level::Info,
                    format!(
                        "snapshot of {}…   (virsh snapshot-create-as {})",
                        escape(&domain),
                        escape(&domain)
                    ),
                );
                cx.send(Command::Snapshot(SnapshotCmd::Create {
                    req,
                    id,
                    domain,
                    spec: CreateSpec::quick(),
                }));
            }
            Action::SnapshotCreate => {
                let existing = self.snapshots().iter().map(|s| s.name.clone()).collect();
                let mut form = CreateForm::new(running);
                form.auto_name = quick_name(&domain, now_epoch());
                let mut dialog = SnapshotDialog::new(SnapDialog::Create {
                    id,
                    domain,
                    running,
                    form,
                });
                dialog.existing = existing;
                // The disk-only option offers one overlay file per disk: read them now.
                dialog.ask_storage(cx);
                cx.push(dialog);
            }
            _ => self.on_selected_snapshot(action, visible, id, domain, running, cx),
        }
    }

    /// Revert, delete, expand and XML need a snapshot picked in the tree.
    fn on_selected_snapshot(
        &mut self,
        action: Action,
        visible: bool,
        id: DomainId,
        domain: String,
        running: bool,
        cx: &mut Ctx,
    ) {
        let usable = visible && self.domain.as_ref() == Some(&id);
        let Some(snap) = self.selected_info().filter(|_| usable).cloned() else {
            cx.effects.push(Effect::ShowTab(Tab::Snapshots));
            self.focused = true;
            cx.status(
                Level::Warn,
                "pick a snapshot in the tree first (j/k), then press the key again",
            );
            return;
        };
        match action {
            Action::SnapshotToggle => self.toggle(),
            Action::SnapshotXml => cx.push(SnapshotDialog::new(SnapDialog::Xml {
                title: format!("snapshot {}", escape(&snap.name)),
                lines: snap.xml.lines().map(str::to_string).collect(),
                scroll: 0,
            })),
            Action::SnapshotRevert => {
                let lost = revert_consequences(&domain, &snap, running);
                cx.push(SnapshotDialog::new(SnapDialog::Revert {
                    id,
                    domain,
                    snapshot: snap.name,
                    after: AfterRevert::AsSnapshot,
                    safety: cx.config.snapshot_safety,
                    force: false,
                    lost,
                }));
            }
            Action::SnapshotDelete => {
                let children = self.descendants(&snap.name);
                let mut files = snap.files.clone();
                for c in &children {
                    if let Some(s) = self.snapshots().iter().find(|s| &s.name == c) {
                        files.extend(s.files.iter().cloned());
                    }
                }
                let mut dialog = SnapshotDialog::new(SnapDialog::Delete {
                    id,
                    domain,
                    snapshot: snap.name,
                    mode: DeleteMode::This,
                    children,
                    files,
                    remaining: None,
                });
                dialog.ask_storage(cx);
                cx.push(dialog);
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
