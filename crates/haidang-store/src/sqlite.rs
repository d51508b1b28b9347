//! The embedded store: one SQLite file (WAL, synchronous = FULL), or memory for tests.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{QueryBuilder, Row, Sqlite};
use time::OffsetDateTime;

use crate::error::{Result, StoreError};
use crate::model::{
    BBox, Counts, NewPosition, QuarantinedLine, StoredPosition, VesselId, VesselStatic, ZoneEvent,
    from_micros, to_micros,
};
use crate::rows;

/// Rows per INSERT: SQLite allows 32,766 bound values, a position takes 11.
const POSITIONS_PER_STATEMENT: usize = 1000;
/// Quarantined lines (4 values each) and vessels (3 values each) per INSERT.
const SMALL_ROWS_PER_STATEMENT: usize = 2000;

const POSITION_COLUMNS: &str = "v.vessel_key, p.fix_us, p.received_us, p.source, p.lon, p.lat, \
     p.sog_knots, p.cog_degrees, p.heading_degrees, p.nav_status, p.raw";

/// The SQLite store.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` (`sqlite:data/haidang.db`,
    /// `sqlite::memory:`). A memory database lives in one connection, kept for the life
    /// of the store.
    pub async fn connect(url: &str) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // Durable at commit even across a power cut: a stored position is evidence.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let pool = if in_memory {
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(options)
                .await?
        } else {
            SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(options)
                .await?
        };
        Ok(Self { pool })
    }

    /// Applies the migrations of `migrations/sqlite` not yet applied.
    pub async fn migrate(&self) -> Result<()> {
        sqlx::migrate!("../../migrations/sqlite")
            .run(&self.pool)
            .await?;
        Ok(())
    }

    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Stores the positions not stored yet, in one transaction; returns how many were new.
    pub async fn insert_positions(&self, batch: &[NewPosition]) -> Result<u64> {
        if batch.is_empty() {
            return Ok(0);
        }
        let mut tx = self.pool.begin().await?;
        let vessels = rows::distinct_vessels(batch);
        for chunk in vessels.chunks(SMALL_ROWS_PER_STATEMENT) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO vessels (vessel_key, mmsi, registration) ",
            );
            q.push_values(chunk, |mut row, vessel| {
                row.push_bind(vessel.key())
                    .push_bind(vessel.mmsi())
                    .push_bind(vessel.registration().map(str::to_owned));
            });
            q.push(" ON CONFLICT (vessel_key) DO NOTHING");
            q.build().execute(&mut *tx).await?;
        }
        let mut new = 0;
        for chunk in batch.chunks(POSITIONS_PER_STATEMENT) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO positions (vessel_id, fix_us, received_us, source, lon, lat, \
                 sog_knots, cog_degrees, heading_degrees, nav_status, raw) \
                 SELECT v.id, t.column2, t.column3, t.column4, t.column5, t.column6, \
                 t.column7, t.column8, t.column9, t.column10, t.column11 FROM (",
            );
            q.push_values(chunk, |mut row, p| {
                row.push_bind(p.vessel.key())
                    .push_bind(to_micros(p.fix_time))
                    .push_bind(to_micros(p.received_at))
                    .push_bind(p.source.clone())
                    .push_bind(p.position.lon())
                    .push_bind(p.position.lat())
                    .push_bind(rows::sog(p).map(f64::from))
                    .push_bind(rows::cog(p).map(f64::from))
                    .push_bind(p.heading.map(i64::from))
                    .push_bind(p.nav_status.map(i64::from))
                    .push_bind(p.raw.clone());
            });
            // `WHERE true` tells SQLite's parser that ON CONFLICT belongs to the INSERT.
            q.push(
                ") AS t JOIN vessels v ON v.vessel_key = t.column1 WHERE true \
                 ON CONFLICT DO NOTHING",
            );
            new += q.build().execute(&mut *tx).await?.rows_affected();
        }
        tx.commit().await?;
        Ok(new)
    }

    /// Merges static data into the vessel's row, creating it if needed.
    pub async fn upsert_vessel(&self, vessel: &VesselId, data: &VesselStatic) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        Self::upsert_one(&mut conn, vessel, data).await
    }

    /// [`Self::upsert_vessel`] for many vessels, in one transaction (one commit, one
    /// flush to disk, instead of one per vessel).
    pub async fn upsert_vessels(&self, items: &[(VesselId, VesselStatic)]) -> Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        for (vessel, data) in items {
            Self::upsert_one(&mut tx, vessel, data).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn upsert_one(
        conn: &mut sqlx::SqliteConnection,
        vessel: &VesselId,
        data: &VesselStatic,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO vessels (vessel_key, mmsi, registration, name, call_sign, imo, \
               ship_type, length_meters, beam_meters, draught_meters, destination, province, \
               vms_provider, static_updated_us) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (vessel_key) DO UPDATE SET \
               registration = coalesce(excluded.registration, vessels.registration), \
               name = coalesce(excluded.name, vessels.name), \
               call_sign = coalesce(excluded.call_sign, vessels.call_sign), \
               imo = coalesce(excluded.imo, vessels.imo), \
               ship_type = coalesce(excluded.ship_type, vessels.ship_type), \
               length_meters = coalesce(excluded.length_meters, vessels.length_meters), \
               beam_meters = coalesce(excluded.beam_meters, vessels.beam_meters), \
               draught_meters = coalesce(excluded.draught_meters, vessels.draught_meters), \
               destination = coalesce(excluded.destination, vessels.destination), \
               province = coalesce(excluded.province, vessels.province), \
               vms_provider = coalesce(excluded.vms_provider, vessels.vms_provider), \
               static_updated_us = coalesce(excluded.static_updated_us, vessels.static_updated_us) \
             WHERE excluded.static_updated_us IS NULL OR vessels.static_updated_us IS NULL \
               OR excluded.static_updated_us >= vessels.static_updated_us",
        )
        .bind(vessel.key())
        .bind(vessel.mmsi())
        .bind(
            data.registration
                .as_deref()
                .or(vessel.registration())
                .map(str::to_owned),
        )
        .bind(data.name.clone())
        .bind(data.call_sign.clone())
        .bind(data.imo.map(i64::from))
        .bind(data.ship_type.map(i64::from))
        .bind(rows::real(data.length_meters).map(f64::from))
        .bind(rows::real(data.beam_meters).map(f64::from))
        .bind(rows::real(data.draught_meters).map(f64::from))
        .bind(data.destination.clone())
        .bind(data.province.clone())
        .bind(data.vms_provider.clone())
        .bind(data.updated_at.map(to_micros))
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// The static data stored for a vessel, if the store knows it.
    pub async fn vessel(&self, vessel: &VesselId) -> Result<Option<VesselStatic>> {
        let row = sqlx::query(
            "SELECT name, call_sign, imo, ship_type, length_meters, beam_meters, \
               draught_meters, destination, registration, province, vms_provider, \
               static_updated_us \
             FROM vessels WHERE vessel_key = ?",
        )
        .bind(vessel.key())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            let updated_us: Option<i64> = row.try_get(11)?;
            Ok(VesselStatic {
                name: row.try_get(0)?,
                call_sign: row.try_get(1)?,
                imo: rows::narrow(row.try_get::<Option<i64>, _>(2)?, "imo")?,
                ship_type: rows::narrow(row.try_get::<Option<i64>, _>(3)?, "ship_type")?,
                length_meters: row.try_get(4)?,
                beam_meters: row.try_get(5)?,
                draught_meters: row.try_get(6)?,
                destination: row.try_get(7)?,
                registration: row.try_get(8)?,
                province: row.try_get(9)?,
                vms_provider: row.try_get(10)?,
                updated_at: updated_us.map(micros).transpose()?,
            })
        })
        .transpose()
    }

    /// Stores the quarantined lines not stored yet; returns how many were new.
    pub async fn insert_quarantined(&self, lines: &[QuarantinedLine]) -> Result<u64> {
        let mut tx = self.pool.begin().await?;
        let mut new = 0;
        for chunk in lines.chunks(SMALL_ROWS_PER_STATEMENT) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO quarantine (received_us, source, reason, line) ",
            );
            q.push_values(chunk, |mut row, l| {
                row.push_bind(to_micros(l.received_at))
                    .push_bind(l.source.clone())
                    .push_bind(l.reason.clone())
                    .push_bind(l.line.clone());
            });
            q.push(" ON CONFLICT DO NOTHING");
            new += q.build().execute(&mut *tx).await?.rows_affected();
        }
        tx.commit().await?;
        Ok(new)
    }

    /// Journals the lines not journaled yet for `source`; returns how many were new.
    pub async fn journal_lines(
        &self,
        source: &str,
        received_at: OffsetDateTime,
        lines: &[String],
    ) -> Result<u64> {
        let mut tx = self.pool.begin().await?;
        let mut new = 0;
        for chunk in lines.chunks(SMALL_ROWS_PER_STATEMENT) {
            let mut q =
                QueryBuilder::<Sqlite>::new("INSERT INTO raw_journal (received_us, source, line) ");
            q.push_values(chunk, |mut row, line| {
                row.push_bind(to_micros(received_at))
                    .push_bind(source.to_owned())
                    .push_bind(line.clone());
            });
            q.push(" ON CONFLICT (source, line) DO NOTHING");
            new += q.build().execute(&mut *tx).await?.rows_affected();
        }
        tx.commit().await?;
        Ok(new)
    }

    /// Stores the zone events not stored yet; returns how many were new.
    pub async fn insert_zone_events(&self, events: &[ZoneEvent]) -> Result<u64> {
        let mut tx = self.pool.begin().await?;
        let mut new = 0;
        for e in events {
            new += sqlx::query(
                "INSERT INTO zone_events (vessel_id, fix_us, received_us, event, zone_id, \
                   zone_class, country, distance_meters, lon, lat) \
                 SELECT id, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM vessels WHERE vessel_key = ? \
                 ON CONFLICT DO NOTHING",
            )
            .bind(to_micros(e.fix_time))
            .bind(to_micros(e.received_at))
            .bind(e.event.clone())
            .bind(e.zone_id.clone())
            .bind(e.zone_class.clone())
            .bind(e.country.clone())
            .bind(e.distance_meters)
            .bind(e.position.lon())
            .bind(e.position.lat())
            .bind(e.vessel.key())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        tx.commit().await?;
        Ok(new)
    }

    /// The latest position of every vessel (by fix time), ordered by vessel key; with a
    /// box, only the vessels whose latest position is inside it (edges included).
    pub async fn latest_positions(&self, within: Option<BBox>) -> Result<Vec<StoredPosition>> {
        let mut q = QueryBuilder::<Sqlite>::new(format!(
            "SELECT {POSITION_COLUMNS} FROM latest_positions p \
             JOIN vessels v ON v.id = p.vessel_id"
        ));
        if let Some(bbox) = within {
            let [(w1, e1), (w2, e2)] = bbox.lon_ranges();
            q.push(" WHERE (p.lon BETWEEN ")
                .push_bind(w1)
                .push(" AND ")
                .push_bind(e1)
                .push(" OR p.lon BETWEEN ")
                .push_bind(w2)
                .push(" AND ")
                .push_bind(e2)
                .push(") AND p.lat BETWEEN ")
                .push_bind(bbox.south)
                .push(" AND ")
                .push_bind(bbox.north);
        }
        q.push(" ORDER BY v.vessel_key");
        let rows = q.build().fetch_all(&self.pool).await?;
        rows.iter().map(position).collect()
    }

    /// A vessel's positions with `from <= fix_time < to`, in fix-time order (receive time
    /// breaks ties).
    pub async fn track(
        &self,
        vessel: &VesselId,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<StoredPosition>> {
        let rows = sqlx::query(
            "SELECT v.vessel_key, p.fix_us, p.received_us, p.source, p.lon, p.lat, \
               p.sog_knots, p.cog_degrees, p.heading_degrees, p.nav_status, p.raw \
             FROM vessels v JOIN positions p ON p.vessel_id = v.id \
             WHERE v.vessel_key = ? AND p.fix_us >= ? AND p.fix_us < ? \
             ORDER BY p.fix_us, p.received_us",
        )
        .bind(vessel.key())
        .bind(to_micros(from))
        .bind(to_micros(to))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(position).collect()
    }

    /// Every position inside the box (edges included) with `from <= fix_time < to`,
    /// ordered by fix time, then vessel key. Found through the R*Tree.
    pub async fn positions_in_area(
        &self,
        bbox: BBox,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<StoredPosition>> {
        let [first, second] = bbox.lon_ranges();
        let ranges = if first == second {
            &[first][..]
        } else {
            &[first, second][..]
        };
        let mut out = Vec::new();
        for &(west, east) in ranges {
            let rows = sqlx::query(
                "SELECT v.vessel_key, p.fix_us, p.received_us, p.source, p.lon, p.lat, \
                   p.sog_knots, p.cog_degrees, p.heading_degrees, p.nav_status, p.raw \
                 FROM positions_rtree r \
                 JOIN positions p ON p.id = r.id \
                 JOIN vessels v ON v.id = p.vessel_id \
                 WHERE r.max_lon >= ?1 AND r.min_lon <= ?2 AND r.max_lat >= ?3 AND r.min_lat <= ?4 \
                   AND p.lon BETWEEN ?1 AND ?2 AND p.lat BETWEEN ?3 AND ?4 \
                   AND p.fix_us >= ?5 AND p.fix_us < ?6",
            )
            .bind(west)
            .bind(east)
            .bind(bbox.south)
            .bind(bbox.north)
            .bind(to_micros(from))
            .bind(to_micros(to))
            .fetch_all(&self.pool)
            .await?;
            for row in &rows {
                out.push(position(row)?);
            }
        }
        rows::sort_by_time(&mut out);
        Ok(out)
    }

    /// How many vessels, positions and quarantined lines are stored.
    pub async fn counts(&self) -> Result<Counts> {
        let row = sqlx::query(
            "SELECT (SELECT count(*) FROM vessels), (SELECT count(*) FROM positions), \
                    (SELECT count(*) FROM quarantine), (SELECT count(*) FROM zone_events), \
                    (SELECT count(*) FROM raw_journal)",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(Counts {
            vessels: rows::count(row.try_get(0)?),
            positions: rows::count(row.try_get(1)?),
            quarantined: rows::count(row.try_get(2)?),
            zone_events: rows::count(row.try_get(3)?),
            journaled: rows::count(row.try_get(4)?),
        })
    }
}

fn micros(us: i64) -> Result<OffsetDateTime> {
    from_micros(us).map_err(|e| StoreError::CorruptRow(format!("time {us} µs: {e}")))
}

fn position(row: &SqliteRow) -> Result<StoredPosition> {
    rows::stored_position(
        row.try_get(0)?,
        micros(row.try_get(1)?)?,
        micros(row.try_get(2)?)?,
        row.try_get(3)?,
        (row.try_get(4)?, row.try_get(5)?),
        (row.try_get(6)?, row.try_get(7)?),
        row.try_get::<Option<i64>, _>(8)?,
        row.try_get::<Option<i64>, _>(9)?,
        row.try_get(10)?,
    )
}
