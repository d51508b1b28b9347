//! Reading a GeoJSON FeatureCollection into zones and polygon parts, split at the
//! antimeridian.

use haidang_types::ZoneClass;
use serde_json::Value;

use crate::LoadError;

/// A zone's attributes as read from its feature.
#[derive(Debug)]
pub(crate) struct RawZone {
    pub(crate) id: String,
    pub(crate) class: ZoneClass,
    pub(crate) country: Option<String>,
    pub(crate) name: String,
}

/// One polygon: an outer ring then its holes, each closed (first vertex == last vertex),
/// as (longitude, latitude) pairs within -180..=180.
pub(crate) type Rings = Vec<Vec<(f64, f64)>>;

/// One feature of a FeatureCollection, with the parts every set reads: its position (for
/// errors), properties, `id` and geometry.
pub(crate) struct Feature<'a> {
    index: usize,
    props: &'a serde_json::Map<String, Value>,
    pub(crate) id: String,
    pub(crate) geometry: &'a Value,
}

impl Feature<'_> {
    /// A string property.
    pub(crate) fn text(&self, key: &str) -> Option<String> {
        self.props
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_owned)
    }

    /// The error for this feature.
    pub(crate) fn bad(&self, reason: String) -> LoadError {
        LoadError::Feature {
            index: self.index,
            reason,
        }
    }
}

/// The features of a FeatureCollection, each with properties, an `id` (a string or a
/// number) unique in the collection, and a geometry.
pub(crate) fn features(value: &Value) -> Result<Vec<Feature<'_>>, LoadError> {
    if value.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(LoadError::NotFeatureCollection);
    }
    let Some(features) = value.get("features").and_then(Value::as_array) else {
        return Err(LoadError::NotFeatureCollection);
    };
    let mut out = Vec::with_capacity(features.len());
    let mut ids = std::collections::HashSet::new();
    for (index, feature) in features.iter().enumerate() {
        let bad = |reason: &str| LoadError::Feature {
            index,
            reason: reason.to_owned(),
        };
        let props = feature
            .get("properties")
            .and_then(Value::as_object)
            .ok_or_else(|| bad("no properties"))?;
        let id = match props.get("id") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err(bad("property `id` is missing or not a string")),
        };
        let geometry = feature.get("geometry").ok_or_else(|| bad("no geometry"))?;
        if !ids.insert(id.clone()) {
            return Err(LoadError::DuplicateId(id));
        }
        out.push(Feature {
            index,
            props,
            id,
            geometry,
        });
    }
    Ok(out)
}

/// Parses a FeatureCollection into zones and, for each zone, its polygon parts.
pub(crate) fn parse(value: &Value) -> Result<Vec<(RawZone, Vec<Rings>)>, LoadError> {
    let features = features(value)?;
    let mut out = Vec::with_capacity(features.len());
    for feature in features {
        let class_name = feature
            .text("class")
            .ok_or_else(|| feature.bad("property `class` is missing".into()))?;
        let class = ZoneClass::parse(&class_name)
            .ok_or_else(|| feature.bad(format!("unknown class {class_name:?}")))?;
        let polygons = polygons(feature.geometry).map_err(|e| feature.bad(e))?;
        let zone = RawZone {
            country: feature.text("country"),
            name: feature.text("name").unwrap_or_else(|| feature.id.clone()),
            class,
            id: feature.id,
        };
        let mut parts = Vec::new();
        for rings in polygons {
            parts.extend(split_at_antimeridian(rings));
        }
        out.push((zone, parts));
    }
    Ok(out)
}

fn polygons(geometry: &Value) -> Result<Vec<Rings>, String> {
    let kind = geometry.get("type").and_then(Value::as_str).unwrap_or("");
    let coords = geometry
        .get("coordinates")
        .ok_or("geometry has no coordinates")?;
    match kind {
        "Polygon" => Ok(vec![polygon(coords)?]),
        "MultiPolygon" => coords
            .as_array()
            .ok_or("coordinates are not an array")?
            .iter()
            .map(polygon)
            .collect(),
        other => Err(format!(
            "geometry must be a Polygon or MultiPolygon, not {other:?}"
        )),
    }
}

