//! Bulk actions over the marked domains: the confirmation (how many, how many the filter
//! hides; undefine wants the count typed) and the report popup listing every outcome.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use crate::action::{Action, Scope};
use crate::backend::{BulkOp, Command, DomainId, HostId, LifecycleOp};
use crate::config::Role;
use crate::ui::layer::{Ctx, DrawCtx, Flow, Layer, Level};
use crate::ui::text::escape;
use crate::ui::widgets::{Edit, LineInput};

/// Names listed in the confirmation before "and N more".
const NAMES_SHOWN: usize = 6;

/// "5 domains" / "5 domains, 2 hidden by the filter".
pub fn count_text(n: usize, hidden: usize) -> String {
    let what = if n == 1 { "domain" } else { "domains" };
    match hidden {
        0 => format!("{n} {what}"),
        h => format!("{n} {what}, {h} hidden by the filter"),
    }
}

/// Sends one `Command::Bulk` per host (one host today), saying so in the status line.
pub fn send_bulk(cx: &mut Ctx, op: BulkOp, targets: &[(DomainId, String)]) {
    let mut hosts: Vec<HostId> = targets.iter().map(|(id, _)| id.host).collect();
    hosts.sort();
    hosts.dedup();
    for host in hosts {
        let req = cx.reqs.allocate();
        let mine: Vec<(DomainId, String)> = targets
            .iter()
            .filter(|(id, _)| id.host == host)
            .cloned()
            .collect();
        cx.send(Command::Bulk {
            host,
            req,
            op,
            targets: mine,
        });
    }
    cx.status(
        Level::Info,
        format!("{}: {}…", op.verb(), count_text(targets.len(), 0)),
    );
}

/// A bulk action waiting for the user's yes (or, for undefine, the typed count).
pub struct BulkConfirm {
    pub op: BulkOp,
    pub targets: Vec<(DomainId, String)>,
    pub hidden: usize,
    /// `Some`: the number of domains must be typed (undefine).
    pub typed: Option<LineInput>,
}

impl BulkConfirm {
    pub fn new(op: BulkOp, targets: Vec<(DomainId, String)>, hidden: usize) -> BulkConfirm {
        let typed = matches!(op, BulkOp::Lifecycle(LifecycleOp::Undefine)).then(LineInput::default);
        BulkConfirm {
            op,
            targets,
            hidden,
            typed,
        }
    }

    /// The question and its body lines (also what tests read).
    pub fn text(&self) -> (String, Vec<String>) {
        let verb = self.op.verb();
        let mut title = verb.to_string();
        if let Some(c) = title.get_mut(0..1) {
            c.make_ascii_uppercase();
        }
        let title = format!("{title} {}?", count_text(self.targets.len(), 0));
        let mut body = vec![count_text(self.targets.len(), self.hidden)];
        let names: Vec<String> = self
            .targets
            .iter()
            .take(NAMES_SHOWN)
            .map(|(_, n)| escape(n).into_owned())
            .collect();
        let mut list = names.join(", ");
        if self.targets.len() > NAMES_SHOWN {
            list.push_str(&format!(" and {} more", self.targets.len() - NAMES_SHOWN));
        }
        body.push(list);
        match self.op {
            BulkOp::Lifecycle(LifecycleOp::Destroy) => {
                body.push("Stops each guest at once; unsaved data in them is lost.".into())
            }
            BulkOp::Lifecycle(LifecycleOp::Undefine) => body.push(
                "Removes each definition, snapshot metadata and managed save; disks stay.".into(),
            ),
            _ => {}
        }
        (title, body)
    }
}

