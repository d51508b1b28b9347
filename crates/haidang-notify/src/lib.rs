//! Haidang's alert delivery: who receives an alert, and getting it to them at least once.
//!
//! - [`Router`]: routing from `geodata/missions.toml` (built in) and a deployment's
//!   override file: each alert kind to recipient groups (operators, national agencies,
//!   the missions of the zone's country, the vessel's province), each recipient to its
//!   channels (a signed webhook, e-mail addresses).
//! - [`Notifier::raise`]: routes alerts, builds each alert's payload once
//!   ([`AlertPayload`]), and writes alerts and deliveries to the store's transactional
//!   outbox in one transaction; a replayed alert writes nothing.
//! - [`Worker`]: leases due deliveries, sends them concurrently (webhooks signed per
//!   Standard Webhooks, [`sign`] / [`verify`]; e-mail over SMTP), marks each outcome, and
//!   retries with exponential backoff and jitter ([`RetryPolicy`]). Delivery is
//!   at-least-once: `webhook-id` is the same on every attempt, for receivers to drop
//!   repeats.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use haidang_notify::{Notifier, Router, Worker, WorkerConfig};
//!
//! let store = haidang_store::Store::open("sqlite:data/haidang.db").await?;
//! let router = Arc::new(Router::from_toml(
//!     haidang_notify::SHIPPED_MISSIONS_TOML,
//!     Some(&std::fs::read_to_string("/etc/haidang/missions.toml")?),
//! )?);
//! let notifier = Notifier::new(store.clone(), Arc::clone(&router));
//! let worker = Worker::new(store, router, WorkerConfig::standard("host-1"), notifier.wake_handle())?;
//! let (stop, stopped) = tokio::sync::watch::channel(false);
//! let running = tokio::spawn(worker.run(stopped));
//! // ... notifier.raise(&alerts, now).await? as the rules raise alerts ...
//! stop.send(true)?;
//! running.await?;
//! # Ok(()) }
//! ```

mod error;
mod payload;
mod router;
mod send;
mod signature;
mod worker;

pub use error::{ConfigError, NotifyError};
pub use payload::{
    AlertPayload, NOTICE, NOTICE_VI, VesselPayload, ZonePayload, email_text, kind_words,
};
pub use router::{Channel, Delivery, Group, Recipient, Router, SHIPPED_MISSIONS_TOML, Webhook};
pub use send::SmtpConfig;
pub use signature::{DEFAULT_TOLERANCE_SECS, Secret, SignatureError, sign, verify};
pub use worker::{Notifier, RetryPolicy, Worker, WorkerConfig};
