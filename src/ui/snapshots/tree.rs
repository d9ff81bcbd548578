//! The snapshot tree: parent links to a depth-first order, children by creation time.

use std::collections::{HashMap, HashSet};

use crate::backend::snapshots::SnapshotInfo;

/// One visible line of the tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeRow {
    /// Index into the snapshot list the tree was built from.
    pub index: usize,
    pub depth: usize,
    pub has_children: bool,
    /// For each ancestor level, whether a later sibling follows (draws the `│` rails).
    pub rails: Vec<bool>,
    /// Last child of its parent (`└─` rather than `├─`).
    pub last: bool,
}

/// Children lists by parent name; a snapshot whose parent is missing counts as a root,
/// so nothing disappears when another client deletes a parent mid-listing.
pub struct Tree {
    roots: Vec<usize>,
    children: Vec<Vec<usize>>,
}

impl Tree {
    pub fn build(snaps: &[SnapshotInfo]) -> Tree {
        let by_name: HashMap<&str, usize> = snaps
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name.as_str(), i))
            .collect();
        let mut roots = Vec::new();
        let mut children = vec![Vec::new(); snaps.len()];
        for (i, s) in snaps.iter().enumerate() {
            match s.parent.as_deref().and_then(|p| by_name.get(p)) {
                Some(&p) if p != i => children[p].push(i),
                _ => roots.push(i),
            }
        }
        let order = |v: &mut Vec<usize>| {
            v.sort_by(|a, b| {
                (snaps[*a].created, &snaps[*a].name).cmp(&(snaps[*b].created, &snaps[*b].name))
            })
        };
        order(&mut roots);
        children.iter_mut().for_each(order);
        Tree { roots, children }
    }

    /// The visible rows, skipping the descendants of `collapsed` snapshots.
    pub fn rows(&self, snaps: &[SnapshotInfo], collapsed: &HashSet<String>) -> Vec<TreeRow> {
        let mut out = Vec::with_capacity(snaps.len());
        let mut seen = vec![false; snaps.len()];
        let n = self.roots.len();
        for (k, &r) in self.roots.iter().enumerate() {
            self.walk(r, k + 1 == n, snaps, collapsed, &mut seen, &mut out);
        }
        // Corrupt metadata (a parent cycle) leaves nodes unreachable: show them as roots.
        for i in 0..snaps.len() {
            if !seen[i] {
                self.walk(i, true, snaps, collapsed, &mut seen, &mut out);
            }
        }
        out
    }

    fn walk(
        &self,
        root: usize,
        root_last: bool,
        snaps: &[SnapshotInfo],
        collapsed: &HashSet<String>,
        seen: &mut [bool],
        out: &mut Vec<TreeRow>,
    ) {
        // Explicit stack: a 500-deep chain must not overflow anything.
        // Hidden entries (under a collapsed node) are only marked seen.
        let mut stack = vec![(root, 0, Vec::new(), root_last, false)];
        while let Some((i, depth, rails, last, hidden)) = stack.pop() {
            if std::mem::replace(&mut seen[i], true) {
                continue;
            }
            let kids = &self.children[i];
            if !hidden {
                out.push(TreeRow {
                    index: i,
                    depth,
                    has_children: !kids.is_empty(),
                    rails: rails.clone(),
                    last,
                });
            }
            let hide = hidden || collapsed.contains(&snaps[i].name);
            let mut child_rails = rails;
            if depth > 0 {
                child_rails.push(!last);
            }
            let m = kids.len();
            for (k, &c) in kids.iter().enumerate().rev() {
                stack.push((c, depth + 1, child_rails.clone(), k + 1 == m, hide));
            }
        }
    }

    /// Every descendant of `i` (what "delete with children" removes).
    pub fn descendants(&self, i: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut stack = self.children.get(i).cloned().unwrap_or_default();
        while let Some(c) = stack.pop() {
            if out.contains(&c) {
                continue;
            }
            out.push(c);
            stack.extend(self.children[c].iter().copied());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::snapshots::Location;

    fn snap(name: &str, parent: Option<&str>, created: i64) -> SnapshotInfo {
        SnapshotInfo {
            name: name.into(),
            parent: parent.map(Into::into),
            created,
            state: "shutoff".into(),
            description: String::new(),
            location: Location::Internal,
            memory: false,
            current: false,
            files: Vec::new(),
            xml: String::new(),
        }
    }

    fn names(snaps: &[SnapshotInfo], rows: &[TreeRow]) -> Vec<String> {
        rows.iter()
            .map(|r| format!("{}{}", "  ".repeat(r.depth), snaps[r.index].name))
            .collect()
    }

    #[test]
    fn children_follow_their_parent_in_creation_order() {
        // Listed out of order on purpose: libvirt's order is not creation order.
        let snaps = vec![
            snap("c", Some("a"), 30),
            snap("b", Some("a"), 20),
            snap("a", None, 10),
            snap("d", Some("b"), 40),
            snap("orphan", Some("gone"), 5),
        ];
        let tree = Tree::build(&snaps);
        let rows = tree.rows(&snaps, &HashSet::new());
        assert_eq!(names(&snaps, &rows), ["orphan", "a", "  b", "    d", "  c"]);
        let b = rows.iter().find(|r| snaps[r.index].name == "b").expect("b");
        assert!(b.has_children && !b.last);
        let mut collapsed = HashSet::new();
        collapsed.insert("a".to_string());
        assert_eq!(
            names(&snaps, &tree.rows(&snaps, &collapsed)),
            ["orphan", "a"]
        );
        let mut d = tree.descendants(2);
        d.sort();
        assert_eq!(d, vec![0, 1, 3]);
    }

    #[test]
    fn a_parent_cycle_does_not_hang() {
        let snaps = vec![snap("x", Some("y"), 1), snap("y", Some("x"), 2)];
        let tree = Tree::build(&snaps);
        let rows = tree.rows(&snaps, &HashSet::new());
        assert_eq!(rows.len(), 2, "both snapshots stay visible: {rows:?}");
    }
}
