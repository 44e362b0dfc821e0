//! Servers on a rota against theory: M/M/c whose servers alternate between 2 and 4 every 10
//! time units (lambda 2.4, mu 1). With 2 servers the queue is overloaded, so no stationary
//! M/M/c describes that phase, and the phases are too short to settle anyway: theory is the
//! exact periodic solution of the Markov chain of (customers, busy servers), computed by
//! uniformisation, with the kernel's rule that a lowered capacity evicts nobody in service.

use crate::confidence::Figures;
use rand_chacha::ChaCha8Rng;
use sim_kernel::{Discipline, Dist, Model, Resource, Scheduler, Simulation, Streams, Time};

const LAMBDA: f64 = 2.4;
const MU: f64 = 1.0;
/// (duration, servers): 2 servers for 10 (load 1.2), then 4 for 10 (load 0.6).
const PHASES: [(f64, u32); 2] = [(10.0, 2), (10.0, 4)];
const PERIOD: f64 = 20.0;
const WARMUP_PERIODS: u32 = 20;
const PERIODS: u32 = 500;

/// What happens to those in service when the capacity changes.
#[derive(Clone, Copy, PartialEq)]
enum OnChange {
    /// The kernel's rule: those in service stay; waiters fill any free unit.
    Keep,
    /// The rule the kernel does not follow: those above a lowered capacity go back to the
    /// queue.
    Evict,
}

/// The Markov chain of (customers n, busy servers b), n up to `top`.
struct Chain {
    top: usize,
    most: usize,
    rate: f64,
}

impl Chain {
    fn new() -> Self {
        let most = PHASES.iter().map(|p| p.1).max().unwrap() as usize;
        Chain {
            top: 150,
            most,
            rate: LAMBDA + most as f64 * MU,
        }
    }
    fn ix(&self, n: usize, b: usize) -> usize {
        n * (self.most + 1) + b
    }
    fn states(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        (0..=self.top).flat_map(move |n| (0..=n.min(self.most)).map(move |b| (n, b)))
    }

    /// `p` times the uniformised transition matrix with `c` servers, as the kernel acts: an
    /// arrival starts at once if a unit is free and nobody waits; a departure hands its
    /// unit to the next waiter if busy is then below capacity.
    fn step(&self, p: &[f64], c: usize, out: &mut [f64]) {
        out.iter_mut().for_each(|x| *x = 0.0);
        for (n, b) in self.states() {
            let x = p[self.ix(n, b)];
            if x == 0.0 {
                continue;
            }
            let arrive = if n < self.top { LAMBDA } else { 0.0 };
            let depart = b as f64 * MU;
            out[self.ix(n, b)] += x * (1.0 - (arrive + depart) / self.rate);
            if arrive > 0.0 {
                let b1 = if b < c && n == b { b + 1 } else { b };
                out[self.ix(n + 1, b1)] += x * arrive / self.rate;
            }
            if depart > 0.0 {
                let (n1, mut b1) = (n - 1, b - 1);
                if b1 < c && n1 > b1 {
                    b1 += 1;
                }
                out[self.ix(n1, b1)] += x * depart / self.rate;
            }
        }
    }

    /// The capacity becomes `c`.
    fn change(&self, p: &[f64], c: usize, rule: OnChange) -> Vec<f64> {
        let mut out = vec![0.0; p.len()];
        for (n, b) in self.states() {
            let b1 = match rule {
                OnChange::Keep => b.max(n.min(c)),
                OnChange::Evict => n.min(c),
            };
            out[self.ix(n, b1)] += p[self.ix(n, b)];
        }
        out
    }

