//! Alerts, their history, and the transactional outbox their deliveries leave through.
//!
//! The contract, the same on both stores (`alerts_tests.rs` checks it on each):
//!
//! - [`Store::insert_alerts`] writes alerts and their outbox rows in one transaction. An
//!   alert is idempotent by its `dedupe_key`: raising it again (a replay after a restart)
//!   writes nothing, creates no delivery and closes nothing.
//! - Deliveries are leased ([`Store::lease_deliveries`]): a leased delivery is invisible to
//!   other workers until its lease ends, so a crashed worker's deliveries are retried by
//!   another one once the lease expires. Marks ([`Store::mark_delivered`] and the others)
//!   apply only while the caller still holds the lease.
//! - An alert goes `open` -> `acknowledged` -> `resolved` (or `open` -> `resolved`); every
//!   change, the alert's creation included, is a row of its history (`alert_changes`,
//!   append-only). Any other change is a [`LifecycleError::Conflict`].

use std::fmt;

use haidang_types::LatLon;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::error::{Result, StoreError};
use crate::model::VesselId;
use crate::store::Store;

/// The most alerts one [`Store::list_alerts`] page holds.
pub const MAX_ALERTS_PER_PAGE: u32 = 1000;

/// The `resolved_by` (and history `who`) of an alert closed by another alert.
pub const RULES: &str = "rules";

/// The stable id of the alert whose dedupe key is `dedupe_key`: `al_` and the first 96 bits
/// of its SHA-256 in hex. Raising the same alert twice gives the same id.
pub fn alert_id_for(dedupe_key: &str) -> String {
    let digest = Sha256::digest(dedupe_key.as_bytes());
    let mut id = String::with_capacity(3 + 24);
    id.push_str("al_");
    for byte in digest.iter().take(12) {
        id.push(char::from(HEX[usize::from(byte >> 4)]));
        id.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    id
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// An alert raised by the rules, as the store takes it.
#[derive(Clone, Debug, PartialEq)]
pub struct NewAlert {
    /// The stable id handed to receivers ([`alert_id_for`] the dedupe key).
    pub id: String,
    /// What makes two raisings the same alert (unique).
    pub dedupe_key: String,
    /// The alert kind, as `DESIGN.md` spells it (`entered_foreign`, `silent_6h`...).
    pub kind: String,
    /// The vessel, if the alert is about one (a provider outage is not).
    pub vessel: Option<VesselId>,
    /// The fix time of the fix that raised it.
    pub fix_time: Option<OffsetDateTime>,
    /// When the shore read that fix.
    pub received_at: Option<OffsetDateTime>,
    /// When the rules raised it.
    pub raised_at: OffsetDateTime,
    /// Raised from late data.
    pub delayed: bool,
    /// The zone's id in the zone set.
    pub zone_id: Option<String>,
    /// The zone's class (`foreign`, `undelimited`...).
    pub zone_class: Option<String>,
    /// The zone's country (ISO 3166 alpha-3).
    pub country: Option<String>,
    /// Where the vessel was.
    pub position: Option<LatLon>,
    /// More about the alert, as a JSON object (distance to the line, silence length...).
    /// Invalid JSON is refused by both stores.
    pub details: String,
    /// The dedupe key of an alert this one closes (an `exited` closes its
    /// `entered_foreign`): resolved, by [`RULES`], when this alert is new.
    pub closes: Option<String>,
}

impl NewAlert {
    /// An alert of `kind` raised at `raised_at`, with its id derived from `dedupe_key`,
    /// no vessel, times, zone or position, and empty details.
    pub fn new(dedupe_key: &str, kind: &str, raised_at: OffsetDateTime) -> Self {
        Self {
            id: alert_id_for(dedupe_key),
            dedupe_key: dedupe_key.to_owned(),
            kind: kind.to_owned(),
            vessel: None,
            fix_time: None,
            received_at: None,
            raised_at,
            delayed: false,
            zone_id: None,
            zone_class: None,
            country: None,
            position: None,
            details: "{}".to_owned(),
            closes: None,
        }
    }
}

/// One outbox row to write with a new alert: a payload for one destination.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDelivery {
    /// The alert it carries (an alert of the same [`Store::insert_alerts`] batch).
    pub alert_id: String,
    /// Where it goes: a name the notifier resolves (`webhook:mission.idn`,
    /// `email:fisheries`...), never a secret.
    pub destination: String,
    /// The exact body to send, built once so that every retry sends the same bytes.
    pub payload: String,
}

/// Where an alert is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AlertStatus {
    /// Raised, nobody has acted on it yet.
    Open,
    /// An operator has seen it and is acting.
    Acknowledged,
    /// Closed: by an operator, or by the rules (a later alert closed it).
    Resolved,
}

