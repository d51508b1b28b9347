//! The AIS payload as bits: six-bit de-armouring into a fixed buffer, and a bounds-safe
//! big-endian field reader.

use crate::error::Reason;

/// The longest reassembled payload we decode, in characters. ITU-R M.1371 caps a message at
/// 1,008 bits (168 characters, five slots); real feeds carry a little more, so we allow
/// 2,400 bits before rejecting the message as `overlong`.
pub(crate) const MAX_PAYLOAD_CHARS: usize = 400;
const MAX_BITS: usize = MAX_PAYLOAD_CHARS * 6;
// Eight spare bytes let the reader load a whole u64 at any bit offset below `MAX_BITS`.
const BUF_BYTES: usize = MAX_BITS / 8 + 8;

/// Six-bit values of the armouring alphabet, `0xFF` for characters outside it.
/// Valid characters are `0`..=`W` (0x30..=0x57) and `` ` ``..=`w` (0x60..=0x77).
const SIXBIT: [u8; 256] = {
    let mut table = [0xFF_u8; 256];
    let mut c = 0x30;
    while c <= 0x77 {
        if c <= 0x57 {
            table[c] = (c - 0x30) as u8;
        } else if c >= 0x60 {
            table[c] = (c - 0x38) as u8;
        }
        c += 1;
    }
    table
};

/// True if `c` is a character of the six-bit armouring alphabet.
pub(crate) fn is_sixbit(c: u8) -> bool {
    SIXBIT[c as usize] != 0xFF
}

/// A de-armoured AIS payload.
#[derive(Clone)]
pub(crate) struct Bits {
    bytes: [u8; BUF_BYTES],
    len: usize,
}

impl std::fmt::Debug for Bits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bits")
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

impl Bits {
    /// An empty payload, to be filled by [`Bits::load`].
    pub(crate) fn new() -> Self {
        Bits {
            bytes: [0; BUF_BYTES],
            len: 0,
        }
    }

    /// De-armours `chars` into `self`, dropping `fill` bits from the end.
    ///
    /// Rejects characters outside the six-bit alphabet, fill bits above 5 and payloads over
    /// [`MAX_PAYLOAD_CHARS`]. The buffer is reused: only the bytes a read can reach are
    /// written, so loading a short message costs what the message costs.
    pub(crate) fn load(&mut self, chars: &[u8], fill: u8) -> Result<(), Reason> {
        if chars.is_empty() {
            return Err(Reason::EmptyPayload);
        }
        if chars.len() > MAX_PAYLOAD_CHARS {
            return Err(Reason::Overlong);
        }
        if fill > 5 {
            return Err(Reason::InvalidFillBits);
        }
        // Invalid characters map to 0xFF; OR-ing every value and testing once keeps the
        // loop free of branches.
        let mut seen = 0_u8;
        let mut out = 0;
        // Eight characters make six bytes, written as one eight-byte store that the next
        // group overwrites; the buffer's spare bytes leave room for the last one.
        let mut groups = chars.chunks_exact(8);
        for group in &mut groups {
            let mut acc = 0_u64;
            for &c in group {
                let v = SIXBIT[c as usize];
                seen |= v;
                acc = (acc << 6) | u64::from(v);
            }
            self.bytes[out..out + 8].copy_from_slice(&(acc << 16).to_be_bytes());
            out += 6;
        }
        let mut quads = groups.remainder().chunks_exact(4);
        for quad in &mut quads {
            let mut acc = 0_u32;
            for &c in quad {
                let v = SIXBIT[c as usize];
                seen |= v;
                acc = (acc << 6) | u32::from(v);
            }
            self.bytes[out..out + 3].copy_from_slice(&acc.to_be_bytes()[1..]);
            out += 3;
        }
        let mut acc = 0_u32;
        let mut nbits = 0;
        for &c in quads.remainder() {
            let v = SIXBIT[c as usize];
            seen |= v;
            acc = (acc << 6) | u32::from(v & 0x3F);
            nbits += 6;
        }
        // Left-align the remaining 0, 6, 12 or 18 bits in a 24-bit group; then clear the
        // bytes that a field read past the end may load.
        acc <<= 24 - nbits;
        self.bytes[out..out + 3].copy_from_slice(&acc.to_be_bytes()[1..]);
        let tail = out + if nbits > 0 { 3 } else { 0 };
        self.bytes[tail..tail + 8].fill(0);
        if seen > 0x3F {
            return Err(Reason::InvalidPayloadChar);
        }
        self.len = chars.len() * 6 - usize::from(fill);
        Ok(())
    }

    /// De-armours `chars` into a new buffer; see [`Bits::load`].
    #[cfg(test)]
    pub(crate) fn from_armored(chars: &[u8], fill: u8) -> Result<Self, Reason> {
        let mut bits = Self::new();
        bits.load(chars, fill)?;
        Ok(bits)
    }

    /// Payload length in bits, fill bits excluded.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Up to 57 bits at `start`, assuming they lie inside the buffer.
    fn raw(&self, start: usize, width: usize) -> u64 {
        if width == 0 {
            return 0;
        }
        let byte = start / 8;
        let mut window = [0_u8; 8];
        window.copy_from_slice(&self.bytes[byte..byte + 8]);
        (u64::from_be_bytes(window) << (start % 8)) >> (64 - width)
    }

    /// How many of the `width` bits at `start` the payload really has.
    fn available(&self, start: usize, width: usize) -> usize {
        width.min(self.len.saturating_sub(start))
    }

