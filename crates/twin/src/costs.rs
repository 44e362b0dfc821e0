//! What a run costs: the capacity provided and the services used over the measured period,
//! each priced at the scenario's unit cost (`[costs]`, [`crate::scenario::costs::Costs`]), and
//! the delayed bed days at their own price.
//!
//! The model measures usage (`model::usage`, at its hourly round), never an indicator value:
//! staff on duty and beds open (the capacity the system pays for whether or not it is used),
//! and the places and hours held by people (what it pays for as used). [`LINES`] is the one
//! table of what is costed: a new capacity is one more [`Item`] and one more row.
//!
//! Bed days are not counted twice: the acute beds line prices every bed open; the delayed bed
//! days line prices what a delay costs beyond the bed it occupies (see
//! [`Costs::delayed_bed_day`]).

use crate::run::Replication;
use crate::scenario::costs::Costs;
use crate::summary::{paired_difference, Difference};
use serde_json::{json, Value};
use sim_kernel::stats::summarise;

/// Everything costed, one per line of the cost table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    SocialWorkers,
    ChcAssessors,
    Reviewers,
    AeClinicians,
    AcuteBeds,
    DelayedBedDays,
    HomeCare,
    Reablement,
    StepDown,
    ResidentialHomes,
    NursingHomes,
    Brokers,
    CommunityAssessors,
    GpExtendedAppointments,
    CareHomeRounds,
}

/// How many items there are.
pub const ITEMS: usize = 15;

