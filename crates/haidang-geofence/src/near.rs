//! Distances to boundary edges through a grid: each cell lists the edges that may come
//! within a fixed reach of some point of the cell, sorted by a lower bound of their
//! distance to the cell, so that a query stops at the first edge beyond its radius and a
//! point far from every edge looks at nothing.

use haidang_types::Meters;

use crate::index::{Nearest, ZoneId};
use crate::sphere::{self, Vec3};

/// An edge with the vectors that make rejecting it cheap.
#[derive(Clone, Copy, Debug)]
struct Prepared {
    a: Vec3,
    b: Vec3,
    /// The unit normal of the great circle through `a` and `b`.
    n: Vec3,
    /// A point `p` projects between `a` and `b` iff `p.na >= 0` and `p.nb >= 0`.
    na: Vec3,
    nb: Vec3,
    /// `a` and `b` are (nearly) the same point: only the endpoints count.
    degenerate: bool,
    zone: u32,
}

impl Prepared {
    /// The squared chord from `q` to the nearest point of the arc, or infinity when `q`
    /// is further than `h_limit` (a squared sine) from the arc's great circle.
    #[inline]
    fn chord2(&self, q: Vec3, h_limit: f64) -> f64 {
        if self.degenerate {
            return chord2_between(q, self.a).min(chord2_between(q, self.b));
        }
        // h is the sine of the angle from q to the great circle: a lower bound.
        let h = dot(q, self.n);
        let h2 = h * h;
        if h2 > h_limit {
            return f64::INFINITY;
        }
        if dot(q, self.na) >= 0.0 && dot(q, self.nb) >= 0.0 {
            // chord^2 = 2 - 2 cos(angle) with cos(angle) = sqrt(1 - h^2), without
            // cancellation.
            2.0 * h2 / (1.0 + (1.0 - h2).sqrt())
        } else {
            chord2_between(q, self.a).min(chord2_between(q, self.b))
        }
    }
}

/// The angle (radians) between two unit vectors a squared chord `key` apart.
fn angle_of_chord2(key: f64) -> f64 {
    2.0 * (key.sqrt() / 2.0).min(1.0).asin()
}

/// One input edge: its endpoints as (lon, lat) and its zone (or line).
pub(crate) type RawEdge = ((f64, f64), (f64, f64), u32);

/// The grid.
#[derive(Debug)]
pub(crate) struct NearGrid {
    x0: f64,
    y0: f64,
    cell_w: f64,
    cell_h: f64,
    nx: usize,
    ny: usize,
    /// The angle (radians) up to which every cell's list is complete.
    reach: f64,
    cell_start: Vec<u32>,
    /// (lower bound of the edge's angular distance from any point of the cell, edge).
    entries: Vec<(f32, u32)>,
    edges: Vec<Prepared>,
}

