//! The pools, volumes and jobs views without libvirt: the App on a detached command
//! channel, fake storage and job events; keys are pressed, the Commands sent and the
//! screens asserted.

use std::time::{Duration, Instant};

use virtdeck::backend::jobs::{BlockJob, BlockJobKind, JobCmd, JobEvent, JobPhase};
use virtdeck::backend::storage::{
    Direction, PoolInfo, PoolOp, PoolState, StorageCmd, StorageEvent, TransferProgress, VolumeInfo,
    VolumeUser,
};
use virtdeck::backend::{BackendEvent, Command, DomainId, DomainInfo, DomainState, HostId};
use virtdeck::config::Config;
use virtdeck::event::Event;

const H: HostId = HostId::FIRST;

fn id(n: usize) -> DomainId {
    DomainId::new(H, format!("00000000-0000-4000-8000-{n:012}"))
}

fn dom(n: usize, name: &str, state: i32) -> DomainInfo {
    DomainInfo {
        id: id(n),
        name: name.into(),
        state: DomainState::from_raw(state, 1),
        dom_id: (state == 1).then_some(n as u32),
        vcpus: 1,
        memory_kib: 1024 * 1024,
        max_memory_kib: 1024 * 1024,
        cpu_time_ns: 0,
        autostart: false,
        persistent: true,
        managed_save: false,
    }
}

fn pool(name: &str, state: PoolState, cap_g: u64, alloc_g: u64) -> PoolInfo {
    PoolInfo {
        name: name.into(),
        uuid: String::new(),
        state,
        autostart: name == "default",
        persistent: true,
        kind: "dir".into(),
        target: Some(format!("/var/lib/libvirt/{name}")),
        capacity: cap_g << 30,
        allocation: alloc_g << 30,
        available: (cap_g - alloc_g) << 30,
    }
}

fn vol(name: &str, format: &str, users: Vec<VolumeUser>) -> VolumeInfo {
    VolumeInfo {
        pool: "default".into(),
        name: name.into(),
        key: format!("/var/lib/libvirt/images/{name}"),
        path: format!("/var/lib/libvirt/images/{name}"),
        kind: "file".into(),
        format: Some(format.into()),
        capacity: 10 << 30,
        allocation: 2 << 30,
        backing_path: (name == "web.qcow2").then(|| "/var/lib/libvirt/images/base.qcow2".into()),
        backing_format: (name == "web.qcow2").then(|| "qcow2".into()),
        users,
    }
}

fn user(n: usize, name: &str, running: bool) -> VolumeUser {
    VolumeUser {
        id: id(n),
        name: name.into(),
        running,
        disk: "vda".into(),
        as_backing: false,
    }
}

fn volumes() -> Vec<VolumeInfo> {
    vec![
        vol("base.qcow2", "qcow2", vec![]),
        vol("db.qcow2", "qcow2", vec![user(1, "db-primary", true)]),
        vol("old.raw", "raw", vec![user(2, "db-replica", false)]),
        vol("web.qcow2", "qcow2", vec![]),
    ]
}

#[path = "common/fake.rs"]
mod fake;
use fake::Fake;

impl Fake {
    fn new(w: u16, h: u16) -> Fake {
        Fake::with(w, h, false)
    }

    fn with(w: u16, h: u16, readonly: bool) -> Fake {
        let config = Config::builtin().expect("config");
        let doms = vec![dom(1, "db-primary", 1), dom(2, "db-replica", 5)];
        let f = Fake::connected(w, h, config, readonly, doms);
        f.log.drain();
        f
    }

    fn storage(&mut self, ev: StorageEvent) {
        self.app
            .handle(Event::Backend(BackendEvent::Storage(H, ev)));
    }

    fn jobs(&mut self, ev: JobEvent) {
        self.app.handle(Event::Backend(BackendEvent::Jobs(H, ev)));
    }

    /// `P`, answered with two pools.
    fn pools(&mut self) {
        self.press("P");
        let req = self
            .commands()
            .into_iter()
            .find_map(|c| match c {
                Command::Storage(h, StorageCmd::ListPools { req }) if h == H => Some(req),
                _ => None,
            })
            .expect("P asks for the pools");
        self.storage(StorageEvent::Pools {
            req,
            result: Ok(vec![
                pool("default", PoolState::Running, 100, 40),
                pool("backups", PoolState::Inactive, 50, 5),
            ]),
        });
    }

