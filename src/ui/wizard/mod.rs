//! The create wizard: a few pages of fields (name and OS, install source, memory and CPUs,
//! disk, network, console/boot/autostart), all keyboard; Enter goes to the next page, Esc
//! back a page. The last page hands the domain XML to the XML editor (`Handoff`), where
//! Ctrl-S creates it; the App tells the wizard how that ended (`app/create.rs`).

mod build;
pub mod created;
mod draw;
pub mod form;
pub mod pages;

use std::collections::BTreeMap;

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;

use crate::action::{Action, Scope};
use crate::backend::create::{CreateCmd, CreateEvent, CreatePlan, OsVariant, osinfo};
use crate::backend::network::{NetCmd, NetEvent, NetworkInfo};
use crate::backend::node::{HostInfo, NodeCmd, NodeEvent};
use crate::backend::storage::{PoolInfo, PoolState, StorageCmd, StorageEvent, VolumeInfo};
use crate::backend::{BackendEvent, Command, HostId, RequestId};
use crate::ui::layer::{Ctx, DrawCtx, Effect, Flow, Layer, Level};
use form::{Choice, Field, Opt};
use pages::{F, Page};

/// The keys the wizard listens to: its own, then Enter/Esc/Backspace of text inputs.
pub const SCOPES: &[Scope] = &[Scope::Wizard, Scope::Input];

/// What the wizard gives the XML editor: the XML, what Ctrl-S must create besides the
/// domain, and the wizard itself, to come back to (Esc in the editor is "back a page").
pub struct Handoff {
    pub host: HostId,
    pub xml: String,
    pub plan: CreatePlan,
    pub wizard: Box<Wizard>,
}

/// Replies the wizard waits for.
#[derive(Debug, Default)]
struct Pending {
    node: Option<RequestId>,
    pools: Option<RequestId>,
    os: Option<RequestId>,
    volumes: Vec<RequestId>,
}

#[derive(Debug, Default)]
pub struct Wizard {
    pub host: HostId,
    pub page: Page,
    /// The focused field's index among the page's visible fields.
    pub focus: usize,
    pub fields: BTreeMap<F, Field>,
    /// Why the page cannot be left yet.
    pub error: Option<String>,
    /// What the host could not tell (pools, volumes, limits), shown on every page.
    pub note: Option<String>,
    /// Why there is no OS list (libosinfo missing), shown on the first page.
    pub os_note: Option<String>,
    pub node: Option<HostInfo>,
    pub pools: Vec<PoolInfo>,
    /// Volumes by pool name.
    pub volumes: BTreeMap<String, Vec<VolumeInfo>>,
    pub networks: Vec<NetworkInfo>,
    pub os: Vec<OsVariant>,
    pending: Pending,
    /// The OS variant whose defaults were last applied.
    applied_os: Option<String>,
    /// The volume name the wizard suggested (replaced when the name changes, unless edited).
    auto_vol_name: String,
    /// The UUID the XML carries (kept across visits to the editor).
    uuid: String,
    /// Edits made in the editor before Esc brought the user back: (the XML they were made
    /// on, the edited text). Forward again with the same answers, the edits come back.
    pub edited: Option<(String, String)>,
}

impl Wizard {
    /// A wizard for a new domain on `host`; asks the host for what its pages offer.
    pub fn open(host: HostId, cx: &mut Ctx) -> Wizard {
        let mut w = Wizard {
            host,
            fields: pages::initial().into_iter().collect(),
            uuid: crate::backend::create::spec::new_uuid(),
            ..Wizard::default()
        };
        let (node, pools, os, nets) = (
            cx.reqs.allocate(),
            cx.reqs.allocate(),
            cx.reqs.allocate(),
            cx.reqs.allocate(),
        );
        w.pending.node = Some(node);
        w.pending.pools = Some(pools);
        w.pending.os = Some(os);
        cx.send(Command::Node(host, NodeCmd::Info { req: node }));
        cx.send(Command::Storage(host, StorageCmd::ListPools { req: pools }));
        cx.send(Command::Create(host, CreateCmd::OsVariants { req: os }));
        cx.send(Command::Network(host, NetCmd::List { req: nets }));
        w.apply_defaults();
        w
    }

