//! Draws a console session: one status line, then the emulated screen (cells only, so
//! nothing the guest sends can reach the real terminal).

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use tui_term::widget::{Cursor, PseudoTerminal};

use super::search::Search;
use super::session::{ConsoleSession, Link};
use super::store::{self, Attrs};
use super::term::{ConsoleTerm, ViewRow};
use crate::backend::console::FailureKind;
use crate::config::{Role, Theme};
use crate::ui::text::escape_spans;

/// Key labels shown in the status line, from the live keymap.
pub struct Hints {
    pub detach: String,
    pub focus: String,
    pub force: String,
    pub scroll_up: String,
    pub scroll_down: String,
    pub live: String,
    pub save: String,
    pub fullscreen: String,
    /// While attached: scrollback keys (`[keys.terminal]`), e.g. "Shift-PgUp/Shift-PgDn".
    pub terminal_scroll: String,
    pub terminal_live: String,
    /// Choosing a console: move, pick and cancel keys.
    pub choose: String,
    pub accept: String,
    pub cancel: String,
    /// Console search: open it, then step and end it (`[keys.search]`).
    pub search: String,
    pub search_older: String,
    pub search_newer: String,
    pub search_end: String,
}

pub fn render(f: &mut Frame, area: Rect, s: &mut ConsoleSession, hints: &Hints, theme: &Theme) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let [status, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    f.render_widget(status_line(s, hints, theme), status);
    if body.height == 0 {
        return;
    }
    if let Link::Choosing { devices, selected } = &s.link {
        let mut lines = vec![Line::from(Span::styled(
            format!(
                " Several consoles: pick one with {} and {} ({} cancels)",
                hints.choose, hints.accept, hints.cancel
            ),
            theme.style(Role::Dim),
        ))];
        for (i, d) in devices.iter().enumerate() {
            let style = if i == *selected {
                theme.style(Role::Selected)
            } else {
                theme.style(Role::Base)
            };
            let mut spans = vec![Span::styled(
                if i == *selected { " ▶ " } else { "   " },
                style,
            )];
            spans.extend(escape_spans(
                &format!("{}  ({})", d.alias, d.target),
                style,
                theme.style(Role::Escaped),
            ));
            lines.push(Line::from(spans));
        }
        f.render_widget(Paragraph::new(lines), body);
        return;
    }
    let mut body = body;
    if let Link::Failed { kind, message } = &s.link {
        let text = match kind {
            FailureKind::Busy => format!(
                "{message}. Another client (virsh console, virt-manager, another virtdeck) is \
                 attached. Press {} to take the console over; that client is disconnected.",
                hints.force
            ),
            _ => message.clone(),
        };
        let width = usize::from(body.width.max(1));
        let needed = (text.chars().count().div_ceil(width) + 1).min(usize::from(body.height));
        let [msg, rest] =
            Layout::vertical([Constraint::Length(needed as u16), Constraint::Min(0)]).areas(body);
        let spans = escape_spans(&text, theme.style(Role::Error), theme.style(Role::Escaped));
        f.render_widget(
            Paragraph::new(Line::from(spans)).wrap(Wrap { trim: false }),
            msg,
        );
        body = rest;
        if body.height == 0 {
            return;
        }
    }
    s.term.resize(body.height, body.width);
    if s.term.offset() == 0 {
        let mut cursor = Cursor::default();
        if !(s.focused && s.is_attached() && s.search.as_ref().is_none_or(|q| !q.editing)) {
            cursor.hide();
        }
        f.render_widget(PseudoTerminal::new(s.term.screen()).cursor(cursor), body);
    } else {
        draw_scrolled(f.buffer_mut(), body, &s.term);
    }
    if let Some(search) = &s.search {
        highlight(f.buffer_mut(), body, &s.term, search, theme);
    }
}

fn style_of(a: Attrs) -> Style {
    let color = |c: store::Color| match c {
        store::Color::Default => Color::Reset,
        store::Color::Idx(i) => Color::Indexed(i),
        store::Color::Rgb(r, g, b) => Color::Rgb(r, g, b),
    };
    let mut m = Modifier::empty();
    for (flag, modifier) in [
        (store::BOLD, Modifier::BOLD),
        (store::ITALIC, Modifier::ITALIC),
        (store::UNDERLINE, Modifier::UNDERLINED),
        (store::INVERSE, Modifier::REVERSED),
        (store::DIM, Modifier::DIM),
    ] {
        if a.flags & flag != 0 {
            m |= modifier;
        }
    }
    Style::reset()
        .fg(color(a.fg))
        .bg(color(a.bg))
        .add_modifier(m)
}

