//! The fuzzy command palette: every action available where the user is, plus domain
//! names, matched with `nucleo-matcher` (fzf-like scoring) as the user types.
//!
//! Wiring: the palette layer builds a [`Palette`] when it opens (from the focused view's
//! action descriptors and the visible domain names, payload = what to do on Enter), calls
//! [`Palette::filter`] on every keystroke, and [`Palette::highlights`] only for the rows it
//! draws. No UI types here: highlights are char indices into the label.

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str, Utf32String};

/// One row the user can pick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<P> {
    /// What is matched and drawn: "Start", "web-01".
    pub label: String,
    /// The key that does the same outside the palette ("s"), drawn at the right.
    pub key_hint: String,
    pub description: String,
    /// What the caller does when this row is chosen.
    pub payload: P,
}

impl<P> Entry<P> {
    pub fn new(
        label: impl Into<String>,
        key_hint: impl Into<String>,
        description: impl Into<String>,
        payload: P,
    ) -> Self {
        Self {
            label: label.into(),
            key_hint: key_hint.into(),
            description: description.into(),
            payload,
        }
    }
}

/// A matching row: its index in [`Palette::entries`] and its score (higher is better).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub index: usize,
    pub score: u32,
}

/// The entries plus the matcher state reused across keystrokes.
pub struct Palette<P> {
    entries: Vec<Entry<P>>,
    haystacks: Vec<Utf32String>,
    matcher: Matcher,
    pattern: Pattern,
    query: String,
}

impl<P> Palette<P> {
    pub fn new(entries: Vec<Entry<P>>) -> Self {
        // Labels are matched as text, so control characters from domain names are dropped
        // from the haystack (and can never be highlighted).
        let haystacks = entries
            .iter()
            .map(|e| Utf32String::from(e.label.as_str()))
            .collect();
        Self {
            entries,
            haystacks,
            matcher: Matcher::new(Config::DEFAULT),
            pattern: Pattern::default(),
            query: String::new(),
        }
    }

    pub fn entries(&self) -> &[Entry<P>] {
        &self.entries
    }

    pub fn entry(&self, hit: Hit) -> Option<&Entry<P>> {
        self.entries.get(hit.index)
    }

    fn set_query(&mut self, query: &str) {
        if query != self.query {
            self.pattern
                .reparse(query, CaseMatching::Smart, Normalization::Smart);
            self.query = query.to_string();
        }
    }

    /// Rows matching `query`, best first; equal scores keep the entries' order (so the
    /// caller decides what wins ties: actions before domains, say). An empty or blank
    /// query matches everything in order.
    pub fn filter(&mut self, query: &str) -> Vec<Hit> {
        self.set_query(query);
        let mut hits: Vec<Hit> = self
            .haystacks
            .iter()
            .enumerate()
            .filter_map(|(index, h)| {
                self.pattern
                    .score(h.slice(..), &mut self.matcher)
                    .map(|score| Hit { index, score })
            })
            .collect();
        // sort_by_key is stable: ties stay in entry order.
        hits.sort_by_key(|h| std::cmp::Reverse(h.score));
        hits
    }

    /// Char indices of `entries[index].label` that `query` matched, sorted, for drawing.
    pub fn highlights(&mut self, query: &str, index: usize) -> Vec<usize> {
        self.set_query(query);
        let Some(label) = self.entries.get(index).map(|e| e.label.as_str()) else {
            return Vec::new();
        };
        let mut buf = Vec::new();
        let mut idx = Vec::new();
        if self
            .pattern
            .indices(Utf32Str::new(label, &mut buf), &mut self.matcher, &mut idx)
            .is_none()
        {
            return Vec::new();
        }
        let mut out: Vec<usize> = idx.into_iter().map(|i| i as usize).collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq, Eq)]
    enum Pick {
        Action(&'static str),
        Domain(&'static str),
    }

    fn palette() -> Palette<Pick> {
        let mut e = vec![
            Entry::new("Start", "s", "start the domain", Pick::Action("start")),
            Entry::new(
                "Shutdown",
                "S",
                "ask the guest to shut down",
                Pick::Action("shutdown"),
            ),
            Entry::new(
                "Snapshot: take",
                "t",
                "take a snapshot",
                Pick::Action("snap"),
            ),
            Entry::new(
                "Force off",
                "D",
                "power off at once",
                Pick::Action("destroy"),
            ),
            Entry::new("Console", "c", "serial console", Pick::Action("console")),
        ];
        for d in ["web-01", "web-02", "db-primary", "staging-web"] {
            e.push(Entry::new(d, "", "domain", Pick::Domain(d)));
        }
        Palette::new(e)
    }

    fn labels(p: &Palette<Pick>, hits: &[Hit]) -> Vec<String> {
        hits.iter()
            .filter_map(|h| p.entry(*h).map(|e| e.label.clone()))
            .collect()
    }

    #[test]
    fn fuzzy_not_substring() {
        let mut p = palette();
        let hits = p.filter("sht");
        assert_eq!(
            labels(&p, &hits)[0],
            "Shutdown",
            "s-h-t spread out still matches"
        );
        let hits = p.filter("fof");
        assert_eq!(labels(&p, &hits), ["Force off"]);
        assert!(p.filter("zzz").is_empty());
    }

    #[test]
    fn best_match_first() {
        let mut p = palette();
        let hits = p.filter("web01");
        let l = labels(&p, &hits);
        assert_eq!(l[0], "web-01");
        assert!(!l.contains(&"db-primary".to_string()));
        let hits = p.filter("snap");
        assert_eq!(labels(&p, &hits)[0], "Snapshot: take");
        assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
    }

    #[test]
    fn empty_query_lists_everything_in_order_and_ties_are_stable() {
        let mut p = palette();
        let hits = p.filter("");
        assert_eq!(hits.len(), 9);
        assert!(hits.iter().enumerate().all(|(i, h)| h.index == i));
        // "web-0" scores web-01 and web-02 the same: their entry order is kept.
        let hits = p.filter("web-0");
        let l = labels(&p, &hits);
        assert_eq!(&l[..2], ["web-01", "web-02"]);
    }

    #[test]
    fn smart_case() {
        let mut p = palette();
        assert!(!p.filter("start").is_empty(), "lowercase matches any case");
        let hits = p.filter("S");
        let l = labels(&p, &hits);
        assert!(l.contains(&"Shutdown".to_string()));
        assert!(
            !l.contains(&"web-01".to_string()),
            "uppercase is case-sensitive"
        );
    }

    #[test]
    fn highlights_point_at_the_matched_chars() {
        let mut p = palette();
        let hits = p.filter("fof");
        let idx = p.highlights("fof", hits[0].index);
        let label: Vec<char> = "Force off".chars().collect();
        let picked: String = idx.iter().map(|&i| label[i]).collect();
        assert_eq!(picked.to_lowercase(), "fof");
        assert!(p.highlights("zzz", 0).is_empty());
        assert!(
            p.highlights("s", 999).is_empty(),
            "out of range is harmless"
        );
    }

    #[test]
    fn multibyte_labels_highlight_by_char() {
        let mut p = Palette::new(vec![Entry::new("vm-été-01", "", "", ())]);
        let hits = p.filter("ete01");
        assert_eq!(hits.len(), 1, "normalisation folds accents");
        let idx = p.highlights("ete01", 0);
        assert_eq!(idx, [3, 4, 5, 7, 8]);
    }
}
