//! Views tested without libvirt: the App is built on a detached command channel and fed
//! fake backend events; tests press keys and assert the Commands sent and the screen.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use virtdeck::app::App;
use virtdeck::backend::snapshots::{
    CreateSpec, Location, SnapshotCmd, SnapshotEvent, SnapshotInfo,
};
use virtdeck::backend::stats::DomainStats;
use virtdeck::backend::{
    BackendEvent, Command, CommandLog, CommandSender, DomainId, DomainInfo, DomainState, HostId,
    LifecycleOp,
};
use virtdeck::config::Config;
use virtdeck::config::keymap::Key;
use virtdeck::event::Event;

fn uuid(n: usize) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

fn info(n: usize, name: &str, state: i32) -> DomainInfo {
    DomainInfo {
        id: DomainId::new(HostId::FIRST, uuid(n)),
        name: name.into(),
        state: DomainState::from_raw(state, 1),
        dom_id: (state == 1).then_some(n as u32),
        vcpus: 2,
        memory_kib: 1024 * 1024,
        max_memory_kib: 2048 * 1024,
        cpu_time_ns: 0,
        autostart: n.is_multiple_of(2),
        persistent: true,
    }
}

fn fleet() -> Vec<DomainInfo> {
    vec![
        info(1, "db-primary", 1),
        info(2, "db-replica", 5),
        info(3, "web-01", 1),
        info(4, "web-02", 3),
    ]
}

struct Fake {
    app: App,
    log: CommandLog,
    term: Terminal<TestBackend>,
}

impl Fake {
    fn new(width: u16, height: u16) -> Fake {
        Fake::with(
            width,
            height,
            Config::builtin().expect("built-in config"),
            false,
        )
    }

    fn with(width: u16, height: u16, config: Config, readonly: bool) -> Fake {
        let (tx, log) = CommandSender::detached();
        let mut app = App::new(config, tx, readonly);
        app.drafts_dir = None;
        app.handle(Event::Backend(BackendEvent::Connected {
            host: HostId::FIRST,
            uri: "test:///fake".into(),
            hostname: "fakehost".into(),
            readonly,
        }));
        app.handle(Event::Backend(BackendEvent::DomainList(
            HostId::FIRST,
            fleet(),
        )));
        let term = Terminal::new(TestBackend::new(width, height)).expect("terminal");
        Fake { app, log, term }
    }

    /// Plain characters, or `<Spec>` for named keys, as in the keymap.
    fn press(&mut self, keys: &str) {
        let mut chars = keys.chars().peekable();
        while let Some(c) = chars.next() {
            let key = if c == '<' && chars.peek().is_some_and(|n| *n != '>') {
                let spec: String = chars.by_ref().take_while(|c| *c != '>').collect();
                Key::parse(&spec).expect("key spec")
            } else {
                Key::parse(&c.to_string()).expect("key")
            };
            let mut mods = KeyModifiers::NONE;
            if key.ctrl {
                mods |= KeyModifiers::CONTROL;
            }
            if key.shift {
                mods |= KeyModifiers::SHIFT;
            }
            if matches!(key.code, KeyCode::Char(c) if c.is_ascii_uppercase()) {
                mods |= KeyModifiers::SHIFT;
            }
            self.app.handle(Event::Key(KeyEvent::new(key.code, mods)));
        }
    }

    fn select(&mut self, name: &str) {
        self.press("g");
        for _ in 0..fleet().len() {
            if self.selected_name().as_deref() == Some(name) {
                return;
            }
            self.press("j");
        }
        panic!("{name} not in the list");
    }

    fn selected_name(&self) -> Option<String> {
        let id = self.app.domains.list.selected()?;
        self.app.store.get(id).map(|r| r.info.name.clone())
    }

    fn commands(&self) -> Vec<Command> {
        self.log.drain()
    }

