//! Haidang's HTTP API: the only crate that knows HTTP.
//!
//! [`router`] builds the axum [`Router`] the binary serves. Everything is JSON; geometry is
//! GeoJSON (RFC 7946: WGS 84, `[lon, lat]`, at most 7 decimals); times are RFC 3339 in
//! UTC (`Z`); every error is an RFC 9457 `application/problem+json` body ([`ApiError`])
//! with a `detail` saying what to fix. Bad input is a 4xx, never a 500.
//!
//! | route | answers |
//! |---|---|
//! | `GET /healthz` | 200 while the process runs (liveness, no dependencies) |
//! | `GET /readyz` | 200 when the store answers a point query within 2 s and the pipeline's last store write succeeded; else 503 with the failing `checks` |
//! | `GET /metrics` | 200, Prometheus text (`text/plain; version=0.0.4`) from [`AppState::metrics`] |
//! | `GET /api/v1/openapi.json` | 200, the OpenAPI 3.1 document of every route here |
//! | `GET /api/v1/vessels[?bbox=W,S,E,N&status=&q=]` | 200, the latest position of each vessel as Point features, with `name`, `status` (`domestic`, `near_boundary`, `undelimited`, `foreign`, `silent`, `distress`), the most dangerous zone it is in (`zone_id`, `zone_class`, `country`) and `age_s`; `q` matches part of a name, call sign, MMSI or registration; 400 for a bad box, status or `q` |
//! | `GET /api/v1/vessels/{vessel}` | 200, one vessel: `identity`, `last_fix`, `status`, `zone`, `zones`, `nearest_boundary` (foreign or undelimited, within 200 nm), `open_alerts`; 400 for a malformed key; 404 for a vessel never heard of |
//! | `GET /api/v1/vessels/{vessel}/track[?from=&to=]` | 200, the track in `[from, to)` (default: the last 24 h); 400 for a malformed key, time or range; 404 for a vessel the store has never heard of |
//! | `GET /api/v1/alerts[?status=&kind=&vessel=&since=&until=&limit=&cursor=]` | 200, `{"alerts", "next", "notice"}`: a page (default 100, at most 1000) newest first; `next` is the cursor of the following page or null; 400 for a bad filter or cursor |
//! | `GET /api/v1/alerts/{id}` | 200, the alert with its `deliveries` (destination name, status, attempts, last error; never a URL or secret) and `changes` (its history); 404 |
//! | `POST /api/v1/alerts/{id}/acknowledge` | body `{"by": "operator", "note": "…"}`; 200, the alert, acknowledged; 404; 409 unless open; 400/415/422 for a malformed body |
//! | `POST /api/v1/alerts/{id}/resolve` | the same body; 200, the alert, resolved; 404; 409 once resolved; 400/415/422 |
//! | `GET /api/v1/deliveries/dead[?limit=]` | 200, `{"deliveries"}`: dead letters, most recently dead first |
//! | `POST /api/v1/deliveries/{id}/resend` | 200, the dead delivery is pending again; 400 for a non-numeric id; 404; 409 when it is not dead or its endpoint is disabled |
//! | `GET /api/v1/endpoints/disabled` | 200, `{"endpoints"}`: destinations disabled after a 410 |
//! | `POST /api/v1/endpoints/{destination}/enable` | 200, enabled again; 404 when it was not disabled |
//! | `GET /api/v1/stream` | 200, server-sent events: `alert`, `positions` (each second), `lagged`, keep-alive comments; ends on shutdown; 503 beyond [`MAX_STREAM_CLIENTS`] streams |
//! | `GET /api/v1/stats` | 200, the store's row counts and the pipeline's counters; 503 if the store does not answer |
//! | `GET /api/v1/zones` | 200, the zone set as loaded (`application/geo+json`); 404 when none is configured |
//! | `POST /api/v1/registry[?dry_run=true]` | body: the fleet register as CSV (`text/csv`, at most 16 MiB; columns in `haidang_store::REGISTRY_COLUMNS`); 200, what the import did (`inserted`, `updated`, `unchanged`, `rejected`) and each refused row's `line` and `problems`; the valid rows are stored even when others are refused; 415 without `text/csv`, 422 for a file refused whole (a required column missing), 413 |
//! | `GET /api/v1/compliance/cases[?kind=&status=&from=&to=]` | 200, `{"cases", "truncated"}`: the compliance cases the store opened from alerts (`vms_loss` with `bucket` `6h_10d` or `over_10d`; `boundary` with zone, class and country), oldest detection first; a province's fisheries account sees only the cases of vessels the register puts in its province; 400 for a bad filter |
//! | `GET /api/v1/compliance/cases/{id}` | 200, the case with its `history`; 404 (also for a case outside a province account's province) |
//! | `POST /api/v1/compliance/cases/{id}/verify`, `…/sanction`, `…/close` | bodies `{"note"}`, `{"decision_number", "amount_vnd", "decided_on", "payment_proof", "note"}`, `{"reason", "note"}`; 200, the case; 404; 409 when the workflow does not allow it (detected → verified → sanctioned, or closed from detected or verified); 422 for a bad body or reason |
//! | `POST /api/v1/manual-reports` | `{"vessel", "fix_time", "lon", "lat", "channel", "note"}`: a captain's position by radio or phone; 201 with its id; 400/422 |
//! | `GET /api/v1/vessels/{vessel}/manual-reports` | 200, the vessel's manual reports by fix time |
//! | `GET /api/v1/reports/iuu?from=DAY&to=DAY[&province=P][&format=F]` | 200, the IUU compliance report of the days `from` to `to` (both included, at most 366) as an attachment: `json` (default), `csv` (a zip, one CSV per table), `geojson` (where the cases happened) or `pdf`; every count lists its ids; fisheries and admin only, a province's account gets its own province (403 for another); 400 for bad days or format; 500 when the report does not add up |
//! | `GET /api/v1/registry/{registration}` | 200, `current` (or null) and `history` (every entry, oldest first, with `valid_from` and `superseded_at`); 404 for a registration never imported |
//! | `POST /api/v1/ingest/nmea` | 200 once the batch is committed; 400/415/422 for a malformed body, 413 beyond 10,000 lines or 4 MiB, 503 when the pipeline has stopped |
//! | `POST /api/v1/login` | body `{"name", "password"}` (JSON or a form); 200 with who you are and the session cookie; 401 for a wrong name or password or a locked account; 415/422 for a malformed body |
//! | `POST /api/v1/logout` | 204, the session ended and its cookie cleared |
//! | `GET /api/v1/me` | 200, `{name, kind, role, mission, province}` of the caller |
//! | `GET /api/v1/cases[?status=&limit=]` | 200, `{"cases"}` in the caller's scope, newest first, with `crew_count` and never crew data; 400 for a bad status |
//! | `POST /api/v1/cases` | 201, a case opened by hand or from `alert_id`; 403 for another mission than the account's; 422 for a missing mission, a malformed field or an unknown alert |
//! | `GET /api/v1/cases/{id}` | 200, the case, its `timeline` and linked `alerts`; 400 for a malformed id; 404 (also outside the caller's scope) |
//! | `POST /api/v1/cases/{id}/status` | body `{"status", "note"}`; 200, the case; 404; 409 for a change the workflow forbids; 422 for an unknown status or closing without a reason |
//! | `POST /api/v1/cases/{id}/notes` | body `{"text"}`; 201, the timeline entry; 404; 422 |
//! | `POST /api/v1/cases/{id}/alerts` | body `{"alert_id"}`; 201, the timeline entry; 404; 422 for an unknown alert |
//! | `POST /api/v1/cases/{id}/crew` | a crew member; 201, `{id, case_id}` only; 404; 422 |
//! | `GET /api/v1/cases/{id}/crew?reason=` | 200, `{case_id, crew}` (reason also as `X-Haidang-Reason`), with an access-log row in the same transaction; 404; 422 without a reason |
//! | `GET /api/v1/cases/{id}/evidence[?before_h=&after_h=]` | 200, the evidence pack (`application/geo+json`, SHA-256 inside and in `X-Content-SHA256`): the track from 72 h before to 6 h after the detention, each fix with times, source, zones, nearest boundary, distances to the nearest treaty, median and 200 nm lines within 200 nm, and raw NMEA; 400 for a window beyond 720 h / 24 h; 404; 409 while the case has no vessel or detention time |
//! | `GET /api/v1/cases/{id}/evidence.pdf[?before_h=&after_h=]` | 200, the same pack as a PDF (`application/pdf`): the case (no crew data), the notice in Vietnamese and English, a map of the track and the lines, a table of every fix with its raw NMEA, the SHA-256 of the GeoJSON pack (also in `X-Content-SHA256`) and that GeoJSON attached; same roles, scope and errors |
//! | `GET /api/v1/audit[?case=&limit=]` | 200, `{"entries"}`: the crew-data access log, newest first |
//! | `GET /login`, `GET /`, `GET /cases`, `GET /assets/…` | the login page, the live map and the cases page (303 to `/login` without a session), their files |
//!
//! An alert has one JSON shape everywhere (lists, details, action answers, the stream):
//! `id`, `kind`, `vessel` (a key such as `mmsi:574100001` or `reg:BV-90001-TS`, or null),
//! `zone_id`, `zone_class`, `country`, `lon`, `lat`, `fix_time`, `received_at`,
//! `raised_at`, `delayed`, `status` (`open`, `acknowledged`, `resolved`), `details` (an
//! object), `acknowledged_at`, `acknowledged_by`, `resolved_at`, `resolved_by`.
//!
//! The vessel list is served from memory: the fleet is read from the store at first use
//! and kept current from the pipeline's live positions (a fix is listed once the batch
//! that brought it is acknowledged; names and positions written to the store other than
//! through the pipeline show within a minute). 30,000 vessels answer in tens of
//! milliseconds once loaded.
//!
//! JSON bodies are limited to 64 KiB (the batch endpoint to 4 MiB). Each client address may
//! make 100 requests a second, 400 at once ([`RateLimit`]; health checks are not counted);
//! beyond that, 429 with `Retry-After`.
//!
//! Unknown paths are 404 and wrong methods 405, as problem+json too.
//!
//! **Access.** Every route but `/healthz`, `/readyz`, `/metrics`, `POST /api/v1/login`, the
//! login page and the page files needs a user's session cookie or an API token
//! (`Authorization: Bearer`); without one the answer is 401, with a role the route does not
//! allow 403 (both problem+json). One table in `auth.rs` (route group × role) decides, in a
//! middleware that runs after routing; a route missing from it is refused to everyone.
//! Cases are scoped in SQL to the caller's mission or province (others are 404). Crew data
//! leaves only through `GET …/crew`, for consular staff and admins, each answer logged in the
//! same transaction. `/metrics` is open (counters only): keep the port on loopback or a
//! trusted network, or behind a proxy; there is no TLS here (put a TLS proxy in front and
//! set `AppState::secure_cookies`).
//!
//! Positions are served as the vessels reported them, unverified, and zone boundaries are
//! approximate, not legal lines: the vessels and track collections say so in a `notice`
//! member.
//!
//! **Architecture Invariant:** the only crate that knows HTTP. It reads through
//! `haidang_store::Store`'s public methods and reaches the pipeline only through
//! `haidang_ingest::IngestHandle` (`submit_batch`, `stats`, `subscribe`,
//! `subscribe_alerts`); it knows nothing of the pipeline's internals.

