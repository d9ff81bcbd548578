//! Reads libvirt's RelaxNG schema files (XML syntax) into a pattern arena.
//!
//! Only what hints need is kept: element and attribute names, their nesting, enumerated
//! `<value>`s and `<data>` types. Occurrence (`optional`, `zeroOrMore`, …) and ordering
//! (`group`, `interleave`) do not change which names are allowed, so they all become `Group`.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

pub type PatId = usize;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NameClass {
    Name(String),
    /// `<anyName/>`: any element or attribute (libvirt's metadata and custom elements).
    Any,
}

impl NameClass {
    pub fn matches(&self, name: &str) -> bool {
        match self {
            NameClass::Name(n) => n == name,
            NameClass::Any => true,
        }
    }
}

#[derive(Clone, Debug)]
pub enum Pat {
    Element { name: NameClass, content: PatId },
    Attribute { name: NameClass, content: PatId },
    Group(Vec<PatId>),
    Choice(Vec<PatId>),
    Ref(String),
    Value(String),
    Data(String),
    Text,
    Empty,
}

/// Every pattern of a grammar and its named definitions.
#[derive(Debug, Default)]
pub struct Grammar {
    pub pats: Vec<Pat>,
    pub defines: HashMap<String, PatId>,
    pub start: Option<PatId>,
    /// The files read, in order (the root first).
    pub files: Vec<PathBuf>,
}

/// One open element of the schema file while it is being read.
struct Frame {
    tag: String,
    name: Option<NameClass>,
    /// `name` of a define/ref, `type` of a data, `combine` of a define.
    attr: Option<String>,
    combine: Option<String>,
    children: Vec<PatId>,
    text: String,
    /// Inside `<except>`/`<param>`/documentation: content is dropped.
    ignore: bool,
}

impl Grammar {
    /// Reads `root` and every file it includes (relative hrefs).
    pub fn load(root: &Path) -> Result<Grammar, String> {
        let mut g = Grammar::default();
        let mut seen = HashSet::new();
        g.read_file(root, true, &mut seen)?;
        Ok(g)
    }

    fn add(&mut self, p: Pat) -> PatId {
        self.pats.push(p);
        self.pats.len() - 1
    }

    fn read_file(
        &mut self,
        path: &Path,
        is_root: bool,
        seen: &mut HashSet<PathBuf>,
    ) -> Result<(), String> {
        if !seen.insert(path.to_path_buf()) {
            return Ok(());
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        self.files.push(path.to_path_buf());
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut reader = Reader::from_str(&text);
        reader.config_mut().trim_text(true);
        let mut stack: Vec<Frame> = Vec::new();
        loop {
            let ev = reader.read_event().map_err(|e| {
                format!(
                    "{}: malformed schema at byte {}: {e}",
                    path.display(),
                    reader.buffer_position()
                )
            })?;
            match ev {
                Event::Start(e) => stack.push(frame(&e, stack.last().is_some_and(|f| f.ignore))),
                Event::Empty(e) => {
                    let f = frame(&e, stack.last().is_some_and(|f| f.ignore));
                    self.close(f, &mut stack, &dir, is_root, seen)?;
                }
                Event::End(_) => {
                    if let Some(f) = stack.pop() {
                        self.close(f, &mut stack, &dir, is_root, seen)?;
                    }
                }
                Event::Text(t) => {
                    if let Some(f) = stack.last_mut() {
                        f.text.push_str(String::from_utf8_lossy(&t).trim());
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        Ok(())
    }

    /// Turns a finished frame into a pattern and hands it to its parent.
    fn close(
        &mut self,
        f: Frame,
        stack: &mut [Frame],
        dir: &Path,
        is_root: bool,
        seen: &mut HashSet<PathBuf>,
    ) -> Result<(), String> {
        if f.ignore {
            return Ok(());
        }
        let group = |g: &mut Grammar, kids: Vec<PatId>| match kids.len() {
            0 => g.add(Pat::Empty),
            1 => kids[0],
            _ => g.add(Pat::Group(kids)),
        };
        let pat = match f.tag.as_str() {
            "include" => {
                if let Some(href) = &f.attr {
                    self.read_file(&dir.join(href), false, seen)?;
                }
                return Ok(());
            }
            "define" => {
                let Some(name) = f.attr else { return Ok(()) };
                let body = group(self, f.children);
                let merged = match self.defines.get(&name) {
                    // Both `combine` kinds, and an override inside <include>, only widen
                    // the set of allowed names for hints: keep both.
                    Some(&old) => self.add(Pat::Choice(vec![old, body])),
                    None => body,
                };
                let _ = f.combine;
                self.defines.insert(name, merged);
                return Ok(());
            }
            "start" => {
                if is_root {
                    self.start = Some(group(self, f.children));
                }
                return Ok(());
            }
            "anyName" | "nsName" => {
                if let Some(p) = stack.last_mut() {
                    p.name = Some(NameClass::Any);
                }
                return Ok(());
            }
            "name" => {
                if let Some(p) = stack.last_mut() {
                    p.name = Some(NameClass::Name(f.text));
                }
                return Ok(());
            }
            "element" => {
                let content = group(self, f.children);
                Pat::Element {
                    name: f.name.unwrap_or(NameClass::Any),
                    content,
                }
            }
            "attribute" => {
                let content = if f.children.is_empty() {
                    self.add(Pat::Text)
                } else {
                    group(self, f.children)
                };
                Pat::Attribute {
                    name: f.name.unwrap_or(NameClass::Any),
                    content,
                }
            }
            "choice" => Pat::Choice(f.children),
            "ref" | "parentRef" => Pat::Ref(f.attr.unwrap_or_default()),
            "value" => Pat::Value(f.text),
            "data" => Pat::Data(f.attr.unwrap_or_else(|| "string".into())),
            "text" => Pat::Text,
            "empty" => Pat::Empty,
            // A pattern that matches nothing: an empty choice offers nothing.
            "notAllowed" => Pat::Choice(Vec::new()),
            "grammar" | "div" => {
                // Top-level containers: their defines were registered as they closed.
                if let Some(p) = stack.last_mut() {
                    p.children.extend(f.children);
                }
                return Ok(());
            }
            // group, interleave, optional, zeroOrMore, oneOrMore, mixed, list
            _ => Pat::Group(f.children),
        };
        let id = self.add(pat);
        if let Some(p) = stack.last_mut() {
            p.children.push(id);
        }
        Ok(())
    }
}

fn frame(e: &BytesStart, parent_ignored: bool) -> Frame {
    let tag = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
    let is_rng = !e.name().as_ref().contains(&b':');
    let mut name = None;
    let mut attr = None;
    let mut combine = None;
    for a in e.attributes().flatten() {
        let v = String::from_utf8_lossy(&a.value).trim().to_string();
        match a.key.as_ref() {
            b"name" if tag == "element" || tag == "attribute" => {
                // A prefixed name (xlink:href) is matched as written in documents.
                name = Some(NameClass::Name(v));
            }
            b"name" | b"href" | b"type" => attr = Some(v),
            b"combine" => combine = Some(v),
            _ => {}
        }
    }
    let ignore = parent_ignored || !is_rng || matches!(tag.as_str(), "except" | "param");
    Frame {
        tag,
        name,
        attr,
        combine,
        children: Vec::new(),
        text: String::new(),
        ignore,
    }
}