    /// Runs `p` for `d` with `c` servers; returns the time integral of `p` over `d`.
    fn evolve(&self, p: &mut Vec<f64>, c: usize, d: f64) -> Vec<f64> {
        let mut integral = vec![0.0; p.len()];
        // Steps short enough that the Poisson weights neither underflow nor need many terms.
        let steps = (self.rate * d / 8.0).ceil() as usize;
        let h = d / steps as f64;
        let mut v = p.clone();
        let mut next = vec![0.0; p.len()];
        for _ in 0..steps {
            // p(t + s) = sum_k Poisson(k; rate s) p P^k, and the integral of the Poisson
            // weight over [0, h] is P(N(rate h) > k) / rate.
            let mean = self.rate * h;
            let mut w = (-mean).exp();
            let mut below = 0.0;
            let mut end = vec![0.0; p.len()];
            v.copy_from_slice(p);
            for k in 0.. {
                below += w;
                let above = (1.0 - below).max(0.0) / self.rate;
                for i in 0..v.len() {
                    end[i] += w * v[i];
                    integral[i] += above * v[i];
                }
                if k as f64 > mean && w < 1e-18 {
                    break;
                }
                self.step(&v, c, &mut next);
                std::mem::swap(&mut v, &mut next);
                w *= mean / (k + 1) as f64;
            }
            *p = end;
        }
        integral
    }

    fn mean(&self, p: &[f64], f: impl Fn(usize, usize) -> f64) -> f64 {
        self.states().map(|(n, b)| f(n, b) * p[self.ix(n, b)]).sum()
    }
}

/// Per phase, the exact time-averaged number waiting and number busy in the periodic
/// steady state; and how far from it the chain still is after the warm-up, started empty.
fn theory(rule: OnChange) -> (Vec<(f64, f64)>, f64) {
    let chain = Chain::new();
    let mut p = vec![0.0; chain.ix(chain.top, chain.most) + 1];
    p[0] = 1.0;
    // The distribution at the start of each period, from empty at 0.
    let mut starts = vec![p.clone()];
    loop {
        let mut per_phase = Vec::new();
        for (d, c) in PHASES {
            p = chain.change(&p, c as usize, rule);
            let integral = chain.evolve(&mut p, c as usize, d);
            let waiting = chain.mean(&integral, |n, b| (n - b) as f64) / d;
            let busy = chain.mean(&integral, |_, b| b as f64) / d;
            per_phase.push((waiting, busy));
        }
        let last = starts.last().expect("one at least");
        let change: f64 = p.iter().zip(last).map(|(a, b)| (a - b).abs()).sum();
        starts.push(p.clone());
        if change < 1e-14 && starts.len() > WARMUP_PERIODS as usize {
            // Truncation: the chain almost never reaches `top` (an error of that order in
            // the means is far below what replications can see).
            let at_top: f64 = (0..=chain.most).map(|b| p[chain.ix(chain.top, b)]).sum();
            assert!(at_top < 1e-12, "{at_top}");
            let warm = &starts[WARMUP_PERIODS as usize];
            let gap = p.iter().zip(warm).map(|(a, b)| (a - b).abs()).sum();
            return (per_phase, gap);
        }
        assert!(starts.len() < 500, "no periodic steady state");
    }
}

enum Ev {
    Arrive,
    Done,
    Phase(usize),
}

struct Shifts {
    servers: Resource<u64>,
    arrivals: ChaCha8Rng,
    services: ChaCha8Rng,
    born: Vec<f64>,
    warm_at: f64,
    end: f64,
    /// Per phase: sums of its time-averaged queue and busy servers, and how many.
    waiting: [f64; 2],
    busy: [f64; 2],
    seen: [u32; 2],
    wait_sum: f64,
    waited: u64,
}

impl Shifts {
    fn start(&mut self, s: &mut Scheduler<Ev>, who: u64, waited: f64) {
        if self.born[who as usize] >= self.warm_at {
            self.wait_sum += waited;
            self.waited += 1;
        }
        let d = Dist::Exponential { mean: 1.0 / MU }.sample(&mut self.services);
        s.schedule_in(d, Ev::Done);
    }
}

