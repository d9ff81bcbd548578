//! The command line, the palette, marks and bulk actions, and `y`, tested through the App
//! on a detached command channel: keys are pressed, the Commands sent and the screen read.

use std::sync::{Arc, Mutex};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use virtdeck::backend::snapshots::{Location, SnapshotCmd, SnapshotInfo};
use virtdeck::backend::{
    BackendEvent, BulkOp, Command, DomainId, DomainInfo, DomainState, HostId, LifecycleOp,
};
use virtdeck::bulk::{Outcome, Report};
use virtdeck::config::Config;
use virtdeck::event::Event;

fn uuid(n: usize) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

fn id(n: usize) -> DomainId {
    DomainId::new(HostId::FIRST, uuid(n))
}

fn info(n: usize, name: &str, state: i32) -> DomainInfo {
    DomainInfo {
        id: id(n),
        name: name.into(),
        state: DomainState::from_raw(state, 1),
        dom_id: (state == 1).then_some(n as u32),
        vcpus: 2,
        memory_kib: 1024 * 1024,
        max_memory_kib: 2048 * 1024,
        cpu_time_ns: 0,
        autostart: false,
        persistent: true,
        managed_save: false,
    }
}

fn fleet() -> Vec<DomainInfo> {
    vec![
        info(1, "db-primary", 1),
        info(2, "db-replica", 5),
        info(3, "web-01", 1),
        info(4, "web-02", 5),
    ]
}

/// A `Write` tests can read back (the App's clipboard output).
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[path = "common/fake.rs"]
mod fake;
use fake::Fake;

impl Fake {
    fn new(width: u16, height: u16) -> Fake {
        Fake::with(width, height, false, None)
    }

    fn with(width: u16, height: u16, readonly: bool, history: Option<std::path::PathBuf>) -> Fake {
        let config = Config::builtin().expect("built-in config");
        let mut f = Fake::connected(width, height, config, readonly, fleet());
        f.app.history_path = history;
        f
    }

    fn status(&self) -> String {
        self.app
            .status
            .as_ref()
            .map(|s| s.text.clone())
            .unwrap_or_default()
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
        snap("before-upgrade", Some("base"), 1_700_000_600, true),
    ]
}

fn lifecycle(cmds: &[Command]) -> Vec<(DomainId, LifecycleOp)> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::Lifecycle { id, op, .. } => Some((id.clone(), *op)),
            _ => None,
        })
        .collect()
}

#[test]
fn colon_start_web_01_sends_a_start_of_web_01() {
    let mut f = Fake::new(80, 24);
    f.select("db-primary");
    f.commands();
    f.press(":start web-01<Enter>");
    assert_eq!(
        lifecycle(&f.commands()),
        vec![(id(3), LifecycleOp::Start)],
        "web-01, not the selected db-primary"
    );
}

#[test]
fn colon_snapshot_without_a_domain_says_what_is_missing() {
    let mut f = Fake::new(80, 24);
    f.commands();
    f.press(":snapshot<Enter>");
    assert_eq!(f.status(), ":snapshot needs a domain name");
    assert!(f.commands().is_empty());
}

#[test]
fn unknown_domains_are_refused_with_a_hint() {
    let mut f = Fake::new(80, 24);
    f.commands();
    f.press(":start web<Enter>");
    assert!(f.commands().is_empty());
    let s = f.status();
    assert!(s.contains("no domain named web"), "{s}");
    assert!(s.contains("web-01, web-02"), "{s}");
}

#[test]
fn tab_completes_a_domain_name() {
    let mut f = Fake::new(80, 24);
    f.commands();
    f.press(":sta<Tab>db-p<Tab>");
    let screen = f.screen();
    assert!(screen.contains(":start db-primary"), "{screen}");
    f.press("<Enter>");
    assert_eq!(lifecycle(&f.commands()), vec![(id(1), LifecycleOp::Start)]);
}

