//! The XML editor: a domain's, network's or storage pool's definition in a text buffer
//! with colouring, live well-formedness, schema completion, a diff before define, and drafts.

pub mod buffer;
mod completion;
pub mod highlight;
mod keys;
mod load;
mod popup_keys;
pub mod view;

pub use completion::Completion;
pub use keys::HELP_SCOPES;

use std::sync::Arc;

use buffer::Buffer;

use crate::backend::network::NetworkId;
use crate::backend::{DomainId, HostId, RequestId};
use crate::xml::schema::{ObjectKind, SchemaIndex};
use crate::xml::validate::{Issue, unknown_names};
use crate::xml::wellformed::{XmlError, check};

/// The smallest definition libvirt accepts for a new domain, to start from.
pub const TEMPLATE: &str = "<domain type='kvm'>
  <name>new-domain</name>
  <memory unit='MiB'>512</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64'>hvm</type>
    <boot dev='hd'/>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <devices>
  </devices>
</domain>
";

/// The schema, or why there is none (shared by every editor).
pub type Schema = Arc<Result<SchemaIndex, String>>;

/// The smallest network libvirt accepts, isolated (no `<forward>`: nothing leaves the
/// host), to start from; libvirt picks the bridge name when `<bridge>` has none.
pub const NETWORK_TEMPLATE: &str = "<network>
  <name>new-network</name>
  <bridge stp='on' delay='0'/>
  <ip address='10.250.0.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='10.250.0.100' end='10.250.0.200'/>
    </dhcp>
  </ip>
</network>
";

/// A directory pool, the simplest kind, to start from.
pub const POOL_TEMPLATE: &str = "<pool type='dir'>
  <name>new-pool</name>
  <target>
    <path>/var/lib/libvirt/images/new-pool</path>
  </target>
</pool>
";

/// What the editor holds: an existing object (by its key) or a new one of a kind.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    Domain {
        id: DomainId,
        name: String,
    },
    /// A new domain (from the template or a file).
    New,
    Network {
        id: NetworkId,
        name: String,
    },
    /// A new network on `host`.
    NewNetwork {
        host: HostId,
    },
    /// A storage pool; the UUID tells a pool re-created under the same name apart.
    Pool {
        host: HostId,
        uuid: String,
        name: String,
    },
    /// A new storage pool on `host`.
    NewPool {
        host: HostId,
    },
}

impl Target {
    /// The draft key: the UUID (prefixed by the kind but for domains), or "new…".
    pub fn key(&self) -> String {
        match self {
            Target::Domain { id, .. } => id.uuid.clone(),
            Target::New => "new".into(),
            Target::Network { id, .. } => format!("net-{}", id.uuid),
            Target::NewNetwork { .. } => "new-net".into(),
            Target::Pool { uuid, .. } => format!("pool-{uuid}"),
            Target::NewPool { .. } => "new-pool".into(),
        }
    }

    pub fn label(&self) -> String {
        match self {
            Target::Domain { name, .. } => name.clone(),
            Target::New => "new domain".into(),
            Target::Network { name, .. } => format!("network {name}"),
            Target::NewNetwork { .. } => "new network".into(),
            Target::Pool { name, .. } => format!("pool {name}"),
            Target::NewPool { .. } => "new pool".into(),
        }
    }

    /// Which schema the buffer is checked against.
    pub fn kind(&self) -> ObjectKind {
        match self {
            Target::Domain { .. } | Target::New => ObjectKind::Domain,
            Target::Network { .. } | Target::NewNetwork { .. } => ObjectKind::Network,
            Target::Pool { .. } | Target::NewPool { .. } => ObjectKind::Pool,
        }
    }

    /// Not defined yet: nothing to fetch, diff or compare against.
    pub fn is_new(&self) -> bool {
        matches!(
            self,
            Target::New | Target::NewNetwork { .. } | Target::NewPool { .. }
        )
    }

    /// The text a new object of this kind starts from.
    pub fn template(&self) -> &'static str {
        match self.kind() {
            ObjectKind::Domain => TEMPLATE,
            ObjectKind::Network => NETWORK_TEMPLATE,
            ObjectKind::Pool => POOL_TEMPLATE,
        }
    }
}

/// A prompt line at the bottom.
#[derive(Clone, Debug, PartialEq)]
pub enum PromptKind {
    Search,
    OpenFile,
}

