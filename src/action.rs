//! Everything a key can do: one table row per action (name, scope, mutating, help text).
//!
//! The keymap, `?` help, the footer and any command line or palette all enumerate
//! [`Action::TABLE`]; nothing else lists actions.

use serde::Deserialize;

/// Where an action's keys live: the `[keys.<scope>]` table of the config, and the view or
/// popup that listens to them. The same key may mean different things in different scopes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Everywhere except text entry (the console, line inputs, the XML editor).
    Global,
    /// The domain list and the lower pane's tabs.
    Domains,
    /// The snapshot tree and the snapshot keys of the domain list.
    Snapshots,
    /// The Stats tab.
    Stats,
    /// The Console tab seen from virtdeck (open, scroll, save).
    Console,
    /// While typing into a guest's console: the only keys not sent to the guest.
    Terminal,
    /// Yes/no confirmations and the snapshot dialogs.
    Confirm,
    /// Options inside the snapshot dialogs (revert mode, delete mode, create form).
    SnapshotDialog,
    /// Any one-line text input (filter, type-the-name, snapshot name).
    Input,
    /// The `:` command line and the Ctrl-P palette, on top of `[keys.input]`.
    Prompt,
    /// The XML editor's commands.
    Editor,
    /// The XML editor's text keys: cursor movement (Shift with one selects), Enter, Tab,
    /// Backspace, Delete. Printable characters always type.
    EditorText,
    /// The XML editor's hints list, open while typing: non-printing keys only.
    Completion,
    /// The XML editor's diff (before define), unknown-names and key-help popups.
    EditorPopup,
    /// The XML editor's "close with unapplied changes?" question.
    CloseQuestion,
    /// The XML editor's "a draft was found" question.
    DraftOffer,
    /// The networks view (`:net`) and its leases.
    Networks,
    /// The events view (`:events`).
    Events,
    /// The host view (`:node`).
    Host,
    /// The storage pools view.
    Pools,
    /// The volumes view of one pool.
    Volumes,
    /// The jobs view (block jobs, save / restore).
    Jobs,
    /// A domain's disks and chains, where block jobs start.
    Disks,
    /// A console search on show while the console is not typed into (n / N / Esc).
    Search,
    /// The hosts view (`:host`).
    Hosts,
    /// The create wizard's pages and its "created" question.
    Wizard,
    /// The Devices tab of the domain list (looked at first while that tab shows).
    Devices,
}

impl Scope {
    pub const ALL: [Scope; 27] = [
        Scope::Global,
        Scope::Domains,
        Scope::Snapshots,
        Scope::Stats,
        Scope::Console,
        Scope::Terminal,
        Scope::Confirm,
        Scope::SnapshotDialog,
        Scope::Input,
        Scope::Prompt,
        Scope::Editor,
        Scope::EditorText,
        Scope::Completion,
        Scope::EditorPopup,
        Scope::CloseQuestion,
        Scope::DraftOffer,
        Scope::Networks,
        Scope::Events,
        Scope::Host,
        Scope::Pools,
        Scope::Volumes,
        Scope::Jobs,
        Scope::Disks,
        Scope::Search,
        Scope::Hosts,
        Scope::Wizard,
        Scope::Devices,
    ];

