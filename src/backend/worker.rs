//! The connection thread: owns the libvirt connection, runs commands, turns libvirt
//! callbacks into `BackendEvent`s, polls CPU time, reconciles and reconnects.

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::command::Command;
use super::console::{ConsoleId, Consoles};
use super::domains;
use super::ffi::RawLifecycleEvent;
use super::ffi::auth::{Asker, CredRequest};
use super::ffi::domain_events::{RawDomainEvent, RawNetworkEvent};
use super::message::{AuthReply, BackendEvent, LifecycleEventKind};
use super::model::{DomainId, HostFacts, HostId, LifecycleOp, version_string};
use super::session::{ConnectError, Refusal, Session, usable};
use super::stats::{StatsCounters, StatsReader};

mod commands;
mod facts;
mod reconnect;

use reconnect::{backoff, close_reason};
pub use reconnect::{unattended_uri, uses_auth_callback};

/// Where backend events go. The App wraps its one event channel in this.
pub type EventSink = Arc<dyn Fn(BackendEvent) + Send + Sync>;

/// What the worker needs to know; all of it comes from the CLI and the config file.
#[derive(Clone, Debug)]
pub struct BackendConfig {
    /// Which host this connection is: every key and event it reports carries it.
    pub host: HostId,
    pub uri: Option<String>,
    pub readonly: bool,
    /// How often to re-read the whole list to heal missed events; `None` disables it.
    pub reconcile_every: Option<Duration>,
    /// How often to read stats (CPU %, disk, net, memory): one bulk call per tick.
    pub cpu_interval: Duration,
    /// Longest wait between reconnect attempts.
    pub reconnect_max: Duration,
    /// libvirt keepalive (seconds between probes, unanswered probes before the link
    /// counts as dead): a host whose network vanished is noticed after about
    /// interval × (count + 1) seconds.
    pub keepalive: (i32, u32),
    /// `Backend::spawn` connects right away; `false` waits for `Command::Reconnect`.
    pub autoconnect: bool,
}

impl Default for BackendConfig {
    fn default() -> Self {
        BackendConfig {
            host: HostId::FIRST,
            uri: None,
            readonly: false,
            reconcile_every: Some(Duration::from_secs(30)),
            cpu_interval: Duration::from_secs(1),
            reconnect_max: Duration::from_secs(15),
            // Lost after about 4 × (3 + 1) = 16 s: inside the 20 s promise, with slack
            // (5 × 4 came to 20.0 s and a little more in the ssh_disconnect bench).
            keepalive: (4, 3),
            autoconnect: true,
        }
    }
}

/// Messages the worker thread receives: UI commands and libvirt callbacks alike.
pub enum WorkerMsg {
    Cmd(Command),
    DomainEvent(RawLifecycleEvent),
    /// Reboot, device, balloon, watchdog and I/O error events.
    DomainExtra(RawDomainEvent),
    NetworkEvent(RawNetworkEvent),
    Closed {
        generation: u64,
        reason: i32,
    },
    /// A console stream ended (reported by its callback on the event-loop thread).
    ConsoleEnded {
        console: ConsoleId,
        reason: String,
    },
}

/// Handle to the worker thread. Dropping it closes the connection and joins the thread,
/// unless the worker is stuck in a libvirt call (a hung remote host): then it is left
/// behind after a grace period, so quitting never hangs.
pub struct Backend {
    tx: Sender<WorkerMsg>,
    thread: Option<JoinHandle<()>>,
    done: Receiver<()>,
    uri: String,
    stats: Arc<StatsCounters>,
}

/// How long quitting waits for the worker to close the connection.
const QUIT_GRACE: Duration = Duration::from_secs(2);

/// A cheap, cloneable way to send commands to the worker.
#[derive(Clone)]
pub struct CommandSender(Sender<WorkerMsg>);

/// The commands a detached `CommandSender` was given, for tests and benchmarks that drive
/// the App without a libvirt worker.
pub struct CommandLog(Receiver<WorkerMsg>);

