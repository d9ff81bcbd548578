//! Compact scrollback: lines that left the console screen, kept as their text plus runs of
//! attributes (one allocation a line) instead of vt100's 32-byte cells.

use std::collections::VecDeque;

use unicode_width::UnicodeWidthChar;

/// A cell's colour, as vt100 reports it.
pub type Color = vt100::Color;

/// Bold, dim, italic, underline, inverse.
pub const BOLD: u8 = 1;
pub const DIM: u8 = 2;
pub const ITALIC: u8 = 4;
pub const UNDERLINE: u8 = 8;
pub const INVERSE: u8 = 16;

/// The drawing attributes of one cell.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Attrs {
    pub fg: Color,
    pub bg: Color,
    pub flags: u8,
}

impl Attrs {
    pub fn of(cell: &vt100::Cell) -> Attrs {
        let bit = |on: bool, flag: u8| if on { flag } else { 0 };
        let flags = bit(cell.bold(), BOLD)
            | bit(cell.dim(), DIM)
            | bit(cell.italic(), ITALIC)
            | bit(cell.underline(), UNDERLINE)
            | bit(cell.inverse(), INVERSE);
        Attrs {
            fg: cell.fgcolor(),
            bg: cell.bgcolor(),
            flags,
        }
    }

    /// Attributes that show on a blank cell (a background, an inverse or underlined space).
    fn visible_when_blank(&self) -> bool {
        self.bg != Color::Default || self.flags & (INVERSE | UNDERLINE) != 0
    }
}

/// Marks a cell whose text starts with a zero-width character, so decoding does not glue
/// it to the cell before. Never part of cell text: vt100 keeps controls out of cells.
const CELL_BREAK: char = '\u{1}';
/// Bytes of one attribute run: column (2), fg (4), bg (4), flags (1).
const RUN: usize = 11;
/// Header: flags (1), run count (2).
const HEADER: usize = 3;
const WRAPPED: u8 = 1;

fn put_color(out: &mut Vec<u8>, c: Color) {
    out.extend_from_slice(&match c {
        Color::Default => [0, 0, 0, 0],
        Color::Idx(i) => [1, i, 0, 0],
        Color::Rgb(r, g, b) => [2, r, g, b],
    });
}

fn get_color(b: &[u8]) -> Color {
    match b[0] {
        1 => Color::Idx(b[1]),
        2 => Color::Rgb(b[1], b[2], b[3]),
        _ => Color::Default,
    }
}

/// Buffers reused while encoding lines.
#[derive(Default)]
pub struct Scratch {
    runs: Vec<u8>,
    text: String,
}

/// One stored line: `[flags][run count u16][runs…][text…]`.
pub struct Line(Box<[u8]>);

/// One decoded cell of a stored line.
pub struct Cell<'a> {
    pub col: u16,
    pub text: &'a str,
    pub wide: bool,
    pub attrs: Attrs,
}

impl Line {
    /// Encodes row `row` of the screen's current view (`cols` wide).
    pub fn from_screen(screen: &vt100::Screen, row: u16, cols: u16) -> Line {
        Line::from_screen_with(screen, row, cols, None, &mut Scratch::default())
    }

