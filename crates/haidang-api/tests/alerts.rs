//! Alerts through the API: lists with filters and pages, an alert with its deliveries and
//! history, acknowledge and resolve (and their conflicts), dead letters and resend, and the
//! problem+json answers to malformed requests.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use haidang_store::{AlertFilter, NewAlert, NewDelivery, Store, VesselId};
use haidang_types::{LatLon, Mmsi};
use serde_json::{Value, json};
use support::{App, app, check_alert_shape, check_problem, get, get_ok, json_reply, post_json};
use time::OffsetDateTime;

fn t0() -> OffsetDateTime {
    // 2026-11-23T00:00:00Z
    OffsetDateTime::from_unix_timestamp(1_795_392_000).unwrap()
}

fn minutes(n: i64) -> time::Duration {
    time::Duration::minutes(n)
}

fn mmsi(n: u32) -> VesselId {
    VesselId::Mmsi(Mmsi::new(n).unwrap())
}

/// An alert of `kind` about `vessel`, raised `at` minutes after t0.
fn alert(kind: &str, vessel: Option<VesselId>, at: i64) -> NewAlert {
    let key = vessel.as_ref().map(VesselId::key).unwrap_or_default();
    let mut a = NewAlert::new(&format!("{kind}:{key}:{at}"), kind, t0() + minutes(at));
    a.vessel = vessel;
    a
}

/// Six alerts, one a minute: returns their ids, oldest first.
async fn six_alerts(store: &Store) -> Vec<String> {
    let boat = mmsi(574_100_001);
    let other = mmsi(574_100_002);
    let vms = VesselId::Registration("BV-90001-TS".into());
    let mut entered = alert("entered_foreign", Some(boat.clone()), 0);
    entered.zone_id = Some("idn-eez".into());
    entered.zone_class = Some("foreign".into());
    entered.country = Some("IDN".into());
    entered.position = Some(LatLon::new(108.123_456_789, 5.5).unwrap());
    entered.fix_time = Some(t0() - minutes(1));
    entered.received_at = Some(t0() - time::Duration::seconds(30));
    entered.details = r#"{"distance_m": 1234.5}"#.into();
    entered.delayed = true;
    let alerts = vec![
        entered,
        alert("approach", Some(other.clone()), 1),
        alert("distress", Some(mmsi(970_123_456)), 2),
        alert("silent_6h", Some(vms), 3),
        alert("provider_outage", None, 4),
        alert("approach", Some(boat), 5),
    ];
    let ids = store.insert_alerts(&alerts, &[], t0()).await.unwrap();
    assert_eq!(ids.len(), 6);
    ids
}

