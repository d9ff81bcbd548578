//! Headless tests of the stats pane and the live list columns on the demo host (libvirt's
//! test driver: bulk stats carry only `state`, so every figure comes through the fallback).

mod common;

use std::time::Duration;

use common::{Harness, Options};
use virtdeck::backend::DomainId;

/// Waits until the domain has `n` samples in its history.
fn wait_samples(h: &mut Harness, id: &DomainId, n: u64) {
    let id = id.clone();
    assert!(
        h.wait_until(Duration::from_secs(10), |app| app
            .store
            .stats
            .get(&id)
            .is_some_and(|s| s.samples >= n)),
        "fewer than {n} stats samples arrived"
    );
}

fn big() -> Options {
    Options {
        width: 100,
        height: 30,
        ..Options::new("")
    }
}

#[test]
fn the_stats_tab_shows_cpu_disks_nics_memory_and_graphs() {
    let mut h = Harness::demo(big());
    h.select("db-primary");
    let id = h.id_of("db-primary");
    h.press("<Tab>");
    wait_samples(&mut h, &id, 3);
    let screen = h.screen_text();
    assert!(screen.contains("Stats"), "{screen}");
    assert!(screen.contains(" CPU "), "{screen}");
    assert!(screen.contains("of one host CPU"), "{screen}");
    // The demo's db-primary has disks vda and vdb and NICs plugged into two networks.
    let hist = h.app.store.stats.get(&id).expect("history").clone();
    assert!(!hist.latest.disks.is_empty() && !hist.latest.nics.is_empty());
    for d in &hist.latest.disks {
        let line = h
            .screen()
            .into_iter()
            .find(|l| l.trim_start().starts_with(&d.name))
            .unwrap_or_else(|| panic!("no line for disk {} in\n{screen}", d.name));
        assert!(
            line.contains("rd ") && line.contains("wr ") && line.contains("IOPS"),
            "{line}"
        );
    }
    for n in &hist.latest.nics {
        let line = h
            .screen()
            .into_iter()
            .find(|l| l.trim_start().starts_with(&n.name))
            .unwrap_or_else(|| panic!("no line for NIC {} in\n{screen}", n.name));
        let mac = n.mac.as_deref().expect("MAC from the domain XML");
        assert!(line.contains("rx ") && line.contains(mac), "{line}");
    }
    assert!(
        screen.contains(" mem ") && screen.contains("actual"),
        "{screen}"
    );
    assert!(screen.contains("graphs: last 5 min"), "{screen}");
    // Graph titles with current figures, and sparkline bars under them.
    for t in [" CPU ", " Disk ", " Net ", " Mem "] {
        assert!(screen.contains(t), "graph {t} missing:\n{screen}");
    }
    assert!(
        screen.chars().any(|c| ('▁'..='█').contains(&c)),
        "no sparkline drawn:\n{screen}"
    );
}

#[test]
fn the_raw_view_prints_the_counters_libvirt_returned() {
    let mut h = Harness::demo(big());
    h.select("web-01");
    let id = h.id_of("web-01");
    h.press("<Tab>E");
    wait_samples(&mut h, &id, 2);
    let screen = h.screen_text();
    let hist = h.app.store.stats.get(&id).expect("history");
    let vda = hist
        .latest
        .disks
        .iter()
        .find(|d| d.name == "vda")
        .expect("vda");
    for (k, v) in [("rd_req", vda.rd_reqs), ("wr_bytes", vda.wr_bytes)] {
        let v = v.expect("test driver reports it");
        assert!(
            screen.contains(&format!("{k} {v}")),
            "{k} {v} missing:\n{screen}"
        );
    }
    let nic = &hist.latest.nics[0];
    let tx = nic.tx_bytes.expect("tx_bytes");
    assert!(screen.contains(&format!("tx_bytes {tx}")), "{screen}");
    assert!(
        screen.contains("dommemstat") && screen.contains("last_update"),
        "{screen}"
    );
}

/// The lower pane's rows: below the tab strip, above the status line.
fn pane(h: &mut Harness) -> Vec<String> {
    let screen = h.screen();
    let start = screen
        .iter()
        .position(|l| l.contains("Overview │ Stats"))
        .expect("tab strip");
    screen[start + 1..screen.len() - 2].to_vec()
}

