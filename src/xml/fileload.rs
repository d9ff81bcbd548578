//! Reading a file into the XML editor (Ctrl-O) without trusting it: regular files only (a
//! FIFO would block, /dev/zero never ends), a size cap, and a cancel flag checked between
//! chunks. Runs on its own thread; the App gets the result as an event.

use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// The largest file the editor loads: domain definitions are kilobytes; 16 MiB leaves room
/// for huge hand-made ones without letting a stray disk image fill memory.
pub const MAX_FILE: u64 = 16 << 20;

const CHUNK: usize = 64 << 10;

/// `path`'s text, or a message saying why not (for the editor's notice line).
pub fn read_text(path: &Path, max: u64, cancel: &AtomicBool) -> Result<String, String> {
    // The caller escapes the message for the screen.
    let shown = path.display().to_string();
    // stat, not open: opening a FIFO for reading waits for a writer.
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    check_kind(&meta, &shown, max)?;
    // Non-blocking open, then the same checks on what was opened, in case the path was
    // replaced in between.
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| format!("cannot read {shown}: {e}"))?;
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot read {shown}: {e}"))?;
    check_kind(&meta, &shown, max)?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    let mut chunk = vec![0u8; CHUNK];
    loop {
        if cancel.load(Ordering::Relaxed) {
            return Err(format!("loading {shown} cancelled"));
        }
        let n = match file.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(format!("cannot read {shown}: {e}")),
        };
        if (bytes.len() + n) as u64 > max {
            return Err(too_large(&shown, max));
        }
        bytes.extend_from_slice(&chunk[..n]);
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "{shown} is not UTF-8 text (byte {} is not): domain XML is text",
            e.utf8_error().valid_up_to()
        )
    })
}

fn check_kind(meta: &std::fs::Metadata, shown: &str, max: u64) -> Result<(), String> {
    let t = meta.file_type();
    if t.is_dir() {
        return Err(format!("{shown} is a directory: give a file's path"));
    }
    if !t.is_file() {
        use std::os::unix::fs::FileTypeExt;
        let what = if t.is_fifo() {
            "a FIFO (named pipe)"
        } else if t.is_char_device() || t.is_block_device() {
            "a device"
        } else if t.is_socket() {
            "a socket"
        } else {
            "not a regular file"
        };
        return Err(format!(
            "{shown} is {what}: only regular files can be loaded"
        ));
    }
    if meta.len() > max {
        return Err(too_large(shown, max));
    }
    Ok(())
}

fn too_large(shown: &str, max: u64) -> String {
    format!(
        "{shown} is larger than {} MiB: not a domain definition? (nothing loaded)",
        max >> 20
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    /// Reads on a thread so that a read that blocks fails the test instead of hanging it.
    fn read(path: &Path, max: u64) -> Result<String, String> {
        let (tx, rx) = mpsc::channel();
        let p = path.to_path_buf();
        std::thread::spawn(move || {
            let _ = tx.send(read_text(&p, max, &AtomicBool::new(false)));
        });
        rx.recv_timeout(Duration::from_secs(5))
            .expect("the read returned within 5 s")
    }

    #[test]
    fn a_normal_file_is_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("d.xml");
        std::fs::write(&p, "<domain type='kvm'/>\n").expect("write");
        assert_eq!(read(&p, MAX_FILE).as_deref(), Ok("<domain type='kvm'/>\n"));
    }

    #[test]
    fn a_fifo_is_refused_at_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("fifo");
        let ok = std::process::Command::new("mkfifo")
            .arg(&p)
            .status()
            .expect("run mkfifo");
        assert!(ok.success());
        let e = read(&p, MAX_FILE).expect_err("a FIFO");
        assert!(e.contains("FIFO"), "{e}");
    }

    #[test]
    fn dev_zero_is_refused_without_reading_it() {
        let e = read(Path::new("/dev/zero"), MAX_FILE).expect_err("a device");
        assert!(e.contains("device"), "{e}");
    }

    #[test]
    fn a_directory_a_missing_file_and_a_binary_file_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let e = read(dir.path(), MAX_FILE).expect_err("a directory");
        assert!(e.contains("directory"), "{e}");
        let e = read(&dir.path().join("nope.xml"), MAX_FILE).expect_err("missing");
        assert!(e.contains("No such file"), "{e}");
        let p = dir.path().join("bin");
        std::fs::write(&p, b"<a>\xff</a>").expect("write");
        let e = read(&p, MAX_FILE).expect_err("binary");
        assert!(e.contains("not UTF-8"), "{e}");
    }

    #[test]
    fn a_file_over_the_cap_is_refused_without_reading_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("big.img");
        let f = std::fs::File::create(&p).expect("create");
        // Sparse: costs no disk.
        f.set_len(MAX_FILE + 1).expect("set_len");
        let e = read(&p, MAX_FILE).expect_err("too large");
        assert!(e.contains("larger than 16 MiB"), "{e}");
    }

    #[test]
    fn a_cancelled_read_stops() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("d.xml");
        std::fs::write(&p, "<a/>").expect("write");
        let e = read_text(&p, MAX_FILE, &AtomicBool::new(true)).expect_err("cancelled");
        assert!(e.contains("cancelled"), "{e}");
    }
}
