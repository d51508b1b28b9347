//! What the end-to-end tests share: a real `haidang serve` process, a minimal HTTP client,
//! a simulated fleet's NMEA lines, and a store of the test's own (SQLite in a temporary
//! directory, or a fresh PostgreSQL database with PostGIS).
//!
//! Each test binary uses part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use haidang_sim::{Fleet, FleetConfig};
use serde_json::Value;

/// The superuser URL of the PostgreSQL server the tests create their databases on.
pub(crate) const URL_VAR: &str = "HAIDANG_TEST_DATABASE_URL";
/// Test databases older than this are left over from a killed run and are dropped.
const STALE_SECS: u64 = 3600;

/// A port nobody listens on right now.
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A running `haidang serve`, killed when dropped.
pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) http: SocketAddr,
    pub(crate) nmea: SocketAddr,
    /// An admin API token created for this server (`haidang token create`).
    pub(crate) token: String,
    /// What the server printed on standard output so far (the demo's login).
    pub(crate) stdout: Arc<Mutex<Vec<String>>>,
}

/// Creates an API token with `haidang token create` on the store at `url`; returns it.
pub(crate) fn create_token(url: &str, name: &str, role: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_haidang"))
        .args(["token", "create", "--database-url", url, "--name", name])
        .args(["--role", role])
        .stdin(Stdio::null())
        .output()
        .expect("haidang token create runs");
    assert!(
        output.status.success(),
        "haidang token create: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let token = String::from_utf8(output.stdout).expect("UTF-8");
    let token = token.trim().to_owned();
    assert!(token.starts_with("hd_") && token.len() > 40, "{token:?}");
    token
}

/// Creates a user with `haidang user add` on the store at `url`, the password on
/// standard input.
pub(crate) fn create_user(url: &str, name: &str, role: &str, password: &str) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_haidang"))
        .args(["user", "add", "--database-url", url, "--name", name])
        .args(["--role", role])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("haidang user add runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{password}\n").as_bytes())
        .expect("password written");
    let output = child.wait_with_output().expect("haidang user add ends");
    assert!(
        output.status.success(),
        "haidang user add: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

impl Server {
    /// Starts `haidang serve` on the store at `url`, NMEA over TCP and UDP on one free
    /// port, and waits until `/readyz` says 200. An admin token is created first
    /// ([`Server::api`] uses it).
    pub(crate) fn start(url: &str, extra: &[&str]) -> Server {
        static STARTS: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "e2e-admin-{}-{}",
            std::process::id(),
            STARTS.fetch_add(1, Ordering::Relaxed)
        );
        let token = create_token(url, &name, "admin");
        let http: SocketAddr = ([127, 0, 0, 1], free_port()).into();
        let nmea: SocketAddr = ([127, 0, 0, 1], free_port()).into();
        let mut child = Command::new(env!("CARGO_BIN_EXE_haidang"))
            .args(["serve", "--database-url", url, "--http", &http.to_string()])
            .args([
                "--nmea-tcp",
                &nmea.to_string(),
                "--nmea-udp",
                &nmea.to_string(),
            ])
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("haidang serve starts");
        let stdout = Arc::new(Mutex::new(Vec::new()));
        if let Some(out) = child.stdout.take() {
            let lines = stdout.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(out).lines().map_while(Result::ok) {
                    lines.lock().expect("lock").push(line);
                }
            });
        }
        let server = Server {
            child,
            http,
            nmea,
            token,
            stdout,
        };
        server.wait_ready(Duration::from_secs(30));
        server
    }

    /// `/readyz`'s status, or `None` when the request itself failed.
    pub(crate) fn readyz(&self) -> Option<u16> {
        http(self.http, "GET", "/readyz", None)
            .ok()
            .map(|(status, _)| status)
    }

    /// Waits until `/readyz` says 200; panics after `limit`.
    pub(crate) fn wait_ready(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if self.readyz() == Some(200) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("haidang serve not ready within {limit:?}");
    }

    /// A request to the API as the server's admin token.
    pub(crate) fn api(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> std::io::Result<(u16, String)> {
        http_as(self.http, Some(&self.token), method, path, body)
    }

    pub(crate) fn stats(&self) -> Value {
        let (status, body) = self.api("GET", "/api/v1/stats", None).expect("stats");
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).expect("JSON")
    }

    /// Waits until the store holds `n` positions, or the time runs out.
    pub(crate) fn wait_positions(&self, n: u64) -> u64 {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let stored = self.stats()["positions"].as_u64().unwrap_or(0);
            if stored >= n || Instant::now() > deadline {
                return stored;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub(crate) fn signal(&mut self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
    }

    pub(crate) fn wait_exit(&mut self) -> std::process::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "haidang serve did not exit within 30 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP/1.1 client: one request per connection, without credentials.
pub(crate) fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> std::io::Result<(u16, String)> {
    http_as(addr, None, method, path, body)
}

/// [`http`] with a bearer token.
pub(crate) fn http_as(
    addr: SocketAddr,
    token: Option<&str>,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let body = body.map(Value::to_string).unwrap_or_default();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    // Bodies may come chunked; the JSON is the part between the braces.
    let json = match (body.find(['{', '[']), body.rfind(['}', ']'])) {
        (Some(a), Some(b)) if b >= a => body[a..=b].to_owned(),
        _ => body,
    };
    Ok((status, json))
}

/// A fresh empty directory under the system's temporary directory.
pub(crate) fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("haidang-e2e-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// A simulated fleet's NMEA lines (AIS stamped with tag blocks, so that every report has
/// its own fix time), and how many position reports they hold.
pub(crate) fn fleet(vessels: usize, secs: u64, seed: u64) -> (Vec<String>, u64) {
    let start = 1_795_000_000_000;
    let mut config = FleetConfig::with_vessels(vessels, seed, start);
    config.stamp_ais = true;
    config.scripted = false;
    let mut fleet = Fleet::new(config, secs);
    let mut lines = Vec::new();
    fleet.advance(start + secs as i64 * 1000, &mut lines);
    let positions = lines
        .iter()
        .filter(|l| {
            l.contains("$GPRMC") || l.contains("VDM,1,1,,A,1") || l.contains("VDM,1,1,,B,B")
        })
        .count() as u64;
    (lines, positions)
}

/// A store of one test's own: an SQLite file in a temporary directory, or a fresh
/// PostgreSQL database with PostGIS on the server of [`URL_VAR`]. Dropped (directory
/// removed, database dropped) when the value is, also when the test panics; declare it
/// before the [`Server`] so that the server goes first.
pub(crate) struct TestStore {
    /// What `haidang serve --database-url` takes.
    pub(crate) url: String,
    dir: Option<PathBuf>,
    /// The superuser URL and the database's name.
    pg: Option<(String, String)>,
}

impl TestStore {
    /// An SQLite store in a fresh temporary directory.
    pub(crate) fn sqlite(name: &str) -> TestStore {
        let dir = temp_dir(name);
        TestStore {
            url: format!("sqlite:{}", dir.join("haidang.db").display()),
            dir: Some(dir),
            pg: None,
        }
    }

    /// A fresh PostgreSQL database with PostGIS, created as the superuser of
    /// [`URL_VAR`]. Panics (does not skip) when that variable is not set.
    pub(crate) fn postgis() -> TestStore {
        let admin = std::env::var(URL_VAR).unwrap_or_else(|_| {
            panic!(
                "{URL_VAR} is not set: the PostGIS end-to-end tests need a superuser URL such \
                 as postgres://postgres@127.0.0.1:5432/postgres. scripts/test sets it (through \
                 scripts/pg-for-tests, which installs and starts PostgreSQL with PostGIS)."
            )
        });
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock after 1970")
            .as_secs();
        // The same pattern as the store's contract tests, so that either cleans up the
        // other's leftovers.
        let name = format!(
            "haidang_test_{now}_{}_e2e{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        drop_stale(&admin, now);
        psql(&admin, &format!("CREATE DATABASE {name}")).unwrap_or_else(|e| panic!("{e}"));
        // From here on, dropping the value drops the database.
        let store = TestStore {
            url: with_database(&admin, &name),
            dir: None,
            pg: Some((admin, name)),
        };
        psql(&store.url, "CREATE EXTENSION IF NOT EXISTS postgis")
            .unwrap_or_else(|e| panic!("{e}"));
        store
    }
}

impl Drop for TestStore {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some((admin, name)) = &self.pg {
            let result = psql(
                admin,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            );
            match result {
                Ok(_) => {}
                Err(e) if std::thread::panicking() => eprintln!("{e}"),
                Err(e) => panic!("{e}"),
            }
        }
    }
}

/// Runs one SQL command with `psql` on `url`; returns its unaligned output.
pub(crate) fn psql(url: &str, sql: &str) -> Result<String, String> {
    psql_with("psql", &["-d", url], sql)
}

/// Runs one SQL command with the `psql` program at `program`, connection arguments
/// `connect`; returns its unaligned output.
pub(crate) fn psql_with(program: &str, connect: &[&str], sql: &str) -> Result<String, String> {
    let output = Command::new(program)
        .args(["-X", "-q", "-At", "-v", "ON_ERROR_STOP=1"])
        .args(connect)
        .args(["-c", sql])
        .env("PGCONNECT_TIMEOUT", "10")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| {
            format!(
                "cannot run {program} ({e}); the PostGIS tests need the PostgreSQL client \
                 (scripts/pg-for-tests installs it)"
            )
        })?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(format!(
            "{program} {connect:?} -c {sql:?} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

/// Drops the test databases that killed runs left behind.
fn drop_stale(admin: &str, now: u64) {
    let names = psql(
        admin,
        "SELECT datname FROM pg_database WHERE datname LIKE 'haidang\\_test\\_%'",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    for name in names.lines() {
        let born = name
            .strip_prefix("haidang_test_")
            .and_then(|rest| rest.split('_').next())
            .and_then(|secs| secs.parse::<u64>().ok());
        if born.is_some_and(|born| born + STALE_SECS < now) {
            let _ = psql(
                admin,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            );
        }
    }
}

/// `url` with its database replaced by `database`.
pub(crate) fn with_database(url: &str, database: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a postgres:// URL");
    let (rest, query) = match rest.split_once('?') {
        Some((rest, query)) => (rest, format!("?{query}")),
        None => (rest, String::new()),
    };
    let authority = rest
        .split_once('/')
        .map_or(rest, |(authority, _)| authority);
    format!("{scheme}://{authority}/{database}{query}")
}
