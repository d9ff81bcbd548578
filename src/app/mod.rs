//! The App: sole owner of UI state. Drains events, updates the model, sends commands,
//! and draws once per batch of events.

mod cmdline;
mod console_view;
mod create;
mod hosts;
mod inflight;
mod keys;
mod layers;
mod mouse;
mod onscreen;
mod quit;
mod render;
mod run;
pub use run::frame_interval;
mod views;
mod xml;
mod xml_files;
mod xml_objects;

pub use crate::ui::console::view::ConsoleUi;
pub use hosts::HostSpawner;

use std::time::{Duration, Instant};

use ratatui::Terminal;

use crate::backend::{BackendEvent, Command, CommandSender, HostId};
use crate::config::Config;
use crate::event::Event;
use crate::state::Store;
use crate::state::stats::capacity_for;
use crate::ui::domains::detail::Tab;
use crate::ui::domains::view::DomainsView;
use crate::ui::layer::{Effect, Layer, RequestIds};
use crate::ui::snapshots::pane::SnapshotPane;
use crate::ui::stats::view::StatsTab;
use crate::ui::text::escape;

/// Runs `$body` with a component context `$cx` built from the App's parts, then applies
/// the effects the component returned. A macro, not a method, so the body may borrow
/// another field of the App (the component) mutably at the same time.
macro_rules! with_ctx {
    ($app:expr, |$cx:ident| $body:expr) => {{
        let target = $app.target.clone();
        let selected = target
            .clone()
            .or_else(|| $app.domains.list.selected().cloned());
        let mut $cx = $crate::ui::layer::Ctx::new(
            &$app.store,
            &$app.config,
            $app.readonly,
            &mut $app.reqs,
            selected,
            $app.host,
        );
        $cx.target = target;
        let out = $body;
        let effects = std::mem::take(&mut $cx.effects);
        $app.apply(effects);
        out
    }};
}
pub(crate) use with_ctx;

/// How long an info message stays in the status line.
const STATUS_TTL: Duration = Duration::from_secs(8);

pub use crate::ui::layer::Level;

#[derive(Clone, Debug)]
pub struct Status {
    pub text: String,
    pub level: Level,
    pub at: Instant,
}

