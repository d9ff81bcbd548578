//! The editor's text: lines, a cursor and selection in character columns, undo and redo.

/// A position: line index and character column.
pub type Pos = (usize, usize);

/// One reversible change: `removed` was replaced by `inserted` at `at`.
#[derive(Clone, Debug)]
struct Edit {
    at: Pos,
    removed: String,
    inserted: String,
    cursor_before: Pos,
}

#[derive(Clone, Debug)]
pub struct Buffer {
    lines: Vec<String>,
    pub cursor: Pos,
    /// The other end of the selection, when one is active.
    pub anchor: Option<Pos>,
    undo: Vec<Edit>,
    redo: Vec<Edit>,
    /// Whether the next typed character may join the last undo step.
    merge: bool,
    /// Bumped on every change (for caches and draft saving).
    pub version: u64,
    /// The first line changed since `take_first_changed` was last called, so the
    /// highlighter can keep the lexer states of the lines above it.
    first_changed: usize,
}

fn byte_at(s: &str, col: usize) -> usize {
    s.char_indices().nth(col).map_or(s.len(), |(i, _)| i)
}

/// Where the text `t` ends when inserted at `at`.
fn end_of(at: Pos, t: &str) -> Pos {
    match t.rfind('\n') {
        Some(i) => (at.0 + t.matches('\n').count(), t[i + 1..].chars().count()),
        None => (at.0, at.1 + t.chars().count()),
    }
}

impl Buffer {
    pub fn new(text: &str) -> Buffer {
        Buffer {
            lines: text.split('\n').map(str::to_string).collect(),
            cursor: (0, 0),
            anchor: None,
            undo: Vec::new(),
            redo: Vec::new(),
            merge: false,
            version: 0,
            first_changed: 0,
        }
    }

    pub fn text(&self) -> String {
        self.lines.join("\n")
    }

    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    pub fn line_len(&self, row: usize) -> usize {
        self.lines.get(row).map_or(0, |l| l.chars().count())
    }

    /// Byte offset of `p` in `text()`.
    pub fn offset(&self, p: Pos) -> usize {
        let before: usize = self.lines[..p.0.min(self.lines.len())]
            .iter()
            .map(|l| l.len() + 1)
            .sum();
        before + self.lines.get(p.0).map_or(0, |l| byte_at(l, p.1))
    }

    /// The position of byte offset `off` in `text()`.
    pub fn pos_of(&self, mut off: usize) -> Pos {
        for (r, l) in self.lines.iter().enumerate() {
            if off <= l.len() {
                return (r, l[..off.min(l.len())].chars().count());
            }
            off -= l.len() + 1;
        }
        let last = self.lines.len() - 1;
        (last, self.line_len(last))
    }

    fn clamp(&self, p: Pos) -> Pos {
        let r = p.0.min(self.lines.len() - 1);
        (r, p.1.min(self.line_len(r)))
    }

    /// Moves the cursor; `select` extends the selection instead of dropping it.
    pub fn move_to(&mut self, p: Pos, select: bool) {
        if select {
            self.anchor.get_or_insert(self.cursor);
        } else {
            self.anchor = None;
        }
        self.cursor = self.clamp(p);
        self.merge = false;
    }

    /// The selection as (start, end), start first.
    pub fn selection(&self) -> Option<(Pos, Pos)> {
        let a = self.anchor?;
        (a != self.cursor).then(|| (a.min(self.cursor), a.max(self.cursor)))
    }

    /// The text between `a` and `b` (`a` first), copying only the lines involved.
    pub fn slice(&self, a: Pos, b: Pos) -> String {
        let (a, b) = (self.clamp(a), self.clamp(b));
        if b <= a {
            return String::new();
        }
        let first = &self.lines[a.0];
        if a.0 == b.0 {
            return first[byte_at(first, a.1)..byte_at(first, b.1)].to_string();
        }
        let mut out = first[byte_at(first, a.1)..].to_string();
        for l in &self.lines[a.0 + 1..b.0] {
            out.push('\n');
            out.push_str(l);
        }
        let last = &self.lines[b.0];
        out.push('\n');
        out.push_str(&last[..byte_at(last, b.1)]);
        out
    }

    /// The first line changed since the last call (`usize::MAX` when none), and resets it.
    pub fn take_first_changed(&mut self) -> usize {
        std::mem::replace(&mut self.first_changed, usize::MAX)
    }

    /// Whether the text equals `other`, without joining the lines into a copy.
    pub fn text_eq(&self, other: &str) -> bool {
        let len: usize = self.lines.iter().map(|l| l.len() + 1).sum::<usize>() - 1;
        len == other.len() && self.lines.iter().map(String::as_str).eq(other.split('\n'))
    }

    pub fn selected_text(&self) -> Option<String> {
        self.selection().map(|(a, b)| self.slice(a, b))
    }