impl CommandLog {
    /// Every command sent since the last call, in order.
    pub fn drain(&self) -> Vec<Command> {
        self.0
            .try_iter()
            .filter_map(|m| match m {
                WorkerMsg::Cmd(c) => Some(c),
                _ => None,
            })
            .collect()
    }
}

impl CommandSender {
    /// A sender with no worker behind it: what it is given can be read from the log.
    pub fn detached() -> (CommandSender, CommandLog) {
        let (tx, rx) = mpsc::channel();
        (CommandSender(tx), CommandLog(rx))
    }

    /// Queues a command; never blocks. A dead worker is reported by the events it stops sending.
    pub fn send(&self, cmd: Command) {
        let _ = self.0.send(WorkerMsg::Cmd(cmd));
    }
}

/// Answers libvirt's credential questions for the first connection (see
/// [`Backend::start_asking`]); `None` refuses.
pub type StartupAsker = Box<dyn FnMut(&[CredRequest]) -> Option<Vec<String>> + Send>;

impl Backend {
    /// Opens the connection on a new worker thread and waits for the result, so a URI that
    /// cannot be opened is reported before the TUI takes the screen (and ssh can still ask
    /// for a password on the terminal).
    pub fn start(cfg: BackendConfig, sink: EventSink) -> Result<Backend, ConnectError> {
        Self::start_asking(cfg, sink, None)
    }

