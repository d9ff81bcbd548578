//! The clone job: on its own thread, copies or overlays each disk, defines the clone, and
//! on a failure or a cancel removes the volumes and the domain it made, saying which.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use virt::connect::Connect;
use virt::storage_pool::StoragePool;
use virt::storage_vol::StorageVol;
use virt::sys;

use super::copy::Copying;
use super::plan::{locate, m, physical, running_pools};
use super::xml::{self, DiskEdit, Rewrite, SourceDisk};
use super::{CloneEvent, CloneProgress, CloneSpec, DiskMode};
use crate::backend::message::BackendEvent;
use crate::backend::model::{DomainId, HostId, RequestId, RunState};
use crate::backend::worker::EventSink;
use crate::backend::xmltree;
use crate::backend::{domains, ffi};

pub(super) const PROGRESS_EVERY: Duration = Duration::from_millis(250);
pub(super) const CHUNK: usize = 4 << 20;
pub(super) const CANCELLED: &str = "cancelled";

pub(super) struct Job {
    pub host: HostId,
    pub req: RequestId,
    pub id: DomainId,
    pub spec: CloneSpec,
    pub cancel: Arc<AtomicBool>,
    pub sink: EventSink,
}

/// What the job has made so far, removed again if it does not finish.
#[derive(Default)]
pub(super) struct Made {
    /// (volume, "pool/name").
    pub vols: Vec<(StorageVol, String)>,
    pub domain: Option<String>,
}

impl Made {
    /// Removes everything (the domain first: it uses the volumes) and says what went.
    fn remove(&mut self, conn: &Connect) -> String {
        let mut gone = Vec::new();
        let mut stuck = Vec::new();
        if let Some(name) = self.domain.take() {
            let r = conn.lookup_domain_by_name(&name).and_then(|d| {
                d.undefine_flags(sys::VIR_DOMAIN_UNDEFINE_NVRAM)
                    .or_else(|_| d.undefine())
            });
            match r {
                Ok(()) => gone.push(format!("domain {name}")),
                Err(e) => stuck.push(format!("domain {name} ({})", m(e))),
            }
        }
        for (vol, label) in self.vols.drain(..).rev() {
            match vol.delete(sys::VIR_STORAGE_VOL_DELETE_NORMAL) {
                Ok(()) => gone.push(format!("volume {label}")),
                Err(e) => stuck.push(format!("volume {label} ({})", m(e))),
            }
        }
        let mut out = if gone.is_empty() {
            "nothing had been created".to_string()
        } else {
            format!("removed {}", gone.join(", "))
        };
        if !stuck.is_empty() {
            out.push_str(&format!("; could NOT remove {}", stuck.join(", ")));
        }
        out
    }
}

/// Bytes copied so far, for progress.
pub(super) struct Meter {
    pub start: Instant,
    pub last: Instant,
    pub done: u64,
    pub total: u64,
}

fn random() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

impl Job {
    pub fn run(self, conn: Connect) {
        let mut made = Made::default();
        let mut what = format!("clone → {}", self.spec.new_name);
        let result = self
            .steps(&conn, &mut made, &mut what)
            .map_err(|e| format!("{e}; {}", made.remove(&conn)));
        (self.sink)(BackendEvent::Clone(
            self.host,
            CloneEvent::Finished {
                req: self.req,
                id: self.id.clone(),
                what,
                result,
            },
        ));
    }

    pub(super) fn cancelled(&self) -> Result<(), String> {
        if self.cancel.load(Ordering::Relaxed) {
            Err(CANCELLED.into())
        } else {
            Ok(())
        }
    }

    pub(super) fn progress(&self, what: &str, step: &str, meter: &Meter) {
        (self.sink)(BackendEvent::Clone(
            self.host,
            CloneEvent::Progress {
                req: self.req,
                id: self.id.clone(),
                what: what.to_string(),
                progress: CloneProgress {
                    step: step.to_string(),
                    done: meter.done,
                    total: meter.total,
                    elapsed: meter.start.elapsed(),
                },
            },
        ));
    }

    fn mode_of(&self, d: &SourceDisk) -> DiskMode {
        self.spec
            .disks
            .iter()
            .find(|(t, _)| *t == d.target)
            .map_or_else(|| d.default_mode(), |(_, m)| *m)
    }

