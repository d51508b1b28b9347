//! The contract suite, run on both stores: every case is one async fn taking a fresh
//! migrated [`Store`], called once on SQLite (memory) and once on PostgreSQL (a database of
//! its own, created from `HAIDANG_TEST_DATABASE_URL` and dropped afterwards).

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use haidang_types::{Degrees, Knots, LatLon, Mmsi};
use sqlx::{AssertSqlSafe, Connection, PgConnection};
use time::{Duration, OffsetDateTime};

use crate::{
    BBox, Counts, NewPosition, PgStore, QuarantinedLine, Store, StoredPosition, VesselId,
    VesselStatic, ZoneEvent,
};

const URL_VAR: &str = "HAIDANG_TEST_DATABASE_URL";
/// Test databases older than this are left over from a killed run and are dropped.
const STALE_SECS: u64 = 3600;

macro_rules! contract {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $case() {
                    super::$case(super::sqlite_store().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $case() {
                    super::with_pg(|db| super::$case(db.store)).await;
                }
            )*
        }
    };
}

contract!(
    insert_is_idempotent,
    concurrent_writers_store_each_position_once,
    latest_is_per_vessel_and_by_fix_time,
    latest_within_a_box,
    track_is_in_fix_time_order,
    late_fixes_join_the_track_but_not_the_latest,
    vessel_static_data_merges,
    quarantine_is_idempotent,
    positions_in_area,
    positions_are_append_only,
    zone_events_are_stored_once,
    journal_keeps_each_bridge_line_once,
    registry_reimport_supersedes_and_keeps_history,
    compliance_cases_open_from_alerts_and_follow_their_workflow,
);

// ---------------------------------------------------------------------------------------
// Fixtures.

fn t0() -> OffsetDateTime {
    // 2026-11-23T00:00:00Z
    OffsetDateTime::from_unix_timestamp(1_795_392_000).unwrap()
}

fn vessel(n: u32) -> VesselId {
    VesselId::Mmsi(Mmsi::new(574_000_000 + n).unwrap())
}

/// Vessel `n`'s fix at `minute` past t0, received 3 s later, heard by receiver "a".
fn fix(n: u32, minute: i64, lon: f64, lat: f64) -> NewPosition {
    let fix_time = t0() + Duration::minutes(minute);
    NewPosition {
        vessel: vessel(n),
        fix_time,
        received_at: fix_time + Duration::seconds(3),
        source: "tcp:a".into(),
        position: LatLon::new(lon, lat).unwrap(),
        sog: Some(Knots(7.3)),
        cog: Some(Degrees(181.4)),
        heading: Some(180),
        nav_status: Some(7),
        raw: Some("!AIVDM,1,1,,A,13u?etPv2;0n:dDPwUM1U1Cb069D,0*24".to_owned()),
    }
}

fn summary(positions: &[StoredPosition]) -> Vec<(String, i64, f64, f64)> {
    positions
        .iter()
        .map(|p| {
            (
                p.vessel.key(),
                (p.fix_time - t0()).whole_minutes(),
                p.position.lon(),
                p.position.lat(),
            )
        })
        .collect()
}

fn row(n: u32, minute: i64, lon: f64, lat: f64) -> (String, i64, f64, f64) {
    (vessel(n).key(), minute, lon, lat)
}

// ---------------------------------------------------------------------------------------
// The cases.