    /// Replaces `a..b` with `text` without recording undo; returns the removed text.
    fn splice(&mut self, a: Pos, b: Pos, text: &str) -> String {
        let removed = self.slice(a, b);
        let head = {
            let l = &self.lines[a.0];
            l[..byte_at(l, a.1)].to_string()
        };
        let tail = {
            let l = &self.lines[b.0];
            l[byte_at(l, b.1)..].to_string()
        };
        let joined = format!("{head}{text}{tail}");
        let new: Vec<String> = joined.split('\n').map(str::to_string).collect();
        self.lines.splice(a.0..=b.0, new);
        self.version += 1;
        self.first_changed = self.first_changed.min(a.0);
        removed
    }

    /// Replaces `a..b` with `text` as one undo step and puts the cursor after it.
    pub fn replace(&mut self, a: Pos, b: Pos, text: &str) {
        let cursor_before = self.cursor;
        let removed = self.splice(a, b, text);
        let typed = removed.is_empty() && text.chars().count() == 1 && text != "\n";
        match self.undo.last_mut() {
            Some(last)
                if self.merge
                    && typed
                    && last.removed.is_empty()
                    && end_of(last.at, &last.inserted) == a =>
            {
                last.inserted.push_str(text);
            }
            _ => self.undo.push(Edit {
                at: a,
                removed,
                inserted: text.to_string(),
                cursor_before,
            }),
        }
        self.redo.clear();
        self.cursor = end_of(a, text);
        self.anchor = None;
        self.merge = typed && !text.chars().all(char::is_whitespace);
    }

    /// Inserts at the cursor, replacing the selection.
    pub fn insert(&mut self, text: &str) {
        let (a, b) = self.selection().unwrap_or((self.cursor, self.cursor));
        self.replace(a, b, text);
    }

    /// Deletes the selection, or the character before (`back`) or after the cursor.
    pub fn delete(&mut self, back: bool) {
        if let Some((a, b)) = self.selection() {
            return self.replace(a, b, "");
        }
        let c = self.cursor;
        let other = if back {
            if c.1 > 0 {
                (c.0, c.1 - 1)
            } else if c.0 > 0 {
                (c.0 - 1, self.line_len(c.0 - 1))
            } else {
                return;
            }
        } else if c.1 < self.line_len(c.0) {
            (c.0, c.1 + 1)
        } else if c.0 + 1 < self.lines.len() {
            (c.0 + 1, 0)
        } else {
            return;
        };
        self.replace(other.min(c), other.max(c), "");
    }

    pub fn undo(&mut self) -> bool {
        let Some(e) = self.undo.pop() else {
            return false;
        };
        self.splice(e.at, end_of(e.at, &e.inserted), &e.removed);
        self.cursor = e.cursor_before;
        self.anchor = None;
        self.merge = false;
        self.redo.push(e);
        true
    }

    pub fn redo(&mut self) -> bool {
        let Some(e) = self.redo.pop() else {
            return false;
        };
        self.splice(e.at, end_of(e.at, &e.removed), &e.inserted);
        self.cursor = end_of(e.at, &e.inserted);
        self.anchor = None;
        self.merge = false;
        self.undo.push(e);
        true
    }

    /// Replaces everything (a reload), as an undoable step.
    pub fn set_text(&mut self, text: &str) {
        let last = self.lines.len() - 1;
        let end = (last, self.line_len(last));
        self.replace((0, 0), end, text);
        self.cursor = (0, 0);
    }

    /// Next occurrence of `needle` after the cursor (wrapping), ASCII case-insensitive.
    pub fn find(&self, needle: &str, from_next: bool) -> Option<Pos> {
        if needle.is_empty() {
            return None;
        }
        // ASCII lower-casing keeps byte offsets valid in the original text.
        let hay = self.text().to_ascii_lowercase();
        let needle = needle.to_ascii_lowercase();
        let mut start = (self.offset(self.cursor) + usize::from(from_next)).min(hay.len());
        while !hay.is_char_boundary(start) {
            start += 1;
        }
        hay[start..]
            .find(&needle)
            .map(|i| i + start)
            .or_else(|| hay.find(&needle))
            .map(|i| self.pos_of(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_undo_redo() {
        let mut b = Buffer::new("<a>\n</a>");
        b.move_to((0, 3), false);
        for c in "xyz".chars() {
            b.insert(&c.to_string());
        }
        b.insert("\n");
        assert_eq!(b.text(), "<a>xyz\n\n</a>");
        assert!(b.undo());
        assert_eq!(b.text(), "<a>xyz\n</a>");
        assert!(b.undo());
        assert_eq!(b.text(), "<a>\n</a>");
        assert!(b.redo());
        assert_eq!(b.text(), "<a>xyz\n</a>");
        b.move_to((0, 0), false);
        b.move_to((1, 1), true);
        assert_eq!(b.selected_text().as_deref(), Some("<a>xyz\n<"));
        b.delete(true);
        assert_eq!(b.text(), "/a>");
        assert_eq!(b.offset((0, 2)), 2);
    }
}