impl AlertStatus {
    /// The name stored and used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertStatus::Open => "open",
            AlertStatus::Acknowledged => "acknowledged",
            AlertStatus::Resolved => "resolved",
        }
    }

    /// The status named `name`, as [`AlertStatus::as_str`] spells it.
    pub fn parse(name: &str) -> Option<Self> {
        [
            AlertStatus::Open,
            AlertStatus::Acknowledged,
            AlertStatus::Resolved,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
    }

    pub(crate) fn read(name: &str) -> Result<Self> {
        Self::parse(name).ok_or_else(|| StoreError::CorruptRow(format!("alert status {name:?}")))
    }
}

impl fmt::Display for AlertStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a delivery is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeliveryStatus {
    /// Waiting for its next attempt.
    Pending,
    /// Leased by a worker (or by a crashed one, until the lease ends).
    InFlight,
    /// The destination took it.
    Delivered,
    /// Given up: refused for good, too old, or its endpoint was disabled.
    Dead,
}

impl DeliveryStatus {
    /// The name stored and used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::InFlight => "in_flight",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Dead => "dead",
        }
    }

    pub(crate) fn read(name: &str) -> Result<Self> {
        [
            DeliveryStatus::Pending,
            DeliveryStatus::InFlight,
            DeliveryStatus::Delivered,
            DeliveryStatus::Dead,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
        .ok_or_else(|| StoreError::CorruptRow(format!("delivery status {name:?}")))
    }
}

impl fmt::Display for DeliveryStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stored alert.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredAlert {
    /// The stable id.
    pub id: String,
    /// The dedupe key.
    pub dedupe_key: String,
    /// The alert kind.
    pub kind: String,
    /// The vessel, if any.
    pub vessel: Option<VesselId>,
    /// The fix time of the fix that raised it.
    pub fix_time: Option<OffsetDateTime>,
    /// When the shore read that fix.
    pub received_at: Option<OffsetDateTime>,
    /// When the rules raised it.
    pub raised_at: OffsetDateTime,
    /// Raised from late data.
    pub delayed: bool,
    /// The zone's id.
    pub zone_id: Option<String>,
    /// The zone's class.
    pub zone_class: Option<String>,
    /// The zone's country.
    pub country: Option<String>,
    /// Where the vessel was.
    pub position: Option<LatLon>,
    /// The details, a JSON object (PostgreSQL gives it back normalised: same content,
    /// possibly other spacing and key order).
    pub details: String,
    /// Where it is in its life.
    pub status: AlertStatus,
    /// When it was acknowledged.
    pub acknowledged_at: Option<OffsetDateTime>,
    /// Who acknowledged it.
    pub acknowledged_by: Option<String>,
    /// When it was resolved.
    pub resolved_at: Option<OffsetDateTime>,
    /// Who resolved it ([`RULES`] when a later alert closed it).
    pub resolved_by: Option<String>,
}

/// One change in an alert's life.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlertChange {
    /// When.
    pub at: OffsetDateTime,
    /// Who: a user, or [`RULES`].
    pub who: String,
    /// The status before (`None` for the alert's creation).
    pub from: Option<AlertStatus>,
    /// The status after.
    pub to: AlertStatus,
    /// Why, in the operator's words.
    pub note: Option<String>,
}

