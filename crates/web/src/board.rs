//! The flow board: everyone in hospital ready to leave whom the user may see, and the steps
//! recorded from it (each one event, written only if the stay is as the form saw it).

use crate::auth::{self, CurrentUser};
use crate::guard;
use crate::pages::{render, PageError};
use crate::people::{local, need_json, rfc};
use crate::{AppError, AppState};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use domain::codes::{DelayReason, Destination};
use domain::{Instant, NhsNumber};
use flow::record::{Form as StepForm, Step};
use flow::{BoardFilter, BoardRow};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use store::Action;

/// The most people not yet ready that the page lists.
const NOT_READY_ON_PAGE: usize = 100;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/flow-board", get(board_json))
        .route("/api/flow-board/{nhs}/{spell}", post(record_json))
        .route("/flow-board", get(board_page))
        .route("/flow-board/{nhs}/{spell}", post(record_form))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FilterQuery {
    org: Option<String>,
    reason: Option<String>,
    responsible: Option<String>,
    pathway: Option<String>,
    /// A page's message after a step was recorded.
    #[serde(default)]
    done: Option<String>,
}

impl FilterQuery {
    fn filter(&self) -> BoardFilter {
        let v = |s: &Option<String>| s.clone().filter(|s| !s.trim().is_empty());
        BoardFilter {
            org: v(&self.org),
            reason: v(&self.reason),
            responsible: v(&self.responsible),
            pathway: v(&self.pathway),
        }
    }
}

/// The board as the user may see it: rows of the people they see, or, for roles that see
/// aggregates only, counts with small numbers suppressed.
pub enum Board {
    /// The people ready to leave, and those in hospital not yet ready (admitted longest ago first).
    Rows(Vec<BoardRow>, Vec<flow::board::NotReady>),
    Aggregate(Value),
}

fn sees_people(user: &CurrentUser) -> bool {
    user.roles.iter().any(|r| r.sees_identifiable_people())
}

/// Builds the board for `user` at `now`: each person in hospital is read with the access rule
/// evaluated as they are read, and only those the user sees make rows.
pub fn board(
    state: &AppState,
    user: &CurrentUser,
    view: &live_log::View,
    filter: &BoardFilter,
    now: Instant,
) -> Result<Board, AppError> {
    let zone = state.config.zone;
    let in_hospital = view.records_in_hospital()?;
    if !sees_people(user) {
        let mut by_org: BTreeMap<String, u64> = BTreeMap::new();
        let mut by_reason: BTreeMap<String, u64> = BTreeMap::new();
        let mut total = 0u64;
        for (nhs, p) in &in_hospital {
            for r in flow::board::rows(p, *nhs, now, &view.orgs, zone) {
                if !filter.keeps(&r) {
                    continue;
                }
                total += 1;
                *by_org
                    .entry(r.org.as_deref().unwrap_or("").to_string())
                    .or_default() += 1;
                let reason = r.reason.map_or("unrecorded", |x| x.as_str());
                *by_reason.entry(reason.to_string()).or_default() += 1;
            }
        }
        return Ok(Board::Aggregate(json!({
            "aggregate": true,
            "note": "your role sees aggregates only: counts of 1 to 4 in a breakdown by organisation are shown as <5",
            "total": total,
            "by_org": by_org.iter().map(|(o, n)| {
                let mut v = crate::suppression::count_json(*n);
                v["org"] = json!(o);
                v["name"] = json!(view.orgs.get(o).map(|x| x.name.as_str()).unwrap_or(o));
                v
            }).collect::<Vec<_>>(),
            "by_reason": by_reason.iter().map(|(r, n)| json!({"reason": r, "count": n})).collect::<Vec<_>>(),
        })));
    }
    let mut rows: Vec<BoardRow> = Vec::new();
    let mut waiting = Vec::new();
    for (nhs, p) in &in_hospital {
        let nhs = *nhs;
        if !guard::decide(state, user, view, nhs, now).allowed {
            continue;
        }
        rows.extend(
            flow::board::rows(p, nhs, now, &view.orgs, zone)
                .into_iter()
                .filter(|r| filter.keeps(r)),
        );
        waiting.extend(flow::board::not_ready(p, nhs, now).into_iter().filter(|w| {
            filter
                .org
                .as_deref()
                .is_none_or(|o| w.org.as_deref() == Some(o))
        }));
    }
    flow::board::sort(&mut rows);
    waiting.sort_by(|a, b| a.admitted.cmp(&b.admitted).then(a.nhs.cmp(&b.nhs)));
    Ok(Board::Rows(rows, waiting))
}

