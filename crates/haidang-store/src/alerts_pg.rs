//! Alerts and the outbox on PostgreSQL: leases through `FOR UPDATE SKIP LOCKED`.

use sqlx::postgres::PgRow;
use sqlx::{Postgres, QueryBuilder, Row};
use time::OffsetDateTime;

use crate::alerts::{
    self, AlertChange, AlertFilter, AlertPage, AlertRecord, AlertStatus, DeliveryRecord,
    DeliveryStatus, DisabledEndpoint, LeasedDelivery, LifecycleError, NewAlert, NewDelivery, RULES,
    StoredAlert, Transition,
};
use crate::error::Result;
use crate::model::truncate_micros;
use crate::pg::PgStore;

const ALERT_COLUMNS: &str = "a.id, a.dedupe_key, a.kind, v.vessel_key, a.fix_time, \
     a.received_at, a.raised_at, a.delayed, a.zone_id, a.zone_class, a.country, a.lon, a.lat, \
     a.details::text, a.status, a.acknowledged_at, a.acknowledged_by, a.resolved_at, \
     a.resolved_by FROM alerts a LEFT JOIN vessels v ON v.id = a.vessel_id";

const DELIVERY_COLUMNS: &str = "id, alert_id, destination, status, attempts, \
     next_attempt_at, last_error, created_at, delivered_at, dead_at";

