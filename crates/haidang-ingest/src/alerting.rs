//! From the rules' outputs to the outbox. The pipeline hands each flush's outputs to one
//! alert writer task, in flush order, with a signal that the flush's positions are
//! committed: an alert is written after the fixes (and vessels) it is about, and an alert
//! that closes another is written after it. Alerts and their deliveries go in one
//! transaction ([`Notifier::raise`]); a failed write is retried until it succeeds or the
//! pipeline stops, so an alert raised is an alert stored.

use std::sync::Arc;

use haidang_geofence::ZoneIndex;
use haidang_notify::Notifier;
use haidang_rules::{Alert, Escalation, Output, Resolve};
use haidang_store::{LifecycleError, NewAlert, RULES, Store, VesselId, alert_id_for};
use haidang_types::AlertKind;
use time::OffsetDateTime;
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::normalize::instant;
use crate::pipeline::StoreBackoff;

/// An alert as it was committed, for the live stream.
pub type LiveAlert = Arc<NewAlert>;

/// One flush's alerts and resolutions, and the signal that the flush's positions are
/// committed.
pub(crate) struct AlertJob {
    pub(crate) alerts: Vec<NewAlert>,
    pub(crate) resolves: Vec<Resolve>,
    pub(crate) committed: Option<oneshot::Receiver<()>>,
}

impl AlertJob {
    /// The job for the rules' outputs; zones are looked up for escalations, whose
    /// recipients depend on the zone's country.
    pub(crate) fn new(outputs: Vec<Output>, zones: Option<&ZoneIndex>) -> Self {
        let mut alerts = Vec::new();
        let mut resolves = Vec::new();
        for output in outputs {
            match output {
                Output::Raise(alert) => alerts.push(new_alert(&alert)),
                Output::Escalate(e) => alerts.push(escalated(&e, zones)),
                Output::Resolve(r) if r.reason.resolves() => resolves.push(r),
                Output::Resolve(_) => {}
            }
        }
        Self {
            alerts,
            resolves,
            committed: None,
        }
    }
}

/// Alert jobs queued before the pipeline waits.
pub(crate) const ALERT_QUEUE: usize = 64;

/// Writes alert jobs in order until the channel closes.
pub(crate) async fn alert_writer(
    store: Store,
    notifier: Notifier,
    live: broadcast::Sender<LiveAlert>,
    mut jobs: mpsc::Receiver<AlertJob>,
) {
    while let Some(job) = jobs.recv().await {
        if let Some(committed) = job.committed {
            // A dropped sender means the positions' writer gave up (shutdown): the alerts
            // are written anyway, since their vessels may well be stored already.
            let _ = committed.await;
        }
        write_alerts(&notifier, &live, &job.alerts).await;
        for r in &job.resolves {
            resolve(&store, r).await;
        }
    }
}

async fn write_alerts(
    notifier: &Notifier,
    live: &broadcast::Sender<LiveAlert>,
    alerts: &[NewAlert],
) {
    if alerts.is_empty() {
        return;
    }
    let mut backoff = StoreBackoff::new();
    loop {
        match notifier.raise(alerts, OffsetDateTime::now_utc()).await {
            Ok(new) => {
                for alert in alerts.iter().filter(|a| new.contains(&a.id)) {
                    metrics::counter!("haidang_alerts_raised_total", "kind" => alert.kind.clone())
                        .increment(1);
                    tracing::info!(
                        id = %alert.id, kind = %alert.kind,
                        vessel = alert.vessel.as_ref().map(VesselId::key).as_deref().unwrap_or("-"),
                        zone = alert.zone_id.as_deref().unwrap_or("-"),
                        delayed = alert.delayed, "alert raised"
                    );
                    let _ = live.send(Arc::new(alert.clone()));
                }
                return;
            }
            Err(error) => {
                metrics::counter!("haidang_alert_write_retries_total").increment(1);
                tracing::warn!(%error, retry_in_ms = backoff.next_ms(), "alert write failed; retrying");
                backoff.wait().await;
            }
        }
    }
}

/// Closes the alert the rules no longer hold open. An alert already resolved (by an
/// operator, or by the alert that closed it) or never stored is left as it is.
async fn resolve(store: &Store, r: &Resolve) {
    let id = alert_id_for(&r.dedupe_key);
    let note = format!("closed by the rules: {}", r.reason.as_str());
    let mut backoff = StoreBackoff::new();
    loop {
        match store
            .resolve(&id, RULES, Some(&note), instant(r.at_ms))
            .await
        {
            Ok(_) | Err(LifecycleError::NoSuchAlert(_) | LifecycleError::Conflict { .. }) => return,
            Err(error) => {
                tracing::warn!(%error, %id, retry_in_ms = backoff.next_ms(), "resolving an alert failed; retrying");
                backoff.wait().await;
            }
        }
    }
}