impl Item {
    /// The item's position in [`LINES`] and in a [`Usage`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// One line of the cost table.
#[derive(Debug, Clone, Copy)]
pub struct Line {
    pub item: Item,
    /// The line's name in `summary.json` and `sweep.csv`.
    pub key: &'static str,
    /// Its plain name.
    pub label: &'static str,
    /// The unit of the quantity, in words.
    pub unit: &'static str,
    /// How it is measured (for the report).
    pub measured: &'static str,
    /// The scenario key of its unit cost.
    pub price_key: &'static str,
    pub price: fn(&Costs) -> f64,
    /// The model accumulates amount x hours; one unit of the quantity is this many of those
    /// (1 for hours, 24 for days, 168 for weeks; home care's amount is hours a week, so 168
    /// gives the hours delivered).
    pub hours_per_unit: f64,
}

/// The cost table, in the order of [`Item`].
pub const LINES: [Line; ITEMS] = [
    Line {
        item: Item::SocialWorkers,
        key: "social_workers",
        label: "Hospital social workers",
        unit: "hours on duty",
        measured: "social workers on duty at each hour (office hours; weekends too with seven-day services)",
        price_key: "costs.social_worker_hour",
        price: |c| c.social_worker_hour,
        hours_per_unit: 1.0,
    },
    Line {
        item: Item::ChcAssessors,
        key: "chc_assessors",
        label: "Continuing healthcare assessment",
        unit: "case slot days",
        measured: "cases the CHC team can have in progress at once, every day",
        price_key: "costs.chc_assessor_day",
        price: |c| c.chc_assessor_day,
        hours_per_unit: 24.0,
    },
    Line {
        item: Item::Reviewers,
        key: "reviewers",
        label: "Review team",
        unit: "hours on duty",
        measured: "reviewers on duty at each hour",
        price_key: "costs.reviewer_hour",
        price: |c| c.reviewer_hour,
        hours_per_unit: 1.0,
    },
    Line {
        item: Item::AeClinicians,
        key: "ae_clinicians",
        label: "A&E clinicians",
        unit: "hours on duty",
        measured: "clinicians on duty at each hour (day and night rotas)",
        price_key: "costs.ae_clinician_hour",
        price: |c| c.ae_clinician_hour,
        hours_per_unit: 1.0,
    },
    Line {
        item: Item::AcuteBeds,
        key: "acute_beds",
        label: "Acute beds open",
        unit: "bed days",
        measured: "beds open at each hour: base, winter and escalation beds, occupied or not",
        price_key: "costs.acute_bed_day",
        price: |c| c.acute_bed_day,
        hours_per_unit: 24.0,
    },
    Line {
        item: Item::DelayedBedDays,
        key: "delayed_bed_days",
        label: "Delayed bed days (beyond the bed's own cost)",
        unit: "delayed days",
        measured: "medically optimised patients still in hospital at each midnight",
        price_key: "costs.delayed_bed_day",
        price: |c| c.delayed_bed_day,
        hours_per_unit: 24.0,
    },
    Line {
        item: Item::HomeCare,
        key: "home_care",
        label: "Home care",
        unit: "hours",
        measured: "hours a week held by packages (and reserved for patients whose agency is starting), at each hour",
        price_key: "costs.home_care_hour",
        price: |c| c.home_care_hour,
        hours_per_unit: 168.0,
    },
    Line {
        item: Item::Reablement,
        key: "reablement",
        label: "Reablement",
        unit: "place days",
        measured: "places in use at each hour",
        price_key: "costs.reablement_place_day",
        price: |c| c.reablement_place_day,
        hours_per_unit: 24.0,
    },
    Line {
        item: Item::StepDown,
        key: "step_down",
        label: "Step-down beds",
        unit: "bed days",
        measured: "beds in use at each hour (held from the grant to the end of the stay)",
        price_key: "costs.step_down_bed_day",
        price: |c| c.step_down_bed_day,
        hours_per_unit: 24.0,
    },
    Line {
        item: Item::ResidentialHomes,
        key: "residential_homes",
        label: "Residential home places",
        unit: "weeks",
        measured: "places in use at each hour",
        price_key: "costs.residential_home_week",
        price: |c| c.residential_home_week,
        hours_per_unit: 168.0,
    },
    Line {
        item: Item::NursingHomes,
        key: "nursing_homes",
        label: "Nursing home places",
        unit: "weeks",
        measured: "places in use at each hour",
        price_key: "costs.nursing_home_week",
        price: |c| c.nursing_home_week,
        hours_per_unit: 168.0,
    },
    Line {
        item: Item::Brokers,
        key: "brokers",
        label: "Brokers",
        unit: "hours on duty",
        measured: "brokers on duty at each hour (office hours; weekends too with seven-day services)",
        price_key: "costs.broker_hour",
        price: |c| c.broker_hour,
        hours_per_unit: 1.0,
    },
    Line {
        item: Item::CommunityAssessors,
        key: "community_assessors",
        label: "Community assessors (D2A's assessments at home)",
        unit: "hours on duty",
        measured: "community assessors on duty at each hour (office hours; weekends too with seven-day services)",
        price_key: "costs.community_assessor_hour",
        price: |c| c.community_assessor_hour,
        hours_per_unit: 1.0,
    },
    Line {
        item: Item::GpExtendedAppointments,
        key: "gp_extended_appointments",
        label: "Extended-hours GP appointments for crises of people 65+",
        unit: "appointments offered",
        measured: "the week's extended-hours appointments of the practices offering extended access, a seventh each day, used or not (in-hours appointments are the practices' core contract: not costed)",
        price_key: "costs.gp_appointment",
        price: |c| c.gp_appointment,
        hours_per_unit: 1.0,
    },
    Line {
        item: Item::CareHomeRounds,
        key: "care_home_rounds",
        label: "GP ward rounds in care homes",
        unit: "sessions",
        measured: "the week's ward-round sessions across the care homes, a seventh each day, used or not",
        price_key: "costs.gp_ward_round_session",
        price: |c| c.gp_ward_round_session,
        hours_per_unit: 1.0,
    },
];

/// What a replication used over the measured period: per item, the amount held or on duty
/// times the hours it was (for delayed bed days: 24 per patient per midnight).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Usage {
    amount_hours: [f64; ITEMS],
}

impl Usage {
    /// Adds `amount` held (or on duty) for `hours`.
    pub fn add(&mut self, item: Item, amount: f64, hours: f64) {
        self.amount_hours[item.index()] += amount * hours;
    }

    /// The quantity of `item` in its line's unit.
    pub fn quantity(&self, item: Item) -> f64 {
        self.amount_hours[item.index()] / LINES[item.index()].hours_per_unit
    }

