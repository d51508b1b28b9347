//! Vessels for the map: each one's status and zone, the `status` and `q` filters, one
//! vessel's detail, and the time the whole list takes for 30,000 vessels.

mod support;

use std::sync::Arc;

use axum::http::StatusCode;
use haidang_store::{NewAlert, NewPosition, VesselId, VesselStatic};
use haidang_types::{Degrees, Knots, LatLon, Mmsi};
use serde_json::{Value, json};
use support::{App, ZONES, app, check_alert_shape, check_problem, get, get_ok};
use time::OffsetDateTime;

fn mmsi(n: u32) -> VesselId {
    VesselId::Mmsi(Mmsi::new(n).unwrap())
}

fn reg(r: &str) -> VesselId {
    VesselId::Registration(r.into())
}

fn fix(vessel: &VesselId, lon: f64, lat: f64, age: time::Duration) -> NewPosition {
    let t = OffsetDateTime::now_utc() - age;
    NewPosition {
        vessel: vessel.clone(),
        fix_time: t,
        received_at: t,
        source: "test".into(),
        position: LatLon::new(lon, lat).unwrap(),
        sog: Some(Knots(4.25)),
        cog: Some(Degrees(181.5)),
        heading: Some(180),
        nav_status: Some(7),
        raw: None,
    }
}

fn distress(vessel: &VesselId, n: i64) -> NewAlert {
    let mut a = NewAlert::new(
        &format!("distress:{}:{n}", vessel.key()),
        "distress",
        OffsetDateTime::now_utc() - time::Duration::minutes(n),
    );
    a.vessel = Some(vessel.clone());
    a
}

/// A fleet with one vessel of each status (and a few more), in the test zones.
async fn fleet(app: &App) {
    let minute = time::Duration::minutes(1);
    let positions = [
        fix(&mmsi(574_100_001), 108.0, 9.0, minute),
        // 0.05 degrees (3 nm) north of the Indonesian line.
        fix(&mmsi(574_100_002), 108.0, 6.05, minute),
        fix(&mmsi(574_100_003), 108.0, 5.0, minute),
        fix(&mmsi(574_100_004), 111.0, 9.0, minute),
        fix(&mmsi(574_100_005), 108.0, 9.0, time::Duration::hours(7)),
        fix(&mmsi(970_100_001), 108.0, 9.0, minute),
        fix(&reg("BV-90001-TS"), 108.5, 9.5, minute),
        fix(&mmsi(574_100_006), 108.0, 9.0, minute),
    ];
    app.store.insert_positions(&positions).await.unwrap();
    // An open distress for the VMS boat; a resolved one for 574100006; an acknowledged
    // one still counts.
    let open = distress(&reg("BV-90001-TS"), 1);
    let closed = distress(&mmsi(574_100_006), 2);
    let acked = distress(&mmsi(574_100_004), 3);
    let now = OffsetDateTime::now_utc();
    app.store
        .insert_alerts(&[open, closed.clone(), acked.clone()], &[], now)
        .await
        .unwrap();
    app.store
        .resolve(&closed.id, "Lan", None, now)
        .await
        .unwrap();
    app.store
        .acknowledge(&acked.id, "Lan", None, now)
        .await
        .unwrap();
    let named = |name: &str, registration: Option<&str>, call_sign: Option<&str>| VesselStatic {
        name: Some(name.into()),
        registration: registration.map(Into::into),
        call_sign: call_sign.map(Into::into),
        length_meters: Some(24.5),
        province: Some("Khanh Hoa".into()),
        updated_at: Some(now),
        ..VesselStatic::default()
    };
    app.store
        .upsert_vessel(
            &mmsi(574_100_001),
            &named("HAI DANG 01", Some("KH-90123-TS"), Some("XVAB")),
        )
        .await
        .unwrap();
    app.store
        .upsert_vessel(&mmsi(574_100_003), &named("Bien Dong 7", None, None))
        .await
        .unwrap();
    // Known from static data only: no position, so not on the map.
    app.store
        .upsert_vessel(&mmsi(574_100_099), &named("NO FIX", None, None))
        .await
        .unwrap();
}

