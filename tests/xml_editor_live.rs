//! The XML editor on the rig's QEMU guest: edit memory and a device, apply, and
//! `virsh dumpxml --inactive` shows the change; a bad enum is refused by libvirt with the
//! buffer intact; a running guest is told the change waits for the next boot.

mod common;

use std::time::Duration;

use common::{Harness, Options, rig};

const T: Duration = Duration::from_secs(30);

fn settled(app: &virtdeck::app::App) -> bool {
    app.xml
        .as_ref()
        .is_some_and(|e| e.applying.is_none() && e.loading.is_none())
}

#[test]
fn edit_apply_and_refuse_on_a_qemu_guest() {
    let Some(guest) = rig::Guest::define("xml-edit") else {
        return;
    };
    rig::virsh(&["start", &guest.name]);
    let drafts = tempfile::tempdir().expect("tempdir");
    let mut h = Harness::start(Options::new(rig::URI));
    h.app.drafts_dir = Some(drafts.path().to_path_buf());
    assert!(h.wait_until(T, |a| a.store.rows().any(|r| r.info.name == guest.name)));
    h.select(&guest.name);
    h.press("e");
    assert!(h.wait_until(T, settled), "XML did not load");
    let text = h.app.xml.as_ref().expect("editor").buf.text();
    assert!(
        text.contains("<memory unit='KiB'>262144</memory>"),
        "{text}"
    );

    // Memory 256 MiB -> 320 MiB, typed over the old value.
    h.press("<Ctrl-f>262144<Enter>");
    h.press("<Delete><Delete><Delete><Delete><Delete><Delete>327680");
    // A device: the balloon's stats period 2 -> 5.
    h.press("<Ctrl-f>period='2'<Enter>");
    for _ in 0.."period='".len() {
        h.press("<Right>");
    }
    h.press("<Delete>5");
    h.press("<Ctrl-s>y");
    assert!(h.wait_until(T, settled));
    let ed = h.app.xml.as_ref().expect("editor");
    assert_eq!(ed.libvirt_error, None);
    let notice = ed.notice.clone().unwrap_or_default();
    assert!(notice.contains("after its next boot"), "{notice}");
    let dumped = rig::virsh(&["dumpxml", "--inactive", &guest.name]);
    assert!(
        dumped.contains("<memory unit='KiB'>327680</memory>"),
        "{dumped}"
    );
    assert!(dumped.contains("<stats period='5'/>"), "{dumped}");
    // The notice wraps where the guest's name (its length depends on the rig prefix) puts it.
    let words = h
        .screen_text()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(words.contains("next boot"), "{}", h.screen_text());

    // An invalid enum: libvirt refuses, the message is shown, the buffer stays as typed.
    h.press("<Ctrl-f>bus='virtio'<Enter>");
    for _ in 0.."bus='".len() {
        h.press("<Right>");
    }
    h.press("<Delete><Delete><Delete><Delete><Delete><Delete>virtiox");
    let typed = h.app.xml.as_ref().expect("editor").buf.text();
    h.press("<Ctrl-s>y");
    assert!(h.wait_until(T, settled));
    let ed = h.app.xml.as_ref().expect("editor");
    assert!(ed.libvirt_error.as_ref().is_some_and(|e| !e.is_empty()));
    assert_eq!(ed.buf.text(), typed);
    assert!(h.screen_text().contains("libvirt refused it"));
    let dumped_after = rig::virsh(&["dumpxml", "--inactive", &guest.name]);
    assert_eq!(dumped_after, dumped, "a refused define changed the domain");
}
