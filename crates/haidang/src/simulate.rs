//! `haidang simulate`: a synthetic fleet's NMEA (AIS and VMS, with crossings, a silence and
//! a distress) to stdout, a file, or a TCP or UDP address, as fast as possible or paced.

use std::io::Write;
use std::net::{TcpStream, UdpSocket};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use haidang_sim::{Fleet, FleetConfig};

/// Options of `haidang simulate`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Ordinary boats, on top of the five scripted ones.
    #[arg(long, default_value_t = 100)]
    vessels: usize,
    /// Simulated time to run, in seconds.
    #[arg(long, default_value_t = 3600)]
    duration_secs: u64,
    /// Simulated seconds per real second; 0 writes everything as fast as possible.
    #[arg(long, default_value_t = 0.0)]
    speedup: f64,
    /// Seed of the pseudo-random choices; the same seed gives the same output.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Simulated start time, UNIX seconds; now by default.
    #[arg(long)]
    start_unix: Option<i64>,
    /// Seconds between AIS Class A reports.
    #[arg(long, default_value_t = 10)]
    ais_interval_secs: u32,
    /// Seconds between VMS reports.
    #[arg(long, default_value_t = 600)]
    vms_interval_secs: u32,
    /// Leave out the scripted crossings, silence and distress.
    #[arg(long)]
    no_script: bool,
    /// Stamp every AIS sentence with an NMEA 4.10 tag block holding its time (`c:`).
    #[arg(long)]
    tag_blocks: bool,
    /// Where to write: `-` (stdout), a file, `tcp://HOST:PORT` or `udp://HOST:PORT`.
    #[arg(long, short, default_value = "-")]
    output: String,
}

/// Where the lines go.
enum Output {
    Stream(Box<dyn Write>),
    Udp(UdpSocket),
}

impl Output {
    fn open(spec: &str) -> anyhow::Result<Self> {
        if let Some(addr) = spec.strip_prefix("tcp://") {
            let stream =
                TcpStream::connect(addr).with_context(|| format!("cannot connect to {addr}"))?;
            Ok(Output::Stream(Box::new(std::io::BufWriter::new(stream))))
        } else if let Some(addr) = spec.strip_prefix("udp://") {
            let socket = UdpSocket::bind("0.0.0.0:0").context("cannot open a UDP socket")?;
            socket
                .connect(addr)
                .with_context(|| format!("cannot send to {addr}"))?;
            Ok(Output::Udp(socket))
        } else if spec == "-" {
            Ok(Output::Stream(Box::new(std::io::BufWriter::new(
                std::io::stdout().lock(),
            ))))
        } else {
            let path = PathBuf::from(spec);
            let file = std::fs::File::create(&path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            Ok(Output::Stream(Box::new(std::io::BufWriter::new(file))))
        }
    }

    fn write_lines(&mut self, lines: &[String]) -> anyhow::Result<()> {
        match self {
            Output::Stream(w) => {
                for line in lines {
                    w.write_all(line.as_bytes())?;
                }
                w.flush()?;
            }
            // One sentence per datagram, as AIS receivers send them.
            Output::Udp(socket) => {
                for line in lines {
                    socket
                        .send(line.as_bytes())
                        .context("cannot send a datagram")?;
                }
            }
        }
        Ok(())
    }
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let start_ms = match args.start_unix {
        Some(s) => s.saturating_mul(1000),
        None => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64),
    };
    let mut config = FleetConfig::with_vessels(args.vessels, args.seed, start_ms);
    config.ais_interval_secs = args.ais_interval_secs;
    config.vms_interval_secs = args.vms_interval_secs;
    config.scripted = !args.no_script;
    config.stamp_ais = args.tag_blocks;
    let mut fleet = Fleet::new(config, args.duration_secs);
    let mut output = Output::open(&args.output)?;
    let end_ms =
        start_ms + i64::try_from(args.duration_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
    // Advance in one-second steps of simulated time, pacing them when asked to.
    let started = Instant::now();
    let mut lines = Vec::new();
    let mut sim_ms = start_ms;
    while sim_ms < end_ms {
        sim_ms = (sim_ms + 1000).min(end_ms);
        fleet.advance(sim_ms, &mut lines);
        if args.speedup > 0.0 {
            let due = Duration::from_secs_f64((sim_ms - start_ms) as f64 / 1000.0 / args.speedup);
            if let Some(wait) = due.checked_sub(started.elapsed()) {
                std::thread::sleep(wait);
            }
        }
        if !lines.is_empty() && (args.speedup > 0.0 || lines.len() > 4096 || sim_ms == end_ms) {
            output.write_lines(&lines)?;
            lines.clear();
        }
    }
    output.write_lines(&lines)?;
    Ok(ExitCode::SUCCESS)
}
