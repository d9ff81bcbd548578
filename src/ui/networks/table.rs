//! Drawing helpers the full-screen tables share: the screen minus the App's status and
//! footer lines, and the window of rows that keeps the selection in view.

use ratatui::layout::Rect;

/// The part of the screen a full-screen view owns: all but the status line and footer,
/// which the App draws below every layer.
pub fn view_area(area: Rect) -> Rect {
    Rect {
        height: area.height.saturating_sub(2),
        ..area
    }
}

/// The first row to draw so that `selected` is visible in `rows` lines, moving the
/// window no more than needed from `offset`.
pub fn scroll(offset: usize, selected: usize, rows: usize) -> usize {
    let rows = rows.max(1);
    if selected < offset {
        selected
    } else if selected >= offset + rows {
        selected + 1 - rows
    } else {
        offset
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_follows_the_selection_both_ways() {
        assert_eq!(scroll(0, 5, 10), 0);
        assert_eq!(scroll(0, 12, 10), 3);
        assert_eq!(scroll(8, 2, 10), 2);
    }
}
