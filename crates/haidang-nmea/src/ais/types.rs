//! The message bodies. Offsets and widths are those of ITU-R M.1371-5 Annex 8 (and, for the
//! application payloads decoded here, IMO SN.1/Circ.289 and the USCG regional messages).

use super::fields::{FieldVisitor, ais_body};
use crate::bits::{BinaryData, Bits};
use crate::error::Reason;

ais_body! {
    /// Types 1, 2, 3: Class A position report.
    pub struct PositionReport {
        /// Navigational status, 0 to 15 (15 = not defined).
        nav_status: U(38, 4),
        /// Rate of turn as sent: -128 = not available, ±127 = turning fast, no indicator.
        rot_raw: I(42, 8),
        /// Speed over ground in 0.1 knot; 1023 = not available, 1022 = 102.2 kn or more.
        sog: Tenths(50, 10),
        /// Position accuracy: true = better than 10 m.
        position_accuracy: Flag(60, 1),
        /// Longitude in 1/10,000 minute; 181° = not available.
        lon: Deg4(61, 28),
        /// Latitude in 1/10,000 minute; 91° = not available.
        lat: Deg4(89, 27),
        /// Course over ground in 0.1 degree; 3600 = not available.
        cog: Tenths(116, 12),
        /// True heading in degrees; 511 = not available.
        heading: U(128, 9),
        /// UTC second of the fix; 60 = not available, 61-63 = manual, dead reckoning, inoperative.
        second: U(137, 6),
        /// Special manoeuvre indicator.
        maneuver: U(143, 2),
        /// RAIM in use.
        raim: Flag(148, 1),
        /// Radio status (SOTDMA or ITDMA communication state).
        radio: U(149, 19),
    }
}

ais_body! {
    /// Types 4 and 11: base station report and UTC/date response.
    pub struct BaseStationReport {
        /// UTC year; 0 = not available.
        year: U(38, 14),
        /// UTC month; 0 = not available.
        month: U(52, 4),
        /// UTC day; 0 = not available.
        day: U(56, 5),
        /// UTC hour; 24 = not available.
        hour: U(61, 5),
        /// UTC minute; 60 = not available.
        minute: U(66, 6),
        /// UTC second; 60 = not available.
        second: U(72, 6),
        /// Position accuracy: true = better than 10 m.
        position_accuracy: Flag(78, 1),
        /// Longitude in 1/10,000 minute; 181° = not available.
        lon: Deg4(79, 28),
        /// Latitude in 1/10,000 minute; 91° = not available.
        lat: Deg4(107, 27),
        /// Type of position-fixing device.
        epfd: U(134, 4),
        /// RAIM in use.
        raim: Flag(148, 1),
        /// Radio status.
        radio: U(149, 19),
    }
}

ais_body! {
    /// Type 5: Class A static and voyage-related data.
    pub struct StaticVoyageData {
        /// AIS version indicator.
        ais_version: U(38, 2),
        /// IMO number; 0 = not available.
        imo: U(40, 30),
        /// Call sign.
        callsign: Text(70, 42),
        /// Vessel name.
        name: Text(112, 120),
        /// Ship and cargo type.
        ship_type: U(232, 8),
        /// Distance from the reference point to the bow, metres.
        to_bow: U(240, 9),
        /// Distance from the reference point to the stern, metres.
        to_stern: U(249, 9),
        /// Distance from the reference point to port, metres.
        to_port: U(258, 6),
        /// Distance from the reference point to starboard, metres.
        to_starboard: U(264, 6),
        /// Type of position-fixing device.
        epfd: U(270, 4),
        /// ETA month; 0 = not available.
        eta_month: U(274, 4),
        /// ETA day; 0 = not available.
        eta_day: U(278, 5),
        /// ETA hour; 24 = not available.
        eta_hour: U(283, 5),
        /// ETA minute; 60 = not available.
        eta_minute: U(288, 6),
        /// Maximum present static draught in 0.1 m.
        draught: Tenths(294, 8),
        /// Destination.
        destination: Text(302, 120),
        /// Data terminal equipment: 0 = ready, 1 = not available.
        dte: U(422, 1),
    }
}

