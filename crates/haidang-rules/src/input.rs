//! What the pipeline hands the rules: fixes with their zones and tracker events, distress
//! signals, identity conflicts. Everything is borrowed, so a fix costs no allocation.

use haidang_types::{Knots, LatLon, Meters, Mmsi, MmsiKind, ZoneClass};

/// A zone a fix is in or an event is about, as the zone set describes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ZoneRef<'a> {
    /// The zone's id in the zone set (e.g. `IDN-eez`).
    pub id: &'a str,
    /// Its class.
    pub class: ZoneClass,
    /// The ISO 3166 alpha-3 code of the state whose waters it is, when it has one.
    pub country: Option<&'a str>,
}

/// What the geofence tracker reported for a zone (after its own hysteresis).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZoneEventKind {
    /// The vessel is now inside the zone, or was first seen inside it.
    Enter,
    /// The vessel is now outside the zone.
    Exit,
    /// The vessel moved to within an approach distance of the zone's boundary.
    Approach,
}

/// One tracker event for the fix it came with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ZoneEvent<'a> {
    /// What happened.
    pub kind: ZoneEventKind,
    /// The zone.
    pub zone: ZoneRef<'a>,
    /// The distance from the fix to the zone's boundary, when the tracker knows it.
    pub distance: Option<Meters>,
    /// Whether the vessel is heading toward the boundary, when the pipeline knows it (from
    /// the course over ground against the bearing to the nearest boundary point). `None`
    /// trusts the tracker, which warns only when the distance shrinks. `Some(false)`
    /// suppresses an `Approach`.
    pub toward: Option<bool>,
}

/// The kind of feed a fix came by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// An AIS position report.
    Ais,
    /// A VMS position, through a VMS provider or a bridge.
    Vms,
}

/// What the pipeline's plausibility gate said about a fix.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Plausibility {
    /// Consistent with the vessel's previous plausible fix (or the first one).
    Plausible,
    /// Older than the previous plausible fix, so not checked against it.
    Unchecked,
    /// Implies an impossible speed from the previous plausible fix. Such a fix raises
    /// `implausible_track` and never drives a zone, stop or detention rule.
    Impossible {
        /// The speed the jump implies.
        implied_speed: Knots,
    },
}

/// One stored position, after the plausibility gate and the geofence tracker.
#[derive(Clone, Copy, Debug)]
pub struct Observation<'a> {
    /// The vessel's key as the store spells it: `mmsi:574000001` or `reg:BV-90001-TS`.
    pub vessel: &'a str,
    /// The vessel's MMSI, when it has one.
    pub mmsi: Option<Mmsi>,
    /// AIS or VMS.
    pub source: Source,
    /// The VMS provider, for VMS fixes, when known.
    pub provider: Option<&'a str>,
    /// When the vessel was there, Unix milliseconds.
    pub fix_ms: i64,
    /// When the shore received the report, Unix milliseconds.
    pub received_ms: i64,
    /// Where.
    pub position: LatLon,
    /// Speed over ground, when reported.
    pub sog: Option<Knots>,
    /// The plausibility gate's verdict.
    pub plausibility: Plausibility,
    /// Every zone the position is in (the geofence's `zones_at`).
    pub zones: &'a [ZoneRef<'a>],
    /// The tracker's events for this fix (empty when the tracker did not see it).
    pub events: &'a [ZoneEvent<'a>],
}

/// The device or channel a distress comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DistressDevice {
    /// An AIS search-and-rescue transmitter (MMSI 970xxxxxx).
    Sart,
    /// A man-overboard device (MMSI 972xxxxxx).
    ManOverboard,
    /// An EPIRB with an AIS locating signal (MMSI 974xxxxxx).
    Epirb,
    /// The SOS of a VMS terminal.
    VmsSos,
}

impl DistressDevice {
    /// The name used in JSON: `sart`, `mob`, `epirb`, `vms_sos`.
    pub fn as_str(self) -> &'static str {
        match self {
            DistressDevice::Sart => "sart",
            DistressDevice::ManOverboard => "mob",
            DistressDevice::Epirb => "epirb",
            DistressDevice::VmsSos => "vms_sos",
        }
    }

    /// The device an MMSI's digits announce, if it is a distress device.
    pub fn from_mmsi(mmsi: Mmsi) -> Option<DistressDevice> {
        match mmsi.kind() {
            MmsiKind::Sart => Some(DistressDevice::Sart),
            MmsiKind::ManOverboard => Some(DistressDevice::ManOverboard),
            MmsiKind::Epirb => Some(DistressDevice::Epirb),
            _ => None,
        }
    }

    /// The device an AIS safety text (types 12 and 14) announces as active: `SART ACTIVE`,
    /// `MOB ACTIVE` or `EPIRB ACTIVE`, in any case, anywhere in the text. `SART TEST` and
    /// other texts announce nothing.
    pub fn from_safety_text(text: &str) -> Option<DistressDevice> {
        let upper = text.to_ascii_uppercase();
        [
            ("SART ACTIVE", DistressDevice::Sart),
            ("MOB ACTIVE", DistressDevice::ManOverboard),
            ("EPIRB ACTIVE", DistressDevice::Epirb),
        ]
        .into_iter()
        .find(|(words, _)| upper.contains(words))
        .map(|(_, device)| device)
    }
}

/// How a distress signal arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignalKind {
    /// An AIS safety-related text (types 12 and 14); only texts that announce an active
    /// SART, MOB or EPIRB raise an alert.
    SafetyText,
    /// A VMS terminal's SOS (`$PHDG,SOS,<text>*hh` from a bridge, the vessel in the tag
    /// block's `s:`); always raises an alert.
    VmsSos,
}

/// A distress signal that is not a position.
#[derive(Clone, Copy, Debug)]
pub struct DistressSignal<'a> {
    /// The vessel's key (`mmsi:…` or `reg:…`).
    pub vessel: &'a str,
    /// The sender's MMSI, when it has one.
    pub mmsi: Option<Mmsi>,
    /// Safety text or VMS SOS.
    pub kind: SignalKind,
    /// The text as sent.
    pub text: &'a str,
    /// The message's own time (tag block or bridge stamp), Unix milliseconds.
    pub time_ms: i64,
    /// When the shore received it, Unix milliseconds.
    pub received_ms: i64,
    /// Where, when the signal carries a position.
    pub position: Option<LatLon>,
}

/// The same identity reported at two places too far apart to be one boat.
#[derive(Clone, Copy, Debug)]
pub struct IdentityConflict<'a> {
    /// The vessel's key.
    pub vessel: &'a str,
    /// The shared MMSI, when the identity is one.
    pub mmsi: Option<Mmsi>,
    /// The fix time of the later of the two reports, Unix milliseconds.
    pub fix_ms: i64,
    /// When the later report was received, Unix milliseconds.
    pub received_ms: i64,
    /// One place.
    pub first: LatLon,
    /// The other place.
    pub second: LatLon,
    /// The distance between them.
    pub distance: Meters,
}
