//! The control socket: a Unix socket on which the running bridge takes one command per
//! connection, a line of at most 1 KiB, and answers one line of JSON.
//!
//! - `sos TEXT`: queue a distress sentence and send it ahead of the queue. The answer
//!   (`{"ok":true,"seq":N,"line":"…"}`) comes once the distress is synced to disk.
//! - `status`: the counters and the queue's positions.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{Semaphore, watch};

use crate::bridge::{Shared, stopping};

/// Longest command.
const MAX_COMMAND: u64 = 1024;

/// Connections served at once.
const MAX_CLIENTS: usize = 8;

/// The control socket could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// Binding or connecting failed.
    #[error("control socket {path}: {source}")]
    Io {
        /// The socket.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// The bridge answered something that is not JSON.
    #[error("control socket {0}: unexpected answer")]
    BadAnswer(PathBuf),
}

/// Binds the control socket, replacing a stale one (a socket no process listens on).
pub async fn bind(path: &Path) -> Result<UnixListener, ControlError> {
    let err = |source| ControlError::Io {
        path: path.to_owned(),
        source,
    };
    if path.exists() {
        if UnixStream::connect(path).await.is_ok() {
            return Err(err(io::Error::new(
                io::ErrorKind::AddrInUse,
                "another bridge is listening",
            )));
        }
        std::fs::remove_file(path).map_err(err)?;
    }
    UnixListener::bind(path).map_err(err)
}

/// Serves commands until `stop`.
pub async fn serve(shared: Arc<Shared>, listener: UnixListener, mut stop: watch::Receiver<bool>) {
    let permits = Arc::new(Semaphore::new(MAX_CLIENTS));
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            () = stopping(&mut stop) => return,
        };
        let Ok((stream, _)) = accepted else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
            continue;
        };
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let _ = tokio::time::timeout(Duration::from_secs(10), handle(&shared, stream)).await;
            drop(permit);
        });
    }
}

async fn handle(shared: &Arc<Shared>, stream: UnixStream) -> io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut line = String::new();
    BufReader::new(read.take(MAX_COMMAND))
        .read_line(&mut line)
        .await?;
    let line = line.trim_end_matches(['\r', '\n']);
    let (command, arg) = line.split_once(' ').unwrap_or((line, ""));
    let answer = match command {
        "status" => {
            let mut s = shared.status();
            if let Some(map) = s.as_object_mut() {
                map.insert("ok".into(), json!(true));
            }
            s
        }
        "sos" => match shared.raise_sos(arg) {
            Ok((seq, stamped)) => json!({"ok": true, "seq": seq, "line": stamped}),
            Err(error) => json!({"ok": false, "error": error.to_string()}),
        },
        _ => {
            json!({"ok": false, "error": format!("unknown command {command:?}; try status or sos TEXT")})
        }
    };
    let mut out = answer.to_string();
    out.push('\n');
    write.write_all(out.as_bytes()).await?;
    write.shutdown().await
}

/// Sends one command to the bridge listening on `path` and returns its answer.
pub async fn request(path: &Path, command: &str) -> Result<Value, ControlError> {
    let err = |source| ControlError::Io {
        path: path.to_owned(),
        source,
    };
    let mut stream = UnixStream::connect(path).await.map_err(err)?;
    let mut text = command.replace(['\r', '\n'], " ");
    text.push('\n');
    stream.write_all(text.as_bytes()).await.map_err(err)?;
    let mut answer = String::new();
    stream
        .take(64 * 1024)
        .read_to_string(&mut answer)
        .await
        .map_err(err)?;
    serde_json::from_str(answer.trim()).map_err(|_| ControlError::BadAnswer(path.to_owned()))
}
