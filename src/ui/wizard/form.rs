//! The create wizard's field widgets: a line of text, a choice (a list narrowed by typing,
//! stepped with Left/Right), and an on/off toggle.

use crossterm::event::KeyEvent;

use crate::action::Action;
use crate::config::Keymap;
use crate::ui::widgets::{Edit, LineInput};

/// One option of a choice: the value the wizard uses and the text shown.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Opt {
    pub value: String,
    pub label: String,
}

impl Opt {
    pub fn new(value: impl Into<String>, label: impl Into<String>) -> Opt {
        Opt {
            value: value.into(),
            label: label.into(),
        }
    }

    /// An option whose label is its value.
    pub fn plain(value: &str) -> Opt {
        Opt::new(value, value)
    }
}

/// A list to pick one from; typing narrows it (case-insensitive, anywhere in the label).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Choice {
    pub options: Vec<Opt>,
    /// The chosen option's value (kept when the list is refreshed or narrowed).
    pub value: Option<String>,
    pub filter: String,
}

impl Choice {
    pub fn new(options: Vec<Opt>) -> Choice {
        let value = options.first().map(|o| o.value.clone());
        Choice {
            options,
            value,
            filter: String::new(),
        }
    }

    /// The options that match the filter.
    pub fn shown(&self) -> Vec<&Opt> {
        let f = self.filter.to_lowercase();
        self.options
            .iter()
            .filter(|o| f.is_empty() || o.label.to_lowercase().contains(&f))
            .collect()
    }

    pub fn selected(&self) -> Option<&Opt> {
        let v = self.value.as_ref()?;
        self.options.iter().find(|o| &o.value == v)
    }

    pub fn value(&self) -> &str {
        self.selected().map_or("", |o| o.value.as_str())
    }

    /// Replaces the options, keeping the choice if it is still offered.
    pub fn set_options(&mut self, options: Vec<Opt>) {
        self.options = options;
        if self.selected().is_none() {
            self.value = self.shown().first().map(|o| o.value.clone());
        }
    }

    pub fn select(&mut self, value: &str) {
        if self.options.iter().any(|o| o.value == value) {
            self.value = Some(value.to_string());
        }
    }

    /// Moves `by` steps among the shown options (wrapping).
    pub fn step(&mut self, by: isize) {
        let shown = self.shown();
        if shown.is_empty() {
            return;
        }
        let at = self
            .value
            .as_ref()
            .and_then(|v| shown.iter().position(|o| &o.value == v));
        let n = shown.len() as isize;
        let next = match at {
            Some(i) => (i as isize + by).rem_euclid(n),
            None => 0,
        };
        self.value = Some(shown[next as usize].value.clone());
    }

    /// After the filter changed: keep the choice if it still matches, else the first match.
    fn refilter(&mut self) {
        let shown = self.shown();
        let keep = self
            .value
            .as_ref()
            .is_some_and(|v| shown.iter().any(|o| &o.value == v));
        if !keep && let Some(first) = shown.first() {
            self.value = Some(first.value.clone());
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Field {
    Text(LineInput),
    Choice(Choice),
    Toggle(bool),
}

impl Field {
    pub fn text(&self) -> &str {
        match self {
            Field::Text(t) => &t.text,
            Field::Choice(c) => c.value(),
            Field::Toggle(true) => "yes",
            Field::Toggle(false) => "no",
        }
    }

    /// Applies a key the page did not use for moving between fields or pages; returns
    /// whether the field changed. `action` is what the key means in the wizard's scopes.
    pub fn on_key(&mut self, keymap: &Keymap, action: Option<Action>, k: &KeyEvent) -> bool {
        match self {
            Field::Text(t) => t.on_key(keymap, k) == Edit::Changed,
            Field::Choice(c) => match action {
                Some(Action::WizardNextChoice) => {
                    c.step(1);
                    true
                }
                Some(Action::WizardPrevChoice) => {
                    c.step(-1);
                    true
                }
                _ => {
                    let mut line = LineInput::new(std::mem::take(&mut c.filter));
                    let changed = line.on_key(keymap, k) == Edit::Changed;
                    c.filter = line.text;
                    if changed {
                        c.refilter();
                    }
                    changed
                }
            },
            Field::Toggle(on) => {
                let flip = matches!(
                    action,
                    Some(
                        Action::WizardNextChoice | Action::WizardPrevChoice | Action::WizardToggle
                    )
                );
                if flip {
                    *on = !*on;
                }
                flip
            }
        }
    }

    pub fn paste(&mut self, text: &str) {
        match self {
            Field::Text(t) => t.paste(text),
            Field::Choice(c) => {
                c.filter.extend(text.chars().filter(|ch| !ch.is_control()));
                c.refilter();
            }
            Field::Toggle(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_narrows_a_choice_and_arrows_step_through_the_matches() {
        let mut c = Choice::new(vec![
            Opt::plain("generic"),
            Opt::new("debian12", "debian12 Debian 12"),
            Opt::new("debian11", "debian11 Debian 11"),
            Opt::new("win10", "win10 Windows 10"),
        ]);
        assert_eq!(c.value(), "generic");
        c.filter = "deb".into();
        c.refilter();
        assert_eq!(c.value(), "debian12");
        c.step(1);
        assert_eq!(c.value(), "debian11");
        c.step(1);
        assert_eq!(c.value(), "debian12", "wraps among the matches");
        c.filter.clear();
        c.set_options(vec![Opt::plain("win10")]);
        assert_eq!(
            c.value(),
            "win10",
            "a vanished choice falls to the first option"
        );
    }

    /// A yes / no field flips with the key bound to `wizard_toggle` (Space by default, a
    /// user's remap otherwise), not with a key written into the code.
    #[test]
    fn the_toggle_key_comes_from_the_keymap() {
        use crate::action::Scope;
        use crate::config::Config;
        use crossterm::event::{KeyCode, KeyModifiers};
        let km = Config::builtin().expect("config").keymap;
        let space = KeyEvent::new(KeyCode::Char(' '), KeyModifiers::NONE);
        let mut f = Field::Toggle(false);
        let action = km.action_in(&[Scope::Wizard], &space);
        assert!(f.on_key(&km, action, &space));
        assert_eq!(f, Field::Toggle(true));

        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "[keys.wizard]\nwizard_toggle = [\"t\"]\n").expect("write");
        let km = Config::load(Some(&path), None, false)
            .expect("config")
            .keymap;
        let t = KeyEvent::new(KeyCode::Char('t'), KeyModifiers::NONE);
        assert!(f.on_key(&km, km.action_in(&[Scope::Wizard], &t), &t));
        assert_eq!(f, Field::Toggle(false));
        assert!(!f.on_key(&km, km.action_in(&[Scope::Wizard], &space), &space));
        assert_eq!(
            f,
            Field::Toggle(false),
            "Space no longer flips once remapped"
        );
    }
}
