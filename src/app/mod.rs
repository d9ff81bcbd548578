//! The App: sole owner of UI state. Drains events, updates the model, sends commands,
//! and draws once per batch of events.

mod console;
mod console_view;
mod keys;
mod render;
mod snapshot_dialogs;
mod snapshots;
mod stats;
mod xml;

pub use console::ConsoleUi;

use std::time::{Duration, Instant};

use ratatui::Terminal;
use tokio::sync::mpsc::UnboundedReceiver;

use crate::backend::{BackendEvent, CommandSender, DomainId, LifecycleOp, RequestId};
use crate::config::Config;
use crate::event::Event;
use crate::state::Store;
use crate::state::stats::{DomainHistory, capacity_for};
use crate::ui::list_view::ListView;
use crate::ui::panes::detail::Tab;
use crate::ui::panes::snapshots::SnapshotPane;
use crate::ui::panes::stats::StatsView;
use crate::ui::popups::confirm::ConfirmKind;
use crate::ui::popups::snapshot_dialogs::SnapDialog;
use crate::ui::text::escape;

/// How long an info message stays in the status line.
const STATUS_TTL: Duration = Duration::from_secs(8);

/// Shortest time between two frames: a console flood arrives in many small batches, and
/// redrawing each one would cost more than the output is worth (and flood an SSH link).
const FRAME_MIN: Duration = Duration::from_millis(16);

/// Console output since the last frame above which the console counts as flooding.
const FLOOD_BYTES: u64 = 8 * 1024;

/// Frame spacing while a console floods: nobody reads text scrolling that fast, and on a
/// small host every frame's CPU is taken from the guest producing the output.
const FRAME_FLOOD: Duration = Duration::from_millis(100);

