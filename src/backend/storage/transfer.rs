//! Volume upload and download on a thread of their own, with progress, rate and cancel.
//! A download goes to a temporary file next to the target, renamed only on success.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use virt::connect::Connect;
use virt::storage_vol::StorageVol;

use super::{Direction, StorageEvent, TransferProgress};
use crate::backend::ffi::stream::VolStream;
use crate::backend::model::RequestId;

/// Where a transfer reports; the handler tags its events with the host.
pub type StorageSink = Arc<dyn Fn(StorageEvent) + Send + Sync>;

/// Large chunks: a stream message costs a round trip to the daemon.
pub const CHUNK: usize = 4 << 20;
/// A download's receive buffer: libvirt hands over one stream message (at most 256 KiB)
/// per receive, so a larger buffer would only sit partly unused.
const RECV_BUF: usize = 256 << 10;
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

struct Meter {
    start: Instant,
    last: Instant,
    total: u64,
    done: u64,
}

impl Meter {
    fn progress(&self) -> TransferProgress {
        let elapsed = self.start.elapsed();
        let secs = elapsed.as_secs_f64();
        TransferProgress {
            done: self.done,
            total: self.total,
            rate: if secs > 0.0 {
                self.done as f64 / secs
            } else {
                0.0
            },
            elapsed,
        }
    }

    fn add(&mut self, n: usize, req: RequestId, sink: &StorageSink) {
        self.done += n as u64;
        if self.last.elapsed() >= PROGRESS_EVERY {
            self.last = Instant::now();
            sink(StorageEvent::TransferProgress {
                req,
                progress: self.progress(),
            });
        }
    }
}

/// Runs a transfer to completion on the calling thread (the handler spawns it).
pub fn run(
    conn: &Connect,
    vol: &StorageVol,
    file: &Path,
    direction: Direction,
    cancel: &AtomicBool,
    req: RequestId,
    sink: &StorageSink,
) -> Result<TransferProgress, String> {
    match direction {
        Direction::Upload => upload(conn, vol, file, cancel, req, sink),
        Direction::Download => download(conn, vol, file, cancel, req, sink),
    }
}

