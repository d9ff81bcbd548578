//! New domains: the XML a create wizard's answers become (`spec`, pure), libosinfo's OS
//! variants (`osinfo`), and the create itself (`define`): new volumes, define, autostart,
//! with the volumes removed again when the define fails.

pub mod define;
pub mod osinfo;
pub mod spec;

use virt::connect::Connect;

use super::message::BackendEvent;
use super::model::{HostId, RequestId};
use super::storage::NewVolume;
use super::worker::EventSink;

pub use define::Notes;
pub use osinfo::{Defaults, OsVariant};
pub use spec::{Boot, DiskSource, DiskSpec, DomainSpec, NicSource, NicSpec};

/// What the create makes besides the domain: made at define time (so nothing exists while
/// the user still edits), removed again if the define fails.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CreatePlan {
    /// (pool, volume) to create before the define.
    pub volumes: Vec<(String, NewVolume)>,
    pub autostart: bool,
}

impl CreatePlan {
    /// "creates the volume default/web.qcow2 (64 MiB qcow2), then defines the domain": what
    /// the define key will do, for the editor's notice.
    pub fn describe(&self) -> String {
        let vols: Vec<String> = self
            .volumes
            .iter()
            .map(|(pool, v)| format!("{pool}/{} ({} {})", v.name, size(v.capacity), v.format))
            .collect();
        let mut out = if vols.is_empty() {
            "defines the domain".to_string()
        } else {
            format!(
                "creates the volume {}, then defines the domain (a failed define removes it)",
                vols.join(", ")
            )
        };
        if self.autostart {
            out.push_str(" and sets autostart");
        }
        out
    }
}

/// `64 MiB`, `20 GiB`, `1.5 GiB`.
fn size(bytes: u64) -> String {
    const GIB: u64 = 1 << 30;
    const MIB: u64 = 1 << 20;
    if bytes >= GIB && bytes.is_multiple_of(GIB / 2) {
        format!("{} GiB", bytes as f64 / GIB as f64)
    } else if bytes >= MIB {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum CreateCmd {
    /// libosinfo's OS list (runs `osinfo-query` on a thread of its own).
    OsVariants { req: RequestId },
    /// Create the plan's volumes, define `xml`, set autostart; undo the volumes on failure.
    Define {
        req: RequestId,
        xml: String,
        plan: CreatePlan,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum CreateEvent {
    OsVariants {
        req: RequestId,
        result: Result<Vec<OsVariant>, String>,
    },
    /// What the create did besides the define, sent after the `XmlDefined` reply.
    Notes { req: RequestId, notes: Notes },
}

/// Runs one create command on the worker (the OS query on a thread of its own). The
/// define's reply is an ordinary `XmlDefined`, so the XML editor shows it like any other.
pub(crate) fn handle(
    conn: Option<&Connect>,
    host: HostId,
    readonly: bool,
    sink: &EventSink,
    cmd: CreateCmd,
) {
    match cmd {
        CreateCmd::OsVariants { req } => {
            let thread_sink = sink.clone();
            let spawned = std::thread::Builder::new()
                .name("virtdeck-osinfo".into())
                .spawn(move || {
                    let result = osinfo::query();
                    thread_sink(BackendEvent::Create(
                        host,
                        Box::new(CreateEvent::OsVariants { req, result }),
                    ));
                });
            if let Err(e) = spawned {
                sink(BackendEvent::Create(
                    host,
                    Box::new(CreateEvent::OsVariants {
                        req,
                        result: Err(format!("cannot start osinfo-query: {e}")),
                    }),
                ));
            }
        }
        CreateCmd::Define { req, xml, plan } => {
            let result = match super::session::usable(conn, readonly, true) {
                Ok(c) => define::create(c, host, &xml, &plan),
                Err(why) => Err(format!("{why}: nothing was created")),
            };
            let (result, notes) = match result {
                Ok((d, n)) => (Ok(d), n),
                Err(e) => (Err(e), Notes::default()),
            };
            // The new row first: a "start now" pressed the moment the reply shows must
            // find the domain in the list.
            if let (Ok(d), Some(c)) = (&result, conn)
                && let Ok(dom) = c.lookup_domain_by_uuid_string(&d.id.uuid)
                && let Ok(info) = super::domains::read_info(host, &dom)
            {
                sink(BackendEvent::DomainUpdated(info));
            }
            sink(BackendEvent::XmlDefined { host, req, result });
            if !notes.0.is_empty() {
                sink(BackendEvent::Create(
                    host,
                    Box::new(CreateEvent::Notes { req, notes }),
                ));
            }
        }
    }
}
