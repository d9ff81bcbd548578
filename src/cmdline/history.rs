//! Command-line history: Up/Down recall, deduplicated, bounded, saved to a file in the
//! state dir. A missing or garbled file gives an empty/partial history, never an error.
//!
//! Wiring: the command-line layer loads it once at startup from
//! `config::state_dir().join(FILE_NAME)`, pushes each executed line, maps Up/Down to
//! [`History::older`]/[`History::newer`], and calls [`History::save`] after each push
//! (or on quit); a save error goes to the log, not to the user's flow.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

/// File name inside the state dir (`~/.local/state/virtdeck/cmdline_history`).
pub const FILE_NAME: &str = "cmdline_history";
/// How many lines are kept by default.
pub const DEFAULT_CAPACITY: usize = 500;

/// The history and the position of an Up/Down walk.
#[derive(Debug, Clone)]
pub struct History {
    entries: VecDeque<String>,
    capacity: usize,
    /// Index being shown during a walk; `None` = editing the draft.
    pos: Option<usize>,
    draft: String,
}

impl Default for History {
    fn default() -> Self {
        Self::new(DEFAULT_CAPACITY)
    }
}

/// Only single-line printable text is kept (a file edited by hand may hold anything).
fn clean(line: &str) -> Option<String> {
    let t = line.trim();
    (!t.is_empty() && !t.chars().any(char::is_control)).then(|| t.to_string())
}

impl History {
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: VecDeque::new(),
            capacity: capacity.max(1),
            pos: None,
            draft: String::new(),
        }
    }

    /// `STATE_DIR/cmdline_history` (pass `config::state_dir()`).
    pub fn path_in(state_dir: &Path) -> PathBuf {
        state_dir.join(FILE_NAME)
    }

    /// Reads `path`; missing, unreadable or non-UTF-8 content yields what could be read.
    pub fn load(path: &Path, capacity: usize) -> Self {
        let mut h = Self::new(capacity);
        if let Ok(bytes) = std::fs::read(path) {
            for line in String::from_utf8_lossy(&bytes).lines() {
                h.push(line);
            }
        }
        h
    }

    /// Writes the history (oldest first) through a temp file and a rename, so a crash
    /// mid-write never leaves a truncated file.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut text = String::new();
        for e in &self.entries {
            text.push_str(e);
            text.push('\n');
        }
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, path)
    }

    /// Records an executed line (moving an earlier copy to the end) and ends any walk.
    pub fn push(&mut self, line: &str) {
        self.pos = None;
        self.draft.clear();
        let Some(line) = clean(line) else { return };
        self.entries.retain(|e| *e != line);
        self.entries.push_back(line);
        while self.entries.len() > self.capacity {
            self.entries.pop_front();
        }
    }

    /// Up: the previous line; `current` (the unsent draft) is kept for the way back down.
    pub fn older(&mut self, current: &str) -> Option<&str> {
        let next = match self.pos {
            None => {
                self.draft = current.to_string();
                self.entries.len().checked_sub(1)?
            }
            Some(0) => 0,
            Some(i) => i - 1,
        };
        self.pos = Some(next);
        self.entries.get(next).map(String::as_str)
    }

    /// Down: the next line, and past the newest the draft again.
    pub fn newer(&mut self) -> Option<&str> {
        let i = self.pos?;
        if i + 1 < self.entries.len() {
            self.pos = Some(i + 1);
            self.entries.get(i + 1).map(String::as_str)
        } else {
            self.pos = None;
            Some(self.draft.as_str())
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Oldest first.
    pub fn entries(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn up_and_down_walk_back_to_the_draft() {
        let mut h = History::default();
        h.push(":start a");
        h.push(":start b");
        assert_eq!(h.older(":sta"), Some(":start b"));
        assert_eq!(h.older(""), Some(":start a"));
        assert_eq!(h.older(""), Some(":start a"), "stops at the oldest");
        assert_eq!(h.newer(), Some(":start b"));
        assert_eq!(h.newer(), Some(":sta"), "the draft comes back");
        assert_eq!(h.newer(), None);
    }

    #[test]
    fn duplicates_move_to_the_end_and_blank_lines_are_skipped() {
        let mut h = History::default();
        h.push(":vm");
        h.push(":net");
        h.push("  :vm ");
        h.push("   ");
        assert_eq!(h.entries().collect::<Vec<_>>(), [":net", ":vm"]);
    }

    #[test]
    fn bounded_to_its_capacity_dropping_the_oldest() {
        let mut h = History::new(3);
        for i in 0..10 {
            h.push(&format!(":start vm{i}"));
        }
        assert_eq!(
            h.entries().collect::<Vec<_>>(),
            [":start vm7", ":start vm8", ":start vm9"]
        );
    }

    #[test]
    fn saved_history_loads_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub").join(FILE_NAME);
        let mut h = History::default();
        h.push(":snapshot web-01 \"before upgrade\"");
        h.push(":q");
        h.save(&path).expect("save");
        let back = History::load(&path, 500);
        assert_eq!(
            back.entries().collect::<Vec<_>>(),
            [":snapshot web-01 \"before upgrade\"", ":q"]
        );
    }

    #[test]
    fn missing_or_garbled_files_never_fail() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(History::load(&dir.path().join("nope"), 500).is_empty());
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, b":vm\n\xff\xfe\x00junk\x1b[2J\n:net\n").expect("write");
        let h = History::load(&path, 500);
        assert_eq!(h.entries().collect::<Vec<_>>(), [":vm", ":net"]);
        // A directory where the file should be: load is empty, save reports an error.
        let d = dir.path().join("isdir");
        std::fs::create_dir(&d).expect("mkdir");
        assert!(History::load(&d, 500).is_empty());
        assert!(h.save(&d).is_err());
    }
}
