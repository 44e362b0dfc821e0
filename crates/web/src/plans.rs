//! The plans pages: the digital twin's scenarios (built-in and saved), a form to make a new one
//! from any of them by changing its values, comparisons queued and run in the background
//! ([`crate::plan_runner`]), their progress, and each comparison's tables.
//!
//! Who: analysts and the administrator make scenarios and start comparisons
//! ([`access::may_plan`]); every signed-in user may read the plans and their results, which are
//! simulated aggregates naming no one ([`access::may_read_plans`]). Nothing here is audited:
//! the audit vocabulary records looks at people and writes to the journey log, and a plan is
//! neither.
//!
//! The rules are the twin's: a scenario's TOML is made by [`twin::scenario::edit`] and checked
//! by [`twin::Scenario::from_saved`] (the messages of a TOML file), a comparison's by
//! [`twin::compare::check`].

use crate::auth::{self, CurrentUser};
use crate::pages::{render, PageError};
use crate::plan_runner::{RunRequest, RunScenario, StartFrom};
use crate::{AppError, AppState};
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::OnceLock;
use store::{NewPlanRun, PlanRun, PlanStatus, Plans};
use twin::scenario::{check, edit, BUILT_IN};
use twin::Scenario;

/// The largest form the plans accept (a scenario's every value, typed).
const MAX_FORM_BYTES: usize = 1 << 20;
/// The most scenarios one comparison may hold.
pub const MAX_SCENARIOS: usize = 6;
/// The scenario selects the run form shows.
const RUN_SLOTS: usize = 4;
/// The runs listed.
const RUNS_LISTED: u64 = 50;
/// The most scenarios the store keeps saved (each at most [`MAX_FORM_BYTES`]).
pub const MAX_SAVED: usize = 1000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/plans", get(plans_page))
        .route("/plans/new", get(new_scenario_page))
        .route("/plans/scenarios", post(save_scenario))
        .route("/plans/runs", post(start_run))
        .route("/plans/runs/{id}", get(run_page))
        .route("/plans/runs/{id}/compare.csv", get(run_csv))
        .route("/api/plans/runs", get(runs_json))
        .route("/api/plans/runs/{id}", get(run_json))
        .route("/api/plans/runs/{id}/result", get(result_json))
        .route("/static/plans.js", get(script))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_FORM_BYTES))
}

async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/plans.js"),
    )
        .into_response()
}

fn plans_of(state: &AppState) -> Result<&std::sync::Mutex<Box<dyn Plans>>, AppError> {
    state.plans.as_deref().ok_or(AppError::NotFound)
}

fn may_read(user: &CurrentUser) -> Result<(), AppError> {
    if access::may_read_plans(&user.roles) {
        Ok(())
    } else {
        Err(AppError::Forbidden("you may not read the plans".into()))
    }
}

fn may_plan(user: &CurrentUser) -> Result<(), AppError> {
    if access::may_plan(&user.roles) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "only analysts (and the administrator) make scenarios and run comparisons; you may read the results".into(),
        ))
    }
}

/// The built-in scenarios' names and descriptions, read once.
fn built_ins() -> &'static [(String, String)] {
    static ALL: OnceLock<Vec<(String, String)>> = OnceLock::new();
    ALL.get_or_init(|| {
        BUILT_IN
            .iter()
            .map(|(n, _)| {
                let d = Scenario::load(n).map(|s| s.description).unwrap_or_default();
                (n.to_string(), d)
            })
            .collect()
    })
}

fn is_built_in(name: &str) -> bool {
    BUILT_IN.iter().any(|(n, _)| *n == name)
}

/// The saved scenarios' TOML by name.
fn saved_texts(plans: &dyn Plans) -> Result<HashMap<String, String>, AppError> {
    Ok(plans
        .scenarios()?
        .into_iter()
        .map(|s| (s.name, s.toml))
        .collect())
}

