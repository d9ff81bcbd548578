//! The send-key dialog (`virsh send-key`): the usual combinations with what they do, or
//! any key list typed as virsh takes it. It stays open, so SysRq s, u, b go one after
//! another; each reply shows in it.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use crate::action::{Action, Scope};
use crate::backend::devices::keys::{KeyPreset, key_name, parse_keys};
use crate::backend::devices::{DeviceCmd, DeviceEvent};
use crate::backend::{BackendEvent, Command, DomainId, RequestId};
use crate::config::Role;
use crate::ui::layer::{Ctx, DrawCtx, Flow, Layer, Level};
use crate::ui::text::escape;
use crate::ui::widgets::{Edit, LineInput, centered, frame};

/// A combination offered without typing: what it does, and whether it needs a second
/// Enter because the guest loses work or stops.
struct Preset {
    keys: KeyPreset,
    what: &'static str,
    drastic: bool,
}

const fn p(keys: KeyPreset, what: &'static str, drastic: bool) -> Preset {
    Preset {
        keys,
        what,
        drastic,
    }
}

const PRESETS: &[Preset] = &[
    p(KeyPreset::CtrlAltDel, "most guests reboot cleanly", true),
    p(KeyPreset::CtrlC, "interrupt the foreground program", false),
    p(KeyPreset::CtrlD, "end of input (a shell logs out)", false),
    p(
        KeyPreset::SysRq('h'),
        "SysRq help on the guest's console",
        false,
    ),
    p(
        KeyPreset::SysRq('s'),
        "sync: write dirty data to disk",
        false,
    ),
    p(
        KeyPreset::SysRq('u'),
        "remount every filesystem read-only",
        false,
    ),
    p(
        KeyPreset::SysRq('b'),
        "reboot at once, no sync, no unmount",
        true,
    ),
    p(KeyPreset::SysRq('o'), "power off at once", true),
    p(
        KeyPreset::SysRq('e'),
        "SIGTERM to every process but init",
        true,
    ),
    p(
        KeyPreset::SysRq('i'),
        "SIGKILL to every process but init",
        true,
    ),
    p(
        KeyPreset::SysRq('t'),
        "list the tasks on the guest's console",
        false,
    ),
    p(KeyPreset::CtrlAltF(1), "switch to virtual console 1", false),
    p(KeyPreset::CtrlAltF(2), "switch to virtual console 2", false),
];

/// What the dialog says under the rows.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Note {
    None,
    /// A drastic combination waits for a second Enter.
    Armed(String),
    Sending(RequestId, String),
    Sent(String),
    Error(String),
}

pub struct SendKeyDialog {
    pub id: DomainId,
    pub name: String,
    /// A row of `PRESETS`, or `PRESETS.len()` for the typed list.
    selected: usize,
    input: LineInput,
    note: Note,
}

/// Opens the dialog for `id` when the connection allows it and the domain runs.
pub fn open(id: DomainId, cx: &mut Ctx) {
    if cx.refuse_mutation(Action::SendKey) {
        return;
    }
    let Some(row) = cx.store.get(&id) else {
        cx.status(Level::Warn, "that domain is gone");
        return;
    };
    if !row.info.state.state.is_active() {
        cx.status(
            Level::Warn,
            format!(
                "{} is not running: keys go to a running guest's keyboard",
                escape(&row.info.name)
            ),
        );
        return;
    }
    let name = row.info.name.clone();
    cx.push(SendKeyDialog {
        id,
        name,
        selected: 1,
        input: LineInput::default(),
        note: Note::None,
    });
}

impl SendKeyDialog {
    fn typed_row(&self) -> bool {
        self.selected == PRESETS.len()
    }

    /// The selected row's label and keycodes, or why the typed list is refused.
    fn choice(&self) -> Result<(String, Vec<u32>, bool), String> {
        match PRESETS.get(self.selected) {
            Some(p) => Ok((p.keys.label(), p.keys.codes()?, p.drastic)),
            None => {
                let codes = parse_keys(&self.input.text)?;
                Ok((self.input.text.trim().to_string(), codes, false))
            }
        }
    }

    fn send(&mut self, cx: &mut Ctx) {
        let (label, codes, drastic) = match self.choice() {
            Ok(c) => c,
            Err(e) => {
                self.note = Note::Error(e);
                return;
            }
        };
        if drastic && self.note != Note::Armed(label.clone()) {
            self.note = Note::Armed(label);
            return;
        }
        let req = cx.reqs.allocate();
        cx.send(Command::Device(
            self.id.host,
            DeviceCmd::SendKey {
                req,
                id: self.id.clone(),
                codes,
                hold_ms: 0,
            },
        ));
        self.note = Note::Sending(req, label);
    }

    fn same_as(&self) -> Option<String> {
        let (_, codes, _) = self.choice().ok()?;
        let names: Vec<String> = codes.into_iter().map(key_name).collect();
        Some(format!(
            "virsh send-key {} --codeset linux {}",
            self.name,
            names.join(" ")
        ))
    }
}

