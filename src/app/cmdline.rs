//! The App's side of the `:` command line, the Ctrl-P palette, bulk job events and the
//! clipboard: opening the layers with what they need, and running a parsed command with
//! the same guards (read-only, confirmations) as the keys.

use super::{App, Level};
use crate::action::Action;
use crate::backend::snapshots::{CreateSpec, SnapshotCmd};
use crate::backend::{BackendEvent, Command, DomainId};
use crate::cmdline::{self, DomainOp, History, SnapshotOp, View};
use crate::ui::cmdline::{CommandLine, Names};
use crate::ui::domains::detail::Tab;
use crate::ui::domains::view::{SORT_WORDS, sort_key_named, sort_name};
use crate::ui::layer::ViewRequest;
use crate::ui::palette::{PaletteLayer, entries};
use crate::ui::popups::bulk::BulkReport;
use crate::ui::text::escape;

impl App {
    fn history(&mut self) -> &mut History {
        let path = self.history_path.clone();
        self.history.get_or_insert_with(|| match path {
            Some(p) => History::load(&p, cmdline::history::DEFAULT_CAPACITY),
            None => History::default(),
        })
    }

    pub(super) fn open_command_line(&mut self) {
        let mut domains: Vec<String> = self
            .store
            .rows()
            .filter(|r| r.info.id.host == self.host)
            .map(|r| r.info.name.clone())
            .collect();
        domains.sort();
        let mut names = Names {
            domains,
            ..Names::default()
        };
        if let Some(id) = &self.snaps.domain
            && self.snaps.loaded
            && let Some(row) = self.store.get(id)
        {
            let snaps = self.snaps.snapshots().iter().map(|s| s.name.clone());
            names
                .snapshots
                .insert(row.info.name.clone(), snaps.collect());
        }
        let history = self.history().clone();
        self.layers.push(Box::new(CommandLine::new(history, names)));
    }

    pub(super) fn open_palette(&mut self) {
        let focus = self.focus_scopes();
        let mut list = entries(&self.config.keymap, &focus, self.readonly);
        if self.xml.is_some() {
            // Over the editor only its own actions work (it takes every key).
            list.retain(|e| focus.contains(&e.payload.scope()));
        }
        self.layers.push(Box::new(PaletteLayer::new(list)));
    }

    /// Runs a command line; `line` goes to the history (saved at once: a crash keeps it).
    pub(super) fn exec(&mut self, line: &str, cmd: cmdline::Command) {
        self.history().push(line);
        if let (Some(path), Some(h)) = (self.history_path.clone(), self.history.as_ref())
            && let Err(e) = h.save(&path)
        {
            tracing::warn!("cannot save the command history to {}: {e}", path.display());
        }
        match cmd {
            cmdline::Command::Nothing => {}
            cmdline::Command::Create => self.on_action(Action::CreateDomain),
            cmdline::Command::HostAll => self.open_view(ViewRequest::Hosts { all: true }),
            cmdline::Command::HostAdd { name, uri } => self.host_add(&name, &uri),
            cmdline::Command::HostRm { name } => self.host_rm(&name),
            cmdline::Command::Quit => self.request_quit(),
            cmdline::Command::View(v) => self.open_view(view_request(v, None)),
            cmdline::Command::ViewOf(v, arg) => self.open_view(view_request(v, Some(arg))),
            cmdline::Command::Domain { op, domain } => {
                let action = domain_action(op);
                match domain {
                    None => self.on_action(action),
                    Some(name) => {
                        if let Some(id) = self.resolve(&name) {
                            self.run_on(action, id);
                        }
                    }
                }
            }
            cmdline::Command::Snapshot { op, domain, name } => {
                let Some(id) = self.resolve(&domain) else {
                    return;
                };
                match (op, name) {
                    (SnapshotOp::Create, None) => self.run_on(Action::SnapshotQuick, id),
                    (SnapshotOp::Create, Some(snap)) => self.named_snapshot(id, domain, snap),
                    (SnapshotOp::Revert, Some(snap)) => {
                        self.pick_snapshot(id, snap, Action::SnapshotRevert)
                    }
                    (SnapshotOp::Delete, Some(snap)) => {
                        self.pick_snapshot(id, snap, Action::SnapshotDelete)
                    }
                    (_, None) => self.set_status(Level::Error, "a snapshot name is needed"),
                }
            }
            cmdline::Command::Clone { domain, new_name } => {
                self.clone_or_rename(Action::CloneDomain, &domain, new_name)
            }
            cmdline::Command::Rename { domain, new_name } => {
                self.clone_or_rename(Action::RenameDomain, &domain, new_name)
            }
            cmdline::Command::Filter(text) => {
                self.domains.list.set_filter(&text);
                self.domains.list.sync(&self.store);
            }
            cmdline::Command::Sort(word) => match sort_key_named(&word) {
                Some(key) => {
                    self.domains.list.set_sort(key, false);
                    self.domains.list.sync(&self.store);
                    self.set_status(Level::Info, format!("sorted by {}", sort_name(key)));
                }
                None => self.set_status(
                    Level::Error,
                    format!(
                        ":sort {} is not a column; expected one of: {}",
                        escape(&word),
                        SORT_WORDS.join(" ")
                    ),
                ),
            },
            cmdline::Command::Help(None) => self.on_action(Action::Help),
            cmdline::Command::Help(Some(word)) => match cmdline::table::help_for(&word) {
                Some(text) => self.set_status(Level::Info, text),
                None => self.set_status(
                    Level::Error,
                    format!("no command :{} (:help lists them)", escape(&word)),
                ),
            },
        }
    }