/// A scenario's description as its TOML says (empty if it says none).
fn description_of(toml_text: &str) -> String {
    toml::from_str::<toml::Table>(toml_text)
        .ok()
        .and_then(|t| t.get("description")?.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn local_time(state: &AppState, secs: Option<i64>) -> String {
    let Some(secs) = secs else {
        return String::new();
    };
    let at = domain::Instant(secs.saturating_mul(1_000_000_000));
    crate::people::local(state, at)
}

fn status_words(s: PlanStatus) -> &'static str {
    match s {
        PlanStatus::Queued => "Waiting to start",
        PlanStatus::Running => "Running",
        PlanStatus::Done => "Finished",
        PlanStatus::Failed => "Failed",
    }
}

fn run_view(state: &AppState, r: &PlanRun) -> Value {
    let percent = (r.done * 100).checked_div(r.total).unwrap_or(0);
    json!({
        "id": r.id,
        "requested_by": r.requested_by,
        "org": r.org,
        "requested": local_time(state, Some(r.requested_at)),
        "finished": local_time(state, r.finished_at),
        "scenarios": r.scenarios,
        "baseline": r.scenarios.first(),
        "others": r.scenarios.iter().skip(1).collect::<Vec<_>>(),
        "seed": r.seed,
        "replications": r.replications,
        "status": r.status.as_str(),
        "status_words": status_words(r.status),
        "done": r.done,
        "total": r.total,
        "percent": percent,
        "message": r.message,
        "active": matches!(r.status, PlanStatus::Queued | PlanStatus::Running),
        "start": match &r.start_date {
            Some(d) => format!("the live store's journey log on {d}"),
            None => "the scenario's own warm-up".to_string(),
        },
    })
}

fn run_json_of(r: &PlanRun) -> Value {
    json!({
        "id": r.id,
        "status": r.status.as_str(),
        "done": r.done,
        "total": r.total,
        "scenarios": r.scenarios,
        "seed": r.seed,
        "replications": r.replications,
        "message": r.message,
    })
}

/// What the run form had, to show again with its errors.
#[derive(Default)]
struct RunForm {
    scenarios: Vec<String>,
    replications: String,
    seed: String,
    /// Start from the live store's state today (`start=today`), not each scenario's warm-up.
    from_today: bool,
}

/// The plans page, with the run form's errors (and what it held) when there are any.
fn plans_body(
    state: &AppState,
    user: &CurrentUser,
    errors: &[String],
    form: &RunForm,
) -> Result<Html<String>, AppError> {
    let plans = plans_of(state)?;
    let (saved, runs) = {
        let p = plans.lock().expect("not poisoned");
        (p.scenarios()?, p.runs(RUNS_LISTED)?)
    };
    let mut names: Vec<Value> = built_ins()
        .iter()
        .map(|(n, d)| json!({"name": n, "description": d, "built_in": true}))
        .collect();
    names.extend(saved.iter().map(|s| {
        json!({
            "name": s.name,
            "description": description_of(&s.toml),
            "built_in": false,
            "created_by": s.created_by,
            "created": local_time(state, Some(s.created_at)),
            "toml": s.toml,
        })
    }));
    let slots: Vec<Value> = (0..RUN_SLOTS)
        .map(|i| {
            let chosen = form.scenarios.get(i).cloned().unwrap_or_else(|| {
                if form.scenarios.is_empty() && i == 0 {
                    "stoke-2017".into()
                } else {
                    String::new()
                }
            });
            json!({"index": i + 1, "chosen": chosen})
        })
        .collect();
    render(
        state,
        "plans.html",
        Some(user),
        "plans",
        json!({
            "scenarios": names,
            "runs": runs.iter().map(|r| run_view(state, r)).collect::<Vec<_>>(),
            "active": runs.iter().any(|r| matches!(r.status, PlanStatus::Queued | PlanStatus::Running)),
            "may_plan": access::may_plan(&user.roles),
            "slots": slots,
            "errors": errors,
            "replications": if form.replications.is_empty() { "30".to_string() } else { form.replications.clone() },
            "max_replications": state.config.max_plan_replications,
            "seed": if form.seed.is_empty() { "1".to_string() } else { form.seed.clone() },
            // Ticked unless the form came back unticked.
            "from_today": form.from_today || form.scenarios.is_empty(),
            "today": state.config.today().to_string(),
        }),
    )
}

async fn plans_page(
    State(state): State<AppState>,
    user: Result<CurrentUser, AppError>,
) -> Result<Html<String>, PageError> {
    let user = user?;
    may_read(&user)?;
    Ok(state
        .blocking(move |s| plans_body(s, &user, &[], &RunForm::default()))
        .await?)
}

#[derive(Deserialize)]
struct NewQuery {
    from: Option<String>,
}

/// A scenario's table as the form names it.
fn table_title(table: &str) -> &str {
    match table {
        "" => "Scenario",
        "run" => "Run",
        "population" => "Population",
        "crisis" => "Crises",
        "gp" => "GP",
        "ae" => "A&E",
        "hospital" => "Hospital",
        "discharge" => "Discharge",
        "community" => "Community",
        "policy" => "Policy",
        "costs" => "Costs",
        other => other,
    }
}

/// The new-scenario form: `base`'s values, or what was typed, with errors by field.
fn scenario_form(
    state: &AppState,
    user: &CurrentUser,
    base_name: &str,
    typed: Option<&HashMap<String, String>>,
    errors: &[(String, String)],
) -> Result<Html<String>, AppError> {
    let plans = plans_of(state)?;
    let saved = saved_texts(plans.lock().expect("not poisoned").as_ref())?;
    let lookup = |n: &str| saved.get(n).cloned();
    let base = edit::base_value(base_name, &lookup).map_err(|e| match e {
        twin::ScenarioError::Unknown(_) => AppError::NotFound,
        e => AppError::internal(format!("scenario {base_name}: {e}")),
    })?;
    let error_of = |key: &str| -> Vec<&str> {
        errors
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, m)| m.as_str())
            .collect()
    };
    let mut tables: Vec<Value> = Vec::new();
    for f in edit::fields(&base) {
        let text = typed
            .and_then(|t| t.get(f.key).cloned())
            .unwrap_or(f.text.clone());
        let field = json!({
            "key": f.key,
            "id": format!("f-{}", f.key.replace('.', "-")),
            "label": f.key.split_once('.').map(|(_, k)| k).unwrap_or(f.key).replace('_', " "),
            "text": text,
            "hint": f.hint,
            "errors": error_of(f.key),
            "wide": text.len() > 24,
        });
        let table = table_title(f.table);
        match tables.last_mut() {
            Some(t) if t["table"] == table => {
                if let Some(a) = t["fields"].as_array_mut() {
                    a.push(field);
                }
            }
            _ => tables.push(json!({"table": table, "fields": [field], "open": false})),
        }
    }
    // A table with an error is shown open.
    for t in &mut tables {
        let has_error = t["fields"].as_array().is_some_and(|fs| {
            fs.iter()
                .any(|f| f["errors"].as_array().is_some_and(|e| !e.is_empty()))
        });
        t["open"] = json!(has_error);
    }
    let summary: Vec<Value> = errors
        .iter()
        .map(|(k, m)| {
            let id = match k.as_str() {
                "" => String::new(),
                "name" => "name".into(),
                "description" => "description".into(),
                k => format!("f-{}", k.replace('.', "-")),
            };
            json!({"id": id, "message": m})
        })
        .collect();
    let typed_text = |k: &str| typed.and_then(|t| t.get(k).cloned()).unwrap_or_default();
    render(
        state,
        "plan_scenario.html",
        Some(user),
        "plans",
        json!({
            "base": base_name,
            "base_description": base.get("description").and_then(|d| d.as_str()).unwrap_or_default(),
            "name": typed_text("name"),
            "description": typed_text("description"),
            "name_errors": error_of("name"),
            "description_errors": error_of("description"),
            "tables": tables,
            "errors": summary,
        }),
    )
}

