//! Serial consoles on the worker: open (picking the device, safe or forced), input, close,
//! and the end of a stream. Bytes flow from libvirt's event-loop thread straight to the UI.

use std::collections::HashMap;
use std::sync::mpsc::Sender;

use virt::connect::Connect;

use super::console_xml::{self, ConsoleDevice};
use super::ffi::console::{ConsoleStream, StreamEvent, open_console};
use super::message::BackendEvent;
use super::model::{DomainId, HostId};
use super::session::usable;
use super::worker::{EventSink, WorkerMsg};

/// Names one console session; chosen by the UI, unique per attach attempt.
pub type ConsoleId = u64;

#[derive(Clone, Debug, PartialEq)]
pub enum ConsoleCommand {
    /// Attach to `device` (an alias; `None` = pick: the only pty console, or ask).
    Open {
        console: ConsoleId,
        id: DomainId,
        device: Option<String>,
        /// Disconnect another client holding the console (VIR_DOMAIN_CONSOLE_FORCE).
        force: bool,
    },
    /// Bytes typed or pasted by the user, for the guest.
    Input { console: ConsoleId, bytes: Vec<u8> },
    /// Detach: abort the stream.
    Close { console: ConsoleId },
}

/// Why an attach failed, so the UI can offer the right next step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// Another client holds the console; forcing would take it over.
    Busy,
    /// The domain has no pty console/serial at all.
    NoPty,
    /// The domain is not running.
    NotRunning,
    Other,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ConsoleEvent {
    /// Several consoles can be opened; the user picks one and sends `Open` with its alias.
    Choices {
        console: ConsoleId,
        devices: Vec<ConsoleDevice>,
    },
    /// The stream is open on `device`.
    Opened { console: ConsoleId, device: String },
    /// Guest output: everything one stream callback could read.
    Output { console: ConsoleId, bytes: Vec<u8> },
    /// The stream ended (guest stopped, another client forced it away, connection lost,
    /// or the user closed it).
    Closed { console: ConsoleId, reason: String },
    Failed {
        console: ConsoleId,
        kind: FailureKind,
        message: String,
    },
}

/// The open streams of one worker.
pub struct Consoles {
    open: HashMap<ConsoleId, ConsoleStream>,
    /// The worker's host, named in every event.
    host: HostId,
}

impl Consoles {
    pub fn new(host: HostId) -> Consoles {
        Consoles {
            open: HashMap::new(),
            host,
        }
    }

    pub fn handle(
        &mut self,
        conn: Option<&Connect>,
        cmd: ConsoleCommand,
        sink: &EventSink,
        tx: &Sender<WorkerMsg>,
    ) {
        match cmd {
            ConsoleCommand::Open {
                console,
                id,
                device,
                force,
            } => {
                // A re-attach replaces the old stream of the same session.
                self.open.remove(&console);
                let ev = match usable(conn, false, false) {
                    Err(why) => failed(console, FailureKind::Other, &why.to_string()),
                    Ok(conn) => match self.open_one(conn, console, &id, device, force, sink, tx) {
                        Ok(ev) => ev,
                        Err((kind, message)) => failed(console, kind, &message),
                    },
                };
                emit(self.host, sink, ev);
            }
            ConsoleCommand::Input { console, bytes } => {
                if let Some(stream) = self.open.get(&console)
                    && let Err(e) = stream.send(&bytes)
                {
                    self.open.remove(&console);
                    emit(self.host, sink, ConsoleEvent::Closed { console, reason: e });
                }
            }
            ConsoleCommand::Close { console } => {
                if self.open.remove(&console).is_some() {
                    emit(
                        self.host,
                        sink,
                        ConsoleEvent::Closed {
                            console,
                            reason: "detached".into(),
                        },
                    );
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn open_one(
        &mut self,
        conn: &Connect,
        console: ConsoleId,
        id: &DomainId,
        device: Option<String>,
        force: bool,
        sink: &EventSink,
        tx: &Sender<WorkerMsg>,
    ) -> Result<ConsoleEvent, (FailureKind, String)> {
        let other = |e: virt::error::Error| (FailureKind::Other, e.message().to_string());
        let dom = conn.lookup_domain_by_uuid_string(&id.uuid).map_err(other)?;
        if !dom.is_active().map_err(other)? {
            return Err((
                FailureKind::NotRunning,
                "the domain is not running; the console attaches when it starts".into(),
            ));
        }
        let xml = dom.xml_desc(0).map_err(other)?;
        let devices = console_xml::parse_devices(&xml).map_err(|e| (FailureKind::Other, e))?;
        let ptys: Vec<ConsoleDevice> = devices.into_iter().filter(|d| d.is_pty()).collect();
        let device = match device {
            Some(d) => Some(d),
            None => match ptys.as_slice() {
                [] => return Err((FailureKind::NoPty, console_xml::NO_PTY_HINT.into())),
                [one] => Some(one.alias.clone()).filter(|a| !a.is_empty()),
                _ => {
                    return Ok(ConsoleEvent::Choices {
                        console,
                        devices: ptys,
                    });
                }
            },
        };
        let mut flags = virt::sys::VIR_DOMAIN_CONSOLE_SAFE;
        if force {
            flags |= virt::sys::VIR_DOMAIN_CONSOLE_FORCE;
        }
        let out = sink.clone();
        let host = self.host;
        let ended = tx.clone();
        let stream = open_console(conn, &dom, device.as_deref(), flags, move |ev| match ev {
            StreamEvent::Data(bytes) => out(BackendEvent::Console(
                host,
                ConsoleEvent::Output { console, bytes },
            )),
            StreamEvent::End(reason) => {
                let _ = ended.send(WorkerMsg::ConsoleEnded { console, reason });
            }
        })
        .map_err(|m| (classify(&m), m))?;
        self.open.insert(console, stream);
        Ok(ConsoleEvent::Opened {
            console,
            device: device.unwrap_or_else(|| "console".into()),
        })
    }

    /// The callback saw the end of `console`'s stream: free it and tell the UI.
    pub fn ended(&mut self, console: ConsoleId, reason: String, sink: &EventSink) {
        if self.open.remove(&console).is_some() {
            emit(self.host, sink, ConsoleEvent::Closed { console, reason });
        }
    }

    /// The connection is gone: every stream with it.
    pub fn close_all(&mut self, reason: &str, sink: &EventSink) {
        for (console, stream) in self.open.drain() {
            drop(stream);
            emit(
                self.host,
                sink,
                ConsoleEvent::Closed {
                    console,
                    reason: reason.to_string(),
                },
            );
        }
    }
}

fn failed(console: ConsoleId, kind: FailureKind, message: &str) -> ConsoleEvent {
    ConsoleEvent::Failed {
        console,
        kind,
        message: message.to_string(),
    }
}

/// libvirt reports a held console as "Active console session exists for this domain".
fn classify(message: &str) -> FailureKind {
    let m = message.to_lowercase();
    if m.contains("active console session") || m.contains("console is busy") {
        FailureKind::Busy
    } else if m.contains("cannot find character device") || m.contains("not a pty") {
        FailureKind::NoPty
    } else {
        FailureKind::Other
    }
}

fn emit(host: HostId, sink: &EventSink, ev: ConsoleEvent) {
    sink(BackendEvent::Console(host, ev));
}
