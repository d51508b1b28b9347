//! The on-disk queue: stamped lines kept in append-only segment files until the shore has
//! acknowledged them.
//!
//! Layout of the queue directory:
//!
//! - `seg-NNNNNNNNNNNNNNNNNNNN.q`: segments, in order of their number. Each holds records
//!   `[len: u32 LE][crc32c(payload): u32 LE][payload]`, the payload being
//!   `[seq: u64 LE][recv_ms: i64 LE][kind: u8][line bytes]`. Only the last segment is
//!   written; a new one is started when it would pass the segment size.
//! - `acked`: the last sequence number the shore committed, written to a temporary file,
//!   synced and renamed, so it is either the old or the new value.
//! - `lock`: held (`flock`) while a bridge uses the directory.
//!
//! Sequence numbers are given here, one per record, in order, and never reused for a line
//! that may have been sent: the next number follows the last record on disk (or the
//! acknowledged position, whichever is higher), and only records already synced to disk
//! are handed to the uplink ([`Queue::next_batch`] stops at the durable position). A record
//! that was never synced can be lost by a power failure, and its number given again, but
//! the shore has never seen it.
//!
//! On open every segment is read and checked: a record that is cut short or whose CRC does
//! not match ends its segment there (the file is truncated to the last good record), and is
//! counted ([`QueueStats::torn_records`]). A torn write can only hit the record being
//! written when the process or machine died, so this loses at most that record.
//!
//! The queue is bounded by [`QueueConfig::max_bytes`]. When a record would pass it, the
//! **oldest** segment is dropped: an overflow record (`$PHDG,OVF,…`, see
//! [`crate::line::overflow`]) naming the sequence and time range dropped is appended and
//! synced first, then the segment is deleted. The oldest goes because a monitoring centre
//! needs to know where a boat is now; the overflow record tells the shore exactly which
//! stretch of history is missing. Its range runs from the first to the last line of the
//! segment not yet acknowledged (overflow records in it are carried forward: queued again
//! with their text, so each overflow record names one stretch and none is lost); lines of
//! it that were in flight when it was dropped may still arrive.

use std::collections::VecDeque;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::line::{self, Lost};

/// CRC-32C (Castagnoli), the checksum of each record's payload.
const CRC: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISCSI);

/// Bytes before the payload: length and CRC.
const HEADER: usize = 8;

/// Bytes of the payload before the line: sequence, receive time, kind.
const PAYLOAD_HEAD: usize = 17;

/// The largest payload accepted when reading; anything larger is corruption.
const MAX_PAYLOAD: usize = 64 * 1024;

/// The smallest segment (a smaller configured size is raised to this).
const MIN_SEGMENT_BYTES: u64 = 64 * 1024;

/// An error of the queue's files.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// A file operation failed.
    #[error("queue {op} {path}: {source}")]
    Io {
        /// What was being done.
        op: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// Another process holds the queue directory.
    #[error("queue directory {0} is in use by another bridge")]
    Locked(PathBuf),
    /// The `acked` file does not hold a number.
    #[error("queue file {0} does not hold a sequence number")]
    BadAck(PathBuf),
    /// A line too long to be a record.
    #[error("line of {0} bytes is too long for a queue record")]
    TooLong(usize),
}

fn io_err<'a>(op: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> QueueError + use<'a> {
    move |source| QueueError::Io {
        op,
        path: path.to_owned(),
        source,
    }
}

/// Size and sync policy of the queue. No `Default`: the bridge's config supplies it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueConfig {
    /// Upper bound of all segments together, in bytes (passed by at most one overflow
    /// record while the oldest segment is dropped).
    pub max_bytes: u64,
    /// Size at which a new segment is started; at most a quarter of `max_bytes`, at least
    /// 64 KiB.
    pub segment_bytes: u64,
    /// Sync to disk after this many records...
    pub fsync_every_records: u32,
    /// ...or this long after the first record not yet synced, whichever comes first.
    pub fsync_interval_ms: u64,
}

/// What a record holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A line read from the input.
    Line,
    /// A distress sentence.
    Distress,
    /// An overflow record.
    Overflow,
}

impl Kind {
    fn byte(self) -> u8 {
        match self {
            Kind::Line => 0,
            Kind::Distress => 1,
            Kind::Overflow => 2,
        }
    }