    fn choice_mut(&mut self, f: F) -> Option<&mut Choice> {
        match self.fields.get_mut(&f) {
            Some(Field::Choice(c)) => Some(c),
            _ => None,
        }
    }

    fn set_text(&mut self, f: F, v: &str) {
        if let Some(Field::Text(t)) = self.fields.get_mut(&f) {
            t.text = v.to_string();
        }
    }

    /// The OS variant chosen, if any.
    pub fn os_variant(&self) -> Option<&OsVariant> {
        let v = self.get(F::Os);
        self.os.iter().find(|o| o.short_id == v)
    }

    /// Memory, disk size, bus and NIC model from the chosen OS, when it changed.
    fn apply_defaults(&mut self) {
        let os = self.get(F::Os).to_string();
        if self.applied_os.as_deref() == Some(os.as_str()) {
            return;
        }
        let d = osinfo::defaults(self.os_variant());
        self.applied_os = Some(os);
        let (max_mib, _) = self.limits();
        self.set_text(F::Memory, &d.memory_mib.min(max_mib).to_string());
        self.set_text(F::Size, &format!("{}G", d.disk_gib));
        if let Some(c) = self.choice_mut(F::Bus) {
            c.select(d.disk_bus);
        }
        if let Some(c) = self.choice_mut(F::Model) {
            c.select(d.nic_model);
        }
    }

    /// Suggests `<name>.<format>` as the new volume's name until the user edits it.
    fn suggest_volume_name(&mut self) {
        let name = format!("{}.{}", self.get(F::Name), self.get(F::Format));
        if self.get(F::VolName) == self.auto_vol_name {
            self.set_text(F::VolName, &name);
            self.auto_vol_name = name;
        }
    }

    /// A sensible boot order for the source, when the page is first reached.
    fn suggest_boot(&mut self) {
        let order = match self.source() {
            _ if self.imports() && !self.get(F::Kernel).trim().is_empty() => "hd",
            "iso-volume" | "iso-path" => "cdrom,hd",
            "pxe" => "network,hd",
            _ => "hd",
        };
        if let Some(c) = self.choice_mut(F::BootOrder) {
            c.select(order);
        }
    }

    fn focused(&self) -> Option<F> {
        self.visible(self.page).get(self.focus).copied()
    }

    fn go(&mut self, page: Page) {
        self.page = page;
        self.focus = 0;
        self.error = None;
    }

    /// Enter: check the page, then the next one (or the editor after the last).
    fn next_page(&mut self, cx: &mut Ctx) -> Flow {
        if let Err((f, why)) = self.check(self.page, cx.store) {
            self.error = Some(why);
            if let Some(i) = self.visible(self.page).iter().position(|v| *v == f) {
                self.focus = i;
            }
            return Flow::Consumed;
        }
        match self.page {
            Page::Name => {
                self.apply_defaults();
                self.suggest_volume_name();
            }
            Page::Source => self.suggest_boot(),
            _ => {}
        }
        match self.page.next() {
            Some(p) => {
                self.go(p);
                Flow::Consumed
            }
            None => self.hand_off(cx),
        }
    }

    /// Builds the XML and gives it, with the wizard, to the XML editor.
    fn hand_off(&mut self, cx: &mut Ctx) -> Flow {
        let (spec, plan) = self.build();
        let xml = spec.to_xml();
        let host = self.host;
        let wizard = Box::new(std::mem::take(self));
        cx.effects.push(Effect::CreateInEditor(Box::new(Handoff {
            host,
            xml,
            plan,
            wizard,
        })));
        Flow::Close
    }

