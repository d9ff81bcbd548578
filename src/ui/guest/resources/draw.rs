//! Drawing the memory / vCPU dialog: the figures libvirt reports, the fields, where the
//! change applies, and what an apply would send (or why it is refused).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::{Resource, ResourceDialog, scopes_for};
use crate::action::Action;
use crate::config::Role;
use crate::ui::format;
use crate::ui::layer::DrawCtx;
use crate::ui::text::escape;
use crate::ui::widgets::{LineInput, centered, frame};

impl ResourceDialog {
    pub(super) fn render(&mut self, f: &mut Frame, area: Rect, cx: &DrawCtx) {
        let t = &cx.config.theme;
        let k = |a| cx.config.keymap.keys_label(a);
        let title = match self.what {
            Resource::Memory => format!("Memory of {}", escape(&self.name)),
            Resource::Vcpus => format!("vCPUs of {}", escape(&self.name)),
        };
        let mut lines = Vec::new();
        let limits = match &self.limits {
            None => {
                lines.push(Line::from("reading the limits libvirt reports…"));
                None
            }
            Some(Err(e)) => {
                lines.push(Line::styled(
                    format!("cannot read the limits: {}", escape(e)),
                    t.style(Role::Error),
                ));
                None
            }
            Some(Ok(l)) => Some(l.clone()),
        };
        if let Some(l) = &limits {
            let state = match (l.active, l.persistent) {
                (true, true) => "running, persistent",
                (true, false) => "running, transient",
                _ => "shut off",
            };
            lines.push(Line::from(match self.what {
                Resource::Memory => format!(
                    "Now {} of a {} maximum ({state}).",
                    format::mem(l.memory_kib),
                    format::mem(l.max_memory_kib)
                ),
                Resource::Vcpus => format!(
                    "Now {} of a {} maximum; the hypervisor allows {} ({state}).",
                    l.vcpus,
                    l.max_vcpus,
                    l.host_max_vcpus
                        .map_or_else(|| "?".to_string(), |h| h.to_string())
                ),
            }));
            lines.push(Line::from(""));
            let unit = match self.what {
                Resource::Memory => "MiB (or 512M, 1.5G, 262144K)",
                Resource::Vcpus => "",
            };
            let field = |i: usize, label: &str, input: &LineInput, hint: String| {
                let mut spans = vec![
                    Span::raw(if self.field == i { "▶ " } else { "  " }),
                    Span::styled(format!("{label:<10}"), t.style(Role::Key)),
                ];
                if self.field == i {
                    spans.extend(input.spans(t));
                } else {
                    spans.push(Span::raw(escape(&input.text).into_owned()));
                }
                spans.push(Span::styled(format!("  {hint}"), t.style(Role::Dim)));
                let line = Line::from(spans);
                if self.field == i {
                    line.style(t.style(Role::Selected))
                } else {
                    line
                }
            };
            lines.push(field(0, "Current", &self.current, unit.to_string()));
            let max_hint = match self.what {
                Resource::Memory => unit.to_string(),
                Resource::Vcpus => format!(
                    "up to {}",
                    l.host_max_vcpus
                        .map_or_else(|| "?".to_string(), |h| h.to_string())
                ),
            };
            lines.push(field(1, "Maximum", &self.maximum, max_hint));
            let mut scope = vec![
                Span::raw(if self.field == 2 { "▶ " } else { "  " }),
                Span::styled(format!("{:<10}", "Apply to"), t.style(Role::Key)),
            ];
            for a in scopes_for(l) {
                let text = if a == self.affect {
                    format!("[{}] ", a.label())
                } else {
                    format!(" {}  ", a.label())
                };
                let role = if a == self.affect {
                    Role::Base
                } else {
                    Role::Dim
                };
                scope.push(Span::styled(text, t.style(role)));
            }
            let scope = Line::from(scope);
            lines.push(if self.field == 2 {
                scope.style(t.style(Role::Selected))
            } else {
                scope
            });
            lines.push(Line::from(""));
            if !self.pending.is_empty() {
                lines.push(Line::from("applying…"));
            } else if let Some(e) = &self.error {
                lines.push(Line::styled(escape(e).into_owned(), t.style(Role::Error)));
            } else if !self.results.is_empty() {
                for r in &self.results {
                    lines.push(match r {
                        Ok(s) => Line::styled(escape(s).into_owned(), t.style(Role::Info)),
                        Err(e) => Line::styled(escape(e).into_owned(), t.style(Role::Error)),
                    });
                }
            } else {
                match self.changes() {
                    Ok(c) if !c.is_empty() => lines.push(Line::styled(
                        format!("Same as: {}", escape(&self.same_as(&c))),
                        t.style(Role::Dim),
                    )),
                    Ok(_) => lines.push(Line::from("")),
                    Err(e) => {
                        lines.push(Line::styled(escape(&e).into_owned(), t.style(Role::Warn)))
                    }
                }
            }
        }
        lines.push(Line::styled(
            format!(
                "{} next field · {} choose where · {} apply · {} close",
                k(Action::NextField),
                k(Action::ToggleOption),
                k(Action::InputAccept),
                k(Action::InputCancel)
            ),
            t.style(Role::Dim),
        ));
        let width = area.width.clamp(20, 84);
        let inner = usize::from(width.saturating_sub(2)).max(1);
        let rows: usize = lines.iter().map(|l| l.width().div_ceil(inner).max(1)).sum();
        let height = u16::try_from(rows + 2).unwrap_or(u16::MAX);
        let rect = centered(area, width, height);
        f.render_widget(Clear, rect);
        f.render_widget(
            Paragraph::new(lines)
                .block(frame(&title, false, t))
                .wrap(Wrap { trim: false }),
            rect,
        );
    }
}
