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
    BackendEvent, Command, CommandSender, DomainId, DomainInfo, DomainState, HostId,
    LifecycleEventKind, LifecycleOp,
};
use virtdeck::config::Config;
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
        managed_save: false,
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

#[path = "common/fake.rs"]
mod fake;
use fake::Fake;

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
        Fake::connected(width, height, config, readonly, fleet())
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
    // Tall enough that the global section is on the first page.
    let mut f = Fake::new(100, 70);
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
    let at = |hint: &str| {
        footer
            .find(hint)
            .unwrap_or_else(|| panic!("{hint}: {footer}"))
    };
    assert!(at("v revert") < at("q quit"), "footer: {footer}");
    assert!(at("S snapshots") < at("q quit"), "footer: {footer}");
    assert!(footer.trim_end().ends_with("? more"), "footer: {footer}");
}

#[test]
fn the_footer_at_80_columns_keeps_the_core_keys_and_more_comes_last() {
    let mut f = Fake::new(80, 24);
    f.select("web-01");
    let screen = f.screen();
    let footer = screen.lines().last().expect("footer");
    for hint in ["q quit", "c console", "t snapshot", "e edit", "S snapshots"] {
        assert!(footer.contains(hint), "{hint} missing: {footer}");
    }
    assert!(footer.trim_end().ends_with("? more"), "footer: {footer}");
    assert!(footer.trim_end().chars().count() <= 80);
}

#[test]
fn a_read_only_footer_and_help_leave_out_the_console_libvirt_would_refuse() {
    let mut f = Fake::with(80, 24, Config::builtin().expect("config"), true);
    f.select("web-01");
    let screen = f.screen();
    let footer = screen.lines().last().expect("footer");
    assert!(!footer.contains("console"), "footer: {footer}");
    assert!(footer.contains("q quit"), "footer: {footer}");
    f.press("?<End>");
    let screen = f.screen();
    assert!(
        !screen.contains("open the selected domain's serial console"),
        "{screen}"
    );
    assert!(screen.contains("read-only connection:"), "{screen}");
}

#[test]
fn help_wraps_at_80_columns_pages_and_stops_at_the_end() {
    let mut f = Fake::new(80, 24);
    f.select("web-01");
    f.press("?");
    let first = f.screen();
    // Wrapped, not cut: the whole description is there.
    assert!(first.contains("(virsh define)"), "{first}");
    f.press("<PgDn>");
    let paged = f.screen();
    assert!(paged.contains("Keys "), "PgDn closed help: {paged}");
    assert_ne!(first, paged, "PgDn did not page");
    f.press("<End>");
    let end = f.screen();
    // The title counts lines: at the end, the last line shown is the last there is.
    let pos = regex::Regex::new(r"Keys (\d+)/(\d+)")
        .expect("regex")
        .captures(&end)
        .map(|c| (c[1].to_string(), c[2].to_string()));
    assert!(
        pos.as_ref().is_some_and(|(a, b)| a == b),
        "End did not reach the end: {pos:?}\n{end}"
    );
    f.press("jjjjj");
    assert_eq!(end, f.screen(), "j scrolled past the end");
    f.press("<Home>");
    assert_eq!(first, f.screen(), "Home did not go back to the top");
    f.press("x");
    assert!(!f.screen().contains("Keys "), "any other key closes");
}

#[test]
fn the_state_column_fits_its_reason_at_120_columns_and_arrows_keep_titles_whole() {
    let mut f = Fake::new(120, 30);
    let mut fleet = fleet();
    // running, reason 4: "running (from snapshot)".
    fleet[2].state = DomainState::from_raw(1, 4);
    f.app.handle(Event::Backend(BackendEvent::DomainList(
        HostId::FIRST,
        fleet,
    )));
    let screen = f.screen();
    assert!(screen.contains("running (from snapshot)"), "{screen}");
    // Sort by vCPU, then Disk/s, then Pers: the titles stay whole beside the arrow.
    f.press(">>>");
    assert!(f.screen().contains("vCPU▼"), "{}", f.screen());
    f.press(">>>");
    assert!(f.screen().contains("Disk/s▼"), "{}", f.screen());
    f.press(">>>");
    assert!(f.screen().contains("Pers▼"), "{}", f.screen());
    // At 80 columns the Pers column is gone: the list title says how it is sorted.
    let mut narrow = Fake::new(80, 24);
    narrow.press(">>>>>>>>");
    let screen = narrow.screen();
    assert!(screen.contains("sorted by Auto▼"), "{screen}");
}

