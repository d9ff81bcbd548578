//! One attached (or attaching) serial console as the UI sees it: link state + emulator.

use crate::backend::DomainId;
use crate::backend::console::{ConsoleId, FailureKind};
use crate::backend::console_xml::ConsoleDevice;

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
    /// The stream ended; `reattach` says whether it re-opens when the domain starts.
    Disconnected {
        reason: String,
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
        }
    }

    pub fn is_attached(&self) -> bool {
        self.link == Link::Attached
    }
}
