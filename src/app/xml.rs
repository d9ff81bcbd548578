//! The App's side of the XML editor: opening it on a domain, network or pool, routing keys
//! and replies (network and pool replies: `xml_objects`; files, drafts, $EDITOR: `xml_files`).

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use crossterm::event::KeyEvent;

use super::{App, Level};
use crate::action::Action;
use crate::backend::network::NetCmd;
use crate::backend::storage::StorageCmd;
use crate::backend::{BackendEvent, Command};
use crate::ui::text::escape;
use crate::ui::xml_editor::{Out, Popup, Schema, Target, XmlEditor};
use crate::xml::drafts::Drafts;
use crate::xml::schema::{ObjectKind, SchemaIndex};

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
    /// libvirt's schema index for `kind`, built once on first use.
    pub(super) fn schema(&mut self, kind: ObjectKind) -> Schema {
        self.schemas
            .entry(kind)
            .or_insert_with(|| Arc::new(SchemaIndex::load_kind(kind)))
            .clone()
    }

    pub(super) fn drafts(&self) -> Option<Drafts> {
        self.drafts_dir.clone().map(Drafts::new)
    }

    pub(super) fn req(&mut self) -> u64 {
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
        self.open_editor(target);
    }

    /// Opens the editor on a new domain: the saved draft if any, else the template.
    pub(super) fn open_new_domain(&mut self) {
        self.open_editor(Target::New);
    }

    /// Opens the editor on `target`: an existing object's persistent definition (fetched
    /// from its host), or a new one from its saved draft if any, else its template.
    pub(crate) fn open_editor(&mut self, target: Target) {
        let kind = target.kind();
        if !target.is_new() {
            let schema = self.schema(kind);
            let mut ed = XmlEditor::new(target, "", schema);
            ed.keymap = Some(self.config.keymap.clone());
            self.xml = Some(Box::new(ed));
            self.fetch_xml(false, false);
            return;
        }
        if self.readonly {
            self.set_status(Level::Error, "read-only connection: defining is disabled");
            return;
        }
        let schema = self.schema(kind);
        let template = target.template();
        let key = target.key();
        let mut ed = XmlEditor::new(target, template, schema);
        ed.keymap = Some(self.config.keymap.clone());
        if let Some(d) = self.drafts().and_then(|d| d.load(&key))
            && d.text != template
        {
            ed.popup = Some(Popup::DraftOffer {
                text: d.text,
                age: age(d.saved),
            });
        }
        ed.notice = Some(format!(
            "a new {}: edit the template, or Ctrl-O to load a file; Ctrl-S defines it",
            kind.noun()
        ));
        self.xml = Some(Box::new(ed));
    }

    /// Asks the editor's object's host for its XML (`live`: the running definition).
    pub(super) fn fetch_xml(&mut self, live: bool, secure: bool) {
        let req = self.req();
        let Some(ed) = self.xml.as_mut() else { return };
        let cmd = match &ed.target {
            Target::Domain { id, .. } => Command::FetchXml {
                req,
                id: id.clone(),
                live,
                secure,
            },
            Target::Network { id, .. } => Command::Network(
                id.host,
                NetCmd::FetchXml {
                    req,
                    id: id.clone(),
                    inactive: !live,
                },
            ),
            Target::Pool { host, name, .. } => Command::Storage(
                *host,
                StorageCmd::PoolXml {
                    req,
                    pool: name.clone(),
                    inactive: !live,
                },
            ),
            _ => return,
        };
        ed.loading = Some(req);
        ed.loading_live = live;
        self.send(cmd);
    }

    pub(super) fn on_xml_key(&mut self, k: KeyEvent) {
        let Some(ed) = self.xml.as_mut() else { return };
        let before = ed.buf.version;
        let out = ed.on_key(k);
        let changed = ed.buf.version != before;
        self.after_editor(out, changed);
    }

    /// An editor action picked in the palette; false when `action` is not the editor's.
    pub(super) fn on_xml_action(&mut self, action: Action) -> bool {
        let Some(ed) = self.xml.as_mut() else {
            return false;
        };
        if !crate::ui::xml_editor::HELP_SCOPES.contains(&action.scope()) {
            return false;
        }
        let before = ed.buf.version;
        let out = ed.on_action(action);
        let changed = ed.buf.version != before;
        self.after_editor(out, changed);
        true
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
                if ed.target.kind() != ObjectKind::Domain && secure != ed.secure {
                    ed.notice = Some(format!(
                        "a {} has no secure-only values to show",
                        ed.target.kind().noun()
                    ));
                } else {
                    self.fetch_xml(live, secure);
                }
            }
            Out::Define(xml) => self.define(xml),
            Out::ExternalEdit => self.external_pending = true,
            Out::LoadFile(path) => self.load_file(path),
            Out::Palette => self.open_palette(),
            Out::DiscardDraft => {
                let key = ed.target.key();
                ed.notice = Some("draft discarded".into());
                if let Some(d) = self.drafts() {
                    d.remove(&key);
                }
            }
        }
    }

    pub(super) fn define(&mut self, xml: String) {
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
            // The object is gone (another client): defining re-creates it. Only a second,
            // explicit Ctrl-S does that.
            let what = if ed.target.kind() == ObjectKind::Domain {
                "the domain no longer exists as edited: Ctrl-S again defines it anew from this \
                 buffer (its snapshots are not restored)"
                    .to_string()
            } else {
                format!(
                    "the {} no longer exists as edited: Ctrl-S again defines it anew from this \
                     buffer",
                    ed.target.kind().noun()
                )
            };
            ed.notice = Some(format!("{what}; Esc leaves, the draft is kept"));
            self.xml_define_anew = true;
            return;
        }
        if self.creating.is_some() {
            self.create_define(xml);
            return;
        }
        let req = self.req();
        let host = self.host;
        let Some(ed) = self.xml.as_mut() else { return };
        ed.applying = Some(req);
        ed.libvirt_error = None;
        // Confirmed above: the edited object is gone, so this defines a new one.
        let anew = ed.gone.is_some();
        let cmd = match &ed.target {
            Target::Domain { id, .. } => Command::DefineXml {
                host: id.host,
                req,
                editing: Some(id.clone()),
                xml,
            },
            Target::New => Command::DefineXml {
                host,
                req,
                editing: None,
                xml,
            },
            Target::Network { id, .. } => Command::Network(
                id.host,
                NetCmd::Define {
                    req,
                    editing: (!anew).then(|| id.clone()),
                    xml,
                },
            ),
            Target::NewNetwork { host } => Command::Network(
                *host,
                NetCmd::Define {
                    req,
                    editing: None,
                    xml,
                },
            ),
            Target::Pool { host, uuid, .. } => Command::Storage(
                *host,
                StorageCmd::DefinePool {
                    req,
                    editing: (!anew).then(|| uuid.clone()),
                    xml,
                },
            ),
            Target::NewPool { host } => Command::Storage(
                *host,
                StorageCmd::DefinePool {
                    req,
                    editing: None,
                    xml,
                },
            ),
        };
        self.send(cmd);
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
                self.xml_fetched(
                    *req,
                    *live,
                    *secure,
                    result.as_deref().map_err(Clone::clone),
                );
                true
            }
            BackendEvent::XmlDefined { req, result, .. } => {
                if self.create_defined(*req, result) {
                    return true;
                }
                let open = self
                    .xml
                    .as_ref()
                    .is_some_and(|ed| ed.applying == Some(*req));
                match (open, result) {
                    (true, Ok(d)) => {
                        let notice = if d.after_reboot {
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
                        };
                        let target = Target::Domain {
                            id: d.id.clone(),
                            name: d.name.clone(),
                        };
                        self.xml_defined(target, &d.name, Some(&d.xml), notice);
                    }
                    (true, Err(e)) => self.xml_define_failed(e, None),
                    (false, Ok(d)) => {
                        self.set_status(Level::Info, format!("defined {}", escape(&d.name)))
                    }
                    (false, Err(e)) => self.set_status(
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
            BackendEvent::Network(host, ev) => self.on_xml_network(*host, ev),
            BackendEvent::Storage(host, ev) => self.on_xml_storage(*host, ev),
            _ => false,
        }
    }

    /// A definition arrived for the editor (any kind); false when it is not the one the
    /// editor waits for.
    pub(super) fn xml_fetched(
        &mut self,
        req: u64,
        live: bool,
        secure: bool,
        result: Result<&str, String>,
    ) -> bool {
        let draft = self.xml.as_ref().and_then(|ed| {
            let key = ed.target.key();
            self.drafts().and_then(|d| d.load(&key))
        });
        let Some(ed) = self.xml.as_mut().filter(|ed| ed.loading == Some(req)) else {
            return false;
        };
        ed.loading = None;
        match result {
            Ok(xml) => {
                ed.load(xml);
                ed.live = live;
                ed.secure = secure;
                if let Some(d) = draft.filter(|d| !live && d.text != *xml) {
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

    /// The editor's define succeeded: it now edits `target`, showing `xml` (libvirt's
    /// stored definition; `None`: fetched now), and its draft is gone.
    pub(super) fn xml_defined(
        &mut self,
        target: Target,
        name: &str,
        xml: Option<&str>,
        notice: String,
    ) {
        let Some(ed) = self.xml.as_mut() else { return };
        ed.applying = None;
        ed.gone = None;
        self.xml_define_anew = false;
        let old_key = ed.target.key();
        ed.target = target;
        match xml {
            Some(xml) => ed.load(xml),
            // The base is the defined text until libvirt's version arrives.
            None => ed.base = ed.buf.text(),
        }
        ed.external = false;
        ed.notice = Some(notice);
        if let Some(dr) = self.drafts() {
            dr.remove(&old_key);
        }
        if xml.is_none() {
            self.fetch_xml(false, false);
        }
        self.set_status(Level::Info, format!("defined {}", escape(name)));
    }

    /// libvirt refused the editor's define: its reason inline, the buffer kept; `gone`
    /// says the edited object no longer exists.
    pub(super) fn xml_define_failed(&mut self, e: &str, gone: Option<String>) {
        let Some(ed) = self.xml.as_mut() else { return };
        ed.applying = None;
        ed.libvirt_error = Some(e.to_string());
        if gone.is_some() {
            // The define itself found it gone, which the notice says: the next Ctrl-S
            // defines it anew.
            ed.gone = gone;
            self.xml_define_anew = true;
        }
        ed.notice = Some(if ed.gone.is_some() {
            "nothing was changed; your text is kept: Ctrl-S defines it anew".into()
        } else if ed.external {
            "nothing was changed; your text is kept: Ctrl-E to edit it again in $EDITOR".into()
        } else {
            "nothing was changed; your text is kept (and saved as a draft)".into()
        });
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
}