#[test]
fn a_revert_outcome_is_not_replaced_by_its_own_lifecycle_echoes() {
    let mut f = Fake::new(80, 24);
    let id = DomainId::new(HostId::FIRST, uuid(3));
    f.app.handle(Event::Backend(BackendEvent::Snapshot(
        SnapshotEvent::JobFinished {
            req: 77,
            id: id.clone(),
            what: "revert web-01".into(),
            outcome: virtdeck::backend::snapshots::JobOutcome::Done(
                "reverted to before-upgrade".into(),
            ),
        },
    )));
    for event in [LifecycleEventKind::Defined, LifecycleEventKind::Started] {
        f.app.handle(Event::Backend(BackendEvent::Lifecycle {
            id: id.clone(),
            name: "web-01".into(),
            event,
            detail: 0,
        }));
    }
    let status = f.app.status.as_ref().map(|s| s.text.clone());
    assert_eq!(status.as_deref(), Some("reverted to before-upgrade: done"));
}

#[test]
fn a_lost_host_keeps_its_cause_in_the_header_and_greys_its_rows() {
    let mut f = Fake::new(120, 30);
    f.app.handle(Event::Backend(BackendEvent::Disconnected {
        host: HostId::FIRST,
        reason: "the ssh connection closed".into(),
    }));
    f.app.handle(Event::Backend(BackendEvent::ReconnectFailed {
        host: HostId::FIRST,
        attempt: 4,
        error: "Cannot recv data: ssh: connect to host h port 22: Connection refused".into(),
        retry_in: Duration::from_secs(8),
    }));
    let screen = f.screen();
    let header = screen.lines().next().expect("header");
    assert!(header.contains("Connection refused"), "{header}");
    assert!(header.contains("DISCONNECTED"), "{header}");
    // The rows are drawn dim (last known), not in their state colours.
    let theme = &f.app.config.theme;
    let buf = f.term.backend().buffer();
    let y = screen
        .lines()
        .position(|l| l.starts_with("db-replica"))
        .expect("row") as u16;
    assert_eq!(
        buf[(0, y)].fg,
        theme
            .style(virtdeck::config::Role::Dim)
            .fg
            .unwrap_or_default(),
    );
}

/// How many snapshot list requests were sent since the last look.
fn list_requests(f: &Fake) -> usize {
    f.commands()
        .iter()
        .filter(|c| matches!(c, Command::Snapshot(SnapshotCmd::List { .. })))
        .count()
}

#[test]
fn the_snapshot_tree_is_re_read_when_shown_on_f5_after_events_and_while_visible() {
    let mut f = Fake::new(80, 24);
    f.select("web-01");
    f.press("S");
    f.answer_snapshot_list(tree());
    assert_eq!(list_requests(&f), 0);
    // F5 with the tab on show.
    f.press("<F5>");
    assert_eq!(list_requests(&f), 1, "F5");
    // Leave the tab and come back.
    f.press("<Esc><Tab>");
    f.press("<BackTab>");
    assert_eq!(
        f.app.domains.tab,
        virtdeck::ui::domains::detail::Tab::Snapshots
    );
    assert_eq!(list_requests(&f), 1, "shown again");
    // A lifecycle event of that domain.
    f.app.handle(Event::Backend(BackendEvent::Lifecycle {
        id: DomainId::new(HostId::FIRST, uuid(3)),
        name: "web-01".into(),
        event: LifecycleEventKind::Started,
        detail: 0,
    }));
    assert_eq!(list_requests(&f), 1, "lifecycle event");
    // Nothing new for a few seconds: a tick re-reads it once it is due, not before.
    f.app.handle(Event::Tick);
    assert_eq!(list_requests(&f), 0, "not due yet");
    f.app.snaps.listed_at = Some(Instant::now() - Duration::from_secs(6));
    f.app.handle(Event::Tick);
    assert_eq!(list_requests(&f), 1, "periodic re-read while visible");
    // Hidden: nothing is read.
    f.press("<Tab>");
    f.app.snaps.listed_at = Some(Instant::now() - Duration::from_secs(60));
    f.app.handle(Event::Tick);
    assert_eq!(list_requests(&f), 0, "hidden tab");
}

