//! Cases and the crew-data access log on SQLite. `cases_pg.rs` is the same code with
//! PostgreSQL's placeholders, column names and time type.

use sqlx::Row;
use sqlx::sqlite::SqliteRow as DbRow;
use time::OffsetDateTime;

use crate::cases::{
    AuditRecord, CREW_FIELDS, CaseDetail, CaseError, CaseEvent, CaseRecord, CaseScope, CaseStatus,
    CrewAccess, CrewMember, NewCase, NewCrewMember, status, vessel,
};
use crate::error::{Result, StoreError};
use crate::model::{from_micros, to_micros};
use crate::rows::count;
use crate::sqlite::SqliteStore as Db;

/// A time as bound.
fn t(at: OffsetDateTime) -> i64 {
    to_micros(at)
}

/// A time column read back.
fn get_time(row: &DbRow, column: &str) -> Result<OffsetDateTime> {
    from_micros(row.try_get(column)?).map_err(|e| StoreError::CorruptRow(e.to_string()))
}

/// A nullable time column read back.
fn get_opt_time(row: &DbRow, column: &str) -> Result<Option<OffsetDateTime>> {
    row.try_get::<Option<i64>, _>(column)?
        .map(|us| from_micros(us).map_err(|e| StoreError::CorruptRow(e.to_string())))
        .transpose()
}

const BEGIN: &str = "BEGIN IMMEDIATE";

/// The case columns and the crew count (a literal, so that `concat!` can extend it).
macro_rules! case_columns {
    () => {
        "SELECT c.id, c.opened_us, c.opened_by, c.vessel_key, \
     c.detained_us, c.lon, c.lat, c.place, c.detaining_country, c.detaining_authority, \
     c.mission, c.province, c.status, c.closed_reason, c.updated_us, \
     (SELECT count(*) FROM case_crew k WHERE k.case_id = c.id) AS crew_count FROM cases c"
    };
}

fn case_record(row: &DbRow) -> Result<CaseRecord> {
    let lon: Option<f64> = row.try_get("lon")?;
    let lat: Option<f64> = row.try_get("lat")?;
    Ok(CaseRecord {
        id: row.try_get("id")?,
        opened_at: get_time(row, "opened_us")?,
        opened_by: row.try_get("opened_by")?,
        vessel: vessel(row.try_get("vessel_key")?)?,
        detained_at: get_opt_time(row, "detained_us")?,
        position: lon.zip(lat),
        place: row.try_get("place")?,
        detaining_country: row.try_get("detaining_country")?,
        detaining_authority: row.try_get("detaining_authority")?,
        mission: row.try_get("mission")?,
        province: row.try_get("province")?,
        status: status(row.try_get::<&str, _>("status")?)?,
        closed_reason: row.try_get("closed_reason")?,
        updated_at: get_time(row, "updated_us")?,
        crew_count: count(row.try_get("crew_count")?),
    })
}

fn case_event(row: &DbRow) -> Result<CaseEvent> {
    let opt_status = |column: &str| -> Result<Option<CaseStatus>> {
        row.try_get::<Option<&str>, _>(column)?
            .map(status)
            .transpose()
    };
    Ok(CaseEvent {
        id: row.try_get("id")?,
        at: get_time(row, "at_us")?,
        who: row.try_get("who")?,
        kind: row.try_get("kind")?,
        text: row.try_get("text")?,
        from_status: opt_status("from_status")?,
        to_status: opt_status("to_status")?,
    })
}

impl Db {
    /// The case's status if it is in scope, within the transaction.
    async fn scoped_status(
        conn: &mut <sqlx::Sqlite as sqlx::Database>::Connection,
        id: i64,
        scope: &CaseScope,
    ) -> Result<CaseStatus, CaseError> {
        let (mission, province) = scope.filters();
        let found: Option<String> = sqlx::query_scalar(
            "SELECT status FROM cases WHERE id = ?1 \
             AND (CAST(?2 AS TEXT) IS NULL OR mission = ?2) \
             AND (CAST(?3 AS TEXT) IS NULL OR province = ?3)",
        )
        .bind(id)
        .bind(mission)
        .bind(province)
        .fetch_optional(&mut *conn)
        .await?;
        match found {
            Some(s) => Ok(status(&s)?),
            None => Err(CaseError::NoSuchCase(id)),
        }
    }

