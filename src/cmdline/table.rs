//! The command table: every `:` command as data (name, aliases, arguments, description),
//! so parsing, help and completion all read the same list.
//!
//! Wiring: the help layer lists [`COMMANDS`] (via [`help_lines`]); the parser and the
//! completer in this folder look names up here. Adding a command = one row here plus its
//! arm in `parse::build`.

/// What an argument is, which decides what Tab completes it with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    /// A domain name (completed from the caller's domain list).
    Domain,
    /// A snapshot name of the domain given before it.
    Snapshot,
    /// A view name (`vm`, `net`, …).
    View,
    /// A sort key (completed from the caller's list).
    SortKey,
    /// A command name (for `:help start`).
    Command,
    /// One plain word nothing completes (a host's name or URI in `:host add NAME URI`).
    Word,
    /// Free text: the rest of the line, verbatim (filters).
    Text,
    /// A storage pool name (not completed yet).
    Pool,
    /// `all` (`:host all`).
    All,
}

/// One argument of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArgSpec {
    pub kind: ArgKind,
    /// Shown in usage and errors: "a domain name".
    pub what: &'static str,
    pub required: bool,
}

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandSpec {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub args: &'static [ArgSpec],
    pub description: &'static str,
}

const fn req(kind: ArgKind, what: &'static str) -> ArgSpec {
    ArgSpec {
        kind,
        what,
        required: true,
    }
}

const fn opt(kind: ArgKind, what: &'static str) -> ArgSpec {
    ArgSpec {
        kind,
        what,
        required: false,
    }
}

const DOMAIN_OPT: &[ArgSpec] = &[opt(ArgKind::Domain, "a domain name")];

const fn cmd(
    name: &'static str,
    aliases: &'static [&'static str],
    args: &'static [ArgSpec],
    description: &'static str,
) -> CommandSpec {
    CommandSpec {
        name,
        aliases,
        args,
        description,
    }
}

/// Every command, in the order help lists them.
pub const COMMANDS: &[CommandSpec] = &[
    cmd(
        "vm",
        &["vms", "domain", "domains", "dom"],
        &[],
        "show the domains",
    ),
    cmd(
        "net",
        &["nets", "network", "networks"],
        &[],
        "show the networks",
    ),
    cmd("pool", &["pools", "storage"], &[], "show the storage pools"),
    cmd(
        "vol",
        &["vols", "volume", "volumes"],
        &[opt(ArgKind::Pool, "a pool name")],
        "show the volumes (of POOL)",
    ),
    cmd("jobs", &["job"], &[], "show the running jobs"),
    cmd(
        "host",
        &["hosts", "node"],
        &[
            opt(ArgKind::Word, "all, add NAME URI or rm NAME"),
            opt(ArgKind::Word, "a host name"),
            opt(ArgKind::Word, "a libvirt URI"),
        ],
        "show the hosts; all: every host's domains; add/rm: edit the saved hosts",
    ),
    cmd(
        "events",
        &["event", "log"],
        &[],
        "show the libvirt events received",
    ),
    cmd(
        "view",
        &[],
        &[req(ArgKind::View, "a view name")],
        "switch to a view by name",
    ),
    cmd("quit", &["q", "q!", "exit"], &[], "quit virtdeck"),
    cmd(
        "start",
        &[],
        DOMAIN_OPT,
        "start a domain (default: the selected or marked ones)",
    ),
    cmd("shutdown", &[], DOMAIN_OPT, "ask the guest to shut down"),
    cmd("reboot", &[], DOMAIN_OPT, "ask the guest to reboot"),
    cmd(
        "destroy",
        &["force-off"],
        DOMAIN_OPT,
        "power off at once (like pulling the plug)",
    ),
    cmd(
        "suspend",
        &["pause"],
        DOMAIN_OPT,
        "pause the domain's vCPUs",
    ),
    cmd("resume", &["unpause"], DOMAIN_OPT, "resume a paused domain"),
    cmd(
        "undefine",
        &[],
        DOMAIN_OPT,
        "remove the domain's definition",
    ),
    cmd(
        "autostart",
        &[],
        DOMAIN_OPT,
        "toggle starting the domain with the host",
    ),
    cmd(
        "snapshot",
        &["snap"],
        &[
            req(ArgKind::Domain, "a domain name"),
            opt(ArgKind::Snapshot, "a snapshot name"),
        ],
        "take a snapshot (named, or a quick one)",
    ),
    cmd(
        "revert",
        &[],
        &[
            req(ArgKind::Domain, "a domain name"),
            req(ArgKind::Snapshot, "a snapshot name"),
        ],
        "revert a domain to a snapshot",
    ),
    cmd(
        "delete-snapshot",
        &["delsnap"],
        &[
            req(ArgKind::Domain, "a domain name"),
            req(ArgKind::Snapshot, "a snapshot name"),
        ],
        "delete a snapshot",
    ),
    cmd(
        "console",
        &["con"],
        DOMAIN_OPT,
        "attach to the serial console",
    ),
    cmd("edit", &[], DOMAIN_OPT, "edit the domain's XML"),
    cmd(
        "send-key",
        &["sendkey"],
        DOMAIN_OPT,
        "send keys to the guest's keyboard (Ctrl-Alt-Del, SysRq, a key list)",
    ),
    cmd(
        "setmem",
        &["setmaxmem", "memory"],
        DOMAIN_OPT,
        "change the memory and its maximum",
    ),
    cmd(
        "setvcpus",
        &["vcpus"],
        DOMAIN_OPT,
        "change the vCPU count and its maximum",
    ),
    cmd(
        "clone",
        &[],
        &[
            req(ArgKind::Domain, "a domain name"),
            opt(ArgKind::Word, "the clone's name"),
        ],
        "clone a shut-off domain (the dialog opens with the new name filled in)",
    ),
    cmd(
        "rename",
        &["domrename"],
        &[
            req(ArgKind::Domain, "a domain name"),
            opt(ArgKind::Word, "the new name"),
        ],
        "rename a shut-off domain (no new name: the name / title / description dialog)",
    ),
    cmd(
        "create",
        &["new", "virt-install"],
        &[],
        "create a new domain with the wizard",
    ),
    cmd(
        "filter",
        &["f"],
        &[opt(ArgKind::Text, "a filter (text or re:REGEX)")],
        "filter the rows (empty clears)",
    ),
    cmd(
        "sort",
        &[],
        &[req(ArgKind::SortKey, "a sort key")],
        "sort the rows by a column",
    ),
    cmd(
        "help",
        &["h", "?"],
        &[opt(ArgKind::Command, "a command name")],
        "list the commands, or explain one",
    ),
];