    fn screen(&mut self) -> String {
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

    /// Answers the snapshot list request the Snapshots tab sent.
    fn answer_snapshot_list(&mut self, snaps: Vec<SnapshotInfo>) {
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

fn snap(name: &str, parent: Option<&str>, created: i64, current: bool) -> SnapshotInfo {
    SnapshotInfo {
        name: name.into(),
        parent: parent.map(str::to_string),
        created,
        state: "running".into(),
        description: String::new(),
        location: Location::Internal,
        memory: true,
        current,
        files: Vec::new(),
        xml: format!("<domainsnapshot><name>{name}</name></domainsnapshot>"),
    }
}

fn tree() -> Vec<SnapshotInfo> {
    vec![
        snap("base", None, 1_700_000_000, false),
        snap("before-upgrade", Some("base"), 1_700_000_600, false),
        snap("after-upgrade", Some("before-upgrade"), 1_700_001_200, true),
        snap("experiment", Some("base"), 1_700_002_000, false),
    ]
}

#[test]
fn t_sends_a_quick_snapshot_of_the_selected_domain() {
    let mut f = Fake::new(80, 24);
    f.select("web-01");
    f.commands();
    f.press("t");
    let sent = f.commands();
    assert_eq!(
        sent,
        vec![Command::Snapshot(SnapshotCmd::Create {
            req: match &sent[0] {
                Command::Snapshot(SnapshotCmd::Create { req, .. }) => *req,
                other => panic!("not a create: {other:?}"),
            },
            id: DomainId::new(HostId::FIRST, uuid(3)),
            domain: "web-01".into(),
            spec: CreateSpec::quick(),
        })]
    );
    assert_eq!(sent[0].host(), Some(HostId::FIRST));
}

#[test]
fn lifecycle_keys_send_their_op_and_dangerous_ones_ask_first() {
    let mut f = Fake::new(80, 24);
    f.select("db-replica");
    f.commands();
    f.press("s");
    let sent = f.commands();
    assert!(
        matches!(&sent[..], [Command::Lifecycle { op: LifecycleOp::Start, name, .. }] if name == "db-replica"),
        "{sent:?}"
    );
    // Force off asks; anything but y cancels and sends nothing.
    f.press("F");
    assert!(f.app.has_popup());
    f.press("n");
    assert!(f.commands().is_empty());
    assert!(!f.app.has_popup());
    f.press("Fy");
    assert!(
        matches!(
            &f.commands()[..],
            [Command::Lifecycle {
                op: LifecycleOp::Destroy,
                ..
            }]
        ),
        "y confirms force off"
    );
}

#[test]
fn undefine_needs_the_name_typed_and_j_k_q_are_text_in_the_prompt() {
    let mut f = Fake::new(80, 24);
    f.select("web-02");
    f.commands();
    f.press("U");
    // q, j and k would quit and move on the list; in the prompt they are letters.
    f.press("qjk<Enter>");
    assert!(!f.app.should_quit());
    assert!(f.commands().is_empty(), "a wrong name undefines nothing");
    f.press("Uweb-02<Enter>");
    assert!(
        matches!(
            &f.commands()[..],
            [Command::Lifecycle {
                op: LifecycleOp::Undefine,
                ..
            }]
        ),
        "the right name undefines"
    );
}

#[test]
fn a_read_only_connection_sends_no_changes() {
    let config = Config::builtin().expect("config");
    let mut f = Fake::with(80, 24, config, true);
    f.select("web-01");
    f.commands();
    f.press("stFU");
    assert!(f.commands().is_empty());
    assert!(!f.app.has_popup());
}

#[test]
fn a_remapped_key_works_only_in_its_scope() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("config.toml");
    // o starts a domain from the list; in the revert dialog o means nothing.
    std::fs::write(&path, "[keys.domains]\nstart = [\"o\"]\n").expect("write config");
    let config = Config::load(Some(&path), None, false).expect("config");
    let mut f = Fake::with(80, 24, config, false);
    f.select("db-replica");
    f.commands();
    f.press("s");
    assert!(f.commands().is_empty(), "s no longer starts");
    f.press("o");
    assert!(matches!(
        &f.commands()[..],
        [Command::Lifecycle {
            op: LifecycleOp::Start,
            ..
        }]
    ));
}

#[test]
fn revert_from_the_tree_sends_the_chosen_mode() {
    let mut f = Fake::new(80, 24);
    f.select("web-01");
    f.press("S");
    f.answer_snapshot_list(tree());
    // The tree starts on the current snapshot (after-upgrade) and has the keys: k moves
    // in it, not in the domain list.
    f.press("k");
    assert_eq!(f.selected_name().as_deref(), Some("web-01"));
    f.press("vr");
    let screen = f.screen();
    assert!(screen.contains("Revert?"), "{screen}");
    f.press("y");
    let sent = f.commands();
    assert!(
        matches!(
            &sent[..],
            [Command::Snapshot(SnapshotCmd::Revert { snapshot, after: virtdeck::backend::snapshots::AfterRevert::Running, .. })]
                if snapshot == "before-upgrade"
        ),
        "{sent:?}"
    );
}

#[test]
fn help_lists_the_focused_views_keys_first_then_the_global_ones() {
    let mut f = Fake::new(100, 45);
    f.select("web-01");
    f.press("S?");
    let screen = f.screen();
    let snaps = screen.find("[keys.snapshots]").expect("snapshot section");
    let global = screen.find("[keys.global]").expect("global section");
    assert!(snaps < global, "{screen}");
    // The footer of the focused tree starts with the tree's keys.
    f.press("<Esc>");
    let screen = f.screen();
    let footer = screen.lines().last().expect("footer");
    assert!(
        footer.trim_start().starts_with("S tree"),
        "footer: {footer}"
    );
    assert!(footer.contains("? help"), "footer: {footer}");
}

#[test]
fn bottom_on_a_thousand_rows_selects_the_last_and_draws_it() {
    // Speed is measured by benches/views.rs; here only the behaviour.
    let (tx, _log) = CommandSender::detached();
    let mut app = App::new(Config::builtin().expect("config"), tx, false);
    let rows: Vec<DomainInfo> = (0..1000)
        .map(|n| info(n, &format!("vm-{n:04}"), 1))
        .collect();
    app.handle(Event::Backend(BackendEvent::DomainList(
        HostId::FIRST,
        rows,
    )));
    let mut term = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
    let t = Instant::now();
    app.handle(Event::Key(KeyEvent::new(
        KeyCode::Char('G'),
        KeyModifiers::SHIFT,
    )));
    term.draw(|f| app.render(f)).expect("draw");
    assert!(t.elapsed() < Duration::from_secs(5));
    assert_eq!(
        app.domains
            .list
            .selected()
            .and_then(|id| app.store.get(id))
            .map(|r| r.info.name.as_str()),
        Some("vm-0999")
    );
}

/// Screens of every view on fake data, at the two sizes users have.
mod screens {
    use super::*;

    fn stats_tick(f: &mut Fake, secs: u64, at: Instant) {
        let mut s = DomainStats {
            id: DomainId::new(HostId::FIRST, uuid(3)),
            state: Some(1),
            cpu_time_ns: Some(secs * 400_000_000),
            vcpu_current: Some(2),
            ..DomainStats::default()
        };
        s.balloon = Some(virtdeck::backend::stats::BalloonStats {
            current: Some(1024 * 1024),
            maximum: Some(2048 * 1024),
            ..Default::default()
        });
        f.app.handle(Event::Backend(BackendEvent::Stats {
            host: HostId::FIRST,
            at: at + Duration::from_secs(secs),
            domains: vec![s],
        }));
    }

    fn check(name: &str, build: impl Fn(&mut Fake)) {
        for (w, h) in [(80, 24), (160, 45)] {
            let mut f = Fake::new(w, h);
            build(&mut f);
            let screen = f.screen();
            insta::with_settings!({
                filters => vec![(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", "[time]")],
                prepend_module_to_snapshot => false,
            }, {
                insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen);
            });
        }
    }

    #[test]
    fn domains() {
        check("domains", |f| f.select("web-01"));
    }

    #[test]
    fn domains_filtered() {
        check("domains_filtered", |f| f.press("/web"));
    }

    #[test]
    fn snapshots() {
        check("snapshots", |f| {
            f.select("web-01");
            f.press("S");
            f.answer_snapshot_list(tree());
            f.press("j");
        });
    }

    #[test]
    fn snapshot_create_dialog() {
        check("snapshot_create", |f| {
            f.select("web-01");
            f.press("S");
            f.answer_snapshot_list(tree());
            f.press("Tpre-upgrade");
        });
    }

    #[test]
    fn stats() {
        check("stats", |f| {
            f.select("web-01");
            f.press("<Tab>");
            let at = Instant::now();
            for s in 0..4 {
                stats_tick(f, s, at);
            }
        });
    }

    #[test]
    fn console_tab() {
        check("console_tab", |f| {
            f.select("web-01");
            f.press("<Tab><Tab><Tab><Tab>");
        });
    }

    #[test]
    fn help() {
        check("help", |f| f.press("?"));
    }

    #[test]
    fn confirm() {
        check("confirm_force_off", |f| {
            f.select("web-01");
            f.press("F");
        });
    }
}

#[test]
fn a_console_lost_with_the_connection_reattaches_when_it_comes_back() {
    use virtdeck::backend::console::{ConsoleCommand, ConsoleEvent};
    let mut f = Fake::new(80, 24);
    f.select("web-01");
    f.commands();
    f.press("c");
    let console = f
        .commands()
        .into_iter()
        .find_map(|c| match c {
            Command::Console(_, ConsoleCommand::Open { console, .. }) => Some(console),
            _ => None,
        })
        .expect("c opens the console");
    let host = HostId::FIRST;
    let ev = |e| Event::Backend(BackendEvent::Console(host, e));
    f.app.handle(ev(ConsoleEvent::Opened {
        console,
        device: "serial0".into(),
    }));
    // The worker closes the stream, then reports the lost connection; the reason text
    // is not what decides.
    f.app.handle(ev(ConsoleEvent::Closed {
        console,
        reason: "keepalive timeout".into(),
    }));
    f.app.handle(Event::Backend(BackendEvent::Disconnected {
        host,
        reason: "keepalive timeout".into(),
    }));
    f.app.handle(Event::Backend(BackendEvent::Connected {
        host,
        uri: "test:///fake".into(),
        hostname: "fakehost".into(),
        readonly: false,
    }));
    let reopened = f
        .commands()
        .into_iter()
        .any(|c| matches!(c, Command::Console(_, ConsoleCommand::Open { .. })));
    assert!(reopened, "the console re-attaches after the reconnect");
    assert!(
        f.app
            .status
            .as_ref()
            .is_some_and(|s| s.text == "reconnected"),
        "the status line says so"
    );
}

fn mouse(f: &mut Fake, kind: crossterm::event::MouseEventKind, column: u16, row: u16) {
    f.app.handle(Event::Mouse(crossterm::event::MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    }));
}

#[test]
fn with_mouse_on_a_click_selects_a_row_or_a_tab_and_the_wheel_scrolls() {
    use crossterm::event::{MouseButton, MouseEventKind};
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "mouse = true\n").expect("write config");
    let config = Config::load(Some(&path), None, false).expect("config");
    let mut f = Fake::with(80, 24, config, false);
    let screen = f.screen();
    let row = screen
        .lines()
        .position(|l| l.starts_with("web-01"))
        .expect("web-01 drawn") as u16;
    mouse(&mut f, MouseEventKind::Down(MouseButton::Left), 3, row);
    assert_eq!(f.selected_name().as_deref(), Some("web-01"));
    // The tab titles line of the lower pane.
    let tabs = screen
        .lines()
        .position(|l| l.contains("Overview │ Stats"))
        .expect("tab titles") as u16;
    let x = screen
        .lines()
        .nth(tabs as usize)
        .and_then(|l| l.find("Snapshots"))
        .expect("x") as u16;
    mouse(&mut f, MouseEventKind::Down(MouseButton::Left), x + 2, tabs);
    let screen = f.screen();
    assert!(screen.contains("reading snapshots"), "{screen}");
    mouse(&mut f, MouseEventKind::ScrollUp, 3, 4);
    assert_eq!(f.selected_name().as_deref(), Some("db-primary"));
}

#[test]
fn with_mouse_off_clicks_change_nothing() {
    use crossterm::event::{MouseButton, MouseEventKind};
    let mut f = Fake::new(80, 24);
    let screen = f.screen();
    let row = screen
        .lines()
        .position(|l| l.starts_with("web-02"))
        .expect("web-02 drawn") as u16;
    let before = f.selected_name();
    mouse(&mut f, MouseEventKind::Down(MouseButton::Left), 3, row);
    assert_eq!(f.selected_name(), before);
}

/// What a palette or command line does: a layer that picks an action from the table by
/// name and runs it on the main screen.
struct RunByName(&'static str);

impl virtdeck::ui::layer::Layer for RunByName {
    fn scopes(&self) -> &'static [virtdeck::action::Scope] {
        &[virtdeck::action::Scope::Input]
    }

    fn on_key(
        &mut self,
        _key: &KeyEvent,
        cx: &mut virtdeck::ui::layer::Ctx,
    ) -> virtdeck::ui::layer::Flow {
        if let Some(a) = virtdeck::action::Action::from_name(self.0) {
            cx.effects.push(virtdeck::ui::layer::Effect::Run(a));
        }
        virtdeck::ui::layer::Flow::Close
    }

    fn draw(
        &mut self,
        _f: &mut ratatui::Frame,
        _area: ratatui::layout::Rect,
        _cx: &virtdeck::ui::layer::DrawCtx,
    ) {
    }
}

#[test]
fn a_layer_on_top_gets_keys_first_and_can_run_any_action_by_its_table_name() {
    let mut f = Fake::new(80, 24);
    f.select("web-01");
    f.commands();
    f.app.layers.push(Box::new(RunByName("snapshot_quick")));
    // q would quit on the main screen; the layer on top takes it.
    f.press("q");
    assert!(!f.app.should_quit());
    assert!(!f.app.has_popup(), "the layer closed itself");
    assert!(
        matches!(
            &f.commands()[..],
            [Command::Snapshot(SnapshotCmd::Create { domain, .. })] if domain == "web-01"
        ),
        "the action ran on the selected domain"
    );
    // Every action has one row: name, scope, help text.
    for row in virtdeck::action::Action::TABLE {
        assert!(!row.description.is_empty(), "{}", row.name);
    }
}

#[test]
fn a_console_whose_domain_is_gone_stays_closed_across_a_reconnect() {
    use virtdeck::backend::console::{ConsoleCommand, ConsoleEvent};
    let mut f = Fake::new(80, 24);
    f.select("web-01");
    f.commands();
    f.press("c");
    let console = f
        .commands()
        .into_iter()
        .find_map(|c| match c {
            Command::Console(_, ConsoleCommand::Open { console, .. }) => Some(console),
            _ => None,
        })
        .expect("c opens the console");
    let host = HostId::FIRST;
    let ev = |e| Event::Backend(BackendEvent::Console(host, e));
    f.app.handle(ev(ConsoleEvent::Opened {
        console,
        device: "serial0".into(),
    }));
    let id = f.app.console_session().expect("session").domain.clone();
    f.app
        .handle(Event::Backend(BackendEvent::DomainRemoved(id)));
    assert!(
        f.commands()
            .iter()
            .any(|c| matches!(c, Command::Console(_, ConsoleCommand::Close { .. }))),
        "the stream of a vanished domain is closed"
    );
    f.app.handle(Event::Backend(BackendEvent::Disconnected {
        host,
        reason: "keepalive timeout".into(),
    }));
    f.app.handle(Event::Backend(BackendEvent::Connected {
        host,
        uri: "test:///fake".into(),
        hostname: "fakehost".into(),
        readonly: false,
    }));
    assert!(
        !f.commands()
            .iter()
            .any(|c| matches!(c, Command::Console(_, ConsoleCommand::Open { .. }))),
        "nothing to re-attach to"
    );
    assert_eq!(
        f.app.console_session().map(|s| s.link.clone()),
        Some(virtdeck::ui::console::session::Link::Gone)
    );
}
