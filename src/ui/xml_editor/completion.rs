//! Schema completion in the editor: the hints list for the cursor's place (elements,
//! attributes, values, end tags) and what accepting one inserts.

use super::{Popup, XmlEditor};
use crate::xml::context::{self, Context};

/// A completion popup.
#[derive(Clone, Debug, PartialEq)]
pub struct Completion {
    pub items: Vec<String>,
    pub selected: usize,
    /// A line above the items: what is being completed.
    pub title: String,
    kind: CompKind,
}

#[derive(Clone, Debug, PartialEq)]
enum CompKind {
    /// Replace the typed prefix (`len` characters before the cursor) with the item.
    Replace { len: usize },
    /// An attribute: insert `name=""` and put the cursor in the quotes.
    Attribute { len: usize },
    /// A child element of the element at `parent`: insert `<name>|</name>` (or `<name/>`
    /// when the schema says it is empty); `lt`: the '<' is already typed.
    Element {
        len: usize,
        parent: Vec<String>,
        lt: bool,
    },
    /// After `</`: insert the open element's name and '>'.
    EndTag { len: usize },
}

impl XmlEditor {
    /// Opens the completion popup for the cursor's place; false when nothing fits.
    pub fn complete(&mut self) -> bool {
        let Ok(schema) = self.schema.as_ref() else {
            if let Err(why) = self.schema.as_ref() {
                self.notice = Some(why.clone());
            }
            return false;
        };
        let text = self.buf.text();
        let ctx = context::at(&text, self.buf.offset(self.buf.cursor));
        let starts = |items: Vec<String>, p: &str| -> Vec<String> {
            items.into_iter().filter(|i| i.starts_with(p)).collect()
        };
        let (items, title, kind) = match &ctx {
            Context::ElementName { path, prefix } => (
                starts(schema.children(path), prefix),
                format!("elements in <{}>", path.last().map_or("", String::as_str)),
                CompKind::Element {
                    len: prefix.chars().count(),
                    parent: path.clone(),
                    lt: true,
                },
            ),
            Context::EndTag { path, prefix } => (
                path.last()
                    .filter(|n| n.starts_with(prefix.as_str()))
                    .cloned()
                    .into_iter()
                    .collect(),
                "close the open element".to_string(),
                CompKind::EndTag {
                    len: prefix.chars().count(),
                },
            ),
            Context::AttributeName {
                path,
                prefix,
                present,
            } => (
                starts(schema.attributes(path), prefix)
                    .into_iter()
                    .filter(|a| !present.contains(a))
                    .collect(),
                format!("attributes of <{}>", path.last().map_or("", String::as_str)),
                CompKind::Attribute {
                    len: prefix.chars().count(),
                },
            ),
            Context::AttributeValue { path, attr, prefix } => {
                let info = schema.attribute(path, attr);
                let values = starts(schema.attr_values(path, attr), prefix);
                if values.is_empty()
                    && let Some(i) = info.filter(|i| !i.types.is_empty())
                {
                    let types: Vec<&str> = i.types.iter().map(String::as_str).collect();
                    self.notice = Some(format!(
                        "{attr} takes a value of type {}",
                        types.join(" or ")
                    ));
                }
                (
                    values,
                    format!(
                        "values of {}@{attr}",
                        path.last().map_or("", String::as_str)
                    ),
                    CompKind::Replace {
                        len: prefix.chars().count(),
                    },
                )
            }
            Context::Content { path, prefix } => {
                let values = starts(schema.text_values(path), prefix);
                if values.is_empty() {
                    (
                        starts(schema.children(path), prefix),
                        format!("elements in <{}>", path.last().map_or("", String::as_str)),
                        CompKind::Element {
                            len: prefix.chars().count(),
                            parent: path.clone(),
                            lt: false,
                        },
                    )
                } else {
                    (
                        values,
                        format!("values of <{}>", path.last().map_or("", String::as_str)),
                        CompKind::Replace {
                            len: prefix.chars().count(),
                        },
                    )
                }
            }
            Context::Other => (Vec::new(), String::new(), CompKind::Replace { len: 0 }),
        };
        if items.is_empty() {
            self.popup = None;
            return false;
        }
        self.popup = Some(Popup::Completion(Completion {
            items,
            selected: 0,
            title,
            kind,
        }));
        true
    }

    /// Inserts the selected completion.
    pub(super) fn accept(&mut self, c: &Completion) {
        let Some(item) = c.items.get(c.selected) else {
            return;
        };
        let cur = self.buf.cursor;
        let mut attrs_next = false;
        let (len, text, back) = match &c.kind {
            CompKind::Replace { len } => (*len, item.clone(), 0),
            CompKind::Attribute { len } => {
                attrs_next = true;
                (*len, format!("{item}=\"\""), 1)
            }
            CompKind::Element { len, parent, lt } => {
                let lt = if *lt { "" } else { "<" };
                let mut path = parent.clone();
                path.push(item.clone());
                let empty = self
                    .schema
                    .as_ref()
                    .as_ref()
                    .is_ok_and(|s| s.is_empty_element(&path));
                if empty {
                    // The cursor before "/>", where its attributes go.
                    attrs_next = true;
                    (*len, format!("{lt}{item}/>"), 2)
                } else {
                    let close = format!("</{item}>");
                    let back = close.chars().count();
                    (*len, format!("{lt}{item}>{close}"), back)
                }
            }
            CompKind::EndTag { len } => (*len, format!("{item}>"), 0),
        };
        let from = (cur.0, cur.1.saturating_sub(len));
        self.buf.replace(from, cur, &text);
        if back > 0 {
            let c = self.buf.cursor;
            self.buf.move_to((c.0, c.1 - back), false);
        }
        if attrs_next {
            // Straight on to the values (or the empty element's attributes), if the schema
            // lists any.
            self.complete();
        }
    }
}
