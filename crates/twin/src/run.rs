//! Running replications of a scenario and summarising them.

use crate::decomposition::Tally;
use crate::emit::Emitter;
use crate::model::{Day, TwinModel};
use crate::scenario::Scenario;
use crate::state::InitialState;
use domain::{Event, OrgRegister, Population, Zone};
use indicators::{BenchmarkSet, Context, JourneyFacts, Period, Report};
use sim_kernel::{Simulation, Streams, Time};

/// What one replication gives.
pub struct Replication {
    pub report: Report,
    /// The 2017 figures, each over its own period, in the order of
    /// [`crate::calibration::FIGURES`].
    pub calibration: Vec<Option<f64>>,
    /// One entry per day of the measured period.
    pub days: Vec<Day>,
    pub events: u64,
    pub kernel_events: u64,
    /// The acute beds open at the measured period's midnights, on average (winter and
    /// escalation beds included), to the nearest bed: the trust's `beds` in the register the
    /// log is read against, so occupancy counts the beds open that day.
    pub beds_open: u32,
    /// Attendances that arrived in the measured period and had not left A&E when the run
    /// ended (still waiting for a clinician or, admitted, for a bed). The indicator engine
    /// counts each as over 4 hours and as a 12-hour wait.
    pub ae_waiting_at_end: u64,
    /// Delayed days by reason and component (queue for a capacity, process), counted at the
    /// same midnights as `dtoc_delayed_days_per_100k`.
    pub delay_decomposition: Tally,
    /// What the system provided and used over the measured period (`crate::costs` prices it).
    pub usage: crate::costs::Usage,
    /// What general practice did over the measured period (crises seen, refused for want of
    /// an appointment, resolved), A&E arrivals of people 65+ and of care home residents, and
    /// D2A's assessments at home.
    pub gp: crate::model::GpCounts,
}

/// The measured period of a scenario: after the warm-up, `run.days` long.
pub fn period(s: &Scenario) -> Period {
    let start = domain::parse_date(&s.run.start).expect("validated");
    let from = start + chrono::Duration::days(i64::from(s.run.warmup_days));
    Period::new(from, from + chrono::Duration::days(i64::from(s.run.days))).expect("days >= 1")
}

/// The registers a run's log is read against, with the trust's base beds (a replication's
/// log is read with [`registers_with_beds`] and its [`Replication::beds_open`]).
pub fn registers(s: &Scenario) -> (OrgRegister, Population) {
    registers_with_beds(s, s.hospital.beds)
}

/// The registers, the acute trust having `acute_beds` beds.
pub fn registers_with_beds(s: &Scenario, acute_beds: u32) -> (OrgRegister, Population) {
    let mut orgs = synthetic_log::orgs(acute_beds);
    let extended =
        (s.gp.extended_access_share * synthetic_log::GP_PRACTICES as f64).round() as usize;
    let gps: Vec<_> = orgs
        .iter()
        .filter(|o| o.kind == domain::codes::OrgKind::GpPractice)
        .cloned()
        .collect();
    for (i, mut gp) in gps.into_iter().enumerate() {
        gp.extended_access = Some(i < extended);
        orgs.upsert(gp);
    }
    let p = &s.population;
    let population = Population::new([
        u64::from(p.aged_0_17),
        u64::from(p.aged_18_64),
        u64::from(p.aged_65_74),
        u64::from(p.aged_75_84),
        u64::from(p.aged_85_plus),
    ]);
    (orgs, population)
}

/// Runs replication `r` of `s` with the conservation audit (every midnight: every unit of
/// every resource free or held by someone alive in a state that holds it); returns what it
/// found wrong, empty when nothing leaked.
pub fn audit(s: &Scenario, seed: u64, r: u64) -> Vec<String> {
    let start = domain::parse_date(&s.run.start).expect("validated");
    let origin = Zone::default().midnight(start);
    let emitter = Emitter::new(|_: &Event, _: crate::emit::Who| {}, origin, r);
    let model = TwinModel::new(s, Streams::new(seed).replication(r), emitter).audited();
    let mut sim = Simulation::new(model);
    sim.with_scheduler(|model, s| model.start(s));
    let end = f64::from(s.run.warmup_days + s.run.days + s.run.cooldown_days);
    sim.run_until(Time(end));
    sim.model().audit_findings().expect("audited").to_vec()
}

/// Runs replication `r` of `s`, streaming its events into the indicator engine and, if given,
/// to `also` (to write the log).
pub fn replicate(
    s: &Scenario,
    seed: u64,
    r: u64,
    also: Option<&mut dyn FnMut(&Event)>,
) -> Replication {
    replicate_from(s, None, seed, r, also)
}

