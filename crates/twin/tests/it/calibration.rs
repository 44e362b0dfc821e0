//! Calibration: each 2017 figure over its own period, equal to what the indicator engine gives
//! over the run's exported log; the period matters where the model's seasons say it should; the
//! fit never reads a held-out figure.

use indicators::{BenchmarkSet, Context, JourneyFacts};
use std::sync::OnceLock;
use twin::calibration::{self, FigureSummary, Use, FIGURES, HELD_OUT};
use twin::{replicate, Replication, Scenario};

const SEED: u64 = 2017;
const REPLICATIONS: u64 = 3;

/// Three replications of the baseline (its whole run: the figures' periods span it), and
/// replication 0's log as `events.jsonl` lines.
fn runs() -> &'static (Vec<Replication>, Vec<String>) {
    static RUNS: OnceLock<(Vec<Replication>, Vec<String>)> = OnceLock::new();
    RUNS.get_or_init(|| {
        let s = Scenario::load("stoke-2017").unwrap();
        let mut lines = Vec::new();
        let mut keep = |e: &domain::Event| lines.push(journey_log::event_json(e, &[]));
        let mut runs = vec![replicate(&s, SEED, 0, Some(&mut keep))];
        runs.extend((1..REPLICATIONS).map(|r| replicate(&s, SEED, r, None)));
        (runs, lines)
    })
}

#[test]
fn each_figure_is_the_engines_over_the_exported_log_for_its_period() {
    let s = Scenario::load("stoke-2017").unwrap();
    let (runs, lines) = runs();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.jsonl");
    std::fs::write(&path, lines.join("\n")).unwrap();
    let (orgs, _) = twin::registers(&s);
    let mut facts = JourneyFacts::new();
    journey_log::LogReader::new(&orgs)
        .read(&[path], |l| facts.push(&l.parsed.event))
        .unwrap();
    let journeys = facts.finish();
    let benchmarks = BenchmarkSet::stoke_2017();
    for (i, f) in FIGURES.iter().enumerate() {
        assert!(calibration::covered(f, &s), "{} outside the run", f.id);
        // The register with the beds open over the figure's period (occupancy counts them).
        let beds = calibration::beds_open(&s, &runs[0].days, f.period());
        let (orgs, population) = twin::run::registers_with_beds(&s, beds);
        let ctx = Context {
            orgs: &orgs,
            population: &population,
            benchmarks: &benchmarks,
            zone: Default::default(),
        };
        let engine = journeys.report(f.period(), &ctx).value(f.id);
        assert!(engine.is_some(), "{}", f.id);
        assert_eq!(runs[0].calibration[i], engine, "{}", f.id);
    }
    // The section says the same periods and values.
    let measured: Vec<_> = runs.iter().map(|r| r.calibration.clone()).collect();
    let section = calibration::json(&calibration::summarise(&measured));
    let figures = section["figures"].as_array().unwrap();
    assert_eq!(figures.len(), FIGURES.len());
    for (j, f) in figures.iter().zip(FIGURES) {
        assert_eq!(j["id"], f.id);
        assert_eq!(j["period"]["from"], f.from);
        assert_eq!(j["period"]["to"], f.to);
        let mean = measured
            .iter()
            .map(|m| m[FIGURES.iter().position(|g| g.id == f.id).unwrap()].unwrap())
            .sum::<f64>()
            / measured.len() as f64;
        assert!(
            (j["mean"].as_f64().unwrap() - mean).abs() < 1e-9,
            "{}",
            f.id
        );
        assert_eq!(j["use"], f.use_.as_str());
    }
}

#[test]
fn delays_over_february_to_april_are_not_the_years() {
    let s = Scenario::load("stoke-2017").unwrap();
    let (runs, _) = runs();
    let at = |id: &str| FIGURES.iter().position(|f| f.id == id).unwrap();
    let dtoc = at("dtoc_delayed_days_per_100k");
    let admissions = at("emergency_admissions_65_per_100k");
    assert_eq!(
        (FIGURES[dtoc].from, FIGURES[dtoc].to),
        ("2017-02-01", "2017-05-01")
    );
    assert_ne!(FIGURES[dtoc].period(), twin::period(&s));
    let (mut feb_apr, mut year) = (0.0, 0.0);
    for r in runs {
        let y = r.report.value("dtoc_delayed_days_per_100k").unwrap();
        let f = r.calibration[dtoc].unwrap();
        assert_ne!(f, y);
        feb_apr += f;
        year += y;
        // Crises are 20% more frequent from December to February: January to March admits
        // more than the year does, in every replication.
        let q1 = r.calibration[admissions].unwrap();
        let all = r.report.value("emergency_admissions_65_per_100k").unwrap();
        assert!(
            q1 > all * 1.03,
            "January to March {q1:.1}, the year {all:.1}"
        );
    }
    // The end of winter, when the home care queue has built up, delays more than the year.
    assert!(
        feb_apr > year,
        "February to April {feb_apr:.1}, the year {year:.1}"
    );
    // A figure whose period is the measured year is the year's.
    let pneumonia = at("care_home_admissions_65_per_100k:pneumonia");
    assert_eq!(
        runs[0].calibration[pneumonia],
        runs[0]
            .report
            .value("care_home_admissions_65_per_100k:pneumonia")
    );
}

