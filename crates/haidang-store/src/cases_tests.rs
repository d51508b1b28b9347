//! The accounts, cases and access-log contract, run on both stores (the harness of
//! `alerts_tests.rs`): SQLite in memory and a PostgreSQL database of its own.

use haidang_types::{LatLon, Mmsi};
use time::{Duration, OffsetDateTime};

use crate::alerts_tests::{sqlite_store, with_pg};
use crate::{
    AccountError, CaseError, CaseScope, CaseStatus, CrewAccess, NewAccount, NewAlert, NewCase,
    NewCrewMember, Role, Store, VesselId,
};

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
    users_sessions_and_tokens,
    cases_are_scoped_in_sql_and_follow_the_workflow,
    crew_reads_are_logged_in_the_same_transaction,
    the_access_log_and_the_timeline_are_append_only,
    a_case_opened_from_an_alert_takes_its_vessel_time_and_place,
);

fn t0() -> OffsetDateTime {
    // 2026-11-23T00:00:00Z
    OffsetDateTime::from_unix_timestamp(1_795_392_000).unwrap()
}

fn account(name: &str, role: Role) -> NewAccount {
    NewAccount {
        name: name.into(),
        role,
        mission: None,
        province: None,
    }
}

fn case(mission: &str, province: Option<&str>) -> NewCase {
    NewCase {
        opened_by: "user:lan".into(),
        vessel: Some(VesselId::Mmsi(Mmsi::new(574_000_001).unwrap())),
        detained_at: Some(t0() - Duration::hours(3)),
        position: Some((106.9, 5.1)),
        place: Some("Natuna".into()),
        detaining_country: Some("IDN".into()),
        detaining_authority: Some("Bakamla".into()),
        mission: mission.into(),
        province: province.map(str::to_owned),
        note: Some("the family called".into()),
        ..NewCase::default()
    }
}

fn member(name: &str) -> NewCrewMember {
    NewCrewMember {
        name: name.into(),
        date_of_birth: Some("1985-04-30".into()),
        id_number: Some("079085001234".into()),
        home_town: Some("Sông Đốc, Cà Mau".into()),
        family_contact: Some("+84 90 000 0000".into()),
    }
}

fn access(reason: &str) -> CrewAccess {
    CrewAccess {
        who: "user:lan".into(),
        role: "consular".into(),
        action: "read",
        reason: reason.into(),
        at: t0(),
    }
}