/// What covers the buffer and takes the keys.
#[derive(Clone, Debug, PartialEq)]
pub enum Popup {
    Completion(Completion),
    /// Diff shown before define, with schema warnings first.
    Diff {
        lines: Vec<String>,
        scroll: usize,
    },
    /// A saved draft found on open.
    DraftOffer {
        text: String,
        age: String,
    },
    Prompt {
        kind: PromptKind,
        input: String,
    },
    Help {
        scroll: usize,
    },
    /// Esc on a buffer with unapplied changes: keep them as a draft, discard, or apply?
    CloseConfirm,
    /// F2: the names libvirt's schema does not know here, each with all it allows.
    Issues {
        scroll: usize,
    },
}

/// A request from the editor to the App.
#[derive(Clone, Debug, PartialEq)]
pub enum Out {
    None,
    Close,
    /// Re-read the XML with these settings.
    Fetch {
        live: bool,
        secure: bool,
    },
    Define(String),
    /// Suspend the TUI and edit the buffer in $EDITOR.
    ExternalEdit,
    /// Delete the saved draft (the user chose the current definition).
    DiscardDraft,
    /// Read this file off the UI thread; the result comes back through `file_read`.
    LoadFile(std::path::PathBuf),
    /// Open the palette over the editor's actions.
    Palette,
}

/// A file being read for Ctrl-O.
#[derive(Debug)]
pub struct FileRead {
    pub req: u64,
    pub path: std::path::PathBuf,
    /// Set on Esc: the reading thread stops at its next chunk.
    pub cancel: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

/// Documents up to this size are checked against the schema on every change (about 1 ms
/// for a typical domain); larger ones when typing pauses (the UI tick), see `idle`.
const MAX_LIVE_SCHEMA_CHECK: usize = 64 << 10;
/// Beyond this, only Ctrl-S checks names against the schema.
const MAX_SCHEMA_CHECK: usize = 4 << 20;

pub struct XmlEditor {
    pub target: Target,
    pub buf: Buffer,
    /// The definition the buffer started from (diff base, "modified" test).
    pub base: String,
    pub live: bool,
    pub secure: bool,
    pub loading: Option<RequestId>,
    /// Whether the fetch in `loading` asked for the live XML (network and pool replies do
    /// not say).
    pub loading_live: bool,
    pub applying: Option<RequestId>,
    /// The well-formedness error for the current text.
    pub error: Option<XmlError>,
    /// libvirt's refusal of the last define, shown inline.
    pub libvirt_error: Option<String>,
    /// An informational line (applied, takes effect after reboot, …).
    pub notice: Option<String>,
    /// Another client undefined or renamed the domain being edited (set by the App from
    /// lifecycle events); shown in the header, and Ctrl-S asks before defining it anew.
    pub gone: Option<String>,
    pub popup: Option<Popup>,
    /// The Ctrl-O read in progress.
    pub reading: Option<FileRead>,
    /// Names libvirt's schema does not know, found as the text is typed (F2 lists them).
    pub issues: Vec<Issue>,
    /// The buffer version `issues` was computed for.
    issues_version: u64,
    pub schema: Schema,
    /// First line and first column shown.
    pub scroll: (usize, usize),
    /// Body size at the last draw, for paging and scrolling.
    pub view_size: (usize, usize),
    pub clipboard: String,
    pub last_search: String,
    /// Whether the last change came from $EDITOR (define failures then offer it again).
    pub external: bool,
    checked_version: u64,
    /// Lexer states at line starts, valid for the lines computed so far; only the
    /// lines from the first edit down to the visible ones are re-lexed after a change.
    states: Vec<highlight::State>,
    /// Whether the text differs from `base`, for the buffer version in `.0`.
    modified: std::cell::Cell<(u64, bool)>,
    /// The user's keymap for `[keys.editor]` (`None`: the built-in one).
    pub keymap: Option<crate::config::Keymap>,
}

impl XmlEditor {
    pub fn new(target: Target, text: &str, schema: Schema) -> XmlEditor {
        let mut e = XmlEditor {
            target,
            buf: Buffer::new(text),
            base: text.to_string(),
            live: false,
            secure: false,
            loading: None,
            loading_live: false,
            applying: None,
            error: None,
            libvirt_error: None,
            gone: None,
            notice: None,
            reading: None,
            issues: Vec::new(),
            issues_version: u64::MAX,
            popup: None,
            schema,
            scroll: (0, 0),
            view_size: (60, 20),
            clipboard: String::new(),
            last_search: String::new(),
            external: false,
            checked_version: u64::MAX,
            states: Vec::new(),
            modified: std::cell::Cell::new((u64::MAX, false)),
            keymap: None,
        };
        e.recheck();
        e
    }

