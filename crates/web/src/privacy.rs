//! The privacy officer's work: the queue of break-glass accesses with an outcome for each, and
//! the audit log with filters. Admin only; each outcome is itself an audit entry.

use crate::auth::{self, CurrentUser};
use crate::guard;
use crate::pages::{render, PageError};
use crate::people::{local, rfc};
use crate::{AppError, AppState};
use access::Role;
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
use store::{Action, AuditFilter, StoredEntry};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/privacy/queue", get(queue_json))
        .route("/api/privacy/{seq}/outcome", post(outcome_json))
        .route("/api/audit", get(audit_json))
        .route("/privacy", get(queue_page))
        .route("/privacy/{seq}/outcome", post(outcome_form))
        .route("/audit", get(audit_page))
}

/// The outcomes a privacy officer records.
pub const OUTCOMES: [&str; 3] = ["justified", "not_justified", "escalated"];

fn admin_only(user: &CurrentUser) -> Result<(), AppError> {
    if user.roles.contains(&Role::Admin) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "only the privacy officer (admin) sees the audit log and the break-glass queue".into(),
        ))
    }
}

fn entries(state: &AppState, filter: &AuditFilter) -> Result<Vec<StoredEntry>, AppError> {
    crate::audit::read(state, |log| log.entries(filter))
}

/// Every entry of one kind.
fn entries_of(state: &AppState, action: Action) -> Result<Vec<StoredEntry>, AppError> {
    entries(
        state,
        &AuditFilter {
            action: Some(action),
            ..AuditFilter::default()
        },
    )
}

fn at_of(state: &AppState, e: &StoredEntry) -> Instant {
    Instant(e.entry.at * 1_000_000_000 + guard::offset(state))
}

/// An outcome entry's reason: `entry <seq>: <outcome>: <comment>`.
fn outcome_reason(seq: i64, outcome: &str, comment: &str) -> String {
    format!("entry {seq}: {outcome}: {comment}")
}

fn parse_outcome(reason: &str) -> Option<(i64, &str, &str)> {
    let rest = reason.strip_prefix("entry ")?;
    let (seq, rest) = rest.split_once(": ")?;
    let (outcome, comment) = rest.split_once(": ").unwrap_or((rest, ""));
    Some((seq.parse().ok()?, outcome, comment))
}

/// Every break-glass access, newest first, with its outcome and whether a relationship
/// appeared in the log afterwards.
fn queue(state: &AppState) -> Result<Vec<Value>, AppError> {
    let glass = entries_of(state, Action::BreakGlass)?;
    let outcomes = entries_of(state, Action::PrivacyOutcome)?;
    let view = state.live.view()?;
    let now = guard::now(state);
    glass
        .iter()
        .rev()
        .map(|g| {
            let at = at_of(state, g);
            let outcome = outcomes.iter().find_map(|o| {
                let (seq, outcome, comment) = parse_outcome(o.entry.reason.as_deref()?)?;
                (seq == g.seq).then(|| {
                    json!({
                        "outcome": outcome, "comment": comment,
                        "by": o.entry.username, "at": rfc(at_of(state, o)),
                        "when": local(state, at_of(state, o)),
                    })
                })
            });
            let person: Option<NhsNumber> = g.entry.person.as_deref().and_then(|p| p.parse().ok());
            let later = match person {
                Some(p) => later_relationship(state, &view, &g.entry.org, p, at, now)?,
                None => None,
            };
            Ok(json!({
                "seq": g.seq,
                "at": rfc(at),
                "when": local(state, at),
                "username": g.entry.username,
                "org": g.entry.org,
                "person": g.entry.person,
                "reason": g.entry.reason,
                "outcome": outcome,
                "relationship_later": later.as_ref().map(|(r, t)| json!({
                    "relationship": r, "from": rfc(*t), "when": local(state, *t),
                })),
            }))
        })
        .collect()
}

/// The first legitimate relationship `org` has with `person` by the log as it is now, from
/// the look at `from` up to `now`, and from when: none held by the log as it was at the look,
/// so one found now appeared in the log afterwards.
fn later_relationship(
    state: &AppState,
    view: &live_log::View,
    org: &str,
    person: NhsNumber,
    from: Instant,
    now: Instant,
) -> Result<Option<(String, Instant)>, AppError> {
    let Some(org) = view.orgs.get(org) else {
        return Ok(None);
    };
    let Some(p) = view.record(person)? else {
        return Ok(None);
    };
    // At the look itself (the log may since hold events dated before it), at each later
    // event, and now.
    Ok(std::iter::once(from)
        .chain(
            p.events()
                .iter()
                .map(|r| r.event.at)
                .filter(|t| *t > from && *t <= now),
        )
        .chain(std::iter::once(now))
        .find_map(|t| {
            access::relationship(org, &p.facts, t, state.config.window_days)
                .map(|r| (r.to_string(), t))
        }))
}

