//! Tab completion for the command line: command names, then each argument from its kind
//! (domains, snapshots, views, sort keys), common-prefix first, then cycling on repeated Tab.
//!
//! Wiring: the command-line layer keeps one [`Completer`], implements [`CompletionSource`]
//! over the App's current lists (domain names of the view, snapshots of a domain, the
//! view's sort keys) and on Tab replaces the line with what [`Completer::complete`] returns.

use super::line::LineEditor;
use super::parse::split_words;
use super::table::{self, ArgKind, COMMANDS};

/// Where completion candidates come from (the caller's live data).
pub trait CompletionSource {
    fn domains(&self) -> Vec<String>;
    fn snapshots(&self, domain: &str) -> Vec<String>;
    fn sort_keys(&self) -> Vec<String>;
}

/// The word being completed and what could replace it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidates {
    /// Byte offset in the line where the word starts (the rest of the line is replaced).
    pub start: usize,
    /// The word typed so far (unquoted).
    pub prefix: String,
    /// Matching candidates, sorted, unescaped.
    pub items: Vec<String>,
}

/// Candidates for the last word of `line` (the cursor is taken to be at the end).
pub fn candidates(line: &str, src: &dyn CompletionSource) -> Candidates {
    let trimmed = line.trim_start();
    let body = trimmed.strip_prefix(':').unwrap_or(trimmed);
    let offset = line.len() - body.len();
    let (mut words, open) = split_words(body);
    let fresh = open.is_none() && (words.is_empty() || body.ends_with(char::is_whitespace));
    let (start, prefix) = if fresh {
        (line.len(), String::new())
    } else {
        match words.pop() {
            Some(w) => (offset + w.start, w.text),
            None => (line.len(), String::new()),
        }
    };
    let index = words.len();
    let all: Vec<String> = if index == 0 {
        let names: Vec<String> = COMMANDS.iter().map(|c| c.name.to_string()).collect();
        if names.iter().any(|n| n.starts_with(&prefix)) {
            names
        } else {
            COMMANDS
                .iter()
                .flat_map(|c| c.aliases.iter().map(|a| a.to_string()))
                .collect()
        }
    } else {
        let spec = table::lookup(&words[0].text);
        match spec.and_then(|s| s.args.get(index - 1)).map(|a| a.kind) {
            Some(ArgKind::Domain) => src.domains(),
            Some(ArgKind::Snapshot) => src.snapshots(&words[index - 1].text),
            Some(ArgKind::View) => table::view_names().map(str::to_string).collect(),
            Some(ArgKind::SortKey) => src.sort_keys(),
            Some(ArgKind::Command) => COMMANDS.iter().map(|c| c.name.to_string()).collect(),
            Some(ArgKind::All) => vec!["all".to_string()],
            Some(ArgKind::Text | ArgKind::Pool | ArgKind::Word) | None => Vec::new(),
        }
    };
    let mut items: Vec<String> = all.into_iter().filter(|c| c.starts_with(&prefix)).collect();
    items.sort();
    items.dedup();
    Candidates {
        start,
        prefix,
        items,
    }
}

