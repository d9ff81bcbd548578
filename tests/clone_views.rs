//! The clone and rename dialogs without libvirt: the App on a detached command channel,
//! fed fake plans and progress; keys pressed, the Commands sent and the screens asserted.

use std::time::Duration;

use virtdeck::backend::clone::{
    CloneCmd, CloneEvent, ClonePlan, CloneProgress, CloneSpec, DiskMode, PlanDisk, SourceDisk,
};
use virtdeck::backend::rename::{Labels, RenameCmd, RenameEvent};
use virtdeck::backend::{BackendEvent, Command, DomainId, DomainInfo, DomainState, HostId};
use virtdeck::config::Config;
use virtdeck::event::Event;

const H: HostId = HostId::FIRST;

fn uuid(n: usize) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

fn info(n: usize, name: &str, state: i32) -> DomainInfo {
    DomainInfo {
        id: DomainId::new(H, uuid(n)),
        name: name.into(),
        state: DomainState::from_raw(state, 1),
        dom_id: (state == 1).then_some(n as u32),
        vcpus: 1,
        memory_kib: 256 * 1024,
        max_memory_kib: 256 * 1024,
        cpu_time_ns: 0,
        autostart: false,
        persistent: true,
        managed_save: false,
    }
}

#[path = "common/fake.rs"]
mod fake;
use fake::Fake;

impl Fake {
    fn new(w: u16, h: u16, readonly: bool) -> Fake {
        let domains = vec![info(1, "db", 5), info(2, "web-01", 1), info(3, "web-02", 3)];
        Fake::connected(w, h, Config::builtin().expect("config"), readonly, domains)
    }

    fn feed(&mut self, ev: CloneEvent) {
        self.backend(BackendEvent::Clone(H, ev));
    }

    /// Presses K on `name` and answers the plan request with `plan`.
    fn open_clone(&mut self, name: &str, plan: ClonePlan) {
        self.select(name);
        self.commands();
        self.press("K");
        let req = plan_req(&self.commands());
        self.feed(CloneEvent::Plan {
            req,
            id: plan.id.clone(),
            result: Ok(Box::new(plan)),
        });
    }
}

/// Clones db with the dialog's defaults and feeds a progress event half-way; the request.
fn clone_db_half_way(f: &mut Fake) -> u64 {
    f.open_clone("db", plan_of(1, "db", false));
    f.press("<Enter>");
    let (req, _) = start_spec(&f.commands());
    f.feed(CloneEvent::Progress {
        req,
        id: DomainId::new(H, uuid(1)),
        what: "db → db-clone".into(),
        progress: CloneProgress {
            step: "copying vda to images/db-clone.qcow2".into(),
            done: 32 << 20,
            total: 64 << 20,
            elapsed: Duration::from_secs(3),
        },
    });
    req
}

/// The outcome of db's clone as the backend reports a cancel.
fn db_cancelled(req: u64) -> CloneEvent {
    CloneEvent::Finished {
        req,
        id: DomainId::new(H, uuid(1)),
        what: "db → db-clone".into(),
        result: Err("cancelled; removed volume images/db-clone.qcow2".into()),
    }
}

fn plan_req(sent: &[Command]) -> u64 {
    match sent {
        [Command::Clone(_, CloneCmd::Plan { req, .. })] => *req,
        other => panic!("expected one plan request, got {other:?}"),
    }
}

fn disk(target: &str, device: &str, path: &str, pool: Option<&str>, readonly: bool) -> PlanDisk {
    PlanDisk {
        disk: SourceDisk {
            target: target.into(),
            device: device.into(),
            kind: "file".into(),
            path: Some(path.into()),
            pool_volume: None,
            format: Some(if device == "cdrom" { "raw" } else { "qcow2" }.into()),
            readonly,
            shareable: false,
        },
        pool: pool.map(str::to_string),
        path: Some(path.into()),
        size: Some(64 << 20),
    }
}

fn plan_of(n: usize, name: &str, paused: bool) -> ClonePlan {
    ClonePlan {
        id: DomainId::new(H, uuid(n)),
        name: name.into(),
        paused,
        running: false,
        disks: vec![
            disk(
                "vda",
                "disk",
                &format!("/var/lib/libvirt/images/{name}.qcow2"),
                Some("images"),
                false,
            ),
            disk("sda", "cdrom", "/iso/debian.iso", None, true),
        ],
        pools: vec!["default".into(), "images".into()],
        names: vec!["db".into(), "web-01".into(), "web-02".into()],
        local: true,
    }
}

