//! The whole model configured down to a single queue: A&E as an M/M/c queue (Poisson arrivals,
//! exponential assessments, c clinicians, nobody admitted), checked against queueing theory.

use twin::Scenario;

/// The baseline reduced to A&E alone: `lambda` arrivals an hour, `c` clinicians, exponential
/// assessments of mean 1 hour.
fn single_queue(lambda_per_hour: f64, c: u32) -> Scenario {
    let text = format!(
        "extends = \"stoke-2017\"\nname = \"mmc\"\ndescription = \"A&E as M/M/{c}\"\n\
[run]\nwarmup_days = 5\ndays = 120\ncooldown_days = 1\n\
[population]\naged_65_74 = 0\naged_75_84 = 0\naged_85_plus = 0\n\
[crisis]\nwinter_factor = 1.0\nper_year = [0.0, 0.0, 0.0]\ncare_home_per_year = 0.0\n\
[ae]\nclinicians_day = {c}\nclinicians_night = {c}\nbackground_per_day = {}\nbackground_admit = 0.0\n\
background_assessment_hours = {{ dist = \"exponential\", mean = 1.0 }}\n\
[hospital]\nelective_per_day = 0.0\n\
[discharge]\nexisting_home_care_packages = 0\n",
        lambda_per_hour * 24.0
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mmc.toml");
    std::fs::write(&path, text).unwrap();
    let mut s = Scenario::load(path.to_str().unwrap()).unwrap();
    // Flat arrivals: no weekly or hourly profile.
    s.crisis.weekly = None;
    s.crisis.hourly = None;
    s
}

/// Share of attendances within 4 hours, over replications: (mean, 99% half-width).
fn within_4h(s: &Scenario, reps: u64) -> (f64, f64) {
    use rayon::prelude::*;
    let v: Vec<f64> = (0..reps)
        .into_par_iter()
        .map(|r| {
            twin::replicate(s, 99, r, None)
                .report
                .value("ae_4h_pct")
                .unwrap()
                / 100.0
        })
        .collect();
    let st = sim_kernel::stats::summarise(&v);
    (st.mean, (st.ci95.1 - st.mean) * 1.38)
}

fn erlang_c(c: u32, a: f64) -> f64 {
    let b = (1..=c).fold(1.0, |b, k| a * b / (f64::from(k) + a * b));
    let rho = a / f64::from(c);
    b / (1.0 - rho + rho * b)
}

#[test]
fn ae_as_mm1_matches_the_sojourn_time_distribution() {
    // M/M/1, lambda 0.8, mu 1 an hour: time in A&E ~ Exp(mu - lambda); P(T <= 4) = 1 - e^-0.8.
    let (mean, half) = within_4h(&single_queue(0.8, 1), 12);
    let theory = 1.0 - (-0.8f64).exp();
    eprintln!("M/M/1 A&E within 4h: simulated {mean:.4} ± {half:.4} (99%), theory {theory:.4}");
    assert!(
        (mean - theory).abs() <= half,
        "simulated {mean:.4} ± {half:.4}, theory {theory:.4}"
    );
}

#[test]
fn ae_as_mm3_matches_erlang_c() {
    // M/M/3, lambda 2.4, mu 1: wait W ~ 0 with prob 1 - C, else Exp(beta), beta = c mu - lambda;
    // T = W + S with S ~ Exp(mu).
    let (c, lambda, mu) = (3u32, 2.4, 1.0);
    let pc = erlang_c(c, lambda / mu);
    let beta = f64::from(c) * mu - lambda;
    let t = 4.0;
    let tail = (1.0 - pc) * (-mu * t).exp()
        + pc * (mu * (-beta * t).exp() - beta * (-mu * t).exp()) / (mu - beta);
    let theory = 1.0 - tail;
    let (mean, half) = within_4h(&single_queue(lambda, c), 12);
    eprintln!("M/M/3 A&E within 4h: simulated {mean:.4} ± {half:.4} (99%), theory {theory:.4}");
    assert!(
        (mean - theory).abs() <= half,
        "simulated {mean:.4} ± {half:.4}, theory {theory:.4}"
    );
}