    /// Enter on `default`, answered with [`volumes`].
    fn volumes(&mut self) {
        self.pools();
        self.press("<End>");
        self.press("<Enter>");
        let req = self
            .commands()
            .into_iter()
            .find_map(|c| match c {
                Command::Storage(_, StorageCmd::ListVolumes { req, pool }) => {
                    assert_eq!(pool, "default", "Enter opens the selected pool");
                    Some(req)
                }
                _ => None,
            })
            .expect("Enter asks for the volumes");
        self.storage(StorageEvent::Volumes {
            req,
            pool: "default".into(),
            result: Ok(volumes()),
        });
    }

    fn select_volume(&mut self, name: &str) {
        self.press("g");
        let i = volumes()
            .iter()
            .position(|v| v.name == name)
            .expect("volume");
        for _ in 0..i {
            self.press("j");
        }
    }

    /// `J`, answered with `jobs`.
    fn jobs_view(&mut self, jobs: Vec<BlockJob>) {
        self.press("J");
        let req = self
            .commands()
            .into_iter()
            .find_map(|c| match c {
                Command::Jobs(_, JobCmd::List { req }) => Some(req),
                _ => None,
            })
            .expect("J asks for the jobs");
        self.jobs(JobEvent::List { req, jobs });
    }
}

fn copy_job(phase: JobPhase) -> BlockJob {
    BlockJob {
        id: id(1),
        domain: "db-primary".into(),
        disk: "vda".into(),
        kind: BlockJobKind::Copy,
        phase,
        cur: 3 << 30,
        end: 4 << 30,
        bandwidth: 0,
        rate: Some(100.0 * 1024.0 * 1024.0),
        eta: Some(Duration::from_secs(10)),
        seen: Instant::now(),
        ours: false,
    }
}

#[test]
fn pool_keys_send_pool_commands_and_never_reach_the_domain_list() {
    let mut f = Fake::new(100, 30);
    f.pools();
    assert!(f.screen().contains("backups"), "the pools are listed");
    // Sorted by name: backups first. `s` starts it (the domain list's `s` must not fire).
    f.press("s");
    let sent = f.commands();
    assert!(
        matches!(&sent[..], [Command::Storage(_, StorageCmd::Pool { pool, op: PoolOp::Start, .. })] if pool == "backups"),
        "{sent:?}"
    );
    // A key the view has no use for stops there too.
    f.press("d");
    assert!(f.commands().is_empty());
    // Esc goes back to the domain list, where `s` is start again.
    f.press("<Esc>");
    assert!(f.screen().contains("db-primary"));
}

#[test]
fn pool_delete_needs_the_pool_name_typed() {
    let mut f = Fake::new(100, 30);
    f.pools();
    f.press("D");
    assert!(f.screen().contains("Delete pool storage"));
    f.press("wrong<Enter>");
    assert!(f.commands().is_empty(), "a wrong name sends nothing");
    f.press("Dbackups<Enter>");
    let sent = f.commands();
    assert!(
        matches!(&sent[..], [Command::Storage(_, StorageCmd::Pool { op: PoolOp::Delete, pool, .. })] if pool == "backups"),
        "{sent:?}"
    );
}

#[test]
fn read_only_refuses_pool_and_volume_changes() {
    let mut f = Fake::with(100, 30, true);
    f.pools();
    f.press("s");
    assert!(f.commands().is_empty());
    assert!(f.status_line().contains("read-only"), "{}", f.status_line());
}

#[test]
fn delete_of_a_volume_a_running_domain_uses_is_refused_naming_it() {
    let mut f = Fake::new(120, 30);
    f.volumes();
    f.select_volume("db.qcow2");
    f.press("D");
    assert!(f.commands().is_empty());
    let st = f.status_line();
    assert!(st.contains("db-primary") && st.contains("running"), "{st}");
}

#[test]
fn delete_names_the_stopped_user_and_sends_after_yes() {
    let mut f = Fake::new(120, 30);
    f.volumes();
    f.select_volume("old.raw");
    f.press("D");
    let s = f.screen();
    assert!(s.contains("db-replica"), "the stopped user is named:\n{s}");
    assert!(f.commands().is_empty(), "nothing before the yes");
    f.press("y");
    let sent = f.commands();
    assert!(
        matches!(&sent[..], [Command::Storage(_, StorageCmd::DeleteVolume { name, pool, .. })] if name == "old.raw" && pool == "default"),
        "{sent:?}"
    );
}

