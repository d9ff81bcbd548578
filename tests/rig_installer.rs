//! The rig's package installer on machines it has never seen: nothing installed, everything
//! installed, some installed. dpkg/apt are replaced by stubs on PATH that record what they
//! were asked, so nothing is installed for real.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/rig/install-packages.sh");
const CANDIDATE: &str = "1:7.2+dfsg-7+deb12u16";

struct Stubs {
    dir: tempfile::TempDir,
}

impl Stubs {
    /// `installed`: package name -> version that the dpkg-query stub reports as installed.
    fn new(installed: &[(&str, &str)]) -> Stubs {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = dir.path().join("calls.log");
        let log = log.display();
        let mut db = String::new();
        for (p, v) in installed {
            db.push_str(&format!(
                "  {p}) printf 'install ok installed {v}'; exit 0 ;;\n"
            ));
        }
        // dpkg-query -W -f=FMT PKG: like the real one, exit 1 and print nothing for a package
        // it does not know.
        let stubs = [
            (
                "dpkg-query",
                format!(
                    "echo \"dpkg-query $*\" >> {log}\nfor last; do :; done\ncase \"$last\" in\n{db}esac\nexit 1\n"
                ),
            ),
            ("dpkg", format!("echo \"dpkg $*\" >> {log}\nexit 1\n")),
            ("apt-get", format!("echo \"apt-get $*\" >> {log}\nexit 0\n")),
            (
                "apt-cache",
                format!(
                    "echo \"apt-cache $*\" >> {log}\n[ \"$1\" = policy ] && printf '%s:\\n  Installed: (none)\\n  Candidate: {CANDIDATE}\\n' \"$2\"\nexit 0\n"
                ),
            ),
            ("sudo", format!("echo \"sudo $*\" >> {log}\nexec \"$@\"\n")),
        ];
        for (name, body) in stubs {
            let p = dir.path().join(name);
            fs::write(&p, format!("#!/bin/sh\n{body}")).expect("write stub");
            let status = Command::new("chmod")
                .arg("+x")
                .arg(&p)
                .status()
                .expect("chmod");
            assert!(status.success());
        }
        Stubs { dir }
    }

