//! What each volumes key opens: the create form (one line, `vol-create-as` order), the
//! delete / wipe questions naming the domains that use the volume, resize (shrinking
//! needs the word `shrink`), clone, and the upload / download path prompts.

use std::path::PathBuf;

use super::view::{Transfer, VolumesView, users_label};
use crate::app::Level;
use crate::backend::Command;
use crate::backend::storage::units::parse_size;
use crate::backend::storage::{Direction, NewVolume, StorageCmd};
use crate::ui::layer::Ctx;
use crate::ui::popups::ask::{Ask, Prompt};
use crate::ui::text::escape;
use crate::ui::widgets::sheet::bytes;

/// Parses `NAME SIZE [raw|qcow2] [BACKING]`; BACKING is a volume of the same pool (its
/// path and format are looked up in `pool`).
pub fn parse_new_volume(
    text: &str,
    pool: &[crate::backend::storage::VolumeInfo],
) -> Result<NewVolume, String> {
    let mut words = text.split_whitespace();
    let name = words
        .next()
        .ok_or("type a name and a size, e.g. disk1 10G qcow2")?;
    let size = words.next().ok_or("a size is needed, e.g. 10G")?;
    let capacity = parse_size(size)?;
    let format = words.next().unwrap_or("qcow2").to_string();
    if format != "raw" && format != "qcow2" {
        return Err(format!("format {format:?}: raw or qcow2"));
    }
    let backing = match words.next() {
        None => None,
        Some(b) => {
            if format != "qcow2" {
                return Err("only a qcow2 volume can have a backing volume".into());
            }
            let vol = pool
                .iter()
                .find(|v| v.name == b || v.path == b)
                .ok_or_else(|| format!("no volume {b:?} in this pool"))?;
            Some((
                vol.path.clone(),
                vol.format.clone().unwrap_or_else(|| "raw".into()),
            ))
        }
    };
    if words.next().is_some() {
        return Err("too many words: NAME SIZE [raw|qcow2] [BACKING]".into());
    }
    Ok(NewVolume {
        name: name.to_string(),
        capacity,
        format,
        backing,
    })
}

impl VolumesView {
    fn storage(&self, cmd: StorageCmd) -> Command {
        Command::Storage(self.host, cmd)
    }

    fn selected_or_warn(&self, cx: &mut Ctx) -> Option<crate::backend::storage::VolumeInfo> {
        let v = self.current().cloned();
        if v.is_none() {
            cx.status(Level::Warn, "no volume selected");
        }
        v
    }

    pub(super) fn create(&mut self, cx: &mut Ctx) {
        let (host, pool, list) = (self.host, self.pool.clone(), self.volumes.clone());
        cx.push(Prompt::new(
            "New volume",
            vec![
                format!("In pool {pool}: NAME SIZE [raw|qcow2] [BACKING VOLUME]"),
                "Sizes: 512M, 10G, 1.5GiB. A backing volume makes a qcow2 overlay on it.".into(),
            ],
            "",
            Box::new(move |text, cx| {
                let spec = parse_new_volume(text, &list)?;
                let mut virsh = format!(
                    "virsh vol-create-as {pool} {} {} --format {}",
                    spec.name, spec.capacity, spec.format
                );
                if let Some((p, f)) = &spec.backing {
                    virsh.push_str(&format!(" --backing-vol {p} --backing-vol-format {f}"));
                }
                let req = cx.reqs.allocate();
                cx.status(
                    Level::Info,
                    format!("creating {}…   ({})", spec.name, escape(&virsh)),
                );
                cx.send(Command::Storage(
                    host,
                    StorageCmd::CreateVolume {
                        req,
                        pool: pool.clone(),
                        spec,
                    },
                ));
                Ok(())
            }),
        ));
    }

    pub(super) fn delete(&mut self, cx: &mut Ctx) {
        let Some(v) = self.selected_or_warn(cx) else {
            return;
        };
        if let Some(u) = v.users.iter().find(|u| u.running) {
            cx.status(
                Level::Error,
                format!(
                    "{} is in use by the running domain {} ({}): stop it or detach the disk first",
                    escape(&v.name),
                    escape(&u.name),
                    u.disk
                ),
            );
            return;
        }
        let mut body = vec![format!(
            "Volume {} ({}) is deleted: {} goes.",
            v.name,
            bytes(v.capacity),
            v.path
        )];
        if !v.users.is_empty() {
            body.push(format!(
                "Used by stopped domains, which will not start without it: {}",
                users_label(&v)
            ));
        }
        body.push(format!("virsh vol-delete --pool {} {}", self.pool, v.name));
        let req = cx.reqs.allocate();
        let cmd = self.storage(StorageCmd::DeleteVolume {
            req,
            pool: self.pool.clone(),
            name: v.name.clone(),
        });
        cx.push(Ask::yes_no(
            "Delete volume",
            body,
            cmd,
            format!("deleting {}…", escape(&v.name)),
        ));
    }

    pub(super) fn wipe(&mut self, cx: &mut Ctx) {
        let Some(v) = self.selected_or_warn(cx) else {
            return;
        };
        let req = cx.reqs.allocate();
        let mut body = vec![format!(
            "Every byte of {} ({}) is overwritten with zeros; the volume stays.",
            v.name,
            bytes(v.capacity)
        )];
        if !v.users.is_empty() {
            body.push(format!("Used by: {}", users_label(&v)));
        }
        body.push(format!("virsh vol-wipe --pool {} {}", self.pool, v.name));
        let cmd = self.storage(StorageCmd::WipeVolume {
            req,
            pool: self.pool.clone(),
            name: v.name.clone(),
        });
        cx.push(Ask::yes_no(
            "Wipe volume",
            body,
            cmd,
            format!("wiping {}…", escape(&v.name)),
        ));
    }

