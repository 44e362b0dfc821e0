//! Computing every indicator of the framework for a period, exactly as `docs/indicators.md`
//! defines it.

use crate::benchmarks::BenchmarkSet;
use crate::catalogue::{self, definition, Unit};
use crate::facts::{Journeys, Person};
use crate::report::{IndicatorValue, Report};
use crate::sections::{Section, Sections};
use chrono::{Datelike, NaiveDate, Weekday};
use domain::codes::*;
use domain::{age_on, Instant, OrgRegister, Population, Zone};

/// A period `[from, to)` of whole local days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the period must end after it starts: from {from} to {to}")]
pub struct PeriodError {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Self, PeriodError> {
        if to > from {
            Ok(Period { from, to })
        } else {
            Err(PeriodError { from, to })
        }
    }

    /// Number of days `D`.
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days()
    }

    /// The calendar months the period touches, each clipped to the period.
    pub fn months(&self) -> Vec<Period> {
        let mut out = Vec::new();
        let mut start = self.from;
        while start < self.to {
            let (y, m) = (start.year(), start.month());
            let next = if m == 12 {
                NaiveDate::from_ymd_opt(y + 1, 1, 1)
            } else {
                NaiveDate::from_ymd_opt(y, m + 1, 1)
            }
            .expect("first of a month exists");
            let end = next.min(self.to);
            out.push(Period {
                from: start,
                to: end,
            });
            start = end;
        }
        out
    }
}

/// What the indicators are computed against, beside the log.
pub struct Context<'a> {
    pub orgs: &'a OrgRegister,
    pub population: &'a Population,
    pub benchmarks: &'a BenchmarkSet,
    pub zone: Zone,
}

/// A count over a denominator; `None` value when the denominator is zero.
struct Ratio {
    num: f64,
    den: f64,
}

impl Ratio {
    fn new(num: impl Into<f64>, den: impl Into<f64>) -> Self {
        Ratio {
            num: num.into(),
            den: den.into(),
        }
    }
    fn pct(num: u64, den: u64) -> Self {
        Ratio::new(num as f64, den as f64)
    }
}

struct Window {
    /// Each person's birth date (of their latest registration), packed together: the age
    /// checks read them in no order, and a person's whole record costs a cache miss each.
    births: Vec<Option<NaiveDate>>,
    /// The period's days, one for each of `midnights`.
    dates: Vec<NaiveDate>,
    start: Instant,
    end: Instant,
    days: i64,
    midnights: Vec<Instant>,
    zone: Zone,
}

impl Window {
    fn new(period: Period, zone: Zone, births: Vec<Option<NaiveDate>>) -> Self {
        let dates: Vec<NaiveDate> = (0..period.days())
            .map(|k| period.from + chrono::Duration::days(k))
            .collect();
        Window {
            births,
            start: zone.midnight(period.from),
            end: zone.midnight(period.to),
            days: period.days(),
            midnights: dates.iter().map(|d| zone.midnight(*d)).collect(),
            dates,
            zone,
        }
    }

    fn contains(&self, t: Instant) -> bool {
        self.start <= t && t < self.end
    }
    /// The local date of `t`: within the period, found among its midnights (the first instant
    /// of each local day), which is cheaper than the zone's rules and gives the same date.
    fn local_date(&self, t: Instant) -> NaiveDate {
        if !self.contains(t) {
            return self.zone.local_date(t);
        }
        // midnights[0] is start <= t.
        self.dates[self.midnights_upto(t) - 1]
    }
    /// How many of the period's midnights are at or before `t` (`partition_point(m <= t)`):
    /// found from a guess at whole days of 24 hours, then stepped to the exact count, since a
    /// day is 23 to 25 hours long where clocks change (any sorted midnights give the same
    /// count, only slower).
    fn midnights_upto(&self, t: Instant) -> usize {
        let m = &self.midnights;
        if t < self.start {
            // The first midnight is `start`: none is at or before `t`.
            return 0;
        }
        let days = t.0.saturating_sub(self.start.0) / domain::time::NANOS_PER_DAY;
        let mut n = usize::try_from(days).map_or(m.len(), |d| d.saturating_add(1).min(m.len()));
        while n > 0 && m[n - 1] > t {
            n -= 1;
        }
        while n < m.len() && m[n] <= t {
            n += 1;
        }
        n
    }
    /// Indexes of the period's midnights `m` with `after < m <= until` (`until` None: no end).
    fn midnights_in(&self, after: Instant, until: Option<Instant>) -> std::ops::Range<usize> {
        let lo = self.midnights_upto(after);
        let hi = match until {
            Some(u) => self.midnights_upto(u),
            None => self.midnights.len(),
        };
        lo..hi.max(lo)
    }
}

