//! End to end, alerts: `haidang serve --demo` sails its scripted boats into Indonesian
//! waters; each crossing must reach the Jakarta mission exactly once, as a signed webhook
//! (to `haidang webhook-receiver`, a real HTTP server that verifies signatures) and as an
//! e-mail (to Debian's aiosmtpd, a real SMTP sink), although the receiver is down when
//! the alerts are raised, the server is killed with SIGKILL with the deliveries pending,
//! and the receiver answers 500 at first once it is up.

mod support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{Server, TestStore, free_port};

const JAKARTA: &str = "mission.idn.jakarta";
const JAKARTA_MAIL: &str = "jakarta@mission.test";

/// A child process killed when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn each_crossing_reaches_the_jakarta_mission_once_through_outages_and_a_kill() {
    let store = TestStore::sqlite("alerts");
    let dir = support::temp_dir("alerts-files");
    let receiver_port = free_port();
    let smtp_port = free_port();
    let maildir = dir.join("maildir");
    let hooks = dir.join("hooks.jsonl");

    // The SMTP sink, up all along.
    let _smtp = Process(
        Command::new("/usr/bin/python3")
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{smtp_port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("aiosmtpd (Debian python3-aiosmtpd; scripts/test installs it)"),
    );
    let secret = "e2e-secret-for-jakarta";
    let routing = dir.join("routing.toml");
    std::fs::write(
        &routing,
        format!(
            "[recipients.\"{JAKARTA}\"]\n\
             webhook = {{ url = \"http://127.0.0.1:{receiver_port}/hooks/{JAKARTA}\", secret = \"{secret}\" }}\n\
             email = [\"{JAKARTA_MAIL}\"]\n"
        ),
    )
    .expect("routing file");
    let config = dir.join("haidang.toml");
    std::fs::write(
        &config,
        format!(
            "[alerts]\nrouting = \"{}\"\nretry_first_ms = 500\nretry_max_ms = 2000\n\
             [alerts.smtp]\nhost = \"127.0.0.1\"\nport = {smtp_port}\nfrom = \"Haidang <alerts@haidang.test>\"\n",
            routing.display()
        ),
    )
    .expect("config file");
    let config = config.to_str().expect("UTF-8 path");

    // 1. The demo raises the alerts while the receiver is down.
    let mut server = Server::start(&store.url, &["--demo", "--config", config]);
    let crossings = wait_for(Duration::from_secs(150), || {
        let alerts = alerts(&server, "entered_foreign");
        let idn: Vec<String> = alerts
            .iter()
            .filter(|a| a["country"] == "IDN")
            .filter_map(|a| a["vessel"].as_str().map(str::to_owned))
            .collect();
        (idn.len() >= 2).then_some(idn)
    })
    .expect("two scripted boats enter Indonesian waters within 150 s");

    // 2. Killed with the webhook deliveries pending (the receiver is not up yet).
    server.signal("-KILL");
    server.wait_exit();

    // 3. The receiver comes up, failing its first two deliveries; the server restarts
    //    without the demo and delivers what the outbox holds.
    let _receiver = Process(
        Command::new(env!("CARGO_BIN_EXE_haidang"))
            .arg("webhook-receiver")
            .args(["--listen", &format!("127.0.0.1:{receiver_port}")])
            .args(["--secret", secret, "--fail-first", "2", "--log"])
            .arg(&hooks)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("webhook-receiver starts"),
    );
    let _server = Server::start(&store.url, &["--config", config]);

    let entries = wait_for(Duration::from_secs(90), || {
        let delivered = received(&hooks);
        let entries: Vec<&Value> = delivered
            .iter()
            .filter(|d| d["body"]["kind"] == "entered_foreign")
            .filter(|d| d["body"]["zone"]["country"] == "IDN")
            .collect();
        let vessels: Vec<String> = entries
            .iter()
            .filter_map(|d| d["body"]["vessel"]["key"].as_str().map(str::to_owned))
            .collect();
        crossings
            .iter()
            .all(|c| vessels.contains(c))
            .then(|| entries.into_iter().cloned().collect::<Vec<_>>())
    })
    .unwrap_or_else(|| {
        panic!(
            "the Jakarta mission did not receive both entries within 90 s; received: {:#?}",
            received(&hooks)
        )
    });
    // Exactly once each: no duplicate webhook id, one alert per crossing boat.
    for vessel in &crossings {
        let mine: Vec<&Value> = entries
            .iter()
            .filter(|d| d["body"]["vessel"]["key"] == vessel.as_str())
            .collect();
        assert_eq!(mine.len(), 1, "{vessel}: {mine:#?}");
        assert_eq!(mine[0]["duplicate"], false, "{mine:#?}");
        assert_eq!(mine[0]["recipient"], JAKARTA);
        // No crew personal data, and the approximation notice, in every payload.
        let body = mine[0]["body"].to_string();
        assert!(body.contains("approximate"), "{body}");
        assert!(!body.contains("crew"), "{body}");
    }

    // The e-mails: one per crossing boat, to the mission's address.
    let subjects = wait_for(Duration::from_secs(60), || {
        let subjects = mail_subjects(&maildir, JAKARTA_MAIL);
        crossings
            .iter()
            .all(|c| {
                subjects
                    .iter()
                    .any(|s| s.contains("Entered foreign waters") && s.contains(c.as_str()))
            })
            .then_some(subjects)
    })
    .unwrap_or_else(|| {
        panic!(
            "no e-mail for each crossing within 60 s: {:#?}",
            mail_subjects(&maildir, JAKARTA_MAIL)
        )
    });
    for vessel in &crossings {
        let count = subjects
            .iter()
            .filter(|s| s.contains("Entered foreign waters") && s.contains(vessel.as_str()))
            .count();
        assert_eq!(count, 1, "{vessel}: {subjects:#?}");
    }
}

/// Polls `probe` every 250 ms until it gives something, or `limit` passes.
fn wait_for<T>(limit: Duration, mut probe: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(found) = probe() {
            return Some(found);
        }
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

fn alerts(server: &Server, kind: &str) -> Vec<Value> {
    let path = format!("/api/v1/alerts?kind={kind}&limit=1000");
    match server.api("GET", &path, None) {
        Ok((200, body)) => serde_json::from_str::<Value>(&body)
            .ok()
            .and_then(|v| v["alerts"].as_array().cloned())
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// The deliveries the receiver verified, from its log.
fn received(log: &Path) -> Vec<Value> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// The decoded subjects of the messages in `maildir` addressed to `to`.
fn mail_subjects(maildir: &Path, to: &str) -> Vec<String> {
    let script = "import mailbox, sys\n\
                  from email.header import decode_header, make_header\n\
                  for m in mailbox.Maildir(sys.argv[1], create=False):\n\
                  \x20   if sys.argv[2] in (m['To'] or ''):\n\
                  \x20       print(str(make_header(decode_header(m['Subject'] or ''))))\n";
    if !maildir.join("new").exists() {
        return Vec::new();
    }
    let out = Command::new("/usr/bin/python3")
        .args(["-c", script])
        .arg(maildir)
        .arg(to)
        .output()
        .expect("python3 reads the Maildir");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}
