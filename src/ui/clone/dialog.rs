//! The clone dialog: the new name, where new volumes go and what becomes of each disk;
//! then the job's progress, with a cancel that removes the half-made clone.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;

use crate::action::{Action, Scope};
use crate::app::Level;
use crate::backend::clone::{
    CloneCmd, CloneEvent, ClonePlan, CloneProgress, CloneSpec, DiskMode, xml::invalid_domain_name,
};
use crate::backend::{BackendEvent, Command, DomainId, HostId, RequestId};
use crate::ui::layer::{Ctx, DrawCtx, Flow, Layer};
use crate::ui::text::escape;
use crate::ui::widgets::{Edit, LineInput};

/// The job once started.
#[derive(Clone, Debug, PartialEq)]
pub struct Running {
    pub req: RequestId,
    pub what: String,
    pub progress: CloneProgress,
    /// Set when the job ended: what was made, or why not and what was removed.
    pub result: Option<Result<String, String>>,
    pub cancelling: bool,
}

pub struct CloneDialog {
    pub host: HostId,
    pub id: DomainId,
    pub source: String,
    /// The plan request, until its reply.
    pub plan_req: RequestId,
    pub plan: Option<Result<ClonePlan, String>>,
    pub name: LineInput,
    /// One per disk of the plan.
    pub modes: Vec<DiskMode>,
    /// 0: each disk's own pool; i: `plan.pools[i - 1]`.
    pub pool: usize,
    /// 0 name, 1 pool, 2… the disks.
    pub field: usize,
    pub error: Option<String>,
    pub job: Option<Running>,
}

/// The scopes while the form is open, and while the job runs (x cancels, as in the jobs
/// view).
const FORM_SCOPES: &[Scope] = &[Scope::SnapshotDialog, Scope::Input, Scope::Global];
const JOB_SCOPES: &[Scope] = &[Scope::Jobs, Scope::Input, Scope::Global];

impl CloneDialog {
    /// Opens the dialog for `id` and asks the backend for its plan.
    pub fn open(cx: &mut Ctx, id: DomainId, source: String, new_name: Option<String>) -> Self {
        let req = cx.reqs.allocate();
        cx.send(Command::Clone(
            id.host,
            CloneCmd::Plan {
                req,
                id: id.clone(),
            },
        ));
        let name = new_name.unwrap_or_else(|| format!("{source}-clone"));
        CloneDialog {
            host: id.host,
            id,
            source,
            plan_req: req,
            plan: None,
            name: LineInput::new(name),
            modes: Vec::new(),
            pool: 0,
            field: 0,
            error: None,
            job: None,
        }
    }

    pub fn plan(&self) -> Option<&ClonePlan> {
        self.plan.as_ref().and_then(|p| p.as_ref().ok())
    }

    fn fields(&self) -> usize {
        2 + self.modes.len()
    }

    /// The pool chosen for new volumes (`None`: each disk's own).
    pub fn chosen_pool(&self) -> Option<&str> {
        let plan = self.plan()?;
        self.pool
            .checked_sub(1)
            .and_then(|i| plan.pools.get(i))
            .map(String::as_str)
    }

    /// Takes the plan: default modes, and a pool for disks that are in none.
    pub fn set_plan(&mut self, plan: Result<ClonePlan, String>) {
        if let Ok(p) = &plan {
            self.modes = p.disks.iter().map(|d| d.disk.default_mode()).collect();
            let homeless = p
                .disks
                .iter()
                .any(|d| d.pool.is_none() && d.disk.default_mode() == DiskMode::Copy);
            if homeless && !p.pools.is_empty() {
                let i = p.pools.iter().position(|n| n == "default").unwrap_or(0);
                self.pool = i + 1;
            }
        }
        self.plan = Some(plan);
    }

