//! The running bridge: the state its tasks share, and the tasks that move lines from the
//! queue to the shore (the syncer, the uplink, distress senders).
//!
//! One mutex guards the queue; every operation under it is a short `write` or a read of
//! page-cached segment data, and the fsyncs of the sync policy run outside it (the
//! syncer). The uplink sends one batch at a time, the oldest first, and holds back new
//! batches while a distress is not yet acknowledged, so that on a thin satellite link the
//! distress does not compete with the backlog.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use haidang_nmea::{Frame, LineFramer, Reason, RejectCounts};
use serde_json::{Value, json};
use tokio::sync::{Notify, watch};

use crate::line;
use crate::queue::{Kind, Queue, QueueError};
use crate::uplink::{Backoff, Link, SendError, json_len};

/// Counters, for `status` and the periodic log line.
#[derive(Debug, Default)]
pub struct Stats {
    /// Lines framed from the inputs.
    pub lines_read: AtomicU64,
    /// Lines accepted and queued.
    pub lines_queued: AtomicU64,
    /// Lines that could not be written to the queue (disk errors).
    pub queue_errors: AtomicU64,
    /// Serial port opens.
    pub serial_opens: AtomicU64,
    /// Serial sessions ended by the no-data watchdog.
    pub watchdog_timeouts: AtomicU64,
    /// Batches acknowledged (or forwarded).
    pub batches_sent: AtomicU64,
    /// Lines acknowledged (or forwarded), resends included.
    pub lines_sent: AtomicU64,
    /// Failed sends that were retried.
    pub send_retries: AtomicU64,
    /// Batches refused for good (413, 422, 400).
    pub batches_refused: AtomicU64,
    /// Lines skipped because the shore refused them alone.
    pub poison_lines: AtomicU64,
    /// Distress signals raised.
    pub sos_raised: AtomicU64,
    /// Distress signals acknowledged by the shore.
    pub sos_acked: AtomicU64,
    rejected: Mutex<RejectCounts>,
}

/// How long a distress sender waits at most between attempts.
const SOS_BACKOFF_MAX: Duration = Duration::from_secs(5);

/// After this many lines in a row refused alone, refusals are taken as a shore-side fault
/// (everything refused), not as poison: the uplink waits and retries instead of skipping.
const MAX_POISON_IN_A_ROW: u64 = 100;

/// Distresses raised by input lines while this many are unacknowledged are not raised.
const MAX_SOS_PENDING_FROM_INPUT: u64 = 4;

/// What the bridge's tasks share.
#[derive(Debug)]
pub struct Shared {
    /// This device's id.
    pub device: String,
    queue: Mutex<Queue>,
    /// Counters.
    pub stats: Stats,
    wake_uplink: Notify,
    wake_sync: Notify,
    /// Distress signals not yet acknowledged; the uplink waits while there is one.
    sos_pending: watch::Sender<u64>,
    sos_prefix: Option<String>,
    sos_text: Option<String>,
    sos_link: std::sync::OnceLock<SosLink>,
}

/// Makes a fresh link for a distress sender.
pub type SosLinkFactory = Box<dyn Fn() -> Link + Send + Sync>;

struct SosLink(SosLinkFactory);

impl std::fmt::Debug for SosLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SosLink")
    }
}

