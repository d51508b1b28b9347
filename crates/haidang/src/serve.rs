//! `haidang serve`: the store, the ingest pipeline with its NMEA sources, and the HTTP API,
//! wired together; `--demo` adds a simulated fleet. A TOML file (`--config`) or flags set
//! it up; with neither it runs on an embedded SQLite file under `./data/`, HTTP on
//! 127.0.0.1:8080 and NMEA over TCP and UDP on 127.0.0.1:10110.
//!
//! SIGTERM or Ctrl-C stop the sources, store everything already read, and exit.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use haidang_ingest::{IngestHandle, PipelineConfig, SourceName};
use haidang_sim::{Fleet, FleetConfig};
use haidang_store::Store;
use serde::Deserialize;
use tokio::sync::watch;

/// The zone set shipped with the product, built into the binary.
const SHIPPED_ZONES: &str = include_str!("../../../geodata/zones.geojson");

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
    /// Run a simulated fleet inside the server.
    #[arg(long)]
    demo: bool,
    /// Ordinary boats in the demo fleet (the scripted ones come on top).
    #[arg(long, default_value_t = 200)]
    demo_vessels: usize,
    /// How much faster than their speed the demo boats move, so that crossings happen
    /// within a minute while report times stay real.
    #[arg(long, default_value_t = 300.0)]
    demo_motion_scale: f64,
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

/// The validated configuration.
#[derive(Debug)]
struct Config {
    store_url: String,
    http: SocketAddr,
    tcp_listen: Vec<SocketAddr>,
    udp_listen: Vec<SocketAddr>,
    tcp_connect: Vec<SocketAddr>,
    max_line_bytes: usize,
    zones: Arc<str>,
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
    Ok(Config {
        store_url: args
            .database_url
            .clone()
            .or(file.store.url)
            .unwrap_or_else(|| "sqlite:data/haidang.db".to_owned()),
        http: args
            .http
            .or(file.http.listen)
            .unwrap_or(([127, 0, 0, 1], 8080).into()),
        tcp_listen: pick(&args.nmea_tcp, file.nmea.tcp_listen),
        udp_listen: pick(&args.nmea_udp, file.nmea.udp_listen),
        tcp_connect: file.nmea.tcp_connect,
        max_line_bytes: file
            .nmea
            .max_line_bytes
            .unwrap_or(haidang_nmea::DEFAULT_MAX_LINE_BYTES),
        zones,
    })
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
    tracing::info!(zones = zones.zones().len(), "geofence ready");
    let (ingest, pipeline) =
        haidang_ingest::spawn_with_zones(pipeline_config, store.clone(), Arc::new(zones));
    let (stop, shutdown) = watch::channel(false);
    let mut sources = tokio::task::JoinSet::new();

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
    if args.demo {
        tracing::info!(vessels = args.demo_vessels + 5, "demo fleet sailing");
        sources.spawn(demo_fleet(
            args.demo_vessels,
            args.demo_motion_scale,
            ingest.clone(),
            shutdown.clone(),
        ));
    }

    let state = haidang_api::AppState {
        store: store.clone(),
        ingest: ingest.clone(),
        metrics: Arc::new(move || metrics.render()),
        zones_geojson: Some(config.zones.clone()),
    };
    let app = haidang_api::router(state);
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

/// The simulated fleet, in real time: report times are the clock's, boats move
/// `motion_scale` times faster than their speed.
async fn demo_fleet(
    vessels: usize,
    motion_scale: f64,
    ingest: IngestHandle,
    mut shutdown: watch::Receiver<bool>,
) {
    let source: SourceName = Arc::from("demo");
    let start = haidang_ingest::now_ms();
    let mut config = FleetConfig::with_vessels(vessels, 1, start);
    config.motion_scale = motion_scale;
    // The scripted silence comes after 2 minutes, the distress after 3 min 20 s.
    let mut fleet = Fleet::new(config, 600);
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut lines = Vec::new();
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.changed() => break,
        }
        fleet.advance(haidang_ingest::now_ms(), &mut lines);
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
