//! The IUU compliance report of a scripted month: a register imported by a fisheries
//! officer, a fleet's positions every two hours, the alerts of known events (VMS silences,
//! crossings, a distress that opens no case, events outside the month), the cases worked
//! to outcomes through the API, two detentions abroad opened by consular staff. The report
//! must count exactly what was scripted, trace every count to its ids, give the same bytes
//! twice, and scope a province's account to its province.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use haidang_store::{NewAlert, NewPosition, VesselId};
use haidang_types::LatLon;
use serde_json::{Value, json};
use support::{App, ZONES, app, as_account, check_problem, get, json_reply, post_json, send};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const REGISTER: &str = "\
registration_number,mmsi,name,length_m,gear,province,owner,vms_provider,vms_device_id,licence_valid_from,licence_valid_to
KH-90001-TS,574100001,Hải Đăng 1,24,lưới vây,Khánh Hòa,Nguyễn Văn A,Viettel,VT-1,2026-01-01,2026-12-31
KH-90002-TS,574100002,\"Hải Đăng 2, \"\"Bình An\"\"\",18,câu,Khánh Hòa,Trần B,Viettel,VT-2,,
KH-90003-TS,,Hải Đăng 3,20,lưới kéo,Khánh Hòa,Lê C,Vishipel,VS-3,,
CM-90004-TS,574100004,Cà Mau 4,22,lưới kéo,Cà Mau,Phạm D,Viettel,VT-4,,
CM-90005-TS,574100005,Cà Mau 5,16,câu,Cà Mau,Võ E,Vishipel,VS-5,,
CM-90006-TS,,Cà Mau 6,12,lưới rê,Cà Mau,Đỗ F,,,,
";

/// Where each boat works (inside the Vietnamese test zone, 106..110 E, 6..12 N).
fn home(i: usize) -> (f64, f64) {
    (107.0 + 0.3 * i as f64, 8.0 + 0.2 * i as f64)
}

fn key(i: usize) -> VesselId {
    let key = match i {
        1 => "mmsi:574100001",
        2 => "mmsi:574100002",
        3 => "reg:KH-90003-TS",
        4 => "mmsi:574100004",
        _ => "mmsi:574100005",
    };
    VesselId::from_key(key).unwrap()
}

fn fix(i: usize, at: OffsetDateTime, (lon, lat): (f64, f64)) -> NewPosition {
    NewPosition {
        vessel: key(i),
        fix_time: at,
        received_at: at + Duration::seconds(20),
        source: "scripted".into(),
        position: LatLon::new(lon, lat).unwrap(),
        sog: None,
        cog: None,
        heading: None,
        nav_status: None,
        raw: None,
    }
}

const START: OffsetDateTime = datetime!(2026-03-01 00:00 UTC);

/// The month's positions: boats 1 to 5 every two hours (12 a day), except boat 2 silent
/// for 8 hours on 5 March, boat 3 silent from 8 to 20 March, and boat 4 inside Indonesian
/// waters from 10 March 02:00 to 09:30, going 0.25 degree deep at 06:00.
fn positions() -> Vec<NewPosition> {
    let mut out = Vec::new();
    for step in 0..31 * 12 {
        let at = START + Duration::hours(2 * step);
        for i in 1..=5 {
            let silent =
                match i {
                    2 => (datetime!(2026-03-05 06:00 UTC)..datetime!(2026-03-05 14:00 UTC))
                        .contains(&at),
                    3 => (datetime!(2026-03-08 00:00 UTC)..datetime!(2026-03-20 00:00 UTC))
                        .contains(&at),
                    _ => false,
                };
            if silent {
                continue;
            }
            let place = match (i, at) {
                (4, t) if t == datetime!(2026-03-10 02:00 UTC) => (108.0, 5.9),
                (4, t) if t == datetime!(2026-03-10 04:00 UTC) => (108.0, 5.8),
                (4, t) if t == datetime!(2026-03-10 06:00 UTC) => (108.0, 5.75),
                (4, t) if t == datetime!(2026-03-10 08:00 UTC) => (108.0, 5.9),
                _ => home(i),
            };
            out.push(fix(i, at, place));
        }
    }
    out
}

