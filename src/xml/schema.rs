//! The schema index: for an element path from the root (`domain/devices/disk`), which child
//! elements, attributes, attribute values and text values libvirt's RelaxNG schema allows.
//!
//! Names in libvirt's schema depend on context (`driver` under `disk` is not `driver` under
//! `interface`), so lookups resolve the whole path from the root, keeping every element
//! definition that matches each step.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::rng::{Grammar, NameClass, Pat, PatId};

/// Where libvirt installs its schemas.
pub const DEFAULT_SCHEMA: &str = "/usr/share/libvirt/schemas/domain.rng";

/// The folder of libvirt's installed schemas.
pub const SCHEMA_DIR: &str = "/usr/share/libvirt/schemas";

/// The libvirt objects the XML editor defines; each has its own schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectKind {
    Domain,
    Network,
    Pool,
}

impl ObjectKind {
    /// The root schema file libvirt validates this kind against.
    pub fn schema_file(self) -> &'static str {
        match self {
            ObjectKind::Domain => "domain.rng",
            ObjectKind::Network => "network.rng",
            ObjectKind::Pool => "storagepool.rng",
        }
    }

    pub fn schema_path(self) -> PathBuf {
        Path::new(SCHEMA_DIR).join(self.schema_file())
    }

    /// "domain", "network", "pool".
    pub fn noun(self) -> &'static str {
        match self {
            ObjectKind::Domain => "domain",
            ObjectKind::Network => "network",
            ObjectKind::Pool => "pool",
        }
    }
}

/// What one element definition allows.
#[derive(Debug, Default, Clone)]
struct ElementInfo {
    children: Vec<(NameClass, usize)>,
    attrs: BTreeMap<String, AttrInfo>,
    any_attr: bool,
    text_values: BTreeSet<String>,
    text_types: BTreeSet<String>,
    text: bool,
}

/// What one attribute allows.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct AttrInfo {
    /// Enumerated `<value>`s.
    pub values: BTreeSet<String>,
    /// `<data type=…>` names (free-form values of that type).
    pub types: BTreeSet<String>,
    /// Free text is allowed.
    pub text: bool,
}

/// The result of resolving an element path.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    /// The schema knows these element definitions at this path.
    Known(Vec<usize>),
    /// Under an `anyName` element (e.g. `<metadata>`): anything goes.
    Any,
    /// The path leaves the schema at `depth` (0-based index of the first unknown name).
    Unknown { depth: usize },
}

#[derive(Debug)]
pub struct SchemaIndex {
    elements: Vec<ElementInfo>,
    names: Vec<NameClass>,
    /// Root elements allowed by `<start>`.
    roots: Vec<(NameClass, usize)>,
    pub files: Vec<PathBuf>,
}

impl SchemaIndex {
    /// Builds the index from libvirt's installed `domain.rng`.
    pub fn load_default() -> Result<SchemaIndex, String> {
        Self::load(Path::new(DEFAULT_SCHEMA))
    }

    /// Builds the index from the installed schema of `kind` (`network.rng`, …).
    pub fn load_kind(kind: ObjectKind) -> Result<SchemaIndex, String> {
        Self::load(&kind.schema_path())
    }

    /// Builds the index from `root` and the files it includes.
    pub fn load(root: &Path) -> Result<SchemaIndex, String> {
        if !root.exists() {
            return Err(format!(
                "schema hints unavailable: {} is not installed (it comes with libvirt's \
                 daemon/common package); well-formedness checks still work",
                root.display()
            ));
        }
        let g = Grammar::load(root)?;
        Ok(Self::build(&g))
    }