#[test]
fn tab_completes_snapshot_names_of_the_named_domain_and_revert_asks() {
    let mut f = Fake::new(80, 24);
    f.select("web-01");
    f.press("S");
    f.answer_snapshot_list(tree());
    // Leave the tree: the command names the domain and the snapshot itself.
    f.press("<Esc>");
    f.press(":revert web-01 bef<Tab>");
    assert!(f.screen().contains(":revert web-01 before-upgrade"));
    f.press("<Enter>");
    let screen = f.screen();
    assert!(screen.contains("Revert?"), "{screen}");
    f.press("r");
    f.press("y");
    let sent = f.commands();
    assert!(
        sent.iter().any(|c| matches!(c,
            Command::Snapshot(SnapshotCmd::Revert { id: i, snapshot, .. })
                if *i == id(3) && snapshot == "before-upgrade")),
        "{sent:?}"
    );
}

#[test]
fn tab_asks_for_the_snapshots_of_a_domain_not_yet_seen() {
    let mut f = Fake::new(80, 24);
    f.commands();
    f.press(":revert web-02 <Tab>");
    f.answer_snapshot_list(vec![snap("nightly", None, 1_700_000_000, true)]);
    f.press("<Tab>");
    assert!(f.screen().contains(":revert web-02 nightly"));
}

#[test]
fn history_is_kept_across_app_instances() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cmdline_history");
    {
        let mut f = Fake::with(80, 24, false, Some(path.clone()));
        f.press(":start web-01<Enter>");
        f.commands();
    }
    let mut f = Fake::with(80, 24, false, Some(path));
    f.commands();
    f.press(":<Up><Enter>");
    assert_eq!(lifecycle(&f.commands()), vec![(id(3), LifecycleOp::Start)]);
}

#[test]
fn read_only_refuses_a_command_like_the_key() {
    let mut f = Fake::with(80, 24, true, None);
    f.commands();
    f.press(":start web-01<Enter>");
    assert!(lifecycle(&f.commands()).is_empty());
    assert!(f.status().contains("read-only"), "{}", f.status());
}

#[test]
fn colon_destroy_asks_like_f() {
    let mut f = Fake::new(80, 24);
    f.commands();
    f.press(":destroy web-01<Enter>");
    assert!(f.commands().is_empty(), "asks first");
    assert!(f.screen().contains("Force off?"));
    f.press("y");
    assert_eq!(
        lifecycle(&f.commands()),
        vec![(id(3), LifecycleOp::Destroy)]
    );
}

#[test]
fn views_open_from_the_command_line_and_q_quits() {
    let mut f = Fake::new(80, 24);
    f.press(":pool<Enter>");
    assert!(f.app.has_popup(), "the pools view is open");
    f.press(":vm<Enter>");
    assert!(!f.app.has_popup(), ":vm goes back to the domain list");
    f.press(":sort cpu<Enter>");
    assert!(f.status().contains("CPU"), "{}", f.status());
    f.press(":sort bogus<Enter>");
    assert!(f.status().contains("expected one of"), "{}", f.status());
    f.press(":q<Enter>");
    assert!(f.app.should_quit());
}

#[test]
fn the_palette_lists_revert_on_the_snapshots_view() {
    let mut f = Fake::new(100, 30);
    f.select("web-01");
    f.press("S");
    f.answer_snapshot_list(tree());
    f.press("<Ctrl-p>");
    let screen = f.screen();
    assert!(screen.contains("snapshot revert"), "{screen}");
    // On the plain list (Info tab) the snapshot tree's actions are not offered.
    let mut f = Fake::new(100, 30);
    f.select("web-01");
    f.press("<Ctrl-p>revert");
    let screen = f.screen();
    assert!(!screen.contains("snapshot revert"), "{screen}");
}

#[test]
fn the_palette_runs_the_picked_action_and_hides_changes_when_read_only() {
    let mut f = Fake::new(100, 30);
    f.select("web-01");
    f.commands();
    f.press("<Ctrl-p>start<Enter>");
    assert_eq!(lifecycle(&f.commands()), vec![(id(3), LifecycleOp::Start)]);
    let mut ro = Fake::with(100, 30, true, None);
    ro.press("<Ctrl-p>");
    let screen = ro.screen();
    assert!(!screen.contains("force off"), "{screen}");
    assert!(screen.contains("quit"), "{screen}");
}