#[test]
fn a_run_that_does_not_reach_a_period_does_not_measure_it() {
    let mut s = Scenario::load("stoke-2017").unwrap();
    s.run.warmup_days = 20;
    s.run.days = 40;
    s.run.cooldown_days = 10;
    let r = replicate(&s, SEED, 0, None);
    assert!(r.calibration.iter().all(Option::is_none));
    let summary = calibration::summarise(&[r.calibration]);
    assert!(summary.iter().all(|f| f.met.is_none()));
    // And the fit counts an unmeasured fitted figure as far off.
    assert!(twin::fit::objective(&summary) >= twin::fit::MISSING);
}

fn with_mean(figures: &[FigureSummary], id: &str, mean: f64) -> Vec<FigureSummary> {
    let mut f = figures.to_vec();
    let k = f.iter().position(|x| x.figure.id == id).unwrap();
    f[k].mean = Some(mean);
    f
}

#[test]
fn held_out_figures_are_never_in_the_objective() {
    let (runs, _) = runs();
    let measured: Vec<_> = runs.iter().map(|r| r.calibration.clone()).collect();
    let base = calibration::summarise(&measured);
    let v = twin::fit::objective(&base);
    assert!(v.is_finite() && v > 0.0);
    for id in HELD_OUT {
        for far in [0.0, -1e6, 1e6] {
            assert_eq!(twin::fit::objective(&with_mean(&base, id, far)), v, "{id}");
        }
        let mut gone = base.clone();
        gone.retain(|f| f.figure.id != id);
        assert_eq!(twin::fit::objective(&gone), v, "{id}");
    }
    // Every fitted figure is in it.
    for f in FIGURES.iter().filter(|f| f.use_ == Use::Fitted) {
        let moved = with_mean(&base, f.id, 1e6);
        assert!(twin::fit::objective(&moved) > v, "{}", f.id);
    }
}

#[test]
fn a_fit_on_one_input_finds_a_known_optimum() {
    // The tiny problem: the care-package delays of a run at 30,800 hours are taken as the
    // target; a search from 30,000 hours, with the same seed and replications, must come back
    // near 30,800 (common random numbers: the same people at every candidate). It starts below:
    // above about 31,800 hours the hours no longer bind and the delays are flat, where a search
    // is steered by noise alone.
    let s = Scenario::load("stoke-2017").unwrap();
    let input = twin::fit::input("discharge.home_care_hours").unwrap();
    let mut truth = s.clone();
    (input.set)(&mut truth, 30_800.0);
    let id = "dtoc_delayed_days_per_100k:care_package_home";
    let k = FIGURES.iter().position(|f| f.id == id).unwrap();
    let target = twin::fit::evaluate(&truth, SEED, 2)[k].mean.unwrap();
    let objective = |x: &[f64]| {
        let mut c = s.clone();
        (input.set)(&mut c, x[0]);
        let m = twin::fit::evaluate(&c, SEED, 2)[k].mean.unwrap();
        (m - target).powi(2)
    };
    let found = twin::fit::coordinate_search(
        objective,
        &[30_000.0],
        &[600.0],
        &[(input.lo, input.hi)],
        &[100.0],
        12,
    );
    assert!(
        (found.x[0] - 30_800.0).abs() <= 400.0,
        "found {found:?}, target {target:.2}"
    );
}

#[test]
fn the_figures_are_the_same_on_any_number_of_threads() {
    let s = Scenario::load("stoke-2017").unwrap();
    let on = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| twin::fit::evaluate(&s, SEED, REPLICATIONS))
    };
    let one = on(1);
    assert_eq!(one, on(2));
    // And the same as the runs made one by one.
    let (runs, _) = runs();
    for (k, f) in one.iter().enumerate() {
        let values: Vec<_> = runs.iter().map(|r| r.calibration[k]).collect();
        assert_eq!(f.values, values, "{}", f.figure.id);
    }
}
