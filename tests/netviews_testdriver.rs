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
