//! Haidang's reports, rendered from data handed in: no SQL, no HTTP, no clock.
//!
//! [`evidence_geojson`] renders a case's evidence pack: the vessel's track over a window
//! around the detention, every fix with its fix time, receive time, source, the zones it
//! was in, its distance to the nearest foreign or undelimited boundary and to the boundary
//! lines within reach (treaty, median, 200 nm lines: id, kind, name, meters), and the raw
//! NMEA behind it, as one GeoJSON FeatureCollection (RFC 7946). The pack carries the
//! SHA-256 of its own bytes: the value of `evidence.sha256` is the hex SHA-256 of the file
//! with that value replaced by 64 zeros, so any later change to the file shows:
//!
//! ```sh
//! sed 's/"sha256":"[0-9a-f]\{64\}"/"sha256":"0000000000000000000000000000000000000000000000000000000000000000"/' \
//!   case-1-evidence.geojson | sha256sum
//! ```
//!
//! [`evidence_pdf`] renders the same pack as a PDF (A4, with `krilla`): a title page with
//! the case (vessel, place and time of detention, detaining country and authority,
//! mission), the window, the notice in Vietnamese and English, the SHA-256 of the GeoJSON
//! pack, and a vector map of the track, the detention point and the boundary lines
//! (labelled); then a table of every fix (fix and receive times, source, position, zones,
//! distances to the zone boundary and the nearest lines, raw NMEA) over as many pages as it
//! takes. The GeoJSON pack is attached to the PDF as an embedded file, so the hash printed
//! in the PDF can be checked against it (`pdfdetach -saveall case-1-evidence.pdf`). Text is
//! set in DejaVu Sans (embedded, subset, with a ToUnicode map: Vietnamese diacritics render
//! and extract); the font's licence is `fonts/LICENSE-DejaVu.txt`.
//!
//! [`iuu_report_json`] renders the IUU compliance report of a period (and optionally a
//! province) from the register, the positions counted per vessel and the compliance
//! cases: every count lists its ids, and a report that does not add up is refused.
//!
//! [`iuu_report_csv_zip`] exports that report's tables as CSV in one ZIP (`README.txt`,
//! `fleet.csv`, `vms_loss.csv`, `boundary.csv`, `detentions_abroad.csv`,
//! `closed_without_sanction.csv`, `cases.csv`, `detentions.csv`, `annex.csv`,
//! `consistency.csv`): RFC 4180 with CRLF line ends, UTF-8 with a byte order mark (for
//! Excel), ids separated by spaces; the archive is dated 1980-01-01, so the same report
//! gives the same bytes. [`iuu_report_geojson`] places its cases and detentions abroad
//! (one Point each) and names those without a position in `without_position`.
//! [`iuu_report_pdf`] lays it out as an A4 PDF with bilingual headings (Vietnamese, then
//! English): the period, province and notice, every count with its ids (fleet counts of
//! more than [`PDF_FLEET_IDS_MAX`] vessels point to `fleet.csv` instead), the case and
//! detention lists, an annex of the vessels to look at (cases, detentions, or fewer than
//! 12 positions a day; the full annex is in the CSV export) and the consistency checks.
//! All three give the same bytes for the same report.
//!
//! **Architecture Invariant:** pure: the caller fetches, this crate renders bytes. It
//! knows nothing of the store or of HTTP, and a pack holds no crew personal data.

mod evidence;
mod export;
#[cfg(test)]
mod fixture;
mod iuu;
mod iuu_pdf;
mod layout;
mod pdf;

pub use evidence::{
    BoundaryDistance, EvidenceCase, EvidenceFix, EvidencePack, LineDistance, MapLine, NOTICE,
    ZoneRef, evidence_geojson, verify_sha256,
};
pub use export::{ExportError, IuuFormat, RenderError, iuu_report_csv_zip, iuu_report_geojson};
pub use iuu::{
    AnnexRow, BoundaryCases, BoundaryCountry, ByOutcome, CaseRow, Check, ClosedWithoutSanction,
    Consistency, ConsistencyError, Count, Detention, DetentionCountry, DetentionRow, Detentions,
    Fleet, FleetVessel, IuuInput, IuuReport, POSITIONS_PER_DAY, Period, REPORT_NOTICE, ReportCase,
    ReportSanction, VMS_LENGTH_M, VmsLoss, iuu_report, iuu_report_json,
};
pub use iuu_pdf::{PDF_FLEET_IDS_MAX, iuu_report_pdf};
pub use layout::PdfError;
pub use pdf::evidence_pdf;
