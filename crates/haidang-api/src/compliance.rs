//! Compliance cases (the IUU follow-up the store opens from alerts) and captains' manual
//! position reports:
//!
//! - `GET /api/v1/compliance/cases[?kind=&status=&from=&to=]`, `GET …/cases/{id}` (with
//!   its history);
//! - `POST …/cases/{id}/verify`, `…/sanction` (`decision_number`, `amount_vnd`,
//!   `decided_on`, `payment_proof`), `…/close` (`reason`, one of
//!   [`haidang_store::CLOSE_REASONS`]); each may carry a `note`; 409 when the workflow
//!   does not allow the move from the case's status;
//! - `POST /api/v1/manual-reports` (`vessel`, `fix_time`, `lon`, `lat`, `channel`:
//!   `radio`, `phone` or `other`, `note`), `GET /api/v1/vessels/{vessel}/manual-reports`.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use haidang_store::{
    ComplianceAction, ComplianceCase, ComplianceChange, ComplianceError, ComplianceFilter,
    ManualReport, Sanction,
};
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::alerts::parse_vessel;
use crate::auth::Principal;
use crate::cases::{case_id, json as body_json, text};
use crate::geojson::{parse_time, rfc3339};
use crate::{ApiError, AppState};

const KINDS: [&str; 2] = ["vms_loss", "boundary"];
const STATUSES: [&str; 4] = ["detected", "verified", "sanctioned", "closed"];
const CHANNELS: [&str; 3] = ["radio", "phone", "other"];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    kind: Option<String>,
    status: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

fn one_of(
    field: &str,
    value: Option<String>,
    allowed: &[&str],
) -> Result<Option<String>, ApiError> {
    match value {
        Some(v) if !allowed.contains(&v.as_str()) => Err(ApiError::BadRequest(format!(
            "{field} {v:?} is not one of {}",
            allowed.join(", ")
        ))),
        v => Ok(v),
    }
}

/// `GET /api/v1/compliance/cases`.
pub(crate) async fn list(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(q) = query.map_err(ApiError::from_query)?;
    let filter = ComplianceFilter {
        id: None,
        provinces: scope_provinces(&state, &principal).await?,
        kind: one_of("kind", q.kind, &KINDS)?,
        status: one_of("status", q.status, &STATUSES)?,
        from: q
            .from
            .as_deref()
            .map(|t| parse_time("from", t))
            .transpose()?,
        to: q.to.as_deref().map(|t| parse_time("to", t)).transpose()?,
        limit: Some(haidang_store::MAX_COMPLIANCE_CASES),
    };
    let cases = state.store.compliance_cases(&filter).await?;
    Ok(Json(json!({
        "cases": cases.iter().map(case_json).collect::<Vec<_>>(),
        "truncated": cases.len() as i64 >= haidang_store::MAX_COMPLIANCE_CASES,
    })))
}

