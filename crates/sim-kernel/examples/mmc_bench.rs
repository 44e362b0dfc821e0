//! Events per second of the kernel on an M/M/c queue (c = 3, lambda = 2.4, mu = 1.0, FIFO), for
//! the side-by-side benchmark against SimPy and Ciw (`bench/kernel_vs_simpy.sh`).
//!
//! ```text
//! cargo run --release -p sim-kernel --example mmc_bench -- [horizon] [seed]
//! ```
//!
//! Prints one line of JSON. `events` is `Simulation::handled()`: one calendar event per arrival
//! and one per service completion. `mean_wait` is the mean wait in queue of every customer who
//! started service before the horizon (no warm-up; Erlang C gives Wq = 1.0787).

use rand_chacha::ChaCha8Rng;
use sim_kernel::{Discipline, Dist, Model, Resource, Scheduler, Simulation, Streams, Time};
use std::time::Instant;

const SERVERS: u32 = 3;
const LAMBDA: f64 = 2.4;
const MU: f64 = 1.0;

enum Ev {
    Arrive,
    Done,
}

struct Mmc {
    servers: Resource<u64>,
    interarrival: Dist,
    service: Dist,
    arrivals: ChaCha8Rng,
    services: ChaCha8Rng,
    customers: u64,
    served: u64,
    wait_sum: f64,
}

impl Mmc {
    fn start_service(&mut self, s: &mut Scheduler<Ev>, waited: f64) {
        self.served += 1;
        self.wait_sum += waited;
        let d = self.service.sample(&mut self.services);
        s.schedule_in(d, Ev::Done);
    }
}

impl Model for Mmc {
    type Event = Ev;
    fn handle(&mut self, s: &mut Scheduler<Ev>, e: Ev) {
        let now = s.now().0;
        match e {
            Ev::Arrive => {
                let gap = self.interarrival.sample(&mut self.arrivals);
                s.schedule_in(gap, Ev::Arrive);
                let c = self.customers;
                self.customers += 1;
                if self.servers.request(now, c, 0).is_some() {
                    self.start_service(s, 0.0);
                }
            }
            Ev::Done => {
                if let Some((_next, waited)) = self.servers.release(now) {
                    self.start_service(s, waited);
                }
            }
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let horizon: f64 = args
        .next()
        .map(|a| {
            a.replace(['_', ','], "")
                .parse()
                .expect("horizon: a number")
        })
        .unwrap_or(1_000_000.0);
    let seed: u64 = args
        .next()
        .map(|a| a.parse().expect("seed: a whole number"))
        .unwrap_or(2017);

    let streams = Streams::new(seed);
    let interarrival = Dist::Exponential { mean: 1.0 / LAMBDA };
    let service = Dist::Exponential { mean: 1.0 / MU };
    interarrival.validate().expect("valid interarrival");
    service.validate().expect("valid service");
    let model = Mmc {
        servers: Resource::new(SERVERS, Discipline::Fifo),
        interarrival,
        service,
        arrivals: streams.stream("arrivals"),
        services: streams.stream("service"),
        customers: 0,
        served: 0,
        wait_sum: 0.0,
    };

    let t0 = Instant::now();
    let mut sim = Simulation::new(model);
    sim.schedule_at(Time(0.0), Ev::Arrive);
    sim.run_until(Time(horizon));
    let seconds = t0.elapsed().as_secs_f64();

    let events = sim.handled();
    let m = sim.model();
    let mean_wait = m.wait_sum / m.served.max(1) as f64;
    println!(
        "{{\"engine\":\"sim-kernel\",\"horizon\":{horizon},\"seed\":{seed},\"customers\":{},\
         \"served\":{},\"events\":{events},\"seconds\":{seconds:.6},\"events_per_second\":{:.1},\
         \"customers_per_second\":{:.1},\"mean_wait\":{mean_wait:.6},\
         \"events_definition\":\"Simulation::handled(): one calendar event per arrival and one per service completion\"}}",
        m.customers,
        m.served,
        events as f64 / seconds,
        m.customers as f64 / seconds,
    );
}
