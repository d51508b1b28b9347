//! Units as types, so that knots are never added to metres.

/// Metres in one international nautical mile (exact by definition).
pub const METERS_PER_NAUTICAL_MILE: f64 = 1852.0;

/// A speed in knots (nautical miles per hour).
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Default)]
pub struct Knots(pub f64);

/// An angle in degrees: a course, a heading, a latitude or a longitude.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Default)]
pub struct Degrees(pub f64);

/// A distance in metres.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Default)]
pub struct Meters(pub f64);

impl Meters {
    /// A distance given in nautical miles.
    pub fn from_nautical_miles(nm: f64) -> Self {
        Self(nm * METERS_PER_NAUTICAL_MILE)
    }

    /// This distance in nautical miles.
    pub fn nautical_miles(self) -> f64 {
        self.0 / METERS_PER_NAUTICAL_MILE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nautical_miles_round_trip() {
        assert_eq!(Meters::from_nautical_miles(10.0), Meters(18_520.0));
        assert_eq!(Meters(3704.0).nautical_miles(), 2.0);
    }
}
