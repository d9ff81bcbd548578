//! The real binary: clear failure on a bad URI, and a full start/quit cycle in a pty.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_virtdeck");

#[test]
fn an_unopenable_uri_exits_nonzero_naming_the_uri_the_error_and_a_hint() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(BIN)
        .args([
            "-c",
            "qemu+unix:///system?socket=/nonexistent/virtdeck.sock",
        ])
        .env("XDG_STATE_HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path())
        .stdin(Stdio::null())
        .output()
        .expect("run virtdeck");
    assert!(!out.status.success());
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot connect to qemu+unix:///system?socket=/nonexistent/virtdeck.sock"),
        "{err}"
    );
    assert!(
        err.contains("/nonexistent/virtdeck.sock"),
        "libvirt's error shown: {err}"
    );
    assert!(err.contains("hint:") && err.contains("--demo"), "{err}");
    // The screen was never taken: nothing but the message on stdout/stderr.
    assert!(
        out.stdout.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(!err.contains("\u{1b}[?1049h"));
}

#[test]
fn a_bad_config_file_is_reported_before_connecting() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, "[keys]\nquit = [\"Hyper-q\"]\n").expect("write config");
    let out = Command::new(BIN)
        .args(["--demo", "--config"])
        .arg(&cfg)
        .env("XDG_STATE_HOME", dir.path())
        .stdin(Stdio::null())
        .output()
        .expect("run virtdeck");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown key 'Hyper-q'"), "{err}");
}

#[test]
fn demo_starts_in_a_terminal_and_q_quits_restoring_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    // script(1) gives the binary a real pty; our stdin is forwarded to it.
    let mut child = Command::new("script")
        .args([
            "-qfec",
            &format!("stty cols 80 rows 24; exec {BIN} --demo"),
            "/dev/null",
        ])
        .env("XDG_STATE_HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path())
        .env("TERM", "xterm-256color")
        .env("COLUMNS", "80")
        .env("LINES", "24")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run script(1)");
    std::thread::sleep(Duration::from_millis(1500));
    child
        .stdin
        .as_mut()
        .expect("stdin")
        .write_all(b"q")
        .expect("send q");
    let out = child.wait_with_output().expect("wait");
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "exit {:?}: {screen}", out.status);
    assert!(screen.contains("\u{1b}[?1049h"), "alternate screen entered");
    assert!(
        screen.contains("db-primary") && screen.contains("web-01"),
        "{screen}"
    );
    let leave = screen
        .rfind("\u{1b}[?1049l")
        .expect("alternate screen left");
    assert!(
        leave > screen.rfind("web-01").unwrap_or(0),
        "restore comes last"
    );
    assert!(
        dir.path().join("virtdeck/virtdeck.log").exists(),
        "log written to the state dir"
    );
}
