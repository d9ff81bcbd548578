//! The disks view's component: the list from `StorageCmd::Disks`, keys (`[keys.disks]`)
//! and drawing. The block job dialogs are in `blockjobs.rs`.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;

use crate::action::{Action, Scope};
use crate::app::Level;
use crate::backend::storage::{DiskInfo, StorageCmd, StorageEvent};
use crate::backend::{BackendEvent, Command, DomainId, RequestId};
use crate::ui::layer::{Ctx, DrawCtx, Flow, Layer};
use crate::ui::text::escape;
use crate::ui::widgets::sheet::{self, bytes};

pub struct DisksView {
    pub id: DomainId,
    pub domain: String,
    pub running: bool,
    pub disks: Vec<DiskInfo>,
    /// The selected disk (chains are shown under each disk, not selectable).
    pub selected: usize,
    pending: Option<RequestId>,
    pub error: Option<String>,
}

impl DisksView {
    pub fn open(cx: &mut Ctx) -> Option<DisksView> {
        let row = cx.selected_row()?;
        let mut v = DisksView {
            id: row.info.id.clone(),
            domain: row.info.name.clone(),
            running: row.info.state.state.is_active(),
            disks: Vec::new(),
            selected: 0,
            pending: None,
            error: None,
        };
        v.reload(cx);
        Some(v)
    }

    pub(super) fn reload(&mut self, cx: &mut Ctx) {
        let req = cx.reqs.allocate();
        self.pending = Some(req);
        cx.send(Command::Storage(
            self.id.host,
            StorageCmd::Disks {
                req,
                id: self.id.clone(),
            },
        ));
    }

    pub fn current(&self) -> Option<&DiskInfo> {
        self.disks.get(self.selected)
    }

    /// The screen rows: one per disk, then one per image of its chain below the top.
    fn lines(&self) -> Vec<(Option<usize>, Vec<String>)> {
        let mut out = Vec::new();
        for (i, d) in self.disks.iter().enumerate() {
            let top = d.top();
            let mut source = escape(d.source().unwrap_or("-")).into_owned();
            if let Some(m) = &d.mirror {
                source.push_str(&format!(
                    "  [{}{}]",
                    m.job,
                    if m.ready { " READY" } else { "" }
                ));
            }
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
}

fn size(img: Option<&crate::backend::storage::ChainImage>) -> String {
    match img.map(|i| (i.capacity, i.allocation)) {
        Some((Some(c), Some(a))) => format!("{}/{}", bytes(a), bytes(c)),
        Some((Some(c), None)) => bytes(c),
        _ => String::new(),
    }
}

impl Layer for DisksView {
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::Disks, Scope::Global]
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
        if let Some(n) = sheet::navigate(a, self.selected, self.disks.len(), 5) {
            self.selected = n;
            return Flow::Consumed;
        }
        if a.is_mutating() && cx.refuse_mutation(a) {
            return Flow::Consumed;
        }
        match a {
            Action::Refresh => self.reload(cx),
            Action::BlockCommit => self.commit(cx),
            Action::BlockPull => self.pull(cx),
            Action::BlockCopy => self.copy(cx),
            _ => return sheet::pass_global(action),
        }
        Flow::Consumed
    }

    fn on_backend(&mut self, ev: &BackendEvent, cx: &mut Ctx) {
        match ev {
            BackendEvent::Storage(_, StorageEvent::Disks { req, id, result })
                if Some(*req) == self.pending && *id == self.id =>
            {
                self.pending = None;
                match result {
                    Ok(d) => {
                        self.disks = d.clone();
                        self.selected = self.selected.min(self.disks.len().saturating_sub(1));
                        self.error = None;
                    }
                    Err(e) => self.error = Some(e.clone()),
                }
            }
            // A job ended or became ready: the chain (or the mirror) changed.
            BackendEvent::Jobs(_, crate::backend::jobs::JobEvent::BlockJobEnded { id, .. })
                if *id == self.id =>
            {
                self.reload(cx);
            }
            BackendEvent::Jobs(
                _,
                crate::backend::jobs::JobEvent::Reply {
                    id, disk, result, ..
                },
            ) if *id == self.id => {
                match result {
                    Ok(msg) => cx.status(Level::Info, format!("{disk}: {msg}")),
                    Err(e) => cx.status(Level::Error, format!("{disk}: {e}")),
                }
                self.reload(cx);
            }
            _ => {}
        }
    }

    fn hints(&self) -> Vec<Action> {
        vec![
            Action::BlockCommit,
            Action::BlockPull,
            Action::BlockCopy,
            Action::ShowJobs,
            Action::InputCancel,
            Action::Help,
        ]
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawCtx) {
        let theme = &cx.config.theme;
        let area = sheet::view_area(area);
        let lines = self.lines();
        let page = sheet::body_rows(area, 1);
        let sel_line = lines
            .iter()
            .position(|(d, _)| *d == Some(self.selected))
            .unwrap_or(0);
        let first = sheet::offset(sel_line, 0, page);
        let selected = (!self.disks.is_empty()).then_some(sel_line);
        let rows = lines
            .into_iter()
            .skip(first)
            .take(page)
            .map(|(_, r)| r)
            .collect();
        let below = match &self.error {
            Some(e) => vec![Line::from(format!(" cannot read the disks: {}", escape(e)))],
            None => vec![Line::from(
                " chains read top → base from libvirt's <backingStore>; sizes are allocation/capacity",
            )],
        };
        sheet::draw_table(
            f,
            area,
            sheet::title(format!("Disks of {}", escape(&self.domain)), theme),
            vec!["Target", "Bus", "Device", "Format", "Size", "Source"],
            &[
                Constraint::Length(6),
                Constraint::Length(6),
                Constraint::Length(10),
                Constraint::Length(6),
                Constraint::Length(13),
                Constraint::Min(20),
            ],
            rows,
            first,
            selected,
            below,
            theme,
        );
    }
}