fn upload(
    conn: &Connect,
    vol: &StorageVol,
    file: &Path,
    cancel: &AtomicBool,
    req: RequestId,
    sink: &StorageSink,
) -> Result<TransferProgress, String> {
    let f = File::open(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let total = f.metadata().map(|m| m.len()).unwrap_or(0);
    let mut st = VolStream::new(conn)?;
    st.upload(vol, total)?;
    let now = Instant::now();
    let mut m = Meter {
        start: now,
        last: now,
        total,
        done: 0,
    };
    let partial = "the volume's content is now partial: upload again or wipe it";
    // Reading the file overlaps with sending: a reader thread fills buffers ahead.
    let (chunks, recycle) = read_ahead(f);
    loop {
        if cancel.load(Ordering::Relaxed) {
            st.abort();
            return Err(format!(
                "upload cancelled after {} of {total} bytes; {partial}",
                m.done
            ));
        }
        let (buf, len) = match chunks.recv() {
            Err(_) => break,
            Ok(Ok((_, 0))) => break,
            Ok(Ok(b)) => b,
            Ok(Err(e)) => {
                st.abort();
                return Err(format!("reading {} failed: {e}; {partial}", file.display()));
            }
        };
        if let Err(e) = st.send_all(&buf[..len]) {
            return Err(format!("{e}; {partial}"));
        }
        m.add(len, req, sink);
        let _ = recycle.send(buf);
    }
    st.finish().map_err(|e| format!("{e}; {partial}"))?;
    Ok(m.progress())
}

/// A buffer and how much of it holds data (buffers keep their full size: no refilling
/// with zeros between uses).
type Chunk = std::io::Result<(Vec<u8>, usize)>;

/// A thread reading `f` in CHUNK pieces, two ahead; an empty chunk is the end. Buffers
/// come back through the second channel to be reused. Dropping the receiver stops it.
fn read_ahead(mut f: File) -> (mpsc::Receiver<Chunk>, mpsc::Sender<Vec<u8>>) {
    let (tx, rx) = mpsc::sync_channel::<Chunk>(2);
    let (back_tx, back_rx) = mpsc::channel::<Vec<u8>>();
    let spawned = std::thread::Builder::new()
        .name("upload-reader".into())
        .spawn(move || {
            loop {
                let mut buf = back_rx.try_recv().unwrap_or_else(|_| vec![0u8; CHUNK]);
                let mut filled = 0;
                // Fill the whole chunk: fewer, larger stream messages.
                let r = loop {
                    match f.read(&mut buf[filled..]) {
                        Ok(0) => break Ok(()),
                        Ok(n) => {
                            filled += n;
                            if filled == CHUNK {
                                break Ok(());
                            }
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(e) => break Err(e),
                    }
                };
                let end = filled == 0;
                let msg = r.map(|()| (buf, filled));
                let failed = msg.is_err();
                if tx.send(msg).is_err() || end || failed {
                    return;
                }
            }
        });
    if let Err(e) = spawned {
        let (tx, rx) = mpsc::sync_channel::<Chunk>(1);
        let _ = tx.send(Err(e));
        return (rx, mpsc::channel().0);
    }
    (rx, back_tx)
}

fn download(
    conn: &Connect,
    vol: &StorageVol,
    file: &Path,
    cancel: &AtomicBool,
    req: RequestId,
    sink: &StorageSink,
) -> Result<TransferProgress, String> {
    let dir = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let stem = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "download".into());
    // Dropped (and so removed) on every early return: no half-written target is left.
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".{stem}."))
        .suffix(".part")
        .tempfile_in(&dir)
        .map_err(|e| format!("cannot write in {}: {e}", dir.display()))?;
    // GET_PHYSICAL: the bytes the stream will carry (a qcow2 file, not its virtual size).
    let total = vol
        .info_flags(virt::sys::VIR_STORAGE_VOL_GET_PHYSICAL)
        .map(|i| i.allocation)
        .or_else(|_| vol.info().map(|i| i.capacity))
        .unwrap_or(0);
    let mut st = VolStream::new(conn)?;
    st.download(vol)?;
    let now = Instant::now();
    let mut m = Meter {
        start: now,
        last: now,
        total,
        done: 0,
    };
    // Each piece is written as it arrives, as virsh does: measured against `virsh
    // vol-download` (benches/storage.rs), a writer thread fed 4 MiB buffers was slower on
    // a busy host (one more thread competing for the cores, colder caches).
    let mut out = tmp.as_file();
    let mut buf = vec![0u8; RECV_BUF];
    loop {
        if cancel.load(Ordering::Relaxed) {
            st.abort();
            return Err(format!(
                "download cancelled after {} of {total} bytes; {} was not written",
                m.done,
                file.display()
            ));
        }
        let n = st.recv(&mut buf)?;
        if n == 0 {
            break;
        }
        if let Err(e) = out.write_all(&buf[..n]) {
            st.abort();
            return Err(format!("writing next to {} failed: {e}", file.display()));
        }
        m.add(n, req, sink);
    }
    st.finish()?;
    // No fsync: the rename already keeps a half-written file from taking the target's
    // name, and flushing 256 MiB first would cost more than the transfer (virsh does not).
    tmp.persist(file)
        .map_err(|e| format!("cannot rename into {}: {}", file.display(), e.error))?;
    m.total = m.total.max(m.done);
    Ok(m.progress())
}

/// Starts a transfer thread; `cancel` is the flag `CancelTransfer` sets.
pub fn spawn(
    conn: Connect,
    vol: StorageVol,
    file: PathBuf,
    direction: Direction,
    cancel: Arc<AtomicBool>,
    req: RequestId,
    sink: StorageSink,
) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("volume-transfer".into())
        .spawn(move || {
            let result = run(&conn, &vol, &file, direction, &cancel, req, &sink);
            sink(StorageEvent::TransferFinished {
                req,
                direction,
                result,
            });
        })
        .map(|_| ())
}
