//! Well-formedness check with positioned, human messages, tuned for what goes wrong when
//! XML is typed or pasted from web pages and chat (typographic quotes, missing quotes,
//! attributes outside a tag, unclosed or mismatched tags). quick-xml backs it up.

use quick_xml::Reader;
use quick_xml::events::Event;

mod tags;

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

const TYPO_QUOTES: [char; 8] = ['‘', '’', '“', '”', '„', '‚', '«', '»'];

fn is_typo_quote(c: char) -> bool {
    TYPO_QUOTES.contains(&c)
}

fn is_name_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || c == ':'
}

fn is_name_char(c: char) -> bool {
    is_name_start(c) || c.is_ascii_digit() || c == '-' || c == '.' || c.is_numeric()
}

fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// Checks `text`; `Ok` when it is a well-formed XML document with one root element.
pub fn check(text: &str) -> Result<(), XmlError> {
    Checker {
        text,
        pos: 0,
        attrs: Vec::new(),
    }
    .run()?;
    backstop(text)
}

/// An error at byte `offset` (private constructor for the checker).
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
}

/// An open element: its name and where its tag starts.
struct Open<'a> {
    name: &'a str,
    at: usize,
}

impl<'a> Checker<'a> {
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

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn err(&self, at: usize, message: impl Into<String>) -> XmlError {
        err_at(self.text, at, message.into())
    }

    fn pos_str(&self, at: usize) -> String {
        let (l, c) = line_col(self.text, at);
        format!("{l}:{c}")
    }

    fn skip_ws(&mut self) -> bool {
        let start = self.pos;
        let bytes = self.text.as_bytes();
        while bytes.get(self.pos).is_some_and(|&b| is_ws(char::from(b))) {
            self.pos += 1;
        }
        self.pos > start
    }

