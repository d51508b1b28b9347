//! Alerts and the outbox on SQLite: every write in an immediate transaction, so a lease
//! is one UPDATE … RETURNING that no other connection can interleave with.

use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite};
use time::OffsetDateTime;

use crate::alerts::{
    self, AlertChange, AlertFilter, AlertPage, AlertRecord, AlertStatus, DeliveryRecord,
    DeliveryStatus, DisabledEndpoint, LeasedDelivery, LifecycleError, NewAlert, NewDelivery, RULES,
    StoredAlert, Transition,
};
use crate::error::{Result, StoreError};
use crate::model::{from_micros, to_micros};
use crate::sqlite::SqliteStore;

const IMMEDIATE: &str = "BEGIN IMMEDIATE";

const ALERT_COLUMNS: &str = "a.id, a.dedupe_key, a.kind, v.vessel_key, a.fix_us, \
     a.received_us, a.raised_us, a.delayed, a.zone_id, a.zone_class, a.country, a.lon, a.lat, \
     a.details, a.status, a.acknowledged_us, a.acknowledged_by, a.resolved_us, \
     a.resolved_by FROM alerts a LEFT JOIN vessels v ON v.id = a.vessel_id";

const DELIVERY_COLUMNS: &str = "id, alert_id, destination, status, attempts, \
     next_attempt_us, last_error, created_us, delivered_us, dead_us";

impl SqliteStore {
    pub(crate) async fn insert_alerts(
        &self,
        alerts: &[NewAlert],
        deliveries: &[NewDelivery],
        now: OffsetDateTime,
    ) -> Result<Vec<String>> {
        if alerts.is_empty() {
            return Ok(Vec::new());
        }
        let now = to_micros(now);
        let mut tx = self.pool().begin_with(IMMEDIATE).await?;
        let mut new_ids = Vec::new();
        for a in alerts {
            if let Some(vessel) = &a.vessel {
                sqlx::query(
                    "INSERT INTO vessels (vessel_key, mmsi, registration) VALUES (?, ?, ?) \
                     ON CONFLICT (vessel_key) DO NOTHING",
                )
                .bind(vessel.key())
                .bind(vessel.mmsi())
                .bind(vessel.registration().map(str::to_owned))
                .execute(&mut *tx)
                .await?;
            }
            let raised = to_micros(a.raised_at);
            let inserted: Option<String> = sqlx::query_scalar(
                "INSERT INTO alerts (id, dedupe_key, kind, vessel_id, fix_us, received_us, \
                   raised_us, delayed, zone_id, zone_class, country, lon, lat, details) \
                 VALUES (?, ?, ?, (SELECT id FROM vessels WHERE vessel_key = ?), ?, ?, ?, ?, ?, \
                   ?, ?, ?, ?, json(?)) \
                 ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
            )
            .bind(a.id.clone())
            .bind(a.dedupe_key.clone())
            .bind(a.kind.clone())
            .bind(a.vessel.as_ref().map(|v| v.key()))
            .bind(a.fix_time.map(to_micros))
            .bind(a.received_at.map(to_micros))
            .bind(raised)
            .bind(a.delayed)
            .bind(a.zone_id.clone())
            .bind(a.zone_class.clone())
            .bind(a.country.clone())
            .bind(a.position.map(|p| p.lon()))
            .bind(a.position.map(|p| p.lat()))
            .bind(a.details.clone())
            .fetch_optional(&mut *tx)
            .await?;
            let Some(id) = inserted else {
                continue;
            };
            sqlx::query(
                "INSERT INTO alert_changes (alert_id, at_us, who, from_status, to_status) \
                 VALUES (?, ?, ?, NULL, 'open')",
            )
            .bind(id.clone())
            .bind(raised)
            .bind(RULES)
            .execute(&mut *tx)
            .await?;
            crate::compliance::open_from_alert_sqlite(&mut tx, &id, &a.kind, a.raised_at).await?;
            if let Some(closes) = &a.closes {
                // History first: it keeps the status the closed alert had.
                sqlx::query(
                    "INSERT INTO alert_changes (alert_id, at_us, who, from_status, to_status, \
                       note) \
                     SELECT id, ?, ?, status, 'resolved', ? FROM alerts \
                     WHERE dedupe_key = ? AND status <> 'resolved'",
                )
                .bind(raised)
                .bind(RULES)
                .bind(format!("closed by alert {id} ({})", a.kind))
                .bind(closes.clone())
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE alerts SET status = 'resolved', resolved_us = ?, resolved_by = ? \
                     WHERE dedupe_key = ? AND status <> 'resolved'",
                )
                .bind(raised)
                .bind(RULES)
                .bind(closes.clone())
                .execute(&mut *tx)
                .await?;
            }
            for d in deliveries.iter().filter(|d| d.alert_id == a.id) {
                // `WHERE true` tells SQLite's parser that ON CONFLICT belongs to the INSERT.
                sqlx::query(
                    "INSERT INTO outbox (alert_id, destination, payload, status, attempts, \
                       next_attempt_us, created_us, retry_since_us, last_error, dead_us) \
                     SELECT ?1, ?2, ?3, \
                       CASE WHEN e.reason IS NULL THEN 'pending' ELSE 'dead' END, 0, ?4, ?4, \
                       ?4, 'endpoint disabled: ' || e.reason, \
                       CASE WHEN e.reason IS NULL THEN NULL ELSE ?4 END \
                     FROM (SELECT 1) AS one \
                     LEFT JOIN notify_endpoints e ON e.destination = ?2 \
                     WHERE true \
                     ON CONFLICT (alert_id, destination) DO NOTHING",
                )
                .bind(id.clone())
                .bind(d.destination.clone())
                .bind(d.payload.clone())
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            new_ids.push(id);
        }
        tx.commit().await?;
        Ok(new_ids)
    }

