//! Consular cases: list, open (by hand or from an alert), one case with its timeline and
//! alerts, status changes, notes, linked alerts, crew members, and the crew-data access
//! log.
//!
//! Scoping happens in SQL (`haidang_store::CaseScope` from the caller): a case outside a
//! consular account's mission, or a fisheries account's province, is a 404 like a case
//! that does not exist. Crew personal data leaves only through `GET …/crew`, for the
//! consular and admin roles, with a `reason` (query parameter or `X-Haidang-Reason`
//! header); the store writes the access-log row in the same transaction as the read.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::{Extension, Json};
use haidang_store::{
    AuditRecord, CaseDetail, CaseError, CaseEvent, CaseRecord, CaseStatus, CrewAccess, CrewMember,
    NewCase, NewCrewMember, VesselId,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::auth::Principal;
use crate::geojson::{parse_time, rfc3339};
use crate::{ApiError, AppState};

/// The header that may carry the reason for reading crew data.
pub const REASON_HEADER: &str = "x-haidang-reason";

/// The longest free text (notes, places, reasons), in characters.
const MAX_TEXT_CHARS: usize = 2000;

/// The longest short field (names, authorities, ids), in characters.
const MAX_FIELD_CHARS: usize = 200;

/// The body limit of the case routes (the router's default for JSON actions).
const BODY_BYTES: usize = crate::alerts::ACTION_BODY_BYTES;

impl From<CaseError> for ApiError {
    fn from(e: CaseError) -> Self {
        match e {
            CaseError::NoSuchCase(id) => ApiError::NotFound(format!("no case {id}")),
            CaseError::NoSuchAlert(id) => ApiError::Unprocessable(format!("no alert {id}")),
            e @ CaseError::BadTransition { .. } => ApiError::Conflict(e.to_string()),
            CaseError::Store(e) => ApiError::Store(e),
        }
    }
}

/// A case without crew data: what every role allowed cases sees.
#[derive(Serialize)]
pub(crate) struct CaseJson {
    id: i64,
    status: &'static str,
    opened_at: String,
    opened_by: String,
    vessel: Option<String>,
    detained_at: Option<String>,
    lon: Option<f64>,
    lat: Option<f64>,
    place: Option<String>,
    detaining_country: Option<String>,
    detaining_authority: Option<String>,
    mission: String,
    province: Option<String>,
    closed_reason: Option<String>,
    updated_at: String,
    crew_count: u64,
}

impl CaseJson {
    fn new(c: &CaseRecord) -> Self {
        CaseJson {
            id: c.id,
            status: c.status.as_str(),
            opened_at: rfc3339(c.opened_at),
            opened_by: c.opened_by.clone(),
            vessel: c.vessel.as_ref().map(|v| v.key().to_owned()),
            detained_at: c.detained_at.map(rfc3339),
            lon: c.position.map(|p| p.0),
            lat: c.position.map(|p| p.1),
            place: c.place.clone(),
            detaining_country: c.detaining_country.clone(),
            detaining_authority: c.detaining_authority.clone(),
            mission: c.mission.clone(),
            province: c.province.clone(),
            closed_reason: c.closed_reason.clone(),
            updated_at: rfc3339(c.updated_at),
            crew_count: c.crew_count,
        }
    }
}

#[derive(Serialize)]
pub(crate) struct EventJson {
    id: i64,
    at: String,
    by: String,
    kind: String,
    text: Option<String>,
    from_status: Option<&'static str>,
    to_status: Option<&'static str>,
}

impl EventJson {
    fn new(e: &CaseEvent) -> Self {
        EventJson {
            id: e.id,
            at: rfc3339(e.at),
            by: e.who.clone(),
            kind: e.kind.clone(),
            text: e.text.clone(),
            from_status: e.from_status.map(CaseStatus::as_str),
            to_status: e.to_status.map(CaseStatus::as_str),
        }
    }
}

#[derive(Serialize)]
pub(crate) struct CaseDetailJson {
    #[serde(flatten)]
    case: CaseJson,
    timeline: Vec<EventJson>,
    alerts: Vec<String>,
}

impl CaseDetailJson {
    fn new(d: &CaseDetail) -> Self {
        CaseDetailJson {
            case: CaseJson::new(&d.case),
            timeline: d.timeline.iter().map(EventJson::new).collect(),
            alerts: d.alerts.clone(),
        }
    }
}

/// `text` trimmed, checked: at most `max` characters, no control characters but
/// newlines and tabs; empty is `None`.
pub(crate) fn text(
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, ApiError> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if value.chars().count() > max
        || value
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(ApiError::Unprocessable(format!(
            "{field} must be at most {max} characters, without control characters"
        )));
    }
    Ok(Some(value.to_owned()))
}

