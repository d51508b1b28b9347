//! Consular cases for detained crews, their crew members, timelines, linked alerts, and
//! the crew-data access log.
//!
//! Every read of a case takes a [`CaseScope`] and filters in SQL, so a case outside the
//! caller's scope is indistinguishable from a case that does not exist. Crew members leave
//! the store only through [`Store::read_crew`], which writes a [`AuditRecord`] in the same
//! transaction as the read: no crew data without its log row.

use time::OffsetDateTime;

use crate::error::{Result, StoreError};
use crate::model::VesselId;
use crate::store::Store;

/// A case's place in its workflow: reported → verified → consular access → legal
/// proceedings → released → repatriated, or closed (with a reason) from any open status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum CaseStatus {
    /// Reported, not yet verified.
    Reported,
    /// The detention is confirmed.
    Verified,
    /// Consular staff have met the crew.
    ConsularAccess,
    /// A court or administrative procedure is under way.
    LegalProceedings,
    /// The crew are free.
    Released,
    /// The crew are home (final).
    Repatriated,
    /// Closed for another reason, given with it (final).
    Closed,
}

impl CaseStatus {
    /// Every status, in workflow order.
    pub const ALL: [CaseStatus; 7] = [
        CaseStatus::Reported,
        CaseStatus::Verified,
        CaseStatus::ConsularAccess,
        CaseStatus::LegalProceedings,
        CaseStatus::Released,
        CaseStatus::Repatriated,
        CaseStatus::Closed,
    ];

    /// The name as stored and shown (`reported`, `consular_access`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Reported => "reported",
            CaseStatus::Verified => "verified",
            CaseStatus::ConsularAccess => "consular_access",
            CaseStatus::LegalProceedings => "legal_proceedings",
            CaseStatus::Released => "released",
            CaseStatus::Repatriated => "repatriated",
            CaseStatus::Closed => "closed",
        }
    }

    /// The status named `name`, if any.
    pub fn parse(name: &str) -> Option<CaseStatus> {
        CaseStatus::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// Whether a case may move from `self` to `to`: forward along the workflow (steps may
    /// be skipped: a crew may be released without proceedings), or to `Closed` from any
    /// status but the two final ones.
    pub fn can_move_to(self, to: CaseStatus) -> bool {
        let final_ = matches!(self, CaseStatus::Repatriated | CaseStatus::Closed);
        !final_ && (to == CaseStatus::Closed || to > self)
    }
}

/// Which cases a caller may see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CaseScope {
    /// Every case.
    All,
    /// Only the cases of this mission.
    Mission(String),
    /// Only the cases of vessels from this province.
    Province(String),
}

impl CaseScope {
    /// The (mission, province) the SQL filters on; `None` matches everything.
    pub(crate) fn filters(&self) -> (Option<&str>, Option<&str>) {
        match self {
            CaseScope::All => (None, None),
            CaseScope::Mission(m) => (Some(m), None),
            CaseScope::Province(p) => (None, Some(p)),
        }
    }
}

/// A case to open, by hand or from an alert.
#[derive(Clone, Debug, Default)]
pub struct NewCase {
    /// Who opens it (`user:NAME` or `token:NAME`).
    pub opened_by: String,
    /// The alert it is opened from, linked to it; the vessel, time and place default to
    /// the alert's.
    pub alert_id: Option<String>,
    /// The detained vessel.
    pub vessel: Option<VesselId>,
    /// When it was detained.
    pub detained_at: Option<OffsetDateTime>,
    /// Where it was detained (`lon`, `lat`).
    pub position: Option<(f64, f64)>,
    /// A description of the place.
    pub place: Option<String>,
    /// The detaining country (ISO 3166 alpha-3).
    pub detaining_country: Option<String>,
    /// The detaining authority.
    pub detaining_authority: Option<String>,
    /// The responsible mission (its id in the routing file).
    pub mission: String,
    /// The vessel's home province.
    pub province: Option<String>,
    /// A first note for the timeline.
    pub note: Option<String>,
}

