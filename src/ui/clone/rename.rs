//! The rename dialog: a domain's name (shut off only), title and description, edited in
//! place; Enter sends what changed.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;

use crate::action::{Action, Scope};
use crate::app::Level;
use crate::backend::rename::{Labels, RenameCmd, RenameEvent, invalid_name};
use crate::backend::{BackendEvent, Command, DomainId, HostId, RequestId};
use crate::ui::layer::{Ctx, DrawCtx, Flow, Layer};
use crate::ui::text::escape;
use crate::ui::widgets::{Edit, LineInput};

const SCOPES: &[Scope] = &[Scope::SnapshotDialog, Scope::Input, Scope::Global];

pub struct RenameDialog {
    pub host: HostId,
    pub id: DomainId,
    pub old_name: String,
    pub req: RequestId,
    pub loaded: Option<Result<Labels, String>>,
    pub shut_off: bool,
    pub name: LineInput,
    pub title: LineInput,
    pub description: LineInput,
    /// 0 name, 1 title, 2 description.
    pub field: usize,
    pub error: Option<String>,
}

impl RenameDialog {
    /// Opens the dialog and asks for the current title and description.
    pub fn open(cx: &mut Ctx, id: DomainId, name: String) -> RenameDialog {
        let req = cx.reqs.allocate();
        cx.send(Command::Rename(
            id.host,
            RenameCmd::Read {
                req,
                id: id.clone(),
            },
        ));
        RenameDialog {
            host: id.host,
            id,
            name: LineInput::new(name.clone()),
            old_name: name,
            req,
            loaded: None,
            shut_off: false,
            title: LineInput::default(),
            description: LineInput::default(),
            field: 0,
            error: None,
        }
    }

    fn input(&mut self) -> &mut LineInput {
        match self.field {
            0 => &mut self.name,
            1 => &mut self.title,
            _ => &mut self.description,
        }
    }

    /// The command for what changed, or why it is refused.
    pub fn command(&self, req: RequestId, cx: &Ctx) -> Result<Option<Command>, String> {
        let Some(Ok(was)) = &self.loaded else {
            return Err("the title and description are still being read".into());
        };
        let name = self.name.text.trim();
        let new_name = (name != was.name).then(|| name.to_string());
        if let Some(n) = &new_name {
            if let Some(why) = invalid_name(n) {
                return Err(why);
            }
            if !self.shut_off {
                return Err(format!(
                    "{} is running: shut it down to rename it",
                    escape(&was.name)
                ));
            }
            if cx
                .store
                .rows()
                .any(|r| r.info.id.host == self.host && r.info.name == *n)
            {
                return Err(format!("a domain named {} exists already", escape(n)));
            }
        }
        let title = (self.title.text != was.title).then(|| self.title.text.clone());
        let description =
            (self.description.text != was.description).then(|| self.description.text.clone());
        if new_name.is_none() && title.is_none() && description.is_none() {
            return Ok(None);
        }
        Ok(Some(Command::Rename(
            self.host,
            RenameCmd::Apply {
                req,
                id: self.id.clone(),
                old_name: was.name.clone(),
                name: new_name,
                title,
                description,
            },
        )))
    }
}

impl Layer for RenameDialog {
    fn scopes(&self) -> &'static [Scope] {
        SCOPES
    }

    fn on_key(&mut self, k: &KeyEvent, cx: &mut Ctx) -> Flow {
        if matches!(self.loaded, Some(Ok(_)))
            && self.input().on_key(&cx.config.keymap, k) == Edit::Changed
        {
            self.error = None;
            return Flow::Consumed;
        }
        match cx.action(SCOPES, k) {
            Some(Action::InputCancel) => {
                cx.status(Level::Warn, "rename: cancelled; nothing changed");
                return Flow::Close;
            }
            Some(Action::InputAccept) => {
                let req = cx.reqs.allocate();
                match self.command(req, cx) {
                    Err(e) => self.error = Some(e),
                    Ok(None) => {
                        cx.status(Level::Info, "rename: nothing changed");
                        return Flow::Close;
                    }
                    Ok(Some(cmd)) => {
                        cx.status(
                            Level::Info,
                            format!(
                                "changing {}…   (virsh domrename / virsh desc)",
                                escape(&self.old_name)
                            ),
                        );
                        cx.send(cmd);
                        return Flow::Close;
                    }
                }
            }
            Some(Action::NextField | Action::Down) => self.field = (self.field + 1) % 3,
            Some(Action::PrevField | Action::Up) => self.field = (self.field + 2) % 3,
            _ => {}
        }
        Flow::Consumed
    }

    fn on_paste(&mut self, text: &str, _cx: &mut Ctx) -> Flow {
        self.input().paste(text);
        Flow::Consumed
    }

    fn on_backend(&mut self, ev: &BackendEvent, _cx: &mut Ctx) {
        if let BackendEvent::Rename(host, RenameEvent::Labels { req, result, .. }) = ev
            && *host == self.host
            && *req == self.req
        {
            if let Ok(l) = result {
                self.name = LineInput::new(l.name.clone());
                self.title = LineInput::new(l.title.clone());
                self.description = LineInput::new(l.description.clone());
                self.shut_off = l.shut_off;
                if !l.shut_off {
                    self.field = 1;
                }
            }
            self.loaded = Some(result.clone());
        }
    }

    fn hints(&self) -> Vec<Action> {
        vec![Action::InputAccept, Action::NextField, Action::InputCancel]
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawCtx) {
        super::draw::rename_dialog(f, area, self, cx);
    }
}
