//! Key routing: the layer stack first, then the main screen's keymap; each action goes to
//! the component that owns it (domain list, snapshots, stats, console) or the App.

use crossterm::event::KeyEvent;

use super::{App, with_ctx};
use crate::action::{Action, Scope};
use crate::state::DomainRow;
use crate::ui::domains::detail::Tab;
use crate::ui::popups::help::Help;

impl App {
    /// A key goes to the XML editor while open, else down the layer stack (popups,
    /// prompts), then to an attached console, and finally the main screen's keymap.
    pub(super) fn on_key(&mut self, k: KeyEvent) {
        // The editor covers the whole screen, views included (a network's or pool's
        // editor opens over its view): it has every key while open.
        if self.xml.is_some() {
            // Only what opened over it (the palette) comes first.
            let from = self.editor_layers_from();
            if !self.layers_key_from(&k, from) {
                self.on_xml_key(k);
            }
            return;
        }
        if self.layers_key(&k) {
            return;
        }
        // An attached console takes every key but its own (`[keys.terminal]`).
        if with_ctx!(self, |cx| self.console.on_key(k, &mut cx)) {
            return;
        }
        if self.domains.tab == Tab::Disks
            && self.disks.focused
            && with_ctx!(self, |cx| self.disks.on_key(&k, &mut cx))
        {
            return;
        }
        // The Devices tab's keys win over the domain list's while it shows.
        let devices = (self.domains.tab == Tab::Devices)
            .then(|| self.config.keymap.action_in(&[Scope::Devices], &k))
            .flatten();
        if let Some(action) = devices.or_else(|| self.config.keymap.action(&k)) {
            self.on_action(action);
        }
    }

    /// The scopes of whatever has the keys, most specific first (help and the footer
    /// list these first).
    pub fn focus_scopes(&self) -> Vec<Scope> {
        let over_editor = self.xml.is_none() || self.layers.len() > self.editor_layers_from();
        if over_editor && let Some(top) = self.layers.last() {
            return top.scopes().to_vec();
        }
        // The XML editor takes every key while it is open.
        if let Some(ed) = self.xml.as_ref() {
            return ed.scopes();
        }
        if let Some(scope) = self.console.search_scope() {
            // An open search prompt or shown matches take their keys first.
            if scope == Scope::Input {
                return vec![Scope::Input];
            }
            if !self.console.focused() {
                let mut out = vec![Scope::Search, Scope::Console];
                out.extend([Scope::Domains, Scope::Global]);
                return out;
            }
        }
        if self.console.session.as_ref().is_some_and(|s| s.focused) {
            return vec![Scope::Terminal];
        }
        if self.domains.tab == Tab::Devices {
            // While the device list has j/k the domain list's keys are not the point.
            return if self.devices.focused {
                vec![Scope::Devices, Scope::Global]
            } else {
                vec![Scope::Devices, Scope::Domains, Scope::Global]
            };
        }
        let tab = match self.domains.tab {
            Tab::Snapshots => Some(Scope::Snapshots),
            Tab::Stats => Some(Scope::Stats),
            Tab::Console => Some(Scope::Console),
            _ => None,
        };
        if self.domains.tab == Tab::Disks && self.disks.focused {
            return crate::ui::disks::tab::FOCUS_SCOPES.to_vec();
        }
        let mut out = Vec::new();
        if self.domains.tab == Tab::Snapshots && self.snaps.focused {
            out.push(Scope::Snapshots);
            out.push(Scope::Domains);
        } else {
            // The tab on show is what the user looks at: its keys come first.
            out.extend(tab);
            out.push(Scope::Domains);
        }
        out.push(Scope::Global);
        out
    }