pub struct App {
    pub store: Store,
    /// The domain list and its detail tabs: the main screen, bottom of the stack.
    pub domains: DomainsView,
    pub config: Config,
    pub readonly: bool,
    /// Popups and prompts over the main screen, bottom first; the last one gets keys first.
    pub layers: Vec<Box<dyn Layer>>,
    pub status: Option<Status>,
    /// The XML editor, full-screen while open.
    pub xml: Option<Box<crate::ui::xml_editor::XmlEditor>>,
    /// Where editor drafts are kept (`None`: no state dir, drafts disabled).
    pub drafts_dir: Option<std::path::PathBuf>,
    /// The App's own channel, for work it hands to threads (file reads); set by the runner.
    events: Option<tokio::sync::mpsc::UnboundedSender<Event>>,
    /// When the open editor's draft is written (not on every keystroke).
    drafts_schedule: crate::xml::drafts::DraftSchedule,
    /// libvirt's schema index per object kind, each built on first use.
    schemas:
        std::collections::HashMap<crate::xml::schema::ObjectKind, crate::ui::xml_editor::Schema>,
    external_pending: bool,
    /// The user was told the edited domain is gone; the next Ctrl-S defines it anew.
    xml_define_anew: bool,
    /// The create wizard whose XML the editor holds (Ctrl-S creates, Esc goes back to it).
    creating: Option<create::Creating>,
    pub snaps: SnapshotPane,
    /// The selected domain's live and persistent XML (XML tab, Overview).
    pub xml_pane: crate::ui::domains::xml_tab::XmlPane,
    pub console: ConsoleUi,
    pub stats: StatsTab,
    /// The Devices tab: the selected domain's devices and the hot-plug dialogs.
    pub devices: crate::ui::devices::DevicesTab,
    /// The Disks tab: the selected domain's disks, chains and block jobs.
    pub disks: crate::ui::disks::DisksTab,
    /// One worker per host: each command goes to the worker of the host it names.
    backends: std::collections::BTreeMap<HostId, CommandSender>,
    /// The host new things (a new domain, a refresh) go to: the one the list shows, or
    /// the first in the fleet list.
    pub host: HostId,
    /// The domains each worker was last told are on screen (stats fallback calls).
    visible_sent: std::collections::BTreeMap<HostId, Vec<crate::backend::DomainId>>,
    /// Starts workers for `:host add`; `None` in tests that drive a fixed set of hosts.
    spawner: Option<HostSpawner>,
    /// A host to reconnect with the terminal handed to ssh, at the next turn of `run`.
    pub interactive_pending: Option<HostId>,
    reqs: RequestIds,
    /// Where the last frame put the list and the lower pane, for mouse clicks.
    areas: mouse::Areas,
    quit: bool,
    /// Clones and transfers running now: a quit asks first, then cancels them.
    pub inflight: inflight::Inflight,
    /// The user said yes to quitting with work still running.
    quit_confirmed: bool,
    /// The signal that ended the session, if one did.
    exit_signal: Option<crate::signals::ExitSignal>,
    dirty: bool,
    /// When the process started; the first complete frame is logged against it.
    started: Option<Instant>,
    /// The domain a command line named, while its action runs (see `Ctx::target`).
    target: Option<crate::backend::DomainId>,
    /// The `:` history, read at the first `:`.
    history: Option<crate::cmdline::History>,
    /// Where the `:` history is kept (`None`: not kept).
    pub history_path: Option<std::path::PathBuf>,
    /// OSC 52 sequences to write after the next frame.
    clipboard_pending: Vec<String>,
    /// Where OSC 52 sequences go: the terminal (tests put a buffer here).
    pub clipboard_out: Box<dyn std::io::Write + Send>,
}

impl App {
    pub fn new(config: Config, backend: CommandSender, readonly: bool) -> App {
        let mut store = Store::default();
        store.stats.set_capacity(capacity_for(config.cpu_interval));
        App {
            store,
            domains: DomainsView::default(),
            config,
            readonly,
            layers: Vec::new(),
            status: None,
            xml: None,
            drafts_dir: crate::xml::drafts::Drafts::default_dir(),
            drafts_schedule: Default::default(),
            events: None,
            schemas: Default::default(),
            external_pending: false,
            xml_define_anew: false,
            creating: None,
            snaps: SnapshotPane::default(),
            xml_pane: Default::default(),
            console: ConsoleUi::default(),
            stats: StatsTab::default(),
            devices: Default::default(),
            disks: Default::default(),
            backends: std::iter::once((HostId::FIRST, backend)).collect(),
            host: HostId::FIRST,
            visible_sent: Default::default(),
            spawner: None,
            interactive_pending: None,
            reqs: RequestIds::default(),
            areas: mouse::Areas::default(),
            quit: false,
            inflight: Default::default(),
            quit_confirmed: false,
            exit_signal: None,
            dirty: true,
            started: None,
            target: None,
            history: None,
            history_path: crate::config::state_dir().map(|d| crate::cmdline::History::path_in(&d)),
            clipboard_pending: Vec::new(),
            clipboard_out: Box::new(std::io::stdout()),
        }
    }

    /// Adds a host with its worker's sender (`HostId::FIRST` replaces the one `new` took).
    /// Once a second host is added, the domain list shows a HOST column.
    pub fn add_host(&mut self, id: HostId, name: &str, uri: &str, sender: CommandSender) {
        self.backends.insert(id, sender);
        self.store.hosts.register(id, name, uri);
        self.domains.list.sync(&self.store);
        self.dirty = true;
    }

