//! `Store`: one interface over the two databases, chosen by the URL's scheme.

use time::OffsetDateTime;

use crate::error::{Result, StoreError};
use crate::model::{
    BBox, Counts, NewPosition, QuarantinedLine, StoredPosition, VesselId, VesselStatic, ZoneEvent,
};
use crate::pg::PgStore;
use crate::sqlite::SqliteStore;

/// Haidang's store: SQLite (the embedded default) or PostgreSQL with PostGIS. Both keep
/// the same contract, checked by one test suite run on each.
#[derive(Clone, Debug)]
pub enum Store {
    /// An SQLite file (or memory).
    Sqlite(SqliteStore),
    /// A PostgreSQL database with PostGIS.
    Postgres(PgStore),
}

macro_rules! dispatch {
    ($self:ident, $s:ident => $call:expr) => {
        match $self {
            Store::Sqlite($s) => $call,
            Store::Postgres($s) => $call,
        }
    };
}

impl Store {
    /// Connects to `url`: `sqlite:PATH`, `sqlite::memory:`, or `postgres://…`
    /// (`postgresql://` too). Does not migrate: see [`Store::migrate`].
    pub async fn connect(url: &str) -> Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Store::Sqlite(SqliteStore::connect(url).await?))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Store::Postgres(PgStore::connect(url).await?))
        } else {
            Err(StoreError::UnsupportedUrl(url.to_owned()))
        }
    }

    /// Connects to `url` and applies the migrations not yet applied.
    pub async fn open(url: &str) -> Result<Self> {
        let store = Self::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Applies the migrations (`migrations/sqlite` or `migrations/postgres`, embedded in
    /// the binary) not yet applied.
    pub async fn migrate(&self) -> Result<()> {
        dispatch!(self, s => s.migrate().await)
    }

    /// Stores the positions not stored yet, in one transaction, and returns how many were
    /// new. A position is the same as a stored one when vessel, fix time (to the
    /// microsecond), longitude and latitude are equal, whatever its source: replays and
    /// the same report heard by several receivers are stored once. Vessels not yet known
    /// are created. Each vessel's latest position moves to the newest fix time seen; a
    /// late fix is stored in the track but never replaces a newer latest position.
    pub async fn insert_positions(&self, batch: &[NewPosition]) -> Result<u64> {
        dispatch!(self, s => s.insert_positions(batch).await)
    }

    /// Merges static data into the vessel's row, creating it if needed: fields left `None`
    /// keep their stored value, and data older than what is stored changes nothing.
    pub async fn upsert_vessel(&self, vessel: &VesselId, data: &VesselStatic) -> Result<()> {
        dispatch!(self, s => s.upsert_vessel(vessel, data).await)
    }

    /// [`Store::upsert_vessel`] for many vessels, in one transaction.
    pub async fn upsert_vessels(&self, items: &[(VesselId, VesselStatic)]) -> Result<()> {
        dispatch!(self, s => s.upsert_vessels(items).await)
    }

    /// Stores zone events not stored yet (same vessel, fix time, event and zone); the
    /// vessels must be known (their positions stored first). Returns how many were new.
    pub async fn insert_zone_events(&self, events: &[ZoneEvent]) -> Result<u64> {
        dispatch!(self, s => s.insert_zone_events(events).await)
    }

    /// The static data stored for a vessel, or `None` if the store has never heard of it.
    pub async fn vessel(&self, vessel: &VesselId) -> Result<Option<VesselStatic>> {
        dispatch!(self, s => s.vessel(vessel).await)
    }

    /// Stores the quarantined lines not stored yet (same source, receive time, line and
    /// reason); returns how many were new.
    pub async fn insert_quarantined(&self, lines: &[QuarantinedLine]) -> Result<u64> {
        dispatch!(self, s => s.insert_quarantined(lines).await)
    }

    /// Journals lines a bridge sent, each once: a line already journaled for this source
    /// (the same text, which for a bridge carries the device, the sequence number and the
    /// receive time aboard) is skipped, so a batch sent again is stored once. Returns how
    /// many were new. One transaction.
    pub async fn journal_lines(
        &self,
        source: &str,
        received_at: OffsetDateTime,
        lines: &[String],
    ) -> Result<u64> {
        dispatch!(self, s => s.journal_lines(source, received_at, lines).await)
    }

    /// The latest position (by fix time; receive time breaks ties) of every vessel,
    /// ordered by vessel key. With a box: only the vessels whose latest position is in it.
    pub async fn latest_positions(&self, within: Option<BBox>) -> Result<Vec<StoredPosition>> {
        dispatch!(self, s => s.latest_positions(within).await)
    }

    /// A vessel's track: its positions with `from <= fix_time < to`, in fix-time order
    /// (receive time breaks ties), late fixes in their place.
    pub async fn track(
        &self,
        vessel: &VesselId,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<StoredPosition>> {
        dispatch!(self, s => s.track(vessel, from, to).await)
    }

    /// Every position in the box with `from <= fix_time < to`, ordered by fix time, then
    /// vessel key (spatial index: R*Tree on SQLite, GiST on PostGIS).
    pub async fn positions_in_area(
        &self,
        bbox: BBox,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<StoredPosition>> {
        dispatch!(self, s => s.positions_in_area(bbox, from, to).await)
    }

    /// How many vessels, positions and quarantined lines are stored.
    pub async fn counts(&self) -> Result<Counts> {
        dispatch!(self, s => s.counts().await)
    }
}
