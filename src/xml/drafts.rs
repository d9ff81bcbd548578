//! Unapplied editor buffers saved under the user's state dir, so nothing typed is lost to a
//! failed define, a dropped connection, switching domains, quitting or a crash.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

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

#[cfg(test)]
mod tests {
    use super::*;

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