mod alerts;
mod auth;
mod cases;
mod compliance;
mod error;
mod evidence;
mod fleet;
mod geojson;
mod health;
mod ingest;
mod openapi;
mod ratelimit;
mod registry;
mod report;
mod status;
mod stream;
mod vessels;
mod web;

use std::fmt;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::{Extension, Router};
use tokio::sync::watch;
use tower_http::trace::TraceLayer;

pub use auth::{
    AuthError, MIN_PASSWORD_CHARS, SESSION_COOKIE, create_token, create_user, hash_password,
    random_secret, secret_hash,
};
pub use cases::REASON_HEADER;
pub use error::ApiError;
pub use ingest::{MAX_BATCH_BODY_BYTES, MAX_BATCH_LINES};
pub use ratelimit::RateLimit;
pub use registry::{MAX_REGISTRY_BODY_BYTES, import_report_json};
pub use report::iuu_input;
pub use stream::MAX_STREAM_CLIENTS;
pub use vessels::MAX_TRACK_SPAN;

/// What the handlers share. Cheap to clone (every field is a handle or an `Arc`).
#[derive(Clone)]
pub struct AppState {
    /// The store the API reads from.
    pub store: haidang_store::Store,
    /// The running pipeline: bridge batches go in through it, its counters come out.
    pub ingest: haidang_ingest::IngestHandle,
    /// Renders the Prometheus text exposition for `/metrics`.
    pub metrics: Arc<dyn Fn() -> String + Send + Sync>,
    /// The zone set's GeoJSON text, served as is by `/api/v1/zones`; `None` when the server
    /// runs without one.
    pub zones_geojson: Option<Arc<str>>,
    /// The zone set, indexed: vessels' statuses and zones. `None` leaves every status
    /// that depends on a zone `domestic` (distress and silence still show).
    pub zones: Option<Arc<haidang_geofence::ZoneIndex>>,
    /// The boundary lines (treaty, median, 200 nm lines): evidence packs give each fix's
    /// distance to the nearby ones and draw them. `None` leaves them out of the packs.
    pub lines: Option<Arc<haidang_geofence::LineSet>>,
    /// Turns true when the server shuts down: live streams end then, so that graceful
    /// shutdown does not wait for their clients. A dropped sender ends nothing.
    pub shutdown: watch::Receiver<bool>,
    /// Marks the session cookie `Secure` (served over HTTPS, directly or behind a proxy).
    pub secure_cookies: bool,
}

