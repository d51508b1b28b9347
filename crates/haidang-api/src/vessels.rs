//! `GET /api/v1/vessels` (latest positions with each vessel's status), `GET
//! /api/v1/vessels/{vessel}` (one vessel: identity, last fix, zone, open alerts) and `GET
//! /api/v1/vessels/{vessel}/track`.

use std::collections::HashSet;
use std::time::Duration;

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use haidang_geofence::{Boundaries, ZoneIndex};
use haidang_store::{
    AlertFilter, AlertStatus, BBox, MAX_ALERTS_PER_PAGE, Store, StoredAlert, VesselId,
};
use haidang_types::{AlertKind, Meters, MmsiKind};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::alerts::{AlertJson, parse_vessel};
use crate::fleet::{Fleet, Listed};
use crate::geojson::{
    Geometry, NOTICE, UtcTime, coord, parse_time, rfc3339, round, track_geometry,
};
use crate::status::{Classified, Classifier, Status, ZoneJson};
use crate::{ApiError, AppState};

/// The longest time range one track request may cover (31 days): a longer one is a 400,
/// so that one request cannot pull years of evidence into memory.
pub const MAX_TRACK_SPAN: Duration = Duration::from_secs(31 * 24 * 3600);

/// The range a track request covers when it gives no `from`.
const DEFAULT_TRACK_SPAN: time::Duration = time::Duration::hours(24);

/// How far past now a default range reaches: the future tolerance of ingest.
const FUTURE_SLACK: time::Duration = time::Duration::minutes(5);

/// The longest `q`, in characters.
const MAX_QUERY_CHARS: usize = 64;

/// How far the vessel detail looks for the nearest foreign or undelimited boundary: 200 nm.
const NEAREST_BOUNDARY_REACH: Meters = Meters(200.0 * 1852.0);

/// At most this many unresolved alerts are read per status for the map (10 pages); a
/// vessel in distress beyond them still shows as distress if its MMSI says so.
const MAX_UNRESOLVED_PAGES: usize = 10;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VesselsQuery {
    bbox: Option<String>,
    status: Option<String>,
    q: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct FeatureCollection<F> {
    r#type: &'static str,
    notice: &'static str,
    features: Vec<F>,
}

/// A vessel in the list, borrowing from the fleet's entries: 30,000 of these are written
/// per request, with no allocation each.
#[derive(Serialize)]
pub(crate) struct VesselFeature<'a> {
    r#type: &'static str,
    id: &'a str,
    geometry: Geometry,
    properties: VesselProperties<'a>,
}

#[derive(Serialize)]
pub(crate) struct VesselProperties<'a> {
    vessel: &'a str,
    name: Option<&'a str>,
    status: &'static str,
    zone_id: Option<&'a str>,
    zone_class: Option<&'static str>,
    country: Option<&'a str>,
    age_s: i64,
    fix_time: UtcTime,
    received_at: UtcTime,
    source: &'a str,
    sog_knots: Option<f64>,
    cog_degrees: Option<f64>,
    heading_degrees: Option<u16>,
    nav_status: Option<u8>,
}

