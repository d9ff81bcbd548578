//! The pools view's component: the list from the backend's `ListPools` reply, its keys
//! (`[keys.pools]`) and drawing.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};

use crate::action::{Action, Scope};
use crate::app::Level;
use crate::backend::storage::{PoolInfo, PoolOp, StorageCmd, StorageEvent};
use crate::backend::{BackendEvent, Command, HostId, RequestId};
use crate::config::Role;
use crate::ui::layer::{Ctx, DrawCtx, Effect, Flow, Layer, ViewRequest};
use crate::ui::popups::ask::Ask;
use crate::ui::text::escape;
use crate::ui::widgets::sheet::{self, bar, bytes};
use crate::ui::xml_editor::Target;

pub struct PoolsView {
    pub host: HostId,
    pub pools: Vec<PoolInfo>,
    pub selected: usize,
    offset: usize,
    page: usize,
    /// The list request in flight (older replies are dropped).
    pending: Option<RequestId>,
    pub error: Option<String>,
}

impl PoolsView {
    /// A view that asks for the list at once.
    pub fn open(cx: &mut Ctx) -> PoolsView {
        let mut v = PoolsView {
            host: cx.host,
            pools: Vec::new(),
            selected: 0,
            offset: 0,
            page: 10,
            pending: None,
            error: None,
        };
        v.reload(cx);
        v
    }

    fn reload(&mut self, cx: &mut Ctx) {
        let req = cx.reqs.allocate();
        self.pending = Some(req);
        cx.send(Command::Storage(self.host, StorageCmd::ListPools { req }));
    }

    pub fn current(&self) -> Option<&PoolInfo> {
        self.pools.get(self.selected)
    }

    fn op(&mut self, cx: &mut Ctx, op: PoolOp) {
        let Some(p) = self.current() else {
            cx.status(Level::Warn, "no pool selected");
            return;
        };
        let name = p.name.clone();
        let req = cx.reqs.allocate();
        let cmd = Command::Storage(
            self.host,
            StorageCmd::Pool {
                req,
                pool: name.clone(),
                op,
            },
        );
        let virsh = match op {
            PoolOp::Start => "pool-start",
            PoolOp::Destroy => "pool-destroy",
            PoolOp::Refresh => "pool-refresh",
            PoolOp::Build => "pool-build",
            PoolOp::SetAutostart(true) => "pool-autostart",
            PoolOp::SetAutostart(false) => "pool-autostart --disable",
            PoolOp::Undefine => "pool-undefine",
            PoolOp::Delete => "pool-delete",
        };
        let sent = format!(
            "{} {}…   (virsh {virsh} {})",
            op.label(),
            escape(&name),
            escape(&name)
        );
        match op {
            PoolOp::Undefine => cx.push(Ask::yes_no(
                "Undefine pool",
                vec![
                    format!("Pool: {name}"),
                    "libvirt forgets the pool's definition; its directory and every volume in it stay on disk.".into(),
                    format!("virsh pool-undefine {name}"),
                ],
                cmd,
                sent,
            )),
            PoolOp::Delete => {
                let target = p.target.clone().unwrap_or_else(|| "(no target path)".into());
                cx.push(Ask::type_name(
                    "Delete pool storage",
                    &name,
                    vec![
                        format!("Pool: {name}"),
                        format!("The pool's storage is deleted: {target} goes (libvirt refuses while volumes are in it)."),
                        "The definition stays (undefine it afterwards).".into(),
                        format!("virsh pool-delete {name}"),
                    ],
                    cmd,
                    sent,
                ))
            }
            PoolOp::Destroy if p.state != crate::backend::storage::PoolState::Running => {
                cx.status(Level::Warn, format!("{} is not running", escape(&name)));
            }
            _ => {
                cx.status(Level::Info, sent);
                cx.send(cmd);
            }
        }
    }
}

