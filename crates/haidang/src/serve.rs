//! `haidang serve`: the store, the ingest pipeline with its NMEA sources, and the HTTP API,
//! wired together; `--demo` adds a simulated fleet. A TOML file (`--config`) or flags set
//! it up; with neither it runs on an embedded SQLite file under `./data/`, HTTP on
//! 127.0.0.1:8080 and NMEA over TCP and UDP on 127.0.0.1:10110. Serial ports (`[[serial]]`
//! in the file, `--serial PATH[:BAUD]` on the command line) are read only when named.
//!
//! SIGTERM or Ctrl-C stop the sources, store everything already read, and exit.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use haidang_ingest::{Framing, IngestHandle, PipelineConfig, ReplayPace, SerialConfig, SourceName};
use haidang_notify::{
    Notifier, RetryPolicy, Router, SHIPPED_MISSIONS_TOML, SmtpConfig, Worker, WorkerConfig,
};
use haidang_sim::{Fleet, FleetConfig};
use haidang_store::Store;
use serde::Deserialize;
use tokio::sync::watch;

/// The zone set shipped with the product, built into the binary.
pub(crate) const SHIPPED_ZONES: &str = include_str!("../../../geodata/zones.geojson");
/// The shipped boundary lines (treaty, median, 200 nm, baselines): evidence packs give
/// each fix's distance to the nearby ones.
const SHIPPED_LINES: &str = include_str!("../../../geodata/lines.geojson");

/// The store when none is configured.
pub(crate) const DEFAULT_STORE_URL: &str = "sqlite:data/haidang.db";

/// Options of `haidang serve`. Flags override the configuration file.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// TOML configuration file (see README.md for its keys).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Store URL: `sqlite:PATH` (default `sqlite:data/haidang.db`) or `postgres://…`.
    #[arg(long, value_name = "URL", env = "HAIDANG_DATABASE_URL")]
    database_url: Option<String>,
    /// HTTP address.
    #[arg(long, value_name = "ADDR")]
    http: Option<SocketAddr>,
    /// NMEA-over-TCP listening address (repeatable).
    #[arg(long, value_name = "ADDR")]
    nmea_tcp: Vec<SocketAddr>,
    /// NMEA-over-UDP listening address (repeatable).
    #[arg(long, value_name = "ADDR")]
    nmea_udp: Vec<SocketAddr>,
    /// Serial port to read NMEA from, at BAUD (default 4800; 38400 for an AIS receiver),
    /// framed 8N1 (repeatable; replaces the file's `[[serial]]` ports).
    #[arg(long, value_name = "PATH[:BAUD]", value_parser = parse_serial_flag)]
    serial: Vec<SerialConfig>,
    /// Capture file to replay into the pipeline once (repeatable; replaces the file's
    /// `[[replay]]` entries). The source of its positions is `file:PATH`.
    #[arg(long, value_name = "FILE")]
    replay: Vec<PathBuf>,
    /// How fast `--replay` files go: `fast` (as fast as the store takes them), `recorded`
    /// (the pace of their tag-block times), or a speed-up such as `60x`.
    #[arg(long, value_name = "PACE", default_value = "fast", value_parser = parse_pace)]
    replay_pace: ReplayPace,
    /// Run a simulated fleet inside the server.
    #[arg(long)]
    demo: bool,
    /// Ordinary boats in the demo fleet (the scripted ones come on top).
    #[arg(long, default_value_t = 200)]
    demo_vessels: usize,
    /// Hours of the demo fleet's past replayed at start-up (at --demo-speedup), so that
    /// boats cross lines within the first minute at true speeds; then it runs live.
    #[arg(long, default_value_t = 5.0)]
    demo_catch_up_hours: f64,
    /// Simulated seconds per real second while the demo catches up.
    #[arg(long, default_value_t = 300.0)]
    demo_speedup: f64,
}