    /// Forgets a host (its worker is the caller's to stop) and its rows.
    pub fn remove_host(&mut self, id: HostId) {
        self.backends.remove(&id);
        self.inflight.forget_host(id);
        self.store.hosts.remove(id);
        self.store.apply(&BackendEvent::DomainList(id, Vec::new()));
        if self.domains.list.host() == Some(id) {
            self.domains.list.set_host(None);
        }
        self.domains.list.sync(&self.store);
        self.dirty = true;
    }

    /// Makes `run` log how long the first complete frame (list loaded) took from `t0`.
    pub fn log_first_frame_since(&mut self, t0: Instant) {
        self.started = Some(t0);
    }

    /// Draws one frame, then tells the workers what is on screen (as `run` does after
    /// every frame; benchmarks drive the App through this too).
    pub fn draw<B: ratatui::backend::Backend>(
        &mut self,
        terminal: &mut Terminal<B>,
    ) -> Result<(), String> {
        terminal
            .draw(|f| self.render(f))
            .map_err(|e| format!("draw failed: {e}"))?;
        self.flush_clipboard();
        let height = usize::from(self.areas.list.height.saturating_sub(2));
        self.send_visible(height);
        if self.store.loaded
            && let Some(t0) = self.started.take()
        {
            tracing::info!(
                "first complete frame after {:.1} ms ({} domains)",
                t0.elapsed().as_secs_f64() * 1000.0,
                self.store.len()
            );
        }
        Ok(())
    }

    /// Gives the App a sender into its own event channel (threads it starts report there).
    pub fn set_event_sender(&mut self, tx: tokio::sync::mpsc::UnboundedSender<Event>) {
        self.events = Some(tx);
    }

    /// Ends the session: the open editor's pending draft is written first (drafts are
    /// throttled, so the last keystrokes may not be on disk yet).
    pub(super) fn leave(&mut self) {
        self.flush_drafts();
        self.quit = true;
    }

    pub fn should_quit(&self) -> bool {
        self.quit
    }

    /// The signal that ended the session (SIGHUP, SIGTERM, SIGINT), if one did.
    pub fn exit_signal(&self) -> Option<crate::signals::ExitSignal> {
        self.exit_signal
    }

    /// True once after anything visible changed.
    pub fn take_dirty(&mut self) -> bool {
        std::mem::take(&mut self.dirty)
    }

    pub fn set_status(&mut self, level: Level, text: impl Into<String>) {
        self.status = Some(Status {
            text: text.into(),
            level,
            at: Instant::now(),
        });
        self.dirty = true;
    }

    /// Applies one event. All state changes go through here.
    pub fn handle(&mut self, ev: Event) {
        match ev {
            Event::Key(k) => {
                if k.kind != crossterm::event::KeyEventKind::Release {
                    self.on_key(k);
                    self.dirty = true;
                }
            }
            Event::Resize => self.dirty = true,
            Event::Mouse(m) => {
                if self.config.mouse && self.on_mouse(m) {
                    self.dirty = true;
                }
            }
            Event::Paste(text) => {
                // The editor, when open, covers every layer (see `App::on_key`).
                if self.xml.is_some() && self.layers.len() <= self.editor_layers_from() {
                    self.on_xml_paste(&text);
                } else if !self.layers_paste(&text) {
                    with_ctx!(self, |cx| self.console.on_paste(&text, &mut cx));
                }
                self.dirty = true;
            }
            Event::Tick => {
                self.tick_drafts();
                if let Some(ed) = self.xml.as_mut()
                    && ed.idle()
                {
                    self.dirty = true;
                }
                if with_ctx!(self, |cx| self.console.on_tick(&mut cx)) {
                    self.dirty = true;
                }
                if self.status.as_ref().is_some_and(|s| {
                    matches!(s.level, Level::Info | Level::Done) && s.at.elapsed() > STATUS_TTL
                }) {
                    self.status = None;
                    self.dirty = true;
                }
            }
            Event::InputClosed(e) => {
                tracing::error!("terminal input closed: {e}");
                self.leave();
            }
            Event::Signal(sig) => {
                // The typed-but-unwritten draft goes to disk before anything else can fail.
                self.leave();
                self.exit_signal = Some(sig);
            }
            Event::Backend(be) => self.on_backend(be),
            Event::FileRead { req, result } => {
                self.on_file_read(req, result);
                self.dirty = true;
            }
        }
        let visible = self.domains.tab == Tab::Snapshots;
        let selected = self.domains.list.selected().cloned();
        with_ctx!(self, |cx| self.snaps.sync(
            visible,
            selected.as_ref(),
            &mut cx
        ));
        let devices_shown = self.domains.tab == Tab::Devices;
        with_ctx!(self, |cx| self.devices.sync(
            devices_shown,
            selected.as_ref(),
            &mut cx
        ));
        let disks_shown = self.domains.tab == Tab::Disks;
        with_ctx!(self, |cx| self.disks.sync(
            disks_shown,
            selected.as_ref(),
            &mut cx
        ));
        let wants_xml = matches!(self.domains.tab, Tab::Overview | Tab::Xml);
        with_ctx!(self, |cx| self.xml_pane.sync(
            wants_xml,
            selected.as_ref(),
            &mut cx
        ));
    }

