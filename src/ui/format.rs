//! Number formatting shared by panes.

/// KiB as a compact size: `512M`, `1.5G`, `2.0T`.
pub fn mem(kib: u64) -> String {
    const MIB: u64 = 1024;
    const GIB: u64 = 1024 * 1024;
    const TIB: u64 = 1024 * 1024 * 1024;
    if kib >= TIB {
        format!("{:.1}T", kib as f64 / TIB as f64)
    } else if kib >= GIB {
        format!("{:.1}G", kib as f64 / GIB as f64)
    } else {
        format!("{}M", kib / MIB)
    }
}

/// Current / maximum memory, e.g. `1.5G/2.0G`.
pub fn mem_pair(cur: u64, max: u64) -> String {
    format!("{}/{}", mem(cur), mem(max))
}

/// Bytes per second, compact for a narrow column: `0`, `730`, `4.0K`, `12M`, `1.1G`.
pub fn rate(bps: f64) -> String {
    const K: f64 = 1024.0;
    let units = [
        ("K", K),
        ("M", K * K),
        ("G", K * K * K),
        ("T", K * K * K * K),
    ];
    if bps < 1000.0 {
        return format!("{:.0}", bps.max(0.0));
    }
    let (unit, div) = units
        .iter()
        .rev()
        .find(|(_, d)| bps >= *d * 0.9765625)
        .copied()
        .unwrap_or(("K", K));
    let v = bps / div;
    if v < 9.95 {
        format!("{v:.1}{unit}")
    } else {
        format!("{v:.0}{unit}")
    }
}

/// A per-second count (IOPS, packets/s): `0`, `12`, `3.4k`, `120k`.
pub fn per_sec(v: f64) -> String {
    if v < 1000.0 {
        format!("{:.0}", v.max(0.0))
    } else if v < 9950.0 {
        format!("{:.1}k", v / 1000.0)
    } else {
        format!("{:.0}k", v / 1000.0)
    }
}

/// `YYYY-MM-DD HH:MM:SS` in local time, like `virsh snapshot-list`.
pub fn format_time(epoch: i64) -> String {
    let t = crate::backend::local_time(epoch);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

/// `n` and the noun, plural unless `n` is 1: "1 snapshot", "3 snapshots", "1 vCPU".
pub fn count(n: impl Into<u64>, noun: &str) -> String {
    let n = n.into();
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// How long ago `epoch` (seconds) was, from `now`: "12s ago", "3m ago", "2h ago", "4d ago".
pub fn age(epoch: u64, now: u64) -> String {
    if epoch > now {
        return "just now".into();
    }
    let s = now - epoch;
    match s {
        0..=59 => format!("{s}s ago"),
        60..=3599 => format!("{}m ago", s / 60),
        3600..=86_399 => format!("{}h ago", s / 3600),
        _ => format!("{}d ago", s / 86_400),
    }
}

/// Seconds since the epoch now (0 if the clock is before 1970).
pub fn now_epoch() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_take_the_plural_only_when_not_one() {
        assert_eq!(count(1u32, "snapshot"), "1 snapshot");
        assert_eq!(count(0u32, "snapshot"), "0 snapshots");
        assert_eq!(count(12usize as u64, "line"), "12 lines");
    }

    #[test]
    fn ages_read_as_time_ago() {
        assert_eq!(age(1_000, 1_012), "12s ago");
        assert_eq!(age(1_000, 1_000 + 180), "3m ago");
        assert_eq!(age(1_000, 1_000 + 7_300), "2h ago");
        assert_eq!(age(2_000, 1_000), "just now");
    }

    #[test]
    fn rates_fit_five_columns() {
        assert_eq!(rate(0.0), "0");
        assert_eq!(rate(730.0), "730");
        assert_eq!(rate(4096.0), "4.0K");
        assert_eq!(rate(12.0 * 1024.0 * 1024.0), "12M");
        assert_eq!(rate(1.1 * 1024.0 * 1024.0 * 1024.0), "1.1G");
        assert_eq!(per_sec(12.4), "12");
        assert_eq!(per_sec(3400.0), "3.4k");
        for v in [999.0, 1000.0, 1023.0, 1024.0 * 1023.0, 1e15] {
            assert!(rate(v).len() <= 5, "{v} -> {}", rate(v));
        }
    }

    #[test]
    fn memory_reads_like_a_sysadmin_writes_it() {
        assert_eq!(mem(524_288), "512M");
        assert_eq!(mem(1_572_864), "1.5G");
        assert_eq!(mem(2 * 1024 * 1024 * 1024), "2.0T");
        assert_eq!(mem_pair(1_048_576, 2_097_152), "1.0G/2.0G");
    }
}
