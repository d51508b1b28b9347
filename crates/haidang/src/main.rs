//! `haidang`: the one binary. It parses the command line and hands each subcommand to its
//! module; nothing depends on this crate.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod accounts;
mod decode;
mod geofence;
mod json;
mod migrate;
mod receiver;
mod registry;
mod report;
mod serve;
mod simulate;

/// Haidang watches Viet Nam's fishing fleet at sea.
#[derive(Debug, Parser)]
#[command(name = "haidang", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Decode AIS and GNSS NMEA sentences to JSON Lines, one object per message.
    Decode(decode::Args),
    /// Zone events (enter, exit, approach) for fixes read as JSON Lines; with
    /// --classify, the zones and nearby boundary distances of each fix.
    Geofence(geofence::Args),
    /// Write a synthetic fleet's NMEA (AIS and VMS, with crossings, a silence and a
    /// distress) to stdout, a file, or a TCP or UDP address.
    Simulate(simulate::Args),
    /// Apply the store's migrations and exit.
    Migrate(migrate::Args),
    /// Run Haidang: the store, NMEA ingest over TCP and UDP, and the HTTP API;
    /// --demo adds a simulated fleet.
    Serve(serve::Args),
    /// Reports: `report iuu --from DATE --to DATE [--province P]`, the IUU compliance
    /// report (JSON).
    Report(report::Args),
    /// The fleet register: `registry import FILE` imports the authority's CSV.
    Registry(registry::Args),
    /// Manage users: `haidang user add --name N --role R [--mission M | --province P]`
    /// (the password is read from standard input).
    User(accounts::UserArgs),
    /// Manage API tokens: `haidang token create --name N --role R` prints the token once.
    Token(accounts::TokenArgs),
    /// Receive Haidang's signed alert webhooks and print them (the demo's receiver).
    WebhookReceiver(receiver::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Decode(args) => decode::run(&args),
        Command::Geofence(args) => geofence::run(&args),
        Command::Simulate(args) => simulate::run(&args),
        Command::Migrate(args) => migrate::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Registry(args) => registry::run(&args),
        Command::Report(args) => report::run(&args),
        Command::WebhookReceiver(args) => receiver::run(&args),
        Command::User(args) => accounts::user(&args),
        Command::Token(args) => accounts::token(&args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            // Broken pipes (`haidang decode | head`) end the run quietly.
            if is_broken_pipe(&error) {
                return ExitCode::SUCCESS;
            }
            eprintln!("haidang: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// An input path where `-` means standard input.
pub(crate) fn open_input(path: Option<&PathBuf>) -> anyhow::Result<Box<dyn std::io::Read>> {
    use anyhow::Context as _;
    match path {
        None => Ok(Box::new(std::io::stdin().lock())),
        Some(p) if p.as_os_str() == "-" => Ok(Box::new(std::io::stdin().lock())),
        Some(p) => {
            let file =
                std::fs::File::open(p).with_context(|| format!("cannot open {}", p.display()))?;
            Ok(Box::new(file))
        }
    }
}
