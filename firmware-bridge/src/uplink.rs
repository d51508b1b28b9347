//! Delivery to shore: HTTP batches (`POST {shore}/api/v1/ingest/nmea`, acknowledged after
//! the shore's durable commit), or plain TCP or UDP forwarding (no acknowledgement: a line
//! counts as delivered once the socket took it).

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpStream, UdpSocket};

/// The longest `Retry-After` honoured.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(600);

/// Why a send did not deliver.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Try again later (connection error, timeout, 503, 5xx, 401/403/404/429).
    #[error("{reason}")]
    Retry {
        /// What happened.
        reason: String,
        /// The server's `Retry-After`, if it gave one.
        after: Option<Duration>,
    },
    /// The shore refused this batch for good (400, 413, 422): sending it again is useless.
    #[error("refused with {status}: {detail}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The problem's detail, or the start of the body.
        detail: String,
    },
}

fn retry(reason: impl Into<String>) -> SendError {
    SendError::Retry {
        reason: reason.into(),
        after: None,
    }
}

/// A way to the shore.
#[derive(Debug)]
pub enum Link {
    /// HTTP batches.
    Http(HttpLink),
    /// A TCP connection, reopened when it fails.
    Tcp {
        /// Where to.
        addr: String,
        /// The connection, when open.
        stream: Option<TcpStream>,
    },
    /// UDP datagrams, one line each.
    Udp {
        /// Where to.
        addr: String,
        /// The socket, when bound.
        socket: Option<UdpSocket>,
    },
}

/// The HTTP uplink.
#[derive(Debug, Clone)]
pub struct HttpLink {
    client: reqwest::Client,
    url: String,
    device: String,
    token: Option<String>,
}

#[derive(Serialize)]
struct Batch<'a> {
    batch_id: &'a str,
    device: &'a str,
    lines: &'a [&'a str],
}

/// The shore's answer to a committed batch.
#[derive(Debug, Deserialize)]
pub struct Ack {
    /// Lines the shore received.
    #[serde(default)]
    pub lines: u64,
    /// Positions taken from them.
    #[serde(default)]
    pub positions: u64,
    /// Lines quarantined.
    #[serde(default)]
    pub quarantined: u64,
}

/// What a delivery achieved.
#[derive(Debug, Default)]
pub struct Delivered {
    /// The shore's counts (HTTP only).
    pub ack: Option<Ack>,
}

/// The HTTP client could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the HTTP client: {0}")]
pub struct ClientError(#[from] reqwest::Error);

impl HttpLink {
    /// A link to `shore` (base URL) for `device`, with a per-request `timeout`.
    pub fn new(
        shore: &str,
        device: &str,
        token: Option<String>,
        timeout: Duration,
    ) -> Result<HttpLink, ClientError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .pool_max_idle_per_host(2)
            .user_agent(concat!("haidang-bridge/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(HttpLink {
            client,
            url: format!("{}/api/v1/ingest/nmea", shore.trim_end_matches('/')),
            device: device.to_owned(),
            token,
        })
    }

    /// Posts one batch; `Ok` only on 2xx (the shore committed it).
    pub async fn send(&self, batch_id: &str, lines: &[&str]) -> Result<Ack, SendError> {
        let body = serde_json::to_vec(&Batch {
            batch_id,
            device: &self.device,
            lines,
        })
        .map_err(|e| retry(format!("encoding the batch: {e}")))?;
        let mut request = self
            .client
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let response = request
            .send()
            .await
            .map_err(|e| retry(format!("request failed: {}", error_chain(&e))))?;
        let status = response.status();
        let after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(|s| Duration::from_secs(s).min(MAX_RETRY_AFTER));
        // The answer is small (an ack or a problem); read at most 64 KiB of it.
        let body = read_capped(response, 64 * 1024).await;
        if status.is_success() {
            let ack = serde_json::from_slice::<Ack>(&body).unwrap_or(Ack {
                lines: 0,
                positions: 0,
                quarantined: 0,
            });
            return Ok(ack);
        }
        let detail = problem_detail(&body);
        match status.as_u16() {
            400 | 413 | 422 => Err(SendError::Refused {
                status: status.as_u16(),
                detail,
            }),
            code => Err(SendError::Retry {
                reason: format!("shore answered {code}: {detail}"),
                after,
            }),
        }
    }
}

async fn read_capped(mut response: reqwest::Response, cap: usize) -> Vec<u8> {
    let mut out = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        let room = cap.saturating_sub(out.len());
        out.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if out.len() >= cap {
            break;
        }
    }
    out
}

fn problem_detail(body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct Problem {
        detail: Option<String>,
        title: Option<String>,
    }
    match serde_json::from_slice::<Problem>(body) {
        Ok(Problem {
            detail: Some(d), ..
        }) => d,
        Ok(Problem { title: Some(t), .. }) => t,
        _ => String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned(),
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        source = cause.source();
    }
    s
}

