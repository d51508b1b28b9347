//! The fleet's latest positions in memory, for `GET /api/v1/vessels`: reading 30,000 rows
//! from the store takes longer than the whole answer may (100 ms), so the list is served
//! from here.
//!
//! - Loaded from the store ([`haidang_store::Store::latest_with_labels`]) at first use,
//!   after subscribing to the pipeline's live positions, so nothing committed during the
//!   load is missed.
//! - Kept current from that broadcast: every request first takes what was committed
//!   since (the pipeline broadcasts a batch's positions before acknowledging it, so a
//!   bridge that reads the list after its 200 sees its fixes), and a task takes it every
//!   100 ms while the list is in use, so that the broadcast does not overflow between
//!   requests. A late fix never replaces a newer one (the store's rule).
//! - Loaded again in the background every minute (names from static data, anything
//!   written to the store other than through the pipeline), and at once when the feed
//!   overflowed anyway (`Lagged`).
//! - The task ends after five idle minutes, on shutdown, or with the router.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use haidang_ingest::{IngestHandle, LiveUpdate};
use haidang_store::{BBox, LabelledPosition, Store, StoredPosition, VesselId};
use tokio::sync::broadcast::error::TryRecvError;
use tokio::sync::{broadcast, watch};

use crate::ApiError;

/// How often the task takes the broadcast while the list is in use.
const DRAIN_EVERY: Duration = Duration::from_millis(100);

/// How often the whole fleet is read from the store again.
const RELOAD_EVERY: Duration = Duration::from_secs(60);

/// The task ends when nobody asked for the list for this long.
const IDLE_AFTER: Duration = Duration::from_secs(300);

/// One vessel's latest position with its labels and its key (`mmsi:…`, `reg:…`), shared
/// between the fleet and the requests reading it: a request takes the list by cloning
/// 30,000 `Arc`s, not 30,000 positions.
#[derive(Clone, Debug)]
pub(crate) struct Listed {
    /// The vessel's key, as the API names it.
    pub(crate) key: String,
    pub(crate) labelled: LabelledPosition,
}

impl Listed {
    fn new(labelled: LabelledPosition) -> Arc<Self> {
        Arc::new(Self {
            key: labelled.position.vessel.key(),
            labelled,
        })
    }
}

/// The fleet's latest positions, shared by a router's requests.
#[derive(Clone, Debug, Default)]
pub(crate) struct Fleet {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    state: Mutex<State>,
    /// One load at a time.
    loading: tokio::sync::Mutex<()>,
}

#[derive(Debug, Default)]
struct State {
    /// `None` until loaded, and after the feed overflowed: then the next request loads.
    feed: Option<broadcast::Receiver<LiveUpdate>>,
    /// In vessel-key order (`VesselId`'s order is its key's).
    vessels: BTreeMap<VesselId, Arc<Listed>>,
    /// The size of the last vessel list served, to size the next one's buffer.
    last_body_bytes: usize,
    loaded_at: Option<Instant>,
    last_used: Option<Instant>,
    task_running: bool,
}

impl State {
    /// Takes what the feed holds; on overflow, drops the feed so that the next request
    /// loads the fleet again.
    fn drain(&mut self) {
        let Some(feed) = &mut self.feed else {
            return;
        };
        loop {
            match feed.try_recv() {
                Ok(p) => apply(&mut self.vessels, &p),
                Err(TryRecvError::Empty) => return,
                Err(TryRecvError::Lagged(_) | TryRecvError::Closed) => {
                    self.feed = None;
                    return;
                }
            }
        }
    }
}

/// Takes one committed position: the vessel's newest fix (receive time breaking ties)
/// stays.
fn apply(vessels: &mut BTreeMap<VesselId, Arc<Listed>>, p: &haidang_store::NewPosition) {
    let newer =
        |held: &StoredPosition| (p.fix_time, p.received_at) > (held.fix_time, held.received_at);
    let position = || StoredPosition {
        vessel: p.vessel.clone(),
        fix_time: p.fix_time,
        received_at: p.received_at,
        source: p.source.clone(),
        position: p.position,
        sog: p.sog,
        cog: p.cog,
        heading: p.heading,
        nav_status: p.nav_status,
        raw: None,
    };
    match vessels.get_mut(&p.vessel) {
        Some(held) => {
            if newer(&held.labelled.position) {
                // A copy only while a request still holds the old entry.
                Arc::make_mut(held).labelled.position = position();
            }
        }
        None => {
            vessels.insert(
                p.vessel.clone(),
                Listed::new(LabelledPosition {
                    position: position(),
                    name: None,
                    call_sign: None,
                    registration: None,
                }),
            );
        }
    }
}

