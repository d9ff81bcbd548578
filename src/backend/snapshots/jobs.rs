//! Runs snapshot commands: listing inline on the worker, create / revert / delete on a
//! thread of their own (with a clone of the connection) that reports progress as events.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use virt::connect::Connect;

use super::{JobOutcome, SnapshotCmd, SnapshotEvent, ops};
use crate::backend::message::BackendEvent;
use crate::backend::model::DomainId;
use crate::backend::session::usable;
use crate::backend::worker::EventSink;

/// How often a running job reports its elapsed time (drives the spinner).
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

/// Handles one command on the worker thread. `conn` is `None` while reconnecting.
pub(crate) fn handle(conn: Option<&Connect>, readonly: bool, sink: &EventSink, cmd: SnapshotCmd) {
    let emit = |ev: SnapshotEvent| sink(BackendEvent::Snapshot(ev));
    if let SnapshotCmd::List { req, id } = cmd {
        let result = usable(conn, readonly, false)
            .map_err(String::from)
            .and_then(|c| ops::list(c, &id));
        emit(SnapshotEvent::List { req, id, result });
        return;
    }
    let (req, id, what) = describe(&cmd);
    let conn = match usable(conn, readonly, true) {
        Ok(conn) => conn,
        Err(why) => {
            emit(SnapshotEvent::JobFinished {
                req,
                id,
                what,
                outcome: JobOutcome::Failed(why.into()),
            });
            return;
        }
    };
    // virt's Connect is Send + Sync and reference-counted: the clone keeps it open for
    // as long as the job runs, even if the worker reconnects meanwhile.
    let conn = conn.clone();
    let sink = sink.clone();
    let spawned = std::thread::Builder::new()
        .name("snapshot-job".into())
        .spawn(move || run_job(conn, sink, cmd, req, id, what));
    if let Err(e) = spawned {
        tracing::error!("cannot start a snapshot job thread: {e}");
    }
}

/// (request, domain, "create snapshot X of web-01") for the messages.
fn describe(cmd: &SnapshotCmd) -> (u64, DomainId, String) {
    match cmd {
        SnapshotCmd::List { req, id } => (*req, id.clone(), "list snapshots".into()),
        SnapshotCmd::Create {
            req,
            id,
            domain,
            spec,
        } => {
            let name = spec.name.clone().unwrap_or_else(|| "(quick)".into());
            (*req, id.clone(), format!("snapshot {name} of {domain}"))
        }
        SnapshotCmd::Revert {
            req,
            id,
            domain,
            snapshot,
            ..
        } => (*req, id.clone(), format!("revert {domain} to {snapshot}")),
        SnapshotCmd::Delete {
            req,
            id,
            domain,
            snapshot,
            mode,
        } => (
            *req,
            id.clone(),
            format!("delete {snapshot} of {domain}{}", mode.virsh_flag()),
        ),
    }
}

fn run_job(conn: Connect, sink: EventSink, cmd: SnapshotCmd, req: u64, id: DomainId, what: String) {
    let emit = |ev: SnapshotEvent| sink(BackendEvent::Snapshot(ev));
    // The quick name is fixed now, so the messages can say it.
    let cmd = match cmd {
        SnapshotCmd::Create {
            req,
            id,
            domain,
            mut spec,
        } => {
            if spec.name.is_none() {
                spec.name = Some(super::quick_name(&domain, super::now_epoch()));
            }
            SnapshotCmd::Create {
                req,
                id,
                domain,
                spec,
            }
        }
        other => other,
    };
    let what = match &cmd {
        SnapshotCmd::Create { .. } => describe(&cmd).2,
        _ => what,
    };
    emit(SnapshotEvent::JobStarted {
        req,
        id: id.clone(),
        what: what.clone(),
    });
    let (done_tx, done_rx) = mpsc::channel();
    let op_conn = conn.clone();
    let op_id = id.clone();
    let op = std::thread::Builder::new()
        .name("snapshot-op".into())
        .spawn(move || {
            let _ = done_tx.send(execute(&op_conn, &op_id, cmd));
        });
    let outcome = match op {
        Err(e) => JobOutcome::Failed(format!("cannot start a thread: {e}")),
        Ok(_) => {
            let start = Instant::now();
            let dom = ops::domain(&conn, &id).ok();
            loop {
                match done_rx.recv_timeout(PROGRESS_EVERY) {
                    Ok(outcome) => break outcome,
                    Err(mpsc::RecvTimeoutError::Timeout) => emit(SnapshotEvent::JobProgress {
                        req,
                        id: id.clone(),
                        elapsed: start.elapsed(),
                        percent: dom.as_ref().and_then(ops::job_percent),
                    }),
                    Err(mpsc::RecvTimeoutError::Disconnected) => {
                        break JobOutcome::Failed("the snapshot job died".into());
                    }
                }
            }
        }
    };
    emit(SnapshotEvent::JobFinished {
        req,
        id,
        what,
        outcome,
    });
}

fn execute(conn: &Connect, id: &DomainId, cmd: SnapshotCmd) -> JobOutcome {
    let result = match cmd {
        SnapshotCmd::List { .. } => Ok(String::new()),
        SnapshotCmd::Create { spec, .. } => {
            let name = spec.name.clone().unwrap_or_default();
            ops::create(conn, id, &name, &spec).map(|n| format!("created {n}"))
        }
        SnapshotCmd::Revert {
            domain,
            snapshot,
            after,
            force,
            safety,
            ..
        } => return ops::revert(conn, id, &domain, &snapshot, after, force, safety),
        SnapshotCmd::Delete { snapshot, mode, .. } => ops::delete(conn, id, &snapshot, mode),
    };
    match result {
        Ok(m) => JobOutcome::Done(m),
        Err(m) => JobOutcome::Failed(m),
    }
}
