//! Boundary lines (treaty, median, baselines) as LineStrings, and distances to them.

use std::io::Read;

use geo::HaversineMeasure;
use haidang_types::{LatLon, Meters};
use rstar::{AABB, RTree};
use serde_json::Value;

use crate::LoadError;
use crate::index::Edge;
use crate::sphere;

/// A line of a [`LineSet`].
#[derive(Clone, Debug)]
pub struct Line {
    id: String,
    kind: String,
    name: String,
    parts: Vec<Vec<(f64, f64)>>,
}

impl Line {
    /// The line's `id` property.
    pub fn id(&self) -> &str {
        &self.id
    }
    /// The line's `kind` property as written (the shipped set uses `treaty`, `median`,
    /// `unsettled_median`, `vn_200nm`, `connection`, `straight_baseline`,
    /// `foreign_baseline_claim`); empty when the feature has none.
    pub fn kind(&self) -> &str {
        &self.kind
    }
    /// The line's human-readable name (its id when the feature has none).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The line's vertices as written (`lon`, `lat` in degrees): one list for a
    /// LineString, one per part for a MultiLineString.
    pub fn parts(&self) -> &[Vec<(f64, f64)>] {
        &self.parts
    }
}

/// A line's position in its [`LineSet`], in feature order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LineId(u32);

impl LineId {
    /// The position of the line's feature in the FeatureCollection, from 0.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// The distance from a point to one line.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NearestLine {
    /// The line.
    pub line: LineId,
    /// The great-circle distance to the nearest point of the line.
    pub distance: Meters,
}

/// A loaded set of lines, indexed for distance queries. Immutable once built.
///
/// Each segment of a line is taken as the great-circle arc between its vertices (the
/// shorter one, so a segment between longitudes 179 and -179 crosses the antimeridian),
/// as [`crate::ZoneIndex::nearest_boundaries`] takes zone edges; the earth model and its
/// error are the same (see the crate docs).
#[derive(Debug)]
pub struct LineSet {
    lines: Vec<Line>,
    edges: RTree<Edge>,
}

impl LineSet {
    /// Loads and indexes a GeoJSON FeatureCollection of LineString or MultiLineString
    /// features with the properties `id` (string or number, unique), `kind` and `name`
    /// (both optional strings), given as text.
    pub fn from_geojson(text: &str) -> Result<LineSet, LoadError> {
        let value: Value = serde_json::from_str(text).map_err(LoadError::Json)?;
        Self::from_value(&value)
    }

    /// Loads and indexes a FeatureCollection of lines read from `reader`; see
    /// [`LineSet::from_geojson`].
    pub fn from_reader(mut reader: impl Read) -> Result<LineSet, LoadError> {
        let mut text = String::new();
        reader.read_to_string(&mut text).map_err(LoadError::Io)?;
        Self::from_geojson(&text)
    }

    fn from_value(value: &Value) -> Result<LineSet, LoadError> {
        let features = crate::load::features(value)?;
        let mut lines = Vec::with_capacity(features.len());
        let mut edges = Vec::new();
        for feature in features {
            let strings = line_strings(feature.geometry).map_err(|e| feature.bad(e))?;
            let n = lines.len() as u32;
            for string in &strings {
                for w in string.windows(2) {
                    edges.push(Edge::new(w[0], w[1], n));
                }
            }
            lines.push(Line {
                kind: feature.text("kind").unwrap_or_default(),
                name: feature.text("name").unwrap_or_else(|| feature.id.clone()),
                id: feature.id,
                parts: strings,
            });
        }
        Ok(LineSet {
            lines,
            edges: RTree::bulk_load(edges),
        })
    }

    /// Every line, in feature order.
    pub fn lines(&self) -> &[Line] {
        &self.lines
    }

    /// The line `id` refers to.
    ///
    /// # Panics
    /// If `id` comes from another set with more lines (a logic error).
    pub fn line(&self, id: LineId) -> &Line {
        &self.lines[id.index()]
    }

    /// The line whose `id` property is `id`.
    pub fn find(&self, id: &str) -> Option<LineId> {
        self.lines
            .iter()
            .position(|l| l.id == id)
            .map(|i| LineId(i as u32))
    }

