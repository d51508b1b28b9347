//! PostgreSQL's binary `COPY` format, written for the positions the store copies in.
//!
//! The format (PostgreSQL manual, "COPY", "Binary Format"): a signature and two zero
//! 32-bit words, then per row a 16-bit field count and, per field, a 32-bit length (-1 for
//! NULL) and the value in the type's binary send form (big-endian integers and IEEE floats,
//! UTF-8 text, timestamptz as microseconds since 2000-01-01 UTC), then -1 as a 16-bit
//! trailer. Binary spares the server the text parsing of every float and timestamp.

use time::OffsetDateTime;

use crate::model::to_micros;

/// Microseconds from the UNIX epoch to PostgreSQL's, 2000-01-01T00:00:00Z.
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// A `COPY … FROM STDIN (FORMAT binary)` payload under construction.
pub(crate) struct BinaryCopy {
    buf: Vec<u8>,
}

impl BinaryCopy {
    /// An empty payload with room for about `bytes` bytes.
    pub(crate) fn with_capacity(bytes: usize) -> Self {
        let mut buf = Vec::with_capacity(bytes + 21);
        buf.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
        buf.extend_from_slice(&0i32.to_be_bytes()); // flags: no OIDs
        buf.extend_from_slice(&0i32.to_be_bytes()); // no header extension
        Self { buf }
    }

    /// Starts a row of `fields` fields; exactly that many values must follow.
    pub(crate) fn row(&mut self, fields: i16) {
        self.buf.extend_from_slice(&fields.to_be_bytes());
    }

    fn field(&mut self, value: &[u8]) {
        // A field is at most one position's text: far below i32::MAX.
        let len = i32::try_from(value.len()).unwrap_or(i32::MAX);
        self.buf.extend_from_slice(&len.to_be_bytes());
        self.buf.extend_from_slice(value);
    }

    fn optional(&mut self, value: Option<&[u8]>) {
        match value {
            Some(value) => self.field(value),
            None => self.null(),
        }
    }

    pub(crate) fn null(&mut self) {
        self.buf.extend_from_slice(&(-1i32).to_be_bytes());
    }

    pub(crate) fn int8(&mut self, v: i64) {
        self.field(&v.to_be_bytes());
    }

    pub(crate) fn int4(&mut self, v: Option<i32>) {
        self.optional(v.map(i32::to_be_bytes).as_ref().map(<[u8; 4]>::as_slice));
    }

    pub(crate) fn int2(&mut self, v: Option<i16>) {
        self.optional(v.map(i16::to_be_bytes).as_ref().map(<[u8; 2]>::as_slice));
    }

    pub(crate) fn float8(&mut self, v: f64) {
        self.field(&v.to_bits().to_be_bytes());
    }

    pub(crate) fn float4(&mut self, v: Option<f32>) {
        self.optional(
            v.map(|v| v.to_bits().to_be_bytes())
                .as_ref()
                .map(<[u8; 4]>::as_slice),
        );
    }

    pub(crate) fn text(&mut self, v: Option<&str>) {
        self.optional(v.map(str::as_bytes));
    }

    /// A `timestamptz`, to the microsecond (rounded towards the past, as the store keeps
    /// every time).
    pub(crate) fn timestamptz(&mut self, t: OffsetDateTime) {
        self.int8(to_micros(t).saturating_sub(PG_EPOCH_MICROS));
    }

    /// The finished payload, trailer included.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        self.buf.extend_from_slice(&(-1i16).to_be_bytes());
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_row_is_laid_out_as_the_manual_says() {
        let mut copy = BinaryCopy::with_capacity(0);
        copy.row(4);
        copy.int8(7);
        copy.text(Some("ab"));
        copy.int2(None);
        copy.timestamptz(datetime!(2000-01-01 00:00:01.000_000_9 UTC));
        let bytes = copy.finish();
        let mut expected = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0".to_vec();
        expected.extend_from_slice(&[0, 4]);
        expected.extend_from_slice(&[0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 7]);
        expected.extend_from_slice(&[0, 0, 0, 2, b'a', b'b']);
        expected.extend_from_slice(&[0xff, 0xff, 0xff, 0xff]);
        // One second after PostgreSQL's epoch, the nanoseconds cut to microseconds.
        expected.extend_from_slice(&[0, 0, 0, 8]);
        expected.extend_from_slice(&1_000_000i64.to_be_bytes());
        expected.extend_from_slice(&[0xff, 0xff]);
        assert_eq!(bytes, expected);
    }
}
