//! The `[costs]` table of a scenario: the unit cost of every capacity and service the model
//! provides or uses, and of a delayed bed day, in pounds. Each figure's source is written
//! beside it in the scenario's TOML (`scenarios/stoke-2017.toml`); `crate::costs` turns a
//! replication's usage into money.

use serde::{Deserialize, Serialize};

/// Unit costs, pounds at the scenario's prices.
///
/// A delayed bed day is priced *in addition to* the acute bed day: `acute_bed_day` is paid for
/// every bed the trust keeps open (base, winter and escalation beds, occupied or not), so the
/// bed a delayed patient occupies is already in that line; `delayed_bed_day` is what the delay
/// itself costs beyond it (the treatment the bed could have given another patient, the harm of
/// waiting). Nothing is counted twice: no line prices occupied beds.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Costs {
    /// An hour of a hospital social worker on duty.
    pub social_worker_hour: f64,
    /// An hour of a broker on duty (the council's brokerage team). Providers' assessors are
    /// the providers' own staff, paid for in their prices (a home care hour, a care home week):
    /// not costed again.
    pub broker_hour: f64,
    /// A day of one continuing-healthcare case slot (`discharge.chc_assessors` counts the cases
    /// the team can have in progress at once, not people).
    pub chc_assessor_day: f64,
    /// An hour of a review team member on duty.
    pub reviewer_hour: f64,
    /// An hour of an A&E clinician on duty.
    pub ae_clinician_hour: f64,
    /// A day of an acute bed open (base, winter or escalation).
    pub acute_bed_day: f64,
    /// A delayed bed day (a midnight a medically optimised patient is still in hospital),
    /// beyond the bed's own cost.
    pub delayed_bed_day: f64,
    /// An hour of home care delivered (or reserved for a patient whose agency is starting).
    pub home_care_hour: f64,
    /// A day of a reablement place in use.
    pub reablement_place_day: f64,
    /// A day of a step-down bed in use.
    pub step_down_bed_day: f64,
    /// A week of a residential home place in use.
    pub residential_home_week: f64,
    /// A week of a nursing home place in use.
    pub nursing_home_week: f64,
    /// An hour of a community assessor on duty (D2A's assessments at home).
    pub community_assessor_hour: f64,
    /// An extended-hours GP appointment offered (used or not).
    pub gp_appointment: f64,
    /// A GP ward-round session in a care home.
    pub gp_ward_round_session: f64,
}