#[test]
fn shrinking_needs_the_word_shrink() {
    let mut f = Fake::new(120, 30);
    f.volumes();
    f.select_volume("base.qcow2");
    f.press("z5G<Enter>");
    assert!(f.commands().is_empty(), "no shrink without saying so");
    assert!(f.screen().contains("shrink"));
    f.press(" shrink<Enter>");
    let sent = f.commands();
    assert!(
        matches!(&sent[..], [Command::Storage(_, StorageCmd::ResizeVolume { capacity, shrink: true, .. })] if *capacity == 5 << 30),
        "{sent:?}"
    );
    f.press("z20G<Enter>");
    let sent = f.commands();
    assert!(
        matches!(&sent[..], [Command::Storage(_, StorageCmd::ResizeVolume { capacity, shrink: false, .. })] if *capacity == 20 << 30),
        "{sent:?}"
    );
}

#[test]
fn create_form_makes_a_qcow2_overlay_on_a_pool_volume() {
    let mut f = Fake::new(120, 30);
    f.volumes();
    f.press("Nweb2.qcow2 10G qcow2 base.qcow2<Enter>");
    let sent = f.commands();
    match &sent[..] {
        [Command::Storage(_, StorageCmd::CreateVolume { pool, spec, .. })] => {
            assert_eq!(pool, "default");
            assert_eq!(spec.name, "web2.qcow2");
            assert_eq!(spec.capacity, 10 << 30);
            assert_eq!(
                spec.backing,
                Some(("/var/lib/libvirt/images/base.qcow2".into(), "qcow2".into()))
            );
        }
        other => panic!("{other:?}"),
    }
    // A bad size keeps the form open with the reason.
    f.press("Nx lots<Enter>");
    assert!(f.commands().is_empty());
    assert!(f.screen().contains("lots"));
}

#[test]
fn download_shows_progress_and_cancel_sends_the_cancel() {
    let mut f = Fake::new(120, 30);
    f.volumes();
    f.select_volume("web.qcow2");
    f.press("d<Ctrl-u>/tmp/web.img<Enter>");
    let req = match &f.commands()[..] {
        [
            Command::Storage(
                _,
                StorageCmd::Transfer {
                    req,
                    direction: Direction::Download,
                    name,
                    ..
                },
            ),
        ] => {
            assert_eq!(name, "web.qcow2");
            *req
        }
        other => panic!("{other:?}"),
    };
    f.storage(StorageEvent::TransferProgress {
        req,
        progress: TransferProgress {
            done: 1 << 30,
            total: 4 << 30,
            rate: 200.0 * 1024.0 * 1024.0,
            elapsed: Duration::from_secs(5),
        },
    });
    let s = f.screen();
    assert!(s.contains("1.0G/4.0G") && s.contains("15s left"), "{s}");
    f.press("<Esc>");
    assert!(
        f.screen().contains("Volumes of default"),
        "Esc does not leave a transfer unseen"
    );
    f.press("x");
    assert_eq!(
        f.commands(),
        vec![Command::Storage(H, StorageCmd::CancelTransfer { req })]
    );
    f.storage(StorageEvent::TransferFinished {
        req,
        direction: Direction::Download,
        result: Err("cancelled; the partial file was removed".into()),
    });
    assert!(
        f.status_line().contains("partial file was removed"),
        "{}",
        f.status_line()
    );
}

#[test]
fn pivot_is_not_offered_before_ready() {
    let mut f = Fake::new(120, 30);
    f.jobs_view(vec![copy_job(JobPhase::Running)]);
    assert!(f.screen().contains("db-primary"));
    f.press("p");
    assert!(f.commands().is_empty(), "no pivot while running");
    assert!(f.status_line().contains("not ready"), "{}", f.status_line());
    // cur == end is not READY either.
    let mut full = copy_job(JobPhase::Running);
    full.cur = full.end;
    f.jobs(JobEvent::BlockJobUpdated(full));
    f.press("p");
    assert!(
        f.commands().is_empty(),
        "cur == end alone does not allow a pivot"
    );
    // READY from libvirt: now p asks, and y pivots.
    f.jobs(JobEvent::BlockJobUpdated(copy_job(JobPhase::Ready)));
    assert!(f.screen().contains("READY"));
    f.press("p");
    assert!(f.screen().contains("runs on the copy"));
    f.press("y");
    let sent = f.commands();
    assert!(
        matches!(&sent[..], [Command::Jobs(_, JobCmd::Pivot { disk, id: i, .. })] if disk == "vda" && *i == id(1)),
        "{sent:?}"
    );
}