    async fn insert_event(
        conn: &mut <sqlx::Sqlite as sqlx::Database>::Connection,
        id: i64,
        event: (&str, Option<&str>, Option<CaseStatus>, Option<CaseStatus>),
        by: &str,
        now: OffsetDateTime,
    ) -> Result<CaseEvent, CaseError> {
        let (kind, text, from, to) = event;
        let row = sqlx::query(
            "INSERT INTO case_events (case_id, at_us, who, kind, text, from_status, to_status) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
             RETURNING id, at_us, who, kind, text, from_status, to_status",
        )
        .bind(id)
        .bind(t(now))
        .bind(by)
        .bind(kind)
        .bind(text)
        .bind(from.map(CaseStatus::as_str))
        .bind(to.map(CaseStatus::as_str))
        .fetch_one(&mut *conn)
        .await?;
        Ok(case_event(&row)?)
    }

    async fn link_alert(
        conn: &mut <sqlx::Sqlite as sqlx::Database>::Connection,
        id: i64,
        alert: &str,
        now: OffsetDateTime,
    ) -> Result<(), CaseError> {
        let exists: Option<String> = sqlx::query_scalar("SELECT id FROM alerts WHERE id = ?1")
            .bind(alert)
            .fetch_optional(&mut *conn)
            .await?;
        if exists.is_none() {
            return Err(CaseError::NoSuchAlert(alert.to_owned()));
        }
        sqlx::query(
            "INSERT INTO case_alerts (case_id, alert_id, linked_us) VALUES (?1, ?2, ?3) \
             ON CONFLICT (case_id, alert_id) DO NOTHING",
        )
        .bind(id)
        .bind(alert)
        .bind(t(now))
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    pub(crate) async fn open_case(
        &self,
        case: &NewCase,
        now: OffsetDateTime,
    ) -> Result<i64, CaseError> {
        let mut tx = self.pool().begin_with(BEGIN).await?;
        let (mut vessel_key, mut detained, mut position) = (
            case.vessel.as_ref().map(|v| v.key().to_owned()),
            case.detained_at,
            case.position,
        );
        if let Some(alert) = &case.alert_id {
            let row = sqlx::query(
                "SELECT v.vessel_key, a.fix_us, a.lon, a.lat FROM alerts a \
                 LEFT JOIN vessels v ON v.id = a.vessel_id WHERE a.id = ?1",
            )
            .bind(alert)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| CaseError::NoSuchAlert(alert.clone()))?;
            vessel_key = vessel_key.or(row.try_get("vessel_key")?);
            detained = detained.or(get_opt_time(&row, "fix_us")?);
            let lon: Option<f64> = row.try_get("lon")?;
            let lat: Option<f64> = row.try_get("lat")?;
            position = position.or(lon.zip(lat));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO cases (opened_us, opened_by, vessel_key, detained_us, lon, lat, place, \
               detaining_country, detaining_authority, mission, province, updated_us) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?1) RETURNING id",
        )
        .bind(t(now))
        .bind(&case.opened_by)
        .bind(vessel_key)
        .bind(detained.map(t))
        .bind(position.map(|p| p.0))
        .bind(position.map(|p| p.1))
        .bind(&case.place)
        .bind(&case.detaining_country)
        .bind(&case.detaining_authority)
        .bind(&case.mission)
        .bind(&case.province)
        .fetch_one(&mut *tx)
        .await?;
        Self::insert_event(
            &mut tx,
            id,
            ("opened", None, None, None),
            &case.opened_by,
            now,
        )
        .await?;
        if let Some(alert) = &case.alert_id {
            Self::link_alert(&mut tx, id, alert, now).await?;
            Self::insert_event(
                &mut tx,
                id,
                ("alert_linked", Some(alert), None, None),
                &case.opened_by,
                now,
            )
            .await?;
        }
        if let Some(note) = &case.note {
            Self::insert_event(
                &mut tx,
                id,
                ("note", Some(note), None, None),
                &case.opened_by,
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    pub(crate) async fn cases(
        &self,
        scope: &CaseScope,
        status: Option<CaseStatus>,
        limit: u32,
    ) -> Result<Vec<CaseRecord>> {
        let (mission, province) = scope.filters();
        let rows = sqlx::query(concat!(
            case_columns!(),
            " WHERE (CAST(?1 AS TEXT) IS NULL OR c.mission = ?1) \
              AND (CAST(?2 AS TEXT) IS NULL OR c.province = ?2) \
              AND (CAST(?3 AS TEXT) IS NULL OR c.status = ?3) \
              ORDER BY c.id DESC LIMIT ?4"
        ))
        .bind(mission)
        .bind(province)
        .bind(status.map(CaseStatus::as_str))
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(case_record).collect()
    }

    pub(crate) async fn detentions(
        &self,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<CaseRecord>> {
        let rows = sqlx::query(concat!(
            case_columns!(),
            " WHERE coalesce(c.detained_us, c.opened_us) >= ?1 \
              AND coalesce(c.detained_us, c.opened_us) < ?2 ORDER BY c.id"
        ))
        .bind(t(from))
        .bind(t(to))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(case_record).collect()
    }

    pub(crate) async fn case(&self, id: i64, scope: &CaseScope) -> Result<Option<CaseDetail>> {
        let (mission, province) = scope.filters();
        let mut tx = self.pool().begin().await?;
        let row = sqlx::query(concat!(
            case_columns!(),
            " WHERE c.id = ?1 AND (CAST(?2 AS TEXT) IS NULL OR c.mission = ?2) \
              AND (CAST(?3 AS TEXT) IS NULL OR c.province = ?3)"
        ))
        .bind(id)
        .bind(mission)
        .bind(province)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let case = case_record(&row)?;
        let timeline = sqlx::query(
            "SELECT id, at_us, who, kind, text, from_status, to_status FROM case_events \
             WHERE case_id = ?1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(case_event)
        .collect::<Result<_>>()?;
        let alerts = sqlx::query_scalar(
            "SELECT alert_id FROM case_alerts WHERE case_id = ?1 ORDER BY linked_us, alert_id",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(CaseDetail {
            case,
            timeline,
            alerts,
        }))
    }

    pub(crate) async fn add_crew(
        &self,
        id: i64,
        scope: &CaseScope,
        member: &NewCrewMember,
        by: &str,
        now: OffsetDateTime,
    ) -> Result<i64, CaseError> {
        let mut tx = self.pool().begin_with(BEGIN).await?;
        Self::scoped_status(&mut tx, id, scope).await?;
        let crew_id: i64 = sqlx::query_scalar(
            "INSERT INTO case_crew (case_id, name, date_of_birth, id_number, home_town, \
               family_contact, added_us, added_by) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
        )
        .bind(id)
        .bind(&member.name)
        .bind(&member.date_of_birth)
        .bind(&member.id_number)
        .bind(&member.home_town)
        .bind(&member.family_contact)
        .bind(t(now))
        .bind(by)
        .fetch_one(&mut *tx)
        .await?;
        Self::insert_event(&mut tx, id, ("crew_added", None, None, None), by, now).await?;
        sqlx::query("UPDATE cases SET updated_us = ?1 WHERE id = ?2")
            .bind(t(now))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(crew_id)
    }

    pub(crate) async fn set_case_status(
        &self,
        id: i64,
        scope: &CaseScope,
        to: CaseStatus,
        text: Option<&str>,
        by: &str,
        now: OffsetDateTime,
    ) -> Result<CaseRecord, CaseError> {
        let mut tx = self.pool().begin_with(BEGIN).await?;
        let from = Self::scoped_status(&mut tx, id, scope).await?;
        if !from.can_move_to(to) {
            return Err(CaseError::BadTransition { from, to });
        }
        let closed_reason = if to == CaseStatus::Closed { text } else { None };
        sqlx::query(
            "UPDATE cases SET status = ?1, closed_reason = ?2, updated_us = ?3 WHERE id = ?4",
        )
        .bind(to.as_str())
        .bind(closed_reason)
        .bind(t(now))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        Self::insert_event(&mut tx, id, ("status", text, Some(from), Some(to)), by, now).await?;
        let row = sqlx::query(concat!(case_columns!(), " WHERE c.id = ?1"))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        let case = case_record(&row)?;
        tx.commit().await?;
        Ok(case)
    }

    pub(crate) async fn add_case_event(
        &self,
        id: i64,
        scope: &CaseScope,
        note: Option<&str>,
        alert: Option<&str>,
        by: &str,
        now: OffsetDateTime,
    ) -> Result<CaseEvent, CaseError> {
        let mut tx = self.pool().begin_with(BEGIN).await?;
        Self::scoped_status(&mut tx, id, scope).await?;
        let event = if let Some(alert) = alert {
            Self::link_alert(&mut tx, id, alert, now).await?;
            ("alert_linked", Some(alert), None, None)
        } else {
            ("note", note, None, None)
        };
        let event = Self::insert_event(&mut tx, id, event, by, now).await?;
        sqlx::query("UPDATE cases SET updated_us = ?1 WHERE id = ?2")
            .bind(t(now))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(event)
    }

    pub(crate) async fn read_crew(
        &self,
        id: i64,
        scope: &CaseScope,
        access: &CrewAccess,
    ) -> Result<Vec<CrewMember>, CaseError> {
        let mut tx = self.pool().begin_with(BEGIN).await?;
        Self::scoped_status(&mut tx, id, scope).await?;
        let rows = sqlx::query(
            "SELECT id, name, date_of_birth, id_number, home_town, family_contact, added_us, \
             added_by FROM case_crew WHERE case_id = ?1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
        let crew = rows
            .iter()
            .map(|row| {
                Ok(CrewMember {
                    id: row.try_get("id")?,
                    member: NewCrewMember {
                        name: row.try_get("name")?,
                        date_of_birth: row.try_get("date_of_birth")?,
                        id_number: row.try_get("id_number")?,
                        home_town: row.try_get("home_town")?,
                        family_contact: row.try_get("family_contact")?,
                    },
                    added_at: get_time(row, "added_us")?,
                    added_by: row.try_get("added_by")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        sqlx::query(
            "INSERT INTO crew_access_log (at_us, who, role, case_id, action, fields, reason, \
               records) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )
        .bind(t(access.at))
        .bind(&access.who)
        .bind(&access.role)
        .bind(id)
        .bind(access.action)
        .bind(CREW_FIELDS)
        .bind(&access.reason)
        .bind(i32::try_from(crew.len()).unwrap_or(i32::MAX))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(crew)
    }

    pub(crate) async fn audit_log(
        &self,
        case: Option<i64>,
        limit: u32,
    ) -> Result<Vec<AuditRecord>> {
        let rows = sqlx::query(
            "SELECT id, at_us, who, role, case_id, action, fields, reason, records \
             FROM crew_access_log WHERE (CAST(?1 AS BIGINT) IS NULL OR case_id = ?1) \
             ORDER BY id DESC LIMIT ?2",
        )
        .bind(case)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AuditRecord {
                    id: row.try_get("id")?,
                    at: get_time(row, "at_us")?,
                    who: row.try_get("who")?,
                    role: row.try_get("role")?,
                    case_id: row.try_get("case_id")?,
                    action: row.try_get("action")?,
                    fields: row.try_get("fields")?,
                    reason: row.try_get("reason")?,
                    records: count(i64::from(row.try_get::<i32, _>("records")?)),
                })
            })
            .collect()
    }
}
