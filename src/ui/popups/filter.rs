//! The `/` filter prompt in the status line: filters the domain list as you type; Enter
//! keeps the filter, Esc restores the one before.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::action::{Action, Scope};
use crate::config::Role;
use crate::ui::layer::{Ctx, DrawCtx, Effect, Flow, Layer};
use crate::ui::widgets::{Edit, LineInput};

pub struct FilterPrompt {
    pub input: LineInput,
    /// The filter to restore on cancel.
    pub previous: String,
}

impl FilterPrompt {
    pub fn new(current: &str) -> FilterPrompt {
        FilterPrompt {
            input: LineInput::new(current),
            previous: current.to_string(),
        }
    }
}

impl Layer for FilterPrompt {
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::Input]
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &mut Ctx) -> Flow {
        match self.input.on_key(&cx.config.keymap, key) {
            Edit::Accept => Flow::Close,
            Edit::Cancel => {
                cx.effects.push(Effect::Filter(self.previous.clone()));
                Flow::Close
            }
            Edit::Changed => {
                cx.effects.push(Effect::Filter(self.input.text.clone()));
                Flow::Consumed
            }
            Edit::Ignored => Flow::Consumed,
        }
    }

    fn on_paste(&mut self, text: &str, cx: &mut Ctx) -> Flow {
        self.input.paste(text);
        cx.effects.push(Effect::Filter(self.input.text.clone()));
        Flow::Consumed
    }

    fn draw(&mut self, f: &mut Frame, _area: Rect, cx: &DrawCtx) {
        let t = &cx.config.theme;
        let k = |a| cx.config.keymap.keys_label(a);
        let mut spans = vec![Span::styled(k(Action::Filter), t.style(Role::Key))];
        spans.extend(self.input.spans(t));
        spans.push(Span::styled(
            format!(
                "   {} keeps, {} restores; re: regex, ! inverts",
                k(Action::InputAccept),
                k(Action::InputCancel)
            ),
            t.style(Role::Dim),
        ));
        f.render_widget(ratatui::widgets::Clear, cx.status_area);
        f.render_widget(Line::from(spans), cx.status_area);
    }

    fn hints(&self) -> Vec<Action> {
        vec![Action::InputAccept, Action::InputCancel]
    }
}
