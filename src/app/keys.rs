//! Key routing: the layer stack first, then the main screen's keymap and its actions.

use crossterm::event::KeyEvent;

use super::{App, Level, with_ctx};
use crate::action::{Action, Scope};
use crate::backend::{Command, LifecycleOp, RunState};
use crate::state::DomainRow;
use crate::ui::domains::detail::Tab;
use crate::ui::domains::list_view::SortKey;
use crate::ui::popups::confirm::{Confirm, ConfirmKind, send_op};
use crate::ui::popups::filter::FilterPrompt;
use crate::ui::popups::help::Help;
use crate::ui::stats::view::balloon_body;
use crate::ui::text::escape;

impl App {
    /// A key goes down the layer stack (popups, prompts), then to an attached console,
    /// the XML editor, and finally the main screen's keymap.
    pub(super) fn on_key(&mut self, k: KeyEvent) {
        if self.layers_key(&k) {
            return;
        }
        // An attached console takes every key but its own (`[keys.terminal]`).
        if with_ctx!(self, |cx| self.console.on_key(k, &mut cx)) {
            return;
        }
        if self.xml.is_some() {
            self.on_xml_key(k);
            return;
        }
        if let Some(action) = self.config.keymap.action(&k) {
            self.on_action(action);
        }
    }

    /// The scopes of whatever has the keys, most specific first (help and the footer
    /// list these first).
    pub fn focus_scopes(&self) -> Vec<Scope> {
        if let Some(top) = self.layers.last() {
            return top.scopes().to_vec();
        }
        if self.console.session.as_ref().is_some_and(|s| s.focused) {
            return vec![Scope::Terminal];
        }
        let tab = match self.tab {
            Tab::Snapshots => Some(Scope::Snapshots),
            Tab::Stats => Some(Scope::Stats),
            Tab::Console => Some(Scope::Console),
            _ => None,
        };
        let mut out = Vec::new();
        if self.tab == Tab::Snapshots && self.snaps.focused {
            out.push(Scope::Snapshots);
            out.push(Scope::Domains);
        } else {
            // The tab on show is what the user looks at: its keys come first.
            out.extend(tab);
            out.push(Scope::Domains);
        }
        out.push(Scope::Global);
        out
    }

    pub(super) fn on_action(&mut self, action: Action) {
        let page = self.list_height.max(1) as isize;
        let visible = self.tab == Tab::Snapshots;
        if with_ctx!(self, |cx| self
            .snaps
            .on_tree_action(action, visible, &mut cx))
        {
            return;
        }
        match action {
            Action::Quit => self.quit = true,
            Action::Help => {
                let focus = self.focus_scopes();
                self.layers.push(Box::new(Help::new(&focus)));
            }
            Action::Up => self.view.move_by(-1),
            Action::Down => self.view.move_by(1),
            Action::PageUp => self.view.move_by(-page),
            Action::PageDown => self.view.move_by(page),
            Action::Top => self.view.select_index(0),
            Action::Bottom => self.view.select_last(),
            Action::Filter => self
                .layers
                .push(Box::new(FilterPrompt::new(&self.view.filter_text))),
            Action::ClearFilter => {
                self.view.set_filter("");
                self.view.sync(&self.store);
                self.status = None;
            }
            Action::SortNext | Action::SortPrev | Action::SortReverse => {
                let (key, rev) = match action {
                    Action::SortNext => (self.view.sort.next(), false),
                    Action::SortPrev => (self.view.sort.prev(), false),
                    _ => (self.view.sort, !self.view.reverse),
                };
                self.view.set_sort(key, rev);
                self.view.sync(&self.store);
                self.set_status(Level::Info, format!("sorted by {}", sort_name(key)));
            }
            Action::NextTab => self.tab = self.tab.cycle(1),
            Action::PrevTab => self.tab = self.tab.cycle(-1),
            Action::Refresh => {
                self.send(Command::Refresh(self.host));
                self.set_status(Level::Info, "re-reading all domains…");
            }
            Action::Start
            | Action::Shutdown
            | Action::Reboot
            | Action::Reset
            | Action::ForceOff
            | Action::Suspend
            | Action::Resume
            | Action::Undefine
            | Action::ToggleAutostart
            | Action::BalloonPeriod => self.on_lifecycle_action(action),
            Action::EditXml => self.open_xml_editor(),
            Action::NewDomain => self.open_new_domain(),
            Action::SnapshotFocus
            | Action::SnapshotQuick
            | Action::SnapshotCreate
            | Action::SnapshotRevert
            | Action::SnapshotDelete
            | Action::SnapshotToggle
            | Action::SnapshotXml => {
                with_ctx!(self, |cx| self.snaps.on_action(action, visible, &mut cx))
            }
            Action::Console
            | Action::ConsoleDetach
            | Action::ConsoleFullscreen
            | Action::ConsoleClose
            | Action::ConsoleForce
            | Action::ConsoleScrollUp
            | Action::ConsoleScrollDown
            | Action::ConsoleLive
            | Action::ConsoleSave => with_ctx!(self, |cx| self.console.on_action(action, &mut cx)),
            Action::FreezeStats => with_ctx!(self, |cx| self.stats.toggle_freeze(&mut cx)),
            Action::ExpandStats => self.stats.toggle_expand(),
            // Keys of popups and the attached console: they never reach the main screen.
            Action::TerminalPageUp
            | Action::TerminalPageDown
            | Action::TerminalLineUp
            | Action::TerminalLineDown
            | Action::TerminalTop
            | Action::TerminalLive
            | Action::ConfirmYes
            | Action::RevertAsSnapshot
            | Action::RevertRunning
            | Action::RevertPaused
            | Action::RevertSafety
            | Action::NextField
            | Action::PrevField
            | Action::ToggleOption
            | Action::InputAccept
            | Action::InputCancel
            | Action::InputBackspace
            | Action::InputClear => {}
        }
    }