fn start_spec(sent: &[Command]) -> (u64, CloneSpec) {
    match sent {
        [Command::Clone(_, CloneCmd::Start { req, spec, .. })] => (*req, spec.clone()),
        other => panic!("expected one clone start, got {other:?}"),
    }
}

#[test]
fn k_asks_for_the_plan_and_enter_clones_with_the_defaults() {
    let mut f = Fake::new(80, 24, false);
    f.open_clone("db", plan_of(1, "db", false));
    let s = f.screen();
    assert!(s.contains("Clone db"), "{s}");
    assert!(s.contains("db-clone"), "the name is proposed: {s}");
    assert!(s.contains("vda disk") && s.contains("copy"), "{s}");
    assert!(s.contains("sda cdrom") && s.contains("share"), "{s}");
    f.press("<Ctrl-u>db-copy<Enter>");
    let (_, spec) = start_spec(&f.commands());
    assert_eq!(
        spec,
        CloneSpec {
            new_name: "db-copy".into(),
            disks: vec![
                ("vda".into(), DiskMode::Copy),
                ("sda".into(), DiskMode::Share)
            ],
            pool: None,
        }
    );
}

#[test]
fn a_taken_name_is_refused_in_the_dialog_and_nothing_is_sent() {
    let mut f = Fake::new(80, 24, false);
    f.open_clone("db", plan_of(1, "db", false));
    f.press("<Ctrl-u>web-01<Enter>");
    assert!(f.commands().is_empty());
    let s = f.screen();
    assert!(s.contains("exists already"), "{s}");
    f.press("<Ctrl-u><Enter>");
    assert!(f.commands().is_empty(), "an empty name is refused too");
}

#[test]
fn space_makes_a_disk_a_linked_clone_with_its_warning_and_picks_the_pool() {
    let mut f = Fake::new(160, 45, false);
    f.open_clone("db", plan_of(1, "db", false));
    // Tab to the pool, choose "default"; Tab to vda, copy → linked.
    f.press("<Tab> <Tab> ");
    let s = f.screen();
    assert!(s.contains("linked (overlay)"), "{s}");
    assert!(s.contains("must stay unchanged"), "the warning: {s}");
    f.press("<Enter>");
    let (_, spec) = start_spec(&f.commands());
    assert_eq!(spec.pool.as_deref(), Some("default"));
    assert_eq!(spec.disks[0], ("vda".into(), DiskMode::Link));
}

#[test]
fn progress_shows_and_x_cancels_and_the_outcome_says_what_was_removed() {
    let mut f = Fake::new(80, 24, false);
    let req = clone_db_half_way(&mut f);
    let s = f.screen();
    assert!(s.contains("50%"), "{s}");
    assert!(s.contains("copying vda to images/db-clone.qcow2"), "{s}");
    f.press("x");
    assert_eq!(
        f.commands(),
        vec![Command::Clone(H, CloneCmd::Cancel { req })]
    );
    f.feed(db_cancelled(req));
    let s = f.screen();
    assert!(
        s.contains("Not cloned: cancelled; removed volume images/db-clone.qcow2"),
        "{s}"
    );
    f.press("q");
    assert!(!f.app.has_popup(), "any key closes the outcome");
    assert!(!f.app.should_quit(), "and q did not quit");
}

#[test]
fn colon_clone_names_the_domain_and_the_new_name_and_paused_ones_warn() {
    let mut f = Fake::new(80, 24, false);
    f.commands();
    f.press(":clone web-02 web-03<Enter>");
    let req = plan_req(&f.commands());
    f.feed(CloneEvent::Plan {
        req,
        id: DomainId::new(H, uuid(3)),
        result: Ok(Box::new(plan_of(3, "web-02", true))),
    });
    let s = f.screen();
    assert!(s.contains("web-03"), "{s}");
    assert!(s.contains("is paused"), "{s}");
    f.press("<Enter>");
    let (_, spec) = start_spec(&f.commands());
    assert_eq!(spec.new_name, "web-03");
}

#[test]
fn a_read_only_connection_refuses_clone_and_rename() {
    let mut f = Fake::new(80, 24, true);
    f.select("db");
    f.commands();
    f.press("KL");
    assert!(f.commands().is_empty());
    assert!(!f.app.has_popup());
}

