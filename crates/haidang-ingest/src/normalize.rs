//! Decoder events to store rows. A position gets its fix time from the message (the AIS
//! UTC second, the RMC date and time) anchored to the receive time, or the tag block's `c:`
//! when the receiving station stamped one; a VMS fix gets its vessel from the tag block's
//! `s:`. Rejected input becomes a quarantine row with its reason; nothing is dropped
//! without a reason.

use haidang_nmea::{
    AisMessage, Body, Event, GnssReport, PartBDimensions, SafetyAddressed, SafetyBroadcast,
    Sentences, StaticDataReport,
};
use haidang_store::{NewPosition, QuarantinedLine, VesselId, VesselStatic};
use haidang_types::{Degrees, Knots, LatLon, Mmsi};
use time::OffsetDateTime;

/// How far in the future (after its receive time) a fix may claim to be before it is
/// quarantined: receivers' clocks drift, satellites relay late, but never ahead by this.
const FUTURE_TOLERANCE_MS: i64 = 5 * 60 * 1000;

/// The earliest fix time accepted: AIS-catcher's `validTOA` lower bound.
const EARLIEST_FIX_MS: i64 = 946_684_800_000; // 2000-01-01T00:00:00Z

/// Where and when input was read.
#[derive(Clone, Copy, Debug)]
pub struct Received<'a> {
    /// The feed's name (a receiver, a bridge, a file).
    pub source: &'a str,
    /// When the shore read it, UNIX milliseconds.
    pub at_ms: i64,
}

/// What a decoder event becomes.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    /// A vessel's position.
    Position(NewPosition),
    /// Static data about a vessel.
    Static(VesselId, VesselStatic),
    /// Input kept with the reason it could not be used.
    Quarantine(QuarantinedLine),
    /// A distress that is not a position: an AIS safety text (types 12 and 14; the rules
    /// decide whether it announces an active SART, MOB or EPIRB) or a bridge's VMS SOS.
    Distress(Distress),
}

/// A safety text or an SOS, for the rules.
#[derive(Clone, Debug, PartialEq)]
pub struct Distress {
    /// Who sent it.
    pub vessel: VesselId,
    /// True for a VMS terminal's SOS, false for an AIS safety text.
    pub sos: bool,
    /// The text as sent.
    pub text: String,
    /// The message's own time (tag block `c:`), or the receive time.
    pub time: OffsetDateTime,
    /// When the shore read it.
    pub received_at: OffsetDateTime,
}

/// Why a decoded message produced no row. These are counted, not quarantined: the
/// message was valid, it just holds nothing to store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Skipped {
    /// A position report whose position is "not available" (91/181) or out of range.
    NoPosition,
    /// A message type that carries no vessel position or static data (base stations,
    /// aids to navigation, binary and safety messages, channel management...).
    NotAVessel,
    /// A GNSS course-and-speed sentence (VTG) without a position.
    NoGnssPosition,
}

impl Skipped {
    /// The counter name.
    pub fn as_str(self) -> &'static str {
        match self {
            Skipped::NoPosition => "no_position",
            Skipped::NotAVessel => "not_a_vessel",
            Skipped::NoGnssPosition => "no_gnss_position",
        }
    }
}

/// Turns decoder events into rows.
#[derive(Debug, Default)]
pub struct Normalizer {
    _private: (),
}

impl Normalizer {
    /// A normalizer.
    pub fn new() -> Self {
        Self::default()
    }

    /// The row an event becomes, or why it becomes none.
    pub fn normalize(&self, event: &Event<'_>, received: Received<'_>) -> Result<Item, Skipped> {
        match event {
            Event::Ais(report) => {
                let anchor = report
                    .tag_block
                    .and_then(|t| t.time_ms())
                    .unwrap_or(received.at_ms);
                ais_item(&report.message, anchor, received, report.sentences)
            }
            Event::Gnss(report) => gnss_item(report, received),
            Event::Sos(report) => {
                let Some(vessel) = report
                    .tag_block
                    .and_then(|t| t.source())
                    .filter(|s| !s.is_empty())
                else {
                    // An SOS must say whose it is; kept, with the reason, for an operator.
                    return Ok(quarantine("no_vessel_identity", report.sentences, received));
                };
                let time = report.tag_block.and_then(|t| t.time_ms());
                Ok(Item::Distress(Distress {
                    vessel: VesselId::Registration(vessel.to_owned()),
                    sos: true,
                    text: report.text.to_owned(),
                    time: instant(time.unwrap_or(received.at_ms)),
                    received_at: instant(received.at_ms),
                }))
            }
            Event::Rejected(r) => Ok(quarantine(r.reason.as_str(), r.sentences, received)),
        }
    }
}