/// Now, in UNIX milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl Shared {
    /// The shared state around an open queue.
    pub fn new(
        device: String,
        queue: Queue,
        sos_prefix: Option<String>,
        sos_text: Option<String>,
    ) -> Arc<Shared> {
        Arc::new(Shared {
            device,
            queue: Mutex::new(queue),
            stats: Stats::default(),
            wake_uplink: Notify::new(),
            wake_sync: Notify::new(),
            sos_pending: watch::Sender::new(0),
            sos_prefix,
            sos_text,
            sos_link: std::sync::OnceLock::new(),
        })
    }

    fn queue(&self) -> MutexGuard<'_, Queue> {
        // A panic while holding the lock cannot leave the queue inconsistent on disk (the
        // files are the truth); go on with the guard.
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn rejected(&self) -> MutexGuard<'_, RejectCounts> {
        self.stats
            .rejected
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// Frames `chunk` (read at `recv_ms`) with `framer`, checks each line and queues the
    /// accepted ones. Lines matching the serial distress prefix raise a distress too.
    pub fn ingest(self: &Arc<Self>, framer: &mut LineFramer, chunk: &[u8], recv_ms: i64) {
        let mut sos: Vec<String> = Vec::new();
        let mut rejects: Vec<Reason> = Vec::new();
        let mut sync = false;
        {
            let mut queue = self.queue();
            framer.push(chunk, &mut |frame| {
                self.take_frame(&mut queue, frame, recv_ms, &mut rejects, &mut sos);
            });
            sync |= queue.sync_due();
        }
        self.after_ingest(rejects, sos, sync);
    }

    /// Ends an input stream: an unterminated last line is taken as it is.
    pub fn finish(self: &Arc<Self>, framer: &mut LineFramer) {
        let mut sos = Vec::new();
        let mut rejects = Vec::new();
        let recv_ms = now_ms();
        let sync = {
            let mut queue = self.queue();
            framer.finish(&mut |frame| {
                self.take_frame(&mut queue, frame, recv_ms, &mut rejects, &mut sos);
            });
            queue.sync_due()
        };
        self.after_ingest(rejects, sos, sync);
    }

    fn after_ingest(self: &Arc<Self>, rejects: Vec<Reason>, sos: Vec<String>, sync: bool) {
        if !rejects.is_empty() {
            let mut counts = self.rejected();
            for r in rejects {
                counts.add(r);
            }
        }
        if sync {
            self.wake_sync.notify_one();
        }
        for text in sos {
            // A stuck panic button must not pile up senders: while a few distresses are
            // unacknowledged, more matching lines are only queued.
            if *self.sos_pending.borrow() >= MAX_SOS_PENDING_FROM_INPUT {
                tracing::warn!(
                    "distress line ignored: earlier distresses are not acknowledged yet"
                );
                continue;
            }
            if let Err(error) = self.raise_sos(&text) {
                tracing::error!(%error, "cannot queue the distress sentence");
            }
        }
    }

    fn take_frame(
        &self,
        queue: &mut Queue,
        frame: Frame<'_>,
        recv_ms: i64,
        rejects: &mut Vec<Reason>,
        sos: &mut Vec<String>,
    ) {
        self.stats.lines_read.fetch_add(1, Ordering::Relaxed);
        let line = match frame {
            Frame::Line(line) => line,
            Frame::Overlong(_) => {
                rejects.push(Reason::Overlong);
                return;
            }
        };
        let sentence = match line::check(line) {
            Ok(s) => s,
            Err(reason) => {
                rejects.push(reason);
                return;
            }
        };
        if let Some(prefix) = &self.sos_prefix
            && sentence.starts_with(prefix.as_str())
            && sos.len() < 4
        {
            let text = self.sos_text.clone().unwrap_or_else(|| {
                let body = sentence.get(1..).unwrap_or("");
                body.split('*').next().unwrap_or("").to_owned()
            });
            sos.push(text);
        }
        match queue.append(&self.device, Kind::Line, sentence, recv_ms) {
            Ok(_) => {
                self.stats.lines_queued.fetch_add(1, Ordering::Relaxed);
            }
            Err(error) => {
                let n = self.stats.queue_errors.fetch_add(1, Ordering::Relaxed);
                if n.is_power_of_two() || n == 0 {
                    tracing::error!(%error, lost_so_far = n + 1, "cannot queue a line; it is lost");
                }
            }
        }
    }

    /// Queues a distress sentence (synced at once) and returns its sequence number and
    /// stamped line; the caller sends it ahead of the queue with [`send_sos`].
    pub fn queue_sos(&self, text: &str) -> Result<(u64, String), QueueError> {
        let sentence = line::distress(text);
        let mut queue = self.queue();
        let (seq, stamped) = queue.append(&self.device, Kind::Distress, &sentence, now_ms())?;
        let stamped = stamped.to_owned();
        queue.sync_now()?;
        drop(queue);
        self.stats.sos_raised.fetch_add(1, Ordering::Relaxed);
        self.sos_pending.send_modify(|n| *n += 1);
        tracing::warn!(seq, line = %stamped, "distress raised");
        Ok((seq, stamped))
    }

    /// Queues a distress and starts sending it at once (needs the uplink's link factory
    /// registered with [`Shared::set_sos_link`]).
    pub fn raise_sos(self: &Arc<Self>, text: &str) -> Result<(u64, String), QueueError> {
        let (seq, stamped) = self.queue_sos(text)?;
        let shared = Arc::clone(self);
        let line = stamped.clone();
        tokio::spawn(async move { send_sos(shared, seq, line).await });
        Ok((seq, stamped))
    }

    /// Sends again, ahead of the queue, the distresses a previous run left unacknowledged
    /// (call once the distress link is set).
    pub fn resume_distress(self: &Arc<Self>) {
        let pending = self.queue().take_pending_distress();
        for (seq, line) in pending {
            tracing::warn!(seq, %line, "distress from before the restart not acknowledged; sending it again first");
            self.sos_pending.send_modify(|n| *n += 1);
            let shared = Arc::clone(self);
            tokio::spawn(async move { send_sos(shared, seq, line).await });
        }
    }

    /// The status report (`haidang-bridge status`).
    pub fn status(&self) -> Value {
        let s = &self.stats;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let rejected: serde_json::Map<String, Value> = self
            .rejected()
            .iter()
            .map(|(r, n)| (r.as_str().to_owned(), json!(n)))
            .collect();
        let queue = self.queue();
        let q = queue.stats();
        json!({
            "device": self.device,
            "next_seq": queue.next_seq(),
            "durable_seq": queue.durable(),
            "acked_seq": queue.acked(),
            "queue_bytes": queue.bytes(),
            "segments": queue.segment_count(),
            "torn_records": q.torn_records,
            "torn_bytes": q.torn_bytes,
            "overflows": q.overflows,
            "overflow_lines": q.overflow_lines,
            "lines_read": get(&s.lines_read),
            "lines_queued": get(&s.lines_queued),
            "rejected": rejected,
            "queue_errors": get(&s.queue_errors),
            "serial_opens": get(&s.serial_opens),
            "watchdog_timeouts": get(&s.watchdog_timeouts),
            "batches_sent": get(&s.batches_sent),
            "lines_sent": get(&s.lines_sent),
            "send_retries": get(&s.send_retries),
            "batches_refused": get(&s.batches_refused),
            "poison_lines": get(&s.poison_lines),
            "sos_raised": get(&s.sos_raised),
            "sos_acked": get(&s.sos_acked),
            "sos_pending": *self.sos_pending.borrow(),
        })
    }

    /// Registers how distress senders reach the shore (once, at start).
    pub fn set_sos_link(&self, factory: SosLinkFactory) {
        let _ = self.sos_link.set(SosLink(factory));
    }

    /// Persists the shore's acknowledgement of everything up to `seq`.
    fn ack(&self, seq: u64) {
        if let Err(error) = self.queue().ack(seq) {
            tracing::error!(%error, "cannot persist the acknowledged position; lines may be sent again");
        }
    }

    /// Syncs what is written (on shutdown).
    pub fn sync_now(&self) -> Result<(), QueueError> {
        self.queue().sync_now()
    }
}

