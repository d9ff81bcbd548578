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
            // Esc clears the marks first, the filter on the next press.
            Action::ClearFilter if !self.list.marks.is_empty() => {
                self.list.marks.clear();
                cx.status(Level::Info, "marks cleared");
            }
            Action::Mark => {
                if let Some(id) = self.list.selected().cloned() {
                    self.list.marks.toggle(&id);
                    self.list.move_by(1);
                }
            }
            Action::InvertMarks => {
                let rows = self.list.rows().to_vec();
                self.list.marks.invert(rows.iter());
            }
            Action::MarkAll => {
                let rows = self.list.rows().to_vec();
                self.list.marks.mark_all(rows.iter());
            }
            Action::Yank => {
                if let Some(row) = cx.selected_row() {
                    // Addresses are kept as `address/prefix`; a clipboard wants the address.
                    let ips: Vec<String> = row
                        .addresses
                        .iter()
                        .map(|a| a.split('/').next().unwrap_or(a).to_string())
                        .collect();
                    let text = crate::clipboard::yank_line(&row.info.name, &row.info.id.uuid, &ips);
                    cx.effects.push(Effect::Clipboard(text));
                }
            }
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

    /// Whether `action` goes to the marked domains instead of the selected one.
    pub fn acts_on_marks(&self, action: Action) -> bool {
        !self.list.marks.is_empty() && bulk_op(action, false).is_some()
    }

    /// A bulk action over the marked domains: always asks first, saying how many and how
    /// many of them the filter hides.
    pub fn on_bulk(&mut self, action: Action, cx: &mut Ctx) {
        if cx.refuse_mutation(action) {
            return;
        }
        let ids = self.list.marked_in_order(cx.store);
        let rows: Vec<_> = ids.iter().filter_map(|id| cx.store.get(id)).collect();
        // Autostart on a set: on for all unless every one already has it.
        let all_auto = rows.iter().all(|r| r.info.autostart);
        let Some(op) = bulk_op(action, all_auto) else {
            return;
        };
        let targets: Vec<(crate::backend::DomainId, String)> = rows
            .iter()
            .map(|r| (r.info.id.clone(), r.info.name.clone()))
            .collect();
        if targets.is_empty() {
            cx.status(Level::Warn, "the marked domains are gone");
            return;
        }
        let hidden = self.list.marks_hidden();
        cx.push(crate::ui::popups::bulk::BulkConfirm::new(
            op, targets, hidden,
        ));
    }

    /// Lifecycle keys: a command at once, or a confirmation first for what cannot be undone.
    fn on_lifecycle(&mut self, action: Action, cx: &mut Ctx) {
        if self.acts_on_marks(action) && cx.target.is_none() {
            self.on_bulk(action, cx);
            return;
        }
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

/// The bulk operation an action stands for over marked domains (`None`: single-domain
/// only). `all_autostart`: every marked domain already starts with the host.
pub fn bulk_op(action: Action, all_autostart: bool) -> Option<crate::backend::BulkOp> {
    use crate::backend::BulkOp;
    Some(match action {
        Action::Start => BulkOp::Lifecycle(LifecycleOp::Start),
        Action::Shutdown => BulkOp::Lifecycle(LifecycleOp::Shutdown),
        Action::Reboot => BulkOp::Lifecycle(LifecycleOp::Reboot),
        Action::ForceOff => BulkOp::Lifecycle(LifecycleOp::Destroy),
        Action::Suspend => BulkOp::Lifecycle(LifecycleOp::Suspend),
        Action::Resume => BulkOp::Lifecycle(LifecycleOp::Resume),
        Action::Undefine => BulkOp::Lifecycle(LifecycleOp::Undefine),
        Action::ToggleAutostart => BulkOp::Lifecycle(LifecycleOp::SetAutostart(!all_autostart)),
        Action::SnapshotQuick => BulkOp::QuickSnapshot,
        _ => return None,
    })
}

/// The sort key a `:sort` word names (column title or a short alias).
pub fn sort_key_named(word: &str) -> Option<SortKey> {
    let w = word.to_ascii_lowercase();
    Some(match w.as_str() {
        "name" => SortKey::Name,
        "state" => SortKey::State,
        "id" => SortKey::Id,
        "vcpus" | "vcpu" | "cpus" => SortKey::Vcpus,
        "memory" | "mem" => SortKey::Memory,
        "cpu" => SortKey::Cpu,
        "disk" => SortKey::Disk,
        "net" => SortKey::Net,
        "autostart" => SortKey::Autostart,
        "persistent" => SortKey::Persistent,
        "ip" | "address" => SortKey::Ip,
        _ => return None,
    })
}

/// The words `:sort` accepts, for completion and errors.
pub const SORT_WORDS: &[&str] = &[
    "name",
    "state",
    "id",
    "vcpus",
    "memory",
    "cpu",
    "disk",
    "net",
    "autostart",
    "persistent",
    "ip",
];

pub fn sort_name(k: SortKey) -> &'static str {
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
        SortKey::Ip => "IP address",
        SortKey::Host => "host",
    }
}
