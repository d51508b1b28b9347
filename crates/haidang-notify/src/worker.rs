//! The outbox worker: leases due deliveries, sends them concurrently, marks the outcome.

use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;
use std::time::Duration;

use haidang_store::{LeasedDelivery, NewAlert, NewDelivery, Store};
use time::OffsetDateTime;
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;

use crate::error::NotifyError;
use crate::payload::AlertPayload;
use crate::router::{Channel, Delivery, Router};
use crate::send::{self, Mailer, Outcome, SmtpConfig};

/// When a failed delivery is tried again, and when it is given up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The delay after the first failed attempt; it doubles after each further one.
    pub first_delay: Duration,
    /// The longest delay between attempts.
    pub max_delay: Duration,
    /// A delivery still failing this long after it was written (or resent) goes dead.
    pub give_up_after: Duration,
}

impl RetryPolicy {
    /// 5 s doubling up to 1 h between attempts, for up to 3 days.
    pub fn standard() -> Self {
        Self {
            first_delay: Duration::from_secs(5),
            max_delay: Duration::from_secs(3600),
            give_up_after: Duration::from_secs(3 * 24 * 3600),
        }
    }

    /// The delay after `attempts` failed attempts: `first_delay * 2^(attempts - 1)`, at
    /// most `max_delay`, then jittered to between half of it and all of it, so that
    /// deliveries failing together do not retry together.
    pub fn delay(&self, attempts: u32) -> Duration {
        let doublings = attempts.saturating_sub(1).min(31);
        let full = self
            .first_delay
            .saturating_mul(1 << doublings)
            .min(self.max_delay);
        let half = full / 2;
        let random = RandomState::new().hash_one((attempts, std::time::Instant::now()));
        let nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
        half + Duration::from_nanos(random.checked_rem(nanos.saturating_add(1)).unwrap_or(0))
    }
}

/// How a [`Worker`] runs. No `Default`: see [`WorkerConfig::standard`].
#[derive(Clone, Debug)]
pub struct WorkerConfig {
    /// Names this worker's leases; unique per running worker (e.g. host and process id).
    pub worker_id: String,
    /// How long a lease lasts: longer than an attempt can take. A crashed worker's
    /// deliveries are retried by another one this long after it leased them.
    pub lease: Duration,
    /// Deliveries sent at once (and leased per round).
    pub concurrency: u32,
    /// How often the outbox is polled when nothing wakes the worker.
    pub poll_interval: Duration,
    /// How long one webhook attempt may take.
    pub webhook_timeout: Duration,
    /// Retries and giving up.
    pub retry: RetryPolicy,
    /// The SMTP relay; without one, e-mail deliveries fail (and are retried until
    /// [`RetryPolicy::give_up_after`]).
    pub smtp: Option<SmtpConfig>,
}

impl WorkerConfig {
    /// Production settings: 60 s leases, 8 at once, a poll every second, 10 s per webhook
    /// attempt, [`RetryPolicy::standard`], no SMTP.
    pub fn standard(worker_id: &str) -> Self {
        Self {
            worker_id: worker_id.to_owned(),
            lease: Duration::from_secs(60),
            concurrency: 8,
            poll_interval: Duration::from_secs(1),
            webhook_timeout: Duration::from_secs(10),
            retry: RetryPolicy::standard(),
            smtp: None,
        }
    }
}

/// Writes alerts and their deliveries to the outbox (one transaction), and wakes the
/// workers.
#[derive(Clone, Debug)]
pub struct Notifier {
    store: Store,
    router: Arc<Router>,
    wake: Arc<Notify>,
}

impl Notifier {
    /// A notifier writing to `store`, routing with `router`.
    pub fn new(store: Store, router: Arc<Router>) -> Self {
        Self {
            store,
            router,
            wake: Arc::new(Notify::new()),
        }
    }

    /// The handle [`Worker::new`] waits on: notified when new alerts are written.
    pub fn wake_handle(&self) -> Arc<Notify> {
        Arc::clone(&self.wake)
    }

