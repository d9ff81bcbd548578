//! The Disks tab's component: the selected domain's disks from `StorageCmd::Disks`, its
//! running block jobs, the keys while the tab has them (`[keys.disks]`, `B` toggles) and
//! the drawing. The commit / pull / copy dialogs are in `blockjobs.rs`.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table};

use crate::action::{Action, Scope};
use crate::app::Level;
use crate::backend::jobs::{BlockJob, JobCmd, JobEvent, JobPhase};
use crate::backend::storage::{ChainImage, DiskInfo, StorageCmd, StorageEvent};
use crate::backend::{BackendEvent, Command, DomainId, RequestId};
use crate::config::{Role, Theme};
use crate::ui::jobs::block_ask;
use crate::ui::layer::Ctx;
use crate::ui::text::escape;
use crate::ui::widgets::sheet::{self, bytes};

/// The scopes whose keys work while the tab has the keys.
pub const FOCUS_SCOPES: &[Scope] = &[Scope::Disks, Scope::Input, Scope::Global];

/// The footer while the tab has the keys.
pub const HINTS: &[Action] = &[
    Action::BlockCommit,
    Action::BlockPull,
    Action::BlockCopy,
    Action::BlockPivot,
    Action::BlockAbort,
    Action::BlockSpeed,
    Action::InputCancel,
    Action::Help,
];

#[derive(Default)]
pub struct DisksTab {
    /// The domain shown (follows the list's selection while the tab is on show).
    pub id: Option<DomainId>,
    pub domain: String,
    pub running: bool,
    pub disks: Vec<DiskInfo>,
    /// The domain's running block jobs, by disk.
    pub jobs: Vec<BlockJob>,
    /// The selected disk (chain images are shown under each disk, not selectable).
    pub selected: usize,
    /// The tab has the keys (`B`): movement picks a disk, `[keys.disks]` act on it.
    pub focused: bool,
    pub error: Option<String>,
    pending: Option<RequestId>,
    jobs_req: Option<RequestId>,
    /// Something changed the chains (a lifecycle or snapshot event): re-read when shown.
    stale: bool,
    shown: bool,
    loaded: bool,
    offset: usize,
}

impl DisksTab {
    /// Follows the list's selection while the tab is on show; re-reads when it comes into
    /// view, when the domain changes and after events that change chains.
    pub fn sync(&mut self, visible: bool, selected: Option<&DomainId>, cx: &mut Ctx) {
        let was_shown = std::mem::replace(&mut self.shown, visible);
        if !visible {
            self.focused = false;
            return;
        }
        let Some(sel) = selected else {
            self.id = None;
            self.disks.clear();
            self.jobs.clear();
            self.focused = false;
            return;
        };
        if let Some(row) = cx.store.get(sel) {
            self.domain = row.info.name.clone();
            self.running = row.info.state.state.is_active();
        }
        if self.id.as_ref() != Some(sel) {
            self.id = Some(sel.clone());
            self.disks.clear();
            self.jobs.clear();
            self.selected = 0;
            self.offset = 0;
            self.error = None;
            self.loaded = false;
            self.reload(cx);
            self.list_jobs(cx);
        } else if !was_shown || self.stale {
            self.reload(cx);
            self.list_jobs(cx);
        }
    }

    pub(super) fn reload(&mut self, cx: &mut Ctx) {
        let Some(id) = self.id.clone() else { return };
        self.stale = false;
        let req = cx.reqs.allocate();
        self.pending = Some(req);
        cx.send(Command::Storage(id.host, StorageCmd::Disks { req, id }));
    }

    /// After a change: re-read now if on show, else when it is shown again.
    fn changed(&mut self, cx: &mut Ctx) {
        if self.shown {
            self.reload(cx);
        } else {
            self.stale = true;
        }
    }

    fn list_jobs(&mut self, cx: &mut Ctx) {
        let Some(id) = &self.id else { return };
        let req = cx.reqs.allocate();
        self.jobs_req = Some(req);
        cx.send(Command::Jobs(id.host, JobCmd::List { req }));
    }

    pub fn current(&self) -> Option<&DiskInfo> {
        self.disks.get(self.selected)
    }

    /// The running block job on the selected disk.
    fn current_job(&self) -> Option<&BlockJob> {
        let d = self.current()?;
        self.jobs.iter().find(|j| j.disk == d.target)
    }

