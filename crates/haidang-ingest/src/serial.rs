//! The serial source: an NMEA 0183 or AIS receiver on a serial port (a USB adapter, a
//! `/dev/ttyS*` port, or a pseudo-terminal), read into the pipeline and reopened after an
//! unplug.
//!
//! A reading session ends on end of file, on a read error, or when the port has been
//! silent for [`SerialConfig::no_data_timeout_ms`] (the watchdog: an unplug is not always
//! reported, and a port that returns `Ok(0)` forever must not spin). The stream is then
//! ended in the pipeline, the port closed, and opened again after a delay that starts at
//! 500 ms and doubles up to [`SerialConfig::reopen_backoff_max_ms`]; every wait is a timer,
//! so an absent device costs no CPU.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::sync::watch;
use tokio_serial::{SerialPortBuilderExt, SerialStream};

use crate::pipeline::{IngestHandle, SourceName};

/// The first reopen delay; it doubles after each session that brought no data.
const FIRST_BACKOFF_MS: u64 = 500;

/// Floor for the configured delays, so that a zero in a config file cannot make a loop.
const MIN_DELAY_MS: u64 = 100;

/// Bytes read at a time (a 38400-baud port delivers under 4 KiB a second).
const CHUNK: usize = 4096;

/// Parity of a serial character frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parity {
    /// No parity bit (`N`).
    None,
    /// Even parity (`E`).
    Even,
    /// Odd parity (`O`).
    Odd,
}

/// The character frame of a serial port: data bits, parity and stop bits, written the usual
/// way (`8N1`, `7E1`, `8N2`, …) and parsed from that form with [`str::parse`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Framing {
    data_bits: u8,
    parity: Parity,
    stop_bits: u8,
}

impl Framing {
    /// 8 data bits, no parity, 1 stop bit: NMEA 0183 (IEC 61162-1, 4800 baud) and AIS
    /// receivers (IEC 61162-2, 38400 baud) both use it.
    pub const EIGHT_N_ONE: Framing = Framing {
        data_bits: 8,
        parity: Parity::None,
        stop_bits: 1,
    };

    /// A frame of 5 to 8 data bits and 1 or 2 stop bits; `None` otherwise.
    pub fn new(data_bits: u8, parity: Parity, stop_bits: u8) -> Option<Framing> {
        ((5..=8).contains(&data_bits) && (1..=2).contains(&stop_bits)).then_some(Framing {
            data_bits,
            parity,
            stop_bits,
        })
    }

    /// Data bits per character (5 to 8).
    pub fn data_bits(&self) -> u8 {
        self.data_bits
    }

    /// The parity.
    pub fn parity(&self) -> Parity {
        self.parity
    }

    /// Stop bits (1 or 2).
    pub fn stop_bits(&self) -> u8 {
        self.stop_bits
    }
}

impl fmt::Display for Framing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parity = match self.parity {
            Parity::None => 'N',
            Parity::Even => 'E',
            Parity::Odd => 'O',
        };
        write!(f, "{}{parity}{}", self.data_bits, self.stop_bits)
    }
}

/// A framing that is not of the form `8N1` (5–8 data bits, `N`/`E`/`O`, 1–2 stop bits).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid serial framing {0:?}: expected data bits 5-8, parity N/E/O, stop bits 1-2, as in \"8N1\""
)]
pub struct FramingError(String);

impl FromStr for Framing {
    type Err = FramingError;

    fn from_str(s: &str) -> Result<Framing, FramingError> {
        let invalid = || FramingError(s.to_owned());
        let &[data, parity, stop] = s.as_bytes() else {
            return Err(invalid());
        };
        let parity = match parity.to_ascii_uppercase() {
            b'N' => Parity::None,
            b'E' => Parity::Even,
            b'O' => Parity::Odd,
            _ => return Err(invalid()),
        };
        let digit = |b: u8| b.is_ascii_digit().then(|| b - b'0');
        let (Some(data), Some(stop)) = (digit(data), digit(stop)) else {
            return Err(invalid());
        };
        Framing::new(data, parity, stop).ok_or_else(invalid)
    }
}