impl PgStore {
    pub(crate) async fn insert_alerts(
        &self,
        alerts: &[NewAlert],
        deliveries: &[NewDelivery],
        now: OffsetDateTime,
    ) -> Result<Vec<String>> {
        if alerts.is_empty() {
            return Ok(Vec::new());
        }
        let now = truncate_micros(now);
        let mut tx = self.pool().begin().await?;
        let mut new_ids = Vec::new();
        for a in alerts {
            if let Some(vessel) = &a.vessel {
                sqlx::query(
                    "INSERT INTO vessels (vessel_key, mmsi, registration) VALUES ($1, $2, $3) \
                     ON CONFLICT (vessel_key) DO NOTHING",
                )
                .bind(vessel.key())
                .bind(vessel.mmsi())
                .bind(vessel.registration())
                .execute(&mut *tx)
                .await?;
            }
            let inserted: Option<String> = sqlx::query_scalar(
                "INSERT INTO alerts (id, dedupe_key, kind, vessel_id, fix_time, received_at, \
                   raised_at, delayed, zone_id, zone_class, country, lon, lat, details) \
                 VALUES ($1, $2, $3, (SELECT id FROM vessels WHERE vessel_key = $4), $5, $6, \
                   $7, $8, $9, $10, $11, $12, $13, $14::jsonb) \
                 ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
            )
            .bind(&a.id)
            .bind(&a.dedupe_key)
            .bind(&a.kind)
            .bind(a.vessel.as_ref().map(|v| v.key()))
            .bind(a.fix_time.map(truncate_micros))
            .bind(a.received_at.map(truncate_micros))
            .bind(truncate_micros(a.raised_at))
            .bind(a.delayed)
            .bind(a.zone_id.as_deref())
            .bind(a.zone_class.as_deref())
            .bind(a.country.as_deref())
            .bind(a.position.map(|p| p.lon()))
            .bind(a.position.map(|p| p.lat()))
            .bind(&a.details)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(id) = inserted else {
                continue;
            };
            sqlx::query(
                "INSERT INTO alert_changes (alert_id, at, who, from_status, to_status) \
                 VALUES ($1, $2, $3, NULL, 'open')",
            )
            .bind(&id)
            .bind(truncate_micros(a.raised_at))
            .bind(RULES)
            .execute(&mut *tx)
            .await?;
            crate::compliance::open_from_alert_pg(&mut tx, &id, &a.kind, a.raised_at).await?;
            if let Some(closes) = &a.closes {
                sqlx::query(
                    "WITH old AS ( \
                       SELECT id, status FROM alerts \
                       WHERE dedupe_key = $1 AND status <> 'resolved' FOR UPDATE \
                     ), closed AS ( \
                       UPDATE alerts a SET status = 'resolved', resolved_at = $2, \
                         resolved_by = $3 \
                       FROM old WHERE a.id = old.id \
                       RETURNING a.id, old.status AS from_status \
                     ) \
                     INSERT INTO alert_changes (alert_id, at, who, from_status, to_status, note) \
                     SELECT id, $2, $3, from_status, 'resolved', $4 FROM closed",
                )
                .bind(closes)
                .bind(truncate_micros(a.raised_at))
                .bind(RULES)
                .bind(format!("closed by alert {id} ({})", a.kind))
                .execute(&mut *tx)
                .await?;
            }
            for d in deliveries.iter().filter(|d| d.alert_id == a.id) {
                sqlx::query(
                    "INSERT INTO outbox (alert_id, destination, payload, status, attempts, \
                       next_attempt_at, created_at, retry_since, last_error, dead_at) \
                     SELECT $1, $2, $3, \
                       CASE WHEN e.reason IS NULL THEN 'pending' ELSE 'dead' END, 0, $4, $4, \
                       $4, 'endpoint disabled: ' || e.reason, \
                       CASE WHEN e.reason IS NULL THEN NULL ELSE $4::timestamptz END \
                     FROM (SELECT 1) AS one \
                     LEFT JOIN notify_endpoints e ON e.destination = $2 \
                     ON CONFLICT (alert_id, destination) DO NOTHING",
                )
                .bind(&id)
                .bind(&d.destination)
                .bind(&d.payload)
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
        let rows = sqlx::query(
            "UPDATE outbox o SET status = 'in_flight', leased_by = $1, lease_until = $3, \
               attempts = o.attempts + 1 \
             FROM ( \
               SELECT id FROM outbox \
               WHERE (status = 'pending' AND next_attempt_at <= $2) \
                  OR (status = 'in_flight' AND lease_until <= $2) \
               ORDER BY next_attempt_at, id LIMIT $4 FOR UPDATE SKIP LOCKED \
             ) due \
             WHERE o.id = due.id \
             RETURNING o.id, o.alert_id, o.destination, o.payload, o.attempts, o.created_at, \
               coalesce(o.retry_since, o.created_at), o.lease_until",
        )
        .bind(worker_id)
        .bind(truncate_micros(now))
        .bind(truncate_micros(lease_until))
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        let mut out = rows
            .iter()
            .map(|row| {
                Ok(LeasedDelivery {
                    id: row.try_get(0)?,
                    alert_id: row.try_get(1)?,
                    destination: row.try_get(2)?,
                    payload: row.try_get(3)?,
                    attempts: alerts::attempts(i64::from(row.try_get::<i32, _>(4)?))?,
                    created_at: row.try_get(5)?,
                    retry_since: row.try_get(6)?,
                    worker_id: worker_id.to_owned(),
                    lease_until: row.try_get(7)?,
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
            "UPDATE outbox SET status = 'delivered', delivered_at = $3, lease_until = NULL \
             WHERE id = $1 AND leased_by = $2 AND status = 'in_flight'",
        )
        .bind(lease.id)
        .bind(&lease.worker_id)
        .bind(truncate_micros(at))
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
            "UPDATE outbox SET status = 'pending', next_attempt_at = $3, last_error = $4, \
               lease_until = NULL \
             WHERE id = $1 AND leased_by = $2 AND status = 'in_flight'",
        )
        .bind(lease.id)
        .bind(&lease.worker_id)
        .bind(truncate_micros(next_attempt_at))
        .bind(error)
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
            "UPDATE outbox SET status = 'dead', dead_at = $3, last_error = $4, \
               lease_until = NULL \
             WHERE id = $1 AND leased_by = $2 AND status = 'in_flight'",
        )
        .bind(lease.id)
        .bind(&lease.worker_id)
        .bind(truncate_micros(at))
        .bind(error)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn list_dead_letters(&self, limit: u32) -> Result<Vec<DeliveryRecord>> {
        let mut q = QueryBuilder::<Postgres>::new(format!(
            "SELECT {DELIVERY_COLUMNS} FROM outbox WHERE status = 'dead' \
             ORDER BY dead_at DESC NULLS LAST, id DESC LIMIT "
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
        let mut tx = self.pool().begin().await?;
        let row = sqlx::query(
            "SELECT o.status, o.destination, e.destination IS NOT NULL \
             FROM outbox o LEFT JOIN notify_endpoints e ON e.destination = o.destination \
             WHERE o.id = $1 FOR UPDATE OF o",
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
        let now = truncate_micros(now);
        sqlx::query(
            "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $2, \
               retry_since = $2, dead_at = NULL, lease_until = NULL, leased_by = NULL \
             WHERE id = $1",
        )
        .bind(delivery_id)
        .bind(now)
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
        let at = truncate_micros(at);
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "INSERT INTO notify_endpoints (destination, disabled_at, reason) VALUES ($1, $2, $3) \
             ON CONFLICT (destination) DO NOTHING",
        )
        .bind(destination)
        .bind(at)
        .bind(reason)
        .execute(&mut *tx)
        .await?;
        let done = sqlx::query(
            "UPDATE outbox o SET status = 'dead', dead_at = $2, lease_until = NULL, \
               last_error = 'endpoint disabled: ' || e.reason \
             FROM notify_endpoints e \
             WHERE e.destination = $1 AND o.destination = $1 \
               AND o.status IN ('pending', 'in_flight')",
        )
        .bind(destination)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    pub(crate) async fn enable_endpoint(&self, destination: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM notify_endpoints WHERE destination = $1")
            .bind(destination)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub(crate) async fn disabled_endpoints(&self) -> Result<Vec<DisabledEndpoint>> {
        let rows = sqlx::query(
            "SELECT destination, disabled_at, reason FROM notify_endpoints ORDER BY destination",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(DisabledEndpoint {
                    destination: row.try_get(0)?,
                    disabled_at: row.try_get(1)?,
                    reason: row.try_get(2)?,
                })
            })
            .collect()
    }

    pub(crate) async fn list_alerts(&self, filter: &AlertFilter) -> Result<AlertPage> {
        let size = filter.page_size();
        let mut q = QueryBuilder::<Postgres>::new(format!("SELECT {ALERT_COLUMNS} WHERE true"));
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
            q.push(" AND a.raised_at >= ")
                .push_bind(truncate_micros(since));
        }
        if let Some(until) = filter.until {
            q.push(" AND a.raised_at < ")
                .push_bind(truncate_micros(until));
        }
        if let Some(cursor) = &filter.cursor {
            q.push(" AND (a.raised_at, a.id COLLATE \"C\") < (")
                .push_bind(truncate_micros(cursor.raised_at))
                .push(", ")
                .push_bind(cursor.id.clone())
                .push(" COLLATE \"C\")");
        }
        q.push(" ORDER BY a.raised_at DESC, a.id COLLATE \"C\" DESC LIMIT ")
            .push_bind(i64::from(size) + 1);
        let rows = q.build().fetch_all(self.pool()).await?;
        let mut alerts = rows.iter().map(alert).collect::<Result<Vec<_>>>()?;
        Ok(alerts::page(&mut alerts, size))
    }

    pub(crate) async fn alert(&self, id: &str) -> Result<Option<AlertRecord>> {
        let Some(row) = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ALERT_COLUMNS} WHERE a.id = $1"
        )))
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        else {
            return Ok(None);
        };
        let stored = alert(&row)?;
        let deliveries = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {DELIVERY_COLUMNS} FROM outbox WHERE alert_id = $1 ORDER BY id"
        )))
        .bind(id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(delivery)
        .collect::<Result<Vec<_>>>()?;
        let changes = sqlx::query(
            "SELECT at, who, from_status, to_status, note FROM alert_changes \
             WHERE alert_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|row| {
            Ok(AlertChange {
                at: row.try_get(0)?,
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
        let at = truncate_micros(at);
        let mut tx = self.pool().begin().await?;
        let status: String =
            sqlx::query_scalar("SELECT status FROM alerts WHERE id = $1 FOR UPDATE")
                .bind(id)
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
                "UPDATE alerts SET status = 'acknowledged', acknowledged_at = $2, \
                 acknowledged_by = $3 WHERE id = $1"
            }
            Transition::Resolve => {
                "UPDATE alerts SET status = 'resolved', resolved_at = $2, resolved_by = $3 \
                 WHERE id = $1"
            }
        };
        sqlx::query(update)
            .bind(id)
            .bind(at)
            .bind(who)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO alert_changes (alert_id, at, who, from_status, to_status, note) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(at)
        .bind(who)
        .bind(from.as_str())
        .bind(transition.to().as_str())
        .bind(note)
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ALERT_COLUMNS} WHERE a.id = $1"
        )))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let changed = alert(&row)?;
        tx.commit().await?;
        Ok(changed)
    }
}

