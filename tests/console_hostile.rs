//! Hostile guest output: every kind of sequence a guest could use to reach the user's own
//! terminal (clipboard, title, DCS/APC/PM/SOS strings, 8-bit C1 controls, bidi and format
//! characters, huge CSI parameters, mode switches, bell floods), replayed through the
//! console widget. The bytes virtdeck writes to the terminal (crossterm backend into a
//! buffer) may hold nothing but cursor moves, colours and text, and the console goes on
//! working after each one.

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

use ratatui::Terminal;
use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::layout::Rect;
use ratatui::{TerminalOptions, Viewport};
use virtdeck::backend::{DomainId, HostId};
use virtdeck::config::Config;
use virtdeck::ui::console::session::ConsoleSession;
use virtdeck::ui::console::widget::{self, Hints};
use virtdeck::ui::text::needs_escape;

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

/// (name, bytes): the payload word PWNED must never be drawn.
fn hostile() -> Vec<(&'static str, Vec<u8>)> {
    let s = |x: &str| x.as_bytes().to_vec();
    let mut v: Vec<(&'static str, Vec<u8>)> = vec![
        ("osc52 clipboard write", s("\x1b]52;c;UFdORUQ=\x07")),
        ("osc52 write, ST", s("\x1b]52;p;UFdORUQ=\x1b\\")),
        ("osc52 clipboard read", s("\x1b]52;c;?\x07")),
        (
            "osc title",
            s("\x1b]0;PWNED\x07\x1b]2;PWNED\x1b\\\x1b]1;PWNED\x07"),
        ),
        (
            "osc hyperlink",
            s("\x1b]8;;http://PWNED/\x1b\\link\x1b]8;;\x1b\\"),
        ),
        (
            "osc colour query",
            s("\x1b]10;?\x07\x1b]4;1;rgb:ff/00/00\x07"),
        ),
        ("dcs sixel", s("\x1bPq#0;2;0;0;0#1~~PWNED\x1b\\")),
        ("dcs decrqss", s("\x1bP$qm\x1b\\")),
        (
            "dcs tmux passthrough",
            s("\x1bPtmux;\x1b\x1b]52;c;UFdORUQ=\x07\x1bPtmux;\x1b\x1b]2;PWNED\x07\x1b\\"),
        ),
        ("apc kitty graphics", s("\x1b_Ga=T,f=100;PWNED\x1b\\")),
        ("pm", s("\x1b^PWNED\x1b\\")),
        ("sos", s("\x1bXPWNED\x1b\\")),
        // Raw C1 bytes are not UTF-8: dropped, what follows is plain text.
        ("8-bit csi raw byte", b"\x9b31mX\x9bm".to_vec()),
        ("8-bit osc raw byte", b"\x9d0;title\x9c".to_vec()),
        ("8-bit dcs raw byte", b"\x90qdata\x9c".to_vec()),
        ("c1 as utf-8", s("\u{9b}2J\u{9d}0;x\u{9c}\u{85}\u{8e}")),
        (
            "bidi and format characters",
            s(
                "a\u{202e}b\u{202a}\u{202b}\u{202c}\u{202d}\u{2066}\u{2067}\u{2068}\u{2069}\
               \u{200e}\u{200f}\u{61c}\u{200b}\u{200c}\u{200d}\u{2060}\u{feff}\u{ad}\
               \u{600}\u{601}\u{602}\u{603}\u{604}\u{605}\u{6dd}\u{70f}\u{e0001}\u{e0041}c",
            ),
        ),
        (
            "huge csi parameters",
            s(
                "\x1b[99999999999999999999;99999999999999999H\x1b[4294967296@\
               \x1b[65535L\x1b[65535M\x1b[99999999S\x1b[99999999T\x1b[65535X\x1b[65535P",
            ),
        ),
        ("csi with a thousand parameters", {
            let mut b = s("\x1b[");
            b.extend(std::iter::repeat_n(b"1;"[..].to_vec(), 1000).flatten());
            b.extend_from_slice(b"m");
            b
        }),
        (
            "mouse reporting",
            s("\x1b[?1000h\x1b[?1002h\x1b[?1003h\x1b[?1005h\x1b[?1006h\x1b[?1015h\x1b[?1004h"),
        ),
        (
            "alternate screen",
            s("\x1b[?1049h\x1b[?47h\x1b[?1047hin alt\x1b[?1047l\x1b[?47l\x1b[?1049l"),
        ),
        ("bracketed paste", s("\x1b[?2004h\x1b[?2004l\x1b[?2004h")),
        ("bell flood", vec![7u8; 20_000]),
        (
            "window ops",
            s("\x1b[8;100;300t\x1b[3;0;0t\x1b[22;0t\x1b[23;0t\x1b[?3h\x1b[?5h\x1b[?25l"),
        ),
        ("queries", s("\x1b[6n\x1b[c\x1b[>c\x1b[5n\x1b[?u\x1b[18t")),
        (
            "cursor style and keyboard",
            s("\x1b[5 q\x1b[>1u\x1b=\x1b[?1h"),
        ),
        ("reset", s("\x1bc")),
        (
            "invalid utf-8",
            b"\xff\xfe\xc0\xaf\xed\xa0\x80\xf8\x88\x80\x80\x80".to_vec(),
        ),
    ];
    // The string and character kinds back to back, each ending the one before.
    let together: Vec<u8> = v.iter().take(18).flat_map(|(_, b)| b.clone()).collect();
    v.push(("all of them at once", together));
    v
}

