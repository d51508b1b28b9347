//! Haidang's reports, rendered from data handed in: no SQL, no HTTP, no clock.
//!
//! [`evidence_geojson`] renders a case's evidence pack: the vessel's track over a window
//! around the detention, every fix with its fix time, receive time, source, the zones it
//! was in, its distance to the nearest foreign or undelimited boundary, and the raw NMEA
//! behind it, as one GeoJSON FeatureCollection (RFC 7946). The pack carries the SHA-256 of
//! its own bytes: the value of `evidence.sha256` is the hex SHA-256 of the file with that
//! value replaced by 64 zeros, so any later change to the file shows:
//!
//! ```sh
//! sed 's/"sha256":"[0-9a-f]\{64\}"/"sha256":"0000000000000000000000000000000000000000000000000000000000000000"/' \
//!   case-1-evidence.geojson | sha256sum
//! ```
//!
//! [`iuu_report_json`] renders the IUU compliance report of a period (and optionally a
//! province) from the register, the positions counted per vessel and the compliance
//! cases: every count lists its ids, and a report that does not add up is refused.
//!
//! **Architecture Invariant:** pure: the caller fetches, this crate renders bytes. It
//! knows nothing of the store or of HTTP, and a pack holds no crew personal data.

mod evidence;
mod iuu;

pub use evidence::{
    BoundaryDistance, EvidenceCase, EvidenceFix, EvidencePack, NOTICE, ZoneRef, evidence_geojson,
    verify_sha256,
};
pub use iuu::{
    ConsistencyError, FleetVessel, IuuInput, POSITIONS_PER_DAY, ReportCase, VMS_LENGTH_M,
    iuu_report, iuu_report_json,
};
