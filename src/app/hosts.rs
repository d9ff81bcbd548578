//! Hosts added and removed while the App runs (`:host add NAME URI`, `:host rm NAME`):
//! the saved list in the config file and the workers the App started itself.

use std::path::PathBuf;
use std::time::Duration;

use ratatui::Terminal;
use tokio::sync::mpsc::UnboundedReceiver;

use super::App;
use crate::backend::{Backend, BackendConfig, BackendEvent, Command, EventSink, HostId};
use crate::config::hosts::{self, HostEntry};
use crate::event::Event;
use crate::ui::layer::Level;

/// What the App needs to start workers for hosts added at run time.
pub struct HostSpawner {
    pub sink: EventSink,
    /// The config file `:host add/rm` edit; `None`: the list is not saved.
    pub config_file: Option<PathBuf>,
    /// Workers started here (the ones given at start-up belong to main).
    pub(super) owned: Vec<(HostId, Backend)>,
}

impl HostSpawner {
    pub fn new(sink: EventSink, config_file: Option<PathBuf>) -> HostSpawner {
        HostSpawner {
            sink,
            config_file,
            owned: Vec::new(),
        }
    }
}

impl App {
    /// Lets `:host add` start workers and `:host add/rm` save the list.
    pub fn set_host_spawner(&mut self, spawner: HostSpawner) {
        self.spawner = Some(spawner);
    }

    /// `:host add NAME URI`: saves the host in the config file (comments kept) and
    /// connects to it in the background. Refusals go to the status line.
    pub fn host_add(&mut self, name: &str, uri: &str) {
        if let Err(e) = self.try_host_add(name, uri) {
            self.set_status(Level::Error, format!("host add: {e}"));
        }
    }

    fn try_host_add(&mut self, name: &str, uri: &str) -> Result<(), String> {
        hosts::check_uri(uri)?;
        if self.store.hosts.by_name(name).is_some() {
            return Err(format!("a host named '{name}' is already open"));
        }
        let spawner = self
            .spawner
            .as_mut()
            .ok_or("this session cannot open more hosts")?;
        if let Some(path) = &spawner.config_file {
            hosts::add_to_file(path, name, uri)?;
        }
        let id = self
            .store
            .hosts
            .iter()
            .map(|h| h.id.0)
            .chain(self.backends.keys().map(|h| h.0))
            .max()
            .map_or(HostId::FIRST, |m| HostId(m.saturating_add(1)));
        let entry = HostEntry::from_uri(uri);
        let cfg = BackendConfig {
            host: id,
            uri: Some(uri.to_string()),
            readonly: self.readonly,
            reconcile_every: self.config.reconcile_every,
            cpu_interval: self.config.cpu_interval,
            keepalive: entry.keepalive(),
            ..BackendConfig::default()
        };
        let backend = Backend::spawn(cfg, spawner.sink.clone()).map_err(|e| e.to_string())?;
        let sender = backend.sender();
        spawner.owned.push((id, backend));
        self.add_host(id, name, uri, sender);
        self.set_status(Level::Info, format!("host {name} added; connecting"));
        Ok(())
    }

    /// `:host rm NAME`: forgets the host here and in the saved list. A host given with
    /// `-c` is only closed if this session opened it.
    pub fn host_rm(&mut self, name: &str) {
        let Some(id) = self.store.hosts.by_name(name) else {
            self.set_status(Level::Error, format!("host rm: no host named '{name}'"));
            return;
        };
        let saved = self
            .spawner
            .as_ref()
            .and_then(|s| s.config_file.clone())
            .map(|p| hosts::remove_from_file(&p, name));
        if let Some(sp) = self.spawner.as_mut()
            && let Some(i) = sp.owned.iter().position(|(h, _)| *h == id)
        {
            let (_, backend) = sp.owned.remove(i);
            // Closing may wait on a hung host: never on the UI task.
            std::thread::spawn(move || drop(backend));
        }
        self.remove_host(id);
        match saved {
            Some(Err(e)) => self.set_status(Level::Warn, format!("host {name} closed; {e}")),
            _ => self.set_status(Level::Info, format!("host {name} removed")),
        }
    }
}

/// Longest the screen stays handed over to ssh for one interactive connection.
const INTERACTIVE_LIMIT: Duration = Duration::from_secs(180);

impl App {
    /// Leaves the screen (as the `$EDITOR` hatch does), asks the host's worker to connect
    /// with the terminal available, so ssh's password or host-key question appears on a
    /// plain terminal, and takes the screen back once the worker answers. Other events
    /// keep being applied meanwhile.
    pub(crate) async fn connect_interactively<B: ratatui::backend::Backend>(
        &mut self,
        terminal: &mut Terminal<B>,
        rx: &mut UnboundedReceiver<Event>,
        host: HostId,
    ) {
        let (name, uri) = match self.store.hosts.get(host) {
            Some(h) => (h.name.clone(), h.uri.clone()),
            None => return,
        };
        crate::event::pause_input(true);
        std::thread::sleep(Duration::from_millis(80));
        crate::terminal::suspend();
        println!(
            "virtdeck: connecting to {name} ({}); ssh may ask for a password or to accept \
             the host key. virtdeck comes back when it is done.",
            crate::ui::text::escape(&uri)
        );
        self.send(Command::ReconnectInteractive(host));
        let answered = tokio::time::timeout(INTERACTIVE_LIMIT, async {
            while let Some(ev) = rx.recv().await {
                let done = matches!(
                    &ev,
                    Event::Backend(
                        BackendEvent::Connected { host: h, .. }
                            | BackendEvent::ConnectFailed { host: h, .. }
                            | BackendEvent::ReconnectFailed { host: h, .. }
                    ) if *h == host
                );
                self.handle(ev);
                if done {
                    return;
                }
            }
        })
        .await;
        let resumed = crate::terminal::resume();
        crate::event::pause_input(false);
        let _ = terminal.clear();
        if let Err(e) = resumed {
            self.set_status(Level::Error, format!("cannot take the terminal back: {e}"));
        } else if answered.is_err() {
            self.set_status(
                Level::Error,
                format!("{name}: no answer within {}s", INTERACTIVE_LIMIT.as_secs()),
            );
        } else if self.store.host_connected(host) {
            self.set_status(Level::Info, format!("{name}: connected"));
        }
    }
}
