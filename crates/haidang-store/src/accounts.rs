//! Accounts, sessions and API tokens: who may use Haidang, and as what.
//!
//! The store keeps no secret: a password is its argon2id PHC string (hashed by the
//! caller), a session id and an API token their hex SHA-256 (hashed by the caller). Names
//! are unique among users and, separately, among tokens.

use time::OffsetDateTime;

use crate::error::{Result, StoreError};
use crate::store::Store;

/// What an account may do; the API decides what each role may reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// A watch-floor operator: the map, tracks, alerts and their actions.
    Operator,
    /// Consular staff: cases and their crews (optionally of one mission only).
    Consular,
    /// A fisheries agency (national, or one province): reads, cases without crews.
    Fisheries,
    /// Everything, including the audit log.
    Admin,
    /// A bridge on a vessel or a receiving station: the NMEA batch endpoint only.
    Device,
}

impl Role {
    /// Every role, in a fixed order.
    pub const ALL: [Role; 5] = [
        Role::Operator,
        Role::Consular,
        Role::Fisheries,
        Role::Admin,
        Role::Device,
    ];

    /// The role's name as stored and shown (`operator`, `consular`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Consular => "consular",
            Role::Fisheries => "fisheries",
            Role::Admin => "admin",
            Role::Device => "device",
        }
    }

    /// The role named `name`, if any.
    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

/// An authenticated party: a user (through a session) or an API token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// The user's or the token's row id.
    pub id: i64,
    /// The user's or the token's name.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// For a consular account: the one mission it is limited to.
    pub mission: Option<String>,
    /// For a fisheries account: the one province it is limited to.
    pub province: Option<String>,
}

/// A user or token to create: name, role and scope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAccount {
    /// Unique among users (or among tokens).
    pub name: String,
    /// Its role; a user may not be a `device`.
    pub role: Role,
    /// Only for `consular`.
    pub mission: Option<String>,
    /// Only for `fisheries`.
    pub province: Option<String>,
}

/// What a login checks: the account, its password hash and its lockout state.
#[derive(Clone, Debug)]
pub struct LoginRecord {
    /// The user.
    pub account: Account,
    /// The argon2id PHC string.
    pub password_hash: String,
    /// Failed logins since the last success.
    pub failed_logins: u32,
    /// Until when logins are refused, if locked.
    pub locked_until: Option<OffsetDateTime>,
}

/// Why an account could not be created.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The name is taken.
    #[error("the name {0:?} is taken")]
    NameTaken(String),
    /// The role or scope is not allowed (a `device` user, a mission on a non-consular
    /// account, a province on a non-fisheries one).
    #[error("{0}")]
    Invalid(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for AccountError {
    fn from(e: sqlx::Error) -> Self {
        AccountError::Store(StoreError::Database(e))
    }
}

/// Checks role and scope; `user` refuses `device`.
pub(crate) fn check_account(a: &NewAccount, user: bool) -> Result<(), AccountError> {
    if user && a.role == Role::Device {
        return Err(AccountError::Invalid(
            "a user cannot have the device role: create a token".into(),
        ));
    }
    if a.mission.is_some() && a.role != Role::Consular {
        return Err(AccountError::Invalid(
            "only a consular account is limited to a mission".into(),
        ));
    }
    if a.province.is_some() && a.role != Role::Fisheries {
        return Err(AccountError::Invalid(
            "only a fisheries account is limited to a province".into(),
        ));
    }
    if a.name.is_empty() || a.name.len() > 64 || !a.name.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(AccountError::Invalid(
            "a name is 1 to 64 printable ASCII characters without spaces".into(),
        ));
    }
    Ok(())
}

/// A unique-constraint violation (the name, or the hash) becomes `NameTaken`.
pub(crate) fn taken(e: sqlx::Error, name: &str) -> AccountError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            AccountError::NameTaken(name.to_owned())
        }
        _ => AccountError::from(e),
    }
}

/// A role column read back.
pub(crate) fn role(name: &str) -> Result<Role> {
    Role::parse(name).ok_or_else(|| StoreError::CorruptRow(format!("role {name:?}")))
}

impl Store {
    /// Creates a user with this password hash (argon2id PHC string). With `replace`, an
    /// existing user of that name gets this hash, role and scope instead (the demo's
    /// account); otherwise a taken name is [`AccountError::NameTaken`].
    pub async fn create_user(
        &self,
        user: &NewAccount,
        password_hash: &str,
        replace: bool,
        now: OffsetDateTime,
    ) -> Result<i64, AccountError> {
        check_account(user, true)?;
        match self {
            Store::Sqlite(s) => s.create_user(user, password_hash, replace, now).await,
            Store::Postgres(s) => s.create_user(user, password_hash, replace, now).await,
        }
    }

    /// The user named `name` with what a login checks, or `None`.
    pub async fn login_record(&self, name: &str) -> Result<Option<LoginRecord>> {
        match self {
            Store::Sqlite(s) => s.login_record(name).await,
            Store::Postgres(s) => s.login_record(name).await,
        }
    }

    /// Records a user's failed-login count and lock (0 and `None` after a success).
    pub async fn set_login_failures(
        &self,
        user_id: i64,
        failed_logins: u32,
        locked_until: Option<OffsetDateTime>,
    ) -> Result<()> {
        match self {
            Store::Sqlite(s) => {
                s.set_login_failures(user_id, failed_logins, locked_until)
                    .await
            }
            Store::Postgres(s) => {
                s.set_login_failures(user_id, failed_logins, locked_until)
                    .await
            }
        }
    }

    /// Stores a session (the hash of its id) for a user, valid until `expires_at`; drops
    /// the sessions that have expired.
    pub async fn create_session(
        &self,
        id_hash: &str,
        user_id: i64,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<()> {
        match self {
            Store::Sqlite(s) => s.create_session(id_hash, user_id, now, expires_at).await,
            Store::Postgres(s) => s.create_session(id_hash, user_id, now, expires_at).await,
        }
    }

    /// The user of the session whose id hashes to `id_hash`, if it has not expired at `now`.
    pub async fn session_account(
        &self,
        id_hash: &str,
        now: OffsetDateTime,
    ) -> Result<Option<Account>> {
        match self {
            Store::Sqlite(s) => s.session_account(id_hash, now).await,
            Store::Postgres(s) => s.session_account(id_hash, now).await,
        }
    }

    /// Ends a session; true if there was one.
    pub async fn delete_session(&self, id_hash: &str) -> Result<bool> {
        match self {
            Store::Sqlite(s) => s.delete_session(id_hash).await,
            Store::Postgres(s) => s.delete_session(id_hash).await,
        }
    }

    /// Creates an API token (stored as the hash of its value). With `replace`, a token of
    /// that name gets this hash, role and scope instead (the demo's device token).
    pub async fn create_token(
        &self,
        token: &NewAccount,
        token_hash: &str,
        replace: bool,
        now: OffsetDateTime,
    ) -> Result<i64, AccountError> {
        check_account(token, false)?;
        match self {
            Store::Sqlite(s) => s.create_token(token, token_hash, replace, now).await,
            Store::Postgres(s) => s.create_token(token, token_hash, replace, now).await,
        }
    }

    /// The token whose value hashes to `token_hash`, or `None`.
    pub async fn token_account(&self, token_hash: &str) -> Result<Option<Account>> {
        match self {
            Store::Sqlite(s) => s.token_account(token_hash).await,
            Store::Postgres(s) => s.token_account(token_hash).await,
        }
    }
}
