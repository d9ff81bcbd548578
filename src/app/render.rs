//! Lays out the screen and draws every part of it from the App's state.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

use super::{App, Level};
use crate::action::{Action, CORE_RANK, Scope};
use crate::config::Role;
use crate::state::ConnState;
use crate::ui::domains::detail::Tab;
use crate::ui::domains::{detail, table as domains};
use crate::ui::layer::DrawCtx;
use crate::ui::stats::view::stats_height;
use crate::ui::text::escape_spans;

impl App {
    pub fn render(&mut self, f: &mut Frame) {
        let area = f.area();
        if let Some(ed) = self.xml.as_mut() {
            crate::ui::xml_editor::view::render(f, area, ed, &self.config.theme);
            // The palette opened from the editor draws over it.
            let status = Rect::new(area.x, area.bottom().saturating_sub(2), area.width, 1);
            let from = self.editor_layers_from();
            self.render_layers_from(f, area, status, from);
            return;
        }
        if self.console_fullscreen() {
            self.render_console_full(f);
            return;
        }
        // A full-screen view covers all but the status line and the footer: the screens
        // under it are not drawn at all (a frame costs the view alone).
        if let Some(top) = self.layers.iter().rposition(|l| l.fullscreen()) {
            let [_, status, hints] = Layout::vertical([
                Constraint::Min(0),
                Constraint::Length(1),
                Constraint::Length(1),
            ])
            .areas(area);
            self.render_status(f, status);
            self.render_hints(f, hints);
            self.render_layers_from(f, area, status, top);
            return;
        }
        let detail_h = if self.domains.tab == Tab::Stats {
            stats_height(area.height, self.stats.view.expanded)
        } else if self.domains.tab == Tab::Snapshots && self.snaps.focused {
            // The tree gets half the screen while it has the keys.
            (area.height / 2).max(8)
        } else if self.domains.tab == Tab::Devices {
            // A header and a row per device: disks, NICs, consoles, controllers.
            (area.height / 2).max(8)
        } else if self.domains.tab == Tab::Disks && self.disks.focused {
            // Chains are tall: the disks get half the screen while they have the keys.
            (area.height / 2).max(10)
        } else if self.domains.tab == Tab::Console {
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
        self.domains.list.sync(&self.store);
        domains::render(
            f,
            list,
            &self.store,
            &mut self.domains.list,
            &self.config.theme,
        );
        // Table body = list area minus border line and header row.
        self.domains.list_height = usize::from(list.height.saturating_sub(2));
        let selected = self
            .domains
            .list
            .selected()
            .and_then(|id| self.store.get(id));
        let has_selected = selected.is_some();
        let xml = self.xml_pane.summary();
        let body = detail::render(
            f,
            lower,
            self.domains.tab,
            selected,
            &xml,
            &self.config.theme,
        );
        self.areas = super::mouse::Areas { list, lower, body };
        if self.domains.tab == Tab::Snapshots && selected.is_some() {
            self.snaps.render(f, body, &self.config.theme);
        }
        if self.domains.tab == Tab::Console {
            self.render_console_pane(f, body);
        }
        if self.domains.tab == Tab::Devices && has_selected {
            self.devices.render(f, body, &self.config.theme);
        }
        if self.domains.tab == Tab::Disks && has_selected {
            let keys = self
                .config
                .keymap
                .keys_label(crate::action::Action::ShowDisks);
            self.disks.render(f, body, &keys, &self.config.theme);
        }
        if self.domains.tab == Tab::Xml && has_selected {
            self.xml_pane.render(f, body, &self.config.theme);
        }
        if self.domains.tab == Tab::Stats {
            self.stats.render(
                f,
                body,
                self.domains.list.selected(),
                &self.store,
                &self.config,
            );
        }
        self.render_status(f, status);
        self.render_hints(f, hints);
        self.render_layers(f, area, status);
    }

    /// Popups and prompts, bottom first.
    fn render_layers(&mut self, f: &mut Frame, area: Rect, status: Rect) {
        self.render_layers_from(f, area, status, 0);
    }

    /// The layers from index `first` up, bottom first.
    fn render_layers_from(&mut self, f: &mut Frame, area: Rect, status: Rect, first: usize) {
        let cx = DrawCtx {
            config: &self.config,
            store: &self.store,
            readonly: self.readonly,
            status_area: status,
        };
        for layer in self.layers.iter_mut().skip(first) {
            layer.draw(f, area, &cx);
        }
    }

    pub(super) fn render_header(&self, f: &mut Frame, area: Rect) {
        let t = &self.config.theme;
        let running = self.store.running();
        let mut spans = vec![Span::styled(" virtdeck ", t.style(Role::Title))];
        let fleet = self.store.hosts.len() > 1;
        let host = if self.store.hostname.is_empty() || fleet {
            String::new()
        } else {
            format!("{} ", self.store.hostname)
        };
        spans.extend(escape_spans(
            &host,
            t.style(Role::Base),
            t.style(Role::Escaped),
        ));
        if !fleet {
            let uri = escape_spans(&self.store.uri, t.style(Role::Dim), t.style(Role::Escaped));
            // Disconnected, the cause matters more than the URI: drop the URI when both
            // do not fit.
            let fits = |extra: usize| {
                let head: usize = spans.iter().map(|s| s.content.width()).sum();
                let cause = match &self.store.conn {
                    ConnState::Disconnected { detail } => detail.width() + 14,
                    _ => 0,
                };
                head + extra + cause + 2 <= usize::from(area.width)
            };
            let uri_w: usize = uri.iter().map(|s| s.content.width()).sum();
            if !matches!(self.store.conn, ConnState::Disconnected { .. }) || fits(uri_w) {
                spans.extend(uri);
            }
            spans.push(Span::raw("  "));
        }
        let hosts = &self.store.hosts;
        if hosts.len() > 1 {
            let up = hosts.iter().filter(|h| h.conn.is_connected()).count();
            let role = if up == hosts.len() {
                Role::Base
            } else {
                Role::Warn
            };
            spans.push(Span::styled(
                format!(
                    "{up}/{} hosts connected, {} domains, {running} running",
                    hosts.len(),
                    self.store.len()
                ),
                t.style(role),
            ));
            if let Some(h) = self.domains.list.host().and_then(|h| hosts.get(h)) {
                spans.push(Span::styled("  showing ", t.style(Role::Dim)));
                spans.extend(escape_spans(
                    &h.name,
                    t.style(Role::Key),
                    t.style(Role::Escaped),
                ));
            }
        } else {
            self.render_conn(&mut spans);
        }
        if self.readonly {
            spans.push(Span::styled("  [read-only]", t.style(Role::Warn)));
        }
        f.render_widget(Line::from(spans), area);
    }

    /// The single-host header's connection part.
    fn render_conn(&self, spans: &mut Vec<Span<'static>>) {
        let t = &self.config.theme;
        let running = self.store.running();
        match &self.store.conn {
            ConnState::Connecting => spans.push(Span::styled("connecting…", t.style(Role::Warn))),
            ConnState::Connected => spans.push(Span::styled(
                format!(
                    "{}, {running} running",
                    crate::ui::format::count(self.store.len() as u64, "domain")
                ),
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
    }

    pub(super) fn render_status(&self, f: &mut Frame, area: Rect) {
        let t = &self.config.theme;
        let Some(s) = &self.status else { return };
        let role = match s.level {
            Level::Info | Level::Done => Role::Info,
            Level::Warn => Role::Warn,
            Level::Error => Role::Error,
        };
        let mut spans = vec![Span::raw(" ")];
        spans.extend(escape_spans(&s.text, t.style(role), t.style(Role::Escaped)));
        f.render_widget(Line::from(spans), area);
    }

    /// The footer's actions: the top layer's own, or every key that works now, most used
    /// first (the action table's rank, then the focused scope, then table order), so a
    /// narrow footer keeps the core keys. While the console has the keys only its own
    /// (the way out first) are listed: nothing else reaches virtdeck then.
    pub fn footer_actions(&self) -> Vec<Action> {
        if let Some(top) = self.layers.last() {
            return top.hints();
        }
        if self.domains.tab == Tab::Disks && self.disks.focused {
            return crate::ui::disks::tab::HINTS.to_vec();
        }
        let focus = self.focus_scopes();
        // The domain list hosts the tabs: their core keys work from any tab.
        let live: &[Scope] = if focus.contains(&Scope::Domains) {
            Scope::LIVE_TOGETHER
                .iter()
                .find(|g| g.contains(&Scope::Domains))
                .map_or(&[], |g| *g)
        } else {
            &[]
        };
        let order = |s: Scope| focus.iter().position(|f| *f == s).unwrap_or(focus.len());
        let mut out: Vec<Action> = Action::all()
            .filter(|a| !a.short().is_empty())
            .filter(|a| {
                focus.contains(&a.scope()) || (live.contains(&a.scope()) && a.rank() <= CORE_RANK)
            })
            .collect();
        // The snapshot tree, while it has the keys, is the view in use: its keys lead.
        let holder =
            (self.domains.tab == Tab::Snapshots && self.snaps.focused).then_some(Scope::Snapshots);
        out.sort_by_key(|a| {
            (
                Some(a.scope()) != holder,
                a.rank(),
                order(a.scope()),
                *a as usize,
            )
        });
        out
    }

    fn render_hints(&self, f: &mut Frame, area: Rect) {
        let t = &self.config.theme;
        let keymap = &self.config.keymap;
        let hint = |a: Action| {
            let key = keymap.keys(a).first()?;
            let word = if a.short().is_empty() {
                a.name()
            } else {
                a.short()
            };
            Some((
                format!(" {}", crate::config::keymap::display(key)),
                format!(" {word}"),
            ))
        };
        let actions: Vec<Action> = self
            .footer_actions()
            .into_iter()
            .filter(|a| !(self.readonly && a.is_mutating()))
            .collect();
        // Help is the way to every other key: keep room for it whatever else is cut.
        let help_w = hint(Action::Help)
            .filter(|_| actions.contains(&Action::Help))
            .map_or(0, |(k, l)| k.width() + l.width());
        let mut spans = Vec::new();
        let mut used = 0;
        let mut help_shown = false;
        for &a in &actions {
            let Some((key, label)) = hint(a) else {
                continue;
            };
            let w = key.width() + label.width();
            let reserve = if help_shown || a == Action::Help {
                0
            } else {
                help_w
            };
            // Whole hints only: a half-cut word at the edge reads like a typo.
            if used + w + reserve > usize::from(area.width) {
                continue;
            }
            used += w;
            help_shown |= a == Action::Help;
            spans.push(Span::styled(key, t.style(Role::Key)));
            spans.push(Span::styled(label, t.style(Role::Dim)));
        }
        f.render_widget(Line::from(spans), area);
    }
}
