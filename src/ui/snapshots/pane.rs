//! The Snapshots tab: the selected domain's snapshot tree with the current one marked,
//! expand/collapse, a details line, and the running job's progress.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use crate::backend::snapshots::SnapshotInfo;
use crate::backend::{DomainId, RequestId};
use crate::config::{Role, Theme};
use crate::ui::format::format_time;
use crate::ui::snapshots::dialogs::SnapDialog;
use crate::ui::snapshots::tree::{Tree, TreeRow};
use crate::ui::text::{escape, escape_spans, fit_spans, name_spans};

const SPINNER: [&str; 8] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧"];

/// A create / revert / delete running in the background.
#[derive(Clone, Debug)]
pub struct JobView {
    pub req: RequestId,
    pub id: DomainId,
    pub what: String,
    pub elapsed: Duration,
    pub percent: Option<u8>,
}

impl JobView {
    /// "⠙ snapshot x of web: 3.2s 41%".
    pub fn line(&self) -> String {
        let frame = SPINNER[(self.elapsed.as_millis() / 250) as usize % SPINNER.len()];
        let pct = self.percent.map_or(String::new(), |p| format!(" {p}%"));
        format!(
            "{frame} {}: {:.1}s{pct}",
            escape(&self.what),
            self.elapsed.as_secs_f64()
        )
    }
}

#[derive(Default)]
pub struct SnapshotPane {
    /// The domain the list belongs to (or is being read for).
    pub domain: Option<DomainId>,
    /// The list request whose reply is awaited; older replies are dropped.
    pub pending: Option<RequestId>,
    pub loaded: bool,
    pub error: Option<String>,
    snaps: Vec<SnapshotInfo>,
    tree: Option<Tree>,
    pub collapsed: HashSet<String>,
    /// The selected snapshot, by name (stable across refreshes).
    pub selected: Option<String>,
    /// Keys move the tree rather than the domain list.
    pub focused: bool,
    pub jobs: Vec<JobView>,
    /// The list needs re-reading (after a job, an event, a refresh).
    pub stale: bool,
    /// Revert dialogs by request, to ask again when libvirt wants the revert forced.
    pub reverts: HashMap<RequestId, SnapDialog>,
    /// A command line's `:revert DOMAIN NAME` / `:delete-snapshot DOMAIN NAME` waiting for
    /// that domain's list: once it arrives, NAME is selected and the action asks as usual.
    pub pick: Option<(DomainId, String, crate::action::Action)>,
    offset: usize,
    /// The tab was on show at the last sync: showing it again re-reads the list.
    pub was_visible: bool,
    /// When the list was last asked for: libvirt sends no snapshot events, so a visible
    /// tree is re-read every [`RELIST_EVERY`] to catch other clients' snapshots.
    pub listed_at: Option<std::time::Instant>,
}

/// How often a visible snapshot tree is re-read (one list call).
pub const RELIST_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

impl SnapshotPane {
    /// Forgets everything about the previous domain.
    pub fn switch_to(&mut self, id: Option<DomainId>) {
        let jobs = std::mem::take(&mut self.jobs);
        let reverts = std::mem::take(&mut self.reverts);
        let focused = self.focused;
        let pick = self.pick.take();
        let was_visible = self.was_visible;
        *self = SnapshotPane {
            domain: id,
            jobs,
            reverts,
            focused,
            pick,
            was_visible,
            ..SnapshotPane::default()
        };
    }

    pub fn set_list(&mut self, snaps: Vec<SnapshotInfo>) {
        let old_current = self
            .snaps
            .iter()
            .find(|s| s.current)
            .map(|s| s.name.clone());
        let new_current = snaps.iter().find(|s| s.current).map(|s| s.name.clone());
        if self.loaded && new_current.is_some() && new_current != old_current {
            // A new snapshot or a revert: follow the marker.
            self.selected = new_current;
        }
        self.tree = Some(Tree::build(&snaps));
        self.snaps = snaps;
        self.loaded = true;
        self.error = None;
        let still_there = self
            .selected
            .as_ref()
            .is_some_and(|n| self.snaps.iter().any(|s| &s.name == n));
        if !still_there {
            // Start on the current snapshot: the one a user most likely acts on.
            self.selected = self
                .snaps
                .iter()
                .find(|s| s.current)
                .or_else(|| self.rows().first().map(|r| &self.snaps[r.index]))
                .map(|s| s.name.clone());
        }
    }

    pub fn snapshots(&self) -> &[SnapshotInfo] {
        &self.snaps
    }

    pub fn rows(&self) -> Vec<TreeRow> {
        self.tree
            .as_ref()
            .map_or_else(Vec::new, |t| t.rows(&self.snaps, &self.collapsed))
    }

    pub fn selected_info(&self) -> Option<&SnapshotInfo> {
        let name = self.selected.as_ref()?;
        self.snaps.iter().find(|s| &s.name == name)
    }

    /// Names of every descendant of `name`.
    pub fn descendants(&self, name: &str) -> Vec<String> {
        let (Some(tree), Some(i)) = (&self.tree, self.snaps.iter().position(|s| s.name == name))
        else {
            return Vec::new();
        };
        tree.descendants(i)
            .into_iter()
            .map(|c| self.snaps[c].name.clone())
            .collect()
    }

