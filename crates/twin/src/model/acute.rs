//! The acute trust: admission to a bed, treatment until medically optimised, deaths in
//! hospital, and the discharge moment that frees the bed.

use super::*;

impl<S: Sink> TwinModel<'_, S> {
    pub(super) fn bed_granted(&mut self, s: &mut Scheduler<Ev>, b: BedFor) {
        let t = s.now().0;
        let BedFor::Attendance(a) = b;
        self.depart_ae(t, a, AeOutcome::Admitted);
        let att = self.atts[a as usize].clone();
        let person = att.person;
        let p = &self.persons[person as usize];
        let older = p.band < 3;
        let causes = if p.residence.is_care_home() {
            &self.p.crisis.causes_care_home
        } else {
            &self.p.crisis.causes_home
        };
        let cause = CAUSES[pick(&mut self.persons[person as usize].rng.acute, causes)];
        let spell = self.admit(
            t,
            person,
            AdmissionMethod::Emergency,
            Some(att.id),
            if older { Some(cause) } else { None },
        );
        if older {
            let band = self.persons[person as usize].band as usize;
            let los = self
                .p
                .hospital
                .medical_los
                .sample(&mut self.persons[person as usize].rng.acute)
                * self.p.hospital.older_band_los_factor[band];
            let los = match self.later_ward_round(person, t + los) {
                Some(round) => round - t,
                None => los,
            };
            // Discharge planning starts ahead of the expected date (scheduled first, so it comes
            // first should the two fall at one instant).
            let plan = (los - self.p.discharge.planning_lead_days).max(0.0);
            s.schedule_in(plan, Ev::Plan(spell));
            s.schedule_in(los, Ev::Optimised(spell));
        } else {
            let los = self
                .p
                .hospital
                .background_los
                .sample(&mut self.persons[person as usize].rng.acute);
            s.schedule_in(los, Ev::BackgroundLeave(spell));
        }
    }

    /// When a patient stable at `stable` is declared medically optimised, if not then: the
    /// morning ward round declares them (`hospital.ward_round_hours`, 08:00-12:00: the SAFER
    /// bundle's senior review before midday); stable later, they wait for the next.
    pub(super) fn later_ward_round(&mut self, person: Ix, stable: f64) -> Option<f64> {
        let hour = Self::hour(stable);
        let [from, to] = self.p.hospital.ward_round_hours;
        if (from..to).contains(&hour) {
            return None;
        }
        let next = if hour >= to {
            stable.floor() + 1.0
        } else {
            stable.floor()
        };
        Some(next + self.persons[person as usize].rng.acute.gen_range(from..to) / 24.0)
    }

    pub(super) fn admit(
        &mut self,
        t: f64,
        person: Ix,
        method: AdmissionMethod,
        attendance: Option<Text>,
        cause: Option<Cause>,
    ) -> Ix {
        let id = self.emit.id('s');
        let p = &mut self.persons[person as usize];
        p.in_hospital = true;
        let (nhs, older) = (p.nhs, p.band < 3);
        self.emit.emit(
            t,
            Who {
                nhs,
                person,
                lifecycle: Some(self.spells.len() as Ix),
            },
            B::Admission {
                spell: id.clone(),
                org: TRUST.into(),
                method,
                attendance,
                cause,
            },
        );
        let ix = self.spells.len() as Ix;
        self.spells.push(Spell::admitted(id, person, older));
        ix
    }

    pub(super) fn on_background_leave(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        let t = s.now().0;
        self.discharge(s, t, sp, Destination::UsualResidence, None);
    }

    /// The discharge moment: the bed is freed for whoever waits.
    pub(super) fn discharge(
        &mut self,
        s: &mut Scheduler<Ev>,
        t: f64,
        sp: Ix,
        destination: Destination,
        pathway: Option<u8>,
    ) {
        let at = self.emit.instant(t);
        let spell = &mut self.spells[sp as usize];
        spell.stage = Stage::Gone;
        if spell.ready_at.is_some() {
            self.delayed_now -= 1;
        }
        if let Some(trail) = spell.trail.as_mut() {
            trail.discharge = Some(at);
        }
        let person = spell.person;
        let id = spell.id.clone();
        let d2a = spell
            .older
            .then_some(self.policy.discharge_to_assess(spell.pathway));
        let p = &mut self.persons[person as usize];
        p.in_hospital = false;
        let nhs = p.nhs;
        self.emit.emit(
            t,
            Who {
                nhs,
                person,
                lifecycle: Some(sp),
            },
            B::Discharge {
                spell: id,
                destination,
                pathway,
                d2a,
            },
        );
        if let Some((b, _)) = self.beds.release(t) {
            self.bed_granted(s, b);
        }
    }

    pub(super) fn on_optimised(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        let t = s.now().0;
        let person = self.spells[sp as usize].person;
        if self.persons[person as usize]
            .rng
            .acute
            .gen_bool(self.p.hospital.death_in_hospital)
        {
            let band = self.persons[person as usize].band as usize;
            if band < 3 {
                self.deaths_in_hospital[band] += 1.0;
            }
            self.withdraw_everywhere(t, sp);
            if let Some(k) = self.spells[sp as usize].package.take() {
                self.cancel_package(t, k);
            }
            self.discharge(s, t, sp, Destination::Died, None);
            self.die(s, person, t);
            return;
        }
        let (id, nhs) = (
            self.spells[sp as usize].id.clone(),
            self.persons[person as usize].nhs,
        );
        self.emit.emit(
            t,
            Who {
                nhs,
                person,
                lifecycle: Some(sp),
            },
            B::ReadyForDischarge { spell: id },
        );
        self.spells[sp as usize].ready_at = Some(t);
        self.spells[sp as usize].trail = Some(Box::new(DelayTrail {
            ready: self.emit.instant(t),
            discharge: None,
            reasons: Vec::new(),
            parts: Vec::new(),
        }));
        self.delayed_now += 1;
        match self.spells[sp as usize].stage {
            Stage::Planned | Stage::ReadyToLeave => self.ready_to_leave(s, sp),
            stage => {
                // Still waiting for something: from now on it is a delay.
                if let Some(reason) = self.reason_of(sp, stage) {
                    self.wait_for(t, sp, reason);
                }
                self.mark(t, sp);
            }
        }
    }
}
