//! Snapshot dialogs: the create form, revert and delete confirmations that say what is
//! lost, and the snapshot XML viewer.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use crate::action::Action;
use crate::backend::DomainId;
use crate::backend::snapshots::{AfterRevert, DeleteMode};
use crate::config::{Role, Theme};
use crate::ui::text::escape_spans;
use crate::ui::widgets::LineInput;

/// The create form's fields, in Tab order.
pub const FIELDS: [&str; 6] = [
    "Name",
    "Description",
    "Disk only (external)",
    "Include memory",
    "Quiesce (guest agent)",
    "Atomic",
];

#[derive(Clone, Debug, PartialEq)]
pub struct CreateForm {
    pub name: LineInput,
    pub description: LineInput,
    /// Index into `FIELDS`.
    pub field: usize,
    pub disk_only: bool,
    pub memory: bool,
    pub quiesce: bool,
    pub atomic: bool,
    /// Why the last Enter was refused.
    pub error: Option<String>,
}

impl CreateForm {
    pub fn new(running: bool) -> CreateForm {
        CreateForm {
            name: LineInput::default(),
            description: LineInput::default(),
            field: 0,
            disk_only: false,
            memory: running,
            quiesce: false,
            atomic: true,
            error: None,
        }
    }

    /// The flag behind checkbox field `i`.
    pub fn flag_mut(&mut self, i: usize) -> Option<&mut bool> {
        match i {
            2 => Some(&mut self.disk_only),
            3 => Some(&mut self.memory),
            4 => Some(&mut self.quiesce),
            5 => Some(&mut self.atomic),
            _ => None,
        }
    }

    /// The text input behind field `i`, if it is one.
    pub fn input_mut(&mut self, i: usize) -> Option<&mut LineInput> {
        match i {
            0 => Some(&mut self.name),
            1 => Some(&mut self.description),
            _ => None,
        }
    }

    fn flag(&self, i: usize) -> bool {
        match i {
            2 => self.disk_only,
            3 => self.memory,
            4 => self.quiesce,
            5 => self.atomic,
            _ => false,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum SnapDialog {
    Create {
        id: DomainId,
        domain: String,
        running: bool,
        form: CreateForm,
    },
    Revert {
        id: DomainId,
        domain: String,
        snapshot: String,
        after: AfterRevert,
        safety: bool,
        /// libvirt already refused this revert as risky; `y` now forces it.
        force: bool,
        /// What the user loses, worded for this domain and snapshot.
        lost: Vec<String>,
    },
    Delete {
        id: DomainId,
        domain: String,
        snapshot: String,
        mode: DeleteMode,
        /// Names of the descendants (what "with children" also removes).
        children: Vec<String>,
        /// Files of external snapshots in the affected set.
        files: Vec<String>,
    },
    Xml {
        title: String,
        lines: Vec<String>,
        scroll: u16,
    },
}

fn popup(
    f: &mut Frame,
    area: Rect,
    title: &str,
    lines: Vec<Line<'static>>,
    h: u16,
    theme: &Theme,
    warn: bool,
) {
    let rect = crate::ui::widgets::centered(area, 76, h.min(area.height));
    f.render_widget(Clear, rect);
    let block = crate::ui::widgets::frame(title, warn, theme);
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        rect,
    );
}

fn text(s: &str, theme: &Theme) -> Vec<Span<'static>> {
    escape_spans(s, theme.style(Role::Base), theme.style(Role::Escaped))
}

fn key(k: &str, theme: &Theme) -> Span<'static> {
    Span::styled(k.to_string(), theme.style(Role::Key))
}

