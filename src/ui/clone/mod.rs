//! Clone, rename, title and description of a domain: the dialogs the domain list opens
//! (and `:clone` / `:rename`), and the status line the clone job reports to.

pub mod dialog;
mod draw;
pub mod rename;

use crate::action::Action;
use crate::app::Level;
use crate::backend::clone::CloneEvent;
use crate::backend::rename::{RenameCmd, RenameEvent};
use crate::backend::{Command, DomainId};
use crate::ui::layer::Ctx;
use crate::ui::text::escape;

pub use dialog::CloneDialog;
pub use rename::RenameDialog;

/// Runs `clone_domain` or `rename_domain` on the selected (or named) domain; false for
/// any other action.
pub fn on_action(action: Action, cx: &mut Ctx, new_name: Option<String>) -> bool {
    if !matches!(action, Action::CloneDomain | Action::RenameDomain) {
        return false;
    }
    if cx.refuse_mutation(action) {
        return true;
    }
    let Some(row) = cx.selected_row() else {
        return true;
    };
    let (id, name) = (row.info.id.clone(), row.info.name.clone());
    let state = row.info.state.state;
    if action == Action::CloneDomain
        && state.is_active()
        && state != crate::backend::RunState::Paused
    {
        cx.status(
            Level::Warn,
            format!(
                "{} is {}: shut it down (or pause it) to clone it",
                escape(&name),
                state.label()
            ),
        );
        return true;
    }
    if action == Action::RenameDomain {
        match new_name {
            Some(new) => rename_now(cx, id, name, new),
            None => {
                let d = RenameDialog::open(cx, id, name);
                cx.push(d);
            }
        }
        return true;
    }
    let d = CloneDialog::open(cx, id, name, new_name);
    cx.push(d);
    true
}

/// `:rename NAME NEW`: no dialog, the rename goes at once.
fn rename_now(cx: &mut Ctx, id: DomainId, old: String, new: String) {
    if let Some(why) = crate::backend::rename::invalid_name(&new) {
        cx.status(Level::Error, why);
        return;
    }
    let req = cx.reqs.allocate();
    cx.status(
        Level::Info,
        format!(
            "renaming {} to {}…   (virsh domrename {} {})",
            escape(&old),
            escape(&new),
            escape(&old),
            escape(&new)
        ),
    );
    cx.send(Command::Rename(
        id.host,
        RenameCmd::Apply {
            req,
            id,
            old_name: old,
            name: Some(new),
            title: None,
            description: None,
        },
    ));
}

/// The status line for a clone or rename event, if it is one: (level, text).
pub fn status_of(ev: &crate::backend::BackendEvent) -> Option<(Level, String)> {
    use crate::backend::BackendEvent;
    match ev {
        BackendEvent::Clone(_, CloneEvent::Progress { what, progress, .. }) => Some((
            Level::Info,
            format!(
                "clone {}: {}{}",
                escape(what),
                escape(&progress.step),
                progress
                    .percent()
                    .map_or_else(String::new, |p| format!(" {p}%"))
            ),
        )),
        BackendEvent::Clone(_, CloneEvent::Finished { what, result, .. }) => Some(match result {
            Ok((_, summary)) => (
                Level::Done,
                format!("clone {}: {}", escape(what), escape(summary)),
            ),
            Err(e) => (
                Level::Error,
                format!("clone {} failed: {}", escape(what), escape(e)),
            ),
        }),
        BackendEvent::Clone(_, CloneEvent::Plan { result: Err(e), .. }) => {
            Some((Level::Error, format!("clone: {}", escape(e))))
        }
        BackendEvent::Rename(_, RenameEvent::Applied { result, .. }) => Some(match result {
            Ok(text) => (Level::Done, escape(text).into_owned()),
            Err(e) => (Level::Error, format!("not changed: {}", escape(e))),
        }),
        _ => None,
    }
}
