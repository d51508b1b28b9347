//! `GET /api/v1/stream`: the live stream, as server-sent events.
//!
//! - `event: alert`: an alert (the one alert shape) as soon as it is committed;
//! - `event: positions`: once a second, a JSON array of the positions committed in that
//!   second, the newest fix per vessel (`vessel`, `lon`, `lat`, `fix_time`,
//!   `received_at`, `sog`, `cog`, `heading`), in vessel-key order; nothing when there were
//!   none. A late fix may come after a newer one of the same vessel: keep the newest
//!   `fix_time`;
//! - `event: lagged`: updates of `stream` (`positions` or `alerts`) were dropped for this
//!   client, `skipped` of them (positions, or alerts); it comes before the positions
//!   event that follows the gap, and the stream goes on (alerts stay in the store: re-read
//!   `/api/v1/alerts`);
//! - a `: keep-alive` comment every 15 s.
//!
//! One task per router (the batcher) reads the pipeline's positions, keeps the newest
//! fix per vessel and, once a second, serialises one `positions` event that every client
//! shares: 100 clients cost one JSON encoding a second, not 100 (and no client reads the
//! pipeline's 5,000 updates a second itself). The batcher starts with the first client and
//! ends a second after the last one left, on shutdown, or with the pipeline.
//!
//! A slow client costs no memory: it reads the batcher's broadcast of the last
//! [`BATCHES_KEPT`] seconds, which drops what it has not taken (`Lagged`); it is then told
//! how many positions it missed (`skipped` counts positions, whether the client or the
//! batcher fell behind). The stream ends when the server shuts down
//! ([`AppState::shutdown`](crate::AppState::shutdown) turns true), so that graceful
//! shutdown does not wait for clients (axum#2673). At most [`MAX_STREAM_CLIENTS`] streams
//! are open at once; beyond that, 503.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Extension;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use haidang_ingest::{LiveAlert, LiveUpdate};
use haidang_store::VesselId;
use serde::Serialize;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, broadcast, watch};
use tokio::time::MissedTickBehavior;

use crate::alerts::AlertJson;
use crate::geojson::{rfc3339, round};
use crate::{ApiError, AppState};

/// The most live streams open at once; one more is a 503.
pub const MAX_STREAM_CLIENTS: usize = 256;

/// How often positions go out.
const POSITIONS_EVERY: Duration = Duration::from_secs(1);

/// How often an idle stream sends a comment, so that proxies keep it open.
const KEEP_ALIVE_EVERY: Duration = Duration::from_secs(15);

/// The most vessels one positions event holds; more in one second are counted as lagged.
const MAX_VESSELS_PER_EVENT: usize = 100_000;

/// How many seconds of positions events a client may fall behind before it skips some.
const BATCHES_KEPT: usize = 8;

/// The permits for open streams and the shared batcher, one per router.
#[derive(Clone, Debug)]
pub(crate) struct StreamSlots {
    permits: Arc<Semaphore>,
    /// The running batcher's sender; `None` when none runs.
    batches: Arc<Mutex<Option<broadcast::Sender<Arc<Batch>>>>>,
}

impl StreamSlots {
    pub(crate) fn new() -> Self {
        Self {
            permits: Arc::new(Semaphore::new(MAX_STREAM_CLIENTS)),
            batches: Arc::default(),
        }
    }

