//! The domain list's view: filter, sort and selection (by UUID) over the store.

use std::cmp::Ordering;

use regex::Regex;

use crate::backend::{DomainId, RunState};
use crate::state::{DomainRow, Store};

/// Sortable columns, in display order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKey {
    Name,
    State,
    Id,
    Vcpus,
    Memory,
    Cpu,
    /// Disk read+write bytes/s.
    Disk,
    /// Net rx+tx bytes/s.
    Net,
    Autostart,
    Persistent,
    /// The guest's first address (running domains whose address libvirt knows).
    Ip,
    /// The host (in the fleet list: every host's domains together).
    Host,
}

impl SortKey {
    pub const ALL: [SortKey; 12] = [
        SortKey::Name,
        SortKey::State,
        SortKey::Id,
        SortKey::Vcpus,
        SortKey::Memory,
        SortKey::Cpu,
        SortKey::Disk,
        SortKey::Net,
        SortKey::Autostart,
        SortKey::Persistent,
        SortKey::Ip,
        SortKey::Host,
    ];

    fn index(self) -> usize {
        SortKey::ALL.iter().position(|k| *k == self).unwrap_or(0)
    }

    pub fn next(self) -> SortKey {
        SortKey::ALL[(self.index() + 1) % SortKey::ALL.len()]
    }

    pub fn prev(self) -> SortKey {
        SortKey::ALL[(self.index() + SortKey::ALL.len() - 1) % SortKey::ALL.len()]
    }
}

/// A parsed `/` filter: substring by default, `re:` for a regex, a leading `!` inverts.
#[derive(Clone, Debug, Default)]
pub enum Filter {
    #[default]
    All,
    Substring {
        needle: String,
        invert: bool,
    },
    Regex {
        re: Regex,
        invert: bool,
    },
    /// The regex did not compile; nothing is hidden and the error is shown.
    Invalid(String),
}

impl Filter {
    pub fn parse(text: &str) -> Filter {
        let (invert, rest) = match text.strip_prefix('!') {
            Some(r) => (true, r),
            None => (false, text),
        };
        if rest.is_empty() {
            return Filter::All;
        }
        if let Some(pattern) = rest.strip_prefix("re:") {
            return match regex::RegexBuilder::new(pattern)
                .case_insensitive(true)
                .size_limit(1 << 20)
                .build()
            {
                Ok(re) => Filter::Regex { re, invert },
                Err(e) => Filter::Invalid(e.to_string()),
            };
        }
        Filter::Substring {
            needle: rest.to_lowercase(),
            invert,
        }
    }

    /// The name, or one of a running domain's addresses (`10.0.0.`), matches.
    pub fn matches(&self, row: &DomainRow) -> bool {
        let addrs = || shown_addresses(row);
        match self {
            Filter::All | Filter::Invalid(_) => true,
            Filter::Substring { needle, invert } => {
                let hit = row.info.name.to_lowercase().contains(needle.as_str())
                    || addrs().any(|a| a.to_lowercase().contains(needle.as_str()));
                hit != *invert
            }
            Filter::Regex { re, invert } => {
                let hit = re.is_match(&row.info.name) || addrs().any(|a| re.is_match(a));
                hit != *invert
            }
        }
    }
}

/// A running domain's addresses without their `/prefix`, IPv4 first as libvirt listed
/// them; nothing for a stopped domain (what it had is no longer true).
pub fn shown_addresses(row: &DomainRow) -> impl Iterator<Item = &str> {
    let active = row.info.state.state.is_active();
    row.addresses
        .iter()
        .filter(move |_| active)
        .map(|a| a.split('/').next().unwrap_or(a))
}

/// The address a person would look for first: IPv4 before IPv6, link-local last (a
/// guest's interfaces are listed one after the other, each IPv4 first).
pub fn primary_address(row: &DomainRow) -> Option<&str> {
    use std::net::IpAddr;
    let rank = |a: &str| match a.parse::<IpAddr>() {
        Ok(IpAddr::V4(v)) if !v.is_link_local() => 0,
        Ok(IpAddr::V6(v)) if !v.is_unicast_link_local() => 1,
        Ok(_) => 2,
        Err(_) => 3,
    };
    shown_addresses(row).min_by_key(|a| rank(a))
}

