//! Simulation time, the event calendar and the run loop.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, VecDeque};

/// Simulation time, in whatever unit the model chooses (separate from wall-clock time).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct Time(pub f64);

struct Entry<E> {
    /// Time, then scheduling order, in one integer: the order events are handled in.
    rank: u128,
    event: E,
}

impl<E> Entry<E> {
    fn new(at: f64, seq: u64, event: E) -> Self {
        // Times as integers in the order of `f64::total_cmp`: the sign bit set on positive
        // numbers, every bit flipped on negative ones.
        let bits = at.to_bits();
        let key = if bits >> 63 == 1 {
            !bits
        } else {
            bits | 1 << 63
        };
        Entry {
            rank: u128::from(key) << 64 | u128::from(seq),
            event,
        }
    }

    fn at(&self) -> f64 {
        let key = (self.rank >> 64) as u64;
        f64::from_bits(if key >> 63 == 1 {
            key & !(1 << 63)
        } else {
            !key
        })
    }

    #[cfg(test)]
    fn seq(&self) -> u64 {
        self.rank as u64
    }

    fn order(&self, other: &Self) -> Ordering {
        self.rank.cmp(&other.rank)
    }
}

/// Buckets of the calendar a unit of simulation time (an hour each, for a model in days).
const PER_UNIT: f64 = 24.0;
/// Buckets kept one by one ahead of the current one, and the buckets of one block.
const NEAR: i64 = 1024;
/// Blocks kept one by one after the buckets kept one by one (about 120 years of hours);
/// events later still wait in a heap by bucket.
const BLOCKS: i64 = 1024;

/// The last bucket: later times (and infinite ones) share it, so the calendar's arithmetic on
/// buckets never overflows.
const LAST_BUCKET: i64 = i64::MAX / 4;

/// The bucket of time `at`: the whole number of buckets before it, at most [`LAST_BUCKET`].
/// Never decreasing in `at`, which is all the calendar needs of it.
fn bucket(at: f64) -> i64 {
    let x = at * PER_UNIT;
    // Rounded down by hand: `f64::floor` is a call into libm on the baseline x86-64 target.
    let i = x as i64;
    let i = if (i as f64) > x { i - 1 } else { i };
    i.min(LAST_BUCKET)
}

/// An event far ahead, ordered by its bucket alone (the earliest first from a max-heap): the
/// order within a bucket is settled when the clock reaches it.
struct Far<E> {
    bucket: Reverse<i64>,
    entry: Entry<E>,
}

impl<E> PartialEq for Far<E> {
    fn eq(&self, other: &Self) -> bool {
        self.bucket == other.bucket
    }
}
impl<E> Eq for Far<E> {}
impl<E> PartialOrd for Far<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Far<E> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.bucket.cmp(&other.bucket)
    }
}

/// The event calendar, in three tiers by how far ahead an event is (a calendar queue, after
/// Brown 1988, with a second, coarser level of buckets):
/// - the events of the current bucket (and any scheduled before it), sorted latest first, so
///   the next is popped from the end and an event scheduled for now is inserted near it;
/// - the next buckets one by one, unsorted, each sorted when the clock reaches it;
/// - then blocks of [`NEAR`] buckets, unsorted, each dealt into its buckets when the clock
///   reaches it; and beyond [`BLOCKS`] blocks, a heap by bucket.
///
/// An event is moved at most once between each tier, whatever its distance: a model keeps
/// tens of thousands of events far ahead (each person's next crisis, death and birthday).
///
/// Written here rather than taken from a crate: a heap of every pending event costs a cache
/// miss a level for every event handled; monotone queues from crates (radix heaps) break ties
/// last in, first out, and the kernel's contract is time, then scheduling order. The order of
/// events is exactly the order a single heap would give: every event of the current bucket is
/// in an earlier or the same bucket as any outside it.
struct Calendar<E> {
    /// Events of bucket `current` and earlier, latest first.
    now: Vec<Entry<E>>,
    current: i64,
    /// `near[i]`: the events of bucket `current + 1 + i`, for buckets before `near_end`.
    near: VecDeque<Vec<Entry<E>>>,
    /// The first bucket not kept in `near` (at least `current + 1`).
    near_end: i64,
    /// `blocks[j]`: the events of buckets `near_end + j * NEAR` to `near_end + (j + 1) * NEAR`.
    blocks: VecDeque<Vec<Entry<E>>>,
    /// Events at least [`BLOCKS`] blocks after `near_end`, earliest bucket first.
    far: BinaryHeap<Far<E>>,
    /// Emptied bucket and block vectors, kept for their room.
    spare: Vec<Vec<Entry<E>>>,
}

impl<E> Calendar<E> {
    fn new() -> Self {
        let current = bucket(0.0);
        Calendar {
            now: Vec::new(),
            current,
            near: VecDeque::new(),
            near_end: current + 1,
            blocks: VecDeque::new(),
            far: BinaryHeap::new(),
            spare: Vec::new(),
        }
    }

    fn len(&self) -> usize {
        self.now.len()
            + self.near.iter().map(Vec::len).sum::<usize>()
            + self.blocks.iter().map(Vec::len).sum::<usize>()
            + self.far.len()
    }

