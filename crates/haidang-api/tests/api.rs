//! The API through its router, without a socket (`oneshot`), against a real SQLite store
//! in a temporary directory and a real ingest pipeline, fed with the real AISHub capture
//! (`shared/ais-conformance/ais-nmea-sample.log`).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use haidang_api::{AppState, MAX_BATCH_BODY_BYTES, MAX_BATCH_LINES, router};
use haidang_ingest::{IngestHandle, PipelineConfig};
use haidang_store::{Store, VesselId};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tower::ServiceExt;

mod support;

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "haidang-api-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct App {
    router: Router,
    store: Store,
    ingest: IngestHandle,
    pipeline: tokio::task::JoinHandle<()>,
    _dir: TempDir,
}

const ZONES: &str = r#"{"type":"FeatureCollection","features":[]}"#;

async fn app(zones: Option<&str>) -> App {
    let dir = TempDir::new();
    let url = format!("sqlite:{}", dir.0.join("x.db").display());
    let store = Store::open(&url).await.unwrap();
    support::create_test_tokens(&store).await;
    let (ingest, pipeline) = haidang_ingest::spawn(PipelineConfig::RECOMMENDED, store.clone());
    let router = router(AppState {
        store: store.clone(),
        ingest: ingest.clone(),
        metrics: Arc::new(|| "# TYPE haidang_up gauge\nhaidang_up 1\n".to_owned()),
        zones_geojson: zones.map(Arc::from),
        zones: None,
        lines: None,
        shutdown: tokio::sync::watch::channel(false).1,
        secure_cookies: false,
    });
    App {
        router,
        store,
        ingest,
        pipeline,
        _dir: dir,
    }
}

struct Reply {
    status: StatusCode,
    content_type: String,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

async fn send(app: &App, request: Request<Body>) -> Reply {
    let request = support::with_default_account(request);
    let response = app.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    Reply {
        status,
        content_type,
        body,
    }
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

fn post_json(body: impl Into<Body>) -> Request<Body> {
    Request::post("/api/v1/ingest/nmea")
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.into())
        .unwrap()
}

async fn get_ok(app: &App, uri: &str) -> Value {
    let reply = send(app, get(uri)).await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "{uri}: {}",
        String::from_utf8_lossy(&reply.body)
    );
    assert!(
        reply.content_type.starts_with("application/json"),
        "{uri}: {}",
        reply.content_type
    );
    reply.json()
}

/// The first `n` sentences of the real capture (comments skipped).
fn capture(n: usize) -> Vec<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/ais-conformance/ais-nmea-sample.log");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .take(n)
        .map(str::to_owned)
        .collect()
}

/// Asserts an RFC 9457 problem with this status whose `detail` contains `fragment`.
async fn check_problem(app: &App, request: Request<Body>, status: StatusCode, fragment: &str) {
    let what = format!("{} {}", request.method(), request.uri());
    let reply = send(app, request).await;
    assert_eq!(
        reply.status,
        status,
        "{what}: {}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.content_type, "application/problem+json", "{what}");
    let problem = reply.json();
    assert_eq!(problem["type"], "about:blank", "{what}");
    assert_eq!(problem["status"], status.as_u16(), "{what}");
    assert_eq!(
        problem["title"],
        status.canonical_reason().unwrap(),
        "{what}"
    );
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains(fragment),
        "{what}: {detail:?} lacks {fragment:?}"
    );
}

fn parse_time(v: &Value) -> OffsetDateTime {
    let s = v.as_str().unwrap_or_else(|| panic!("not a time: {v}"));
    assert!(s.ends_with('Z'), "{s} is not UTC");
    OffsetDateTime::parse(s, &Rfc3339).unwrap()
}

