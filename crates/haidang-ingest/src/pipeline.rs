//! The pipeline task: bytes and bridge batches in, through the framer, the decoder, the
//! normalizer and the dedupe filter, out to the store in batches. One task owns all the
//! state; sources talk to it through a bounded channel, so a slow store slows the readers
//! (TCP backpressure) instead of growing memory.
//!
//! A batch from a bridge is acknowledged only after everything it produced is committed.
//! A failed store write is retried with backoff until it succeeds or the pipeline is shut
//! down; while it retries, nothing more is read.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use haidang_geofence::{Tracker, TrackerConfig, ZoneId, ZoneIndex};
use haidang_nmea::{Decoder, DecoderConfig, Event, LineFramer};
use haidang_notify::Notifier;
use haidang_rules::{Output, Rules, RulesConfig};
use haidang_store::{NewPosition, QuarantinedLine, Store, VesselId, VesselStatic, ZoneEvent};
use haidang_types::Knots;
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::alerting::{ALERT_QUEUE, AlertJob, LiveAlert, alert_writer};
use crate::normalize::{Distress, millis};
use crate::{Dedupe, Item, Normalizer, Plausibility, Received, Verdict};

/// A feed's name, stored with each position: `tcp:127.0.0.1:40000`, `udp:0.0.0.0:10110`,
/// `bridge:DEVICE`, `demo`...
pub type SourceName = Arc<str>;

/// Limits and timings of the pipeline.
#[derive(Clone, Debug)]
pub struct PipelineConfig {
    /// Inputs (chunks of bytes or batches) queued before senders wait.
    pub channel_capacity: usize,
    /// Positions written to the store in one transaction at most.
    pub batch_size: usize,
    /// Longest time a read position waits before it is written, in milliseconds.
    pub flush_interval_ms: u64,
    /// Window in which copies of one message from several receivers count once.
    pub dedupe_window_ms: i64,
    /// Longest line accepted, in bytes.
    pub max_line_bytes: usize,
}

impl PipelineConfig {
    /// 1,024 queued inputs, batches of 40,000 positions or 200 ms, a 30 s dedupe window,
    /// lines of at most 1 KiB.
    ///
    /// A live feed's batches are cut by time (about 1,000 positions at 5,000 a second). The
    /// size limit is for a backlog: a large batch moves each vessel's latest position once
    /// for many of its positions (bench-ingest, 10,000 vessels: 45,800 positions/s with
    /// 20,000, 54,700 with 40,000, for about 40 MiB more at most).
    pub const RECOMMENDED: PipelineConfig = PipelineConfig {
        channel_capacity: 1024,
        batch_size: 40_000,
        flush_interval_ms: 200,
        dedupe_window_ms: 30_000,
        max_line_bytes: haidang_nmea::DEFAULT_MAX_LINE_BYTES,
    };
}

/// What a bridge's batch became, once committed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BatchReport {
    /// Lines in the batch.
    pub lines: u64,
    /// Positions it held (stored now, or already stored before).
    pub positions: u64,
    /// Lines quarantined from it (with their reasons).
    pub quarantined: u64,
}

/// Why the pipeline could not take an input.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The pipeline has shut down.
    #[error("the ingest pipeline has stopped")]
    Stopped,
    /// The queue is full (only from the non-waiting send used by UDP).
    #[error("the ingest queue is full")]
    Full,
    /// A bridge's batch could not be journaled: the store is failing.
    #[error("the store could not journal the batch: {0}")]
    Store(#[from] haidang_store::StoreError),
}

/// Counters of the whole pipeline since it started.
#[derive(Debug, Default)]
pub struct Stats {
    /// Lines read from stream sources.
    pub lines: AtomicU64,
    /// Lines received in bridge batches.
    pub batch_lines: AtomicU64,
    /// Positions written that were new to the store.
    pub positions_stored: AtomicU64,
    /// Positions the store already had (replays, other receivers after the window).
    pub positions_already_stored: AtomicU64,
    /// Messages dropped as copies heard by another receiver within the window.
    pub duplicates: AtomicU64,
    /// Lines quarantined.
    pub quarantined: AtomicU64,
    /// Valid messages with nothing to store (no position, not a vessel).
    pub skipped: AtomicU64,
    /// Inputs dropped because the queue was full (UDP).
    pub dropped_full: AtomicU64,
    /// Store writes that failed and were retried.
    pub store_retries: AtomicU64,
    /// Positions that imply an impossible speed from the vessel's previous plausible fix
    /// (stored, but kept out of the geofence).
    pub implausible: AtomicU64,
    /// False while the store is failing.
    pub store_ok: AtomicBool,
}

