//! `haidang geofence`: zone events (or, with `--classify`, zones and distances) for fixes
//! read as JSON Lines.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use geo::Haversine;
use haidang_geofence::{Boundaries, LineSet, Tracker, TrackerConfig, ZoneIndex};
use haidang_types::{LatLon, METERS_PER_NAUTICAL_MILE, Meters};
use serde_json::{Value, json};

/// Arguments of `haidang geofence`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The zone set: a GeoJSON FeatureCollection (e.g. geodata/zones.geojson).
    #[arg(long, value_name = "FILE")]
    zones: PathBuf,
    /// Print, for each fix and with no state, the zones it is in and the distances to
    /// nearby foreign and undelimited boundaries, instead of events.
    #[arg(long)]
    classify: bool,
    /// With --classify: boundary lines, a GeoJSON FeatureCollection of LineStrings with
    /// `id`, `kind`, `name` (e.g. geodata/lines.geojson); adds the distance to each line
    /// within the radius as "lines".
    #[arg(long, value_name = "FILE", requires = "classify")]
    lines: Option<PathBuf>,
    /// Fixes as JSON Lines, {"vessel":"…","t":"RFC 3339","lon":…,"lat":…}; `-` or nothing
    /// for standard input.
    #[arg(value_name = "FILE|-")]
    input: Option<PathBuf>,
    /// Consecutive clear fixes on the other side of a boundary before enter or exit.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    fixes_to_change: u32,
    /// Fixes closer than this to a boundary neither flip nor confirm the state, in metres.
    #[arg(long, default_value_t = 500.0)]
    margin_meters: f64,
    /// Approach warning distances in nautical miles, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "10,5,2")]
    approach_nm: Vec<f64>,
    /// Vessels with no fix for this many hours of fix time are forgotten (their next fix
    /// is a first fix).
    #[arg(long, default_value_t = 168)]
    forget_after_hours: u32,
    /// At most this many vessels are remembered; the ones seen longest ago go first.
    #[arg(long, default_value_t = 500_000, value_parser = clap::value_parser!(u64).range(1..))]
    max_vessels: u64,
    /// With --classify: how far to look for boundaries, in nautical miles.
    #[arg(long, default_value_t = 20.0)]
    radius_nm: f64,
}

