//! Two hosts in one App: `qemu:///system` and the same daemon over `qemu+ssh://` (the rig's
//! private sshd). Our SSH session freezes as if the network had vanished: that host shows
//! DISCONNECTED within 20 s (keepalive) while `qemu:///system` keeps updating; with the
//! sshd back, the host reconnects by itself.

mod common;

use std::process::Command;
use std::time::Duration;

use common::fleet::{Fleet, HostSpec};
use common::rig::{self, Guest};
use virtdeck::backend::HostId;

const LOCAL: HostId = HostId(0);
const SSH: HostId = HostId(1);
const T: Duration = Duration::from_secs(20);

fn rig_sshd_pid() -> u32 {
    let cache =
        std::env::var("VIRTDECK_RIG_CACHE").unwrap_or_else(|_| "/var/cache/virtdeck-rig".into());
    std::fs::read_to_string(format!("{cache}/ssh/sshd.pid"))
        .expect("the rig's sshd.pid")
        .trim()
        .parse()
        .expect("a pid in sshd.pid")
}

fn ppid(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces: the fields after its closing parenthesis.
    let rest = &stat[stat.rfind(')')? + 2..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

fn descends_from(mut pid: u32, ancestor: u32) -> bool {
    while let Some(p) = ppid(pid) {
        if p == ancestor {
            return true;
        }
        if p <= 1 {
            return false;
        }
        pid = p;
    }
    false
}

/// `pid=N` values of the `users:((…))` column of one `ss -p` line.
fn pids_of(line: &str) -> Vec<u32> {
    line.split("pid=")
        .skip(1)
        .filter_map(|s| s.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok())
        .collect()
}

/// The sshd processes serving this test process's ssh session (and nobody else's): the
/// ones holding the server end of the TCP connection our `ssh` child holds.
fn our_sshd_session(port: &str) -> Vec<u32> {
    let me = std::process::id();
    let ss = |filter: &str| {
        let out = Command::new("ss")
            .args(["-tnpH", "state", "established", filter])
            .output()
            .expect("run ss");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let clients = ss(&format!("( dport = :{port} )"));
    let mut local_ports = Vec::new();
    for line in clients.lines() {
        if pids_of(line).iter().any(|p| descends_from(*p, me)) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            // Recv-Q Send-Q Local Peer …
            if let Some(local) = cols.get(2) {
                local_ports.push(local.rsplit(':').next().unwrap_or("").to_string());
            }
        }
    }
    assert!(
        !local_ports.is_empty(),
        "no ssh session of ours:\n{clients}"
    );
    let listener = rig_sshd_pid();
    let servers = ss(&format!("( sport = :{port} )"));
    let mut pids = Vec::new();
    for line in servers.lines() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let peer_port = cols.get(3).and_then(|p| p.rsplit(':').next()).unwrap_or("");
        if local_ports.iter().any(|p| p == peer_port) {
            pids.extend(
                pids_of(line)
                    .into_iter()
                    .filter(|p| descends_from(*p, listener)),
            );
        }
    }
    pids.sort();
    pids.dedup();
    assert!(!pids.is_empty(), "no sshd serving our session:\n{servers}");
    pids
}

fn signal(pids: &[u32], sig: &str) {
    for p in pids {
        let _ = Command::new("kill").args([sig, &p.to_string()]).status();
    }
}

fn rig_sshd(args: &[&str]) {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rig/sshd.sh");
    let out = Command::new(script)
        .args(args)
        .output()
        .expect("run sshd.sh");
    assert!(
        out.status.success(),
        "sshd.sh {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_frozen_ssh_host_goes_disconnected_while_the_local_one_keeps_updating_then_reconnects() {
    let Some(guest) = Guest::define("hosts") else {
        return;
    };
    let Some(uri) = rig::ssh_uri() else {
        return;
    };
    let port = uri
        .split("127.0.0.1:")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap_or("2222")
        .to_string();
    let mut ssh = HostSpec::new("over-ssh", &uri);
    // Probes every 2 s, dead after 3 unanswered: about 8 s, inside the 20 s promise.
    ssh.keepalive = (2, 3);
    let mut f = Fleet::start(&[HostSpec::new("local", "qemu:///system"), ssh], 160, 45);
    assert!(
        f.wait_until(T, |app| Fleet::state_on(app, LOCAL, &guest.name).is_some()
            && Fleet::state_on(app, SSH, &guest.name).is_some()),
        "both hosts list {}",
        guest.name
    );
    let screen = f.screen().join("\n");
    assert!(
        screen.contains("local") && screen.contains("over-ssh"),
        "{screen}"
    );

    // The network "vanishes": our session's sshd stops answering, and nobody can log in.
    let session = our_sshd_session(&port);
    rig_sshd(&["--stop"]);
    signal(&session, "-STOP");
    let frozen = std::time::Instant::now();
    let lost = f.wait_until(T, |app| !app.store.host_connected(SSH));
    eprintln!(
        "frozen ssh session to DISCONNECTED: {:.1} s (keepalive 2 s x 3)",
        frozen.elapsed().as_secs_f64()
    );
    // Finish the frozen session either way, so nothing is left stopped.
    signal(&session, "-KILL");
    assert!(lost, "the ssh host is not DISCONNECTED within 20 s");
    let screen = f.screen().join("\n");
    assert!(
        screen.contains("DISCONNECTED"),
        "greyed rows say so:\n{screen}"
    );
    assert!(f.app.store.host_connected(LOCAL));

    // The local host keeps updating meanwhile.
    rig::virsh(&["start", &guest.name]);
    let started = f.wait_until(T, |app| {
        Fleet::state_on(app, LOCAL, &guest.name).is_some_and(|s| s.starts_with("running"))
    });
    // The ssh host's row stays at its last known state.
    let stale = Fleet::state_on(&f.app, SSH, &guest.name);
    rig_sshd(&[]);
    assert!(started, "a start on qemu:///system reaches its row");
    assert!(
        stale.as_deref().is_some_and(|s| !s.starts_with("running")),
        "the lost host's row keeps its last known state: {stale:?}"
    );

    // The sshd is back: the host reconnects by itself and catches up.
    assert!(
        f.wait_until(Duration::from_secs(30), |app| app.store.host_connected(SSH)
            && Fleet::state_on(app, SSH, &guest.name)
                .is_some_and(|s| s.starts_with("running"))),
        "the ssh host reconnected and shows the guest running"
    );
    rig::virsh(&["destroy", &guest.name]);
    assert!(
        f.wait_until(T, |app| Fleet::state_on(app, SSH, &guest.name)
            .is_some_and(|s| s.starts_with("shut off"))),
        "events flow over the new ssh connection"
    );
}