/// A delivery as stored (without its payload).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryRecord {
    /// The outbox row's id.
    pub id: i64,
    /// The alert it carries.
    pub alert_id: String,
    /// Where it goes.
    pub destination: String,
    /// Where it is.
    pub status: DeliveryStatus,
    /// Attempts started in the current retry window.
    pub attempts: u32,
    /// When it is next due (meaningful while pending).
    pub next_attempt_at: OffsetDateTime,
    /// Why the last attempt failed, or why it went dead.
    pub last_error: Option<String>,
    /// When it was written.
    pub created_at: OffsetDateTime,
    /// When the destination took it.
    pub delivered_at: Option<OffsetDateTime>,
    /// When it went dead.
    pub dead_at: Option<OffsetDateTime>,
}

/// An alert with its deliveries and its history, oldest change first.
#[derive(Clone, Debug, PartialEq)]
pub struct AlertRecord {
    /// The alert.
    pub alert: StoredAlert,
    /// Its deliveries, by id.
    pub deliveries: Vec<DeliveryRecord>,
    /// Its history, in order.
    pub changes: Vec<AlertChange>,
}

/// A delivery leased to a worker: the worker sends `payload` to `destination`, then marks
/// it with this lease.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeasedDelivery {
    /// The outbox row's id.
    pub id: i64,
    /// The alert it carries.
    pub alert_id: String,
    /// Where it goes.
    pub destination: String,
    /// The exact body to send.
    pub payload: String,
    /// Attempts started in the current retry window, this one included.
    pub attempts: u32,
    /// When it was written.
    pub created_at: OffsetDateTime,
    /// When the current retry window began (its creation, or its last resend).
    pub retry_since: OffsetDateTime,
    /// The worker holding the lease.
    pub worker_id: String,
    /// When the lease ends.
    pub lease_until: OffsetDateTime,
}

impl LeasedDelivery {
    /// The delivery's message id (the webhook's `webhook-id`): the same on every attempt,
    /// so receivers can drop a repeat.
    pub fn message_id(&self) -> String {
        format!("msg_{}_{}", self.alert_id, self.id)
    }
}

/// A destination disabled for good (a webhook that answered 410 Gone).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisabledEndpoint {
    /// The destination.
    pub destination: String,
    /// When.
    pub disabled_at: OffsetDateTime,
    /// Why.
    pub reason: String,
}

/// Which alerts [`Store::list_alerts`] returns. `Default` is every alert, newest first,
/// a page of 100.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AlertFilter {
    /// Only alerts in this status.
    pub status: Option<AlertStatus>,
    /// Only alerts of this kind.
    pub kind: Option<String>,
    /// Only this vessel's alerts.
    pub vessel: Option<VesselId>,
    /// Only alerts raised at or after this instant.
    pub since: Option<OffsetDateTime>,
    /// Only alerts raised before this instant.
    pub until: Option<OffsetDateTime>,
    /// Page size: 0 means 100; more than [`MAX_ALERTS_PER_PAGE`] means that.
    pub limit: u32,
    /// Continue after this alert (the previous page's [`AlertPage::next`]).
    pub cursor: Option<AlertCursor>,
}

impl AlertFilter {
    pub(crate) fn page_size(&self) -> u32 {
        match self.limit {
            0 => 100,
            n => n.min(MAX_ALERTS_PER_PAGE),
        }
    }
}

/// A position in the alert list (newest first): the last alert of a page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlertCursor {
    /// That alert's raise time.
    pub raised_at: OffsetDateTime,
    /// That alert's id (breaks ties).
    pub id: String,
}

impl AlertCursor {
    /// The cursor as an opaque string for a URL: `<raised µs>_<id>`.
    pub fn encode(&self) -> String {
        format!("{}_{}", crate::model::to_micros(self.raised_at), self.id)
    }

    /// The cursor [`AlertCursor::encode`] wrote, or `None` for anything else.
    pub fn decode(text: &str) -> Option<Self> {
        let (micros, id) = text.split_once('_')?;
        if id.is_empty() {
            return None;
        }
        let raised_at = crate::model::from_micros(micros.parse().ok()?).ok()?;
        Some(Self {
            raised_at,
            id: id.to_owned(),
        })
    }
}

