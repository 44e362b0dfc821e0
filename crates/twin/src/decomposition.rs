//! The delay decomposition: each delay reason's delayed days split into time queuing for a
//! named capacity and time in a process duration, counted by the indicator's own rule.
//!
//! The model keeps, for every spell once medically optimised, a [`DelayTrail`]: the instants
//! its delay reason and its [`Component`] changed. [`Tally::count`] counts, at each midnight
//! of the measured period a spell is ready and not yet discharged (ready < midnight <=
//! discharge, as `dtoc_delayed_days_per_100k` does), the reason and the component in force,
//! so each reason's components add up exactly to the indicator's numerator for that reason.

use domain::codes::DelayReason;
use domain::Instant;
use serde_json::{json, Value};
use sim_kernel::stats::summarise;

/// What a delayed patient is doing at a midnight: queuing for a named capacity, or in a
/// process that takes its own time, or waiting on a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Component {
    QueueSocialWorkers,
    QueueChcAssessors,
    QueueBrokers,
    QueueProviderAssessors,
    QueueHomeCareHours,
    QueueReablementPlaces,
    QueueStepDownBeds,
    QueueCareHomePlaces,
    /// Waiting for a vacancy in the one care home the family named (patient or family choice).
    QueuePreferredCareHome,
    /// Asked for staff who work office hours (social workers, brokers, providers' assessors)
    /// while none was on duty (weekday office hours, a rule), and not yet passed over by staff
    /// on duty.
    OfficeHours,
    /// A social worker's care-needs assessment in progress (`assessment_hours`).
    CareNeedsAssessment,
    /// A CHC case in progress (`chc_assessment_days`).
    ChcAssessment,
    /// A broker searching for a provider (`brokerage_hours`).
    Brokering,
    /// CHC-funded placement: the window for providers to apply (`chc_window_days`, a rule).
    BrokerageWindow,
    /// A provider's assessor visiting (`provider_assessment_hours`).
    ProviderAssessments,
    /// Home care hours found and accepted: the agency's lead time to its first visit
    /// (`home_care_start_hours`, a rule).
    AgencyStartUp,
    /// A step-down bed held: waiting for the provider's admission window (weekdays 08:00-18:00,
    /// `step_down_admissions_per_day`).
    StepDownAdmissionWindow,
    /// Everything arranged: the hours to leaving (daytime discharges; to a care home or a
    /// step-down bed on weekdays).
    ArrangedToLeaving,
    /// Anything else (optimised before discharge planning has chosen a pathway).
    Other,
}

/// How many components there are.
pub const COMPONENTS: usize = 19;

impl Component {
    pub const ALL: [Component; COMPONENTS] = [
        Component::QueueSocialWorkers,
        Component::QueueChcAssessors,
        Component::QueueBrokers,
        Component::QueueProviderAssessors,
        Component::QueueHomeCareHours,
        Component::QueueReablementPlaces,
        Component::QueueStepDownBeds,
        Component::QueueCareHomePlaces,
        Component::QueuePreferredCareHome,
        Component::OfficeHours,
        Component::CareNeedsAssessment,
        Component::ChcAssessment,
        Component::Brokering,
        Component::BrokerageWindow,
        Component::ProviderAssessments,
        Component::AgencyStartUp,
        Component::StepDownAdmissionWindow,
        Component::ArrangedToLeaving,
        Component::Other,
    ];

    pub fn index(self) -> usize {
        Self::ALL.iter().position(|c| *c == self).expect("in ALL")
    }