async fn queue_json(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, AppError> {
    admin_only(&user)?;
    let q = state.blocking(queue).await?;
    Ok(Json(json!({ "queue": q, "outcomes": OUTCOMES })))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct OutcomeBody {
    #[serde(default)]
    csrf: Option<String>,
    outcome: String,
    #[serde(default)]
    comment: String,
}

fn record_outcome(
    state: &AppState,
    user: &CurrentUser,
    seq: i64,
    body: &OutcomeBody,
    client: &str,
) -> Result<(), AppError> {
    admin_only(user)?;
    if !OUTCOMES.contains(&body.outcome.as_str()) {
        return Err(AppError::bad(
            "outcome",
            format!(
                "{:?} is not an outcome: one of justified, not_justified, escalated",
                body.outcome
            ),
        ));
    }
    let comment = body.comment.trim();
    if comment.is_empty() || comment.len() > 2000 {
        return Err(AppError::bad(
            "comment",
            "say why, in 1 to 2,000 characters",
        ));
    }
    let glass = entries_of(state, Action::BreakGlass)?;
    let Some(g) = glass.iter().find(|g| g.seq == seq) else {
        return Err(AppError::NotFound);
    };
    let done = entries(
        state,
        &AuditFilter {
            action: Some(Action::PrivacyOutcome),
            person: g.entry.person.clone(),
            ..AuditFilter::default()
        },
    )?;
    if done.iter().any(|o| {
        o.entry
            .reason
            .as_deref()
            .and_then(parse_outcome)
            .is_some_and(|(s, _, _)| s == seq)
    }) {
        return Err(AppError::Conflict(format!(
            "entry {seq} already has an outcome: each break-glass access gets one"
        )));
    }
    crate::audit::record(
        state,
        crate::audit::Actor::of(user),
        Action::PrivacyOutcome,
        g.entry.person.as_deref(),
        Some(outcome_reason(seq, &body.outcome, comment)),
        client,
    )
}

async fn outcome_json(
    State(state): State<AppState>,
    headers: HeaderMap,
    ext: axum::http::Extensions,
    user: CurrentUser,
    Path(seq): Path<i64>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    auth::check_csrf(&user, &headers, None)?;
    let body: OutcomeBody = crate::api::json_body(&headers, &body?)?;
    let client = auth::client_address(&ext);
    state
        .blocking(move |s| record_outcome(s, &user, seq, &body, &client))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "recorded": true, "entry": seq })),
    )
        .into_response())
}

async fn queue_page(
    State(state): State<AppState>,
    user: Result<CurrentUser, AppError>,
) -> Result<Response, PageError> {
    let user = user?;
    admin_only(&user)?;
    let q = state.blocking(queue).await?;
    Ok(render(
        &state,
        "privacy.html",
        Some(&user),
        "privacy",
        json!({ "queue": q, "outcomes": OUTCOMES }),
    )?
    .into_response())
}

async fn outcome_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    ext: axum::http::Extensions,
    user: Result<CurrentUser, AppError>,
    Path(seq): Path<i64>,
    Form(body): Form<OutcomeBody>,
) -> Result<Response, PageError> {
    let user = user?;
    auth::check_csrf(&user, &headers, body.csrf.as_deref())?;
    let client = auth::client_address(&ext);
    state
        .blocking(move |s| record_outcome(s, &user, seq, &body, &client))
        .await?;
    Ok(Redirect::to("/privacy").into_response())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    user: Option<String>,
    person: Option<String>,
    kind: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

impl AuditQuery {
    fn filter(&self, state: &AppState) -> Result<AuditFilter, AppError> {
        let v = |s: &Option<String>| s.clone().filter(|s| !s.trim().is_empty());
        let zone = state.config.zone;
        let secs = |field: &str, d: &Option<String>| -> Result<Option<i64>, AppError> {
            match v(d) {
                None => Ok(None),
                Some(d) => {
                    let d = crate::api::date_field(field, &d)?;
                    Ok(Some(
                        (zone.midnight(d).0 - guard::offset(state)).div_euclid(1_000_000_000),
                    ))
                }
            }
        };
        Ok(AuditFilter {
            username: v(&self.user),
            person: v(&self.person)
                .map(|p| guard::nhs_number(&p).map(|n| n.digits()))
                .transpose()?,
            action: v(&self.kind)
                .map(|k| {
                    k.parse::<Action>()
                        .map_err(|e| AppError::bad("kind", e.to_string()))
                })
                .transpose()?,
            from: secs("from", &self.from)?,
            until: secs("to", &self.to)?,
            limit: Some(1000),
            looks_only: false,
            after_seq: None,
        })
    }
}

fn entry_json(state: &AppState, e: &StoredEntry) -> Value {
    let at = at_of(state, e);
    json!({
        "seq": e.seq,
        "at": rfc(at),
        "when": local(state, at),
        "username": e.entry.username,
        "org": e.entry.org,
        "kind": e.entry.action.as_str(),
        "person": e.entry.person,
        "reason": e.entry.reason,
        "client": e.entry.client,
    })
}

fn audit_value(state: &AppState, q: &AuditQuery) -> Result<Value, AppError> {
    let filter = q.filter(state)?;
    let list = entries(state, &filter)?;
    Ok(json!({
        "entries": list.iter().rev().map(|e| entry_json(state, e)).collect::<Vec<_>>(),
        "kinds": Action::ALL.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
        "filters": { "user": q.user, "person": q.person, "kind": q.kind, "from": q.from, "to": q.to },
    }))
}

async fn audit_json(
    State(state): State<AppState>,
    user: CurrentUser,
    q: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, AppError> {
    admin_only(&user)?;
    let q = q.map(|q| q.0).map_err(|e| AppError::BadRequest {
        field: None,
        message: e.body_text(),
    })?;
    Ok(Json(state.blocking(move |s| audit_value(s, &q)).await?))
}

async fn audit_page(
    State(state): State<AppState>,
    user: Result<CurrentUser, AppError>,
    q: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, PageError> {
    let user = user?;
    admin_only(&user)?;
    let q = q.map(|q| q.0).unwrap_or_default();
    let v = state.blocking(move |s| audit_value(s, &q)).await?;
    Ok(render(&state, "audit.html", Some(&user), "audit", v)?.into_response())
}
