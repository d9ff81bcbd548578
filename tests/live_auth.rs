//! libvirt's auth callback end to end: a `qemu+libssh://` host whose key has a passphrase.
//! libvirt asks for the passphrase through the worker; the popup shows, the test types into
//! it like a user: a wrong passphrase leaves the host "auth needed" with libvirt's reason, a
//! retry (r in the hosts view) asks again and the right one connects and lists the domains.
//! With that host alone, the real binary asks on the terminal before taking the screen.
//!
//! Each test runs its OWN sshd on 127.0.0.1 (port VIRTDECK_AUTH_SSH_PORT, default 2298, and
//! the one below it) with
//! a key it makes for the occasion (the rig's host key, read only); the rig's sshd (2222) and
//! every system password stay untouched. Needs the rig (libvirtd and tests/rig/sshd.sh's
//! host key); without it it says so, and with VIRTDECK_REQUIRE_RIG=1 or CI=true it fails.

#[path = "common/pty.rs"]
mod pty;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use pty::Pty;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
use virtdeck::app::App;
use virtdeck::backend::{Backend, BackendConfig, HostId};
use virtdeck::config::Config;
use virtdeck::event::{self, Event};
use virtdeck::state::HostConn;

const HOST: HostId = HostId(0);
const LIMIT: Duration = Duration::from_secs(60);
const PASSPHRASE: &str = "correct horse";

fn rig_required() -> bool {
    std::env::var("VIRTDECK_REQUIRE_RIG").is_ok_and(|v| v == "1")
        || std::env::var("CI").is_ok_and(|v| v == "true")
}