    fn from_byte(b: u8) -> Option<Kind> {
        match b {
            0 => Some(Kind::Line),
            1 => Some(Kind::Distress),
            2 => Some(Kind::Overflow),
            _ => None,
        }
    }
}

/// One queued line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// Its sequence number (the `n:` of its tag block).
    pub seq: u64,
    /// When it was read, UNIX milliseconds (the `c:` of its tag block).
    pub recv_ms: i64,
    /// What it is.
    pub kind: Kind,
    /// The stamped line, as it is sent.
    pub line: String,
}

/// Counters of the queue since it was opened.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueueStats {
    /// Records cut short or failing their CRC, truncated away on open or skipped on read.
    pub torn_records: u64,
    /// Bytes truncated or skipped with them.
    pub torn_bytes: u64,
    /// Overflow records written (each one a dropped segment).
    pub overflows: u64,
    /// Lines dropped by overflows.
    pub overflow_lines: u64,
    /// Records appended.
    pub appended: u64,
    /// Syncs to disk.
    pub syncs: u64,
}

#[derive(Debug)]
struct Segment {
    id: u64,
    path: PathBuf,
    bytes: u64,
    records: u64,
    first_seq: u64,
    last_seq: u64,
    first_ms: i64,
    last_ms: i64,
}

impl Segment {
    fn new(dir: &Path, id: u64) -> Segment {
        Segment {
            id,
            path: dir.join(format!("seg-{id:020}.q")),
            bytes: 0,
            records: 0,
            first_seq: 0,
            last_seq: 0,
            first_ms: 0,
            last_ms: 0,
        }
    }

    fn note(&mut self, seq: u64, recv_ms: i64, len: u64) {
        if self.records == 0 {
            self.first_seq = seq;
            self.first_ms = recv_ms;
        }
        self.records += 1;
        self.last_seq = seq;
        self.last_ms = recv_ms;
        self.bytes += len;
    }
}

/// A sync to run outside the queue's lock: sync `file`, then call
/// [`Queue::synced`] with `upto`.
#[derive(Debug)]
pub struct PendingSync {
    file: File,
    /// Every record up to this sequence number is in `file` or in a file already synced.
    pub upto: u64,
}

impl PendingSync {
    /// Syncs the file's data to disk.
    pub fn run(&self) -> io::Result<()> {
        self.file.sync_data()
    }
}

/// The queue. Not shared by itself: the bridge keeps it behind a mutex.
#[derive(Debug)]
pub struct Queue {
    dir: PathBuf,
    config: QueueConfig,
    _lock: File,
    segments: VecDeque<Segment>,
    /// The open last segment.
    file: File,
    next_seq: u64,
    acked: u64,
    /// Every record up to this sequence number has been synced to disk.
    durable: u64,
    /// Records appended and not yet synced, and when the first of them was.
    unsynced: u32,
    unsynced_since: Option<Instant>,
    /// Where [`Queue::next_batch`] reads next: segment id and offset.
    cursor: (u64, u64),
    stats: QueueStats,
    /// Distress records found on open and not acknowledged.
    distress: Vec<(u64, String)>,
    buf: Vec<u8>,
    line: String,
}

