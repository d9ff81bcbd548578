//! Volume upload and download on a thread of their own, with progress, rate and cancel.
//! A download goes to a temporary file next to the target, renamed only on success.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use virt::connect::Connect;
use virt::storage_vol::StorageVol;

use super::{Direction, StorageEvent, TransferProgress};
use crate::backend::ffi::stream::VolStream;
use crate::backend::message::BackendEvent;
use crate::backend::model::RequestId;
use crate::backend::worker::EventSink;

/// Large chunks: a stream message costs a round trip to the daemon.
pub const CHUNK: usize = 4 << 20;
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

    fn add(&mut self, n: usize, req: RequestId, sink: &EventSink) {
        self.done += n as u64;
        if self.last.elapsed() >= PROGRESS_EVERY {
            self.last = Instant::now();
            sink(BackendEvent::Storage(StorageEvent::TransferProgress {
                req,
                progress: self.progress(),
            }));
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
    sink: &EventSink,
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
    sink: &EventSink,
) -> Result<TransferProgress, String> {
    let mut f = File::open(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
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
    let mut buf = vec![0u8; CHUNK];
    let partial = "the volume's content is now partial: upload again or wipe it";
    loop {
        if cancel.load(Ordering::Relaxed) {
            st.abort();
            return Err(format!(
                "upload cancelled after {} of {total} bytes; {partial}",
                m.done
            ));
        }
        let n = match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => {
                st.abort();
                return Err(format!("reading {} failed: {e}; {partial}", file.display()));
            }
        };
        if let Err(e) = st.send_all(&buf[..n]) {
            return Err(format!("{e}; {partial}"));
        }
        m.add(n, req, sink);
    }
    st.finish().map_err(|e| format!("{e}; {partial}"))?;
    Ok(m.progress())
}

fn download(
    conn: &Connect,
    vol: &StorageVol,
    file: &Path,
    cancel: &AtomicBool,
    req: RequestId,
    sink: &EventSink,
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
    let mut tmp = tempfile::Builder::new()
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
    let mut buf = vec![0u8; CHUNK];
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
        tmp.write_all(&buf[..n])
            .map_err(|e| format!("writing next to {} failed: {e}", file.display()))?;
        m.add(n, req, sink);
    }
    st.finish()?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| format!("flushing {} failed: {e}", file.display()))?;
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
    sink: EventSink,
) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("volume-transfer".into())
        .spawn(move || {
            let result = run(&conn, &vol, &file, direction, &cancel, req, &sink);
            sink(BackendEvent::Storage(StorageEvent::TransferFinished {
                req,
                direction,
                result,
            }));
        })
        .map(|_| ())
}
