//! Bulk jobs: one lifecycle operation or quick snapshot over many domains, run on a thread
//! of its own (with a clone of the connection) through the bounded `bulk::run` runner,
//! reporting progress and one final report as events.

use std::time::{Duration, Instant};

use virt::connect::Connect;

use super::domains;
use super::message::BackendEvent;
use super::model::{DomainId, HostId, LifecycleOp, RequestId};
use super::session::usable;
use super::snapshots::{CreateSpec, ops, quick_name};
use super::worker::EventSink;
use crate::bulk::{Options, Report, Target, run};

/// Operations in flight at once: enough to overlap libvirt round trips, few enough not to
/// stampede a small host (each start boots a guest).
pub const IN_FLIGHT: usize = 4;

/// How often a running bulk job reports progress.
const PROGRESS_EVERY: Duration = Duration::from_millis(200);

/// What a bulk job does to each domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BulkOp {
    Lifecycle(LifecycleOp),
    /// A quick snapshot (generated name, memory when running, atomic).
    QuickSnapshot,
}

impl BulkOp {
    /// "start", "quick snapshot" for messages.
    pub fn verb(self) -> &'static str {
        match self {
            BulkOp::Lifecycle(op) => op.verb(),
            BulkOp::QuickSnapshot => "quick snapshot",
        }
    }
}

/// Starts the job; a refused one (read-only, not connected) reports at once.
pub(crate) fn handle(
    conn: Option<&Connect>,
    readonly: bool,
    sink: &EventSink,
    host: HostId,
    req: RequestId,
    op: BulkOp,
    targets: Vec<(DomainId, String)>,
) {
    let targets: Vec<Target<DomainId>> = targets
        .into_iter()
        .map(|(id, name)| Target::new(id, name))
        .collect();
    let conn = match usable(conn, readonly, true) {
        Ok(c) => c.clone(),
        Err(why) => {
            let why = String::from(why);
            let report = Report {
                outcomes: targets
                    .into_iter()
                    .map(|t| crate::bulk::Outcome {
                        id: t.id,
                        name: t.name,
                        result: Err(why.clone()),
                    })
                    .collect(),
            };
            sink(BackendEvent::BulkDone {
                host,
                req,
                op,
                report,
            });
            return;
        }
    };
    let sink = sink.clone();
    let spawned = std::thread::Builder::new()
        .name("bulk-job".into())
        .spawn(move || {
            let report = run_all(&conn, &sink, host, req, op, targets);
            sink(BackendEvent::BulkDone {
                host,
                req,
                op,
                report,
            });
        });
    if let Err(e) = spawned {
        tracing::error!("cannot start a bulk job thread: {e}");
    }
}

fn run_all(
    conn: &Connect,
    sink: &EventSink,
    host: HostId,
    req: RequestId,
    op: BulkOp,
    targets: Vec<Target<DomainId>>,
) -> Report<DomainId> {
    let last = std::sync::Mutex::new(Instant::now());
    run(
        targets,
        Options {
            in_flight: IN_FLIGHT,
            cancel: None,
        },
        |t| one(conn, sink, host, op, t),
        |done, total, _, _| {
            let due = last.lock().map(|mut at| {
                let due = done == total || at.elapsed() >= PROGRESS_EVERY;
                if due {
                    *at = Instant::now();
                }
                due
            });
            if due.unwrap_or(false) {
                sink(BackendEvent::BulkProgress {
                    host,
                    req,
                    done,
                    total,
                });
            }
        },
    )
}

/// The operation on one domain; libvirt's message on failure.
fn one(
    conn: &Connect,
    sink: &EventSink,
    host: HostId,
    op: BulkOp,
    t: &Target<DomainId>,
) -> Result<(), String> {
    match op {
        BulkOp::Lifecycle(lop) => {
            let dom = conn
                .lookup_domain_by_uuid_string(&t.id.uuid)
                .map_err(|e| e.message().to_string())?;
            domains::run_op(&dom, lop).map_err(|e| e.message().to_string())?;
            // Autostart changes raise no lifecycle event; report the new row ourselves.
            if let LifecycleOp::SetAutostart(_) = lop
                && let Ok(info) = domains::read_info(host, &dom)
            {
                sink(BackendEvent::DomainUpdated(info));
            }
            Ok(())
        }
        BulkOp::QuickSnapshot => {
            let name = quick_name(&t.name, super::snapshots::now_epoch());
            ops::create(conn, &t.id, &name, &CreateSpec::quick()).map(|_| ())
        }
    }
}
