//! Stream sources: a TCP listener (feeds connect to us), a UDP listener, a TCP client
//! (we connect to a feed, and reconnect with backoff), and file replay. Each reads bytes
//! and hands them to the pipeline; framing and decoding happen there.
//!
//! Every source stops when `shutdown` turns true. TCP sources wait when the pipeline's
//! queue is full, so the sender is slowed by TCP itself; UDP cannot wait, so a full queue
//! drops the datagram and counts it.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::watch;

use crate::pipeline::{IngestHandle, SourceName};

/// Bytes read at a time.
const CHUNK: usize = 64 * 1024;

/// A connection that sends nothing for this long is closed (slow-loris clients).
const IDLE_TIMEOUT: Duration = Duration::from_secs(300);

/// Connections served at once by one listener.
const MAX_CONNECTIONS: usize = 256;

/// Accepts feeds on `listener` until shutdown; each connection is a source of its own,
/// named `tcp:PEER`.
pub async fn tcp_listener(
    listener: TcpListener,
    ingest: IngestHandle,
    mut shutdown: watch::Receiver<bool>,
) {
    let open = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    let mut connections = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let Ok(permit) = open.clone().try_acquire_owned() else {
                        tracing::warn!(%peer, "too many NMEA connections; refusing one");
                        continue;
                    };
                    let (ingest, shutdown) = (ingest.clone(), shutdown.clone());
                    connections.spawn(async move {
                        let source: SourceName = Arc::from(format!("tcp:{peer}"));
                        read_stream(stream, &source, &ingest, shutdown).await;
                        drop(permit);
                    });
                }
                Err(error) => {
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            _ = shutdown.changed() => break,
        }
    }
    // Connections end at the shutdown signal too, after handing on what they read.
    while connections.join_next().await.is_some() {}
}

/// Reads one TCP stream into the pipeline until it closes, idles out or shutdown.
async fn read_stream(
    mut stream: TcpStream,
    source: &SourceName,
    ingest: &IngestHandle,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut buf = vec![0_u8; CHUNK];
    loop {
        tokio::select! {
            read = tokio::time::timeout(IDLE_TIMEOUT, stream.read(&mut buf)) => match read {
                Ok(Ok(0)) | Err(_) => break,
                Ok(Ok(n)) => {
                    if ingest.send_bytes(source, buf[..n].to_vec()).await.is_err() {
                        return;
                    }
                }
                Ok(Err(error)) => {
                    tracing::info!(%error, %source, "NMEA connection failed");
                    break;
                }
            },
            _ = shutdown.changed() => break,
        }
    }
    let _ = ingest.end_of_stream(source).await;
}

/// Receives datagrams on `socket` until shutdown; one source named `udp:LOCAL`. A datagram
/// holds one or more whole sentences; a missing final line end is added.
pub async fn udp_listener(
    socket: UdpSocket,
    ingest: IngestHandle,
    mut shutdown: watch::Receiver<bool>,
) {
    let local = socket
        .local_addr()
        .map_or_else(|_| "udp".to_owned(), |a| format!("udp:{a}"));
    let source: SourceName = Arc::from(local);
    let mut buf = vec![0_u8; 65_536];
    loop {
        tokio::select! {
            received = socket.recv_from(&mut buf) => match received {
                Ok((n, _peer)) => {
                    let mut bytes = buf[..n].to_vec();
                    if !bytes.ends_with(b"\n") {
                        bytes.push(b'\n');
                    }
                    if let Err(crate::IngestError::Stopped) = ingest.try_send_bytes(&source, bytes) {
                        return;
                    }
                }
                Err(error) => tracing::debug!(%error, "UDP receive failed"),
            },
            _ = shutdown.changed() => break,
        }
    }
    let _ = ingest.end_of_stream(&source).await;
}

/// Connects to a feed at `addr` and reads it, reconnecting with exponential backoff
/// (1 s doubling to 60 s) until shutdown. The source is named `tcp-client:ADDR`.
pub async fn tcp_client(
    addr: SocketAddr,
    ingest: IngestHandle,
    mut shutdown: watch::Receiver<bool>,
) {
    let source: SourceName = Arc::from(format!("tcp-client:{addr}"));
    let mut backoff = Duration::from_secs(1);
    loop {
        tokio::select! {
            connected = TcpStream::connect(addr) => match connected {
                Ok(stream) => {
                    tracing::info!(%addr, "connected to NMEA feed");
                    backoff = Duration::from_secs(1);
                    read_stream(stream, &source, &ingest, shutdown.clone()).await;
                }
                Err(error) => tracing::info!(%error, %addr, "cannot connect to NMEA feed"),
            },
            _ = shutdown.changed() => return,
        }
        if *shutdown.borrow() {
            return;
        }
        tokio::select! {
            () = tokio::time::sleep(backoff) => {}
            _ = shutdown.changed() => return,
        }
        backoff = (backoff * 2).min(Duration::from_secs(60));
    }
}

