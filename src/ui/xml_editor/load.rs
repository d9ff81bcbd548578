//! Ctrl-O in the editor: the prompt's path goes to the App, which reads the file on its own
//! thread; Esc forgets a pending read; the result replaces the buffer (undoable).

use super::{Out, XmlEditor};
use crate::ui::text::escape;

impl XmlEditor {
    /// Ctrl-O: asks the App to read a file (off the UI thread) whose content then replaces
    /// the buffer (undoable), e.g. to define a new domain from a file as `virsh define FILE`
    /// does.
    pub(super) fn open_file(&mut self, path: &str) -> Out {
        let path = path.trim();
        if path.is_empty() {
            return Out::None;
        }
        let expanded = match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
            (Some(rest), Some(home)) => std::path::Path::new(&home).join(rest),
            _ => std::path::PathBuf::from(path),
        };
        self.notice = Some(format!(
            "reading {}… (Esc cancels)",
            escape(&expanded.display().to_string())
        ));
        Out::LoadFile(expanded)
    }

    /// Esc while a file is being read: forget the read (its thread stops at its next chunk).
    pub(super) fn cancel_file_read(&mut self) -> bool {
        let Some(r) = self.reading.take() else {
            return false;
        };
        r.cancel.store(true, std::sync::atomic::Ordering::Relaxed);
        self.notice = Some(format!(
            "loading {} cancelled; the buffer is unchanged",
            escape(&r.path.display().to_string())
        ));
        true
    }

    /// The result of the read started for request `req`; ignored when cancelled or stale.
    pub fn file_read(&mut self, req: u64, result: Result<String, String>) {
        if self.reading.as_ref().is_none_or(|r| r.req != req) {
            return;
        }
        let Some(r) = self.reading.take() else {
            return;
        };
        match result {
            Ok(text) => {
                self.buf.set_text(&text);
                self.recheck();
                self.notice = Some(format!(
                    "loaded {}: Ctrl-S to define it (Ctrl-Z undoes)",
                    escape(&r.path.display().to_string())
                ));
            }
            Err(e) => self.notice = Some(escape(&e).into_owned()),
        }
    }
}