impl Layer for PoolsView {
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::Pools, Scope::Global]
    }

    fn fullscreen(&self) -> bool {
        true
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &mut Ctx) -> Flow {
        match cx.action(&[Scope::Input], key) {
            Some(Action::InputCancel) => return Flow::Close,
            Some(Action::InputAccept) => {
                if let Some(p) = self.current() {
                    cx.effects.push(Effect::Open(ViewRequest::Volumes {
                        pool: Some(p.name.clone()),
                    }));
                }
                return Flow::Consumed;
            }
            _ => {}
        }
        let action = cx.action(self.scopes(), key);
        if let Some(a) = action {
            if let Some(n) = sheet::navigate(a, self.selected, self.pools.len(), self.page) {
                self.selected = n;
                return Flow::Consumed;
            }
            if a.is_mutating() && cx.refuse_mutation(a) {
                return Flow::Consumed;
            }
            let auto = self.current().is_some_and(|p| p.autostart);
            match a {
                Action::Refresh => self.reload(cx),
                Action::PoolStart => self.op(cx, PoolOp::Start),
                Action::PoolStop => self.op(cx, PoolOp::Destroy),
                Action::PoolRefresh => self.op(cx, PoolOp::Refresh),
                Action::PoolBuild => self.op(cx, PoolOp::Build),
                Action::PoolAutostart => self.op(cx, PoolOp::SetAutostart(!auto)),
                Action::PoolUndefine => self.op(cx, PoolOp::Undefine),
                Action::PoolDelete => self.op(cx, PoolOp::Delete),
                Action::PoolDefine => cx
                    .effects
                    .push(Effect::EditXml(Target::NewPool { host: self.host })),
                Action::PoolEdit => match self.current() {
                    Some(p) => cx.effects.push(Effect::EditXml(Target::Pool {
                        host: self.host,
                        uuid: p.uuid.clone(),
                        name: p.name.clone(),
                    })),
                    None => cx.status(Level::Warn, "no pool selected"),
                },
                _ => return sheet::pass_global(action),
            }
            return Flow::Consumed;
        }
        sheet::pass_global(action)
    }

    fn on_backend(&mut self, ev: &BackendEvent, cx: &mut Ctx) {
        let BackendEvent::Storage(host, ev) = ev else {
            return;
        };
        if *host != self.host {
            return;
        }
        match ev {
            StorageEvent::Pools { req, result } if Some(*req) == self.pending => {
                self.pending = None;
                match result {
                    Ok(list) => {
                        let keep = self.current().map(|p| p.name.clone());
                        self.pools = list.clone();
                        self.pools.sort_by(|a, b| a.name.cmp(&b.name));
                        self.selected = keep
                            .and_then(|n| self.pools.iter().position(|p| p.name == n))
                            .unwrap_or(0)
                            .min(self.pools.len().saturating_sub(1));
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
                // Pool state, usage or the list itself may have changed.
                self.reload(cx);
            }
            // The XML editor says how its define went; the list shows the result.
            StorageEvent::PoolDefined { .. } => self.reload(cx),
            _ => {}
        }
    }

    fn hints(&self) -> Vec<Action> {
        vec![
            Action::InputAccept,
            Action::PoolStart,
            Action::PoolStop,
            Action::PoolRefresh,
            Action::PoolDelete,
            Action::PoolEdit,
            Action::PoolDefine,
            Action::InputCancel,
            Action::Help,
        ]
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawCtx) {
        let theme = &cx.config.theme;
        let area = sheet::view_area(area);
        let below = usize::from(self.error.is_some());
        self.page = sheet::body_rows(area, below);
        self.offset = sheet::offset(self.selected, self.offset, self.page);
        let rows = self
            .pools
            .iter()
            .skip(self.offset)
            .take(self.page)
            .map(|p| {
                vec![
                    escape(&p.name).into_owned(),
                    p.state.label().to_string(),
                    if p.autostart { "yes" } else { "no" }.to_string(),
                    p.kind.clone(),
                    escape(p.target.as_deref().unwrap_or("-")).into_owned(),
                    bytes(p.capacity),
                    bytes(p.allocation),
                    bytes(p.available),
                    format!(
                        "{} {:>3}%",
                        bar(p.allocation, p.capacity, 10),
                        (p.allocation as u128 * 100)
                            .checked_div(p.capacity as u128)
                            .unwrap_or(0)
                    ),
                ]
            })
            .collect();
        let mut below_lines = Vec::new();
        if let Some(e) = &self.error {
            below_lines.push(Line::from(Span::styled(
                format!(" cannot list pools: {}", escape(e)),
                theme.style(Role::Error),
            )));
        }
        let title = if self.pending.is_some() && self.pools.is_empty() {
            "Storage pools (loading…)".to_string()
        } else {
            format!("Storage pools ({})", self.pools.len())
        };
        sheet::draw_table(
            f,
            area,
            sheet::title(title, theme),
            vec![
                "Name", "State", "Auto", "Type", "Target", "Capacity", "Alloc", "Avail", "Usage",
            ],
            &[
                Constraint::Min(10),
                Constraint::Length(9),
                Constraint::Length(4),
                Constraint::Length(7),
                Constraint::Min(12),
                Constraint::Length(8),
                Constraint::Length(8),
                Constraint::Length(8),
                Constraint::Length(15),
            ],
            rows,
            self.offset,
            (!self.pools.is_empty()).then_some(self.selected),
            below_lines,
            theme,
        );
    }
}
