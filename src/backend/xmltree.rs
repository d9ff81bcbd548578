//! A small element tree over quick-xml, enough to read libvirt's domain, network, node
//! device, pool and volume XML (nesting matters: `<backingStore>` chains) without a
//! hand-written state machine per document.

use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

/// One element: name, attributes in document order, children and its own text.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first child named `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The trimmed text of the child element `name`.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.trim())
    }

    /// Follows a `/`-separated path of child names.
    pub fn at(&self, path: &str) -> Option<&Element> {
        path.split('/')
            .filter(|p| !p.is_empty())
            .try_fold(self, |e, p| e.child(p))
    }

    /// The trimmed text of the element at `path`, if any.
    pub fn text_at(&self, path: &str) -> Option<String> {
        self.at(path)
            .map(|e| e.text.trim().to_string())
            .filter(|t| !t.is_empty())
    }

    /// Serialises the element back to XML (attributes in single quotes, children indented
    /// by nothing: libvirt does not care and the UI shows it as sent).
    pub fn to_xml(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, 0);
        out
    }

    fn write(&self, out: &mut String, indent: usize) {
        out.push_str(&" ".repeat(indent));
        out.push('<');
        out.push_str(&self.name);
        for (k, v) in &self.attrs {
            out.push_str(&format!(" {k}='{}'", esc(v)));
        }
        let text = self.text.trim();
        if self.children.is_empty() && text.is_empty() {
            out.push_str("/>\n");
            return;
        }
        out.push('>');
        if self.children.is_empty() {
            out.push_str(&esc(text));
        } else {
            out.push('\n');
            for c in &self.children {
                c.write(out, indent + 2);
            }
            out.push_str(&" ".repeat(indent));
        }
        out.push_str(&format!("</{}>\n", self.name));
    }

    /// Sets an attribute, replacing an existing one of that name.
    pub fn set_attr(&mut self, name: &str, value: &str) {
        match self.attrs.iter_mut().find(|(k, _)| k == name) {
            Some((_, v)) => *v = value.to_string(),
            None => self.attrs.push((name.to_string(), value.to_string())),
        }
    }

    /// An attribute of the element at `path`.
    pub fn attr_at(&self, path: &str, name: &str) -> Option<String> {
        self.at(path).and_then(|e| e.attr(name)).map(str::to_string)
    }
}

fn element_of(e: &BytesStart) -> Result<Element, String> {
    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
    let mut attrs = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|err| format!("bad attribute in <{name}>: {err}"))?;
        let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
        let value = a
            .unescape_value()
            .map_err(|err| format!("bad value of {key} in <{name}>: {err}"))?
            .into_owned();
        attrs.push((key, value));
    }
    Ok(Element {
        name,
        attrs,
        ..Element::default()
    })
}

/// Parses a whole document into its root element. Malformed XML is a message naming where.
pub fn parse(xml: &str) -> Result<Element, String> {
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let pos = reader.buffer_position();
        let ev = reader
            .read_event()
            .map_err(|e| format!("malformed XML at byte {pos}: {e}"))?;
        match ev {
            Event::Start(e) => stack.push(element_of(&e)?),
            Event::Empty(e) => {
                let el = element_of(&e)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None if root.is_none() => root = Some(el),
                    None => return Err("XML has more than one root element".into()),
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    let s = t
                        .decode()
                        .map_err(|e| format!("bad text at byte {pos}: {e}"))?;
                    // Whitespace-only text between elements is layout, not content.
                    if !s.trim().is_empty() {
                        top.text.push_str(&s);
                    }
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::GeneralRef(r) => {
                if let Some(top) = stack.last_mut() {
                    let name = String::from_utf8_lossy(&r).into_owned();
                    let ent = format!("&{name};");
                    top.text
                        .push_str(&quick_xml::escape::unescape(&ent).unwrap_or_default());
                }
            }
            Event::End(_) => {
                let Some(el) = stack.pop() else {
                    return Err(format!("unexpected end tag at byte {pos}"));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None if root.is_none() => root = Some(el),
                    None => return Err("XML has more than one root element".into()),
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err(format!("XML ends inside <{}>", stack[stack.len() - 1].name));
    }
    root.ok_or_else(|| "empty XML document".to_string())
}

/// Escapes a value for an XML attribute in single quotes (the fragments use `'`).
pub fn esc(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_nested_elements_attributes_and_text() {
        let r = parse("<a x='1'><b><c y='&lt;2'/>hi &amp; bye</b><b/></a>").expect("parse");
        assert_eq!(r.attr("x"), Some("1"));
        assert_eq!(r.children_named("b").count(), 2);
        assert_eq!(r.attr_at("b/c", "y").as_deref(), Some("<2"));
        assert_eq!(r.text_at("b").as_deref(), Some("hi & bye"));
    }

    #[test]
    fn serialises_back_to_equivalent_xml() {
        let r = parse("<a x=\"it's\"><b>t&amp;</b><c/></a>").expect("parse");
        let again = parse(&r.to_xml()).expect("reparse");
        assert_eq!(again, r);
    }

    #[test]
    fn child_text_is_trimmed_and_entities_resolved() {
        let x = parse("<a k='v&amp;w'><b>\n  1 &lt; 2\n</b><c/><c x='y'/></a>").expect("parses");
        assert_eq!(x.attr("k"), Some("v&w"));
        assert_eq!(x.child_text("b"), Some("1 < 2"));
        assert_eq!(x.children_named("c").count(), 2);
    }

    #[test]
    fn malformed_xml_is_a_message() {
        assert!(parse("<a><b></a>").is_err());
        assert!(parse("").is_err());
        assert!(parse("<a>").unwrap_err().contains("ends inside"));
    }
}
