//! Demand: crises of the population (by band, residence, season, weekday and hour), the trust's
//! other emergency and elective patients (returns after a discharge: `post_discharge`).

use super::*;

impl<S: Sink> TwinModel<'_, S> {
    /// The crisis intensity of every hour of the run (weekly x hourly profile, winter).
    pub(super) fn crisis_profile(&self) -> Profile {
        let r = &self.p.run;
        let days = r.warmup_days + r.days + r.cooldown_days + 1;
        let winter = self.p.crisis.winter_factor;
        Profile::new(days as usize * 24, |h| {
            let t = (h as f64 + 0.5) / 24.0;
            let w = if self.is_winter(t) { winter } else { 1.0 };
            self.intensity(t) * w
        })
    }

    /// A person's crises a day at the profile's mean: by age band, or in a care home.
    pub(super) fn crisis_rate_of(&self, ix: Ix) -> f64 {
        let p = &self.persons[ix as usize];
        let c = &self.p.crisis;
        if p.band >= 3 {
            0.0
        } else if p.residence.is_care_home() {
            c.care_home_per_year / 365.0
        } else {
            c.per_year[p.band as usize] / 365.0
        }
    }

    /// Sets the person's next crisis after now, from their own stream: a unit exponential of
    /// profile time at their rate.
    pub(super) fn set_next_crisis(&mut self, s: &mut Scheduler<Ev>, ix: Ix) {
        let rate = self.crisis_rate_of(ix);
        let now = s.now().0;
        let budget = -(1.0 - self.persons[ix as usize].rng.crisis.gen::<f64>()).ln();
        let level = self.profile.at(now)
            + if rate > 0.0 {
                budget / rate
            } else {
                f64::INFINITY
            };
        self.set_crisis_at(s, ix, level);
    }

    /// Sets the person's next crisis where the profile reaches `level` (never past the run).
    fn set_crisis_at(&mut self, s: &mut Scheduler<Ev>, ix: Ix, level: f64) {
        let p = &mut self.persons[ix as usize];
        p.crisis_clock += 1;
        p.crisis_level = level;
        if let Some(at) = self.profile.time_of(level) {
            s.schedule_at(
                sim_kernel::Time(at.max(s.now().0)),
                Ev::Crisis(ix, p.crisis_clock),
            );
        }
    }

    /// The person's crisis rate changed (from `old`): what is left of their budget is
    /// rescaled, nothing is drawn. A crisis that fell past the run's end at the old rate may
    /// fall inside it at a higher one (turning 75, moving into a care home): its level is kept
    /// for that.
    pub(super) fn crisis_rate_changed(&mut self, s: &mut Scheduler<Ev>, ix: Ix, old: f64) {
        let p = &self.persons[ix as usize];
        let new = self.crisis_rate_of(ix);
        if !p.alive || !p.crisis_level.is_finite() || old <= 0.0 || new == old {
            return;
        }
        let now = self.profile.at(s.now().0);
        let left = (p.crisis_level - now).max(0.0) * old;
        let level = now + if new > 0.0 { left / new } else { f64::INFINITY };
        self.set_crisis_at(s, ix, level);
    }

    pub(super) fn on_crisis(&mut self, s: &mut Scheduler<Ev>, ix: Ix, clock: u32) {
        let p = &self.persons[ix as usize];
        if !p.alive || p.crisis_clock != clock {
            return;
        }
        // In hospital already: this crisis is part of the stay.
        if !p.in_hospital {
            self.route_crisis(s, ix);
        }
        self.set_next_crisis(s, ix);
    }

    pub(super) fn schedule_background(&mut self, s: &mut Scheduler<Ev>) {
        let rate = self.p.ae.background_per_day * self.intensity(s.now().0);
        Self::next_in_hour(
            s,
            &mut self.rng.background,
            rate,
            Ev::BackgroundAe,
            Ev::BackgroundRedraw,
        );
    }

    pub(super) fn on_background_ae(&mut self, s: &mut Scheduler<Ev>) {
        // Who and by which route are drawn for every arrival, so the stream keeps step.
        let ix = self.background[self.rng.background.gen_range(0..self.background.len())];
        let source = [
            AeSource::SelfReferral,
            AeSource::Ambulance,
            AeSource::Nhs111,
            AeSource::Gp,
        ][pick(&mut self.rng.background, &self.p.ae.background_sources)];
        if !self.persons[ix as usize].in_hospital {
            self.arrive_at_ae(s, ix, source, false);
        }
        self.schedule_background(s);
    }

    pub(super) fn on_elective(&mut self, s: &mut Scheduler<Ev>) {
        let t = s.now().0;
        // Planned lists run on weekdays; a list with no bed is cancelled.
        let ix = self.background[self.rng.background.gen_range(0..self.background.len())];
        if !self.is_weekend(t) && self.beds.queue_len() == 0 && self.beds.try_acquire(t) {
            if self.persons[ix as usize].in_hospital {
                self.beds.release(t);
            } else {
                let spell = self.admit(t, ix, AdmissionMethod::Elective, None, None);
                let los = self
                    .p
                    .hospital
                    .elective_los
                    .sample(&mut self.persons[ix as usize].rng.acute);
                s.schedule_in(los, Ev::BackgroundLeave(spell));
            }
        }
        let gap = Dist::Exponential {
            mean: 5.0 / 7.0 / self.p.hospital.elective_per_day.max(1e-9),
        }
        .sample(&mut self.rng.background);
        s.schedule_in(gap, Ev::Elective);
    }
}