    /// The config table's name: `[keys.<name>]`.
    pub fn name(self) -> &'static str {
        match self {
            Scope::Global => "global",
            Scope::Domains => "domains",
            Scope::Snapshots => "snapshots",
            Scope::Stats => "stats",
            Scope::Console => "console",
            Scope::Terminal => "terminal",
            Scope::Confirm => "confirm",
            Scope::SnapshotDialog => "snapshot_dialog",
            Scope::Input => "input",
            Scope::Prompt => "prompt",
            Scope::Editor => "editor",
            Scope::EditorText => "editor_text",
            Scope::Completion => "completion",
            Scope::EditorPopup => "editor_popup",
            Scope::CloseQuestion => "close_question",
            Scope::DraftOffer => "draft_offer",
            Scope::Networks => "networks",
            Scope::Events => "events",
            Scope::Host => "host",
            Scope::Pools => "pools",
            Scope::Volumes => "volumes",
            Scope::Jobs => "jobs",
            Scope::Disks => "disks",
            Scope::Search => "search",
            Scope::Hosts => "hosts",
            Scope::Wizard => "wizard",
            Scope::Devices => "devices",
        }
    }

    pub fn from_name(name: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Scopes live while text is typed: a printable key bound there could no longer be
    /// typed, so only keys that print nothing (Ctrl-/Alt- keys, arrows, Enter, F-keys…)
    /// are accepted.
    pub const TYPING: &'static [Scope] = &[
        Scope::Editor,
        Scope::EditorText,
        Scope::Completion,
        Scope::Input,
        Scope::Prompt,
    ];

    /// Scopes whose keys are live at the same moment, so a key may be bound only once
    /// across each group. The domain list hosts the snapshot, stats and console tabs, so
    /// their keys work together; popups and the console add their own scope on top.
    pub const LIVE_TOGETHER: &'static [&'static [Scope]] = &[
        &[
            Scope::Global,
            Scope::Domains,
            Scope::Snapshots,
            Scope::Stats,
            Scope::Console,
        ],
        &[Scope::Global, Scope::Confirm, Scope::SnapshotDialog],
        &[Scope::Global, Scope::Terminal, Scope::Console, Scope::Input],
        &[Scope::Input, Scope::Confirm, Scope::SnapshotDialog],
        &[Scope::Prompt, Scope::Input],
        // The editor takes every key while open. Its popups shadow it (the hints list
        // only the keys it binds; anything else goes on to the text), so each popup
        // scope is checked on its own.
        &[Scope::Editor, Scope::EditorText],
        &[Scope::Global, Scope::Networks],
        &[Scope::Global, Scope::Events],
        &[Scope::Global, Scope::Host],
        // The full-screen views take Enter (open) and Esc (back) from [keys.input].
        &[Scope::Global, Scope::Pools, Scope::Input],
        &[Scope::Global, Scope::Volumes, Scope::Input],
        &[Scope::Global, Scope::Jobs, Scope::Input],
        &[Scope::Global, Scope::Disks, Scope::Input],
        // A shown search is looked at before the main screen's keys (it shadows them).
        &[Scope::Global, Scope::Search],
        &[Scope::Global, Scope::Hosts],
        // The wizard's fields take text, so it listens to no global key.
        &[Scope::Wizard, Scope::Input],
        // The Devices tab's keys win over the domain list's while the tab shows.
        &[Scope::Global, Scope::Devices],
    ];
}

/// One row of the action table.
#[derive(Clone, Copy, Debug)]
pub struct ActionInfo {
    pub action: Action,
    /// The name in the config file, a command line or the palette.
    pub name: &'static str,
    pub scope: Scope,
    /// Changes the host, or needs a read-write connection (libvirt refuses a console
    /// stream on a read-only one): hidden and refused on a read-only connection.
    pub mutating: bool,
    /// One line for help and the palette.
    pub description: &'static str,
    /// A word for the footer; empty when the footer never shows the action.
    pub short: &'static str,
    /// Footer priority, lowest first: the most used keys stay when the footer is narrow.
    /// Written `"word" #N` in the table; unranked actions come after the ranked ones.
    pub rank: u8,
}

/// The footer rank of an action written without `#N`.
pub const UNRANKED: u8 = 100;

/// Ranks up to this are the core stories' keys (quit, console, snapshot, edit): the footer
/// shows them from every tab of the domain list, not only from their own.
pub const CORE_RANK: u8 = 5;

