//! Editor hints on top of the well-formedness verdict, for what pasting from web pages and
//! chat produces: typographic quotes as attribute delimiters, attributes left in text.

use super::{XmlError, err_at, is_name_char, is_name_start};

const TYPO_QUOTES: [char; 8] = ['‘', '’', '“', '”', '„', '‚', '«', '»'];

fn is_typo_quote(c: char) -> bool {
    TYPO_QUOTES.contains(&c)
}

/// When the error `e` is inside a start tag that uses a typographic quote as an attribute
/// delimiter, the quote is the real mistake: name it at its place.
pub(super) fn typographic_quote(text: &str, e: XmlError) -> XmlError {
    let Some(tag) = text[..e.offset].rfind('<') else {
        return e;
    };
    let upto = text[e.offset..]
        .chars()
        .next()
        .map_or(e.offset, |c| e.offset + c.len_utf8());
    let seg = &text[tag..upto];
    if seg.contains('>') || seg.is_ascii() {
        return e;
    }
    for (i, ch) in seg.char_indices() {
        if !is_typo_quote(ch) {
            continue;
        }
        let before = seg[..i].trim_end().ends_with('=');
        let after = seg[i + ch.len_utf8()..]
            .chars()
            .next()
            .is_none_or(|a| a.is_whitespace() || a == '/' || a == '>');
        let after = after || text[tag + i + ch.len_utf8()..].starts_with(['/', '>', ' ', '\n']);
        if before || after {
            return err_at(
                text,
                tag + i,
                format!("typographic quote {ch} used as an attribute delimiter; use \" or '"),
            );
        }
    }
    e
}

/// `name="value"` (or with typographic quotes) at the start of the text at `at`, in
/// element `parent`: an attribute that ended up outside its tag, typically after a '>' typed
/// too early. Well-formed XML, but libvirt would ignore it silently.
pub(super) fn attribute_in_text(text: &str, at: usize, parent: &str) -> Option<XmlError> {
    // A name, blanks, '=' and a quote: a short look is enough.
    let end = (at + 256).min(text.len());
    let end = (at..=end)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(at);
    let (off, name) = pasted_attribute(&text[at..end])?;
    Some(err_at(
        text,
        at + off,
        format!("attribute {name}= is outside a tag: move it inside <{parent} …> before the '>'"),
    ))
}

/// Offset and name of `name = "` at the start of `run` (after blanks).
fn pasted_attribute(run: &str) -> Option<(usize, &str)> {
    let at = run.len() - run.trim_start().len();
    let rest = &run[at..];
    if !rest.starts_with(is_name_start) {
        return None;
    }
    let len = rest.find(|c: char| !is_name_char(c)).unwrap_or(rest.len());
    let after = rest[len..].trim_start().strip_prefix('=')?.trim_start();
    let quoted = after.starts_with(|q: char| q == '"' || q == '\'' || is_typo_quote(q));
    quoted.then_some((at, &rest[..len]))
}
