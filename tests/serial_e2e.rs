//! End to end: a VMS stream through a pseudo-terminal. socat joins two pseudo-terminals
//! (`socat -d -d pty,raw,echo=0,link=FEED pty,raw,echo=0,link=PORT`), a real
//! `haidang serve --serial PORT` on an SQLite store reads one end, the test writes
//! tag-blocked `$GPRMC` lines to the other and checks through the HTTP API that every fix
//! is stored once under its `reg:` identity; then the device is unplugged (socat stopped),
//! plugged back in (socat started again with the same links), and the next fixes arrive too.
//!
//! Needs `socat` on PATH (scripts/test installs it when missing).

mod support;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use haidang_sim::{Fleet, FleetConfig};
use serde_json::Value;
use support::{Server, TestStore};

/// One socat process joining two pseudo-terminals, with the feed end held open for writing.
struct Socat {
    child: Child,
    feed: Option<std::fs::File>,
    links: [PathBuf; 2],
}

impl Socat {
    fn start(feed: &Path, port: &Path, log: &Path) -> Socat {
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
        let deadline = Instant::now() + Duration::from_secs(5);
        while !(feed.exists() && port.exists()) {
            assert!(Instant::now() < deadline, "socat made its links");
            std::thread::sleep(Duration::from_millis(10));
        }
        socat.feed = Some(
            std::fs::OpenOptions::new()
                .write(true)
                .open(feed)
                .expect("open the feed end"),
        );
        socat
    }

    fn write(&mut self, bytes: &[u8]) {
        let feed = self.feed.as_mut().expect("feed open");
        // Odd-sized writes, so that lines are split across the server's reads.
        for chunk in bytes.chunks(777) {
            feed.write_all(chunk).expect("write to the feed");
        }
        feed.flush().expect("flush the feed");
    }

    /// The unplug: socat ends (SIGTERM, so that it removes its links, as udev removes a
    /// device node) and both pseudo-terminals go away.
    fn shut(&mut self) {
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
fn holds_open(pid: u32, link: &Path) -> bool {
    let Ok(device) = std::fs::canonicalize(link) else {
        return false;
    };
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.filter_map(Result::ok)
        .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|target| target == device))
}

/// Polls `done` every 20 ms until it holds or `limit` passes; says whether it held.
fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
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

/// The VMS part of a simulated fleet's traffic, taken in consecutive slices so that no
/// report repeats: tag-blocked `$GPRMC` lines whose `s:` names the boat.
struct VmsFeed {
    fleet: Fleet,
    now_ms: i64,
}

impl VmsFeed {
    fn new(vessels: usize, seed: u64) -> VmsFeed {
        let start = 1_795_000_000_000;
        let mut config = FleetConfig::with_vessels(vessels, seed, start);
        config.scripted = false;
        VmsFeed {
            fleet: Fleet::new(config, 24 * 3600),
            now_ms: start,
        }
    }

    /// The next `secs` of VMS reports, and the registrations of the boats that sent them.
    fn next(&mut self, secs: i64) -> (Vec<String>, BTreeSet<String>) {
        self.now_ms += secs * 1000;
        let mut lines = Vec::new();
        self.fleet.advance(self.now_ms, &mut lines);
        lines.retain(|l| l.contains("$GPRMC"));
        let vessels = lines
            .iter()
            .map(|l| {
                let tag = l
                    .strip_prefix('\\')
                    .and_then(|rest| rest.split_once('\\'))
                    .map(|(tag, _)| tag)
                    .expect("a tag block");
                let tag = tag.split_once('*').map_or(tag, |(fields, _)| fields);
                let reg = tag
                    .split(',')
                    .find_map(|field| field.strip_prefix("s:"))
                    .expect("s: names the boat");
                format!("reg:{reg}")
            })
            .collect();
        (lines, vessels)
    }
}