macro_rules! actions {
    ($($variant:ident => $name:literal, $scope:ident, $mutating:literal, $short:literal $(#$rank:literal)?, $desc:expr;)*) => {
        /// Everything a key can do. The order is the order help lists them in.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action { $($variant,)* }

        impl Action {
            /// The one table of actions.
            pub const TABLE: &'static [ActionInfo] = &[
                $(ActionInfo {
                    action: Action::$variant,
                    name: $name,
                    scope: Scope::$scope,
                    mutating: $mutating,
                    description: $desc,
                    short: $short,
                    rank: actions!(@rank $($rank)?),
                },)*
            ];
        }
    };
    (@rank $rank:literal) => { $rank };
    (@rank) => { UNRANKED };
}

actions! {
    Help => "help", Global, false, "more" #250, "show this help";
    Quit => "quit", Global, false, "quit" #1, "quit virtdeck";
    Up => "up", Global, false, "", "previous row (domain, snapshot, line)";
    Down => "down", Global, false, "", "next row (domain, snapshot, line)";
    PageUp => "page_up", Global, false, "", "one page up";
    PageDown => "page_down", Global, false, "", "one page down";
    Top => "top", Global, false, "", "first row";
    Bottom => "bottom", Global, false, "", "last row";
    Refresh => "refresh", Global, false, "", "re-read from libvirt what is shown";
    ShowDomains => "show_domains", Global, false, "", "the domain list (:vm)";
    ShowNetworks => "show_networks", Global, false, "", "virtual networks (:net)";
    ShowPools => "show_pools", Global, false, "", "storage pools (:pool)";
    ShowVolumes => "show_volumes", Global, false, "", "volumes of a pool (:vol POOL)";
    ShowJobs => "show_jobs", Global, false, "", "running block, save and snapshot jobs (:jobs)";
    ShowHosts => "show_hosts", Global, false, "", "hosts (:host)";
    ShowEvents => "show_events", Global, false, "", "libvirt events received (:events)";
    CommandLine => "command_line", Global, false, "", "command line: :start web-01, :snapshot web-01 NAME, :vm, :q (Tab completes)";
    Palette => "palette", Global, false, "", "fuzzy palette over every action available here";
    ShowNode => "show_node", Global, false, "", "this host: CPU, memory, versions, node devices (:node)";
    Filter => "filter", Domains, false, "filter" #12, "filter by name or IP (re: for a regex, ! to invert)";
    ClearFilter => "clear_filter", Domains, false, "", "clear the filter / leave the snapshot tree";
    SortNext => "sort_next", Domains, false, "sort", "sort by the next column";
    SortPrev => "sort_prev", Domains, false, "", "sort by the previous column";
    SortReverse => "sort_reverse", Domains, false, "", "reverse the sort order";
    NextTab => "next_tab", Domains, false, "", "next detail tab";
    PrevTab => "prev_tab", Domains, false, "", "previous detail tab";
    Start => "start", Domains, true, "start" #10, "start (virsh start)";
    Shutdown => "shutdown", Domains, true, "shutdown" #11, "ACPI shutdown (virsh shutdown)";
    Reboot => "reboot", Domains, true, "reboot", "reboot (virsh reboot)";
    Reset => "reset", Domains, true, "", "hard reset, asks first (virsh reset)";
    ForceOff => "force_off", Domains, true, "off", "force off, asks first (virsh destroy)";
    Suspend => "suspend", Domains, true, "pause", "pause (virsh suspend)";
    Resume => "resume", Domains, true, "resume", "resume a paused domain (virsh resume)";
    Undefine => "undefine", Domains, true, "", "undefine, keeps disks; type the name to confirm";
    ToggleAutostart => "toggle_autostart", Domains, true, "", "toggle autostart (virsh autostart)";
    EditXml => "edit_xml", Domains, false, "edit" #4, "edit the domain's XML with schema hints (virsh edit)";
    NewDomain => "new_domain", Domains, false, "", "define a new domain from a template or file (virsh define)";
    CreateDomain => "create_domain", Domains, true, "", "create a new domain with a wizard (virt-install)";
    Mark => "mark", Domains, false, "", "mark / unmark the selected domain for a bulk action";
    InvertMarks => "invert_marks", Domains, false, "", "invert the marks among the visible rows";
    MarkAll => "mark_all", Domains, false, "", "mark every visible row";
    Yank => "yank", Domains, false, "", "copy the selected domain's name and UUID to the clipboard (OSC 52)";
    SendKey => "send_key", Domains, true, "", "send keys: Ctrl-Alt-Del, Ctrl-C, SysRq, a list (send-key)";
    SetMemory => "set_memory", Domains, true, "", "memory and its maximum, live or persistent (virsh setmem)";
    SetVcpus => "set_vcpus", Domains, true, "", "vCPUs and their maximum, live or persistent (setvcpus)";
    ShowDisks => "show_disks", Domains, false, "", "Disks tab: show it and move the keys there / back (chains, block jobs)";
    ManagedSave => "managed_save", Domains, true, "", "save the running domain's memory; the next start resumes (virsh managedsave)";
    ManagedSaveRemove => "managed_save_remove", Domains, true, "", "drop the domain's managed save image, asks first (virsh managedsave-remove)";
    SaveToFile => "save_to_file", Domains, true, "", "save the running domain's memory to a file; it stops (virsh save)";
    RestoreFromFile => "restore_from_file", Domains, true, "", "start a domain from a file virsh save wrote (virsh restore)";
    CloneDomain => "clone_domain", Domains, true, "", "clone the shut-off (or paused) domain: copy, overlay or share each disk (virt-clone)";
    RenameDomain => "rename_domain", Domains, true, "", "rename a shut-off domain, edit its title and description (virsh domrename, desc)";
    SnapshotFocus => "snapshot_focus", Snapshots, false, "snapshots" #5, "snapshot tree: show it and move the keys there / back";
    SnapshotQuick => "snapshot_quick", Snapshots, true, "snapshot" #3, "quick snapshot now, named <domain>-YYYYMMDD-HHMMSS";
    SnapshotCreate => "snapshot_create", Snapshots, true, "new" #7, "new snapshot with options (virsh snapshot-create-as)";
    SnapshotRevert => "snapshot_revert", Snapshots, true, "revert" #6, "revert to the selected snapshot, asks first";
    SnapshotDelete => "snapshot_delete", Snapshots, true, "delete" #8, "delete the selected snapshot (modes), asks first";
    SnapshotToggle => "snapshot_toggle", Snapshots, false, "fold", "expand / collapse the selected snapshot's children";
    SnapshotXml => "snapshot_xml", Snapshots, false, "xml", "show the selected snapshot's XML";
    Console => "console", Console, true, "console" #2, "open the selected domain's serial console and type into it";
    ConsoleFullscreen => "console_fullscreen", Console, false, "full" #6, "console full screen on/off";
    ConsoleClose => "console_close", Console, false, "", "disconnect the console stream";
    ConsoleForce => "console_force", Console, true, "", "take a console another client holds (virsh console --force)";
    ConsoleScrollUp => "console_scroll_up", Console, false, "", "console or XML tab: scroll back a page";
    ConsoleScrollDown => "console_scroll_down", Console, false, "", "console or XML tab: scroll forward a page";
    ConsoleLive => "console_live", Console, false, "", "console: jump back to live output";
    ConsoleSave => "console_save", Console, false, "save", "console: save the transcript to the state dir";
    ConsoleSearch => "console_search", Console, false, "", "console: search the scrollback (n older, N newer match)";
    ConsoleDetach => "console_detach", Terminal, false, "leave console" #1, "leave the console, back to virtdeck (it stays attached)";
    TerminalPageUp => "terminal_page_up", Terminal, false, "scroll", "attached console: scroll back a page";
    TerminalPageDown => "terminal_page_down", Terminal, false, "", "attached console: scroll forward a page";
    TerminalLineUp => "terminal_line_up", Terminal, false, "", "attached console: scroll back a line";
    TerminalLineDown => "terminal_line_down", Terminal, false, "", "attached console: scroll forward a line";
    TerminalTop => "terminal_top", Terminal, false, "", "attached console: oldest scrollback";
    TerminalLive => "terminal_live", Terminal, false, "", "attached console: back to live output";
    ConsoleSendKey => "console_send_key", Terminal, true, "keys", "attached console: send keys to the guest's keyboard (Ctrl-Alt-Del, SysRq; virsh send-key)";
    FreezeStats => "freeze_stats", Stats, false, "freeze" #6, "freeze / unfreeze the stats graphs (sampling goes on)";
    ExpandStats => "expand_stats", Stats, false, "raw", "stats: raw counters (domblkstat/domifstat/dommemstat)";
    BalloonPeriod => "balloon_period", Stats, true, "balloon", "set the guest's balloon stats period, asks first (dommemstat --period)";
    ConfirmYes => "confirm_yes", Confirm, false, "yes", "yes: do it (any other key cancels a yes/no question)";
    RevertAsSnapshot => "revert_as_snapshot", SnapshotDialog, false, "", "revert dialog: leave the guest as the snapshot was";
    RevertRunning => "revert_running", SnapshotDialog, false, "", "revert dialog: start the guest after reverting";
    RevertPaused => "revert_paused", SnapshotDialog, false, "", "revert dialog: leave the guest paused after reverting";
    RevertSafety => "revert_safety", SnapshotDialog, false, "", "revert dialog: take a safety snapshot first, or not";
    NextField => "next_field", SnapshotDialog, false, "", "dialogs: next field or option";
    PrevField => "prev_field", SnapshotDialog, false, "", "dialogs: previous field or option";
    ToggleOption => "toggle_option", SnapshotDialog, false, "", "dialogs: tick / untick the option under the cursor";
    ChoiceNext => "choice_next", SnapshotDialog, false, "", "dialogs: next value of the choice under the cursor";
    ChoicePrev => "choice_prev", SnapshotDialog, false, "", "dialogs: previous value of the choice under the cursor";
    DeleteModeThis => "delete_mode_this", SnapshotDialog, false, "", "delete dialog: this snapshot only";
    DeleteModeWithChildren => "delete_mode_with_children", SnapshotDialog, false, "", "delete dialog: this snapshot and all its children";
    DeleteModeChildrenOnly => "delete_mode_children_only", SnapshotDialog, false, "", "delete dialog: only its children";
    DeleteModeMetadata => "delete_mode_metadata", SnapshotDialog, false, "", "delete dialog: metadata only (data stays)";
    InputAccept => "input_accept", Input, false, "ok", "text input and dialogs: accept";
    InputCancel => "input_cancel", Input, false, "cancel", "text input and dialogs: cancel";
    InputBackspace => "input_backspace", Input, false, "", "text input: delete the character before the cursor";
    InputClear => "input_clear", Input, false, "", "text input: clear the line";
    Complete => "complete", Prompt, false, "complete", "command line: complete the word (again: the next candidate)";
    PromptUp => "prompt_up", Prompt, false, "prev", "command line: older history line; palette: previous row";
    EditorApply => "editor_apply", Editor, false, "apply", "XML editor: apply: show the diff, then define (virsh define, validated)";
    EditorComplete => "editor_complete", Editor, false, "hints", "XML editor: schema hints for the cursor's place (also after < and =\")";
    EditorUndo => "editor_undo", Editor, false, "", "XML editor: undo";
    EditorRedo => "editor_redo", Editor, false, "", "XML editor: redo";
    EditorFind => "editor_find", Editor, false, "", "XML editor: find";
    EditorFindNext => "editor_find_next", Editor, false, "", "XML editor: find next";
    EditorCopy => "editor_copy", Editor, false, "", "XML editor: copy (the line without a selection)";
    EditorCut => "editor_cut", Editor, false, "", "XML editor: cut (the line without a selection)";
    EditorPaste => "editor_paste", Editor, false, "", "XML editor: paste";
    EditorLive => "editor_live", Editor, false, "", "XML editor: toggle live XML (read-only) / persistent definition";
    EditorSecure => "editor_secure", Editor, false, "", "XML editor: toggle secure values (passwords) and re-read";
    EditorExternal => "editor_external", Editor, false, "", "XML editor: edit in $EDITOR (virsh edit)";
    EditorOpenFile => "editor_open_file", Editor, false, "", "XML editor: load the buffer from a file";
    EditorReload => "editor_reload", Editor, false, "", "XML editor: discard changes: reload the definition";
    EditorIssues => "editor_issues", Editor, false, "", "XML editor: unknown elements and attributes, with everything allowed there";
    EditorHelp => "editor_help", Editor, false, "", "XML editor: its keys";
    EditorClose => "editor_close", Editor, false, "", "XML editor: close; with unapplied changes it asks: keep them as a draft, discard, or apply";
    EditorPalette => "editor_palette", Editor, false, "", "XML editor: fuzzy palette over the editor's actions";
    EditorLeft => "editor_left", EditorText, false, "", "XML editor: cursor left (with Shift: select)";
    EditorRight => "editor_right", EditorText, false, "", "XML editor: cursor right (with Shift: select)";
    EditorUp => "editor_up", EditorText, false, "", "XML editor: cursor up a line (with Shift: select)";
    EditorDown => "editor_down", EditorText, false, "", "XML editor: cursor down a line (with Shift: select)";
    EditorLineStart => "editor_line_start", EditorText, false, "", "XML editor: start of the line's text, again: column 0";
    EditorLineEnd => "editor_line_end", EditorText, false, "", "XML editor: end of the line";
    EditorPageUp => "editor_page_up", EditorText, false, "", "XML editor: a page up";
    EditorPageDown => "editor_page_down", EditorText, false, "", "XML editor: a page down";
    EditorDocStart => "editor_doc_start", EditorText, false, "", "XML editor: start of the document";
    EditorDocEnd => "editor_doc_end", EditorText, false, "", "XML editor: end of the document";
    EditorNewline => "editor_newline", EditorText, false, "", "XML editor: new line, indented like this one (deeper after an open tag)";
    EditorIndent => "editor_indent", EditorText, false, "", "XML editor: insert two spaces";
    EditorBackspace => "editor_backspace", EditorText, false, "", "XML editor: delete before the cursor (or the selection)";
    EditorDelete => "editor_delete", EditorText, false, "", "XML editor: delete under the cursor (or the selection)";
    CompletionPrev => "completion_prev", Completion, false, "choose", "XML editor hints: previous item";
    CompletionNext => "completion_next", Completion, false, "", "XML editor hints: next item";
    CompletionInsert => "completion_insert", Completion, false, "insert", "XML editor hints: insert the item";
    CompletionClose => "completion_close", Completion, false, "close", "XML editor hints: close the list (typing goes on)";
    DiffDefine => "diff_define", EditorPopup, false, "define", "XML editor diff: define it (virsh define); any key not listed here goes back to editing";
    PopupUp => "popup_up", EditorPopup, false, "scroll", "XML editor diff, F2 and F1 lists: scroll up a line";
    PopupDown => "popup_down", EditorPopup, false, "", "XML editor diff, F2 and F1 lists: scroll down a line (other keys close a list)";
    PopupPageUp => "popup_page_up", EditorPopup, false, "", "XML editor diff, F2 and F1 lists: a page up";
    PopupPageDown => "popup_page_down", EditorPopup, false, "", "XML editor diff, F2 and F1 lists: a page down";
    CloseKeep => "close_keep", CloseQuestion, false, "keep as draft and close", "XML editor close: keep the changes as a draft (offered on reopening) and close";
    CloseDiscard => "close_discard", CloseQuestion, false, "discard and close", "XML editor close: discard the changes and close";
    CloseApply => "close_apply", CloseQuestion, false, "apply", "XML editor close: apply the changes (the diff first)";
    CloseBack => "close_back", CloseQuestion, false, "back", "XML editor close: back to editing";
    DraftRestore => "draft_restore", DraftOffer, false, "restore draft", "XML editor draft: restore it into the editor";
    DraftDiscard => "draft_discard", DraftOffer, false, "discard it", "XML editor draft: discard it, keep the current definition";
    DraftLater => "draft_later", DraftOffer, false, "keep for later", "XML editor draft: keep it for later, show the definition";
    PromptDown => "prompt_down", Prompt, false, "next", "command line: newer history line; palette: next row";
    PromptLeft => "prompt_left", Prompt, false, "", "command line: cursor left";
    PromptRight => "prompt_right", Prompt, false, "", "command line: cursor right";
    PromptWordLeft => "prompt_word_left", Prompt, false, "", "command line: a word left";
    PromptWordRight => "prompt_word_right", Prompt, false, "", "command line: a word right";
    PromptHome => "prompt_home", Prompt, false, "", "command line: start of the line";
    PromptEnd => "prompt_end", Prompt, false, "", "command line: end of the line";
    PromptDelete => "prompt_delete", Prompt, false, "", "command line: delete under the cursor";
    PromptDeleteWord => "prompt_delete_word", Prompt, false, "", "command line: delete the word before the cursor";
    PromptKillEnd => "prompt_kill_end", Prompt, false, "", "command line: delete to the end of the line";
    NetLeases => "net_leases", Networks, false, "leases", "networks: DHCP leases of the selected network (net-dhcp-leases)";
    NetStart => "net_start", Networks, true, "start", "networks: start the selected network (net-start)";
    NetStop => "net_stop", Networks, true, "stop", "networks: stop the selected network, asks first (net-destroy)";
    NetAutostart => "net_autostart", Networks, true, "autostart", "networks: toggle autostart (net-autostart)";
    NetUndefine => "net_undefine", Networks, true, "", "networks: undefine the selected network, asks first (net-undefine)";
    NetEdit => "net_edit", Networks, false, "edit", "networks: edit the selected network's XML (net-edit)";
    NetDefine => "net_define", Networks, false, "new", "networks: define a new network in the XML editor (net-define)";
    NetClose => "net_close", Networks, false, "back", "networks: back to the view below";
    EventsClose => "events_close", Events, false, "back", "events: back to the view below";
    HostClose => "host_close", Host, false, "back", "host: back to the view below";
    HostAttach => "host_attach", Host, true, "attach", "host: pass the selected PCI / USB device through to a domain (attach-device)";
    HostDetach => "host_detach", Host, true, "detach", "host: take the selected device back from the domain using it (detach-device)";
    DevicesFocus => "devices_focus", Devices, false, "select" #4, "devices tab: j/k move over the devices (again or Esc: back to the list)";
    DeviceAddDisk => "device_add_disk", Devices, true, "add disk" #5, "devices tab: hot-plug a disk: a pool volume or a path (virsh attach-device)";
    DeviceAddNic => "device_add_nic", Devices, true, "add NIC" #6, "devices tab: hot-plug a NIC on a network, bridge or host device (virsh attach-device)";
    DeviceDetach => "device_detach", Devices, true, "detach" #7, "devices tab: detach the selected disk, NIC or host device, asks first (virsh detach-device)";
    DeviceMedia => "device_media", Devices, true, "media" #8, "devices tab: insert an ISO into the selected CD-ROM or eject it (virsh change-media)";
    DeviceLink => "device_link", Devices, true, "link" #9, "devices tab: set the selected NIC's link up or down (virsh domif-setlink)";
    HostsOpen => "hosts_open", Hosts, false, "open", "hosts: the selected host's domains (a lost one reconnects)";
    HostsFleet => "hosts_fleet", Hosts, false, "fleet", "hosts: every host's domains in one list (:host all)";
    HostsReconnect => "hosts_reconnect", Hosts, false, "reconnect", "hosts: connect the selected host now";
    HostsInfo => "hosts_info", Hosts, false, "info", "hosts: the selected host's hardware and node devices (:node)";
    HostsClose => "hosts_close", Hosts, false, "back", "hosts: back to the domain list";
    PoolStart => "pool_start", Pools, true, "start", "start the pool (virsh pool-start)";
    PoolStop => "pool_stop", Pools, true, "stop", "stop the pool, data stays (virsh pool-destroy)";
    PoolRefresh => "pool_refresh", Pools, true, "refresh", "re-scan the pool's volumes (virsh pool-refresh)";
    PoolBuild => "pool_build", Pools, true, "", "build the pool's target (virsh pool-build)";
    PoolAutostart => "pool_autostart", Pools, true, "", "toggle the pool's autostart (virsh pool-autostart)";
    PoolUndefine => "pool_undefine", Pools, true, "", "forget the pool's definition, data stays; asks first (virsh pool-undefine)";
    PoolDelete => "pool_delete", Pools, true, "delete", "delete the pool's storage; type the pool's name (virsh pool-delete)";
    PoolEdit => "pool_edit", Pools, false, "edit", "edit the selected pool's XML with schema hints (virsh pool-edit)";
    PoolDefine => "pool_define", Pools, false, "new", "define a new pool in the XML editor (virsh pool-define)";
    VolCreate => "vol_create", Volumes, true, "new", "new volume: NAME SIZE [raw|qcow2] [BACKING] (virsh vol-create-as)";
    VolDelete => "vol_delete", Volumes, true, "delete", "delete the volume, asks first; refused while a running domain uses it";
    VolWipe => "vol_wipe", Volumes, true, "", "wipe the volume's content, asks first (virsh vol-wipe)";
    VolResize => "vol_resize", Volumes, true, "resize", "resize the volume (grow; shrink needs a leading -)";
    VolClone => "vol_clone", Volumes, true, "", "clone the volume under a new name (virsh vol-clone)";
    VolUpload => "vol_upload", Volumes, true, "upload", "upload a local file into the volume (virsh vol-upload)";
    VolDownload => "vol_download", Volumes, false, "download", "download the volume to a local file (virsh vol-download)";
    VolCancel => "vol_cancel", Volumes, false, "", "cancel the running upload / download";
    JobPivot => "job_pivot", Jobs, true, "pivot", "switch the disk to the copy / committed base; only after READY";
    JobAbort => "job_abort", Jobs, true, "abort", "abort the selected job (a READY copy stays a point-in-time copy)";
    BlockCommit => "block_commit", Disks, true, "commit", "commit a part of the disk's chain into a base (virsh blockcommit)";
    BlockPull => "block_pull", Disks, true, "pull", "pull the chain's data into the active image (virsh blockpull)";
    BlockCopy => "block_copy", Disks, true, "copy", "copy the disk to a new file, then pivot or keep (virsh blockcopy)";
    BlockPivot => "block_pivot", Disks, true, "pivot", "Disks tab: switch the disk to the copy / committed base; only after READY";
    BlockAbort => "block_abort", Disks, true, "abort", "Disks tab: abort the disk's block job (a READY copy stays a point-in-time copy)";
    BlockSpeed => "block_speed", Disks, true, "speed", "Disks tab: set the disk's block job speed limit (virsh blockjob --bandwidth)";
    JobSpeed => "job_speed", Jobs, true, "speed", "set the block job's speed limit (virsh blockjob --bandwidth)";
    SearchOlder => "search_older", Search, false, "older", "console search: the next older match";
    SearchNewer => "search_newer", Search, false, "newer", "console search: the next newer match";
    SearchEnd => "search_end", Search, false, "end", "console search: end it";
    WizardNextField => "wizard_next_field", Wizard, false, "field", "create wizard: next field";
    WizardPrevField => "wizard_prev_field", Wizard, false, "", "create wizard: previous field";
    WizardNextChoice => "wizard_next_choice", Wizard, false, "choice", "create wizard: next choice (type to narrow a list; toggles flip)";
    WizardPrevChoice => "wizard_prev_choice", Wizard, false, "", "create wizard: previous choice";
    WizardToggle => "wizard_toggle", Wizard, false, "", "create wizard: flip the yes / no field under the cursor";
    WizardCancel => "wizard_cancel", Wizard, false, "cancel all", "create wizard: cancel (nothing exists before the define)";
    WizardStart => "wizard_start", Wizard, true, "start", "after a create: start the new domain now";
    WizardConsole => "wizard_console", Wizard, true, "console", "after a create: start the new domain and open its console";
}

impl Action {
    /// Every action, in the order help lists them.
    pub fn all() -> impl Iterator<Item = Action> {
        Action::TABLE.iter().map(|i| i.action)
    }

    /// The action's row in the table.
    pub fn info(self) -> &'static ActionInfo {
        // The table is generated from the enum in declaration order.
        &Action::TABLE[self as usize]
    }

    /// The name used in the config file (and by a command line or palette).
    pub fn name(self) -> &'static str {
        self.info().name
    }

    pub fn scope(self) -> Scope {
        self.info().scope
    }

    pub fn from_name(name: &str) -> Option<Action> {
        Action::TABLE
            .iter()
            .find(|i| i.name == name)
            .map(|i| i.action)
    }

    /// One line for the help screen.
    pub fn describe(self) -> &'static str {
        self.info().description
    }

    /// A word for the footer ("" = not shown there).
    pub fn short(self) -> &'static str {
        self.info().short
    }

    /// Footer priority, lowest first ([`UNRANKED`] when the table gives none).
    pub fn rank(self) -> u8 {
        self.info().rank
    }

    /// Actions that change the host; hidden and refused on a read-only connection.
    pub fn is_mutating(self) -> bool {
        self.info().mutating
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_the_table_is_in_enum_order() {
        for (i, row) in Action::TABLE.iter().enumerate() {
            assert_eq!(row.action as usize, i);
            assert_eq!(Action::from_name(row.name), Some(row.action));
        }
    }

    #[test]
    fn lifecycle_and_snapshot_changes_are_mutating_navigation_is_not() {
        assert!(Action::Start.is_mutating());
        assert!(Action::SnapshotRevert.is_mutating());
        assert!(!Action::Down.is_mutating());
        assert!(!Action::SnapshotXml.is_mutating());
        assert_eq!(Action::SnapshotQuick.scope(), Scope::Snapshots);
    }
}