fn by_id(collection: &Value) -> std::collections::BTreeMap<String, Value> {
    collection["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_owned(),
                f["properties"].clone(),
            )
        })
        .collect()
}

fn ids(collection: &Value) -> Vec<String> {
    by_id(collection).into_keys().collect()
}

#[tokio::test]
async fn each_vessel_has_its_status_and_zone() {
    let app = app(Some(ZONES)).await;
    fleet(&app).await;
    let all = get_ok(&app, "/api/v1/vessels").await;
    assert!(all["notice"].as_str().unwrap().contains("approximate"));
    let got: Vec<(String, Value, Value, Value, Value)> = by_id(&all)
        .into_iter()
        .map(|(id, p)| {
            (
                id,
                p["status"].clone(),
                p["zone_id"].clone(),
                p["zone_class"].clone(),
                p["country"].clone(),
            )
        })
        .collect();
    let row =
        |id: &str, status: &str, zone: Option<&str>, class: Option<&str>, country: Option<&str>| {
            (
                id.to_owned(),
                json!(status),
                json!(zone),
                json!(class),
                json!(country),
            )
        };
    assert_eq!(
        got,
        vec![
            row(
                "mmsi:574100001",
                "domestic",
                Some("vn-eez"),
                Some("vn_eez"),
                Some("VNM")
            ),
            row(
                "mmsi:574100002",
                "near_boundary",
                Some("vn-eez"),
                Some("vn_eez"),
                Some("VNM")
            ),
            row(
                "mmsi:574100003",
                "foreign",
                Some("idn-eez"),
                Some("foreign"),
                Some("IDN")
            ),
            // In undelimited waters, but an acknowledged distress comes first.
            row(
                "mmsi:574100004",
                "distress",
                Some("sp"),
                Some("undelimited"),
                None
            ),
            row(
                "mmsi:574100005",
                "silent",
                Some("vn-eez"),
                Some("vn_eez"),
                Some("VNM")
            ),
            // A resolved distress no longer counts.
            row(
                "mmsi:574100006",
                "domestic",
                Some("vn-eez"),
                Some("vn_eez"),
                Some("VNM")
            ),
            // An AIS-SART is in distress by its identity alone.
            row(
                "mmsi:970100001",
                "distress",
                Some("vn-eez"),
                Some("vn_eez"),
                Some("VNM")
            ),
            row(
                "reg:BV-90001-TS",
                "distress",
                Some("vn-eez"),
                Some("vn_eez"),
                Some("VNM")
            ),
        ]
    );
    let props = by_id(&all);
    let first = &props["mmsi:574100001"];
    assert_eq!(first["name"], "HAI DANG 01");
    assert_eq!(props["mmsi:574100002"]["name"], Value::Null);
    let age = first["age_s"].as_i64().unwrap();
    assert!((60..70).contains(&age), "{first}");
    let silent_age = props["mmsi:574100005"]["age_s"].as_i64().unwrap();
    assert!((7 * 3600..7 * 3600 + 10).contains(&silent_age));
    assert_eq!(first["sog_knots"], 4.25);
    assert_eq!(first["heading_degrees"], 180);

    // Filters.
    let check = |query: &'static str, expected: &'static [&'static str]| {
        let app = &app;
        async move {
            let got = get_ok(app, &format!("/api/v1/vessels?{query}")).await;
            assert_eq!(ids(&got), expected, "{query}");
        }
    };
    check("status=foreign", &["mmsi:574100003"]).await;
    check("status=undelimited", &[]).await;
    check(
        "status=distress",
        &["mmsi:574100004", "mmsi:970100001", "reg:BV-90001-TS"],
    )
    .await;
    check("status=silent", &["mmsi:574100005"]).await;
    check("q=hai%20dang", &["mmsi:574100001"]).await;
    check("q=HAI", &["mmsi:574100001"]).await;
    check("q=90123", &["mmsi:574100001"]).await;
    check("q=xvab", &["mmsi:574100001"]).await;
    check("q=biển", &[]).await;
    check("q=bien%20dong", &["mmsi:574100003"]).await;
    check("q=574100003", &["mmsi:574100003"]).await;
    check("q=bv-9", &["reg:BV-90001-TS"]).await;
    check("q=9701", &["mmsi:970100001"]).await;
    check(
        "q=5741000&status=domestic",
        &["mmsi:574100001", "mmsi:574100006"],
    )
    .await;
    check("q=NO%20FIX", &[]).await;
    check(
        "bbox=107,8,109,10&status=domestic",
        &["mmsi:574100001", "mmsi:574100006"],
    )
    .await;

    for (query, fragment) in [
        ("status=lost", "status \"lost\" is not one of domestic"),
        ("q=", "q must be 1 to 64"),
        ("q=%20%20", "q must be 1 to 64"),
        (
            "q=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "q must be 1 to 64",
        ),
        ("name=x", "unknown field `name`"),
    ] {
        check_problem(
            &app,
            get(&format!("/api/v1/vessels?{query}")),
            StatusCode::BAD_REQUEST,
            fragment,
        )
        .await;
    }
}

