//! Save / restore and managed save through the backend on the rig: the guest's shell
//! state (a variable) survives both.

#[path = "common/client.rs"]
mod client;
#[path = "common/rig.rs"]
mod rig;

use std::path::Path;
use std::process::Command as Proc;
use std::time::Duration;

use client::Client;
use virtdeck::backend::DomainId;
use virtdeck::backend::jobs::{JobCmd, JobEvent};
use virtdeck::backend::model::HostId;

const JOB: Duration = Duration::from_secs(180);

fn guest_sh(dom: &str, cmd: &str) -> String {
    let helper = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/guest_console.py");
    let out = Proc::new("python3")
        .arg(helper)
        .args([dom, cmd, "60"])
        .output()
        .expect("run guest_console.py");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "guest command {cmd:?} failed: {}{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

fn shell_var(dom: &str) -> String {
    let out = guest_sh(dom, "echo V=$VDSTATE");
    out.lines()
        .find_map(|l| l.trim().strip_prefix("V=").map(str::to_string))
        .unwrap_or_else(|| panic!("no V= line in {out:?}"))
}

fn finished(ev: JobEvent) -> String {
    match ev {
        JobEvent::DomainJobFinished { result, what, .. } => {
            result.unwrap_or_else(|e| panic!("{what} failed: {e}"))
        }
        other => panic!("unexpected {other:?}"),
    }
}

struct RemoveFile(String);

impl Drop for RemoveFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn save_restore_and_managed_save_keep_the_shell_state() {
    let Some(guest) = rig::Guest::define("save") else {
        return;
    };
    let dom = guest.name.clone();
    rig::virsh(&["start", &dom]);
    assert!(
        guest.wait_for_prompt(Duration::from_secs(180)),
        "guest did not boot"
    );
    guest_sh(&dom, "VDSTATE=kept-42");
    assert_eq!(shell_var(&dom), "kept-42");
    let id = DomainId::new(
        HostId::FIRST,
        rig::virsh(&["domuuid", &dom]).trim().to_string(),
    );
    let file = format!("/var/lib/libvirt/images/{dom}.save");
    let _cleanup = RemoveFile(file.clone());

    let mut c = Client::open(rig::URI);
    let msg = finished(c.job(
        |req| JobCmd::Save {
            req,
            id: id.clone(),
            domain: dom.clone(),
            path: file.clone(),
        },
        JOB,
    ));
    assert!(msg.contains(&file), "{msg}");
    assert_eq!(guest.domstate(), "shut off");
    assert!(Path::new(&file).exists());
    finished(c.job(
        |req| JobCmd::Restore {
            req,
            path: file.clone(),
        },
        JOB,
    ));
    assert_eq!(guest.domstate(), "running");
    assert_eq!(shell_var(&dom), "kept-42", "restore lost the shell state");

    guest_sh(&dom, "VDSTATE=managed-7");
    finished(c.job(
        |req| JobCmd::ManagedSave {
            req,
            id: id.clone(),
            domain: dom.clone(),
        },
        JOB,
    ));
    assert_eq!(guest.domstate(), "shut off");
    let info = rig::virsh(&["dominfo", &dom]);
    assert!(
        info.lines()
            .any(|l| l.starts_with("Managed save:") && l.trim_end().ends_with("yes")),
        "{info}"
    );
    rig::virsh(&["start", &dom]);
    assert_eq!(
        shell_var(&dom),
        "managed-7",
        "start did not resume the managed save"
    );

    // A second managed save, removed: the next start boots afresh.
    finished(c.job(
        |req| JobCmd::ManagedSave {
            req,
            id: id.clone(),
            domain: dom.clone(),
        },
        JOB,
    ));
    finished(c.job(
        |req| JobCmd::ManagedSaveRemove {
            req,
            id: id.clone(),
            domain: dom.clone(),
        },
        JOB,
    ));
    let info = rig::virsh(&["dominfo", &dom]);
    assert!(
        info.lines()
            .any(|l| l.starts_with("Managed save:") && l.trim_end().ends_with("no")),
        "{info}"
    );
}
