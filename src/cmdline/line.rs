//! A one-line text editor as plain data: a buffer, a cursor and readline-style edits.
//!
//! Wiring: the command-line layer owns a `LineEditor`, maps each terminal key to an
//! [`EditKey`] (crossterm stays in the UI) and calls [`LineEditor::apply`]. Kept small and
//! free of UI types so it can be merged with the views' line-input widget later.

/// An editing key, independent of the terminal library.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditKey {
    Char(char),
    Backspace,
    Delete,
    Left,
    Right,
    Home,
    End,
    WordLeft,
    WordRight,
    /// Ctrl-A: start of line.
    CtrlA,
    /// Ctrl-E: end of line.
    CtrlE,
    /// Ctrl-U: delete from the start of the line to the cursor.
    CtrlU,
    /// Ctrl-W: delete the word before the cursor.
    CtrlW,
    /// Ctrl-K: delete from the cursor to the end of the line.
    CtrlK,
}

/// The line and its cursor; the cursor counts chars (not bytes), 0..=len.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineEditor {
    chars: Vec<char>,
    cursor: usize,
}

impl LineEditor {
    pub fn new() -> Self {
        Self::default()
    }

    /// An editor holding `text` with the cursor at its end.
    pub fn with_text(text: &str) -> Self {
        let mut e = Self::new();
        e.set_text(text);
        e
    }

    pub fn text(&self) -> String {
        self.chars.iter().collect()
    }

    /// Cursor position in chars.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    /// Replaces the line (history recall, completion) and puts the cursor at the end.
    pub fn set_text(&mut self, text: &str) {
        // Control characters would corrupt the drawn line; a pasted tab becomes a space.
        self.chars = text
            .chars()
            .filter_map(|c| match c {
                '\t' => Some(' '),
                c if c.is_control() => None,
                c => Some(c),
            })
            .collect();
        self.cursor = self.chars.len();
    }

    /// Text before the cursor and from the cursor on (completion works on the first part).
    pub fn split_at_cursor(&self) -> (String, String) {
        (
            self.chars[..self.cursor].iter().collect(),
            self.chars[self.cursor..].iter().collect(),
        )
    }

    /// Replaces the line and puts the cursor after the first `cursor` chars (clamped).
    pub fn set_text_cursor(&mut self, text: &str, cursor: usize) {
        self.set_text(text);
        self.cursor = cursor.min(self.chars.len());
    }

    pub fn clear(&mut self) {
        self.chars.clear();
        self.cursor = 0;
    }

    /// Applies one key; returns whether the text or cursor changed.
    pub fn apply(&mut self, key: EditKey) -> bool {
        let before = (self.cursor, self.chars.clone());
        match key {
            EditKey::Char(c) => {
                if !c.is_control() {
                    self.chars.insert(self.cursor, c);
                    self.cursor += 1;
                }
            }
            EditKey::Backspace => {
                if self.cursor > 0 {
                    self.cursor -= 1;
                    self.chars.remove(self.cursor);
                }
            }
            EditKey::Delete => {
                if self.cursor < self.chars.len() {
                    self.chars.remove(self.cursor);
                }
            }
            EditKey::Left => self.cursor = self.cursor.saturating_sub(1),
            EditKey::Right => self.cursor = (self.cursor + 1).min(self.chars.len()),
            EditKey::Home | EditKey::CtrlA => self.cursor = 0,
            EditKey::End | EditKey::CtrlE => self.cursor = self.chars.len(),
            EditKey::WordLeft => self.cursor = self.word_start(),
            EditKey::WordRight => self.cursor = self.word_end(),
            EditKey::CtrlU => {
                self.chars.drain(..self.cursor);
                self.cursor = 0;
            }
            EditKey::CtrlW => {
                let start = self.word_start();
                self.chars.drain(start..self.cursor);
                self.cursor = start;
            }
            EditKey::CtrlK => self.chars.truncate(self.cursor),
        }
        before != (self.cursor, self.chars.clone())
    }