/// Runs the subcommand.
pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let file = std::fs::File::open(&args.zones)
        .with_context(|| format!("cannot open {}", args.zones.display()))?;
    let index = ZoneIndex::from_reader(BufReader::new(file))
        .with_context(|| format!("cannot load zones from {}", args.zones.display()))?;
    if args.approach_nm.iter().any(|d| !d.is_finite() || *d <= 0.0)
        || args.margin_meters.is_nan()
        || args.margin_meters < 0.0
    {
        anyhow::bail!("approach distances must be positive and the margin must not be negative");
    }
    let mut tracker = Tracker::new(TrackerConfig {
        fixes_to_change: args.fixes_to_change,
        margin: Meters(args.margin_meters),
        approach: args
            .approach_nm
            .iter()
            .map(|nm| Meters(nm * METERS_PER_NAUTICAL_MILE))
            .collect(),
        forget_after_ms: Some(i64::from(args.forget_after_hours) * 3_600_000),
        max_vessels: Some(usize::try_from(args.max_vessels).unwrap_or(usize::MAX)),
    });
    let line_set = match &args.lines {
        Some(path) => {
            let file = std::fs::File::open(path)
                .with_context(|| format!("cannot open {}", path.display()))?;
            Some(
                LineSet::from_reader(BufReader::new(file))
                    .with_context(|| format!("cannot load lines from {}", path.display()))?,
            )
        }
        None => None,
    };
    let mut near_lines = Vec::new();
    let input = BufReader::new(crate::open_input(args.input.as_ref())?);
    let mut out = BufWriter::new(std::io::stdout().lock());
    let (mut zones, mut near, mut events) = (Vec::new(), Vec::new(), Vec::new());
    let (mut lines, mut rejected, mut stale) = (0u64, 0u64, 0u64);
    let radius = Meters(args.radius_nm * METERS_PER_NAUTICAL_MILE);
    for (n, line) in input.lines().enumerate() {
        let line = line.context("cannot read the input")?;
        if line.trim().is_empty() {
            continue;
        }
        lines += 1;
        let fix = match parse_fix(&line) {
            Ok(fix) => fix,
            Err(reason) => {
                rejected += 1;
                eprintln!("haidang geofence: line {}: {reason}", n + 1);
                continue;
            }
        };
        if args.classify {
            index.zones_at(fix.position, &mut zones);
            index.nearest_boundaries(
                &Haversine,
                fix.position,
                radius,
                Boundaries::Alerting,
                &mut near,
            );
            let mut record = json!({
                "vessel": fix.vessel,
                "t": fix.t,
                "zones": zones.iter().map(|&z| index.zone(z).id()).collect::<Vec<_>>(),
                "nearest": near.iter().map(|n| {
                    let zone = index.zone(n.zone);
                    json!({"zone": zone.id(), "class": zone.class().as_str(), "distance_m": round(n.distance.0)})
                }).collect::<Vec<_>>(),
            });
            if let Some(set) = &line_set {
                set.nearest_lines(&Haversine, fix.position, radius, &mut near_lines);
                record["lines"] = near_lines
                    .iter()
                    .map(|n| {
                        let line = set.line(n.line);
                        json!({"line": line.id(), "kind": line.kind(), "distance_m": round(n.distance.0)})
                    })
                    .collect();
            }
            serde_json::to_writer(&mut out, &record)?;
            out.write_all(b"\n")?;
            continue;
        }
        events.clear();
        let update = tracker.update(
            &index,
            &Haversine,
            &fix.vessel,
            fix.time_ms,
            fix.position,
            &mut events,
        );
        if update == haidang_geofence::Update::Stale {
            stale += 1;
        }
        for e in &events {
            let zone = index.zone(e.zone);
            let record = json!({
                "vessel": fix.vessel,
                "t": fix.t,
                "event": e.kind.as_str(),
                "zone": zone.id(),
                "class": zone.class().as_str(),
                "country": zone.country(),
                "distance_m": e.distance.map(|d| round(d.0)),
            });
            serde_json::to_writer(&mut out, &record)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    if rejected > 0 || stale > 0 {
        eprintln!(
            "haidang geofence: {lines} fixes read, {rejected} rejected, {stale} older than the vessel's latest (ignored)"
        );
    }
    Ok(ExitCode::SUCCESS)
}

struct Fix {
    vessel: String,
    t: String,
    time_ms: i64,
    position: LatLon,
}

fn parse_fix(line: &str) -> Result<Fix, String> {
    let value: Value = serde_json::from_str(line).map_err(|e| format!("not JSON ({e})"))?;
    let vessel = match value.get("vessel") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err("no \"vessel\"".into()),
    };
    let t = value
        .get("t")
        .and_then(Value::as_str)
        .ok_or("no \"t\" string")?
        .to_owned();
    let time = time::OffsetDateTime::parse(&t, &time::format_description::well_known::Rfc3339)
        .map_err(|e| format!("\"t\" is not RFC 3339 ({e})"))?;
    let time_ms =
        i64::try_from(time.unix_timestamp_nanos() / 1_000_000).map_err(|_| "\"t\" out of range")?;
    let lon = value
        .get("lon")
        .and_then(Value::as_f64)
        .ok_or("no numeric \"lon\"")?;
    let lat = value
        .get("lat")
        .and_then(Value::as_f64)
        .ok_or("no numeric \"lat\"")?;
    let position = LatLon::new(lon, lat).map_err(|e| e.to_string())?;
    Ok(Fix {
        vessel,
        t,
        time_ms,
        position,
    })
}

/// Metres to one decimal place: the data are not better than that.
fn round(m: f64) -> f64 {
    (m * 10.0).round() / 10.0
}