/// `rows` if a wanted section reads them, else none: a pass not wanted reads nothing.
fn only<T>(rows: &[T], wanted: bool) -> &[T] {
    if wanted {
        rows
    } else {
        &[]
    }
}

impl Journeys {
    fn age(&self, person: Option<u32>, on: NaiveDate) -> Option<i32> {
        let p = &self.facts.persons[person? as usize];
        p.birth.map(|(_, b)| age_on(b, on))
    }

    /// Whether the person is 65 or over at `t` (local date of `t` as `w` finds it).
    fn is_65(&self, person: Option<u32>, t: Instant, w: &Window) -> bool {
        person
            .and_then(|p| w.births[p as usize])
            .is_some_and(|b| age_on(b, w.local_date(t)) >= 65)
    }

    /// Every indicator for `period`.
    pub fn report(&self, period: Period, ctx: &Context<'_>) -> Report {
        self.report_of(period, ctx, Sections::all())
    }

    /// The indicators of `sections` for `period`, in the whole report's order: only their
    /// passes over the facts are made.
    pub fn report_of(&self, period: Period, ctx: &Context<'_>, sections: Sections) -> Report {
        let zone = ctx.zone;
        let want = |s: Section| sections.has(s);
        let births = self
            .facts
            .persons
            .iter()
            .map(|p| p.birth.map(|(_, b)| b))
            .collect();
        let w = Window::new(period, zone, births);
        let pop18 = ctx.population.pop18() as f64;
        let pop65 = ctx.population.pop65() as f64;
        let per_day_100k = |pop: f64| w.days as f64 * pop / 100_000.0;
        let per_year_100k = |pop: f64| w.days as f64 / 365.0 * pop / 100_000.0;
        let mut out: Vec<(String, Ratio)> = Vec::new();

        // The passes over the facts, side by side (each reads them only, and gives counts).
        let delays = || want(Section::Delays).then(|| self.delayed_days(&w));
        let occupancy = || want(Section::Occupancy).then(|| self.bed_occupancy(&w, ctx.orgs));
        let (
            ((delays, occupancy), (admissions, ae)),
            (discharges, (permanent, (reviews, assessments))),
        ) = rayon::join(
            || {
                rayon::join(
                    || rayon::join(delays, occupancy),
                    || {
                        rayon::join(
                            || self.admissions_pass(&w, want(Section::Admissions)),
                            || self.ae_pass(&w, want(Section::Ae)),
                        )
                    },
                )
            },
            || {
                rayon::join(
                    || self.discharges_pass(&w, want(Section::Discharges)),
                    || {
                        rayon::join(
                            || self.permanent_pass(&w, want(Section::PermanentMoves)),
                            || {
                                rayon::join(
                                    || self.reviews_pass(&w, period, want(Section::Reviews)),
                                    || self.assessments_pass(&w, want(Section::Assessments)),
                                )
                            },
                        )
                    },
                )
            },
        );

        // Delayed transfers of care.
        if let Some((total, by_reason, by_resp)) = delays {
            out.push((
                "dtoc_delayed_days_per_100k".into(),
                Ratio::new(total as f64, per_day_100k(pop18)),
            ));
            for (key, n) in catalogue::delay_reason_keys().zip(by_reason) {
                out.push((
                    format!("dtoc_delayed_days_per_100k:{key}"),
                    Ratio::new(n as f64, per_day_100k(pop18)),
                ));
            }
            for (key, n) in catalogue::RESPONSIBLE_KEYS.iter().zip(by_resp) {
                out.push((
                    format!("dtoc_delayed_days_per_100k_by_responsible:{key}"),
                    Ratio::new(n as f64, per_day_100k(pop18)),
                ));
            }
        }

        // Admissions in the period.
        let Admissions {
            emergency_65,
            care_home_by_cause,
        } = admissions;
        if want(Section::Admissions) {
            out.push((
                "emergency_admissions_65_per_100k".into(),
                Ratio::new(emergency_65 as f64, per_day_100k(pop65)),
            ));
        }

        // A&E.
        let Ae {
            arrivals,
            within_4h,
            over_12h,
            att65,
            departed65,
            admitted65,
            gp65,
            gp_departed65,
            gp_discharged65,
        } = ae;
        if want(Section::Ae) {
            out.push(("ae_4h_pct".into(), Ratio::pct(within_4h, arrivals)));
            out.push(("ae_12h_pct".into(), Ratio::pct(over_12h, arrivals)));
            out.push((
                "ae_attendances_65_per_1000".into(),
                Ratio::new(att65 as f64, w.days as f64 / 365.0 * pop65 / 1000.0),
            ));
            out.push((
                "ae_admitted_pct_65".into(),
                Ratio::pct(admitted65, departed65),
            ));
            out.push(("ae_gp_referred_pct_65".into(), Ratio::pct(gp65, att65)));
            out.push((
                "ae_gp_referred_discharged_pct_65".into(),
                Ratio::pct(gp_discharged65, gp_departed65),
            ));
        }

        // Bed occupancy at midnight.
        if let Some((occupancy, by_org)) = occupancy {
            out.push(("bed_occupancy_pct".into(), occupancy));
            for (code, r) in by_org {
                out.push((format!("bed_occupancy_pct:{code}"), r));
            }
        }

        // Discharges in the period.
        let Discharges {
            emerg65_discharged,
            over7,
            over21,
            alive65,
            readmitted,
            reabled,
            at_home,
            discharges,
            weekend,
        } = discharges;
        if want(Section::Discharges) {
            out.push((
                "los_over_7d_pct_65".into(),
                Ratio::pct(over7, emerg65_discharged),
            ));
            out.push((
                "los_over_21d_pct_65".into(),
                Ratio::pct(over21, emerg65_discharged),
            ));
            out.push((
                "readmission_30d_pct_65".into(),
                Ratio::pct(readmitted, alive65),
            ));
            out.push((
                "reablement_offered_pct".into(),
                Ratio::pct(reabled, alive65),
            ));
            out.push((
                "reablement_91d_at_home_pct".into(),
                Ratio::pct(at_home, reabled),
            ));
        }

        if want(Section::Admissions) {
            let ch_total: u64 = care_home_by_cause.iter().sum();
            out.push((
                "care_home_admissions_65_per_100k".into(),
                Ratio::new(ch_total as f64, per_year_100k(pop65)),
            ));
            for (key, n) in catalogue::cause_keys().zip(care_home_by_cause) {
                out.push((
                    format!("care_home_admissions_65_per_100k:{key}"),
                    Ratio::new(n as f64, per_year_100k(pop65)),
                ));
            }
        }

        // Permanent moves into care homes.
        if want(Section::PermanentMoves) {
            out.push((
                "permanent_care_home_admissions_65_per_100k".into(),
                Ratio::new(permanent as f64, per_year_100k(pop65)),
            ));
        }
        if want(Section::Discharges) {
            out.push((
                "discharges_weekend_pct".into(),
                Ratio::pct(weekend, discharges),
            ));
        }

        // Reviews.
        let (due, done, overdue) = reviews;
        if want(Section::Reviews) {
            out.push(("reviews_completed_pct".into(), Ratio::pct(done, due)));
            out.push(("reviews_overdue".into(), Ratio::new(overdue as f64, 0.0)));
        }

        // Assessments and packages.
        let Assessments {
            care_needs,
            chc,
            chc_eligible,
            chc_28d,
            new_home_care,
        } = assessments;
        if want(Section::Assessments) {
            out.push((
                "assessments_completed".into(),
                Ratio::new(care_needs as f64, 0.0),
            ));
            out.push((
                "new_home_care_packages".into(),
                Ratio::new(new_home_care as f64, 0.0),
            ));
            out.push(("chc_eligible_pct".into(), Ratio::pct(chc_eligible, chc)));
            out.push(("chc_within_28d_pct".into(), Ratio::pct(chc_28d, chc)));
        }
        if want(Section::Registers) {
            out.extend(register_indicators(ctx.orgs));
        }

        Report {
            from: period.from,
            to: period.to,
            indicators: out
                .into_iter()
                .map(|(id, r)| {
                    let def = definition(&id).expect("every computed id is in the catalogue");
                    let value = match def.unit {
                        Unit::Count => Some(r.num),
                        Unit::Percent => (r.den > 0.0).then(|| 100.0 * r.num / r.den),
                        _ => (r.den > 0.0).then(|| r.num / r.den),
                    };
                    IndicatorValue {
                        benchmarks: ctx.benchmarks.get(&id).cloned().unwrap_or_default(),
                        id,
                        value,
                        numerator: r.num,
                        denominator: (def.unit != Unit::Count).then_some(r.den),
                        unit: def.unit,
                        better: def.better,
                    }
                })
                .collect(),
        }
    }

