//! The decoder: framed lines in, messages and rejections out. Pure and synchronous; the
//! caller passes the time, so expiry is deterministic and testable.

use crate::ais::{self, AisMessage};
use crate::assembler::{Assembler, Fragment, Key, Step};
use crate::bits::Bits;
use crate::error::{Reason, RejectCounts};
use crate::gnss::{GnssFix, GnssParser};
use crate::sentence::{self, Body};
use crate::tagblock::TagBlock;
use crate::time::UtcMillis;
use crate::{Frame, Sentences};

/// Limits of the decoder. Every buffer it keeps is bounded by these.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecoderConfig {
    /// Messages that may wait for fragments at once; the oldest is rejected beyond this.
    pub max_pending_messages: usize,
    /// How long a message may wait for its next fragment, in milliseconds of the time the
    /// caller passes.
    pub fragment_max_age_ms: u64,
}

impl DecoderConfig {
    /// 256 pending messages, 5 seconds: room for many interleaved receivers, and AIS
    /// fragments of one message are sent in consecutive slots, well within a second.
    pub const RECOMMENDED: DecoderConfig = DecoderConfig {
        max_pending_messages: 256,
        fragment_max_age_ms: 5_000,
    };
}

/// What one input produced.
#[derive(Debug)]
pub enum Event<'a> {
    /// An AIS message.
    Ais(AisReport<'a>),
    /// A GNSS fix.
    Gnss(GnssReport<'a>),
    /// A VMS terminal's distress (`$PHDG,SOS,<text>*hh`), relayed by a bridge; the
    /// vessel is the tag block's `s:`.
    Sos(SosReport<'a>),
    /// Input that produced nothing, and why.
    Rejected(Rejected<'a>),
}

/// An AIS message with the sentences it came from.
#[derive(Debug)]
pub struct AisReport<'a> {
    /// The decoded message.
    pub message: AisMessage,
    /// `VDO`: the receiver's own ship.
    pub own_ship: bool,
    /// The talker of the last sentence, such as `AI`, `AB` or `BS`.
    pub talker: [u8; 2],
    /// The radio channel, if given.
    pub channel: Option<u8>,
    /// The tag block of the first sentence.
    pub tag_block: Option<TagBlock<'a>>,
    /// The raw sentences that made the message, in order.
    pub sentences: Sentences<'a>,
}

/// A GNSS fix with the sentence it came from.
#[derive(Debug)]
pub struct GnssReport<'a> {
    /// The fix.
    pub fix: GnssFix,
    /// The talker, such as `GP`, `GN` or `GL`.
    pub talker: [u8; 2],
    /// The tag block; its `s:` names the vessel of a VMS fix.
    pub tag_block: Option<TagBlock<'a>>,
    /// The raw sentence.
    pub sentences: Sentences<'a>,
}

/// A distress sent by a bridge for its vessel.
#[derive(Debug)]
pub struct SosReport<'a> {
    /// The free text after `SOS,` (may be empty).
    pub text: &'a str,
    /// The tag block: `s:` the vessel, `c:` when the bridge read the distress.
    pub tag_block: Option<TagBlock<'a>>,
    /// The raw sentence.
    pub sentences: Sentences<'a>,
}

/// Input that produced nothing.
#[derive(Debug)]
pub struct Rejected<'a> {
    /// Why.
    pub reason: Reason,
    /// The raw input: one line, or the fragments of an incomplete message.
    pub sentences: Sentences<'a>,
}

/// Counts of what the decoder produced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DecodeStats {
    /// Lines fed, empty lines excluded.
    pub lines: u64,
    /// AIS messages produced.
    pub ais_messages: u64,
    /// Distress sentences (`$PHDG,SOS`) produced.
    pub sos: u64,
    /// GNSS fixes produced.
    pub gnss_fixes: u64,
    /// Inputs rejected, by reason.
    pub rejected: RejectCounts,
    /// Bytes of junk skipped before a sentence start on lines that then held a sentence.
    pub junk_bytes: u64,
}

