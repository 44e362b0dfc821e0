//! The server-rendered pages: usable without JavaScript, one template each.

use crate::api::PeriodQuery;
use crate::auth::{self, CurrentUser, PRE_SESSION_COOKIE, SESSION_COOKIE};
use crate::{AppError, AppState};
use axum::extract::{Form, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use indicators::{Better, Report, INDICATORS};
use serde::Deserialize;
use serde_json::{json, Value};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/sign-in", get(sign_in_page).post(sign_in))
        .route("/sign-out", axum::routing::post(sign_out))
        .route("/dashboard", get(dashboard))
        .route("/market", get(market_page))
        .route("/indicators/{id}", get(indicator_page))
        .route("/static/app.css", get(stylesheet))
}

/// A page's error: a redirect to sign in, or an HTML page saying what went wrong.
pub struct PageError(pub AppError);

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        PageError(e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if matches!(self.0, AppError::Unauthorized) {
            return Redirect::to("/sign-in").into_response();
        }
        let status = self.0.status();
        if let AppError::Internal(cause) = &self.0 {
            tracing::error!(%cause, "page failed");
        }
        let env = crate::views::templates();
        let body = env
            .get_template("error.html")
            .and_then(|t| {
                t.render(json!({
                    "title": status.canonical_reason().unwrap_or("Error"),
                    "message": self.0.message(),
                }))
            })
            .unwrap_or_else(|_| self.0.message());
        (status, Html(body)).into_response()
    }
}

/// Renders a template with the signed-in user's header.
pub(crate) fn render(
    state: &AppState,
    name: &str,
    user: Option<&CurrentUser>,
    page: &str,
    mut ctx: Value,
) -> Result<Html<String>, AppError> {
    if let Some(u) = user {
        let view = state.live.cached_view();
        let org_name = view
            .orgs
            .get(&u.org)
            .map(|o| o.name.clone())
            .unwrap_or_else(|| u.org.clone());
        ctx["user"] = json!({
            "username": u.username,
            "roles": u.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", "),
            "org_name": org_name,
            "csrf": u.csrf_token,
            "sees_people": u.roles.iter().any(|r| r.sees_identifiable_people()),
            "admin": u.roles.contains(&access::Role::Admin),
            "plans": state.plans.is_some() && access::may_read_plans(&u.roles),
        });
    }
    ctx["page"] = json!(page);
    ctx["today"] = json!(state.config.today().to_string());
    state
        .templates
        .get_template(name)
        .and_then(|t| t.render(ctx))
        .map(Html)
        .map_err(|e| AppError::internal(format!("rendering {name}: {e}")))
}

async fn home(user: Result<CurrentUser, AppError>) -> Redirect {
    match user {
        Ok(_) => Redirect::to("/dashboard"),
        Err(_) => Redirect::to("/sign-in"),
    }
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/app.css"),
    )
        .into_response()
}

fn sign_in_form(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    error: Option<String>,
    username: &str,
) -> Result<Response, AppError> {
    // The form's CSRF token is the pre-session cookie's (double submit), kept if present.
    let token = auth::cookie(headers, PRE_SESSION_COOKIE)
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        .unwrap_or_else(auth::new_token);
    let html = render(
        state,
        "sign_in.html",
        None,
        "sign-in",
        json!({ "csrf": token, "error": error, "username": username }),
    )?;
    let cookie = auth::set_cookie(
        PRE_SESSION_COOKIE,
        &token,
        3600,
        auth::is_secure(state, headers),
    );
    Ok((status, [(header::SET_COOKIE, cookie)], html).into_response())
}

async fn sign_in_page(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    Ok(sign_in_form(&state, &headers, StatusCode::OK, None, "")?)
}

