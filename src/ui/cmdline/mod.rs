//! The `:` command line as a layer at the bottom line: editing, Tab completion (command
//! names, domain names, snapshot names, sort keys), Up/Down history; Enter parses the line
//! and hands the `cmdline::Command` to the App (`Effect::Exec`), which runs it.

use std::collections::HashMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::action::{Action, Scope};
use crate::backend::snapshots::{SnapshotCmd, SnapshotEvent};
use crate::backend::{BackendEvent, RequestId};
use crate::cmdline::complete::candidates;
use crate::cmdline::table::{self, ArgKind};
use crate::cmdline::{Completer, CompletionSource, EditKey, History, LineEditor, parse, tab};
use crate::config::Role;
use crate::ui::layer::{Ctx, DrawCtx, Effect, Flow, Layer, Level};
use crate::ui::text::escape_spans;

/// What Tab completes from: the host's domain names and the snapshot names known so far.
#[derive(Clone, Debug, Default)]
pub struct Names {
    pub domains: Vec<String>,
    /// Snapshot names by domain name (from the snapshot pane, or asked for on Tab).
    pub snapshots: HashMap<String, Vec<String>>,
}

impl CompletionSource for Names {
    fn domains(&self) -> Vec<String> {
        self.domains.clone()
    }
    fn snapshots(&self, domain: &str) -> Vec<String> {
        self.snapshots.get(domain).cloned().unwrap_or_default()
    }
    fn sort_keys(&self) -> Vec<String> {
        crate::ui::domains::view::SORT_WORDS
            .iter()
            .map(|s| s.to_string())
            .collect()
    }
}

pub struct CommandLine {
    pub editor: LineEditor,
    completer: Completer,
    /// A copy of the App's history, for the Up/Down walk (the App records what runs).
    history: History,
    pub names: Names,
    /// A snapshot list asked for on Tab: (request, domain name).
    pending: Option<(RequestId, String)>,
    /// Candidates shown above the line after an ambiguous Tab.
    shown: Vec<String>,
}

impl CommandLine {
    pub fn new(history: History, names: Names) -> CommandLine {
        CommandLine {
            editor: LineEditor::new(),
            completer: Completer::new(),
            history,
            names,
            pending: None,
            shown: Vec::new(),
        }
    }

    /// Tab: completes; when a snapshot name is wanted for a domain whose snapshots are
    /// not known yet, asks the backend for them (Tab again once they arrived).
    fn complete(&mut self, cx: &mut Ctx) {
        let (head, _) = self.editor.split_at_cursor();
        let line = format!(":{head}");
        if let Some(domain) = wants_snapshots_of(&line)
            && !self.names.snapshots.contains_key(&domain)
        {
            let found = cx
                .store
                .rows()
                .find(|r| r.info.id.host == cx.host && r.info.name == domain)
                .map(|r| r.info.id.clone());
            if let Some(id) = found {
                let req = cx.reqs.allocate();
                self.pending = Some((req, domain.clone()));
                cx.send(crate::backend::Command::Snapshot(SnapshotCmd::List {
                    req,
                    id,
                }));
                cx.status(
                    Level::Info,
                    format!("reading the snapshots of {domain}… (Tab again)"),
                );
            }
            return;
        }
        let before = candidates(&line, &self.names).items;
        if !tab(&mut self.completer, &mut self.editor, &self.names) {
            cx.status(Level::Warn, "nothing to complete");
        }
        self.shown = if before.len() > 1 { before } else { Vec::new() };
    }
}

/// The domain whose snapshot names the last word of `line` completes, if it does.
fn wants_snapshots_of(line: &str) -> Option<String> {
    let body = line.trim_start().strip_prefix(':').unwrap_or(line);
    let (mut words, open) = crate::cmdline::parse::split_words(body);
    let fresh = open.is_none() && (words.is_empty() || body.ends_with(char::is_whitespace));
    if !fresh {
        words.pop();
    }
    let spec = table::lookup(&words.first()?.text)?;
    let index = words.len();
    let arg = spec.args.get(index.checked_sub(1)?)?;
    (arg.kind == ArgKind::Snapshot).then(|| words[index - 1].text.clone())
}

/// A `[keys.prompt]` action as an editing key (readline movement and deletion).
fn edit_key(action: Action) -> Option<EditKey> {
    Some(match action {
        Action::PromptLeft => EditKey::Left,
        Action::PromptRight => EditKey::Right,
        Action::PromptWordLeft => EditKey::WordLeft,
        Action::PromptWordRight => EditKey::WordRight,
        Action::PromptHome => EditKey::Home,
        Action::PromptEnd => EditKey::End,
        Action::PromptDelete => EditKey::Delete,
        Action::PromptDeleteWord => EditKey::CtrlW,
        Action::PromptKillEnd => EditKey::CtrlK,
        _ => return None,
    })
}