fn polygon(coords: &Value) -> Result<Rings, String> {
    let rings = coords
        .as_array()
        .ok_or("polygon coordinates are not an array")?;
    if rings.is_empty() {
        return Err("polygon without rings".into());
    }
    rings.iter().map(ring).collect()
}

fn ring(coords: &Value) -> Result<Vec<(f64, f64)>, String> {
    let positions = coords.as_array().ok_or("ring is not an array")?;
    let mut ring = Vec::with_capacity(positions.len() + 1);
    for position in positions {
        let pair = position
            .as_array()
            .filter(|a| a.len() >= 2)
            .ok_or("position is not [lon, lat]")?;
        let (Some(lon), Some(lat)) = (pair[0].as_f64(), pair[1].as_f64()) else {
            return Err("position is not [lon, lat]".into());
        };
        if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
            return Err(format!("position out of range: [{lon}, {lat}]"));
        }
        ring.push((lon, lat));
    }
    if ring.first() != ring.last() {
        ring.push(ring[0]);
    }
    if ring.len() < 4 {
        return Err("ring has fewer than three distinct positions".into());
    }
    Ok(ring)
}

/// Splits a polygon whose rings cross the antimeridian (an edge spanning more than 180
/// degrees of longitude) into the part east of it and the part west of it, as RFC 7946
/// section 3.1.9 asks. Each ring is unwrapped to continuous longitudes, clipped to each
/// side (Sutherland-Hodgman against a vertical line) and shifted back into -180..=180.
/// Clipping may leave zero-width spurs along the cut; they lie on longitude +-180, where
/// both parts are closed anyway, and edges on the antimeridian are never boundaries for
/// distances (see `index`).
fn split_at_antimeridian(rings: Rings) -> Vec<Rings> {
    let crosses = rings
        .iter()
        .any(|r| r.windows(2).any(|w| (w[1].0 - w[0].0).abs() > 180.0));
    if !crosses {
        return vec![rings];
    }
    let unwrapped: Rings = rings
        .iter()
        .map(|r| {
            let mut out = Vec::with_capacity(r.len());
            let mut shift = 0.0;
            for (i, &(x, y)) in r.iter().enumerate() {
                if i > 0 {
                    let prev = r[i - 1].0;
                    if x - prev > 180.0 {
                        shift -= 360.0;
                    } else if prev - x > 180.0 {
                        shift += 360.0;
                    }
                }
                out.push((x + shift, y));
            }
            out
        })
        .collect();
    let hi = unwrapped
        .iter()
        .flatten()
        .fold(f64::MIN, |hi, p| hi.max(p.0));
    // The cut is at +180 when the rings were unwrapped eastward, else at -180.
    let cut = if hi > 180.0 { 180.0 } else { -180.0 };
    let mut parts = Vec::new();
    for keep_west in [true, false] {
        let shift = if keep_west == (cut > 0.0) {
            0.0
        } else if cut > 0.0 {
            -360.0
        } else {
            360.0
        };
        let mut part: Rings = Vec::new();
        for (i, r) in unwrapped.iter().enumerate() {
            let clipped = clip(r, cut, keep_west);
            if clipped.len() < 4 {
                if i == 0 {
                    break;
                }
                continue;
            }
            part.push(
                clipped
                    .into_iter()
                    .map(|(x, y)| ((x + shift).clamp(-180.0, 180.0), y))
                    .collect(),
            );
        }
        if !part.is_empty() {
            parts.push(part);
        }
    }
    parts
}