/// The ids a run from `state` gives its own events and lifecycles start with this (after the
/// replication's `r{r}-`): the state's date, and as many `x` as keep them apart from every id
/// the state carries.
pub fn state_prefix(state: &InitialState, r: u64) -> String {
    let mut prefix = format!("d{}-", state.date.format("%Y%m%d"));
    while !state.prefix_is_free(&format!("r{r}-{prefix}")) {
        prefix.insert(0, 'x');
    }
    prefix
}

/// As [`replicate`], from a recorded state when one is given: `s` must then be the scenario
/// [`starting_at`](Scenario::starting_at) the state's date. The state's open lifecycles
/// are handed to the engine (and to `also`) first, as written.
pub fn replicate_from(
    s: &Scenario,
    state: Option<&InitialState>,
    seed: u64,
    r: u64,
    also: Option<&mut dyn FnMut(&Event)>,
) -> Replication {
    if let Some(state) = state {
        assert!(
            s.run.warmup_days == 0 && s.run.start == state.date.to_string(),
            "a run from a state starts at its date, without warm-up"
        );
    }
    let zone = Zone::default();
    let start = domain::parse_date(&s.run.start).expect("validated");
    let origin = zone.midnight(start);
    let mut facts = JourneyFacts::new();
    let writes_log = also.is_some();
    let mut also = also;
    let sink = |e: &Event, who: crate::emit::Who| {
        facts.push_hinted(e, who.lifecycle, Some(who.person));
        if let Some(f) = also.as_mut() {
            f(e);
        }
    };
    let measured_period = period(s);
    let midnights: Vec<domain::Instant> = (0..measured_period.days())
        .map(|k| zone.midnight(measured_period.from + chrono::Duration::days(k)))
        .collect();
    let (days, events, kernel_events, ae_waiting_at_end, mut delay_decomposition, usage, gp) = {
        let emitter = Emitter::new(sink, origin, r);
        let emitter = match state {
            Some(state) => emitter.with_prefix(&state_prefix(state, r)),
            None => emitter,
        };
        // Without a log, the engine reads the model's indexes, not ids.
        let emitter = if writes_log {
            emitter
        } else {
            emitter.without_ids()
        };
        let streams = Streams::new(seed).replication(r);
        let model = match state {
            Some(state) => TwinModel::from_state(s, streams, emitter, state),
            None => TwinModel::new(s, streams, emitter),
        };
        let mut sim = Simulation::new(model);
        sim.with_scheduler(|model, s| model.start(s));
        let end = f64::from(s.run.warmup_days + s.run.days + s.run.cooldown_days);
        sim.run_until(Time(end));
        let handled = sim.handled();
        let mut model = sim.into_model();
        let warm = s.run.warmup_days as usize;
        let days: Vec<Day> = model
            .days
            .iter()
            .skip(warm)
            .take(s.run.days as usize)
            .copied()
            .collect();
        let measured = f64::from(s.run.warmup_days)..f64::from(s.run.warmup_days + s.run.days);
        let waiting = model
            .ae_still_waiting()
            .filter(|t| measured.contains(t))
            .count() as u64;
        let tally = Tally::count(model.delay_trails(), &midnights, 1.0);
        let (events, usage) = (model.emit.events, std::mem::take(&mut model.meter.usage));
        let gp = model.gp_counts();
        model.recycle();
        (days, events, handled, waiting, tally, usage, gp)
    };
    let beds_open = if days.is_empty() {
        s.hospital.beds
    } else {
        (days.iter().map(|d| d.beds_open).sum::<f64>() / days.len() as f64).round() as u32
    };
    let (orgs, population) = registers_with_beds(s, beds_open);
    let benchmarks = BenchmarkSet::stoke_2017();
    let ctx = Context {
        orgs: &orgs,
        population: &population,
        benchmarks: &benchmarks,
        zone,
    };
    let journeys = facts.finish();
    let report = journeys.report(measured_period, &ctx);
    delay_decomposition.per = report
        .indicators
        .iter()
        .find(|i| i.id == "dtoc_delayed_days_per_100k")
        .and_then(|i| i.denominator)
        .expect("the delayed days indicator has a denominator");
    let calibration = crate::calibration::measure(&journeys, &report, s, &days, &ctx);
    Replication {
        report,
        calibration,
        days,
        events,
        kernel_events,
        beds_open,
        ae_waiting_at_end,
        delay_decomposition,
        usage,
        gp,
    }
}
