//! Test support: a real shore receiver on loopback (axum) that implements the ingest
//! contract and can be told to answer 503 or to refuse connections; the built bridge run as
//! a process; socat pseudo-terminals; NMEA lines to feed.

#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use haidang_nmea::TagBlock;
use haidang_nmea::encode::{Payload, sentence};
use serde_json::{Value, json};

/// How the shore behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Commits and answers 200.
    Up,
    /// Answers 503 with `Retry-After: 1`.
    Unavailable,
    /// Not listening: connections are refused.
    Refuse,
}

/// One committed line.
#[derive(Clone, Debug)]
pub struct Stored {
    /// The line as received.
    pub line: String,
    /// Its `c:`, UNIX milliseconds.
    pub c_ms: i64,
    /// The sentence after the tag block.
    pub sentence: String,
}

/// What the shore saw.
#[derive(Debug, Default)]
pub struct Received {
    /// Lines by (device, n), stored once.
    pub lines: BTreeMap<(String, u64), Stored>,
    /// Keys in the order they were first committed.
    pub order: Vec<(String, u64)>,
    /// Lines received again with the same text (resends).
    pub duplicates: u64,
    /// Lines received again under the same (device, n) with another text: a reused
    /// sequence number, which must never happen.
    pub conflicts: Vec<String>,
    /// Lines without a valid tag block carrying `s:`, `c:` and `n:`.
    pub malformed: Vec<String>,
    /// Requests answered 200.
    pub committed_batches: u64,
    /// Requests that carried a distress line, whatever the answer.
    pub sos_attempts: u64,
    /// Requests with a wrong or missing token.
    pub unauthorized: u64,
    /// batch_ids seen.
    pub batch_ids: Vec<String>,
}

struct ShoreState {
    mode: Mode,
    token: Option<String>,
    received: Received,
}

type Shared = Arc<Mutex<ShoreState>>;

/// The receiver, on its own runtime.
pub struct Shore {
    runtime: tokio::runtime::Runtime,
    pub addr: SocketAddr,
    state: Shared,
    server: Option<(
        tokio::sync::oneshot::Sender<()>,
        tokio::task::JoinHandle<()>,
    )>,
    /// While refusing: the port, bound but not listening, so that connections are refused
    /// and nothing else (another test's shore, an outgoing connection) can take it.
    reserved: Option<tokio::net::TcpSocket>,
}

