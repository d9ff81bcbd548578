//! One device dialog as a layer: its form, the XML fragment the backend's dry run built
//! (shown before anything is sent), and the command that sends it.
//!
//! Enter asks the backend for the fragment (`dry_run`); once it is shown, Enter (or `y`)
//! sends exactly that change. Any edit hides the fragment again, so what was shown is
//! what goes out. The Devices tab reports the outcome and re-reads the list.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use crate::action::{Action, Scope};
use crate::app::Level;
use crate::backend::devices::fragment::free_target;
use crate::backend::devices::parse::DiskInfo;
use crate::backend::devices::{Affect, DeviceCmd, DeviceEvent, DeviceOp};
use crate::backend::network::{NetCmd, NetEvent};
use crate::backend::storage::{PoolState, StorageCmd, StorageEvent, VolumeInfo};
use crate::backend::{BackendEvent, Command, DomainId, RequestId};
use crate::config::Role;
use crate::ui::devices::form::{Form, FormKey};
use crate::ui::devices::kinds::{self, Kind};
use crate::ui::layer::{Ctx, DrawCtx, Flow, Layer};
use crate::ui::text::escape;
use crate::ui::widgets::{centered, frame};

const SCOPES: &[Scope] = &[
    Scope::SnapshotDialog,
    Scope::Confirm,
    Scope::Input,
    Scope::Global,
];

#[derive(Clone, Debug, PartialEq)]
pub enum Preview {
    None,
    /// The dry run for `op` is on its way.
    Waiting(RequestId, DeviceOp, Affect),
    /// What the backend will send for `op`, with the scope it resolved.
    Shown {
        op: DeviceOp,
        affect: Affect,
        xml: String,
    },
}

pub struct DeviceDialog {
    pub id: DomainId,
    pub domain: String,
    pub kind: Kind,
    pub title: String,
    /// Lines above the fields: which device, what it holds.
    pub about: Vec<String>,
    pub form: Form,
    pub preview: Preview,
    /// Why the last Enter was refused (the form's or libvirt's words).
    pub error: Option<String>,
    /// The domain's disks, for the suggested free target.
    disks: Vec<DiskInfo>,
    /// The target field still holds the suggestion (a new bus suggests anew).
    target_auto: bool,
    pools_req: Option<RequestId>,
    volumes_req: Option<RequestId>,
    volumes: Vec<VolumeInfo>,
}

impl DeviceDialog {
    pub fn new(id: DomainId, domain: &str, kind: Kind, title: &str, form: Form) -> DeviceDialog {
        DeviceDialog {
            id,
            domain: domain.to_string(),
            kind,
            title: title.to_string(),
            about: Vec::new(),
            form,
            preview: Preview::None,
            error: None,
            disks: Vec::new(),
            target_auto: true,
            pools_req: None,
            volumes_req: None,
            volumes: Vec::new(),
        }
    }

    /// The add-disk form, asking the host for its pools (the volume choice).
    pub fn add_disk(
        id: DomainId,
        domain: &str,
        disks: Vec<DiskInfo>,
        (active, persistent): (bool, bool),
        cx: &mut Ctx,
    ) -> DeviceDialog {
        let form = kinds::disk_fields(&disks, active, persistent);
        let mut d = DeviceDialog::new(id, domain, Kind::AddDisk, "Add a disk", form);
        d.disks = disks;
        let req = cx.reqs.allocate();
        d.pools_req = Some(req);
        cx.send(Command::Storage(d.id.host, StorageCmd::ListPools { req }));
        d
    }

    /// The add-NIC form, asking the host for its networks.
    pub fn add_nic(id: DomainId, domain: &str, state: (bool, bool), cx: &mut Ctx) -> DeviceDialog {
        let form = kinds::nic_fields(state.0, state.1);
        let d = DeviceDialog::new(id, domain, Kind::AddNic, "Add a network interface", form);
        let req = cx.reqs.allocate();
        cx.send(Command::Network(d.id.host, NetCmd::List { req }));
        d
    }

    /// A dialog without choices but the scope (detach): its fragment is asked for at once.
    pub fn ask_now(mut self, cx: &mut Ctx) -> DeviceDialog {
        self.accept(cx);
        self
    }

