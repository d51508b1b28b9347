//! `GET /api/v1/cases/{id}/evidence` and `GET /api/v1/cases/{id}/evidence.pdf`: a case's
//! evidence pack as GeoJSON or as PDF (both rendered by `haidang_report`): the vessel's
//! track from `before_h` hours before the detention (default 72) to `after_h` hours after
//! it (default 6), each fix with its times, source, zones, nearest foreign or undelimited
//! boundary, distances to the nearest boundary lines (treaty, median, 200 nm lines within
//! 200 nm) and raw NMEA, and the SHA-256 of the GeoJSON pack printed in it (the PDF carries
//! that GeoJSON as an attachment). The pack holds no crew data.

use axum::Extension;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use haidang_geofence::{Boundaries, LineSet, ZoneIndex};
use haidang_report::{
    BoundaryDistance, EvidenceCase, EvidenceFix, EvidencePack, LineDistance, MapLine, ZoneRef,
    evidence_geojson,
};
use haidang_types::Meters;
use serde::Deserialize;
use time::{Duration, OffsetDateTime};

use crate::auth::Principal;
use crate::{ApiError, AppState};

/// The longest window before the detention, in hours (30 days).
const MAX_BEFORE_HOURS: u32 = 720;
/// The longest window after it, in hours.
const MAX_AFTER_HOURS: u32 = 24;
/// How far each fix looks for the nearest foreign or undelimited boundary: 200 nm.
const BOUNDARY_REACH: Meters = Meters(200.0 * 1852.0);
/// The kinds of line a pack measures against: treaty, median and 200 nm lines (not
/// baselines, closing or connection lines).
const LINE_KINDS: [&str; 4] = ["treaty", "median", "unsettled_median", "vn_200nm"];
/// How many of the nearest such lines each fix lists.
const LINES_PER_FIX: usize = 5;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EvidenceQuery {
    before_h: Option<u32>,
    after_h: Option<u32>,
}

fn zone_ref(zones: &ZoneIndex, id: haidang_geofence::ZoneId) -> ZoneRef {
    let z = zones.zone(id);
    ZoneRef {
        id: z.id().to_owned(),
        class: z.class().as_str().to_owned(),
        country: z.country().map(str::to_owned),
    }
}

/// The mission's name in the shipped routing (`geodata/missions.toml`), if it is there.
fn mission_name(id: &str) -> Option<String> {
    static SHIPPED: std::sync::OnceLock<Option<haidang_notify::Router>> =
        std::sync::OnceLock::new();
    SHIPPED
        .get_or_init(|| haidang_notify::Router::shipped().ok())
        .as_ref()?
        .recipient(id)
        .map(|r| r.name.clone())
}

/// The nearest [`LINES_PER_FIX`] treaty, median and 200 nm lines within 200 nm of `p`,
/// nearest first; each one listed is added to `drawn`.
fn nearest_lines(
    lines: &LineSet,
    p: haidang_types::LatLon,
    near: &mut Vec<haidang_geofence::NearestLine>,
    drawn: &mut std::collections::BTreeSet<haidang_geofence::LineId>,
) -> Vec<LineDistance> {
    lines.nearest_lines(&geo::Haversine, p, BOUNDARY_REACH, near);
    near.iter()
        .filter(|n| LINE_KINDS.contains(&lines.line(n.line).kind()))
        .take(LINES_PER_FIX)
        .map(|n| {
            drawn.insert(n.line);
            let l = lines.line(n.line);
            LineDistance {
                id: l.id().to_owned(),
                kind: l.kind().to_owned(),
                name: l.name().to_owned(),
                meters: n.distance.0,
            }
        })
        .collect()
}

/// The pack as GeoJSON; see [`pack`] for the errors.
pub(crate) async fn evidence(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    id: Result<Path<String>, PathRejection>,
    query: Result<Query<EvidenceQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let (id, pack) = pack(&state, &principal, id, query).await?;
    let (bytes, hash) = evidence_geojson(&pack);
    Ok(attachment(
        bytes,
        "application/geo+json",
        &format!("case-{id}-evidence.geojson"),
        Some(&hash),
    ))
}

/// The pack as PDF; see [`pack`] for the errors. `X-Content-SHA256` is the SHA-256 of
/// the GeoJSON pack it prints and carries.
pub(crate) async fn evidence_pdf(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    id: Result<Path<String>, PathRejection>,
    query: Result<Query<EvidenceQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let (id, pack) = pack(&state, &principal, id, query).await?;
    let (bytes, hash) = tokio::task::spawn_blocking(move || haidang_report::evidence_pdf(&pack))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(attachment(
        bytes,
        "application/pdf",
        &format!("case-{id}-evidence.pdf"),
        Some(&hash),
    ))
}

