//! Demand: crises of the population (by band, residence, season, weekday and hour), the trust's
//! other emergency and elective patients, and returns after discharge.

use super::*;

impl<S: Sink> TwinModel<'_, S> {
    /// Crises a day now: the population's rates, the weekly and hourly profile, winter.
    pub(super) fn crisis_rate(&self, t: f64) -> f64 {
        let c = &self.p.crisis;
        let winter = if self.is_winter(t) {
            c.winter_factor
        } else {
            1.0
        };
        let total: f64 = (0..3)
            .map(|b| {
                self.groups[b][0].len() as f64 * c.per_year[b]
                    + self.groups[b][1].len() as f64 * c.care_home_per_year
            })
            .sum::<f64>()
            / 365.0;
        total * self.intensity(t) * winter
    }

    pub(super) fn schedule_crisis(&mut self, s: &mut Scheduler<Ev>) {
        let rate = self.crisis_rate(s.now().0);
        Self::next_in_hour(s, &mut self.rng.crisis, rate, Ev::Crisis, Ev::CrisisRedraw);
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

    pub(super) fn on_crisis(&mut self, s: &mut Scheduler<Ev>) {
        let c = &self.p.crisis;
        let (per_year, ch) = (c.per_year, c.care_home_per_year);
        if let Some(ix) = self.draw_person(|b, h| if h == 1 { ch } else { per_year[b] }, true) {
            if !self.persons[ix as usize].in_hospital {
                self.route_crisis(s, ix);
            }
        }
        self.schedule_crisis(s);
    }

    pub(super) fn on_background_ae(&mut self, s: &mut Scheduler<Ev>) {
        {
            let ix = self.background[self.rng.background.gen_range(0..self.background.len())];
            if !self.persons[ix as usize].in_hospital {
                let source = [
                    AeSource::SelfReferral,
                    AeSource::Ambulance,
                    AeSource::Nhs111,
                    AeSource::Gp,
                ][pick(&mut self.rng.background, &[0.6, 0.25, 0.1, 0.05])];
                self.arrive_at_ae(s, ix, source, false);
            }
        }
        self.schedule_background(s);
    }

    pub(super) fn on_elective(&mut self, s: &mut Scheduler<Ev>) {
        let t = s.now().0;
        // Planned lists run on weekdays; a list with no bed is cancelled.
        if !self.is_weekend(t) && self.beds.queue_len() == 0 && self.beds.try_acquire(t) {
            let ix = self.background[self.rng.background.gen_range(0..self.background.len())];
            if self.persons[ix as usize].in_hospital {
                self.beds.release(t);
            } else {
                let spell = self.admit(t, ix, AdmissionMethod::Elective, None, None);
                let los = self
                    .p
                    .hospital
                    .elective_los
                    .sample(&mut self.rng.background);
                s.schedule_in(los, Ev::BackgroundLeave(spell));
            }
        }
        let gap = Dist::Exponential {
            mean: 5.0 / 7.0 / self.p.hospital.elective_per_day.max(1e-9),
        }
        .sample(&mut self.rng.background);
        s.schedule_in(gap, Ev::Elective);
    }

    pub(super) fn on_return(&mut self, s: &mut Scheduler<Ev>, person: Ix) {
        let p = &self.persons[person as usize];
        if p.alive && !p.in_hospital {
            self.arrive_at_ae(s, person, AeSource::Ambulance, true);
        }
    }
}
