//! One line of the events view: what the App keeps of each libvirt event it receives
//! (the bounded `EventLog` holds these, newest first).

use std::time::SystemTime;

use crate::backend::events::DomainEventDetail;
use crate::backend::network::NetEvent;
use crate::backend::{BackendEvent, HostId};

/// A received event, already rendered to text so drawing costs no formatting of enums.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventEntry {
    pub at: SystemTime,
    pub host: HostId,
    /// The domain's (or network's) name.
    pub subject: String,
    /// `lifecycle`, `reboot`, `device-added`, `network`, ... as `virsh event` names them.
    pub kind: &'static str,
    pub detail: String,
}

impl EventEntry {
    /// The log entry for a backend event, if it is a libvirt event (replies, stats and
    /// list updates are not). `now` stamps events that carry no time of their own.
    pub fn from_backend(ev: &BackendEvent, now: SystemTime) -> Option<EventEntry> {
        match ev {
            BackendEvent::Lifecycle {
                id,
                name,
                event,
                detail,
            } => Some(EventEntry {
                at: now,
                host: id.host,
                subject: name.clone(),
                kind: "lifecycle",
                detail: format!("{} (reason {detail})", event.label()),
            }),
            BackendEvent::DomainEvent(host, rec) => Some(EventEntry {
                at: rec.at,
                host: *host,
                subject: rec.name.clone(),
                kind: rec.detail.kind(),
                detail: describe(&rec.detail),
            }),
            BackendEvent::Network(host, n) => match n.as_ref() {
                NetEvent::Lifecycle {
                    at, name, event, ..
                } => Some(EventEntry {
                    at: *at,
                    host: *host,
                    subject: name.clone(),
                    kind: "network",
                    detail: event.label().to_string(),
                }),
                _ => None,
            },
            _ => None,
        }
    }
}

fn describe(d: &DomainEventDetail) -> String {
    match d {
        DomainEventDetail::Reboot => "rebooted".into(),
        DomainEventDetail::DeviceAdded { alias } => format!("device {alias} added"),
        DomainEventDetail::DeviceRemoved { alias } => format!("device {alias} removed"),
        DomainEventDetail::BalloonChange { actual_kib } => {
            format!("balloon now {} MiB", actual_kib / 1024)
        }
        DomainEventDetail::Watchdog { action } => format!("watchdog fired: {}", action.label()),
        DomainEventDetail::IoError {
            src_path,
            alias,
            action,
            reason,
        } => format!(
            "I/O error on {alias} ({src_path}): {reason}, action {}",
            action.label()
        ),
    }
}
