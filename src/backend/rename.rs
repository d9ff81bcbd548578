//! A domain's name, title and description: read them, rename a shut-off domain
//! (virDomainRename, `virsh domrename`) and set the title and description in place
//! (virDomainSetMetadata, live and persistent as the domain's state allows).

use virt::connect::Connect;
use virt::domain::Domain;
use virt::sys;

use super::message::BackendEvent;
use super::model::{DomainId, HostId, RequestId, RunState};
use super::worker::EventSink;
use super::{domains, ffi};

/// A domain's editable labels.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Labels {
    pub name: String,
    pub title: String,
    pub description: String,
    /// Renaming needs the domain shut off.
    pub shut_off: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum RenameCmd {
    /// Read the name, title and description.
    Read { req: RequestId, id: DomainId },
    /// Change what differs: the name (shut off only), the title, the description.
    Apply {
        req: RequestId,
        id: DomainId,
        /// The name the user saw, for messages.
        old_name: String,
        name: Option<String>,
        title: Option<String>,
        description: Option<String>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum RenameEvent {
    Labels {
        req: RequestId,
        id: DomainId,
        result: Result<Labels, String>,
    },
    /// What changed, or why not (a rename refused leaves the title and description too).
    Applied {
        req: RequestId,
        id: DomainId,
        result: Result<String, String>,
    },
}

fn m(e: virt::error::Error) -> String {
    e.message().to_string()
}

fn meta(dom: &Domain, kind: i32) -> String {
    // libvirt reports "no metadata" as an error; that is an empty title.
    dom.metadata(kind, None, 0).unwrap_or_default()
}

fn read(conn: &Connect, id: &DomainId) -> Result<Labels, String> {
    let dom = conn.lookup_domain_by_uuid_string(id.uuid()).map_err(m)?;
    let (state, _) = ffi::domain_state(&dom).map_err(m)?;
    Ok(Labels {
        name: dom.name().map_err(m)?,
        title: meta(&dom, sys::VIR_DOMAIN_METADATA_TITLE as i32),
        description: meta(&dom, sys::VIR_DOMAIN_METADATA_DESCRIPTION as i32),
        shut_off: !RunState::from_raw(state).is_active(),
    })
}

/// Why `name` cannot be the new name, before libvirt is asked.
pub fn invalid_name(name: &str) -> Option<String> {
    super::clone::xml::invalid_domain_name(name)
}

fn apply(
    conn: &Connect,
    id: &DomainId,
    old_name: &str,
    name: Option<&str>,
    title: Option<&str>,
    description: Option<&str>,
) -> Result<String, String> {
    let dom = conn.lookup_domain_by_uuid_string(id.uuid()).map_err(m)?;
    let (state, _) = ffi::domain_state(&dom).map_err(m)?;
    let active = RunState::from_raw(state).is_active();
    let mut done = Vec::new();
    if let Some(new) = name.filter(|n| *n != old_name) {
        if let Some(why) = invalid_name(new) {
            return Err(why);
        }
        if active {
            return Err(format!(
                "{old_name} is running: shut it down to rename it (virsh domrename needs it shut off)"
            ));
        }
        dom.rename(new, 0)
            .map_err(|e| format!("rename to {new}: {}", m(e)))?;
        done.push(format!("renamed {old_name} to {new}"));
    }
    // Live and persistent on a running persistent domain; the one that exists otherwise.
    let persistent = dom.is_persistent().unwrap_or(true);
    let mut flags = 0;
    if active {
        flags |= sys::VIR_DOMAIN_AFFECT_LIVE;
    }
    if persistent {
        flags |= sys::VIR_DOMAIN_AFFECT_CONFIG;
    }
    for (kind, text, word) in [
        (sys::VIR_DOMAIN_METADATA_TITLE, title, "title"),
        (
            sys::VIR_DOMAIN_METADATA_DESCRIPTION,
            description,
            "description",
        ),
    ] {
        let Some(text) = text else { continue };
        if word == "title" && text.contains('\n') {
            return Err("a title is one line".into());
        }
        let value = (!text.is_empty()).then_some(text);
        dom.set_metadata(kind as i32, value, None, None, flags)
            .map_err(|e| format!("setting the {word}: {}", m(e)))?;
        done.push(if text.is_empty() {
            format!("{word} cleared")
        } else {
            format!("{word} set")
        });
    }
    if done.is_empty() {
        return Ok("nothing changed".into());
    }
    Ok(done.join(", "))
}

pub(crate) fn handle(
    host: HostId,
    conn: Option<&Connect>,
    readonly: bool,
    sink: &EventSink,
    cmd: RenameCmd,
) {
    let emit = |ev: RenameEvent| sink(BackendEvent::Rename(host, ev));
    let Some(conn) = conn else {
        let why = "not connected (reconnecting)".to_string();
        return emit(match cmd {
            RenameCmd::Read { req, id } => RenameEvent::Labels {
                req,
                id,
                result: Err(why),
            },
            RenameCmd::Apply { req, id, .. } => RenameEvent::Applied {
                req,
                id,
                result: Err(why),
            },
        });
    };
    match cmd {
        RenameCmd::Read { req, id } => {
            let result = read(conn, &id);
            emit(RenameEvent::Labels { req, id, result })
        }
        RenameCmd::Apply {
            req,
            id,
            old_name,
            name,
            title,
            description,
        } => {
            let result = if readonly {
                Err("the connection is read-only".into())
            } else {
                apply(
                    conn,
                    &id,
                    &old_name,
                    name.as_deref(),
                    title.as_deref(),
                    description.as_deref(),
                )
            };
            // A rename raises no event on every driver: the row follows at once.
            if result.is_ok()
                && let Ok(dom) = conn.lookup_domain_by_uuid_string(id.uuid())
                && let Ok(info) = domains::read_info(host, &dom)
            {
                sink(BackendEvent::DomainUpdated(info));
            }
            emit(RenameEvent::Applied { req, id, result })
        }
    }
}