    fn on_backend(&mut self, ev: BackendEvent) {
        // The hot path (every tick, every active domain): hand the samples over uncopied.
        let ev = match ev {
            BackendEvent::Stats { host, at, domains } => {
                self.on_stats(host, at, domains);
                return;
            }
            other => other,
        };
        // What became of a job is already on the screen (its view or the status line).
        let _ = self.inflight.on_event(&ev);
        if self.on_bulk_event(&ev) {
            self.dirty = true;
            return;
        }
        if self.xml_pane.on_backend(&ev) {
            self.dirty = true;
            return;
        }
        if self.on_xml_backend(&ev) {
            self.dirty = true;
            return;
        }
        // A reconnect is a Connected after a Disconnected, whatever the status line says.
        let was_lost = matches!(
            self.store.conn,
            crate::state::ConnState::Disconnected { .. }
        );
        if self.store.apply(&ev) {
            self.domains.list.sync(&self.store);
            self.dirty = true;
        }
        with_ctx!(self, |cx| self.console.on_backend(&ev, &mut cx));
        with_ctx!(self, |cx| self.devices.on_backend(&ev, &mut cx));
        self.fold_event_log(&ev);
        self.layers_backend(&ev);
        with_ctx!(self, |cx| self.disks.on_backend(&ev, &mut cx));
        if matches!(ev, BackendEvent::Console(..)) {
            self.dirty = true;
        }
        match ev {
            BackendEvent::ActionDone { name, op, .. } => {
                self.set_status(
                    Level::Done,
                    format!("{} {}: done", op.verb(), escape(&name)),
                );
            }
            BackendEvent::ActionFailed {
                name, op, message, ..
            } => {
                self.set_status(
                    Level::Error,
                    format!("{} {} failed: {}", op.verb(), escape(&name), message),
                );
            }
            BackendEvent::Error(_, message) => self.set_status(Level::Error, message),
            BackendEvent::Clone(..) | BackendEvent::Rename(..) => {
                if let Some((level, text)) = crate::ui::clone::status_of(&ev) {
                    self.set_status(level, text);
                }
                // The new clone is what the user looks at next.
                if let BackendEvent::Clone(
                    _,
                    crate::backend::clone::CloneEvent::Finished {
                        result: Ok((new, _)),
                        ..
                    },
                ) = &ev
                    && let Some(i) = self.domains.list.rows().iter().position(|r| r == new)
                {
                    self.domains.list.select_index(i);
                }
            }
            BackendEvent::Snapshot(ev) => {
                self.dirty = true;
                with_ctx!(self, |cx| self.snaps.on_event(ev, &mut cx));
            }
            BackendEvent::Lifecycle {
                id, name, event, ..
            } => {
                // Reverts and snapshot-driven starts/stops arrive as lifecycle events.
                if self.snaps.domain.as_ref() == Some(&id) {
                    self.snaps.stale = true;
                }
                // Activity on a busy host must not wipe out an error, or the outcome of the
                // user's own action (whose lifecycle echoes these often are), unread.
                let showing_problem = self
                    .status
                    .as_ref()
                    .is_some_and(|s| s.level != Level::Info && s.at.elapsed() < STATUS_TTL);
                if !showing_problem {
                    self.set_status(Level::Info, format!("{}: {}", escape(&name), event.label()));
                }
            }
            BackendEvent::Disconnected { reason, .. } => {
                self.set_status(Level::Error, format!("disconnected: {reason}"));
            }
            BackendEvent::ConnectFailed {
                host, auth: true, ..
            } => {
                let (name, popup) = self.store.hosts.get(host).map_or_else(
                    || (host.to_string(), false),
                    |h| (h.name.clone(), crate::backend::uses_auth_callback(&h.uri)),
                );
                // Transports asking through libvirt's callback ask again in the popup.
                let how = if popup {
                    "press Enter to be asked again"
                } else {
                    "press Enter to reconnect interactively"
                };
                self.set_status(
                    Level::Error,
                    format!(
                        "{}: auth needed: open the hosts view ({}) and {how}",
                        escape(&name),
                        self.config
                            .keymap
                            .keys_label(crate::action::Action::ShowHosts)
                    ),
                );
            }
            BackendEvent::AuthRequest {
                host,
                uri,
                requests,
                reply,
            } => {
                let name = self
                    .store
                    .hosts
                    .get(host)
                    .map_or_else(|| host.to_string(), |h| h.name.clone());
                self.layers
                    .push(Box::new(crate::ui::hosts::auth::AuthPopup::new(
                        host, &name, &uri, requests, reply,
                    )));
                self.dirty = true;
            }
            BackendEvent::Connected { .. } if was_lost => {
                self.set_status(Level::Info, "reconnected");
            }
            _ => {}
        }
    }

