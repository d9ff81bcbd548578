//! XML syntax colouring, line by line, carrying the lexer state across lines.

/// What the lexer is inside of at a line start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum State {
    #[default]
    Text,
    /// Inside a tag after its name.
    Tag,
    /// Inside a quoted attribute value.
    Value(char),
    Comment,
    /// `<?…?>`, `<!DOCTYPE…>` or CDATA.
    Decl,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Text,
    Punct,
    TagName,
    AttrName,
    Value,
    Comment,
    Entity,
    Decl,
}

/// Splits `line` into (byte start, byte end, kind) runs; returns them and the end state.
pub fn line(line: &str, mut st: State) -> (Vec<(usize, usize, Kind)>, State) {
    let mut out: Vec<(usize, usize, Kind)> = Vec::new();
    let mut push = |a: usize, b: usize, k: Kind| {
        if a < b {
            match out.last_mut() {
                Some(l) if l.2 == k && l.1 == a => l.1 = b,
                _ => out.push((a, b, k)),
            }
        }
    };
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let rest = &line[i..];
        match st {
            State::Comment => {
                let end = rest.find("-->").map_or(line.len(), |e| i + e + 3);
                push(i, end, Kind::Comment);
                if end < line.len() || rest.contains("-->") {
                    st = State::Text;
                }
                i = end;
            }
            State::Decl => {
                let end = rest.find('>').map_or(line.len(), |e| i + e + 1);
                push(i, end, Kind::Decl);
                if rest.contains('>') {
                    st = State::Text;
                }
                i = end;
            }
            State::Value(q) => {
                let end = rest.find(q).map_or(line.len(), |e| i + e + 1);
                push(i, end, Kind::Value);
                if rest.contains(q) {
                    st = State::Tag;
                }
                i = end;
            }
            State::Tag => {
                let c = bytes[i];
                match c {
                    b'>' => {
                        push(i, i + 1, Kind::Punct);
                        st = State::Text;
                        i += 1;
                    }
                    b'/' | b'=' => {
                        push(i, i + 1, Kind::Punct);
                        i += 1;
                    }
                    b'"' | b'\'' => {
                        push(i, i + 1, Kind::Value);
                        st = State::Value(c as char);
                        i += 1;
                    }
                    b' ' | b'\t' => {
                        push(i, i + 1, Kind::Text);
                        i += 1;
                    }
                    _ => {
                        let end = rest
                            .find([' ', '\t', '=', '>', '/', '"', '\''])
                            .map_or(line.len(), |e| i + e.max(1));
                        push(i, end, Kind::AttrName);
                        i = end;
                    }
                }
            }
            State::Text => {
                if rest.starts_with("<!--") {
                    st = State::Comment;
                    push(i, i + 4, Kind::Comment);
                    i += 4;
                } else if rest.starts_with("<!") || rest.starts_with("<?") {
                    st = State::Decl;
                } else if rest.starts_with('<') {
                    let close = usize::from(rest.starts_with("</"));
                    push(i, i + 1 + close, Kind::Punct);
                    i += 1 + close;
                    let name_len = line[i..]
                        .find([' ', '\t', '>', '/'])
                        .unwrap_or(line.len() - i);
                    push(i, i + name_len, Kind::TagName);
                    i += name_len;
                    st = State::Tag;
                } else if rest.starts_with('&') {
                    let end = rest.find(';').map_or(i + 1, |e| i + e + 1);
                    push(i, end, Kind::Entity);
                    i = end;
                } else {
                    let end = rest.find(['<', '&']).map_or(line.len(), |e| i + e.max(1));
                    push(i, end, Kind::Text);
                    i = end;
                }
            }
        }
    }
    (out, st)
}

/// The state at the start of every line of `lines`.
pub fn line_states(lines: &[String]) -> Vec<State> {
    let mut out = Vec::with_capacity(lines.len());
    let mut st = State::Text;
    for l in lines {
        out.push(st);
        st = line(l, st).1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_tags_attributes_values_and_comments() {
        let (runs, st) = line("<disk type='file'><!-- a", State::Text);
        let kinds: Vec<(&str, Kind)> = runs
            .iter()
            .map(|&(a, b, k)| (&"<disk type='file'><!-- a"[a..b], k))
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("<", Kind::Punct),
                ("disk", Kind::TagName),
                (" ", Kind::Text),
                ("type", Kind::AttrName),
                ("=", Kind::Punct),
                ("'file'", Kind::Value),
                (">", Kind::Punct),
                ("<!-- a", Kind::Comment),
            ]
        );
        assert_eq!(st, State::Comment);
    }
}
