//! The host view's component: asks the host's worker for node info and node devices,
//! keeps the replies, draws a summary above the device table.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row, Table};

use crate::action::{Action, Scope};
use crate::backend::devices::DeviceEvent;
use crate::backend::node::{HostInfo, NodeCmd, NodeDeviceInfo, NodeEvent};
use crate::backend::{BackendEvent, Command, HostId, RequestId};
use crate::config::Role;
use crate::ui::format;
use crate::ui::host::hostdev::{HostdevDialog, Mode, group_lines, spec_of};
use crate::ui::layer::Level;
use crate::ui::layer::{Ctx, DrawCtx, Flow, Layer};
use crate::ui::networks::table::{scroll, view_area};
use crate::ui::text::escape;

const SCOPES: &[Scope] = &[Scope::Host, Scope::Global];

pub struct HostView {
    pub host: HostId,
    reqs: (RequestId, RequestId),
    pub info: Option<Result<HostInfo, String>>,
    pub devices: Option<Result<Vec<NodeDeviceInfo>, String>>,
    selected: usize,
    offset: usize,
    /// Attach / detach requests sent and not answered: what and which device.
    pending: Vec<(RequestId, Mode, String)>,
}

impl HostView {
    pub fn open(host: HostId, cx: &mut Ctx) -> HostView {
        let mut v = HostView {
            host,
            reqs: (0, 0),
            info: None,
            devices: None,
            selected: 0,
            offset: 0,
            pending: Vec::new(),
        };
        v.reload(cx);
        v
    }

    fn reload(&mut self, cx: &mut Ctx) {
        let (a, b) = (cx.reqs.allocate(), cx.reqs.allocate());
        self.reqs = (a, b);
        cx.send(Command::Node(self.host, NodeCmd::Info { req: a }));
        cx.send(Command::Node(self.host, NodeCmd::Devices { req: b }));
    }

    fn summary(&self) -> Vec<String> {
        match &self.info {
            None => vec!["reading node info…".into()],
            Some(Err(e)) => vec![format!("cannot read node info: {e}")],
            Some(Ok(i)) => {
                let guests: Vec<String> = i
                    .guests
                    .iter()
                    .map(|g| format!("{}/{} ({})", g.arch, g.os_type, g.domain_types.join(",")))
                    .collect();
                vec![
                    format!("Host      {}", escape(&i.hostname)),
                    format!(
                        "CPU       {} {} × {} MHz: {} sockets, {} cores, {} threads, {} NUMA nodes",
                        escape(&i.cpu_model),
                        i.cpus,
                        i.mhz,
                        i.sockets,
                        i.cores,
                        i.threads,
                        i.numa_nodes
                    ),
                    format!(
                        "Memory    {} total, {} free",
                        format::mem(i.memory_kib),
                        format::mem(i.free_memory_bytes / 1024)
                    ),
                    format!(
                        "Versions  libvirt {}, {}",
                        i.libvirt_version,
                        escape(&i.hypervisor)
                    ),
                    format!("Guests    {}", escape(&guests.join("; "))),
                ]
            }
        }
    }
}

