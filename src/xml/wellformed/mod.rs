//! Well-formedness check (XML 1.0, fifth edition) with positioned, human messages. Its
//! verdict and error positions follow libxml2, the parser libvirt's define uses, so the
//! editor and libvirt point at the same place; tests/xml_differential.rs holds it to that.

mod chars;
mod content;
mod hints;
mod prolog;
mod tags;

pub use chars::{is_name_char, is_name_start, is_xml_char};

use std::collections::HashMap;

/// The first problem found, at a 1-based line and column (in characters).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XmlError {
    pub line: usize,
    pub col: usize,
    /// Byte offset in the text.
    pub offset: usize,
    pub message: String,
}

impl std::fmt::Display for XmlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.col, self.message
        )
    }
}

/// 1-based line and character column of byte `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() + 1)
}

fn floor_char(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// What the editor runs: [`well_formed`], then two hints for what pasting from web pages
/// and chat produces: a typographic quote used as an attribute delimiter is named at its
/// place, and an attribute that ended up in text (`<disk> type='file'`, well-formed XML
/// that libvirt would silently ignore) is reported.
pub fn check(text: &str) -> Result<(), XmlError> {
    let mut c = Checker::new(text);
    c.hints = true;
    match c.document() {
        Err(e) => Err(hints::typographic_quote(text, e)),
        Ok(()) => c.pasted.map_or(Ok(()), Err),
    }
}

/// Checks that `text` is a well-formed XML document; the first error at the place libxml2
/// reports it.
pub fn well_formed(text: &str) -> Result<(), XmlError> {
    Checker::new(text).document()
}

fn is_predefined(name: &str) -> bool {
    matches!(name, "lt" | "gt" | "amp" | "apos" | "quot")
}

/// The general entity references `&name;` in an entity value.
fn entity_refs(value: &str) -> Vec<&str> {
    value
        .split('&')
        .skip(1)
        .filter(|r| !r.starts_with('#'))
        .filter_map(|r| r.split_once(';').map(|(n, _)| n))
        .collect()
}

/// An error at byte `offset`.
fn err_at(text: &str, offset: usize, message: String) -> XmlError {
    let (line, col) = line_col(text, offset);
    XmlError {
        line,
        col,
        offset,
        message,
    }
}

struct Checker<'a> {
    text: &'a str,
    pos: usize,
    /// The attribute names of the tag being read (kept to reuse its allocation).
    attrs: Vec<&'a str>,
    /// General entities declared in the internal DTD subset, with their values.
    entities: HashMap<&'a str, &'a str>,
    /// Look for attributes pasted into text (see [`check`]).
    hints: bool,
    /// The first attribute found in text.
    pasted: Option<XmlError>,
}

type Res = Result<(), XmlError>;

