//! The layer stack's vocabulary: what a view or popup is ([`Layer`]), what it may ask the
//! App to do ([`Effect`]), and what it is given to decide ([`Ctx`], [`DrawCtx`]).
//!
//! A key goes to the top layer first; a layer that does not use it returns
//! [`Flow::Ignored`] and the key goes down the stack, finally to the main screen.
//! Components never reach into the App: they return effects.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;

use crate::action::{Action, Scope};
use crate::backend::{BackendEvent, Command, DomainId, HostId, RequestId};
use crate::config::Config;
use crate::state::{ConnState, DomainRow, Store};
use crate::ui::domains::detail::Tab;

/// Scopes whose keys work on the main screen (the domain list and its tabs), most
/// specific first. The snapshot tree's own keys are the same actions, used on the tree.
pub const MAIN_SCOPES: &[Scope] = &[
    Scope::Snapshots,
    Scope::Stats,
    Scope::Console,
    Scope::Domains,
    Scope::Global,
];

/// How loud a status line message is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Info,
    /// The outcome of something the user asked for (a revert, a reboot): shown like Info,
    /// but lifecycle events (often its own echoes) do not replace it while it is fresh.
    Done,
    Warn,
    Error,
}

/// What a layer asks the App to do.
pub enum Effect {
    /// Send a command to the backend worker of the host it names.
    Send(Command),
    /// Open a layer above everything else.
    Push(Box<dyn Layer>),
    /// Say something in the status line.
    Status(Level, String),
    /// Run an action on the main screen, as if its key had been pressed there (a palette
    /// or command line picks actions this way).
    Run(Action),
    /// Set the domain list's filter (the filter prompt filters as you type).
    Filter(String),
    /// Remember a snapshot revert request, so a "needs force" reply can reopen its dialog.
    TrackRevert(RequestId, crate::ui::snapshots::dialogs::SnapDialog),
    /// Show a tab of the detail pane.
    ShowTab(Tab),
    /// Open one of the full-screen views (from its action, the command line or the palette).
    Open(ViewRequest),
    /// Open the XML editor on a network or pool (existing or new), over everything.
    EditXml(crate::ui::xml_editor::Target),
    /// Clear the status line.
    ClearStatus,
    /// Quit, asking first while clones or transfers run.
    Quit,
    /// Quit although clones or transfers run (the user said yes): they are cancelled.
    QuitAnyway,
    /// Run a parsed `:` command line (`line` as typed, for the history).
    Exec {
        line: String,
        cmd: crate::cmdline::Command,
    },
    /// Copy text to the user's clipboard (OSC 52, written by the App between frames).
    Clipboard(String),
    /// Show one host's domains in the list (`None`: every host's, the fleet) and close
    /// the views above it.
    ShowHost(Option<HostId>),
    /// Try to connect a lost or refused host now.
    Reconnect(HostId),
    /// Leave the screen and connect with the terminal handed over, so ssh may prompt.
    ReconnectInteractive(HostId),
    /// The create wizard's last page: its XML into the editor, where Ctrl-S creates it.
    CreateInEditor(Box<crate::ui::wizard::Handoff>),
    /// Run an action on one domain (selected first), as `:start NAME` does.
    RunOn(Action, DomainId),
}

/// A full-screen view to open, with what the command line may say about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ViewRequest {
    /// The domain list (closes the views above it).
    Domains,
    Networks,
    Pools,
    /// The volumes of a pool (`:vol POOL`); `None`: the pool selected in the pools view.
    Volumes {
        pool: Option<String>,
    },
    Jobs,
    /// The hosts (`:host`); `all`: every host's domains in one list (`:host all`).
    Hosts {
        all: bool,
    },
    Events,
    /// The host view (`:node`) of one host.
    Node {
        host: HostId,
    },
}

impl ViewRequest {
    /// The view an action opens, if it is one of the `show_*` actions.
    pub fn of_action(action: Action) -> Option<ViewRequest> {
        Some(match action {
            Action::ShowDomains => ViewRequest::Domains,
            Action::ShowNetworks => ViewRequest::Networks,
            Action::ShowPools => ViewRequest::Pools,
            Action::ShowVolumes => ViewRequest::Volumes { pool: None },
            Action::ShowJobs => ViewRequest::Jobs,
            Action::ShowHosts => ViewRequest::Hosts { all: false },
            Action::ShowEvents => ViewRequest::Events,
            _ => return None,
        })
    }
}

/// Whether a layer used a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Used; the layer stays.
    Consumed,
    /// Not for this layer: offer it to the one below.
    Ignored,
    /// Used, and the layer is done: remove it.
    Close,
}

