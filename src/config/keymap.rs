//! Key specs ("q", "Ctrl-c", "PgDn", "F5") and the keymap built from config data.

use std::collections::HashMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use serde::Deserialize;

use crate::action::{Action, Scope};

/// A key as the keymap compares it: code plus Ctrl/Alt, and Shift for keys that are not
/// characters (a shifted letter arrives as its capital, Shift-Tab as BackTab).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
    pub shift: bool,
}

impl Key {
    pub fn from_event(ev: &KeyEvent) -> Key {
        // Shift is compared only where it is not already in the code: letters arrive
        // shifted, Shift-Tab as BackTab; Shift-PgUp is its own key.
        let shift = ev.modifiers.contains(KeyModifiers::SHIFT)
            && !matches!(ev.code, KeyCode::Char(_) | KeyCode::BackTab);
        Key {
            code: ev.code,
            ctrl: ev.modifiers.contains(KeyModifiers::CONTROL),
            alt: ev.modifiers.contains(KeyModifiers::ALT),
            shift,
        }
    }

    /// Parses "q", "?", "Ctrl-c", "Alt-x", "Up", "PgDn", "Home", "F5", "Space", "Tab",
    /// "Shift-PgUp" (Shift only with keys that are not characters).
    pub fn parse(spec: &str) -> Result<Key, String> {
        let mut ctrl = false;
        let mut alt = false;
        let mut shift = false;
        let mut rest = spec;
        loop {
            let lower = rest.to_ascii_lowercase();
            if rest.len() > 2 && (lower.starts_with("ctrl-") || lower.starts_with("ctrl+")) {
                ctrl = true;
                rest = &rest[5..];
            } else if rest.len() > 2 && (lower.starts_with("alt-") || lower.starts_with("alt+")) {
                alt = true;
                rest = &rest[4..];
            } else if rest.len() > 7
                && (lower.starts_with("shift-") || lower.starts_with("shift+"))
                && lower != "shift-tab"
            {
                shift = true;
                rest = &rest[6..];
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
        if shift && matches!(code, KeyCode::Char(_) | KeyCode::BackTab) {
            return Err(format!(
                "'{spec}': Shift goes with named keys only (write the capital letter instead)"
            ));
        }
        Ok(Key {
            code,
            ctrl,
            alt,
            shift,
        })
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
    if key.shift {
        s.push_str("Shift-");
    }
    s.push_str(&base);
    s
}

/// The config's `[keys]` table: scoped (`[keys.domains] start = ["s"]`) or, as older
/// configs have it, flat (`[keys] start = ["s"]`: each action goes to its own scope).
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum KeysEntry {
    /// `action = ["key", ...]` directly under `[keys]`.
    Keys(Vec<String>),
    /// `[keys.<scope>]` with `action = ["key", ...]` entries.
    Scope(HashMap<String, Vec<String>>),
}

/// `[keys]` as read from one file.
pub type KeysTable = HashMap<String, KeysEntry>;

/// Key → action lookup per scope plus, per action, its keys in the order configured.
#[derive(Clone, Debug, Default)]
pub struct Keymap {
    by_scope: HashMap<Scope, HashMap<Key, Action>>,
    by_action: HashMap<Action, Vec<Key>>,
}

/// Resolves one `name = [specs]` entry found in `table` (e.g. "[keys.domains]").
fn entry(
    table: &str,
    expected: Option<Scope>,
    name: &str,
    specs: &[String],
) -> Result<(Action, Vec<Key>), String> {
    let action =
        Action::from_name(name).ok_or_else(|| format!("{table}: unknown action '{name}'"))?;
    if let Some(scope) = expected
        && action.scope() != scope
    {
        return Err(format!(
            "{table}: '{name}' belongs in [keys.{}]",
            action.scope().name()
        ));
    }
    let keys = specs
        .iter()
        .map(|s| Key::parse(s).map_err(|e| format!("{table} {name}: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((action, keys))
}

impl Keymap {
    /// Builds a keymap from `[keys]` tables; later tables replace an action's keys from
    /// earlier ones (user config over the embedded default). A key bound twice where both
    /// bindings are live at once (one scope, or scopes in `Scope::LIVE_TOGETHER`) is an
    /// error naming both actions.
    pub fn from_tables<'a>(
        tables: impl IntoIterator<Item = &'a KeysTable>,
    ) -> Result<Keymap, String> {
        let mut by_action: HashMap<Action, Vec<Key>> = HashMap::new();
        for table in tables {
            for (name, value) in table {
                match value {
                    KeysEntry::Keys(specs) => {
                        let (action, keys) = entry("[keys]", None, name, specs)?;
                        by_action.insert(action, keys);
                    }
                    KeysEntry::Scope(entries) => {
                        let scope = Scope::from_name(name).ok_or_else(|| {
                            format!(
                                "[keys.{name}]: unknown scope (known: {})",
                                Scope::ALL.map(Scope::name).join(", ")
                            )
                        })?;
                        let label = format!("[keys.{name}]");
                        for (action, specs) in entries {
                            let (action, keys) = entry(&label, Some(scope), action, specs)?;
                            by_action.insert(action, keys);
                        }
                    }
                }
            }
        }
        let mut km = Keymap {
            by_scope: HashMap::new(),
            by_action,
        };
        for scope in Scope::ALL {
            km.check_clashes(&[scope])?;
        }
        for group in Scope::LIVE_TOGETHER {
            km.check_clashes(group)?;
        }
        km.check_typing()?;
        for action in Action::all() {
            for key in km.by_action.get(&action).into_iter().flatten() {
                km.by_scope
                    .entry(action.scope())
                    .or_default()
                    .insert(*key, action);
            }
        }
        Ok(km)
    }

    fn check_clashes(&self, scopes: &[Scope]) -> Result<(), String> {
        let mut seen: HashMap<Key, Action> = HashMap::new();
        for action in Action::all().filter(|a| scopes.contains(&a.scope())) {
            for key in self.by_action.get(&action).into_iter().flatten() {
                if let Some(prev) = seen.insert(*key, action) {
                    return Err(format!(
                        "[keys]: '{}' is bound to both {} ([keys.{}]) and {} ([keys.{}]), \
                         which are active at the same time",
                        display(key),
                        prev.name(),
                        prev.scope().name(),
                        action.name(),
                        action.scope().name()
                    ));
                }
            }
        }
        Ok(())
    }

    /// Refuses a printable key in a scope that is live while text is typed: it would
    /// stop typing that character.
    fn check_typing(&self) -> Result<(), String> {
        for action in Action::all().filter(|a| Scope::TYPING.contains(&a.scope())) {
            for key in self.by_action.get(&action).into_iter().flatten() {
                if matches!(key.code, KeyCode::Char(_)) && !key.ctrl && !key.alt {
                    return Err(format!(
                        "[keys.{}]: {} = '{}' would no longer type '{}' there; \
                         bind a key that prints nothing (Ctrl-…, Alt-…, arrows, F-keys)",
                        action.scope().name(),
                        action.name(),
                        display(key),
                        display(key)
                    ));
                }
            }
        }
        Ok(())
    }

    /// The action `ev` means in the first of `scopes` that binds it.
    pub fn action_in(&self, scopes: &[Scope], ev: &KeyEvent) -> Option<Action> {
        self.lookup(scopes, &Key::from_event(ev))
    }

    /// Like `action_in` for an already normalized key.
    pub fn lookup(&self, scopes: &[Scope], key: &Key) -> Option<Action> {
        scopes
            .iter()
            .find_map(|s| self.by_scope.get(s).and_then(|m| m.get(key)).copied())
    }

    /// The action `ev` means on the main screen (the domain list with its tabs).
    pub fn action(&self, ev: &KeyEvent) -> Option<Action> {
        self.action_in(crate::ui::layer::MAIN_SCOPES, ev)
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

    fn flat(pairs: &[(&str, &str)]) -> KeysTable {
        pairs
            .iter()
            .map(|(a, k)| (a.to_string(), KeysEntry::Keys(vec![k.to_string()])))
            .collect()
    }

    fn scoped(scope: &str, pairs: &[(&str, &str)]) -> KeysTable {
        let inner = pairs
            .iter()
            .map(|(a, k)| (a.to_string(), vec![k.to_string()]))
            .collect();
        HashMap::from([(scope.to_string(), KeysEntry::Scope(inner))])
    }

    fn ev(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn parses_the_usual_spellings() {
        assert_eq!(Key::parse("q").map(|k| k.code), Ok(KeyCode::Char('q')));
        let c = Key::parse("Ctrl-C");
        assert_eq!(
            c,
            Ok(Key {
                code: KeyCode::Char('c'),
                ctrl: true,
                alt: false,
                shift: false,
            })
        );
        assert_eq!(Key::parse("PgDn").map(|k| k.code), Ok(KeyCode::PageDown));
        assert_eq!(Key::parse("F5").map(|k| k.code), Ok(KeyCode::F(5)));
        assert_eq!(Key::parse("-").map(|k| k.code), Ok(KeyCode::Char('-')));
        assert_eq!(
            Key::parse("Shift-Tab").map(|k| k.code),
            Ok(KeyCode::BackTab)
        );
        assert_eq!(Key::parse("Shift-PgUp").map(|k| k.shift), Ok(true));
        assert!(Key::parse("Shift-a").is_err());
        assert!(Key::parse("Hyper-x").is_err());
        assert!(Key::parse("F99").is_err());
    }

    #[test]
    fn shift_counts_for_named_keys_only() {
        let km = Keymap::from_tables([&scoped("terminal", &[("terminal_page_up", "Shift-PgUp")])])
            .expect("valid keymap");
        let shifted = KeyEvent::new(KeyCode::PageUp, KeyModifiers::SHIFT);
        assert_eq!(
            km.action_in(&[Scope::Terminal], &shifted),
            Some(Action::TerminalPageUp)
        );
        assert_eq!(km.action_in(&[Scope::Terminal], &ev(KeyCode::PageUp)), None);
        assert_eq!(display(&Key::from_event(&shifted)), "Shift-PgUp");
    }

    #[test]
    fn user_table_replaces_an_actions_keys_and_conflicts_are_refused() {
        let base = flat(&[("quit", "q"), ("help", "?")]);
        let user = scoped("global", &[("quit", "x")]);
        let km = Keymap::from_tables([&base, &user]).expect("valid keymap");
        assert_eq!(km.action(&ev(KeyCode::Char('x'))), Some(Action::Quit));
        assert_eq!(km.action(&ev(KeyCode::Char('q'))), None);

        let clash = flat(&[("help", "x")]);
        let err = Keymap::from_tables([&base, &user, &clash]).expect_err("clash refused");
        assert!(err.contains("quit") && err.contains("help"), "{err}");
        assert!(Keymap::from_tables([&flat(&[("launch_missiles", "m")])]).is_err());
    }

    #[test]
    fn a_key_may_mean_different_things_in_scopes_never_live_together() {
        // p pauses a domain in the list and picks "paused" in the revert dialog.
        let t = scoped("domains", &[("suspend", "p")]);
        let d = scoped("snapshot_dialog", &[("revert_paused", "p")]);
        let km = Keymap::from_tables([&t, &d]).expect("valid keymap");
        let p = ev(KeyCode::Char('p'));
        assert_eq!(km.action(&p), Some(Action::Suspend));
        assert_eq!(
            km.action_in(&[Scope::SnapshotDialog, Scope::Global], &p),
            Some(Action::RevertPaused)
        );
        // The same key in the list and a tab it hosts is refused: both are live at once.
        let tab = scoped("snapshots", &[("snapshot_quick", "p")]);
        let err = Keymap::from_tables([&t, &tab]).expect_err("clash across live scopes");
        assert!(
            err.contains("suspend") && err.contains("snapshot_quick"),
            "{err}"
        );
    }

    #[test]
    fn an_action_in_the_wrong_scope_says_where_it_belongs() {
        let err =
            Keymap::from_tables([&scoped("domains", &[("quit", "x")])]).expect_err("wrong scope");
        assert!(err.contains("[keys.global]"), "{err}");
        let err =
            Keymap::from_tables([&scoped("nowhere", &[("quit", "x")])]).expect_err("bad scope");
        assert!(err.contains("unknown scope"), "{err}");
    }

    #[test]
    fn shifted_letters_match_their_uppercase_spec() {
        let km = Keymap::from_tables([&flat(&[("force_off", "F")])]).expect("valid keymap");
        let ev = KeyEvent::new(KeyCode::Char('F'), KeyModifiers::SHIFT);
        assert_eq!(km.action(&ev), Some(Action::ForceOff));
    }
}