async fn insert_is_idempotent(store: Store) {
    assert_eq!(store.insert_positions(&[]).await.unwrap(), 0);
    let batch: Vec<_> = (1..=3)
        .flat_map(|n| (0..4).map(move |m| fix(n, m * 10, 109.0 + f64::from(n), 12.0)))
        .collect();
    assert_eq!(store.insert_positions(&batch).await.unwrap(), 12);
    assert_eq!(store.insert_positions(&batch).await.unwrap(), 0, "replay");

    // The same report heard by another receiver, later: not a new position.
    let mut echo = fix(2, 10, 111.0, 12.0);
    echo.source = "udp:b".into();
    echo.received_at += Duration::seconds(40);
    // A duplicate inside one batch, and one new fix.
    let mixed = vec![
        echo,
        fix(3, 0, 112.0, 12.0),
        fix(1, 99, 110.0, 12.5),
        fix(1, 99, 110.0, 12.5),
    ];
    assert_eq!(store.insert_positions(&mixed).await.unwrap(), 1);

    assert_eq!(
        store.counts().await.unwrap(),
        Counts {
            vessels: 3,
            positions: 13,
            quarantined: 0,
            zone_events: 0,
            journaled: 0,
        }
    );
    // The first copy stored is kept, values round-tripped.
    let track = store
        .track(&vessel(2), t0(), t0() + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(track.len(), 4);
    let p = &track[1];
    assert_eq!(p.source, "tcp:a");
    assert_eq!(p.fix_time, t0() + Duration::minutes(10));
    assert_eq!(
        p.received_at,
        t0() + Duration::minutes(10) + Duration::seconds(3)
    );
    assert_eq!(p.sog, Some(Knots(f64::from(7.3_f32))));
    assert_eq!(p.cog, Some(Degrees(f64::from(181.4_f32))));
    assert_eq!(
        (p.heading, p.nav_status, p.raw.as_deref()),
        (
            Some(180),
            Some(7),
            Some("!AIVDM,1,1,,A,13u?etPv2;0n:dDPwUM1U1Cb069D,0*24")
        )
    );
}

/// Two writers at once, with batches that overlap (as a replay racing the live feed does):
/// each position is stored once, counted new by exactly one writer, and every vessel's
/// latest position is its newest fix. A batch that met positions already stored leaves
/// nothing behind that would spoil the next one (a new vessel in it is stored too).
async fn concurrent_writers_store_each_position_once(store: Store) {
    let batch = |vessels: std::ops::RangeInclusive<u32>, minutes: std::ops::Range<i64>| {
        vessels
            .flat_map(|n| {
                minutes
                    .clone()
                    .map(move |m| fix(n, m, 100.0 + f64::from(n) / 10.0, 10.0 + m as f64 / 100.0))
            })
            .collect::<Vec<_>>()
    };
    for round in 0..4 {
        let offset = round * 100;
        let a = batch(1..=40, offset..offset + 30);
        let b = batch(21..=60, offset + 15..offset + 45);
        let (one, two) = (store.clone(), store.clone());
        let (x, y) = tokio::join!(
            tokio::spawn(async move { one.insert_positions(&a).await.unwrap() }),
            tokio::spawn(async move { two.insert_positions(&b).await.unwrap() }),
        );
        // 40 x 30 + 40 x 30, less the 20 vessels x 15 minutes in both.
        assert_eq!(x.unwrap() + y.unwrap(), 2100, "round {round}");
    }
    assert_eq!(store.counts().await.unwrap().positions, 4 * 2100);
    let latest = store.latest_positions(None).await.unwrap();
    assert_eq!(latest.len(), 60);
    for p in &latest {
        let n = p.vessel.key()[5..].parse::<u32>().unwrap() - 574_000_000;
        let last = if n <= 20 { 329 } else { 344 };
        assert_eq!(
            (p.fix_time - t0()).whole_minutes(),
            last,
            "{}",
            p.vessel.key()
        );
    }
    // After batches that met stored positions, one more with a vessel never seen.
    let mut next = batch(1..=2, 400..401);
    next.push(fix(99, 400, 109.0, 11.0));
    next.extend(batch(1..=1, 0..1));
    assert_eq!(store.insert_positions(&next).await.unwrap(), 3);
    assert_eq!(store.latest_positions(None).await.unwrap().len(), 61);
}

async fn latest_is_per_vessel_and_by_fix_time(store: Store) {
    let reg = VesselId::Registration("KH-90123-TS".into());
    let mut vms = fix(0, 30, 108.5, 11.0);
    vms.vessel = reg.clone();
    vms.sog = None;
    vms.cog = None;
    vms.heading = None;
    vms.nav_status = None;
    vms.raw = Some("\\s:BV-90001-TS,c:1795000000*00\\$GPRMC,...".to_owned());
    let batch = vec![
        fix(1, 0, 109.0, 12.0),
        fix(1, 20, 109.2, 12.1),
        fix(1, 10, 109.1, 12.05),
        fix(2, 5, 110.0, 10.0),
        vms.clone(),
    ];
    assert_eq!(store.insert_positions(&batch).await.unwrap(), 5);
    let latest = store.latest_positions(None).await.unwrap();
    assert_eq!(
        summary(&latest),
        vec![
            row(1, 20, 109.2, 12.1),
            row(2, 5, 110.0, 10.0),
            (reg.key(), 30, 108.5, 11.0),
        ]
    );
    let stored_vms = &latest[2];
    assert_eq!(stored_vms.vessel, reg);
    assert_eq!(
        (
            stored_vms.sog,
            stored_vms.heading,
            stored_vms.raw.as_deref()
        ),
        (
            None,
            None,
            Some("\\s:BV-90001-TS,c:1795000000*00\\$GPRMC,...")
        )
    );

    // A newer fix moves the latest position on.
    assert_eq!(
        store
            .insert_positions(&[fix(2, 6, 110.1, 10.1)])
            .await
            .unwrap(),
        1
    );
    let latest = store.latest_positions(None).await.unwrap();
    assert_eq!(summary(&latest)[1], row(2, 6, 110.1, 10.1));
}

async fn latest_within_a_box(store: Store) {
    let batch = vec![
        fix(1, 0, 109.0, 12.0),
        fix(1, 1, 115.0, 12.0), // vessel 1's latest is outside the box
        fix(2, 0, 110.0, 10.0),
        fix(3, 0, 111.0, 11.0), // on the box's eastern edge
        fix(4, 0, 179.9, -16.0),
        fix(5, 0, -179.9, -16.0),
        fix(6, 0, 170.0, -16.0),
    ];
    assert_eq!(store.insert_positions(&batch).await.unwrap(), 7);
    let vietnam = BBox {
        west: 105.0,
        south: 8.0,
        east: 111.0,
        north: 13.0,
    };
    let inside = store.latest_positions(Some(vietnam)).await.unwrap();
    assert_eq!(
        summary(&inside),
        vec![row(2, 0, 110.0, 10.0), row(3, 0, 111.0, 11.0)]
    );

    let fiji = BBox {
        west: 179.0,
        south: -20.0,
        east: -179.0,
        north: -10.0,
    };
    let across = store.latest_positions(Some(fiji)).await.unwrap();
    assert_eq!(
        summary(&across),
        vec![row(4, 0, 179.9, -16.0), row(5, 0, -179.9, -16.0)]
    );
}

async fn track_is_in_fix_time_order(store: Store) {
    // Two batches, each out of order, interleaved with another vessel.
    let first = vec![
        fix(1, 30, 109.3, 12.0),
        fix(2, 0, 100.0, 5.0),
        fix(1, 10, 109.1, 12.0),
    ];
    let second = vec![
        fix(1, 40, 109.4, 12.0),
        fix(1, 0, 109.0, 12.0),
        fix(1, 20, 109.2, 12.0),
    ];
    assert_eq!(store.insert_positions(&first).await.unwrap(), 3);
    assert_eq!(store.insert_positions(&second).await.unwrap(), 3);

    let all = store
        .track(&vessel(1), t0(), t0() + Duration::hours(1))
        .await
        .unwrap();
    let minutes: Vec<i64> = summary(&all).iter().map(|r| r.1).collect();
    assert_eq!(minutes, vec![0, 10, 20, 30, 40]);

    // The range is half-open: [from, to).
    let part = store
        .track(
            &vessel(1),
            t0() + Duration::minutes(10),
            t0() + Duration::minutes(30),
        )
        .await
        .unwrap();
    assert_eq!(
        summary(&part),
        vec![row(1, 10, 109.1, 12.0), row(1, 20, 109.2, 12.0)]
    );

    let none = store
        .track(&vessel(9), t0(), t0() + Duration::hours(1))
        .await
        .unwrap();
    assert!(none.is_empty());
}

async fn late_fixes_join_the_track_but_not_the_latest(store: Store) {
    assert_eq!(
        store
            .insert_positions(&[fix(1, 60, 109.6, 12.0)])
            .await
            .unwrap(),
        1
    );
    // Fixes delivered late by a bridge after an outage: minutes before, a month before
    // (another partition on PostgreSQL), and a year before.
    let mut late = vec![
        fix(1, 30, 109.3, 12.0),
        fix(1, -31 * 24 * 60, 108.0, 11.0),
        fix(1, -365 * 24 * 60, 107.0, 10.0),
    ];
    for p in &mut late {
        p.received_at = t0() + Duration::hours(2);
    }
    assert_eq!(store.insert_positions(&late).await.unwrap(), 3);
    assert_eq!(store.insert_positions(&late).await.unwrap(), 0);

    let latest = store.latest_positions(None).await.unwrap();
    assert_eq!(summary(&latest), vec![row(1, 60, 109.6, 12.0)]);
    assert_eq!(
        latest[0].received_at,
        t0() + Duration::minutes(60) + Duration::seconds(3)
    );

    let track = store
        .track(
            &vessel(1),
            t0() - Duration::days(400),
            t0() + Duration::days(1),
        )
        .await
        .unwrap();
    assert_eq!(
        summary(&track),
        vec![
            row(1, -365 * 24 * 60, 107.0, 10.0),
            row(1, -31 * 24 * 60, 108.0, 11.0),
            row(1, 30, 109.3, 12.0),
            row(1, 60, 109.6, 12.0),
        ]
    );
    assert_eq!(store.counts().await.unwrap().positions, 4);
}

async fn vessel_static_data_merges(store: Store) {
    let v = vessel(1);
    assert_eq!(store.vessel(&v).await.unwrap(), None);
    let first = VesselStatic {
        name: Some("BINH DINH 97979".into()),
        call_sign: Some("XVAB1".into()),
        length_meters: Some(24.5),
        ship_type: Some(30),
        imo: Some(9_123_456),
        updated_at: Some(t0()),
        ..VesselStatic::default()
    };
    store.upsert_vessel(&v, &first).await.unwrap();
    assert_eq!(store.vessel(&v).await.unwrap().as_ref(), Some(&first));

    // Older data changes nothing.
    let stale = VesselStatic {
        name: Some("OLD NAME".into()),
        updated_at: Some(t0() - Duration::days(1)),
        ..VesselStatic::default()
    };
    store.upsert_vessel(&v, &stale).await.unwrap();
    assert_eq!(store.vessel(&v).await.unwrap().as_ref(), Some(&first));

    // Newer data merges: given fields replace, missing ones stay.
    let newer = VesselStatic {
        destination: Some("QUY NHON".into()),
        province: Some("Binh Dinh".into()),
        vms_provider: Some("provider-1".into()),
        updated_at: Some(t0() + Duration::hours(1)),
        ..VesselStatic::default()
    };
    store.upsert_vessel(&v, &newer).await.unwrap();
    let merged = store.vessel(&v).await.unwrap().unwrap();
    assert_eq!(
        merged,
        VesselStatic {
            destination: newer.destination.clone(),
            province: newer.province.clone(),
            vms_provider: newer.vms_provider.clone(),
            updated_at: newer.updated_at,
            ..first.clone()
        }
    );

    // Many at once, in order: the same merge rules, in one transaction.
    let (a, b) = (vessel(2), vessel(3));
    let named = |name: &str, hours: i64| VesselStatic {
        name: Some(name.into()),
        updated_at: Some(t0() + Duration::hours(hours)),
        ..VesselStatic::default()
    };
    store
        .upsert_vessels(&[
            (a.clone(), named("A1", 1)),
            (b.clone(), named("B1", 1)),
            (a.clone(), named("A2", 2)),
        ])
        .await
        .unwrap();
    assert_eq!(
        store
            .vessel(&a)
            .await
            .unwrap()
            .and_then(|s| s.name)
            .as_deref(),
        Some("A2")
    );
    assert_eq!(
        store
            .vessel(&b)
            .await
            .unwrap()
            .and_then(|s| s.name)
            .as_deref(),
        Some("B1")
    );

    // A vessel first seen in a position has a row too; a VMS one carries its registration.
    let reg = VesselId::Registration("BD-97979-TS".into());
    let mut p = fix(0, 0, 109.0, 13.0);
    p.vessel = reg.clone();
    store
        .insert_positions(&[p, fix(1, 0, 109.0, 12.0)])
        .await
        .unwrap();
    let known = store.vessel(&reg).await.unwrap().unwrap();
    assert_eq!(known.registration.as_deref(), Some("BD-97979-TS"));
    assert_eq!(known.name, None);
    assert_eq!(store.vessel(&v).await.unwrap(), Some(merged));
    // Vessels 1, 2, 3 and the VMS one.
    assert_eq!(store.counts().await.unwrap().vessels, 4);
}

async fn quarantine_is_idempotent(store: Store) {
    let line = |reason: &str, s: u32| QuarantinedLine {
        received_at: t0() + Duration::seconds(i64::from(s)),
        source: "tcp:a".into(),
        reason: reason.into(),
        line: "!AIVDM,1,1,,A,13u?etPv2;0n:dDPwUM1U1Cb069D,0*FF".into(),
    };
    let batch = vec![
        line("bad_checksum", 1),
        line("bad_checksum", 2),
        line("too_short", 2),
    ];
    assert_eq!(store.insert_quarantined(&batch).await.unwrap(), 3);
    assert_eq!(store.insert_quarantined(&batch).await.unwrap(), 0);
    assert_eq!(store.insert_quarantined(&[]).await.unwrap(), 0);
    assert_eq!(store.counts().await.unwrap().quarantined, 3);
}

async fn positions_in_area(store: Store) {
    let batch = vec![
        fix(1, 0, 109.0, 12.0),
        fix(1, 10, 109.5, 12.5),
        fix(1, 20, 112.0, 12.5), // outside the box
        fix(2, 5, 110.0, 11.0),
        fix(2, 90, 110.0, 11.0), // after the time range
        fix(3, 0, 179.5, 0.0),
        fix(4, 0, -179.5, 0.0),
    ];
    assert_eq!(store.insert_positions(&batch).await.unwrap(), 7);
    let bbox = BBox {
        west: 109.0,
        south: 11.0,
        east: 111.0,
        north: 12.5,
    };
    let found = store
        .positions_in_area(bbox, t0(), t0() + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(
        summary(&found),
        vec![
            row(1, 0, 109.0, 12.0),
            row(2, 5, 110.0, 11.0),
            row(1, 10, 109.5, 12.5)
        ]
    );
    let across = BBox {
        west: 179.0,
        south: -1.0,
        east: -179.0,
        north: 1.0,
    };
    let found = store
        .positions_in_area(across, t0(), t0() + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(
        summary(&found),
        vec![row(3, 0, 179.5, 0.0), row(4, 0, -179.5, 0.0)]
    );
}

/// Nothing edits a track, whoever asks: the triggers refuse even the owner.
async fn positions_are_append_only(store: Store) {
    store
        .insert_positions(&[fix(1, 0, 109.0, 12.0)])
        .await
        .unwrap();
    let mut statements = vec!["UPDATE positions SET lat = 0", "DELETE FROM positions"];
    if matches!(store, Store::Postgres(_)) {
        statements.extend(["TRUNCATE positions", "TRUNCATE positions_default"]);
    }
    for sql in statements {
        let result = match &store {
            Store::Sqlite(s) => sqlx::query(sql).execute(s.pool()).await.map(drop),
            Store::Postgres(s) => sqlx::query(sql).execute(s.pool()).await.map(drop),
        };
        let error = result.expect_err(sql).to_string();
        assert!(error.contains("append-only"), "{sql}: {error}");
    }
    assert_eq!(store.counts().await.unwrap().positions, 1);
    let track = store
        .track(&vessel(1), t0(), t0() + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(summary(&track), vec![row(1, 0, 109.0, 12.0)]);
}

fn registered(registration: &str, name: &str, length_m: f32) -> crate::RegistryEntry {
    crate::RegistryEntry {
        registration: registration.to_owned(),
        mmsi: Mmsi::new(574_100_000 + registration.len() as u32),
        name: name.to_owned(),
        length_m,
        gear: Some("lưới vây".to_owned()),
        province: "Khánh Hòa".to_owned(),
        owner: None,
        vms_provider: Some("VNPT".to_owned()),
        vms_device_id: None,
        licence_valid_from: time::Date::from_calendar_date(2026, time::Month::January, 1).ok(),
        licence_valid_to: None,
    }
}

async fn registry_reimport_supersedes_and_keeps_history(store: Store) {
    let first = [
        registered("KH-90001-TS", "Hải Đăng 1", 15.5),
        registered("KH-90002-TS", "Hải Đăng 2", 12.0),
    ];
    let report = store.import_registry("first.csv", &first, 3).await.unwrap();
    assert_eq!(
        (
            report.rows,
            report.inserted,
            report.updated,
            report.unchanged,
            report.rejected
        ),
        (2, 2, 0, 0, 3)
    );
    // Again: nothing changes, and no history is made.
    let again = store.import_registry("first.csv", &first, 0).await.unwrap();
    assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 2));
    assert!(again.import_id > report.import_id);
    // One renamed, one the same, one new.
    let second = [
        registered("KH-90001-TS", "Hải Đăng 1 (mới)", 15.5),
        registered("KH-90002-TS", "Hải Đăng 2", 12.0),
        registered("KH-90003-TS", "Hải Đăng 3", 24.0),
    ];
    let later = store
        .import_registry("second.csv", &second, 0)
        .await
        .unwrap();
    assert_eq!((later.inserted, later.updated, later.unchanged), (1, 1, 1));

    let current = store.registry_current().await.unwrap();
    let names: Vec<&str> = current.iter().map(|e| e.entry.name.as_str()).collect();
    assert_eq!(names, ["Hải Đăng 1 (mới)", "Hải Đăng 2", "Hải Đăng 3"]);
    assert!(current.iter().all(|e| e.superseded_at.is_none()));
    assert_eq!(
        current[1].entry, first[1],
        "every field reads back as written"
    );

    let history = store.registry_history("KH-90001-TS").await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].entry, first[0]);
    assert_eq!(history[0].import_id, report.import_id);
    assert_eq!(history[0].superseded_at, Some(later.imported_at));
    assert_eq!(history[1].entry, second[0]);
    assert_eq!(history[1].valid_from, later.imported_at);
    assert!(
        store
            .registry_history("KH-00000-XX")
            .await
            .unwrap()
            .is_empty()
    );

    // The history cannot be edited or deleted.
    for sql in [
        "UPDATE registry_entries SET name = 'x'",
        "DELETE FROM registry_entries",
    ] {
        let result = match &store {
            Store::Sqlite(s) => sqlx::query(sql).execute(s.pool()).await.map(drop),
            Store::Postgres(s) => sqlx::query(sql).execute(s.pool()).await.map(drop),
        };
        let error = result.expect_err(sql).to_string();
        assert!(error.contains("kept as history"), "{sql}: {error}");
    }
    assert_eq!(
        store.registry_history("KH-90001-TS").await.unwrap(),
        history
    );
}