fn quarantine(reason: &str, sentences: Sentences<'_>, received: Received<'_>) -> Item {
    Item::Quarantine(QuarantinedLine {
        received_at: instant(received.at_ms),
        source: received.source.to_owned(),
        reason: reason.to_owned(),
        line: joined(sentences),
    })
}

/// The sentences as read (tag blocks included), one per line.
fn joined(sentences: Sentences<'_>) -> String {
    let mut text = String::new();
    for (i, s) in sentences.iter().enumerate() {
        if i > 0 {
            text.push('\n');
        }
        text.push_str(&String::from_utf8_lossy(s));
    }
    text
}

fn ais_item(
    m: &AisMessage,
    anchor_ms: i64,
    received: Received<'_>,
    raw: Sentences<'_>,
) -> Result<Item, Skipped> {
    let Some(mmsi) = Mmsi::new(m.mmsi) else {
        return Err(Skipped::NotAVessel);
    };
    let vessel = VesselId::Mmsi(mmsi);
    let (second, nav_status) = match &m.body {
        Body::PositionReport(b) => (Some(b.second), Some(b.nav_status as u8)),
        Body::ClassBPosition(b) => (Some(b.second), None),
        Body::ClassBExtended(b) => (Some(b.second), None),
        Body::SarAircraft(b) => (Some(b.second), None),
        Body::LongRange(b) => (None, Some(b.nav_status as u8)),
        Body::StaticVoyage(_) | Body::StaticData(_) => {
            return Ok(Item::Static(vessel, static_data(m, received)));
        }
        Body::SafetyAddressed(SafetyAddressed { text, .. })
        | Body::SafetyBroadcast(SafetyBroadcast { text, .. }) => {
            return Ok(Item::Distress(Distress {
                vessel,
                sos: false,
                text: text.clone(),
                time: instant(anchor_ms),
                received_at: instant(received.at_ms),
            }));
        }
        _ => return Err(Skipped::NotAVessel),
    };
    let Some((lon, lat)) = m.position() else {
        return Err(Skipped::NoPosition);
    };
    let Ok(position) = LatLon::new(lon, lat) else {
        return Err(Skipped::NoPosition);
    };
    let fix_ms = match second {
        Some(s @ 0..=59) => fix_from_second(anchor_ms, s),
        _ => anchor_ms,
    };
    if let Some(reason) = implausible_time(fix_ms, received.at_ms) {
        return Ok(quarantine(reason, raw, received));
    }
    Ok(Item::Position(NewPosition {
        vessel,
        fix_time: instant(fix_ms),
        received_at: instant(received.at_ms),
        source: received.source.to_owned(),
        position,
        sog: m.sog_knots().map(Knots),
        cog: m.cog_degrees().map(Degrees),
        heading: m.heading_degrees(),
        nav_status: nav_status.filter(|&s| s < 15),
        raw: Some(joined(raw)),
    }))
}

/// The latest instant at or before `anchor_ms` (allowing a few seconds of clock skew) whose
/// second of the minute is `second`.
fn fix_from_second(anchor_ms: i64, second: u32) -> i64 {
    const SKEW_MS: i64 = 5_000;
    let minute = anchor_ms.div_euclid(60_000) * 60_000;
    let candidate = minute + i64::from(second) * 1000;
    if candidate > anchor_ms + SKEW_MS {
        candidate - 60_000
    } else {
        candidate
    }
}

fn implausible_time(fix_ms: i64, received_ms: i64) -> Option<&'static str> {
    if fix_ms > received_ms + FUTURE_TOLERANCE_MS {
        Some("future_fix")
    } else if fix_ms < EARLIEST_FIX_MS {
        Some("impossible_fix_time")
    } else {
        None
    }
}

