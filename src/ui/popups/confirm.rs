//! Confirmation dialogs for lifecycle operations: y/N for force off and reset, a typed
//! name for undefine. One layer: its state, keys (`[keys.confirm]`, `[keys.input]`),
//! drawing and the command it sends.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use crate::action::{Action, Scope};
use crate::app::Level;
use crate::backend::{Command, DomainId, LifecycleOp};
use crate::config::{Role, Theme};
use crate::ui::layer::{Ctx, DrawCtx, Flow, Layer};
use crate::ui::text::{escape, name_spans};
use crate::ui::widgets::{Edit, LineInput};

/// How the user must confirm.
#[derive(Clone, Debug, PartialEq)]
pub enum ConfirmKind {
    /// `y` confirms, anything else cancels.
    YesNo,
    /// The domain's name (or its escaped form, for names with unprintable characters)
    /// must be typed and Enter pressed.
    TypeName { input: LineInput },
}

impl ConfirmKind {
    pub fn type_name() -> ConfirmKind {
        ConfirmKind::TypeName {
            input: LineInput {
                text: String::new(),
                tabs: true,
            },
        }
    }
}

/// Sends lifecycle `op` for `id`, saying so in the status line with the virsh equivalent.
/// The list changes when libvirt's event arrives.
pub fn send_op(cx: &mut Ctx, id: DomainId, name: String, op: LifecycleOp) {
    let req = cx.reqs.allocate();
    cx.status(
        Level::Info,
        format!("{}…   ({})", op.verb(), escape(&op.virsh(&name))),
    );
    cx.send(Command::Lifecycle { req, id, name, op });
}

/// A pending lifecycle operation waiting for the user's yes.
pub struct Confirm {
    pub id: DomainId,
    pub name: String,
    pub op: LifecycleOp,
    pub title: String,
    pub body: Vec<String>,
    pub kind: ConfirmKind,
}

impl Layer for Confirm {
    fn scopes(&self) -> &'static [Scope] {
        match self.kind {
            ConfirmKind::YesNo => &[Scope::Confirm],
            ConfirmKind::TypeName { .. } => &[Scope::Input],
        }
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &mut Ctx) -> Flow {
        let verb = self.op.verb();
        match &mut self.kind {
            ConfirmKind::YesNo => {
                if cx.action(&[Scope::Confirm], key) == Some(Action::ConfirmYes) {
                    send_op(cx, self.id.clone(), self.name.clone(), self.op);
                } else {
                    cx.status(Level::Warn, format!("{verb}: cancelled"));
                }
                Flow::Close
            }
            ConfirmKind::TypeName { input } => match input.on_key(&cx.config.keymap, key) {
                Edit::Cancel => {
                    cx.status(Level::Warn, format!("{verb}: cancelled"));
                    Flow::Close
                }
                Edit::Accept => {
                    if name_matches(&input.text, &self.name) {
                        send_op(cx, self.id.clone(), self.name.clone(), self.op);
                    } else {
                        cx.status(
                            Level::Error,
                            format!(
                                "{verb}: the name typed does not match {}; nothing was done",
                                escape(&self.name)
                            ),
                        );
                    }
                    Flow::Close
                }
                Edit::Changed | Edit::Ignored => Flow::Consumed,
            },
        }
    }

    fn on_paste(&mut self, text: &str, _cx: &mut Ctx) -> Flow {
        match &mut self.kind {
            ConfirmKind::TypeName { input } => {
                input.paste(text);
                Flow::Consumed
            }
            ConfirmKind::YesNo => Flow::Consumed,
        }
    }

    fn hints(&self) -> Vec<Action> {
        match self.kind {
            ConfirmKind::YesNo => vec![Action::ConfirmYes],
            ConfirmKind::TypeName { .. } => vec![Action::InputAccept, Action::InputCancel],
        }
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawCtx) {
        render(
            f,
            area,
            &self.title,
            &self.name,
            &self.body,
            &self.kind,
            cx.config,
        );
    }
}

/// True when `input` is the name, or the name exactly as virtdeck displays it.
pub fn name_matches(input: &str, name: &str) -> bool {
    input == name || input == escape(name)
}

pub fn render(
    f: &mut Frame,
    area: Rect,
    title: &str,
    name: &str,
    body: &[String],
    kind: &ConfirmKind,
    config: &crate::config::Config,
) {
    let theme: &Theme = &config.theme;
    let k = |a| config.keymap.keys_label(a);
    let width = area.width.clamp(20, 64);
    // Body lines wrap inside the borders; count the rows they take so the prompt stays in view.
    let body_rows = crate::ui::widgets::frame::wrapped_rows(body, width);
    let extra = if matches!(kind, ConfirmKind::TypeName { .. }) {
        6
    } else {
        5
    };
    let height = u16::try_from(body_rows + extra)
        .unwrap_or(u16::MAX)
        .min(area.height);
    let rect = super::centered(area, width, height);
    f.render_widget(Clear, rect);
    let block = super::frame(title, true, theme);
    let mut lines = Vec::new();
    let mut head = vec![Span::raw("Domain: ")];
    head.extend(name_spans(
        name,
        theme.style(Role::Title),
        theme.style(Role::Escaped),
    ));
    lines.push(Line::from(head));
    for b in body {
        lines.push(Line::from(b.clone()));
    }
    lines.push(Line::from(""));
    match kind {
        ConfirmKind::YesNo => lines.push(Line::from(vec![
            Span::styled(k(Action::ConfirmYes), theme.style(Role::Key)),
            Span::raw(" to confirm, any other key cancels"),
        ])),
        ConfirmKind::TypeName { input } => {
            lines.push(Line::from(vec![
                Span::raw("Type the name and press "),
                Span::styled(k(Action::InputAccept), theme.style(Role::Key)),
                Span::raw(format!(" ({} cancels):", k(Action::InputCancel))),
            ]));
            let mut typed = vec![Span::raw("> ")];
            typed.extend(input.spans(theme));
            lines.push(Line::from(typed));
        }
    }
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        rect,
    );
}