fn session(cols: u16, rows: u16) -> ConsoleSession {
    let mut s = ConsoleSession::new(1, DomainId::new(HostId::FIRST, "u"), "guest".into());
    s.term.resize(rows, cols);
    s
}

/// A terminal's input side: keeps what is written for inspection.
#[derive(Clone, Default)]
struct Captured(Rc<RefCell<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The bytes virtdeck writes to the real terminal to draw `s`.
fn terminal_bytes(s: &mut ConsoleSession, cols: u16, rows: u16) -> Vec<u8> {
    let theme = Config::builtin().expect("built-in config").theme;
    let out = Captured::default();
    let backend = CrosstermBackend::new(out.clone());
    let mut term = Terminal::with_options(
        backend,
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, cols, rows + 1)),
        },
    )
    .expect("terminal");
    term.draw(|f| widget::render(f, f.area(), s, &hints(), &theme))
        .expect("draw");
    drop(term);
    out.0.take()
}

/// Every escape sequence in `out` is a cursor move, a colour/attribute change, a clear or
/// cursor visibility; no C1 control, BEL, or bidi/format character is written.
fn assert_harmless(name: &str, out: &[u8]) {
    let text = String::from_utf8(out.to_vec())
        .unwrap_or_else(|e| panic!("{name}: invalid UTF-8 written to the terminal: {e}"));
    assert!(!text.contains("PWNED"), "{name}: payload written: {text:?}");
    let allowed = regex::Regex::new(r"^\x1b\[(?:[0-9;:]*[HmJK]|\?25[hl]|[0-9]* q)").expect("regex");
    let mut rest = text.as_str();
    while let Some(at) = rest.find('\x1b') {
        let seq = &rest[at..];
        let m = allowed
            .find(seq)
            .unwrap_or_else(|| panic!("{name}: sequence written: {:?}", &seq[..seq.len().min(24)]));
        rest = &seq[m.end()..];
    }
    for c in text.chars() {
        assert!(
            c == '\x1b' || c == '\r' || c == '\n' || !(c.is_control() || needs_escape(c)),
            "{name}: {:?} written to the terminal",
            c
        );
    }
}

#[test]
fn hostile_sequences_never_reach_the_users_terminal_and_the_console_keeps_working() {
    let (cols, rows) = (60u16, 8u16);
    for (name, bytes) in hostile() {
        for chunk in [usize::MAX, 1, 3] {
            let mut s = session(cols, rows);
            s.term.feed(b"before\r\n");
            for part in bytes.chunks(chunk.min(bytes.len()).max(1)) {
                s.term.feed(part);
            }
            s.term.feed(b"\x1b[0m\r\nafter-marker\r\n");
            let out = terminal_bytes(&mut s, cols, rows);
            assert_harmless(name, &out);
            assert_eq!(
                s.term.size(),
                (rows, cols),
                "{name}: the guest resized the emulator"
            );
            let all = s.term.all_lines().join("\n");
            assert!(
                all.contains("after-marker"),
                "{name}: console stopped: {all}"
            );
            assert!(!all.contains("PWNED"), "{name}: payload drawn");
            // The history drawn scrolled back is as clean as the live screen.
            s.term.scroll_to_top();
            assert_harmless(name, &terminal_bytes(&mut s, cols, rows));
        }
    }
}

#[test]
fn bidi_and_format_characters_show_as_the_escapes_names_get() {
    let (cols, rows) = (80u16, 4u16);
    let mut s = session(cols, rows);
    s.term
        .feed("invoice\u{202e}fdp.exe \u{feff}x\u{ad}y \u{600}1\r\n".as_bytes());
    // Split inside the UTF-8 sequence of U+2066.
    let isolate = "left\u{2066}right\r\n".as_bytes();
    s.term.feed(&isolate[..5]);
    s.term.feed(&isolate[5..]);
    let theme = Config::builtin().expect("built-in config").theme;
    let mut term = Terminal::new(TestBackend::new(cols, rows + 1)).expect("terminal");
    term.draw(|f| widget::render(f, f.area(), &mut s, &hints(), &theme))
        .expect("draw");
    let buf = term.backend().buffer().clone();
    let rows_text: Vec<String> = (1..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .collect();
    assert_eq!(
        rows_text[0],
        "invoice\\u{202e}fdp.exe \\u{feff}x\\u{ad}y \\u{600}1"
    );
    assert_eq!(rows_text[1], "left\\u{2066}right");
    // The same escapes as a domain name gets.
    let name = virtdeck::ui::text::escape("invoice\u{202e}fdp.exe");
    assert!(rows_text[0].starts_with(name.as_ref()));
    assert!(s.term.transcript().starts_with(name.as_ref()));
}
