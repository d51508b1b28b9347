//! The live stream (`GET /api/v1/stream`) read as an SSE client reads it, through the
//! router's response body (no socket): alerts as they are committed, positions each
//! second, what a slow client missed, the client limit, and the end on shutdown.

mod support;

use std::time::Duration;

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::Response;
use haidang_api::MAX_STREAM_CLIENTS;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use support::{App, app, app_with_rules, check_alert_shape, check_problem, get, get_ok, type1};
use time::OffsetDateTime;
use tower::ServiceExt;

/// An SSE client over a response body.
struct Client {
    body: Body,
    buffer: String,
}

/// One event: its name (`message` when it has none) and data; comments are `:`.
#[derive(Debug)]
struct Sse {
    event: String,
    data: String,
}

impl Client {
    async fn open(app: &App) -> Client {
        let response = open(app).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "text/event-stream"
        );
        Client {
            body: response.into_body(),
            buffer: String::new(),
        }
    }

    /// The next event or comment; `None` when the stream ended; panics after `wait`.
    async fn next(&mut self, wait: Duration) -> Option<Sse> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut event = Sse {
                    event: "message".into(),
                    data: String::new(),
                };
                for line in block.lines() {
                    if let Some(comment) = line.strip_prefix(':') {
                        event.event = ":".into();
                        event.data = comment.trim().into();
                    } else if let Some(name) = line.strip_prefix("event:") {
                        event.event = name.trim().into();
                    } else if let Some(data) = line.strip_prefix("data:") {
                        event.data.push_str(data.trim_start());
                    }
                }
                return Some(event);
            }
            let frame = tokio::time::timeout_at(deadline, self.body.frame())
                .await
                .unwrap_or_else(|_| panic!("no event within {wait:?}; buffered {:?}", self.buffer));
            match frame {
                None => return None,
                Some(frame) => {
                    if let Ok(data) = frame.unwrap().into_data() {
                        self.buffer.push_str(std::str::from_utf8(&data).unwrap());
                    }
                }
            }
        }
    }

    /// Events until one named `name` (others are returned too, in order).
    async fn until(&mut self, name: &str, wait: Duration) -> Vec<Sse> {
        let mut seen = Vec::new();
        loop {
            let event = self
                .next(wait)
                .await
                .unwrap_or_else(|| panic!("the stream ended before {name}: {seen:?}"));
            let done = event.event == name;
            seen.push(event);
            if done {
                return seen;
            }
        }
    }
}

async fn open(app: &App) -> Response {
    app.router
        .clone()
        .oneshot(get("/api/v1/stream"))
        .await
        .unwrap()
}

fn now_s() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

#[tokio::test]
async fn positions_come_each_second_newest_per_vessel() {
    let app = app(None).await;
    let mut client = Client::open(&app).await;
    let t = now_s() - 20;
    let lines = vec![
        type1(574_100_001, 108.0, 10.0, t),
        type1(574_100_002, 107.5, 9.5, t),
        type1(574_100_001, 108.01, 10.01, t + 10),
    ];
    let ack = app.ingest.submit_batch("bridge:test", lines).await.unwrap();
    assert_eq!(ack.positions, 3);

    // All three were committed together; the stream says each vessel once a second, its
    // newest fix last.
    let mut latest: std::collections::BTreeMap<String, Value> = Default::default();
    let started = std::time::Instant::now();
    while latest.len() < 2 || latest["mmsi:574100001"]["lon"] != json!(108.01) {
        assert!(started.elapsed() < Duration::from_secs(5), "{latest:?}");
        let events = client.until("positions", Duration::from_secs(3)).await;
        let positions: Value = serde_json::from_str(&events.last().unwrap().data).unwrap();
        let positions = positions.as_array().unwrap();
        let mut vessels: Vec<&str> = positions
            .iter()
            .map(|p| p["vessel"].as_str().unwrap())
            .collect();
        let n = vessels.len();
        vessels.dedup();
        assert_eq!(vessels.len(), n, "one per vessel: {positions:?}");
        for p in positions {
            latest.insert(p["vessel"].as_str().unwrap().to_owned(), p.clone());
        }
    }
    let a = &latest["mmsi:574100001"];
    let fix_time = OffsetDateTime::from_unix_timestamp(t + 10).unwrap();
    assert_eq!(
        a,
        &json!({
            "vessel": "mmsi:574100001",
            "lon": 108.01,
            "lat": 10.01,
            "fix_time": fix_time.format(&time::format_description::well_known::Rfc3339).unwrap(),
            "received_at": a["received_at"],
            "sog": 3.5,
            "cog": 90.0,
            "heading": null,
        })
    );
    assert_eq!(latest["mmsi:574100002"]["lat"], 9.5);
    // Nothing more to say: the next second sends no positions event (only keep-alives,
    // every 15 s, so nothing at all within two seconds).
    let quiet =
        tokio::time::timeout(Duration::from_secs(2), client.next(Duration::from_secs(3))).await;
    assert!(quiet.is_err(), "{quiet:?}");
}