/// One page of alerts, newest first.
#[derive(Clone, Debug, PartialEq)]
pub struct AlertPage {
    /// The alerts.
    pub alerts: Vec<StoredAlert>,
    /// Where the next page starts, when this one was full.
    pub next: Option<AlertCursor>,
}

/// Why an alert or delivery could not be changed.
#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    /// No alert has this id (HTTP 404).
    #[error("no alert with id {0}")]
    NoSuchAlert(String),
    /// No delivery has this id (HTTP 404).
    #[error("no delivery with id {0}")]
    NoSuchDelivery(i64),
    /// The alert's status does not allow the change (HTTP 409): acknowledging an
    /// acknowledged or resolved alert, resolving a resolved one.
    #[error("alert {id} is {status}: it cannot be {action}")]
    Conflict {
        /// The alert.
        id: String,
        /// Its status now.
        status: AlertStatus,
        /// What was asked: `acknowledged` or `resolved`.
        action: &'static str,
    },
    /// Only a dead delivery can be resent (HTTP 409).
    #[error("delivery {id} is {status}: only a dead delivery can be resent")]
    NotDead {
        /// The delivery.
        id: i64,
        /// Its status now.
        status: DeliveryStatus,
    },
    /// The delivery's endpoint is disabled; enable it before resending (HTTP 409).
    #[error("endpoint {0} is disabled: enable it before resending")]
    EndpointDisabled(String),
    /// The store failed (HTTP 500/503).
    #[error("store error")]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for LifecycleError {
    fn from(e: sqlx::Error) -> Self {
        LifecycleError::Store(StoreError::Database(e))
    }
}

/// The transitions an operator may make, checked by both stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Transition {
    Acknowledge,
    Resolve,
}

impl Transition {
    pub(crate) fn to(self) -> AlertStatus {
        match self {
            Transition::Acknowledge => AlertStatus::Acknowledged,
            Transition::Resolve => AlertStatus::Resolved,
        }
    }

    /// The statuses the transition starts from.
    pub(crate) fn allowed_from(self, status: AlertStatus) -> bool {
        match self {
            Transition::Acknowledge => status == AlertStatus::Open,
            Transition::Resolve => status != AlertStatus::Resolved,
        }
    }

    pub(crate) fn action(self) -> &'static str {
        match self {
            Transition::Acknowledge => "acknowledged",
            Transition::Resolve => "resolved",
        }
    }
}

/// Cuts a query's `size + 1` rows to a page of `size`, with the cursor of its last alert
/// when there was more.
pub(crate) fn page(alerts: &mut Vec<StoredAlert>, size: u32) -> AlertPage {
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    let next = if alerts.len() > size {
        alerts.truncate(size);
        alerts.last().map(|a| AlertCursor {
            raised_at: a.raised_at,
            id: a.id.clone(),
        })
    } else {
        None
    };
    AlertPage {
        alerts: std::mem::take(alerts),
        next,
    }
}

/// A `u32` attempts count from a stored integer.
pub(crate) fn attempts(n: i64) -> Result<u32> {
    u32::try_from(n).map_err(|_| StoreError::CorruptRow(format!("attempts = {n}")))
}

/// A vessel from its stored key.
pub(crate) fn vessel_from_key(key: Option<String>) -> Result<Option<VesselId>> {
    key.map(|k| {
        VesselId::from_key(&k).ok_or_else(|| StoreError::CorruptRow(format!("vessel_key {k:?}")))
    })
    .transpose()
}

/// A position from stored lon/lat, when both are there.
pub(crate) fn position(lon: Option<f64>, lat: Option<f64>) -> Result<Option<LatLon>> {
    match (lon, lat) {
        (Some(lon), Some(lat)) => LatLon::new(lon, lat)
            .map(Some)
            .map_err(|e| StoreError::CorruptRow(e.to_string())),
        _ => Ok(None),
    }
}

