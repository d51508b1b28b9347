//! The zone index: zones, their polygon parts, the containment grid and the R-trees over
//! boundary edges.

use std::io::Read;

use geo::HaversineMeasure;
use haidang_types::{LatLon, Meters, ZoneClass};
use rstar::{AABB, PointDistance, RTree, RTreeObject};

use crate::LoadError;
use crate::grid::Grid;
use crate::load::{self, Rings};
use crate::near::{NearGrid, RawEdge};
use crate::sphere::{self, Vec3};

/// How far the alerting-boundary distance grid answers without the R-tree: 10 nautical
/// miles (the largest default approach warning) on the mean-radius sphere. Larger radii
/// go through the R-tree: the grid's size and build time grow with the square of this.
const NEAR_GRID_REACH_METERS: f64 = 10.0 * 1852.0;

/// The side of the distance grid's cells, in degrees (about 3.3 km).
const NEAR_GRID_CELL_DEG: f64 = 0.03;

/// A zone of a zone set.
#[derive(Clone, Debug)]
pub struct Zone {
    id: String,
    class: ZoneClass,
    country: Option<String>,
    name: String,
}

impl Zone {
    /// The zone's `id` property.
    pub fn id(&self) -> &str {
        &self.id
    }
    /// The zone's class.
    pub fn class(&self) -> ZoneClass {
        self.class
    }
    /// The ISO 3166 alpha-3 code of the state whose zone this is, if the feature names one.
    pub fn country(&self) -> Option<&str> {
        self.country.as_deref()
    }
    /// The zone's human-readable name (its id when the feature has none).
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// A zone's position in its [`ZoneIndex`], in feature order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ZoneId(pub(crate) u32);

impl ZoneId {
    /// The position of the zone's feature in the FeatureCollection, from 0.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Which zones' boundaries a distance query looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Boundaries {
    /// Only zones of alerting classes ([`ZoneClass::is_alerting`]: foreign, undelimited).
    Alerting,
    /// Every zone.
    All,
}

/// The distance from a point to the boundary of one zone.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Nearest {
    /// The zone.
    pub zone: ZoneId,
    /// The great-circle distance to the nearest point of the zone's boundary.
    pub distance: Meters,
}

/// Sizes of an index, for logs and benchmarks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IndexStats {
    /// Zones loaded.
    pub zones: usize,
    /// Polygon parts (each part of a multipolygon, each side of an antimeridian split).
    pub parts: usize,
    /// Boundary edges.
    pub edges: usize,
    /// Grid cells, and how many (cell, part) pairs are crossed by the part's boundary.
    pub cells: usize,
    /// Crossed (cell, part) pairs.
    pub crossed_cells: usize,
    /// Approximate heap use of the index, in bytes.
    pub heap_bytes: usize,
}

/// A boundary edge on the unit sphere, for the R-trees.
#[derive(Debug)]
pub(crate) struct Edge {
    pub(crate) a: Vec3,
    pub(crate) b: Vec3,
    pub(crate) zone: u32,
    envelope: AABB<[f64; 3]>,
}

impl Edge {
    pub(crate) fn new(a: (f64, f64), b: (f64, f64), zone: u32) -> Edge {
        let (a, b) = (sphere::unit(a.0, a.1), sphere::unit(b.0, b.1));
        // The arc bulges outward from its chord by at most 1 - cos(theta / 2); widen the
        // chord's box by that (and a little) so that the box holds the whole arc.
        let bulge = 1.0 - (sphere::angle(a, b) / 2.0).cos() + 1e-12;
        let lo = [
            a[0].min(b[0]) - bulge,
            a[1].min(b[1]) - bulge,
            a[2].min(b[2]) - bulge,
        ];
        let hi = [
            a[0].max(b[0]) + bulge,
            a[1].max(b[1]) + bulge,
            a[2].max(b[2]) + bulge,
        ];
        Edge {
            a,
            b,
            zone,
            envelope: AABB::from_corners(lo, hi),
        }
    }
}

impl RTreeObject for Edge {
    type Envelope = AABB<[f64; 3]>;
    fn envelope(&self) -> Self::Envelope {
        self.envelope
    }
}

