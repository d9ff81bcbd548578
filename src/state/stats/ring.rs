//! A fixed-capacity ring of samples: allocated once, never grows, oldest sample dropped.
//! Coarse rings (domains nobody has looked at) keep one peak per [`COARSE_STEP`] samples,
//! a tenth of the memory; [`Ring::promote`] turns one into a full-resolution ring when its
//! domain first comes on screen, so its graph still spans the whole window.

use std::collections::VecDeque;

/// Samples folded into one stored point by a coarse ring.
pub const COARSE_STEP: usize = 10;

#[derive(Clone, Debug)]
pub struct Ring {
    /// Stored points, oldest first: one sample each, or the peak of `step` samples.
    buf: VecDeque<f32>,
    /// Capacity in samples (the window), whatever the resolution.
    cap: usize,
    /// Samples per stored point: 1 (full resolution) or [`COARSE_STEP`].
    step: usize,
    /// The point being filled (coarse rings): its peak so far and how many samples.
    pending: f32,
    pending_n: usize,
    /// The newest sample, exact at either resolution.
    last: Option<f32>,
}

impl Ring {
    /// A full-resolution ring of `cap` samples.
    pub fn new(cap: usize) -> Ring {
        let cap = cap.max(1);
        Ring {
            buf: VecDeque::with_capacity(cap),
            cap,
            step: 1,
            pending: 0.0,
            pending_n: 0,
            last: None,
        }
    }

    /// A ring spanning `cap` samples that stores one peak per [`COARSE_STEP`] of them.
    pub fn coarse(cap: usize) -> Ring {
        let cap = cap.max(1);
        let step = COARSE_STEP.min(cap);
        Ring {
            buf: VecDeque::with_capacity(cap.div_ceil(step)),
            cap,
            step,
            pending: 0.0,
            pending_n: 0,
            last: None,
        }
    }

    /// Whether every sample is kept (not one peak per [`COARSE_STEP`]).
    pub fn is_full_resolution(&self) -> bool {
        self.step == 1
    }

    /// Stored points a ring of this resolution holds at most.
    fn points(&self) -> usize {
        self.cap.div_ceil(self.step)
    }

    pub fn push(&mut self, v: f64) {
        let v = v as f32;
        self.last = Some(v);
        if self.step == 1 {
            if self.buf.len() == self.cap {
                self.buf.pop_front();
            }
            self.buf.push_back(v);
            return;
        }
        self.pending = if self.pending_n == 0 {
            v
        } else {
            self.pending.max(v)
        };
        self.pending_n += 1;
        if self.pending_n == self.step {
            if self.buf.len() == self.points() {
                self.buf.pop_front();
            }
            self.buf.push_back(self.pending);
            self.pending_n = 0;
        }
    }

    /// Turns a coarse ring into a full-resolution one: each stored peak stands for the
    /// samples it folded, so the graph keeps its whole window (at the old resolution for
    /// what came before).
    pub fn promote(&mut self) {
        if self.step == 1 {
            return;
        }
        let mut full = VecDeque::with_capacity(self.cap);
        for (v, n) in self.runs_oldest_first() {
            full.extend(std::iter::repeat_n(v, n));
        }
        while full.len() > self.cap {
            full.pop_front();
        }
        self.buf = full;
        self.step = 1;
        self.pending_n = 0;
    }

