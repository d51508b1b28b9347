//! The bridge's configuration: one TOML file (`haidang-bridge --config FILE`), unknown keys
//! refused, then checked as a whole by [`Config::validate`]. There is no `Default`: the
//! device id, the data directory, an input and an uplink must come from the operator.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::line::valid_device;
use crate::queue::QueueConfig;

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not valid TOML for this configuration.
    #[error("invalid config {path}: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The cause (names the key).
        source: toml::de::Error,
    },
    /// A value is out of range, or a required one is missing.
    #[error("invalid config: {0}")]
    Invalid(String),
}

fn invalid(msg: impl Into<String>) -> ConfigError {
    ConfigError::Invalid(msg.into())
}

/// The whole configuration.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// This device's id: the `s:` of every line and the shore's `device`.
    pub device: String,
    /// Where the queue lives.
    pub data_dir: PathBuf,
    /// The control socket for `haidang-bridge sos` and `status`; default
    /// `DATA_DIR/control.sock`.
    #[serde(default)]
    pub control_socket: Option<PathBuf>,
    /// Longest line accepted, in bytes (longer ones are rejected as `overlong`).
    #[serde(default = "default_max_line_bytes")]
    pub max_line_bytes: usize,
    /// A serial port to read.
    #[serde(default)]
    pub serial: Option<SerialConfig>,
    /// TCP and UDP receivers to read.
    #[serde(default)]
    pub receiver: ReceiverConfig,
    /// The shore's HTTP ingest (acknowledged).
    #[serde(default)]
    pub shore: Option<ShoreConfig>,
    /// Plain forwarding without acknowledgement, instead of `[shore]`.
    #[serde(default)]
    pub forward: Option<ForwardConfig>,
    /// The on-disk queue.
    #[serde(default)]
    pub queue: QueueSection,
    /// Distress from the serial input.
    #[serde(default)]
    pub sos: SosConfig,
}

fn default_max_line_bytes() -> usize {
    1024
}

/// `[serial]`: one serial port.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SerialConfig {
    /// The device; prefer `/dev/serial/by-id/…`, which keeps its name across an unplug.
    pub path: PathBuf,
    /// Line speed: 4800 for NMEA 0183 instruments and VMS terminals, 38400 for AIS.
    #[serde(default = "default_baud")]
    pub baud: u32,
    /// Data bits, parity (`N`, `E`, `O`), stop bits, as `8N1`.
    #[serde(default = "default_framing")]
    pub framing: String,
    /// Longest wait between attempts to reopen the port (from 500 ms, doubling).
    #[serde(default = "default_reopen_ms")]
    pub reopen_backoff_max_ms: u64,
    /// The watchdog: a port silent this long is logged, counted, closed and reopened.
    #[serde(default = "default_no_data_ms")]
    pub no_data_timeout_ms: u64,
}

fn default_baud() -> u32 {
    4800
}
fn default_framing() -> String {
    "8N1".to_owned()
}
fn default_reopen_ms() -> u64 {
    10_000
}
fn default_no_data_ms() -> u64 {
    30_000
}

/// A serial frame: data bits 5–8, parity, stop bits 1–2.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Framing {
    /// Data bits, 5 to 8.
    pub data_bits: u8,
    /// `N`, `E` or `O`.
    pub parity: char,
    /// Stop bits, 1 or 2.
    pub stop_bits: u8,
}

impl SerialConfig {
    /// The parsed `framing`.
    pub fn parsed_framing(&self) -> Result<Framing, ConfigError> {
        parse_framing(&self.framing)
    }
}

/// Parses `8N1`-style framing.
pub fn parse_framing(s: &str) -> Result<Framing, ConfigError> {
    let bad = || {
        invalid(format!(
            "serial framing {s:?}: expected data bits 5-8, parity N/E/O, stop bits 1-2, as in \"8N1\""
        ))
    };
    let &[d, p, st] = s.as_bytes() else {
        return Err(bad());
    };
    let parity = char::from(p.to_ascii_uppercase());
    let (data_bits, stop_bits) = (d.wrapping_sub(b'0'), st.wrapping_sub(b'0'));
    if !(5..=8).contains(&data_bits) || !(1..=2).contains(&stop_bits) || !"NEO".contains(parity) {
        return Err(bad());
    }
    Ok(Framing {
        data_bits,
        parity,
        stop_bits,
    })
}

/// `[receiver]`: NMEA from the network.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiverConfig {
    /// Receivers to connect to over TCP (reconnected with backoff).
    #[serde(default)]
    pub tcp_connect: Vec<String>,
    /// Addresses to accept TCP feeds on.
    #[serde(default)]
    pub tcp_listen: Vec<SocketAddr>,
    /// Addresses to receive NMEA datagrams on.
    #[serde(default)]
    pub udp_listen: Vec<SocketAddr>,
}

