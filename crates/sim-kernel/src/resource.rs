//! Resources: units with a capacity (which may change over time) and a queue of waiting entities.

use crate::stats::TimeAverage;
use std::collections::{BinaryHeap, VecDeque};

/// How waiting entities are served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Discipline {
    /// First come, first served.
    Fifo,
    /// Lowest priority number first; first come, first served among equals.
    Priority,
}

struct Waiter<T> {
    priority: i64,
    seq: u64,
    since: f64,
    who: T,
}

impl<T> PartialEq for Waiter<T> {
    fn eq(&self, o: &Self) -> bool {
        self.priority == o.priority && self.seq == o.seq
    }
}
impl<T> Eq for Waiter<T> {}
impl<T> PartialOrd for Waiter<T> {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl<T> Ord for Waiter<T> {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        o.priority
            .cmp(&self.priority)
            .then_with(|| o.seq.cmp(&self.seq))
    }
}

enum Queue<T> {
    Fifo(VecDeque<Waiter<T>>),
    Priority(BinaryHeap<Waiter<T>>),
}

/// A resource of `capacity` units. Entities of type `T` request a unit; those that cannot have
/// one wait. A unit is held until the model releases it, so an entity may hold one resource while
/// waiting for another (blocking).
pub struct Resource<T> {
    capacity: u32,
    busy: u32,
    seq: u64,
    queue: Queue<T>,
    busy_time: TimeAverage,
    queue_time: TimeAverage,
    capacity_time: TimeAverage,
}

impl<T> Resource<T> {
    pub fn new(capacity: u32, discipline: Discipline) -> Self {
        Resource {
            capacity,
            busy: 0,
            seq: 0,
            queue: match discipline {
                Discipline::Fifo => Queue::Fifo(VecDeque::new()),
                Discipline::Priority => Queue::Priority(BinaryHeap::new()),
            },
            busy_time: TimeAverage::new(0.0, 0.0),
            queue_time: TimeAverage::new(0.0, 0.0),
            capacity_time: TimeAverage::new(0.0, f64::from(capacity)),
        }
    }

    pub fn capacity(&self) -> u32 {
        self.capacity
    }
    pub fn busy(&self) -> u32 {
        self.busy
    }
    pub fn queue_len(&self) -> usize {
        match &self.queue {
            Queue::Fifo(q) => q.len(),
            Queue::Priority(q) => q.len(),
        }
    }

    fn record(&mut self, now: f64) {
        self.busy_time.set(now, f64::from(self.busy));
        self.queue_time.set(now, self.queue_len() as f64);
        self.capacity_time.set(now, f64::from(self.capacity));
    }

    /// Asks for a unit for `who`. Returns `Some(who)` when granted at once; otherwise `who`
    /// waits and will be returned by a later [`release`](Self::release) or capacity increase.
    pub fn request(&mut self, now: f64, who: T, priority: i64) -> Option<T> {
        if self.busy < self.capacity && self.queue_len() == 0 {
            self.busy += 1;
            self.record(now);
            return Some(who);
        }
        self.seq += 1;
        let w = Waiter {
            priority,
            seq: self.seq,
            since: now,
            who,
        };
        match &mut self.queue {
            Queue::Fifo(q) => q.push_back(w),
            Queue::Priority(q) => q.push(w),
        }
        self.record(now);
        None
    }

    /// Takes a unit whether or not one is free (someone already holding it when a run starts
    /// from a recorded state). Above capacity, releases hand nothing on until back below it.
    pub fn force(&mut self, now: f64) {
        self.busy += 1;
        self.record(now);
    }

    /// Asks for a unit only if one is free now (a loss system: no waiting).
    pub fn try_acquire(&mut self, now: f64) -> bool {
        if self.busy < self.capacity {
            self.busy += 1;
            self.record(now);
            true
        } else {
            false
        }
    }

    fn pop(&mut self) -> Option<Waiter<T>> {
        match &mut self.queue {
            Queue::Fifo(q) => q.pop_front(),
            Queue::Priority(q) => q.pop(),
        }
    }

    /// Grants free units to waiters, in queue order; returns them with how long they waited.
    fn grant(&mut self, now: f64) -> Vec<(T, f64)> {
        let mut out = Vec::new();
        while self.busy < self.capacity {
            let Some(w) = self.pop() else { break };
            self.busy += 1;
            out.push((w.who, now - w.since));
        }
        self.record(now);
        out
    }

