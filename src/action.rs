//! Everything a key can do: the keymap's vocabulary, with the text `?` help shows.

use serde::Deserialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    Help,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Filter,
    ClearFilter,
    SortNext,
    SortPrev,
    SortReverse,
    NextTab,
    PrevTab,
    Refresh,
    Start,
    Shutdown,
    Reboot,
    Reset,
    ForceOff,
    Suspend,
    Resume,
    Undefine,
    ToggleAutostart,
    EditXml,
    NewDomain,
    SnapshotFocus,
    SnapshotQuick,
    SnapshotCreate,
    SnapshotRevert,
    SnapshotDelete,
    SnapshotToggle,
    SnapshotXml,
    Console,
    ConsoleDetach,
    ConsoleFullscreen,
    ConsoleClose,
    ConsoleForce,
    ConsoleScrollUp,
    ConsoleScrollDown,
    ConsoleLive,
    ConsoleSave,
    ConsoleSearch,
    FreezeStats,
    ExpandStats,
    BalloonPeriod,
}

impl Action {
    /// Every action, in the order help lists them.
    pub const ALL: [Action; 47] = [
        Action::Help,
        Action::Quit,
        Action::Up,
        Action::Down,
        Action::PageUp,
        Action::PageDown,
        Action::Top,
        Action::Bottom,
        Action::Filter,
        Action::ClearFilter,
        Action::SortNext,
        Action::SortPrev,
        Action::SortReverse,
        Action::NextTab,
        Action::PrevTab,
        Action::Refresh,
        Action::Start,
        Action::Shutdown,
        Action::Reboot,
        Action::Reset,
        Action::ForceOff,
        Action::Suspend,
        Action::Resume,
        Action::Undefine,
        Action::ToggleAutostart,
        Action::EditXml,
        Action::NewDomain,
        Action::SnapshotFocus,
        Action::SnapshotQuick,
        Action::SnapshotCreate,
        Action::SnapshotRevert,
        Action::SnapshotDelete,
        Action::SnapshotToggle,
        Action::SnapshotXml,
        Action::Console,
        Action::ConsoleDetach,
        Action::ConsoleFullscreen,
        Action::ConsoleClose,
        Action::ConsoleForce,
        Action::ConsoleScrollUp,
        Action::ConsoleScrollDown,
        Action::ConsoleLive,
        Action::ConsoleSave,
        Action::ConsoleSearch,
        Action::FreezeStats,
        Action::ExpandStats,
        Action::BalloonPeriod,
    ];