    pub(super) fn on_action(&mut self, action: Action) {
        if self.on_xml_action(action) {
            return;
        }
        if action == Action::Refresh {
            self.xml_pane.stale = true;
        }
        if (self.domains.tab == Tab::Devices || action.scope() == Scope::Devices)
            && with_ctx!(self, |cx| self.devices.on_action(action, &mut cx))
        {
            // A devices action from the palette shows the tab it acts in.
            self.domains.tab = Tab::Devices;
            return;
        }
        let visible = self.domains.tab == Tab::Snapshots;
        // A quick snapshot with domains marked is a bulk job (the tree's key included).
        if action == Action::SnapshotQuick
            && self.target.is_none()
            && self.domains.acts_on_marks(action)
        {
            with_ctx!(self, |cx| self.domains.on_bulk(action, &mut cx));
            return;
        }
        if with_ctx!(self, |cx| self
            .snaps
            .on_tree_action(action, visible, &mut cx))
        {
            return;
        }
        match action {
            Action::Quit => self.request_quit(),
            Action::Help => {
                let focus = self.focus_scopes();
                self.layers.push(Box::new(Help::new(&focus)));
            }
            Action::EditXml => self.open_xml_editor(),
            Action::CommandLine => self.open_command_line(),
            Action::Palette => self.open_palette(),
            Action::NewDomain => self.open_new_domain(),
            Action::CreateDomain => self.open_create_wizard(),
            // The Disks tab, with the keys (B again or Esc gives them back).
            Action::ShowDisks => {
                if self.domains.tab == Tab::Disks && self.disks.focused {
                    self.disks.focused = false;
                } else if self.selected_row().is_some() {
                    self.domains.tab = Tab::Disks;
                    self.disks.focused = true;
                }
            }
            Action::SendKey | Action::SetMemory | Action::SetVcpus => {
                with_ctx!(self, |cx| crate::ui::guest::on_action(action, &mut cx));
            }
            Action::ManagedSave
            | Action::ManagedSaveRemove
            | Action::SaveToFile
            | Action::RestoreFromFile => {
                with_ctx!(self, |cx| crate::ui::jobs::save::on_action(action, &mut cx));
            }
            Action::CloneDomain | Action::RenameDomain => {
                with_ctx!(self, |cx| crate::ui::clone::on_action(
                    action, &mut cx, None
                ));
            }
            Action::ShowDomains
            | Action::ShowNetworks
            | Action::ShowPools
            | Action::ShowVolumes
            | Action::ShowJobs
            | Action::ShowHosts
            | Action::ShowEvents => {
                if let Some(view) = crate::ui::layer::ViewRequest::of_action(action) {
                    self.open_view(view);
                }
            }
            Action::ShowNode => {
                self.open_view(crate::ui::layer::ViewRequest::Node { host: self.host })
            }
            // The XML tab shows the live definition: the console's page keys page it.
            Action::ConsoleScrollUp | Action::ConsoleScrollDown if self.domains.tab == Tab::Xml => {
                let page = self.xml_pane.page.max(1);
                let s = &mut self.xml_pane.scroll;
                *s = if action == Action::ConsoleScrollUp {
                    s.saturating_sub(page)
                } else {
                    s.saturating_add(page)
                };
                self.dirty = true;
            }
            Action::FreezeStats => with_ctx!(self, |cx| self.stats.toggle_freeze(&mut cx)),
            Action::ExpandStats => self.stats.toggle_expand(),
            // Everything else belongs to the component of its scope. (The balloon period is
            // a Stats key but a lifecycle command, which the domain list sends.)
            _ => match action.scope() {
                Scope::Snapshots => {
                    with_ctx!(self, |cx| self.snaps.on_action(action, visible, &mut cx))
                }
                Scope::Console => with_ctx!(self, |cx| self.console.on_action(action, &mut cx)),
                Scope::Domains | Scope::Global | Scope::Stats => {
                    with_ctx!(self, |cx| self.domains.on_action(action, &mut cx));
                }
                // Keys of popups and the attached console never reach the main screen.
                Scope::Terminal
                | Scope::Confirm
                | Scope::SnapshotDialog
                | Scope::Input
                | Scope::Prompt
                | Scope::Editor
                | Scope::EditorText
                | Scope::Completion
                | Scope::EditorPopup
                | Scope::CloseQuestion
                | Scope::DraftOffer
                | Scope::Pools
                | Scope::Volumes
                | Scope::Jobs
                | Scope::Disks
                | Scope::Wizard
                | Scope::Devices
                | Scope::Search => {}
                // The full-screen views take their own keys while they are open.
                Scope::Networks | Scope::Events | Scope::Host | Scope::Hosts => {}
            },
        }
    }

    /// A copy of the selected domain's row; says so in the status line when none is selected.
    pub(super) fn selected_row(&mut self) -> Option<DomainRow> {
        with_ctx!(self, |cx| cx.selected_row())
    }
}
