//! Accounts, sessions and API tokens on PostgreSQL.

use sqlx::Row;
use sqlx::postgres::PgRow;
use time::OffsetDateTime;

use crate::accounts::{Account, AccountError, LoginRecord, NewAccount, role, taken};
use crate::error::Result;
use crate::model::truncate_micros;
use crate::pg::PgStore;

fn account(row: &PgRow) -> Result<Account> {
    Ok(Account {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        role: role(row.try_get::<&str, _>("role")?)?,
        mission: row.try_get("mission")?,
        province: row.try_get("province")?,
    })
}

impl PgStore {
    pub(crate) async fn create_user(
        &self,
        user: &NewAccount,
        password_hash: &str,
        replace: bool,
        now: OffsetDateTime,
    ) -> Result<i64, AccountError> {
        const INSERT: &str = "INSERT INTO users (name, password_hash, role, mission, \
             province, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
        const UPSERT: &str = "INSERT INTO users (name, password_hash, role, mission, \
             province, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash, \
             role = excluded.role, mission = excluded.mission, province = excluded.province, \
             failed_logins = 0, locked_until = NULL RETURNING id";
        sqlx::query_scalar(if replace { UPSERT } else { INSERT })
            .bind(&user.name)
            .bind(password_hash)
            .bind(user.role.as_str())
            .bind(&user.mission)
            .bind(&user.province)
            .bind(truncate_micros(now))
            .fetch_one(self.pool())
            .await
            .map_err(|e| taken(e, &user.name))
    }

    pub(crate) async fn login_record(&self, name: &str) -> Result<Option<LoginRecord>> {
        let row = sqlx::query(
            "SELECT id, name, role, mission, province, password_hash, failed_logins, \
             locked_until FROM users WHERE name = $1",
        )
        .bind(name)
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| {
            Ok(LoginRecord {
                account: account(&row)?,
                password_hash: row.try_get("password_hash")?,
                failed_logins: u32::try_from(row.try_get::<i32, _>("failed_logins")?)
                    .unwrap_or(u32::MAX),
                locked_until: row.try_get("locked_until")?,
            })
        })
        .transpose()
    }

    pub(crate) async fn set_login_failures(
        &self,
        user_id: i64,
        failed_logins: u32,
        locked_until: Option<OffsetDateTime>,
    ) -> Result<()> {
        sqlx::query("UPDATE users SET failed_logins = $1, locked_until = $2 WHERE id = $3")
            .bind(i32::try_from(failed_logins).unwrap_or(i32::MAX))
            .bind(locked_until.map(truncate_micros))
            .bind(user_id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    pub(crate) async fn create_session(
        &self,
        id_hash: &str,
        user_id: i64,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(truncate_micros(now))
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(id_hash)
        .bind(user_id)
        .bind(truncate_micros(now))
        .bind(truncate_micros(expires_at))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn session_account(
        &self,
        id_hash: &str,
        now: OffsetDateTime,
    ) -> Result<Option<Account>> {
        let row = sqlx::query(
            "SELECT u.id, u.name, u.role, u.mission, u.province FROM sessions s \
             JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1 AND s.expires_at > $2",
        )
        .bind(id_hash)
        .bind(truncate_micros(now))
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(account).transpose()
    }

    pub(crate) async fn delete_session(&self, id_hash: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub(crate) async fn create_token(
        &self,
        token: &NewAccount,
        token_hash: &str,
        replace: bool,
        now: OffsetDateTime,
    ) -> Result<i64, AccountError> {
        const INSERT: &str = "INSERT INTO api_tokens (name, token_hash, role, mission, \
             province, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
        const UPSERT: &str = "INSERT INTO api_tokens (name, token_hash, role, mission, \
             province, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (name) DO UPDATE SET token_hash = excluded.token_hash, \
             role = excluded.role, mission = excluded.mission, province = excluded.province \
             RETURNING id";
        sqlx::query_scalar(if replace { UPSERT } else { INSERT })
            .bind(&token.name)
            .bind(token_hash)
            .bind(token.role.as_str())
            .bind(&token.mission)
            .bind(&token.province)
            .bind(truncate_micros(now))
            .fetch_one(self.pool())
            .await
            .map_err(|e| taken(e, &token.name))
    }

    pub(crate) async fn token_account(&self, token_hash: &str) -> Result<Option<Account>> {
        let row = sqlx::query(
            "SELECT id, name, role, mission, province FROM api_tokens WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(account).transpose()
    }
}
