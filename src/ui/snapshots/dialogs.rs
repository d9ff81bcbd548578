//! Snapshot dialogs: the create form, revert and delete confirmations that say what is
//! lost, and the snapshot XML viewer.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use crate::action::Action;
use crate::backend::DomainId;
use crate::backend::snapshots::{AfterRevert, DeleteMode};
use crate::backend::storage::DiskInfo;
use crate::backend::storage::external::RemainingFile;
use crate::config::{Role, Theme};
use crate::ui::snapshots::disk_files::DiskFile;
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
    /// Disk only: one overlay file per disk (fields after `FIELDS`, shown while ticked).
    pub disks: Vec<DiskFile>,
    /// The domain's disks are still being read (`None`), or why they could not be.
    pub disks_state: Option<Result<(), String>>,
    /// The name an empty Name field stands for (`<domain>-YYYYMMDD-HHMMSS`).
    pub auto_name: String,
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
            disks: Vec::new(),
            disks_state: None,
            auto_name: String::new(),
        }
    }

    /// The snapshot's name: the typed one, or the generated one.
    pub fn effective_name(&self) -> &str {
        if self.name.text.is_empty() {
            &self.auto_name
        } else {
            &self.name.text
        }
    }

    /// Fields in Tab order: `FIELDS`, then one overlay file per disk while disk-only.
    pub fn field_count(&self) -> usize {
        FIELDS.len() + if self.disk_only { self.disks.len() } else { 0 }
    }

    /// The domain's disks arrived: their default overlay files.
    pub fn set_disks(&mut self, disks: Result<Vec<DiskInfo>, String>) {
        match disks {
            Ok(d) => {
                self.disks = DiskFile::for_disks(&d, self.effective_name());
                self.disks_state = Some(Ok(()));
            }
            Err(e) => self.disks_state = Some(Err(e)),
        }
    }

    /// Field `i` was typed into: a new name moves the default files, a typed file stays.
    pub fn edited(&mut self, i: usize) {
        if i == 0 {
            self.renamed();
        } else if let Some(d) = i
            .checked_sub(FIELDS.len())
            .and_then(|k| self.disks.get_mut(k))
        {
            d.edited = true;
        }
    }

    /// After the name changed: default files follow it.
    pub fn renamed(&mut self) {
        let name = self.effective_name().to_string();
        self.disks.iter_mut().for_each(|d| d.rename(&name));
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
            i if i >= FIELDS.len() && self.disk_only => {
                self.disks.get_mut(i - FIELDS.len()).map(|d| &mut d.input)
            }
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
        /// The selected snapshot's files as they stand (which disk's chain holds each),
        /// once the backend answered (`StorageCmd::SnapshotFiles`).
        remaining: Option<Result<Vec<RemainingFile>, String>>,
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
    // Long lines (file paths, chains) wrap: the popup grows to hold them, with a row of
    // slack per wrapped line for the words the wrap moves down.
    let inner = usize::from(76.min(area.width).saturating_sub(2)).max(1);
    let rows: usize = lines
        .iter()
        .map(|l| match l.width().div_ceil(inner) {
            0 | 1 => 1,
            n => n + 1,
        })
        .sum();
    let h = h.max(u16::try_from(rows + 2).unwrap_or(u16::MAX));
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
                    // A disk-only snapshot saves no memory, whatever this box says.
                    3 if form.disk_only => {
                        spans.push(Span::styled("[-] (not with disk only)", dim))
                    }
                    _ => spans.push(Span::raw(if form.flag(i) { "[x]" } else { "[ ]" })),
                }
                if form.field == i && i < 2 {
                    spans.push(Span::styled("█", dim));
                }
                lines.push(Line::from(spans));
            }
            if form.disk_only {
                lines.extend(disk_file_lines(form, theme));
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
            remaining,
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
            if !files.is_empty() {
                let after = match remaining {
                    None => vec!["Reading which chains hold these files…".to_string()],
                    Some(Err(e)) => vec![format!("Cannot tell which chains hold them: {e}")],
                    Some(Ok(r)) => crate::ui::snapshots::disk_files::remaining_lines(*mode, r),
                };
                for l in after {
                    lines.push(Line::from(text(&l, theme)));
                }
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

/// The disk-only overlay files, one editable line per disk, under the options.
fn disk_file_lines(form: &CreateForm, theme: &Theme) -> Vec<Line<'static>> {
    let dim = theme.style(Role::Dim);
    let mut out = Vec::new();
    match &form.disks_state {
        None => out.push(Line::from(Span::styled("  reading the disks…", dim))),
        Some(Err(e)) => out.push(Line::from(escape_spans(
            &format!("  cannot read the disks: {e}"),
            theme.style(Role::Error),
            theme.style(Role::Escaped),
        ))),
        Some(Ok(())) if form.disks.is_empty() => out.push(Line::from(Span::styled(
            "  no disk can take an overlay (read-only, shared or no source)",
            theme.style(Role::Warn),
        ))),
        Some(Ok(())) => out.push(Line::from(Span::styled(
            "  Overlay file per disk (the current image becomes its backing file):",
            dim,
        ))),
    }
    for (k, d) in form.disks.iter().enumerate() {
        let on = form.field == FIELDS.len() + k;
        let mut spans = vec![Span::styled(
            format!(
                "{}{:<22}",
                if on { "▶ " } else { "  " },
                format!("{} file", d.target)
            ),
            if on { theme.style(Role::Key) } else { dim },
        )];
        spans.extend(text(&d.input.text, theme));
        if on {
            spans.push(Span::styled("█", dim));
        }
        out.push(Line::from(spans));
    }
    out
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
