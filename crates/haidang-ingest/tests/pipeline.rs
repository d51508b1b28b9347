//! The pipeline end to end on an SQLite store: feeds over TCP and UDP, a bridge batch, and
//! a shutdown that stores everything already read.

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;

use haidang_ingest::{PipelineConfig, ReplayPace, file_replay, spawn, tcp_listener, udp_listener};
use haidang_sim::{Fleet, FleetConfig, Transponder};
use haidang_store::Store;
use tokio::io::AsyncWriteExt;
use tokio::sync::watch;

/// The simulated fleet's NMEA for `secs` of simulated time: AIS stamped with tag blocks,
/// so that every report has its own fix time.
fn fleet_nmea(vessels: usize, secs: u64, seed: u64) -> (String, usize, BTreeSet<String>) {
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
        .count();
    let ids = fleet
        .vessels()
        .iter()
        .map(|v| match v.transponder {
            Transponder::Vms => format!("reg:{}", v.registration),
            _ => format!("mmsi:{}", v.mmsi),
        })
        .collect();
    (lines.concat(), positions, ids)
}

/// Only the scripted boats, for ten hours (two cross into Indonesian waters, one into
/// Chinese waters, one falls silent, one is a SART), sent as bridge batches; then the
/// pipeline is shut down.
async fn sail_the_scripted_boats(
    ingest: haidang_ingest::IngestHandle,
    pipeline: tokio::task::JoinHandle<()>,
) {
    let start = 1_795_000_000_000;
    let mut config = FleetConfig::with_vessels(0, 1, start);
    config.stamp_ais = true;
    let mut fleet = Fleet::new(config, 36_000);
    let mut lines = Vec::new();
    fleet.advance(start + 36_000_000, &mut lines);
    let lines: Vec<String> = lines.iter().map(|l| l.trim_end().to_owned()).collect();
    for batch in lines.chunks(500) {
        ingest
            .submit_batch("bridge:TEST", batch.to_vec())
            .await
            .expect("acknowledged");
    }
    ingest.shutdown().await;
    pipeline.await.expect("pipeline ends");
}

async fn store() -> (Store, tempdir::Dir) {
    let dir = tempdir::Dir::new();
    let url = format!("sqlite:{}", dir.path.join("haidang.db").display());
    (Store::open(&url).await.expect("store opens"), dir)
}

/// A temporary directory removed on drop (no extra dependency for one test file).
mod tempdir {
    pub(crate) struct Dir {
        pub(crate) path: std::path::PathBuf,
    }