    fn send(&self, cx: &mut Ctx, op: DeviceOp, affect: Affect, dry_run: bool) -> RequestId {
        let req = cx.reqs.allocate();
        cx.send(Command::Device(
            self.id.host,
            DeviceCmd::Run {
                req,
                id: self.id.clone(),
                op,
                affect,
                dry_run,
            },
        ));
        req
    }

    /// Enter: ask for the fragment, or send the one on show. True when sent.
    fn accept(&mut self, cx: &mut Ctx) -> bool {
        let format = self.volume_format();
        let op = match kinds::op_of(&self.kind, &self.form, format) {
            Ok(op) => op,
            Err(e) => {
                self.error = Some(e);
                return false;
            }
        };
        let affect = kinds::affect_of(&self.form);
        if let Preview::Shown {
            op: shown,
            affect: a,
            ..
        } = &self.preview
            && *shown == op
            && *a == affect
        {
            self.send(cx, op.clone(), affect, false);
            cx.status(
                Level::Info,
                format!(
                    "{}: {} ({})…",
                    escape(&self.domain),
                    kinds::describe(&op),
                    affect.label()
                ),
            );
            return true;
        }
        self.error = None;
        let req = self.send(cx, op.clone(), affect, true);
        self.preview = Preview::Waiting(req, op, affect);
        false
    }

    fn volume_format(&self) -> Option<String> {
        let name = self.form.value("volume");
        self.volumes
            .iter()
            .find(|v| v.name == name)
            .and_then(|v| v.format.clone())
    }

    fn ask_volumes(&mut self, cx: &mut Ctx) {
        let pool = self.form.value("pool");
        self.volumes.clear();
        self.form.set_options("volume", Vec::new());
        if pool.is_empty() {
            return;
        }
        let req = cx.reqs.allocate();
        self.volumes_req = Some(req);
        cx.send(Command::Storage(
            self.id.host,
            StorageCmd::ListVolumes { req, pool },
        ));
    }

    /// What a changed field means for the others.
    fn changed(&mut self, key: &str, cx: &mut Ctx) {
        self.preview = Preview::None;
        self.error = None;
        match key {
            "source" => kinds::disk_source_changed(&mut self.form),
            "type" => kinds::nic_type_changed(&mut self.form),
            "media" => kinds::media_changed(&mut self.form),
            "pool" => self.ask_volumes(cx),
            "target" => self.target_auto = false,
            // QEMU has no virtio CD-ROM: a CD-ROM goes on SATA unless a bus was chosen.
            "device"
                if self.form.value("device") == "cdrom" && self.form.value("bus") == "virtio" =>
            {
                self.form.select("bus", "sata");
                self.suggest_target();
            }
            "bus" => self.suggest_target(),
            _ => {}
        }
    }
}

impl DeviceDialog {
    /// A new bus suggests its first free target, unless a target was typed.
    fn suggest_target(&mut self) {
        if self.target_auto {
            let t = free_target(&self.form.value("bus"), &self.disks);
            self.form.set_text("target", &t);
        }
    }
}