pub fn render(f: &mut Frame, area: Rect, d: &SnapDialog, config: &crate::config::Config) {
    let theme = &config.theme;
    let k = |a| config.keymap.keys_label(a);
    let dim = theme.style(Role::Dim);
    match d {
        SnapDialog::Create { domain, form, .. } => {
            let mut lines = Vec::new();
            let mut head = vec![Span::raw("Domain: ")];
            head.extend(text(domain, theme));
            lines.push(Line::from(head));
            for (i, label) in FIELDS.iter().enumerate() {
                let mark = if form.field == i { "▶ " } else { "  " };
                let mut spans = vec![Span::styled(
                    format!("{mark}{label:<22}"),
                    if form.field == i {
                        theme.style(Role::Key)
                    } else {
                        dim
                    },
                )];
                match i {
                    0 if form.name.text.is_empty() => {
                        spans.push(Span::styled("(empty: <domain>-YYYYMMDD-HHMMSS)", dim))
                    }
                    0 => spans.extend(text(&form.name.text, theme)),
                    1 => spans.extend(text(&form.description.text, theme)),
                    _ => spans.push(Span::raw(if form.flag(i) { "[x]" } else { "[ ]" })),
                }
                if form.field == i && i < 2 {
                    spans.push(Span::styled("█", dim));
                }
                lines.push(Line::from(spans));
            }
            if let Some(e) = &form.error {
                lines.push(Line::from(escape_spans(
                    e,
                    theme.style(Role::Error),
                    theme.style(Role::Escaped),
                )));
            }
            lines.push(Line::from(vec![
                key(&format!("{}/↑↓", k(Action::NextField)), theme),
                Span::raw(" field  "),
                key(&k(Action::ToggleOption), theme),
                Span::raw(" toggle  "),
                key(&k(Action::InputAccept), theme),
                Span::raw(" create  "),
                key(&k(Action::InputCancel), theme),
                Span::raw(" cancel"),
            ]));
            let h = lines.len() as u16 + 2;
            popup(f, area, "New snapshot", lines, h, theme, false);
        }
        SnapDialog::Revert {
            domain,
            snapshot,
            after,
            safety,
            force,
            lost,
            ..
        } => {
            let mut lines = Vec::new();
            let mut head = vec![Span::raw("Revert ")];
            head.extend(text(domain, theme));
            head.push(Span::raw(" to "));
            head.extend(escape_spans(
                snapshot,
                theme.style(Role::Title),
                theme.style(Role::Escaped),
            ));
            lines.push(Line::from(head));
            for l in lost {
                lines.push(Line::from(text(l, theme)));
            }
            lines.push(Line::from(if *safety {
                Span::raw(format!(
                    "A safety snapshot of the present state is taken first ({}: skip it).",
                    k(Action::RevertSafety)
                ))
            } else {
                Span::styled(
                    format!(
                        "No safety snapshot: this cannot be undone ({}: take one).",
                        k(Action::RevertSafety)
                    ),
                    theme.style(Role::Warn),
                )
            }));
            let pick = |a: AfterRevert, k: &str, label: &str| {
                let on = *after == a;
                vec![
                    key(k, theme),
                    Span::styled(
                        format!(
                            " {}{label}{}  ",
                            if on { "[" } else { " " },
                            if on { "]" } else { " " }
                        ),
                        if on { theme.style(Role::Title) } else { dim },
                    ),
                ]
            };
            let mut choose = vec![Span::raw("Afterwards: ")];
            choose.extend(pick(
                AfterRevert::AsSnapshot,
                &k(Action::RevertAsSnapshot),
                "as snapshotted",
            ));
            choose.extend(pick(
                AfterRevert::Running,
                &k(Action::RevertRunning),
                "running",
            ));
            choose.extend(pick(
                AfterRevert::Paused,
                &k(Action::RevertPaused),
                "paused",
            ));
            lines.push(Line::from(choose));
            if *force {
                lines.push(Line::from(Span::styled(
                    "libvirt calls this revert risky (see above); y forces it.",
                    theme.style(Role::Warn),
                )));
            }
            lines.push(Line::from(""));
            lines.push(Line::from(vec![
                key(&k(Action::ConfirmYes), theme),
                Span::raw(if *force {
                    " to force the revert, "
                } else {
                    " to revert, "
                }),
                Span::raw("any other key cancels"),
            ]));
            let h = lines.len() as u16 + 4;
            popup(
                f,
                area,
                if *force { "Force revert?" } else { "Revert?" },
                lines,
                h,
                theme,
                true,
            );
        }
        SnapDialog::Delete {
            domain,
            snapshot,
            mode,
            children,
            files,
            ..
        } => {
            let mut lines = Vec::new();
            let mut head = vec![Span::raw("Delete from ")];
            head.extend(text(domain, theme));
            head.push(Span::raw(": "));
            head.extend(escape_spans(
                snapshot,
                theme.style(Role::Title),
                theme.style(Role::Escaped),
            ));
            lines.push(Line::from(head));
            for (i, m) in DeleteMode::ALL.iter().enumerate() {
                let on = m == mode;
                lines.push(Line::from(vec![
                    key(&format!("{}", i + 1), theme),
                    Span::styled(
                        format!(" {} {}", if on { "▶" } else { " " }, m.label()),
                        if on { theme.style(Role::Title) } else { dim },
                    ),
                ]));
            }
            for l in delete_consequences(*mode, snapshot, children, files) {
                lines.push(Line::from(text(&l, theme)));
            }
            lines.push(Line::from(""));
            lines.push(Line::from(vec![
                key(&k(Action::ConfirmYes), theme),
                Span::raw(" to delete, "),
                key(
                    &format!(
                        "{}-{}/{}",
                        k(Action::DeleteModeThis),
                        k(Action::DeleteModeMetadata),
                        k(Action::NextField)
                    ),
                    theme,
                ),
                Span::raw(" mode, any other key cancels"),
            ]));
            let h = lines.len() as u16 + 4;
            popup(f, area, "Delete snapshot?", lines, h, theme, true);
        }
        SnapDialog::Xml {
            title,
            lines,
            scroll,
        } => {
            let body: Vec<Line> = lines.iter().map(|l| Line::from(text(l, theme))).collect();
            let rect = crate::ui::widgets::centered(
                area,
                area.width.saturating_sub(4),
                area.height.saturating_sub(2),
            );
            f.render_widget(Clear, rect);
            let block = crate::ui::widgets::frame(
                &format!(
                    "{title} ({}/{} scroll, any other key closes)",
                    k(Action::Down),
                    k(Action::Up)
                ),
                false,
                theme,
            );
            f.render_widget(Paragraph::new(body).block(block).scroll((*scroll, 0)), rect);
        }
    }
}

