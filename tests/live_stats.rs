//! Live stats on the rig's QEMU guests: fidelity against virsh while the guest writes to
//! its disk and sends on its NIC, and the one-bulk-call-per-tick rule.

mod common;

use std::collections::HashMap;
use std::process::Command;
use std::time::{Duration, Instant};

use common::rig::{self, Guest};
use common::{Harness, Options};
use virtdeck::backend::DomainId;
use virtdeck::backend::stats::{DiskStats, NicStats};
use virtdeck::state::stats::DomainHistory;

fn start(guest: &Guest) {
    rig::virsh(&["start", &guest.name]);
}

/// Boots `guest` to its prompt and opens the app on it with the Stats tab showing.
fn booted_on_stats_tab(guest: &Guest) -> (Harness, DomainId) {
    start(guest);
    assert!(
        guest.wait_for_prompt(Duration::from_secs(180)),
        "guest did not boot"
    );
    let mut h = Harness::start(Options::new(rig::URI));
    let id = h.id_of(&guest.name);
    h.select(&guest.name);
    h.press("<Tab>");
    (h, id)
}

fn hist(h: &Harness, id: &DomainId) -> DomainHistory {
    h.app.store.stats.get(id).cloned().expect("history")
}

/// Waits for the next stats sample of `id` and returns the history after it.
fn next_sample(h: &mut Harness, id: &DomainId) -> DomainHistory {
    let n = h.app.store.stats.get(id).map_or(0, |s| s.samples);
    let id2 = id.clone();
    assert!(
        h.wait_until(Duration::from_secs(30), |app| app
            .store
            .stats
            .get(&id2)
            .is_some_and(|s| s.samples > n)),
        "no new stats sample"
    );
    hist(h, id)
}

/// `virsh domblkstat` / `domifstat` / `dommemstat` as name → value.
fn virsh_figures(args: &[&str]) -> HashMap<String, u64> {
    rig::virsh(args)
        .lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace().rev();
            let v = it.next()?.parse().ok()?;
            Some((it.next()?.to_string(), v))
        })
        .collect()
}

