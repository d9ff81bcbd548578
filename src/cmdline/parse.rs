//! From a typed line to a [`Command`]: shell-like words (quotes, backslash escapes) and
//! errors that say what was expected. Never panics, whatever the input.
//!
//! Wiring: the command-line layer calls [`parse`] on Enter and turns the `Command` into
//! the App's action (a `DomainOp` on a named domain, or on the selection/marks when the
//! name is absent).

use super::table::{self, ArgKind};

/// A view the command line can switch to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Domains,
    Networks,
    Pools,
    Volumes,
    Jobs,
    Hosts,
    Events,
}

/// A domain action reachable from the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DomainOp {
    Start,
    Shutdown,
    Reboot,
    Destroy,
    Suspend,
    Resume,
    Undefine,
    Autostart,
    Console,
    Edit,
    SendKey,
    SetMemory,
    SetVcpus,
}

/// A snapshot action: always names its domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotOp {
    /// `name` absent = a quick snapshot with a generated name.
    Create,
    Revert,
    Delete,
}

/// A parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    View(View),
    /// A view with its argument: `:vol POOL`, `:host all`.
    ViewOf(View, String),
    Quit,
    /// `domain` absent = the selected row (or the marked rows).
    Domain {
        op: DomainOp,
        domain: Option<String>,
    },
    Snapshot {
        op: SnapshotOp,
        domain: String,
        name: Option<String>,
    },
    /// Empty = clear the filter.
    Filter(String),
    Sort(String),
    Help(Option<String>),
    /// A blank line: close the command line, do nothing.
    Nothing,
    /// `:clone DOMAIN [NEW]`: the clone dialog, the new name filled in.
    Clone {
        domain: String,
        new_name: Option<String>,
    },
    /// `:rename DOMAIN [NEW]`: rename at once, or the dialog without a new name.
    Rename {
        domain: String,
        new_name: Option<String>,
    },
    /// `:host all`: every host's domains in one list.
    HostAll,
    /// `:host add NAME URI`: save a host and connect to it.
    HostAdd {
        name: String,
        uri: String,
    },
    /// `:host rm NAME`: close a host and forget it.
    HostRm {
        name: String,
    },
    /// `:create`: the create wizard.
    Create,
}

/// Why a line is not a command; `Display` is the message for the status line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("unknown command :{0} (try :help)")]
    UnknownCommand(String),
    #[error("unknown view :{0} (views: vm net pool vol jobs host events)")]
    UnknownView(String),
    #[error(":{command} needs {what}")]
    Missing {
        command: &'static str,
        what: &'static str,
    },
    #[error(":{command} takes at most {max} argument(s), got extra {extra:?}")]
    TooMany {
        command: &'static str,
        max: usize,
        extra: String,
    },
    #[error("unterminated {0} quote")]
    Unterminated(char),
    #[error(":host {0}")]
    Host(&'static str),
}

/// One word of the line as the tokenizer saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The word with quotes and escapes removed.
    pub text: String,
    /// Byte offset where the word starts in the line.
    pub start: usize,
}

/// Words of `line`, plus the open quote if the line ends inside one (for completion).
pub fn split_words(line: &str) -> (Vec<Word>, Option<char>) {
    let mut words = Vec::new();
    let mut cur: Option<Word> = None;
    let mut quote: Option<char> = None;
    let mut chars = line.char_indices();
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') => {
                if let Some((_, n)) = chars.next() {
                    word_at(&mut cur, i).text.push(n);
                }
            }
            (Some(_), c) => word_at(&mut cur, i).text.push(c),
            (None, '\'' | '"') => {
                word_at(&mut cur, i);
                quote = Some(c);
            }
            (None, '\\') => {
                let w = word_at(&mut cur, i);
                if let Some((_, n)) = chars.next() {
                    w.text.push(n);
                }
            }
            (None, c) if c.is_whitespace() => {
                if let Some(w) = cur.take() {
                    words.push(w);
                }
            }
            (None, c) => word_at(&mut cur, i).text.push(c),
        }
    }
    words.extend(cur);
    (words, quote)
}

fn word_at(cur: &mut Option<Word>, start: usize) -> &mut Word {
    cur.get_or_insert_with(|| Word {
        text: String::new(),
        start,
    })
}

