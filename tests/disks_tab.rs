//! The Disks tab, disk-only snapshots with a file per disk, external snapshot deletes and
//! the "saved" state, without libvirt: the App on a detached command channel, fake
//! backend events; keys are pressed, the Commands sent and the screens asserted.

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use virtdeck::app::App;
use virtdeck::backend::jobs::{BlockJob, BlockJobKind, JobCmd, JobEvent, JobPhase};
use virtdeck::backend::snapshots::{Location, SnapshotCmd, SnapshotEvent, SnapshotInfo};
use virtdeck::backend::storage::external::RemainingFile;
use virtdeck::backend::storage::{ChainImage, DiskInfo, StorageCmd, StorageEvent};
use virtdeck::backend::{
    BackendEvent, Command, CommandLog, CommandSender, DomainId, DomainInfo, DomainState, HostId,
};
use virtdeck::config::Config;
use virtdeck::config::keymap::Key;
use virtdeck::event::Event;

const H: HostId = HostId::FIRST;
const IMG: &str = "/var/lib/libvirt/images";

fn id(n: usize) -> DomainId {
    DomainId::new(H, format!("00000000-0000-4000-8000-{n:012}"))
}

fn dom(n: usize, name: &str, state: i32, managed_save: bool) -> DomainInfo {
    DomainInfo {
        id: id(n),
        name: name.into(),
        state: DomainState::from_raw(state, if managed_save { 5 } else { 1 }),
        dom_id: (state == 1).then_some(n as u32),
        vcpus: 1,
        memory_kib: 1024 * 1024,
        max_memory_kib: 1024 * 1024,
        cpu_time_ns: 0,
        autostart: false,
        persistent: true,
        managed_save,
    }
}

fn img(p: &str, i: u32) -> ChainImage {
    ChainImage {
        kind: "file".into(),
        path: Some(format!("{IMG}/{p}")),
        format: Some("qcow2".into()),
        index: Some(i),
        capacity: Some(10 << 30),
        allocation: Some(1 << 30),
    }
}

/// vda with a three-image chain, vdb alone, and a CD-ROM.
fn disks() -> Vec<DiskInfo> {
    let disk = |target: &str, device: &str, chain: Vec<ChainImage>| DiskInfo {
        target: target.into(),
        bus: if device == "cdrom" { "sata" } else { "virtio" }.into(),
        device: device.into(),
        readonly: device == "cdrom",
        shareable: false,
        chain,
        mirror: None,
    };
    vec![
        disk(
            "vda",
            "disk",
            vec![
                img("db.s2.qcow2", 3),
                img("db.s1.qcow2", 2),
                img("db.qcow2", 1),
            ],
        ),
        disk("vdb", "disk", vec![img("db-data.qcow2", 4)]),
        disk("sda", "cdrom", vec![]),
    ]
}

fn copy_job(disk: &str, phase: JobPhase) -> BlockJob {
    BlockJob {
        id: id(1),
        domain: "db-primary".into(),
        disk: disk.into(),
        kind: BlockJobKind::Copy,
        phase,
        cur: 3 << 30,
        end: 4 << 30,
        bandwidth: 0,
        rate: None,
        eta: None,
        seen: Instant::now(),
        ours: true,
    }
}

struct Fake {
    app: App,
    log: CommandLog,
    term: Terminal<TestBackend>,
}

