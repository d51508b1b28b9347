//! `haidang-bridge`: reads NMEA on board, stamps it, keeps it on disk, and delivers it to
//! shore once; `haidang-bridge sos TEXT` raises a distress through the running bridge.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use haidang_bridge::bridge::{self, BatchLimits, Shared};
use haidang_bridge::config::{Config, UplinkKind};
use haidang_bridge::queue::Queue;
use haidang_bridge::uplink::{Backoff, HttpLink, Link};
use haidang_bridge::{control, input};
use tokio::sync::watch;

/// Exit status for an unusable configuration (EX_CONFIG).
const EXIT_CONFIG: i32 = 78;

#[derive(Parser, Debug)]
#[command(
    name = "haidang-bridge",
    version,
    about = "Haidang's on-board bridge: NMEA in, stamped, kept on disk, delivered to shore once"
)]
struct Cli {
    /// The TOML configuration; flags override it.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Device id: the `s:` of every line.
    #[arg(long, global = true)]
    device: Option<String>,
    /// Directory of the queue and the control socket.
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Serial port to read, PATH or PATH:BAUD.
    #[arg(long, value_name = "PATH[:BAUD]")]
    serial: Option<String>,
    /// Shore base URL (the bridge posts to URL/api/v1/ingest/nmea).
    #[arg(long, value_name = "URL")]
    shore: Option<String>,
    /// File holding the device token (or set HAIDANG_BRIDGE_TOKEN).
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// Read NMEA datagrams on this address.
    #[arg(long, value_name = "ADDR")]
    udp_listen: Option<String>,
    /// Accept NMEA over TCP on this address.
    #[arg(long, value_name = "ADDR")]
    tcp_listen: Option<String>,
    /// Read NMEA from a TCP receiver at this address.
    #[arg(long, value_name = "ADDR")]
    tcp_connect: Option<String>,
    /// The control socket (default DATA_DIR/control.sock).
    #[arg(long, global = true, value_name = "PATH")]
    control: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the bridge (the default).
    Run,
    /// Raise a distress through the running bridge: `$PHDG,SOS,TEXT` goes ahead of the queue.
    Sos {
        /// Free text (commas and asterisks become spaces).
        text: Vec<String>,
    },
    /// Print the running bridge's counters as JSON.
    Status,
}

fn main() {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let config = match load(&cli) {
        Ok(c) => c,
        Err(error) => {
            eprintln!("haidang-bridge: {error:#}");
            std::process::exit(EXIT_CONFIG);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(4)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(error) => {
            eprintln!("haidang-bridge: cannot start the runtime: {error}");
            std::process::exit(1);
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            None | Some(Command::Run) => run(config).await,
            Some(Command::Sos { text }) => ask(&config, &format!("sos {}", text.join(" "))).await,
            Some(Command::Status) => ask(&config, "status").await,
        }
    });
    if let Err(error) = result {
        eprintln!("haidang-bridge: {error:#}");
        std::process::exit(1);
    }
}

