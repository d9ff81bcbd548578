//! Drawing the clone dialog (form, progress, outcome) and the rename dialog.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::dialog::CloneDialog;
use super::rename::RenameDialog;
use crate::action::Action;
use crate::config::{Config, Role};
use crate::ui::layer::DrawCtx;
use crate::ui::text::escape;
use crate::ui::widgets::sheet::{bar, bytes};
use crate::ui::widgets::{LineInput, centered, frame};

/// A popup of `lines`, as tall as they need (wrapped) within the screen.
fn popup(
    f: &mut Frame,
    area: Rect,
    title: &str,
    lines: Vec<Line<'static>>,
    warn: bool,
    cfg: &Config,
) {
    let width = area.width.clamp(20, 100);
    let inner = usize::from(width.saturating_sub(2)).max(1);
    let rows: usize = lines.iter().map(|l| l.width().div_ceil(inner).max(1)).sum();
    let height = u16::try_from(rows + 2).unwrap_or(u16::MAX).min(area.height);
    let rect = centered(area, width, height);
    f.render_widget(Clear, rect);
    f.render_widget(
        Paragraph::new(lines)
            .block(frame(title, warn, &cfg.theme))
            .wrap(Wrap { trim: false }),
        rect,
    );
}

/// "Label:  value" with the label marked when the field has the cursor.
fn field(label: &str, on: bool, value: Vec<Span<'static>>, cfg: &Config) -> Line<'static> {
    let style = if on {
        cfg.theme.style(Role::Selected)
    } else {
        cfg.theme.style(Role::Header)
    };
    let mut spans = vec![
        Span::raw(if on { "> " } else { "  " }),
        Span::styled(format!("{label:<12}"), style),
    ];
    spans.extend(value);
    Line::from(spans)
}

fn input(i: &LineInput, on: bool, cfg: &Config) -> Vec<Span<'static>> {
    if on {
        i.spans(&cfg.theme)
    } else {
        vec![Span::raw(escape(&i.text).into_owned())]
    }
}

/// The keys line: "Enter clone  Tab next  …".
fn keys(pairs: &[(Action, &str)], cfg: &Config) -> Line<'static> {
    let mut spans = Vec::new();
    for (a, word) in pairs {
        spans.push(Span::styled(
            cfg.keymap.keys_label(*a),
            cfg.theme.style(Role::Key),
        ));
        spans.push(Span::raw(format!(" {word}   ")));
    }
    Line::from(spans)
}