#[derive(Deserialize)]
struct SignInForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    ext: axum::http::Extensions,
    Form(form): Form<SignInForm>,
) -> Result<Response, PageError> {
    auth::check_origin(&headers)?;
    let expected = auth::cookie(&headers, PRE_SESSION_COOKIE).unwrap_or_default();
    if expected.is_empty() || !auth::same_secret(&expected, &form.csrf) {
        return Err(AppError::Forbidden(
            "the sign-in form has expired or did not come from this service; open it again".into(),
        )
        .into());
    }
    if form.username.is_empty() || form.username.len() > 200 || form.password.len() > 1000 {
        return Ok(sign_in_form(
            &state,
            &headers,
            StatusCode::BAD_REQUEST,
            Some("Enter your user name and password".into()),
            "",
        )?);
    }
    let address = auth::client_address(&ext);
    let old = auth::cookie(&headers, SESSION_COOKIE);
    let username = form.username.clone();
    let result = state
        .blocking(move |s| {
            // A new session id at every sign-in: an old session is ended.
            if let Some(old) = old {
                s.accounts
                    .lock()
                    .expect("not poisoned")
                    .delete_session(&auth::token_hash(&old))?;
            }
            auth::sign_in(s, &form.username, &form.password, &address)
        })
        .await;
    match result {
        Ok(signed) => {
            let secure = auth::is_secure(&state, &headers);
            let mut r = Redirect::to("/dashboard").into_response();
            let h = r.headers_mut();
            h.append(
                header::SET_COOKIE,
                auth::set_cookie(SESSION_COOKIE, &signed.token, signed.max_age_secs, secure)
                    .parse()
                    .expect("a header"),
            );
            h.append(
                header::SET_COOKIE,
                auth::set_cookie(PRE_SESSION_COOKIE, "", 0, secure)
                    .parse()
                    .expect("a header"),
            );
            Ok(r)
        }
        Err(e @ (AppError::SignInFailed | AppError::TooManyAttempts(_))) => Ok(sign_in_form(
            &state,
            &headers,
            e.status(),
            Some(e.message()),
            &username,
        )?),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    ext: axum::http::Extensions,
    user: Result<CurrentUser, AppError>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    // Without a session a page redirects to sign in (the extractor's own answer is the API's 401).
    let user = user?;
    auth::check_csrf(&user, &headers, Some(&form.csrf))?;
    let address = auth::client_address(&ext);
    state
        .blocking(move |s| crate::audit::sign_out(s, &user, &address))
        .await?;
    let mut r = Redirect::to("/sign-in").into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        auth::set_cookie(SESSION_COOKIE, "", 0, auth::is_secure(&state, &headers))
            .parse()
            .expect("a header"),
    );
    Ok(r)
}