    /// Usage given directly in each line's unit (for tests and hand-worked examples).
    pub fn from_quantities(q: [f64; ITEMS]) -> Usage {
        let mut u = Usage::default();
        for (i, line) in LINES.iter().enumerate() {
            u.amount_hours[i] = q[i] * line.hours_per_unit;
        }
        u
    }
}

/// A replication's costs: each line's quantity and cost, and the total.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bill {
    pub quantities: [f64; ITEMS],
    pub costs: [f64; ITEMS],
    pub total: f64,
}

impl Bill {
    /// The total without the delayed bed days' own line: what the system spent on capacity
    /// and services.
    pub fn spent(&self) -> f64 {
        self.total - self.costs[Item::DelayedBedDays.index()]
    }
}

/// Prices `usage` at `prices`.
pub fn bill(usage: &Usage, prices: &Costs) -> Bill {
    let mut quantities = [0.0; ITEMS];
    let mut costs = [0.0; ITEMS];
    for (i, line) in LINES.iter().enumerate() {
        quantities[i] = usage.quantity(line.item);
        costs[i] = quantities[i] * (line.price)(prices);
    }
    Bill {
        quantities,
        costs,
        total: costs.iter().sum(),
    }
}

/// A figure over replications: each replication's value, the mean and its 95% interval.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    pub values: Vec<f64>,
    pub mean: f64,
    /// None with fewer than two replications. Not below 0 when no value is (costs and
    /// quantities used: `summary::bounded`).
    pub ci95: Option<(f64, f64)>,
}

impl Estimate {
    pub fn of(values: Vec<f64>) -> Estimate {
        if values.is_empty() {
            return Estimate {
                values,
                mean: f64::NAN,
                ci95: None,
            };
        }
        let s = summarise(&values);
        let never_negative = values.iter().all(|v| *v >= 0.0);
        let ci95 = (values.len() > 1).then(|| {
            if never_negative {
                crate::summary::bounded(s.ci95, false)
            } else {
                s.ci95
            }
        });
        Estimate {
            mean: s.mean,
            values,
            ci95,
        }
    }

    fn paired(&self) -> Vec<Option<f64>> {
        self.values.iter().map(|v| Some(*v)).collect()
    }

    fn json(&self) -> Value {
        json!({"mean": self.mean, "ci95": self.ci95.map(|(lo, hi)| vec![lo, hi])})
    }
}

/// One line over replications.
#[derive(Debug, Clone, PartialEq)]
pub struct LineSummary {
    pub line: Line,
    /// The unit cost applied (pounds per unit).
    pub price: f64,
    pub quantity: Estimate,
    pub cost: Estimate,
}

/// A scenario's costs over replications.
#[derive(Debug, Clone, PartialEq)]
pub struct CostSummary {
    pub lines: Vec<LineSummary>,
    pub total: Estimate,
    /// The total without the delayed bed days' line.
    pub spent: Estimate,
}

impl PartialEq for Line {
    fn eq(&self, other: &Line) -> bool {
        self.item == other.item
    }
}

/// The costs of bills priced at `prices`, one bill per replication.
pub fn summarise_bills(bills: &[Bill], prices: &Costs) -> CostSummary {
    let lines = LINES
        .iter()
        .enumerate()
        .map(|(i, line)| LineSummary {
            line: *line,
            price: (line.price)(prices),
            quantity: Estimate::of(bills.iter().map(|b| b.quantities[i]).collect()),
            cost: Estimate::of(bills.iter().map(|b| b.costs[i]).collect()),
        })
        .collect();
    CostSummary {
        lines,
        total: Estimate::of(bills.iter().map(|b| b.total).collect()),
        spent: Estimate::of(bills.iter().map(Bill::spent).collect()),
    }
}

/// The costs of a scenario's replications.
pub fn summarise_runs(runs: &[Replication], prices: &Costs) -> CostSummary {
    let bills: Vec<Bill> = runs.iter().map(|r| bill(&r.usage, prices)).collect();
    summarise_bills(&bills, prices)
}

impl CostSummary {
    /// The delayed bed days of each replication.
    pub fn delayed_days(&self) -> &Estimate {
        &self.lines[Item::DelayedBedDays.index()].quantity
    }
}

