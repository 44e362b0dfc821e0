//! The hazards of needing a care home and of needing ongoing home care in the community, after
//! a discharge into reablement (or bridged home by D2A) (`policy.care_need_hazard`, issue 10,
//! item 2). They replace the one draw at the end of reablement (`discharge.reablement_to_*`).
//!
//! Each need is a Poisson process of intensity `size x f(state) x k e^(-k u)` at `u` days
//! after the discharge (`k = ln 2 / community.care_need_half_life_days`): `size` depends on the
//! person (the age band's `community.care_need_*`, times the hours a week of care they need
//! over the mean to `care_need_hours_power`, the model's measure of frailty), and `f` on what is
//! happening to them: a course of reablement (`care_need_reablement`), waiting at home without
//! the support needed (bridged home by D2A, to be assessed and wait for a package:
//! `care_need_waiting`), at home afterwards (1). Only its first event matters: a need arises when
//! the cumulative hazard reaches a unit exponential drawn from the person's own `need` stream,
//! so everything else the person draws is the same whatever the hazard (common random numbers),
//! and the same person kept waiting longer reaches it sooner.
//!
//! A care home need that arises during reablement ends the course and the person waits at home
//! for a place (`request_care_home_from_home`); one that arises afterwards at home does the same;
//! one that arises while bridged is acted on when the bridging ends (the assessment at home
//! finds it, or once home care has started). A home care need is read at the end of a course of
//! reablement: whether it has arisen by then decides between ongoing home care and
//! independence. In hospital or in a care home the hazard stops; a later discharge supersedes it.

use super::*;

/// What is happening to the person, for the hazards' factor.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) enum NeedState {
    /// No hazard in force.
    #[default]
    None,
    /// Receiving a course of reablement.
    Reablement,
    /// At home without the support needed, waiting to be assessed or for a package (D2A).
    Waiting,
    /// At home after reablement or bridging, with or without home care.
    AtHome,
}

/// The two needs: a care home (0) and ongoing home care (1).
const CARE_HOME: usize = 0;
const HOME_CARE: usize = 1;

/// The hazards in force: from the latest discharge into reablement or bridging.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct CareNeed {
    /// When the discharge was (model days): the hazards decay from it.
    from: f64,
    /// Each need expected over the whole decay at factor 1.
    size: [f64; 2],
    state: NeedState,
    /// When the state began (model days), and the cumulative hazards then.
    since: f64,
    reached: [f64; 2],
    /// The unit exponentials at which each need arises.
    level: [f64; 2],
    /// A care home need arisen while bridged, acted on when the bridging ends.
    arisen: bool,
    /// Bumped by each change of state; a need set under an older clock is void.
    clock: u32,
}

/// The cumulative hazard from `a` to `b` days after the discharge, of a need of `size` at
/// factor `factor` halving every `half_life` days.
pub(super) fn cumulative(size: f64, factor: f64, half_life: f64, a: f64, b: f64) -> f64 {
    let k = std::f64::consts::LN_2 / half_life;
    size * factor * ((-k * a).exp() - (-k * b).exp())
}

/// The days after the discharge at which the cumulative hazard, `reached` at `a` days, reaches
/// `level` at a constant factor (`None` if it never does: the decay's total is finite).
pub(super) fn days_to_reach(
    level: f64,
    reached: f64,
    size: f64,
    factor: f64,
    half_life: f64,
    a: f64,
) -> Option<f64> {
    if level <= reached {
        return Some(a);
    }
    let k = std::f64::consts::LN_2 / half_life;
    let rate = size * factor;
    if rate <= 0.0 {
        return None;
    }
    let left = (-k * a).exp() - (level - reached) / rate;
    (left > 0.0).then(|| -left.ln() / k)
}

