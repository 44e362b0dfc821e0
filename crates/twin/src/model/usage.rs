//! The meter: what the system provides and uses over the measured period, read at each hourly
//! round (after the round has set the rotas and the beds in force) for `crate::costs`.
//!
//! Staff on duty and beds open change only at the hourly round, so their hours are exact;
//! places and hours held change at any time and are read once an hour (a left Riemann sum, to
//! the hour). Delayed bed days are counted at the measured period's midnights, as the delayed
//! transfers count does. Reading only: the meter changes nothing the model decides.

use super::*;
use crate::costs::{Item, Usage};

/// The hours of the measured period and what was used in them.
#[derive(Debug, Clone, Default)]
pub struct Meter {
    /// Hourly rounds `from_hour..to_hour` (counted from the run's start) are measured.
    from_hour: u64,
    to_hour: u64,
    pub usage: Usage,
}

impl Meter {
    pub fn new(s: &Scenario) -> Meter {
        let from = u64::from(s.run.warmup_days) * 24;
        Meter {
            from_hour: from,
            to_hour: from + u64::from(s.run.days) * 24,
            usage: Usage::default(),
        }
    }
}

impl<S: Sink> TwinModel<'_, S> {
    /// Records the hour starting now (the round `hour_count`): `social_workers`, `reviewers`
    /// and `clinicians` are the staff the round put on duty.
    pub(super) fn meter_hour(
        &mut self,
        social_workers: u32,
        brokers: u32,
        reviewers: u32,
        clinicians: u32,
    ) {
        let m = &mut self.meter;
        if !(m.from_hour..m.to_hour).contains(&self.hour_count) {
            return;
        }
        let u = &mut m.usage;
        u.add(Item::SocialWorkers, f64::from(social_workers), 1.0);
        u.add(Item::Brokers, f64::from(brokers), 1.0);
        u.add(Item::Reviewers, f64::from(reviewers), 1.0);
        u.add(Item::AeClinicians, f64::from(clinicians), 1.0);
        u.add(
            Item::ChcAssessors,
            f64::from(self.chc_assessors.capacity()),
            1.0,
        );
        u.add(Item::AcuteBeds, f64::from(self.beds.capacity()), 1.0);
        u.add(Item::HomeCare, self.home_care.used(), 1.0);
        u.add(Item::Reablement, f64::from(self.reablement.busy()), 1.0);
        u.add(Item::StepDown, f64::from(self.step_down.busy()), 1.0);
        u.add(
            Item::ResidentialHomes,
            f64::from(self.care_homes.busy(false)),
            1.0,
        );
        u.add(
            Item::NursingHomes,
            f64::from(self.care_homes.busy(true)),
            1.0,
        );
        u.add(
            Item::CommunityAssessors,
            f64::from(self.community_assessors.capacity()),
            1.0,
        );
        if self.hour_count.is_multiple_of(24) {
            u.add(Item::DelayedBedDays, f64::from(self.delayed_now), 24.0);
            // The weekly books, a seventh of the week's slots a day.
            u.add(
                Item::GpExtendedAppointments,
                self.gp.extended.slots() as f64 / 7.0,
                1.0,
            );
            let sessions = if self.p.gp.care_home_round_residents > 0 {
                self.gp.rounds.slots() as f64 / f64::from(self.p.gp.care_home_round_residents)
            } else {
                f64::from(self.p.gp.care_home_rounds_week)
            };
            u.add(Item::CareHomeRounds, sessions / 7.0, 1.0);
        }
    }
}