/// Parses a command line (the leading `:` is optional).
pub fn parse(line: &str) -> Result<Command, ParseError> {
    let body = line.trim_start();
    let body = body.strip_prefix(':').unwrap_or(body);
    let (words, open) = split_words(body);
    let Some(first) = words.first() else {
        return match open {
            Some(q) => Err(ParseError::Unterminated(q)),
            None => Ok(Command::Nothing),
        };
    };
    let Some(spec) = table::lookup(&first.text) else {
        // A lone word is most likely a view name (k9s style); with arguments, a command.
        return Err(if words.len() == 1 {
            ParseError::UnknownView(first.text.clone())
        } else {
            ParseError::UnknownCommand(first.text.clone())
        });
    };
    // Free text keeps its spaces and backslashes (a regex), so it is cut from the raw line.
    if spec.args.first().is_some_and(|a| a.kind == ArgKind::Text) {
        let rest = words.get(1).map_or("", |w| body[w.start..].trim_end());
        return Ok(Command::Filter(rest.to_string()));
    }
    if let Some(q) = open {
        return Err(ParseError::Unterminated(q));
    }
    let args: Vec<String> = words[1..].iter().map(|w| w.text.clone()).collect();
    if args.len() > spec.args.len() {
        return Err(ParseError::TooMany {
            command: spec.name,
            max: spec.args.len(),
            extra: args[spec.args.len()].clone(),
        });
    }
    if let Some(missing) = spec.args.iter().skip(args.len()).find(|a| a.required) {
        return Err(ParseError::Missing {
            command: spec.name,
            what: missing.what,
        });
    }
    if spec.name == "host" && !args.is_empty() {
        return host_command(args);
    }
    if spec.name == "view" {
        let word = args.first().map_or("", String::as_str);
        return view_named(word)
            .map(Command::View)
            .ok_or_else(|| ParseError::UnknownView(word.to_string()));
    }
    Ok(build(spec.name, args))
}

/// `:host all`, `:host add NAME URI`, `:host rm NAME`.
fn host_command(args: Vec<String>) -> Result<Command, ParseError> {
    let mut it = args.into_iter();
    let sub = it.next().unwrap_or_default();
    let (a, b) = (it.next(), it.next());
    match (sub.as_str(), a, b) {
        ("all", None, None) => Ok(Command::HostAll),
        ("add", Some(name), Some(uri)) => Ok(Command::HostAdd { name, uri }),
        ("add", _, _) => Err(ParseError::Host(
            "add needs a name and a URI: :host add NAME URI",
        )),
        ("rm", Some(name), None) => Ok(Command::HostRm { name }),
        ("rm", _, _) => Err(ParseError::Host("rm needs one host name: :host rm NAME")),
        _ => Err(ParseError::Host("takes all, add NAME URI or rm NAME")),
    }
}

/// The view a name (or alias) stands for.
pub fn view_named(word: &str) -> Option<View> {
    let spec = table::lookup(word)?;
    Some(match spec.name {
        "vm" => View::Domains,
        "net" => View::Networks,
        "pool" => View::Pools,
        "vol" => View::Volumes,
        "jobs" => View::Jobs,
        "host" => View::Hosts,
        "events" => View::Events,
        _ => return None,
    })
}

