//! Plain data the backend reports: domain identity, state and summary figures.

use std::fmt;

/// Which connection (libvirt host) something belongs to. One worker thread per host; the
/// first (and today only) connection is `HostId::FIRST`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HostId(pub u16);

impl HostId {
    pub const FIRST: HostId = HostId(0);
}

impl fmt::Display for HostId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "host{}", self.0)
    }
}

/// A domain's key: its host plus its UUID in canonical string form. The only key the UI
/// uses for a domain (never an index or a name): two hosts may hold the same UUID.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DomainId {
    pub host: HostId,
    pub uuid: String,
}

impl DomainId {
    pub fn new(host: HostId, uuid: impl Into<String>) -> DomainId {
        DomainId {
            host,
            uuid: uuid.into(),
        }
    }

    /// The UUID string libvirt's lookups take.
    pub fn uuid(&self) -> &str {
        &self.uuid
    }
}

impl fmt::Display for DomainId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.uuid)
    }
}

/// libvirt's `virDomainState`, plus the raw value for states a newer libvirt may add.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RunState {
    NoState,
    Running,
    Blocked,
    Paused,
    ShuttingDown,
    ShutOff,
    Crashed,
    PmSuspended,
    Unknown(i32),
}

impl RunState {
    pub fn from_raw(raw: i32) -> Self {
        match raw {
            0 => RunState::NoState,
            1 => RunState::Running,
            2 => RunState::Blocked,
            3 => RunState::Paused,
            4 => RunState::ShuttingDown,
            5 => RunState::ShutOff,
            6 => RunState::Crashed,
            7 => RunState::PmSuspended,
            other => RunState::Unknown(other),
        }
    }

    /// The words `virsh domstate` uses.
    pub fn label(self) -> &'static str {
        match self {
            RunState::NoState => "no state",
            RunState::Running => "running",
            RunState::Blocked => "idle",
            RunState::Paused => "paused",
            RunState::ShuttingDown => "in shutdown",
            RunState::ShutOff => "shut off",
            RunState::Crashed => "crashed",
            RunState::PmSuspended => "pmsuspended",
            RunState::Unknown(_) => "unknown",
        }
    }

    /// True while the domain has a running QEMU process (it has an id and can be stopped).
    pub fn is_active(self) -> bool {
        !matches!(self, RunState::ShutOff | RunState::NoState)
    }
}

/// State plus libvirt's reason code for it, rendered like `virsh domstate --reason`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DomainState {
    pub state: RunState,
    pub reason: i32,
}

impl DomainState {
    pub fn from_raw(state: i32, reason: i32) -> Self {
        DomainState {
            state: RunState::from_raw(state),
            reason,
        }
    }

    /// The reason in virsh's words; `None` when libvirt does not know it.
    pub fn reason_label(self) -> Option<&'static str> {
        let table: &[&str] = match self.state {
            RunState::Running => &[
                "unknown",
                "booted",
                "migrated",
                "restored",
                "from snapshot",
                "unpaused",
                "migration canceled",
                "save canceled",
                "event wakeup",
                "crashed",
                "post-copy",
                "post-copy failed",
            ],
            RunState::Paused => &[
                "unknown",
                "user",
                "migrating",
                "saving",
                "dumping",
                "I/O error",
                "watchdog",
                "from snapshot",
                "shutting down",
                "creating snapshot",
                "crashed",
                "starting up",
                "post-copy",
                "post-copy failed",
                "api error",
            ],
            RunState::ShuttingDown => &["unknown", "user"],
            RunState::ShutOff => &[
                "unknown",
                "shutdown",
                "destroyed",
                "crashed",
                "migrated",
                "saved",
                "failed",
                "from snapshot",
                "daemon",
            ],
            RunState::Crashed => &["unknown", "panicked"],
            _ => &[],
        };
        usize::try_from(self.reason)
            .ok()
            .and_then(|i| table.get(i).copied())
            .filter(|r| *r != "unknown")
    }
}

impl fmt::Display for DomainState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.reason_label() {
            Some(reason) => write!(f, "{} ({})", self.state.label(), reason),
            None => f.write_str(self.state.label()),
        }
    }
}