/// Backslash-escapes what the tokenizer would split or eat, so names with spaces survive.
pub fn escape_word(word: &str) -> String {
    let mut s = String::with_capacity(word.len());
    for c in word.chars() {
        if c.is_whitespace() || matches!(c, '\'' | '"' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s
}

fn common_prefix(items: &[String]) -> String {
    let Some(first) = items.first() else {
        return String::new();
    };
    let mut end = first.len();
    for it in &items[1..] {
        end = first
            .char_indices()
            .zip(it.chars())
            .find(|((_, a), b)| a != b)
            .map_or(end.min(it.len()), |((i, _), _)| i.min(end));
    }
    first[..end].to_string()
}

#[derive(Debug, Clone)]
struct Cycle {
    produced: String,
    base: String,
    items: Vec<String>,
    index: usize,
}

/// Remembers the last completion so a repeated Tab moves to the next candidate.
#[derive(Debug, Clone, Default)]
pub struct Completer {
    cycle: Option<Cycle>,
}

impl Completer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Forgets the cycle (call on Esc; editing the line also ends it by itself).
    pub fn reset(&mut self) {
        self.cycle = None;
    }

    /// The line after one Tab, or `None` when nothing completes.
    pub fn complete(&mut self, line: &str, src: &dyn CompletionSource) -> Option<String> {
        if let Some(c) = self.cycle.as_mut()
            && c.produced == line
        {
            c.index = (c.index + 1) % c.items.len();
            c.produced = format!("{}{}", c.base, escape_word(&c.items[c.index]));
            return Some(c.produced.clone());
        }
        self.cycle = None;
        let cands = candidates(line, src);
        let base = line.get(..cands.start).unwrap_or(line).to_string();
        match cands.items.len() {
            0 => None,
            1 => Some(format!("{base}{} ", escape_word(&cands.items[0]))),
            _ => {
                let common = common_prefix(&cands.items);
                if common.len() > cands.prefix.len() {
                    return Some(format!("{base}{}", escape_word(&common)));
                }
                let produced = format!("{base}{}", escape_word(&cands.items[0]));
                self.cycle = Some(Cycle {
                    produced: produced.clone(),
                    base,
                    items: cands.items,
                    index: 0,
                });
                Some(produced)
            }
        }
    }
}

/// Tab on a [`LineEditor`]: completes the text before the cursor, keeps the text after
/// it, and leaves the cursor right after the completion. Returns whether anything changed.
pub fn tab(completer: &mut Completer, editor: &mut LineEditor, src: &dyn CompletionSource) -> bool {
    let (head, tail) = editor.split_at_cursor();
    match completer.complete(&head, src) {
        Some(new_head) => {
            editor.set_text_cursor(&format!("{new_head}{tail}"), new_head.chars().count());
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmdline::parse::{Command, DomainOp, parse};

    struct Host;
    impl CompletionSource for Host {
        fn domains(&self) -> Vec<String> {
            ["web-01", "web-02", "db-primary", "my vm"]
                .map(String::from)
                .to_vec()
        }
        fn snapshots(&self, domain: &str) -> Vec<String> {
            match domain {
                "web-01" => vec!["before-upgrade".into(), "before-reboot".into()],
                _ => vec![],
            }
        }
        fn sort_keys(&self) -> Vec<String> {
            ["name", "cpu", "memory", "state"]
                .map(String::from)
                .to_vec()
        }
    }

    #[test]
    fn command_names_complete_uniquely_with_a_space() {
        let mut c = Completer::new();
        assert_eq!(c.complete(":shu", &Host).as_deref(), Some(":shutdown "));
        assert_eq!(
            c.complete(":del", &Host).as_deref(),
            Some(":delete-snapshot ")
        );
        assert_eq!(c.complete(":zzz", &Host), None);
    }

    #[test]
    fn aliases_complete_when_no_name_fits() {
        let mut c = Completer::new();
        assert_eq!(c.complete(":force", &Host).as_deref(), Some(":force-off "));
    }

    #[test]
    fn common_prefix_first_then_cycling() {
        let mut c = Completer::new();
        let l = c.complete(":start w", &Host).expect("prefix");
        assert_eq!(l, ":start web-0");
        let l1 = c.complete(&l, &Host).expect("cycle");
        assert_eq!(l1, ":start web-01");
        let l2 = c.complete(&l1, &Host).expect("cycle");
        assert_eq!(l2, ":start web-02");
        let l3 = c.complete(&l2, &Host).expect("wraps");
        assert_eq!(l3, ":start web-01");
    }

    #[test]
    fn editing_the_line_ends_the_cycle() {
        let mut c = Completer::new();
        let l = c.complete(":start web-0", &Host).expect("cycle");
        assert_eq!(l, ":start web-01");
        // The user typed something else: a fresh completion, not the next candidate.
        assert_eq!(
            c.complete(":start d", &Host).as_deref(),
            Some(":start db-primary ")
        );
    }

    #[test]
    fn names_with_spaces_are_escaped_and_parse_back() {
        let mut c = Completer::new();
        let l = c.complete(":start my", &Host).expect("one");
        assert_eq!(l, r":start my\ vm ");
        assert_eq!(
            parse(&l),
            Ok(Command::Domain {
                op: DomainOp::Start,
                domain: Some("my vm".into())
            })
        );
        // Inside an open quote too.
        let l = c.complete(":start \"my", &Host).expect("one");
        assert_eq!(l, r":start my\ vm ");
    }

    #[test]
    fn each_argument_kind_draws_from_its_own_list() {
        let c = candidates(":revert web-01 before-", &Host);
        assert_eq!(c.items, ["before-reboot", "before-upgrade"]);
        assert_eq!(candidates(":sort m", &Host).items, ["memory"]);
        assert_eq!(candidates(":view ", &Host).items.len(), 7);
        assert_eq!(candidates(":help sn", &Host).items, ["snapshot"]);
        assert!(candidates(":filter we", &Host).items.is_empty());
        assert!(
            candidates(":start web-01 ", &Host).items.is_empty(),
            "no 2nd arg"
        );
        let all = candidates(":", &Host);
        assert_eq!(all.items.len(), COMMANDS.len());
    }

    #[test]
    fn snapshots_of_the_domain_typed_before() {
        let mut c = Completer::new();
        assert_eq!(
            c.complete(":revert web-01 before-u", &Host).as_deref(),
            Some(":revert web-01 before-upgrade ")
        );
        assert_eq!(c.complete(":revert db-primary b", &Host), None);
    }

    #[test]
    fn tab_on_the_editor_completes_before_the_cursor_and_keeps_the_rest() {
        use crate::cmdline::line::EditKey;
        let mut c = Completer::new();
        let mut e = LineEditor::with_text(":revert web-01 before-upgrade");
        e.apply(EditKey::WordLeft);
        e.apply(EditKey::WordLeft);
        for _ in 0..4 {
            e.apply(EditKey::Right);
        }
        assert!(tab(&mut c, &mut e, &Host), "web- -> web-0");
        assert_eq!(e.text(), ":revert web-001 before-upgrade");
        assert_eq!(e.cursor(), ":revert web-0".len());
        let mut e = LineEditor::with_text(":zz");
        assert!(!tab(&mut c, &mut e, &Host));
        assert_eq!(e.text(), ":zz");
    }

    #[test]
    fn random_lines_never_panic_the_completer() {
        let alphabet: Vec<char> = ":'\" \\tswrdbm-é€\u{1b}".chars().collect();
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut c = Completer::new();
        for _ in 0..5_000 {
            let len = (next() % 16) as usize;
            let line: String = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            let mut l = line;
            // Repeated Tabs, as a user would press them.
            for _ in 0..3 {
                match c.complete(&l, &Host) {
                    Some(n) => l = n,
                    None => break,
                }
            }
        }
    }

    #[test]
    fn common_prefix_is_char_safe() {
        let items = vec!["vé1".to_string(), "vé2".to_string(), "vêx".to_string()];
        assert_eq!(common_prefix(&items), "v");
        assert_eq!(common_prefix(&items[..2]), "vé");
    }
}
