//! The App's side of the create wizard: the seam between the wizard (a layer) and the XML
//! editor (its last page). The wizard hands over its XML and plan (`Effect::CreateInEditor`);
//! Ctrl-S sends `CreateCmd::Define` instead of a plain define; the reply closes the editor
//! and asks "start now / open the console", or leaves the editor open with libvirt's error
//! (and what was cleaned up); Esc in the editor returns to the wizard's last page.

use super::{App, Level, with_ctx};
use crate::action::Action;
use crate::backend::create::{CreateCmd, CreatePlan};
use crate::backend::xmldef::Defined;
use crate::backend::{Command, HostId, RequestId};
use crate::ui::text::escape;
use crate::ui::wizard::created::Created;
use crate::ui::wizard::{Handoff, Wizard};
use crate::ui::xml_editor::{Target, XmlEditor};

/// The wizard whose XML the editor holds.
pub(super) struct Creating {
    host: HostId,
    plan: CreatePlan,
    wizard: Box<Wizard>,
    /// The define in flight.
    req: Option<RequestId>,
}

impl App {
    /// `A` / `:create`: the wizard, on the host new things go to.
    pub(super) fn open_create_wizard(&mut self) {
        let host = self.host;
        let refused = with_ctx!(self, |cx| cx.refuse_mutation(Action::CreateDomain));
        if refused {
            return;
        }
        let w = with_ctx!(self, |cx| Wizard::open(host, &mut cx));
        self.layers.push(Box::new(w));
    }

    /// The wizard's last page: its XML in the editor with the schema hints.
    pub(super) fn open_create_editor(&mut self, h: Handoff) {
        let schema = self.schema(crate::xml::schema::ObjectKind::Domain);
        let mut ed = XmlEditor::new(Target::New, &h.xml, schema);
        ed.keymap = Some(self.config.keymap.clone());
        let km = &self.config.keymap;
        let (apply, back) = (
            km.keys_label(Action::EditorApply),
            km.keys_label(Action::EditorClose),
        );
        let plan = format!("{apply} {}", h.plan.describe());
        ed.notice = Some(format!("{plan}; {back} goes back to the wizard"));
        let mut wizard = h.wizard;
        match wizard.edited.take() {
            Some((base, text)) if base == h.xml => {
                ed.buf.set_text(&text);
                ed.recheck();
                ed.notice = Some(format!("your edits are back; {plan}"));
            }
            Some(_) => {
                ed.notice = Some(
                    "the answers changed, so this is the wizard's new XML: your earlier edits \
                     are the draft of a new domain (N offers it)"
                        .into(),
                );
            }
            None => {}
        }
        self.xml = Some(Box::new(ed));
        self.creating = Some(Creating {
            host: h.host,
            plan: h.plan,
            wizard,
            req: None,
        });
    }

    /// Ctrl-S on the wizard's XML: create its volumes, define, set autostart (one step on
    /// the worker, which removes the volumes again if the define fails).
    pub(super) fn create_define(&mut self, xml: String) {
        let req = self.reqs.allocate();
        let Some(c) = self.creating.as_mut() else {
            return;
        };
        c.req = Some(req);
        let cmd = Command::Create(
            c.host,
            CreateCmd::Define {
                req,
                xml,
                plan: c.plan.clone(),
            },
        );
        if let Some(ed) = self.xml.as_mut() {
            ed.applying = Some(req);
            ed.libvirt_error = None;
            ed.notice = Some("creating…".into());
        }
        self.send(cmd);
    }

    /// The create's reply; false when it is not the wizard's.
    pub(super) fn create_defined(
        &mut self,
        req: RequestId,
        result: &Result<Defined, String>,
    ) -> bool {
        if self.creating.as_ref().is_none_or(|c| c.req != Some(req)) {
            return false;
        }
        match result {
            Ok(d) => {
                self.xml = None;
                self.creating = None;
                if let Some(dr) = self.drafts() {
                    dr.remove(&Target::New.key());
                }
                self.set_status(Level::Done, format!("created {}", escape(&d.name)));
                self.layers.push(Box::new(Created {
                    id: d.id.clone(),
                    name: d.name.clone(),
                    req,
                    notes: Vec::new(),
                    console: d.xml.contains("<console"),
                }));
            }
            Err(e) => {
                if let Some(c) = self.creating.as_mut() {
                    c.req = None;
                }
                let km = &self.config.keymap;
                let notice = format!(
                    "not created; fix the XML and {} again, or {} back to the wizard",
                    km.keys_label(Action::EditorApply),
                    km.keys_label(Action::EditorClose)
                );
                if let Some(ed) = self.xml.as_mut() {
                    ed.applying = None;
                    ed.libvirt_error = Some(e.clone());
                    ed.notice = Some(notice);
                }
                self.set_status(Level::Error, format!("create failed: {e}"));
            }
        }
        true
    }

    /// Esc in the editor: back to the wizard's last page (nothing exists yet).
    pub(super) fn create_editor_closed(&mut self) {
        let edited = self
            .xml
            .take()
            .filter(|ed| ed.modified())
            .map(|ed| (ed.base.clone(), ed.buf.text()));
        if let Some(c) = self.creating.take() {
            let mut w = c.wizard;
            w.edited = edited;
            w.resume();
            self.layers.push(w);
            let back = self.config.keymap.keys_label(Action::InputCancel);
            self.set_status(
                Level::Info,
                format!("back to the wizard: nothing was created ({back} goes back a page)"),
            );
        }
    }
}
