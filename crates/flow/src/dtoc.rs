//! The delayed-transfers-of-care snapshot of a date, in the shape of the NHS monthly return:
//! the people delayed at that date's midnight, and the delayed days of the month so far, by
//! reason and by who is responsible.
//!
//! A delayed day is counted exactly as `dtoc_delayed_days_per_100k` counts it
//! (`indicators.md`): a midnight `m` with `ready < m <= discharge` (no discharge: every
//! midnight after ready), of a person aged 18 or over on `m`'s date, attributed to the delay
//! reason in force at `m` (the latest at or before it; `unrecorded` if none). So the month's
//! delayed days divided by the month's days, per 100,000 adults, is that indicator's value.

use crate::person::Person;
use crate::spell;
use chrono::{Datelike, NaiveDate};
use domain::codes::{DelayReason, Responsible};
use domain::{Instant, NhsNumber, Text, Zone};
use std::collections::BTreeMap;

/// The responsible columns of the return, in order, and `unrecorded`.
pub const RESPONSIBLE_COLUMNS: [&str; 4] = ["nhs", "social_care", "both", "unrecorded"];

/// A person delayed at the snapshot's midnight.
#[derive(Debug, Clone, PartialEq)]
pub struct Delayed {
    pub nhs: NhsNumber,
    pub spell: Text,
    pub org: Option<Text>,
    pub ready: Instant,
    pub reason: Option<DelayReason>,
    pub responsible: Option<Responsible>,
}

/// Counts by reason (`None`: unrecorded), each split by [`RESPONSIBLE_COLUMNS`].
pub type ByReason = BTreeMap<Option<DelayReason>, [u64; 4]>;

/// The snapshot of one date.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub date: NaiveDate,
    /// The first of the date's month: delayed days count the midnights from it to `date`.
    pub month_start: NaiveDate,
    /// The people delayed at the midnight that begins `date`.
    pub delayed: Vec<Delayed>,
    /// Delayed people at the midnight, by reason and responsible.
    pub people_by_reason: ByReason,
    /// Delayed days of the month so far, by reason and responsible.
    pub days_by_reason: ByReason,
    pub days_total: u64,
    /// By hospital: (people delayed at the midnight, delayed days of the month so far).
    pub by_org: BTreeMap<Text, (u64, u64)>,
}

fn column(r: Option<Responsible>) -> usize {
    match r {
        Some(Responsible::Nhs) => 0,
        Some(Responsible::SocialCare) => 1,
        Some(Responsible::Both) => 2,
        None => 3,
    }
}

/// The snapshot of `date` over `people` (every person of the log: the figures are the whole
/// system's; who may see the named rows is the caller's to decide).
pub fn snapshot<'a>(
    people: impl Iterator<Item = (NhsNumber, &'a Person)>,
    date: NaiveDate,
    zone: Zone,
) -> Snapshot {
    let month_start = date.with_day(1).expect("day 1 exists");
    let days: Vec<(NaiveDate, Instant)> = month_start
        .iter_days()
        .take_while(|d| *d <= date)
        .map(|d| (d, zone.midnight(d)))
        .collect();
    let snap_at = zone.midnight(date);
    let mut out = Snapshot {
        date,
        month_start,
        delayed: Vec::new(),
        people_by_reason: ByReason::new(),
        days_by_reason: ByReason::new(),
        days_total: 0,
        by_org: BTreeMap::new(),
    };
    for (nhs, person) in people {
        if !person
            .facts
            .spells
            .iter()
            .any(|s| s.ready.is_some_and(|r| r < snap_at))
        {
            continue;
        }
        // Every event up to the snapshot's midnight decides its figures.
        for s in spell::spells(person, snap_at) {
            let Some(ready) = s.ready else { continue };
            let discharged = s.discharged.map(|d| d.0);
            for (day, m) in &days {
                if !(ready < *m && discharged.is_none_or(|d| *m <= d)) {
                    continue;
                }
                if person.age_on(*day).is_none_or(|a| a < 18) {
                    continue;
                }
                let (reason, responsible) = s.reason_at(*m).unzip();
                out.days_by_reason.entry(reason).or_default()[column(responsible)] += 1;
                out.days_total += 1;
                let org = s.org.clone().unwrap_or_default();
                out.by_org.entry(org).or_default().1 += 1;
                if *m == snap_at {
                    out.people_by_reason.entry(reason).or_default()[column(responsible)] += 1;
                    out.by_org
                        .entry(s.org.clone().unwrap_or_default())
                        .or_default()
                        .0 += 1;
                    out.delayed.push(Delayed {
                        nhs,
                        spell: s.id.clone(),
                        org: s.org.clone(),
                        ready,
                        reason,
                        responsible,
                    });
                }
            }
        }
    }
    out.delayed
        .sort_by(|a, b| a.ready.cmp(&b.ready).then(a.nhs.cmp(&b.nhs)));
    out
}