fn alert(key_text: &str, kind: &str, vessel: &str, at: OffsetDateTime) -> NewAlert {
    let mut a = NewAlert::new(key_text, kind, at + Duration::seconds(30));
    a.vessel = VesselId::from_key(vessel);
    a.fix_time = Some(at);
    a.received_at = Some(at + Duration::seconds(20));
    a
}

fn zone_alert(
    key_text: &str,
    kind: &str,
    vessel: &str,
    at: OffsetDateTime,
    zone: (&str, &str, Option<&str>),
    (lon, lat): (f64, f64),
) -> NewAlert {
    let mut a = alert(key_text, kind, vessel, at);
    a.zone_id = Some(zone.0.into());
    a.zone_class = Some(zone.1.into());
    a.country = zone.2.map(Into::into);
    a.position = LatLon::new(lon, lat).ok();
    a
}

const IDN: (&str, &str, Option<&str>) = ("idn-eez", "foreign", Some("IDN"));
const SP: (&str, &str, Option<&str>) = ("sp", "undelimited", None);

/// The month's events, as the rules raise them.
fn alerts() -> Vec<NewAlert> {
    vec![
        // Before the month: a crossing that the March report must not count.
        zone_alert(
            "b0",
            "entered_foreign",
            "mmsi:574100001",
            datetime!(2026-02-27 10:00 UTC),
            IDN,
            (108.0, 5.5),
        ),
        // Boat 2: silent more than 6 hours (a provider outage, as it turns out).
        alert(
            "s2",
            "silent_6h",
            "mmsi:574100002",
            datetime!(2026-03-05 12:10 UTC),
        ),
        // Boat 3: silent 6 hours, then 10 days: one case, escalated to over 10 days.
        alert(
            "s3",
            "silent_6h",
            "reg:KH-90003-TS",
            datetime!(2026-03-08 04:10 UTC),
        ),
        alert(
            "s3b",
            "silent_10d",
            "reg:KH-90003-TS",
            datetime!(2026-03-17 22:10 UTC),
        ),
        // Boat 4: into Indonesian waters, out 7.5 hours later.
        zone_alert(
            "b4",
            "entered_foreign",
            "mmsi:574100004",
            datetime!(2026-03-10 02:00 UTC),
            IDN,
            (108.0, 5.9),
        ),
        zone_alert(
            "x4",
            "exited",
            "mmsi:574100004",
            datetime!(2026-03-10 09:30 UTC),
            IDN,
            (108.0, 6.1),
        ),
        // Boat 5: into undelimited waters.
        zone_alert(
            "b5",
            "entered_undelimited",
            "mmsi:574100005",
            datetime!(2026-03-15 03:00 UTC),
            SP,
            (110.2, 9.0),
        ),
        // A boat that is not in the register.
        zone_alert(
            "b9",
            "entered_foreign",
            "mmsi:574999999",
            datetime!(2026-03-21 18:00 UTC),
            IDN,
            (109.0, 4.0),
        ),
        // A distress: an alert, not a compliance case.
        alert(
            "d1",
            "distress",
            "mmsi:574100001",
            datetime!(2026-03-22 01:00 UTC),
        ),
        // After the month.
        alert(
            "s9",
            "silent_6h",
            "mmsi:574100001",
            datetime!(2026-04-01 00:10 UTC),
        ),
    ]
}

fn fisheries(uri: &str, body: Value) -> Request<Body> {
    as_account("fisheries", post_json(uri, body.to_string()))
}

