//! The whole-system model: older people at home and in care homes, crises, GP, A&E, the acute
//! trust's beds (shared with its other patients), medically optimised patients waiting for what
//! their discharge pathway needs, and care in the community afterwards.
//!
//! Every delay, wait and occupancy comes from capacities, queues and rules: clinicians, beds,
//! social workers, home care hours, reablement and step-down places, care home vacancies,
//! continuing-healthcare brokerage, weekday-only services. Each happening is emitted as events
//! of the journey log.

use crate::emit::{Emitter, ReasonTrack, Sink, Who};
use crate::scenario::Scenario;
use chrono::{Datelike, NaiveDate};
use domain::codes::*;
use domain::{EventBody as B, Hours, NhsNumber, Text};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use sim_kernel::{Discipline, Dist, Model, Pool, Resource, Scheduler, Streams};

pub type Ix = u32;

/// Events of the model's calendar.
#[derive(Debug, Clone, Copy)]
pub enum Ev {
    Crisis,
    /// An hour boundary: the crisis rate changes, draw the next crisis afresh.
    CrisisRedraw,
    Mortality,
    BackgroundAe,
    BackgroundRedraw,
    Elective,
    Hour,
    AeAssessed(Ix),
    Plan(Ix),
    Optimised(Ix),
    BackgroundLeave(Ix),
    AssessmentDone(Ix),
    ChcDone(Ix),
    BrokerageDone(Ix),
    FamilyDecided(Ix),
    CareStarts(Ix),
    Leave(Ix),
    PackageEnds(Ix),
    ReablementEnds(Ix),
    StepDownEnds(Ix),
    ReviewQueued(Ix),
    ReviewDone(Ix),
    Return(Ix),
}

#[derive(Debug, Clone)]
pub struct Person {
    pub nhs: NhsNumber,
    /// 0: 65-74, 1: 75-84, 2: 85+, 3: under 65 (the trust's other patients).
    pub band: u8,
    pub residence: Residence,
    pub home: Option<Text>,
    pub gp_extended: bool,
    pub alive: bool,
    pub in_hospital: bool,
    /// Position in its crisis group.
    pub slot: Ix,
    pub package: Option<Ix>,
}

/// What a medically optimised patient is doing now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    InTreatment,
    /// Planned to go home with no service: waits only to be optimised.
    Planned,
    Assessment,
    Chc,
    Brokerage,
    Family,
    HomeCare,
    Reablement,
    StepDown,
    CareHome,
    ReadyToLeave,
    Gone,
}

#[derive(Debug, Clone)]
pub struct Spell {
    pub id: Text,
    pub person: Ix,
    pub older: bool,
    pathway: u8,
    stage: Stage,
    nursing: bool,
    chc: bool,
    family: bool,
    hours: f64,
    reasons: ReasonTrack,
    ready_at: Option<f64>,
    providers_left: u32,
    /// Pathway 1 with reablement (or D2A bridging) rather than home care.
    reablement: bool,
    chc_id: Option<(Text, Ix)>,
}

#[derive(Debug, Clone)]
struct Attendance {
    id: Text,
    person: Ix,
    arrived: f64,
    source: AeSource,
    forced_admit: bool,
}

#[derive(Debug, Clone)]
struct Package {
    id: Text,
    person: Ix,
    service: Service,
    hours: f64,
    ended: bool,
}

#[derive(Debug, Clone)]
struct Review {
    id: Text,
    person: Ix,
    package: Ix,
    due: f64,
}

/// Who waits for home care hours: a patient in hospital, or someone bridged home by D2A
/// (holding a reablement place until the hours are found).
#[derive(Debug, Clone, Copy)]
enum HcFor {
    Spell(Ix),
    Bridged(Ix),
}

/// What a patient who died was holding.
#[derive(Debug, Clone, Copy)]
enum Freed {
    Reablement,
    HomeCare(f64),
    StepDown,
    CareHome(bool),
}

/// Who waits for an acute bed.
#[derive(Debug, Clone, Copy)]
enum BedFor {
    Attendance(Ix),
}

/// The random streams of the model, one per purpose.
struct Rngs {
    crisis: ChaCha8Rng,
    mortality: ChaCha8Rng,
    routing: ChaCha8Rng,
    ae: ChaCha8Rng,
    los: ChaCha8Rng,
    discharge: ChaCha8Rng,
    community: ChaCha8Rng,
    background: ChaCha8Rng,
}

/// Daily figures for `daily.csv`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Day {
    pub beds_occupied: f64,
    pub delayed: f64,
    pub ae_over_4h: f64,
    pub home_care_queue: f64,
}

pub struct TwinModel<'a, S: Sink> {
    p: &'a Scenario,
    pub emit: Emitter<S>,
    rng: Rngs,
    pub start: NaiveDate,
    pub persons: Vec<Person>,
    /// People 65+ by band and whether they live in a care home, for drawing crises and deaths.
    groups: [[Vec<Ix>; 2]; 3],
    background: Vec<Ix>,
    spells: Vec<Spell>,
    atts: Vec<Attendance>,
    packages: Vec<Package>,
    reviews: Vec<Review>,
    clinicians: Resource<Ix>,
    beds: Resource<BedFor>,
    social_workers: Resource<Ix>,
    home_care: Pool<HcFor>,
    reablement: Resource<Ix>,
    step_down: Resource<Ix>,
    step_down_today: u32,
    step_down_waiting: Vec<Ix>,
    residential: Resource<Ix>,
    nursing: Resource<Ix>,
    chc_assessors: Resource<Ix>,
    reviewers: Resource<Ix>,
    pub days: Vec<Day>,
    today_over_4h: u32,
    hour_count: u64,
    new_reviews: Vec<Ix>,
    freed: Vec<Freed>,
    /// Medically optimised patients still in hospital.
    delayed_now: u32,
    /// Assessments asked for so far (their dense index for the indicator engine).
    assessments: Ix,
    next_nhs: Box<dyn Iterator<Item = NhsNumber> + Send>,
    /// Weekday of day 0 (Monday 0) and the arrival profiles divided by their means.
    start_weekday: i64,
    weekly_norm: [f64; 7],
    hourly_norm: [f64; 24],
}

fn pick(rng: &mut ChaCha8Rng, w: &[f64]) -> usize {
    let total: f64 = w.iter().sum();
    let mut x = rng.gen::<f64>() * total;
    for (i, v) in w.iter().enumerate() {
        if x < *v {
            return i;
        }
        x -= v;
    }
    w.len() - 1
}

