//! `GET /api/v1/cases/{id}/evidence`: a scripted detention's pack, checked field by
//! field, its SHA-256 verified, and its boundary distance against an independent
//! cross-track computation.

mod support;

use axum::http::StatusCode;
use haidang_store::{NewPosition, VesselId, VesselStatic};
use haidang_types::{Knots, LatLon, Mmsi};
use serde_json::{Value, json};
use support::{ZONES, app, as_account, check_problem, get, json_reply, post_json, send};
use time::{Duration, OffsetDateTime};

/// The mean earth radius the geofence uses (IUGG), in meters.
const R: f64 = 6_371_008.8;

/// The great-circle distance (haversine), radians.
fn angle(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (l1, p1) = (a.0.to_radians(), a.1.to_radians());
    let (l2, p2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((p2 - p1) / 2.0).sin().powi(2) + p1.cos() * p2.cos() * ((l2 - l1) / 2.0).sin().powi(2);
    2.0 * h.sqrt().asin()
}

/// The initial bearing from a to b, radians.
fn bearing(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (l1, p1) = (a.0.to_radians(), a.1.to_radians());
    let (l2, p2) = (b.0.to_radians(), b.1.to_radians());
    let y = (l2 - l1).sin() * p2.cos();
    let x = p1.cos() * p2.sin() - p1.sin() * p2.cos() * (l2 - l1).cos();
    y.atan2(x)
}

/// Cross-track distance from p to the great circle through a and b (meters): the
/// textbook formula, independent of the geofence's code.
fn cross_track(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    ((angle(a, p)).sin() * (bearing(a, p) - bearing(a, b)).sin())
        .asin()
        .abs()
        * R
}

#[tokio::test]
async fn the_evidence_pack_of_a_scripted_detention() {
    let app = app(Some(ZONES)).await;
    let vessel = VesselId::Mmsi(Mmsi::new(574_000_077).unwrap());
    let detained = OffsetDateTime::from_unix_timestamp(1_795_392_000).unwrap();
    // A boat sailing south from Vietnamese into Indonesian waters, one fix every 30
    // minutes over 90 hours before the detention and 8 after (some outside the window).
    let fixes: Vec<NewPosition> = (-180..16)
        .map(|i: i64| {
            let t = detained + Duration::minutes(30 * i);
            let lat = 5.9 - (i as f64) * 0.001;
            NewPosition {
                vessel: vessel.clone(),
                fix_time: t,
                received_at: t + Duration::seconds(4),
                source: "bridge:VN-77".into(),
                position: LatLon::new(108.0, lat).unwrap(),
                sog: Some(Knots(5.0)),
                cog: None,
                heading: None,
                nav_status: None,
                raw: Some(format!(
                    "\\s:VN-77,c:{}*00\\$GPRMC,fix {i}",
                    t.unix_timestamp()
                )),
            }
        })
        .collect();
    app.store.insert_positions(&fixes).await.unwrap();

    let case = json_reply(
        &app,
        as_account(
            "consular-jakarta",
            post_json(
                "/api/v1/cases",
                json!({"vessel": vessel.key(), "detained_at": "2026-11-23T00:00:00Z",
                       "lon": 108.0, "lat": 5.9, "detaining_country": "IDN"})
                .to_string(),
            ),
        ),
        StatusCode::CREATED,
    )
    .await;
    let id = case["id"].as_i64().unwrap();
    let uri = format!("/api/v1/cases/{id}/evidence");
    let reply = send(&app, as_account("fisheries", get(&uri))).await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.content_type, "application/geo+json");
    assert!(
        haidang_report::verify_sha256(&reply.body),
        "the pack's hash holds"
    );
    let pack: Value = reply.json();
    let evidence = &pack["evidence"];
    assert_eq!(evidence["case"], id);
    assert_eq!(evidence["from"], "2026-11-20T00:00:00Z", "72 h before");
    assert_eq!(evidence["to"], "2026-11-23T06:00:00Z", "6 h after");
    assert!(
        evidence["notice"]
            .as_str()
            .unwrap()
            .contains("not legal lines")
    );
    // 72 h before (144 fixes, the first one at the start included) and 6 h after (12).
    assert_eq!(evidence["fixes"], 144 + 12);
    let features = pack["features"].as_array().unwrap();
    let points: Vec<&Value> = features
        .iter()
        .filter(|f| f["properties"]["kind"] == "fix")
        .collect();
    assert_eq!(points.len(), 156);
    let at_detention = points
        .iter()
        .find(|f| f["properties"]["fix_time"] == "2026-11-23T00:00:00Z")
        .unwrap();
    let p = &at_detention["properties"];
    assert_eq!(p["received_at"], "2026-11-23T00:00:04Z");
    assert_eq!(p["source"], "bridge:VN-77");
    assert!(p["nmea"].as_str().unwrap().ends_with("$GPRMC,fix 0"), "{p}");
    assert_eq!(
        p["zones"],
        json!([{"id": "idn-eez", "class": "foreign", "country": "IDN"}])
    );
    // The distance to the Indonesian zone's northern edge (6° N from 106° E to 110° E),
    // within 50 m of the textbook cross-track distance.
    let nearest = &p["nearest_boundary"];
    assert_eq!(nearest["zone"]["id"], "idn-eez");
    let served = nearest["distance_meters"].as_f64().unwrap();
    let expected = cross_track((108.0, 5.9), (106.0, 6.0), (110.0, 6.0));
    assert!(
        (served - expected).abs() < 50.0,
        "served {served} m, expected {expected} m"
    );
    // The distance to the 2003 Viet Nam - Indonesia continental-shelf line, whose segment
    // from (106.660464, 6.349967) to (109.286944, 6.8375) passes north of the fix: within
    // 50 m of the textbook cross-track distance to that segment's great circle.
    let lines = p["lines"].as_array().unwrap();
    let cs = lines
        .iter()
        .find(|l| l["id"] == "vn-id-cs-boundary-2003")
        .unwrap_or_else(|| panic!("{p}"));
    assert_eq!(cs["kind"], "treaty");
    assert_eq!(
        cs["name"],
        "Viet Nam - Indonesia continental shelf boundary (2003)"
    );
    let served = cs["distance_meters"].as_f64().unwrap();
    let expected = cross_track((108.0, 5.9), (106.660464, 6.349967), (109.286944, 6.8375));
    assert!(
        (served - expected).abs() < 50.0,
        "served {served} m, expected {expected} m"
    );
    assert!(lines.len() <= 5, "{lines:?}");
    assert!(
        lines
            .windows(2)
            .all(|w| w[0]["distance_meters"].as_f64() <= w[1]["distance_meters"].as_f64()),
        "nearest first: {lines:?}"
    );
    assert!(
        lines
            .iter()
            .all(|l| ["treaty", "median", "unsettled_median", "vn_200nm"]
                .contains(&l["kind"].as_str().unwrap())),
        "{lines:?}"
    );
    assert!(
        features
            .iter()
            .any(|f| f["properties"]["kind"] == "detention")
    );
    assert!(
        features
            .iter()
            .any(|f| f["geometry"]["type"] == "LineString")
    );

    // Roles and scope: an operator may not; a province-limited account does not find it.
    let operator = send(&app, as_account("operator", get(&uri))).await;
    assert_eq!(operator.status, StatusCode::FORBIDDEN);
    let elsewhere = send(&app, as_account("fisheries-ca-mau", get(&uri))).await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
    // A narrower window, bad windows, a case without a vessel.
    let narrow = send(&app, get(&format!("{uri}?before_h=1&after_h=0"))).await;
    assert_eq!(narrow.json()["evidence"]["fixes"], 2);
    check_problem(
        &app,
        get(&format!("{uri}?before_h=721")),
        StatusCode::BAD_REQUEST,
        "at most",
    )
    .await;
    check_problem(
        &app,
        get(&format!("{uri}?after_h=-1")),
        StatusCode::BAD_REQUEST,
        "",
    )
    .await;
    let bare = json_reply(
        &app,
        post_json(
            "/api/v1/cases",
            json!({"mission": "mission.idn.jakarta"}).to_string(),
        ),
        StatusCode::CREATED,
    )
    .await;
    check_problem(
        &app,
        get(&format!("/api/v1/cases/{}/evidence", bare["id"])),
        StatusCode::CONFLICT,
        "no vessel",
    )
    .await;
    check_problem(
        &app,
        get("/api/v1/cases/999/evidence"),
        StatusCode::NOT_FOUND,
        "no case",
    )
    .await;
}