    /// Replaces the buffer and the base with a freshly loaded definition.
    pub fn load(&mut self, text: &str) {
        self.buf = Buffer::new(text);
        self.base = text.to_string();
        self.scroll = (0, 0);
        self.checked_version = u64::MAX;
        self.states.clear();
        self.modified.set((u64::MAX, false));
        self.recheck();
    }

    pub fn modified(&self) -> bool {
        let (version, modified) = self.modified.get();
        if version == self.buf.version {
            return modified;
        }
        let modified = !self.buf.text_eq(&self.base);
        self.modified.set((self.buf.version, modified));
        modified
    }

    /// Re-checks well-formedness after a change (cheap: one pass over the text).
    pub fn recheck(&mut self) {
        if self.checked_version != self.buf.version {
            self.checked_version = self.buf.version;
            let text = self.buf.text();
            self.error = check(&text).err();
            if text.len() <= MAX_LIVE_SCHEMA_CHECK {
                self.check_names(&text);
            }
        }
    }

    /// The UI tick: checks names against the schema if a change has not been yet (large
    /// documents); returns whether anything changed on screen.
    pub fn idle(&mut self) -> bool {
        if self.issues_version == self.buf.version {
            return false;
        }
        let text = self.buf.text();
        if text.len() > MAX_SCHEMA_CHECK {
            return false;
        }
        self.check_names(&text);
        true
    }

    fn check_names(&mut self, text: &str) {
        self.issues_version = self.buf.version;
        self.issues = match self.schema.as_ref() {
            Ok(s) if self.error.is_none() => unknown_names(s, text, 200),
            _ => Vec::new(),
        };
    }

    /// Lexer states at the start of lines `0..upto` (fewer at the end of the text).
    /// A line's state depends only on the lines above it, so the states above the first
    /// changed line are kept and the rest are lexed only as far as asked.
    pub fn line_states(&mut self, upto: usize) -> &[highlight::State] {
        let changed = self.buf.take_first_changed();
        let lines = self.buf.lines();
        // The state at the start of the changed line itself is still right.
        self.states
            .truncate(changed.saturating_add(1).min(lines.len()));
        let upto = upto.min(lines.len());
        let mut st = self.states.last().copied().unwrap_or_default();
        if self.states.is_empty() && upto > 0 {
            self.states.push(st);
        }
        while self.states.len() < upto {
            st = highlight::line(&lines[self.states.len() - 1], st).1;
            self.states.push(st);
        }
        &self.states[..upto.min(self.states.len())]
    }

    /// Unknown elements and attributes according to libvirt's schema.
    pub fn schema_issues(&self) -> Vec<Issue> {
        match self.schema.as_ref() {
            Ok(s) => unknown_names(s, &self.buf.text(), 20),
            Err(_) => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn editor(text: &str) -> XmlEditor {
        XmlEditor::new(Target::New, text, Arc::new(Err("no schema".into())))
    }

    /// The cached states for the first `upto` lines, checked against lexing everything.
    fn states(ed: &mut XmlEditor, upto: usize) -> Vec<highlight::State> {
        let all = highlight::line_states(ed.buf.lines());
        let got = ed.line_states(upto).to_vec();
        assert_eq!(got, all[..upto.min(all.len())]);
        got
    }

    #[test]
    fn colouring_follows_edits_that_change_later_lines() {
        let text: String = (0..40).map(|i| format!("<a n='{i}'>x</a>\n")).collect();
        let mut ed = editor(&format!("<r>\n{text}</r>"));
        states(&mut ed, 30);
        // Opening a comment on line 5 turns every later line into comment.
        ed.buf.move_to((5, 0), false);
        ed.buf.insert("<!--");
        states(&mut ed, 3);
        states(&mut ed, 42);
        assert_eq!(states(&mut ed, 42)[20], highlight::State::Comment);
        // An unclosed value on line 2 changes lines above the cached comment ones.
        ed.buf.move_to((2, 6), false);
        ed.buf.insert("'\n");
        states(&mut ed, 43);
        assert!(ed.buf.undo() && ed.buf.undo());
        states(&mut ed, 42);
        assert_eq!(states(&mut ed, 42)[20], highlight::State::Text);
        ed.load("<!--\n<r/>\n");
        states(&mut ed, 10);
    }

    #[test]
    fn modified_tracks_the_text_not_the_history() {
        let mut ed = editor("<r>\n</r>");
        assert!(!ed.modified());
        ed.buf.move_to((0, 3), false);
        ed.buf.insert("x");
        assert!(ed.modified());
        ed.buf.delete(true);
        assert!(!ed.modified());
        ed.buf.insert("\n");
        assert!(ed.modified());
    }
}