impl HostView {
    /// `a` / `d` on a device: the popup choosing the domain (any of this host's for an
    /// attach, the ones using it for a detach).
    fn pass_through(&mut self, mode: Mode, cx: &mut Ctx) {
        let action = match mode {
            Mode::Attach => Action::HostAttach,
            Mode::Detach => Action::HostDetach,
        };
        if cx.refuse_mutation(action) {
            return;
        }
        let Some(Ok(all)) = &self.devices else {
            cx.status(Level::Warn, "the node devices are not read yet");
            return;
        };
        let Some(device) = all.get(self.selected).cloned() else {
            cx.status(Level::Warn, "no device selected");
            return;
        };
        let spec = match spec_of(&device) {
            Ok(s) => s,
            Err(e) => {
                cx.status(Level::Error, e);
                return;
            }
        };
        let state = |id: &crate::backend::DomainId| {
            cx.store
                .get(id)
                .map_or_else(String::new, |r| r.info.state.state.label().to_string())
        };
        let choices: Vec<_> = match mode {
            Mode::Attach => {
                let mut rows: Vec<_> = cx
                    .store
                    .rows()
                    .filter(|r| r.info.id.host == self.host)
                    .filter(|r| !device.used_by.iter().any(|(id, _)| *id == r.info.id))
                    .map(|r| (r.info.id.clone(), r.info.name.clone(), state(&r.info.id)))
                    .collect();
                rows.sort_by(|a, b| a.1.cmp(&b.1));
                rows
            }
            Mode::Detach => device
                .used_by
                .iter()
                .map(|(id, name)| (id.clone(), name.clone(), state(id)))
                .collect(),
        };
        if choices.is_empty() {
            cx.status(
                Level::Warn,
                match mode {
                    Mode::Attach => {
                        format!("no other domain on this host to give {} to", device.address)
                    }
                    Mode::Detach => format!("{} is not attached to any domain", device.address),
                },
            );
            return;
        }
        let req = cx.reqs.allocate();
        self.pending.push((req, mode, device.address.clone()));
        let group = group_lines(&device, all);
        cx.push(HostdevDialog {
            host: self.host,
            mode,
            device,
            spec,
            group,
            choices,
            selected: 0,
            offset: 0,
            req,
        });
    }

    /// The reply to an attach / detach: libvirt's reason on failure; the devices are
    /// re-read on success so USED BY follows.
    fn on_ran(
        &mut self,
        req: RequestId,
        id: &crate::backend::DomainId,
        result: &Result<(), crate::backend::devices::DeviceError>,
        cx: &mut Ctx,
    ) {
        let Some(i) = self.pending.iter().position(|(r, _, _)| *r == req) else {
            return;
        };
        let (_, mode, address) = self.pending.remove(i);
        let name = cx
            .store
            .get(id)
            .map_or_else(|| id.uuid.clone(), |r| r.info.name.clone());
        let dir = match mode {
            Mode::Attach => "to",
            Mode::Detach => "from",
        };
        match result {
            Ok(()) => {
                cx.status(
                    Level::Done,
                    format!("{} {address} {dir} {}: done", mode.verb(), escape(&name)),
                );
                self.reload(cx);
            }
            Err(e) => cx.status(
                Level::Error,
                format!(
                    "{} {address} {dir} {} failed: {}",
                    mode.verb(),
                    escape(&name),
                    escape(&e.to_string())
                ),
            ),
        }
    }
}