/// A number for a page: up to 2 decimals, "–" for none.
pub fn shown(v: Option<f64>) -> String {
    match v {
        None => "–".into(),
        Some(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{}", x as i64),
        Some(x) => {
            let s = format!("{x:.2}");
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        }
    }
}

fn title_of(id: &str) -> (&'static str, Option<String>) {
    let (base, key) = match id.split_once(':') {
        Some((b, k)) => (b, Some(k.replace('_', " "))),
        None => (id, None),
    };
    let base = base.strip_suffix("_by_responsible").unwrap_or(base);
    let title = INDICATORS
        .iter()
        .find(|d| d.id == base)
        .map(|d| d.title)
        .unwrap_or("");
    (
        title,
        key.map(|k| {
            if id.contains("_by_responsible:") {
                format!("responsible: {k}")
            } else {
                k
            }
        }),
    )
}

/// The rows of the indicators table.
fn indicator_rows(report: &Report) -> Vec<Value> {
    report
        .indicators
        .iter()
        .map(|i| {
            let (title, breakdown) = title_of(&i.id);
            let small = report.small_base(i);
            let withheld = crate::suppression::withheld(i);
            let (vs_e, vs_e_class) = match (small, report.judge_england(i)) {
                (true, _) => ("· not judged (under 30)".to_string(), ""),
                (false, Some(indicators::VersusEngland::Better)) => ("▲ better".into(), "better"),
                (false, Some(indicators::VersusEngland::Worse)) => ("▼ worse".into(), "worse"),
                (false, Some(indicators::VersusEngland::Same)) => ("= same".into(), ""),
                (false, None) => ("".into(), ""),
            };
            let (vs_t, vs_t_class) = match (small, report.judge_target(i)) {
                (true, _) => ("".to_string(), ""),
                (false, Some(indicators::VersusTarget::Meets)) => ("▲ meets".into(), "better"),
                (false, Some(indicators::VersusTarget::Misses)) => ("▼ misses".into(), "worse"),
                (false, None) => ("".into(), ""),
            };
            let b = &i.benchmarks;
            json!({
                "id": i.id,
                "title": if title.is_empty() { i.id.clone() } else { title.to_string() },
                "parent_title": title,
                "breakdown": breakdown,
                "unit": i.unit.as_str(),
                "value": if withheld { "<5".to_string() } else { shown(i.value) },
                "numerator": if withheld { "<5".to_string() } else { shown(Some(i.numerator)) },
                "denominator": if withheld { "–".to_string() } else { shown(i.denominator) },
                "suppressed": withheld,
                "stoke_2017": shown(b.stoke_2017),
                "england": shown(b.england),
                "comparators": shown(b.comparators),
                "target": match i.better { Better::AtMost(x) => shown(Some(x)), _ => shown(b.target) },
                "vs_england": vs_e,
                "vs_england_class": vs_e_class,
                "vs_target": vs_t,
                "vs_target_class": vs_t_class,
            })
        })
        .collect()
}

async fn dashboard(
    State(state): State<AppState>,
    user: Result<CurrentUser, AppError>,
    q: Result<Query<PeriodQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Html<String>, PageError> {
    // Without a session a page redirects to sign in (the extractor's own answer is the API's 401).
    let user = user?;
    let Query(q) = q.map_err(|e| AppError::BadRequest {
        field: None,
        message: e.body_text(),
    })?;
    let today = state.config.today();
    let (period, _) = q.period(today)?;
    // Trends: the twelve months up to the period's end.
    let trend_to = period.to;
    let trend_from = trend_to
        .checked_sub_months(chrono::Months::new(12))
        .unwrap_or(period.from);
    let trend = indicators::Period::new(trend_from, trend_to)
        .map_err(|e| AppError::bad("to", e.to_string()))?;
    let body = state
        .blocking(move |s| {
            let view = s.live.view()?;
            // The page's body is the same for every user of one view and period: made once.
            let key = format!("dashboard {} {}", period.from, period.to);
            view.memo(&key, || {
            let report = crate::api::reports_of(s, &view, period, false)?.remove(0);
            let months = crate::api::reports_of(s, &view, trend, true)?;
            let events = view.events;
            let rows = indicator_rows(&report);
            // A month the log does not cover has no value on a chart.
            let covered: Vec<bool> = months.iter().map(|m| view.span.covers(m.from, m.to)).collect();
            let trends: Vec<Value> = INDICATORS
                .iter()
                .map(|d| {
                    let values: Vec<Option<f64>> = months
                        .iter()
                        .zip(&covered)
                        .map(|(m, c)| if *c { m.value(d.id) } else { None })
                        .collect();
                    let (variation, assurance) = crate::charts::icons(d, &values, s);
                    json!({
                        "id": d.id,
                        "title": d.title,
                        "values": values.iter().map(|v| shown(*v)).collect::<Vec<_>>(),
                        "variation": variation,
                        "assurance": assurance,
                    })
                })
                .collect();
            let labels: Vec<String> = months.iter().map(|m| m.from.format("%b %Y").to_string()).collect();
            let last_day = period.to.pred_opt().unwrap_or(period.to);
            let ctx = json!({
                "events": events,
                "from": period.from.to_string(),
                "to": period.to.to_string(),
                "period_label": format!("{} to {}", period.from.format("%-d %B %Y"), last_day.format("%-d %B %Y")),
                "indicators": rows,
                "months": labels,
                "trends": trends,
                "trend_label": format!("{} to {}", trend.from.format("%B %Y"), trend_to.pred_opt().unwrap_or(trend_to).format("%B %Y")),
            });
            s.templates
                .get_template("dashboard_body.html")
                .and_then(|t| t.render(ctx))
                .map_err(|e| AppError::internal(format!("rendering the dashboard: {e}")))
            })
        })
        .await?;
    Ok(render(
        &state,
        "dashboard.html",
        Some(&user),
        "dashboard",
        json!({ "body": &*body }),
    )?)
}

#[derive(Deserialize, Default)]
struct MarketQuery {
    kind: Option<String>,
    rating: Option<String>,
}

async fn market_page(
    State(state): State<AppState>,
    user: Result<CurrentUser, AppError>,
    Query(q): Query<MarketQuery>,
) -> Result<Html<String>, PageError> {
    // Without a session a page redirects to sign in (the extractor's own answer is the API's 401).
    let user = user?;
    let m = state.blocking(crate::views::market).await?;
    let kind = q.kind.unwrap_or_default();
    let rating = q.rating.unwrap_or_default();
    let ratings: Vec<&str> = domain::codes::CqcRating::ALL
        .iter()
        .map(|r| r.as_str())
        .collect();
    let kinds: Vec<Value> = m["kinds"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|k| {
            let mut k = k.clone();
            k["rating_counts"] = json!(ratings
                .iter()
                .map(|r| k["ratings"][r].clone())
                .collect::<Vec<_>>());
            for what in ["inadequate", "requires_improvement"] {
                let v = k[what]["value"].as_f64();
                let e = k[what]["england"].as_f64();
                k[format!("{what}_england")] = json!(shown(e));
                k[what] = json!(shown(v));
            }
            k
        })
        .collect();
    let providers: Vec<Value> = m["providers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| kind.is_empty() || p["kind"] == kind.as_str())
        .filter(|p| rating.is_empty() || p["cqc_rating"] == rating.as_str())
        .cloned()
        .collect();
    let ctx = json!({
        "kinds": kinds,
        "rating_names": ratings.iter().map(|r| r.replace('_', " ")).collect::<Vec<_>>(),
        "ratings": ratings,
        "providers": providers,
        "kind": kind,
        "rating": rating,
    });
    Ok(render(&state, "market.html", Some(&user), "market", ctx)?)
}

async fn indicator_page(
    State(state): State<AppState>,
    user: Result<CurrentUser, AppError>,
    axum::extract::Path(id): axum::extract::Path<String>,
    q: Result<Query<PeriodQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Html<String>, PageError> {
    let user = user?;
    let Query(q) = q.map_err(|e| AppError::BadRequest {
        field: None,
        message: e.body_text(),
    })?;
    let ctx = state
        .blocking(move |s| {
            let (chart, meta) = crate::charts::chart(s, &id, &q)?;
            let title = meta["title"].as_str().unwrap_or_default().to_string();
            let unit = meta["unit"].as_str().unwrap_or_default().to_string();
            let svg = spc::svg(&chart, &title, &unit);
            let rows: Vec<Value> = spc::table_rows(&chart)
                .into_iter()
                .map(|r| json!({"period": r.period, "value": r.value_text, "cause": r.note}))
                .collect();
            let better = match chart.better {
                spc::Better::Higher => "higher is better",
                spc::Better::Lower => "lower is better",
                spc::Better::Neutral => "no better direction",
            };
            let mut ctx = meta.clone();
            ctx["chart"] = json!(svg);
            ctx["summary"] = json!(spc::describe(&chart, &unit));
            ctx["points"] = json!(rows);
            ctx["better"] = json!(better);
            ctx["variation"] = json!(chart.variation.map(|v| v.label()));
            ctx["assurance"] = json!(chart.assurance.map(|a| a.label()));
            Ok(ctx)
        })
        .await?;
    Ok(render(
        &state,
        "indicator.html",
        Some(&user),
        "dashboard",
        ctx,
    )?)
}