    /// A receiver of the batcher's events, starting the batcher if none runs.
    fn subscribe(&self, state: &AppState) -> broadcast::Receiver<Arc<Batch>> {
        let mut slot = lock(&self.batches);
        if let Some(tx) = slot.as_ref() {
            return tx.subscribe();
        }
        let (tx, rx) = broadcast::channel(BATCHES_KEPT);
        *slot = Some(tx.clone());
        let batcher = Batcher {
            positions: state.ingest.subscribe(),
            pending: BTreeMap::new(),
            dropped: 0,
            counted: 0,
        };
        tokio::spawn(batcher.run(tx, Arc::clone(&self.batches), state.shutdown.clone()));
        rx
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// One second of positions, as every client sends it.
#[derive(Debug)]
struct Batch {
    /// Positions the batcher saw before this batch (sent in earlier batches, or dropped).
    start: u64,
    /// Positions dropped since the last batch (the batcher fell behind the pipeline, or
    /// one second held more than [`MAX_VESSELS_PER_EVENT`] vessels).
    dropped: u64,
    /// How many positions `json` holds.
    positions: u64,
    /// The `positions` event's data; `None` when the second held none (only drops).
    json: Option<String>,
}

impl Batch {
    /// Positions accounted for through this batch.
    fn end(&self) -> u64 {
        self.start + self.dropped + self.positions
    }
}

/// Reads the pipeline's positions and sends one [`Batch`] a second.
struct Batcher {
    positions: broadcast::Receiver<LiveUpdate>,
    /// The newest fix per vessel since the last batch, in vessel-key order.
    pending: BTreeMap<VesselId, LiveUpdate>,
    /// Positions dropped since the last batch.
    dropped: u64,
    /// Positions accounted for in batches sent so far.
    counted: u64,
}

impl Batcher {
    async fn run(
        mut self,
        tx: broadcast::Sender<Arc<Batch>>,
        slot: Arc<Mutex<Option<broadcast::Sender<Arc<Batch>>>>>,
        shutdown: watch::Receiver<bool>,
    ) {
        let mut shutdown = Some(shutdown);
        let mut tick = tokio::time::interval(POSITIONS_EVERY);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            if shutdown.as_ref().is_some_and(|s| *s.borrow()) {
                break;
            }
            tokio::select! {
                biased;
                changed = changed(&mut shutdown) => {
                    if changed.is_err() {
                        shutdown = None;
                    }
                }
                _ = tick.tick() => {
                    let mut slot = lock(&slot);
                    if tx.receiver_count() == 0 {
                        // Under the lock: no client can subscribe to a batcher that ends.
                        *slot = None;
                        return;
                    }
                    drop(slot);
                    if let Some(batch) = self.batch() {
                        let _ = tx.send(Arc::new(batch));
                    }
                }
                update = self.positions.recv() => match update {
                    Ok(p) => self.keep(p),
                    Err(RecvError::Lagged(n)) => self.dropped += n,
                    Err(RecvError::Closed) => {
                        if let Some(batch) = self.batch() {
                            let _ = tx.send(Arc::new(batch));
                        }
                        break;
                    }
                },
            }
        }
        // Clients see the channel close once this sender and the slot's are gone.
        let mut slot = lock(&slot);
        if slot.as_ref().is_some_and(|s| s.same_channel(&tx)) {
            *slot = None;
        }
    }

    /// Keeps `p` if it is the vessel's newest fix this second.
    fn keep(&mut self, p: LiveUpdate) {
        if let Some(held) = self.pending.get_mut(&p.vessel) {
            if (p.fix_time, p.received_at) >= (held.fix_time, held.received_at) {
                *held = p;
            }
        } else if self.pending.len() < MAX_VESSELS_PER_EVENT {
            self.pending.insert(p.vessel.clone(), p);
        } else {
            self.dropped += 1;
        }
    }

    /// The second's batch, if it holds positions or drops.
    fn batch(&mut self) -> Option<Batch> {
        if self.pending.is_empty() && self.dropped == 0 {
            return None;
        }
        let pending = std::mem::take(&mut self.pending);
        let positions: Vec<PositionJson> = pending.values().map(|p| PositionJson::new(p)).collect();
        let batch = Batch {
            start: self.counted,
            dropped: std::mem::take(&mut self.dropped),
            positions: positions.len() as u64,
            json: (!positions.is_empty()).then(|| to_json(&positions)),
        };
        self.counted = batch.end();
        Some(batch)
    }
}

/// Opens a live stream.
pub(crate) async fn stream(
    State(state): State<AppState>,
    Extension(slots): Extension<StreamSlots>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let permit = Arc::clone(&slots.permits).try_acquire_owned().map_err(|_| {
        ApiError::Unavailable(format!(
            "{MAX_STREAM_CLIENTS} live streams are open, the most this server serves; retry later"
        ))
    })?;
    if *state.shutdown.borrow() {
        return Err(ApiError::Unavailable("the server is shutting down".into()));
    }
    let live = Live {
        batches: Some(slots.subscribe(&state)),
        alerts: Some(state.ingest.subscribe_alerts()),
        shutdown: Some(state.shutdown.clone()),
        seen: None,
        queued: None,
        _permit: permit,
    };
    let events = futures_util::stream::unfold(live, |mut live| async move {
        let event = live.next().await?;
        Some((Ok(event), live))
    });
    Ok(Sse::new(events).keep_alive(
        KeepAlive::new()
            .interval(KEEP_ALIVE_EVERY)
            .text("keep-alive"),
    ))
}

/// One client's stream state.
struct Live {
    /// `None` once the batcher ended.
    batches: Option<broadcast::Receiver<Arc<Batch>>>,
    alerts: Option<broadcast::Receiver<LiveAlert>>,
    /// `None` when nobody can signal shutdown any more (the sender was dropped).
    shutdown: Option<watch::Receiver<bool>>,
    /// Positions accounted for through the last batch this client took.
    seen: Option<u64>,
    /// An event to send after the one being sent.
    queued: Option<Event>,
    /// Held for the stream's life.
    _permit: OwnedSemaphorePermit,
}

impl Live {
    /// The next event, or `None` when the stream ends (shutdown, or the pipeline gone).
    async fn next(&mut self) -> Option<Event> {
        if let Some(event) = self.queued.take() {
            return Some(event);
        }
        loop {
            if self.shutdown.as_ref().is_some_and(|s| *s.borrow()) {
                return None;
            }
            if self.batches.is_none() && self.alerts.is_none() {
                return None;
            }
            tokio::select! {
                biased;
                changed = changed(&mut self.shutdown) => {
                    if changed.is_err() {
                        self.shutdown = None;
                    }
                }
                alert = recv(&mut self.alerts) => match alert {
                    Ok(alert) => return Some(alert_event(&alert)),
                    Err(RecvError::Lagged(n)) => return Some(lagged("alerts", n)),
                    Err(RecvError::Closed) => self.alerts = None,
                },
                batch = recv(&mut self.batches) => match batch {
                    Ok(batch) => {
                        if let Some(event) = self.take(&batch) {
                            return Some(event);
                        }
                    }
                    // The next batch says how many positions were skipped.
                    Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => self.batches = None,
                },
            }
        }
    }

