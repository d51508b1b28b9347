//! AIS message decoding for types 1 to 27 (ITU-R M.1371-5), from de-armoured bits to typed
//! messages. Raw wire values are kept; accessors give "not available" as `None`.

pub(crate) mod fields;
mod types;

pub use fields::FieldVisitor;
pub use types::*;

use crate::bits::Bits;
use crate::error::Reason;

/// A decoded AIS message: the common header and the typed body.
#[derive(Clone, Debug, PartialEq)]
pub struct AisMessage {
    /// Message type, 1 to 27.
    pub msg_type: u8,
    /// Repeat indicator, 0 to 3.
    pub repeat: u8,
    /// The transmitting station's MMSI (30 bits, as sent).
    pub mmsi: u32,
    /// The type-specific fields.
    pub body: Body,
}

/// The type-specific part of an AIS message.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Body {
    /// Types 1, 2, 3: Class A position report.
    PositionReport(PositionReport),
    /// Types 4, 11: base station report, UTC/date response.
    BaseStation(BaseStationReport),
    /// Type 5: Class A static and voyage data.
    StaticVoyage(StaticVoyageData),
    /// Type 6: addressed binary message.
    BinaryAddressed(BinaryAddressed),
    /// Types 7, 13: binary or safety acknowledge.
    Acknowledge(Acknowledge),
    /// Type 8: binary broadcast message.
    BinaryBroadcast(BinaryBroadcast),
    /// Type 9: SAR aircraft position report.
    SarAircraft(SarAircraftReport),
    /// Type 10: UTC/date inquiry.
    UtcInquiry(UtcInquiry),
    /// Type 12: addressed safety-related message.
    SafetyAddressed(SafetyAddressed),
    /// Type 14: safety-related broadcast.
    SafetyBroadcast(SafetyBroadcast),
    /// Type 15: interrogation.
    Interrogation(Interrogation),
    /// Type 16: assignment mode command.
    AssignmentMode(AssignmentMode),
    /// Type 17: DGNSS broadcast binary message.
    Dgnss(DgnssBroadcast),
    /// Type 18: Class B position report.
    ClassBPosition(ClassBPosition),
    /// Type 19: extended Class B position report.
    ClassBExtended(ClassBExtended),
    /// Type 20: data link management.
    DataLinkManagement(DataLinkManagement),
    /// Type 21: aid-to-navigation report.
    AidToNavigation(AidToNavigation),
    /// Type 22: channel management.
    ChannelManagement(ChannelManagement),
    /// Type 23: group assignment command.
    GroupAssignment(GroupAssignment),
    /// Type 24: Class B static data report, part A or B.
    StaticData(StaticDataReport),
    /// Types 25 and 26: single- and multiple-slot binary messages.
    SlotBinary(SlotBinary),
    /// Type 27: long-range position report.
    LongRange(LongRangeReport),
}

/// The shortest payload each type may have, in bits, indexed by type. These follow gpsd's
/// length checks where the corpus agrees with them; shorter payloads are `truncated_payload`.
const MIN_BITS: [usize; 28] = [
    0, // 0: undefined
    163, 163, 163, // 1-3: 168 nominal; gpsd and real receivers send 163 with 5 fill bits
    168, // 4
    420, // 5: 424 nominal; 420 and 422 are seen with mis-set fill bits
    88,  // 6
    72,  // 7
    56,  // 8
    168, // 9
    72,  // 10
    168, // 11
    72,  // 12
    72,  // 13
    40,  // 14
    88,  // 15
    96,  // 16
    80,  // 17
    168, // 18
    312, // 19
    72,  // 20
    272, // 21
    168, // 22
    160, // 23
    160, // 24: part B needs 168, checked below
    40,  // 25
    60,  // 26
    96,  // 27
];

/// Decodes a de-armoured payload.
pub(crate) fn decode(bits: &Bits) -> Result<AisMessage, Reason> {
    let msg_type = bits.uint(0, 6) as u8;
    if !(1..=27).contains(&msg_type) {
        return Err(Reason::UnknownMessageType);
    }
    if bits.len() < MIN_BITS[usize::from(msg_type)] {
        return Err(Reason::TruncatedPayload);
    }
    let body = match msg_type {
        1..=3 => Body::PositionReport(PositionReport::decode(bits)),
        4 | 11 => Body::BaseStation(BaseStationReport::decode(bits)),
        5 => Body::StaticVoyage(StaticVoyageData::decode(bits)),
        6 => Body::BinaryAddressed(BinaryAddressed::decode(bits)),
        7 | 13 => Body::Acknowledge(Acknowledge::decode(bits)),
        8 => Body::BinaryBroadcast(BinaryBroadcast::decode(bits)),
        9 => Body::SarAircraft(SarAircraftReport::decode(bits)),
        10 => Body::UtcInquiry(UtcInquiry::decode(bits)),
        12 => Body::SafetyAddressed(SafetyAddressed::decode(bits)),
        14 => Body::SafetyBroadcast(SafetyBroadcast::decode(bits)),
        15 => Body::Interrogation(Interrogation::decode(bits)),
        16 => Body::AssignmentMode(AssignmentMode::decode(bits)),
        17 => Body::Dgnss(DgnssBroadcast::decode(bits)),
        18 => Body::ClassBPosition(ClassBPosition::decode(bits)),
        19 => Body::ClassBExtended(ClassBExtended::decode(bits)),
        20 => Body::DataLinkManagement(DataLinkManagement::decode(bits)),
        21 => Body::AidToNavigation(AidToNavigation::decode(bits)),
        22 => Body::ChannelManagement(ChannelManagement::decode(bits)),
        23 => Body::GroupAssignment(GroupAssignment::decode(bits)),
        24 => Body::StaticData(StaticDataReport::decode(bits)?),
        25 | 26 => Body::SlotBinary(SlotBinary::decode(bits, msg_type == 26)),
        _ => Body::LongRange(LongRangeReport::decode(bits)),
    };
    Ok(AisMessage {
        msg_type,
        repeat: bits.uint(6, 2) as u8,
        mmsi: bits.uint(8, 30),
        body,
    })
}

