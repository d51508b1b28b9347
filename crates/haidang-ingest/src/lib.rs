//! Haidang's ingest pipeline. This part holds the pure transforms between the decoder and
//! the store: [`Normalizer`] turns decoder events into position, static-data and quarantine
//! rows with both the fix time and the receive time; [`Dedupe`] drops the copies of one
//! message heard by several receivers; [`Plausibility`] flags fixes that imply an
//! impossible speed. The [`spawn`]ed pipeline task runs them between the sources
//! ([`tcp_listener`], [`udp_listener`], [`tcp_client`], [`serial_port`], [`file_replay`],
//! and bridge batches through [`IngestHandle::submit_batch`]) and the store.
//!
//! **Architecture Invariant:** the transforms are pure and synchronous, with time passed
//! in; every input ends in exactly one [`Item`] or a counted [`Skipped`] reason.

mod alerting;
mod dedupe;
mod normalize;
mod pipeline;
mod plausibility;
mod serial;
mod sources;

pub use alerting::LiveAlert;
pub use dedupe::Dedupe;
pub use normalize::{Distress, Item, Normalizer, Received, Skipped};
pub use pipeline::{
    BatchReport, IngestError, IngestHandle, LiveUpdate, Monitoring, PipelineConfig, SourceName,
    Stats, now_ms, spawn, spawn_with_alerts, spawn_with_zones,
};
pub use plausibility::{Plausibility, Verdict};
pub use serial::{Framing, FramingError, Parity, SerialConfig, serial_port};
pub use sources::{ReplayPace, ReplayReport, file_replay, tcp_client, tcp_listener, udp_listener};
