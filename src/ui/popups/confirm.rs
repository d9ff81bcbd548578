//! Confirmation dialogs: y/N for force off and reset, a typed name for undefine.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use crate::config::{Role, Theme};
use crate::ui::text::{escape, escape_spans, name_spans};

/// How the user must confirm.
#[derive(Clone, Debug, PartialEq)]
pub enum ConfirmKind {
    /// `y` confirms, anything else cancels.
    YesNo,
    /// The domain's name (or its escaped form, for names with unprintable characters)
    /// must be typed and Enter pressed.
    TypeName { input: String },
}

/// True when `input` is the name, or the name exactly as virtdeck displays it.
pub fn name_matches(input: &str, name: &str) -> bool {
    input == name || input == escape(name)
}

pub fn render(
    f: &mut Frame,
    area: Rect,
    title: &str,
    name: &str,
    body: &[String],
    kind: &ConfirmKind,
    theme: &Theme,
) {
    let width = area.width.clamp(20, 64);
    // Body lines wrap inside the borders; count the rows they take so the prompt stays in view.
    let inner = usize::from(width.saturating_sub(2)).max(1);
    let body_rows: usize = body
        .iter()
        .map(|l| {
            unicode_width::UnicodeWidthStr::width(l.as_str())
                .div_ceil(inner)
                .max(1)
        })
        .sum();
    let extra = if matches!(kind, ConfirmKind::TypeName { .. }) {
        6
    } else {
        5
    };
    let height = u16::try_from(body_rows + extra)
        .unwrap_or(u16::MAX)
        .min(area.height);
    let rect = super::centered(area, width, height);
    f.render_widget(Clear, rect);
    let block = super::frame(title, true, theme);
    let mut lines = Vec::new();
    let mut head = vec![Span::raw("Domain: ")];
    head.extend(name_spans(
        name,
        theme.style(Role::Title),
        theme.style(Role::Escaped),
    ));
    lines.push(Line::from(head));
    for b in body {
        lines.push(Line::from(b.clone()));
    }
    lines.push(Line::from(""));
    match kind {
        ConfirmKind::YesNo => lines.push(Line::from(vec![
            Span::styled("y", theme.style(Role::Key)),
            Span::raw(" to confirm, any other key cancels"),
        ])),
        ConfirmKind::TypeName { input } => {
            lines.push(Line::from(vec![
                Span::raw("Type the name and press "),
                Span::styled("Enter", theme.style(Role::Key)),
                Span::raw(" (Esc cancels):"),
            ]));
            let mut typed = vec![Span::raw("> ")];
            typed.extend(escape_spans(
                input,
                theme.style(Role::Base),
                theme.style(Role::Escaped),
            ));
            typed.push(Span::styled("█", theme.style(Role::Dim)));
            lines.push(Line::from(typed));
        }
    }
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        rect,
    );
}
