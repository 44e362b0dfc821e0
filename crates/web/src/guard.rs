//! Who may see which person, applied to a request: the service's clock, the user's
//! organisation, the break-glass grants in force, and the decision of the access rules
//! ([`access::may_see`]). The rules are the access crate's; this module only gathers their
//! inputs.

use crate::auth::CurrentUser;
use crate::{AppError, AppState};
use access::{Decision, Grant, PersonFacts};
use domain::{Instant, NhsNumber};
use live_log::View;
use std::sync::Mutex;

/// The break-glass grants of the last [`access::BREAK_GLASS_HOURS`], kept in memory. Each is
/// also an entry of the audit log, which is read for grants made since the last read (by this
/// service or another over the same store) at most every [`GRANTS_LOOK_EVERY`].
#[derive(Debug, Default)]
pub struct Grants {
    list: Mutex<Vec<Grant>>,
    /// The last audit entry read for grants, and when it was read (`None`: never).
    read: Mutex<(i64, Option<std::time::Instant>)>,
}

/// How often the audit log is read for grants made by other services over the same store.
pub const GRANTS_LOOK_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

impl Grants {
    /// The latest grant of `user` for `person` in force at `now`.
    pub fn find(&self, user: &str, person: NhsNumber, now: Instant) -> Option<Grant> {
        let list = self.list.lock().expect("not poisoned");
        list.iter()
            .rev()
            .find(|g| g.covers(user, person, now))
            .cloned()
    }

    /// The people `user` holds a grant for at `now`, in order.
    pub fn persons_of(&self, user: &str, now: Instant) -> Vec<NhsNumber> {
        let list = self.list.lock().expect("not poisoned");
        let mut v: Vec<NhsNumber> = list
            .iter()
            .filter(|g| g.user == user && g.in_force(now))
            .map(|g| g.person)
            .collect();
        v.sort();
        v.dedup();
        v
    }

    pub fn add(&self, g: Grant) {
        let mut list = self.list.lock().expect("not poisoned");
        // Lapsed grants are dropped as new ones come; a grant read back from the audit log
        // is the one already held.
        let now = g.granted_at;
        list.retain(|x| x.in_force(now));
        // (The log keeps the second it was granted: the same grant within a second.)
        let same = |x: &Grant| {
            x.user == g.user
                && x.person == g.person
                && (x.granted_at.0 - g.granted_at.0).abs() < 1_000_000_000
        };
        if !list.iter().any(same) {
            list.push(g);
        }
    }
}

/// Reads the grants made since the last read from the audit log (all those in force, the first
/// time), unless that was less than [`GRANTS_LOOK_EVERY`] ago and `force` is false. A log that
/// cannot be read leaves the grants as they were (a refusal then errs on the safe side).
pub fn refresh_grants(state: &AppState, force: bool) {
    if state.audit.is_none() {
        return;
    }
    let after = {
        let mut read = state.grants.read.lock().expect("not poisoned");
        if !force && read.1.is_some_and(|t| t.elapsed() < GRANTS_LOOK_EVERY) {
            return;
        }
        read.1 = Some(std::time::Instant::now());
        read.0
    };
    let since = crate::auth::now_secs() - access::BREAK_GLASS_HOURS * 3600;
    let entries = crate::audit::read(state, |log| {
        log.entries(&store::AuditFilter {
            action: Some(store::Action::BreakGlass),
            from: Some(since),
            after_seq: Some(after),
            ..store::AuditFilter::default()
        })
    });
    let Ok(entries) = entries else {
        return;
    };
    let offset = offset(state);
    let mut last = after;
    for e in entries {
        last = last.max(e.seq);
        let Some(person) = e.entry.person.as_deref().and_then(|p| p.parse().ok()) else {
            continue;
        };
        state.grants.add(Grant {
            user: e.entry.username.clone(),
            person,
            granted_at: Instant(e.entry.at * 1_000_000_000 + offset),
            reason: e.entry.reason.clone().unwrap_or_default(),
        });
    }
    let mut read = state.grants.read.lock().expect("not poisoned");
    read.0 = read.0.max(last);
}

/// The service's "now": the real instant, or, when the service runs on a fixed date (a demo),
/// that date at the real time of day (so that a demo store cut at its today reads as today).
pub fn now(state: &AppState) -> Instant {
    let real = Instant(chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0));
    Instant(real.0 + offset(state))
}

/// What is added to the real clock to get the service's (0 unless the date is fixed).
pub fn offset(state: &AppState) -> i64 {
    let zone = state.config.zone;
    match state.config.today {
        None => 0,
        Some(d) => {
            let real = Instant(chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0));
            zone.midnight(d).0 - zone.midnight(zone.local_date(real)).0
        }
    }
}

/// An NHS number from a path or a form: spaces allowed, the check digit checked.
pub fn nhs_number(s: &str) -> Result<NhsNumber, AppError> {
    NhsNumber::parse(s.trim()).map_err(|e| {
        AppError::bad(
            "nhs",
            match e {
                domain::NhsNumberError::CheckDigit(_) => format!(
                    "{:?} is not a valid NHS number: its check digit is wrong (check the number was typed correctly)",
                    s.trim()
                ),
                domain::NhsNumberError::Shape(_) => format!(
                    "{:?} is not an NHS number: it has 10 digits, spaces allowed (e.g. 943 476 5919)",
                    s.trim()
                ),
            },
        )
    })
}

/// Whether `user` sees `nhs` at `now` in `view`: the access rules' decision. A person no event
/// names is treated as one the user has no relationship with (so a refusal never tells
/// whether someone is in the log).
pub fn decide(
    state: &AppState,
    user: &CurrentUser,
    view: &View,
    nhs: NhsNumber,
    now: Instant,
) -> Decision {
    let none = PersonFacts {
        nhs: Some(nhs),
        ..PersonFacts::default()
    };
    let facts = view.person(nhs).unwrap_or(&none);
    refresh_grants(state, false);
    let grant = state.grants.find(&user.username, nhs, now);
    // A user whose organisation is not in the register has no relationship with anyone: an
    // organisation of no kind the rules name, with their code, stands in for it.
    let stand_in;
    let org = match view.orgs.get(&user.org) {
        Some(o) => o,
        None => {
            stand_in = domain::Org {
                code: user.org.clone(),
                name: user.org.clone(),
                kind: domain::codes::OrgKind::VoluntaryOrg,
                cqc_rating: None,
                beds: None,
                extended_access: None,
            };
            &stand_in
        }
    };
    access::may_see(
        &user.roles,
        org,
        facts,
        now,
        state.config.window_days,
        grant.as_ref(),
    )
}

/// A refusal as the API gives it: 403 with the reason and whether break glass is possible.
pub fn refusal(d: &Decision) -> AppError {
    AppError::Refused {
        message: d.why.to_string(),
        break_glass: d.break_glass_possible,
    }
}
