//! The person record: find a person, read their timeline, break glass. Every look, search and
//! break-glass request is in the audit log before anything is shown.

use crate::audit::Actor;
use crate::auth::{self, CurrentUser};
use crate::guard;
use crate::pages::{render, PageError};
use crate::{AppError, AppState};
use access::{Decision, Grant, Why};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use domain::{Instant, NhsNumber};
use serde::Deserialize;
use serde_json::{json, Value};
use store::{Action, AuditFilter};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/people/{nhs}/timeline", get(timeline_json))
        .route("/api/people/{nhs}/break-glass", post(break_glass_json))
        .route("/people", get(search_page))
        .route("/people/{nhs}", get(person_page))
        .route("/people/{nhs}/break-glass", post(break_glass_form))
}

/// An instant as the API writes it.
pub fn rfc(t: Instant) -> String {
    t.to_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// An instant for a page, in the service's zone.
pub fn local(state: &AppState, t: Instant) -> String {
    t.to_utc()
        .with_timezone(&state.config.zone.0)
        .format("%a %-d %b %Y %H:%M")
        .to_string()
}

fn org_json(view: &live_log::View, code: Option<&str>) -> Value {
    match code {
        None => Value::Null,
        Some(c) => json!({
            "code": c,
            "name": view.orgs.get(c).map(|o| o.name.as_str()).unwrap_or(c),
        }),
    }
}

/// The access decision as the API shows it.
fn access_json(d: &Decision) -> Value {
    let mut v = json!({ "why": d.why.to_string() });
    if let Why::BreakGlass { until } = d.why {
        v["break_glass_until"] = json!(rfc(until));
    }
    v
}

/// Decides, records the look (allowed or refused), and on a refusal stops.
fn look(
    state: &AppState,
    user: &CurrentUser,
    view: &live_log::View,
    nhs: NhsNumber,
    now: Instant,
    client: &str,
) -> Result<Decision, AppError> {
    let d = guard::decide(state, user, view, nhs, now);
    let reason = if d.allowed {
        d.why.to_string()
    } else {
        format!("{}: {}", store::REFUSED, d.why)
    };
    crate::audit::record(
        state,
        Actor::of(user),
        Action::ViewPerson,
        Some(&nhs.digits()),
        Some(reason),
        client,
    )?;
    if d.allowed {
        Ok(d)
    } else {
        Err(guard::refusal(&d))
    }
}

/// Who looked at the record (views and break-glass access, newest first).
fn viewed_by(state: &AppState, nhs: NhsNumber) -> Result<Vec<Value>, AppError> {
    if state.audit.is_none() {
        return Ok(Vec::new());
    }
    let entries = crate::audit::read(state, |log| {
        log.entries(&AuditFilter {
            person: Some(nhs.digits()),
            looks_only: true,
            limit: Some(50),
            ..AuditFilter::default()
        })
    })?;
    let offset = guard::offset(state);
    Ok(entries
        .iter()
        .rev()
        .map(|e| {
            let at = Instant(e.entry.at * 1_000_000_000 + offset);
            json!({
                "at": rfc(at),
                "when": local(state, at),
                "username": e.entry.username,
                "org": e.entry.org,
                "action": e.entry.action.as_str(),
                "reason": e.entry.reason,
            })
        })
        .collect())
}

/// The whole record of `nhs` as of `now`: the state in force, then the timeline.
pub fn record_json(
    state: &AppState,
    view: &live_log::View,
    nhs: NhsNumber,
    now: Instant,
) -> Result<Value, AppError> {
    let today = state.config.zone.local_date(now);
    let record = view.record(nhs)?;
    let known = record.is_some();
    let empty = flow::Person::default();
    let person = record.as_deref().unwrap_or(&empty);
    let c = flow::timeline::current(person, now, today);
    let name = |code: &str| {
        view.orgs
            .get(code)
            .map(|o| o.name.clone())
            .unwrap_or_else(|| code.to_string())
    };
    let stays: Vec<Value> = c
        .open_spells
        .iter()
        .map(|s| {
            let (reason, responsible) = s.reason_at(now).unzip();
            json!({
                "spell": s.id.as_str(),
                "org": org_json(view, s.org.as_deref()),
                "admitted": s.admitted.map(rfc),
                "admitted_local": s.admitted.map(|t| local(state, t)),
                "ready": s.ready.map(rfc),
                "ready_local": s.ready.map(|t| local(state, t)),
                "delay_reason": reason.map(|r| r.as_str()),
                "delay_reason_words": reason.map(|r| r.meaning()),
                "responsible": responsible.map(|r| r.as_str()),
                "pathway": s.pathway(),
            })
        })
        .collect();
    let needs: Vec<Value> = c.open_needs.iter().map(|n| need_json(view, n)).collect();
    let timeline: Vec<Value> = flow::timeline::timeline(person, now, &view.orgs)
        .into_iter()
        .map(|l| {
            json!({
                "at": rfc(l.at),
                "when": local(state, l.at),
                "kind": l.kind.as_str(),
                "what": l.what,
                "org": l.org.as_deref(),
                "org_name": l.org.as_deref().map(name),
                "event": l.event_id.as_str(),
            })
        })
        .collect();
    Ok(json!({
        "person": nhs.digits(),
        "person_spaced": nhs.to_string(),
        "known": known,
        "current": {
            "alive": c.died.is_none(),
            "died": c.died.map(rfc),
            "age": c.age,
            "lives": c.lives,
            "care_home": org_json(view, c.care_home.as_deref()),
            "gp": org_json(view, c.gp.as_deref()),
            "in_hospital": stays,
            "open_needs": needs,
            "reviews_due": c.reviews_due.iter().map(|(id, due, overdue)| json!({
                "review": id.as_str(), "due": due.to_string(), "overdue": overdue,
            })).collect::<Vec<_>>(),
        },
        "timeline": timeline,
    }))
}

pub fn need_json(view: &live_log::View, n: &flow::Need) -> Value {
    json!({
        "id": n.id.as_str(),
        "kind": n.kind,
        "what": n.what,
        "requested": rfc(n.requested),
        "hours_per_week": n.hours_per_week,
        "org": org_json(view, n.org.as_deref()),
        "status": n.status,
        "open": n.open,
    })
}

async fn timeline_json(
    State(state): State<AppState>,
    ext: axum::http::Extensions,
    user: CurrentUser,
    Path(nhs): Path<String>,
) -> Result<Json<Value>, AppError> {
    let nhs = guard::nhs_number(&nhs)?;
    let client = auth::client_address(&ext);
    let v = state
        .blocking(move |s| {
            let view = s.live.view()?;
            let now = guard::now(s);
            let d = look(s, &user, &view, nhs, now, &client)?;
            let mut v = record_json(s, &view, nhs, now)?;
            v["access"] = access_json(&d);
            v["viewed_by"] = json!(viewed_by(s, nhs)?);
            Ok(v)
        })
        .await?;
    Ok(Json(v))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BreakGlassBody {
    reason: String,
}

/// Grants break-glass access to `nhs` for `user` with `reason`, recorded first.
fn grant(
    state: &AppState,
    user: &CurrentUser,
    nhs: NhsNumber,
    reason: &str,
    client: &str,
) -> Result<Grant, AppError> {
    let view = state.live.view()?;
    let now = guard::now(state);
    let d = guard::decide(state, user, &view, nhs, now);
    if d.allowed {
        return Err(AppError::Conflict(format!(
            "you can already see this person ({}): break glass is for people you have no relationship with",
            d.why
        )));
    }
    let role = user
        .roles
        .iter()
        .copied()
        .find(|r| r.may_break_glass())
        .or(user.roles.first().copied());
    let refused = |message: String| AppError::Refused {
        message,
        break_glass: false,
    };
    let role = role.ok_or_else(|| refused("you have no role".into()))?;
    match access::break_glass(role, reason) {
        Ok(()) => {}
        Err(e @ access::BreakGlassRefused::Role(_)) => return Err(refused(e.to_string())),
        Err(e @ access::BreakGlassRefused::ReasonTooShort(_)) => {
            return Err(AppError::bad("reason", e.to_string()))
        }
    }
    let reason = reason.trim().to_string();
    crate::audit::record(
        state,
        Actor::of(user),
        Action::BreakGlass,
        Some(&nhs.digits()),
        Some(reason.clone()),
        client,
    )?;
    let g = Grant {
        user: user.username.clone(),
        person: nhs,
        granted_at: now,
        reason,
    };
    state.grants.add(g.clone());
    Ok(g)
}

async fn break_glass_json(
    State(state): State<AppState>,
    headers: HeaderMap,
    ext: axum::http::Extensions,
    user: CurrentUser,
    Path(nhs): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    auth::check_csrf(&user, &headers, None)?;
    let nhs = guard::nhs_number(&nhs)?;
    let body: BreakGlassBody = crate::api::json_body(&headers, &body?)?;
    let client = auth::client_address(&ext);
    let g = state
        .blocking(move |s| grant(s, &user, nhs, &body.reason, &client))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "person": nhs.digits(),
            "granted_at": rfc(g.granted_at),
            "until": rfc(g.expires()),
            "reason": g.reason,
            "flagged": true,
            "note": "this access is flagged and will be reviewed by the privacy officer",
        })),
    )
        .into_response())
}

