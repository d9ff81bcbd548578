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
}
