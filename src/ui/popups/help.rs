//! `?` help, generated from the live keymap (so user overrides show up).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use crate::action::Action;
use crate::config::{Keymap, Role, Theme};

/// Help lines: every bound action, minus mutating ones on a read-only connection.
pub fn lines(keymap: &Keymap, readonly: bool, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for action in Action::ALL {
        if readonly && action.is_mutating() {
            continue;
        }
        let keys = keymap.keys_label(action);
        if keys.is_empty() {
            continue;
        }
        out.push(Line::from(vec![
            Span::styled(format!(" {keys:<16}"), theme.style(Role::Key)),
            Span::raw(action.describe()),
        ]));
    }
    if readonly {
        out.push(Line::from(Span::styled(
            " read-only connection: actions that change domains are disabled",
            theme.style(Role::Warn),
        )));
    }
    out
}

pub fn render(
    f: &mut Frame,
    area: Rect,
    keymap: &Keymap,
    readonly: bool,
    scroll: u16,
    theme: &Theme,
) {
    let body = lines(keymap, readonly, theme);
    let height = (body.len() as u16 + 2).min(area.height);
    let rect = super::centered(area, 72, height);
    f.render_widget(Clear, rect);
    let block = super::frame("Keys (Esc closes, j/k scroll)", false, theme);
    f.render_widget(Paragraph::new(body).block(block).scroll((scroll, 0)), rect);
}