impl AisMessage {
    /// Reports every field, header first, with canonical names and units.
    pub fn visit<V: FieldVisitor + ?Sized>(&self, v: &mut V) {
        v.uint("msg_type", u64::from(self.msg_type));
        v.uint("repeat", u64::from(self.repeat));
        v.uint("mmsi", u64::from(self.mmsi));
        match &self.body {
            Body::PositionReport(b) => b.visit(v),
            Body::BaseStation(b) => b.visit(v),
            Body::StaticVoyage(b) => b.visit(v),
            Body::BinaryAddressed(b) => b.visit(v),
            Body::Acknowledge(b) => b.visit(v),
            Body::BinaryBroadcast(b) => b.visit(v),
            Body::SarAircraft(b) => b.visit(v),
            Body::UtcInquiry(b) => b.visit(v),
            Body::SafetyAddressed(b) => b.visit(v),
            Body::SafetyBroadcast(b) => b.visit(v),
            Body::Interrogation(b) => b.visit(v),
            Body::AssignmentMode(b) => b.visit(v),
            Body::Dgnss(b) => b.visit(v),
            Body::ClassBPosition(b) => b.visit(v),
            Body::ClassBExtended(b) => b.visit(v),
            Body::DataLinkManagement(b) => b.visit(v),
            Body::AidToNavigation(b) => b.visit(v),
            Body::ChannelManagement(b) => b.visit(v),
            Body::GroupAssignment(b) => b.visit(v),
            Body::StaticData(b) => b.visit(v),
            Body::SlotBinary(b) => b.visit(v),
            Body::LongRange(b) => b.visit(v),
        }
    }

    /// The reported position as (longitude, latitude) in degrees, if the message carries one
    /// and it is available and in range. Sentinels (181, 91) and out-of-range values give
    /// `None`: they are never a position.
    pub fn position(&self) -> Option<(f64, f64)> {
        let (lon, lat, per_degree) = match &self.body {
            Body::PositionReport(b) => (b.lon, b.lat, 600_000.0),
            Body::BaseStation(b) => (b.lon, b.lat, 600_000.0),
            Body::SarAircraft(b) => (b.lon, b.lat, 600_000.0),
            Body::ClassBPosition(b) => (b.lon, b.lat, 600_000.0),
            Body::ClassBExtended(b) => (b.lon, b.lat, 600_000.0),
            Body::AidToNavigation(b) => (b.lon, b.lat, 600_000.0),
            Body::LongRange(b) => (b.lon, b.lat, 600.0),
            _ => return None,
        };
        let (lon, lat) = (f64::from(lon) / per_degree, f64::from(lat) / per_degree);
        ((-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)).then_some((lon, lat))
    }

    /// Speed over ground in knots, if the message carries an available one.
    pub fn sog_knots(&self) -> Option<f64> {
        match &self.body {
            Body::PositionReport(b) => tenths_below(b.sog, 1023),
            Body::ClassBPosition(b) => tenths_below(b.sog, 1023),
            Body::ClassBExtended(b) => tenths_below(b.sog, 1023),
            Body::SarAircraft(b) => (b.sog < 1023).then_some(f64::from(b.sog)),
            Body::LongRange(b) => (b.sog < 63).then_some(f64::from(b.sog)),
            _ => None,
        }
    }

    /// Course over ground in degrees, if the message carries an available one.
    pub fn cog_degrees(&self) -> Option<f64> {
        match &self.body {
            Body::PositionReport(b) => tenths_below(b.cog, 3600),
            Body::ClassBPosition(b) => tenths_below(b.cog, 3600),
            Body::ClassBExtended(b) => tenths_below(b.cog, 3600),
            Body::SarAircraft(b) => tenths_below(b.cog, 3600),
            Body::LongRange(b) => (b.cog < 360).then_some(f64::from(b.cog)),
            _ => None,
        }
    }

    /// True heading in degrees, if the message carries an available one.
    pub fn heading_degrees(&self) -> Option<u16> {
        let heading = match &self.body {
            Body::PositionReport(b) => b.heading,
            Body::ClassBPosition(b) => b.heading,
            Body::ClassBExtended(b) => b.heading,
            _ => return None,
        };
        (heading < 360).then_some(heading as u16)
    }
}

fn tenths_below(raw: u32, sentinel: u32) -> Option<f64> {
    (raw < sentinel).then_some(f64::from(raw) / 10.0)
}