    /// Sets `out` to each line within `within` of `p`, nearest first (ties by line), with
    /// the great-circle distance on the sphere of `earth` (pass `&geo::Haversine` for the
    /// mean earth radius) from `p` to the nearest point of the line.
    ///
    /// ```
    /// # use haidang_geofence::LineSet;
    /// # use haidang_types::{LatLon, Meters};
    /// let lines = LineSet::from_geojson(r#"{"type":"FeatureCollection","features":[{"type":"Feature",
    ///     "properties":{"id":"m","kind":"meridian"},
    ///     "geometry":{"type":"LineString","coordinates":[[108,0],[108,10]]}}]}"#).unwrap();
    /// let mut near = Vec::new();
    /// lines.nearest_lines(&geo::Haversine, LatLon::new(108.1, 5.0).unwrap(), Meters(20_000.0), &mut near);
    /// // 0.1 degree of longitude at 5 degrees north on the mean sphere.
    /// assert!((near[0].distance.0 - 11_077.2).abs() < 1.0, "{near:?}");
    /// ```
    pub fn nearest_lines(
        &self,
        earth: &HaversineMeasure,
        p: LatLon,
        within: Meters,
        out: &mut Vec<NearestLine>,
    ) {
        out.clear();
        let q = sphere::unit(p.lon(), p.lat());
        let angle_limit = (within.0 / earth.radius()).clamp(0.0, std::f64::consts::PI);
        let chord = sphere::chord2(angle_limit).sqrt();
        let envelope = AABB::from_corners(
            [q[0] - chord, q[1] - chord, q[2] - chord],
            [q[0] + chord, q[1] + chord, q[2] + chord],
        );
        for edge in self.edges.locate_in_envelope_intersecting(&envelope) {
            let angle = sphere::angle_to_arc(q, edge.a, edge.b);
            if angle > angle_limit {
                continue;
            }
            let distance = angle * earth.radius();
            match out.iter_mut().find(|n| n.line.0 == edge.zone) {
                Some(n) => n.distance.0 = n.distance.0.min(distance),
                None => out.push(NearestLine {
                    line: LineId(edge.zone),
                    distance: Meters(distance),
                }),
            }
        }
        out.sort_by(|a, b| {
            a.distance
                .0
                .total_cmp(&b.distance.0)
                .then(a.line.cmp(&b.line))
        });
    }
}

/// The positions of a LineString or of each part of a MultiLineString.
fn line_strings(geometry: &Value) -> Result<Vec<Vec<(f64, f64)>>, String> {
    let kind = geometry.get("type").and_then(Value::as_str).unwrap_or("");
    let coords = geometry
        .get("coordinates")
        .ok_or("geometry has no coordinates")?;
    match kind {
        "LineString" => Ok(vec![positions(coords)?]),
        "MultiLineString" => coords
            .as_array()
            .ok_or("coordinates are not an array")?
            .iter()
            .map(positions)
            .collect(),
        other => Err(format!(
            "geometry must be a LineString or MultiLineString, not {other:?}"
        )),
    }
}