/// A position as it was committed, for the live stream.
pub type LiveUpdate = Arc<NewPosition>;

enum Input {
    Bytes {
        source: SourceName,
        received_ms: i64,
        bytes: Vec<u8>,
    },
    End {
        source: SourceName,
    },
    Batch {
        source: SourceName,
        received_ms: i64,
        lines: Vec<String>,
        ack: oneshot::Sender<BatchReport>,
    },
    Shutdown,
}

/// The way into the pipeline; cheap to clone.
#[derive(Clone, Debug)]
pub struct IngestHandle {
    tx: mpsc::Sender<Input>,
    store: Store,
    stats: Arc<Stats>,
    live: broadcast::Sender<LiveUpdate>,
    alerts: broadcast::Sender<LiveAlert>,
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Input::Bytes { .. } => "Bytes",
            Input::End { .. } => "End",
            Input::Batch { .. } => "Batch",
            Input::Shutdown => "Shutdown",
        })
    }
}

/// UNIX milliseconds now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl IngestHandle {
    /// Bytes read from a stream source; waits while the queue is full (backpressure).
    pub async fn send_bytes(&self, source: &SourceName, bytes: Vec<u8>) -> Result<(), IngestError> {
        let input = Input::Bytes {
            source: source.clone(),
            received_ms: now_ms(),
            bytes,
        };
        self.tx.send(input).await.map_err(|_| IngestError::Stopped)
    }

    /// Bytes from a source that cannot wait (UDP): dropped and counted when the queue is full.
    pub fn try_send_bytes(&self, source: &SourceName, bytes: Vec<u8>) -> Result<(), IngestError> {
        let input = Input::Bytes {
            source: source.clone(),
            received_ms: now_ms(),
            bytes,
        };
        self.tx.try_send(input).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => {
                self.stats.dropped_full.fetch_add(1, Ordering::Relaxed);
                metrics::counter!("haidang_ingest_dropped_total", "reason" => "queue_full")
                    .increment(1);
                IngestError::Full
            }
            mpsc::error::TrySendError::Closed(_) => IngestError::Stopped,
        })
    }

    /// A stream source ended: its last line, if unterminated, is taken as it is.
    pub async fn end_of_stream(&self, source: &SourceName) -> Result<(), IngestError> {
        self.tx
            .send(Input::End {
                source: source.clone(),
            })
            .await
            .map_err(|_| IngestError::Stopped)
    }

    /// Lines from a bridge; resolves once everything they produced is committed. The
    /// lines are journaled first, each once (a resent batch adds nothing to the journal),
    /// so that what a bridge was told is stored can always be shown.
    pub async fn submit_batch(
        &self,
        source: &str,
        lines: Vec<String>,
    ) -> Result<BatchReport, IngestError> {
        let received_ms = now_ms();
        let journaled = self
            .store
            .journal_lines(source, crate::normalize::instant(received_ms), &lines)
            .await?;
        metrics::counter!("haidang_ingest_journaled_lines_total").increment(journaled);
        let (ack, done) = oneshot::channel();
        let input = Input::Batch {
            source: Arc::from(source),
            received_ms,
            lines,
            ack,
        };
        self.tx
            .send(input)
            .await
            .map_err(|_| IngestError::Stopped)?;
        done.await.map_err(|_| IngestError::Stopped)
    }

    /// Asks the pipeline to store what it has read and stop.
    pub async fn shutdown(&self) {
        let _ = self.tx.send(Input::Shutdown).await;
    }

    /// The counters.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Positions as they are committed. A receiver that falls behind misses updates
    /// (it gets a `Lagged` error) rather than holding memory.
    pub fn subscribe(&self) -> broadcast::Receiver<LiveUpdate> {
        self.live.subscribe()
    }

    /// Alerts as they are committed (with their deliveries); only new alerts, never a
    /// replayed one. A receiver that falls behind misses alerts (`Lagged`), which stay in
    /// the store.
    pub fn subscribe_alerts(&self) -> broadcast::Receiver<LiveAlert> {
        self.alerts.subscribe()
    }
}

