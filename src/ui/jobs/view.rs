//! The jobs view's component. Block jobs come from the backend's registry (`List` on
//! open: jobs found at start-up or started by virsh are in it) and then from each
//! BLOCK_JOB event; save / restore jobs from their progress events.

use std::time::Duration;

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;

use super::block_ask;
use crate::action::{Action, Scope};
use crate::app::Level;
use crate::backend::jobs::{BlockJob, DomainJobProgress, JobCmd, JobEvent, JobPhase};
use crate::backend::{BackendEvent, Command, DomainId, HostId, RequestId};
use crate::ui::format::rate;
use crate::ui::layer::{Ctx, DrawCtx, Flow, Layer};
use crate::ui::text::escape;
use crate::ui::widgets::sheet::{self, bar};

/// A save, restore or managed save in progress.
#[derive(Clone, Debug, PartialEq)]
pub struct DomainJob {
    pub req: RequestId,
    pub id: Option<DomainId>,
    pub what: String,
    /// The domain's name when the job started (restore: none yet).
    pub domain: String,
    pub progress: DomainJobProgress,
    /// A clone job (virtdeck's own thread): abort cancels it and removes what it made.
    pub clone: bool,
}

/// One row: a block job or a domain job.
#[derive(Clone, Debug, PartialEq)]
pub enum Row {
    Block(BlockJob),
    Domain(DomainJob),
}

pub struct JobsView {
    pub host: HostId,
    pub blocks: Vec<BlockJob>,
    pub domain_jobs: Vec<DomainJob>,
    pub selected: usize,
    offset: usize,
    page: usize,
    pending: Option<RequestId>,
}

fn name_of(cx: &Ctx, id: Option<&DomainId>) -> String {
    id.and_then(|i| cx.store.get(i))
        .map(|r| r.info.name.clone())
        .unwrap_or_default()
}