    /// The key in `summary.json`.
    pub fn key(self) -> &'static str {
        match self {
            Component::QueueSocialWorkers => "queue:social_workers",
            Component::QueueChcAssessors => "queue:chc_assessors",
            Component::QueueBrokers => "queue:brokers",
            Component::QueueProviderAssessors => "queue:provider_assessors",
            Component::QueueHomeCareHours => "queue:home_care_hours",
            Component::QueueReablementPlaces => "queue:reablement_places",
            Component::QueueStepDownBeds => "queue:step_down_beds",
            Component::QueueCareHomePlaces => "queue:care_home_places",
            Component::QueuePreferredCareHome => "queue:preferred_care_home",
            Component::OfficeHours => "rule:office_hours",
            Component::CareNeedsAssessment => "process:care_needs_assessment",
            Component::ChcAssessment => "process:chc_assessment",
            Component::Brokering => "process:brokering",
            Component::BrokerageWindow => "rule:chc_window",
            Component::ProviderAssessments => "process:provider_assessment",
            Component::AgencyStartUp => "rule:agency_start_up",
            Component::StepDownAdmissionWindow => "rule:step_down_admission_window",
            Component::ArrangedToLeaving => "rule:arranged_to_leaving",
            Component::Other => "other",
        }
    }

    /// `queue`, `process`, `rule` or `other`.
    pub fn kind(self) -> &'static str {
        self.key().split(':').next().expect("a key")
    }

    pub fn is_queue(self) -> bool {
        self.kind() == "queue"
    }

    /// In plain words, for the report.
    pub fn label(self) -> &'static str {
        match self {
            Component::QueueSocialWorkers => "waiting for a social worker",
            Component::QueueChcAssessors => "waiting for the CHC team to take the case",
            Component::QueueBrokers => "waiting for a broker",
            Component::QueueProviderAssessors => "waiting for a provider to visit and assess",
            Component::QueueHomeCareHours => "waiting for home care hours",
            Component::QueueReablementPlaces => "waiting for a reablement place",
            Component::QueueStepDownBeds => "waiting for a step-down bed",
            Component::QueueCareHomePlaces => "waiting for a care home place",
            Component::QueuePreferredCareHome => {
                "waiting for a vacancy in the care home the family chose"
            }
            Component::OfficeHours => "waiting for office hours (no staff on duty)",
            Component::CareNeedsAssessment => "care-needs assessment in progress",
            Component::ChcAssessment => "CHC case in progress",
            Component::Brokering => "a broker searching for a provider",
            Component::BrokerageWindow => "CHC placement: providers' window to apply",
            Component::ProviderAssessments => "a provider visiting to assess",
            Component::AgencyStartUp => "home care agency's lead time to the first visit",
            Component::StepDownAdmissionWindow => "step-down bed held, awaiting admission window",
            Component::ArrangedToLeaving => {
                "arranged, waiting to leave (daytime; care homes and step-down on weekdays)"
            }
            Component::Other => "other (no pathway chosen yet)",
        }
    }
}

/// One spell's delay once medically optimised: when its reason and its component changed.
#[derive(Debug, Clone)]
pub struct DelayTrail {
    pub ready: Instant,
    pub discharge: Option<Instant>,
    /// In time order, as the journey log records them.
    pub reasons: Vec<(Instant, DelayReason)>,
    /// In time order.
    pub parts: Vec<(Instant, Component)>,
}

/// The reasons in the order of the indicator's breakdown: every code, then `unrecorded`.
pub const REASONS: usize = DelayReason::ALL.len() + 1;

fn reason_index(r: Option<DelayReason>) -> usize {
    r.and_then(|r| DelayReason::ALL.iter().position(|x| *x == r))
        .unwrap_or(DelayReason::ALL.len())
}

/// The key of reason `i` (as in `dtoc_delayed_days_per_100k:{key}`).
pub fn reason_key(i: usize) -> &'static str {
    indicators::catalogue::delay_reason_keys()
        .nth(i)
        .expect("a reason")
}

/// Delayed days at midnights by reason and component, for one replication.
#[derive(Debug, Clone, PartialEq)]
pub struct Tally {
    pub days: [[u64; COMPONENTS]; REASONS],
    /// The indicator's denominator: adults (18+) / 100,000 x days.
    pub per: f64,
}

impl Tally {
    /// Counts `trails` at `midnights` (sorted), dividing by `per` for the indicator's unit.
    pub fn count<'a>(
        trails: impl Iterator<Item = &'a DelayTrail>,
        midnights: &[Instant],
        per: f64,
    ) -> Tally {
        let mut days = [[0u64; COMPONENTS]; REASONS];
        for t in trails {
            let lo = midnights.partition_point(|m| *m <= t.ready);
            let hi = match t.discharge {
                Some(d) => midnights.partition_point(|m| *m <= d),
                None => midnights.len(),
            };
            for m in midnights.iter().take(hi).skip(lo) {
                let latest = |n: usize| n.checked_sub(1);
                let r = latest(t.reasons.partition_point(|x| x.0 <= *m)).map(|i| t.reasons[i].1);
                let c = latest(t.parts.partition_point(|x| x.0 <= *m))
                    .map_or(Component::Other, |i| t.parts[i].1);
                days[reason_index(r)][c.index()] += 1;
            }
        }
        Tally { days, per }
    }

    /// Reason `i`'s component `c` in delayed days per 100,000 adults a day.
    pub fn value(&self, i: usize, c: Component) -> f64 {
        self.days[i][c.index()] as f64 / self.per
    }

    /// Reason `i`'s delayed days per 100,000 adults a day, the sum of its components.
    pub fn reason_value(&self, i: usize) -> f64 {
        self.days[i].iter().sum::<u64>() as f64 / self.per
    }
}

