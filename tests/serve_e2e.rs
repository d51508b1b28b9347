//! End to end: a real `haidang serve` process on an SQLite store and on PostGIS, fed over
//! TCP, UDP and the bridges' HTTP batch endpoint, checked through its HTTP API; then killed
//! with SIGKILL or stopped with SIGTERM and restarted.
//!
//! The PostGIS tests create a database of their own on the server of
//! `HAIDANG_TEST_DATABASE_URL` (scripts/test sets it) and fail without it.

mod support;

use std::io::Write;
use std::net::{TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{Server, TestStore, create_token, fleet, http, http_as};

#[test]
fn every_position_sent_over_tcp_udp_and_http_is_stored_once_sqlite() {
    every_position_sent_over_tcp_udp_and_http_is_stored_once(TestStore::sqlite("feeds"));
}

#[test]
fn every_position_sent_over_tcp_udp_and_http_is_stored_once_postgis() {
    every_position_sent_over_tcp_udp_and_http_is_stored_once(TestStore::postgis());
}

fn every_position_sent_over_tcp_udp_and_http_is_stored_once(store: TestStore) {
    let server = Server::start(&store.url, &[]);
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
    // The batch endpoint wants a device token: none is a 401, a wrong one too.
    let (status, body) =
        http(server.http, "POST", "/api/v1/ingest/nmea", Some(&batch)).expect("batch");
    assert_eq!(status, 401, "{body}");
    let (status, _) = http_as(
        server.http,
        Some("hd_wrong"),
        "POST",
        "/api/v1/ingest/nmea",
        Some(&batch),
    )
    .expect("batch");
    assert_eq!(status, 401);
    let device = create_token(&store.url, "bridge-1", "device");
    let (status, body) = http_as(
        server.http,
        Some(&device),
        "POST",
        "/api/v1/ingest/nmea",
        Some(&batch),
    )
    .expect("batch");
    assert_eq!(status, 200, "{body}");
    // A device reaches nothing else.
    let (status, _) =
        http_as(server.http, Some(&device), "GET", "/api/v1/vessels", None).expect("vessels");
    assert_eq!(status, 403);

    let expected = tcp_positions + udp_positions + batch_positions;
    assert_eq!(server.wait_positions(expected), expected);
    // Sending the batch again (a bridge that missed the acknowledgement) stores nothing new.
    let (status, _) = server
        .api("POST", "/api/v1/ingest/nmea", Some(&batch))
        .expect("batch");
    assert_eq!(status, 200);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(server.stats()["positions"].as_u64(), Some(expected));

    let (status, body) = server.api("GET", "/api/v1/vessels", None).expect("vessels");
    assert_eq!(status, 200);
    let vessels: Value = serde_json::from_str(&body).expect("GeoJSON");
    assert_eq!(vessels["type"], "FeatureCollection");
    assert!(
        vessels["features"]
            .as_array()
            .is_some_and(|f| f.len() >= 40),
        "{body:.300}"
    );
}

#[test]
fn acknowledged_batches_survive_kill_9_and_nothing_is_stored_twice_sqlite() {
    acknowledged_batches_survive_kill_9_and_nothing_is_stored_twice(TestStore::sqlite("kill9"));
}

#[test]
fn acknowledged_batches_survive_kill_9_and_nothing_is_stored_twice_postgis() {
    acknowledged_batches_survive_kill_9_and_nothing_is_stored_twice(TestStore::postgis());
}

fn acknowledged_batches_survive_kill_9_and_nothing_is_stored_twice(store: TestStore) {
    let mut server = Server::start(&store.url, &[]);
    let (lines, positions) = fleet(20, 3600, 21);
    let batches: Vec<Vec<&str>> = lines
        .chunks(200)
        .map(|c| c.iter().map(|l| l.trim_end()).collect())
        .collect();
    // Post half the batches, then kill the server without warning while the next is sent.
    let half = batches.len() / 2;
    for (i, batch) in batches[..half].iter().enumerate() {
        let body = json!({"batch_id": format!("b-{i}"), "device": "BRIDGE-K", "lines": batch});
        let (status, text) = server
            .api("POST", "/api/v1/ingest/nmea", Some(&body))
            .expect("batch");
        assert_eq!(status, 200, "{text}");
    }
    let acknowledged = server.stats()["positions"].as_u64().expect("positions");
    server.signal("-KILL");
    server.wait_exit();
    drop(server);

    // After the restart every acknowledged position is there; the bridge resends from the
    // first batch it has no acknowledgement for (and, to be sure, the last acknowledged one).
    let server = Server::start(&store.url, &[]);
    assert_eq!(server.stats()["positions"].as_u64(), Some(acknowledged));
    for (i, batch) in batches.iter().enumerate().skip(half - 1) {
        let body = json!({"batch_id": format!("b-{i}"), "device": "BRIDGE-K", "lines": batch});
        let (status, text) = server
            .api("POST", "/api/v1/ingest/nmea", Some(&body))
            .expect("batch");
        assert_eq!(status, 200, "{text}");
    }
    assert_eq!(
        server.stats()["positions"].as_u64(),
        Some(positions),
        "every position once"
    );
}

#[test]
fn sigterm_stores_everything_already_read_sqlite() {
    sigterm_stores_everything_already_read(TestStore::sqlite("sigterm"));
}

#[test]
fn sigterm_stores_everything_already_read_postgis() {
    sigterm_stores_everything_already_read(TestStore::postgis());
}

fn sigterm_stores_everything_already_read(store: TestStore) {
    let mut server = Server::start(&store.url, &[]);
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
    let server = Server::start(&store.url, &[]);
    assert_eq!(server.stats()["positions"].as_u64(), Some(positions));
}

#[test]
fn the_demo_shows_boats_within_a_minute_and_prints_a_login_that_works() {
    let store = TestStore::sqlite("demo");
    let server = Server::start(&store.url, &["--demo", "--demo-vessels", "50"]);
    // The demo printed its administrator's password and a device token before it served.
    let printed = server.stdout.lock().expect("lock").join("\n");
    let password = printed
        .split("as demo with password ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no demo login in {printed:?}"));
    let device = printed
        .split("(demo-bridge): ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no device token in {printed:?}"));
    let login = json!({"name": "demo", "password": password});
    let (status, body) = http(server.http, "POST", "/api/v1/login", Some(&login)).expect("login");
    assert_eq!(status, 200, "{body}");
    let wrong = json!({"name": "demo", "password": "not the password"});
    let (status, _) = http(server.http, "POST", "/api/v1/login", Some(&wrong)).expect("login");
    assert_eq!(status, 401);
    let (status, body) = http_as(server.http, Some(device), "GET", "/api/v1/me", None).expect("me");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"role\":\"device\""), "{body}");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, body) = server.api("GET", "/api/v1/vessels", None).expect("vessels");
        assert_eq!(status, 200);
        let vessels: Value = serde_json::from_str(&body).expect("GeoJSON");
        let n = vessels["features"].as_array().map_or(0, Vec::len);
        if n >= 40 {
            break;
        }
        assert!(Instant::now() < deadline, "only {n} boats after a minute");
        std::thread::sleep(Duration::from_millis(500));
    }
}