async fn users_sessions_and_tokens(store: Store) {
    let mut consul = account("lan", Role::Consular);
    consul.mission = Some("mission.idn.jakarta".into());
    let id = store
        .create_user(&consul, "$argon2id$x", false, t0())
        .await
        .unwrap();
    assert!(matches!(
        store.create_user(&consul, "$argon2id$y", false, t0()).await,
        Err(AccountError::NameTaken(_))
    ));
    for bad in [
        account("dev", Role::Device),
        NewAccount {
            mission: Some("m".into()),
            ..account("op", Role::Operator)
        },
        NewAccount {
            province: Some("p".into()),
            ..account("c2", Role::Consular)
        },
        account("has space", Role::Admin),
    ] {
        assert!(
            matches!(
                store.create_user(&bad, "h", false, t0()).await,
                Err(AccountError::Invalid(_))
            ),
            "{bad:?}"
        );
    }
    let record = store.login_record("lan").await.unwrap().unwrap();
    assert_eq!(record.account.id, id);
    assert_eq!(record.account.role, Role::Consular);
    assert_eq!(
        record.account.mission.as_deref(),
        Some("mission.idn.jakarta")
    );
    assert_eq!(record.password_hash, "$argon2id$x");
    assert_eq!((record.failed_logins, record.locked_until), (0, None));
    assert!(store.login_record("nobody").await.unwrap().is_none());

    store
        .set_login_failures(id, 5, Some(t0() + Duration::minutes(15)))
        .await
        .unwrap();
    let record = store.login_record("lan").await.unwrap().unwrap();
    assert_eq!(record.failed_logins, 5);
    assert_eq!(record.locked_until, Some(t0() + Duration::minutes(15)));
    // Replacing (the demo's account) resets the lock and takes the new hash.
    store
        .create_user(&consul, "$argon2id$z", true, t0())
        .await
        .unwrap();
    let record = store.login_record("lan").await.unwrap().unwrap();
    assert_eq!(record.account.id, id);
    assert_eq!(record.password_hash, "$argon2id$z");
    assert_eq!((record.failed_logins, record.locked_until), (0, None));

    store
        .create_session("s1", id, t0(), t0() + Duration::hours(12))
        .await
        .unwrap();
    let found = store
        .session_account("s1", t0() + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(found.map(|a| a.name), Some("lan".to_owned()));
    assert!(
        store
            .session_account("s1", t0() + Duration::hours(12))
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.session_account("s2", t0()).await.unwrap().is_none());
    assert!(store.delete_session("s1").await.unwrap());
    assert!(!store.delete_session("s1").await.unwrap());
    assert!(store.session_account("s1", t0()).await.unwrap().is_none());
    // Expired sessions are dropped when a new one is made.
    store
        .create_session("old", id, t0(), t0() + Duration::seconds(1))
        .await
        .unwrap();
    store
        .create_session(
            "new",
            id,
            t0() + Duration::hours(1),
            t0() + Duration::hours(2),
        )
        .await
        .unwrap();
    assert!(!store.delete_session("old").await.unwrap());

    let device = account("bridge-1", Role::Device);
    store
        .create_token(&device, "h1", false, t0())
        .await
        .unwrap();
    assert!(matches!(
        store.create_token(&device, "h2", false, t0()).await,
        Err(AccountError::NameTaken(_))
    ));
    let found = store.token_account("h1").await.unwrap().unwrap();
    assert_eq!(
        (found.name.as_str(), found.role),
        ("bridge-1", Role::Device)
    );
    store.create_token(&device, "h3", true, t0()).await.unwrap();
    assert!(store.token_account("h1").await.unwrap().is_none());
    assert!(store.token_account("h3").await.unwrap().is_some());
    // Users and tokens are apart: a session hash is not a token.
    assert!(store.token_account("new").await.unwrap().is_none());
}

async fn cases_are_scoped_in_sql_and_follow_the_workflow(store: Store) {
    let jakarta = store
        .open_case(&case("mission.idn.jakarta", Some("ca-mau")), t0())
        .await
        .unwrap();
    let manila = store
        .open_case(&case("mission.phl.manila", Some("khanh-hoa")), t0())
        .await
        .unwrap();
    let ids = |cases: Vec<crate::CaseRecord>| cases.iter().map(|c| c.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.cases(&CaseScope::All, None, 100).await.unwrap()),
        vec![manila, jakarta]
    );
    let own = CaseScope::Mission("mission.idn.jakarta".into());
    assert_eq!(
        ids(store.cases(&own, None, 100).await.unwrap()),
        vec![jakarta]
    );
    let province = CaseScope::Province("khanh-hoa".into());
    assert_eq!(
        ids(store.cases(&province, None, 100).await.unwrap()),
        vec![manila]
    );
    assert!(store.case(manila, &own).await.unwrap().is_none());
    assert!(store.case(jakarta, &province).await.unwrap().is_none());

    let detail = store.case(jakarta, &own).await.unwrap().unwrap();
    let c = &detail.case;
    assert_eq!(c.status, CaseStatus::Reported);
    assert_eq!(c.opened_at, t0());
    assert_eq!(c.detained_at, Some(t0() - Duration::hours(3)));
    assert_eq!(c.position, Some((106.9, 5.1)));
    assert_eq!(c.detaining_country.as_deref(), Some("IDN"));
    assert_eq!(c.crew_count, 0);
    let kinds: Vec<&str> = detail.timeline.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["opened", "note"]);

    // Out of scope, every change is "no such case".
    assert!(matches!(
        store
            .set_case_status(manila, &own, CaseStatus::Verified, None, "user:lan", t0())
            .await,
        Err(CaseError::NoSuchCase(_))
    ));
    assert!(matches!(
        store
            .add_crew(manila, &own, &member("A"), "user:lan", t0())
            .await,
        Err(CaseError::NoSuchCase(_))
    ));
    assert!(matches!(
        store
            .add_case_event(manila, &own, Some("x"), None, "user:lan", t0())
            .await,
        Err(CaseError::NoSuchCase(_))
    ));

    // Forward, skipping a step; never back; closed and repatriated are final.
    let later = t0() + Duration::hours(1);
    let moved = store
        .set_case_status(
            jakarta,
            &own,
            CaseStatus::ConsularAccess,
            Some("met"),
            "user:lan",
            later,
        )
        .await
        .unwrap();
    assert_eq!(
        (moved.status, moved.updated_at),
        (CaseStatus::ConsularAccess, later)
    );
    for to in [
        CaseStatus::Reported,
        CaseStatus::Verified,
        CaseStatus::ConsularAccess,
    ] {
        assert!(matches!(
            store
                .set_case_status(jakarta, &own, to, None, "user:lan", later)
                .await,
            Err(CaseError::BadTransition { .. })
        ));
    }
    let closed = store
        .set_case_status(
            jakarta,
            &own,
            CaseStatus::Closed,
            Some("duplicate"),
            "user:lan",
            later,
        )
        .await
        .unwrap();
    assert_eq!(closed.closed_reason.as_deref(), Some("duplicate"));
    assert!(matches!(
        store
            .set_case_status(
                jakarta,
                &own,
                CaseStatus::Repatriated,
                None,
                "user:lan",
                later
            )
            .await,
        Err(CaseError::BadTransition { .. })
    ));
    let status = store
        .cases(&CaseScope::All, Some(CaseStatus::Closed), 100)
        .await
        .unwrap();
    assert_eq!(ids(status), vec![jakarta]);
    let detail = store.case(jakarta, &own).await.unwrap().unwrap();
    let last = detail.timeline.last().unwrap();
    assert_eq!(last.kind, "status");
    assert_eq!(
        (last.from_status, last.to_status),
        (Some(CaseStatus::ConsularAccess), Some(CaseStatus::Closed))
    );
    assert_eq!(last.text.as_deref(), Some("duplicate"));
}

