//! Key handling: overlays first, then the keymap.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::stats::balloon_body;
use super::{App, Level, Overlay};
use crate::action::Action;
use crate::backend::{Command, LifecycleOp, RunState};
use crate::state::{ConnState, DomainRow};
use crate::ui::list_view::SortKey;
use crate::ui::popups::confirm::{ConfirmKind, name_matches};
use crate::ui::text::escape;

impl App {
    pub(super) fn on_key(&mut self, k: KeyEvent) {
        // An attached console takes every key but its escape chord.
        if self.console_key(k) {
            return;
        }
        if let Some(overlay) = self.overlay.take() {
            self.overlay = self.on_overlay_key(overlay, k);
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

    /// Handles a key inside an overlay; returns the overlay if it stays open.
    fn on_overlay_key(&mut self, overlay: Overlay, k: KeyEvent) -> Option<Overlay> {
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        match overlay {
            Overlay::Help { scroll } => match k.code {
                KeyCode::Char('j') | KeyCode::Down => Some(Overlay::Help { scroll: scroll + 1 }),
                KeyCode::Char('k') | KeyCode::Up => Some(Overlay::Help {
                    scroll: scroll.saturating_sub(1),
                }),
                _ => None,
            },
            Overlay::Snapshot(d) => self.on_snapshot_dialog_key(d, k),
            Overlay::Filter {
                mut input,
                previous,
            } => {
                match k.code {
                    KeyCode::Esc => {
                        self.view.set_filter(&previous);
                        self.view.sync(&self.store);
                        return None;
                    }
                    KeyCode::Enter => return None,
                    KeyCode::Backspace => {
                        input.pop();
                    }
                    KeyCode::Char('u') if ctrl => input.clear(),
                    KeyCode::Char(c) if !ctrl => input.push(c),
                    _ => {}
                }
                self.view.set_filter(&input);
                self.view.sync(&self.store);
                Some(Overlay::Filter { input, previous })
            }
            Overlay::Confirm {
                id,
                name,
                op,
                title,
                body,
                kind,
            } => match kind {
                ConfirmKind::YesNo => {
                    if matches!(k.code, KeyCode::Char('y') | KeyCode::Char('Y')) && !ctrl {
                        self.send_op(id, name, op);
                    } else {
                        self.set_status(Level::Warn, format!("{}: cancelled", op.verb()));
                    }
                    None
                }
                ConfirmKind::TypeName { mut input } => {
                    match k.code {
                        KeyCode::Esc => {
                            self.set_status(Level::Warn, format!("{}: cancelled", op.verb()));
                            return None;
                        }
                        KeyCode::Enter => {
                            if name_matches(&input, &name) {
                                self.send_op(id, name, op);
                            } else {
                                self.set_status(
                                    Level::Error,
                                    format!(
                                        "{}: the name typed does not match {}; nothing was done",
                                        op.verb(),
                                        escape(&name)
                                    ),
                                );
                            }
                            return None;
                        }
                        KeyCode::Backspace => {
                            input.pop();
                        }
                        KeyCode::Char('u') if ctrl => input.clear(),
                        KeyCode::Char(c) if !ctrl => input.push(c),
                        KeyCode::Tab => input.push('\t'),
                        _ => {}
                    }
                    Some(Overlay::Confirm {
                        id,
                        name,
                        op,
                        title,
                        body,
                        kind: ConfirmKind::TypeName { input },
                    })
                }
            },
        }
    }

    fn on_action(&mut self, action: Action) {
        let page = self.list_height.max(1) as isize;
        if self.on_tree_key(action) {
            return;
        }
        match action {
            Action::Quit => self.quit = true,
            Action::Help => self.overlay = Some(Overlay::Help { scroll: 0 }),
            Action::Up => self.view.move_by(-1),
            Action::Down => self.view.move_by(1),
            Action::PageUp => self.view.move_by(-page),
            Action::PageDown => self.view.move_by(page),
            Action::Top => self.view.select_index(0),
            Action::Bottom => self.view.select_last(),
            Action::Filter => {
                self.overlay = Some(Overlay::Filter {
                    input: self.view.filter_text.clone(),
                    previous: self.view.filter_text.clone(),
                })
            }
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
                self.backend.send(Command::Refresh);
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
            | Action::SnapshotXml => self.on_snapshot_action(action),
            Action::Console
            | Action::ConsoleDetach
            | Action::ConsoleFullscreen
            | Action::ConsoleClose
            | Action::ConsoleForce
            | Action::ConsoleScrollUp
            | Action::ConsoleScrollDown
            | Action::ConsoleLive
            | Action::ConsoleSave
            | Action::ConsoleSearch => self.on_console_action(action),
            Action::FreezeStats => self.toggle_freeze(),
            Action::ExpandStats => self.toggle_expand(),
        }
    }

    /// Refuses a host-changing `action` on a read-only or lost connection, saying why.
    /// Returns true when it was refused.
    pub(super) fn refuse_mutation(&mut self, action: Action) -> bool {
        if self.readonly {
            self.set_status(
                Level::Error,
                format!(
                    "read-only connection: {} is disabled",
                    action.name().replace('_', " ")
                ),
            );
            return true;
        }
        if let ConnState::Disconnected { .. } = self.store.conn {
            self.set_status(Level::Error, "not connected: wait for the reconnect");
            return true;
        }
        false
    }

    /// A copy of the selected domain's row; says so in the status line when none is selected.
    pub(super) fn selected_row(&mut self) -> Option<DomainRow> {
        let row = self
            .view
            .selected()
            .and_then(|id| self.store.get(id))
            .cloned();
        if row.is_none() {
            self.set_status(Level::Warn, "no domain selected");
        }
        row
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
                (
                    "Undefine?",
                    body,
                    ConfirmKind::TypeName {
                        input: String::new(),
                    },
                )
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
                self.send_op(id, name, op);
                return;
            }
        };
        let mut body = body;
        body.push(format!("Same as: {}", escape(&op.virsh(&name))));
        self.overlay = Some(Overlay::Confirm {
            id,
            name,
            op,
            title: title.to_string(),
            body,
            kind,
        });
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