impl Queue {
    /// Opens (or creates) the queue in `dir`, checking every record, truncating a torn
    /// write, and deleting segments already acknowledged.
    pub fn open(dir: &Path, mut config: QueueConfig) -> Result<Queue, QueueError> {
        config.segment_bytes = config
            .segment_bytes
            .min(config.max_bytes / 4)
            .max(MIN_SEGMENT_BYTES);
        config.max_bytes = config.max_bytes.max(config.segment_bytes * 2);
        config.fsync_every_records = config.fsync_every_records.max(1);
        fs::create_dir_all(dir).map_err(io_err("create", dir))?;
        let lock_path = dir.join("lock");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io_err("open", &lock_path))?;
        if lock.try_lock().is_err() {
            return Err(QueueError::Locked(dir.to_owned()));
        }
        let acked = read_ack(dir)?;
        let mut ids = Vec::new();
        for entry in fs::read_dir(dir).map_err(io_err("list", dir))? {
            let entry = entry.map_err(io_err("list", dir))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if let Some(id) = name
                .strip_prefix("seg-")
                .and_then(|s| s.strip_suffix(".q"))
                .and_then(|s| s.parse::<u64>().ok())
            {
                ids.push(id);
            }
        }
        ids.sort_unstable();
        let mut stats = QueueStats::default();
        let mut segments = VecDeque::new();
        let mut distress = Vec::new();
        for id in ids {
            let segment = scan(dir, id, &mut stats, &mut distress)?;
            segments.push_back(segment);
        }
        // Drop empty segments and the wholly acknowledged ones, except the last.
        while segments.len() > 1 {
            let Some(front) = segments.front() else { break };
            if front.records > 0 && front.last_seq > acked {
                break;
            }
            remove(&front.path)?;
            segments.pop_front();
        }
        let mut kept = VecDeque::new();
        let count = segments.len();
        for (i, s) in segments.into_iter().enumerate() {
            if s.records == 0 && i + 1 < count {
                remove(&s.path)?;
            } else {
                kept.push_back(s);
            }
        }
        let mut segments = kept;
        let last_seq = segments.iter().map(|s| s.last_seq).max().unwrap_or(0);
        if segments.is_empty() {
            segments.push_back(Segment::new(dir, 1));
        }
        let Some(last) = segments.back() else {
            return Err(QueueError::BadAck(dir.to_owned()));
        };
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&last.path)
            .map_err(io_err("open", &last.path))?;
        // What a killed process left in the page cache is made durable before it is sent.
        file.sync_all().map_err(io_err("sync", &last.path))?;
        sync_dir(dir)?;
        let cursor = segments.front().map_or((0, 0), |s| (s.id, 0));
        let next_seq = last_seq.max(acked) + 1;
        distress.retain(|&(seq, _)| seq > acked);
        Ok(Queue {
            distress,
            dir: dir.to_owned(),
            config,
            _lock: lock,
            segments,
            file,
            next_seq,
            acked,
            durable: next_seq - 1,
            unsynced: 0,
            unsynced_since: None,
            cursor,
            stats,
            buf: Vec::with_capacity(512),
            line: String::with_capacity(256),
        })
    }

    /// The sequence number the next record gets.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// The last sequence number the shore acknowledged (0 for none).
    pub fn acked(&self) -> u64 {
        self.acked
    }

    /// Every record up to this sequence number is on disk.
    pub fn durable(&self) -> u64 {
        self.durable
    }

    /// Bytes in all segments.
    pub fn bytes(&self) -> u64 {
        self.segments.iter().map(|s| s.bytes).sum()
    }

    /// Segment files.
    pub fn segment_count(&self) -> usize {
        self.segments.len()
    }

    /// The distress records found on open that the shore had not acknowledged (sequence,
    /// stamped line), oldest first; taken once, to be sent ahead again.
    pub fn take_pending_distress(&mut self) -> Vec<(u64, String)> {
        std::mem::take(&mut self.distress)
    }

    /// The counters.
    pub fn stats(&self) -> &QueueStats {
        &self.stats
    }

    /// The effective configuration (sizes adjusted to their bounds).
    pub fn config(&self) -> &QueueConfig {
        &self.config
    }

    /// Stamps `sentence` for `device` with the next sequence number and `recv_ms`, and
    /// appends it (written to the file at once; synced by the policy). Returns the record's
    /// sequence number and the stamped line.
    pub fn append(
        &mut self,
        device: &str,
        kind: Kind,
        sentence: &str,
        recv_ms: i64,
    ) -> Result<(u64, &str), QueueError> {
        let len = (HEADER + PAYLOAD_HEAD + sentence.len() + device.len() + 64) as u64;
        while self.bytes() + len > self.config.max_bytes && self.segments.len() > 1 {
            self.drop_oldest(device)?;
        }
        let seq = self.write(device, kind, sentence, recv_ms)?;
        Ok((seq, &self.line))
    }

    fn write(
        &mut self,
        device: &str,
        kind: Kind,
        sentence: &str,
        recv_ms: i64,
    ) -> Result<u64, QueueError> {
        let seq = self.next_seq;
        self.line.clear();
        line::stamp(device, recv_ms, seq, sentence, &mut self.line);
        if self.line.len() > MAX_PAYLOAD - PAYLOAD_HEAD {
            return Err(QueueError::TooLong(self.line.len()));
        }
        self.buf.clear();
        let payload_len = PAYLOAD_HEAD + self.line.len();
        self.buf
            .extend_from_slice(&(payload_len as u32).to_le_bytes());
        self.buf.extend_from_slice(&[0; 4]);
        self.buf.extend_from_slice(&seq.to_le_bytes());
        self.buf.extend_from_slice(&recv_ms.to_le_bytes());
        self.buf.push(kind.byte());
        self.buf.extend_from_slice(self.line.as_bytes());
        let crc = CRC.checksum(&self.buf[HEADER..]);
        self.buf[4..8].copy_from_slice(&crc.to_le_bytes());
        let roll = self.segments.back().is_some_and(|s| {
            s.records > 0 && s.bytes + self.buf.len() as u64 > self.config.segment_bytes
        });
        if roll {
            self.roll()?;
        }
        let Some(segment) = self.segments.back_mut() else {
            return Err(QueueError::BadAck(self.dir.clone()));
        };
        if let Err(source) = self.file.write_all(&self.buf) {
            // A partial write is cut off again, so that the segment stays well formed.
            let _ = self.file.set_len(segment.bytes);
            return Err(QueueError::Io {
                op: "write",
                path: segment.path.clone(),
                source,
            });
        }
        segment.note(seq, recv_ms, self.buf.len() as u64);
        self.next_seq += 1;
        self.stats.appended += 1;
        self.unsynced += 1;
        self.unsynced_since.get_or_insert_with(Instant::now);
        Ok(seq)
    }

    /// Closes the last segment (synced) and starts the next.
    fn roll(&mut self) -> Result<(), QueueError> {
        let Some(last) = self.segments.back() else {
            return Ok(());
        };
        self.file.sync_all().map_err(io_err("sync", &last.path))?;
        let next = Segment::new(&self.dir, last.id + 1);
        self.synced(self.next_seq - 1);
        self.file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&next.path)
            .map_err(io_err("create", &next.path))?;
        sync_dir(&self.dir)?;
        self.segments.push_back(next);
        Ok(())
    }

    /// Drops the oldest segment: writes and syncs an overflow record for what in it was not
    /// acknowledged, then deletes the file.
    fn drop_oldest(&mut self, device: &str) -> Result<(), QueueError> {
        let Some(oldest) = self.segments.front() else {
            return Ok(());
        };
        let path = oldest.path.clone();
        let mut lost: Option<Lost> = None;
        // Overflow records of the dropped segment are carried forward (queued again with
        // their text), so that every overflow record names one stretch and none is lost.
        let mut carried: Vec<Record> = Vec::new();
        if oldest.last_seq > self.acked {
            // Streamed: a segment can hold megabytes of lines; only overflow records (a
            // few) are kept.
            let acked = self.acked;
            for_each_record(&path, |seq, recv_ms, kind, line| {
                if seq <= acked {
                    return;
                }
                if kind == Kind::Overflow {
                    carried.push(Record {
                        seq,
                        recv_ms,
                        kind,
                        line: String::from_utf8_lossy(line).into_owned(),
                    });
                    return;
                }
                let l = lost.get_or_insert(Lost {
                    first_seq: seq,
                    last_seq: seq,
                    first_ms: recv_ms,
                    last_ms: recv_ms,
                    lines: 0,
                });
                l.last_seq = seq;
                l.last_ms = recv_ms;
                l.lines += 1;
            })?;
        }
        for r in &carried {
            if let Some(start) = r.line.find("$PHDG,OVF,") {
                self.write(device, Kind::Overflow, &r.line[start..], r.recv_ms)?;
            }
        }
        if let Some(lost) = lost {
            let sentence = line::overflow(&lost);
            tracing::error!(
                first_seq = lost.first_seq,
                last_seq = lost.last_seq,
                first_ms = lost.first_ms,
                last_ms = lost.last_ms,
                lines = lost.lines,
                "queue full: oldest unsent lines dropped, overflow record queued"
            );
            self.write(device, Kind::Overflow, &sentence, lost.last_ms)?;
            self.stats.overflows += 1;
            self.stats.overflow_lines += lost.lines;
        }
        self.sync_now()?;
        remove(&path)?;
        self.segments.pop_front();
        if let Some(front) = self.segments.front()
            && self.cursor.0 < front.id
        {
            self.cursor = (front.id, 0);
        }
        Ok(())
    }

    /// Syncs the last segment now, under the caller's lock.
    pub fn sync_now(&mut self) -> Result<(), QueueError> {
        if self.unsynced == 0 {
            return Ok(());
        }
        let upto = self.next_seq - 1;
        if let Err(source) = self.file.sync_data() {
            let path = self
                .segments
                .back()
                .map(|s| s.path.clone())
                .unwrap_or_default();
            return Err(QueueError::Io {
                op: "sync",
                path,
                source,
            });
        }
        self.synced(upto);
        Ok(())
    }

    /// Whether the sync policy asks for a sync now: enough records, or the oldest unsynced
    /// one waited long enough.
    pub fn sync_due(&self) -> bool {
        self.unsynced >= self.config.fsync_every_records
            || self.unsynced_since.is_some_and(|t| {
                t.elapsed() >= Duration::from_millis(self.config.fsync_interval_ms)
            })
    }

    /// A sync of what is written so far, to run without the lock; `None` if nothing waits.
    pub fn begin_sync(&mut self) -> Result<Option<PendingSync>, QueueError> {
        if self.unsynced == 0 {
            return Ok(None);
        }
        let file = self.file.try_clone().map_err(|source| QueueError::Io {
            op: "dup",
            path: self.dir.clone(),
            source,
        })?;
        let upto = self.next_seq - 1;
        self.unsynced = 0;
        self.unsynced_since = None;
        Ok(Some(PendingSync { file, upto }))
    }

    /// A sync from [`Queue::begin_sync`] failed: the records wait for the next one.
    pub fn sync_failed(&mut self) {
        self.unsynced = self.unsynced.max(1);
        self.unsynced_since.get_or_insert_with(Instant::now);
    }

    /// Records that everything up to `upto` is on disk.
    pub fn synced(&mut self, upto: u64) {
        if upto >= self.next_seq - 1 {
            self.unsynced = 0;
            self.unsynced_since = None;
        }
        self.durable = self.durable.max(upto);
        self.stats.syncs += 1;
    }

    /// Reads the next records after the last batch read, all durable and not acknowledged:
    /// at most `max_lines`, and lines of at most `max_bytes` together (at least one record
    /// when any is there). Records that fail their CRC end their segment (counted).
    pub fn next_batch(
        &mut self,
        max_lines: usize,
        max_bytes: usize,
    ) -> Result<Vec<Record>, QueueError> {
        let mut out = Vec::new();
        let mut bytes = 0;
        let ids: Vec<(u64, PathBuf)> = self
            .segments
            .iter()
            .filter(|s| s.id >= self.cursor.0)
            .map(|s| (s.id, s.path.clone()))
            .collect();
        for (id, path) in ids {
            if out.len() >= max_lines || self.durable <= self.acked {
                break;
            }
            let offset = if id == self.cursor.0 {
                self.cursor.1
            } else {
                0
            };
            let mut got = Vec::new();
            let read = read_records(
                &path,
                offset,
                self.durable,
                max_lines - out.len(),
                max_bytes.saturating_sub(bytes),
                out.is_empty(),
                &mut got,
            )?;
            self.cursor = (id, read.end);
            if read.corrupt {
                tracing::error!(path = %path.display(), offset = read.end, "corrupt queue record; rest of segment skipped");
                self.stats.torn_records += 1;
                if self.segments.back().is_some_and(|s| s.id == id) {
                    // New records go to a fresh segment, after the damage.
                    self.roll()?;
                }
                self.cursor = (id + 1, 0);
                continue;
            }
            for r in got {
                if r.seq > self.acked {
                    bytes += r.line.len();
                    out.push(r);
                }
            }
            if !read.at_end {
                break;
            }
            // The segment is read to its end; go on with the next one, unless it is the
            // last (still written to).
            if self.segments.back().is_some_and(|s| s.id == id) {
                break;
            }
            self.cursor = (id + 1, 0);
        }
        Ok(out)
    }

    /// Moves the read position back to the first record not acknowledged (after an
    /// uplink gave up a batch without acknowledging it).
    pub fn rewind(&mut self) {
        self.cursor = self.segments.front().map_or((0, 0), |s| (s.id, 0));
    }

    /// The shore committed everything up to `seq`: persists it and deletes the segments it
    /// covers wholly (never the one being written).
    pub fn ack(&mut self, seq: u64) -> Result<(), QueueError> {
        if seq <= self.acked {
            return Ok(());
        }
        self.acked = seq;
        write_ack(&self.dir, seq)?;
        while self.segments.len() > 1 {
            let Some(front) = self.segments.front() else {
                break;
            };
            if front.last_seq > seq {
                break;
            }
            remove(&front.path)?;
            self.segments.pop_front();
        }
        if let Some(front) = self.segments.front()
            && self.cursor.0 < front.id
        {
            self.cursor = (front.id, 0);
        }
        Ok(())
    }
}

