//! The fleet register: `POST /api/v1/registry` imports the fisheries authority's CSV
//! (`?dry_run=true` only checks it), `GET /api/v1/registry/{registration}` gives a
//! registration's current entry and its history. The import's answer is
//! [`import_report_json`], which `haidang registry import` prints too.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::{Extension, Json};
use haidang_store::{ImportReport, RowError, StoredRegistryEntry, parse_registry_csv};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::Principal;
use crate::geojson::rfc3339;
use crate::{ApiError, AppState};

/// The largest register file taken by the API, in bytes (16 MiB: about 100,000 vessels).
pub const MAX_REGISTRY_BODY_BYTES: usize = 16 * 1024 * 1024;

/// At most this many refused rows are listed in an answer (all are counted).
const MAX_ERRORS_LISTED: usize = 1000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ImportQuery {
    dry_run: Option<bool>,
}

/// The answer to an import (or a dry run, `report` `None`): the counts and every refused
/// row with its line and problems (the first 1,000).
pub fn import_report_json(
    valid_rows: usize,
    report: Option<&ImportReport>,
    errors: &[RowError],
) -> Value {
    let listed: Vec<Value> = errors
        .iter()
        .take(MAX_ERRORS_LISTED)
        .map(|e| json!({"line": e.line, "registration": e.registration, "problems": e.problems}))
        .collect();
    json!({
        "dry_run": report.is_none(),
        "import_id": report.map(|r| r.import_id),
        "imported_at": report.map(|r| rfc3339(r.imported_at)),
        "rows": valid_rows + errors.len(),
        "valid": valid_rows,
        "inserted": report.map(|r| r.inserted),
        "updated": report.map(|r| r.updated),
        "unchanged": report.map(|r| r.unchanged),
        "rejected": errors.len(),
        "errors": listed,
        "errors_truncated": errors.len() > MAX_ERRORS_LISTED,
    })
}

/// `POST /api/v1/registry`: a CSV body (`text/csv`).
pub(crate) async fn import(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    query: Result<Query<ImportQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(query) = query.map_err(ApiError::from_query)?;
    if let Some(province) = &principal.account.province {
        return Err(ApiError::Forbidden(format!(
            "the register is national: an account limited to {province} cannot import it"
        )));
    }
    let body = body.map_err(|r| {
        if r.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge(format!(
                "the register is larger than {MAX_REGISTRY_BODY_BYTES} bytes; split it"
            ))
        } else {
            ApiError::BadRequest(format!("could not read the body: {}", r.body_text()))
        }
    })?;
    let is_csv = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("text/csv"));
    if !is_csv {
        return Err(ApiError::UnsupportedMediaType(
            "expected the register as CSV with `Content-Type: text/csv`".into(),
        ));
    }
    let parsed = parse_registry_csv(&body).map_err(|e| ApiError::Unprocessable(e.to_string()))?;
    let entries: Vec<_> = parsed.entries.into_iter().map(|(_, e)| e).collect();
    if query.dry_run == Some(true) {
        return Ok(Json(import_report_json(
            entries.len(),
            None,
            &parsed.errors,
        )));
    }
    let report = state
        .store
        .import_registry(
            &format!("api:{}", principal.who()),
            &entries,
            parsed.errors.len() as u64,
        )
        .await?;
    Ok(Json(import_report_json(
        entries.len(),
        Some(&report),
        &parsed.errors,
    )))
}

/// `GET /api/v1/registry/{registration}`.
pub(crate) async fn history(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let Path(registration) = path.map_err(ApiError::from_path)?;
    let registration = registration.trim().to_uppercase();
    if registration.is_empty() || registration.len() > 32 {
        return Err(ApiError::BadRequest(
            "a registration number is 1 to 32 characters".into(),
        ));
    }
    let history = state.store.registry_history(&registration).await?;
    if history.is_empty() {
        return Err(ApiError::NotFound(format!(
            "no register entry for {registration}"
        )));
    }
    let current = history
        .iter()
        .find(|e| e.superseded_at.is_none())
        .map(entry_json);
    Ok(Json(json!({
        "registration": registration,
        "current": current,
        "history": history.iter().map(entry_json).collect::<Vec<_>>(),
    })))
}

fn entry_json(stored: &StoredRegistryEntry) -> Value {
    let e = &stored.entry;
    let date = |d: Option<time::Date>| d.map(|d| d.to_string());
    json!({
        "registration": e.registration,
        "mmsi": e.mmsi.map(|m| format!("{:09}", m.get())),
        "name": e.name,
        "length_m": e.length_m,
        "gear": e.gear,
        "province": e.province,
        "owner": e.owner,
        "vms_provider": e.vms_provider,
        "vms_device_id": e.vms_device_id,
        "licence_valid_from": date(e.licence_valid_from),
        "licence_valid_to": date(e.licence_valid_to),
        "import_id": stored.import_id,
        "valid_from": rfc3339(stored.valid_from),
        "superseded_at": stored.superseded_at.map(rfc3339),
    })
}
