//! Inputs: a serial port (reopened after an unplug, with a no-data watchdog), TCP receivers
//! (connected to, or accepted), UDP datagrams. Each stream has its own [`LineFramer`]; every
//! chunk read is stamped with the time it was read.
//!
//! Every wait is a timer or a read: an absent or silent device costs no CPU.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use haidang_nmea::LineFramer;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::{Semaphore, watch};
use tokio_serial::SerialPortBuilderExt;

use crate::bridge::{Shared, now_ms, stopping};
use crate::config::Framing;

/// Bytes read at a time.
const CHUNK: usize = 4096;

/// The first reopen (or reconnect) delay; it doubles up to the configured maximum.
const FIRST_BACKOFF: Duration = Duration::from_millis(500);

/// TCP feeds accepted at once on one listener.
const MAX_CONNECTIONS: usize = 16;

/// A TCP feed silent this long is closed.
const TCP_IDLE: Duration = Duration::from_secs(300);

/// One serial port.
#[derive(Clone, Debug)]
pub struct SerialInput {
    /// The device path (resolved again at each open, so a recreated link is followed).
    pub path: PathBuf,
    /// Line speed.
    pub baud: u32,
    /// Character frame.
    pub framing: Framing,
    /// Longest reopen delay.
    pub reopen_backoff_max: Duration,
    /// The watchdog's silence limit.
    pub no_data_timeout: Duration,
    /// Longest line.
    pub max_line_bytes: usize,
}

impl SerialInput {
    fn open(&self) -> tokio_serial::Result<tokio_serial::SerialStream> {
        let data_bits = match self.framing.data_bits {
            5 => tokio_serial::DataBits::Five,
            6 => tokio_serial::DataBits::Six,
            7 => tokio_serial::DataBits::Seven,
            _ => tokio_serial::DataBits::Eight,
        };
        let parity = match self.framing.parity {
            'E' => tokio_serial::Parity::Even,
            'O' => tokio_serial::Parity::Odd,
            _ => tokio_serial::Parity::None,
        };
        let stop_bits = match self.framing.stop_bits {
            2 => tokio_serial::StopBits::Two,
            _ => tokio_serial::StopBits::One,
        };
        tokio_serial::new(self.path.to_string_lossy(), self.baud)
            .data_bits(data_bits)
            .parity(parity)
            .stop_bits(stop_bits)
            .flow_control(tokio_serial::FlowControl::None)
            .open_native_async()
    }
}

/// Reads the serial port until `stop`: opened at once, and after each session (end of
/// file, read error, or the watchdog's silence) closed and reopened after a delay from
/// 500 ms doubling up to `reopen_backoff_max` (back to 500 ms after a session that brought
/// data).
pub async fn serial(shared: Arc<Shared>, input: SerialInput, mut stop: watch::Receiver<bool>) {
    let path = input.path.display().to_string();
    let max_backoff = input.reopen_backoff_max.max(Duration::from_millis(100));
    let silence = input.no_data_timeout.max(Duration::from_millis(100));
    let mut backoff = FIRST_BACKOFF.min(max_backoff);
    let mut failed_opens = 0_u64;
    let mut buf = vec![0_u8; CHUNK];
    while !*stop.borrow() {
        match input.open() {
            Ok(mut port) => {
                shared.stats.serial_opens.fetch_add(1, Ordering::Relaxed);
                tracing::info!(%path, baud = input.baud, after_failed_opens = failed_opens, "serial port open");
                failed_opens = 0;
                let mut framer = LineFramer::new(input.max_line_bytes);
                let mut bytes = 0_u64;
                let reason = loop {
                    tokio::select! {
                        read = tokio::time::timeout(silence, port.read(&mut buf)) => match read {
                            Ok(Ok(0)) => break "eof",
                            Ok(Ok(n)) => {
                                bytes += n as u64;
                                shared.ingest(&mut framer, &buf[..n], now_ms());
                            }
                            Ok(Err(error)) => {
                                tracing::info!(%path, %error, "serial read failed");
                                break "error";
                            }
                            Err(_) => {
                                shared.stats.watchdog_timeouts.fetch_add(1, Ordering::Relaxed);
                                tracing::warn!(%path, silent_ms = silence.as_millis() as u64, "serial port silent; closing and reopening it");
                                break "silent";
                            }
                        },
                        () = stopping(&mut stop) => break "stop",
                    }
                };
                drop(port);
                shared.finish(&mut framer);
                tracing::info!(%path, reason, bytes, "serial port closed");
                if reason == "stop" {
                    return;
                }
                if bytes > 0 {
                    backoff = FIRST_BACKOFF.min(max_backoff);
                }
            }
            Err(error) => {
                if failed_opens == 0 {
                    tracing::warn!(%path, %error, "cannot open serial port; retrying with backoff");
                } else {
                    tracing::debug!(%path, %error, failed_opens, "cannot open serial port");
                }
                failed_opens += 1;
            }
        }
        tokio::select! {
            () = tokio::time::sleep(backoff) => {}
            () = stopping(&mut stop) => return,
        }
        backoff = (backoff * 2).min(max_backoff);
    }
}

