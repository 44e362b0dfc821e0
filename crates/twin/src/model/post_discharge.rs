//! The post-discharge excess hazard: after a discharge, a person's crises are raised by an
//! excess that decays exponentially (`crisis.post_discharge_half_life_days`), on top of their
//! background crisis rate. Its size depends on the person (age band, living in a care home) and
//! on what happened (a pathway that needed support, discharged without it, reablement
//! received). An excess crisis takes the same path as any other (GP, A&E, the admission
//! decision, a bed): a readmission is an emergency admission that follows, at any time, not a
//! return drawn inside a 30-day window. The size is a clinical hazard the model cannot
//! represent mechanistically: an input by nature (docs/calibration.md).
//!
//! The excess is a Poisson process of intensity `r e^(-k u)` at `u` days after the discharge
//! (`k = ln 2 / half-life`, `r = k x size`), so its cumulative hazard is
//! `size (1 - e^(-k u))`, at most `size`. Its crises are drawn by inverting it with unit
//! exponentials from the person's own `excess` stream, so the background crises, and everything
//! else the person draws, are the same whatever the excess.

use super::*;

/// The excess in force: from the latest discharge (a later discharge supersedes it).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Excess {
    /// When the discharge was (model days).
    from: f64,
    /// The excess crises expected over the whole decay.
    size: f64,
    /// The cumulative excess hazard at the latest excess crisis (or 0).
    reached: f64,
    /// Bumped by each discharge; an excess crisis set under an older clock is void.
    clock: u32,
}

/// The cumulative hazard `size (1 - e^(-k u))` inverted: the days after the discharge at which
/// it reaches `level`, or `None` if it never does.
pub(super) fn days_to_reach(level: f64, size: f64, half_life: f64) -> Option<f64> {
    if level >= size {
        return None;
    }
    let k = std::f64::consts::LN_2 / half_life;
    Some(-(1.0 - level / size).ln() / k)
}