#[tokio::test]
async fn a_posted_batch_shows_up_as_vessels_and_tracks() {
    let app = app(None).await;
    let lines = capture(400);
    let batch = json!({"batch_id": "b-1", "device": "test-bridge", "lines": lines});

    let reply = send(&app, post_json(batch.to_string())).await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let ack = reply.json();
    assert_eq!(ack["batch_id"], "b-1");
    assert_eq!(ack["lines"], 400);
    let positions = ack["positions"].as_u64().unwrap();
    assert!(positions > 100, "{ack}");

    // Acknowledged means committed: the store has it all before any wait (one report in
    // these lines repeats an earlier one exactly and is stored once).
    let counts = app.store.counts().await.unwrap();
    let already = app
        .ingest
        .stats()
        .positions_already_stored
        .load(Ordering::Relaxed);
    assert_eq!(counts.positions, positions - already);
    let positions_stored = counts.positions;

    // A resent batch (the bridge did not see the answer) is acknowledged again and stored
    // once: within the dedupe window its reports count as copies, not as positions.
    let again = send(&app, post_json(batch.to_string())).await.json();
    assert_eq!(again["lines"], 400);
    assert_eq!(again["positions"], 0, "{again}");
    assert_eq!(
        app.store.counts().await.unwrap().positions,
        positions_stored
    );

    let vessels = get_ok(&app, "/api/v1/vessels").await;
    assert_eq!(vessels["type"], "FeatureCollection");
    assert!(vessels["notice"].as_str().unwrap().contains("approximate"));
    let features = vessels["features"].as_array().unwrap();
    // Every vessel with a position; vessels known only from static data have none.
    let latest = app.store.latest_positions(None).await.unwrap();
    assert_eq!(features.len(), latest.len());
    assert!(features.len() > 100 && features.len() as u64 <= counts.vessels);
    for f in features {
        assert_eq!(f["type"], "Feature");
        assert_eq!(f["geometry"]["type"], "Point");
        let [lon, lat] = [
            &f["geometry"]["coordinates"][0],
            &f["geometry"]["coordinates"][1],
        ]
        .map(|c| c.as_f64().unwrap());
        assert!(
            (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat),
            "{f}"
        );
        let p = &f["properties"];
        assert_eq!(f["id"], p["vessel"]);
        assert!(
            VesselId::from_key(p["vessel"].as_str().unwrap()).is_some(),
            "{p}"
        );
        assert!(
            parse_time(&p["fix_time"])
                <= parse_time(&p["received_at"]) + time::Duration::seconds(5)
        );
        assert_eq!(p["source"], "bridge:test-bridge");
        for key in ["sog_knots", "cog_degrees", "heading_degrees", "nav_status"] {
            assert!(p.get(key).is_some(), "{key} missing in {p}");
        }
    }

    // A vessel heard more than once has a LineString whose arrays follow its points.
    let mut seen_line = false;
    for f in features {
        let key = f["id"].as_str().unwrap();
        let id = VesselId::from_key(key).unwrap();
        let now = OffsetDateTime::now_utc();
        let stored = app
            .store
            .track(
                &id,
                now - time::Duration::days(1),
                now + time::Duration::minutes(5),
            )
            .await
            .unwrap();
        if stored.len() < 2 {
            continue;
        }
        let track = get_ok(&app, &format!("/api/v1/vessels/{key}/track")).await;
        assert_eq!(track["type"], "FeatureCollection");
        assert_eq!(track["vessel"], key);
        let feature = &track["features"][0];
        assert_eq!(feature["geometry"]["type"], "LineString", "{track}");
        let coords = feature["geometry"]["coordinates"].as_array().unwrap();
        assert_eq!(coords.len(), stored.len());
        let props = &feature["properties"];
        assert_eq!(props["fixes"], stored.len());
        let times: Vec<OffsetDateTime> = props["fix_times"]
            .as_array()
            .unwrap()
            .iter()
            .map(parse_time)
            .collect();
        assert!(
            times.windows(2).all(|w| w[0] <= w[1]),
            "fix-time order: {times:?}"
        );
        assert_eq!(times[0], stored[0].fix_time);
        assert_eq!(props["received_at"].as_array().unwrap().len(), stored.len());
        seen_line = true;

        // An explicit range that ends before the first fix is empty, not an error.
        let before = (times[0] - time::Duration::hours(1))
            .format(&Rfc3339)
            .unwrap();
        let empty = get_ok(&app, &format!("/api/v1/vessels/{key}/track?to={before}")).await;
        assert_eq!(empty["features"], json!([]));
        break;
    }
    assert!(
        seen_line,
        "no vessel was heard twice in the first 400 lines"
    );
}