impl PointDistance for Edge {
    /// The squared chord from the query (a unit vector) to the nearest point of the arc:
    /// it orders like the great-circle distance and is never below the box's distance.
    fn distance_2(&self, point: &[f64; 3]) -> f64 {
        sphere::chord2(sphere::angle_to_arc(*point, self.a, self.b))
    }
}

/// A loaded zone set, indexed for point queries. Immutable once built.
#[derive(Debug)]
pub struct ZoneIndex {
    zones: Vec<Zone>,
    part_zone: Vec<u32>,
    grid: Grid,
    alerting_edges: RTree<Edge>,
    /// The alerting edges again, in a grid that answers most distance queries at once;
    /// `None` when the zone set reaches the antimeridian or the polar regions.
    alerting_grid: Option<NearGrid>,
    all_edges: RTree<Edge>,
    /// Every edge in a grid, as `alerting_grid` (the tracker asks for all boundaries).
    all_grid: Option<NearGrid>,
    n_edges: usize,
}

impl ZoneIndex {
    /// Loads and indexes a GeoJSON FeatureCollection given as text.
    pub fn from_geojson(text: &str) -> Result<ZoneIndex, LoadError> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(LoadError::Json)?;
        Self::from_value(&value)
    }

    /// Loads and indexes a GeoJSON FeatureCollection read from `reader`.
    pub fn from_reader(mut reader: impl Read) -> Result<ZoneIndex, LoadError> {
        let mut text = String::new();
        reader.read_to_string(&mut text).map_err(LoadError::Io)?;
        Self::from_geojson(&text)
    }

    fn from_value(value: &serde_json::Value) -> Result<ZoneIndex, LoadError> {
        let mut zones = Vec::new();
        let mut parts: Vec<Rings> = Vec::new();
        let mut part_zone = Vec::new();
        for (i, (raw, zone_parts)) in load::parse(value)?.into_iter().enumerate() {
            zones.push(Zone {
                id: raw.id,
                class: raw.class,
                country: raw.country,
                name: raw.name,
            });
            for p in zone_parts {
                part_zone.push(i as u32);
                parts.push(p);
            }
        }
        let grid = Grid::build(&parts);
        let mut alerting = Vec::new();
        let mut alerting_raw: Vec<RawEdge> = Vec::new();
        let mut all = Vec::new();
        let mut all_raw: Vec<RawEdge> = Vec::new();
        for (rings, &zone) in parts.iter().zip(&part_zone) {
            let is_alerting = zones[zone as usize].class.is_alerting();
            for ring in rings {
                for w in ring.windows(2) {
                    // Edges along the antimeridian are where a zone was cut in two, not
                    // one of its boundaries.
                    if w[0].0.abs() == 180.0 && w[0].0 == w[1].0 {
                        continue;
                    }
                    if is_alerting {
                        alerting.push(Edge::new(w[0], w[1], zone));
                        alerting_raw.push((w[0], w[1], zone));
                    }
                    all.push(Edge::new(w[0], w[1], zone));
                    all_raw.push((w[0], w[1], zone));
                }
            }
        }
        let n_edges = all.len();
        let near_grid = |edges: &[RawEdge]| {
            NearGrid::build(
                edges,
                NEAR_GRID_REACH_METERS / sphere::EARTH_RADIUS_METERS,
                NEAR_GRID_CELL_DEG,
            )
        };
        Ok(ZoneIndex {
            zones,
            part_zone,
            grid,
            alerting_edges: RTree::bulk_load(alerting),
            alerting_grid: near_grid(&alerting_raw),
            all_edges: RTree::bulk_load(all),
            all_grid: near_grid(&all_raw),
            n_edges,
        })
    }

    /// Every zone, in feature order.
    pub fn zones(&self) -> &[Zone] {
        &self.zones
    }

    /// The zone `id` refers to.
    ///
    /// # Panics
    /// If `id` comes from another index with more zones (a logic error).
    pub fn zone(&self, id: ZoneId) -> &Zone {
        &self.zones[id.index()]
    }

    /// The zone whose `id` property is `id`.
    pub fn find(&self, id: &str) -> Option<ZoneId> {
        self.zones
            .iter()
            .position(|z| z.id == id)
            .map(|i| ZoneId(i as u32))
    }

    /// Appends to `out` every zone containing `p` (boundary included), each once, in
    /// feature order. `out` is cleared first. Costs a grid lookup, plus edge tests only
    /// when `p` is in a cell crossed by a boundary.
    pub fn zones_at(&self, p: LatLon, out: &mut Vec<ZoneId>) {
        out.clear();
        self.grid.parts_at(p.lon(), p.lat(), |part| {
            let zone = ZoneId(self.part_zone[part as usize]);
            if !out.contains(&zone) {
                out.push(zone);
            }
        });
        out.sort_unstable();
    }

    /// The zones containing `p`; see [`ZoneIndex::zones_at`].
    pub fn containing(&self, p: LatLon) -> Vec<ZoneId> {
        let mut out = Vec::new();
        self.zones_at(p, &mut out);
        out
    }

    /// Appends to `out`, nearest first, each zone of `which` whose boundary is within
    /// `within` of `p`, with the great-circle distance on the sphere of `earth` (pass
    /// `&geo::Haversine` for the mean earth radius, [`EARTH_RADIUS_METERS`]) from `p` to the
    /// nearest point of that boundary, taking each edge as the great-circle arc between
    /// its vertices. `out` is cleared first. The distance is the same whether `p` is inside
    /// the zone or not.
    ///
    /// ```
    /// # use haidang_geofence::{Boundaries, ZoneIndex};
    /// # use haidang_types::{LatLon, Meters};
    /// let zones = ZoneIndex::from_geojson(r#"{"type":"FeatureCollection","features":[{"type":"Feature",
    ///     "properties":{"id":"x","class":"foreign","country":"IDN"},
    ///     "geometry":{"type":"Polygon","coordinates":[[[108,4],[109,4],[109,5],[108,5],[108,4]]]}}]}"#).unwrap();
    /// let mut near = Vec::new();
    /// let p = LatLon::new(108.5, 5.1).unwrap();
    /// zones.nearest_boundaries(&geo::Haversine, p, Meters(20_000.0), Boundaries::Alerting, &mut near);
    /// assert_eq!(near.len(), 1);
    /// // 0.1 degree of latitude is 11,119.5 m; the edge is taken as a great-circle arc,
    /// // which bulges 21 m north of the parallel at its middle.
    /// assert!((near[0].distance.0 - 11_098.0).abs() < 2.0, "{near:?}");
    /// ```
    pub fn nearest_boundaries(
        &self,
        earth: &HaversineMeasure,
        p: LatLon,
        within: Meters,
        which: Boundaries,
        out: &mut Vec<Nearest>,
    ) {
        out.clear();
        let angle_limit = (within.0 / earth.radius()).clamp(0.0, std::f64::consts::PI);
        let grid = match which {
            Boundaries::Alerting => &self.alerting_grid,
            Boundaries::All => &self.all_grid,
        };
        if let Some(grid) = grid
            && angle_limit <= grid.reach()
        {
            grid.nearest(p.lon(), p.lat(), angle_limit, earth.radius(), out);
        } else {
            let q = sphere::unit(p.lon(), p.lat());
            self.nearest_in_tree(earth, q, angle_limit, which, out);
        }
        out.sort_by(|a, b| {
            a.distance
                .0
                .total_cmp(&b.distance.0)
                .then(a.zone.cmp(&b.zone))
        });
    }

    /// [`ZoneIndex::nearest_boundaries`] through the R-tree, unsorted.
    fn nearest_in_tree(
        &self,
        earth: &HaversineMeasure,
        q: Vec3,
        angle_limit: f64,
        which: Boundaries,
        out: &mut Vec<Nearest>,
    ) {
        let tree = match which {
            Boundaries::Alerting => &self.alerting_edges,
            Boundaries::All => &self.all_edges,
        };
        let chord = sphere::chord2(angle_limit).sqrt();
        // A box query, not a nearest-neighbour walk: most positions have no boundary within
        // the radius, and then no edge is visited at all.
        let envelope = AABB::from_corners(
            [q[0] - chord, q[1] - chord, q[2] - chord],
            [q[0] + chord, q[1] + chord, q[2] + chord],
        );
        for edge in tree.locate_in_envelope_intersecting(&envelope) {
            let angle = sphere::angle_to_arc(q, edge.a, edge.b);
            if angle > angle_limit {
                continue;
            }
            let distance = angle * earth.radius();
            match out.iter_mut().find(|n| n.zone.0 == edge.zone) {
                Some(n) => n.distance.0 = n.distance.0.min(distance),
                None => out.push(Nearest {
                    zone: ZoneId(edge.zone),
                    distance: Meters(distance),
                }),
            }
        }
    }

    /// Sizes of the index.
    pub fn stats(&self) -> IndexStats {
        let (cells, crossed_cells, edge_copies) = self.grid.sizes();
        let _ = edge_copies;
        let edge_bytes = (self.alerting_edges.size() + self.all_edges.size())
            * (std::mem::size_of::<Edge>() + 16);
        IndexStats {
            zones: self.zones.len(),
            parts: self.part_zone.len(),
            edges: self.n_edges,
            cells,
            crossed_cells,
            heap_bytes: self.grid.heap_bytes()
                + edge_bytes
                + self.alerting_grid.as_ref().map_or(0, NearGrid::heap_bytes)
                + self.all_grid.as_ref().map_or(0, NearGrid::heap_bytes),
        }
    }
}

