//! `haidang-bridge`: the on-board end of the bridge-to-shore hop. It reads NMEA from a
//! serial port (or a TCP or UDP receiver), checks each line, stamps it with an NMEA 4.10
//! tag block (`s:` device, `c:` receive time in UNIX milliseconds, `n:` a sequence number
//! that only grows), keeps it in an on-disk queue, and delivers it to the shore in HTTP
//! batches that the shore acknowledges only after a durable commit. A distress signal goes
//! ahead of the queue.
//!
//! Modules: [`line`](mod@line) (checks and stamps, pure), [`queue`] (the on-disk queue), [`config`],
//! [`input`] (serial, TCP, UDP), [`uplink`] (HTTP batches, plain TCP/UDP forwarding),
//! [`control`] (the local `sos` and `status` commands), [`bridge`] (wiring).

pub mod bridge;
pub mod config;
pub mod control;
pub mod input;
pub mod line;
pub mod queue;
pub mod uplink;