async fn new_scenario_page(
    State(state): State<AppState>,
    user: Result<CurrentUser, AppError>,
    Query(q): Query<NewQuery>,
) -> Result<Html<String>, PageError> {
    let user = user?;
    may_plan(&user)?;
    let from = q.from.unwrap_or_else(|| "stoke-2017".into());
    Ok(state
        .blocking(move |s| scenario_form(s, &user, &from, None, &[]))
        .await?)
}

/// A form's fields, in order (a field may come more than once).
type Fields = Vec<(String, String)>;

fn form_fields(form: Result<Form<Fields>, FormRejection>) -> Result<Fields, AppError> {
    match form {
        Ok(Form(f)) => Ok(f),
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(AppError::TooLarge(format!(
            "the form is larger than the plans accept ({} KiB)",
            MAX_FORM_BYTES >> 10
        ))),
        Err(e) => Err(AppError::BadRequest {
            field: None,
            message: format!("the form cannot be read: {}", e.body_text()),
        }),
    }
}

fn first<'a>(fields: &'a Fields, name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_default()
}

fn csrf(user: &CurrentUser, headers: &HeaderMap, fields: &Fields) -> Result<(), AppError> {
    auth::check_csrf(user, headers, Some(first(fields, "csrf")))
}

/// The form's scenario values: `p.<table.key>` fields.
fn scenario_entries(fields: &Fields) -> Vec<(String, String)> {
    fields
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("p.")?.to_string(), v.clone())))
        .collect()
}