impl Shore {
    /// A shore listening on a free loopback port; `token` is required when given.
    pub fn start(token: Option<&str>) -> Shore {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let state = Arc::new(Mutex::new(ShoreState {
            mode: Mode::Up,
            token: token.map(str::to_owned),
            received: Received::default(),
        }));
        let listener = runtime.block_on(bind_below_ephemeral());
        let addr = listener.local_addr().expect("addr");
        let mut shore = Shore {
            runtime,
            addr,
            state,
            server: None,
            reserved: None,
        };
        shore.serve(listener);
        shore
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn serve(&mut self, listener: tokio::net::TcpListener) {
        let app = Router::new()
            .route("/api/v1/ingest/nmea", post(ingest))
            .layer(DefaultBodyLimit::max(4 * 1024 * 1024))
            .with_state(Arc::clone(&self.state));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let handle = self.runtime.spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        self.server = Some((tx, handle));
    }

    /// Switches behaviour; `Refuse` closes the port, leaving it reopens the same port.
    pub fn set_mode(&mut self, mode: Mode) {
        let old = self.state.lock().expect("state").mode;
        if old == mode {
            return;
        }
        if mode == Mode::Refuse {
            if let Some((tx, handle)) = self.server.take() {
                let _ = tx.send(());
                let abort = handle.abort_handle();
                self.runtime.block_on(async {
                    let mut handle = handle;
                    if tokio::time::timeout(Duration::from_secs(2), &mut handle)
                        .await
                        .is_err()
                    {
                        // Connections that do not end in time: the server (and its
                        // listener) is dropped.
                        abort.abort();
                        let _ = handle.await;
                    }
                });
            }
            let addr = self.addr;
            // The last server's connections may hold the address for a moment (TIME_WAIT,
            // a request finishing during the graceful shutdown): SO_REUSEADDR, and retry.
            let reserved = self.runtime.block_on(async {
                let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
                loop {
                    match reserve(addr) {
                        Ok(socket) => break socket,
                        Err(e) if tokio::time::Instant::now() < deadline => {
                            eprintln!("shore: reserving {addr}: {e}; retrying");
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                        Err(e) => panic!("reserve the shore's port {addr}: {e}"),
                    }
                }
            });
            self.reserved = Some(reserved);
        } else if old == Mode::Refuse {
            let socket = self
                .reserved
                .take()
                .expect("a refusing shore holds its port");
            let listener = self.runtime.block_on(async { socket.listen(1024) });
            self.serve(listener.expect("listen on the reserved port"));
        }
        self.state.lock().expect("state").mode = mode;
    }

    /// Runs `f` on what the shore has received.
    pub fn with<T>(&self, f: impl FnOnce(&Received) -> T) -> T {
        f(&self
            .state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .received)
    }

    /// Lines stored for `device`.
    pub fn count(&self) -> usize {
        self.with(|r| r.lines.len())
    }
}

async fn ingest(State(state): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let problem = |status: StatusCode, detail: &str| {
        (
            status,
            [("content-type", "application/problem+json")],
            json!({"type": "about:blank", "title": status.canonical_reason(), "status": status.as_u16(), "detail": detail}).to_string(),
        )
            .into_response()
    };
    let mut st = state.lock().unwrap_or_else(|p| p.into_inner());
    let batch: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return problem(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let lines: Vec<String> = batch["lines"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|l| l.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if lines.iter().any(|l| l.contains("$PHDG,SOS,")) {
        st.received.sos_attempts += 1;
    }
    if st.mode == Mode::Unavailable {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [("retry-after", "1")],
            "store unavailable",
        )
            .into_response();
    }
    if let Some(token) = &st.token {
        let expected = format!("Bearer {token}");
        if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
            st.received.unauthorized += 1;
            return problem(StatusCode::UNAUTHORIZED, "a device token is required");
        }
    }
    let id_ok = |v: &Value| {
        v.as_str().is_some_and(|s| {
            !s.is_empty() && s.len() <= 128 && s.bytes().all(|b| b.is_ascii_graphic())
        })
    };
    if !id_ok(&batch["batch_id"]) || !id_ok(&batch["device"]) {
        return problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "batch_id and device must be 1 to 128 printable ASCII characters",
        );
    }
    if lines.len() > 10_000 {
        return problem(StatusCode::PAYLOAD_TOO_LARGE, "at most 10000 lines");
    }
    // A test hook: a batch holding a poison line is refused as the shore refuses bad ids.
    if lines.iter().any(|l| l.contains("$PTST,POISON")) {
        return problem(StatusCode::UNPROCESSABLE_ENTITY, "poison line");
    }
    let batch_id = batch["batch_id"].as_str().unwrap_or_default().to_owned();
    let r = &mut st.received;
    r.batch_ids.push(batch_id.clone());
    for line in &lines {
        match parse(line) {
            Some((device, n, stored)) => {
                let key = (device, n);
                match r.lines.get(&key) {
                    Some(old) if old.line == *line => r.duplicates += 1,
                    Some(old) => r.conflicts.push(format!("{} vs {}", old.line, line)),
                    None => {
                        r.order.push(key.clone());
                        r.lines.insert(key, stored);
                    }
                }
            }
            None => r.malformed.push(line.clone()),
        }
    }
    r.committed_batches += 1;
    let n = lines.len();
    (
        StatusCode::OK,
        axum::Json(json!({"batch_id": batch_id, "lines": n, "positions": 0, "quarantined": 0})),
    )
        .into_response()
}

/// A socket bound (SO_REUSEADDR) to `addr` but not listening: connections are refused.
fn reserve(addr: SocketAddr) -> std::io::Result<tokio::net::TcpSocket> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    Ok(socket)
}