/// The primary address as a sortable value; rows without one sort last.
fn first_ip(row: &DomainRow) -> Option<std::net::IpAddr> {
    primary_address(row).and_then(|a| a.parse().ok())
}

/// Order of states when sorting by state: the ones needing attention first.
fn state_rank(s: RunState) -> u8 {
    match s {
        RunState::Crashed => 0,
        RunState::Running | RunState::Blocked => 1,
        RunState::Paused | RunState::PmSuspended => 2,
        RunState::ShuttingDown => 3,
        RunState::ShutOff => 4,
        RunState::NoState | RunState::Unknown(_) => 5,
    }
}

fn compare(key: SortKey, a: &DomainRow, b: &DomainRow) -> Ordering {
    let (x, y) = (&a.info, &b.info);
    let primary = match key {
        SortKey::Name => Ordering::Equal,
        SortKey::State => state_rank(x.state.state).cmp(&state_rank(y.state.state)),
        // Domains without an id (shut off) sort after running ones.
        SortKey::Id => x
            .dom_id
            .unwrap_or(u32::MAX)
            .cmp(&y.dom_id.unwrap_or(u32::MAX)),
        SortKey::Vcpus => y.vcpus.cmp(&x.vcpus),
        SortKey::Memory => y.max_memory_kib.cmp(&x.max_memory_kib),
        SortKey::Cpu => b
            .cpu_pct
            .unwrap_or(-1.0)
            .total_cmp(&a.cpu_pct.unwrap_or(-1.0)),
        SortKey::Disk => b
            .disk_bps
            .unwrap_or(-1.0)
            .total_cmp(&a.disk_bps.unwrap_or(-1.0)),
        SortKey::Net => b
            .net_bps
            .unwrap_or(-1.0)
            .total_cmp(&a.net_bps.unwrap_or(-1.0)),
        SortKey::Autostart => y.autostart.cmp(&x.autostart),
        SortKey::Persistent => y.persistent.cmp(&x.persistent),
        SortKey::Ip => match (first_ip(a), first_ip(b)) {
            (Some(p), Some(q)) => p.cmp(&q),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        },
        SortKey::Host => x.id.host.cmp(&y.id.host),
    };
    primary
        .then_with(|| x.name.cmp(&y.name))
        .then_with(|| x.id.cmp(&y.id))
}

#[derive(Debug)]
pub struct ListView {
    pub sort: SortKey,
    pub reverse: bool,
    pub filter_text: String,
    filter: Filter,
    /// The visible domains in display order, rebuilt only when the store or the
    /// sort/filter changes (never per frame).
    rows: Vec<DomainId>,
    selected: Option<DomainId>,
    cursor: usize,
    /// First row shown; kept so the cursor stays in view.
    pub offset: usize,
    built_for: Option<(u64, u64)>,
    /// Only this host's domains; `None`: every host's (the fleet).
    host: Option<crate::backend::HostId>,
    /// Domains marked for a bulk action, by id: filtering and sorting leave them alone,
    /// a domain that disappears from the store loses its mark.
    pub marks: crate::bulk::Marks<DomainId>,
    /// Some running domain has an address to show (the IP column), found when the rows
    /// are rebuilt rather than on every frame.
    any_addresses: bool,
}

impl Default for ListView {
    fn default() -> Self {
        ListView {
            sort: SortKey::Name,
            reverse: false,
            filter_text: String::new(),
            filter: Filter::All,
            rows: Vec::new(),
            selected: None,
            cursor: 0,
            offset: 0,
            built_for: None,
            marks: crate::bulk::Marks::new(),
            host: None,
            any_addresses: false,
        }
    }
}

