//! Draws the XML editor full-screen: title, numbered coloured lines with the error marker,
//! inline messages, key hints, and its popups.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use crossterm::event::KeyCode;

use crate::action::Action;
use crate::config::keymap::display;
use crate::ui::popups::frame;

use super::highlight::{self, Kind};
use super::{Popup, PromptKind, XmlEditor};
use crate::config::{Role, Theme};
use crate::ui::text::{escape, escape_spans, needs_escape};

pub fn role(k: Kind) -> Role {
    match k {
        Kind::Text => Role::Base,
        Kind::Punct => Role::Border,
        Kind::TagName => Role::Key,
        Kind::AttrName => Role::Header,
        Kind::Value => Role::Running,
        Kind::Comment | Kind::Decl => Role::Dim,
        Kind::Entity => Role::Paused,
    }
}

pub fn render(f: &mut Frame, area: Rect, ed: &mut XmlEditor, t: &Theme) {
    let message = message_lines(ed, area.width, t);
    let [title, body, msg, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(message.len() as u16),
        Constraint::Length(1),
    ])
    .areas(area);
    render_title(f, title, ed, t);
    render_body(f, body, ed, t);
    f.render_widget(Paragraph::new(message), msg);
    render_hints(f, hints, ed, t);
    render_popup(f, body, area, ed, t);
}

fn render_title(f: &mut Frame, area: Rect, ed: &XmlEditor, t: &Theme) {
    let mut spans = vec![Span::styled(" XML ", t.style(Role::Title)), Span::raw(" ")];
    spans.extend(escape_spans(
        &ed.target.label(),
        t.style(Role::Base),
        t.style(Role::Escaped),
    ));
    let what = match (&ed.target, ed.live) {
        (t, _) if t.is_new() => "  new definition",
        (_, true) => "  live XML (read-only)",
        (_, false) => "  persistent definition",
    };
    spans.push(Span::styled(what, t.style(Role::Dim)));
    if let Some(g) = &ed.gone {
        spans.push(Span::styled(format!("  {g}"), t.style(Role::Error)));
    }
    if ed.secure {
        spans.push(Span::styled(" +secure", t.style(Role::Warn)));
    }
    if ed.modified() {
        spans.push(Span::styled("  [modified]", t.style(Role::Warn)));
    }
    if ed.loading.is_some() {
        spans.push(Span::styled("  loading…", t.style(Role::Dim)));
    } else if ed.applying.is_some() {
        spans.push(Span::styled("  defining…", t.style(Role::Dim)));
    } else {
        match &ed.error {
            None => {
                spans.push(Span::styled("  ✓ well-formed", t.style(Role::Running)));
                if !ed.issues.is_empty() {
                    spans.push(Span::styled(
                        format!(
                            "  ⚠ {} unknown to the schema ({})",
                            ed.issues.len(),
                            hint_key(ed, Action::EditorIssues)
                        ),
                        t.style(Role::Warn),
                    ));
                }
            }
            Some(e) => spans.push(Span::styled(
                format!("  ✗ {}:{}", e.line, e.col),
                t.style(Role::Error),
            )),
        }
    }
    f.render_widget(Line::from(spans), area);
}