/// A component of a reason over replications: mean and 95% CI in delayed days per 100k a day.
#[derive(Debug, Clone)]
pub struct Part {
    pub component: Component,
    pub mean: f64,
    pub ci95: Option<(f64, f64)>,
}

/// A reason over replications: the indicator's value, its components, and the largest gap
/// between the indicator and the sum of the components in any replication.
#[derive(Debug, Clone)]
pub struct ReasonParts {
    pub key: &'static str,
    pub indicator: f64,
    pub parts: Vec<Part>,
    pub largest_gap: f64,
}

/// The tolerance of the check that the components add up to the indicator (per 100k a day):
/// counted at the same midnights, they agree to rounding.
pub const TOLERANCE: f64 = 1e-9;

/// The mean and the t interval of the mean, its lower end clamped at 0: delayed days are a
/// count, never negative (the interval of a part that is almost always 0 would otherwise dip
/// below it).
fn mean_ci(x: &[f64]) -> (f64, Option<(f64, f64)>) {
    let s = summarise(x);
    let (lo, hi) = s.ci95;
    (s.mean, (x.len() > 1).then_some((lo.max(0.0), hi)))
}

/// Summarises the tallies of replications against the indicator's value by reason
/// (`indicator[r][i]`: replication `r`, reason `i`). Reasons with no delayed days are left out,
/// and so are components never seen.
pub fn summarise_parts(tallies: &[Tally], indicator: &[Vec<f64>]) -> Vec<ReasonParts> {
    if tallies.is_empty() {
        return Vec::new();
    }
    (0..REASONS)
        .filter_map(|i| {
            let values: Vec<f64> = indicator.iter().map(|v| v[i]).collect();
            let (mean, _) = mean_ci(&values);
            let largest_gap = tallies
                .iter()
                .zip(&values)
                .map(|(t, v)| (t.reason_value(i) - v).abs())
                .fold(0.0, f64::max);
            let parts: Vec<Part> = Component::ALL
                .iter()
                .filter(|c| tallies.iter().any(|t| t.days[i][c.index()] > 0))
                .map(|&component| {
                    let x: Vec<f64> = tallies.iter().map(|t| t.value(i, component)).collect();
                    let (mean, ci95) = mean_ci(&x);
                    Part {
                        component,
                        mean,
                        ci95,
                    }
                })
                .collect();
            (mean > 0.0 || !parts.is_empty()).then_some(ReasonParts {
                key: reason_key(i),
                indicator: mean,
                parts,
                largest_gap,
            })
        })
        .collect()
}

/// `summary.json`'s `delay_decomposition` section.
pub fn json(parts: &[ReasonParts]) -> Value {
    json!({
        "unit": "delayed days per 100,000 adults a day (as dtoc_delayed_days_per_100k)",
        "rule": "counted at the measured period's midnights a patient is medically optimised and not yet discharged, by the reason and the component in force then",
        "check": {
            "what": "in every replication, each reason's components add up to its dtoc_delayed_days_per_100k value",
            "tolerance": TOLERANCE,
            "holds": parts.iter().all(|r| r.largest_gap <= TOLERANCE),
        },
        "reasons": parts.iter().map(|r| json!({
            "reason": r.key,
            "indicator": r.indicator,
            "largest_gap": r.largest_gap,
            "components": r.parts.iter().map(|p| json!({
                "component": p.component.key(),
                "kind": p.component.kind(),
                "label": p.component.label(),
                "mean": p.mean,
                "ci95": p.ci95.map(|(lo, hi)| vec![lo, hi]),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

/// The decomposition over replications, checked against each replication's
/// `dtoc_delayed_days_per_100k:{reason}`.
pub fn summarise_runs(runs: &[crate::Replication]) -> Vec<ReasonParts> {
    let tallies: Vec<Tally> = runs.iter().map(|r| r.delay_decomposition.clone()).collect();
    let indicator: Vec<Vec<f64>> = runs
        .iter()
        .map(|r| {
            (0..REASONS)
                .map(|i| {
                    r.report
                        .value(&format!("dtoc_delayed_days_per_100k:{}", reason_key(i)))
                        .unwrap_or(0.0)
                })
                .collect()
        })
        .collect();
    summarise_parts(&tallies, &indicator)
}