    impl Dir {
        pub(crate) fn new() -> Self {
            let path = std::env::temp_dir().join(format!(
                "haidang-ingest-{}-{}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos())
            ));
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_position_sent_over_tcp_and_udp_is_stored_once() {
    let (store, _dir) = store().await;
    let (ingest, pipeline) = spawn(PipelineConfig::RECOMMENDED, store.clone());
    let (stop, shutdown) = watch::channel(false);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind TCP");
    let tcp_addr = listener.local_addr().expect("addr");
    let tcp = tokio::spawn(tcp_listener(listener, ingest.clone(), shutdown.clone()));
    let socket = tokio::net::UdpSocket::bind("127.0.0.1:0")
        .await
        .expect("bind UDP");
    let udp_addr = socket.local_addr().expect("addr");
    let udp = tokio::spawn(udp_listener(socket, ingest.clone(), shutdown.clone()));

    // Two fleets with different seeds, so that no report is sent twice.
    let (over_tcp, tcp_positions, tcp_vessels) = fleet_nmea(50, 1800, 1);
    let (over_udp, udp_positions, udp_vessels) = fleet_nmea(10, 600, 2);
    let mut stream = tokio::net::TcpStream::connect(tcp_addr)
        .await
        .expect("connect");
    // Odd-sized writes, so that lines are split across reads.
    for chunk in over_tcp.as_bytes().chunks(1000) {
        stream.write_all(chunk).await.expect("send");
    }
    stream.shutdown().await.expect("close");
    let sender = std::net::UdpSocket::bind("127.0.0.1:0").expect("UDP sender");
    for line in over_udp.split_inclusive('\n') {
        sender
            .send_to(line.as_bytes(), udp_addr)
            .expect("send datagram");
        // Loopback UDP drops nothing at this pace, and the queue never fills.
        tokio::time::sleep(std::time::Duration::from_micros(50)).await;
    }

    // Wait until everything arrived (the batches flush every 200 ms).
    let expected = (tcp_positions + udp_positions) as u64;
    for _ in 0..100 {
        if ingest.stats().positions_stored.load(Ordering::Relaxed) >= expected {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    stop.send(true).expect("signal");
    tcp.await.expect("TCP source ends");
    udp.await.expect("UDP source ends");
    ingest.shutdown().await;
    pipeline.await.expect("pipeline ends");

    let counts = store.counts().await.expect("counts");
    assert_eq!(counts.positions, expected, "stored once each: {counts:?}");
    assert_eq!(ingest.stats().quarantined.load(Ordering::Relaxed), 0);
    assert_eq!(
        counts.vessels,
        tcp_vessels.union(&udp_vessels).count() as u64
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_is_acknowledged_after_commit_and_a_replay_is_stored_once() {
    let (store, _dir) = store().await;
    let (ingest, pipeline) = spawn(PipelineConfig::RECOMMENDED, store.clone());
    let (nmea, positions, _) = fleet_nmea(5, 600, 3);
    let lines: Vec<String> = nmea.lines().map(str::to_owned).collect();
    let mut with_garbage = lines.clone();
    with_garbage.push("!AIVDM,1,1,,B,142O8P@0161NcTHErr8e0rI80<0;,0*9A".to_owned());

    let report = ingest
        .submit_batch("bridge:TEST", with_garbage)
        .await
        .expect("acknowledged");
    assert_eq!(report.positions, positions as u64);
    assert_eq!(report.quarantined, 1);
    // Acknowledged means committed: the store has it now.
    assert_eq!(
        store.counts().await.expect("counts").positions,
        positions as u64
    );

    // The bridge resends the same batch (it missed the acknowledgement): stored once,
    // positions and journal alike.
    let sent = lines.len() as u64 + 1;
    assert_eq!(store.counts().await.expect("counts").journaled, sent);
    ingest
        .submit_batch("bridge:TEST", lines)
        .await
        .expect("acknowledged");
    let counts = store.counts().await.expect("counts");
    assert_eq!(counts.positions, positions as u64);
    assert_eq!(counts.journaled, sent);
    ingest.shutdown().await;
    pipeline.await.expect("pipeline ends");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crossings_raise_zone_events_stored_with_the_positions() {
    let zones_text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../geodata/zones.geojson"
    ))
    .expect("geodata/zones.geojson");
    let zones = std::sync::Arc::new(
        haidang_geofence::ZoneIndex::from_geojson(&zones_text).expect("zones load"),
    );
    let (store, _dir) = store().await;
    let (ingest, pipeline) =
        haidang_ingest::spawn_with_zones(PipelineConfig::RECOMMENDED, store.clone(), zones);
    sail_the_scripted_boats(ingest, pipeline).await;
    let counts = store.counts().await.expect("counts");
    // Golden for this seed and the shipped zones, checked by reading the events: each
    // crosser enters its starting zone, gets three approach warnings (10, 5, 2 nm) before
    // each line it nears, leaves, and enters the next zone, ending in foreign-idn (two
    // boats, through the undelimited band north of the 2003 line) or foreign-chn; the
    // silent and distress boats only enter their starting zone.
    assert_eq!(counts.zone_events, 30, "{counts:?}");
}

/// A capture replayed at its recorded pace takes its recorded time (here sped up ten
/// times) and delivers every position; replayed as fast as possible it does not wait.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_capture_replays_at_its_recorded_pace() {
    let (store, dir) = store().await;
    let (ingest, pipeline) = spawn(PipelineConfig::RECOMMENDED, store.clone());
    // 20 recorded seconds of 3 boats: at 10x, at least 2 s (the first line is at 0).
    let (nmea, positions, _) = fleet_nmea(3, 20, 9);
    let path = dir.path.join("capture.nmea");
    std::fs::write(&path, &nmea).expect("capture written");
    let (_stop, shutdown) = watch::channel(false);

    let started = std::time::Instant::now();
    let report = file_replay(
        &path,
        ReplayPace::Recorded { speedup: 10.0 },
        ingest.clone(),
        shutdown.clone(),
    )
    .await
    .expect("replayed");
    let took = started.elapsed();
    assert_eq!(report.bytes, nmea.len() as u64);
    assert!(
        report.recorded_span_ms >= 15_000,
        "span {} ms",
        report.recorded_span_ms
    );
    let paced = std::time::Duration::from_millis((report.recorded_span_ms / 10) as u64);
    assert!(
        took >= paced,
        "took {took:?}, the recorded pace is {paced:?}"
    );

    let fast = std::time::Instant::now();
    file_replay(
        &path,
        ReplayPace::AsFastAsPossible,
        ingest.clone(),
        shutdown,
    )
    .await
    .expect("replayed");
    assert!(
        fast.elapsed() < paced,
        "fast replay took {:?}",
        fast.elapsed()
    );

    ingest.shutdown().await;
    pipeline.await.expect("pipeline ends");
    // The second replay is the same reports: stored once.
    assert_eq!(
        store.counts().await.expect("counts").positions,
        positions as u64
    );
}

/// The scripted boats through the rules: each crossing raises one entry alert for the
/// country it enters, written with its deliveries (the Jakarta mission among them), and
/// the distress beacon raises a distress alert.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crossings_raise_alerts_with_their_deliveries() {
    let zones_text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../geodata/zones.geojson"
    ))
    .expect("geodata/zones.geojson");
    let zones = std::sync::Arc::new(
        haidang_geofence::ZoneIndex::from_geojson(&zones_text).expect("zones load"),
    );
    let (store, _dir) = store().await;
    let router = std::sync::Arc::new(haidang_notify::Router::shipped().expect("routing"));
    let monitoring = haidang_ingest::Monitoring {
        zones,
        rules: haidang_rules::RulesConfig::recommended(),
        notifier: haidang_notify::Notifier::new(store.clone(), router),
    };
    let (ingest, pipeline) =
        haidang_ingest::spawn_with_alerts(PipelineConfig::RECOMMENDED, store.clone(), monitoring)
            .expect("rules config is valid");
    let mut live = ingest.subscribe_alerts();
    sail_the_scripted_boats(ingest, pipeline).await;

    let page = store
        .list_alerts(&haidang_store::AlertFilter {
            limit: 1000,
            ..haidang_store::AlertFilter::default()
        })
        .await
        .expect("alerts");
    let mut summary: Vec<String> = page
        .alerts
        .iter()
        .map(|a| {
            format!(
                "{} {} {}",
                a.kind,
                a.vessel.as_ref().map(|v| v.key()).unwrap_or_default(),
                a.country.as_deref().unwrap_or("-")
            )
        })
        .collect();
    summary.sort();
    let entered: Vec<&String> = summary
        .iter()
        .filter(|s| s.starts_with("entered_foreign"))
        .collect();
    assert_eq!(
        entered.len(),
        3,
        "one entry per crossing boat: {summary:#?}"
    );
    assert_eq!(
        entered.iter().filter(|s| s.ends_with(" IDN")).count(),
        2,
        "{summary:#?}"
    );
    assert_eq!(
        entered.iter().filter(|s| s.ends_with(" CHN")).count(),
        1,
        "{summary:#?}"
    );
    assert!(
        summary.iter().any(|s| s.starts_with("distress ")),
        "{summary:#?}"
    );
    // Every new alert went out on the live broadcast, once.
    let mut broadcast = 0;
    while live.try_recv().is_ok() {
        broadcast += 1;
    }
    assert_eq!(broadcast, page.alerts.len(), "{summary:#?}");
    // The Jakarta mission is among the recipients of each Indonesian entry.
    for alert in page
        .alerts
        .iter()
        .filter(|a| a.kind == "entered_foreign" && a.country.as_deref() == Some("IDN"))
    {
        let record = store
            .alert(&alert.id)
            .await
            .expect("alert")
            .expect("stored");
        assert!(
            record
                .deliveries
                .iter()
                .any(|d| d.destination == "webhook:mission.idn.jakarta"),
            "{:#?}",
            record.deliveries
        );
    }
}
