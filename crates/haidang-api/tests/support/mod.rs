//! Shared by the API's test files: a router over a real SQLite store in a temporary
//! directory and a real pipeline, requests without a socket (`oneshot`), and checks.

// Each test file uses its own part of this.
#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use haidang_api::{AppState, router};
use haidang_geofence::ZoneIndex;
use haidang_ingest::{IngestHandle, PipelineConfig};
use haidang_store::{NewAccount, Role, Store};
use http_body_util::BodyExt;
use serde_json::Value;
use tokio::sync::watch;
use tower::ServiceExt;

/// A directory removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "haidang-api-test-{}-{}-{}",
            env!("CARGO_CRATE_NAME"),
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

pub struct App {
    pub router: Router,
    pub store: Store,
    pub ingest: IngestHandle,
    pub pipeline: tokio::task::JoinHandle<()>,
    /// Turns the server's shutdown signal on.
    pub stop: watch::Sender<bool>,
    pub _dir: TempDir,
}

/// A Vietnamese EEZ box (106..110 E, 6..12 N), an Indonesian one south of it (106..110 E,
/// 2..6 N) and an undelimited one east of it (110..112 E, 6..12 N).
pub const ZONES: &str = r#"{"type":"FeatureCollection","features":[
  {"type":"Feature","properties":{"id":"vn-eez","class":"vn_eez","country":"VNM","name":"VN EEZ"},
   "geometry":{"type":"Polygon","coordinates":[[[106,6],[110,6],[110,12],[106,12],[106,6]]]}},
  {"type":"Feature","properties":{"id":"idn-eez","class":"foreign","country":"IDN","name":"Indonesia"},
   "geometry":{"type":"Polygon","coordinates":[[[106,2],[110,2],[110,6],[106,6],[106,2]]]}},
  {"type":"Feature","properties":{"id":"sp","class":"undelimited","name":"Contested"},
   "geometry":{"type":"Polygon","coordinates":[[[110,6],[112,6],[112,12],[110,12],[110,6]]]}}
]}"#;

/// The API tokens every test store holds: (name, role, mission, province); the token's
/// value is [`token`] of its name.
pub const TOKENS: &[(&str, Role, Option<&str>, Option<&str>)] = &[
    ("admin", Role::Admin, None, None),
    ("operator", Role::Operator, None, None),
    ("consular", Role::Consular, None, None),
    (
        "consular-jakarta",
        Role::Consular,
        Some("mission.idn.jakarta"),
        None,
    ),
    ("fisheries", Role::Fisheries, None, None),
    ("fisheries-ca-mau", Role::Fisheries, None, Some("ca-mau")),
    ("device", Role::Device, None, None),
];

/// The bearer token of the test account `name` (one of [`TOKENS`]).
pub fn token(name: &str) -> String {
    format!("test-token-{name}")
}

/// Creates the [`TOKENS`] in `store`.
pub async fn create_test_tokens(store: &Store) {
    for (name, role, mission, province) in TOKENS {
        let account = NewAccount {
            name: (*name).to_owned(),
            role: *role,
            mission: mission.map(str::to_owned),
            province: province.map(str::to_owned),
        };
        store
            .create_token(
                &account,
                &haidang_api::secret_hash(&token(name)),
                false,
                time::OffsetDateTime::now_utc(),
            )
            .await
            .unwrap();
    }
}

async fn open_store() -> (Store, TempDir) {
    let dir = TempDir::new();
    let url = format!("sqlite:{}", dir.0.join("x.db").display());
    let store = Store::open(&url).await.unwrap();
    create_test_tokens(&store).await;
    (store, dir)
}

