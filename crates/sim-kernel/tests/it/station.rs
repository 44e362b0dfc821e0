//! One station fed by Poisson arrivals of one or more classes, with exponential services: the
//! model that the priority, discipline and pool checks share. The station is a `Resource` or a
//! `Pool`; the queue order is first come first served, by class, or last come first served.
//!
//! Each service time is drawn when the service starts, from its class's stream. With one class,
//! two runs of the same replication under different queue orders therefore see the same
//! arrival times and the same sequence of service times, so the number in the system is the
//! same at every instant and so is the total wait (the conservation law); only who waits how
//! long differs.

use rand_chacha::ChaCha8Rng;
use sim_kernel::stats::TimeAverage;
use sim_kernel::{Discipline, Dist, Model, Pool, Resource, Scheduler, Simulation, Streams, Time};

/// What the model needs of the place where customers queue.
pub trait Station {
    /// Asks for service for `who`; `Some(who)` when it starts now.
    fn arrive(&mut self, now: f64, who: u64, priority: i64) -> Option<u64>;
    /// A service ends: those who start now, with their waits.
    fn depart(&mut self, now: f64) -> Vec<(u64, f64)>;
    /// Customers in service.
    fn in_service(&self) -> f64;
}

impl Station for Resource<u64> {
    fn arrive(&mut self, now: f64, who: u64, priority: i64) -> Option<u64> {
        self.request(now, who, priority)
    }
    fn depart(&mut self, now: f64) -> Vec<(u64, f64)> {
        self.release(now).into_iter().collect()
    }
    fn in_service(&self) -> f64 {
        f64::from(self.busy())
    }
}

/// A pool of which every customer takes the same `amount`: `capacity / amount` servers.
pub struct PoolStation {
    pub pool: Pool<u64>,
    pub amount: f64,
}

impl Station for PoolStation {
    fn arrive(&mut self, now: f64, who: u64, _priority: i64) -> Option<u64> {
        self.pool.request(now, who, self.amount)
    }
    fn depart(&mut self, now: f64) -> Vec<(u64, f64)> {
        self.pool.release(now, self.amount)
    }
    fn in_service(&self) -> f64 {
        self.pool.used() / self.amount
    }
}

/// The order in which waiting customers are served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// First come, first served: `Discipline::Fifo`.
    Fifo,
    /// Class 0 first, then class 1, ..., first come first served within a class (non-preemptive):
    /// `Discipline::Priority` with the class as the priority.
    ByClass,
    /// Last come, first served (non-preemptive), which the kernel does not offer:
    /// `Discipline::Priority` with minus the arrival number as the priority, so the latest
    /// arrival is always first.
    Lifo,
}

impl Order {
    pub fn discipline(self) -> Discipline {
        match self {
            Order::Fifo => Discipline::Fifo,
            Order::ByClass | Order::Lifo => Discipline::Priority,
        }
    }

    fn priority(self, class: usize, arrival: u64) -> i64 {
        match self {
            Order::Fifo => 0,
            Order::ByClass => class as i64,
            Order::Lifo => -(arrival as i64),
        }
    }
}

/// Classes of customers: Poisson arrivals at `lambda[k]`, exponential services of mean
/// `mean_service[k]`.
#[derive(Debug, Clone)]
pub struct Classes {
    pub lambda: Vec<f64>,
    pub mean_service: Vec<f64>,
}

/// What one replication measured.
#[derive(Debug, Clone, Default)]
pub struct Waits {
    /// The wait in queue of each customer who arrived in the window, by class.
    pub by_class: Vec<Vec<f64>>,
    /// The sum of the waits of every customer since time 0, warm-up included.
    pub total_wait: f64,
    /// Customers in service, time-averaged over the window.
    pub in_service: f64,
}

impl Waits {
    pub fn mean(&self, class: usize) -> f64 {
        let w = &self.by_class[class];
        w.iter().sum::<f64>() / w.len() as f64
    }
    /// The fraction of customers of `class` who waited more than `t`.
    pub fn above(&self, class: usize, t: f64) -> f64 {
        let w = &self.by_class[class];
        w.iter().filter(|x| **x > t).count() as f64 / w.len() as f64
    }
    pub fn mean_square(&self, class: usize) -> f64 {
        let w = &self.by_class[class];
        w.iter().map(|x| x * x).sum::<f64>() / w.len() as f64
    }
}

