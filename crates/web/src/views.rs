//! What the pages and the API show, gathered from the live log (no HTML here), and the
//! templates that render it.

use crate::{AppError, AppState};
use domain::codes::{CqcRating, OrgKind};
use serde_json::{json, Value};

/// The page templates, compiled into the binary.
pub fn templates() -> minijinja::Environment<'static> {
    let mut env = minijinja::Environment::new();
    for (name, text) in [
        ("base.html", include_str!("../templates/base.html")),
        ("sign_in.html", include_str!("../templates/sign_in.html")),
        (
            "dashboard.html",
            include_str!("../templates/dashboard.html"),
        ),
        (
            "dashboard_body.html",
            include_str!("../templates/dashboard_body.html"),
        ),
        (
            "indicator.html",
            include_str!("../templates/indicator.html"),
        ),
        ("market.html", include_str!("../templates/market.html")),
        ("error.html", include_str!("../templates/error.html")),
        ("people.html", include_str!("../templates/people.html")),
        ("person.html", include_str!("../templates/person.html")),
        (
            "person_refused.html",
            include_str!("../templates/person_refused.html"),
        ),
        ("board.html", include_str!("../templates/board.html")),
        ("dtoc.html", include_str!("../templates/dtoc.html")),
        ("privacy.html", include_str!("../templates/privacy.html")),
        ("audit.html", include_str!("../templates/audit.html")),
        ("plans.html", include_str!("../templates/plans.html")),
        (
            "plan_scenario.html",
            include_str!("../templates/plan_scenario.html"),
        ),
        ("plan_run.html", include_str!("../templates/plan_run.html")),
    ] {
        env.add_template(name, text)
            .expect("the templates are valid");
    }
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    env
}

/// The kinds of provider the market view covers, with the profile's name for their ratings.
pub const PROVIDER_KINDS: [(OrgKind, &str, &str); 3] = [
    (
        OrgKind::ResidentialHome,
        "residential_homes",
        "Residential homes",
    ),
    (OrgKind::NursingHome, "nursing_homes", "Nursing homes"),
    (OrgKind::HomeCareAgency, "home_care", "Home care agencies"),
];

/// Providers by kind with their ratings, beds and the quality indicators, beside England's.
pub fn market(state: &AppState) -> Result<Value, AppError> {
    let view = state.live.view()?;
    let today = state.config.today();
    let period = crate::api::last_full_quarter(today);
    let report = view.report(period, &state.benchmarks, state.config.zone);
    let mut kinds = Vec::new();
    let mut providers = Vec::new();
    for (kind, id_prefix, title) in PROVIDER_KINDS {
        let of_kind: Vec<&domain::Org> = view.orgs.iter().filter(|o| o.kind == kind).collect();
        let mut ratings = serde_json::Map::new();
        for r in CqcRating::ALL {
            let n = of_kind.iter().filter(|o| o.cqc_rating == Some(*r)).count();
            ratings.insert(r.as_str().to_string(), json!(n));
        }
        let unrated = of_kind.iter().filter(|o| o.cqc_rating.is_none()).count();
        let quality = |what: &str| {
            let id = format!("{id_prefix}_{what}_pct");
            let v = report.as_ref().and_then(|r| r.get(&id).cloned());
            json!({
                "id": id,
                "value": v.as_ref().and_then(|v| v.value),
                "numerator": v.as_ref().map(|v| v.numerator),
                "denominator": v.as_ref().and_then(|v| v.denominator),
                "england": v.as_ref().and_then(|v| v.benchmarks.england),
                "stoke_2017": v.as_ref().and_then(|v| v.benchmarks.stoke_2017),
            })
        };
        kinds.push(json!({
            "kind": kind.as_str(),
            "title": title,
            "providers": of_kind.len(),
            "beds": of_kind.iter().filter_map(|o| o.beds).map(u64::from).sum::<u64>(),
            "ratings": ratings,
            "no_rating": unrated,
            "inadequate": quality("inadequate"),
            "requires_improvement": quality("requires_improvement"),
        }));
        providers.extend(of_kind.iter().map(|o| crate::api::org_json(o)));
    }
    Ok(json!({ "kinds": kinds, "providers": providers }))
}