    /// Keys while the tab has them: true when used. Global keys other than movement
    /// (help, quit, `:`, the views) go on to the main screen; anything else stops here.
    pub fn on_key(&mut self, key: &KeyEvent, cx: &mut Ctx) -> bool {
        let toggle = cx.action(&[Scope::Domains], key) == Some(Action::ShowDisks);
        let action = cx.action(FOCUS_SCOPES, key);
        if toggle || action == Some(Action::InputCancel) {
            self.focused = false;
            return true;
        }
        let Some(a) = action else {
            return true;
        };
        if let Some(n) = sheet::navigate(a, self.selected, self.disks.len(), 5) {
            self.selected = n;
            return true;
        }
        if a.scope() == Scope::Global && a != Action::Refresh {
            return false;
        }
        if a.is_mutating() && cx.refuse_mutation(a) {
            return true;
        }
        match a {
            Action::Refresh => {
                self.reload(cx);
                self.list_jobs(cx);
            }
            Action::BlockCommit => self.commit(cx),
            Action::BlockPull => self.pull(cx),
            Action::BlockCopy => self.copy(cx),
            Action::BlockPivot | Action::BlockAbort | Action::BlockSpeed => self.on_job(a, cx),
            _ => {}
        }
        true
    }

    /// Pivot, abort or speed of the selected disk's running job.
    fn on_job(&mut self, a: Action, cx: &mut Ctx) {
        let Some(j) = self.current_job().cloned() else {
            let disk = self.current().map_or("-", |d| d.target.as_str());
            cx.status(
                Level::Warn,
                format!("{disk}: no block job is running on this disk"),
            );
            return;
        };
        let host = j.id.host;
        match a {
            Action::BlockPivot => block_ask::pivot(host, &j, cx),
            Action::BlockAbort => block_ask::abort(host, &j, cx),
            _ => block_ask::speed(host, &j, cx),
        }
    }

    pub fn on_backend(&mut self, ev: &BackendEvent, cx: &mut Ctx) {
        let Some(me) = self.id.clone() else { return };
        match ev {
            BackendEvent::Storage(_, StorageEvent::Disks { req, id, result })
                if Some(*req) == self.pending && *id == me =>
            {
                self.pending = None;
                self.loaded = true;
                match result {
                    Ok(d) => {
                        self.disks = d.clone();
                        self.selected = self.selected.min(self.disks.len().saturating_sub(1));
                        self.error = None;
                    }
                    Err(e) => self.error = Some(e.clone()),
                }
            }
            BackendEvent::Jobs(_, JobEvent::List { req, jobs }) if Some(*req) == self.jobs_req => {
                self.jobs_req = None;
                self.jobs = jobs.iter().filter(|j| j.id == me).cloned().collect();
            }
            BackendEvent::Jobs(_, JobEvent::BlockJobUpdated(j)) if j.id == me => {
                let ready_now = j.phase == JobPhase::Ready
                    && !self
                        .jobs
                        .iter()
                        .any(|o| o.disk == j.disk && o.phase == JobPhase::Ready);
                self.jobs.retain(|o| o.disk != j.disk);
                self.jobs.push(j.clone());
                // READY puts the mirror in the live XML.
                if ready_now {
                    self.changed(cx);
                }
            }
            // A job ended: the chain (or the mirror) changed.
            BackendEvent::Jobs(_, JobEvent::BlockJobEnded { id, disk, .. }) if *id == me => {
                self.jobs.retain(|o| &o.disk != disk);
                self.changed(cx);
            }
            BackendEvent::Jobs(
                _,
                JobEvent::Reply {
                    id, disk, result, ..
                },
            ) if *id == me => {
                match result {
                    Ok(msg) => cx.status(Level::Info, format!("{disk}: {msg}")),
                    Err(e) => cx.status(Level::Error, format!("{disk}: {e}")),
                }
                self.changed(cx);
                if self.shown {
                    self.list_jobs(cx);
                }
            }
            // Starts, stops and external snapshots change the chains.
            BackendEvent::Lifecycle { id, .. } if *id == me => self.stale = true,
            BackendEvent::Snapshot(crate::backend::snapshots::SnapshotEvent::JobFinished {
                id,
                ..
            }) if *id == me => self.stale = true,
            _ => {}
        }
    }

    /// The screen rows: one per disk, then one per image of its chain below the top.
    fn lines(&self) -> Vec<(Option<usize>, Vec<String>)> {
        let mut out = Vec::new();
        for (i, d) in self.disks.iter().enumerate() {
            let top = d.top();
            // A running job goes first: a long path is cut, the job must stay in sight.
            let mut source = String::new();
            if let Some(j) = self.jobs.iter().find(|j| j.disk == d.target) {
                source.push_str(&format!(
                    "[{} {}{}] ",
                    j.kind.label(),
                    j.percent().map_or_else(|| "?".into(), |p| format!("{p}%")),
                    if j.phase == JobPhase::Ready {
                        " READY"
                    } else {
                        ""
                    }
                ));
            } else if let Some(m) = &d.mirror {
                source.push_str(&format!(
                    "[{}{}] ",
                    m.job,
                    if m.ready { " READY" } else { "" }
                ));
            }
            source.push_str(&escape(d.source().unwrap_or("-")));
            out.push((
                Some(i),
                vec![
                    d.target.clone(),
                    d.bus.clone(),
                    d.device.clone(),
                    top.and_then(|t| t.format.clone()).unwrap_or_default(),
                    size(top),
                    source,
                ],
            ));
            for (depth, img) in d.chain.iter().enumerate().skip(1) {
                let last = depth + 1 == d.chain.len();
                out.push((
                    None,
                    vec![
                        String::new(),
                        String::new(),
                        format!("{} [{depth}]", if last { "└ base" } else { "├ back" }),
                        img.format.clone().unwrap_or_default(),
                        size(Some(img)),
                        escape(img.path.as_deref().unwrap_or("-")).into_owned(),
                    ],
                ));
            }
        }
        out
    }

