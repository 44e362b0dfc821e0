//! The population: people 65+ by age band and residence, the trust's other patients, their
//! registration, deaths in the community and who replaces them.

use super::*;

impl<S: Sink> TwinModel<'_, S> {
    pub(super) fn new_person(
        &mut self,
        band: u8,
        residence: Residence,
        place: Option<u32>,
        t: f64,
        born: f64,
    ) -> Ix {
        let home = place.map(|h| self.care_home_code(h));
        let nhs = self.next_nhs.next().expect("enough synthetic NHS numbers");
        let ix = self.persons.len() as Ix;
        let mut rngs = PersonRngs::new(&self.purposes, ix);
        let rng = &mut rngs.life;
        let practice = rng.gen_range(0..synthetic_log::GP_PRACTICES);
        let birth = self.now_date(born);
        let when = if t <= 0.0 {
            -rng.gen_range(30.0..3000.0)
        } else {
            t
        };
        self.emit.emit(
            when,
            Who {
                nhs,
                person: ix,
                lifecycle: None,
            },
            B::PersonRegistered {
                birth_date: birth,
                sex: if rng.gen_bool(self.p.population.female_share) {
                    Sex::Female
                } else {
                    Sex::Male
                },
                gp: self.gp_codes[practice].clone(),
                residence,
                care_home: home.clone(),
            },
        );
        self.add_person(nhs, band, born, (residence, place), practice, rngs)
    }

    /// Whether GP practice number `practice` offers extended access (the first of them do, as
    /// many as the scenario's share).
    pub(super) fn extended_access(&self, practice: usize) -> bool {
        (practice as f64)
            < (self.p.gp.extended_access_share * synthetic_log::GP_PRACTICES as f64).round()
    }

    /// A registered person joins the model: alive, living at `residence` (in care home place
    /// `place`, if any), their crisis, death and birthday clocks set after the current event
    /// (65 and over). Their index.
    pub(super) fn add_person(
        &mut self,
        nhs: NhsNumber,
        band: u8,
        born: f64,
        (residence, place): (Residence, Option<u32>),
        practice: usize,
        rng: PersonRngs,
    ) -> Ix {
        let ix = self.persons.len() as Ix;
        let gp_extended = self.extended_access(practice);
        let home = place.map(|h| self.care_home_code(h));
        self.persons.push(Person {
            nhs,
            band,
            born,
            residence,
            home,
            place,
            practice: practice as u32,
            gp_extended,
            alive: true,
            in_hospital: false,
            slot: 0,
            package: None,
            packages: Vec::new(),
            reviewing: None,
            rng,
            crisis_level: f64::INFINITY,
            crisis_clock: 0,
            death_at: f64::INFINITY,
            death_clock: 0,
            excess: post_discharge::Excess::default(),
            need: care_need::CareNeed::default(),
        });
        if band < 3 {
            self.join_group(ix);
            self.new_people.push(ix);
        }
        ix
    }

    /// Who an event is about: person `person`, in lifecycle `lifecycle` of its namespace.
    pub(super) fn who(&self, person: Ix, lifecycle: Option<Ix>) -> Who {
        Who {
            nhs: self.persons[person as usize].nhs,
            person,
            lifecycle,
        }
    }

    pub(super) fn group_of(&self, ix: Ix) -> (usize, usize) {
        let p = &self.persons[ix as usize];
        (p.band as usize, usize::from(p.residence.is_care_home()))
    }

    pub(super) fn join_group(&mut self, ix: Ix) {
        let (b, c) = self.group_of(ix);
        self.persons[ix as usize].slot = self.groups[b][c].len() as Ix;
        self.groups[b][c].push(ix);
    }

    pub(super) fn leave_group(&mut self, ix: Ix) {
        let (b, c) = self.group_of(ix);
        let slot = self.persons[ix as usize].slot as usize;
        let g = &mut self.groups[b][c];
        assert_eq!(
            g.get(slot),
            Some(&ix),
            "person {ix} is not where its group says (band {b}, care home {c})"
        );
        g.swap_remove(slot);
        if let Some(&moved) = g.get(slot) {
            self.persons[moved as usize].slot = slot as Ix;
        }
    }

    /// The people of the area at the start, their care homes and their home care.
    pub(super) fn populate(&mut self) {
        let pop = &self.p.population;
        let counts = [pop.aged_65_74, pop.aged_75_84, pop.aged_85_plus];
        for (band, &count) in counts.iter().enumerate() {
            for _ in 0..count {
                // Drawn from the person's own stream: the same people live in the same places
                // whatever the scenario (as far as its places allow).
                let mut rng = self.streams.entity(self.persons.len() as u64, "residence");
                let r = rng.gen::<f64>();
                let (res, nursing) = if r < pop.nursing_share[band] {
                    (Residence::NursingHome, true)
                } else if r < pop.nursing_share[band] + pop.residential_share[band] {
                    (Residence::ResidentialHome, false)
                } else if r < pop.nursing_share[band]
                    + pop.residential_share[band]
                    + pop.extra_care_share[band]
                {
                    (Residence::ExtraCare, false)
                } else {
                    (Residence::OwnHome, false)
                };
                // A care home place must be free; otherwise they live at home.
                let (res, home) = if res.is_care_home() {
                    let sought = self
                        .care_homes
                        .sought(nursing, self.p.discharge.family_choice_homes);
                    match self.care_homes.take_at_start(nursing, sought) {
                        Some(h) => (res, Some(h)),
                        None => (Residence::OwnHome, None),
                    }
                } else {
                    (res, None)
                };
                // Ages within the band as in the steady state.
                let years = steady::years_into_band(rng.gen(), self.steady.deaths[band], band == 2);
                let born = -(65.0 + steady::BAND_YEARS * band as f64 + years) * steady::YEAR;
                self.new_person(band as u8, res, home, 0.0, born);
            }
        }
        // The trust's other patients: younger adults, drawn for attendances and admissions.
        // Aged so that none turns 65 before the run ends: they stay out of the 65+ figures.
        let r = &self.p.run;
        let run_years = f64::from(r.warmup_days + r.days + r.cooldown_days) / steady::YEAR;
        let oldest = (64.0 - run_years).max(19.0);
        for _ in 0..self.p.ae.background_patients {
            let age = self.rng.setup.gen_range(18.0..oldest);
            let ix = self.new_person(3, Residence::OwnHome, None, 0.0, -age * steady::YEAR);
            self.background.push(ix);
        }
        // Home care already running.
        let d = &self.p.discharge;
        let mut candidates: Vec<Ix> = (0..3)
            .flat_map(|b| self.groups[b][0].iter().copied())
            .collect();
        let n = (d.existing_home_care_packages as usize).min(candidates.len());
        for i in 0..n {
            let j = self.rng.setup.gen_range(i..candidates.len());
            candidates.swap(i, j);
        }
        for &person in candidates.iter().take(n) {
            let hours = d.package_hours.sample(&mut self.rng.setup);
            self.hours_of(person).force(hours);
            let started = -self
                .rng
                .setup
                .gen_range(1.0..d.package_days.mean().max(2.0));
            self.start_package(person, Service::HomeCare, hours, started, None, true);
        }
    }

    /// A person's deaths a year, as a rate a day: by age band, higher in a care home.
    pub(super) fn death_rate_of(&self, ix: Ix) -> f64 {
        let p = &self.persons[ix as usize];
        let pop = &self.p.population;
        if p.band >= 3 {
            return 0.0;
        }
        let factor = if p.residence.is_care_home() {
            pop.care_home_death_factor
        } else {
            1.0
        };
        self.deaths_at_home[p.band as usize] * factor / 365.0
    }

    /// Sets the person's death after now, from their own stream.
    pub(super) fn set_next_death(&mut self, s: &mut Scheduler<Ev>, ix: Ix) {
        let rate = self.death_rate_of(ix);
        let budget = -(1.0 - self.persons[ix as usize].rng.death.gen::<f64>()).ln();
        let at = s.now().0
            + if rate > 0.0 {
                budget / rate
            } else {
                f64::INFINITY
            };
        self.set_death_at(s, ix, at);
    }

    fn set_death_at(&mut self, s: &mut Scheduler<Ev>, ix: Ix, at: f64) {
        let p = &mut self.persons[ix as usize];
        p.death_clock += 1;
        p.death_at = at;
        if at.is_finite() {
            s.schedule_at(sim_kernel::Time(at), Ev::Death(ix, p.death_clock));
        }
    }

    /// The person's death rate changed (from `old`): what is left is rescaled.
    pub(super) fn death_rate_changed(&mut self, s: &mut Scheduler<Ev>, ix: Ix, old: f64) {
        let p = &self.persons[ix as usize];
        let new = self.death_rate_of(ix);
        if !p.alive || !p.death_at.is_finite() || old <= 0.0 || new == old {
            return;
        }
        let now = s.now().0;
        let left = (p.death_at - now) * old;
        let at = now + if new > 0.0 { left / new } else { f64::INFINITY };
        self.set_death_at(s, ix, at);
    }

    /// Sets the crisis and death clocks of people registered since the last event.
    pub(super) fn set_clocks_of_new_people(&mut self, s: &mut Scheduler<Ev>) {
        for ix in std::mem::take(&mut self.new_people) {
            self.set_next_crisis(s, ix);
            self.set_next_death(s, ix);
            self.set_next_birthday(s, ix);
        }
    }

    pub(super) fn on_death(&mut self, s: &mut Scheduler<Ev>, ix: Ix, clock: u32) {
        let t = s.now().0;
        let p = &self.persons[ix as usize];
        if !p.alive || p.death_clock != clock {
            return;
        }
        let band = p.band as usize;
        let in_hospital_now = p.in_hospital;
        // Deaths in hospital come from the hospital's own rule: the clock's deaths are thinned
        // by the hospital's deaths per person-year so far, so the band's all-cause rate is the
        // steady state's.
        let in_hospital = if self.person_years[band] > 1.0 {
            self.deaths_in_hospital[band] / self.person_years[band]
        } else {
            0.0
        };
        let keep = (1.0 - in_hospital / self.steady.deaths[band].max(1e-12)).clamp(0.0, 1.0);
        let kept = self.persons[ix as usize].rng.death.gen::<f64>() < keep;
        if in_hospital_now || !kept {
            self.set_next_death(s, ix);
            return;
        }
        self.die(s, ix, t);
    }

    /// A death outside hospital (or after a death in hospital, with its discharge).
    pub(super) fn die(&mut self, s: &mut Scheduler<Ev>, ix: Ix, t: f64) {
        if !self.persons[ix as usize].alive {
            return;
        }
        self.emit.emit(t, self.who(ix, None), B::Death);
        let band = self.persons[ix as usize].band;
        if band < 3 {
            self.leave_group(ix);
        }
        let person = &mut self.persons[ix as usize];
        person.alive = false;
        self.care_homes.withdraw(ChFor::Person(ix));
        let person = &mut self.persons[ix as usize];
        if let Some(h) = person.place.take() {
            self.free_care_home_place(s, h);
        }
        // Every open package ends, giving back its hours, place or bed; a D2A patient waiting
        // at home for home care hours leaves the queue.
        let open = std::mem::take(&mut self.persons[ix as usize].packages);
        let mut withdrawn = false;
        for k in open {
            withdrawn |= self
                .hours_of(ix)
                .withdraw(|w| matches!(w, HcFor::Bridged(x) if *x == k))
                .is_some();
            self.end_package(s, k, PackageEndReason::Died);
        }
        // A withdrawn head of the home care queue may leave room for those behind it.
        if withdrawn {
            for (w, _) in self.hours_of(ix).release(t, 0.0) {
                self.home_care_found(s, w);
            }
        }
        self.persons[ix as usize].package = None;
        // A review in progress stops; the reviewer takes the next.
        if let Some(r) = self.persons[ix as usize].reviewing.take() {
            self.reviews[r as usize].in_progress = false;
            if let Some((next, _)) = self.reviewers.release(t) {
                self.start_review(s, next);
            }
        }
    }

    /// The next birthday that moves the person into a band, if it falls in the run.
    fn set_next_birthday(&mut self, s: &mut Scheduler<Ev>, ix: Ix) {
        let p = &self.persons[ix as usize];
        if p.band >= 2 {
            return;
        }
        let at = p.born + (65.0 + steady::BAND_YEARS * f64::from(p.band + 1)) * steady::YEAR;
        s.schedule_at(sim_kernel::Time(at.max(s.now().0)), Ev::Birthday(ix));
    }

    /// Turning 75 or 85: into the next band, with its rates.
    pub(super) fn on_birthday(&mut self, s: &mut Scheduler<Ev>, ix: Ix) {
        if !self.persons[ix as usize].alive {
            return;
        }
        let (crisis, death) = (self.crisis_rate_of(ix), self.death_rate_of(ix));
        self.leave_group(ix);
        self.persons[ix as usize].band += 1;
        self.join_group(ix);
        self.crisis_rate_changed(s, ix, crisis);
        self.death_rate_changed(s, ix, death);
        self.set_next_birthday(s, ix);
    }

    /// Someone turns 65, at the rate that keeps 65-74 steady.
    pub(super) fn on_entry(&mut self, s: &mut Scheduler<Ev>) {
        let t = s.now().0;
        self.new_person(0, Residence::OwnHome, None, t, t - 65.0 * steady::YEAR);
        self.set_next_entry(s);
    }

    pub(super) fn set_next_entry(&mut self, s: &mut Scheduler<Ev>) {
        let per_day = self.steady.entry_per_year / 365.0;
        if per_day > 0.0 {
            let gap = Dist::Exponential {
                mean: 1.0 / per_day,
            }
            .sample(&mut self.rng.entry);
            s.schedule_in(gap, Ev::Entry);
        }
    }
}