#[test]
fn l_edits_the_title_and_sends_only_what_changed() {
    let mut f = Fake::new(80, 24, false);
    f.select("db");
    f.commands();
    f.press("L");
    let req = match &f.commands()[..] {
        [Command::Rename(_, RenameCmd::Read { req, .. })] => *req,
        other => panic!("{other:?}"),
    };
    f.app.handle(Event::Backend(BackendEvent::Rename(
        H,
        RenameEvent::Labels {
            req,
            id: DomainId::new(H, uuid(1)),
            result: Ok(Labels {
                name: "db".into(),
                title: "Old title".into(),
                description: "the database".into(),
                shut_off: true,
            }),
        },
    )));
    f.press("<Tab><Ctrl-u>Primary DB<Enter>");
    match &f.commands()[..] {
        [
            Command::Rename(
                _,
                RenameCmd::Apply {
                    name,
                    title,
                    description,
                    old_name,
                    ..
                },
            ),
        ] => {
            assert_eq!(old_name, "db");
            assert_eq!(name, &None);
            assert_eq!(title.as_deref(), Some("Primary DB"));
            assert_eq!(description, &None);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn colon_rename_renames_at_once() {
    let mut f = Fake::new(80, 24, false);
    f.commands();
    f.press(":rename db db2<Enter>");
    match &f.commands()[..] {
        [Command::Rename(_, RenameCmd::Apply { name, id, .. })] => {
            assert_eq!(name.as_deref(), Some("db2"));
            assert_eq!(id.uuid, uuid(1));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn snapshots_of_the_clone_dialog() {
    for (w, h) in [(80, 24), (160, 45)] {
        let mut f = Fake::new(w, h, false);
        f.open_clone("db", plan_of(1, "db", true));
        let form = f.screen();
        f.press("<Enter>");
        let (req, _) = start_spec(&f.commands());
        f.feed(CloneEvent::Progress {
            req,
            id: DomainId::new(H, uuid(1)),
            what: "db → db-clone".into(),
            progress: CloneProgress {
                step: "copying vda to images/db-clone.qcow2".into(),
                done: 16 << 20,
                total: 64 << 20,
                elapsed: Duration::from_secs(2),
            },
        });
        let running = f.screen();
        insta::with_settings!({ prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(format!("clone_form_{w}x{h}"), form);
            insta::assert_snapshot!(format!("clone_progress_{w}x{h}"), running);
        });
    }
}

#[test]
fn a_hidden_clone_shows_in_the_jobs_view_where_x_cancels_it() {
    let mut f = Fake::new(160, 45, false);
    f.open_clone("db", plan_of(1, "db", false));
    f.press("<Enter>");
    let (req, _) = start_spec(&f.commands());
    f.press("<Esc>");
    assert!(!f.app.has_popup(), "Esc hides the running clone");
    f.press("J");
    f.commands();
    f.feed(CloneEvent::Progress {
        req,
        id: DomainId::new(H, uuid(1)),
        what: "db → db-clone".into(),
        progress: CloneProgress {
            step: "copying vda to images/db-clone.qcow2".into(),
            done: 48 << 20,
            total: 64 << 20,
            elapsed: Duration::from_secs(4),
        },
    });
    let s = f.screen();
    assert!(s.contains("clone db → db-clone: copying vda"), "{s}");
    assert!(s.contains("75%"), "{s}");
    f.press("x");
    assert_eq!(
        f.commands(),
        vec![Command::Clone(H, CloneCmd::Cancel { req })]
    );
    f.feed(CloneEvent::Finished {
        req,
        id: DomainId::new(H, uuid(1)),
        what: "db → db-clone".into(),
        result: Err("cancelled; removed volume images/db-clone.qcow2".into()),
    });
    let s = f.screen();
    assert!(
        !s.contains("clone db → db-clone: copying"),
        "the row goes: {s}"
    );
    assert!(
        s.contains("clone db → db-clone failed: cancelled; removed volume images/db-clone.qcow2"),
        "the status line says what was removed: {s}"
    );
}

#[test]
fn k_on_a_running_domain_says_to_shut_it_down_and_opens_nothing() {
    let mut f = Fake::new(80, 24, false);
    f.select("web-01");
    f.commands();
    f.press("K");
    assert!(f.commands().is_empty());
    assert!(!f.app.has_popup());
    let s = f.screen();
    assert!(
        s.contains("web-01 is running: shut it down (or pause it)"),
        "{s}"
    );
}

#[test]
fn a_new_title_makes_the_overview_read_the_definition_again() {
    let mut f = Fake::new(80, 24, false);
    f.select("db");
    f.app.handle(Event::Tick);
    let fetches = |sent: &[Command]| {
        sent.iter()
            .filter(|c| matches!(c, Command::FetchXml { id, .. } if id.uuid == uuid(1)))
            .count()
    };
    assert!(fetches(&f.commands()) > 0, "the overview reads db's XML");
    std::thread::sleep(Duration::from_millis(350));
    f.app.handle(Event::Tick);
    assert_eq!(
        fetches(&f.commands()),
        0,
        "nothing changed, nothing re-read"
    );
    f.app.handle(Event::Backend(BackendEvent::Rename(
        H,
        RenameEvent::Applied {
            req: 9999,
            id: DomainId::new(H, uuid(1)),
            result: Ok("title set".into()),
        },
    )));
    f.app.handle(Event::Tick);
    assert!(fetches(&f.commands()) > 0, "the title change is read back");
    assert!(
        f.screen().contains("title set"),
        "and the status line says it"
    );
}

#[test]
fn a_finished_clone_is_selected_in_the_list() {
    let mut f = Fake::new(80, 24, false);
    f.open_clone("db", plan_of(1, "db", false));
    f.press("<Enter>");
    let (req, _) = start_spec(&f.commands());
    f.app
        .handle(Event::Backend(BackendEvent::DomainUpdated(info(
            4, "db-clone", 5,
        ))));
    f.feed(CloneEvent::Finished {
        req,
        id: DomainId::new(H, uuid(1)),
        what: "db → db-clone".into(),
        result: Ok((
            DomainId::new(H, uuid(4)),
            "db-clone defined (UUID x): vda copied to images/db-clone.qcow2".into(),
        )),
    });
    let s = f.screen();
    assert!(s.contains("vda copied to images/db-clone.qcow2"), "{s}");
    assert!(s.contains("defined, not started"), "{s}");
    f.press("<Esc>");
    let id = f.app.domains.list.selected().cloned().expect("a selection");
    assert_eq!(id.uuid, uuid(4));
}

/// Runs the App's after-quit wait on `events`, as main does once the screen is gone.
fn wind_down(f: &mut Fake, events: Vec<BackendEvent>, limit: Duration) -> Vec<String> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    for ev in events {
        tx.send(Event::Backend(ev)).expect("send");
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    rt.block_on(f.app.wind_down(&mut rx, limit))
}

#[test]
fn quitting_with_a_clone_running_asks_then_cancels_it_and_waits_for_the_cleanup() {
    let mut f = Fake::new(100, 30, false);
    let req = clone_db_half_way(&mut f);
    // The dialog goes to the background; q on the list asks instead of quitting.
    f.press("<Esc>q");
    let s = f.screen();
    assert!(s.contains("Quit with jobs running?"), "{s}");
    assert!(s.contains("clone db → db-clone"), "{s}");
    assert!(!f.app.should_quit());
    // Any other key keeps virtdeck (and the clone) running.
    f.press("n");
    assert!(!f.app.has_popup());
    assert!(!f.app.should_quit());
    assert_eq!(f.commands(), Vec::<Command>::new(), "nothing was cancelled");
    f.press(":q<Enter>");
    assert!(
        f.screen().contains("Quit with jobs running?"),
        "{}",
        f.screen()
    );
    f.press("y");
    assert!(f.app.should_quit());
    // After the screen is gone: the cancel goes out, and the wait ends with its outcome.
    let finished = BackendEvent::Clone(H, db_cancelled(req));
    let lines = wind_down(&mut f, vec![finished], Duration::from_secs(30));
    assert_eq!(
        f.commands(),
        vec![Command::Clone(H, CloneCmd::Cancel { req })]
    );
    assert_eq!(
        lines,
        ["clone db → db-clone: cancelled; removed volume images/db-clone.qcow2"]
    );
}

#[test]
fn a_finished_clone_does_not_hold_up_quitting_and_a_stuck_one_is_named_on_the_way_out() {
    let mut f = Fake::new(100, 30, false);
    f.open_clone("db", plan_of(1, "db", false));
    f.press("<Enter>");
    let (req, _) = start_spec(&f.commands());
    f.feed(CloneEvent::Finished {
        req,
        id: DomainId::new(H, uuid(1)),
        what: "db → db-clone".into(),
        result: Ok((DomainId::new(H, uuid(9)), "db-clone defined".into())),
    });
    f.press("<Esc>q");
    assert!(f.app.should_quit(), "{}", f.screen());
    assert!(wind_down(&mut f, Vec::new(), Duration::from_millis(10)).is_empty());

    // A clone whose cleanup never reports within the wait is named as left behind.
    let mut f = Fake::new(100, 30, false);
    f.open_clone("web-02", plan_of(3, "web-02", false));
    f.press("<Enter>");
    let _ = start_spec(&f.commands());
    f.press("<Esc>qy");
    assert!(f.app.should_quit());
    let lines = wind_down(&mut f, Vec::new(), Duration::from_millis(50));
    assert_eq!(
        lines,
        ["clone to web-02-clone: still running when virtdeck left; what it made may remain"]
    );
}