impl Layer for CommandLine {
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::Prompt, Scope::Input]
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &mut Ctx) -> Flow {
        match cx.action(&[Scope::Prompt, Scope::Input], key) {
            Some(Action::InputAccept) => {
                let line = format!(":{}", self.editor.text());
                match parse(&line) {
                    Ok(cmd) => cx.effects.push(Effect::Exec { line, cmd }),
                    Err(e) => {
                        // Kept in the history so Up brings it back to fix.
                        cx.effects.push(Effect::Exec {
                            line,
                            cmd: crate::cmdline::Command::Nothing,
                        });
                        cx.status(Level::Error, e.to_string());
                    }
                }
                return Flow::Close;
            }
            Some(Action::InputCancel) => return Flow::Close,
            Some(Action::InputBackspace) => {
                if self.editor.is_empty() {
                    return Flow::Close;
                }
                self.editor.apply(EditKey::Backspace);
            }
            Some(Action::InputClear) => {
                self.editor.apply(EditKey::CtrlU);
            }
            Some(Action::Complete) => {
                self.complete(cx);
                return Flow::Consumed;
            }
            Some(Action::PromptUp) => {
                let current = self.editor.text();
                if let Some(l) = self.history.older(&format!(":{current}")) {
                    let l = l.strip_prefix(':').unwrap_or(l).to_string();
                    self.editor.set_text(&l);
                }
            }
            Some(Action::PromptDown) => {
                if let Some(l) = self.history.newer() {
                    let l = l.strip_prefix(':').unwrap_or(l).to_string();
                    self.editor.set_text(&l);
                }
            }
            Some(a) => {
                if let Some(k) = edit_key(a) {
                    self.editor.apply(k);
                }
            }
            // Printable keys type; nothing bound in [keys.prompt] may print.
            None => {
                let mods = key.modifiers;
                if let KeyCode::Char(c) = key.code
                    && !mods.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
                {
                    self.editor.apply(EditKey::Char(c));
                }
            }
        }
        self.shown.clear();
        Flow::Consumed
    }

    fn on_paste(&mut self, text: &str, _cx: &mut Ctx) -> Flow {
        let (head, tail) = self.editor.split_at_cursor();
        let head = format!("{head}{}", text.replace(['\n', '\r'], " "));
        let cursor = head.chars().count();
        self.editor
            .set_text_cursor(&format!("{head}{tail}"), cursor);
        Flow::Consumed
    }

    fn on_backend(&mut self, ev: &BackendEvent, _cx: &mut Ctx) {
        if let BackendEvent::Snapshot(SnapshotEvent::List {
            req,
            result: Ok(list),
            ..
        }) = ev
            && let Some((want, domain)) = &self.pending
            && want == req
        {
            let names = list.iter().map(|s| s.name.clone()).collect();
            self.names.snapshots.insert(domain.clone(), names);
            self.pending = None;
        }
    }

    fn hints(&self) -> Vec<Action> {
        vec![
            Action::InputAccept,
            Action::Complete,
            Action::PromptUp,
            Action::InputCancel,
        ]
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawCtx) {
        let t = &cx.config.theme;
        let line_area = cx.status_area;
        if !self.shown.is_empty() && line_area.y > area.y {
            // Candidates on the row above, as many as fit.
            let above = Rect::new(line_area.x, line_area.y - 1, line_area.width, 1);
            let text = self.shown.join("  ");
            f.render_widget(ratatui::widgets::Clear, above);
            f.render_widget(
                Line::from(escape_spans(
                    &text,
                    t.style(Role::Dim),
                    t.style(Role::Escaped),
                )),
                above,
            );
        }
        let (head, tail) = self.editor.split_at_cursor();
        let mut spans = vec![Span::styled(":", t.style(Role::Key))];
        spans.extend(escape_spans(
            &head,
            t.style(Role::Base),
            t.style(Role::Escaped),
        ));
        let mut rest = tail.chars();
        let at = rest.next().map_or(" ".to_string(), |c| c.to_string());
        spans.push(Span::styled(at, t.style(Role::Selected)));
        let rest: String = rest.collect();
        spans.extend(escape_spans(
            &rest,
            t.style(Role::Base),
            t.style(Role::Escaped),
        ));
        f.render_widget(ratatui::widgets::Clear, line_area);
        f.render_widget(Line::from(spans), line_area);
    }
}
