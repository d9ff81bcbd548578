//! Rendering untrusted text (domain names, libvirt messages) safely: every control,
//! bidi and invisible character becomes a visible escape instead of reaching the terminal.

use std::borrow::Cow;

use ratatui::style::Style;
use ratatui::text::Span;
use unicode_width::UnicodeWidthStr;

/// Characters that must never be written raw: C0/C1 controls and DEL (terminal commands),
/// bidi embeddings/overrides/isolates (reorder what follows: "Trojan Source"), and
/// zero-width or invisible characters (make two different names look identical): every
/// Unicode format (Cf) character.
pub fn needs_escape(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{ad}'
        | '\u{600}'..='\u{605}'
        | '\u{61c}'
        | '\u{6dd}'
        | '\u{70f}'
        | '\u{890}'..='\u{891}'
        | '\u{8e2}'
        | '\u{180e}'
        | '\u{200b}'..='\u{200f}'
        | '\u{2028}'..='\u{202e}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206f}'
        | '\u{feff}'
        | '\u{fff9}'..='\u{fffb}'
        | '\u{110bd}'
        | '\u{110cd}'
        | '\u{13430}'..='\u{1343f}'
        | '\u{1bca0}'..='\u{1bca3}'
        | '\u{1d173}'..='\u{1d17a}'
        | '\u{e0001}'
        | '\u{e0020}'..='\u{e007f}'
        // Invisible fillers that pass for blanks.
        | '\u{34f}'
        | '\u{115f}'..='\u{1160}'
        | '\u{17b4}'..='\u{17b5}'
        | '\u{3164}'
        | '\u{ffa0}'
    )
}

/// The visible form of one character that needs escaping.
fn escape_char(c: char, out: &mut String) {
    match c {
        '\t' => out.push_str("\\t"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        c if (c as u32) < 0x20 || c == '\u{7f}' => out.push_str(&format!("\\x{:02x}", c as u32)),
        c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
    }
}

/// `s` with every character `needs` picks replaced by `esc`'s form; borrowed when nothing
/// changes.
fn escape_with(s: &str, needs: impl Fn(char) -> bool, esc: fn(char, &mut String)) -> Cow<'_, str> {
    if !s.chars().any(&needs) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if needs(c) {
            esc(c, &mut out);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Spans for `s`, the characters `needs` picks replaced by `esc`'s form and drawn in
/// `escaped`, so they cannot pass for the real thing.
fn spans_with(
    s: &str,
    base: Style,
    escaped: Style,
    needs: impl Fn(char) -> bool,
    esc: fn(char, &mut String),
) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    let mut plain = String::new();
    for c in s.chars() {
        if needs(c) {
            if !plain.is_empty() {
                spans.push(Span::styled(std::mem::take(&mut plain), base));
            }
            let mut e = String::new();
            esc(c, &mut e);
            spans.push(Span::styled(e, escaped));
        } else {
            plain.push(c);
        }
    }
    if !plain.is_empty() || spans.is_empty() {
        spans.push(Span::styled(plain, base));
    }
    spans
}

/// `s` with every unsafe character replaced by its escape; borrowed when nothing changes.
pub fn escape(s: &str) -> Cow<'_, str> {
    escape_with(s, needs_escape, escape_char)
}

/// Spans for `s`, with escapes drawn in `escaped` so they cannot pass for the real thing.
pub fn escape_spans(s: &str, base: Style, escaped: Style) -> Vec<Span<'static>> {
    spans_with(s, base, escaped, needs_escape, escape_char)
}

/// Whether `c` must be escaped in a name: everything [`needs_escape`] covers, the backslash
/// (so a name holding the literal text `\u{9b}` cannot pass for one holding a real U+009B: it
/// shows as `\\u{9b}`), and spaces when the name is nothing but spaces (a blank row
/// otherwise).
fn name_char_needs_escape(c: char, all_spaces: bool) -> bool {
    needs_escape(c) || c == '\\' || (all_spaces && c == ' ')
}