ais_body! {
    /// Types 7 and 13: acknowledgements of addressed binary and safety messages. Groups absent
    /// from a short message read as 0.
    pub struct Acknowledge {
        /// First acknowledged MMSI.
        mmsi1: U(40, 30),
        /// Second acknowledged MMSI.
        mmsi2: U(72, 30),
        /// Third acknowledged MMSI.
        mmsi3: U(104, 30),
        /// Fourth acknowledged MMSI.
        mmsi4: U(136, 30),
    }
}

ais_body! {
    /// Type 9: standard SAR aircraft position report.
    pub struct SarAircraftReport {
        /// Altitude in metres; 4095 = not available.
        alt: U(38, 12),
        /// Speed over ground in whole knots; 1023 = not available.
        sog: U(50, 10),
        /// Position accuracy: true = better than 10 m.
        position_accuracy: Flag(60, 1),
        /// Longitude in 1/10,000 minute; 181° = not available.
        lon: Deg4(61, 28),
        /// Latitude in 1/10,000 minute; 91° = not available.
        lat: Deg4(89, 27),
        /// Course over ground in 0.1 degree; 3600 = not available.
        cog: Tenths(116, 12),
        /// UTC second of the fix.
        second: U(128, 6),
        /// Data terminal equipment: 0 = ready, 1 = not available.
        dte: U(142, 1),
        /// Assigned-mode flag.
        assigned: Flag(146, 1),
        /// RAIM in use.
        raim: Flag(147, 1),
        /// Radio status.
        radio: U(148, 20),
    }
}

ais_body! {
    /// Type 10: UTC/date inquiry.
    pub struct UtcInquiry {
        /// The station asked.
        dest_mmsi: U(40, 30),
    }
}

ais_body! {
    /// Type 15: interrogation. Groups absent from a short message read as 0.
    pub struct Interrogation {
        /// First interrogated MMSI.
        mmsi1: U(40, 30),
        /// First message type requested from the first station.
        type1_1: U(70, 6),
        /// Slot offset of that reply.
        offset1_1: U(76, 12),
        /// Second message type requested from the first station.
        type1_2: U(90, 6),
        /// Slot offset of that reply.
        offset1_2: U(96, 12),
        /// Second interrogated MMSI.
        mmsi2: U(110, 30),
        /// Message type requested from the second station.
        type2_1: U(140, 6),
        /// Slot offset of that reply.
        offset2_1: U(146, 12),
    }
}

ais_body! {
    /// Type 16: assignment mode command. The second group is 0 when absent.
    pub struct AssignmentMode {
        /// First destination MMSI.
        mmsi1: U(40, 30),
        /// Its slot offset.
        offset1: U(70, 12),
        /// Its increment.
        increment1: U(82, 10),
        /// Second destination MMSI.
        mmsi2: U(92, 30),
        /// Its slot offset.
        offset2: U(122, 12),
        /// Its increment.
        increment2: U(134, 10),
    }
}

ais_body! {
    /// Type 18: standard Class B position report.
    pub struct ClassBPosition {
        /// Speed over ground in 0.1 knot; 1023 = not available.
        sog: Tenths(46, 10),
        /// Position accuracy: true = better than 10 m.
        position_accuracy: Flag(56, 1),
        /// Longitude in 1/10,000 minute; 181° = not available.
        lon: Deg4(57, 28),
        /// Latitude in 1/10,000 minute; 91° = not available.
        lat: Deg4(85, 27),
        /// Course over ground in 0.1 degree; 3600 = not available.
        cog: Tenths(112, 12),
        /// True heading in degrees; 511 = not available.
        heading: U(124, 9),
        /// UTC second of the fix.
        second: U(133, 6),
        /// Class B unit: true = carrier-sense (CS), false = SOTDMA.
        cs: Flag(141, 1),
        /// Class B unit has a display.
        display: Flag(142, 1),
        /// Class B unit has DSC.
        dsc: Flag(143, 1),
        /// Class B unit can use the whole marine band.
        band: Flag(144, 1),
        /// Class B unit accepts channel management (type 22).
        msg22: Flag(145, 1),
        /// Assigned-mode flag.
        assigned: Flag(146, 1),
        /// RAIM in use.
        raim: Flag(147, 1),
        /// Radio status.
        radio: U(148, 20),
    }
}

