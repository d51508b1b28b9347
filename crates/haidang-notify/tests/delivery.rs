//! Delivery end to end with real parts: alerts raised into the store's outbox (SQLite, and
//! PostgreSQL from `HAIDANG_TEST_DATABASE_URL`), a running `Worker`, a real webhook
//! receiver on loopback (axum) that verifies signatures and drops repeats by
//! `webhook-id`, and a real SMTP sink (Debian's `python3-aiosmtpd`) writing a Maildir.

use std::collections::VecDeque;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use base64::Engine;
use haidang_notify::{
    AlertPayload, Notifier, RetryPolicy, Router, Secret, SmtpConfig, Worker, WorkerConfig,
};
use haidang_store::{DeliveryStatus, NewAlert, Store, VesselId, VesselStatic};
use haidang_types::{LatLon, Mmsi};
use time::OffsetDateTime;
use tokio::sync::watch;

const URL_VAR: &str = "HAIDANG_TEST_DATABASE_URL";
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

macro_rules! on_both_stores {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::$case(super::Store::open("sqlite::memory:").await.unwrap()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::with_pg(super::$case).await;
                }
            )*
        }
    };
}

on_both_stores!(
    webhook_retries_until_the_receiver_recovers,
    retry_after_is_honoured,
    gone_disables_the_endpoint,
    a_crashed_workers_deliveries_go_out_after_its_lease,
    two_workers_deliver_each_alert_once,
    email_reaches_the_smtp_sink,
);

// ---------------------------------------------------------------------------------------
// Cases.

async fn webhook_retries_until_the_receiver_recovers(store: Store) {
    // Three failures; the third is processed by the receiver but its answer is lost (500),
    // so the fourth attempt is a repeat that the receiver drops.
    let rx = Receiver::start(vec![
        Reply::Status(500),
        Reply::Status(500),
        Reply::ProcessedThen500,
    ])
    .await;
    let (notifier, router) = setup(&store, &rx.routing()).await;
    let alert = entered(1, 0);
    notifier
        .raise(std::slice::from_ref(&alert), OffsetDateTime::now_utc())
        .await
        .unwrap();
    let _worker = spawn_worker(&store, &router, &notifier, "w1", fast());

    until("the receiver answers 200", || async { rx.oks() == 1 }).await;
    until("the delivery is marked", || async {
        delivery_status(&store, &alert.id).await == (DeliveryStatus::Delivered, 4)
    })
    .await;
    let requests = rx.requests();
    assert_eq!(requests.len(), 4);
    assert!(
        requests.iter().all(|r| r.verified),
        "every request is signed"
    );
    let id = &requests[0].id;
    assert!(
        requests.iter().all(|r| &r.id == id),
        "the same webhook-id on every retry"
    );
    assert!(
        requests.iter().all(|r| r.body == requests[0].body),
        "the same bytes every time"
    );
    assert_eq!(rx.processed(), vec![id.clone()], "the receiver kept one");
    let payload: AlertPayload = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(payload.id, alert.id);
    assert_eq!(payload.kind, "entered_foreign");
    assert_eq!(payload.vessel.unwrap().name.as_deref(), Some("BV 4321 TS"));
    assert!(payload.notice.contains("approximate"));

    // The replay after a restart: nothing new is sent.
    let again = notifier
        .raise(&[alert], OffsetDateTime::now_utc())
        .await
        .unwrap();
    assert!(again.is_empty());
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(rx.requests().len(), 4);
}

async fn retry_after_is_honoured(store: Store) {
    let rx = Receiver::start(vec![Reply::RetryAfter(503, "2")]).await;
    let (notifier, router) = setup(&store, &rx.routing()).await;
    notifier
        .raise(&[entered(1, 0)], OffsetDateTime::now_utc())
        .await
        .unwrap();
    let _worker = spawn_worker(&store, &router, &notifier, "w1", fast());
    until("the second attempt succeeds", || async { rx.oks() == 1 }).await;
    let requests = rx.requests();
    assert_eq!(requests.len(), 2);
    let gap = requests[1].at - requests[0].at;
    // The backoff alone would have retried after 25-50 ms.
    assert!(gap >= Duration::from_secs(2), "retried after {gap:?}");
}

