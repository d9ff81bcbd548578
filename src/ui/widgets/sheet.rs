//! What the full-screen list views share: their area (the footer stays visible), a usage
//! bar, byte sizes, and a table that builds only the rows on screen (10,000 volumes cost
//! no more than a screenful).

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Row, Table};

use crate::config::{Role, Theme};

/// The screen minus the status line and the footer.
pub fn view_area(area: Rect) -> Rect {
    Rect {
        height: area.height.saturating_sub(2),
        ..area
    }
}

/// `used` of `total` as a bar `width` cells wide: `█████░░░░░`.
pub fn bar(used: u64, total: u64, width: usize) -> String {
    let filled = if total == 0 {
        0
    } else {
        ((used.min(total) as u128 * width as u128) / total as u128) as usize
    };
    format!("{}{}", "█".repeat(filled), "░".repeat(width - filled))
}

/// Bytes as `512B`, `64.0M`, `1.5G`.
pub fn bytes(b: u64) -> String {
    const UNITS: [&str; 6] = ["K", "M", "G", "T", "P", "E"];
    if b < 1024 {
        return format!("{b}B");
    }
    let mut v = b as f64 / 1024.0;
    let mut i = 0;
    while v >= 1024.0 && i + 1 < UNITS.len() {
        v /= 1024.0;
        i += 1;
    }
    format!("{v:.1}{}", UNITS[i])
}

/// The first row to show so `selected` stays in a window of `height` rows.
pub fn offset(selected: usize, current: usize, height: usize) -> usize {
    if height == 0 {
        return 0;
    }
    if selected < current {
        selected
    } else if selected >= current + height {
        selected + 1 - height
    } else {
        current
    }
}

/// Draws a titled, bordered table of `rows` (only the visible ones are given: `first` is
/// the index of the first) with `selected` highlighted, and `below` lines under it.
#[allow(clippy::too_many_arguments)]
pub fn draw_table(
    f: &mut Frame,
    area: Rect,
    title: Line<'static>,
    header: Vec<&'static str>,
    widths: &[Constraint],
    rows: Vec<Vec<String>>,
    first: usize,
    selected: Option<usize>,
    below: Vec<Line<'static>>,
    theme: &Theme,
) {
    f.render_widget(Clear, area);
    let below_h = u16::try_from(below.len()).unwrap_or(0).min(area.height / 2);
    let table_area = Rect {
        height: area.height.saturating_sub(below_h),
        ..area
    };
    let body: Vec<Row> = rows
        .into_iter()
        .enumerate()
        .map(|(i, cells)| {
            let row = Row::new(cells);
            if Some(first + i) == selected {
                row.style(theme.style(Role::Selected))
            } else {
                row
            }
        })
        .collect();
    let table = Table::new(body, widths.to_vec())
        .header(Row::new(header).style(theme.style(Role::Header)))
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.style(Role::Border))
                .title(title),
        );
    f.render_widget(table, table_area);
    if below_h > 0 {
        let r = Rect {
            y: area.y + table_area.height,
            height: below_h,
            ..area
        };
        f.render_widget(Paragraph::new(below), r);
    }
}

/// Rows of the table body that fit in `area` (borders and header taken off).
pub fn body_rows(area: Rect, below: usize) -> usize {
    usize::from(area.height.saturating_sub(3)).saturating_sub(below)
}

/// A title span in the theme's title colour.
pub fn title(text: String, theme: &Theme) -> Line<'static> {
    Line::from(Span::styled(format!(" {text} "), theme.style(Role::Title)))
}

/// Where a movement key takes the selection in a list of `len` rows; `None` when the
/// action is not a movement.
pub fn navigate(
    action: crate::action::Action,
    sel: usize,
    len: usize,
    page: usize,
) -> Option<usize> {
    use crate::action::Action;
    let last = len.saturating_sub(1);
    Some(match action {
        Action::Up => sel.saturating_sub(1),
        Action::Down => (sel + 1).min(last),
        Action::PageUp => sel.saturating_sub(page.max(1)),
        Action::PageDown => (sel + page.max(1)).min(last),
        Action::Top => 0,
        Action::Bottom => last,
        _ => return None,
    })
}

/// What a full-screen view does with a key it has no action for: global actions that
/// are not movements (help, quit, the show_* views) go down to the App; anything else
/// stops here, so the domain list under the view never sees it.
pub fn pass_global(action: Option<crate::action::Action>) -> crate::ui::layer::Flow {
    use crate::action::{Action, Scope};
    match action {
        Some(a) if a.scope() == Scope::Global && a != Action::Refresh => {
            crate::ui::layer::Flow::Ignored
        }
        _ => crate::ui::layer::Flow::Consumed,
    }
}