ais_body! {
    /// Type 19: extended Class B position report.
    pub struct ClassBExtended {
        /// Speed over ground in 0.1 knot; 1023 = not available.
        sog: Tenths(46, 10),
        /// Position accuracy: true = better than 10 m.
        position_accuracy: Flag(56, 1),
        /// Longitude in 1/10,000 minute; 181° = not available.
        lon: Deg4(57, 28),
        /// Latitude in 1/10,000 minute; 91° = not available.
        lat: Deg4(85, 27),
        /// Course over ground in 0.1 degree; 3600 = not available.
        cog: Tenths(112, 12),
        /// True heading in degrees; 511 = not available.
        heading: U(124, 9),
        /// UTC second of the fix.
        second: U(133, 6),
        /// Vessel name.
        name: Text(143, 120),
        /// Ship and cargo type.
        ship_type: U(263, 8),
        /// Distance from the reference point to the bow, metres.
        to_bow: U(271, 9),
        /// Distance from the reference point to the stern, metres.
        to_stern: U(280, 9),
        /// Distance from the reference point to port, metres.
        to_port: U(289, 6),
        /// Distance from the reference point to starboard, metres.
        to_starboard: U(295, 6),
        /// Type of position-fixing device.
        epfd: U(301, 4),
        /// RAIM in use.
        raim: Flag(305, 1),
        /// Data terminal equipment: 0 = ready, 1 = not available.
        dte: U(306, 1),
        /// Assigned-mode flag.
        assigned: Flag(307, 1),
    }
}

ais_body! {
    /// Type 20: data link management (slot reservations). Absent groups read as 0.
    pub struct DataLinkManagement {
        /// First reserved slot offset.
        offset1: U(40, 12),
        /// Number of slots.
        number1: U(52, 4),
        /// Timeout in minutes.
        timeout1: U(56, 3),
        /// Increment.
        increment1: U(59, 11),
        /// Second reserved slot offset.
        offset2: U(70, 12),
        /// Number of slots.
        number2: U(82, 4),
        /// Timeout in minutes.
        timeout2: U(86, 3),
        /// Increment.
        increment2: U(89, 11),
        /// Third reserved slot offset.
        offset3: U(100, 12),
        /// Number of slots.
        number3: U(112, 4),
        /// Timeout in minutes.
        timeout3: U(116, 3),
        /// Increment.
        increment3: U(119, 11),
        /// Fourth reserved slot offset.
        offset4: U(130, 12),
        /// Number of slots.
        number4: U(142, 4),
        /// Timeout in minutes.
        timeout4: U(146, 3),
        /// Increment.
        increment4: U(149, 11),
    }
}

ais_body! {
    /// Type 23: group assignment command for a rectangular area.
    pub struct GroupAssignment {
        /// North-east corner longitude in 1/10 minute.
        ne_lon: Deg1(40, 18),
        /// North-east corner latitude in 1/10 minute.
        ne_lat: Deg1(58, 17),
        /// South-west corner longitude in 1/10 minute.
        sw_lon: Deg1(75, 18),
        /// South-west corner latitude in 1/10 minute.
        sw_lat: Deg1(93, 17),
        /// Station type addressed.
        station_type: U(110, 4),
        /// Ship and cargo type addressed.
        ship_type: U(114, 8),
        /// Transmit/receive mode.
        txrx: U(144, 2),
        /// Reporting interval code.
        interval: U(146, 4),
        /// Quiet time in minutes.
        quiet: U(150, 4),
    }
}

ais_body! {
    /// Type 27: long-range AIS broadcast (satellite), positions in 1/10 minute.
    pub struct LongRangeReport {
        /// Position accuracy: true = better than 10 m.
        position_accuracy: Flag(38, 1),
        /// RAIM in use.
        raim: Flag(39, 1),
        /// Navigational status.
        nav_status: U(40, 4),
        /// Longitude in 1/10 minute; 181° = not available.
        lon: Deg1(44, 18),
        /// Latitude in 1/10 minute; 91° = not available.
        lat: Deg1(62, 17),
        /// Speed over ground in whole knots; 63 = not available.
        sog: U(79, 6),
        /// Course over ground in whole degrees; 511 = not available.
        cog: U(85, 9),
        /// Position latency: false = current GNSS position, true = older than 5 s.
        gnss: Flag(94, 1),
    }
}

