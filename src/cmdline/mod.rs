//! The `:` command line (k9s/vim style): a command table, a parser, Tab completion,
//! history and a small line editor. No UI or App types: the command-line layer owns a
//! [`LineEditor`], a [`Completer`] and a [`History`], and turns [`Command`]s into actions.

pub mod complete;
pub mod history;
pub mod line;
pub mod parse;
pub mod table;

pub use complete::{Candidates, Completer, CompletionSource, tab};
pub use history::History;
pub use line::{EditKey, LineEditor};
pub use parse::{Command, DomainOp, ParseError, SnapshotOp, View, parse};
