//! The App's side of the serial console: attach/detach, keys while attached, console
//! events from the backend, automatic re-attach when the domain starts again.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{App, Level};
use crate::action::Action;
use crate::backend::console::{ConsoleCommand, ConsoleEvent, FailureKind};
use crate::backend::{BackendEvent, Command, DomainId, LifecycleEventKind};
use crate::ui::console::keys;
use crate::ui::console::search::{self, KeyOutcome, Search};
use crate::ui::console::session::{ConsoleSession, Link};
use crate::ui::panes::detail::Tab;
use crate::ui::text::escape;

/// Console state the App owns besides the session itself.
#[derive(Default)]
pub struct ConsoleUi {
    pub session: Option<ConsoleSession>,
    /// Where transcripts go; `None` = `<state dir>/consoles`.
    pub save_dir: Option<PathBuf>,
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
        let console = self.next_req;
        self.next_req += 1;
        let Some(s) = self.console.session.as_mut() else {
            return;
        };
        if matches!(s.link, Link::Attached | Link::Connecting) {
            // Forcing over our own stream: close it rather than leave it to be kicked.
            self.backend.send(Command::Console(ConsoleCommand::Close {
                console: s.console,
            }));
        }
        s.console = console;
        s.link = Link::Connecting;
        let id = s.domain.clone();
        self.backend.send(Command::Console(ConsoleCommand::Open {
            console,
            id,
            device,
            force,
        }));
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
            if matches!(
                s.link,
                Link::Failed { .. }
                    | Link::Disconnected { .. }
                    | Link::Gone
                    | Link::IdleClosed { .. }
            ) {
                let device = s.device.clone();
                self.console_open(device, false);
            }
            return;
        }
        self.console_close();
        let mut s = ConsoleSession::new(0, id, name);
        s.term
            .set_history_limit(self.config.console_scrollback_lines);
        self.console.session = Some(s);
        self.console_open(None, false);
    }

    fn console_close(&mut self) {
        if let Some(s) = self.console.session.take() {
            self.backend.send(Command::Console(ConsoleCommand::Close {
                console: s.console,
            }));
        }
    }

    fn send_input(&mut self, bytes: Vec<u8>) {
        let Some(s) = self.console.session.as_mut() else {
            return;
        };
        s.term.live();
        // Typing into the guest ends a search (n and N are the guest's again).
        s.search = None;
        s.last_activity = std::time::Instant::now();
        self.backend.send(Command::Console(ConsoleCommand::Input {
            console: s.console,
            bytes,
        }));
    }

    /// Keys while the console has focus. Returns false when the console does not take
    /// them (no session, or not focused).
    pub(super) fn console_key(&mut self, k: KeyEvent) -> bool {
        if self.overlay.is_none() && self.console_search_key(&k) {
            return true;
        }
        let detach = self.config.keymap.keys(Action::ConsoleDetach).to_vec();
        let Some(s) = self.console.session.as_mut() else {
            return false;
        };
        if !s.focused || self.overlay.is_some() {
            return false;
        }
        if detach.contains(&keys::normalize(&k)) {
            s.focused = false;
            s.fullscreen = false;
            let back = self.config.keymap.keys_label(Action::Console);
            self.set_status(
                Level::Info,
                format!("back to virtdeck; {back} types into the console again"),
            );
            return true;
        }
        let page = s.term.size().0.saturating_sub(1).max(1) as isize;
        if k.modifiers.contains(KeyModifiers::SHIFT) {
            match k.code {
                KeyCode::PageUp => return scrolled(s, page),
                KeyCode::PageDown => return scrolled(s, -page),
                KeyCode::Up => return scrolled(s, 1),
                KeyCode::Down => return scrolled(s, -1),
                KeyCode::Home => {
                    s.term.scroll_to_top();
                    return true;
                }
                KeyCode::End => {
                    s.term.live();
                    return true;
                }
                _ => {}
            }
        }
        match &mut s.link {
            Link::Attached => {
                let app_cursor = s.term.screen().application_cursor();
                if let Some(bytes) = keys::encode(&k, app_cursor) {
                    self.send_input(bytes);
                }
            }
            Link::Choosing { devices, selected } => match k.code {
                KeyCode::Up | KeyCode::Char('k') => *selected = selected.saturating_sub(1),
                KeyCode::Down | KeyCode::Char('j') => {
                    *selected = (*selected + 1).min(devices.len().saturating_sub(1))
                }
                KeyCode::Enter => {
                    let alias = devices.get(*selected).map(|d| d.alias.clone());
                    s.device = alias.clone();
                    self.console_open(alias, false);
                }
                KeyCode::Esc => self.console_close(),
                _ => {}
            },
            Link::Failed { kind, .. }
                if *kind == FailureKind::Busy
                    && self.config.keymap.action(&k) == Some(Action::ConsoleForce) =>
            {
                let device = s.device.clone();
                self.console_open(device, true);
            }
            Link::Failed { .. }
            | Link::Disconnected { .. }
            | Link::Gone
            | Link::IdleClosed { .. }
                if k.code == KeyCode::Enter =>
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
            .is_some_and(|s| s.focused && s.is_attached() && self.overlay.is_none());
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
            Action::ConsoleSearch => {
                s.search = Some(Search {
                    editing: true,
                    ..Search::default()
                });
                self.tab = Tab::Console;
            }
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
            BackendEvent::Console(ce) => self.on_console_event(ce),
            BackendEvent::Lifecycle {
                id,
                event: LifecycleEventKind::Started,
                ..
            } => self.console_domain_started(id),
            BackendEvent::Connected { .. } => self.console_reconnected(),
            BackendEvent::Disconnected { reason } => self.console_host_lost(reason),
            BackendEvent::DomainRemoved(id) => self.console_domain_gone(id),
            _ => {}
        }
    }

    /// The host connection dropped: whatever the console was waiting for, it now waits
    /// for the host (the worker ends attached streams the same way).
    fn console_host_lost(&mut self, reason: &str) {
        let Some(s) = self.console.session.as_mut() else {
            return;
        };
        if !matches!(s.link, Link::Gone | Link::IdleClosed { .. }) && !s.host_lost() {
            s.link = Link::Disconnected {
                reason: format!("connection lost: {reason}"),
            };
            self.dirty = true;
        }
    }

    /// The console's domain no longer exists (a transient domain stopped, or undefined).
    fn console_domain_gone(&mut self, id: &DomainId) {
        let Some(s) = self.console.session.as_mut() else {
            return;
        };
        if &s.domain != id {
            return;
        }
        if matches!(s.link, Link::Attached | Link::Connecting) {
            self.backend.send(Command::Console(ConsoleCommand::Close {
                console: s.console,
            }));
        }
        s.link = Link::Gone;
        self.dirty = true;
    }

    /// Ticks: a console left detached and silent past `console_idle_close_mins` closes.
    pub(super) fn console_tick(&mut self) {
        let Some(limit) = self.config.console_idle_close else {
            return;
        };
        let Some(s) = self.console.session.as_mut() else {
            return;
        };
        if s.focused || !s.is_attached() || s.last_activity.elapsed() < limit {
            return;
        }
        self.backend.send(Command::Console(ConsoleCommand::Close {
            console: s.console,
        }));
        s.term
            .feed(b"\r\n\x1b[0;2m-- virtdeck: console closed (idle) --\x1b[0m\r\n");
        s.link = Link::IdleClosed {
            mins: limit.as_secs() / 60,
        };
        self.dirty = true;
    }

    /// Keys for an open search (see `search::on_key`).
    fn console_search_key(&mut self, k: &KeyEvent) -> bool {
        let Some(s) = self.console.session.as_mut() else {
            return false;
        };
        match search::on_key(s, k) {
            KeyOutcome::NotMine => false,
            KeyOutcome::Taken => {
                self.dirty = true;
                true
            }
            KeyOutcome::Note(text) => {
                self.set_status(Level::Info, text);
                self.dirty = true;
                true
            }
        }
    }

    /// The connection came back: streams lost with the old one re-open.
    fn console_reconnected(&mut self) {
        let lost = self.console.session.as_ref().is_some_and(|s| {
            matches!(&s.link, Link::Disconnected { reason } if reason.starts_with("connection lost"))
        });
        if lost {
            let device = self.console.session.as_ref().and_then(|s| s.device.clone());
            self.console_open(device, false);
            self.dirty = true;
        }
    }

    fn console_domain_started(&mut self, id: &DomainId) {
        let Some(s) = self.console.session.as_mut() else {
            return;
        };
        if &s.domain == id && matches!(s.link, Link::Disconnected { .. } | Link::Gone) {
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
                s.last_activity = std::time::Instant::now();
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
                // The domain being gone says more than the stream's end it caused.
                if s.link != Link::Gone {
                    s.link = Link::Disconnected {
                        reason: reason.clone(),
                    };
                }
            }
            ConsoleEvent::Failed { kind, message, .. } => {
                s.link = if s.link == Link::Gone {
                    Link::Gone
                } else if *kind == FailureKind::NotRunning {
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

fn scrolled(s: &mut ConsoleSession, lines: isize) -> bool {
    s.term.scroll(lines);
    true
}