    /// Warnings for what is chosen now (shown above the keys).
    pub fn warnings(&self) -> Vec<String> {
        let Some(plan) = self.plan() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if plan.running {
            out.push(format!(
                "{} is running: shut it down (or pause it) to clone it.",
                plan.name
            ));
        }
        if plan.paused {
            out.push(format!(
                "{} is paused: its disks are copied as they are now; what the guest has not written out yet is not in the clone.",
                plan.name
            ));
        }
        if self.modes.contains(&DiskMode::Link) {
            out.push(format!(
                "A linked clone reads {}'s image: that image must stay unchanged (do not start {} or write to it) while the clone exists.",
                plan.name, plan.name
            ));
        }
        for (d, m) in plan.disks.iter().zip(&self.modes) {
            if *m == DiskMode::Share && d.disk.copyable() {
                out.push(format!(
                    "{} is shared while writable: both domains would write the same disk.",
                    d.disk.target
                ));
            }
        }
        out
    }

    /// The spec for the form, or why it is refused.
    pub fn validate(&self, cx: &Ctx) -> Result<CloneSpec, String> {
        let plan = match &self.plan {
            None => return Err("the domain's disks are still being read".into()),
            Some(Err(e)) => return Err(format!("cannot clone: {e}")),
            Some(Ok(p)) => p,
        };
        let name = self.name.text.trim();
        if let Some(why) = invalid_domain_name(name) {
            return Err(why);
        }
        let taken_here = cx
            .store
            .rows()
            .any(|r| r.info.id.host == self.host && r.info.name == name);
        if taken_here || plan.names.iter().any(|n| n == name) {
            return Err(format!(
                "a domain named {} exists already on this host",
                escape(name)
            ));
        }
        if plan.running {
            return Err(format!(
                "{} is running: shut it down (or pause it) first",
                escape(&plan.name)
            ));
        }
        let pool = self.chosen_pool().map(str::to_string);
        for (d, m) in plan.disks.iter().zip(&self.modes) {
            let new_data = matches!(m, DiskMode::Copy | DiskMode::Link);
            if new_data && d.pool.is_none() && pool.is_none() {
                return Err(format!(
                    "{} is in no storage pool: choose a pool for the new volumes",
                    d.disk.target
                ));
            }
            if new_data && d.pool.is_none() && !plan.local {
                return Err(format!(
                    "{} is in no storage pool on a remote host: share it, leave it out, or define a pool over its directory",
                    d.disk.target
                ));
            }
        }
        Ok(CloneSpec {
            new_name: name.to_string(),
            disks: plan
                .disks
                .iter()
                .zip(&self.modes)
                .map(|(d, m)| (d.disk.target.clone(), *m))
                .collect(),
            pool,
        })
    }

    fn start(&mut self, cx: &mut Ctx) {
        match self.validate(cx) {
            Err(e) => self.error = Some(e),
            Ok(spec) => {
                let req = cx.reqs.allocate();
                cx.status(
                    Level::Info,
                    format!(
                        "cloning {} to {}… (J shows it; x cancels)   (virt-clone --original {} --name {})",
                        escape(&self.source),
                        escape(&spec.new_name),
                        escape(&self.source),
                        escape(&spec.new_name)
                    ),
                );
                self.job = Some(Running {
                    req,
                    what: format!("{} → {}", self.source, spec.new_name),
                    progress: CloneProgress::default(),
                    result: None,
                    cancelling: false,
                });
                self.error = None;
                cx.send(Command::Clone(
                    self.host,
                    CloneCmd::Start {
                        req,
                        id: self.id.clone(),
                        spec,
                    },
                ));
            }
        }
    }

    fn cycle(&mut self) {
        let Some(plan) = self.plan() else { return };
        match self.field {
            1 => self.pool = (self.pool + 1) % (plan.pools.len() + 1),
            f if f >= 2 => {
                let i = f - 2;
                let Some(d) = plan.disks.get(i) else { return };
                let modes = d.disk.modes();
                let now = modes.iter().position(|m| *m == self.modes[i]).unwrap_or(0);
                self.modes[i] = modes[(now + 1) % modes.len()];
            }
            _ => {}
        }
    }

