//! Draws a console session: one status line, then the emulated screen (cells only, so
//! nothing the guest sends can reach the real terminal).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use tui_term::widget::{Cursor, PseudoTerminal};

use super::session::{ConsoleSession, Link};
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
    let mut cursor = Cursor::default();
    if !(s.focused && s.is_attached() && s.term.offset() == 0) {
        cursor.hide();
    }
    f.render_widget(PseudoTerminal::new(s.term.screen()).cursor(cursor), body);
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
                "attached · {} type · {}/{} scroll · {} save · {} full screen",
                h.focus, h.scroll_up, h.scroll_down, h.save, h.fullscreen
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
