//! Alerts through their life (`/api/v1/alerts…`: list, one with its deliveries and
//! history, acknowledge, resolve) and the outbox's dead letters and disabled endpoints
//! (`/api/v1/deliveries…`, `/api/v1/endpoints…`). [`AlertJson`] is the one shape of an
//! alert, here and in the live stream.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::{Extension, Json};
use haidang_store::{
    AlertChange, AlertCursor, AlertFilter, AlertStatus, DeliveryRecord, DisabledEndpoint,
    MAX_ALERTS_PER_PAGE, NewAlert, RULES, StoredAlert, VesselId,
};
use haidang_types::{AlertKind, LatLon};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::auth::Principal;
use crate::geojson::{parse_time, rfc3339, round};
use crate::{ApiError, AppState};

/// Said by every alert list.
pub(crate) const NOTICE: &str = "Alerts are raised from positions as the vessels reported \
     them, unverified, against approximate zone boundaries, not legal lines.";

/// The body limit of the operator actions (acknowledge, resolve), in bytes.
pub(crate) const ACTION_BODY_BYTES: usize = 64 * 1024;

/// The longest operator name, in characters.
const MAX_BY_CHARS: usize = 128;

/// The longest note, in characters.
const MAX_NOTE_CHARS: usize = 2000;

/// Dead letters listed when no `limit` is given.
const DEFAULT_DEAD_LETTERS: u32 = 100;

/// Every alert kind, as `DESIGN.md` and the API spell them.
pub(crate) const KINDS: [AlertKind; 10] = [
    AlertKind::Approach,
    AlertKind::EnteredForeign,
    AlertKind::EnteredUndelimited,
    AlertKind::Exited,
    AlertKind::Silent6h,
    AlertKind::Silent10d,
    AlertKind::ProviderOutage,
    AlertKind::Distress,
    AlertKind::PossibleDetention,
    AlertKind::ImplausibleTrack,
];

/// One alert, the same shape in lists, details, action answers and the live stream.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct AlertJson {
    id: String,
    kind: String,
    /// The vessel's key (`mmsi:574100001`, `reg:BV-90001-TS`), or null.
    vessel: Option<String>,
    zone_id: Option<String>,
    zone_class: Option<String>,
    country: Option<String>,
    lon: Option<f64>,
    lat: Option<f64>,
    fix_time: Option<String>,
    received_at: Option<String>,
    raised_at: String,
    delayed: bool,
    status: &'static str,
    details: serde_json::Value,
    acknowledged_at: Option<String>,
    acknowledged_by: Option<String>,
    resolved_at: Option<String>,
    resolved_by: Option<String>,
}

impl AlertJson {
    /// A stored alert.
    pub(crate) fn stored(a: &StoredAlert) -> Self {
        let mut json = Self::common(
            &a.id,
            &a.kind,
            a.vessel.as_ref(),
            (&a.zone_id, &a.zone_class, &a.country),
            a.position,
            (a.fix_time, a.received_at, a.raised_at),
            a.delayed,
            &a.details,
        );
        json.status = a.status.as_str();
        json.acknowledged_at = a.acknowledged_at.map(rfc3339);
        json.acknowledged_by.clone_from(&a.acknowledged_by);
        json.resolved_at = a.resolved_at.map(rfc3339);
        json.resolved_by.clone_from(&a.resolved_by);
        json
    }

