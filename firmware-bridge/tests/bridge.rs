//! The bridge as a process: `haidang-bridge` reads a socat pseudo-terminal (or a TCP feed),
//! queues on disk and delivers to a real HTTP receiver on loopback that implements the
//! shore's ingest contract (`support::Shore`), through outages, `kill -9`, unplugs, torn
//! writes, overflow and a distress.
//!
//! Needs `socat` on PATH (scripts/test installs it when missing).

mod support;

use std::collections::BTreeMap;
use std::io::Write;
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use support::{
    Bridge, Mode, Shore, Socat, ais_line, free_port, holds_open, now_ms, test_dir, wait_until,
};

const DEVICE: &str = "VN-TEST-1";

fn config(dir: &Path, shore: &Shore, input: &str, extra: &str) -> String {
    format!(
        r#"device = "{DEVICE}"
data_dir = "{data}"
{input}
[shore]
url = "{url}"
batch_max_lines = 5000
backoff_initial_ms = 100
backoff_max_ms = 1000
timeout_ms = 5000
{extra}
"#,
        data = dir.join("data").display(),
        url = shore.url(),
    )
}

/// One step of the outage scenario.
#[derive(Clone, Copy, Debug)]
enum Step {
    /// Feed this many good lines (and a few bad ones) and wait until they are queued.
    Feed(u64),
    /// Switch the shore's behaviour.
    Shore(Mode),
    /// `kill -9` the bridge and start it again.
    Kill9,
    /// Stop socat (the device goes away) and start it again with the same links; wait
    /// until the bridge has the new port open.
    Unplug,
}

/// 100,000 lines in eight feeds, through refused connections, 503s, five `kill -9`s and
/// two unplugs.
const SCENARIO: &[Step] = &[
    Step::Feed(12_500),
    Step::Kill9,
    Step::Shore(Mode::Refuse),
    Step::Feed(12_500),
    Step::Kill9,
    Step::Unplug,
    Step::Feed(12_500),
    Step::Shore(Mode::Unavailable),
    Step::Feed(12_500),
    Step::Kill9,
    Step::Shore(Mode::Up),
    Step::Feed(12_500),
    Step::Kill9,
    Step::Unplug,
    Step::Shore(Mode::Refuse),
    Step::Feed(12_500),
    Step::Shore(Mode::Up),
    Step::Feed(12_500),
    Step::Kill9,
    Step::Feed(12_500),
];

/// The bad lines fed with every 5,000 good ones, by the reason they are rejected for.
const BAD: &[(&str, &str)] = &[
    (
        "bad_checksum",
        "!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4B",
    ),
    (
        "missing_checksum",
        "!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0",
    ),
    ("garbage", "NO CARRIER"),
];

