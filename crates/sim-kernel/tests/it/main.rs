//! The kernel against queueing theory: M/M/1 and M/M/c against Erlang C, M/M/c/c against
//! Erlang B, Little's law, a tandem line (a Jackson network), and blocking; servers on a rota
//! against the periodic Markov chain; the pool against M/M/c; priorities against Cobham's
//! formula; and the FIFO wait distribution, which a LIFO queue fails. Each figure is the mean
//! of independent replications; the theory must lie within its 99% confidence interval (for
//! several figures checked together, 99% for them all).

mod blocking;
mod confidence;
mod lifo;
mod pool;
mod priority;
mod queueing;
mod rota;
mod schedule;
mod station;

use rand_chacha::ChaCha8Rng;
use sim_kernel::stats::{summarise, TimeAverage};
use sim_kernel::{Discipline, Dist, Model, Resource, Scheduler, Simulation, Streams, Time};

/// A line of stations in series, each with `servers` servers fed by Poisson arrivals at rate
/// `lambda`; service exponential with rate `mu[k]`. With `loss`, a customer who finds every
/// server of the first station busy is lost (M/M/c/c).
pub struct Line {
    pub lambda: f64,
    pub mu: Vec<f64>,
    pub servers: Vec<u32>,
    pub loss: bool,
}

/// What one replication measured after its warm-up.
#[derive(Debug, Clone, Default)]
pub struct Measured {
    /// Mean wait in queue at each station.
    pub wait: Vec<f64>,
    /// Mean time in system of customers who completed.
    pub sojourn: f64,
    /// Time-averaged number in system.
    pub in_system: f64,
    /// Throughput: completions per unit time.
    pub throughput: f64,
    /// Fraction of arrivals lost.
    pub lost: f64,
    pub utilisation: Vec<f64>,
    pub events: u64,
}

pub enum Ev {
    Arrive,
    Done { station: usize, customer: u64 },
    Warm,
}

struct Sim {
    line: Line,
    stations: Vec<Resource<u64>>,
    arrivals: ChaCha8Rng,
    services: Vec<ChaCha8Rng>,
    born: Vec<f64>,
    next: u64,
    warm: bool,
    warm_at: f64,
    wait_sum: Vec<f64>,
    wait_n: Vec<u64>,
    sojourn_sum: f64,
    done: u64,
    arrived: u64,
    lost: u64,
    in_system: TimeAverage,
    n: f64,
}

impl Sim {
    fn serve(&mut self, s: &mut Scheduler<Ev>, station: usize, customer: u64, waited: f64) {
        if self.warm {
            self.wait_sum[station] += waited;
            self.wait_n[station] += 1;
        }
        let d = Dist::Exponential {
            mean: 1.0 / self.line.mu[station],
        }
        .sample(&mut self.services[station]);
        s.schedule_in(d, Ev::Done { station, customer });
    }
}

impl Model for Sim {
    type Event = Ev;
    fn handle(&mut self, s: &mut Scheduler<Ev>, e: Ev) {
        let now = s.now().0;
        match e {
            Ev::Warm => {
                self.warm = true;
                self.warm_at = now;
                for r in &mut self.stations {
                    r.reset_stats(now);
                }
                self.in_system = TimeAverage::new(now, self.n);
            }
            Ev::Arrive => {
                let gap = Dist::Exponential {
                    mean: 1.0 / self.line.lambda,
                }
                .sample(&mut self.arrivals);
                s.schedule_in(gap, Ev::Arrive);
                let c = self.next;
                self.next += 1;
                self.born.push(now);
                if self.warm {
                    self.arrived += 1;
                }
                if self.line.loss {
                    if self.stations[0].try_acquire(now) {
                        self.n += 1.0;
                        self.in_system.set(now, self.n);
                        self.serve(s, 0, c, 0.0);
                    } else if self.warm {
                        self.lost += 1;
                    }
                    return;
                }
                self.n += 1.0;
                self.in_system.set(now, self.n);
                if let Some(c) = self.stations[0].request(now, c, 0) {
                    self.serve(s, 0, c, 0.0);
                }
            }
            Ev::Done { station, customer } => {
                if let Some((next, waited)) = self.stations[station].release(now) {
                    self.serve(s, station, next, waited);
                }
                if station + 1 < self.stations.len() {
                    if let Some(c) = self.stations[station + 1].request(now, customer, 0) {
                        self.serve(s, station + 1, c, 0.0);
                    }
                } else {
                    self.n -= 1.0;
                    self.in_system.set(now, self.n);
                    if self.warm && self.born[customer as usize] >= self.warm_at {
                        self.sojourn_sum += now - self.born[customer as usize];
                        self.done += 1;
                    }
                }
            }
        }
    }
}

