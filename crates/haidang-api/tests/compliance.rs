//! Compliance cases through the router: opened by the store from alerts, followed by a
//! fisheries officer, and captains' manual reports.

mod support;

use axum::http::StatusCode;
use haidang_store::{NewAlert, VesselId};
use serde_json::json;
use support::{app, as_account, check_problem, get, get_ok, json_reply, post_json, send};
use time::OffsetDateTime;

fn alert(key: &str, kind: &str, mmsi: &str) -> NewAlert {
    let now = OffsetDateTime::now_utc();
    let mut a = NewAlert::new(key, kind, now);
    a.vessel = VesselId::from_key(&format!("mmsi:{mmsi}"));
    a.fix_time = Some(now - time::Duration::minutes(2));
    if kind.starts_with("entered") {
        a.zone_id = Some("vn-id-eez".into());
        a.zone_class = Some("foreign".into());
        a.country = Some("IDN".into());
    }
    a
}

#[tokio::test]
async fn a_fisheries_officer_follows_the_cases_the_alerts_opened() {
    let app = app(None).await;
    let alerts = [
        alert("silent_6h:a", "silent_6h", "574100001"),
        alert("entered:b", "entered_foreign", "574100002"),
        alert("distress:c", "distress", "574100003"),
    ];
    app.store
        .insert_alerts(&alerts, &[], OffsetDateTime::now_utc())
        .await
        .unwrap();
    let list = get_ok(&app, "/api/v1/compliance/cases").await;
    let cases = list["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 2, "{list}");
    assert_eq!(
        (&cases[0]["kind"], &cases[0]["bucket"]),
        (&json!("vms_loss"), &json!("6h_10d"))
    );
    assert_eq!(
        (&cases[1]["kind"], &cases[1]["country"]),
        (&json!("boundary"), &json!("IDN"))
    );
    let boundary = get_ok(&app, "/api/v1/compliance/cases?kind=boundary").await;
    assert_eq!(boundary["cases"].as_array().unwrap().len(), 1);

    let id = cases[0]["id"].as_i64().unwrap();
    let fisheries = |uri: &str, body: serde_json::Value| {
        as_account("fisheries", post_json(uri, body.to_string()))
    };
    // The operator reads but does not decide.
    let reply = send(
        &app,
        as_account(
            "operator",
            post_json(&format!("/api/v1/compliance/cases/{id}/verify"), "{}"),
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    // Sanctioning before verifying is a conflict.
    let sanction = json!({"decision_number": "12/QĐ-XPHC", "amount_vnd": 40_000_000, "decided_on": "2026-03-02"});
    check_problem(
        &app,
        fisheries(
            &format!("/api/v1/compliance/cases/{id}/sanction"),
            sanction.clone(),
        ),
        StatusCode::CONFLICT,
        "cannot be sanctioned",
    )
    .await;
    let verified = json_reply(
        &app,
        fisheries(
            &format!("/api/v1/compliance/cases/{id}/verify"),
            json!({"note": "đã gọi chủ tàu"}),
        ),
        StatusCode::OK,
    )
    .await;
    assert_eq!(verified["status"], "verified");
    let sanctioned = json_reply(
        &app,
        fisheries(&format!("/api/v1/compliance/cases/{id}/sanction"), sanction),
        StatusCode::OK,
    )
    .await;
    assert_eq!(sanctioned["sanction"]["amount_vnd"], 40_000_000);
    let one = get_ok(&app, &format!("/api/v1/compliance/cases/{id}")).await;
    let history: Vec<&str> = one["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["to_status"].as_str().unwrap())
        .collect();
    assert_eq!(history, ["detected", "verified", "sanctioned"]);
    assert_eq!(one["history"][1]["who"], "token:fisheries");

    let other = cases[1]["id"].as_i64().unwrap();
    check_problem(
        &app,
        fisheries(
            &format!("/api/v1/compliance/cases/{other}/close"),
            json!({"reason": "bored"}),
        ),
        StatusCode::UNPROCESSABLE_ENTITY,
        "not a closing reason",
    )
    .await;
    let closed = json_reply(
        &app,
        fisheries(
            &format!("/api/v1/compliance/cases/{other}/close"),
            json!({"reason": "force_majeure", "note": "bão"}),
        ),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (&closed["status"], &closed["closed_reason"]),
        (&json!("closed"), &json!("force_majeure"))
    );
    check_problem(
        &app,
        get("/api/v1/compliance/cases/999"),
        StatusCode::NOT_FOUND,
        "no compliance case 999",
    )
    .await;
    check_problem(
        &app,
        get("/api/v1/compliance/cases?status=open"),
        StatusCode::BAD_REQUEST,
        "not one of",
    )
    .await;
}

#[tokio::test]
async fn manual_reports_are_recorded_as_reported() {
    let app = app(None).await;
    let report = json!({"vessel": "reg:KH-90001-TS", "fix_time": "2026-11-20T06:00:00Z", "lon": 109.5, "lat": 11.25, "channel": "radio", "note": "VMS hỏng"});
    let created = json_reply(
        &app,
        as_account(
            "operator",
            post_json("/api/v1/manual-reports", report.to_string()),
        ),
        StatusCode::CREATED,
    )
    .await;
    assert!(created["id"].as_i64().is_some());
    let listed = get_ok(&app, "/api/v1/vessels/reg:KH-90001-TS/manual-reports").await;
    let r = &listed["reports"][0];
    assert_eq!(
        (&r["fix_time"], &r["channel"], &r["recorded_by"]),
        (
            &json!("2026-11-20T06:00:00Z"),
            &json!("radio"),
            &json!("token:operator")
        )
    );
    let bad = json!({"vessel": "reg:KH-90001-TS", "fix_time": "2026-11-20T06:00:00Z", "lon": 200.0, "lat": 11.0, "channel": "radio"});
    check_problem(
        &app,
        post_json("/api/v1/manual-reports", bad.to_string()),
        StatusCode::UNPROCESSABLE_ENTITY,
        "lon must be",
    )
    .await;
    let pigeon = json!({"vessel": "reg:KH-90001-TS", "fix_time": "2026-11-20T06:00:00Z", "lon": 109.0, "lat": 11.0, "channel": "pigeon"});
    check_problem(
        &app,
        post_json("/api/v1/manual-reports", pigeon.to_string()),
        StatusCode::UNPROCESSABLE_ENTITY,
        "channel",
    )
    .await;
}