/// Type 6: addressed binary message.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct BinaryAddressed {
    /// Sequence number, 0 to 3.
    pub seqno: u32,
    /// Destination MMSI.
    pub dest_mmsi: u32,
    /// Retransmitted flag.
    pub retransmit: bool,
    /// Designated area code of the application.
    pub dac: u32,
    /// Function identifier of the application.
    pub fid: u32,
    /// The application data after DAC and FI.
    pub data: BinaryData,
    /// The text of an international text telegram (DAC 1, FI 0).
    pub text: Option<String>,
}

impl BinaryAddressed {
    pub(crate) fn decode(bits: &Bits) -> Self {
        let (dac, fid) = (bits.uint(72, 10), bits.uint(82, 6));
        // DAC 1 FI 0: acknowledge flag (1 bit), text sequence number (11 bits), then text.
        let text =
            (dac == 1 && fid == 0).then(|| bits.text(100, bits.len().saturating_sub(100) / 6));
        Self {
            seqno: bits.uint(38, 2),
            dest_mmsi: bits.uint(40, 30),
            retransmit: bits.flag(70),
            dac,
            fid,
            data: bits.tail(88),
            text,
        }
    }

    pub(crate) fn visit<V: FieldVisitor + ?Sized>(&self, v: &mut V) {
        v.uint("seqno", u64::from(self.seqno));
        v.uint("dest_mmsi", u64::from(self.dest_mmsi));
        v.flag("retransmit", self.retransmit);
        v.uint("dac", u64::from(self.dac));
        v.uint("fid", u64::from(self.fid));
        if let Some(text) = &self.text {
            v.text("text", text);
        }
    }
}

/// Type 8: binary broadcast message.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct BinaryBroadcast {
    /// Designated area code of the application.
    pub dac: u32,
    /// Function identifier of the application.
    pub fid: u32,
    /// The application data after DAC and FI.
    pub data: BinaryData,
    /// Longitude and latitude in 1/1,000 minute, for the applications that carry a position
    /// decoded here: IMO meteorological and hydrographic data (DAC 1, FI 11) and the USCG
    /// environmental messages (DAC 367, FI 23 and 24).
    pub position: Option<(i32, i32)>,
}

impl BinaryBroadcast {
    pub(crate) fn decode(bits: &Bits) -> Self {
        let (dac, fid) = (bits.uint(40, 10), bits.uint(50, 6));
        let position = match (dac, fid) {
            (1, 11) if bits.len() >= 105 => Some((bits.int(80, 25), bits.int(56, 24))),
            (367, 23) if bits.len() >= 124 => Some((bits.int(75, 25), bits.int(100, 24))),
            (367, 24) if bits.len() >= 119 => Some((bits.int(70, 25), bits.int(95, 24))),
            _ => None,
        };
        Self {
            dac,
            fid,
            data: bits.tail(56),
            position,
        }
    }

    pub(crate) fn visit<V: FieldVisitor + ?Sized>(&self, v: &mut V) {
        v.uint("dac", u64::from(self.dac));
        v.uint("fid", u64::from(self.fid));
        if let Some((lon, lat)) = self.position {
            v.float("lon", f64::from(lon) / 60_000.0);
            v.float("lat", f64::from(lat) / 60_000.0);
        }
    }
}

/// Type 12: addressed safety-related message.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct SafetyAddressed {
    /// Sequence number, 0 to 3.
    pub seqno: u32,
    /// Destination MMSI.
    pub dest_mmsi: u32,
    /// Retransmitted flag.
    pub retransmit: bool,
    /// The text.
    pub text: String,
}

impl SafetyAddressed {
    pub(crate) fn decode(bits: &Bits) -> Self {
        Self {
            seqno: bits.uint(38, 2),
            dest_mmsi: bits.uint(40, 30),
            retransmit: bits.flag(70),
            text: bits.text(72, bits.len().saturating_sub(72) / 6),
        }
    }

    pub(crate) fn visit<V: FieldVisitor + ?Sized>(&self, v: &mut V) {
        v.uint("seqno", u64::from(self.seqno));
        v.uint("dest_mmsi", u64::from(self.dest_mmsi));
        v.flag("retransmit", self.retransmit);
        v.text("text", &self.text);
    }
}

/// Type 14: safety-related broadcast, which is how AIS-SART, MOB and EPIRB devices announce
/// themselves ("SART ACTIVE", "MOB ACTIVE", "EPIRB ACTIVE").
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct SafetyBroadcast {
    /// The text.
    pub text: String,
}

