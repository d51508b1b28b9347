//! Benchmarks: observations per second for a fleet of 30,000 vessels (one round of fixes,
//! a tenth of them in foreign waters, some approaching), and one tick over that fleet.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use haidang_rules::{
    Observation, Plausibility, Rules, RulesConfig, Source, ZoneEvent, ZoneEventKind, ZoneRef,
};
use haidang_types::{Knots, LatLon, Meters, Mmsi, ZoneClass};

const VESSELS: usize = 30_000;

const EEZ: ZoneRef<'static> = ZoneRef {
    id: "VNM-eez",
    class: ZoneClass::VnEez,
    country: Some("VNM"),
};
const IDN: ZoneRef<'static> = ZoneRef {
    id: "IDN-eez",
    class: ZoneClass::Foreign,
    country: Some("IDN"),
};

struct Boat {
    key: String,
    mmsi: Option<Mmsi>,
    source: Source,
    position: LatLon,
}

fn fleet() -> Vec<Boat> {
    (0..VESSELS)
        .map(|i| {
            let vms = i % 2 == 0;
            let position =
                LatLon::new(105.0 + (i % 100) as f64 * 0.1, 5.0 + (i / 300) as f64 * 0.1)
                    .expect("valid");
            Boat {
                key: if vms {
                    format!("reg:BV-{i:05}-TS")
                } else {
                    format!("mmsi:{:09}", 574_000_000 + i)
                },
                mmsi: (!vms).then(|| Mmsi::new(574_000_000 + i as u32)).flatten(),
                source: if vms { Source::Vms } else { Source::Ais },
                position,
            }
        })
        .collect()
}

/// One round: every vessel reports once at `t`.
fn round(
    rules: &mut Rules,
    boats: &[Boat],
    t: i64,
    first: bool,
    out: &mut Vec<haidang_rules::Output>,
) {
    let home = [EEZ];
    let abroad = [IDN];
    let enter = [ZoneEvent {
        kind: ZoneEventKind::Enter,
        zone: IDN,
        distance: None,
        toward: None,
    }];
    let approach = [ZoneEvent {
        kind: ZoneEventKind::Approach,
        zone: IDN,
        distance: Some(Meters(8_000.0)),
        toward: None,
    }];
    for (i, b) in boats.iter().enumerate() {
        let foreign = i % 10 == 0;
        let (zones, events): (&[ZoneRef<'_>], &[ZoneEvent<'_>]) = if foreign {
            (&abroad, if first { &enter } else { &[] })
        } else if i % 10 == 1 {
            (&home, &approach)
        } else {
            (&home, &[])
        };
        let obs = Observation {
            vessel: &b.key,
            mmsi: b.mmsi,
            source: b.source,
            provider: (b.source == Source::Vms).then_some("VNPT"),
            fix_ms: t,
            received_ms: t + 2_000,
            position: b.position,
            sog: Some(Knots(6.0)),
            plausibility: Plausibility::Plausible,
            zones,
            events,
        };
        rules.observe(&obs, out);
    }
}

fn bench(c: &mut Criterion) {
    let boats = fleet();
    let mut rules = Rules::new(RulesConfig::recommended()).expect("valid");
    let mut out = Vec::new();
    let mut t = 1_700_000_000_000_i64;
    round(&mut rules, &boats, t, true, &mut out);

    let mut group = c.benchmark_group("rules");
    group.sample_size(20);
    group.throughput(Throughput::Elements(VESSELS as u64));
    group.bench_function("observe 30k vessels", |b| {
        b.iter(|| {
            t += 60_000;
            out.clear();
            round(&mut rules, &boats, t, false, &mut out);
            black_box(out.len())
        })
    });
    group.bench_function("tick 30k vessels", |b| {
        b.iter(|| {
            out.clear();
            rules.tick(t + 1_000, &mut out);
            black_box(out.len())
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