async fn gone_disables_the_endpoint(store: Store) {
    let rx = Receiver::start(vec![Reply::Status(410)]).await;
    let (notifier, router) = setup(&store, &rx.routing()).await;
    let first = entered(1, 0);
    notifier
        .raise(std::slice::from_ref(&first), OffsetDateTime::now_utc())
        .await
        .unwrap();
    let _worker = spawn_worker(&store, &router, &notifier, "w1", fast());
    until("the endpoint is disabled", || async {
        !store.disabled_endpoints().await.unwrap().is_empty()
    })
    .await;
    let disabled = store.disabled_endpoints().await.unwrap();
    assert_eq!(disabled[0].destination, "webhook:rx");
    assert!(disabled[0].reason.contains("410"), "{}", disabled[0].reason);
    assert_eq!(
        delivery_status(&store, &first.id).await.0,
        DeliveryStatus::Dead
    );

    // A later alert for it is dead at once: never sent.
    let second = entered(2, 1);
    notifier
        .raise(std::slice::from_ref(&second), OffsetDateTime::now_utc())
        .await
        .unwrap();
    assert_eq!(
        delivery_status(&store, &second.id).await.0,
        DeliveryStatus::Dead
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(rx.requests().len(), 1);
    let dead = store.list_dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 2);
    assert!(
        dead.iter()
            .all(|d| d.last_error.as_deref().unwrap().contains("410"))
    );
}

async fn a_crashed_workers_deliveries_go_out_after_its_lease(store: Store) {
    let rx = Receiver::start(vec![]).await;
    let (notifier, router) = setup(&store, &rx.routing()).await;
    let alerts: Vec<_> = (0..3).map(|n| entered(n, n.into())).collect();
    notifier
        .raise(&alerts, OffsetDateTime::now_utc())
        .await
        .unwrap();

    // A worker leases everything, then dies without marking anything.
    let leased_at = Instant::now();
    let crashed = store
        .lease_deliveries(
            "crashed",
            OffsetDateTime::now_utc(),
            time::Duration::seconds(1),
            10,
        )
        .await
        .unwrap();
    assert_eq!(crashed.len(), 3);

    let _worker = spawn_worker(&store, &router, &notifier, "w2", fast());
    until("all three arrive", || async { rx.oks() == 3 }).await;
    let requests = rx.requests();
    assert_eq!(requests.len(), 3);
    assert!(
        requests
            .iter()
            .all(|r| r.at >= leased_at + Duration::from_secs(1)),
        "nothing is sent before the lease ends"
    );
    for alert in &alerts {
        until("marked", || async {
            delivery_status(&store, &alert.id).await == (DeliveryStatus::Delivered, 2)
        })
        .await;
    }
    // The crashed worker comes back: its marks are refused.
    assert!(
        !store
            .mark_failed(&crashed[0], OffsetDateTime::now_utc(), "late")
            .await
            .unwrap()
    );
}

async fn two_workers_deliver_each_alert_once(store: Store) {
    let rx = Receiver::start(vec![]).await;
    let (notifier, router) = setup(&store, &rx.routing()).await;
    let mut config = fast();
    config.concurrency = 3;
    let _a = spawn_worker(&store, &router, &notifier, "wa", config.clone());
    let _b = spawn_worker(&store, &router, &notifier, "wb", config);
    let alerts: Vec<_> = (0..12).map(|n| entered(n, n.into())).collect();
    for chunk in alerts.chunks(4) {
        notifier
            .raise(chunk, OffsetDateTime::now_utc())
            .await
            .unwrap();
    }
    until("all twelve arrive", || async { rx.oks() == 12 }).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let requests = rx.requests();
    assert_eq!(requests.len(), 12, "no delivery was sent twice");
    assert_eq!(rx.processed().len(), 12);
}