    /// Delayed days of adults at the period's midnights: total, by reason (codes then
    /// `unrecorded`), by responsible organisation (`nhs`, `social_care`, `both`, `unrecorded`).
    fn delayed_days(&self, w: &Window) -> (u64, [u64; 12], [u64; 4]) {
        let (mut total, mut by_reason, mut by_resp) = (0u64, [0u64; 12], [0u64; 4]);
        let first_day = w
            .zone
            .local_date(w.midnights.first().copied().unwrap_or(w.start));
        for s in &self.facts.spells {
            let Some(ready) = s.ready else { continue };
            let range = w.midnights_in(ready, s.discharge.map(|d| d.0));
            for k in range {
                let m = w.midnights[k];
                let day = first_day + chrono::Duration::days(k as i64);
                if self.age(s.person, day).is_none_or(|a| a < 18) {
                    continue;
                }
                total += 1;
                let r = s.delay_reasons.partition_point(|d| d.0 <= m);
                match r.checked_sub(1).map(|i| s.delay_reasons[i]) {
                    Some((_, reason, resp)) => {
                        by_reason[reason as usize] += 1;
                        by_resp[resp as usize] += 1;
                    }
                    None => {
                        by_reason[11] += 1;
                        by_resp[3] += 1;
                    }
                }
            }
        }
        (total, by_reason, by_resp)
    }