impl<'a> Checker<'a> {
    fn new(text: &'a str) -> Checker<'a> {
        Checker {
            text,
            pos: 0,
            attrs: Vec::new(),
            entities: HashMap::new(),
            hints: false,
            pasted: None,
        }
    }

    fn peek(&self) -> Option<char> {
        // ASCII fast path: most of a domain definition is ASCII and this runs per character.
        match self.text.as_bytes().get(self.pos) {
            Some(&b) if b.is_ascii() => Some(char::from(b)),
            Some(_) => self.text[self.pos..].chars().next(),
            None => None,
        }
    }

    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    /// The values of `name` and of the entities it refers to, directly or not.
    fn expansion(&self, name: &'a str) -> impl Iterator<Item = &'a str> + '_ {
        let mut todo = vec![name];
        let mut seen: Vec<&str> = Vec::new();
        std::iter::from_fn(move || {
            while let Some(n) = todo.pop() {
                if seen.contains(&n) {
                    continue;
                }
                seen.push(n);
                if let Some(&v) = self.entities.get(n) {
                    todo.extend(entity_refs(v));
                    return Some(v);
                }
            }
            None
        })
    }

    /// A general entity that `name`'s value refers to, directly or not, and that is not
    /// declared (libxml2 expands references and rejects those).
    fn undeclared(&self, name: &'a str) -> Option<&'a str> {
        self.expansion(name)
            .flat_map(entity_refs)
            .find(|r| !is_predefined(r) && !self.entities.contains_key(r))
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn eat(&mut self, s: &str) -> bool {
        if self.rest().starts_with(s) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    fn err(&self, at: usize, message: impl Into<String>) -> XmlError {
        err_at(self.text, at, message.into())
    }

    fn pos_str(&self, at: usize) -> String {
        let (l, c) = line_col(self.text, at);
        format!("{l}:{c}")
    }

    /// The error for a character XML forbids (control characters, U+FFFE, U+FFFF).
    fn forbidden(&self, at: usize, c: char, place: &str) -> XmlError {
        let what = if c.is_control() {
            "control character"
        } else {
            "non-character"
        };
        self.err(
            at,
            format!(
                "{what} U+{:04X} is not allowed anywhere in XML (found in {place}): remove it",
                u32::from(c)
            ),
        )
    }

    fn skip_ws(&mut self) -> bool {
        let start = self.pos;
        let bytes = self.text.as_bytes();
        while bytes
            .get(self.pos)
            .is_some_and(|&b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        {
            self.pos += 1;
        }
        self.pos > start
    }

    /// A Name at the cursor (empty when none starts here); a forbidden character inside it
    /// is an error at that character.
    fn name(&mut self) -> Result<&'a str, XmlError> {
        let start = self.pos;
        if !self.peek().is_some_and(is_name_start) {
            self.check_char_here()?;
            return Ok("");
        }
        self.bump();
        let bytes = self.text.as_bytes();
        loop {
            match bytes.get(self.pos) {
                Some(&b) if b.is_ascii() => {
                    if b.is_ascii_alphanumeric() || matches!(b, b'_' | b':' | b'-' | b'.') {
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
                Some(_) if self.peek().is_some_and(is_name_char) => {
                    self.bump();
                }
                _ => break,
            }
        }
        self.check_char_here()?;
        Ok(&self.text[start..self.pos])
    }

    /// libxml2 decodes the character after a name and rejects U+FFFE/U+FFFF there.
    fn check_char_here(&self) -> Res {
        match self.peek() {
            Some(c) if !c.is_ascii() && !is_xml_char(c) => Err(self.forbidden(self.pos, c, "name")),
            _ => Ok(()),
        }
    }

    /// Skips to just after `end`, rejecting forbidden characters on the way; `Ok(false)`
    /// at the end of the text.
    fn scan_to(&mut self, end: &str, place: &str) -> Result<bool, XmlError> {
        match self.rest().find(end) {
            Some(i) => {
                self.check_chars(self.pos, self.pos + i, place)?;
                self.pos += i + end.len();
                Ok(true)
            }
            None => {
                self.check_chars(self.pos, self.text.len(), place)?;
                self.pos = self.text.len();
                Ok(false)
            }
        }
    }

    /// The first forbidden character in `from..to` is an error.
    fn check_chars(&self, from: usize, to: usize, place: &str) -> Res {
        match chars::first_forbidden(&self.text.as_bytes()[from..to]) {
            Some(i) => {
                let c = self.text[from + i..].chars().next().unwrap_or('\0');
                Err(self.forbidden(from + i, c, place))
            }
            None => Ok(()),
        }
    }

    /// `&name;` or `&#…;` at the cursor, in text or in an attribute value.
    fn reference(&mut self, in_attr: bool) -> Res {
        let amp = self.pos;
        self.pos += 1;
        if self.eat("#") {
            return self.char_ref(amp);
        }
        let name = self.name()?;
        if name.is_empty() {
            return Err(self.err(
                self.pos,
                "'&' must be written &amp; (or start an entity like &lt;)",
            ));
        }
        if !self.eat(";") {
            return Err(self.err(
                self.pos,
                format!("entity &{name} is missing its ';' (a literal '&' is written &amp;)"),
            ));
        }
        if in_attr && self.expansion(name).any(|v| v.contains('<')) {
            return Err(self.err(
                self.pos,
                format!("entity &{name}; holds a '<', which an attribute value cannot hold"),
            ));
        }
        if let Some(missing) = self.undeclared(name) {
            return Err(self.err(
                self.pos,
                format!("entity &{name}; refers to &{missing};, which is not declared"),
            ));
        }
        let known = is_predefined(name) || self.entities.contains_key(name);
        if !known {
            return Err(self.err(
                self.pos,
                format!(
                    "unknown entity &{name}; (XML knows &lt; &gt; &amp; &apos; &quot; and &#…;)"
                ),
            ));
        }
        Ok(())
    }

    /// After `&#`: digits then ';', naming a character XML allows.
    fn char_ref(&mut self, amp: usize) -> Res {
        let hex = self.eat("x");
        let mut value: u32 = 0;
        let mut overflow = false;
        let mut digits = 0;
        let radix = if hex { 16 } else { 10 };
        loop {
            match self.peek() {
                Some(';') => {
                    self.pos += 1;
                    break;
                }
                Some(c) if c.is_digit(radix) => {
                    let d = c.to_digit(radix).unwrap_or(0);
                    value = value.saturating_mul(radix).saturating_add(d);
                    overflow |= value > 0x10_FFFF;
                    digits += 1;
                    self.pos += 1;
                }
                _ => {
                    return Err(self.err(
                        self.pos,
                        format!(
                            "character reference at {} is not {} followed by ';'",
                            self.pos_str(amp),
                            if hex {
                                "&#x and hex digits"
                            } else {
                                "&# and digits"
                            }
                        ),
                    ));
                }
            }
        }
        let ok = !overflow && digits > 0 && char::from_u32(value).is_some_and(is_xml_char);
        if !ok {
            let what = if overflow {
                "beyond U+10FFFF".to_string()
            } else {
                format!("U+{value:04X}, a character XML does not allow")
            };
            return Err(self.err(
                self.pos,
                format!(
                    "character reference {} names {what}",
                    &self.text[amp..self.pos]
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
