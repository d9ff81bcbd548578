//! The serial console as a component: attach/detach, keys while attached, console
//! events from the backend, automatic re-attach when the domain starts again or the
//! connection comes back. It reaches the rest of the App only through effects.

use std::path::PathBuf;

use crossterm::event::KeyEvent;

use crate::action::{Action, Scope};
use crate::backend::console::{ConsoleCommand, ConsoleEvent, FailureKind};
use crate::backend::{BackendEvent, Command, DomainId, HostId, LifecycleEventKind};
use crate::ui::console::keys;
use crate::ui::console::search::{self, KeyOutcome, Search};
use crate::ui::console::session::{ConsoleSession, Link};
use crate::ui::domains::detail::Tab;
use crate::ui::layer::{Ctx, Effect, Level};
use crate::ui::text::escape;

/// The console component: the session (if any) and where transcripts go.
#[derive(Default)]
pub struct ConsoleUi {
    pub session: Option<ConsoleSession>,
    /// Where transcripts go; `None` = `<state dir>/consoles`.
    pub save_dir: Option<PathBuf>,
    /// The session's stream went down with the connection: re-attach on reconnect.
    lost_with_connection: bool,
}

impl ConsoleUi {
    /// Bytes the open console has received so far (0 without one), for frame pacing.
    pub fn received(&self) -> u64 {
        self.session.as_ref().map_or(0, |s| s.received)
    }

    pub fn fullscreen(&self) -> bool {
        self.session.as_ref().is_some_and(|s| s.fullscreen)
    }

    /// Whether the console has the keys (typing goes to the guest).
    pub fn focused(&self) -> bool {
        self.session.as_ref().is_some_and(|s| s.focused)
    }

