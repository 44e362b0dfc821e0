//! The delayed-transfers snapshot of a date: a page and CSV in the shape of the NHS return.

use crate::auth::CurrentUser;
use crate::guard;
use crate::pages::{render, PageError};
use crate::people::{local, rfc};
use crate::suppression::count_json;
use crate::{AppError, AppState};
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{Datelike, NaiveDate};
use domain::codes::DelayReason;
use flow::dtoc::{self, Snapshot, RESPONSIBLE_COLUMNS};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/dtoc", get(dtoc_csv))
        .route("/dtoc", get(dtoc_page))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct DateQuery {
    date: Option<String>,
}

fn date_of(state: &AppState, q: &DateQuery) -> Result<NaiveDate, AppError> {
    match q.date.as_deref().filter(|d| !d.is_empty()) {
        None => Ok(state.config.today()),
        Some(d) => crate::api::date_field("date", d),
    }
}

/// The snapshot of `date` over every person of `view` (the records read are those of the
/// people who could count in it: a stay ready for discharge before the snapshot's midnight,
/// not discharged before the month began).
fn snapshot(
    state: &AppState,
    view: &live_log::View,
    date: NaiveDate,
) -> Result<Arc<Snapshot>, AppError> {
    let zone = state.config.zone;
    let snap_at = zone.midnight(date);
    let month_began = zone.midnight(date.with_day(1).expect("day 1 exists"));
    let records = view.records_where(|f| {
        f.spells.iter().any(|s| {
            s.ready.is_some_and(|r| r < snap_at) && s.life.ended.is_none_or(|d| d >= month_began)
        })
    })?;
    Ok(Arc::new(dtoc::snapshot(
        records.iter().map(|(n, p)| (*n, &**p)),
        date,
        zone,
    )))
}

async fn dtoc_csv(
    State(state): State<AppState>,
    ext: axum::http::Extensions,
    user: CurrentUser,
    q: Result<Query<DateQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let q = q.map(|q| q.0).map_err(|e| AppError::BadRequest {
        field: None,
        message: e.body_text(),
    })?;
    let date = date_of(&state, &q)?;
    let client = crate::auth::client_address(&ext);
    let text = state
        .blocking(move |s| {
            // A download is an export (`access.md`, "Audit"), recorded before it is given.
            crate::audit::record(
                s,
                crate::audit::Actor::of(&user),
                store::Action::Export,
                None,
                Some(format!("delayed transfers of care CSV for {date}")),
                &client,
            )?;
            let view = s.live.view()?;
            let key = format!("dtoc.csv {date}");
            view.memo(&key, || {
                Ok::<_, AppError>(dtoc::csv(&*snapshot(s, &view, date)?))
            })
        })
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"dtoc-{date}.csv\""),
            ),
        ],
        text.to_string(),
    )
        .into_response())
}

fn reason_rows(by: &dtoc::ByReason) -> Vec<Value> {
    DelayReason::ALL
        .iter()
        .copied()
        .map(Some)
        .chain([None])
        .map(|r| {
            let n = by.get(&r).copied().unwrap_or_default();
            json!({
                "code": r.map_or("unrecorded", |x| x.as_str()),
                "letter": r.map_or("", |x| x.letter()),
                "words": r.map_or("no reason recorded", |x| x.meaning()),
                "cells": n,
                "total": n.iter().sum::<u64>(),
            })
        })
        .collect()
}

async fn dtoc_page(
    State(state): State<AppState>,
    user: Result<CurrentUser, AppError>,
    q: Result<Query<DateQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, PageError> {
    let user = user?;
    let q = q.map(|q| q.0).unwrap_or_default();
    let date = date_of(&state, &q)?;
    let u = user.clone();
    let v = state
        .blocking(move |s| {
            let view = s.live.view()?;
            let snap = snapshot(s, &view, date)?;
            let now = guard::now(s);
            let pop18 = view.population.map(|p| p.pop18() as f64);
            let days = (date - snap.month_start).num_days() + 1;
            let rate = pop18
                .filter(|p| *p > 0.0)
                .map(|p| snap.days_total as f64 / days as f64 / p * 100_000.0);
            // Named people only for those the user may see (the rule applied to each).
            let named: Vec<Value> = snap
                .delayed
                .iter()
                .filter(|d| guard::decide(s, &u, &view, d.nhs, now).allowed)
                .map(|d| {
                    json!({
                        "person": d.nhs.digits(),
                        "person_spaced": d.nhs.to_string(),
                        "spell": d.spell.as_str(),
                        "org": d.org.as_deref(),
                        "ready": rfc(d.ready),
                        "ready_local": local(s, d.ready),
                        "reason": d.reason.map_or("unrecorded", |r| r.as_str()),
                        "reason_words": d.reason.map_or("no reason recorded", |r| r.meaning()),
                        "responsible": d.responsible.map_or("unrecorded", |r| r.as_str()),
                    })
                })
                .collect();
            Ok::<_, AppError>(json!({
                "date": date.to_string(),
                "month_start": snap.month_start.to_string(),
                "columns": RESPONSIBLE_COLUMNS,
                "people": reason_rows(&snap.people_by_reason),
                "days": reason_rows(&snap.days_by_reason),
                "people_total": snap.delayed.len(),
                "days_total": snap.days_total,
                "per_100k": rate.map(|r| crate::pages::shown(Some(r))),
                "by_org": snap.by_org.iter().map(|(o, (p, d))| json!({
                    "org": o.as_str(),
                    "name": view.orgs.get(o).map(|x| x.name.as_str()).unwrap_or(o),
                    "people": count_json(*p),
                    "days": count_json(*d),
                })).collect::<Vec<_>>(),
                "named": named,
                "sees_people": u.roles.iter().any(|r| r.sees_identifiable_people()),
            }))
        })
        .await?;
    Ok(render(&state, "dtoc.html", Some(&user), "dtoc", v)?.into_response())
}