/// A case id from the path.
pub(crate) fn case_id(id: Result<Path<String>, PathRejection>) -> Result<i64, ApiError> {
    let Path(id) = id.map_err(ApiError::from_path)?;
    id.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::BadRequest(format!("case id {id:?} is not a positive integer")))
}

/// A mission or province id: 1 to 64 of `a-z`, `0-9`, `.`, `_`, `-`.
fn scope_id(field: &str, value: &str) -> Result<String, ApiError> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if !ok {
        return Err(ApiError::Unprocessable(format!(
            "{field} must be 1 to 64 of a-z, 0-9, '.', '_', '-' (such as mission.idn.jakarta)"
        )));
    }
    Ok(value.to_owned())
}

pub(crate) fn json<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    body.map(|Json(t)| t)
        .map_err(|r| ApiError::from_json(r, BODY_BYTES))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    status: Option<String>,
    limit: Option<u32>,
}

/// `GET /api/v1/cases[?status=&limit=]`: the cases in the caller's scope, newest first.
pub(crate) async fn list(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Query(query) = query.map_err(ApiError::from_query)?;
    let status = query
        .status
        .as_deref()
        .map(|s| {
            CaseStatus::parse(s)
                .ok_or_else(|| ApiError::BadRequest(format!("status {s:?} is not a case status")))
        })
        .transpose()?;
    let limit = query
        .limit
        .unwrap_or(100)
        .clamp(1, haidang_store::MAX_CASES_PER_PAGE);
    let cases = state
        .store
        .cases(&principal.case_scope(), status, limit)
        .await?;
    let cases: Vec<CaseJson> = cases.iter().map(CaseJson::new).collect();
    Ok(Json(serde_json::json!({ "cases": cases })))
}

/// What opens a case.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OpenCase {
    alert_id: Option<String>,
    vessel: Option<String>,
    detained_at: Option<String>,
    lon: Option<f64>,
    lat: Option<f64>,
    place: Option<String>,
    detaining_country: Option<String>,
    detaining_authority: Option<String>,
    mission: Option<String>,
    province: Option<String>,
    note: Option<String>,
}

/// `POST /api/v1/cases`: 201 with the case. A consular account limited to a mission opens
/// cases of that mission only (403 for another); others must name the mission.
pub(crate) async fn open(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    body: Result<Json<OpenCase>, JsonRejection>,
) -> Result<(StatusCode, Json<CaseDetailJson>), ApiError> {
    let body = json(body)?;
    let mission = match (&principal.account.mission, body.mission.as_deref()) {
        (Some(own), None) => own.clone(),
        (Some(own), Some(m)) if m == own => own.clone(),
        (Some(own), Some(_)) => {
            return Err(ApiError::Forbidden(format!(
                "this account opens cases for mission {own} only"
            )));
        }
        (None, Some(m)) => scope_id("mission", m)?,
        (None, None) => {
            return Err(ApiError::Unprocessable(
                "mission is required: the id of the responsible mission".into(),
            ));
        }
    };
    let vessel = body
        .vessel
        .as_deref()
        .map(|v| {
            VesselId::from_key(v).ok_or_else(|| {
                ApiError::Unprocessable(format!(
                    "vessel {v:?} is not a key such as mmsi:574100001 or reg:BV-90001-TS"
                ))
            })
        })
        .transpose()?;
    let position = match (body.lon, body.lat) {
        (Some(lon), Some(lat))
            if (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat) =>
        {
            Some((lon, lat))
        }
        (None, None) => None,
        _ => {
            return Err(ApiError::Unprocessable(
                "lon and lat come together, within -180..180 and -90..90".into(),
            ));
        }
    };
    let detained_at = body
        .detained_at
        .as_deref()
        .map(|t| parse_time("detained_at", t).map_err(|e| ApiError::Unprocessable(e.to_string())))
        .transpose()?;
    let country = text("detaining_country", body.detaining_country.as_deref(), 64)?;
    if let Some(c) = &country
        && (c.len() != 3 || !c.bytes().all(|b| b.is_ascii_uppercase()))
    {
        return Err(ApiError::Unprocessable(
            "detaining_country is an ISO 3166 alpha-3 code such as IDN".into(),
        ));
    }
    let alert_id = text("alert_id", body.alert_id.as_deref(), MAX_FIELD_CHARS)?;
    let case = NewCase {
        opened_by: principal.who(),
        alert_id,
        vessel,
        detained_at,
        position,
        place: text("place", body.place.as_deref(), MAX_TEXT_CHARS)?,
        detaining_country: country,
        detaining_authority: text(
            "detaining_authority",
            body.detaining_authority.as_deref(),
            MAX_FIELD_CHARS,
        )?,
        mission,
        province: body
            .province
            .as_deref()
            .map(|p| text("province", Some(p), MAX_FIELD_CHARS))
            .transpose()?
            .flatten(),
        note: text("note", body.note.as_deref(), MAX_TEXT_CHARS)?,
    };
    let id = state
        .store
        .open_case(&case, OffsetDateTime::now_utc())
        .await?;
    let detail = state
        .store
        .case(id, &principal.case_scope())
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no case {id}")))?;
    Ok((StatusCode::CREATED, Json(CaseDetailJson::new(&detail))))
}