/// How fast a capture file is replayed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ReplayPace {
    /// As fast as the pipeline takes it (backpressure sets the pace).
    AsFastAsPossible,
    /// At the pace it was recorded, read from the lines' tag-block times (`c:`), sped up
    /// by `speedup` (1.0 is real time). A line without a time goes with the line before.
    Recorded {
        /// How many recorded seconds pass in one real second; at least 1e-3.
        speedup: f64,
    },
}

/// What a replay read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReplayReport {
    /// Bytes read from the file.
    pub bytes: u64,
    /// Recorded milliseconds between the first and the last tag-block time.
    pub recorded_span_ms: i64,
}

/// Replays a capture file into the pipeline, as a source named `file:PATH`, until its end
/// or shutdown. At the recorded pace, lines are sent in runs that share a due time, and
/// the wait between runs is a timer, not a spin. A backwards tag-block time (a capture
/// merged from several receivers) is sent at once, never waited for.
pub async fn file_replay(
    path: &Path,
    pace: ReplayPace,
    ingest: IngestHandle,
    mut shutdown: watch::Receiver<bool>,
) -> std::io::Result<ReplayReport> {
    let mut file = tokio::fs::File::open(path).await?;
    let source: SourceName = Arc::from(format!("file:{}", path.display()));
    let mut buf = vec![0_u8; CHUNK];
    let mut report = ReplayReport::default();
    let mut clock = ReplayClock::new(pace);
    // Bytes not yet sent: whole lines not yet due, and the unterminated tail of the last
    // read. Bounded: a run of lines is sent when the next line's time is due, and a tail
    // without a line end longer than a chunk is sent as it is (the framer rejects it).
    let mut pending: Vec<u8> = Vec::with_capacity(CHUNK);
    loop {
        let n = tokio::select! {
            n = file.read(&mut buf) => n?,
            _ = shutdown.changed() => break,
        };
        if n == 0 {
            break;
        }
        report.bytes += n as u64;
        if clock.pace == ReplayPace::AsFastAsPossible {
            if ingest.send_bytes(&source, buf[..n].to_vec()).await.is_err() {
                break;
            }
            continue;
        }
        pending.extend_from_slice(&buf[..n]);
        let mut sent = 0;
        let mut cut = 0;
        while let Some(end) = memchr::memchr(b'\n', &pending[cut..]).map(|i| cut + i + 1) {
            if let Some(wait) = clock.wait_for(&pending[cut..end]) {
                if cut > sent
                    && ingest
                        .send_bytes(&source, pending[sent..cut].to_vec())
                        .await
                        .is_err()
                {
                    return Ok(clock.finish(report));
                }
                sent = cut;
                tokio::select! {
                    () = tokio::time::sleep(wait) => {}
                    _ = shutdown.changed() => return Ok(clock.finish(report)),
                }
            }
            cut = end;
        }
        let keep_from = if pending.len() - cut > CHUNK {
            pending.len()
        } else {
            cut
        };
        if keep_from > sent
            && ingest
                .send_bytes(&source, pending[sent..keep_from].to_vec())
                .await
                .is_err()
        {
            return Ok(clock.finish(report));
        }
        pending.drain(..keep_from);
    }
    if !pending.is_empty() {
        let _ = ingest
            .send_bytes(&source, std::mem::take(&mut pending))
            .await;
    }
    let _ = ingest.end_of_stream(&source).await;
    Ok(clock.finish(report))
}

/// When each line of a recorded capture is due.
struct ReplayClock {
    pace: ReplayPace,
    /// The first tag-block time and the real instant it was replayed at.
    origin: Option<(i64, tokio::time::Instant)>,
    last_ms: Option<i64>,
}

impl ReplayClock {
    fn new(pace: ReplayPace) -> Self {
        Self {
            pace,
            origin: None,
            last_ms: None,
        }
    }

    /// How long to wait before `line` is due; `None` when it is due now.
    fn wait_for(&mut self, line: &[u8]) -> Option<Duration> {
        let ReplayPace::Recorded { speedup } = self.pace else {
            return None;
        };
        let t = line_time_ms(line)?;
        self.last_ms = Some(self.last_ms.map_or(t, |l| l.max(t)));
        let (t0, start) = *self.origin.get_or_insert((t, tokio::time::Instant::now()));
        let offset_ms = (t - t0) as f64 / speedup.max(1e-3);
        if offset_ms <= 0.0 {
            return None;
        }
        let due = start + Duration::from_secs_f64(offset_ms / 1000.0);
        let now = tokio::time::Instant::now();
        (due > now).then(|| due - now)
    }

    fn finish(&self, mut report: ReplayReport) -> ReplayReport {
        if let (Some((t0, _)), Some(last)) = (self.origin, self.last_ms) {
            report.recorded_span_ms = last - t0;
        }
        report
    }
}

/// The tag-block time (`c:`) of a line, in UNIX milliseconds.
fn line_time_ms(line: &[u8]) -> Option<i64> {
    let rest = line.strip_prefix(b"\\")?;
    let end = memchr::memchr(b'\\', rest)?;
    let block = std::str::from_utf8(&rest[..end]).ok()?;
    haidang_nmea::TagBlock::parse(block).ok()?.time_ms()
}
