//! The serial source on real pseudo-terminals made by socat (`socat -d -d
//! pty,raw,echo=0,link=FEED pty,raw,echo=0,link=PORT`): the test writes NMEA to FEED, the
//! source reads PORT into a real pipeline on an SQLite store. Covers the plain feed, an
//! unplug (socat killed) and replug (socat started again with the same links), with the CPU
//! used while the device is absent, and the no-data watchdog.
//!
//! Needs `socat` on PATH (scripts/test installs it when missing).

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use haidang_ingest::{IngestHandle, PipelineConfig, SerialConfig, serial_port, spawn};
use haidang_sim::{Fleet, FleetConfig};
use haidang_store::Store;
use tokio::sync::watch;

/// How long a source may take to stop after the shutdown signal.
const PROMPT_STOP: Duration = Duration::from_secs(2);

/// A simulated fleet whose NMEA is taken in consecutive slices, so that no report repeats.
struct Feed {
    fleet: Fleet,
    now_ms: i64,
}

impl Feed {
    fn new(vessels: usize, seed: u64) -> Feed {
        let start = 1_795_000_000_000;
        let mut config = FleetConfig::with_vessels(vessels, seed, start);
        // Every AIS report carries its own fix time, so none is a duplicate of another.
        config.stamp_ais = true;
        config.scripted = false;
        Feed {
            fleet: Fleet::new(config, 24 * 3600),
            now_ms: start,
        }
    }

    /// The next `secs` of simulated traffic: the lines (with their line ends) and the number
    /// of position reports among them.
    fn next(&mut self, secs: i64) -> (Vec<String>, u64) {
        self.now_ms += secs * 1000;
        let mut lines = Vec::new();
        self.fleet.advance(self.now_ms, &mut lines);
        let positions = lines.iter().filter(|l| is_position(l)).count() as u64;
        assert!(positions > 20, "the slice has traffic: {positions}");
        (lines, positions)
    }
}

fn is_position(line: &str) -> bool {
    line.contains("$GPRMC") || line.contains("VDM,1,1,,A,1") || line.contains("VDM,1,1,,B,B")
}

/// One socat process joining two pseudo-terminals, with the feed end held open for writing
/// (socat would end if the last writer closed it).
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

    /// Writes `bytes` to the feed end (off the runtime: a pty write can block).
    async fn write(&mut self, bytes: Vec<u8>) {
        let mut feed = self.feed.take().expect("feed open");
        let feed = tokio::task::spawn_blocking(move || {
            feed.write_all(&bytes).expect("write to the feed");
            feed.flush().expect("flush the feed");
            feed
        })
        .await
        .expect("writer thread");
        self.feed = Some(feed);
    }

    /// The unplug: socat ends (SIGTERM, so it removes its links, as udev removes a device
    /// node) and both pseudo-terminals go away.
    fn stop(mut self) {
        self.shut();
    }

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

/// Whether this process holds the pseudo-terminal behind `link` open.
fn holds_open(link: &Path) -> bool {
    let Ok(device) = std::fs::canonicalize(link) else {
        return false;
    };
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .filter_map(Result::ok)
        .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|target| target == device))
}

/// Polls `done` every 20 ms until it holds or `limit` passes; says whether it held.
async fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if done() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn stored(ingest: &IngestHandle) -> u64 {
    ingest.stats().positions_stored.load(Ordering::Relaxed)
}

/// A runtime whose threads are recorded, so that the CPU time of exactly this test's tasks
/// can be read from /proc while the other tests of this binary run beside it.
fn runtime() -> (tokio::runtime::Runtime, Arc<Mutex<Vec<PathBuf>>>) {
    let threads = Arc::new(Mutex::new(vec![this_thread()]));
    let record = threads.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .on_thread_start(move || record.lock().expect("thread list").push(this_thread()))
        .build()
        .expect("runtime");
    (runtime, threads)
}

