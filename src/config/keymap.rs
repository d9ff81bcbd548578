//! Key specs ("q", "Ctrl-c", "PgDn", "F5") and the keymap built from config data.

use std::collections::HashMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::action::Action;

/// A key as the keymap compares it: code plus Ctrl/Alt (Shift is part of the character).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl Key {
    pub fn from_event(ev: &KeyEvent) -> Key {
        // Shift is not compared: letters arrive already shifted, Shift-Tab as BackTab.
        Key {
            code: ev.code,
            ctrl: ev.modifiers.contains(KeyModifiers::CONTROL),
            alt: ev.modifiers.contains(KeyModifiers::ALT),
        }
    }

    /// Parses "q", "?", "Ctrl-c", "Alt-x", "Up", "PgDn", "Home", "F5", "Space", "Tab".
    pub fn parse(spec: &str) -> Result<Key, String> {
        let mut ctrl = false;
        let mut alt = false;
        let mut rest = spec;
        loop {
            let lower = rest.to_ascii_lowercase();
            if rest.len() > 2 && (lower.starts_with("ctrl-") || lower.starts_with("ctrl+")) {
                ctrl = true;
                rest = &rest[5..];
            } else if rest.len() > 2 && (lower.starts_with("alt-") || lower.starts_with("alt+")) {
                alt = true;
                rest = &rest[4..];
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCode::Char(if ctrl { c.to_ascii_lowercase() } else { c }),
            _ => match rest.to_ascii_lowercase().as_str() {
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "pgup" | "pageup" => KeyCode::PageUp,
                "pgdn" | "pgdown" | "pagedown" => KeyCode::PageDown,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "enter" | "return" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "tab" => KeyCode::Tab,
                "backtab" | "shift-tab" => KeyCode::BackTab,
                "space" => KeyCode::Char(' '),
                "backspace" => KeyCode::Backspace,
                "delete" | "del" => KeyCode::Delete,
                "insert" | "ins" => KeyCode::Insert,
                f if f.starts_with('f') => f[1..]
                    .parse::<u8>()
                    .ok()
                    .filter(|n| (1..=24).contains(n))
                    .map(KeyCode::F)
                    .ok_or_else(|| format!("unknown key '{spec}'"))?,
                _ => return Err(format!("unknown key '{spec}'")),
            },
        };
        Ok(Key { code, ctrl, alt })
    }
}

/// Formats a key the way help shows it, e.g. `Ctrl-c`, `PgDn`, `?`.
pub fn display(key: &Key) -> String {
    let base = match key.code {
        KeyCode::Char(' ') => "Space".to_string(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Up => "↑".into(),
        KeyCode::Down => "↓".into(),
        KeyCode::Left => "←".into(),
        KeyCode::Right => "→".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        KeyCode::Home => "Home".into(),
        KeyCode::End => "End".into(),
        KeyCode::Enter => "Enter".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Tab => "Tab".into(),
        KeyCode::BackTab => "Shift-Tab".into(),
        KeyCode::Backspace => "Backspace".into(),
        KeyCode::Delete => "Del".into(),
        KeyCode::Insert => "Ins".into(),
        KeyCode::F(n) => format!("F{n}"),
        other => format!("{other:?}"),
    };
    let mut s = String::new();
    if key.ctrl {
        s.push_str("Ctrl-");
    }
    if key.alt {
        s.push_str("Alt-");
    }
    s.push_str(&base);
    s
}

/// Key → action lookup plus, per action, its keys in the order configured (for help).
#[derive(Clone, Debug, Default)]
pub struct Keymap {
    by_key: HashMap<Key, Action>,
    by_action: HashMap<Action, Vec<Key>>,
}

impl Keymap {
    /// Builds a keymap from `action name -> [key specs]` tables; later tables replace an
    /// action's keys from earlier ones (user config over the embedded default).
    pub fn from_tables<'a>(
        tables: impl IntoIterator<Item = &'a HashMap<String, Vec<String>>>,
    ) -> Result<Keymap, String> {
        let mut by_action: HashMap<Action, Vec<Key>> = HashMap::new();
        for table in tables {
            for (name, specs) in table {
                let action = Action::from_name(name)
                    .ok_or_else(|| format!("[keys]: unknown action '{name}'"))?;
                let keys = specs
                    .iter()
                    .map(|s| Key::parse(s).map_err(|e| format!("[keys] {name}: {e}")))
                    .collect::<Result<Vec<_>, _>>()?;
                by_action.insert(action, keys);
            }
        }
        let mut by_key = HashMap::new();
        for action in Action::ALL {
            for key in by_action.get(&action).into_iter().flatten() {
                if let Some(prev) = by_key.insert(*key, action) {
                    return Err(format!(
                        "[keys]: '{}' is bound to both {} and {}",
                        display(key),
                        prev.name(),
                        action.name()
                    ));
                }
            }
        }
        Ok(Keymap { by_key, by_action })
    }

    pub fn action(&self, ev: &KeyEvent) -> Option<Action> {
        self.by_key.get(&Key::from_event(ev)).copied()
    }

    pub fn keys(&self, action: Action) -> &[Key] {
        self.by_action.get(&action).map_or(&[], Vec::as_slice)
    }

    /// "j/↓" style text for the keys of `action`.
    pub fn keys_label(&self, action: Action) -> String {
        self.keys(action)
            .iter()
            .map(display)
            .collect::<Vec<_>>()
            .join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_usual_spellings() {
        assert_eq!(Key::parse("q").map(|k| k.code), Ok(KeyCode::Char('q')));
        let c = Key::parse("Ctrl-C");
        assert_eq!(
            c,
            Ok(Key {
                code: KeyCode::Char('c'),
                ctrl: true,
                alt: false
            })
        );
        assert_eq!(Key::parse("PgDn").map(|k| k.code), Ok(KeyCode::PageDown));
        assert_eq!(Key::parse("F5").map(|k| k.code), Ok(KeyCode::F(5)));
        assert_eq!(Key::parse("-").map(|k| k.code), Ok(KeyCode::Char('-')));
        assert!(Key::parse("Hyper-x").is_err());
        assert!(Key::parse("F99").is_err());
    }

    #[test]
    fn user_table_replaces_an_actions_keys_and_conflicts_are_refused() {
        let mut base = HashMap::new();
        base.insert("quit".to_string(), vec!["q".to_string()]);
        base.insert("help".to_string(), vec!["?".to_string()]);
        let mut user = HashMap::new();
        user.insert("quit".to_string(), vec!["x".to_string()]);
        let km = Keymap::from_tables([&base, &user]).expect("valid keymap");
        let x = KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE);
        let q = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(km.action(&x), Some(Action::Quit));
        assert_eq!(km.action(&q), None);

        let mut clash = HashMap::new();
        clash.insert("help".to_string(), vec!["x".to_string()]);
        assert!(Keymap::from_tables([&base, &user, &clash]).is_err());
        let mut bad = HashMap::new();
        bad.insert("launch_missiles".to_string(), vec!["m".to_string()]);
        assert!(Keymap::from_tables([&bad]).is_err());
    }

    #[test]
    fn shifted_letters_match_their_uppercase_spec() {
        let mut t = HashMap::new();
        t.insert("force_off".to_string(), vec!["F".to_string()]);
        let km = Keymap::from_tables([&t]).expect("valid keymap");
        let ev = KeyEvent::new(KeyCode::Char('F'), KeyModifiers::SHIFT);
        assert_eq!(km.action(&ev), Some(Action::ForceOff));
    }
}