pub fn row_json(view: &live_log::View, state: &AppState, r: &BoardRow) -> Value {
    json!({
        "person": r.nhs.digits(),
        "person_spaced": r.nhs.to_string(),
        "age": r.age,
        "spell": r.spell.as_str(),
        "org": r.org.as_deref(),
        "org_name": r.org.as_deref().map(|o| view.orgs.get(o).map(|x| x.name.as_str()).unwrap_or(o)),
        "admitted": rfc(r.admitted),
        "ready": rfc(r.ready),
        "ready_local": local(state, r.ready),
        "days_ready": r.days_ready,
        "delay_reason": r.reason.map(|x| x.as_str()),
        "delay_reason_letter": r.reason.map(|x| x.letter()),
        "delay_reason_words": r.reason.map(|x| x.meaning()),
        "responsible": r.responsible.map(|x| x.as_str()),
        "responsible_orgs": r.responsible_orgs.iter().map(|o| o.as_str()).collect::<Vec<_>>(),
        "pathway": r.pathway,
        "needs": r.needs.iter().map(|n| need_json(view, n)).collect::<Vec<_>>(),
        "version": r.version,
    })
}

/// The board as one view of the log gives it to everyone who asks the same.
pub struct Answer {
    /// The API's answer (JSON text).
    pub text: String,
    /// What the page shows: the same, with the first [`NOT_READY_ON_PAGE`] of those not yet
    /// ready and their total (`not_ready_total`).
    pub page: Value,
    /// The people listed (`None`: counts only).
    pub listed: Option<usize>,
}

/// The board's answer for the API and the page, with the look recorded.
///
/// The answer is made once per view of the log, user organisation, roles, filter, the user's
/// break-glass grants and minute, and shared by the looks that ask the same (a board for 64
/// coordinators is one walk, not 64): at most a minute old, and new at every change of the log.
fn board_answer(
    state: &AppState,
    user: &CurrentUser,
    q: &FilterQuery,
    client: &str,
) -> Result<Arc<Answer>, AppError> {
    let view = state.live.view()?;
    let filter = q.filter();
    filter
        .check(&view.orgs)
        .map_err(|e| AppError::bad(e.field, e.message))?;
    let now = guard::now(state);
    // The grants read before the key is made, so the key names the grants the board is made
    // with (otherwise the first `decide` of a new board reads them, after the key).
    guard::refresh_grants(state, false);
    let minute = now.0.div_euclid(60_000_000_000);
    let key = format!(
        "flow-board {} {:?} {:?} {minute} {:?}",
        user.org,
        user.roles,
        filter,
        state.grants.persons_of(&user.username, now)
    );
    let answer = view.memo_value(&key, || {
        let (mut v, listed) = match board(state, user, &view, &filter, now)? {
            Board::Aggregate(v) => (v, None),
            Board::Rows(rows, waiting) => (
                json!({
                    "aggregate": false,
                    "count": rows.len(),
                    "rows": rows.iter().map(|r| row_json(&view, state, r)).collect::<Vec<_>>(),
                    "not_ready": waiting.iter().map(|w| json!({
                        "person": w.nhs.digits(),
                        "person_spaced": w.nhs.to_string(),
                        "spell": w.spell.as_str(),
                        "org": w.org.as_deref(),
                        "admitted": rfc(w.admitted),
                        "admitted_local": local(state, w.admitted),
                        "version": w.version,
                    })).collect::<Vec<_>>(),
                }),
                Some(rows.len()),
            ),
        };
        v["now"] = json!(rfc(now));
        v["filters"] = json!({
            "org": filter.org, "reason": filter.reason,
            "responsible": filter.responsible, "pathway": filter.pathway,
        });
        let text = serde_json::to_string(&v).map_err(|e| AppError::internal(e.to_string()))?;
        // The page lists the first of those not yet ready (admitted longest ago); the API all.
        let mut page = v;
        if let Some(all) = page.get_mut("not_ready").and_then(Value::as_array_mut) {
            let total = all.len();
            all.truncate(NOT_READY_ON_PAGE);
            page["not_ready_total"] = json!(total);
        }
        Ok::<_, AppError>(Answer { text, page, listed })
    })?;
    if let Some(count) = answer.listed.filter(|_| sees_people(user)) {
        crate::audit::record(
            state,
            crate::audit::Actor::of(user),
            Action::SearchPerson,
            None,
            Some(format!("flow board: {count} people listed")),
            client,
        )?;
    }
    Ok(answer)
}