    /// Raises alerts: routes each (its vessel's province from the store), builds its
    /// payload once, and writes the alerts with their deliveries in one transaction
    /// ([`Store::insert_alerts`]; a replayed alert writes nothing). Returns the ids of
    /// the new alerts and wakes the workers if there are any.
    pub async fn raise(
        &self,
        alerts: &[NewAlert],
        now: OffsetDateTime,
    ) -> Result<Vec<String>, NotifyError> {
        let mut deliveries = Vec::new();
        for alert in alerts {
            let vessel = match &alert.vessel {
                Some(v) => self.store.vessel(v).await?,
                None => None,
            };
            let payload = AlertPayload::new(alert, vessel.as_ref())?.to_json();
            let province = vessel.as_ref().and_then(|v| v.province.as_deref());
            for d in self.router.recipients(alert, province) {
                deliveries.push(NewDelivery {
                    alert_id: alert.id.clone(),
                    destination: d.destination(),
                    payload: payload.clone(),
                });
            }
        }
        let new = self.store.insert_alerts(alerts, &deliveries, now).await?;
        if !new.is_empty() {
            self.wake.notify_waiters();
            self.wake.notify_one();
        }
        Ok(new)
    }
}

/// The outbox worker. Several may run against one store (in one process or many): a
/// delivery is leased to one at a time.
#[derive(Clone, Debug)]
pub struct Worker {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Store,
    router: Arc<Router>,
    config: WorkerConfig,
    http: reqwest::Client,
    mailer: Option<Mailer>,
    wake: Arc<Notify>,
}

impl Worker {
    /// A worker on `store`, resolving destinations with `router`, woken through `wake`
    /// ([`Notifier::wake_handle`]).
    pub fn new(
        store: Store,
        router: Arc<Router>,
        config: WorkerConfig,
        wake: Arc<Notify>,
    ) -> Result<Self, NotifyError> {
        let http = reqwest::Client::builder()
            .timeout(config.webhook_timeout)
            .connect_timeout(config.webhook_timeout)
            // A webhook that redirects is misconfigured; following it is an SSRF risk.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("haidang-notify/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(NotifyError::HttpClient)?;
        let mailer = config
            .smtp
            .as_ref()
            .map(Mailer::new)
            .transpose()
            .map_err(NotifyError::Smtp)?;
        Ok(Self {
            inner: Arc::new(Inner {
                store,
                router,
                config,
                http,
                mailer,
                wake,
            }),
        })
    }

    /// Runs until `shutdown` turns true (or its sender is dropped): delivers what is
    /// due, then waits for a wake-up or the poll interval. A round in progress is
    /// finished (its attempts end and are marked) before it returns. Store errors are
    /// logged and retried at the next poll.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let full = usize::try_from(self.inner.config.concurrency).unwrap_or(usize::MAX);
        loop {
            if *shutdown.borrow() {
                break;
            }
            let leased = match self.deliver_due().await {
                Ok(n) => n,
                Err(error) => {
                    tracing::warn!(%error, "notify worker: cannot read the outbox");
                    0
                }
            };
            if leased > 0 && leased >= full {
                // More may be due at once.
                continue;
            }
            tokio::select! {
                () = self.inner.wake.notified() => {}
                () = tokio::time::sleep(self.inner.config.poll_interval) => {}
                changed = shutdown.changed() => {
                    if changed.is_err() {
                        break;
                    }
                }
            }
        }
    }

    /// One round: leases up to `concurrency` due deliveries, sends them concurrently and
    /// marks each. Returns how many were leased.
    pub async fn deliver_due(&self) -> Result<usize, NotifyError> {
        let lease =
            time::Duration::try_from(self.inner.config.lease).unwrap_or(time::Duration::MINUTE);
        let leased = self
            .inner
            .store
            .lease_deliveries(
                &self.inner.config.worker_id,
                OffsetDateTime::now_utc(),
                lease,
                self.inner.config.concurrency,
            )
            .await?;
        let n = leased.len();
        let mut tasks = JoinSet::new();
        for delivery in leased {
            let inner = Arc::clone(&self.inner);
            tasks.spawn(async move { inner.deliver(delivery).await });
        }
        let mut first_error = None;
        while let Some(done) = tasks.join_next().await {
            match done {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    first_error.get_or_insert(e);
                }
                Err(e) => tracing::error!(error = %e, "notify worker: a delivery task failed"),
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(n),
        }
    }
}