    /// Back from the editor: the last page again.
    pub fn resume(&mut self) {
        self.go(Page::Options);
    }
}

impl Layer for Wizard {
    fn scopes(&self) -> &'static [Scope] {
        SCOPES
    }

    fn on_key(&mut self, k: &KeyEvent, cx: &mut Ctx) -> Flow {
        let action = cx.action(SCOPES, k);
        let n = self.visible(self.page).len();
        match action {
            Some(Action::InputAccept) => return self.next_page(cx),
            Some(Action::InputCancel) => {
                match self.page.prev() {
                    Some(p) => self.go(p),
                    None => {
                        cx.status(Level::Info, "create cancelled: nothing was created");
                        return Flow::Close;
                    }
                }
                return Flow::Consumed;
            }
            Some(Action::WizardCancel) => {
                cx.status(Level::Info, "create cancelled: nothing was created");
                return Flow::Close;
            }
            Some(Action::WizardNextField) => {
                self.focus = (self.focus + 1) % n.max(1);
                return Flow::Consumed;
            }
            Some(Action::WizardPrevField) => {
                self.focus = (self.focus + n.max(1) - 1) % n.max(1);
                return Flow::Consumed;
            }
            _ => {}
        }
        let Some(f) = self.focused() else {
            return Flow::Consumed;
        };
        let keymap = &cx.config.keymap;
        if let Some(field) = self.fields.get_mut(&f)
            && field.on_key(keymap, action, k)
        {
            self.error = None;
            if f == F::Format {
                self.suggest_volume_name();
            }
        }
        // Everything else is the wizard's too: it covers the screen.
        Flow::Consumed
    }

    fn on_paste(&mut self, text: &str, _cx: &mut Ctx) -> Flow {
        if let Some(f) = self.focused()
            && let Some(field) = self.fields.get_mut(&f)
        {
            field.paste(text);
        }
        Flow::Consumed
    }

    fn on_backend(&mut self, ev: &BackendEvent, cx: &mut Ctx) {
        if ev.host() != self.host {
            return;
        }
        match ev {
            BackendEvent::Node(_, n) => {
                if let NodeEvent::Info { req, result } = n.as_ref()
                    && self.pending.node == Some(*req)
                {
                    self.pending.node = None;
                    match result {
                        Ok(info) => {
                            self.node = Some(info.clone());
                            let (types, _) = self.domain_types();
                            let opts = types
                                .iter()
                                .map(|t| match t.as_str() {
                                    "qemu" => Opt::new(t, "qemu (emulated, TCG)"),
                                    _ => Opt::plain(t),
                                })
                                .collect();
                            if let Some(c) = self.choice_mut(F::VirtType) {
                                c.set_options(opts);
                            }
                        }
                        Err(e) => self.note = Some(format!("host limits unknown: {e}")),
                    }
                }
            }
            BackendEvent::Create(_, c) => {
                if let CreateEvent::OsVariants { req, result } = c.as_ref()
                    && self.pending.os == Some(*req)
                {
                    self.pending.os = None;
                    match result {
                        Ok(list) => self.set_os(list.clone()),
                        Err(e) => self.os_note = Some(e.clone()),
                    }
                }
            }
            BackendEvent::Network(_, n) => {
                if let NetEvent::List(list) = n.as_ref() {
                    self.networks = list.clone();
                    let opts = list
                        .iter()
                        .map(|n| {
                            let state = if n.active { "" } else { " (inactive)" };
                            Opt::new(&n.name, format!("{}{state}", n.name))
                        })
                        .collect();
                    if let Some(c) = self.choice_mut(F::Network) {
                        c.set_options(opts);
                        c.select("default");
                    }
                }
            }
            BackendEvent::Storage(_, s) => self.on_storage(s, cx),
            _ => {}
        }
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawCtx) {
        draw::draw(self, f, area, cx);
    }

    fn hints(&self) -> Vec<Action> {
        // Enter and Esc (next / back a page) are spelled out on the page itself.
        vec![
            Action::WizardNextField,
            Action::WizardNextChoice,
            Action::WizardCancel,
        ]
    }

    fn fullscreen(&self) -> bool {
        true
    }
}

