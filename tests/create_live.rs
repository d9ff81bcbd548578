//! The create wizard on the live rig: a domain with the rig's kernel + initrd and a new
//! 64 MiB qcow2 volume defines, starts and shows its prompt on the console; an imported
//! image (a copy of a rig guest's disk in a pool of this test's prefix) boots the same way.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::rig::{self, Guest};
use common::{Harness, Options};

const BOOT: Duration = Duration::from_secs(180);
const KERNEL: &str = "/var/lib/libvirt/boot/virtdeck-rig-vmlinuz";
const INITRD: &str = "/var/lib/libvirt/boot/virtdeck-rig-initrd.img";

fn prefix() -> String {
    std::env::var("VIRTDECK_RIG_PREFIX").unwrap_or_else(|_| "vdtest-".into())
}

/// A transient dir pool of this prefix (`<prefix>wizpool`), emptied of earlier runs.
struct Pool {
    name: String,
    dir: PathBuf,
}

impl Pool {
    fn make(suffix: &str) -> Pool {
        let name = format!("{}wizpool{suffix}", prefix());
        let dir = PathBuf::from(format!("/var/lib/libvirt/{name}"));
        let _ = rig::virsh_try(&["pool-destroy", &name]);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("pool dir");
        rig::virsh(&[
            "pool-create-as",
            &name,
            "dir",
            "--target",
            dir.to_str().expect("utf-8 path"),
        ]);
        Pool { name, dir }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        let _ = rig::virsh_try(&["pool-destroy", &self.name]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn remove_domain(name: &str) {
    let _ = rig::virsh_try(&["destroy", name]);
    let _ = rig::virsh_try(&["undefine", name, "--nvram"]);
    let _ = rig::virsh_try(&["undefine", name]);
}

fn wait_screen(h: &mut Harness, what: &str, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        h.pump();
        if h.screen_text().contains(what) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

fn transcript(h: &mut Harness) -> String {
    h.app
        .console
        .session
        .as_mut()
        .map(|s| s.term.transcript())
        .unwrap_or_default()
}

/// Presses Enter on the console now and then until the guest's prompt shows.
fn wait_prompt(h: &mut Harness) -> bool {
    let deadline = Instant::now() + BOOT;
    let mut nudged = Instant::now();
    while Instant::now() < deadline {
        h.pump();
        if transcript(h).contains(rig::PROMPT.trim_end()) {
            return true;
        }
        if nudged.elapsed() > Duration::from_secs(10) {
            h.press("<Enter>");
            nudged = Instant::now();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// From the last wizard page: define, then "start it and open its console"; the guest's
/// prompt must show there.
fn create_start_and_see_the_prompt(h: &mut Harness, name: &str) {
    h.press("<Enter>");
    let ed = h.app.xml.as_ref().expect("the XML editor shows the domain");
    assert!(ed.issues.is_empty(), "schema issues: {:?}", ed.issues);
    h.press("<Ctrl-s>y");
    assert!(
        wait_screen(h, "is defined.", Duration::from_secs(30)),
        "{}",
        h.screen_text()
    );
    h.press("c");
    assert!(
        h.wait_until(Duration::from_secs(30), |app| Harness::state_of(app, name)
            .is_some_and(|s| s.starts_with("running"))),
        "{name} did not start: {}",
        h.screen_text()
    );
    assert!(
        wait_prompt(h),
        "no prompt on {name}'s console: {}\n{}",
        transcript(h),
        h.screen_text()
    );
}

fn harness() -> Harness {
    Harness::start(Options {
        width: 120,
        height: 40,
        ..Options::new(rig::URI)
    })
}

#[test]
fn the_wizard_boots_the_rig_kernel_with_a_new_64m_qcow2_volume() {
    // Guest::define proves the rig is up (and fails in CI when it is not).
    let Some(probe) = Guest::define("wizprobe") else {
        return;
    };
    remove_domain(&probe.name);
    let _ = std::fs::remove_file(format!("/var/lib/libvirt/images/{}.qcow2", probe.name));
    let pool = Pool::make("1");
    let name = format!("{}wiznew", prefix());
    remove_domain(&name);
    let mut h = harness();
    h.press("A");
    assert!(wait_screen(
        &mut h,
        "1/6 name and OS",
        Duration::from_secs(5)
    ));
    h.press(&name);
    h.press("<Enter>");
    // ISO volume → ISO path → import volume → import path → kernel.
    h.press("<Right><Right><Right><Right>");
    h.press(&format!("<Down>{KERNEL}<Down>{INITRD}<Enter>"));
    assert!(
        wait_screen(&mut h, "3/6 memory", Duration::from_secs(5)),
        "{}",
        h.screen_text()
    );
    // Memory, and TCG: the rig's guests are emulated.
    h.press("<Ctrl-u>256<Down><Down>");
    assert!(
        wait_screen(&mut h, "host: ", Duration::from_secs(30)),
        "the host's limits and types: {}",
        h.screen_text()
    );
    h.press("<Right>");
    assert!(
        h.screen_text().contains("‹ qemu (emulated"),
        "{}",
        h.screen_text()
    );
    h.press("<Enter>");
    assert!(
        wait_screen(&mut h, "4/6 disk", Duration::from_secs(5)),
        "{}",
        h.screen_text()
    );
    // The pool, narrowed by typing its name; then the size.
    h.press(&format!("<Down>{}", pool.name));
    assert!(
        wait_screen(
            &mut h,
            &format!("‹ {} (dir", pool.name),
            Duration::from_secs(60)
        ),
        "{}",
        h.screen_text()
    );
    h.press("<Down><Down><Ctrl-u>64M<Enter>");
    assert!(
        wait_screen(&mut h, "5/6 network", Duration::from_secs(5)),
        "{}",
        h.screen_text()
    );
    // No network: the rig has none of this prefix.
    h.press("<Right><Right><Enter>");
    assert!(
        wait_screen(&mut h, "6/6 console", Duration::from_secs(5)),
        "{}",
        h.screen_text()
    );
    create_start_and_see_the_prompt(&mut h, &name);
    let xml = rig::virsh(&["dumpxml", &name]);
    let vol = pool.dir.join(format!("{name}.qcow2"));
    assert!(xml.contains(vol.to_str().expect("path")), "{xml}");
    let info = std::process::Command::new("qemu-img")
        .args(["info", "-U", vol.to_str().expect("path")])
        .output()
        .expect("qemu-img");
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(info.contains("file format: qcow2"), "{info}");
    assert!(info.contains("64 MiB"), "{info}");
    remove_domain(&name);
}

#[test]
fn an_imported_image_defines_and_boots_the_same_way() {
    let Some(src) = Guest::define("wizsrc") else {
        return;
    };
    let pool = Pool::make("2");
    let image = format!("{}wizimported.qcow2", prefix());
    std::fs::copy(
        format!("/var/lib/libvirt/images/{}.qcow2", src.name),
        pool.dir.join(&image),
    )
    .expect("copy the rig image");
    remove_domain(&src.name);
    let _ = std::fs::remove_file(format!("/var/lib/libvirt/images/{}.qcow2", src.name));
    rig::virsh(&["pool-refresh", &pool.name]);
    let name = format!("{}wizimport", prefix());
    remove_domain(&name);
    let mut h = harness();
    h.press("A");
    assert!(wait_screen(
        &mut h,
        "1/6 name and OS",
        Duration::from_secs(5)
    ));
    h.press(&name);
    h.press("<Enter>");
    // ISO volume → ISO path → import volume; the image narrowed by its name.
    h.press(&format!("<Right><Right><Down>{image}"));
    assert!(
        wait_screen(
            &mut h,
            &format!("‹ {}/{image}", pool.name),
            Duration::from_secs(60)
        ),
        "{}",
        h.screen_text()
    );
    h.press(&format!("<Down>{KERNEL}<Down>{INITRD}<Enter>"));
    assert!(
        wait_screen(&mut h, "3/6 memory", Duration::from_secs(5)),
        "{}",
        h.screen_text()
    );
    h.press("<Ctrl-u>256<Down><Down>");
    assert!(
        wait_screen(&mut h, "host: ", Duration::from_secs(30)),
        "the host's limits and types: {}",
        h.screen_text()
    );
    h.press("<Right>");
    assert!(
        h.screen_text().contains("‹ qemu (emulated"),
        "{}",
        h.screen_text()
    );
    h.press("<Enter>");
    assert!(wait_screen(
        &mut h,
        "the imported image is the domain's disk",
        Duration::from_secs(5)
    ));
    h.press("<Enter><Right><Right><Enter>");
    assert!(
        wait_screen(&mut h, "6/6 console", Duration::from_secs(5)),
        "{}",
        h.screen_text()
    );
    create_start_and_see_the_prompt(&mut h, &name);
    let xml = rig::virsh(&["dumpxml", &name]);
    assert!(
        xml.contains(pool.dir.join(&image).to_str().expect("path")),
        "{xml}"
    );
    assert!(xml.contains("type='qcow2'"), "{xml}");
    remove_domain(&name);
}

/// Walks to the editor with a new 64 MiB volume in `pool` (kernel boot, no network).
fn walk_to_editor(h: &mut Harness, name: &str, pool: &Pool) {
    h.press("A");
    assert!(wait_screen(h, "1/6 name and OS", Duration::from_secs(5)));
    h.press(name);
    h.press("<Enter><Right><Right><Right><Right>");
    h.press(&format!("<Down>{KERNEL}<Down>{INITRD}<Enter>"));
    h.press("<Ctrl-u>256<Enter>");
    assert!(
        wait_screen(h, "4/6 disk", Duration::from_secs(5)),
        "{}",
        h.screen_text()
    );
    h.press(&format!("<Down>{}", pool.name));
    assert!(
        wait_screen(h, &format!("‹ {} (dir", pool.name), Duration::from_secs(30)),
        "{}",
        h.screen_text()
    );
    h.press("<Down><Down><Ctrl-u>64M<Enter><Right><Right><Enter><Enter>");
    let xml = h
        .app
        .xml
        .as_ref()
        .map(|ed| ed.buf.text())
        .unwrap_or_default();
    assert!(
        xml.contains(&format!("<name>{name}</name>")),
        "{xml}\n{}",
        h.screen_text()
    );
}

fn wait_error(h: &mut Harness) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        h.pump();
        if let Some(e) = h.app.xml.as_ref().and_then(|ed| ed.libvirt_error.clone()) {
            return e;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!(
        "no refusal shown (status {:?}): {}",
        h.app.status.as_ref().map(|s| s.text.clone()),
        h.screen_text()
    );
}

#[test]
fn a_rejected_define_on_the_rig_leaves_no_new_volume_behind() {
    let Some(other) = Guest::define("wiztaken") else {
        return;
    };
    let pool = Pool::make("3");
    let vol = |name: &str| pool.dir.join(format!("{name}.qcow2"));
    let mut h = harness();

    // The name is taken by `virsh define` while the XML is on screen.
    remove_domain(&other.name);
    assert!(h.wait_until(Duration::from_secs(30), |app| {
        !app.store.rows().any(|r| r.info.name == other.name)
    }));
    walk_to_editor(&mut h, &other.name, &pool);
    let xml = format!(
        "<domain type='qemu'><name>{}</name><memory unit='MiB'>64</memory>\
         <os><type arch='x86_64'>hvm</type></os></domain>",
        other.name
    );
    let file = std::env::temp_dir().join(format!("{}-taken.xml", other.name));
    std::fs::write(&file, xml).expect("write the XML");
    rig::virsh(&["define", file.to_str().expect("path")]);
    let _ = std::fs::remove_file(&file);
    h.press("<Ctrl-s>y");
    let err = wait_error(&mut h);
    assert!(err.contains("already exists"), "{err}");
    assert!(!vol(&other.name).exists(), "{err}");
    let listed = rig::virsh(&["vol-list", &pool.name]);
    assert!(!listed.contains(&other.name), "{listed}");
    h.press("<Esc><Ctrl-x>");

    // libvirt refuses the XML after the volume was made: the volume goes again.
    let name = format!("{}wizbad", prefix());
    remove_domain(&name);
    walk_to_editor(&mut h, &name, &pool);
    let ed = h.app.xml.as_mut().expect("editor");
    let text = ed.buf.text().replace("<vcpu>1</vcpu>", "<vcpu>many</vcpu>");
    ed.buf.set_text(&text);
    h.press("<Ctrl-s>y");
    let err = wait_error(&mut h);
    assert!(
        err.contains(&format!(
            "removed the new volume {}/{name}.qcow2",
            pool.name
        )),
        "{err}"
    );
    assert!(!vol(&name).exists(), "{err}");
    assert!(
        !rig::virsh_try(&["dominfo", &name]).0,
        "{name} was not defined"
    );
    // `other` (dropped here) undefines the name and removes its image.
}
