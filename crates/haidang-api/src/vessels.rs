//! `GET /api/v1/vessels` (latest positions) and `GET /api/v1/vessels/{vessel}/track`.

use std::time::Duration;

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use haidang_store::{BBox, StoredPosition, VesselId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::geojson::{Geometry, NOTICE, coord, rfc3339, round, track_geometry};
use crate::{ApiError, AppState};

/// The longest time range one track request may cover (31 days): a longer one is a 400,
/// so that one request cannot pull years of evidence into memory.
pub const MAX_TRACK_SPAN: Duration = Duration::from_secs(31 * 24 * 3600);

/// The range a track request covers when it gives no `from`.
const DEFAULT_TRACK_SPAN: time::Duration = time::Duration::hours(24);

/// How far past now a default range reaches: the future tolerance of ingest.
const FUTURE_SLACK: time::Duration = time::Duration::minutes(5);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VesselsQuery {
    bbox: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct FeatureCollection<F> {
    r#type: &'static str,
    notice: &'static str,
    features: Vec<F>,
}

#[derive(Serialize)]
pub(crate) struct VesselFeature {
    r#type: &'static str,
    id: String,
    geometry: Geometry,
    properties: VesselProperties,
}

#[derive(Serialize)]
pub(crate) struct VesselProperties {
    vessel: String,
    fix_time: String,
    received_at: String,
    source: String,
    sog_knots: Option<f64>,
    cog_degrees: Option<f64>,
    heading_degrees: Option<u16>,
    nav_status: Option<u8>,
}

/// The latest position of each vessel (optionally within `bbox`), as Point features in
/// vessel-key order.
pub(crate) async fn latest(
    State(state): State<AppState>,
    query: Result<Query<VesselsQuery>, QueryRejection>,
) -> Result<Json<FeatureCollection<VesselFeature>>, ApiError> {
    let Query(query) = query.map_err(ApiError::from_query)?;
    let bbox = query.bbox.as_deref().map(parse_bbox).transpose()?;
    let positions = state.store.latest_positions(bbox).await?;
    let features = positions.into_iter().map(vessel_feature).collect();
    Ok(Json(FeatureCollection {
        r#type: "FeatureCollection",
        notice: NOTICE,
        features,
    }))
}

fn vessel_feature(p: StoredPosition) -> VesselFeature {
    let key = p.vessel.key();
    VesselFeature {
        r#type: "Feature",
        geometry: Geometry::Point(coord(p.position.lon(), p.position.lat())),
        properties: VesselProperties {
            vessel: key.clone(),
            fix_time: rfc3339(p.fix_time),
            received_at: rfc3339(p.received_at),
            source: p.source,
            sog_knots: p.sog.map(|k| round(k.0, 100.0)),
            cog_degrees: p.cog.map(|d| round(d.0, 100.0)),
            heading_degrees: p.heading,
            nav_status: p.nav_status,
        },
        id: key,
    }
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
    let vessel = VesselId::from_key(&key).ok_or_else(|| {
        ApiError::BadRequest(format!(
            "{key:?} is not a vessel key: expected mmsi: and nine digits, or reg: and a registration number"
        ))
    })?;
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
    let parse = |name: &str, s: &str| {
        OffsetDateTime::parse(s, &Rfc3339).map_err(|e| {
            ApiError::BadRequest(format!(
                "{name} {s:?} is not an RFC 3339 time such as 2026-11-23T08:00:00Z: {e}"
            ))
        })
    };
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