fn alert(row: &PgRow) -> Result<StoredAlert> {
    Ok(StoredAlert {
        id: row.try_get(0)?,
        dedupe_key: row.try_get(1)?,
        kind: row.try_get(2)?,
        vessel: alerts::vessel_from_key(row.try_get(3)?)?,
        fix_time: row.try_get(4)?,
        received_at: row.try_get(5)?,
        raised_at: row.try_get(6)?,
        delayed: row.try_get(7)?,
        zone_id: row.try_get(8)?,
        zone_class: row.try_get(9)?,
        country: row.try_get(10)?,
        position: alerts::position(row.try_get(11)?, row.try_get(12)?)?,
        details: row.try_get(13)?,
        status: AlertStatus::read(row.try_get::<&str, _>(14)?)?,
        acknowledged_at: row.try_get(15)?,
        acknowledged_by: row.try_get(16)?,
        resolved_at: row.try_get(17)?,
        resolved_by: row.try_get(18)?,
    })
}

fn delivery(row: &PgRow) -> Result<DeliveryRecord> {
    Ok(DeliveryRecord {
        id: row.try_get(0)?,
        alert_id: row.try_get(1)?,
        destination: row.try_get(2)?,
        status: DeliveryStatus::read(row.try_get::<&str, _>(3)?)?,
        attempts: alerts::attempts(i64::from(row.try_get::<i32, _>(4)?))?,
        next_attempt_at: row.try_get(5)?,
        last_error: row.try_get(6)?,
        created_at: row.try_get(7)?,
        delivered_at: row.try_get(8)?,
        dead_at: row.try_get(9)?,
    })
}
