//! Starting, pivoting and aborting block jobs, and keeping the registry current from
//! libvirt's BLOCK_JOB_2 events (delivered straight to the sink) and from polling.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use quick_xml::escape::escape;
use virt::connect::Connect;
use virt::domain::Domain;
use virt::sys;

use super::registry::Registry;
use super::{BlockJob, BlockJobKind, CopyDest, JobCmd, JobEnd, JobError, JobEvent, JobPhase};
use crate::backend::ffi::blockjob::{self as ffi, BlockJobSubscription, RawBlockJobEvent};
use crate::backend::message::BackendEvent;
use crate::backend::model::{DomainId, HostId};
use crate::backend::storage::disks::{self, DiskInfo};
use crate::backend::worker::EventSink;

/// How often every active domain's disks are asked for jobs started elsewhere (BLOCK_JOB_2
/// has no "started" event).
const SCAN_EVERY: Duration = Duration::from_secs(5);

fn emit(sink: &EventSink, host: HostId, ev: JobEvent) {
    sink(BackendEvent::Jobs(host, ev));
}

/// The block job state of one connection.
pub(crate) struct Jobs {
    host: HostId,
    registry: Arc<Mutex<Registry>>,
    sub: Option<BlockJobSubscription>,
    /// Disk targets of active domains, read once per domain until a lifecycle event.
    targets: HashMap<String, Vec<String>>,
    next_scan: Instant,
    /// The driver has no block jobs (it said so): no scans until the next connection.
    unsupported: bool,
}

impl Jobs {
    pub fn new(host: HostId) -> Self {
        Jobs {
            host,
            registry: Arc::new(Mutex::new(Registry::new(host))),
            sub: None,
            targets: HashMap::new(),
            next_scan: Instant::now(),
            unsupported: false,
        }
    }
}

fn lock(r: &Mutex<Registry>) -> std::sync::MutexGuard<'_, Registry> {
    // A panic while holding the lock leaves plain data behind; keep using it.
    r.lock().unwrap_or_else(|p| p.into_inner())
}

/// Runs on libvirt's event-loop thread: update the registry, hand the event on.
fn on_event(registry: &Mutex<Registry>, sink: &EventSink, host: HostId, ev: RawBlockJobEvent) {
    let at = Instant::now();
    let id = DomainId::new(host, ev.uuid);
    let kind = BlockJobKind::from_raw(ev.kind);
    if ev.status == sys::VIR_DOMAIN_BLOCK_JOB_READY as i32 {
        let job = {
            let mut r = lock(registry);
            if r.get(&id, &ev.disk).is_none() {
                r.observe(&id, &ev.name, &ev.disk, kind, 0, 0, 0, false, at);
            }
            r.mark_ready(&id, &ev.disk)
        };
        if let Some(job) = job {
            emit(sink, host, JobEvent::BlockJobUpdated(job));
        }
        return;
    }
    let end = match ev.status {
        0 => JobEnd::Completed,
        1 => JobEnd::Failed,
        2 => JobEnd::Canceled,
        _ => return,
    };
    {
        let mut r = lock(registry);
        r.remove(&id, &ev.disk);
        r.note_end(&id, &ev.disk, at);
    }
    emit(
        sink,
        host,
        JobEvent::BlockJobEnded {
            id,
            domain: ev.name,
            disk: ev.disk,
            kind,
            end,
            at,
        },
    );
}

fn lookup(conn: &Connect, id: &DomainId) -> Result<Domain, JobError> {
    conn.lookup_domain_by_uuid_string(id.uuid())
        .map_err(|e| JobError::Libvirt(e.message().to_string()))
}

fn live_disks(dom: &Domain) -> Result<Vec<DiskInfo>, JobError> {
    let xml = dom
        .xml_desc(0)
        .map_err(|e| JobError::Libvirt(e.message().to_string()))?;
    disks::parse(&xml).map_err(JobError::Libvirt)
}

fn find_disk(disks: Vec<DiskInfo>, target: &str) -> Result<DiskInfo, JobError> {
    disks
        .into_iter()
        .find(|d| d.target == target)
        .ok_or_else(|| JobError::NoDisk {
            disk: target.to_string(),
        })
}

/// The `<disk>` a copy writes to.
pub fn copy_dest_xml(dest: &CopyDest) -> String {
    format!(
        "<disk type='file'><source file='{}'/><driver type='{}'/></disk>",
        escape(dest.path.as_str()),
        escape(dest.format.as_str())
    )
}

