//! `haidang migrate --database-url URL`: applies the store's migrations and exits, for
//! operators who prepare a database before the first `serve` (and for benchmarks).

use std::process::ExitCode;

use anyhow::Context as _;

/// Options of `haidang migrate`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Store URL: `sqlite:PATH` or `postgres://…`.
    #[arg(long, value_name = "URL", env = "HAIDANG_DATABASE_URL")]
    database_url: String,
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the runtime")?;
    runtime.block_on(async {
        haidang_store::Store::open(&args.database_url)
            .await
            .context("cannot migrate the store")?;
        anyhow::Ok(())
    })?;
    eprintln!("haidang migrate: the store is up to date");
    Ok(ExitCode::SUCCESS)
}
