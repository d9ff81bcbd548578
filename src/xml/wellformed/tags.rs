//! Start tags and attribute values: where pasted XML usually breaks (typographic or
//! missing quotes, attributes outside a tag).

use super::{Checker, XmlError, is_name_start, is_typo_quote, is_ws};

impl<'a> Checker<'a> {
    /// Parses `<name attr="v" …>` or `…/>`; returns the name and whether it was empty.
    pub(super) fn start_tag(&mut self) -> Result<(&'a str, bool), XmlError> {
        let at = self.pos;
        self.pos += 1;
        let name = self.name();
        if name.is_empty() {
            let what = match self.peek() {
                Some(c) if is_ws(c) => "'<' followed by a space".to_string(),
                Some(c) => format!("'<' followed by '{c}'"),
                None => "'<' at the end".to_string(),
            };
            return Err(self.err(
                at,
                format!("{what} does not start a tag; write &lt; for a literal '<'"),
            ));
        }
        self.attrs.clear();
        loop {
            let ws = self.skip_ws();
            let here = self.pos;
            match self.peek() {
                None => {
                    return Err(self.err(at, format!("tag <{name} is never closed (missing '>')")));
                }
                Some('>') => {
                    self.pos += 1;
                    return Ok((name, false));
                }
                Some('/') => {
                    if self.rest().starts_with("/>") {
                        self.pos += 2;
                        return Ok((name, true));
                    }
                    return Err(
                        self.err(here, format!("'/' in tag <{name}> must be followed by '>'"))
                    );
                }
                Some('<') => {
                    return Err(self.err(
                        here,
                        format!(
                            "tag <{name} opened at {} is missing its '>'",
                            self.pos_str(at)
                        ),
                    ));
                }
                Some(q) if is_typo_quote(q) => {
                    return Err(self.err(
                        here,
                        format!("stray typographic quote {q} in tag <{name}>; use straight quotes \" or '"),
                    ));
                }
                Some(c) if is_name_start(c) => {
                    if !ws {
                        return Err(self.err(
                            here,
                            format!(
                                "missing space before attribute {} in <{name}>",
                                self.peek_name()
                            ),
                        ));
                    }
                    let attr = self.name();
                    if self.attrs.contains(&attr) {
                        return Err(
                            self.err(here, format!("attribute {attr} appears twice in <{name}>"))
                        );
                    }
                    self.attrs.push(attr);
                    self.attr_value(name, attr)?;
                }
                Some(c) => {
                    return Err(self.err(
                        here,
                        format!(
                            "unexpected '{c}' in tag <{name}>: expected an attribute, '>' or '/>'"
                        ),
                    ));
                }
            }
        }
    }

    fn peek_name(&self) -> &'a str {
        let mut c = Checker {
            text: self.text,
            pos: self.pos,
            attrs: Vec::new(),
        };
        c.name()
    }

    /// After an attribute name: `= "value"`.
    fn attr_value(&mut self, tag: &str, attr: &str) -> Result<(), XmlError> {
        self.skip_ws();
        if self.peek() != Some('=') {
            return Err(self.err(
                self.pos,
                format!("attribute {attr} in <{tag}> has no value: write {attr}=\"…\""),
            ));
        }
        self.pos += 1;
        self.skip_ws();
        let qat = self.pos;
        match self.peek() {
            Some(q @ ('"' | '\'')) => {
                self.pos += 1;
                let start = self.pos;
                let body = self.rest();
                // The value ends at the quote, unless a '<' comes first (a missing quote).
                let first = body.bytes().position(|b| b == q as u8 || b == b'<');
                let close = first.filter(|&e| body.as_bytes()[e] != b'<');
                if let Some(end) = close {
                    let value = &body[..end];
                    // A typographic quote followed by a delimiter inside the value is the
                    // real end of the value, typed or pasted with the wrong character.
                    // Typographic quotes are never ASCII.
                    if !value.is_ascii() {
                        for (i, ch) in value.char_indices() {
                            let after = value[i + ch.len_utf8()..].chars().next();
                            if is_typo_quote(ch)
                                && after.is_none_or(|a| is_ws(a) || a == '/' || a == '>')
                            {
                                return Err(self.err(
                                    start + i,
                                    format!(
                                        "typographic quote {ch} used as attribute delimiter for {attr}; use {q}"
                                    ),
                                ));
                            }
                        }
                    }
                    if let Some(i) = value.find('&') {
                        self.pos = start + i;
                        while self.pos < start + end {
                            if self.peek() == Some('&') {
                                self.entity()?;
                            } else {
                                self.bump();
                            }
                        }
                    }
                    self.pos = start + end + 1;
                    return Ok(());
                }
                let stop = body.find('<');
                if let Some(i) = body[..stop.unwrap_or(body.len())].find(is_typo_quote) {
                    let ch = body[i..].chars().next().unwrap_or('”');
                    return Err(self.err(
                        start + i,
                        format!(
                            "typographic quote {ch} used as attribute delimiter for {attr}; use {q}"
                        ),
                    ));
                }
                Err(self.err(
                    qat,
                    format!(
                        "value of attribute {attr} in <{tag}> is never closed (missing closing {q})"
                    ),
                ))
            }
            Some(q) if is_typo_quote(q) => Err(self.err(
                qat,
                format!(
                    "typographic quote {q} used as attribute delimiter for {attr}; use \" or '"
                ),
            )),
            Some('`') => Err(self.err(
                qat,
                format!("backtick used to quote attribute {attr}; use \" or '"),
            )),
            None => Err(self.err(qat, format!("tag <{tag} is never closed (missing '>')"))),
            Some(_) => Err(self.err(
                qat,
                format!("value of attribute {attr} is not quoted: write {attr}=\"…\""),
            )),
        }
    }
}