impl Wizard {
    fn set_os(&mut self, list: Vec<OsVariant>) {
        let mut opts = vec![Opt::new("", "generic (no OS variant)")];
        opts.extend(
            list.iter()
                .map(|o| Opt::new(&o.short_id, format!("{}  {}", o.short_id, o.name))),
        );
        self.os = list;
        if let Some(c) = self.choice_mut(F::Os) {
            c.set_options(opts);
        }
    }

    fn on_storage(&mut self, ev: &StorageEvent, cx: &mut Ctx) {
        match ev {
            StorageEvent::Pools { req, result } if self.pending.pools == Some(*req) => {
                self.pending.pools = None;
                let pools = match result {
                    Ok(p) => p.clone(),
                    Err(e) => {
                        self.note = Some(format!("cannot list the pools: {e}"));
                        return;
                    }
                };
                for p in pools.iter().filter(|p| p.state == PoolState::Running) {
                    let req = cx.reqs.allocate();
                    self.pending.volumes.push(req);
                    cx.send(Command::Storage(
                        self.host,
                        StorageCmd::ListVolumes {
                            req,
                            pool: p.name.clone(),
                        },
                    ));
                }
                let opts = pools
                    .iter()
                    .filter(|p| p.state == PoolState::Running)
                    .map(|p| {
                        Opt::new(
                            &p.name,
                            format!(
                                "{} ({}, {} free)",
                                p.name,
                                p.kind,
                                crate::ui::widgets::sheet::bytes(p.available)
                            ),
                        )
                    })
                    .collect();
                self.pools = pools;
                if let Some(c) = self.choice_mut(F::Pool) {
                    c.set_options(opts);
                    c.select("default");
                }
            }
            StorageEvent::Volumes { req, pool, result } if self.pending.volumes.contains(req) => {
                self.pending.volumes.retain(|r| r != req);
                match result {
                    Ok(v) => {
                        self.volumes.insert(pool.clone(), v.clone());
                    }
                    Err(e) => self.note = Some(format!("cannot list the volumes of {pool}: {e}")),
                }
                self.volume_choices();
            }
            _ => {}
        }
    }

    /// Every known volume as `pool/name`; ISOs first for the ISO field.
    fn volume_choices(&mut self) {
        let all: Vec<Opt> = self
            .volumes
            .iter()
            .flat_map(|(pool, vols)| {
                vols.iter().map(move |v| {
                    let fmt = v.format.as_deref().unwrap_or("?");
                    Opt::new(
                        format!("{pool}/{}", v.name),
                        format!(
                            "{pool}/{}  {fmt} {}",
                            v.name,
                            crate::ui::widgets::sheet::bytes(v.capacity)
                        ),
                    )
                })
            })
            .collect();
        let is_iso = |o: &Opt| o.value.to_lowercase().ends_with(".iso");
        let mut isos: Vec<Opt> = all.iter().filter(|o| is_iso(o)).cloned().collect();
        isos.extend(all.iter().filter(|o| !is_iso(o)).cloned());
        let images: Vec<Opt> = all.iter().filter(|o| !is_iso(o)).cloned().collect();
        if let Some(c) = self.choice_mut(F::IsoVolume) {
            c.set_options(isos);
        }
        if let Some(c) = self.choice_mut(F::ImportVolume) {
            c.set_options(images.clone());
        }
        if let Some(c) = self.choice_mut(F::Existing) {
            c.set_options(images);
        }
    }

    /// The volume a `pool/name` choice names.
    pub fn volume(&self, value: &str) -> Option<&VolumeInfo> {
        let (pool, name) = value.split_once('/')?;
        self.volumes.get(pool)?.iter().find(|v| v.name == name)
    }
}
