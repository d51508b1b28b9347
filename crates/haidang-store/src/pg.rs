//! The production store: PostgreSQL with PostGIS, positions partitioned by month.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use sqlx::postgres::{PgPool, PgPoolOptions, PgRow};
use sqlx::{AssertSqlSafe, Postgres, QueryBuilder, Row};
use time::{Month, OffsetDateTime};

use crate::error::{Result, StoreError};
use crate::model::{
    BBox, Counts, NewPosition, QuarantinedLine, StoredPosition, VesselId, VesselStatic, ZoneEvent,
    truncate_micros,
};
use crate::pg_copy::BinaryCopy;
use crate::rows;

const POSITION_COLUMNS: &str = "v.vessel_key, p.fix_time, p.received_at, p.source, p.lon, p.lat, \
     p.sog_knots, p.cog_degrees, p.heading_degrees, p.nav_status, p.raw";

/// The PostgreSQL store.
#[derive(Clone, Debug)]
pub struct PgStore {
    pool: PgPool,
    /// Months (year * 12 + month - 1) whose partition is known to exist.
    partitions: Arc<Mutex<BTreeSet<i32>>>,
    /// Vessel ids by identity, as committed.
    vessel_ids: Arc<VesselIds>,
}

/// The ids of the vessels this store has written positions for. Vessels are never deleted
/// and their ids never change, so an id once committed stays right; the batches of a
/// known fleet then go straight to the copy.
#[derive(Debug, Default)]
struct VesselIds(Mutex<HashMap<VesselId, i64>>);

impl VesselIds {
    /// Identities remembered at most (about 100 MiB); past that the memory starts over.
    const MAX: usize = 1_000_000;

    fn lock(&self) -> MutexGuard<'_, HashMap<VesselId, i64>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn remember(&self, learned: Vec<(VesselId, i64)>) {
        let mut ids = self.lock();
        if ids.len() + learned.len() > Self::MAX {
            ids.clear();
        }
        ids.extend(learned);
    }
}

impl PgStore {
    /// Connects to `url` (`postgres://user@host:port/database`).
    pub async fn connect(url: &str) -> Result<Self> {
        // A connection that cannot be had within 5 s is an error now, not a silent 30 s
        // wait: the caller (ingest) retries, counts it, and reports the store unready.
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(std::time::Duration::from_secs(5))
            .connect(url)
            .await?;
        Ok(Self {
            pool,
            partitions: Arc::default(),
            vessel_ids: Arc::default(),
        })
    }

    /// Applies the migrations of `migrations/postgres` not yet applied. Needs a role that
    /// may create tables, and the `postgis` extension created by a superuser beforehand.
    pub async fn migrate(&self) -> Result<()> {
        sqlx::migrate!("../../migrations/postgres")
            .run(&self.pool)
            .await?;
        Ok(())
    }

    pub(crate) fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Creates the monthly partitions the batch's fix times fall in, once per month.
    async fn ensure_partitions(&self, batch: &[NewPosition]) -> Result<()> {
        let months: BTreeSet<i32> = batch.iter().map(|p| month_index(p.fix_time)).collect();
        let missing: Vec<i32> = {
            let known = self
                .partitions
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            months.difference(&known).copied().collect()
        };
        for month in missing {
            let (start, end) = month_bounds(month);
            sqlx::query("SELECT haidang_ensure_position_partitions($1, $2)")
                .bind(start)
                .bind(end)
                .execute(&self.pool)
                .await?;
            self.partitions
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(month);
        }
        Ok(())
    }

    /// Stores the positions not stored yet, in one transaction, and moves each vessel's
    /// latest position forward; returns how many positions were new.
    ///
    /// A live feed's batches are new positions: they are copied in (binary `COPY`, the
    /// fastest way into PostgreSQL). A batch holding a position already stored (a replay,
    /// a receiver heard after the dedupe window) makes the copy fail on the natural key;
    /// it is then rolled back and merged, skipping what is already there.
    pub async fn insert_positions(&self, batch: &[NewPosition]) -> Result<u64> {
        if batch.is_empty() {
            return Ok(0);
        }
        self.ensure_partitions(batch).await?;
        match self.copy_positions(batch).await {
            Err(StoreError::Database(sqlx::Error::Database(e))) if e.is_unique_violation() => {
                self.merge_positions(batch).await
            }
            result => result,
        }
    }