async fn crew_reads_are_logged_in_the_same_transaction(store: Store) {
    let id = store
        .open_case(&case("mission.idn.jakarta", None), t0())
        .await
        .unwrap();
    let other = store
        .open_case(&case("mission.phl.manila", None), t0())
        .await
        .unwrap();
    let own = CaseScope::Mission("mission.idn.jakarta".into());
    store
        .add_crew(id, &own, &member("Nguyễn Văn Tèo"), "user:lan", t0())
        .await
        .unwrap();
    store
        .add_crew(id, &own, &member("Trần Thị Bé"), "user:lan", t0())
        .await
        .unwrap();
    let detail = store.case(id, &own).await.unwrap().unwrap();
    assert_eq!(detail.case.crew_count, 2);
    // The timeline says a member was added, never who.
    assert!(
        detail
            .timeline
            .iter()
            .all(|e| e.text.as_deref() != Some("Nguyễn Văn Tèo"))
    );
    assert!(
        store.audit_log(None, 100).await.unwrap().is_empty(),
        "adding is not reading"
    );

    let crew = store
        .read_crew(id, &own, &access("family asked"))
        .await
        .unwrap();
    let names: Vec<&str> = crew.iter().map(|c| c.member.name.as_str()).collect();
    assert_eq!(names, ["Nguyễn Văn Tèo", "Trần Thị Bé"]);
    assert_eq!(crew[0].member, member("Nguyễn Văn Tèo"));
    assert!(matches!(
        store.read_crew(other, &own, &access("curious")).await,
        Err(CaseError::NoSuchCase(_))
    ));
    store
        .read_crew(other, &CaseScope::All, &access("audit"))
        .await
        .unwrap();
    let log = store.audit_log(None, 100).await.unwrap();
    assert_eq!(
        log.len(),
        2,
        "one row per read that returned crew data: {log:?}"
    );
    assert_eq!(log[0].case_id, other);
    assert_eq!(log[1].case_id, id);
    assert_eq!(log[1].reason, "family asked");
    assert_eq!(log[1].records, 2);
    assert_eq!(log[1].who, "user:lan");
    assert_eq!(log[1].fields, crate::CREW_FIELDS);
    assert_eq!(store.audit_log(Some(id), 100).await.unwrap().len(), 1);
}

