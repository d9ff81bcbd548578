//! The XML declaration, processing instructions and the DOCTYPE with its internal subset
//! (entity declarations are recorded so that references to them are accepted).

use super::{Checker, Res, XmlError};

impl<'a> Checker<'a> {
    /// `<?xml version='1.0' encoding='…' standalone='…'?>` at the very start.
    pub(super) fn xml_decl(&mut self) -> Res {
        self.pos += 5;
        self.skip_ws();
        if !self.eat("version") {
            return Err(self.err(
                self.pos,
                "the XML declaration must start with version='1.0'",
            ));
        }
        self.version()?;
        let mut blank = self.skip_ws();
        if blank && self.eat("encoding") {
            let e = self.decl_value("encoding")?;
            if !e.starts_with(|c: char| c.is_ascii_alphabetic()) {
                return Err(self.err(
                    self.pos - 1 - e.len(),
                    "an encoding name starts with a letter: write encoding='UTF-8'",
                ));
            }
            // libxml2 asks iconv, which ignores case and punctuation in names: "utf_8" is
            // UTF-8. The editor holds UTF-8 text, so other encodings (that libxml2 may know)
            // would garble it: they are refused.
            let folded: String = e.chars().filter(char::is_ascii_alphanumeric).collect();
            if !folded.eq_ignore_ascii_case("UTF8") {
                return Err(self.err(
                    self.pos,
                    format!("encoding '{e}' is not supported here: write encoding='UTF-8'"),
                ));
            }
            blank = self.skip_ws();
        }
        if blank && self.eat("standalone") {
            let at = self.pos;
            let s = self.decl_value("standalone")?;
            if s != "yes" && s != "no" {
                let at = at + self.text[at..].find(['\'', '"']).map_or(0, |i| i + 1);
                return Err(self.err(at, "standalone must be 'yes' or 'no'"));
            }
            self.skip_ws();
        }
        if !self.eat("?>") {
            return Err(self.err(
                self.pos,
                "the XML declaration must end with ?> after version, encoding and standalone",
            ));
        }
        Ok(())
    }

    /// `= '1.0'`: a digit, a dot and digits (libxml2 accepts any 1.x, as XML 1.0 does).
    fn version(&mut self) -> Res {
        self.skip_ws();
        if !self.eat("=") {
            return Err(self.err(self.pos, "'=' expected after version"));
        }
        self.skip_ws();
        let Some(q @ ('"' | '\'')) = self.peek() else {
            return Err(self.err(self.pos, "the value of version must be quoted"));
        };
        self.pos += 1;
        let start = self.pos;
        let bytes = self.text.as_bytes();
        let shape = bytes.get(self.pos).is_some_and(u8::is_ascii_digit)
            && bytes.get(self.pos + 1) == Some(&b'.');
        if shape {
            self.pos += 2;
            while bytes.get(self.pos).is_some_and(u8::is_ascii_digit) {
                self.pos += 1;
            }
        } else if bytes.get(self.pos).is_some_and(u8::is_ascii_digit) {
            self.pos += 1;
        }
        if self.peek() != Some(q) {
            return Err(self.err(self.pos, "version must look like '1.0'"));
        }
        self.pos += 1;
        let v = &self.text[start..self.pos - 1];
        if !v.starts_with("1.") {
            return Err(self.err(
                self.pos,
                format!("XML version '{v}' is not supported: use 1.0"),
            ));
        }
        Ok(())
    }

