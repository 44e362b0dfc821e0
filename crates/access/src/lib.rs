//! Information governance: the rules of who may see and do what, as pure functions.
//!
//! The roles are those of the platform's access rules (the table "Users, organisations, roles"
//! in `docs/access.md`): what each role may see of identifiable people, whether it may break
//! glass, and whether it may write to the journey log. No web or storage code lives here.
//!
//! ```
//! use access::Role;
//! let r: Role = "discharge_coordinator".parse().unwrap();
//! assert!(r.may_write() && r.may_break_glass());
//! assert!(!Role::Analyst.sees_identifiable_people());
//! ```

mod relationship;

pub use relationship::{
    break_glass, may_see, relationship, Assessment, Attendance, BreakGlassRefused, CouncilReason,
    Decision, Episode, Grant, Lifecycle, Package, PersonFacts, Relationship, ResidenceFact, Spell,
    Why, BREAK_GLASS_HOURS, DEFAULT_WINDOW_DAYS, MIN_REASON_CHARS,
};

use std::fmt;
use std::str::FromStr;

/// A user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    DischargeCoordinator,
    SocialWorker,
    Broker,
    Provider,
    Gp,
    VoluntarySector,
    Analyst,
    Admin,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::DischargeCoordinator,
        Role::SocialWorker,
        Role::Broker,
        Role::Provider,
        Role::Gp,
        Role::VoluntarySector,
        Role::Analyst,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::DischargeCoordinator => "discharge_coordinator",
            Role::SocialWorker => "social_worker",
            Role::Broker => "broker",
            Role::Provider => "provider",
            Role::Gp => "gp",
            Role::VoluntarySector => "voluntary_sector",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
        }
    }

    /// Who holds the role, in plain words.
    pub fn description(self) -> &'static str {
        match self {
            Role::DischargeCoordinator => "the acute trust's discharge and track-and-triage staff",
            Role::SocialWorker => "the council's social workers (hospital and community)",
            Role::Broker => "the council's brokerage team",
            Role::Provider => "care home, home care and reablement staff",
            Role::Gp => "GP practice staff",
            Role::VoluntarySector => "voluntary organisations",
            Role::Analyst => "CCG and council analysts",
            Role::Admin => "the privacy officer and system administrator",
        }
    }

    /// Whether the role sees identifiable people at all (then only by legitimate relationship
    /// or a break-glass grant).
    pub fn sees_identifiable_people(self) -> bool {
        !matches!(self, Role::VoluntarySector | Role::Analyst | Role::Admin)
    }

    /// Whether the role may ask for emergency access to a person it has no relationship with.
    pub fn may_break_glass(self) -> bool {
        matches!(
            self,
            Role::DischargeCoordinator | Role::SocialWorker | Role::Provider | Role::Gp
        )
    }

    /// Whether the role may append events to the journey log.
    pub fn may_write(self) -> bool {
        !matches!(self, Role::Analyst | Role::VoluntarySector)
    }

    /// Whether the role may make scenarios and run comparisons of the digital twin (the
    /// service's plans). access.md names no commissioner: the CCG and council analysts are the
    /// planners, and the system administrator may run them too. A plan's results are simulated
    /// aggregates that name no one, so every role may read them (`may_read_plans`).
    pub fn may_plan(self) -> bool {
        matches!(self, Role::Analyst | Role::Admin)
    }
}

/// Whether any of `roles` may make scenarios and run comparisons ([`Role::may_plan`]).
pub fn may_plan(roles: &[Role]) -> bool {
    roles.iter().any(|r| r.may_plan())
}