async fn compliance_cases_open_from_alerts_and_follow_their_workflow(store: Store) {
    use crate::{
        ComplianceAction, ComplianceError, ComplianceFilter, ManualReport, NewAlert, Sanction,
    };
    let alert = |key: &str, kind: &str, vessel_n: u32, minutes: i64| {
        let mut a = NewAlert::new(key, kind, t0() + Duration::minutes(minutes));
        a.vessel = Some(vessel(vessel_n));
        a.fix_time = Some(t0() + Duration::minutes(minutes - 1));
        if kind.starts_with("entered") {
            a.zone_id = Some("idn-eez".into());
            a.zone_class = Some("foreign".into());
            a.country = Some("IDN".into());
        }
        a
    };
    let first = [
        alert("silent_6h:1", "silent_6h", 1, 0),
        alert("entered:2", "entered_foreign", 2, 10),
        alert("approach:3", "approach", 3, 20),
    ];
    store.insert_alerts(&first, &[], t0()).await.unwrap();
    // Again (a replay): each alert opens its case once.
    store.insert_alerts(&first, &[], t0()).await.unwrap();
    let all = store
        .compliance_cases(&ComplianceFilter::default())
        .await
        .unwrap();
    let summary: Vec<(&str, Option<&str>, Option<&str>)> = all
        .iter()
        .map(|c| (c.kind.as_str(), c.bucket.as_deref(), c.country.as_deref()))
        .collect();
    assert_eq!(
        summary,
        [
            ("vms_loss", Some("6h_10d"), None),
            ("boundary", None, Some("IDN"))
        ]
    );
    assert_eq!(all[0].detected_at, t0() - Duration::minutes(1));
    assert_eq!(all[0].vessel, Some(vessel(1)));

    // Ten days silent: the same case moves to the next bucket; another vessel gets its own.
    let later = [
        alert("silent_10d:1", "silent_10d", 1, 14_400),
        alert("silent_10d:4", "silent_10d", 4, 14_400),
    ];
    store.insert_alerts(&later, &[], t0()).await.unwrap();
    let vms = ComplianceFilter {
        kind: Some("vms_loss".into()),
        ..ComplianceFilter::default()
    };
    let loss = store.compliance_cases(&vms).await.unwrap();
    assert_eq!(loss.len(), 2);
    let first = ComplianceFilter {
        limit: Some(1),
        ..vms.clone()
    };
    assert_eq!(store.compliance_cases(&first).await.unwrap(), loss[..1]);
    assert_eq!(loss[0].bucket.as_deref(), Some("over_10d"));
    assert_eq!(loss[0].escalated_by.as_deref(), Some(later[0].id.as_str()));
    assert_eq!(
        (loss[1].vessel.clone(), loss[1].bucket.as_deref()),
        (Some(vessel(4)), Some("over_10d"))
    );

    // The workflow, with its history.
    let id = loss[0].id;
    let sanction = Sanction {
        decision_number: "123/QĐ-XPHC".into(),
        amount_vnd: 50_000_000,
        decided_on: time::Date::from_calendar_date(2026, time::Month::March, 2).unwrap(),
        payment_proof: None,
    };
    let refused = store
        .act_on_compliance_case(
            id,
            &ComplianceAction::Sanction(sanction.clone()),
            "user:lan",
            None,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(refused, ComplianceError::Conflict { .. }),
        "{refused}"
    );
    store
        .act_on_compliance_case(
            id,
            &ComplianceAction::Verify,
            "user:lan",
            Some("called the owner"),
        )
        .await
        .unwrap();
    let done = store
        .act_on_compliance_case(
            id,
            &ComplianceAction::Sanction(sanction.clone()),
            "user:lan",
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        (done.status.as_str(), done.sanction),
        ("sanctioned", Some(sanction))
    );
    let bad = store
        .act_on_compliance_case(
            loss[1].id,
            &ComplianceAction::Close("bored".into()),
            "user:lan",
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(bad, ComplianceError::BadReason(_)), "{bad}");
    let closed = store
        .act_on_compliance_case(
            loss[1].id,
            &ComplianceAction::Close("provider_outage".into()),
            "user:lan",
            None,
        )
        .await
        .unwrap();
    assert_eq!(closed.closed_reason.as_deref(), Some("provider_outage"));
    let (_, changes) = store.compliance_case(id).await.unwrap().unwrap();
    let steps: Vec<(Option<&str>, &str, &str)> = changes
        .iter()
        .map(|c| {
            (
                c.from_status.as_deref(),
                c.to_status.as_str(),
                c.who.as_str(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            (None, "detected", "rules"),
            (Some("detected"), "detected", "rules"),
            (Some("detected"), "verified", "user:lan"),
            (Some("verified"), "sanctioned", "user:lan"),
        ]
    );
    assert!(store.compliance_case(999).await.unwrap().is_none());

    // A captain's report by radio, kept as reported.
    let report = ManualReport {
        vessel: vessel(1),
        fix_time: t0() + Duration::hours(6),
        received_at: t0() + Duration::hours(6) + Duration::minutes(3),
        lon: 109.5,
        lat: 11.25,
        channel: "radio".into(),
        recorded_by: "user:lan".into(),
        note: Some("máy VMS hỏng".into()),
    };
    store.record_manual_report(&report).await.unwrap();
    assert_eq!(store.manual_reports(&vessel(1)).await.unwrap(), [report]);

    // Positions counted per vessel in a period, for the report (the end is excluded).
    store
        .insert_positions(&[
            fix(1, 0, 109.0, 12.0),
            fix(1, 60, 109.1, 12.0),
            fix(2, 60, 109.0, 11.0),
        ])
        .await
        .unwrap();
    let counts = store
        .position_counts(t0(), t0() + Duration::minutes(60))
        .await
        .unwrap();
    assert_eq!(counts, [(vessel(1).key(), 1)]);
    let counts = store
        .position_counts(t0(), t0() + Duration::hours(2))
        .await
        .unwrap();
    assert_eq!(counts, [(vessel(1).key(), 2), (vessel(2).key(), 1)]);
}

/// PostgreSQL only: the application role, granted what the service needs, can write and
/// read positions (creating a month's partition through the SECURITY DEFINER function) but
/// is refused UPDATE, DELETE and TRUNCATE by privilege, not only by trigger.
#[tokio::test]
async fn postgres_app_role_cannot_edit_positions() {
    with_pg(|db| async move {
        let role = format!("{}_app", db.name);
        let admin = match &db.store {
            Store::Postgres(s) => s.pool().clone(),
            Store::Sqlite(_) => unreachable!("with_pg gives a PostgreSQL store"),
        };
        for sql in [
            format!("CREATE ROLE {role} LOGIN PASSWORD '{role}'"),
            format!("GRANT CONNECT ON DATABASE {} TO {role}", db.name),
            format!("GRANT USAGE ON SCHEMA public TO {role}"),
            format!("GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO {role}"),
            format!("GRANT UPDATE ON vessels, latest_positions TO {role}"),
            format!("GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}"),
        ] {
            sqlx::query(AssertSqlSafe(sql))
                .execute(&admin)
                .await
                .unwrap();
        }
        let app_url = with_user_and_database(&db.admin_url, Some(&role), &db.name);
        let app = PgStore::connect(&app_url).await.unwrap();
        let app_store = Store::Postgres(app.clone());
        // A fix in a month with no partition yet: the app role may not create tables, the
        // function does it for it.
        let old = fix(1, -3 * 365 * 24 * 60, 107.0, 10.0);
        assert_eq!(
            app_store
                .insert_positions(&[fix(1, 0, 109.0, 12.0), old])
                .await
                .unwrap(),
            2
        );
        let in_partition: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_inherits WHERE inhparent = 'positions'::regclass",
        )
        .fetch_one(&admin)
        .await
        .unwrap();
        assert!(in_partition >= 5, "{in_partition} partitions");
        let stray: i64 = sqlx::query_scalar("SELECT count(*) FROM positions_default")
            .fetch_one(&admin)
            .await
            .unwrap();
        assert_eq!(stray, 0, "rows in the default partition");

        for sql in [
            "UPDATE positions SET lat = 0",
            "DELETE FROM positions",
            "TRUNCATE positions",
        ] {
            let error = sqlx::query(sql)
                .execute(app.pool())
                .await
                .expect_err(sql)
                .to_string();
            assert!(error.contains("permission denied"), "{sql}: {error}");
        }
        assert_eq!(app_store.counts().await.unwrap().positions, 2);
        app.pool().close().await;
        drop(app_store);
        // The role goes with the database (see with_pg); its grants must go first.
        sqlx::query(AssertSqlSafe(format!("DROP OWNED BY {role}")))
            .execute(&admin)
            .await
            .unwrap();
    })
    .await;
}

// ---------------------------------------------------------------------------------------
// Harness.

async fn sqlite_store() -> Store {
    Store::open("sqlite::memory:").await.unwrap()
}

struct PgDb {
    store: Store,
    admin_url: String,
    name: String,
}

/// Runs `case` on a fresh migrated PostgreSQL database of its own, then drops the database
/// (and a role `<name>_app`, if the case made one), even when the case panics.
async fn with_pg<F, Fut>(case: F)
where
    F: FnOnce(PgDb) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let admin_url = std::env::var(URL_VAR).unwrap_or_else(|_| {
        panic!(
            "{URL_VAR} is not set: the PostgreSQL contract tests need a superuser URL such \
             as postgres://postgres@127.0.0.1:5432/postgres. scripts/test sets it (through \
             scripts/pg-for-tests, which installs and starts PostgreSQL with PostGIS)."
        )
    });
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let name = format!(
        "haidang_test_{now}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let mut admin = PgConnection::connect(&admin_url)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {URL_VAR}={admin_url}: {e}"));
    drop_stale(&mut admin, now).await;
    sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .unwrap();

    let url = with_user_and_database(&admin_url, None, &name);
    let outcome = {
        let mut conn = PgConnection::connect(&url).await.unwrap();
        // As the superuser: the migration's CREATE EXTENSION IF NOT EXISTS is then a no-op.
        sqlx::query("CREATE EXTENSION IF NOT EXISTS postgis")
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
        let store = Store::open(&url).await.unwrap();
        let db = PgDb {
            store,
            admin_url: admin_url.clone(),
            name: name.clone(),
        };
        tokio::spawn(case(db)).await
    };
    drop_database(&mut admin, &name).await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