/// The vessel keys `/api/v1/vessels` lists, with the source of each one's latest fix.
fn vessels(server: &Server) -> Vec<(String, String)> {
    let (status, body) = server.api("GET", "/api/v1/vessels", None).expect("vessels");
    assert_eq!(status, 200, "{body}");
    let collection: Value = serde_json::from_str(&body).expect("GeoJSON");
    collection["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| {
            (
                f["properties"]["vessel"]
                    .as_str()
                    .expect("vessel")
                    .to_owned(),
                f["properties"]["source"]
                    .as_str()
                    .expect("source")
                    .to_owned(),
            )
        })
        .collect()
}

/// After a pause longer than a pipeline flush, the store holds exactly `expected` positions
/// and nothing was quarantined.
fn assert_stored_once(server: &Server, expected: u64) {
    assert_eq!(
        server.wait_positions(expected),
        expected,
        "every fix stored"
    );
    std::thread::sleep(Duration::from_millis(600));
    let stats = server.stats();
    assert_eq!(stats["positions"].as_u64(), Some(expected), "once: {stats}");
    assert_eq!(stats["ingest"]["quarantined"].as_u64(), Some(0), "{stats}");
}

#[test]
fn a_vms_stream_through_a_pseudo_terminal_is_stored_once_across_an_unplug() {
    let store = TestStore::sqlite("serial");
    let dir = support::temp_dir("serial-ptys");
    let (feed, port) = (dir.join("feed"), dir.join("port"));
    let log = dir.join("socat.log");
    let mut socat = Socat::start(&feed, &port, &log);
    let port_arg = format!("{}:4800", port.display());
    let server = Server::start(&store.url, &["--serial", &port_arg]);
    let pid = server.child.id();
    assert!(
        wait_until(Duration::from_secs(5), || holds_open(pid, &port)),
        "the server opened the port"
    );

    // Six hours of a 60-boat fleet: VMS boats report every 10 minutes.
    let mut traffic = VmsFeed::new(60, 41);
    let (before, mut expected_vessels) = traffic.next(6 * 3600);
    let before_fixes = before.len() as u64;
    assert!(
        before_fixes > 100 && expected_vessels.len() > 5,
        "the slice has VMS traffic: {before_fixes} fixes, {} boats",
        expected_vessels.len()
    );
    socat.write(before.concat().as_bytes());
    assert_stored_once(&server, before_fixes);
    let listed = vessels(&server);
    let source = format!("serial:{}", port.display());
    assert_eq!(
        listed
            .iter()
            .map(|(v, _)| v.clone())
            .collect::<BTreeSet<_>>(),
        expected_vessels,
        "the vessels are the boats' registrations"
    );
    assert_eq!(listed.len(), expected_vessels.len(), "each boat once");
    assert!(listed.iter().all(|(_, s)| *s == source), "{listed:?}");

    // Unplug: the server notices and lets the port go.
    socat.shut();
    assert!(
        wait_until(Duration::from_secs(5), || !holds_open(pid, &port)),
        "the server closed the port after the unplug"
    );
    // Replug at the same path: the server reopens it by itself (first delays 0.5 s, 1 s,
    // 2 s, 4 s).
    let mut socat = Socat::start(&feed, &port, &log);
    assert!(
        wait_until(Duration::from_secs(12), || holds_open(pid, &port)),
        "the server reopened the port after the replug"
    );
    let (after, after_vessels) = traffic.next(3 * 3600);
    let after_fixes = after.len() as u64;
    assert!(after_fixes > 50, "{after_fixes} fixes after the replug");
    socat.write(after.concat().as_bytes());
    assert_stored_once(&server, before_fixes + after_fixes);
    expected_vessels.extend(after_vessels);
    let listed = vessels(&server);
    assert_eq!(
        listed
            .iter()
            .map(|(v, _)| v.clone())
            .collect::<BTreeSet<_>>(),
        expected_vessels
    );
    assert_eq!(server.readyz(), Some(200));
    socat.shut();
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