#[tokio::test]
async fn bbox_filters_vessels_including_across_the_antimeridian() {
    let app = app(None).await;
    let reply = send(
        &app,
        post_json(json!({"batch_id": "b", "device": "d", "lines": capture(300)}).to_string()),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    let all = get_ok(&app, "/api/v1/vessels").await["features"]
        .as_array()
        .unwrap()
        .clone();
    let first = &all[0]["geometry"]["coordinates"];
    let (lon, lat) = (first[0].as_f64().unwrap(), first[1].as_f64().unwrap());

    let near = format!(
        "{},{},{},{}",
        lon - 0.001,
        lat - 0.001,
        lon + 0.001,
        lat + 0.001
    );
    let got = get_ok(&app, &format!("/api/v1/vessels?bbox={near}")).await;
    let got = got["features"].as_array().unwrap();
    assert!(got.iter().any(|f| f["id"] == all[0]["id"]), "{got:?}");
    assert!(got.len() < all.len());

    // West > east: the box from 170°E across the antimeridian to 170°W. The capture has
    // nobody there, so two Fijian boats report there through the pipeline (what the list
    // serves from), one on each side.
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let far = vec![
        support::type1(520_100_001, 179.5, -16.5, now),
        support::type1(520_100_002, -179.5, -16.5, now),
    ];
    let ack = app.ingest.submit_batch("bridge:fiji", far).await.unwrap();
    assert_eq!(ack.positions, 2);
    let got = get_ok(&app, "/api/v1/vessels?bbox=170,-90,-170,90").await;
    let ids: Vec<&Value> = got["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["id"])
        .collect();
    assert_eq!(ids, [&json!("mmsi:520100001"), &json!("mmsi:520100002")]);
    let all: Vec<Value> = get_ok(&app, "/api/v1/vessels").await["features"]
        .as_array()
        .unwrap()
        .clone();

    let world = get_ok(&app, "/api/v1/vessels?bbox=-180,-90,180,90").await;
    assert_eq!(world["features"].as_array().unwrap().len(), all.len());
}

#[tokio::test]
async fn malformed_requests_get_problem_json() {
    let app = app(None).await;
    use StatusCode as S;
    let cases: &[(&str, S, &str)] = &[
        ("/api/v1/vessels?bbox=1,2,3", S::BAD_REQUEST, "got 3 values"),
        (
            "/api/v1/vessels?bbox=a,2,3,4",
            S::BAD_REQUEST,
            "west \"a\" is not a number",
        ),
        (
            "/api/v1/vessels?bbox=1,NaN,3,4",
            S::BAD_REQUEST,
            "is not a number",
        ),
        (
            "/api/v1/vessels?bbox=-181,2,3,4",
            S::BAD_REQUEST,
            "outside -180..180",
        ),
        (
            "/api/v1/vessels?bbox=1,50,3,4",
            S::BAD_REQUEST,
            "north of north",
        ),
        (
            "/api/v1/vessels?bbx=1,2,3,4",
            S::BAD_REQUEST,
            "unknown field `bbx`",
        ),
        (
            "/api/v1/vessels/574100001/track",
            S::BAD_REQUEST,
            "not a vessel key",
        ),
        (
            "/api/v1/vessels/mmsi:5741/track",
            S::BAD_REQUEST,
            "not a vessel key",
        ),
        (
            "/api/v1/vessels/reg:/track",
            S::BAD_REQUEST,
            "not a vessel key",
        ),
        (
            "/api/v1/vessels/mmsi:574999999/track",
            S::NOT_FOUND,
            "no vessel mmsi:574999999",
        ),
        (
            "/api/v1/vessels/reg:BD-90123-TS/track",
            S::NOT_FOUND,
            "no vessel reg:BD-90123-TS",
        ),
        (
            "/api/v1/vessels/mmsi:574999999/track?from=yesterday",
            S::BAD_REQUEST,
            "RFC 3339",
        ),
        (
            "/api/v1/vessels/mmsi:574999999/track?to=2026-11-23",
            S::BAD_REQUEST,
            "RFC 3339",
        ),
        (
            "/api/v1/vessels/mmsi:574999999/track?from=2026-11-23T08:00:00Z&to=2026-11-23T07:00:00Z",
            S::BAD_REQUEST,
            "must be before",
        ),
        (
            "/api/v1/vessels/mmsi:574999999/track?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z",
            S::BAD_REQUEST,
            "longer than 31 days",
        ),
        (
            "/api/v1/vessels/mmsi:574999999/track?since=x",
            S::BAD_REQUEST,
            "unknown field `since`",
        ),
        ("/api/v1/zones", S::NOT_FOUND, "without a zone set"),
        ("/api/v1/nothing", S::NOT_FOUND, "no such path"),
        ("/api", S::NOT_FOUND, "no such path"),
    ];
    for (uri, status, fragment) in cases {
        check_problem(&app, get(uri), *status, fragment).await;
    }

    check_problem(
        &app,
        Request::delete("/api/v1/vessels")
            .body(Body::empty())
            .unwrap(),
        S::METHOD_NOT_ALLOWED,
        "method",
    )
    .await;
    check_problem(
        &app,
        get("/api/v1/ingest/nmea"),
        S::METHOD_NOT_ALLOWED,
        "method",
    )
    .await;

    let ok_body = json!({"batch_id": "b", "device": "d", "lines": []}).to_string();
    check_problem(
        &app,
        Request::post("/api/v1/ingest/nmea")
            .body(Body::from(ok_body.clone()))
            .unwrap(),
        S::UNSUPPORTED_MEDIA_TYPE,
        "Content-Type: application/json",
    )
    .await;
    check_problem(
        &app,
        Request::post("/api/v1/ingest/nmea")
            .header(header::CONTENT_TYPE, "text/plain")
            .body(Body::from(ok_body))
            .unwrap(),
        S::UNSUPPORTED_MEDIA_TYPE,
        "Content-Type: application/json",
    )
    .await;
    check_problem(&app, post_json("{\"batch_id\": "), S::BAD_REQUEST, "parse").await;
    check_problem(
        &app,
        post_json("not json"),
        S::BAD_REQUEST,
        "parse the request body as JSON",
    )
    .await;
    check_problem(
        &app,
        post_json(json!({"batch_id": "b", "lines": []}).to_string()),
        S::UNPROCESSABLE_ENTITY,
        "missing field `device`",
    )
    .await;
    check_problem(
        &app,
        post_json(json!({"batch_id": "b", "device": "d", "lines": [1, 2]}).to_string()),
        S::UNPROCESSABLE_ENTITY,
        "invalid type",
    )
    .await;
    check_problem(
        &app,
        post_json(json!({"batch_id": "b", "device": "", "lines": []}).to_string()),
        S::UNPROCESSABLE_ENTITY,
        "device must be 1 to 128",
    )
    .await;
    check_problem(
        &app,
        post_json(json!({"batch_id": "a b", "device": "d", "lines": []}).to_string()),
        S::UNPROCESSABLE_ENTITY,
        "batch_id must be",
    )
    .await;
    let too_many = vec!["!AIVDM"; MAX_BATCH_LINES + 1];
    check_problem(
        &app,
        post_json(json!({"batch_id": "b", "device": "d", "lines": too_many}).to_string()),
        S::PAYLOAD_TOO_LARGE,
        "10001 lines",
    )
    .await;
    let huge_line = "x".repeat(MAX_BATCH_BODY_BYTES);
    check_problem(
        &app,
        post_json(json!({"batch_id": "b", "device": "d", "lines": [huge_line]}).to_string()),
        S::PAYLOAD_TOO_LARGE,
        "larger than 4194304 bytes",
    )
    .await;

    // None of it reached the store.
    assert_eq!(app.store.counts().await.unwrap().positions, 0);
}

#[tokio::test]
async fn health_readiness_metrics_stats_and_zones_answer() {
    let app = app(Some(ZONES)).await;
    assert_eq!(get_ok(&app, "/healthz").await["status"], "ok");
    assert_eq!(get_ok(&app, "/readyz").await["status"], "ready");

    let metrics = send(&app, get("/metrics")).await;
    assert_eq!(metrics.status, StatusCode::OK);
    assert!(
        metrics
            .content_type
            .starts_with("text/plain; version=0.0.4"),
        "{}",
        metrics.content_type
    );
    assert_eq!(metrics.body, b"# TYPE haidang_up gauge\nhaidang_up 1\n");

    let zones = send(&app, get("/api/v1/zones")).await;
    assert_eq!(zones.status, StatusCode::OK);
    assert_eq!(zones.content_type, "application/geo+json");
    assert_eq!(zones.body, ZONES.as_bytes());

    let mut lines = capture(50);
    lines.push("!AIVDM,1,1,,A,garbage,0*00".to_owned());
    let ack = send(
        &app,
        post_json(json!({"batch_id": "s", "device": "d", "lines": lines}).to_string()),
    )
    .await
    .json();
    assert_eq!(ack["quarantined"], 1, "{ack}");
    let stats = get_ok(&app, "/api/v1/stats").await;
    let counts = app.store.counts().await.unwrap();
    assert_eq!(stats["vessels"], counts.vessels);
    assert_eq!(stats["positions"], counts.positions);
    assert_eq!(stats["quarantined"], counts.quarantined);
    assert_eq!(stats["quarantined"], 1);
    let ingest = &stats["ingest"];
    assert_eq!(ingest["batch_lines"], 51);
    assert_eq!(ingest["positions_stored"], counts.positions);
    assert_eq!(ingest["quarantined"], 1);
    for key in [
        "lines",
        "positions_already_stored",
        "duplicates",
        "skipped",
        "dropped_full",
        "store_retries",
    ] {
        assert!(ingest[key].is_u64(), "{key} in {ingest}");
    }
    assert_eq!(ingest["store_ok"], true);

    // While the pipeline's writes fail, the server is not ready.
    app.ingest.stats().store_ok.store(false, Ordering::Relaxed);
    let reply = send(&app, get("/readyz")).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.content_type, "application/problem+json");
    let problem = reply.json();
    assert!(
        problem["checks"]["ingest_store_writes"].is_string(),
        "{problem}"
    );
    assert!(problem["checks"].get("store").is_none(), "{problem}");
    // Liveness does not care.
    assert_eq!(get_ok(&app, "/healthz").await["status"], "ok");
}

#[tokio::test]
async fn a_stopped_pipeline_refuses_batches_with_503() {
    let mut app = app(None).await;
    app.ingest.shutdown().await;
    let pipeline = std::mem::replace(&mut app.pipeline, tokio::spawn(async {}));
    pipeline.await.unwrap();
    check_problem(
        &app,
        post_json(json!({"batch_id": "b", "device": "d", "lines": capture(5)}).to_string()),
        StatusCode::SERVICE_UNAVAILABLE,
        "stopped",
    )
    .await;
    // Reads still work from the store.
    assert_eq!(get_ok(&app, "/api/v1/vessels").await["features"], json!([]));
}

#[tokio::test]
async fn a_client_over_its_rate_limit_gets_429_with_retry_after_and_others_do_not() {
    let mut app = app(None).await;
    let limit = haidang_api::RateLimit {
        per_second: 1,
        burst: 3,
    };
    app.router = haidang_api::router_with(
        AppState {
            store: app.store.clone(),
            ingest: app.ingest.clone(),
            metrics: Arc::new(String::new),
            zones_geojson: None,
            zones: None,
            lines: None,
            shutdown: tokio::sync::watch::channel(false).1,
            secure_cookies: false,
        },
        limit,
    );
    let from =
        |ip: [u8; 4], uri: &str| {
            let mut request = get(uri);
            request.extensions_mut().insert(axum::extract::ConnectInfo(
                std::net::SocketAddr::from((ip, 40000)),
            ));
            request
        };
    let busy = [192, 0, 2, 1];
    for _ in 0..3 {
        assert_eq!(
            send(&app, from(busy, "/api/v1/stats")).await.status,
            StatusCode::OK
        );
    }
    let response = app
        .router
        .clone()
        .oneshot(from(busy, "/api/v1/stats"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(response.headers()[header::RETRY_AFTER], "1");
    check_problem(
        &app,
        from(busy, "/api/v1/vessels"),
        StatusCode::TOO_MANY_REQUESTS,
        "more than 1 requests a second from this address",
    )
    .await;
    // Health checks are never limited; another address has its own allowance.
    assert_eq!(
        send(&app, from(busy, "/healthz")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        send(&app, from([192, 0, 2, 2], "/api/v1/stats"))
            .await
            .status,
        StatusCode::OK
    );
}