fn run(cmd: &mut Command) -> bool {
    cmd.stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// This test's sshd: root may log in with `key` only; killed when dropped.
struct Sshd {
    dir: PathBuf,
    pid: Option<u32>,
}

impl Sshd {
    fn start(dir: &Path, host_key: &Path, port: u16) -> Sshd {
        let auth = dir.join("authorized_keys");
        std::fs::copy(dir.join("key.pub"), &auth).expect("authorized_keys");
        let pidfile = dir.join("sshd.pid");
        let config = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {host}\nPidFile {pid}\n\
             AuthorizedKeysFile {auth}\nPermitRootLogin prohibit-password\n\
             PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n\
             StrictModes no\nAllowUsers root\nX11Forwarding no\nPrintMotd no\nLogLevel ERROR\n",
            host = host_key.display(),
            pid = pidfile.display(),
            auth = auth.display(),
        );
        let cfg = dir.join("sshd_config");
        std::fs::write(&cfg, config).expect("sshd_config");
        let ok = run(Command::new("/usr/sbin/sshd")
            .arg("-f")
            .arg(&cfg)
            .arg("-E")
            .arg(dir.join("sshd.log")));
        assert!(ok, "sshd refused {}", cfg.display());
        let mut sshd = Sshd {
            dir: dir.to_path_buf(),
            pid: None,
        };
        for _ in 0..100 {
            sshd.pid = std::fs::read_to_string(&pidfile)
                .ok()
                .and_then(|s| s.trim().parse().ok())
                .filter(|p: &u32| Path::new(&format!("/proc/{p}")).exists());
            if sshd.pid.is_some() {
                return sshd;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("the test's sshd did not start on port {port}");
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        if let Some(pid) = self.pid {
            let _ = run(Command::new("kill").arg(pid.to_string()));
        }
        let _ = std::fs::remove_file(self.dir.join("sshd.pid"));
    }
}

/// A never-started domain of this test's own, to find in the list; undefined when dropped.
struct Row(String);

impl Row {
    fn define(dir: &Path, suffix: &str) -> Row {
        let prefix = std::env::var("VIRTDECK_RIG_PREFIX").unwrap_or_else(|_| "vdtest".into());
        let row = Row(format!("{prefix}-{suffix}"));
        let path = dir.join("dom.xml");
        std::fs::write(
            &path,
            format!(
                "<domain type='qemu'><name>{}</name><memory unit='MiB'>32</memory>\
                 <vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os></domain>",
                row.0
            ),
        )
        .expect("domain XML");
        let ok = run(Command::new("virsh")
            .args(["-q", "-c", "qemu:///system", "define"])
            .arg(&path));
        assert!(ok, "cannot define {}", row.0);
        row
    }
}

impl Drop for Row {
    fn drop(&mut self) {
        let _ =
            run(Command::new("virsh").args(["-q", "-c", "qemu:///system", "undefine", &self.0]));
    }
}

struct Screen {
    app: App,
    term: Terminal<TestBackend>,
    rx: UnboundedReceiver<Event>,
}

impl Screen {
    fn pump(&mut self) {
        while let Ok(ev) = self.rx.try_recv() {
            self.app.handle(ev);
        }
        self.app.draw(&mut self.term).expect("draw");
    }

    fn text(&self) -> String {
        let buf = self.term.backend().buffer();
        let mut out = String::new();
        for y in 0..buf.area.height {
            for x in 0..buf.area.width {
                out.push_str(buf[(x, y)].symbol());
            }
            out.push('\n');
        }
        out
    }

    fn wait(&mut self, what: &str, cond: impl Fn(&App, &str) -> bool) {
        let t = Instant::now();
        while t.elapsed() < LIMIT {
            self.pump();
            if cond(&self.app, &self.text()) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("{what}: not within {LIMIT:?}; the screen:\n{}", self.text());
    }

    fn key(&mut self, code: KeyCode) {
        self.app
            .handle(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.key(KeyCode::Char(c));
        }
    }

    fn conn(&self) -> Option<HostConn> {
        self.app.store.hosts.get(HOST).map(|h| h.conn.clone())
    }
}

fn popup_open(app: &App, screen: &str) -> bool {
    app.has_popup() && screen.contains("Credentials for authhost")
}

/// A private sshd on `port` that takes only a passphrase-protected key, the
/// `qemu+libssh://` URI that uses it, and a domain of the test's own to find in the list.
struct Setup {
    uri: String,
    row: Row,
    _sshd: Sshd,
    dir: tempfile::TempDir,
}

/// The port of this test's sshd: VIRTDECK_AUTH_SSH_PORT (default 2298) minus `offset`, one
/// per test of this file (they run in parallel; 2299 is the ssh_disconnect bench's).
fn port(offset: u16) -> u16 {
    std::env::var("VIRTDECK_AUTH_SSH_PORT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2298u16)
        - offset
}

/// `None` (the test does not run) without the rig, outside CI.
fn setup(port: u16, suffix: &str) -> Option<Setup> {
    let cache =
        std::env::var("VIRTDECK_RIG_CACHE").unwrap_or_else(|_| "/var/cache/virtdeck-rig".into());
    let host_key = PathBuf::from(cache).join("ssh/host_ed25519");
    let daemon = run(Command::new("virsh").args(["-q", "-c", "qemu:///system", "version"]));
    if !host_key.exists() || !daemon {
        let msg = format!(
            "live_auth: needs the rig (libvirtd and {}: tests/rig/up.sh, tests/rig/sshd.sh)",
            host_key.display()
        );
        assert!(!rig_required(), "{msg}");
        eprintln!("{msg}; NOT RUN");
        return None;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("key");
    assert!(
        run(Command::new("ssh-keygen")
            .args([
                "-q",
                "-t",
                "ed25519",
                "-N",
                PASSPHRASE,
                "-C",
                "virtdeck-live-auth",
                "-f"
            ])
            .arg(&key)),
        "ssh-keygen"
    );
    let pub_line = std::fs::read_to_string(host_key.with_extension("pub")).expect("host key");
    let known = dir.path().join("known_hosts");
    let fields: Vec<&str> = pub_line.split_whitespace().take(2).collect();
    std::fs::write(&known, format!("[127.0.0.1]:{port} {}\n", fields.join(" ")))
        .expect("known_hosts");
    let row = Row::define(dir.path(), suffix);
    let sshd = Sshd::start(dir.path(), &host_key, port);
    let uri = format!(
        "qemu+libssh://root@127.0.0.1:{port}/system?keyfile={}&known_hosts={}\
         &known_hosts_verify=normal&sshauth=privkey",
        key.display(),
        known.display()
    );
    Some(Setup {
        uri,
        row,
        _sshd: sshd,
        dir,
    })
}

#[test]
fn a_libssh_key_passphrase_is_asked_in_the_popup_and_a_wrong_one_shows_why() {
    // Bound whole: the sshd and the key's directory live until the test ends.
    let Some(setup) = setup(port(0), "authpop") else {
        return;
    };
    let (uri, row) = (setup.uri.clone(), &setup.row);

    let (tx, rx) = unbounded_channel();
    let config = Config::builtin().expect("config");
    let cfg = BackendConfig {
        host: HOST,
        uri: Some(uri.clone()),
        reconcile_every: config.reconcile_every,
        cpu_interval: config.cpu_interval,
        ..BackendConfig::default()
    };
    let backend = Backend::spawn(cfg, event::backend_sink(tx)).expect("spawn worker");
    let mut app = App::new(config, backend.sender(), false);
    app.add_host(HOST, "authhost", &uri, backend.sender());
    app.clipboard_out = Box::new(std::io::sink());
    let term = Terminal::new(TestBackend::new(100, 30)).expect("terminal");
    let mut s = Screen { app, term, rx };

    // libvirt asks for the key's passphrase: the popup names the host and the key.
    s.wait("the passphrase popup", popup_open);
    assert!(s.text().contains("Passphrase"), "{}", s.text());
    s.type_text("wrong horse");
    s.pump();
    assert!(s.text().contains("•••••••••••"), "{}", s.text());
    assert!(!s.text().contains("wrong horse"), "{}", s.text());
    s.key(KeyCode::Enter);
    s.wait("auth needed after a wrong passphrase", |app, _| {
        !app.has_popup()
            && matches!(
                app.store.hosts.get(HOST).map(|h| &h.conn),
                Some(HostConn::AuthNeeded { .. })
            )
    });
    let Some(HostConn::AuthNeeded { error, .. }) = s.conn() else {
        unreachable!("checked above")
    };
    assert!(!error.is_empty(), "libvirt's reason is shown");
    eprintln!("wrong passphrase: {error}");
    // The worker does not ask again by itself: no popup for a few seconds.
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(3) {
        s.pump();
        assert!(!s.app.has_popup(), "asked again unbidden:\n{}", s.text());
        std::thread::sleep(Duration::from_millis(50));
    }
    // The hosts view shows it, with libvirt's reason; r asks again.
    s.key(KeyCode::Char('H'));
    s.pump();
    let screen = s.text();
    assert!(screen.contains("auth needed"), "{screen}");
    assert!(screen.contains("wrong passphrase"), "{screen}");
    // Esc cancels: still auth needed, now for want of an answer.
    s.key(KeyCode::Char('r'));
    s.wait("the popup again after r", popup_open);
    s.type_text("abc");
    s.key(KeyCode::Esc);
    s.wait("auth needed after Esc", |_, screen| {
        screen.contains("no credentials given") && screen.contains("auth needed")
    });
    s.key(KeyCode::Char('r'));
    s.wait("the popup again after r", popup_open);
    s.type_text(PASSPHRASE);
    s.key(KeyCode::Enter);
    s.wait("connected, listing the test's domain", |app, _| {
        app.store.host_connected(HOST)
            && app
                .store
                .rows()
                .any(|r| r.info.id.host == HOST && r.info.name == row.0)
    });
    drop(s);
    drop(backend);
}

#[test]
fn a_single_libssh_host_asks_its_passphrase_on_the_terminal_before_the_screen() {
    let Some(setup) = setup(port(1), "authtty") else {
        return;
    };
    let asked = |p: &Pty| p.raw().to_lowercase().contains("passphrase");
    let line = format!("exec {} -c '{}'", pty::BIN, setup.uri);

    // Esc at the question: no connection, and virtdeck says why instead of hanging.
    let mut p = Pty::spawn(&line, setup.dir.path());
    p.wait_for("the passphrase question", LIMIT, asked);
    p.keys("abc\x1b");
    let (code, out) = p.finish(LIMIT);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("virtdeck: "), "no reason given:\n{out}");
    eprintln!("after Esc:\n{out}");

    // The right passphrase, typed without echo: the list with the test's domain.
    let mut p = Pty::spawn(&line, setup.dir.path());
    p.wait_for("the passphrase question", LIMIT, asked);
    p.keys(&format!("{PASSPHRASE}\r"));
    p.wait_for("the domain list", LIMIT, |p| {
        p.shown().contains(&setup.row.0)
    });
    assert!(
        !p.raw().contains(PASSPHRASE),
        "the passphrase was echoed:\n{}",
        p.raw()
    );
    p.keys("q");
    assert_eq!(p.finish(LIMIT).0, Some(0));
}