/// A scrolled-back view: history lines from the compact store, then the top of the live
/// screen, cell for cell as tui-term draws the live view.
fn draw_scrolled(buf: &mut Buffer, area: Rect, term: &ConsoleTerm) {
    for r in 0..area.height {
        let y = area.y + r;
        match term.view_row(r) {
            Some(ViewRow::History(line, _)) => {
                for cell in line.cells() {
                    let w = if cell.wide { 2 } else { 1 };
                    if cell.col + w > area.width {
                        break;
                    }
                    let bc = &mut buf[(area.x + cell.col, y)];
                    bc.set_symbol(cell.text);
                    bc.set_style(style_of(cell.attrs));
                }
            }
            Some(ViewRow::Screen(row, _)) => {
                for c in 0..area.width {
                    let Some(cell) = term.screen().cell(row, c) else {
                        break;
                    };
                    let bc = &mut buf[(area.x + c, y)];
                    if cell.has_contents() {
                        bc.set_symbol(cell.contents());
                    }
                    bc.set_style(style_of(Attrs::of(cell)));
                }
            }
            None => {}
        }
    }
}

/// Marks the search matches in view; the current one stands out.
fn highlight(buf: &mut Buffer, area: Rect, term: &ConsoleTerm, search: &Search, theme: &Theme) {
    let first = term.history().first_abs();
    for r in 0..area.height {
        let index = match term.view_row(r) {
            Some(ViewRow::History(_, i) | ViewRow::Screen(_, i)) => i,
            None => continue,
        };
        for (m, current) in search.on_line(first + index as u64) {
            let style = if current {
                theme
                    .style(Role::Warn)
                    .add_modifier(Modifier::REVERSED | Modifier::BOLD)
            } else {
                Style::default().add_modifier(Modifier::REVERSED)
            };
            for c in m.start..m.end.min(area.width) {
                buf[(area.x + c, area.y + r)].set_style(style);
            }
        }
    }
}

fn status_line<'a>(s: &ConsoleSession, h: &Hints, theme: &Theme) -> Line<'a> {
    let dim = theme.style(Role::Dim);
    let mut spans = vec![Span::raw(" ")];
    spans.extend(escape_spans(
        &s.name,
        theme.style(Role::Title),
        theme.style(Role::Escaped),
    ));
    if let Some(dev) = &s.device {
        spans.push(Span::styled(" · ", dim));
        spans.extend(escape_spans(dev, dim, theme.style(Role::Escaped)));
    }
    spans.push(Span::raw("  "));
    if let Some(search) = &s.search {
        let text = if search.editing {
            format!(
                "search: {}▏ {} finds · {} cancels",
                search.query, h.accept, h.cancel
            )
        } else if search.matches.is_empty() {
            format!(
                "no match for \"{}\" · {} ends the search",
                search.query, h.search_end
            )
        } else {
            format!(
                "match {}/{} for \"{}\" · {} older · {} newer · {} ends the search",
                search.current.map_or(0, |c| c + 1),
                search.matches.len(),
                search.query,
                h.search_older,
                h.search_newer,
                h.search_end
            )
        };
        spans.extend(escape_spans(
            &text,
            theme.style(Role::Info),
            theme.style(Role::Escaped),
        ));
        return Line::from(spans);
    }
    let (role, text) = match &s.link {
        Link::Connecting => (Role::Warn, "connecting…".to_string()),
        Link::Choosing { .. } => (Role::Info, "choose a console".to_string()),
        Link::Attached if s.term.offset() > 0 => (
            Role::Warn,
            format!(
                "scrolled back {} · {} live",
                crate::ui::format::count(s.term.offset() as u64, "line"),
                if s.focused { &h.terminal_live } else { &h.live }
            ),
        ),
        Link::Attached if s.focused => (
            Role::Info,
            format!(
                "attached · {} returns to virtdeck · {} scroll",
                h.detach, h.terminal_scroll
            ),
        ),
        Link::Attached => (
            Role::Info,
            format!(
                "attached · {} type · {}/{} scroll · {} search · {} save · {} full screen",
                h.focus, h.scroll_up, h.scroll_down, h.search, h.save, h.fullscreen
            ),
        ),
        Link::Disconnected { reason } if s.host_lost() => (
            Role::Error,
            format!(
                "DISCONNECTED: the host connection is lost ({}) · re-attaches when it is back",
                reason
                    .trim_start_matches("connection lost")
                    .trim_start_matches(": ")
            ),
        ),
        Link::Gone => (
            Role::Error,
            "GONE: the domain no longer exists (destroyed or undefined); nothing to re-attach to"
                .to_string(),
        ),
        Link::IdleClosed { mins } => (
            Role::Warn,
            format!(
                "CLOSED after {mins} min detached and idle (console_idle_close_mins) · {} re-attaches",
                h.focus
            ),
        ),
        Link::Disconnected { reason } => (
            Role::Error,
            format!(
                "DISCONNECTED: {reason} · re-attaches when the domain starts · {} retries",
                h.focus
            ),
        ),
        Link::Failed {
            kind: FailureKind::Busy,
            ..
        } => (
            Role::Error,
            format!(
                "console busy · {} forces (disconnects the other client)",
                h.force
            ),
        ),
        Link::Failed { .. } => (
            Role::Error,
            format!("console unavailable · {} back to virtdeck", h.detach),
        ),
    };
    spans.extend(escape_spans(
        &text,
        theme.style(role),
        theme.style(Role::Escaped),
    ));
    Line::from(spans)
}