    /// The fast path: every position of the batch is new, or nothing is written.
    async fn copy_positions(&self, batch: &[NewPosition]) -> Result<u64> {
        let mut tx = self.pool.begin().await?;
        let (ids, learned) = self.vessel_ids(&mut tx, batch).await?;

        let mut copy = BinaryCopy::with_capacity(batch.len() * 200);
        for (p, &id) in batch.iter().zip(&ids) {
            copy.row(11);
            copy.int8(id);
            copy.timestamptz(p.fix_time);
            copy.timestamptz(p.received_at);
            copy.text(Some(&p.source));
            copy.float8(p.position.lon());
            copy.float8(p.position.lat());
            copy.float4(rows::sog(p));
            copy.float4(rows::cog(p));
            copy.int4(p.heading.map(i32::from));
            copy.int2(p.nav_status.map(i16::from));
            copy.text(p.raw.as_deref());
        }
        let mut sink = tx
            .copy_in_raw(
                "COPY positions (vessel_id, fix_time, received_at, source, lon, lat, \
                 sog_knots, cog_degrees, heading_degrees, nav_status, raw) \
                 FROM STDIN (FORMAT binary)",
            )
            .await?;
        sink.send(copy.finish()).await?;
        let copied = sink.finish().await?;

        move_latest_forward(&mut tx, batch.iter().zip(ids)).await?;
        tx.commit().await?;
        self.vessel_ids.remember(learned);
        Ok(copied)
    }

    /// The id of each position's vessel, in batch order, creating the vessels not seen
    /// yet; and the ids learned from the database, to be remembered once committed (an id
    /// of a vessel created in a transaction that rolls back would be no id at all).
    async fn vessel_ids(
        &self,
        tx: &mut sqlx::PgConnection,
        batch: &[NewPosition],
    ) -> Result<(Vec<i64>, Vec<(VesselId, i64)>)> {
        // The ids known now, looked up once: the memory may start over meanwhile.
        let mut by_vessel: HashMap<&VesselId, i64> = HashMap::new();
        let mut unknown: Vec<&VesselId> = Vec::new();
        {
            let known = self.vessel_ids.lock();
            for vessel in rows::distinct_vessels(batch) {
                match known.get(vessel) {
                    Some(&id) => {
                        by_vessel.insert(vessel, id);
                    }
                    None => unknown.push(vessel),
                }
            }
        }
        let mut learned = Vec::new();
        if !unknown.is_empty() {
            // Vessels first, in their own statement, sorted by key (the lock order of
            // every writer): the select then sees every vessel row, including one a
            // concurrent batch committed a moment ago.
            let keys: Vec<String> = unknown.iter().map(|v| v.key()).collect();
            sqlx::query(
                "INSERT INTO vessels (vessel_key, mmsi, registration) \
                 SELECT * FROM UNNEST($1::text[], $2::int4[], $3::text[]) \
                 ON CONFLICT (vessel_key) DO NOTHING",
            )
            .bind(&keys)
            .bind(unknown.iter().map(|v| v.mmsi()).collect::<Vec<_>>())
            .bind(unknown.iter().map(|v| v.registration()).collect::<Vec<_>>())
            .execute(&mut *tx)
            .await?;
            let rows: Vec<(String, i64)> =
                sqlx::query_as("SELECT vessel_key, id FROM vessels WHERE vessel_key = ANY($1)")
                    .bind(&keys)
                    .fetch_all(&mut *tx)
                    .await?;
            let by_key: HashMap<String, i64> = rows.into_iter().collect();
            for (vessel, key) in unknown.into_iter().zip(&keys) {
                let id = by_key.get(key).copied().ok_or_else(|| {
                    StoreError::CorruptRow(format!("vessel {key} was inserted but is not there"))
                })?;
                by_vessel.insert(vessel, id);
                learned.push((vessel.clone(), id));
            }
        }
        let ids = batch
            .iter()
            .map(|p| {
                by_vessel
                    .get(&p.vessel)
                    .copied()
                    .ok_or_else(|| StoreError::CorruptRow(format!("no id for {}", p.vessel.key())))
            })
            .collect::<Result<Vec<i64>>>()?;
        Ok((ids, learned))
    }