    fn on_form_key(&mut self, k: &KeyEvent, cx: &mut Ctx) -> Flow {
        if self.field == 0 {
            match self.name.on_key(&cx.config.keymap, k) {
                Edit::Changed => {
                    self.error = None;
                    return Flow::Consumed;
                }
                Edit::Accept | Edit::Cancel | Edit::Ignored => {}
            }
        }
        match cx.action(FORM_SCOPES, k) {
            Some(Action::InputCancel) => {
                cx.status(Level::Warn, "clone: cancelled; nothing was made");
                return Flow::Close;
            }
            Some(Action::InputAccept) => self.start(cx),
            Some(Action::NextField | Action::Down) => self.field = (self.field + 1) % self.fields(),
            Some(Action::PrevField | Action::Up) => {
                self.field = (self.field + self.fields() - 1) % self.fields()
            }
            Some(Action::ToggleOption) => self.cycle(),
            _ => {}
        }
        Flow::Consumed
    }
}

impl Layer for CloneDialog {
    fn scopes(&self) -> &'static [Scope] {
        if self.job.is_some() {
            JOB_SCOPES
        } else {
            FORM_SCOPES
        }
    }

    fn on_key(&mut self, k: &KeyEvent, cx: &mut Ctx) -> Flow {
        let Some(job) = &mut self.job else {
            return self.on_form_key(k, cx);
        };
        if job.result.is_some() {
            return Flow::Close;
        }
        match cx.action(JOB_SCOPES, k) {
            Some(Action::JobAbort) if !job.cancelling => {
                job.cancelling = true;
                cx.status(
                    Level::Warn,
                    format!(
                        "cancelling the clone {}: what it made is removed…",
                        escape(&job.what)
                    ),
                );
                cx.send(Command::Clone(self.host, CloneCmd::Cancel { req: job.req }));
                Flow::Consumed
            }
            Some(Action::InputCancel) => {
                cx.status(
                    Level::Info,
                    format!(
                        "the clone {} goes on in the background (J shows it)",
                        escape(&job.what)
                    ),
                );
                Flow::Close
            }
            _ => Flow::Consumed,
        }
    }

    fn on_paste(&mut self, text: &str, _cx: &mut Ctx) -> Flow {
        if self.job.is_none() && self.field == 0 {
            self.name.paste(text);
        }
        Flow::Consumed
    }

    fn on_backend(&mut self, ev: &BackendEvent, _cx: &mut Ctx) {
        let BackendEvent::Clone(host, ev) = ev else {
            return;
        };
        if *host != self.host {
            return;
        }
        match ev {
            CloneEvent::Plan { req, result, .. } if *req == self.plan_req => {
                self.set_plan(result.clone().map(|p| *p));
            }
            CloneEvent::Progress {
                req,
                progress,
                what,
                ..
            } => {
                if let Some(job) = self.job.as_mut().filter(|j| j.req == *req) {
                    job.progress = progress.clone();
                    job.what = what.clone();
                }
            }
            CloneEvent::Finished {
                req, result, what, ..
            } => {
                if let Some(job) = self.job.as_mut().filter(|j| j.req == *req) {
                    job.what = what.clone();
                    job.result = Some(result.clone().map(|(_, summary)| summary));
                }
            }
            _ => {}
        }
    }

    fn hints(&self) -> Vec<Action> {
        match &self.job {
            None => vec![
                Action::InputAccept,
                Action::NextField,
                Action::ToggleOption,
                Action::InputCancel,
            ],
            Some(j) if j.result.is_none() => vec![Action::JobAbort, Action::InputCancel],
            Some(_) => Vec::new(),
        }
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawCtx) {
        super::draw::clone_dialog(f, area, self, cx);
    }
}