    fn steps(
        &self,
        conn: &Connect,
        made: &mut Made,
        what: &mut String,
    ) -> Result<(DomainId, String), String> {
        let new = self.spec.new_name.as_str();
        let dom = conn
            .lookup_domain_by_uuid_string(self.id.uuid())
            .map_err(m)?;
        let old = dom.name().map_err(m)?;
        *what = format!("{old} → {new}");
        if let Some(why) = xml::invalid_domain_name(new) {
            return Err(why);
        }
        if conn.lookup_domain_by_name(new).is_ok() {
            return Err(format!("a domain named {new} exists already on this host"));
        }
        let (state, _) = ffi::domain_state(&dom).map_err(m)?;
        let state = RunState::from_raw(state);
        if state.is_active() && state != RunState::Paused {
            return Err(format!(
                "{old} is {}: shut it down (or pause it) before cloning",
                state.label()
            ));
        }
        let text = dom
            .xml_desc(sys::VIR_DOMAIN_XML_INACTIVE | sys::VIR_DOMAIN_XML_SECURE)
            .map_err(m)?;
        let root = xmltree::parse(&text)?;
        let pools = running_pools(conn)?;
        let local = conn.uri().is_ok_and(|u| xml::is_local_uri(&u));
        let disks = xml::source_disks(&root);
        let mut total = 0;
        for d in &disks {
            let mode = self.mode_of(d);
            if !d.modes().contains(&mode) {
                return Err(format!(
                    "{}: a {} {} disk cannot be a {} in the clone",
                    d.target,
                    if d.readonly { "read-only" } else { "shared" },
                    d.device,
                    mode.label()
                ));
            }
            if mode == DiskMode::Copy {
                total += locate(conn, &pools, d)
                    .and_then(|(v, _)| physical(&v))
                    .or_else(|| {
                        d.path
                            .as_deref()
                            .and_then(|p| std::fs::metadata(p).ok())
                            .map(|md| md.len())
                    })
                    .unwrap_or(0);
            }
        }
        let now = Instant::now();
        let mut meter = Meter {
            start: now,
            last: now,
            done: 0,
            total,
        };
        self.progress(what, "starting", &meter);
        let mut edits = Vec::new();
        let mut said = Vec::new();
        for d in &disks {
            self.cancelled()?;
            let mode = self.mode_of(d);
            match mode {
                DiskMode::Share => said.push(format!("{} shared", d.target)),
                DiskMode::Leave => {
                    edits.push((d.target.clone(), DiskEdit::Drop));
                    said.push(format!("{} left out", d.target));
                }
                DiskMode::Copy | DiskMode::Link => {
                    let (dest, located) = self.destination(conn, &pools, d)?;
                    let (path, label) = if mode == DiskMode::Copy {
                        let how = Copying {
                            local,
                            paused: state == RunState::Paused,
                        };
                        self.copy(conn, &dest, located, d, &old, how, made, what, &mut meter)?
                    } else {
                        self.link(conn, &dest, located, d, &old, local, made)?
                    };
                    let format = if mode == DiskMode::Link {
                        "qcow2".to_string()
                    } else {
                        d.format.clone().unwrap_or_else(|| "raw".into())
                    };
                    said.push(format!(
                        "{} {} to {label}",
                        d.target,
                        if mode == DiskMode::Copy {
                            "copied"
                        } else {
                            "overlaid"
                        }
                    ));
                    edits.push((d.target.clone(), DiskEdit::File { path, format }));
                }
            }
        }
        self.cancelled()?;
        self.progress(what, "defining the clone", &meter);
        let mut taken = self.macs_on_host(conn);
        let macs = (0..xml::interface_count(&root))
            .map(|_| {
                let mac = xml::new_mac(&taken, random);
                taken.insert(mac.clone());
                mac
            })
            .collect::<Vec<_>>();
        let clone = xml::rewrite(
            &root,
            &Rewrite {
                old_name: old.clone(),
                new_name: new.to_string(),
                macs: macs.clone(),
                disks: edits,
            },
        );
        let new_dom = conn
            .define_domain_xml(&clone.to_xml())
            .map_err(|e| format!("libvirt refused the clone's definition: {}", m(e)))?;
        made.domain = Some(new.to_string());
        self.cancelled()?;
        let uuid = new_dom.uuid_string().map_err(m)?;
        if let Ok(info) = domains::read_info(self.host, &new_dom) {
            (self.sink)(BackendEvent::DomainUpdated(info));
        }
        // Done: nothing is removed any more.
        made.domain = None;
        made.vols.clear();
        if !macs.is_empty() {
            said.push(format!("MAC {}", macs.join(", ")));
        }
        Ok((
            DomainId::new(self.host, uuid.clone()),
            format!("{new} defined (UUID {uuid}): {}", said.join("; ")),
        ))
    }

    /// The pool a disk's copy or overlay goes to, and the disk's own volume if it has one.
    fn destination(
        &self,
        conn: &Connect,
        pools: &[StoragePool],
        d: &SourceDisk,
    ) -> Result<(StoragePool, Option<StorageVol>), String> {
        let located = locate(conn, pools, d);
        let pool = self
            .spec
            .pool
            .clone()
            .or_else(|| located.as_ref().map(|(_, p)| p.clone()))
            .ok_or_else(|| {
                format!(
                    "{} ({}) is in no storage pool: choose a pool for its copy",
                    d.target,
                    d.path.as_deref().unwrap_or("?")
                )
            })?;
        let dest = conn
            .lookup_storage_pool_by_name(&pool)
            .map_err(|e| format!("pool {pool}: {}", m(e)))?;
        Ok((dest, located.map(|(v, _)| v)))
    }

    pub(super) fn new_volume_name(
        &self,
        dest: &StoragePool,
        d: &SourceDisk,
        old: &str,
        ext: Option<&str>,
    ) -> Result<String, String> {
        let taken: HashSet<String> = dest.list_volumes().map_err(m)?.into_iter().collect();
        let file = d
            .pool_volume
            .as_ref()
            .map(|(_, v)| v.as_str())
            .or_else(|| d.path.as_deref().map(file_name))
            .unwrap_or("disk");
        Ok(xml::volume_name(
            file,
            old,
            &self.spec.new_name,
            &d.target,
            ext,
            &taken,
        ))
    }

    /// Every MAC on the host, so the clone's are new.
    fn macs_on_host(&self, conn: &Connect) -> HashSet<String> {
        conn.list_all_domains(0)
            .map(|doms| {
                doms.iter()
                    .filter_map(|d| d.xml_desc(0).ok())
                    .filter_map(|x| xmltree::parse(&x).ok())
                    .flat_map(|r| xml::macs_of(&r))
                    .collect()
            })
            .unwrap_or_default()
    }
}
