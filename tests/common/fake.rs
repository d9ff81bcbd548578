//! The App without libvirt, for view tests: detached command channels read back as
//! Commands, fake backend events, keys pressed by keymap spec, the screen read as text.
//!
//! A test file includes it with `#[path = "common/fake.rs"] mod fake;` and adds its own
//! `impl Fake` block for its constructors and view-specific helpers.
#![allow(dead_code)]

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use virtdeck::app::App;
use virtdeck::backend::devices::DeviceEvent;
use virtdeck::backend::snapshots::{SnapshotCmd, SnapshotEvent, SnapshotInfo};
use virtdeck::backend::{BackendEvent, Command, CommandLog, CommandSender, DomainInfo, HostId};
use virtdeck::config::Config;
use virtdeck::config::keymap::Key;
use virtdeck::event::Event;

pub struct Fake {
    pub app: App,
    /// What the App sent to the first host's worker.
    pub log: CommandLog,
    /// What it sent to the other hosts' workers, in host order.
    pub other_logs: Vec<CommandLog>,
    pub term: Terminal<TestBackend>,
}

impl Fake {
    /// An App on a detached channel, connected to `test:///fake` on `fakehost` and
    /// listing `domains`, drawn `width`x`height`.
    pub fn connected(
        width: u16,
        height: u16,
        config: Config,
        readonly: bool,
        domains: Vec<DomainInfo>,
    ) -> Fake {
        let (tx, log) = CommandSender::detached();
        let mut f = Fake::from_app(App::new(config, tx, readonly), log, width, height);
        f.app.handle(Event::Backend(BackendEvent::Connected {
            host: HostId::FIRST,
            uri: "test:///fake".into(),
            hostname: "fakehost".into(),
            readonly,
        }));
        f.app.handle(Event::Backend(BackendEvent::DomainList(
            HostId::FIRST,
            domains,
        )));
        f
    }

    /// An App set up by the caller (`log`: its first host's commands); drafts are not
    /// written anywhere.
    pub fn from_app(mut app: App, log: CommandLog, width: u16, height: u16) -> Fake {
        app.drafts_dir = None;
        let term = Terminal::new(TestBackend::new(width, height)).expect("terminal");
        Fake {
            app,
            log,
            other_logs: Vec::new(),
            term,
        }
    }

    /// Every host's command log, the first host's first.
    pub fn logs(&self) -> Vec<&CommandLog> {
        std::iter::once(&self.log)
            .chain(self.other_logs.iter())
            .collect()
    }

    /// Plain characters, or `<Spec>` for named keys, as in the keymap (`< ` is a `<`).
    pub fn press(&mut self, keys: &str) {
        let mut chars = keys.chars().peekable();
        while let Some(c) = chars.next() {
            let key = if c == '<' && chars.peek().is_some_and(|n| *n != '>' && *n != ' ') {
                let spec: String = chars.by_ref().take_while(|c| *c != '>').collect();
                Key::parse(&spec).expect("key spec")
            } else {
                Key::parse(&c.to_string()).expect("key")
            };
            let mut mods = KeyModifiers::NONE;
            if key.ctrl {
                mods |= KeyModifiers::CONTROL;
            }
            if key.alt {
                mods |= KeyModifiers::ALT;
            }
            if key.shift || matches!(key.code, KeyCode::Char(c) if c.is_ascii_uppercase()) {
                mods |= KeyModifiers::SHIFT;
            }
            self.app.handle(Event::Key(KeyEvent::new(key.code, mods)));
        }
    }

    /// One key without modifiers (Shift for a capital letter).
    pub fn key(&mut self, code: KeyCode) {
        let mods = match code {
            KeyCode::Char(c) if c.is_ascii_uppercase() => KeyModifiers::SHIFT,
            _ => KeyModifiers::NONE,
        };
        self.app.handle(Event::Key(KeyEvent::new(code, mods)));
    }

    /// The commands sent to the first host since the last call.
    pub fn commands(&self) -> Vec<Command> {
        self.log.drain()
    }

    /// A backend event, as if a worker had sent it.
    pub fn backend(&mut self, ev: BackendEvent) {
        self.app.handle(Event::Backend(ev));
    }

    /// A device event from the first host's worker.
    pub fn device(&mut self, ev: DeviceEvent) {
        self.backend(BackendEvent::Device(HostId::FIRST, Box::new(ev)));
    }

    /// The status message the App holds (empty when none).
    pub fn status(&self) -> String {
        self.app
            .status
            .as_ref()
            .map(|s| s.text.clone())
            .unwrap_or_default()
    }

    /// Draws a frame and returns it as text, trailing blanks trimmed.
    pub fn screen(&mut self) -> String {
        self.term
            .draw(|f| self.app.render(f))
            .expect("draw into the test backend");
        let buf = self.term.backend().buffer();
        let mut out = String::new();
        for y in 0..buf.area.height {
            let line: String = (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect();
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    /// The status bar as drawn: the screen's last line but one.
    pub fn status_line(&mut self) -> String {
        let s = self.screen();
        s.lines().rev().nth(1).unwrap_or_default().to_string()
    }

    /// Moves the list's selection to `name` (of the first host).
    pub fn select(&mut self, name: &str) {
        self.press("g");
        for _ in 0..=self.app.store.len() {
            if self.selected_name().as_deref() == Some(name) {
                return;
            }
            self.press("j");
        }
        panic!("{name} not in the list");
    }

    pub fn selected_name(&self) -> Option<String> {
        let id = self.app.domains.list.selected()?;
        self.app.store.get(id).map(|r| r.info.name.clone())
    }

    /// Answers the snapshot list request the Snapshots tab sent.
    pub fn answer_snapshot_list(&mut self, snaps: Vec<SnapshotInfo>) {
        let list = self.commands().into_iter().find_map(|c| match c {
            Command::Snapshot(SnapshotCmd::List { req, id }) => Some((req, id)),
            _ => None,
        });
        let (req, id) = list.expect("the Snapshots tab asked for the list");
        self.app.handle(Event::Backend(BackendEvent::Snapshot(
            SnapshotEvent::List {
                req,
                id,
                result: Ok(snaps),
            },
        )));
    }
}