/// The configuration file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    store: StoreSection,
    #[serde(default)]
    http: HttpSection,
    #[serde(default)]
    nmea: NmeaSection,
    #[serde(default)]
    zones: ZonesSection,
    /// Serial ports, one `[[serial]]` table each.
    #[serde(default)]
    serial: Vec<SerialSection>,
    /// Capture files replayed once at start-up, one `[[replay]]` table each.
    #[serde(default)]
    replay: Vec<ReplaySection>,
    /// Where alerts go.
    #[serde(default)]
    alerts: AlertsSection,
    /// The monitoring rules' thresholds (`haidang_rules::RulesConfig`; unknown keys are
    /// refused, missing ones keep their recommended values).
    rules: Option<haidang_rules::RulesConfig>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AlertsSection {
    /// A deployment's routing file, merged over the shipped `geodata/missions.toml`.
    routing: Option<PathBuf>,
    /// The SMTP relay for e-mail deliveries.
    smtp: Option<SmtpSection>,
    /// The delay after a failed delivery, doubling after each further one (default 5 s).
    retry_first_ms: Option<u64>,
    /// The longest delay between attempts (default 1 h).
    retry_max_ms: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SmtpSection {
    host: String,
    #[serde(default = "default_smtp_port")]
    port: u16,
    from: String,
}

fn default_smtp_port() -> u16 {
    25
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplaySection {
    /// The capture file.
    path: PathBuf,
    /// `fast` (the default), `recorded`, or a speed-up such as `60x`.
    #[serde(default, deserialize_with = "pace")]
    pace: Option<ReplayPace>,
}

/// `pace = "recorded"`, refused with the key's name when it is not a pace.
fn pace<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<ReplayPace>, D::Error> {
    let text = String::deserialize(d)?;
    parse_pace(&text)
        .map(Some)
        .map_err(serde::de::Error::custom)
}

/// `fast`, `recorded` (real time) or `Nx` (N recorded seconds per second).
fn parse_pace(text: &str) -> Result<ReplayPace, String> {
    match text {
        "fast" => Ok(ReplayPace::AsFastAsPossible),
        "recorded" => Ok(ReplayPace::Recorded { speedup: 1.0 }),
        _ => match text.strip_suffix('x').map(str::parse::<f64>) {
            Some(Ok(speedup)) if speedup.is_finite() && (0.001..=1e6).contains(&speedup) => {
                Ok(ReplayPace::Recorded { speedup })
            }
            _ => Err(format!(
                "{text:?} is not a pace: use fast, recorded, or a speed-up such as 60x"
            )),
        },
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoreSection {
    url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HttpSection {
    listen: Option<SocketAddr>,
    /// Requests a second per client address, sustained (0: no limit).
    rate_limit_per_second: Option<u32>,
    /// Requests a client address may make at once.
    rate_limit_burst: Option<u32>,
    /// Mark the session cookie `Secure`: set when users reach the server over HTTPS
    /// (directly or through a TLS-terminating proxy).
    #[serde(default)]
    secure_cookies: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NmeaSection {
    /// Addresses to accept feeds on over TCP.
    tcp_listen: Option<Vec<SocketAddr>>,
    /// Addresses to receive datagrams on.
    udp_listen: Option<Vec<SocketAddr>>,
    /// Feeds to connect to (reconnecting with backoff).
    #[serde(default)]
    tcp_connect: Vec<SocketAddr>,
    /// Longest line accepted, in bytes.
    max_line_bytes: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ZonesSection {
    /// A zone set (GeoJSON) to serve instead of the shipped one.
    path: Option<PathBuf>,
}

/// Line speed of a serial port when none is given: NMEA 0183 (IEC 61162-1).
const DEFAULT_BAUD: u32 = 4800;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SerialSection {
    /// The device, for example `/dev/serial/by-id/usb-…`.
    path: PathBuf,
    /// Line speed (default 4800; 38400 for AIS receivers).
    baud: Option<u32>,
    /// Character frame such as `8N1` (the default).
    #[serde(default, deserialize_with = "framing")]
    framing: Option<Framing>,
    /// Upper bound of the reopen delay after an unplug, in milliseconds.
    reopen_backoff_max_ms: Option<u64>,
    /// The no-data watchdog, in milliseconds.
    no_data_timeout_ms: Option<u64>,
}

/// `framing = "8N1"`, refused with the key's name when it is not of that form.
fn framing<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Framing>, D::Error> {
    let text = String::deserialize(d)?;
    text.parse()
        .map(Some)
        .map_err(|e| serde::de::Error::custom(format!("framing: {e}")))
}

impl SerialSection {
    fn into_config(self) -> anyhow::Result<SerialConfig> {
        let mut config = SerialConfig::nmea(self.path, self.baud.unwrap_or(DEFAULT_BAUD));
        anyhow::ensure!(
            config.baud_rate > 0,
            "serial {}: baud must be above 0",
            config.path.display()
        );
        if let Some(framing) = self.framing {
            config.framing = framing;
        }
        if let Some(ms) = self.reopen_backoff_max_ms {
            config.reopen_backoff_max_ms = ms;
        }
        if let Some(ms) = self.no_data_timeout_ms {
            config.no_data_timeout_ms = ms;
        }
        Ok(config)
    }
}

/// `--serial PATH[:BAUD]`: a number after the last colon is the baud rate, anything else
/// belongs to the path (`/dev/serial/by-path/…` names hold colons).
fn parse_serial_flag(value: &str) -> Result<SerialConfig, String> {
    let (path, baud) = match value.rsplit_once(':') {
        Some((path, baud)) if !baud.is_empty() && baud.bytes().all(|b| b.is_ascii_digit()) => {
            let baud: u32 = baud
                .parse()
                .ok()
                .filter(|&b| b > 0)
                .ok_or_else(|| format!("invalid baud rate {baud:?} in {value:?}"))?;
            (path, baud)
        }
        _ => (value, DEFAULT_BAUD),
    };
    if path.is_empty() {
        return Err(format!("no device path in {value:?}"));
    }
    Ok(SerialConfig::nmea(path, baud))
}

/// The validated configuration.
#[derive(Debug)]
struct Config {
    store_url: String,
    http: SocketAddr,
    rate_limit: haidang_api::RateLimit,
    secure_cookies: bool,
    tcp_listen: Vec<SocketAddr>,
    udp_listen: Vec<SocketAddr>,
    tcp_connect: Vec<SocketAddr>,
    max_line_bytes: usize,
    zones: Arc<str>,
    serial: Vec<SerialConfig>,
    replay: Vec<(PathBuf, ReplayPace)>,
    /// The routing: the shipped file with the deployment's merged over it.
    routing: Arc<Router>,
    smtp: Option<SmtpConfig>,
    retry: RetryPolicy,
    rules: haidang_rules::RulesConfig,
}

fn config(args: &Args) -> anyhow::Result<Config> {
    let file = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            toml::from_str::<ConfigFile>(&text)
                .with_context(|| format!("invalid configuration in {}", path.display()))?
        }
        None => ConfigFile::default(),
    };
    let nmea_default: SocketAddr = ([127, 0, 0, 1], 10110).into();
    let pick = |flag: &[SocketAddr], file: Option<Vec<SocketAddr>>| {
        if flag.is_empty() {
            file.unwrap_or_else(|| vec![nmea_default])
        } else {
            flag.to_vec()
        }
    };
    let zones: Arc<str> = match &file.zones.path {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?
            .into(),
        None => SHIPPED_ZONES.into(),
    };
    let serial = if args.serial.is_empty() {
        file.serial
            .into_iter()
            .map(SerialSection::into_config)
            .collect::<anyhow::Result<Vec<_>>>()?
    } else {
        args.serial.clone()
    };
    // The port is opened exclusively: a second reader of the same device could only fail.
    for (i, port) in serial.iter().enumerate() {
        anyhow::ensure!(
            !serial[..i].iter().any(|other| other.path == port.path),
            "serial port {} is named twice",
            port.path.display()
        );
    }
    let replay = if args.replay.is_empty() {
        file.replay
            .into_iter()
            .map(|r| (r.path, r.pace.unwrap_or(ReplayPace::AsFastAsPossible)))
            .collect()
    } else {
        args.replay
            .iter()
            .map(|path| (path.clone(), args.replay_pace))
            .collect()
    };
    let routing = routing(file.alerts.routing.as_deref(), args.demo)?;
    let smtp = file.alerts.smtp.map(|s| SmtpConfig {
        host: s.host,
        port: s.port,
        from: s.from,
        timeout: Duration::from_secs(30),
    });
    let mut retry = RetryPolicy::standard();
    if let Some(ms) = file.alerts.retry_first_ms {
        retry.first_delay = Duration::from_millis(ms.max(1));
    }
    if let Some(ms) = file.alerts.retry_max_ms {
        retry.max_delay = Duration::from_millis(ms.max(1));
    }
    anyhow::ensure!(
        retry.first_delay <= retry.max_delay,
        "[alerts] retry_first_ms must not exceed retry_max_ms"
    );
    let rules = file
        .rules
        .unwrap_or_else(haidang_rules::RulesConfig::recommended);
    rules
        .validate()
        .map_err(|e| anyhow::anyhow!("invalid [rules]: {e}"))?;
    Ok(Config {
        store_url: args
            .database_url
            .clone()
            .or(file.store.url)
            .unwrap_or_else(|| DEFAULT_STORE_URL.to_owned()),
        secure_cookies: file.http.secure_cookies,
        http: args
            .http
            .or(file.http.listen)
            .unwrap_or(([127, 0, 0, 1], 8080).into()),
        rate_limit: haidang_api::RateLimit {
            per_second: file
                .http
                .rate_limit_per_second
                .unwrap_or(haidang_api::RateLimit::RECOMMENDED.per_second),
            burst: file
                .http
                .rate_limit_burst
                .unwrap_or(haidang_api::RateLimit::RECOMMENDED.burst),
        },
        tcp_listen: pick(&args.nmea_tcp, file.nmea.tcp_listen),
        udp_listen: pick(&args.nmea_udp, file.nmea.udp_listen),
        tcp_connect: file.nmea.tcp_connect,
        max_line_bytes: file
            .nmea
            .max_line_bytes
            .unwrap_or(haidang_nmea::DEFAULT_MAX_LINE_BYTES),
        zones,
        serial,
        replay,
        routing,
        smtp,
        retry,
        rules,
    })
}

/// The alert routing: the shipped file, with the deployment's file merged over it. In
/// the demo, without a file of its own, every recipient's webhook goes to the local
/// `haidang webhook-receiver` (signed with the public demo secret), and no e-mail is sent.
fn routing(path: Option<&std::path::Path>, demo: bool) -> anyhow::Result<Arc<Router>> {
    let overrides = match path {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?,
        ),
        None if demo => {
            let shipped = Router::shipped().context("the shipped routing is invalid")?;
            let mut text = String::new();
            for recipient in shipped.all_recipients() {
                text.push_str(&format!(
                    "[recipients.\"{id}\"]\nwebhook = {{ url = \"http://{addr}/hooks/{id}\", secret = \"{secret}\" }}\nemail = []\n",
                    id = recipient.id,
                    addr = crate::receiver::DEMO_RECEIVER,
                    secret = crate::receiver::DEMO_SECRET,
                ));
            }
            Some(text)
        }
        None => None,
    };
    let router = Router::from_toml(SHIPPED_MISSIONS_TOML, overrides.as_deref())
        .context("invalid alert routing")?;
    Ok(Arc::new(router))
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let config = config(args)?;
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the runtime")?;
    runtime.block_on(serve(config, args))?;
    Ok(ExitCode::SUCCESS)
}

async fn serve(config: Config, args: &Args) -> anyhow::Result<()> {
    let metrics = metrics_exporter_prometheus::PrometheusBuilder::new()
        .install_recorder()
        .context("cannot install the metrics recorder")?;
    if let Some(path) = config.store_url.strip_prefix("sqlite:")
        && let Some(dir) = std::path::Path::new(path.split('?').next().unwrap_or(path)).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let store = Store::open(&config.store_url)
        .await
        .with_context(|| format!("cannot open the store at {}", redact(&config.store_url)))?;
    let mut pipeline_config = PipelineConfig::RECOMMENDED;
    pipeline_config.max_line_bytes = config.max_line_bytes;
    let zones = haidang_geofence::ZoneIndex::from_geojson(&config.zones)
        .context("cannot load the zone set")?;
    let lines = haidang_geofence::LineSet::from_geojson(SHIPPED_LINES)
        .context("cannot load the shipped boundary lines")?;
    tracing::info!(
        zones = zones.zones().len(),
        lines = lines.lines().len(),
        "geofence ready"
    );
    let notifier = Notifier::new(store.clone(), config.routing.clone());
    let wake = notifier.wake_handle();
    let zones = Arc::new(zones);
    let monitoring = haidang_ingest::Monitoring {
        zones: zones.clone(),
        rules: config.rules.clone(),
        notifier,
    };
    let (ingest, pipeline) =
        haidang_ingest::spawn_with_alerts(pipeline_config, store.clone(), monitoring)
            .context("invalid monitoring rules")?;
    let mut worker_config =
        WorkerConfig::standard(&format!("{}-{}", hostname(), std::process::id()));
    worker_config.smtp = config.smtp.clone();
    worker_config.retry = config.retry;
    let worker = Worker::new(store.clone(), config.routing.clone(), worker_config, wake)
        .context("cannot start the alert delivery worker")?;
    let (stop, shutdown) = watch::channel(false);
    let mut sources = tokio::task::JoinSet::new();
    let (stop_worker, worker_shutdown) = watch::channel(false);
    let worker = tokio::spawn(worker.run(worker_shutdown));

    for addr in &config.tcp_listen {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on tcp {addr}"))?;
        tracing::info!(addr = %listener.local_addr()?, "NMEA over TCP");
        sources.spawn(haidang_ingest::tcp_listener(
            listener,
            ingest.clone(),
            shutdown.clone(),
        ));
    }
    for addr in &config.udp_listen {
        let socket = tokio::net::UdpSocket::bind(addr)
            .await
            .with_context(|| format!("cannot listen on udp {addr}"))?;
        tracing::info!(addr = %socket.local_addr()?, "NMEA over UDP");
        sources.spawn(haidang_ingest::udp_listener(
            socket,
            ingest.clone(),
            shutdown.clone(),
        ));
    }
    for addr in &config.tcp_connect {
        sources.spawn(haidang_ingest::tcp_client(
            *addr,
            ingest.clone(),
            shutdown.clone(),
        ));
    }
    for (path, pace) in &config.replay {
        let (path, pace, ingest) = (path.clone(), *pace, ingest.clone());
        let shutdown = shutdown.clone();
        sources.spawn(async move {
            tracing::info!(path = %path.display(), ?pace, "replaying a capture");
            match haidang_ingest::file_replay(&path, pace, ingest, shutdown).await {
                Ok(r) => tracing::info!(path = %path.display(), bytes = r.bytes,
                    recorded_span_ms = r.recorded_span_ms, "replay done"),
                Err(e) => tracing::error!(path = %path.display(), "cannot replay: {e}"),
            }
        });
    }
    for port in &config.serial {
        tracing::info!(path = %port.path.display(), baud = port.baud_rate, framing = %port.framing, "NMEA over serial");
        sources.spawn(haidang_ingest::serial_port(
            port.clone(),
            ingest.clone(),
            shutdown.clone(),
        ));
    }
    if args.demo {
        tracing::info!(vessels = args.demo_vessels + 5, "demo fleet sailing");
        sources.spawn(demo_fleet(
            args.demo_vessels,
            args.demo_catch_up_hours,
            args.demo_speedup,
            ingest.clone(),
            shutdown.clone(),
        ));
    }

    let state = haidang_api::AppState {
        store: store.clone(),
        ingest: ingest.clone(),
        metrics: Arc::new(move || metrics.render()),
        zones_geojson: Some(config.zones.clone()),
        zones: Some(zones),
        lines: Some(Arc::new(lines)),
        shutdown: shutdown.clone(),
        secure_cookies: config.secure_cookies,
    };
    if args.demo {
        crate::accounts::demo_accounts(&store, config.http).await?;
        import_demo_register(&store, args.demo_vessels).await?;
    }
    let app = haidang_api::router_with(state, config.rate_limit)
        .into_make_service_with_connect_info::<SocketAddr>();
    let listener = tokio::net::TcpListener::bind(config.http)
        .await
        .with_context(|| format!("cannot listen on http {}", config.http))?;
    tracing::info!(addr = %listener.local_addr()?, "HTTP API; try /api/v1/vessels");
    let mut http_shutdown = shutdown.clone();
    let http = axum::serve(listener, app).with_graceful_shutdown(async move {
        let _ = http_shutdown.changed().await;
    });
    let http = tokio::spawn(async move { http.await });

    wait_for_signal().await;
    tracing::info!("shutting down: storing what was read");
    let _ = stop.send(true);
    while sources.join_next().await.is_some() {}
    ingest.shutdown().await;
    drop(ingest);
    pipeline.await.context("the ingest pipeline failed")?;
    // Every alert is in the outbox now; what is not delivered yet goes out after a restart.
    let _ = stop_worker.send(true);
    if tokio::time::timeout(Duration::from_secs(15), worker)
        .await
        .is_err()
    {
        tracing::warn!(
            "alert deliveries still in flight after 15 s; they resume at the next start"
        );
    }
    // Open streaming responses must not hold the exit up for long.
    match tokio::time::timeout(Duration::from_secs(5), http).await {
        Ok(result) => result
            .context("the HTTP server failed")?
            .context("the HTTP server failed")?,
        Err(_) => tracing::warn!("HTTP connections still open after 5 s; leaving them"),
    }
    tracing::info!("stopped");
    Ok(())
}

async fn wait_for_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
}

/// The simulated fleet. It starts `catch_up_hours` in the past and replays them at
/// `speedup` times real time, then runs live: boats sail at true speeds (so their tracks
/// pass the plausibility check) and cross lines within the first minute, and no report is
/// ever from the future. AIS is stamped with tag blocks, so each report keeps its own time;
/// the replayed ones arrive late, as a satellite backlog would.
async fn demo_fleet(
    vessels: usize,
    catch_up_hours: f64,
    speedup: f64,
    ingest: IngestHandle,
    mut shutdown: watch::Receiver<bool>,
) {
    let source: SourceName = Arc::from("demo");
    let real_start = haidang_ingest::now_ms();
    let catch_up_ms = (catch_up_hours.max(0.0) * 3_600_000.0) as i64;
    let sim_start = real_start - catch_up_ms;
    let mut config = FleetConfig::with_vessels(vessels, 1, sim_start);
    config.stamp_ais = true;
    // The scripted silence and distress fall within the replayed hours.
    let mut fleet = Fleet::new(config, (catch_up_ms / 1000).max(600) as u64);
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut lines = Vec::new();
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.changed() => break,
        }
        let now = haidang_ingest::now_ms();
        let replayed = sim_start + ((now - real_start) as f64 * speedup.max(1.0)) as i64;
        fleet.advance(replayed.min(now), &mut lines);
        if lines.is_empty() {
            continue;
        }
        let bytes = lines.concat().into_bytes();
        lines.clear();
        if ingest.send_bytes(&source, bytes).await.is_err() {
            break;
        }
    }
    let _ = ingest.end_of_stream(&source).await;
}

/// The demo fleet's register (the same boats [`demo_fleet`] sails), imported at start so
/// that the fleet register and the IUU report have boats; a restart finds it unchanged.
fn demo_register(vessels: usize) -> anyhow::Result<Vec<haidang_store::RegistryEntry>> {
    let fleet = Fleet::new(FleetConfig::with_vessels(vessels, 1, 0), 600);
    let parsed = haidang_store::parse_registry_csv(fleet.register_csv().as_bytes())
        .context("the demo register does not parse")?;
    anyhow::ensure!(
        parsed.errors.is_empty(),
        "the demo register has refused rows: {:?}",
        parsed.errors
    );
    Ok(parsed.entries.into_iter().map(|(_, e)| e).collect())
}

async fn import_demo_register(store: &Store, vessels: usize) -> anyhow::Result<()> {
    let entries = demo_register(vessels)?;
    let report = store
        .import_registry("demo", &entries, 0)
        .await
        .context("cannot import the demo register")?;
    tracing::info!(
        inserted = report.inserted,
        unchanged = report.unchanged,
        "demo fleet register imported"
    );
    Ok(())
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// This machine's name, for the delivery worker's id (leases name their worker).
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "haidang".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_register_names_every_boat_but_the_sart() {
        let entries = demo_register(40).expect("it parses");
        let fleet = Fleet::new(FleetConfig::with_vessels(40, 1, 0), 600);
        let boats = fleet
            .vessels()
            .iter()
            .filter(|v| v.transponder != haidang_sim::Transponder::Sart)
            .count();
        assert_eq!(entries.len(), boats);
        assert!(entries.iter().any(|e| e.province == "Cà Mau"));
        assert!(
            entries
                .iter()
                .filter(|e| e.vms_provider.is_some())
                .all(|e| e.mmsi.is_none() && e.length_m >= 15.0)
        );
    }

    #[test]
    fn passwords_are_not_printed() {
        assert_eq!(
            redact("postgres://haidang:secret@127.0.0.1/haidang"),
            "postgres://haidang:***@127.0.0.1/haidang"
        );
        assert_eq!(redact("sqlite:data/haidang.db"), "sqlite:data/haidang.db");
    }

    #[test]
    fn config_file_keys_are_checked() {
        let ok: ConfigFile = toml::from_str(
            "[store]\nurl = \"sqlite:x.db\"\n[nmea]\ntcp_listen = [\"0.0.0.0:10110\"]\n",
        )
        .expect("valid");
        assert_eq!(ok.store.url.as_deref(), Some("sqlite:x.db"));
        let err = toml::from_str::<ConfigFile>("[nmea]\ntcp_listn = []\n").expect_err("typo");
        assert!(err.to_string().contains("tcp_listn"), "{err}");
    }

    fn args(argv: &[&str]) -> Args {
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            serve: Args,
        }
        let argv = std::iter::once("serve").chain(argv.iter().copied());
        <Cli as clap::Parser>::try_parse_from(argv)
            .map(|cli| cli.serve)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// `config()` on a file with `text`.
    fn config_from(text: &str, flags: &[&str]) -> anyhow::Result<Config> {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "haidang-serve-config-{}-{}.toml",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        std::fs::write(&path, text).expect("write config");
        let path_arg = path.display().to_string();
        let mut argv = vec!["--config", path_arg.as_str()];
        argv.extend_from_slice(flags);
        let result = config(&args(&argv));
        let _ = std::fs::remove_file(&path);
        result
    }

    #[test]
    fn serial_ports_come_from_the_file_with_defaults() {
        let config = config_from(
            "[[serial]]\npath = \"/dev/ttyUSB0\"\n\n\
             [[serial]]\npath = \"/dev/serial/by-id/usb-ais\"\nbaud = 38400\nframing = \"7e2\"\n\
             reopen_backoff_max_ms = 2000\nno_data_timeout_ms = 60000\n",
            &[],
        )
        .expect("valid");
        assert_eq!(
            config.serial,
            vec![SerialConfig::nmea("/dev/ttyUSB0", 4800), {
                let mut ais = SerialConfig::nmea("/dev/serial/by-id/usb-ais", 38_400);
                ais.framing = "7E2".parse().expect("7E2");
                ais.reopen_backoff_max_ms = 2000;
                ais.no_data_timeout_ms = 60_000;
                ais
            }]
        );
        assert!(config_from("", &[]).expect("empty").serial.is_empty());
    }

    #[test]
    fn serial_keys_are_checked_and_errors_name_the_key() {
        let error = |text: &str| {
            format!(
                "{:#}",
                config_from(text, &[]).expect_err(&format!("{text:?} is refused"))
            )
        };
        let typo = error("[[serial]]\npath = \"/dev/ttyS0\"\nbaudrate = 9600\n");
        assert!(typo.contains("baudrate"), "{typo}");
        let missing = error("[[serial]]\nbaud = 9600\n");
        assert!(missing.contains("path"), "{missing}");
        let framing = error("[[serial]]\npath = \"/dev/ttyS0\"\nframing = \"9N1\"\n");
        assert!(
            framing.contains("framing") && framing.contains("9N1"),
            "{framing}"
        );
        let baud = error("[[serial]]\npath = \"/dev/ttyS0\"\nbaud = \"fast\"\n");
        assert!(baud.contains("baud"), "{baud}");
        let zero = error("[[serial]]\npath = \"/dev/ttyS0\"\nbaud = 0\n");
        assert!(zero.contains("baud"), "{zero}");
        let twice = error("[[serial]]\npath = \"/dev/ttyS0\"\n[[serial]]\npath = \"/dev/ttyS0\"\n");
        assert!(
            twice.contains("/dev/ttyS0") && twice.contains("twice"),
            "{twice}"
        );
        // `[serial]` (a table, not an array of tables) is a mistake too.
        let table = error("[serial]\npath = \"/dev/ttyS0\"\n");
        assert!(table.contains("serial"), "{table}");
    }

    #[test]
    fn the_readme_example_is_a_valid_configuration() {
        let readme = include_str!("../../../README.md");
        let example = readme
            .split_once("```toml\n")
            .and_then(|(_, rest)| rest.split_once("```"))
            .map(|(toml, _)| toml)
            .expect("README.md has a TOML example");
        let file: ConfigFile = toml::from_str(example).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(file.serial.len(), 2);
        let ports = file
            .serial
            .into_iter()
            .map(SerialSection::into_config)
            .collect::<anyhow::Result<Vec<_>>>()
            .expect("valid ports");
        assert_eq!(ports[1].baud_rate, 38_400);
        assert_eq!(ports[1].no_data_timeout_ms, 60_000);
    }

    #[test]
    fn serial_flags_take_a_baud_rate_and_replace_the_file() {
        let file = "[[serial]]\npath = \"/dev/ttyUSB0\"\n";
        let config = config_from(
            file,
            &[
                "--serial",
                "/dev/ttyS1",
                "--serial",
                "/dev/ttyUSB1:38400",
                "--serial",
                "/dev/serial/by-path/pci-0000:00:14.0-usb-0:2:1.0-port0",
            ],
        )
        .expect("valid");
        assert_eq!(
            config.serial,
            vec![
                SerialConfig::nmea("/dev/ttyS1", 4800),
                SerialConfig::nmea("/dev/ttyUSB1", 38_400),
                SerialConfig::nmea(
                    "/dev/serial/by-path/pci-0000:00:14.0-usb-0:2:1.0-port0",
                    4800
                ),
            ]
        );
        assert_eq!(
            config_from(file, &[]).expect("valid").serial,
            vec![SerialConfig::nmea("/dev/ttyUSB0", 4800)]
        );
        for bad in [":4800", "/dev/ttyS0:0", "/dev/ttyS0:99999999999"] {
            assert!(parse_serial_flag(bad).is_err(), "{bad:?} is refused");
        }
        let twice = config_from(
            "",
            &["--serial", "/dev/ttyS0", "--serial", "/dev/ttyS0:9600"],
        )
        .expect_err("the same port twice");
        assert!(twice.to_string().contains("twice"), "{twice}");
    }
}
