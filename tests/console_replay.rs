//! Console replay: recorded guest byte streams rendered through the console widget into a
//! TestBackend and compared with what a terminal must show.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use virtdeck::backend::{DomainId, HostId};
use virtdeck::config::Config;
use virtdeck::ui::console::session::{ConsoleSession, Link};
use virtdeck::ui::console::widget::{self, Hints};

const BOOT_LOG: &[u8] = include_bytes!("fixtures/console/boot.log");

fn hints() -> Hints {
    let s = |x: &str| x.to_string();
    Hints {
        detach: s("Ctrl-]"),
        focus: s("c"),
        force: s("f"),
        scroll_up: s("["),
        scroll_down: s("]"),
        live: s("="),
        save: s("w"),
        fullscreen: s("z"),
        terminal_scroll: s("Shift-PgUp/Shift-PgDn"),
        terminal_live: s("Shift-End"),
        choose: s("k/↑/j/↓"),
        accept: s("Enter"),
        cancel: s("Esc"),
        search: s("Ctrl-s"),
        search_older: s("n"),
        search_newer: s("N"),
        search_end: s("Esc"),
    }
}

/// Renders `bytes` into a `cols`×`rows` emulator (plus the pane's status line) and
/// returns the buffer.
fn replay(bytes: &[u8], cols: u16, rows: u16) -> (Buffer, ConsoleSession) {
    let theme = Config::builtin().expect("built-in config").theme;
    let mut s = ConsoleSession::new(1, DomainId::new(HostId::FIRST, "u"), "guest".into());
    let mut term = Terminal::new(TestBackend::new(cols, rows + 1)).expect("terminal");
    // First draw sizes the emulator to the pane, as in the app.
    term.draw(|f| widget::render(f, f.area(), &mut s, &hints(), &theme))
        .expect("draw");
    s.term.feed(bytes);
    term.draw(|f| widget::render(f, f.area(), &mut s, &hints(), &theme))
        .expect("draw");
    (term.backend().buffer().clone(), s)
}