impl<S: Sink> TwinModel<'_, S> {
    /// The factor of state `state`.
    fn need_factor(&self, state: NeedState) -> f64 {
        let c = &self.p.community;
        match state {
            NeedState::None => 0.0,
            NeedState::Reablement => c.care_need_reablement,
            NeedState::Waiting => c.care_need_waiting,
            NeedState::AtHome => 1.0,
        }
    }

    /// Each need expected over the whole decay at factor 1 for `person` needing `hours` a week
    /// of care: the band's size times the hours over the mean to `care_need_hours_power`.
    pub(super) fn need_size(&self, person: Ix, hours: f64) -> [f64; 2] {
        let c = &self.p.community;
        let band = self.persons[person as usize].band as usize;
        if band >= 3 {
            return [0.0; 2];
        }
        let mean = self.p.discharge.package_hours.mean();
        let frailty = if mean > 0.0 && hours > 0.0 {
            (hours / mean).powf(c.care_need_hours_power)
        } else {
            1.0
        };
        [
            c.care_need_care_home[band] * frailty,
            c.care_need_home_care[band] * frailty,
        ]
    }

    /// A discharge of `person` into reablement (`Reablement`) or bridged home (`Waiting`), with
    /// `hours` a week of care needed, `since` days ago (0 for a discharge now; more for a run
    /// from a recorded state, the needs not arisen by now): the hazards start afresh.
    pub(super) fn start_care_need(
        &mut self,
        s: &mut Scheduler<Ev>,
        person: Ix,
        hours: f64,
        state: NeedState,
        since: f64,
    ) {
        if !self.policy.care_need_hazard() {
            return;
        }
        let t = s.now().0;
        let size = self.need_size(person, hours);
        let factor = self.need_factor(state);
        let half_life = self.p.community.care_need_half_life_days;
        let reached = size.map(|sz| cumulative(sz, factor, half_life, 0.0, since));
        let p = &mut self.persons[person as usize];
        let mut level = [0.0; 2];
        for (l, r) in level.iter_mut().zip(reached) {
            *l = r - (1.0 - p.rng.need.gen::<f64>()).ln();
        }
        p.need = CareNeed {
            from: t - since,
            size,
            state: NeedState::None,
            since: t,
            reached,
            level,
            arisen: false,
            clock: p.need.clock,
        };
        self.set_need_state(s, person, state);
    }

    /// Bridged home by D2A (package `k`): the hazards start, waiting, for the share of people
    /// the baseline would offer a course of reablement (`discharge.reablement_share`, drawn
    /// from the person's `need` stream); the others, like pathway-1 discharges to home care
    /// without D2A, have none (the model has no care-need hazard for them yet), so D2A is
    /// compared with the baseline on the same people's needs.
    pub(super) fn start_bridged_care_need(&mut self, s: &mut Scheduler<Ev>, k: Ix) {
        if !self.policy.care_need_hazard() {
            return;
        }
        let (person, hours) = (
            self.packages[k as usize].person,
            self.packages[k as usize].hours,
        );
        let share = self.p.discharge.reablement_share;
        if self.persons[person as usize].rng.need.gen_bool(share) {
            self.start_care_need(s, person, hours, NeedState::Waiting, 0.0);
        }
    }

    /// The hazards after a discharge that was not into reablement or bridging: none.
    pub(super) fn end_care_need(&mut self, person: Ix) {
        let need = &mut self.persons[person as usize].need;
        need.state = NeedState::None;
        need.arisen = false;
        need.clock += 1;
    }

    /// The cumulative hazards brought up to now at the state's factor.
    fn bring_need_up_to(&mut self, person: Ix, t: f64) {
        let factor = self.need_factor(self.persons[person as usize].need.state);
        let half_life = self.p.community.care_need_half_life_days;
        let need = &mut self.persons[person as usize].need;
        let (a, b) = (need.since - need.from, t - need.from);
        for i in 0..2 {
            need.reached[i] += cumulative(need.size[i], factor, half_life, a, b);
        }
        need.since = t;
    }

    /// The person's state changes (from now): the hazards so far are kept, and the care home
    /// need's next instant is set at the new factor.
    pub(super) fn set_need_state(&mut self, s: &mut Scheduler<Ev>, person: Ix, state: NeedState) {
        let t = s.now().0;
        if self.persons[person as usize].need.state == NeedState::None && state != NeedState::None {
            self.persons[person as usize].need.since = t;
        } else {
            self.bring_need_up_to(person, t);
        }
        let factor = self.need_factor(state);
        let half_life = self.p.community.care_need_half_life_days;
        let end = f64::from(self.p.run.warmup_days + self.p.run.days + self.p.run.cooldown_days);
        let need = &mut self.persons[person as usize].need;
        need.state = state;
        need.clock += 1;
        if state == NeedState::None || need.arisen {
            return;
        }
        let at = days_to_reach(
            need.level[CARE_HOME],
            need.reached[CARE_HOME],
            need.size[CARE_HOME],
            factor,
            half_life,
            t - need.from,
        )
        .map(|u| need.from + u);
        if let Some(at) = at.filter(|at| *at < end) {
            s.schedule_at(
                sim_kernel::Time(at.max(t)),
                Ev::CareNeed(person, need.clock),
            );
        }
    }

    /// Whether the need of home care has arisen by now (at the end of a course of reablement).
    fn home_care_needed(&mut self, person: Ix, t: f64) -> bool {
        if self.persons[person as usize].need.state == NeedState::None {
            return false;
        }
        self.bring_need_up_to(person, t);
        let need = &self.persons[person as usize].need;
        need.reached[HOME_CARE] >= need.level[HOME_CARE]
    }

    /// The need of a care home arises: during reablement the course ends and the person waits
    /// at home for a place; at home afterwards, they wait for one; while bridged, it is acted
    /// on when the bridging ends (`after_bridging`); in hospital or a care home, nothing.
    pub(super) fn on_care_need(&mut self, s: &mut Scheduler<Ev>, person: Ix, clock: u32) {
        let p = &self.persons[person as usize];
        if !p.alive || p.need.clock != clock {
            return;
        }
        let t = s.now().0;
        let state = p.need.state;
        if p.in_hospital || p.residence.is_care_home() {
            self.end_care_need(person);
            return;
        }
        if self.measured(t) {
            self.gp.counts.care_home_needs += 1;
        }
        match state {
            NeedState::None => {}
            NeedState::Waiting => {
                self.bring_need_up_to(person, t);
                self.persons[person as usize].need.arisen = true;
            }
            NeedState::Reablement => {
                let course = self.persons[person as usize]
                    .packages
                    .iter()
                    .copied()
                    .find(|&k| self.packages[k as usize].service == Service::Reablement);
                self.end_care_need(person);
                if let Some(k) = course {
                    self.end_package(s, k, PackageEndReason::CareHome);
                    if self.measured(t) {
                        self.gp.counts.reablement_ended += 1;
                        self.gp.counts.reablement_to_care_home += 1;
                    }
                }
                self.request_care_home_from_home(s, person);
            }
            NeedState::AtHome => {
                self.end_care_need(person);
                self.request_care_home_from_home(s, person);
            }
        }
    }

    /// Bridging has ended at home (assessed with nothing more needed, or home care started):
    /// a care home need that arose while bridged is acted on now (the person waits at home for
    /// a place); otherwise the hazards go on at home.
    pub(super) fn after_bridging(&mut self, s: &mut Scheduler<Ev>, person: Ix) {
        let p = &self.persons[person as usize];
        if p.need.state != NeedState::Waiting {
            return;
        }
        if !p.alive || p.in_hospital {
            self.end_care_need(person);
        } else if p.need.arisen {
            self.end_care_need(person);
            if !self.persons[person as usize].residence.is_care_home() {
                self.request_care_home_from_home(s, person);
            }
        } else {
            self.set_need_state(s, person, NeedState::AtHome);
        }
    }

    /// Whether a care home need arose while bridged (the assessment at home finds it).
    pub(super) fn care_need_arisen(&self, person: Ix) -> bool {
        let need = &self.persons[person as usize].need;
        need.state == NeedState::Waiting && need.arisen
    }

    /// The end of a course of reablement with the hazards (the person alive, at home): ongoing
    /// home care if its need has arisen by now, independence otherwise; the care home hazard
    /// goes on at home. Returns whether home care is needed.
    pub(super) fn reablement_outcome(&mut self, s: &mut Scheduler<Ev>, person: Ix) -> bool {
        let t = s.now().0;
        let home_care = self.home_care_needed(person, t);
        if self.persons[person as usize].need.state == NeedState::Reablement {
            self.set_need_state(s, person, NeedState::AtHome);
        }
        home_care
    }

    /// A course of reablement under way at a recorded state, `elapsed` days in: the hazards as
    /// from its discharge, the needs not arisen by now.
    pub(super) fn resume_care_need(
        &mut self,
        s: &mut Scheduler<Ev>,
        person: Ix,
        hours: f64,
        state: NeedState,
        elapsed: f64,
    ) {
        self.start_care_need(s, person, hours, state, elapsed.max(0.0));
    }

    /// Whether the hazards are in force for `person` (taken up from a package already).
    pub(super) fn care_need_in_force(&self, person: Ix) -> bool {
        self.persons[person as usize].need.state != NeedState::None
    }
}

