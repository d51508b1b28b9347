//! The alerts and outbox contract, run on both stores: every case is one async fn taking a
//! fresh migrated [`Store`], called once on SQLite (memory) and once on PostgreSQL (a
//! database of its own from `HAIDANG_TEST_DATABASE_URL`, dropped afterwards).

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use haidang_types::{LatLon, Mmsi};
use sqlx::{AssertSqlSafe, Connection, PgConnection};
use time::{Duration, OffsetDateTime};

use crate::{
    AlertFilter, AlertStatus, DeliveryStatus, LifecycleError, NewAlert, NewDelivery, RULES, Store,
    VesselId, alert_id_for,
};

const URL_VAR: &str = "HAIDANG_TEST_DATABASE_URL";

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
                    super::with_pg(super::$case).await;
                }
            )*
        }
    };
}

contract!(
    alerts_and_deliveries_are_written_once,
    a_new_alert_closes_the_one_it_names,
    alerts_without_a_vessel,
    invalid_details_are_refused,
    leases_are_exclusive_and_expire,
    marks_need_the_lease,
    failures_count_attempts_and_dead_letters_resend,
    a_disabled_endpoint_kills_its_deliveries,
    acknowledge_and_resolve_keep_a_history,
    alerts_are_listed_and_filtered_newest_first,
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

/// An `entered_foreign` alert for vessel `n`, raised `minute` minutes past t0.
fn entered(n: u32, minute: i64) -> NewAlert {
    let raised = t0() + Duration::minutes(minute);
    let mut a = NewAlert::new(
        &format!("entered_foreign:{}:IDN:{minute}", vessel(n)),
        "entered_foreign",
        raised,
    );
    a.vessel = Some(vessel(n));
    a.fix_time = Some(raised - Duration::seconds(30));
    a.received_at = Some(raised - Duration::seconds(2));
    a.zone_id = Some("IDN".into());
    a.zone_class = Some("foreign".into());
    a.country = Some("IDN".into());
    a.position = Some(LatLon::new(106.8, 6.4).unwrap());
    a.details = r#"{"distance_m": 0}"#.into();
    a
}

fn deliveries(alert: &NewAlert, destinations: &[&str]) -> Vec<NewDelivery> {
    destinations
        .iter()
        .map(|d| NewDelivery {
            alert_id: alert.id.clone(),
            destination: (*d).to_owned(),
            payload: format!(r#"{{"id":"{}","to":"{d}"}}"#, alert.id),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Cases.

async fn alerts_and_deliveries_are_written_once(store: Store) {
    let a = entered(1, 0);
    let b = entered(2, 1);
    let mut out = deliveries(&a, &["webhook:mission.idn", "email:fisheries"]);
    out.extend(deliveries(&b, &["webhook:mission.idn"]));
    // A delivery for an alert not in the batch is skipped.
    out.push(NewDelivery {
        alert_id: "al_elsewhere".into(),
        destination: "webhook:x".into(),
        payload: "{}".into(),
    });
    let new = store
        .insert_alerts(&[a.clone(), b.clone()], &out, t0())
        .await
        .unwrap();
    assert_eq!(new, vec![a.id.clone(), b.id.clone()]);

    // The replay after a restart: nothing new, no new delivery.
    let replay = store
        .insert_alerts(&[a.clone(), b.clone()], &out, t0() + Duration::hours(1))
        .await
        .unwrap();
    assert!(replay.is_empty());
    // The same alert twice in one batch is written once.
    let c = entered(3, 2);
    let new = store
        .insert_alerts(
            &[c.clone(), c.clone()],
            &deliveries(&c, &["email:fisheries"]),
            t0(),
        )
        .await
        .unwrap();
    assert_eq!(new, vec![c.id.clone()]);

    let record = store.alert(&a.id).await.unwrap().unwrap();
    assert_eq!(record.alert.dedupe_key, a.dedupe_key);
    assert_eq!(record.alert.kind, "entered_foreign");
    assert_eq!(record.alert.vessel, Some(vessel(1)));
    assert_eq!(record.alert.fix_time, a.fix_time);
    assert_eq!(record.alert.received_at, a.received_at);
    assert_eq!(record.alert.raised_at, a.raised_at);
    assert!(!record.alert.delayed);
    assert_eq!(record.alert.zone_class.as_deref(), Some("foreign"));
    assert_eq!(record.alert.country.as_deref(), Some("IDN"));
    assert_eq!(record.alert.position, a.position);
    let details: &str = &record.alert.details.replace(' ', "");
    assert_eq!(details, r#"{"distance_m":0}"#);
    assert_eq!(record.alert.status, AlertStatus::Open);
    let destinations: Vec<_> = record
        .deliveries
        .iter()
        .map(|d| {
            (
                d.destination.as_str(),
                d.status,
                d.attempts,
                d.next_attempt_at,
            )
        })
        .collect();
    assert_eq!(
        destinations,
        vec![
            ("webhook:mission.idn", DeliveryStatus::Pending, 0, t0()),
            ("email:fisheries", DeliveryStatus::Pending, 0, t0()),
        ]
    );
    assert_eq!(record.changes.len(), 1);
    assert_eq!(record.changes[0].who, RULES);
    assert_eq!(record.changes[0].from, None);
    assert_eq!(record.changes[0].to, AlertStatus::Open);

    // Every delivery, leased at once: 4, not 7.
    let leased = store
        .lease_deliveries("w", t0(), Duration::minutes(1), 100)
        .await
        .unwrap();
    assert_eq!(leased.len(), 4);
    // The payload comes back byte for byte.
    assert_eq!(leased[0].payload, out[0].payload);
    assert_eq!(
        leased[0].message_id(),
        format!("msg_{}_{}", a.id, leased[0].id)
    );
    assert!(store.alert("al_nothing").await.unwrap().is_none());
}

async fn a_new_alert_closes_the_one_it_names(store: Store) {
    let entry = entered(1, 0);
    store
        .insert_alerts(std::slice::from_ref(&entry), &[], t0())
        .await
        .unwrap();
    store
        .acknowledge(&entry.id, "op1", None, t0() + Duration::minutes(1))
        .await
        .unwrap();

    let mut exit = NewAlert::new("exited:1", "exited", t0() + Duration::minutes(30));
    exit.vessel = Some(vessel(1));
    exit.closes = Some(entry.dedupe_key.clone());
    let new = store
        .insert_alerts(&[exit.clone()], &[], t0())
        .await
        .unwrap();
    assert_eq!(new, vec![exit.id.clone()]);

    let closed = store.alert(&entry.id).await.unwrap().unwrap();
    assert_eq!(closed.alert.status, AlertStatus::Resolved);
    assert_eq!(closed.alert.resolved_by.as_deref(), Some(RULES));
    assert_eq!(closed.alert.resolved_at, Some(exit.raised_at));
    let last = closed.changes.last().unwrap();
    assert_eq!(
        (last.who.as_str(), last.from, last.to),
        (
            RULES,
            Some(AlertStatus::Acknowledged),
            AlertStatus::Resolved
        )
    );
    assert!(last.note.as_deref().unwrap().contains(&exit.id));
    assert_eq!(closed.changes.len(), 3);

    // Closing an unknown alert closes nothing and fails nothing.
    let mut other = NewAlert::new("exited:2", "exited", t0());
    other.closes = Some("nothing".into());
    assert_eq!(
        store
            .insert_alerts(&[other], &[], t0())
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn alerts_without_a_vessel(store: Store) {
    let mut outage = NewAlert::new("provider_outage:VNPT:1", "provider_outage", t0());
    outage.delayed = true;
    outage.details = r#"{"provider":"VNPT","vessels":41}"#.into();
    let new = store
        .insert_alerts(
            &[outage.clone()],
            &deliveries(&outage, &["email:fisheries"]),
            t0(),
        )
        .await
        .unwrap();
    assert_eq!(new.len(), 1);
    let record = store.alert(&outage.id).await.unwrap().unwrap();
    assert_eq!(record.alert.vessel, None);
    assert_eq!(record.alert.position, None);
    assert_eq!(record.alert.fix_time, None);
    assert!(record.alert.delayed);
    assert_eq!(store.counts().await.unwrap().vessels, 0);
}

async fn invalid_details_are_refused(store: Store) {
    let mut bad = NewAlert::new("bad", "distress", t0());
    bad.details = "{not json".into();
    assert!(store.insert_alerts(&[bad], &[], t0()).await.is_err());
    // Nothing of the failed batch is left.
    let page = store.list_alerts(&AlertFilter::default()).await.unwrap();
    assert!(page.alerts.is_empty());
}

async fn leases_are_exclusive_and_expire(store: Store) {
    let a = entered(1, 0);
    let out = deliveries(&a, &["webhook:a", "webhook:b", "webhook:c"]);
    store
        .insert_alerts(std::slice::from_ref(&a), &out, t0())
        .await
        .unwrap();

    // Nothing is due before its time.
    let early = store
        .lease_deliveries("w1", t0() - Duration::seconds(1), Duration::minutes(1), 10)
        .await
        .unwrap();
    assert!(early.is_empty());

    let first = store
        .lease_deliveries("w1", t0(), Duration::minutes(1), 2)
        .await
        .unwrap();
    assert_eq!(first.len(), 2);
    assert!(first.iter().all(|d| d.worker_id == "w1" && d.attempts == 1));
    assert_eq!(first[0].lease_until, t0() + Duration::minutes(1));
    let second = store
        .lease_deliveries("w2", t0() + Duration::seconds(1), Duration::minutes(1), 10)
        .await
        .unwrap();
    assert_eq!(second.len(), 1);
    assert!(first.iter().all(|d| d.id != second[0].id));

    // w1 crashed: once its lease ends, w2 takes its deliveries, as a second attempt.
    let held = store
        .lease_deliveries("w2", t0() + Duration::seconds(59), Duration::minutes(1), 10)
        .await
        .unwrap();
    assert!(held.is_empty());
    let taken = store
        .lease_deliveries("w2", t0() + Duration::minutes(1), Duration::minutes(1), 10)
        .await
        .unwrap();
    let mut ids: Vec<_> = taken.iter().map(|d| d.id).collect();
    ids.sort_unstable();
    assert_eq!(ids, first.iter().map(|d| d.id).collect::<Vec<_>>());
    assert!(taken.iter().all(|d| d.attempts == 2 && d.worker_id == "w2"));
    assert!(
        store
            .lease_deliveries("w3", t0(), Duration::minutes(1), 0)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn marks_need_the_lease(store: Store) {
    let a = entered(1, 0);
    store
        .insert_alerts(
            std::slice::from_ref(&a),
            &deliveries(&a, &["webhook:a"]),
            t0(),
        )
        .await
        .unwrap();
    let old = store
        .lease_deliveries("w1", t0(), Duration::minutes(1), 10)
        .await
        .unwrap()
        .remove(0);
    let new = store
        .lease_deliveries("w2", t0() + Duration::minutes(2), Duration::minutes(1), 10)
        .await
        .unwrap()
        .remove(0);
    // The crashed worker comes back: its marks change nothing.
    assert!(!store.mark_delivered(&old, t0()).await.unwrap());
    assert!(!store.mark_failed(&old, t0(), "late").await.unwrap());
    assert!(!store.mark_dead(&old, "late", t0()).await.unwrap());
    let at = t0() + Duration::minutes(2) + Duration::seconds(1);
    assert!(store.mark_delivered(&new, at).await.unwrap());
    // Delivered is final.
    assert!(!store.mark_failed(&new, at, "again").await.unwrap());
    let record = store.alert(&a.id).await.unwrap().unwrap();
    assert_eq!(record.deliveries[0].status, DeliveryStatus::Delivered);
    assert_eq!(record.deliveries[0].delivered_at, Some(at));
    assert_eq!(record.deliveries[0].attempts, 2);
    assert!(
        store
            .lease_deliveries("w3", t0() + Duration::days(1), Duration::minutes(1), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn failures_count_attempts_and_dead_letters_resend(store: Store) {
    let a = entered(1, 0);
    store
        .insert_alerts(
            std::slice::from_ref(&a),
            &deliveries(&a, &["webhook:a"]),
            t0(),
        )
        .await
        .unwrap();
    let lease = |at: OffsetDateTime| {
        let store = store.clone();
        async move {
            store
                .lease_deliveries("w", at, Duration::minutes(1), 10)
                .await
                .unwrap()
        }
    };
    let d = lease(t0()).await.remove(0);
    let retry_at = t0() + Duration::seconds(5);
    assert!(store.mark_failed(&d, retry_at, "HTTP 500").await.unwrap());
    assert!(lease(retry_at - Duration::seconds(1)).await.is_empty());
    let d = lease(retry_at).await.remove(0);
    assert_eq!(d.attempts, 2);
    assert_eq!(d.retry_since, t0());
    let dead_at = retry_at + Duration::seconds(1);
    assert!(store.mark_dead(&d, "HTTP 404", dead_at).await.unwrap());
    assert!(lease(t0() + Duration::days(10)).await.is_empty());

    let dead = store.list_dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].id, d.id);
    assert_eq!(dead[0].last_error.as_deref(), Some("HTTP 404"));
    assert_eq!(dead[0].dead_at, Some(dead_at));
    assert_eq!(dead[0].attempts, 2);

    // Resent: pending again, a fresh window and count, the same payload and message id.
    let resent_at = t0() + Duration::days(5);
    store.resend(d.id, resent_at).await.unwrap();
    assert!(store.list_dead_letters(10).await.unwrap().is_empty());
    let again = lease(resent_at).await.remove(0);
    assert_eq!(
        (
            again.id,
            again.attempts,
            again.retry_since,
            again.message_id()
        ),
        (d.id, 1, resent_at, d.message_id())
    );
    assert_eq!(again.payload, d.payload);
    assert!(matches!(
        store.resend(d.id, resent_at).await,
        Err(LifecycleError::NotDead {
            status: DeliveryStatus::InFlight,
            ..
        })
    ));
    assert!(matches!(
        store.resend(9_999, resent_at).await,
        Err(LifecycleError::NoSuchDelivery(9_999))
    ));
}

async fn a_disabled_endpoint_kills_its_deliveries(store: Store) {
    let a = entered(1, 0);
    let b = entered(2, 0);
    let mut out = deliveries(&a, &["webhook:gone", "webhook:ok"]);
    out.extend(deliveries(&b, &["webhook:gone"]));
    store
        .insert_alerts(&[a.clone(), b.clone()], &out, t0())
        .await
        .unwrap();
    // One of them in flight when the 410 comes.
    let leased = store
        .lease_deliveries("w", t0(), Duration::minutes(1), 1)
        .await
        .unwrap();
    assert_eq!(leased[0].destination, "webhook:gone");

    let killed = store
        .disable_endpoint("webhook:gone", "HTTP 410 Gone", t0() + Duration::seconds(1))
        .await
        .unwrap();
    assert_eq!(killed, 2);
    assert!(!store.mark_delivered(&leased[0], t0()).await.unwrap());
    // Disabling again keeps the first reason.
    store
        .disable_endpoint("webhook:gone", "other", t0() + Duration::hours(1))
        .await
        .unwrap();
    let disabled = store.disabled_endpoints().await.unwrap();
    assert_eq!(disabled.len(), 1);
    assert_eq!(disabled[0].reason, "HTTP 410 Gone");
    assert_eq!(disabled[0].disabled_at, t0() + Duration::seconds(1));

    // A later alert's delivery to it is written dead at once.
    let c = entered(3, 5);
    store
        .insert_alerts(
            std::slice::from_ref(&c),
            &deliveries(&c, &["webhook:gone"]),
            t0(),
        )
        .await
        .unwrap();
    let record = store.alert(&c.id).await.unwrap().unwrap();
    assert_eq!(record.deliveries[0].status, DeliveryStatus::Dead);
    assert_eq!(
        record.deliveries[0].last_error.as_deref(),
        Some("endpoint disabled: HTTP 410 Gone")
    );
    let dead = store.list_dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 3);
    assert!(dead.iter().all(|d| d.destination == "webhook:gone"));
    // Only the other endpoint's delivery is leasable.
    let left = store
        .lease_deliveries("w", t0() + Duration::hours(2), Duration::minutes(1), 10)
        .await
        .unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].destination, "webhook:ok");

    // A resend waits until the endpoint is enabled again.
    assert!(matches!(
        store.resend(dead[0].id, t0()).await,
        Err(LifecycleError::EndpointDisabled(d)) if d == "webhook:gone"
    ));
    assert!(store.enable_endpoint("webhook:gone").await.unwrap());
    assert!(!store.enable_endpoint("webhook:gone").await.unwrap());
    store.resend(dead[0].id, t0()).await.unwrap();
    assert_eq!(store.list_dead_letters(10).await.unwrap().len(), 2);
}

async fn acknowledge_and_resolve_keep_a_history(store: Store) {
    let a = entered(1, 0);
    let b = entered(2, 0);
    store
        .insert_alerts(&[a.clone(), b.clone()], &[], t0())
        .await
        .unwrap();
    let t1 = t0() + Duration::minutes(3);
    let acked = store
        .acknowledge(&a.id, "op.nguyen", Some("calling the captain"), t1)
        .await
        .unwrap();
    assert_eq!(acked.status, AlertStatus::Acknowledged);
    assert_eq!(acked.acknowledged_by.as_deref(), Some("op.nguyen"));
    assert_eq!(acked.acknowledged_at, Some(t1));
    assert!(matches!(
        store.acknowledge(&a.id, "op.tran", None, t1).await,
        Err(LifecycleError::Conflict {
            status: AlertStatus::Acknowledged,
            action: "acknowledged",
            ..
        })
    ));
    let t2 = t0() + Duration::minutes(40);
    let resolved = store
        .resolve(&a.id, "op.tran", Some("boat turned back"), t2)
        .await
        .unwrap();
    assert_eq!(resolved.status, AlertStatus::Resolved);
    assert_eq!(resolved.resolved_by.as_deref(), Some("op.tran"));
    assert_eq!(resolved.acknowledged_by.as_deref(), Some("op.nguyen"));

    // Acknowledging or resolving a resolved alert is a conflict, not a silent no-op.
    let err = store.acknowledge(&a.id, "op", None, t2).await.unwrap_err();
    assert!(matches!(
        err,
        LifecycleError::Conflict {
            status: AlertStatus::Resolved,
            ..
        }
    ));
    assert_eq!(
        err.to_string(),
        format!("alert {} is resolved: it cannot be acknowledged", a.id)
    );
    assert!(matches!(
        store.resolve(&a.id, "op", None, t2).await,
        Err(LifecycleError::Conflict {
            status: AlertStatus::Resolved,
            action: "resolved",
            ..
        })
    ));
    assert!(matches!(
        store.acknowledge("al_nothing", "op", None, t2).await,
        Err(LifecycleError::NoSuchAlert(id)) if id == "al_nothing"
    ));
    // An open alert may be resolved straight away.
    store.resolve(&b.id, "op", None, t2).await.unwrap();

    let history: Vec<_> = store
        .alert(&a.id)
        .await
        .unwrap()
        .unwrap()
        .changes
        .into_iter()
        .map(|c| (c.at, c.who, c.from, c.to, c.note))
        .collect();
    assert_eq!(
        history,
        vec![
            (a.raised_at, RULES.to_owned(), None, AlertStatus::Open, None),
            (
                t1,
                "op.nguyen".to_owned(),
                Some(AlertStatus::Open),
                AlertStatus::Acknowledged,
                Some("calling the captain".to_owned())
            ),
            (
                t2,
                "op.tran".to_owned(),
                Some(AlertStatus::Acknowledged),
                AlertStatus::Resolved,
                Some("boat turned back".to_owned())
            ),
        ]
    );
}

async fn alerts_are_listed_and_filtered_newest_first(store: Store) {
    // Vessel 1: minutes 0, 10, 20; vessel 2: minutes 10 (same time as one of vessel 1), 30.
    let alerts = vec![
        entered(1, 0),
        entered(1, 10),
        entered(1, 20),
        entered(2, 10),
        entered(2, 30),
    ];
    let mut silent = NewAlert::new("silent:3", "silent_6h", t0() + Duration::minutes(5));
    silent.vessel = Some(vessel(3));
    let mut all = alerts.clone();
    all.push(silent.clone());
    store.insert_alerts(&all, &[], t0()).await.unwrap();
    store
        .acknowledge(&alerts[1].id, "op", None, t0())
        .await
        .unwrap();

    let minutes = |page: &crate::AlertPage| -> Vec<i64> {
        page.alerts
            .iter()
            .map(|a| (a.raised_at - t0()).whole_minutes())
            .collect()
    };
    let page = store.list_alerts(&AlertFilter::default()).await.unwrap();
    assert_eq!(minutes(&page), vec![30, 20, 10, 10, 5, 0]);
    assert_eq!(page.next, None);

    // Pages of two, through the cursor: the same order, nothing twice, nothing missed.
    let mut filter = AlertFilter {
        limit: 2,
        ..AlertFilter::default()
    };
    let mut seen = Vec::new();
    loop {
        let page = store.list_alerts(&filter).await.unwrap();
        seen.extend(page.alerts.iter().map(|a| a.id.clone()));
        match page.next {
            Some(next) => filter.cursor = Some(next),
            None => break,
        }
    }
    let ids: Vec<_> = store
        .list_alerts(&AlertFilter::default())
        .await
        .unwrap()
        .alerts
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(seen, ids);

    let check = |filter: AlertFilter, expect: Vec<i64>| {
        let store = store.clone();
        async move {
            let page = store.list_alerts(&filter).await.unwrap();
            assert_eq!(minutes(&page), expect, "{filter:?}");
        }
    };
    check(
        AlertFilter {
            vessel: Some(vessel(1)),
            ..AlertFilter::default()
        },
        vec![20, 10, 0],
    )
    .await;
    check(
        AlertFilter {
            status: Some(AlertStatus::Acknowledged),
            ..AlertFilter::default()
        },
        vec![10],
    )
    .await;
    check(
        AlertFilter {
            status: Some(AlertStatus::Open),
            kind: Some("entered_foreign".into()),
            ..AlertFilter::default()
        },
        vec![30, 20, 10, 0],
    )
    .await;
    check(
        AlertFilter {
            kind: Some("silent_6h".into()),
            ..AlertFilter::default()
        },
        vec![5],
    )
    .await;
    check(
        AlertFilter {
            since: Some(t0() + Duration::minutes(10)),
            until: Some(t0() + Duration::minutes(30)),
            ..AlertFilter::default()
        },
        vec![20, 10, 10],
    )
    .await;
    check(
        AlertFilter {
            vessel: Some(vessel(9)),
            ..AlertFilter::default()
        },
        vec![],
    )
    .await;
    assert_eq!(alert_id_for(&silent.dedupe_key), silent.id);
}

// ---------------------------------------------------------------------------------------
// Harness.

pub(crate) async fn sqlite_store() -> Store {
    Store::open("sqlite::memory:").await.unwrap()
}

/// Runs `case` on a fresh migrated PostgreSQL database of its own, then drops the
/// database, even when the case panics. Named like `tests.rs`'s databases, so its stale
/// clean-up covers these too.
pub(crate) async fn with_pg<F, Fut>(case: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let admin_url = std::env::var(URL_VAR).unwrap_or_else(|_| {
        panic!(
            "{URL_VAR} is not set: the PostgreSQL contract tests need a superuser URL such \
             as postgres://postgres@127.0.0.1:5432/postgres (scripts/pg-for-tests prints one)"
        )
    });
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let name = format!(
        "haidang_test_{now}_{}_a{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let mut admin = PgConnection::connect(&admin_url)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {URL_VAR}={admin_url}: {e}"));
    sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .unwrap();
    let url = with_database(&admin_url, &name);
    let outcome = {
        let mut conn = PgConnection::connect(&url).await.unwrap();
        sqlx::query("CREATE EXTENSION IF NOT EXISTS postgis")
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
        let store = Store::open(&url).await.unwrap();
        tokio::spawn(case(store)).await
    };
    sqlx::query(AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await
    .unwrap();
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// `url` with its database replaced.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let (scheme, rest) = base.split_once("://").unwrap();
    let authority = rest.split_once('/').map_or(rest, |(a, _)| a);
    format!("{scheme}://{authority}/{database}{query}")
}
