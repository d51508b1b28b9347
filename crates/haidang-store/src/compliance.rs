//! Compliance cases: what the fisheries authority follows up and reports to the EU (the
//! IUU "Yellow Card"), opened by the store itself from the alerts behind them, in the
//! transaction that stores the alert, once per alert:
//!
//! | alert | case |
//! |---|---|
//! | `silent_6h` | a VMS-loss case, bucket `6h_10d` (duty: a position report every 6 hours) |
//! | `silent_10d` | the vessel's open VMS-loss case moves to `over_10d` (duty: return to port), or one is opened there |
//! | `entered_foreign`, `entered_undelimited` | a boundary case, with the zone, its class and country |
//!
//! A case goes `detected` → `verified` → `sanctioned` (decision number, amount, date,
//! proof of payment), or is `closed` with a reason (a provider outage, force majeure, at
//! port, no violation, other) from `detected` or `verified`. Every change is a row of its
//! history, which nothing edits. A captain's manual position reports (by radio or phone)
//! are recorded as data of their own ([`ManualReport`]).

use sqlx::Row;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use time::{Date, OffsetDateTime};

use haidang_types::LatLon;

use crate::error::{Result, StoreError};
use crate::model::{VesselId, day_text, from_micros, parse_day, to_micros, truncate_micros};
use crate::store::Store;

/// The kinds of alert that open or change a compliance case.
pub const COMPLIANCE_ALERT_KINDS: [&str; 4] = [
    "silent_6h",
    "silent_10d",
    "entered_foreign",
    "entered_undelimited",
];

/// Why a case was closed without a sanction.
pub const CLOSE_REASONS: [&str; 5] = [
    "provider_outage",
    "force_majeure",
    "at_port",
    "no_violation",
    "other",
];

/// A compliance case.
#[derive(Clone, Debug, PartialEq)]
pub struct ComplianceCase {
    /// The case's number.
    pub id: i64,
    /// `vms_loss` or `boundary`.
    pub kind: String,
    /// The vessel, when the alert named one.
    pub vessel: Option<VesselId>,
    /// The alert that opened it.
    pub alert_id: String,
    /// The `silent_10d` alert that moved it to `over_10d`.
    pub escalated_by: Option<String>,
    /// VMS loss: `6h_10d` or `over_10d`.
    pub bucket: Option<String>,
    /// Boundary: the zone entered, its class and country.
    pub zone_id: Option<String>,
    /// The zone's class (`foreign`, `undelimited`).
    pub zone_class: Option<String>,
    /// The zone's country (ISO 3166 alpha-3).
    pub country: Option<String>,
    /// When it happened (the alert's fix time, else when it was raised).
    pub detected_at: OffsetDateTime,
    /// When the case was opened.
    pub opened_at: OffsetDateTime,
    /// `detected`, `verified`, `sanctioned` or `closed`.
    pub status: String,
    /// The sanction, once sanctioned.
    pub sanction: Option<Sanction>,
    /// Why it was closed, once closed.
    pub closed_reason: Option<String>,
    /// The last change.
    pub updated_at: OffsetDateTime,
    /// Where the vessel was when the alert was raised.
    pub position: Option<LatLon>,
    /// Boundary: the fix time of the vessel's first `exited` alert from the zone after it
    /// entered (`None`: not seen leaving).
    pub left_at: Option<OffsetDateTime>,
}

/// A sanction decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sanction {
    /// The decision's number.
    pub decision_number: String,
    /// The fine, in đồng.
    pub amount_vnd: i64,
    /// The decision's date.
    pub decided_on: Date,
    /// A reference to the proof of payment, once paid.
    pub payment_proof: Option<String>,
}

/// One change of a case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComplianceChange {
    /// When.
    pub at: OffsetDateTime,
    /// Who (`rules` for the store's own changes, else the account).
    pub who: String,
    /// The status before (`None` when opened).
    pub from_status: Option<String>,
    /// The status after.
    pub to_status: String,
    /// What was done or why.
    pub note: Option<String>,
}