#[derive(Deserialize)]
struct SearchQuery {
    #[serde(default)]
    nhs: Option<String>,
}

async fn search_page(
    State(state): State<AppState>,
    ext: axum::http::Extensions,
    user: Result<CurrentUser, AppError>,
    q: Result<Query<SearchQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, PageError> {
    let user = user?;
    let q = q.map(|q| q.0).unwrap_or(SearchQuery { nhs: None });
    let typed = q.nhs.unwrap_or_default();
    if typed.trim().is_empty() {
        let html = render(&state, "people.html", Some(&user), "people", json!({}))?;
        return Ok(html.into_response());
    }
    match guard::nhs_number(&typed) {
        Err(e) => {
            let html = render(
                &state,
                "people.html",
                Some(&user),
                "people",
                json!({ "error": e.message(), "typed": typed }),
            )?;
            Ok((StatusCode::BAD_REQUEST, html).into_response())
        }
        Ok(nhs) => {
            let client = auth::client_address(&ext);
            state
                .blocking(move |s| {
                    crate::audit::record(
                        s,
                        Actor::of(&user),
                        Action::SearchPerson,
                        Some(&nhs.digits()),
                        None,
                        &client,
                    )
                })
                .await?;
            Ok(Redirect::to(&format!("/people/{}", nhs.digits())).into_response())
        }
    }
}

async fn person_page(
    State(state): State<AppState>,
    ext: axum::http::Extensions,
    user: Result<CurrentUser, AppError>,
    Path(nhs): Path<String>,
) -> Result<Response, PageError> {
    let user = user?;
    let nhs = guard::nhs_number(&nhs)?;
    let client = auth::client_address(&ext);
    let u = user.clone();
    let answer = state
        .blocking(move |s| {
            let view = s.live.view()?;
            let now = guard::now(s);
            match look(s, &u, &view, nhs, now, &client) {
                Ok(d) => {
                    let mut v = record_json(s, &view, nhs, now)?;
                    v["access"] = access_json(&d);
                    v["viewed_by"] = json!(viewed_by(s, nhs)?);
                    Ok(Ok(v))
                }
                Err(AppError::Refused {
                    message,
                    break_glass,
                }) => Ok(Err((message, break_glass))),
                Err(e) => Err(e),
            }
        })
        .await?;
    match answer {
        Ok(v) => Ok(render(&state, "person.html", Some(&user), "people", v)?.into_response()),
        Err((message, break_glass)) => {
            let ctx = json!({ "message": message, "break_glass": break_glass });
            refused_page(&state, &user, nhs, StatusCode::FORBIDDEN, ctx)
        }
    }
}

/// The page of a refused look, with the break-glass form when the user may break glass.
fn refused_page(
    state: &AppState,
    user: &CurrentUser,
    nhs: NhsNumber,
    status: StatusCode,
    mut ctx: Value,
) -> Result<Response, PageError> {
    ctx["person"] = json!(nhs.digits());
    ctx["person_spaced"] = json!(nhs.to_string());
    ctx["min_reason"] = json!(access::MIN_REASON_CHARS);
    ctx["hours"] = json!(access::BREAK_GLASS_HOURS);
    let html = render(state, "person_refused.html", Some(user), "people", ctx)?;
    Ok((status, html).into_response())
}

#[derive(Deserialize)]
struct BreakGlassForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

async fn break_glass_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    ext: axum::http::Extensions,
    user: Result<CurrentUser, AppError>,
    Path(nhs): Path<String>,
    Form(form): Form<BreakGlassForm>,
) -> Result<Response, PageError> {
    let user = user?;
    auth::check_csrf(&user, &headers, Some(&form.csrf))?;
    let nhs = guard::nhs_number(&nhs)?;
    let client = auth::client_address(&ext);
    let u = user.clone();
    let reason = form.reason.clone();
    let done = state
        .blocking(move |s| Ok(grant(s, &u, nhs, &reason, &client)))
        .await?;
    match done {
        Ok(_) => Ok(Redirect::to(&format!("/people/{}", nhs.digits())).into_response()),
        Err(AppError::BadRequest { message, .. }) => {
            let ctx = json!({
                "message": "You have no legitimate relationship with this person.",
                "break_glass": true,
                "error": message,
                "reason": form.reason,
            });
            refused_page(&state, &user, nhs, StatusCode::BAD_REQUEST, ctx)
        }
        Err(e) => Err(e.into()),
    }
}
