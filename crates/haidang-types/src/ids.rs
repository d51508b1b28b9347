//! Vessel and station identities.

use std::fmt;

/// A Maritime Mobile Service Identity: nine decimal digits (ITU-R M.585).
///
/// Any 30-bit value can arrive on the air; [`Mmsi::kind`] says what the digits claim to be,
/// so that an implausible identity is classified, never silently merged with another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Mmsi(u32);

/// What an MMSI's digits say about the station that uses it (ITU-R M.585 formats).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MmsiKind {
    /// `MIDXXXXXX` with a maritime identification digit group in 201..=775: a ship.
    Ship,
    /// `00MIDXXXX`: a coast station.
    CoastStation,
    /// `0MIDXXXXX`: a group of ships.
    ShipGroup,
    /// `111MIDXXX`: a search-and-rescue aircraft.
    SarAircraft,
    /// `99MIDXXXX`: an aid to navigation.
    AidToNavigation,
    /// `98MIDXXXX`: a craft associated with a parent ship.
    AuxiliaryCraft,
    /// `970XXYYYY`: an AIS search-and-rescue transmitter.
    Sart,
    /// `972XXYYYY`: a man-overboard device.
    ManOverboard,
    /// `974XXYYYY`: an EPIRB with an AIS locating signal.
    Epirb,
    /// Anything else, including the well-known fake `123456789` and out-of-range values.
    Invalid,
}

impl Mmsi {
    /// The largest MMSI that nine digits can hold.
    pub const MAX: u32 = 999_999_999;

    /// An MMSI from its number, if it fits in nine digits.
    pub fn new(value: u32) -> Option<Self> {
        (value <= Self::MAX).then_some(Self(value))
    }

    /// The number.
    pub fn get(self) -> u32 {
        self.0
    }

    /// What the digits claim the station to be.
    pub fn kind(self) -> MmsiKind {
        let v = self.0;
        let mid_ok = |mid: u32| (201..=775).contains(&mid);
        match v {
            123_456_789 => MmsiKind::Invalid,
            970_000_000..=970_999_999 => MmsiKind::Sart,
            972_000_000..=972_999_999 => MmsiKind::ManOverboard,
            974_000_000..=974_999_999 => MmsiKind::Epirb,
            990_000_000..=999_999_999 if mid_ok((v / 10_000) % 1000) => MmsiKind::AidToNavigation,
            980_000_000..=989_999_999 if mid_ok((v / 10_000) % 1000) => MmsiKind::AuxiliaryCraft,
            111_000_000..=111_999_999 if mid_ok((v / 1000) % 1000) => MmsiKind::SarAircraft,
            100_000_000..=799_999_999 if mid_ok(v / 1_000_000) => MmsiKind::Ship,
            1_000_000..=9_999_999 if mid_ok(v / 10_000) => MmsiKind::CoastStation,
            10_000_000..=99_999_999 if mid_ok(v / 100_000) => MmsiKind::ShipGroup,
            _ => MmsiKind::Invalid,
        }
    }

    /// True for the devices that signal distress by their identity alone: AIS-SART, MOB, EPIRB.
    pub fn is_distress_device(self) -> bool {
        matches!(
            self.kind(),
            MmsiKind::Sart | MmsiKind::ManOverboard | MmsiKind::Epirb
        )
    }
}

impl fmt::Display for Mmsi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:09}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(value: u32, expect: MmsiKind) {
        let mmsi = Mmsi::new(value).expect("nine digits");
        assert_eq!(mmsi.kind(), expect, "{value}");
    }

    #[test]
    fn classifies_by_itu_format() {
        check(574_123_456, MmsiKind::Ship); // Viet Nam, MID 574.
        check(412_000_001, MmsiKind::Ship); // China, MID 412.
        check(5_741_234, MmsiKind::CoastStation);
        check(57_412_345, MmsiKind::ShipGroup);
        check(111_574_123, MmsiKind::SarAircraft);
        check(995_741_234, MmsiKind::AidToNavigation);
        check(985_741_234, MmsiKind::AuxiliaryCraft);
        check(970_010_001, MmsiKind::Sart);
        check(972_010_001, MmsiKind::ManOverboard);
        check(974_010_001, MmsiKind::Epirb);
        check(123_456_789, MmsiKind::Invalid);
        check(0, MmsiKind::Invalid);
        check(100_000_000, MmsiKind::Invalid); // MID 100 is not allocated.
    }

    #[test]
    fn rejects_more_than_nine_digits() {
        assert_eq!(Mmsi::new(1_000_000_000), None);
        assert_eq!(Mmsi::new(999_999_999).map(Mmsi::get), Some(999_999_999));
        assert_eq!(
            Mmsi::new(5_741_234).map(|m| m.to_string()).as_deref(),
            Some("005741234")
        );
    }

    #[test]
    fn distress_devices() {
        assert!(Mmsi::new(970_123_456).is_some_and(Mmsi::is_distress_device));
        assert!(!Mmsi::new(574_123_456).is_some_and(Mmsi::is_distress_device));
    }
}