    /// The slow path: inserts the positions not stored yet, skipping the others.
    async fn merge_positions(&self, batch: &[NewPosition]) -> Result<u64> {
        let mut tx = self.pool.begin().await?;
        let (ids, learned) = self.vessel_ids(&mut tx, batch).await?;
        // The natural keys inserted; of copies of one key in the batch, the first is.
        let inserted: Vec<(i64, OffsetDateTime, f64, f64)> = sqlx::query_as(
            "INSERT INTO positions (vessel_id, fix_time, received_at, source, lon, lat, \
               sog_knots, cog_degrees, heading_degrees, nav_status, raw) \
             SELECT * FROM UNNEST($1::int8[], $2::timestamptz[], $3::timestamptz[], \
               $4::text[], $5::float8[], $6::float8[], $7::real[], $8::real[], $9::int4[], \
               $10::int2[], $11::text[]) \
             ON CONFLICT DO NOTHING \
             RETURNING vessel_id, fix_time, lon, lat",
        )
        .bind(&ids)
        .bind(column(batch, |p| truncate_micros(p.fix_time)))
        .bind(column(batch, |p| truncate_micros(p.received_at)))
        .bind(column(batch, |p| p.source.as_str()))
        .bind(column(batch, |p| p.position.lon()))
        .bind(column(batch, |p| p.position.lat()))
        .bind(column(batch, rows::sog))
        .bind(column(batch, rows::cog))
        .bind(column(batch, |p| p.heading.map(i32::from)))
        .bind(column(batch, |p| p.nav_status.map(i16::from)))
        .bind(column(batch, |p| p.raw.as_deref()))
        .fetch_all(&mut *tx)
        .await?;
        let mut new: HashSet<(i64, OffsetDateTime, u64, u64)> = inserted
            .into_iter()
            .map(|(id, fix, lon, lat)| (id, fix, lon.to_bits(), lat.to_bits()))
            .collect();
        let stored = new.len() as u64;
        let new_rows = batch.iter().zip(ids).filter(|(p, id)| {
            let key = (
                *id,
                truncate_micros(p.fix_time),
                p.position.lon().to_bits(),
                p.position.lat().to_bits(),
            );
            new.remove(&key)
        });
        move_latest_forward(&mut tx, new_rows).await?;
        tx.commit().await?;
        self.vessel_ids.remember(learned);
        Ok(stored)
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
        conn: &mut sqlx::PgConnection,
        vessel: &VesselId,
        data: &VesselStatic,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO vessels AS old (vessel_key, mmsi, registration, name, call_sign, imo, \
               ship_type, length_meters, beam_meters, draught_meters, destination, province, \
               vms_provider, static_updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
             ON CONFLICT (vessel_key) DO UPDATE SET \
               registration = coalesce(excluded.registration, old.registration), \
               name = coalesce(excluded.name, old.name), \
               call_sign = coalesce(excluded.call_sign, old.call_sign), \
               imo = coalesce(excluded.imo, old.imo), \
               ship_type = coalesce(excluded.ship_type, old.ship_type), \
               length_meters = coalesce(excluded.length_meters, old.length_meters), \
               beam_meters = coalesce(excluded.beam_meters, old.beam_meters), \
               draught_meters = coalesce(excluded.draught_meters, old.draught_meters), \
               destination = coalesce(excluded.destination, old.destination), \
               province = coalesce(excluded.province, old.province), \
               vms_provider = coalesce(excluded.vms_provider, old.vms_provider), \
               static_updated_at = coalesce(excluded.static_updated_at, old.static_updated_at) \
             WHERE excluded.static_updated_at IS NULL OR old.static_updated_at IS NULL \
               OR excluded.static_updated_at >= old.static_updated_at",
        )
        .bind(vessel.key())
        .bind(vessel.mmsi())
        .bind(data.registration.as_deref().or(vessel.registration()))
        .bind(data.name.as_deref())
        .bind(data.call_sign.as_deref())
        .bind(data.imo.map(i64::from))
        .bind(data.ship_type.map(i16::from))
        .bind(rows::real(data.length_meters))
        .bind(rows::real(data.beam_meters))
        .bind(rows::real(data.draught_meters))
        .bind(data.destination.as_deref())
        .bind(data.province.as_deref())
        .bind(data.vms_provider.as_deref())
        .bind(data.updated_at.map(truncate_micros))
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// The static data stored for a vessel, if the store knows it.
    pub async fn vessel(&self, vessel: &VesselId) -> Result<Option<VesselStatic>> {
        let row = sqlx::query(
            "SELECT name, call_sign, imo, ship_type, length_meters, beam_meters, \
               draught_meters, destination, registration, province, vms_provider, \
               static_updated_at \
             FROM vessels WHERE vessel_key = $1",
        )
        .bind(vessel.key())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(VesselStatic {
                name: row.try_get(0)?,
                call_sign: row.try_get(1)?,
                imo: rows::narrow(row.try_get::<Option<i64>, _>(2)?, "imo")?,
                ship_type: rows::narrow(
                    row.try_get::<Option<i16>, _>(3)?.map(i64::from),
                    "ship_type",
                )?,
                length_meters: row.try_get::<Option<f32>, _>(4)?.map(f64::from),
                beam_meters: row.try_get::<Option<f32>, _>(5)?.map(f64::from),
                draught_meters: row.try_get::<Option<f32>, _>(6)?.map(f64::from),
                destination: row.try_get(7)?,
                registration: row.try_get(8)?,
                province: row.try_get(9)?,
                vms_provider: row.try_get(10)?,
                updated_at: row.try_get(11)?,
            })
        })
        .transpose()
    }

    /// Stores the quarantined lines not stored yet; returns how many were new.
    pub async fn insert_quarantined(&self, lines: &[QuarantinedLine]) -> Result<u64> {
        if lines.is_empty() {
            return Ok(0);
        }
        let done = sqlx::query(
            "INSERT INTO quarantine (received_at, source, reason, line) \
             SELECT * FROM UNNEST($1::timestamptz[], $2::text[], $3::text[], $4::text[]) \
             ON CONFLICT DO NOTHING",
        )
        .bind(
            lines
                .iter()
                .map(|l| truncate_micros(l.received_at))
                .collect::<Vec<_>>(),
        )
        .bind(lines.iter().map(|l| l.source.as_str()).collect::<Vec<_>>())
        .bind(lines.iter().map(|l| l.reason.as_str()).collect::<Vec<_>>())
        .bind(lines.iter().map(|l| l.line.as_str()).collect::<Vec<_>>())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Journals the lines not journaled yet for `source`; returns how many were new.
    pub async fn journal_lines(
        &self,
        source: &str,
        received_at: OffsetDateTime,
        lines: &[String],
    ) -> Result<u64> {
        if lines.is_empty() {
            return Ok(0);
        }
        let done = sqlx::query(
            "INSERT INTO raw_journal (received_at, source, line) \
             SELECT $1, $2, line FROM UNNEST($3::text[]) AS t(line) \
             ON CONFLICT (source, line) DO NOTHING",
        )
        .bind(truncate_micros(received_at))
        .bind(source)
        .bind(lines)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Stores the zone events not stored yet; returns how many were new.
    pub async fn insert_zone_events(&self, events: &[ZoneEvent]) -> Result<u64> {
        if events.is_empty() {
            return Ok(0);
        }
        let done = sqlx::query(
            "INSERT INTO zone_events (vessel_id, fix_time, received_at, event, zone_id, \
               zone_class, country, distance_meters, lon, lat) \
             SELECT v.id, e.fix_time, e.received_at, e.event, e.zone_id, e.zone_class, \
               e.country, e.distance_meters, e.lon, e.lat \
             FROM UNNEST($1::text[], $2::timestamptz[], $3::timestamptz[], $4::text[], \
               $5::text[], $6::text[], $7::text[], $8::float8[], $9::float8[], $10::float8[]) \
               AS e(vessel_key, fix_time, received_at, event, zone_id, zone_class, country, \
                 distance_meters, lon, lat) \
             JOIN vessels v ON v.vessel_key = e.vessel_key \
             ON CONFLICT DO NOTHING",
        )
        .bind(events.iter().map(|e| e.vessel.key()).collect::<Vec<_>>())
        .bind(
            events
                .iter()
                .map(|e| truncate_micros(e.fix_time))
                .collect::<Vec<_>>(),
        )
        .bind(
            events
                .iter()
                .map(|e| truncate_micros(e.received_at))
                .collect::<Vec<_>>(),
        )
        .bind(events.iter().map(|e| e.event.as_str()).collect::<Vec<_>>())
        .bind(
            events
                .iter()
                .map(|e| e.zone_id.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(
            events
                .iter()
                .map(|e| e.zone_class.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(
            events
                .iter()
                .map(|e| e.country.as_deref())
                .collect::<Vec<_>>(),
        )
        .bind(events.iter().map(|e| e.distance_meters).collect::<Vec<_>>())
        .bind(events.iter().map(|e| e.position.lon()).collect::<Vec<_>>())
        .bind(events.iter().map(|e| e.position.lat()).collect::<Vec<_>>())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// The latest position of every vessel (by fix time), ordered by vessel key; with a
    /// box, only the vessels whose latest position is inside it (edges included).
    pub async fn latest_positions(&self, within: Option<BBox>) -> Result<Vec<StoredPosition>> {
        let mut q = QueryBuilder::<Postgres>::new(format!(
            "SELECT {POSITION_COLUMNS} FROM latest_positions p \
             JOIN vessels v ON v.id = p.vessel_id"
        ));
        if let Some(bbox) = within {
            push_bbox_filter(&mut q, bbox);
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
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {POSITION_COLUMNS} FROM vessels v JOIN positions p ON p.vessel_id = v.id \
             WHERE v.vessel_key = $1 AND p.fix_time >= $2 AND p.fix_time < $3 \
             ORDER BY p.fix_time, p.received_at"
        )))
        .bind(vessel.key())
        .bind(truncate_micros(from))
        .bind(truncate_micros(to))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(position).collect()
    }

    /// Every position inside the box (edges included) with `from <= fix_time < to`,
    /// ordered by fix time, then vessel key. Found through the GiST index.
    pub async fn positions_in_area(
        &self,
        bbox: BBox,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<StoredPosition>> {
        let mut q = QueryBuilder::<Postgres>::new(format!(
            "SELECT {POSITION_COLUMNS} FROM positions p \
             JOIN vessels v ON v.id = p.vessel_id WHERE p.fix_time >= "
        ));
        q.push_bind(truncate_micros(from))
            .push(" AND p.fix_time < ")
            .push_bind(truncate_micros(to))
            .push(" AND ");
        push_bbox_condition(&mut q, bbox);
        let rows = q.build().fetch_all(&self.pool).await?;
        let mut out = rows.iter().map(position).collect::<Result<Vec<_>>>()?;
        rows::sort_by_time(&mut out);
        Ok(out)
    }

    /// How many vessels, positions and quarantined lines are stored (exact counts: a full
    /// scan of positions, so not for a hot path).
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

/// Moves each vessel's latest position forward to its newest of `stored` (positions just
/// inserted, with their vessel ids), by fix time with receive time breaking ties; a latest
/// position newer than all of them stays. Rows are locked in vessel id order, the same for
/// every writer, so two writers cannot deadlock.
async fn move_latest_forward<'a>(
    tx: &mut sqlx::PgConnection,
    stored: impl Iterator<Item = (&'a NewPosition, i64)>,
) -> Result<()> {
    let mut newest: BTreeMap<i64, &NewPosition> = BTreeMap::new();
    for (p, id) in stored {
        let slot = newest.entry(id).or_insert(p);
        if (p.fix_time, p.received_at) > (slot.fix_time, slot.received_at) {
            *slot = p;
        }
    }
    if newest.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = newest.keys().copied().collect();
    let latest: Vec<&NewPosition> = newest.into_values().collect();
    sqlx::query(
        "INSERT INTO latest_positions (vessel_id, fix_time, received_at, source, lon, lat, \
           sog_knots, cog_degrees, heading_degrees, nav_status, raw) \
         SELECT * FROM UNNEST($1::int8[], $2::timestamptz[], $3::timestamptz[], \
           $4::text[], $5::float8[], $6::float8[], $7::real[], $8::real[], $9::int4[], \
           $10::int2[], $11::text[]) \
         ON CONFLICT (vessel_id) DO UPDATE SET \
           fix_time = excluded.fix_time, received_at = excluded.received_at, \
           source = excluded.source, lon = excluded.lon, lat = excluded.lat, \
           sog_knots = excluded.sog_knots, cog_degrees = excluded.cog_degrees, \
           heading_degrees = excluded.heading_degrees, \
           nav_status = excluded.nav_status, raw = excluded.raw \
         WHERE (excluded.fix_time, excluded.received_at) \
             > (latest_positions.fix_time, latest_positions.received_at)",
    )
    .bind(ids)
    .bind(column(latest.iter().copied(), |p| {
        truncate_micros(p.fix_time)
    }))
    .bind(column(latest.iter().copied(), |p| {
        truncate_micros(p.received_at)
    }))
    .bind(column(latest.iter().copied(), |p| p.source.as_str()))
    .bind(column(latest.iter().copied(), |p| p.position.lon()))
    .bind(column(latest.iter().copied(), |p| p.position.lat()))
    .bind(column(latest.iter().copied(), rows::sog))
    .bind(column(latest.iter().copied(), rows::cog))
    .bind(column(latest.iter().copied(), |p| p.heading.map(i32::from)))
    .bind(column(latest.iter().copied(), |p| {
        p.nav_status.map(i16::from)
    }))
    .bind(column(latest.iter().copied(), |p| p.raw.as_deref()))
    .execute(tx)
    .await?;
    Ok(())
}

/// One column's values for an UNNEST bind.
fn column<'p, T>(
    rows: impl IntoIterator<Item = &'p NewPosition>,
    value: impl Fn(&'p NewPosition) -> T,
) -> Vec<T> {
    rows.into_iter().map(value).collect()
}

/// ` WHERE <the box condition>`.
fn push_bbox_filter(q: &mut QueryBuilder<Postgres>, bbox: BBox) {
    q.push(" WHERE ");
    push_bbox_condition(q, bbox);
}

/// `p.geom` inside the box, edges included: the envelope test uses the GiST index, the
/// lon/lat test is exact. Two envelopes when the box crosses the antimeridian.
fn push_bbox_condition(q: &mut QueryBuilder<Postgres>, bbox: BBox) {
    let [first, second] = bbox.lon_ranges();
    q.push("(");
    for (i, (west, east)) in [first, second].into_iter().enumerate() {
        if i == 1 {
            if first == second {
                break;
            }
            q.push(" OR ");
        }
        q.push("(p.geom && ST_MakeEnvelope(")
            .push_bind(west)
            .push(", ")
            .push_bind(bbox.south)
            .push(", ")
            .push_bind(east)
            .push(", ")
            .push_bind(bbox.north)
            .push(", 4326) AND p.lon BETWEEN ")
            .push_bind(west)
            .push(" AND ")
            .push_bind(east)
            .push(" AND p.lat BETWEEN ")
            .push_bind(bbox.south)
            .push(" AND ")
            .push_bind(bbox.north)
            .push(")");
    }
    q.push(")");
}

/// The month `t` falls in (UTC), as year * 12 + month - 1.
fn month_index(t: OffsetDateTime) -> i32 {
    let t = t.to_offset(time::UtcOffset::UTC);
    t.year() * 12 + i32::from(u8::from(t.month())) - 1
}

/// The first instants of month `index` and of the month after it.
fn month_bounds(index: i32) -> (OffsetDateTime, OffsetDateTime) {
    let start = |index: i32| {
        let month = Month::try_from(u8::try_from(index.rem_euclid(12) + 1).unwrap_or(1))
            .unwrap_or(Month::January);
        time::Date::from_calendar_date(index.div_euclid(12), month, 1)
            .map(|d| d.midnight().assume_utc())
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    };
    (start(index), start(index + 1))
}

fn position(row: &PgRow) -> Result<StoredPosition> {
    rows::stored_position(
        row.try_get(0)?,
        row.try_get(1)?,
        row.try_get(2)?,
        row.try_get(3)?,
        (row.try_get(4)?, row.try_get(5)?),
        (
            row.try_get::<Option<f32>, _>(6)?.map(f64::from),
            row.try_get::<Option<f32>, _>(7)?.map(f64::from),
        ),
        row.try_get::<Option<i32>, _>(8)?.map(i64::from),
        row.try_get::<Option<i16>, _>(9)?.map(i64::from),
        row.try_get(10)?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_and_their_bounds() {
        let t = time::Date::from_calendar_date(2026, Month::December, 31)
            .unwrap()
            .with_hms(23, 59, 59)
            .unwrap()
            .assume_utc();
        let m = month_index(t);
        let (start, end) = month_bounds(m);
        assert_eq!(start.to_string(), "2026-12-01 0:00:00.0 +00:00:00");
        assert_eq!(end.to_string(), "2027-01-01 0:00:00.0 +00:00:00");
    }
}
