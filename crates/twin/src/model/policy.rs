//! The policy switches of a scenario (`[policy]`), and every decision of the model they change,
//! in one place: a switch is read here and nowhere else.

use crate::scenario;

/// The decisions the policy switches make.
#[derive(Debug, Clone, Copy)]
pub(super) struct Policy {
    d2a: bool,
    trusted_assessor: bool,
    seven_day: bool,
    seven_day_extra_staff: bool,
    readmission_hazard: bool,
    care_need_hazard: bool,
}

impl Policy {
    pub(super) fn new(switches: &scenario::Policy) -> Self {
        Policy {
            d2a: switches.d2a,
            trusted_assessor: switches.trusted_assessor,
            seven_day: switches.seven_day,
            seven_day_extra_staff: switches.seven_day_extra_staff,
            readmission_hazard: switches.readmission_hazard,
            care_need_hazard: switches.care_need_hazard,
        }
    }

    /// Whether the weekday-only services (social workers' assessments, reviews, step-down
    /// admissions, discharges that need a service) work today (`seven-day`: every day).
    pub(super) fn services_open(&self, weekend: bool) -> bool {
        !weekend || self.seven_day
    }

    /// How many of a weekday rota of `weekday_staff` are on duty on day `weekday` of the week
    /// (Monday 0): all on weekdays and none at the weekend; with `seven-day`, the same staff
    /// days spread over the seven days (each day `5 x weekday_staff / 7`, rounded so the week's
    /// total is exactly the five weekdays'), or, with `seven_day_extra_staff`, weekday staffing
    /// every day (two more days of staff a week, costed as hours on duty).
    pub(super) fn on_duty(&self, weekday_staff: u32, weekday: usize) -> u32 {
        let weekend = weekday >= 5;
        match (self.seven_day, self.seven_day_extra_staff) {
            (false, _) if weekend => 0,
            (false, _) | (true, true) => weekday_staff,
            (true, false) => {
                let week = 5 * u64::from(weekday_staff);
                let upto = |d: u64| d * week / 7;
                (upto(weekday as u64 + 1) - upto(weekday as u64)) as u32
            }
        }
    }

    /// Whether a patient of `pathway` is discharged to assess (`d2a`): pathway 1 goes home
    /// without a hospital assessment, bridged by reablement, and is assessed at home.
    pub(super) fn discharge_to_assess(&self, pathway: u8) -> bool {
        self.d2a && pathway == 1
    }

    /// The community assessors on the rota: the team assesses people discharged to assess
    /// at home, so it works only with `d2a` (without it, no one is assessed at home after a
    /// discharge and the team is not there, nor costed).
    pub(super) fn community_assessors(&self, team: u32) -> u32 {
        if self.d2a {
            team
        } else {
            0
        }
    }

    /// Whether pathway-1 patients are bridged home by reablement while assessed at home (`d2a`),
    /// rather than offered reablement only by `discharge.reablement_share`.
    pub(super) fn bridging(&self) -> bool {
        self.d2a
    }

    /// Whether readmissions come from the post-discharge excess crisis hazard
    /// (`readmission_hazard`), rather than a forced return within 30 days of a discharge.
    pub(super) fn readmission_hazard(&self) -> bool {
        self.readmission_hazard
    }

    /// Whether reablement's outcome and the moves to a care home after it come from the hazards
    /// of needing a care home and home care (`care_need_hazard`, `model::care_need`), rather
    /// than one draw at the end of reablement (`discharge.reablement_to_*`).
    pub(super) fn care_need_hazard(&self) -> bool {
        self.care_need_hazard
    }

    /// How many CHC providers assess the person themselves before accepting: none with a
    /// trusted assessor (`trusted-assessor`), else the scenario's number.
    pub(super) fn provider_reassessments(&self, reassessing: u32) -> u32 {
        if self.trusted_assessor {
            0
        } else {
            reassessing
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(seven_day: bool, extra: bool) -> Policy {
        Policy::new(&scenario::Policy {
            d2a: false,
            trusted_assessor: false,
            seven_day,
            seven_day_extra_staff: extra,
            readmission_hazard: false,
            care_need_hazard: false,
        })
    }

    #[test]
    fn seven_day_spreads_the_same_staff_days_over_the_week() {
        let week = |p: &Policy, n: u32| (0..7).map(|d| p.on_duty(n, d)).collect::<Vec<_>>();
        assert_eq!(week(&policy(false, false), 16), [16, 16, 16, 16, 16, 0, 0]);
        for n in [0, 1, 3, 5, 6, 16, 10_000] {
            let spread = week(&policy(true, false), n);
            assert_eq!(spread.iter().sum::<u32>(), 5 * n, "{n}: {spread:?}");
            let (lo, hi) = (spread.iter().min().unwrap(), spread.iter().max().unwrap());
            assert!(hi - lo <= 1, "{n}: {spread:?}");
        }
        assert_eq!(week(&policy(true, false), 16), [11, 11, 12, 11, 12, 11, 12]);
        assert_eq!(week(&policy(true, true), 16), [16; 7]);
    }
}
