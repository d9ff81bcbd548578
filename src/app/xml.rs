//! The App's side of the XML editor: opening it, routing keys and replies, drafts, and the
//! $EDITOR escape hatch.

use std::io::Write;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use crossterm::event::KeyEvent;
use ratatui::Terminal;

use super::{App, Level};
use crate::backend::{BackendEvent, Command};
use crate::event::Event;
use crate::ui::text::escape;
use crate::ui::xml_editor::{FileRead, Out, Popup, Schema, TEMPLATE, Target, XmlEditor};
use crate::xml::drafts::Drafts;
use crate::xml::schema::SchemaIndex;

/// "3 min ago" for a draft's age.
fn age(t: SystemTime) -> String {
    let s = t.elapsed().map_or(0, |d| d.as_secs());
    match s {
        0..=59 => format!("{s} s ago"),
        60..=3599 => format!("{} min ago", s / 60),
        3600..=86399 => format!("{} h ago", s / 3600),
        _ => format!("{} days ago", s / 86400),
    }
}

impl App {
    /// libvirt's schema index, built once on first use.
    pub(super) fn schema(&mut self) -> Schema {
        self.schema
            .get_or_insert_with(|| Arc::new(SchemaIndex::load_default()))
            .clone()
    }

    pub(super) fn drafts(&self) -> Option<Drafts> {
        self.drafts_dir.clone().map(Drafts::new)
    }

    fn req(&mut self) -> u64 {
        self.reqs.allocate()
    }

    /// Opens the selected domain's persistent definition.
    pub(super) fn open_xml_editor(&mut self) {
        let Some(row) = self.selected_row() else {
            return;
        };
        let target = Target::Domain {
            id: row.info.id.clone(),
            name: row.info.name.clone(),
        };
        let schema = self.schema();
        let mut ed = XmlEditor::new(target, "", schema);
        ed.keymap = Some(self.config.keymap.clone());
        let req = self.req();
        ed.loading = Some(req);
        if let Target::Domain { id, .. } = &ed.target {
            self.send(Command::FetchXml {
                req,
                id: id.clone(),
                live: false,
                secure: false,
            });
        }
        self.xml = Some(Box::new(ed));
    }

    /// Opens the editor on a new domain: the saved draft if any, else the template.
    pub(super) fn open_new_domain(&mut self) {
        if self.readonly {
            self.set_status(Level::Error, "read-only connection: defining is disabled");
            return;
        }
        let schema = self.schema();
        let mut ed = XmlEditor::new(Target::New, TEMPLATE, schema);
        ed.keymap = Some(self.config.keymap.clone());
        if let Some(d) = self.drafts().and_then(|d| d.load("new"))
            && d.text != TEMPLATE
        {
            ed.popup = Some(Popup::DraftOffer {
                text: d.text,
                age: age(d.saved),
            });
        }
        ed.notice = Some(
            "a new domain: edit the template, or Ctrl-O to load a file; Ctrl-S defines it".into(),
        );
        self.xml = Some(Box::new(ed));
    }

    pub(super) fn on_xml_key(&mut self, k: KeyEvent) {
        let Some(ed) = self.xml.as_mut() else { return };
        let before = ed.buf.version;
        let out = ed.on_key(k);
        let changed = ed.buf.version != before;
        self.after_editor(out, changed);
    }

    pub(super) fn on_xml_paste(&mut self, text: &str) {
        let Some(ed) = self.xml.as_mut() else { return };
        let before = ed.buf.version;
        ed.paste(text);
        let changed = ed.buf.version != before;
        self.after_editor(Out::None, changed);
    }

    fn after_editor(&mut self, out: Out, changed: bool) {
        if changed {
            self.drafts_schedule.changed(Instant::now());
        }
        if matches!(out, Out::Close | Out::Define(_)) {
            self.flush_drafts();
        }
        let Some(ed) = self.xml.as_mut() else { return };
        match out {
            Out::None => {}
            Out::Close if self.creating.is_some() => self.create_editor_closed(),
            Out::Close => {
                let kept = ed.modified() && !ed.live;
                let label = ed.target.label();
                let key = ed.target.key();
                self.xml = None;
                if kept {
                    let place = self
                        .drafts()
                        .map(|d| format!(" in {}", d.path(&key).display()))
                        .unwrap_or_default();
                    self.set_status(
                        Level::Info,
                        format!(
                            "unapplied XML of {} kept as a draft{}: reopen to restore it",
                            escape(&label),
                            escape(&place)
                        ),
                    );
                }
            }
            Out::Fetch { live, secure } => {
                if let Target::Domain { id, .. } = &ed.target {
                    let id = id.clone();
                    let req = self.reqs.allocate();
                    ed.loading = Some(req);
                    self.send(Command::FetchXml {
                        req,
                        id,
                        live,
                        secure,
                    });
                }
            }
            Out::Define(xml) => self.define(xml),
            Out::ExternalEdit => self.external_pending = true,
            Out::LoadFile(path) => self.load_file(path),
            Out::DiscardDraft => {
                let key = ed.target.key();
                ed.notice = Some("draft discarded".into());
                if let Some(d) = self.drafts() {
                    d.remove(&key);
                }
            }
        }
    }

