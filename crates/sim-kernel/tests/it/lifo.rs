//! A check that tells first come first served from last come first served.
//!
//! In M/M/1 every work-conserving order that ignores service times has the same mean wait, so
//! the mean (which the other checks compare) cannot tell a LIFO queue from a FIFO one. The wait
//! distribution can: first come first served, `P(Wq > t) = rho e^{-(mu - lambda) t}` and
//! `E[Wq^2] = 2 rho / (mu - lambda)^2`. Last come first served, a customer who waits waits a
//! busy period: mostly short, sometimes very long (`E[Wq^2]` is `1 / (1 - rho)` times larger).

use crate::confidence::Figures;
use crate::station::{column, replications, Classes, Order, Waits};
use sim_kernel::Resource;

const LAMBDA: f64 = 0.8;
const MU: f64 = 1.0;

fn mm1(order: Order) -> Vec<Waits> {
    let classes = Classes {
        lambda: vec![LAMBDA],
        mean_service: vec![1.0 / MU],
    };
    let server = || Resource::new(1, order.discipline());
    replications(&classes, order, server, 30, 2_000.0, 20_000.0)
}

/// The waits of `runs` against the first-come-first-served law of M/M/1.
fn fifo_wait_law(title: &str, runs: &[Waits]) -> Figures {
    let rho = LAMBDA / MU;
    let mut f = Figures::new(title);
    for t in [0.0, 1.0, 5.0, 10.0, 20.0] {
        f.add(
            &format!("P(Wq > {t})"),
            column(runs, |m| m.above(0, t)),
            rho * (-(MU - LAMBDA) * t).exp(),
        );
    }
    f.add(
        "E[Wq^2]",
        column(runs, |m| m.mean_square(0)),
        2.0 * rho / (MU - LAMBDA).powi(2),
    );
    f
}

#[test]
fn the_wait_distribution_tells_fifo_from_lifo() {
    let fifo = mm1(Order::Fifo);
    fifo_wait_law("M/M/1 FIFO", &fifo).assert_all();

    let lifo = mm1(Order::Lifo);
    let failed = fifo_wait_law("M/M/1 LIFO", &lifo).failures();
    // A customer waits or not alike in both (P(Wq > 0) = rho), but LIFO's tail is wrong.
    assert!(failed.len() >= 4, "LIFO passed the FIFO law: {failed:#?}");

    // The mean cannot tell them apart: with the same arrivals and the same sequence of service
    // times, the total wait is the same in each replication (up to rounding), and both pass
    // the check of the mean against theory, Wq = rho / (mu - lambda) = 4.
    for (f, l) in fifo.iter().zip(&lifo) {
        assert!(
            (f.total_wait - l.total_wait).abs() <= 1e-9 * f.total_wait,
            "{} vs {}",
            f.total_wait,
            l.total_wait
        );
    }
    let wq = LAMBDA / MU / (MU - LAMBDA);
    for (order, runs) in [("FIFO", &fifo), ("LIFO", &lifo)] {
        Figures::new(&format!("M/M/1 {order} mean"))
            .add("Wq", column(runs, |m| m.mean(0)), wq)
            .assert_all();
    }
}