/// `/proc/PID/task/TID` of the calling thread.
fn this_thread() -> PathBuf {
    let link = std::fs::read_link("/proc/thread-self").expect("/proc/thread-self");
    Path::new("/proc").join(link)
}

/// CPU time used so far by each recorded thread that still exists, in nanoseconds:
/// `schedstat` (nanoseconds on the CPU), or `stat` utime + stime (clock ticks, 100 Hz)
/// where the kernel has no schedstat.
fn cpu_ns(threads: &Mutex<Vec<PathBuf>>) -> HashMap<PathBuf, u64> {
    let threads = threads.lock().expect("thread list").clone();
    threads
        .into_iter()
        .filter_map(|task| {
            let ns = match std::fs::read_to_string(task.join("schedstat")) {
                Ok(s) => s.split_whitespace().next()?.parse().ok()?,
                Err(_) => {
                    let stat = std::fs::read_to_string(task.join("stat")).ok()?;
                    // Fields after the command name (which is in parentheses): state is
                    // field 3, utime and stime are fields 14 and 15.
                    let rest = &stat[stat.rfind(')')? + 2..];
                    let fields: Vec<&str> = rest.split_whitespace().collect();
                    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()?
                        + fields.get(12)?.parse::<u64>().ok()?;
                    ticks * 10_000_000
                }
            };
            Some((task, ns))
        })
        .collect()
}

fn cpu_used(before: &HashMap<PathBuf, u64>, after: &HashMap<PathBuf, u64>) -> Duration {
    let ns = after
        .iter()
        .map(|(task, &ns)| ns.saturating_sub(before.get(task).copied().unwrap_or(0)))
        .sum();
    Duration::from_nanos(ns)
}

async fn store(dir: &Path) -> Store {
    let url = format!("sqlite:{}", dir.join("x.db").display());
    Store::open(&url).await.expect("store opens")
}

/// Logs of the source (`info`: opens and closes) in the test output.
fn logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("haidang_ingest=info")
        .with_test_writer()
        .try_init();
}

/// Stops the source and the pipeline; the source must end promptly.
async fn stop_all(
    stop: watch::Sender<bool>,
    source: tokio::task::JoinHandle<()>,
    ingest: IngestHandle,
    pipeline: tokio::task::JoinHandle<()>,
) {
    stop.send(true).expect("signal");
    tokio::time::timeout(PROMPT_STOP, source)
        .await
        .expect("the serial source stops promptly on shutdown")
        .expect("serial source ends");
    ingest.shutdown().await;
    pipeline.await.expect("pipeline ends");
}

#[test]
fn lines_written_to_the_port_are_stored() {
    logs();
    let dir = tempdir::Dir::new();
    let (runtime, _) = runtime();
    runtime.block_on(async {
        let store = store(&dir.path).await;
        let (ingest, pipeline) = spawn(PipelineConfig::RECOMMENDED, store.clone());
        let (stop, shutdown) = watch::channel(false);
        let (feed, port) = (dir.path.join("feed"), dir.path.join("port"));
        let mut socat = Socat::start(&feed, &port, &dir.path.join("socat.log"));

        let (lines, positions) = Feed::new(20, 11).next(900);
        let config = SerialConfig::nmea(&port, 4800);
        assert_eq!(config.source_name(), format!("serial:{}", port.display()));
        let source = tokio::spawn(serial_port(config, ingest.clone(), shutdown));
        assert!(
            wait_until(Duration::from_secs(5), || holds_open(&port)).await,
            "the source opened the port"
        );

        // Odd-sized writes, so that lines are split across reads.
        for chunk in lines.concat().into_bytes().chunks(777) {
            socat.write(chunk.to_vec()).await;
        }
        assert!(
            wait_until(Duration::from_secs(15), || stored(&ingest) >= positions).await,
            "stored {} of {positions}",
            stored(&ingest)
        );
        stop_all(stop, source, ingest.clone(), pipeline).await;

        assert_eq!(store.counts().await.expect("counts").positions, positions);
        assert_eq!(ingest.stats().quarantined.load(Ordering::Relaxed), 0);
        socat.stop();
    });
}

