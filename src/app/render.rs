//! Lays out the screen and draws every part of it from the App's state.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

use super::stats::stats_height;
use super::{App, Level, Overlay};
use crate::action::Action;
use crate::config::Role;
use crate::state::ConnState;
use crate::ui::panes::detail::Tab;
use crate::ui::panes::{detail, domains};
use crate::ui::popups::{confirm, help, snapshot_dialogs};
use crate::ui::text::escape_spans;

/// Actions advertised in the bottom line, most useful first; the rest are behind `?`.
const HINTS: [Action; 10] = [
    Action::Help,
    Action::Filter,
    Action::Start,
    Action::Shutdown,
    Action::ForceOff,
    Action::Suspend,
    Action::Resume,
    Action::Reboot,
    Action::SortNext,
    Action::Quit,
];

/// The bottom line while the Snapshots tab is shown.
const SNAPSHOT_HINTS: [Action; 8] = [
    Action::Help,
    Action::SnapshotFocus,
    Action::SnapshotQuick,
    Action::SnapshotCreate,
    Action::SnapshotRevert,
    Action::SnapshotDelete,
    Action::SnapshotToggle,
    Action::SnapshotXml,
];

impl App {
    pub fn render(&mut self, f: &mut Frame) {
        let area = f.area();
        if let Some(ed) = self.xml.as_mut() {
            crate::ui::editor::view::render(f, area, ed, &self.config.theme);
            return;
        }
        if self.console_fullscreen() {
            self.render_console_full(f);
            return;
        }
        let detail_h = if self.tab == Tab::Stats {
            stats_height(area.height, self.stats_view.expanded)
        } else if self.tab == Tab::Snapshots && self.snaps.focused {
            // The tree gets half the screen while it has the keys.
            (area.height / 2).max(8)
        } else if self.tab == Tab::Console {
            // A console needs room; the list keeps the rest.
            (area.height * 3 / 5).max(8)
        } else if area.height >= 34 {
            10
        } else {
            8
        };
        let [header, list, lower, status, hints] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(3),
            Constraint::Length(detail_h),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(area);

        self.render_header(f, header);
        self.view.sync(&self.store);
        domains::render(f, list, &self.store, &mut self.view, &self.config.theme);
        // Table body = list area minus border line and header row.
        self.list_height = usize::from(list.height.saturating_sub(2));
        let selected = self.view.selected().and_then(|id| self.store.get(id));
        let body = detail::render(f, lower, self.tab, selected, &self.config.theme);
        if self.tab == Tab::Snapshots && selected.is_some() {
            self.snaps.render(f, body, &self.config.theme);
        }
        if self.tab == Tab::Console {
            self.render_console_pane(f, body);
        }
        if self.tab == Tab::Stats {
            self.render_stats(f, body);
        }
        self.render_status(f, status);
        self.render_hints(f, hints);
        self.render_overlay(f, area, status);
    }

    pub(super) fn render_header(&self, f: &mut Frame, area: Rect) {
        let t = &self.config.theme;
        let running = self.store.running();
        let mut spans = vec![Span::styled(" virtdeck ", t.style(Role::Title))];
        let host = if self.store.hostname.is_empty() {
            String::new()
        } else {
            format!("{} ", self.store.hostname)
        };
        spans.extend(escape_spans(
            &host,
            t.style(Role::Base),
            t.style(Role::Escaped),
        ));
        spans.extend(escape_spans(
            &self.store.uri,
            t.style(Role::Dim),
            t.style(Role::Escaped),
        ));
        spans.push(Span::raw("  "));
        match &self.store.conn {
            ConnState::Connecting => spans.push(Span::styled("connecting…", t.style(Role::Warn))),
            ConnState::Connected => spans.push(Span::styled(
                format!("{} domains, {running} running", self.store.len()),
                t.style(Role::Base),
            )),
            ConnState::Disconnected { detail } => {
                spans.push(Span::styled("DISCONNECTED ", t.style(Role::Error)));
                spans.extend(escape_spans(
                    detail,
                    t.style(Role::Warn),
                    t.style(Role::Escaped),
                ));
            }
        }
        if self.readonly {
            spans.push(Span::styled("  [read-only]", t.style(Role::Warn)));
        }
        f.render_widget(Line::from(spans), area);
    }

    pub(super) fn render_status(&self, f: &mut Frame, area: Rect) {
        let t = &self.config.theme;
        if let Some(Overlay::Filter { input, .. }) = &self.overlay {
            let mut spans = vec![Span::styled("/", t.style(Role::Key))];
            spans.extend(escape_spans(
                input,
                t.style(Role::Base),
                t.style(Role::Escaped),
            ));
            spans.push(Span::styled("█", t.style(Role::Dim)));
            spans.push(Span::styled(
                "   Enter keeps, Esc restores; re: regex, ! inverts",
                t.style(Role::Dim),
            ));
            f.render_widget(Line::from(spans), area);
            return;
        }
        let Some(s) = &self.status else { return };
        let role = match s.level {
            Level::Info => Role::Info,
            Level::Warn => Role::Warn,
            Level::Error => Role::Error,
        };
        let mut spans = vec![Span::raw(" ")];
        spans.extend(escape_spans(&s.text, t.style(role), t.style(Role::Escaped)));
        f.render_widget(Line::from(spans), area);
    }

    fn render_hints(&self, f: &mut Frame, area: Rect) {
        let t = &self.config.theme;
        let mut spans = Vec::new();
        let mut used = 0;
        let hints: &[Action] = if self.tab == Tab::Snapshots {
            &SNAPSHOT_HINTS
        } else {
            &HINTS
        };
        for &a in hints {
            if self.readonly && a.is_mutating() {
                continue;
            }
            let Some(key) = self.config.keymap.keys(a).first() else {
                continue;
            };
            let key = format!(" {}", crate::config::keymap::display(key));
            let label = format!(" {}", short_label(a));
            // Whole hints only: a half-cut word at the edge reads like a typo.
            used += key.width() + label.width();
            if used > usize::from(area.width) {
                break;
            }
            spans.push(Span::styled(key, t.style(Role::Key)));
            spans.push(Span::styled(label, t.style(Role::Dim)));
        }
        f.render_widget(Line::from(spans), area);
    }

    fn render_overlay(&self, f: &mut Frame, area: Rect, _status: Rect) {
        let t = &self.config.theme;
        match &self.overlay {
            None | Some(Overlay::Filter { .. }) => {}
            Some(Overlay::Help { scroll }) => {
                help::render(f, area, &self.config.keymap, self.readonly, *scroll, t);
            }
            Some(Overlay::Confirm {
                name,
                title,
                body,
                kind,
                ..
            }) => confirm::render(f, area, title, name, body, kind, t),
            Some(Overlay::Snapshot(d)) => snapshot_dialogs::render(f, area, d, t),
        }
    }
}

fn short_label(a: Action) -> &'static str {
    match a {
        Action::Help => "help",
        Action::Filter => "filter",
        Action::Start => "start",
        Action::Shutdown => "shutdown",
        Action::ForceOff => "off",
        Action::Suspend => "pause",
        Action::Resume => "resume",
        Action::Reboot => "reboot",
        Action::SortNext => "sort",
        Action::Quit => "quit",
        Action::SnapshotFocus => "tree",
        Action::SnapshotQuick => "snap",
        Action::SnapshotCreate => "new",
        Action::SnapshotRevert => "revert",
        Action::SnapshotDelete => "delete",
        Action::SnapshotToggle => "fold",
        Action::SnapshotXml => "xml",
        _ => "",
    }
}
