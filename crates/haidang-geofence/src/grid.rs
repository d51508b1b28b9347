//! Point-in-polygon through a uniform grid: each cell knows, for each polygon part that
//! reaches it, whether the cell is wholly inside the part or crossed by its boundary; only
//! crossed cells need edge tests, and only against the edges that cross that cell.

use robust::{Coord, orient2d};

use crate::load::Rings;

/// Cells are widened by this much (degrees) when deciding which edges cross them, so that
/// rounding in the cell arithmetic can never hide an edge from a cell (1e-9 degrees is
/// about 0.1 mm).
const SLACK: f64 = 1e-9;

#[derive(Clone, Copy, Debug)]
struct Entry {
    part: u32,
    /// `u32::MAX` when the cell is wholly inside the part, else an index into `crossed`.
    crossed: u32,
}

/// A cell crossed by a part's boundary: a reference point of known status and the edges.
#[derive(Clone, Copy, Debug)]
struct Crossed {
    reference: (f64, f64),
    reference_inside: bool,
    first_edge: u32,
    end_edge: u32,
}

/// The grid over all polygon parts.
#[derive(Debug)]
pub(crate) struct Grid {
    /// The box of all parts: (min lon, min lat, max lon, max lat).
    bbox: (f64, f64, f64, f64),
    x0: f64,
    y0: f64,
    cell_w: f64,
    cell_h: f64,
    nx: usize,
    ny: usize,
    cell_start: Vec<u32>,
    entries: Vec<Entry>,
    crossed: Vec<Crossed>,
    /// Edges as [ax, ay, bx, by], grouped per crossed cell.
    edges: Vec<[f64; 4]>,
}

impl Grid {
    /// Builds the grid for `parts`, with about 16 cells per edge (between 4,096 and 4 M).
    pub(crate) fn build(parts: &[Rings]) -> Grid {
        let mut bbox = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        let mut n_edges = 0usize;
        for rings in parts {
            for ring in rings {
                n_edges += ring.len() - 1;
                for &(x, y) in ring {
                    bbox = (bbox.0.min(x), bbox.1.min(y), bbox.2.max(x), bbox.3.max(y));
                }
            }
        }
        if parts.is_empty() {
            bbox = (0.0, 0.0, 1.0, 1.0);
        }
        let w = (bbox.2 - bbox.0).max(1e-6);
        let h = (bbox.3 - bbox.1).max(1e-6);
        let target = (16 * n_edges).clamp(1 << 12, 1 << 22) as f64;
        let side = (w * h / target).sqrt();
        let nx = ((w / side).ceil() as usize).clamp(1, 1 << 14);
        let ny = ((h / side).ceil() as usize).clamp(1, 1 << 14);
        let mut grid = Grid {
            bbox,
            x0: bbox.0,
            y0: bbox.1,
            cell_w: w / nx as f64,
            cell_h: h / ny as f64,
            nx,
            ny,
            cell_start: Vec::new(),
            entries: Vec::new(),
            crossed: Vec::new(),
            edges: Vec::new(),
        };
        let mut pending: Vec<(u32, Entry)> = Vec::new();
        for (part, rings) in parts.iter().enumerate() {
            grid.add_part(part as u32, rings, &mut pending);
        }
        pending.sort_by_key(|(cell, entry)| (*cell, entry.part));
        grid.cell_start = vec![0; nx * ny + 1];
        for (cell, _) in &pending {
            grid.cell_start[*cell as usize + 1] += 1;
        }
        for i in 0..nx * ny {
            grid.cell_start[i + 1] += grid.cell_start[i];
        }
        grid.entries = pending.into_iter().map(|(_, e)| e).collect();
        grid
    }

    fn col(&self, x: f64) -> isize {
        ((x - self.x0) / self.cell_w).floor() as isize
    }

    fn row(&self, y: f64) -> isize {
        ((y - self.y0) / self.cell_h).floor() as isize
    }

    fn clamp_col(&self, c: isize) -> usize {
        c.clamp(0, self.nx as isize - 1) as usize
    }

    fn clamp_row(&self, r: isize) -> usize {
        r.clamp(0, self.ny as isize - 1) as usize
    }