fn escape_name_char(c: char, out: &mut String) {
    match c {
        '\\' => out.push_str("\\\\"),
        ' ' => out.push_str("\\x20"),
        c => escape_char(c, out),
    }
}

fn all_spaces(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c == ' ')
}

/// A domain or snapshot name as shown: like [`escape`], and unambiguous.
pub fn escape_name(s: &str) -> Cow<'_, str> {
    let blank = all_spaces(s);
    escape_with(s, |c| name_char_needs_escape(c, blank), escape_name_char)
}

/// Spans for a name: [`escape_name`]'s escapes drawn in `escaped`.
pub fn name_spans(s: &str, base: Style, escaped: Style) -> Vec<Span<'static>> {
    let blank = all_spaces(s);
    spans_with(
        s,
        base,
        escaped,
        |c| name_char_needs_escape(c, blank),
        escape_name_char,
    )
}

/// Cuts spans to `width` display columns, ending with `…` when something was cut.
pub fn fit_spans(spans: Vec<Span<'static>>, width: usize) -> Vec<Span<'static>> {
    let total: usize = spans.iter().map(|s| s.content.width()).sum();
    if total <= width {
        return spans;
    }
    if width == 0 {
        return Vec::new();
    }
    let mut left = width - 1;
    let mut out = Vec::new();
    let mut last_style = Style::default();
    for span in spans {
        last_style = span.style;
        let mut kept = String::new();
        for ch in span.content.chars() {
            let w = unicode_width::UnicodeWidthChar::width(ch).unwrap_or(0);
            if w > left {
                left = 0;
                break;
            }
            left -= w;
            kept.push(ch);
        }
        let done = left == 0 || kept.len() < span.content.len();
        if !kept.is_empty() {
            out.push(Span::styled(kept, span.style));
        }
        if done {
            break;
        }
    }
    out.push(Span::styled("…", last_style));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dangerous_characters_become_visible() {
        assert_eq!(escape("web\t01"), "web\\t01");
        assert_eq!(escape("a\u{9b}31mb"), "a\\u{9b}31mb");
        assert_eq!(escape("evil\u{202e}gpj.exe"), "evil\\u{202e}gpj.exe");
        assert_eq!(escape("zero\u{200b}width"), "zero\\u{200b}width");
        assert_eq!(escape("bell\u{7}"), "bell\\x07");
        assert_eq!(escape("del\u{7f}"), "del\\x7f");
    }

    #[test]
    fn names_are_unambiguous() {
        // The literal text `\u{9b}` and a real U+009B must not look alike.
        assert_eq!(escape_name("a\u{9b}"), "a\\u{9b}");
        assert_eq!(escape_name("a\\u{9b}"), "a\\\\u{9b}");
        assert_ne!(escape_name("a\u{9b}"), escape_name("a\\u{9b}"));
        // A name of only spaces is not a blank row; spaces inside a name stay spaces.
        assert_eq!(escape_name("   "), "\\x20\\x20\\x20");
        assert_eq!(escape_name("my vm"), "my vm");
        assert!(matches!(escape_name("web-01"), Cow::Borrowed(_)));
        let spans = name_spans("  ", Style::default(), Style::default());
        let text: String = spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(text, "\\x20\\x20");
    }

    #[test]
    fn ordinary_names_are_untouched() {
        assert!(matches!(escape("web-01"), Cow::Borrowed(_)));
        assert_eq!(escape("数据库服务器"), "数据库服务器");
        assert_eq!(escape("café"), "café");
    }

    #[test]
    fn fitting_counts_display_columns() {
        let spans = vec![Span::raw("数据库服务器")];
        let fitted = fit_spans(spans, 7);
        let text: String = fitted.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(text, "数据库…");
        assert!(text.width() <= 7);
        let short = fit_spans(vec![Span::raw("abc")], 5);
        assert_eq!(short.len(), 1);
    }
}