#[test]
fn space_marks_star_inverts_and_a_bulk_start_sends_one_bulk_command() {
    let mut f = Fake::new(80, 24);
    f.press("g<Space><Space>");
    assert_eq!(f.app.domains.list.marks.count(), 2);
    f.press("*");
    let marked: Vec<bool> = (1..=4)
        .map(|n| f.app.domains.list.marks.is_marked(&id(n)))
        .collect();
    assert_eq!(marked, [false, false, true, true], "web-01 and web-02");
    assert!(f.screen().contains("2 marked"));
    f.commands();
    f.press("s");
    assert!(f.commands().is_empty(), "asks first");
    assert!(f.screen().contains("Start 2 domains?"));
    f.press("y");
    let sent = f.commands();
    match &sent[..] {
        [Command::Bulk { op, targets, .. }] => {
            assert_eq!(*op, BulkOp::Lifecycle(LifecycleOp::Start));
            let ids: Vec<DomainId> = targets.iter().map(|(i, _)| i.clone()).collect();
            assert_eq!(ids, vec![id(3), id(4)]);
        }
        other => panic!("one bulk command expected: {other:?}"),
    }
}

#[test]
fn the_confirmation_counts_marks_the_filter_hides() {
    let mut f = Fake::new(80, 24);
    f.press("<Ctrl-a>/web<Enter>");
    let screen = f.screen();
    assert!(
        screen.contains("4 marked, 2 hidden by the filter"),
        "{screen}"
    );
    f.press("d");
    let screen = f.screen();
    assert!(
        screen.contains("4 domains, 2 hidden by the filter"),
        "{screen}"
    );
    f.press("n");
    assert!(
        f.commands()
            .iter()
            .all(|c| !matches!(c, Command::Bulk { .. }))
    );
}

#[test]
fn undefining_several_needs_the_count_typed() {
    let mut f = Fake::new(80, 24);
    f.press("<Ctrl-a>");
    f.commands();
    f.press("U3<Enter>");
    assert!(f.commands().is_empty(), "3 is not the count");
    f.press("U4<Enter>");
    assert!(matches!(
        &f.commands()[..],
        [Command::Bulk { op: BulkOp::Lifecycle(LifecycleOp::Undefine), targets, .. }] if targets.len() == 4
    ));
}

#[test]
fn marks_survive_sorting_and_go_with_the_domain_and_esc_clears_them_first() {
    let mut f = Fake::new(80, 24);
    f.select("web-01");
    f.press("<Space>>>>");
    assert!(f.app.domains.list.marks.is_marked(&id(3)));
    f.press("/web<Enter><Esc>");
    assert_eq!(f.app.domains.list.marks.count(), 0, "Esc clears the marks");
    assert_eq!(f.app.domains.list.filter_text, "web", "the filter stays");
    f.press("<Esc>");
    assert_eq!(f.app.domains.list.filter_text, "", "a second Esc clears it");
    f.press("<Ctrl-a>");
    f.app
        .handle(Event::Backend(BackendEvent::DomainRemoved(id(2))));
    assert_eq!(f.app.domains.list.marks.count(), 3, "pruned");
    // A reconnect's full list keeps marks by UUID.
    f.app.handle(Event::Backend(BackendEvent::DomainList(
        HostId::FIRST,
        fleet(),
    )));
    assert_eq!(f.app.domains.list.marks.count(), 3);
}

