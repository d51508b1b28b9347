//! One line in, one stamped line out: checksum checks, the bridge's NMEA 4.10 tag block,
//! and the bridge's own proprietary sentences (distress, overflow). Pure: no I/O, no clock.
//!
//! A line that arrives with a tag block of its own keeps its sentence; the block is checked
//! (its checksum must match, or the line is rejected as `bad_tagblock_checksum`) and then
//! replaced whole by the bridge's: `s:` must name this device (the shore keys its dedupe
//! and its VMS identities on it), `c:` is when this bridge read the line and `n:` is this
//! bridge's sequence. The upstream block's fields (another station's `s:`, `c:`, `g:`) are
//! not forwarded.

use haidang_nmea::{Reason, TagBlock, encode};

/// The longest device id: `DEVICE:FIRST-LAST` (two 20-digit numbers) must fit the shore's
/// 128-byte `batch_id`.
pub const MAX_DEVICE_BYTES: usize = 64;

/// The longest free text of a distress sentence (`$PHDG,SOS,` and `*hh` around it stay
/// within NMEA's 82 characters).
pub const MAX_SOS_TEXT: usize = 64;

/// Whether `device` may be used as `s:` and in a `batch_id`: 1 to 64 printable ASCII
/// characters, none of space, `,`, `*`, `\`, `!`, `$` (they would break the tag block).
pub fn valid_device(device: &str) -> bool {
    !device.is_empty()
        && device.len() <= MAX_DEVICE_BYTES
        && device
            .bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b',' | b'*' | b'\\' | b'!' | b'$'))
}

/// Checks one framed line and returns its sentence (from `!` or `$`, any trailer after the
/// checksum kept, an upstream tag block removed).
///
/// Refused, with the reason code the shore's decoder uses: control or non-ASCII bytes
/// (`bad_char`), a tag block without its closing backslash (`unterminated_tagblock`) or
/// with a bad checksum or field (`bad_tagblock_checksum`, `bad_tagblock`), no `!`/`$`
/// sentence (`garbage`), no `*hh` (`missing_checksum`), a checksum that does not match or
/// is followed by anything but a `,` trailer (`bad_checksum`).
pub fn check(line: &[u8]) -> Result<&str, Reason> {
    if !line.iter().all(|&b| (0x20..0x7f).contains(&b)) {
        return Err(Reason::BadChar);
    }
    // All bytes are ASCII, so this cannot fail; the error arm keeps it panic-free.
    let line = std::str::from_utf8(line).map_err(|_| Reason::BadChar)?;
    let sentence = match line.strip_prefix('\\') {
        Some(rest) => {
            let end = rest.find('\\').ok_or(Reason::UnterminatedTagblock)?;
            TagBlock::parse(&rest[..end])?;
            &rest[end + 1..]
        }
        None => line,
    };
    if !(sentence.starts_with('!') || sentence.starts_with('$')) {
        return Err(Reason::Garbage);
    }
    let Some(star) = sentence.find('*') else {
        return Err(Reason::MissingChecksum);
    };
    let content = &sentence[1..star];
    if content.len() < 5 || !content.contains(',') {
        return Err(Reason::Garbage);
    }
    let after = &sentence[star + 1..];
    let (hex, trailer) = after.split_at(after.len().min(2));
    if !(trailer.is_empty() || trailer.starts_with(',')) {
        return Err(Reason::BadChecksum);
    }
    match u8::from_str_radix(hex, 16) {
        Ok(sum) if hex.len() == 2 && sum == encode::checksum(content) => Ok(sentence),
        _ => Err(Reason::BadChecksum),
    }
}

/// Appends `\s:DEVICE,c:MILLIS,n:SEQ*hh\` and `sentence` to `out`.
pub fn stamp(device: &str, recv_ms: i64, seq: u64, sentence: &str, out: &mut String) {
    use std::fmt::Write as _;
    let start = out.len();
    // Writing to a String cannot fail.
    let _ = write!(out, "s:{device},c:{recv_ms},n:{seq}");
    let sum = encode::checksum(&out[start..]);
    let _ = write!(out, "*{sum:02X}\\");
    out.insert(start, '\\');
    out.push_str(sentence);
}

/// The distress sentence `$PHDG,SOS,TEXT*hh`: a proprietary sentence (manufacturer code
/// HDG). `text` is cleaned: characters other than printable ASCII, and `,` `*` `$` `!` `\`,
/// become spaces; runs of spaces collapse; it is cut to [`MAX_SOS_TEXT`] characters; an
/// empty text becomes `SOS`.
pub fn distress(text: &str) -> String {
    let mut clean = String::with_capacity(text.len().min(MAX_SOS_TEXT));
    for c in text.chars() {
        let c = if c.is_ascii_graphic() && !matches!(c, ',' | '*' | '$' | '!' | '\\') {
            c
        } else {
            ' '
        };
        if c == ' ' && (clean.is_empty() || clean.ends_with(' ')) {
            continue;
        }
        if clean.len() == MAX_SOS_TEXT {
            break;
        }
        clean.push(c);
    }
    let clean = clean.trim_end();
    let clean = if clean.is_empty() { "SOS" } else { clean };
    encode::sentence('$', &format!("PHDG,SOS,{clean}"))
}

/// What an overflow dropped: sequence numbers `first_seq..=last_seq` (`lines` of them), read
/// from `first_ms` to `last_ms` (UNIX milliseconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lost {
    /// First sequence number dropped.
    pub first_seq: u64,
    /// Last sequence number dropped.
    pub last_seq: u64,
    /// Receive time of the first line dropped, UNIX milliseconds.
    pub first_ms: i64,
    /// Receive time of the last line dropped, UNIX milliseconds.
    pub last_ms: i64,
    /// Lines dropped.
    pub lines: u64,
}