/// A case as stored, without its crew's personal data.
#[derive(Clone, Debug, PartialEq)]
pub struct CaseRecord {
    /// Its id.
    pub id: i64,
    /// When it was opened.
    pub opened_at: OffsetDateTime,
    /// Who opened it.
    pub opened_by: String,
    /// The vessel.
    pub vessel: Option<VesselId>,
    /// When the vessel was detained.
    pub detained_at: Option<OffsetDateTime>,
    /// Where (`lon`, `lat`).
    pub position: Option<(f64, f64)>,
    /// The place, as described.
    pub place: Option<String>,
    /// The detaining country.
    pub detaining_country: Option<String>,
    /// The detaining authority.
    pub detaining_authority: Option<String>,
    /// The responsible mission.
    pub mission: String,
    /// The vessel's home province.
    pub province: Option<String>,
    /// Where the case stands.
    pub status: CaseStatus,
    /// Why it was closed, when it was.
    pub closed_reason: Option<String>,
    /// When it last changed.
    pub updated_at: OffsetDateTime,
    /// How many crew members are recorded (a count is not personal data).
    pub crew_count: u64,
}

/// One entry of a case's timeline.
#[derive(Clone, Debug, PartialEq)]
pub struct CaseEvent {
    /// Its id.
    pub id: i64,
    /// When.
    pub at: OffsetDateTime,
    /// Who.
    pub who: String,
    /// `opened`, `note`, `status`, `crew_added` or `alert_linked`.
    pub kind: String,
    /// The note, the closing reason, or the alert's id.
    pub text: Option<String>,
    /// For a status change: from.
    pub from_status: Option<CaseStatus>,
    /// For a status change: to.
    pub to_status: Option<CaseStatus>,
}

/// A case with its timeline and linked alerts.
#[derive(Clone, Debug, PartialEq)]
pub struct CaseDetail {
    /// The case.
    pub case: CaseRecord,
    /// Its timeline, oldest first.
    pub timeline: Vec<CaseEvent>,
    /// The ids of its linked alerts, oldest link first.
    pub alerts: Vec<String>,
}

/// A crew member to record. Personal data.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewCrewMember {
    /// Full name.
    pub name: String,
    /// Date of birth (`YYYY-MM-DD`).
    pub date_of_birth: Option<String>,
    /// Citizen ID or passport number.
    pub id_number: Option<String>,
    /// Home town.
    pub home_town: Option<String>,
    /// How to reach the family.
    pub family_contact: Option<String>,
}

/// A recorded crew member. Personal data: only [`Store::read_crew`] returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrewMember {
    /// Its id.
    pub id: i64,
    /// What was recorded.
    pub member: NewCrewMember,
    /// When.
    pub added_at: OffsetDateTime,
    /// By whom.
    pub added_by: String,
}

/// The crew fields a read returns, as the audit log names them.
pub const CREW_FIELDS: &str = "name,date_of_birth,id_number,home_town,family_contact";

/// Who reads crew data, and why: becomes a row of the access log.
#[derive(Clone, Debug)]
pub struct CrewAccess {
    /// Who (`user:NAME` or `token:NAME`).
    pub who: String,
    /// Their role.
    pub role: String,
    /// `read` (shown) or `export` (handed over in a file).
    pub action: &'static str,
    /// The reason given.
    pub reason: String,
    /// When.
    pub at: OffsetDateTime,
}

/// One row of the crew-data access log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    /// Its id.
    pub id: i64,
    /// When.
    pub at: OffsetDateTime,
    /// Who.
    pub who: String,
    /// Their role.
    pub role: String,
    /// Which case.
    pub case_id: i64,
    /// `read` or `export`.
    pub action: String,
    /// Which fields (comma-separated).
    pub fields: String,
    /// Why.
    pub reason: String,
    /// How many crew members the answer held.
    pub records: u64,
}