fn static_data(m: &AisMessage, received: Received<'_>) -> VesselStatic {
    let mut s = VesselStatic {
        updated_at: Some(instant(received.at_ms)),
        ..VesselStatic::default()
    };
    let text = |t: &str| (!t.is_empty()).then(|| t.to_owned());
    let dims = |bow: u32, stern: u32, port: u32, starboard: u32| {
        let length = f64::from(bow + stern);
        let beam = f64::from(port + starboard);
        (
            (length > 0.0).then_some(length),
            (beam > 0.0).then_some(beam),
        )
    };
    match &m.body {
        Body::StaticVoyage(b) => {
            s.name = text(&b.name);
            s.call_sign = text(&b.callsign);
            s.imo = (b.imo > 0).then_some(b.imo);
            s.ship_type = u8::try_from(b.ship_type).ok().filter(|&t| t > 0);
            (s.length_meters, s.beam_meters) =
                dims(b.to_bow, b.to_stern, b.to_port, b.to_starboard);
            s.draught_meters = (b.draught > 0).then(|| f64::from(b.draught) / 10.0);
            s.destination = text(&b.destination);
        }
        Body::StaticData(StaticDataReport::PartA { name }) => s.name = text(name),
        Body::StaticData(StaticDataReport::PartB(b)) => {
            s.call_sign = text(&b.callsign);
            s.ship_type = u8::try_from(b.ship_type).ok().filter(|&t| t > 0);
            if let PartBDimensions::Dimensions {
                to_bow,
                to_stern,
                to_port,
                to_starboard,
            } = b.dimensions
            {
                (s.length_meters, s.beam_meters) = dims(to_bow, to_stern, to_port, to_starboard);
            }
        }
        _ => {}
    }
    s
}

fn gnss_item(report: &GnssReport<'_>, received: Received<'_>) -> Result<Item, Skipped> {
    let Some(vessel) = report
        .tag_block
        .and_then(|t| t.source())
        .filter(|s| !s.is_empty())
    else {
        // A VMS fix must say whose it is; without `s:` it cannot be stored as anyone's.
        return Ok(quarantine("no_vessel_identity", report.sentences, received));
    };
    let fix = &report.fix;
    let (Some(lon), Some(lat)) = (fix.lon, fix.lat) else {
        return Err(Skipped::NoGnssPosition);
    };
    let Ok(position) = LatLon::new(lon, lat) else {
        return Err(Skipped::NoGnssPosition);
    };
    let anchor = report
        .tag_block
        .and_then(|t| t.time_ms())
        .unwrap_or(received.at_ms);
    let fix_ms = match (fix.time, fix.time_of_day_ms) {
        (Some(t), _) => t.0,
        (None, Some(tod)) => nearest_time_of_day(anchor, tod),
        (None, None) => anchor,
    };
    if let Some(reason) = implausible_time(fix_ms, received.at_ms) {
        return Ok(quarantine(reason, report.sentences, received));
    }
    Ok(Item::Position(NewPosition {
        vessel: VesselId::Registration(vessel.to_owned()),
        fix_time: instant(fix_ms),
        received_at: instant(received.at_ms),
        source: received.source.to_owned(),
        position,
        sog: fix.sog_knots.map(Knots),
        cog: fix.cog_degrees.map(Degrees),
        heading: None,
        nav_status: None,
        raw: Some(joined(report.sentences)),
    }))
}

/// The instant with time of day `tod_ms` nearest to `anchor_ms` (within 12 hours).
fn nearest_time_of_day(anchor_ms: i64, tod_ms: u32) -> i64 {
    const DAY: i64 = 86_400_000;
    let candidate = anchor_ms.div_euclid(DAY) * DAY + i64::from(tod_ms);
    if candidate - anchor_ms > DAY / 2 {
        candidate - DAY
    } else if anchor_ms - candidate > DAY / 2 {
        candidate + DAY
    } else {
        candidate
    }
}

