use crate::*;

#[test]
fn mm1_waits_and_utilisation() {
    // lambda 0.8, mu 1: rho 0.8, Wq = rho / (mu - lambda) = 4, W = 5, L = 4.
    let runs = replications(
        || Line {
            lambda: 0.8,
            mu: vec![1.0],
            servers: vec![1],
            loss: false,
        },
        30,
        2_000.0,
        20_000.0,
    );
    let col = |f: &dyn Fn(&Measured) -> f64| runs.iter().map(f).collect::<Vec<_>>();
    within("M/M/1 Wq", &col(&|m| m.wait[0]), 4.0);
    within("M/M/1 utilisation", &col(&|m| m.utilisation[0]), 0.8);
    within("M/M/1 W", &col(&|m| m.sojourn), 5.0);
    within("M/M/1 L", &col(&|m| m.in_system), 4.0);
}

#[test]
fn mmc_waits_match_erlang_c() {
    // c = 3, lambda 2.4, mu 1: a = 2.4, rho = 0.8.
    let (c, lambda, mu) = (3u32, 2.4, 1.0);
    let a = lambda / mu;
    let wq = erlang_c(c, a) / (f64::from(c) * mu - lambda);
    assert!(
        (erlang_c(c, a) - 0.647_191).abs() < 1e-5,
        "{}",
        erlang_c(c, a)
    );
    let runs = replications(
        move || Line {
            lambda,
            mu: vec![mu],
            servers: vec![c],
            loss: false,
        },
        30,
        2_000.0,
        20_000.0,
    );
    within(
        "M/M/3 Wq",
        &runs.iter().map(|m| m.wait[0]).collect::<Vec<_>>(),
        wq,
    );
    within(
        "M/M/3 utilisation",
        &runs.iter().map(|m| m.utilisation[0]).collect::<Vec<_>>(),
        0.8,
    );
}

#[test]
fn mmcc_losses_match_erlang_b() {
    // c = 5, a = 4: B(5, 4) = 0.199 (Erlang B).
    let b = erlang_b(5, 4.0);
    assert!((b - 0.199_067).abs() < 1e-5, "{b}");
    let runs = replications(
        || Line {
            lambda: 4.0,
            mu: vec![1.0],
            servers: vec![5],
            loss: true,
        },
        30,
        500.0,
        5_000.0,
    );
    within(
        "M/M/5/5 loss",
        &runs.iter().map(|m| m.lost).collect::<Vec<_>>(),
        b,
    );
    // Carried load a (1 - B) over 5 servers.
    within(
        "M/M/5/5 utilisation",
        &runs.iter().map(|m| m.utilisation[0]).collect::<Vec<_>>(),
        4.0 * (1.0 - b) / 5.0,
    );
}

#[test]
fn littles_law_holds_in_a_tandem_line() {
    // Two stations in series (a Jackson network): each behaves as M/M/1 with the same lambda.
    // lambda 0.5, mu 1 and 0.8: W = 1/(1-0.5) + 1/(0.8-0.5) = 2 + 3.333.
    let runs = replications(
        || Line {
            lambda: 0.5,
            mu: vec![1.0, 0.8],
            servers: vec![1, 1],
            loss: false,
        },
        30,
        2_000.0,
        20_000.0,
    );
    let w = 1.0 / (1.0 - 0.5) + 1.0 / (0.8 - 0.5);
    within(
        "tandem W",
        &runs.iter().map(|m| m.sojourn).collect::<Vec<_>>(),
        w,
    );
    within(
        "tandem Wq at station 2",
        &runs.iter().map(|m| m.wait[1]).collect::<Vec<_>>(),
        (0.5 / 0.8) / (0.8 - 0.5),
    );
    // Little's law, within each replication: L = throughput x W, up to the customers already in
    // the system at the warm-up and still in it at the end (well under 1% over 20,000 units).
    for m in &runs {
        let gap = (m.in_system - m.throughput * m.sojourn).abs() / m.in_system;
        assert!(
            gap < 0.01,
            "L = {}, throughput x W = {}",
            m.in_system,
            m.throughput * m.sojourn
        );
    }
    within(
        "L",
        &runs.iter().map(|m| m.in_system).collect::<Vec<_>>(),
        0.5 * w,
    );
}

#[test]
fn the_same_seed_gives_the_same_run_on_any_thread() {
    let make = || Line {
        lambda: 0.8,
        mu: vec![1.0],
        servers: vec![1],
        loss: false,
    };
    let a = replicate(make(), 2017, 3, 100.0, 1_000.0);
    let b = std::thread::spawn(move || replicate(make(), 2017, 3, 100.0, 1_000.0))
        .join()
        .unwrap();
    assert_eq!(a.wait, b.wait);
    assert_eq!(a.events, b.events);
    let c = replicate(make(), 2017, 4, 100.0, 1_000.0);
    assert_ne!(a.wait, c.wait);
}
