//! Simulation time, the event calendar and the run loop.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

/// Simulation time, in whatever unit the model chooses (separate from wall-clock time).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct Time(pub f64);

struct Entry<E> {
    at: f64,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at && self.seq == other.seq
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    /// Reversed, so the max-heap pops the earliest event; equal times pop in scheduling order.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .at
            .total_cmp(&self.at)
            .then_with(|| other.seq.cmp(&self.seq))
    }
}

/// Buckets of the calendar a unit of simulation time (an hour each, for a model in days).
const PER_UNIT: f64 = 24.0;
/// Buckets kept one by one ahead of the current one; events further ahead wait in one
/// unsorted vector until the clock comes within this many buckets of them.
const NEAR: usize = 1024;

/// The bucket of time `at`: the whole number of buckets before it (infinite times
/// saturate). Never decreasing in `at`, which is all the calendar needs of it.
fn bucket(at: f64) -> i64 {
    let x = at * PER_UNIT;
    // Rounded down by hand: `f64::floor` is a call into libm on the baseline x86-64 target.
    let i = x as i64;
    if (i as f64) > x {
        i - 1
    } else {
        i
    }
}

/// The event calendar: a heap of the events of the current bucket and any before it, and the
/// later events unsorted, one vector per bucket, each moved into the heap when the clock
/// reaches its bucket (a calendar queue, after Brown 1988).
///
/// Written here rather than taken from a crate: a model keeps tens of thousands of events far
/// ahead (each person's next crisis, death and birthday), and a heap of all of them costs a
/// cache miss a level for every event handled; monotone queues from crates (radix heaps) break
/// ties last in, first out, and the kernel's contract is time, then scheduling order. The
/// order of events is exactly the order a single heap would give: every event in the heap is
/// in an earlier or the same bucket as any outside it.
struct Calendar<E> {
    /// Events of bucket `current` and earlier.
    heap: BinaryHeap<Entry<E>>,
    current: i64,
    /// `near[i]`: the events of bucket `current + 1 + i`.
    near: VecDeque<Vec<Entry<E>>>,
    /// Events at least [`NEAR`] buckets ahead when scheduled, and the earliest bucket of them
    /// (`i64::MAX` when none).
    far: Vec<Entry<E>>,
    far_first: i64,
    /// The far events' other vector: a spill moves them out of one into the other (or their
    /// buckets), so neither is grown again from nothing (the far events are tens of thousands).
    far_spare: Vec<Entry<E>>,
    /// Emptied bucket vectors, kept for their room.
    spare: Vec<Vec<Entry<E>>>,
}

impl<E> Calendar<E> {
    fn new() -> Self {
        Calendar {
            heap: BinaryHeap::new(),
            current: bucket(0.0),
            near: VecDeque::new(),
            far: Vec::new(),
            far_first: i64::MAX,
            far_spare: Vec::new(),
            spare: Vec::new(),
        }
    }

    fn len(&self) -> usize {
        self.heap.len() + self.near.iter().map(Vec::len).sum::<usize>() + self.far.len()
    }

    fn push(&mut self, e: Entry<E>) {
        let b = bucket(e.at);
        if b <= self.current {
            self.heap.push(e);
            return;
        }
        // `b > current`, so this neither overflows nor goes below 0.
        let ahead = (b - self.current - 1) as u64;
        if ahead < NEAR as u64 {
            let i = ahead as usize;
            while self.near.len() <= i {
                let v = self.spare.pop().unwrap_or_default();
                self.near.push_back(v);
            }
            self.near[i].push(e);
        } else {
            self.far_first = self.far_first.min(b);
            self.far.push(e);
        }
    }

    /// Moves the far events now within [`NEAR`] buckets into their buckets.
    fn spill_far(&mut self) {
        let mut far = std::mem::take(&mut self.far_spare);
        std::mem::swap(&mut far, &mut self.far);
        self.far_first = i64::MAX;
        for e in far.drain(..) {
            self.push(e);
        }
        self.far_spare = far;
    }

    /// The earliest event, moving the next bucket with events into the heap if it is empty.
    fn peek(&mut self) -> Option<&Entry<E>> {
        while self.heap.is_empty() {
            if self.near.is_empty() {
                if self.far.is_empty() {
                    return None;
                }
                self.current = self.far_first - 1;
            }
            // Far events due in the next bucket go to it first (with all others due in the
            // NEAR buckets from it, so this happens at most once every NEAR buckets).
            if self.far_first <= self.current + 1 {
                self.spill_far();
            }
            let mut next = self.near.pop_front().expect("a bucket follows");
            self.current += 1;
            self.heap.extend(next.drain(..));
            self.spare.push(next);
        }
        self.heap.peek()
    }

    fn pop(&mut self) -> Option<Entry<E>> {
        self.peek()?;
        self.heap.pop()
    }
}

/// The calendar a model schedules into while it handles an event.
pub struct Scheduler<E> {
    now: f64,
    seq: u64,
    calendar: Calendar<E>,
    handled: u64,
}

impl<E> Scheduler<E> {
    /// The current simulation time.
    pub fn now(&self) -> Time {
        Time(self.now)
    }

    /// Schedules `event` at `at` (not before now).
    pub fn schedule_at(&mut self, at: Time, event: E) {
        debug_assert!(
            at.0 >= self.now,
            "scheduled in the past: {} < {}",
            at.0,
            self.now
        );
        let at = at.0.max(self.now);
        self.seq += 1;
        self.calendar.push(Entry {
            at,
            seq: self.seq,
            event,
        });
    }