/// The emulator rows of the buffer (the status line dropped), trailing blanks trimmed.
fn rows(buf: &Buffer) -> Vec<String> {
    (1..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .collect()
}

#[test]
fn a_recorded_boot_log_shows_its_last_lines_wrapped_at_the_pane_width() {
    let (cols, height) = (80u16, 24u16);
    let (buf, s) = replay(BOOT_LOG, cols, height);
    // Independent reference: split the log at CR LF, drop the cursor query ash sends after
    // its prompt, wrap at 80 columns.
    let text = String::from_utf8_lossy(BOOT_LOG).replace("\x1b[6n", "");
    let mut expected: Vec<String> = Vec::new();
    for line in text.split("\r\n") {
        let chars: Vec<char> = line.chars().collect();
        if chars.is_empty() {
            expected.push(String::new());
        }
        for chunk in chars.chunks(usize::from(cols)) {
            expected.push(chunk.iter().collect::<String>().trim_end().to_string());
        }
    }
    let tail = expected[expected.len() - usize::from(height)..].to_vec();
    assert_eq!(rows(&buf), tail);
    assert_eq!(tail.last().map(String::as_str), Some("virtdeck-guest#"));
    assert!(tail.iter().any(|l| l == "VIRTDECK-GUEST-READY"));
    // Everything above the screen is in the scrollback, in order.
    let transcript = s.term.transcript();
    let got: Vec<&str> = transcript.lines().collect();
    let want: Vec<&str> = expected.iter().map(String::as_str).collect();
    assert_eq!(got.first(), want.first());
    assert_eq!(got.len(), want.len());
    assert!(got[0].contains("Linux version"));
}

#[test]
fn ansi_colours_and_attributes_land_on_the_right_cells() {
    let bytes = b"\x1b[31mred\x1b[0m \x1b[1;32mbold\x1b[0m \x1b[44mblue\x1b[0m \
\x1b[38;5;208morange\x1b[0m \x1b[38;2;1;2;3mrgb\x1b[0m \x1b[7minv\x1b[0m plain";
    let (buf, _) = replay(bytes, 60, 3);
    assert_eq!(rows(&buf)[0], "red bold blue orange rgb inv plain");
    let cell = |x: u16| &buf[(x, 1)];
    assert_eq!(cell(0).fg, Color::Indexed(1), "red");
    assert_eq!(cell(2).fg, Color::Indexed(1));
    assert_eq!(cell(3).fg, Color::Reset, "reset after SGR 0");
    assert_eq!(cell(4).fg, Color::Indexed(2), "green");
    assert!(cell(4).modifier.contains(Modifier::BOLD));
    assert!(!cell(9).modifier.contains(Modifier::BOLD));
    assert_eq!(cell(9).bg, Color::Indexed(4), "blue background");
    assert_eq!(cell(14).fg, Color::Indexed(208), "256-colour");
    assert_eq!(cell(21).fg, Color::Rgb(1, 2, 3), "truecolour");
    assert!(cell(25).modifier.contains(Modifier::REVERSED));
    assert_eq!(cell(29).fg, Color::Reset);
    assert_eq!(cell(29).bg, Color::Reset);
}

#[test]
fn cursor_movement_clearing_and_wrapping() {
    let bytes = b"hello world\x1b[1;7HWORLD\r\nline2\x1b[2;1H\x1b[Kxy\x1b[5;10Habs\x1b[A\x1b[Dup";
    let (buf, _) = replay(bytes, 20, 6);
    assert_eq!(
        rows(&buf),
        ["hello WORLD", "xy", "", "           up", "         abs", ""]
    );

    let (buf, _) = replay(b"junk\r\nmore junk\x1b[2J\x1b[Hfresh", 20, 3);
    assert_eq!(rows(&buf), ["fresh", "", ""]);

    let long = "a".repeat(25);
    let (buf, _) = replay(format!("{long}\r\nnext").as_bytes(), 20, 4);
    assert_eq!(
        rows(&buf),
        ["a".repeat(20), "a".repeat(5), "next".into(), "".into()]
    );
}

#[test]
fn guest_escape_sequences_never_reach_the_real_terminal() {
    // Clipboard write (OSC 52), window title (OSC 0/2), a DCS string, 8-bit CSI, bells,
    // a resize request and an alternate-charset switch: none may appear as cell content.
    let bytes = "\x1b]52;c;cHduZWQ=\x07\x1b]0;pwned-title\x07\x1b]2;other-title\x1b\\\
\x1bPq#0;2;0;0;0#1~~\x1b\\\u{9b}31mX\x07\x1b[8;100;300t\x1b(0safe\x1b(B text"
        .as_bytes();
    let (buf, s) = replay(bytes, 40, 4);
    for cell in buf.content() {
        assert!(
            !cell
                .symbol()
                .chars()
                .any(|c| c.is_control() || ('\u{80}'..='\u{9f}').contains(&c)),
            "control character drawn: {:?}",
            cell.symbol()
        );
    }
    let screen = rows(&buf).join("\n");
    assert!(
        !screen.contains("pwned") && !screen.contains("cHduZWQ"),
        "{screen}"
    );
    assert!(screen.contains("text"), "{screen}");
    assert_eq!(s.term.size(), (4, 40), "a guest cannot resize the emulator");
}

/// Draws the session as it stands into a fresh buffer.
fn draw(s: &mut ConsoleSession, cols: u16, rows: u16) -> Buffer {
    let theme = Config::builtin().expect("built-in config").theme;
    let mut term = Terminal::new(TestBackend::new(cols, rows + 1)).expect("terminal");
    term.draw(|f| widget::render(f, f.area(), s, &hints(), &theme))
        .expect("draw");
    term.backend().buffer().clone()
}

#[test]
fn scrolled_back_lines_draw_exactly_as_they_did_on_screen() {
    let (cols, rows) = (40u16, 6u16);
    let mut s = ConsoleSession::new(1, DomainId::new(HostId::FIRST, "u"), "guest".into());
    draw(&mut s, cols, rows);
    let colourful = "\x1b[1;31mFAIL\x1b[0m \x1b[38;5;208m数据库\x1b[0m \x1b[48;2;1;2;3m  \x1b[0m e\u{301}\r\n\
\x1b[7minverse\x1b[27m \x1b[4munder\x1b[0m \x1b[2mdim\x1b[0m \x1b[3mital\x1b[0m 🙂 end\r\n\
\x1b[32m[  OK  ]\x1b[0m Started \x1b[1mJournal\x1b[0m Service with a line long enough to wrap at forty\r\n";
    s.term.feed(colourful.as_bytes());
    let live = draw(&mut s, cols, rows);
    // Push all of it off the screen, then scroll back to where it was.
    for i in 0..50 {
        s.term.feed(format!("filler {i}\r\n").as_bytes());
    }
    let more = s.term.history().len();
    assert!(more > 45, "{more} lines scrolled off");
    s.link = Link::Attached;
    s.term.scroll(more as isize);
    let back = draw(&mut s, cols, rows);
    for y in 1..=4 {
        for x in 0..cols {
            let (a, b) = (&live[(x, y)], &back[(x, y)]);
            assert_eq!(
                (a.symbol(), a.fg, a.bg, a.modifier),
                (b.symbol(), b.fg, b.bg, b.modifier),
                "cell {x},{y}"
            );
        }
    }
    assert_eq!(back[(0, 1)].fg, Color::Indexed(1));
    assert_eq!(back[(5, 1)].symbol(), "数");
    assert_eq!(back[(5, 1)].fg, Color::Indexed(208));
    assert_eq!(back[(12, 1)].bg, Color::Rgb(1, 2, 3), "a coloured blank");
    assert!(back[(0, 2)].modifier.contains(Modifier::REVERSED));
    // The status line says how far back the view is.
    let status: String = (0..cols).map(|x| back[(x, 0)].symbol()).collect();
    assert!(
        status.contains(&format!("scrolled back {more} lines")),
        "{status}"
    );
}

#[test]
fn a_replayed_boot_log_stays_in_order_within_the_scrollback_limit() {
    let (cols, rows) = (80u16, 24u16);
    let mut s = ConsoleSession::new(1, DomainId::new(HostId::FIRST, "u"), "guest".into());
    draw(&mut s, cols, rows);
    s.term.set_history_limit(2_000);
    let text = String::from_utf8_lossy(BOOT_LOG).replace("\x1b[6n", "");
    let mut expected: Vec<String> = Vec::new();
    for line in text.split("\r\n") {
        // Tabs move to the next multiple of 8 (within a row).
        let mut chars: Vec<char> = Vec::new();
        for c in line.chars() {
            if c == '\t' {
                let col = chars.len() % usize::from(cols);
                let next = ((col / 8 + 1) * 8).min(usize::from(cols) - 1);
                chars.extend(std::iter::repeat_n(' ', next - col));
            } else {
                chars.push(c);
            }
        }
        if chars.is_empty() {
            expected.push(String::new());
        }
        for chunk in chars.chunks(usize::from(cols)) {
            expected.push(chunk.iter().collect::<String>().trim_end().to_string());
        }
    }
    // The log ends at a prompt without a newline: each replay continues that line.
    let mut fed = 0;
    let mut replays = 0;
    while s.term.history().len() < 2_000 || replays < 2 {
        for piece in BOOT_LOG.chunks(997) {
            s.term.feed(piece);
            fed += piece.len();
        }
        s.term.feed(b"\r\n");
        replays += 1;
    }
    assert!(fed > 0);
    assert_eq!(s.term.history().len(), 2_000, "the limit holds");
    // The newest replay is intact at the end of history + screen.
    let all = s.term.all_lines();
    let tail: Vec<&String> = all.iter().rev().skip_while(|l| l.is_empty()).collect();
    let want: Vec<&String> = expected.iter().rev().collect();
    let differ = tail.iter().zip(&want).position(|(a, b)| a != b);
    assert_eq!(differ, None, "{:?}", differ.map(|i| (tail[i], want[i])));
    // Scrolling to the top and drawing shows the oldest held lines.
    s.term.scroll_to_top();
    let buf = draw(&mut s, cols, rows);
    let top = rows_of(&buf);
    assert_eq!(top[..], all[..usize::from(rows)]);
    s.term.live();
    assert_eq!(
        rows_of(&draw(&mut s, cols, rows))
            .last()
            .map(String::as_str),
        Some("")
    );
}

fn rows_of(buf: &Buffer) -> Vec<String> {
    rows(buf)
}