    /// The domain named `name` on the current host; says why not in the status line.
    fn resolve(&mut self, name: &str) -> Option<DomainId> {
        let exact: Vec<DomainId> = self
            .store
            .rows()
            .filter(|r| r.info.id.host == self.host && r.info.name == name)
            .map(|r| r.info.id.clone())
            .collect();
        match exact.len() {
            1 => return exact.into_iter().next(),
            0 => {}
            n => {
                self.set_status(
                    Level::Error,
                    format!(
                        "{n} domains are named {}; select one in the list instead",
                        escape(name)
                    ),
                );
                return None;
            }
        }
        let mut near: Vec<String> = self
            .store
            .rows()
            .filter(|r| r.info.id.host == self.host && r.info.name.starts_with(name))
            .map(|r| escape(&r.info.name).into_owned())
            .collect();
        near.sort();
        let hint = match near.len() {
            0 => String::new(),
            1..=4 => format!(" (did you mean {}?)", near.join(", ")),
            n => format!(" ({n} names start with it; Tab completes)"),
        };
        self.set_status(
            Level::Error,
            format!("no domain named {} on this host{hint}", escape(name)),
        );
        None
    }

    /// Runs `action` on `id` alone (marks or not), selecting it when the list shows it.
    pub(super) fn run_on(&mut self, action: Action, id: DomainId) {
        if let Some(i) = self.domains.list.rows().iter().position(|r| *r == id) {
            self.domains.list.select_index(i);
        }
        self.target = Some(id);
        self.on_action(action);
        self.target = None;
    }

    /// `:clone NAME [NEW]` / `:rename NAME [NEW]` on the named domain alone.
    fn clone_or_rename(&mut self, action: Action, domain: &str, new_name: Option<String>) {
        let Some(id) = self.resolve(domain) else {
            return;
        };
        if let Some(i) = self.domains.list.rows().iter().position(|r| *r == id) {
            self.domains.list.select_index(i);
        }
        self.target = Some(id);
        super::with_ctx!(self, |cx| crate::ui::clone::on_action(
            action, &mut cx, new_name
        ));
        self.target = None;
    }

    fn named_snapshot(&mut self, id: DomainId, domain: String, snap: String) {
        let refused = super::with_ctx!(self, |cx| cx.refuse_mutation(Action::SnapshotCreate));
        if refused {
            return;
        }
        let req = self.reqs.allocate();
        self.set_status(
            Level::Info,
            format!(
                "snapshot {} of {}…   (virsh snapshot-create-as {} {})",
                escape(&snap),
                escape(&domain),
                escape(&domain),
                escape(&snap)
            ),
        );
        self.send(Command::Snapshot(SnapshotCmd::Create {
            req,
            id,
            domain,
            spec: CreateSpec {
                name: Some(snap),
                ..CreateSpec::quick()
            },
        }));
    }