/// Saves a new scenario, or says what is wrong next to each field (400).
async fn save_scenario(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: Result<CurrentUser, AppError>,
    form: Result<Form<Fields>, FormRejection>,
) -> Result<Response, PageError> {
    let user = user?;
    may_plan(&user)?;
    let fields = form_fields(form)?;
    csrf(&user, &headers, &fields)?;
    let result = state
        .blocking(move |s| {
            let base = first(&fields, "from").to_string();
            let name = first(&fields, "name").trim().to_string();
            let description = first(&fields, "description").trim().to_string();
            let entries = scenario_entries(&fields);
            let typed: HashMap<String, String> = entries
                .iter()
                .cloned()
                .chain([
                    ("name".into(), name.clone()),
                    ("description".into(), description.clone()),
                ])
                .collect();
            let again = |errors: Vec<(String, String)>| -> Result<Response, AppError> {
                let page = scenario_form(s, &user, &base, Some(&typed), &errors)?;
                Ok((StatusCode::BAD_REQUEST, page).into_response())
            };
            let plans = plans_of(s)?;
            let saved = saved_texts(plans.lock().expect("not poisoned").as_ref())?;
            let lookup = |n: &str| saved.get(n).cloned();
            if !is_built_in(&base) && !saved.contains_key(&base) {
                return Err(AppError::bad(
                    "from",
                    format!("no scenario {base:?} to start from"),
                ));
            }
            if name.is_empty() {
                return again(vec![("name".into(), "give the new scenario a name".into())]);
            }
            if saved.len() >= MAX_SAVED {
                return Err(AppError::Conflict(format!(
                    "{MAX_SAVED} scenarios are saved already, the most the service keeps"
                )));
            }
            if saved.contains_key(&name) {
                return again(vec![(
                    "name".into(),
                    format!(
                        "a scenario named {name:?} is already saved: give this one another name"
                    ),
                )]);
            }
            let base_value = edit::base_value(&base, &lookup)
                .map_err(|e| AppError::internal(format!("scenario {base}: {e}")))?;
            let text = match edit::changes(&base, &base_value, &name, &description, &entries) {
                Ok(t) => t,
                Err(errors) => return again(errors),
            };
            match Scenario::from_saved(&name, &text, &lookup) {
                Ok(_) => {}
                Err(Ok(messages)) => {
                    return again(
                        messages
                            .into_iter()
                            .map(|m| (check::key_named(&m).unwrap_or_default().to_string(), m))
                            .collect(),
                    )
                }
                Err(Err(e)) => return again(vec![(String::new(), e.to_string())]),
            }
            let stored = plans.lock().expect("not poisoned").save_scenario(
                &name,
                &text,
                &user.username,
                auth::now_secs(),
            );
            match stored {
                Ok(_) => {
                    Ok(Redirect::to(&format!("/plans?saved={name}#scenarios")).into_response())
                }
                Err(store::StoreError::Conflict(m)) => again(vec![("name".into(), m)]),
                Err(e) => Err(e.into()),
            }
        })
        .await?;
    Ok(result)
}

/// A comparison to start, checked: the scenarios as they are run, replications and seed.
struct Checked {
    scenarios: Vec<RunScenario>,
    replications: u64,
    seed: u64,
    total: u64,
}