pub fn clone_dialog(f: &mut Frame, area: Rect, d: &CloneDialog, cx: &DrawCtx) {
    let cfg = cx.config;
    let title = format!("Clone {}", escape(&d.source));
    let mut lines = Vec::new();
    if let Some(job) = &d.job {
        lines.push(Line::from(format!("Cloning {}", escape(&job.what))));
        match &job.result {
            None => {
                let p = &job.progress;
                lines.push(Line::from(escape(&p.step).into_owned()));
                lines.push(Line::from(format!(
                    "{} {}  {} of {}  {}s",
                    bar(p.done, p.total, 20),
                    p.percent()
                        .map_or_else(|| "  ?".into(), |n| format!("{n:>3}%")),
                    bytes(p.done),
                    bytes(p.total),
                    p.elapsed.as_secs()
                )));
                lines.push(Line::from(""));
                if job.cancelling {
                    lines.push(Line::styled(
                        "cancelling: what was made is being removed…",
                        cfg.theme.style(Role::Warn),
                    ));
                } else {
                    lines.push(keys(
                        &[
                            (Action::JobAbort, "cancel (removes what was made)"),
                            (Action::InputCancel, "hide (J shows it)"),
                        ],
                        cfg,
                    ));
                }
            }
            Some(Ok(summary)) => {
                lines.push(Line::styled(
                    escape(summary).into_owned(),
                    cfg.theme.style(Role::Info),
                ));
                lines.push(Line::from(""));
                lines.push(Line::from(
                    "The clone is defined, not started. Any key closes.",
                ));
            }
            Some(Err(e)) => {
                lines.push(Line::styled(
                    format!("Not cloned: {}", escape(e)),
                    cfg.theme.style(Role::Error),
                ));
                lines.push(Line::from(""));
                lines.push(Line::from("Any key closes."));
            }
        }
        return popup(f, area, &title, lines, false, cfg);
    }
    lines.push(field(
        "New name",
        d.field == 0,
        input(&d.name, d.field == 0, cfg),
        cfg,
    ));
    let Some(plan) = d.plan() else {
        let text = match &d.plan {
            Some(Err(e)) => Span::styled(
                format!("cannot read the domain: {}", escape(e)),
                cfg.theme.style(Role::Error),
            ),
            _ => Span::styled("reading the domain's disks…", cfg.theme.style(Role::Dim)),
        };
        lines.push(Line::from(""));
        lines.push(Line::from(text));
        lines.push(Line::from(""));
        lines.push(keys(&[(Action::InputCancel, "cancel")], cfg));
        return popup(f, area, &title, lines, true, cfg);
    };
    let pool = d.chosen_pool().map_or_else(
        || "each disk's own pool".to_string(),
        |p| escape(p).into_owned(),
    );
    lines.push(field(
        "New volumes",
        d.field == 1,
        vec![Span::raw(pool)],
        cfg,
    ));
    lines.push(Line::from(""));
    for (i, (pd, mode)) in plan.disks.iter().zip(&d.modes).enumerate() {
        let on = d.field == i + 2;
        let mut what = format!("{:<17}", mode.label());
        let src = pd.path.as_deref().unwrap_or("(no source)");
        what.push_str(&escape(src));
        if let Some(s) = pd
            .size
            .filter(|_| *mode == crate::backend::clone::DiskMode::Copy)
        {
            what.push_str(&format!("  {}", bytes(s)));
        }
        let mut notes = Vec::new();
        if pd.disk.readonly {
            notes.push("read-only".to_string());
        }
        if pd.disk.shareable {
            notes.push("shareable".into());
        }
        match &pd.pool {
            Some(p) => notes.push(format!("pool {}", escape(p))),
            None if pd.path.is_some() => notes.push("in no pool".into()),
            None => {}
        }
        if !notes.is_empty() {
            what.push_str(&format!("  ({})", notes.join(", ")));
        }
        let label = format!("{} {}", pd.disk.target, pd.disk.device);
        let mut style = cfg.theme.style(Role::Base);
        if on {
            style = style.add_modifier(Modifier::BOLD);
        }
        lines.push(field(&label, on, vec![Span::styled(what, style)], cfg));
    }
    if plan.disks.is_empty() {
        lines.push(Line::from("  (no disks)"));
    }
    lines.push(Line::from(""));
    for w in d.warnings() {
        lines.push(Line::styled(
            escape(&w).into_owned(),
            cfg.theme.style(Role::Warn),
        ));
    }
    lines.push(Line::styled(
        "The clone gets a new UUID and new MACs; it is defined, not started.",
        cfg.theme.style(Role::Dim),
    ));
    if let Some(e) = &d.error {
        lines.push(Line::styled(
            escape(e).into_owned(),
            cfg.theme.style(Role::Error),
        ));
    }
    lines.push(keys(
        &[
            (Action::InputAccept, "clone"),
            (Action::NextField, "next field"),
            (Action::ToggleOption, "change"),
            (Action::InputCancel, "cancel"),
        ],
        cfg,
    ));
    popup(f, area, &title, lines, true, cfg);
}

pub fn rename_dialog(f: &mut Frame, area: Rect, d: &RenameDialog, cx: &DrawCtx) {
    let cfg = cx.config;
    let title = format!("Name, title, description of {}", escape(&d.old_name));
    let mut lines = Vec::new();
    match &d.loaded {
        None => lines.push(Line::styled(
            "reading the title and description…",
            cfg.theme.style(Role::Dim),
        )),
        Some(Err(e)) => lines.push(Line::styled(
            format!("cannot read them: {}", escape(e)),
            cfg.theme.style(Role::Error),
        )),
        Some(Ok(_)) => {
            for (i, (label, input)) in [
                ("Name", &d.name),
                ("Title", &d.title),
                ("Description", &d.description),
            ]
            .into_iter()
            .enumerate()
            {
                lines.push(field(
                    label,
                    d.field == i,
                    self::input(input, d.field == i, cfg),
                    cfg,
                ));
            }
            lines.push(Line::from(""));
            if !d.shut_off {
                lines.push(Line::styled(
                    "The domain is running: the name can change only once it is shut off; the title and description change now (live and persistent).",
                    cfg.theme.style(Role::Dim),
                ));
            }
        }
    }
    if let Some(e) = &d.error {
        lines.push(Line::styled(
            escape(e).into_owned(),
            cfg.theme.style(Role::Error),
        ));
    }
    lines.push(keys(
        &[
            (Action::InputAccept, "apply"),
            (Action::NextField, "next field"),
            (Action::InputCancel, "cancel"),
        ],
        cfg,
    ));
    popup(f, area, &title, lines, false, cfg);
}
