//! The Devices tab on libvirt's test driver: the real worker reads the devices and builds
//! the fragment of each dialog (its dry run); the test driver cannot hot-plug, so sending
//! shows libvirt's own refusal and the domain keeps its devices.

mod common;

use std::time::Duration;

use common::{Harness, Options};
use virtdeck::ui::devices::tab::Loaded;
use virtdeck::ui::domains::detail::Tab;

fn start() -> Harness {
    let mut opts = Options::new("test:///default");
    opts.width = 120;
    opts.height = 40;
    let mut h = Harness::start(opts);
    h.select("test");
    // Shift-Tab from the Overview wraps to the last tab, Devices.
    h.press("<BackTab>");
    assert_eq!(h.app.domains.tab, Tab::Devices);
    assert!(
        h.wait_until(Duration::from_secs(10), |app| matches!(
            app.devices.loaded,
            Loaded::Devices(_)
        )),
        "the devices never arrived"
    );
    h
}

fn wait_screen(h: &mut Harness, what: &str) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        h.pump();
        let screen = h.screen_text();
        if screen.contains(what) {
            return screen;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{what:?} never showed:\n{screen}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_test_domains_devices_and_an_add_disk_the_driver_refuses() {
    let mut h = start();
    let screen = h.screen_text();
    assert!(screen.contains("/guest/diskimage1"), "{screen}");
    assert!(screen.contains("aa:bb:cc:dd:ee:ff up"), "{screen}");
    assert!(screen.contains("testnet0"), "{screen}");

    // Add a disk from a path: Source → path, then type it.
    h.press("a");
    h.press("<Right><Down>/guest/extra.img<Enter>");
    let screen = wait_screen(&mut h, "<source file='/guest/extra.img'/>");
    // vda is taken: the suggestion is vdb; running and persistent: both definitions.
    assert!(
        screen.contains("<target dev='vdb' bus='virtio'/>"),
        "{screen}"
    );
    assert!(screen.contains("sends (live and persistent)"), "{screen}");
    h.press("<Enter>");
    let screen = wait_screen(&mut h, "failed");
    assert!(
        screen.contains("not supported"),
        "libvirt's reason missing:\n{screen}"
    );
    // Re-read after the attempt: still the one disk.
    assert!(h.wait_until(Duration::from_secs(5), |app| matches!(
        &app.devices.loaded,
        Loaded::Devices(d) if d.disks.len() == 1
    )));
    assert!(h.app.layers.is_empty());
}

#[test]
fn detach_shows_the_nic_element_from_the_live_xml_and_esc_sends_nothing() {
    let mut h = start();
    h.press("<Enter>j");
    assert_eq!(h.app.devices.cursor, 1);
    h.press("x");
    let screen = wait_screen(&mut h, "<mac address='aa:bb:cc:dd:ee:ff'/>");
    assert!(screen.contains("<source network='default'/>"), "{screen}");
    h.press("<Esc>");
    assert!(h.app.layers.is_empty());
    // Link down: the fragment is the NIC with <link state='down'/>.
    h.press("l<Enter>");
    let screen = wait_screen(&mut h, "<link state='down'/>");
    assert!(screen.contains("aa:bb:cc:dd:ee:ff"), "{screen}");
    h.press("<Esc>");
    assert!(h.app.layers.is_empty());
    assert!(h.screen_text().contains("aa:bb:cc:dd:ee:ff up"));
}
