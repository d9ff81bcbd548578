//! Runs storage commands on the worker: quick reads and actions inline, transfers on a
//! thread of their own.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use virt::connect::Connect;

use super::usage::Usage;
use super::{StorageCmd, StorageError, StorageEvent, disks, pools, transfer, volumes};
use crate::backend::message::BackendEvent;
use crate::backend::model::{DomainId, HostId, RequestId};
use crate::backend::worker::EventSink;

/// The storage state of one worker: the disk-usage cache and running transfers.
pub(crate) struct Storage {
    host: HostId,
    usage: Usage,
    transfers: HashMap<RequestId, Arc<AtomicBool>>,
}

impl Storage {
    pub fn new(host: HostId) -> Self {
        Storage {
            host,
            usage: Usage::new(host),
            transfers: HashMap::new(),
        }
    }

    /// A domain changed (lifecycle or define event): its disks may differ.
    pub fn forget(&mut self, id: &DomainId) {
        self.usage.forget(id);
    }

    /// After a reconnect nothing cached can be trusted.
    pub fn clear(&mut self) {
        self.usage.clear();
    }

    pub fn handle(
        &mut self,
        conn: Option<&Connect>,
        readonly: bool,
        sink: &EventSink,
        cmd: StorageCmd,
    ) {
        let host = self.host;
        let emit = |ev: StorageEvent| sink(BackendEvent::Storage(host, ev));
        let Some(conn) = conn else {
            return emit(refusal(cmd, StorageError::NotConnected));
        };
        let writes = !matches!(
            cmd,
            StorageCmd::ListPools { .. }
                | StorageCmd::PoolXml { .. }
                | StorageCmd::ListVolumes { .. }
                | StorageCmd::VolumeXml { .. }
                | StorageCmd::VolumeUsers { .. }
                | StorageCmd::Disks { .. }
                | StorageCmd::SnapshotFiles { .. }
                | StorageCmd::CancelTransfer { .. }
        ) && !matches!(
            cmd,
            StorageCmd::Transfer {
                direction: super::Direction::Download,
                ..
            }
        );
        if readonly && writes {
            return emit(refusal(cmd, StorageError::ReadOnly));
        }
        match cmd {
            StorageCmd::ListPools { req } => emit(StorageEvent::Pools {
                req,
                result: pools::list(conn),
            }),
            StorageCmd::Pool { req, pool, op } => emit(StorageEvent::Done {
                req,
                what: format!("{} pool {pool}", op.label()),
                result: pools::run(conn, &pool, op),
            }),
            StorageCmd::PoolXml {
                req,
                pool,
                inactive,
            } => emit(StorageEvent::Xml {
                req,
                result: pools::xml(conn, &pool, inactive),
            }),
            StorageCmd::DefinePool { req, editing, xml } => emit(StorageEvent::PoolDefined {
                req,
                result: pools::define(conn, editing.as_deref(), &xml),
            }),
            StorageCmd::ListVolumes { req, pool } => {
                let result = volumes::list(conn, &mut self.usage, &pool);
                emit(StorageEvent::Volumes { req, pool, result })
            }
            StorageCmd::CreateVolume { req, pool, spec } => emit(StorageEvent::Done {
                req,
                what: format!("create volume {} in {pool}", spec.name),
                result: volumes::create(conn, &pool, &spec),
            }),
            StorageCmd::DeleteVolume { req, pool, name } => {
                let result = volumes::delete(conn, &mut self.usage, &pool, &name);
                emit(StorageEvent::Done {
                    req,
                    what: format!("delete volume {name}"),
                    result,
                })
            }
            StorageCmd::WipeVolume { req, pool, name } => emit(StorageEvent::Done {
                req,
                what: format!("wipe volume {name}"),
                result: volumes::wipe(conn, &pool, &name),
            }),
            StorageCmd::ResizeVolume {
                req,
                pool,
                name,
                capacity,
                shrink,
            } => emit(StorageEvent::Done {
                req,
                what: format!("resize volume {name}"),
                result: volumes::resize(conn, &pool, &name, capacity, shrink),
            }),
            StorageCmd::CloneVolume {
                req,
                pool,
                name,
                new_name,
            } => emit(StorageEvent::Done {
                req,
                what: format!("clone volume {name}"),
                result: volumes::clone(conn, &pool, &name, &new_name),
            }),
            StorageCmd::VolumeXml { req, pool, name } => emit(StorageEvent::Xml {
                req,
                result: volumes::xml(conn, &pool, &name),
            }),
            StorageCmd::VolumeUsers { req, pool, name } => emit(StorageEvent::Users {
                req,
                result: volumes::users(conn, &mut self.usage, &pool, &name),
            }),
            StorageCmd::Disks { req, id } => {
                let result = conn
                    .lookup_domain_by_uuid_string(id.uuid())
                    .map_err(|e| e.message().to_string())
                    .and_then(|d| disks::read(&d));
                emit(StorageEvent::Disks { req, id, result })
            }
            StorageCmd::SnapshotFiles { req, id, snapshot } => emit(StorageEvent::SnapshotFiles {
                req,
                result: snapshot_files(conn, &id, &snapshot),
            }),
            StorageCmd::Transfer {
                req,
                pool,
                name,
                file,
                direction,
            } => {
                self.transfers.retain(|_, f| Arc::strong_count(f) > 1);
                let vol = match volumes::lookup(conn, &pool, &name) {
                    Ok(v) => v,
                    Err(e) => {
                        return emit(StorageEvent::TransferFinished {
                            req,
                            direction,
                            result: Err(e.to_string()),
                        });
                    }
                };
                let cancel = Arc::new(AtomicBool::new(false));
                self.transfers.insert(req, cancel.clone());
                if let Err(e) = transfer::spawn(
                    conn.clone(),
                    vol,
                    file,
                    direction,
                    cancel,
                    req,
                    tagged(host, sink),
                ) {
                    emit(StorageEvent::TransferFinished {
                        req,
                        direction,
                        result: Err(format!("cannot start a thread: {e}")),
                    });
                }
            }
            StorageCmd::CancelTransfer { req } => {
                if let Some(flag) = self.transfers.get(&req) {
                    flag.store(true, Ordering::Relaxed);
                }
            }
        }
    }
}

