//! `haidang webhook-receiver`: a small receiver of Haidang's signed webhooks, for a
//! newcomer watching `serve --demo` raise alerts, for an operator checking a routing
//! file, and for the end-to-end tests. It verifies each delivery's Standard Webhooks
//! signature, keeps each `webhook-id` once (a retried delivery is acknowledged and
//! counted as a duplicate), and prints one line per alert.

use std::collections::{HashSet, VecDeque};
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use haidang_notify::{DEFAULT_TOLERANCE_SECS, Secret, verify};

/// The signing secret of every recipient in `serve --demo`: public, for the demo only.
pub(crate) const DEMO_SECRET: &str = "haidang-demo-webhook-secret";

/// The receiver's address in `serve --demo`'s routing.
pub(crate) const DEMO_RECEIVER: &str = "127.0.0.1:9900";

/// Webhook ids remembered for deduplication.
const REMEMBERED_IDS: usize = 100_000;

/// Options of `haidang webhook-receiver`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Address to listen on; deliveries are POSTed to `/hooks/RECIPIENT`.
    #[arg(long, default_value = DEMO_RECEIVER)]
    listen: SocketAddr,
    /// The signing secret (raw text, or `whsec_` and base64); by default the demo's.
    #[arg(long, env = "HAIDANG_WEBHOOK_SECRET", default_value = DEMO_SECRET, hide_env_values = true)]
    secret: String,
    /// Also append each verified delivery to FILE as a JSON line (`received_unix_ms`,
    /// `recipient`, `webhook_id`, `duplicate`, `body`).
    #[arg(long, value_name = "FILE")]
    log: Option<PathBuf>,
    /// Answer 500 to the first N deliveries, to watch Haidang retry them.
    #[arg(long, default_value_t = 0)]
    fail_first: u32,
}

struct Receiver {
    secret: Secret,
    log: Option<Mutex<std::fs::File>>,
    state: Mutex<Seen>,
}

#[derive(Default)]
struct Seen {
    ids: HashSet<String>,
    order: VecDeque<String>,
    failures_left: u32,
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let secret = Secret::parse(&args.secret).context("invalid --secret")?;
    let log = match &args.log {
        Some(path) => Some(Mutex::new(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| format!("cannot open {}", path.display()))?,
        )),
        None => None,
    };
    let receiver = Arc::new(Receiver {
        secret,
        log,
        state: Mutex::new(Seen {
            failures_left: args.fail_first,
            ..Seen::default()
        }),
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        eprintln!(
            "webhook receiver on http://{}/hooks/RECIPIENT",
            listener.local_addr()?
        );
        let app = axum::Router::new()
            .route("/hooks/{recipient}", axum::routing::post(delivery))
            .with_state(receiver);
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .context("the receiver failed")
    })?;
    Ok(ExitCode::SUCCESS)
}

async fn delivery(
    State(receiver): State<Arc<Receiver>>,
    Path(recipient): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(id), Some(timestamp), Some(signature)) = (
        header("webhook-id"),
        header("webhook-timestamp"),
        header("webhook-signature"),
    ) else {
        println!("REJECTED {recipient}: missing webhook headers");
        return StatusCode::BAD_REQUEST;
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    if let Err(e) = verify(
        &receiver.secret,
        id,
        timestamp,
        signature,
        &body,
        now,
        DEFAULT_TOLERANCE_SECS,
    ) {
        println!("REJECTED {recipient} {id}: {e}");
        return StatusCode::UNAUTHORIZED;
    }
    let duplicate = {
        let mut seen = receiver
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if seen.failures_left > 0 {
            seen.failures_left -= 1;
            println!("FAILING {recipient} {id} on purpose (--fail-first)");
            return StatusCode::INTERNAL_SERVER_ERROR;
        }
        let duplicate = !seen.ids.insert(id.to_owned());
        if !duplicate {
            seen.order.push_back(id.to_owned());
            if seen.order.len() > REMEMBERED_IDS
                && let Some(old) = seen.order.pop_front()
            {
                seen.ids.remove(&old);
            }
        }
        duplicate
    };
    let alert: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let field = |path: &str| alert.pointer(path).and_then(|v| v.as_str()).unwrap_or("-");
    println!(
        "{}{recipient}: {} {} {} (alert {}, fix {})",
        if duplicate { "DUPLICATE " } else { "" },
        field("/kind"),
        field("/vessel/key"),
        field("/zone/country"),
        field("/id"),
        field("/fix_time"),
    );
    if let Some(log) = &receiver.log {
        let line = serde_json::json!({
            "received_unix_ms": time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000,
            "recipient": recipient,
            "webhook_id": id,
            "duplicate": duplicate,
            "body": alert,
        });
        let mut file = log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let _ = writeln!(file, "{line}");
    }
    StatusCode::NO_CONTENT
}