async fn case_of(app: &App, alert: &str) -> i64 {
    let list = json_reply(
        app,
        as_account("fisheries", get("/api/v1/compliance/cases")),
        StatusCode::OK,
    )
    .await;
    list["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["alert_id"] == haidang_store::alert_id_for(alert))
        .and_then(|c| c["id"].as_i64())
        .unwrap_or_else(|| panic!("no case from alert {alert}: {list}"))
}

async fn act(app: &App, id: i64, action: &str, body: Value) {
    let reply = send(
        app,
        fisheries(&format!("/api/v1/compliance/cases/{id}/{action}"), body),
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "{action} {id}: {}",
        String::from_utf8_lossy(&reply.body)
    );
}

async fn detention(app: &App, body: Value, status: Option<&str>) -> i64 {
    let case = json_reply(
        app,
        as_account("consular", post_json("/api/v1/cases", body.to_string())),
        StatusCode::CREATED,
    )
    .await;
    let id = case["id"].as_i64().unwrap();
    if let Some(status) = status {
        let reply = send(
            app,
            as_account(
                "consular",
                post_json(
                    &format!("/api/v1/cases/{id}/status"),
                    json!({"status": status}).to_string(),
                ),
            ),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK);
    }
    id
}

async fn report(app: &App, account: &str, query: &str) -> (Vec<u8>, String) {
    let reply = send(
        app,
        as_account(account, get(&format!("/api/v1/reports/iuu?{query}"))),
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    (reply.body, reply.content_type)
}

fn ids(v: &Value) -> Vec<i64> {
    v["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_i64().unwrap())
        .collect()
}

fn names(v: &Value) -> Vec<&str> {
    v["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_scripted_month_gives_exactly_the_expected_counts() {
    let app = app(Some(ZONES)).await;
    let import = send(
        &app,
        as_account(
            "fisheries",
            Request::post("/api/v1/registry")
                .header(header::CONTENT_TYPE, "text/csv; charset=utf-8")
                .body(Body::from(REGISTER))
                .unwrap(),
        ),
    )
    .await;
    assert_eq!(
        import.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&import.body)
    );
    assert_eq!(
        app.store.insert_positions(&positions()).await.unwrap(),
        31 * 12 * 5 - 4 - 12 * 12
    );
    app.store
        .insert_alerts(&alerts(), &[], OffsetDateTime::now_utc())
        .await
        .unwrap();

    // The officer works the month's cases to outcomes.
    let (s2, s3, b4, b5, b9) = (
        case_of(&app, "s2").await,
        case_of(&app, "s3").await,
        case_of(&app, "b4").await,
        case_of(&app, "b5").await,
        case_of(&app, "b9").await,
    );
    act(
        &app,
        s2,
        "close",
        json!({"reason": "provider_outage", "note": "Viettel outage 5/3"}),
    )
    .await;
    act(&app, s3, "verify", json!({})).await;
    act(&app, s3, "sanction", json!({"decision_number": "15/QĐ-XPHC", "amount_vnd": 50_000_000, "decided_on": "2026-03-25", "payment_proof": "UNC-0325"})).await;
    act(&app, b4, "verify", json!({})).await;
    act(&app, b4, "sanction", json!({"decision_number": "16/QĐ-XPHC", "amount_vnd": 80_000_000, "decided_on": "2026-03-28"})).await;
    act(&app, b5, "close", json!({"reason": "no_violation"})).await;

    // Consular staff open two detentions in March and one in April.
    let d_mys = detention(
        &app,
        json!({"vessel": "mmsi:574100005", "detained_at": "2026-03-20T04:00:00Z", "lon": 104.1, "lat": 6.2,
               "detaining_country": "MYS", "mission": "mission.mys.kuala_lumpur"}),
        Some("verified"),
    )
    .await;
    let d_chn = detention(
        &app,
        json!({"vessel": "reg:KH-90003-TS", "detained_at": "2026-03-25T09:00:00Z",
               "detaining_country": "CHN", "mission": "mission.chn.beijing", "province": "Khánh Hòa"}),
        None,
    )
    .await;
    detention(
        &app,
        json!({"vessel": "mmsi:574100001", "detained_at": "2026-04-02T09:00:00Z",
               "detaining_country": "CHN", "mission": "mission.chn.beijing"}),
        None,
    )
    .await;

    let query = "from=2026-03-01&to=2026-03-31";
    let (bytes, content_type) = report(&app, "fisheries", query).await;
    assert_eq!(content_type, "application/json");
    let r: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(r["period"]["days"], 31);
    let fleet = &r["fleet"];
    assert_eq!(
        names(&fleet["registered"]),
        [
            "CM-90004-TS",
            "CM-90005-TS",
            "CM-90006-TS",
            "KH-90001-TS",
            "KH-90002-TS",
            "KH-90003-TS"
        ]
    );
    assert_eq!(
        names(&fleet["length_15m_or_more"]),
        [
            "CM-90004-TS",
            "CM-90005-TS",
            "KH-90001-TS",
            "KH-90002-TS",
            "KH-90003-TS"
        ]
    );
    assert_eq!(fleet["with_vms"]["count"], 5);
    // Boat 2 missed 4 reports, boat 3 twelve days of them.
    assert_eq!(
        names(&fleet["reporting_12_a_day"]),
        ["CM-90004-TS", "CM-90005-TS", "KH-90001-TS"]
    );

    assert_eq!(ids(&r["vms_loss"]["total"]), [s2, s3]);
    assert_eq!(
        ids(&r["vms_loss"]["by_bucket"]["6h_10d"]["by_outcome"]["closed"]),
        [s2]
    );
    assert_eq!(
        ids(&r["vms_loss"]["by_bucket"]["over_10d"]["by_outcome"]["sanctioned"]),
        [s3]
    );
    assert_eq!(ids(&r["boundary"]["total"]), [b4, b5, b9]);
    assert_eq!(
        ids(&r["boundary"]["by_country"]["IDN"]["by_outcome"]["sanctioned"]),
        [b4]
    );
    assert_eq!(
        ids(&r["boundary"]["by_country"]["IDN"]["by_outcome"]["detected"]),
        [b9]
    );
    assert_eq!(
        ids(&r["boundary"]["by_country"]["none"]["by_class"]["undelimited"]),
        [b5]
    );
    assert_eq!(ids(&r["detentions_abroad"]["total"]), [d_mys, d_chn]);
    assert_eq!(
        ids(&r["detentions_abroad"]["by_country"]["MYS"]["by_status"]["verified"]),
        [d_mys]
    );
    assert_eq!(ids(&r["closed_without_sanction"]["total"]), [s2, b5]);
    assert_eq!(
        ids(&r["closed_without_sanction"]["by_reason"]["provider_outage"]),
        [s2]
    );
    assert_eq!(ids(&r["cases_of_unregistered_vessels"]), [b9]);
    assert_eq!(r["consistency"]["ok"], true);

    // The boundary case's extent: 7.5 hours, deepest 0.25 degree south of the line.
    let crossing = r["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == b4)
        .unwrap();
    assert_eq!(crossing["hours_inside"], 7.5);
    let deepest = crossing["max_inside_nm"].as_f64().unwrap();
    // 0.25 degree of latitude is 15.0 nm; the zone's 4-degree edge along 6 N, taken as a
    // great-circle arc, bulges about 0.2 nm north of the parallel at 108 E.
    assert!((15.0..15.3).contains(&deepest), "{crossing}");
    assert_eq!(crossing["sanction"]["amount_vnd"], 80_000_000);
    assert_eq!(crossing["position"], json!([108.0, 5.9]));
    // The annex: the positions counted per vessel, and each vessel's cases.
    let annex = r["annex"].as_array().unwrap();
    let row = |reg: &str| {
        annex
            .iter()
            .find(|a| a["registration"] == reg)
            .unwrap()
            .clone()
    };
    assert_eq!(row("KH-90001-TS")["positions"], 372);
    assert_eq!(row("KH-90002-TS")["positions"], 368);
    assert_eq!(row("KH-90003-TS")["positions"], 372 - 144);
    assert_eq!(row("KH-90003-TS")["case_ids"], json!([s3]));
    assert_eq!(row("KH-90003-TS")["detention_ids"], json!([d_chn]));
    assert_eq!(row("CM-90006-TS")["positions"], 0);

    // The same query gives the same bytes.
    assert_eq!(report(&app, "fisheries", query).await.0, bytes);
    exports_agree(&app, query, [s2, s3], [b4, b5, b9], [d_mys, d_chn]).await;

    // A province: its own vessels, cases and detentions.
    let (bytes, _) = report(
        &app,
        "fisheries",
        &format!("{query}&province=C%C3%A0%20Mau"),
    )
    .await;
    let ca_mau: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(ca_mau["fleet"]["registered"]["count"], 3);
    assert_eq!(ids(&ca_mau["vms_loss"]["total"]), Vec::<i64>::new());
    assert_eq!(ids(&ca_mau["boundary"]["total"]), [b4, b5]);
    assert_eq!(ids(&ca_mau["detentions_abroad"]["total"]), [d_mys]);
    // Cà Mau's own account ("ca-mau") gets the same report, and no other province's.
    let (own, _) = report(&app, "fisheries-ca-mau", query).await;
    let own: Value = serde_json::from_slice(&own).unwrap();
    assert_eq!(own["boundary"], ca_mau["boundary"]);
    assert_eq!(own["annex"], ca_mau["annex"]);
    check_problem(
        &app,
        as_account(
            "fisheries-ca-mau",
            get(&format!(
                "/api/v1/reports/iuu?{query}&province=Kh%C3%A1nh%20H%C3%B2a"
            )),
        ),
        StatusCode::FORBIDDEN,
        "reports on ca-mau only",
    )
    .await;
    // … and sees only its province's compliance cases.
    let list = json_reply(
        &app,
        as_account("fisheries-ca-mau", get("/api/v1/compliance/cases")),
        StatusCode::OK,
    )
    .await;
    let listed: Vec<i64> = list["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(listed, [b4, b5]);
    check_problem(
        &app,
        as_account(
            "fisheries-ca-mau",
            get(&format!("/api/v1/compliance/cases/{s2}")),
        ),
        StatusCode::NOT_FOUND,
        "no compliance case",
    )
    .await;
    let reply = send(
        &app,
        as_account(
            "fisheries-ca-mau",
            post_json(
                &format!("/api/v1/compliance/cases/{s3}/close"),
                json!({"reason": "other"}).to_string(),
            ),
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

/// The CSV, GeoJSON and PDF exports of the month carry the JSON report's figures, and
/// give the same bytes twice.
async fn exports_agree(
    app: &App,
    query: &str,
    loss: [i64; 2],
    boundary: [i64; 3],
    detained: [i64; 2],
) {
    let mut exports = Vec::new();
    for (format, content_type) in [
        ("csv", "application/zip"),
        ("geojson", "application/geo+json"),
        ("pdf", "application/pdf"),
    ] {
        let (bytes, ct) = report(app, "fisheries", &format!("{query}&format={format}")).await;
        assert_eq!(ct, content_type);
        let again = report(app, "fisheries", &format!("{query}&format={format}"))
            .await
            .0;
        assert!(again == bytes, "{format}: two runs gave different bytes");
        exports.push(bytes);
    }
    let joined = |ids: &[i64]| ids.iter().map(i64::to_string).collect::<Vec<_>>().join(" ");

    // CSV: RFC 4180 tables (CRLF, quoted where needed), UTF-8 with a BOM for Excel.
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&exports[0])).unwrap();
    let mut table = |name: &str| -> Vec<csv::StringRecord> {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut text).unwrap();
        let text = text.strip_prefix('\u{feff}').expect("a BOM");
        assert!(
            text.ends_with("\r\n") && !text.replace("\r\n", "").contains('\r'),
            "{name}"
        );
        csv::ReaderBuilder::new()
            .from_reader(text.as_bytes())
            .records()
            .map(Result::unwrap)
            .collect()
    };
    let vms = table("vms_loss.csv");
    let total = vms
        .iter()
        .find(|r| &r[0] == "total" && &r[1] == "total")
        .unwrap();
    assert_eq!((&total[2], &total[3]), ("2", joined(&loss).as_str()));
    let border = table("boundary.csv");
    let total = border.iter().find(|r| &r[0] == "total").unwrap();
    assert_eq!(total.iter().next_back(), Some(joined(&boundary).as_str()));
    let annex = table("annex.csv");
    assert_eq!(annex.len(), 6);
    assert!(
        annex
            .iter()
            .any(|r| r.iter().any(|f| f == "Hải Đăng 2, \"Bình An\"")),
        "{annex:?}"
    );
    let cases = table("cases.csv");
    assert_eq!(cases.len(), 5);

    // GeoJSON: a point for each case and detention with a position, the others listed.
    let geo: Value = serde_json::from_slice(&exports[1]).unwrap();
    let mut located: Vec<(String, i64)> = geo["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["properties"]["kind"].as_str().unwrap().to_owned(),
                f["properties"]["id"].as_i64().unwrap(),
            )
        })
        .collect();
    located.sort();
    let mut expected: Vec<(String, i64)> = boundary
        .iter()
        .map(|&id| ("boundary".to_owned(), id))
        .collect();
    expected.push(("detention".into(), detained[0]));
    expected.sort();
    assert_eq!(located, expected);
    assert_eq!(geo["without_position"]["cases"], json!(loss));
    assert_eq!(geo["without_position"]["detentions"], json!([detained[1]]));
    assert!(geo["notice"].as_str().unwrap().contains("approximate"));

    // PDF: the text read back carries the headings, the case numbers and the names.
    let text = support::pdftotext(&exports[2]);
    for needle in [
        "Mất kết nối VMS / VMS loss",
        "Tàu bị bắt giữ ở nước ngoài",
        "Cà Mau",
        "Khánh Hòa",
        "15/QĐ-XPHC",
        "approximate",
    ] {
        assert!(text.contains(needle), "the PDF lacks {needle:?}:\n{text}");
    }
    for id in loss.iter().chain(&boundary).chain(&detained) {
        assert!(text.contains(&id.to_string()), "the PDF lacks case {id}");
    }
}

#[tokio::test]
async fn bad_report_requests_get_a_clear_problem() {
    let app = app(None).await;
    for (query, status, fragment) in [
        ("from=2026-03-01", StatusCode::BAD_REQUEST, "to"),
        (
            "from=2026-03-01&to=2026-02-01",
            StatusCode::BAD_REQUEST,
            "before",
        ),
        (
            "from=2026-3-1&to=2026-03-31",
            StatusCode::BAD_REQUEST,
            "not a day",
        ),
        (
            "from=2025-01-01&to=2026-03-31",
            StatusCode::BAD_REQUEST,
            "at most 366 days",
        ),
        (
            "from=2026-03-01&to=2026-03-31&format=xls",
            StatusCode::BAD_REQUEST,
            "not one of",
        ),
        (
            "from=2026-03-01&to=2026-03-31&colour=red",
            StatusCode::BAD_REQUEST,
            "colour",
        ),
    ] {
        check_problem(
            &app,
            as_account("fisheries", get(&format!("/api/v1/reports/iuu?{query}"))),
            status,
            fragment,
        )
        .await;
    }
    let reply = send(
        &app,
        as_account(
            "operator",
            get("/api/v1/reports/iuu?from=2026-03-01&to=2026-03-31"),
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}