fn ids(list: &Value) -> Vec<String> {
    list["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn alerts_are_listed_newest_first_filtered_and_paged() {
    let app = app(None).await;
    let empty = get_ok(&app, "/api/v1/alerts").await;
    assert_eq!(empty["alerts"], json!([]));
    assert_eq!(empty["next"], Value::Null);

    let created = six_alerts(&app.store).await;
    let newest_first: Vec<String> = created.iter().rev().cloned().collect();
    let all = get_ok(&app, "/api/v1/alerts").await;
    assert_eq!(ids(&all), newest_first);
    assert_eq!(all["next"], Value::Null);
    assert!(all["notice"].as_str().unwrap().contains("approximate"));
    for a in all["alerts"].as_array().unwrap() {
        check_alert_shape(a, &[]);
        assert_eq!(a["status"], "open");
    }
    // The first alert, field by field.
    let first = all["alerts"].as_array().unwrap().last().unwrap();
    assert_eq!(
        first,
        &json!({
            "id": created[0],
            "kind": "entered_foreign",
            "vessel": "mmsi:574100001",
            "zone_id": "idn-eez",
            "zone_class": "foreign",
            "country": "IDN",
            "lon": 108.1234568,
            "lat": 5.5,
            "fix_time": "2026-11-22T23:59:00Z",
            "received_at": "2026-11-22T23:59:30Z",
            "raised_at": "2026-11-23T00:00:00Z",
            "delayed": true,
            "status": "open",
            "details": {"distance_m": 1234.5},
            "acknowledged_at": null,
            "acknowledged_by": null,
            "resolved_at": null,
            "resolved_by": null,
        })
    );
    // The outage has no vessel.
    assert_eq!(all["alerts"][1]["vessel"], Value::Null);

    let check = |query: &'static str, expected: Vec<usize>| {
        let created = created.clone();
        let app = &app;
        async move {
            let got = get_ok(app, &format!("/api/v1/alerts?{query}")).await;
            let want: Vec<String> = expected.iter().map(|&i| created[i].clone()).collect();
            assert_eq!(ids(&got), want, "{query}");
        }
    };
    check("kind=approach", vec![5, 1]).await;
    check("kind=distress&status=open", vec![2]).await;
    check("vessel=mmsi:574100001", vec![5, 0]).await;
    check("vessel=reg:BV-90001-TS", vec![3]).await;
    check("since=2026-11-23T00:02:00Z", vec![5, 4, 3, 2]).await;
    check("until=2026-11-23T00:02:00Z", vec![1, 0]).await;
    check(
        "since=2026-11-23T07:01:00%2B07:00&until=2026-11-23T00:03:00Z",
        vec![2, 1],
    )
    .await;
    check("status=acknowledged", vec![]).await;

    // Pages of two, through the cursors, give everything once, in order.
    let mut seen = Vec::new();
    let mut uri = "/api/v1/alerts?limit=2".to_owned();
    let mut pages = 0;
    loop {
        let page = get_ok(&app, &uri).await;
        pages += 1;
        let got = ids(&page);
        assert!(got.len() <= 2);
        seen.extend(got);
        match page["next"].as_str() {
            Some(next) => uri = format!("/api/v1/alerts?limit=2&cursor={next}"),
            None => break,
        }
        assert!(pages < 10, "cursors loop");
    }
    assert_eq!(seen, newest_first);
    assert_eq!(pages, 3);
    // A filter applies across pages.
    let page = get_ok(&app, "/api/v1/alerts?kind=approach&limit=1").await;
    assert_eq!(ids(&page), vec![created[5].clone()]);
    let next = page["next"].as_str().unwrap();
    let page = get_ok(
        &app,
        &format!("/api/v1/alerts?kind=approach&limit=1&cursor={next}"),
    )
    .await;
    assert_eq!(ids(&page), vec![created[1].clone()]);
}

fn action(uri: &str, body: Value) -> Request<Body> {
    post_json(uri, body.to_string())
}

#[tokio::test]
async fn without_a_name_the_account_acts() {
    let app = app(None).await;
    let created = six_alerts(&app.store).await;
    let acked = json_reply(
        &app,
        support::as_account(
            "operator",
            action(
                &format!("/api/v1/alerts/{}/acknowledge", created[0]),
                json!({"note": "on it"}),
            ),
        ),
        StatusCode::OK,
    )
    .await;
    assert_eq!(acked["acknowledged_by"], "token:operator");
    let resolved = json_reply(
        &app,
        action(&format!("/api/v1/alerts/{}/resolve", created[1]), json!({})),
        StatusCode::OK,
    )
    .await;
    assert_eq!(resolved["resolved_by"], "token:admin");
}