/// `summary.json`'s `costs`: the total and each line, mean and 95% interval, in pounds.
pub fn json(c: &CostSummary) -> Value {
    json!({
        "currency": "GBP",
        "note": "unit costs are approximate (the scenario's [costs] names each source); \
                 delayed_bed_days is priced beyond the bed's own cost, which acute_beds holds",
        "total": c.total.json(),
        "spent_on_capacity_and_services": c.spent.json(),
        "lines": c.lines.iter().map(|l| json!({
            "key": l.line.key,
            "label": l.line.label,
            "unit": l.line.unit,
            "unit_cost": l.price,
            "unit_cost_key": l.line.price_key,
            "quantity": l.quantity.json(),
            "cost": l.cost.json(),
        })).collect::<Vec<_>>(),
    })
}

/// A scenario's costs against the first scenario's, replication by replication (common random
/// numbers).
#[derive(Debug, Clone, PartialEq)]
pub struct CostDifference {
    /// Total cost: this scenario's minus the first's.
    pub total: Difference,
    /// Each line's cost, in the order of [`LINES`].
    pub lines: Vec<Difference>,
    /// Delayed bed days avoided: the first's minus this scenario's.
    pub delayed_days_avoided: Difference,
    /// What each delayed bed day avoided cost in capacity and services (the difference in
    /// spending, the delayed days' own line left out, over the days avoided: a ratio of the
    /// mean differences); `None` ("not defined") unless delays were reduced, that is unless
    /// the 95% interval of the days avoided lies above zero.
    pub per_delayed_day_avoided: Option<f64>,
}

/// `other`'s costs against `base`'s.
pub fn difference(base: &CostSummary, other: &CostSummary) -> CostDifference {
    let total = paired_difference(&base.total.paired(), &other.total.paired());
    let lines = base
        .lines
        .iter()
        .zip(&other.lines)
        .map(|(a, b)| paired_difference(&a.cost.paired(), &b.cost.paired()))
        .collect();
    let delayed_days_avoided = paired_difference(
        &other.delayed_days().paired(),
        &base.delayed_days().paired(),
    );
    let spent = paired_difference(&base.spent.paired(), &other.spent.paired());
    let per_delayed_day_avoided = match (delayed_days_avoided, spent) {
        (Some((avoided, lo, _)), Some((more, _, _))) if lo > 0.0 && avoided > 0.0 => {
            Some(more / avoided)
        }
        _ => None,
    };
    CostDifference {
        total,
        lines,
        delayed_days_avoided,
        per_delayed_day_avoided,
    }
}

/// `compare`'s JSON of a difference.
pub fn difference_json(d: &CostDifference) -> Value {
    let diff = |d: Difference| d.map(|(m, lo, hi)| json!({"mean": m, "ci95": [lo, hi]}));
    json!({
        "total": diff(d.total),
        "lines": LINES.iter().zip(&d.lines).map(|(l, x)| json!({"key": l.key, "difference": diff(*x)})).collect::<Vec<_>>(),
        "delayed_days_avoided": diff(d.delayed_days_avoided),
        "cost_per_delayed_day_avoided": d.per_delayed_day_avoided,
    })
}