/// Sends one distress line on its own link, retrying (backoff up to 5 s, `Retry-After`
/// honoured) until the shore acknowledges it or refuses it for good.
pub async fn send_sos(shared: Arc<Shared>, seq: u64, line: String) {
    let Some(SosLink(factory)) = shared.sos_link.get() else {
        tracing::error!(seq, "no uplink for the distress; it waits in the queue");
        shared.sos_pending.send_modify(|n| *n = n.saturating_sub(1));
        shared.wake_uplink.notify_one();
        return;
    };
    let mut link = factory();
    let batch_id = format!("{}:{seq}-{seq}", shared.device);
    let mut backoff = Backoff::new(Duration::from_millis(200), SOS_BACKOFF_MAX);
    let mut attempts = 0_u64;
    loop {
        attempts += 1;
        match link.send(&batch_id, &[line.as_str()]).await {
            Ok(_) => {
                shared.stats.sos_acked.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(seq, attempts, "distress acknowledged by the shore");
                break;
            }
            Err(SendError::Refused { status, detail }) => {
                tracing::error!(seq, status, %detail, "shore refused the distress; it stays in the queue");
                break;
            }
            Err(SendError::Retry { reason, after }) => {
                let wait = backoff.next(after.map(|a| a.min(Duration::from_secs(30))));
                tracing::warn!(seq, attempts, %reason, wait_ms = wait.as_millis() as u64, "distress not delivered yet; retrying");
                tokio::time::sleep(wait).await;
            }
        }
    }
    shared.sos_pending.send_modify(|n| *n = n.saturating_sub(1));
    shared.wake_uplink.notify_one();
}