impl<S: Sink> TwinModel<'_, S> {
    /// The excess crises expected after discharging `person` from `spell`: the band's size
    /// times the factors of their residence and of what happened.
    pub(super) fn excess_size(&self, person: Ix, spell: &Spell) -> f64 {
        self.excess_size_for(
            person,
            spell.pathway,
            spell.pathway == 1 && spell.reablement,
        )
    }

    /// The excess after a discharge on `pathway`, with reablement or not.
    pub(super) fn excess_size_for(&self, person: Ix, pathway: u8, reablement: bool) -> f64 {
        let c = &self.p.crisis;
        let p = &self.persons[person as usize];
        if p.band >= 3 {
            return 0.0;
        }
        let mut size = c.post_discharge_crises[p.band as usize];
        if p.residence.is_care_home() {
            size *= c.post_discharge_care_home;
        }
        if pathway > 0 {
            size *= c.post_discharge_needs_support;
        }
        if reablement {
            size *= if self.policy.bridging() {
                // Bridged home to be assessed there: without the support the pathway needs
                // until the assessment and the package.
                c.post_discharge_unsupported
            } else {
                c.post_discharge_reablement
            };
        }
        size
    }

    /// After a discharge home (or to a care home, reablement or step-down): the post-discharge
    /// excess hazard starts, or (`policy.readmission_hazard` off) the old forced return is
    /// drawn.
    pub(super) fn after_discharge(&mut self, s: &mut Scheduler<Ev>, person: Ix, spell: &Spell) {
        if self.policy.readmission_hazard() {
            self.start_excess(s, person, spell);
        } else {
            self.forced_return(s, person, spell.pathway);
        }
    }

    /// The old mechanism, a target in disguise (issue 10, item 2): a return with the chance
    /// `discharge.readmission[pathway]`, 0.5 to 30 days after the discharge, always admitted.
    fn forced_return(&mut self, s: &mut Scheduler<Ev>, person: Ix, pathway: u8) {
        let p = &mut self.persons[person as usize];
        if p.alive
            && p.rng
                .community
                .gen_bool(self.p.discharge.readmission[pathway as usize])
        {
            let after = p.rng.community.gen_range(0.5..30.0);
            s.schedule_in(after, Ev::Return(person));
        }
    }

    /// The old mechanism after a discharge at `from` (before a run from a recorded state):
    /// a return still to come, with its chance given that none came by now (a later crisis
    /// in the log cannot be told from a return; it is taken as not one).
    pub(super) fn resume_forced_return(
        &mut self,
        s: &mut Scheduler<Ev>,
        person: Ix,
        from: f64,
        pathway: u8,
    ) {
        let since = s.now().0 - from;
        if since >= 30.0 {
            return;
        }
        let chance = self.p.discharge.readmission[pathway as usize];
        let lo = since.max(0.5);
        let after = (30.0 - lo) / 29.5;
        let left = chance * after / (1.0 - chance * (1.0 - after));
        let p = &mut self.persons[person as usize];
        if p.alive && p.rng.community.gen_bool(left.clamp(0.0, 1.0)) {
            let at = from + p.rng.community.gen_range(lo..30.0);
            s.schedule_at(sim_kernel::Time(at.max(s.now().0)), Ev::Return(person));
        }
    }

    pub(super) fn on_return(&mut self, s: &mut Scheduler<Ev>, person: Ix) {
        let p = &self.persons[person as usize];
        if p.alive && !p.in_hospital {
            self.arrive_at_ae(s, person, AeSource::Ambulance, true);
        }
    }

    /// After a discharge: the person's excess starts afresh, and its first crisis is set.
    fn start_excess(&mut self, s: &mut Scheduler<Ev>, person: Ix, spell: &Spell) {
        let size = self.excess_size(person, spell);
        let p = &mut self.persons[person as usize];
        p.excess = Excess {
            from: s.now().0,
            size,
            reached: 0.0,
            clock: p.excess.clock + 1,
        };
        if p.alive {
            self.set_next_excess(s, person);
        }
    }

    /// The excess of a discharge at `from` (before a run from a recorded state), `size` in
    /// all: what is left of it after now, its next crisis set.
    pub(super) fn resume_excess(
        &mut self,
        s: &mut Scheduler<Ev>,
        person: Ix,
        from: f64,
        size: f64,
    ) {
        let half_life = self.p.crisis.post_discharge_half_life_days;
        let k = std::f64::consts::LN_2 / half_life;
        let since = (s.now().0 - from).max(0.0);
        let p = &mut self.persons[person as usize];
        p.excess = Excess {
            from,
            size,
            reached: size * (1.0 - (-k * since).exp()),
            clock: p.excess.clock + 1,
        };
        self.set_next_excess(s, person);
    }

    /// Sets the person's next excess crisis: a unit exponential further along the cumulative
    /// excess hazard (none if that is past its total).
    fn set_next_excess(&mut self, s: &mut Scheduler<Ev>, person: Ix) {
        let half_life = self.p.crisis.post_discharge_half_life_days;
        let end = self.p.run.warmup_days + self.p.run.days + self.p.run.cooldown_days;
        let p = &mut self.persons[person as usize];
        if p.excess.size <= 0.0 {
            return;
        }
        let level = p.excess.reached - (1.0 - p.rng.excess.gen::<f64>()).ln();
        if let Some(after) = days_to_reach(level, p.excess.size, half_life) {
            let at = p.excess.from + after;
            if at < f64::from(end) {
                p.excess.reached = level;
                s.schedule_at(
                    sim_kernel::Time(at.max(s.now().0)),
                    Ev::ExcessCrisis(person, p.excess.clock),
                );
            }
        }
    }

    pub(super) fn on_excess_crisis(&mut self, s: &mut Scheduler<Ev>, person: Ix, clock: u32) {
        let p = &self.persons[person as usize];
        if !p.alive || p.excess.clock != clock {
            return;
        }
        // In hospital already: this crisis is part of the stay.
        if !p.in_hospital {
            self.route_crisis(s, person);
        }
        self.set_next_excess(s, person);
    }
}

#[cfg(test)]
mod tests {
    use super::days_to_reach;

    #[test]
    fn the_excess_decays_by_its_half_life_and_has_a_finite_total() {
        // Half the total is reached at one half-life, three quarters at two.
        assert!((days_to_reach(0.5, 1.0, 14.0).unwrap() - 14.0).abs() < 1e-9);
        assert!((days_to_reach(0.75, 1.0, 14.0).unwrap() - 28.0).abs() < 1e-9);
        assert_eq!(days_to_reach(1.0, 1.0, 14.0), None);
        assert_eq!(days_to_reach(0.1, 0.0, 14.0), None);
    }
}