/// Pounds as a planner reads them: `£1,234,567`.
pub fn pounds(x: f64) -> String {
    if !x.is_finite() {
        return "-".into();
    }
    let sign = if x < 0.0 { "-" } else { "" };
    let digits = format!("{:.0}", x.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}£{out}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prices() -> Costs {
        crate::Scenario::load("stoke-2017").unwrap().costs
    }

    #[test]
    fn a_cost_interval_is_never_below_zero() {
        let e = Estimate::of(vec![0.0, 0.0, 0.0, 90.0]);
        let (lo, hi) = e.ci95.unwrap();
        assert_eq!(lo, 0.0);
        assert!(hi > 90.0);
        // A figure that can be negative keeps its interval.
        let d = Estimate::of(vec![-10.0, 0.0, 5.0]);
        assert!(d.ci95.unwrap().0 < -10.0);
    }

    #[test]
    fn the_table_is_in_the_order_of_the_items() {
        for (i, l) in LINES.iter().enumerate() {
            assert_eq!(l.item.index(), i, "{}", l.key);
            assert!(
                crate::scenario::params::param(l.price_key).is_some(),
                "{} is a scenario key",
                l.price_key
            );
        }
    }

    /// A hand-worked bill: two social workers for 8 hours on 5 days (80 hours at £45),
    /// 10 beds open for 7 days (70 bed days at £300), 3 patients delayed at 4 midnights
    /// (12 delayed days at £300), 2 packages of 10 hours a week for a week (20 hours at £17),
    /// one residential place for two weeks (2 weeks at £600).
    #[test]
    fn a_hand_worked_bill() {
        let mut u = Usage::default();
        for _day in 0..5 {
            u.add(Item::SocialWorkers, 2.0, 8.0);
        }
        u.add(Item::AcuteBeds, 10.0, 7.0 * 24.0);
        for _midnight in 0..4 {
            u.add(Item::DelayedBedDays, 3.0, 24.0);
        }
        u.add(Item::HomeCare, 20.0, 168.0);
        u.add(Item::ResidentialHomes, 1.0, 2.0 * 168.0);
        let b = bill(&u, &prices());
        let i = |it: Item| it.index();
        assert_eq!(b.quantities[i(Item::SocialWorkers)], 80.0);
        assert_eq!(b.costs[i(Item::SocialWorkers)], 3_600.0);
        assert_eq!(b.quantities[i(Item::AcuteBeds)], 70.0);
        assert_eq!(b.costs[i(Item::AcuteBeds)], 21_000.0);
        assert_eq!(b.quantities[i(Item::DelayedBedDays)], 12.0);
        assert_eq!(b.costs[i(Item::DelayedBedDays)], 3_600.0);
        assert_eq!(b.quantities[i(Item::HomeCare)], 20.0);
        assert_eq!(b.costs[i(Item::HomeCare)], 340.0);
        assert_eq!(b.costs[i(Item::ResidentialHomes)], 1_200.0);
        assert_eq!(b.total, 3_600.0 + 21_000.0 + 3_600.0 + 340.0 + 1_200.0);
        assert_eq!(b.spent(), b.total - 3_600.0);
    }

    #[test]
    fn cost_per_delayed_day_avoided_is_defined_only_when_delays_fall() {
        let p = prices();
        // Base: 100 delayed days and 40 social worker hours; the plan: 90 and 80 hours.
        let make = |delayed: [f64; 3], sw: f64| {
            let bills: Vec<Bill> = delayed
                .iter()
                .map(|d| {
                    let mut q = [0.0; ITEMS];
                    q[Item::DelayedBedDays.index()] = *d;
                    q[Item::SocialWorkers.index()] = sw;
                    bill(&Usage::from_quantities(q), &p)
                })
                .collect();
            summarise_bills(&bills, &p)
        };
        let base = make([100.0, 101.0, 99.0], 40.0);
        let plan = make([90.0, 92.0, 88.0], 80.0);
        let d = difference(&base, &plan);
        // 40 more hours at £45 = £1,800 for 10 days avoided: £180 a day.
        let per = d.per_delayed_day_avoided.unwrap();
        assert!((per - 180.0).abs() < 1e-9, "{per}");
        let (m, _, _) = d.total.unwrap();
        assert!((m - (1_800.0 - 10.0 * 300.0)).abs() < 1e-9, "{m}");
        // Delays not reduced: not defined.
        let worse = make([110.0, 111.0, 109.0], 80.0);
        assert_eq!(difference(&base, &worse).per_delayed_day_avoided, None);
        // Reduced on average but not clearly (the interval includes zero): not defined.
        let unclear = make([90.0, 112.0, 95.0], 80.0);
        assert_eq!(difference(&base, &unclear).per_delayed_day_avoided, None);
    }

    #[test]
    fn pounds_are_grouped_by_thousands() {
        assert_eq!(pounds(0.0), "£0");
        assert_eq!(pounds(999.4), "£999");
        assert_eq!(pounds(1_234_567.0), "£1,234,567");
        assert_eq!(pounds(-45_000.0), "-£45,000");
        assert_eq!(pounds(f64::NAN), "-");
    }
}