async fn the_access_log_and_the_timeline_are_append_only(store: Store) {
    let id = store
        .open_case(&case("mission.idn.jakarta", None), t0())
        .await
        .unwrap();
    store
        .read_crew(id, &CaseScope::All, &access("check"))
        .await
        .unwrap();
    let mut statements = vec![
        "UPDATE crew_access_log SET reason = 'nothing'",
        "DELETE FROM crew_access_log",
        "UPDATE case_events SET text = 'rewritten'",
        "DELETE FROM case_events",
    ];
    if matches!(store, Store::Postgres(_)) {
        statements.extend(["TRUNCATE crew_access_log", "TRUNCATE case_events"]);
    }
    for sql in statements {
        let result = match &store {
            Store::Sqlite(s) => sqlx::query(sql).execute(s.pool()).await.map(drop),
            Store::Postgres(s) => sqlx::query(sql).execute(s.pool()).await.map(drop),
        };
        let error = result.expect_err(sql).to_string();
        assert!(error.contains("append-only"), "{sql}: {error}");
    }
    assert_eq!(store.audit_log(None, 100).await.unwrap().len(), 1);
}

async fn a_case_opened_from_an_alert_takes_its_vessel_time_and_place(store: Store) {
    let vessel = VesselId::Mmsi(Mmsi::new(574_000_009).unwrap());
    let mut alert = NewAlert::new("possible_detention:x:1", "possible_detention", t0());
    alert.vessel = Some(vessel.clone());
    alert.fix_time = Some(t0() - Duration::minutes(5));
    alert.position = Some(LatLon::new(107.25, 4.5).unwrap());
    let alert_id = alert.id.clone();
    store.insert_alerts(&[alert], &[], t0()).await.unwrap();

    let from_alert = NewCase {
        opened_by: "user:lan".into(),
        alert_id: Some(alert_id.clone()),
        mission: "mission.idn.jakarta".into(),
        ..NewCase::default()
    };
    let id = store.open_case(&from_alert, t0()).await.unwrap();
    let detail = store.case(id, &CaseScope::All).await.unwrap().unwrap();
    assert_eq!(detail.case.vessel, Some(vessel));
    assert_eq!(detail.case.detained_at, Some(t0() - Duration::minutes(5)));
    assert_eq!(detail.case.position, Some((107.25, 4.5)));
    assert_eq!(detail.alerts, vec![alert_id.clone()]);
    let kinds: Vec<&str> = detail.timeline.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["opened", "alert_linked"]);
    // Linking twice keeps one link.
    store
        .add_case_event(id, &CaseScope::All, None, Some(&alert_id), "user:lan", t0())
        .await
        .unwrap();
    assert_eq!(
        store
            .case(id, &CaseScope::All)
            .await
            .unwrap()
            .unwrap()
            .alerts
            .len(),
        1
    );

    let missing = NewCase {
        alert_id: Some("al_000000000000000000000000".into()),
        ..from_alert
    };
    assert!(matches!(
        store.open_case(&missing, t0()).await,
        Err(CaseError::NoSuchAlert(_))
    ));
    assert!(matches!(
        store
            .add_case_event(id, &CaseScope::All, None, Some("al_nope"), "user:lan", t0())
            .await,
        Err(CaseError::NoSuchAlert(_))
    ));
    assert_eq!(
        store.cases(&CaseScope::All, None, 100).await.unwrap().len(),
        1
    );
}