/// Plain words for what a delete does, above all to the files of external snapshots.
pub fn delete_consequences(
    mode: DeleteMode,
    snapshot: &str,
    children: &[String],
    files: &[String],
) -> Vec<String> {
    let mut out = Vec::new();
    let gone: Vec<&str> = match mode {
        DeleteMode::This | DeleteMode::MetadataOnly => vec![snapshot],
        DeleteMode::WithChildren => std::iter::once(snapshot)
            .chain(children.iter().map(String::as_str))
            .collect(),
        DeleteMode::ChildrenOnly => children.iter().map(String::as_str).collect(),
    };
    if gone.is_empty() {
        out.push("It has no children: nothing would be deleted.".to_string());
        return out;
    }
    out.push(format!(
        "Removes {} snapshot(s): {}",
        gone.len(),
        gone.join(", ")
    ));
    if files.is_empty() {
        out.push(match mode {
            DeleteMode::MetadataOnly => "Internal data stays inside the qcow2 image (qemu-img snapshot -l lists it); only libvirt forgets it.".into(),
            _ => "The snapshot data inside the disk image(s) is freed; the guest's present state does not change.".into(),
        });
    } else {
        out.push(format!("External files involved: {}", files.join(", ")));
        out.push(match mode {
            DeleteMode::MetadataOnly => "These files are NOT deleted or merged: the domain may still run on them as overlays. Only libvirt's record goes; the files are yours to manage.".into(),
            _ => "libvirt merges each overlay into its backing image (block commit) and then deletes the overlay file; if it cannot, it refuses and nothing changes.".into(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn external_files_are_named_and_their_fate_stated_per_mode() {
        let files = vec!["/images/g.s1".to_string()];
        let kids = vec!["s2".to_string()];
        let meta = delete_consequences(DeleteMode::MetadataOnly, "s1", &kids, &files).join(" ");
        assert!(
            meta.contains("/images/g.s1") && meta.contains("NOT deleted"),
            "{meta}"
        );
        let this = delete_consequences(DeleteMode::WithChildren, "s1", &kids, &files).join(" ");
        assert!(this.contains("Removes 2 snapshot(s): s1, s2"), "{this}");
        assert!(this.contains("block commit"), "{this}");
        let none = delete_consequences(DeleteMode::ChildrenOnly, "s1", &[], &[]).join(" ");
        assert!(none.contains("nothing would be deleted"), "{none}");
    }
}