fn disk_fields(d: &DiskStats) -> [(&'static str, Option<u64>); 8] {
    [
        ("rd_req", d.rd_reqs),
        ("rd_bytes", d.rd_bytes),
        ("wr_req", d.wr_reqs),
        ("wr_bytes", d.wr_bytes),
        ("flush_operations", d.fl_reqs),
        ("rd_total_times", d.rd_times),
        ("wr_total_times", d.wr_times),
        ("flush_total_times", d.fl_times),
    ]
}

fn nic_fields(n: &NicStats) -> [(&'static str, Option<u64>); 8] {
    [
        ("rx_bytes", n.rx_bytes),
        ("rx_packets", n.rx_pkts),
        ("rx_errs", n.rx_errs),
        ("rx_drop", n.rx_drop),
        ("tx_bytes", n.tx_bytes),
        ("tx_packets", n.tx_pkts),
        ("tx_errs", n.tx_errs),
        ("tx_drop", n.tx_drop),
    ]
}

/// Cumulative counters only grow: virsh's reading, taken between two app samples, must lie
/// between them.
fn assert_between(what: &str, before: Option<u64>, virsh: Option<&u64>, after: Option<u64>) {
    let (Some(b), Some(v), Some(a)) = (before, virsh.copied(), after) else {
        panic!("{what}: app {before:?}/{after:?}, virsh {virsh:?}");
    };
    assert!(
        b <= v && v <= a,
        "{what}: virsh {v} not within app samples {b}..={a}"
    );
}

#[test]
fn figures_match_virsh_under_disk_and_network_load() {
    let Some(guest) = Guest::define("stats-fid") else {
        return;
    };
    let (mut h, id) = booted_on_stats_tab(&guest);
    next_sample(&mut h, &id);
    let first = next_sample(&mut h, &id);
    let vda0 = first
        .latest
        .disks
        .iter()
        .find(|d| d.name == "vda")
        .cloned()
        .expect("vda");
    let nic_name = first
        .latest
        .nics
        .first()
        .map(|n| n.name.clone())
        .expect("a NIC");
    let iflist = rig::virsh(&["domiflist", &guest.name]);
    assert!(iflist.contains(&nic_name), "{nic_name} not in\n{iflist}");
    let mac = first.latest.nics[0].mac.clone().expect("MAC from the XML");
    assert!(iflist.contains(&mac), "{mac} not in\n{iflist}");
    assert!(vda0.path.as_deref().is_some_and(|p| p.ends_with(".qcow2")));

    // The load: 8 MiB with O_DIRECT to vda, then pings out of eth0.
    // tests/support/guest_console.py: `virsh console` in a pty, answering ash's cursor query.
    let helper = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/support/guest_console.py"
    );
    let mut child = Command::new(helper)
        .args([
            guest.name.as_str(),
            "ip addr add 10.0.0.2/24 dev eth0; dd if=/dev/zero of=/dev/vda bs=1M count=8 \
             oflag=direct; ping -c4 -W1 10.0.0.1",
            "120",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run guest_console.py");
    let (mut max_wr, mut max_tx) = (0.0f64, 0.0f64);
    let started = Instant::now();
    loop {
        let done = child.try_wait().expect("wait helper").is_some();
        let s = next_sample(&mut h, &id);
        max_wr = max_wr.max(s.disk("vda").and_then(|d| d.now.wr_bps).unwrap_or(0.0));
        max_tx = max_tx.max(s.nic(&nic_name).and_then(|n| n.now.tx_bps).unwrap_or(0.0));
        if done {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(150),
            "load never finished"
        );
    }
    let out = child.wait_with_output().expect("helper output");
    let console = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "guest command failed:\n{console}");
    assert!(
        console.contains("8+0 records out"),
        "dd did not write:\n{console}"
    );
    assert!(max_wr > 0.0, "no disk write rate seen while dd ran");
    assert!(max_tx > 0.0, "no transmit rate seen while ping ran");

    // Idle again: rates fall back to ~0 within a few ticks (a loaded guest may still be
    // writing back for a while).
    let mut idle = next_sample(&mut h, &id);
    for _ in 0..40 {
        idle = next_sample(&mut h, &id);
        let wr = idle.disk("vda").and_then(|d| d.now.wr_bps);
        let tx = idle.nic(&nic_name).and_then(|n| n.now.tx_bps);
        if wr == Some(0.0) && tx.is_some_and(|t| t < 1024.0) {
            break;
        }
    }
    assert_eq!(idle.disk("vda").and_then(|d| d.now.wr_bps), Some(0.0));
    assert!(
        idle.nic(&nic_name)
            .and_then(|n| n.now.tx_bps)
            .is_some_and(|t| t < 1024.0)
    );
    let pane = h.screen_text();
    assert!(
        pane.contains("wr 0/s"),
        "the pane still shows disk writes:\n{pane}"
    );

    // wr_bytes grew by at least the 8 MiB dd wrote.
    let vda1 = idle
        .latest
        .disks
        .iter()
        .find(|d| d.name == "vda")
        .expect("vda");
    let grown = vda1.wr_bytes.unwrap_or(0) - vda0.wr_bytes.unwrap_or(0);
    assert!(grown >= 8 << 20, "wr_bytes grew by {grown} only");

    // Fidelity: app sample, virsh, next app sample.
    let before = hist(&h, &id);
    let blk = virsh_figures(&["domblkstat", &guest.name, "vda"]);
    let ifs = virsh_figures(&["domifstat", &guest.name, &nic_name]);
    let mem = virsh_figures(&["dommemstat", &guest.name]);
    // Samples taken while virsh ran are queued; step through them one event at a time
    // and keep every balloon record, then take two more, so `after` was sampled after
    // the virsh calls (one in flight could predate them).
    let mut balloons: Vec<_> = before.latest.balloon.iter().cloned().collect();
    let record = |h: &Harness, balloons: &mut Vec<_>| {
        if let Some(b) = h
            .app
            .store
            .stats
            .get(&id)
            .and_then(|s| s.latest.balloon.clone())
        {
            balloons.push(b);
        }
    };
    while h.pump_one() {
        record(&h, &mut balloons);
    }
    let target = hist(&h, &id).samples + 2;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while hist(&h, &id).samples < target {
        assert!(std::time::Instant::now() < deadline, "no new stats sample");
        if h.pump_one() {
            record(&h, &mut balloons);
        } else {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    let after = hist(&h, &id);
    let (d0, d1) = (&before.latest.disks[0], &after.latest.disks[0]);
    for ((k, b), (_, a)) in disk_fields(d0).into_iter().zip(disk_fields(d1)) {
        assert_between(&format!("domblkstat {k}"), b, blk.get(k), a);
    }
    let n0 = before
        .nic(&nic_name)
        .map(|_| &before.latest.nics[0])
        .expect("nic");
    let n1 = &after.latest.nics[0];
    for ((k, b), (_, a)) in nic_fields(n0).into_iter().zip(nic_fields(n1)) {
        assert_between(&format!("domifstat {k}"), b, ifs.get(k), a);
    }
    // Guest-reported memory comes in updates stamped by last_update: virsh's figures equal
    // those of the app sample with the same stamp. rss is the host's live figure.
    let stamp = mem.get("last_update").copied();
    let same = balloons
        .iter()
        .find(|b| b.last_update == stamp)
        .unwrap_or_else(|| panic!("no app sample with last_update {stamp:?}: {mem:?}"));
    for (k, v) in [
        ("actual", same.current),
        ("unused", same.unused),
        ("available", same.available),
        ("usable", same.usable),
        ("swap_in", same.swap_in),
        ("swap_out", same.swap_out),
        ("major_fault", same.major_fault),
        ("minor_fault", same.minor_fault),
        ("disk_caches", same.disk_caches),
    ] {
        assert_eq!(mem.get(k).copied(), v, "dommemstat {k}");
    }
    let rss = mem.get("rss").copied().expect("rss");
    let rss_app: Vec<u64> = balloons.iter().filter_map(|b| b.rss).collect();
    assert!(
        rss_app.iter().any(|r| r.abs_diff(rss) <= 4096),
        "rss {rss} vs app {rss_app:?}"
    );
    assert!(!after.mem.stale, "a guest reporting every 2 s is not stale");
}

/// Reads the counters until two reads agree (a tick may be half-way).
fn counters(h: &Harness) -> (u64, u64, u64) {
    let c = h.backend.stats_counters();
    loop {
        let a = c.snapshot();
        std::thread::sleep(Duration::from_millis(20));
        if c.snapshot() == a {
            return a;
        }
    }
}

#[test]
fn one_tick_makes_exactly_one_bulk_stats_call_on_qemu() {
    let guests: Vec<Guest> = ["stats-one-a", "stats-one-b", "stats-one-c"]
        .into_iter()
        .filter_map(Guest::define)
        .collect();
    if guests.len() < 3 {
        return;
    }
    for g in &guests {
        start(g);
    }
    let mut h = Harness::start(Options::new(rig::URI));
    let ids: Vec<DomainId> = guests.iter().map(|g| h.id_of(&g.name)).collect();
    assert!(
        h.wait_until(Duration::from_secs(20), |app| ids.iter().all(|id| app
            .store
            .stats
            .get(id)
            .is_some_and(|s| s.samples >= 2 && s.latest.cpu_time_ns.is_some()))),
        "stats for the three guests did not arrive"
    );
    let (t0, b0, f0) = counters(&h);
    let target = t0 + 4;
    let c = h.backend.stats_counters();
    assert!(
        h.wait_until(Duration::from_secs(10), |_| c.snapshot().0 >= target),
        "ticks stopped"
    );
    let (t1, b1, f1) = counters(&h);
    assert!(t1 - t0 >= 4);
    assert_eq!(b1 - b0, t1 - t0, "bulk calls per tick on qemu:///system");
    assert_eq!(
        f1, f0,
        "QEMU returns every group: no per-domain fallback calls"
    );
    // And those single calls carried every group for every guest.
    for id in &ids {
        let s = hist(&h, id);
        assert!(s.latest.balloon.is_some() && !s.latest.disks.is_empty());
        assert!(!s.latest.nics.is_empty() && !s.latest.vcpus.is_empty());
    }
}

#[test]
fn quiet_balloon_figures_are_marked_stale_and_the_period_key_revives_them() {
    let Some(guest) = Guest::define("stats-balloon") else {
        return;
    };
    let (mut h, id) = booted_on_stats_tab(&guest);
    // The guest's first balloon report comes one period after its driver loads, later
    // on a loaded machine: wait for it rather than a number of samples.
    let id2 = id.clone();
    assert!(
        h.wait_until(Duration::from_secs(60), |app| app
            .store
            .stats
            .get(&id2)
            .and_then(|s| s.latest.balloon.as_ref())
            .is_some_and(|b| b.last_update.is_some())),
        "the guest never reported its memory"
    );
    next_sample(&mut h, &id);
    let s = hist(&h, &id);
    assert!(!s.mem.stale, "the rig guest reports every 2 s");

    // Someone turns the guest's reporting off behind virtdeck's back.
    rig::virsh(&["dommemstat", &guest.name, "--period", "0", "--live"]);
    let id2 = id.clone();
    assert!(
        h.wait_until(Duration::from_secs(40), |app| app
            .store
            .stats
            .get(&id2)
            .is_some_and(|s| s.mem.stale)),
        "memory never marked stale"
    );
    let screen = h.screen_text();
    assert!(screen.contains("STALE"), "{screen}");

    // The opt-in action: shown, confirmed, then done on the live guest.
    h.press("b");
    let prompt = h.screen_text();
    assert!(
        prompt.contains("Set balloon stats period?") && prompt.contains("--period 2"),
        "{prompt}"
    );
    let xml = rig::virsh(&["dumpxml", &guest.name]);
    assert!(
        !xml.contains("<stats period="),
        "nothing changes before confirming"
    );
    h.press("y");
    let done = format!("set balloon stats period {}: done", guest.name);
    assert!(
        h.wait_until(Duration::from_secs(30), |app| app
            .status
            .as_ref()
            .is_some_and(|s| s.text == done)),
        "status: {:?}",
        h.app.status
    );
    let xml = rig::virsh(&["dumpxml", &guest.name]);
    assert!(xml.contains("<stats period='2'/>"), "{xml}");
    assert!(
        h.wait_until(Duration::from_secs(40), |app| app
            .store
            .stats
            .get(&id2)
            .is_some_and(|s| !s.mem.stale)),
        "figures did not come back"
    );
    assert!(!h.screen_text().contains("STALE"));
}