/// Hands out request ids: every reply the backend sends names the request it answers.
#[derive(Clone, Debug)]
pub struct RequestIds(RequestId);

impl Default for RequestIds {
    fn default() -> Self {
        RequestIds(1)
    }
}

impl RequestIds {
    pub fn allocate(&mut self) -> RequestId {
        let r = self.0;
        self.0 += 1;
        r
    }
}

/// What a layer may read while it handles a key or an event, and where its effects go.
pub struct Ctx<'a> {
    pub store: &'a Store,
    pub config: &'a Config,
    pub readonly: bool,
    pub reqs: &'a mut RequestIds,
    /// The domain selected in the list, if any.
    pub selected: Option<DomainId>,
    /// The host new things (a refresh, a new domain) go to.
    pub host: HostId,
    /// Set when a command line named the domain: `selected` is that domain, and the
    /// action goes to it alone even while other domains are marked.
    pub target: Option<DomainId>,
    pub effects: Vec<Effect>,
}

impl<'a> Ctx<'a> {
    pub fn new(
        store: &'a Store,
        config: &'a Config,
        readonly: bool,
        reqs: &'a mut RequestIds,
        selected: Option<DomainId>,
        host: HostId,
    ) -> Ctx<'a> {
        Ctx {
            store,
            config,
            readonly,
            reqs,
            selected,
            host,
            target: None,
            effects: Vec::new(),
        }
    }

    /// A copy of the selected domain's row; says so in the status line when none is.
    pub fn selected_row(&mut self) -> Option<DomainRow> {
        let row = self
            .selected
            .as_ref()
            .and_then(|id| self.store.get(id))
            .cloned();
        if row.is_none() {
            self.status(Level::Warn, "no domain selected");
        }
        row
    }

    /// Refuses a host-changing `action` on a read-only or lost connection, saying why.
    /// Returns true when it was refused.
    pub fn refuse_mutation(&mut self, action: Action) -> bool {
        if self.readonly {
            let what = action.name().replace('_', " ");
            self.status(
                Level::Error,
                format!("read-only connection: {what} is disabled"),
            );
            return true;
        }
        let host = self.selected.as_ref().map_or(self.host, |id| id.host);
        if !self.store.hosts.is_empty() {
            if !self.store.host_connected(host) {
                self.status(
                    Level::Error,
                    "that host is not connected: wait for the reconnect",
                );
                return true;
            }
            return false;
        }
        if let ConnState::Disconnected { .. } = self.store.conn {
            self.status(Level::Error, "not connected: wait for the reconnect");
            return true;
        }
        false
    }

    pub fn send(&mut self, cmd: Command) {
        self.effects.push(Effect::Send(cmd));
    }

    pub fn status(&mut self, level: Level, text: impl Into<String>) {
        self.effects.push(Effect::Status(level, text.into()));
    }

    pub fn push(&mut self, layer: impl Layer + 'static) {
        self.effects.push(Effect::Push(Box::new(layer)));
    }

    /// The action `key` means for a layer listening to `scopes`.
    pub fn action(&self, scopes: &[Scope], key: &KeyEvent) -> Option<Action> {
        self.config.keymap.action_in(scopes, key)
    }
}

/// What a layer may read while drawing.
pub struct DrawCtx<'a> {
    pub config: &'a Config,
    /// The model, for views that show more than their own state (events, addresses).
    pub store: &'a Store,
    pub readonly: bool,
    /// The status line, for prompts that live there.
    pub status_area: Rect,
}

/// One view or popup on the stack.
pub trait Layer {
    /// The keymap scopes this layer listens to, most specific first; help and the footer
    /// list these first, then the global keys.
    fn scopes(&self) -> &'static [Scope];

    fn on_key(&mut self, key: &KeyEvent, cx: &mut Ctx) -> Flow;

    /// Pasted text; ignored unless the layer takes text.
    fn on_paste(&mut self, _text: &str, _cx: &mut Ctx) -> Flow {
        Flow::Ignored
    }

    /// A backend event (every layer sees every event; it ignores what is not its own).
    fn on_backend(&mut self, _ev: &BackendEvent, _cx: &mut Ctx) {}

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawCtx);

    /// Actions for the footer, in order; the footer shows their first key and short word.
    fn hints(&self) -> Vec<Action> {
        Vec::new()
    }

    /// Whether the layer covers the screen (the ones below are not drawn).
    fn fullscreen(&self) -> bool {
        false
    }
}