/// A listener on a loopback port below the ephemeral range (from 20000), so that outgoing
/// connections never take it. Each call in this process tries ports no earlier call tried,
/// so two shores of concurrent tests never share a port, even while one of them refuses.
async fn bind_below_ephemeral() -> tokio::net::TcpListener {
    use std::sync::atomic::{AtomicU16, Ordering};
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let base = 20_000 + (std::process::id() % 400) as u16 * 30;
    for _ in 0..200 {
        let port = 20_000 + (base - 20_000 + NEXT.fetch_add(1, Ordering::Relaxed)) % 12_000;
        if let Ok(socket) = reserve(SocketAddr::from(([127, 0, 0, 1], port)))
            && let Ok(l) = socket.listen(1024)
        {
            return l;
        }
    }
    panic!("no free loopback port between 20000 and 32000");
}

/// `(s, n, stored)` of a bridge line, if its tag block is valid and has all three.
pub fn parse(line: &str) -> Option<(String, u64, Stored)> {
    let rest = line.strip_prefix('\\')?;
    let end = rest.find('\\')?;
    let tag = TagBlock::parse(&rest[..end]).ok()?;
    let sentence = rest[end + 1..].to_owned();
    Some((
        tag.source()?.to_owned(),
        tag.line_count()?,
        Stored {
            line: line.to_owned(),
            c_ms: tag.time_ms()?,
            sentence,
        },
    ))
}

/// A unique AIS position report for index `i` (type 1, longitude moving with `i`).
pub fn ais_line(i: u64) -> String {
    let mut p = Payload::new();
    p.uint(1, 6)
        .uint(0, 2)
        .uint(574_000_000 + i % 997, 30)
        .uint(0, 4)
        .int(0, 8)
        .uint(i % 1023, 10)
        .flag(false)
        .int(63_960_000 + i as i64, 28)
        .int(6_000_000 + (i % 1000) as i64, 27)
        .uint(i % 3600, 12)
        .uint(511, 9)
        .uint(i % 60, 6)
        .uint(0, 2)
        .uint(0, 3)
        .flag(false)
        .uint(0, 19);
    let (armored, fill) = p.armored();
    sentence('!', &format!("AIVDM,1,1,,A,{armored},{fill}"))
}

/// Now, UNIX milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A fresh directory for one test.
pub fn test_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("haidang-bridge-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("test dir");
    dir
}

/// Polls `done` every 20 ms until it holds or `limit` passes; says whether it held.
pub fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if done() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The bridge binary, run as a process.
pub struct Bridge {
    child: Child,
    pub config: PathBuf,
    pub control: PathBuf,
    pub log: PathBuf,
    starts: u32,
}

pub const BIN: &str = env!("CARGO_BIN_EXE_haidang-bridge");

impl Bridge {
    /// Writes `config` to DIR/bridge.toml and starts the bridge on it; waits until it
    /// answers `status`.
    pub fn start(dir: &Path, config: &str) -> Bridge {
        let path = dir.join("bridge.toml");
        std::fs::write(&path, config).expect("write config");
        let mut bridge = Bridge {
            child: spawn(&path, &dir.join("bridge-0.log")),
            config: path,
            control: dir.join("data").join("control.sock"),
            log: dir.join("bridge-0.log"),
            starts: 0,
        };
        bridge.wait_ready();
        bridge
    }

