//! Storage benchmarks on the rig (qemu:///system): volume upload / download throughput of
//! a 256 MiB file through the backend next to `virsh vol-upload` / `vol-download`, and
//! block job event latency (libvirt's callback to the App's channel).
//! Run with `cargo bench --bench storage`; prints figures, asserts nothing.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command as Proc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedReceiver;
use virtdeck::backend::jobs::{JobCmd, JobEvent, JobPhase};
use virtdeck::backend::model::HostId;
use virtdeck::backend::storage::{Direction, NewVolume, PoolOp, StorageCmd, StorageEvent};
use virtdeck::backend::{Backend, BackendConfig, BackendEvent, Command, DomainId};
use virtdeck::event::{self, Event};

const URI: &str = "qemu:///system";
const SIZE: u64 = 256 << 20;

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("storage figures need the rig: run `cargo bench --bench storage`");
        return;
    }
    let prefix = std::env::var("VIRTDECK_RIG_PREFIX").unwrap_or_else(|_| "vdtest-".into());
    throughput(&prefix);
    event_latency(&prefix);
}

fn virsh(args: &[&str]) -> (bool, String) {
    match Proc::new("virsh")
        .args(["-q", "-c", URI])
        .args(args)
        .output()
    {
        Ok(o) => (
            o.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            ),
        ),
        Err(e) => (false, e.to_string()),
    }
}

struct Client {
    _backend: Backend,
    tx: virtdeck::backend::CommandSender,
    rx: UnboundedReceiver<Event>,
    next: u64,
}

impl Client {
    fn open() -> Client {
        virt::error::clear_error_callback();
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let cfg = BackendConfig {
            uri: Some(URI.into()),
            reconcile_every: None,
            ..BackendConfig::default()
        };
        let backend = Backend::start(cfg, event::backend_sink(tx)).expect("backend starts");
        Client {
            tx: backend.sender(),
            _backend: backend,
            rx,
            next: 0,
        }
    }

    fn send(&mut self, make: impl FnOnce(u64) -> Command) -> u64 {
        self.next += 1;
        self.tx.send(make(self.next));
        self.next
    }

    /// Next backend event picked by `f`, with the time it came off the channel.
    fn wait<T>(&mut self, mut f: impl FnMut(&BackendEvent) -> Option<T>) -> (T, Instant) {
        let deadline = Instant::now() + Duration::from_secs(300);
        while Instant::now() < deadline {
            match self.rx.blocking_recv() {
                Some(Event::Backend(ev)) => {
                    let at = Instant::now();
                    if let Some(t) = f(&ev) {
                        return (t, at);
                    }
                }
                Some(_) => {}
                None => break,
            }
        }
        panic!("no answer from the backend");
    }

    fn storage(&mut self, cmd: impl FnOnce(u64) -> StorageCmd) -> StorageEvent {
        let req = self.send(|r| Command::Storage(HostId::FIRST, cmd(r)));
        self.wait(|ev| match ev {
            BackendEvent::Storage(_, s @ StorageEvent::Done { req: r, .. })
            | BackendEvent::Storage(_, s @ StorageEvent::TransferFinished { req: r, .. })
                if *r == req =>
            {
                Some(s.clone())
            }
            _ => None,
        })
        .0
    }
}

fn random_file(path: &Path, bytes: u64) {
    let mut f = std::fs::File::create(path).expect("create");
    let mut urandom = std::fs::File::open("/dev/urandom").expect("urandom");
    std::io::copy(&mut Read::by_ref(&mut urandom).take(bytes), &mut f).expect("fill");
    f.flush().expect("flush");
}

fn mib_s(bytes: u64, d: Duration) -> f64 {
    bytes as f64 / (1 << 20) as f64 / d.as_secs_f64()
}