    /// The earliest bucket of the far events (`i64::MAX` when none).
    fn far_first(&self) -> i64 {
        self.far.peek().map_or(i64::MAX, |f| f.bucket.0)
    }

    fn push(&mut self, e: Entry<E>) {
        let b = bucket(e.at());
        if b <= self.current {
            // Latest first: after every event later than `e`. An event scheduled for now
            // has the latest scheduling order, so it goes near the end.
            let i = self
                .now
                .partition_point(|x| x.order(&e) == Ordering::Greater);
            self.now.insert(i, e);
        } else if b < self.near_end {
            // `current < b < near_end`: an index within the buckets kept one by one.
            let i = (b - self.current - 1) as usize;
            Self::slot(&mut self.near, &mut self.spare, i).push(e);
        } else {
            let j = (b - self.near_end) / NEAR;
            if j < BLOCKS {
                Self::slot(&mut self.blocks, &mut self.spare, j as usize).push(e);
            } else {
                self.far.push(Far {
                    bucket: Reverse(b),
                    entry: e,
                });
            }
        }
    }

    /// The vector `i` of `tier`, adding (emptied) vectors up to it.
    fn slot<'a>(
        tier: &'a mut VecDeque<Vec<Entry<E>>>,
        spare: &mut Vec<Vec<Entry<E>>>,
        i: usize,
    ) -> &'a mut Vec<Entry<E>> {
        while tier.len() <= i {
            tier.push_back(spare.pop().unwrap_or_default());
        }
        &mut tier[i]
    }

    /// Moves the far events now within [`BLOCKS`] blocks of `near_end` into their blocks.
    fn spill_far(&mut self) {
        let reach = self.near_end + BLOCKS * NEAR;
        while self.far_first() < reach {
            let far = self.far.pop().expect("a far event");
            self.push(far.entry);
        }
    }

    /// The earliest event, moving the next bucket with events into `now` if it is empty.
    fn peek(&mut self) -> Option<&Entry<E>> {
        while self.now.is_empty() {
            if let Some(mut next) = self.near.pop_front() {
                self.current += 1;
                std::mem::swap(&mut self.now, &mut next);
                self.now.sort_unstable_by(|a, b| b.order(a));
                self.spare.push(next);
                continue;
            }
            // No events before `near_end`.
            self.current = self.near_end - 1;
            if let Some(mut block) = self.blocks.pop_front() {
                self.near_end += NEAR;
                for e in block.drain(..) {
                    self.push(e);
                }
                self.spare.push(block);
            } else if self.far.is_empty() {
                return None;
            } else {
                // Nothing within the blocks: the clock jumps to the first far event.
                let first = self.far_first();
                self.current = first - 1;
                self.near_end = first;
            }
            // Far events now within the blocks go to them.
            self.spill_far();
        }
        self.now.last()
    }

    fn pop(&mut self) -> Option<Entry<E>> {
        self.peek()?;
        self.now.pop()
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
        self.calendar.push(Entry::new(at, self.seq, event));
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
            if top.at() > end.0 {
                break;
            }
            let e = self.sched.calendar.pop().expect("peeked");
            let (at, event) = (e.at(), e.event);
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
            // The reference: one heap of (time, scheduling order), earliest first (the
            // times are not negative, so their bits order as they do).
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
                    // A bucket, a block and the blocks' reach, in units of time.
                    let unit = 1.0 / PER_UNIT;
                    let (block, reach) = (NEAR as f64 * unit, (BLOCKS * NEAR) as f64 * unit);
                    let delay = match rng.gen_range(0..10) {
                        0 => 0.0,
                        1 => f64::from(rng.gen_range(0..3)),
                        2 => rng.gen::<f64>(),
                        3 => rng.gen::<f64>() * 30.0,
                        4 => rng.gen::<f64>() * 5000.0,
                        // On and about the edges of a bucket, a block and the blocks' reach.
                        5 => f64::from(rng.gen_range(0..3)) * unit,
                        6 => block * f64::from(rng.gen_range(1..4)) + rng.gen::<f64>() * unit,
                        7 => reach + f64::from(rng.gen_range(-2..3)) * unit,
                        8 => rng.gen::<f64>() * 3.0 * reach,
                        _ => f64::INFINITY,
                    };
                    seq += 1;
                    let at = now + delay;
                    calendar.push(Entry::new(at, seq, ()));
                    heap.push(Reverse((at.to_bits(), seq)));
                }
                if step % 7 == 0 {
                    // A peek that moves a bucket into the heap, then a push before it.
                    calendar.peek();
                }
                let (a, b) = (calendar.pop(), heap.pop());
                assert_eq!(
                    a.as_ref().map(|e| (e.at(), e.seq())),
                    b.map(|Reverse((at, seq))| (f64::from_bits(at), seq)),
                    "seed {seed}"
                );
                if let Some(e) = a {
                    now = e.at();
                }
                assert_eq!(calendar.len(), heap.len());
            }
            assert_eq!(calendar.len(), 0, "seed {seed}");
        }
    }
}