/// The file's table with the flags applied, then validated (for `run`) or only the paths
/// (for `sos` and `status`).
fn load(cli: &Cli) -> anyhow::Result<Config> {
    let mut table = match &cli.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read config {}", path.display()))?;
            toml::from_str::<toml::Table>(&text)
                .with_context(|| format!("invalid config {}", path.display()))?
        }
        None => toml::Table::new(),
    };
    let s = |v: &str| toml::Value::String(v.to_owned());
    let p = |v: &PathBuf| toml::Value::String(v.display().to_string());
    let section = |table: &mut toml::Table, name: &str, key: &str, value: toml::Value| {
        let entry = table
            .entry(name)
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if let toml::Value::Table(t) = entry {
            t.insert(key.to_owned(), value);
        }
    };
    if let Some(d) = &cli.device {
        table.insert("device".into(), s(d));
    }
    if let Some(d) = &cli.data_dir {
        table.insert("data_dir".into(), p(d));
    }
    if let Some(c) = &cli.control {
        table.insert("control_socket".into(), p(c));
    }
    if let Some(serial) = &cli.serial {
        let (path, baud) = match serial.rsplit_once(':') {
            Some((path, baud)) if baud.parse::<u32>().is_ok() => (path, baud.parse().ok()),
            _ => (serial.as_str(), None),
        };
        section(&mut table, "serial", "path", s(path));
        if let Some(baud) = baud {
            section(&mut table, "serial", "baud", toml::Value::Integer(baud));
        }
    }
    if let Some(url) = &cli.shore {
        section(&mut table, "shore", "url", s(url));
    }
    if let Some(f) = &cli.token_file {
        section(&mut table, "shore", "token_file", p(f));
    }
    let list = |v: &str| toml::Value::Array(vec![toml::Value::String(v.to_owned())]);
    if let Some(a) = &cli.udp_listen {
        section(&mut table, "receiver", "udp_listen", list(a));
    }
    if let Some(a) = &cli.tcp_listen {
        section(&mut table, "receiver", "tcp_listen", list(a));
    }
    if let Some(a) = &cli.tcp_connect {
        section(&mut table, "receiver", "tcp_connect", list(a));
    }
    let running = matches!(cli.command, None | Some(Command::Run));
    if !running {
        // `sos` and `status` need only the socket's path.
        table.entry("device").or_insert_with(|| s("-"));
        table.entry("data_dir").or_insert_with(|| s("."));
    }
    let config: Config = toml::Value::Table(table)
        .try_into()
        .context("invalid config")?;
    if running {
        config.validate()?;
    }
    Ok(config)
}

async fn ask(config: &Config, command: &str) -> anyhow::Result<()> {
    let answer = control::request(&config.control_path(), command).await?;
    println!("{answer}");
    if answer.get("ok") != Some(&serde_json::Value::Bool(true)) {
        bail!("the bridge refused the command");
    }
    Ok(())
}

fn token(config: &Config) -> anyhow::Result<Option<String>> {
    if let Ok(t) = std::env::var("HAIDANG_BRIDGE_TOKEN")
        && !t.trim().is_empty()
    {
        return Ok(Some(t.trim().to_owned()));
    }
    let Some(shore) = &config.shore else {
        return Ok(None);
    };
    if let Some(path) = &shore.token_file {
        let t = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read token file {}", path.display()))?;
        return Ok(Some(t.trim().to_owned()));
    }
    Ok(shore.token.clone())
}

