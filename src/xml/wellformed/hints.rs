//! Editor hints on top of the well-formedness verdict, for what pasting from web pages and
//! chat produces: typographic quotes as attribute delimiters, attributes left in text.

use quick_xml::Reader;
use quick_xml::events::Event;

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

/// `name="value"` (or with typographic quotes) at the start of a text: an attribute that
/// ended up outside its tag, typically after a '>' typed too early. Well-formed XML, but
/// libvirt would ignore it silently.
pub(super) fn attribute_in_text(text: &str) -> Result<(), XmlError> {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<String> = Vec::new();
    loop {
        let before = reader.buffer_position() as usize;
        match reader.read_event() {
            Ok(Event::Eof) | Err(_) => return Ok(()),
            Ok(Event::Start(s)) => {
                stack.push(String::from_utf8_lossy(s.name().as_ref()).into_owned());
            }
            Ok(Event::End(_)) => {
                stack.pop();
            }
            Ok(Event::Text(_)) => {
                let end = (reader.buffer_position() as usize).min(text.len());
                if let Some(parent) = stack.last()
                    && let Some((at, name)) = pasted_attribute(&text[before..end])
                {
                    return Err(err_at(
                        text,
                        before + at,
                        format!(
                            "attribute {name}= is outside a tag: move it inside <{parent} …> \
                             before the '>'"
                        ),
                    ));
                }
            }
            Ok(_) => {}
        }
    }
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
