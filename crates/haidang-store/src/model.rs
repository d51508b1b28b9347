//! The rows the store takes and gives: plain structs, converted by hand from and to SQL.

use std::fmt;

use haidang_types::{Degrees, Knots, LatLon, Mmsi};
use time::OffsetDateTime;

/// A vessel's identity as the store is addressed by it: the MMSI heard on AIS, or the
/// registration number a VMS link reports. One vessel row per identity; linking an MMSI to
/// a registration is the vessel registry's job, not the store's.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VesselId {
    /// Heard on AIS.
    Mmsi(Mmsi),
    /// A VMS identity: the registration number (e.g. `KH-90123-TS`).
    Registration(String),
}

impl VesselId {
    /// The natural key stored in `vessels.vessel_key`: `mmsi:` and nine digits, or `reg:`
    /// and the registration number.
    pub fn key(&self) -> String {
        match self {
            VesselId::Mmsi(mmsi) => format!("mmsi:{mmsi}"),
            VesselId::Registration(reg) => format!("reg:{reg}"),
        }
    }

    /// The identity a `vessels.vessel_key` holds, if it is one [`VesselId::key`] wrote.
    pub fn from_key(key: &str) -> Option<Self> {
        if let Some(digits) = key.strip_prefix("mmsi:") {
            if digits.len() != 9 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            digits.parse().ok().and_then(Mmsi::new).map(VesselId::Mmsi)
        } else {
            key.strip_prefix("reg:")
                .filter(|reg| !reg.is_empty())
                .map(|reg| VesselId::Registration(reg.to_owned()))
        }
    }

    pub(crate) fn mmsi(&self) -> Option<i32> {
        match self {
            // Nine digits always fit in an i32.
            VesselId::Mmsi(mmsi) => i32::try_from(mmsi.get()).ok(),
            VesselId::Registration(_) => None,
        }
    }

    pub(crate) fn registration(&self) -> Option<&str> {
        match self {
            VesselId::Mmsi(_) => None,
            VesselId::Registration(reg) => Some(reg),
        }
    }
}

impl fmt::Display for VesselId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

/// One position report, as ingest hands it to the store.
///
/// Times are UTC instants; the store keeps them to the microsecond (finer digits are
/// dropped). `fix_time` is when the vessel was there (the device's or the message's time),
/// `received_at` when the shore read it. Both are kept: a late fix has an old `fix_time`.
#[derive(Clone, Debug, PartialEq)]
pub struct NewPosition {
    /// Whose position.
    pub vessel: VesselId,
    /// When the vessel was there.
    pub fix_time: OffsetDateTime,
    /// When the shore read the report.
    pub received_at: OffsetDateTime,
    /// The feed it came by (a receiver, a bridge, a file); not part of the natural key.
    pub source: String,
    /// Where: a valid WGS 84 position (AIS "not available" never gets this far).
    pub position: LatLon,
    /// Speed over ground.
    pub sog: Option<Knots>,
    /// Course over ground, 0..360.
    pub cog: Option<Degrees>,
    /// True heading in whole degrees, 0..=359.
    pub heading: Option<u16>,
    /// AIS navigational status, 0..=15.
    pub nav_status: Option<u8>,
    /// The NMEA behind the report: its sentence or sentences, tag block included, one per
    /// line. Evidence: the track can be checked against what was received.
    pub raw: Option<String>,
}

/// A stored position, as queries return it.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredPosition {
    /// Whose position.
    pub vessel: VesselId,
    /// When the vessel was there (UTC, microseconds).
    pub fix_time: OffsetDateTime,
    /// When the shore read the report (UTC, microseconds).
    pub received_at: OffsetDateTime,
    /// The feed the stored copy came by.
    pub source: String,
    /// Where.
    pub position: LatLon,
    /// Speed over ground.
    pub sog: Option<Knots>,
    /// Course over ground.
    pub cog: Option<Degrees>,
    /// True heading in whole degrees.
    pub heading: Option<u16>,
    /// AIS navigational status.
    pub nav_status: Option<u8>,
    /// The NMEA the report was decoded from, when it was kept.
    pub raw: Option<String>,
}

/// Static data about a vessel: from AIS types 5 and 24, or from the fleet register.
///
/// An upsert merges: a field left `None` keeps the stored value, and a report older than
/// the stored `updated_at` changes nothing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VesselStatic {
    /// The vessel's name.
    pub name: Option<String>,
    /// The radio call sign.
    pub call_sign: Option<String>,
    /// The IMO number.
    pub imo: Option<u32>,
    /// The AIS ship and cargo type.
    pub ship_type: Option<u8>,
    /// Length overall.
    pub length_meters: Option<f64>,
    /// Beam.
    pub beam_meters: Option<f64>,
    /// Draught.
    pub draught_meters: Option<f64>,
    /// The AIS destination field.
    pub destination: Option<String>,
    /// The registration number (for an AIS vessel whose registration is known).
    pub registration: Option<String>,
    /// The province the vessel is registered in.
    pub province: Option<String>,
    /// The VMS service provider.
    pub vms_provider: Option<String>,
    /// When this data was reported (UTC).
    pub updated_at: Option<OffsetDateTime>,
}