#[test]
fn quick_snapshot_with_marks_is_a_bulk_snapshot_and_a_named_domain_is_not() {
    let mut f = Fake::new(80, 24);
    f.press("<Ctrl-a>");
    f.commands();
    f.press("ty");
    assert!(matches!(
        &f.commands()[..],
        [Command::Bulk { op: BulkOp::QuickSnapshot, targets, .. }] if targets.len() == 4
    ));
    f.press(":snapshot web-02<Enter>");
    assert!(matches!(
        &f.commands()[..],
        [Command::Snapshot(SnapshotCmd::Create { id: i, .. })] if *i == id(4)
    ));
}

#[test]
fn a_bulk_report_gives_one_summary_line_and_the_full_list() {
    let mut f = Fake::new(100, 30);
    let report = Report {
        outcomes: vec![
            Outcome {
                id: id(1),
                name: "db-primary".into(),
                result: Ok(()),
            },
            Outcome {
                id: id(3),
                name: "web-01".into(),
                result: Err("domain is not running".into()),
            },
        ],
    };
    f.app.handle(Event::Backend(BackendEvent::BulkDone {
        host: HostId::FIRST,
        req: 99,
        op: BulkOp::Lifecycle(LifecycleOp::Shutdown),
        report,
    }));
    assert_eq!(
        f.status(),
        "shutdown: 1 ok, 1 failed: web-01: domain is not running"
    );
    let screen = f.screen();
    assert!(
        screen.contains("✗ web-01: domain is not running"),
        "{screen}"
    );
    assert!(screen.contains("✓ db-primary"), "{screen}");
}

#[test]
fn y_writes_osc_52_after_the_frame() {
    let mut f = Fake::new(80, 24);
    let out = Shared::default();
    f.app.clipboard_out = Box::new(out.clone());
    f.select("web-01");
    f.press("y");
    assert!(f.status().starts_with("copied: web-01"), "{}", f.status());
    assert!(out.0.lock().expect("lock").is_empty(), "not mid-frame");
    // The App writes it in its own draw path.
    let mut term = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tx.send(Event::InputClosed("end".into())).expect("send");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    let mut rx = rx;
    rt.block_on(f.app.run(&mut term, &mut rx)).expect("run");
    let written = String::from_utf8(out.0.lock().expect("lock").clone()).expect("utf8");
    assert!(written.starts_with("\x1b]52;c;"), "{written:?}");
}

mod screens {
    use super::*;

    fn check(name: &str, build: impl Fn(&mut Fake)) {
        for (w, h) in [(80, 24), (160, 45)] {
            let mut f = Fake::new(w, h);
            build(&mut f);
            let screen = f.screen();
            insta::with_settings!({
                prepend_module_to_snapshot => false,
            }, {
                insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen);
            });
        }
    }

    #[test]
    fn command_line() {
        check("command_line", |f| f.press(":start web-0<Tab>"));
    }

    #[test]
    fn palette() {
        check("palette", |f| f.press("<Ctrl-p>sh"));
    }

    #[test]
    fn marked_list() {
        check("marked_list", |f| f.press("g<Space>j<Space>/db<Enter>"));
    }
}

#[test]
fn colon_console_attaches_to_the_named_domain() {
    let mut f = Fake::new(80, 24);
    f.select("web-01");
    f.commands();
    f.press(":console db-primary<Enter>");
    let sent = f.commands();
    assert!(
        sent.iter().any(|c| matches!(c,
            Command::Console(_, virtdeck::backend::console::ConsoleCommand::Open { id: i, .. })
                if *i == id(1))),
        "{sent:?}"
    );
    assert_eq!(f.selected_name().as_deref(), Some("db-primary"));
}

#[test]
fn colon_filter_and_a_named_snapshot() {
    let mut f = Fake::new(80, 24);
    f.press(":filter re:^web<Enter>");
    assert_eq!(f.app.domains.list.rows().len(), 2);
    f.commands();
    f.press(":snapshot web-01 before-upgrade<Enter>");
    let sent = f.commands();
    assert!(
        matches!(&sent[..], [Command::Snapshot(SnapshotCmd::Create { id: i, spec, .. })]
            if *i == id(3) && spec.name.as_deref() == Some("before-upgrade")),
        "{sent:?}"
    );
}
