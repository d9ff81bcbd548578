//! Commit, pull and copy from a disk of the Disks tab. Each asks for its choices in one
//! line, then spells out the consequences (which files stop being used or become invalid,
//! what the domain runs on afterwards, the equivalent virsh line) before it starts.

use super::tab::DisksTab;
use crate::app::Level;
use crate::backend::jobs::{CopyDest, JobCmd};
use crate::backend::storage::DiskInfo;
use crate::backend::{Command, DomainId};
use crate::ui::layer::Ctx;
use crate::ui::popups::ask::{Ask, Prompt};
use crate::ui::text::escape;

fn path(d: &DiskInfo, i: usize) -> String {
    d.chain
        .get(i)
        .and_then(|c| c.path.clone())
        .unwrap_or_else(|| format!("{}[{i}]", d.target))
}

/// Parses "TOP BASE" (chain indices, 0 = the active image) for a commit.
pub fn parse_commit(text: &str, chain_len: usize) -> Result<(usize, usize), String> {
    let n: Vec<usize> = text
        .split_whitespace()
        .map(|w| w.parse().map_err(|_| format!("{w:?} is not a chain index")))
        .collect::<Result<_, _>>()?;
    let [top, base] = n[..] else {
        return Err("type two indices: TOP BASE (0 is the active image)".into());
    };
    if base >= chain_len {
        return Err(format!("the chain has images 0..{}", chain_len - 1));
    }
    if top >= base {
        return Err("TOP must be above BASE (a smaller index)".into());
    }
    Ok((top, base))
}

/// What a commit of `top` into `base` does, in words, and its virsh line.
pub fn commit_consequences(domain: &str, d: &DiskInfo, top: usize, base: usize) -> Vec<String> {
    let merged: Vec<String> = (top..base).map(|i| path(d, i)).collect();
    let mut out = vec![format!(
        "Commit {} into {} (the data of {} image(s) moves down into the base).",
        path(d, top),
        path(d, base),
        merged.len()
    )];
    let mut virsh = format!("virsh blockcommit {domain} {}", d.target);
    if top == 0 {
        out.push(format!(
            "Active commit: when libvirt says READY you pivot (v in the Disks tab, p in the Jobs view) and {} then runs on {}.",
            domain,
            path(d, base)
        ));
        out.push(format!(
            "Afterwards {} is no longer used by the domain (the file stays, stale).",
            merged.join(", ")
        ));
        virsh.push_str(&format!(
            " --active --base {} --pivot --verbose",
            path(d, base)
        ));
    } else {
        out.push(format!(
            "{} stays the active image; its backing file becomes {}.",
            path(d, 0),
            path(d, base)
        ));
        out.push(format!(
            "INVALID afterwards: {} (anything else built on them breaks).",
            merged.join(", ")
        ));
        virsh.push_str(&format!(
            " --top {} --base {} --verbose",
            path(d, top),
            path(d, base)
        ));
    }
    out.push(virsh);
    out
}

/// What a pull down to `base` (None = the whole chain) does.
pub fn pull_consequences(domain: &str, d: &DiskInfo, base: Option<usize>) -> Vec<String> {
    let end = base.unwrap_or(d.chain.len());
    let pulled: Vec<String> = (1..end).map(|i| path(d, i)).collect();
    let mut out = vec![format!(
        "Pull the data of {} into the active image {}.",
        if pulled.is_empty() {
            "nothing".into()
        } else {
            pulled.join(", ")
        },
        path(d, 0)
    )];
    match base {
        Some(b) => out.push(format!("{} is then backed by {}.", path(d, 0), path(d, b))),
        None => out.push(format!(
            "{} then stands alone (no backing file).",
            path(d, 0)
        )),
    }
    out.push("The pulled images stay valid on disk but the domain no longer uses them.".into());
    out.push(match base {
        Some(b) => format!(
            "virsh blockpull {domain} {} --base {} --verbose",
            d.target,
            path(d, b)
        ),
        None => format!("virsh blockpull {domain} {} --verbose", d.target),
    });
    out
}

/// Parses "PATH [qcow2|raw] [shallow|full]".
pub fn parse_copy(text: &str) -> Result<CopyDest, String> {
    let mut w = text.split_whitespace();
    let path = w.next().ok_or("type a destination path")?.to_string();
    if !path.starts_with('/') {
        return Err("the destination must be an absolute path on the host".into());
    }
    let mut dest = CopyDest {
        path,
        format: "qcow2".into(),
        shallow: false,
        reuse_existing: false,
    };
    for word in w {
        match word {
            "qcow2" | "raw" => dest.format = word.into(),
            "shallow" => dest.shallow = true,
            "full" => dest.shallow = false,
            other => {
                return Err(format!(
                    "unexpected {other:?}: PATH [qcow2|raw] [shallow|full]"
                ));
            }
        }
    }
    Ok(dest)
}

pub fn copy_consequences(domain: &str, d: &DiskInfo, dest: &CopyDest) -> Vec<String> {
    vec![
        format!(
            "Copy {} {} to {} ({}).",
            d.target,
            if dest.shallow {
                "(top image only; the copy keeps the same backing chain)"
            } else {
                "(the whole chain flattened)"
            },
            dest.path,
            dest.format
        ),
        "Writes are mirrored until libvirt says READY; then, in the Disks tab (or the Jobs view):"
            .into(),
        format!(
            "  pivot (v): {domain} runs on {} from then on; {} stops being written.",
            dest.path,
            path(d, 0)
        ),
        "  abort (x): the domain stays where it is; the copy is a point-in-time image.".into(),
        format!(
            "virsh blockcopy {domain} {} {} --format {}{} --wait --verbose  (then virsh blockjob {domain} {} --pivot)",
            d.target,
            dest.path,
            dest.format,
            if dest.shallow { " --shallow" } else { "" },
            d.target
        ),
    ]
}

