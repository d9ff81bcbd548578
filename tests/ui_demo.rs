//! Headless UI tests on the built-in demo host (libvirt's test driver).

mod common;

use common::{Harness, Options};

#[test]
fn the_list_shows_every_demo_domain_with_state_and_figures() {
    let mut h = Harness::demo(Options {
        height: 40,
        width: 100,
        ..Options::new("")
    });
    let text = h.screen_text();
    for name in [
        "backup-nas",
        "cache-redis-01",
        "db-primary",
        "db-replica",
        "lb-haproxy",
        "web-01",
        "web-02",
        "win-dev-desktop",
        "数据库服务器",
        "build-runner-ci-pipeline-worker-eu",
    ] {
        assert!(text.contains(name), "{name} missing from:\n{text}");
    }
    assert!(text.contains("12 domains, 6 running"), "{text}");
    let db = h
        .screen()
        .into_iter()
        .find(|l| l.starts_with("db-primary"))
        .expect("db-primary row");
    assert!(db.contains("running") && db.contains("32.0G/32.0G"), "{db}");
}
