//! The App's side of the serial console: attach/detach, keys while attached, console
//! events from the backend, automatic re-attach when the domain starts again.

use std::path::PathBuf;

use crossterm::event::KeyEvent;

use super::{App, Level};
use crate::action::{Action, Scope};
use crate::backend::console::{ConsoleCommand, ConsoleEvent, FailureKind};
use crate::backend::{BackendEvent, Command, DomainId, LifecycleEventKind};
use crate::ui::console::keys;
use crate::ui::console::session::{ConsoleSession, Link};
use crate::ui::domains::detail::Tab;
use crate::ui::text::escape;

/// Console state the App owns besides the session itself.
#[derive(Default)]
pub struct ConsoleUi {
    pub session: Option<ConsoleSession>,
    /// Where transcripts go; `None` = `<state dir>/consoles`.
    pub save_dir: Option<PathBuf>,
    /// The session's stream went down with the connection: re-attach on reconnect.
    lost_with_connection: bool,
}

impl App {
    pub fn console_session(&self) -> Option<&ConsoleSession> {
        self.console.session.as_ref()
    }

    /// Bytes the open console has received so far (0 without one), for frame pacing.
    pub fn console_received(&self) -> u64 {
        self.console.session.as_ref().map_or(0, |s| s.received)
    }

    pub(super) fn console_fullscreen(&self) -> bool {
        self.console.session.as_ref().is_some_and(|s| s.fullscreen)
    }

    /// Sends `Open` for the session under a fresh id (older events are then dropped).
    fn console_open(&mut self, device: Option<String>, force: bool) {
        let console = self.reqs.allocate();
        let Some(s) = self.console.session.as_mut() else {
            return;
        };
        if matches!(s.link, Link::Attached | Link::Connecting) {
            // Forcing over our own stream: close it rather than leave it to be kicked.
            self.backend.send(Command::Console(
                s.domain.host,
                ConsoleCommand::Close { console: s.console },
            ));
        }
        s.console = console;
        s.link = Link::Connecting;
        let id = s.domain.clone();
        self.backend.send(Command::Console(
            id.host,
            ConsoleCommand::Open {
                console,
                id,
                device,
                force,
            },
        ));
    }

    /// `c`: attach to the selected domain's console (or focus the one already open).
    fn console_attach_selected(&mut self) {
        let Some(row) = self.selected_row() else {
            return;
        };
        let (id, name) = (row.info.id.clone(), row.info.name.clone());
        self.tab = Tab::Console;
        if let Some(s) = self.console.session.as_mut()
            && s.domain == id
        {
            s.focused = true;
            if matches!(s.link, Link::Failed { .. } | Link::Disconnected { .. }) {
                let device = s.device.clone();
                self.console_open(device, false);
            }
            return;
        }
        self.console_close();
        self.console.session = Some(ConsoleSession::new(0, id, name));
        self.console_open(None, false);
    }

    fn console_close(&mut self) {
        if let Some(s) = self.console.session.take() {
            self.backend.send(Command::Console(
                s.domain.host,
                ConsoleCommand::Close { console: s.console },
            ));
        }
    }

    fn send_input(&mut self, bytes: Vec<u8>) {
        let Some(s) = self.console.session.as_mut() else {
            return;
        };
        s.term.live();
        self.backend.send(Command::Console(
            s.domain.host,
            ConsoleCommand::Input {
                console: s.console,
                bytes,
            },
        ));
    }

