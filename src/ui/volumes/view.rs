//! The volumes view's component: the list from `ListVolumes`, running transfers, keys
//! (`[keys.volumes]`) and drawing. The dialogs each key opens are in `actions.rs`.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};

use crate::action::{Action, Scope};
use crate::app::Level;
use crate::backend::storage::{Direction, StorageCmd, StorageEvent, TransferProgress, VolumeInfo};
use crate::backend::{BackendEvent, Command, HostId, RequestId};
use crate::config::Role;
use crate::ui::format::rate;
use crate::ui::layer::{Ctx, DrawCtx, Flow, Layer};
use crate::ui::text::escape;
use crate::ui::widgets::sheet::{self, bar, bytes};

/// An upload or download this view started.
#[derive(Clone, Debug, PartialEq)]
pub struct Transfer {
    pub req: RequestId,
    pub volume: String,
    pub file: String,
    pub direction: Direction,
    pub progress: Option<TransferProgress>,
}

pub struct VolumesView {
    pub host: HostId,
    pub pool: String,
    pub volumes: Vec<VolumeInfo>,
    /// Each volume's cells as drawn, formatted when the list arrives (not per frame).
    cells: Vec<[String; 6]>,
    pub selected: usize,
    offset: usize,
    page: usize,
    pending: Option<RequestId>,
    pub error: Option<String>,
    pub transfers: Vec<Transfer>,
    /// Transfers a prompt has just started (the prompt is a layer of its own).
    pub(super) starting: std::rc::Rc<std::cell::RefCell<Vec<Transfer>>>,
}

impl VolumesView {
    pub fn open(cx: &mut Ctx, pool: String) -> VolumesView {
        let mut v = VolumesView::with(cx.host, pool, Vec::new());
        v.reload(cx);
        v
    }

    /// A view over a list already in hand (tests, benchmarks).
    pub fn with(host: HostId, pool: String, volumes: Vec<VolumeInfo>) -> VolumesView {
        VolumesView {
            host,
            pool,
            cells: volumes.iter().map(cells).collect(),
            volumes,
            selected: 0,
            offset: 0,
            page: 10,
            pending: None,
            error: None,
            transfers: Vec::new(),
            starting: Default::default(),
        }
    }

    pub(super) fn reload(&mut self, cx: &mut Ctx) {
        let req = cx.reqs.allocate();
        self.pending = Some(req);
        cx.send(Command::Storage(
            self.host,
            StorageCmd::ListVolumes {
                req,
                pool: self.pool.clone(),
            },
        ));
    }

    /// Takes over the transfers the upload / download prompt started.
    pub(super) fn adopt(&mut self) {
        self.transfers.append(&mut self.starting.borrow_mut());
    }

    pub fn current(&self) -> Option<&VolumeInfo> {
        self.volumes.get(self.selected)
    }

    fn set_list(&mut self, list: &[VolumeInfo]) {
        let keep = self.current().map(|v| v.name.clone());
        self.volumes = list.to_vec();
        self.volumes.sort_by(|a, b| a.name.cmp(&b.name));
        self.cells = self.volumes.iter().map(cells).collect();
        self.selected = keep
            .and_then(|n| self.volumes.iter().position(|v| v.name == n))
            .unwrap_or(0)
            .min(self.volumes.len().saturating_sub(1));
    }
}

/// One volume's row: name, format, capacity, allocation, backing store, users.
fn cells(v: &VolumeInfo) -> [String; 6] {
    [
        escape(&v.name).into_owned(),
        v.format.clone().unwrap_or_else(|| v.kind.clone()),
        bytes(v.capacity),
        bytes(v.allocation),
        escape(v.backing_path.as_deref().unwrap_or("")).into_owned(),
        users_label(v),
    ]
}