    /// The events of `batch`: first what was skipped before it (if anything), then its
    /// positions.
    fn take(&mut self, batch: &Batch) -> Option<Event> {
        let skipped = skipped(self.seen, batch);
        self.seen = Some(batch.end());
        let positions = batch
            .json
            .as_deref()
            .map(|json| Event::default().event("positions").data(json));
        match (skipped, positions) {
            (0, positions) => positions,
            (n, Some(positions)) => {
                self.queued = Some(positions);
                Some(lagged("positions", n))
            }
            (n, None) => Some(lagged("positions", n)),
        }
    }
}

/// The positions a client misses up to and including `batch`, when it took every batch
/// through `seen` positions (`None`: a new client, which missed nothing before).
fn skipped(seen: Option<u64>, batch: &Batch) -> u64 {
    seen.map_or(0, |seen| batch.start.saturating_sub(seen)) + batch.dropped
}

/// The next value of a watch that may be gone; pending forever once it is.
async fn changed(rx: &mut Option<watch::Receiver<bool>>) -> Result<(), watch::error::RecvError> {
    match rx {
        Some(rx) => rx.changed().await,
        None => std::future::pending().await,
    }
}

/// The next message of a broadcast that may be gone; pending forever once it is.
async fn recv<T: Clone>(rx: &mut Option<broadcast::Receiver<T>>) -> Result<T, RecvError> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// One position in a `positions` event.
#[derive(Serialize)]
struct PositionJson {
    vessel: String,
    lon: f64,
    lat: f64,
    fix_time: String,
    received_at: String,
    sog: Option<f64>,
    cog: Option<f64>,
    heading: Option<u16>,
}

impl PositionJson {
    fn new(p: &haidang_store::NewPosition) -> Self {
        Self {
            vessel: p.vessel.key(),
            lon: round(p.position.lon(), 1e7),
            lat: round(p.position.lat(), 1e7),
            fix_time: rfc3339(p.fix_time),
            received_at: rfc3339(p.received_at),
            sog: p.sog.map(|k| round(k.0, 100.0)),
            cog: p.cog.map(|d| round(d.0, 100.0)),
            heading: p.heading,
        }
    }
}

fn alert_event(alert: &haidang_store::NewAlert) -> Event {
    json_event("alert", &AlertJson::new_alert(alert))
}

fn lagged(stream: &str, skipped: u64) -> Event {
    json_event(
        "lagged",
        &serde_json::json!({"stream": stream, "skipped": skipped}),
    )
}

/// An event named `name` with `data` as JSON.
fn json_event(name: &str, data: &impl Serialize) -> Event {
    Event::default().event(name).data(to_json(data))
}

/// `data` as JSON on one line (serde_json escapes newlines).
fn to_json(data: &impl Serialize) -> String {
    serde_json::to_string(data).unwrap_or_else(|_| "null".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skipped_counts_the_positions_of_batches_a_client_missed_and_the_batchers_drops() {
        let batch = |start, dropped, positions| Batch {
            start,
            dropped,
            positions,
            json: None,
        };
        // (what the client saw through, the batch it takes, skipped, seen after)
        let cases = [
            (None, batch(500, 0, 10), 0, 510),
            (None, batch(500, 7, 10), 7, 517),
            (Some(500), batch(500, 0, 10), 0, 510),
            (Some(500), batch(500, 3, 10), 3, 513),
            // Two batches of 40 and 60 positions went by unread.
            (Some(400), batch(500, 0, 10), 100, 510),
            (Some(400), batch(500, 2, 0), 102, 502),
        ];
        for (seen, batch, expected, end) in cases {
            assert_eq!(skipped(seen, &batch), expected, "{seen:?} {batch:?}");
            assert_eq!(batch.end(), end, "{batch:?}");
        }
    }
}
