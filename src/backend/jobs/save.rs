//! Save, restore and managed save on a thread of their own (a clone of the connection),
//! with progress from the domain's job stats and an abort.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use virt::connect::Connect;
use virt::domain::Domain;

use super::{DomainJobProgress, JobCmd, JobEvent};
use crate::backend::ffi::{TypedValue, domjob};
use crate::backend::message::BackendEvent;
use crate::backend::model::{DomainId, HostId};
use crate::backend::worker::EventSink;

const PROGRESS_EVERY: Duration = Duration::from_millis(250);

fn emit(sink: &EventSink, host: HostId, ev: JobEvent) {
    sink(BackendEvent::Jobs(host, ev));
}

fn lookup(conn: &Connect, id: &DomainId) -> Result<Domain, String> {
    conn.lookup_domain_by_uuid_string(id.uuid())
        .map_err(|e| e.message().to_string())
}

/// Reads `virDomainGetJobStats` into a progress record; `None` when no job runs.
pub fn progress(dom: &Domain, elapsed: Duration) -> Option<DomainJobProgress> {
    let (kind, params) = domjob::job_stats(dom).ok()?;
    if kind == 0 {
        return None;
    }
    let get = |name: &str| {
        params.iter().find_map(|(k, v)| match (k == name, v) {
            (true, TypedValue::ULLong(n)) => Some(*n),
            (true, TypedValue::LLong(n)) => u64::try_from(*n).ok(),
            _ => None,
        })
    };
    let total = get("data_total").or_else(|| get("memory_total"));
    let processed = get("data_processed").or_else(|| get("memory_processed"));
    let percent = match (processed, total) {
        (Some(p), Some(t)) if t > 0 => Some(((p.min(t) as u128 * 100) / t as u128) as u8),
        _ => None,
    };
    Some(DomainJobProgress {
        elapsed,
        processed,
        total,
        percent,
    })
}

pub(super) fn handle(
    host: HostId,
    conn: Option<&Connect>,
    readonly: bool,
    sink: &EventSink,
    cmd: JobCmd,
) {
    let (req, id, what) = match &cmd {
        JobCmd::Save {
            req,
            id,
            domain,
            path,
        } => (*req, Some(id.clone()), format!("save {domain} to {path}")),
        JobCmd::Restore { req, path } => (*req, None, format!("restore from {path}")),
        JobCmd::ManagedSave { req, id, domain } => {
            (*req, Some(id.clone()), format!("managed save of {domain}"))
        }
        JobCmd::ManagedSaveRemove { req, id, domain } => (
            *req,
            Some(id.clone()),
            format!("remove the managed save image of {domain}"),
        ),
        JobCmd::AbortDomainJob { req, id, domain } => {
            (*req, Some(id.clone()), format!("abort the job of {domain}"))
        }
        _ => return,
    };
    let finished = |result: Result<String, String>| {
        emit(
            sink,
            host,
            JobEvent::DomainJobFinished {
                req,
                id: id.clone(),
                what: what.clone(),
                result,
            },
        )
    };
    let conn = match conn {
        _ if readonly => return finished(Err("the connection is read-only".into())),
        None => return finished(Err("not connected (reconnecting)".into())),
        Some(c) => c.clone(),
    };
    // The abort must not wait behind the job it cancels: it runs right here.
    if let JobCmd::AbortDomainJob { id: dom_id, .. } = &cmd {
        let r = lookup(&conn, dom_id)
            .and_then(|d| domjob::abort_job(&d))
            .map(|()| "the job was asked to stop".to_string());
        return finished(r);
    }
    let sink = sink.clone();
    let spawned = std::thread::Builder::new()
        .name("save-job".into())
        .spawn(move || run(host, conn, sink, cmd, req, id, what));
    if let Err(e) = spawned {
        tracing::error!("cannot start a save job thread: {e}");
    }
}

fn execute(conn: &Connect, cmd: &JobCmd) -> Result<String, String> {
    let m = |e: virt::error::Error| e.message().to_string();
    match cmd {
        JobCmd::Save { id, path, .. } => {
            domjob::save(&lookup(conn, id)?, path)?;
            Ok(format!("saved to {path}; the domain is stopped"))
        }
        JobCmd::Restore { path, .. } => {
            domjob::restore(conn, path)?;
            Ok(format!("restored from {path}"))
        }
        JobCmd::ManagedSave { id, .. } => {
            lookup(conn, id)?.managed_save(0).map_err(m)?;
            Ok("saved; the next start resumes it".into())
        }
        JobCmd::ManagedSaveRemove { id, .. } => {
            lookup(conn, id)?.managed_save_remove(0).map_err(m)?;
            Ok("the managed save image is removed; the next start boots afresh".into())
        }
        _ => Err("not a domain job".into()),
    }
}

fn run(
    host: HostId,
    conn: Connect,
    sink: EventSink,
    cmd: JobCmd,
    req: u64,
    id: Option<DomainId>,
    what: String,
) {
    emit(
        &sink,
        host,
        JobEvent::DomainJobStarted {
            req,
            id: id.clone(),
            what: what.clone(),
        },
    );
    // Removing the image raises no lifecycle event: the row's "saved" is re-read here.
    let reread = matches!(cmd, JobCmd::ManagedSaveRemove { .. });
    let (done_tx, done_rx) = mpsc::channel();
    let op_conn = conn.clone();
    let op = std::thread::Builder::new()
        .name("save-op".into())
        .spawn(move || {
            let _ = done_tx.send(execute(&op_conn, &cmd));
        });
    let result = match op {
        Err(e) => Err(format!("cannot start a thread: {e}")),
        Ok(_) => {
            let start = Instant::now();
            let dom = id.as_ref().and_then(|i| lookup(&conn, i).ok());
            loop {
                match done_rx.recv_timeout(PROGRESS_EVERY) {
                    Ok(r) => break r,
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        let elapsed = start.elapsed();
                        let p = dom.as_ref().and_then(|d| progress(d, elapsed)).unwrap_or(
                            DomainJobProgress {
                                elapsed,
                                ..DomainJobProgress::default()
                            },
                        );
                        emit(
                            &sink,
                            host,
                            JobEvent::DomainJobProgress {
                                req,
                                id: id.clone(),
                                progress: p,
                            },
                        );
                    }
                    Err(mpsc::RecvTimeoutError::Disconnected) => {
                        break Err("the job thread died".into());
                    }
                }
            }
        }
    };
    if reread
        && result.is_ok()
        && let Some(dom) = id.as_ref().and_then(|i| lookup(&conn, i).ok())
        && let Ok(info) = crate::backend::domains::read_info(host, &dom)
    {
        sink(BackendEvent::DomainUpdated(info));
    }
    emit(
        &sink,
        host,
        JobEvent::DomainJobFinished {
            req,
            id,
            what,
            result,
        },
    );
}
