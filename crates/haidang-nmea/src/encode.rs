//! Building AIS payloads and NMEA sentences: the inverse of decoding, for simulators,
//! benchmarks and round-trip tests.
//!
//! ```
//! use haidang_nmea::encode::{Payload, vdm_sentences};
//!
//! let mut p = Payload::new();
//! p.uint(1, 6).uint(0, 2).uint(574_000_001, 30);
//! let (armored, fill) = p.armored();
//! let lines = vdm_sentences("AI", 'A', None, &armored, fill, 60);
//! assert_eq!(lines.len(), 1);
//! ```

/// A payload under construction, bit by bit, MSB first.
#[derive(Clone, Debug, Default)]
pub struct Payload {
    bits: Vec<bool>,
}

impl Payload {
    /// An empty payload.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends the low `width` bits of `value`.
    pub fn uint(&mut self, value: u64, width: usize) -> &mut Self {
        for i in (0..width).rev() {
            self.bits.push(i < 64 && (value >> i) & 1 == 1);
        }
        self
    }

    /// Appends `value` as a `width`-bit two's-complement number.
    pub fn int(&mut self, value: i64, width: usize) -> &mut Self {
        self.uint(value as u64, width)
    }

    /// Appends a flag.
    pub fn flag(&mut self, value: bool) -> &mut Self {
        self.bits.push(value);
        self
    }

    /// Appends `text` in six-bit ASCII, padded with `@` to `chars` characters. Characters
    /// outside the six-bit character set become `?`.
    pub fn text(&mut self, text: &str, chars: usize) -> &mut Self {
        let mut bytes = text.bytes().chain(std::iter::repeat(b'@'));
        for _ in 0..chars {
            let c = bytes.next().unwrap_or(b'@').to_ascii_uppercase();
            let v = match c {
                b'@'..=b'_' => c - 64,
                b' '..=b'?' => c,
                _ => b'?',
            };
            self.uint(u64::from(v), 6);
        }
        self
    }

    /// Length so far, in bits.
    pub fn len(&self) -> usize {
        self.bits.len()
    }

    /// True if nothing was appended.
    pub fn is_empty(&self) -> bool {
        self.bits.is_empty()
    }

    /// The armoured payload and its fill-bit count.
    pub fn armored(&self) -> (String, u8) {
        let fill = (6 - self.bits.len() % 6) % 6;
        let mut out = String::with_capacity(self.bits.len().div_ceil(6));
        for group in self.bits.chunks(6) {
            let mut v = 0_u8;
            for i in 0..6 {
                v = (v << 1) | u8::from(group.get(i).copied().unwrap_or(false));
            }
            out.push(char::from(if v < 40 { v + 48 } else { v + 56 }));
        }
        (out, fill as u8)
    }
}

/// The NMEA checksum of `content` (the characters between `!`/`$` and `*`).
pub fn checksum(content: &str) -> u8 {
    content.bytes().fold(0, |a, b| a ^ b)
}

/// `content` framed as `{start}{content}*hh`.
pub fn sentence(start: char, content: &str) -> String {
    format!("{start}{content}*{:02X}", checksum(content))
}

/// A tag block `\{fields}*hh\`.
pub fn tag_block(fields: &str) -> String {
    format!("\\{fields}*{:02X}\\", checksum(fields))
}

/// The `!{talker}VDM` sentences carrying `armored`, split every `chars_per_sentence`
/// characters; `seq` is required when more than one sentence results.
pub fn vdm_sentences(
    talker: &str,
    channel: char,
    seq: Option<u8>,
    armored: &str,
    fill: u8,
    chars_per_sentence: usize,
) -> Vec<String> {
    let chunks: Vec<&str> = armored
        .as_bytes()
        .chunks(chars_per_sentence.max(1))
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect();
    let count = chunks.len();
    let seq = seq.map(|s| s.to_string()).unwrap_or_default();
    chunks
        .iter()
        .enumerate()
        .map(|(i, chunk)| {
            let fill = if i + 1 == count { fill } else { 0 };
            sentence(
                '!',
                &format!(
                    "{talker}VDM,{count},{},{seq},{channel},{chunk},{fill}",
                    i + 1
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reproduces_a_known_sentence() {
        // gpsd sample 1: type 1 from MMSI 371798000.
        let mut p = Payload::new();
        p.uint(1, 6)
            .uint(0, 2)
            .uint(371_798_000, 30)
            .uint(0, 4)
            .int(-127, 8)
            .uint(123, 10)
            .flag(true);
        p.int(-74_037_230, 28)
            .int(29_028_980, 27)
            .uint(2240, 12)
            .uint(215, 9)
            .uint(33, 6);
        p.uint(0, 2).uint(0, 3).flag(false).uint(34_017, 19);
        let (armored, fill) = p.armored();
        assert_eq!(
            vdm_sentences("AI", 'A', None, &armored, fill, 60),
            ["!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A"]
        );
    }

    #[test]
    fn splits_long_payloads() {
        let mut p = Payload::new();
        p.uint(5, 6).uint(0, 2).uint(574_000_001, 30).uint(0, 386);
        let (armored, fill) = p.armored();
        assert_eq!((armored.len(), fill), (71, 2));
        let lines = vdm_sentences("AI", 'B', Some(3), &armored, fill, 60);
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("!AIVDM,2,1,3,B,") && lines[0].contains(",0*"));
        assert!(lines[1].starts_with("!AIVDM,2,2,3,B,") && lines[1].contains(",2*"));
    }
}