    fn build(g: &Grammar) -> SchemaIndex {
        // Element patterns get dense ids in arena order.
        let mut elem_of_pat: HashMap<PatId, usize> = HashMap::new();
        let mut names = Vec::new();
        let mut contents = Vec::new();
        for (pid, p) in g.pats.iter().enumerate() {
            if let Pat::Element { name, content } = p {
                elem_of_pat.insert(pid, names.len());
                names.push(name.clone());
                contents.push(*content);
            }
        }
        let mut elements = Vec::with_capacity(names.len());
        for &content in &contents {
            let mut info = ElementInfo::default();
            let mut seen = HashSet::new();
            collect(g, content, &elem_of_pat, &mut info, &mut seen, None);
            elements.push(info);
        }
        let mut root = ElementInfo::default();
        if let Some(start) = g.start {
            collect(g, start, &elem_of_pat, &mut root, &mut HashSet::new(), None);
        }
        SchemaIndex {
            elements,
            names,
            roots: root.children,
            files: g.files.clone(),
        }
    }

    /// Number of element definitions (for the benchmark and sanity checks).
    pub fn len(&self) -> usize {
        self.elements.len()
    }

    pub fn is_empty(&self) -> bool {
        self.elements.is_empty()
    }

    /// Resolves an element path from the document root.
    pub fn resolve<S: AsRef<str>>(&self, path: &[S]) -> Resolved {
        let mut cur: Vec<usize> = Vec::new();
        for (depth, step) in path.iter().enumerate() {
            let step = step.as_ref();
            let candidates: &mut dyn Iterator<Item = &(NameClass, usize)> = if depth == 0 {
                &mut self.roots.iter()
            } else {
                &mut cur.iter().flat_map(|&e| self.elements[e].children.iter())
            };
            let mut next: Vec<usize> = Vec::new();
            let mut any = false;
            for (n, e) in candidates {
                if n.matches(step) {
                    any |= *n == NameClass::Any;
                    if !next.contains(e) {
                        next.push(*e);
                    }
                }
            }
            if next.is_empty() {
                return Resolved::Unknown { depth };
            }
            if any && next.iter().all(|&e| self.names[e] == NameClass::Any) {
                return Resolved::Any;
            }
            cur = next;
        }
        Resolved::Known(cur)
    }

    fn known<S: AsRef<str>>(&self, path: &[S]) -> Vec<&ElementInfo> {
        match self.resolve(path) {
            Resolved::Known(ids) => ids.into_iter().map(|e| &self.elements[e]).collect(),
            _ => Vec::new(),
        }
    }

    /// Child element names allowed under `path` (an empty path: the root elements).
    pub fn children<S: AsRef<str>>(&self, path: &[S]) -> Vec<String> {
        let mut out = BTreeSet::new();
        if path.is_empty() {
            out.extend(self.roots.iter().filter_map(|(n, _)| named(n)));
        }
        for info in self.known(path) {
            out.extend(info.children.iter().filter_map(|(n, _)| named(n)));
        }
        out.into_iter().collect()
    }

    /// Attribute names allowed on the element at `path`.
    pub fn attributes<S: AsRef<str>>(&self, path: &[S]) -> Vec<String> {
        let mut out = BTreeSet::new();
        for info in self.known(path) {
            out.extend(info.attrs.keys().cloned());
        }
        out.into_iter().collect()
    }

    /// What attribute `attr` of the element at `path` allows (merged over definitions).
    pub fn attribute<S: AsRef<str>>(&self, path: &[S], attr: &str) -> Option<AttrInfo> {
        let mut found: Option<AttrInfo> = None;
        for info in self.known(path) {
            if let Some(a) = info.attrs.get(attr) {
                let f = found.get_or_insert_with(AttrInfo::default);
                f.values.extend(a.values.iter().cloned());
                f.types.extend(a.types.iter().cloned());
                f.text |= a.text;
            }
        }
        found
    }

    /// Enumerated values of attribute `attr` at `path`.
    pub fn attr_values<S: AsRef<str>>(&self, path: &[S], attr: &str) -> Vec<String> {
        self.attribute(path, attr)
            .map(|a| a.values.into_iter().collect())
            .unwrap_or_default()
    }

    /// Enumerated text values of the element at `path` (`on_poweroff`: destroy, restart, …).
    pub fn text_values<S: AsRef<str>>(&self, path: &[S]) -> Vec<String> {
        let mut out = BTreeSet::new();
        for info in self.known(path) {
            out.extend(info.text_values.iter().cloned());
        }
        out.into_iter().collect()
    }