    /// Carries out what a component asked for.
    pub(crate) fn apply(&mut self, effects: Vec<Effect>) {
        for e in effects {
            match e {
                Effect::Send(cmd) => self.send(cmd),
                Effect::Push(layer) => self.layers.push(layer),
                Effect::Status(level, text) => self.set_status(level, text),
                Effect::Run(action) => self.on_action(action),
                Effect::Filter(text) => {
                    self.domains.list.set_filter(&text);
                    self.domains.list.sync(&self.store);
                }
                Effect::TrackRevert(req, dialog) => {
                    self.snaps.reverts.insert(req, dialog);
                }
                Effect::ShowTab(tab) => self.domains.tab = tab,
                Effect::Open(view) => self.open_view(view),
                Effect::EditXml(target) => self.open_editor(target),
                Effect::ClearStatus => self.status = None,
                Effect::Quit => self.request_quit(),
                Effect::QuitAnyway => {
                    self.quit_confirmed = true;
                    self.request_quit();
                }
                Effect::Exec { line, cmd } => self.exec(&line, cmd),
                Effect::Clipboard(text) => self.copy(text),
                Effect::ShowHost(host) => self.show_host(host),
                Effect::Reconnect(host) => self.send(Command::Reconnect(host)),
                Effect::ReconnectInteractive(host) => self.interactive_pending = Some(host),
                Effect::CreateInEditor(handoff) => self.open_create_editor(*handoff),
                Effect::RunOn(action, id) => self.run_on(action, id),
            }
            self.dirty = true;
        }
    }

    /// Sends `cmd` to the worker of the host it names.
    pub(crate) fn send(&mut self, cmd: Command) {
        let host = cmd.host().unwrap_or(self.host);
        match self.backends.get(&host) {
            Some(b) => {
                self.inflight.on_send(&cmd);
                b.send(cmd);
            }
            None => self.set_status(Level::Error, format!("no such host: {host}")),
        }
    }
}