/// The overflow sentence `$PHDG,OVF,FIRST_SEQ,LAST_SEQ,FIRST_MS,LAST_MS,LINES*hh`.
pub fn overflow(lost: &Lost) -> String {
    encode::sentence(
        '$',
        &format!(
            "PHDG,OVF,{},{},{},{},{}",
            lost.first_seq, lost.last_seq, lost.first_ms, lost.last_ms, lost.lines
        ),
    )
}

/// The range an overflow sentence (as made by [`overflow`], possibly behind a tag block)
/// names; `None` for anything else.
pub fn parse_overflow(line: &str) -> Option<Lost> {
    let start = line.find("$PHDG,OVF,")?;
    let body = &line[start + "$PHDG,OVF,".len()..];
    let body = &body[..body.find('*')?];
    let mut fields = body.split(',');
    let mut next = || fields.next();
    let lost = Lost {
        first_seq: next()?.parse().ok()?,
        last_seq: next()?.parse().ok()?,
        first_ms: next()?.parse().ok()?,
        last_ms: next()?.parse().ok()?,
        lines: next()?.parse().ok()?,
    };
    Some(lost)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_line(line: &str, expected: Result<&str, Reason>) {
        assert_eq!(check(line.as_bytes()), expected, "{line:?}");
    }

    #[test]
    fn lines_are_checked_and_their_sentence_kept() {
        let vdm = "!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A";
        let tagged = format!("{}{vdm}", encode::tag_block("s:rx1,c:1700000000"));
        let trailer = format!("{vdm},s22,d-095,T45.7");
        let cases: &[(&str, Result<&str, Reason>)] = &[
            (vdm, Ok(vdm)),
            (&tagged, Ok(vdm)),
            (&trailer, Ok(&trailer)),
            (
                "$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A",
                Ok("$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A"),
            ),
            (
                "!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4a",
                Ok("!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4a"),
            ),
            (
                "!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4B",
                Err(Reason::BadChecksum),
            ),
            (
                "!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4",
                Err(Reason::BadChecksum),
            ),
            (
                "!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4AX",
                Err(Reason::BadChecksum),
            ),
            (
                "!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0",
                Err(Reason::MissingChecksum),
            ),
            ("hello world", Err(Reason::Garbage)),
            ("$*00", Err(Reason::Garbage)),
            ("!AIVDM,1,1,,A,15RT\u{e9},0*4A", Err(Reason::BadChar)),
            ("!AIVDM,1,1,,A,15RT\t,0*4A", Err(Reason::BadChar)),
            (
                "\\s:rx1*00\\!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A",
                Err(Reason::BadTagblockChecksum),
            ),
            (
                "\\s:rx1*00!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A",
                Err(Reason::UnterminatedTagblock),
            ),
        ];
        for &(line, expected) in cases {
            check_line(line, expected);
        }
    }

    #[test]
    fn a_stamped_line_has_a_valid_tag_block_and_passes_its_own_check() {
        let vdm = "!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A";
        let mut out = String::from("junk");
        out.clear();
        stamp("VN-1234", 1_795_000_000_123, 42, vdm, &mut out);
        assert!(
            out.starts_with("\\s:VN-1234,c:1795000000123,n:42*"),
            "{out}"
        );
        assert_eq!(check(out.as_bytes()), Ok(vdm));
        let block = &out[1..out[1..].find('\\').map_or(0, |i| i + 1)];
        let tag = TagBlock::parse(block).expect("valid tag block");
        assert_eq!(tag.source(), Some("VN-1234"));
        assert_eq!(tag.time_ms(), Some(1_795_000_000_123));
        assert_eq!(tag.line_count(), Some(42));
    }

    #[test]
    fn distress_text_is_cleaned_and_the_sentence_checks() {
        let cases = [
            ("", "$PHDG,SOS,SOS"),
            ("engine fire, 3 crew*", "$PHDG,SOS,engine fire 3 crew"),
            ("  a\r\nb  ", "$PHDG,SOS,a b"),
            ("Tàu cá", "$PHDG,SOS,T u c"),
        ];
        for (text, start) in cases {
            let s = distress(text);
            assert!(s.starts_with(&format!("{start}*")), "{text:?} -> {s}");
            assert_eq!(check(s.as_bytes()), Ok(s.as_str()));
        }
        let long = distress(&"x".repeat(500));
        assert!(long.len() <= 82, "{}", long.len());
    }

    #[test]
    fn overflow_sentence_names_both_ranges() {
        let s = overflow(&Lost {
            first_seq: 10,
            last_seq: 19,
            first_ms: 1_795_000_000_000,
            last_ms: 1_795_000_009_000,
            lines: 10,
        });
        assert!(s.starts_with("$PHDG,OVF,10,19,1795000000000,1795000009000,10*"));
        assert_eq!(check(s.as_bytes()), Ok(s.as_str()));
        let mut stamped = String::new();
        stamp("d", 5, 7, &s, &mut stamped);
        assert_eq!(
            parse_overflow(&stamped),
            Some(Lost {
                first_seq: 10,
                last_seq: 19,
                first_ms: 1_795_000_000_000,
                last_ms: 1_795_000_009_000,
                lines: 10
            })
        );
        assert_eq!(parse_overflow("$PHDG,SOS,x*00"), None);
    }

    #[test]
    fn device_ids() {
        for ok in ["VN-1234-TS", "574000001", "a:b.c_d"] {
            assert!(valid_device(ok), "{ok}");
        }
        for bad in ["", "a b", "a,b", "a*b", "a\\b", &"x".repeat(65)] {
            assert!(!valid_device(bad), "{bad}");
        }
    }
}
