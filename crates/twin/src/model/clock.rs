//! The model's clock: calendar helpers (weekday, winter, the hour), the arrival profiles, the
//! hourly round that sets rotas and capacities, and the start of the model's processes.

use super::*;

impl<S: Sink> TwinModel<'_, S> {
    pub(super) fn now_date(&self, t: f64) -> NaiveDate {
        self.start + chrono::Duration::days(t.floor() as i64)
    }

    pub(super) fn is_weekend(&self, t: f64) -> bool {
        // Monday is 0: Saturday and Sunday are 5 and 6.
        (self.start_weekday + t.floor() as i64).rem_euclid(7) >= 5
    }

    /// The day of the week at model time `t` (Monday 0).
    pub(super) fn weekday(&self, t: f64) -> usize {
        (self.start_weekday + t.floor() as i64).rem_euclid(7) as usize
    }

    pub(super) fn hour(t: f64) -> f64 {
        (t - t.floor()) * 24.0
    }

    pub(super) fn is_winter(&self, t: f64) -> bool {
        matches!(self.now_date(t).month(), 12 | 1 | 2)
    }

    /// Relative arrival intensity now (weekly x hourly), mean 1 over a week. The profiles are
    /// normalised once, in `new`.
    pub(super) fn intensity(&self, t: f64) -> f64 {
        let day = t.floor();
        let weekday = (self.start_weekday + day as i64).rem_euclid(7) as usize;
        let hour = (((t - day) * 24.0) as usize).min(23);
        self.weekly_norm[weekday] * self.hourly_norm[hour]
    }

    /// Starts the model's processes.
    pub fn start(&mut self, s: &mut Scheduler<Ev>) {
        s.schedule_at(sim_kernel::Time(0.0), Ev::Hour);
        if self.resume.is_some() {
            // After the first midnight's census: it counts the state as it was.
            s.schedule_at(sim_kernel::Time(0.0), Ev::TakeUp);
        } else {
            for k in 0..self.packages.len() as Ix {
                self.schedule_package(s, k);
            }
        }
        while let Some(r) = self.new_reviews.pop() {
            self.schedule_review(s, r);
        }
        self.set_clocks_of_new_people(s);
        self.set_next_entry(s);
        self.schedule_background(s);
        let e = Dist::Exponential {
            mean: 1.0 / self.p.hospital.elective_per_day.max(1e-9),
        }
        .sample(&mut self.rng.background);
        s.schedule_in(e, Ev::Elective);
    }

    /// The next event of a stream whose rate is constant within each hour: drawn at the
    /// current hour's rate; if it would fall past the hour, the draw is made afresh at the hour
    /// (exact, as the exponential has no memory), so no draw is wasted as thinning would.
    pub(super) fn next_in_hour(
        s: &mut Scheduler<Ev>,
        rng: &mut ChaCha8Rng,
        rate: f64,
        event: Ev,
        redraw: Ev,
    ) {
        let t = s.now().0;
        let boundary = ((t * 24.0).floor() + 1.0) / 24.0;
        if rate > 0.0 {
            let at = t + Dist::Exponential { mean: 1.0 / rate }.sample(rng);
            if at < boundary {
                s.schedule_at(sim_kernel::Time(at), event);
                return;
            }
        }
        s.schedule_at(sim_kernel::Time(boundary), redraw);
    }

    /// The acute beds open now: the base beds, the winter beds in their months (by plan), and
    /// the escalation beds while escalation is in force. Escalation is decided at each hourly
    /// round on the occupancy of the beds in force without it (patients in escalation beds
    /// included): opened at `escalation_open_at`, closed below `escalation_close_at`. A closed
    /// escalation bed takes no new patient; those in it stay until discharged.
    pub(super) fn beds_in_force(&mut self, t: f64) -> u32 {
        let h = &self.p.hospital;
        let standing = h.beds
            + if matches!(self.now_date(t).month(), 12 | 1 | 2 | 3) {
                h.winter_beds
            } else {
                0
            };
        let occupancy = f64::from(self.beds.busy()) / f64::from(standing.max(1));
        if !self.escalation_open && h.escalation_beds > 0 && occupancy >= h.escalation_open_at {
            self.escalation_open = true;
        } else if self.escalation_open && occupancy < h.escalation_close_at {
            self.escalation_open = false;
        }
        self.escalation_today |= self.escalation_open;
        standing
            + if self.escalation_open {
                h.escalation_beds
            } else {
                0
            }
    }

    /// The daily look at the CHC team's waiting list: extra case slots bought in
    /// (`chc_surge_cases`) from `chc_surge_open_at` cases waiting, stopped at
    /// `chc_surge_close_at` or fewer. Slots above a lowered capacity finish their case.
    fn chc_surge(&mut self, s: &mut Scheduler<Ev>) {
        let t = s.now().0;
        let d = &self.p.discharge;
        if d.chc_surge_cases == 0 {
            return;
        }
        let waiting = self.chc_assessors.queue_len();
        if !self.chc_surge_open && waiting >= d.chc_surge_open_at as usize {
            self.chc_surge_open = true;
        } else if self.chc_surge_open && waiting <= d.chc_surge_close_at as usize {
            self.chc_surge_open = false;
        }
        let cases = d.chc_assessors
            + if self.chc_surge_open {
                d.chc_surge_cases
            } else {
                0
            };
        if cases != self.chc_assessors.capacity() {
            for (sp, _) in self.chc_assessors.set_capacity(t, cases) {
                self.start_chc(s, sp);
            }
        }
    }

    pub(super) fn on_hour(&mut self, s: &mut Scheduler<Ev>) {
        let t = s.now().0;
        let hour = (self.hour_count % 24) as u32;
        let weekend = self.is_weekend(t);
        let open_today = self.policy.services_open(weekend);
        if hour == 0 {
            // General practice's books for the day (and, on Mondays, the week).
            self.renew_gp_books(t);
            self.chc_surge(s);
        }
        let [day_from, day_to] = self.p.ae.day_shift_hours;
        let clinicians = if (day_from..day_to).contains(&f64::from(hour)) {
            self.p.ae.clinicians_day
        } else {
            self.p.ae.clinicians_night
        };
        for (a, _) in self.clinicians.set_capacity(t, clinicians) {
            self.assess_at_ae(s, a);
        }
        let [office_from, office_to] = self.p.discharge.office_hours;
        let office = (office_from..office_to).contains(&f64::from(hour)) && open_today;
        let weekday = self.weekday(t);
        let policy = self.policy;
        let rota = |n: u32| {
            if office {
                policy.on_duty(n, weekday)
            } else {
                0
            }
        };
        let d = &self.p.discharge;
        let sw = rota(d.social_workers);
        let rv = rota(self.p.community.reviewers);
        for (c, n) in [
            (Capacity::SocialWorkers, sw),
            (Capacity::Brokers, rota(d.brokers)),
            (Capacity::ProviderAssessors, rota(d.provider_assessors)),
        ] {
            for (sp, _) in self.staff(c).set_capacity(t, n) {
                self.start_staff_work(s, sp, c);
            }
        }
        for (k, _) in self
            .community_assessors
            .set_capacity(t, rota(policy.community_assessors(d.community_assessors)))
        {
            self.start_home_assessment(s, k);
        }
        if office {
            self.passed_over_by_staff(t);
        }
        for (r, _) in self.reviewers.set_capacity(t, rv) {
            self.start_review(s, r);
        }
        let beds = self.beds_in_force(t);
        if beds != self.beds.capacity() {
            for (b, _) in self.beds.set_capacity(t, beds) {
                self.bed_granted(s, b);
            }
        }
        let brokers = self.brokers.capacity();
        self.meter_hour(sw, brokers, rv, clinicians);
        if hour == 0 {
            self.audit_due = self.audit.is_some();
            for b in 0..3 {
                self.person_years[b] +=
                    (self.groups[b][0].len() + self.groups[b][1].len()) as f64 / 365.0;
            }
            self.days.push(Day {
                beds_occupied: f64::from(self.beds.busy()),
                delayed: f64::from(self.delayed_now),
                ae_over_4h: f64::from(self.today_over_4h),
                home_care_queue: self.home_care.queue_len() as f64,
                beds_open: f64::from(self.beds.capacity()),
                people_85_plus: (self.groups[2][0].len() + self.groups[2][1].len()) as f64,
                reviews_waiting: self.reviewers.queue_len() as f64,
                ae_arrivals: f64::from(self.today_arrivals),
                ae_over_12h: f64::from(self.today_over_12h),
                ae_waiting_for_bed: self.beds.queue_len() as f64,
                escalation_beds: if self.escalation_open {
                    f64::from(self.p.hospital.escalation_beds)
                } else {
                    0.0
                },
                escalation_day: f64::from(u8::from(self.escalation_today)),
                care_home_places_used: f64::from(
                    self.care_homes.busy(false) + self.care_homes.busy(true),
                ),
                care_home_queue: self.care_homes.waiting() as f64,
                home_care_hours_used: self.home_care.used(),
                chc_waiting: self.chc_assessors.queue_len() as f64,
                chc_bought_in: f64::from(u8::from(self.chc_surge_open)),
            });
            self.escalation_today = self.escalation_open;
            self.today_over_12h = 0;
            self.today_arrivals = 0;
            self.today_over_4h = 0;
            self.step_down_today = 0;
        }
        if hour == 10 && open_today {
            // Step-down providers admit in the morning, up to their daily limit.
            let waiting = std::mem::take(&mut self.step_down_waiting);
            for sp in waiting {
                self.step_down_admit(s, sp);
            }
        }
        self.hour_count += 1;
        s.schedule_at(sim_kernel::Time(self.hour_count as f64 / 24.0), Ev::Hour);
    }
}