    /// An unsigned field of at most 32 bits. A field that runs past the end of the payload
    /// yields the bits that are there, as gpsd does; a field wholly past it yields 0.
    pub(crate) fn uint(&self, start: usize, width: usize) -> u32 {
        debug_assert!(width <= 32);
        let avail = self.available(start, width);
        self.raw(start, avail) as u32
    }

    /// A two's-complement signed field of at most 32 bits, read as [`Bits::uint`] reads.
    pub(crate) fn int(&self, start: usize, width: usize) -> i32 {
        debug_assert!(width <= 32);
        let avail = self.available(start, width);
        if avail == 0 {
            return 0;
        }
        let v = self.raw(start, avail) as i64;
        let sign = 1_i64 << (avail - 1);
        ((v ^ sign) - sign) as i32
    }

    /// A one-bit flag.
    pub(crate) fn flag(&self, start: usize) -> bool {
        self.uint(start, 1) == 1
    }

    /// Six-bit text of at most `max_chars` characters from `start`, whole characters only:
    /// cut at the first `@` (the padding character) and trimmed of trailing spaces.
    pub(crate) fn text(&self, start: usize, max_chars: usize) -> String {
        let mut s = String::with_capacity(max_chars.min(32));
        let mut pos = start;
        for _ in 0..max_chars {
            if pos + 6 > self.len {
                break;
            }
            let v = self.raw(pos, 6) as u8;
            if v == 0 {
                break;
            }
            s.push(char::from(if v < 32 { v + 64 } else { v }));
            pos += 6;
        }
        s.truncate(s.trim_end_matches(' ').len());
        s
    }

    /// The bits from `start` to the end, packed MSB-first.
    pub(crate) fn tail(&self, start: usize) -> BinaryData {
        let nbits = self.len.saturating_sub(start);
        let mut bytes = Vec::with_capacity(nbits.div_ceil(8));
        let mut pos = start;
        while pos < self.len {
            let w = (self.len - pos).min(8);
            bytes.push((self.raw(pos, w) << (8 - w)) as u8);
            pos += w;
        }
        BinaryData { bytes, bits: nbits }
    }
}

/// Application data of a binary message (types 6, 8, 17, 25, 26), packed MSB-first.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct BinaryData {
    bytes: Vec<u8>,
    bits: usize,
}

impl BinaryData {
    /// The data, MSB-first; the last byte is padded with zero bits.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Length of the data in bits.
    pub fn bit_len(&self) -> usize {
        self.bits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits(payload: &str, fill: u8) -> Bits {
        Bits::from_armored(payload.as_bytes(), fill).expect("valid payload")
    }

    #[test]
    fn alphabet() {
        let valid: Vec<u8> = (0..=255_u8).filter(|&c| is_sixbit(c)).collect();
        assert_eq!(valid.len(), 64);
        assert_eq!(SIXBIT[b'0' as usize], 0);
        assert_eq!(SIXBIT[b'W' as usize], 39);
        assert_eq!(SIXBIT[b'`' as usize], 40);
        assert_eq!(SIXBIT[b'w' as usize], 63);
        for c in [b'X', b'_', b'x', b'~', b',', b' ', b'!', 0xC3] {
            assert!(!is_sixbit(c), "{c:#x}");
        }
    }

    #[test]
    fn reads_type_1_header() {
        // gpsd sample: type 1, repeat 0, MMSI 371798000.
        let b = bits("15RTgt0PAso;90TKcjM8h6g208CQ", 0);
        assert_eq!(b.len(), 168);
        assert_eq!(b.uint(0, 6), 1);
        assert_eq!(b.uint(6, 2), 0);
        assert_eq!(b.uint(8, 30), 371_798_000);
        assert_eq!(b.int(42, 8), -127);
    }

    #[test]
    fn fill_bits_shorten_and_partial_fields_keep_the_bits_that_are_there() {
        let full = bits("13aIkM@P00PJ@qPNL=e@0?wJ28JO", 0);
        let short = bits("13aIkM@P00PJ@qPNL=e@0?wJ28JO", 5);
        assert_eq!(short.len(), 163);
        assert_eq!(short.uint(149, 19), full.uint(149, 19) >> 5);
        assert_eq!(short.uint(170, 8), 0);
    }

    #[test]
    fn text_cuts_at_padding() {
        // Type 24 part A "PROGUY" padded with '@'.
        let b = bits("H42O55i18tMET00000000000000", 2);
        assert_eq!(b.text(40, 20), "PROGUY");
    }

    #[test]
    fn rejections() {
        assert_eq!(Bits::from_armored(b"", 0).err(), Some(Reason::EmptyPayload));
        assert_eq!(
            Bits::from_armored(b"15x", 0).err(),
            Some(Reason::InvalidPayloadChar)
        );
        assert_eq!(
            Bits::from_armored(b"15", 6).err(),
            Some(Reason::InvalidFillBits)
        );
        let long = vec![b'1'; MAX_PAYLOAD_CHARS + 1];
        assert_eq!(Bits::from_armored(&long, 0).err(), Some(Reason::Overlong));
        let max = vec![b'w'; MAX_PAYLOAD_CHARS];
        let b = Bits::from_armored(&max, 0).expect("longest payload");
        assert_eq!(b.uint(MAX_BITS - 32, 32), u32::MAX);
    }

    #[test]
    fn tail_packs_msb_first() {
        let b = bits("w0w", 2); // 111111 000000 1111|11
        let data = b.tail(0);
        assert_eq!(data.bit_len(), 16);
        assert_eq!(data.bytes(), [0b1111_1100, 0b0000_1111]);
    }
}