/// View names and their aliases (what `:view` and Tab accept).
pub fn view_names() -> impl Iterator<Item = &'static str> {
    COMMANDS[..7].iter().map(|c| c.name)
}

/// The row named `word` (by name or alias), if any.
pub fn lookup(word: &str) -> Option<&'static CommandSpec> {
    COMMANDS
        .iter()
        .find(|c| c.name == word || c.aliases.contains(&word))
}

/// "snapshot DOMAIN [SNAPSHOT]".
pub fn usage(spec: &CommandSpec) -> String {
    let mut s = spec.name.to_string();
    for a in spec.args {
        let word = match a.kind {
            ArgKind::Domain => "DOMAIN",
            ArgKind::Snapshot => "SNAPSHOT",
            ArgKind::View => "VIEW",
            ArgKind::SortKey => "KEY",
            ArgKind::Command => "COMMAND",
            ArgKind::Word => "WORD",
            ArgKind::Text => "TEXT",
            ArgKind::Pool => "POOL",
            ArgKind::All => "all",
        };
        if a.required {
            s.push_str(&format!(" {word}"));
        } else {
            s.push_str(&format!(" [{word}]"));
        }
    }
    s
}

/// `:help NAME`: usage, aliases and description of one command, if it exists.
pub fn help_for(word: &str) -> Option<String> {
    let c = lookup(word)?;
    let aliases = if c.aliases.is_empty() {
        String::new()
    } else {
        format!(" (also :{})", c.aliases.join(" :"))
    };
    Some(format!(":{}{aliases} — {}", usage(c), c.description))
}

/// One line per command for the help popup: usage, aliases, description.
pub fn help_lines() -> Vec<String> {
    COMMANDS.iter().filter_map(|c| help_for(c.name)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_and_alias_is_unique() {
        let mut seen = std::collections::HashSet::new();
        for c in COMMANDS {
            for w in std::iter::once(&c.name).chain(c.aliases) {
                assert!(seen.insert(*w), "{w} appears twice");
            }
        }
    }

    #[test]
    fn the_first_seven_rows_are_the_views() {
        let v: Vec<_> = view_names().collect();
        assert_eq!(v, ["vm", "net", "pool", "vol", "jobs", "host", "events"]);
    }

    #[test]
    fn help_shows_usage_aliases_and_description() {
        let lines = help_lines();
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(":snapshot DOMAIN [SNAPSHOT] (also :snap)"))
        );
        assert!(
            lines
                .iter()
                .any(|l| l.contains(":destroy [DOMAIN] (also :force-off)"))
        );
        assert_eq!(lines.len(), COMMANDS.len());
        assert_eq!(help_for("force-off"), help_for("destroy"));
        assert_eq!(help_for("nope"), None);
    }
}