#[test]
fn freezing_keeps_the_pane_still_while_sampling_goes_on() {
    let mut h = Harness::demo(big());
    h.select("web-01");
    let id = h.id_of("web-01");
    h.press("<Tab>");
    wait_samples(&mut h, &id, 3);
    h.press("Z");
    let frozen_at = h
        .app
        .store
        .stats
        .get(&id)
        .map(|s| s.samples)
        .expect("samples");
    let before = pane(&mut h);
    assert!(
        before.join("\n").contains("FROZEN"),
        "{}",
        before.join("\n")
    );
    wait_samples(&mut h, &id, frozen_at + 2);
    let during = pane(&mut h);
    assert_eq!(before, during, "the frozen pane changed");
    h.press("Z");
    let after = pane(&mut h);
    assert_ne!(before, after, "unfreezing shows the newer samples");
    assert!(!after.join("\n").contains("FROZEN"));
}

#[test]
fn the_list_has_live_cpu_disk_and_net_columns() {
    let mut h = Harness::demo(Options {
        width: 120,
        height: 24,
        ..Options::new("")
    });
    let id = h.id_of("web-01");
    wait_samples(&mut h, &id, 3);
    let screen = h.screen();
    let header = screen
        .iter()
        .find(|l| l.contains("Name"))
        .expect("header row");
    for col in ["CPU%", "Disk/s", "Net/s"] {
        assert!(header.contains(col), "{header}");
    }
    let row = h.app.store.get(&id).expect("row").clone();
    let disk = row.disk_bps.expect("disk figure for a running domain");
    let net = row.net_bps.expect("net figure for a running domain");
    let line = screen
        .iter()
        .find(|l| l.starts_with("web-01"))
        .expect("web-01 row");
    assert!(
        line.contains(&virtdeck::ui::format::rate(disk))
            && line.contains(&virtdeck::ui::format::rate(net)),
        "{line} lacks {disk} / {net}"
    );
    // A shut-off domain has no figures, shown as '-'.
    let off = screen
        .iter()
        .find(|l| l.starts_with("backup-nas"))
        .expect("backup-nas row");
    let cols: Vec<&str> = off.split_whitespace().collect();
    assert!(cols.ends_with(&["-", "-", "-", "no", "yes"]), "{off}");
    // Sorting by disk throughput (busiest first) puts shut-off domains last.
    h.app
        .domains
        .list
        .set_sort(virtdeck::ui::domains::list_view::SortKey::Disk, false);
    let screen = h.screen();
    let body: Vec<&String> = screen.iter().skip(3).take(12).collect();
    let first_off = body.iter().position(|l| l.contains("shut off"));
    let last_running = body.iter().rposition(|l| l.contains("running"));
    assert!(first_off > last_running, "{}", screen.join("\n"));
}

#[test]
fn the_balloon_period_is_only_set_after_a_visible_confirmation() {
    let mut h = Harness::demo(big());
    h.select("web-01");
    h.press("<Tab>b");
    let screen = h.screen_text();
    assert!(screen.contains("Set balloon stats period?"), "{screen}");
    assert!(
        screen.contains("virsh dommemstat web-01 --period 2 --live"),
        "{screen}"
    );
    h.press("n");
    let screen = h.screen_text();
    assert!(screen.contains("cancelled"), "{screen}");
    // Confirming sends it; the test driver refuses, and the refusal is shown.
    h.press("b");
    h.press("y");
    assert!(
        h.wait_until(Duration::from_secs(5), |app| app
            .status
            .as_ref()
            .is_some_and(
                |s| s.text.contains("balloon stats period") && !s.text.contains('…')
            )),
        "no outcome shown: {:?}",
        h.app.status
    );
    // A shut-off guest is refused before anything is asked.
    h.select("backup-nas");
    h.press("b");
    assert!(!h.app.has_popup());
    assert!(h.screen_text().contains("needs a running guest"));
}

#[test]
fn device_paths_and_names_from_the_xml_are_shown_escaped() {
    // A disk whose source path carries a bidi override and a tab (valid in XML).
    let xml = virtdeck::backend::demo::DEMO_HOST_XML.replacen(
        "/var/lib/libvirt/images/web-01.qcow2",
        "/srv/evil&#x202E;gpj.qcow2&#9;x",
        1,
    );
    let mut h = Harness::on_node(&xml, big());
    h.select("web-01");
    let id = h.id_of("web-01");
    h.press("<Tab>");
    wait_samples(&mut h, &id, 2);
    let screen = h.screen_text();
    assert!(
        screen.contains(r"/srv/evil\u{202e}gpj.qcow2\tx"),
        "{screen}"
    );
    assert!(
        !screen.contains('\u{202e}') && !screen.contains('\t'),
        "{screen}"
    );
}