/// The file `name` attached to `pdf`, as `pdfdetach` (Debian poppler-utils) saves it.
fn pdf_attachment(pdf: &[u8], name: &str) -> Vec<u8> {
    let dir = std::env::temp_dir().join(format!(
        "haidang-api-detach-{}-{}",
        std::process::id(),
        OffsetDateTime::now_utc().unix_timestamp_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("pack.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = std::process::Command::new("pdfdetach")
        .arg("-saveall")
        .arg("-o")
        .arg(&dir)
        .arg(&file)
        .output()
        .expect("pdfdetach (Debian poppler-utils) runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(dir.join(name)).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    bytes
}

#[tokio::test]
async fn the_evidence_pack_as_pdf() {
    let app = app(Some(ZONES)).await;
    let vessel = VesselId::Mmsi(Mmsi::new(574_000_007).unwrap());
    app.store
        .upsert_vessel(
            &vessel,
            &VesselStatic {
                name: Some("Hải Đăng 07".into()),
                ..VesselStatic::default()
            },
        )
        .await
        .unwrap();
    let detained = OffsetDateTime::from_unix_timestamp(1_795_392_000).unwrap();
    // A fix every 10 minutes for 72 hours: 433 rows, many pages.
    let fixes: Vec<NewPosition> = (-432..=0)
        .map(|i: i64| {
            let t = detained + Duration::minutes(10 * i);
            NewPosition {
                vessel: vessel.clone(),
                fix_time: t,
                received_at: t + Duration::seconds(4),
                source: "bridge:VN-07".into(),
                position: LatLon::new(108.0, 5.9 - (i as f64) * 0.0005).unwrap(),
                sog: Some(Knots(5.0)),
                cog: None,
                heading: None,
                nav_status: None,
                raw: Some(format!("$GPRMC,fix{},A", -i)),
            }
        })
        .collect();
    app.store.insert_positions(&fixes).await.unwrap();
    let case = json_reply(
        &app,
        as_account(
            "consular-jakarta",
            post_json(
                "/api/v1/cases",
                json!({"vessel": vessel.key(), "detained_at": "2026-11-23T00:00:00Z",
                       "lon": 108.0, "lat": 5.9, "detaining_country": "IDN",
                       "place": "Biển Natuna"})
                .to_string(),
            ),
        ),
        StatusCode::CREATED,
    )
    .await;
    let id = case["id"].as_i64().unwrap();
    json_reply(
        &app,
        as_account(
            "consular-jakarta",
            post_json(
                &format!("/api/v1/cases/{id}/crew"),
                json!({"name": "Nguyễn Văn Ánh", "home_town": "Quảng Ngãi"}).to_string(),
            ),
        ),
        StatusCode::CREATED,
    )
    .await;

    let uri = format!("/api/v1/cases/{id}/evidence.pdf");
    let reply = send(&app, as_account("consular-jakarta", get(&uri))).await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.content_type, "application/pdf");
    assert!(reply.body.starts_with(b"%PDF-"));
    let text = support::pdftotext(&reply.body);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        "Hải Đăng 07 (mmsi:574000007)",
        "Biển Natuna (5.90000° N, 108.00000° E)",
        "Đại sứ quán Việt Nam tại",
        "(mission.idn.jakarta)",
        "Zone boundaries are approximate and are not legal lines",
        "không phải đường ranh giới pháp lý",
        "2026-11-23T00:00:00Z",
        "2026-11-23T00:00:04Z",
        "$GPRMC,fix432,A",
        "vn-id-cs-boundary-2003 (treaty)",
        "Viet Nam - Indonesia continental shelf boundary (2003)",
        " 433 ",
    ] {
        assert!(flat.contains(expected), "{expected:?} not in:\n{flat}");
    }
    for crew in ["Nguyễn Văn Ánh", "Quảng Ngãi"] {
        assert!(!flat.contains(crew), "crew data in the PDF: {crew}");
    }
    // The distance printed for the fix at the detention is the GeoJSON pack's, rounded.
    let pack = send(
        &app,
        as_account(
            "consular-jakarta",
            get(&format!("/api/v1/cases/{id}/evidence?before_h=0")),
        ),
    )
    .await
    .json();
    let at_detention = pack["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["fix_time"] == "2026-11-23T00:00:00Z")
        .unwrap();
    let cs = at_detention["properties"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == "vn-id-cs-boundary-2003")
        .unwrap();
    let meters = cs["distance_meters"].as_f64().unwrap();
    assert!(
        flat.contains(&format!("{meters:.0} m: vn-id-cs-boundary-2003 (treaty)")),
        "{meters} m not in:\n{flat}"
    );
    // The hash printed is the GeoJSON pack's, which is attached to the PDF.
    let (_, after) = flat
        .split_once("(attached to this PDF): ")
        .unwrap_or_else(|| panic!("{flat}"));
    let sha: String = after.chars().take(64).collect();
    assert!(sha.chars().all(|c| c.is_ascii_hexdigit()), "{sha}");
    let attached = pdf_attachment(&reply.body, &format!("case-{id}-evidence.geojson"));
    assert!(haidang_report::verify_sha256(&attached));
    assert!(
        String::from_utf8(attached)
            .unwrap()
            .contains(&format!("\"sha256\":\"{sha}\"")),
        "the attached pack carries the printed hash"
    );

    let operator = send(&app, as_account("operator", get(&uri))).await;
    assert_eq!(operator.status, StatusCode::FORBIDDEN);
    let elsewhere = send(&app, as_account("fisheries-ca-mau", get(&uri))).await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
    check_problem(
        &app,
        get(&format!("{uri}?before_h=721")),
        StatusCode::BAD_REQUEST,
        "at most",
    )
    .await;
}
