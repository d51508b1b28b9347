//! End to end: a real `haidang serve` process on an SQLite store, fed over TCP, UDP and the
//! bridges' HTTP batch endpoint, checked through its HTTP API; then killed with SIGKILL or
//! stopped with SIGTERM and restarted.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use haidang_sim::{Fleet, FleetConfig};
use serde_json::{Value, json};

/// A port nobody listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

struct Server {
    child: Child,
    http: SocketAddr,
    nmea: SocketAddr,
    dir: PathBuf,
}

impl Server {
    fn start(dir: &Path, extra: &[&str]) -> Server {
        let http: SocketAddr = ([127, 0, 0, 1], free_port()).into();
        let nmea: SocketAddr = ([127, 0, 0, 1], free_port()).into();
        let db = format!("sqlite:{}", dir.join("haidang.db").display());
        let child = Command::new(env!("CARGO_BIN_EXE_haidang"))
            .args(["serve", "--database-url", &db, "--http", &http.to_string()])
            .args([
                "--nmea-tcp",
                &nmea.to_string(),
                "--nmea-udp",
                &nmea.to_string(),
            ])
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("haidang serve starts");
        let server = Server {
            child,
            http,
            nmea,
            dir: dir.to_owned(),
        };
        server.wait_ready();
        server
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok((200, _)) = http(self.http, "GET", "/readyz", None) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("haidang serve not ready within 30 s");
    }

