//! Snapshots: what the UI can ask (`SnapshotCmd`), what it hears back (`SnapshotEvent`),
//! and the plain data in between. libvirt calls live in `ops`, background jobs in `jobs`.

mod jobs;
pub(crate) mod ops;
pub mod xml;

use std::time::Duration;

use super::model::{DomainId, RequestId};

pub(crate) use jobs::handle;

/// Where a snapshot's data lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    /// Inside the disk images (qcow2 internal snapshots).
    Internal,
    /// In separate overlay / memory files; the originals become read-only backing files.
    External,
    /// Some disks one way, some the other.
    Mixed,
    /// No disk data at all (memory only, or every disk excluded).
    None,
}

impl Location {
    pub fn label(self) -> &'static str {
        match self {
            Location::Internal => "internal",
            Location::External => "external",
            Location::Mixed => "mixed",
            Location::None => "no disks",
        }
    }
}

/// One snapshot as read from its XML.
#[derive(Clone, Debug, PartialEq)]
pub struct SnapshotInfo {
    pub name: String,
    pub parent: Option<String>,
    /// Seconds since the epoch (`<creationTime>`).
    pub created: i64,
    /// The domain's state when it was taken, in libvirt's words (running, shutoff,
    /// disk-snapshot, paused).
    pub state: String,
    pub description: String,
    pub location: Location,
    /// The guest's RAM was saved too, so a revert resumes exactly where it was.
    pub memory: bool,
    pub current: bool,
    /// Files an external snapshot created (overlays, memory file): what a delete touches.
    pub files: Vec<String>,
    pub xml: String,
}

/// Options of a snapshot the user configured (the quick key uses `CreateSpec::quick`).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct CreateSpec {
    /// `None`: `<domain>-YYYYMMDD-HHMMSS`.
    pub name: Option<String>,
    pub description: String,
    /// External snapshot of the disks only (`--disk-only`).
    pub disk_only: bool,
    /// With `disk_only`: the overlay file of a disk as (target, path); a disk not named
    /// gets `<image-stem>.<snapshot>.qcow2` next to its current image.
    pub disk_files: Vec<(String, String)>,
    /// Save the guest's RAM as well (running guests only; ignored with `disk_only`).
    pub memory: bool,
    /// Freeze guest filesystems first (needs the guest agent).
    pub quiesce: bool,
    /// All disks or none.
    pub atomic: bool,
}

impl CreateSpec {
    /// The one-key snapshot: generated name, memory included when running, atomic.
    pub fn quick() -> CreateSpec {
        CreateSpec {
            memory: true,
            atomic: true,
            ..CreateSpec::default()
        }
    }
}

/// The state the domain is left in after a revert.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterRevert {
    /// Whatever the snapshot recorded.
    AsSnapshot,
    Running,
    Paused,
}

/// What a delete removes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeleteMode {
    This,
    WithChildren,
    ChildrenOnly,
    /// Forget libvirt's record; disk contents and files stay.
    MetadataOnly,
}

impl DeleteMode {
    pub const ALL: [DeleteMode; 4] = [
        DeleteMode::This,
        DeleteMode::WithChildren,
        DeleteMode::ChildrenOnly,
        DeleteMode::MetadataOnly,
    ];

    pub fn label(self) -> &'static str {
        match self {
            DeleteMode::This => "this snapshot only (children move up to its parent)",
            DeleteMode::WithChildren => "this snapshot and all its children",
            DeleteMode::ChildrenOnly => "only its children, keep this one",
            DeleteMode::MetadataOnly => "metadata only (libvirt forgets it; data stays)",
        }
    }

    pub fn virsh_flag(self) -> &'static str {
        match self {
            DeleteMode::This => "",
            DeleteMode::WithChildren => " --children",
            DeleteMode::ChildrenOnly => " --children-only",
            DeleteMode::MetadataOnly => " --metadata",
        }
    }
}