/// Whether `p` is inside `bbox`, edges included (`west > east` crosses the antimeridian),
/// as the store's box queries decide.
fn inside(bbox: &BBox, p: &StoredPosition) -> bool {
    let (lon, lat) = (p.position.lon(), p.position.lat());
    let lon_in = if bbox.west <= bbox.east {
        (bbox.west..=bbox.east).contains(&lon)
    } else {
        lon >= bbox.west || lon <= bbox.east
    };
    lon_in && (bbox.south..=bbox.north).contains(&lat)
}

impl Fleet {
    /// The latest position of each vessel (within `bbox`), with names, in vessel-key
    /// order: current with everything the pipeline committed before this call.
    pub(crate) async fn latest(
        &self,
        store: &Store,
        ingest: &IngestHandle,
        shutdown: &watch::Receiver<bool>,
        bbox: Option<BBox>,
    ) -> Result<Vec<Arc<Listed>>, ApiError> {
        let mut loaded_now = false;
        loop {
            if !self.ready() {
                self.load(store, ingest).await?;
                loaded_now = true;
            }
            let mut state = self.lock();
            state.drain();
            // The feed overflowed (or the task let it go) since: load again, once. Just
            // loaded, the store's answer stands even if the feed overflowed meanwhile.
            if state.feed.is_none() && !loaded_now {
                continue;
            }
            state.last_used = Some(Instant::now());
            if !std::mem::replace(&mut state.task_running, true) {
                tokio::spawn(keep_current(
                    Arc::downgrade(&self.inner),
                    store.clone(),
                    shutdown.clone(),
                ));
            }
            return Ok(state
                .vessels
                .values()
                .filter(|l| {
                    bbox.as_ref()
                        .is_none_or(|b| inside(b, &l.labelled.position))
                })
                .cloned()
                .collect());
        }
    }

    /// The size of the last vessel list served (0 before the first).
    pub(crate) fn last_body_bytes(&self) -> usize {
        self.lock().last_body_bytes
    }

