//! The live map in a real headless Chromium, driven through chromedriver (WebDriver) by
//! fantoccini: `haidang serve --demo`, the page at `/`, boats on the canvas, a real click
//! on one and its track, an alert arriving in the panel and acknowledged, a screenshot
//! (`target/web-e2e/screenshot.png`); and the page's own checks (the approximate-geodata
//! notice, headers, no script error or CSP violation).
//!
//! Needs Debian's `chromium` and `chromium-driver` (`scripts/test` installs them); without
//! them the tests fail, saying so.

mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use support::{Server, TestStore, create_user, free_port, temp_dir};

/// Where Debian puts Chromium.
const CHROMIUM: &str = "/usr/bin/chromium";

/// One browser at a time: two cores are shared with the server and the build.
static BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A `chromedriver` on a free port, killed when dropped.
struct Chromedriver {
    child: Child,
    url: String,
}

impl Chromedriver {
    fn start() -> Chromedriver {
        assert!(
            std::path::Path::new(CHROMIUM).exists(),
            "{CHROMIUM} is missing: the live map's end-to-end tests need Debian's chromium and \
             chromium-driver (apt-get install -y chromium chromium-driver; scripts/test installs them)"
        );
        let port = free_port();
        let child = Command::new("chromedriver")
            .args([
                format!("--port={port}"),
                "--allowed-ips=127.0.0.1".to_owned(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run chromedriver ({e}): the live map's end-to-end tests need Debian's \
                     chromium and chromium-driver (apt-get install -y chromium chromium-driver; \
                     scripts/test installs them)"
                )
            });
        let driver = Chromedriver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let deadline = Instant::now() + Duration::from_secs(20);
        // Listening is enough: the session request waits for it to be ready.
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not start within 20 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        driver
    }

    /// A new headless Chromium session with a fresh profile, 1400 x 900.
    async fn session(&self, profile: &std::path::Path) -> Client {
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": CHROMIUM,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1400,900",
                    format!("--user-data-dir={}", profile.display()),
                ],
            }),
        );
        ClientBuilder::rustls()
            .expect("a WebDriver client")
            .capabilities(caps)
            .connect(&self.url)
            .await
            .expect("a Chromium session through chromedriver")
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `scenario` with a browser session and ends the session (and its Chromium)
/// whatever happens; a panic in the scenario is the test's.
async fn with_browser<F, Fut>(name: &str, scenario: F)
where
    F: FnOnce(Client) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let _one = BROWSER.lock().await;
    let driver = Chromedriver::start();
    let profile = temp_dir(&format!("chromium-{name}"));
    let client = driver.session(&profile).await;
    let outcome = tokio::spawn(scenario(client.clone())).await;
    let _ = client.close().await;
    drop(driver);
    let _ = std::fs::remove_dir_all(&profile);
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// Runs a script in the page and returns its value.
async fn js(client: &Client, script: &str) -> Value {
    client
        .execute(script, vec![])
        .await
        .unwrap_or_else(|e| panic!("script {script:?} failed: {e}"))
}

