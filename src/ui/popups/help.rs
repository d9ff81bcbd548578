//! `?` help, generated from the live keymap (so user overrides show up): the focused
//! view's keys first, then the global ones, then every other scope.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

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

/// Help lines: every bound action by scope, minus mutating ones on a read-only connection.
pub fn lines(
    keymap: &Keymap,
    readonly: bool,
    focus: &[Scope],
    theme: &Theme,
) -> Vec<Line<'static>> {
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
            section.push(Line::from(vec![
                Span::styled(format!(" {keys:<16}"), theme.style(Role::Key)),
                Span::raw(action.describe()),
            ]));
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
        out.push(Line::from(Span::styled(
            " read-only connection: actions that change domains are disabled",
            theme.style(Role::Warn),
        )));
    }
    out
}

/// The help popup: scrolls with the navigation keys, any other key closes it.
pub struct Help {
    pub scroll: u16,
    /// The scopes of the view that had the keys when help opened.
    pub focus: Vec<Scope>,
}

impl Help {
    pub fn new(focus: &[Scope]) -> Help {
        Help {
            scroll: 0,
            focus: focus.to_vec(),
        }
    }
}

impl Layer for Help {
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::Global]
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &mut Ctx) -> Flow {
        match cx.action(&[Scope::Global], key) {
            Some(Action::Down) => self.scroll += 1,
            Some(Action::Up) => self.scroll = self.scroll.saturating_sub(1),
            Some(Action::PageDown) => self.scroll += 10,
            Some(Action::PageUp) => self.scroll = self.scroll.saturating_sub(10),
            Some(Action::Top) => self.scroll = 0,
            _ => return Flow::Close,
        }
        Flow::Consumed
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawCtx) {
        let theme = &cx.config.theme;
        let body = lines(&cx.config.keymap, cx.readonly, &self.focus, theme);
        let height = (body.len() as u16 + 2).min(area.height);
        let rect = super::centered(area, 76, height);
        f.render_widget(Clear, rect);
        let k = |a| cx.config.keymap.keys_label(a);
        let title = format!(
            "Keys ({} scroll, any other key closes)",
            [k(Action::Down), k(Action::Up)].join("/")
        );
        let block = super::frame(&title, false, theme);
        f.render_widget(
            Paragraph::new(body).block(block).scroll((self.scroll, 0)),
            rect,
        );
    }
}