impl Model for Shifts {
    type Event = Ev;
    fn handle(&mut self, s: &mut Scheduler<Ev>, e: Ev) {
        let now = s.now().0;
        match e {
            Ev::Phase(i) => {
                let ended = (i + PHASES.len() - 1) % PHASES.len();
                if now - PHASES[ended].0 >= self.warm_at && now <= self.end {
                    self.waiting[ended] += self.servers.mean_queue(now);
                    self.busy[ended] += self.servers.mean_busy(now);
                    self.seen[ended] += 1;
                }
                self.servers.reset_stats(now);
                for (who, waited) in self.servers.set_capacity(now, PHASES[i].1) {
                    self.start(s, who, waited);
                }
                s.schedule_in(PHASES[i].0, Ev::Phase((i + 1) % PHASES.len()));
            }
            Ev::Arrive if now >= self.end => {}
            Ev::Arrive => {
                let gap = Dist::Exponential { mean: 1.0 / LAMBDA }.sample(&mut self.arrivals);
                s.schedule_in(gap, Ev::Arrive);
                let who = self.born.len() as u64;
                self.born.push(now);
                if let Some(who) = self.servers.request(now, who, 0) {
                    self.start(s, who, 0.0);
                }
            }
            Ev::Done => {
                if let Some((who, waited)) = self.servers.release(now) {
                    self.start(s, who, waited);
                }
            }
        }
    }
}

/// Per replication: waiting and busy in each phase, and the mean wait of those who arrived
/// after the warm-up.
fn replicate(r: u64) -> ([f64; 2], [f64; 2], f64) {
    let streams = Streams::new(2017).replication(r);
    let warm_at = f64::from(WARMUP_PERIODS) * PERIOD;
    let end = warm_at + f64::from(PERIODS) * PERIOD;
    let mut sim = Simulation::new(Shifts {
        servers: Resource::new(PHASES[0].1, Discipline::Fifo),
        arrivals: streams.stream("arrivals"),
        services: streams.stream("service"),
        born: Vec::new(),
        warm_at,
        end,
        waiting: [0.0; 2],
        busy: [0.0; 2],
        seen: [0; 2],
        wait_sum: 0.0,
        waited: 0,
    });
    sim.schedule_at(Time(0.0), Ev::Phase(0));
    sim.schedule_at(Time(0.0), Ev::Arrive);
    // After the last arrival, everyone still there is served.
    sim.run_until(Time(end + 10.0 * PERIOD));
    let m = sim.model();
    assert_eq!((m.servers.queue_len(), m.servers.busy()), (0, 0));
    assert_eq!(m.seen, [PERIODS; 2]);
    let per = |x: [f64; 2]| [0, 1].map(|i| x[i] / f64::from(m.seen[i]));
    (per(m.waiting), per(m.busy), m.wait_sum / m.waited as f64)
}

fn figures(title: &str, runs: &[([f64; 2], [f64; 2], f64)], theory: &[(f64, f64)]) -> Figures {
    let mut f = Figures::new(title);
    for (i, (waiting, busy)) in theory.iter().enumerate() {
        let c = PHASES[i].1;
        f.add(
            &format!("waiting, {c} servers"),
            runs.iter().map(|r| r.0[i]).collect(),
            *waiting,
        );
        f.add(
            &format!("busy, {c} servers"),
            runs.iter().map(|r| r.1[i]).collect(),
            *busy,
        );
    }
    // Little's law over the period: the mean wait is the mean number waiting over lambda.
    let waiting: f64 = theory
        .iter()
        .zip(PHASES)
        .map(|((w, _), (d, _))| w * d)
        .sum::<f64>()
        / PERIOD;
    f.add("Wq", runs.iter().map(|r| r.2).collect(), waiting / LAMBDA);
    f
}

#[test]
fn servers_on_a_rota_match_the_periodic_markov_chain() {
    let (keep, gap) = theory(OnChange::Keep);
    // Started empty, the chain is within 1e-6 (total variation) of its periodic steady
    // state by the end of the warm-up: the warm-up biases nothing measurable.
    eprintln!("distance from the periodic steady state after the warm-up: {gap:.1e}");
    assert!(gap < 1e-6, "{gap}");
    // Every customer is served in the end, so the servers average lambda / mu busy.
    let busy: f64 = keep.iter().map(|p| p.1).sum::<f64>() / 2.0;
    assert!((busy - LAMBDA / MU).abs() < 1e-9, "{busy}");

    use rayon::prelude::*;
    let runs: Vec<_> = (0..30).into_par_iter().map(replicate).collect();
    figures("2 and 4 servers, kernel's rule", &runs, &keep).assert_all();

    // The check can fail: theory for servers that evict on a fall does not pass.
    let (evict, _) = theory(OnChange::Evict);
    let failed = figures("2 and 4 servers, evicting", &runs, &evict).failures();
    assert!(!failed.is_empty());
}
