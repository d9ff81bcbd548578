//! The Devices tab's component: the selected domain's devices (`DeviceCmd::List`), a
//! cursor over them, the `[keys.devices]` actions that open the dialogs, and the outcome
//! of every change (libvirt's reason on failure). The list is re-read after each change,
//! on device-added / device-removed and lifecycle events of the domain, and on F5.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Row, Table};

use crate::action::Action;
use crate::app::Level;
use crate::backend::devices::{DeviceCmd, DeviceEvent, DeviceRef, DomainDevices};
use crate::backend::{BackendEvent, Command, DomainId, RequestId};
use crate::config::{Role, Theme};
use crate::ui::devices::dialog::DeviceDialog;
use crate::ui::devices::kinds::{self, Kind};
use crate::ui::devices::rows::{DeviceRow, RowRef, rows};
use crate::ui::layer::Ctx;
use crate::ui::text::escape;

/// The devices as last read.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Loaded {
    #[default]
    Waiting,
    Devices(DomainDevices),
    Failed(String),
}

#[derive(Default)]
pub struct DevicesTab {
    pub domain: Option<DomainId>,
    pub loaded: Loaded,
    pub rows: Vec<DeviceRow>,
    pub cursor: usize,
    /// j/k move the device cursor instead of the domain list.
    pub focused: bool,
    pending: Option<RequestId>,
    stale: bool,
    /// Device rows shown at the last draw: one page for PgUp / PgDn.
    page: usize,
    /// The tab was on show at the last sync.
    shown: bool,
}

impl DevicesTab {
    /// After every event: reads the devices of the selected domain while the tab shows,
    /// when the selection moved or the list went stale.
    pub fn sync(&mut self, visible: bool, selected: Option<&DomainId>, cx: &mut Ctx) {
        if !visible {
            self.focused = false;
            self.shown = false;
            return;
        }
        // Coming back to the tab reads again: nothing kept it current meanwhile.
        if !self.shown {
            self.shown = true;
            self.stale = true;
        }
        if selected != self.domain.as_ref() {
            *self = DevicesTab {
                domain: selected.cloned(),
                stale: true,
                shown: true,
                page: self.page,
                ..DevicesTab::default()
            };
        }
        if self.stale {
            self.reload(cx);
        }
    }

    fn reload(&mut self, cx: &mut Ctx) {
        self.stale = false;
        let Some(id) = self.domain.clone() else {
            return;
        };
        let req = cx.reqs.allocate();
        self.pending = Some(req);
        cx.send(Command::Device(id.host, DeviceCmd::List { req, id }));
    }

    pub fn current(&self) -> Option<&DeviceRow> {
        self.rows.get(self.cursor)
    }

    pub fn on_backend(&mut self, ev: &BackendEvent, cx: &mut Ctx) {
        let mine = |id: &DomainId| self.domain.as_ref() == Some(id);
        match ev {
            BackendEvent::Device(_, d) => match d.as_ref() {
                DeviceEvent::Devices { req, result, .. } if self.pending == Some(*req) => {
                    self.pending = None;
                    match result {
                        Ok(devs) => {
                            self.rows = rows(devs);
                            self.loaded = Loaded::Devices(devs.clone());
                            self.cursor = self.cursor.min(self.rows.len().saturating_sub(1));
                        }
                        Err(e) => {
                            self.rows.clear();
                            self.loaded = Loaded::Failed(e.to_string());
                        }
                    }
                }
                DeviceEvent::Ran {
                    id,
                    op,
                    dry_run: false,
                    outcome,
                    ..
                } => {
                    let name = cx
                        .store
                        .get(id)
                        .map_or_else(|| id.uuid.clone(), |r| r.info.name.clone());
                    let what = kinds::describe(op);
                    match &outcome.result {
                        Ok(()) => cx.status(
                            Level::Done,
                            format!(
                                "{}: {what} ({}): done",
                                escape(&name),
                                outcome.affect.label()
                            ),
                        ),
                        Err(e) => cx.status(
                            Level::Error,
                            format!("{}: {what} failed: {e}", escape(&name)),
                        ),
                    }
                    if mine(id) {
                        self.stale = true;
                    }
                }
                _ => {}
            },
            BackendEvent::DomainEvent(_, r) if mine(&r.id) && r.changes_devices() => {
                self.stale = true;
            }
            BackendEvent::Lifecycle { id, .. } if mine(id) => self.stale = true,
            _ => {}
        }
    }

    /// Runs a devices action, or a movement while the device list has the keys; false
    /// when the action is not the tab's.
    pub fn on_action(&mut self, action: Action, cx: &mut Ctx) -> bool {
        let n = self.rows.len();
        let page = self.page.max(1);
        if self.focused {
            let to = match action {
                Action::Up => Some(self.cursor.saturating_sub(1)),
                Action::Down => Some((self.cursor + 1).min(n.saturating_sub(1))),
                Action::PageUp => Some(self.cursor.saturating_sub(page)),
                Action::PageDown => Some((self.cursor + page).min(n.saturating_sub(1))),
                Action::Top => Some(0),
                Action::Bottom => Some(n.saturating_sub(1)),
                Action::ClearFilter => {
                    self.focused = false;
                    return true;
                }
                _ => None,
            };
            if let Some(to) = to {
                self.cursor = to;
                return true;
            }
        }
        match action {
            Action::DevicesFocus => self.focused = !self.focused,
            Action::Refresh => {
                self.stale = true;
                return false;
            }
            Action::DeviceAddDisk
            | Action::DeviceAddNic
            | Action::DeviceDetach
            | Action::DeviceMedia
            | Action::DeviceLink => self.open(action, cx),
            _ => return false,
        }
        true
    }