/// An optional status from a stored name.
pub(crate) fn opt_status(name: Option<String>) -> Result<Option<AlertStatus>> {
    name.as_deref().map(AlertStatus::read).transpose()
}

macro_rules! dispatch {
    ($self:ident, $s:ident => $call:expr) => {
        match $self {
            Store::Sqlite($s) => $call,
            Store::Postgres($s) => $call,
        }
    };
}

impl Store {
    /// Writes the alerts not stored yet, and the deliveries of those alerts, in one
    /// transaction; returns the ids of the new alerts, in input order.
    ///
    /// An alert whose `dedupe_key` is stored already (a replay) writes nothing: no
    /// delivery, no closing. A delivery is written only for a new alert of this batch
    /// (others are skipped), at most once per (alert, destination), due at `now`; a
    /// delivery to a disabled endpoint is written dead, with the endpoint's reason. A new
    /// alert's vessel is created if unknown; its `closes` alert, if stored and not
    /// resolved, is resolved by [`RULES`] at the new alert's `raised_at`. Each new alert
    /// and each closing adds a history row.
    pub async fn insert_alerts(
        &self,
        alerts: &[NewAlert],
        deliveries: &[NewDelivery],
        now: OffsetDateTime,
    ) -> Result<Vec<String>> {
        dispatch!(self, s => s.insert_alerts(alerts, deliveries, now).await)
    }

    /// Leases up to `limit` due deliveries to `worker_id` until `now + lease_for`: pending
    /// ones whose next attempt is due, and in-flight ones whose lease has ended (a
    /// crashed worker's). Oldest due first. Each lease counts an attempt. Two workers
    /// never hold the same delivery at once (PostgreSQL: `FOR UPDATE SKIP LOCKED`;
    /// SQLite: one UPDATE in an immediate transaction).
    pub async fn lease_deliveries(
        &self,
        worker_id: &str,
        now: OffsetDateTime,
        lease_for: time::Duration,
        limit: u32,
    ) -> Result<Vec<LeasedDelivery>> {
        dispatch!(self, s => s.lease_deliveries(worker_id, now, now + lease_for, limit).await)
    }

    /// Marks a leased delivery delivered. `false` when the lease was lost (taken by
    /// another worker after it ended, or the delivery went dead meanwhile): nothing changed.
    pub async fn mark_delivered(&self, lease: &LeasedDelivery, at: OffsetDateTime) -> Result<bool> {
        dispatch!(self, s => s.mark_delivered(lease, at).await)
    }

    /// Puts a leased delivery back to pending, due at `next_attempt_at`, with the error of
    /// this attempt. `false` when the lease was lost.
    pub async fn mark_failed(
        &self,
        lease: &LeasedDelivery,
        next_attempt_at: OffsetDateTime,
        error: &str,
    ) -> Result<bool> {
        dispatch!(self, s => s.mark_failed(lease, next_attempt_at, error).await)
    }

    /// Gives a leased delivery up: dead, with the reason. `false` when the lease was lost.
    pub async fn mark_dead(
        &self,
        lease: &LeasedDelivery,
        error: &str,
        at: OffsetDateTime,
    ) -> Result<bool> {
        dispatch!(self, s => s.mark_dead(lease, error, at).await)
    }

    /// Up to `limit` dead deliveries, most recently dead first.
    pub async fn list_dead_letters(&self, limit: u32) -> Result<Vec<DeliveryRecord>> {
        dispatch!(self, s => s.list_dead_letters(limit).await)
    }

    /// Makes a dead delivery pending again, due at `now`, with a fresh retry window and
    /// attempt count. Refused for a delivery that is not dead, or whose endpoint is
    /// disabled.
    pub async fn resend(
        &self,
        delivery_id: i64,
        now: OffsetDateTime,
    ) -> std::result::Result<(), LifecycleError> {
        dispatch!(self, s => s.resend(delivery_id, now).await)
    }