fn render_body(f: &mut Frame, area: Rect, ed: &mut XmlEditor, t: &Theme) {
    let n = ed.buf.lines().len();
    let gutter = n.to_string().len() + 2;
    let width = usize::from(area.width).saturating_sub(gutter).max(1);
    let height = usize::from(area.height).max(1);
    ed.view_size = (width, height);
    // Keep the cursor on screen.
    let (cr, cc) = ed.buf.cursor;
    if cr < ed.scroll.0 {
        ed.scroll.0 = cr;
    } else if cr >= ed.scroll.0 + height {
        ed.scroll.0 = cr + 1 - height;
    }
    if cc < ed.scroll.1 {
        ed.scroll.1 = cc;
    } else if cc >= ed.scroll.1 + width {
        ed.scroll.1 = cc + 1 - width;
    }
    let (top, left) = ed.scroll;
    let err = ed.error.as_ref().map(|e| (e.line - 1, e.col - 1));
    let sel = ed.buf.selection();
    let states: Vec<highlight::State> = {
        let all = ed.line_states(top + height);
        all[top.min(all.len())..].to_vec()
    };
    let mut lines = Vec::with_capacity(height);
    for (i, st) in states.into_iter().enumerate() {
        let row = top + i;
        let text = &ed.buf.lines()[row];
        let is_err = err.is_some_and(|(l, _)| l == row);
        let unknown = ed.issues.iter().any(|i| i.line == row + 1);
        let num_style = if is_err {
            t.style(Role::Error)
        } else if unknown {
            t.style(Role::Warn)
        } else {
            t.style(Role::Dim)
        };
        let mark = if is_err {
            '▶'
        } else if unknown {
            '?'
        } else {
            ' '
        };
        let mut spans = vec![Span::styled(
            format!("{:>w$}{mark} ", row + 1, w = gutter - 2),
            num_style,
        )];
        let (runs, _) = highlight::line(text, st);
        let mut col = 0usize;
        let mut cur = String::new();
        let mut cur_style = Style::default();
        let push = |s: &str,
                    style: Style,
                    spans: &mut Vec<Span<'static>>,
                    cur: &mut String,
                    cs: &mut Style| {
            if *cs != style && !cur.is_empty() {
                spans.push(Span::styled(std::mem::take(cur), *cs));
            }
            *cs = style;
            cur.push_str(s);
        };
        for (a, b, k) in runs {
            for ch in text[a..b].chars() {
                if col >= left && col < left + width {
                    let mut style = t.style(role(k));
                    if sel.is_some_and(|(s, e)| (row, col) >= s && (row, col) < e) {
                        style = style.add_modifier(Modifier::REVERSED);
                    }
                    if err == Some((row, col)) {
                        style = t
                            .style(Role::Error)
                            .add_modifier(Modifier::REVERSED | Modifier::UNDERLINED);
                    }
                    if needs_escape(ch) {
                        push(
                            &escape(&ch.to_string()),
                            t.style(Role::Escaped),
                            &mut spans,
                            &mut cur,
                            &mut cur_style,
                        );
                    } else {
                        push(&ch.to_string(), style, &mut spans, &mut cur, &mut cur_style);
                    }
                }
                col += 1;
            }
        }
        if !cur.is_empty() {
            spans.push(Span::styled(cur, cur_style));
        }
        if err.is_some_and(|(l, c)| l == row && c >= col) {
            spans.push(Span::styled("◀", t.style(Role::Error)));
        }
        lines.push(Line::from(spans));
    }
    f.render_widget(Paragraph::new(lines), area);
    if ed.popup.is_none() || matches!(ed.popup, Some(Popup::Completion(_))) {
        let x = area.x + (gutter + cc - left) as u16;
        let y = area.y + (cr - top) as u16;
        f.set_cursor_position(Position::new(x, y));
    }
}