    /// (value, how many samples it stands for), oldest first.
    fn runs_oldest_first(&self) -> impl Iterator<Item = (f32, usize)> + '_ {
        let step = self.step;
        let pending = (self.pending_n > 0).then_some((self.pending, self.pending_n));
        self.buf.iter().map(move |v| (*v, step)).chain(pending)
    }

    /// Drops every sample: the counter behind this series was reset.
    pub fn clear(&mut self) {
        self.buf.clear();
        self.pending_n = 0;
        self.last = None;
    }

    /// How many samples the ring spans (at either resolution).
    pub fn len(&self) -> usize {
        (self.buf.len() * self.step + self.pending_n).min(self.cap)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn capacity(&self) -> usize {
        self.cap
    }

    pub fn last(&self) -> Option<f64> {
        self.last.map(f64::from)
    }

    /// The newest `n` samples, oldest first (a coarse ring repeats each peak).
    pub fn tail(&self, n: usize) -> impl Iterator<Item = f64> + '_ {
        let len = self.len();
        self.runs_oldest_first()
            .flat_map(|(v, k)| std::iter::repeat_n(f64::from(v), k))
            .skip(self.buf.len() * self.step + self.pending_n - len)
            .skip(len.saturating_sub(n))
    }

    pub fn max_of_tail(&self, n: usize) -> f64 {
        self.tail(n).fold(0.0, f64::max)
    }

    /// The whole capacity window squeezed into `width` buckets, oldest first, newest at
    /// the right; each bucket is the peak of its samples (a busy second must not vanish in
    /// an average), `None` where no sample exists yet. A graph of any width spans the same
    /// history.
    pub fn buckets(&self, width: usize) -> Vec<Option<f64>> {
        let mut out = vec![None; width];
        if width == 0 {
            return out;
        }
        let per = self.cap.div_ceil(width);
        let pending = (self.pending_n > 0).then_some((self.pending, self.pending_n));
        let runs = pending
            .into_iter()
            .chain(self.buf.iter().rev().map(|v| (*v, self.step)));
        let mut age = 0usize;
        'runs: for (v, n) in runs {
            let v = f64::from(v);
            for _ in 0..n {
                if age >= self.cap {
                    break 'runs;
                }
                let Some(slot) = (width - 1).checked_sub(age / per) else {
                    break 'runs;
                };
                out[slot] = Some(out[slot].map_or(v, |m: f64| m.max(v)));
                age += 1;
            }
        }
        out
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_samples_and_never_grows() {
        let mut r = Ring::new(300);
        let cap_before = r.buf.capacity();
        for i in 0..10_000 {
            r.push(f64::from(i));
        }
        assert_eq!(r.len(), 300);
        assert_eq!(
            r.buf.capacity(),
            cap_before,
            "no reallocation after warm-up"
        );
        assert_eq!(r.last(), Some(9_999.0));
        let tail: Vec<f64> = r.tail(3).collect();
        assert_eq!(tail, [9_997.0, 9_998.0, 9_999.0]);
        assert_eq!(r.tail(1000).count(), 300);
        assert_eq!(r.max_of_tail(5), 9_999.0);
    }

    #[test]
    fn buckets_span_the_whole_window_and_keep_peaks() {
        let mut r = Ring::new(300);
        for i in 0..300 {
            r.push(f64::from(i % 7));
        }
        r.push(1000.0); // newest, evicts the oldest
        let b = r.buckets(30);
        assert_eq!(b.len(), 30);
        assert_eq!(
            b[29],
            Some(1000.0),
            "the newest spike is in the last bucket"
        );
        assert!(
            b.iter().all(Option::is_some),
            "a full ring fills every bucket"
        );
        assert_eq!(b[0], Some(6.0), "peak of the oldest ten samples");
        // A young series fills buckets from the right.
        let mut young = Ring::new(300);
        for _ in 0..25 {
            young.push(1.0);
        }
        let b = young.buckets(30);
        assert_eq!(b.iter().filter(|v| v.is_some()).count(), 3);
        assert_eq!(b[26], None);
        assert_eq!(b[27], Some(1.0));
        // Wider than the ring: one sample per bucket.
        assert_eq!(young.buckets(400)[399], Some(1.0));
        assert_eq!(young.buckets(400)[374], None);
    }
}

#[cfg(test)]
mod coarse_tests {
    use super::*;

    #[test]
    fn a_coarse_ring_keeps_the_peaks_of_the_whole_window_in_a_tenth_of_the_room() {
        let mut full = Ring::new(300);
        let mut coarse = Ring::coarse(300);
        for i in 0..1000u32 {
            // A one-second spike every 50 samples must survive in both.
            let v = if i % 50 == 0 { 100.0 } else { f64::from(i % 3) };
            full.push(v);
            coarse.push(v);
        }
        assert!(coarse.buf.capacity() <= 300 / COARSE_STEP + 2);
        assert_eq!(coarse.len(), 300);
        assert_eq!(
            coarse.last(),
            Some(f64::from(999 % 3)),
            "the newest figure is exact"
        );
        // At a graph's width (one bucket per 10 samples) both draw the same peaks.
        assert_eq!(coarse.buckets(30), full.buckets(30));
        assert_eq!(coarse.max_of_tail(300), 100.0);
    }

    #[test]
    fn promoting_keeps_the_window_then_records_every_sample() {
        let mut r = Ring::coarse(300);
        for _ in 0..295 {
            r.push(1.0);
        }
        r.promote();
        assert!(r.is_full_resolution());
        assert_eq!(r.len(), 295, "the history before promotion is still there");
        r.push(7.0);
        r.push(2.0);
        let tail: Vec<f64> = r.tail(3).collect();
        assert_eq!(tail, [1.0, 7.0, 2.0]);
        for _ in 0..10 {
            r.push(0.0);
        }
        assert_eq!(r.len(), 300, "bounded by the window after promotion too");
        r.clear();
        assert!(r.is_empty() && r.last().is_none());
    }
}