/// Reads and checks segment `id`, truncating it after its last good record.
/// Distress records remembered from the open (the newest this many).
const MAX_PENDING_DISTRESS: usize = 16;

fn scan(
    dir: &Path,
    id: u64,
    stats: &mut QueueStats,
    distress: &mut Vec<(u64, String)>,
) -> Result<Segment, QueueError> {
    let mut segment = Segment::new(dir, id);
    let file = File::open(&segment.path).map_err(io_err("open", &segment.path))?;
    let size = file
        .metadata()
        .map_err(io_err("stat", &segment.path))?
        .len();
    let mut reader = BufReader::with_capacity(64 * 1024, file);
    let mut payload = Vec::new();
    let mut good = 0_u64;
    loop {
        match next_record(&mut reader, &mut payload) {
            Ok(Some((seq, recv_ms, kind, line))) => {
                if kind == Kind::Distress {
                    if distress.len() == MAX_PENDING_DISTRESS {
                        distress.remove(0);
                    }
                    distress.push((seq, String::from_utf8_lossy(line).into_owned()));
                }
                let len = (HEADER + PAYLOAD_HEAD + line.len()) as u64;
                segment.note(seq, recv_ms, len);
                good += len;
            }
            Ok(None) => break,
            Err(ReadEnd::Corrupt) => {
                stats.torn_records += 1;
                stats.torn_bytes += size - good;
                tracing::warn!(
                    path = %segment.path.display(),
                    kept_bytes = good,
                    dropped_bytes = size - good,
                    "torn or corrupt record at the end of a queue segment; truncated"
                );
                let file = OpenOptions::new()
                    .write(true)
                    .open(&segment.path)
                    .map_err(io_err("open", &segment.path))?;
                file.set_len(good)
                    .map_err(io_err("truncate", &segment.path))?;
                file.sync_all().map_err(io_err("sync", &segment.path))?;
                break;
            }
            Err(ReadEnd::Io(e)) => return Err(io_err("read", &segment.path)(e)),
        }
    }
    Ok(segment)
}