/// The sync policy: fsyncs outside the queue's lock when enough records wait or the oldest
/// waited long enough; then wakes the uplink, which sends only synced records.
pub async fn syncer(shared: Arc<Shared>, interval: Duration, mut stop: watch::Receiver<bool>) {
    let tick = (interval / 2).max(Duration::from_millis(5));
    loop {
        tokio::select! {
            () = shared.wake_sync.notified() => {}
            () = tokio::time::sleep(tick) => {}
            _ = stop.changed() => {}
        }
        let stopping = *stop.borrow();
        let pending = {
            let mut queue = shared.queue();
            if !(queue.sync_due() || stopping) {
                continue;
            }
            queue.begin_sync()
        };
        match pending {
            Ok(Some(pending)) => {
                let done = tokio::task::spawn_blocking(move || {
                    let result = pending.run();
                    (pending, result)
                })
                .await;
                match done {
                    Ok((pending, Ok(()))) => {
                        shared.queue().synced(pending.upto);
                        shared.wake_uplink.notify_one();
                    }
                    Ok((_, Err(error))) => {
                        tracing::error!(%error, "queue fsync failed; retrying");
                        shared.queue().sync_failed();
                    }
                    Err(error) => {
                        tracing::error!(%error, "queue fsync task failed; retrying");
                        shared.queue().sync_failed();
                    }
                }
            }
            Ok(None) => {}
            Err(error) => tracing::error!(%error, "queue fsync could not start"),
        }
        if stopping {
            return;
        }
    }
}

/// Batch limits of the uplink.
#[derive(Clone, Copy, Debug)]
pub struct BatchLimits {
    /// Lines per batch.
    pub max_lines: usize,
    /// JSON bytes of the lines per batch.
    pub max_bytes: usize,
}

