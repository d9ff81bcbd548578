//! One attached (or attaching) serial console as the UI sees it: link state + emulator.

use std::time::Instant;

use crate::backend::DomainId;
use crate::backend::console::{ConsoleId, FailureKind};
use crate::backend::console_xml::ConsoleDevice;

use super::search::Search;
use super::term::ConsoleTerm;

#[derive(Clone, Debug, PartialEq)]
pub enum Link {
    Connecting,
    Attached,
    /// Several consoles: the user picks one.
    Choosing {
        devices: Vec<ConsoleDevice>,
        selected: usize,
    },
    /// The stream ended; it re-opens when the domain starts (or, when the reason starts
    /// with "connection lost", when the host connection is back).
    Disconnected {
        reason: String,
    },
    /// The domain no longer exists (a transient domain that stopped, or undefined).
    Gone,
    /// Closed after being detached and idle for `mins` minutes (`console_idle_close_mins`).
    IdleClosed {
        mins: u64,
    },
    Failed {
        kind: FailureKind,
        message: String,
    },
}

pub struct ConsoleSession {
    /// The current attach attempt; events for older ids are dropped.
    pub console: ConsoleId,
    pub domain: DomainId,
    pub name: String,
    /// The alias chosen (or reported by the backend), reused when re-attaching.
    pub device: Option<String>,
    pub link: Link,
    pub term: ConsoleTerm,
    /// Keys go to the guest.
    pub focused: bool,
    pub fullscreen: bool,
    /// Guest bytes received over this session's lifetime (all attaches).
    pub received: u64,
    /// The last guest output or key, for closing consoles left idle.
    pub last_activity: Instant,
    /// Search over the scrollback, while it is open.
    pub search: Option<Search>,
}

impl ConsoleSession {
    pub fn new(console: ConsoleId, domain: DomainId, name: String) -> ConsoleSession {
        ConsoleSession {
            console,
            domain,
            name,
            device: None,
            link: Link::Connecting,
            term: ConsoleTerm::default(),
            focused: true,
            fullscreen: false,
            received: 0,
            last_activity: Instant::now(),
            search: None,
        }
    }

    pub fn is_attached(&self) -> bool {
        self.link == Link::Attached
    }

    /// The host connection dropped under this console.
    pub fn host_lost(&self) -> bool {
        matches!(&self.link, Link::Disconnected { reason } if reason.starts_with("connection lost"))
    }
}