/// A record as read: sequence, receive time, kind, line bytes (borrowed from the payload).
type RawRecord<'p> = (u64, i64, Kind, &'p [u8]);

enum ReadEnd {
    Corrupt,
    Io(io::Error),
}

/// Reads one record: `Ok(None)` at a clean end of file.
fn next_record<'p>(
    reader: &mut impl Read,
    payload: &'p mut Vec<u8>,
) -> Result<Option<RawRecord<'p>>, ReadEnd> {
    let mut header = [0_u8; HEADER];
    let mut got = 0;
    while got < HEADER {
        match reader.read(&mut header[got..]) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => return Err(ReadEnd::Corrupt),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(ReadEnd::Io(e)),
        }
    }
    let len = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
    let crc = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
    if !(PAYLOAD_HEAD..=MAX_PAYLOAD).contains(&len) {
        return Err(ReadEnd::Corrupt);
    }
    payload.resize(len, 0);
    match reader.read_exact(payload) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Err(ReadEnd::Corrupt),
        Err(e) => return Err(ReadEnd::Io(e)),
    }
    if CRC.checksum(payload) != crc {
        return Err(ReadEnd::Corrupt);
    }
    let mut word = [0_u8; 8];
    word.copy_from_slice(&payload[0..8]);
    let seq = u64::from_le_bytes(word);
    word.copy_from_slice(&payload[8..16]);
    let recv_ms = i64::from_le_bytes(word);
    let kind = Kind::from_byte(payload[16]).ok_or(ReadEnd::Corrupt)?;
    let line = &payload[PAYLOAD_HEAD..];
    if std::str::from_utf8(line).is_err() {
        return Err(ReadEnd::Corrupt);
    }
    Ok(Some((seq, recv_ms, kind, line)))
}

