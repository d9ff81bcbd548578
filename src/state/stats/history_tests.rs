//! History tests: rates from consecutive ticks, resets, hot-plug, memory staleness.

use super::*;
use crate::backend::stats::BalloonStats;
use crate::backend::{DomainId, HostId};

const S: Duration = Duration::from_secs(1);

fn tick(cpu: u64, wr: u64, tx: u64, last_update: u64) -> DomainStats {
    DomainStats {
        id: DomainId::new(HostId::FIRST, "d"),
        cpu_time_ns: Some(cpu),
        vcpu_current: Some(2),
        disks: vec![DiskStats {
            name: "vda".into(),
            wr_bytes: Some(wr),
            wr_reqs: Some(wr / 4096),
            rd_bytes: Some(0),
            ..DiskStats::default()
        }],
        nics: vec![NicStats {
            name: "vnet0".into(),
            tx_bytes: Some(tx),
            rx_bytes: Some(100),
            ..NicStats::default()
        }],
        balloon: Some(BalloonStats {
            current: Some(262_144),
            unused: Some(200_000),
            last_update: Some(last_update),
            ..BalloonStats::default()
        }),
        ..DomainStats::default()
    }
}

#[test]
fn rates_follow_the_counters() {
    let t0 = Instant::now();
    let mut h = DomainHistory::new(tick(0, 0, 0, 10), t0, 300);
    assert_eq!(h.cpu_pct, None, "one sample gives no rate");
    h.push(tick(1_000_000_000, 8 << 20, 3000, 12), t0 + S * 2);
    assert_eq!(h.cpu_pct, Some(50.0));
    assert_eq!(
        h.vcpu_pct,
        Some(25.0),
        "50% of one host CPU is 25% of 2 vCPUs"
    );
    let vda = h.disk("vda").expect("vda");
    assert_eq!(vda.now.wr_bps, Some(4.0 * 1024.0 * 1024.0));
    assert_eq!(vda.now.wr_iops, Some(1024.0));
    assert_eq!(h.nic("vnet0").and_then(|n| n.now.tx_bps), Some(1500.0));
    assert_eq!(h.disk_bps(), Some(4.0 * 1024.0 * 1024.0));
    assert_eq!(h.net_bps(), Some(1500.0));
    assert_eq!(h.mem_used.last(), Some(62_144.0));
    // An idle second afterwards reads as zero, not as the old figure.
    h.push(tick(1_000_000_000, 8 << 20, 3000, 14), t0 + S * 3);
    assert_eq!(h.disk_bps(), Some(0.0));
    assert_eq!(h.cpu_pct, Some(0.0));
}

#[test]
fn a_counter_reset_starts_a_new_series() {
    let t0 = Instant::now();
    let mut h = DomainHistory::new(tick(0, 0, 0, 1), t0, 300);
    for i in 1..=5u32 {
        h.push(
            tick(
                u64::from(i) * 1_000_000,
                u64::from(i) << 20,
                u64::from(i) * 10,
                1,
            ),
            t0 + S * i,
        );
    }
    assert_eq!(h.disk("vda").map(|d| d.outbound.len()), Some(5));
    // The guest restarted: every counter is small again.
    h.push(tick(5, 4096, 1, 1), t0 + S * 6);
    let vda = h.disk("vda").expect("vda");
    assert_eq!(vda.resets, 1);
    assert!(
        vda.outbound.is_empty(),
        "old samples belong to the old series"
    );
    assert_eq!(vda.now.wr_bps, None, "no rate across a reset");
    assert_eq!(h.cpu_pct, None);
    assert!(h.cpu.is_empty());
    // The next tick continues the new series normally.
    h.push(tick(5, 4096 + 1024, 1, 1), t0 + S * 7);
    assert_eq!(h.disk("vda").and_then(|d| d.now.wr_bps), Some(1024.0));
}