/// The lines between the buffer and the hints: libvirt's error, the XML error, a notice.
fn message_lines(ed: &XmlEditor, width: u16, t: &Theme) -> Vec<Line<'static>> {
    let w = usize::from(width.max(20)) - 1;
    let mut out = Vec::new();
    let mut add = |prefix: &str, text: &str, r: Role, max: usize| {
        for s in wrap(&format!("{prefix}{text}"), w).into_iter().take(max) {
            let mut spans = vec![Span::raw(" ")];
            spans.extend(escape_spans(&s, t.style(r), t.style(Role::Escaped)));
            out.push(Line::from(spans));
        }
    };
    if let Some(e) = &ed.libvirt_error {
        add("libvirt refused it: ", e, Role::Error, 4);
    }
    if let Some(e) = &ed.error {
        add(
            &format!("line {}, column {}: ", e.line, e.col),
            &e.message,
            Role::Error,
            2,
        );
    }
    if let Some(i) = ed.issues.first().filter(|_| ed.error.is_none()) {
        let more = match ed.issues.len() {
            1 => format!(
                "{}: what is allowed there",
                hint_key(ed, Action::EditorIssues)
            ),
            n => format!(
                "{}: all {n}, with what is allowed",
                hint_key(ed, Action::EditorIssues)
            ),
        };
        add(
            &format!("line {}, column {}: ", i.line, i.col),
            &format!("{} — {more}", i.message),
            Role::Warn,
            2,
        );
    }
    if let Some(n) = &ed.notice {
        add("", n, Role::Info, 2);
    }
    if let Err(why) = ed.schema.as_ref() {
        add("", why, Role::Warn, 1);
    }
    out
}

