//! A bounded log of events for the events view: fixed capacity allocated once, O(1) push
//! (the oldest entry is dropped when full), newest-first iteration.
//!
//! Memory held is `capacity * size_of::<T>()` for the slots plus what the live entries own
//! on the heap (strings); it never grows past that however many events arrive.

use std::collections::VecDeque;

/// Entries the events view keeps by default.
pub const DEFAULT_CAPACITY: usize = 10_000;

#[derive(Clone, Debug)]
pub struct EventLog<T> {
    buf: VecDeque<T>,
    cap: usize,
    /// Events ever pushed, so "N dropped" can be shown.
    total: u64,
}

impl<T> Default for EventLog<T> {
    fn default() -> Self {
        EventLog::new(DEFAULT_CAPACITY)
    }
}

impl<T> EventLog<T> {
    pub fn new(cap: usize) -> EventLog<T> {
        let cap = cap.max(1);
        EventLog {
            buf: VecDeque::with_capacity(cap),
            cap,
            total: 0,
        }
    }

    /// Appends `ev`, dropping the oldest entry when full. Never reallocates.
    pub fn push(&mut self, ev: T) {
        if self.buf.len() == self.cap {
            self.buf.pop_front();
        }
        self.buf.push_back(ev);
        self.total += 1;
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

    /// Events pushed since creation (kept + dropped).
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Events dropped because the log was full.
    pub fn dropped(&self) -> u64 {
        self.total - self.buf.len() as u64
    }

    /// Newest first, as the events view lists them.
    pub fn newest_first(&self) -> impl Iterator<Item = &T> {
        self.buf.iter().rev()
    }

    /// The `i`-th newest entry (0 is the latest).
    pub fn get_newest(&self, i: usize) -> Option<&T> {
        self.buf
            .len()
            .checked_sub(i + 1)
            .and_then(|j| self.buf.get(j))
    }

    pub fn clear(&mut self) {
        self.buf.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_and_counts_the_dropped() {
        let mut log = EventLog::new(3);
        for i in 0..5 {
            log.push(i);
        }
        assert_eq!(log.newest_first().copied().collect::<Vec<_>>(), [4, 3, 2]);
        assert_eq!(log.get_newest(0), Some(&4));
        assert_eq!(log.get_newest(2), Some(&2));
        assert_eq!(log.get_newest(3), None);
        assert_eq!((log.len(), log.total(), log.dropped()), (3, 5, 2));
    }

    #[test]
    fn never_reallocates_after_creation() {
        let mut log = EventLog::new(100);
        let slots = log.buf.capacity();
        for i in 0..100_000 {
            log.push(i);
        }
        assert_eq!(log.buf.capacity(), slots);
        assert_eq!(log.len(), 100);
    }
}