fn fmt_eta(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

impl JobsView {
    pub fn open(cx: &mut Ctx) -> JobsView {
        let mut v = JobsView::new(cx.host);
        let req = cx.reqs.allocate();
        v.pending = Some(req);
        cx.send(Command::Jobs(v.host, JobCmd::List { req }));
        v
    }

    pub fn new(host: HostId) -> JobsView {
        JobsView {
            host,
            blocks: Vec::new(),
            domain_jobs: Vec::new(),
            selected: 0,
            offset: 0,
            page: 10,
            pending: None,
        }
    }

    /// Block jobs first (by domain, disk), then domain jobs.
    pub fn rows(&self) -> Vec<Row> {
        let mut out: Vec<Row> = self.blocks.iter().cloned().map(Row::Block).collect();
        out.extend(self.domain_jobs.iter().cloned().map(Row::Domain));
        out
    }

    fn upsert(&mut self, job: &BlockJob) {
        match self
            .blocks
            .iter_mut()
            .find(|j| j.id == job.id && j.disk == job.disk)
        {
            Some(j) => *j = job.clone(),
            None => {
                self.blocks.push(job.clone());
                self.blocks
                    .sort_by(|a, b| (&a.domain, &a.disk).cmp(&(&b.domain, &b.disk)));
            }
        }
    }

    fn clamp(&mut self) {
        let n = self.blocks.len() + self.domain_jobs.len();
        self.selected = self.selected.min(n.saturating_sub(1));
    }

    fn selected_block(&self, cx: &mut Ctx) -> Option<BlockJob> {
        match self.rows().get(self.selected) {
            Some(Row::Block(j)) => Some(j.clone()),
            Some(Row::Domain(_)) => {
                cx.status(Level::Warn, "a save / restore: abort is the only action");
                None
            }
            None => {
                cx.status(Level::Warn, "no job selected");
                None
            }
        }
    }

    fn pivot(&mut self, cx: &mut Ctx) {
        if let Some(j) = self.selected_block(cx) {
            block_ask::pivot(self.host, &j, cx);
        }
    }

    fn abort(&mut self, cx: &mut Ctx) {
        match self.rows().get(self.selected).cloned() {
            Some(Row::Block(j)) => block_ask::abort(self.host, &j, cx),
            Some(Row::Domain(d)) if d.clone => {
                cx.status(
                    Level::Warn,
                    format!("cancelling {}: what it made is removed…", escape(&d.what)),
                );
                cx.send(Command::Clone(
                    self.host,
                    crate::backend::clone::CloneCmd::Cancel { req: d.req },
                ));
            }
            Some(Row::Domain(d)) => {
                let Some(id) = d.id.clone() else {
                    cx.status(Level::Warn, "a restore cannot be aborted");
                    return;
                };
                let req = cx.reqs.allocate();
                let domain = cx
                    .store
                    .get(&id)
                    .map(|r| r.info.name.clone())
                    .unwrap_or_default();
                cx.status(Level::Warn, format!("aborting {}…", escape(&d.what)));
                cx.send(Command::Jobs(
                    self.host,
                    JobCmd::AbortDomainJob { req, id, domain },
                ));
            }
            None => cx.status(Level::Warn, "no job selected"),
        }
    }

    fn speed(&mut self, cx: &mut Ctx) {
        if let Some(j) = self.selected_block(cx) {
            block_ask::speed(self.host, &j, cx);
        }
    }
}

impl JobsView {
    /// A clone's progress is a domain job row until it finishes.
    fn on_clone(&mut self, ev: &crate::backend::clone::CloneEvent, cx: &Ctx) {
        use crate::backend::clone::CloneEvent;
        match ev {
            CloneEvent::Progress {
                req,
                id,
                what,
                progress,
            } => {
                let p = DomainJobProgress {
                    elapsed: progress.elapsed,
                    processed: Some(progress.done),
                    total: Some(progress.total),
                    percent: progress.percent(),
                };
                let what = format!("clone {what}: {}", progress.step);
                match self.domain_jobs.iter_mut().find(|d| d.req == *req) {
                    Some(d) => {
                        d.progress = p;
                        d.what = what;
                    }
                    None => self.domain_jobs.push(DomainJob {
                        req: *req,
                        id: Some(id.clone()),
                        domain: name_of(cx, Some(id)),
                        what,
                        progress: p,
                        clone: true,
                    }),
                }
            }
            CloneEvent::Finished { req, .. } => {
                self.domain_jobs.retain(|d| !(d.clone && d.req == *req));
            }
            CloneEvent::Plan { .. } => {}
        }
        self.clamp();
    }
}

impl Layer for JobsView {
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::Jobs, Scope::Global]
    }

    fn fullscreen(&self) -> bool {
        true
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &mut Ctx) -> Flow {
        if cx.action(&[Scope::Input], key) == Some(Action::InputCancel) {
            return Flow::Close;
        }
        let action = cx.action(self.scopes(), key);
        let Some(a) = action else {
            return Flow::Consumed;
        };
        let n = self.blocks.len() + self.domain_jobs.len();
        if let Some(s) = sheet::navigate(a, self.selected, n, self.page) {
            self.selected = s;
            return Flow::Consumed;
        }
        if a.is_mutating() && cx.refuse_mutation(a) {
            return Flow::Consumed;
        }
        match a {
            Action::Refresh => {
                let req = cx.reqs.allocate();
                self.pending = Some(req);
                cx.send(Command::Jobs(self.host, JobCmd::List { req }));
            }
            Action::JobPivot => self.pivot(cx),
            Action::JobAbort => self.abort(cx),
            Action::JobSpeed => self.speed(cx),
            _ => return sheet::pass_global(action),
        }
        Flow::Consumed
    }

    fn on_backend(&mut self, ev: &BackendEvent, cx: &mut Ctx) {
        if let BackendEvent::Clone(host, c) = ev {
            if *host == self.host {
                self.on_clone(c, cx);
            }
            return;
        }
        let BackendEvent::Jobs(host, ev) = ev else {
            return;
        };
        if *host != self.host {
            return;
        }
        match ev {
            JobEvent::List { req, jobs } if Some(*req) == self.pending => {
                self.pending = None;
                self.blocks.clear();
                for j in jobs {
                    self.upsert(j);
                }
            }
            JobEvent::BlockJobUpdated(j) => self.upsert(j),
            JobEvent::BlockJobEnded { id, disk, .. } => {
                self.blocks.retain(|j| !(j.id == *id && j.disk == *disk));
            }
            JobEvent::Reply {
                result: Err(e),
                disk,
                ..
            } => {
                cx.status(Level::Error, format!("{disk}: {e}"));
            }
            JobEvent::DomainJobStarted { req, id, what } => {
                self.domain_jobs.push(DomainJob {
                    req: *req,
                    id: id.clone(),
                    domain: name_of(cx, id.as_ref()),
                    what: what.clone(),
                    progress: DomainJobProgress::default(),
                    clone: false,
                });
            }
            JobEvent::DomainJobProgress { req, id, progress } => {
                match self.domain_jobs.iter_mut().find(|d| d.req == *req) {
                    Some(d) => d.progress = progress.clone(),
                    None => self.domain_jobs.push(DomainJob {
                        req: *req,
                        id: id.clone(),
                        domain: name_of(cx, id.as_ref()),
                        what: "domain job".into(),
                        progress: progress.clone(),
                        clone: false,
                    }),
                }
            }
            JobEvent::DomainJobFinished { req, .. } => {
                self.domain_jobs.retain(|d| d.req != *req);
            }
            _ => {}
        }
        self.clamp();
    }

    fn hints(&self) -> Vec<Action> {
        vec![
            Action::JobPivot,
            Action::JobAbort,
            Action::JobSpeed,
            Action::InputCancel,
            Action::Help,
        ]
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawCtx) {
        let theme = &cx.config.theme;
        let area = sheet::view_area(area);
        self.page = sheet::body_rows(area, 1);
        self.offset = sheet::offset(self.selected, self.offset, self.page);
        let all = self.rows();
        let rows = all
            .iter()
            .skip(self.offset)
            .take(self.page)
            .map(|r| match r {
                Row::Block(j) => {
                    let phase = match j.phase {
                        JobPhase::Ready => "READY",
                        JobPhase::Running => "running",
                    };
                    vec![
                        escape(&j.domain).into_owned(),
                        j.disk.clone(),
                        j.kind.label().to_string(),
                        phase.to_string(),
                        format!(
                            "{} {}",
                            bar(j.cur, j.end, 8),
                            j.percent()
                                .map(|p| format!("{p:>3}%"))
                                .unwrap_or_else(|| "  ?".into())
                        ),
                        j.rate.map(|r| format!("{}/s", rate(r))).unwrap_or_default(),
                        j.eta.map(fmt_eta).unwrap_or_default(),
                        if j.ours { "virtdeck" } else { "elsewhere" }.to_string(),
                    ]
                }
                Row::Domain(d) => {
                    let p = &d.progress;
                    let (done, total) = (p.processed.unwrap_or(0), p.total.unwrap_or(0));
                    let r = (p.elapsed.as_secs_f64() > 0.0)
                        .then(|| done as f64 / p.elapsed.as_secs_f64());
                    let eta = match (r, total > done) {
                        (Some(r), true) if r > 0.0 => {
                            fmt_eta(Duration::from_secs_f64((total - done) as f64 / r))
                        }
                        _ => String::new(),
                    };
                    vec![
                        escape(if d.domain.is_empty() { "-" } else { &d.domain }).into_owned(),
                        "-".into(),
                        escape(&d.what).into_owned(),
                        format!("{}s", p.elapsed.as_secs()),
                        format!(
                            "{} {}",
                            bar(done, total, 8),
                            p.percent
                                .map(|p| format!("{p:>3}%"))
                                .unwrap_or_else(|| "  ?".into())
                        ),
                        r.map(|r| format!("{}/s", rate(r))).unwrap_or_default(),
                        eta,
                        "virtdeck".into(),
                    ]
                }
            })
            .collect();
        let below = if all.is_empty() {
            vec![Line::from(
                " no block, save or restore job is running on this host",
            )]
        } else {
            vec![Line::from(
                " a pivot is offered only once libvirt says READY",
            )]
        };
        sheet::draw_table(
            f,
            area,
            sheet::title(format!("Jobs ({})", all.len()), theme),
            vec![
                "Domain", "Disk", "Job", "Phase", "Progress", "Rate", "Left", "Started",
            ],
            &[
                Constraint::Min(12),
                Constraint::Length(5),
                Constraint::Length(13),
                Constraint::Length(7),
                Constraint::Length(17),
                Constraint::Length(9),
                Constraint::Length(7),
                Constraint::Length(9),
            ],
            rows,
            self.offset,
            (!all.is_empty()).then_some(self.selected),
            below,
            theme,
        );
    }
}
