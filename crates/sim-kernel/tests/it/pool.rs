//! The pool (a divisible amount, such as hours of care a week).
//!
//! - With every request the same size, a pool of `c` requests' worth is M/M/c: against Erlang C,
//!   and wait for wait the same as a `Resource` of `c` units, even with amounts (0.1 of 0.3)
//!   that binary floating point cannot add up exactly.
//! - Random sequences of requests, releases, capacity changes, forced amounts and withdrawals
//!   against a reference: first come first served with nobody overtaking the head, nothing
//!   created or lost (what is used is what is held), nobody left waiting who fits.

use crate::confidence::Figures;
use crate::erlang_c;
use crate::station::{column, replications, Classes, Order, PoolStation};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sim_kernel::{Pool, Resource};
use std::collections::{BTreeMap, VecDeque};

#[test]
fn a_pool_of_equal_requests_is_an_mmc_queue() {
    // c = 3 requests of 0.1 in a pool of 0.3; lambda 2.4, mu 1 (a = 2.4, load 0.8).
    // Three requests fill the pool, though in binary floating point 0.1 + 0.1 + 0.1 > 0.3.
    let tenth = 0.1;
    assert!(tenth + tenth + tenth > 0.3);
    let classes = Classes {
        lambda: vec![2.4],
        mean_service: vec![1.0],
    };
    let pool = || PoolStation {
        pool: Pool::new(0.3),
        amount: 0.1,
    };
    let runs = replications(&classes, Order::Fifo, pool, 30, 1_000.0, 10_000.0);
    let (c, a) = (3, 2.4);
    let p_wait = erlang_c(c, a);
    let decay = f64::from(c) - a;
    let mut check = Figures::new("pool as M/M/3");
    check
        .add("Wq", column(&runs, |m| m.mean(0)), p_wait / decay)
        .add("P(Wq > 0)", column(&runs, |m| m.above(0, 0.0)), p_wait)
        .add(
            "P(Wq > 1)",
            column(&runs, |m| m.above(0, 1.0)),
            p_wait * (-decay).exp(),
        )
        .add(
            "requests served at once",
            column(&runs, |m| m.in_service),
            a,
        );
    check.assert_all();

    // The same arrivals and services at a resource of 3 units: the very same waits.
    let servers = || Resource::new(3, Order::Fifo.discipline());
    let units = replications(&classes, Order::Fifo, servers, 30, 1_000.0, 10_000.0);
    for (p, u) in runs.iter().zip(&units) {
        assert_eq!(p.by_class, u.by_class);
    }
}

/// The pool as its documentation describes it.
struct Reference {
    capacity: f64,
    held: BTreeMap<u64, f64>,
    /// (who, amount, since), in arrival order.
    queue: VecDeque<(u64, f64, f64)>,
}

impl Reference {
    fn used(&self) -> f64 {
        self.held.values().sum()
    }
    fn fits(&self, amount: f64) -> bool {
        self.used() + amount <= self.capacity + 1e-9
    }
    fn grant(&mut self, now: f64) -> Vec<(u64, f64)> {
        let mut out = Vec::new();
        while let Some(&(who, amount, since)) = self.queue.front() {
            if !self.fits(amount) {
                break;
            }
            self.queue.pop_front();
            self.held.insert(who, amount);
            out.push((who, now - since));
        }
        out
    }
}

#[test]
fn the_pool_is_first_come_first_served_and_loses_nothing() {
    for seed in 0..3 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut pool = Pool::new(10.0);
        let mut model = Reference {
            capacity: 10.0,
            held: BTreeMap::new(),
            queue: VecDeque::new(),
        };
        let mut now = 0.0;
        let mut next_id = 0u64;
        // Everyone let in by a request, in order: first come first served means in order of
        // arrival (a forced amount goes round the queue, and is not in it).
        let mut let_in = Vec::new();
        for _ in 0..20_000 {
            now += rng.gen_range(0.0..1.0);
            // Amounts like hours of care a week, not exact in binary.
            let amount = (rng.gen_range(0.1..4.0f64) * 100.0).round() / 100.0;
            match rng.gen_range(0..10) {
                0..=3 => {
                    let who = next_id;
                    next_id += 1;
                    let expected = if model.queue.is_empty() && model.fits(amount) {
                        model.held.insert(who, amount);
                        Some(who)
                    } else {
                        model.queue.push_back((who, amount, now));
                        None
                    };
                    assert_eq!(pool.request(now, who, amount), expected);
                    let_in.extend(expected);
                }
                4..=6 if !model.held.is_empty() => {
                    let i = rng.gen_range(0..model.held.len());
                    let who = *model.held.keys().nth(i).expect("in range");
                    let amount = model.held.remove(&who).expect("held");
                    let expected = model.grant(now);
                    let got = pool.release(now, amount);
                    assert_eq!(got, expected);
                    let_in.extend(got.iter().map(|g| g.0));
                }
                7 => {
                    let c = (rng.gen_range(0.0..12.0f64) * 4.0).round() / 4.0;
                    model.capacity = c;
                    let expected = model.grant(now);
                    let got = pool.set_capacity(now, c);
                    assert_eq!(got, expected);
                    let_in.extend(got.iter().map(|g| g.0));
                }
                8 => {
                    // Care already running: taken whether or not it fits, queue or no queue.
                    let who = next_id;
                    next_id += 1;
                    model.held.insert(who, amount);
                    pool.force(amount);
                }
                _ if !model.queue.is_empty() => {
                    let i = rng.gen_range(0..model.queue.len());
                    let (who, _, _) = model.queue.remove(i).expect("in range");
                    assert_eq!(pool.withdraw(|w| *w == who), Some(who));
                    // A withdrawal lets nobody in by itself; a release of nothing does.
                    let expected = model.grant(now);
                    let got = pool.release(now, 0.0);
                    assert_eq!(got, expected);
                    let_in.extend(got.iter().map(|g| g.0));
                }
                _ => {}
            }
            // Nothing created or lost.
            assert!(
                (pool.used() - model.used()).abs() < 1e-9,
                "{} {}",
                pool.used(),
                model.used()
            );
            assert_eq!(pool.capacity(), model.capacity);
            assert_eq!(pool.queue_len(), model.queue.len());
            // Nobody waits who would fit at the head of the queue.
            if let Some((_, head, _)) = model.queue.front() {
                assert!(!model.fits(*head));
            }
        }
        assert!(
            let_in.windows(2).all(|w| w[0] < w[1]),
            "not in arrival order"
        );
        assert!(let_in.len() > 2_000, "{}", let_in.len());
    }
}

#[test]
fn withdrawing_the_head_of_the_queue_lets_in_those_behind_on_the_next_release() {
    let mut p = Pool::new(20.0);
    assert_eq!(p.request(0.0, 'a', 15.0), Some('a'));
    assert_eq!(p.request(1.0, 'b', 10.0), None);
    assert_eq!(p.request(2.0, 'c', 2.0), None);
    // b leaves the queue: c would now fit, but `withdraw` cannot hand anyone a grant.
    assert_eq!(p.withdraw(|w| *w == 'b'), Some('b'));
    assert_eq!(p.queue_len(), 1);
    assert_eq!(p.release(3.0, 0.0), vec![('c', 1.0)]);
    assert_eq!(p.used(), 17.0);
}