    /// Disables a destination (a webhook answered 410 Gone): its pending and in-flight
    /// deliveries go dead with the reason, in the same transaction, and deliveries written
    /// later for it are written dead. Returns how many deliveries went dead. Disabling a
    /// disabled destination keeps the first time and reason.
    pub async fn disable_endpoint(
        &self,
        destination: &str,
        reason: &str,
        at: OffsetDateTime,
    ) -> Result<u64> {
        dispatch!(self, s => s.disable_endpoint(destination, reason, at).await)
    }

    /// Enables a disabled destination again (its dead deliveries stay dead until
    /// [`Store::resend`]); `false` if it was not disabled.
    pub async fn enable_endpoint(&self, destination: &str) -> Result<bool> {
        dispatch!(self, s => s.enable_endpoint(destination).await)
    }

    /// The disabled destinations, by name.
    pub async fn disabled_endpoints(&self) -> Result<Vec<DisabledEndpoint>> {
        dispatch!(self, s => s.disabled_endpoints().await)
    }

    /// A page of alerts matching the filter, newest first (raise time, then id).
    pub async fn list_alerts(&self, filter: &AlertFilter) -> Result<AlertPage> {
        dispatch!(self, s => s.list_alerts(filter).await)
    }

    /// An alert with its deliveries and history, or `None`.
    pub async fn alert(&self, id: &str) -> Result<Option<AlertRecord>> {
        dispatch!(self, s => s.alert(id).await)
    }

    /// Acknowledges an open alert, recording who, when and why. An acknowledged or
    /// resolved alert is a [`LifecycleError::Conflict`], an unknown one
    /// [`LifecycleError::NoSuchAlert`].
    pub async fn acknowledge(
        &self,
        id: &str,
        who: &str,
        note: Option<&str>,
        at: OffsetDateTime,
    ) -> std::result::Result<StoredAlert, LifecycleError> {
        dispatch!(self, s => s.change_alert(id, Transition::Acknowledge, who, note, at).await)
    }

    /// Resolves an open or acknowledged alert, recording who, when and why. A resolved
    /// alert is a [`LifecycleError::Conflict`], an unknown one
    /// [`LifecycleError::NoSuchAlert`].
    pub async fn resolve(
        &self,
        id: &str,
        who: &str,
        note: Option<&str>,
        at: OffsetDateTime,
    ) -> std::result::Result<StoredAlert, LifecycleError> {
        dispatch!(self, s => s.change_alert(id, Transition::Resolve, who, note, at).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alert_ids_are_stable_and_short() {
        let a = alert_id_for("entered_foreign:mmsi:574000001:IDN:2026-11-23T00:00:00Z");
        assert_eq!(
            a,
            alert_id_for("entered_foreign:mmsi:574000001:IDN:2026-11-23T00:00:00Z")
        );
        assert_ne!(
            a,
            alert_id_for("entered_foreign:mmsi:574000002:IDN:2026-11-23T00:00:00Z")
        );
        assert_eq!(a.len(), 27);
        assert!(a.starts_with("al_"));
        // SHA-256("abc") starts ba7816bf 8f01cfea 414140de.
        assert_eq!(alert_id_for("abc"), "al_ba7816bf8f01cfea414140de");
    }

    #[test]
    fn cursors_round_trip() {
        let c = AlertCursor {
            raised_at: crate::model::from_micros(1_795_392_000_123_456).unwrap(),
            id: "al_ab_cd".into(),
        };
        assert_eq!(c.encode(), "1795392000123456_al_ab_cd");
        assert_eq!(AlertCursor::decode(&c.encode()), Some(c));
        assert_eq!(AlertCursor::decode("x_al"), None);
        assert_eq!(AlertCursor::decode("12_"), None);
        assert_eq!(AlertCursor::decode("12"), None);
    }

    #[test]
    fn transitions() {
        use AlertStatus::*;
        let ack = Transition::Acknowledge;
        let res = Transition::Resolve;
        assert!(ack.allowed_from(Open));
        assert!(!ack.allowed_from(Acknowledged));
        assert!(!ack.allowed_from(Resolved));
        assert!(res.allowed_from(Open));
        assert!(res.allowed_from(Acknowledged));
        assert!(!res.allowed_from(Resolved));
    }
}