/// Runs replication `r` of `line` for `warmup + length` time units.
pub fn replicate(line: Line, seed: u64, r: u64, warmup: f64, length: f64) -> Measured {
    let streams = Streams::new(seed).replication(r);
    let k = line.mu.len();
    let stations = line
        .servers
        .iter()
        .map(|c| Resource::new(*c, Discipline::Fifo))
        .collect();
    let model = Sim {
        stations,
        arrivals: streams.stream("arrivals"),
        services: (0..k)
            .map(|i| streams.stream(&format!("service-{i}")))
            .collect(),
        line,
        born: Vec::new(),
        next: 0,
        warm: false,
        warm_at: 0.0,
        wait_sum: vec![0.0; k],
        wait_n: vec![0; k],
        sojourn_sum: 0.0,
        done: 0,
        arrived: 0,
        lost: 0,
        in_system: TimeAverage::new(0.0, 0.0),
        n: 0.0,
    };
    let mut sim = Simulation::new(model);
    sim.schedule_at(Time(0.0), Ev::Arrive);
    sim.schedule_at(Time(warmup), Ev::Warm);
    let end = warmup + length;
    sim.run_until(Time(end));
    let events = sim.handled();
    let m = sim.into_model();
    Measured {
        wait: m
            .wait_sum
            .iter()
            .zip(&m.wait_n)
            .map(|(s, n)| s / (*n).max(1) as f64)
            .collect(),
        sojourn: m.sojourn_sum / m.done.max(1) as f64,
        in_system: m.in_system.mean(end),
        throughput: m.done as f64 / length,
        lost: m.lost as f64 / m.arrived.max(1) as f64,
        utilisation: m.stations.iter().map(|s| s.utilisation(end)).collect(),
        events,
    }
}

/// Replications of one configuration, in parallel; the same seed gives the same figures.
pub fn replications(
    make: impl Fn() -> Line + Sync,
    n: u64,
    warmup: f64,
    length: f64,
) -> Vec<Measured> {
    use rayon::prelude::*;
    (0..n)
        .into_par_iter()
        .map(|r| replicate(make(), 2017, r, warmup, length))
        .collect()
}

/// Asserts that `theory` lies within the 99% confidence interval of the replications' mean.
#[track_caller]
pub fn within(what: &str, values: &[f64], theory: f64) {
    let s = summarise(values);
    // The 99% interval is about 1.38 times the 95% one for 20-40 replications.
    let half = (s.ci95.1 - s.mean) * 1.38;
    assert!(
        (s.mean - theory).abs() <= half,
        "{what}: simulated {:.4} ± {:.4} (99%), theory {theory:.4}",
        s.mean,
        half
    );
    eprintln!(
        "{what}: simulated {:.4} ± {:.4} (99%), theory {theory:.4}",
        s.mean, half
    );
}

/// Erlang C: probability of waiting in M/M/c with offered load `a = lambda / mu`.
pub fn erlang_c(c: u32, a: f64) -> f64 {
    let b = erlang_b(c, a);
    let rho = a / f64::from(c);
    b / (1.0 - rho + rho * b)
}

/// Erlang B: probability of loss in M/M/c/c with offered load `a`.
pub fn erlang_b(c: u32, a: f64) -> f64 {
    (1..=c).fold(1.0, |b, k| a * b / (f64::from(k) + a * b))
}
