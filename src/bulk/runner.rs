//! Runs one blocking operation over many targets, a bounded number at a time, on plain
//! std threads, and collects every target's result in target order.
//!
//! Wiring: lives on the backend side. A bulk command (targets = the marked domains in
//! display order) is handed to a job thread, which calls [`run`] with a closure doing the
//! libvirt call for one domain and a progress closure that sends a backend event; the final
//! [`Report`](super::Report) goes back to the App as one event (summary line + popup list).

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use super::summary::{Outcome, Report};

/// One thing to act on: its id and the name shown in messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target<K> {
    pub id: K,
    pub name: String,
}

impl<K> Target<K> {
    pub fn new(id: K, name: impl Into<String>) -> Self {
        Self {
            id,
            name: name.into(),
        }
    }
}

/// How many at once, and an optional flag that stops starting new ones.
#[derive(Debug, Clone, Copy)]
pub struct Options<'a> {
    /// Operations in flight at most (clamped to 1..=targets).
    pub in_flight: usize,
    /// Once set, targets not yet started finish as "cancelled".
    pub cancel: Option<&'a AtomicBool>,
}

impl Default for Options<'_> {
    fn default() -> Self {
        Self {
            in_flight: 4,
            cancel: None,
        }
    }
}

/// Message of a target skipped because the run was cancelled.
pub const CANCELLED: &str = "cancelled";

/// Runs `op` on every target, at most `opts.in_flight` at a time. `progress` is called
/// after each target with (done so far, total, the target, its result), from the worker
/// threads.
/// A panicking `op` is reported as that target's failure, not propagated.
pub fn run<K, Op, Progress>(
    targets: Vec<Target<K>>,
    opts: Options<'_>,
    op: Op,
    progress: Progress,
) -> Report<K>
where
    K: Send + Sync,
    Op: Fn(&Target<K>) -> Result<(), String> + Sync,
    Progress: Fn(usize, usize, &Target<K>, &Result<(), String>) + Sync,
{
    let total = targets.len();
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<Result<(), String>>>> =
        (0..total).map(|_| Mutex::new(None)).collect();
    let workers = opts.in_flight.clamp(1, total.max(1));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(t) = targets.get(i) else { break };
                    let result = if opts.cancel.is_some_and(|c| c.load(Ordering::SeqCst)) {
                        Err(CANCELLED.to_string())
                    } else {
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| op(t)))
                            .unwrap_or_else(|_| Err("internal error (panic)".to_string()))
                    };
                    let n = done.fetch_add(1, Ordering::SeqCst) + 1;
                    progress(n, total, t, &result);
                    if let Ok(mut slot) = slots[i].lock() {
                        *slot = Some(result);
                    }
                }
            });
        }
    });
    let outcomes = targets
        .into_iter()
        .zip(slots)
        .map(|(t, slot)| {
            let result = slot
                .into_inner()
                .ok()
                .flatten()
                .unwrap_or_else(|| Err("internal error (no result)".to_string()));
            Outcome {
                id: t.id,
                name: t.name,
                result,
            }
        })
        .collect();
    Report { outcomes }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn targets(n: usize) -> Vec<Target<usize>> {
        (0..n)
            .map(|i| Target::new(i, format!("vm{i:02}")))
            .collect()
    }

    #[test]
    fn never_more_than_in_flight_at_once_and_all_run() {
        let now = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let seen = AtomicUsize::new(0);
        let report = run(
            targets(20),
            Options {
                in_flight: 4,
                cancel: None,
            },
            |_| {
                let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(n, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(5));
                now.fetch_sub(1, Ordering::SeqCst);
                Ok(())
            },
            |_, _, _, _| {
                seen.fetch_add(1, Ordering::SeqCst);
            },
        );
        assert_eq!(report.summary(), "20 ok");
        assert_eq!(
            peak.load(Ordering::SeqCst),
            4,
            "bounded, and actually parallel"
        );
        assert_eq!(seen.load(Ordering::SeqCst), 20);
    }

    #[test]
    fn results_stay_in_target_order_whatever_finishes_first() {
        let report = run(
            targets(8),
            Options::default(),
            |t| {
                // Earlier targets take longer, so completion order is reversed.
                std::thread::sleep(Duration::from_millis(2 * (8 - t.id as u64)));
                if t.id % 3 == 0 {
                    Err(format!("failed #{}", t.id))
                } else {
                    Ok(())
                }
            },
            |_, _, _, _| {},
        );
        let ids: Vec<usize> = report.outcomes.iter().map(|o| o.id).collect();
        assert_eq!(ids, (0..8).collect::<Vec<_>>());
        assert_eq!(
            report.summary(),
            "5 ok, 3 failed: vm00: failed #0; vm03: failed #3; vm06: failed #6"
        );
    }

    #[test]
    fn a_panicking_operation_fails_only_its_target() {
        let report = run(
            targets(3),
            Options::default(),
            |t| {
                if t.id == 1 {
                    panic!("boom");
                }
                Ok(())
            },
            |_, _, _, _| {},
        );
        assert_eq!(report.ok_count(), 2);
        assert_eq!(
            report.outcomes[1].result,
            Err("internal error (panic)".to_string())
        );
    }

    #[test]
    fn cancel_skips_what_has_not_started() {
        let cancel = AtomicBool::new(false);
        let report = run(
            targets(10),
            Options {
                in_flight: 1,
                cancel: Some(&cancel),
            },
            |_| Ok(()),
            |done, total, _, _| {
                assert_eq!(total, 10);
                if done == 3 {
                    cancel.store(true, Ordering::SeqCst);
                }
            },
        );
        assert_eq!(report.ok_count(), 3);
        assert!(report.failures().all(|o| o.result == Err(CANCELLED.into())));
    }

    #[test]
    fn no_targets_is_an_empty_report() {
        let report = run(
            Vec::<Target<u8>>::new(),
            Options::default(),
            |_| Ok(()),
            |_, _, _, _| {},
        );
        assert_eq!(report.summary(), "0 ok");
    }
}