    pub(super) fn resize(&mut self, cx: &mut Ctx) {
        let Some(v) = self.selected_or_warn(cx) else {
            return;
        };
        let (host, pool) = (self.host, self.pool.clone());
        cx.push(Prompt::new(
            "Resize volume",
            vec![
                format!("{} is {} now. New size (e.g. 20G):", v.name, bytes(v.capacity)),
                "Shrinking loses the data past the new end: add the word shrink to mean it.".into(),
            ],
            "",
            Box::new(move |text, cx| {
                let mut words = text.split_whitespace();
                let capacity = parse_size(words.next().unwrap_or(""))?;
                let shrink = match words.next() {
                    None => false,
                    Some("shrink") => true,
                    Some(w) => return Err(format!("unexpected {w:?}: SIZE [shrink]")),
                };
                if capacity < v.capacity && !shrink {
                    return Err(format!(
                        "{} is smaller than {}: data past the new end is lost; type \"{text} shrink\" to shrink",
                        bytes(capacity),
                        bytes(v.capacity)
                    ));
                }
                let req = cx.reqs.allocate();
                cx.status(
                    Level::Info,
                    format!(
                        "resizing {} to {}…   (virsh vol-resize --pool {pool} {} {capacity}{})",
                        escape(&v.name),
                        bytes(capacity),
                        escape(&v.name),
                        if shrink { " --shrink" } else { "" }
                    ),
                );
                cx.send(Command::Storage(
                    host,
                    StorageCmd::ResizeVolume {
                        req,
                        pool: pool.clone(),
                        name: v.name.clone(),
                        capacity,
                        shrink,
                    },
                ));
                Ok(())
            }),
        ));
    }

    pub(super) fn clone_volume(&mut self, cx: &mut Ctx) {
        let Some(v) = self.selected_or_warn(cx) else {
            return;
        };
        let (host, pool) = (self.host, self.pool.clone());
        cx.push(Prompt::new(
            "Clone volume",
            vec![format!("A full copy of {} under a new name:", v.name)],
            &format!("{}-clone", v.name),
            Box::new(move |text, cx| {
                if text.is_empty() {
                    return Err("type a name".into());
                }
                let req = cx.reqs.allocate();
                cx.status(
                    Level::Info,
                    format!("cloning {} → {}…", escape(&v.name), escape(text)),
                );
                cx.send(Command::Storage(
                    host,
                    StorageCmd::CloneVolume {
                        req,
                        pool: pool.clone(),
                        name: v.name.clone(),
                        new_name: text.to_string(),
                    },
                ));
                Ok(())
            }),
        ));
    }

    pub(super) fn transfer(&mut self, cx: &mut Ctx, direction: Direction) {
        let Some(v) = self.selected_or_warn(cx) else {
            return;
        };
        if direction == Direction::Upload && v.users.iter().any(|u| u.running) {
            cx.status(
                Level::Error,
                format!(
                    "{} is in use by a running domain: upload refused",
                    escape(&v.name)
                ),
            );
            return;
        }
        let (title, body, initial) = match direction {
            Direction::Upload => (
                "Upload into volume",
                vec![
                    format!("A local file's bytes replace the content of {}.", v.name),
                    "A cancel leaves the volume's content partial (you are told).".into(),
                ],
                String::new(),
            ),
            Direction::Download => (
                "Download volume",
                vec![
                    format!("{} ({}) is copied to a local file.", v.name, bytes(v.capacity)),
                    "It is written under a temporary name and renamed at the end; a cancel removes it.".into(),
                ],
                format!("./{}", v.name),
            ),
        };
        // The prompt's closure cannot reach the view: it hands the transfer back through
        // the command it sends; the view adopts it when it sees the Transfer command's
        // progress (see `adopt`).
        let (host, pool) = (self.host, self.pool.clone());
        let pending = std::rc::Rc::clone(&self.starting);
        cx.push(Prompt::new(
            title,
            body,
            &initial,
            Box::new(move |text, cx| {
                if text.is_empty() {
                    return Err("type a path".into());
                }
                let file = PathBuf::from(text);
                if direction == Direction::Upload && !file.is_file() {
                    return Err(format!("{text}: no such file"));
                }
                let req = cx.reqs.allocate();
                pending.borrow_mut().push(Transfer {
                    req,
                    volume: v.name.clone(),
                    file: text.to_string(),
                    direction,
                    progress: None,
                });
                let virsh = match direction {
                    Direction::Upload => {
                        format!("virsh vol-upload --pool {pool} {} {text}", v.name)
                    }
                    Direction::Download => {
                        format!("virsh vol-download --pool {pool} {} {text}", v.name)
                    }
                };
                cx.status(Level::Info, format!("started   ({})", escape(&virsh)));
                cx.send(Command::Storage(
                    host,
                    StorageCmd::Transfer {
                        req,
                        pool: pool.clone(),
                        name: v.name.clone(),
                        file,
                        direction,
                    },
                ));
                Ok(())
            }),
        ));
    }

    pub(super) fn cancel(&mut self, cx: &mut Ctx) {
        self.adopt();
        let Some(t) = self.transfers.last() else {
            cx.status(Level::Warn, "no transfer is running");
            return;
        };
        cx.status(
            Level::Warn,
            format!("cancelling the transfer of {}…", escape(&t.volume)),
        );
        cx.send(self.storage(StorageCmd::CancelTransfer { req: t.req }));
    }
}
