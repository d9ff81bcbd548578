//! Flags elements and attributes libvirt's schema does not know, before anything is applied.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use std::collections::HashMap;

use super::schema::{Resolved, SchemaIndex};
use super::wellformed::line_col;

/// One unknown name, at a 1-based line and column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issue {
    pub line: usize,
    pub col: usize,
    pub message: String,
    /// Everything the schema allows in that place (elements, or attributes), in full.
    pub allowed: Vec<String>,
}

/// Unknown elements and attributes in a well-formed `text` (at most `limit` of them).
pub fn unknown_names(schema: &SchemaIndex, text: &str, limit: usize) -> Vec<Issue> {
    let mut out = Vec::new();
    // Resolving a path walks the schema from the root: once per distinct path (a domain
    // has thousands of elements but a few dozen paths).
    let mut resolved: HashMap<Vec<String>, Resolved> = HashMap::new();
    let mut reader = Reader::from_str(text);
    let mut path: Vec<String> = Vec::new();
    // Depth below which nothing is checked: inside an unknown or free-form element.
    let mut skip_from: Option<usize> = None;
    loop {
        let at = reader.buffer_position() as usize;
        let ev = match reader.read_event() {
            Ok(ev) => ev,
            Err(_) => break,
        };
        let (e, empty) = match ev {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(_) => {
                path.pop();
                if skip_from.is_some_and(|d| path.len() < d) {
                    skip_from = None;
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
        path.push(name.clone());
        if skip_from.is_none() {
            let r = resolved
                .entry(path.clone())
                .or_insert_with(|| schema.resolve(&path))
                .clone();
            check_element(schema, text, at, &path, &r, &e, &mut skip_from, &mut out);
        }
        if empty {
            path.pop();
            if skip_from.is_some_and(|d| path.len() < d) {
                skip_from = None;
            }
        }
        if out.len() >= limit {
            out.truncate(limit);
            break;
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn check_element(
    schema: &SchemaIndex,
    text: &str,
    at: usize,
    path: &[String],
    resolved: &Resolved,
    e: &BytesStart,
    skip_from: &mut Option<usize>,
    out: &mut Vec<Issue>,
) {
    // Prefixed names (qemu:commandline, test:runstate) are driver extensions in their own
    // namespaces, which libvirt's domain schema does not describe.
    if path.last().is_some_and(|n| n.contains(':')) {
        *skip_from = Some(path.len());
        return;
    }
    match resolved {
        &Resolved::Unknown { depth } => {
            let (line, col) = line_col(text, at);
            *skip_from = Some(path.len());
            if depth + 1 == path.len() {
                let parent = path.len().checked_sub(2).map(|i| path[i].as_str());
                let allowed = schema.children(&path[..path.len() - 1]);
                let message = match parent {
                    Some(p) => format!(
                        "unknown element <{}> inside <{p}>{}",
                        path[depth],
                        suggest(&allowed, &path[depth])
                    ),
                    None => format!(
                        "unknown root element <{}>{}",
                        path[depth],
                        suggest(&allowed, &path[depth])
                    ),
                };
                out.push(Issue {
                    line,
                    col,
                    message,
                    allowed,
                });
            }
        }
        Resolved::Any => *skip_from = Some(path.len()),
        Resolved::Known(_) => {
            for a in e.attributes().flatten() {
                let attr = String::from_utf8_lossy(a.key.as_ref()).into_owned();
                if !attr.contains(':') && !schema.allows_attribute_in(resolved, &attr) {
                    let (line, col) = line_col(text, at);
                    let allowed = schema.attributes(path);
                    out.push(Issue {
                        line,
                        col,
                        message: format!(
                            "unknown attribute {attr} on <{}>{}",
                            path[path.len() - 1],
                            suggest(&allowed, &attr)
                        ),
                        allowed,
                    });
                }
            }
        }
    }
}

/// ": did you mean X?" for a near name, else a short list of what is allowed.
fn suggest(allowed: &[String], got: &str) -> String {
    if let Some(near) = allowed.iter().find(|a| close(a, got)) {
        return format!(": did you mean {near}?");
    }
    if allowed.is_empty() {
        return ": nothing is allowed here".into();
    }
    let shown: Vec<&str> = allowed.iter().take(8).map(String::as_str).collect();
    let more = if allowed.len() > 8 { ", …" } else { "" };
    format!(" (allowed: {}{more})", shown.join(", "))
}

/// Same letters give or take one edit (typo distance ≤ 1), case-insensitively.
fn close(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (
        a.to_lowercase().chars().collect(),
        b.to_lowercase().chars().collect(),
    );
    if a == b {
        return true;
    }
    // Two neighbours swapped (dsik → disk).
    if a.len() == b.len() {
        let diff: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
        if diff.len() == 2
            && diff[1] == diff[0] + 1
            && a[diff[0]] == b[diff[1]]
            && a[diff[1]] == b[diff[0]]
        {
            return true;
        }
    }
    if a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let (mut i, mut j, mut edits) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        if a[i] == b[j] {
            i += 1;
            j += 1;
            continue;
        }
        edits += 1;
        if edits > 1 {
            return false;
        }
        match a.len().cmp(&b.len()) {
            std::cmp::Ordering::Greater => i += 1,
            std::cmp::Ordering::Less => j += 1,
            std::cmp::Ordering::Equal => {
                i += 1;
                j += 1;
            }
        }
    }
    edits + (a.len() - i) + (b.len() - j) <= 1
}