/// The store's form of a rules alert.
pub(crate) fn new_alert(a: &Alert) -> NewAlert {
    let mut alert = NewAlert::new(&a.dedupe_key, a.kind.as_str(), instant(a.raised_at_ms));
    alert.vessel = a.vessel.as_deref().and_then(VesselId::from_key);
    alert.fix_time = a.fix_ms.map(instant);
    alert.received_at = a.received_ms.map(instant);
    alert.delayed = a.delayed;
    if let Some(zone) = &a.zone {
        alert.zone_id = Some(zone.id.clone());
        alert.zone_class = Some(zone.class.as_str().to_owned());
        alert.country = zone.country.clone();
    }
    alert.position = a.details.position;
    let mut details = serde_json::Map::new();
    for (key, value) in a.details.pairs() {
        details.insert(key.to_owned(), serde_json::Value::String(value));
    }
    if !a.route_to_missions() {
        details.insert("operators_only".to_owned(), serde_json::Value::Bool(true));
    }
    alert.details = serde_json::Value::Object(details).to_string();
    alert.closes = a.closes.clone();
    alert
}

/// An approach alert that came within a closer threshold: a new alert of its own (its
/// recipients must hear that the boat is closer), closing the farther one.
fn escalated(e: &Escalation, zones: Option<&ZoneIndex>) -> NewAlert {
    let mut alert = NewAlert::new(
        &e.escalation_key,
        AlertKind::Approach.as_str(),
        instant(e.received_ms),
    );
    alert.vessel = vessel_of(&e.dedupe_key);
    alert.fix_time = Some(instant(e.fix_ms));
    alert.received_at = Some(instant(e.received_ms));
    alert.delayed = e.delayed;
    alert.zone_id = zone_of(&e.dedupe_key);
    if let Some(zone) = alert
        .zone_id
        .as_deref()
        .and_then(|id| zones.and_then(|z| z.find(id).map(|found| z.zone(found))))
    {
        alert.zone_class = Some(zone.class().as_str().to_owned());
        alert.country = zone.country().map(str::to_owned);
    }
    let mut details = serde_json::Map::new();
    details.insert("threshold_nm".to_owned(), e.threshold_nm.to_string().into());
    if let Some(d) = e.distance {
        details.insert("distance_m".to_owned(), format!("{:.0}", d.0).into());
    }
    details.insert("escalates".to_owned(), e.dedupe_key.clone().into());
    alert.details = serde_json::Value::Object(details).to_string();
    alert.closes = Some(e.dedupe_key.clone());
    alert
}

/// The vessel of an approach key, `approach:<vessel key>:<zone>:<fix ms>` (a vessel key
/// is `mmsi:…` or `reg:…`, and holds one colon).
fn vessel_of(key: &str) -> Option<VesselId> {
    let mut parts = key.splitn(4, ':');
    let (_, kind, value) = (parts.next()?, parts.next()?, parts.next()?);
    VesselId::from_key(&format!("{kind}:{value}"))
}

/// The zone of an approach key: what lies between the vessel key and the fix time.
fn zone_of(key: &str) -> Option<String> {
    let rest = key.splitn(4, ':').nth(3)?;
    let (zone, _fix_ms) = rest.rsplit_once(':')?;
    Some(zone.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn approach_keys_name_their_vessel_and_zone() {
        let key = "approach:mmsi:574100001:IDN-eez:1795000000000";
        assert_eq!(
            vessel_of(key).map(|v| v.key()).as_deref(),
            Some("mmsi:574100001")
        );
        assert_eq!(zone_of(key).as_deref(), Some("IDN-eez"));
        let key = "approach:reg:BV-90001-TS:CHN:claim:1795000000000";
        assert_eq!(
            vessel_of(key).map(|v| v.key()).as_deref(),
            Some("reg:BV-90001-TS")
        );
        assert_eq!(zone_of(key).as_deref(), Some("CHN:claim"));
        assert_eq!(vessel_of("approach"), None);
        assert_eq!(zone_of("approach:mmsi:1"), None);
    }
}