/// One serial port to read. There is deliberately no `Default`: the path and the baud rate
/// must come from the operator; [`SerialConfig::nmea`] fills in the rest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SerialConfig {
    /// The device, for example `/dev/ttyUSB0`. Prefer a stable name such as
    /// `/dev/serial/by-id/usb-…`: an adapter plugged back in may come back as another
    /// `ttyUSBn`, while its by-id link keeps its name. The path is resolved again at each
    /// open, so a link that is recreated (udev, socat) is followed.
    pub path: PathBuf,
    /// Line speed: 4800 for NMEA 0183 instruments (GPS, VMS terminals), 38400 for AIS
    /// receivers.
    pub baud_rate: u32,
    /// Character frame, `8N1` for NMEA and AIS.
    pub framing: Framing,
    /// Upper bound of the reopen delay, in milliseconds (the delay starts at 500 ms and
    /// doubles while the device stays absent or silent). Values under 100 count as 100.
    pub reopen_backoff_max_ms: u64,
    /// The watchdog: a port that delivers no byte for this long is closed and reopened,
    /// because an unplugged adapter does not always report an error. Set it above the
    /// longest quiet interval of the device (a GPS talks every second; a receiver in a
    /// quiet area may not). Values under 100 count as 100.
    pub no_data_timeout_ms: u64,
}

impl SerialConfig {
    /// An NMEA or AIS port at `baud_rate` (4800 for NMEA 0183, 38400 for AIS), framed 8N1,
    /// with reopen delays from 500 ms up to 10 s and a 5 s no-data watchdog.
    pub fn nmea(path: impl Into<PathBuf>, baud_rate: u32) -> SerialConfig {
        SerialConfig {
            path: path.into(),
            baud_rate,
            framing: Framing::EIGHT_N_ONE,
            reopen_backoff_max_ms: 10_000,
            no_data_timeout_ms: 5_000,
        }
    }

    /// The pipeline's source name for this port: `serial:PATH`.
    pub fn source_name(&self) -> String {
        format!("serial:{}", self.path.display())
    }

    fn open(&self) -> tokio_serial::Result<SerialStream> {
        let data_bits = match self.framing.data_bits {
            5 => tokio_serial::DataBits::Five,
            6 => tokio_serial::DataBits::Six,
            7 => tokio_serial::DataBits::Seven,
            _ => tokio_serial::DataBits::Eight,
        };
        let parity = match self.framing.parity {
            Parity::None => tokio_serial::Parity::None,
            Parity::Even => tokio_serial::Parity::Even,
            Parity::Odd => tokio_serial::Parity::Odd,
        };
        let stop_bits = match self.framing.stop_bits {
            2 => tokio_serial::StopBits::Two,
            _ => tokio_serial::StopBits::One,
        };
        // Opened exclusive (TIOCEXCL and flock), the serialport default: a second reader
        // (another instance, gpsd) would split the byte stream between them.
        tokio_serial::new(self.path.to_string_lossy(), self.baud_rate)
            .data_bits(data_bits)
            .parity(parity)
            .stop_bits(stop_bits)
            .flow_control(tokio_serial::FlowControl::None)
            .open_native_async()
    }
}

/// Why a reading session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ended {
    /// The port reported end of file (a hung-up tty: the device went away).
    Eof,
    /// A read failed (EIO after an unplug, for example).
    Error,
    /// Nothing arrived for `no_data_timeout_ms`.
    Silent,
    /// Shutdown was asked for, or the pipeline has stopped.
    Stop,
}

impl Ended {
    fn as_str(self) -> &'static str {
        match self {
            Ended::Eof => "eof",
            Ended::Error => "error",
            Ended::Silent => "silent",
            Ended::Stop => "stop",
        }
    }
}