impl SafetyBroadcast {
    pub(crate) fn decode(bits: &Bits) -> Self {
        Self {
            text: bits.text(40, bits.len().saturating_sub(40) / 6),
        }
    }

    pub(crate) fn visit<V: FieldVisitor + ?Sized>(&self, v: &mut V) {
        v.text("text", &self.text);
    }
}

/// Type 17: DGNSS broadcast binary message.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct DgnssBroadcast {
    /// Reference station longitude in 1/10 minute.
    pub lon: i32,
    /// Reference station latitude in 1/10 minute.
    pub lat: i32,
    /// The DGNSS correction data.
    pub data: BinaryData,
}

impl DgnssBroadcast {
    pub(crate) fn decode(bits: &Bits) -> Self {
        Self {
            lon: bits.int(40, 18),
            lat: bits.int(58, 17),
            data: bits.tail(80),
        }
    }

    pub(crate) fn visit<V: FieldVisitor + ?Sized>(&self, v: &mut V) {
        v.float("lon", f64::from(self.lon) / 600.0);
        v.float("lat", f64::from(self.lat) / 600.0);
    }
}

/// Type 21: aid-to-navigation report.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct AidToNavigation {
    /// Type of aid to navigation.
    pub aid_type: u32,
    /// Name: the 20-character name followed by the name extension, if any.
    pub name: String,
    /// Position accuracy: true = better than 10 m.
    pub position_accuracy: bool,
    /// Longitude in 1/10,000 minute; 181° = not available.
    pub lon: i32,
    /// Latitude in 1/10,000 minute; 91° = not available.
    pub lat: i32,
    /// Distance from the reference point to the bow, metres.
    pub to_bow: u32,
    /// Distance from the reference point to the stern, metres.
    pub to_stern: u32,
    /// Distance from the reference point to port, metres.
    pub to_port: u32,
    /// Distance from the reference point to starboard, metres.
    pub to_starboard: u32,
    /// Type of position-fixing device.
    pub epfd: u32,
    /// UTC second of the fix.
    pub second: u32,
    /// Off its charted position.
    pub off_position: bool,
    /// RAIM in use.
    pub raim: bool,
    /// A virtual aid, with no physical mark.
    pub virtual_aid: bool,
    /// Assigned-mode flag.
    pub assigned: bool,
}

impl AidToNavigation {
    pub(crate) fn decode(bits: &Bits) -> Self {
        // The name is 20 characters; an extension of up to 14 follows the fixed fields. As in
        // gpsd, the extension continues only a name that fills all 20 characters: after a
        // padded name, the bits past 272 are not text.
        let mut name = String::with_capacity(34);
        let mut pos = 43;
        for _ in 0..20 {
            let c = bits.uint(pos, 6) as u8;
            if c == 0 {
                break;
            }
            name.push(char::from(if c < 32 { c + 64 } else { c }));
            pos += 6;
        }
        if name.len() == 20 {
            name.push_str(&bits.text(272, bits.len().saturating_sub(272) / 6));
        }
        name.truncate(name.trim_end_matches(' ').len());
        Self {
            aid_type: bits.uint(38, 5),
            name,
            position_accuracy: bits.flag(163),
            lon: bits.int(164, 28),
            lat: bits.int(192, 27),
            to_bow: bits.uint(219, 9),
            to_stern: bits.uint(228, 9),
            to_port: bits.uint(237, 6),
            to_starboard: bits.uint(243, 6),
            epfd: bits.uint(249, 4),
            second: bits.uint(253, 6),
            off_position: bits.flag(259),
            raim: bits.flag(268),
            virtual_aid: bits.flag(269),
            assigned: bits.flag(270),
        }
    }

    pub(crate) fn visit<V: FieldVisitor + ?Sized>(&self, v: &mut V) {
        v.uint("aid_type", u64::from(self.aid_type));
        v.text("name", &self.name);
        v.flag("position_accuracy", self.position_accuracy);
        v.float("lon", f64::from(self.lon) / 600_000.0);
        v.float("lat", f64::from(self.lat) / 600_000.0);
        v.uint("to_bow", u64::from(self.to_bow));
        v.uint("to_stern", u64::from(self.to_stern));
        v.uint("to_port", u64::from(self.to_port));
        v.uint("to_starboard", u64::from(self.to_starboard));
        v.uint("epfd", u64::from(self.epfd));
        v.uint("second", u64::from(self.second));
        v.flag("off_position", self.off_position);
        v.flag("raim", self.raim);
        v.flag("virtual_aid", self.virtual_aid);
        v.flag("assigned", self.assigned);
    }
}

