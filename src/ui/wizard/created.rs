//! After the wizard's domain is defined: start it now, start it and open its console, or
//! leave it shut off.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph, Wrap};

use crate::action::{Action, Scope};
use crate::backend::DomainId;
use crate::config::Role;
use crate::ui::layer::{Ctx, DrawCtx, Effect, Flow, Layer, Level};
use crate::ui::text::escape;
use crate::ui::widgets::{centered, frame};

const SCOPES: &[Scope] = &[Scope::Wizard, Scope::Input];

pub struct Created {
    pub id: DomainId,
    pub name: String,
    /// The create's request, whose notes (autostart refused) may follow.
    pub req: crate::backend::RequestId,
    /// What the create did besides the define (autostart refused), shown under the question.
    pub notes: Vec<String>,
    /// Whether the domain has a serial console to open.
    pub console: bool,
}

impl Layer for Created {
    fn scopes(&self) -> &'static [Scope] {
        SCOPES
    }

    fn on_key(&mut self, k: &KeyEvent, cx: &mut Ctx) -> Flow {
        match cx.action(SCOPES, k) {
            Some(Action::WizardStart) => {
                cx.effects
                    .push(Effect::RunOn(Action::Start, self.id.clone()));
            }
            Some(Action::WizardConsole) if self.console => {
                cx.effects
                    .push(Effect::RunOn(Action::Start, self.id.clone()));
                cx.effects
                    .push(Effect::RunOn(Action::Console, self.id.clone()));
            }
            Some(Action::WizardConsole) => {
                cx.status(Level::Warn, "the domain has no serial console to open");
                return Flow::Consumed;
            }
            _ => cx.status(
                Level::Done,
                format!("created {} (shut off)", escape(&self.name)),
            ),
        }
        Flow::Close
    }

    fn on_backend(&mut self, ev: &crate::backend::BackendEvent, _cx: &mut Ctx) {
        if let crate::backend::BackendEvent::Create(_, c) = ev
            && let crate::backend::create::CreateEvent::Notes { req, notes } = c.as_ref()
            && *req == self.req
        {
            self.notes.extend(notes.0.iter().cloned());
        }
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawCtx) {
        let t = &cx.config.theme;
        let km = &cx.config.keymap;
        let mut lines = vec![
            Line::styled(
                format!("{} is defined.", escape(&self.name)),
                t.style(Role::Base),
            ),
            Line::raw(""),
            Line::styled(
                format!("{}  start it now", km.keys_label(Action::WizardStart)),
                t.style(Role::Key),
            ),
        ];
        if self.console {
            lines.push(Line::styled(
                format!(
                    "{}  start it and open its console",
                    km.keys_label(Action::WizardConsole)
                ),
                t.style(Role::Key),
            ));
        }
        lines.push(Line::styled(
            "any other key: leave it shut off",
            t.style(Role::Dim),
        ));
        for n in &self.notes {
            lines.push(Line::styled(escape(n), t.style(Role::Warn)));
        }
        let h = lines.len() as u16 + 2;
        let r = centered(area, 56.min(area.width), h.min(area.height));
        f.render_widget(Clear, r);
        f.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .block(frame("created", false, t)),
            r,
        );
    }

    fn hints(&self) -> Vec<Action> {
        vec![Action::WizardStart, Action::WizardConsole]
    }
}