impl Jobs {
    /// Subscribes to block job events on a (re)opened connection; the next tick finds the
    /// jobs already running.
    pub fn attach(&mut self, conn: &Connect, sink: &EventSink) {
        let registry = self.registry.clone();
        let events = sink.clone();
        let host = self.host;
        match ffi::subscribe_block_jobs(conn, move |ev| on_event(&registry, &events, host, ev)) {
            Ok(s) => self.sub = Some(s),
            Err(e) => tracing::warn!("no block job events on this connection: {e}"),
        }
        self.targets.clear();
        self.unsupported = false;
        // The scan waits for the first tick: the domain list goes out first.
        self.next_scan = Instant::now();
    }

    /// The connection is gone: stop listening (the jobs go on in QEMU; a reconnect finds
    /// them again).
    pub fn detach(&mut self) {
        self.sub = None;
    }

    /// A domain changed (lifecycle event): its disks may differ.
    pub fn forget(&mut self, id: &DomainId) {
        self.targets.remove(id.uuid());
    }

    /// Polls known jobs (rate, READY missed, vanished) and now and then scans every
    /// active domain for jobs started elsewhere.
    pub fn tick(&mut self, conn: &Connect, sink: &EventSink) {
        if Instant::now() >= self.next_scan && !self.unsupported {
            self.scan(conn, sink);
        }
        let keys = lock(&self.registry).keys();
        for (id, disk) in keys {
            self.poll_one(conn, sink, &id, &disk);
        }
    }

    fn poll_one(&self, conn: &Connect, sink: &EventSink, id: &DomainId, disk: &str) {
        let Ok(dom) = conn.lookup_domain_by_uuid_string(id.uuid()) else {
            if let Some(job) = lock(&self.registry).remove(id, disk) {
                emit(sink, self.host, ended(job, JobEnd::Gone));
            }
            return;
        };
        match ffi::block_job_info(&dom, disk) {
            Ok(Some(info)) => {
                let name = dom.name().unwrap_or_default();
                let kind = BlockJobKind::from_raw(info.kind);
                let mut job = lock(&self.registry).observe(
                    id,
                    &name,
                    disk,
                    kind,
                    info.cur,
                    info.end,
                    info.bandwidth,
                    false,
                    Instant::now(),
                );
                // A READY event missed while reconnecting shows in the XML's <mirror>.
                if job.phase == JobPhase::Running
                    && kind.pivots()
                    && info.end > 0
                    && info.cur == info.end
                    && mirror_ready(&dom, disk)
                    && let Some(j) = lock(&self.registry).mark_ready(id, disk)
                {
                    job = j;
                }
                emit(sink, self.host, JobEvent::BlockJobUpdated(job));
            }
            Ok(None) => {
                let mut r = lock(&self.registry);
                if r.missed(id, disk) >= 2
                    && let Some(job) = r.remove(id, disk)
                {
                    drop(r);
                    emit(sink, self.host, ended(job, JobEnd::Gone));
                }
            }
            Err(e) => tracing::debug!("block job info of {id} {disk}: {e}"),
        }
    }

    fn scan(&mut self, conn: &Connect, sink: &EventSink) {
        self.next_scan = Instant::now() + SCAN_EVERY;
        let Ok(doms) = conn.list_all_domains(sys::VIR_CONNECT_LIST_DOMAINS_ACTIVE) else {
            return;
        };
        for dom in doms {
            let Ok(uuid) = dom.uuid_string() else {
                continue;
            };
            if !self.targets.contains_key(&uuid) {
                let t = live_disks(&dom)
                    .map(|d| d.into_iter().map(|d| d.target).collect())
                    .unwrap_or_default();
                self.targets.insert(uuid.clone(), t);
            }
            let id = DomainId::new(self.host, uuid.clone());
            for disk in self.targets.get(&uuid).cloned().unwrap_or_default() {
                let known = lock(&self.registry).get(&id, &disk).is_some();
                if known {
                    continue;
                }
                let found = match ffi::block_job_query(&dom, &disk) {
                    Ok(found) => found,
                    Err((_, true)) => {
                        // Every domain of this driver would say the same (test:///).
                        self.unsupported = true;
                        return;
                    }
                    Err(_) => None,
                };
                if let Some(info) = found {
                    let name = dom.name().unwrap_or_default();
                    let kind = BlockJobKind::from_raw(info.kind);
                    let mut r = lock(&self.registry);
                    let mut job = r.observe(
                        &id,
                        &name,
                        &disk,
                        kind,
                        info.cur,
                        info.end,
                        info.bandwidth,
                        false,
                        Instant::now(),
                    );
                    drop(r);
                    if kind.pivots()
                        && mirror_ready(&dom, &disk)
                        && let Some(j) = lock(&self.registry).mark_ready(&id, &disk)
                    {
                        job = j;
                    }
                    emit(sink, self.host, JobEvent::BlockJobUpdated(job));
                }
            }
        }
    }

    /// Every running job (the jobs view's list).
    pub fn list(&self) -> Vec<BlockJob> {
        lock(&self.registry).list()
    }