/// The latest position of each vessel (optionally within `bbox`, of one `status`, or
/// matching `q`), as Point features in vessel-key order, each with its status and zone.
/// The positions come from memory ([`Fleet`]: current with every committed fix, names
/// up to a minute old), the unresolved distress alerts from one query; then a pass
/// through the zone index.
pub(crate) async fn latest(
    State(state): State<AppState>,
    Extension(fleet): Extension<Fleet>,
    query: Result<Query<VesselsQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(ApiError::from_query)?;
    let bbox = query.bbox.as_deref().map(parse_bbox).transpose()?;
    let status = query.status.as_deref().map(parse_status).transpose()?;
    let q = query.q.as_deref().map(parse_q).transpose()?;
    let (listed, distress) = tokio::try_join!(
        fleet.latest(&state.store, &state.ingest, &state.shutdown, bbox),
        async { Ok(in_distress(&state.store).await?) },
    )?;
    let mut classifier =
        Classifier::new(state.zones.as_deref(), &distress, OffsetDateTime::now_utc());
    let features: Vec<VesselFeature<'_>> = listed
        .iter()
        .filter_map(|l| {
            if let Some(q) = &q
                && !matches_query(l, q)
            {
                return None;
            }
            let p = &l.labelled.position;
            let classified = classifier.classify(&p.vessel, Some((p.position, p.fix_time)));
            if status.is_some_and(|s| s != classified.status) {
                return None;
            }
            Some(vessel_feature(l, classified, classifier.zones()))
        })
        .collect();
    // Sized from the last answer, so that 13 MB are not copied as the buffer grows.
    let mut body = Vec::with_capacity(fleet.last_body_bytes() + fleet.last_body_bytes() / 8);
    serde_json::to_writer(
        &mut body,
        &FeatureCollection {
            r#type: "FeatureCollection",
            notice: NOTICE,
            features,
        },
    )
    .map_err(|e| ApiError::Internal(format!("writing the vessel list: {e}")))?;
    if bbox.is_none() && status.is_none() && q.is_none() {
        fleet.set_last_body_bytes(body.len());
    }
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response())
}

fn parse_status(s: &str) -> Result<Status, ApiError> {
    Status::parse(s).ok_or_else(|| {
        let names: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
        ApiError::BadRequest(format!("status {s:?} is not one of {}", names.join(", ")))
    })
}

/// `q`, trimmed and lowercased: 1 to 64 characters.
fn parse_q(s: &str) -> Result<String, ApiError> {
    let q = s.trim();
    let chars = q.chars().count();
    if chars == 0 || chars > MAX_QUERY_CHARS {
        return Err(ApiError::BadRequest(format!(
            "q must be 1 to {MAX_QUERY_CHARS} characters of a name, MMSI or registration"
        )));
    }
    Ok(q.to_lowercase())
}

/// Whether `q` (lowercase) is part of the vessel's key (so its MMSI digits or VMS
/// registration), name, call sign or registration, ignoring case.
fn matches_query(l: &Listed, q: &str) -> bool {
    let contains = |text: &str| text.to_lowercase().contains(q);
    let labels = &l.labelled;
    contains(&l.key)
        || [&labels.name, &labels.call_sign, &labels.registration]
            .into_iter()
            .flatten()
            .any(|t| contains(t))
}

/// The vessels with an unresolved (open or acknowledged) distress alert.
async fn in_distress(store: &Store) -> Result<HashSet<VesselId>, haidang_store::StoreError> {
    let alerts = unresolved(store, Some(AlertKind::Distress), None).await?;
    Ok(alerts.into_iter().filter_map(|a| a.vessel).collect())
}

/// The unresolved alerts (of one kind, of one vessel), newest first within each status:
/// open ones, then acknowledged ones.
async fn unresolved(
    store: &Store,
    kind: Option<AlertKind>,
    vessel: Option<&VesselId>,
) -> Result<Vec<StoredAlert>, haidang_store::StoreError> {
    let mut alerts = Vec::new();
    for status in [AlertStatus::Open, AlertStatus::Acknowledged] {
        let mut filter = AlertFilter {
            status: Some(status),
            kind: kind.map(|k| k.as_str().to_owned()),
            vessel: vessel.cloned(),
            limit: MAX_ALERTS_PER_PAGE,
            ..AlertFilter::default()
        };
        for _ in 0..MAX_UNRESOLVED_PAGES {
            let page = store.list_alerts(&filter).await?;
            alerts.extend(page.alerts);
            match page.next {
                Some(next) => filter.cursor = Some(next),
                None => break,
            }
        }
    }
    Ok(alerts)
}