    pub(crate) async fn lease_deliveries(
        &self,
        worker_id: &str,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<LeasedDelivery>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut tx = self.pool().begin_with(IMMEDIATE).await?;
        let rows = sqlx::query(
            "UPDATE outbox SET status = 'in_flight', leased_by = ?1, lease_until_us = ?3, \
               attempts = attempts + 1 \
             WHERE id IN ( \
               SELECT id FROM outbox \
               WHERE (status = 'pending' AND next_attempt_us <= ?2) \
                  OR (status = 'in_flight' AND lease_until_us <= ?2) \
               ORDER BY next_attempt_us, id LIMIT ?4 \
             ) \
             RETURNING id, alert_id, destination, payload, attempts, created_us, \
               coalesce(retry_since_us, created_us), lease_until_us",
        )
        .bind(worker_id.to_owned())
        .bind(to_micros(now))
        .bind(to_micros(lease_until))
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let mut out = rows
            .iter()
            .map(|row| {
                Ok(LeasedDelivery {
                    id: row.try_get(0)?,
                    alert_id: row.try_get(1)?,
                    destination: row.try_get(2)?,
                    payload: row.try_get(3)?,
                    attempts: alerts::attempts(row.try_get(4)?)?,
                    created_at: micros(row.try_get(5)?)?,
                    retry_since: micros(row.try_get(6)?)?,
                    worker_id: worker_id.to_owned(),
                    lease_until: micros(row.try_get(7)?)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        out.sort_by_key(|d| d.id);
        Ok(out)
    }

    pub(crate) async fn mark_delivered(
        &self,
        lease: &LeasedDelivery,
        at: OffsetDateTime,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE outbox SET status = 'delivered', delivered_us = ?, lease_until_us = NULL \
             WHERE id = ? AND leased_by = ? AND status = 'in_flight'",
        )
        .bind(to_micros(at))
        .bind(lease.id)
        .bind(lease.worker_id.clone())
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn mark_failed(
        &self,
        lease: &LeasedDelivery,
        next_attempt_at: OffsetDateTime,
        error: &str,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE outbox SET status = 'pending', next_attempt_us = ?, last_error = ?, \
               lease_until_us = NULL \
             WHERE id = ? AND leased_by = ? AND status = 'in_flight'",
        )
        .bind(to_micros(next_attempt_at))
        .bind(error.to_owned())
        .bind(lease.id)
        .bind(lease.worker_id.clone())
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn mark_dead(
        &self,
        lease: &LeasedDelivery,
        error: &str,
        at: OffsetDateTime,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE outbox SET status = 'dead', dead_us = ?, last_error = ?, \
               lease_until_us = NULL \
             WHERE id = ? AND leased_by = ? AND status = 'in_flight'",
        )
        .bind(to_micros(at))
        .bind(error.to_owned())
        .bind(lease.id)
        .bind(lease.worker_id.clone())
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn list_dead_letters(&self, limit: u32) -> Result<Vec<DeliveryRecord>> {
        let mut q = QueryBuilder::<Sqlite>::new(format!(
            "SELECT {DELIVERY_COLUMNS} FROM outbox WHERE status = 'dead' \
             ORDER BY dead_us IS NULL, dead_us DESC, id DESC LIMIT "
        ));
        q.push_bind(i64::from(limit));
        let rows = q.build().fetch_all(self.pool()).await?;
        rows.iter().map(delivery).collect()
    }

    pub(crate) async fn resend(
        &self,
        delivery_id: i64,
        now: OffsetDateTime,
    ) -> std::result::Result<(), LifecycleError> {
        let mut tx = self.pool().begin_with(IMMEDIATE).await?;
        let row = sqlx::query(
            "SELECT o.status, o.destination, e.destination IS NOT NULL \
             FROM outbox o LEFT JOIN notify_endpoints e ON e.destination = o.destination \
             WHERE o.id = ?",
        )
        .bind(delivery_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(LifecycleError::NoSuchDelivery(delivery_id))?;
        let status = DeliveryStatus::read(row.try_get::<&str, _>(0)?)?;
        if status != DeliveryStatus::Dead {
            return Err(LifecycleError::NotDead {
                id: delivery_id,
                status,
            });
        }
        if row.try_get::<bool, _>(2)? {
            return Err(LifecycleError::EndpointDisabled(row.try_get(1)?));
        }
        let now = to_micros(now);
        sqlx::query(
            "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_us = ?1, \
               retry_since_us = ?1, dead_us = NULL, lease_until_us = NULL, leased_by = NULL \
             WHERE id = ?2",
        )
        .bind(now)
        .bind(delivery_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn disable_endpoint(
        &self,
        destination: &str,
        reason: &str,
        at: OffsetDateTime,
    ) -> Result<u64> {
        let at = to_micros(at);
        let mut tx = self.pool().begin_with(IMMEDIATE).await?;
        sqlx::query(
            "INSERT INTO notify_endpoints (destination, disabled_us, reason) VALUES (?, ?, ?) \
             ON CONFLICT (destination) DO NOTHING",
        )
        .bind(destination.to_owned())
        .bind(at)
        .bind(reason.to_owned())
        .execute(&mut *tx)
        .await?;
        let done = sqlx::query(
            "UPDATE outbox SET status = 'dead', dead_us = ?1, lease_until_us = NULL, \
               last_error = 'endpoint disabled: ' \
                 || (SELECT reason FROM notify_endpoints WHERE destination = ?2) \
             WHERE destination = ?2 AND status IN ('pending', 'in_flight')",
        )
        .bind(at)
        .bind(destination.to_owned())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    pub(crate) async fn enable_endpoint(&self, destination: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM notify_endpoints WHERE destination = ?")
            .bind(destination.to_owned())
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub(crate) async fn disabled_endpoints(&self) -> Result<Vec<DisabledEndpoint>> {
        let rows = sqlx::query(
            "SELECT destination, disabled_us, reason FROM notify_endpoints ORDER BY destination",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(DisabledEndpoint {
                    destination: row.try_get(0)?,
                    disabled_at: micros(row.try_get(1)?)?,
                    reason: row.try_get(2)?,
                })
            })
            .collect()
    }

    pub(crate) async fn list_alerts(&self, filter: &AlertFilter) -> Result<AlertPage> {
        let size = filter.page_size();
        let mut q = QueryBuilder::<Sqlite>::new(format!("SELECT {ALERT_COLUMNS} WHERE true"));
        if let Some(status) = filter.status {
            q.push(" AND a.status = ").push_bind(status.as_str());
        }
        if let Some(kind) = &filter.kind {
            q.push(" AND a.kind = ").push_bind(kind.clone());
        }
        if let Some(vessel) = &filter.vessel {
            q.push(" AND v.vessel_key = ").push_bind(vessel.key());
        }
        if let Some(since) = filter.since {
            q.push(" AND a.raised_us >= ").push_bind(to_micros(since));
        }
        if let Some(until) = filter.until {
            q.push(" AND a.raised_us < ").push_bind(to_micros(until));
        }
        if let Some(cursor) = &filter.cursor {
            q.push(" AND (a.raised_us, a.id) < (")
                .push_bind(to_micros(cursor.raised_at))
                .push(", ")
                .push_bind(cursor.id.clone())
                .push(")");
        }
        q.push(" ORDER BY a.raised_us DESC, a.id DESC LIMIT ")
            .push_bind(i64::from(size) + 1);
        let rows = q.build().fetch_all(self.pool()).await?;
        let mut alerts = rows.iter().map(alert).collect::<Result<Vec<_>>>()?;
        Ok(alerts::page(&mut alerts, size))
    }

    pub(crate) async fn alert(&self, id: &str) -> Result<Option<AlertRecord>> {
        let Some(row) = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ALERT_COLUMNS} WHERE a.id = ?"
        )))
        .bind(id.to_owned())
        .fetch_optional(self.pool())
        .await?
        else {
            return Ok(None);
        };
        let stored = alert(&row)?;
        let deliveries = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {DELIVERY_COLUMNS} FROM outbox WHERE alert_id = ? ORDER BY id"
        )))
        .bind(id.to_owned())
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(delivery)
        .collect::<Result<Vec<_>>>()?;
        let changes = sqlx::query(
            "SELECT at_us, who, from_status, to_status, note FROM alert_changes \
             WHERE alert_id = ? ORDER BY id",
        )
        .bind(id.to_owned())
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|row| {
            Ok(AlertChange {
                at: micros(row.try_get(0)?)?,
                who: row.try_get(1)?,
                from: alerts::opt_status(row.try_get(2)?)?,
                to: AlertStatus::read(row.try_get::<&str, _>(3)?)?,
                note: row.try_get(4)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        Ok(Some(AlertRecord {
            alert: stored,
            deliveries,
            changes,
        }))
    }

    pub(crate) async fn change_alert(
        &self,
        id: &str,
        transition: Transition,
        who: &str,
        note: Option<&str>,
        at: OffsetDateTime,
    ) -> std::result::Result<StoredAlert, LifecycleError> {
        let at = to_micros(at);
        let mut tx = self.pool().begin_with(IMMEDIATE).await?;
        let status: String = sqlx::query_scalar("SELECT status FROM alerts WHERE id = ?")
            .bind(id.to_owned())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| LifecycleError::NoSuchAlert(id.to_owned()))?;
        let from = AlertStatus::read(&status)?;
        if !transition.allowed_from(from) {
            return Err(LifecycleError::Conflict {
                id: id.to_owned(),
                status: from,
                action: transition.action(),
            });
        }
        let update = match transition {
            Transition::Acknowledge => {
                "UPDATE alerts SET status = 'acknowledged', acknowledged_us = ?, \
                 acknowledged_by = ? WHERE id = ?"
            }
            Transition::Resolve => {
                "UPDATE alerts SET status = 'resolved', resolved_us = ?, resolved_by = ? \
                 WHERE id = ?"
            }
        };
        sqlx::query(update)
            .bind(at)
            .bind(who.to_owned())
            .bind(id.to_owned())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO alert_changes (alert_id, at_us, who, from_status, to_status, note) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(id.to_owned())
        .bind(at)
        .bind(who.to_owned())
        .bind(from.as_str())
        .bind(transition.to().as_str())
        .bind(note.map(str::to_owned))
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ALERT_COLUMNS} WHERE a.id = ?"
        )))
        .bind(id.to_owned())
        .fetch_one(&mut *tx)
        .await?;
        let changed = alert(&row)?;
        tx.commit().await?;
        Ok(changed)
    }
}