async fn drop_database(admin: &mut PgConnection, name: &str) {
    sqlx::query(AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut *admin)
    .await
    .unwrap();
    sqlx::query(AssertSqlSafe(format!("DROP ROLE IF EXISTS {name}_app")))
        .execute(&mut *admin)
        .await
        .unwrap();
}

/// Drops the test databases that runs killed before their clean-up left behind.
async fn drop_stale(admin: &mut PgConnection, now: u64) {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT datname FROM pg_database WHERE datname LIKE 'haidang\\_test\\_%'",
    )
    .fetch_all(&mut *admin)
    .await
    .unwrap();
    for name in names {
        let born = name
            .strip_prefix("haidang_test_")
            .and_then(|rest| rest.split('_').next())
            .and_then(|secs| secs.parse::<u64>().ok());
        if born.is_some_and(|born| born + STALE_SECS < now) {
            drop_database(admin, &name).await;
        }
    }
}

/// `url` with its database replaced, and its user too when given (password = user name).
fn with_user_and_database(url: &str, user: Option<&str>, database: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a postgres:// URL");
    let (rest, query) = match rest.split_once('?') {
        Some((rest, query)) => (rest, format!("?{query}")),
        None => (rest, String::new()),
    };
    let authority = rest
        .split_once('/')
        .map_or(rest, |(authority, _)| authority);
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let authority = match user {
        Some(user) => format!("{user}:{user}@{host}"),
        None => authority.to_owned(),
    };
    format!("{scheme}://{authority}/{database}{query}")
}

