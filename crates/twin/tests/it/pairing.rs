//! Common random numbers that pair: each person draws from their own streams, so one more
//! social worker changes waits, not who falls ill. The paired 95% CI of the difference in
//! delays (baseline vs one more social worker) is at most half as wide as the unpaired one.

use sim_kernel::stats::{summarise, t975};
use twin::{replicate, Scenario};

const REPLICATIONS: u64 = 8;

fn delays(s: &Scenario) -> Vec<f64> {
    (0..REPLICATIONS)
        .map(|r| {
            let rep = replicate(s, 2017, r, None);
            rep.report
                .indicators
                .iter()
                .find(|i| i.id == "dtoc_delayed_days_per_100k")
                .and_then(|i| i.value)
                .expect("delays are measured")
        })
        .collect()
}

#[test]
fn one_more_social_worker_pairs_with_the_baseline() {
    let mut base = Scenario::load("stoke-2017").unwrap();
    // Half a year measured is enough to see the pairing, and keeps the test quick.
    base.run.days = 182;
    let mut more = base.clone();
    more.discharge.social_workers += 1;
    let (a, b) = (delays(&base), delays(&more));
    let n = a.len();
    let d: Vec<f64> = a.iter().zip(&b).map(|(x, y)| y - x).collect();
    let t = t975(n - 1);
    let paired = t * summarise(&d).sd / (n as f64).sqrt();
    let (sa, sb) = (summarise(&a).sd, summarise(&b).sd);
    let unpaired = t * ((sa * sa + sb * sb) / n as f64).sqrt();
    eprintln!("paired ±{paired:.3}, unpaired ±{unpaired:.3}; a {a:?}, b {b:?}");
    assert!(
        paired <= unpaired / 2.0,
        "paired ±{paired:.3} is more than half the unpaired ±{unpaired:.3}"
    );
}
