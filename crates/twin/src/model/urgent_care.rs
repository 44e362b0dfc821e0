//! Urgent care: where a crisis goes (averted, resolved by a GP, or A&E by some route), A&E
//! arrival, assessment by a clinician, and departure (admitted, discharged, referred or left).

use super::*;

impl<S: Sink> TwinModel<'_, S> {
    /// Where a crisis goes: resolved by a GP (when one is free to see it: `gp`), or to A&E by
    /// some route.
    pub(super) fn route_crisis(&mut self, s: &mut Scheduler<Ev>, ix: Ix) {
        let t = s.now().0;
        if let Some(source) = self.gp_first(t, ix) {
            self.arrive_at_ae(s, ix, source, false);
        }
    }

    pub(super) fn arrive_at_ae(
        &mut self,
        s: &mut Scheduler<Ev>,
        person: Ix,
        source: AeSource,
        forced_admit: bool,
    ) {
        let t = s.now().0;
        let id = self.emit.id('a');
        // In A&E: not at home for another crisis or a death in the community.
        self.persons[person as usize].in_hospital = true;
        self.emit.emit(
            t,
            self.who(person, Some(self.atts.len() as Ix)),
            B::AeArrival {
                attendance: id.clone(),
                org: TRUST.into(),
                source,
            },
        );
        let a = self.atts.len() as Ix;
        self.atts.push(Attendance {
            id,
            person,
            arrived: t,
            source,
            forced_admit,
            assessing: false,
            departed: false,
        });
        self.today_arrivals += 1;
        let p = &self.persons[person as usize];
        if p.band < 3 && self.measured(t) {
            self.gp.counts.ae_65 += 1;
            if p.residence.is_care_home() {
                self.gp.counts.ae_care_home += 1;
            }
        }
        if let Some(a) = self.clinicians.request(t, a, 0) {
            self.assess_at_ae(s, a);
        }
    }

    pub(super) fn assess_at_ae(&mut self, s: &mut Scheduler<Ev>, a: Ix) {
        let older = self.persons[self.atts[a as usize].person as usize].band < 3;
        let d = if older {
            &self.p.ae.assessment_hours
        } else {
            &self.p.ae.background_assessment_hours
        };
        let hours = d.sample(
            &mut self.persons[self.atts[a as usize].person as usize]
                .rng
                .acute,
        );
        self.atts[a as usize].assessing = true;
        s.schedule_in(hours / 24.0, Ev::AeAssessed(a));
    }

    pub(super) fn on_assessed(&mut self, s: &mut Scheduler<Ev>, a: Ix) {
        let t = s.now().0;
        self.atts[a as usize].assessing = false;
        if let Some((next, _)) = self.clinicians.release(t) {
            self.assess_at_ae(s, next);
        }
        let att = &self.atts[a as usize];
        let band = self.persons[att.person as usize].band;
        let admit_p = if att.forced_admit {
            1.0
        } else if band == 3 {
            self.p.ae.background_admit
        } else if att.source == AeSource::Gp {
            self.p.ae.admit_gp_referred
        } else {
            self.p.ae.admit[band as usize]
        };
        let person = att.person;
        let rng = &mut self.persons[person as usize].rng.acute;
        if rng.gen_bool(admit_p) {
            if let Some(b) = self.beds.request(t, BedFor::Attendance(a), 0) {
                self.bed_granted(s, b);
            }
        } else {
            let outcome = [AeOutcome::Discharged, AeOutcome::Referred, AeOutcome::Left]
                [pick(rng, &self.p.ae.not_admitted)];
            self.depart_ae(t, a, outcome);
            self.persons[person as usize].in_hospital = false;
        }
    }

    pub(super) fn depart_ae(&mut self, t: f64, a: Ix, outcome: AeOutcome) {
        let att = &mut self.atts[a as usize];
        att.departed = true;
        if t - att.arrived > 4.0 / 24.0 {
            self.today_over_4h += 1;
        }
        if t - att.arrived > 12.0 / 24.0 {
            self.today_over_12h += 1;
        }
        let id = att.id.clone();
        self.emit.emit(
            t,
            self.who(self.atts[a as usize].person, Some(a)),
            B::AeDeparture {
                attendance: id,
                outcome,
            },
        );
    }
}

impl<S: Sink> TwinModel<'_, S> {
    /// The arrival times (model days) of attendances that have not left A&E: at the end of a
    /// run, those still waiting (for a clinician or, admitted, for a bed).
    pub fn ae_still_waiting(&self) -> impl Iterator<Item = f64> + '_ {
        self.atts.iter().filter(|a| !a.departed).map(|a| a.arrived)
    }
}