impl fmt::Debug for AppState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppState")
            .field("store", &self.store)
            .field("ingest", &self.ingest)
            .field("metrics", &"<fn>")
            .field(
                "zones_geojson",
                &self.zones_geojson.as_ref().map(|z| z.len()),
            )
            .field("zones", &self.zones.as_ref().map(|z| z.zones().len()))
            .field("lines", &self.lines.as_ref().map(|l| l.lines().len()))
            .field("shutdown", &*self.shutdown.borrow())
            .field("secure_cookies", &self.secure_cookies)
            .finish()
    }
}

/// The whole HTTP surface, ready for `axum::serve`. Requests are traced (`tower_http`'s
/// `TraceLayer`, spans at DEBUG) and the cause of every 5xx is logged once (503 at WARN,
/// the others at ERROR); response bodies never carry it. Each router admits at most
/// [`MAX_STREAM_CLIENTS`] live streams at once.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use std::sync::Arc;
/// use haidang_ingest::PipelineConfig;
///
/// let store = haidang_store::Store::open("sqlite:data/haidang.db").await?;
/// let (ingest, _pipeline) = haidang_ingest::spawn(PipelineConfig::RECOMMENDED, store.clone());
/// let (stop, shutdown) = tokio::sync::watch::channel(false);
/// let app = haidang_api::router(haidang_api::AppState {
///     store,
///     ingest,
///     metrics: Arc::new(String::new),
///     zones_geojson: None,
///     zones: None,
///     lines: None,
///     shutdown: shutdown.clone(),
///     secure_cookies: false,
/// });
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// let mut signal = shutdown;
/// axum::serve(listener, app)
///     .with_graceful_shutdown(async move {
///         let _ = signal.changed().await;
///     })
///     .await?;
/// # drop(stop);
/// # Ok(()) }
/// ```
pub fn router(state: AppState) -> Router {
    router_with(state, RateLimit::RECOMMENDED)
}