impl Layer for HostView {
    fn scopes(&self) -> &'static [Scope] {
        SCOPES
    }

    fn fullscreen(&self) -> bool {
        true
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &mut Ctx) -> Flow {
        let n = match &self.devices {
            Some(Ok(d)) => d.len(),
            _ => 0,
        };
        let Some(action) = cx.action(SCOPES, key) else {
            return Flow::Consumed;
        };
        match action {
            Action::HostClose => return Flow::Close,
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::Down => self.selected = (self.selected + 1).min(n.saturating_sub(1)),
            Action::Top => self.selected = 0,
            Action::Bottom => self.selected = n.saturating_sub(1),
            Action::PageUp | Action::PageDown => {}
            Action::Refresh => self.reload(cx),
            Action::HostAttach => self.pass_through(Mode::Attach, cx),
            Action::HostDetach => self.pass_through(Mode::Detach, cx),
            _ => return Flow::Ignored,
        }
        Flow::Consumed
    }

    fn on_backend(&mut self, ev: &BackendEvent, cx: &mut Ctx) {
        if let BackendEvent::Device(host, ev) = ev
            && *host == self.host
            && let DeviceEvent::Ran {
                req,
                id,
                dry_run: false,
                outcome,
                ..
            } = ev.as_ref()
        {
            self.on_ran(*req, id, &outcome.result, cx);
            return;
        }
        let BackendEvent::Node(host, ev) = ev else {
            return;
        };
        if *host != self.host {
            return;
        }
        match ev.as_ref() {
            NodeEvent::Info { req, result } if *req == self.reqs.0 => {
                self.info = Some(result.clone());
            }
            NodeEvent::Devices { req, result } if *req == self.reqs.1 => {
                self.devices = Some(result.clone());
            }
            _ => {}
        }
    }

    fn hints(&self) -> Vec<Action> {
        vec![
            Action::HostAttach,
            Action::HostDetach,
            Action::Refresh,
            Action::HostClose,
        ]
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawCtx) {
        let area = view_area(area);
        f.render_widget(Clear, area);
        let t = &cx.config.theme;
        let [top, bottom] =
            Layout::vertical([Constraint::Length(7), Constraint::Min(3)]).areas(area);
        let block = |title: String| {
            Block::default()
                .borders(Borders::ALL)
                .border_style(t.style(Role::Border))
                .title(Line::styled(title, t.style(Role::Title)))
        };
        let lines: Vec<Line> = self.summary().into_iter().map(Line::from).collect();
        f.render_widget(
            Paragraph::new(lines).block(block(format!(" {} ", self.host))),
            top,
        );
        let devs = match &self.devices {
            None => {
                f.render_widget(
                    Paragraph::new("reading node devices…").block(block(" node devices ".into())),
                    bottom,
                );
                return;
            }
            Some(Err(e)) => {
                f.render_widget(
                    Paragraph::new(format!("cannot list node devices: {e}"))
                        .style(t.style(Role::Error))
                        .block(block(" node devices ".into())),
                    bottom,
                );
                return;
            }
            Some(Ok(d)) => d,
        };
        self.selected = self.selected.min(devs.len().saturating_sub(1));
        // The selected device's IOMMU warning goes in the title, where it is read first.
        let title = match devs
            .get(self.selected)
            .and_then(NodeDeviceInfo::group_warning)
        {
            Some(w) => format!(" node devices ({}): {} ", devs.len(), w),
            None => format!(" node devices ({}) ", devs.len()),
        };
        let rows = usize::from(bottom.height.saturating_sub(3));
        self.offset = scroll(self.offset, self.selected, rows);
        let body = devs
            .iter()
            .enumerate()
            .skip(self.offset)
            .take(rows)
            .map(|(i, d)| {
                let vp = format!(
                    "{} {}",
                    d.vendor.as_deref().unwrap_or(&d.vendor_id),
                    d.product.as_deref().unwrap_or(&d.product_id)
                );
                let used: Vec<&str> = d.used_by.iter().map(|(_, n)| n.as_str()).collect();
                let row = Row::new(vec![
                    Cell::from(d.kind.clone()),
                    Cell::from(d.address.clone()),
                    Cell::from(escape(&vp).into_owned()),
                    Cell::from(d.driver.clone().unwrap_or_else(|| "-".into())),
                    Cell::from(d.iommu_group.map_or("-".into(), |g| g.to_string())),
                    Cell::from(escape(&used.join(", ")).into_owned()),
                ]);
                if i == self.selected {
                    row.style(t.style(Role::Selected))
                } else {
                    row
                }
            });
        let widths = [
            Constraint::Length(4),
            Constraint::Length(13),
            Constraint::Min(20),
            Constraint::Length(12),
            Constraint::Length(5),
            Constraint::Min(10),
        ];
        let table = Table::new(body, widths)
            .header(
                Row::new([
                    "BUS",
                    "ADDRESS",
                    "VENDOR / PRODUCT",
                    "DRIVER",
                    "IOMMU",
                    "USED BY",
                ])
                .style(t.style(Role::Header)),
            )
            .block(block(title));
        f.render_widget(table, bottom);
    }
}