    /// Keys while the console has focus. Returns false when the console does not take
    /// them (no session, or not focused). Only `[keys.terminal]` keys stay with virtdeck
    /// while attached; everything else goes to the guest.
    pub(super) fn console_key(&mut self, k: KeyEvent) -> bool {
        let keymap = &self.config.keymap;
        let key = keys::normalize(&k);
        let own = keymap.lookup(&[Scope::Terminal], &key);
        // Between attachments (choosing a device, failed, disconnected) the console is
        // not typing into a guest: navigation, Enter/Esc and force work.
        let menu = keymap.lookup(&[Scope::Input, Scope::Console, Scope::Global], &key);
        let Some(s) = self.console.session.as_mut() else {
            return false;
        };
        if !s.focused || !self.layers.is_empty() {
            return false;
        }
        let page = s.term.size().0.saturating_sub(1).max(1) as isize;
        match own {
            Some(Action::ConsoleDetach) => {
                s.focused = false;
                s.fullscreen = false;
                let back = self.config.keymap.keys_label(Action::Console);
                self.set_status(
                    Level::Info,
                    format!("back to virtdeck; {back} types into the console again"),
                );
                return true;
            }
            Some(Action::TerminalPageUp) => return scrolled(s, page),
            Some(Action::TerminalPageDown) => return scrolled(s, -page),
            Some(Action::TerminalLineUp) => return scrolled(s, 1),
            Some(Action::TerminalLineDown) => return scrolled(s, -1),
            Some(Action::TerminalTop) => {
                s.term.scroll_to_top();
                return true;
            }
            Some(Action::TerminalLive) => {
                s.term.live();
                return true;
            }
            _ => {}
        }
        match &mut s.link {
            Link::Attached => {
                let app_cursor = s.term.screen().application_cursor();
                if let Some(bytes) = keys::encode(&k, app_cursor) {
                    self.send_input(bytes);
                }
            }
            Link::Choosing { devices, selected } => match menu {
                Some(Action::Up) => *selected = selected.saturating_sub(1),
                Some(Action::Down) => {
                    *selected = (*selected + 1).min(devices.len().saturating_sub(1))
                }
                Some(Action::InputAccept) => {
                    let alias = devices.get(*selected).map(|d| d.alias.clone());
                    s.device = alias.clone();
                    self.console_open(alias, false);
                }
                Some(Action::InputCancel) => self.console_close(),
                _ => {}
            },
            Link::Failed { kind, .. }
                if *kind == FailureKind::Busy && menu == Some(Action::ConsoleForce) =>
            {
                let device = s.device.clone();
                self.console_open(device, true);
            }
            Link::Failed { .. } | Link::Disconnected { .. }
                if menu == Some(Action::InputAccept) =>
            {
                let device = s.device.clone();
                self.console_open(device, false);
            }
            _ => {}
        }
        true
    }

    /// Pasted text goes to the guest when the console has focus; false if it did not.
    pub(super) fn console_paste(&mut self, text: &str) -> bool {
        let to_guest = self
            .console
            .session
            .as_ref()
            .is_some_and(|s| s.focused && s.is_attached() && self.layers.is_empty());
        if to_guest {
            let bracketed = self
                .console
                .session
                .as_ref()
                .is_some_and(|s| s.term.screen().bracketed_paste());
            self.send_input(keys::encode_paste(text, bracketed));
        }
        to_guest
    }

    /// Console actions from the keymap (the console is not focused).
    pub(super) fn on_console_action(&mut self, action: Action) {
        if action == Action::Console {
            self.console_attach_selected();
            return;
        }
        if action == Action::ConsoleFullscreen && self.console.session.is_none() {
            self.console_attach_selected();
        }
        let Some(s) = self.console.session.as_mut() else {
            let key = self.config.keymap.keys_label(Action::Console);
            self.set_status(Level::Warn, format!("no console open; {key} opens one"));
            return;
        };
        let page = s.term.size().0.saturating_sub(1).max(1) as isize;
        match action {
            Action::ConsoleFullscreen => {
                s.fullscreen = !s.fullscreen;
                s.focused = s.fullscreen || s.focused;
                self.tab = Tab::Console;
            }
            Action::ConsoleScrollUp => s.term.scroll(page),
            Action::ConsoleScrollDown => s.term.scroll(-page),
            Action::ConsoleLive => s.term.live(),
            Action::ConsoleForce => {
                let device = s.device.clone();
                self.console_open(device, true);
            }
            Action::ConsoleClose => {
                self.console_close();
                self.set_status(Level::Info, "console disconnected");
            }
            Action::ConsoleSave => self.console_save(),
            _ => {}
        }
    }

