//! A run from a recorded state (`twin::state`): the first midnight's census is the state's,
//! its log is valid and gives its figures, and continuing a replication from its own log at
//! day d gives, over many replications, the figures the replication itself gave after day d (a
//! paired test that can fail, and is shown to fail when the state leaves the patients in
//! hospital out).
//!
//! All five figures are asserted at 0.1%. Work the log does not record (a broker's search, a
//! provider's visit in progress) is done again after the start, in queues near their capacity;
//! docs/initial-state.md gives the last measured differences.

use domain::{Event, Zone};
use rayon::prelude::*;
use sim_kernel::stats::{summarise, t975};
use twin::state::{InitialState, StateBuilder};
use twin::{replicate, replicate_from, Replication, Scenario};

/// The measured period of the original runs starts at day `d` of their run, so their figures
/// are those after d; the continuation measures the same days.
const WARMUP: u32 = 92 + 60;
const DAYS: u32 = 60;

fn original() -> Scenario {
    let mut s = Scenario::load("stoke-2017").unwrap();
    s.run.warmup_days = WARMUP;
    s.run.days = DAYS;
    s
}

fn run_with_log(s: &Scenario, seed: u64, r: u64) -> (Replication, Vec<Event>) {
    let mut events = Vec::new();
    let mut keep = |e: &Event| events.push(e.clone());
    let rep = replicate(s, seed, r, Some(&mut keep));
    (rep, events)
}

fn state_of(events: &[Event], s: &Scenario) -> InitialState {
    let mut b = StateBuilder::new(twin::period(s).from, Zone::default());
    for e in events {
        b.push(e);
    }
    b.finish()
}

fn value(rep: &Replication, id: &str) -> f64 {
    rep.report
        .value(id)
        .unwrap_or_else(|| panic!("{id} is measured"))
}

#[test]
fn the_first_midnight_counts_the_state() {
    let s = original();
    let (_, events) = run_with_log(&s, 2017, 0);
    let state = state_of(&events, &s);
    let census = state.census();
    assert!(
        census.in_hospital > 300 && census.delayed > 10,
        "{census:?}"
    );
    assert!(census.care_home_residents > 1000 && census.home_care_packages > 500);
    assert!(census.reviews_due > 500, "{census:?}");
    let from = s.clone().starting_at(state.date);
    let run = replicate_from(&from, Some(&state), 2017, 0, None);
    let day0 = run.days[0];
    assert_eq!(day0.beds_occupied, census.in_hospital as f64);
    assert_eq!(day0.delayed, census.delayed as f64);
    assert_eq!(
        day0.care_home_places_used,
        (census.care_home_residents + census.care_home_places_held) as f64
    );
    assert_eq!(day0.ae_waiting_for_bed, 0.0);
}

#[test]
fn a_run_from_a_state_writes_a_valid_log_with_the_same_figures() {
    let s = original();
    let (_, events) = run_with_log(&s, 7, 1);
    let state = state_of(&events, &s);
    let from = s.clone().starting_at(state.date);
    let mut lines = Vec::new();
    let mut keep = |e: &Event| lines.push(journey_log::event_json(e, &[]));
    let run = replicate_from(&from, Some(&state), 7, 1, Some(&mut keep));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.jsonl");
    std::fs::write(&path, lines.join("\n")).unwrap();
    let (orgs, population) = twin::registers_with_beds(&from, run.beds_open);
    let mut facts = indicators::JourneyFacts::new();
    journey_log::LogReader::new(&orgs)
        .read(&[path], |l| facts.push(&l.parsed.event))
        .unwrap_or_else(|e| panic!("the log of a run from a state is not valid:\n{e}"));
    let benchmarks = indicators::BenchmarkSet::stoke_2017();
    let ctx = indicators::Context {
        orgs: &orgs,
        population: &population,
        benchmarks: &benchmarks,
        zone: Zone::default(),
    };
    let again = facts.finish().report(twin::period(&from), &ctx);
    assert_eq!(again, run.report);
    // Without a log no id is built: the same run, the same figures.
    let without = replicate_from(&from, Some(&state), 7, 1, None);
    assert_eq!(without.report, run.report);
}

/// The paired differences of each figure, original minus continued, over `n` replications;
/// the figures whose mean difference is significant at 0.1% (two-sided).
fn differing(n: u64, drop_spells: bool, ids: &[&str]) -> Vec<String> {
    let s = original();
    let pairs: Vec<Vec<(f64, f64)>> = (0..n)
        .into_par_iter()
        .map(|r| {
            let (orig, events) = run_with_log(&s, 31, r);
            let mut state = state_of(&events, &s);
            if drop_spells {
                for p in &mut state.people {
                    p.spell = None;
                }
            }
            let from = s.clone().starting_at(state.date);
            let cont = replicate_from(&from, Some(&state), 31, r, None);
            ids.iter()
                .map(|id| (value(&orig, id), value(&cont, id)))
                .collect()
        })
        .collect();
    let mut out = Vec::new();
    for (k, id) in ids.iter().enumerate() {
        let d: Vec<f64> = pairs.iter().map(|p| p[k].0 - p[k].1).collect();
        let sm = summarise(&d);
        let se = sm.sd / (d.len() as f64).sqrt();
        // 0.1% two-sided: about 1.75 times the 95% t quantile at these sizes.
        let crit = 3.55_f64.max(t975(d.len() - 1) * 1.75);
        let t = if se > 0.0 { sm.mean / se } else { 0.0 };
        eprintln!(
            "{id}: mean original {:.2}, mean difference {:.3} (t {t:.2})",
            pairs.iter().map(|p| p[k].0).sum::<f64>() / d.len() as f64,
            sm.mean
        );
        if t.abs() > crit {
            out.push(format!("{id}: mean difference {:.3}, t {t:.2}", sm.mean));
        }
    }
    out
}

#[test]
fn continuing_from_its_own_state_gives_the_same_figures() {
    let differ = differing(
        20,
        false,
        &[
            "emergency_admissions_65_per_100k",
            "ae_4h_pct",
            "care_home_admissions_65_per_100k",
            "bed_occupancy_pct",
            "dtoc_delayed_days_per_100k",
        ],
    );
    assert!(differ.is_empty(), "{differ:?}");
}

#[test]
fn the_test_sees_a_state_without_its_patients() {
    let differ = differing(8, true, &["bed_occupancy_pct"]);
    assert!(
        differ.iter().any(|d| d.starts_with("bed_occupancy_pct")),
        "{differ:?}"
    );
}

#[test]
fn the_state_is_the_same_whatever_order_the_log_is_read_in() {
    let s = original();
    let (_, mut events) = run_with_log(&s, 11, 2);
    let state = state_of(&events, &s);
    events.reverse();
    let reversed = state_of(&events, &s);
    assert_eq!(state.census(), reversed.census());
    let from = s.clone().starting_at(state.date);
    let a = replicate_from(&from, Some(&state), 11, 2, None);
    let b = replicate_from(&from, Some(&reversed), 11, 2, None);
    assert_eq!(a.report, b.report);
    assert_eq!(a.calibration, b.calibration);
}