enum Ev {
    Arrive(usize),
    Done,
    Warm,
}

struct Queueing<S> {
    station: S,
    order: Order,
    classes: Classes,
    arrivals: Vec<ChaCha8Rng>,
    services: Vec<ChaCha8Rng>,
    class_of: Vec<usize>,
    born: Vec<f64>,
    warm_at: f64,
    end: f64,
    waits: Waits,
    in_service: TimeAverage,
}

impl<S: Station> Queueing<S> {
    fn start(&mut self, s: &mut Scheduler<Ev>, who: u64, waited: f64) {
        let class = self.class_of[who as usize];
        self.waits.total_wait += waited;
        if self.born[who as usize] >= self.warm_at {
            self.waits.by_class[class].push(waited);
        }
        let d = Dist::Exponential {
            mean: self.classes.mean_service[class],
        }
        .sample(&mut self.services[class]);
        s.schedule_in(d, Ev::Done);
    }
}

impl<S: Station> Model for Queueing<S> {
    type Event = Ev;
    fn handle(&mut self, s: &mut Scheduler<Ev>, e: Ev) {
        let now = s.now().0;
        match e {
            Ev::Warm => self.in_service = TimeAverage::new(now, self.station.in_service()),
            // Arrivals stop at the end of the window; those in the system are served, so no
            // wait is cut short.
            Ev::Arrive(_) if now >= self.end => {}
            Ev::Arrive(class) => {
                let gap = Dist::Exponential {
                    mean: 1.0 / self.classes.lambda[class],
                }
                .sample(&mut self.arrivals[class]);
                s.schedule_in(gap, Ev::Arrive(class));
                let who = self.born.len() as u64;
                self.born.push(now);
                self.class_of.push(class);
                let priority = self.order.priority(class, who);
                if let Some(who) = self.station.arrive(now, who, priority) {
                    self.start(s, who, 0.0);
                }
                self.in_service.set(now, self.station.in_service());
            }
            Ev::Done => {
                for (who, waited) in self.station.depart(now) {
                    self.start(s, who, waited);
                }
                self.in_service.set(now, self.station.in_service());
            }
        }
    }
}

/// Runs replication `r` of `classes` at `station` in `order`: arrivals from 0 to
/// `warmup + length`, waits measured for those who arrive after `warmup`.
pub fn run<S: Station>(
    classes: &Classes,
    order: Order,
    station: S,
    seed: u64,
    r: u64,
    warmup: f64,
    length: f64,
) -> Waits {
    let streams = Streams::new(seed).replication(r);
    let k = classes.lambda.len();
    let end = warmup + length;
    let model = Queueing {
        station,
        order,
        classes: classes.clone(),
        arrivals: (0..k)
            .map(|i| streams.stream(&format!("arrivals-{i}")))
            .collect(),
        services: (0..k)
            .map(|i| streams.stream(&format!("service-{i}")))
            .collect(),
        class_of: Vec::new(),
        born: Vec::new(),
        warm_at: warmup,
        end,
        waits: Waits {
            by_class: vec![Vec::new(); k],
            ..Waits::default()
        },
        in_service: TimeAverage::new(0.0, 0.0),
    };
    let mut sim = Simulation::new(model);
    for class in 0..k {
        sim.schedule_at(Time(0.0), Ev::Arrive(class));
    }
    sim.schedule_at(Time(warmup), Ev::Warm);
    sim.run_until(Time(end));
    let in_service = sim.model().in_service.mean(end);
    sim.run_until(Time(f64::MAX));
    let mut waits = sim.into_model().waits;
    waits.in_service = in_service;
    waits
}

/// `n` replications in parallel, each on a fresh station from `station`.
pub fn replications<S: Station>(
    classes: &Classes,
    order: Order,
    station: impl Fn() -> S + Sync,
    n: u64,
    warmup: f64,
    length: f64,
) -> Vec<Waits> {
    use rayon::prelude::*;
    (0..n)
        .into_par_iter()
        .map(|r| run(classes, order, station(), 2017, r, warmup, length))
        .collect()
}

/// One figure per replication.
pub fn column(runs: &[Waits], f: impl Fn(&Waits) -> f64) -> Vec<f64> {
    runs.iter().map(f).collect()
}
