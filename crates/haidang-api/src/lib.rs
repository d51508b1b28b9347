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
//! | `GET /api/v1/vessels[?bbox=W,S,E,N]` | 200, the latest position of each vessel as Point features; 400 for a bad box |
//! | `GET /api/v1/vessels/{vessel}/track[?from=&to=]` | 200, the track in `[from, to)` (default: the last 24 h); 400 for a malformed key, time or range; 404 for a vessel the store has never heard of |
//! | `GET /api/v1/stats` | 200, the store's row counts and the pipeline's counters; 503 if the store does not answer |
//! | `GET /api/v1/zones` | 200, the zone set as loaded (`application/geo+json`); 404 when none is configured |
//! | `POST /api/v1/ingest/nmea` | 200 once the batch is committed; 400/415/422 for a malformed body, 413 beyond 10,000 lines or 4 MiB, 503 when the pipeline has stopped |
//!
//! Unknown paths are 404 and wrong methods 405, as problem+json too.
//!
//! **Security note.** `POST /api/v1/ingest/nmea` is unauthenticated: anyone who can reach
//! the port can submit sentences. Issue 7 adds device authentication; until then, bind the
//! server to loopback or a trusted network only (the default is 127.0.0.1).
//!
//! Positions are served as the vessels reported them, unverified, and zone boundaries are
//! approximate, not legal lines: the vessels and track collections say so in a `notice`
//! member.
//!
//! **Architecture Invariant:** the only crate that knows HTTP. It reads through
//! `haidang_store::Store`'s public methods and feeds the pipeline only through
//! `haidang_ingest::IngestHandle` (`submit_batch`, `stats`); it knows nothing of the
//! pipeline's internals.

mod error;
mod geojson;
mod health;
mod ingest;
mod vessels;

use std::fmt;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use tower_http::trace::TraceLayer;

pub use error::ApiError;
pub use ingest::{MAX_BATCH_BODY_BYTES, MAX_BATCH_LINES};
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
            .finish()
    }
}

/// The whole HTTP surface, ready for `axum::serve`. Requests are traced (`tower_http`'s
/// `TraceLayer`, spans at DEBUG) and the cause of every 5xx is logged once (503 at WARN,
/// the others at ERROR); response bodies never carry it.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use std::sync::Arc;
/// use haidang_ingest::PipelineConfig;
///
/// let store = haidang_store::Store::open("sqlite:data/haidang.db").await?;
/// let (ingest, _pipeline) = haidang_ingest::spawn(PipelineConfig::RECOMMENDED, store.clone());
/// let app = haidang_api::router(haidang_api::AppState {
///     store,
///     ingest,
///     metrics: Arc::new(String::new),
///     zones_geojson: None,
/// });
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// axum::serve(listener, app).await?;
/// # Ok(()) }
/// ```
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/vessels", get(vessels::latest))
        .route("/vessels/{vessel}/track", get(vessels::track))
        .route("/stats", get(health::stats))
        .route("/zones", get(health::zones))
        .route(
            "/ingest/nmea",
            post(ingest::nmea_batch).layer(DefaultBodyLimit::max(MAX_BATCH_BODY_BYTES)),
        );
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .nest("/api/v1", api)
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        // The only other bodies read are none: GET routes take no body. Keep any future
        // JSON route small unless it says otherwise.
        .layer(DefaultBodyLimit::max(64 * 1024))
        .layer(axum::middleware::map_response(error::log_cause))
        // Failures are logged once, with their cause, by `log_cause`; the trace layer's
        // own failure log would repeat them without it.
        .layer(TraceLayer::new_for_http().on_failure(()))
        .with_state(state)
}
