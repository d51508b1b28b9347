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

/// Replays a capture file as fast as the pipeline takes it; the source is `file:PATH`.
pub async fn file_replay(path: &Path, ingest: IngestHandle) -> std::io::Result<u64> {
    let mut file = tokio::fs::File::open(path).await?;
    let source: SourceName = Arc::from(format!("file:{}", path.display()));
    let mut buf = vec![0_u8; CHUNK];
    let mut total = 0;
    loop {
        let n = file.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        total += n as u64;
        if ingest.send_bytes(&source, buf[..n].to_vec()).await.is_err() {
            break;
        }
    }
    let _ = ingest.end_of_stream(&source).await;
    Ok(total)
}