fn micros(us: i64) -> Result<OffsetDateTime> {
    from_micros(us).map_err(|e| StoreError::CorruptRow(format!("time {us} µs: {e}")))
}

fn opt_micros(us: Option<i64>) -> Result<Option<OffsetDateTime>> {
    us.map(micros).transpose()
}

fn alert(row: &SqliteRow) -> Result<StoredAlert> {
    Ok(StoredAlert {
        id: row.try_get(0)?,
        dedupe_key: row.try_get(1)?,
        kind: row.try_get(2)?,
        vessel: alerts::vessel_from_key(row.try_get(3)?)?,
        fix_time: opt_micros(row.try_get(4)?)?,
        received_at: opt_micros(row.try_get(5)?)?,
        raised_at: micros(row.try_get(6)?)?,
        delayed: row.try_get(7)?,
        zone_id: row.try_get(8)?,
        zone_class: row.try_get(9)?,
        country: row.try_get(10)?,
        position: alerts::position(row.try_get(11)?, row.try_get(12)?)?,
        details: row.try_get(13)?,
        status: AlertStatus::read(row.try_get::<&str, _>(14)?)?,
        acknowledged_at: opt_micros(row.try_get(15)?)?,
        acknowledged_by: row.try_get(16)?,
        resolved_at: opt_micros(row.try_get(17)?)?,
        resolved_by: row.try_get(18)?,
    })
}

fn delivery(row: &SqliteRow) -> Result<DeliveryRecord> {
    Ok(DeliveryRecord {
        id: row.try_get(0)?,
        alert_id: row.try_get(1)?,
        destination: row.try_get(2)?,
        status: DeliveryStatus::read(row.try_get::<&str, _>(3)?)?,
        attempts: alerts::attempts(row.try_get(4)?)?,
        next_attempt_at: micros(row.try_get(5)?)?,
        last_error: row.try_get(6)?,
        created_at: micros(row.try_get(7)?)?,
        delivered_at: opt_micros(row.try_get(8)?)?,
        dead_at: opt_micros(row.try_get(9)?)?,
    })
}
