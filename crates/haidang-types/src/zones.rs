//! Zone classes and alert kinds: the words of the contracts in `DESIGN.md` section 4.

use std::fmt;

/// The class of a maritime zone. Where zones overlap, the more dangerous class wins
/// ([`ZoneClass::danger_rank`]); the geofence still reports every zone a point is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ZoneClass {
    /// Viet Nam's internal waters, landward of the baselines.
    VnInternal,
    /// Viet Nam's territorial sea, 12 nm from the baselines.
    VnTerritorial,
    /// Viet Nam's exclusive economic zone.
    VnEez,
    /// Joint development or shared historic waters.
    Joint,
    /// Overlapping claims and contested areas, with no agreed line.
    Undelimited,
    /// Another state's waters (the zone carries the country code).
    Foreign,
    /// Beyond any state's exclusive economic zone.
    HighSeas,
    /// A port area.
    Port,
}

impl ZoneClass {
    /// Every class, in declaration order.
    pub const ALL: [ZoneClass; 8] = [
        ZoneClass::VnInternal,
        ZoneClass::VnTerritorial,
        ZoneClass::VnEez,
        ZoneClass::Joint,
        ZoneClass::Undelimited,
        ZoneClass::Foreign,
        ZoneClass::HighSeas,
        ZoneClass::Port,
    ];

    /// The name used in GeoJSON, JSON and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            ZoneClass::VnInternal => "vn_internal",
            ZoneClass::VnTerritorial => "vn_territorial",
            ZoneClass::VnEez => "vn_eez",
            ZoneClass::Joint => "joint",
            ZoneClass::Undelimited => "undelimited",
            ZoneClass::Foreign => "foreign",
            ZoneClass::HighSeas => "high_seas",
            ZoneClass::Port => "port",
        }
    }

    /// The class named `name`, as [`ZoneClass::as_str`] spells it.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// How dangerous the class is for a Vietnamese fishing boat: higher wins an overlap.
    pub fn danger_rank(self) -> u8 {
        match self {
            ZoneClass::Port => 0,
            ZoneClass::VnInternal => 1,
            ZoneClass::VnTerritorial => 2,
            ZoneClass::VnEez => 3,
            ZoneClass::HighSeas => 4,
            ZoneClass::Joint => 5,
            ZoneClass::Undelimited => 6,
            ZoneClass::Foreign => 7,
        }
    }

    /// True for the classes whose boundaries raise approach and entry alerts.
    pub fn is_alerting(self) -> bool {
        matches!(self, ZoneClass::Foreign | ZoneClass::Undelimited)
    }
}

impl fmt::Display for ZoneClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kinds of alert Haidang raises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AlertKind {
    /// Nearing a foreign or undelimited boundary.
    Approach,
    /// Entered foreign waters.
    EnteredForeign,
    /// Entered undelimited waters.
    EnteredUndelimited,
    /// Left the waters an entry alert was raised for.
    Exited,
    /// No fix for 6 hours while last seen at sea.
    Silent6h,
    /// No fix for 10 days while last seen at sea.
    Silent10d,
    /// Many vessels of one VMS provider silent at once.
    ProviderOutage,
    /// AIS-SART, MOB, EPIRB or a VMS SOS.
    Distress,
    /// In foreign or undelimited waters, then silent or stopped.
    PossibleDetention,
    /// Identity conflicts and impossible speeds; never routed to missions.
    ImplausibleTrack,
}

impl AlertKind {
    /// The name used in JSON and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::Approach => "approach",
            AlertKind::EnteredForeign => "entered_foreign",
            AlertKind::EnteredUndelimited => "entered_undelimited",
            AlertKind::Exited => "exited",
            AlertKind::Silent6h => "silent_6h",
            AlertKind::Silent10d => "silent_10d",
            AlertKind::ProviderOutage => "provider_outage",
            AlertKind::Distress => "distress",
            AlertKind::PossibleDetention => "possible_detention",
            AlertKind::ImplausibleTrack => "implausible_track",
        }
    }
}

impl fmt::Display for AlertKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_names_round_trip() {
        for class in ZoneClass::ALL {
            assert_eq!(ZoneClass::parse(class.as_str()), Some(class));
        }
        assert_eq!(ZoneClass::parse("vn_eez"), Some(ZoneClass::VnEez));
        assert_eq!(ZoneClass::parse("VN_EEZ"), None);
    }

    #[test]
    fn foreign_outranks_undelimited_outranks_domestic() {
        assert!(ZoneClass::Foreign.danger_rank() > ZoneClass::Undelimited.danger_rank());
        assert!(ZoneClass::Undelimited.danger_rank() > ZoneClass::VnEez.danger_rank());
        assert!(ZoneClass::VnEez.danger_rank() > ZoneClass::Port.danger_rank());
    }
}