impl DisksTab {
    /// The selected disk and its domain, or a status line saying why a job cannot start.
    fn disk_or_warn(&self, cx: &mut Ctx) -> Option<(DomainId, DiskInfo)> {
        let id = self.id.clone()?;
        if !self.running {
            cx.status(
                Level::Warn,
                format!(
                    "{} is not running: block jobs need a running domain",
                    escape(&self.domain)
                ),
            );
            return None;
        }
        let d = self.current().cloned();
        if d.is_none() {
            cx.status(Level::Warn, "no disk selected");
        }
        Some((id, d?))
    }

    pub(super) fn commit(&mut self, cx: &mut Ctx) {
        let Some((id, d)) = self.disk_or_warn(cx) else {
            return;
        };
        if d.chain.len() < 2 {
            cx.status(
                Level::Warn,
                format!("{}: no backing chain to commit", d.target),
            );
            return;
        }
        let domain = self.domain.clone();
        let chain: Vec<String> = (0..d.chain.len())
            .map(|i| format!("[{i}] {}", path(&d, i)))
            .collect();
        let mut body =
            vec!["Commit TOP into BASE (chain indices, 0 = the active image):".to_string()];
        body.extend(chain);
        cx.push(Prompt::new(
            "Block commit",
            body,
            &format!("0 {}", d.chain.len() - 1),
            Box::new(move |text, cx| {
                let (top, base) = parse_commit(text, d.chain.len())?;
                let req = cx.reqs.allocate();
                let cmd = Command::Jobs(
                    id.host,
                    JobCmd::Commit {
                        req,
                        id: id.clone(),
                        disk: d.target.clone(),
                        top: (top > 0).then(|| path(&d, top)),
                        base: Some(path(&d, base)),
                        relative: false,
                        bandwidth: 0,
                    },
                );
                cx.push(Ask::yes_no(
                    "Block commit",
                    commit_consequences(&domain, &d, top, base),
                    cmd,
                    format!(
                        "commit of {} {} started: progress in the Disks tab and the Jobs view (J)",
                        escape(&domain),
                        d.target
                    ),
                ));
                Ok(())
            }),
        ));
    }

    pub(super) fn pull(&mut self, cx: &mut Ctx) {
        let Some((id, d)) = self.disk_or_warn(cx) else {
            return;
        };
        if d.chain.len() < 2 {
            cx.status(
                Level::Warn,
                format!("{}: no backing chain to pull", d.target),
            );
            return;
        }
        let domain = self.domain.clone();
        let mut body = vec![
            "Pull into the active image down to BASE (an index), or empty for the whole chain:"
                .to_string(),
        ];
        body.extend((0..d.chain.len()).map(|i| format!("[{i}] {}", path(&d, i))));
        cx.push(Prompt::new(
            "Block pull",
            body,
            "",
            Box::new(move |text, cx| {
                let base = match text {
                    "" => None,
                    t => {
                        let b: usize = t
                            .parse()
                            .map_err(|_| format!("{t:?} is not a chain index"))?;
                        if b == 0 || b >= d.chain.len() {
                            return Err(format!("BASE is one of 1..{}", d.chain.len() - 1));
                        }
                        Some(b)
                    }
                };
                let req = cx.reqs.allocate();
                let cmd = Command::Jobs(
                    id.host,
                    JobCmd::Pull {
                        req,
                        id: id.clone(),
                        disk: d.target.clone(),
                        base: base.map(|b| path(&d, b)),
                        bandwidth: 0,
                    },
                );
                cx.push(Ask::yes_no(
                    "Block pull",
                    pull_consequences(&domain, &d, base),
                    cmd,
                    format!(
                        "pull into {} {} started: progress in the Disks tab and the Jobs view (J)",
                        escape(&domain),
                        d.target
                    ),
                ));
                Ok(())
            }),
        ));
    }

    pub(super) fn copy(&mut self, cx: &mut Ctx) {
        let Some((id, d)) = self.disk_or_warn(cx) else {
            return;
        };
        let domain = self.domain.clone();
        let default = d
            .source()
            .map(|s| format!("{}.copy.qcow2 qcow2 full", s.trim_end_matches(".qcow2")))
            .unwrap_or_default();
        cx.push(Prompt::new(
            "Block copy",
            vec![
                format!(
                    "Copy {} of {} to: PATH [qcow2|raw] [shallow|full]",
                    d.target, domain
                ),
                "Afterwards you choose: pivot to the copy, or abort and keep it as a copy.".into(),
            ],
            &default,
            Box::new(move |text, cx| {
                let dest = parse_copy(text)?;
                let req = cx.reqs.allocate();
                let body = copy_consequences(&domain, &d, &dest);
                let cmd = Command::Jobs(
                    id.host,
                    JobCmd::Copy {
                        req,
                        id: id.clone(),
                        disk: d.target.clone(),
                        dest,
                        bandwidth: 0,
                    },
                );
                cx.push(Ask::yes_no(
                    "Block copy",
                    body,
                    cmd,
                    format!(
                        "copy of {} {} started: pivot with v here (or in the Jobs view, J) once READY",
                        escape(&domain),
                        d.target
                    ),
                ));
                Ok(())
            }),
        ));
    }
}