/// A line that could not be used, kept with its reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuarantinedLine {
    /// When the shore read it.
    pub received_at: OffsetDateTime,
    /// The feed it came by.
    pub source: String,
    /// The reason code (haidang-nmea's `Reason` names, or the ingest's own).
    pub reason: String,
    /// The line as read.
    pub line: String,
}

/// A vessel entering, leaving or approaching a zone, as the geofence saw it.
#[derive(Clone, Debug, PartialEq)]
pub struct ZoneEvent {
    /// Whose fix raised it.
    pub vessel: VesselId,
    /// The fix time of the fix that raised it.
    pub fix_time: OffsetDateTime,
    /// When the shore read that fix.
    pub received_at: OffsetDateTime,
    /// `enter`, `exit` or `approach`.
    pub event: String,
    /// The zone's id in the zone set.
    pub zone_id: String,
    /// The zone's class (`foreign`, `undelimited`, `vn_eez`...).
    pub zone_class: String,
    /// The zone's country (ISO 3166 alpha-3), if it has one.
    pub country: Option<String>,
    /// Distance from the fix to the zone's boundary, when within the search radius.
    pub distance_meters: Option<f64>,
    /// Where the vessel was.
    pub position: LatLon,
}

/// A box in WGS 84 degrees. `west > east` means the box crosses the antimeridian.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BBox {
    /// Western edge, longitude in degrees.
    pub west: f64,
    /// Southern edge, latitude in degrees.
    pub south: f64,
    /// Eastern edge, longitude in degrees.
    pub east: f64,
    /// Northern edge, latitude in degrees.
    pub north: f64,
}

impl BBox {
    /// The longitude ranges the box covers: one, or two when it crosses the antimeridian.
    pub(crate) fn lon_ranges(self) -> [(f64, f64); 2] {
        if self.west <= self.east {
            [(self.west, self.east), (self.west, self.east)]
        } else {
            [(self.west, 180.0), (-180.0, self.east)]
        }
    }
}

/// Row counts, for `/metrics` and the tests' "sent equals stored".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Vessel rows.
    pub vessels: u64,
    /// Position rows.
    pub positions: u64,
    /// Quarantined lines.
    pub quarantined: u64,
    /// Zone events (enter, exit, approach).
    pub zone_events: u64,
    /// Lines in the raw journal (what bridges sent).
    pub journaled: u64,
}

/// `t` in whole microseconds since the UNIX epoch, rounded towards the past.
pub(crate) fn to_micros(t: OffsetDateTime) -> i64 {
    // Every OffsetDateTime (years -9999..=9999) fits in i64 microseconds.
    i64::try_from(t.unix_timestamp_nanos().div_euclid(1000)).unwrap_or(i64::MAX)
}

/// The instant `us` microseconds after the UNIX epoch, in UTC.
pub(crate) fn from_micros(us: i64) -> Result<OffsetDateTime, time::error::ComponentRange> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000)
}

/// A calendar day written `YYYY-MM-DD` (how SQLite keeps dates).
pub(crate) fn day_text(d: time::Date) -> String {
    d.to_string()
}

/// A day written `YYYY-MM-DD` (four, two and two digits), if it is one: the one day
/// format of the store, the API and the command line.
pub fn parse_day(text: &str) -> Option<time::Date> {
    let mut parts = text.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
    time::Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
}

pub(crate) fn truncate_micros(t: OffsetDateTime) -> OffsetDateTime {
    from_micros(to_micros(t)).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(id: VesselId, key: &str) {
        assert_eq!(id.key(), key);
        assert_eq!(VesselId::from_key(key), Some(id));
    }

    #[test]
    fn vessel_keys_round_trip() {
        check(
            VesselId::Mmsi(Mmsi::new(574_000_001).unwrap()),
            "mmsi:574000001",
        );
        check(
            VesselId::Mmsi(Mmsi::new(5_741_234).unwrap()),
            "mmsi:005741234",
        );
        check(
            VesselId::Registration("KH-90123-TS".into()),
            "reg:KH-90123-TS",
        );
        assert_eq!(VesselId::from_key("mmsi:57400000"), None);
        assert_eq!(VesselId::from_key("reg:"), None);
        assert_eq!(VesselId::from_key("574000001"), None);
    }

    #[test]
    fn micros_round_towards_the_past() {
        let t = OffsetDateTime::from_unix_timestamp_nanos(-1_500).unwrap();
        assert_eq!(to_micros(t), -2);
        let t = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_789).unwrap();
        assert_eq!(to_micros(t), 1_700_000_000_123_456);
        assert_eq!(
            truncate_micros(t).unix_timestamp_nanos(),
            1_700_000_000_123_456_000
        );
    }
}
