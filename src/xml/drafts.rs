//! Unapplied editor buffers saved under the user's state dir, so nothing typed is lost to a
//! failed define, a dropped connection, switching domains, quitting or a crash.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// A saved draft.
#[derive(Clone, Debug, PartialEq)]
pub struct Draft {
    pub text: String,
    pub saved: SystemTime,
}

#[derive(Clone, Debug)]
pub struct Drafts {
    dir: PathBuf,
}

/// A file name for `key` (a UUID, or "new"), safe whatever the key holds.
fn file_name(key: &str) -> String {
    let safe: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{safe}.xml")
}

impl Drafts {
    pub fn new(dir: PathBuf) -> Drafts {
        Drafts { dir }
    }

    /// `<state dir>/drafts` (XDG_STATE_HOME honoured).
    pub fn default_dir() -> Option<PathBuf> {
        crate::config::state_dir().map(|d| d.join("drafts"))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes the draft atomically (a kill mid-write leaves the previous one intact).
    pub fn save(&self, key: &str, text: &str) -> Result<(), String> {
        std::fs::create_dir_all(&self.dir)
            .map_err(|e| format!("cannot create {}: {e}", self.dir.display()))?;
        let path = self.dir.join(file_name(key));
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)
            .map_err(|e| format!("cannot save draft in {}: {e}", self.dir.display()))?;
        tmp.write_all(text.as_bytes())
            .and_then(|()| tmp.flush())
            .map_err(|e| format!("cannot save draft: {e}"))?;
        tmp.persist(&path)
            .map_err(|e| format!("cannot save draft {}: {e}", path.display()))?;
        Ok(())
    }

    pub fn load(&self, key: &str) -> Option<Draft> {
        let path = self.dir.join(file_name(key));
        let text = std::fs::read_to_string(&path).ok()?;
        let saved = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .unwrap_or(SystemTime::UNIX_EPOCH);
        Some(Draft { text, saved })
    }

    pub fn remove(&self, key: &str) {
        let _ = std::fs::remove_file(self.dir.join(file_name(key)));
    }

    pub fn path(&self, key: &str) -> PathBuf {
        self.dir.join(file_name(key))
    }
}

/// When to write the open editor's draft. Writing it on every keystroke costs a copy and a
/// file write of the whole buffer per key (25 ms on a 5 MB document), so changes only mark
/// it dirty; the UI tick writes it once typing pauses ([`IDLE`]) or has gone on for
/// [`MAX_DELAY`], never more often than every [`MIN_INTERVAL`]; closing, quitting, defining
/// and the signal handlers flush it at once, so the last change is never lost.
#[derive(Clone, Copy, Debug, Default)]
pub struct DraftSchedule {
    dirty_since: Option<Instant>,
    last_change: Option<Instant>,
    last_write: Option<Instant>,
}

/// A pause in typing this long writes the draft.
pub const IDLE: Duration = Duration::from_millis(300);
/// Continuous typing writes the draft at least this often.
pub const MAX_DELAY: Duration = Duration::from_secs(2);
/// Never two writes closer than this.
pub const MIN_INTERVAL: Duration = Duration::from_millis(500);

impl DraftSchedule {
    /// The buffer changed at `now`.
    pub fn changed(&mut self, now: Instant) {
        self.dirty_since.get_or_insert(now);
        self.last_change = Some(now);
    }

    /// Whether a change is not on disk yet.
    pub fn is_dirty(&self) -> bool {
        self.dirty_since.is_some()
    }

    /// Whether the tick at `now` should write the draft.
    pub fn due(&self, now: Instant) -> bool {
        let (Some(since), Some(last)) = (self.dirty_since, self.last_change) else {
            return false;
        };
        let spaced = self
            .last_write
            .is_none_or(|w| now.saturating_duration_since(w) >= MIN_INTERVAL);
        let idle = now.saturating_duration_since(last) >= IDLE;
        let long = now.saturating_duration_since(since) >= MAX_DELAY;
        spaced && (idle || long)
    }

    /// The draft was written (or found not to need writing) at `now`.
    pub fn written(&mut self, now: Instant) {
        self.dirty_since = None;
        self.last_change = None;
        self.last_write = Some(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_of_changes_is_written_once_after_the_pause() {
        let t0 = Instant::now();
        let mut s = DraftSchedule::default();
        let mut writes = 0;
        // 1,000 keys in one second, with a tick every 100 ms.
        for i in 0..1000u64 {
            let now = t0 + Duration::from_millis(i);
            s.changed(now);
            if i % 100 == 0 && s.due(now) {
                s.written(now);
                writes += 1;
            }
        }
        assert_eq!(
            writes, 0,
            "written while typing fast for less than MAX_DELAY"
        );
        assert!(s.is_dirty());
        let pause = t0 + Duration::from_millis(999) + IDLE;
        assert!(s.due(pause), "the pause writes it");
        s.written(pause);
        assert!(!s.is_dirty() && !s.due(pause + IDLE));
    }

    #[test]
    fn continuous_typing_is_written_every_few_seconds_at_most_twice_a_second() {
        let t0 = Instant::now();
        let mut s = DraftSchedule::default();
        let mut writes = Vec::new();
        // 10 s of a key every 20 ms, a tick every 50 ms.
        for ms in (0..10_000u64).step_by(10) {
            let now = t0 + Duration::from_millis(ms);
            if ms % 20 == 0 {
                s.changed(now);
            }
            if ms % 50 == 0 && s.due(now) {
                s.written(now);
                writes.push(ms);
            }
        }
        assert!((4..=6).contains(&writes.len()), "{writes:?}");
        assert!(writes.windows(2).all(|w| w[1] - w[0] >= 500), "{writes:?}");
    }

    #[test]
    fn save_load_remove() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = Drafts::new(dir.path().join("drafts"));
        assert_eq!(d.load("a/../b"), None);
        d.save("a/../b", "<domain/>").expect("save");
        assert_eq!(
            d.load("a/../b").map(|x| x.text).as_deref(),
            Some("<domain/>")
        );
        assert!(d.path("a/../b").starts_with(dir.path().join("drafts")));
        d.remove("a/../b");
        assert_eq!(d.load("a/../b"), None);
    }
}
