//! The notifier's errors.

use haidang_store::StoreError;

/// A routing file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Not TOML, or not the routing file's shape (the message names the key).
    #[error("routing file is not valid TOML for it: {0}")]
    Toml(String),
    /// Well-formed but inconsistent (an unknown recipient, a kind not routed...).
    #[error("routing file: {0}")]
    Invalid(String),
}

/// What went wrong raising alerts or running the worker.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// The store failed.
    #[error("store error")]
    Store(#[from] StoreError),
    /// An alert's `details` is not a JSON object.
    #[error("alert {0}: details is not a JSON object")]
    BadDetails(String),
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client")]
    HttpClient(#[source] reqwest::Error),
    /// The SMTP settings are unusable (a bad sender address).
    #[error("smtp settings: {0}")]
    Smtp(String),
}
