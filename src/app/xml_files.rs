//! The XML editor's files: Ctrl-O reads off the UI thread, drafts written on a schedule,
//! and the $EDITOR escape hatch (`virsh edit` semantics).

use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use ratatui::Terminal;

use super::{App, Level};
use crate::event::Event;
use crate::ui::xml_editor::FileRead;

impl App {
    /// Starts reading `path` for the editor on its own thread (a slow or hostile file never
    /// blocks the UI); the result comes back as `Event::FileRead`.
    pub(super) fn load_file(&mut self, path: std::path::PathBuf) {
        let req = self.req();
        let Some(ed) = self.xml.as_mut() else { return };
        let Some(tx) = self.events.clone() else {
            ed.notice = Some("cannot read files here (no event channel)".into());
            return;
        };
        if let Some(old) = ed.reading.take() {
            old.cancel.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        let cancel = Arc::new(std::sync::atomic::AtomicBool::new(false));
        ed.reading = Some(FileRead {
            req,
            path: path.clone(),
            cancel: cancel.clone(),
        });
        let spawned = std::thread::Builder::new()
            .name("virtdeck-load".into())
            .spawn(move || {
                let result =
                    crate::xml::fileload::read_text(&path, crate::xml::fileload::MAX_FILE, &cancel);
                let _ = tx.send(Event::FileRead { req, result });
            });
        if let Err(e) = spawned {
            ed.reading = None;
            ed.notice = Some(format!("cannot start reading the file: {e}"));
        }
    }

    pub(super) fn on_file_read(&mut self, req: u64, result: Result<String, String>) {
        let Some(ed) = self.xml.as_mut() else { return };
        let before = ed.buf.version;
        ed.file_read(req, result);
        if ed.buf.version != before {
            self.drafts_schedule.changed(Instant::now());
        }
    }

    /// The UI tick: writes the draft when typing has paused (see `DraftSchedule`).
    pub(super) fn tick_drafts(&mut self) {
        if self.drafts_schedule.due(Instant::now()) {
            self.save_draft();
        }
    }

    /// Writes the open editor's draft now if a change is not on disk yet: on close, quit,
    /// define, and from signal handlers (SIGHUP/SIGTERM) before exiting.
    pub fn flush_drafts(&mut self) {
        if self.drafts_schedule.is_dirty() {
            self.save_draft();
        }
    }

    /// Saves the buffer as a draft, or removes the draft when it matches the definition.
    fn save_draft(&mut self) {
        self.drafts_schedule.written(Instant::now());
        let Some(ed) = self.xml.as_ref() else { return };
        if ed.live || ed.loading.is_some() {
            return;
        }
        let Some(d) = self.drafts() else { return };
        let key = ed.target.key();
        if ed.modified() {
            if let Err(e) = d.save(&key, &ed.buf.text()) {
                self.set_status(Level::Warn, e);
            }
        } else {
            d.remove(&key);
        }
    }

    /// Whether the editor asked for $EDITOR (the run loop owns the terminal).
    pub fn take_external_edit(&mut self) -> bool {
        std::mem::take(&mut self.external_pending)
    }

    /// `virsh edit` semantics: the buffer goes to $VISUAL/$EDITOR (else vi); an edited file
    /// is checked and defined at once; on any error the text comes back to the editor with
    /// the message, and Ctrl-E opens it again.
    pub fn run_external_editor<B: ratatui::backend::Backend>(
        &mut self,
        terminal: &mut Terminal<B>,
    ) {
        let Some(ed) = self.xml.as_mut() else { return };
        let before = ed.buf.text();
        let file = tempfile::Builder::new()
            .prefix("virtdeck-")
            .suffix(".xml")
            .tempfile()
            .and_then(|mut f| {
                f.write_all(before.as_bytes())
                    .and_then(|()| f.flush())
                    .map(|()| f)
            });
        let file = match file {
            Ok(f) => f,
            Err(e) => {
                ed.notice = Some(format!("cannot write a temporary file for $EDITOR: {e}"));
                return;
            }
        };
        let editor = std::env::var("VISUAL")
            .or_else(|_| std::env::var("EDITOR"))
            .unwrap_or_else(|_| "vi".into());
        crate::event::pause_input(true);
        std::thread::sleep(std::time::Duration::from_millis(80));
        crate::terminal::suspend();
        // Through sh, like virsh: $EDITOR may carry arguments ("code -w").
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("{editor} \"$1\""))
            .arg("sh")
            .arg(file.path())
            .status();
        let resumed = crate::terminal::resume();
        crate::event::pause_input(false);
        let _ = terminal.clear();
        if let Err(e) = resumed {
            self.set_status(Level::Error, format!("cannot take the terminal back: {e}"));
        }
        let Some(ed) = self.xml.as_mut() else { return };
        match status {
            Ok(s) if s.success() => {}
            Ok(s) => {
                ed.notice = Some(format!("{editor} exited with {s}; nothing changed"));
                return;
            }
            Err(e) => {
                ed.notice = Some(format!("cannot run {editor}: {e} (set $EDITOR)"));
                return;
            }
        }
        let after = match std::fs::read_to_string(file.path()) {
            Ok(t) => t,
            Err(e) => {
                ed.notice = Some(format!("cannot read back the edited file: {e}"));
                return;
            }
        };
        if after == before {
            ed.notice = Some("no changes made in the editor".into());
            return;
        }
        ed.buf.set_text(&after);
        ed.recheck();
        ed.external = true;
        self.save_draft();
        let Some(ed) = self.xml.as_mut() else { return };
        if let Some(e) = &ed.error {
            ed.notice = Some(format!(
                "not defined: line {}, column {} is malformed; fix it here or Ctrl-E to edit again",
                e.line, e.col
            ));
            return;
        }
        if ed.live {
            ed.notice = Some("the live XML is read-only; nothing was defined".into());
            return;
        }
        self.define(after);
    }
}