    /// The name used in the config file's `[keys]` table.
    pub fn name(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "help",
            Action::Up => "up",
            Action::Down => "down",
            Action::PageUp => "page_up",
            Action::PageDown => "page_down",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::Filter => "filter",
            Action::ClearFilter => "clear_filter",
            Action::SortNext => "sort_next",
            Action::SortPrev => "sort_prev",
            Action::SortReverse => "sort_reverse",
            Action::NextTab => "next_tab",
            Action::PrevTab => "prev_tab",
            Action::Refresh => "refresh",
            Action::Start => "start",
            Action::Shutdown => "shutdown",
            Action::Reboot => "reboot",
            Action::Reset => "reset",
            Action::ForceOff => "force_off",
            Action::Suspend => "suspend",
            Action::Resume => "resume",
            Action::Undefine => "undefine",
            Action::ToggleAutostart => "toggle_autostart",
            Action::EditXml => "edit_xml",
            Action::NewDomain => "new_domain",
            Action::SnapshotFocus => "snapshot_focus",
            Action::SnapshotQuick => "snapshot_quick",
            Action::SnapshotCreate => "snapshot_create",
            Action::SnapshotRevert => "snapshot_revert",
            Action::SnapshotDelete => "snapshot_delete",
            Action::SnapshotToggle => "snapshot_toggle",
            Action::SnapshotXml => "snapshot_xml",
            Action::Console => "console",
            Action::ConsoleDetach => "console_detach",
            Action::ConsoleFullscreen => "console_fullscreen",
            Action::ConsoleClose => "console_close",
            Action::ConsoleForce => "console_force",
            Action::ConsoleScrollUp => "console_scroll_up",
            Action::ConsoleScrollDown => "console_scroll_down",
            Action::ConsoleLive => "console_live",
            Action::ConsoleSave => "console_save",
            Action::ConsoleSearch => "console_search",
            Action::FreezeStats => "freeze_stats",
            Action::ExpandStats => "expand_stats",
            Action::BalloonPeriod => "balloon_period",
        }
    }

    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == name)
    }

    /// One line for the help screen.
    pub fn describe(self) -> &'static str {
        match self {
            Action::Quit => "quit virtdeck",
            Action::Help => "show this help",
            Action::Up => "select the previous domain",
            Action::Down => "select the next domain",
            Action::PageUp => "one page up",
            Action::PageDown => "one page down",
            Action::Top => "first domain",
            Action::Bottom => "last domain",
            Action::Filter => "filter by name (re: for a regex, ! to invert)",
            Action::ClearFilter => "clear the filter / close",
            Action::SortNext => "sort by the next column",
            Action::SortPrev => "sort by the previous column",
            Action::SortReverse => "reverse the sort order",
            Action::NextTab => "next detail tab",
            Action::PrevTab => "previous detail tab",
            Action::Refresh => "re-read every domain from libvirt",
            Action::Start => "start (virsh start)",
            Action::Shutdown => "ACPI shutdown (virsh shutdown)",
            Action::Reboot => "reboot (virsh reboot)",
            Action::Reset => "hard reset, asks first (virsh reset)",
            Action::ForceOff => "force off, asks first (virsh destroy)",
            Action::Suspend => "pause (virsh suspend)",
            Action::Resume => "resume a paused domain (virsh resume)",
            Action::Undefine => "undefine, keeps disks; type the name to confirm",
            Action::ToggleAutostart => "toggle autostart (virsh autostart)",
            Action::EditXml => "edit the domain's XML with schema hints (virsh edit)",
            Action::NewDomain => "define a new domain from a template or file (virsh define)",
            Action::SnapshotFocus => "snapshot tree: show it and move the keys there / back",
            Action::SnapshotQuick => "quick snapshot now, named <domain>-YYYYMMDD-HHMMSS",
            Action::SnapshotCreate => "new snapshot with options (virsh snapshot-create-as)",
            Action::SnapshotRevert => "revert to the selected snapshot, asks first",
            Action::SnapshotDelete => "delete the selected snapshot (modes), asks first",
            Action::SnapshotToggle => "expand / collapse the selected snapshot's children",
            Action::SnapshotXml => "show the selected snapshot's XML",
            Action::Console => "open the selected domain's serial console and type into it",
            Action::ConsoleDetach => "leave the console, back to virtdeck (it stays attached)",
            Action::ConsoleFullscreen => "console full screen on/off",
            Action::ConsoleClose => "disconnect the console stream",
            Action::ConsoleForce => "take a console another client holds (virsh console --force)",
            Action::ConsoleScrollUp => "console: scroll back a page",
            Action::ConsoleScrollDown => "console: scroll forward a page",
            Action::ConsoleLive => "console: jump back to live output",
            Action::ConsoleSave => "console: save the transcript to the state dir",
            Action::ConsoleSearch => "console: search the scrollback (n older, N newer match)",
            Action::FreezeStats => "freeze / unfreeze the stats graphs (sampling goes on)",
            Action::ExpandStats => "stats: raw counters (domblkstat/domifstat/dommemstat)",
            Action::BalloonPeriod => {
                "set the guest's balloon stats period, asks first (dommemstat --period)"
            }
        }
    }

    /// Actions that change the host; hidden and refused on a read-only connection.
    pub fn is_mutating(self) -> bool {
        matches!(
            self,
            Action::Start
                | Action::Shutdown
                | Action::Reboot
                | Action::Reset
                | Action::ForceOff
                | Action::Suspend
                | Action::Resume
                | Action::Undefine
                | Action::ToggleAutostart
                | Action::SnapshotQuick
                | Action::SnapshotCreate
                | Action::SnapshotRevert
                | Action::SnapshotDelete
                | Action::BalloonPeriod
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for a in Action::ALL {
            assert_eq!(Action::from_name(a.name()), Some(a));
        }
    }
}