/// Turns framed lines into AIS messages and GNSS fixes.
///
/// ```
/// use haidang_nmea::{Decoder, DecoderConfig, Event};
///
/// let mut decoder = Decoder::new(DecoderConfig::RECOMMENDED);
/// let mut mmsi = None;
/// decoder.feed_line(b"!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A", 0, 0, &mut |event| {
///     if let Event::Ais(report) = event {
///         mmsi = Some(report.message.mmsi);
///     }
/// });
/// assert_eq!(mmsi, Some(371_798_000));
/// ```
#[derive(Debug)]
pub struct Decoder {
    /// The payload being decoded, reused from message to message.
    bits: Box<Bits>,
    assembler: Assembler,
    gnss: GnssParser,
    stats: DecodeStats,
}

impl Decoder {
    /// A decoder with the given limits.
    pub fn new(config: DecoderConfig) -> Self {
        Self {
            bits: Box::new(Bits::new()),
            assembler: Assembler::new(config.max_pending_messages, config.fragment_max_age_ms),
            gnss: GnssParser::new(),
            stats: DecodeStats::default(),
        }
    }

    /// What the decoder has produced so far.
    pub fn stats(&self) -> &DecodeStats {
        &self.stats
    }

    /// Messages waiting for more fragments.
    pub fn pending_messages(&self) -> usize {
        self.assembler.pending_count()
    }