/// Shortest time between frames given how much console output arrived since the last one:
/// 16 ms for typing and ordinary output (echo stays immediate), 100 ms during a flood.
pub fn frame_interval(console_bytes_since_last_frame: u64) -> Duration {
    if console_bytes_since_last_frame > FLOOD_BYTES {
        FRAME_FLOOD
    } else {
        FRAME_MIN
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

#[derive(Clone, Debug)]
pub struct Status {
    pub text: String,
    pub level: Level,
    pub at: Instant,
}

/// Whatever sits on top of the main screen and takes the keys.
#[derive(Clone, Debug)]
pub enum Overlay {
    Help {
        scroll: u16,
    },
    Confirm {
        id: DomainId,
        name: String,
        op: LifecycleOp,
        title: String,
        body: Vec<String>,
        kind: ConfirmKind,
    },
    Filter {
        input: String,
        previous: String,
    },
    Snapshot(SnapDialog),
}

pub struct App {
    pub store: Store,
    pub view: ListView,
    pub tab: Tab,
    pub config: Config,
    pub readonly: bool,
    pub overlay: Option<Overlay>,
    pub status: Option<Status>,
    /// The XML editor, full-screen while open.
    pub xml: Option<Box<crate::ui::editor::XmlEditor>>,
    /// Where editor drafts are kept (`None`: no state dir, drafts disabled).
    pub drafts_dir: Option<std::path::PathBuf>,
    schema: Option<crate::ui::editor::Schema>,
    external_pending: bool,
    pub snaps: SnapshotPane,
    pub console: ConsoleUi,
    pub stats_view: StatsView,
    /// The selected domain's history as it was when the user froze the graphs.
    pub frozen: Option<(DomainId, Box<DomainHistory>)>,
    backend: CommandSender,
    next_req: RequestId,
    /// Body height of the list at the last draw, for PgUp/PgDn.
    list_height: usize,
    quit: bool,
    dirty: bool,
    /// When the process started; the first complete frame is logged against it.
    started: Option<Instant>,
}

impl App {
    pub fn new(config: Config, backend: CommandSender, readonly: bool) -> App {
        let mut store = Store::default();
        store.stats.set_capacity(capacity_for(config.cpu_interval));
        App {
            store,
            view: ListView::default(),
            tab: Tab::default(),
            config,
            readonly,
            overlay: None,
            status: None,
            xml: None,
            drafts_dir: crate::xml::drafts::Drafts::default_dir(),
            schema: None,
            external_pending: false,
            snaps: SnapshotPane::default(),
            console: ConsoleUi::default(),
            stats_view: StatsView::default(),
            frozen: None,
            backend,
            next_req: 1,
            list_height: 10,
            quit: false,
            dirty: true,
            started: None,
        }
    }

    /// Makes `run` log how long the first complete frame (list loaded) took from `t0`.
    pub fn log_first_frame_since(&mut self, t0: Instant) {
        self.started = Some(t0);
    }

    fn draw<B: ratatui::backend::Backend>(
        &mut self,
        terminal: &mut Terminal<B>,
    ) -> Result<(), String> {
        terminal
            .draw(|f| self.render(f))
            .map_err(|e| format!("draw failed: {e}"))?;
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

    pub fn should_quit(&self) -> bool {
        self.quit
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
            Event::Paste(text) => {
                if !self.console_paste(&text) {
                    self.on_xml_paste(&text);
                }
                self.dirty = true;
            }
            Event::Tick => {
                self.console_tick();
                if self
                    .status
                    .as_ref()
                    .is_some_and(|s| s.level == Level::Info && s.at.elapsed() > STATUS_TTL)
                {
                    self.status = None;
                    self.dirty = true;
                }
            }
            Event::InputClosed(e) => {
                tracing::error!("terminal input closed: {e}");
                self.quit = true;
            }
            Event::Backend(be) => self.on_backend(be),
        }
        self.sync_snapshots();
    }

    fn on_backend(&mut self, ev: BackendEvent) {
        // The hot path (every tick, every active domain): hand the samples over uncopied.
        let ev = match ev {
            BackendEvent::Stats { at, domains } => {
                self.store.apply_stats(at, domains);
                self.view.sync(&self.store);
                self.dirty = true;
                return;
            }
            other => other,
        };
        if self.on_xml_backend(&ev) {
            self.dirty = true;
            return;
        }
        if self.store.apply(&ev) {
            self.view.sync(&self.store);
            self.dirty = true;
        }
        self.console_on_backend(&ev);
        match ev {
            BackendEvent::ActionDone { name, op, .. } => {
                self.set_status(
                    Level::Info,
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
            BackendEvent::Error(message) => self.set_status(Level::Error, message),
            BackendEvent::Snapshot(ev) => self.on_snapshot_event(ev),
            BackendEvent::Lifecycle {
                id, name, event, ..
            } => {
                // Reverts and snapshot-driven starts/stops arrive as lifecycle events.
                if self.snaps.domain.as_ref() == Some(&id) {
                    self.snaps.stale = true;
                }
                // Activity on a busy host must not wipe out an error the user has yet to read.
                let showing_problem = self
                    .status
                    .as_ref()
                    .is_some_and(|s| s.level != Level::Info && s.at.elapsed() < STATUS_TTL);
                if !showing_problem {
                    self.set_status(Level::Info, format!("{}: {}", escape(&name), event.label()));
                }
            }
            BackendEvent::Disconnected { reason } => {
                self.set_status(Level::Error, format!("disconnected: {reason}"));
            }
            BackendEvent::Connected { .. }
                if self
                    .status
                    .as_ref()
                    .is_some_and(|s| s.text.starts_with("disconnected")) =>
            {
                self.set_status(Level::Info, "reconnected");
            }
            _ => {}
        }
    }

    /// Sends a lifecycle command for `id`; the list changes when libvirt's event arrives.
    fn send_op(&mut self, id: DomainId, name: String, op: LifecycleOp) {
        let req = self.next_req;
        self.next_req += 1;
        self.set_status(
            Level::Info,
            format!("{}…   ({})", op.verb(), escape(&op.virsh(&name))),
        );
        self.backend
            .send(crate::backend::Command::Lifecycle { req, id, name, op });
    }

    /// Runs the App on `terminal` until the user quits or the channel closes.
    pub async fn run<B: ratatui::backend::Backend>(
        &mut self,
        terminal: &mut Terminal<B>,
        rx: &mut UnboundedReceiver<Event>,
    ) -> Result<(), String> {
        self.draw(terminal)?;
        let mut last_draw = Instant::now();
        let mut drawn_bytes = self.console_received();
        while !self.quit {
            let Some(ev) = rx.recv().await else { break };
            self.handle(ev);
            // Drain everything queued before drawing once: a burst of events costs one frame.
            while !self.quit {
                match rx.try_recv() {
                    Ok(ev) => self.handle(ev),
                    Err(_) => break,
                }
            }
            if self.take_external_edit() {
                self.run_external_editor(terminal);
                self.dirty = true;
            }
            let since = last_draw.elapsed();
            let min = frame_interval(self.console_received().saturating_sub(drawn_bytes));
            if self.dirty && since < min {
                tokio::time::sleep(min - since).await;
                while !self.quit {
                    match rx.try_recv() {
                        Ok(ev) => self.handle(ev),
                        Err(_) => break,
                    }
                }
            }
            if self.take_dirty() {
                self.draw(terminal)?;
                last_draw = Instant::now();
                drawn_bytes = self.console_received();
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_slow_down_only_while_a_console_floods() {
        assert_eq!(frame_interval(0), FRAME_MIN);
        assert_eq!(
            frame_interval(200),
            FRAME_MIN,
            "typing and echo stay at 60 fps"
        );
        assert_eq!(frame_interval(64 * 1024), FRAME_FLOOD);
    }
}
