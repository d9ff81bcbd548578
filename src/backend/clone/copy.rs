//! Moving a disk's bytes for a clone: libvirt's volume copy (watched for progress), a
//! local file streamed into a volume, a volume piped through libvirt, a qcow2 overlay.

use std::fs::File;
use std::io::{Read, Seek};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use virt::connect::Connect;
use virt::storage_pool::StoragePool;
use virt::storage_vol::StorageVol;

use super::job::{CANCELLED, CHUNK, Job, Made, Meter, PROGRESS_EVERY};
use super::plan::{m, physical};
use super::xml::{self, SourceDisk};
use super::{CloneEvent, CloneProgress};
use crate::backend::ffi::stream::VolStream;
use crate::backend::message::BackendEvent;
use crate::backend::xmltree::{self, esc};

impl Job {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn copy(
        &self,
        conn: &Connect,
        dest: &StoragePool,
        src: Option<StorageVol>,
        d: &SourceDisk,
        old: &str,
        how: Copying,
        made: &mut Made,
        what: &str,
        meter: &mut Meter,
    ) -> Result<(String, String), String> {
        let local = how.local;
        let pool = dest.name().map_err(m)?;
        let name = self.new_volume_name(dest, d, old, None)?;
        let label = format!("{pool}/{name}");
        let step = format!("copying {} to {label}", d.target);
        self.progress(what, &step, meter);
        let vol = match src {
            Some(src) => {
                let capacity = src.info().map_err(m)?.capacity;
                let format = d.format.as_deref().unwrap_or("raw");
                let spec = volume_xml(&name, capacity, format, None);
                let size = physical(&src).unwrap_or(0);
                // libvirt copies without progress: a second thread watches the new file grow.
                let stop = Arc::new(AtomicBool::new(false));
                let watcher = self.watch(conn, &pool, &name, &step, what, meter, stop.clone());
                let r = StorageVol::create_xml_from(dest, &spec, &src, 0);
                stop.store(true, Ordering::Relaxed);
                if let Some(w) = watcher {
                    let _ = w.join();
                }
                match r {
                    Ok(vol) => {
                        meter.done += size;
                        vol
                    }
                    // A paused domain's QEMU holds a lock on its image, so qemu-img (what
                    // libvirt's volume copy runs) cannot open it; libvirt's own read for a
                    // download can.
                    Err(_) if how.paused => {
                        if let Ok(left) = dest.lookup_storage_vol_by_name(&name) {
                            let _ = left.delete(0);
                        }
                        let len = physical(&src).ok_or("the image's size is unknown")?;
                        let spec = volume_xml(&name, len, "raw", None);
                        let vol = StorageVol::create_xml(dest, &spec, 0)
                            .map_err(|e| format!("creating {label}: {}", m(e)))?;
                        made.vols.push((vol.clone(), label.clone()));
                        self.pipe(conn, &src, &vol, len, &step, what, meter)?;
                        let _ = dest.refresh(0);
                        let shallow = src
                            .xml_desc(0)
                            .ok()
                            .and_then(|x| xmltree::parse(&x).ok())
                            .is_some_and(|r| r.at("backingStore/path").is_some());
                        let label = if shallow {
                            format!("{label} (its backing file stays shared with {old})")
                        } else {
                            label
                        };
                        return Ok((vol.path().map_err(m)?, label));
                    }
                    Err(e) => return Err(format!("copying {}: {}", d.target, m(e))),
                }
            }
            None => {
                let path = d.path.as_deref().ok_or("a disk without a source")?;
                if !local {
                    return Err(format!(
                        "{} ({path}) is in no storage pool and the host is remote: define a pool over its directory to clone it",
                        d.target
                    ));
                }
                let mut file = File::open(path).map_err(|e| format!("cannot read {path}: {e}"))?;
                let len = file.metadata().map_err(|e| e.to_string())?.len();
                // A byte copy keeps a qcow2 image's backing file: say so, the clone shares it.
                let mut head = [0u8; 16];
                let shallow = file.read_exact(&mut head).is_ok() && xml::qcow2_has_backing(&head);
                file.seek(std::io::SeekFrom::Start(0))
                    .map_err(|e| format!("cannot read {path}: {e}"))?;
                let spec = volume_xml(&name, len, "raw", None);
                let vol = StorageVol::create_xml(dest, &spec, 0)
                    .map_err(|e| format!("creating {label}: {}", m(e)))?;
                made.vols.push((vol.clone(), label.clone()));
                self.stream(conn, &vol, file, len, &step, what, meter)?;
                // The pool learns the image's real format from the file.
                let _ = dest.refresh(0);
                let label = if shallow {
                    format!("{label} (its backing file stays shared with {old})")
                } else {
                    label
                };
                return Ok((vol.path().map_err(m)?, label));
            }
        };
        made.vols.push((vol.clone(), label.clone()));
        self.cancelled()?;
        Ok((vol.path().map_err(m)?, label))
    }

