//! `GET /api/v1/stream`: the live stream, as server-sent events.
//!
//! - `event: alert`: an alert (the one alert shape) as soon as it is committed;
//! - `event: positions`: once a second, a JSON array of the positions committed in that
//!   second, the newest fix per vessel (`vessel`, `lon`, `lat`, `fix_time`,
//!   `received_at`, `sog`, `cog`, `heading`), in vessel-key order; nothing when there were
//!   none. A late fix may come after a newer one of the same vessel: keep the newest
//!   `fix_time`;
//! - `event: lagged`: the client read too slowly and `skipped` updates of `stream`
//!   (`positions` or `alerts`) were dropped for it; the stream goes on (alerts stay in
//!   the store: re-read `/api/v1/alerts`);
//! - a `: keep-alive` comment every 15 s.
//!
//! A slow client costs no memory: it reads the pipeline's broadcasts, which drop what it
//! has not taken (`Lagged`). The stream ends when the server shuts down
//! ([`AppState::shutdown`](crate::AppState::shutdown) turns true), so that graceful
//! shutdown does not wait for clients (axum#2673). At most [`MAX_STREAM_CLIENTS`] streams
//! are open at once; beyond that, 503.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::Arc;
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
use tokio::time::{Interval, MissedTickBehavior};

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

/// The permits for open streams, one per router.
#[derive(Clone, Debug)]
pub(crate) struct StreamSlots(pub(crate) Arc<Semaphore>);

impl StreamSlots {
    pub(crate) fn new() -> Self {
        Self(Arc::new(Semaphore::new(MAX_STREAM_CLIENTS)))
    }
}

/// Opens a live stream.
pub(crate) async fn stream(
    State(state): State<AppState>,
    Extension(slots): Extension<StreamSlots>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let permit = slots.0.try_acquire_owned().map_err(|_| {
        ApiError::Unavailable(format!(
            "{MAX_STREAM_CLIENTS} live streams are open, the most this server serves; retry later"
        ))
    })?;
    if *state.shutdown.borrow() {
        return Err(ApiError::Unavailable("the server is shutting down".into()));
    }
    let mut tick = tokio::time::interval(POSITIONS_EVERY);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let live = Live {
        positions: Some(state.ingest.subscribe()),
        alerts: Some(state.ingest.subscribe_alerts()),
        shutdown: Some(state.shutdown.clone()),
        tick,
        pending: BTreeMap::new(),
        overflow: 0,
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
    /// `None` once the pipeline's broadcast closed.
    positions: Option<broadcast::Receiver<LiveUpdate>>,
    alerts: Option<broadcast::Receiver<LiveAlert>>,
    /// `None` when nobody can signal shutdown any more (the sender was dropped).
    shutdown: Option<watch::Receiver<bool>>,
    tick: Interval,
    /// The newest fix per vessel since the last positions event.
    pending: BTreeMap<VesselId, LiveUpdate>,
    /// Positions not kept because `pending` was full.
    overflow: u64,
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
            if self.positions.is_none() && self.alerts.is_none() && self.pending.is_empty() {
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
                _ = self.tick.tick() => {
                    let overflow = std::mem::take(&mut self.overflow);
                    let positions = (!self.pending.is_empty()).then(|| self.positions_event());
                    match (positions, overflow) {
                        (Some(p), 0) => return Some(p),
                        (Some(p), n) => {
                            self.queued = Some(lagged("positions", n));
                            return Some(p);
                        }
                        (None, 0) => {}
                        (None, n) => return Some(lagged("positions", n)),
                    }
                }
                update = recv(&mut self.positions) => match update {
                    Ok(p) => self.keep(p),
                    Err(RecvError::Lagged(n)) => return Some(lagged("positions", n)),
                    Err(RecvError::Closed) => self.positions = None,
                },
            }
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
            self.overflow += 1;
        }
    }

    fn positions_event(&mut self) -> Event {
        let pending = std::mem::take(&mut self.pending);
        let positions: Vec<PositionJson> = pending.values().map(|p| PositionJson::new(p)).collect();
        json_event("positions", &positions)
    }
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

/// An event named `name` with `data` as JSON (one line: serde_json escapes newlines).
fn json_event(name: &str, data: &impl Serialize) -> Event {
    let data = serde_json::to_string(data).unwrap_or_else(|_| "null".to_owned());
    Event::default().event(name).data(data)
}