/// Reads one TCP stream until it ends, is idle for 5 minutes, or `stop`.
async fn read_stream(
    shared: &Arc<Shared>,
    mut stream: TcpStream,
    max_line_bytes: usize,
    stop: &mut watch::Receiver<bool>,
) -> u64 {
    let mut framer = LineFramer::new(max_line_bytes);
    let mut buf = vec![0_u8; CHUNK];
    let mut bytes = 0_u64;
    loop {
        tokio::select! {
            read = tokio::time::timeout(TCP_IDLE, stream.read(&mut buf)) => match read {
                Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
                Ok(Ok(n)) => {
                    bytes += n as u64;
                    shared.ingest(&mut framer, &buf[..n], now_ms());
                }
            },
            () = stopping(stop) => break,
        }
    }
    shared.finish(&mut framer);
    bytes
}

/// Connects to a TCP receiver and reads it, reconnecting with backoff (500 ms to 60 s).
pub async fn tcp_connect(
    shared: Arc<Shared>,
    addr: String,
    max_line_bytes: usize,
    mut stop: watch::Receiver<bool>,
) {
    let max = Duration::from_secs(60);
    let mut backoff = FIRST_BACKOFF;
    while !*stop.borrow() {
        match tokio::time::timeout(Duration::from_secs(10), TcpStream::connect(&addr)).await {
            Ok(Ok(stream)) => {
                tracing::info!(%addr, "receiver connected");
                let bytes = read_stream(&shared, stream, max_line_bytes, &mut stop).await;
                tracing::info!(%addr, bytes, "receiver connection ended");
                if bytes > 0 {
                    backoff = FIRST_BACKOFF;
                }
            }
            Ok(Err(error)) => tracing::debug!(%addr, %error, "cannot connect to receiver"),
            Err(_) => tracing::debug!(%addr, "connect to receiver timed out"),
        }
        tokio::select! {
            () = tokio::time::sleep(backoff) => {}
            () = stopping(&mut stop) => return,
        }
        backoff = (backoff * 2).min(max);
    }
}

/// Accepts TCP feeds (at most 16 at once) and reads each.
pub async fn tcp_listen(
    shared: Arc<Shared>,
    listener: TcpListener,
    max_line_bytes: usize,
    mut stop: watch::Receiver<bool>,
) {
    let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let permit = tokio::select! {
            p = Arc::clone(&permits).acquire_owned() => match p { Ok(p) => p, Err(_) => return },
            () = stopping(&mut stop) => return,
        };
        let accepted = tokio::select! {
            a = listener.accept() => a,
            () = stopping(&mut stop) => return,
        };
        match accepted {
            Ok((stream, peer)) => {
                let shared = Arc::clone(&shared);
                let mut stop = stop.clone();
                tokio::spawn(async move {
                    let bytes = read_stream(&shared, stream, max_line_bytes, &mut stop).await;
                    tracing::debug!(%peer, bytes, "feed ended");
                    drop(permit);
                });
            }
            Err(error) => {
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Receives NMEA datagrams; each datagram is framed on its own.
pub async fn udp_listen(
    shared: Arc<Shared>,
    socket: UdpSocket,
    max_line_bytes: usize,
    mut stop: watch::Receiver<bool>,
) {
    let mut buf = vec![0_u8; 65_536];
    loop {
        tokio::select! {
            r = socket.recv_from(&mut buf) => match r {
                Ok((n, _peer)) => {
                    let mut framer = LineFramer::new(max_line_bytes);
                    shared.ingest(&mut framer, &buf[..n], now_ms());
                    shared.finish(&mut framer);
                }
                Err(error) => {
                    tracing::debug!(%error, "UDP receive failed");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
            () = stopping(&mut stop) => return,
        }
    }
}

/// Binds a TCP listener.
pub async fn bind_tcp(addr: SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(addr).await
}

/// Binds a UDP socket.
pub async fn bind_udp(addr: SocketAddr) -> std::io::Result<UdpSocket> {
    UdpSocket::bind(addr).await
}