    /// Start of the word before the cursor (skipping the spaces right before it).
    fn word_start(&self) -> usize {
        let mut i = self.cursor;
        while i > 0 && self.chars[i - 1].is_whitespace() {
            i -= 1;
        }
        while i > 0 && !self.chars[i - 1].is_whitespace() {
            i -= 1;
        }
        i
    }

    /// End of the word at or after the cursor.
    fn word_end(&self) -> usize {
        let n = self.chars.len();
        let mut i = self.cursor;
        while i < n && self.chars[i].is_whitespace() {
            i += 1;
        }
        while i < n && !self.chars[i].is_whitespace() {
            i += 1;
        }
        i
    }
}

#[cfg(test)]
mod tests {
    use super::EditKey::*;
    use super::*;

    fn typed(s: &str) -> LineEditor {
        let mut e = LineEditor::new();
        for c in s.chars() {
            e.apply(Char(c));
        }
        e
    }

    #[test]
    fn typing_inserts_at_the_cursor() {
        let mut e = typed("stat web");
        e.apply(WordLeft);
        e.apply(Left);
        e.apply(Left);
        e.apply(Char('r'));
        assert_eq!(e.text(), "start web");
        assert_eq!(e.cursor(), 4);
    }

    #[test]
    fn backspace_and_delete_remove_around_the_cursor() {
        let mut e = typed("abc");
        e.apply(Left);
        e.apply(Backspace);
        assert_eq!((e.text().as_str(), e.cursor()), ("ac", 1));
        e.apply(Delete);
        assert_eq!((e.text().as_str(), e.cursor()), ("a", 1));
        e.apply(Delete);
        assert_eq!(e.text(), "a");
        e.apply(Home);
        assert!(!e.apply(Backspace), "nothing before the cursor");
    }

    #[test]
    fn ctrl_keys_edit_like_readline() {
        let mut e = typed("snapshot web-01 before");
        e.apply(CtrlW);
        assert_eq!(e.text(), "snapshot web-01 ");
        e.apply(CtrlW);
        assert_eq!(e.text(), "snapshot ");
        e.apply(CtrlA);
        assert_eq!(e.cursor(), 0);
        e.apply(WordRight);
        assert_eq!(e.cursor(), 8);
        e.apply(CtrlK);
        assert_eq!(e.text(), "snapshot");
        e.apply(Left);
        e.apply(CtrlU);
        assert_eq!((e.text().as_str(), e.cursor()), ("t", 0));
        e.apply(CtrlE);
        assert_eq!(e.cursor(), 1);
    }

    #[test]
    fn multibyte_text_moves_by_chars() {
        let mut e = typed("vm-é€");
        e.apply(Left);
        e.apply(Backspace);
        assert_eq!(e.text(), "vm-€");
        e.apply(Right);
        e.apply(Right);
        assert_eq!(e.cursor(), 4);
    }

    #[test]
    fn control_characters_never_enter_the_line() {
        let mut e = typed("a\u{1b}[31mb");
        assert_eq!(e.text(), "a[31mb");
        e.set_text("x\ty\u{7}z");
        assert_eq!(e.text(), "x yz");
    }

    #[test]
    fn random_key_sequences_keep_the_cursor_in_bounds() {
        let keys = [
            Char('a'),
            Char('é'),
            Char(' '),
            Backspace,
            Delete,
            Left,
            Right,
            Home,
            End,
            WordLeft,
            WordRight,
            CtrlA,
            CtrlE,
            CtrlU,
            CtrlW,
            CtrlK,
        ];
        let mut seed: u64 = 0xdead_beef_cafe_f00d;
        let mut e = LineEditor::new();
        for _ in 0..50_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let k = keys[(seed % keys.len() as u64) as usize];
            e.apply(k);
            let len = e.text().chars().count();
            assert!(
                e.cursor() <= len,
                "{k:?} left the cursor at {} of {len}",
                e.cursor()
            );
        }
    }
}