/// Answers the live and persistent XML requests the Overview/XML tabs sent.
fn answer_xml(f: &mut Fake, live_xml: &str, next_xml: &str) {
    // Selection changes in quick succession are read at most every 300 ms: let the last
    // one's turn come.
    std::thread::sleep(Duration::from_millis(310));
    f.app.handle(Event::Tick);
    let asked: Vec<_> = f
        .commands()
        .into_iter()
        .filter_map(|c| match c {
            Command::FetchXml { req, id, live, .. } => Some((req, id, live)),
            _ => None,
        })
        .collect();
    assert!(
        asked.iter().any(|a| a.2) && asked.iter().any(|a| !a.2),
        "{asked:?}"
    );
    for (req, id, live) in asked {
        let xml = if live { live_xml } else { next_xml };
        f.app.handle(Event::Backend(BackendEvent::XmlFetched {
            req,
            id,
            live,
            secure: false,
            result: Ok(xml.into()),
        }));
    }
}

#[test]
fn overview_and_xml_tab_show_title_live_xml_and_what_the_next_boot_changes() {
    let live = "<domain type='kvm' id='3'>\n  <name>web-01</name>\n  <title>front end</title>\n  \
                <description>serves the shop</description>\n  <vcpu>1</vcpu>\n</domain>";
    let next = live.replace("<vcpu>1</vcpu>", "<vcpu>2</vcpu>");
    let mut f = Fake::new(80, 24);
    f.select("web-01");
    answer_xml(&mut f, live, &next);
    let screen = f.screen();
    assert!(screen.contains("web-01  front end"), "{screen}");
    assert!(screen.contains("Next boot vCPUs 1 → 2"), "{screen}");
    assert!(screen.contains("serves the shop"), "{screen}");
    f.press("<Tab><Tab>");
    let screen = f.screen();
    assert!(
        screen.contains("the next boot differs: vCPUs 1 → 2"),
        "{screen}"
    );
    assert!(screen.contains("<title>front end</title>"), "{screen}");
    // The same colours as the editor: tag names in the Key role.
    let key = f.app.config.theme.style(virtdeck::config::Role::Key).fg;
    let buf = f.term.backend().buffer();
    let (x, y) = (0..buf.area.height)
        .find_map(|y| {
            let line: String = (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect();
            line.find("<name>").map(|x| (x as u16 + 1, y))
        })
        .expect("name line");
    assert_eq!(Some(buf[(x, y)].fg), key);
    // A lifecycle event of the domain re-reads both definitions.
    f.app.handle(Event::Backend(BackendEvent::Lifecycle {
        id: DomainId::new(HostId::FIRST, uuid(3)),
        name: "web-01".into(),
        event: LifecycleEventKind::Defined,
        detail: 0,
    }));
    answer_xml(&mut f, live, live);
    assert!(
        f.screen().contains("live definition (read-only"),
        "{}",
        f.screen()
    );
}

#[test]
fn the_xml_tab_pages_through_a_long_definition() {
    let mut live = String::from("<domain type='kvm' id='3'>\n  <name>web-01</name>\n");
    for i in 0..80 {
        live.push_str(&format!("  <!-- line {i:02} -->\n"));
    }
    live.push_str("</domain>");
    let mut f = Fake::new(80, 24);
    f.select("web-01");
    answer_xml(&mut f, &live, &live);
    f.press("<Tab><Tab>");
    let top = f.screen();
    assert!(top.contains("line 00"), "{top}");
    assert!(!top.contains("line 79"), "{top}");
    // ] pages forward until the end is on screen; [ comes back to the top.
    for _ in 0..20 {
        f.press("]");
    }
    let end = f.screen();
    assert!(end.contains("</domain>"), "{end}");
    assert!(!end.contains("line 00"), "{end}");
    for _ in 0..20 {
        f.press("[");
    }
    assert!(f.screen().contains("line 00"), "{}", f.screen());
}

#[test]
fn the_editor_notices_an_undefine_by_another_client_and_asks_before_defining_anew() {
    let xml = "<domain type='kvm'>\n  <name>web-01</name>\n  <uuid>00000000-0000-4000-8000-000000000003</uuid>\n</domain>\n";
    let mut f = Fake::new(80, 24);
    f.select("web-01");
    f.press("e");
    answer_xml(&mut f, xml, xml);
    f.app.handle(Event::Backend(BackendEvent::Lifecycle {
        id: DomainId::new(HostId::FIRST, uuid(3)),
        name: "web-01".into(),
        event: LifecycleEventKind::Undefined,
        detail: 0,
    }));
    let screen = f.screen();
    let header = screen.lines().next().expect("header");
    assert!(header.contains("undefined by another client"), "{screen}");
    // A change, Ctrl-S and y on the diff: nothing is defined yet, the user is asked.
    f.press(" <Ctrl-s>y");
    let defines = |f: &Fake| {
        f.commands()
            .into_iter()
            .filter(|c| matches!(c, Command::DefineXml { .. }))
            .count()
    };
    assert_eq!(defines(&f), 0, "defined without asking");
    assert!(
        f.screen().contains("Ctrl-S again defines it anew"),
        "{}",
        f.screen()
    );
    f.press("<Ctrl-s>y");
    assert_eq!(defines(&f), 1, "the explicit second Ctrl-S defines it");
}

/// The console id of the last Open the App sent.
fn last_console_open(f: &Fake) -> u64 {
    use virtdeck::backend::console::ConsoleCommand;
    f.commands()
        .into_iter()
        .filter_map(|c| match c {
            Command::Console(_, ConsoleCommand::Open { console, .. }) => Some(console),
            _ => None,
        })
        .next_back()
        .expect("a console Open was sent")
}

#[test]
fn a_forced_takeover_clears_the_busy_error_and_the_footer_says_how_to_leave() {
    use virtdeck::backend::console::{ConsoleEvent, FailureKind};
    let mut f = Fake::new(80, 24);
    f.select("web-01");
    f.press("c");
    let console = last_console_open(&f);
    f.app.handle(Event::Backend(BackendEvent::Console(
        HostId::FIRST,
        ConsoleEvent::Failed {
            console,
            kind: FailureKind::Busy,
            message: "operation failed: Active console session exists for this domain".into(),
        },
    )));
    assert!(f.screen().contains("Active console session exists"));
    // Force it (the key from the keymap), and the stream opens.
    let force = f
        .app
        .config
        .keymap
        .keys_label(virtdeck::action::Action::ConsoleForce);
    let first = force.split('/').next().expect("a force key").to_string();
    f.press(&if first.chars().count() == 1 {
        first
    } else {
        format!("<{first}>")
    });
    let console = last_console_open(&f);
    f.app.handle(Event::Backend(BackendEvent::Console(
        HostId::FIRST,
        ConsoleEvent::Opened {
            console,
            device: "serial0".into(),
        },
    )));
    let screen = f.screen();
    assert!(
        !screen.contains("Active console session exists"),
        "{screen}"
    );
    assert!(screen.contains("console of web-01 attached"), "{screen}");
    // While the console has the keys, the footer is about the console only.
    assert!(f.app.console.session.as_ref().is_some_and(|s| s.focused));
    let footer = screen.lines().last().expect("footer").to_string();
    assert!(footer.contains("Ctrl-] leave console"), "{footer}");
    assert!(
        !footer.contains("quit") && !footer.contains("snapshot"),
        "{footer}"
    );
}

#[test]
fn the_editor_key_help_keeps_a_gap_between_keys_and_words() {
    let xml = "<domain type='kvm'>\n  <name>web-01</name>\n</domain>\n";
    let mut f = Fake::new(80, 24);
    f.select("web-01");
    f.press("e");
    answer_xml(&mut f, xml, xml);
    f.press("<F1>");
    let screen = f.screen();
    // The keys come from [keys.editor]; the widest sets the column.
    assert!(screen.contains("Ctrl-z         undo"), "{screen}");
    assert!(!screen.contains("Ctrl-zundo"), "{screen}");
}

#[test]
fn moving_fast_over_the_list_does_not_queue_an_xml_read_per_row() {
    let mut f = Fake::new(80, 24);
    f.press("gjjjkkjj");
    let reads = f
        .commands()
        .into_iter()
        .filter(|c| matches!(c, Command::FetchXml { .. }))
        .count();
    // One live + one persistent read for the first row; the rest wait for a pause.
    assert!(reads <= 2, "{reads} XML reads for 8 quick moves");
}

/// One stats tick for web-01 (2 vCPUs in the list) with `cpu_ns` of CPU time so far;
/// `absent_cpu`: the NOWAIT sample missed the CPU group.
fn cpu_tick(f: &mut Fake, at: Instant, cpu_ns: u64, absent_cpu: bool) {
    let mut s = DomainStats {
        id: DomainId::new(HostId::FIRST, uuid(3)),
        state: Some(1),
        cpu_time_ns: (!absent_cpu).then_some(cpu_ns),
        vcpu_current: Some(2),
        ..DomainStats::default()
    };
    s.absent.cpu = absent_cpu;
    f.app.handle(Event::Backend(BackendEvent::Stats {
        host: HostId::FIRST,
        at,
        domains: vec![s],
    }));
}

#[test]
fn cpu_over_100_per_vcpu_is_clamped_in_the_list_and_busy_samples_keep_it_marked_stale() {
    let mut f = Fake::new(80, 24);
    let t0 = Instant::now();
    cpu_tick(&mut f, t0, 0, false);
    // 2.1 s of CPU in 1 s on a 2-vCPU guest: QEMU's own threads push it past 200 %.
    cpu_tick(&mut f, t0 + Duration::from_secs(1), 2_100_000_000, false);
    let row = |f: &mut Fake| {
        let screen = f.screen();
        screen
            .lines()
            .find(|l| l.starts_with("web-01"))
            .expect("row")
            .to_string()
    };
    let r = row(&mut f);
    assert!(r.contains("200.0") && !r.contains("210.0"), "{r}");
    // Three busy samples without the CPU group: the figure stays, marked stale.
    for i in 2..5 {
        cpu_tick(&mut f, t0 + Duration::from_secs(i), 0, true);
    }
    let r = row(&mut f);
    assert!(r.contains("~200.0"), "{r}");
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

#[test]
fn the_palette_in_the_editor_lists_and_runs_the_editors_actions() {
    let mut f = Fake::new(100, 30);
    f.press("N");
    assert!(f.app.xml.is_some(), "N opens the editor");
    f.press("<Ctrl-p>");
    let screen = f.screen();
    // The editor's own actions with their keys; nothing the editor does not take.
    assert!(screen.contains("editor find"), "{screen}");
    f.press("newline");
    let screen = f.screen();
    assert!(
        screen.contains("editor newline") && screen.contains("Enter"),
        "{screen}"
    );
    f.press("<Ctrl-u>quit");
    let screen = f.screen();
    assert!(!screen.contains("quit virtdeck"), "{screen}");
    f.press("<Ctrl-u>editor left");
    let screen = f.screen();
    assert!(
        !screen.contains("cursor left"),
        "movement is not listed: {screen}"
    );
    f.press("<Ctrl-u>editor find<Enter>");
    let ed = f.app.xml.as_ref().expect("the editor stays open");
    assert!(
        matches!(
            ed.popup,
            Some(virtdeck::ui::xml_editor::Popup::Prompt {
                kind: virtdeck::ui::xml_editor::PromptKind::Search,
                ..
            })
        ),
        "{:?}",
        ed.popup
    );
    assert!(f.app.layers.is_empty(), "the palette closed");
}

#[test]
fn a_remapped_command_line_key_edits_the_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "[keys.prompt]\nprompt_home = [\"Ctrl-b\"]\n").expect("write");
    let config = Config::load(Some(&path), None, false).expect("config");
    let mut f = Fake::with(80, 24, config, false);
    f.commands();
    // Ctrl-a no longer goes to the start of the line: the s lands at the end.
    f.press(":tart db-replica<Ctrl-a>s<Enter>");
    assert!(f.commands().is_empty());
    f.press(":tart db-replica<Ctrl-b>s<Enter>");
    let sent = f.commands();
    assert!(
        matches!(&sent[..], [Command::Lifecycle { op: LifecycleOp::Start, name, .. }] if name == "db-replica"),
        "{sent:?}"
    );
}

#[test]
fn the_delete_dialogs_mode_keys_come_from_the_keymap() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        "[keys.snapshot_dialog]\ndelete_mode_metadata = [\"m\"]\n",
    )
    .expect("write");
    let config = Config::load(Some(&path), None, false).expect("config");
    let mut f = Fake::with(100, 30, config, false);
    f.select("web-01");
    f.press("S");
    f.answer_snapshot_list(tree());
    f.press("D");
    let screen = f.screen();
    assert!(screen.contains("Delete snapshot?"), "{screen}");
    assert!(
        screen.contains("1-m/Tab"),
        "the hint shows the keys: {screen}"
    );
    f.press("my");
    let sent = f.commands();
    assert!(
        matches!(
            &sent[..],
            [Command::Snapshot(SnapshotCmd::Delete {
                mode: virtdeck::backend::snapshots::DeleteMode::MetadataOnly,
                ..
            })]
        ),
        "{sent:?}"
    );
    // 4 is no longer a mode key: it cancels, as any key not listed does.
    f.press("D4y");
    assert!(f.commands().is_empty());
}
