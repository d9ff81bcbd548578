#![allow(dead_code)]
//! Live-test helpers: a rig guest on qemu:///system, defined for one test and removed after.
//!
//! Live tests call [`Guest::define`]. When the rig is not reachable they fail in CI
//! (CI=true) or when VIRTDECK_REQUIRE_RIG=1, and otherwise print a loud SKIPPED line.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub const URI: &str = "qemu:///system";
pub const PROMPT: &str = "virtdeck-guest# ";
pub const READY: &str = "VIRTDECK-GUEST-READY";

fn rig_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rig")
}

fn required() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
        || std::env::var("VIRTDECK_REQUIRE_RIG").is_ok_and(|v| v == "1")
}

/// `virsh -c qemu:///system ARGS`, returning stdout; panics with stderr on failure.
pub fn virsh(args: &[&str]) -> String {
    let out = Command::new("virsh")
        .arg("-q")
        .arg("-c")
        .arg(URI)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run virsh: {e}"));
    assert!(
        out.status.success(),
        "virsh {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Like [`virsh`] but returns the exit status and combined output instead of panicking.
pub fn virsh_try(args: &[&str]) -> (bool, String) {
    match Command::new("virsh")
        .arg("-q")
        .arg("-c")
        .arg(URI)
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

fn rig_available() -> Result<(), String> {
    let ok = Command::new("virsh")
        .args(["-q", "-c", URI, "version"])
        .output()
        .map_err(|e| format!("virsh not runnable: {e}"))?;
    if !ok.status.success() {
        return Err(format!(
            "libvirtd not reachable at {URI}: {}",
            String::from_utf8_lossy(&ok.stderr).trim()
        ));
    }
    if !Path::new("/var/lib/libvirt/boot/virtdeck-rig-vmlinuz").exists() {
        return Err("guest kernel missing: run tests/rig/up.sh".into());
    }
    Ok(())
}

/// Whether the rig is there for a live test that needs no guest: false (after a loud
/// message) only when it is missing and not required; panics when it is required (CI).
pub fn available() -> bool {
    match rig_available() {
        Ok(()) => true,
        Err(why) if required() => {
            panic!("live test rig required (CI) but unavailable: {why}. Run `make test`.")
        }
        Err(why) => {
            eprintln!("SKIPPED live test (rig unavailable: {why}); run `make test` to set it up");
            false
        }
    }
}

pub struct Guest {
    pub name: String,
}

impl Guest {
    /// Defines a fresh rig guest `<prefix><suffix>` (prefix: VIRTDECK_RIG_PREFIX, default `vdtest-`). Returns `None` (after a loud message)
    /// only when the rig is missing and not required.
    pub fn define(suffix: &str) -> Option<Guest> {
        if let Err(why) = rig_available() {
            if required() {
                panic!("live test rig required (CI) but unavailable: {why}. Run `make test`.");
            }
            eprintln!("SKIPPED live test (rig unavailable: {why}); run `make test` to set it up");
            return None;
        }
        let prefix = std::env::var("VIRTDECK_RIG_PREFIX").unwrap_or_else(|_| "vdtest-".into());
        let name = format!("{prefix}{suffix}");
        let out = Command::new(rig_dir().join("define-guest.sh"))
            .arg(&name)
            .output()
            .unwrap_or_else(|e| panic!("cannot run define-guest.sh: {e}"));
        assert!(
            out.status.success(),
            "define-guest.sh {name} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Some(Guest { name })
    }

    pub fn serial_log(&self) -> PathBuf {
        PathBuf::from(format!("/var/log/libvirt/qemu/{}-serial.log", self.name))
    }

    pub fn serial_text(&self) -> String {
        std::fs::read(self.serial_log())
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// Waits until the guest printed its ready marker and prompt on the serial log.
    pub fn wait_for_prompt(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            let t = self.serial_text();
            if t.contains(READY) && t.contains(PROMPT) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        false
    }

    /// `virsh domstate` (without reason), e.g. "running", "paused", "shut off".
    pub fn domstate(&self) -> String {
        virsh(&["domstate", &self.name]).trim().to_string()
    }
}

impl Drop for Guest {
    fn drop(&mut self) {
        let _ = virsh_try(&["destroy", &self.name]);
        let _ = virsh_try(&[
            "undefine",
            "--snapshots-metadata",
            "--managed-save",
            &self.name,
        ]);
        let _ = std::fs::remove_file(format!("/var/lib/libvirt/images/{}.qcow2", self.name));
        let _ = std::fs::remove_file(self.serial_log());
    }
}

/// The rig's `qemu+ssh://` URI to its own libvirtd, through the private sshd on 127.0.0.1
/// (tests/rig/sshd.sh). `None` (after a loud message) only when the rig is not required.
pub fn ssh_uri() -> Option<String> {
    let cache =
        std::env::var("VIRTDECK_RIG_CACHE").unwrap_or_else(|_| "/var/cache/virtdeck-rig".into());
    let file = Path::new(&cache).join("ssh/ssh-uri");
    let uri = std::fs::read_to_string(&file)
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    let reachable = !uri.is_empty()
        && Command::new("virsh")
            .args(["-q", "-c", &uri, "version"])
            .output()
            .is_ok_and(|o| o.status.success());
    if reachable {
        return Some(uri);
    }
    let why = format!(
        "the rig's sshd is not up ({} missing or unreachable): run tests/rig/sshd.sh",
        file.display()
    );
    if required() {
        panic!("live test rig required (CI) but unavailable: {why}");
    }
    eprintln!("SKIPPED live test ({why})");
    None
}
