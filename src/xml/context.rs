//! Where the cursor is, in XML terms: which element path, and whether it sits on an element
//! name, an attribute name, an attribute value or text. Tolerant of half-typed documents.

/// What the cursor is on, with the element path from the root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Context {
    /// Typing an element name after '<'; `path` is the parent's path.
    ElementName { path: Vec<String>, prefix: String },
    /// Between attributes inside the start tag of the element at `path`.
    AttributeName {
        path: Vec<String>,
        prefix: String,
        present: Vec<String>,
    },
    /// Inside the quotes of `attr` on the element at `path`.
    AttributeValue {
        path: Vec<String>,
        attr: String,
        prefix: String,
    },
    /// After `</` (and `prefix`, part of a name): closing the element at `path`.
    EndTag { path: Vec<String>, prefix: String },
    /// In the text content of the element at `path` (`prefix`: the word before the cursor).
    Content { path: Vec<String>, prefix: String },
    /// In a comment, a declaration or anything else without hints.
    Other,
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | ':' | '-' | '.')
}

/// The context at byte offset `cursor` of `text`.
pub fn at(text: &str, cursor: usize) -> Context {
    let mut cursor = cursor.min(text.len());
    while !text.is_char_boundary(cursor) {
        cursor -= 1;
    }
    let t = &text[..cursor];
    let mut stack: Vec<String> = Vec::new();
    let mut i = 0;
    while let Some(rel) = t[i..].find('<') {
        let lt = i + rel;
        let rest = &t[lt..];
        if rest.starts_with("<!--") {
            match rest.find("-->") {
                Some(e) => i = lt + e + 3,
                None => return Context::Other,
            }
            continue;
        }
        if rest.starts_with("<!") || rest.starts_with("<?") {
            match rest.find('>') {
                Some(e) => i = lt + e + 1,
                None => return Context::Other,
            }
            continue;
        }
        if let Some(close) = rest.strip_prefix("</") {
            let name: String = close.chars().take_while(|c| is_name_char(*c)).collect();
            if lt + 2 + name.len() == cursor {
                return Context::EndTag {
                    path: stack,
                    prefix: name,
                };
            }
            match rest.find('>') {
                Some(e) => {
                    if let Some(p) = stack.iter().rposition(|n| *n == name) {
                        stack.truncate(p);
                    }
                    i = lt + e + 1;
                }
                None => return Context::Other,
            }
            continue;
        }
        // A start tag: find its end outside quotes.
        let name: String = rest[1..].chars().take_while(|c| is_name_char(*c)).collect();
        let after_name = lt + 1 + name.len();
        if after_name == cursor {
            return Context::ElementName {
                path: stack,
                prefix: name,
            };
        }
        let mut quote: Option<char> = None;
        let mut end = None;
        for (j, c) in t[after_name..].char_indices() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '>') => {
                    end = Some(after_name + j);
                    break;
                }
                _ => {}
            }
        }
        match end {
            Some(e) => {
                if !t[..e].ends_with('/') {
                    stack.push(name);
                }
                i = e + 1;
            }
            None => {
                stack.push(name);
                return in_tag(&t[after_name..], stack);
            }
        }
    }
    let prefix: String = {
        let rev: String = t.chars().rev().take_while(|c| is_name_char(*c)).collect();
        rev.chars().rev().collect()
    };
    Context::Content {
        path: stack,
        prefix,
    }
}

/// Inside an unfinished start tag; `attrs` is the text after the element name.
fn in_tag(attrs: &str, path: Vec<String>) -> Context {
    let mut present = Vec::new();
    let mut name = String::new();
    let mut chars = attrs.char_indices().peekable();
    let mut last_name = String::new();
    while let Some((_, c)) = chars.next() {
        match c {
            '"' | '\'' => {
                let mut value = String::new();
                let mut closed = false;
                for (_, v) in chars.by_ref() {
                    if v == c {
                        closed = true;
                        break;
                    }
                    value.push(v);
                }
                if !closed {
                    return Context::AttributeValue {
                        path,
                        attr: last_name,
                        prefix: value,
                    };
                }
            }
            '=' => {
                if !name.is_empty() {
                    last_name = std::mem::take(&mut name);
                    present.push(last_name.clone());
                }
            }
            c if is_name_char(c) => name.push(c),
            _ => {
                if !name.is_empty() {
                    last_name = std::mem::take(&mut name);
                }
            }
        }
    }
    Context::AttributeName {
        path,
        prefix: name,
        present,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(s: &str) -> Context {
        at(s, s.len())
    }

    #[test]
    fn finds_each_kind_of_place() {
        assert_eq!(
            ctx("<domain><devices><di"),
            Context::ElementName {
                path: vec!["domain".into(), "devices".into()],
                prefix: "di".into()
            }
        );
        assert_eq!(
            ctx("<domain><devices><disk type='file' dev"),
            Context::AttributeName {
                path: vec!["domain".into(), "devices".into(), "disk".into()],
                prefix: "dev".into(),
                present: vec!["type".into()]
            }
        );
        assert_eq!(
            ctx("<domain><devices><disk type='file' device=\"cd"),
            Context::AttributeValue {
                path: vec!["domain".into(), "devices".into(), "disk".into()],
                attr: "device".into(),
                prefix: "cd".into()
            }
        );
        assert_eq!(
            ctx("<domain><!-- x --><os/><on_poweroff>de"),
            Context::Content {
                path: vec!["domain".into(), "on_poweroff".into()],
                prefix: "de".into()
            }
        );
        assert_eq!(ctx("<domain><!-- <disk "), Context::Other);
    }
}
