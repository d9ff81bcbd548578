//! The real binary hit by SIGHUP / SIGTERM (an SSH connection dropping, a `kill`): the
//! terminal is restored, the typed-but-unapplied XML is kept as a draft, the demo's temporary
//! node file is removed, and the exit status is 0.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_virtdeck");

struct Run {
    child: Child,
    dir: tempfile::TempDir,
    out: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
}

impl Run {
    /// `virtdeck --demo` in a real pty (script(1)), with its state, config and temp dirs in a
    /// private directory.
    fn demo() -> Run {
        let dir = tempfile::tempdir().expect("tempdir");
        let tmp = dir.path().join("tmp");
        std::fs::create_dir_all(&tmp).expect("tmp dir");
        let pidfile = dir.path().join("pid");
        let mut child = Command::new("script")
            .args([
                "-qfec",
                &format!(
                    "stty cols 100 rows 30; echo $$ > {}; exec {BIN} --demo",
                    pidfile.display()
                ),
                "/dev/null",
            ])
            .env("XDG_STATE_HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.path())
            .env("TMPDIR", &tmp)
            .env("TERM", "xterm-256color")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("run script(1)");
        let out = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
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
        let run = Run { child, dir, out };
        run.wait_for_screen("web-01");
        run
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.out.lock().expect("lock")).into_owned()
    }

    /// What the terminal shows now (virtdeck draws by diff, so the byte stream alone does not
    /// hold contiguous text).
    fn shown(&self) -> String {
        let mut vt = vt100::Parser::new(30, 100, 0);
        vt.process(&self.out.lock().expect("lock"));
        vt.screen().contents()
    }

    fn wait_for_screen(&self, text: &str) {
        let t0 = Instant::now();
        while !self.shown().contains(text) {
            assert!(
                t0.elapsed() < Duration::from_secs(20),
                "never saw {text:?} on screen:\n{}",
                self.shown()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn keys(&mut self, s: &str) {
        let stdin = self.child.stdin.as_mut().expect("stdin");
        stdin.write_all(s.as_bytes()).expect("send keys");
        stdin.flush().expect("flush keys");
    }

    fn pid(&self) -> i32 {
        let text = std::fs::read_to_string(self.dir.path().join("pid")).expect("pid file");
        text.trim().parse().expect("pid")
    }

    fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{sig}"), &self.pid().to_string()])
            .status()
            .expect("kill")
            .success();
        assert!(ok, "kill -{sig} failed");
    }

    /// Waits for the process to exit; its exit code as script(1) passes it on.
    fn wait(mut self) -> (Option<i32>, String, tempfile::TempDir) {
        let t0 = Instant::now();
        loop {
            if let Some(st) = self.child.try_wait().expect("try_wait") {
                std::thread::sleep(Duration::from_millis(100));
                let screen = self.screen();
                return (st.code(), screen, self.dir);
            }
            if t0.elapsed() > Duration::from_secs(15) {
                let _ = self.child.kill();
                panic!("virtdeck did not exit after the signal:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn temp_node_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir.join("tmp"))
        .expect("read tmp")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("virtdeck-node-"))
        .collect()
}

fn assert_clean_exit(sig: &str) {
    let run = Run::demo();
    assert_eq!(
        temp_node_files(run.dir.path()).len(),
        1,
        "the demo writes its node file to TMPDIR"
    );
    run.signal(sig);
    let (code, screen, dir) = run.wait();
    assert_eq!(code, Some(0), "exit status after SIG{sig}:\n{screen}");
    assert!(
        screen.rfind("\u{1b}[?1049l") > screen.rfind("web-01"),
        "the alternate screen is left after the last frame"
    );
    assert!(
        temp_node_files(dir.path()).is_empty(),
        "the demo's temporary node file is removed after SIG{sig}"
    );
}

#[test]
fn sigterm_restores_the_terminal_removes_temp_files_and_exits_0() {
    assert_clean_exit("TERM");
}

#[test]
fn sighup_restores_the_terminal_removes_temp_files_and_exits_0() {
    assert_clean_exit("HUP");
}

#[test]
fn sighup_in_the_xml_editor_keeps_the_last_keystroke_as_a_draft() {
    let mut run = Run::demo();
    // The first row (sorted by name) is backup-nas; `e` opens its persistent XML.
    run.keys("e");
    run.wait_for_screen("<domain");
    // Type at the very start of the document, then hang up at once.
    run.keys("hangupmarker");
    // Keys still in the pty when the hang-up comes were never typed as far as virtdeck knows:
    // wait until the editor has them.
    run.wait_for_screen("hangupmarker");
    run.signal("HUP");
    let (code, screen, dir) = run.wait();
    assert_eq!(code, Some(0), "{screen}");
    let drafts = dir.path().join("virtdeck/drafts");
    let found = std::fs::read_dir(&drafts)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                .any(|t| t.contains("hangupmarker"))
        })
        .unwrap_or(false);
    assert!(
        found,
        "the typed text is in a draft under {}",
        drafts.display()
    );
}