/// The snapshot as CSV: one row per reason and responsible column, with the people delayed at
/// the midnight and the delayed days of the month so far (never a named person).
pub fn csv(s: &Snapshot) -> String {
    let mut out = String::from(
        "date,month_start,reason_code,reason_letter,reason,responsible,patients_delayed_at_midnight,delayed_days_month_to_date\n",
    );
    let reasons: Vec<Option<DelayReason>> = DelayReason::ALL
        .iter()
        .copied()
        .map(Some)
        .chain([None])
        .collect();
    for r in reasons {
        let people = s.people_by_reason.get(&r).copied().unwrap_or_default();
        let days = s.days_by_reason.get(&r).copied().unwrap_or_default();
        for (k, col) in RESPONSIBLE_COLUMNS.iter().enumerate() {
            let (code, letter, meaning) = match r {
                Some(r) => (r.as_str(), r.letter(), r.meaning()),
                None => ("unrecorded", "", "no reason recorded"),
            };
            out.push_str(&format!(
                "{},{},{code},{letter},{meaning},{col},{},{}\n",
                s.date, s.month_start, people[k], days[k]
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::codes::*;
    use domain::{Event, EventBody};

    fn push(p: &mut Person, id: &str, at: &str, body: EventBody) {
        p.push(
            &Event {
                id: id.into(),
                at: Instant::parse_rfc3339(at).unwrap(),
                person: Some("9434765919".parse().unwrap()),
                body,
            },
            "",
        );
    }

    /// The example of `events.md`: ready 8 February 11:00, discharged 12 February 15:00,
    /// delayed at the midnights of 9, 10, 11 and 12 February.
    fn example(birth: &str) -> Person {
        let mut p = Person::default();
        push(
            &mut p,
            "e1",
            "2016-01-01T00:00:00Z",
            EventBody::PersonRegistered {
                birth_date: domain::parse_date(birth).unwrap(),
                sex: Sex::Female,
                gp: "M83001".into(),
                residence: Residence::OwnHome,
                care_home: None,
            },
        );
        push(
            &mut p,
            "e4",
            "2017-02-03T14:40:00Z",
            EventBody::Admission {
                spell: "s1".into(),
                org: "RJE".into(),
                method: AdmissionMethod::Emergency,
                attendance: None,
                cause: None,
            },
        );
        push(
            &mut p,
            "e5",
            "2017-02-08T11:00:00Z",
            EventBody::ReadyForDischarge { spell: "s1".into() },
        );
        push(
            &mut p,
            "e6",
            "2017-02-08T11:00:00Z",
            EventBody::DelayReason {
                spell: "s1".into(),
                reason: DelayReason::CarePackageHome,
                responsible: Responsible::SocialCare,
            },
        );
        push(
            &mut p,
            "e7",
            "2017-02-12T15:00:00Z",
            EventBody::Discharge {
                spell: "s1".into(),
                destination: Destination::UsualResidenceWithSupport,
                pathway: Some(1),
                d2a: None,
            },
        );
        p
    }

    #[test]
    fn the_example_of_the_format_gives_four_delayed_days() {
        let p = example("1936-05-02");
        let nhs: NhsNumber = "9434765919".parse().unwrap();
        let d = |s: &str| domain::parse_date(s).unwrap();
        let s = snapshot([(nhs, &p)].into_iter(), d("2017-02-28"), Zone::default());
        assert_eq!(s.days_total, 4);
        assert_eq!(
            s.days_by_reason[&Some(DelayReason::CarePackageHome)],
            [0, 4, 0, 0]
        );
        assert!(s.delayed.is_empty(), "discharged by the 28th");
        // At the midnight that begins the 10th: delayed, 2 days so far.
        let s = snapshot([(nhs, &p)].into_iter(), d("2017-02-10"), Zone::default());
        assert_eq!((s.days_total, s.delayed.len()), (2, 1));
        assert_eq!(s.by_org[&Text::from("RJE")], (1, 2));
        // The midnight of the 8th is before ready: nothing.
        let s = snapshot([(nhs, &p)].into_iter(), d("2017-02-08"), Zone::default());
        assert_eq!(s.days_total, 0);
        // A child's delayed days count in no adult figure.
        let child = example("2010-01-01");
        let s = snapshot(
            [(nhs, &child)].into_iter(),
            d("2017-02-28"),
            Zone::default(),
        );
        assert_eq!(s.days_total, 0);
        let csv = csv(&snapshot(
            [(nhs, &p)].into_iter(),
            d("2017-02-28"),
            Zone::default(),
        ));
        assert!(csv.contains(
            "2017-02-28,2017-02-01,care_package_home,E,care package in own home,social_care,0,4\n"
        ));
        assert_eq!(csv.lines().count(), 1 + 12 * 4);
    }
}