    /// `:revert` / `:delete-snapshot`: the snapshot tree of that domain, with the snapshot
    /// picked and the usual dialog once its list is known.
    fn pick_snapshot(&mut self, id: DomainId, snap: String, action: Action) {
        let refused = super::with_ctx!(self, |cx| cx.refuse_mutation(action));
        if refused {
            return;
        }
        if !self.domains.list.rows().contains(&id) {
            // The tree belongs to the selected row: the filter must not hide it.
            self.domains.list.set_filter("");
            self.domains.list.sync(&self.store);
        }
        if let Some(i) = self.domains.list.rows().iter().position(|r| *r == id) {
            self.domains.list.select_index(i);
        }
        self.domains.tab = Tab::Snapshots;
        self.snaps.pick = Some((id.clone(), snap, action));
        if self.snaps.domain.as_ref() == Some(&id) && self.snaps.loaded {
            super::with_ctx!(self, |cx| self.snaps.run_pick(&id, &mut cx));
        } else {
            self.set_status(Level::Info, "reading the snapshot list…");
        }
    }

    /// Progress and the final report of bulk jobs; true when `ev` was one.
    pub(super) fn on_bulk_event(&mut self, ev: &BackendEvent) -> bool {
        match ev {
            BackendEvent::BulkProgress { done, total, .. } => {
                self.set_status(Level::Info, format!("bulk: {done}/{total} done…"));
                true
            }
            BackendEvent::BulkDone { op, report, .. } => {
                let line = format!("{}: {}", op.verb(), report.summary());
                if report.failed_count() == 0 {
                    self.set_status(Level::Info, line);
                } else {
                    self.set_status(Level::Error, line);
                    let title = format!(
                        "{}: {} ok, {} failed",
                        op.verb(),
                        report.ok_count(),
                        report.failed_count()
                    );
                    self.layers
                        .push(Box::new(BulkReport::new(title, report.details())));
                }
                true
            }
            _ => false,
        }
    }

    /// `y`: the OSC 52 sequence is written after the next frame (never mid-frame).
    pub(super) fn copy(&mut self, text: String) {
        if !self.config.clipboard {
            self.set_status(
                Level::Info,
                format!("clipboard = false in the config; not copied: {text}"),
            );
            return;
        }
        match crate::clipboard::osc52(&text, crate::clipboard::Mux::from_env()) {
            Ok(seq) => {
                self.clipboard_pending.push(seq);
                self.set_status(Level::Info, format!("copied: {text}"));
            }
            Err(e) => self.set_status(Level::Error, format!("not copied: {e}")),
        }
    }

    /// Writes what `copy` queued to the terminal; called right after a frame is drawn.
    pub(super) fn flush_clipboard(&mut self) {
        if self.clipboard_pending.is_empty() {
            return;
        }
        for seq in std::mem::take(&mut self.clipboard_pending) {
            if let Err(e) = self.clipboard_out.write_all(seq.as_bytes()) {
                tracing::warn!("cannot write the clipboard sequence: {e}");
            }
        }
        let _ = self.clipboard_out.flush();
    }
}

fn view_request(v: View, arg: Option<String>) -> ViewRequest {
    match v {
        View::Domains => ViewRequest::Domains,
        View::Networks => ViewRequest::Networks,
        View::Pools => ViewRequest::Pools,
        View::Volumes => ViewRequest::Volumes { pool: arg },
        View::Jobs => ViewRequest::Jobs,
        View::Hosts => ViewRequest::Hosts {
            all: arg.as_deref() == Some("all"),
        },
        View::Events => ViewRequest::Events,
    }
}

fn domain_action(op: DomainOp) -> Action {
    match op {
        DomainOp::Start => Action::Start,
        DomainOp::Shutdown => Action::Shutdown,
        DomainOp::Reboot => Action::Reboot,
        DomainOp::Destroy => Action::ForceOff,
        DomainOp::Suspend => Action::Suspend,
        DomainOp::Resume => Action::Resume,
        DomainOp::Undefine => Action::Undefine,
        DomainOp::Autostart => Action::ToggleAutostart,
        DomainOp::Console => Action::Console,
        DomainOp::Edit => Action::EditXml,
        DomainOp::SendKey => Action::SendKey,
        DomainOp::SetMemory => Action::SetMemory,
        DomainOp::SetVcpus => Action::SetVcpus,
    }
}
