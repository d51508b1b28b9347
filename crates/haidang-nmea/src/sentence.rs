//! One frame to one parsed sentence: tag block, checksum, address field and the fields of
//! an AIS VDM/VDO sentence, or a GNSS sentence handed on whole.

use crate::error::Reason;
use crate::tagblock::TagBlock;

/// A frame that passed the checks: its tag block, and its sentence.
#[derive(Debug)]
pub(crate) struct Frame<'a> {
    pub(crate) tag_block: Option<TagBlock<'a>>,
    pub(crate) body: Body<'a>,
}

#[derive(Debug)]
pub(crate) enum Body<'a> {
    Vdm(Vdm<'a>),
    /// A GNSS fix sentence, from `$` up to and including the checksum.
    Gnss {
        kind: crate::GnssKind,
        sentence: &'a str,
    },
    /// `$PHDG,SOS,<text>*hh`: a VMS terminal's distress, sent by a bridge.
    Sos {
        text: &'a str,
    },
}

/// The fields of `!ccVDM` / `!ccVDO`.
#[derive(Debug)]
pub(crate) struct Vdm<'a> {
    pub(crate) talker: [u8; 2],
    pub(crate) own_ship: bool,
    pub(crate) count: u8,
    pub(crate) num: u8,
    pub(crate) seq: Option<u8>,
    pub(crate) channel: Option<u8>,
    pub(crate) payload: &'a [u8],
    pub(crate) fill: u8,
}

/// True if `hex` is exactly two hex digits (either case) equal to the XOR of `data`.
pub(crate) fn checksum_matches(data: &[u8], hex: &[u8]) -> bool {
    parse_hex(hex) == Some(xor(data))
}

/// The value of exactly two hex digits, either case.
fn parse_hex(hex: &[u8]) -> Option<u8> {
    let [hi, lo] = hex else { return None };
    Some(hex_digit(*hi)? << 4 | hex_digit(*lo)?)
}

/// XOR of all bytes, eight at a time.
fn xor(data: &[u8]) -> u8 {
    let mut words = data.chunks_exact(8);
    let mut acc = 0_u64;
    for w in &mut words {
        let mut word = [0_u8; 8];
        word.copy_from_slice(w);
        acc ^= u64::from_le_bytes(word);
    }
    let folded = acc.to_le_bytes().iter().fold(0, |a, b| a ^ b);
    words.remainder().iter().fold(folded, |a, b| a ^ b)
}

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'A'..=b'F' => Some(c - b'A' + 10),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