    /// Records the size of the vessel list just served.
    pub(crate) fn set_last_body_bytes(&self, bytes: usize) {
        self.lock().last_body_bytes = bytes;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock leaves a map that is still a valid map.
        self.inner
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Loaded, with a feed that has not overflowed (draining first, so that an overflow
    /// since the last request is seen now).
    fn ready(&self) -> bool {
        let mut state = self.lock();
        state.drain();
        state.feed.is_some()
    }

    /// Reads the whole fleet from the store (one load at a time; a request that waited for
    /// another's load uses it).
    async fn load(&self, store: &Store, ingest: &IngestHandle) -> Result<(), ApiError> {
        let _one = self.inner.loading.lock().await;
        if self.ready() {
            return Ok(());
        }
        // Subscribed before reading: a position committed during the read is in the feed.
        let feed = ingest.subscribe();
        let rows = store.latest_with_labels(None).await?;
        install(&self.inner, rows, feed);
        Ok(())
    }
}

/// Replaces the fleet with `rows` and the feed with `feed`, then takes what the feed got
/// meanwhile.
fn install(inner: &Inner, rows: Vec<LabelledPosition>, feed: broadcast::Receiver<LiveUpdate>) {
    let vessels = rows
        .into_iter()
        .map(|l| (l.position.vessel.clone(), Listed::new(l)))
        .collect();
    let mut state = inner
        .state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    state.vessels = vessels;
    state.feed = Some(feed);
    state.loaded_at = Some(Instant::now());
    state.drain();
}

/// While the list is in use: takes the feed every [`DRAIN_EVERY`], reloads every
/// [`RELOAD_EVERY`]. Ends when idle, on shutdown, or when the router is gone.
async fn keep_current(inner: Weak<Inner>, store: Store, shutdown: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(DRAIN_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // `None` once nobody can signal shutdown any more: then only idleness ends the task.
    let mut shutdown = Some(shutdown);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            changed = changed(&mut shutdown) => {
                if changed.is_err() {
                    shutdown = None;
                }
            }
        }
        let Some(inner) = inner.upgrade() else {
            return;
        };
        let stopping = shutdown.as_ref().is_some_and(|s| *s.borrow());
        let reload_feed = {
            let mut state = inner
                .state
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let idle = state.last_used.is_none_or(|t| t.elapsed() > IDLE_AFTER);
            if idle || stopping {
                state.task_running = false;
                // The feed would overflow unattended: the next request loads again.
                state.feed = None;
                return;
            }
            state.drain();
            let due = state.loaded_at.is_none_or(|t| t.elapsed() > RELOAD_EVERY);
            match &state.feed {
                Some(feed) if due => Some(feed.resubscribe()),
                _ => None,
            }
        };
        if let Some(feed) = reload_feed
            && let Ok(_one) = inner.loading.try_lock()
        {
            match store.latest_with_labels(None).await {
                Ok(rows) => install(&inner, rows, feed),
                Err(error) => {
                    tracing::warn!(%error, "reloading the fleet for the vessel list failed");
                    // Try again at the next minute; the feed keeps the list current.
                    if let Ok(mut state) = inner.state.lock() {
                        state.loaded_at = Some(Instant::now());
                    }
                }
            }
        }
    }
}

/// The next change of a watch that may be gone; pending forever once it is.
async fn changed(rx: &mut Option<watch::Receiver<bool>>) -> Result<(), watch::error::RecvError> {
    match rx {
        Some(rx) => rx.changed().await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use haidang_store::NewPosition;
    use haidang_types::{LatLon, Mmsi};
    use time::OffsetDateTime;

    fn fix(mmsi: u32, lon: f64, t: i64, received: i64) -> NewPosition {
        NewPosition {
            vessel: VesselId::Mmsi(Mmsi::new(mmsi).unwrap()),
            fix_time: OffsetDateTime::from_unix_timestamp(t).unwrap(),
            received_at: OffsetDateTime::from_unix_timestamp(received).unwrap(),
            source: "test".into(),
            position: LatLon::new(lon, 10.0).unwrap(),
            sog: None,
            cog: None,
            heading: None,
            nav_status: None,
            raw: Some("x".into()),
        }
    }

    #[test]
    fn the_newest_fix_stays_and_receive_time_breaks_ties() {
        let mut vessels = BTreeMap::new();
        let lon = |v: &BTreeMap<VesselId, Arc<Listed>>| {
            v.values()
                .map(|l| l.labelled.position.position.lon())
                .collect::<Vec<_>>()
        };
        apply(&mut vessels, &fix(574_100_002, 108.0, 100, 100));
        apply(&mut vessels, &fix(574_100_001, 107.0, 100, 100));
        assert_eq!(lon(&vessels), [107.0, 108.0], "key order");
        // Later fix: taken; late (older) fix: not; same fix time, later receipt: taken;
        // the very same instants: the first stays.
        apply(&mut vessels, &fix(574_100_002, 108.1, 200, 200));
        apply(&mut vessels, &fix(574_100_002, 108.2, 150, 300));
        assert_eq!(lon(&vessels), [107.0, 108.1]);
        apply(&mut vessels, &fix(574_100_002, 108.3, 200, 250));
        apply(&mut vessels, &fix(574_100_002, 108.4, 200, 250));
        assert_eq!(lon(&vessels), [107.0, 108.3]);
        assert!(vessels.values().all(|l| l.labelled.position.raw.is_none()));
        assert_eq!(vessels.values().next().unwrap().key, "mmsi:574100001");
    }

    #[test]
    fn boxes_include_their_edges_and_may_cross_the_antimeridian() {
        let at = |lon: f64, lat: f64| StoredPosition {
            position: LatLon::new(lon, lat).unwrap(),
            raw: None,
            ..fix(574_100_001, 0.0, 0, 0).into_stored()
        };
        let plain = BBox {
            west: 100.0,
            south: 0.0,
            east: 110.0,
            north: 10.0,
        };
        assert!(inside(&plain, &at(100.0, 0.0)));
        assert!(inside(&plain, &at(110.0, 10.0)));
        assert!(!inside(&plain, &at(110.1, 5.0)));
        assert!(!inside(&plain, &at(105.0, -0.1)));
        let across = BBox {
            west: 170.0,
            south: -20.0,
            east: -170.0,
            north: 0.0,
        };
        assert!(inside(&across, &at(179.5, -16.5)));
        assert!(inside(&across, &at(-179.5, -16.5)));
        assert!(inside(&across, &at(-170.0, 0.0)));
        assert!(!inside(&across, &at(0.0, -10.0)));
    }

    trait IntoStored {
        fn into_stored(self) -> StoredPosition;
    }

    impl IntoStored for NewPosition {
        fn into_stored(self) -> StoredPosition {
            StoredPosition {
                vessel: self.vessel,
                fix_time: self.fix_time,
                received_at: self.received_at,
                source: self.source,
                position: self.position,
                sog: self.sog,
                cog: self.cog,
                heading: self.heading,
                nav_status: self.nav_status,
                raw: self.raw,
            }
        }
    }
}
