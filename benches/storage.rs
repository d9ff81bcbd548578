//! Storage benchmarks on the rig (qemu:///system): volume upload / download throughput of
//! a 512 MiB file through the backend next to `virsh vol-upload` / `vol-download` of the
//! same file (alternating rounds, warm page cache, medians; see `throughput`), and block
//! job event latency (libvirt's callback to the App's channel).
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

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("storage figures need the rig: run `cargo bench --bench storage`");
        return;
    }
    let prefix = std::env::var("VIRTDECK_RIG_PREFIX").unwrap_or_else(|_| "vdtest-".into());
    // `cargo bench --bench storage -- throughput` (or `latency`) runs one part alone.
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let wants = |part: &str| only.is_empty() || only.iter().any(|a| a == part);
    if wants("throughput") {
        throughput(&prefix);
    }
    if wants("latency") {
        event_latency(&prefix);
    }
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
            | BackendEvent::Storage(_, s @ StorageEvent::PoolDefined { req: r, .. })
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

/// Reads `path` to the end (into the page cache), so a transfer that follows starts warm.
fn warm(path: &Path) {
    if let Ok(mut f) = std::fs::File::open(path) {
        let _ = std::io::copy(&mut f, &mut std::io::sink());
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The transfer size: 512 MiB unless `VIRTDECK_BENCH_MIB` says otherwise.
fn size() -> u64 {
    std::env::var("VIRTDECK_BENCH_MIB")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|m| *m > 0)
        .unwrap_or(512)
        << 20
}

/// Rounds measured after one unmeasured warm-up round.
const ROUNDS: usize = 7;

/// virtdeck and virsh move the same file into and out of the same volume, in alternating
/// order (virtdeck first in even rounds, virsh first in odd ones, so neither always gets
/// the cache or the daemon state the other left), with the source file or the volume
/// read into the page cache just before each transfer and the download target removed
/// first (neither truncates a file the other wrote). Each round gives one ratio per
/// direction (virsh's time / virtdeck's); the median ratio and median rates are reported.
/// virsh's time is the command a user runs: process start and connection included; its
/// fixed cost (`virsh pool-info`, same connection setup, no data) is printed too.
fn throughput(prefix: &str) {
    let size = size();
    let mib = size >> 20;
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
            capacity: size,
            format: "raw".into(),
            backing: None,
        },
    });
    let vol_path = Path::new(&dir).join("bench.raw");
    let tmp = tempfile::tempdir_in("/var/tmp").expect("tempdir");
    let src: PathBuf = tmp.path().join("src.bin");
    random_file(&src, size);
    let src_s = src.display().to_string();
    let dst = tmp.path().join("dst.bin");
    let dst_s = dst.display().to_string();

    let ours = |c: &mut Client, direction: Direction| -> Option<Duration> {
        let file = if direction == Direction::Upload {
            warm(&src);
            src.clone()
        } else {
            let _ = std::fs::remove_file(&dst);
            warm(&vol_path);
            dst.clone()
        };
        let t = Instant::now();
        let p = pool.clone();
        let ev = c.storage(|req| StorageCmd::Transfer {
            req,
            pool: p,
            name: "bench.raw".into(),
            file,
            direction,
        });
        let d = t.elapsed();
        if let StorageEvent::TransferFinished { result: Err(e), .. } = ev {
            println!("virtdeck transfer failed: {e}");
            return None;
        }
        Some(d)
    };
    let theirs = |direction: Direction| -> Option<Duration> {
        let args: [&str; 5] = if direction == Direction::Upload {
            warm(&src);
            ["vol-upload", "bench.raw", &src_s, "--pool", &pool]
        } else {
            let _ = std::fs::remove_file(&dst);
            warm(&vol_path);
            ["vol-download", "bench.raw", &dst_s, "--pool", &pool]
        };
        let t = Instant::now();
        let (ok, out) = virsh(&args);
        let d = t.elapsed();
        if !ok {
            println!("virsh {} failed: {out}", args[0]);
            return None;
        }
        Some(d)
    };

    // (ratio, our MiB/s, virsh MiB/s) per round and direction.
    let mut up: (Vec<f64>, Vec<f64>, Vec<f64>) = Default::default();
    let mut down: (Vec<f64>, Vec<f64>, Vec<f64>) = Default::default();
    'rounds: for round in 0..=ROUNDS {
        for direction in [Direction::Upload, Direction::Download] {
            let (o, t) = if round % 2 == 0 {
                let o = ours(&mut c, direction);
                (o, theirs(direction))
            } else {
                let t = theirs(direction);
                (ours(&mut c, direction), t)
            };
            let (Some(o), Some(t)) = (o, t) else {
                break 'rounds;
            };
            if round == 0 {
                continue;
            }
            let v = if direction == Direction::Upload {
                &mut up
            } else {
                &mut down
            };
            v.0.push(t.as_secs_f64() / o.as_secs_f64());
            v.1.push(mib_s(size, o));
            v.2.push(mib_s(size, t));
        }
    }
    // The bytes made the round trip (the last download was ours or virsh's; ours ran
    // in every round).
    let same = std::fs::read(&src).ok() == std::fs::read(&dst).ok();
    let mut fixed: Vec<f64> = (0..5)
        .map(|_| {
            let t = Instant::now();
            let _ = virsh(&["pool-info", &pool]);
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    for (what, v) in [("upload  ", &mut up), ("download", &mut down)] {
        if v.0.is_empty() {
            println!("{what}: no complete round");
            continue;
        }
        println!(
            "{what} {mib} MiB: virtdeck {:7.1} MiB/s  virsh {:7.1} MiB/s  ratio {:.2} (virsh time / \
             virtdeck time, median of {ROUNDS} alternating rounds; min {:.2} max {:.2}; target >= 1.0)",
            median(&mut v.1),
            median(&mut v.2),
            median(&mut v.0.clone()),
            v.0.iter().copied().fold(f64::INFINITY, f64::min),
            v.0.iter().copied().fold(0.0, f64::max),
        );
    }
    println!(
        "virsh fixed cost per command (start + connect, `virsh pool-info`): median {:.1} ms; \
         round-trip bytes identical: {same}",
        median(&mut fixed)
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