    fn selected_row(&self, rows: &[TreeRow]) -> Option<usize> {
        let name = self.selected.as_ref()?;
        rows.iter().position(|r| &self.snaps[r.index].name == name)
    }

    pub fn move_by(&mut self, delta: isize) {
        let rows = self.rows();
        if rows.is_empty() {
            return;
        }
        let cur = self.selected_row(&rows).unwrap_or(0) as isize;
        let next = (cur + delta).clamp(0, rows.len() as isize - 1) as usize;
        self.selected = Some(self.snaps[rows[next].index].name.clone());
    }

    /// Selects the tree row drawn on line `line` of the pane (0 = the header line), as
    /// last drawn; false when that line holds no snapshot.
    pub fn select_line(&mut self, line: usize) -> bool {
        let Some(k) = line.checked_sub(1).map(|l| l + self.offset) else {
            return false;
        };
        let rows = self.rows();
        match rows.get(k) {
            Some(r) => {
                self.selected = Some(self.snaps[r.index].name.clone());
                true
            }
            None => false,
        }
    }

    pub fn select_edge(&mut self, last: bool) {
        let rows = self.rows();
        let row = if last { rows.last() } else { rows.first() };
        if let Some(r) = row {
            self.selected = Some(self.snaps[r.index].name.clone());
        }
    }

    /// Expands or collapses the selected snapshot's subtree.
    pub fn toggle(&mut self) {
        if let Some(name) = self.selected.clone()
            && !self.collapsed.remove(&name)
            && !self.descendants(&name).is_empty()
        {
            self.collapsed.insert(name);
        }
    }

    pub fn render(&mut self, f: &mut Frame, area: Rect, theme: &Theme) {
        let lines = self.lines(area.width as usize, area.height as usize, theme);
        f.render_widget(Paragraph::new(lines), area);
    }