    fn bed_occupancy(&self, w: &Window, orgs: &OrgRegister) -> (Ratio, Vec<(String, Ratio)>) {
        // Beds of each acute trust, indexed like the spells' interned org codes.
        let trusts: Vec<(String, u32)> = orgs
            .iter()
            .filter(|o| o.kind == domain::codes::OrgKind::AcuteTrust && o.beds.unwrap_or(0) > 0)
            .map(|o| (o.code.clone(), o.beds.unwrap_or(0)))
            .collect();
        let slot_of: Vec<Option<usize>> = self
            .facts
            .orgs
            .iter()
            .map(|code| trusts.iter().position(|(c, _)| c == code))
            .collect();
        let mut occupied = vec![0u64; trusts.len()];
        for s in &self.facts.spells {
            let (Some(adm), Some(org)) = (s.admitted, s.org) else {
                continue;
            };
            let Some(t) = slot_of[org as usize] else {
                continue;
            };
            occupied[t] += w.midnights_in(adm, s.discharge.map(|d| d.0)).len() as u64;
        }
        let days = w.days as f64;
        let total_beds: u64 = trusts.iter().map(|(_, b)| u64::from(*b)).sum();
        let all = Ratio::new(
            occupied.iter().sum::<u64>() as f64,
            total_beds as f64 * days,
        );
        let by = trusts
            .iter()
            .zip(occupied)
            .map(|((code, beds), n)| (code.clone(), Ratio::new(n as f64, f64::from(*beds) * days)))
            .collect();
        (all, by)
    }

