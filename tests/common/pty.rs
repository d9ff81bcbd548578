#![allow(dead_code)]
//! The real virtdeck binary in a real pty (script(1)): keys written to it, everything it
//! printed kept, the screen as a terminal would show it, its exit code.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_virtdeck");
pub const ROWS: u16 = 30;
pub const COLS: u16 = 100;

pub struct Pty {
    child: Child,
    out: Arc<Mutex<Vec<u8>>>,
}

impl Pty {
    /// Runs `sh_line` (which should `exec` virtdeck) in a ROWS x COLS pty, with its state,
    /// config and TMPDIR under `home` so nothing of the user's is read or written.
    pub fn spawn(sh_line: &str, home: &Path) -> Pty {
        let tmp = home.join("tmp");
        std::fs::create_dir_all(&tmp).expect("tmp dir");
        let mut child = Command::new("script")
            .args([
                "-qfec",
                &format!("stty cols {COLS} rows {ROWS}; {sh_line}"),
                "/dev/null",
            ])
            .env("XDG_STATE_HOME", home)
            .env("XDG_CONFIG_HOME", home)
            .env("TMPDIR", &tmp)
            .env("TERM", "xterm-256color")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("run script(1)");
        let out = Arc::new(Mutex::new(Vec::new()));
        let mut stdout = child.stdout.take().expect("stdout");
        let sink = out.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut o) = sink.lock() {
                    o.extend_from_slice(&buf[..n]);
                }
            }
        });
        Pty { child, out }
    }

    /// Every byte printed so far, as text.
    pub fn raw(&self) -> String {
        String::from_utf8_lossy(&self.out.lock().expect("lock")).into_owned()
    }

    /// What the terminal shows now (virtdeck draws by diff, so the byte stream alone does
    /// not hold contiguous text).
    pub fn shown(&self) -> String {
        let mut vt = vt100::Parser::new(ROWS, COLS, 0);
        vt.process(&self.out.lock().expect("lock"));
        vt.screen().contents()
    }

    /// Waits until `cond` holds, up to `limit`; panics with what was printed.
    pub fn wait_for(&self, what: &str, limit: Duration, cond: impl Fn(&Pty) -> bool) {
        let t = Instant::now();
        while !cond(self) {
            assert!(
                t.elapsed() < limit,
                "{what}: not within {limit:?}; the screen:\n{}",
                self.shown()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn keys(&mut self, s: &str) {
        let stdin = self.child.stdin.as_mut().expect("stdin");
        stdin.write_all(s.as_bytes()).expect("send keys");
        stdin.flush().expect("flush keys");
    }

    /// Waits up to `limit` for the exit: its code as script(1) passes it on, and all that
    /// was printed.
    pub fn finish(mut self, limit: Duration) -> (Option<i32>, String) {
        let t = Instant::now();
        loop {
            if let Some(st) = self.child.try_wait().expect("try_wait") {
                // The reader thread may still hold the last bytes.
                std::thread::sleep(Duration::from_millis(100));
                return (st.code(), self.raw());
            }
            if t.elapsed() > limit {
                let _ = self.child.kill();
                panic!("virtdeck did not exit:\n{}", self.raw());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}
