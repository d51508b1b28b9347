//! The operational routes (`/healthz`, `/readyz`, `/metrics`) and the small read-only ones
//! (`/api/v1/stats`, `/api/v1/zones`).

use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use haidang_store::VesselId;
use serde::Serialize;

use crate::{ApiError, AppState};

/// How long `/readyz` waits for the store.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// Liveness: the process answers. Depends on nothing.
pub(crate) async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok"}))
}

/// Readiness: the store answers a point lookup (by the vessels' unique key, so its cost does
/// not grow with the data) within [`READY_TIMEOUT`], and the pipeline's last store write
/// succeeded.
pub(crate) async fn readyz(
    State(state): State<AppState>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let probe = VesselId::Registration("readyz-probe".into());
    let store = match tokio::time::timeout(READY_TIMEOUT, state.store.vessel(&probe)).await {
        Ok(Ok(_)) => None,
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness: the store failed a query");
            Some("the store failed a query")
        }
        Err(_) => Some("the store did not answer within 2 s"),
    };
    let writes = (!state.ingest.stats().store_ok.load(Ordering::Relaxed))
        .then_some("the pipeline's store writes are failing (it is retrying)");
    let failing: Vec<(&'static str, &'static str)> =
        [("store", store), ("ingest_store_writes", writes)]
            .into_iter()
            .filter_map(|(name, what)| what.map(|w| (name, w)))
            .collect();
    if failing.is_empty() {
        Ok(Json(serde_json::json!({"status": "ready"})))
    } else {
        Err(ApiError::NotReady(failing))
    }
}

/// Prometheus text exposition, as the configured closure renders it.
pub(crate) async fn metrics(State(state): State<AppState>) -> Response {
    let body = (state.metrics)();
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

/// `GET /api/v1/stats`.
#[derive(Serialize)]
pub(crate) struct StatsBody {
    /// Vessel rows in the store.
    vessels: u64,
    /// Position rows in the store.
    positions: u64,
    /// Quarantined lines in the store.
    quarantined: u64,
    /// Zone events (enter, exit, approach) in the store.
    zone_events: u64,
    /// Lines in the raw journal: what bridges sent, each once.
    journaled: u64,
    /// The pipeline's counters since it started.
    ingest: IngestCounters,
}

#[derive(Serialize)]
pub(crate) struct IngestCounters {
    lines: u64,
    batch_lines: u64,
    positions_stored: u64,
    positions_already_stored: u64,
    duplicates: u64,
    quarantined: u64,
    skipped: u64,
    dropped_full: u64,
    store_retries: u64,
    store_ok: bool,
}

/// The store's row counts and the pipeline's counters.
pub(crate) async fn stats(State(state): State<AppState>) -> Result<Json<StatsBody>, ApiError> {
    let counts = state.store.counts().await?;
    let s = state.ingest.stats();
    let get = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed);
    Ok(Json(StatsBody {
        vessels: counts.vessels,
        positions: counts.positions,
        quarantined: counts.quarantined,
        zone_events: counts.zone_events,
        journaled: counts.journaled,
        ingest: IngestCounters {
            lines: get(&s.lines),
            batch_lines: get(&s.batch_lines),
            positions_stored: get(&s.positions_stored),
            positions_already_stored: get(&s.positions_already_stored),
            duplicates: get(&s.duplicates),
            quarantined: get(&s.quarantined),
            skipped: get(&s.skipped),
            dropped_full: get(&s.dropped_full),
            store_retries: get(&s.store_retries),
            store_ok: s.store_ok.load(Ordering::Relaxed),
        },
    }))
}

/// The zone set's GeoJSON, as loaded.
pub(crate) async fn zones(State(state): State<AppState>) -> Result<Response, ApiError> {
    let zones = state
        .zones_geojson
        .clone()
        .ok_or_else(|| ApiError::NotFound("this server runs without a zone set".into()))?;
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/geo+json"),
        )],
        zones.to_string(),
    )
        .into_response())
}
