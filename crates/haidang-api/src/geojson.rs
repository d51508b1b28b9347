//! GeoJSON (RFC 7946) and time formatting shared by the routes: coordinates rounded to
//! 7 decimals (about 1 cm), RFC 3339 UTC times (out and in), tracks cut at the
//! antimeridian.

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Said by every collection of positions.
pub(crate) const NOTICE: &str = "Positions are as the vessels reported them, unverified. \
     Zone boundaries are approximate, not legal lines.";

/// A GeoJSON geometry of the kinds the API emits.
#[derive(Serialize)]
#[serde(tag = "type", content = "coordinates")]
pub(crate) enum Geometry {
    Point([f64; 2]),
    LineString(Vec<[f64; 2]>),
    MultiLineString(Vec<Vec<[f64; 2]>>),
}

/// `[lon, lat]` rounded to 7 decimals.
pub(crate) fn coord(lon: f64, lat: f64) -> [f64; 2] {
    [round(lon, 1e7), round(lat, 1e7)]
}

/// `x` rounded to `1 / scale`.
pub(crate) fn round(x: f64, scale: f64) -> f64 {
    (x * scale).round() / scale
}

/// `t` as RFC 3339 in UTC (`Z`), cut to the microsecond the store keeps (so that an alert
/// on the live stream reads as it will from the store).
pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    let micros = t.nanosecond() / 1000 * 1000;
    t.to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(micros)
        .unwrap_or(t)
        .format(&Rfc3339)
        // Only years beyond 9999 fail, and the store keeps none.
        .unwrap_or_default()
}

/// `s`, the query parameter `name`, as an RFC 3339 time; a 400 saying so otherwise.
pub(crate) fn parse_time(name: &str, s: &str) -> Result<OffsetDateTime, crate::ApiError> {
    OffsetDateTime::parse(s, &Rfc3339).map_err(|e| {
        crate::ApiError::BadRequest(format!(
            "{name} {s:?} is not an RFC 3339 time such as 2026-11-23T08:00:00Z: {e}"
        ))
    })
}

/// A track's geometry: one `[lon, lat]` per fix, in order. Two or more points make a
/// LineString, cut into a MultiLineString where it crosses the antimeridian (RFC 7946
/// §3.1.9: the crossing point is interpolated and repeated at +180 and -180). A single
/// point is a Point; no point, no geometry.
pub(crate) fn track_geometry(points: &[[f64; 2]]) -> Option<Geometry> {
    match points {
        [] => None,
        [one] => Some(Geometry::Point(*one)),
        _ => {
            let mut parts = vec![vec![points[0]]];
            for pair in points.windows(2) {
                let ([lon0, lat0], [lon1, lat1]) = (pair[0], pair[1]);
                if (lon1 - lon0).abs() > 180.0 {
                    // The short way round crosses the antimeridian: unwrap the far point by
                    // 360 degrees, find where the segment meets ±180 and cut there.
                    let edge = if lon0 > 0.0 { 180.0 } else { -180.0 };
                    let lon1_unwrapped = if lon0 > 0.0 {
                        lon1 + 360.0
                    } else {
                        lon1 - 360.0
                    };
                    let f = (edge - lon0) / (lon1_unwrapped - lon0);
                    let lat = round(lat0 + f * (lat1 - lat0), 1e7);
                    if let Some(part) = parts.last_mut() {
                        part.push([edge, lat]);
                    }
                    parts.push(vec![[-edge, lat]]);
                }
                if let Some(part) = parts.last_mut() {
                    part.push([lon1, lat1]);
                }
            }
            Some(if parts.len() == 1 {
                Geometry::LineString(parts.swap_remove(0))
            } else {
                Geometry::MultiLineString(parts)
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(points: &[[f64; 2]], expected: serde_json::Value) {
        let got = serde_json::to_value(track_geometry(points)).unwrap();
        assert_eq!(got, expected);
    }

    #[test]
    fn tracks_become_points_lines_and_cut_lines() {
        check(&[], serde_json::Value::Null);
        check(
            &[[106.5, 10.25]],
            serde_json::json!({"type": "Point", "coordinates": [106.5, 10.25]}),
        );
        check(
            &[[106.5, 10.0], [107.0, 11.0]],
            serde_json::json!({"type": "LineString", "coordinates": [[106.5, 10.0], [107.0, 11.0]]}),
        );
        // Eastwards across the antimeridian, half way between 179 and -179.
        check(
            &[[179.0, 10.0], [-179.0, 12.0], [-178.0, 12.0]],
            serde_json::json!({"type": "MultiLineString", "coordinates": [
                [[179.0, 10.0], [180.0, 11.0]],
                [[-180.0, 11.0], [-179.0, 12.0], [-178.0, 12.0]],
            ]}),
        );
        // Westwards.
        check(
            &[[-179.5, 0.0], [179.5, 1.0]],
            serde_json::json!({"type": "MultiLineString", "coordinates": [
                [[-179.5, 0.0], [-180.0, 0.5]],
                [[180.0, 0.5], [179.5, 1.0]],
            ]}),
        );
    }

    #[test]
    fn times_are_rfc3339_utc_and_coordinates_7_decimals() {
        let t = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_000).unwrap();
        assert_eq!(rfc3339(t), "2023-11-14T22:13:20.123456Z");
        let t = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_789).unwrap();
        assert_eq!(rfc3339(t), "2023-11-14T22:13:20.123456Z");
        let t = t.to_offset(time::UtcOffset::from_hms(7, 0, 0).unwrap());
        assert_eq!(rfc3339(t), "2023-11-14T22:13:20.123456Z");
        assert_eq!(coord(106.123_456_789, -8.000_000_04), [106.123_456_8, -8.0]);
    }
}
