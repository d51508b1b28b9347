//! Haidang's storage: the only crate that speaks SQL.
//!
//! [`Store`] is one interface over two databases: SQLite, the embedded default
//! (`sqlite:data/haidang.db`), and PostgreSQL with PostGIS for production
//! (`postgres://…`). The schemas live in `migrations/sqlite` and `migrations/postgres` at the
//! repository root and are embedded in the binary.
//!
//! Contract, the same on both (one test suite checks it on each):
//!
//! - Times are [`time::OffsetDateTime`] instants, kept in UTC to the microsecond. Every
//!   position has a fix time (when the vessel was there) and a receive time (when the shore
//!   read it).
//! - Writes are batched and idempotent by natural keys: a position is (vessel, fix time,
//!   lon, lat), whatever source brought it; a quarantined line is (source, receive time,
//!   line, reason). Writing a batch twice stores it once, and the return value says how many
//!   rows were new.
//! - Positions are append-only. Triggers refuse UPDATE and DELETE on both stores (and
//!   TRUNCATE on PostgreSQL) for every role; on PostgreSQL the application role is granted
//!   only SELECT and INSERT as well.
//! - Speeds and courses are kept as 32-bit floats (`real`), lon/lat as 64-bit.
//!
//! ```no_run
//! # async fn demo() -> Result<(), haidang_store::StoreError> {
//! let store = haidang_store::Store::open("sqlite::memory:").await?;
//! assert_eq!(store.counts().await?.positions, 0);
//! # Ok(()) }
//! ```

mod accounts;
mod accounts_pg;
mod accounts_sqlite;
mod alerts;
mod alerts_pg;
mod alerts_sqlite;
mod cases;
mod cases_pg;
mod cases_sqlite;
mod compliance;
mod error;
mod model;
mod pg;
mod pg_copy;
mod registry;
mod rows;
mod search;
mod sqlite;
mod store;

#[cfg(test)]
mod alerts_tests;
#[cfg(test)]
mod cases_tests;
#[cfg(test)]
mod tests;

pub use accounts::{Account, AccountError, LoginRecord, NewAccount, Role};
pub use alerts::{
    AlertChange, AlertCursor, AlertFilter, AlertPage, AlertRecord, AlertStatus, DeliveryRecord,
    DeliveryStatus, DisabledEndpoint, LeasedDelivery, LifecycleError, MAX_ALERTS_PER_PAGE,
    NewAlert, NewDelivery, RULES, StoredAlert, alert_id_for,
};
pub use cases::{
    AuditRecord, CREW_FIELDS, CaseDetail, CaseError, CaseEvent, CaseRecord, CaseScope, CaseStatus,
    CrewAccess, CrewMember, MAX_CASES_PER_PAGE, NewCase, NewCrewMember,
};
pub use compliance::{
    CLOSE_REASONS, COMPLIANCE_ALERT_KINDS, ComplianceAction, ComplianceCase, ComplianceChange,
    ComplianceError, ComplianceFilter, MAX_COMPLIANCE_CASES, ManualReport, Sanction,
};
pub use error::{Result, StoreError};
pub use model::{
    BBox, Counts, NewPosition, QuarantinedLine, StoredPosition, VesselId, VesselStatic, ZoneEvent,
    parse_day,
};
pub use pg::PgStore;
pub use registry::{
    ImportReport, MAX_REGISTRY_ROWS, ParsedRegistry, REGISTRY_COLUMNS, RegistryEntry,
    RegistryFileError, RowError, StoredRegistryEntry, parse_registry_csv,
};
pub use search::{LabelledPosition, VesselLabel};
pub use sqlite::SqliteStore;
pub use store::Store;