    /// Draws the tab's body: a header line, then the disks and their chains.
    pub fn render(&mut self, f: &mut Frame, area: Rect, keys: &str, theme: &Theme) {
        if area.height == 0 {
            return;
        }
        let dim = theme.style(Role::Dim);
        let note = if let Some(e) = &self.error {
            Line::from(Span::styled(
                format!(" cannot read the disks: {}", escape(e)),
                theme.style(Role::Error),
            ))
        } else if !self.loaded {
            Line::from(Span::styled(" reading the disks…", dim))
        } else if self.disks.is_empty() {
            Line::from(Span::styled(" no disks", dim))
        } else if self.focused {
            Line::from(Span::styled(
                " chains top → base (libvirt's <backingStore>); size = allocation/capacity",
                dim,
            ))
        } else {
            Line::from(Span::styled(
                format!(" {keys}: pick a disk for commit, pull, copy; chains top → base"),
                dim,
            ))
        };
        f.render_widget(Paragraph::new(note), Rect { height: 1, ..area });
        let table = Rect {
            y: area.y + 1,
            height: area.height - 1,
            ..area
        };
        let lines = self.lines();
        let page = usize::from(table.height.saturating_sub(1));
        let sel_line = lines
            .iter()
            .position(|(d, _)| *d == Some(self.selected))
            .unwrap_or(0);
        self.offset = sheet::offset(sel_line, self.offset, page);
        // Target..Size take 41 columns and 5 gaps; the source gets the rest.
        let source_w = usize::from(table.width).saturating_sub(46).max(20);
        let rows: Vec<Row> = lines
            .into_iter()
            .enumerate()
            .skip(self.offset)
            .take(page)
            .map(|(k, (disk, mut cells))| {
                if let Some(last) = cells.last_mut() {
                    *last = keep_tail(last, source_w);
                }
                let row = Row::new(cells);
                if self.focused && k == sel_line && !self.disks.is_empty() {
                    row.style(theme.style(Role::Selected))
                } else if disk.is_none() {
                    row.style(dim)
                } else {
                    row
                }
            })
            .collect();
        let widths = [
            Constraint::Length(6),
            Constraint::Length(6),
            Constraint::Length(10),
            Constraint::Length(6),
            Constraint::Length(13),
            Constraint::Min(20),
        ];
        let header = Row::new(vec!["Target", "Bus", "Device", "Format", "Size", "Source"])
            .style(theme.style(Role::Header));
        f.render_widget(Table::new(rows, widths).header(header), table);
    }
}

/// A path too long for its column keeps its end (the file name) and loses its start;
/// a job marker in front (`[copy 40%] `) stays.
fn keep_tail(text: &str, width: usize) -> String {
    let n = text.chars().count();
    if n <= width {
        return text.to_string();
    }
    let (marker, path) = match text.find("] ") {
        Some(i) if text.starts_with('[') => text.split_at(i + 2),
        _ => ("", text),
    };
    let room = width.saturating_sub(marker.chars().count() + 1);
    let tail: String = path
        .chars()
        .skip(path.chars().count().saturating_sub(room))
        .collect();
    format!("{marker}…{tail}")
}

fn size(img: Option<&ChainImage>) -> String {
    match img.map(|i| (i.capacity, i.allocation)) {
        Some((Some(c), Some(a))) => format!("{}/{}", bytes(a), bytes(c)),
        Some((Some(c), None)) => bytes(c),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::keep_tail;

    #[test]
    fn long_sources_keep_the_job_and_the_file_name() {
        assert_eq!(keep_tail("/img/a.qcow2", 20), "/img/a.qcow2");
        assert_eq!(
            keep_tail("/var/lib/libvirt/images/db.qcow2", 20),
            "…irt/images/db.qcow2"
        );
        let cut = keep_tail("[copy 75%] /var/lib/libvirt/images/db-data.qcow2", 30);
        assert!(cut.starts_with("[copy 75%] …"), "{cut}");
        assert!(
            cut.ends_with("db-data.qcow2") && cut.chars().count() == 30,
            "{cut}"
        );
    }
}