struct ReadOutcome {
    /// Offset after the last record taken.
    end: u64,
    /// The end of the file was reached.
    at_end: bool,
    /// A bad record stopped the read.
    corrupt: bool,
}

/// Reads records of `path` from `offset` with `seq <= upto`, at most `max_lines` and
/// `max_bytes` of lines (the first record always, if any, when `first_free`).
fn read_records(
    path: &Path,
    offset: u64,
    upto: u64,
    max_lines: usize,
    max_bytes: usize,
    first_free: bool,
    out: &mut Vec<Record>,
) -> Result<ReadOutcome, QueueError> {
    let mut file = match File::open(path) {
        Ok(f) => f,
        // Dropped by an overflow meanwhile: nothing to read there.
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Ok(ReadOutcome {
                end: offset,
                at_end: true,
                corrupt: false,
            });
        }
        Err(e) => return Err(io_err("open", path)(e)),
    };
    file.seek(SeekFrom::Start(offset))
        .map_err(io_err("seek", path))?;
    let mut reader = BufReader::with_capacity(64 * 1024, file);
    let mut payload = Vec::new();
    let mut end = offset;
    let mut bytes = 0;
    let mut taken = 0;
    loop {
        if taken >= max_lines {
            return Ok(ReadOutcome {
                end,
                at_end: false,
                corrupt: false,
            });
        }
        match next_record(&mut reader, &mut payload) {
            Ok(Some((seq, recv_ms, kind, line))) => {
                let free = taken == 0 && first_free;
                if seq > upto || (!free && bytes + line.len() > max_bytes) {
                    return Ok(ReadOutcome {
                        end,
                        at_end: false,
                        corrupt: false,
                    });
                }
                bytes += line.len();
                taken += 1;
                end += (HEADER + PAYLOAD_HEAD + line.len()) as u64;
                out.push(Record {
                    seq,
                    recv_ms,
                    kind,
                    line: String::from_utf8_lossy(line).into_owned(),
                });
            }
            Ok(None) => {
                return Ok(ReadOutcome {
                    end,
                    at_end: true,
                    corrupt: false,
                });
            }
            Err(ReadEnd::Corrupt) => {
                return Ok(ReadOutcome {
                    end,
                    at_end: true,
                    corrupt: true,
                });
            }
            Err(ReadEnd::Io(e)) => return Err(io_err("read", path)(e)),
        }
    }
}