/// Clips a closed ring to the half-plane x <= cut (`keep_west`) or x >= cut.
fn clip(ring: &[(f64, f64)], cut: f64, keep_west: bool) -> Vec<(f64, f64)> {
    let inside = |p: (f64, f64)| if keep_west { p.0 <= cut } else { p.0 >= cut };
    let mut out = Vec::with_capacity(ring.len() + 4);
    for w in ring.windows(2) {
        let (a, b) = (w[0], w[1]);
        let (ia, ib) = (inside(a), inside(b));
        if ia {
            out.push(a);
        }
        if ia != ib && a.0 != b.0 {
            let t = (cut - a.0) / (b.0 - a.0);
            let y = a.1 + t * (b.1 - a.1);
            if (a.0 - cut).abs() > 0.0 && (b.0 - cut).abs() > 0.0 {
                out.push((cut, y));
            }
        }
    }
    if let Some(&first) = out.first() {
        out.push(first);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(geojson: &str, expect: &str) {
        let value: Value = serde_json::from_str(geojson).unwrap();
        let got = match parse(&value) {
            Ok(zones) => zones
                .iter()
                .map(|(z, parts)| {
                    let parts: Vec<String> = parts
                        .iter()
                        .map(|rings| {
                            rings
                                .iter()
                                .map(|r| format!("{r:?}"))
                                .collect::<Vec<_>>()
                                .join(" hole ")
                        })
                        .collect();
                    format!(
                        "{} {} {}: {}",
                        z.id,
                        z.class,
                        z.country.as_deref().unwrap_or("-"),
                        parts.join(" | ")
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
            Err(e) => format!("error: {e}"),
        };
        assert_eq!(got, expect);
    }

    fn fc(features: &str) -> String {
        format!(r#"{{"type":"FeatureCollection","features":[{features}]}}"#)
    }

    #[test]
    fn loads_and_rejects() {
        check(
            &fc(
                r#"{"type":"Feature","properties":{"id":"a","class":"foreign","country":"IDN"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1]]]}}"#,
            ),
            "a foreign IDN: [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)]",
        );
        check(
            &fc(
                r#"{"type":"Feature","properties":{"id":"a","class":"sea"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1]]]}}"#,
            ),
            r#"error: feature 0: unknown class "sea""#,
        );
        check(
            &fc(
                r#"{"type":"Feature","properties":{"id":"a","class":"port"},"geometry":{"type":"LineString","coordinates":[[0,0],[1,0]]}}"#,
            ),
            r#"error: feature 0: geometry must be a Polygon or MultiPolygon, not "LineString""#,
        );
        check(
            &fc(
                r#"{"type":"Feature","properties":{"id":"a","class":"port"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}}"#,
            ),
            "error: feature 0: ring has fewer than three distinct positions",
        );
        check(
            &fc(
                r#"{"type":"Feature","properties":{"id":"a","class":"port"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,91]]]}}"#,
            ),
            "error: feature 0: position out of range: [1, 91]",
        );
        check(
            r#"{"type":"Feature"}"#,
            "error: zone set is not a geojson FeatureCollection",
        );
        let f = r#"{"type":"Feature","properties":{"id":"a","class":"port"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1]]]}}"#;
        check(&fc(&format!("{f},{f}")), r#"error: duplicate zone id "a""#);
    }

    #[test]
    fn splits_at_the_antimeridian() {
        check(
            &fc(
                r#"{"type":"Feature","properties":{"id":"fiji","class":"foreign","country":"FJI"},"geometry":{"type":"Polygon","coordinates":[[[179,-1],[-179,-1],[-179,1],[179,1],[179,-1]]]}}"#,
            ),
            "fiji foreign FJI: [(179.0, -1.0), (180.0, -1.0), (180.0, 1.0), (179.0, 1.0), (179.0, -1.0)] | \
             [(-180.0, -1.0), (-179.0, -1.0), (-179.0, 1.0), (-180.0, 1.0), (-180.0, -1.0)]",
        );
    }
}