/// Builds the command once the argument count is known to fit the table row.
fn build(name: &'static str, args: Vec<String>) -> Command {
    let mut args = args.into_iter();
    let mut next = || args.next();
    let domain_op = |op| Command::Domain { op, domain: None };
    let cmd = match name {
        "quit" => Command::Quit,
        "start" => domain_op(DomainOp::Start),
        "shutdown" => domain_op(DomainOp::Shutdown),
        "reboot" => domain_op(DomainOp::Reboot),
        "destroy" => domain_op(DomainOp::Destroy),
        "suspend" => domain_op(DomainOp::Suspend),
        "resume" => domain_op(DomainOp::Resume),
        "undefine" => domain_op(DomainOp::Undefine),
        "autostart" => domain_op(DomainOp::Autostart),
        "console" => domain_op(DomainOp::Console),
        "edit" => domain_op(DomainOp::Edit),
        "send-key" => domain_op(DomainOp::SendKey),
        "setmem" => domain_op(DomainOp::SetMemory),
        "setvcpus" => domain_op(DomainOp::SetVcpus),
        "snapshot" | "revert" | "delete-snapshot" => {
            let op = match name {
                "snapshot" => SnapshotOp::Create,
                "revert" => SnapshotOp::Revert,
                _ => SnapshotOp::Delete,
            };
            return Command::Snapshot {
                op,
                domain: next().unwrap_or_default(),
                name: next(),
            };
        }
        "clone" => {
            return Command::Clone {
                domain: next().unwrap_or_default(),
                new_name: next(),
            };
        }
        "rename" => {
            return Command::Rename {
                domain: next().unwrap_or_default(),
                new_name: next(),
            };
        }
        "sort" => return Command::Sort(next().unwrap_or_default()),
        "create" => return Command::Create,
        "help" => return Command::Help(next()),
        other => match (view_named(other), next()) {
            (Some(v), Some(arg)) => return Command::ViewOf(v, arg),
            (Some(v), None) => Command::View(v),
            (None, _) => Command::Nothing,
        },
    };
    match cmd {
        Command::Domain { op, .. } => Command::Domain { op, domain: next() },
        c => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dom(op: DomainOp, name: Option<&str>) -> Command {
        Command::Domain {
            op,
            domain: name.map(str::to_string),
        }
    }

    #[test]
    fn views_and_their_aliases_switch() {
        assert_eq!(parse(":vm"), Ok(Command::View(View::Domains)));
        assert_eq!(parse(":domains"), Ok(Command::View(View::Domains)));
        assert_eq!(parse("networks"), Ok(Command::View(View::Networks)));
        assert_eq!(parse(":pool"), Ok(Command::View(View::Pools)));
        assert_eq!(parse(":volumes"), Ok(Command::View(View::Volumes)));
        assert_eq!(parse(":jobs"), Ok(Command::View(View::Jobs)));
        assert_eq!(parse("  :host  "), Ok(Command::View(View::Hosts)));
        assert_eq!(parse(":host all"), Ok(Command::HostAll));
        assert_eq!(
            parse(":host add db1 qemu+ssh://root@db1/system?keyfile=/k"),
            Ok(Command::HostAdd {
                name: "db1".into(),
                uri: "qemu+ssh://root@db1/system?keyfile=/k".into()
            })
        );
        assert_eq!(
            parse(":host rm db1"),
            Ok(Command::HostRm { name: "db1".into() })
        );
        assert!(matches!(parse(":host add db1"), Err(ParseError::Host(_))));
        assert!(matches!(parse(":host nonsense"), Err(ParseError::Host(_))));
        assert_eq!(parse(":view net"), Ok(Command::View(View::Networks)));
    }

    #[test]
    fn clone_and_rename_name_the_domain_and_the_new_name() {
        assert_eq!(
            parse(":clone web-01 web-02"),
            Ok(Command::Clone {
                domain: "web-01".into(),
                new_name: Some("web-02".into())
            })
        );
        assert_eq!(
            parse(":clone web-01"),
            Ok(Command::Clone {
                domain: "web-01".into(),
                new_name: None
            })
        );
        assert_eq!(
            parse(":domrename 'old one' new"),
            Ok(Command::Rename {
                domain: "old one".into(),
                new_name: Some("new".into())
            })
        );
        assert!(matches!(
            parse(":rename"),
            Err(ParseError::Missing {
                command: "rename",
                ..
            })
        ));
        assert!(matches!(
            parse(":clone a b c"),
            Err(ParseError::TooMany { .. })
        ));
    }

    #[test]
    fn unknown_views_and_commands_say_so() {
        let e = parse(":xyz").expect_err("unknown");
        assert!(e.to_string().starts_with("unknown view :xyz"), "{e}");
        let e = parse(":view xyz").expect_err("unknown");
        assert!(e.to_string().starts_with("unknown view :xyz"), "{e}");
        let e = parse(":frobnicate web-01").expect_err("unknown");
        assert_eq!(e.to_string(), "unknown command :frobnicate (try :help)");
    }

    #[test]
    fn quit_and_blank() {
        assert_eq!(parse(":q"), Ok(Command::Quit));
        assert_eq!(parse(":quit"), Ok(Command::Quit));
        assert_eq!(parse(":"), Ok(Command::Nothing));
        assert_eq!(parse("   "), Ok(Command::Nothing));
    }

    #[test]
    fn domain_actions_take_an_optional_name() {
        assert_eq!(
            parse(":start web-01"),
            Ok(dom(DomainOp::Start, Some("web-01")))
        );
        assert_eq!(parse(":shutdown"), Ok(dom(DomainOp::Shutdown, None)));
        assert_eq!(parse(":reboot db"), Ok(dom(DomainOp::Reboot, Some("db"))));
        assert_eq!(parse(":force-off x"), Ok(dom(DomainOp::Destroy, Some("x"))));
        assert_eq!(parse(":destroy"), Ok(dom(DomainOp::Destroy, None)));
        assert_eq!(parse(":suspend a"), Ok(dom(DomainOp::Suspend, Some("a"))));
        assert_eq!(parse(":resume a"), Ok(dom(DomainOp::Resume, Some("a"))));
        assert_eq!(parse(":undefine a"), Ok(dom(DomainOp::Undefine, Some("a"))));
        assert_eq!(parse(":autostart"), Ok(dom(DomainOp::Autostart, None)));
        assert_eq!(
            parse(":console db-primary"),
            Ok(dom(DomainOp::Console, Some("db-primary")))
        );
        assert_eq!(
            parse(":edit web-01"),
            Ok(dom(DomainOp::Edit, Some("web-01")))
        );
        assert_eq!(parse(":sendkey a"), Ok(dom(DomainOp::SendKey, Some("a"))));
        assert_eq!(parse(":setmaxmem"), Ok(dom(DomainOp::SetMemory, None)));
        assert_eq!(parse(":setvcpus b"), Ok(dom(DomainOp::SetVcpus, Some("b"))));
    }

    #[test]
    fn snapshot_commands_name_domain_and_snapshot() {
        assert_eq!(
            parse(":snapshot web-01 before-upgrade"),
            Ok(Command::Snapshot {
                op: SnapshotOp::Create,
                domain: "web-01".into(),
                name: Some("before-upgrade".into())
            })
        );
        assert_eq!(
            parse(":snapshot web-01"),
            Ok(Command::Snapshot {
                op: SnapshotOp::Create,
                domain: "web-01".into(),
                name: None
            })
        );
        assert_eq!(
            parse(":revert web-01 before-upgrade"),
            Ok(Command::Snapshot {
                op: SnapshotOp::Revert,
                domain: "web-01".into(),
                name: Some("before-upgrade".into())
            })
        );
        let e = parse(":snapshot").expect_err("needs a domain");
        assert_eq!(e.to_string(), ":snapshot needs a domain name");
        let e = parse(":delete-snapshot web-01").expect_err("needs a snapshot");
        assert_eq!(e.to_string(), ":delete-snapshot needs a snapshot name");
        let e = parse(":sort").expect_err("needs a key");
        assert_eq!(e.to_string(), ":sort needs a sort key");
    }

    #[test]
    fn names_with_spaces_via_quotes_or_escapes() {
        assert_eq!(
            parse(":start \"my vm\""),
            Ok(dom(DomainOp::Start, Some("my vm")))
        );
        assert_eq!(
            parse(":start 'my vm'"),
            Ok(dom(DomainOp::Start, Some("my vm")))
        );
        assert_eq!(
            parse(r":start my\ vm"),
            Ok(dom(DomainOp::Start, Some("my vm")))
        );
        assert_eq!(
            parse(r#":revert "a \"b\"" 'c d'"#),
            Ok(Command::Snapshot {
                op: SnapshotOp::Revert,
                domain: "a \"b\"".into(),
                name: Some("c d".into())
            })
        );
        assert_eq!(parse(":start ''"), Ok(dom(DomainOp::Start, Some(""))));
        let e = parse(":start \"my vm").expect_err("open quote");
        assert_eq!(e.to_string(), "unterminated \" quote");
    }

    #[test]
    fn extra_arguments_are_refused_naming_the_first_extra() {
        let e = parse(":start a b").expect_err("too many");
        assert_eq!(
            e.to_string(),
            ":start takes at most 1 argument(s), got extra \"b\""
        );
    }

    #[test]
    fn filter_keeps_the_rest_of_the_line_verbatim() {
        assert_eq!(
            parse(":filter re:^web"),
            Ok(Command::Filter("re:^web".into()))
        );
        assert_eq!(
            parse(r":filter re:^web\d+ (a|b)  "),
            Ok(Command::Filter(r"re:^web\d+ (a|b)".into()))
        );
        assert_eq!(parse(":filter"), Ok(Command::Filter(String::new())));
        assert_eq!(parse(":filter \"x"), Ok(Command::Filter("\"x".into())));
    }

    #[test]
    fn sort_and_help() {
        assert_eq!(parse(":sort cpu"), Ok(Command::Sort("cpu".into())));
        assert_eq!(parse(":help"), Ok(Command::Help(None)));
        assert_eq!(
            parse(":help start"),
            Ok(Command::Help(Some("start".into())))
        );
    }

    #[test]
    fn random_lines_never_panic() {
        // Property-style: a cheap PRNG over an alphabet rich in quotes, escapes, spaces,
        // command prefixes and multibyte/control chars.
        let alphabet: Vec<char> = ":'\"\\ \tsnapshotrevertfilter-é€\u{1b}\u{0}q?vmre^"
            .chars()
            .collect();
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut oks = 0;
        for _ in 0..20_000 {
            let len = (next() % 24) as usize;
            let line: String = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            if parse(&line).is_ok() {
                oks += 1;
            }
            let _ = split_words(&line);
        }
        assert!(oks > 0, "some random lines parse");
    }
}