/// `t` in UNIX milliseconds (the inverse of [`instant`]).
pub(crate) fn millis(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos().div_euclid(1_000_000)).unwrap_or(i64::MAX)
}

pub(crate) fn instant(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;
    use haidang_nmea::{Decoder, DecoderConfig};

    /// 2026-11-23T03:00:30Z
    const NOW: i64 = 1_795_402_830_000;

    fn check(line: &str, expect: &str) {
        let normalizer = Normalizer::new();
        let mut decoder = Decoder::new(DecoderConfig::RECOMMENDED);
        let mut got = Vec::new();
        let received = Received {
            source: "test",
            at_ms: NOW,
        };
        decoder.feed_line(line.as_bytes(), 0, 0, &mut |e| {
            got.push(match normalizer.normalize(&e, received) {
                Ok(Item::Position(p)) => format!(
                    "position {} {} fix={} lon={:.5} lat={:.5} sog={:?} cog={:?} hdg={:?} nav={:?}",
                    p.vessel,
                    p.source,
                    p.fix_time,
                    p.position.lon(),
                    p.position.lat(),
                    p.sog.map(|k| k.0),
                    p.cog.map(|d| d.0),
                    p.heading,
                    p.nav_status
                ),
                Ok(Item::Static(v, s)) => format!(
                    "static {v} name={:?} call={:?} len={:?} beam={:?} draught={:?}",
                    s.name, s.call_sign, s.length_meters, s.beam_meters, s.draught_meters
                ),
                Ok(Item::Quarantine(q)) => format!("quarantine {} {:?}", q.reason, q.line),
                Ok(Item::Distress(d)) => format!(
                    "distress {} sos={} text={:?} time={} received={}",
                    d.vessel, d.sos, d.text, d.time, d.received_at
                ),
                Err(skipped) => format!("skipped {}", skipped.as_str()),
            });
        });
        assert_eq!(got.join("\n"), expect, "{line}");
    }

    #[test]
    fn class_a_fix_time_comes_from_the_utc_second() {
        // Second 33, received at :30 (3 s of skew allowed): 03:00:33; with second 13, 03:00:13.
        check(
            "!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A",
            "position mmsi:371798000 test fix=2026-11-23 3:00:33.0 +00:00:00 lon=-123.39538 lat=48.38163 sog=Some(12.3) cog=Some(224.0) hdg=Some(215) nav=Some(0)",
        );
        check(
            "!AIVDM,1,1,,A,16SteH0P00Jt63hHaa6SagvJ087r,0*42",
            "position mmsi:440348000 test fix=2026-11-23 3:00:13.0 +00:00:00 lon=-70.75820 lat=43.08015 sog=Some(0.0) cog=Some(93.4) hdg=None nav=Some(0)",
        );
    }

    #[test]
    fn a_second_later_than_the_receive_time_is_the_previous_minute() {
        assert_eq!(fix_from_second(NOW, 59), NOW - 31_000);
        assert_eq!(fix_from_second(NOW, 34), NOW + 4_000);
        assert_eq!(fix_from_second(NOW, 36), NOW - 54_000);
    }

    #[test]
    fn tag_block_time_anchors_the_fix() {
        // The station stamped 2023-11-14T22:14:34Z; second 41 of that minute is earlier
        // than :34 + 5 s, so the fix is 22:14:41 - 60 s. Old data is kept as it is (a
        // replay or a backlog), with its own fix time.
        check(
            "\\s:r003669945,c:1700000074,n:1002*02\\!AIVDM,1,1,,B,25Cjtd0Oj;Jp7ilG7=UkKBoB0<06,0*60",
            "position mmsi:356302000 test fix=2023-11-14 22:13:41.0 +00:00:00 lon=-71.62614 lat=40.39236 sog=Some(13.9) cog=Some(87.7) hdg=Some(91) nav=Some(0)",
        );
    }

    #[test]
    fn vms_fix_takes_the_vessel_from_the_tag_block() {
        check(
            "\\s:BD-90123-TS,c:1795402800*00\\$GPRMC,030000,A,1343.20,N,10919.20,E,8.0,120.0,231126,,,A*78",
            "position reg:BD-90123-TS test fix=2026-11-23 3:00:00.0 +00:00:00 lon=109.32000 lat=13.72000 sog=Some(8.0) cog=Some(120.0) hdg=None nav=None",
        );
        check(
            "$GPRMC,030000,A,1343.20,N,10919.20,E,8.0,120.0,231126,,,A*78",
            "quarantine no_vessel_identity \"$GPRMC,030000,A,1343.20,N,10919.20,E,8.0,120.0,231126,,,A*78\"",
        );
    }

    #[test]
    fn static_data_and_things_that_are_not_vessel_positions() {
        check(
            "!AIVDM,1,1,,A,H42O55lti4hhhilD3nink000?050,0*40",
            "static mmsi:271041815 name=None call=Some(\"TC6163\") len=Some(15.0) beam=Some(5.0) draught=None",
        );
        check(
            "!AIVDM,1,1,,A,403OviQuMGCqWrRO9>E6fE700@GO,0*4D",
            "skipped not_a_vessel",
        );
        // Type 1 with longitude 181 and latitude 91: not a position.
        let mut p = haidang_nmea::encode::Payload::new();
        p.uint(1, 6)
            .uint(0, 2)
            .uint(574_000_001, 30)
            .uint(15, 4)
            .int(-128, 8)
            .uint(1023, 10)
            .flag(false);
        p.int(181 * 600_000, 28)
            .int(91 * 600_000, 27)
            .uint(3600, 12)
            .uint(511, 9)
            .uint(60, 6)
            .uint(0, 24);
        let (armored, fill) = p.armored();
        let line =
            haidang_nmea::encode::vdm_sentences("AI", 'A', None, &armored, fill, 60).concat();
        check(&line, "skipped no_position");
        check(
            "!AIVDM,1,1,,B,142O8P@0161NcTHErr8e0rI80<0;,0*9A",
            "quarantine bad_checksum \"!AIVDM,1,1,,B,142O8P@0161NcTHErr8e0rI80<0;,0*9A\"",
        );
    }

    #[test]
    fn a_fix_from_the_future_is_quarantined() {
        // RMC dated the day after it was received.
        check(
            "\\s:BD-90123-TS*71\\$GPRMC,030000,A,1343.20,N,10919.20,E,8.0,120.0,241126,,,A*7F",
            "quarantine future_fix \"\\\\s:BD-90123-TS*71\\\\$GPRMC,030000,A,1343.20,N,10919.20,E,8.0,120.0,241126,,,A*7F\"",
        );
    }

    #[test]
    fn safety_texts_and_sos_are_distress_signals() {
        // Type 14 (broadcast safety) from a SART, as its test and active forms announce.
        let mut payload = haidang_nmea::encode::Payload::new();
        payload
            .uint(14, 6)
            .uint(0, 2)
            .uint(970_123_456, 30)
            .uint(0, 2)
            .text("SART ACTIVE", 11);
        let (armored, fill) = payload.armored();
        let line =
            haidang_nmea::encode::vdm_sentences("AI", 'A', None, &armored, fill, 60).concat();
        check(
            &line,
            "distress mmsi:970123456 sos=false text=\"SART ACTIVE\" time=2026-11-23 3:00:30.0 +00:00:00 received=2026-11-23 3:00:30.0 +00:00:00",
        );
        // A bridge's SOS: the vessel and the time aboard from its tag block.
        let sos = format!(
            "{}{}",
            haidang_nmea::encode::tag_block("s:BV-90001-TS,c:1795402800000,n:7"),
            haidang_nmea::encode::sentence('$', "PHDG,SOS,ENGINE FIRE")
        );
        check(
            &sos,
            "distress reg:BV-90001-TS sos=true text=\"ENGINE FIRE\" time=2026-11-23 3:00:00.0 +00:00:00 received=2026-11-23 3:00:30.0 +00:00:00",
        );
        // Without `s:` nobody can be helped: quarantined, with the reason.
        check(
            &haidang_nmea::encode::sentence('$', "PHDG,SOS,ENGINE FIRE"),
            "quarantine no_vessel_identity \"$PHDG,SOS,ENGINE FIRE*62\"",
        );
    }
}