    /// Gives a unit back. Returns the waiter granted it, if any, with its wait.
    pub fn release(&mut self, now: f64) -> Option<(T, f64)> {
        debug_assert!(self.busy > 0, "release of an idle resource");
        self.busy = self.busy.saturating_sub(1);
        // At most one unit came free: hand it on without building a list.
        let granted = if self.busy < self.capacity {
            self.pop().map(|w| {
                self.busy += 1;
                (w.who, now - w.since)
            })
        } else {
            None
        };
        self.record(now);
        granted
    }

    /// Changes the capacity (weekday staff, winter beds). Units held above a lowered capacity
    /// are kept until released; a raised capacity is granted to waiters at once.
    pub fn set_capacity(&mut self, now: f64, capacity: u32) -> Vec<(T, f64)> {
        self.capacity = capacity;
        self.grant(now)
    }

    /// Takes out the first waiter `pred` accepts (someone who stops waiting).
    pub fn withdraw(&mut self, now: f64, mut pred: impl FnMut(&T) -> bool) -> Option<T> {
        let found = match &mut self.queue {
            Queue::Fifo(q) => q
                .iter()
                .position(|w| pred(&w.who))
                .and_then(|i| q.remove(i)),
            Queue::Priority(q) => {
                let mut items = std::mem::take(q).into_vec();
                let found = items
                    .iter()
                    .position(|w| pred(&w.who))
                    .map(|i| items.swap_remove(i));
                *q = items.into();
                found
            }
        };
        self.record(now);
        found.map(|w| w.who)
    }

    /// Time-averaged units busy since the start (or the last reset).
    pub fn mean_busy(&self, now: f64) -> f64 {
        self.busy_time.mean(now)
    }
    /// Time-averaged number waiting.
    pub fn mean_queue(&self, now: f64) -> f64 {
        self.queue_time.mean(now)
    }
    /// Busy units over capacity, time-averaged.
    pub fn utilisation(&self, now: f64) -> f64 {
        let c = self.capacity_time.mean(now);
        if c > 0.0 {
            self.busy_time.mean(now) / c
        } else {
            0.0
        }
    }

    /// Starts the time averages afresh at `now` (after a warm-up).
    pub fn reset_stats(&mut self, now: f64) {
        self.busy_time = TimeAverage::new(now, f64::from(self.busy));
        self.queue_time = TimeAverage::new(now, self.queue_len() as f64);
        self.capacity_time = TimeAverage::new(now, f64::from(self.capacity));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_and_priority_order() {
        let mut r = Resource::new(1, Discipline::Fifo);
        assert_eq!(r.request(0.0, 'a', 0), Some('a'));
        assert_eq!(r.request(1.0, 'b', 5), None);
        assert_eq!(r.request(2.0, 'c', 0), None);
        assert_eq!(r.release(3.0), Some(('b', 2.0)));
        assert_eq!(r.release(4.0), Some(('c', 2.0)));

        let mut p = Resource::new(1, Discipline::Priority);
        p.request(0.0, 'a', 0);
        p.request(1.0, 'b', 5);
        p.request(2.0, 'c', 0);
        p.request(3.0, 'd', 0);
        assert_eq!(p.release(4.0).unwrap().0, 'c');
        assert_eq!(p.release(5.0).unwrap().0, 'd');
        assert_eq!(p.release(6.0).unwrap().0, 'b');
    }

    #[test]
    fn capacity_changes_grant_waiters_and_keep_held_units() {
        let mut r = Resource::new(1, Discipline::Fifo);
        r.request(0.0, 1, 0);
        r.request(0.0, 2, 0);
        r.request(0.0, 3, 0);
        let granted: Vec<i32> = r.set_capacity(1.0, 3).into_iter().map(|g| g.0).collect();
        assert_eq!(granted, [2, 3]);
        assert!(r.set_capacity(2.0, 1).is_empty());
        assert_eq!(r.busy(), 3);
        r.request(2.0, 4, 0);
        assert_eq!(r.release(3.0), None); // 2 busy, capacity 1: nobody granted
        assert_eq!(r.release(3.0), None);
        assert_eq!(r.release(3.0).map(|g| g.0), Some(4));
    }

    #[test]
    fn utilisation_is_time_weighted() {
        let mut r: Resource<u8> = Resource::new(2, Discipline::Fifo);
        r.request(0.0, 1, 0);
        r.request(5.0, 2, 0);
        r.release(10.0);
        // busy 1 for 5, 2 for 5: mean 1.5 of 2 over 10.
        assert!((r.utilisation(10.0) - 0.75).abs() < 1e-12);
        assert_eq!(r.withdraw(10.0, |_| true), None);
    }
}