/// [`router`] with another per-client rate limit ([`RateLimit::OFF`] for none). The
/// limit applies per peer address, which the server must provide: serve with
/// `into_make_service_with_connect_info::<SocketAddr>()`.
pub fn router_with(state: AppState, limit: RateLimit) -> Router {
    let api = Router::new()
        .route("/openapi.json", get(openapi::openapi))
        .route(
            "/vessels",
            get(vessels::latest).layer(Extension(fleet::Fleet::default())),
        )
        .route("/vessels/{vessel}", get(vessels::detail))
        .route("/vessels/{vessel}/track", get(vessels::track))
        .route("/alerts", get(alerts::list))
        .route("/alerts/{id}", get(alerts::one))
        .route("/alerts/{id}/acknowledge", post(alerts::acknowledge))
        .route("/alerts/{id}/resolve", post(alerts::resolve))
        .route("/deliveries/dead", get(alerts::dead_letters))
        .route("/deliveries/{id}/resend", post(alerts::resend))
        .route("/endpoints/disabled", get(alerts::disabled_endpoints))
        .route(
            "/endpoints/{destination}/enable",
            post(alerts::enable_endpoint),
        )
        .route(
            "/stream",
            get(stream::stream).layer(Extension(stream::StreamSlots::new())),
        )
        .route("/stats", get(health::stats))
        .route("/zones", get(health::zones))
        .route(
            "/registry",
            post(registry::import).layer(DefaultBodyLimit::max(MAX_REGISTRY_BODY_BYTES)),
        )
        .route("/registry/{registration}", get(registry::history))
        .route("/compliance/cases", get(compliance::list))
        .route("/reports/iuu", get(report::iuu))
        .route("/compliance/cases/{id}", get(compliance::one))
        .route("/compliance/cases/{id}/verify", post(compliance::verify))
        .route(
            "/compliance/cases/{id}/sanction",
            post(compliance::sanction),
        )
        .route("/compliance/cases/{id}/close", post(compliance::close))
        .route("/manual-reports", post(compliance::record_report))
        .route("/vessels/{vessel}/manual-reports", get(compliance::reports))
        .route(
            "/ingest/nmea",
            post(ingest::nmea_batch).layer(DefaultBodyLimit::max(MAX_BATCH_BODY_BYTES)),
        )
        .route("/login", post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/me", get(auth::me))
        .route("/cases", get(cases::list))
        .route("/cases", post(cases::open))
        .route("/cases/{id}", get(cases::one))
        .route("/cases/{id}/status", post(cases::set_status))
        .route("/cases/{id}/notes", post(cases::add_note))
        .route("/cases/{id}/alerts", post(cases::link_alert))
        .route("/cases/{id}/crew", get(cases::crew))
        .route("/cases/{id}/crew", post(cases::add_crew))
        .route("/cases/{id}/evidence", get(evidence::evidence))
        .route("/cases/{id}/evidence.pdf", get(evidence::evidence_pdf))
        .route("/audit", get(cases::audit));
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .nest("/api/v1", api)
        .merge(web::routes())
        // After routing (the matched path decides the group), before every handler.
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::authorize,
        ))
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        // The other bodies read are the operators' small JSON actions; GET routes take no
        // body. Keep any future JSON route small unless it says otherwise.
        .layer(DefaultBodyLimit::max(alerts::ACTION_BODY_BYTES))
        .layer(axum::middleware::from_fn(ratelimit::limit))
        .layer(Extension(ratelimit::Limiter::new(limit)))
        .layer(axum::middleware::map_response(error::log_cause))
        // Failures are logged once, with their cause, by `log_cause`; the trace layer's
        // own failure log would repeat them without it.
        .layer(TraceLayer::new_for_http().on_failure(()))
        .with_state(state)
}