fn vessel_feature<'a>(
    l: &'a Listed,
    classified: Classified,
    zones: Option<&'a ZoneIndex>,
) -> VesselFeature<'a> {
    let p = &l.labelled.position;
    let zone = classified.zone.zip(zones).map(|(z, zones)| zones.zone(z));
    VesselFeature {
        r#type: "Feature",
        geometry: Geometry::Point(coord(p.position.lon(), p.position.lat())),
        properties: VesselProperties {
            vessel: &l.key,
            name: l.labelled.name.as_deref(),
            status: classified.status.as_str(),
            zone_id: zone.map(|z| z.id()),
            zone_class: zone.map(|z| z.class().as_str()),
            country: zone.and_then(|z| z.country()),
            age_s: classified.age_s,
            fix_time: UtcTime(p.fix_time),
            received_at: UtcTime(p.received_at),
            source: &p.source,
            sog_knots: p.sog.map(|k| round(k.0, 100.0)),
            cog_degrees: p.cog.map(|d| round(d.0, 100.0)),
            heading_degrees: p.heading,
            nav_status: p.nav_status,
        },
        id: &l.key,
    }
}

/// `GET /api/v1/vessels/{vessel}`.
#[derive(Serialize)]
pub(crate) struct VesselDetail {
    vessel: String,
    identity: Identity,
    status: &'static str,
    /// Seconds since the last fix; null without one.
    age_s: Option<i64>,
    last_fix: Option<LastFix>,
    /// The most dangerous zone the last fix is in.
    zone: Option<ZoneJson>,
    /// Every zone the last fix is in.
    zones: Vec<ZoneJson>,
    /// The nearest foreign or undelimited boundary within 200 nm of the last fix.
    nearest_boundary: Option<NearestBoundary>,
    /// Unresolved (open or acknowledged) alerts about the vessel, open ones first.
    open_alerts: Vec<AlertJson>,
    notice: &'static str,
}

#[derive(Serialize)]
pub(crate) struct Identity {
    name: Option<String>,
    call_sign: Option<String>,
    mmsi: Option<u32>,
    /// What the MMSI's digits say the station is (ITU-R M.585).
    mmsi_kind: Option<&'static str>,
    registration: Option<String>,
    imo: Option<u32>,
    ship_type: Option<u8>,
    length_meters: Option<f64>,
    beam_meters: Option<f64>,
    draught_meters: Option<f64>,
    destination: Option<String>,
    province: Option<String>,
    vms_provider: Option<String>,
    static_updated_at: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct LastFix {
    lon: f64,
    lat: f64,
    fix_time: String,
    received_at: String,
    source: String,
    sog_knots: Option<f64>,
    cog_degrees: Option<f64>,
    heading_degrees: Option<u16>,
    nav_status: Option<u8>,
}

#[derive(Serialize)]
pub(crate) struct NearestBoundary {
    zone_id: String,
    zone_class: &'static str,
    country: Option<String>,
    distance_meters: f64,
}

fn mmsi_kind(kind: MmsiKind) -> &'static str {
    match kind {
        MmsiKind::Ship => "ship",
        MmsiKind::CoastStation => "coast_station",
        MmsiKind::ShipGroup => "ship_group",
        MmsiKind::SarAircraft => "sar_aircraft",
        MmsiKind::AidToNavigation => "aid_to_navigation",
        MmsiKind::AuxiliaryCraft => "auxiliary_craft",
        MmsiKind::Sart => "sart",
        MmsiKind::ManOverboard => "man_overboard",
        MmsiKind::Epirb => "epirb",
        MmsiKind::Invalid => "invalid",
    }
}