/// [`spawn`], with the geofence: every stored position also goes through a per-vessel
/// [`Tracker`] over `zones` (recommended hysteresis and approach distances), and the enter,
/// exit and approach events it raises are stored with the positions.
pub fn spawn_with_zones(
    config: PipelineConfig,
    store: Store,
    zones: Arc<ZoneIndex>,
) -> (IngestHandle, tokio::task::JoinHandle<()>) {
    spawn_inner(
        config,
        store,
        Some(Geofence {
            zones,
            tracker: Tracker::new(TrackerConfig::recommended()),
        }),
        None,
    )
}

/// What the pipeline needs to raise alerts: the zones, the rules' thresholds, and the
/// notifier that writes alerts with their deliveries to the outbox.
#[derive(Debug)]
pub struct Monitoring {
    /// The zone set.
    pub zones: Arc<ZoneIndex>,
    /// The rules' thresholds.
    pub rules: RulesConfig,
    /// Routes alerts and writes them to the outbox.
    pub notifier: Notifier,
}

/// [`spawn_with_zones`], with the rules: every fix, distress and tick goes through the
/// per-vessel monitoring rules, and the alerts they raise are written (after the fixes
/// they are about) with their deliveries. Fails when the rules' configuration is invalid.
pub fn spawn_with_alerts(
    config: PipelineConfig,
    store: Store,
    monitoring: Monitoring,
) -> Result<(IngestHandle, tokio::task::JoinHandle<()>), haidang_rules::ConfigError> {
    let rules = Rules::new(monitoring.rules)?;
    let geofence = Geofence {
        zones: monitoring.zones,
        tracker: Tracker::new(TrackerConfig::recommended()),
    };
    Ok(spawn_inner(
        config,
        store,
        Some(geofence),
        Some((rules, monitoring.notifier)),
    ))
}

/// Starts the pipeline on the current tokio runtime. It ends after [`IngestHandle::shutdown`]
/// or when every handle is dropped, having written everything it read.
pub fn spawn(config: PipelineConfig, store: Store) -> (IngestHandle, tokio::task::JoinHandle<()>) {
    spawn_inner(config, store, None, None)
}

fn spawn_inner(
    config: PipelineConfig,
    store: Store,
    geofence: Option<Geofence>,
    rules: Option<(Rules, Notifier)>,
) -> (IngestHandle, tokio::task::JoinHandle<()>) {
    let (tx, rx) = mpsc::channel(config.channel_capacity.max(1));
    let (live, _) = broadcast::channel(4096);
    let (alerts, _) = broadcast::channel(1024);
    let stats = Arc::new(Stats::default());
    stats.store_ok.store(true, Ordering::Relaxed);
    let handle = IngestHandle {
        tx,
        store: store.clone(),
        stats: stats.clone(),
        live: live.clone(),
        alerts: alerts.clone(),
    };
    let mut task = Pipeline::new(config, store.clone(), stats, live);
    task.geofence = geofence;
    let writer = rules.map(|(rules, notifier)| {
        let (jobs, queue) = mpsc::channel(ALERT_QUEUE);
        task.rules = Some(rules);
        task.alert_jobs = Some(jobs);
        tokio::spawn(alert_writer(store, notifier, alerts, queue))
    });
    let join = tokio::spawn(async move {
        task.run(rx).await;
        // The pipeline dropped its sender: the writer ends after the last job.
        if let Some(writer) = writer {
            let _ = writer.await;
        }
    });
    (handle, join)
}

struct Pipeline {
    config: PipelineConfig,
    store: Store,
    stats: Arc<Stats>,
    live: broadcast::Sender<LiveUpdate>,
    decoder: Decoder,
    normalizer: Normalizer,
    dedupe: Dedupe,
    framers: HashMap<SourceName, (u32, LineFramer)>,
    next_source_id: u32,
    started: Instant,
    positions: Vec<NewPosition>,
    statics: Vec<(VesselId, VesselStatic)>,
    quarantine: Vec<QuarantinedLine>,
    acks: Vec<(oneshot::Sender<BatchReport>, BatchReport)>,
    writes: tokio::task::JoinSet<()>,
    geofence: Option<Geofence>,
    plausibility: Plausibility,
    events: Vec<ZoneEvent>,
    raised: Vec<haidang_geofence::Event>,
    rules: Option<Rules>,
    outputs: Vec<Output>,
    alert_jobs: Option<mpsc::Sender<AlertJob>>,
    zones_here: Vec<ZoneId>,
    committed: Option<oneshot::Sender<()>>,
}