/// Word-wraps `text` (its own newlines kept) into lines of at most `w` characters.
fn wrap(text: &str, w: usize) -> Vec<String> {
    let mut out = Vec::new();
    for para in text.lines() {
        let mut line = String::new();
        for word in para.split(' ') {
            let (lw, ww) = (line.chars().count(), word.chars().count());
            if lw > 0 && lw + 1 + ww > w {
                out.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
            while line.chars().count() > w {
                let head: String = line.chars().take(w).collect();
                line = line.chars().skip(w).collect();
                out.push(head);
            }
        }
        out.push(line);
    }
    out
}

/// The first key of `a` for a hint, short: `^S` for Ctrl-s.
pub fn hint_key(ed: &XmlEditor, a: Action) -> String {
    let Some(key) = ed.keymap().and_then(|k| k.keys(a).first().copied()) else {
        return "-".into();
    };
    match key.code {
        KeyCode::Char(c) if key.ctrl && !key.alt && !key.shift => {
            if c == ' ' {
                "^Space".into()
            } else {
                format!("^{}", c.to_ascii_uppercase())
            }
        }
        _ => display(&key),
    }
}

fn render_hints(f: &mut Frame, area: Rect, ed: &XmlEditor, t: &Theme) {
    use Action as A;
    let acts: &[(Action, &str)] = match &ed.popup {
        Some(Popup::Diff { .. }) => &[(A::DiffDefine, "define"), (A::PopupDown, "scroll")],
        Some(Popup::DraftOffer { .. }) => &[
            (A::DraftRestore, "restore draft"),
            (A::DraftDiscard, "discard it"),
            (A::DraftLater, "keep for later"),
        ],
        Some(Popup::Completion(_)) => &[
            (A::CompletionNext, "choose"),
            (A::CompletionInsert, "insert"),
            (A::CompletionClose, "close"),
        ],
        Some(Popup::CloseConfirm) => &[
            (A::CloseKeep, "keep as draft and close"),
            (A::CloseDiscard, "discard and close"),
            (A::CloseApply, "apply"),
            (A::CloseBack, "back"),
        ],
        _ => &[
            (A::EditorApply, "apply"),
            (A::EditorComplete, "hints"),
            (A::EditorUndo, "undo"),
            (A::EditorFind, "find"),
            (A::EditorLive, "live"),
            (A::EditorExternal, "$EDITOR"),
            (A::EditorHelp, "keys"),
            (A::EditorClose, "close"),
        ],
    };
    // Something not defined yet has no live definition to look at.
    let has_live = !ed.target.is_new();
    let mut keys: Vec<(String, &str)> = acts
        .iter()
        .filter(|(a, _)| has_live || *a != A::EditorLive)
        .map(|(a, d)| (hint_key(ed, *a), *d))
        .collect();
    if matches!(ed.popup, Some(Popup::Diff { .. })) {
        keys.push(("other keys".into(), "back to editing"));
    }
    let mut spans = Vec::new();
    for (k, d) in keys {
        spans.push(Span::styled(format!(" {k}"), t.style(Role::Key)));
        spans.push(Span::styled(format!(" {d}"), t.style(Role::Dim)));
    }
    f.render_widget(Line::from(spans), area);
}

fn render_popup(f: &mut Frame, body: Rect, area: Rect, ed: &XmlEditor, t: &Theme) {
    match &ed.popup {
        None => {}
        Some(Popup::Completion(c)) => {
            let (cr, cc) = ed.buf.cursor;
            let gutter = ed.buf.lines().len().to_string().len() + 2;
            let h = (c.items.len().min(8) + 2) as u16;
            let w = (c
                .items
                .iter()
                .map(|i| i.chars().count())
                .max()
                .unwrap_or(4)
                .max(c.title.chars().count())
                + 4)
            .min(usize::from(area.width)) as u16;
            let cy = body.y + (cr.saturating_sub(ed.scroll.0)) as u16;
            let y = if cy + 1 + h <= body.bottom() {
                cy + 1
            } else {
                cy.saturating_sub(h).max(body.y)
            };
            let cx = body.x + (gutter + cc.saturating_sub(ed.scroll.1)) as u16;
            let x = cx.min(area.right().saturating_sub(w));
            let rect = Rect::new(x, y, w, h.min(area.height));
            let first = c.selected.saturating_sub(7);
            let lines: Vec<Line> = c
                .items
                .iter()
                .enumerate()
                .skip(first)
                .take(8)
                .map(|(i, s)| {
                    let st = if i == c.selected {
                        t.style(Role::Selected)
                    } else {
                        t.style(Role::Popup)
                    };
                    Line::from(Span::styled(format!(" {s} "), st))
                })
                .collect();
            f.render_widget(Clear, rect);
            f.render_widget(Paragraph::new(lines).block(frame(&c.title, false, t)), rect);
        }
        Some(Popup::Diff { lines, scroll }) => {
            f.render_widget(Clear, body);
            let shown: Vec<Line> = lines
                .iter()
                .skip(*scroll)
                .map(|l| {
                    let r = if l.starts_with('!') {
                        Role::Warn
                    } else if l.starts_with("+++") || l.starts_with("---") || l.starts_with("@@") {
                        Role::Header
                    } else if l.starts_with('+') {
                        Role::Running
                    } else if l.starts_with('-') {
                        Role::Error
                    } else {
                        Role::Base
                    };
                    Line::from(escape_spans(l, t.style(r), t.style(Role::Escaped)))
                })
                .collect();
            let title = format!(
                "Apply? diff against the current definition — {} defines",
                hint_key(ed, Action::DiffDefine)
            );
            f.render_widget(Paragraph::new(shown).block(frame(&title, false, t)), body);
        }
        Some(Popup::CloseConfirm) => {
            let k = |a| hint_key(ed, a);
            let text = vec![
                Line::from(" This buffer has changes that are not applied."),
                Line::from(format!(
                    " {}  close and keep them as a draft (offered when you reopen)",
                    k(Action::CloseKeep)
                )),
                Line::from(format!(
                    " {}  discard them and close",
                    k(Action::CloseDiscard)
                )),
                Line::from(format!(
                    " {}  apply them ({})",
                    k(Action::CloseApply),
                    k(Action::EditorApply)
                )),
                Line::from(format!(" {}  back to editing", k(Action::CloseBack))),
            ];
            question(f, body, 64, "Close the editor?", text, t);
        }
        Some(Popup::Issues { scroll }) => {
            let lines: Vec<Line> = ed
                .issues
                .iter()
                .flat_map(|i| {
                    let head = format!("line {}, column {}: {}", i.line, i.col, i.message);
                    let allowed = if i.allowed.is_empty() {
                        "nothing is allowed here".to_string()
                    } else {
                        format!("allowed: {}", i.allowed.join(", "))
                    };
                    let w = usize::from(body.width.saturating_sub(4)).max(20);
                    let mut out = vec![Line::from(escape_spans(
                        &head,
                        t.style(Role::Warn),
                        t.style(Role::Escaped),
                    ))];
                    out.extend(
                        wrap(&allowed, w)
                            .into_iter()
                            .map(|l| Line::from(format!("  {l}"))),
                    );
                    out.push(Line::from(""));
                    out
                })
                .skip(*scroll)
                .collect();
            f.render_widget(Clear, body);
            let title = format!(
                "Names libvirt's schema does not know here — {}/{} scroll, other keys back",
                hint_key(ed, Action::PopupUp),
                hint_key(ed, Action::PopupDown)
            );
            f.render_widget(Paragraph::new(lines).block(frame(&title, false, t)), body);
        }
        Some(Popup::DraftOffer { age, .. }) => {
            let k = |a| hint_key(ed, a);
            let text = vec![
                Line::from(format!(" An unapplied draft from {age} exists.")),
                Line::from(format!(
                    " {}  restore it into the editor",
                    k(Action::DraftRestore)
                )),
                Line::from(format!(
                    " {}  discard it, keep the current definition",
                    k(Action::DraftDiscard)
                )),
                Line::from(format!(
                    " {}  keep it for later, show the definition",
                    k(Action::DraftLater)
                )),
            ];
            question(f, body, 60, "Draft found", text, t);
        }
        Some(Popup::Prompt { kind, input }) => {
            let label = match kind {
                PromptKind::Search => "find: ",
                PromptKind::OpenFile => "load file: ",
            };
            let rect = Rect::new(area.x, area.bottom().saturating_sub(1), area.width, 1);
            f.render_widget(Clear, rect);
            let mut spans = vec![Span::styled(label, t.style(Role::Key))];
            spans.extend(escape_spans(
                input,
                t.style(Role::Base),
                t.style(Role::Escaped),
            ));
            spans.push(Span::styled("█", t.style(Role::Dim)));
            f.render_widget(Line::from(spans), rect);
        }
        Some(Popup::Help { scroll }) => {
            let width = 76.min(body.width);
            let all = help_lines(usize::from(width.saturating_sub(2)), t, ed.keymap());
            let rect = crate::ui::popups::centered(body, width, (all.len() + 2) as u16);
            f.render_widget(Clear, rect);
            let lines: Vec<Line> = all.into_iter().skip(*scroll).collect();
            f.render_widget(
                Paragraph::new(lines).block(frame("XML editor keys", false, t)),
                rect,
            );
        }
    }
}

/// The help table: keys in a column as wide as the widest key plus a gap, descriptions
/// word-wrapped beside them (never run together, whatever the width).
fn help_lines(
    width: usize,
    t: &Theme,
    keymap: Option<&crate::config::Keymap>,
) -> Vec<Line<'static>> {
    let help = super::keys::help(keymap);
    let key_w = help
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0)
        + 2;
    let desc_w = width.saturating_sub(key_w + 1).max(10);
    let mut out = Vec::new();
    for (k, d) in &help {
        for (i, part) in wrap(d, desc_w).into_iter().enumerate() {
            let key = if i == 0 { k.as_str() } else { "" };
            out.push(Line::from(vec![
                Span::styled(format!(" {key:<key_w$}"), t.style(Role::Key)),
                Span::raw(part),
            ]));
        }
    }
    out
}

/// A small framed question of `lines` (its keys and what each does), centred in `body`.
fn question(f: &mut Frame, body: Rect, width: u16, title: &str, lines: Vec<Line>, t: &Theme) {
    let rect = crate::ui::popups::centered(body, width, 7);
    f.render_widget(Clear, rect);
    f.render_widget(
        Paragraph::new(lines)
            .block(frame(title, false, t))
            .wrap(Wrap { trim: false }),
        rect,
    );
}