    /// The job on a disk, as the registry knows it.
    pub fn get(&self, id: &DomainId, disk: &str) -> Option<BlockJob> {
        lock(&self.registry).get(id, disk).cloned()
    }

    /// Runs one block job command on the worker (each libvirt call returns at once; the
    /// job itself runs in QEMU). Save / restore go to their own thread.
    pub fn handle(
        &mut self,
        conn: Option<&Connect>,
        readonly: bool,
        sink: &EventSink,
        cmd: JobCmd,
    ) {
        let (req, id, disk) = match &cmd {
            JobCmd::ManagedSaveState { req, id } => {
                let result = match conn {
                    None => Err("not connected (reconnecting)".to_string()),
                    Some(c) => c
                        .lookup_domain_by_uuid_string(id.uuid())
                        .and_then(|d| d.has_managed_save(0))
                        .map_err(|e| e.message().to_string()),
                };
                emit(
                    sink,
                    self.host,
                    JobEvent::ManagedSaveState {
                        req: *req,
                        id: id.clone(),
                        result,
                    },
                );
                return;
            }
            JobCmd::List { req } => {
                emit(
                    sink,
                    self.host,
                    JobEvent::List {
                        req: *req,
                        jobs: self.list(),
                    },
                );
                return;
            }
            JobCmd::Save { .. }
            | JobCmd::Restore { .. }
            | JobCmd::ManagedSave { .. }
            | JobCmd::ManagedSaveRemove { .. }
            | JobCmd::AbortDomainJob { .. } => {
                super::save::handle(self.host, conn, readonly, sink, cmd);
                return;
            }
            JobCmd::Commit { req, id, disk, .. }
            | JobCmd::Pull { req, id, disk, .. }
            | JobCmd::Copy { req, id, disk, .. }
            | JobCmd::Pivot { req, id, disk }
            | JobCmd::Abort { req, id, disk }
            | JobCmd::SetSpeed { req, id, disk, .. } => (*req, id.clone(), disk.clone()),
        };
        let result = match conn {
            _ if readonly => Err(JobError::ReadOnly),
            None => Err(JobError::NotConnected),
            Some(conn) => self.run(conn, sink, cmd),
        };
        emit(
            sink,
            self.host,
            JobEvent::Reply {
                req,
                id,
                disk,
                result,
            },
        );
    }

    fn run(&mut self, conn: &Connect, sink: &EventSink, cmd: JobCmd) -> Result<String, JobError> {
        let lv = |e: String| JobError::Libvirt(e);
        match cmd {
            JobCmd::Commit {
                id,
                disk,
                top,
                base,
                relative,
                bandwidth,
                ..
            } => {
                let dom = lookup(conn, &id)?;
                let d = find_disk(live_disks(&dom)?, &disk)?;
                let active = top.is_none() || top.as_deref() == d.source();
                let mut flags = 0;
                if active {
                    flags |= sys::VIR_DOMAIN_BLOCK_COMMIT_ACTIVE;
                }
                if relative {
                    flags |= sys::VIR_DOMAIN_BLOCK_COMMIT_RELATIVE;
                }
                let top_arg = if active { None } else { top.as_deref() };
                let since = Instant::now();
                ffi::block_commit(&dom, &disk, base.as_deref(), top_arg, bandwidth, flags)
                    .map_err(lv)?;
                let kind = if active {
                    BlockJobKind::ActiveCommit
                } else {
                    BlockJobKind::Commit
                };
                self.started(&dom, sink, &id, &disk, kind, since);
                let into = base.unwrap_or_else(|| "the base".into());
                Ok(format!("{} of {disk} into {into} started", kind.label()))
            }
            JobCmd::Pull {
                id,
                disk,
                base,
                bandwidth,
                ..
            } => {
                let dom = lookup(conn, &id)?;
                find_disk(live_disks(&dom)?, &disk)?;
                let since = Instant::now();
                ffi::block_pull(&dom, &disk, base.as_deref(), bandwidth, 0).map_err(lv)?;
                self.started(&dom, sink, &id, &disk, BlockJobKind::Pull, since);
                Ok(format!("pull into {disk} started"))
            }
            JobCmd::Copy {
                id,
                disk,
                dest,
                bandwidth,
                ..
            } => {
                let dom = lookup(conn, &id)?;
                find_disk(live_disks(&dom)?, &disk)?;
                // A persistent domain refuses a copy unless the job is transient (it does
                // not survive a restart of the domain); the definition follows a pivot.
                let mut flags = sys::VIR_DOMAIN_BLOCK_COPY_TRANSIENT_JOB;
                if dest.shallow {
                    flags |= sys::VIR_DOMAIN_BLOCK_COPY_SHALLOW;
                }
                if dest.reuse_existing {
                    flags |= sys::VIR_DOMAIN_BLOCK_COPY_REUSE_EXT;
                }
                let since = Instant::now();
                ffi::block_copy(&dom, &disk, &copy_dest_xml(&dest), flags).map_err(lv)?;
                if bandwidth > 0 {
                    ffi::block_job_set_speed(&dom, &disk, bandwidth).map_err(lv)?;
                }
                self.started(&dom, sink, &id, &disk, BlockJobKind::Copy, since);
                Ok(format!("copy of {disk} to {} started", dest.path))
            }
            JobCmd::Pivot { id, disk, .. } => {
                let dom = lookup(conn, &id)?;
                let job = self.current(&dom, &id, &disk)?;
                if !job.kind.pivots() {
                    return Err(JobError::CannotPivot {
                        disk,
                        kind: job.kind.label(),
                    });
                }
                if job.phase != JobPhase::Ready {
                    return Err(JobError::NotReady {
                        disk,
                        kind: job.kind.label(),
                    });
                }
                ffi::block_job_abort(&dom, &disk, sys::VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT)
                    .map_err(lv)?;
                let now = find_disk(live_disks(&dom)?, &disk)
                    .ok()
                    .and_then(|d| d.source().map(str::to_string))
                    .unwrap_or_default();
                Ok(format!("{disk} pivoted: it now runs on {now}"))
            }
            JobCmd::Abort { id, disk, .. } => {
                let dom = lookup(conn, &id)?;
                let job = self.current(&dom, &id, &disk)?;
                ffi::block_job_abort(&dom, &disk, 0).map_err(lv)?;
                Ok(format!("{} on {disk} aborted", job.kind.label()))
            }
            JobCmd::SetSpeed {
                id,
                disk,
                bytes_per_sec,
                ..
            } => {
                let dom = lookup(conn, &id)?;
                ffi::block_job_set_speed(&dom, &disk, bytes_per_sec).map_err(lv)?;
                Ok(format!("{disk}: speed limit set"))
            }
            _ => Ok(String::new()),
        }
    }