    /// Refuses a host-changing `action` on a read-only or lost connection, saying why.
    /// Returns true when it was refused.
    pub(super) fn refuse_mutation(&mut self, action: Action) -> bool {
        with_ctx!(self, |cx| cx.refuse_mutation(action))
    }

    /// A copy of the selected domain's row; says so in the status line when none is selected.
    pub(super) fn selected_row(&mut self) -> Option<DomainRow> {
        with_ctx!(self, |cx| cx.selected_row())
    }

    fn on_lifecycle_action(&mut self, action: Action) {
        if self.refuse_mutation(action) {
            return;
        }
        let Some(row) = self.selected_row() else {
            return;
        };
        let id = row.info.id.clone();
        let name = row.info.name.clone();
        let running = row.info.state.state.is_active();
        let op = match action {
            Action::Start => LifecycleOp::Start,
            Action::Shutdown => LifecycleOp::Shutdown,
            Action::Reboot => LifecycleOp::Reboot,
            Action::Reset => LifecycleOp::Reset,
            Action::ForceOff => LifecycleOp::Destroy,
            Action::Suspend => LifecycleOp::Suspend,
            Action::Resume => LifecycleOp::Resume,
            Action::Undefine => LifecycleOp::Undefine,
            Action::BalloonPeriod => LifecycleOp::SetBalloonPeriod(self.config.balloon_period_secs),
            _ => LifecycleOp::SetAutostart(!row.info.autostart),
        };
        let (title, body, kind) = match op {
            LifecycleOp::Destroy => (
                "Force off?",
                vec![
                    "Stops the guest immediately, like pulling the power cord.".to_string(),
                    "Unsaved data in the guest is lost.".to_string(),
                ],
                ConfirmKind::YesNo,
            ),
            LifecycleOp::Reset => (
                "Reset?",
                vec!["Restarts the guest immediately without a clean shutdown.".to_string()],
                ConfirmKind::YesNo,
            ),
            LifecycleOp::Undefine => {
                let mut body = vec![
                    "Removes the domain's definition, snapshot metadata and managed save."
                        .to_string(),
                    "Disk images stay where they are.".to_string(),
                ];
                if running && row.info.state.state != RunState::ShutOff {
                    body.push(
                        "It is running: it keeps running as a transient domain until stopped."
                            .to_string(),
                    );
                }
                ("Undefine?", body, ConfirmKind::type_name())
            }
            LifecycleOp::SetBalloonPeriod(secs) => {
                if !running {
                    self.set_status(
                        Level::Warn,
                        "the balloon stats period needs a running guest",
                    );
                    return;
                }
                (
                    "Set balloon stats period?",
                    balloon_body(secs),
                    ConfirmKind::YesNo,
                )
            }
            _ => {
                with_ctx!(self, |cx| send_op(&mut cx, id, name, op));
                return;
            }
        };
        let mut body = body;
        body.push(format!("Same as: {}", escape(&op.virsh(&name))));
        self.layers.push(Box::new(Confirm {
            id,
            name,
            op,
            title: title.to_string(),
            body,
            kind,
        }));
    }
}

fn sort_name(k: SortKey) -> &'static str {
    match k {
        SortKey::Name => "name",
        SortKey::State => "state",
        SortKey::Id => "id",
        SortKey::Vcpus => "vCPUs",
        SortKey::Memory => "memory",
        SortKey::Cpu => "CPU %",
        SortKey::Disk => "disk throughput",
        SortKey::Net => "net throughput",
        SortKey::Autostart => "autostart",
        SortKey::Persistent => "persistent",
    }
}