    /// [`Backend::start`], with libvirt's credential questions (URIs that use its auth
    /// callback: `qemu+libssh://`, `+tls`, `+tcp`) put to `ask`, which may block on the
    /// terminal: the screen is not taken yet.
    pub fn start_asking(
        cfg: BackendConfig,
        sink: EventSink,
        ask: Option<StartupAsker>,
    ) -> Result<Backend, ConnectError> {
        let (tx, rx) = mpsc::channel();
        let (ready_tx, ready_rx) = mpsc::channel();
        let (done_tx, done) = mpsc::channel();
        let worker_tx = tx.clone();
        let stats = Arc::new(StatsCounters::default());
        let worker_stats = stats.clone();
        let thread = std::thread::Builder::new()
            .name("libvirt-worker".into())
            .spawn(move || {
                let t = Instant::now();
                let mut ask = ask.filter(|_| cfg.uri.as_deref().is_some_and(uses_auth_callback));
                let session = match Session::open(
                    cfg.uri.as_deref(),
                    cfg.readonly,
                    1,
                    cfg.keepalive,
                    &worker_tx,
                    ask.as_mut().map(|a| &mut **a as &mut Asker<'_>),
                ) {
                    Ok(s) => s,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                tracing::debug!("opened {} in {:?}", session.uri, t.elapsed());
                let _ = ready_tx.send(Ok(session.uri.clone()));
                Worker::new(cfg, sink, worker_tx, Some(session), worker_stats).run(rx);
                let _ = done_tx.send(());
            })
            .map_err(|e| ConnectError::new(None, format!("cannot start worker thread: {e}")))?;
        match ready_rx.recv() {
            Ok(Ok(uri)) => Ok(Backend {
                tx,
                thread: Some(thread),
                done,
                uri,
                stats,
            }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => {
                let _ = thread.join();
                Err(ConnectError::new(
                    None,
                    "the libvirt worker thread died".into(),
                ))
            }
        }
    }

    /// Starts a worker that connects in the background: failures arrive as
    /// `ConnectFailed` events and the worker keeps retrying with backoff, so one slow or
    /// dead host never delays the others or the screen. `qemu+ssh://` runs without a
    /// terminal (`no_tty=1`): ssh fails instead of prompting over the screen.
    pub fn spawn(cfg: BackendConfig, sink: EventSink) -> Result<Backend, ConnectError> {
        let (tx, rx) = mpsc::channel();
        let (done_tx, done) = mpsc::channel();
        let worker_tx = tx.clone();
        let stats = Arc::new(StatsCounters::default());
        let worker_stats = stats.clone();
        let uri = cfg.uri.clone().unwrap_or_default();
        let thread = std::thread::Builder::new()
            .name(format!("libvirt-{}", cfg.host))
            .spawn(move || {
                let mut w = Worker::new(cfg, sink, worker_tx, None, worker_stats);
                if w.cfg.autoconnect {
                    w.reconnect = Some((1, Instant::now()));
                }
                w.run(rx);
                let _ = done_tx.send(());
            })
            .map_err(|e| ConnectError::new(None, format!("cannot start worker thread: {e}")))?;
        Ok(Backend {
            tx,
            thread: Some(thread),
            done,
            uri,
            stats,
        })
    }

    pub fn sender(&self) -> CommandSender {
        CommandSender(self.tx.clone())
    }

    /// How many stats ticks and libvirt stats calls the worker made (tests, benchmarks).
    pub fn stats_counters(&self) -> Arc<StatsCounters> {
        self.stats.clone()
    }

    /// The URI libvirt reports for the open connection.
    pub fn uri(&self) -> &str {
        &self.uri
    }
}

/// How long a credential question waits for its answer before the attempt is cancelled.
const AUTH_WAIT: Duration = Duration::from_secs(120);

/// Whether a connection attempt asked for credentials, and what came back.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Asked {
    No,
    Answered,
    Cancelled,
}

impl Drop for Backend {
    fn drop(&mut self) {
        let _ = self.tx.send(WorkerMsg::Cmd(Command::Quit));
        if self.done.recv_timeout(QUIT_GRACE).is_err() {
            tracing::warn!("the libvirt worker did not stop within {QUIT_GRACE:?}; leaving it");
            return;
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Worker {
    cfg: BackendConfig,
    sink: EventSink,
    tx: Sender<WorkerMsg>,
    session: Option<Session>,
    generation: u64,
    stats: StatsReader,
    next_cpu: Instant,
    next_reconcile: Option<Instant>,
    /// (attempt number, when) of the next reconnect attempt while disconnected.
    reconnect: Option<(u32, Instant)>,
    consoles: Consoles,
    networks: super::network::Networks,
    /// The previous host CPU reading (busy, total ns), for the host's CPU %.
    node_cpu: Option<(u64, u64)>,
    /// Versions and sizes read on connect; CPU % and free memory refresh every few ticks.
    facts: Option<HostFacts>,
    ticks: u64,
    storage: super::storage::Storage,
    jobs: super::jobs::Jobs,
    clones: super::clone::Clones,
}

impl Worker {
    fn new(
        cfg: BackendConfig,
        sink: EventSink,
        tx: Sender<WorkerMsg>,
        session: Option<Session>,
        counters: Arc<StatsCounters>,
    ) -> Self {
        let now = Instant::now();
        let host = cfg.host;
        Worker {
            next_reconcile: cfg.reconcile_every.map(|d| now + d),
            cfg,
            sink,
            tx,
            generation: session.as_ref().map_or(0, |s| s.generation),
            session,
            stats: StatsReader::new(host, counters),
            next_cpu: now,
            reconnect: None,
            consoles: Consoles::new(host),
            networks: super::network::Networks::new(host),
            node_cpu: None,
            facts: None,
            ticks: 0,
            storage: super::storage::Storage::new(host),
            jobs: super::jobs::Jobs::new(host),
            clones: super::clone::Clones::new(host),
        }
    }

    /// The open connection, `None` while reconnecting.
    fn conn(&self) -> Option<&virt::connect::Connect> {
        self.session.as_ref().map(|s| &s.conn)
    }

    fn emit(&self, ev: BackendEvent) {
        (self.sink)(ev);
    }

    fn run(mut self, rx: Receiver<WorkerMsg>) {
        self.announce_connected();
        loop {
            let deadline = [
                Some(self.next_cpu),
                self.next_reconcile,
                self.reconnect.map(|(_, at)| at),
                Some(self.networks.deadline()),
            ]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(1));
            let wait = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(wait) {
                Ok(WorkerMsg::Cmd(Command::Quit)) | Err(RecvTimeoutError::Disconnected) => break,
                Ok(WorkerMsg::Cmd(cmd)) => self.handle_command(cmd),
                Ok(WorkerMsg::DomainEvent(ev)) => self.handle_domain_event(ev),
                Ok(WorkerMsg::DomainExtra(ev)) => {
                    let rec = super::events::DomainEventRecord::from_raw(
                        ev,
                        self.cfg.host,
                        std::time::SystemTime::now(),
                    );
                    if rec.changes_devices() {
                        self.networks.domain_changed(&rec.id);
                    }
                    self.emit(BackendEvent::DomainEvent(self.cfg.host, Box::new(rec)));
                }
                Ok(WorkerMsg::NetworkEvent(ev)) => {
                    let conn = self.session.as_ref().map(|s| &s.conn);
                    self.networks.network_event(conn, &self.sink, ev);
                }
                Ok(WorkerMsg::Closed { generation, reason }) => {
                    if generation == self.generation
                        && let Some(uri) = self.session.as_ref().map(|s| s.uri.clone())
                    {
                        self.lost(close_reason(reason, &uri));
                    }
                }
                Ok(WorkerMsg::ConsoleEnded { console, reason }) => {
                    self.consoles.ended(console, reason, &self.sink)
                }
                Err(RecvTimeoutError::Timeout) => {}
            }
            self.run_timers();
        }
    }

    fn run_timers(&mut self) {
        let now = Instant::now();
        if let Some((attempt, at)) = self.reconnect
            && now >= at
        {
            self.try_reconnect(attempt, false);
        }
        if now >= self.next_cpu {
            self.next_cpu = now + self.cfg.cpu_interval;
            self.sample_stats();
            if let Some(s) = &self.session {
                self.jobs.tick(&s.conn, &self.sink);
            }
        }
        self.networks
            .tick(self.session.as_ref().map(|s| &s.conn), &self.sink);
        if let Some(at) = self.next_reconcile
            && now >= at
        {
            self.next_reconcile = self.cfg.reconcile_every.map(|d| now + d);
            self.reconcile();
        }
    }

    fn announce_connected(&mut self) {
        let Some(s) = &self.session else { return };
        let hostname = s.conn.hostname().unwrap_or_default();
        self.emit(BackendEvent::Connected {
            host: self.cfg.host,
            uri: s.uri.clone(),
            hostname,
            readonly: self.cfg.readonly,
        });
        self.storage.clear();
        self.jobs.attach(&s.conn, &self.sink);
        self.read_facts();
        self.reconcile();
        if let Some(s) = &self.session {
            self.networks.connected(&s.conn, &self.sink);
        }
    }

    /// Re-reads the whole list; the UI replaces its model with it.
    fn reconcile(&mut self) {
        let Some(s) = &self.session else { return };
        let t = Instant::now();
        match domains::list_all(self.cfg.host, &s.conn) {
            Ok(list) => {
                tracing::debug!("listed {} domains in {:?}", list.len(), t.elapsed());
                self.emit(BackendEvent::DomainList(self.cfg.host, list));
                // Reading 1000 domains leaves megabytes of freed chunks behind.
                super::ffi::release_free_memory();
            }
            Err(e) => self.after_error(format!("cannot list domains: {}", e.message())),
        }
    }

    fn sample_stats(&mut self) {
        let Some(s) = &self.session else { return };
        let at = Instant::now();
        match self.stats.read(&s.conn) {
            Ok(domains) => {
                self.emit(BackendEvent::Stats {
                    host: self.cfg.host,
                    at,
                    domains,
                });
                self.refresh_facts();
            }
            Err(e) => self.after_error(format!("cannot read statistics: {}", e.message())),
        }
    }

    /// Reports an error, and if the connection is what failed, starts reconnecting.
    fn after_error(&mut self, message: String) {
        let alive = self.session.as_ref().is_some_and(Session::is_alive);
        if alive {
            self.emit(BackendEvent::Error(self.cfg.host, message));
        } else if self.session.is_some() {
            self.lost(message);
        }
    }

    fn lost(&mut self, reason: String) {
        tracing::warn!("connection lost: {reason}");
        self.consoles
            .close_all(&format!("connection lost: {reason}"), &self.sink);
        // Drop the session first: its subscriptions hold references to the dead connection.
        self.jobs.detach();
        self.session = None;
        self.emit(BackendEvent::Disconnected {
            host: self.cfg.host,
            reason,
        });
        self.reconnect = Some((1, Instant::now() + Duration::from_millis(500)));
    }

    /// One connection attempt. Unless `interactive` (the App handed the terminal over),
    /// nobody may answer a prompt (the screen is taken): ssh must fail instead. Transports
    /// that ask through libvirt's auth callback ask the App (a popup) and wait for it.
    fn try_reconnect(&mut self, attempt: u32, interactive: bool) {
        self.generation += 1;
        let uri = if interactive {
            self.cfg.uri.clone()
        } else {
            self.cfg.uri.as_deref().map(unattended_uri)
        };
        let mut asked = Asked::No;
        let opened = {
            let (host, sink) = (self.cfg.host, &self.sink);
            let shown = uri.clone().unwrap_or_default();
            let mut ask = |requests: &[CredRequest]| {
                let (reply, answers) = AuthReply::channel();
                sink(BackendEvent::AuthRequest {
                    host,
                    uri: shown.clone(),
                    requests: requests.to_vec(),
                    reply,
                });
                match answers.recv_timeout(AUTH_WAIT) {
                    Ok(Some(a)) => {
                        asked = Asked::Answered;
                        Some(a)
                    }
                    _ => {
                        asked = Asked::Cancelled;
                        None
                    }
                }
            };
            let callback = uri.as_deref().is_some_and(uses_auth_callback);
            Session::open(
                uri.as_deref(),
                self.cfg.readonly,
                self.generation,
                self.cfg.keepalive,
                &self.tx,
                callback.then_some(&mut ask as &mut Asker<'_>),
            )
        };
        match opened {
            Ok(s) => {
                tracing::info!("reconnected to {} after {attempt} attempt(s)", s.uri);
                self.session = Some(s);
                self.reconnect = None;
                self.announce_connected();
            }
            // Someone was asked: asking again unbidden would pop the question up every
            // few seconds. The host waits for the user's retry (r, or Enter, in the hosts
            // view).
            Err(e) if asked != Asked::No => {
                let error = if asked == Asked::Cancelled {
                    format!(
                        "no credentials given (cancelled, or no answer within {} s)",
                        AUTH_WAIT.as_secs()
                    )
                } else {
                    e.message
                };
                self.emit(BackendEvent::ConnectFailed {
                    host: self.cfg.host,
                    attempt,
                    error,
                    hint: "libvirt asked for credentials: the hosts view asks again".into(),
                    auth: true,
                    retry_in: Duration::ZERO,
                });
                self.reconnect = None;
            }
            Err(e) => {
                let retry_in = backoff(attempt, self.cfg.reconnect_max);
                tracing::debug!("connecting {} failed: {}", e.uri, e.message);
                self.emit(BackendEvent::ConnectFailed {
                    host: self.cfg.host,
                    attempt,
                    error: e.message,
                    hint: e.hint,
                    auth: e.auth,
                    retry_in,
                });
                self.reconnect = Some((attempt + 1, Instant::now() + retry_in));
            }
        }
    }

    fn handle_domain_event(&mut self, ev: RawLifecycleEvent) {
        let id = DomainId::new(self.cfg.host, ev.uuid.clone());
        // Devices may differ after a (re)start or redefine; re-read them from the XML.
        self.stats.forget(&id);
        self.networks.domain_changed(&id);
        self.storage.forget(&id);
        self.jobs.forget(&id);
        let Some(s) = &self.session else { return };
        self.emit(BackendEvent::Lifecycle {
            id: id.clone(),
            name: ev.name,
            event: LifecycleEventKind::from_raw(ev.event),
            detail: ev.detail,
        });
        let result = s
            .conn
            .lookup_domain_by_uuid_string(&ev.uuid)
            .and_then(|dom| domains::read_info(self.cfg.host, &dom));
        match result {
            Ok(info) => self.emit(BackendEvent::DomainUpdated(info)),
            Err(e) if domains::is_no_domain(&e) => self.emit(BackendEvent::DomainRemoved(id)),
            Err(e) => self.after_error(format!("cannot read domain {}: {}", ev.uuid, e.message())),
        }
    }
}