impl Inner {
    async fn deliver(&self, d: LeasedDelivery) -> Result<(), NotifyError> {
        let parsed = Delivery::parse(&d.destination);
        let channel = parsed.as_ref().map_or("unknown", |p| p.channel.as_str());
        let outcome = match &parsed {
            None => Outcome::Dead(format!("unknown destination {:?}", d.destination)),
            Some(p) => self.attempt(p, &d).await,
        };
        let now = OffsetDateTime::now_utc();
        let label = match outcome {
            Outcome::Delivered => {
                self.store.mark_delivered(&d, now).await?;
                "delivered"
            }
            Outcome::Retry { after, error } => {
                let delay = after.unwrap_or_else(|| self.config.retry.delay(d.attempts));
                let next = now + time::Duration::try_from(delay).unwrap_or(time::Duration::DAY);
                let deadline = d.retry_since
                    + time::Duration::try_from(self.config.retry.give_up_after)
                        .unwrap_or(time::Duration::DAY);
                if next > deadline {
                    let error = format!("{error}; gave up after {} attempts", d.attempts);
                    tracing::warn!(destination = %d.destination, alert = %d.alert_id, %error, "notify: delivery dead");
                    self.store.mark_dead(&d, &error, now).await?;
                    "dead"
                } else {
                    tracing::debug!(destination = %d.destination, alert = %d.alert_id, %error, "notify: attempt failed");
                    self.store.mark_failed(&d, next, &error).await?;
                    "failed"
                }
            }
            Outcome::Dead(error) => {
                tracing::warn!(destination = %d.destination, alert = %d.alert_id, %error, "notify: delivery dead");
                self.store.mark_dead(&d, &error, now).await?;
                "dead"
            }
            Outcome::Gone(error) => {
                let reason = format!("{error} (endpoint gone)");
                let killed = self
                    .store
                    .disable_endpoint(&d.destination, &reason, now)
                    .await?;
                tracing::warn!(destination = %d.destination, deliveries = killed, "notify: endpoint disabled");
                "dead"
            }
        };
        metrics::counter!("haidang_notify_deliveries_total", "channel" => channel, "outcome" => label)
            .increment(1);
        Ok(())
    }

    async fn attempt(&self, p: &Delivery, d: &LeasedDelivery) -> Outcome {
        let Some(recipient) = self.router.recipient(&p.recipient) else {
            return Outcome::Dead(format!("no recipient {} in the routing file", p.recipient));
        };
        let msg_id = d.message_id();
        match p.channel {
            Channel::Webhook => match &recipient.webhook {
                Some(hook) => send::webhook(&self.http, hook, &msg_id, &d.payload).await,
                None => Outcome::Dead(format!("recipient {} has no webhook", p.recipient)),
            },
            Channel::Email => match (&self.mailer, recipient.email.is_empty()) {
                (_, true) => Outcome::Dead(format!("recipient {} has no e-mail", p.recipient)),
                (None, false) => Outcome::Retry {
                    after: None,
                    error: "no smtp relay configured".to_owned(),
                },
                (Some(mailer), false) => mailer.send(recipient, &msg_id, &d.payload).await,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let policy = RetryPolicy::standard();
        for (attempts, full) in [
            (1, 5),
            (2, 10),
            (3, 20),
            (8, 640),
            (10, 2560),
            (11, 3600),
            (99, 3600),
        ] {
            for _ in 0..20 {
                let d = policy.delay(attempts);
                let full = Duration::from_secs(full);
                assert!(d >= full / 2 && d <= full, "{attempts}: {d:?}");
            }
        }
        // Jittered: twenty draws are not all equal.
        let draws: std::collections::BTreeSet<_> = (0..20).map(|_| policy.delay(5)).collect();
        assert!(draws.len() > 1);
    }
}
