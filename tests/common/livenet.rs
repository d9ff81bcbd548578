#![allow(dead_code)]
//! Live-test helpers for networks and guest variants: rig-prefixed names, a network that
//! is removed after the test, guest XML edits and commands run in the guest's shell.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::rig::{self, Guest};

pub fn prefix() -> String {
    std::env::var("VIRTDECK_RIG_PREFIX").unwrap_or_else(|_| "vdtest-".into())
}

/// Removes the network `name` (rig-prefixed) when dropped.
pub struct NetGuard(pub String);

impl Drop for NetGuard {
    fn drop(&mut self) {
        let _ = rig::virsh_try(&["net-destroy", &self.0]);
        let _ = rig::virsh_try(&["net-undefine", &self.0]);
    }
}

/// An isolated network with DHCP on `192.168.<octet>.0/24`, bridge `<prefix>br<octet>`.
pub fn isolated_net_xml(name: &str, bridge: &str, octet: u8) -> String {
    format!(
        "<network><name>{name}</name><bridge name='{bridge}' stp='on' delay='0'/>\
         <ip address='192.168.{octet}.1' netmask='255.255.255.0'><dhcp>\
         <range start='192.168.{octet}.10' end='192.168.{octet}.50'/></dhcp></ip></network>"
    )
}

/// Redefines `guest` after `edit` changed its inactive XML.
pub fn redefine(guest: &Guest, edit: impl Fn(String) -> String) {
    let xml = rig::virsh(&["dumpxml", "--inactive", &guest.name]);
    let new = edit(xml.clone());
    assert_ne!(new, xml, "the guest XML edit changed nothing");
    let file = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(file.path(), new).expect("write XML");
    rig::virsh(&["define", &file.path().to_string_lossy()]);
}

/// Runs `cmd` in the guest's shell over its serial console; returns what it printed.
pub fn guest_run(guest: &Guest, cmd: &str, timeout: Duration) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/guest_console.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(&guest.name)
        .arg(cmd)
        .arg(timeout.as_secs().to_string())
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