/// `[shore]`: the HTTP ingest endpoint.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShoreConfig {
    /// Base URL of the shore, e.g. `https://shore.example.vn` (the bridge posts to
    /// `{url}/api/v1/ingest/nmea`).
    pub url: String,
    /// Device token, sent as `Authorization: Bearer TOKEN`. Prefer `token_file` or the
    /// `HAIDANG_BRIDGE_TOKEN` environment variable.
    #[serde(default)]
    pub token: Option<String>,
    /// A file holding the device token.
    #[serde(default)]
    pub token_file: Option<PathBuf>,
    /// Lines per batch (the shore takes at most 10,000).
    #[serde(default = "default_batch_lines")]
    pub batch_max_lines: usize,
    /// Bytes of JSON per batch (the shore takes at most 4 MiB).
    #[serde(default = "default_batch_bytes")]
    pub batch_max_bytes: usize,
    /// Time allowed for one request, answer included.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// First retry delay; it doubles (with jitter) up to `backoff_max_ms`.
    #[serde(default = "default_backoff_initial_ms")]
    pub backoff_initial_ms: u64,
    /// Longest retry delay (a longer `Retry-After` is honoured up to 10 minutes).
    #[serde(default = "default_backoff_max_ms")]
    pub backoff_max_ms: u64,
}

fn default_batch_lines() -> usize {
    1000
}
fn default_batch_bytes() -> usize {
    MAX_BATCH_BYTES
}
fn default_timeout_ms() -> u64 {
    30_000
}
fn default_backoff_initial_ms() -> u64 {
    500
}
fn default_backoff_max_ms() -> u64 {
    60_000
}

/// The shore's limit on lines per batch.
pub const MAX_BATCH_LINES: usize = 10_000;

/// The batch body size the bridge stays under (the shore's limit is 4 MiB; 64 KiB is left
/// for the JSON around the lines).
pub const MAX_BATCH_BYTES: usize = 4 * 1024 * 1024 - 64 * 1024;

/// `[forward]`: plain forwarding, one line per `\r\n`, without acknowledgement.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForwardConfig {
    /// Send over TCP to this address (reconnected with backoff).
    #[serde(default)]
    pub tcp: Option<String>,
    /// Send each line as one UDP datagram to this address.
    #[serde(default)]
    pub udp: Option<String>,
}

/// `[queue]`: the on-disk queue's bound and sync policy.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueSection {
    /// All segments together, bytes; past it the oldest segment is dropped (with an
    /// overflow record).
    #[serde(default = "default_queue_bytes")]
    pub max_bytes: u64,
    /// Size of one segment file.
    #[serde(default = "default_segment_bytes")]
    pub segment_bytes: u64,
    /// fsync after this many records...
    #[serde(default = "default_fsync_records")]
    pub fsync_every_records: u32,
    /// ...or this many milliseconds after the first unsynced one.
    #[serde(default = "default_fsync_ms")]
    pub fsync_interval_ms: u64,
}

impl Default for QueueSection {
    fn default() -> Self {
        QueueSection {
            max_bytes: default_queue_bytes(),
            segment_bytes: default_segment_bytes(),
            fsync_every_records: default_fsync_records(),
            fsync_interval_ms: default_fsync_ms(),
        }
    }
}

fn default_queue_bytes() -> u64 {
    256 * 1024 * 1024
}
fn default_segment_bytes() -> u64 {
    8 * 1024 * 1024
}
fn default_fsync_records() -> u32 {
    100
}
fn default_fsync_ms() -> u64 {
    200
}

/// `[sos]`: a distress raised by the serial input.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SosConfig {
    /// An accepted input line whose sentence starts with this (e.g. `$PSOS`) raises a
    /// distress; the line itself is queued as usual too.
    #[serde(default)]
    pub serial_prefix: Option<String>,
    /// The distress text for it (default: the triggering sentence's fields).
    #[serde(default)]
    pub text: Option<String>,
}

/// The uplink chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UplinkKind {
    /// HTTP batches, acknowledged.
    Http,
    /// Plain TCP, no acknowledgement.
    Tcp(String),
    /// Plain UDP, no acknowledgement.
    Udp(String),
}