/// One vessel: who it is, where it was last, which zone that is, how far the nearest
/// alerting boundary is, and its unresolved alerts.
pub(crate) async fn detail(
    State(state): State<AppState>,
    vessel: Result<Path<String>, PathRejection>,
) -> Result<Json<VesselDetail>, ApiError> {
    let Path(key) = vessel.map_err(ApiError::from_path)?;
    let vessel = parse_vessel(&key)?;
    let (identity, last, alerts) = tokio::try_join!(
        state.store.vessel(&vessel),
        state.store.latest_position(&vessel),
        unresolved(&state.store, None, Some(&vessel)),
    )?;
    let Some(identity) = identity else {
        return Err(ApiError::NotFound(format!("no vessel {key} is known")));
    };
    let distress: HashSet<VesselId> = alerts
        .iter()
        .filter(|a| a.kind == AlertKind::Distress.as_str())
        .filter_map(|a| a.vessel.clone())
        .collect();
    let zones = state.zones.as_deref();
    let mut classifier = Classifier::new(zones, &distress, OffsetDateTime::now_utc());
    let classified = classifier.classify(&vessel, last.as_ref().map(|p| (p.position, p.fix_time)));
    let (inside, nearest_boundary) = match (zones, &last) {
        (Some(zones), Some(p)) => {
            let inside = zones.containing(p.position);
            let mut near = Vec::new();
            zones.nearest_boundaries(
                &geo::Haversine,
                p.position,
                NEAREST_BOUNDARY_REACH,
                Boundaries::Alerting,
                &mut near,
            );
            let nearest = near.first().map(|n| {
                let zone = zones.zone(n.zone);
                NearestBoundary {
                    zone_id: zone.id().to_owned(),
                    zone_class: zone.class().as_str(),
                    country: zone.country().map(str::to_owned),
                    distance_meters: round(n.distance.0, 1.0),
                }
            });
            (
                inside
                    .iter()
                    .map(|&z| ZoneJson::new(zones.zone(z)))
                    .collect(),
                nearest,
            )
        }
        _ => (Vec::new(), None),
    };
    let mmsi = match &vessel {
        VesselId::Mmsi(m) => Some(*m),
        VesselId::Registration(_) => None,
    };
    let registration = identity.registration.clone().or_else(|| match &vessel {
        VesselId::Registration(r) => Some(r.clone()),
        VesselId::Mmsi(_) => None,
    });
    Ok(Json(VesselDetail {
        vessel: key,
        identity: Identity {
            name: identity.name,
            call_sign: identity.call_sign,
            mmsi: mmsi.map(|m| m.get()),
            mmsi_kind: mmsi.map(|m| mmsi_kind(m.kind())),
            registration,
            imo: identity.imo,
            ship_type: identity.ship_type,
            length_meters: identity.length_meters,
            beam_meters: identity.beam_meters,
            draught_meters: identity.draught_meters,
            destination: identity.destination,
            province: identity.province,
            vms_provider: identity.vms_provider,
            static_updated_at: identity.updated_at.map(rfc3339),
        },
        status: classified.status.as_str(),
        age_s: last.as_ref().map(|_| classified.age_s),
        zone: classified
            .zone
            .zip(zones)
            .map(|(z, zones)| ZoneJson::new(zones.zone(z))),
        zones: inside,
        nearest_boundary,
        last_fix: last.map(|p| LastFix {
            lon: coord(p.position.lon(), p.position.lat())[0],
            lat: coord(p.position.lon(), p.position.lat())[1],
            fix_time: rfc3339(p.fix_time),
            received_at: rfc3339(p.received_at),
            source: p.source,
            sog_knots: p.sog.map(|k| round(k.0, 100.0)),
            cog_degrees: p.cog.map(|d| round(d.0, 100.0)),
            heading_degrees: p.heading,
            nav_status: p.nav_status,
        }),
        open_alerts: alerts.iter().map(AlertJson::stored).collect(),
        notice: NOTICE,
    }))
}