const CAUSES: [Cause; 5] = [
    Cause::FallInjury,
    Cause::Pneumonia,
    Cause::Uti,
    Cause::Dementia,
    Cause::Other,
];
const TRUST: &str = synthetic_log::ACUTE_TRUST;

impl<'a, S: Sink> TwinModel<'a, S> {
    pub fn new(p: &'a Scenario, streams: Streams, emit: Emitter<S>) -> Self {
        let start = domain::parse_date(&p.run.start).expect("validated");
        let d = &p.discharge;
        let mut m = TwinModel {
            p,
            emit,
            rng: Rngs {
                crisis: streams.stream("crisis"),
                mortality: streams.stream("mortality"),
                routing: streams.stream("routing"),
                ae: streams.stream("ae"),
                los: streams.stream("length-of-stay"),
                discharge: streams.stream("discharge"),
                community: streams.stream("community"),
                background: streams.stream("background"),
            },
            start,
            persons: Vec::new(),
            groups: Default::default(),
            background: Vec::new(),
            spells: Vec::new(),
            atts: Vec::new(),
            packages: Vec::new(),
            reviews: Vec::new(),
            clinicians: Resource::new(p.ae.clinicians_night, Discipline::Fifo),
            beds: Resource::new(p.hospital.beds, Discipline::Fifo),
            social_workers: Resource::new(0, Discipline::Fifo),
            home_care: Pool::new(d.home_care_hours * d.home_care_factor),
            reablement: Resource::new(d.reablement_slots, Discipline::Fifo),
            step_down: Resource::new(d.step_down_beds, Discipline::Fifo),
            step_down_today: 0,
            step_down_waiting: Vec::new(),
            residential: Resource::new(p.population.residential_places, Discipline::Fifo),
            nursing: Resource::new(p.population.nursing_places, Discipline::Fifo),
            chc_assessors: Resource::new(d.chc_assessors, Discipline::Fifo),
            reviewers: Resource::new(0, Discipline::Fifo),
            days: Vec::new(),
            today_over_4h: 0,
            hour_count: 0,
            new_reviews: Vec::new(),
            freed: Vec::new(),
            delayed_now: 0,
            assessments: 0,
            next_nhs: Box::new(synthetic_log::nhs_numbers()),
            start_weekday: i64::from(start.weekday().num_days_from_monday()),
            weekly_norm: p
                .crisis
                .weekly
                .map(|w| w.map(|x| x / (w.iter().sum::<f64>() / 7.0)))
                .unwrap_or([1.0; 7]),
            hourly_norm: p
                .crisis
                .hourly
                .map(|h| h.map(|x| x / (h.iter().sum::<f64>() / 24.0)))
                .unwrap_or([1.0; 24]),
        };
        m.populate();
        m
    }

