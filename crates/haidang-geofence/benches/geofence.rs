//! Benchmarks: classification and classification with nearest-boundary distances of 1 M
//! points against the shipped zone set, and the time to build the index.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use geo::Haversine;
use haidang_geofence::{Boundaries, ZoneIndex};
use haidang_types::{LatLon, Meters};

const POINTS: usize = 1_000_000;

fn zones_text() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../geodata/zones.geojson"
    ))
    .unwrap()
}

/// 1 M points spread over 98-125 E, 0-26 N (the shipped set's box), from a fixed seed.
fn points() -> Vec<LatLon> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..POINTS)
        .map(|_| LatLon::new(98.0 + 27.0 * next(), 26.0 * next()).unwrap())
        .collect()
}

fn bench(c: &mut Criterion) {
    let text = zones_text();
    let index = ZoneIndex::from_geojson(&text).unwrap();
    let points = points();
    let mut group = c.benchmark_group("geofence");
    group.sample_size(10);
    group.bench_function("build index (shipped zones)", |b| {
        b.iter(|| ZoneIndex::from_geojson(black_box(&text)).unwrap())
    });
    group.throughput(Throughput::Elements(POINTS as u64));
    group.bench_function("classify 1M points", |b| {
        let mut out = Vec::new();
        b.iter(|| {
            let mut n = 0;
            for &p in &points {
                index.zones_at(p, &mut out);
                n += out.len();
            }
            n
        })
    });
    // The rules ask for alerting boundaries; the tracker asks for all of them.
    for (name, which) in [
        (
            "classify + alerting distances within 10 nm, 1M points",
            Boundaries::Alerting,
        ),
        (
            "classify + all distances within 10 nm (the tracker), 1M points",
            Boundaries::All,
        ),
    ] {
        group.bench_function(name, |b| {
            let (mut out, mut near) = (Vec::new(), Vec::new());
            b.iter(|| {
                let mut n = 0;
                for &p in &points {
                    index.zones_at(p, &mut out);
                    index.nearest_boundaries(&Haversine, p, Meters(18_520.0), which, &mut near);
                    n += out.len() + near.len();
                }
                n
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