fn query<T: Default>(
    q: Result<Query<T>, axum::extract::rejection::QueryRejection>,
) -> Result<T, AppError> {
    q.map(|q| q.0).map_err(|e| AppError::BadRequest {
        field: None,
        message: e.body_text(),
    })
}

async fn board_json(
    State(state): State<AppState>,
    ext: axum::http::Extensions,
    user: CurrentUser,
    q: Result<Query<FilterQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let q = query(q)?;
    let client = auth::client_address(&ext);
    let answer = state
        .blocking(move |s| board_answer(s, &user, &q, &client))
        .await?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        answer.text.clone(),
    )
        .into_response())
}

/// A step from the board, as the API and the page's forms send it.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct StepBody {
    #[serde(default)]
    csrf: Option<String>,
    step: String,
    version: u32,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    responsible: Option<String>,
    #[serde(default)]
    pathway: Option<serde_json::Value>,
    #[serde(default)]
    destination: Option<String>,
}

/// Records one step: the user must see the person and may write; the event is stored only if
/// the stay is unchanged since the form was made (else a conflict, nothing written).
fn record_step(
    state: &AppState,
    user: &CurrentUser,
    nhs: NhsNumber,
    spell: &str,
    body: &StepBody,
    client: &str,
) -> Result<(String, u32), AppError> {
    if !user.may_write() {
        return Err(AppError::Forbidden(
            "your role may not write to the journey log".into(),
        ));
    }
    let pathway = match &body.pathway {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(other) => {
            return Err(AppError::bad(
                "pathway",
                format!("expected 0 to 3, got {other}"),
            ))
        }
    };
    let step = Step::from_fields(
        &body.step,
        body.reason.as_deref(),
        body.responsible.as_deref(),
        pathway.as_deref(),
        body.destination.as_deref(),
    )
    .map_err(refused)?;
    if spell.is_empty() || spell.len() > 128 {
        return Err(AppError::bad("spell", "a spell id of 1 to 128 characters"));
    }
    let view = state.live.view()?;
    // To the millisecond, as the event's `at` is written (so the check and the log agree on
    // the instant, and two steps in one second are two instants).
    let now = guard::now(state);
    let now = Instant(now.0 - now.0.rem_euclid(1_000_000));
    let d = guard::decide(state, user, &view, nhs, now);
    if !d.allowed {
        return Err(guard::refusal(&d));
    }
    let form = StepForm {
        person: nhs,
        spell: spell.to_string(),
        version: body.version,
        step,
    };
    let id = format!("jd-{}", &auth::new_token()[..24]);
    let line = flow::record::line(&form, &id, now, &user.org);
    crate::audit::required(state)?;
    let entry = crate::audit::entry(
        crate::audit::Actor::of(user),
        Action::Append,
        Some(&nhs.digits()),
        Some(format!("flow board: {} on stay {spell}", form.step.kind())),
        client,
    );
    let check_form = form.clone();
    // The step and its audit entry in one transaction.
    state.live.append_with(
        &line,
        Some((
            nhs,
            Box::new(move |p| flow::record::check(p, &check_form, now)),
        )),
        Some(Box::new(move |_| entry.clone())),
    )?;
    let version = state
        .live
        .view()?
        .record(nhs)?
        .map_or(0, |p| p.spell_version(spell));
    Ok((id, version))
}