    /// As `from_screen`, reusing `scratch`'s buffers (the harvest encodes many rows).
    /// `text` is the row's text as `Screen::rows` gives it (up to its last written cell):
    /// cells are looked at only that far (vt100 looks each one up from the top of its
    /// history), unless the last column shows a background, as after an erase in colour.
    pub fn from_screen_with(
        screen: &vt100::Screen,
        row: u16,
        cols: u16,
        row_text: Option<&str>,
        scratch: &mut Scratch,
    ) -> Line {
        let mut limit = cols;
        if let Some(t) = row_text {
            let extent: usize = t
                .chars()
                .map(|c| match c.width() {
                    Some(0) => 0,
                    w => w.unwrap_or(1),
                })
                .sum();
            let coloured_end = screen
                .cell(row, cols.saturating_sub(1))
                .is_some_and(|c| Attrs::of(c).visible_when_blank());
            if !coloured_end {
                limit = u16::try_from(extent + 1).map_or(cols, |e| e.min(cols));
            }
        }
        let Scratch { runs, text } = scratch;
        runs.clear();
        text.clear();
        let mut last: Option<Attrs> = None;
        // Lengths of `runs` and `text` up to the last cell that shows something: blank
        // cells after it are dropped.
        let mut keep = (0usize, 0usize);
        for col in 0..limit {
            let Some(cell) = screen.cell(row, col) else {
                break;
            };
            if cell.is_wide_continuation() {
                continue;
            }
            let a = Attrs::of(cell);
            if last != Some(a) {
                runs.extend_from_slice(&col.to_le_bytes());
                put_color(runs, a.fg);
                put_color(runs, a.bg);
                runs.push(a.flags);
                last = Some(a);
            }
            let t = cell.contents();
            let blank = match t.chars().next() {
                None => {
                    text.push(' ');
                    true
                }
                Some(c) => {
                    if !c.is_ascii() && c.width() == Some(0) {
                        text.push(CELL_BREAK);
                    }
                    text.push_str(t);
                    t == " "
                }
            };
            if !blank || a.visible_when_blank() {
                keep = (runs.len(), text.len());
            }
        }
        let (runs, text) = (&runs[..keep.0], &text[..keep.1]);
        let mut out = Vec::with_capacity(HEADER + runs.len() + text.len());
        out.push(if screen.row_wrapped(row) { WRAPPED } else { 0 });
        let n = u16::try_from(runs.len() / RUN).unwrap_or(u16::MAX);
        out.extend_from_slice(&n.to_le_bytes());
        out.extend_from_slice(runs);
        out.extend_from_slice(text.as_bytes());
        Line(out.into_boxed_slice())
    }

    fn runs(&self) -> usize {
        usize::from(u16::from_le_bytes([self.0[1], self.0[2]]))
    }

    fn run(&self, i: usize) -> (u16, Attrs) {
        let b = &self.0[HEADER + i * RUN..HEADER + (i + 1) * RUN];
        let attrs = Attrs {
            fg: get_color(&b[2..6]),
            bg: get_color(&b[6..10]),
            flags: b[10],
        };
        (u16::from_le_bytes([b[0], b[1]]), attrs)
    }

    fn raw_text(&self) -> &str {
        // Built from `String`s in `from_screen`, so always valid UTF-8.
        std::str::from_utf8(&self.0[HEADER + self.runs() * RUN..]).unwrap_or("")
    }

    /// The line continues on the next one (the guest's text wrapped here).
    pub fn wrapped(&self) -> bool {
        self.0[0] & WRAPPED != 0
    }

    /// Plain text, trailing blanks dropped.
    pub fn text(&self) -> String {
        let t: String = self
            .raw_text()
            .chars()
            .filter(|c| *c != CELL_BREAK)
            .collect();
        t.trim_end().to_string()
    }

    /// The cells in column order (wide characters take two columns, the second is not
    /// listed; combining characters stay with their base).
    pub fn cells(&self) -> Vec<Cell<'_>> {
        let text = self.raw_text();
        let runs: Vec<(u16, Attrs)> = (0..self.runs()).map(|i| self.run(i)).collect();
        // (byte range, wide, column) of each cell, then the attributes by column.
        let mut spans: Vec<(usize, usize, bool, u16)> = Vec::new();
        let mut col = 0u16;
        let mut open: Option<(usize, bool)> = None;
        let mut forced_break = false;
        for (i, c) in text.char_indices() {
            if c == CELL_BREAK {
                forced_break = true;
                continue;
            }
            let w = c.width().unwrap_or(1);
            if w == 0 && open.is_some() && !forced_break {
                continue; // a combining character stays in the open cell
            }
            if let Some((from, wide)) = open.take() {
                spans.push((from, i - usize::from(forced_break), wide, col));
                col = col.saturating_add(if wide { 2 } else { 1 });
            }
            forced_break = false;
            open = Some((i, w > 1));
        }
        if let Some((from, wide)) = open {
            spans.push((from, text.len(), wide, col));
        }
        let mut run = 0usize;
        spans
            .into_iter()
            .map(|(from, to, wide, col)| {
                while run + 1 < runs.len() && runs[run + 1].0 <= col {
                    run += 1;
                }
                Cell {
                    col,
                    text: &text[from..to],
                    wide,
                    attrs: runs.get(run).map_or_else(Attrs::default, |r| r.1),
                }
            })
            .collect()
    }

    /// Heap bytes this line holds.
    pub fn heap_bytes(&self) -> usize {
        self.0.len()
    }
}

