//! The document's outline: prolog, the root element's content (iteratively, so deep
//! nesting cannot overflow the stack) and what may follow the root.

use super::{Checker, Res, XmlError, chars};

impl<'a> Checker<'a> {
    pub(super) fn document(&mut self) -> Res {
        // A byte-order mark (an editor or a Windows tool may leave one) is not content.
        if self.text.starts_with('\u{FEFF}') {
            self.pos = '\u{FEFF}'.len_utf8();
        }
        let decl = self.rest().starts_with("<?xml")
            && matches!(
                self.text.as_bytes().get(self.pos + 5),
                Some(b' ' | b'\t' | b'\n' | b'\r')
            );
        if decl {
            self.xml_decl()?;
        }
        self.misc(true)?;
        match self.peek() {
            None => {
                return Err(self.err(
                    self.pos,
                    "no root element: a domain definition starts with <domain type='…'>",
                ));
            }
            Some('<') => {}
            Some(_) => return Err(self.err(self.pos, "text before the root element")),
        }
        let root = self.element()?;
        self.misc(false)?;
        match self.peek() {
            None => Ok(()),
            Some('<') if self.rest()[1..].starts_with(|c: char| super::is_name_start(c)) => {
                Err(self.err(
                    self.pos,
                    format!(
                        "a second root element after </{root}>: an XML document has exactly \
                         one root element"
                    ),
                ))
            }
            Some('<') if self.rest()[1..].starts_with('/') => Err(self.err(
                self.pos,
                format!(
                    "closing tag has no matching opening tag: the root element </{root}> is \
                     already closed"
                ),
            )),
            Some(_) => Err(self.err(
                self.pos,
                format!("text after the end of the root element </{root}>"),
            )),
        }
    }

    /// Whitespace, comments and processing instructions (and, before the root, one
    /// DOCTYPE).
    fn misc(&mut self, prolog: bool) -> Res {
        let mut doctype = false;
        loop {
            self.skip_ws();
            let rest = self.rest();
            if rest.starts_with("<?") {
                self.pi()?;
            } else if rest.starts_with("<!--") {
                self.comment()?;
            } else if prolog && !doctype && rest.starts_with("<!DOCTYPE") {
                self.doctype()?;
                doctype = true;
            } else {
                return Ok(());
            }
        }
    }

    /// The root element and everything inside it; returns the root's name.
    fn element(&mut self) -> Result<&'a str, XmlError> {
        let mut stack: Vec<(&'a str, usize)> = Vec::new();
        let at = self.pos;
        let (root, empty) = self.start_tag()?;
        if empty {
            return Ok(root);
        }
        stack.push((root, at));
        loop {
            let bytes = self.text.as_bytes();
            match bytes.get(self.pos) {
                None => {
                    let (name, at) = stack.last().copied().unwrap_or((root, 0));
                    return Err(self.err(
                        self.pos,
                        format!(
                            "<{name}> opened at {} is never closed: add </{name}> (the document \
                             ends first)",
                            self.pos_str(at)
                        ),
                    ));
                }
                Some(b'<') => match bytes.get(self.pos + 1) {
                    Some(b'/') => {
                        let (name, at) = stack.pop().unwrap_or((root, 0));
                        self.end_tag(name, at)?;
                        if stack.is_empty() {
                            return Ok(root);
                        }
                    }
                    Some(b'?') => self.pi()?,
                    Some(b'!') => {
                        if self.rest().starts_with("<!--") {
                            self.comment()?;
                        } else if self.rest().starts_with("<![CDATA[") {
                            self.cdata()?;
                        } else {
                            return Err(self.err(
                                self.pos + 1,
                                "'<!' must start a comment <!-- … --> or a CDATA section \
                                 <![CDATA[ … ]]>",
                            ));
                        }
                    }
                    _ => {
                        let at = self.pos;
                        let (name, empty) = self.start_tag()?;
                        if !empty {
                            stack.push((name, at));
                        }
                    }
                },
                Some(b'&') => self.reference(false)?,
                Some(_) => {
                    if self.hints && self.pasted.is_none() {
                        let parent = stack.last().map_or(root, |&(n, _)| n);
                        self.pasted = super::hints::attribute_in_text(self.text, self.pos, parent);
                    }
                    self.text_run()?
                }
            }
        }
    }

    /// Character data up to the next markup or reference.
    fn text_run(&mut self) -> Res {
        let start = self.pos;
        let bytes = self.text.as_bytes();
        let end = bytes[start..]
            .iter()
            .position(|&b| b == b'<' || b == b'&')
            .map_or(bytes.len(), |i| start + i);
        let run = &bytes[start..end];
        let bad = chars::first_forbidden(run);
        let cdata_end = self.text[start..end].find("]]>");
        match (bad, cdata_end) {
            (Some(b), c) if c.is_none_or(|c| b < c) => {
                let ch = self.text[start + b..].chars().next().unwrap_or('\0');
                Err(self.forbidden(start + b, ch, "text"))
            }
            (_, Some(c)) => Err(self.err(start + c, "']]>' is not allowed in text; write ]]&gt;")),
            _ => {
                self.pos = end;
                Ok(())
            }
        }
    }

    pub(super) fn comment(&mut self) -> Res {
        let at = self.pos;
        self.pos += 4;
        let bytes = self.text.as_bytes();
        loop {
            let Some(i) = bytes[self.pos..].iter().position(|&b| b == b'-') else {
                self.check_chars(self.pos, self.text.len(), "comment")?;
                return Err(self.err(
                    self.text.len(),
                    format!(
                        "comment opened at {} is never closed (missing -->)",
                        self.pos_str(at)
                    ),
                ));
            };
            self.check_chars(self.pos, self.pos + i, "comment")?;
            self.pos += i;
            if self.rest().starts_with("-->") {
                self.pos += 3;
                return Ok(());
            }
            if self.rest().starts_with("--") {
                // Once a comment has shown a non-ASCII character, libxml2 reads it
                // character by character and notices the '--' one character later.
                let late = !self.text[at..self.pos].is_ascii();
                return Err(self.err(
                    self.pos + if late { 2 } else { 0 },
                    "'--' is not allowed inside a comment",
                ));
            }
            self.pos += 1;
        }
    }

    fn cdata(&mut self) -> Res {
        let at = self.pos;
        self.pos += "<![CDATA[".len();
        if !self.scan_to("]]>", "CDATA section")? {
            return Err(self.err(
                self.pos,
                format!(
                    "CDATA section opened at {} is never closed (missing ]]>)",
                    self.pos_str(at)
                ),
            ));
        }
        Ok(())
    }
}