#[test]
fn jobs_appear_and_go_with_block_job_events_and_abort_asks() {
    let mut f = Fake::new(120, 30);
    f.jobs_view(vec![]);
    assert!(f.screen().contains("no block, save or restore job"));
    f.jobs(JobEvent::BlockJobUpdated(copy_job(JobPhase::Running)));
    assert!(f.screen().contains("75%"), "{}", f.screen());
    f.press("x");
    f.press("y");
    assert!(matches!(
        &f.commands()[..],
        [Command::Jobs(_, JobCmd::Abort { .. })]
    ));
    f.jobs(JobEvent::BlockJobEnded {
        id: id(1),
        domain: "db-primary".into(),
        disk: "vda".into(),
        kind: BlockJobKind::Copy,
        end: virtdeck::backend::jobs::JobEnd::Canceled,
        at: Instant::now(),
    });
    assert!(f.screen().contains("no block, save or restore job"));
}

fn chain_disk() -> virtdeck::backend::storage::DiskInfo {
    use virtdeck::backend::storage::{ChainImage, DiskInfo};
    let img = |p: &str, i: u32| ChainImage {
        kind: "file".into(),
        path: Some(format!("/var/lib/libvirt/images/{p}")),
        format: Some("qcow2".into()),
        index: Some(i),
        capacity: Some(10 << 30),
        allocation: Some(1 << 30),
    };
    DiskInfo {
        target: "vda".into(),
        bus: "virtio".into(),
        device: "disk".into(),
        readonly: false,
        shareable: false,
        chain: vec![img("db.snap2", 3), img("db.snap1", 2), img("db.qcow2", 1)],
        mirror: None,
    }
}

impl Fake {
    /// `B` on db-primary (running), answered with one disk and a three-image chain.
    fn disks(&mut self) {
        self.press("gB");
        let (req, i) = self
            .commands()
            .into_iter()
            .find_map(|c| match c {
                Command::Storage(_, StorageCmd::Disks { req, id }) => Some((req, id)),
                _ => None,
            })
            .expect("B asks for the disks");
        assert_eq!(i, id(1));
        self.storage(StorageEvent::Disks {
            req,
            id: i,
            result: Ok(vec![chain_disk()]),
        });
    }
}

#[test]
fn disks_view_shows_the_chain_top_to_base() {
    let mut f = Fake::new(120, 30);
    f.disks();
    let s = f.screen();
    let top = s.find("db.snap2").expect("top");
    let mid = s.find("db.snap1").expect("middle");
    let base = s.find("images/db.qcow2").expect("base");
    assert!(top < mid && mid < base, "top → base order:\n{s}");
    assert!(s.contains("virtio") && s.contains("1.0G/10.0G"), "{s}");
}