    fn add_part(&mut self, part: u32, rings: &[Vec<(f64, f64)>], pending: &mut Vec<(u32, Entry)>) {
        let edges: Vec<[f64; 4]> = rings
            .iter()
            .flat_map(|r| r.windows(2).map(|w| [w[0].0, w[0].1, w[1].0, w[1].1]))
            .collect();
        let (mut xmin, mut ymin, mut xmax, mut ymax) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for e in &edges {
            xmin = xmin.min(e[0]).min(e[2]);
            xmax = xmax.max(e[0]).max(e[2]);
            ymin = ymin.min(e[1]).min(e[3]);
            ymax = ymax.max(e[1]).max(e[3]);
        }
        let (c0, c1) = (
            self.clamp_col(self.col(xmin - SLACK)),
            self.clamp_col(self.col(xmax + SLACK)),
        );
        let (r0, r1) = (
            self.clamp_row(self.row(ymin - SLACK)),
            self.clamp_row(self.row(ymax + SLACK)),
        );
        let ncols = c1 - c0 + 1;
        // For each row of the part's box: the edges reaching the row's band, and the cells
        // crossed by each edge.
        let mut row_edges: Vec<Vec<u32>> = vec![Vec::new(); r1 - r0 + 1];
        let mut cell_edges: Vec<(usize, u32)> = Vec::new();
        for (i, e) in edges.iter().enumerate() {
            let (ey0, ey1) = (e[1].min(e[3]), e[1].max(e[3]));
            let ra = self.clamp_row(self.row(ey0 - SLACK)).max(r0);
            let rb = self.clamp_row(self.row(ey1 + SLACK)).min(r1);
            for r in ra..=rb {
                row_edges[r - r0].push(i as u32);
                // The part of the edge within the (slackened) band of row r.
                let band0 = self.y0 + r as f64 * self.cell_h - SLACK;
                let band1 = self.y0 + (r + 1) as f64 * self.cell_h + SLACK;
                let (bx0, bx1) = x_range_in_band(e, band0, band1);
                let ca = self.clamp_col(self.col(bx0 - SLACK)).max(c0);
                let cb = self.clamp_col(self.col(bx1 + SLACK)).min(c1);
                for c in ca..=cb {
                    cell_edges.push(((r - r0) * ncols + (c - c0), i as u32));
                }
            }
        }
        cell_edges.sort_unstable();
        cell_edges.dedup();
        let mut next = 0;
        let mut crossings: Vec<f64> = Vec::new();
        for r in r0..=r1 {
            let yc = self.y0 + (r as f64 + 0.5) * self.cell_h;
            // Where the row's centre line crosses the boundary, for the cells no edge reaches.
            crossings.clear();
            for &i in &row_edges[r - r0] {
                let e = &edges[i as usize];
                if (e[1] > yc) != (e[3] > yc) {
                    crossings.push(e[0] + (yc - e[1]) * (e[2] - e[0]) / (e[3] - e[1]));
                }
            }
            crossings.sort_unstable_by(f64::total_cmp);
            for c in c0..=c1 {
                let local = (r - r0) * ncols + (c - c0);
                let cell = (r * self.nx + c) as u32;
                let start = next;
                while next < cell_edges.len() && cell_edges[next].0 == local {
                    next += 1;
                }
                let xc = self.x0 + (c as f64 + 0.5) * self.cell_w;
                if start == next {
                    // No edge comes near the cell: its centre's status is the cell's.
                    let right = crossings.len() - crossings.partition_point(|&x| x <= xc);
                    if right % 2 == 1 {
                        pending.push((
                            cell,
                            Entry {
                                part,
                                crossed: u32::MAX,
                            },
                        ));
                    }
                    continue;
                }
                let first_edge = self.edges.len() as u32;
                self.edges.extend(
                    cell_edges[start..next]
                        .iter()
                        .map(|&(_, i)| edges[i as usize]),
                );
                let cell_list = &self.edges[first_edge as usize..];
                let reference = self.reference_point(c, r, cell_list);
                let reference_inside = ray_parity(
                    reference,
                    row_edges[r - r0].iter().map(|&i| &edges[i as usize]),
                );
                self.crossed.push(Crossed {
                    reference,
                    reference_inside,
                    first_edge,
                    end_edge: self.edges.len() as u32,
                });
                pending.push((
                    cell,
                    Entry {
                        part,
                        crossed: self.crossed.len() as u32 - 1,
                    },
                ));
            }
        }
    }

    /// A point of cell (c, r) that lies on none of the edges: the centre, or a point near it.
    fn reference_point(&self, c: usize, r: usize, edges: &[[f64; 4]]) -> (f64, f64) {
        for k in 0..64 {
            let fx = 0.5 + 0.37 * ((k * 7 % 11) as f64 / 11.0 - 0.5);
            let fy = 0.5 + 0.37 * ((k * 5 % 13) as f64 / 13.0 - 0.5);
            let p = (
                self.x0 + (c as f64 + fx) * self.cell_w,
                self.y0 + (r as f64 + fy) * self.cell_h,
            );
            if !edges.iter().any(|e| on_edge(p, e)) {
                return p;
            }
        }
        // 64 distinct points of one cell cannot all lie on the cell's few edges unless the
        // edges are degenerate beyond use; the centre is then as good as any.
        (
            self.x0 + (c as f64 + 0.5) * self.cell_w,
            self.y0 + (r as f64 + 0.5) * self.cell_h,
        )
    }

