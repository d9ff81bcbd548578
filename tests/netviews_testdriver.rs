//! The networks view end to end on the demo host (libvirt's test driver): the real App and
//! backend, keys pressed, the row read back from the screen.

mod common;

use std::time::{Duration, Instant};

use common::{Harness, Options};
use virtdeck::ui::layer::ViewRequest;

/// The screen line of network `name` once `ok` holds for it (pumping events meanwhile).
fn row_when(h: &mut Harness, name: &str, ok: impl Fn(&str) -> bool) -> String {
    let end = Instant::now() + Duration::from_secs(10);
    loop {
        h.pump();
        let screen = h.screen_text();
        if let Some(line) = screen.lines().find(|l| l.contains(&format!("│{name} ")))
            && ok(line)
        {
            return line.to_string();
        }
        assert!(Instant::now() < end, "{name} never matched:\n{screen}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn stop_and_start_a_demo_network_from_the_view() {
    let mut h = Harness::demo(Options {
        width: 120,
        height: 30,
        ..Options::new("")
    });
    h.app.open_view(ViewRequest::Networks);
    let row = row_when(&mut h, "isolated", |l| l.contains(" active "));
    assert!(row.contains("virbr1"), "bridge shown: {row}");
    // Select "isolated": the list is sorted by name (default, isolated, lab-routed).
    h.press("gj");
    h.press("d");
    h.press("y");
    row_when(&mut h, "isolated", |l| l.contains("inactive"));
    h.press("s");
    row_when(&mut h, "isolated", |l| l.contains(" active "));
    // The other networks were not touched.
    let default = row_when(&mut h, "default", |_| true);
    assert!(default.contains(" active "), "{default}");
}

#[test]
fn host_view_shows_the_demo_node_and_its_devices_with_users_and_iommu_warning() {
    let mut h = Harness::demo(Options {
        width: 160,
        height: 45,
        ..Options::new("")
    });
    h.app.open_view(ViewRequest::Node {
        host: virtdeck::backend::HostId::FIRST,
    });
    let end = Instant::now() + Duration::from_secs(10);
    let screen = loop {
        h.pump();
        let s = h.screen_text();
        if s.contains("node devices (") && s.contains("Memory") {
            break s;
        }
        assert!(Instant::now() < end, "host view never filled:\n{s}");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(screen.contains("sockets"), "{screen}");
    assert!(
        screen.contains("win-dev-desktop"),
        "the passthrough user shown:\n{screen}"
    );
    // Walk the devices until one in a shared IOMMU group shows the warning.
    let mut warned = false;
    for _ in 0..40 {
        if h.screen_text()
            .contains("the whole group must be passed through together")
        {
            warned = true;
            break;
        }
        h.press("j");
    }
    assert!(warned, "no IOMMU group warning:\n{}", h.screen_text());
    h.press("<Esc>");
    assert!(!h.screen_text().contains("node devices ("));
}

#[test]
fn host_view_snapshots_on_the_demo_host() {
    for (w, ht) in [(80u16, 24u16), (160, 45)] {
        let mut h = Harness::demo(Options {
            width: w,
            height: ht,
            ..Options::new("")
        });
        h.app.open_view(ViewRequest::Node {
            host: virtdeck::backend::HostId::FIRST,
        });
        let end = Instant::now() + Duration::from_secs(10);
        let screen = loop {
            h.pump();
            let s = h.screen_text();
            if s.contains("node devices (") && s.contains("Memory") {
                break s;
            }
            assert!(Instant::now() < end, "host view never filled:\n{s}");
            std::thread::sleep(Duration::from_millis(20));
        };
        insta::assert_snapshot!(format!("host_demo_{w}x{ht}"), screen);
    }
}