impl Link {
    /// Delivers `lines` as batch `batch_id`.
    pub async fn send(&mut self, batch_id: &str, lines: &[&str]) -> Result<Delivered, SendError> {
        match self {
            Link::Http(http) => http
                .send(batch_id, lines)
                .await
                .map(|ack| Delivered { ack: Some(ack) }),
            Link::Tcp { addr, stream } => {
                if stream.is_none() {
                    let connect = TcpStream::connect(addr.as_str());
                    let s = tokio::time::timeout(Duration::from_secs(10), connect)
                        .await
                        .map_err(|_| retry(format!("connect to {addr} timed out")))?
                        .map_err(|e| retry(format!("connect to {addr}: {e}")))?;
                    let _ = s.set_nodelay(true);
                    *stream = Some(s);
                }
                let Some(s) = stream.as_mut() else {
                    return Err(retry("no connection"));
                };
                let mut buf = Vec::with_capacity(lines.iter().map(|l| l.len() + 2).sum());
                for line in lines {
                    buf.extend_from_slice(line.as_bytes());
                    buf.extend_from_slice(b"\r\n");
                }
                let write = async {
                    s.write_all(&buf).await?;
                    s.flush().await
                };
                match tokio::time::timeout(Duration::from_secs(30), write).await {
                    Ok(Ok(())) => Ok(Delivered::default()),
                    Ok(Err(e)) => {
                        *stream = None;
                        Err(retry(format!("write to {addr}: {e}")))
                    }
                    Err(_) => {
                        *stream = None;
                        Err(retry(format!("write to {addr} timed out")))
                    }
                }
            }
            Link::Udp { addr, socket } => {
                if socket.is_none() {
                    let target = tokio::net::lookup_host(addr.as_str())
                        .await
                        .map_err(|e| retry(format!("resolve {addr}: {e}")))?
                        .next()
                        .ok_or_else(|| retry(format!("{addr} resolves to nothing")))?;
                    let local = if target.is_ipv4() {
                        "0.0.0.0:0"
                    } else {
                        "[::]:0"
                    };
                    let s = UdpSocket::bind(local)
                        .await
                        .map_err(|e| retry(format!("bind UDP: {e}")))?;
                    s.connect(target)
                        .await
                        .map_err(|e| retry(format!("UDP to {addr}: {e}")))?;
                    *socket = Some(s);
                }
                let Some(s) = socket.as_ref() else {
                    return Err(retry("no socket"));
                };
                let mut datagram = Vec::with_capacity(256);
                for line in lines {
                    datagram.clear();
                    datagram.extend_from_slice(line.as_bytes());
                    datagram.extend_from_slice(b"\r\n");
                    if let Err(e) = s.send(&datagram).await {
                        *socket = None;
                        return Err(retry(format!("send to {addr}: {e}")));
                    }
                }
                Ok(Delivered::default())
            }
        }
    }
}

/// Exponential backoff with jitter: each delay is drawn from [d/2, d], d doubling from
/// `initial` up to `max`.
#[derive(Debug)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    current: Duration,
    rng: u64,
}

impl Backoff {
    /// From `initial` up to `max` (both at least 10 ms).
    pub fn new(initial: Duration, max: Duration) -> Backoff {
        let initial = initial.max(Duration::from_millis(10));
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0x9E37_79B9_7F4A_7C15, |d| d.as_nanos() as u64)
            | 1;
        Backoff {
            initial,
            max: max.max(initial),
            current: initial,
            rng: seed,
        }
    }

    /// The next delay, at least `floor` (a server's `Retry-After`).
    pub fn next(&mut self, floor: Option<Duration>) -> Duration {
        // xorshift64: jitter needs no cryptographic quality.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        let d = self.current;
        let half = d / 2;
        let jitter = Duration::from_nanos(self.rng % (half.as_nanos() as u64).max(1));
        self.current = (self.current * 2).min(self.max);
        (half + jitter).max(floor.unwrap_or_default())
    }

    /// Back to the first delay, after a success.
    pub fn reset(&mut self) {
        self.current = self.initial;
    }
}

/// The JSON size of `line` inside the batch's `lines` array: quotes, escapes, comma.
pub fn json_len(line: &str) -> usize {
    line.len() + line.bytes().filter(|&b| b == b'"' || b == b'\\').count() + 3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_honours_retry_after() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_millis(800));
        let bounds = [(50, 100), (100, 200), (200, 400), (400, 800), (400, 800)];
        for (lo, hi) in bounds {
            let d = b.next(None);
            assert!(
                d >= Duration::from_millis(lo) && d <= Duration::from_millis(hi),
                "{d:?} not in {lo}..{hi}"
            );
        }
        assert_eq!(b.next(Some(Duration::from_secs(5))), Duration::from_secs(5));
        b.reset();
        assert!(b.next(None) <= Duration::from_millis(100));
    }

    #[test]
    fn json_length_counts_escapes() {
        let line = "\\s:a*00\\$X,\"*00";
        let json = serde_json::to_string(&[line]).expect("json");
        assert_eq!(json_len(line), json.len() - 2 + 1);
    }
}
