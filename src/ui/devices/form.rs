//! The fields of a device dialog: text fields (typed, `[keys.input]`) and choices
//! (Space / x or Left / Right step through the options), Tab / arrows between them.

use crossterm::event::KeyEvent;
use ratatui::text::{Line, Span};

use crate::action::Action;
use crate::config::{Keymap, Role, Theme};
use crate::ui::text::escape;
use crate::ui::widgets::{Edit, LineInput};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Text(LineInput),
    Choice { options: Vec<String>, index: usize },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// What the dialog calls it (`"bus"`).
    pub key: &'static str,
    pub label: &'static str,
    pub value: Value,
    /// Not offered with the other fields' present values (a path when a volume is chosen).
    pub hidden: bool,
}

impl Field {
    pub fn text(key: &'static str, label: &'static str, initial: &str) -> Field {
        Field {
            key,
            label,
            value: Value::Text(LineInput::new(initial)),
            hidden: false,
        }
    }

    pub fn choice(key: &'static str, label: &'static str, options: &[&str], at: &str) -> Field {
        let options: Vec<String> = options.iter().map(|s| s.to_string()).collect();
        let index = options.iter().position(|o| o == at).unwrap_or(0);
        Field {
            key,
            label,
            value: Value::Choice { options, index },
            hidden: false,
        }
    }
}