    /// Schedules `event` after `delay` (0 or more).
    pub fn schedule_in(&mut self, delay: f64, event: E) {
        self.schedule_at(Time(self.now + delay.max(0.0)), event);
    }

    /// Events waiting in the calendar.
    pub fn pending(&self) -> usize {
        self.calendar.len()
    }

    /// Events handled so far.
    pub fn handled(&self) -> u64 {
        self.handled
    }
}

/// What a simulation does with each event.
pub trait Model {
    type Event;
    /// Handles `event` at `s.now()`, scheduling what follows.
    fn handle(&mut self, s: &mut Scheduler<Self::Event>, event: Self::Event);
}

/// A model with its clock and calendar.
pub struct Simulation<M: Model> {
    sched: Scheduler<M::Event>,
    model: M,
}

impl<M: Model> Simulation<M> {
    pub fn new(model: M) -> Self {
        Simulation {
            sched: Scheduler {
                now: 0.0,
                seq: 0,
                calendar: Calendar::new(),
                handled: 0,
            },
            model,
        }
    }

    pub fn schedule_at(&mut self, at: Time, event: M::Event) {
        self.sched.schedule_at(at, event);
    }

    pub fn now(&self) -> Time {
        self.sched.now()
    }

    pub fn model(&self) -> &M {
        &self.model
    }

    pub fn model_mut(&mut self) -> &mut M {
        &mut self.model
    }

    /// Lets the model schedule while not handling an event (to start its processes).
    pub fn with_scheduler<R>(
        &mut self,
        f: impl FnOnce(&mut M, &mut Scheduler<M::Event>) -> R,
    ) -> R {
        f(&mut self.model, &mut self.sched)
    }

    pub fn into_model(self) -> M {
        self.model
    }

    /// Events handled so far.
    pub fn handled(&self) -> u64 {
        self.sched.handled
    }

    /// Handles events in time order until the next is after `end` (or none is left); the clock
    /// then stands at `end`.
    pub fn run_until(&mut self, end: Time) {
        while let Some(top) = self.sched.calendar.peek() {
            if top.at > end.0 {
                break;
            }
            let Entry { at, event, .. } = self.sched.calendar.pop().expect("peeked");
            self.sched.now = at;
            self.sched.handled += 1;
            self.model.handle(&mut self.sched, event);
        }
        self.sched.now = self.sched.now.max(end.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Log(Vec<(f64, u32)>);
    impl Model for Log {
        type Event = u32;
        fn handle(&mut self, s: &mut Scheduler<u32>, e: u32) {
            self.0.push((s.now().0, e));
            if e == 1 {
                s.schedule_in(0.0, 10);
                s.schedule_in(0.0, 11);
            }
        }
    }

    #[test]
    fn events_run_in_time_order_and_ties_in_scheduling_order() {
        let mut sim = Simulation::new(Log(Vec::new()));
        sim.schedule_at(Time(2.0), 2);
        sim.schedule_at(Time(1.0), 1);
        sim.schedule_at(Time(1.0), 3);
        sim.schedule_at(Time(5.0), 5);
        sim.run_until(Time(4.0));
        assert_eq!(
            sim.model().0,
            [(1.0, 1), (1.0, 3), (1.0, 10), (1.0, 11), (2.0, 2)]
        );
        assert_eq!(sim.now(), Time(4.0));
        sim.run_until(Time(10.0));
        assert_eq!(sim.model().0.last(), Some(&(5.0, 5)));
    }

    /// Pushes at random times from the last popped (ties, whole buckets apart, past the far
    /// horizon, never) between pops: the calendar pops exactly what one heap of (time,
    /// scheduling order) pops.
    #[test]
    fn the_calendar_pops_what_one_heap_pops() {
        use rand::{Rng, SeedableRng};
        for seed in 0..20 {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
            let mut calendar = Calendar::new();
            let mut heap = BinaryHeap::new();
            let mut now = 0.0;
            let mut seq = 0;
            for step in 0..40_000 {
                let pushes = if step < 30_000 {
                    rng.gen_range(0..3)
                } else {
                    0
                };
                for _ in 0..pushes {
                    let delay = match rng.gen_range(0..7) {
                        0 => 0.0,
                        1 => f64::from(rng.gen_range(0..3)),
                        2 => rng.gen::<f64>(),
                        3 => rng.gen::<f64>() * 30.0,
                        4 => rng.gen::<f64>() * 5000.0,
                        5 => 1024.0 + f64::from(rng.gen_range(0..3)),
                        _ => f64::INFINITY,
                    };
                    seq += 1;
                    let at = now + delay;
                    calendar.push(Entry { at, seq, event: () });
                    heap.push(Entry { at, seq, event: () });
                }
                if step % 7 == 0 {
                    // A peek that moves a bucket into the heap, then a push before it.
                    calendar.peek();
                }
                let (a, b) = (calendar.pop(), heap.pop());
                assert_eq!(
                    a.as_ref().map(|e| (e.at, e.seq)),
                    b.as_ref().map(|e| (e.at, e.seq)),
                    "seed {seed}"
                );
                if let Some(e) = a {
                    now = e.at;
                }
                assert_eq!(calendar.len(), heap.len());
            }
            assert_eq!(calendar.len(), 0, "seed {seed}");
        }
    }
}
