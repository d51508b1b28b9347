//! `haidang report iuu --from DATE --to DATE [--province P] --format json`: the IUU
//! compliance report of a period (both days included), from the store's register,
//! positions and compliance cases, written to stdout. Every count lists the ids it
//! counts; a report that does not add up is refused (exit status 1) rather than written.

use std::process::ExitCode;

use anyhow::Context as _;
use haidang_report::{FleetVessel, IuuInput, ReportCase};
use haidang_store::ComplianceFilter;
use time::{Date, OffsetDateTime, Time};

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
        /// The output format. CSV, GeoJSON and PDF are not built yet.
        #[arg(long, default_value = "json", value_parser = ["json"])]
        format: String,
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
    let format = time::format_description::well_known::Iso8601::DATE;
    Date::parse(text, &format).map_err(|_| format!("{text:?} is not a date such as 2026-03-01"))
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let Command::Iuu {
        from,
        to,
        province,
        format: _,
        database_url,
    } = &args.command;
    let end = to
        .next_day()
        .filter(|end| end > from)
        .context("--to must be on or after --from")?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the runtime")?;
    let input = runtime.block_on(async {
        let store = haidang_store::Store::connect(database_url)
            .await
            .context("cannot open the store")?;
        let start = OffsetDateTime::new_utc(*from, Time::MIDNIGHT);
        let stop = OffsetDateTime::new_utc(end, Time::MIDNIGHT);
        let counts: std::collections::HashMap<String, u64> = store
            .position_counts(start, stop)
            .await
            .context("cannot count positions")?
            .into_iter()
            .collect();
        let fleet = store
            .registry_current()
            .await
            .context("cannot read the register")?
            .into_iter()
            .map(|r| {
                let e = r.entry;
                let mmsi = e.mmsi.map(|m| m.get());
                let positions = counts
                    .get(&format!("reg:{}", e.registration))
                    .copied()
                    .unwrap_or(0)
                    + mmsi
                        .and_then(|m| counts.get(&format!("mmsi:{m:09}")))
                        .copied()
                        .unwrap_or(0);
                FleetVessel {
                    has_vms: e.vms_provider.is_some() || e.vms_device_id.is_some(),
                    registration: e.registration,
                    name: e.name,
                    mmsi,
                    length_m: e.length_m,
                    province: e.province,
                    positions,
                }
            })
            .collect();
        let filter = ComplianceFilter {
            from: Some(start),
            to: Some(stop),
            ..ComplianceFilter::default()
        };
        let cases = store
            .compliance_cases(&filter)
            .await
            .context("cannot read the compliance cases")?
            .into_iter()
            .map(|c| ReportCase {
                id: c.id,
                kind: c.kind,
                vessel: c.vessel.map(|v| v.key()),
                bucket: c.bucket,
                zone_id: c.zone_id,
                country: c.country,
                zone_class: c.zone_class,
                status: c.status,
                closed_reason: c.closed_reason,
                sanction: c.sanction.map(|s| haidang_report::ReportSanction {
                    decision_number: s.decision_number,
                    amount_vnd: s.amount_vnd,
                    decided_on: s.decided_on,
                    paid: s.payment_proof.is_some(),
                }),
                detected_at: c.detected_at,
                // Filled by the report loader that replaces this one (next commit).
                position: None,
                left_at: None,
                max_inside_m: None,
            })
            .collect();
        anyhow::Ok(IuuInput {
            from: *from,
            to: end,
            province: province.clone(),
            fleet,
            cases,
            detentions: Vec::new(),
        })
    })?;
    let json = haidang_report::iuu_report_json(&input)?;
    println!("{json}");
    Ok(ExitCode::SUCCESS)
}
