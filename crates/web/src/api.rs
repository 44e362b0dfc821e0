//! The JSON API: the contract scripts and other systems rely on (`/api/openapi.json`).

use crate::auth::{self, CurrentUser};
use crate::{AppError, AppState};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{Datelike, NaiveDate};
use indicators::Period;
use serde::Deserialize;
use serde_json::{json, Value};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/api/session", post(create_session).delete(delete_session))
        .route("/api/me", get(me))
        .route("/api/status", get(status))
        .route("/api/indicators", get(indicators_json))
        .route("/api/indicators/{id}/spc", get(spc_json))
        .route("/api/events", post(append_events))
        .route("/api/orgs", get(orgs))
        .route("/api/market", get(market))
        .route("/api/openapi.json", get(crate::openapi::document))
}

async fn healthz(State(state): State<AppState>) -> Response {
    let ok = state
        .blocking(|s| Ok(s.live.healthy()))
        .await
        .unwrap_or(false);
    if ok {
        (StatusCode::OK, "ok\n").into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "the store does not answer\n",
        )
            .into_response()
    }
}

/// A JSON body, with a 400 naming what is wrong instead of axum's plain-text rejection.
pub fn json_body<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<T, AppError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ct.starts_with("application/json") {
        return Err(AppError::bad(
            "Content-Type",
            format!("expected application/json, got {ct:?}"),
        ));
    }
    serde_json::from_slice(body).map_err(|e| AppError::BadRequest {
        field: None,
        message: format!("the body is not the JSON expected: {e}"),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Credentials {
    username: String,
    password: String,
}

/// Names the field of a sign-in body that is missing, not a string, or unknown (serde's
/// message names only a missing or unknown one).
fn name_credential_field(e: AppError, body: &[u8]) -> AppError {
    match (e, serde_json::from_slice::<Value>(body)) {
        (
            AppError::BadRequest {
                field: None,
                message,
            },
            Ok(Value::Object(o)),
        ) => {
            let expected = ["username", "password"];
            let field = expected
                .into_iter()
                .find(|f| !o.get(*f).is_some_and(Value::is_string))
                .map(str::to_string)
                .or_else(|| o.keys().find(|k| !expected.contains(&k.as_str())).cloned());
            AppError::BadRequest { field, message }
        }
        (e, _) => e,
    }
}

fn user_json(username: &str, org: &str, roles: &[String]) -> Value {
    json!({ "username": username, "org": org, "roles": roles })
}

async fn create_session(
    State(state): State<AppState>,
    headers: HeaderMap,
    ext: axum::http::Extensions,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, AppError> {
    let body = body?;
    let c: Credentials = json_body(&headers, &body).map_err(|e| name_credential_field(e, &body))?;
    if c.username.is_empty() || c.username.len() > 200 {
        return Err(AppError::bad(
            "username",
            "a user name of 1 to 200 characters",
        ));
    }
    if c.password.len() > 1000 {
        return Err(AppError::bad("password", "at most 1,000 characters"));
    }
    let address = auth::client_address(&ext);
    let signed = state
        .blocking(move |s| auth::sign_in(s, &c.username, &c.password, &address))
        .await?;
    Ok(Json(json!({
        "token": signed.token,
        "user": user_json(&signed.user.username, &signed.user.org, &signed.user.roles),
    })))
}

async fn delete_session(
    State(state): State<AppState>,
    headers: HeaderMap,
    ext: axum::http::Extensions,
    user: CurrentUser,
) -> Result<StatusCode, AppError> {
    auth::check_csrf(&user, &headers, None)?;
    let address = auth::client_address(&ext);
    state
        .blocking(move |s| crate::audit::sign_out(s, &user, &address))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn me(user: CurrentUser) -> Json<Value> {
    let roles: Vec<String> = user.roles.iter().map(|r| r.to_string()).collect();
    Json(user_json(&user.username, &user.org, &roles))
}

async fn status(
    State(state): State<AppState>,
    _user: CurrentUser,
) -> Result<Json<Value>, AppError> {
    let events = state.blocking(|s| Ok(s.live.view()?.events)).await?;
    Ok(Json(json!({
        "today": state.config.today().to_string(),
        "store": state.config.store_kind,
        "events": events,
    })))
}

#[derive(Deserialize, Default)]
pub struct PeriodQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub by: Option<String>,
    /// Charts: the run of rising or falling points that is a special cause (6 or 7).
    pub trend_run: Option<usize>,
}

/// The longest period a request may ask for.
pub const MAX_PERIOD_DAYS: i64 = 3660;

/// The last full quarter before `today`.
pub fn last_full_quarter(today: NaiveDate) -> Period {
    let q_start_month = (today.month0() / 3) * 3 + 1;
    let to = NaiveDate::from_ymd_opt(today.year(), q_start_month, 1).expect("a month start");
    let from = to
        .checked_sub_months(chrono::Months::new(3))
        .expect("in range");
    Period::new(from, to).expect("three months")
}

pub fn date_field(name: &str, v: &str) -> Result<NaiveDate, AppError> {
    let d = domain::parse_date(v)
        .map_err(|_| AppError::bad(name, format!("{v:?} is not a date (YYYY-MM-DD)")))?;
    if !(1900..=2200).contains(&d.year()) {
        return Err(AppError::bad(name, "a date between 1900 and 2200"));
    }
    Ok(d)
}

impl PeriodQuery {
    /// The period asked for (default: the last full quarter) and whether by month.
    pub fn period(&self, today: NaiveDate) -> Result<(Period, bool), AppError> {
        let default = last_full_quarter(today);
        let from = match self.from.as_deref().filter(|s| !s.is_empty()) {
            Some(f) => date_field("from", f)?,
            None => default.from,
        };
        let to = match self.to.as_deref().filter(|s| !s.is_empty()) {
            Some(t) => date_field("to", t)?,
            None if self.from.is_some() => from
                .checked_add_months(chrono::Months::new(3))
                .ok_or_else(|| AppError::bad("from", "out of range"))?,
            None => default.to,
        };
        let period = Period::new(from, to).map_err(|e| AppError::bad("to", e.to_string()))?;
        if period.days() > MAX_PERIOD_DAYS {
            return Err(AppError::bad(
                "to",
                format!("a period of at most {MAX_PERIOD_DAYS} days"),
            ));
        }
        let by_month = match self.by.as_deref() {
            None | Some("") => false,
            Some("month") => true,
            Some(other) => {
                return Err(AppError::bad(
                    "by",
                    format!("expected \"month\", got {other:?}"),
                ))
            }
        };
        Ok((period, by_month))
    }
}

/// The reports of a period from one view.
pub fn reports_of(
    state: &AppState,
    view: &live_log::View,
    period: Period,
    by_month: bool,
) -> Result<Vec<std::sync::Arc<indicators::Report>>, AppError> {
    let periods = if by_month {
        period.months()
    } else {
        vec![period]
    };
    periods
        .into_iter()
        .map(|p| {
            view.report(p, &state.benchmarks, state.config.zone)
                .ok_or_else(|| {
                    AppError::Conflict(
                        "the store has no population register yet: import a population.csv".into(),
                    )
                })
        })
        .collect()
}

/// The JSON of `joinedup metrics --format json` for the period, with the small numbers of
/// breakdowns by organisation withheld (`access.md`, "Aggregates").
async fn indicators_json(
    State(state): State<AppState>,
    _user: CurrentUser,
    q: Result<Query<PeriodQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let Query(q) = q.map_err(|e| AppError::BadRequest {
        field: None,
        message: e.body_text(),
    })?;
    let (period, by_month) = q.period(state.config.today())?;
    let text = state
        .blocking(move |s| {
            let view = s.live.view()?;
            let key = format!("indicators.json {} {} {by_month}", period.from, period.to);
            view.memo(&key, || {
                let reports = reports_of(s, &view, period, by_month)?;
                let owned: Vec<indicators::Report> =
                    reports.iter().map(|r| (**r).clone()).collect();
                let mut v = if by_month {
                    indicators::periods_json(&owned)
                } else {
                    owned[0].to_json()
                };
                crate::suppression::withhold_in_json(&mut v);
                serde_json::to_string_pretty(&v)
                    .map(|t| t + "\n")
                    .map_err(|e| AppError::internal(e.to_string()))
            })
        })
        .await?;
    let text = text.to_string();
    Ok(([(header::CONTENT_TYPE, "application/json")], text).into_response())
}

async fn append_events(
    State(state): State<AppState>,
    headers: HeaderMap,
    ext: axum::http::Extensions,
    user: CurrentUser,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    auth::check_csrf(&user, &headers, None)?;
    if !user.may_write() {
        return Err(AppError::Forbidden(format!(
            "the role{} {} may not write to the journey log",
            if user.roles.len() == 1 { "" } else { "s" },
            user.roles
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    // Too large: 413 in the API's JSON (after the checks of who is asking).
    let body = body?;
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !(ct.starts_with("application/x-ndjson") || ct.starts_with("application/jsonl")) {
        return Err(AppError::bad(
            "Content-Type",
            format!("expected application/x-ndjson (JSON Lines), got {ct:?}"),
        ));
    }
    let text = String::from_utf8(body.to_vec()).map_err(|e| AppError::BadRequest {
        field: None,
        message: format!("the body is not UTF-8 text: {e}"),
    })?;
    let address = auth::client_address(&ext);
    let done = state
        .blocking(move |s| {
            crate::audit::required(s)?;
            // Recorded in the events' own transaction (a refused append writes nothing to
            // record, and no event is stored without its record).
            let entry = crate::audit::entry(
                crate::audit::Actor::of(&user),
                store::Action::Append,
                None,
                None,
                &address,
            );
            let record: live_log::Record = Box::new(move |done| {
                let mut reason = format!("{} events", done.appended);
                if done.already_stored > 0 {
                    reason.push_str(&format!(", {} already stored", done.already_stored));
                }
                store::AuditEntry {
                    reason: Some(reason),
                    ..entry.clone()
                }
            });
            let done = s.live.append_with(&text, None, Some(record))?;
            Ok(done)
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "appended": done.appended, "already_stored": done.already_stored })),
    )
        .into_response())
}

pub fn org_json(o: &domain::Org) -> Value {
    json!({
        "code": o.code,
        "name": o.name,
        "kind": o.kind.as_str(),
        "cqc_rating": o.cqc_rating.map(|r| r.as_str()),
        "beds": o.beds,
        "extended_access": o.extended_access,
    })
}

async fn orgs(State(state): State<AppState>, _user: CurrentUser) -> Result<Json<Value>, AppError> {
    let view = state.blocking(|s| Ok(s.live.view()?)).await?;
    Ok(Json(
        json!({ "orgs": view.orgs.iter().map(org_json).collect::<Vec<_>>() }),
    ))
}

async fn market(
    State(state): State<AppState>,
    _user: CurrentUser,
) -> Result<Json<Value>, AppError> {
    let m = state.blocking(crate::views::market).await?;
    Ok(Json(m))
}

/// An indicator's statistical process control chart.
async fn spc_json(
    State(state): State<AppState>,
    _user: CurrentUser,
    axum::extract::Path(id): axum::extract::Path<String>,
    q: Result<Query<PeriodQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, AppError> {
    let Query(q) = q.map_err(|e| AppError::BadRequest {
        field: None,
        message: e.body_text(),
    })?;
    let (chart, meta) = state
        .blocking(move |s| crate::charts::chart(s, &id, &q))
        .await?;
    let mut v = serde_json::to_value(&chart).map_err(|e| AppError::internal(e.to_string()))?;
    if let (Some(obj), Some(m)) = (v.as_object_mut(), meta.as_object()) {
        for (k, x) in m {
            obj.insert(k.clone(), x.clone());
        }
    }
    Ok(Json(v))
}
