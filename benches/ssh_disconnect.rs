//! Time from killing the sshd to DISCONNECTED on screen, for a `qemu+ssh://` host. The
//! bench starts its OWN sshd on 127.0.0.1 (port VIRTDECK_BENCH_SSH_PORT, default 2299) with
//! the rig's root key, so the rig's shared sshd (2222) is never touched, and kills that.
//! Two ways a link dies: the sshd and its session processes are killed (ssh sees the end
//! of the connection), and the session freezes (SIGSTOP: the network vanished, only
//! keepalive notices). Also prints how long the host took to reconnect by itself.
//!
//! Run: `cargo bench --bench ssh_disconnect` (VIRTDECK_BENCH_ROUNDS, default 3). Under
//! `cargo test`: one killed round. Without the rig's key and libvirtd it says so and stops;
//! with VIRTDECK_REQUIRE_RIG=1 or CI=true it fails.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
use virtdeck::app::App;
use virtdeck::backend::{Backend, BackendConfig, HostId};
use virtdeck::config::Config;
use virtdeck::event::{self, Event};

const HOST: HostId = HostId(0);
const LIMIT: Duration = Duration::from_secs(30);

fn rig_required() -> bool {
    std::env::var("VIRTDECK_REQUIRE_RIG").is_ok_and(|v| v == "1")
        || std::env::var("CI").is_ok_and(|v| v == "true")
}

fn ppid(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// `root` and every process descending from it.
fn tree(root: u32) -> Vec<u32> {
    let mut out = vec![root];
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return out;
    };
    let all: Vec<u32> = dir
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect();
    let mut i = 0;
    while i < out.len() {
        let parent = out[i];
        out.extend(all.iter().copied().filter(|p| ppid(*p) == Some(parent)));
        i += 1;
    }
    out
}

fn signal(pids: &[u32], sig: &str) {
    for p in pids {
        // A session may have ended already: that is fine, and not worth a line.
        let _ = Command::new("kill")
            .args([sig, &p.to_string()])
            .stderr(std::process::Stdio::null())
            .status();
    }
}

/// This bench's own sshd: started on `port` with the rig's keys, killed (with every
/// session it serves) when dropped.
struct Sshd {
    dir: tempfile::TempDir,
    port: u16,
    pid: Option<u32>,
}