/// Parses a frame that starts with `!`, `$` or `\` and holds only printable ASCII;
/// `frame_xor` is the XOR of all its bytes.
pub(crate) fn parse(frame: &[u8], frame_xor: u8) -> Result<Frame<'_>, Reason> {
    let (tag_block, sentence) = split_tag_block(frame)?;
    match sentence.first() {
        Some(b'!' | b'$') => {}
        _ => return Err(Reason::Garbage),
    }
    // The checksum is nearly always the last three characters.
    let n = sentence.len();
    let star = if n >= 3 && sentence[n - 3] == b'*' {
        Some(n - 3)
    } else {
        memchr::memchr(b'*', sentence)
    };
    let Some(star) = star else {
        let fields = memchr::memchr_iter(b',', sentence).count() + 1;
        return Err(if fields < 7 {
            Reason::TruncatedLine
        } else {
            Reason::MissingChecksum
        });
    };
    // Two hex digits, then the end or a trailer such as USCG's `,s28089,d-103,...`.
    let after = &sentence[star + 1..];
    let hex_len = after.iter().position(|&b| b == b',').unwrap_or(after.len());
    // Without a tag block the checksummed part is the frame less its first byte and its
    // tail from `*`: XOR those out of the frame's XOR rather than read it all again.
    let sum = if sentence.len() == frame.len() {
        frame_xor ^ sentence[0] ^ xor(&sentence[star..])
    } else {
        xor(&sentence[1..star])
    };
    if parse_hex(&after[..hex_len]) != Some(sum) {
        return Err(Reason::BadChecksum);
    }
    let content = &sentence[1..star];
    let address_end = match content.get(5) {
        Some(b',') => 5,
        _ => memchr::memchr(b',', content).unwrap_or(content.len()),
    };
    let address = &content[..address_end];
    let body = if sentence[0] == b'!' {
        match address {
            [t1, t2, b'V', b'D', m] if t1.is_ascii_uppercase() && t2.is_ascii_uppercase() => {
                let own_ship = match m {
                    b'M' => false,
                    b'O' => true,
                    _ => return Err(Reason::NotAis),
                };
                Body::Vdm(parse_vdm([*t1, *t2], own_ship, content)?)
            }
            _ => return Err(Reason::NotAis),
        }
    } else if address == b"PHDG" {
        // Haidang's proprietary sentences from bridges: `$PHDG,SOS,<text>` (a distress)
        // and `$PHDG,OVF,...` (the record of lines a full queue dropped).
        if content[address_end..].starts_with(b",OVF,") {
            return Err(Reason::BridgeDataLost);
        }
        let text = content[address_end..]
            .strip_prefix(b",SOS")
            .and_then(|rest| match rest {
                [] => Some(&b""[..]),
                [b',', text @ ..] => Some(text),
                _ => None,
            })
            .ok_or(Reason::NotAis)?;
        let text = std::str::from_utf8(text).map_err(|_| Reason::BadChar)?;
        Body::Sos { text }
    } else {
        let kind = match address {
            [t1, t2, rest @ ..] if t1.is_ascii_uppercase() && t2.is_ascii_uppercase() => match rest
            {
                b"RMC" => crate::GnssKind::Rmc,
                b"GGA" => crate::GnssKind::Gga,
                b"GLL" => crate::GnssKind::Gll,
                b"VTG" => crate::GnssKind::Vtg,
                _ => return Err(Reason::NotAis),
            },
            _ => return Err(Reason::NotAis),
        };
        let sentence = std::str::from_utf8(&sentence[..star + 3]).map_err(|_| Reason::BadChar)?;
        Body::Gnss { kind, sentence }
    };
    Ok(Frame { tag_block, body })
}

/// Splits off a leading `\...\` tag block.
fn split_tag_block(frame: &[u8]) -> Result<(Option<TagBlock<'_>>, &[u8]), Reason> {
    if frame.first() != Some(&b'\\') {
        return Ok((None, frame));
    }
    let Some(end) = memchr::memchr(b'\\', &frame[1..]) else {
        return Err(Reason::UnterminatedTagblock);
    };
    let block = std::str::from_utf8(&frame[1..=end]).map_err(|_| Reason::BadChar)?;
    let tag = TagBlock::parse(block)?;
    Ok((Some(tag), &frame[end + 2..]))
}

/// `content` is `ccVDM,count,num,seq,channel,payload,fill` (no `!`, no checksum).
fn parse_vdm(talker: [u8; 2], own_ship: bool, content: &[u8]) -> Result<Vdm<'_>, Reason> {
    // The short fields are scanned by hand; the payload, the one long field, by memchr.
    let mut fields = Fields {
        rest: content.get(6..).ok_or(Reason::Garbage)?,
    };
    let (count, num, seq, channel) = (
        fields.short()?,
        fields.short()?,
        fields.short()?,
        fields.short()?,
    );
    let payload = fields.long()?;
    let fill = fields.rest;
    if memchr::memchr(b',', fill).is_some() {
        return Err(Reason::Garbage);
    }
    let count = match count {
        [c @ b'1'..=b'9'] => c - b'0',
        _ => return Err(Reason::BadFragmentCount),
    };
    let num = match num {
        [n @ b'1'..=b'9'] if n - b'0' <= count => n - b'0',
        _ => return Err(Reason::BadFragmentNumber),
    };
    let seq = match seq {
        [] => None,
        [s @ b'0'..=b'9'] => Some(s - b'0'),
        _ => return Err(Reason::BadField),
    };
    let channel = match channel {
        [] => None,
        [c] if c.is_ascii_alphanumeric() => Some(*c),
        _ => return Err(Reason::BadField),
    };
    let fill = match fill {
        [f @ b'0'..=b'5'] => f - b'0',
        _ => return Err(Reason::InvalidFillBits),
    };
    // A later fragment may be empty (gpsd and pyais accept `!AIVDM,2,2,0,A,,0*16`).
    if payload.is_empty() && num == 1 {
        return Err(Reason::EmptyPayload);
    }
    Ok(Vdm {
        talker,
        own_ship,
        count,
        num,
        seq,
        channel,
        payload,
        fill,
    })
}

