//! Pure rate maths over cumulative counters. A counter that goes backwards (guest
//! restarted, device re-plugged) is a reset: the caller starts a new series.

use std::time::Duration;

/// What two readings of one cumulative counter say.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Delta {
    /// Units per second between the readings.
    Rate(f64),
    /// The counter went backwards: its source restarted.
    Reset,
    /// A reading is missing or no time passed.
    Unknown,
}

impl Delta {
    pub fn rate(self) -> Option<f64> {
        match self {
            Delta::Rate(r) => Some(r),
            _ => None,
        }
    }
}

/// The per-second rate of a counter read as `prev` and then `cur`, `dt` apart.
pub fn delta(prev: Option<u64>, cur: Option<u64>, dt: Duration) -> Delta {
    let (Some(p), Some(c)) = (prev, cur) else {
        return Delta::Unknown;
    };
    if c < p {
        return Delta::Reset;
    }
    let secs = dt.as_secs_f64();
    if secs <= 0.0 {
        return Delta::Unknown;
    }
    Delta::Rate((c - p) as f64 / secs)
}

/// Rates of several counters of one device; `None` when any of them was reset (the whole
/// device starts a new series).
pub fn deltas<const N: usize>(
    prev: [Option<u64>; N],
    cur: [Option<u64>; N],
    dt: Duration,
) -> Option<[Option<f64>; N]> {
    let mut out = [None; N];
    for i in 0..N {
        match delta(prev[i], cur[i], dt) {
            Delta::Rate(r) => out[i] = Some(r),
            Delta::Reset => return None,
            Delta::Unknown => {}
        }
    }
    Some(out)
}

/// CPU time (ns) used between two readings as % of one host CPU, like virt-top.
pub fn cpu_percent(prev: Option<u64>, cur: Option<u64>, dt: Duration) -> Delta {
    match delta(prev, cur, dt) {
        Delta::Rate(ns_per_s) => Delta::Rate(ns_per_s / 1e7),
        other => other,
    }
}

/// The guest's balloon figures are stale when `last_update` has not moved for longer than
/// 2.5 of its usual update gaps, and at least `floor`.
pub fn memory_stale(unchanged_for: Duration, usual_gap: Option<Duration>, floor: Duration) -> bool {
    let limit = usual_gap.map_or(floor, |g| g.mul_f64(2.5).max(floor));
    unchanged_for > limit
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn rates_are_per_second_over_the_elapsed_time() {
        assert_eq!(delta(Some(1000), Some(9192), S * 2), Delta::Rate(4096.0));
        assert_eq!(delta(Some(5), Some(5), S), Delta::Rate(0.0));
        assert_eq!(
            delta(Some(0), Some(8 << 20), Duration::from_millis(500)),
            Delta::Rate(16.0 * 1024.0 * 1024.0)
        );
    }

    #[test]
    fn a_counter_going_backwards_is_a_reset_not_a_negative_or_huge_rate() {
        assert_eq!(delta(Some(1 << 40), Some(12), S), Delta::Reset);
        assert_eq!(deltas([Some(10), Some(100)], [Some(20), Some(3)], S), None);
        assert_eq!(
            deltas([Some(10), None], [Some(20), Some(3)], S),
            Some([Some(10.0), None])
        );
    }

    #[test]
    fn missing_readings_or_no_time_give_no_rate() {
        assert_eq!(delta(None, Some(1), S), Delta::Unknown);
        assert_eq!(delta(Some(1), None, S), Delta::Unknown);
        assert_eq!(delta(Some(1), Some(2), Duration::ZERO), Delta::Unknown);
    }

    #[test]
    fn cpu_percent_is_of_one_host_cpu() {
        let half = cpu_percent(Some(0), Some(500_000_000), S).rate();
        assert!(half.is_some_and(|p| (p - 50.0).abs() < 1e-9), "{half:?}");
        let two = cpu_percent(Some(0), Some(4_000_000_000), S * 2).rate();
        assert!(two.is_some_and(|p| (p - 200.0).abs() < 1e-9), "{two:?}");
        assert_eq!(cpu_percent(Some(9), Some(1), S), Delta::Reset);
    }

    #[test]
    fn memory_goes_stale_after_missed_updates() {
        let floor = Duration::from_secs(5);
        // The rig guest reports every 2 s: 4 s without news is fine, 6 s is not.
        assert!(!memory_stale(S * 4, Some(S * 2), floor));
        assert!(memory_stale(S * 6, Some(S * 2), floor));
        // A guest that reports every 10 s is not stale after 20 s.
        assert!(!memory_stale(S * 20, Some(S * 10), floor));
        assert!(memory_stale(S * 26, Some(S * 10), floor));
        assert!(!memory_stale(S * 4, None, floor));
    }
}