fn build(
    store: Store,
    ingest: IngestHandle,
    pipeline: tokio::task::JoinHandle<()>,
    zones: Option<(&str, Arc<ZoneIndex>)>,
    dir: TempDir,
) -> App {
    let (stop, shutdown) = watch::channel(false);
    let router = router(AppState {
        store: store.clone(),
        ingest: ingest.clone(),
        metrics: Arc::new(String::new),
        zones_geojson: zones.as_ref().map(|(text, _)| Arc::from(*text)),
        zones: zones.map(|(_, index)| index),
        lines: Some(Arc::new(shipped_lines())),
        shutdown,
        secure_cookies: false,
    });
    App {
        router,
        store,
        ingest,
        pipeline,
        stop,
        _dir: dir,
    }
}

/// The shipped boundary lines, `geodata/lines.geojson`.
pub fn shipped_lines() -> haidang_geofence::LineSet {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../geodata/lines.geojson"
    ))
    .unwrap();
    haidang_geofence::LineSet::from_geojson(&text).unwrap()
}

/// [`app`] without zones, its session cookies marked `Secure` (served over HTTPS).
pub async fn app_over_https() -> App {
    let mut app = app(None).await;
    app.router = router(AppState {
        store: app.store.clone(),
        ingest: app.ingest.clone(),
        metrics: Arc::new(String::new),
        zones_geojson: None,
        zones: None,
        lines: None,
        shutdown: watch::channel(false).1,
        secure_cookies: true,
    });
    app
}

/// The plain pipeline (no geofence, no rules); the API classifies with `zones`.
pub async fn app(zones: Option<&str>) -> App {
    let (store, dir) = open_store().await;
    let (ingest, pipeline) = haidang_ingest::spawn(PipelineConfig::RECOMMENDED, store.clone());
    let zones = zones.map(|text| (text, Arc::new(ZoneIndex::from_geojson(text).unwrap())));
    build(store, ingest, pipeline, zones, dir)
}

/// The pipeline with the shipped zones, the recommended rules and the shipped routing:
/// what `haidang serve` runs, so fixes raise alerts.
pub async fn app_with_rules() -> App {
    let (store, dir) = open_store().await;
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../geodata/zones.geojson"
    ))
    .unwrap();
    let zones = Arc::new(ZoneIndex::from_geojson(&text).unwrap());
    let routing = Arc::new(haidang_notify::Router::shipped().unwrap());
    let monitoring = haidang_ingest::Monitoring {
        zones: zones.clone(),
        rules: haidang_rules::RulesConfig::recommended(),
        notifier: haidang_notify::Notifier::new(store.clone(), routing),
    };
    let (ingest, pipeline) =
        haidang_ingest::spawn_with_alerts(PipelineConfig::RECOMMENDED, store.clone(), monitoring)
            .unwrap();
    build(store, ingest, pipeline, Some((&text, zones)), dir)
}