fn positions(coords: &Value) -> Result<Vec<(f64, f64)>, String> {
    let positions = coords.as_array().ok_or("line is not an array")?;
    let mut out = Vec::with_capacity(positions.len());
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
        out.push((lon, lat));
    }
    if out.len() < 2 {
        return Err("line has fewer than two positions".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use geo::{Closest, Distance, Haversine, HaversineClosestPoint, Line as GeoLine, Point};
    use proptest::prelude::*;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

    use super::*;

    fn shipped_text() -> String {
        std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../geodata/lines.geojson"
        ))
        .unwrap()
    }

    /// Every line's segments, by line, from the GeoJSON, for brute force.
    fn brute_segments(text: &str) -> Vec<Vec<[(f64, f64); 2]>> {
        let value: Value = serde_json::from_str(text).unwrap();
        value["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                line_strings(&f["geometry"])
                    .unwrap()
                    .iter()
                    .flat_map(|s| s.windows(2).map(|w| [w[0], w[1]]).collect::<Vec<_>>())
                    .collect()
            })
            .collect()
    }

    /// The brute-force distance from p to each line, with `geo`.
    fn brute_nearest(lines: &[Vec<[(f64, f64); 2]>], p: (f64, f64)) -> Vec<f64> {
        let pt = Point::new(p.0, p.1);
        lines
            .iter()
            .map(|segments| {
                segments
                    .iter()
                    .map(|&[a, b]| {
                        let line = GeoLine::new(a, b);
                        match line.haversine_closest_point(&pt) {
                            Closest::Intersection(q) | Closest::SinglePoint(q) => {
                                Haversine.distance(pt, q)
                            }
                            Closest::Indeterminate => Haversine.distance(pt, Point::from(a)),
                        }
                    })
                    .fold(f64::INFINITY, f64::min)
            })
            .collect()
    }

    fn check_against_brute_force(text: &str, within: f64, cases: u32, batch: usize) {
        let set = LineSet::from_geojson(text).unwrap();
        let segments = brute_segments(text);
        let vertices: Vec<[(f64, f64); 2]> = segments.iter().flatten().copied().collect();
        let n = vertices.len();
        let v1 = vertices.clone();
        let points = prop_oneof![
            // A vertex, a point on a segment, or one a little off it.
            (0..n, 0.0f64..=1.0, -0.3f64..0.3, -0.3f64..0.3).prop_map(move |(i, t, dx, dy)| {
                let [a, b] = v1[i];
                (a.0 + t * (b.0 - a.0) + dx, a.1 + t * (b.1 - a.1) + dy)
            }),
            (0..n).prop_map(move |i| vertices[i][0]),
            (98.0f64..125.0, 0.0f64..26.0),
        ];
        let config = Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        };
        let mut runner =
            TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &[9; 32]));
        let out = std::cell::RefCell::new(Vec::new());
        runner
            .run(&proptest::collection::vec(points, batch), |points| {
                let mut out = out.borrow_mut();
                for &(x, y) in &points {
                    set.nearest_lines(
                        &Haversine,
                        LatLon::new(x, y).unwrap(),
                        Meters(within),
                        &mut out,
                    );
                    let expect = brute_nearest(&segments, (x, y));
                    for (line, &d) in expect.iter().enumerate() {
                        match out.iter().find(|n| n.line.index() == line) {
                            Some(n) => prop_assert!(
                                (n.distance.0 - d).abs() <= 1.0,
                                "({x}, {y}) line {line}: {} vs {d}",
                                n.distance.0
                            ),
                            None => prop_assert!(
                                d > within - 1.0,
                                "({x}, {y}) line {line} at {d} m missing"
                            ),
                        }
                    }
                    for n in out.iter() {
                        prop_assert!(
                            expect[n.line.index()] <= within + 1.0,
                            "({x}, {y}) line {:?} extra",
                            n.line
                        );
                    }
                    prop_assert!(out.windows(2).all(|w| w[0].distance.0 <= w[1].distance.0));
                }
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn distances_to_shipped_lines_match_brute_force() {
        check_against_brute_force(&shipped_text(), 40_000.0, 10, 300);
        check_against_brute_force(&shipped_text(), 5_000.0, 5, 300);
    }

    #[test]
    fn shipped_lines_load() {
        let set = LineSet::from_geojson(&shipped_text()).unwrap();
        let line = set.line(set.find("vn-id-cs-boundary-2003").unwrap());
        assert_eq!(line.kind(), "treaty");
        assert_eq!(
            line.name(),
            "Viet Nam - Indonesia continental shelf boundary (2003)"
        );
        assert_eq!(set.lines().len(), 22);
        assert_eq!(line.parts().len(), 1);
        assert_eq!(line.parts()[0].len(), 6);
        assert_eq!(line.parts()[0][0], (105.82, 6.096667));
        assert_eq!(line.parts()[0][5], (109.643333, 6.303333));
    }

    #[test]
    fn loads_multilinestrings_and_rejects_bad_lines() {
        let fc = |f: &str| format!(r#"{{"type":"FeatureCollection","features":[{f}]}}"#);
        let set = LineSet::from_geojson(&fc(
            r#"{"type":"Feature","properties":{"id":7},"geometry":{"type":"MultiLineString","coordinates":[[[0,0],[0,1]],[[1,0],[1,1]]]}}"#,
        ))
        .unwrap();
        assert_eq!(
            set.lines()[0].parts(),
            [vec![(0.0, 0.0), (0.0, 1.0)], vec![(1.0, 0.0), (1.0, 1.0)]]
        );
        assert_eq!(
            (
                set.lines()[0].id(),
                set.lines()[0].kind(),
                set.lines()[0].name()
            ),
            ("7", "", "7")
        );
        // The second part counts: at (0.9, 0.5) the nearest point is on it.
        let mut near = Vec::new();
        set.nearest_lines(
            &Haversine,
            LatLon::new(0.9, 0.5).unwrap(),
            Meters(50_000.0),
            &mut near,
        );
        assert!((near[0].distance.0 - 11_119.5).abs() < 1.0, "{near:?}");
        for (f, expect) in [
            (
                r#"{"type":"Feature","properties":{"id":"a"},"geometry":{"type":"LineString","coordinates":[[0,0]]}}"#,
                "feature 0: line has fewer than two positions",
            ),
            (
                r#"{"type":"Feature","properties":{"id":"a"},"geometry":{"type":"Point","coordinates":[0,0]}}"#,
                r#"feature 0: geometry must be a LineString or MultiLineString, not "Point""#,
            ),
            (
                r#"{"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]}}"#,
                "feature 0: property `id` is missing or not a string",
            ),
        ] {
            assert_eq!(
                LineSet::from_geojson(&fc(f)).unwrap_err().to_string(),
                expect
            );
        }
    }
}