impl Sshd {
    fn new(keys: &Path, port: u16) -> Sshd {
        let dir = tempfile::tempdir().expect("tempdir");
        let auth = dir.path().join("authorized_keys");
        std::fs::copy(keys.join("root_ed25519.pub"), &auth).expect("copy the rig's root key");
        let config = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {host}\nPidFile {pid}\n\
             AuthorizedKeysFile {auth}\nPermitRootLogin prohibit-password\n\
             PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n\
             StrictModes no\nAllowUsers root\nX11Forwarding no\nPrintMotd no\nLogLevel ERROR\n",
            host = keys.join("host_ed25519").display(),
            pid = dir.path().join("sshd.pid").display(),
            auth = auth.display(),
        );
        std::fs::write(dir.path().join("sshd_config"), config).expect("write sshd_config");
        Sshd {
            dir,
            port,
            pid: None,
        }
    }

    fn start(&mut self) {
        let cfg = self.dir.path().join("sshd_config");
        let status = Command::new("/usr/sbin/sshd")
            .arg("-f")
            .arg(&cfg)
            .arg("-E")
            .arg(self.dir.path().join("sshd.log"))
            .status()
            .expect("run /usr/sbin/sshd");
        assert!(status.success(), "sshd refused {}", cfg.display());
        let pidfile = self.dir.path().join("sshd.pid");
        for _ in 0..100 {
            if let Some(pid) = std::fs::read_to_string(&pidfile)
                .ok()
                .and_then(|s| s.trim().parse().ok())
                .filter(|p: &u32| Path::new(&format!("/proc/{p}")).exists())
            {
                self.pid = Some(pid);
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("the bench's sshd did not start on port {}", self.port);
    }

    /// The listener and every session process it forked.
    fn processes(&self) -> Vec<u32> {
        self.pid.map(tree).unwrap_or_default()
    }

    fn kill(&mut self) {
        signal(&self.processes(), "-KILL");
        self.pid = None;
        let _ = std::fs::remove_file(self.dir.path().join("sshd.pid"));
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        // Stopped sessions must not be left behind: continue them, then kill.
        let all = self.processes();
        signal(&all, "-CONT");
        signal(&all, "-KILL");
    }
}

/// A never-started domain of this bench's own, so the host has a row to grey out even on
/// an empty rig; undefined when dropped.
struct Row(String);

impl Row {
    fn define() -> Row {
        let prefix = std::env::var("VIRTDECK_RIG_PREFIX").unwrap_or_else(|_| "vdbench".into());
        let name = format!("{prefix}-sshbench");
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("dom.xml");
        std::fs::write(
            &path,
            format!(
                "<domain type='qemu'><name>{name}</name><memory unit='MiB'>32</memory>\
                 <vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os></domain>"
            ),
        )
        .expect("write domain XML");
        let row = Row(name);
        let ok = Command::new("virsh")
            .args(["-q", "-c", "qemu:///system", "define"])
            .arg(&path)
            .stdout(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "cannot define {}", row.0);
        row
    }
}

impl Drop for Row {
    fn drop(&mut self) {
        let _ = Command::new("virsh")
            .args(["-q", "-c", "qemu:///system", "undefine", &self.0])
            .stdout(std::process::Stdio::null())
            .status();
    }
}

struct Screen {
    app: App,
    term: Terminal<TestBackend>,
    rx: UnboundedReceiver<Event>,
}

impl Screen {
    /// Handles what arrived and draws when something changed, as `App::run` does.
    fn pump(&mut self) {
        while let Ok(ev) = self.rx.try_recv() {
            self.app.handle(ev);
        }
        if self.app.take_dirty() {
            self.app.draw(&mut self.term).expect("draw");
        }
    }

    fn text(&self) -> String {
        let buf = self.term.backend().buffer();
        buf.content.iter().map(|c| c.symbol()).collect()
    }

    /// Time until `cond` holds for the App and the screen, or `None` after `limit`.
    fn wait(&mut self, limit: Duration, cond: impl Fn(&App, &str) -> bool) -> Option<Duration> {
        let t = Instant::now();
        while t.elapsed() < limit {
            self.pump();
            if cond(&self.app, &self.text()) {
                return Some(t.elapsed());
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        None
    }
}

/// Connected, with the bench's own domain listed.
fn connected(app: &App, name: &str) -> bool {
    app.store.host_connected(HOST)
        && app
            .store
            .rows()
            .any(|r| r.info.id.host == HOST && r.info.name == name)
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let rounds: usize = std::env::var("VIRTDECK_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if bench { 3 } else { 1 });
    let port: u16 = std::env::var("VIRTDECK_BENCH_SSH_PORT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2299);
    let cache =
        std::env::var("VIRTDECK_RIG_CACHE").unwrap_or_else(|_| "/var/cache/virtdeck-rig".into());
    let keys = PathBuf::from(cache).join("ssh");
    let daemon = Command::new("virsh")
        .args(["-q", "-c", "qemu:///system", "version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !keys.join("root_ed25519").exists() || !daemon {
        let msg = format!(
            "ssh_disconnect: needs the rig (libvirtd and {}: tests/rig/up.sh, tests/rig/sshd.sh)",
            keys.join("root_ed25519").display()
        );
        assert!(!rig_required(), "{msg}");
        eprintln!("{msg}; nothing measured");
        return;
    }
    let row = Row::define();
    let mut sshd = Sshd::new(&keys, port);
    sshd.start();
    // no_verify=1: accept this sshd's (the rig's) host key; no_tty=1: never prompt.
    let uri = format!(
        "qemu+ssh://root@127.0.0.1:{port}/system?keyfile={}&no_verify=1&no_tty=1",
        keys.join("root_ed25519").display()
    );
    let (tx, rx) = unbounded_channel();
    let config = Config::builtin().expect("config");
    let cfg = BackendConfig {
        host: HOST,
        uri: Some(uri.clone()),
        reconcile_every: config.reconcile_every,
        cpu_interval: config.cpu_interval,
        ..BackendConfig::default()
    };
    let keepalive = cfg.keepalive;
    let backend = Backend::spawn(cfg, event::backend_sink(tx)).expect("spawn worker");
    let mut app = App::new(config, backend.sender(), false);
    app.add_host(HOST, "over-ssh", &uri, backend.sender());
    app.clipboard_out = Box::new(std::io::sink());
    let term = Terminal::new(TestBackend::new(160, 45)).expect("terminal");
    let mut s = Screen { app, term, rx };
    let up = s.wait(LIMIT, |app, _| connected(app, &row.0));
    assert!(up.is_some(), "no connection to {uri}");

    let mut killed = Vec::new();
    let mut frozen = Vec::new();
    let mut back = Vec::new();
    for round in 0..rounds {
        // Killed: the sshd and its sessions die; ssh sees the connection end.
        sshd.kill();
        let t = s.wait(LIMIT, |_, screen| screen.contains("DISCONNECTED"));
        killed.push(t.expect("DISCONNECTED on screen after the sshd was killed"));
        sshd.start();
        back.push(
            s.wait(LIMIT, |app, _| connected(app, &row.0))
                .expect("the host reconnects by itself"),
        );
        if round + 1 == rounds && !bench {
            break;
        }
        // Frozen: the session stops answering, as when the network vanishes.
        let session: Vec<u32> = sshd
            .processes()
            .into_iter()
            .filter(|p| Some(*p) != sshd.pid)
            .collect();
        assert!(!session.is_empty(), "no sshd session serves the App");
        signal(&session, "-STOP");
        let t = s.wait(LIMIT, |_, screen| screen.contains("DISCONNECTED"));
        signal(&session, "-CONT");
        signal(&session, "-KILL");
        frozen.push(t.expect("DISCONNECTED on screen after the session froze"));
        s.wait(LIMIT, |app, _| connected(app, &row.0))
            .expect("the host reconnects after the freeze");
    }
    let ms = |v: &[Duration]| {
        v.iter()
            .map(|d| format!("{:.0}", d.as_secs_f64() * 1000.0))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!(
        "ssh_disconnect: sshd killed -> DISCONNECTED on screen: {} ms",
        ms(&killed)
    );
    if !frozen.is_empty() {
        println!(
            "ssh_disconnect: session frozen -> DISCONNECTED on screen (keepalive {} s x {}): {} ms",
            keepalive.0,
            keepalive.1,
            ms(&frozen)
        );
    }
    println!(
        "ssh_disconnect: sshd back -> reconnected with its domains listed: {} ms",
        ms(&back)
    );
    drop(s);
    drop(backend);
    drop(row);
}
