//! The console's terminal emulator: a vt100 parser with scrollback that follows the
//! pane's size and can write out a plain-text transcript.

/// Lines kept above the screen.
pub const SCROLLBACK_LINES: usize = 10_000;

pub struct ConsoleTerm {
    parser: vt100::Parser,
}

impl Default for ConsoleTerm {
    fn default() -> Self {
        ConsoleTerm::new(24, 80)
    }
}

impl ConsoleTerm {
    pub fn new(rows: u16, cols: u16) -> ConsoleTerm {
        ConsoleTerm {
            parser: vt100::Parser::new(rows.max(1), cols.max(1), SCROLLBACK_LINES),
        }
    }

    /// Feeds guest output. Nothing here ever reaches the real terminal: the parser only
    /// updates cells, so title changes, OSC 52 clipboard writes and the like are dropped.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.parser.process(bytes);
    }

    pub fn screen(&self) -> &vt100::Screen {
        self.parser.screen()
    }

    pub fn size(&self) -> (u16, u16) {
        self.parser.screen().size()
    }

    /// Resizes to the pane. vt100 cuts rows off the bottom when shrinking, so first scroll
    /// the screen up (into the scrollback) far enough that the cursor's line survives.
    pub fn resize(&mut self, rows: u16, cols: u16) {
        let (rows, cols) = (rows.max(1), cols.max(1));
        let (old_rows, old_cols) = self.size();
        if (rows, cols) == (old_rows, old_cols) {
            return;
        }
        let (cur_row, cur_col) = self.screen().cursor_position();
        if rows < old_rows && cur_row >= rows && !self.screen().alternate_screen() {
            let lift = cur_row + 1 - rows;
            let offset = self.screen().scrollback();
            let mut seq = format!("\x1b[{old_rows};1H");
            seq.push_str(&"\n".repeat(usize::from(lift)));
            seq.push_str(&format!("\x1b[{};{}H", cur_row - lift + 1, cur_col + 1));
            self.parser.process(seq.as_bytes());
            self.parser.screen_mut().set_scrollback(offset);
        }
        self.parser.screen_mut().set_size(rows, cols);
    }

    /// Lines scrolled back from live (0 = live).
    pub fn offset(&self) -> usize {
        self.screen().scrollback()
    }

    /// Scrolls back (positive) or forward (negative) by `lines`, clamped to the history.
    pub fn scroll(&mut self, lines: isize) {
        let now = self.offset() as isize;
        let target = (now + lines).max(0) as usize;
        self.parser.screen_mut().set_scrollback(target);
    }

    pub fn scroll_to_top(&mut self) {
        self.parser.screen_mut().set_scrollback(usize::MAX);
    }

    pub fn live(&mut self) {
        self.parser.screen_mut().set_scrollback(0);
    }

    /// Everything in the scrollback and on screen as plain text, oldest first, trailing
    /// blanks trimmed. Leaves the view where it was.
    pub fn transcript(&mut self) -> String {
        let keep = self.offset();
        let (rows, cols) = self.size();
        self.parser.screen_mut().set_scrollback(usize::MAX);
        let history = self.offset();
        let mut lines: Vec<String> = Vec::with_capacity(history + usize::from(rows));
        // Each view at offset `o` starts with history line `history - o`; take the rows
        // that are still history, a screenful at a time.
        let mut o = history;
        while o > 0 {
            self.parser.screen_mut().set_scrollback(o);
            let take = o.min(usize::from(rows));
            lines.extend(self.screen().rows(0, cols).take(take));
            o -= take;
        }
        self.parser.screen_mut().set_scrollback(0);
        lines.extend(self.screen().rows(0, cols));
        self.parser.screen_mut().set_scrollback(keep);
        while lines.last().is_some_and(|l| l.trim().is_empty()) {
            lines.pop();
        }
        let mut out = String::new();
        for l in lines {
            out.push_str(l.trim_end());
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_ten_thousand_lines_of_scrollback_and_a_full_transcript() {
        let mut t = ConsoleTerm::new(5, 20);
        for i in 0..12_000 {
            t.feed(format!("line {i}\r\n").as_bytes());
        }
        t.scroll_to_top();
        assert_eq!(t.offset(), SCROLLBACK_LINES);
        let top: Vec<String> = t.screen().rows(0, 20).collect();
        // 12,000 lines + the empty cursor line; the screen holds the last 5 rows.
        assert_eq!(top[0], format!("line {}", 12_001 - 5 - SCROLLBACK_LINES));
        t.scroll(-3);
        assert_eq!(t.offset(), SCROLLBACK_LINES - 3);
        let text = t.transcript();
        assert_eq!(t.offset(), SCROLLBACK_LINES - 3, "view restored");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), SCROLLBACK_LINES + 4);
        assert_eq!(lines.last(), Some(&"line 11999"));
        assert_eq!(lines[0], format!("line {}", 11_999 - SCROLLBACK_LINES - 3));
        t.live();
        assert_eq!(t.offset(), 0);
    }

    #[test]
    fn shrinking_keeps_the_cursor_line_and_pushes_the_rest_into_history() {
        let mut t = ConsoleTerm::new(10, 20);
        for i in 0..8 {
            t.feed(format!("row {i}\r\n").as_bytes());
        }
        t.feed(b"prompt# ");
        t.resize(3, 20);
        let rows: Vec<String> = t.screen().rows(0, 20).collect();
        assert_eq!(rows, ["row 6", "row 7", "prompt# "]);
        assert_eq!(t.screen().cursor_position(), (2, 8));
        assert!(t.transcript().starts_with("row 0\nrow 1\n"));
        t.resize(0, 0); // a collapsed pane must not panic
        assert_eq!(t.size(), (1, 1));
    }
}