async fn run(config: Config) -> anyhow::Result<()> {
    let queue_dir = config.data_dir.join("queue");
    let queue = Queue::open(&queue_dir, config.queue_config())
        .with_context(|| format!("cannot open the queue in {}", queue_dir.display()))?;
    let q = queue.stats();
    tracing::info!(
        device = %config.device,
        queue = %queue_dir.display(),
        next_seq = queue.next_seq(),
        acked_seq = queue.acked(),
        queue_bytes = queue.bytes(),
        torn_records = q.torn_records,
        "bridge starting"
    );
    let shared = Shared::new(
        config.device.clone(),
        queue,
        config.sos.serial_prefix.clone(),
        config.sos.text.clone(),
    );
    let (stop_tx, stop) = watch::channel(false);

    let (link, limits, backoff) = match config.uplink()? {
        UplinkKind::Http => {
            let shore = config.shore.as_ref().context("no [shore]")?;
            let http = HttpLink::new(
                &shore.url,
                &config.device,
                token(&config)?,
                Duration::from_millis(shore.timeout_ms),
            )?;
            let sos_http = http.clone();
            shared.set_sos_link(Box::new(move || Link::Http(sos_http.clone())));
            (
                Link::Http(http),
                BatchLimits {
                    max_lines: shore.batch_max_lines,
                    max_bytes: shore.batch_max_bytes,
                },
                Backoff::new(
                    Duration::from_millis(shore.backoff_initial_ms),
                    Duration::from_millis(shore.backoff_max_ms),
                ),
            )
        }
        UplinkKind::Tcp(addr) => {
            let a = addr.clone();
            shared.set_sos_link(Box::new(move || Link::Tcp {
                addr: a.clone(),
                stream: None,
            }));
            (
                Link::Tcp { addr, stream: None },
                BatchLimits {
                    max_lines: 1000,
                    max_bytes: 256 * 1024,
                },
                Backoff::new(Duration::from_millis(500), Duration::from_secs(60)),
            )
        }
        UplinkKind::Udp(addr) => {
            let a = addr.clone();
            shared.set_sos_link(Box::new(move || Link::Udp {
                addr: a.clone(),
                socket: None,
            }));
            (
                Link::Udp { addr, socket: None },
                BatchLimits {
                    max_lines: 100,
                    max_bytes: 64 * 1024,
                },
                Backoff::new(Duration::from_millis(500), Duration::from_secs(60)),
            )
        }
    };

    shared.resume_distress();
    let mut tasks = Vec::new();
    tasks.push(tokio::spawn(bridge::syncer(
        Arc::clone(&shared),
        Duration::from_millis(config.queue.fsync_interval_ms),
        stop.clone(),
    )));
    tasks.push(tokio::spawn(bridge::uplink(
        Arc::clone(&shared),
        link,
        limits,
        backoff,
        stop.clone(),
    )));
    let control_path = config.control_path();
    let listener = control::bind(&control_path).await?;
    tasks.push(tokio::spawn(control::serve(
        Arc::clone(&shared),
        listener,
        stop.clone(),
    )));
    let max_line = config.max_line_bytes;
    if let Some(serial) = &config.serial {
        let input = input::SerialInput {
            path: serial.path.clone(),
            baud: serial.baud,
            framing: serial.parsed_framing()?,
            reopen_backoff_max: Duration::from_millis(serial.reopen_backoff_max_ms),
            no_data_timeout: Duration::from_millis(serial.no_data_timeout_ms),
            max_line_bytes: max_line,
        };
        tasks.push(tokio::spawn(input::serial(
            Arc::clone(&shared),
            input,
            stop.clone(),
        )));
    }
    for addr in &config.receiver.tcp_connect {
        tasks.push(tokio::spawn(input::tcp_connect(
            Arc::clone(&shared),
            addr.clone(),
            max_line,
            stop.clone(),
        )));
    }
    for addr in &config.receiver.tcp_listen {
        let listener = input::bind_tcp(*addr)
            .await
            .with_context(|| format!("cannot listen on tcp {addr}"))?;
        tasks.push(tokio::spawn(input::tcp_listen(
            Arc::clone(&shared),
            listener,
            max_line,
            stop.clone(),
        )));
    }
    for addr in &config.receiver.udp_listen {
        let socket = input::bind_udp(*addr)
            .await
            .with_context(|| format!("cannot listen on udp {addr}"))?;
        tasks.push(tokio::spawn(input::udp_listen(
            Arc::clone(&shared),
            socket,
            max_line,
            stop.clone(),
        )));
    }
    tracing::info!(control = %control_path.display(), "bridge running");

    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("cannot handle SIGTERM")?;
    let mut report = tokio::time::interval(Duration::from_secs(60));
    report.tick().await;
    loop {
        tokio::select! {
            _ = term.recv() => break,
            r = tokio::signal::ctrl_c() => { r.context("cannot handle Ctrl-C")?; break }
            _ = report.tick() => tracing::info!(status = %shared.status(), "bridge status"),
        }
    }
    tracing::info!("stopping");
    let _ = stop_tx.send(true);
    let wait_all = async {
        for task in tasks {
            let _ = task.await;
        }
    };
    if tokio::time::timeout(Duration::from_secs(5), wait_all)
        .await
        .is_err()
    {
        tracing::warn!("tasks still running after 5 s; stopping anyway");
    }
    shared.sync_now().context("cannot sync the queue")?;
    let _ = std::fs::remove_file(&control_path);
    tracing::info!(status = %shared.status(), "stopped");
    Ok(())
}