fn throughput(prefix: &str) {
    let pool = format!("{prefix}bench-pool");
    let dir = format!("/var/lib/libvirt/images/{pool}");
    let mut c = Client::open();
    let xml =
        format!("<pool type='dir'><name>{pool}</name><target><path>{dir}</path></target></pool>");
    let _ = c.storage(|req| StorageCmd::DefinePool {
        req,
        editing: None,
        xml,
    });
    for op in [PoolOp::Build, PoolOp::Start] {
        let p = pool.clone();
        let _ = c.storage(|req| StorageCmd::Pool { req, pool: p, op });
    }
    let p = pool.clone();
    let _ = c.storage(|req| StorageCmd::CreateVolume {
        req,
        pool: p,
        spec: NewVolume {
            name: "bench.raw".into(),
            capacity: SIZE,
            format: "raw".into(),
            backing: None,
        },
    });
    let tmp = tempfile::tempdir_in("/var/tmp").expect("tempdir");
    let src: PathBuf = tmp.path().join("src.bin");
    random_file(&src, SIZE);
    let src_s = src.display().to_string();
    let dst = tmp.path().join("dst.bin");
    let dst_s = dst.display().to_string();

    let mut ours = (Vec::new(), Vec::new());
    let mut theirs = (Vec::new(), Vec::new());
    for _ in 0..5 {
        for direction in [Direction::Upload, Direction::Download] {
            let file = if direction == Direction::Upload {
                &src
            } else {
                &dst
            };
            let t = Instant::now();
            let p = pool.clone();
            let ev = c.storage(|req| StorageCmd::Transfer {
                req,
                pool: p,
                name: "bench.raw".into(),
                file: file.clone(),
                direction,
            });
            let d = t.elapsed();
            if let StorageEvent::TransferFinished { result: Err(e), .. } = ev {
                println!("transfer failed: {e}");
                return;
            }
            let v = if direction == Direction::Upload {
                &mut ours.0
            } else {
                &mut ours.1
            };
            v.push(d);
        }
        let t = Instant::now();
        let ok = virsh(&["vol-upload", "bench.raw", &src_s, "--pool", &pool]).0;
        theirs.0.push(t.elapsed());
        let t = Instant::now();
        let ok2 = virsh(&["vol-download", "bench.raw", &dst_s, "--pool", &pool]).0;
        theirs.1.push(t.elapsed());
        if !(ok && ok2) {
            println!("virsh vol-upload/vol-download failed");
        }
    }
    let best = |v: &[Duration]| v.iter().min().copied().unwrap_or_default();
    let (ou, od, tu, td) = (
        best(&ours.0),
        best(&ours.1),
        best(&theirs.0),
        best(&theirs.1),
    );
    println!(
        "upload   256 MiB: virtdeck {:7.1} MiB/s  virsh {:7.1} MiB/s  ratio {:.2} (best of 5)",
        mib_s(SIZE, ou),
        mib_s(SIZE, tu),
        tu.as_secs_f64() / ou.as_secs_f64()
    );
    println!(
        "download 256 MiB: virtdeck {:7.1} MiB/s  virsh {:7.1} MiB/s  ratio {:.2} (best of 5)",
        mib_s(SIZE, od),
        mib_s(SIZE, td),
        td.as_secs_f64() / od.as_secs_f64()
    );
    let _ = virsh(&["vol-delete", "bench.raw", "--pool", &pool]);
    let _ = virsh(&["pool-destroy", &pool]);
    let _ = virsh(&["pool-delete", &pool]);
    let _ = virsh(&["pool-undefine", &pool]);
}

/// Active commit to READY, then abort, ten times on a started rig guest with one
/// overlay: the READY and the CANCELED events, callback to channel.
fn event_latency(prefix: &str) {
    let name = format!("{prefix}bench-bj");
    let define = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rig/define-guest.sh");
    let ok = Proc::new(define)
        .arg(&name)
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok || !virsh(&["start", &name]).0 {
        println!("block job latency: cannot start rig guest {name}");
        return;
    }
    let overlay = format!("/var/lib/libvirt/images/{name}.top.qcow2");
    let spec = format!("vda,file={overlay}");
    let snap = virsh(&[
        "snapshot-create-as",
        &name,
        "top",
        "--disk-only",
        "--atomic",
        "--no-metadata",
        "--diskspec",
        &spec,
    ]);
    let (_, uuid) = virsh(&["domuuid", &name]);
    let id = DomainId::new(HostId::FIRST, uuid.trim().to_string());
    let mut c = Client::open();
    let mut lat = Vec::new();
    if snap.0 {
        for _ in 0..10 {
            let i = id.clone();
            c.send(|req| {
                Command::Jobs(
                    HostId::FIRST,
                    JobCmd::Commit {
                        req,
                        id: i,
                        disk: "vda".into(),
                        top: None,
                        base: None,
                        relative: false,
                        bandwidth: 0,
                    },
                )
            });
            c.wait(|ev| match ev {
                BackendEvent::Jobs(_, JobEvent::BlockJobUpdated(j))
                    if j.phase == JobPhase::Ready =>
                {
                    Some(())
                }
                _ => None,
            });
            let i = id.clone();
            c.send(|req| {
                Command::Jobs(
                    HostId::FIRST,
                    JobCmd::Abort {
                        req,
                        id: i,
                        disk: "vda".into(),
                    },
                )
            });
            let (at, got) = c.wait(|ev| match ev {
                BackendEvent::Jobs(_, JobEvent::BlockJobEnded { at, .. }) => Some(*at),
                _ => None,
            });
            lat.push(got.duration_since(at));
        }
    } else {
        println!("block job latency: snapshot failed: {}", snap.1);
    }
    lat.sort();
    if let (Some(med), Some(max)) = (lat.get(lat.len() / 2), lat.last()) {
        println!(
            "block job event -> App channel: median {:.3} ms, max {:.3} ms over {} events (target <= 100 ms)",
            med.as_secs_f64() * 1e3,
            max.as_secs_f64() * 1e3,
            lat.len()
        );
    }
    let _ = virsh(&["destroy", &name]);
    let _ = virsh(&["undefine", &name]);
    let _ = std::fs::remove_file(&overlay);
    let _ = std::fs::remove_file(format!("/var/lib/libvirt/images/{name}.qcow2"));
}
