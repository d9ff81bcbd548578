//! The domain list as a component: the list's state (filter, sort, cursor), the shown
//! tab, and the `[keys.domains]` actions plus movement. Effects, never reach-ins.

use crate::action::Action;
use crate::backend::{Command, LifecycleOp, RunState};
use crate::ui::domains::detail::Tab;
use crate::ui::domains::list_view::{ListView, SortKey};
use crate::ui::layer::{Ctx, Effect, Level};
use crate::ui::popups::confirm::{Confirm, ConfirmKind, send_op};
use crate::ui::popups::filter::FilterPrompt;
use crate::ui::stats::view::balloon_body;
use crate::ui::text::escape;

pub struct DomainsView {
    pub list: ListView,
    /// The detail pane's tab on show.
    pub tab: Tab,
    /// Body height of the list at the last draw, for PgUp/PgDn.
    pub list_height: usize,
}

impl Default for DomainsView {
    fn default() -> Self {
        DomainsView {
            list: ListView::default(),
            tab: Tab::default(),
            list_height: 10,
        }
    }
}

impl DomainsView {
    /// Runs a list action; false when `action` is not the list's.
    pub fn on_action(&mut self, action: Action, cx: &mut Ctx) -> bool {
        let page = self.list_height.max(1) as isize;
        match action {
            Action::Up => self.list.move_by(-1),
            Action::Down => self.list.move_by(1),
            Action::PageUp => self.list.move_by(-page),
            Action::PageDown => self.list.move_by(page),
            Action::Top => self.list.select_index(0),
            Action::Bottom => self.list.select_last(),
            Action::Filter => cx.push(FilterPrompt::new(&self.list.filter_text)),
            Action::ClearFilter => {
                self.list.set_filter("");
                self.list.sync(cx.store);
                cx.effects.push(Effect::ClearStatus);
            }
            Action::SortNext | Action::SortPrev | Action::SortReverse => {
                let (key, rev) = match action {
                    Action::SortNext => (self.list.sort.next(), false),
                    Action::SortPrev => (self.list.sort.prev(), false),
                    _ => (self.list.sort, !self.list.reverse),
                };
                self.list.set_sort(key, rev);
                self.list.sync(cx.store);
                cx.status(Level::Info, format!("sorted by {}", sort_name(key)));
            }
            Action::NextTab => self.tab = self.tab.cycle(1),
            Action::PrevTab => self.tab = self.tab.cycle(-1),
            Action::Refresh => {
                cx.send(Command::Refresh(cx.host));
                cx.status(Level::Info, "re-reading all domains…");
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
            | Action::BalloonPeriod => self.on_lifecycle(action, cx),
            _ => return false,
        }
        true
    }

    /// Lifecycle keys: a command at once, or a confirmation first for what cannot be undone.
    fn on_lifecycle(&mut self, action: Action, cx: &mut Ctx) {
        if cx.refuse_mutation(action) {
            return;
        }
        let Some(row) = cx.selected_row() else {
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
            Action::BalloonPeriod => LifecycleOp::SetBalloonPeriod(cx.config.balloon_period_secs),
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
                    cx.status(
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
                send_op(cx, id, name, op);
                return;
            }
        };
        let mut body = body;
        body.push(format!("Same as: {}", escape(&op.virsh(&name))));
        cx.push(Confirm {
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
