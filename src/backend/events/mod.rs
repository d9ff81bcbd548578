//! Domain events beyond lifecycle (reboot, device added / removed, balloon, watchdog, I/O
//! error) as the events view shows them: when, which domain, what.

use std::time::SystemTime;

use crate::backend::ffi::domain_events::{RawDomainEvent, RawDomainEventKind};
use crate::backend::model::{DomainId, HostId};

/// `virDomainEventWatchdogAction`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WatchdogAction {
    None,
    Pause,
    Reset,
    Poweroff,
    Shutdown,
    Debug,
    InjectNmi,
    Other(i32),
}

impl WatchdogAction {
    pub fn from_raw(raw: i32) -> Self {
        match raw {
            0 => Self::None,
            1 => Self::Pause,
            2 => Self::Reset,
            3 => Self::Poweroff,
            4 => Self::Shutdown,
            5 => Self::Debug,
            6 => Self::InjectNmi,
            o => Self::Other(o),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Pause => "pause",
            Self::Reset => "reset",
            Self::Poweroff => "poweroff",
            Self::Shutdown => "shutdown",
            Self::Debug => "debug",
            Self::InjectNmi => "inject-nmi",
            Self::Other(_) => "unknown",
        }
    }
}

/// `virDomainEventIOErrorAction`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IoErrorAction {
    None,
    Pause,
    Report,
    Other(i32),
}

impl IoErrorAction {
    pub fn from_raw(raw: i32) -> Self {
        match raw {
            0 => Self::None,
            1 => Self::Pause,
            2 => Self::Report,
            o => Self::Other(o),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Pause => "pause",
            Self::Report => "report",
            Self::Other(_) => "unknown",
        }
    }
}

/// What happened to the domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DomainEventDetail {
    Reboot,
    DeviceAdded {
        alias: String,
    },
    DeviceRemoved {
        alias: String,
    },
    BalloonChange {
        actual_kib: u64,
    },
    Watchdog {
        action: WatchdogAction,
    },
    IoError {
        src_path: String,
        alias: String,
        action: IoErrorAction,
        /// libvirt's reason: `enospc`, `eio`, ...
        reason: String,
    },
}

impl DomainEventDetail {
    /// The event's name as `virsh event --all` prints it.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Reboot => "reboot",
            Self::DeviceAdded { .. } => "device-added",
            Self::DeviceRemoved { .. } => "device-removed",
            Self::BalloonChange { .. } => "balloon-change",
            Self::Watchdog { .. } => "watchdog",
            Self::IoError { .. } => "io-error-reason",
        }
    }
}

/// One received event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DomainEventRecord {
    pub at: SystemTime,
    pub id: DomainId,
    pub name: String,
    pub detail: DomainEventDetail,
}

impl DomainEventRecord {
    pub fn from_raw(raw: RawDomainEvent, host: HostId, at: SystemTime) -> Self {
        let detail = match raw.kind {
            RawDomainEventKind::Reboot => DomainEventDetail::Reboot,
            RawDomainEventKind::DeviceAdded { alias } => DomainEventDetail::DeviceAdded { alias },
            RawDomainEventKind::DeviceRemoved { alias } => {
                DomainEventDetail::DeviceRemoved { alias }
            }
            RawDomainEventKind::BalloonChange { actual_kib } => {
                DomainEventDetail::BalloonChange { actual_kib }
            }
            RawDomainEventKind::Watchdog { action } => DomainEventDetail::Watchdog {
                action: WatchdogAction::from_raw(action),
            },
            RawDomainEventKind::IoError {
                src_path,
                alias,
                action,
                reason,
            } => DomainEventDetail::IoError {
                src_path,
                alias,
                action: IoErrorAction::from_raw(action),
                reason,
            },
        };
        DomainEventRecord {
            at,
            id: DomainId::new(host, raw.uuid),
            name: raw.name,
            detail,
        }
    }

    /// Device and reboot events change what the index and devices tab know.
    pub fn changes_devices(&self) -> bool {
        matches!(
            self.detail,
            DomainEventDetail::DeviceAdded { .. } | DomainEventDetail::DeviceRemoved { .. }
        )
    }
}