    fn define(&mut self, xml: String) {
        if self.readonly {
            if let Some(ed) = self.xml.as_mut() {
                ed.notice = Some("read-only connection: defining is disabled".into());
            }
            return;
        }
        if let Some(ed) = self.xml.as_mut()
            && ed.gone.is_some()
            && !std::mem::take(&mut self.xml_define_anew)
        {
            // The domain is gone (another client): defining re-creates it, without its
            // snapshots. Only a second, explicit Ctrl-S does that.
            ed.notice = Some(
                "the domain no longer exists as edited: Ctrl-S again defines it anew from this \
                 buffer (its snapshots are not restored); Esc leaves, the draft is kept"
                    .into(),
            );
            self.xml_define_anew = true;
            return;
        }
        if self.creating.is_some() {
            self.create_define(xml);
            return;
        }
        let req = self.req();
        let Some(ed) = self.xml.as_mut() else { return };
        ed.applying = Some(req);
        ed.libvirt_error = None;
        let editing = match &ed.target {
            Target::Domain { id, .. } => Some(id.clone()),
            Target::New => None,
        };
        let host = editing.as_ref().map_or(self.host, |id| id.host);
        self.send(Command::DefineXml {
            host,
            req,
            editing,
            xml,
        });
    }

    /// Starts reading `path` for the editor on its own thread (a slow or hostile file never
    /// blocks the UI); the result comes back as `Event::FileRead`.
    fn load_file(&mut self, path: std::path::PathBuf) {
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

    /// Replies for the editor; returns whether the event was one.
    pub(super) fn on_xml_backend(&mut self, ev: &BackendEvent) -> bool {
        match ev {
            BackendEvent::XmlFetched {
                req,
                live,
                secure,
                result,
                ..
            } => {
                let draft = self.xml.as_ref().and_then(|ed| {
                    let key = ed.target.key();
                    self.drafts().and_then(|d| d.load(&key))
                });
                let Some(ed) = self.xml.as_mut().filter(|ed| ed.loading == Some(*req)) else {
                    return true;
                };
                ed.loading = None;
                match result {
                    Ok(xml) => {
                        ed.load(xml);
                        ed.live = *live;
                        ed.secure = *secure;
                        if let Some(d) = draft.filter(|d| !*live && d.text != *xml) {
                            ed.popup = Some(Popup::DraftOffer {
                                text: d.text,
                                age: age(d.saved),
                            });
                        }
                    }
                    Err(e) => ed.libvirt_error = Some(format!("cannot read the XML: {e}")),
                }
                true
            }
            BackendEvent::XmlDefined { req, result, .. } => {
                if self.create_defined(*req, result) {
                    return true;
                }
                let open = self.xml.as_mut().filter(|ed| ed.applying == Some(*req));
                match (open, result) {
                    (Some(ed), Ok(d)) => {
                        ed.applying = None;
                        ed.gone = None;
                        let old_key = ed.target.key();
                        ed.target = Target::Domain {
                            id: d.id.clone(),
                            name: d.name.clone(),
                        };
                        ed.load(&d.xml);
                        ed.external = false;
                        ed.notice = Some(if d.after_reboot {
                            format!(
                                "defined {}: it is running, so the change takes effect after its next boot (shut down, then start)",
                                d.name
                            )
                        } else if d.other_domain {
                            format!(
                                "defined {}: the name/UUID changed, so this is another domain",
                                d.name
                            )
                        } else {
                            format!("defined {}", d.name)
                        });
                        if let Some(dr) = self.drafts() {
                            dr.remove(&old_key);
                        }
                        self.set_status(Level::Info, format!("defined {}", escape(&d.name)));
                    }
                    (Some(ed), Err(e)) => {
                        ed.applying = None;
                        ed.libvirt_error = Some(e.clone());
                        ed.notice = Some(if ed.external {
                            "nothing was changed; your text is kept: Ctrl-E to edit it again in $EDITOR".into()
                        } else {
                            "nothing was changed; your text is kept (and saved as a draft)".into()
                        });
                    }
                    (None, Ok(d)) => {
                        self.set_status(Level::Info, format!("defined {}", escape(&d.name)))
                    }
                    (None, Err(e)) => self.set_status(
                        Level::Error,
                        format!("define failed: {e}; the text is kept as a draft"),
                    ),
                }
                true
            }
            BackendEvent::Lifecycle {
                id,
                name,
                event,
                detail,
            } => {
                self.note_editor_domain_change(id, name, *event, *detail);
                false
            }
            _ => false,
        }
    }

    /// Another client undefined or renamed the domain in the editor: say so in its
    /// header (as it happens, not at Ctrl-S).
    fn note_editor_domain_change(
        &mut self,
        id: &crate::backend::DomainId,
        name: &str,
        event: crate::backend::LifecycleEventKind,
        detail: i32,
    ) {
        use crate::backend::LifecycleEventKind as K;
        let Some(ed) = self.xml.as_mut() else { return };
        let Target::Domain {
            id: edited,
            name: edited_name,
        } = &ed.target
        else {
            return;
        };
        if edited != id || ed.applying.is_some() {
            return;
        }
        // VIR_DOMAIN_EVENT_UNDEFINED_RENAMED / VIR_DOMAIN_EVENT_DEFINED_RENAMED.
        const RENAMED_UNDEFINED: i32 = 1;
        match event {
            K::Undefined if detail == RENAMED_UNDEFINED => {
                ed.gone = Some(format!(
                    "{} was renamed by another client",
                    escape(edited_name)
                ));
            }
            K::Undefined => {
                ed.gone = Some(format!(
                    "{} was undefined by another client",
                    escape(edited_name)
                ));
            }
            K::Defined if name != edited_name => {
                ed.gone = Some(format!("renamed to {} by another client", escape(name)));
            }
            K::Defined => ed.gone = None,
            _ => return,
        }
        self.xml_define_anew = false;
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
