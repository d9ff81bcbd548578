//! Overlays drawn over the main screen: confirmations, prompts and help.

pub mod confirm;
pub mod help;
pub mod snapshot_dialogs;

use ratatui::layout::Rect;

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