/// A download: its type, its name, the SHA-256 it carries (if any), never cached.
pub(crate) fn attachment(
    bytes: Vec<u8>,
    content_type: &'static str,
    name: &str,
    hash: Option<&str>,
) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Some(Ok(v)) = hash.map(HeaderValue::from_str) {
        headers.insert("x-content-sha256", v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The case's pack; 404 for a case out of scope; 409 while the case has no vessel or no
/// detention time; 400 for a window beyond 720 h before or 24 h after.
async fn pack(
    state: &AppState,
    principal: &Principal,
    id: Result<Path<String>, PathRejection>,
    query: Result<Query<EvidenceQuery>, QueryRejection>,
) -> Result<(i64, EvidencePack), ApiError> {
    let Path(id) = id.map_err(ApiError::from_path)?;
    let id: i64 =
        id.parse().ok().filter(|id| *id > 0).ok_or_else(|| {
            ApiError::BadRequest(format!("case id {id:?} is not a positive integer"))
        })?;
    let Query(query) = query.map_err(ApiError::from_query)?;
    let before = query.before_h.unwrap_or(72);
    let after = query.after_h.unwrap_or(6);
    if before > MAX_BEFORE_HOURS || after > MAX_AFTER_HOURS {
        return Err(ApiError::BadRequest(format!(
            "before_h is at most {MAX_BEFORE_HOURS} and after_h at most {MAX_AFTER_HOURS}"
        )));
    }
    let detail = state
        .store
        .case(id, &principal.case_scope())
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no case {id}")))?;
    let case = detail.case;
    let (Some(vessel), Some(detained_at)) = (case.vessel.clone(), case.detained_at) else {
        return Err(ApiError::Conflict(
            "the case has no vessel or no detention time yet: record them first".into(),
        ));
    };
    let from = detained_at - Duration::hours(i64::from(before));
    let to = detained_at + Duration::hours(i64::from(after));
    let track = state.store.track(&vessel, from, to).await?;
    let vessel_name = state.store.vessel(&vessel).await?.and_then(|v| v.name);
    let zones = state.zones.clone();
    let lines = state.lines.clone();
    let (fixes, map_lines) = tokio::task::spawn_blocking(move || {
        let mut near = Vec::new();
        let mut near_lines = Vec::new();
        let mut drawn = std::collections::BTreeSet::new();
        let fixes = track
            .into_iter()
            .map(|p| {
                let line_distances = match lines.as_deref() {
                    Some(lines) => nearest_lines(lines, p.position, &mut near_lines, &mut drawn),
                    None => Vec::new(),
                };
                let (inside, nearest) = match zones.as_deref() {
                    Some(zones) => {
                        zones.nearest_boundaries(
                            &geo::Haversine,
                            p.position,
                            BOUNDARY_REACH,
                            Boundaries::Alerting,
                            &mut near,
                        );
                        let nearest = near.first().map(|n| BoundaryDistance {
                            zone: zone_ref(zones, n.zone),
                            meters: n.distance.0,
                        });
                        let inside = zones
                            .containing(p.position)
                            .into_iter()
                            .map(|z| zone_ref(zones, z))
                            .collect();
                        (inside, nearest)
                    }
                    None => (Vec::new(), None),
                };
                EvidenceFix {
                    fix_time: p.fix_time,
                    received_at: p.received_at,
                    source: p.source,
                    lon: p.position.lon(),
                    lat: p.position.lat(),
                    sog_knots: p.sog.map(|k| k.0),
                    cog_degrees: p.cog.map(|d| d.0),
                    nmea: p.raw,
                    zones: inside,
                    nearest_boundary: nearest,
                    lines: line_distances,
                }
            })
            .collect::<Vec<_>>();
        let map_lines = match lines.as_deref() {
            Some(lines) => drawn
                .into_iter()
                .map(|id| {
                    let l = lines.line(id);
                    MapLine {
                        id: l.id().to_owned(),
                        kind: l.kind().to_owned(),
                        name: l.name().to_owned(),
                        parts: l.parts().to_vec(),
                    }
                })
                .collect(),
            None => Vec::new(),
        };
        (fixes, map_lines)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    let pack = EvidencePack {
        case: EvidenceCase {
            id: case.id,
            vessel: vessel.key().to_owned(),
            vessel_name,
            mission_name: mission_name(&case.mission),
            mission: case.mission,
            detaining_country: case.detaining_country,
            detaining_authority: case.detaining_authority,
            detained_at,
            position: case.position,
            place: case.place,
        },
        from,
        to,
        generated_at: OffsetDateTime::now_utc(),
        zone_set: if state.zones.is_some() {
            "as served at /api/v1/zones".into()
        } else {
            "none loaded".into()
        },
        fixes,
        lines: map_lines,
    };
    Ok((id, pack))
}
