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

/// A time as [`rfc3339`] writes it, serialised without allocating: the vessel list writes
/// 60,000 of them per request.
#[derive(Clone, Copy, Debug)]
pub(crate) struct UtcTime(pub(crate) OffsetDateTime);

impl UtcTime {
    /// The text, on the stack; `None` for a year outside 0000-9999.
    fn text(self) -> Option<([u8; 27], usize)> {
        let t = self.0.checked_to_offset(time::UtcOffset::UTC)?;
        let year = u32::try_from(t.year()).ok().filter(|y| *y <= 9999)?;
        let mut b = [0_u8; 27];
        let two = |b: &mut [u8], at: usize, v: u32| {
            b[at] = b'0' + (v / 10) as u8;
            b[at + 1] = b'0' + (v % 10) as u8;
        };
        two(&mut b, 0, year / 100);
        two(&mut b, 2, year % 100);
        b[4] = b'-';
        two(&mut b, 5, u32::from(u8::from(t.month())));
        b[7] = b'-';
        two(&mut b, 8, u32::from(t.day()));
        b[10] = b'T';
        two(&mut b, 11, u32::from(t.hour()));
        b[13] = b':';
        two(&mut b, 14, u32::from(t.minute()));
        b[16] = b':';
        two(&mut b, 17, u32::from(t.second()));
        let mut len = 19;
        let mut micros = t.nanosecond() / 1000;
        if micros != 0 {
            b[19] = b'.';
            let mut digits = 6;
            while micros % 10 == 0 {
                micros /= 10;
                digits -= 1;
            }
            for i in (0..digits).rev() {
                b[20 + i] = b'0' + (micros % 10) as u8;
                micros /= 10;
            }
            len = 20 + digits;
        }
        b[len] = b'Z';
        Some((b, len + 1))
    }
}

impl Serialize for UtcTime {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.text() {
            // Only ASCII digits and separators were written.
            Some((bytes, len)) => {
                serializer.serialize_str(std::str::from_utf8(&bytes[..len]).unwrap_or_default())
            }
            None => serializer.serialize_str(&rfc3339(self.0)),
        }
    }
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

    #[test]
    fn utc_time_writes_what_rfc3339_writes() {
        let json = |t: OffsetDateTime| serde_json::to_string(&UtcTime(t)).unwrap();
        // Whole seconds, trailing zeros of the fraction, offsets, leap days, the ends of
        // the range the fast path covers, and beyond it.
        let mut nanos: Vec<i128> = vec![
            0,
            1_700_000_000_000_000_000,
            1_700_000_000_100_000_000,
            1_700_000_000_000_001_000,
            1_700_000_000_123_456_789,
            1_709_164_800_999_999_999,
            -62_167_219_200_000_000_000,
            253_402_300_799_999_999_000,
            -62_167_219_200_000_001_000,
        ];
        // And a spread of instants over the centuries.
        let mut x: i128 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..2000 {
            x = (x * 6_364_136_223_846_793_005 + 1_442_695_040_888_963_407) % (1 << 62);
            nanos.push(x % 253_402_300_799_000_000_000 - 62_000_000_000_000_000_000 / 2);
        }
        for n in nanos {
            let t = OffsetDateTime::from_unix_timestamp_nanos(n).unwrap();
            assert_eq!(json(t), format!("\"{}\"", rfc3339(t)), "{n}");
            if let Some(east) = t.checked_to_offset(time::UtcOffset::from_hms(7, 0, 0).unwrap()) {
                assert_eq!(json(east), json(t), "{n}");
            }
        }
    }
}