/// Type 22: channel management, for an area or for two addressed stations.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ChannelManagement {
    /// Channel A number.
    pub channel_a: u32,
    /// Channel B number.
    pub channel_b: u32,
    /// Transmit/receive mode.
    pub txrx: u32,
    /// High power flag.
    pub power: bool,
    /// The area (corners in 1/10 minute) or the two addressed stations.
    pub target: ChannelTarget,
    /// Channel A bandwidth flag.
    pub band_a: bool,
    /// Channel B bandwidth flag.
    pub band_b: bool,
    /// Transitional zone size in nautical miles.
    pub zonesize: u32,
}

/// What a type 22 message applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChannelTarget {
    /// A rectangle, corners in 1/10 minute: north-east longitude and latitude, south-west
    /// longitude and latitude.
    Area {
        /// North-east longitude.
        ne_lon: i32,
        /// North-east latitude.
        ne_lat: i32,
        /// South-west longitude.
        sw_lon: i32,
        /// South-west latitude.
        sw_lat: i32,
    },
    /// Two addressed stations.
    Addressed {
        /// First station.
        dest1: u32,
        /// Second station.
        dest2: u32,
    },
}

impl ChannelManagement {
    pub(crate) fn decode(bits: &Bits) -> Self {
        let target = if bits.flag(139) {
            ChannelTarget::Addressed {
                dest1: bits.uint(69, 30),
                dest2: bits.uint(104, 30),
            }
        } else {
            ChannelTarget::Area {
                ne_lon: bits.int(69, 18),
                ne_lat: bits.int(87, 17),
                sw_lon: bits.int(104, 18),
                sw_lat: bits.int(122, 17),
            }
        };
        Self {
            channel_a: bits.uint(40, 12),
            channel_b: bits.uint(52, 12),
            txrx: bits.uint(64, 4),
            power: bits.flag(68),
            target,
            band_a: bits.flag(140),
            band_b: bits.flag(141),
            zonesize: bits.uint(142, 3),
        }
    }

    pub(crate) fn visit<V: FieldVisitor + ?Sized>(&self, v: &mut V) {
        v.uint("channel_a", u64::from(self.channel_a));
        v.uint("channel_b", u64::from(self.channel_b));
        v.uint("txrx", u64::from(self.txrx));
        v.flag("power", self.power);
        match self.target {
            ChannelTarget::Area {
                ne_lon,
                ne_lat,
                sw_lon,
                sw_lat,
            } => {
                v.float("ne_lon", f64::from(ne_lon) / 600.0);
                v.float("ne_lat", f64::from(ne_lat) / 600.0);
                v.float("sw_lon", f64::from(sw_lon) / 600.0);
                v.float("sw_lat", f64::from(sw_lat) / 600.0);
            }
            ChannelTarget::Addressed { dest1, dest2 } => {
                v.uint("dest1", u64::from(dest1));
                v.uint("dest2", u64::from(dest2));
            }
        }
        v.flag(
            "addressed",
            matches!(self.target, ChannelTarget::Addressed { .. }),
        );
        v.flag("band_a", self.band_a);
        v.flag("band_b", self.band_b);
        v.uint("zonesize", u64::from(self.zonesize));
    }
}

/// Type 24: Class B static data, sent in two parts.
#[derive(Clone, Debug, PartialEq)]
pub enum StaticDataReport {
    /// Part A (part number 0): the name.
    PartA {
        /// Vessel name.
        name: String,
    },
    /// Part B (part number 1): type, vendor, call sign and dimensions.
    PartB(StaticDataPartB),
}

/// Type 24 part B.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct StaticDataPartB {
    /// Ship and cargo type.
    pub ship_type: u32,
    /// Manufacturer's three-character id.
    pub vendor_id: String,
    /// Unit model code.
    pub model: u32,
    /// Unit serial number.
    pub serial: u32,
    /// Call sign.
    pub callsign: String,
    /// Dimensions, or for an auxiliary craft (MMSI 98xxxxxxx) its mother ship.
    pub dimensions: PartBDimensions,
}

