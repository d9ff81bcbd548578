//! CPU % from cumulative CPU-time samples.

use std::time::Instant;

/// Percent of one host CPU used between two `(when, cumulative cpu ns)` samples, like
/// virt-top. `None` when the counter went backwards (domain restarted) or no time passed.
pub fn cpu_percent(prev: (Instant, u64), cur: (Instant, u64)) -> Option<f64> {
    let wall = cur.0.checked_duration_since(prev.0)?.as_nanos();
    let used = cur.1.checked_sub(prev.1)?;
    if wall == 0 {
        return None;
    }
    Some(used as f64 * 100.0 / wall as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn half_a_cpu_for_one_second_is_fifty_percent() {
        let t0 = Instant::now();
        let t1 = t0 + Duration::from_secs(1);
        let pct = cpu_percent((t0, 1_000), (t1, 1_000 + 500_000_000));
        assert!(pct.is_some_and(|p| (p - 50.0).abs() < 1e-9), "{pct:?}");
        // Two busy vCPUs read as 200 %, as in virt-top.
        let pct = cpu_percent((t0, 0), (t1, 2_000_000_000));
        assert!(pct.is_some_and(|p| (p - 200.0).abs() < 1e-9));
    }

    #[test]
    fn a_reset_counter_or_no_elapsed_time_gives_no_figure() {
        let t0 = Instant::now();
        let t1 = t0 + Duration::from_secs(1);
        assert_eq!(cpu_percent((t0, 5_000), (t1, 10)), None);
        assert_eq!(cpu_percent((t0, 0), (t0, 10)), None);
        assert_eq!(cpu_percent((t1, 0), (t0, 10)), None);
    }
}