    /// Sends `Open` for the session under a fresh id (older events are then dropped).
    fn console_open(&mut self, device: Option<String>, force: bool, cx: &mut Ctx) {
        let console = cx.reqs.allocate();
        let Some(s) = self.session.as_mut() else {
            return;
        };
        if matches!(s.link, Link::Attached | Link::Connecting) {
            // Forcing over our own stream: close it rather than leave it to be kicked.
            cx.send(Command::Console(
                s.domain.host,
                ConsoleCommand::Close { console: s.console },
            ));
        }
        s.console = console;
        s.link = Link::Connecting;
        let id = s.domain.clone();
        cx.send(Command::Console(
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
    fn console_attach_selected(&mut self, cx: &mut Ctx) {
        let Some(row) = cx.selected_row() else {
            return;
        };
        let (id, name) = (row.info.id.clone(), row.info.name.clone());
        cx.effects.push(Effect::ShowTab(Tab::Console));
        if let Some(s) = self.session.as_mut()
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
                self.console_open(device, false, cx);
            }
            return;
        }
        self.console_close(cx);
        let mut s = ConsoleSession::new(0, id, name);
        s.term.set_history_limit(cx.config.console_scrollback_lines);
        self.session = Some(s);
        self.console_open(None, false, cx);
    }

    fn console_close(&mut self, cx: &mut Ctx) {
        if let Some(s) = self.session.take() {
            cx.send(Command::Console(
                s.domain.host,
                ConsoleCommand::Close { console: s.console },
            ));
        }
    }

    fn send_input(&mut self, bytes: Vec<u8>, cx: &mut Ctx) {
        let Some(s) = self.session.as_mut() else {
            return;
        };
        s.term.live();
        // Typing into the guest ends a search (n and N are the guest's again).
        s.search = None;
        s.last_activity = std::time::Instant::now();
        cx.send(Command::Console(
            s.domain.host,
            ConsoleCommand::Input {
                console: s.console,
                bytes,
            },
        ));
    }

    /// Keys while the console has focus, or while a search is open (its prompt, or its
    /// `[keys.search]` keys while the console is not typed into). Returns false when the
    /// console does not take them. Only `[keys.terminal]` keys stay with virtdeck while
    /// attached; everything else goes to the guest.
    pub fn on_key(&mut self, k: KeyEvent, cx: &mut Ctx) -> bool {
        if self.search_key(&k, cx) {
            return true;
        }
        let keymap = &cx.config.keymap;
        let key = keys::normalize(&k);
        let own = keymap.lookup(&[Scope::Terminal], &key);
        // Between attachments (choosing a device, failed, disconnected) the console is
        // not typing into a guest: navigation, Enter/Esc and force work.
        let menu = keymap.lookup(&[Scope::Input, Scope::Console, Scope::Global], &key);
        let Some(s) = self.session.as_mut() else {
            return false;
        };
        if !s.focused {
            return false;
        }
        let page = s.term.size().0.saturating_sub(1).max(1) as isize;
        match own {
            Some(Action::ConsoleDetach) => {
                s.focused = false;
                s.fullscreen = false;
                let back = cx.config.keymap.keys_label(Action::Console);
                cx.status(
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
            // Keys a terminal cannot carry (Ctrl-Alt-Del, SysRq) go as keyboard events.
            Some(Action::ConsoleSendKey) => {
                let id = s.domain.clone();
                crate::ui::guest::sendkey::open(id, cx);
                return true;
            }
            _ => {}
        }
        match &mut s.link {
            Link::Attached => {
                let app_cursor = s.term.screen().application_cursor();
                if let Some(bytes) = keys::encode(&k, app_cursor) {
                    self.send_input(bytes, cx);
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
                    self.console_open(alias, false, cx);
                }
                Some(Action::InputCancel) => self.console_close(cx),
                _ => {}
            },
            Link::Failed { kind, .. }
                if *kind == FailureKind::Busy && menu == Some(Action::ConsoleForce) =>
            {
                let device = s.device.clone();
                self.console_open(device, true, cx);
            }
            Link::Failed { .. }
            | Link::Disconnected { .. }
            | Link::Gone
            | Link::IdleClosed { .. }
                if menu == Some(Action::InputAccept) =>
            {
                let device = s.device.clone();
                self.console_open(device, false, cx);
            }
            _ => {}
        }
        true
    }

    /// Pasted text goes to the guest when the console has focus; false if it did not.
    pub fn on_paste(&mut self, text: &str, cx: &mut Ctx) -> bool {
        let to_guest = self
            .session
            .as_ref()
            .is_some_and(|s| s.focused && s.is_attached());
        if to_guest {
            let bracketed = self
                .session
                .as_ref()
                .is_some_and(|s| s.term.screen().bracketed_paste());
            self.send_input(keys::encode_paste(text, bracketed), cx);
        }
        to_guest
    }

    /// Console actions from the keymap (the console is not focused).
    pub fn on_action(&mut self, action: Action, cx: &mut Ctx) {
        if action == Action::Console {
            self.console_attach_selected(cx);
            return;
        }
        if action == Action::ConsoleFullscreen && self.session.is_none() {
            self.console_attach_selected(cx);
        }
        let Some(s) = self.session.as_mut() else {
            let key = cx.config.keymap.keys_label(Action::Console);
            cx.status(Level::Warn, format!("no console open; {key} opens one"));
            return;
        };
        let page = s.term.size().0.saturating_sub(1).max(1) as isize;
        match action {
            Action::ConsoleFullscreen => {
                s.fullscreen = !s.fullscreen;
                s.focused = s.fullscreen || s.focused;
                cx.effects.push(Effect::ShowTab(Tab::Console));
            }
            Action::ConsoleScrollUp => s.term.scroll(page),
            Action::ConsoleScrollDown => s.term.scroll(-page),
            Action::ConsoleLive => s.term.live(),
            Action::ConsoleForce => {
                let device = s.device.clone();
                self.console_open(device, true, cx);
            }
            Action::ConsoleClose => {
                self.console_close(cx);
                cx.status(Level::Info, "console disconnected");
            }
            Action::ConsoleSave => self.console_save(cx),
            Action::ConsoleSearch => {
                s.search = Some(Search {
                    editing: true,
                    ..Search::default()
                });
                cx.effects.push(Effect::ShowTab(Tab::Console));
            }
            _ => {}
        }
    }

    fn console_save(&mut self, cx: &mut Ctx) {
        let dir = self
            .save_dir
            .clone()
            .or_else(|| crate::config::state_dir().map(|d| d.join("consoles")));
        let Some(s) = self.session.as_mut() else {
            return;
        };
        let Some(dir) = dir else {
            cx.status(
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
            Ok(()) => cx.status(
                Level::Info,
                format!(
                    "console transcript saved: {} ({})",
                    path.display(),
                    crate::ui::format::count(lines as u64, "line")
                ),
            ),
            Err(e) => cx.status(
                Level::Error,
                format!("cannot save the transcript to {}: {e}", path.display()),
            ),
        }
    }

    /// Console events, and the domain starting again under a disconnected console.
    pub fn on_backend(&mut self, ev: &BackendEvent, cx: &mut Ctx) {
        match ev {
            BackendEvent::Console(_, ce) => self.on_console_event(ce, cx),
            BackendEvent::Lifecycle {
                id,
                event: LifecycleEventKind::Started,
                ..
            } => self.console_domain_started(id, cx),
            BackendEvent::Disconnected { host, reason } => {
                // The worker closes every stream before it reports the loss. A console
                // closed for idleness or whose domain is gone stays closed.
                self.lost_with_connection = self.session.as_ref().is_some_and(|s| {
                    s.domain.host == *host
                        && !matches!(
                            s.link,
                            Link::Failed { .. } | Link::Gone | Link::IdleClosed { .. }
                        )
                });
                self.console_host_lost(*host, reason);
            }
            BackendEvent::Connected { .. } => self.console_reconnected(cx),
            BackendEvent::DomainRemoved(id) => self.console_domain_gone(id, cx),
            _ => {}
        }
    }

    /// The host connection dropped: whatever the console was waiting for, it now waits
    /// for the host (the worker ends attached streams the same way).
    fn console_host_lost(&mut self, host: HostId, reason: &str) {
        let Some(s) = self.session.as_mut() else {
            return;
        };
        if s.domain.host != host {
            return;
        }
        if !matches!(s.link, Link::Gone | Link::IdleClosed { .. }) && !s.host_lost() {
            s.link = Link::Disconnected {
                reason: format!("connection lost: {reason}"),
            };
        }
    }

    /// The console's domain no longer exists (a transient domain stopped, or undefined).
    fn console_domain_gone(&mut self, id: &DomainId, cx: &mut Ctx) {
        let Some(s) = self.session.as_mut() else {
            return;
        };
        if &s.domain != id {
            return;
        }
        if matches!(s.link, Link::Attached | Link::Connecting) {
            cx.send(Command::Console(
                s.domain.host,
                ConsoleCommand::Close { console: s.console },
            ));
        }
        s.link = Link::Gone;
    }

    /// Ticks: a console left detached and silent past `console_idle_close_mins` closes.
    /// True when it closed one (the screen changed).
    pub fn on_tick(&mut self, cx: &mut Ctx) -> bool {
        let Some(limit) = cx.config.console_idle_close else {
            return false;
        };
        let Some(s) = self.session.as_mut() else {
            return false;
        };
        if s.focused || !s.is_attached() || s.last_activity.elapsed() < limit {
            return false;
        }
        cx.send(Command::Console(
            s.domain.host,
            ConsoleCommand::Close { console: s.console },
        ));
        s.term
            .feed(b"\r\n\x1b[0;2m-- virtdeck: console closed (idle) --\x1b[0m\r\n");
        s.link = Link::IdleClosed {
            mins: limit.as_secs() / 60,
        };
        true
    }

    /// The scope whose keys an open search takes: `Input` while its prompt is open,
    /// `Search` while its matches are shown.
    pub fn search_scope(&self) -> Option<Scope> {
        let search = self.session.as_ref()?.search.as_ref()?;
        Some(if search.editing {
            Scope::Input
        } else {
            Scope::Search
        })
    }

    /// Keys for an open search (see `search::on_key`).
    fn search_key(&mut self, k: &KeyEvent, cx: &mut Ctx) -> bool {
        let Some(s) = self.session.as_mut() else {
            return false;
        };
        match search::on_key(s, &cx.config.keymap, k) {
            KeyOutcome::NotMine => false,
            KeyOutcome::Taken => true,
            KeyOutcome::Note(text) => {
                cx.status(Level::Info, text);
                true
            }
        }
    }

    /// The connection came back: streams lost with the old one re-open.
    fn console_reconnected(&mut self, cx: &mut Ctx) {
        let lost = std::mem::take(&mut self.lost_with_connection);
        if lost && self.session.is_some() {
            let device = self.session.as_ref().and_then(|s| s.device.clone());
            self.console_open(device, false, cx);
        }
    }

    fn console_domain_started(&mut self, id: &DomainId, cx: &mut Ctx) {
        let Some(s) = self.session.as_mut() else {
            return;
        };
        if &s.domain == id && matches!(s.link, Link::Disconnected { .. } | Link::Gone) {
            let device = s.device.clone();
            self.console_open(device, false, cx);
        }
    }

    fn on_console_event(&mut self, ev: &ConsoleEvent, cx: &mut Ctx) {
        let Some(s) = self.session.as_mut() else {
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
                // Replaces an earlier failure (a takeover with force succeeded) and tells
                // the way out.
                let leave = cx.config.keymap.keys_label(Action::ConsoleDetach);
                let text = format!(
                    "console of {} attached ({leave} leaves it)",
                    escape(&s.name)
                );
                cx.status(Level::Done, text);
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
                cx.status(Level::Error, text);
            }
        }
    }
}

impl ConsoleUi {
    /// Scrolls the console's scrollback by `lines` (positive: back in time).
    pub fn scroll(&mut self, lines: isize) -> bool {
        self.session.as_mut().is_some_and(|s| scrolled(s, lines))
    }
}

fn scrolled(s: &mut ConsoleSession, lines: isize) -> bool {
    s.term.scroll(lines);
    true
}
