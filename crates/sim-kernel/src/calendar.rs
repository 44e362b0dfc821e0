//! Simulation time, the event calendar and the run loop.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

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

/// The calendar a model schedules into while it handles an event.
pub struct Scheduler<E> {
    now: f64,
    seq: u64,
    heap: BinaryHeap<Entry<E>>,
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
        self.heap.push(Entry {
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
        self.heap.len()
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
                heap: BinaryHeap::new(),
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
        while let Some(top) = self.sched.heap.peek() {
            if top.at > end.0 {
                break;
            }
            let Entry { at, event, .. } = self.sched.heap.pop().expect("peeked");
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
}
