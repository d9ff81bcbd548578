//! Several hosts without libvirt: the App gets one detached command channel per host and
//! fake backend events. The hosts view, the fleet list's HOST column, greyed DISCONNECTED
//! rows, per-host routing of commands and the on-screen domains each worker is told about.

use std::time::Duration;

use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use virtdeck::app::App;
use virtdeck::backend::{
    BackendEvent, Command, CommandLog, CommandSender, DomainId, DomainInfo, DomainState, HostFacts,
    HostId,
};
use virtdeck::config::Config;
use virtdeck::event::Event;

const A: HostId = HostId(0);
const B: HostId = HostId(1);
const C: HostId = HostId(2);

fn info(host: HostId, n: usize, name: &str, state: i32) -> DomainInfo {
    DomainInfo {
        id: DomainId::new(host, format!("00000000-0000-4000-8000-{n:012}")),
        name: name.into(),
        state: DomainState::from_raw(state, 1),
        dom_id: (state == 1).then_some(n as u32),
        vcpus: 2,
        memory_kib: 1024 * 1024,
        max_memory_kib: 2048 * 1024,
        cpu_time_ns: 0,
        autostart: false,
        persistent: true,
        managed_save: false,
    }
}

#[path = "common/fake.rs"]
mod fake;
use fake::Fake;

impl Fake {
    /// Three hosts: `alpha` and `bravo` connected, `charlie` refused by ssh.
    fn new(width: u16, height: u16) -> Fake {
        let config = Config::builtin().expect("built-in config");
        let (tx0, log0) = CommandSender::detached();
        let mut app = App::new(config, tx0.clone(), false);
        let mut logs = vec![log0];
        let hosts = [
            (A, "alpha", "qemu:///system"),
            (B, "bravo", "qemu+ssh://root@bravo/system"),
            (C, "charlie", "qemu+ssh://root@charlie/system"),
        ];
        for (i, (id, name, uri)) in hosts.iter().enumerate() {
            let tx = if i == 0 {
                tx0.clone()
            } else {
                let (tx, log) = CommandSender::detached();
                logs.push(log);
                tx
            };
            app.add_host(*id, name, uri, tx);
        }
        for (id, name) in [(A, "alpha"), (B, "bravo")] {
            app.handle(Event::Backend(BackendEvent::Connected {
                host: id,
                uri: format!("qemu+ssh://{name}/system"),
                hostname: name.into(),
                readonly: false,
            }));
            app.handle(Event::Backend(BackendEvent::HostFacts(
                id,
                HostFacts {
                    libvirt: "9.0.0".into(),
                    hypervisor: "QEMU 7.2.0".into(),
                    cpus: 8,
                    cpu_pct: Some(12.5),
                    mem_total_kib: 32 * 1024 * 1024,
                    mem_free_kib: Some(20 * 1024 * 1024),
                },
            )));
        }
        app.handle(Event::Backend(BackendEvent::DomainList(
            A,
            vec![info(A, 1, "web-01", 1), info(A, 2, "db-01", 5)],
        )));
        app.handle(Event::Backend(BackendEvent::DomainList(
            B,
            vec![info(B, 1, "web-01", 5), info(B, 3, "cache-01", 1)],
        )));
        app.handle(Event::Backend(BackendEvent::ConnectFailed {
            host: C,
            attempt: 1,
            error: "Cannot recv data: root@charlie: Permission denied (publickey).".into(),
            hint: "SSH refused the login".into(),
            auth: true,
            retry_in: Duration::from_secs(30),
        }));
        let mut f = Fake::from_app(app, logs.remove(0), width, height);
        f.other_logs = logs;
        f
    }

    /// The names the list shows, in order, with their host.
    fn listed(&mut self) -> Vec<(HostId, String)> {
        self.app.domains.list.sync(&self.app.store);
        self.app
            .domains
            .list
            .rows()
            .iter()
            .filter_map(|id| self.app.store.get(id))
            .map(|r| (r.info.id.host, r.info.name.clone()))
            .collect()
    }

    fn select_on(&mut self, host: HostId, name: &str) {
        let rows = self.listed();
        let i = rows
            .iter()
            .position(|(h, n)| *h == host && n == name)
            .expect("listed");
        self.app.domains.list.select_index(i);
    }
}

fn check(name: &str, build: impl Fn(&mut Fake)) {
    for (w, h) in [(80, 24), (160, 45)] {
        let mut f = Fake::new(w, h);
        build(&mut f);
        let screen = f.screen();
        insta::with_settings!({
            prepend_module_to_snapshot => false,
        }, {
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen);
        });
    }
}

#[test]
fn hosts_view() {
    // The refused host selected: its message and hint under the table.
    check("hosts_view", |f| {
        f.key(KeyCode::Char('H'));
        f.key(KeyCode::Down);
        f.key(KeyCode::Down);
    });
}