/// Why a case operation failed.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// No such case within the caller's scope.
    #[error("no case {0}")]
    NoSuchCase(i64),
    /// No such alert.
    #[error("no alert {0}")]
    NoSuchAlert(String),
    /// The status change is not allowed from where the case stands.
    #[error("a {} case cannot become {}", .from.as_str(), .to.as_str())]
    BadTransition {
        /// Where the case stands.
        from: CaseStatus,
        /// Where it was asked to go.
        to: CaseStatus,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for CaseError {
    fn from(e: sqlx::Error) -> Self {
        CaseError::Store(StoreError::Database(e))
    }
}

/// A status column read back.
pub(crate) fn status(name: &str) -> Result<CaseStatus> {
    CaseStatus::parse(name).ok_or_else(|| StoreError::CorruptRow(format!("case status {name:?}")))
}

/// A vessel key column read back.
pub(crate) fn vessel(key: Option<String>) -> Result<Option<VesselId>> {
    key.map(|k| {
        VesselId::from_key(&k).ok_or_else(|| StoreError::CorruptRow(format!("vessel_key {k:?}")))
    })
    .transpose()
}

/// The most rows a list returns.
pub const MAX_CASES_PER_PAGE: u32 = 1000;

macro_rules! dispatch {
    ($self:ident, $s:ident => $call:expr) => {
        match $self {
            Store::Sqlite($s) => $call,
            Store::Postgres($s) => $call,
        }
    };
}

impl Store {
    /// Opens a case (status `reported`) with an `opened` timeline entry (and the note, if
    /// any). From an alert: the alert is linked, and the vessel, detention time and
    /// position default to the alert's; [`CaseError::NoSuchAlert`] if it does not exist.
    pub async fn open_case(&self, case: &NewCase, now: OffsetDateTime) -> Result<i64, CaseError> {
        dispatch!(self, s => s.open_case(case, now).await)
    }

    /// The cases in scope, newest first, optionally of one status; at most `limit`
    /// (capped at [`MAX_CASES_PER_PAGE`]).
    pub async fn cases(
        &self,
        scope: &CaseScope,
        status: Option<CaseStatus>,
        limit: u32,
    ) -> Result<Vec<CaseRecord>> {
        let limit = limit.min(MAX_CASES_PER_PAGE);
        dispatch!(self, s => s.cases(scope, status, limit).await)
    }

    /// Every case whose vessel was detained (or, without a detention time, which was
    /// opened) in `from <= t < to`, by number: the detentions abroad a report counts.
    pub async fn detentions(
        &self,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<CaseRecord>> {
        dispatch!(self, s => s.detentions(from, to).await)
    }

    /// One case in scope with its timeline and alerts, or `None` (also when it is out of
    /// scope).
    pub async fn case(&self, id: i64, scope: &CaseScope) -> Result<Option<CaseDetail>> {
        dispatch!(self, s => s.case(id, scope).await)
    }

    /// Records a crew member on a case in scope, with a `crew_added` timeline entry (which
    /// names nobody). Returns the member's id.
    pub async fn add_crew(
        &self,
        id: i64,
        scope: &CaseScope,
        member: &NewCrewMember,
        by: &str,
        now: OffsetDateTime,
    ) -> Result<i64, CaseError> {
        dispatch!(self, s => s.add_crew(id, scope, member, by, now).await)
    }

    /// Moves a case in scope to `to` (see [`CaseStatus::can_move_to`]), with a `status`
    /// timeline entry carrying `text` (for `closed`, the reason, kept on the case).
    pub async fn set_case_status(
        &self,
        id: i64,
        scope: &CaseScope,
        to: CaseStatus,
        text: Option<&str>,
        by: &str,
        now: OffsetDateTime,
    ) -> Result<CaseRecord, CaseError> {
        dispatch!(self, s => s.set_case_status(id, scope, to, text, by, now).await)
    }

    /// Adds a note to a case's timeline (or, with `alert`, links that alert and notes it).
    /// Returns the timeline entry.
    pub async fn add_case_event(
        &self,
        id: i64,
        scope: &CaseScope,
        note: Option<&str>,
        alert: Option<&str>,
        by: &str,
        now: OffsetDateTime,
    ) -> Result<CaseEvent, CaseError> {
        dispatch!(self, s => s.add_case_event(id, scope, note, alert, by, now).await)
    }

    /// The crew of a case in scope, oldest first, and a row of the access log naming who
    /// read it and why, in one transaction: if the log row cannot be written, nothing is
    /// returned.
    pub async fn read_crew(
        &self,
        id: i64,
        scope: &CaseScope,
        access: &CrewAccess,
    ) -> Result<Vec<CrewMember>, CaseError> {
        dispatch!(self, s => s.read_crew(id, scope, access).await)
    }

    /// The access log, newest first, optionally for one case; at most `limit` rows
    /// (capped at [`MAX_CASES_PER_PAGE`]).
    pub async fn audit_log(&self, case: Option<i64>, limit: u32) -> Result<Vec<AuditRecord>> {
        let limit = limit.min(MAX_CASES_PER_PAGE);
        dispatch!(self, s => s.audit_log(case, limit).await)
    }
}