/// A sink for a transfer thread: its events carry the host.
fn tagged(host: HostId, sink: &EventSink) -> transfer::StorageSink {
    let sink = sink.clone();
    Arc::new(move |ev| sink(BackendEvent::Storage(host, ev)))
}

fn snapshot_files(
    conn: &Connect,
    id: &DomainId,
    snapshot: &str,
) -> Result<Vec<super::external::RemainingFile>, String> {
    let m = |e: virt::error::Error| e.message().to_string();
    let dom = conn.lookup_domain_by_uuid_string(id.uuid()).map_err(m)?;
    let snap = virt::domain::Domain::lookup_snapshot_by_name(&dom, snapshot, 0).map_err(m)?;
    let info = crate::backend::snapshots::xml::parse(&snap.xml_desc(0).map_err(m)?, false)?;
    let disks = disks::parse(&dom.xml_desc(0).map_err(m)?)?;
    Ok(super::external::files_after_delete(&info.files, &disks))
}

/// The reply a command gets when it cannot run at all.
fn refusal(cmd: StorageCmd, err: StorageError) -> StorageEvent {
    match cmd {
        StorageCmd::ListPools { req } => StorageEvent::Pools {
            req,
            result: Err(err),
        },
        StorageCmd::ListVolumes { req, pool } => StorageEvent::Volumes {
            req,
            pool,
            result: Err(err),
        },
        StorageCmd::PoolXml { req, .. } | StorageCmd::VolumeXml { req, .. } => StorageEvent::Xml {
            req,
            result: Err(err),
        },
        StorageCmd::VolumeUsers { req, .. } => StorageEvent::Users {
            req,
            result: Err(err),
        },
        StorageCmd::Disks { req, id } => StorageEvent::Disks {
            req,
            id,
            result: Err(err.to_string()),
        },
        StorageCmd::SnapshotFiles { req, .. } => StorageEvent::SnapshotFiles {
            req,
            result: Err(err.to_string()),
        },
        StorageCmd::Transfer { req, direction, .. } => StorageEvent::TransferFinished {
            req,
            direction,
            result: Err(err.to_string()),
        },
        StorageCmd::DefinePool { req, .. } => StorageEvent::PoolDefined {
            req,
            result: Err(err),
        },
        StorageCmd::Pool { req, .. }
        | StorageCmd::CreateVolume { req, .. }
        | StorageCmd::DeleteVolume { req, .. }
        | StorageCmd::WipeVolume { req, .. }
        | StorageCmd::ResizeVolume { req, .. }
        | StorageCmd::CloneVolume { req, .. }
        | StorageCmd::CancelTransfer { req } => StorageEvent::Done {
            req,
            what: "storage".into(),
            result: Err(err),
        },
    }
}