    /// Decodes one line (without its terminator). `source` tells receivers apart for
    /// reassembly; `now_ms` is a monotonic clock in milliseconds for fragment expiry.
    /// Every line ends in exactly one event per sentence it holds, except fragments, which
    /// end in an event when their message completes or is rejected.
    pub fn feed_line(
        &mut self,
        line: &[u8],
        source: u32,
        now_ms: u64,
        out: &mut dyn FnMut(Event<'_>),
    ) {
        let line = trim_end(line);
        if line.is_empty() {
            return;
        }
        self.stats.lines += 1;
        let Some(start) = memchr::memchr3(b'!', b'$', b'\\', line) else {
            self.reject(Reason::Garbage, Sentences::one(line), out);
            return;
        };
        // A junk prefix is skipped.
        self.stats.junk_bytes += start as u64;
        let mut frame = &line[start..];
        let mut scanned = scan(frame, sentence_start(frame));
        if scanned.another_start {
            while let Some(cut) = next_start(frame) {
                // A new sentence began before this one ended: the first is cut short.
                self.reject(Reason::TruncatedLine, Sentences::one(&frame[..cut]), out);
                frame = &frame[cut..];
            }
            scanned = scan(frame, sentence_start(frame));
        }
        if !scanned.printable {
            self.reject(Reason::BadChar, Sentences::one(frame), out);
            return;
        }
        self.feed_frame(frame, scanned.xor, source, now_ms, out);
    }

    /// Decodes what a [`LineFramer`](crate::LineFramer) produced. An overlong line, already
    /// discarded by the framer, is rejected as `overlong` with no sentence kept.
    pub fn feed(
        &mut self,
        frame: Frame<'_>,
        source: u32,
        now_ms: u64,
        out: &mut dyn FnMut(Event<'_>),
    ) {
        match frame {
            Frame::Line(line) => self.feed_line(line, source, now_ms, out),
            Frame::Overlong(_) => {
                self.stats.lines += 1;
                self.reject(Reason::Overlong, Sentences::one(b""), out);
            }
        }
    }

    /// Rejects fragments that have waited longer than the configured age.
    pub fn expire(&mut self, now_ms: u64, out: &mut dyn FnMut(Event<'_>)) {
        let stats = &mut self.stats;
        self.assembler.expire(now_ms, &mut |reason, sentences| {
            stats.rejected.add(reason);
            out(Event::Rejected(Rejected { reason, sentences }));
        });
    }

    /// Rejects every pending fragment: the input has ended.
    pub fn finish(&mut self, out: &mut dyn FnMut(Event<'_>)) {
        let stats = &mut self.stats;
        self.assembler.flush(&mut |reason, sentences| {
            stats.rejected.add(reason);
            out(Event::Rejected(Rejected { reason, sentences }));
        });
    }

    fn reject(&mut self, reason: Reason, sentences: Sentences<'_>, out: &mut dyn FnMut(Event<'_>)) {
        self.stats.rejected.add(reason);
        out(Event::Rejected(Rejected { reason, sentences }));
    }

    fn feed_frame(
        &mut self,
        frame: &[u8],
        frame_xor: u8,
        source: u32,
        now_ms: u64,
        out: &mut dyn FnMut(Event<'_>),
    ) {
        let parsed = match sentence::parse(frame, frame_xor) {
            Ok(parsed) => parsed,
            Err(reason) => return self.reject(reason, Sentences::one(frame), out),
        };
        match parsed.body {
            Body::Vdm(vdm) if vdm.count == 1 => {
                let decoded = self
                    .bits
                    .load(vdm.payload, vdm.fill)
                    .and_then(|()| ais::decode(&self.bits));
                match decoded {
                    Ok(message) => {
                        self.stats.ais_messages += 1;
                        out(Event::Ais(AisReport {
                            message,
                            own_ship: vdm.own_ship,
                            talker: vdm.talker,
                            channel: vdm.channel,
                            tag_block: parsed.tag_block,
                            sentences: Sentences::one(frame),
                        }));
                    }
                    Err(reason) => self.reject(reason, Sentences::one(frame), out),
                }
            }
            Body::Vdm(vdm) => {
                if !vdm.payload.iter().all(|&c| crate::bits::is_sixbit(c)) {
                    return self.reject(Reason::InvalidPayloadChar, Sentences::one(frame), out);
                }
                let key = Key {
                    source,
                    talker: vdm.talker,
                    own_ship: vdm.own_ship,
                    channel: vdm.channel,
                    seq: vdm.seq,
                    count: vdm.count,
                    group: parsed.tag_block.and_then(|t| t.group()).map(|g| g.id),
                };
                let stats = &mut self.stats;
                let fragment = Fragment {
                    key,
                    num: vdm.num,
                    payload: vdm.payload,
                    fill: vdm.fill,
                    line: frame,
                };
                let step = self.assembler.push(fragment, now_ms, &mut |reason, s| {
                    stats.rejected.add(reason);
                    out(Event::Rejected(Rejected {
                        reason,
                        sentences: s,
                    }));
                });
                match step {
                    Ok(Step::Stored) => {}
                    Ok(Step::Complete) => {
                        self.emit_completed(vdm.own_ship, vdm.talker, vdm.channel, out)
                    }
                    Err(reason) => self.reject(reason, Sentences::one(frame), out),
                }
            }
            Body::Gnss { kind, sentence } => {
                let tag_time = parsed.tag_block.and_then(|t| t.time_ms()).map(UtcMillis);
                match self.gnss.parse(kind, sentence, source, tag_time) {
                    Ok(fix) => {
                        self.stats.gnss_fixes += 1;
                        let talker = [frame_talker(sentence, 1), frame_talker(sentence, 2)];
                        out(Event::Gnss(GnssReport {
                            fix,
                            talker,
                            tag_block: parsed.tag_block,
                            sentences: Sentences::one(frame),
                        }));
                    }
                    Err(reason) => self.reject(reason, Sentences::one(frame), out),
                }
            }
            Body::Sos { text } => {
                self.stats.sos += 1;
                out(Event::Sos(SosReport {
                    text,
                    tag_block: parsed.tag_block,
                    sentences: Sentences::one(frame),
                }));
            }
        }
    }

    fn emit_completed(
        &mut self,
        own_ship: bool,
        talker: [u8; 2],
        channel: Option<u8>,
        out: &mut dyn FnMut(Event<'_>),
    ) {
        let done = self.assembler.completed();
        let result = self
            .bits
            .load(&done.payload, done.fill)
            .and_then(|()| ais::decode(&self.bits));
        let sentences = done.sentences();
        match result {
            Ok(message) => {
                self.stats.ais_messages += 1;
                // The first sentence's tag block, which was checked when it arrived.
                let first = sentences.iter().next().unwrap_or_default();
                let tag_block = first_tag_block(first);
                out(Event::Ais(AisReport {
                    message,
                    own_ship,
                    talker,
                    channel,
                    tag_block,
                    sentences,
                }));
            }
            Err(reason) => {
                self.stats.rejected.add(reason);
                out(Event::Rejected(Rejected { reason, sentences }));
            }
        }
    }
}

fn frame_talker(sentence: &str, i: usize) -> u8 {
    sentence.as_bytes().get(i).copied().unwrap_or(b'?')
}

fn first_tag_block(line: &[u8]) -> Option<TagBlock<'_>> {
    let rest = line.strip_prefix(b"\\")?;
    let end = memchr::memchr(b'\\', rest)?;
    TagBlock::parse(std::str::from_utf8(&rest[..end]).ok()?).ok()
}

/// What one pass over a frame found.
struct Scan {
    /// Every byte is printable ASCII (0x20..=0x7E).
    printable: bool,
    /// A `!` or `$` may follow the first byte (a tag block's sentence, or an interrupted
    /// sentence). False positives only send the frame down the slower, exact path.
    another_start: bool,
    /// XOR of all the frame's bytes, from which the checksum follows without another pass.
    xor: u8,
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Checks a frame eight bytes at a time (SWAR): the hot path of every line. `own` is the
/// index of the frame's own sentence start (after its tag block, if any), which is not
/// "another" start.
fn scan(frame: &[u8], own: usize) -> Scan {
    // High bit set in each byte of `v` that is zero (and possibly in bytes above one).
    let zero_bytes = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let mut bad = 0_u64;
    let mut starts = 0_u64;
    let mut xor = 0_u64;
    let (own_word, own_mask) = (own / 8, !(0x80_u64 << (8 * (own % 8))));
    let mut check = |x: u64, word: usize| {
        // Some byte below 0x20, or at or above 0x7F.
        bad |= (x.wrapping_sub(ONES * 0x20) & !x & HIGHS) | ((x | x.wrapping_add(ONES)) & HIGHS);
        let s = zero_bytes(x ^ (ONES * u64::from(b'!'))) | zero_bytes(x ^ (ONES * u64::from(b'$')));
        starts |= if word == own_word { s & own_mask } else { s };
        xor ^= x;
    };
    let mut words = frame.chunks_exact(8);
    for (i, w) in (&mut words).enumerate() {
        let mut word = [0_u8; 8];
        word.copy_from_slice(w);
        check(u64::from_le_bytes(word), i);
    }
    let tail = words.remainder();
    // The tail, padded with spaces: printable, not a sentence start.
    let mut word = [b' '; 8];
    word[..tail.len()].copy_from_slice(tail);
    check(u64::from_le_bytes(word), frame.len() / 8);
    let pad = if (8 - tail.len()) % 2 == 1 { b' ' } else { 0 };
    let xor = xor.to_le_bytes().iter().fold(pad, |a, b| a ^ b);
    Scan {
        printable: bad == 0,
        another_start: starts != 0,
        xor,
    }
}

/// Where the frame's own sentence starts: after its tag block, if it has a terminated one.
fn sentence_start(frame: &[u8]) -> usize {
    if frame.first() == Some(&b'\\') {
        memchr::memchr(b'\\', &frame[1..]).map_or(0, |end| end + 2)
    } else {
        0
    }
}

/// Where a second sentence starts inside `frame`, if one does: a `!` or `$` after the
/// sentence's own start (and after its tag block, if it has one).
fn next_start(frame: &[u8]) -> Option<usize> {
    let sentence_start = if frame.first() == Some(&b'\\') {
        // Inside an unterminated tag block nothing is cut: the frame is rejected whole.
        1 + memchr::memchr(b'\\', &frame[1..])? + 1
    } else {
        0
    };
    let body = frame.get(sentence_start + 1..)?;
    let at = memchr::memchr2(b'!', b'$', body)?;
    Some(sentence_start + 1 + at)
}

fn trim_end(line: &[u8]) -> &[u8] {
    let end = line.iter().rposition(|&b| b != b' ').map_or(0, |i| i + 1);
    &line[..end]
}
