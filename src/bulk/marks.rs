//! Marked rows for bulk actions, keyed by id (never by row index), so sorting and filtering
//! cannot change what is marked.
//!
//! Wiring: each list view component owns a `Marks<DomainId>` (generic so the coming
//! `(host, uuid)` key drops in); Space toggles the selected row, the view passes its visible
//! ids in display order for invert/mark-all/status, and prunes on every list refresh.

use std::collections::HashSet;
use std::hash::Hash;

/// A set of marked ids.
#[derive(Debug, Clone)]
pub struct Marks<K> {
    set: HashSet<K>,
}

impl<K> Default for Marks<K> {
    fn default() -> Self {
        Self {
            set: HashSet::new(),
        }
    }
}

impl<K: Eq + Hash + Clone> Marks<K> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Marks or unmarks `id`; returns whether it is marked now.
    pub fn toggle(&mut self, id: &K) -> bool {
        if self.set.remove(id) {
            false
        } else {
            self.set.insert(id.clone());
            true
        }
    }

    pub fn is_marked(&self, id: &K) -> bool {
        self.set.contains(id)
    }

    /// Marks every visible row (marks hidden by the filter stay).
    pub fn mark_all<'a>(&mut self, visible: impl IntoIterator<Item = &'a K>)
    where
        K: 'a,
    {
        self.set.extend(visible.into_iter().cloned());
    }

    /// Flips each visible row; marks hidden by the filter are left alone.
    pub fn invert<'a>(&mut self, visible: impl IntoIterator<Item = &'a K>)
    where
        K: 'a,
    {
        for id in visible {
            self.toggle(id);
        }
    }

    pub fn clear(&mut self) {
        self.set.clear();
    }

    pub fn count(&self) -> usize {
        self.set.len()
    }

    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    /// How many marks are not among `visible` (hidden by the filter).
    pub fn hidden<'a>(&self, visible: impl IntoIterator<Item = &'a K>) -> usize
    where
        K: 'a,
    {
        let shown = visible
            .into_iter()
            .filter(|id| self.set.contains(id))
            .collect::<HashSet<_>>()
            .len();
        self.set.len() - shown
    }

    /// "3 marked", "13 marked, 2 hidden by the filter", or `None` when nothing is marked.
    pub fn status<'a>(&self, visible: impl IntoIterator<Item = &'a K>) -> Option<String>
    where
        K: 'a,
    {
        if self.set.is_empty() {
            return None;
        }
        let n = self.set.len();
        Some(match self.hidden(visible) {
            0 => format!("{n} marked"),
            m => format!("{n} marked, {m} hidden by the filter"),
        })
    }

    /// Drops marks whose id no longer exists (domain undefined elsewhere); returns how many.
    pub fn prune(&mut self, exists: impl Fn(&K) -> bool) -> usize {
        let before = self.set.len();
        self.set.retain(|id| exists(id));
        before - self.set.len()
    }

    /// The marked ids in `order` (display order), for a bulk action's target list.
    pub fn in_order<'a>(&self, order: impl IntoIterator<Item = &'a K>) -> Vec<K>
    where
        K: 'a,
    {
        order
            .into_iter()
            .filter(|id| self.set.contains(id))
            .cloned()
            .collect()
    }

    pub fn iter(&self) -> impl Iterator<Item = &K> {
        self.set.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stands in for the future (host, uuid) key: marks must work on composite ids.
    type Id = (&'static str, u32);

    fn ids(n: u32) -> Vec<Id> {
        (0..n).map(|i| ("h1", i)).collect()
    }

    #[test]
    fn toggle_marks_and_unmarks() {
        let mut m = Marks::new();
        assert!(m.toggle(&("h1", 1)));
        assert!(m.is_marked(&("h1", 1)));
        assert!(
            !m.is_marked(&("h2", 1)),
            "same uuid on another host is another row"
        );
        assert!(!m.toggle(&("h1", 1)));
        assert!(m.is_empty());
    }

    #[test]
    fn marks_survive_sorting_and_filtering() {
        let all = ids(6);
        let mut m = Marks::new();
        m.toggle(&all[1]);
        m.toggle(&all[4]);
        let mut sorted = all.clone();
        sorted.reverse();
        assert_eq!(m.in_order(&sorted), [all[4], all[1]]);
        let filtered = [all[0], all[1]];
        assert_eq!(
            m.status(&filtered).as_deref(),
            Some("2 marked, 1 hidden by the filter")
        );
        assert_eq!(m.status(&all).as_deref(), Some("2 marked"));
    }

    #[test]
    fn mark_all_and_invert_touch_only_visible_rows() {
        let all = ids(10);
        let mut m = Marks::new();
        m.toggle(&all[9]);
        let visible = &all[..4];
        m.mark_all(visible);
        assert_eq!(m.count(), 5);
        m.invert(visible);
        assert_eq!(m.count(), 1);
        assert!(m.is_marked(&all[9]), "the hidden mark stays");
        m.invert(&all[..2]);
        assert_eq!(m.in_order(&all), [all[0], all[1], all[9]]);
        assert_eq!(m.hidden(visible), 1);
        m.clear();
        assert_eq!(m.status(&all), None);
    }

    #[test]
    fn prune_drops_vanished_ids() {
        let all = ids(5);
        let mut m = Marks::new();
        m.mark_all(&all);
        let still: Vec<Id> = all.iter().copied().filter(|(_, i)| i % 2 == 0).collect();
        assert_eq!(m.prune(|id| still.contains(id)), 2);
        assert_eq!(m.in_order(&all), still);
    }
}