#[test]
fn an_unplugged_port_is_reopened_without_spinning_and_resumes() {
    logs();
    let dir = tempdir::Dir::new();
    let (runtime, threads) = runtime();
    runtime.block_on(async {
        let store = store(&dir.path).await;
        let (ingest, pipeline) = spawn(PipelineConfig::RECOMMENDED, store.clone());
        let (stop, shutdown) = watch::channel(false);
        let (feed, port) = (dir.path.join("feed"), dir.path.join("port"));
        let log = dir.path.join("socat.log");
        let mut socat = Socat::start(&feed, &port, &log);

        let mut config = SerialConfig::nmea(&port, 38_400);
        config.reopen_backoff_max_ms = 1000;
        // Longer than this test's checks: the unplug must be seen by EOF/EIO, not by it.
        config.no_data_timeout_ms = 20_000;
        let source = tokio::spawn(serial_port(config, ingest.clone(), shutdown));
        assert!(
            wait_until(Duration::from_secs(5), || holds_open(&port)).await,
            "the source opened the port"
        );

        // Before the unplug: the last line lacks its line end, as when the cable is pulled
        // mid-sentence after the last checksum; only the end of the stream lets it through.
        let mut traffic = Feed::new(20, 12);
        let (mut before, _) = traffic.next(600);
        let last = before
            .iter()
            .rposition(|l| is_position(l))
            .expect("a position");
        before.truncate(last + 1);
        let unterminated = before[last].trim_end().to_owned();
        before[last] = unterminated;
        let before_positions = before.iter().filter(|l| is_position(l)).count() as u64;
        socat.write(before.concat().into_bytes()).await;
        assert!(
            wait_until(Duration::from_secs(15), || stored(&ingest)
                == before_positions - 1)
            .await,
            "stored {} of the {} terminated positions",
            stored(&ingest),
            before_positions - 1
        );
        // Give the pipeline a flush interval: the unterminated line stays pending.
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(stored(&ingest), before_positions - 1);

        // Unplug. The reader sees it (EOF or EIO) and ends the stream: the pending line is
        // taken, well before the watchdog could have fired.
        let unplugged = Instant::now();
        socat.stop();
        assert!(
            wait_until(Duration::from_secs(3), || stored(&ingest)
                == before_positions)
            .await,
            "the unplug was noticed within 3 s (stored {} of {before_positions})",
            stored(&ingest)
        );
        let noticed = unplugged.elapsed();
        assert!(!holds_open(&port), "the port is closed");

        // Absent device: only timers run. A read loop would burn a whole core, and even a
        // retry loop paced by the 1 ms timer wheel uses about 8 % (tried).
        let window = Duration::from_secs(3);
        let cpu_before = cpu_ns(&threads);
        let started = Instant::now();
        tokio::time::sleep(window).await;
        let elapsed = started.elapsed();
        let cpu = cpu_used(&cpu_before, &cpu_ns(&threads));
        eprintln!(
            "unplug noticed after {noticed:?}; CPU while unplugged: {cpu:?} in {elapsed:?} \
             ({:.2} %)",
            100.0 * cpu.as_secs_f64() / elapsed.as_secs_f64()
        );
        assert!(
            cpu < elapsed / 50,
            "CPU while the device is absent stays under 2 %: {cpu:?} in {elapsed:?}"
        );

        // Replug at the same path; the reader finds it by itself (backoff capped at 1 s).
        let mut socat = Socat::start(&feed, &port, &log);
        assert!(
            wait_until(Duration::from_secs(5), || holds_open(&port)).await,
            "the source reopened the port after the replug"
        );
        let (after, after_positions) = traffic.next(600);
        socat.write(after.concat().into_bytes()).await;
        let expected = before_positions + after_positions;
        assert!(
            wait_until(Duration::from_secs(15), || stored(&ingest) >= expected).await,
            "stored {} of {expected}",
            stored(&ingest)
        );
        stop_all(stop, source, ingest.clone(), pipeline).await;

        assert_eq!(store.counts().await.expect("counts").positions, expected);
        assert_eq!(ingest.stats().quarantined.load(Ordering::Relaxed), 0);
        socat.stop();
    });
}