async fn email_reaches_the_smtp_sink(store: Store) {
    let sink = SmtpSink::start();
    let routing = routing(
        r#"
        [recipients.rx]
        name = "Cục Lãnh sự (test)"
        email = ["lanhsu@example.invalid", "trucban@example.invalid"]
    "#,
    );
    let (notifier, router) = setup(&store, &routing).await;
    let alert = entered(1, 0);
    notifier
        .raise(std::slice::from_ref(&alert), OffsetDateTime::now_utc())
        .await
        .unwrap();
    let mut config = fast();
    config.smtp = Some(SmtpConfig {
        host: "127.0.0.1".into(),
        port: sink.port,
        from: "Haidang <alerts@haidang.example>".into(),
        timeout: Duration::from_secs(10),
    });
    let _worker = spawn_worker(&store, &router, &notifier, "w1", config);
    until("the delivery is marked", || async {
        delivery_status(&store, &alert.id).await.0 == DeliveryStatus::Delivered
    })
    .await;
    let messages = sink.messages();
    assert_eq!(messages.len(), 1, "one message for both addresses");
    let message = &messages[0];
    let subject = decoded_header(message, "Subject");
    assert_eq!(
        subject,
        "[Haidang] Vào vùng biển nước ngoài / Entered foreign waters - BV 4321 TS \
         (mmsi:574000001) - IDN"
    );
    assert!(decoded_header(message, "To").contains("lanhsu@example.invalid"));
    assert!(decoded_header(message, "Message-ID").contains(&format!("msg_{}_", alert.id)));
}

// ---------------------------------------------------------------------------------------
// Fixtures.

/// An `entered_foreign` alert for vessel `n` (MMSI 574000000 + n) into Indonesian waters.
fn entered(n: u32, minute: i64) -> NewAlert {
    let t = OffsetDateTime::from_unix_timestamp(1_795_392_000).unwrap()
        + time::Duration::minutes(minute);
    let mut a = NewAlert::new(
        &format!("entered_foreign:{n}:IDN:{minute}"),
        "entered_foreign",
        t + time::Duration::seconds(5),
    );
    a.vessel = Some(VesselId::Mmsi(Mmsi::new(574_000_000 + n).unwrap()));
    a.fix_time = Some(t);
    a.received_at = Some(t + time::Duration::seconds(2));
    a.zone_id = Some("IDN".into());
    a.zone_class = Some("foreign".into());
    a.country = Some("IDN".into());
    a.position = Some(LatLon::new(106.8, 6.4).unwrap());
    a
}

/// A routing file sending every kind to the operators group, which is recipient `rx`
/// (given by `recipient`).
fn routing(recipient: &str) -> String {
    let kinds = [
        "approach",
        "entered_foreign",
        "entered_undelimited",
        "exited",
        "silent_6h",
        "silent_10d",
        "provider_outage",
        "distress",
        "possible_detention",
        "implausible_track",
    ];
    let mut toml = String::from("[kinds]\n");
    for k in kinds {
        toml.push_str(&format!("{k} = [\"operators\"]\n"));
    }
    toml.push_str("[groups]\noperators = [\"rx\"]\n");
    toml.push_str(recipient);
    toml
}

async fn setup(store: &Store, routing: &str) -> (Notifier, Arc<Router>) {
    let router = Arc::new(Router::from_toml(routing, None).unwrap());
    store
        .upsert_vessel(
            &VesselId::Mmsi(Mmsi::new(574_000_001).unwrap()),
            &VesselStatic {
                name: Some("BV 4321 TS".into()),
                province: Some("Bà Rịa - Vũng Tàu".into()),
                ..VesselStatic::default()
            },
        )
        .await
        .unwrap();
    (Notifier::new(store.clone(), Arc::clone(&router)), router)
}

/// Test settings: short leases, polls and backoff.
fn fast() -> WorkerConfig {
    let mut config = WorkerConfig::standard("test");
    config.lease = Duration::from_secs(5);
    config.concurrency = 4;
    config.poll_interval = Duration::from_millis(50);
    config.webhook_timeout = Duration::from_secs(5);
    config.retry = RetryPolicy {
        first_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(200),
        give_up_after: Duration::from_secs(24 * 3600),
    };
    config
}

/// A running worker; stopped (gracefully) when dropped.
struct RunningWorker {
    stop: watch::Sender<bool>,
}