    fn new_person(
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
        });
        if band < 3 {
            self.join_group(ix);
        }
        ix
    }

    /// Who an event is about: person `person`, in lifecycle `lifecycle` of its namespace.
    fn who(&self, person: Ix, lifecycle: Option<Ix>) -> Who {
        Who {
            nhs: self.persons[person as usize].nhs,
            person,
            lifecycle,
        }
    }

    fn group_of(&self, ix: Ix) -> (usize, usize) {
        let p = &self.persons[ix as usize];
        (p.band as usize, usize::from(p.residence.is_care_home()))
    }

    fn join_group(&mut self, ix: Ix) {
        let (b, c) = self.group_of(ix);
        self.persons[ix as usize].slot = self.groups[b][c].len() as Ix;
        self.groups[b][c].push(ix);
    }

    fn leave_group(&mut self, ix: Ix) {
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
    fn populate(&mut self) {
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

    fn now_date(&self, t: f64) -> NaiveDate {
        self.start + chrono::Duration::days(t.floor() as i64)
    }

    fn is_weekend(&self, t: f64) -> bool {
        // Monday is 0: Saturday and Sunday are 5 and 6.
        (self.start_weekday + t.floor() as i64).rem_euclid(7) >= 5
    }

    fn hour(t: f64) -> f64 {
        (t - t.floor()) * 24.0
    }

    fn is_winter(&self, t: f64) -> bool {
        matches!(self.now_date(t).month(), 12 | 1 | 2)
    }

    /// Relative arrival intensity now (weekly x hourly), mean 1 over a week. The profiles are
    /// normalised once, in `new`.
    fn intensity(&self, t: f64) -> f64 {
        let day = t.floor();
        let weekday = (self.start_weekday + day as i64).rem_euclid(7) as usize;
        let hour = (((t - day) * 24.0) as usize).min(23);
        self.weekly_norm[weekday] * self.hourly_norm[hour]
    }

    /// Starts the model's processes.
    pub fn start(&mut self, s: &mut Scheduler<Ev>) {
        s.schedule_at(sim_kernel::Time(0.0), Ev::Hour);
        for k in 0..self.packages.len() as Ix {
            self.schedule_package(s, k);
        }
        while let Some(r) = self.new_reviews.pop() {
            self.schedule_review(s, r);
        }
        self.schedule_crisis(s);
        self.schedule_mortality(s);
        self.schedule_background(s);
        let e = Dist::Exponential {
            mean: 1.0 / self.p.hospital.elective_per_day.max(1e-9),
        }
        .sample(&mut self.rng.background);
        s.schedule_in(e, Ev::Elective);
    }

    /// Schedules the next event of a Poisson stream of `rate` a day (none if the rate is 0).
    fn next_of(s: &mut Scheduler<Ev>, rng: &mut ChaCha8Rng, rate: f64, event: Ev) {
        if rate > 0.0 {
            s.schedule_in(Dist::Exponential { mean: 1.0 / rate }.sample(rng), event);
        }
    }

    /// The next event of a stream whose rate is constant within each hour: drawn at the
    /// current hour's rate; if it would fall past the hour, the draw is made afresh at the hour
    /// (exact, as the exponential has no memory), so no draw is wasted as thinning would.
    fn next_in_hour(s: &mut Scheduler<Ev>, rng: &mut ChaCha8Rng, rate: f64, event: Ev, redraw: Ev) {
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

    /// Crises a day now: the population's rates, the weekly and hourly profile, winter.
    fn crisis_rate(&self, t: f64) -> f64 {
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

    fn schedule_crisis(&mut self, s: &mut Scheduler<Ev>) {
        let rate = self.crisis_rate(s.now().0);
        Self::next_in_hour(s, &mut self.rng.crisis, rate, Ev::Crisis, Ev::CrisisRedraw);
    }

    fn schedule_mortality(&mut self, s: &mut Scheduler<Ev>) {
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

    fn schedule_background(&mut self, s: &mut Scheduler<Ev>) {
        let rate = self.p.ae.background_per_day * self.intensity(s.now().0);
        Self::next_in_hour(
            s,
            &mut self.rng.background,
            rate,
            Ev::BackgroundAe,
            Ev::BackgroundRedraw,
        );
    }

    fn on_hour(&mut self, s: &mut Scheduler<Ev>) {
        let t = s.now().0;
        let hour = (self.hour_count % 24) as u32;
        let weekend = self.is_weekend(t);
        let seven = self.p.policy.seven_day;
        let clinicians = if (8..22).contains(&hour) {
            self.p.ae.clinicians_day
        } else {
            self.p.ae.clinicians_night
        };
        for (a, _) in self.clinicians.set_capacity(t, clinicians) {
            self.assess_at_ae(s, a);
        }
        let office = (9..17).contains(&hour) && (!weekend || seven);
        let sw = if office {
            self.p.discharge.social_workers
        } else {
            0
        };
        for (sp, _) in self.social_workers.set_capacity(t, sw) {
            self.start_assessment(s, sp);
        }
        let rv = if office {
            self.p.community.reviewers
        } else {
            0
        };
        for (r, _) in self.reviewers.set_capacity(t, rv) {
            self.start_review(s, r);
        }
        let beds = self.p.hospital.beds
            + if matches!(self.now_date(t).month(), 12 | 1 | 2 | 3) {
                self.p.hospital.winter_beds
            } else {
                0
            };
        if beds != self.beds.capacity() {
            for (b, _) in self.beds.set_capacity(t, beds) {
                self.bed_granted(s, b);
            }
        }
        if hour == 0 {
            self.days.push(Day {
                beds_occupied: f64::from(self.beds.busy()),
                delayed: f64::from(self.delayed_now),
                ae_over_4h: f64::from(self.today_over_4h),
                home_care_queue: self.home_care.queue_len() as f64,
            });
            self.today_over_4h = 0;
            self.step_down_today = 0;
        }
        if hour == 10 && (!weekend || seven) {
            // Step-down providers admit in the morning, up to their daily limit.
            let waiting = std::mem::take(&mut self.step_down_waiting);
            for sp in waiting {
                self.step_down_admit(s, sp);
            }
        }
        self.hour_count += 1;
        s.schedule_at(sim_kernel::Time(self.hour_count as f64 / 24.0), Ev::Hour);
    }

    // ---- Crises and deaths in the community ----

    fn draw_person(
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

    fn on_crisis(&mut self, s: &mut Scheduler<Ev>) {
        let c = &self.p.crisis;
        let (per_year, ch) = (c.per_year, c.care_home_per_year);
        if let Some(ix) = self.draw_person(|b, h| if h == 1 { ch } else { per_year[b] }, true) {
            if !self.persons[ix as usize].in_hospital {
                self.route_crisis(s, ix);
            }
        }
        self.schedule_crisis(s);
    }

    /// Where a crisis goes: averted, resolved by a GP, or to A&E by some route.
    fn route_crisis(&mut self, s: &mut Scheduler<Ev>, ix: Ix) {
        let t = s.now().0;
        let g = &self.p.gp;
        let weekend = self.is_weekend(t);
        let person = &self.persons[ix as usize];
        let rng = &mut self.rng.routing;
        let source = if person.residence.is_care_home() {
            if rng.gen_bool(g.care_home_support) {
                return;
            }
            if rng.gen_bool(self.p.ae.care_home_ambulance) {
                AeSource::Ambulance
            } else {
                AeSource::CareHome
            }
        } else {
            let hour = Self::hour(t);
            let in_hours = !weekend && (8.0..18.5).contains(&hour);
            let extended_hours = person.gp_extended && (8.0..20.0).contains(&hour);
            let sees_gp = (in_hours && rng.gen_bool(g.in_hours_first))
                || (!in_hours && extended_hours && rng.gen_bool(g.extended_first));
            if sees_gp {
                if rng.gen_bool(g.resolves) {
                    return;
                }
                AeSource::Gp
            } else {
                [
                    AeSource::SelfReferral,
                    AeSource::Ambulance,
                    AeSource::Nhs111,
                    AeSource::Other,
                ][pick(rng, &self.p.ae.sources)]
            }
        };
        self.arrive_at_ae(s, ix, source, false);
    }

    fn on_mortality(&mut self, s: &mut Scheduler<Ev>) {
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
    fn die(&mut self, s: &mut Scheduler<Ev>, ix: Ix, t: f64) {
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
        if let Some(k) = self.persons[ix as usize].package.take() {
            self.end_package(s, k, PackageEndReason::Died);
        }
        // Someone turns 65: the population stays the size the scenario gives.
        if band < 3 {
            self.new_person(0, Residence::OwnHome, None, t, 65);
        }
    }

    fn free_care_home_place(&mut self, s: &mut Scheduler<Ev>, nursing: bool) {
        let t = s.now().0;
        let places = if nursing {
            &mut self.nursing
        } else {
            &mut self.residential
        };
        if let Some((sp, _)) = places.release(t) {
            self.ready_to_leave(s, sp);
        }
    }

    // ---- A&E ----

    fn arrive_at_ae(
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
        });
        if let Some(a) = self.clinicians.request(t, a, 0) {
            self.assess_at_ae(s, a);
        }
    }

    fn assess_at_ae(&mut self, s: &mut Scheduler<Ev>, a: Ix) {
        let older = self.persons[self.atts[a as usize].person as usize].band < 3;
        let d = if older {
            &self.p.ae.assessment_hours
        } else {
            &self.p.ae.background_assessment_hours
        };
        let hours = d.sample(&mut self.rng.ae);
        s.schedule_in(hours / 24.0, Ev::AeAssessed(a));
    }

    fn on_assessed(&mut self, s: &mut Scheduler<Ev>, a: Ix) {
        let t = s.now().0;
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
        if self.rng.ae.gen_bool(admit_p) {
            if let Some(b) = self.beds.request(t, BedFor::Attendance(a), 0) {
                self.bed_granted(s, b);
            }
        } else {
            let outcome = [AeOutcome::Discharged, AeOutcome::Referred, AeOutcome::Left]
                [pick(&mut self.rng.ae, &[0.9, 0.07, 0.03])];
            self.depart_ae(t, a, outcome);
            let person = self.atts[a as usize].person;
            self.persons[person as usize].in_hospital = false;
        }
    }

    fn depart_ae(&mut self, t: f64, a: Ix, outcome: AeOutcome) {
        let att = &self.atts[a as usize];
        if t - att.arrived > 4.0 / 24.0 {
            self.today_over_4h += 1;
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

    fn bed_granted(&mut self, s: &mut Scheduler<Ev>, b: BedFor) {
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
        let cause = CAUSES[pick(&mut self.rng.los, causes)];
        let spell = self.admit(
            t,
            person,
            AdmissionMethod::Emergency,
            Some(att.id),
            if older { Some(cause) } else { None },
        );
        if older {
            let band = self.persons[person as usize].band as usize;
            let los = self.p.hospital.medical_los.sample(&mut self.rng.los)
                * self.p.hospital.older_band_los_factor[band];
            // Discharge planning starts ahead of the expected date (scheduled first, so it comes
            // first should the two fall at one instant).
            // Ward rounds declare people medically optimised in the daytime (08:00-17:00).
            let ready = t + los;
            let hour = Self::hour(ready);
            let los = if (8.0..17.0).contains(&hour) {
                los
            } else {
                let next = if hour >= 17.0 {
                    ready.floor() + 1.0
                } else {
                    ready.floor()
                };
                next + self.rng.los.gen_range(9.0..13.0) / 24.0 - t
            };
            let plan = (los - self.p.discharge.planning_lead_days).max(0.0);
            s.schedule_in(plan, Ev::Plan(spell));
            s.schedule_in(los, Ev::Optimised(spell));
        } else {
            let los = self
                .p
                .hospital
                .background_los
                .sample(&mut self.rng.background);
            s.schedule_in(los, Ev::BackgroundLeave(spell));
        }
    }

    fn admit(
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
        self.spells.push(Spell {
            id,
            person,
            older,
            pathway: 0,
            stage: Stage::InTreatment,
            nursing: false,
            chc: false,
            family: false,
            hours: 0.0,
            reasons: ReasonTrack::default(),
            ready_at: None,
            providers_left: 0,
            reablement: false,
            chc_id: None,
        });
        ix
    }

    fn on_background_ae(&mut self, s: &mut Scheduler<Ev>) {
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

    fn on_elective(&mut self, s: &mut Scheduler<Ev>) {
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

    fn on_background_leave(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        let t = s.now().0;
        self.discharge(s, t, sp, Destination::UsualResidence, None);
    }

    /// The discharge moment: the bed is freed for whoever waits.
    fn discharge(
        &mut self,
        s: &mut Scheduler<Ev>,
        t: f64,
        sp: Ix,
        destination: Destination,
        pathway: Option<u8>,
    ) {
        let spell = &mut self.spells[sp as usize];
        spell.stage = Stage::Gone;
        if spell.ready_at.is_some() {
            self.delayed_now -= 1;
        }
        let person = spell.person;
        let id = spell.id.clone();
        let d2a = spell
            .older
            .then_some(self.p.policy.d2a && spell.pathway == 1);
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

    // ---- Discharge planning ----

    fn wait_for(&mut self, t: f64, sp: Ix, reason: DelayReason) {
        if self.spells[sp as usize].ready_at.is_none() {
            // Not yet medically optimised: waiting alongside treatment is no delay.
            return;
        }
        let at = self.emit.instant(t);
        let spell = &mut self.spells[sp as usize];
        if let Some(at) = spell.reasons.next(reason, at) {
            let (id, nhs) = (spell.id.clone(), self.persons[spell.person as usize].nhs);
            self.emit.emit_at(
                at,
                Who {
                    nhs,
                    person: spell.person,
                    lifecycle: Some(sp),
                },
                B::DelayReason {
                    spell: id,
                    reason,
                    responsible: responsible(reason),
                },
            );
        }
    }

    /// Discharge planning: the pathway is chosen and what it needs is asked for, while
    /// treatment goes on.
    fn on_plan(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        let person = self.spells[sp as usize].person;
        let d = &self.p.discharge;
        let rng = &mut self.rng.discharge;
        let in_care_home = self.persons[person as usize].residence.is_care_home();
        let pathway = if in_care_home {
            0
        } else {
            pick(rng, &d.pathway) as u8
        };
        let spell = &mut self.spells[sp as usize];
        spell.pathway = pathway;
        spell.nursing = rng.gen_bool(d.nursing_share);
        spell.chc = pathway == 3 && rng.gen_bool(d.chc_share);
        spell.family = pathway > 0 && rng.gen_bool(d.family_choice);
        spell.hours = d.package_hours.sample(rng);
        match pathway {
            0 => self.spells[sp as usize].stage = Stage::Planned,
            1 if self.p.policy.d2a => self.after_assessment(s, sp),
            _ => self.request_assessment(s, sp),
        }
    }

    fn on_optimised(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        let t = s.now().0;
        let person = self.spells[sp as usize].person;
        if self.rng.los.gen_bool(self.p.hospital.death_in_hospital) {
            self.withdraw_everywhere(t, sp);
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
        self.delayed_now += 1;
        match self.spells[sp as usize].stage {
            Stage::Planned | Stage::ReadyToLeave => self.ready_to_leave(s, sp),
            stage => {
                // Still waiting for something: from now on it is a delay.
                if let Some(reason) = self.reason_of(sp, stage) {
                    self.wait_for(t, sp, reason);
                }
            }
        }
    }

    /// What a patient at `stage` is waiting for.
    fn reason_of(&self, sp: Ix, stage: Stage) -> Option<DelayReason> {
        let nursing = self.spells[sp as usize].nursing;
        let home = if nursing {
            DelayReason::NursingHome
        } else {
            DelayReason::ResidentialHome
        };
        match stage {
            Stage::Assessment | Stage::Chc => Some(DelayReason::Assessment),
            Stage::Brokerage | Stage::CareHome => Some(home),
            Stage::Family => Some(DelayReason::PatientFamilyChoice),
            Stage::HomeCare | Stage::Reablement => Some(DelayReason::CarePackageHome),
            Stage::StepDown => Some(DelayReason::NonAcuteNhsCare),
            Stage::InTreatment | Stage::Planned | Stage::ReadyToLeave | Stage::Gone => None,
        }
    }

    /// A patient who dies in hospital stops waiting for anything.
    fn withdraw_everywhere(&mut self, t: f64, sp: Ix) {
        match self.spells[sp as usize].stage {
            Stage::Assessment => {
                self.social_workers.withdraw(t, |w| *w == sp);
            }
            Stage::Chc => {
                self.chc_assessors.withdraw(t, |w| *w == sp);
            }
            Stage::HomeCare => {
                self.home_care
                    .withdraw(|w| matches!(w, HcFor::Spell(x) if *x == sp));
            }
            Stage::Reablement => {
                self.reablement.withdraw(t, |w| *w == sp);
            }
            Stage::StepDown => {
                self.step_down.withdraw(t, |w| *w == sp);
                self.step_down_waiting.retain(|w| *w != sp);
            }
            Stage::CareHome => {
                self.residential.withdraw(t, |w| *w == sp);
                self.nursing.withdraw(t, |w| *w == sp);
            }
            Stage::ReadyToLeave => {
                // Arranged before treatment ended: give back what was held. (Those let in are
                // granted at the next hour's round, from the resources' queues.)
                let spell = &self.spells[sp as usize];
                match (spell.pathway, spell.reablement, spell.nursing) {
                    (1, true, _) => self.freed.push(Freed::Reablement),
                    (1, false, _) => self.freed.push(Freed::HomeCare(spell.hours)),
                    (2, _, _) => self.freed.push(Freed::StepDown),
                    (3, _, nursing) => self.freed.push(Freed::CareHome(nursing)),
                    _ => {}
                }
            }
            _ => {}
        }
    }

    /// Gives back what patients who died held.
    fn release_freed(&mut self, s: &mut Scheduler<Ev>) {
        let t = s.now().0;
        while let Some(f) = self.freed.pop() {
            match f {
                Freed::Reablement => {
                    if let Some((sp, _)) = self.reablement.release(t) {
                        self.ready_to_leave(s, sp);
                    }
                }
                Freed::HomeCare(hours) => {
                    for (who, _) in self.home_care.release(t, hours) {
                        self.home_care_found(s, who);
                    }
                }
                Freed::StepDown => {
                    if let Some((sp, _)) = self.step_down.release(t) {
                        self.step_down_admit(s, sp);
                    }
                }
                Freed::CareHome(nursing) => self.free_care_home_place(s, nursing),
            }
        }
    }

    fn request_assessment(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        let t = s.now().0;
        self.spells[sp as usize].stage = Stage::Assessment;
        self.wait_for(t, sp, DelayReason::Assessment);
        if let Some(sp) = self.social_workers.request(t, sp, 0) {
            self.start_assessment(s, sp);
        }
    }

    fn start_assessment(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        let t = s.now().0;
        let (id, index) = self.assessment_requested(t, sp, AssessmentType::CareNeeds, "00W");
        let who = self.who(self.spells[sp as usize].person, Some(index));
        let days = self
            .p
            .discharge
            .assessment_hours
            .sample(&mut self.rng.discharge)
            / 24.0;
        let done = t + days;
        self.emit.emit(
            done,
            who,
            B::AssessmentCompleted {
                assessment: id,
                outcome: AssessmentOutcome::Eligible,
                trusted: None,
            },
        );
        s.schedule_in(days, Ev::AssessmentDone(sp));
    }

    /// Emits the request for an assessment of the patient of spell `sp`; returns its id.
    fn assessment_requested(
        &mut self,
        t: f64,
        sp: Ix,
        assessment_type: AssessmentType,
        org: &str,
    ) -> (Text, Ix) {
        let spell = &self.spells[sp as usize];
        let (person, spell_id) = (spell.person, spell.id.clone());
        let nhs = self.persons[person as usize].nhs;
        let id = self.emit.id('c');
        let index = self.assessments;
        self.assessments += 1;
        self.emit.emit(
            t,
            Who {
                nhs,
                person,
                lifecycle: Some(index),
            },
            B::AssessmentRequested {
                assessment: id.clone(),
                assessment_type,
                org: Some(org.into()),
                spell: Some(spell_id),
            },
        );
        (id, index)
    }

    fn on_assessment_done(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        let t = s.now().0;
        if let Some((next, _)) = self.social_workers.release(t) {
            self.start_assessment(s, next);
        }
        if self.spells[sp as usize].stage == Stage::Gone {
            return;
        }
        if self.spells[sp as usize].chc {
            self.spells[sp as usize].stage = Stage::Chc;
            let requested = self.assessment_requested(t, sp, AssessmentType::Chc, "05W");
            self.spells[sp as usize].chc_id = Some(requested);
            if let Some(sp) = self.chc_assessors.request(t, sp, 0) {
                self.start_chc(s, sp);
            }
        } else {
            self.after_assessment(s, sp);
        }
    }

    fn start_chc(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        let t = s.now().0;
        let spell = &self.spells[sp as usize];
        let person = spell.person;
        // Requested when the assessment found the need: the wait for an assessor counts.
        let (id, index) = spell.chc_id.clone().expect("requested before it starts");
        let who = self.who(person, Some(index));
        let days = self
            .p
            .discharge
            .chc_assessment_days
            .sample(&mut self.rng.discharge);
        let eligible = self.rng.discharge.gen_bool(0.35);
        let outcome = if eligible {
            AssessmentOutcome::Eligible
        } else {
            AssessmentOutcome::NotEligible
        };
        self.emit.emit(
            t + days,
            who,
            B::AssessmentCompleted {
                assessment: id,
                outcome,
                trusted: None,
            },
        );
        s.schedule_in(days, Ev::ChcDone(sp));
    }

    fn on_chc_done(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        let t = s.now().0;
        if let Some((next, _)) = self.chc_assessors.release(t) {
            self.start_chc(s, next);
        }
        if self.spells[sp as usize].stage == Stage::Gone {
            return;
        }
        // Brokerage: a window for providers to apply, then (without a trusted assessor) three
        // providers assess the person themselves, one after another.
        let d = &self.p.discharge;
        let spell = &mut self.spells[sp as usize];
        spell.stage = Stage::Brokerage;
        spell.providers_left = if self.p.policy.trusted_assessor {
            0
        } else {
            d.chc_providers_reassessing
        };
        let reason = if spell.nursing {
            DelayReason::NursingHome
        } else {
            DelayReason::ResidentialHome
        };
        self.wait_for(t, sp, reason);
        s.schedule_in(d.chc_window_days, Ev::BrokerageDone(sp));
    }

    fn on_brokerage_step(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        if self.spells[sp as usize].stage == Stage::Gone {
            return;
        }
        let spell = &mut self.spells[sp as usize];
        if spell.providers_left > 0 {
            spell.providers_left -= 1;
            let days = self
                .p
                .discharge
                .chc_provider_assessment_days
                .sample(&mut self.rng.discharge);
            s.schedule_in(days, Ev::BrokerageDone(sp));
        } else {
            self.after_assessment(s, sp);
        }
    }

    /// After the assessments: the family's choice, then the service the pathway needs.
    fn after_assessment(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        let t = s.now().0;
        if self.spells[sp as usize].family {
            self.spells[sp as usize].family = false;
            self.spells[sp as usize].stage = Stage::Family;
            self.wait_for(t, sp, DelayReason::PatientFamilyChoice);
            let days = self
                .p
                .discharge
                .family_choice_days
                .sample(&mut self.rng.discharge);
            s.schedule_in(days, Ev::FamilyDecided(sp));
            return;
        }
        self.request_service(s, sp);
    }

    fn request_service(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        let t = s.now().0;
        let spell = &self.spells[sp as usize];
        match spell.pathway {
            1 => {
                let reablement = self.p.policy.d2a
                    || self
                        .rng
                        .discharge
                        .gen_bool(self.p.discharge.reablement_share);
                self.spells[sp as usize].reablement = reablement;
                self.wait_for(t, sp, DelayReason::CarePackageHome);
                if reablement {
                    self.spells[sp as usize].stage = Stage::Reablement;
                    if let Some(sp) = self.reablement.request(t, sp, 0) {
                        self.ready_to_leave(s, sp);
                    }
                } else {
                    self.spells[sp as usize].stage = Stage::HomeCare;
                    let hours = self.spells[sp as usize].hours;
                    if self.home_care.request(t, HcFor::Spell(sp), hours).is_some() {
                        self.provider_found(s, sp);
                    }
                }
            }
            2 => {
                self.spells[sp as usize].stage = Stage::StepDown;
                self.wait_for(t, sp, DelayReason::NonAcuteNhsCare);
                if let Some(sp) = self.step_down.request(t, sp, 0) {
                    self.step_down_admit(s, sp);
                }
            }
            _ => {
                let nursing = spell.nursing;
                self.spells[sp as usize].stage = Stage::CareHome;
                self.wait_for(
                    t,
                    sp,
                    if nursing {
                        DelayReason::NursingHome
                    } else {
                        DelayReason::ResidentialHome
                    },
                );
                let places = if nursing {
                    &mut self.nursing
                } else {
                    &mut self.residential
                };
                if let Some(sp) = places.request(t, sp, 0) {
                    self.ready_to_leave(s, sp);
                }
            }
        }
    }

    /// A step-down bed is held; the provider admits up to its daily limit.
    fn step_down_admit(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        let t = s.now().0;
        let hour = Self::hour(t);
        let open = (!self.is_weekend(t) || self.p.policy.seven_day) && (8.0..18.0).contains(&hour);
        if open && self.step_down_today < self.p.discharge.step_down_admissions_per_day {
            self.step_down_today += 1;
            self.ready_to_leave(s, sp);
        } else {
            self.step_down_waiting.push(sp);
        }
    }

    /// Everything is arranged: leave in the daytime; a discharge that needs a service waits for
    /// a weekday unless services work seven days.
    fn ready_to_leave(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        let t = s.now().0;
        if self.spells[sp as usize].stage == Stage::Gone {
            return;
        }
        if self.spells[sp as usize].ready_at.is_none() {
            // Everything is arranged before treatment ends: leave once optimised.
            self.spells[sp as usize].stage = Stage::ReadyToLeave;
            return;
        }
        let service = self.spells[sp as usize].pathway > 0
            && !(self.p.policy.d2a && self.spells[sp as usize].pathway == 1);
        self.spells[sp as usize].stage = Stage::ReadyToLeave;
        let mut leave = t + self.rng.discharge.gen_range(1.0..4.0) / 24.0;
        loop {
            let hour = Self::hour(leave);
            let weekend = self.is_weekend(leave);
            if !(8.0..19.0).contains(&hour) {
                leave = leave.floor()
                    + if hour >= 19.0 { 1.0 } else { 0.0 }
                    + self.rng.discharge.gen_range(9.0..13.0) / 24.0;
                continue;
            }
            if weekend && service && !self.p.policy.seven_day {
                leave = leave.floor() + 1.0 + self.rng.discharge.gen_range(9.0..13.0) / 24.0;
                continue;
            }
            break;
        }
        s.schedule_at(sim_kernel::Time(leave), Ev::Leave(sp));
    }

    fn on_leave(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        let t = s.now().0;
        let spell = self.spells[sp as usize].clone();
        let person = spell.person;
        let (destination, service) = match spell.pathway {
            0 => (Destination::UsualResidence, None),
            1 if spell.reablement => (Destination::ReablementHome, Some(Service::Reablement)),
            1 => (
                Destination::UsualResidenceWithSupport,
                Some(Service::HomeCare),
            ),
            2 => (Destination::StepDownBed, Some(Service::StepDownBed)),
            _ => (
                if spell.nursing {
                    Destination::NursingHome
                } else {
                    Destination::ResidentialHome
                },
                Some(if spell.nursing {
                    Service::NursingHome
                } else {
                    Service::ResidentialHome
                }),
            ),
        };
        self.discharge(s, t, sp, destination, Some(spell.pathway));
        match service {
            Some(Service::Reablement) => {
                let k = self.start_package(
                    person,
                    Service::Reablement,
                    spell.hours,
                    t,
                    Some(spell.id.clone()),
                    false,
                );
                // Discharged to assess: bridged until assessed at home; otherwise a full
                // course of reablement.
                let d = &self.p.discharge;
                let dist = if self.p.policy.d2a {
                    &d.d2a_bridging_days
                } else {
                    &d.reablement_days
                };
                let days = dist.sample(&mut self.rng.community);
                s.schedule_in(days, Ev::ReablementEnds(k));
            }
            Some(Service::HomeCare) => {
                let k = self.start_package(
                    person,
                    Service::HomeCare,
                    spell.hours,
                    t,
                    Some(spell.id.clone()),
                    false,
                );
                self.schedule_package(s, k);
            }
            Some(Service::StepDownBed) => {
                let k = self.start_package(
                    person,
                    Service::StepDownBed,
                    0.0,
                    t,
                    Some(spell.id.clone()),
                    false,
                );
                let days = self
                    .p
                    .discharge
                    .step_down_days
                    .sample(&mut self.rng.community);
                s.schedule_in(days, Ev::StepDownEnds(k));
            }
            Some(service) => {
                let nursing = service == Service::NursingHome;
                self.start_package(person, service, 0.0, t, Some(spell.id.clone()), false);
                self.move_to_care_home(t, person, nursing);
            }
            None => {}
        }
        if self.persons[person as usize].alive
            && self
                .rng
                .routing
                .gen_bool(self.p.discharge.readmission[spell.pathway as usize])
        {
            let after = self.rng.routing.gen_range(0.5..30.0);
            s.schedule_in(after, Ev::Return(person));
        }
    }

    /// The code of a care home drawn at random: a nursing home or a residential home.
    fn draw_care_home(&mut self, nursing: bool) -> String {
        let rng = &mut self.rng.community;
        if nursing {
            synthetic_log::nursing_code(rng.gen_range(0..synthetic_log::NURSING_HOMES))
        } else {
            synthetic_log::residential_code(rng.gen_range(0..synthetic_log::RESIDENTIAL_HOMES))
        }
    }

    fn move_to_care_home(&mut self, t: f64, person: Ix, nursing: bool) {
        let code = self.draw_care_home(nursing);
        let residence = if nursing {
            Residence::NursingHome
        } else {
            Residence::ResidentialHome
        };
        self.leave_group(person);
        let p = &mut self.persons[person as usize];
        p.residence = residence;
        p.home = Some(code.as_str().into());
        let nhs = p.nhs;
        self.join_group(person);
        self.emit.emit(
            t,
            Who {
                nhs,
                person,
                lifecycle: None,
            },
            B::ResidenceChanged {
                residence,
                care_home: Some(code.into()),
                permanent: true,
            },
        );
    }

    // ---- Care in the community ----

    fn start_package(
        &mut self,
        person: Ix,
        service: Service,
        hours: f64,
        t: f64,
        spell: Option<Text>,
        existing: bool,
    ) -> Ix {
        let id = self.emit.id('k');
        let nhs = self.persons[person as usize].nhs;
        let org: Text = match service {
            Service::Reablement => synthetic_log::REABLEMENT.into(),
            Service::StepDownBed => synthetic_log::COMMUNITY_TRUST.into(),
            Service::ResidentialHome | Service::NursingHome => self.persons[person as usize]
                .home
                .clone()
                .unwrap_or_else(|| "00W".into()),
            _ => synthetic_log::home_care_code(
                self.rng
                    .community
                    .gen_range(0..synthetic_log::HOME_CARE_AGENCIES),
            )
            .into(),
        };
        let k_next = self.packages.len() as Ix;
        let requested = if existing { t - 14.0 } else { t - 1.0 / 24.0 };
        self.emit.emit(
            requested,
            Who {
                nhs,
                person,
                lifecycle: Some(k_next),
            },
            B::PackageRequested {
                package: id.clone(),
                service,
                hours_per_week: (hours > 0.0).then_some(Hours(hours)),
                spell,
            },
        );
        self.emit.emit(
            t,
            Who {
                nhs,
                person,
                lifecycle: Some(k_next),
            },
            B::PackageStarted {
                package: id.clone(),
                org,
            },
        );
        let k = self.packages.len() as Ix;
        self.packages.push(Package {
            id,
            person,
            service,
            hours,
            ended: false,
        });
        if service == Service::HomeCare {
            self.persons[person as usize].package = Some(k);
            let due = if existing {
                self.rng
                    .community
                    .gen_range(0.0..self.p.community.review_interval_days)
            } else {
                t + self.p.community.first_review_days
            };
            self.queue_review(k, due);
        }
        k
    }

    fn schedule_package(&mut self, s: &mut Scheduler<Ev>, k: Ix) {
        let days = self
            .p
            .discharge
            .package_days
            .sample(&mut self.rng.community);
        s.schedule_in(days, Ev::PackageEnds(k));
    }

    fn end_package(&mut self, s: &mut Scheduler<Ev>, k: Ix, reason: PackageEndReason) {
        let t = s.now().0;
        let pkg = &mut self.packages[k as usize];
        if pkg.ended {
            return;
        }
        pkg.ended = true;
        let (id, person, service, hours) = (pkg.id.clone(), pkg.person, pkg.service, pkg.hours);
        let nhs = self.persons[person as usize].nhs;
        self.emit.emit(
            t,
            Who {
                nhs,
                person,
                lifecycle: Some(k),
            },
            B::PackageEnded {
                package: id,
                reason,
            },
        );
        match service {
            Service::HomeCare => {
                if self.persons[person as usize].package == Some(k) {
                    self.persons[person as usize].package = None;
                }
                for (who, _) in self.home_care.release(t, hours) {
                    self.home_care_found(s, who);
                }
            }
            Service::Reablement => {
                if let Some((sp, _)) = self.reablement.release(t) {
                    self.ready_to_leave(s, sp);
                }
            }
            Service::StepDownBed => {
                if let Some((sp, _)) = self.step_down.release(t) {
                    self.step_down_admit(s, sp);
                }
            }
            _ => {}
        }
    }

    /// Adds a review of `package` due at `due`; it is scheduled after the current event.
    fn queue_review(&mut self, package: Ix, due: f64) {
        let person = self.packages[package as usize].person;
        let id = self.emit.id('v');
        self.new_reviews.push(self.reviews.len() as Ix);
        self.reviews.push(Review {
            id,
            person,
            package,
            due,
        });
    }

    /// Hours are found: the agency needs time to start the care.
    fn provider_found(&mut self, s: &mut Scheduler<Ev>, sp: Ix) {
        let days = self
            .p
            .discharge
            .home_care_start_days
            .sample(&mut self.rng.discharge);
        s.schedule_in(days, Ev::CareStarts(sp));
    }

    fn home_care_found(&mut self, s: &mut Scheduler<Ev>, who: HcFor) {
        match who {
            HcFor::Spell(sp) => self.provider_found(s, sp),
            HcFor::Bridged(k) => {
                // Home care starts; the bridging reablement ends and frees its place.
                let t = s.now().0;
                let person = self.packages[k as usize].person;
                let hours = self.packages[k as usize].hours.max(1.0);
                self.end_package(s, k, PackageEndReason::NeedsMet);
                if self.persons[person as usize].alive
                    && self.persons[person as usize].package.is_none()
                {
                    let home = self.start_package(person, Service::HomeCare, hours, t, None, false);
                    self.schedule_package(s, home);
                } else {
                    for (w, _) in self.home_care.release(t, hours) {
                        self.home_care_found(s, w);
                    }
                }
            }
        }
    }

    fn on_review_queued(&mut self, s: &mut Scheduler<Ev>, r: Ix) {
        let t = s.now().0;
        if let Some(r) = self.reviewers.request(t, r, 0) {
            self.start_review(s, r);
        }
    }

    fn start_review(&mut self, s: &mut Scheduler<Ev>, r: Ix) {
        let days = self
            .p
            .community
            .review_hours
            .sample(&mut self.rng.community)
            / 24.0;
        s.schedule_in(days, Ev::ReviewDone(r));
    }

    fn on_review_done(&mut self, s: &mut Scheduler<Ev>, r: Ix) {
        let t = s.now().0;
        if let Some((next, _)) = self.reviewers.release(t) {
            self.start_review(s, next);
        }
        let review = &self.reviews[r as usize];
        let (person, package, id) = (review.person, review.package, review.id.clone());
        if self.persons[person as usize].alive {
            self.emit.emit(
                t,
                self.who(person, Some(r)),
                B::ReviewCompleted { review: id },
            );
            if !self.packages[package as usize].ended {
                let next = t + self.p.community.review_interval_days;
                self.queue_review(package, next);
            }
        }
    }

    /// Emits the review's `review_due` and puts it on the team's list on its due date.
    fn schedule_review(&mut self, s: &mut Scheduler<Ev>, r: Ix) {
        let review = &self.reviews[r as usize];
        let due_date = self.now_date(review.due);
        let set = (review.due - 28.0).max(s.now().0);
        let (id, package) = (
            review.id.clone(),
            self.packages[review.package as usize].id.clone(),
        );
        self.emit.emit(
            set,
            self.who(self.reviews[r as usize].person, Some(r)),
            B::ReviewDue {
                review: id,
                package: Some(package),
                due: due_date,
            },
        );
        let join = review.due.floor().max(s.now().0);
        s.schedule_at(sim_kernel::Time(join), Ev::ReviewQueued(r));
    }

    fn on_reablement_ends(&mut self, s: &mut Scheduler<Ev>, k: Ix) {
        let t = s.now().0;
        let person = self.packages[k as usize].person;
        let alive = self.persons[person as usize].alive;
        let home = alive && !self.persons[person as usize].in_hospital;
        if self.p.policy.d2a
            && home
            && self
                .rng
                .community
                .gen_bool(self.p.discharge.bridged_need_home_care)
        {
            // Discharged to assess: assessed at home, they keep their reablement place until
            // home care hours are found.
            let hours = self.packages[k as usize].hours.max(1.0);
            if self
                .home_care
                .request(t, HcFor::Bridged(k), hours)
                .is_some()
            {
                self.home_care_found(s, HcFor::Bridged(k));
            }
            return;
        }
        let reason = if alive {
            PackageEndReason::Independent
        } else {
            PackageEndReason::Died
        };
        self.end_package(s, k, reason);
        if !alive || self.persons[person as usize].in_hospital {
            return;
        }
        let d = &self.p.discharge;
        let x = self.rng.community.gen::<f64>();
        // People bridged home by D2A were on their way home, not to a care home: the move to a
        // care home after reablement is for the frailer cohort offered reablement itself.
        if x < d.reablement_to_care_home && !self.p.policy.d2a {
            if self.residential.try_acquire(t) {
                self.move_to_care_home(t, person, false);
            }
        } else if x < d.reablement_to_care_home + d.reablement_to_home_care
            && self.persons[person as usize].package.is_none()
        {
            let hours = d.package_hours.sample(&mut self.rng.community);
            self.home_care.force(hours);
            let k = self.start_package(person, Service::HomeCare, hours, t, None, false);
            self.schedule_package(s, k);
        }
    }

    fn on_return(&mut self, s: &mut Scheduler<Ev>, person: Ix) {
        let p = &self.persons[person as usize];
        if p.alive && !p.in_hospital {
            self.arrive_at_ae(s, person, AeSource::Ambulance, true);
        }
    }
}

/// The organisation responsible for a delay, as the NHS categories default it.
fn responsible(reason: DelayReason) -> Responsible {
    match reason {
        DelayReason::CarePackageHome | DelayReason::ResidentialHome | DelayReason::Assessment => {
            Responsible::SocialCare
        }
        DelayReason::NursingHome => Responsible::Both,
        _ => Responsible::Nhs,
    }
}

impl<S: Sink> Model for TwinModel<'_, S> {
    type Event = Ev;
    fn handle(&mut self, s: &mut Scheduler<Ev>, e: Ev) {
        self.dispatch(s, e);
        self.release_freed(s);
        while let Some(r) = self.new_reviews.pop() {
            self.schedule_review(s, r);
        }
    }
}

impl<S: Sink> TwinModel<'_, S> {
    fn dispatch(&mut self, s: &mut Scheduler<Ev>, e: Ev) {
        match e {
            Ev::Crisis => self.on_crisis(s),
            Ev::CrisisRedraw => self.schedule_crisis(s),
            Ev::Mortality => self.on_mortality(s),
            Ev::BackgroundAe => self.on_background_ae(s),
            Ev::BackgroundRedraw => self.schedule_background(s),
            Ev::Elective => self.on_elective(s),
            Ev::Hour => self.on_hour(s),
            Ev::AeAssessed(a) => self.on_assessed(s, a),
            Ev::Plan(sp) => self.on_plan(s, sp),
            Ev::Optimised(sp) => self.on_optimised(s, sp),
            Ev::BackgroundLeave(sp) => self.on_background_leave(s, sp),
            Ev::AssessmentDone(sp) => self.on_assessment_done(s, sp),
            Ev::ChcDone(sp) => self.on_chc_done(s, sp),
            Ev::BrokerageDone(sp) => self.on_brokerage_step(s, sp),
            Ev::FamilyDecided(sp) if self.spells[sp as usize].stage != Stage::Gone => {
                self.request_service(s, sp)
            }
            Ev::FamilyDecided(_) => {}
            Ev::CareStarts(sp) => self.ready_to_leave(s, sp),
            Ev::Leave(sp) => self.on_leave(s, sp),
            Ev::PackageEnds(k) => {
                let person = self.packages[k as usize].person;
                let reason = if self.persons[person as usize].alive {
                    PackageEndReason::NeedsMet
                } else {
                    PackageEndReason::Died
                };
                self.end_package(s, k, reason)
            }
            Ev::ReablementEnds(k) => self.on_reablement_ends(s, k),
            Ev::StepDownEnds(k) => self.end_package(s, k, PackageEndReason::NeedsMet),
            Ev::ReviewQueued(r) => self.on_review_queued(s, r),
            Ev::ReviewDone(r) => self.on_review_done(s, r),
            Ev::Return(p) => self.on_return(s, p),
        }
    }
}