    fn console_save(&mut self) {
        let dir = self
            .console
            .save_dir
            .clone()
            .or_else(|| crate::config::state_dir().map(|d| d.join("consoles")));
        let Some(s) = self.console.session.as_mut() else {
            return;
        };
        let Some(dir) = dir else {
            self.set_status(
                Level::Error,
                "cannot save: no state directory (set XDG_STATE_HOME)",
            );
            return;
        };
        let safe: String = s
            .name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let path = dir.join(format!("{safe}-{secs}.log"));
        let text = s.term.transcript();
        let lines = text.lines().count();
        let result = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, text));
        match result {
            Ok(()) => self.set_status(
                Level::Info,
                format!(
                    "console transcript saved: {} ({lines} lines)",
                    path.display()
                ),
            ),
            Err(e) => self.set_status(
                Level::Error,
                format!("cannot save the transcript to {}: {e}", path.display()),
            ),
        }
    }

    /// Console events, and the domain starting again under a disconnected console.
    pub(super) fn console_on_backend(&mut self, ev: &BackendEvent) {
        match ev {
            BackendEvent::Console(_, ce) => self.on_console_event(ce),
            BackendEvent::Lifecycle {
                id,
                event: LifecycleEventKind::Started,
                ..
            } => self.console_domain_started(id),
            BackendEvent::Disconnected { host, .. } => {
                // The worker closes every stream before it reports the loss.
                self.console.lost_with_connection =
                    self.console.session.as_ref().is_some_and(|s| {
                        s.domain.host == *host && !matches!(s.link, Link::Failed { .. })
                    });
            }
            BackendEvent::Connected { .. } => self.console_reconnected(),
            _ => {}
        }
    }

    /// The connection came back: streams lost with the old one re-open.
    fn console_reconnected(&mut self) {
        let lost = std::mem::take(&mut self.console.lost_with_connection);
        if lost && self.console.session.is_some() {
            let device = self.console.session.as_ref().and_then(|s| s.device.clone());
            self.console_open(device, false);
            self.dirty = true;
        }
    }

    fn console_domain_started(&mut self, id: &DomainId) {
        let Some(s) = self.console.session.as_mut() else {
            return;
        };
        if &s.domain == id && matches!(s.link, Link::Disconnected { .. }) {
            let device = s.device.clone();
            self.console_open(device, false);
            self.dirty = true;
        }
    }

    fn on_console_event(&mut self, ev: &ConsoleEvent) {
        let Some(s) = self.console.session.as_mut() else {
            return;
        };
        let console = match ev {
            ConsoleEvent::Choices { console, .. }
            | ConsoleEvent::Opened { console, .. }
            | ConsoleEvent::Output { console, .. }
            | ConsoleEvent::Closed { console, .. }
            | ConsoleEvent::Failed { console, .. } => *console,
        };
        if console != s.console {
            return;
        }
        self.dirty = true;
        match ev {
            ConsoleEvent::Output { bytes, .. } => {
                s.received += bytes.len() as u64;
                s.term.feed(bytes);
            }
            ConsoleEvent::Opened { device, .. } => {
                if s.received > 0 {
                    s.term
                        .feed(b"\r\n\x1b[0;2m-- virtdeck: console attached --\x1b[0m\r\n");
                }
                s.device = Some(device.clone());
                s.link = Link::Attached;
            }
            ConsoleEvent::Choices { devices, .. } => {
                s.link = Link::Choosing {
                    devices: devices.clone(),
                    selected: 0,
                };
            }
            ConsoleEvent::Closed { reason, .. } => {
                s.term
                    .feed(b"\r\n\x1b[0;2m-- virtdeck: console disconnected --\x1b[0m\r\n");
                s.link = Link::Disconnected {
                    reason: reason.clone(),
                };
            }
            ConsoleEvent::Failed { kind, message, .. } => {
                s.link = if *kind == FailureKind::NotRunning {
                    Link::Disconnected {
                        reason: "the domain is not running".into(),
                    }
                } else {
                    Link::Failed {
                        kind: *kind,
                        message: message.clone(),
                    }
                };
                let text = format!("console of {}: {message}", escape(&s.name));
                self.set_status(Level::Error, text);
            }
        }
    }
}

impl App {
    /// Scrolls the console's scrollback by `lines` (positive: back in time).
    pub(super) fn console_scroll(&mut self, lines: isize) -> bool {
        self.console
            .session
            .as_mut()
            .is_some_and(|s| scrolled(s, lines))
    }
}

fn scrolled(s: &mut ConsoleSession, lines: isize) -> bool {
    s.term.scroll(lines);
    true
}
