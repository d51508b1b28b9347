//! Haidang's geofence: which zones a position is in, how far it is from the boundaries that
//! matter, and when a vessel enters, leaves or approaches a zone.
//!
//! - [`ZoneIndex`] loads any zone set from a GeoJSON FeatureCollection (features with `id`,
//!   `class`, `country`, `name`; Polygon and MultiPolygon geometry, holes allowed; rings
//!   that cross the antimeridian are split there) and answers point queries. Containment
//!   goes through a uniform grid whose cells are known to be wholly inside a polygon part,
//!   wholly outside it, or crossed by its boundary; only points in a crossed cell are tested
//!   against edges, and only against the edges that cross that cell. Distances to
//!   alerting boundaries (foreign, undelimited) within 10 nm go through a second grid
//!   whose cells list, nearest first, the only edges that can be the nearest of their zone
//!   for a point of the cell within that reach, so that a point far from every alerting
//!   boundary looks at no edge; other distances go through an R-tree over the edges.
//! - [`LineSet`] loads boundary lines (LineStrings with `id`, `kind`, `name`: treaty,
//!   median and baselines) and gives the distance to each line within a radius, through an
//!   R-tree over their segments, and each line's vertices ([`Line::parts`], for maps).
//! - [`Tracker`] keeps per-vessel state and turns fixes into enter, exit and approach
//!   [`Event`]s with hysteresis.
//!
//! **Boundary rule.** Zones are closed sets: a point exactly on an edge or a vertex of a
//! zone (outer ring or hole) is inside that zone. A point on the line between two zones is
//! therefore in both.
//!
//! **Earth model.** Coordinates are WGS 84 longitude, latitude in degrees. Containment is
//! planar in longitude/latitude, as in GeoJSON (RFC 7946) and `geo`: an edge is the straight
//! segment between its vertices in degrees. Distances are spherical ([`geo::Haversine`],
//! mean radius [`EARTH_RADIUS_METERS`]), named at each call site. Against the WGS 84
//! ellipsoid the spherical distance is off by up to about 0.5 % (at most 100 m at 20 km);
//! between a planar edge and the great-circle arc between the same vertices the positions
//! differ by a few metres for the vertex spacing of the shipped zones (under 5 km), more on
//! long straight edges (about 60 m at the middle of a 300 km edge at 10 degrees latitude).
//!
//! This crate does no I/O: callers hand it text or a reader and it parses them.

mod error;
mod grid;
mod index;
mod lines;
mod load;
mod near;
mod sphere;
mod tracker;

pub use error::LoadError;
pub use index::{Boundaries, IndexStats, Nearest, Zone, ZoneId, ZoneIndex};
pub use lines::{Line, LineId, LineSet, NearestLine};
pub use sphere::EARTH_RADIUS_METERS;
pub use tracker::{Event, EventKind, Tracker, TrackerConfig, Update};
