//! A fleet of three hosts in one App: `qemu:///system`, the same daemon over `qemu+ssh://`,
//! and a test-driver node. The fleet list matches `virsh list --all` of each host, shows a
//! HOST column, and a lifecycle event on one host reaches that host's rows only.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::fleet::{Fleet, HostSpec};
use common::rig::{self, Guest};
use virtdeck::backend::{Command, HostId, LifecycleOp, demo};

const LOCAL: HostId = HostId(0);
const SSH: HostId = HostId(1);
const TEST: HostId = HostId(2);
const T: Duration = Duration::from_secs(20);

fn virsh_names(uri: &str) -> BTreeSet<String> {
    let out = std::process::Command::new("virsh")
        .args(["-q", "-c", uri, "list", "--all", "--name"])
        .output()
        .expect("run virsh");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn three_hosts_list_what_virsh_lists_and_an_event_reaches_its_own_host_only() {
    let Some(guest) = Guest::define("fleet") else {
        return;
    };
    let Some(uri) = rig::ssh_uri() else {
        return;
    };
    let node = demo::NodeFile::write(demo::DEMO_HOST_XML).expect("node file");
    let mut f = Fleet::start(
        &[
            HostSpec::new("local", "qemu:///system"),
            HostSpec::new("over-ssh", &uri),
            HostSpec::new("testnode", &node.uri()),
        ],
        160,
        45,
    );
    assert!(
        f.wait_until(T, |app| {
            Fleet::state_on(app, LOCAL, &guest.name).is_some()
                && Fleet::state_on(app, SSH, &guest.name).is_some()
                && !Fleet::names_on(app, TEST).is_empty()
        }),
        "every host listed"
    );

    // Each host's rows are what virsh lists there (other agents' guests may come and go on
    // the rig meanwhile: allow a couple of differences there, none on the test node).
    let test_virsh = virsh_names(&node.uri());
    assert_eq!(Fleet::names_on(&f.app, TEST), test_virsh);
    for host in [LOCAL, SSH] {
        let virsh = virsh_names("qemu:///system");
        let ours = Fleet::names_on(&f.app, host);
        assert!(ours.contains(&guest.name));
        assert!(
            ours.symmetric_difference(&virsh).count() <= 2,
            "{host}: {ours:?}\nvirsh: {virsh:?}"
        );
    }
    // One list, every host's domains, with the host named on each row.
    let screen = f.screen().join("\n");
    assert!(screen.contains("Host"), "{screen}");
    for name in ["local", "over-ssh", "testnode"] {
        assert!(
            screen.contains(name),
            "{name} in the HOST column:\n{screen}"
        );
    }
    let test_rows: Vec<_> = f
        .app
        .store
        .rows()
        .filter(|r| r.info.id.host == TEST)
        .map(|r| {
            (
                r.info.id.clone(),
                r.info.name.clone(),
                r.info.state.to_string(),
            )
        })
        .collect();
    assert_eq!(f.app.domains.list.rows().len(), f.app.store.len());

    // A lifecycle change on the rig's daemon reaches its two connections' rows, not the
    // test node's.
    rig::virsh(&["start", &guest.name]);
    assert!(
        f.wait_until(T, |app| [LOCAL, SSH].iter().all(|h| Fleet::state_on(
            app,
            *h,
            &guest.name
        )
        .is_some_and(|s| s.starts_with("running")))),
        "the start reached both rows of the rig daemon"
    );
    for (id, name, state) in &test_rows {
        let now = f.app.store.get(id).map(|r| r.info.state.to_string());
        assert_eq!(
            now.as_ref(),
            Some(state),
            "{name} on the test node unchanged"
        );
    }

    // A stop on the test node reaches that row only.
    let (id, name, _) = test_rows
        .iter()
        .find(|(_, _, s)| s.starts_with("running"))
        .expect("a running test-node domain");
    f.backends[2].sender().send(Command::Lifecycle {
        req: 9_000,
        id: id.clone(),
        name: name.clone(),
        op: LifecycleOp::Destroy,
    });
    assert!(
        f.wait_until(T, |app| app.store.get(id).is_some_and(|r| r
            .info
            .state
            .to_string()
            .starts_with("shut off"))),
        "the test node's {name} stopped"
    );
    for h in [LOCAL, SSH] {
        assert!(
            Fleet::state_on(&f.app, h, &guest.name).is_some_and(|s| s.starts_with("running")),
            "the rig's rows did not change"
        );
    }
    rig::virsh(&["destroy", &guest.name]);
}
