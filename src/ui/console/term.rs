//! The console's terminal emulator: vt100 parses the guest's output for the screen, and
//! every row that scrolls off the top moves into a compact [`Scrollback`] (text plus
//! attribute runs), so history costs bytes per character instead of 32 bytes per cell.

use super::sanitize::Sanitizer;
use super::store::{Line, Scratch, Scrollback};

/// Default lines kept above the screen (`console_scrollback_lines`).
pub const SCROLLBACK_LINES: usize = 10_000;

/// Bytes vt100 parses between two harvests: each byte scrolls at most one line (a line
/// feed or a wrap), so vt100's own little scrollback never overflows between harvests.
const PIECE: usize = 64;
/// vt100's own scrollback: a holding area between parse and harvest. Sequences that can
/// scroll many lines at once (`CSI n S`) or move rows elsewhere (alternate screen, reset)
/// are parsed alone, so this only has to hold one piece, or one `CSI n S` of up to
/// `PARSER_HISTORY - 2` lines.
const PARSER_HISTORY: usize = 128;

/// Where the escape-sequence scanner is, with the offset of the sequence's ESC in the
/// current chunk (`None` when it started in an earlier chunk, already parsed).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Scan {
    Ground,
    Esc(Option<usize>),
    Csi(Option<usize>),
}

/// How harvesting learns how many rows a piece scrolled into vt100's scrollback.
enum Count {
    /// The view offset was set to 1: vt100 moves it up by one per scrolled row.
    Armed,
    /// vt100's scrollback was empty: its length is the count.
    Empty,
    /// The alternate screen was showing: the main screen cannot scroll.
    Alternate,
}

pub struct ConsoleTerm {
    parser: vt100::Parser,
    history: Scrollback,
    /// Lines scrolled back from live (0 = live).
    offset: usize,
    sanitizer: Sanitizer,
    scan: Scan,
    scratch: Scratch,
}

impl Default for ConsoleTerm {
    fn default() -> Self {
        ConsoleTerm::new(24, 80)
    }
}

impl ConsoleTerm {
    pub fn new(rows: u16, cols: u16) -> ConsoleTerm {
        ConsoleTerm {
            parser: vt100::Parser::new(rows.max(1), cols.max(1), PARSER_HISTORY),
            history: Scrollback::new(SCROLLBACK_LINES),
            offset: 0,
            sanitizer: Sanitizer::default(),
            scan: Scan::Ground,
            scratch: Scratch::default(),
        }
    }

    /// Sets how many lines the scrollback keeps (the oldest beyond it are dropped).
    pub fn set_history_limit(&mut self, lines: usize) {
        self.history.set_limit(lines);
        self.offset = self.offset.min(self.history.len());
    }

    /// Feeds guest output. Nothing here ever reaches the real terminal: the parser only
    /// updates cells, so title changes, OSC 52 clipboard writes and the like are dropped,
    /// and bidi/format characters are turned into visible escapes first.
    pub fn feed(&mut self, bytes: &[u8]) {
        let clean = self.sanitizer.apply(bytes);
        self.feed_raw(&clean);
    }

    /// Parses `data` in pieces, harvesting scrolled-off rows after each.
    fn feed_raw(&mut self, data: &[u8]) {
        let mut start = 0;
        for (i, &b) in data.iter().enumerate() {
            let mut isolate: Option<Option<usize>> = None;
            self.scan = match (self.scan, b) {
                (_, 0x1b) => Scan::Esc(Some(i)),
                (Scan::Ground, _) => Scan::Ground,
                (Scan::Esc(at), b'[') => Scan::Csi(at),
                (Scan::Esc(at), b'c') => {
                    isolate = Some(at);
                    Scan::Ground
                }
                (Scan::Esc(at), 0x20..=0x2f) => Scan::Esc(at),
                (Scan::Esc(_), _) => Scan::Ground,
                (Scan::Csi(_), 0x18 | 0x1a) => Scan::Ground,
                (Scan::Csi(at), 0x40..=0x7e) => {
                    if matches!(b, b'h' | b'l' | b'S') {
                        isolate = Some(at);
                    }
                    Scan::Ground
                }
                (csi @ Scan::Csi(_), _) => csi,
            };
            if let Some(at) = isolate {
                // Parse everything before the sequence, then the sequence alone.
                if let Some(at) = at.filter(|at| *at > start) {
                    self.run(&data[start..at]);
                    start = at;
                }
                self.run(&data[start..=i]);
                start = i + 1;
            } else if i + 1 - start >= PIECE {
                let at = match self.scan {
                    Scan::Esc(Some(at)) | Scan::Csi(Some(at)) if at > start => at,
                    _ => i + 1,
                };
                self.run(&data[start..at]);
                start = at;
            }
        }
        if start < data.len() {
            self.run(&data[start..]);
        }
        self.scan = match self.scan {
            Scan::Esc(_) => Scan::Esc(None),
            Scan::Csi(_) => Scan::Csi(None),
            Scan::Ground => Scan::Ground,
        };
    }