fn dot(a: Vec3, b: Vec3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn cross(a: Vec3, b: Vec3) -> Vec3 {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn chord2_between(p: Vec3, a: Vec3) -> f64 {
    let d = [p[0] - a[0], p[1] - a[1], p[2] - a[2]];
    dot(d, d)
}

/// The largest f32 not above `v` (v >= 0).
fn f32_down(v: f64) -> f32 {
    let f = v as f32;
    if f64::from(f) > v { f.next_down() } else { f }
}

impl NearGrid {
    /// Builds the grid for `edges` with lists complete up to `reach` radians, with cells of
    /// `cell_deg` degrees. Returns `None` when the edges come within reach of the
    /// antimeridian or of latitude 80 (the cells' bounds are not worth getting right
    /// there; callers fall back to their R-tree), or when there are no edges.
    pub(crate) fn build(edges: &[RawEdge], reach: f64, cell_deg: f64) -> Option<NearGrid> {
        if edges.is_empty() {
            return None;
        }
        // Any point of a cell is within `rc` of its centre: lon/lat distances bound the
        // great-circle distance from above (ds^2 = dlat^2 + cos^2(lat) dlon^2).
        let rc = (cell_deg / 2.0).to_radians() * std::f64::consts::SQRT_2 * (1.0 + 1e-6) + 1e-9;
        // The box of every point within `reach + rc` of each edge: an arc lies within half
        // its length of its nearer endpoint.
        let boxes: Vec<(f64, f64, f64, f64)> = edges
            .iter()
            .map(|&(a, b, _)| {
                let len = sphere::angle(sphere::unit(a.0, a.1), sphere::unit(b.0, b.1));
                let d = reach + rc + len / 2.0 + 1e-9;
                let dlat = d.to_degrees() * 1.01;
                let lat_max = a.1.abs().max(b.1.abs()) + dlat;
                let dlon = (d / lat_max.to_radians().cos()).to_degrees() * 1.01;
                (
                    a.0.min(b.0) - dlon,
                    a.1.min(b.1) - dlat,
                    a.0.max(b.0) + dlon,
                    a.1.max(b.1) + dlat,
                )
            })
            .collect();
        let mut bbox = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for b in &boxes {
            bbox = (
                bbox.0.min(b.0),
                bbox.1.min(b.1),
                bbox.2.max(b.2),
                bbox.3.max(b.3),
            );
        }
        if bbox.0 <= -180.0 || bbox.2 >= 180.0 || bbox.1 <= -80.0 || bbox.3 >= 80.0 {
            return None;
        }
        let nx = (((bbox.2 - bbox.0) / cell_deg).ceil() as usize).max(1);
        let ny = (((bbox.3 - bbox.1) / cell_deg).ceil() as usize).max(1);
        if nx.checked_mul(ny)? > 1 << 24 {
            return None;
        }
        let mut grid = NearGrid {
            x0: bbox.0,
            y0: bbox.1,
            cell_w: cell_deg,
            cell_h: cell_deg,
            nx,
            ny,
            reach,
            cell_start: vec![0; nx * ny + 1],
            entries: Vec::new(),
            edges: edges
                .iter()
                .map(|&(a, b, zone)| {
                    let (a, b) = (sphere::unit(a.0, a.1), sphere::unit(b.0, b.1));
                    let n = cross(a, b);
                    let len = dot(n, n).sqrt();
                    let degenerate = len < 1e-15;
                    let n = if degenerate {
                        [0.0; 3]
                    } else {
                        [n[0] / len, n[1] / len, n[2] / len]
                    };
                    Prepared {
                        a,
                        b,
                        n,
                        na: cross(n, a),
                        nb: cross(b, n),
                        degenerate,
                        zone,
                    }
                })
                .collect(),
        };
        // Rows are done in bands so that the candidate pairs of only one band are held
        // at a time.
        const BAND_ROWS: usize = 16;
        let n_bands = ny.div_ceil(BAND_ROWS);
        let mut band_edges: Vec<Vec<u32>> = vec![Vec::new(); n_bands];
        for (i, b) in boxes.iter().enumerate() {
            let (first, last) = (grid.row(b.1) / BAND_ROWS, grid.row(b.3) / BAND_ROWS);
            for members in &mut band_edges[first..=last] {
                members.push(i as u32);
            }
        }
        let pass = sphere::chord2(reach + rc) * (1.0 + 1e-9) + 1e-15;
        // The sines and cosines of the cell centres' longitudes and latitudes, once.
        let col_sc: Vec<(f64, f64)> = (0..nx)
            .map(|c| {
                (grid.x0 + (c as f64 + 0.5) * grid.cell_w)
                    .to_radians()
                    .sin_cos()
            })
            .collect();
        let row_sc: Vec<(f64, f64)> = (0..ny)
            .map(|r| {
                (grid.y0 + (r as f64 + 0.5) * grid.cell_h)
                    .to_radians()
                    .sin_cos()
            })
            .collect();
        let mut pairs: Vec<(u64, f64, u32)> = Vec::new();
        let mut zone_bound: Vec<(u32, f64)> = Vec::new();
        for (band, members) in band_edges.iter().enumerate() {
            let (band_r0, band_r1) = (band * BAND_ROWS, ((band + 1) * BAND_ROWS).min(ny) - 1);
            pairs.clear();
            for &i in members {
                let (edge, b) = (&grid.edges[i as usize], &boxes[i as usize]);
                let (c0, c1) = (grid.col(b.0), grid.col(b.2));
                let (r0, r1) = (grid.row(b.1).max(band_r0), grid.row(b.3).min(band_r1));
                for (r, &(sp, cp)) in row_sc.iter().enumerate().take(r1 + 1).skip(r0) {
                    for (c, &(sl, cl)) in col_sc.iter().enumerate().take(c1 + 1).skip(c0) {
                        let key = edge.chord2([cp * cl, cp * sl, sp], f64::INFINITY);
                        if key <= pass {
                            let d = angle_of_chord2(key);
                            let lb = f32_down((d - rc).max(0.0));
                            pairs.push((
                                (((r * nx + c) as u64) << 32) | u64::from(lb.to_bits()),
                                d,
                                i,
                            ));
                        }
                    }
                }
            }
            // By cell, then the stored lower bound (the bits of a non-negative f32 order
            // as it does), then edge. The query relies on each cell's entries being in the
            // order of their stored bounds.
            pairs.sort_unstable_by_key(|&(key, _, i)| (key, i));
            let mut k = 0;
            while k < pairs.len() {
                let cell = pairs[k].0 >> 32;
                let end = k + pairs[k..].partition_point(|p| p.0 >> 32 == cell);
                // Every point of the cell is within `d_min + rc` of the zone's edge nearest
                // the centre, so an edge of that zone further than that plus `rc` from the
                // centre is never the zone's nearest for a point of the cell.
                zone_bound.clear();
                for &(_, d, i) in &pairs[k..end] {
                    let zone = grid.edges[i as usize].zone;
                    if !zone_bound.iter().any(|z| z.0 == zone) {
                        zone_bound.push((zone, (d + 2.0 * rc) * (1.0 + 1e-9) + 1e-12));
                    }
                }
                for &(key, d, i) in &pairs[k..end] {
                    let zone = grid.edges[i as usize].zone;
                    let bound = zone_bound.iter().find(|z| z.0 == zone).map_or(0.0, |z| z.1);
                    if d <= bound {
                        grid.entries.push((f32::from_bits(key as u32), i));
                        grid.cell_start[cell as usize + 1] += 1;
                    }
                }
                k = end;
            }
        }
        for i in 0..nx * ny {
            grid.cell_start[i + 1] += grid.cell_start[i];
        }
        grid.entries.shrink_to_fit();
        Some(grid)
    }

    fn col(&self, x: f64) -> usize {
        (((x - self.x0) / self.cell_w).floor().max(0.0) as usize).min(self.nx - 1)
    }

    fn row(&self, y: f64) -> usize {
        (((y - self.y0) / self.cell_h).floor().max(0.0) as usize).min(self.ny - 1)
    }

    /// The angle (radians) up to which [`NearGrid::nearest`] answers.
    pub(crate) fn reach(&self) -> f64 {
        self.reach
    }

    /// Sets `out` to each zone with an edge within `limit` radians (at most
    /// [`NearGrid::reach`]) of the point (`lon`, `lat`), with the distance to its nearest
    /// edge on a sphere of `radius` metres, in no particular order.
    pub(crate) fn nearest(
        &self,
        lon: f64,
        lat: f64,
        limit: f64,
        radius: f64,
        out: &mut Vec<Nearest>,
    ) {
        debug_assert!(limit <= self.reach);
        out.clear();
        let x1 = self.x0 + self.nx as f64 * self.cell_w;
        let y1 = self.y0 + self.ny as f64 * self.cell_h;
        // Beyond the grid every edge is further than the reach; NaN is outside too.
        if !(lon >= self.x0 && lon <= x1 && lat >= self.y0 && lat <= y1) {
            return;
        }
        // Inside the box both quotients are at least 0, so truncation is floor (and
        // cheaper: `floor` is a library call without SSE 4.1).
        let col = (((lon - self.x0) / self.cell_w) as usize).min(self.nx - 1);
        let row = (((lat - self.y0) / self.cell_h) as usize).min(self.ny - 1);
        let cell = row * self.nx + col;
        let (s, e) = (
            self.cell_start[cell] as usize,
            self.cell_start[cell + 1] as usize,
        );
        let entries = &self.entries[s..e];
        // Most points are far from every edge: no trigonometry for them.
        if entries.first().is_none_or(|&(lb, _)| f64::from(lb) > limit) {
            return;
        }
        let q = sphere::unit(lon, lat);
        // Conservative thresholds, as sin(x) <= x and 2 sin(x / 2) <= x: the exact angle
        // decides below.
        let limit2 = limit * limit * (1.0 + 1e-9) + 1e-15;
        for &(lb, i) in entries {
            if f64::from(lb) > limit {
                break;
            }
            let edge = &self.edges[i as usize];
            let key = edge.chord2(q, limit2);
            if key > limit2 {
                continue;
            }
            // While scanning, `distance` holds the squared chord.
            match out.iter_mut().find(|n| n.zone.0 == edge.zone) {
                Some(n) => n.distance.0 = n.distance.0.min(key),
                None => out.push(Nearest {
                    zone: ZoneId(edge.zone),
                    distance: Meters(key),
                }),
            }
        }
        out.retain_mut(|n| {
            let angle = angle_of_chord2(n.distance.0);
            n.distance.0 = angle * radius;
            angle <= limit
        });
    }

    /// Bytes held, roughly.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.cell_start.len() * 4
            + self.entries.len() * 8
            + self.edges.len() * std::mem::size_of::<Prepared>()
    }
}