/// Reads the serial port of `config` into the pipeline until `shutdown` turns true (or its
/// sender is dropped), as the source `serial:PATH`.
///
/// The port is opened at once; when it cannot be opened, or a session ends (end of file,
/// read error, or no data for `no_data_timeout_ms`), the stream is ended in the pipeline
/// (an unterminated last line is taken as it is), the port is closed, and it is opened
/// again after 500 ms, doubling while nothing is read up to `reopen_backoff_max_ms`. The
/// delay returns to 500 ms after a session that delivered data. All waits are timers: an
/// absent device costs no CPU. Opens and closes are logged at `info`, lines are not.
///
/// Must run inside a tokio runtime with I/O and timers enabled.
pub async fn serial_port(
    config: SerialConfig,
    ingest: IngestHandle,
    mut shutdown: watch::Receiver<bool>,
) {
    let source: SourceName = Arc::from(config.source_name());
    let max_backoff = Duration::from_millis(config.reopen_backoff_max_ms.max(MIN_DELAY_MS));
    let first_backoff = Duration::from_millis(FIRST_BACKOFF_MS).min(max_backoff);
    let silence = Duration::from_millis(config.no_data_timeout_ms.max(MIN_DELAY_MS));
    let path = config.path.display().to_string();
    let mut backoff = first_backoff;
    // Failed opens in a row, to log the first one of an outage and the recovery only.
    let mut failed_opens: u64 = 0;
    let mut buf = vec![0_u8; CHUNK];

    while !*shutdown.borrow() {
        match config.open() {
            Ok(port) => {
                tracing::info!(
                    %path,
                    baud = config.baud_rate,
                    framing = %config.framing,
                    after_failed_opens = failed_opens,
                    "serial port open"
                );
                failed_opens = 0;
                let (ended, bytes) =
                    read_session(port, &source, &ingest, &mut shutdown, silence, &mut buf).await;
                // The port is closed here (dropped by read_session).
                if ingest.end_of_stream(&source).await.is_err() {
                    return;
                }
                tracing::info!(%path, reason = ended.as_str(), bytes, "serial port closed");
                if ended == Ended::Stop {
                    return;
                }
                metrics::counter!(
                    "haidang_ingest_serial_reopens_total",
                    "source" => source.to_string(),
                    "reason" => ended.as_str()
                )
                .increment(1);
                if bytes > 0 {
                    backoff = first_backoff;
                }
            }
            Err(error) => {
                if failed_opens == 0 {
                    tracing::warn!(%path, %error, "cannot open serial port; retrying with backoff");
                } else {
                    tracing::debug!(%path, %error, failed_opens, "cannot open serial port");
                }
                failed_opens += 1;
            }
        }
        tokio::select! {
            () = tokio::time::sleep(backoff) => {}
            () = stopping(&mut shutdown) => return,
        }
        backoff = (backoff * 2).min(max_backoff);
    }
}

/// Reads one open port until it ends; returns why and how many bytes it delivered.
async fn read_session(
    mut port: SerialStream,
    source: &SourceName,
    ingest: &IngestHandle,
    shutdown: &mut watch::Receiver<bool>,
    silence: Duration,
    buf: &mut [u8],
) -> (Ended, u64) {
    let mut bytes = 0_u64;
    loop {
        tokio::select! {
            read = tokio::time::timeout(silence, port.read(buf)) => match read {
                Ok(Ok(0)) => return (Ended::Eof, bytes),
                Ok(Ok(n)) => {
                    bytes += n as u64;
                    if ingest.send_bytes(source, buf[..n].to_vec()).await.is_err() {
                        return (Ended::Stop, bytes);
                    }
                }
                Ok(Err(error)) => {
                    tracing::info!(%source, %error, "serial read failed");
                    return (Ended::Error, bytes);
                }
                Err(_elapsed) => return (Ended::Silent, bytes),
            },
            () = stopping(shutdown) => return (Ended::Stop, bytes),
        }
    }
}

/// Resolves once shutdown is asked for (or its sender is gone); holds no borrow of the
/// value afterwards, so the future stays `Send`.
async fn stopping(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing_parses_and_prints_the_usual_notation() {
        assert_eq!("8N1".parse(), Ok(Framing::EIGHT_N_ONE));
        let seven_even_two: Framing = "7e2".parse().expect("7E2");
        assert_eq!(
            (
                seven_even_two.data_bits(),
                seven_even_two.parity(),
                seven_even_two.stop_bits()
            ),
            (7, Parity::Even, 2)
        );
        assert_eq!(seven_even_two.to_string(), "7E2");
        for bad in ["", "8N", "9N1", "4N1", "8X1", "8N3", "8N0", "8N11", "N81"] {
            assert!(bad.parse::<Framing>().is_err(), "{bad:?} is refused");
        }
    }

    #[test]
    fn the_nmea_constructor_is_8n1_with_bounded_delays() {
        let config = SerialConfig::nmea("/dev/ttyUSB0", 38_400);
        assert_eq!(config.framing, Framing::EIGHT_N_ONE);
        assert_eq!(config.baud_rate, 38_400);
        assert_eq!(config.reopen_backoff_max_ms, 10_000);
        assert_eq!(config.no_data_timeout_ms, 5_000);
        assert_eq!(config.source_name(), "serial:/dev/ttyUSB0");
    }
}
