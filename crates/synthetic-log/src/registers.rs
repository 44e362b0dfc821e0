//! The organisations and population of the synthetic system, shaped like Stoke-on-Trent in 2017
//! (46 GP practices, 68 residential and 19 nursing homes, 46 home care agencies, one acute trust).

use domain::codes::{CqcRating, OrgKind};
use domain::{Org, OrgRegister, Population};

fn org(
    code: String,
    name: String,
    kind: OrgKind,
    rating: Option<CqcRating>,
    beds: Option<u32>,
    ext: Option<bool>,
) -> Org {
    Org {
        code,
        name,
        kind,
        cqc_rating: rating,
        beds,
        extended_access: ext,
    }
}

/// Ratings in the proportions CQC found in September 2017 (`stoke-2017-profile.toml`).
fn ratings(counts: [(CqcRating, usize); 5]) -> Vec<CqcRating> {
    counts
        .iter()
        .flat_map(|(r, n)| std::iter::repeat_n(*r, *n))
        .collect()
}

/// Codes of the synthetic care homes and agencies, used by the journeys.
pub const GP_PRACTICES: usize = 46;
pub const RESIDENTIAL_HOMES: usize = 68;
pub const NURSING_HOMES: usize = 19;
pub const HOME_CARE_AGENCIES: usize = 46;

pub fn gp_code(i: usize) -> String {
    format!("M83{:03}", i + 1)
}
pub fn residential_code(i: usize) -> String {
    format!("RH{:03}", i + 1)
}
pub fn nursing_code(i: usize) -> String {
    format!("NH{:03}", i + 1)
}
pub fn home_care_code(i: usize) -> String {
    format!("HC{:03}", i + 1)
}
pub const ACUTE_TRUST: &str = "RJE";
pub const COMMUNITY_TRUST: &str = "R1E";
pub const REABLEMENT: &str = "REAB1";

/// The organisations register. `acute_beds`: the acute trust's beds; the community trust and
/// the care homes get places of a town's size (the twin's registers; a synthetic log's are
/// [`orgs_sized`] to it).
pub fn orgs(acute_beds: u32) -> OrgRegister {
    use CqcRating::*;
    let mut out = vec![
        org(
            ACUTE_TRUST.into(),
            "University Hospitals of North Midlands (synthetic)".into(),
            OrgKind::AcuteTrust,
            Some(RequiresImprovement),
            Some(acute_beds),
            None,
        ),
        org(
            COMMUNITY_TRUST.into(),
            "Community trust (synthetic)".into(),
            OrgKind::CommunityTrust,
            Some(Good),
            Some(60),
            None,
        ),
        org(
            "00W".into(),
            "Stoke-on-Trent City Council (synthetic)".into(),
            OrgKind::LocalAuthority,
            None,
            None,
            None,
        ),
        org(
            "05W".into(),
            "Stoke-on-Trent CCG (synthetic)".into(),
            OrgKind::Ccg,
            None,
            None,
            None,
        ),
        org(
            REABLEMENT.into(),
            "Reablement service (synthetic)".into(),
            OrgKind::ReablementService,
            Some(Good),
            None,
            None,
        ),
        org(
            "RYA".into(),
            "Ambulance service (synthetic)".into(),
            OrgKind::AmbulanceService,
            Some(Good),
            None,
            None,
        ),
    ];
    let gp = ratings([
        (Outstanding, 2),
        (Good, 37),
        (RequiresImprovement, 2),
        (Inadequate, 1),
        (Unrated, 4),
    ]);
    for (i, r) in gp.into_iter().enumerate() {
        // 3 of 46 practices (6.5%) offer full extended access, as in March 2017.
        out.push(org(
            gp_code(i),
            format!("Surgery {} (synthetic)", i + 1),
            OrgKind::GpPractice,
            Some(r),
            None,
            Some(i % 15 == 7),
        ));
    }
    let rh = ratings([
        (Outstanding, 1),
        (Good, 47),
        (RequiresImprovement, 13),
        (Inadequate, 0),
        (Unrated, 7),
    ]);
    for (i, r) in rh.into_iter().enumerate() {
        out.push(org(
            residential_code(i),
            format!("Residential home {} (synthetic)", i + 1),
            OrgKind::ResidentialHome,
            Some(r),
            Some(25 + (i as u32 % 4) * 10),
            None,
        ));
    }
    let nh = ratings([
        (Outstanding, 1),
        (Good, 6),
        (RequiresImprovement, 9),
        (Inadequate, 3),
        (Unrated, 0),
    ]);
    for (i, r) in nh.into_iter().enumerate() {
        out.push(org(
            nursing_code(i),
            format!("Nursing home {} (synthetic)", i + 1),
            OrgKind::NursingHome,
            Some(r),
            Some(40 + (i as u32 % 3) * 15),
            None,
        ));
    }
    let hc = ratings([
        (Outstanding, 0),
        (Good, 20),
        (RequiresImprovement, 11),
        (Inadequate, 1),
        (Unrated, 14),
    ]);
    for (i, r) in hc.into_iter().enumerate() {
        out.push(org(
            home_care_code(i),
            format!("Home care agency {} (synthetic)", i + 1),
            OrgKind::HomeCareAgency,
            Some(r),
            None,
            None,
        ));
    }
    out.into_iter().collect()
}

/// The organisations register with the beds and places of `places` (organisations it does
/// not name keep those of [`orgs`]; the acute trust has 1 bed if it is not named).
pub fn orgs_sized(places: &crate::Places) -> OrgRegister {
    let mut register = orgs(places.get(ACUTE_TRUST).unwrap_or(1));
    let sized: Vec<Org> = register
        .iter()
        .filter_map(|o| {
            places.get(&o.code).map(|n| Org {
                beds: Some(n),
                ..o.clone()
            })
        })
        .collect();
    for o in sized {
        register.upsert(o);
    }
    register
}

/// A population register whose 65+ bands are the people followed, and whose younger bands keep
/// Stoke-on-Trent's proportions (16% aged 65+).
pub fn population_for(bands65: [u64; 3]) -> Population {
    let older: u64 = bands65.iter().sum();
    let scale = |stoke: u64| (stoke as f64 * older as f64 / 40_900.0).round() as u64;
    Population::new([
        scale(56_300),
        scale(158_600),
        bands65[0],
        bands65[1],
        bands65[2],
    ])
}