/// "vm1 (vda, running), vm2 (vdb)".
pub fn users_label(v: &VolumeInfo) -> String {
    v.users
        .iter()
        .map(|u| {
            let mut s = format!("{} ({}", escape(&u.name), u.disk);
            if u.as_backing {
                s.push_str(", backing");
            }
            if u.running {
                s.push_str(", running");
            }
            s.push(')');
            s
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl Layer for VolumesView {
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::Volumes, Scope::Global]
    }

    fn fullscreen(&self) -> bool {
        true
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &mut Ctx) -> Flow {
        self.adopt();
        if cx.action(&[Scope::Input], key) == Some(Action::InputCancel) {
            if !self.transfers.is_empty() {
                cx.status(
                    Level::Warn,
                    "a transfer is running: cancel it first (it would go on unseen)",
                );
                return Flow::Consumed;
            }
            return Flow::Close;
        }
        let action = cx.action(self.scopes(), key);
        let Some(a) = action else {
            return Flow::Consumed;
        };
        if let Some(n) = sheet::navigate(a, self.selected, self.volumes.len(), self.page) {
            self.selected = n;
            return Flow::Consumed;
        }
        if a.is_mutating() && cx.refuse_mutation(a) {
            return Flow::Consumed;
        }
        match a {
            Action::Refresh => self.reload(cx),
            Action::VolCreate => self.create(cx),
            Action::VolDelete => self.delete(cx),
            Action::VolWipe => self.wipe(cx),
            Action::VolResize => self.resize(cx),
            Action::VolClone => self.clone_volume(cx),
            Action::VolUpload => self.transfer(cx, Direction::Upload),
            Action::VolDownload => self.transfer(cx, Direction::Download),
            Action::VolCancel => self.cancel(cx),
            _ => return sheet::pass_global(action),
        }
        Flow::Consumed
    }

    fn on_backend(&mut self, ev: &BackendEvent, cx: &mut Ctx) {
        self.adopt();
        let BackendEvent::Storage(host, ev) = ev else {
            return;
        };
        if *host != self.host {
            return;
        }
        match ev {
            StorageEvent::Volumes { req, result, .. } if Some(*req) == self.pending => {
                self.pending = None;
                match result {
                    Ok(list) => {
                        self.set_list(list);
                        self.error = None;
                    }
                    Err(e) => self.error = Some(e.to_string()),
                }
            }
            StorageEvent::Done { what, result, .. } => {
                match result {
                    Ok(msg) => cx.status(Level::Info, format!("{what}: {msg}")),
                    Err(e) => cx.status(Level::Error, format!("{what} failed: {e}")),
                }
                self.reload(cx);
            }
            StorageEvent::TransferProgress { req, progress } => {
                if let Some(t) = self.transfers.iter_mut().find(|t| t.req == *req) {
                    t.progress = Some(progress.clone());
                }
            }
            StorageEvent::TransferFinished {
                req,
                direction,
                result,
            } => {
                let Some(i) = self.transfers.iter().position(|t| t.req == *req) else {
                    return;
                };
                let t = self.transfers.remove(i);
                let what = match direction {
                    Direction::Upload => format!("upload {} → {}", t.file, t.volume),
                    Direction::Download => format!("download {} → {}", t.volume, t.file),
                };
                match result {
                    Ok(p) => cx.status(
                        Level::Info,
                        format!(
                            "{}: done, {} at {}/s",
                            escape(&what),
                            bytes(p.done),
                            rate(p.rate)
                        ),
                    ),
                    // The backend says what became of the target (removed / partial).
                    Err(e) => cx.status(Level::Error, format!("{} failed: {e}", escape(&what))),
                }
                self.reload(cx);
            }
            _ => {}
        }
    }

    fn hints(&self) -> Vec<Action> {
        vec![
            Action::VolCreate,
            Action::VolDelete,
            Action::VolResize,
            Action::VolUpload,
            Action::VolDownload,
            Action::InputCancel,
            Action::Help,
        ]
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawCtx) {
        self.adopt();
        let theme = &cx.config.theme;
        let area = sheet::view_area(area);
        let mut below = Vec::new();
        for t in &self.transfers {
            let (done, total, r) = t
                .progress
                .as_ref()
                .map(|p| (p.done, p.total, p.rate))
                .unwrap_or((0, 0, 0.0));
            let arrow = match t.direction {
                Direction::Upload => format!("{} → {}", t.file, t.volume),
                Direction::Download => format!("{} → {}", t.volume, t.file),
            };
            let left = if r > 0.0 && total > done {
                format!(", {:.0}s left", (total - done) as f64 / r)
            } else {
                String::new()
            };
            below.push(Line::from(vec![
                Span::styled(" ⇅ ", theme.style(Role::Info)),
                Span::raw(format!(
                    "{} {} {}/{} {}/s{left}",
                    escape(&arrow),
                    bar(done, total, 20),
                    bytes(done),
                    bytes(total),
                    rate(r)
                )),
            ]));
        }
        if let Some(e) = &self.error {
            below.push(Line::from(Span::styled(
                format!(" cannot list volumes: {}", escape(e)),
                theme.style(Role::Error),
            )));
        }
        self.page = sheet::body_rows(area, below.len());
        self.offset = sheet::offset(self.selected, self.offset, self.page);
        let rows = self
            .cells
            .iter()
            .skip(self.offset)
            .take(self.page)
            .map(|c| c.to_vec())
            .collect();
        let title = if self.pending.is_some() && self.volumes.is_empty() {
            format!("Volumes of {} (loading…)", escape(&self.pool))
        } else {
            format!("Volumes of {} ({})", escape(&self.pool), self.volumes.len())
        };
        sheet::draw_table(
            f,
            area,
            sheet::title(title, theme),
            vec![
                "Name",
                "Format",
                "Capacity",
                "Alloc",
                "Backing store",
                "Used by",
            ],
            &[
                Constraint::Min(14),
                Constraint::Length(6),
                Constraint::Length(9),
                Constraint::Length(9),
                Constraint::Min(12),
                Constraint::Min(12),
            ],
            rows,
            self.offset,
            (!self.volumes.is_empty()).then_some(self.selected),
            below,
            theme,
        );
    }
}
