//! The flow board (track and triage): everyone in hospital who is ready to leave, and why they
//! have not.

use crate::person::Person;
use crate::spell::{self, Need};
use domain::codes::{DelayReason, OrgKind, Responsible};
use domain::{Instant, NhsNumber, OrgRegister, Text, Zone};

/// One person ready for discharge, on one stay.
#[derive(Debug, Clone, PartialEq)]
pub struct BoardRow {
    pub nhs: NhsNumber,
    pub age: Option<i32>,
    pub spell: Text,
    /// The hospital (the ward where the log names one).
    pub org: Option<Text>,
    pub admitted: Instant,
    pub ready: Instant,
    /// Whole days from ready to now.
    pub days_ready: i64,
    /// The delay reason in force now, if any was recorded.
    pub reason: Option<DelayReason>,
    pub responsible: Option<Responsible>,
    /// The organisations answerable for the reason in force: the hospital for the NHS, the
    /// council for social care, both for both.
    pub responsible_orgs: Vec<Text>,
    pub pathway: Option<u8>,
    pub needs: Vec<Need>,
    /// The stay's version: a form made at another version is stale.
    pub version: u32,
}

/// What the board is narrowed to (every condition given must hold).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BoardFilter {
    /// The hospital.
    pub org: Option<String>,
    /// A delay reason code, or `unrecorded`.
    pub reason: Option<String>,
    /// `nhs`, `social_care`, `both` or `unrecorded`.
    pub responsible: Option<String>,
    /// `0`-`3`, or `none`.
    pub pathway: Option<String>,
}

/// Why a filter value is refused: the field and what it accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct BadFilter {
    pub field: &'static str,
    pub message: String,
}

impl BoardFilter {
    /// Checks each value against its vocabulary (`orgs` for the organisation).
    pub fn check(&self, orgs: &OrgRegister) -> Result<(), BadFilter> {
        if let Some(o) = &self.org {
            if orgs.get(o).is_none() {
                return Err(BadFilter {
                    field: "org",
                    message: format!("{o:?} is not an organisation of the register"),
                });
            }
        }
        if let Some(r) = &self.reason {
            if r != "unrecorded" && DelayReason::parse_code_or_letter(r).is_err() {
                return Err(BadFilter {
                    field: "reason",
                    message: format!(
                        "{r:?} is not a delay reason (a code such as care_package_home, a letter such as E, or unrecorded)"
                    ),
                });
            }
        }
        if let Some(r) = &self.responsible {
            if r != "unrecorded" && Responsible::parse(r).is_err() {
                return Err(BadFilter {
                    field: "responsible",
                    message: format!("{r:?} is not one of nhs, social_care, both, unrecorded"),
                });
            }
        }
        if let Some(p) = &self.pathway {
            if !matches!(p.as_str(), "0" | "1" | "2" | "3" | "none") {
                return Err(BadFilter {
                    field: "pathway",
                    message: format!("{p:?} is not a pathway (0, 1, 2, 3 or none)"),
                });
            }
        }
        Ok(())
    }

    /// Whether `row` passes (after [`BoardFilter::check`]).
    pub fn keeps(&self, row: &BoardRow) -> bool {
        let org = self
            .org
            .as_deref()
            .is_none_or(|o| row.org.as_deref() == Some(o));
        let reason = self.reason.as_deref().is_none_or(|r| match row.reason {
            None => r == "unrecorded",
            Some(x) => DelayReason::parse_code_or_letter(r).is_ok_and(|want| want == x),
        });
        let responsible = self
            .responsible
            .as_deref()
            .is_none_or(|r| match row.responsible {
                None => r == "unrecorded",
                Some(x) => x.as_str() == r,
            });
        let pathway = self.pathway.as_deref().is_none_or(|p| match row.pathway {
            None => p == "none",
            Some(x) => p == x.to_string(),
        });
        org && reason && responsible && pathway
    }
}

/// The person's rows: each stay open at `now` that has been ready for discharge.
pub fn rows(
    person: &Person,
    nhs: NhsNumber,
    now: Instant,
    orgs: &OrgRegister,
    zone: Zone,
) -> Vec<BoardRow> {
    let council = orgs
        .iter()
        .find(|o| o.kind == OrgKind::LocalAuthority)
        .map(|o| Text::from(o.code.as_str()));
    spell::spells(person, now)
        .into_iter()
        .filter(|s| s.open_at(now))
        .filter_map(|s| {
            let ready = s.ready.filter(|r| *r <= now)?;
            let admitted = s.admitted?;
            let (reason, responsible) = s.reason_at(now).unzip();
            let mut responsible_orgs = Vec::new();
            if matches!(responsible, Some(Responsible::Nhs | Responsible::Both)) {
                responsible_orgs.extend(s.org.clone());
            }
            if matches!(
                responsible,
                Some(Responsible::SocialCare | Responsible::Both)
            ) {
                responsible_orgs.extend(council.clone());
            }
            Some(BoardRow {
                nhs,
                age: person.age_on(zone.local_date(now)),
                version: person.spell_version(&s.id),
                pathway: s.pathway(),
                days_ready: (now.0 - ready.0).div_euclid(24 * domain::time::NANOS_PER_HOUR),
                spell: s.id,
                org: s.org,
                admitted,
                ready,
                reason,
                responsible,
                responsible_orgs,
                needs: s.needs,
            })
        })
        .collect()
}

/// A stay open at `now` and not yet ready for discharge: (nhs, spell, hospital, admitted,
/// the stay's version), for recording readiness from the board.
#[derive(Debug, Clone, PartialEq)]
pub struct NotReady {
    pub nhs: NhsNumber,
    pub spell: Text,
    pub org: Option<Text>,
    pub admitted: Instant,
    pub version: u32,
}

/// The person's stays open at `now` that have not been ready for discharge.
pub fn not_ready(person: &Person, nhs: NhsNumber, now: Instant) -> Vec<NotReady> {
    spell::spells(person, now)
        .into_iter()
        .filter(|s| s.open_at(now) && s.ready.is_none_or(|r| r > now))
        .filter_map(|s| {
            Some(NotReady {
                nhs,
                version: person.spell_version(&s.id),
                admitted: s.admitted?,
                spell: s.id,
                org: s.org,
            })
        })
        .collect()
}

/// Longest wait first; then by NHS number, so the order is the same on every look.
pub fn sort(rows: &mut [BoardRow]) {
    rows.sort_by(|a, b| {
        a.ready
            .cmp(&b.ready)
            .then(a.nhs.cmp(&b.nhs))
            .then(a.spell.cmp(&b.spell))
    });
}