impl Drop for RunningWorker {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

fn spawn_worker(
    store: &Store,
    router: &Arc<Router>,
    notifier: &Notifier,
    id: &str,
    mut config: WorkerConfig,
) -> RunningWorker {
    config.worker_id = id.to_owned();
    let worker = Worker::new(
        store.clone(),
        Arc::clone(router),
        config,
        notifier.wake_handle(),
    )
    .unwrap();
    let (stop, stopped) = watch::channel(false);
    tokio::spawn(worker.run(stopped));
    RunningWorker { stop }
}

/// The alert's only delivery: its status and attempts.
async fn delivery_status(store: &Store, alert_id: &str) -> (DeliveryStatus, u32) {
    let record = store.alert(alert_id).await.unwrap().unwrap();
    assert_eq!(record.deliveries.len(), 1);
    (record.deliveries[0].status, record.deliveries[0].attempts)
}

/// Waits up to 30 s for `check` to hold.
async fn until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(30);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

// ---------------------------------------------------------------------------------------
// The webhook receiver: verifies every signature, keeps each webhook-id once.

#[derive(Clone, Copy, Debug)]
enum Reply {
    Status(u16),
    /// Processes the message, then answers 500 (the answer is "lost").
    ProcessedThen500,
    RetryAfter(u16, &'static str),
}

#[derive(Clone, Debug)]
struct Request {
    id: String,
    body: Bytes,
    at: Instant,
    verified: bool,
}

#[derive(Default)]
struct ReceiverState {
    script: VecDeque<Reply>,
    requests: Vec<Request>,
    /// webhook-ids processed, each once (receiver-side dedupe).
    processed: Vec<String>,
    oks: usize,
}

#[derive(Clone)]
struct Receiver {
    state: Arc<Mutex<ReceiverState>>,
    port: u16,
}

impl Receiver {
    /// Answers the scripted replies in turn, then 200.
    async fn start(script: Vec<Reply>) -> Self {
        let state = Arc::new(Mutex::new(ReceiverState {
            script: script.into(),
            ..ReceiverState::default()
        }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::clone(&state);
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| {
                let state = Arc::clone(&shared);
                async move { receive(&state, &headers, body) }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { state, port }
    }

    fn routing(&self) -> String {
        routing(&format!(
            "[recipients.rx]\nname = \"receiver\"\n\
             webhook = {{ url = \"http://127.0.0.1:{}/hook\", secret = \"{SECRET}\" }}\n",
            self.port
        ))
    }

    fn requests(&self) -> Vec<Request> {
        self.state.lock().unwrap().requests.clone()
    }

    fn processed(&self) -> Vec<String> {
        self.state.lock().unwrap().processed.clone()
    }

    fn oks(&self) -> usize {
        self.state.lock().unwrap().oks
    }
}

fn receive(
    state: &Mutex<ReceiverState>,
    headers: &HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let id = header("webhook-id");
    let now = i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap();
    let verified = haidang_notify::verify(
        &Secret::parse(SECRET).unwrap(),
        &id,
        &header("webhook-timestamp"),
        &header("webhook-signature"),
        &body,
        now,
        haidang_notify::DEFAULT_TOLERANCE_SECS,
    )
    .is_ok()
        && header("content-type") == "application/json";
    let mut state = state.lock().unwrap();
    state.requests.push(Request {
        id: id.clone(),
        body,
        at: Instant::now(),
        verified,
    });
    if !verified {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let reply = state.script.pop_front().unwrap_or(Reply::Status(200));
    let process = |state: &mut ReceiverState| {
        if !state.processed.contains(&id) {
            state.processed.push(id.clone());
        }
    };
    match reply {
        Reply::Status(code) => {
            if code < 300 {
                process(&mut state);
                state.oks += 1;
            }
            StatusCode::from_u16(code).unwrap().into_response()
        }
        Reply::ProcessedThen500 => {
            process(&mut state);
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
        Reply::RetryAfter(code, after) => {
            let mut response = StatusCode::from_u16(code).unwrap().into_response();
            response
                .headers_mut()
                .insert("retry-after", HeaderValue::from_static(after));
            response
        }
    }
}

// ---------------------------------------------------------------------------------------
// The SMTP sink: aiosmtpd writing a Maildir.

struct SmtpSink {
    child: Child,
    port: u16,
    maildir: PathBuf,
}

impl SmtpSink {
    fn start() -> Self {
        let python = Path::new("/usr/bin/python3");
        let present = python.exists()
            && Command::new(python)
                .args(["-c", "import aiosmtpd"])
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
        assert!(
            present,
            "the SMTP sink needs Debian's python3-aiosmtpd (/usr/bin/python3 -m aiosmtpd): \
             apt-get install -y python3-aiosmtpd"
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let maildir = std::env::temp_dir().join(format!(
            "haidang-notify-maildir-{}-{port}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&maildir);
        let child = Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "aiosmtpd did not start on port {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            child,
            port,
            maildir,
        }
    }

    /// The messages delivered to the Maildir, as text.
    fn messages(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.maildir.join("new")) else {
            return Vec::new();
        };
        entries
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.maildir);
    }
}

/// A header of a raw message, unfolded, with RFC 2047 encoded words decoded.
fn decoded_header(message: &str, name: &str) -> String {
    let mut value = String::new();
    let mut inside = false;
    for line in message.lines() {
        if line.is_empty() {
            break;
        }
        if inside && line.starts_with([' ', '\t']) {
            value.push_str(line);
        } else if inside {
            break;
        } else if let Some((key, rest)) = line.split_once(':')
            && key.eq_ignore_ascii_case(name)
        {
            value.push_str(rest);
            inside = true;
        }
    }
    // Adjacent encoded words join without the space between them (RFC 2047 section 6.2).
    let mut out = String::new();
    let mut pending: Vec<u8> = Vec::new();
    let mut last_encoded = false;
    for word in value.split_whitespace() {
        let parts: Vec<&str> = word.split('?').collect();
        if word.starts_with("=?") && word.ends_with("?=") && parts.len() == 5 {
            if !last_encoded && !out.is_empty() {
                out.push(' ');
            }
            if parts[2].eq_ignore_ascii_case("b") {
                pending.extend(
                    base64::engine::general_purpose::STANDARD
                        .decode(parts[3])
                        .unwrap(),
                );
            } else {
                pending.extend(q_decode(parts[3]));
            }
            last_encoded = true;
        } else {
            out.push_str(&String::from_utf8(std::mem::take(&mut pending)).unwrap());
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
            last_encoded = false;
        }
    }
    out.push_str(&String::from_utf8(pending).unwrap());
    out
}

fn q_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'_' => out.push(b' '),
            b'=' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    out
}

// ---------------------------------------------------------------------------------------
// PostgreSQL: a fresh database per case, made and dropped with psql.

async fn with_pg<F, Fut>(case: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let admin_url = std::env::var(URL_VAR).unwrap_or_else(|_| {
        panic!(
            "{URL_VAR} is not set: these tests need a PostgreSQL superuser URL such as \
             postgres://postgres@127.0.0.1:5432/postgres (scripts/pg-for-tests prints one)"
        )
    });
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    // Named like the store's test databases, so their stale clean-up covers these too.
    let name = format!(
        "haidang_test_{secs}_{}_n{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let (base, query) = match admin_url.split_once('?') {
        Some((base, query)) => (base.to_owned(), format!("?{query}")),
        None => (admin_url.clone(), String::new()),
    };
    let (scheme, rest) = base.split_once("://").unwrap();
    let authority = rest.split_once('/').map_or(rest, |(a, _)| a);
    let url = format!("{scheme}://{authority}/{name}{query}");
    psql(&admin_url, &format!("CREATE DATABASE {name}"));
    psql(&url, "CREATE EXTENSION IF NOT EXISTS postgis");
    let store = Store::open(&url).await.unwrap();
    let outcome = tokio::spawn(case(store)).await;
    psql(
        &admin_url,
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    );
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

fn psql(url: &str, sql: &str) {
    let out = Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", sql])
        .output()
        .unwrap_or_else(|e| panic!("cannot run psql (postgresql-client): {e}"));
    assert!(
        out.status.success(),
        "psql {sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
