//! Start tags, end tags and attribute values.

use super::{Checker, Res, XmlError, chars, is_name_start};

impl<'a> Checker<'a> {
    /// Parses `<name attr="v" …>` or `…/>`; returns the name and whether it was empty.
    pub(super) fn start_tag(&mut self) -> Result<(&'a str, bool), XmlError> {
        let at = self.pos;
        self.pos += 1;
        let name = self.name()?;
        if name.is_empty() {
            let what = match self.peek() {
                Some(c) if c.is_whitespace() => "'<' followed by a space".to_string(),
                Some(c) => format!("'<' followed by '{}'", c.escape_debug()),
                None => "'<' at the end".to_string(),
            };
            return Err(self.err(
                self.pos,
                format!("{what} does not start a tag; write &lt; for a literal '<'"),
            ));
        }
        self.attrs.clear();
        self.skip_ws();
        loop {
            let here = self.pos;
            match self.peek() {
                Some('>') => {
                    self.pos += 1;
                    return Ok((name, false));
                }
                Some('/') if self.rest().starts_with("/>") => {
                    self.pos += 2;
                    return Ok((name, true));
                }
                None => {
                    return Err(self.err(
                        here,
                        format!(
                            "tag <{name} opened at {} is never closed (missing '>')",
                            self.pos_str(at)
                        ),
                    ));
                }
                Some(c) if c.is_ascii_control() && !c.is_ascii_whitespace() => {
                    return Err(self.forbidden(here, c, "tag"));
                }
                Some(c) => {
                    let attr = self.name()?;
                    if attr.is_empty() {
                        let message = match c {
                            '/' => format!("'/' in tag <{name}> must be followed by '>'"),
                            '<' => format!(
                                "tag <{name} opened at {} is missing its '>'",
                                self.pos_str(at)
                            ),
                            _ => format!(
                                "unexpected '{}' in tag <{name}>: expected an attribute, '>' \
                                 or '/>'",
                                c.escape_debug()
                            ),
                        };
                        return Err(self.err(here, message));
                    }
                    self.skip_ws();
                    if !self.eat("=") {
                        return Err(self.err(
                            self.pos,
                            format!(
                                "attribute {attr} in <{name}> has no value: write {attr}=\"…\""
                            ),
                        ));
                    }
                    self.skip_ws();
                    self.attr_value(name, attr)?;
                    if self.attrs.contains(&attr) {
                        // libxml2 reports it after the blanks that follow the value.
                        self.skip_ws();
                        return Err(self.err(
                            self.pos,
                            format!("attribute {attr} appears twice in <{name}>"),
                        ));
                    }
                    self.attrs.push(attr);
                    let end = self.rest().starts_with('>') || self.rest().starts_with("/>");
                    if !end && !self.skip_ws() {
                        let here = self.pos;
                        let message = match self.peek() {
                            None => format!(
                                "tag <{name} opened at {} is never closed (missing '>')",
                                self.pos_str(at)
                            ),
                            Some('<') => format!(
                                "tag <{name} opened at {} is missing its '>'",
                                self.pos_str(at)
                            ),
                            Some(c) if is_name_start(c) => {
                                let next = self.name().unwrap_or("");
                                format!("missing space before attribute {next} in <{name}>")
                            }
                            Some(c) => format!(
                                "unexpected '{}' after attribute {attr} in <{name}>: expected \
                                 a space, '>' or '/>'",
                                c.escape_debug()
                            ),
                        };
                        return Err(self.err(here, message));
                    }
                }
            }
        }
    }

    /// `</name>` closing the element `open` (whose tag starts at `open_at`).
    pub(super) fn end_tag(&mut self, open: &str, open_at: usize) -> Res {
        self.pos += 2;
        let name = self.name()?;
        self.skip_ws();
        if !self.eat(">") {
            return Err(self.err(
                self.pos,
                format!("closing tag </{name}> is missing its '>'"),
            ));
        }
        if name != open {
            let what = if name.is_empty() {
                "a closing tag without a name".to_string()
            } else {
                format!("closing tag </{name}>")
            };
            return Err(self.err(
                self.pos,
                format!(
                    "{what} does not match <{open}> opened at {}",
                    self.pos_str(open_at)
                ),
            ));
        }
        Ok(())
    }

    /// A quoted attribute value at the cursor.
    fn attr_value(&mut self, tag: &str, attr: &str) -> Res {
        let q = match self.peek() {
            Some(q @ ('"' | '\'')) => q as u8,
            Some('`') => {
                return Err(self.err(
                    self.pos,
                    format!("backtick used to quote attribute {attr}; use \" or '"),
                ));
            }
            _ => {
                return Err(self.err(
                    self.pos,
                    format!("value of attribute {attr} is not quoted: write {attr}=\"…\""),
                ));
            }
        };
        let opened = self.pos;
        self.pos += 1;
        let bytes = self.text.as_bytes();
        loop {
            let run = bytes[self.pos..]
                .iter()
                .position(|&b| b == q || b == b'<' || b == b'&')
                .map_or(bytes.len(), |i| self.pos + i);
            if let Some(i) = chars::first_forbidden(&bytes[self.pos..run]) {
                let at = self.pos + i;
                let c = self.text[at..].chars().next().unwrap_or('\0');
                return Err(self.forbidden(at, c, "attribute value"));
            }
            self.pos = run;
            match bytes.get(run) {
                None => {
                    return Err(self.err(
                        run,
                        format!(
                            "value of attribute {attr} in <{tag}> opened at {} is never closed \
                             (missing closing {})",
                            self.pos_str(opened),
                            char::from(q)
                        ),
                    ));
                }
                Some(b'<') => {
                    return Err(self.err(
                        run,
                        format!(
                            "'<' in the value of attribute {attr} opened at {}: a missing \
                             closing {} before it? (a literal '<' is written &lt;)",
                            self.pos_str(opened),
                            char::from(q)
                        ),
                    ));
                }
                Some(b'&') => self.reference(true)?,
                Some(_) => {
                    self.pos += 1;
                    return Ok(());
                }
            }
        }
    }
}