/// The longest an alert waits for its fixes to be written.
const ALERT_FLUSH: Duration = Duration::from_millis(50);

/// How often the rules look for silences and outages.
const RULES_TICK: Duration = Duration::from_secs(5);

/// The zones and the per-vessel state the geofence keeps.
struct Geofence {
    zones: Arc<ZoneIndex>,
    tracker: Tracker,
}

impl Pipeline {
    fn new(
        config: PipelineConfig,
        store: Store,
        stats: Arc<Stats>,
        live: broadcast::Sender<LiveUpdate>,
    ) -> Self {
        Self {
            dedupe: Dedupe::new(config.dedupe_window_ms, 32_768),
            config,
            store,
            stats,
            live,
            decoder: Decoder::new(DecoderConfig::RECOMMENDED),
            normalizer: Normalizer::new(),
            framers: HashMap::new(),
            next_source_id: 0,
            started: Instant::now(),
            positions: Vec::new(),
            statics: Vec::new(),
            quarantine: Vec::new(),
            acks: Vec::new(),
            writes: tokio::task::JoinSet::new(),
            geofence: None,
            // Faster than any fishing boat or patrol vessel; memory for 500,000 vessels.
            plausibility: Plausibility::new(60.0, 500_000),
            events: Vec::new(),
            raised: Vec::new(),
            rules: None,
            outputs: Vec::new(),
            alert_jobs: None,
            zones_here: Vec::new(),
            committed: None,
        }
    }