    fn wait_ready(&mut self) {
        let ok = wait_until(Duration::from_secs(20), || self.status().is_some());
        if !ok {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            panic!("the bridge did not come up; log:\n{log}");
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `status` over the control socket.
    pub fn status(&self) -> Option<Value> {
        let mut s = UnixStream::connect(&self.control).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        s.write_all(b"status\n").ok()?;
        let mut out = String::new();
        s.read_to_string(&mut out).ok()?;
        serde_json::from_str(out.trim()).ok()
    }

    pub fn stat(&self, key: &str) -> u64 {
        self.status()
            .and_then(|s| s[key].as_u64())
            .unwrap_or_else(|| panic!("status {key}"))
    }

    /// Waits until the bridge has queued (and synced) every sequence up to `seq`.
    pub fn wait_queued(&self, seq: u64, limit: Duration) {
        let ok = wait_until(limit, || {
            self.status().is_some_and(|s| {
                s["next_seq"].as_u64().is_some_and(|n| n > seq)
                    && s["durable_seq"].as_u64().is_some_and(|d| d >= seq)
            })
        });
        assert!(ok, "bridge queued up to {seq}: {:?}", self.status());
    }

    /// Waits until the uplink has had one more failed send than now (it then waits at
    /// least the shore's `Retry-After` of 1 s and reads its batch again), so that no batch
    /// is in flight for the next second.
    pub fn wait_for_a_retry(&self) {
        let before = self.stat("send_retries");
        assert!(
            wait_until(Duration::from_secs(10), || self.stat("send_retries")
                > before),
            "the uplink retried: {:?}",
            self.status()
        );
    }

    /// `kill -9`, then start again on the same config.
    pub fn kill9_and_restart(&mut self) {
        self.kill_only();
        self.restart();
    }

    /// `kill -9`.
    pub fn kill_only(&mut self) {
        self.child.kill().expect("kill -9");
        let _ = self.child.wait();
    }

    /// Starts again on the same config (after [`Bridge::kill_only`]).
    pub fn restart(&mut self) {
        self.starts += 1;
        self.log = self
            .config
            .with_file_name(format!("bridge-{}.log", self.starts));
        self.child = spawn(&self.config, &self.log);
        self.wait_ready();
    }

    /// SIGTERM, and the exit status.
    pub fn stop(&mut self) -> ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status;
            }
            assert!(Instant::now() < deadline, "bridge stops on SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Every log line so far, of every run.
    pub fn logs(&self) -> String {
        let mut all = String::new();
        for i in 0..=self.starts {
            let path = self.config.with_file_name(format!("bridge-{i}.log"));
            all.push_str(&std::fs::read_to_string(path).unwrap_or_default());
        }
        all
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(config: &Path, log: &Path) -> Child {
    let log = std::fs::File::create(log).expect("log file");
    Command::new(BIN)
        .arg("--config")
        .arg(config)
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start haidang-bridge")
}

/// One socat process joining two pseudo-terminals, with the feed end held open for writing.
pub struct Socat {
    child: Child,
    feed: Option<std::fs::File>,
    links: [PathBuf; 2],
}

impl Socat {
    pub fn start(feed: &Path, port: &Path, log: &Path) -> Socat {
        let log = std::fs::File::create(log).expect("socat log file");
        let arg = |link: &Path| format!("pty,raw,echo=0,link={}", link.display());
        let child = Command::new("socat")
            .args(["-d", "-d", &arg(feed), &arg(port)])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("socat runs (apt-get install socat; scripts/test installs it)");
        let mut socat = Socat {
            child,
            feed: None,
            links: [feed.to_owned(), port.to_owned()],
        };
        assert!(
            wait_until(Duration::from_secs(5), || feed.exists() && port.exists()),
            "socat made its links"
        );
        socat.feed = Some(
            std::fs::OpenOptions::new()
                .write(true)
                .open(feed)
                .expect("open the feed end"),
        );
        socat
    }

    pub fn write(&mut self, bytes: &[u8]) {
        let feed = self.feed.as_mut().expect("feed open");
        // Odd-sized writes, so that lines are split across the bridge's reads.
        for chunk in bytes.chunks(777) {
            feed.write_all(chunk).expect("write to the feed");
        }
        feed.flush().expect("flush the feed");
    }

    /// The unplug: socat ends (SIGTERM, so that it removes its links) and both
    /// pseudo-terminals go away.
    pub fn shut(&mut self) {
        self.feed = None;
        let terminated = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        if !terminated {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
        for link in &self.links {
            let _ = std::fs::remove_file(link);
        }
    }
}

impl Drop for Socat {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            self.shut();
        }
    }
}

/// Whether process `pid` holds the pseudo-terminal behind `link` open.
pub fn holds_open(pid: u32, link: &Path) -> bool {
    let Ok(device) = std::fs::canonicalize(link) else {
        return false;
    };
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.filter_map(Result::ok)
        .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|target| target == device))
}

/// A free loopback TCP port (bound and released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}