/// The lines above the screen, oldest first, at most `limit` of them.
pub struct Scrollback {
    lines: VecDeque<Line>,
    limit: usize,
    /// Lines dropped off the front so far: `evicted + i` is line `i`'s absolute number,
    /// which stays put while lines are added and dropped (search results use it).
    evicted: u64,
}

impl Scrollback {
    pub fn new(limit: usize) -> Scrollback {
        Scrollback {
            lines: VecDeque::new(),
            limit,
            evicted: 0,
        }
    }

    pub fn push(&mut self, line: Line) {
        if self.limit == 0 {
            self.evicted += 1;
            return;
        }
        while self.lines.len() >= self.limit {
            self.lines.pop_front();
            self.evicted += 1;
        }
        self.lines.push_back(line);
    }

    /// Changes the limit, dropping the oldest lines beyond it.
    pub fn set_limit(&mut self, limit: usize) {
        self.limit = limit;
        while self.lines.len() > limit {
            self.lines.pop_front();
            self.evicted += 1;
        }
        self.lines.shrink_to_fit();
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn get(&self, i: usize) -> Option<&Line> {
        self.lines.get(i)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Line> {
        self.lines.iter()
    }

    /// The absolute number of the oldest line held.
    pub fn first_abs(&self) -> u64 {
        self.evicted
    }

    /// Heap bytes held (line payloads and the line table).
    pub fn heap_bytes(&self) -> usize {
        self.lines.iter().map(Line::heap_bytes).sum::<usize>()
            + self.lines.capacity() * std::mem::size_of::<Line>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line_of(bytes: &[u8], cols: u16) -> Line {
        let mut p = vt100::Parser::new(2, cols, 0);
        p.process(bytes);
        Line::from_screen(p.screen(), 0, cols)
    }

    #[test]
    fn text_colours_and_wide_characters_survive_the_round_trip() {
        let l = line_of(
            "a\x1b[31m数b\x1b[0m e\u{301}x \x1b[44m  \x1b[0m   ".as_bytes(),
            20,
        );
        assert_eq!(l.text(), "a数b e\u{301}x");
        let cells = l.cells();
        let cols: Vec<(u16, &str)> = cells.iter().map(|c| (c.col, c.text)).collect();
        assert_eq!(
            cols,
            [
                (0, "a"),
                (1, "数"),
                (3, "b"),
                (4, " "),
                (5, "e\u{301}"),
                (6, "x"),
                (7, " "),
                (8, " "),
                (9, " ")
            ]
        );
        assert!(cells[1].wide);
        assert_eq!(cells[1].attrs.fg, Color::Idx(1));
        assert_eq!(cells[2].attrs.fg, Color::Idx(1));
        assert_eq!(cells[3].attrs, Attrs::default());
        // A coloured blank keeps its background; plain trailing blanks are dropped.
        assert_eq!(cells[8].attrs.bg, Color::Idx(4));
        assert!(l.heap_bytes() < 80, "{} bytes", l.heap_bytes());
    }

    #[test]
    fn the_limit_drops_the_oldest_lines_and_counts_them() {
        let mut s = Scrollback::new(3);
        for i in 0..5 {
            s.push(line_of(format!("l{i}").as_bytes(), 10));
        }
        assert_eq!(s.len(), 3);
        assert_eq!(s.first_abs(), 2);
        assert_eq!(s.get(0).map(Line::text).as_deref(), Some("l2"));
        s.set_limit(1);
        assert_eq!(s.get(0).map(Line::text).as_deref(), Some("l4"));
        assert_eq!(s.first_abs(), 4);
    }
}
