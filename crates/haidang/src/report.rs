//! `haidang report iuu --from DATE --to DATE [--province P] [--format F] [--output FILE]`
//! (`F`: json, csv, geojson, pdf):
//! the IUU compliance report of a period (both days included), from the store's register,
//! positions, compliance cases and consular cases (detentions abroad), gathered as the
//! API gathers them (`haidang_api::iuu_input`). Every count lists the ids it counts; a
//! report that does not add up is refused (exit status 1) rather than written.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use haidang_geofence::ZoneIndex;
use haidang_report::IuuFormat;
use time::Date;

/// Options of `haidang report`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// The IUU ("Yellow Card") compliance report of a period.
    Iuu {
        /// The first day (YYYY-MM-DD, UTC).
        #[arg(long, value_parser = parse_date)]
        from: Date,
        /// The last day, included (YYYY-MM-DD, UTC).
        #[arg(long, value_parser = parse_date)]
        to: Date,
        /// Only this province's vessels (as the register names it).
        #[arg(long)]
        province: Option<String>,
        /// The output format: `json`, `csv` (a ZIP of one CSV per table), `geojson` (where
        /// the cases happened) or `pdf`.
        #[arg(long, default_value = "json", value_parser = ["json", "csv", "geojson", "pdf"])]
        format: String,
        /// Write here instead of to stdout.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// The zone set that measures how far inside boundary cases went (default: the
        /// shipped `geodata/zones.geojson`).
        #[arg(long)]
        zones: Option<PathBuf>,
        /// Store URL: `sqlite:PATH` or `postgres://…`.
        #[arg(
            long,
            value_name = "URL",
            env = "HAIDANG_DATABASE_URL",
            default_value = "sqlite:data/haidang.db"
        )]
        database_url: String,
    },
}

fn parse_date(text: &str) -> Result<Date, String> {
    haidang_store::parse_day(text)
        .ok_or_else(|| format!("{text:?} is not a date such as 2026-03-01"))
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let Command::Iuu {
        from,
        to,
        province,
        format,
        output,
        zones,
        database_url,
    } = &args.command;
    let end = to
        .next_day()
        .filter(|end| end > from)
        .context("--to must be on or after --from")?;
    let zones = match zones {
        Some(path) => {
            let file = std::fs::File::open(path)
                .with_context(|| format!("cannot open {}", path.display()))?;
            ZoneIndex::from_reader(std::io::BufReader::new(file))
                .with_context(|| format!("cannot load zones from {}", path.display()))?
        }
        None => ZoneIndex::from_geojson(crate::serve::SHIPPED_ZONES)
            .context("cannot load the shipped zones")?,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the runtime")?;
    let input = runtime.block_on(async {
        let store = haidang_store::Store::connect(database_url)
            .await
            .context("cannot open the store")?;
        haidang_api::iuu_input(&store, Some(&zones), *from, end, province.clone())
            .await
            .context("cannot read the report's data")
    })?;
    let format = IuuFormat::parse(format).context("unknown format")?;
    let report = haidang_report::iuu_report(&input)?;
    let bytes = format.render(&report)?;
    match output {
        Some(path) => std::fs::write(path, &bytes)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => std::io::stdout()
            .lock()
            .write_all(&bytes)
            .context("cannot write to stdout")?,
    }
    Ok(ExitCode::SUCCESS)
}
