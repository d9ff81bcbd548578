//! One line of text input, used by every prompt (filter, type-the-name, snapshot form):
//! the editing keys come from `[keys.input]`, everything printable is typed.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::text::Span;

use crate::action::{Action, Scope};
use crate::config::{Keymap, Role, Theme};
use crate::ui::text::escape_spans;

/// What a key did to the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edit {
    /// The text changed.
    Changed,
    /// Enter (input_accept).
    Accept,
    /// Esc (input_cancel).
    Cancel,
    /// Not an editing key.
    Ignored,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineInput {
    pub text: String,
    /// Tab types a tab character (names may hold one) instead of being ignored.
    pub tabs: bool,
}

impl LineInput {
    pub fn new(text: impl Into<String>) -> LineInput {
        LineInput {
            text: text.into(),
            tabs: false,
        }
    }

    /// Applies one key.
    pub fn on_key(&mut self, keymap: &Keymap, k: &KeyEvent) -> Edit {
        match keymap.action_in(&[Scope::Input], k) {
            Some(Action::InputAccept) => return Edit::Accept,
            Some(Action::InputCancel) => return Edit::Cancel,
            Some(Action::InputBackspace) => {
                self.text.pop();
                return Edit::Changed;
            }
            Some(Action::InputClear) => {
                self.text.clear();
                return Edit::Changed;
            }
            _ => {}
        }
        let ctrl = k
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        match k.code {
            KeyCode::Char(c) if !ctrl => {
                self.text.push(c);
                Edit::Changed
            }
            KeyCode::Tab if self.tabs => {
                self.text.push('\t');
                Edit::Changed
            }
            _ => Edit::Ignored,
        }
    }

    /// Appends pasted text (control characters dropped, except tabs where allowed).
    pub fn paste(&mut self, text: &str) {
        self.text.extend(
            text.chars()
                .filter(|c| !c.is_control() || (self.tabs && *c == '\t')),
        );
    }

    /// The text, escaped for the screen, followed by a block cursor.
    pub fn spans(&self, theme: &Theme) -> Vec<Span<'static>> {
        let mut out = escape_spans(
            &self.text,
            theme.style(Role::Base),
            theme.style(Role::Escaped),
        );
        out.push(Span::styled("█", theme.style(Role::Dim)));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn types_edits_and_reports_enter_and_esc() {
        let km = crate::config::Config::builtin().expect("config").keymap;
        let mut i = LineInput::default();
        for c in "web-0x".chars() {
            assert_eq!(i.on_key(&km, &key(KeyCode::Char(c))), Edit::Changed);
        }
        i.on_key(&km, &key(KeyCode::Backspace));
        assert_eq!(i.text, "web-0");
        // j and q are text here, not navigation or quit.
        i.on_key(&km, &key(KeyCode::Char('q')));
        assert_eq!(i.text, "web-0q");
        let ctrl_u = KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL);
        assert_eq!(i.on_key(&km, &ctrl_u), Edit::Changed);
        assert_eq!(i.text, "");
        assert_eq!(i.on_key(&km, &key(KeyCode::Enter)), Edit::Accept);
        assert_eq!(i.on_key(&km, &key(KeyCode::Esc)), Edit::Cancel);
        assert_eq!(i.on_key(&km, &key(KeyCode::Tab)), Edit::Ignored);
    }
}
