//! Bytes in, typed sentences out: NMEA 0183 framing, checksums, NMEA 4.10 tag blocks,
//! multi-sentence reassembly, AIS messages of types 1 to 27, and GNSS fixes for VMS.
//!
//! The crate is pure and synchronous: no I/O, no async, no clock (time is passed in). It
//! never panics on input: every line ends in a message or in a [`Rejected`] event with a
//! [`Reason`] code, and every buffer it keeps is bounded.
//!
//! The usual pipeline is [`LineFramer`] (bytes to lines) then [`Decoder::feed_line`]
//! (lines to [`Event`]s). [`encode`] builds sentences, for simulators and tests.

mod ais;
mod assembler;
mod bits;
mod decoder;
pub mod encode;
mod error;
mod framer;
mod gnss;
mod sentence;
mod tagblock;
mod time;

pub use ais::{
    Acknowledge, AidToNavigation, AisMessage, AssignmentMode, BaseStationReport, BinaryAddressed,
    BinaryBroadcast, Body, ChannelManagement, ChannelTarget, ClassBExtended, ClassBPosition,
    DataLinkManagement, DgnssBroadcast, FieldVisitor, GroupAssignment, Interrogation,
    LongRangeReport, PartBDimensions, PositionReport, SafetyAddressed, SafetyBroadcast,
    SarAircraftReport, SlotBinary, StaticDataPartB, StaticDataReport, StaticVoyageData, UtcInquiry,
};
pub use bits::BinaryData;
pub use decoder::{
    AisReport, DecodeStats, Decoder, DecoderConfig, Event, GnssReport, Rejected, SosReport,
};
pub use error::{Error, Reason, RejectCounts};
pub use framer::{Frame, LineFramer};
pub use gnss::{GnssFix, GnssKind};
pub use tagblock::{Group, TagBlock};
pub use time::UtcMillis;

/// The default longest line: NMEA 0183 allows 82 characters, and an NMEA 4.10 tag block
/// and a receiver's trailer can add a few hundred more.
pub const DEFAULT_MAX_LINE_BYTES: usize = 1024;

/// The raw sentences behind a message or a rejection, in order. Each is a line as read,
/// without its terminator.
#[derive(Clone, Copy, Debug)]
pub struct Sentences<'a> {
    buf: &'a [u8],
    ends: Option<&'a [u32]>,
}

impl<'a> Sentences<'a> {
    pub(crate) fn one(line: &'a [u8]) -> Self {
        Self {
            buf: line,
            ends: None,
        }
    }

    pub(crate) fn many(buf: &'a [u8], ends: &'a [u32]) -> Self {
        Self {
            buf,
            ends: Some(ends),
        }
    }

    /// How many sentences.
    pub fn len(&self) -> usize {
        self.ends.map_or(1, <[u32]>::len)
    }

    /// True if there are none (never, for events the decoder emits).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The sentences, in order.
    pub fn iter(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        let buf = self.buf;
        let (single, ends) = match self.ends {
            None => (Some(buf), &[][..]),
            Some(ends) => (None, ends),
        };
        let starts = std::iter::once(0).chain(ends.iter().map(|&e| e as usize));
        let many = starts
            .zip(ends.iter().map(|&e| e as usize))
            .map(move |(s, e)| &buf[s..e]);
        single.into_iter().chain(many)
    }
}