impl Config {
    /// Reads and parses `path` (not yet validated).
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.to_owned(),
            source,
        })
    }

    /// Checks the whole configuration.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !valid_device(&self.device) {
            return Err(invalid(format!(
                "device {:?} must be 1 to 64 printable ASCII characters without spaces, ',', '*', '\\\\', '!' or '$'",
                self.device
            )));
        }
        if !(82..=16 * 1024).contains(&self.max_line_bytes) {
            return Err(invalid("max_line_bytes must be 82 to 16384"));
        }
        if let Some(serial) = &self.serial {
            serial.parsed_framing()?;
            if serial.baud == 0 {
                return Err(invalid("serial baud must be positive"));
            }
        }
        let r = &self.receiver;
        if self.serial.is_none()
            && r.tcp_connect.is_empty()
            && r.tcp_listen.is_empty()
            && r.udp_listen.is_empty()
        {
            return Err(invalid(
                "no input: set [serial] path, or [receiver] tcp_connect, tcp_listen or udp_listen",
            ));
        }
        self.uplink()?;
        if let Some(shore) = &self.shore {
            if !(shore.url.starts_with("http://") || shore.url.starts_with("https://")) {
                return Err(invalid(format!(
                    "shore url {:?} must start with http:// or https://",
                    shore.url
                )));
            }
            if !(1..=MAX_BATCH_LINES).contains(&shore.batch_max_lines) {
                return Err(invalid("shore batch_max_lines must be 1 to 10000"));
            }
            if !(64 * 1024..=MAX_BATCH_BYTES).contains(&shore.batch_max_bytes) {
                return Err(invalid(format!(
                    "shore batch_max_bytes must be 65536 to {MAX_BATCH_BYTES}"
                )));
            }
        }
        let q = &self.queue;
        if q.max_bytes < 1024 * 1024 {
            return Err(invalid("queue max_bytes must be at least 1 MiB"));
        }
        if q.fsync_every_records == 0 || q.fsync_interval_ms == 0 {
            return Err(invalid(
                "queue fsync_every_records and fsync_interval_ms must be positive",
            ));
        }
        Ok(())
    }

    /// The uplink: `[shore]` or `[forward]` (one of `tcp`, `udp`), exactly one.
    pub fn uplink(&self) -> Result<UplinkKind, ConfigError> {
        match (&self.shore, &self.forward) {
            (Some(_), None) => Ok(UplinkKind::Http),
            (None, Some(f)) => match (&f.tcp, &f.udp) {
                (Some(tcp), None) => Ok(UplinkKind::Tcp(tcp.clone())),
                (None, Some(udp)) => Ok(UplinkKind::Udp(udp.clone())),
                _ => Err(invalid("[forward] needs exactly one of tcp or udp")),
            },
            (None, None) => Err(invalid("no uplink: set [shore] url or [forward]")),
            (Some(_), Some(_)) => Err(invalid("set [shore] or [forward], not both")),
        }
    }

    /// The control socket's path.
    pub fn control_path(&self) -> PathBuf {
        self.control_socket
            .clone()
            .unwrap_or_else(|| self.data_dir.join("control.sock"))
    }

    /// The queue's configuration.
    pub fn queue_config(&self) -> QueueConfig {
        QueueConfig {
            max_bytes: self.queue.max_bytes,
            segment_bytes: self.queue.segment_bytes,
            fsync_every_records: self.queue.fsync_every_records,
            fsync_interval_ms: self.queue.fsync_interval_ms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, String> {
        let config: Config = toml::from_str(text).map_err(|e| e.to_string())?;
        config.validate().map_err(|e| e.to_string())?;
        Ok(config)
    }

    #[test]
    fn configs_are_checked_as_a_whole() {
        let base = "device = \"VN-1\"\ndata_dir = \"/tmp/q\"\n";
        let cases: &[(&str, Option<&str>)] = &[
            (
                "[serial]\npath = \"/dev/ttyUSB0\"\n[shore]\nurl = \"http://127.0.0.1:8080\"\n",
                None,
            ),
            (
                "[receiver]\nudp_listen = [\"127.0.0.1:10110\"]\n[forward]\ntcp = \"127.0.0.1:9\"\n",
                None,
            ),
            (
                "[serial]\npath = \"/dev/x\"\nframing = \"8X1\"\n[shore]\nurl = \"http://a\"\n",
                Some("framing"),
            ),
            ("[shore]\nurl = \"http://a\"\n", Some("no input")),
            ("[serial]\npath = \"/dev/x\"\n", Some("no uplink")),
            (
                "[serial]\npath = \"/dev/x\"\n[shore]\nurl = \"ftp://a\"\n",
                Some("http://"),
            ),
            (
                "[serial]\npath = \"/dev/x\"\n[shore]\nurl = \"http://a\"\nbatch_max_lines = 20000\n",
                Some("batch_max_lines"),
            ),
            (
                "[serial]\npath = \"/dev/x\"\nspeed = 4800\n[shore]\nurl = \"http://a\"\n",
                Some("unknown field `speed`"),
            ),
            (
                "[serial]\npath = \"/dev/x\"\n[shore]\nurl = \"http://a\"\n[forward]\nudp = \"a:1\"\n",
                Some("not both"),
            ),
        ];
        for (rest, expected) in cases {
            let got = parse(&format!("{base}{rest}"));
            match expected {
                None => assert!(got.is_ok(), "{rest}: {got:?}"),
                Some(needle) => {
                    let err = got.err().unwrap_or_default();
                    assert!(err.contains(needle), "{rest}: {err}");
                }
            }
        }
        let bad_device = parse(
            "device = \"a b\"\ndata_dir = \"/q\"\n[serial]\npath = \"/x\"\n[shore]\nurl = \"http://a\"\n",
        );
        assert!(bad_device.is_err_and(|e| e.contains("device")));
    }
}
