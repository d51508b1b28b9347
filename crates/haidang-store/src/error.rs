//! The store's one error type.

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL names no store this crate knows (`sqlite:` or `postgres://`).
    #[error("unsupported database url: {0} (expected sqlite:… or postgres://…)")]
    UnsupportedUrl(String),
    /// Connecting, or a statement, failed.
    #[error("database error")]
    Database(#[from] sqlx::Error),
    /// Applying the migrations failed.
    #[error("migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored row holds a value this version cannot read back (a foreign vessel key, a
    /// time out of range, a position out of range).
    #[error("corrupt row: {0}")]
    CorruptRow(String),
}

/// The store's result.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
