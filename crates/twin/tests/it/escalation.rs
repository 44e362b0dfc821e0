//! A&E is not an unbounded queue that hides people: admitted patients wait in A&E for a bed
//! (trolley waits); escalation beds open and close at their thresholds and count as open beds
//! in occupancy; every attendance departs or is counted still waiting; and `d2a-fails`, paired
//! with the baseline, shows the A&E it causes.

use domain::EventBody as B;
use std::collections::HashMap;
use twin::summary::{indicators, paired_difference};
use twin::{replicate, Scenario};

/// A short summer run (no clock change and no winter beds in it, so a model day is a local
/// day and the beds in force are the base beds) of the baseline with `beds` beds.
fn with_beds(beds: u32, escalation: u32) -> Scenario {
    let mut s = Scenario::load("stoke-2017").unwrap();
    s.run.warmup_days = 20;
    s.run.days = 40;
    s.run.cooldown_days = 10;
    s.hospital.beds = beds;
    s.hospital.winter_beds = 0;
    s.hospital.escalation_beds = escalation;
    s
}

fn numerator(run: &twin::Replication, id: &str) -> f64 {
    run.report.get(id).expect("indicator").numerator
}

#[test]
fn with_every_bed_full_nobody_vanishes() {
    let s = with_beds(250, 10);
    let mut arrivals: HashMap<String, i64> = HashMap::new();
    let mut departures: HashMap<String, i64> = HashMap::new();
    let mut keep = |e: &domain::Event| match &e.body {
        B::AeArrival { attendance, .. } => {
            arrivals.insert(attendance.to_string(), e.at.0);
        }
        B::AeDeparture { attendance, .. } => {
            departures.insert(attendance.to_string(), e.at.0);
        }
        _ => {}
    };
    let run = replicate(&s, 5, 0, Some(&mut keep));
    let period = twin::period(&s);
    let zone = domain::Zone::default();
    let (from, to) = (zone.midnight(period.from).0, zone.midnight(period.to).0);
    let hour = domain::time::NANOS_PER_HOUR;
    let (mut n, mut within_4h, mut over_12h, mut never) = (0u64, 0u64, 0u64, 0u64);
    for (id, &arrived) in &arrivals {
        if !(from..to).contains(&arrived) {
            continue;
        }
        n += 1;
        match departures.get(id) {
            Some(&left) => {
                within_4h += u64::from(left - arrived <= 4 * hour);
                over_12h += u64::from(left - arrived > 12 * hour);
            }
            None => {
                never += 1;
                over_12h += 1;
            }
        }
    }
    assert!(
        departures.keys().all(|id| arrivals.contains_key(id)),
        "a departure without its arrival"
    );
    // The jam is real: admitted patients wait in A&E, and some never got a bed.
    assert!(
        run.days.iter().all(|d| d.beds_occupied >= d.beds_open),
        "every bed open is full at every midnight"
    );
    assert!(run.days.iter().all(|d| d.ae_waiting_for_bed > 0.0));
    assert!(never > 0, "nobody was still waiting at the end");
    // Nobody vanished: those with no departure are exactly those reported still waiting.
    assert_eq!(never, run.ae_waiting_at_end);
    // The engine counts an attendance with no departure as over 4 hours and as a 12-hour wait,
    // and the run reports the engine's figures.
    assert_eq!(numerator(&run, "ae_4h_pct"), within_4h as f64);
    assert_eq!(numerator(&run, "ae_12h_pct"), over_12h as f64);
    let ae_4h = run.report.value("ae_4h_pct").unwrap();
    assert!((ae_4h - 100.0 * within_4h as f64 / n as f64).abs() < 1e-9);
    let summary = indicators(std::slice::from_ref(&run));
    let ae_12h = summary.iter().find(|i| i.id == "ae_12h_pct").unwrap();
    assert_eq!(ae_12h.mean, run.report.value("ae_12h_pct"));
    let warnings = twin::warnings::warnings(std::slice::from_ref(&run), &summary);
    let said = warnings.join("\n");
    for words in [
        "waited over 12 hours",
        "had not left A&E when the run ended",
        "waiting in A&E for a bed",
        "escalation beds open on 40 of 40 days",
    ] {
        assert!(said.contains(words), "no warning {words:?} in:\n{said}");
    }
}