    /// `= 'value'` after a pseudo-attribute of the XML declaration.
    fn decl_value(&mut self, what: &str) -> Result<&'a str, XmlError> {
        self.skip_ws();
        if !self.eat("=") {
            return Err(self.err(self.pos, format!("'=' expected after {what}")));
        }
        self.skip_ws();
        let Some(q @ ('"' | '\'')) = self.peek() else {
            return Err(self.err(self.pos, format!("the value of {what} must be quoted")));
        };
        self.pos += 1;
        let start = self.pos;
        let body = self.rest();
        let stop = body
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
            .unwrap_or(body.len());
        self.pos += stop;
        if self.peek() != Some(q) {
            return Err(self.err(
                self.pos,
                format!("the value of {what} is not closed by {q}"),
            ));
        }
        self.pos += 1;
        Ok(&self.text[start..start + stop])
    }

    /// `<?target data?>`.
    pub(super) fn pi(&mut self) -> Res {
        self.pos += 2;
        let target = self.name()?;
        if target.is_empty() {
            return Err(self.err(self.pos, "'<?' must be followed by a name, as in <?xml …?>"));
        }
        if target.eq_ignore_ascii_case("xml") {
            return Err(self.err(
                self.pos,
                "the XML declaration <?xml …?> must be the very first thing in the document",
            ));
        }
        if self.eat("?>") {
            return Ok(());
        }
        if !self.skip_ws() {
            return Err(self.err(
                self.pos,
                format!("a space must follow the name of <?{target}"),
            ));
        }
        if !self.scan_to("?>", "processing instruction")? {
            return Err(self.err(
                self.pos,
                "processing instruction is never closed (missing ?>)",
            ));
        }
        Ok(())
    }

    /// `<!DOCTYPE name ExternalID? [internal subset]? >`.
    pub(super) fn doctype(&mut self) -> Res {
        self.pos += "<!DOCTYPE".len();
        self.skip_ws();
        if self.name()?.is_empty() {
            return Err(self.err(
                self.pos,
                "<!DOCTYPE must be followed by the root element's name",
            ));
        }
        self.skip_ws();
        self.external_id()?;
        self.skip_ws();
        if self.eat("[") {
            self.internal_subset()?;
            self.skip_ws();
        }
        if !self.eat(">") {
            return Err(self.err(self.pos, "<!DOCTYPE is not closed properly (missing '>')"));
        }
        Ok(())
    }

    /// `SYSTEM 'uri'` or `PUBLIC 'id' 'uri'`, if present.
    fn external_id(&mut self) -> Res {
        let n = if self.eat("SYSTEM") {
            1
        } else if self.eat("PUBLIC") {
            2
        } else {
            return Ok(());
        };
        for _ in 0..n {
            if !self.skip_ws() {
                return Err(self.err(self.pos, "a space is needed before the quoted identifier"));
            }
            self.literal("identifier")?;
        }
        Ok(())
    }

    /// A quoted literal without references; returns its text.
    fn literal(&mut self, what: &str) -> Result<&'a str, XmlError> {
        let Some(q @ ('"' | '\'')) = self.peek() else {
            return Err(self.err(self.pos, format!("a quoted {what} is expected here")));
        };
        self.pos += 1;
        let start = self.pos;
        if !self.scan_to(if q == '"' { "\"" } else { "'" }, what)? {
            return Err(self.err(
                self.pos,
                format!("the {what} is never closed (missing {q})"),
            ));
        }
        Ok(&self.text[start..self.pos - 1])
    }

    /// Declarations up to the closing `]`.
    fn internal_subset(&mut self) -> Res {
        loop {
            self.skip_ws();
            let rest = self.rest();
            if self.eat("]") {
                return Ok(());
            } else if rest.starts_with("<!--") {
                self.comment()?;
            } else if rest.starts_with("<?") {
                self.pi()?;
            } else if rest.starts_with("<!ENTITY") {
                self.entity_decl()?;
            } else if ["<!ELEMENT", "<!ATTLIST", "<!NOTATION"]
                .iter()
                .any(|d| rest.starts_with(d))
            {
                self.other_decl()?;
            } else if rest.starts_with('%') {
                self.pos += 1;
                if self.name()?.is_empty() || !self.eat(";") {
                    return Err(self.err(self.pos, "parameter entity reference %name; expected"));
                }
            } else {
                return Err(self.err(
                    self.pos,
                    "the DOCTYPE's internal subset holds only declarations <!ENTITY …>, \
                     <!ELEMENT …>, <!ATTLIST …>, <!NOTATION …>, comments and ']'",
                ));
            }
        }
    }

    /// `<!ENTITY [%] name "value">` or with an external identifier.
    fn entity_decl(&mut self) -> Res {
        self.pos += "<!ENTITY".len();
        if !self.skip_ws() {
            return Err(self.err(self.pos, "a space is needed after <!ENTITY"));
        }
        let parameter = self.eat("%");
        if parameter && !self.skip_ws() {
            return Err(self.err(self.pos, "a space is needed after <!ENTITY %"));
        }
        let name = self.name()?;
        if name.is_empty() {
            return Err(self.err(self.pos, "<!ENTITY needs a name"));
        }
        if !self.skip_ws() {
            return Err(self.err(self.pos, "a space is needed after the entity's name"));
        }
        let mut value = None;
        if matches!(self.peek(), Some('"' | '\'')) {
            let start = self.pos + 1;
            self.entity_value()?;
            value = Some(&self.text[start..self.pos - 1]);
        } else if self.rest().starts_with("SYSTEM") || self.rest().starts_with("PUBLIC") {
            self.external_id()?;
            let blank = self.skip_ws();
            if blank && !parameter && self.eat("NDATA") {
                self.skip_ws();
                self.name()?;
            }
        } else {
            return Err(self.err(self.pos, format!("entity {name} needs a quoted value")));
        }
        self.skip_ws();
        if !self.eat(">") {
            return Err(self.err(self.pos, format!("<!ENTITY {name} is not closed by '>'")));
        }
        if !parameter {
            self.entities.entry(name).or_insert(value.unwrap_or(""));
        }
        Ok(())
    }

    /// A quoted entity value. libxml2 checks references in it once the value is read, so
    /// a malformed one is reported just after the closing quote.
    fn entity_value(&mut self) -> Res {
        let q = self.bump().unwrap_or('"');
        let mut bad: Option<String> = None;
        loop {
            match self.peek() {
                None => {
                    return Err(
                        self.err(self.pos, format!("entity value never closed (missing {q})"))
                    );
                }
                Some(c) if c == q => {
                    self.pos += 1;
                    return match bad {
                        Some(message) => Err(self.err(self.pos, message)),
                        None => Ok(()),
                    };
                }
                Some('&') if self.rest().starts_with("&#") => {
                    let amp = self.pos;
                    self.pos += 2;
                    if let Err(e) = self.char_ref(amp) {
                        bad.get_or_insert(e.message);
                        self.pos = amp + 2;
                    }
                }
                Some(c @ ('&' | '%')) => {
                    self.pos += 1;
                    let name = self.name()?;
                    if name.is_empty() || !self.rest().starts_with(';') {
                        bad.get_or_insert(format!(
                            "'{c}' in an entity value must start a reference {c}name;"
                        ));
                    }
                }
                Some(c) if !super::is_xml_char(c) => {
                    return Err(self.forbidden(self.pos, c, "entity value"));
                }
                Some(_) => {
                    self.bump();
                }
            }
        }
    }

    /// `<!ELEMENT …>`, `<!ATTLIST …>`, `<!NOTATION …>`: read to the '>' outside quotes.
    fn other_decl(&mut self) -> Res {
        let at = self.pos;
        self.pos += 2;
        loop {
            match self.peek() {
                None => return Err(self.err(at, "declaration is never closed (missing '>')")),
                Some('>') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some('"' | '\'') => {
                    self.literal("value")?;
                }
                Some(c) if !super::is_xml_char(c) => {
                    return Err(self.forbidden(self.pos, c, "declaration"));
                }
                Some(_) => {
                    self.bump();
                }
            }
        }
    }
}