    async fn run(mut self, mut rx: mpsc::Receiver<Input>) {
        let interval = Duration::from_millis(self.config.flush_interval_ms.max(1));
        let mut deadline = tokio::time::Instant::now() + interval;
        let mut tick = tokio::time::interval(RULES_TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                input = rx.recv() => match input {
                    Some(Input::Shutdown) | None => break,
                    Some(input) => self.take(input),
                },
                () = tokio::time::sleep_until(deadline) => {
                    self.expire_fragments();
                    self.flush().await;
                    deadline = tokio::time::Instant::now() + interval;
                }
                _ = tick.tick(), if self.rules.is_some() => {
                    if let Some(rules) = self.rules.as_mut() {
                        rules.tick(now_ms(), &mut self.outputs);
                    }
                }
            }
            if self.positions.len() >= self.config.batch_size || !self.acks.is_empty() {
                self.flush().await;
                deadline = tokio::time::Instant::now() + interval;
            } else if !self.outputs.is_empty() {
                // An alert does not wait for the batch to fill: its fixes are written
                // within ALERT_FLUSH. Not at once: under a burst that raises many alerts,
                // a flush per alert would cut the writes into tiny transactions.
                deadline = deadline.min(tokio::time::Instant::now() + ALERT_FLUSH);
            }
        }
        // Everything queued before the shutdown is taken too.
        rx.close();
        while let Some(input) = rx.recv().await {
            if !matches!(input, Input::Shutdown) {
                self.take(input);
            }
        }
        let sources: Vec<SourceName> = self.framers.keys().cloned().collect();
        for source in sources {
            self.take(Input::End { source });
        }
        self.flush().await;
        self.drain_writes().await;
        self.alert_jobs = None;
    }

    fn monotonic_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    fn take(&mut self, input: Input) {
        match input {
            Input::Bytes {
                source,
                received_ms,
                bytes,
            } => {
                let (id, mut framer) = self.framer(&source);
                let now = self.monotonic_ms();
                let mut collect =
                    Collect::new(&self.normalizer, &mut self.dedupe, &source, received_ms);
                framer.push(&bytes, &mut |frame| {
                    self.decoder
                        .feed(frame, id, now, &mut |e| collect.event(&e));
                });
                let items = collect.items;
                let lines_before = self.stats.lines.load(Ordering::Relaxed);
                self.absorb(items, None, &source);
                let lines = self.decoder.stats().lines - lines_before;
                metrics::counter!(
                    "haidang_ingest_lines_total",
                    "source" => source_kind(&source),
                    "feed" => feed_label(&source)
                )
                .increment(lines);
                self.framers.insert(source, (id, framer));
            }
            Input::End { source } => {
                if let Some((id, mut framer)) = self.framers.remove(&source) {
                    let now = self.monotonic_ms();
                    let mut collect =
                        Collect::new(&self.normalizer, &mut self.dedupe, &source, now_ms());
                    framer.finish(&mut |frame| {
                        self.decoder
                            .feed(frame, id, now, &mut |e| collect.event(&e));
                    });
                    let items = collect.items;
                    self.absorb(items, None, &source);
                }
            }
            Input::Batch {
                source,
                received_ms,
                lines,
                ack,
            } => {
                // A batch is a whole unit with its own decoder: fragments it leaves pending
                // are rejected with it, and it cannot break another source's messages.
                let mut decoder = Decoder::new(DecoderConfig::RECOMMENDED);
                let mut collect =
                    Collect::new(&self.normalizer, &mut self.dedupe, &source, received_ms);
                let mut report = BatchReport {
                    lines: lines.len() as u64,
                    ..BatchReport::default()
                };
                for line in &lines {
                    decoder.feed_line(line.as_bytes(), 0, 0, &mut |e| collect.event(&e));
                }
                decoder.finish(&mut |e| collect.event(&e));
                self.stats
                    .batch_lines
                    .fetch_add(decoder.stats().lines, Ordering::Relaxed);
                let items = collect.items;
                self.absorb(items, Some(&mut report), &source);
                self.acks.push((ack, report));
            }
            Input::Shutdown => {}
        }
    }

    fn framer(&mut self, source: &SourceName) -> (u32, LineFramer) {
        match self.framers.remove(source) {
            Some(entry) => entry,
            None => {
                // Each connection gets its own id, so that fragments never mix across feeds.
                self.next_source_id = self.next_source_id.wrapping_add(1);
                (
                    self.next_source_id,
                    LineFramer::new(self.config.max_line_bytes),
                )
            }
        }
    }

    fn expire_fragments(&mut self) {
        let now = self.monotonic_ms();
        let source: SourceName = Arc::from("expired");
        let mut collect = Collect::new(&self.normalizer, &mut self.dedupe, &source, now_ms());
        self.decoder.expire(now, &mut |e| collect.event(&e));
        let items = collect.items;
        self.absorb(items, None, &source);
    }

    fn absorb(
        &mut self,
        items: Vec<Outcome>,
        mut report: Option<&mut BatchReport>,
        source: &SourceName,
    ) {
        self.stats
            .lines
            .store(self.decoder.stats().lines, Ordering::Relaxed);
        // The feed, once per input rather than once per fix.
        let feed = feed_label(source);
        for outcome in items {
            match outcome {
                Outcome::Item(Item::Position(p)) => {
                    if let Some(r) = report.as_deref_mut() {
                        r.positions += 1;
                    }
                    self.monitor(&p, &feed);
                    self.positions.push(p);
                }
                Outcome::Item(Item::Static(v, s)) => self.statics.push((v, s)),
                Outcome::Item(Item::Distress(d)) => self.distress(&d),
                Outcome::Item(Item::Quarantine(q)) => {
                    metrics::counter!("haidang_ingest_quarantined_total", "reason" => q.reason.clone()).increment(1);
                    self.stats.quarantined.fetch_add(1, Ordering::Relaxed);
                    if let Some(r) = report.as_deref_mut() {
                        r.quarantined += 1;
                    }
                    self.quarantine.push(q);
                }
                Outcome::Skipped(reason) => {
                    metrics::counter!("haidang_ingest_skipped_total", "reason" => reason)
                        .increment(1);
                    self.stats.skipped.fetch_add(1, Ordering::Relaxed);
                }
                Outcome::Duplicate => {
                    metrics::counter!("haidang_ingest_duplicates_total").increment(1);
                    self.stats.duplicates.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }

    /// Runs a position through the plausibility gate, the geofence and the rules, keeping
    /// the zone events and the rules' outputs. A fix that implies an impossible speed is
    /// stored (it is evidence) and counted, but never moves the geofence's state; the rules
    /// see it as implausible.
    fn monitor(&mut self, p: &NewPosition, feed: &str) {
        let fix_ms = millis(p.fix_time);
        let verdict = self.plausibility.check(&p.vessel, fix_ms, p.position);
        if let Verdict::Implausible { .. } = verdict {
            metrics::counter!("haidang_ingest_implausible_total").increment(1);
            self.stats.implausible.fetch_add(1, Ordering::Relaxed);
        }
        let Some(geofence) = self.geofence.as_mut() else {
            return;
        };
        self.raised.clear();
        let key = p.vessel.key();
        if !matches!(verdict, Verdict::Implausible { .. }) {
            geofence.tracker.update(
                &geofence.zones,
                &geo::Haversine,
                &key,
                fix_ms,
                p.position,
                &mut self.raised,
            );
        }
        for e in &self.raised {
            let zone = geofence.zones.zone(e.zone);
            metrics::counter!("haidang_zone_events_total", "event" => e.kind.as_str(), "class" => zone.class().as_str()).increment(1);
            self.events.push(ZoneEvent {
                vessel: p.vessel.clone(),
                fix_time: p.fix_time,
                received_at: p.received_at,
                event: e.kind.as_str().to_owned(),
                zone_id: zone.id().to_owned(),
                zone_class: zone.class().as_str().to_owned(),
                country: zone.country().map(str::to_owned),
                distance_meters: e.distance.map(|d| d.0),
                position: p.position,
            });
        }
        let Some(rules) = self.rules.as_mut() else {
            return;
        };
        let zones = &geofence.zones;
        let zone_ref = |id: ZoneId| {
            let zone = zones.zone(id);
            haidang_rules::ZoneRef {
                id: zone.id(),
                class: zone.class(),
                country: zone.country(),
            }
        };
        zones.zones_at(p.position, &mut self.zones_here);
        let here: Vec<_> = self.zones_here.iter().map(|&id| zone_ref(id)).collect();
        let events: Vec<_> = self
            .raised
            .iter()
            .map(|e| haidang_rules::ZoneEvent {
                kind: match e.kind {
                    haidang_geofence::EventKind::Enter => haidang_rules::ZoneEventKind::Enter,
                    haidang_geofence::EventKind::Exit => haidang_rules::ZoneEventKind::Exit,
                    haidang_geofence::EventKind::Approach => haidang_rules::ZoneEventKind::Approach,
                },
                zone: zone_ref(e.zone),
                distance: e.distance,
                toward: None,
            })
            .collect();
        let (mmsi, kind) = match &p.vessel {
            VesselId::Mmsi(m) => (Some(*m), haidang_rules::Source::Ais),
            VesselId::Registration(_) => (None, haidang_rules::Source::Vms),
        };
        // Until the fleet register names each boat's VMS provider, a VMS feed stands for
        // its provider: each provider delivers through a feed of its own.
        let provider = (kind == haidang_rules::Source::Vms).then_some(feed);
        let observation = haidang_rules::Observation {
            vessel: &key,
            mmsi,
            source: kind,
            provider,
            fix_ms,
            received_ms: millis(p.received_at),
            position: p.position,
            sog: p.sog,
            plausibility: match verdict {
                Verdict::Plausible => haidang_rules::Plausibility::Plausible,
                Verdict::Late => haidang_rules::Plausibility::Unchecked,
                Verdict::Implausible { implied_knots } => haidang_rules::Plausibility::Impossible {
                    implied_speed: Knots(implied_knots),
                },
            },
            zones: &here,
            events: &events,
        };
        rules.observe(&observation, &mut self.outputs);
    }

    /// A safety text or an SOS goes to the rules, which decide whether it is a distress.
    fn distress(&mut self, d: &Distress) {
        metrics::counter!("haidang_ingest_distress_signals_total", "sos" => if d.sos { "true" } else { "false" }).increment(1);
        let Some(rules) = self.rules.as_mut() else {
            return;
        };
        let key = d.vessel.key();
        let signal = haidang_rules::DistressSignal {
            vessel: &key,
            mmsi: match &d.vessel {
                VesselId::Mmsi(m) => Some(*m),
                VesselId::Registration(_) => None,
            },
            kind: if d.sos {
                haidang_rules::SignalKind::VmsSos
            } else {
                haidang_rules::SignalKind::SafetyText
            },
            text: &d.text,
            time_ms: millis(d.time),
            received_ms: millis(d.received_at),
            position: None,
        };
        rules.signal(&signal, &mut self.outputs);
    }

    /// Hands everything pending to a writer task, waiting while the most writes allowed are
    /// in flight (so a slow store slows the reading, and memory stays bounded).
    async fn flush(&mut self) {
        let alerts = !self.outputs.is_empty();
        if alerts && let Some(jobs) = &self.alert_jobs {
            let zones = self.geofence.as_ref().map(|g| &*g.zones);
            let mut job = AlertJob::new(std::mem::take(&mut self.outputs), zones);
            if !self.positions.is_empty() {
                let (done, committed) = oneshot::channel();
                job.committed = Some(committed);
                self.committed = Some(done);
            }
            // In flush order, so that an alert is written before the one that closes it.
            let _ = jobs.send(job).await;
        }
        self.outputs.clear();
        if self.positions.is_empty()
            && self.statics.is_empty()
            && self.quarantine.is_empty()
            && self.acks.is_empty()
        {
            return;
        }
        while self.writes.len() >= MAX_CONCURRENT_WRITES {
            self.writes.join_next().await;
        }
        let batch = WriteBatch {
            positions: std::mem::take(&mut self.positions),
            events: std::mem::take(&mut self.events),
            statics: std::mem::take(&mut self.statics),
            quarantine: std::mem::take(&mut self.quarantine),
            acks: std::mem::take(&mut self.acks),
            committed: self.committed.take(),
        };
        let writer = Writer {
            store: self.store.clone(),
            stats: self.stats.clone(),
            live: self.live.clone(),
            chunk: self.config.batch_size.max(1),
        };
        self.writes.spawn(writer.write_until_stored(batch));
    }

    /// Waits for every write in flight.
    async fn drain_writes(&mut self) {
        while self.writes.join_next().await.is_some() {}
    }
}

/// The wait between attempts at a failing store write: 100 ms, doubling up to 5 s. Every
/// store write of the pipeline (positions, alerts, resolutions) retries on this schedule.
pub(crate) struct StoreBackoff(Duration);

impl StoreBackoff {
    pub(crate) fn new() -> Self {
        Self(Duration::from_millis(100))
    }

    /// The next wait, in milliseconds (for the log line before it).
    pub(crate) fn next_ms(&self) -> u64 {
        self.0.as_millis() as u64
    }

    /// Waits, and doubles the next wait.
    pub(crate) async fn wait(&mut self) {
        tokio::time::sleep(self.0).await;
        self.0 = (self.0 * 2).min(Duration::from_secs(5));
    }
}

/// Writes that may run at once. Two keep both of this machine's cores busy in the
/// database; their row locks are taken in one order (vessels sorted by key, latest
/// positions by vessel id), so they cannot deadlock each other.
const MAX_CONCURRENT_WRITES: usize = 2;

/// What one write stores, and whom it acknowledges.
struct WriteBatch {
    positions: Vec<NewPosition>,
    events: Vec<ZoneEvent>,
    statics: Vec<(VesselId, VesselStatic)>,
    quarantine: Vec<QuarantinedLine>,
    acks: Vec<(oneshot::Sender<BatchReport>, BatchReport)>,
    /// Told once the positions are committed: the alerts raised from them wait for it.
    committed: Option<oneshot::Sender<()>>,
}

struct Writer {
    store: Store,
    stats: Arc<Stats>,
    live: broadcast::Sender<LiveUpdate>,
    chunk: usize,
}

impl Writer {
    /// Writes the batch, retrying with backoff until the store takes it; then publishes the
    /// positions and acknowledges the bridges' batches.
    async fn write_until_stored(self, batch: WriteBatch) {
        let mut backoff = StoreBackoff::new();
        loop {
            match self.write(&batch).await {
                Ok(stored) => {
                    self.stats.store_ok.store(true, Ordering::Relaxed);
                    let already = batch.positions.len() as u64 - stored;
                    self.stats
                        .positions_stored
                        .fetch_add(stored, Ordering::Relaxed);
                    self.stats
                        .positions_already_stored
                        .fetch_add(already, Ordering::Relaxed);
                    metrics::counter!("haidang_positions_stored_total").increment(stored);
                    for p in batch.positions {
                        let _ = self.live.send(Arc::new(p));
                    }
                    for (ack, report) in batch.acks {
                        let _ = ack.send(report);
                    }
                    if let Some(committed) = batch.committed {
                        let _ = committed.send(());
                    }
                    return;
                }
                Err(error) => {
                    self.stats.store_ok.store(false, Ordering::Relaxed);
                    self.stats.store_retries.fetch_add(1, Ordering::Relaxed);
                    metrics::counter!("haidang_store_retries_total").increment(1);
                    tracing::warn!(%error, retry_in_ms = backoff.next_ms(), "store write failed; retrying");
                    backoff.wait().await;
                }
            }
        }
    }

    /// One attempt: returns the number of new positions.
    async fn write(&self, batch: &WriteBatch) -> Result<u64, haidang_store::StoreError> {
        let mut stored = 0;
        for chunk in batch.positions.chunks(self.chunk) {
            stored += self.store.insert_positions(chunk).await?;
        }
        // After the positions, which create the vessels the events refer to.
        self.store.insert_zone_events(&batch.events).await?;
        self.store.upsert_vessels(&batch.statics).await?;
        if !batch.quarantine.is_empty() {
            self.store.insert_quarantined(&batch.quarantine).await?;
        }
        Ok(stored)
    }
}

// Outcomes are consumed right after they are made; boxing the large variant would cost an
// allocation per position for nothing.
#[allow(clippy::large_enum_variant)]
enum Outcome {
    Item(Item),
    Skipped(&'static str),
    Duplicate,
}

/// Turns a source's decoder events into outcomes, in order.
struct Collect<'p> {
    normalizer: &'p Normalizer,
    dedupe: &'p mut Dedupe,
    source: &'p SourceName,
    received_ms: i64,
    items: Vec<Outcome>,
}

impl<'p> Collect<'p> {
    fn new(
        normalizer: &'p Normalizer,
        dedupe: &'p mut Dedupe,
        source: &'p SourceName,
        received_ms: i64,
    ) -> Self {
        Self {
            normalizer,
            dedupe,
            source,
            received_ms,
            items: Vec::new(),
        }
    }

    fn event(&mut self, event: &Event<'_>) {
        let outcome = normalize(
            self.normalizer,
            self.dedupe,
            event,
            self.source,
            self.received_ms,
        );
        self.items.push(outcome);
    }
}

/// The kind of a source, for metric labels: `tcp`, `udp`, `serial`, `bridge`, `demo`...
/// (a label per connection would grow without bound).
fn source_kind(source: &SourceName) -> &'static str {
    const KINDS: [&str; 7] = [
        "tcp-client",
        "tcp",
        "udp",
        "serial",
        "bridge",
        "file",
        "demo",
    ];
    KINDS
        .into_iter()
        .find(|k| source.starts_with(k))
        .unwrap_or("other")
}

/// The feed a source belongs to, for metric labels: the source's name, except that a TCP
/// peer is named by its address without the port (each reconnection gets a new port) and
/// bridges count together as `bridge` (one label per device would grow with the fleet;
/// per-device figures are in the raw journal). Bounded by configuration and by the hosts
/// that feed us.
fn feed_label(source: &SourceName) -> String {
    if let Some(peer) = source.strip_prefix("tcp:") {
        let host = peer
            .parse::<std::net::SocketAddr>()
            .map_or_else(|_| peer.to_owned(), |addr| addr.ip().to_string());
        return format!("tcp:{host}");
    }
    if source.starts_with("bridge:") {
        return "bridge".to_owned();
    }
    source.to_string()
}

fn normalize(
    normalizer: &Normalizer,
    dedupe: &mut Dedupe,
    event: &Event<'_>,
    source: &SourceName,
    received_ms: i64,
) -> Outcome {
    if let Event::Rejected(r) = event {
        metrics::counter!(
            "haidang_ingest_rejected_total",
            "reason" => r.reason.as_str(),
            "source" => source_kind(source),
            "feed" => feed_label(source)
        )
        .increment(1);
    }
    if let Event::Ais(r) = event
        && !dedupe.first(
            r.sentences,
            r.tag_block.and_then(|t| t.time_ms()).unwrap_or(received_ms),
        )
    {
        return Outcome::Duplicate;
    }
    match normalizer.normalize(
        event,
        Received {
            source,
            at_ms: received_ms,
        },
    ) {
        Ok(item) => Outcome::Item(item),
        Err(skipped) => Outcome::Skipped(skipped.as_str()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_labels_stay_bounded() {
        for (source, feed) in [
            ("tcp:127.0.0.1:40000", "tcp:127.0.0.1"),
            ("tcp:[::1]:40001", "tcp:::1"),
            ("udp:0.0.0.0:10110", "udp:0.0.0.0:10110"),
            ("tcp-client:10.0.0.5:5631", "tcp-client:10.0.0.5:5631"),
            ("serial:/dev/ttyUSB0", "serial:/dev/ttyUSB0"),
            ("bridge:BV-90001-TS", "bridge"),
            ("file:capture.nmea", "file:capture.nmea"),
        ] {
            assert_eq!(feed_label(&SourceName::from(source)), feed, "{source}");
        }
    }
}