    /// The pane's text for a `width`×`height` area.
    pub fn lines(&mut self, width: usize, height: usize, theme: &Theme) -> Vec<Line<'static>> {
        let dim = theme.style(Role::Dim);
        let mut out = Vec::new();
        let mut head = Vec::new();
        if let Some(e) = &self.error {
            head.push(Span::styled(
                " cannot list snapshots: ",
                theme.style(Role::Error),
            ));
            head.extend(escape_spans(
                e,
                theme.style(Role::Error),
                theme.style(Role::Escaped),
            ));
        } else if !self.loaded {
            head.push(Span::styled(" reading snapshots…", dim));
        } else {
            let current = self.snaps.iter().find(|s| s.current);
            head.push(Span::styled(
                format!(
                    " {}",
                    crate::ui::format::count(self.snaps.len() as u64, "snapshot")
                ),
                theme.style(Role::Header),
            ));
            if let Some(c) = current {
                head.push(Span::styled("  current: ", dim));
                head.extend(escape_spans(
                    &c.name,
                    theme.style(Role::Base),
                    theme.style(Role::Escaped),
                ));
            }
        }
        for job in self
            .jobs
            .iter()
            .filter(|j| Some(&j.id) == self.domain.as_ref())
        {
            head.push(Span::styled(
                format!("  {}", job.line()),
                theme.style(Role::Info),
            ));
        }
        out.push(Line::from(fit_spans(head, width)));
        if self.loaded && self.snaps.is_empty() && self.error.is_none() {
            out.push(Line::from(Span::styled(" no snapshots yet", dim)));
            return out;
        }
        let rows = self.rows();
        // Header line, then tree rows, then one details line when there is room.
        let details = height >= 6;
        let body = height.saturating_sub(1 + usize::from(details));
        let sel = self.selected_row(&rows);
        if let Some(s) = sel {
            if s < self.offset {
                self.offset = s;
            } else if body > 0 && s >= self.offset + body {
                self.offset = s + 1 - body;
            }
        }
        self.offset = self.offset.min(rows.len().saturating_sub(body));
        for (k, row) in rows.iter().enumerate().skip(self.offset).take(body) {
            out.push(self.row_line(row, Some(k) == sel, width, theme));
        }
        if details {
            while out.len() < height - 1 {
                out.push(Line::from(""));
            }
            if let Some(s) = self.selected_info() {
                let mut spans = vec![Span::styled(" ", dim)];
                let desc = if s.description.is_empty() {
                    "(no description)"
                } else {
                    &s.description
                };
                spans.extend(escape_spans(
                    desc,
                    theme.style(Role::Base),
                    theme.style(Role::Escaped),
                ));
                if !s.files.is_empty() {
                    spans.push(Span::styled(
                        format!("  files: {}", escape(&s.files.join(", "))),
                        dim,
                    ));
                }
                out.push(Line::from(fit_spans(spans, width)));
            }
        }
        out
    }

    fn row_line(
        &self,
        row: &TreeRow,
        selected: bool,
        width: usize,
        theme: &Theme,
    ) -> Line<'static> {
        let s = &self.snaps[row.index];
        let base = if selected && self.focused {
            theme.style(Role::Selected)
        } else {
            theme.style(Role::Base)
        };
        let dim = if selected && self.focused {
            base
        } else {
            theme.style(Role::Dim)
        };
        let mut tree = String::from(if s.current { " ● " } else { "   " });
        for rail in &row.rails {
            tree.push_str(if *rail { "│ " } else { "  " });
        }
        if row.depth > 0 {
            tree.push_str(if row.last { "└─" } else { "├─" });
        }
        if row.has_children {
            tree.push(if self.collapsed.contains(&s.name) {
                '▸'
            } else {
                '▾'
            });
        } else if row.depth > 0 {
            tree.push('─');
        }
        let kind = format!(
            "{}{}",
            s.location.label(),
            if s.memory { "+mem" } else { "" }
        );
        // Fixed-width columns so they line up whatever the row; the current snapshot is
        // marked by the ● in the tree column (plain text, so it survives NO_COLOR).
        // Names come first: when the longest one (a safety snapshot's
        // `<domain>-<stamp>-before-revert`) would be cut, the kind and then the state
        // column give way (the details line below the tree still has them).
        let longest = self.snaps.iter().map(|s| s.name.width()).max().unwrap_or(0);
        let time = format_time(s.created);
        let cols = [
            format!(" {time}  {:<13} {:<12}", s.state, kind),
            format!(" {time}  {:<13}", s.state),
            format!(" {time}"),
        ]
        .into_iter()
        .find(|c| tree.width() + longest + c.width() + 2 <= width)
        .unwrap_or_else(|| format!(" {time}"));
        // External snapshots are marked at every width (a delete leaves files behind).
        let mark = match s.location {
            crate::backend::snapshots::Location::External => " [ext]",
            crate::backend::snapshots::Location::Mixed => " [ext+int]",
            _ => "",
        };
        // One column of the name area stays blank before the time.
        let name_w = width
            .saturating_sub(tree.width() + cols.width() + 2 + mark.width())
            .max(8);
        let mut name = fit_spans(
            name_spans(&s.name, base, theme.style(Role::Escaped)),
            name_w,
        );
        if !mark.is_empty() {
            name.push(Span::styled(mark, theme.style(Role::Info)));
        }
        let used: usize = name.iter().map(|sp| sp.content.width()).sum::<usize>() - mark.width();
        let marker = if s.current {
            theme.style(Role::Running)
        } else {
            dim
        };
        let mut spans = vec![Span::styled(tree, marker), Span::styled(" ", base)];
        spans.extend(name);
        spans.push(Span::styled(
            " ".repeat(name_w - used.min(name_w) + 1),
            base,
        ));
        spans.push(Span::styled(cols, dim));
        Line::from(fit_spans(spans, width))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::snapshots::Location;

    fn snap(name: &str, parent: Option<&str>, current: bool) -> SnapshotInfo {
        SnapshotInfo {
            name: name.into(),
            parent: parent.map(Into::into),
            created: 1_700_000_000,
            state: "running".into(),
            description: "d".into(),
            location: Location::Internal,
            memory: true,
            current,
            files: Vec::new(),
            xml: String::new(),
        }
    }

    fn text(pane: &mut SnapshotPane, w: usize) -> Vec<String> {
        let theme = Theme::load("default", None, true).expect("theme");
        pane.lines(w, 8, &theme)
            .into_iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn names_from_other_clients_cannot_reach_the_terminal_raw() {
        let mut pane = SnapshotPane::default();
        pane.set_list(vec![snap("evil\u{1b}[2Jname", None, true)]);
        let lines = text(&mut pane, 100);
        assert!(lines.iter().all(|l| !l.contains('\u{1b}')), "{lines:?}");
        assert!(lines[1].contains("evil\\x1b[2Jname"), "{lines:?}");
        assert!(lines[1].starts_with(" ● ") && lines[1].contains("internal+mem"));
    }

    #[test]
    fn the_selection_follows_a_new_current_snapshot_and_rows_fit_the_width() {
        let mut pane = SnapshotPane::default();
        pane.set_list(vec![snap("a", None, true)]);
        pane.set_list(vec![snap("a", None, false), snap("b", Some("a"), true)]);
        assert_eq!(pane.selected.as_deref(), Some("b"));
        for l in text(&mut pane, 60) {
            assert!(l.width() <= 60, "{l:?} is {} wide", l.width());
        }
    }

    #[test]
    fn a_safety_snapshot_name_is_whole_at_80_columns() {
        let long = "ssh-a-20261201-221500-before-revert";
        let mut pane = SnapshotPane::default();
        pane.set_list(vec![
            snap("base", None, false),
            snap(long, Some("base"), true),
        ]);
        let lines = text(&mut pane, 80);
        assert!(lines.iter().any(|l| l.contains(long)), "{lines:?}");
        for l in &lines {
            assert!(l.width() <= 80, "{l:?}");
        }
        // Wide enough, every column is back.
        assert!(
            text(&mut pane, 140)
                .iter()
                .any(|l| l.contains("internal+mem"))
        );
    }
}