#[test]
fn hot_plugged_devices_join_and_unplugged_ones_leave() {
    let t0 = Instant::now();
    let mut h = DomainHistory::new(tick(0, 0, 0, 1), t0, 300);
    let mut two = tick(0, 10, 0, 1);
    two.disks.push(DiskStats {
        name: "vdb".into(),
        wr_bytes: Some(7),
        ..DiskStats::default()
    });
    h.push(two.clone(), t0 + S);
    assert_eq!(h.disks.len(), 2);
    assert_eq!(
        h.disk("vdb").and_then(|d| d.now.wr_bps),
        None,
        "first sample"
    );
    two.disks.remove(0);
    h.push(two, t0 + S * 2);
    assert!(h.disk("vda").is_none());
    assert_eq!(h.disk("vdb").and_then(|d| d.now.wr_bps), Some(0.0));
}

#[test]
fn memory_is_marked_stale_when_last_update_stops_moving() {
    let t0 = Instant::now();
    let mut h = DomainHistory::new(tick(0, 0, 0, 100), t0, 300);
    for i in 1..=6u32 {
        h.push(tick(0, 0, 0, 100 + 2 * u64::from(i)), t0 + S * (2 * i));
        assert!(!h.mem.stale);
    }
    // The guest's balloon driver stops reporting.
    for i in 7..=9u32 {
        h.push(tick(0, 0, 0, 112), t0 + S * (2 * i));
    }
    assert!(
        h.mem.stale,
        "6 s without an update when it used to come every 2 s"
    );
    h.push(tick(0, 0, 0, 130), t0 + S * 20);
    assert!(!h.mem.stale, "fresh again once it moves");
}

#[test]
fn the_rings_stay_bounded_over_hours() {
    let t0 = Instant::now();
    let mut h = DomainHistory::new(tick(0, 0, 0, 1), t0, 300);
    for i in 1..=3600u32 {
        h.push(
            tick(u64::from(i), u64::from(i), u64::from(i), u64::from(i)),
            t0 + S * i,
        );
    }
    for r in [&h.cpu, &h.disk_total, &h.net_total, &h.mem_used] {
        assert_eq!(r.len(), 300);
    }
    assert_eq!(h.disk("vda").map(|d| d.outbound.len()), Some(300));
}

#[test]
fn a_busy_tick_keeps_the_last_rates_and_the_next_one_spans_the_gap() {
    let t0 = Instant::now();
    let mut h = DomainHistory::new(tick(0, 0, 0, 1), t0, 300);
    h.push(tick(1_000_000_000, 1 << 20, 1000, 1), t0 + S);
    assert_eq!(h.disk("vda").and_then(|d| d.now.wr_bps), Some(1048576.0));
    // NOWAIT skipped the block and net groups of a domain busy with a job.
    let mut busy = tick(2_000_000_000, 0, 0, 1);
    busy.disks.clear();
    busy.nics.clear();
    busy.absent = crate::backend::stats::Groups {
        block: true,
        net: true,
        ..Default::default()
    };
    h.push(busy, t0 + S * 2);
    assert_eq!(h.cpu_pct, Some(100.0), "the groups it did get still count");
    let vda = h.disk("vda").expect("the disk stays listed while busy");
    assert_eq!(
        vda.now.wr_bps,
        Some(1048576.0),
        "last rate kept, not '-' or zero"
    );
    assert!(!h.stale(), "one missed tick is not stale yet");
    assert_eq!(vda.resets, 0, "a busy tick is not a counter reset");
    assert_eq!(
        h.latest.disks[0].wr_bytes,
        Some(1 << 20),
        "last reading carried"
    );
    // The next full reading: 2 MiB more over the 2 s since the disk was last read.
    h.push(tick(3_000_000_000, 3 << 20, 3000, 1), t0 + S * 3);
    assert_eq!(h.disk("vda").and_then(|d| d.now.wr_bps), Some(1048576.0));
    assert_eq!(h.nic("vnet0").and_then(|n| n.now.tx_bps), Some(1000.0));
    // Missing the CPU group several ticks running: the last figure stays, marked stale.
    for i in 4..4 + super::super::history::STALE_AFTER_MISSES {
        let mut busy = tick(3_000_000_000, 3 << 20, 3000, 1);
        busy.absent = crate::backend::stats::Groups {
            cpu: true,
            ..Default::default()
        };
        h.push(busy, t0 + S * i);
    }
    assert!(h.cpu_pct.is_some(), "the last CPU% stays on show");
    assert!(h.stale(), "and is marked stale");
}
