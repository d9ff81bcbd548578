//! Search over the console's scrollback and screen: a prompt, every match found at once,
//! n / N to step to older / newer ones, matches highlighted where they are drawn.

use crossterm::event::KeyEvent;

use super::session::ConsoleSession;
use super::term::{ConsoleTerm, ViewRow};
use crate::action::{Action, Scope};
use crate::config::Keymap;
use crate::ui::text::escape;
use crate::ui::widgets::line_input::{Edit, LineInput};

/// One match: the line's absolute number (stays put while lines come and go) and its
/// columns `[start, end)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Match {
    pub line: u64,
    pub start: u16,
    pub end: u16,
}

#[derive(Clone, Debug, Default)]
pub struct Search {
    pub query: String,
    /// The prompt is open (keys edit the query).
    pub editing: bool,
    /// Oldest first.
    pub matches: Vec<Match>,
    pub current: Option<usize>,
}

/// The cells of a line in view order: (column, text), wide continuations left out.
fn row_cells(term: &ConsoleTerm, index: usize) -> Vec<(u16, String)> {
    match term.row_at(index) {
        Some(ViewRow::History(line, _)) => line
            .cells()
            .into_iter()
            .map(|c| (c.col, c.text.to_string()))
            .collect(),
        Some(ViewRow::Screen(row, _)) => {
            let cols = term.size().1;
            (0..cols)
                .filter_map(|c| term.screen().cell(row, c).map(|cell| (c, cell)))
                .filter(|(_, cell)| !cell.is_wide_continuation())
                .map(|(c, cell)| {
                    let t = if cell.has_contents() {
                        cell.contents().to_string()
                    } else {
                        " ".to_string()
                    };
                    (c, t)
                })
                .collect()
        }
        None => Vec::new(),
    }
}

/// Case-insensitive unless the query has a capital letter (smart case, as in vim/less).
fn fold(s: &str, ignore_case: bool) -> String {
    if ignore_case {
        s.to_lowercase()
    } else {
        s.to_string()
    }
}

/// Every match of `query` in history and screen, oldest first.
pub fn find(term: &ConsoleTerm, query: &str) -> Vec<Match> {
    if query.is_empty() {
        return Vec::new();
    }
    let ignore_case = !query.chars().any(char::is_uppercase);
    let needle = fold(query, ignore_case);
    let first = term.history().first_abs();
    let total = term.history().len() + usize::from(term.size().0);
    let mut out = Vec::new();
    for index in 0..total {
        let cells = row_cells(term, index);
        // The line's text with the column each byte came from.
        let mut text = String::new();
        let mut col_of: Vec<u16> = Vec::new();
        for (col, t) in &cells {
            let folded = fold(t, ignore_case);
            col_of.extend(std::iter::repeat_n(*col, folded.len()));
            text.push_str(&folded);
        }
        let end_col = |byte: usize| -> u16 {
            // The column after the cell holding the match's last byte.
            let last = col_of.get(byte.saturating_sub(1)).copied().unwrap_or(0);
            let wide = cells
                .iter()
                .find(|(c, _)| *c == last)
                .is_some_and(|(_, t)| unicode_width::UnicodeWidthStr::width(t.as_str()) > 1);
            last + if wide { 2 } else { 1 }
        };
        let mut from = 0;
        while let Some(pos) = text[from..].find(&needle) {
            let at = from + pos;
            out.push(Match {
                line: first + index as u64,
                start: col_of.get(at).copied().unwrap_or(0),
                end: end_col(at + needle.len()),
            });
            from = at + needle.len().max(1);
        }
    }
    out
}

impl Search {
    /// Runs the query and shows the newest match.
    pub fn run(&mut self, term: &mut ConsoleTerm) -> usize {
        self.editing = false;
        self.matches = find(term, &self.query);
        self.current = self.matches.len().checked_sub(1);
        self.show(term);
        self.matches.len()
    }

    /// Moves to the next older (`older`) or newer match; false at the end of the list.
    pub fn step(&mut self, term: &mut ConsoleTerm, older: bool) -> bool {
        let Some(cur) = self.current else {
            return false;
        };
        let next = if older {
            cur.checked_sub(1)
        } else {
            Some(cur + 1).filter(|n| *n < self.matches.len())
        };
        // Skip matches whose line has left the scrollback.
        let first = term.history().first_abs();
        match next {
            Some(n) if self.matches[n].line >= first => {
                self.current = Some(n);
                self.show(term);
                true
            }
            _ => false,
        }
    }

    fn show(&self, term: &mut ConsoleTerm) {
        if let Some(m) = self.current.and_then(|i| self.matches.get(i)) {
            let first = term.history().first_abs();
            if let Some(index) = m.line.checked_sub(first) {
                term.show_line(index as usize);
            }
        }
    }