/// Requests from the UI. `domain` is the name the user saw, for messages only.
#[derive(Clone, Debug, PartialEq)]
pub enum SnapshotCmd {
    List {
        req: RequestId,
        id: DomainId,
    },
    Create {
        req: RequestId,
        id: DomainId,
        domain: String,
        spec: CreateSpec,
    },
    Revert {
        req: RequestId,
        id: DomainId,
        domain: String,
        snapshot: String,
        after: AfterRevert,
        /// Pass VIR_DOMAIN_SNAPSHOT_REVERT_FORCE (the user confirmed a risky revert).
        force: bool,
        /// Take a snapshot of the present state first.
        safety: bool,
    },
    Delete {
        req: RequestId,
        id: DomainId,
        domain: String,
        snapshot: String,
        mode: DeleteMode,
    },
}

impl SnapshotCmd {
    /// The domain the command is about.
    pub fn id(&self) -> &DomainId {
        match self {
            SnapshotCmd::List { id, .. }
            | SnapshotCmd::Create { id, .. }
            | SnapshotCmd::Revert { id, .. }
            | SnapshotCmd::Delete { id, .. } => id,
        }
    }
}

/// How a background job ended.
#[derive(Clone, Debug, PartialEq)]
pub enum JobOutcome {
    /// Done; the text says what happened.
    Done(String),
    Failed(String),
    /// libvirt refused a revert as risky; it can be repeated with `force`.
    NeedsForce(String),
}

#[derive(Clone, Debug, PartialEq)]
pub enum SnapshotEvent {
    /// The snapshots of one domain (reply to `List`).
    List {
        req: RequestId,
        id: DomainId,
        result: Result<Vec<SnapshotInfo>, String>,
    },
    /// A create / revert / delete started on its own thread.
    JobStarted {
        req: RequestId,
        id: DomainId,
        what: String,
    },
    /// Still running: elapsed time and, when libvirt reports a job, how far it is.
    JobProgress {
        req: RequestId,
        id: DomainId,
        elapsed: Duration,
        percent: Option<u8>,
    },
    JobFinished {
        req: RequestId,
        id: DomainId,
        what: String,
        outcome: JobOutcome,
    },
}

impl SnapshotEvent {
    /// The domain the event is about.
    pub fn id(&self) -> &DomainId {
        match self {
            SnapshotEvent::List { id, .. }
            | SnapshotEvent::JobStarted { id, .. }
            | SnapshotEvent::JobProgress { id, .. }
            | SnapshotEvent::JobFinished { id, .. } => id,
        }
    }
}

/// Why a snapshot name is refused before libvirt sees it; `None` when it is usable.
pub fn invalid_name(name: &str) -> Option<String> {
    if name.trim().is_empty() {
        return Some("the name is empty".into());
    }
    if name.contains('/') {
        return Some("a snapshot name cannot contain '/' (libvirt uses it in file paths)".into());
    }
    if name.chars().any(char::is_control) {
        return Some("a snapshot name cannot contain control characters".into());
    }
    if name != name.trim() {
        return Some("a snapshot name cannot start or end with spaces".into());
    }
    None
}

/// `<domain>-YYYYMMDD-HHMMSS` in local time.
pub fn quick_name(domain: &str, epoch: i64) -> String {
    let t = super::ffi::local_time(epoch);
    format!(
        "{domain}-{:04}{:02}{:02}-{:02}{:02}{:02}",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

/// Seconds since the epoch, now.
pub fn now_epoch() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_with_slashes_or_controls_are_refused() {
        assert!(invalid_name("before-upgrade").is_none());
        assert!(invalid_name("数据库-1").is_none());
        assert!(invalid_name("a/b").is_some_and(|m| m.contains('/')));
        assert!(invalid_name("bad\u{1b}[31m").is_some());
        assert!(invalid_name("tab\there").is_some());
        assert!(invalid_name("   ").is_some());
        assert!(invalid_name(" lead").is_some());
    }

    #[test]
    fn quick_names_sort_by_time() {
        let a = quick_name("web", 1_700_000_000);
        let b = quick_name("web", 1_700_000_061);
        assert!(a.starts_with("web-") && a.len() == "web-".len() + 15, "{a}");
        assert!(a < b);
        assert!(invalid_name(&a).is_none());
    }
}