    /// Parses one piece and moves the rows it scrolled off into the history.
    fn run(&mut self, piece: &[u8]) {
        let count = if self.parser.screen().alternate_screen() {
            Count::Alternate
        } else {
            self.parser.screen_mut().set_scrollback(1);
            if self.parser.screen().scrollback() == 1 {
                Count::Armed
            } else {
                Count::Empty
            }
        };
        self.parser.process(piece);
        if self.parser.screen().alternate_screen() {
            return;
        }
        let n = match count {
            Count::Armed => self.parser.screen().scrollback().saturating_sub(1),
            Count::Empty => {
                self.parser.screen_mut().set_scrollback(usize::MAX);
                self.parser.screen().scrollback()
            }
            Count::Alternate => 0,
        };
        self.harvest(n);
        self.parser.screen_mut().set_scrollback(0);
    }

    /// Copies the newest `n` rows of vt100's scrollback into the history, oldest first.
    fn harvest(&mut self, n: usize) {
        if n == 0 {
            return;
        }
        let (rows, cols) = self.size();
        let mut left = n;
        while left > 0 {
            self.parser.screen_mut().set_scrollback(left);
            let take = left.min(usize::from(rows));
            let screen = self.parser.screen();
            for (r, text) in screen.rows(0, cols).take(take).enumerate() {
                let line =
                    Line::from_screen_with(screen, r as u16, cols, Some(&text), &mut self.scratch);
                self.history.push(line);
            }
            left -= take;
        }
        if self.offset > 0 {
            // Keep the view on the same lines while new ones arrive.
            self.offset = (self.offset + n).min(self.history.len());
        }
    }

    /// The live screen (vt100's view is always kept live; scrolling back is ours).
    pub fn screen(&self) -> &vt100::Screen {
        self.parser.screen()
    }

    pub fn history(&self) -> &Scrollback {
        &self.history
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
            let mut seq = format!("\x1b[{old_rows};1H");
            seq.push_str(&"\n".repeat(usize::from(lift)));
            seq.push_str(&format!("\x1b[{};{}H", cur_row - lift + 1, cur_col + 1));
            self.feed_raw(seq.as_bytes());
        }
        self.parser.screen_mut().set_size(rows, cols);
    }

    /// Lines scrolled back from live (0 = live).
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Scrolls back (positive) or forward (negative) by `lines`, clamped to the history.
    pub fn scroll(&mut self, lines: isize) {
        let target = (self.offset as isize).saturating_add(lines).max(0) as usize;
        self.offset = target.min(self.history.len());
    }

    pub fn scroll_to_top(&mut self) {
        self.offset = self.history.len();
    }

    pub fn live(&mut self) {
        self.offset = 0;
    }

    /// Shows line `index` of history + screen (0 = oldest held) about a third from the top.
    pub fn show_line(&mut self, index: usize) {
        let rows = usize::from(self.size().0);
        let top = index.saturating_sub(rows / 3);
        self.offset = self.history.len().saturating_sub(top);
    }

    /// Line `index` of history + screen (0 = oldest held).
    pub fn row_at(&self, index: usize) -> Option<ViewRow<'_>> {
        match self.history.get(index) {
            Some(line) => Some(ViewRow::History(line, index)),
            None => {
                let row = index.checked_sub(self.history.len())?;
                let row = u16::try_from(row).ok().filter(|r| *r < self.size().0)?;
                Some(ViewRow::Screen(row, index))
            }
        }
    }

    /// What view row `row` shows: a history line, or a row of the live screen.
    pub fn view_row(&self, row: u16) -> Option<ViewRow<'_>> {
        self.row_at(self.history.len() - self.offset + usize::from(row))
    }

    /// The text of the rows in view, trailing blanks trimmed (what the pane shows).
    pub fn view_text(&self) -> Vec<String> {
        let (rows, cols) = self.size();
        (0..rows)
            .map(|r| match self.view_row(r) {
                Some(ViewRow::History(line, _)) => line.text(),
                Some(ViewRow::Screen(sr, _)) => self.screen_row_text(sr, cols),
                None => String::new(),
            })
            .collect()
    }

    fn screen_row_text(&self, row: u16, cols: u16) -> String {
        let mut s = String::new();
        for c in 0..cols {
            match self.screen().cell(row, c) {
                Some(cell) if cell.is_wide_continuation() => {}
                Some(cell) if cell.has_contents() => s.push_str(cell.contents()),
                Some(_) => s.push(' '),
                None => break,
            }
        }
        s.trim_end().to_string()
    }

    /// Every line held, history then screen, as plain text (search, transcript).
    pub fn all_lines(&self) -> Vec<String> {
        let (rows, cols) = self.size();
        let mut lines: Vec<String> = Vec::with_capacity(self.history.len() + usize::from(rows));
        lines.extend(self.history.iter().map(Line::text));
        lines.extend((0..rows).map(|r| self.screen_row_text(r, cols)));
        lines
    }

    /// Everything in the scrollback and on screen as plain text, oldest first, trailing
    /// blanks trimmed.
    pub fn transcript(&self) -> String {
        let mut lines = self.all_lines();
        while lines.last().is_some_and(|l| l.is_empty()) {
            lines.pop();
        }
        let mut out = String::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
        for l in lines {
            out.push_str(&l);
            out.push('\n');
        }
        out
    }
}