    /// At `t`: alive, not in a hospital spell, and living at home or in extra care.
    fn at_home(&self, person: &Person, t: Instant) -> bool {
        if person.death.is_some_and(|d| d <= t) {
            return false;
        }
        let in_hospital = person.spells.iter().any(|&s| {
            let s = &self.facts.spells[s as usize];
            s.admitted.is_some_and(|a| a < t) && s.discharge.is_none_or(|(d, _)| t <= d)
        });
        !in_hospital && person.residence_at(t).is_some_and(Residence::is_home)
    }
}

/// The indicators read from the organisations register alone.
fn register_indicators(orgs: &OrgRegister) -> Vec<(String, Ratio)> {
    let gps: Vec<_> = orgs
        .iter()
        .filter(|o| o.kind == OrgKind::GpPractice)
        .collect();
    let extended = gps
        .iter()
        .filter(|o| o.extended_access == Some(true))
        .count();
    let mut out = vec![(
        "gp_extended_access_pct".to_string(),
        Ratio::pct(extended as u64, gps.len() as u64),
    )];
    for (kind, prefix) in [
        (OrgKind::NursingHome, "nursing_homes"),
        (OrgKind::ResidentialHome, "residential_homes"),
        (OrgKind::HomeCareAgency, "home_care"),
    ] {
        let rated: Vec<CqcRating> = orgs
            .iter()
            .filter(|o| o.kind == kind)
            .filter_map(|o| o.cqc_rating)
            .filter(|r| *r != CqcRating::Unrated)
            .collect();
        for (rating, suffix) in [
            (CqcRating::Inadequate, "inadequate"),
            (CqcRating::RequiresImprovement, "requires_improvement"),
        ] {
            let n = rated.iter().filter(|r| **r == rating).count();
            out.push((
                format!("{prefix}_{suffix}_pct"),
                Ratio::pct(n as u64, rated.len() as u64),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Over a year with both clock changes, at every quarter hour and around each midnight:
    /// the window's local dates and midnight counts are the zone's and the binary search's.
    #[test]
    fn the_window_finds_the_zones_dates_and_midnights() {
        let d = |s: &str| domain::parse_date(s).unwrap();
        let zone = Zone::default();
        let w = Window::new(
            Period::new(d("2016-10-01"), d("2017-10-01")).unwrap(),
            zone,
            vec![],
        );
        let quarter = domain::time::NANOS_PER_HOUR / 4;
        let mut ts: Vec<Instant> = (-200..(366 * 96 + 200))
            .map(|q| Instant(w.start.0 + q * quarter))
            .collect();
        for m in &w.midnights {
            ts.extend([Instant(m.0 - 1), *m, Instant(m.0 + 1)]);
        }
        for t in ts {
            assert_eq!(w.local_date(t), zone.local_date(t), "{t:?}");
            assert_eq!(
                w.midnights_upto(t),
                w.midnights.partition_point(|m| *m <= t),
                "{t:?}"
            );
        }
    }
}

/// The counts of the admissions pass.
#[derive(Default)]
struct Admissions {
    emergency_65: u64,
    care_home_by_cause: [u64; 5],
}

/// The counts of the A&E pass.
#[derive(Default)]
struct Ae {
    arrivals: u64,
    within_4h: u64,
    over_12h: u64,
    att65: u64,
    departed65: u64,
    admitted65: u64,
    gp65: u64,
    gp_departed65: u64,
    gp_discharged65: u64,
}

/// The counts of the discharges pass.
#[derive(Default)]
struct Discharges {
    emerg65_discharged: u64,
    over7: u64,
    over21: u64,
    alive65: u64,
    readmitted: u64,
    reabled: u64,
    at_home: u64,
    discharges: u64,
    weekend: u64,
}

/// The counts of the assessments pass.
#[derive(Default)]
struct Assessments {
    care_needs: u64,
    chc: u64,
    chc_eligible: u64,
    chc_28d: u64,
    new_home_care: u64,
}

impl Journeys {
    /// Emergency admissions in the period (of people 65 or over), and those from care homes by
    /// cause; nothing read unless `wanted`.
    fn admissions_pass(&self, w: &Window, wanted: bool) -> Admissions {
        let mut emergency_65 = 0u64;
        let mut care_home_by_cause = [0u64; 5];
        for s in only(&self.facts.spells, wanted) {
            let (Some(adm), Some(AdmissionMethod::Emergency)) = (s.admitted, s.method) else {
                continue;
            };
            if !w.contains(adm) || !self.is_65(s.person, adm, w) {
                continue;
            }
            emergency_65 += 1;
            let person = &self.facts.persons[s.person.expect("has an age") as usize];
            if person
                .residence_at(adm)
                .is_some_and(Residence::is_care_home)
            {
                care_home_by_cause[s.cause.unwrap_or(Cause::Other) as usize] += 1;
            }
        }
        Admissions {
            emergency_65,
            care_home_by_cause,
        }
    }

    /// A&E arrivals in the period. Every arrival of the period counts: no departure within 4
    /// (12) hours, whether it comes later or never, is a wait over 4 (12) hours.
    fn ae_pass(&self, w: &Window, wanted: bool) -> Ae {
        let mut c = Ae::default();
        for a in only(&self.facts.attendances, wanted) {
            let Some((arr, source)) = a.arrival else {
                continue;
            };
            if !w.contains(arr) {
                continue;
            }
            c.arrivals += 1;
            let stay = a.departure.map(|(dep, _)| dep.0 - arr.0);
            if stay.is_some_and(|s| s <= 4 * domain::time::NANOS_PER_HOUR) {
                c.within_4h += 1;
            }
            if stay.is_none_or(|s| s > 12 * domain::time::NANOS_PER_HOUR) {
                c.over_12h += 1;
            }
            if !self.is_65(a.person, arr, w) {
                continue;
            }
            c.att65 += 1;
            let gp = source == AeSource::Gp;
            c.gp65 += gp as u64;
            if let Some((_, outcome)) = a.departure {
                c.departed65 += 1;
                c.admitted65 += (outcome == AeOutcome::Admitted) as u64;
                if gp {
                    c.gp_departed65 += 1;
                    c.gp_discharged65 += (outcome == AeOutcome::Discharged) as u64;
                }
            }
        }
        c
    }

    /// Discharges in the period.
    fn discharges_pass(&self, w: &Window, wanted: bool) -> Discharges {
        let mut c = Discharges::default();
        for s in only(&self.facts.spells, wanted) {
            let (Some((dis, dest)), Some(adm)) = (s.discharge, s.admitted) else {
                continue;
            };
            if !w.contains(dis) {
                continue;
            }
            c.discharges += 1;
            if matches!(w.local_date(dis).weekday(), Weekday::Sat | Weekday::Sun) {
                c.weekend += 1;
            }
            if !self.is_65(s.person, dis, w) {
                continue;
            }
            let person = &self.facts.persons[s.person.expect("has an age") as usize];
            if s.method == Some(AdmissionMethod::Emergency) {
                c.emerg65_discharged += 1;
                let stay = dis.0 - adm.0;
                c.over7 += (stay > 7 * domain::time::NANOS_PER_DAY) as u64;
                c.over21 += (stay > 21 * domain::time::NANOS_PER_DAY) as u64;
            }
            if dest == Destination::Died {
                continue;
            }
            c.alive65 += 1;
            let next = person.emergency_admissions.partition_point(|a| *a <= dis);
            if person
                .emergency_admissions
                .get(next)
                .is_some_and(|a| *a <= dis.plus_days(30))
            {
                c.readmitted += 1;
            }
            let r = person.reablement_starts.partition_point(|s| *s < dis);
            if person
                .reablement_starts
                .get(r)
                .is_some_and(|s| *s <= dis.plus_hours(72))
            {
                c.reabled += 1;
                if self.at_home(person, dis.plus_days(91)) {
                    c.at_home += 1;
                }
            }
        }
        c
    }

    /// Permanent moves into care homes in the period (of people 65 or over).
    fn permanent_pass(&self, w: &Window, wanted: bool) -> u64 {
        let mut permanent = 0u64;
        let movers = only(&self.facts.persons, wanted);
        for (ix, p) in movers.iter().enumerate() {
            for r in &p.residences {
                if r.is_change
                    && r.permanent
                    && r.residence.is_care_home()
                    && w.contains(r.at)
                    && !p
                        .residence_before(r.at)
                        .is_some_and(Residence::is_care_home)
                    && self.is_65(Some(ix as u32), r.at, w)
                {
                    permanent += 1;
                }
            }
        }
        permanent
    }

    /// Reviews due in the period, those done, and those overdue at its end.
    fn reviews_pass(&self, w: &Window, period: Period, wanted: bool) -> (u64, u64, u64) {
        let zone = w.zone;
        let (mut due, mut done, mut overdue) = (0u64, 0u64, 0u64);
        for r in only(&self.facts.reviews, wanted) {
            let Some(due_date) = r.due else { continue };
            let completed_in_time = r.completed.is_some_and(|c| c < w.end);
            if let Some(death) = r.person.and_then(|p| self.facts.persons[p as usize].death) {
                if death < zone.midnight(due_date) && r.completed.is_none_or(|c| c > death) {
                    continue;
                }
            }
            if period.from <= due_date && due_date < period.to {
                due += 1;
                done += completed_in_time as u64;
            }
            if due_date < period.to && !completed_in_time {
                overdue += 1;
            }
        }
        (due, done, overdue)
    }

    /// Assessments completed in the period, and home care packages started in it.
    fn assessments_pass(&self, w: &Window, wanted: bool) -> Assessments {
        let mut c = Assessments::default();
        for a in only(&self.facts.assessments, wanted) {
            let Some((done_at, outcome)) = a.completed else {
                continue;
            };
            if !w.contains(done_at) {
                continue;
            }
            match a.kind {
                Some(AssessmentType::CareNeeds) => c.care_needs += 1,
                Some(AssessmentType::Chc) => {
                    c.chc += 1;
                    c.chc_eligible += (outcome == AssessmentOutcome::Eligible) as u64;
                    if a.requested
                        .is_some_and(|r| done_at.0 - r.0 <= 28 * domain::time::NANOS_PER_DAY)
                    {
                        c.chc_28d += 1;
                    }
                }
                _ => {}
            }
        }
        c.new_home_care = only(&self.facts.packages, wanted)
            .iter()
            .filter(|k| {
                k.service == Some(Service::HomeCare) && k.started.is_some_and(|s| w.contains(s))
            })
            .count() as u64;
        c
    }
}