fn refused(r: flow::record::Refused) -> AppError {
    match r {
        flow::record::Refused::Invalid { field, message } => AppError::bad(field, message),
        flow::record::Refused::Conflict(m) => AppError::Conflict(m),
    }
}

async fn record_json(
    State(state): State<AppState>,
    headers: HeaderMap,
    ext: axum::http::Extensions,
    user: CurrentUser,
    Path((nhs, spell)): Path<(String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    auth::check_csrf(&user, &headers, None)?;
    let nhs = guard::nhs_number(&nhs)?;
    let body: StepBody = crate::api::json_body(&headers, &body?)?;
    let client = auth::client_address(&ext);
    let (id, version) = state
        .blocking(move |s| record_step(s, &user, nhs, &spell, &body, &client))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "appended": 1, "event": id, "version": version })),
    )
        .into_response())
}

fn choices() -> Value {
    json!({
        "reasons": DelayReason::ALL.iter().map(|r| json!({
            "code": r.as_str(), "letter": r.letter(), "words": r.meaning(),
        })).collect::<Vec<_>>(),
        "destinations": Destination::ALL.iter().map(|d| d.as_str()).collect::<Vec<_>>(),
    })
}

async fn board_page(
    State(state): State<AppState>,
    ext: axum::http::Extensions,
    user: Result<CurrentUser, AppError>,
    q: Result<Query<FilterQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, PageError> {
    let user = user?;
    let q = query(q)?;
    let done = q.done.clone();
    let client = auth::client_address(&ext);
    let u = user.clone();
    let v = state
        .blocking(move |s| board_answer(s, &u, &q, &client))
        .await;
    let (status, mut v) = match v {
        Ok(answer) => (StatusCode::OK, answer.page.clone()),
        Err(AppError::BadRequest { message, .. }) => (
            StatusCode::BAD_REQUEST,
            json!({ "error": message, "rows": [] }),
        ),
        Err(e) => return Err(e.into()),
    };
    let orgs: Vec<Value> = state
        .live
        .cached_view()
        .orgs
        .iter()
        .filter(|o| o.kind == domain::codes::OrgKind::AcuteTrust)
        .map(|o| json!({"code": o.code, "name": o.name}))
        .collect();
    v["choices"] = choices();
    v["hospitals"] = json!(orgs);
    v["done"] = json!(done);
    v["may_write"] = json!(user.may_write());
    let html = render(&state, "board.html", Some(&user), "flow-board", v)?;
    Ok((status, html).into_response())
}

async fn record_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    ext: axum::http::Extensions,
    user: Result<CurrentUser, AppError>,
    Path((nhs, spell)): Path<(String, String)>,
    Form(body): Form<StepBody>,
) -> Result<Response, PageError> {
    let user = user?;
    auth::check_csrf(&user, &headers, body.csrf.as_deref())?;
    let nhs = guard::nhs_number(&nhs)?;
    let client = auth::client_address(&ext);
    let u = user.clone();
    let step = body.step.clone();
    let done = state
        .blocking(move |s| Ok(record_step(s, &u, nhs, &spell, &body, &client)))
        .await?;
    match done {
        Ok(_) => Ok(Redirect::to(&format!(
            "/flow-board?done={}",
            match step.as_str() {
                "ready" => "ready",
                "delay_reason" => "delay_reason",
                "pathway" => "pathway",
                _ => "discharge",
            }
        ))
        .into_response()),
        Err(e @ (AppError::BadRequest { .. } | AppError::Conflict(_))) => {
            let status = e.status();
            let html = render(
                &state,
                "error.html",
                Some(&user),
                "flow-board",
                json!({
                    "title": if status == StatusCode::CONFLICT { "Someone else changed this stay" } else { "The step was not recorded" },
                    "message": format!("{} Nothing was recorded.", e.message()),
                    "back": "/flow-board",
                }),
            )?;
            Ok((status, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