    /// Polls the size of volume `name` while libvirt copies into it.
    #[allow(clippy::too_many_arguments)]
    fn watch(
        &self,
        conn: &Connect,
        pool: &str,
        name: &str,
        step: &str,
        what: &str,
        meter: &Meter,
        stop: Arc<AtomicBool>,
    ) -> Option<std::thread::JoinHandle<()>> {
        let (conn, pool, name) = (conn.clone(), pool.to_string(), name.to_string());
        let (step, what) = (step.to_string(), what.to_string());
        let (host, req, id, sink) = (self.host, self.req, self.id.clone(), self.sink.clone());
        let (start, base, total) = (meter.start, meter.done, meter.total);
        std::thread::Builder::new()
            .name("clone-watch".into())
            .spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(PROGRESS_EVERY);
                    let grown = conn
                        .lookup_storage_pool_by_name(&pool)
                        .and_then(|p| p.lookup_storage_vol_by_name(&name))
                        .ok()
                        .and_then(|v| physical(&v))
                        .unwrap_or(0);
                    sink(BackendEvent::Clone(
                        host,
                        CloneEvent::Progress {
                            req,
                            id: id.clone(),
                            what: what.clone(),
                            progress: CloneProgress {
                                step: step.clone(),
                                done: (base + grown).min(total),
                                total,
                                elapsed: start.elapsed(),
                            },
                        },
                    ));
                }
            })
            .ok()
    }

    /// Streams a local file into `vol` (a disk outside every pool), cancellable.
    #[allow(clippy::too_many_arguments)]
    fn stream(
        &self,
        conn: &Connect,
        vol: &StorageVol,
        mut file: File,
        len: u64,
        step: &str,
        what: &str,
        meter: &mut Meter,
    ) -> Result<(), String> {
        let mut st = VolStream::new(conn)?;
        st.upload(vol, len)?;
        let mut buf = vec![0u8; CHUNK];
        loop {
            if self.cancel.load(Ordering::Relaxed) {
                st.abort();
                return Err(CANCELLED.into());
            }
            let n = match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    st.abort();
                    return Err(format!("reading the disk failed: {e}"));
                }
            };
            st.send_all(&buf[..n])?;
            meter.done += n as u64;
            if meter.last.elapsed() >= PROGRESS_EVERY {
                meter.last = Instant::now();
                self.progress(what, step, meter);
            }
        }
        st.finish()
    }

    /// Streams volume `src` into `vol` through libvirt (a download piped into an upload),
    /// cancellable.
    #[allow(clippy::too_many_arguments)]
    fn pipe(
        &self,
        conn: &Connect,
        src: &StorageVol,
        vol: &StorageVol,
        len: u64,
        step: &str,
        what: &str,
        meter: &mut Meter,
    ) -> Result<(), String> {
        let mut down = VolStream::new(conn)?;
        down.download(src)?;
        let mut up = VolStream::new(conn)?;
        up.upload(vol, len)?;
        let mut buf = vec![0u8; CHUNK];
        loop {
            if self.cancel.load(Ordering::Relaxed) {
                down.abort();
                up.abort();
                return Err(CANCELLED.into());
            }
            let n = down.recv(&mut buf)?;
            if n == 0 {
                break;
            }
            up.send_all(&buf[..n])?;
            meter.done += n as u64;
            if meter.last.elapsed() >= PROGRESS_EVERY {
                meter.last = Instant::now();
                self.progress(what, step, meter);
            }
        }
        down.finish()?;
        up.finish()
    }

    /// A qcow2 overlay in `dest` whose backing file is the disk's image.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn link(
        &self,
        _conn: &Connect,
        dest: &StoragePool,
        src: Option<StorageVol>,
        d: &SourceDisk,
        old: &str,
        local: bool,
        made: &mut Made,
    ) -> Result<(String, String), String> {
        let (path, capacity) = match &src {
            Some(v) => (v.path().map_err(m)?, v.info().map_err(m)?.capacity),
            None => {
                let path = d.path.clone().ok_or("a disk without a source")?;
                if !local {
                    return Err(format!(
                        "{} ({path}) is in no storage pool and the host is remote: its size cannot be read here",
                        d.target
                    ));
                }
                (
                    path.clone(),
                    local_virtual_size(&path, d.format.as_deref())?,
                )
            }
        };
        let pool = dest.name().map_err(m)?;
        let name = self.new_volume_name(dest, d, old, Some("qcow2"))?;
        let label = format!("{pool}/{name}");
        let backing_format = d.format.as_deref().unwrap_or("raw");
        let spec = volume_xml(&name, capacity, "qcow2", Some((&path, backing_format)));
        let vol = StorageVol::create_xml(dest, &spec, 0)
            .map_err(|e| format!("creating the overlay {label}: {}", m(e)))?;
        made.vols.push((vol.clone(), label.clone()));
        Ok((vol.path().map_err(m)?, label))
    }
}

/// How a copy may read its source.
#[derive(Clone, Copy)]
pub(super) struct Copying {
    /// The host is this machine: a disk outside every pool can be read here.
    pub local: bool,
    /// The domain is paused: QEMU holds its image locked.
    pub paused: bool,
}

/// The virtual size of a local image: a qcow2 header's, or a raw file's length.
fn local_virtual_size(path: &str, format: Option<&str>) -> Result<u64, String> {
    let mut f = File::open(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    if format == Some("qcow2") {
        let mut head = [0u8; 32];
        f.read_exact(&mut head)
            .map_err(|e| format!("cannot read {path}: {e}"))?;
        return xml::qcow2_virtual_size(&head)
            .ok_or_else(|| format!("{path} is not a qcow2 image"));
    }
    Ok(f.metadata().map_err(|e| e.to_string())?.len())
}

/// A `<volume>` for vol-create: name, capacity in bytes, format, and a backing image.
fn volume_xml(name: &str, capacity: u64, format: &str, backing: Option<(&str, &str)>) -> String {
    let mut x = format!(
        "<volume><name>{}</name><capacity unit='bytes'>{capacity}</capacity>\
         <allocation unit='bytes'>0</allocation><target><format type='{}'/></target>",
        esc(name),
        esc(format)
    );
    if let Some((path, fmt)) = backing {
        x.push_str(&format!(
            "<backingStore><path>{}</path><format type='{}'/></backingStore>",
            esc(path),
            esc(fmt)
        ));
    }
    x.push_str("</volume>");
    x
}