/// The last 30 bits of type 24 part B.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartBDimensions {
    /// Distances from the reference point, metres: bow, stern, port, starboard.
    Dimensions {
        /// To the bow.
        to_bow: u32,
        /// To the stern.
        to_stern: u32,
        /// To port.
        to_port: u32,
        /// To starboard.
        to_starboard: u32,
    },
    /// The mother ship of an auxiliary craft.
    Mothership(u32),
}

impl StaticDataReport {
    pub(crate) fn decode(bits: &Bits) -> Result<Self, Reason> {
        match bits.uint(38, 2) {
            0 => Ok(Self::PartA {
                name: bits.text(40, 20),
            }),
            1 if bits.len() < 168 => Err(Reason::TruncatedPayload),
            1 => {
                let mmsi = bits.uint(8, 30);
                let dimensions = if (980_000_000..990_000_000).contains(&mmsi) {
                    PartBDimensions::Mothership(bits.uint(132, 30))
                } else {
                    PartBDimensions::Dimensions {
                        to_bow: bits.uint(132, 9),
                        to_stern: bits.uint(141, 9),
                        to_port: bits.uint(150, 6),
                        to_starboard: bits.uint(156, 6),
                    }
                };
                Ok(Self::PartB(StaticDataPartB {
                    ship_type: bits.uint(40, 8),
                    vendor_id: bits.text(48, 3),
                    model: bits.uint(66, 4),
                    serial: bits.uint(70, 20),
                    callsign: bits.text(90, 7),
                    dimensions,
                }))
            }
            _ => Err(Reason::ReservedPartno),
        }
    }

    pub(crate) fn visit<V: FieldVisitor + ?Sized>(&self, v: &mut V) {
        match self {
            Self::PartA { name } => {
                v.uint("partno", 0);
                v.text("name", name);
            }
            Self::PartB(b) => {
                v.uint("partno", 1);
                v.uint("ship_type", u64::from(b.ship_type));
                v.text("vendor_id", &b.vendor_id);
                v.uint("model", u64::from(b.model));
                v.uint("serial", u64::from(b.serial));
                v.text("callsign", &b.callsign);
                match b.dimensions {
                    PartBDimensions::Dimensions {
                        to_bow,
                        to_stern,
                        to_port,
                        to_starboard,
                    } => {
                        v.uint("to_bow", u64::from(to_bow));
                        v.uint("to_stern", u64::from(to_stern));
                        v.uint("to_port", u64::from(to_port));
                        v.uint("to_starboard", u64::from(to_starboard));
                    }
                    PartBDimensions::Mothership(mmsi) => v.uint("mothership_mmsi", u64::from(mmsi)),
                }
            }
        }
    }
}

/// Types 25 and 26: single- and multiple-slot binary messages.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct SlotBinary {
    /// Addressed to one station (else broadcast).
    pub addressed: bool,
    /// Structured: the data starts with a 16-bit application id (DAC·64 + FI).
    pub structured: bool,
    /// Destination MMSI, when addressed.
    pub dest_mmsi: Option<u32>,
    /// Application id, when structured.
    pub app_id: Option<u32>,
    /// The data after the header.
    pub data: BinaryData,
    /// Type 26's communication state (the last 20 bits).
    pub radio: Option<u32>,
}

impl SlotBinary {
    pub(crate) fn decode(bits: &Bits, multi_slot: bool) -> Self {
        let addressed = bits.flag(38);
        let structured = bits.flag(39);
        let mut pos = 40;
        let dest_mmsi = addressed.then(|| {
            pos += 30;
            bits.uint(40, 30)
        });
        let app_id = structured.then(|| {
            pos += 16;
            bits.uint(pos - 16, 16)
        });
        let radio = multi_slot.then(|| bits.uint(bits.len().saturating_sub(20), 20));
        Self {
            addressed,
            structured,
            dest_mmsi,
            app_id,
            data: bits.tail(pos),
            radio,
        }
    }

    pub(crate) fn visit<V: FieldVisitor + ?Sized>(&self, v: &mut V) {
        v.flag("addressed", self.addressed);
        v.flag("structured", self.structured);
        if let Some(dest) = self.dest_mmsi {
            v.uint("dest_mmsi", u64::from(dest));
        }
        if let Some(app_id) = self.app_id {
            v.uint("app_id", u64::from(app_id));
            v.uint("dac", u64::from(app_id >> 6));
            v.uint("fid", u64::from(app_id & 0x3F));
        }
    }
}