/// `GET /api/v1/compliance/cases/{id}`.
pub(crate) async fn one(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let id = case_id(id)?;
    in_scope(&state, &principal, id).await?;
    let (case, changes) = state
        .store
        .compliance_case(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no compliance case {id}")))?;
    let mut body = case_json(&case);
    body["history"] = changes.iter().map(change_json).collect();
    Ok(Json(body))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Verify {
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SanctionBody {
    decision_number: String,
    amount_vnd: i64,
    decided_on: String,
    payment_proof: Option<String>,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Close {
    reason: String,
    note: Option<String>,
}

/// `POST /api/v1/compliance/cases/{id}/verify`.
pub(crate) async fn verify(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<Verify>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let id = case_id(id)?;
    let body = body_json(body)?;
    let note = text("note", body.note.as_deref(), 2000)?;
    act(&state, id, &ComplianceAction::Verify, &principal, note).await
}

/// `POST /api/v1/compliance/cases/{id}/sanction`.
pub(crate) async fn sanction(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<SanctionBody>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let id = case_id(id)?;
    let body = body_json(body)?;
    let decision_number = text("decision_number", Some(&body.decision_number), 100)?
        .ok_or_else(|| ApiError::Unprocessable("decision_number is required".into()))?;
    if body.amount_vnd < 0 {
        return Err(ApiError::Unprocessable(
            "amount_vnd is a fine in đồng, 0 or more".into(),
        ));
    }
    let decided_on = haidang_store::parse_day(&body.decided_on)
        .ok_or_else(|| ApiError::Unprocessable("decided_on is a date such as 2026-03-02".into()))?;
    let sanction = Sanction {
        decision_number,
        amount_vnd: body.amount_vnd,
        decided_on,
        payment_proof: text("payment_proof", body.payment_proof.as_deref(), 500)?,
    };
    let note = text("note", body.note.as_deref(), 2000)?;
    act(
        &state,
        id,
        &ComplianceAction::Sanction(sanction),
        &principal,
        note,
    )
    .await
}

/// `POST /api/v1/compliance/cases/{id}/close`.
pub(crate) async fn close(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<Close>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let id = case_id(id)?;
    let body = body_json(body)?;
    let note = text("note", body.note.as_deref(), 2000)?;
    act(
        &state,
        id,
        &ComplianceAction::Close(body.reason),
        &principal,
        note,
    )
    .await
}

async fn act(
    state: &AppState,
    id: i64,
    action: &ComplianceAction,
    principal: &Principal,
    note: Option<String>,
) -> Result<Json<Value>, ApiError> {
    in_scope(state, principal, id).await?;
    let case = state
        .store
        .act_on_compliance_case(id, action, &principal.who(), note.as_deref())
        .await
        .map_err(|e| match e {
            ComplianceError::NoSuchCase(_) => ApiError::NotFound(e.to_string()),
            ComplianceError::Conflict { .. } => ApiError::Conflict(e.to_string()),
            ComplianceError::BadReason(_) => ApiError::Unprocessable(e.to_string()),
            ComplianceError::Store(e) => ApiError::Store(e),
        })?;
    Ok(Json(case_json(&case)))
}

/// The register's spellings of the caller's province (matched by
/// [`haidang_types::province_key`]), or `None` for a national account.
async fn scope_provinces(
    state: &AppState,
    principal: &Principal,
) -> Result<Option<Vec<String>>, ApiError> {
    let Some(own) = &principal.account.province else {
        return Ok(None);
    };
    let own = haidang_types::province_key(own);
    let spellings = state.store.registry_provinces().await?;
    Ok(Some(
        spellings
            .into_iter()
            .filter(|p| haidang_types::province_key(p) == own)
            .collect(),
    ))
}

/// 404 for a case of a vessel outside the caller's province (when the account has one),
/// as for a case that does not exist.
async fn in_scope(state: &AppState, principal: &Principal, id: i64) -> Result<(), ApiError> {
    let Some(provinces) = scope_provinces(state, principal).await? else {
        return Ok(());
    };
    let filter = ComplianceFilter {
        id: Some(id),
        provinces: Some(provinces),
        ..ComplianceFilter::default()
    };
    if state.store.compliance_cases(&filter).await?.is_empty() {
        return Err(ApiError::NotFound(format!("no compliance case {id}")));
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReportBody {
    vessel: String,
    fix_time: String,
    lon: f64,
    lat: f64,
    channel: String,
    note: Option<String>,
}

/// `POST /api/v1/manual-reports`: 201 with the report's id.
pub(crate) async fn record_report(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    body: Result<Json<ReportBody>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let body = body_json(body)?;
    let vessel = parse_vessel(&body.vessel)?;
    let fix_time = parse_time("fix_time", &body.fix_time)?;
    let now = OffsetDateTime::now_utc();
    if fix_time > now + time::Duration::minutes(5) {
        return Err(ApiError::Unprocessable("fix_time is in the future".into()));
    }
    if !(-180.0..=180.0).contains(&body.lon) || !(-90.0..=90.0).contains(&body.lat) {
        return Err(ApiError::Unprocessable(
            "lon must be within -180..180 and lat within -90..90".into(),
        ));
    }
    let channel = one_of("channel", Some(body.channel), &CHANNELS)
        .map_err(|e| ApiError::Unprocessable(e.to_string()))?
        .unwrap_or_default();
    let report = ManualReport {
        vessel,
        fix_time,
        received_at: now,
        lon: body.lon,
        lat: body.lat,
        channel,
        recorded_by: principal.who(),
        note: text("note", body.note.as_deref(), 2000)?,
    };
    let id = state.store.record_manual_report(&report).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": id}))))
}

/// `GET /api/v1/vessels/{vessel}/manual-reports`.
pub(crate) async fn reports(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let Path(key) = path.map_err(ApiError::from_path)?;
    let vessel = parse_vessel(&key)?;
    let reports = state.store.manual_reports(&vessel).await?;
    Ok(Json(json!({
        "vessel": vessel.key(),
        "reports": reports.iter().map(|r| json!({
            "fix_time": rfc3339(r.fix_time),
            "received_at": rfc3339(r.received_at),
            "lon": r.lon,
            "lat": r.lat,
            "channel": r.channel,
            "recorded_by": r.recorded_by,
            "note": r.note,
        })).collect::<Vec<_>>(),
    })))
}

fn case_json(c: &ComplianceCase) -> Value {
    json!({
        "id": c.id,
        "kind": c.kind,
        "vessel": c.vessel.as_ref().map(|v| v.key()),
        "alert_id": c.alert_id,
        "escalated_by": c.escalated_by,
        "bucket": c.bucket,
        "zone_id": c.zone_id,
        "zone_class": c.zone_class,
        "country": c.country,
        "detected_at": rfc3339(c.detected_at),
        "position": c.position.map(|p| [p.lon(), p.lat()]),
        "left_at": c.left_at.map(rfc3339),
        "opened_at": rfc3339(c.opened_at),
        "status": c.status,
        "sanction": c.sanction.as_ref().map(|s| json!({
            "decision_number": s.decision_number,
            "amount_vnd": s.amount_vnd,
            "decided_on": s.decided_on.to_string(),
            "payment_proof": s.payment_proof,
        })),
        "closed_reason": c.closed_reason,
        "updated_at": rfc3339(c.updated_at),
    })
}

fn change_json(c: &ComplianceChange) -> Value {
    json!({
        "at": rfc3339(c.at),
        "who": c.who,
        "from_status": c.from_status,
        "to_status": c.to_status,
        "note": c.note,
    })
}
