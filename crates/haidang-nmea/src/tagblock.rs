//! NMEA 4.10 tag blocks: `\s:station,c:1700000000,g:1-2-73*hh\` before a sentence.

use crate::error::Reason;
use crate::sentence::checksum_matches;

/// A tag block whose checksum and known fields have been checked.
///
/// Known fields: `s` source (station or device id), `c` UNIX time (seconds, or milliseconds
/// when the value is too large to be seconds), `g` group `num-total-id`, `n` line count,
/// `d` destination, `t` text, `r` relative time. Unknown keys are kept verbatim.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TagBlock<'a> {
    fields: &'a str,
    time_ms: Option<i64>,
    group: Option<Group>,
    line: Option<u64>,
}

/// A tag-block group: sentence `num` of `total` in group `id`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Group {
    /// This sentence's number in the group, from 1.
    pub num: u32,
    /// Sentences in the group.
    pub total: u32,
    /// Group id.
    pub id: u32,
}

/// A `c:` value at or above this is milliseconds: as seconds it would be after the year 5000.
const MILLIS_THRESHOLD: u64 = 100_000_000_000;

impl<'a> TagBlock<'a> {
    /// Parses the text between the backslashes: `key:value,...*hh`.
    pub fn parse(block: &'a str) -> Result<Self, Reason> {
        // Byte-level: a tag block precedes every line of some feeds, so this is hot.
        let bytes = block.as_bytes();
        let Some(star) = memchr::memrchr(b'*', bytes) else {
            return Err(Reason::BadTagblock);
        };
        if !checksum_matches(&bytes[..star], &bytes[star + 1..]) {
            return Err(Reason::BadTagblockChecksum);
        }
        let fields = &block[..star];
        let mut tag = TagBlock {
            fields,
            time_ms: None,
            group: None,
            line: None,
        };
        for field in fields.as_bytes().split(|&b| b == b',') {
            let Some(colon) = field.iter().position(|&b| b == b':') else {
                return Err(Reason::BadTagblock);
            };
            let (key, value) = (&field[..colon], &field[colon + 1..]);
            if key.is_empty() || !key.iter().all(u8::is_ascii_alphanumeric) {
                return Err(Reason::BadTagblock);
            }
            match key {
                b"c" => {
                    let v = parse_u64(value).ok_or(Reason::BadTagblock)?;
                    let ms = if v >= MILLIS_THRESHOLD {
                        v
                    } else {
                        v.saturating_mul(1000)
                    };
                    tag.time_ms = Some(i64::try_from(ms).map_err(|_| Reason::BadTagblock)?);
                }
                b"g" => tag.group = Some(parse_group(value).ok_or(Reason::BadTagblock)?),
                b"n" => tag.line = Some(parse_u64(value).ok_or(Reason::BadTagblock)?),
                _ => {}
            }
        }
        Ok(tag)
    }

    /// The fields as `(key, value)`, in order, verbatim.
    pub fn fields(&self) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.fields.split(',').filter_map(|f| f.split_once(':'))
    }

    /// The value of `key`, verbatim.
    pub fn get(&self, key: &str) -> Option<&'a str> {
        self.fields().find(|&(k, _)| k == key).map(|(_, v)| v)
    }

    /// `s:`: the source station or device (a VMS fix's vessel identity).
    pub fn source(&self) -> Option<&'a str> {
        self.get("s")
    }

    /// `c:` as UNIX milliseconds.
    pub fn time_ms(&self) -> Option<i64> {
        self.time_ms
    }

    /// `g:`, the sentence group.
    pub fn group(&self) -> Option<Group> {
        self.group
    }

    /// `n:`, the line count.
    pub fn line_count(&self) -> Option<u64> {
        self.line
    }

    /// The fields as sent, without the checksum.
    pub fn as_str(&self) -> &'a str {
        self.fields
    }
}

fn parse_group(value: &[u8]) -> Option<Group> {
    let mut parts = value.splitn(3, |&b| b == b'-');
    let mut next = || {
        parts
            .next()
            .and_then(parse_u64)
            .and_then(|v| u32::try_from(v).ok())
    };
    let (num, total, id) = (next()?, next()?, next()?);
    (num >= 1 && num <= total).then_some(Group { num, total, id })
}

/// A non-empty run of ASCII digits that fits in a u64.
fn parse_u64(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0_u64, |acc, &d| {
        d.is_ascii_digit().then_some(())?;
        acc.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Source, time and group of a parsed tag block.
    type Parsed<'a> = (Option<&'a str>, Option<i64>, Option<Group>);

    fn check(block: &str, expect: Result<Parsed<'_>, Reason>) {
        let got = TagBlock::parse(block).map(|t| (t.source(), t.time_ms(), t.group()));
        assert_eq!(got, expect, "{block}");
    }

    #[test]
    fn parses_known_fields() {
        check(
            "s:r003669945,c:1700000074,n:1002*02",
            Ok((Some("r003669945"), Some(1_700_000_074_000), None)),
        );
        check(
            "g:1-2-1604,s:rORBCOMM008,c:1418169601,T:2014-12-10 00.00.01*37",
            Ok((
                Some("rORBCOMM008"),
                Some(1_418_169_601_000),
                Some(Group {
                    num: 1,
                    total: 2,
                    id: 1604,
                }),
            )),
        );
        check(
            "g:2-2-1032*5D",
            Ok((
                None,
                None,
                Some(Group {
                    num: 2,
                    total: 2,
                    id: 1032,
                }),
            )),
        );
    }

    #[test]
    fn milliseconds_are_recognised() {
        let block = format!("c:1700000000123*{:02X}", xor(b"c:1700000000123"));
        check(&block, Ok((None, Some(1_700_000_000_123), None)));
    }

    #[test]
    fn rejections() {
        check(
            "s:rORBCOMM000,c:1700000000*00",
            Err(Reason::BadTagblockChecksum),
        );
        check("s:rORBCOMM000,c:1700000000", Err(Reason::BadTagblock));
        let bad_c = format!("c:soon*{:02X}", xor(b"c:soon"));
        check(&bad_c, Err(Reason::BadTagblock));
        let bad_g = format!("g:3-2-1*{:02X}", xor(b"g:3-2-1"));
        check(&bad_g, Err(Reason::BadTagblock));
    }

    #[test]
    fn numbers_are_digits_only_and_fit() {
        assert_eq!(parse_u64(b"1700000000"), Some(1_700_000_000));
        assert_eq!(parse_u64(b""), None);
        assert_eq!(parse_u64(b"-1"), None);
        assert_eq!(parse_u64(b"+1"), None);
        assert_eq!(parse_u64(b"99999999999999999999"), None);
    }

    #[test]
    fn unknown_keys_are_kept_verbatim() {
        let t = TagBlock::parse("s:rORBCOMM104,q:u,c:1418172113,T:2014-12-10 00.41.53*55")
            .expect("valid");
        assert_eq!(t.get("q"), Some("u"));
        assert_eq!(t.get("T"), Some("2014-12-10 00.41.53"));
    }

    fn xor(bytes: &[u8]) -> u8 {
        bytes.iter().fold(0, |a, b| a ^ b)
    }
}