impl Layer for DeviceDialog {
    fn scopes(&self) -> &'static [Scope] {
        SCOPES
    }

    fn on_key(&mut self, k: &KeyEvent, cx: &mut Ctx) -> Flow {
        let action = cx.action(SCOPES, k);
        match self.form.on_key(&cx.config.keymap, k, action) {
            FormKey::Changed(key) => self.changed(key, cx),
            FormKey::Cancel => {
                cx.status(Level::Warn, format!("{}: cancelled", self.title));
                return Flow::Close;
            }
            FormKey::Accept => {
                if self.accept(cx) {
                    return Flow::Close;
                }
            }
            // `y` sends a shown fragment (the detach question); otherwise it does nothing.
            FormKey::Yes if matches!(self.preview, Preview::Shown { .. }) => {
                if self.accept(cx) {
                    return Flow::Close;
                }
            }
            FormKey::Yes | FormKey::Consumed => {}
        }
        Flow::Consumed
    }

    fn on_paste(&mut self, text: &str, _cx: &mut Ctx) -> Flow {
        self.form.paste(text);
        self.preview = Preview::None;
        Flow::Consumed
    }

    fn on_backend(&mut self, ev: &BackendEvent, cx: &mut Ctx) {
        match ev {
            BackendEvent::Device(_, d) => {
                if let DeviceEvent::Ran {
                    req,
                    dry_run: true,
                    outcome,
                    ..
                } = d.as_ref()
                    && let Preview::Waiting(r, op, _) = &self.preview
                    && r == req
                {
                    match &outcome.result {
                        Ok(()) => {
                            self.preview = Preview::Shown {
                                op: op.clone(),
                                affect: outcome.affect,
                                xml: outcome.xml.clone(),
                            }
                        }
                        Err(e) => {
                            self.preview = Preview::None;
                            self.error = Some(e.to_string());
                        }
                    }
                }
            }
            BackendEvent::Storage(_, StorageEvent::Pools { req, result })
                if Some(*req) == self.pools_req =>
            {
                self.pools_req = None;
                match result {
                    Ok(pools) => {
                        let names = pools
                            .iter()
                            .filter(|p| p.state == PoolState::Running)
                            .map(|p| p.name.clone())
                            .collect();
                        self.form.set_options("pool", names);
                        self.ask_volumes(cx);
                    }
                    Err(e) => self.error = Some(format!("cannot list the pools: {e}")),
                }
            }
            BackendEvent::Storage(_, StorageEvent::Volumes { req, result, .. })
                if Some(*req) == self.volumes_req =>
            {
                self.volumes_req = None;
                match result {
                    Ok(vols) => {
                        self.volumes = vols.clone();
                        let names = vols.iter().map(|v| v.name.clone()).collect();
                        self.form.set_options("volume", names);
                    }
                    Err(e) => self.error = Some(format!("cannot list the volumes: {e}")),
                }
            }
            BackendEvent::Network(host, ne) if *host == self.id.host => {
                let NetEvent::List(nets) = ne.as_ref() else {
                    return;
                };
                let mut nets: Vec<_> = nets.iter().collect();
                // Active networks first: a NIC on a stopped one cannot be plugged live.
                nets.sort_by_key(|n| (!n.active, n.name.clone()));
                let names = nets.iter().map(|n| n.name.clone()).collect();
                self.form.set_options("network", names);
            }
            _ => {}
        }
    }

    fn hints(&self) -> Vec<Action> {
        vec![Action::InputAccept, Action::InputCancel]
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawCtx) {
        let theme = &cx.config.theme;
        let dim = theme.style(Role::Dim);
        let k = |a| cx.config.keymap.keys_label(a);
        let mut lines: Vec<Line> = self
            .about
            .iter()
            .map(|l| Line::from(escape(l).into_owned()))
            .collect();
        lines.extend(self.form.lines(theme));
        if self.form.fields.iter().filter(|f| !f.hidden).count() > 1 {
            lines.push(Line::from(Span::styled(
                format!(
                    "{} / ↑↓ next field · {} / ←→ change a choice · {} cancels",
                    k(Action::NextField),
                    k(Action::ToggleOption),
                    k(Action::InputCancel)
                ),
                dim,
            )));
        }
        lines.push(Line::from(""));
        match &self.preview {
            Preview::None => lines.push(Line::from(Span::styled(
                format!("{}: show the XML it will send", k(Action::InputAccept)),
                dim,
            ))),
            Preview::Waiting(..) => {
                lines.push(Line::from(Span::styled("building the XML…", dim)));
            }
            Preview::Shown { xml, affect, op } => {
                lines.push(Line::from(vec![
                    Span::styled(format!("sends ({}):", affect.label()), dim),
                    Span::styled(
                        format!("  {} to send", k(Action::InputAccept)),
                        theme.style(Role::Key),
                    ),
                ]));
                lines.extend(xml.lines().map(|l| Line::from(escape(l).into_owned())));
                let virsh = kinds::virsh_line(op, &self.domain, *affect);
                lines.push(Line::from(Span::styled(
                    format!("same as: {}", escape(&virsh)),
                    dim,
                )));
            }
        }
        if let Some(e) = &self.error {
            lines.push(Line::from(Span::styled(
                escape(e).into_owned(),
                theme.style(Role::Error),
            )));
        }
        let width = area.width.clamp(20, 78);
        let height = u16::try_from(lines.len() + 2)
            .unwrap_or(u16::MAX)
            .min(area.height);
        let rect = centered(area, width, height);
        f.render_widget(Clear, rect);
        let title = format!("{} — {}", self.title, escape(&self.domain));
        f.render_widget(
            Paragraph::new(lines)
                .block(frame(&title, true, theme))
                .wrap(Wrap { trim: false }),
            rect,
        );
    }
}
