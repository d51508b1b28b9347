//! Throughput of the geofence on a points file, for `scripts/bench-geofence`: reads a zone
//! set and a file of little-endian f64 (lon, lat) pairs, then prints one JSON line with
//! the build time, points per second for classification alone and with alerting
//! boundary distances, and a checksum of the answers.
//!
//! Usage: `throughput ZONES.geojson POINTS.bin [RADIUS_METERS]`

use std::time::Instant;

use geo::Haversine;
use haidang_geofence::{Boundaries, ZoneIndex};
use haidang_types::{LatLon, Meters};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(zones), Some(points)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: throughput ZONES.geojson POINTS.bin [RADIUS_METERS]");
        std::process::exit(2);
    };
    let radius = Meters(
        args.get(3)
            .map_or(18_520.0, |r| r.parse().expect("radius in metres")),
    );
    let text = std::fs::read_to_string(zones).expect("zones file");
    let bytes = std::fs::read(points).expect("points file");
    let points: Vec<LatLon> = bytes
        .chunks_exact(16)
        .map(|c| {
            let lon = f64::from_le_bytes(c[..8].try_into().unwrap());
            let lat = f64::from_le_bytes(c[8..].try_into().unwrap());
            LatLon::new(lon, lat).expect("point in range")
        })
        .collect();

    let start = Instant::now();
    let index = ZoneIndex::from_geojson(&text).expect("zone set");
    let build_s = start.elapsed().as_secs_f64();

    let mut out = Vec::new();
    let mut hits = 0usize;
    let start = Instant::now();
    for &p in &points {
        index.zones_at(p, &mut out);
        hits += out.len();
    }
    let classify_s = start.elapsed().as_secs_f64();

    let mut near = Vec::new();
    let mut near_hits = 0usize;
    let start = Instant::now();
    for &p in &points {
        index.zones_at(p, &mut out);
        index.nearest_boundaries(&Haversine, p, radius, Boundaries::Alerting, &mut near);
        near_hits += near.len();
    }
    let distances_s = start.elapsed().as_secs_f64();
    let stats = index.stats();
    println!(
        "{{\"points\":{},\"build_s\":{build_s:.4},\"classify_points_per_s\":{:.0},\"with_distances_points_per_s\":{:.0},\"containing_pairs\":{hits},\"near_pairs\":{near_hits},\"parts\":{},\"edges\":{},\"cells\":{},\"index_heap_bytes\":{}}}",
        points.len(),
        points.len() as f64 / classify_s,
        points.len() as f64 / distances_s,
        stats.parts,
        stats.edges,
        stats.cells,
        stats.heap_bytes,
    );
}