/// Calls `f` with every good record of `path`, in order, up to the first bad one.
fn for_each_record(
    path: &Path,
    mut f: impl FnMut(u64, i64, Kind, &[u8]),
) -> Result<(), QueueError> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_err("open", path)(e)),
    };
    let mut reader = BufReader::with_capacity(64 * 1024, file);
    let mut payload = Vec::new();
    loop {
        match next_record(&mut reader, &mut payload) {
            Ok(Some((seq, recv_ms, kind, line))) => f(seq, recv_ms, kind, line),
            Ok(None) | Err(ReadEnd::Corrupt) => return Ok(()),
            Err(ReadEnd::Io(e)) => return Err(io_err("read", path)(e)),
        }
    }
}

fn read_ack(dir: &Path) -> Result<u64, QueueError> {
    let path = dir.join("acked");
    match fs::read_to_string(&path) {
        Ok(text) => text
            .trim()
            .parse()
            .map_err(|_| QueueError::BadAck(path.clone())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(0),
        Err(e) => Err(io_err("read", &path)(e)),
    }
}

fn write_ack(dir: &Path, seq: u64) -> Result<(), QueueError> {
    let tmp = dir.join("acked.tmp");
    let path = dir.join("acked");
    let mut file = File::create(&tmp).map_err(io_err("create", &tmp))?;
    file.write_all(format!("{seq}\n").as_bytes())
        .map_err(io_err("write", &tmp))?;
    file.sync_all().map_err(io_err("sync", &tmp))?;
    fs::rename(&tmp, &path).map_err(io_err("rename", &path))?;
    sync_dir(dir)
}

fn remove(path: &Path) -> Result<(), QueueError> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_err("delete", path)(e)),
    }
}