#[test]
fn active_commit_spells_out_the_pivot_and_sends_after_yes() {
    let mut f = Fake::new(120, 30);
    f.disks();
    f.press("c<Enter>");
    let s = f.screen();
    assert!(s.contains("Active commit"), "{s}");
    assert!(
        s.contains("virsh blockcommit db-primary vda --active"),
        "{s}"
    );
    assert!(f.commands().is_empty(), "nothing before the yes");
    f.press("y");
    match &f.commands()[..] {
        [
            Command::Jobs(
                _,
                JobCmd::Commit {
                    top, base, disk, ..
                },
            ),
        ] => {
            assert_eq!(disk, "vda");
            assert_eq!(*top, None, "the active image");
            assert_eq!(base.as_deref(), Some("/var/lib/libvirt/images/db.qcow2"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn commit_of_an_inner_image_names_the_files_made_invalid() {
    let mut f = Fake::new(140, 30);
    f.disks();
    f.press("c<Ctrl-u>1 2<Enter>");
    let s = f.screen();
    assert!(
        s.contains("INVALID afterwards: /var/lib/libvirt/images/db.snap1"),
        "{s}"
    );
    f.press("y");
    assert!(matches!(
        &f.commands()[..],
        [Command::Jobs(_, JobCmd::Commit { top: Some(t), .. })] if t.ends_with("db.snap1")
    ));
}

#[test]
fn pull_and_copy_say_what_the_domain_runs_on() {
    let mut f = Fake::new(140, 30);
    f.disks();
    f.press("p<Enter>");
    assert!(f.screen().contains("stands alone"));
    f.press("y");
    assert!(matches!(
        &f.commands()[..],
        [Command::Jobs(_, JobCmd::Pull { base: None, .. })]
    ));
    f.press("y<Ctrl-u>/srv/copy.qcow2 qcow2 shallow<Enter>");
    let s = f.screen();
    assert!(
        s.contains("runs on /srv/copy.qcow2") && s.contains("--shallow"),
        "{s}"
    );
    f.press("y");
    match &f.commands()[..] {
        [Command::Jobs(_, JobCmd::Copy { dest, .. })] => {
            assert_eq!(dest.path, "/srv/copy.qcow2");
            assert!(dest.shallow);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn managed_save_of_the_selected_running_domain() {
    let mut f = Fake::new(100, 30);
    f.press("gM");
    assert!(matches!(
        &f.commands()[..],
        [Command::Jobs(_, JobCmd::ManagedSave { id: i, .. })] if *i == id(1)
    ));
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
    fn pools() {
        check("pools", |f| f.pools());
    }

    #[test]
    fn volumes() {
        check("volumes", |f| f.volumes());
    }

    #[test]
    fn disks() {
        check("disks", |f| f.disks());
    }

    #[test]
    fn jobs() {
        check("jobs", |f| {
            f.jobs_view(vec![copy_job(JobPhase::Ready)]);
        });
    }
}

#[test]
fn a_save_shows_in_the_jobs_view_with_its_domain_and_goes_when_done() {
    use virtdeck::backend::jobs::DomainJobProgress;
    let mut f = Fake::new(120, 30);
    f.jobs_view(vec![]);
    f.jobs(JobEvent::DomainJobStarted {
        req: 900,
        id: Some(id(1)),
        what: "managed save".into(),
    });
    f.jobs(JobEvent::DomainJobProgress {
        req: 900,
        id: Some(id(1)),
        progress: DomainJobProgress {
            elapsed: Duration::from_secs(2),
            processed: Some(512 << 20),
            total: Some(1 << 30),
            percent: Some(50),
        },
    });
    let s = f.screen();
    assert!(
        s.contains("db-primary") && s.contains("managed save") && s.contains("50%"),
        "{s}"
    );
    f.jobs(JobEvent::DomainJobFinished {
        req: 900,
        id: Some(id(1)),
        what: "managed save".into(),
        result: Ok("saved".into()),
    });
    assert!(f.screen().contains("no block, save or restore job"));
}

#[test]
fn quitting_during_a_download_asks_and_cancels_it_on_the_way_out() {
    let mut f = Fake::new(120, 30);
    f.volumes();
    f.select_volume("web.qcow2");
    f.press("d<Ctrl-u>/tmp/web.img<Enter>");
    let req = match &f.commands()[..] {
        [Command::Storage(_, StorageCmd::Transfer { req, .. })] => *req,
        other => panic!("{other:?}"),
    };
    f.press(":q<Enter>");
    let s = f.screen();
    assert!(s.contains("Quit with jobs running?"), "{s}");
    assert!(
        s.contains("download default/web.qcow2 to /tmp/web.img"),
        "{s}"
    );
    assert!(!f.app.should_quit());
    f.press("y");
    assert!(f.app.should_quit());
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    tx.send(virtdeck::event::Event::Backend(BackendEvent::Storage(
        H,
        StorageEvent::TransferFinished {
            req,
            direction: Direction::Download,
            result: Err("cancelled; the partial file was removed".into()),
        },
    )))
    .expect("send");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    let lines = rt.block_on(f.app.wind_down(&mut rx, Duration::from_secs(30)));
    assert_eq!(
        f.commands(),
        vec![Command::Storage(H, StorageCmd::CancelTransfer { req })]
    );
    assert_eq!(
        lines,
        ["download default/web.qcow2 to /tmp/web.img: cancelled; the partial file was removed"]
    );
}