#[test]
fn escalation_beds_open_and_close_at_their_thresholds_and_count_as_open_beds() {
    let s = with_beds(450, 25);
    let h = &s.hospital;
    let run = replicate(&s, 5, 0, None);
    let (mut open, mut closed) = (0, 0);
    for d in &run.days {
        // Open beds are the base beds and, while escalation is in force, all its beds.
        assert!(d.escalation_beds == 0.0 || d.escalation_beds == f64::from(h.escalation_beds));
        assert_eq!(d.beds_open, f64::from(h.beds) + d.escalation_beds);
        let occupancy = d.beds_occupied / f64::from(h.beds);
        if d.escalation_beds > 0.0 {
            // Open: at the round, occupancy had not fallen below the closing threshold.
            assert!(occupancy >= h.escalation_close_at, "open at {occupancy}");
            open += 1;
        } else {
            // Closed: at the round, occupancy had not reached the opening threshold.
            assert!(occupancy < h.escalation_open_at, "closed at {occupancy}");
            closed += 1;
        }
    }
    assert!(
        open > 0 && closed > 0,
        "{open} midnights open, {closed} closed"
    );
    let opened_days = run.days.iter().filter(|d| d.escalation_day > 0.0).count();
    assert!(opened_days >= open);
    // Occupancy is read against the beds open on average (escalation beds included).
    let mean_open = run.days.iter().map(|d| d.beds_open).sum::<f64>() / run.days.len() as f64;
    assert_eq!(run.beds_open, mean_open.round() as u32);
    assert!(run.beds_open > h.beds);
    let occupied: f64 = run.days.iter().map(|d| d.beds_occupied).sum();
    let engine = run.report.value("bed_occupancy_pct").unwrap();
    let expected = 100.0 * occupied / (f64::from(run.beds_open) * run.days.len() as f64);
    assert!(
        (engine - expected).abs() < 0.5,
        "engine {engine:.2}%, beds open {expected:.2}%"
    );
}

#[test]
fn with_no_escalation_beds_none_open() {
    let s = with_beds(300, 0);
    let run = replicate(&s, 5, 0, None);
    assert!(run
        .days
        .iter()
        .all(|d| d.escalation_beds == 0.0 && d.escalation_day == 0.0 && d.beds_open == 300.0));
}

/// Replications of a whole year: the jam takes months to build, and its A&E within 4 hours
/// varies with how soon it does.
const REPLICATIONS: u64 = 8;

#[test]
fn d2a_fails_shows_the_a_and_e_it_causes() {
    let load = |name: &str| Scenario::load(name).unwrap();
    let (base, fails) = (load("stoke-2017"), load("d2a-fails"));
    // The same seed and replication numbers: common random numbers.
    let runs = |s: &Scenario| {
        (0..REPLICATIONS)
            .map(|r| replicate(s, 2017, r, None))
            .collect::<Vec<_>>()
    };
    let (a, b) = (runs(&base), runs(&fails));
    let (sa, sb) = (indicators(&a), indicators(&b));
    let diff = |id: &str| {
        let i = sa.iter().position(|s| s.id == id).unwrap();
        paired_difference(&sa[i].values, &sb[i].values).unwrap()
    };
    let (d4, lo4, hi4) = diff("ae_4h_pct");
    let (d12, lo12, _) = diff("ae_12h_pct");
    eprintln!("d2a-fails - stoke-2017: ae_4h {d4:+.2} ({lo4:+.2} to {hi4:+.2}), ae_12h {d12:+.2}");
    assert!(hi4 < 0.0, "A&E within 4 hours is not worse: {d4:+.2}");
    assert!(lo12 > 0.0, "12-hour waits are not worse: {d12:+.2}");
    let diffs: Vec<_> = sa
        .iter()
        .zip(&sb)
        .map(|(x, y)| paired_difference(&x.values, &y.values))
        .collect();
    let warning = twin::warnings::against("stoke-2017", &sa, &diffs).expect("a warning");
    assert!(warning.contains("not from better care"), "{warning}");
    // Its fewer admissions are marked as a jam's in compare.html, not as better.
    let page = twin::html::compare(
        &["stoke-2017".into(), "d2a-fails".into()],
        REPLICATIONS as usize,
        twin::period(&base).from,
        twin::period(&base).to,
        &[sa.clone(), sb.clone()],
        &[vec![None; sa.len()], diffs],
        &[Vec::new(), vec![warning]],
        (&[], &[]),
        &[],
        &[],
    );
    let row = page
        .lines()
        .find(|l| l.contains(">emergency_admissions_65_per_100k<"))
        .unwrap();
    assert!(row.contains("class=\"flattered\""), "{row}");
    assert!(row.contains("a jam, not better"), "in words too: {row}");
    let row = page.lines().find(|l| l.contains(">ae_12h_pct<")).unwrap();
    assert!(row.contains("class=\"worse\""), "{row}");
    assert!(
        row.contains("&#9660; worse"),
        "by symbol and words, not colour alone: {row}"
    );
    // And in its own report.html, against England.
    assert!(twin::warnings::jammed(&sb) && !twin::warnings::jammed(&sa));
    let run = twin::html::Run {
        name: "d2a-fails",
        description: "",
        replications: REPLICATIONS as usize,
        from: twin::period(&base).from,
        to: twin::period(&base).to,
        sources: &[],
    };
    let no_costs = twin::costs::summarise_bills(&[], &base.costs);
    let report = twin::html::report(&run, &sb, &[], &[], &[], &[], &no_costs);
    let row = report
        .lines()
        .find(|l| l.contains("(emergency_admissions_65_per_100k)"))
        .unwrap();
    assert!(!row.contains("class=\"better\""), "{row}");
}
