//! `haidang registry import FILE`: imports the fleet register from the fisheries
//! authority's CSV into the store, as `POST /api/v1/registry` does, and prints the same
//! JSON answer. Exit status: 0 when every row was taken, 2 when some rows were refused
//! (the others are stored, or checked with `--dry-run`), 1 when the file was refused whole.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

/// Options of `haidang registry`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Import a register CSV (columns: registration_number, mmsi, name, length_m, gear,
    /// province, owner, vms_provider, vms_device_id, licence_valid_from, licence_valid_to).
    Import {
        /// The CSV file.
        file: PathBuf,
        /// Check the file and report, storing nothing.
        #[arg(long)]
        dry_run: bool,
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

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let Command::Import {
        file,
        dry_run,
        database_url,
    } = &args.command;
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let parsed = haidang_store::parse_registry_csv(&bytes)
        .with_context(|| format!("{} is refused", file.display()))?;
    let entries: Vec<_> = parsed.entries.into_iter().map(|(_, e)| e).collect();
    let report = if *dry_run {
        None
    } else {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start the runtime")?;
        let source = format!("file:{}", file.display());
        Some(runtime.block_on(async {
            if let Some(dir) = database_url
                .strip_prefix("sqlite:")
                .and_then(|p| std::path::Path::new(p).parent())
                .filter(|d| !d.as_os_str().is_empty())
            {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
            }
            let store = haidang_store::Store::open(database_url)
                .await
                .context("cannot open the store")?;
            store
                .import_registry(&source, &entries, parsed.errors.len() as u64)
                .await
                .context("cannot store the register")
        })?)
    };
    let json = haidang_api::import_report_json(entries.len(), report.as_ref(), &parsed.errors);
    println!("{json:#}");
    Ok(if parsed.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}