#[tokio::test]
async fn an_alert_is_streamed_once_committed_in_the_one_alert_shape() {
    let app = app_with_rules().await;
    let mut client = Client::open(&app).await;
    // An AIS-SART off Phu Quy: any fix from one is a distress.
    let t = now_s() - 5;
    app.ingest
        .submit_batch("bridge:test", vec![type1(970_123_456, 108.9, 10.4, t)])
        .await
        .unwrap();
    let events = client.until("alert", Duration::from_secs(10)).await;
    let streamed: Value = serde_json::from_str(&events.last().unwrap().data).unwrap();
    check_alert_shape(&streamed, &[]);
    assert_eq!(streamed["kind"], "distress");
    assert_eq!(streamed["vessel"], "mmsi:970123456");
    assert_eq!(streamed["status"], "open");
    assert_eq!(streamed["lon"], 108.9);
    // The same alert, in the same shape, from the list.
    let listed = get_ok(&app, "/api/v1/alerts?kind=distress").await;
    assert_eq!(listed["alerts"], json!([streamed]));
    // The map shows the beacon in distress.
    let vessels = get_ok(&app, "/api/v1/vessels?status=distress").await;
    assert_eq!(vessels["features"][0]["id"], "mmsi:970123456");
}

#[tokio::test]
async fn the_stream_ends_when_the_server_shuts_down() {
    let app = app(None).await;
    let mut client = Client::open(&app).await;
    let mut other = Client::open(&app).await;
    app.stop.send(true).unwrap();
    assert!(client.next(Duration::from_secs(2)).await.is_none());
    assert!(other.next(Duration::from_secs(2)).await.is_none());
    // A new one is refused while shutting down.
    check_problem(
        &app,
        get("/api/v1/stream"),
        StatusCode::SERVICE_UNAVAILABLE,
        "shutting down",
    )
    .await;
}

#[tokio::test]
async fn a_dropped_shutdown_sender_ends_nothing() {
    let mut app = app(None).await;
    let mut client = Client::open(&app).await;
    // The binary keeps its sender; a test or an embedding that drops it must not end
    // streams (nor spin).
    let (stop, _) = tokio::sync::watch::channel(false);
    drop(std::mem::replace(&mut app.stop, stop));
    app.ingest
        .submit_batch(
            "bridge:test",
            vec![type1(574_100_001, 108.0, 10.0, now_s())],
        )
        .await
        .unwrap();
    client.until("positions", Duration::from_secs(3)).await;
}

#[tokio::test]
async fn streams_beyond_the_limit_are_refused() {
    let app = app(None).await;
    let mut open_streams = Vec::new();
    for _ in 0..MAX_STREAM_CLIENTS {
        let response = open(&app).await;
        assert_eq!(response.status(), StatusCode::OK);
        open_streams.push(response);
    }
    check_problem(
        &app,
        get("/api/v1/stream"),
        StatusCode::SERVICE_UNAVAILABLE,
        "256 live streams are open",
    )
    .await;
    // A client that leaves frees its place.
    drop(open_streams.pop());
    assert_eq!(open(&app).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_slow_client_is_told_what_it_missed_and_goes_on() {
    let app = app(None).await;
    let mut slow = Client::open(&app).await;
    // More positions in one go than the pipeline's broadcast holds (4,096): the stream's
    // batcher drops some, and the client is told how many before the rest.
    let t = now_s() - 60;
    let lines: Vec<String> = (0..6000)
        .map(|i| type1(574_200_000 + i, 107.0 + f64::from(i) * 1e-4, 10.0, t))
        .collect();
    let ack = app.ingest.submit_batch("bridge:test", lines).await.unwrap();
    assert_eq!(ack.positions, 6000);
    let events = slow.until("lagged", Duration::from_secs(5)).await;
    let lagged: Value = serde_json::from_str(&events.last().unwrap().data).unwrap();
    assert_eq!(lagged["stream"], "positions");
    let skipped = lagged["skipped"].as_u64().unwrap();
    assert!(skipped >= 6000 - 4096, "{lagged}");
    // It goes on: what was kept comes in the next positions event, and new positions after.
    let events = slow.until("positions", Duration::from_secs(3)).await;
    let kept: Value = serde_json::from_str(&events.last().unwrap().data).unwrap();
    let kept = kept.as_array().unwrap().len() as u64;
    assert!(kept > 0 && kept + skipped <= 6000, "{kept} + {skipped}");
    app.ingest
        .submit_batch("bridge:test", vec![type1(574_100_009, 108.0, 10.0, t + 30)])
        .await
        .unwrap();
    let started = std::time::Instant::now();
    loop {
        let events = slow.until("positions", Duration::from_secs(3)).await;
        if events.last().unwrap().data.contains("mmsi:574100009") {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(5), "{events:?}");
    }
}