    fn name(&mut self) -> &'a str {
        let start = self.pos;
        if self.peek().is_some_and(is_name_start) {
            self.bump();
            let bytes = self.text.as_bytes();
            loop {
                match bytes.get(self.pos) {
                    // ASCII: the same test as is_name_char, without decoding.
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
        }
        &self.text[start..self.pos]
    }

    fn run(&mut self) -> Result<(), XmlError> {
        let mut stack: Vec<Open<'a>> = Vec::new();
        let mut root_done: Option<&'a str> = None;
        let mut seen_root = false;
        while let Some(c) = self.peek() {
            let at = self.pos;
            if c == '<' {
                let rest = self.rest();
                // Most tags are plain start or end tags: look at one byte before comparing
                // prefixes.
                let bang = rest.as_bytes().get(1) == Some(&b'!');
                if bang && rest.starts_with("<!--") {
                    self.comment()?;
                } else if bang && rest.starts_with("<![CDATA[") {
                    if stack.is_empty() {
                        return Err(self.err(at, "CDATA section outside the root element"));
                    }
                    match rest.find("]]>") {
                        Some(i) => self.pos += i + 3,
                        None => {
                            return Err(self.err(at, "CDATA section is never closed (missing ]]>)"));
                        }
                    }
                } else if bang {
                    self.doctype(seen_root)?;
                } else if rest.starts_with("<?") {
                    self.pi()?;
                } else if rest.starts_with("</") {
                    self.pos += 2;
                    let name = self.name();
                    if name.is_empty() {
                        return Err(self.err(at, "closing tag without a name: write </name>"));
                    }
                    self.skip_ws();
                    if self.peek() != Some('>') {
                        return Err(self.err(
                            self.pos,
                            format!("closing tag </{name}> is missing its '>'"),
                        ));
                    }
                    self.pos += 1;
                    match stack.pop() {
                        Some(open) if open.name == name => {
                            if stack.is_empty() {
                                root_done = Some(open.name);
                            }
                        }
                        Some(open) => {
                            return Err(self.err(
                                at,
                                format!(
                                    "closing tag </{name}> does not match <{}> opened at {}",
                                    open.name,
                                    self.pos_str(open.at)
                                ),
                            ));
                        }
                        None => {
                            return Err(self.err(
                                at,
                                format!("closing tag </{name}> has no matching opening tag"),
                            ));
                        }
                    }
                } else {
                    if let Some(root) = root_done.filter(|_| stack.is_empty()) {
                        return Err(self.err(
                            at,
                            format!(
                                "a second root element after </{root}>: an XML document has \
                                 exactly one root element"
                            ),
                        ));
                    }
                    let (name, empty) = self.start_tag()?;
                    seen_root = true;
                    if empty {
                        if stack.is_empty() {
                            root_done = Some(name);
                        }
                    } else {
                        stack.push(Open { name, at });
                    }
                }
            } else if c == '&' {
                if stack.is_empty() {
                    return Err(self.err(at, "text outside the root element"));
                }
                self.entity()?;
            } else if is_ws(c) {
                self.pos += 1;
            } else {
                self.text_run(&stack, root_done)?;
            }
        }
        if let Some(open) = stack.last() {
            return Err(self.err(
                open.at,
                format!(
                    "<{}> is never closed: add </{}> (the document ends first)",
                    open.name, open.name
                ),
            ));
        }
        if !seen_root {
            return Err(self.err(
                self.text.len(),
                "no root element: a domain definition starts with <domain type='…'>",
            ));
        }
        Ok(())
    }

    fn comment(&mut self) -> Result<(), XmlError> {
        let at = self.pos;
        let body = &self.rest()[4..];
        let Some(end) = body.find("-->") else {
            return Err(self.err(at, "comment is never closed (missing -->)"));
        };
        if let Some(i) = body[..end].find("--") {
            return Err(self.err(at + 4 + i, "'--' is not allowed inside a comment"));
        }
        self.pos += 4 + end + 3;
        Ok(())
    }

    fn doctype(&mut self, seen_root: bool) -> Result<(), XmlError> {
        let at = self.pos;
        if !self.rest().starts_with("<!DOCTYPE") || seen_root {
            return Err(self.err(at, "'<!' must start a comment <!-- … --> or CDATA section"));
        }
        let mut depth = 0i32;
        while let Some(c) = self.bump() {
            match c {
                '[' => depth += 1,
                ']' => depth -= 1,
                '>' if depth <= 0 => return Ok(()),
                _ => {}
            }
        }
        Err(self.err(at, "<!DOCTYPE is never closed (missing '>')"))
    }

    fn pi(&mut self) -> Result<(), XmlError> {
        let at = self.pos;
        let Some(end) = self.rest().find("?>") else {
            return Err(self.err(at, "processing instruction is never closed (missing ?>)"));
        };
        let target = self.rest()[2..end]
            .split(|c: char| is_ws(c))
            .next()
            .unwrap_or("");
        if target.eq_ignore_ascii_case("xml") && at != 0 {
            return Err(self.err(
                at,
                "the XML declaration <?xml …?> must be the very first thing in the document",
            ));
        }
        if target.is_empty() {
            return Err(self.err(at, "'<?' must be followed by a name, as in <?xml …?>"));
        }
        self.pos += end + 2;
        Ok(())
    }

    fn entity(&mut self) -> Result<(), XmlError> {
        let at = self.pos;
        let rest = &self.rest()[1..];
        let end = rest
            .find(|c: char| c == ';' || is_ws(c) || c == '<' || c == '&' || c == '"' || c == '\'')
            .filter(|&i| rest[i..].starts_with(';'));
        let Some(end) = end else {
            return Err(self.err(
                at,
                "'&' must be written &amp; (or start an entity like &lt;)",
            ));
        };
        let name = &rest[..end];
        let ok = match name {
            "lt" | "gt" | "amp" | "apos" | "quot" => true,
            n if n.starts_with("#x") => u32::from_str_radix(&n[2..], 16)
                .ok()
                .and_then(char::from_u32)
                .is_some(),
            n if n.starts_with('#') => n[1..]
                .parse::<u32>()
                .ok()
                .and_then(char::from_u32)
                .is_some(),
            _ => false,
        };
        if !ok {
            return Err(self.err(
                at,
                format!(
                    "unknown entity &{name}; (XML knows &lt; &gt; &amp; &apos; &quot; and &#…;)"
                ),
            ));
        }
        self.pos += 1 + end + 1;
        Ok(())
    }

    /// Character data up to the next markup, with checks for pasted attributes.
    fn text_run(&mut self, stack: &[Open<'a>], root_done: Option<&str>) -> Result<(), XmlError> {
        let at = self.pos;
        if stack.is_empty() {
            let what = match root_done {
                Some(root) => format!("text after the end of the root element </{root}>"),
                None => "text before the root element".to_string(),
            };
            return Err(self.err(at, what));
        }
        // `name="value"` (or with typographic quotes) as text: an attribute that ended up
        // outside its tag, typically after a '>' typed too early.
        let name = self.name();
        if !name.is_empty() {
            let save = self.pos;
            self.skip_ws();
            if self.peek() == Some('=') {
                self.pos += 1;
                self.skip_ws();
                if self
                    .peek()
                    .is_some_and(|q| q == '"' || q == '\'' || is_typo_quote(q))
                {
                    let parent = stack.last().map_or("", |o| o.name);
                    return Err(self.err(
                        at,
                        format!(
                            "attribute {name}= is outside a tag: move it inside <{parent} …> \
                             before the '>'"
                        ),
                    ));
                }
            }
            self.pos = save;
        }
        // Byte by byte: every character that matters here is ASCII, and no byte of a
        // multi-byte UTF-8 character is, so those bytes are simply stepped over.
        let bytes = self.text.as_bytes();
        while let Some(&b) = bytes.get(self.pos) {
            match b {
                b'<' => break,
                b'&' => self.entity()?,
                b if b < 0x20 && !is_ws(char::from(b)) => {
                    return Err(self.err(
                        self.pos,
                        format!("control character U+{:04X} is not allowed in XML", b),
                    ));
                }
                b']' if self.rest().starts_with("]]>") => {
                    return Err(self.err(self.pos, "']]>' is not allowed in text; write ]]&gt;"));
                }
                _ => self.pos += 1,
            }
        }
        Ok(())
    }
}

/// quick-xml's own reading, for anything the checker above lets through.
fn backstop(text: &str) -> Result<(), XmlError> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    loop {
        let before = reader.buffer_position() as usize;
        match reader.read_event() {
            Ok(Event::Eof) => return Ok(()),
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                for a in e.attributes().with_checks(true) {
                    if let Err(err) = a {
                        return Err(err_at(text, before, format!("malformed attribute: {err}")));
                    }
                }
            }
            Ok(_) => {}
            Err(e) => {
                let at = (reader.error_position() as usize).min(text.len());
                return Err(err_at(text, at, format!("not well-formed: {e}")));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_a_domain() {
        let x = "<?xml version='1.0'?>\n<!-- c -->\n<domain type='kvm'>\n  <name>a &amp; b</name>\n  <devices><disk type=\"file\" device='disk'/></devices>\n</domain>\n";
        assert_eq!(check(x), Ok(()));
    }

    #[test]
    fn typographic_quote_is_named_at_its_place() {
        let e = check("<domain>\n  <disk type=“file”/>\n</domain>").expect_err("bad");
        assert_eq!((e.line, e.col), (2, 14));
        assert!(e.message.contains("typographic quote"), "{e}");
    }

    #[test]
    fn non_ascii_names_and_text_are_read_whole() {
        let x = "<domaine><é x='ü'>ça « va »</é><b x='1'/><c x='2' y=\"3\"/></domaine>";
        assert_eq!(check(x), Ok(()));
        let e = check("<a>\n  çé ]]> x\n</a>").expect_err("]]> in text");
        assert_eq!((e.line, e.col), (2, 6));
        assert!(e.message.contains("]]&gt;"), "{e}");
        let e = check("<a>\n<b é='1' é='2'/></a>").expect_err("twice");
        assert_eq!((e.line, e.col), (2, 10));
        assert!(e.message.contains("appears twice"), "{e}");
    }

    #[test]
    fn line_col_counts_characters() {
        assert_eq!(line_col("ab\nc“d", 7), (2, 3));
    }
}