/// What a key did to the form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormKey {
    /// The value of the field with this key changed.
    Changed(&'static str),
    /// The cursor moved, or the key did nothing.
    Consumed,
    Accept,
    Cancel,
    /// `y` outside a text field.
    Yes,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Form {
    pub fields: Vec<Field>,
    pub cursor: usize,
}

impl Form {
    pub fn new(fields: Vec<Field>) -> Form {
        Form { fields, cursor: 0 }
    }

    fn get(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }

    fn get_mut(&mut self, key: &str) -> Option<&mut Field> {
        self.fields.iter_mut().find(|f| f.key == key)
    }

    /// The text of a text field or the chosen option of a choice ("" when none).
    pub fn value(&self, key: &str) -> String {
        match self.get(key).map(|f| &f.value) {
            Some(Value::Text(i)) => i.text.trim().to_string(),
            Some(Value::Choice { options, index }) => {
                options.get(*index).cloned().unwrap_or_default()
            }
            None => String::new(),
        }
    }

    pub fn set_text(&mut self, key: &str, text: &str) {
        if let Some(Field {
            value: Value::Text(i),
            ..
        }) = self.get_mut(key)
        {
            i.text = text.to_string();
        }
    }

    /// New options for a choice; the chosen one stays chosen when it is still offered.
    pub fn set_options(&mut self, key: &str, new: Vec<String>) {
        if let Some(Field {
            value: Value::Choice { options, index },
            ..
        }) = self.get_mut(key)
        {
            let keep = options.get(*index).cloned();
            *index = keep
                .and_then(|k| new.iter().position(|o| *o == k))
                .unwrap_or(0);
            *options = new;
        }
    }

    /// Chooses `option` in a choice, when it offers it.
    pub fn select(&mut self, key: &str, option: &str) {
        if let Some(Field {
            value: Value::Choice { options, index },
            ..
        }) = self.get_mut(key)
            && let Some(i) = options.iter().position(|o| o == option)
        {
            *index = i;
        }
    }

    pub fn show(&mut self, key: &str, shown: bool) {
        if let Some(f) = self.get_mut(key) {
            f.hidden = !shown;
        }
        if self.fields.get(self.cursor).is_some_and(|f| f.hidden) {
            self.step(1);
        }
    }

    fn step(&mut self, delta: isize) {
        let n = self.fields.len() as isize;
        if n == 0 || self.fields.iter().all(|f| f.hidden) {
            return;
        }
        let mut i = self.cursor as isize;
        loop {
            i = (i + delta).rem_euclid(n);
            if !self.fields[i as usize].hidden {
                self.cursor = i as usize;
                return;
            }
        }
    }

    /// Applies a key; `action` is what it means in the dialog's scopes.
    pub fn on_key(&mut self, keymap: &Keymap, k: &KeyEvent, action: Option<Action>) -> FormKey {
        let Some(field) = self.fields.get_mut(self.cursor) else {
            return match action {
                Some(Action::InputAccept) => FormKey::Accept,
                Some(Action::ConfirmYes) => FormKey::Yes,
                _ => FormKey::Cancel,
            };
        };
        let key = field.key;
        match &mut field.value {
            Value::Text(input) => match input.on_key(keymap, k) {
                Edit::Changed => return FormKey::Changed(key),
                Edit::Accept => return FormKey::Accept,
                Edit::Cancel => return FormKey::Cancel,
                Edit::Ignored => {}
            },
            Value::Choice { options, index } if !options.is_empty() => {
                let n = options.len();
                let delta = match action {
                    Some(Action::ChoiceNext | Action::ToggleOption) => Some(1),
                    Some(Action::ChoicePrev) => Some(n - 1),
                    _ => None,
                };
                if let Some(d) = delta {
                    *index = (*index + d) % n;
                    return FormKey::Changed(key);
                }
            }
            Value::Choice { .. } => {}
        }
        match action {
            Some(Action::InputAccept) => FormKey::Accept,
            Some(Action::InputCancel) => FormKey::Cancel,
            Some(Action::ConfirmYes) => FormKey::Yes,
            Some(Action::NextField | Action::Down) => {
                self.step(1);
                FormKey::Consumed
            }
            Some(Action::PrevField | Action::Up) => {
                self.step(-1);
                FormKey::Consumed
            }
            _ => FormKey::Consumed,
        }
    }

    pub fn paste(&mut self, text: &str) {
        if let Some(Field {
            value: Value::Text(i),
            ..
        }) = self.fields.get_mut(self.cursor)
        {
            i.paste(text);
        }
    }

    /// One line per shown field: `label  value`, the one under the cursor marked.
    pub fn lines(&self, theme: &Theme) -> Vec<Line<'static>> {
        self.fields
            .iter()
            .enumerate()
            .filter(|(_, f)| !f.hidden)
            .map(|(i, f)| {
                let here = i == self.cursor;
                let mark = if here { "▸ " } else { "  " };
                let mut spans = vec![
                    Span::styled(mark, theme.style(Role::Key)),
                    Span::styled(format!("{:<11}", f.label), theme.style(Role::Dim)),
                ];
                match &f.value {
                    Value::Text(input) if here => spans.extend(input.spans(theme)),
                    Value::Text(input) => spans.push(Span::raw(escape(&input.text).into_owned())),
                    Value::Choice { options, index } => {
                        let shown = options.get(*index).map_or("(none)", String::as_str);
                        let style = if here {
                            theme.style(Role::Selected)
                        } else {
                            theme.style(Role::Base)
                        };
                        spans.push(Span::styled(format!("‹ {} ›", escape(shown)), style));
                        if options.len() > 1 {
                            spans.push(Span::styled(
                                format!("  {}/{}", index + 1, options.len()),
                                theme.style(Role::Dim),
                            ));
                        }
                    }
                }
                Line::from(spans)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::Scope;
    use crate::config::Config;
    use crossterm::event::{KeyCode, KeyModifiers};

    /// The choice keys come from `[keys.snapshot_dialog]`: a user's remap steps the value.
    #[test]
    fn remapped_choice_keys_step_a_choice() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("config.toml");
        let user =
            "[keys.snapshot_dialog]\nchoice_next = [\"Ctrl-n\"]\nchoice_prev = [\"Ctrl-o\"]\n";
        std::fs::write(&path, user).expect("write config");
        let km = Config::load(Some(&path), None, false)
            .expect("config loads")
            .keymap;
        let mut form = Form::new(vec![Field::choice(
            "bus",
            "Bus",
            &["virtio", "sata", "scsi"],
            "virtio",
        )]);
        let press = |form: &mut Form, code, mods| {
            let k = KeyEvent::new(code, mods);
            let action = km.action_in(&[Scope::SnapshotDialog, Scope::Input], &k);
            form.on_key(&km, &k, action)
        };
        assert_eq!(
            press(&mut form, KeyCode::Char('n'), KeyModifiers::CONTROL),
            FormKey::Changed("bus")
        );
        assert_eq!(form.value("bus"), "sata");
        press(&mut form, KeyCode::Char('o'), KeyModifiers::CONTROL);
        press(&mut form, KeyCode::Char('o'), KeyModifiers::CONTROL);
        assert_eq!(
            form.value("bus"),
            "scsi",
            "previous wraps to the last value"
        );
        press(&mut form, KeyCode::Right, KeyModifiers::NONE);
        assert_eq!(
            form.value("bus"),
            "scsi",
            "Right is no longer bound once remapped"
        );
    }
}