#[cfg(test)]
mod tests {
    use super::{cumulative, days_to_reach};

    #[test]
    fn the_hazard_decays_by_its_half_life_and_has_a_finite_total() {
        assert!((cumulative(1.0, 1.0, 30.0, 0.0, 30.0) - 0.5).abs() < 1e-12);
        assert!((cumulative(1.0, 1.0, 30.0, 30.0, 60.0) - 0.25).abs() < 1e-12);
        assert!((cumulative(2.0, 0.5, 30.0, 0.0, f64::INFINITY) - 1.0).abs() < 1e-12);
        // Inverting it: half the total at one half-life, never past the total.
        let u = days_to_reach(0.5, 0.0, 1.0, 1.0, 30.0, 0.0).unwrap();
        assert!((u - 30.0).abs() < 1e-9, "{u}");
        let u = days_to_reach(0.75, 0.5, 1.0, 1.0, 30.0, 30.0).unwrap();
        assert!((u - 60.0).abs() < 1e-9, "{u}");
        assert_eq!(days_to_reach(1.0, 0.0, 1.0, 1.0, 30.0, 0.0), None);
        assert_eq!(days_to_reach(0.1, 0.0, 0.0, 1.0, 30.0, 0.0), None);
        assert_eq!(days_to_reach(0.1, 0.0, 1.0, 0.0, 30.0, 0.0), None);
    }