/// Comma-separated fields, taken one at a time; each taken field must end in a comma.
struct Fields<'a> {
    rest: &'a [u8],
}

impl<'a> Fields<'a> {
    /// A field of a few characters.
    fn short(&mut self) -> Result<&'a [u8], Reason> {
        let end = self
            .rest
            .iter()
            .position(|&b| b == b',')
            .ok_or(Reason::Garbage)?;
        Ok(self.take(end))
    }

    /// A field that may be long.
    fn long(&mut self) -> Result<&'a [u8], Reason> {
        let end = memchr::memchr(b',', self.rest).ok_or(Reason::Garbage)?;
        Ok(self.take(end))
    }

    fn take(&mut self, end: usize) -> &'a [u8] {
        let (field, rest) = self.rest.split_at(end);
        self.rest = &rest[1..];
        field
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(line: &str, expect: Result<&str, Reason>) {
        let xor = line.bytes().fold(0, |a, b| a ^ b);
        let got = parse(line.as_bytes(), xor).map(|f| match f.body {
            Body::Vdm(v) => format!(
                "vdm {}{} {}/{} seq={:?} ch={:?} fill={} own={} tag={}",
                char::from(v.talker[0]),
                char::from(v.talker[1]),
                v.num,
                v.count,
                v.seq,
                v.channel.map(char::from),
                v.fill,
                v.own_ship,
                f.tag_block.is_some(),
            ),
            Body::Gnss { kind, sentence } => format!("gnss {kind:?} {sentence}"),
            Body::Sos { text } => format!("sos {text}"),
        });
        assert_eq!(got.as_deref().map_err(|r| *r), expect, "{line}");
    }

    #[test]
    fn sentences() {
        check(
            "!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A",
            Ok("vdm AI 1/1 seq=None ch=Some('A') fill=0 own=false tag=false"),
        );
        check(
            "!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4a",
            Ok("vdm AI 1/1 seq=None ch=Some('A') fill=0 own=false tag=false"),
        );
        check(
            "!BSVDO,2,1,3,B,53mDL802?fw4h4i:220U<h4pB0<PTDI@4Tr2221629=9;6570>DhCQ3QDljS,0*54",
            Ok("vdm BS 1/2 seq=Some(3) ch=Some('B') fill=0 own=true tag=false"),
        );
        check(
            "!AIVDM,1,1,,B,;4R33:1uUK2F`q?mOt@@GoQ00000,0*5D,s28089,d-103,T39.44353985,x147521,r08TPHI1,1242958962",
            Ok("vdm AI 1/1 seq=None ch=Some('B') fill=0 own=false tag=false"),
        );
        check(
            "\\s:r003669945,c:1700000074,n:1002*02\\!AIVDM,1,1,,B,25Cjtd0Oj;Jp7ilG7=UkKBoB0<06,0*60",
            Ok("vdm AI 1/1 seq=None ch=Some('B') fill=0 own=false tag=true"),
        );
        check(
            "$GPRMC,225446,A,4916.45,N,12311.12,W,000.5,054.7,191120,020.3,E*67",
            Ok("gnss Rmc $GPRMC,225446,A,4916.45,N,12311.12,W,000.5,054.7,191120,020.3,E*67"),
        );
        // A bridge's distress: the text after SOS, which may be empty.
        check("$PHDG,SOS,ENGINE FIRE*62", Ok("sos ENGINE FIRE"));
        check("$PHDG,SOS*78", Ok("sos "));
        check("$PHDG,TXT,HELLO*01", Err(Reason::NotAis));
        check("$PHDG,SOSX*20", Err(Reason::NotAis));
        // A bridge's overflow record is kept, with its own reason.
        check(
            "$PHDG,OVF,1,500,1795000000000,1795000100000,500*74",
            Err(Reason::BridgeDataLost),
        );
    }

    #[test]
    fn rejections() {
        check(
            "!AIVDM,1,1,,B,142O8P@0161NcTHErr8e0rI80<0;,0*9A",
            Err(Reason::BadChecksum),
        );
        check(
            "!AIVDM,1,1,,A,139v5d7P00PuIoRN39k>4?vlR>`<,0",
            Err(Reason::MissingChecksum),
        );
        check("!AIVDM,1,1,,A,H42Mh`lUi", Err(Reason::TruncatedLine));
        check(
            "!AIVDM,1,1,,B,181:Jqh02c1QpBFE4Dpd=al200Sb,0*",
            Err(Reason::BadChecksum),
        );
        check(
            "!AIVDM,1,1,,A,Gh2E:qP00000000000000000000,2*6767",
            Err(Reason::BadChecksum),
        );
        check(
            "!AIVDO,1,1,,A,8003hd0=vUvHmVS3o55ifP@WJ8PAQftNSIi;88cRll<wi@7:C4iG,0*G1",
            Err(Reason::BadChecksum),
        );
        check("!AIVDM,1,1,,B,,0*25", Err(Reason::EmptyPayload));
        check(
            "!AIVDM,0,1,,A,18HtowP0007JHQ40hsEN46<T0>`<,0*22",
            Err(Reason::BadFragmentCount),
        );
        check(
            "!AIVDM,1,2,,A,37P<r@5P00:Mwf?`KhTP0?vd0>`<,0*4B",
            Err(Reason::BadFragmentNumber),
        );
        check(
            "!AIVDM,1,0,,A,133s9lPP000D6RhMDmF<6?w>P>`<,0*24",
            Err(Reason::BadFragmentNumber),
        );
        check(
            "!AIVDM,1,1,,B,D02E3:1FTg6D000000000000000,6*2F",
            Err(Reason::InvalidFillBits),
        );
        check(
            "!AIVDM,1,1,,A,?39a?2PjKFFPD01o:Gq1igvp2<3w,-1*27",
            Err(Reason::InvalidFillBits),
        );
        check("!AIVDM,1,1,,A*26", Err(Reason::BadChecksum));
        check("!AIVDM,1,1,,A*16", Err(Reason::Garbage));
        check(
            "!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ*10",
            Err(Reason::BadChecksum),
        );
        check(
            "\\s:rORBCOMM000,c:1700000000*00\\!AIVDM,1,1,,A,33Un=85P001d0`dEhb?tvOv80DWb,0*2E",
            Err(Reason::BadTagblockChecksum),
        );
        check(
            "\\s:rORBCOMM000,c:1700000000!AIVDM,1,1,,A,33Un=85P001d0`dEhb?tvOv80DWb,0*2E",
            Err(Reason::UnterminatedTagblock),
        );
        let sentence = crate::encode::sentence;
        check(
            &sentence('$', "GPGSV,3,1,11,03,03,111,00,04,15,270,00,06,01,010,00"),
            Err(Reason::NotAis),
        );
        check(
            &sentence('!', "AIABM,1,1,0,002320717,0,6,84,0"),
            Err(Reason::NotAis),
        );
        check(
            &sentence('!', "AIVDM,1,1,,AB,15RTgt0PAso;90TKcjM8h6g208CQ,0"),
            Err(Reason::BadField),
        );
        check(
            &sentence('!', "AIVDM,1,1,12,A,15RTgt0PAso;90TKcjM8h6g208CQ,0"),
            Err(Reason::BadField),
        );
        check(
            &sentence('!', "AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0,extra"),
            Err(Reason::Garbage),
        );
    }
}
