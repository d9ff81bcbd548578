//! `?` help, generated from the live keymap (so user overrides show up): the focused
//! view's keys first, then the global ones, then every other scope.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use unicode_width::UnicodeWidthStr;

use crate::action::{Action, Scope};
use crate::config::{Keymap, Role, Theme};
use crate::ui::layer::{Ctx, DrawCtx, Flow, Layer};

/// Scopes in the order help shows them when `focus` has the keys.
pub fn scope_order(focus: &[Scope]) -> Vec<Scope> {
    let mut out: Vec<Scope> = focus
        .iter()
        .copied()
        .filter(|s| *s != Scope::Global)
        .collect();
    out.push(Scope::Global);
    for s in Scope::ALL {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// Width of the key column; longer key lists get a line of their own.
const KEY_W: usize = 16;

/// Help lines for a box `width` columns wide (inside its border): every bound action by
/// scope, minus the ones a read-only connection refuses. Descriptions wrap under their
/// own column instead of being cut.
pub fn lines(
    keymap: &Keymap,
    readonly: bool,
    focus: &[Scope],
    theme: &Theme,
    width: usize,
) -> Vec<Line<'static>> {
    let desc_w = width.saturating_sub(KEY_W + 2).max(12);
    let mut out = Vec::new();
    for scope in scope_order(focus) {
        let mut section = Vec::new();
        for action in Action::all().filter(|a| a.scope() == scope) {
            if readonly && action.is_mutating() {
                continue;
            }
            let keys = keymap.keys_label(action);
            if keys.is_empty() {
                continue;
            }
            let mut key_cell = format!(" {keys:<KEY_W$} ");
            if keys.width() > KEY_W {
                section.push(Line::from(Span::styled(
                    format!(" {keys}"),
                    theme.style(Role::Key),
                )));
                key_cell = " ".repeat(KEY_W + 2);
            }
            for (i, part) in wrap(action.describe(), desc_w).into_iter().enumerate() {
                let lead = if i == 0 {
                    Span::styled(key_cell.clone(), theme.style(Role::Key))
                } else {
                    Span::raw(" ".repeat(KEY_W + 2))
                };
                section.push(Line::from(vec![lead, Span::raw(part)]));
            }
        }
        if section.is_empty() {
            continue;
        }
        out.push(Line::from(Span::styled(
            format!("[keys.{}]", scope.name()),
            theme.style(Role::Title),
        )));
        out.extend(section);
    }
    if readonly {
        for part in wrap(
            "read-only connection: actions that change domains, and the console, are hidden (libvirt refuses them)",
            width.saturating_sub(1).max(12),
        ) {
            out.push(Line::from(Span::styled(
                format!(" {part}"),
                theme.style(Role::Warn),
            )));
        }
    }
    out
}

/// Greedy word wrap to `width` columns; a word longer than a line is split.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let sep = usize::from(!line.is_empty());
        if !line.is_empty() && line.width() + sep + word.width() > width {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
        while line.width() > width {
            let cut: String = line.chars().take(width).collect();
            let rest = line[cut.len()..].to_string();
            out.push(cut);
            line = rest;
        }
    }
    if !line.is_empty() || out.is_empty() {
        out.push(line);
    }
    out
}

/// The help popup: the navigation keys scroll (never past the end), any other key closes.
pub struct Help {
    pub scroll: u16,
    /// The scopes of the view that had the keys when help opened.
    pub focus: Vec<Scope>,
    /// Lines and visible rows at the last draw, so scrolling stops at the end.
    len: u16,
    page: u16,
}

impl Help {
    pub fn new(focus: &[Scope]) -> Help {
        Help {
            scroll: 0,
            focus: focus.to_vec(),
            len: u16::MAX,
            page: 10,
        }
    }

    fn max_scroll(&self) -> u16 {
        self.len.saturating_sub(self.page)
    }
}

impl Layer for Help {
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::Global]
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &mut Ctx) -> Flow {
        let page = self.page.max(1);
        self.scroll = match cx.action(&[Scope::Global], key) {
            Some(Action::Down) => self.scroll.saturating_add(1),
            Some(Action::Up) => self.scroll.saturating_sub(1),
            Some(Action::PageDown) => self.scroll.saturating_add(page),
            Some(Action::PageUp) => self.scroll.saturating_sub(page),
            Some(Action::Top) => 0,
            Some(Action::Bottom) => u16::MAX,
            _ => return Flow::Close,
        }
        .min(self.max_scroll());
        Flow::Consumed
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawCtx) {
        let theme = &cx.config.theme;
        let outer_w = area.width.min(80);
        let inner_w = usize::from(outer_w.saturating_sub(2));
        let body = lines(&cx.config.keymap, cx.readonly, &self.focus, theme, inner_w);
        let len = u16::try_from(body.len()).unwrap_or(u16::MAX);
        let height = len.saturating_add(2).min(area.height);
        let rect = super::centered(area, outer_w, height);
        self.len = len;
        self.page = height.saturating_sub(2);
        self.scroll = self.scroll.min(self.max_scroll());
        f.render_widget(Clear, rect);
        let k = |a| cx.config.keymap.keys_label(a);
        let mut title = format!(
            "Keys {}/{} ({} {} scroll, any other key closes)",
            (self.scroll + self.page).min(len),
            len,
            k(Action::Down),
            k(Action::PageDown),
        );
        if title.width() + 4 > usize::from(outer_w) {
            title = format!("Keys ({} scroll)", k(Action::Down));
        }
        let block = super::frame(&title, false, theme);
        f.render_widget(
            Paragraph::new(body).block(block).scroll((self.scroll, 0)),
            rect,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wrap_keeps_words_whole_and_splits_only_overlong_ones() {
        assert_eq!(
            wrap("define a new domain from a template", 15),
            vec!["define a new", "domain from a", "template"]
        );
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 4), vec![""]);
    }
}