/// Checks the run form; every error, in words for the page.
fn check_run(
    state: &AppState,
    saved: &HashMap<String, String>,
    form: &RunForm,
) -> Result<Checked, Vec<String>> {
    let max = state.config.max_plan_replications;
    let mut errors = Vec::new();
    let chosen: Vec<&String> = form.scenarios.iter().filter(|s| !s.is_empty()).collect();
    if chosen.len() < 2 {
        errors.push(
            "choose at least two scenarios: the first is the one the others are compared with"
                .to_string(),
        );
    }
    if chosen.len() > MAX_SCENARIOS {
        errors.push(format!("compare at most {MAX_SCENARIOS} scenarios at once"));
    }
    for (i, a) in chosen.iter().enumerate() {
        if chosen[..i].contains(a) {
            errors.push(format!("scenario {a} is chosen twice: choose each once"));
        }
    }
    let replications = match form.replications.trim().parse::<u64>() {
        Ok(n) if (2..=max).contains(&n) => n,
        _ => {
            errors.push(format!(
                "replications must be a whole number from 2 to {max} (two at least, for a confidence interval), got {:?}",
                form.replications
            ));
            0
        }
    };
    let seed = match form.seed.trim().parse::<u64>() {
        Ok(n) if i64::try_from(n).is_ok() => n,
        _ => {
            errors.push(format!(
                "the seed must be a whole number from 0 to {}, got {:?}",
                i64::MAX,
                form.seed
            ));
            0
        }
    };
    let lookup = |n: &str| saved.get(n).cloned();
    let today = state.config.today();
    let mut scenarios = Vec::new();
    for name in chosen.iter().take(MAX_SCENARIOS) {
        let loaded = if is_built_in(name) {
            Scenario::load(name).map_err(|e| e.to_string())
        } else if let Some(text) = saved.get(name.as_str()) {
            Scenario::from_saved(name, text, &lookup).map_err(|e| match e {
                Ok(m) => format!("scenario {name}: {}", m.join("; ")),
                Err(e) => e.to_string(),
            })
        } else {
            Err(format!("there is no scenario {name:?}"))
        };
        // From today's store: the scenario starts today, without its warm-up.
        let loaded = loaded.and_then(|s| {
            if !form.from_today {
                return Ok(s);
            }
            let s = s.starting_at(today);
            s.validate()
                .map_err(|e| format!("scenario {name} from {today}: {e}"))?;
            Ok(s)
        });
        match loaded {
            Ok(s) => scenarios.push(s),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        if let Err(e) = twin::compare::check(&scenarios, replications) {
            errors.push(e.to_string());
        }
        let work: f64 = scenarios
            .iter()
            .map(twin::scenario::limits::happenings)
            .sum::<f64>()
            * replications as f64;
        if work > budget(max) {
            errors.push(format!(
                "this comparison is larger than the service runs ({:.0} times the largest it takes): use fewer replications, fewer scenarios or shorter runs",
                work / budget(max)
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let total = replications * scenarios.len() as u64;
    let scenarios = scenarios
        .iter()
        .map(|s| {
            Ok(RunScenario {
                name: s.name.clone(),
                toml: toml::to_string(s).map_err(|e| vec![e.to_string()])?,
            })
        })
        .collect::<Result<Vec<_>, Vec<String>>>()?;
    Ok(Checked {
        scenarios,
        replications,
        seed,
        total,
    })
}

/// The most a comparison may simulate: the expected happenings of [`MAX_SCENARIOS`] baseline
/// years at `max` replications each.
fn budget(max: u64) -> f64 {
    static BASE: OnceLock<f64> = OnceLock::new();
    let year = *BASE.get_or_init(|| {
        Scenario::load("stoke-2017")
            .map(|s| twin::scenario::limits::happenings(&s))
            .unwrap_or(1e6)
    });
    year * MAX_SCENARIOS as f64 * max as f64
}

/// Queues a comparison and shows its page, or says what is wrong with the form (400).
async fn start_run(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: Result<CurrentUser, AppError>,
    form: Result<Form<Fields>, FormRejection>,
) -> Result<Response, PageError> {
    let user = user?;
    may_plan(&user)?;
    let fields = form_fields(form)?;
    csrf(&user, &headers, &fields)?;
    let form = RunForm {
        scenarios: fields
            .iter()
            .filter(|(k, _)| k == "scenario")
            .map(|(_, v)| v.trim().to_string())
            .collect(),
        replications: first(&fields, "replications").to_string(),
        seed: first(&fields, "seed").to_string(),
        from_today: first(&fields, "start") == "today",
    };
    let result = state
        .blocking(move |s| {
            let plans = plans_of(s)?;
            let saved = saved_texts(plans.lock().expect("not poisoned").as_ref())?;
            let checked = match check_run(s, &saved, &form) {
                Ok(c) => c,
                Err(errors) => {
                    let page = plans_body(s, &user, &errors, &form)?;
                    return Ok((StatusCode::BAD_REQUEST, page).into_response());
                }
            };
            let start_date = form.from_today.then(|| s.config.today().to_string());
            let request = RunRequest {
                scenarios: checked.scenarios,
                start: start_date.clone().map(|date| StartFrom::LiveStore { date }),
            };
            let new = NewPlanRun {
                requested_by: user.username.clone(),
                org: user.org.clone(),
                requested_at: auth::now_secs(),
                scenarios: request.scenarios.iter().map(|s| s.name.clone()).collect(),
                seed: checked.seed,
                replications: checked.replications,
                start_date,
                request: serde_json::to_string(&request)
                    .map_err(|e| AppError::internal(e.to_string()))?,
                total: checked.total,
            };
            let queued = plans
                .lock()
                .expect("not poisoned")
                .queue_run(&new, s.config.max_waiting_plans);
            match queued {
                Ok(run) => {
                    if let Some(r) = &s.plan_runner {
                        r.wake();
                    }
                    Ok(Redirect::to(&format!("/plans/runs/{}", run.id)).into_response())
                }
                Err(store::StoreError::Conflict(m)) => Err(AppError::Conflict(m)),
                Err(e) => Err(e.into()),
            }
        })
        .await?;
    Ok(result)
}

fn find_run(state: &AppState, id: i64) -> Result<PlanRun, AppError> {
    plans_of(state)?
        .lock()
        .expect("not poisoned")
        .run(id)?
        .ok_or(AppError::NotFound)
}

async fn run_page(
    State(state): State<AppState>,
    user: Result<CurrentUser, AppError>,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let user = user?;
    may_read(&user)?;
    Ok(state
        .blocking(move |s| {
            let run = find_run(s, id)?;
            let result = if run.status == PlanStatus::Done {
                plans_of(s)?.lock().expect("not poisoned").result(id)?
            } else {
                None
            };
            render(
                s,
                "plan_run.html",
                Some(&user),
                "plans",
                json!({
                    "run": run_view(s, &run),
                    // The page has its own title: the comparison's heading goes one level down.
                    "comparison": result.map(|r| r.html.replacen("<h1>", "<h2>", 1).replacen("</h1>", "</h2>", 1)),
                }),
            )
        })
        .await?)
}

async fn run_csv(
    State(state): State<AppState>,
    user: Result<CurrentUser, AppError>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let user = user?;
    may_read(&user)?;
    let csv = state
        .blocking(move |s| {
            plans_of(s)?
                .lock()
                .expect("not poisoned")
                .result(id)?
                .map(|r| r.csv)
                .ok_or(AppError::NotFound)
        })
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"compare-{id}.csv\""),
            ),
        ],
        csv,
    )
        .into_response())
}

async fn runs_json(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, AppError> {
    may_read(&user)?;
    let runs = state
        .blocking(|s| {
            Ok(plans_of(s)?
                .lock()
                .expect("not poisoned")
                .runs(RUNS_LISTED)?)
        })
        .await?;
    Ok(Json(
        json!({ "runs": runs.iter().map(run_json_of).collect::<Vec<_>>() }),
    ))
}

async fn run_json(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AppError> {
    may_read(&user)?;
    let run = state.blocking(move |s| find_run(s, id)).await?;
    Ok(Json(run_json_of(&run)))
}

/// A finished comparison's figures ([`twin::compare::Comparison::json`]); 404 until it is done.
async fn result_json(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    may_read(&user)?;
    let json = state
        .blocking(move |s| {
            plans_of(s)?
                .lock()
                .expect("not poisoned")
                .result(id)?
                .map(|r| r.json)
                .ok_or(AppError::NotFound)
        })
        .await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response())
}