    /// The day a need arises for someone who waits at home without support for `wait` days
    /// (factor `waiting`), then is at home (factor 1), with the unit exponential `level`.
    fn arises(level: f64, wait: f64, waiting: f64) -> Option<f64> {
        let (size, h) = (0.4, 30.0);
        let first = days_to_reach(level, 0.0, size, waiting, h, 0.0);
        if first.is_some_and(|u| u <= wait) {
            return first;
        }
        let reached = cumulative(size, waiting, h, 0.0, wait);
        days_to_reach(level, reached, size, 1.0, h, wait)
    }

    #[test]
    fn the_same_people_kept_waiting_longer_need_a_care_home_more_and_sooner() {
        // Common random numbers: the same unit exponentials, waits of 3 and 20 days.
        let levels: Vec<f64> = (1..400)
            .map(|i| -(1.0 - f64::from(i) / 400.0).ln())
            .collect();
        let by_91 = |wait: f64| {
            levels
                .iter()
                .filter(|&&l| arises(l, wait, 1.5).is_some_and(|u| u <= 91.0))
                .count()
        };
        for &l in &levels {
            match (arises(l, 3.0, 1.5), arises(l, 20.0, 1.5)) {
                (Some(short), Some(long)) => assert!(long <= short + 1e-9, "{l}"),
                (Some(_), None) => panic!("waiting longer cannot take a need away ({l})"),
                _ => {}
            }
        }
        assert!(by_91(20.0) > by_91(3.0), "{} {}", by_91(20.0), by_91(3.0));
        // Waiting that does not raise the hazard changes nothing.
        for &l in &levels {
            match (arises(l, 3.0, 1.0), arises(l, 20.0, 1.0)) {
                (Some(a), Some(b)) => assert!((a - b).abs() < 1e-6, "{l}: {a} {b}"),
                (a, b) => assert_eq!(a.is_some(), b.is_some(), "{l}"),
            }
        }
    }
}