    /// `<data>` types of the element's text (e.g. "unsignedLong" for memory).
    pub fn text_types<S: AsRef<str>>(&self, path: &[S]) -> Vec<String> {
        let mut out = BTreeSet::new();
        for info in self.known(path) {
            out.extend(info.text_types.iter().cloned());
        }
        out.into_iter().collect()
    }

    /// Whether the element at `path` is empty in every definition the schema has for it
    /// (attributes only: no child elements, no text), so it is written `<name/>`.
    pub fn is_empty_element<S: AsRef<str>>(&self, path: &[S]) -> bool {
        match self.resolve(path) {
            Resolved::Known(ids) => ids.iter().all(|&e| {
                let i = &self.elements[e];
                i.children.is_empty()
                    && !i.text
                    && i.text_values.is_empty()
                    && i.text_types.is_empty()
            }),
            _ => false,
        }
    }

    /// Whether the element at `path` may carry attribute `attr` (namespace declarations
    /// and anything under an `anyName` element always may).
    pub fn allows_attribute<S: AsRef<str>>(&self, path: &[S], attr: &str) -> bool {
        self.allows_attribute_in(&self.resolve(path), attr)
    }

    /// [`Self::allows_attribute`] for a path already resolved.
    pub fn allows_attribute_in(&self, resolved: &Resolved, attr: &str) -> bool {
        if attr == "xmlns" || attr.starts_with("xmlns:") {
            return true;
        }
        match resolved {
            Resolved::Any | Resolved::Unknown { .. } => true,
            Resolved::Known(ids) => ids.iter().any(|&e| {
                let info = &self.elements[e];
                info.any_attr || info.attrs.contains_key(attr)
            }),
        }
    }
}

fn named(n: &NameClass) -> Option<String> {
    match n {
        NameClass::Name(s) => Some(s.clone()),
        NameClass::Any => None,
    }
}

/// Walks `pat` without entering child elements, recording what it allows into `info`.
/// `attr` is the attribute whose value is being collected, if any.
fn collect(
    g: &Grammar,
    pat: PatId,
    elems: &HashMap<PatId, usize>,
    info: &mut ElementInfo,
    seen: &mut HashSet<PatId>,
    attr: Option<&str>,
) {
    match &g.pats[pat] {
        Pat::Element { name, .. } => {
            if attr.is_none()
                && let Some(&e) = elems.get(&pat)
                && !info.children.iter().any(|(_, x)| *x == e)
            {
                info.children.push((name.clone(), e));
            }
        }
        Pat::Attribute { name, content } => match name {
            NameClass::Any => info.any_attr = true,
            NameClass::Name(n) => {
                info.attrs.entry(n.clone()).or_default();
                // Each attribute value is walked with its own cycle guard: a define seen in
                // element content may still hold this attribute's values.
                collect(g, *content, elems, info, &mut HashSet::new(), Some(n));
            }
        },
        Pat::Group(kids) | Pat::Choice(kids) => {
            for &k in kids {
                collect(g, k, elems, info, seen, attr);
            }
        }
        Pat::Ref(name) => {
            if let Some(&d) = g.defines.get(name)
                && seen.insert(d)
            {
                collect(g, d, elems, info, seen, attr);
            }
        }
        Pat::Value(v) => match attr.and_then(|a| info.attrs.get_mut(a)) {
            Some(a) => {
                a.values.insert(v.clone());
            }
            None => {
                info.text_values.insert(v.clone());
            }
        },
        Pat::Data(t) => match attr.and_then(|a| info.attrs.get_mut(a)) {
            Some(a) => {
                a.types.insert(t.clone());
            }
            None => {
                info.text_types.insert(t.clone());
            }
        },
        Pat::Text => match attr.and_then(|a| info.attrs.get_mut(a)) {
            Some(a) => a.text = true,
            None => info.text = true,
        },
        Pat::Empty => {}
    }
}