#[test]
fn fleet_list_has_a_host_column() {
    check("fleet_list", |_| {});
}

#[test]
fn a_lost_hosts_rows_are_greyed_and_say_disconnected() {
    check("fleet_disconnected", |f| {
        f.app.handle(Event::Backend(BackendEvent::Disconnected {
            host: B,
            reason: "keepalive timeout: the host stopped answering".into(),
        }));
    });
}

#[test]
fn the_fleet_lists_every_host_and_enter_in_the_hosts_view_shows_one() {
    let mut f = Fake::new(120, 30);
    assert_eq!(f.listed().len(), 4, "every host's domains in one list");
    f.key(KeyCode::Char('H'));
    assert!(f.screen().contains("charlie"), "H opens the hosts view");
    f.key(KeyCode::Down);
    f.key(KeyCode::Enter);
    assert_eq!(
        f.listed(),
        [(B, "cache-01".to_string()), (B, "web-01".to_string())],
        "Enter shows bravo's domains only"
    );
    assert!(f.screen().contains("showing bravo"));
    f.key(KeyCode::Char('H'));
    f.key(KeyCode::Char('a'));
    assert_eq!(f.listed().len(), 4, "a: the fleet again");
}

#[test]
fn commands_go_to_the_worker_of_the_domains_host() {
    let mut f = Fake::new(120, 30);
    let _ = f.screen();
    for log in f.logs() {
        log.drain();
    }
    f.select_on(B, "web-01");
    f.key(KeyCode::Char('s'));
    assert!(f.logs()[0].drain().is_empty(), "nothing went to alpha");
    let to_b = f.logs()[1].drain();
    assert!(
        to_b.iter()
            .any(|c| matches!(c, Command::Lifecycle { id, .. } if id.host == B)),
        "start went to bravo: {to_b:?}"
    );
    // A host that is not connected refuses changes on its rows, in the status line.
    f.app.handle(Event::Backend(BackendEvent::Disconnected {
        host: B,
        reason: "gone".into(),
    }));
    f.select_on(B, "web-01");
    f.key(KeyCode::Char('s'));
    assert!(
        f.logs()[1]
            .drain()
            .iter()
            .all(|c| !matches!(c, Command::Lifecycle { .. }))
    );
    assert!(f.screen().contains("not connected"));
}

#[test]
fn each_worker_hears_which_of_its_domains_are_on_screen() {
    let mut f = Fake::new(120, 30);
    let mut term = Terminal::new(TestBackend::new(120, 30)).expect("terminal");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    tx.send(Event::Tick).expect("queue");
    drop(tx);
    // One pass of the run loop draws a frame, which tells the workers what is shown.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(f.app.run(&mut term, &mut rx)).expect("run");
    let visible = |log: &CommandLog| {
        log.drain().into_iter().find_map(|c| match c {
            Command::Visible(_, ids) => Some(ids.len()),
            _ => None,
        })
    };
    assert_eq!(visible(f.logs()[0]), Some(2));
    assert_eq!(visible(f.logs()[1]), Some(2));
    assert_eq!(visible(f.logs()[2]), Some(0));
}

#[test]
fn enter_on_a_host_ssh_refused_hands_the_terminal_over_and_other_hosts_retry_unattended() {
    let mut f = Fake::new(120, 30);
    assert!(
        f.screen().contains("auth needed"),
        "the status line says what to do"
    );
    f.key(KeyCode::Char('H'));
    f.key(KeyCode::Down);
    f.key(KeyCode::Down);
    f.key(KeyCode::Enter);
    assert_eq!(
        f.app.interactive_pending,
        Some(C),
        "ssh gets the terminal for charlie"
    );
    // A lost host that needs no credentials just retries now, without leaving the screen.
    f.app.interactive_pending = None;
    f.app.handle(Event::Backend(BackendEvent::Disconnected {
        host: B,
        reason: "gone".into(),
    }));
    for log in f.logs() {
        log.drain();
    }
    f.key(KeyCode::Char('H'));
    f.key(KeyCode::Down);
    f.key(KeyCode::Enter);
    assert_eq!(f.app.interactive_pending, None);
    assert!(f.logs()[1].drain().contains(&Command::Reconnect(B)));
}

#[test]
fn i_in_the_hosts_view_asks_that_host_for_its_hardware() {
    let mut f = Fake::new(120, 30);
    let _ = f.screen();
    for log in f.logs() {
        log.drain();
    }
    f.key(KeyCode::Char('H'));
    f.key(KeyCode::Down);
    f.key(KeyCode::Char('i'));
    assert!(
        f.logs()[0].drain().is_empty(),
        "nothing went to alpha for bravo's host view"
    );
    let to_b = f.logs()[1].drain();
    assert!(
        to_b.iter()
            .any(|c| matches!(c, Command::Node(h, _) if *h == B)),
        "the host view asks bravo for its node info: {to_b:?}"
    );
}
