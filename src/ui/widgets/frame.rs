//! The bordered frame every popup uses, and where a popup sits on the screen.

use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders};

use crate::config::{Role, Theme};

/// The bordered frame every popup uses; `warn` for questions about changing something.
pub fn frame<'a>(title: &str, warn: bool, theme: &Theme) -> Block<'a> {
    let (border, heading) = if warn {
        (Role::Warn, Role::Warn)
    } else {
        (Role::Border, Role::Title)
    };
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.style(border))
        .style(theme.style(Role::Popup))
        .title(Span::styled(format!(" {title} "), theme.style(heading)))
}

/// Rows `lines` take once wrapped inside a popup `width` cells wide (borders included), so
/// a popup can size itself to keep its prompt in view.
pub fn wrapped_rows(lines: &[String], width: u16) -> usize {
    let inner = usize::from(width.saturating_sub(2)).max(1);
    lines
        .iter()
        .map(|l| {
            unicode_width::UnicodeWidthStr::width(l.as_str())
                .div_ceil(inner)
                .max(1)
        })
        .sum()
}

/// A `w`×`h` rectangle centred in `area` (clamped to it).
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}