impl Layer for SendKeyDialog {
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::Prompt, Scope::Input]
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &mut Ctx) -> Flow {
        let moved = match cx.action(&[Scope::Prompt], key) {
            Some(Action::PromptUp) => Some(self.selected.saturating_sub(1)),
            Some(Action::PromptDown) => Some((self.selected + 1).min(PRESETS.len())),
            _ => None,
        };
        if let Some(to) = moved {
            self.selected = to;
            if matches!(self.note, Note::Armed(_) | Note::Error(_)) {
                self.note = Note::None;
            }
            return Flow::Consumed;
        }
        match self.input.on_key(&cx.config.keymap, key) {
            Edit::Cancel => return Flow::Close,
            Edit::Accept => self.send(cx),
            Edit::Changed => {
                // Typing picks the typed row.
                self.selected = PRESETS.len();
                self.note = Note::None;
            }
            Edit::Ignored => {}
        }
        Flow::Consumed
    }

    fn on_paste(&mut self, text: &str, _cx: &mut Ctx) -> Flow {
        self.input.paste(text);
        self.selected = PRESETS.len();
        Flow::Consumed
    }

    fn on_backend(&mut self, ev: &BackendEvent, _cx: &mut Ctx) {
        let BackendEvent::Device(_, ev) = ev else {
            return;
        };
        let DeviceEvent::Done { req, result, .. } = ev.as_ref() else {
            return;
        };
        let Note::Sending(waiting, label) = &self.note else {
            return;
        };
        if req != waiting {
            return;
        }
        self.note = match result {
            Ok(()) => Note::Sent(format!("{label} sent")),
            Err(e) => Note::Error(format!("send-key {label} failed: {e}")),
        };
    }

    fn hints(&self) -> Vec<Action> {
        vec![
            Action::PromptUp,
            Action::PromptDown,
            Action::InputAccept,
            Action::InputCancel,
        ]
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawCtx) {
        let t = &cx.config.theme;
        let k = |a| cx.config.keymap.keys_label(a);
        let mut lines = vec![Line::styled(
            "Keys go to the guest's keyboard (its active VT), not to a serial console.",
            t.style(Role::Dim),
        )];
        for (i, p) in PRESETS.iter().enumerate() {
            let mark = if i == self.selected { "▶ " } else { "  " };
            let line = Line::from(vec![
                Span::raw(mark),
                Span::styled(format!("{:<14}", p.keys.label()), t.style(Role::Key)),
                Span::raw(p.what),
            ]);
            lines.push(if i == self.selected {
                line.style(t.style(Role::Selected))
            } else {
                line
            });
        }
        let mut typed = vec![Span::raw(if self.typed_row() { "▶ " } else { "  " })];
        typed.push(Span::styled(format!("{:<14}", "Keys:"), t.style(Role::Key)));
        if self.input.text.is_empty() && !self.typed_row() {
            typed.push(Span::styled(
                "type a list: KEY_LEFTCTRL KEY_C",
                t.style(Role::Dim),
            ));
        } else {
            typed.extend(self.input.spans(t));
        }
        let typed = Line::from(typed);
        lines.push(if self.typed_row() {
            typed.style(t.style(Role::Selected))
        } else {
            typed
        });
        lines.push(Line::from(""));
        lines.push(match &self.note {
            Note::None => match self.same_as() {
                Some(v) => Line::styled(format!("Same as: {}", escape(&v)), t.style(Role::Dim)),
                None => Line::from(""),
            },
            Note::Armed(label) => Line::styled(
                format!(
                    "{} on {}: {} again to send it",
                    escape(label),
                    escape(&self.name),
                    k(Action::InputAccept)
                ),
                t.style(Role::Warn),
            ),
            Note::Sending(_, label) => Line::from(format!("sending {}…", escape(label))),
            Note::Sent(text) => Line::styled(escape(text).into_owned(), t.style(Role::Info)),
            Note::Error(e) => Line::styled(escape(e).into_owned(), t.style(Role::Error)),
        });
        lines.push(Line::styled(
            format!(
                "{}/{} choose · type a key list · {} send · {} close",
                k(Action::PromptUp),
                k(Action::PromptDown),
                k(Action::InputAccept),
                k(Action::InputCancel)
            ),
            t.style(Role::Dim),
        ));
        let width = area.width.clamp(20, 90);
        let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
        let rect = centered(area, width, height);
        f.render_widget(Clear, rect);
        let title = format!("Send keys to {}", escape(&self.name));
        f.render_widget(Paragraph::new(lines).block(frame(&title, false, t)), rect);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_has_codes_virsh_can_name() {
        for p in PRESETS {
            let codes = p.keys.codes().expect("preset codes");
            assert!(codes.iter().all(|c| key_name(*c).starts_with("KEY_")));
        }
    }
}