    /// Calls `found` with every part that contains (x, y), in part order.
    #[inline]
    pub(crate) fn parts_at(&self, x: f64, y: f64, mut found: impl FnMut(u32)) {
        // NaN fails every comparison and is outside too.
        if !(x >= self.bbox.0 && x <= self.bbox.2 && y >= self.bbox.1 && y <= self.bbox.3) {
            return;
        }
        let cell = self.clamp_row(self.row(y)) * self.nx + self.clamp_col(self.col(x));
        let (s, e) = (
            self.cell_start[cell] as usize,
            self.cell_start[cell + 1] as usize,
        );
        for entry in &self.entries[s..e] {
            if entry.crossed == u32::MAX
                || self.crossed_contains(&self.crossed[entry.crossed as usize], (x, y))
            {
                found(entry.part);
            }
        }
    }

    /// Exact point-in-part for a point of a crossed cell: the parity of the crossings of
    /// the segment from the cell's reference point to p with the cell's edges.
    fn crossed_contains(&self, cell: &Crossed, p: (f64, f64)) -> bool {
        let edges = &self.edges[cell.first_edge as usize..cell.end_edge as usize];
        // Zones are closed: a point on an edge or vertex is inside.
        if edges.iter().any(|e| on_edge(p, e)) {
            return true;
        }
        let r = cell.reference;
        let mut inside = cell.reference_inside;
        for e in edges {
            let (a, b) = ((e[0], e[1]), (e[2], e[3]));
            let oa = orient(r, p, a);
            let ob = orient(r, p, b);
            // Vertices on the line r-p count as being on its left: a consistent
            // infinitesimal shift of the polygon, which cannot change the answer for a
            // point off the boundary.
            if (oa >= 0.0) == (ob >= 0.0) {
                continue;
            }
            let crosses = if oa == 0.0 {
                strictly_between(a, r, p)
            } else if ob == 0.0 {
                strictly_between(b, r, p)
            } else {
                // Neither r nor p is on the edge, so neither orientation is zero.
                (orient(a, b, r) > 0.0) != (orient(a, b, p) > 0.0)
            };
            if crosses {
                inside = !inside;
            }
        }
        inside
    }

    /// The number of cells, crossed cells and stored edge copies.
    pub(crate) fn sizes(&self) -> (usize, usize, usize) {
        (self.nx * self.ny, self.crossed.len(), self.edges.len())
    }

    /// Bytes held, roughly.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.cell_start.len() * 4
            + self.entries.len() * 8
            + self.crossed.len() * 32
            + self.edges.len() * 32
    }
}

fn orient(a: (f64, f64), b: (f64, f64), c: (f64, f64)) -> f64 {
    orient2d(
        Coord { x: a.0, y: a.1 },
        Coord { x: b.0, y: b.1 },
        Coord { x: c.0, y: c.1 },
    )
}

/// True if p lies on the closed segment e, exactly.
fn on_edge(p: (f64, f64), e: &[f64; 4]) -> bool {
    let (a, b) = ((e[0], e[1]), (e[2], e[3]));
    p.0 >= a.0.min(b.0)
        && p.0 <= a.0.max(b.0)
        && p.1 >= a.1.min(b.1)
        && p.1 <= a.1.max(b.1)
        && orient(a, b, p) == 0.0
}

/// For v collinear with r and p: true if v lies strictly between them.
fn strictly_between(v: (f64, f64), r: (f64, f64), p: (f64, f64)) -> bool {
    if r.0 != p.0 {
        (r.0 < v.0 && v.0 < p.0) || (p.0 < v.0 && v.0 < r.0)
    } else {
        (r.1 < v.1 && v.1 < p.1) || (p.1 < v.1 && v.1 < r.1)
    }
}

/// The exact crossing parity of the ray from p towards +x with `edges` (which must hold
/// every edge whose latitude range contains p's); p must not lie on an edge.
fn ray_parity<'a>(p: (f64, f64), edges: impl Iterator<Item = &'a [f64; 4]>) -> bool {
    let mut inside = false;
    for e in edges {
        let (a, b) = ((e[0], e[1]), (e[2], e[3]));
        if (a.1 > p.1) != (b.1 > p.1) {
            let o = orient(a, b, p);
            // p is left of an upward edge, or right of a downward one: the edge crosses
            // the ray to the east of p.
            if (o > 0.0) == (b.1 > a.1) {
                inside = !inside;
            }
        }
    }
    inside
}

/// The longitude range of the part of edge e within latitudes y0..=y1 (e must reach it).
fn x_range_in_band(e: &[f64; 4], y0: f64, y1: f64) -> (f64, f64) {
    let (ax, ay, bx, by) = (e[0], e[1], e[2], e[3]);
    if ay == by {
        return (ax.min(bx), ax.max(bx));
    }
    let at = |y: f64| {
        let t = ((y - ay) / (by - ay)).clamp(0.0, 1.0);
        ax + t * (bx - ax)
    };
    let (xa, xb) = (at(y0), at(y1));
    (xa.min(xb), xa.max(xb))
}
