//! The population: people 65+ by age band and residence, the trust's other patients, their
//! registration, deaths in the community and who replaces them.

use super::*;

impl<S: Sink> TwinModel<'_, S> {
    pub(super) fn new_person(
        &mut self,
        band: u8,
        residence: Residence,
        home: Option<Text>,
        t: f64,
        age: i32,
    ) -> Ix {
        let nhs = self.next_nhs.next().expect("enough synthetic NHS numbers");
        let ix = self.persons.len() as Ix;
        let mut rngs = PersonRngs::new(&self.streams, ix);
        let rng = &mut rngs.life;
        let practice = rng.gen_range(0..synthetic_log::GP_PRACTICES);
        let extended = (practice as f64)
            < (self.p.gp.extended_access_share * synthetic_log::GP_PRACTICES as f64).round();
        let on = self.start + chrono::Duration::days(t.floor() as i64);
        let birth = on
            .with_year(on.year() - age)
            .unwrap_or(on - chrono::Duration::days(365 * i64::from(age)))
            - chrono::Duration::days(rng.gen_range(1..365));
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
                sex: if rng.gen_bool(0.57) {
                    Sex::Female
                } else {
                    Sex::Male
                },
                gp: synthetic_log::gp_code(practice).into(),
                residence,
                care_home: home.clone(),
            },
        );
        self.persons.push(Person {
            nhs,
            band,
            residence,
            home,
            gp_extended: extended,
            alive: true,
            in_hospital: false,
            slot: 0,
            package: None,
            packages: Vec::new(),
            reviewing: None,
            rng: rngs,
            crisis_at: f64::INFINITY,
            crisis_clock: 0,
            death_at: f64::INFINITY,
            death_clock: 0,
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
        let ages = [(65, 75), (75, 85), (85, 100)];
        for band in 0..3 {
            for _ in 0..counts[band] {
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
                    let places = if nursing {
                        &mut self.nursing
                    } else {
                        &mut self.residential
                    };
                    if places.try_acquire(0.0) {
                        let code = Self::draw_care_home(&mut rng, nursing);
                        (res, Some(Text::from(code)))
                    } else {
                        (Residence::OwnHome, None)
                    }
                } else {
                    (res, None)
                };
                let age = rng.gen_range(ages[band].0..ages[band].1);
                self.new_person(band as u8, res, home, 0.0, age);
            }
        }
        // The trust's other patients: younger adults, drawn for attendances and admissions.
        for _ in 0..12_000 {
            let age = self.rng.setup.gen_range(18..65);
            let ix = self.new_person(3, Residence::OwnHome, None, 0.0, age);
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
            self.home_care.force(hours);
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
        pop.deaths_per_year[p.band as usize] * factor / 365.0
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
        }
    }

    pub(super) fn on_death(&mut self, s: &mut Scheduler<Ev>, ix: Ix, clock: u32) {
        let t = s.now().0;
        let p = &self.persons[ix as usize];
        if !p.alive || p.death_clock != clock {
            return;
        }
        if p.in_hospital {
            // Deaths in hospital come from the hospital's own rule; this one is drawn again.
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
        let home = person.residence;
        if home == Residence::ResidentialHome {
            self.free_care_home_place(s, false);
        } else if home == Residence::NursingHome {
            self.free_care_home_place(s, true);
        }
        // Every open package ends, giving back its hours, place or bed; a D2A patient waiting
        // at home for home care hours leaves the queue.
        let open = std::mem::take(&mut self.persons[ix as usize].packages);
        for k in open {
            self.home_care
                .withdraw(|w| matches!(w, HcFor::Bridged(x) if *x == k));
            self.end_package(s, k, PackageEndReason::Died);
        }
        self.persons[ix as usize].package = None;
        // A review in progress stops; the reviewer takes the next.
        if let Some(r) = self.persons[ix as usize].reviewing.take() {
            self.reviews[r as usize].in_progress = false;
            if let Some((next, _)) = self.reviewers.release(t) {
                self.start_review(s, next);
            }
        }
        // Someone turns 65: the population stays the size the scenario gives.
        if band < 3 {
            self.new_person(0, Residence::OwnHome, None, t, 65);
        }
    }
}