/// One row of the view.
pub enum ViewRow<'a> {
    /// A history line and its index in history + screen.
    History(&'a Line, usize),
    /// A row of the live screen and its index in history + screen.
    Screen(u16, usize),
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
        let top = t.view_text();
        // 12,000 lines + the empty cursor line; the screen holds the last 5 rows.
        assert_eq!(top[0], format!("line {}", 12_001 - 5 - SCROLLBACK_LINES));
        t.scroll(-3);
        assert_eq!(t.offset(), SCROLLBACK_LINES - 3);
        assert_eq!(
            t.view_text()[0],
            format!("line {}", 12_004 - 5 - SCROLLBACK_LINES)
        );
        let text = t.transcript();
        assert_eq!(t.offset(), SCROLLBACK_LINES - 3, "view restored");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), SCROLLBACK_LINES + 4);
        assert_eq!(lines.last(), Some(&"line 11999"));
        assert_eq!(lines[0], format!("line {}", 11_999 - SCROLLBACK_LINES - 3));
        t.live();
        assert_eq!(t.offset(), 0);
        assert_eq!(t.view_text()[3], "line 11999");
    }

    /// Every way a guest can push rows off the top lands in the history exactly once, in
    /// order: line feeds in any chunking, long wrapped lines, `CSI n S`, index, and output
    /// around the alternate screen and a full reset.
    #[test]
    fn every_scrolled_row_reaches_the_history_once() {
        let mut stream = String::new();
        for i in 0..300 {
            stream.push_str(&format!("n{i}\r\n"));
        }
        stream.push_str(&"w".repeat(45)); // wraps over 3 rows of 20
        stream.push_str("\r\np0\r\np1\r\np2\r\np3\r\n");
        stream.push_str("\x1b[2J\x1b[Hs0\r\ns1\r\ns2\x1b[3S"); // s0..s2 + 3 rows scrolled
        stream.push_str("\x1b[?1049hALT\r\nALT\r\nALT\r\nALT\r\nALT\r\nALT\x1b[?1049l");
        stream.push_str("\r\x1bDafter\r\n");
        for i in 0..10 {
            stream.push_str(&format!("m{i}\r\n"));
        }
        for chunk in [1usize, 7, 64, 1000] {
            let mut t = ConsoleTerm::new(4, 20);
            for part in stream.as_bytes().chunks(chunk) {
                t.feed(part);
            }
            let all = t.all_lines();
            let pos = |s: &str| all.iter().position(|l| l == s);
            for (i, line) in all.iter().take(300).enumerate() {
                assert_eq!(*line, format!("n{i}"), "chunk {chunk}");
            }
            assert_eq!(all[300], "w".repeat(20));
            assert_eq!(all[302], "wwwww");
            assert!(
                !all.iter().any(|l| l.contains("ALT")),
                "chunk {chunk}: {all:?}"
            );
            let s0 = pos("s0").expect("s0 kept");
            assert_eq!(&all[s0..s0 + 3], ["s0", "s1", "s2"], "chunk {chunk}");
            for i in 0..10 {
                assert_eq!(all.iter().filter(|l| **l == format!("m{i}")).count(), 1);
            }
            assert!(pos("m9").expect("m9") > pos("after").unwrap_or_else(|| panic!("{all:?}")));
        }
        // A reset clears the screen; what scrolled before and after it is kept.
        let mut t = ConsoleTerm::new(3, 10);
        t.feed(b"a\r\nb\r\nc\r\nd\r\n\x1bce\r\nf\r\ng\r\nh");
        let all = t.all_lines();
        assert_eq!(&all[..2], ["a", "b"]);
        assert_eq!(&all[all.len() - 3..], ["f", "g", "h"]);
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
        assert_eq!(t.view_text(), ["row 6", "row 7", "prompt#"]);
        t.resize(0, 0); // a collapsed pane must not panic
        assert_eq!(t.size(), (1, 1));
    }

    #[test]
    fn a_line_erased_in_colour_keeps_its_background_in_the_history() {
        let mut t = ConsoleTerm::new(2, 10);
        t.feed(b"ab\x1b[44m\x1b[K\x1b[0m\r\nx\r\ny\r\nz");
        let line = t.history().get(0).expect("scrolled off");
        assert_eq!(line.text(), "ab");
        let cells = line.cells();
        assert_eq!(cells.len(), 10, "the blue blanks are kept");
        assert_eq!(cells[9].attrs.bg, vt100::Color::Idx(4));
        assert_eq!(cells[1].attrs.bg, vt100::Color::Default);
    }
}