fn sync_dir(dir: &Path) -> Result<(), QueueError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err("sync", dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> QueueConfig {
        QueueConfig {
            max_bytes: 1 << 20,
            segment_bytes: 64 * 1024,
            fsync_every_records: 10,
            fsync_interval_ms: 100,
        }
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("haidang-queue-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    fn sentence(i: u64) -> String {
        haidang_nmea::encode::sentence('$', &format!("GPTXT,01,01,02,line {i}"))
    }

    #[test]
    fn records_come_back_in_order_after_reopen_and_ack_deletes_segments() {
        let dir = temp_dir("order");
        let mut q = Queue::open(&dir, config()).expect("open");
        for i in 1..=3000 {
            let (seq, _) = q
                .append("dev", Kind::Line, &sentence(i), 1000 + i as i64)
                .expect("append");
            assert_eq!(seq, i);
        }
        assert!(q.next_batch(10, 1 << 20).expect("read").len() <= 3000);
        q.rewind();
        drop(q);
        let mut q = Queue::open(&dir, config()).expect("reopen");
        assert!(q.segment_count() > 1);
        let batch = q.next_batch(5000, 1 << 22).expect("read");
        assert_eq!(batch.len(), 3000);
        for (i, r) in batch.iter().enumerate() {
            assert_eq!(r.seq, i as u64 + 1);
            assert!(r.line.ends_with(&sentence(r.seq)));
        }
        q.ack(2990).expect("ack");
        assert_eq!(q.segment_count(), 1);
        drop(q);
        let mut q = Queue::open(&dir, config()).expect("reopen");
        assert_eq!(q.acked(), 2990);
        assert_eq!(q.next_seq(), 3001);
        let batch = q.next_batch(5000, 1 << 22).expect("read");
        assert_eq!(
            batch.iter().map(|r| r.seq).collect::<Vec<_>>(),
            (2991..=3000).collect::<Vec<_>>()
        );
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn only_durable_records_are_read() {
        let dir = temp_dir("durable");
        let mut q = Queue::open(&dir, config()).expect("open");
        q.append("dev", Kind::Line, &sentence(1), 1)
            .expect("append");
        assert!(q.next_batch(10, 1000).expect("read").is_empty());
        let pending = q.begin_sync().expect("sync").expect("pending");
        pending.run().expect("fsync");
        q.synced(pending.upto);
        assert_eq!(q.next_batch(10, 1000).expect("read").len(), 1);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_second_open_of_the_same_directory_is_refused() {
        let dir = temp_dir("lock");
        let _q = Queue::open(&dir, config()).expect("open");
        assert!(matches!(
            Queue::open(&dir, config()),
            Err(QueueError::Locked(_))
        ));
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn overflow_drops_the_oldest_and_says_what() {
        let dir = temp_dir("overflow");
        let mut cfg = config();
        cfg.max_bytes = 256 * 1024;
        let mut q = Queue::open(&dir, cfg).expect("open");
        for i in 1..=5000 {
            q.append("dev", Kind::Line, &sentence(i), i as i64)
                .expect("append");
        }
        q.sync_now().expect("sync");
        assert!(q.bytes() <= 256 * 1024 + 200, "{}", q.bytes());
        assert!(q.stats().overflows > 0);
        let batch = q.next_batch(10_000, 1 << 22).expect("read");
        let first = batch.first().expect("records");
        assert!(first.seq > 1);
        let lost: Vec<Lost> = batch
            .iter()
            .filter(|r| r.kind == Kind::Overflow)
            .map(|r| line::parse_overflow(&r.line).expect("overflow sentence"))
            .collect();
        // The overflow records still queued cover everything dropped, from seq 1 on.
        assert_eq!(lost.iter().map(|l| l.first_seq).min(), Some(1));
        assert_eq!(lost.iter().map(|l| l.first_ms).min(), Some(1));
        let data_kept = batch.iter().filter(|r| r.kind == Kind::Line).count() as u64;
        let data_lost: u64 = lost.iter().map(|l| l.lines).sum();
        assert_eq!(
            data_lost + data_kept,
            5000,
            "every line is kept or counted lost"
        );
        assert_eq!(data_lost, q.stats().overflow_lines, "{lost:?}");
        let _ = fs::remove_dir_all(&dir);
    }
}
