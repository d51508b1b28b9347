//! Why a line was rejected: one reason code per failure, named as the conformance corpus
//! names them, so that counters, quarantine rows and test expectations share one vocabulary.

use std::fmt;

/// The reason a line, or the fragments of a message, produced no message.
///
/// Every rejected input carries exactly one reason. [`Reason::as_str`] is the stable code used
/// in counters, quarantine records and `haidang decode --errors`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reason {
    /// The checksum after `*` does not match, is not two hex digits, or is followed by junk.
    BadChecksum,
    /// A complete-looking sentence has no `*hh` checksum.
    MissingChecksum,
    /// The line ends before the sentence's fields do (transport loss).
    TruncatedLine,
    /// The AIS payload is shorter than its message type requires.
    TruncatedPayload,
    /// The AIS payload field is empty.
    EmptyPayload,
    /// A fragment whose earlier fragments never arrived, or a message whose later fragments
    /// never arrived before expiry, eviction or the end of input.
    MissingFragment,
    /// A fragment replaced by a newer first fragment with the same key.
    SupersededFragment,
    /// The fragment count is not a digit from 1 to 9.
    BadFragmentCount,
    /// The fragment number is not from 1 to the fragment count.
    BadFragmentNumber,
    /// The fill-bit field is not a digit from 0 to 5.
    InvalidFillBits,
    /// A payload character outside the AIS six-bit alphabet.
    InvalidPayloadChar,
    /// AIS message type 0 or above 27.
    UnknownMessageType,
    /// Type 24 with part number 2 or 3.
    ReservedPartno,
    /// No sentence start (`!`, `$`, `\`) or too few fields to be a sentence.
    Garbage,
    /// A NUL, control or non-ASCII byte inside a sentence.
    BadChar,
    /// A field that does not parse (sequence id, channel, talker).
    BadField,
    /// A sentence type that is not AIS (VDM, VDO) or a supported GNSS fix (RMC, GGA, GLL, VTG).
    NotAis,
    /// A GNSS sentence that reports no valid fix.
    NoFix,
    /// A line, tag block or reassembled payload longer than the configured limit.
    Overlong,
    /// The tag block's own checksum does not match.
    BadTagblockChecksum,
    /// A tag block with no closing backslash.
    UnterminatedTagblock,
    /// A tag block field that does not parse.
    BadTagblock,
    /// A bridge's overflow record (`$PHDG,OVF,first seq,last seq,first ms,last ms,lines`):
    /// its queue was full and it dropped these lines. Not a fault of the line: the record
    /// of a gap, kept with this reason so that the gap is counted and can be shown.
    BridgeDataLost,
}

impl Reason {
    /// Every reason, in declaration order.
    pub const ALL: [Reason; 23] = [
        Reason::BadChecksum,
        Reason::MissingChecksum,
        Reason::TruncatedLine,
        Reason::TruncatedPayload,
        Reason::EmptyPayload,
        Reason::MissingFragment,
        Reason::SupersededFragment,
        Reason::BadFragmentCount,
        Reason::BadFragmentNumber,
        Reason::InvalidFillBits,
        Reason::InvalidPayloadChar,
        Reason::UnknownMessageType,
        Reason::ReservedPartno,
        Reason::Garbage,
        Reason::BadChar,
        Reason::BadField,
        Reason::NotAis,
        Reason::NoFix,
        Reason::Overlong,
        Reason::BadTagblockChecksum,
        Reason::UnterminatedTagblock,
        Reason::BadTagblock,
        Reason::BridgeDataLost,
    ];

    /// The stable reason code.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::BadChecksum => "bad_checksum",
            Reason::MissingChecksum => "missing_checksum",
            Reason::TruncatedLine => "truncated_line",
            Reason::TruncatedPayload => "truncated_payload",
            Reason::EmptyPayload => "empty_payload",
            Reason::MissingFragment => "missing_fragment",
            Reason::SupersededFragment => "superseded_fragment",
            Reason::BadFragmentCount => "bad_fragment_count",
            Reason::BadFragmentNumber => "bad_fragment_number",
            Reason::InvalidFillBits => "invalid_fill_bits",
            Reason::InvalidPayloadChar => "invalid_payload_char",
            Reason::UnknownMessageType => "unknown_message_type",
            Reason::ReservedPartno => "reserved_partno",
            Reason::Garbage => "garbage",
            Reason::BadChar => "bad_char",
            Reason::BadField => "bad_field",
            Reason::NotAis => "not_ais",
            Reason::NoFix => "no_fix",
            Reason::Overlong => "overlong",
            Reason::BadTagblockChecksum => "bad_tagblock_checksum",
            Reason::UnterminatedTagblock => "unterminated_tagblock",
            Reason::BadTagblock => "bad_tagblock",
            Reason::BridgeDataLost => "bridge_data_lost",
        }
    }

    /// Position in [`Reason::ALL`], for counter arrays.
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rejected input and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct Error {
    /// The reason code.
    pub reason: Reason,
}

impl From<Reason> for Error {
    fn from(reason: Reason) -> Self {
        Self { reason }
    }
}

/// Counts of rejected inputs by reason.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RejectCounts([u64; Reason::ALL.len()]);

impl RejectCounts {
    /// Counts one more rejection for `reason`.
    pub fn add(&mut self, reason: Reason) {
        self.0[reason.index()] += 1;
    }

    /// The count for `reason`.
    pub fn get(&self, reason: Reason) -> u64 {
        self.0[reason.index()]
    }

    /// All rejections.
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }

    /// The reasons with a non-zero count, with their counts, in declaration order.
    pub fn iter(&self) -> impl Iterator<Item = (Reason, u64)> + '_ {
        Reason::ALL
            .into_iter()
            .map(|r| (r, self.get(r)))
            .filter(|&(_, n)| n > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_matches_position_in_all() {
        for (i, reason) in Reason::ALL.into_iter().enumerate() {
            assert_eq!(reason.index(), i, "{reason}");
        }
    }

    #[test]
    fn counts() {
        let mut counts = RejectCounts::default();
        counts.add(Reason::BadChecksum);
        counts.add(Reason::BadChecksum);
        counts.add(Reason::Overlong);
        assert_eq!(counts.total(), 3);
        let listed: Vec<_> = counts.iter().collect();
        assert_eq!(listed, [(Reason::BadChecksum, 2), (Reason::Overlong, 1)]);
    }
}
