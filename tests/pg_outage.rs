//! End to end: PostgreSQL goes away for 30 s while `haidang serve` is reading a TCP feed.
//! After it returns, everything sent before, during and after the outage is stored, once,
//! and `/readyz` said 503 throughout the outage and 200 after it.
//!
//! The test stops its own throwaway PostgreSQL cluster (initdb into a temporary directory,
//! trust auth, fsync off), never the server other tests share. It needs PostgreSQL's
//! server programs and PostGIS installed (scripts/pg-for-tests installs both).

mod support;

use std::io::Write;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{Server, fleet, free_port, psql_with};

/// How long PostgreSQL stays down.
const OUTAGE: Duration = Duration::from_secs(30);

#[test]
fn a_30_s_postgresql_outage_loses_nothing_and_stores_nothing_twice() {
    let began = Instant::now();
    let cluster = Cluster::create();
    cluster.start();
    cluster.psql("postgres", "CREATE DATABASE haidang");
    cluster.psql("haidang", "CREATE EXTENSION postgis");
    eprintln!("cluster ready after {:?}", began.elapsed());

    // Declared after the cluster: dropped (killed) first.
    let server = Server::start(&cluster.url("haidang"), &[]);
    let (lines, positions) = fleet(30, 3600, 41);
    let chunks: Vec<String> = lines.chunks(40).map(<[String]>::concat).collect();
    let mut stream = TcpStream::connect(server.nmea).expect("connect NMEA TCP");

    // Before the outage: a fifth of the stream, until the store has some of it.
    let before = chunks.len() / 5;
    for chunk in &chunks[..before] {
        stream.write_all(chunk.as_bytes()).expect("send");
        std::thread::sleep(Duration::from_millis(5));
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    while server.stats()["positions"].as_u64().unwrap_or(0) == 0 {
        assert!(
            Instant::now() < deadline,
            "nothing stored before the outage"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    cluster.stop();
    let stopped = Instant::now();
    eprintln!("PostgreSQL stopped after {:?}", began.elapsed());

    // During the outage: the rest, at a steady pace over ~10 s, from a thread of its own,
    // since the server stops reading (backpressure) once its queue is full.
    let rest: Vec<String> = chunks[before..].to_vec();
    let pace = Duration::from_secs(10) / u32::try_from(rest.len()).expect("chunks");
    let sender = std::thread::spawn(move || {
        for chunk in &rest {
            stream.write_all(chunk.as_bytes()).expect("send");
            std::thread::sleep(pace);
        }
        let sent = stopped.elapsed();
        drop(stream);
        sent
    });

    // Meanwhile the server must say it is not ready, every time it is asked (each answer
    // takes up to 2 s: the store probe's time limit).
    let mut answers = Vec::new();
    while stopped.elapsed() < OUTAGE {
        answers.push(server.readyz());
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(
        answers.len() >= 5 && answers.iter().all(|a| *a == Some(503)),
        "/readyz during the outage: {answers:?}"
    );

    cluster.start();
    eprintln!("PostgreSQL back after {:?} down", stopped.elapsed());
    server.wait_ready(Duration::from_secs(20));
    let sent = sender.join().expect("the sender");
    eprintln!("the whole stream was sent {sent:?} after the stop");
    assert!(
        sent < OUTAGE,
        "the rest of the stream should have been sent during the outage, but took {sent:?}"
    );

    assert_eq!(server.wait_positions(positions), positions);
    // Nothing comes twice later either (a retried write that had in fact committed).
    std::thread::sleep(Duration::from_secs(1));
    let stats = server.stats();
    assert_eq!(stats["positions"].as_u64(), Some(positions), "{stats}");
    assert_eq!(server.readyz(), Some(200));
    eprintln!(
        "{positions} positions stored once; {} store retries; {:?} in all",
        stats["ingest"]["store_retries"],
        began.elapsed()
    );
}

/// A throwaway PostgreSQL cluster in a temporary directory, on a free port, stopped and
/// deleted when dropped (also when the test panics).
struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    /// Whether the programs run as the `postgres` OS user (PostgreSQL refuses root).
    as_postgres: bool,
}

impl Cluster {
    /// `initdb` into a fresh temporary directory.
    fn create() -> Cluster {
        let bin = server_bin();
        let as_postgres = is_root();
        let dir = std::env::temp_dir().join(format!("haidang-pg-outage-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let cluster = Cluster {
            bin,
            dir,
            port: free_port(),
            as_postgres,
        };
        if as_postgres {
            run(Command::new("chown").args(["postgres:", &cluster.dir.to_string_lossy()]));
        }
        let data = cluster.data();
        run(cluster
            .command("initdb")
            .args(["-D", &data, "-A", "trust", "-U", "postgres", "-E", "UTF8"])
            .arg("--no-sync"));
        cluster
    }

    fn data(&self) -> String {
        self.dir.join("data").to_string_lossy().into_owned()
    }

    /// One of PostgreSQL's programs, run as the cluster's owner.
    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(path);
            command
        } else {
            Command::new(path)
        }
    }

    /// Starts the server and waits until it accepts connections.
    fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.display()
        );
        let log = self.dir.join("server.log");
        let status = self
            .command("pg_ctl")
            .args(["-D", &self.data(), "-l", &log.to_string_lossy()])
            .args(["-w", "-t", "30", "-o", &options, "start"])
            .stdout(Stdio::null())
            .status()
            .expect("pg_ctl runs");
        if !status.success() {
            let log = std::fs::read_to_string(&log).unwrap_or_default();
            panic!("pg_ctl start failed ({status}):\n{log}");
        }
    }

    /// Stops the server at once, as a crash would.
    fn stop(&self) {
        run(self
            .command("pg_ctl")
            .args(["-D", &self.data(), "-m", "immediate", "-w", "stop"]));
    }

    fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    fn psql(&self, database: &str, sql: &str) {
        let psql = self.bin.join("psql");
        psql_with(&psql.to_string_lossy(), &["-d", &self.url(database)], sql)
            .unwrap_or_else(|e| panic!("{e}"));
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if Path::new(&self.data()).join("postmaster.pid").exists() {
            let _ = self
                .command("pg_ctl")
                .args(["-D", &self.data(), "-m", "immediate", "-w", "stop"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The newest `/usr/lib/postgresql/N/bin` with `initdb` in it.
fn server_bin() -> PathBuf {
    let root = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(root)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin).unwrap_or_else(|| {
        panic!(
            "no PostgreSQL server programs under {}: the outage test starts a cluster of its \
             own; install PostgreSQL with PostGIS (scripts/pg-for-tests does)",
            root.display()
        )
    })
}

fn is_root() -> bool {
    let output = Command::new("id").arg("-u").output().expect("id -u");
    String::from_utf8_lossy(&output.stdout).trim() == "0"
}

/// Runs `command`; panics with its output when it fails.
fn run(command: &mut Command) {
    let output = command.output().expect("the command runs");
    assert!(
        output.status.success(),
        "{command:?} failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