/// The uplink: the oldest unacknowledged records, in batches, until `stop`.
///
/// Each part of a batch that the shore commits is acknowledged at once (the position is
/// persisted). A failed send waits (backoff with jitter, at least the `Retry-After`) and
/// then reads the batch again from the queue, so that lines an overflow dropped meanwhile
/// are not sent. A refused batch (413, 422, 400) is split in halves; a line refused alone
/// is skipped, logged and counted, unless the shore has refused 100 lines alone in a row
/// (then it is taken as a shore-side fault, and the uplink waits and retries instead). A
/// distress raised while a batch is in flight cancels that request, which is sent again
/// once the distress is acknowledged.
pub async fn uplink(
    shared: Arc<Shared>,
    mut link: Link,
    limits: BatchLimits,
    mut backoff: Backoff,
    mut stop: watch::Receiver<bool>,
) {
    let mut poison_in_a_row = 0_u64;
    let mut sos = shared.sos_pending.subscribe();
    'batches: loop {
        if *stop.borrow() {
            return;
        }
        wait_for_sos(&shared, &mut stop).await;
        let batch = {
            let mut queue = shared.queue();
            // Lines are read by their JSON size: a line's text is smaller.
            queue.next_batch(limits.max_lines, limits.max_bytes / 2)
        };
        let batch = match batch {
            Ok(b) => b,
            Err(error) => {
                tracing::error!(%error, "cannot read the queue; retrying");
                shared.queue().rewind();
                sleep_or_stop(Duration::from_secs(1), &mut stop).await;
                continue;
            }
        };
        if batch.is_empty() {
            tokio::select! {
                () = shared.wake_uplink.notified() => {}
                () = tokio::time::sleep(Duration::from_secs(1)) => {}
                () = stopping(&mut stop) => {}
            }
            continue;
        }
        let lines: Vec<&str> = batch.iter().map(|r| r.line.as_str()).collect();
        let seqs: Vec<u64> = batch.iter().map(|r| r.seq).collect();
        // Parts to send, as index ranges into `lines`, the next on top; refused ones are
        // split.
        let mut todo: Vec<(usize, usize)> = split_by_bytes(&lines, limits.max_bytes);
        todo.reverse();
        while let Some((from, to)) = todo.pop() {
            let part = &lines[from..to];
            let last = seqs[to - 1];
            let id = format!("{}:{}-{}", shared.device, seqs[from], last);
            if *stop.borrow() {
                return;
            }
            sos.borrow_and_update();
            let sent = tokio::select! {
                r = link.send(&id, part) => Some(r),
                _ = sos.wait_for(|n| *n > 0) => None,
                () = stopping(&mut stop) => return,
            };
            let Some(sent) = sent else {
                tracing::info!(batch_id = %id, "batch in flight given up for a distress; sent again after it");
                shared.queue().rewind();
                continue 'batches;
            };
            match sent {
                Ok(delivered) => {
                    backoff.reset();
                    poison_in_a_row = 0;
                    shared.stats.batches_sent.fetch_add(1, Ordering::Relaxed);
                    shared
                        .stats
                        .lines_sent
                        .fetch_add(part.len() as u64, Ordering::Relaxed);
                    if let Some(ack) = delivered.ack {
                        tracing::debug!(batch_id = %id, lines = ack.lines, positions = ack.positions, quarantined = ack.quarantined, "batch committed");
                    }
                    shared.ack(last);
                }
                Err(SendError::Refused { status, detail }) => {
                    shared.stats.batches_refused.fetch_add(1, Ordering::Relaxed);
                    if part.len() > 1 {
                        tracing::error!(batch_id = %id, status, %detail, lines = part.len(), "shore refused the batch; splitting it");
                        let mid = from + part.len() / 2;
                        todo.push((mid, to));
                        todo.push((from, mid));
                        continue;
                    }
                    if poison_in_a_row >= MAX_POISON_IN_A_ROW {
                        let wait = backoff.next(None);
                        tracing::error!(batch_id = %id, status, %detail, "the shore refuses every line; waiting instead of skipping");
                        sleep_or_stop(wait, &mut stop).await;
                        shared.queue().rewind();
                        continue 'batches;
                    }
                    poison_in_a_row += 1;
                    shared.stats.poison_lines.fetch_add(1, Ordering::Relaxed);
                    tracing::error!(batch_id = %id, status, %detail, line = part[0], "shore refused this line for good; skipped");
                    shared.ack(last);
                }
                Err(SendError::Retry { reason, after }) => {
                    shared.stats.send_retries.fetch_add(1, Ordering::Relaxed);
                    let wait = backoff.next(after);
                    tracing::warn!(batch_id = %id, %reason, wait_ms = wait.as_millis() as u64, "batch not delivered; retrying");
                    sleep_or_stop(wait, &mut stop).await;
                    // Read again: an overflow may have dropped some of it meanwhile.
                    shared.queue().rewind();
                    continue 'batches;
                }
            }
        }
    }
}

/// Splits `lines` into ranges whose JSON stays under `max_bytes`.
fn split_by_bytes(lines: &[&str], max_bytes: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut bytes = 0;
    for (i, line) in lines.iter().enumerate() {
        let len = json_len(line);
        if i > start && bytes + len > max_bytes {
            out.push((start, i));
            start = i;
            bytes = 0;
        }
        bytes += len;
    }
    if start < lines.len() {
        out.push((start, lines.len()));
    }
    out
}

async fn wait_for_sos(shared: &Shared, stop: &mut watch::Receiver<bool>) {
    let mut pending = shared.sos_pending.subscribe();
    tokio::select! {
        _ = pending.wait_for(|n| *n == 0) => {}
        () = stopping(stop) => {}
    }
}

/// Resolves once `stop` turns true (or its sender is gone), holding no borrow afterwards.
pub async fn stopping(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

async fn sleep_or_stop(wait: Duration, stop: &mut watch::Receiver<bool>) {
    tokio::select! {
        () = tokio::time::sleep(wait) => {}
        () = stopping(stop) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_are_split_by_json_size() {
        let lines = ["a".repeat(10), "b".repeat(10), "c".repeat(10)];
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        assert_eq!(split_by_bytes(&refs, 1000), vec![(0, 3)]);
        assert_eq!(split_by_bytes(&refs, 26), vec![(0, 2), (2, 3)]);
        assert_eq!(split_by_bytes(&refs, 1), vec![(0, 1), (1, 2), (2, 3)]);
    }
}