#[test]
fn hundred_thousand_lines_arrive_once_through_outages_kills_and_unplugs() {
    let dir = test_dir("e2e");
    let (feed_link, port_link) = (dir.join("feed"), dir.join("port"));
    let mut shore = Shore::start(None);
    let mut socat = Socat::start(&feed_link, &port_link, &dir.join("socat-0.log"));
    let input = format!(
        "[serial]\npath = \"{}\"\nbaud = 38400\nno_data_timeout_ms = 2000\nreopen_backoff_max_ms = 400\n[queue]\nfsync_every_records = 500\nfsync_interval_ms = 50\nsegment_bytes = 1048576",
        port_link.display()
    );
    let mut bridge = Bridge::start(&dir, &config(&dir, &shore, &input, ""));
    assert!(wait_until(Duration::from_secs(10), || holds_open(
        bridge.pid(),
        &port_link
    )));

    let mut fed = 0_u64;
    let mut bad_fed: BTreeMap<&str, u64> = BTreeMap::new();
    // Per feed: the sequence range and the wall-clock window in which it was read.
    let mut windows: Vec<(u64, u64, i64, i64)> = Vec::new();
    let mut unplugs = 0;
    for step in SCENARIO {
        match *step {
            Step::Feed(n) => {
                let mut text = String::with_capacity(n as usize * 60);
                for i in fed + 1..=fed + n {
                    text.push_str(&ais_line(i));
                    text.push_str("\r\n");
                    if i % 5000 == 0 {
                        for (reason, bad) in BAD {
                            text.push_str(bad);
                            text.push_str("\r\n");
                            *bad_fed.entry(reason).or_default() += 1;
                        }
                    }
                }
                let t0 = now_ms();
                socat.write(text.as_bytes());
                bridge.wait_queued(fed + n, Duration::from_secs(60));
                let t1 = now_ms();
                windows.push((fed + 1, fed + n, t0, t1));
                fed += n;
            }
            Step::Shore(mode) => shore.set_mode(mode),
            Step::Kill9 => bridge.kill9_and_restart(),
            Step::Unplug => {
                socat.shut();
                std::thread::sleep(Duration::from_millis(300));
                unplugs += 1;
                socat = Socat::start(
                    &feed_link,
                    &port_link,
                    &dir.join(format!("socat-{unplugs}.log")),
                );
                assert!(
                    wait_until(Duration::from_secs(10), || holds_open(
                        bridge.pid(),
                        &port_link
                    )),
                    "the bridge reopened the replugged port"
                );
            }
        }
    }
    assert_eq!(fed, 100_000);
    let all_there = wait_until(Duration::from_secs(60), || shore.count() as u64 >= fed);
    let status = bridge.status().expect("status");
    assert!(
        all_there,
        "shore has {} of {fed}; bridge status {status}",
        shore.count()
    );
    // The rejects of the last run are counted by reason (earlier runs' counters died with
    // them; the last feed carried 2 of each).
    for (reason, _) in BAD {
        assert!(
            status["rejected"][reason].as_u64().unwrap_or(0) >= 2,
            "{reason}: {status}"
        );
    }
    assert!(
        bridge.wait_acked(fed),
        "acknowledged position reaches {fed}: {:?}",
        bridge.status()
    );
    assert_eq!(
        bridge.stat("segments"),
        1,
        "wholly acknowledged segments are deleted"
    );
    assert!(bridge.stop().success(), "clean exit on SIGTERM");

    shore.with(|r| {
        assert!(
            r.conflicts.is_empty(),
            "a sequence number was reused: {:?}",
            &r.conflicts[..r.conflicts.len().min(3)]
        );
        assert!(
            r.malformed.is_empty(),
            "{:?}",
            &r.malformed[..r.malformed.len().min(3)]
        );
        assert_eq!(r.lines.len() as u64, fed, "every line once, nothing else");
        let mut n = 0;
        for &(first, last, t0, t1) in &windows {
            for seq in first..=last {
                let stored = r
                    .lines
                    .get(&(DEVICE.to_owned(), seq))
                    .unwrap_or_else(|| panic!("n:{seq} missing on shore"));
                assert_eq!(
                    stored.sentence,
                    ais_line(seq),
                    "n:{seq} carries line {seq} as fed"
                );
                assert!(
                    (t0..=t1).contains(&stored.c_ms),
                    "n:{seq} c:{} is when it was read ({t0}..={t1}), not when it was sent",
                    stored.c_ms
                );
                n += 1;
            }
        }
        assert_eq!(n, fed);
        eprintln!(
            "shore: {} lines, {} resent duplicates, {} batches committed",
            r.lines.len(),
            r.duplicates,
            r.committed_batches
        );
    });
    let logs = bridge.logs();
    assert!(logs.contains("serial port open"), "{logs}");
    let _ = std::fs::remove_dir_all(&dir);
}

impl Bridge {
    fn wait_acked(&self, seq: u64) -> bool {
        wait_until(Duration::from_secs(20), || {
            self.status()
                .is_some_and(|s| s["acked_seq"].as_u64().is_some_and(|a| a >= seq))
        })
    }
}

/// Feeds `lines` to the bridge's TCP listener.
fn feed_tcp(port: u16, lines: &[String]) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to the bridge");
    let mut text = String::new();
    for line in lines {
        text.push_str(line);
        text.push_str("\r\n");
    }
    stream.write_all(text.as_bytes()).expect("feed");
}