    /// The matches on the line with absolute number `line`, and whether each is current.
    pub fn on_line(&self, line: u64) -> impl Iterator<Item = (Match, bool)> + '_ {
        let lo = self.matches.partition_point(|m| m.line < line);
        self.matches[lo..]
            .iter()
            .enumerate()
            .take_while(move |(_, m)| m.line == line)
            .map(move |(i, m)| (*m, Some(lo + i) == self.current))
    }
}

/// What a key did to an open search.
#[derive(Debug, PartialEq)]
pub enum KeyOutcome {
    /// Not a search key: it goes on to the console or the keymap.
    NotMine,
    Taken,
    /// Taken, and worth a status line.
    Note(String),
}

/// Keys for an open search: the prompt takes every key (the shared line input, so
/// `[keys.input]` accepts, cancels and edits); after it, while the console is not typed
/// into, `[keys.search]` steps through the matches and ends the search.
pub fn on_key(s: &mut ConsoleSession, keymap: &Keymap, k: &KeyEvent) -> KeyOutcome {
    let Some(search) = s.search.as_mut() else {
        return KeyOutcome::NotMine;
    };
    if search.editing {
        let mut input = LineInput::new(std::mem::take(&mut search.query));
        let edit = input.on_key(keymap, k);
        search.query = input.text;
        match edit {
            Edit::Cancel => s.search = None,
            Edit::Accept if search.run(&mut s.term) == 0 => {
                let q = escape(&search.query).into_owned();
                return KeyOutcome::Note(format!("console: no match for \"{q}\""));
            }
            Edit::Accept | Edit::Changed | Edit::Ignored => {}
        }
        return KeyOutcome::Taken;
    }
    if s.focused {
        return KeyOutcome::NotMine;
    }
    let older = match keymap.action_in(&[Scope::Search], k) {
        Some(Action::SearchOlder) => true,
        Some(Action::SearchNewer) => false,
        Some(Action::SearchEnd) => {
            s.search = None;
            return KeyOutcome::Taken;
        }
        _ => return KeyOutcome::NotMine,
    };
    if search.step(&mut s.term, older) {
        KeyOutcome::Taken
    } else {
        let which = if older { "older" } else { "newer" };
        KeyOutcome::Note(format!("console: no {which} match"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_match_in_history_and_screen_with_columns_and_smart_case() {
        let mut t = ConsoleTerm::new(3, 30);
        t.feed("boot: Error one\r\n数数 error two\r\nok\r\nmore\r\nlast ERROR\r\n".as_bytes());
        let all = find(&t, "error");
        let first = t.history().first_abs();
        let cols: Vec<(u64, u16, u16)> = all
            .iter()
            .map(|m| (m.line - first, m.start, m.end))
            .collect();
        assert_eq!(cols, [(0, 6, 11), (1, 5, 10), (4, 5, 10)]);
        assert_eq!(
            find(&t, "Error").len(),
            1,
            "a capital makes it case-sensitive"
        );
        assert_eq!(
            find(&t, "数").first().map(|m| (m.start, m.end)),
            Some((0, 2))
        );

        let mut s = Search {
            query: "error".into(),
            ..Search::default()
        };
        assert_eq!(s.run(&mut t), 3);
        assert_eq!(s.current, Some(2));
        assert!(s.step(&mut t, true));
        assert!(s.step(&mut t, true));
        assert!(!s.step(&mut t, true), "no match older than the oldest");
        assert_eq!(t.view_text()[0], "boot: Error one");
        assert_eq!(s.on_line(first).count(), 1);
        assert!(s.on_line(first).all(|(_, current)| current));
    }

    #[test]
    fn n_is_the_guests_while_the_console_is_typed_into() {
        use crossterm::event::{KeyCode, KeyModifiers};
        let km = crate::config::Config::builtin().expect("config").keymap;
        let key = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        let id = crate::backend::DomainId::new(crate::backend::HostId::default(), "u");
        let mut s = ConsoleSession::new(1, id, "g".into());
        s.term.feed(b"one\r\ntwo one\r\n");
        s.search = Some(Search {
            editing: true,
            ..Search::default()
        });
        for c in "one".chars() {
            assert_eq!(on_key(&mut s, &km, &key(c)), KeyOutcome::Taken);
        }
        let enter = KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
        assert_eq!(on_key(&mut s, &km, &enter), KeyOutcome::Taken);
        s.focused = true;
        assert_eq!(on_key(&mut s, &km, &key('n')), KeyOutcome::NotMine);
        s.focused = false;
        assert_eq!(on_key(&mut s, &km, &key('n')), KeyOutcome::Taken);
        assert!(matches!(
            on_key(&mut s, &km, &key('n')),
            KeyOutcome::Note(_)
        ));
        let esc = KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE);
        assert_eq!(on_key(&mut s, &km, &esc), KeyOutcome::Taken);
        assert!(s.search.is_none());
        assert_eq!(on_key(&mut s, &km, &key('n')), KeyOutcome::NotMine);
    }
}
