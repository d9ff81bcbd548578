#![allow(dead_code)]
//! Helpers for tests on `test:///default`: one shared in-process host, so a second
//! connection here is an independent client checking (or changing) libvirt's real state.

use std::time::{Duration, Instant};

use virt::connect::Connect;
use virt::domain::Domain;

pub const URI: &str = "test:///default";

pub fn connect() -> Connect {
    // Keep libvirt from printing expected "not found" errors into the test output.
    virt::error::clear_error_callback();
    Connect::open(Some(URI)).expect("open test:///default")
}

/// Defines a shut-off persistent domain called `name` (escaped for XML).
pub fn define(conn: &Connect, name: &str) -> Domain {
    let xml = format!(
        "<domain type='test'><name>{}</name><memory unit='MiB'>512</memory>\
         <vcpu>2</vcpu><os><type>hvm</type></os></domain>",
        xml_escape(name)
    );
    conn.define_domain_xml(&xml)
        .unwrap_or_else(|e| panic!("define {name:?}: {e}"))
}

fn xml_escape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '&' => "&amp;".to_string(),
            '\t' => "&#9;".to_string(),
            c => c.to_string(),
        })
        .collect()
}

/// libvirt's state of `name`, as virsh words it ("running", "paused", "shut off", "gone").
pub fn state(conn: &Connect, name: &str) -> String {
    match conn.lookup_domain_by_name(name) {
        Err(_) => "gone".into(),
        Ok(d) => match d.state() {
            Ok((s, _)) => match s.to_raw() {
                1 => "running",
                2 => "idle",
                3 => "paused",
                4 => "in shutdown",
                5 => "shut off",
                6 => "crashed",
                _ => "other",
            }
            .to_string(),
            Err(e) => format!("error: {e}"),
        },
    }
}

/// Polls libvirt until `name` is in `want`.
pub fn wait_state(conn: &Connect, name: &str, want: &str, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if state(conn, name) == want {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

/// Removes `name` whatever its state (test cleanup).
pub fn remove(conn: &Connect, name: &str) {
    if let Ok(d) = conn.lookup_domain_by_name(name) {
        let _ = d.destroy();
        let _ = d.undefine();
    }
}
