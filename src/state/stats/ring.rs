//! A fixed-capacity ring of samples: allocated once, never grows, oldest sample dropped.

use std::collections::VecDeque;

#[derive(Clone, Debug)]
pub struct Ring {
    buf: VecDeque<f32>,
    cap: usize,
}

impl Ring {
    pub fn new(cap: usize) -> Ring {
        let cap = cap.max(1);
        Ring {
            buf: VecDeque::with_capacity(cap),
            cap,
        }
    }

    pub fn push(&mut self, v: f64) {
        if self.buf.len() == self.cap {
            self.buf.pop_front();
        }
        self.buf.push_back(v as f32);
    }

    /// Drops every sample: the counter behind this series was reset.
    pub fn clear(&mut self) {
        self.buf.clear();
    }

    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.cap
    }

    pub fn last(&self) -> Option<f64> {
        self.buf.back().map(|v| f64::from(*v))
    }

    /// The newest `n` samples, oldest first.
    pub fn tail(&self, n: usize) -> impl Iterator<Item = f64> + '_ {
        self.buf
            .iter()
            .skip(self.buf.len().saturating_sub(n))
            .map(|v| f64::from(*v))
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
        for (age, v) in self.buf.iter().rev().enumerate() {
            let Some(slot) = (width - 1).checked_sub(age / per) else {
                break;
            };
            let v = f64::from(*v);
            out[slot] = Some(out[slot].map_or(v, |m: f64| m.max(v)));
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
