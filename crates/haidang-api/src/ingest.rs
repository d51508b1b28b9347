//! `POST /api/v1/ingest/nmea`: the bridges' batch endpoint. Answers only after the
//! pipeline has committed everything the batch produced, so a 200 means stored; a bridge
//! that gets anything else sends the batch again, and the store keeps it once.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use haidang_ingest::IngestError;
use serde::{Deserialize, Serialize};

use crate::{ApiError, AppState};

/// The most lines one batch may hold; more is a 413.
pub const MAX_BATCH_LINES: usize = 10_000;

/// The largest batch body, in bytes (4 MiB); more is a 413.
pub const MAX_BATCH_BODY_BYTES: usize = 4 * 1024 * 1024;

/// The longest `batch_id` and `device`, in bytes.
const MAX_ID_BYTES: usize = 128;

/// A bridge's batch. Unknown fields are ignored, so that newer bridges can add some.
#[derive(Deserialize)]
pub(crate) struct Batch {
    batch_id: String,
    device: String,
    lines: Vec<String>,
}

/// What the batch became, once committed.
#[derive(Serialize)]
pub(crate) struct BatchAck {
    batch_id: String,
    /// Lines received.
    lines: u64,
    /// Positions taken from them (new to the store or already stored; copies of a
    /// message the pipeline took within its dedupe window are not counted, so a batch
    /// resent at once reports none).
    positions: u64,
    /// Lines quarantined, each with its reason.
    quarantined: u64,
}

/// Hands the batch to the pipeline as source `bridge:{device}` and answers once it is
/// committed.
pub(crate) async fn nmea_batch(
    State(state): State<AppState>,
    body: Result<Json<Batch>, JsonRejection>,
) -> Result<Json<BatchAck>, ApiError> {
    let Json(batch) = body.map_err(|r| ApiError::from_json(r, MAX_BATCH_BODY_BYTES))?;
    check_id("batch_id", &batch.batch_id)?;
    check_id("device", &batch.device)?;
    if batch.lines.len() > MAX_BATCH_LINES {
        return Err(ApiError::PayloadTooLarge(format!(
            "the batch holds {} lines; at most {MAX_BATCH_LINES} are taken at once",
            batch.lines.len()
        )));
    }
    let source = format!("bridge:{}", batch.device);
    let report = state
        .ingest
        .submit_batch(&source, batch.lines)
        .await
        .map_err(|e| match e {
            IngestError::Stopped | IngestError::Full => ApiError::IngestStopped,
            IngestError::Store(e) => ApiError::Store(e),
        })?;
    Ok(Json(BatchAck {
        batch_id: batch.batch_id,
        lines: report.lines,
        positions: report.positions,
        quarantined: report.quarantined,
    }))
}

/// `batch_id` and `device` are 1 to 128 printable ASCII characters without spaces: the
/// device name is stored as part of every position's source.
fn check_id(name: &str, value: &str) -> Result<(), ApiError> {
    if value.is_empty()
        || value.len() > MAX_ID_BYTES
        || !value.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(ApiError::Unprocessable(format!(
            "{name} must be 1 to {MAX_ID_BYTES} printable ASCII characters without spaces"
        )));
    }
    Ok(())
}
