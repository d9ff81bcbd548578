//! The Ctrl-P palette as a layer: every action available where the user is (the focused
//! scopes' rows of `Action::TABLE`, minus changes on a read-only connection), with its key
//! and description, fuzzy-filtered as the user types; Enter runs it (`Effect::Run`).

use crossterm::event::{KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use crate::action::{Action, Scope};
use crate::config::{Keymap, Role};
use crate::palette::{Entry, Hit, Palette};
use crate::ui::layer::{Ctx, DrawCtx, Effect, Flow, Layer};
use crate::ui::widgets::{Edit, LineInput};

/// Actions that make no sense picked from a list: movement, and the palette itself.
const NOT_LISTED: &[Action] = &[
    Action::Up,
    Action::Down,
    Action::PageUp,
    Action::PageDown,
    Action::Top,
    Action::Bottom,
    Action::Palette,
    Action::EditorPalette,
    Action::EditorLeft,
    Action::EditorRight,
    Action::EditorUp,
    Action::EditorDown,
    Action::EditorPageUp,
    Action::EditorPageDown,
];

/// The palette's rows for a user whose keys go to `focus` (most specific first).
pub fn entries(keymap: &Keymap, focus: &[Scope], readonly: bool) -> Vec<Entry<Action>> {
    let mut scopes: Vec<Scope> = focus.to_vec();
    if !scopes.contains(&Scope::Global) {
        scopes.push(Scope::Global);
    }
    let mut out = Vec::new();
    for scope in scopes {
        for info in Action::TABLE.iter().filter(|i| i.scope == scope) {
            if (readonly && info.mutating) || NOT_LISTED.contains(&info.action) {
                continue;
            }
            out.push(Entry::new(
                info.name.replace('_', " "),
                keymap.keys_label(info.action),
                info.description,
                info.action,
            ));
        }
    }
    out
}

pub struct PaletteLayer {
    palette: Palette<Action>,
    input: LineInput,
    hits: Vec<Hit>,
    cursor: usize,
}

impl PaletteLayer {
    pub fn new(entries: Vec<Entry<Action>>) -> PaletteLayer {
        let mut palette = Palette::new(entries);
        let hits = palette.filter("");
        PaletteLayer {
            palette,
            input: LineInput::default(),
            hits,
            cursor: 0,
        }
    }

    /// The labels of the rows matching the query, best first (what the user sees).
    pub fn labels(&self) -> Vec<String> {
        self.hits
            .iter()
            .filter_map(|h| self.palette.entry(*h))
            .map(|e| e.label.clone())
            .collect()
    }

    fn refilter(&mut self) {
        self.hits = self.palette.filter(&self.input.text);
        self.cursor = 0;
    }
}

impl Layer for PaletteLayer {
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::Prompt, Scope::Input]
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &mut Ctx) -> Flow {
        match cx.action(&[Scope::Prompt], key) {
            Some(Action::PromptUp) => {
                self.cursor = self.cursor.saturating_sub(1);
                return Flow::Consumed;
            }
            Some(Action::PromptDown) => {
                self.cursor = (self.cursor + 1).min(self.hits.len().saturating_sub(1));
                return Flow::Consumed;
            }
            _ => {}
        }
        // Ctrl-P again closes, as in editors.
        if cx.action(&[Scope::Global], key) == Some(Action::Palette)
            && key.modifiers.contains(KeyModifiers::CONTROL)
        {
            return Flow::Close;
        }
        match self.input.on_key(&cx.config.keymap, key) {
            Edit::Accept => {
                let picked = self
                    .hits
                    .get(self.cursor)
                    .and_then(|h| self.palette.entry(*h))
                    .map(|e| e.payload);
                if let Some(action) = picked {
                    cx.effects.push(Effect::Run(action));
                }
                Flow::Close
            }
            Edit::Cancel => Flow::Close,
            Edit::Changed => {
                self.refilter();
                Flow::Consumed
            }
            Edit::Ignored => Flow::Consumed,
        }
    }

    fn on_paste(&mut self, text: &str, _cx: &mut Ctx) -> Flow {
        self.input.paste(text);
        self.refilter();
        Flow::Consumed
    }

    fn hints(&self) -> Vec<Action> {
        vec![
            Action::InputAccept,
            Action::PromptUp,
            Action::PromptDown,
            Action::InputCancel,
        ]
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawCtx) {
        let t = &cx.config.theme;
        let width = area.width.saturating_sub(4).clamp(20, 90);
        let height = area.height.saturating_sub(4).clamp(5, 20);
        let rect = crate::ui::widgets::centered(area, width, height);
        f.render_widget(Clear, rect);
        let block = crate::ui::widgets::frame("Actions", false, t);
        let inner = block.inner(rect);
        f.render_widget(block, rect);
        let mut lines = Vec::new();
        let mut prompt = vec![Span::styled("> ", t.style(Role::Key))];
        prompt.extend(self.input.spans(t));
        lines.push(Line::from(prompt));
        let rows = usize::from(inner.height.saturating_sub(1));
        let first = self.cursor.saturating_sub(rows.saturating_sub(1));
        let query = self.input.text.clone();
        let visible: Vec<(usize, Hit)> = self
            .hits
            .iter()
            .copied()
            .enumerate()
            .skip(first)
            .take(rows)
            .collect();
        for (i, hit) in visible {
            let marks = self.palette.highlights(&query, hit.index);
            let Some(e) = self.palette.entry(hit) else {
                continue;
            };
            let base = if i == self.cursor {
                t.style(Role::Selected)
            } else {
                t.style(Role::Base)
            };
            let mut spans: Vec<Span> = e
                .label
                .chars()
                .enumerate()
                .map(|(n, c)| {
                    let style = if marks.contains(&n) {
                        base.add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
                    } else {
                        base
                    };
                    Span::styled(c.to_string(), style)
                })
                .collect();
            let pad = 22usize.saturating_sub(e.label.chars().count());
            spans.push(Span::styled(" ".repeat(pad), base));
            spans.push(Span::styled(
                format!(" {:<12}", e.key_hint),
                t.style(Role::Key),
            ));
            spans.push(Span::styled(
                format!(" {}", e.description),
                t.style(Role::Dim),
            ));
            lines.push(Line::from(spans));
        }
        if self.hits.is_empty() {
            lines.push(Line::from(Span::styled(
                "no action matches",
                t.style(Role::Dim),
            )));
        }
        f.render_widget(Paragraph::new(lines), inner);
    }
}