/// `west,south,east,north` in degrees. `west > east` is a box across the antimeridian;
/// `south > north` is a mistake.
pub(crate) fn parse_bbox(text: &str) -> Result<BBox, ApiError> {
    let bad = |why: &str| {
        ApiError::BadRequest(format!(
            "bbox must be west,south,east,north in degrees (lon -180..180, lat -90..90): {why}"
        ))
    };
    let parts: Vec<&str> = text.split(',').collect();
    let [west, south, east, north] = parts[..] else {
        return Err(bad(&format!("got {} values, expected 4", parts.len())));
    };
    let number = |name: &str, s: &str| -> Result<f64, ApiError> {
        s.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| bad(&format!("{name} {s:?} is not a number")))
    };
    let (west, south, east, north) = (
        number("west", west)?,
        number("south", south)?,
        number("east", east)?,
        number("north", north)?,
    );
    for (name, v) in [("west", west), ("east", east)] {
        if !(-180.0..=180.0).contains(&v) {
            return Err(bad(&format!("{name} {v} is outside -180..180")));
        }
    }
    for (name, v) in [("south", south), ("north", north)] {
        if !(-90.0..=90.0).contains(&v) {
            return Err(bad(&format!("{name} {v} is outside -90..90")));
        }
    }
    if south > north {
        return Err(bad(&format!("south {south} is north of north {north}")));
    }
    Ok(BBox {
        west,
        south,
        east,
        north,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TrackQuery {
    from: Option<String>,
    to: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct TrackCollection {
    r#type: &'static str,
    notice: &'static str,
    vessel: String,
    from: String,
    to: String,
    features: Vec<TrackFeature>,
}

#[derive(Serialize)]
pub(crate) struct TrackFeature {
    r#type: &'static str,
    id: String,
    geometry: Geometry,
    properties: TrackProperties,
}

/// One entry per fix, in the geometry's order (before any antimeridian cut).
#[derive(Serialize)]
pub(crate) struct TrackProperties {
    vessel: String,
    fixes: usize,
    fix_times: Vec<String>,
    received_at: Vec<String>,
    sog_knots: Vec<Option<f64>>,
    cog_degrees: Vec<Option<f64>>,
}

/// A vessel's positions with `from <= fix_time < to`, in fix-time order, as one feature:
/// a LineString (a MultiLineString when it crosses the antimeridian; a Point for a single
/// fix; no feature without fixes) whose properties hold each fix's times, speed and
/// course in the same order.
pub(crate) async fn track(
    State(state): State<AppState>,
    vessel: Result<Path<String>, PathRejection>,
    query: Result<Query<TrackQuery>, QueryRejection>,
) -> Result<Json<TrackCollection>, ApiError> {
    let Path(key) = vessel.map_err(ApiError::from_path)?;
    let Query(query) = query.map_err(ApiError::from_query)?;
    let vessel = parse_vessel(&key)?;
    let (from, to) = time_range(query.from.as_deref(), query.to.as_deref())?;
    if state.store.vessel(&vessel).await?.is_none() {
        return Err(ApiError::NotFound(format!("no vessel {key} is known")));
    }
    let positions = state.store.track(&vessel, from, to).await?;

    let points: Vec<[f64; 2]> = positions
        .iter()
        .map(|p| coord(p.position.lon(), p.position.lat()))
        .collect();
    let properties = TrackProperties {
        vessel: key.clone(),
        fixes: positions.len(),
        fix_times: positions.iter().map(|p| rfc3339(p.fix_time)).collect(),
        received_at: positions.iter().map(|p| rfc3339(p.received_at)).collect(),
        sog_knots: positions
            .iter()
            .map(|p| p.sog.map(|k| round(k.0, 100.0)))
            .collect(),
        cog_degrees: positions
            .iter()
            .map(|p| p.cog.map(|d| round(d.0, 100.0)))
            .collect(),
    };
    let features = track_geometry(&points)
        .map(|geometry| TrackFeature {
            r#type: "Feature",
            id: key.clone(),
            geometry,
            properties,
        })
        .into_iter()
        .collect();
    Ok(Json(TrackCollection {
        r#type: "FeatureCollection",
        notice: NOTICE,
        vessel: key,
        from: rfc3339(from),
        to: rfc3339(to),
        features,
    }))
}

/// The `[from, to)` of a track request: `to` defaults to now, `from` to 24 h before `to`.
fn time_range(
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(OffsetDateTime, OffsetDateTime), ApiError> {
    let parse = parse_time;
    // Without `to`, the range ends a little after now: ingest accepts fixes stamped up to
    // five minutes after they were received (clock skew), and the newest fix belongs in
    // "the last 24 hours".
    let (to, to_given) = match to {
        Some(s) => (parse("to", s)?, true),
        None => (OffsetDateTime::now_utc() + FUTURE_SLACK, false),
    };
    let from = match from {
        Some(s) => parse("from", s)?,
        None if to_given => to - DEFAULT_TRACK_SPAN,
        None => to - FUTURE_SLACK - DEFAULT_TRACK_SPAN,
    };
    if from >= to {
        return Err(ApiError::BadRequest(format!(
            "from ({}) must be before to ({})",
            rfc3339(from),
            rfc3339(to)
        )));
    }
    if to - from > MAX_TRACK_SPAN {
        return Err(ApiError::BadRequest(format!(
            "the range is longer than {} days; ask for several shorter ranges",
            MAX_TRACK_SPAN.as_secs() / 86_400
        )));
    }
    Ok((from, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: Result<[f64; 4], &str>) {
        match (parse_bbox(text), expected) {
            (Ok(b), Ok(e)) => assert_eq!([b.west, b.south, b.east, b.north], e, "{text}"),
            (Err(ApiError::BadRequest(detail)), Err(fragment)) => {
                assert!(detail.contains(fragment), "{text}: {detail}");
            }
            (got, want) => panic!("{text}: got {got:?}, expected {want:?}"),
        }
    }

    #[test]
    fn bbox_is_four_numbers_in_range() {
        check("102,8,110,23.5", Ok([102.0, 8.0, 110.0, 23.5]));
        check(" 170 , -10, -170, 10", Ok([170.0, -10.0, -170.0, 10.0]));
        check("-180,-90,180,90", Ok([-180.0, -90.0, 180.0, 90.0]));
        check("102,8,110", Err("got 3 values"));
        check("102,8,110,23,1", Err("got 5 values"));
        check("", Err("got 1 values"));
        check("a,8,110,23", Err("west \"a\" is not a number"));
        check("102,NaN,110,23", Err("south \"NaN\" is not a number"));
        check("102,8,inf,23", Err("east \"inf\" is not a number"));
        check("-181,8,110,23", Err("west -181 is outside"));
        check("102,8,110,91", Err("north 91 is outside"));
        check("102,23,110,8", Err("south 23 is north of north 8"));
    }

    #[test]
    fn track_range_defaults_to_the_last_day_and_is_bounded() {
        let before = OffsetDateTime::now_utc();
        let (from, to) = time_range(None, None).unwrap();
        assert!(
            to >= before + time::Duration::minutes(5)
                && to - from == time::Duration::minutes(24 * 60 + 5)
        );
        let (from, to) = time_range(None, Some("2026-11-23T08:00:00Z")).unwrap();
        assert_eq!(rfc3339(from), "2026-11-22T08:00:00Z");
        assert_eq!(rfc3339(to), "2026-11-23T08:00:00Z");
        let (from, to) = time_range(
            Some("2026-11-23T08:00:00+07:00"),
            Some("2026-11-23T02:00:00Z"),
        )
        .unwrap();
        assert_eq!(to - from, time::Duration::hours(1));
        for (from, to) in [
            (Some("yesterday"), None),
            (None, Some("2026-11-23")),
            (Some("2026-11-23T08:00:00Z"), Some("2026-11-23T08:00:00Z")),
            (Some("2026-01-01T00:00:00Z"), Some("2026-03-01T00:00:00Z")),
        ] {
            assert!(
                matches!(time_range(from, to), Err(ApiError::BadRequest(_))),
                "{from:?} {to:?}"
            );
        }
    }
}