impl ListView {
    pub fn rows(&self) -> &[DomainId] {
        &self.rows
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn selected(&self) -> Option<&DomainId> {
        self.selected.as_ref()
    }

    /// Whether some running domain has an address libvirt knows (as of the last sync).
    pub fn any_addresses(&self) -> bool {
        self.any_addresses
    }

    pub fn filter(&self) -> &Filter {
        &self.filter
    }

    pub fn set_filter(&mut self, text: &str) {
        self.filter_text = text.to_string();
        self.filter = Filter::parse(text);
        self.built_for = None;
    }

    /// Shows one host's domains, or every host's (`None`, the fleet).
    pub fn set_host(&mut self, host: Option<crate::backend::HostId>) {
        self.host = host;
        self.built_for = None;
    }

    /// The host the list is limited to; `None` for the fleet.
    pub fn host(&self) -> Option<crate::backend::HostId> {
        self.host
    }

    pub fn set_sort(&mut self, key: SortKey, reverse: bool) {
        self.sort = key;
        self.reverse = reverse;
        self.built_for = None;
    }

    /// Rebuilds the row order if the store changed; keeps the selection on the same UUID,
    /// or on the same position when that domain disappeared.
    pub fn sync(&mut self, store: &Store) {
        let live = matches!(self.sort, SortKey::Cpu | SortKey::Disk | SortKey::Net);
        // Row order depends on the stats only when sorted by one of the live figures.
        let version = (
            store.version(),
            if live { store.stats_version() } else { 0 },
        );
        if self.built_for == Some(version) {
            return;
        }
        self.built_for = Some(version);
        if !self.marks.is_empty() {
            self.marks.prune(|id| store.get(id).is_some());
        }
        self.any_addresses = store.rows().any(|r| shown_addresses(r).next().is_some());
        let host = self.host;
        let mut rows: Vec<&DomainRow> = store
            .rows()
            .filter(|r| host.is_none_or(|h| r.info.id.host == h) && self.filter.matches(r))
            .collect();
        let key = self.sort;
        rows.sort_by(|a, b| compare(key, a, b));
        if self.reverse {
            rows.reverse();
        }
        self.rows = rows.into_iter().map(|r| r.info.id.clone()).collect();
        let found = self
            .selected
            .as_ref()
            .and_then(|id| self.rows.iter().position(|r| r == id));
        self.cursor = match found {
            Some(i) => i,
            None => self.cursor.min(self.rows.len().saturating_sub(1)),
        };
        self.selected = self.rows.get(self.cursor).cloned();
    }

    /// "3 marked" / "3 marked, 1 hidden by the filter", `None` without marks.
    pub fn marks_status(&self) -> Option<String> {
        self.marks.status(self.rows.iter())
    }

    /// How many marked domains the filter hides.
    pub fn marks_hidden(&self) -> usize {
        self.marks.hidden(self.rows.iter())
    }

    /// The marked domains: the visible ones in display order, then those the filter hides
    /// (by name), so a bulk action's report reads like the list.
    pub fn marked_in_order(&self, store: &Store) -> Vec<DomainId> {
        let mut out = self.marks.in_order(self.rows.iter());
        let shown: std::collections::HashSet<&DomainId> = out.iter().collect();
        let mut hidden: Vec<&DomainRow> = self
            .marks
            .iter()
            .filter(|id| !shown.contains(id))
            .filter_map(|id| store.get(id))
            .collect();
        hidden.sort_by(|a, b| a.info.name.cmp(&b.info.name));
        let hidden: Vec<DomainId> = hidden.into_iter().map(|r| r.info.id.clone()).collect();
        out.extend(hidden);
        out
    }

    /// Moves the cursor by `delta` rows (clamped).
    pub fn move_by(&mut self, delta: isize) {
        if self.rows.is_empty() {
            return;
        }
        let last = self.rows.len() - 1;
        let target = self.cursor.saturating_add_signed(delta).min(last);
        self.select_index(target);
    }

    pub fn select_index(&mut self, i: usize) {
        if let Some(id) = self.rows.get(i) {
            self.cursor = i;
            self.selected = Some(id.clone());
        }
    }

    pub fn select_last(&mut self) {
        self.select_index(self.rows.len().saturating_sub(1));
    }

    /// Adjusts `offset` so the cursor is visible in a window of `height` rows.
    pub fn scroll_into_view(&mut self, height: usize) {
        if height == 0 {
            return;
        }
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + height {
            self.offset = self.cursor + 1 - height;
        }
        let max_offset = self.rows.len().saturating_sub(height);
        self.offset = self.offset.min(max_offset);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::{BackendEvent, DomainInfo, DomainState, HostId};

    fn info(uuid: &str, name: &str, state: i32, vcpus: u32) -> DomainInfo {
        DomainInfo {
            id: DomainId::new(HostId::FIRST, uuid),
            name: name.into(),
            state: DomainState::from_raw(state, 0),
            dom_id: (state == 1).then_some(1),
            vcpus,
            memory_kib: 1024,
            max_memory_kib: 1024,
            cpu_time_ns: 0,
            autostart: false,
            persistent: true,
            managed_save: false,
        }
    }

    fn store() -> Store {
        let mut s = Store::default();
        s.apply(&BackendEvent::DomainList(
            HostId::FIRST,
            vec![
                info("1", "web-01", 1, 2),
                info("2", "db-primary", 5, 8),
                info("3", "web-02", 3, 4),
            ],
        ));
        s
    }

    fn names(v: &ListView, s: &Store) -> Vec<String> {
        v.rows()
            .iter()
            .filter_map(|id| s.get(id).map(|r| r.info.name.clone()))
            .collect()
    }

    #[test]
    fn sorts_filters_and_inverts() {
        let s = store();
        let mut v = ListView::default();
        v.sync(&s);
        assert_eq!(names(&v, &s), ["db-primary", "web-01", "web-02"]);
        v.set_sort(SortKey::Vcpus, false);
        v.sync(&s);
        assert_eq!(names(&v, &s), ["db-primary", "web-02", "web-01"]);
        v.set_sort(SortKey::State, false);
        v.sync(&s);
        assert_eq!(names(&v, &s), ["web-01", "web-02", "db-primary"]);
        v.set_filter("WEB");
        v.sync(&s);
        assert_eq!(names(&v, &s), ["web-01", "web-02"]);
        v.set_filter("!web");
        v.sync(&s);
        assert_eq!(names(&v, &s), ["db-primary"]);
        v.set_filter("re:^web-0[2-9]$");
        v.sync(&s);
        assert_eq!(names(&v, &s), ["web-02"]);
        v.set_filter("re:([");
        v.sync(&s);
        assert!(matches!(v.filter(), Filter::Invalid(_)));
        assert_eq!(v.rows().len(), 3);
    }

    #[test]
    fn selection_follows_the_domain_not_the_index() {
        let mut s = store();
        let mut v = ListView::default();
        v.sync(&s);
        v.select_index(2); // web-02
        s.apply(&BackendEvent::DomainUpdated(info("4", "aaa-new", 1, 1)));
        v.sync(&s);
        assert_eq!(v.selected(), Some(&DomainId::new(HostId::FIRST, "3")));
        assert_eq!(v.cursor(), 3);
        // When the selected domain goes away the cursor stays in place.
        s.apply(&BackendEvent::DomainRemoved(DomainId::new(
            HostId::FIRST,
            "3",
        )));
        v.sync(&s);
        assert_eq!(v.cursor(), 2);
        assert_eq!(v.selected(), Some(&DomainId::new(HostId::FIRST, "1")));
    }

    #[test]
    fn scrolling_keeps_the_cursor_visible() {
        let s = store();
        let mut v = ListView::default();
        v.sync(&s);
        v.select_last();
        v.scroll_into_view(2);
        assert_eq!(v.offset, 1);
        v.move_by(-10);
        v.scroll_into_view(2);
        assert_eq!((v.cursor(), v.offset), (0, 0));
    }
}