    /// The job on a disk, asking libvirt when the registry has not seen it yet.
    fn current(&self, dom: &Domain, id: &DomainId, disk: &str) -> Result<BlockJob, JobError> {
        if let Some(j) = self.get(id, disk) {
            return Ok(j);
        }
        let info = ffi::block_job_info(dom, disk)
            .map_err(JobError::Libvirt)?
            .ok_or_else(|| JobError::NoJob {
                disk: disk.to_string(),
            })?;
        let kind = BlockJobKind::from_raw(info.kind);
        let name = dom.name().unwrap_or_default();
        let mut r = lock(&self.registry);
        let job = r.observe(
            id,
            &name,
            disk,
            kind,
            info.cur,
            info.end,
            info.bandwidth,
            false,
            Instant::now(),
        );
        drop(r);
        if kind.pivots() && mirror_ready(dom, disk) {
            return Ok(lock(&self.registry).mark_ready(id, disk).unwrap_or(job));
        }
        Ok(job)
    }

    fn started(
        &self,
        dom: &Domain,
        sink: &EventSink,
        id: &DomainId,
        disk: &str,
        kind: BlockJobKind,
        since: Instant,
    ) {
        let name = dom.name().unwrap_or_default();
        let (cur, end, bw) = match ffi::block_job_info(dom, disk) {
            Ok(Some(i)) => (i.cur, i.end, i.bandwidth),
            // Finished already (its end event went out): nothing to track.
            Ok(None) => return,
            Err(_) => (0, 0, 0),
        };
        let mut r = lock(&self.registry);
        if r.ended_since(id, disk, since) {
            return;
        }
        // A READY (or even the end) may already have arrived from the event thread.
        let job = r.observe(id, &name, disk, kind, cur, end, bw, true, Instant::now());
        drop(r);
        emit(sink, self.host, JobEvent::BlockJobUpdated(job));
    }
}

fn ended(job: BlockJob, end: JobEnd) -> JobEvent {
    JobEvent::BlockJobEnded {
        id: job.id,
        domain: job.domain,
        disk: job.disk,
        kind: job.kind,
        end,
        at: Instant::now(),
    }
}

/// libvirt's `<mirror ready='yes'>` on the disk: the job is READY.
fn mirror_ready(dom: &Domain, disk: &str) -> bool {
    live_disks(dom)
        .ok()
        .and_then(|d| d.into_iter().find(|d| d.target == disk))
        .and_then(|d| d.mirror)
        .is_some_and(|m| m.ready)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_destination_xml_escapes_the_path() {
        let x = copy_dest_xml(&CopyDest {
            path: "/img/a'b&c.qcow2".into(),
            format: "qcow2".into(),
            shallow: true,
            reuse_existing: false,
        });
        assert_eq!(
            x,
            "<disk type='file'><source file='/img/a&apos;b&amp;c.qcow2'/><driver type='qcow2'/></disk>"
        );
    }
}