    /// An alert as the pipeline committed it: new, so open.
    pub(crate) fn new_alert(a: &NewAlert) -> Self {
        Self::common(
            &a.id,
            &a.kind,
            a.vessel.as_ref(),
            (&a.zone_id, &a.zone_class, &a.country),
            a.position,
            (a.fix_time, a.received_at, a.raised_at),
            a.delayed,
            &a.details,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn common(
        id: &str,
        kind: &str,
        vessel: Option<&VesselId>,
        (zone_id, zone_class, country): (&Option<String>, &Option<String>, &Option<String>),
        position: Option<LatLon>,
        (fix_time, received_at, raised_at): (
            Option<OffsetDateTime>,
            Option<OffsetDateTime>,
            OffsetDateTime,
        ),
        delayed: bool,
        details: &str,
    ) -> Self {
        Self {
            id: id.to_owned(),
            kind: kind.to_owned(),
            vessel: vessel.map(VesselId::key),
            zone_id: zone_id.clone(),
            zone_class: zone_class.clone(),
            country: country.clone(),
            lon: position.map(|p| round(p.lon(), 1e7)),
            lat: position.map(|p| round(p.lat(), 1e7)),
            fix_time: fix_time.map(rfc3339),
            received_at: received_at.map(rfc3339),
            raised_at: rfc3339(raised_at),
            delayed,
            status: AlertStatus::Open.as_str(),
            details: details_object(details),
            acknowledged_at: None,
            acknowledged_by: None,
            resolved_at: None,
            resolved_by: None,
        }
    }
}

/// The stored details as a JSON object. The stores refuse invalid JSON; anything else
/// than an object is wrapped as `{"value": …}` so that `details` is always an object.
fn details_object(text: &str) -> serde_json::Value {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(v @ serde_json::Value::Object(_)) => v,
        Ok(other) => serde_json::json!({ "value": other }),
        Err(_) => serde_json::json!({}),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    status: Option<String>,
    kind: Option<String>,
    vessel: Option<String>,
    since: Option<String>,
    until: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct AlertList {
    alerts: Vec<AlertJson>,
    /// The cursor of the next page, when this one was full.
    next: Option<String>,
    notice: &'static str,
}

/// `GET /api/v1/alerts`: a page of alerts, newest first.
pub(crate) async fn list(
    State(state): State<AppState>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<AlertList>, ApiError> {
    let Query(query) = query.map_err(ApiError::from_query)?;
    let filter = AlertFilter {
        status: query.status.as_deref().map(parse_status).transpose()?,
        kind: query.kind.as_deref().map(parse_kind).transpose()?,
        vessel: query.vessel.as_deref().map(parse_vessel).transpose()?,
        since: query
            .since
            .as_deref()
            .map(|s| parse_time("since", s))
            .transpose()?,
        until: query
            .until
            .as_deref()
            .map(|s| parse_time("until", s))
            .transpose()?,
        limit: query
            .limit
            .as_deref()
            .map(|s| parse_limit(s, MAX_ALERTS_PER_PAGE))
            .transpose()?
            .unwrap_or(100),
        cursor: query.cursor.as_deref().map(parse_cursor).transpose()?,
    };
    if let (Some(since), Some(until)) = (filter.since, filter.until)
        && since >= until
    {
        return Err(ApiError::BadRequest(format!(
            "since ({}) must be before until ({})",
            rfc3339(since),
            rfc3339(until)
        )));
    }
    let page = state.store.list_alerts(&filter).await?;
    Ok(Json(AlertList {
        alerts: page.alerts.iter().map(AlertJson::stored).collect(),
        next: page.next.as_ref().map(AlertCursor::encode),
        notice: NOTICE,
    }))
}

fn parse_status(s: &str) -> Result<AlertStatus, ApiError> {
    AlertStatus::parse(s).ok_or_else(|| {
        ApiError::BadRequest(format!(
            "status {s:?} is not one of open, acknowledged, resolved"
        ))
    })
}

fn parse_kind(s: &str) -> Result<String, ApiError> {
    if KINDS.iter().any(|k| k.as_str() == s) {
        return Ok(s.to_owned());
    }
    let names: Vec<&str> = KINDS.iter().map(|k| k.as_str()).collect();
    Err(ApiError::BadRequest(format!(
        "kind {s:?} is not one of {}",
        names.join(", ")
    )))
}

/// A vessel key from a path or query: `mmsi:` and nine digits, or `reg:` and a
/// registration.
pub(crate) fn parse_vessel(key: &str) -> Result<VesselId, ApiError> {
    VesselId::from_key(key).ok_or_else(|| {
        ApiError::BadRequest(format!(
            "{key:?} is not a vessel key: expected mmsi: and nine digits, or reg: and a registration number"
        ))
    })
}

/// A page size, 1 to `max`.
pub(crate) fn parse_limit(s: &str, max: u32) -> Result<u32, ApiError> {
    s.parse::<u32>()
        .ok()
        .filter(|n| (1..=max).contains(n))
        .ok_or_else(|| {
            ApiError::BadRequest(format!(
                "limit {s:?} must be a whole number from 1 to {max}"
            ))
        })
}

fn parse_cursor(s: &str) -> Result<AlertCursor, ApiError> {
    AlertCursor::decode(s).ok_or_else(|| {
        ApiError::BadRequest(format!(
            "cursor {s:?} is not a cursor this API gave (use the previous page's next)"
        ))
    })
}

/// An alert with where its notifications went and what was done with it.
#[derive(Serialize)]
pub(crate) struct AlertDetail {
    #[serde(flatten)]
    alert: AlertJson,
    deliveries: Vec<DeliveryJson>,
    changes: Vec<ChangeJson>,
}

/// A delivery as operators see it: its destination's name, never a URL or a secret.
#[derive(Serialize)]
pub(crate) struct DeliveryJson {
    id: i64,
    alert_id: String,
    destination: String,
    status: &'static str,
    attempts: u32,
    last_error: Option<String>,
    created_at: String,
    next_attempt_at: Option<String>,
    delivered_at: Option<String>,
    dead_at: Option<String>,
}

impl DeliveryJson {
    fn new(d: &DeliveryRecord) -> Self {
        let waiting = matches!(
            d.status,
            haidang_store::DeliveryStatus::Pending | haidang_store::DeliveryStatus::InFlight
        );
        Self {
            id: d.id,
            alert_id: d.alert_id.clone(),
            destination: d.destination.clone(),
            status: d.status.as_str(),
            attempts: d.attempts,
            last_error: d.last_error.as_deref().map(without_urls),
            created_at: rfc3339(d.created_at),
            next_attempt_at: waiting.then(|| rfc3339(d.next_attempt_at)),
            delivered_at: d.delivered_at.map(rfc3339),
            dead_at: d.dead_at.map(rfc3339),
        }
    }
}

/// One entry of an alert's history.
#[derive(Serialize)]
pub(crate) struct ChangeJson {
    at: String,
    by: String,
    from: Option<&'static str>,
    to: &'static str,
    note: Option<String>,
}

impl ChangeJson {
    fn new(c: &AlertChange) -> Self {
        Self {
            at: rfc3339(c.at),
            by: c.who.clone(),
            from: c.from.map(AlertStatus::as_str),
            to: c.to.as_str(),
            note: c.note.clone(),
        }
    }
}

/// `text` with every `http://` or `https://` word replaced by `<url>`: the notifier keeps
/// URLs out of its errors, and this keeps one that slipped through off the API.
fn without_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = find_url(rest) {
        out.push_str(&rest[..at]);
        out.push_str("<url>");
        let tail = &rest[at..];
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, ')' | '>' | '"' | '\''))
            .unwrap_or(tail.len());
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

fn find_url(text: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    match (lower.find("http://"), lower.find("https://")) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// An alert id from the path. Ids are short; a long one cannot exist.
fn alert_id(id: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    let Path(id) = id.map_err(ApiError::from_path)?;
    if id.is_empty() || id.len() > 128 {
        return Err(ApiError::NotFound(format!("no alert {id:.128}")));
    }
    Ok(id)
}

/// `GET /api/v1/alerts/{id}`.
pub(crate) async fn one(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<AlertDetail>, ApiError> {
    let id = alert_id(id)?;
    let record = state
        .store
        .alert(&id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no alert {id}")))?;
    Ok(Json(AlertDetail {
        alert: AlertJson::stored(&record.alert),
        deliveries: record.deliveries.iter().map(DeliveryJson::new).collect(),
        changes: record.changes.iter().map(ChangeJson::new).collect(),
    }))
}

/// What an operator sends to acknowledge or resolve an alert.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Action {
    /// Who acts: the operator's name (a shared watch-floor account has several people
    /// behind it); without it, the account's (`user:NAME` or `token:NAME`).
    by: Option<String>,
    /// Why, or what was done.
    note: Option<String>,
}

impl Action {
    /// Without a name, the caller's account stands for it.
    fn with_account(mut self, principal: &Principal) -> Self {
        if self.by.is_none() {
            self.by = Some(principal.who());
        }
        self
    }

    /// The operator's name (trimmed) and note, checked.
    fn checked(&self) -> Result<(&str, Option<&str>), ApiError> {
        let by = self.by.as_deref().unwrap_or_default().trim();
        let chars = by.chars().count();
        if chars == 0 || chars > MAX_BY_CHARS || by.chars().any(char::is_control) {
            return Err(ApiError::Unprocessable(format!(
                "by must be the operator's name: 1 to {MAX_BY_CHARS} characters, no control characters"
            )));
        }
        if by.eq_ignore_ascii_case(RULES) {
            return Err(ApiError::Unprocessable(format!(
                "by {by:?} is reserved for changes made by the rules; give the operator's name"
            )));
        }
        let note = self
            .note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        if let Some(note) = note
            && (note.chars().count() > MAX_NOTE_CHARS
                || note
                    .chars()
                    .any(|c| c.is_control() && c != '\n' && c != '\t'))
        {
            return Err(ApiError::Unprocessable(format!(
                "note must be at most {MAX_NOTE_CHARS} characters, without control characters other than newlines and tabs"
            )));
        }
        Ok((by, note))
    }
}

/// `POST /api/v1/alerts/{id}/acknowledge`.
pub(crate) async fn acknowledge(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<Action>, JsonRejection>,
) -> Result<Json<AlertJson>, ApiError> {
    let id = alert_id(id)?;
    let Json(action) = body.map_err(|r| ApiError::from_json(r, ACTION_BODY_BYTES))?;
    let action = action.with_account(&principal);
    let (by, note) = action.checked()?;
    let alert = state
        .store
        .acknowledge(&id, by, note, OffsetDateTime::now_utc())
        .await?;
    Ok(Json(AlertJson::stored(&alert)))
}

/// `POST /api/v1/alerts/{id}/resolve`.
pub(crate) async fn resolve(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<Action>, JsonRejection>,
) -> Result<Json<AlertJson>, ApiError> {
    let id = alert_id(id)?;
    let Json(action) = body.map_err(|r| ApiError::from_json(r, ACTION_BODY_BYTES))?;
    let action = action.with_account(&principal);
    let (by, note) = action.checked()?;
    let alert = state
        .store
        .resolve(&id, by, note, OffsetDateTime::now_utc())
        .await?;
    Ok(Json(AlertJson::stored(&alert)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DeadQuery {
    limit: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct DeadLetters {
    deliveries: Vec<DeliveryJson>,
}

/// `GET /api/v1/deliveries/dead`: dead deliveries, most recently dead first.
pub(crate) async fn dead_letters(
    State(state): State<AppState>,
    query: Result<Query<DeadQuery>, QueryRejection>,
) -> Result<Json<DeadLetters>, ApiError> {
    let Query(query) = query.map_err(ApiError::from_query)?;
    let limit = query
        .limit
        .as_deref()
        .map(|s| parse_limit(s, MAX_ALERTS_PER_PAGE))
        .transpose()?
        .unwrap_or(DEFAULT_DEAD_LETTERS);
    let dead = state.store.list_dead_letters(limit).await?;
    Ok(Json(DeadLetters {
        deliveries: dead.iter().map(DeliveryJson::new).collect(),
    }))
}

#[derive(Serialize)]
pub(crate) struct Resent {
    id: i64,
    status: &'static str,
    resent_at: String,
}

/// `POST /api/v1/deliveries/{id}/resend`: a dead delivery goes out again, with the same
/// `webhook-id` and bytes.
pub(crate) async fn resend(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Resent>, ApiError> {
    let Path(id) = id.map_err(ApiError::from_path)?;
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::BadRequest(format!("{id:?} is not a delivery id (a number)")))?;
    let now = OffsetDateTime::now_utc();
    state.store.resend(id, now).await?;
    Ok(Json(Resent {
        id,
        status: haidang_store::DeliveryStatus::Pending.as_str(),
        resent_at: rfc3339(now),
    }))
}

#[derive(Serialize)]
pub(crate) struct EndpointJson {
    destination: String,
    disabled_at: String,
    reason: String,
}

impl EndpointJson {
    fn new(e: &DisabledEndpoint) -> Self {
        Self {
            destination: e.destination.clone(),
            disabled_at: rfc3339(e.disabled_at),
            reason: without_urls(&e.reason),
        }
    }
}

#[derive(Serialize)]
pub(crate) struct DisabledEndpoints {
    endpoints: Vec<EndpointJson>,
}

/// `GET /api/v1/endpoints/disabled`: destinations that answered 410 Gone.
pub(crate) async fn disabled_endpoints(
    State(state): State<AppState>,
) -> Result<Json<DisabledEndpoints>, ApiError> {
    let endpoints = state.store.disabled_endpoints().await?;
    Ok(Json(DisabledEndpoints {
        endpoints: endpoints.iter().map(EndpointJson::new).collect(),
    }))
}

#[derive(Serialize)]
pub(crate) struct Enabled {
    destination: String,
    enabled: bool,
}

/// `POST /api/v1/endpoints/{destination}/enable`: a disabled destination takes deliveries
/// again (its dead letters stay dead until resent).
pub(crate) async fn enable_endpoint(
    State(state): State<AppState>,
    destination: Result<Path<String>, PathRejection>,
) -> Result<Json<Enabled>, ApiError> {
    let Path(destination) = destination.map_err(ApiError::from_path)?;
    if !state.store.enable_endpoint(&destination).await? {
        return Err(ApiError::NotFound(format!(
            "{destination:.128} is not a disabled endpoint"
        )));
    }
    Ok(Json(Enabled {
        destination,
        enabled: true,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_cut_out_of_errors() {
        let check = |text: &str, expected: &str| assert_eq!(without_urls(text), expected);
        check("HTTP 500", "HTTP 500");
        check(
            "request failed: error sending request for url (https://x.example/hook?t=secret)",
            "request failed: error sending request for url (<url>)",
        );
        check("HTTP://A/b and http://c/d end", "<url> and <url> end");
        check("", "");
    }

    #[test]
    fn operator_names_and_notes_are_checked() {
        let action = |by: &str, note: Option<&str>| Action {
            by: Some(by.to_owned()),
            note: note.map(str::to_owned),
        };
        assert_eq!(
            action("  Lan ", Some(" called the boat "))
                .checked()
                .unwrap(),
            ("Lan", Some("called the boat"))
        );
        assert_eq!(action("Lan", Some("  ")).checked().unwrap(), ("Lan", None));
        assert_eq!(
            action("Nguyễn Văn A", Some("line 1\nline 2"))
                .checked()
                .unwrap()
                .0,
            "Nguyễn Văn A"
        );
        for bad in [
            action("", None),
            action("   ", None),
            action(&"x".repeat(129), None),
            action("a\u{7}b", None),
            action("Rules", None),
            action("Lan", Some(&"x".repeat(2001))),
            action("Lan", Some("a\u{0}b")),
        ] {
            assert!(
                matches!(bad.checked(), Err(ApiError::Unprocessable(_))),
                "{:?} {:?}",
                bad.by,
                bad.note
            );
        }
        // 128 characters, not bytes.
        assert!(action(&"ệ".repeat(128), None).checked().is_ok());
    }

    #[test]
    fn details_are_always_an_object() {
        assert_eq!(
            details_object(r#"{"distance_m": 5}"#),
            serde_json::json!({"distance_m": 5})
        );
        assert_eq!(details_object("[1]"), serde_json::json!({"value": [1]}));
        assert_eq!(details_object("nonsense"), serde_json::json!({}));
    }
}