    fn stats(&self) -> Value {
        let (status, body) = http(self.http, "GET", "/api/v1/stats", None).expect("stats");
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).expect("JSON")
    }

    /// Waits until the store holds `n` positions, or the time runs out.
    fn wait_positions(&self, n: u64) -> u64 {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let stored = self.stats()["positions"].as_u64().unwrap_or(0);
            if stored >= n || Instant::now() > deadline {
                return stored;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn signal(&mut self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
    }

    fn wait_exit(&mut self) -> std::process::ExitStatus {
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
        let _ = &self.dir;
    }
}

/// A minimal HTTP/1.1 client: one request per connection.
fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let body = body.map(Value::to_string).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
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

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("haidang-e2e-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// A simulated fleet's NMEA lines (AIS stamped with tag blocks, so that every report has
/// its own fix time), and how many position reports they hold.
fn fleet(vessels: usize, secs: u64, seed: u64) -> (Vec<String>, u64) {
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

#[test]
fn every_position_sent_over_tcp_udp_and_http_is_stored_once() {
    let dir = temp_dir("feeds");
    let server = Server::start(&dir, &[]);
    let (tcp_lines, tcp_positions) = fleet(40, 1800, 11);
    let (udp_lines, udp_positions) = fleet(5, 600, 12);
    let (batch_lines, batch_positions) = fleet(5, 600, 13);

    let mut stream = TcpStream::connect(server.nmea).expect("connect NMEA TCP");
    stream
        .write_all(tcp_lines.concat().as_bytes())
        .expect("send");
    drop(stream);
    let udp = UdpSocket::bind("127.0.0.1:0").expect("UDP");
    for line in &udp_lines {
        udp.send_to(line.as_bytes(), server.nmea).expect("datagram");
        std::thread::sleep(Duration::from_micros(100));
    }
    let batch = json!({"batch_id": "b-1", "device": "BRIDGE-1", "lines": batch_lines.iter().map(|l| l.trim_end()).collect::<Vec<_>>()});
    let (status, body) =
        http(server.http, "POST", "/api/v1/ingest/nmea", Some(&batch)).expect("batch");
    assert_eq!(status, 200, "{body}");

    let expected = tcp_positions + udp_positions + batch_positions;
    assert_eq!(server.wait_positions(expected), expected);
    // Sending the batch again (a bridge that missed the acknowledgement) stores nothing new.
    let (status, _) =
        http(server.http, "POST", "/api/v1/ingest/nmea", Some(&batch)).expect("batch");
    assert_eq!(status, 200);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(server.stats()["positions"].as_u64(), Some(expected));

    let (status, body) = http(server.http, "GET", "/api/v1/vessels", None).expect("vessels");
    assert_eq!(status, 200);
    let vessels: Value = serde_json::from_str(&body).expect("GeoJSON");
    assert_eq!(vessels["type"], "FeatureCollection");
    assert!(
        vessels["features"]
            .as_array()
            .is_some_and(|f| f.len() >= 40),
        "{body:.300}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn acknowledged_batches_survive_kill_9_and_nothing_is_stored_twice() {
    let dir = temp_dir("kill9");
    let mut server = Server::start(&dir, &[]);
    let (lines, positions) = fleet(20, 3600, 21);
    let batches: Vec<Vec<&str>> = lines
        .chunks(200)
        .map(|c| c.iter().map(|l| l.trim_end()).collect())
        .collect();
    // Post half the batches, then kill the server without warning while the next is sent.
    let half = batches.len() / 2;
    for (i, batch) in batches[..half].iter().enumerate() {
        let body = json!({"batch_id": format!("b-{i}"), "device": "BRIDGE-K", "lines": batch});
        let (status, text) =
            http(server.http, "POST", "/api/v1/ingest/nmea", Some(&body)).expect("batch");
        assert_eq!(status, 200, "{text}");
    }
    let acknowledged = server.stats()["positions"].as_u64().expect("positions");
    server.signal("-KILL");
    server.wait_exit();
    drop(server);

    // After the restart every acknowledged position is there; the bridge resends from the
    // first batch it has no acknowledgement for (and, to be sure, the last acknowledged one).
    let server = Server::start(&dir, &[]);
    assert_eq!(server.stats()["positions"].as_u64(), Some(acknowledged));
    for (i, batch) in batches.iter().enumerate().skip(half - 1) {
        let body = json!({"batch_id": format!("b-{i}"), "device": "BRIDGE-K", "lines": batch});
        let (status, text) =
            http(server.http, "POST", "/api/v1/ingest/nmea", Some(&body)).expect("batch");
        assert_eq!(status, 200, "{text}");
    }
    assert_eq!(
        server.stats()["positions"].as_u64(),
        Some(positions),
        "every position once"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sigterm_stores_everything_already_read() {
    let dir = temp_dir("sigterm");
    let mut server = Server::start(&dir, &[]);
    let (lines, positions) = fleet(30, 1800, 31);
    let mut stream = TcpStream::connect(server.nmea).expect("connect");
    stream.write_all(lines.concat().as_bytes()).expect("send");
    drop(stream);
    // Stop the server as soon as it has read every line (its counter says so), before
    // its next batch write: what it read must be stored on the way out.
    let deadline = Instant::now() + Duration::from_secs(30);
    while server.stats()["ingest"]["lines"].as_u64().unwrap_or(0) < lines.len() as u64 {
        assert!(
            Instant::now() < deadline,
            "the server did not read the feed"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    server.signal("-TERM");
    let status = server.wait_exit();
    assert!(status.success(), "{status:?}");
    drop(server);
    let server = Server::start(&dir, &[]);
    assert_eq!(server.stats()["positions"].as_u64(), Some(positions));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_demo_shows_boats_within_a_minute() {
    let dir = temp_dir("demo");
    let server = Server::start(&dir, &["--demo", "--demo-vessels", "50"]);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, body) = http(server.http, "GET", "/api/v1/vessels", None).expect("vessels");
        assert_eq!(status, 200);
        let vessels: Value = serde_json::from_str(&body).expect("GeoJSON");
        let n = vessels["features"].as_array().map_or(0, Vec::len);
        if n >= 40 {
            break;
        }
        assert!(Instant::now() < deadline, "only {n} boats after a minute");
        std::thread::sleep(Duration::from_millis(500));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
