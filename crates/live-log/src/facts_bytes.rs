//! What the access rules read about a person ([`PersonFacts`]) as bytes, for the live log's
//! state kept beside a stored log ([`crate::live_state`]). Codes are written as their codes
//! and read back through their parsers, NHS numbers through theirs, so what reads back is
//! valid or an error.

use access::{Assessment, Attendance, Lifecycle, Package, PersonFacts, ResidenceFact, Spell};
use domain::codes::{AssessmentType, Residence};
use domain::{Instant, NhsNumber, Text};
use journey_log::bytes::{Damaged, In, Out};

fn bad(what: &str) -> Damaged {
    Damaged(format!("a person's facts: {what}"))
}

pub(crate) fn put_nhs(o: &mut Out, n: NhsNumber) {
    o.u64(n.as_u64());
}

pub(crate) fn get_nhs(i: &mut In<'_>) -> Result<NhsNumber, Damaged> {
    let n = i.u64()?;
    NhsNumber::parse(&format!("{n:010}")).map_err(|_| bad("an NHS number"))
}

fn put_text(o: &mut Out, t: &Text) {
    o.str(t);
}

fn get_text(i: &mut In<'_>) -> Result<Text, Damaged> {
    Ok(Text::from(i.str()?))
}

fn put_instant(o: &mut Out, t: Option<Instant>) {
    o.opt(t, |o, t| o.i64(t.0));
}

fn get_instant(i: &mut In<'_>) -> Result<Option<Instant>, Damaged> {
    i.opt(|i| i.i64().map(Instant))
}

fn put_life(o: &mut Out, l: &Lifecycle) {
    put_text(o, &l.id);
    put_instant(o, l.opened);
    put_instant(o, l.ended);
}

fn get_life(i: &mut In<'_>) -> Result<Lifecycle, Damaged> {
    Ok(Lifecycle {
        id: get_text(i)?,
        opened: get_instant(i)?,
        ended: get_instant(i)?,
    })
}

fn put_list<T>(o: &mut Out, list: &[T], mut put: impl FnMut(&mut Out, &T)) {
    o.len(list.len());
    for x in list {
        put(o, x);
    }
}

fn get_list<T>(
    i: &mut In<'_>,
    min_size: usize,
    mut get: impl FnMut(&mut In<'_>) -> Result<T, Damaged>,
) -> Result<Vec<T>, Damaged> {
    let n = i.len(min_size)?;
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        v.push(get(i)?);
    }
    Ok(v)
}

pub(crate) fn put_facts(o: &mut Out, f: &PersonFacts) {
    o.opt(f.nhs, put_nhs);
    put_list(o, &f.residences, |o, r| {
        o.i64(r.at.0);
        o.opt(r.gp.as_ref(), put_text);
        o.str(r.residence.as_str());
        o.opt(r.care_home.as_ref(), put_text);
    });
    put_list(o, &f.attendances, |o, a| {
        put_life(o, &a.life);
        o.opt(a.org.as_ref(), put_text);
    });
    put_list(o, &f.spells, |o, s| {
        put_life(o, &s.life);
        o.opt(s.org.as_ref(), put_text);
        put_instant(o, s.ready);
    });
    put_list(o, &f.assessments, |o, a| {
        put_life(o, &a.life);
        o.opt(a.assessment_type, |o, t| o.str(t.as_str()));
        o.opt(a.org.as_ref(), put_text);
    });
    put_list(o, &f.packages, |o, p| {
        put_life(o, &p.life);
        put_list(o, &p.providers, |o, (org, at)| {
            put_text(o, org);
            o.i64(at.0);
        });
    });
}

/// The smallest a lifecycle can be written in: an empty id and two absent instants.
const LIFE: usize = 8 + 1 + 1;

pub(crate) fn get_facts(i: &mut In<'_>) -> Result<PersonFacts, Damaged> {
    Ok(PersonFacts {
        nhs: i.opt(get_nhs)?,
        residences: get_list(i, 8 + 1 + 8 + 1, |i| {
            Ok(ResidenceFact {
                at: Instant(i.i64()?),
                gp: i.opt(get_text)?,
                residence: Residence::parse(i.str()?).map_err(|_| bad("a residence"))?,
                care_home: i.opt(get_text)?,
            })
        })?,
        attendances: get_list(i, LIFE + 1, |i| {
            Ok(Attendance {
                life: get_life(i)?,
                org: i.opt(get_text)?,
            })
        })?,
        spells: get_list(i, LIFE + 2, |i| {
            Ok(Spell {
                life: get_life(i)?,
                org: i.opt(get_text)?,
                ready: get_instant(i)?,
            })
        })?,
        assessments: get_list(i, LIFE + 2, |i| {
            Ok(Assessment {
                life: get_life(i)?,
                assessment_type: i.opt(|i| {
                    AssessmentType::parse(i.str()?).map_err(|_| bad("an assessment type"))
                })?,
                org: i.opt(get_text)?,
            })
        })?,
        packages: get_list(i, LIFE + 8, |i| {
            Ok(Package {
                life: get_life(i)?,
                providers: get_list(i, 16, |i| Ok((get_text(i)?, Instant(i.i64()?))))?,
            })
        })?,
    })
}