fn tcp_input(port: u16) -> String {
    format!("[receiver]\ntcp_listen = [\"127.0.0.1:{port}\"]")
}

#[test]
fn a_torn_write_is_truncated_on_restart_and_counted() {
    let dir = test_dir("torn");
    let mut shore = Shore::start(None);
    shore.set_mode(Mode::Refuse);
    let port = free_port();
    let mut bridge = Bridge::start(&dir, &config(&dir, &shore, &tcp_input(port), ""));
    let lines: Vec<String> = (1..=1000).map(ais_line).collect();
    feed_tcp(port, &lines);
    bridge.wait_queued(1000, Duration::from_secs(20));
    // The last record is cut in the middle, as a crash in the middle of a write leaves it.
    let queue = dir.join("data").join("queue");
    let mut segments: Vec<_> = std::fs::read_dir(&queue)
        .expect("queue dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "q"))
        .collect();
    segments.sort();
    let last = segments.last().expect("a segment");
    let size = std::fs::metadata(last).expect("size").len();
    shore.set_mode(Mode::Up);
    // Killed first, so that the bridge cannot send anything meanwhile; then the file is cut.
    bridge.kill9_and_restart_with(|| {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(last)
            .expect("open segment");
        file.set_len(size - 20).expect("truncate mid-record");
    });
    let status = bridge.status().expect("status");
    assert_eq!(status["torn_records"], 1, "{status}");
    assert_eq!(
        status["next_seq"], 1000,
        "the torn record's number is free again: {status}"
    );
    let next = ais_line(1001);
    feed_tcp(port, std::slice::from_ref(&next));
    assert!(
        wait_until(Duration::from_secs(20), || shore.count() >= 1000),
        "shore has {}",
        shore.count()
    );
    shore.with(|r| {
        assert!(r.conflicts.is_empty(), "{:?}", r.conflicts);
        assert_eq!(r.lines.len(), 1000);
        for seq in 1..=999 {
            assert_eq!(r.lines[&(DEVICE.to_owned(), seq)].sentence, ais_line(seq));
        }
        assert_eq!(
            r.lines[&(DEVICE.to_owned(), 1000)].sentence,
            next,
            "only the torn record is lost"
        );
    });
    assert!(bridge.logs().contains("truncated"));
    let _ = std::fs::remove_dir_all(&dir);
}

impl Bridge {
    fn kill9_and_restart_with(&mut self, between: impl FnOnce()) {
        self.kill_only();
        between();
        self.restart();
    }
}

#[test]
fn overflow_drops_the_oldest_and_the_shore_receives_the_overflow_record() {
    let dir = test_dir("overflow");
    let mut shore = Shore::start(None);
    shore.set_mode(Mode::Unavailable);
    let port = free_port();
    let queue = "[queue]\nmax_bytes = 1048576\nsegment_bytes = 65536";
    let input = format!("{}\n{queue}", tcp_input(port));
    let bridge = Bridge::start(&dir, &config(&dir, &shore, &input, ""));
    let total = 30_000_u64;
    let lines: Vec<String> = (1..=total).map(ais_line).collect();
    feed_tcp(port, &lines);
    let queued = wait_until(Duration::from_secs(30), || {
        bridge.status().is_some_and(|s| {
            s["lines_queued"] == total
                && s["durable_seq"].as_u64() == s["next_seq"].as_u64().map(|n| n - 1)
        })
    });
    assert!(queued, "{:?}", bridge.status());
    let status = bridge.status().expect("status");
    assert!(status["overflows"].as_u64() > Some(0), "{status}");
    assert!(
        status["queue_bytes"].as_u64() <= Some(1_048_576 + 1024),
        "{status}"
    );
    let last_seq = status["next_seq"].as_u64().expect("next_seq") - 1;
    // Up only while the uplink waits out a 503: a batch read before the last drop and
    // still in flight could otherwise arrive (the documented overlap of an overflow).
    bridge.wait_for_a_retry();
    shore.set_mode(Mode::Up);
    assert!(bridge.wait_acked(last_seq), "{:?}", bridge.status());
    shore.with(|r| {
        assert!(r.conflicts.is_empty());
        let mut data = 0_u64;
        let mut lost = Vec::new();
        for stored in r.lines.values() {
            if let Some(l) = haidang_bridge::line::parse_overflow(&stored.sentence) {
                lost.push(l);
            } else {
                data += 1;
            }
        }
        assert!(!lost.is_empty(), "the shore received an overflow record");
        let lost_lines: u64 = lost.iter().map(|l| l.lines).sum();
        assert_eq!(
            data + lost_lines,
            total,
            "every line arrived or is counted lost: {lost:?}"
        );
        assert_eq!(
            lost.iter().map(|l| l.first_seq).min(),
            Some(1),
            "the oldest went"
        );
        // Every line that arrived is the one fed under its number, and the gaps are
        // exactly the ranges the overflow records name.
        let index: BTreeMap<&str, usize> = lines
            .iter()
            .enumerate()
            .map(|(i, l)| (l.as_str(), i))
            .collect();
        let mut previous = None;
        for ((_, n), stored) in &r.lines {
            let dropped = lost.iter().any(|l| (l.first_seq..=l.last_seq).contains(n));
            assert!(
                !dropped,
                "n:{n} arrived although an overflow record says it was dropped"
            );
            if let Some(&i) = index.get(stored.sentence.as_str()) {
                assert!(previous < Some(i), "n:{n} is out of feed order");
                previous = Some(i);
            } else {
                assert!(
                    stored.sentence.starts_with("$PHDG,OVF,"),
                    "n:{n} {}",
                    stored.line
                );
            }
        }
        for l in &lost {
            assert!(l.first_ms <= l.last_ms);
        }
    });
    let _ = std::fs::remove_dir_all(&dir);
}

/// How a distress is raised.
#[derive(Clone, Copy, Debug)]
enum Trigger {
    /// `haidang-bridge sos engine fire, 3 crew*` (the control socket).
    Command,
    /// An input line matching `[sos] serial_prefix`.
    InputLine,
    /// The command, then the bridge is killed (`kill -9`) and started again before the
    /// shore is back.
    CommandThenKill9,
}

#[test]
fn a_distress_reaches_the_shore_before_the_backlog() {
    let cases = [
        // trigger, the distress's sequence number, its sentence's start
        (Trigger::Command, 5001, "$PHDG,SOS,engine fire 3 crew*"),
        (Trigger::InputLine, 5002, "$PHDG,SOS,PSOS 1 ENGINE FIRE*"),
        (
            Trigger::CommandThenKill9,
            5001,
            "$PHDG,SOS,engine fire 3 crew*",
        ),
    ];
    for (trigger, seq, start) in cases {
        check_distress_first(trigger, seq, start);
    }
}

/// With 5,000 lines queued while the shore answers 503, a distress is raised; once the
/// shore is back, the distress is the first line it commits.
fn check_distress_first(trigger: Trigger, seq: u64, start: &str) {
    let dir = test_dir(&format!("sos-{trigger:?}"));
    let mut shore = Shore::start(Some("device-secret"));
    shore.set_mode(Mode::Unavailable);
    let port = free_port();
    let extra = "token = \"device-secret\"\n[sos]\nserial_prefix = \"$PSOS\"";
    let mut bridge = Bridge::start(&dir, &config(&dir, &shore, &tcp_input(port), extra));
    let lines: Vec<String> = (1..=5000).map(ais_line).collect();
    feed_tcp(port, &lines);
    bridge.wait_queued(5000, Duration::from_secs(20));
    // Raised while the uplink waits out a 503, so that no backlog request is in flight (one
    // in flight is cancelled, but may have reached the shore already).
    bridge.wait_for_a_retry();
    match trigger {
        Trigger::Command | Trigger::CommandThenKill9 => {
            let out = Command::new(support::BIN)
                .args(["sos", "--config"])
                .arg(&bridge.config)
                .args(["engine", "fire,", "3 crew*"])
                .output()
                .expect("haidang-bridge sos");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let answer: serde_json::Value =
                serde_json::from_slice(&out.stdout).expect("json answer");
            assert_eq!(answer["seq"], seq, "{answer}");
            assert!(
                answer["line"].as_str().is_some_and(|l| l.contains(start)),
                "{answer}"
            );
        }
        Trigger::InputLine => {
            let line = haidang_nmea::encode::sentence('$', "PSOS,1,ENGINE FIRE");
            feed_tcp(port, &[line]);
        }
    }
    // The distress has reached the shore (and been turned away) at least once before the
    // shore comes back.
    assert!(
        wait_until(Duration::from_secs(10), || shore
            .with(|r| r.sos_attempts > 0)),
        "{:?}",
        bridge.status()
    );
    if let Trigger::CommandThenKill9 = trigger {
        bridge.kill9_and_restart();
        let before = shore.with(|r| r.sos_attempts);
        assert!(
            wait_until(Duration::from_secs(10), || shore
                .with(|r| r.sos_attempts > before)),
            "the restarted bridge sends the distress again first: {:?}",
            bridge.status()
        );
    }
    shore.set_mode(Mode::Up);
    assert!(
        wait_until(Duration::from_secs(30), || shore.count() as u64 >= seq),
        "shore has {}",
        shore.count()
    );
    shore.with(|r| {
        assert_eq!(r.unauthorized, 0, "the token was sent");
        let first = &r.order[0];
        assert_eq!(
            first,
            &(DEVICE.to_owned(), seq),
            "{trigger:?}: the distress arrived first"
        );
        let stored = &r.lines[first];
        assert!(stored.sentence.starts_with(start), "{}", stored.sentence);
        let body = &stored.sentence[1..stored.sentence.find('*').expect("checksum")];
        let sum = &stored.sentence[stored.sentence.len() - 2..];
        assert_eq!(format!("{:02X}", haidang_nmea::encode::checksum(body)), sum);
        let own = format!("{DEVICE}:{seq}-{seq}");
        assert!(r.batch_ids.contains(&own), "{:?}", r.batch_ids);
        assert!(
            r.batch_ids.iter().any(|id| id.starts_with("VN-TEST-1:1-")),
            "{:?}",
            r.batch_ids
        );
    });
    assert!(bridge.wait_acked(seq));
    assert_eq!(bridge.stat("sos_acked"), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_line_the_shore_refuses_is_skipped_alone_and_counted() {
    let dir = test_dir("poison");
    let shore = Shore::start(None);
    let port = free_port();
    let bridge = Bridge::start(&dir, &config(&dir, &shore, &tcp_input(port), ""));
    let mut lines: Vec<String> = (1..=999).map(ais_line).collect();
    lines.insert(500, haidang_nmea::encode::sentence('$', "PTST,POISON,1"));
    feed_tcp(port, &lines);
    assert!(bridge.wait_acked(1000), "{:?}", bridge.status());
    assert_eq!(bridge.stat("poison_lines"), 1);
    assert!(bridge.stat("batches_refused") >= 2);
    shore.with(|r| {
        assert_eq!(r.lines.len(), 999, "every other line arrived");
        assert!(!r.lines.contains_key(&(DEVICE.to_owned(), 501)));
    });
    let _ = std::fs::remove_dir_all(&dir);
}

/// CPU time of process `pid` so far, in clock ticks (utime + stime).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("proc stat");
    // Fields after the command's closing parenthesis; utime and stime are the 12th and
    // 13th of them.
    let rest = &stat[stat.rfind(')').expect("comm") + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime")
}

#[test]
fn a_silent_or_absent_port_costs_no_cpu_and_the_watchdog_counts() {
    let dir = test_dir("watchdog");
    let (feed_link, port_link) = (dir.join("feed"), dir.join("port"));
    let shore = Shore::start(None);
    let mut socat = Socat::start(&feed_link, &port_link, &dir.join("socat-0.log"));
    let input = format!(
        "[serial]\npath = \"{}\"\nno_data_timeout_ms = 300\nreopen_backoff_max_ms = 400",
        port_link.display()
    );
    let bridge = Bridge::start(&dir, &config(&dir, &shore, &input, ""));
    // Silent: the watchdog closes and reopens the port, and counts it.
    assert!(
        wait_until(Duration::from_secs(10), || bridge.stat("watchdog_timeouts")
            >= 2),
        "{:?}",
        bridge.status()
    );
    // Absent: two seconds without a device cost (almost) no CPU.
    socat.shut();
    std::thread::sleep(Duration::from_millis(300));
    let before = cpu_ticks(bridge.pid());
    std::thread::sleep(Duration::from_secs(2));
    let used = cpu_ticks(bridge.pid()) - before;
    assert!(
        used <= 10,
        "{used} ticks of CPU in 2 s with the device unplugged"
    );
    // Back: lines flow again.
    let mut socat = Socat::start(&feed_link, &port_link, &dir.join("socat-1.log"));
    assert!(wait_until(Duration::from_secs(10), || holds_open(
        bridge.pid(),
        &port_link
    )));
    let lines: String = (1..=10).map(|i| ais_line(i) + "\r\n").collect();
    socat.write(lines.as_bytes());
    assert!(
        wait_until(Duration::from_secs(10), || shore.count() == 10),
        "{:?}",
        bridge.status()
    );
    assert!(bridge.stat("serial_opens") >= 3);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A plain receiver for `[forward]`: collects the lines it is sent.
fn plain_receiver(proto: &str) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::BufRead;
    let got = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = std::sync::Arc::clone(&got);
    let push = move |text: &str| {
        let mut lines = sink.lock().unwrap_or_else(|p| p.into_inner());
        lines.extend(
            text.split("\r\n")
                .filter(|l| !l.is_empty())
                .map(str::to_owned),
        );
    };
    let addr = match proto {
        "tcp" => {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
            let addr = listener.local_addr().expect("addr");
            std::thread::spawn(move || {
                for stream in listener.incoming().map_while(Result::ok) {
                    for line in std::io::BufReader::new(stream)
                        .lines()
                        .map_while(Result::ok)
                    {
                        push(line.trim_end());
                    }
                }
            });
            addr
        }
        _ => {
            let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
            let addr = socket.local_addr().expect("addr");
            std::thread::spawn(move || {
                let mut buf = [0_u8; 2048];
                while let Ok(n) = socket.recv(&mut buf) {
                    push(&String::from_utf8_lossy(&buf[..n]));
                }
            });
            addr
        }
    };
    (addr.to_string(), got)
}

#[test]
fn plain_forwarding_over_tcp_and_udp_sends_stamped_lines_in_order() {
    for proto in ["tcp", "udp"] {
        let dir = test_dir(&format!("forward-{proto}"));
        let (addr, got) = plain_receiver(proto);
        let port = free_port();
        let config = format!(
            "device = \"{DEVICE}\"\ndata_dir = \"{}\"\n{}\n[forward]\n{proto} = \"{addr}\"\n",
            dir.join("data").display(),
            tcp_input(port)
        );
        let bridge = Bridge::start(&dir, &config);
        let lines: Vec<String> = (1..=300).map(ais_line).collect();
        feed_tcp(port, &lines);
        let count = || got.lock().unwrap_or_else(|p| p.into_inner()).len();
        assert!(
            wait_until(Duration::from_secs(20), || count() >= 300),
            "{proto}: {} of 300; {:?}",
            count(),
            bridge.status()
        );
        assert!(bridge.wait_acked(300), "{proto}: {:?}", bridge.status());
        let got = got.lock().unwrap_or_else(|p| p.into_inner()).clone();
        assert_eq!(got.len(), 300, "{proto}");
        for (i, line) in got.iter().enumerate() {
            let (device, n, stored) = support::parse(line).expect("stamped line");
            assert_eq!(
                (device.as_str(), n),
                (DEVICE, i as u64 + 1),
                "{proto}: {line}"
            );
            assert_eq!(stored.sentence, lines[i], "{proto}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
