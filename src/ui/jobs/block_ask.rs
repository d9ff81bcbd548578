//! Pivot, abort and speed of one block job, asked the same way from the jobs view and
//! the Disks tab: each says what happens to the disk and the virsh line first.

use crate::app::Level;
use crate::backend::jobs::{BlockJob, BlockJobKind, JobCmd, JobPhase};
use crate::backend::storage::units::parse_size;
use crate::backend::{Command, HostId};
use crate::ui::layer::Ctx;
use crate::ui::popups::ask::{Ask, Prompt};
use crate::ui::text::escape;
use crate::ui::widgets::sheet::bytes;

/// Asks to pivot `j`; refused with a status line unless libvirt said READY.
pub fn pivot(host: HostId, j: &BlockJob, cx: &mut Ctx) {
    if !j.kind.pivots() {
        cx.status(
            Level::Warn,
            format!(
                "{} {}: a {} finishes by itself, nothing to pivot",
                escape(&j.domain),
                j.disk,
                j.kind.label()
            ),
        );
        return;
    }
    if j.phase != JobPhase::Ready {
        cx.status(
            Level::Warn,
            format!(
                "{} {}: not ready to pivot yet (libvirt has not said READY)",
                escape(&j.domain),
                j.disk
            ),
        );
        return;
    }
    let req = cx.reqs.allocate();
    let what = if j.kind == BlockJobKind::Copy {
        "the domain then runs on the copy; the old image stops being written"
    } else {
        "the domain then runs on the base; the images above it are no longer in the chain"
    };
    cx.push(Ask::yes_no(
        "Pivot",
        vec![
            format!(
                "{} {}: finish the {} by switching the disk over.",
                j.domain,
                j.disk,
                j.kind.label()
            ),
            what.to_string(),
            format!("virsh blockjob {} {} --pivot", j.domain, j.disk),
        ],
        Command::Jobs(
            host,
            JobCmd::Pivot {
                req,
                id: j.id.clone(),
                disk: j.disk.clone(),
            },
        ),
        format!("pivoting {} {}…", escape(&j.domain), j.disk),
    ));
}

/// Asks to abort `j`, saying what the disk is left on.
pub fn abort(host: HostId, j: &BlockJob, cx: &mut Ctx) {
    let req = cx.reqs.allocate();
    let after = if j.kind.pivots() && j.phase == JobPhase::Ready {
        "The domain stays on its current image; the copy stays a valid point-in-time copy."
    } else {
        "The domain stays on its current image; the job's partial work is not used."
    };
    cx.push(Ask::yes_no(
        "Abort block job",
        vec![
            format!("{} {}: abort the {}.", j.domain, j.disk, j.kind.label()),
            after.into(),
            format!("virsh blockjob {} {} --abort", j.domain, j.disk),
        ],
        Command::Jobs(
            host,
            JobCmd::Abort {
                req,
                id: j.id.clone(),
                disk: j.disk.clone(),
            },
        ),
        format!("aborting {} {}…", escape(&j.domain), j.disk),
    ));
}

/// Prompts for `j`'s speed limit (bytes per second with units, 0 = none).
pub fn speed(host: HostId, j: &BlockJob, cx: &mut Ctx) {
    let j = j.clone();
    cx.push(Prompt::new(
        "Block job speed limit",
        vec![
            format!(
                "{} {}: bytes per second (e.g. 50M), 0 = no limit.",
                j.domain, j.disk
            ),
            format!(
                "Now: {}",
                if j.bandwidth == 0 {
                    "no limit".into()
                } else {
                    format!("{}/s", bytes(j.bandwidth))
                }
            ),
        ],
        "",
        Box::new(move |text, cx| {
            let bytes_per_sec = parse_size(text)?;
            let req = cx.reqs.allocate();
            cx.status(
                Level::Info,
                format!(
                    "speed limit of {} {}: {text}/s   (virsh blockjob {} {} --bandwidth …)",
                    escape(&j.domain),
                    j.disk,
                    escape(&j.domain),
                    j.disk
                ),
            );
            cx.send(Command::Jobs(
                host,
                JobCmd::SetSpeed {
                    req,
                    id: j.id.clone(),
                    disk: j.disk.clone(),
                    bytes_per_sec,
                },
            ));
            Ok(())
        }),
    ));
}
