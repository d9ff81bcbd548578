//! Save / restore from the domain list: managed save (the next start resumes), save to a
//! file, restore from one, and dropping a managed save image. Progress shows in the
//! jobs view (domain job events); abort is there too.

use crate::action::Action;
use crate::app::Level;
use crate::backend::Command;
use crate::backend::jobs::JobCmd;
use crate::ui::layer::Ctx;
use crate::ui::popups::ask::{Ask, Prompt};
use crate::ui::text::escape;

/// Runs one of the save / restore actions; returns false for any other action.
pub fn on_action(action: Action, cx: &mut Ctx) -> bool {
    if !matches!(
        action,
        Action::ManagedSave
            | Action::ManagedSaveRemove
            | Action::SaveToFile
            | Action::RestoreFromFile
    ) {
        return false;
    }
    if cx.refuse_mutation(action) {
        return true;
    }
    let host = cx.host;
    if action == Action::RestoreFromFile {
        cx.push(Prompt::new(
            "Restore domain",
            vec!["Start a domain from a file virsh save (or S) wrote:".into()],
            "",
            Box::new(move |text, cx| {
                if text.is_empty() {
                    return Err("type the saved file's path on the host".into());
                }
                let req = cx.reqs.allocate();
                cx.status(
                    Level::Info,
                    format!("restoring…   (virsh restore {})", escape(text)),
                );
                cx.send(Command::Jobs(
                    host,
                    JobCmd::Restore {
                        req,
                        path: text.to_string(),
                    },
                ));
                Ok(())
            }),
        ));
        return true;
    }
    let Some(row) = cx.selected_row() else {
        return true;
    };
    let (id, name) = (row.info.id.clone(), row.info.name.clone());
    let active = row.info.state.state.is_active();
    let req = cx.reqs.allocate();
    match action {
        Action::ManagedSave if active => {
            cx.status(
                Level::Info,
                format!(
                    "managed save of {}… (progress: J)   (virsh managedsave {})",
                    escape(&name),
                    escape(&name)
                ),
            );
            cx.send(Command::Jobs(
                id.host,
                JobCmd::ManagedSave {
                    req,
                    id,
                    domain: name,
                },
            ));
        }
        Action::SaveToFile if active => {
            let default = format!("/var/lib/libvirt/qemu/save/{name}.save");
            cx.push(Prompt::new(
                "Save domain to a file",
                vec![
                    format!(
                        "{name}'s memory is written to a file on the host and the domain stops."
                    ),
                    "Restore it later with O (virsh restore FILE).".into(),
                ],
                &default,
                Box::new(move |text, cx| {
                    if !text.starts_with('/') {
                        return Err("an absolute path on the host".into());
                    }
                    let req = cx.reqs.allocate();
                    cx.status(
                        Level::Info,
                        format!(
                            "saving {}… (progress: J)   (virsh save {} {})",
                            escape(&name),
                            escape(&name),
                            escape(text)
                        ),
                    );
                    cx.send(Command::Jobs(
                        id.host,
                        JobCmd::Save {
                            req,
                            id: id.clone(),
                            domain: name.clone(),
                            path: text.to_string(),
                        },
                    ));
                    Ok(())
                }),
            ));
        }
        Action::ManagedSaveRemove => cx.push(Ask::yes_no(
            "Remove managed save",
            vec![
                format!(
                    "The saved memory image of {name} is deleted: its next start boots afresh."
                ),
                format!("virsh managedsave-remove {name}"),
            ],
            Command::Jobs(
                id.host,
                JobCmd::ManagedSaveRemove {
                    req,
                    id,
                    domain: name.clone(),
                },
            ),
            format!("removing the managed save of {}…", escape(&name)),
        )),
        _ => cx.status(
            Level::Warn,
            format!("{} is not running: nothing to save", escape(&name)),
        ),
    }
    true
}