/// Whether `roles` may read the plans and their results: simulated aggregates, naming no
/// person (access.md, "Aggregates"), so any signed-in user.
pub fn may_read_plans(roles: &[Role]) -> bool {
    !roles.is_empty()
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role name that is not one of [`Role::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}: expected one of discharge_coordinator, social_worker, broker, provider, gp, voluntary_sector, analyst, admin")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

/// Parses a comma-separated list of roles (at least one, no repeats).
pub fn parse_roles(s: &str) -> Result<Vec<Role>, UnknownRole> {
    let mut roles = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let r: Role = part.parse()?;
        if !roles.contains(&r) {
            roles.push(r);
        }
    }
    if roles.is_empty() {
        return Err(UnknownRole(s.to_string()));
    }
    roles.sort();
    Ok(roles)
}

/// Whether a count in a breakdown below the whole system is withheld (`access.md`,
/// "Aggregates"): a count from 1 to 4 is shown as `<5`, and a rate whose numerator or
/// denominator is such a count is withheld. Whole-system figures are never suppressed.
pub fn suppressed(count: u64) -> bool {
    (1..=4).contains(&count)
}

/// Whether a rate or percentage of a breakdown below the whole system is withheld (`access.md`,
/// "Aggregates"): its numerator or denominator is a count from 1 to 4. An amount that need not
/// be whole (bed-days) is such a count when it is above 0 and below 5.
pub fn rate_withheld(numerator: f64, denominator: Option<f64>) -> bool {
    let small = |x: f64| x > 0.0 && x < 5.0;
    small(numerator) || denominator.is_some_and(small)
}

/// Whether any of `roles` may write to the journey log.
pub fn may_write(roles: &[Role]) -> bool {
    roles.iter().any(|r| r.may_write())
}

#[cfg(test)]
mod tests {
    #[test]
    fn analysts_and_the_administrator_plan_and_everyone_reads_the_plans() {
        use super::{may_plan, may_read_plans, Role};
        let planners: Vec<Role> = Role::ALL.into_iter().filter(|r| r.may_plan()).collect();
        assert_eq!(planners, [Role::Analyst, Role::Admin]);
        assert!(may_plan(&[Role::Gp, Role::Analyst]));
        assert!(!may_plan(&[Role::Gp, Role::VoluntarySector]));
        assert!(Role::ALL.iter().all(|r| may_read_plans(&[*r])));
        assert!(!may_read_plans(&[]));
    }

    #[test]
    fn a_rate_is_withheld_when_either_side_is_1_to_4() {
        use super::rate_withheld;
        assert!(rate_withheld(1.0, Some(100.0)));
        assert!(rate_withheld(4.0, Some(100.0)));
        assert!(rate_withheld(0.5, Some(100.0)));
        assert!(rate_withheld(30.0, Some(3.0)));
        assert!(!rate_withheld(0.0, Some(100.0)), "0 is shown");
        assert!(!rate_withheld(5.0, Some(100.0)));
        assert!(!rate_withheld(30.0, Some(0.0)));
        assert!(!rate_withheld(30.0, None));
    }

    use super::*;

    #[test]
    fn the_role_table_of_the_access_rules() {
        // (role, sees identifiable people, may break glass, may write)
        let table = [
            ("discharge_coordinator", true, true, true),
            ("social_worker", true, true, true),
            ("broker", true, false, true),
            ("provider", true, true, true),
            ("gp", true, true, true),
            ("voluntary_sector", false, false, false),
            ("analyst", false, false, false),
            ("admin", false, false, true),
        ];
        for (name, sees, glass, write) in table {
            let r: Role = name.parse().unwrap();
            assert_eq!(r.as_str(), name);
            assert_eq!(r.sees_identifiable_people(), sees, "{name}");
            assert_eq!(r.may_break_glass(), glass, "{name}");
            assert_eq!(r.may_write(), write, "{name}");
        }
        assert_eq!(table.len(), Role::ALL.len());
    }

    #[test]
    fn small_numbers_are_suppressed_but_not_zero() {
        let shown: Vec<u64> = (0..8).filter(|n| !suppressed(*n)).collect();
        assert_eq!(shown, [0, 5, 6, 7]);
    }

    #[test]
    fn role_lists() {
        assert_eq!(
            parse_roles("gp, admin,gp").unwrap(),
            [Role::Gp, Role::Admin]
        );
        assert!(parse_roles("").is_err());
        assert!(parse_roles("gp,nurse").is_err());
        assert!(!may_write(&[Role::Analyst, Role::VoluntarySector]));
        assert!(may_write(&[Role::Analyst, Role::Broker]));
    }
}
