//! Drawing the wizard: the steps on the left, the page's fields on the right, then the
//! focused field's hint, the page's error and the keys (from the keymap).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::Wizard;
use super::form::Field;
use super::pages::{F, Page};
use crate::action::Action;
use crate::config::Role;
use crate::ui::layer::DrawCtx;
use crate::ui::text::escape;
use crate::ui::widgets::sheet::{bytes, view_area};

/// A field's value as shown: text with a cursor when focused, `‹ choice ›`, `[x]`.
fn value_spans(field: &Field, focused: bool, cx: &DrawCtx) -> Vec<Span<'static>> {
    let t = &cx.config.theme;
    match field {
        Field::Text(input) if focused => input.spans(t),
        Field::Text(input) => vec![Span::styled(
            escape(&input.text).to_string(),
            t.style(Role::Base),
        )],
        Field::Choice(c) => {
            let label = c
                .selected()
                .map_or_else(|| "(none)".to_string(), |o| escape(&o.label).to_string());
            vec![Span::styled(
                format!("‹ {label} ›"),
                t.style(if focused { Role::Selected } else { Role::Base }),
            )]
        }
        Field::Toggle(on) => vec![Span::styled(
            if *on { "[x]" } else { "[ ]" }.to_string(),
            t.style(if focused { Role::Selected } else { Role::Base }),
        )],
    }
}

fn steps(w: &Wizard, cx: &DrawCtx) -> Vec<Line<'static>> {
    let t = &cx.config.theme;
    Page::ALL
        .iter()
        .map(|p| {
            let (mark, role) = match p.cmp(&w.page) {
                std::cmp::Ordering::Less => ("✓", Role::Dim),
                std::cmp::Ordering::Equal => ("▸", Role::TabActive),
                std::cmp::Ordering::Greater => (" ", Role::Base),
            };
            Line::styled(
                format!("{mark} {}. {}", p.index() + 1, p.title()),
                t.style(role),
            )
        })
        .collect()
}

/// Extra lines a page shows under its fields (the host's limits, what the disk will be).
fn page_notes(w: &Wizard, km: &crate::config::Keymap) -> Vec<String> {
    match w.page {
        Page::Resources => match &w.node {
            Some(n) => vec![format!(
                "host: {} CPUs, {} memory ({} free)",
                n.cpus,
                bytes(n.memory_kib.saturating_mul(1024)),
                bytes(n.free_memory_bytes)
            )],
            None => vec!["host limits: reading…".into()],
        },
        Page::Disk if w.imports() => vec!["the imported image is the domain's disk".into()],
        Page::Network if w.get(F::NetKind) == "network" && w.networks.is_empty() => {
            vec!["reading the virtual networks…".into()]
        }
        Page::Name => w.os_note.iter().cloned().collect(),
        Page::Options => vec![format!(
            "{} shows the domain XML in the editor: {} there creates it",
            km.keys_label(Action::InputAccept),
            km.keys_label(Action::EditorApply)
        )],
        _ => Vec::new(),
    }
}

pub fn draw(w: &mut Wizard, f: &mut Frame, area: Rect, cx: &DrawCtx) {
    let area = view_area(area);
    f.render_widget(Clear, area);
    let t = &cx.config.theme;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(Role::Border))
        .style(t.style(Role::Popup))
        .title(Line::styled(
            format!(
                " create a domain — {}/{} {} ",
                w.page.index() + 1,
                Page::ALL.len(),
                w.page.title()
            ),
            t.style(Role::Title),
        ));
    let inner = block.inner(area);
    f.render_widget(block, area);
    // The steps need room: on a narrow screen the title alone says where the page is.
    let side = if inner.width >= 100 { 24 } else { 0 };
    let [left, right] =
        Layout::horizontal([Constraint::Length(side), Constraint::Min(10)]).areas(inner);
    if side > 0 {
        f.render_widget(Paragraph::new(steps(w, cx)), left);
    }
    let visible = w.visible(w.page);
    w.focus = w.focus.min(visible.len().saturating_sub(1));
    let label_w = visible.iter().map(|f| f.label().len()).max().unwrap_or(0) + 2;
    let mut lines: Vec<Line> = Vec::new();
    for (i, fid) in visible.iter().enumerate() {
        let focused = i == w.focus;
        let Some(field) = w.fields.get(fid) else {
            continue;
        };
        let marker = if focused { "› " } else { "  " };
        let mut spans = vec![Span::styled(
            format!("{marker}{:<label_w$}", format!("{}:", fid.label())),
            t.style(if focused { Role::Key } else { Role::Header }),
        )];
        spans.extend(value_spans(field, focused, cx));
        lines.push(Line::from(spans));
    }
    lines.push(Line::raw(""));
    for note in page_notes(w, &cx.config.keymap) {
        lines.push(Line::styled(escape(&note).to_string(), t.style(Role::Dim)));
    }
    if let Some(fid) = visible.get(w.focus) {
        let mut hint = String::new();
        if let Some(Field::Choice(c)) = w.fields.get(fid) {
            let shown = c.shown().len();
            hint = if c.filter.is_empty() {
                format!("{shown} choices")
            } else {
                format!("/{}: {shown} of {}", escape(&c.filter), c.options.len())
            };
        }
        if !fid.hint().is_empty() {
            if !hint.is_empty() {
                hint.push_str(" · ");
            }
            hint.push_str(fid.hint());
        }
        if !hint.is_empty() {
            lines.push(Line::styled(hint, t.style(Role::Dim)));
        }
    }
    if let Some(note) = &w.note {
        lines.push(Line::styled(escape(note), t.style(Role::Warn)));
    }
    if let Some(err) = &w.error {
        lines.push(Line::styled(escape(err), t.style(Role::Error)));
    }
    let km = &cx.config.keymap;
    let keys = format!(
        "{} next page · {} back a page · {}/{} field · {}/{} choice · {} cancel",
        km.keys_label(Action::InputAccept),
        km.keys_label(Action::InputCancel),
        km.keys_label(Action::WizardNextField),
        km.keys_label(Action::WizardPrevField),
        km.keys_label(Action::WizardNextChoice),
        km.keys_label(Action::WizardPrevChoice),
        km.keys_label(Action::WizardCancel),
    );
    let [body, foot] = Layout::vertical([Constraint::Min(1), Constraint::Length(2)]).areas(right);
    // Field rows are cut at the edge (a wrapped value would look like the next field).
    let fields = visible.len() + 1;
    let [rows, rest] =
        Layout::vertical([Constraint::Length(fields as u16), Constraint::Min(0)]).areas(body);
    let rest_lines = lines.split_off(fields.min(lines.len()));
    f.render_widget(Paragraph::new(lines), rows);
    f.render_widget(Paragraph::new(rest_lines).wrap(Wrap { trim: false }), rest);
    f.render_widget(
        Paragraph::new(Line::styled(keys, t.style(Role::Dim))).wrap(Wrap { trim: true }),
        foot,
    );
}