#[tokio::test]
async fn without_zones_only_distress_and_silence_show() {
    let app = app(None).await;
    fleet(&app).await;
    let props = by_id(&get_ok(&app, "/api/v1/vessels").await);
    assert_eq!(props["mmsi:574100003"]["status"], "domestic");
    assert_eq!(props["mmsi:574100003"]["zone_id"], Value::Null);
    assert_eq!(props["mmsi:574100005"]["status"], "silent");
    assert_eq!(props["mmsi:970100001"]["status"], "distress");
}

#[tokio::test]
async fn one_vessel_in_detail() {
    let app = app(Some(ZONES)).await;
    fleet(&app).await;
    let near = get_ok(&app, "/api/v1/vessels/mmsi:574100002").await;
    assert_eq!(near["vessel"], "mmsi:574100002");
    assert_eq!(near["status"], "near_boundary");
    assert_eq!(
        near["zone"],
        json!({"id": "vn-eez", "class": "vn_eez", "country": "VNM", "name": "VN EEZ"})
    );
    assert_eq!(near["zones"], json!([near["zone"]]));
    let boundary = &near["nearest_boundary"];
    assert_eq!(boundary["zone_id"], "idn-eez");
    assert_eq!(boundary["country"], "IDN");
    // 0.05 degrees of latitude on the mean sphere is 5,560 m, but the line from 106 E to
    // 110 E is taken as a great circle, which bulges about 400 m north at 108 E.
    let d = boundary["distance_meters"].as_f64().unwrap();
    assert!((5_100.0..5_200.0).contains(&d), "{boundary}");
    assert_eq!(near["identity"]["mmsi"], 574_100_002);
    assert_eq!(near["identity"]["mmsi_kind"], "ship");
    assert_eq!(near["identity"]["name"], Value::Null);
    assert_eq!(near["last_fix"]["lat"], 6.05);
    assert_eq!(near["last_fix"]["cog_degrees"], 181.5);
    assert_eq!(near["open_alerts"], json!([]));
    assert!(near["age_s"].as_i64().unwrap() >= 60);

    let named = get_ok(&app, "/api/v1/vessels/mmsi:574100001").await;
    let identity = &named["identity"];
    assert_eq!(identity["name"], "HAI DANG 01");
    assert_eq!(identity["call_sign"], "XVAB");
    assert_eq!(identity["registration"], "KH-90123-TS");
    assert_eq!(identity["length_meters"], 24.5);
    assert_eq!(identity["province"], "Khanh Hoa");
    assert_eq!(named["nearest_boundary"]["zone_id"], "sp");

    // A VMS boat: its registration is its key; its open distress is listed.
    let vms = get_ok(&app, "/api/v1/vessels/reg:BV-90001-TS").await;
    assert_eq!(vms["status"], "distress");
    assert_eq!(vms["identity"]["registration"], "BV-90001-TS");
    assert_eq!(vms["identity"]["mmsi"], Value::Null);
    let alerts = vms["open_alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 1);
    check_alert_shape(&alerts[0], &[]);
    assert_eq!(alerts[0]["kind"], "distress");

    // The resolved alert is not listed; the acknowledged one is.
    let resolved = get_ok(&app, "/api/v1/vessels/mmsi:574100006").await;
    assert_eq!(resolved["open_alerts"], json!([]));
    let acked = get_ok(&app, "/api/v1/vessels/mmsi:574100004").await;
    assert_eq!(acked["open_alerts"][0]["status"], "acknowledged");
    assert_eq!(acked["zone"]["class"], "undelimited");

    let sart = get_ok(&app, "/api/v1/vessels/mmsi:970100001").await;
    assert_eq!(sart["identity"]["mmsi_kind"], "sart");

    // Known without a fix.
    let no_fix = get_ok(&app, "/api/v1/vessels/mmsi:574100099").await;
    assert_eq!(no_fix["status"], "silent");
    assert_eq!(no_fix["last_fix"], Value::Null);
    assert_eq!(no_fix["age_s"], Value::Null);
    assert_eq!(no_fix["zone"], Value::Null);

    check_problem(
        &app,
        get("/api/v1/vessels/mmsi:574999999"),
        StatusCode::NOT_FOUND,
        "no vessel mmsi:574999999",
    )
    .await;
    check_problem(
        &app,
        get("/api/v1/vessels/574100001"),
        StatusCode::BAD_REQUEST,
        "not a vessel key",
    )
    .await;
}

/// 30,000 vessels with the shipped zone set: every one is listed, with its status. How
/// fast is measured by `scripts/bench-api`, not here.
#[tokio::test]
async fn thirty_thousand_vessels_are_all_listed_with_statuses() {
    let zones_text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../geodata/zones.geojson"
    ))
    .unwrap();
    let mut app = app(None).await;
    let zones = Arc::new(haidang_geofence::ZoneIndex::from_geojson(&zones_text).unwrap());
    // The same store, pipeline and signal, now with the zones.
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    app.router = haidang_api::router(haidang_api::AppState {
        store: app.store.clone(),
        ingest: app.ingest.clone(),
        metrics: Arc::new(String::new),
        zones_geojson: None,
        zones: Some(zones),
        lines: None,
        shutdown,
        secure_cookies: false,
    });
    app.stop = stop;

    // Boats spread over the South China Sea and the Gulf of Thailand, some of them named.
    let mut positions = Vec::with_capacity(30_000);
    let mut named = Vec::new();
    for i in 0..30_000_u32 {
        let lon = 103.0 + f64::from(i % 300) * 0.04;
        let lat = 5.0 + f64::from(i / 300) * 0.15;
        let vessel = mmsi(574_000_000 + i);
        positions.push(fix(
            &vessel,
            lon,
            lat,
            time::Duration::seconds(i64::from(i % 30_000)),
        ));
        if i % 3 == 0 {
            named.push((
                vessel,
                VesselStatic {
                    name: Some(format!("HAI DANG {i}")),
                    ..VesselStatic::default()
                },
            ));
        }
    }
    for chunk in positions.chunks(5000) {
        app.store.insert_positions(chunk).await.unwrap();
    }
    app.store.upsert_vessels(&named).await.unwrap();

    // The first request loads the fleet from the store (once per server); then the list
    // is served from memory, kept current by the pipeline's broadcast.
    let first = support::get_ok(&app, "/api/v1/vessels").await;
    let features = first["features"].as_array().unwrap();
    assert_eq!(features.len(), 30_000);
    let mut statuses = std::collections::BTreeMap::<String, usize>::new();
    for f in features {
        *statuses
            .entry(f["properties"]["status"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    // The spread covers more than one status.
    assert!(statuses.len() >= 3, "{statuses:?}");
}