#[test]
fn the_watchdog_reopens_a_silent_port() {
    logs();
    let dir = tempdir::Dir::new();
    let (runtime, _) = runtime();
    runtime.block_on(async {
        let store = store(&dir.path).await;
        let (ingest, pipeline) = spawn(PipelineConfig::RECOMMENDED, store.clone());
        let (stop, shutdown) = watch::channel(false);
        let log = dir.path.join("socat.log");
        let (feed_a, port_a) = (dir.path.join("feed-a"), dir.path.join("port-a"));
        let (feed_b, port_b) = (dir.path.join("feed-b"), dir.path.join("port-b"));
        let mut socat_a = Socat::start(&feed_a, &port_a, &log);
        let mut socat_b = Socat::start(&feed_b, &port_b, &dir.path.join("socat-b.log"));

        let mut traffic = Feed::new(10, 13);
        let ((lines_a, first), (lines_b, second)) = (traffic.next(600), traffic.next(600));

        // The configured path is a link, first to device A.
        let port = dir.path.join("port");
        std::os::unix::fs::symlink(&port_a, &port).expect("link to A");
        let mut config = SerialConfig::nmea(&port, 4800);
        config.no_data_timeout_ms = 1000;
        config.reopen_backoff_max_ms = 1000;
        let source = tokio::spawn(serial_port(config, ingest.clone(), shutdown));
        assert!(
            wait_until(Duration::from_secs(5), || holds_open(&port_a)).await,
            "the source opened device A"
        );

        socat_a.write(lines_a.concat().into_bytes()).await;
        let last_byte = Instant::now();
        assert!(
            wait_until(Duration::from_secs(15), || stored(&ingest) >= first).await,
            "stored {} of {first}",
            stored(&ingest)
        );

        // Device A goes silent without any error (socat A lives on), and the path now leads
        // to device B. Only the watchdog can notice.
        let new_link = dir.path.join("port.new");
        std::os::unix::fs::symlink(&port_b, &new_link).expect("link to B");
        std::fs::rename(&new_link, &port).expect("repoint the link");
        assert!(
            wait_until(Duration::from_secs(5), || holds_open(&port_b)).await,
            "the watchdog closed the silent port and reopened the path"
        );
        let reopened = last_byte.elapsed();
        assert!(
            reopened >= Duration::from_millis(1000),
            "not before a whole silent period: {reopened:?}"
        );
        assert!(!holds_open(&port_a), "the silent device was closed");

        socat_b.write(lines_b.concat().into_bytes()).await;
        assert!(
            wait_until(Duration::from_secs(15), || stored(&ingest)
                >= first + second)
            .await,
            "stored {} of {}",
            stored(&ingest),
            first + second
        );
        stop_all(stop, source, ingest.clone(), pipeline).await;

        assert_eq!(
            store.counts().await.expect("counts").positions,
            first + second
        );
        assert_eq!(ingest.stats().quarantined.load(Ordering::Relaxed), 0);
        socat_a.stop();
        socat_b.stop();
    });
}

/// A temporary directory removed on drop (no extra dependency for one test file).
mod tempdir {
    pub(crate) struct Dir {
        pub(crate) path: std::path::PathBuf,
    }

    impl Dir {
        pub(crate) fn new() -> Self {
            static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
            let path = std::env::temp_dir().join(format!(
                "haidang-serial-{}-{}",
                std::process::id(),
                NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            ));
            let _ = std::fs::remove_dir_all(&path);
            std::fs::create_dir_all(&path).expect("temp dir");
            Self { path }
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}