impl Layer for BulkConfirm {
    fn scopes(&self) -> &'static [Scope] {
        if self.typed.is_some() {
            &[Scope::Input]
        } else {
            &[Scope::Confirm]
        }
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &mut Ctx) -> Flow {
        let verb = self.op.verb();
        let Some(input) = self.typed.as_mut() else {
            if cx.action(&[Scope::Confirm], key) == Some(Action::ConfirmYes) {
                send_bulk(cx, self.op, &self.targets);
            } else {
                cx.status(Level::Warn, format!("{verb}: cancelled"));
            }
            return Flow::Close;
        };
        match input.on_key(&cx.config.keymap, key) {
            Edit::Cancel => {
                cx.status(Level::Warn, format!("{verb}: cancelled"));
                Flow::Close
            }
            Edit::Accept => {
                if input.text.trim() == self.targets.len().to_string() {
                    send_bulk(cx, self.op, &self.targets);
                } else {
                    cx.status(
                        Level::Error,
                        format!(
                            "{verb}: typed {:?}, not the count {}; nothing was done",
                            input.text,
                            self.targets.len()
                        ),
                    );
                }
                Flow::Close
            }
            Edit::Changed | Edit::Ignored => Flow::Consumed,
        }
    }

    fn on_paste(&mut self, text: &str, _cx: &mut Ctx) -> Flow {
        if let Some(input) = self.typed.as_mut() {
            input.paste(text);
        }
        Flow::Consumed
    }

    fn hints(&self) -> Vec<Action> {
        if self.typed.is_some() {
            vec![Action::InputAccept, Action::InputCancel]
        } else {
            vec![Action::ConfirmYes]
        }
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawCtx) {
        let theme = &cx.config.theme;
        let k = |a| cx.config.keymap.keys_label(a);
        let (title, body) = self.text();
        let mut lines: Vec<Line> = body.into_iter().map(Line::from).collect();
        lines.push(Line::from(""));
        match &self.typed {
            None => lines.push(Line::from(vec![
                Span::styled(k(Action::ConfirmYes), theme.style(Role::Key)),
                Span::raw(" to confirm, any other key cancels"),
            ])),
            Some(input) => {
                lines.push(Line::from(vec![
                    Span::raw(format!("Type {} and press ", self.targets.len())),
                    Span::styled(k(Action::InputAccept), theme.style(Role::Key)),
                    Span::raw(format!(" ({} cancels):", k(Action::InputCancel))),
                ]));
                let mut typed = vec![Span::raw("> ")];
                typed.extend(input.spans(theme));
                lines.push(Line::from(typed));
            }
        }
        let width = area.width.clamp(20, 70);
        let height = (lines.len() as u16 + 4).min(area.height);
        let rect = super::centered(area, width, height);
        f.render_widget(Clear, rect);
        f.render_widget(
            Paragraph::new(lines)
                .block(super::frame(&title, true, theme))
                .wrap(Wrap { trim: false }),
            rect,
        );
    }
}

/// Every outcome of a finished bulk job, failures first; any key closes it.
pub struct BulkReport {
    pub title: String,
    pub lines: Vec<String>,
    scroll: usize,
}

impl BulkReport {
    pub fn new(title: String, lines: Vec<String>) -> BulkReport {
        BulkReport {
            title,
            lines,
            scroll: 0,
        }
    }
}

impl Layer for BulkReport {
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::Global]
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &mut Ctx) -> Flow {
        match cx.action(&[Scope::Global], key) {
            Some(Action::Down) => self.scroll = (self.scroll + 1).min(self.lines.len()),
            Some(Action::Up) => self.scroll = self.scroll.saturating_sub(1),
            Some(Action::PageDown) => self.scroll = (self.scroll + 10).min(self.lines.len()),
            Some(Action::PageUp) => self.scroll = self.scroll.saturating_sub(10),
            _ => return Flow::Close,
        }
        Flow::Consumed
    }

    fn hints(&self) -> Vec<Action> {
        vec![Action::Up, Action::Down]
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawCtx) {
        let theme = &cx.config.theme;
        let width = area.width.saturating_sub(4).clamp(20, 100);
        let height = (self.lines.len() as u16 + 3).clamp(5, area.height.saturating_sub(2).max(5));
        let rect = super::centered(area, width, height.min(area.height));
        f.render_widget(Clear, rect);
        let lines: Vec<Line> = self
            .lines
            .iter()
            .skip(self.scroll)
            .map(|l| {
                let role = if l.starts_with('✗') {
                    Role::Error
                } else {
                    Role::Base
                };
                Line::from(Span::styled(l.clone(), theme.style(role)))
            })
            .collect();
        let mut lines = lines;
        let k = |a| cx.config.keymap.keys_label(a);
        lines.push(Line::from(Span::styled(
            format!(
                "{} / {} scroll, any other key closes",
                k(Action::Down),
                k(Action::Up)
            ),
            theme.style(Role::Dim),
        )));
        f.render_widget(
            Paragraph::new(lines).block(super::frame(&self.title, true, theme)),
            rect,
        );
    }
}