    /// Opens the dialog for `action`, or says why it cannot.
    fn open(&mut self, action: Action, cx: &mut Ctx) {
        if cx.refuse_mutation(action) {
            return;
        }
        let Some(row) = cx.selected_row() else {
            return;
        };
        let Loaded::Devices(devs) = &self.loaded else {
            cx.status(Level::Warn, "the devices are still being read");
            return;
        };
        if self.domain.as_ref() != Some(&row.info.id) {
            cx.status(Level::Warn, "the devices are still being read");
            return;
        }
        let id = row.info.id.clone();
        let name = row.info.name.clone();
        let state = (row.info.state.state.is_active(), row.info.persistent);
        let dialog = match (action, self.current().map(|r| &r.what)) {
            (Action::DeviceAddDisk, _) => {
                DeviceDialog::add_disk(id, &name, devs.disks.clone(), state, cx)
            }
            (Action::DeviceAddNic, _) => DeviceDialog::add_nic(id, &name, state, cx),
            (Action::DeviceDetach, Some(what)) => {
                let (r, words) = match what {
                    RowRef::Disk(d) => (
                        DeviceRef::Disk(d.target.clone()),
                        format!(
                            "{} {} ({})",
                            d.device,
                            d.target,
                            d.source.as_deref().unwrap_or("empty")
                        ),
                    ),
                    RowRef::Nic(n) => match &n.mac {
                        Some(mac) => (
                            DeviceRef::Nic(mac.clone()),
                            format!(
                                "NIC {mac} ({} {})",
                                n.kind,
                                n.source.as_deref().unwrap_or("")
                            ),
                        ),
                        None => return cx.status(Level::Warn, "that NIC has no MAC to name it by"),
                    },
                    RowRef::Hostdev(a) => {
                        (DeviceRef::Hostdev(a.clone()), format!("host device {a}"))
                    }
                    RowRef::Other => {
                        return cx.status(
                            Level::Warn,
                            "only disks, NICs and host devices can be detached here",
                        );
                    }
                };
                let form = crate::ui::devices::form::Form::new(vec![kinds::affect_field(
                    state.0, state.1,
                )]);
                let mut d =
                    DeviceDialog::new(id, &name, Kind::Detach(r, words.clone()), "Detach?", form);
                d.about = vec![format!("Detach {words} from {name}?"), String::new()];
                d.ask_now(cx)
            }
            (Action::DeviceMedia, Some(RowRef::Disk(d)))
                if d.device == "cdrom" || d.device == "floppy" =>
            {
                let form = kinds::media_fields(d.source.is_some(), state.0, state.1);
                let mut dlg = DeviceDialog::new(
                    id,
                    &name,
                    Kind::Media {
                        target: d.target.clone(),
                    },
                    "Change media",
                    form,
                );
                dlg.about = vec![
                    format!(
                        "{} {}: {}",
                        d.device,
                        d.target,
                        d.source.as_deref().unwrap_or("empty")
                    ),
                    String::new(),
                ];
                dlg
            }
            (Action::DeviceMedia, _) => {
                return cx.status(Level::Warn, "select a CD-ROM or floppy to change its media");
            }
            (Action::DeviceLink, Some(RowRef::Nic(n))) if n.mac.is_some() => {
                let mac = n.mac.clone().unwrap_or_default();
                let form = kinds::link_fields(n.link_up, state.0, state.1);
                let mut dlg = DeviceDialog::new(
                    id,
                    &name,
                    Kind::Link { mac: mac.clone() },
                    "Link state",
                    form,
                );
                dlg.about = vec![
                    format!(
                        "NIC {mac}: link is {}",
                        if n.link_up { "up" } else { "down" }
                    ),
                    String::new(),
                ];
                dlg
            }
            (Action::DeviceLink, _) => {
                return cx.status(Level::Warn, "select a NIC to set its link up or down");
            }
            _ => return cx.status(Level::Warn, "no device selected"),
        };
        cx.push(dialog);
    }

    pub fn render(&mut self, f: &mut Frame, area: Rect, theme: &Theme) {
        let dim = theme.style(Role::Dim);
        match &self.loaded {
            Loaded::Waiting => {
                f.render_widget(Span::styled(" reading the devices…", dim), area);
                return;
            }
            Loaded::Failed(e) => {
                let msg = format!(" cannot read the devices: {}", escape(e));
                f.render_widget(Span::styled(msg, theme.style(Role::Error)), area);
                return;
            }
            Loaded::Devices(_) => {}
        }
        let body = usize::from(area.height.saturating_sub(1)).max(1);
        self.page = body;
        let first = self.cursor.saturating_sub(body - 1);
        let cursor_style = if self.focused {
            theme.style(Role::Selected)
        } else {
            theme.style(Role::Key)
        };
        let shown = self
            .rows
            .iter()
            .enumerate()
            .skip(first)
            .take(body)
            .map(|(i, r)| {
                let cells = [
                    &r.kind,
                    &r.name,
                    &r.kind_detail,
                    &r.source,
                    &r.model,
                    &r.info,
                ]
                .map(|c| escape(c).into_owned());
                let row = Row::new(cells);
                if i == self.cursor {
                    row.style(cursor_style)
                } else {
                    row
                }
            });
        let widths = [
            Constraint::Length(10),
            Constraint::Length(9),
            Constraint::Length(7),
            Constraint::Min(12),
            Constraint::Length(10),
            Constraint::Length(22),
        ];
        let header = Row::new([
            "Kind",
            "Name",
            "Type",
            "Source",
            "Model/bus",
            "MAC link / info",
        ])
        .style(theme.style(Role::Header));
        f.render_widget(Table::new(shown, widths).header(header), area);
    }
}
