//! The priority queue against Cobham's formula for non-preemptive priorities.
//!
//! Class `k` (0 first) waits on average `W_k = W0 / ((1 - s_{k-1}) (1 - s_k))`, where `s_k` is
//! the load of classes 0 to `k` and `W0` the mean work in service an arrival finds:
//! `sum lambda_i E[S_i^2] / 2` on one server (M/G/1), and `C(c, a) / (c mu)` on `c` servers
//! with one exponential service rate `mu` for every class (M/M/c, Erlang C).

use crate::confidence::Figures;
use crate::erlang_c;
use crate::station::{column, replications, Classes, Order, Waits};
use sim_kernel::Resource;

/// Cobham's mean waits, one per class, given `w0` and each class's load on the whole station.
fn cobham(w0: f64, load: &[f64]) -> Vec<f64> {
    let mut below = 0.0;
    load.iter()
        .map(|l| {
            let w = w0 / ((1.0 - below) * (1.0 - below - l));
            below += l;
            w
        })
        .collect()
}

/// Compares each class's mean wait with `theory`.
fn per_class_waits(title: &str, runs: &[Waits], theory: &[f64]) -> Figures {
    let mut f = Figures::new(title);
    for (k, w) in theory.iter().enumerate() {
        f.add(&format!("class {k} Wq"), column(runs, |m| m.mean(k)), *w);
    }
    f
}

#[test]
fn two_classes_on_one_server_match_cobham() {
    // Class 0: lambda 0.4, mean service 0.5 (load 0.2); class 1: lambda 0.6, mean 1 (load 0.6).
    // Exponential: E[S^2] = 2 mean^2, so W0 = 0.4 * 0.5^2 + 0.6 * 1^2 = 0.7.
    // W_0 = 0.7 / 0.8 = 0.875 and W_1 = 0.7 / (0.8 * 0.2) = 4.375 (first come first served
    // would give both 0.7 / 0.2 = 3.5).
    let classes = Classes {
        lambda: vec![0.4, 0.6],
        mean_service: vec![0.5, 1.0],
    };
    let w0: f64 = classes
        .lambda
        .iter()
        .zip(&classes.mean_service)
        .map(|(l, m)| l * m * m)
        .sum();
    let theory = cobham(w0, &[0.2, 0.6]);
    assert!((theory[0] - 0.875).abs() < 1e-12 && (theory[1] - 4.375).abs() < 1e-12);
    let one_server = || Resource::new(1, Order::ByClass.discipline());
    let runs = replications(&classes, Order::ByClass, one_server, 30, 2_000.0, 20_000.0);
    let mut check = per_class_waits("M/M/1 by class", &runs, &theory);
    check.add(
        "server busy",
        column(&runs, |m| m.in_service),
        classes.lambda[0] * 0.5 + classes.lambda[1] * 1.0,
    );
    check.assert_all();

    // The check can fail: the same queue served first come first served does not pass it.
    let one_server = || Resource::new(1, Order::Fifo.discipline());
    let fifo = replications(&classes, Order::Fifo, one_server, 30, 2_000.0, 20_000.0);
    let failed = per_class_waits("M/M/1 first come first served", &fifo, &theory).failures();
    assert_eq!(failed.len(), 2, "{failed:#?}");
}

#[test]
fn three_classes_on_three_servers_match_cobham() {
    // c = 3, mu = 1, lambda = 0.6, 0.9, 0.9 (a = 2.4, load 0.8): W0 = C(3, 2.4) / 3.
    let classes = Classes {
        lambda: vec![0.6, 0.9, 0.9],
        mean_service: vec![1.0; 3],
    };
    let w0 = erlang_c(3, 2.4) / 3.0;
    let theory = cobham(w0, &[0.2, 0.3, 0.3]);
    // Their weighted mean is the first-come-first-served wait, Erlang C's C / (c mu - lambda).
    let mean: f64 = theory
        .iter()
        .zip(&classes.lambda)
        .map(|(w, l)| w * l)
        .sum::<f64>()
        / 2.4;
    assert!((mean - erlang_c(3, 2.4) / 0.6).abs() < 1e-12, "{mean}");
    let servers = || Resource::new(3, Order::ByClass.discipline());
    let runs = replications(&classes, Order::ByClass, servers, 30, 1_000.0, 10_000.0);
    per_class_waits("M/M/3 by class", &runs, &theory).assert_all();
}