pub struct Reply {
    pub status: StatusCode,
    pub content_type: String,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

/// Sends the request; one without credentials (and not marked [`anonymous`]) goes as the
/// test administrator.
pub async fn send(app: &App, request: Request<Body>) -> Reply {
    let response = app
        .router
        .clone()
        .oneshot(with_default_account(request))
        .await
        .unwrap();
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

/// A GET as the test administrator.
pub fn get(uri: &str) -> Request<Body> {
    as_account("admin", Request::get(uri).body(Body::empty()).unwrap())
}

/// A JSON POST as the test administrator.
pub fn post_json(uri: &str, body: impl Into<Body>) -> Request<Body> {
    as_account(
        "admin",
        Request::post(uri)
            .header(header::CONTENT_TYPE, "application/json")
            .body(body.into())
            .unwrap(),
    )
}

/// The request, authenticated as the test account `name` (one of [`TOKENS`]) instead.
pub fn as_account(name: &str, mut request: Request<Body>) -> Request<Body> {
    request.headers_mut().insert(
        header::AUTHORIZATION,
        format!("Bearer {}", token(name)).parse().unwrap(),
    );
    request
}

/// Marks a request to be sent without credentials.
#[derive(Clone, Copy, Debug)]
pub struct Anonymous;

/// The request without any credentials.
pub fn anonymous(mut request: Request<Body>) -> Request<Body> {
    request.headers_mut().remove(header::AUTHORIZATION);
    request.extensions_mut().insert(Anonymous);
    request
}

/// The request as the test administrator, unless it has credentials or is [`anonymous`].
pub fn with_default_account(request: Request<Body>) -> Request<Body> {
    if request.headers().contains_key(header::AUTHORIZATION)
        || request.headers().contains_key(header::COOKIE)
        || request.extensions().get::<Anonymous>().is_some()
    {
        request
    } else {
        as_account("admin", request)
    }
}

/// A request's JSON answer, which must be `status`.
pub async fn json_reply(app: &App, request: Request<Body>, status: StatusCode) -> Value {
    let what = format!("{} {}", request.method(), request.uri());
    let reply = send(app, request).await;
    assert_eq!(
        reply.status,
        status,
        "{what}: {}",
        String::from_utf8_lossy(&reply.body)
    );
    assert!(
        reply.content_type.starts_with("application/json"),
        "{what}: {}",
        reply.content_type
    );
    reply.json()
}

pub async fn get_ok(app: &App, uri: &str) -> Value {
    json_reply(app, get(uri), StatusCode::OK).await
}

/// Asserts an RFC 9457 problem with this status whose `detail` contains `fragment`.
pub async fn check_problem(app: &App, request: Request<Body>, status: StatusCode, fragment: &str) {
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

/// The keys of the one alert shape, in every place an alert appears.
pub const ALERT_KEYS: [&str; 18] = [
    "id",
    "kind",
    "vessel",
    "zone_id",
    "zone_class",
    "country",
    "lon",
    "lat",
    "fix_time",
    "received_at",
    "raised_at",
    "delayed",
    "status",
    "details",
    "acknowledged_at",
    "acknowledged_by",
    "resolved_at",
    "resolved_by",
];

/// Asserts `alert` has exactly the alert shape's keys (plus `extra`).
pub fn check_alert_shape(alert: &Value, extra: &[&str]) {
    let object = alert.as_object().unwrap_or_else(|| panic!("{alert}"));
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    let mut expected: Vec<&str> = ALERT_KEYS.iter().chain(extra).copied().collect();
    expected.sort_unstable();
    assert_eq!(keys, expected, "{alert}");
    assert!(alert["details"].is_object(), "{alert}");
    let raised = alert["raised_at"].as_str().unwrap();
    assert!(raised.ends_with('Z'), "{raised}");
}

/// An AIS type 1 report from `mmsi` at `(lon, lat)`, fixed at `t_s` (UNIX seconds) and
/// stamped with a tag block saying it was received then.
pub fn type1(mmsi: u32, lon: f64, lat: f64, t_s: i64) -> String {
    use haidang_nmea::encode::{Payload, tag_block, vdm_sentences};
    let nav_status = if (970_000_000..975_000_000).contains(&mmsi) {
        14
    } else {
        7
    };
    let mut p = Payload::new();
    p.uint(1, 6)
        .uint(0, 2)
        .uint(u64::from(mmsi), 30)
        .uint(nav_status, 4)
        .int(-128, 8)
        .uint(35, 10)
        .flag(false)
        .int((lon * 600_000.0).round() as i64, 28)
        .int((lat * 600_000.0).round() as i64, 27)
        .uint(900, 12)
        .uint(511, 9)
        .uint((t_s % 60) as u64, 6)
        .uint(0, 2)
        .uint(0, 3)
        .flag(false)
        .uint(0, 19);
    let (armored, fill) = p.armored();
    let tag = tag_block(&format!("c:{t_s}"));
    vdm_sentences("AI", 'A', None, &armored, fill, 60)
        .into_iter()
        .map(|line| format!("{tag}{line}"))
        .collect()
}

/// The text of `pdf` as `pdftotext` (Debian poppler-utils) extracts it.
pub fn pdftotext(pdf: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!(
        "haidang-api-pdf-{}-{}",
        std::process::id(),
        time::OffsetDateTime::now_utc().unix_timestamp_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("pack.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext (Debian poppler-utils) runs");
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}
