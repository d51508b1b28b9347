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
        let Some((fields, checksum)) = block.rsplit_once('*') else {
            return Err(Reason::BadTagblock);
        };
        if !checksum_matches(fields.as_bytes(), checksum.as_bytes()) {
            return Err(Reason::BadTagblockChecksum);
        }
        let mut tag = TagBlock {
            fields,
            time_ms: None,
            group: None,
            line: None,
        };
        for field in fields.split(',') {
            let Some((key, value)) = field.split_once(':') else {
                return Err(Reason::BadTagblock);
            };
            if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(Reason::BadTagblock);
            }
            match key {
                "c" => {
                    let v: u64 = value.parse().map_err(|_| Reason::BadTagblock)?;
                    let ms = if v >= MILLIS_THRESHOLD {
                        v
                    } else {
                        v.saturating_mul(1000)
                    };
                    tag.time_ms = Some(i64::try_from(ms).map_err(|_| Reason::BadTagblock)?);
                }
                "g" => tag.group = Some(parse_group(value).ok_or(Reason::BadTagblock)?),
                "n" => tag.line = Some(value.parse().map_err(|_| Reason::BadTagblock)?),
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

fn parse_group(value: &str) -> Option<Group> {
    let mut parts = value.splitn(3, '-');
    let num = parts.next()?.parse().ok()?;
    let total = parts.next()?.parse().ok()?;
    let id = parts.next()?.parse().ok()?;
    (num >= 1 && num <= total).then_some(Group { num, total, id })
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
