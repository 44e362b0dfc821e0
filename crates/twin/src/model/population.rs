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
        let rng = &mut self.rng.community;
        let practice = rng.gen_range(0..synthetic_log::GP_PRACTICES);
        let extended = (practice as f64)
            < (self.p.gp.extended_access_share * synthetic_log::GP_PRACTICES as f64).round();
        let on = self.start + chrono::Duration::days(t.floor() as i64);
        let birth = on
            .with_year(on.year() - age)
            .unwrap_or(on - chrono::Duration::days(365 * i64::from(age)))
            - chrono::Duration::days(rng.gen_range(1..365));
        let ix = self.persons.len() as Ix;
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
        });
        if band < 3 {
            self.join_group(ix);
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
                let r = self.rng.community.gen::<f64>();
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
                        let code = self.draw_care_home(nursing);
                        (res, Some(Text::from(code)))
                    } else {
                        (Residence::OwnHome, None)
                    }
                } else {
                    (res, None)
                };
                let age = self.rng.community.gen_range(ages[band].0..ages[band].1);
                self.new_person(band as u8, res, home, 0.0, age);
            }
        }
        // The trust's other patients: younger adults, drawn for attendances and admissions.
        for _ in 0..12_000 {
            let age = self.rng.background.gen_range(18..65);
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
            let j = self.rng.community.gen_range(i..candidates.len());
            candidates.swap(i, j);
        }
        for &person in candidates.iter().take(n) {
            let hours = d.package_hours.sample(&mut self.rng.community);
            self.home_care.force(hours);
            let started = -self
                .rng
                .community
                .gen_range(1.0..d.package_days.mean().max(2.0));
            self.start_package(person, Service::HomeCare, hours, started, None, true);
        }
    }

    pub(super) fn schedule_mortality(&mut self, s: &mut Scheduler<Ev>) {
        let p = &self.p.population;
        let rate: f64 = (0..3)
            .map(|b| {
                p.deaths_per_year[b]
                    * (self.groups[b][0].len() as f64
                        + self.groups[b][1].len() as f64 * p.care_home_death_factor)
            })
            .sum::<f64>()
            / 365.0;
        Self::next_of(s, &mut self.rng.mortality, rate, Ev::Mortality);
    }

    pub(super) fn draw_person(
        &mut self,
        rate_of: impl Fn(usize, usize) -> f64,
        rng_crisis: bool,
    ) -> Option<Ix> {
        let weights: Vec<f64> = (0..6)
            .map(|i| self.groups[i / 2][i % 2].len() as f64 * rate_of(i / 2, i % 2))
            .collect();
        if weights.iter().sum::<f64>() <= 0.0 {
            return None;
        }
        let rng = if rng_crisis {
            &mut self.rng.crisis
        } else {
            &mut self.rng.mortality
        };
        let g = pick(rng, &weights);
        let group = &self.groups[g / 2][g % 2];
        Some(group[rng.gen_range(0..group.len())])
    }

    pub(super) fn on_mortality(&mut self, s: &mut Scheduler<Ev>) {
        let t = s.now().0;
        let p = &self.p.population;
        let (d, f) = (p.deaths_per_year, p.care_home_death_factor);
        if let Some(ix) = self.draw_person(|b, h| d[b] * if h == 1 { f } else { 1.0 }, false) {
            if !self.persons[ix as usize].in_hospital {
                self.die(s, ix, t);
            }
        }
        self.schedule_mortality(s);
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