impl Fake {
    fn new(w: u16, h: u16) -> Fake {
        let (tx, log) = CommandSender::detached();
        let mut app = App::new(Config::builtin().expect("config"), tx, false);
        app.drafts_dir = None;
        app.handle(Event::Backend(BackendEvent::Connected {
            host: H,
            uri: "test:///fake".into(),
            hostname: "fakehost".into(),
            readonly: false,
        }));
        app.handle(Event::Backend(BackendEvent::DomainList(
            H,
            vec![
                dom(1, "db-primary", 1, false),
                dom(2, "db-replica", 5, true),
            ],
        )));
        let term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        let f = Fake { app, log, term };
        f.log.drain();
        f
    }

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
            if matches!(key.code, KeyCode::Char(c) if c.is_ascii_uppercase()) {
                mods |= KeyModifiers::SHIFT;
            }
            self.app.handle(Event::Key(KeyEvent::new(key.code, mods)));
        }
    }

    fn backend(&mut self, ev: BackendEvent) {
        self.app.handle(Event::Backend(ev));
    }

    fn commands(&self) -> Vec<Command> {
        self.log.drain()
    }

    fn screen(&mut self) -> String {
        self.term.draw(|f| self.app.render(f)).expect("draw");
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

    /// The text of the popup on screen, its wrapped lines joined by spaces.
    fn popup(&mut self) -> String {
        let s = self.screen();
        let lines: Vec<Vec<char>> = s.lines().map(|l| l.chars().collect()).collect();
        let Some((top, left)) = lines
            .iter()
            .enumerate()
            .find_map(|(y, l)| l.iter().position(|c| *c == '┌').map(|x| (y, x)))
        else {
            return String::new();
        };
        let right = lines[top].iter().rposition(|c| *c == '┐').unwrap_or(left);
        let mut out = Vec::new();
        for l in &lines[top + 1..] {
            if l.get(left) == Some(&'└') {
                break;
            }
            let inner: String = l
                .iter()
                .skip(left + 1)
                .take(right.saturating_sub(left + 1))
                .collect();
            out.push(inner.trim().to_string());
        }
        out.join(" ")
    }

    fn status(&mut self) -> String {
        let s = self.screen();
        s.lines().rev().nth(1).unwrap_or_default().to_string()
    }

    /// Answers the disks request among the commands sent (for `want`), and the job list.
    fn answer_disks(&mut self, want: &DomainId, disks: Vec<DiskInfo>, jobs: Vec<BlockJob>) {
        let sent = self.commands();
        let req = sent
            .iter()
            .find_map(|c| match c {
                Command::Storage(_, StorageCmd::Disks { req, id }) if id == want => Some(*req),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no disks request for {want:?} in {sent:?}"));
        self.backend(BackendEvent::Storage(
            H,
            StorageEvent::Disks {
                req,
                id: want.clone(),
                result: Ok(disks),
            },
        ));
        if let Some(req) = sent.iter().find_map(|c| match c {
            Command::Jobs(_, JobCmd::List { req }) => Some(*req),
            _ => None,
        }) {
            self.backend(BackendEvent::Jobs(H, JobEvent::List { req, jobs }));
        }
    }

    /// `B` on db-primary: the Disks tab with the keys, answered.
    fn disks_tab(&mut self, jobs: Vec<BlockJob>) {
        self.press("gB");
        self.answer_disks(&id(1), disks(), jobs);
    }
}

#[test]
fn tab_shows_every_disk_with_its_chain_and_follows_the_selection() {
    let mut f = Fake::new(120, 40);
    // Tab to Disks: the tab reads the selected domain's disks, the list keeps the keys.
    f.press("g<Tab><Tab><Tab><Tab><Tab>");
    f.answer_disks(&id(1), disks(), vec![]);
    let s = f.screen();
    assert!(s.contains("│ Disks"), "{s}");
    let top = s.find("db.s2.qcow2").expect("top");
    let mid = s.find("db.s1.qcow2").expect("middle");
    let base = s.find("images/db.qcow2").expect("base");
    assert!(top < mid && mid < base, "top → base:\n{s}");
    assert!(s.contains("├ back [1]") && s.contains("└ base [2]"), "{s}");
    assert!(s.contains("db-data.qcow2") && s.contains("cdrom"), "{s}");
    assert!(s.contains("1.0G/10.0G"), "{s}");
    // j moves the domain list (the tab does not have the keys), and the tab follows.
    f.press("j");
    let sent = f.commands();
    assert!(
        sent.iter().any(
            |c| matches!(c, Command::Storage(_, StorageCmd::Disks { id: i, .. }) if *i == id(2))
        ),
        "{sent:?}"
    );
}

#[test]
fn b_gives_the_tab_the_keys_and_esc_gives_them_back() {
    let mut f = Fake::new(120, 40);
    f.disks_tab(vec![]);
    // j now picks the next disk, not the next domain: c acts on vdb (no chain).
    f.press("jc");
    assert!(
        f.status().contains("vdb: no backing chain"),
        "{}",
        f.status()
    );
    assert!(f.commands().is_empty());
    f.press("<Esc>j");
    let sent = f.commands();
    assert!(
        sent.iter().any(
            |c| matches!(c, Command::Storage(_, StorageCmd::Disks { id: i, .. }) if *i == id(2))
        ),
        "after Esc, j moves the domain list: {sent:?}"
    );
}

#[test]
fn pivot_from_the_tab_only_after_ready_and_abort_asks() {
    let mut f = Fake::new(140, 40);
    f.disks_tab(vec![copy_job("vda", JobPhase::Running)]);
    assert!(f.screen().contains("[copy 75%]"), "{}", f.screen());
    f.press("v");
    assert!(f.commands().is_empty(), "no pivot before READY");
    assert!(f.status().contains("not ready"), "{}", f.status());
    f.backend(BackendEvent::Jobs(
        H,
        JobEvent::BlockJobUpdated(copy_job("vda", JobPhase::Ready)),
    ));
    assert!(f.screen().contains("[copy 75% READY]"), "{}", f.screen());
    f.commands();
    f.press("v");
    assert!(f.popup().contains("runs on the copy"), "{}", f.popup());
    f.press("y");
    let sent = f.commands();
    assert!(
        matches!(&sent[..], [Command::Jobs(_, JobCmd::Pivot { disk, id: i, .. })] if disk == "vda" && *i == id(1)),
        "{sent:?}"
    );
    f.press("x");
    assert!(
        f.popup().contains("stays a valid point-in-time copy"),
        "{}",
        f.popup()
    );
    f.press("y");
    assert!(matches!(
        &f.commands()[..],
        [Command::Jobs(_, JobCmd::Abort { disk, .. })] if disk == "vda"
    ));
    f.press("l50M<Enter>");
    assert!(matches!(
        &f.commands()[..],
        [Command::Jobs(_, JobCmd::SetSpeed { bytes_per_sec, .. })] if *bytes_per_sec == 50 << 20
    ));
    // vdb runs no job: the keys say so instead of acting on vda's.
    f.press("jx");
    assert!(f.status().contains("vdb: no block job"), "{}", f.status());
    assert!(f.commands().is_empty());
}

#[test]
fn a_job_ending_rereads_the_chain() {
    let mut f = Fake::new(120, 40);
    f.disks_tab(vec![copy_job("vda", JobPhase::Ready)]);
    f.backend(BackendEvent::Jobs(
        H,
        JobEvent::BlockJobEnded {
            id: id(1),
            domain: "db-primary".into(),
            disk: "vda".into(),
            kind: BlockJobKind::Copy,
            end: virtdeck::backend::jobs::JobEnd::Completed,
            at: Instant::now(),
        },
    ));
    assert!(f.commands().iter().any(|c| matches!(
        c,
        Command::Storage(_, StorageCmd::Disks { id: i, .. }) if *i == id(1)
    )));
    assert!(!f.screen().contains("READY"));
}

#[test]
fn a_hidden_tab_reads_nothing_until_it_is_shown_again() {
    let mut f = Fake::new(120, 40);
    f.disks_tab(vec![copy_job("vda", JobPhase::Running)]);
    // On to the next tab: a job ending now marks the chain stale but asks libvirt nothing.
    f.press("<Esc><Tab>");
    assert!(!f.screen().contains("Target Bus"), "{}", f.screen());
    f.commands();
    f.backend(BackendEvent::Jobs(
        H,
        JobEvent::BlockJobEnded {
            id: id(1),
            domain: "db-primary".into(),
            disk: "vda".into(),
            kind: BlockJobKind::Copy,
            end: virtdeck::backend::jobs::JobEnd::Completed,
            at: Instant::now(),
        },
    ));
    assert!(
        !f.commands()
            .iter()
            .any(|c| matches!(c, Command::Storage(..) | Command::Jobs(..))),
        "a hidden tab sent commands"
    );
    f.press("<BackTab>");
    f.answer_disks(&id(1), disks(), vec![]);
    assert!(!f.screen().contains("[copy"), "{}", f.screen());
}

#[test]
fn a_managed_save_shows_as_saved_and_can_be_removed() {
    let mut f = Fake::new(120, 30);
    let s = f.screen();
    let row = s
        .lines()
        .find(|l| l.starts_with("db-replica"))
        .expect("row");
    assert!(row.contains("saved"), "{row}");
    f.press("gj");
    let s = f.screen();
    assert!(
        s.contains("State     saved   managed save image: start resumes it"),
        "{s}"
    );
    f.press("<Ctrl-k>");
    assert!(
        f.screen().contains("virsh managedsave-remove db-replica"),
        "{}",
        f.screen()
    );
    f.press("y");
    assert!(matches!(
        &f.commands()[..],
        [Command::Jobs(_, JobCmd::ManagedSaveRemove { id: i, .. })] if *i == id(2)
    ));
    // The backend re-reads the row after the removal: no longer saved.
    f.backend(BackendEvent::DomainUpdated(dom(2, "db-replica", 5, false)));
    let s = f.screen();
    let row = s
        .lines()
        .find(|l| l.starts_with("db-replica"))
        .expect("row");
    assert!(
        !row.contains(" saved ") && row.contains("shut off"),
        "{row}"
    );
}

fn snap(name: &str, parent: Option<&str>, location: Location, files: &[&str]) -> SnapshotInfo {
    SnapshotInfo {
        name: name.into(),
        parent: parent.map(str::to_string),
        created: 1_700_000_000,
        state: "disk-snapshot".into(),
        description: String::new(),
        location,
        memory: false,
        current: parent.is_some(),
        files: files.iter().map(|f| f.to_string()).collect(),
        xml: String::new(),
    }
}

impl Fake {
    /// The Snapshots tab of db-primary with its tree.
    fn snapshot_tree(&mut self, snaps: Vec<SnapshotInfo>) {
        self.press("gS");
        let (req, i) = self
            .commands()
            .into_iter()
            .find_map(|c| match c {
                Command::Snapshot(SnapshotCmd::List { req, id }) => Some((req, id)),
                _ => None,
            })
            .expect("the Snapshots tab asks for the list");
        self.backend(BackendEvent::Snapshot(SnapshotEvent::List {
            req,
            id: i,
            result: Ok(snaps),
        }));
    }
}

#[test]
fn disk_only_snapshot_offers_a_file_per_disk_next_to_its_image() {
    let mut f = Fake::new(120, 40);
    f.snapshot_tree(vec![]);
    f.press("Ts3");
    f.answer_disks(&id(1), disks(), vec![]);
    // Tab to "Disk only" and tick it: one file per writable disk, the CD-ROM left out.
    f.press("<Tab><Tab> ");
    let s = f.screen();
    let line = |s: &str, disk: &str| {
        s.lines()
            .find(|l| l.contains(&format!("{disk} file ")))
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
    };
    assert!(
        line(&s, "vda").is_some_and(|l| l.contains(&format!("vda file {IMG}/db.s2.s3.qcow2"))),
        "{s}"
    );
    assert!(
        line(&s, "vdb").is_some_and(|l| l.contains(&format!("vdb file {IMG}/db-data.s3.qcow2"))),
        "{s}"
    );
    assert!(line(&s, "sda").is_none(), "{s}");
    // A file typed for vdb stays when the name changes; vda's default follows the name.
    f.press("<Tab><Tab><Tab><Tab><Tab><Ctrl-u>/fast/db-data-top.qcow2");
    f.press("<BackTab><BackTab><BackTab><BackTab><BackTab><BackTab><BackTab>4");
    let s = f.screen();
    assert!(s.contains(&format!("{IMG}/db.s2.s34.qcow2")), "{s}");
    assert!(s.contains("/fast/db-data-top.qcow2"), "{s}");
    f.press("<Enter>");
    match &f.commands()[..] {
        [Command::Snapshot(SnapshotCmd::Create { spec, id: i, .. })] => {
            assert_eq!(*i, id(1));
            assert!(spec.disk_only);
            assert_eq!(spec.name.as_deref(), Some("s34"));
            assert_eq!(
                spec.disk_files,
                [
                    ("vda".to_string(), format!("{IMG}/db.s2.s34.qcow2")),
                    ("vdb".to_string(), "/fast/db-data-top.qcow2".to_string()),
                ]
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_relative_overlay_path_is_refused_in_the_form() {
    let mut f = Fake::new(120, 40);
    f.snapshot_tree(vec![]);
    f.press("Ts3");
    f.answer_disks(&id(1), disks(), vec![]);
    f.press("<Tab><Tab> <Tab><Tab><Tab><Tab><Ctrl-u>top.qcow2<Enter>");
    assert!(f.commands().is_empty());
    assert!(
        f.screen()
            .contains("vda: the overlay file must be an absolute path")
    );
}

#[test]
fn external_snapshots_are_marked_and_their_delete_names_the_remaining_files() {
    let mut f = Fake::new(140, 40);
    let s1 = format!("{IMG}/db.s1.qcow2");
    let s2 = format!("{IMG}/db.s2.qcow2");
    f.snapshot_tree(vec![
        snap("s1", None, Location::External, &[&s1]),
        snap("s2", Some("s1"), Location::External, &[&s2]),
    ]);
    let s = f.screen();
    assert!(
        s.lines().any(|l| l.contains("s1 [ext]")) && s.lines().any(|l| l.contains("s2 [ext]")),
        "{s}"
    );
    // The tree has the keys after S; the current snapshot (s2) is selected.
    f.press("D");
    let (req, snapshot) = f
        .commands()
        .into_iter()
        .find_map(|c| match c {
            Command::Storage(_, StorageCmd::SnapshotFiles { req, snapshot, .. }) => {
                Some((req, snapshot))
            }
            _ => None,
        })
        .expect("the delete asks which files remain");
    assert_eq!(snapshot, "s2");
    assert!(f.popup().contains("Reading which chains hold these files"));
    let chain = vec![s2.clone(), s1.clone(), format!("{IMG}/db.qcow2")];
    f.backend(BackendEvent::Storage(
        H,
        StorageEvent::SnapshotFiles {
            req,
            result: Ok(vec![RemainingFile {
                path: s2.clone(),
                disk: Some("vda".into()),
                depth: Some(0),
                chain,
            }]),
        },
    ));
    let s = f.popup();
    assert!(
        s.contains(&format!(
            "{s2} is merged into {s1} and deleted; {s1} remains and vda writes to it (chain now {s1} -> {IMG}/db.qcow2)"
        )),
        "{s}"
    );
    // Metadata only: every file remains, with its chain.
    f.press("4");
    let s = f.popup();
    assert!(
        s.contains(&format!(
            "{s2} remains: vda writes to it (chain {s2} -> {s1} -> {IMG}/db.qcow2)"
        )),
        "{s}"
    );
}

mod screens {
    use super::*;

    fn check(name: &str, build: impl Fn(&mut Fake)) {
        for (w, h) in [(80, 24), (160, 45)] {
            let mut f = Fake::new(w, h);
            build(&mut f);
            let screen = f.screen();
            insta::with_settings!({ prepend_module_to_snapshot => false }, {
                insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen);
            });
        }
    }

    #[test]
    fn disks_tab() {
        check("disks_tab", |f| {
            f.press("g<Tab><Tab><Tab><Tab><Tab>");
            f.answer_disks(&id(1), disks(), vec![copy_job("vdb", JobPhase::Ready)]);
        });
    }

    #[test]
    fn disks_tab_focused() {
        check("disks_tab_focused", |f| {
            f.disks_tab(vec![copy_job("vdb", JobPhase::Running)]);
        });
    }

    #[test]
    fn snapshot_disk_only() {
        check("snapshot_disk_only", |f| {
            f.snapshot_tree(vec![]);
            f.press("Tnightly");
            f.answer_disks(&id(1), disks(), vec![]);
            f.press("<Tab><Tab> ");
        });
    }
}
