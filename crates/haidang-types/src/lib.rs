//! Haidang's vocabulary: vessel identities, positions, units, zone classes and alert kinds.
//!
//! This crate sits at the bottom of the workspace. It knows nothing of I/O, async or
//! serialisation: higher layers convert these types to rows, DTOs and JSON themselves.

mod ids;
mod position;
mod province;
mod units;
mod zones;

pub use ids::{Mmsi, MmsiKind};
pub use position::{InvalidLatLon, LatLon};
pub use province::province_key;
pub use units::{Degrees, Knots, METERS_PER_NAUTICAL_MILE, Meters};
pub use zones::{AlertKind, ZoneClass};