/// A move of a case along its workflow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ComplianceAction {
    /// `detected` → `verified`.
    Verify,
    /// `verified` → `sanctioned`.
    Sanction(Sanction),
    /// `detected` or `verified` → `closed`, with one of [`CLOSE_REASONS`].
    Close(String),
}

/// Why a move was refused.
#[derive(Debug, thiserror::Error)]
pub enum ComplianceError {
    /// No such case.
    #[error("no compliance case {0}")]
    NoSuchCase(i64),
    /// The workflow does not allow it from the case's status.
    #[error("case {id} is {status}: it cannot be {action}")]
    Conflict {
        /// The case.
        id: i64,
        /// Its status.
        status: String,
        /// What was asked.
        action: &'static str,
    },
    /// A closing reason not in [`CLOSE_REASONS`].
    #[error("{0:?} is not a closing reason (one of {all})", all = CLOSE_REASONS.join(", "))]
    BadReason(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for ComplianceError {
    fn from(e: sqlx::Error) -> Self {
        ComplianceError::Store(StoreError::Database(e))
    }
}

/// A position a captain reported by radio or phone.
#[derive(Clone, Debug, PartialEq)]
pub struct ManualReport {
    /// The vessel.
    pub vessel: VesselId,
    /// When the vessel was there.
    pub fix_time: OffsetDateTime,
    /// When the report was taken.
    pub received_at: OffsetDateTime,
    /// Where.
    pub lon: f64,
    /// Where.
    pub lat: f64,
    /// `radio`, `phone` or `other`.
    pub channel: String,
    /// Who recorded it.
    pub recorded_by: String,
    /// Anything said.
    pub note: Option<String>,
}

/// A filter for [`Store::compliance_cases`].
#[derive(Clone, Debug, Default)]
pub struct ComplianceFilter {
    /// Only this case.
    pub id: Option<i64>,
    /// Only this kind.
    pub kind: Option<String>,
    /// Only this status.
    pub status: Option<String>,
    /// Detected at or after.
    pub from: Option<OffsetDateTime>,
    /// Detected before.
    pub to: Option<OffsetDateTime>,
    /// Only the cases of vessels the register's current entries put in one of these
    /// provinces (spelled as the register spells them; an empty list matches nothing).
    pub provinces: Option<Vec<String>>,
    /// At most this many (the first by detection time); `None`: all of them (a report
    /// must count every case).
    pub limit: Option<i64>,
}

/// The most cases one page of the API lists.
pub const MAX_COMPLIANCE_CASES: i64 = 10_000;

// -------------------------------------------------------------------------------------
// Opening cases from alerts, inside the alert writer's transaction.

/// SQLite: opens or escalates the case of the new alert `id` (of `kind`), if its kind
/// calls for one.
pub(crate) async fn open_from_alert_sqlite(
    tx: &mut sqlx::SqliteConnection,
    id: &str,
    kind: &str,
    now: OffsetDateTime,
) -> Result<()> {
    let now = to_micros(now);
    if kind == "silent_10d" {
        let escalated = sqlx::query(
            "UPDATE compliance_cases SET bucket = 'over_10d', escalated_by = ?1, updated_us = ?2 \
             WHERE id = (SELECT c.id FROM compliance_cases c JOIN alerts a ON a.id = ?1 \
               WHERE c.kind = 'vms_loss' AND c.vessel_id = a.vessel_id AND c.bucket = '6h_10d' \
                 AND c.status IN ('detected', 'verified') ORDER BY c.id DESC LIMIT 1) \
             RETURNING id, status",
        )
        .bind(id)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = escalated {
            let (case, status): (i64, String) = (row.try_get("id")?, row.try_get("status")?);
            sqlx::query(
                "INSERT INTO compliance_changes (case_id, at_us, who, from_status, to_status, note) \
                 VALUES (?1, ?2, 'rules', ?3, ?3, ?4)",
            )
            .bind(case)
            .bind(now)
            .bind(status)
            .bind(format!("silent over 10 days (alert {id}): return to port"))
            .execute(&mut *tx)
            .await?;
            return Ok(());
        }
    } else if !COMPLIANCE_ALERT_KINDS.contains(&kind) {
        return Ok(());
    }
    let opened: Option<i64> = sqlx::query_scalar(
        "INSERT INTO compliance_cases (kind, vessel_id, alert_id, bucket, zone_id, zone_class, \
           country, detected_us, opened_us, updated_us) \
         SELECT CASE WHEN a.kind LIKE 'silent%' THEN 'vms_loss' ELSE 'boundary' END, \
           a.vessel_id, a.id, \
           CASE a.kind WHEN 'silent_6h' THEN '6h_10d' WHEN 'silent_10d' THEN 'over_10d' END, \
           a.zone_id, a.zone_class, a.country, COALESCE(a.fix_us, a.raised_us), ?2, ?2 \
         FROM alerts a WHERE a.id = ?1 \
         ON CONFLICT (alert_id) DO NOTHING RETURNING id",
    )
    .bind(id)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(case) = opened {
        sqlx::query(
            "INSERT INTO compliance_changes (case_id, at_us, who, from_status, to_status, note) \
             VALUES (?1, ?2, 'rules', NULL, 'detected', ?3)",
        )
        .bind(case)
        .bind(now)
        .bind(format!("opened from alert {id} ({kind})"))
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// PostgreSQL: as [`open_from_alert_sqlite`].
pub(crate) async fn open_from_alert_pg(
    tx: &mut sqlx::PgConnection,
    id: &str,
    kind: &str,
    now: OffsetDateTime,
) -> Result<()> {
    let now = truncate_micros(now);
    if kind == "silent_10d" {
        let escalated = sqlx::query(
            "UPDATE compliance_cases SET bucket = 'over_10d', escalated_by = $1, updated_at = $2 \
             WHERE id = (SELECT c.id FROM compliance_cases c JOIN alerts a ON a.id = $1 \
               WHERE c.kind = 'vms_loss' AND c.vessel_id = a.vessel_id AND c.bucket = '6h_10d' \
                 AND c.status IN ('detected', 'verified') ORDER BY c.id DESC LIMIT 1) \
             RETURNING id, status",
        )
        .bind(id)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = escalated {
            let (case, status): (i64, String) = (row.try_get("id")?, row.try_get("status")?);
            sqlx::query(
                "INSERT INTO compliance_changes (case_id, at, who, from_status, to_status, note) \
                 VALUES ($1, $2, 'rules', $3, $3, $4)",
            )
            .bind(case)
            .bind(now)
            .bind(status)
            .bind(format!("silent over 10 days (alert {id}): return to port"))
            .execute(&mut *tx)
            .await?;
            return Ok(());
        }
    } else if !COMPLIANCE_ALERT_KINDS.contains(&kind) {
        return Ok(());
    }
    let opened: Option<i64> = sqlx::query_scalar(
        "INSERT INTO compliance_cases (kind, vessel_id, alert_id, bucket, zone_id, zone_class, \
           country, detected_at, opened_at, updated_at) \
         SELECT CASE WHEN a.kind LIKE 'silent%' THEN 'vms_loss' ELSE 'boundary' END, \
           a.vessel_id, a.id, \
           CASE a.kind WHEN 'silent_6h' THEN '6h_10d' WHEN 'silent_10d' THEN 'over_10d' END, \
           a.zone_id, a.zone_class, a.country, COALESCE(a.fix_time, a.raised_at), $2, $2 \
         FROM alerts a WHERE a.id = $1 \
         ON CONFLICT (alert_id) DO NOTHING RETURNING id",
    )
    .bind(id)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(case) = opened {
        sqlx::query(
            "INSERT INTO compliance_changes (case_id, at, who, from_status, to_status, note) \
             VALUES ($1, $2, 'rules', NULL, 'detected', $3)",
        )
        .bind(case)
        .bind(now)
        .bind(format!("opened from alert {id} ({kind})"))
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

// -------------------------------------------------------------------------------------
// Reading and moving cases.

const SQLITE_CASE: &str = "c.id, c.kind, v.vessel_key, c.alert_id, c.escalated_by, c.bucket, \
     c.zone_id, c.zone_class, c.country, c.detected_us, c.opened_us, c.status, \
     c.decision_number, c.amount_vnd, c.decided_on, c.payment_proof, c.closed_reason, \
     c.updated_us, a.lon, a.lat, \
     (SELECT min(e.fix_us) FROM alerts e WHERE e.kind = 'exited' \
      AND e.vessel_id = c.vessel_id AND e.zone_id = c.zone_id AND e.fix_us >= a.fix_us) AS left_us \
     FROM compliance_cases c LEFT JOIN vessels v ON v.id = c.vessel_id \
     JOIN alerts a ON a.id = c.alert_id";

const PG_CASE: &str = "c.id, c.kind, v.vessel_key, c.alert_id, c.escalated_by, c.bucket, \
     c.zone_id, c.zone_class, c.country, c.detected_at, c.opened_at, c.status, \
     c.decision_number, c.amount_vnd, c.decided_on, c.payment_proof, c.closed_reason, \
     c.updated_at, a.lon, a.lat, \
     (SELECT min(e.fix_time) FROM alerts e WHERE e.kind = 'exited' \
      AND e.vessel_id = c.vessel_id AND e.zone_id = c.zone_id AND e.fix_time >= a.fix_time) \
     AS left_at \
     FROM compliance_cases c LEFT JOIN vessels v ON v.id = c.vessel_id \
     JOIN alerts a ON a.id = c.alert_id";

/// SQLite: the register's current entries of the provinces `(…)`, matched to
/// `v.vessel_key`.
const SQLITE_IN_PROVINCE: &str = " AND EXISTS (SELECT 1 FROM registry_entries r \
     WHERE r.superseded_us IS NULL AND r.province IN ";
const SQLITE_IN_PROVINCE_END: &str = " AND (v.vessel_key = 'reg:' || r.registration \
     OR v.vessel_key = printf('mmsi:%09d', r.mmsi)))";

/// PostgreSQL: the same.
const PG_IN_PROVINCE: &str = " AND EXISTS (SELECT 1 FROM registry_entries r \
     WHERE r.superseded_at IS NULL AND r.province IN ";
const PG_IN_PROVINCE_END: &str = " AND (v.vessel_key = 'reg:' || r.registration \
     OR v.vessel_key = 'mmsi:' || lpad(r.mmsi::text, 9, '0')))";

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::CorruptRow(format!("compliance: {what}"))
}

fn vessel(key: Option<String>) -> Result<Option<VesselId>> {
    key.map(|k| VesselId::from_key(&k).ok_or_else(|| corrupt(format!("vessel key {k:?}"))))
        .transpose()
}

fn sanction(
    decision_number: Option<String>,
    amount_vnd: Option<i64>,
    decided_on: Option<Date>,
    payment_proof: Option<String>,
) -> Option<Sanction> {
    Some(Sanction {
        decision_number: decision_number?,
        amount_vnd: amount_vnd?,
        decided_on: decided_on?,
        payment_proof,
    })
}

fn micros(us: i64) -> Result<OffsetDateTime> {
    from_micros(us).map_err(|e| corrupt(format!("time {us}: {e}")))
}

fn sqlite_case(row: &SqliteRow) -> Result<ComplianceCase> {
    Ok(ComplianceCase {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        vessel: vessel(row.try_get("vessel_key")?)?,
        alert_id: row.try_get("alert_id")?,
        escalated_by: row.try_get("escalated_by")?,
        bucket: row.try_get("bucket")?,
        zone_id: row.try_get("zone_id")?,
        zone_class: row.try_get("zone_class")?,
        country: row.try_get("country")?,
        detected_at: micros(row.try_get("detected_us")?)?,
        opened_at: micros(row.try_get("opened_us")?)?,
        status: row.try_get("status")?,
        sanction: sanction(
            row.try_get("decision_number")?,
            row.try_get("amount_vnd")?,
            row.try_get::<Option<String>, _>("decided_on")?
                .map(|d| parse_day(&d).ok_or_else(|| corrupt(format!("date {d:?}"))))
                .transpose()?,
            row.try_get("payment_proof")?,
        ),
        closed_reason: row.try_get("closed_reason")?,
        updated_at: micros(row.try_get("updated_us")?)?,
        position: crate::alerts::position(row.try_get("lon")?, row.try_get("lat")?)?,
        left_at: row
            .try_get::<Option<i64>, _>("left_us")?
            .map(micros)
            .transpose()?,
    })
}

fn pg_case(row: &PgRow) -> Result<ComplianceCase> {
    Ok(ComplianceCase {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        vessel: vessel(row.try_get("vessel_key")?)?,
        alert_id: row.try_get("alert_id")?,
        escalated_by: row.try_get("escalated_by")?,
        bucket: row.try_get("bucket")?,
        zone_id: row.try_get("zone_id")?,
        zone_class: row.try_get("zone_class")?,
        country: row.try_get("country")?,
        detected_at: row.try_get("detected_at")?,
        opened_at: row.try_get("opened_at")?,
        status: row.try_get("status")?,
        sanction: sanction(
            row.try_get("decision_number")?,
            row.try_get("amount_vnd")?,
            row.try_get("decided_on")?,
            row.try_get("payment_proof")?,
        ),
        closed_reason: row.try_get("closed_reason")?,
        updated_at: row.try_get("updated_at")?,
        position: crate::alerts::position(row.try_get("lon")?, row.try_get("lat")?)?,
        left_at: row.try_get("left_at")?,
    })
}

impl Store {
    /// The compliance cases matching `filter`, oldest detection first (at most
    /// `filter.limit`).
    pub async fn compliance_cases(&self, filter: &ComplianceFilter) -> Result<Vec<ComplianceCase>> {
        match self {
            Store::Sqlite(s) => {
                let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(format!(
                    "SELECT {SQLITE_CASE} WHERE true"
                ));
                if let Some(id) = filter.id {
                    q.push(" AND c.id = ").push_bind(id);
                }
                if let Some(k) = &filter.kind {
                    q.push(" AND c.kind = ").push_bind(k.clone());
                }
                if let Some(st) = &filter.status {
                    q.push(" AND c.status = ").push_bind(st.clone());
                }
                if let Some(t) = filter.from {
                    q.push(" AND c.detected_us >= ").push_bind(to_micros(t));
                }
                if let Some(t) = filter.to {
                    q.push(" AND c.detected_us < ").push_bind(to_micros(t));
                }
                if let Some(provinces) = &filter.provinces {
                    q.push(SQLITE_IN_PROVINCE).push("(NULL");
                    for p in provinces {
                        q.push(", ").push_bind(p.clone());
                    }
                    q.push(")").push(SQLITE_IN_PROVINCE_END);
                }
                q.push(" ORDER BY c.detected_us, c.id");
                if let Some(limit) = filter.limit {
                    q.push(" LIMIT ").push_bind(limit);
                }
                let rows = q.build().fetch_all(s.pool()).await?;
                rows.iter().map(sqlite_case).collect()
            }
            Store::Postgres(s) => {
                let mut q = sqlx::QueryBuilder::<sqlx::Postgres>::new(format!(
                    "SELECT {PG_CASE} WHERE true"
                ));
                if let Some(id) = filter.id {
                    q.push(" AND c.id = ").push_bind(id);
                }
                if let Some(k) = &filter.kind {
                    q.push(" AND c.kind = ").push_bind(k.clone());
                }
                if let Some(st) = &filter.status {
                    q.push(" AND c.status = ").push_bind(st.clone());
                }
                if let Some(t) = filter.from {
                    q.push(" AND c.detected_at >= ").push_bind(t);
                }
                if let Some(t) = filter.to {
                    q.push(" AND c.detected_at < ").push_bind(t);
                }
                if let Some(provinces) = &filter.provinces {
                    q.push(PG_IN_PROVINCE).push("(NULL");
                    for p in provinces {
                        q.push(", ").push_bind(p.clone());
                    }
                    q.push(")").push(PG_IN_PROVINCE_END);
                }
                q.push(" ORDER BY c.detected_at, c.id");
                if let Some(limit) = filter.limit {
                    q.push(" LIMIT ").push_bind(limit);
                }
                let rows = q.build().fetch_all(s.pool()).await?;
                rows.iter().map(pg_case).collect()
            }
        }
    }

    /// One case and its history (oldest change first); `None` for no such case.
    pub async fn compliance_case(
        &self,
        id: i64,
    ) -> Result<Option<(ComplianceCase, Vec<ComplianceChange>)>> {
        match self {
            Store::Sqlite(s) => {
                let Some(row) = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {SQLITE_CASE} WHERE c.id = ?1"
                )))
                .bind(id)
                .fetch_optional(s.pool())
                .await?
                else {
                    return Ok(None);
                };
                let changes = sqlx::query(
                    "SELECT at_us, who, from_status, to_status, note FROM compliance_changes \
                     WHERE case_id = ?1 ORDER BY id",
                )
                .bind(id)
                .fetch_all(s.pool())
                .await?
                .iter()
                .map(|r| {
                    Ok(ComplianceChange {
                        at: micros(r.try_get("at_us")?)?,
                        who: r.try_get("who")?,
                        from_status: r.try_get("from_status")?,
                        to_status: r.try_get("to_status")?,
                        note: r.try_get("note")?,
                    })
                })
                .collect::<Result<_>>()?;
                Ok(Some((sqlite_case(&row)?, changes)))
            }
            Store::Postgres(s) => {
                let Some(row) = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {PG_CASE} WHERE c.id = $1"
                )))
                .bind(id)
                .fetch_optional(s.pool())
                .await?
                else {
                    return Ok(None);
                };
                let changes = sqlx::query(
                    "SELECT at, who, from_status, to_status, note FROM compliance_changes \
                     WHERE case_id = $1 ORDER BY id",
                )
                .bind(id)
                .fetch_all(s.pool())
                .await?
                .iter()
                .map(|r| {
                    Ok(ComplianceChange {
                        at: r.try_get("at")?,
                        who: r.try_get("who")?,
                        from_status: r.try_get("from_status")?,
                        to_status: r.try_get("to_status")?,
                        note: r.try_get("note")?,
                    })
                })
                .collect::<Result<_>>()?;
                Ok(Some((pg_case(&row)?, changes)))
            }
        }
    }

    /// Moves case `id` along its workflow, by `who`, with an optional `note`; the case as
    /// it is after.
    pub async fn act_on_compliance_case(
        &self,
        id: i64,
        action: &ComplianceAction,
        who: &str,
        note: Option<&str>,
    ) -> std::result::Result<ComplianceCase, ComplianceError> {
        let (to, from, verb): (&str, &[&str], &'static str) = match action {
            ComplianceAction::Verify => ("verified", &["detected"], "verified"),
            ComplianceAction::Sanction(_) => ("sanctioned", &["verified"], "sanctioned"),
            ComplianceAction::Close(reason) => {
                if !CLOSE_REASONS.contains(&reason.as_str()) {
                    return Err(ComplianceError::BadReason(reason.clone()));
                }
                ("closed", &["detected", "verified"], "closed")
            }
        };
        let (s, sanction) = match action {
            ComplianceAction::Sanction(s) => (Some(s), true),
            _ => (None, false),
        };
        let reason = match action {
            ComplianceAction::Close(r) => Some(r.as_str()),
            _ => None,
        };
        let now = OffsetDateTime::now_utc();
        match self {
            Store::Sqlite(store) => {
                let now = to_micros(now);
                let mut tx = store.pool().begin_with("BEGIN IMMEDIATE").await?;
                let status: Option<String> =
                    sqlx::query_scalar("SELECT status FROM compliance_cases WHERE id = ?1")
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?;
                let status = status.ok_or(ComplianceError::NoSuchCase(id))?;
                if !from.contains(&status.as_str()) {
                    return Err(ComplianceError::Conflict {
                        id,
                        status,
                        action: verb,
                    });
                }
                sqlx::query(
                    "UPDATE compliance_cases SET status = ?2, updated_us = ?3, \
                       decision_number = CASE WHEN ?4 THEN ?5 ELSE decision_number END, \
                       amount_vnd = CASE WHEN ?4 THEN ?6 ELSE amount_vnd END, \
                       decided_on = CASE WHEN ?4 THEN ?7 ELSE decided_on END, \
                       payment_proof = CASE WHEN ?4 THEN ?8 ELSE payment_proof END, \
                       closed_reason = COALESCE(?9, closed_reason) WHERE id = ?1",
                )
                .bind(id)
                .bind(to)
                .bind(now)
                .bind(sanction)
                .bind(s.map(|s| s.decision_number.clone()))
                .bind(s.map(|s| s.amount_vnd))
                .bind(s.map(|s| day_text(s.decided_on)))
                .bind(s.and_then(|s| s.payment_proof.clone()))
                .bind(reason)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO compliance_changes (case_id, at_us, who, from_status, to_status, \
                       note) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .bind(id)
                .bind(now)
                .bind(who)
                .bind(&status)
                .bind(to)
                .bind(note)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
            }
            Store::Postgres(store) => {
                let now = truncate_micros(now);
                let mut tx = store.pool().begin().await?;
                let status: Option<String> = sqlx::query_scalar(
                    "SELECT status FROM compliance_cases WHERE id = $1 FOR UPDATE",
                )
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
                let status = status.ok_or(ComplianceError::NoSuchCase(id))?;
                if !from.contains(&status.as_str()) {
                    return Err(ComplianceError::Conflict {
                        id,
                        status,
                        action: verb,
                    });
                }
                sqlx::query(
                    "UPDATE compliance_cases SET status = $2, updated_at = $3, \
                       decision_number = CASE WHEN $4 THEN $5 ELSE decision_number END, \
                       amount_vnd = CASE WHEN $4 THEN $6 ELSE amount_vnd END, \
                       decided_on = CASE WHEN $4 THEN $7 ELSE decided_on END, \
                       payment_proof = CASE WHEN $4 THEN $8 ELSE payment_proof END, \
                       closed_reason = COALESCE($9, closed_reason) WHERE id = $1",
                )
                .bind(id)
                .bind(to)
                .bind(now)
                .bind(sanction)
                .bind(s.map(|s| s.decision_number.clone()))
                .bind(s.map(|s| s.amount_vnd))
                .bind(s.map(|s| s.decided_on))
                .bind(s.and_then(|s| s.payment_proof.clone()))
                .bind(reason)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO compliance_changes (case_id, at, who, from_status, to_status, \
                       note) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(id)
                .bind(now)
                .bind(who)
                .bind(&status)
                .bind(to)
                .bind(note)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
            }
        }
        match self.compliance_case(id).await? {
            Some((case, _)) => Ok(case),
            None => Err(ComplianceError::NoSuchCase(id)),
        }
    }

    /// How many positions each vessel (by key) has with `from <= fix_time < to`, by key.
    pub async fn position_counts(
        &self,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<(String, u64)>> {
        let rows: Vec<(String, i64)> = match self {
            Store::Sqlite(s) => {
                sqlx::query_as(
                    "SELECT v.vessel_key, count(*) FROM positions p \
                     JOIN vessels v ON v.id = p.vessel_id \
                     WHERE p.fix_us >= ?1 AND p.fix_us < ?2 GROUP BY v.vessel_key ORDER BY 1",
                )
                .bind(to_micros(from))
                .bind(to_micros(to))
                .fetch_all(s.pool())
                .await?
            }
            // Counted by vessel id first, then joined to the keys: the join and the
            // grouping run over one row per vessel instead of one per position (twice as
            // fast on a month of 11 M positions; scripts/bench-report).
            Store::Postgres(s) => {
                sqlx::query_as(
                    "SELECT v.vessel_key, c.n FROM \
                       (SELECT vessel_id, count(*) AS n FROM positions \
                        WHERE fix_time >= $1 AND fix_time < $2 GROUP BY vessel_id) c \
                     JOIN vessels v ON v.id = c.vessel_id ORDER BY 1",
                )
                .bind(from)
                .bind(to)
                .fetch_all(s.pool())
                .await?
            }
        };
        Ok(rows
            .into_iter()
            .map(|(k, n)| (k, u64::try_from(n).unwrap_or(0)))
            .collect())
    }

    /// Records a captain's manual position report; its id.
    pub async fn record_manual_report(&self, r: &ManualReport) -> Result<i64> {
        match self {
            Store::Sqlite(s) => {
                let mut tx = s.pool().begin_with("BEGIN IMMEDIATE").await?;
                sqlx::query(
                    "INSERT INTO vessels (vessel_key, mmsi, registration) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (vessel_key) DO NOTHING",
                )
                .bind(r.vessel.key())
                .bind(r.vessel.mmsi())
                .bind(r.vessel.registration().map(str::to_owned))
                .execute(&mut *tx)
                .await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO manual_reports (vessel_id, fix_us, received_us, lon, lat, \
                       channel, recorded_by, note) \
                     SELECT id, ?2, ?3, ?4, ?5, ?6, ?7, ?8 FROM vessels WHERE vessel_key = ?1 \
                     RETURNING id",
                )
                .bind(r.vessel.key())
                .bind(to_micros(r.fix_time))
                .bind(to_micros(r.received_at))
                .bind(r.lon)
                .bind(r.lat)
                .bind(&r.channel)
                .bind(&r.recorded_by)
                .bind(&r.note)
                .fetch_one(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(id)
            }
            Store::Postgres(s) => {
                let mut tx = s.pool().begin().await?;
                sqlx::query(
                    "INSERT INTO vessels (vessel_key, mmsi, registration) VALUES ($1, $2, $3) \
                     ON CONFLICT (vessel_key) DO NOTHING",
                )
                .bind(r.vessel.key())
                .bind(r.vessel.mmsi())
                .bind(r.vessel.registration())
                .execute(&mut *tx)
                .await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO manual_reports (vessel_id, fix_time, received_at, lon, lat, \
                       channel, recorded_by, note) \
                     SELECT id, $2, $3, $4, $5, $6, $7, $8 FROM vessels WHERE vessel_key = $1 \
                     RETURNING id",
                )
                .bind(r.vessel.key())
                .bind(truncate_micros(r.fix_time))
                .bind(truncate_micros(r.received_at))
                .bind(r.lon)
                .bind(r.lat)
                .bind(&r.channel)
                .bind(&r.recorded_by)
                .bind(&r.note)
                .fetch_one(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(id)
            }
        }
    }

    /// A vessel's manual reports, by fix time.
    pub async fn manual_reports(&self, vessel: &VesselId) -> Result<Vec<ManualReport>> {
        match self {
            Store::Sqlite(s) => sqlx::query(
                "SELECT m.fix_us, m.received_us, m.lon, m.lat, m.channel, m.recorded_by, m.note \
                 FROM manual_reports m JOIN vessels v ON v.id = m.vessel_id \
                 WHERE v.vessel_key = ?1 ORDER BY m.fix_us, m.id",
            )
            .bind(vessel.key())
            .fetch_all(s.pool())
            .await?
            .iter()
            .map(|r| {
                Ok(ManualReport {
                    vessel: vessel.clone(),
                    fix_time: micros(r.try_get("fix_us")?)?,
                    received_at: micros(r.try_get("received_us")?)?,
                    lon: r.try_get("lon")?,
                    lat: r.try_get("lat")?,
                    channel: r.try_get("channel")?,
                    recorded_by: r.try_get("recorded_by")?,
                    note: r.try_get("note")?,
                })
            })
            .collect(),
            Store::Postgres(s) => sqlx::query(
                "SELECT m.fix_time, m.received_at, m.lon, m.lat, m.channel, m.recorded_by, \
                   m.note FROM manual_reports m JOIN vessels v ON v.id = m.vessel_id \
                 WHERE v.vessel_key = $1 ORDER BY m.fix_time, m.id",
            )
            .bind(vessel.key())
            .fetch_all(s.pool())
            .await?
            .iter()
            .map(|r| {
                Ok(ManualReport {
                    vessel: vessel.clone(),
                    fix_time: r.try_get("fix_time")?,
                    received_at: r.try_get("received_at")?,
                    lon: r.try_get("lon")?,
                    lat: r.try_get("lat")?,
                    channel: r.try_get("channel")?,
                    recorded_by: r.try_get("recorded_by")?,
                    note: r.try_get("note")?,
                })
            })
            .collect(),
        }
    }
}