#[cfg(test)]
mod tests {
    use geo::{
        Closest, Distance, Haversine, HaversineClosestPoint, Intersects, Line, LineString, Point,
        Polygon,
    };
    use proptest::prelude::*;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

    use super::*;

    fn shipped() -> ZoneIndex {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../geodata/zones.geojson");
        ZoneIndex::from_geojson(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    /// Each zone's parts as `geo` polygons, for brute force.
    fn brute_parts(text: &str) -> Vec<(u32, Polygon<f64>)> {
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        let mut out = Vec::new();
        for (i, (_, parts)) in load::parse(&value).unwrap().into_iter().enumerate() {
            for rings in parts {
                let mut rings = rings.into_iter().map(LineString::from);
                let exterior = rings.next().unwrap();
                out.push((i as u32, Polygon::new(exterior, rings.collect())));
            }
        }
        out
    }

    fn brute_zones_at(parts: &[(u32, Polygon<f64>)], p: (f64, f64)) -> Vec<ZoneId> {
        let mut out: Vec<ZoneId> = parts
            .iter()
            .filter(|(_, poly)| poly.intersects(&geo::Coord { x: p.0, y: p.1 }))
            .map(|(z, _)| ZoneId(*z))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Points to test: vertices, points on edges, points just beside them, random points.
    fn point_strategy(parts: &[(u32, Polygon<f64>)]) -> impl Strategy<Value = (f64, f64)> + use<> {
        let vertices: Vec<[(f64, f64); 2]> = parts
            .iter()
            .flat_map(|(_, p)| std::iter::once(p.exterior()).chain(p.interiors()))
            .flat_map(|ring| {
                ring.lines()
                    .map(|l| [l.start.x_y(), l.end.x_y()])
                    .collect::<Vec<_>>()
            })
            .collect();
        let n = vertices.len();
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for e in &vertices {
            x0 = x0.min(e[0].0);
            x1 = x1.max(e[0].0);
            y0 = y0.min(e[0].1);
            y1 = y1.max(e[0].1);
        }
        let v1 = vertices.clone();
        let v2 = vertices.clone();
        let offsets = prop_oneof![Just(0.0), -1e-3f64..1e-3, -1e-7f64..1e-7, -1e-12f64..1e-12];
        prop_oneof![
            // A vertex exactly.
            (0..n).prop_map(move |i| vertices[i][0]),
            // A point on an edge (to rounding).
            (0..n, 0.0f64..=1.0).prop_map(move |(i, t)| {
                let [a, b] = v1[i];
                (a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1))
            }),
            // Next to a vertex or an edge.
            (0..n, 0.0f64..=1.0, offsets.clone(), offsets).prop_map(move |(i, t, dx, dy)| {
                let [a, b] = v2[i];
                (a.0 + t * (b.0 - a.0) + dx, a.1 + t * (b.1 - a.1) + dy)
            }),
            // Anywhere in (and a little around) the box.
            (x0 - 1.0..x1 + 1.0, y0 - 1.0..y1 + 1.0),
        ]
        .prop_filter("in range", |p| {
            (-180.0..=180.0).contains(&p.0) && (-90.0..=90.0).contains(&p.1)
        })
    }

    fn runner(cases: u32) -> TestRunner {
        let config = Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        };
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]))
    }

    fn check_containment(text: &str, cases: u32, batch: usize) -> usize {
        let index = ZoneIndex::from_geojson(text).unwrap();
        let parts = brute_parts(text);
        let out = std::cell::RefCell::new(Vec::new());
        let checked = std::cell::Cell::new(0usize);
        runner(cases)
            .run(
                &proptest::collection::vec(point_strategy(&parts), batch),
                |points| {
                    let mut out = out.borrow_mut();
                    for &(x, y) in &points {
                        index.zones_at(LatLon::new(x, y).unwrap(), &mut out);
                        let expect = brute_zones_at(&parts, (x, y));
                        prop_assert_eq!(&*out, &expect, "point ({:?}, {:?})", x, y);
                    }
                    checked.set(checked.get() + points.len());
                    Ok(())
                },
            )
            .unwrap();
        checked.get()
    }

    /// The brute-force distance from p to each alerting zone's boundary, with `geo`.
    fn brute_nearest(
        parts: &[(u32, Polygon<f64>)],
        zones: &[Zone],
        which: Boundaries,
        p: (f64, f64),
        within: f64,
    ) -> Vec<(u32, f64)> {
        let pt = Point::new(p.0, p.1);
        let mut best: Vec<(u32, f64)> = Vec::new();
        for (zone, poly) in parts {
            if which == Boundaries::Alerting && !zones[*zone as usize].class.is_alerting() {
                continue;
            }
            for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
                for line in ring.lines() {
                    if line.start.x.abs() == 180.0 && line.start.x == line.end.x {
                        continue;
                    }
                    // A cheap filter: 1 degree is more than `within` everywhere below 60
                    // degrees for the radii tested (up to 50 km).
                    let pad = 1.0;
                    if p.0 < line.start.x.min(line.end.x) - pad
                        || p.0 > line.start.x.max(line.end.x) + pad
                        || p.1 < line.start.y.min(line.end.y) - pad
                        || p.1 > line.start.y.max(line.end.y) + pad
                    {
                        continue;
                    }
                    let d = match Line::new(line.start, line.end).haversine_closest_point(&pt) {
                        Closest::Intersection(q) | Closest::SinglePoint(q) => {
                            Haversine.distance(pt, q)
                        }
                        Closest::Indeterminate => Haversine.distance(pt, Point::from(line.start)),
                    };
                    match best.iter_mut().find(|(z, _)| z == zone) {
                        Some(b) => b.1 = b.1.min(d),
                        None => best.push((*zone, d)),
                    }
                }
            }
        }
        best.retain(|(_, d)| *d <= within);
        best
    }

    /// Checks `nearest_boundaries` against brute force within `within` metres (the grid
    /// answers up to 10 nm, the R-tree beyond).
    fn check_distances(text: &str, which: Boundaries, within: f64, cases: u32, batch: usize) {
        assert!(within <= 50_000.0, "brute_nearest's filter");
        let index = ZoneIndex::from_geojson(text).unwrap();
        let parts = brute_parts(text);
        let out = std::cell::RefCell::new(Vec::new());
        runner(cases)
            .run(
                &proptest::collection::vec(point_strategy(&parts), batch),
                |points| {
                    let mut out = out.borrow_mut();
                    for &(x, y) in &points {
                        index.nearest_boundaries(
                            &Haversine,
                            LatLon::new(x, y).unwrap(),
                            Meters(within),
                            which,
                            &mut out,
                        );
                        let expect =
                            brute_nearest(&parts, &index.zones, which, (x, y), within + 1.0);
                        for &(zone, d) in &expect {
                            match out.iter().find(|n| n.zone.0 == zone) {
                                Some(n) => prop_assert!(
                                    (n.distance.0 - d).abs() <= 1.0,
                                    "({x}, {y}) zone {zone}: {} vs {d}",
                                    n.distance.0
                                ),
                                None => prop_assert!(
                                    d > within - 1.0,
                                    "({x}, {y}) zone {zone} at {d} m missing"
                                ),
                            }
                        }
                        for n in out.iter() {
                            prop_assert!(
                                expect.iter().any(|(z, _)| *z == n.zone.0),
                                "({x}, {y}) zone {:?} extra",
                                n.zone
                            );
                        }
                    }
                    Ok(())
                },
            )
            .unwrap();
    }

    /// Random zone sets: star-shaped polygons with a hole, multipolygons with touching
    /// parts, shared edges between neighbours.
    fn synthetic(seed: u64) -> String {
        let mut state = seed;
        let mut rnd = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let classes = ["foreign", "undelimited", "vn_eez", "port"];
        let mut features = Vec::new();
        for i in 0..12 {
            let (cx, cy) = (100.0 + rnd() * 20.0, rnd() * 20.0);
            let r = 0.5 + rnd() * 3.0;
            let n = 5 + (rnd() * 40.0) as usize;
            let star = |scale: f64, rnd: &mut dyn FnMut() -> f64, reverse: bool| {
                let mut ring: Vec<String> = (0..n)
                    .map(|k| {
                        let a = k as f64 / n as f64 * std::f64::consts::TAU;
                        let rr = scale * r * (0.6 + 0.4 * rnd());
                        // Some vertices on a coarse grid, so edges are axis-parallel or collinear.
                        let (x, y) = (cx + rr * a.cos(), cy + rr * a.sin());
                        if k % 3 == 0 {
                            format!("[{x:.1},{y:.1}]")
                        } else {
                            format!("[{x},{y}]")
                        }
                    })
                    .collect();
                if reverse {
                    ring.reverse();
                }
                ring.push(ring[0].clone());
                format!("[{}]", ring.join(","))
            };
            let outer = star(1.0, &mut rnd, false);
            let hole = star(0.3, &mut rnd, true);
            let geometry = if i % 3 == 0 {
                // A multipolygon whose second part touches the first at a shared corner.
                format!(
                    r#"{{"type":"MultiPolygon","coordinates":[[{outer},{hole}],[[[{cx},{cy}],[{x1},{cy}],[{x1},{y1}],[{cx},{cy}]]]]}}"#,
                    x1 = cx + 0.2,
                    y1 = cy + 0.2
                )
            } else {
                format!(r#"{{"type":"Polygon","coordinates":[{outer},{hole}]}}"#)
            };
            features.push(format!(
                r#"{{"type":"Feature","properties":{{"id":"z{i}","class":"{}","country":"IDN"}},"geometry":{geometry}}}"#,
                classes[i % classes.len()]
            ));
        }
        // Two squares sharing an edge.
        for (i, x) in [(0, 110.0), (1, 111.0)] {
            features.push(format!(
                r#"{{"type":"Feature","properties":{{"id":"sq{i}","class":"foreign"}},"geometry":{{"type":"Polygon","coordinates":[[[{x},5],[{x2},5],[{x2},6],[{x},6],[{x},5]]]}}}}"#,
                x2 = x + 1.0
            ));
        }
        format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            features.join(",")
        )
    }

    #[test]
    fn index_matches_brute_force_on_synthetic_zones() {
        let mut checked = 0;
        for seed in 1..=5 {
            checked += check_containment(&synthetic(seed), 20, 1_000);
        }
        assert!(checked >= 100_000, "{checked}");
    }

    #[test]
    fn index_matches_brute_force_on_shipped_zones() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../geodata/zones.geojson"
        ))
        .unwrap();
        let checked = check_containment(&text, 50, 2_000);
        assert!(checked >= 100_000, "{checked}");
    }

    #[test]
    fn distances_match_brute_force() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../geodata/zones.geojson"
        ))
        .unwrap();
        assert!(shipped().alerting_grid.is_some());
        assert!(shipped().all_grid.is_some());
        for which in [Boundaries::Alerting, Boundaries::All] {
            // Through the distance grids: at their reach, and well inside it.
            for seed in 1..=3 {
                check_distances(&synthetic(seed), which, NEAR_GRID_REACH_METERS, 10, 200);
            }
            check_distances(&text, which, NEAR_GRID_REACH_METERS, 10, 300);
            check_distances(&text, which, 3_000.0, 5, 300);
            // Through the R-trees: beyond the grids' reach.
            for seed in 1..=2 {
                check_distances(&synthetic(seed), which, 20_000.0, 5, 200);
            }
            check_distances(&text, which, 40_000.0, 5, 300);
        }
    }

    #[test]
    fn distance_grid_is_skipped_near_the_antimeridian_and_the_poles() {
        // The same square at 10 degrees of longitude and at 179.95: the grid serves the
        // first; the second (whose reach crosses the antimeridian) and a polar one fall
        // back to the R-tree, with the same answers.
        let square = |x: f64, y: f64| {
            format!(
                r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"id":"s","class":"foreign"}},"geometry":{{"type":"Polygon","coordinates":[[[{x},{y}],[{x1},{y}],[{x1},{y1}],[{x},{y1}],[{x},{y}]]]}}}}]}}"#,
                x1 = x + 0.04,
                y1 = y + 0.04
            )
        };
        let mut near = Vec::new();
        for (x, y, grid) in [(10.0, 0.0, true), (179.95, 0.0, false), (10.0, 85.0, false)] {
            let index = ZoneIndex::from_geojson(&square(x, y)).unwrap();
            assert_eq!(index.alerting_grid.is_some(), grid, "({x}, {y})");
            assert_eq!(index.all_grid.is_some(), grid, "({x}, {y})");
            let p = LatLon::new(x + 0.02, y - 0.1).unwrap();
            index.nearest_boundaries(
                &Haversine,
                p,
                Meters(15_000.0),
                Boundaries::Alerting,
                &mut near,
            );
            assert_eq!(near.len(), 1, "({x}, {y})");
            // 0.1 degree of latitude on the mean sphere (the edge is nearly a parallel).
            assert!((near[0].distance.0 - 11_119.5).abs() < 1.0, "{near:?}");
        }
    }

    #[test]
    fn boundary_points_are_inside() {
        let text = r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{"id":"a","class":"foreign"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[2,0],[2,2],[0,2],[0,0]],[[0.5,0.5],[0.5,1.5],[1.5,1.5],[1.5,0.5],[0.5,0.5]]]}},
            {"type":"Feature","properties":{"id":"b","class":"vn_eez"},"geometry":{"type":"Polygon","coordinates":[[[2,0],[4,0],[4,2],[2,2],[2,0]]]}}]}"#;
        let index = ZoneIndex::from_geojson(text).unwrap();
        let check = |x: f64, y: f64, expect: &str| {
            let got: Vec<&str> = index
                .containing(LatLon::new(x, y).unwrap())
                .iter()
                .map(|&z| index.zone(z).id())
                .collect();
            assert_eq!(got.join(","), expect, "({x}, {y})");
        };
        check(0.25, 0.25, "a");
        check(1.0, 1.0, ""); // in the hole
        check(0.5, 1.0, "a"); // on the hole's edge
        check(0.5, 0.5, "a"); // on the hole's corner
        check(0.0, 0.0, "a"); // outer corner
        check(2.0, 1.0, "a,b"); // on the shared edge: in both
        check(2.0, 2.0, "a,b"); // shared corner
        check(4.0, 1.0, "b");
        check(4.000000001, 1.0, "");
        check(-0.000000001, 1.0, "");
        check(3.0, 1.0, "b");
    }

    #[test]
    fn antimeridian_split_zone() {
        let text = r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{"id":"fiji","class":"foreign","country":"FJI"},"geometry":{"type":"Polygon","coordinates":[[[179,-1],[-179,-1],[-179,1],[179,1],[179,-1]]]}}]}"#;
        let index = ZoneIndex::from_geojson(text).unwrap();
        for (x, inside) in [
            (179.5, true),
            (-179.5, true),
            (180.0, true),
            (-180.0, true),
            (178.9, false),
            (-178.9, false),
            (0.0, false),
        ] {
            assert_eq!(
                !index.containing(LatLon::new(x, 0.0).unwrap()).is_empty(),
                inside,
                "{x}"
            );
        }
        // The cut is not a boundary: at the antimeridian the nearest boundary is 1 degree away.
        let mut near = Vec::new();
        index.nearest_boundaries(
            &Haversine,
            LatLon::new(180.0, 0.0).unwrap(),
            Meters(200_000.0),
            Boundaries::All,
            &mut near,
        );
        assert_eq!(near.len(), 1);
        assert!((near[0].distance.0 - 111_195.0).abs() < 100.0, "{near:?}");
        assert_eq!(index.stats().parts, 2);
    }

    /// Golden classifications on the shipped zones.
    #[test]
    fn shipped_zones_classify_named_places() {
        let index = shipped();
        let check = |name: &str, lon: f64, lat: f64, expect: &str| {
            if std::env::var_os("GOLDEN_SHOW").is_some() {
                let p = LatLon::new(lon, lat).unwrap();
                let mut near = Vec::new();
                index.nearest_boundaries(
                    &Haversine,
                    p,
                    Meters(18_520.0),
                    Boundaries::Alerting,
                    &mut near,
                );
                eprintln!(
                    "GOLDEN {name}: {:?} {:?}",
                    index
                        .containing(p)
                        .iter()
                        .map(|&z| index.zone(z).id())
                        .collect::<Vec<_>>(),
                    near.iter()
                        .map(|n| (index.zone(n.zone).id(), n.distance.0 / 1852.0))
                        .collect::<Vec<_>>()
                );
                return;
            }
            let p = LatLon::new(lon, lat).unwrap();
            let mut got: Vec<String> = index
                .containing(p)
                .iter()
                .map(|&z| index.zone(z).id().to_owned())
                .collect();
            let mut near = Vec::new();
            index.nearest_boundaries(
                &Haversine,
                p,
                Meters(18_520.0),
                Boundaries::Alerting,
                &mut near,
            );
            for n in &near {
                got.push(format!(
                    "{}~{:.0}nm",
                    index.zone(n.zone).id(),
                    n.distance.0 / 1852.0
                ));
            }
            if got.join(" ") != expect {
                eprintln!("GOLDEN {name}: {}", got.join(" "));
            }
            assert_eq!(got.join(" "), expect, "{name}");
        };
        check(
            "Phu Quoc, off Duong Dong",
            103.90,
            10.22,
            "joint-vn-kh-historic-waters",
        );
        check(
            "Phu Quoc, Duong Dong port",
            103.97,
            10.21,
            "port-an-thoi-duong-dong-phu-quoc",
        );
        check(
            "Gulf of Tonkin, Vietnamese side of the 2000 line",
            107.70,
            20.00,
            "vn-eez foreign-chn~10nm",
        );
        check(
            "Gulf of Tonkin, Chinese side of the 2000 line",
            108.25,
            20.10,
            "foreign-chn foreign-chn~7nm",
        );
        check(
            "North of Natuna",
            108.10,
            4.80,
            "foreign-idn foreign-idn~6nm",
        );
        check(
            "North of Natuna, beyond the 2003 line",
            108.00,
            5.80,
            "foreign-idn",
        );
        check(
            "Vietnamese side of the 2003 line, EEZ pending",
            106.50,
            6.45,
            "undelimited-vn-id-eez-pending undelimited-vn-id-eez-pending~4nm foreign-idn~8nm",
        );
        check(
            "Vietnamese side of the 2003 line, beyond the band",
            106.50,
            6.60,
            "vn-eez undelimited-vn-id-eez-pending~5nm",
        );
        check(
            "Spratlys, Truong Sa Lon",
            111.92,
            8.64,
            "undelimited-spratlys",
        );
        check("Paracels", 112.0, 16.5, "undelimited-paracels");
        check(
            "Scarborough Shoal",
            117.75,
            15.15,
            "undelimited-scarborough",
        );
        check("Off Nha Trang", 110.0, 12.0, "vn-eez");
        check("Off Son Tra, Da Nang", 108.30, 16.20, "vn-internal");
        check("Off Hainan", 109.0, 17.8, "foreign-chn");
        check("Beyond the land mask, Ha Noi", 105.85, 21.03, "");
    }

    #[test]
    fn stats_of_shipped_zones() {
        let s = shipped().stats();
        assert_eq!((s.zones, s.parts > s.zones), (59, true), "{s:?}");
        assert!(s.heap_bytes < 200 << 20, "{s:?}");
    }
}