/// Polls `script` until it returns something truthy (not null, false, 0 or ""); panics
/// with `what` and the last value after `limit`.
async fn wait_for(client: &Client, what: &str, limit: Duration, script: &str) -> Value {
    let deadline = Instant::now() + limit;
    loop {
        let value = js(client, script).await;
        let truthy = match &value {
            Value::Null | Value::Bool(false) => false,
            Value::Number(n) => n.as_f64() != Some(0.0),
            Value::String(s) => !s.is_empty(),
            _ => true,
        };
        if truthy {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: not within {limit:?} (last value {value})"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Fails on any script error or Content-Security-Policy violation the page recorded.
async fn assert_no_problems(client: &Client) {
    let problems = js(client, "return window.haidang.problems()").await;
    assert_eq!(problems, json!([]), "the page reported problems");
}

/// Opens `base/`, which sends a browser without a session to the login page, and logs
/// in there as `name` with `password` through the form; waits for the map page.
async fn log_in(client: &Client, base: &str, name: &str, password: &str) {
    client
        .goto(&format!("{base}/"))
        .await
        .expect("the page opens");
    let url = client.current_url().await.expect("url");
    assert_eq!(
        url.path(),
        "/login",
        "without a session, / leads to the login page"
    );
    // A wrong password says so and stays on the page.
    type_into(client, "login-name", name).await;
    type_into(client, "login-password", "not the password").await;
    click(client, "login-submit").await;
    wait_for(
        client,
        "the login error shown",
        Duration::from_secs(20),
        "return !document.getElementById('login-error').hidden \
         && document.getElementById('login-error').textContent",
    )
    .await;
    type_into(client, "login-name", name).await;
    type_into(client, "login-password", password).await;
    click(client, "login-submit").await;
    wait_for(
        client,
        "the map page after logging in",
        Duration::from_secs(20),
        "return location.pathname === '/' && Boolean(window.haidang)",
    )
    .await;
}

async fn type_into(client: &Client, id: &str, text: &str) {
    let field = client.find(Locator::Id(id)).await.expect("field");
    field.clear().await.expect("clear");
    field.send_keys(text).await.expect("type");
}

async fn click(client: &Client, id: &str) {
    client
        .find(Locator::Id(id))
        .await
        .expect("button")
        .click()
        .await
        .expect("click");
}

/// `target/web-e2e/screenshot.png` (under `CARGO_TARGET_DIR` when set).
fn screenshot_path() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("web-e2e").join("screenshot.png")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_map_shows_boats_a_track_and_alerts_an_operator_acknowledges() {
    let store = TestStore::sqlite("web-demo");
    create_user(&store.url, "lan", "operator", "lan-password-2026");
    let server = Server::start(&store.url, &["--demo"]);
    let base = format!("http://{}", server.http);
    let http_addr = server.http;
    let token = server.token.clone();
    let http = move |addr: SocketAddr, method: &str, path: &str, body: Option<&Value>| {
        support::http_as(addr, Some(&token), method, path, body)
    };

    with_browser("demo", move |client| async move {
        log_in(&client, &base, "lan", "lan-password-2026").await;

        // Boats: the demo's 205 arrive within a minute; more than 100 drawn.
        let count = wait_for(
            &client,
            "more than 100 boats loaded",
            Duration::from_secs(90),
            "return window.haidang && window.haidang.vesselCount() > 100 && window.haidang.vesselCount()",
        )
        .await;
        eprintln!("boats loaded: {count}");
        wait_for(
            &client,
            "boats drawn on the canvas",
            Duration::from_secs(10),
            "return window.haidang.renderedCount() > 100",
        )
        .await;
        let first_frame = js(&client, "return window.haidang.firstFrameMs").await;
        assert!(first_frame.as_f64().is_some_and(|ms| ms > 0.0), "firstFrameMs {first_frame}");

        // The live stream connects.
        wait_for(
            &client,
            "the live stream connected",
            Duration::from_secs(20),
            "return window.haidang.streamState() === 'live'",
        )
        .await;

        // A real click on a boat that stands alone opens its panel and draws its track.
        // Boats move while the demo catches up (and the stream redraws them each second),
        // so a boat clear of the others by up to three times the click radius is chosen,
        // and the click is tried again on another one if, by the time it landed, a
        // neighbour had drifted closer.
        let mut attempts = Vec::new();
        let key = loop {
            let key = wait_for(
                &client,
                "a boat with no other within 16 px",
                Duration::from_secs(20),
                "const h = window.haidang; \
                 return h.isolatedBoat(30) || h.isolatedBoat(22) || h.isolatedBoat(16)",
            )
            .await;
            let key = key.as_str().expect("a vessel key").to_owned();
            let point = js(&client, &format!("return window.haidang.screenPoint({key:?})")).await;
            let (x, y) = (point["x"].as_f64().unwrap(), point["y"].as_f64().unwrap());
            // The panel's last vessel is forgotten, so that the wait below sees this click's.
            js(
                &client,
                "document.getElementById('vessel-panel').dataset.vessel = ''; return true",
            )
            .await;
            client
                .perform_actions(
                    MouseActions::new("mouse".into())
                        .then(PointerAction::MoveTo { duration: None, x: x.round(), y: y.round() })
                        .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
                        .then(PointerAction::Up { button: MOUSE_BUTTON_LEFT }),
                )
                .await
                .expect("a click on the map");
            let shown = wait_for(
                &client,
                "the clicked boat's panel",
                Duration::from_secs(10),
                "const p = document.getElementById('vessel-panel'); return !p.hidden && p.dataset.vessel",
            )
            .await;
            attempts.push((key.clone(), shown.clone()));
            if shown == json!(key) {
                break key;
            }
            assert!(attempts.len() < 3, "the panel shows the boat clicked: {attempts:?}");
        };
        let fixes = wait_for(
            &client,
            "the track loaded",
            Duration::from_secs(30),
            "const s = document.getElementById('track-status'); \
             return s.dataset.state === 'loaded' && Number(s.dataset.fixes)",
        )
        .await;
        assert!(fixes.as_f64().unwrap_or(0.0) >= 2.0, "a track of {fixes} fixes");
        let track_paths = js(
            &client,
            "return document.querySelectorAll('.leaflet-track-pane path').length",
        )
        .await;
        assert!(track_paths.as_u64().unwrap_or(0) >= 2, "track lines drawn: {track_paths}");
        let facts = client
            .find(Locator::Id("vessel-facts"))
            .await
            .expect("the vessel's facts")
            .text()
            .await
            .expect("text");
        assert!(facts.contains(&key) && facts.contains("UTC"), "{facts}");

        // selectVessel does the same without the pointer.
        let (status, body) = http(http_addr, "GET", "/api/v1/vessels", None).expect("vessels");
        assert_eq!(status, 200, "{body}");
        let vessels: Value = serde_json::from_str(&body).expect("GeoJSON");
        let other = vessels["features"]
            .as_array()
            .expect("features")
            .iter()
            .filter_map(|f| f["properties"]["vessel"].as_str())
            .find(|k| *k != key)
            .map(Value::from)
            .expect("another vessel");
        let other = other.as_str().expect("another vessel").to_owned();
        wait_for(
            &client,
            "selectVessel's track",
            Duration::from_secs(30),
            &format!(
                "const p = document.getElementById('vessel-panel'); \
                 if (p.dataset.vessel !== {other:?}) window.haidang.selectVessel({other:?}); \
                 const s = document.getElementById('track-status'); \
                 return p.dataset.vessel === {other:?} && s.dataset.state === 'loaded'"
            ),
        )
        .await;

        // An alert: the demo's scripted boats cross into foreign waters in the first minute.
        let operator = client.find(Locator::Id("operator")).await.expect("operator box");
        operator.send_keys("E2E Tester").await.expect("typing");
        let id = wait_for(
            &client,
            "an entered_foreign alert in the panel",
            Duration::from_secs(90),
            "const li = document.querySelector(\
             '[data-testid=alert-item][data-kind=entered_foreign][data-status=open]'); \
             return li && li.dataset.alertId",
        )
        .await;
        let id = id.as_str().expect("an alert id").to_owned();
        let button = client
            .find(Locator::Css(&format!(
                "[data-alert-id=\"{id}\"] [data-testid=ack-button]"
            )))
            .await
            .expect("its Acknowledge button");
        button.click().await.expect("acknowledge");
        let done = wait_for(
            &client,
            "the alert marked acknowledged",
            Duration::from_secs(15),
            &format!(
                "const li = document.querySelector('[data-alert-id=\"{id}\"]'); \
                 return li && li.dataset.status === 'acknowledged' && li.textContent"
            ),
        )
        .await;
        assert!(done.as_str().unwrap_or("").contains("E2E Tester"), "{done}");
        let (status, body) =
            http(http_addr, "GET", &format!("/api/v1/alerts/{id}"), None).expect("alert");
        assert_eq!(status, 200, "{body}");
        let stored: Value = serde_json::from_str(&body).expect("JSON");
        let stored = stored.get("alert").unwrap_or(&stored);
        assert_eq!(stored["status"], json!("acknowledged"), "{body}");
        assert_eq!(stored["acknowledged_by"], json!("E2E Tester"), "{body}");

        assert_no_problems(&client).await;

        let png = client.screenshot().await.expect("a screenshot");
        let path = screenshot_path();
        std::fs::create_dir_all(path.parent().unwrap()).expect("screenshot directory");
        std::fs::write(&path, &png).expect("screenshot written");
        println!("screenshot: {}", path.display());
        eprintln!("screenshot: {}", path.display());
    })
    .await;
    drop(server);
}

/// One raw GET with extra headers; the status line and the headers (lower-cased names).
fn get_headers(addr: SocketAddr, path: &str, extra: &str) -> (u16, Vec<(String, String)>) {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{extra}\r\n"
    )
    .expect("request");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("response");
    let text = String::from_utf8_lossy(&response);
    let head = text.split("\r\n\r\n").next().unwrap_or_default();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    (status, headers)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_says_zones_are_approximate_and_loads_only_from_its_server() {
    let store = TestStore::sqlite("web-page");
    create_user(&store.url, "hoa", "fisheries", "hoa-password-2026");
    let server = Server::start(&store.url, &[]);
    let addr = server.http;

    // Without a session the map sends a browser to the login page.
    let (status, h) = get_headers(addr, "/", "");
    assert_eq!(status, 303);
    assert_eq!(header(&h, "location"), "/login");
    // Headers: content types, caching, the policy.
    let (status, h) = get_headers(addr, "/login", "");
    assert_eq!(status, 200);
    assert_eq!(header(&h, "content-type"), "text/html; charset=utf-8");
    let csp = header(&h, "content-security-policy");
    for part in [
        "default-src 'none'",
        "script-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(part), "{csp}");
    }
    assert!(!csp.contains("unsafe"), "{csp}");
    assert_eq!(header(&h, "x-content-type-options"), "nosniff");
    let (status, h) = get_headers(addr, "/assets/app.js", "");
    assert_eq!(status, 200);
    assert_eq!(header(&h, "content-type"), "text/javascript; charset=utf-8");
    assert_eq!(header(&h, "cache-control"), "no-cache");
    let etag = header(&h, "etag").to_owned();
    let (status, _) = get_headers(
        addr,
        "/assets/app.js",
        &format!("If-None-Match: {etag}\r\n"),
    );
    assert_eq!(status, 304, "an unchanged file is not sent again");
    let (status, h) = get_headers(addr, "/assets/vendor/leaflet-1.9.4/leaflet.js", "");
    assert_eq!(status, 200);
    assert!(header(&h, "cache-control").contains("immutable"));
    let (status, h) = get_headers(addr, "/assets/basemap.geojson", "");
    assert_eq!(status, 200);
    assert_eq!(header(&h, "content-type"), "application/geo+json");
    let (status, h) = get_headers(addr, "/assets/nothing.js", "");
    assert_eq!(status, 404);
    assert_eq!(header(&h, "content-type"), "application/problem+json");

    let base = format!("http://{addr}");
    with_browser("page", move |client| async move {
        log_in(&client, &base, "hoa", "hoa-password-2026").await;
        wait_for(
            &client,
            "the page's script running",
            Duration::from_secs(20),
            "return Boolean(window.haidang)",
        )
        .await;

        let notice = client
            .find(Locator::Id("geodata-notice"))
            .await
            .expect("the notice");
        assert!(notice.is_displayed().await.expect("displayed"), "the notice is visible");
        let text = notice.text().await.expect("text");
        assert!(text.contains("Zones are approximate, not legal lines"), "{text}");
        assert!(
            text.contains("Các vùng biển chỉ là gần đúng, không phải đường ranh giới pháp lý"),
            "{text}"
        );
        // On screen, not pushed off it or covered.
        let on_top = js(
            &client,
            "const r = document.getElementById('geodata-notice').getBoundingClientRect(); \
             const e = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2); \
             return r.height > 8 && r.top >= 0 && r.bottom <= innerHeight && e && e.id === 'geodata-notice'",
        )
        .await;
        assert_eq!(on_top, json!(true), "the notice is on screen and uncovered");

        // The basemap and the zones are drawn (canvas layers in their panes).
        wait_for(
            &client,
            "the basemap and zones drawn",
            Duration::from_secs(20),
            "return document.querySelector('.leaflet-basemap-pane canvas') !== null \
             && document.querySelector('.leaflet-zones-pane canvas') !== null",
        )
        .await;
        // With no boat yet, the first frame is still drawn.
        wait_for(
            &client,
            "the first frame",
            Duration::from_secs(20),
            "return window.haidang.firstFrameMs",
        )
        .await;
        assert_eq!(js(&client, "return window.haidang.vesselCount()").await, json!(0));

        // The language toggle switches every string, and is remembered.
        let title = |lang: &'static str| {
            let client = client.clone();
            async move {
                client
                    .find(Locator::Css("[data-i18n=title]"))
                    .await
                    .expect("title")
                    .text()
                    .await
                    .unwrap_or_else(|e| panic!("{lang}: {e}"))
            }
        };
        let before = title("before").await;
        client
            .find(Locator::Id("lang-toggle"))
            .await
            .expect("toggle")
            .click()
            .await
            .expect("click");
        let after = title("after").await;
        assert_ne!(before, after);
        assert!(
            [before.as_str(), after.as_str()].contains(&"Live map")
                && [before.as_str(), after.as_str()].contains(&"Bản đồ trực tiếp"),
            "{before} / {after}"
        );

        // Only this server was asked for anything.
        let foreign = js(
            &client,
            "return performance.getEntriesByType('resource').map(e => e.name) \
             .filter(u => !u.startsWith(location.origin))",
        )
        .await;
        assert_eq!(foreign, json!([]), "requests to other origins");
        assert_no_problems(&client).await;
    })
    .await;
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consular_staff_follow_a_case_and_read_its_crew_with_a_reason() {
    let store = TestStore::sqlite("web-cases");
    create_user(&store.url, "thu", "consular", "thu-password-2026");
    let server = Server::start(&store.url, &[]);
    // A case with one crew member, recorded through the API by an administrator.
    let (status, body) = server
        .api(
            "POST",
            "/api/v1/cases",
            Some(
                &json!({"mission": "mission.idn.jakarta", "vessel": "mmsi:574000001",
                         "detained_at": "2026-11-20T03:00:00Z", "detaining_country": "IDN",
                         "place": "Natuna", "note": "gia đình báo tin"}),
            ),
        )
        .expect("case");
    assert_eq!(status, 201, "{body}");
    let id = serde_json::from_str::<Value>(&body).expect("JSON")["id"].clone();
    let (status, body) = server
        .api(
            "POST",
            &format!("/api/v1/cases/{id}/crew"),
            Some(&json!({"name": "Nguyễn Văn Tèo", "id_number": "079085001234"})),
        )
        .expect("crew");
    assert_eq!(status, 201, "{body}");
    let base = format!("http://{}", server.http);
    with_browser("cases", move |client| async move {
        log_in(&client, &base, "thu", "thu-password-2026").await;
        click(&client, "to-cases").await;
        wait_for(
            &client,
            "the case listed",
            Duration::from_secs(20),
            "return window.haidangCases && document.querySelectorAll('#cases tbody tr').length === 1",
        )
        .await;
        // The list carries no crew; opening the case shows its timeline, still no crew.
        let page = js(&client, "return document.body.innerText").await;
        assert!(!page.as_str().unwrap_or("").contains("Nguyễn Văn Tèo"), "{page}");
        client
            .find(Locator::Css("#cases tbody tr"))
            .await
            .expect("row")
            .click()
            .await
            .expect("click");
        wait_for(
            &client,
            "the case's timeline",
            Duration::from_secs(20),
            "return document.getElementById('timeline').innerText.includes('gia đình báo tin')",
        )
        .await;
        let page = js(&client, "return document.body.innerText").await;
        assert!(!page.as_str().unwrap_or("").contains("Nguyễn Văn Tèo"), "{page}");
        // The crew, with a reason.
        type_into(&client, "crew-reason", "thông báo cho gia đình").await;
        click(&client, "crew-show").await;
        let crew = wait_for(
            &client,
            "the crew shown",
            Duration::from_secs(20),
            "return !document.getElementById('crew').hidden && document.getElementById('crew').innerText",
        )
        .await;
        assert!(crew.as_str().unwrap_or("").contains("Nguyễn Văn Tèo"), "{crew}");
        // Moving the case forward shows in its timeline.
        js(&client, "document.getElementById('status-to').value = 'verified'; return true").await;
        client
            .find(Locator::Css("#status-form button"))
            .await
            .expect("button")
            .click()
            .await
            .expect("click");
        wait_for(
            &client,
            "the status changed",
            Duration::from_secs(20),
            "return document.getElementById('case-title').innerText.includes('đã xác minh')",
        )
        .await;
        // A crew member recorded through the page: the case counts two, and the answer
        // shows no personal data (the table of crew stays as it was read).
        js(&client, "document.getElementById('crew-add-box').open = true; return true").await;
        type_into(&client, "crew-name", "Trần Thị Bé").await;
        type_into(&client, "crew-dob", "1990-02-03").await;
        click(&client, "crew-add-submit").await;
        wait_for(
            &client,
            "the crew count",
            Duration::from_secs(20),
            r"return /Thủy thủ\s*2/.test(document.getElementById('case-facts').innerText)",
        )
        .await;
        // A new case opened by hand, for the account's own mission.
        js(&client, "document.getElementById('open-box').open = true; return true").await;
        type_into(&client, "open-mission", "mission.idn.jakarta").await;
        type_into(&client, "open-vessel", "mmsi:574000002").await;
        type_into(&client, "open-country", "idn").await;
        type_into(&client, "open-place", "Bắc Natuna").await;
        click(&client, "open-submit").await;
        wait_for(
            &client,
            "the new case listed and open",
            Duration::from_secs(20),
            "return document.querySelectorAll('#cases tbody tr').length === 2 && document.getElementById('case-facts').innerText.includes('Bắc Natuna')",
        )
        .await;
    })
    .await;
    // One read of crew data, one row in the access log, with its reason.
    let (status, body) = server.api("GET", "/api/v1/audit", None).expect("audit");
    assert_eq!(status, 200, "{body}");
    let audit: Value = serde_json::from_str(&body).expect("JSON");
    let entries = audit["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 1, "{audit}");
    assert_eq!(entries[0]["who"], "user:thu");
    assert_eq!(entries[0]["reason"], "thông báo cho gia đình");
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fisheries_officer_reads_the_iuu_report_and_closes_a_boundary_case_from_it() {
    let store = TestStore::sqlite("web-reports");
    let server = Server::start(&store.url, &["--demo", "--demo-vessels", "20"]);
    // The demo printed its administrator's password before it served.
    let printed = server.stdout.lock().expect("lock").join("\n");
    let password = printed
        .split("as demo with password ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no demo login in {printed:?}"))
        .to_owned();
    let base = format!("http://{}", server.http);
    let http_addr = server.http;
    let token = server.token.clone();
    // The demo's crossings happen in its replayed hours, so their cases are from today or
    // (just after midnight) yesterday.
    let today = time::OffsetDateTime::now_utc().date();
    let from = today.previous_day().expect("yesterday").to_string();
    let to = today.to_string();

    with_browser("reports", move |client| async move {
        log_in(&client, &base, "demo", &password).await;
        // A boundary case opened from a crossing (the demo's first minute).
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let (status, body) = support::http_as(
                http_addr,
                Some(&token),
                "GET",
                "/api/v1/compliance/cases?kind=boundary&status=detected",
                None,
            )
            .expect("cases");
            assert_eq!(status, 200, "{body}");
            let cases: Value = serde_json::from_str(&body).expect("JSON");
            if cases["cases"].as_array().is_some_and(|c| !c.is_empty()) {
                break;
            }
            assert!(Instant::now() < deadline, "no boundary case from the demo: {body}");
            tokio::time::sleep(Duration::from_millis(500)).await;
        }

        client
            .goto(&format!("{base}/reports"))
            .await
            .expect("the report page opens");
        wait_for(
            &client,
            "the report page ready",
            Duration::from_secs(20),
            "return window.haidangReports && window.haidangReports.ready",
        )
        .await;
        // The default period is the previous calendar month; this one covers today.
        js(
            &client,
            &format!(
                "document.getElementById('report-from').value = {from:?}; \
                 document.getElementById('report-to').value = {to:?}; return true"
            ),
        )
        .await;
        click(&client, "report-show").await;
        wait_for(
            &client,
            "the report shown",
            Duration::from_secs(30),
            "return document.getElementById('report').dataset.state === 'shown' \
             && document.getElementById('report-error').hidden",
        )
        .await;

        // The notice about approximate boundaries is on screen.
        let notice = client
            .find(Locator::Id("report-notice"))
            .await
            .expect("the notice");
        assert!(notice.is_displayed().await.expect("displayed"), "the notice is visible");
        let text = notice.text().await.expect("text");
        assert!(text.contains("Zone boundaries are approximate"), "{text}");
        assert!(text.contains("Ranh giới vùng biển là gần đúng"), "{text}");

        // The boundary count is the number of boundary cases listed, at least one.
        let counts = js(
            &client,
            "return [Number(document.getElementById('count-boundary-total').dataset.count), \
             document.querySelectorAll('#case-table tbody tr[data-kind=boundary]').length]",
        )
        .await;
        assert_eq!(counts[0], counts[1], "boundary count and rows: {counts}");
        assert!(counts[0].as_u64().unwrap_or(0) >= 1, "{counts}");
        let closed = js(
            &client,
            "return Number(document.getElementById('count-closed-total').dataset.count)",
        )
        .await;
        assert_eq!(closed, json!(0));

        // The CSV download is a zip, in the same session.
        let csv = js(
            &client,
            "return fetch(document.getElementById('dl-csv').href, {credentials: 'same-origin'}) \
             .then(r => r.status + ' ' + r.headers.get('content-type'))",
        )
        .await;
        assert_eq!(csv, json!("200 application/zip"), "the CSV link");

        // A boundary case closed as no violation through its row's form.
        let id = js(
            &client,
            "const r = document.querySelector('#case-table tbody tr[data-kind=boundary][data-status=detected]'); \
             return r && r.dataset.id",
        )
        .await;
        let id = id.as_str().expect("a detected boundary case listed").to_owned();
        // A case number in the report leads to its row.
        client
            .find(Locator::Css(&format!("#boundary a.case-link[data-case=\"{id}\"]")))
            .await
            .expect("the case number in the boundary table")
            .click()
            .await
            .expect("click");
        wait_for(
            &client,
            "the case's row highlighted",
            Duration::from_secs(5),
            &format!("return document.getElementById('case-{id}').classList.contains('highlight')"),
        )
        .await;
        click(&client, &format!("close-{id}")).await;
        js(
            &client,
            &format!("document.getElementById('close-reason-{id}').value = 'no_violation'; return true"),
        )
        .await;
        type_into(&client, &format!("close-note-{id}"), "đã kiểm tra: tàu trong vùng của ta").await;
        click(&client, &format!("close-submit-{id}")).await;
        wait_for(
            &client,
            "closed without sanction: 1",
            Duration::from_secs(30),
            &format!(
                "const c = document.getElementById('count-closed-total'); \
                 const r = document.getElementById('case-{id}'); \
                 return c && c.dataset.count === '1' && r && r.dataset.status === 'closed' \
                 && document.querySelector('#closed tr[data-reason=no_violation] .count').dataset.count === '1'"
            ),
        )
        .await;
        assert_no_problems(&client).await;
    })
    .await;
    drop(server);
}