#[tokio::test]
async fn acknowledge_then_resolve_with_history_and_conflicts() {
    let app = app(None).await;
    let created = six_alerts(&app.store).await;
    let id = &created[0];
    let before = OffsetDateTime::now_utc();

    let acked = json_reply(
        &app,
        action(
            &format!("/api/v1/alerts/{id}/acknowledge"),
            json!({"by": " Lan (Hai Phong) ", "note": "calling the boat"}),
        ),
        StatusCode::OK,
    )
    .await;
    check_alert_shape(&acked, &[]);
    assert_eq!(acked["status"], "acknowledged");
    assert_eq!(acked["acknowledged_by"], "Lan (Hai Phong)");
    let at = OffsetDateTime::parse(
        acked["acknowledged_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert!(at >= before - time::Duration::seconds(1) && at <= OffsetDateTime::now_utc());
    assert_eq!(acked["resolved_at"], Value::Null);

    // Acknowledging again conflicts; the list shows the new status.
    check_problem(
        &app,
        action(
            &format!("/api/v1/alerts/{id}/acknowledge"),
            json!({"by": "Minh"}),
        ),
        StatusCode::CONFLICT,
        "acknowledged",
    )
    .await;
    let listed = get_ok(&app, "/api/v1/alerts?status=acknowledged").await;
    assert_eq!(ids(&listed), vec![id.clone()]);

    let resolved = json_reply(
        &app,
        action(
            &format!("/api/v1/alerts/{id}/resolve"),
            json!({"by": "Minh", "note": "back in Vietnamese waters"}),
        ),
        StatusCode::OK,
    )
    .await;
    assert_eq!(resolved["status"], "resolved");
    assert_eq!(resolved["resolved_by"], "Minh");
    assert_eq!(resolved["acknowledged_by"], "Lan (Hai Phong)");

    // After resolving, neither action is allowed.
    for verb in ["acknowledge", "resolve"] {
        check_problem(
            &app,
            action(
                &format!("/api/v1/alerts/{id}/{verb}"),
                json!({"by": "Minh"}),
            ),
            StatusCode::CONFLICT,
            "resolved",
        )
        .await;
    }
    // An open alert can be resolved directly (without a note).
    let direct = json_reply(
        &app,
        action(
            &format!("/api/v1/alerts/{}/resolve", created[1]),
            json!({"by": "Minh"}),
        ),
        StatusCode::OK,
    )
    .await;
    assert_eq!(direct["status"], "resolved");
    assert_eq!(direct["acknowledged_by"], Value::Null);

    // The history, oldest first: raised by the rules, acknowledged, resolved.
    let detail = get_ok(&app, &format!("/api/v1/alerts/{id}")).await;
    check_alert_shape(&detail, &["deliveries", "changes"]);
    assert_eq!(detail["status"], "resolved");
    let changes = detail["changes"].as_array().unwrap();
    let summary: Vec<(Value, Value, Value, Value)> = changes
        .iter()
        .map(|c| {
            (
                c["by"].clone(),
                c["from"].clone(),
                c["to"].clone(),
                c["note"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (json!("rules"), Value::Null, json!("open"), Value::Null),
            (
                json!("Lan (Hai Phong)"),
                json!("open"),
                json!("acknowledged"),
                json!("calling the boat")
            ),
            (
                json!("Minh"),
                json!("acknowledged"),
                json!("resolved"),
                json!("back in Vietnamese waters")
            ),
        ]
    );
    assert_eq!(changes[0]["at"], "2026-11-23T00:00:00Z");
    assert_eq!(detail["deliveries"], json!([]));
}

#[tokio::test]
async fn unknown_alerts_and_deliveries_are_404() {
    let app = app(None).await;
    six_alerts(&app.store).await;
    let unknown = "al_000000000000000000000000";
    check_problem(
        &app,
        get(&format!("/api/v1/alerts/{unknown}")),
        StatusCode::NOT_FOUND,
        "no alert al_000",
    )
    .await;
    for verb in ["acknowledge", "resolve"] {
        check_problem(
            &app,
            action(
                &format!("/api/v1/alerts/{unknown}/{verb}"),
                json!({"by": "Lan"}),
            ),
            StatusCode::NOT_FOUND,
            "no alert",
        )
        .await;
    }
    let long = "x".repeat(5000);
    check_problem(
        &app,
        get(&format!("/api/v1/alerts/{long}")),
        StatusCode::NOT_FOUND,
        "no alert",
    )
    .await;
    check_problem(
        &app,
        Request::post("/api/v1/deliveries/987654/resend")
            .body(Body::empty())
            .unwrap(),
        StatusCode::NOT_FOUND,
        "no delivery 987654",
    )
    .await;
    check_problem(
        &app,
        Request::post("/api/v1/endpoints/webhook:nobody/enable")
            .body(Body::empty())
            .unwrap(),
        StatusCode::NOT_FOUND,
        "not a disabled endpoint",
    )
    .await;
    check_problem(
        &app,
        get("/api/v1/alerts/x/acknowledge"),
        StatusCode::METHOD_NOT_ALLOWED,
        "method",
    )
    .await;
}

#[tokio::test]
async fn malformed_requests_get_problem_json() {
    let app = app(None).await;
    let created = six_alerts(&app.store).await;
    let ack = format!("/api/v1/alerts/{}/acknowledge", created[0]);
    use StatusCode as S;

    let queries: &[(&str, &str)] = &[
        ("status=closed", "status \"closed\" is not one of open"),
        ("kind=fishing", "kind \"fishing\" is not one of approach"),
        ("vessel=574100001", "not a vessel key"),
        ("vessel=mmsi:12", "not a vessel key"),
        ("since=yesterday", "RFC 3339"),
        ("until=2026-11-23", "RFC 3339"),
        (
            "since=2026-11-23T01:00:00Z&until=2026-11-23T00:00:00Z",
            "must be before",
        ),
        ("limit=0", "from 1 to 1000"),
        ("limit=1001", "from 1 to 1000"),
        ("limit=-1", "from 1 to 1000"),
        ("limit=ten", "from 1 to 1000"),
        ("cursor=abc", "not a cursor"),
        ("cursor=12_", "not a cursor"),
        ("sort=asc", "unknown field `sort`"),
    ];
    for (query, fragment) in queries {
        check_problem(
            &app,
            get(&format!("/api/v1/alerts?{query}")),
            S::BAD_REQUEST,
            fragment,
        )
        .await;
    }
    check_problem(
        &app,
        get("/api/v1/deliveries/dead?limit=5000"),
        S::BAD_REQUEST,
        "from 1 to 1000",
    )
    .await;
    check_problem(
        &app,
        Request::post("/api/v1/deliveries/abc/resend")
            .body(Body::empty())
            .unwrap(),
        S::BAD_REQUEST,
        "not a delivery id",
    )
    .await;

    // Bodies.
    check_problem(
        &app,
        Request::post(&ack)
            .body(Body::from(json!({"by": "Lan"}).to_string()))
            .unwrap(),
        S::UNSUPPORTED_MEDIA_TYPE,
        "Content-Type: application/json",
    )
    .await;
    check_problem(&app, post_json(&ack, "{\"by\": "), S::BAD_REQUEST, "parse").await;
    check_problem(&app, post_json(&ack, ""), S::BAD_REQUEST, "").await;
    let bodies: &[(Value, &str)] = &[
        (json!({"by": 7}), "invalid type"),
        (json!({"by": "Lan", "who": "x"}), "unknown field `who`"),
        (json!({"by": ""}), "by must be the operator's name"),
        (json!({"by": "   "}), "by must be the operator's name"),
        (json!({"by": "x".repeat(129)}), "1 to 128 characters"),
        (json!({"by": "rules"}), "reserved"),
        (
            json!({"by": "Lan", "note": "x".repeat(2001)}),
            "note must be",
        ),
        (json!(["Lan"]), "invalid length"),
        (json!("Lan"), "invalid type"),
    ];
    for (body, fragment) in bodies {
        check_problem(
            &app,
            post_json(&ack, body.to_string()),
            S::UNPROCESSABLE_ENTITY,
            fragment,
        )
        .await;
    }
    let huge = json!({"by": "Lan", "note": "x".repeat(70 * 1024)}).to_string();
    check_problem(&app, post_json(&ack, huge), S::PAYLOAD_TOO_LARGE, "65536").await;

    // Nothing changed.
    let alert = get_ok(&app, &format!("/api/v1/alerts/{}", created[0])).await;
    assert_eq!(alert["status"], "open");
    assert_eq!(alert["changes"].as_array().unwrap().len(), 1);
}

/// A delivery for `alert` to `destination`, leased and given up on.
async fn dead_delivery(app: &App, alert: &NewAlert, destination: &str, error: &str) -> i64 {
    let now = t0() + minutes(10);
    app.store
        .insert_alerts(
            std::slice::from_ref(alert),
            &[NewDelivery {
                alert_id: alert.id.clone(),
                destination: destination.into(),
                payload: "{}".into(),
            }],
            now,
        )
        .await
        .unwrap();
    let leased = app
        .store
        .lease_deliveries("test-worker", now, time::Duration::minutes(1), 10)
        .await
        .unwrap();
    assert_eq!(leased.len(), 1);
    assert!(app.store.mark_dead(&leased[0], error, now).await.unwrap());
    leased[0].id
}

#[tokio::test]
async fn dead_letters_are_listed_and_resent() {
    let app = app(None).await;
    assert_eq!(
        get_ok(&app, "/api/v1/deliveries/dead").await["deliveries"],
        json!([])
    );
    let first = alert("entered_foreign", Some(mmsi(574_100_001)), 0);
    let second = alert("distress", Some(mmsi(970_100_001)), 1);
    let a = dead_delivery(
        &app,
        &first,
        "webhook:mission.idn",
        "HTTP 400 from https://hooks.example/secret-token",
    )
    .await;
    let b = dead_delivery(&app, &second, "email:fisheries", "550 mailbox unavailable").await;

    let dead = get_ok(&app, "/api/v1/deliveries/dead").await;
    let list = dead["deliveries"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{dead}");
    let d = list.iter().find(|d| d["id"] == a).unwrap();
    assert_eq!(d["alert_id"], first.id.as_str());
    assert_eq!(d["destination"], "webhook:mission.idn");
    assert_eq!(d["status"], "dead");
    assert_eq!(d["attempts"], 1);
    // The error keeps its status and loses the URL.
    assert_eq!(d["last_error"], "HTTP 400 from <url>");
    assert!(d["dead_at"].is_string());
    assert!(!dead.to_string().contains("http"), "{dead}");
    let limited = get_ok(&app, "/api/v1/deliveries/dead?limit=1").await;
    assert_eq!(limited["deliveries"].as_array().unwrap().len(), 1);

    // The alert's detail lists its delivery the same way.
    let detail = get_ok(&app, &format!("/api/v1/alerts/{}", first.id)).await;
    let deliveries = detail["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0]["destination"], "webhook:mission.idn");
    assert_eq!(deliveries[0]["last_error"], "HTTP 400 from <url>");

    let resend = |id: i64| {
        Request::post(format!("/api/v1/deliveries/{id}/resend"))
            .body(Body::empty())
            .unwrap()
    };
    let resent = json_reply(&app, resend(a), StatusCode::OK).await;
    assert_eq!(resent["id"], a);
    assert_eq!(resent["status"], "pending");
    // Only a dead delivery can be resent.
    check_problem(
        &app,
        resend(a),
        StatusCode::CONFLICT,
        "only a dead delivery",
    )
    .await;
    let dead = get_ok(&app, "/api/v1/deliveries/dead").await;
    assert_eq!(
        dead["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        vec![b]
    );
    let detail = get_ok(&app, &format!("/api/v1/alerts/{}", first.id)).await;
    assert_eq!(detail["deliveries"][0]["status"], "pending");
    assert!(detail["deliveries"][0]["next_attempt_at"].is_string());

    // A disabled endpoint: listed, its deliveries refuse a resend until it is enabled.
    app.store
        .disable_endpoint("email:fisheries", "410 Gone", t0() + minutes(20))
        .await
        .unwrap();
    let disabled = get_ok(&app, "/api/v1/endpoints/disabled").await;
    assert_eq!(
        disabled["endpoints"],
        json!([{"destination": "email:fisheries", "disabled_at": "2026-11-23T00:20:00Z", "reason": "410 Gone"}])
    );
    check_problem(&app, resend(b), StatusCode::CONFLICT, "is disabled").await;
    let enabled = json_reply(
        &app,
        Request::post("/api/v1/endpoints/email:fisheries/enable")
            .body(Body::empty())
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        enabled,
        json!({"destination": "email:fisheries", "enabled": true})
    );
    assert_eq!(
        get_ok(&app, "/api/v1/endpoints/disabled").await["endpoints"],
        json!([])
    );
    json_reply(&app, resend(b), StatusCode::OK).await;
    assert_eq!(
        get_ok(&app, "/api/v1/deliveries/dead").await["deliveries"],
        json!([])
    );
    // The store agrees.
    let page = app
        .store
        .list_alerts(&AlertFilter::default())
        .await
        .unwrap();
    assert_eq!(page.alerts.len(), 2);
}