    fn path(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    fn run(&self, args: &[&str]) -> Output {
        let path = format!(
            "{}:{}",
            self.path().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        Command::new("bash")
            .arg(SCRIPT)
            .args(args)
            .env("PATH", path)
            .output()
            .expect("run install-packages.sh")
    }

    fn calls(&self) -> Vec<String> {
        read_lines(&self.dir.path().join("calls.log"))
    }

    fn apt_installs(&self) -> Vec<Vec<String>> {
        self.calls()
            .iter()
            .filter(|l| l.starts_with("apt-get ") && l.contains(" install "))
            .map(|l| l.split_whitespace().map(str::to_string).collect())
            .collect()
    }
}

fn read_lines(p: &Path) -> Vec<String> {
    fs::read_to_string(p)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

fn all_packages() -> Vec<&'static str> {
    vec![
        "pkg-config",
        "libvirt-dev",
        "gcc",
        "make",
        "libxml2-utils",
        "libvirt-daemon",
        "libvirt-daemon-driver-qemu",
        "libvirt-clients",
        "qemu-system-x86",
        "qemu-utils",
        "busybox-static",
        "cpio",
        "gzip",
        "python3",
        "bsdutils",
        "iptables",
        "dnsmasq-base",
        "openssh-server",
        "xorriso",
        "libosinfo-bin",
        "osinfo-db",
    ]
}

fn describe(out: &Output, stubs: &Stubs) -> String {
    format!(
        "status {:?}\nstderr:\n{}\ncalls:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr),
        stubs.calls().join("\n")
    )
}

#[test]
fn on_a_machine_with_nothing_installed_it_asks_apt_for_every_package() {
    let stubs = Stubs::new(&[]);
    let out = stubs.run(&[]);
    assert!(out.status.success(), "{}", describe(&out, &stubs));
    let calls = stubs.calls();
    assert!(
        calls.iter().any(|l| l.starts_with("apt-get update")),
        "{}",
        describe(&out, &stubs)
    );
    let installs = stubs.apt_installs();
    assert_eq!(installs.len(), 1, "{}", describe(&out, &stubs));
    let args = &installs[0];
    for p in [
        "pkg-config",
        "libvirt-dev",
        "gcc",
        "make",
        "libxml2-utils",
        "libvirt-daemon",
        "libvirt-daemon-driver-qemu",
        "libvirt-clients",
        "busybox-static",
        "python3",
        "iptables",
        "dnsmasq-base",
        "openssh-server",
        "libosinfo-bin",
        "osinfo-db",
    ] {
        assert!(args.iter().any(|a| a == p), "{p} missing from {args:?}");
    }
    // qemu-system-x86 and qemu-utils pinned to the same (candidate) release, never unpinned.
    assert!(
        args.contains(&format!("qemu-system-x86={CANDIDATE}")),
        "{args:?}"
    );
    assert!(
        args.contains(&format!("qemu-utils={CANDIDATE}")),
        "{args:?}"
    );
    assert!(!args.iter().any(|a| a == "qemu-system-x86"), "{args:?}");
}

#[test]
fn build_only_on_a_bare_machine_installs_the_build_packages_and_no_qemu() {
    let stubs = Stubs::new(&[]);
    let out = stubs.run(&["--build-only"]);
    assert!(out.status.success(), "{}", describe(&out, &stubs));
    let installs = stubs.apt_installs();
    assert_eq!(installs.len(), 1, "{}", describe(&out, &stubs));
    let args = &installs[0];
    for p in ["pkg-config", "libvirt-dev", "gcc", "make", "libxml2-utils"] {
        assert!(args.iter().any(|a| a == p), "{p} missing from {args:?}");
    }
    assert!(!args.iter().any(|a| a.starts_with("qemu")), "{args:?}");
}

#[test]
fn with_everything_installed_there_is_no_apt_call_at_all() {
    let pkgs: Vec<(&str, &str)> = all_packages().into_iter().map(|p| (p, CANDIDATE)).collect();
    let stubs = Stubs::new(&pkgs);
    let out = stubs.run(&[]);
    assert!(out.status.success(), "{}", describe(&out, &stubs));
    let apt: Vec<String> = stubs
        .calls()
        .into_iter()
        .filter(|l| l.starts_with("apt"))
        .collect();
    assert!(apt.is_empty(), "{}", describe(&out, &stubs));
}

#[test]
fn with_some_installed_only_the_missing_ones_and_a_matching_qemu_utils_are_asked_for() {
    // The image ships a newer qemu-utils than the distro's qemu-system-x86 (which is missing).
    let stubs = Stubs::new(&[
        ("pkg-config", "1.8.1-1"),
        ("gcc", "4:12.2.0-3"),
        ("make", "4.3-4.1"),
        ("qemu-utils", "1:10.0.2+ds-2"),
        ("gzip", "1.12-1"),
    ]);
    let out = stubs.run(&[]);
    assert!(out.status.success(), "{}", describe(&out, &stubs));
    let installs = stubs.apt_installs();
    assert_eq!(installs.len(), 1, "{}", describe(&out, &stubs));
    let args = &installs[0];
    for p in ["libvirt-dev", "libvirt-daemon", "busybox-static"] {
        assert!(args.iter().any(|a| a == p), "{p} missing from {args:?}");
    }
    for p in ["pkg-config", "gcc", "make", "gzip"] {
        assert!(!args.iter().any(|a| a == p), "{p} is installed: {args:?}");
    }
    assert!(
        args.contains(&format!("qemu-utils={CANDIDATE}")),
        "{args:?}"
    );
    assert!(args.contains(&"--allow-downgrades".to_string()), "{args:?}");
}

#[test]
fn a_failing_apt_step_names_the_step() {
    let stubs = Stubs::new(&[]);
    fs::write(
        stubs.path().join("apt-get"),
        "#!/bin/sh\necho \"E: Could not get lock\" >&2\nexit 100\n",
    )
    .expect("write failing apt-get");
    let out = stubs.run(&[]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("apt-get update failed"), "{err}");
}
