//! Generic questions: yes/no or type-a-name before a command goes out (the storage views)
//! or before quitting with work running, and a one-line prompt whose answer a closure
//! turns into commands.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use crate::action::{Action, Scope};
use crate::app::Level;
use crate::backend::Command;
use crate::config::{Config, Role};
use crate::ui::layer::{Ctx, DrawCtx, Effect, Flow, Layer};
use crate::ui::popups::confirm::name_matches;
use crate::ui::text::escape;
use crate::ui::widgets::{Edit, LineInput, centered, frame};

/// What a yes does.
// One question at a time, in a boxed layer: the size of the idle variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Then {
    Send(Command),
    /// Quit, cancelling what still runs.
    Quit,
}

/// Asks before `then` happens: `y`, or (with `typed`) the object's name typed exactly.
pub struct Ask {
    pub title: String,
    /// What happens, said plainly: which files go, what stays.
    pub body: Vec<String>,
    pub then: Then,
    /// The status line text once sent.
    pub sent: String,
    /// Some(name): the name must be typed.
    pub typed: Option<(String, LineInput)>,
}

impl Ask {
    pub fn yes_no(title: impl Into<String>, body: Vec<String>, cmd: Command, sent: String) -> Ask {
        Ask {
            title: title.into(),
            body,
            then: Then::Send(cmd),
            sent,
            typed: None,
        }
    }

    /// Asks before quitting while jobs run; `body` names them.
    pub fn quit(title: impl Into<String>, body: Vec<String>) -> Ask {
        Ask {
            title: title.into(),
            body,
            then: Then::Quit,
            sent: String::new(),
            typed: None,
        }
    }

    pub fn type_name(
        title: impl Into<String>,
        name: &str,
        body: Vec<String>,
        cmd: Command,
        sent: String,
    ) -> Ask {
        Ask {
            typed: Some((name.to_string(), LineInput::default())),
            ..Ask::yes_no(title, body, cmd, sent)
        }
    }

    fn go(&self, cx: &mut Ctx) {
        match &self.then {
            Then::Send(cmd) => {
                cx.status(Level::Info, self.sent.clone());
                cx.send(cmd.clone());
            }
            Then::Quit => cx.effects.push(Effect::QuitAnyway),
        }
    }
}

impl Layer for Ask {
    fn scopes(&self) -> &'static [Scope] {
        if self.typed.is_some() {
            &[Scope::Input]
        } else {
            &[Scope::Confirm]
        }
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &mut Ctx) -> Flow {
        let Some((name, input)) = &mut self.typed else {
            if cx.action(&[Scope::Confirm], key) == Some(Action::ConfirmYes) {
                self.go(cx);
            } else {
                cx.status(Level::Warn, format!("{}: cancelled", self.title));
            }
            return Flow::Close;
        };
        match input.on_key(&cx.config.keymap, key) {
            Edit::Cancel => {
                cx.status(Level::Warn, format!("{}: cancelled", self.title));
                Flow::Close
            }
            Edit::Accept => {
                if name_matches(&input.text, name) {
                    self.go(cx);
                } else {
                    cx.status(
                        Level::Error,
                        format!(
                            "{}: the name typed does not match {}; nothing was done",
                            self.title,
                            escape(name)
                        ),
                    );
                }
                Flow::Close
            }
            Edit::Changed | Edit::Ignored => Flow::Consumed,
        }
    }

    fn on_paste(&mut self, text: &str, _cx: &mut Ctx) -> Flow {
        if let Some((_, input)) = &mut self.typed {
            input.paste(text);
        }
        Flow::Consumed
    }

    fn hints(&self) -> Vec<Action> {
        if self.typed.is_some() {
            vec![Action::InputAccept, Action::InputCancel]
        } else {
            vec![Action::ConfirmYes]
        }
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawCtx) {
        let k = |a| cx.config.keymap.keys_label(a);
        let mut tail = Vec::new();
        match &self.typed {
            None => tail.push(Line::from(vec![
                Span::styled(k(Action::ConfirmYes), cx.config.theme.style(Role::Key)),
                Span::raw(" to confirm, any other key cancels"),
            ])),
            Some((name, input)) => {
                tail.push(Line::from(format!(
                    "Type {} and press {} ({} cancels):",
                    escape(name),
                    k(Action::InputAccept),
                    k(Action::InputCancel)
                )));
                let mut typed = vec![Span::raw("> ")];
                typed.extend(input.spans(&cx.config.theme));
                tail.push(Line::from(typed));
            }
        }
        popup(f, area, &self.title, &self.body, tail, true, cx.config);
    }
}

/// What a prompt's answer becomes: commands and a status, or a message saying what is
/// wrong with the text (the prompt stays open).
pub type Answer = Box<dyn FnMut(&str, &mut Ctx) -> Result<(), String>>;

/// A one-line question (a size, a path, a name).
pub struct Prompt {
    pub title: String,
    pub body: Vec<String>,
    pub input: LineInput,
    pub answer: Answer,
    pub error: Option<String>,
}

impl Prompt {
    pub fn new(title: impl Into<String>, body: Vec<String>, initial: &str, answer: Answer) -> Self {
        Prompt {
            title: title.into(),
            body,
            input: LineInput::new(initial),
            answer,
            error: None,
        }
    }
}

impl Layer for Prompt {
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::Input]
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &mut Ctx) -> Flow {
        match self.input.on_key(&cx.config.keymap, key) {
            Edit::Cancel => {
                cx.status(Level::Warn, format!("{}: cancelled", self.title));
                Flow::Close
            }
            Edit::Accept => match (self.answer)(self.input.text.trim(), cx) {
                Ok(()) => Flow::Close,
                Err(e) => {
                    self.error = Some(e);
                    Flow::Consumed
                }
            },
            Edit::Changed | Edit::Ignored => Flow::Consumed,
        }
    }

    fn on_paste(&mut self, text: &str, _cx: &mut Ctx) -> Flow {
        self.input.paste(text);
        Flow::Consumed
    }

    fn hints(&self) -> Vec<Action> {
        vec![Action::InputAccept, Action::InputCancel]
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawCtx) {
        let theme = &cx.config.theme;
        let mut typed = vec![Span::raw("> ")];
        typed.extend(self.input.spans(theme));
        let mut tail = vec![Line::from(typed)];
        if let Some(e) = &self.error {
            tail.push(Line::from(Span::styled(
                escape(e).into_owned(),
                theme.style(Role::Error),
            )));
        }
        popup(f, area, &self.title, &self.body, tail, false, cx.config);
    }
}

/// A centred popup: body lines, a blank line, then `tail`.
pub fn popup(
    f: &mut Frame,
    area: Rect,
    title: &str,
    body: &[String],
    tail: Vec<Line<'static>>,
    warn: bool,
    config: &Config,
) {
    let width = area.width.clamp(20, 76);
    let rows = crate::ui::widgets::frame::wrapped_rows(body, width);
    let height = u16::try_from(rows + tail.len() + 3)
        .unwrap_or(u16::MAX)
        .min(area.height);
    let rect = centered(area, width, height);
    f.render_widget(Clear, rect);
    let mut lines: Vec<Line> = body
        .iter()
        .map(|b| Line::from(escape(b).into_owned()))
        .collect();
    lines.push(Line::from(""));
    lines.extend(tail);
    f.render_widget(
        Paragraph::new(lines)
            .block(frame(title, warn, &config.theme))
            .wrap(Wrap { trim: false }),
        rect,
    );
}
