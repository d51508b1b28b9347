//! `haidang user add` and `haidang token create`: accounts from the command line, and
//! the demo's account and device token. Passwords are read from standard input (or a
//! prompt), never from the command line; a token is printed once and only its hash is
//! stored.

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use haidang_store::{NewAccount, Role, Store};

/// The demo's administrator account.
const DEMO_USER: &str = "demo";
/// The demo's device token's name.
const DEMO_DEVICE: &str = "demo-bridge";

/// Options of `haidang user add`.
#[derive(Debug, clap::Args)]
pub(crate) struct UserArgs {
    #[command(subcommand)]
    command: UserCommand,
}

#[derive(Debug, clap::Subcommand)]
enum UserCommand {
    /// Create a user; the password is read from standard input (one line) or prompted for.
    Add(AccountArgs),
}

/// Options of `haidang token create`.
#[derive(Debug, clap::Args)]
pub(crate) struct TokenArgs {
    #[command(subcommand)]
    command: TokenCommand,
}

#[derive(Debug, clap::Subcommand)]
enum TokenCommand {
    /// Create an API token and print it (once: only its hash is stored).
    Create(AccountArgs),
}

#[derive(Debug, clap::Args)]
struct AccountArgs {
    /// Store URL: `sqlite:PATH` (default `sqlite:data/haidang.db`) or `postgres://…`.
    #[arg(long, value_name = "URL", env = "HAIDANG_DATABASE_URL")]
    database_url: Option<String>,
    /// The user's or token's name (unique).
    #[arg(long)]
    name: String,
    /// operator, consular, fisheries, admin (and, for tokens, device).
    #[arg(long, value_parser = parse_role)]
    role: Role,
    /// Limit a consular account to one mission (its id, such as mission.idn.jakarta).
    #[arg(long)]
    mission: Option<String>,
    /// Limit a fisheries account to one province.
    #[arg(long)]
    province: Option<String>,
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| {
        format!("{s:?} is not a role: operator, consular, fisheries, admin or device")
    })
}

impl AccountArgs {
    fn account(&self) -> NewAccount {
        NewAccount {
            name: self.name.clone(),
            role: self.role,
            mission: self.mission.clone(),
            province: self.province.clone(),
        }
    }

    fn url(&self) -> &str {
        self.database_url
            .as_deref()
            .unwrap_or(crate::serve::DEFAULT_STORE_URL)
    }
}

async fn open_store(url: &str) -> anyhow::Result<Store> {
    if let Some(path) = url.strip_prefix("sqlite:")
        && let Some(dir) = std::path::Path::new(path.split('?').next().unwrap_or(path)).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    Store::open(url).await.context("cannot open the store")
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the runtime")
}

/// Reads the password: one line from standard input, or a prompt on a terminal (echoed:
/// no terminal library is a dependency; type it where nobody watches, or pipe it in).
fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!(
            "password (at least {} characters): ",
            haidang_api::MIN_PASSWORD_CHARS
        );
        std::io::stderr().flush().ok();
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        bail!("no password on standard input");
    }
    Ok(password)
}

pub(crate) fn user(args: &UserArgs) -> anyhow::Result<ExitCode> {
    let UserCommand::Add(args) = &args.command;
    let password = read_password()?;
    runtime()?.block_on(async {
        let store = open_store(args.url()).await?;
        haidang_api::create_user(&store, &args.account(), &password, false)
            .await
            .context("cannot create the user")?;
        anyhow::Ok(())
    })?;
    eprintln!(
        "haidang user add: {} ({}) created",
        args.name,
        args.role.as_str()
    );
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn token(args: &TokenArgs) -> anyhow::Result<ExitCode> {
    let TokenCommand::Create(args) = &args.command;
    let token = runtime()?.block_on(async {
        let store = open_store(args.url()).await?;
        haidang_api::create_token(&store, &args.account(), false)
            .await
            .context("cannot create the token")
    })?;
    eprintln!(
        "haidang token create: {} ({}); the token is shown once, keep it:",
        args.name,
        args.role.as_str()
    );
    println!("{token}");
    Ok(ExitCode::SUCCESS)
}

/// The demo's administrator (`demo`, a fresh random password at every start) and device
/// token (`demo-bridge`, fresh at every start), created or replaced, and printed.
pub(crate) async fn demo_accounts(store: &Store, http: SocketAddr) -> anyhow::Result<()> {
    let admin = NewAccount {
        name: DEMO_USER.into(),
        role: Role::Admin,
        mission: None,
        province: None,
    };
    let password = haidang_api::random_secret().context("cannot make the demo password")?;
    haidang_api::create_user(store, &admin, &password, true)
        .await
        .context("cannot create the demo account")?;
    let device = haidang_api::create_token(
        store,
        &NewAccount {
            name: DEMO_DEVICE.into(),
            role: Role::Device,
            mission: None,
            province: None,
        },
        true,
    )
    .await
    .context("cannot create the demo device token")?;
    println!(
        "demo: log in at http://{http}/login as {DEMO_USER} with password {password}\n\
         demo: device token for bridges ({DEMO_DEVICE}): {device}"
    );
    std::io::stdout().flush().ok();
    Ok(())
}