#[test]
fn urls_get_their_database_and_user_replaced() {
    let url = "postgres://postgres:pw@127.0.0.1:5433/postgres?sslmode=disable";
    assert_eq!(
        with_user_and_database(url, None, "x"),
        "postgres://postgres:pw@127.0.0.1:5433/x?sslmode=disable"
    );
    assert_eq!(
        with_user_and_database("postgres://127.0.0.1", Some("app"), "x"),
        "postgres://app:app@127.0.0.1/x"
    );
}

async fn zone_events_are_stored_once(store: Store) {
    let p = fix(1, 0, 108.1, 6.0);
    store
        .insert_positions(std::slice::from_ref(&p))
        .await
        .unwrap();
    let event = |kind: &str, distance: Option<f64>| ZoneEvent {
        vessel: p.vessel.clone(),
        fix_time: p.fix_time,
        received_at: p.received_at,
        event: kind.into(),
        zone_id: "foreign-idn".into(),
        zone_class: "foreign".into(),
        country: Some("IDN".into()),
        distance_meters: distance,
        position: p.position,
    };
    let events = [event("approach", Some(3704.0)), event("enter", None)];
    assert_eq!(store.insert_zone_events(&events).await.unwrap(), 2);
    // A replay of the same fix raises the same events: stored once.
    assert_eq!(store.insert_zone_events(&events).await.unwrap(), 0);
    assert_eq!(store.counts().await.unwrap().zone_events, 2);
}

async fn journal_keeps_each_bridge_line_once(store: Store) {
    let line = |n: u32| format!("\\s:BV-90001-TS,c:1795000000{n:03},n:{n}*00\\$GPRMC,...");
    let first: Vec<String> = (1..=3).map(line).collect();
    assert_eq!(
        store
            .journal_lines("bridge:b1", t0(), &first)
            .await
            .unwrap(),
        3
    );
    // A resend overlapping the first batch, later: only line 4 is new.
    let resend: Vec<String> = (2..=4).map(line).collect();
    let later = t0() + Duration::minutes(5);
    assert_eq!(
        store
            .journal_lines("bridge:b1", later, &resend)
            .await
            .unwrap(),
        1
    );
    // The same text from another device is another line.
    assert_eq!(
        store
            .journal_lines("bridge:b2", later, &first[..1])
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store.journal_lines("bridge:b2", later, &[]).await.unwrap(),
        0
    );
    assert_eq!(store.counts().await.unwrap().journaled, 5);
}
