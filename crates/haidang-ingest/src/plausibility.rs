//! Impossible tracks: a fix that would have the vessel move faster than any fishing boat
//! can (or a shared MMSI jumping between two boats) is flagged, never silently joined to the
//! track. Memory is bounded: the oldest vessels are forgotten first.

use std::collections::HashMap;

use haidang_store::VesselId;
use haidang_types::{LatLon, METERS_PER_NAUTICAL_MILE};

/// What a fix looks like against the vessel's previous plausible fix.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Verdict {
    /// Consistent with the last plausible fix (or the first one seen).
    Plausible,
    /// Older than the last plausible fix: kept, but it cannot be checked against it.
    Late,
    /// Would need this speed, in knots, over more than the distance tolerance.
    Implausible {
        /// The speed the fix implies.
        implied_knots: f64,
    },
}

/// Checks each vessel's fixes against its last plausible one.
#[derive(Debug)]
pub struct Plausibility {
    max_knots: f64,
    max_vessels: usize,
    last: HashMap<VesselId, (i64, LatLon)>,
}

/// Jumps shorter than this are never implausible: GNSS noise and rounding.
const TOLERANCE_METERS: f64 = 1000.0;

impl Plausibility {
    /// Flags fixes implying more than `max_knots`; remembers at most `max_vessels`.
    pub fn new(max_knots: f64, max_vessels: usize) -> Self {
        Self {
            max_knots,
            max_vessels: max_vessels.max(1),
            last: HashMap::new(),
        }
    }

    /// Checks a fix and, if plausible, makes it the vessel's reference.
    pub fn check(&mut self, vessel: &VesselId, fix_ms: i64, position: LatLon) -> Verdict {
        let verdict = match self.last.get(vessel) {
            None => Verdict::Plausible,
            Some(&(t, _)) if fix_ms < t => Verdict::Late,
            Some(&(t, p)) => {
                let meters = haversine_meters(p, position);
                let hours = (fix_ms - t) as f64 / 3_600_000.0;
                let knots = if hours > 0.0 {
                    meters / METERS_PER_NAUTICAL_MILE / hours
                } else {
                    f64::INFINITY
                };
                if meters > TOLERANCE_METERS && knots > self.max_knots {
                    Verdict::Implausible {
                        implied_knots: knots,
                    }
                } else {
                    Verdict::Plausible
                }
            }
        };
        if verdict == Verdict::Plausible {
            if self.last.len() >= self.max_vessels && !self.last.contains_key(vessel) {
                // Forget the vessel heard from longest ago.
                if let Some(oldest) = self
                    .last
                    .iter()
                    .min_by_key(|(_, (t, _))| *t)
                    .map(|(k, _)| k.clone())
                {
                    self.last.remove(&oldest);
                }
            }
            self.last.insert(vessel.clone(), (fix_ms, position));
        }
        verdict
    }
}

/// Great-circle distance on the mean-radius sphere (error under 0.5 % against WGS 84,
/// plenty for a speed threshold).
fn haversine_meters(a: LatLon, b: LatLon) -> f64 {
    const R: f64 = 6_371_008.8;
    let (p1, p2) = (a.lat().to_radians(), b.lat().to_radians());
    let (dp, dl) = (p2 - p1, (b.lon() - a.lon()).to_radians());
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * R * h.sqrt().asin()
}

#[cfg(test)]
mod tests {
    use super::*;
    use haidang_types::Mmsi;

    fn vessel(n: u32) -> VesselId {
        VesselId::Mmsi(Mmsi::new(574_000_000 + n).expect("nine digits"))
    }

    fn at(lon: f64, lat: f64) -> LatLon {
        LatLon::new(lon, lat).expect("valid")
    }

    #[test]
    fn speeds() {
        let mut p = Plausibility::new(50.0, 100);
        let v = vessel(1);
        assert_eq!(p.check(&v, 0, at(109.0, 12.0)), Verdict::Plausible);
        // 0.1 degree of latitude (6 nm) in 30 minutes: 12 knots.
        assert_eq!(p.check(&v, 1_800_000, at(109.0, 12.1)), Verdict::Plausible);
        // 200 nm in 10 minutes: a jump.
        let jump = p.check(&v, 2_400_000, at(109.0, 15.5));
        assert!(
            matches!(jump, Verdict::Implausible { implied_knots } if implied_knots > 1000.0),
            "{jump:?}"
        );
        // The jump did not become the reference: the next fix near the track is fine.
        assert_eq!(p.check(&v, 3_000_000, at(109.0, 12.2)), Verdict::Plausible);
        // Older than the reference.
        assert_eq!(p.check(&v, 100_000, at(109.0, 12.0)), Verdict::Late);
        // Noise under a kilometre at the same second is no jump.
        assert_eq!(
            p.check(&v, 3_000_000, at(109.001, 12.2)),
            Verdict::Plausible
        );
    }

    #[test]
    fn memory_is_bounded_and_forgets_the_oldest() {
        let mut p = Plausibility::new(50.0, 2);
        p.check(&vessel(1), 0, at(109.0, 12.0));
        p.check(&vessel(2), 10, at(109.0, 12.0));
        p.check(&vessel(3), 20, at(109.0, 12.0));
        assert_eq!(p.last.len(), 2);
        // Vessel 1 was forgotten: a far fix is its "first" again.
        assert_eq!(p.check(&vessel(1), 30, at(100.0, 5.0)), Verdict::Plausible);
    }
}