/// `GET /api/v1/cases/{id}`: the case, its timeline and alerts; no crew data.
pub(crate) async fn one(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<CaseDetailJson>, ApiError> {
    let id = case_id(id)?;
    let detail = state
        .store
        .case(id, &principal.case_scope())
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no case {id}")))?;
    Ok(Json(CaseDetailJson::new(&detail)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StatusChange {
    status: String,
    /// Why (required for `closed`), or what happened.
    note: Option<String>,
}

/// `POST /api/v1/cases/{id}/status`: `{"status", "note"}`; 200 with the case; 409 for a
/// change the workflow does not allow; 422 for an unknown status or `closed` without a
/// note.
pub(crate) async fn set_status(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<StatusChange>, JsonRejection>,
) -> Result<Json<CaseJson>, ApiError> {
    let id = case_id(id)?;
    let body = json(body)?;
    let to = CaseStatus::parse(&body.status).ok_or_else(|| {
        ApiError::Unprocessable(format!(
            "status {:?} is not one of reported, verified, consular_access, \
             legal_proceedings, released, repatriated, closed",
            body.status
        ))
    })?;
    let note = text("note", body.note.as_deref(), MAX_TEXT_CHARS)?;
    if to == CaseStatus::Closed && note.is_none() {
        return Err(ApiError::Unprocessable(
            "closing a case needs the reason in note".into(),
        ));
    }
    let case = state
        .store
        .set_case_status(
            id,
            &principal.case_scope(),
            to,
            note.as_deref(),
            &principal.who(),
            OffsetDateTime::now_utc(),
        )
        .await?;
    Ok(Json(CaseJson::new(&case)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Note {
    text: String,
}

/// `POST /api/v1/cases/{id}/notes`: `{"text"}`; 201 with the timeline entry.
pub(crate) async fn add_note(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<Note>, JsonRejection>,
) -> Result<(StatusCode, Json<EventJson>), ApiError> {
    let id = case_id(id)?;
    let body = json(body)?;
    let note = text("text", Some(&body.text), MAX_TEXT_CHARS)?
        .ok_or_else(|| ApiError::Unprocessable("text must not be empty".into()))?;
    let event = state
        .store
        .add_case_event(
            id,
            &principal.case_scope(),
            Some(&note),
            None,
            &principal.who(),
            OffsetDateTime::now_utc(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(EventJson::new(&event))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LinkAlert {
    alert_id: String,
}

/// `POST /api/v1/cases/{id}/alerts`: `{"alert_id"}`; 201 with the timeline entry; 422
/// for an alert that does not exist.
pub(crate) async fn link_alert(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<LinkAlert>, JsonRejection>,
) -> Result<(StatusCode, Json<EventJson>), ApiError> {
    let id = case_id(id)?;
    let body = json(body)?;
    let alert = text("alert_id", Some(&body.alert_id), MAX_FIELD_CHARS)?
        .ok_or_else(|| ApiError::Unprocessable("alert_id must not be empty".into()))?;
    let event = state
        .store
        .add_case_event(
            id,
            &principal.case_scope(),
            None,
            Some(&alert),
            &principal.who(),
            OffsetDateTime::now_utc(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(EventJson::new(&event))))
}

/// A crew member, as sent and as returned.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CrewBody {
    name: String,
    date_of_birth: Option<String>,
    id_number: Option<String>,
    home_town: Option<String>,
    family_contact: Option<String>,
}

/// `POST /api/v1/cases/{id}/crew`: records a crew member; 201 with its id only (the
/// answer carries no personal data, so it is not an access).
pub(crate) async fn add_crew(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<CrewBody>, JsonRejection>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let id = case_id(id)?;
    let body = json(body)?;
    let date_of_birth = text("date_of_birth", body.date_of_birth.as_deref(), 10)?;
    if let Some(d) = &date_of_birth {
        haidang_store::parse_day(d).ok_or_else(|| {
            ApiError::Unprocessable("date_of_birth is a date such as 1985-04-30".into())
        })?;
    }
    let member = NewCrewMember {
        name: text("name", Some(&body.name), MAX_FIELD_CHARS)?
            .ok_or_else(|| ApiError::Unprocessable("name must not be empty".into()))?,
        date_of_birth,
        id_number: text("id_number", body.id_number.as_deref(), 64)?,
        home_town: text("home_town", body.home_town.as_deref(), MAX_FIELD_CHARS)?,
        family_contact: text(
            "family_contact",
            body.family_contact.as_deref(),
            MAX_FIELD_CHARS,
        )?,
    };
    let crew_id = state
        .store
        .add_crew(
            id,
            &principal.case_scope(),
            &member,
            &principal.who(),
            OffsetDateTime::now_utc(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "id": crew_id, "case_id": id })),
    ))
}

#[derive(Serialize)]
pub(crate) struct CrewJson {
    id: i64,
    name: String,
    date_of_birth: Option<String>,
    id_number: Option<String>,
    home_town: Option<String>,
    family_contact: Option<String>,
    added_at: String,
    added_by: String,
}

impl CrewJson {
    fn new(c: &CrewMember) -> Self {
        CrewJson {
            id: c.id,
            name: c.member.name.clone(),
            date_of_birth: c.member.date_of_birth.clone(),
            id_number: c.member.id_number.clone(),
            home_town: c.member.home_town.clone(),
            family_contact: c.member.family_contact.clone(),
            added_at: rfc3339(c.added_at),
            added_by: c.added_by.clone(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CrewQuery {
    reason: Option<String>,
}

/// `GET /api/v1/cases/{id}/crew?reason=…` (or the `X-Haidang-Reason` header): the crew,
/// with a row in the access log written in the same transaction; 422 without a reason.
pub(crate) async fn crew(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    id: Result<Path<String>, PathRejection>,
    query: Result<Query<CrewQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = case_id(id)?;
    let Query(query) = query.map_err(ApiError::from_query)?;
    let header = headers
        .get(REASON_HEADER)
        .map(|v| {
            v.to_str().map_err(|_| {
                ApiError::BadRequest(format!("{REASON_HEADER} must be visible ASCII text"))
            })
        })
        .transpose()?;
    let reason = text("reason", query.reason.as_deref().or(header), 500)?.ok_or_else(|| {
        ApiError::Unprocessable(format!(
            "reading crew data needs a reason: ?reason=… or the {REASON_HEADER} header"
        ))
    })?;
    let access = CrewAccess {
        who: principal.who(),
        role: principal.account.role.as_str().to_owned(),
        action: "read",
        reason,
        at: OffsetDateTime::now_utc(),
    };
    let crew = state
        .store
        .read_crew(id, &principal.case_scope(), &access)
        .await?;
    let crew: Vec<CrewJson> = crew.iter().map(CrewJson::new).collect();
    Ok(Json(serde_json::json!({ "case_id": id, "crew": crew })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuditQuery {
    case: Option<i64>,
    limit: Option<u32>,
}

#[derive(Serialize)]
struct AuditJson {
    id: i64,
    at: String,
    who: String,
    role: String,
    case_id: i64,
    action: String,
    fields: Vec<String>,
    reason: String,
    records: u64,
}

impl AuditJson {
    fn new(a: &AuditRecord) -> Self {
        AuditJson {
            id: a.id,
            at: rfc3339(a.at),
            who: a.who.clone(),
            role: a.role.clone(),
            case_id: a.case_id,
            action: a.action.clone(),
            fields: a.fields.split(',').map(str::to_owned).collect(),
            reason: a.reason.clone(),
            records: a.records,
        }
    }
}

/// `GET /api/v1/audit[?case=&limit=]`: the crew-data access log, newest first (admins).
pub(crate) async fn audit(
    State(state): State<AppState>,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Query(query) = query.map_err(ApiError::from_query)?;
    let limit = query
        .limit
        .unwrap_or(100)
        .clamp(1, haidang_store::MAX_CASES_PER_PAGE);
    let rows = state.store.audit_log(query.case, limit).await?;
    let entries: Vec<AuditJson> = rows.iter().map(AuditJson::new).collect();
    Ok(Json(serde_json::json!({ "entries": entries })))
}