/// One row of the domain list, as read from libvirt.
#[derive(Clone, Debug, PartialEq)]
pub struct DomainInfo {
    pub id: DomainId,
    pub name: String,
    pub state: DomainState,
    /// The hypervisor id (`virsh domid`); `None` when shut off.
    pub dom_id: Option<u32>,
    pub vcpus: u32,
    pub memory_kib: u64,
    pub max_memory_kib: u64,
    pub cpu_time_ns: u64,
    pub autostart: bool,
    pub persistent: bool,
    /// A managed save image waits (`virsh managedsave`): the next start resumes it.
    pub managed_save: bool,
}

impl DomainInfo {
    /// Shut off with a managed save image: the list and Overview call it "saved".
    pub fn saved(&self) -> bool {
        self.managed_save && !self.state.state.is_active()
    }
}

/// A lifecycle operation the user can ask for on one domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LifecycleOp {
    Start,
    Shutdown,
    Reboot,
    Reset,
    Destroy,
    Suspend,
    Resume,
    Undefine,
    SetAutostart(bool),
    /// Ask the running guest's balloon driver to report memory figures every N seconds
    /// (0 stops it). Changes the guest, so it is only done when the user confirms.
    SetBalloonPeriod(u32),
}

impl LifecycleOp {
    /// A short verb for status messages.
    pub fn verb(self) -> &'static str {
        match self {
            LifecycleOp::Start => "start",
            LifecycleOp::Shutdown => "shutdown",
            LifecycleOp::Reboot => "reboot",
            LifecycleOp::Reset => "reset",
            LifecycleOp::Destroy => "force off",
            LifecycleOp::Suspend => "suspend",
            LifecycleOp::Resume => "resume",
            LifecycleOp::Undefine => "undefine",
            LifecycleOp::SetAutostart(true) => "enable autostart",
            LifecycleOp::SetAutostart(false) => "disable autostart",
            LifecycleOp::SetBalloonPeriod(_) => "set balloon stats period",
        }
    }

    /// The virsh command that does the same, shown so users can script it.
    pub fn virsh(self, name: &str) -> String {
        let cmd = match self {
            LifecycleOp::Start => "start",
            LifecycleOp::Shutdown => "shutdown",
            LifecycleOp::Reboot => "reboot",
            LifecycleOp::Reset => "reset",
            LifecycleOp::Destroy => "destroy",
            LifecycleOp::Suspend => "suspend",
            LifecycleOp::Resume => "resume",
            LifecycleOp::Undefine => "undefine --snapshots-metadata --managed-save --keep-nvram",
            LifecycleOp::SetAutostart(true) => "autostart",
            LifecycleOp::SetAutostart(false) => "autostart --disable",
            LifecycleOp::SetBalloonPeriod(secs) => {
                return format!("virsh dommemstat {name} --period {secs} --live");
            }
        };
        format!("virsh {cmd} {name}")
    }
}

/// Identifies a UI request so its reply can be matched (and dropped when stale).
pub type RequestId = u64;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_reason_reads_like_virsh() {
        assert_eq!(
            DomainState::from_raw(5, 2).to_string(),
            "shut off (destroyed)"
        );
        assert_eq!(DomainState::from_raw(1, 1).to_string(), "running (booted)");
        assert_eq!(DomainState::from_raw(3, 1).to_string(), "paused (user)");
        // Unknown reasons are not worth a column's width.
        assert_eq!(DomainState::from_raw(1, 0).to_string(), "running");
        assert_eq!(DomainState::from_raw(5, 99).to_string(), "shut off");
        assert_eq!(DomainState::from_raw(42, 0).to_string(), "unknown");
    }
}

/// What a host says about itself, read when it connects and refreshed with the stats.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HostFacts {
    /// libvirt's version on the host, `major.minor.micro`.
    pub libvirt: String,
    /// The hypervisor driver and its version (`QEMU 7.2.0`, `TEST 2.0.0`).
    pub hypervisor: String,
    pub cpus: u32,
    /// Busy share of all host CPUs since the previous reading, 0-100; `None` until two
    /// readings exist or when the host does not report CPU times.
    pub cpu_pct: Option<f64>,
    pub mem_total_kib: u64,
    pub mem_free_kib: Option<u64>,
}

/// `1009000` → `1.9.0`: libvirt's encoding of versions as one number.
pub fn version_string(v: u32) -> String {
    format!("{}.{}.{}", v / 1_000_000, (v / 1000) % 1000, v % 1000)
}
