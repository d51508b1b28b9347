//! The fleet register: what the fisheries authority says each vessel is (registration
//! number, MMSI, name, length, gear, province, owner, VMS provider and device, licence).
//!
//! - [`parse_registry_csv`] reads the authority's CSV (RFC 4180; a UTF-8 byte-order mark,
//!   `;` as the delimiter and `,` as the decimal mark, as spreadsheets in Viet Nam write
//!   them, are accepted). A file whose header lacks a required column is refused whole; a
//!   row that is wrong is refused alone, with its line and every problem found in it.
//! - [`Store::import_registry`] stores the valid rows in one transaction. A registration
//!   has one current entry: a row equal to it changes nothing, a row that differs
//!   supersedes it (the old entry stays, stamped with the import that superseded it). No
//!   entry is ever edited otherwise or deleted (triggers refuse it), so the register's
//!   state at any past time can be read back.

use std::collections::{HashMap, HashSet};

use haidang_types::Mmsi;
use sqlx::{Row, postgres::PgRow, sqlite::SqliteRow};
use time::{Date, OffsetDateTime};

use crate::error::{Result, StoreError};
use crate::model::{day_text, from_micros, parse_day, to_micros};
use crate::store::Store;

/// The columns of a register file, in the order the documentation gives them.
pub const REGISTRY_COLUMNS: [&str; 11] = [
    "registration_number",
    "mmsi",
    "name",
    "length_m",
    "gear",
    "province",
    "owner",
    "vms_provider",
    "vms_device_id",
    "licence_valid_from",
    "licence_valid_to",
];

/// The columns a register file must have.
const REQUIRED: [&str; 4] = ["registration_number", "name", "length_m", "province"];

/// The most rows one file may hold (Viet Nam registers about 86,000 fishing vessels).
pub const MAX_REGISTRY_ROWS: usize = 250_000;

/// The longest text field, in characters.
const MAX_TEXT_CHARS: usize = 128;

/// One vessel as the register describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct RegistryEntry {
    /// The registration number, upper case (`BV-90001-TS`): the register's key.
    pub registration: String,
    /// The AIS identity, when the vessel has one.
    pub mmsi: Option<Mmsi>,
    /// The vessel's name.
    pub name: String,
    /// Length overall in metres.
    pub length_m: f32,
    /// Fishing gear.
    pub gear: Option<String>,
    /// The province the vessel is registered in.
    pub province: String,
    /// The owner.
    pub owner: Option<String>,
    /// The VMS provider.
    pub vms_provider: Option<String>,
    /// The VMS terminal's id.
    pub vms_device_id: Option<String>,
    /// The first day of the fishing licence.
    pub licence_valid_from: Option<Date>,
    /// The last day of the fishing licence.
    pub licence_valid_to: Option<Date>,
}

/// A row of a register file that was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    /// The row's line in the file (the header is line 1).
    pub line: u64,
    /// The row's registration number, when it had one.
    pub registration: Option<String>,
    /// Every problem found in the row, each naming its column.
    pub problems: Vec<String>,
}

/// A register file, read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ParsedRegistry {
    /// The valid rows, with their lines.
    pub entries: Vec<(u64, RegistryEntry)>,
    /// The refused rows, in file order.
    pub errors: Vec<RowError>,
}

/// Why a whole register file was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RegistryFileError {
    /// The file has no header line.
    #[error("the file is empty: expected a header line naming the columns")]
    Empty,
    /// Required columns are missing from the header.
    #[error("the header lacks the required column(s) {0}; the columns are {all}", all = REGISTRY_COLUMNS.join(", "))]
    MissingColumns(String),
    /// A header names a column twice, or one this format does not have.
    #[error("the header's column {0:?} is {1}; the columns are {all}", all = REGISTRY_COLUMNS.join(", "))]
    BadColumn(String, &'static str),
    /// More rows than [`MAX_REGISTRY_ROWS`].
    #[error("more than {MAX_REGISTRY_ROWS} rows; split the file")]
    TooManyRows,
    /// Not CSV (or not UTF-8).
    #[error("line {line}: {message}")]
    Csv {
        /// Where.
        line: u64,
        /// What the CSV reader said.
        message: String,
    },
}

/// Reads a register file: the valid rows and, for each refused row, why.
pub fn parse_registry_csv(bytes: &[u8]) -> std::result::Result<ParsedRegistry, RegistryFileError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first_line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let delimiter = if first_line.contains(&b';') && !first_line.contains(&b',') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut records = reader.byte_records();
    let header = match records.next() {
        None => return Err(RegistryFileError::Empty),
        Some(Err(e)) => return Err(csv_error(&e)),
        Some(Ok(h)) => h,
    };
    let mut index: HashMap<&'static str, usize> = HashMap::new();
    for (i, name) in header.iter().enumerate() {
        let name = String::from_utf8_lossy(name).trim().to_ascii_lowercase();
        if name.is_empty() {
            continue;
        }
        let Some(known) = REGISTRY_COLUMNS.iter().find(|c| **c == name) else {
            return Err(RegistryFileError::BadColumn(
                name,
                "not a column of the register",
            ));
        };
        if index.insert(known, i).is_some() {
            return Err(RegistryFileError::BadColumn(name, "named twice"));
        }
    }
    let missing: Vec<&str> = REQUIRED
        .into_iter()
        .filter(|c| !index.contains_key(c))
        .collect();
    if !missing.is_empty() {
        return Err(RegistryFileError::MissingColumns(missing.join(", ")));
    }

    let mut parsed = ParsedRegistry::default();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut mmsis: HashMap<u32, String> = HashMap::new();
    let mut rows = 0_usize;
    for record in records {
        let record = record.map_err(|e| csv_error(&e))?;
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        rows += 1;
        if rows > MAX_REGISTRY_ROWS {
            return Err(RegistryFileError::TooManyRows);
        }
        let mut row = CsvRow::new(&record, &index, header.len());
        let entry = row.entry();
        let mut problems = row.problems;
        if let Some(entry) = &entry {
            if let Some(first) = seen.get(&entry.registration) {
                problems.push(format!(
                    "registration_number: {} is already on line {first}",
                    entry.registration
                ));
            }
            if let Some(mmsi) = entry.mmsi
                && let Some(other) = mmsis.get(&mmsi.get())
                && *other != entry.registration
            {
                problems.push(format!(
                    "mmsi: {:09} is already the MMSI of {other}",
                    mmsi.get()
                ));
            }
        }
        match entry {
            Some(entry) if problems.is_empty() => {
                seen.insert(entry.registration.clone(), line);
                if let Some(mmsi) = entry.mmsi {
                    mmsis.insert(mmsi.get(), entry.registration.clone());
                }
                parsed.entries.push((line, entry));
            }
            _ => parsed.errors.push(RowError {
                line,
                registration: row.registration,
                problems,
            }),
        }
    }
    Ok(parsed)
}

fn csv_error(e: &csv::Error) -> RegistryFileError {
    RegistryFileError::Csv {
        line: e.position().map_or(0, |p| p.line()),
        message: e.to_string(),
    }
}

/// One row being read: its fields by column, and the problems found so far.
struct CsvRow<'r> {
    record: &'r csv::ByteRecord,
    index: &'r HashMap<&'static str, usize>,
    registration: Option<String>,
    problems: Vec<String>,
}

impl<'r> CsvRow<'r> {
    fn new(
        record: &'r csv::ByteRecord,
        index: &'r HashMap<&'static str, usize>,
        columns: usize,
    ) -> Self {
        let mut row = Self {
            record,
            index,
            registration: None,
            problems: Vec::new(),
        };
        if record.len() != columns {
            row.problems.push(format!(
                "has {} fields where the header has {columns}",
                record.len()
            ));
        }
        row
    }

    /// The trimmed text of `column`; `None` when absent or empty.
    fn text(&mut self, column: &'static str) -> Option<String> {
        let raw = self.record.get(*self.index.get(column)?)?;
        let Ok(text) = std::str::from_utf8(raw) else {
            self.problems.push(format!("{column}: not UTF-8 text"));
            return None;
        };
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.is_empty() {
            return None;
        }
        if text.chars().count() > MAX_TEXT_CHARS {
            self.problems
                .push(format!("{column}: longer than {MAX_TEXT_CHARS} characters"));
            return None;
        }
        if text.chars().any(char::is_control) {
            self.problems
                .push(format!("{column}: holds control characters"));
            return None;
        }
        Some(text)
    }

    fn required(&mut self, column: &'static str) -> Option<String> {
        let text = self.text(column);
        if text.is_none() && !self.problems.iter().any(|p| p.starts_with(column)) {
            self.problems.push(format!("{column}: required"));
        }
        text
    }

    fn entry(&mut self) -> Option<RegistryEntry> {
        let registration = self.required("registration_number").and_then(|r| {
            let r = r.to_uppercase();
            let ok = r.len() <= 32
                && r.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '/' | ' '));
            if ok {
                Some(r)
            } else {
                self.problems.push(format!(
                    "registration_number: {r:?} is not a registration number (letters, digits, '-', '.', '/'; at most 32)"
                ));
                None
            }
        });
        self.registration.clone_from(&registration);
        let mmsi = self.text("mmsi").and_then(|m| {
            let parsed = (m.len() == 9 && m.bytes().all(|b| b.is_ascii_digit()))
                .then(|| m.parse::<u32>().ok().and_then(Mmsi::new))
                .flatten();
            if parsed.is_none() {
                self.problems
                    .push(format!("mmsi: {m:?} is not nine digits"));
            }
            parsed
        });
        let name = self.required("name");
        let length_m = self.required("length_m").and_then(|l| {
            let parsed = l
                .replace(',', ".")
                .parse::<f32>()
                .ok()
                .filter(|l| l.is_finite() && *l > 0.0 && *l <= 200.0);
            if parsed.is_none() {
                self.problems.push(format!(
                    "length_m: {l:?} is not a length in metres (more than 0, at most 200)"
                ));
            }
            parsed
        });
        let gear = self.text("gear");
        let province = self.required("province");
        let owner = self.text("owner");
        let vms_provider = self.text("vms_provider");
        let vms_device_id = self.text("vms_device_id");
        let licence_valid_from = self.date("licence_valid_from");
        let licence_valid_to = self.date("licence_valid_to");
        if let (Some(from), Some(to)) = (licence_valid_from, licence_valid_to)
            && to < from
        {
            self.problems.push(format!(
                "licence_valid_to: {to} is before licence_valid_from {from}"
            ));
        }
        Some(RegistryEntry {
            registration: registration?,
            mmsi,
            name: name?,
            length_m: length_m?,
            gear,
            province: province?,
            owner,
            vms_provider,
            vms_device_id,
            licence_valid_from,
            licence_valid_to,
        })
    }

    fn date(&mut self, column: &'static str) -> Option<Date> {
        let text = self.text(column)?;
        let date = parse_day(&text);
        if date.is_none() {
            self.problems
                .push(format!("{column}: {text:?} is not a date (YYYY-MM-DD)"));
        }
        date
    }
}

/// What an import did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportReport {
    /// The import's id (entries name it).
    pub import_id: i64,
    /// When it was stored.
    pub imported_at: OffsetDateTime,
    /// Rows given (valid ones).
    pub rows: u64,
    /// Registrations seen for the first time.
    pub inserted: u64,
    /// Registrations whose current entry this import superseded.
    pub updated: u64,
    /// Rows equal to the current entry.
    pub unchanged: u64,
    /// Rows refused before the import (counted in the import's record).
    pub rejected: u64,
}

/// An entry as stored, with its place in the history.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredRegistryEntry {
    /// The entry.
    pub entry: RegistryEntry,
    /// The import that brought it.
    pub import_id: i64,
    /// When it became current.
    pub valid_from: OffsetDateTime,
    /// When a later import superseded it; `None` while current.
    pub superseded_at: Option<OffsetDateTime>,
}

impl Store {
    /// Stores the valid rows of a register file from `source` (a file name, `api:…`), in
    /// one transaction; `rejected` rows were refused before and are only counted.
    pub async fn import_registry(
        &self,
        source: &str,
        entries: &[RegistryEntry],
        rejected: u64,
    ) -> Result<ImportReport> {
        let now = OffsetDateTime::now_utc();
        // The store keeps microseconds.
        let now = now
            .replace_nanosecond(now.nanosecond() / 1000 * 1000)
            .unwrap_or(now);
        match self {
            Store::Sqlite(s) => sqlite_import(s.pool(), source, entries, rejected, now).await,
            Store::Postgres(s) => pg_import(s.pool(), source, entries, rejected, now).await,
        }
    }

    /// The current entry of every registration, by registration.
    pub async fn registry_current(&self) -> Result<Vec<StoredRegistryEntry>> {
        self.registry_query(None).await
    }

    /// The provinces of the register's current entries, as spelled there, sorted.
    pub async fn registry_provinces(&self) -> Result<Vec<String>> {
        let sql = match self {
            Store::Sqlite(_) => {
                "SELECT DISTINCT province FROM registry_entries WHERE superseded_us IS NULL \
                 ORDER BY 1"
            }
            Store::Postgres(_) => {
                "SELECT DISTINCT province FROM registry_entries WHERE superseded_at IS NULL \
                 ORDER BY 1"
            }
        };
        Ok(match self {
            Store::Sqlite(s) => sqlx::query_scalar(sql).fetch_all(s.pool()).await?,
            Store::Postgres(s) => sqlx::query_scalar(sql).fetch_all(s.pool()).await?,
        })
    }

    /// Every entry a registration has had, oldest first; empty for one never imported.
    pub async fn registry_history(&self, registration: &str) -> Result<Vec<StoredRegistryEntry>> {
        self.registry_query(Some(registration)).await
    }

    async fn registry_query(&self, registration: Option<&str>) -> Result<Vec<StoredRegistryEntry>> {
        match self {
            Store::Sqlite(s) => {
                let sql = format!(
                    "SELECT {SQLITE_COLUMNS} FROM registry_entries WHERE {} \
                     ORDER BY registration, valid_from_us, id",
                    if registration.is_some() {
                        "registration = ?1"
                    } else {
                        "superseded_us IS NULL"
                    }
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                if let Some(r) = registration {
                    q = q.bind(r);
                }
                let rows = q.fetch_all(s.pool()).await?;
                rows.iter().map(sqlite_entry).collect()
            }
            Store::Postgres(s) => {
                let sql = format!(
                    "SELECT {PG_COLUMNS} FROM registry_entries WHERE {} \
                     ORDER BY registration, valid_from, id",
                    if registration.is_some() {
                        "registration = $1"
                    } else {
                        "superseded_at IS NULL"
                    }
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                if let Some(r) = registration {
                    q = q.bind(r);
                }
                let rows = q.fetch_all(s.pool()).await?;
                rows.iter().map(pg_entry).collect()
            }
        }
    }
}

/// Splits `entries` against the current register: `(new, changed (with the id of the entry
/// they supersede), unchanged count)`.
fn diff<'e>(
    entries: &'e [RegistryEntry],
    current: &HashMap<String, (i64, RegistryEntry)>,
) -> (Vec<&'e RegistryEntry>, Vec<(i64, &'e RegistryEntry)>, u64) {
    let (mut new, mut changed, mut unchanged) = (Vec::new(), Vec::new(), 0);
    let mut seen = HashSet::new();
    for e in entries {
        if !seen.insert(&e.registration) {
            // A registration twice in one import: the first row stands (the parser
            // refuses the second; a caller that did not parse is held to the same rule).
            unchanged += 1;
            continue;
        }
        match current.get(&e.registration) {
            None => new.push(e),
            Some((_, old)) if old == e => unchanged += 1,
            Some((id, _)) => changed.push((*id, e)),
        }
    }
    (new, changed, unchanged)
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

const SQLITE_COLUMNS: &str = "id, registration, mmsi, name, length_m, gear, province, owner, \
     vms_provider, vms_device_id, licence_valid_from, licence_valid_to, import_id, \
     valid_from_us, superseded_us";

const PG_COLUMNS: &str = "id, registration, mmsi, name, length_m, gear, province, owner, \
     vms_provider, vms_device_id, licence_valid_from, licence_valid_to, import_id, \
     valid_from, superseded_at";

fn mmsi_column(mmsi: Option<i64>) -> Result<Option<Mmsi>> {
    mmsi.map(|m| {
        u32::try_from(m)
            .ok()
            .and_then(Mmsi::new)
            .ok_or_else(|| StoreError::CorruptRow(format!("registry mmsi {m}")))
    })
    .transpose()
}

fn sqlite_entry(row: &SqliteRow) -> Result<StoredRegistryEntry> {
    let date = |column: &str| -> Result<Option<Date>> {
        row.try_get::<Option<String>, _>(column)?
            .map(|t| {
                parse_day(&t).ok_or_else(|| StoreError::CorruptRow(format!("registry date {t:?}")))
            })
            .transpose()
    };
    let micros = |us: i64| {
        from_micros(us).map_err(|e| StoreError::CorruptRow(format!("registry time {us}: {e}")))
    };
    Ok(StoredRegistryEntry {
        entry: RegistryEntry {
            registration: row.try_get("registration")?,
            mmsi: mmsi_column(row.try_get("mmsi")?)?,
            name: row.try_get("name")?,
            length_m: row.try_get::<f64, _>("length_m")? as f32,
            gear: row.try_get("gear")?,
            province: row.try_get("province")?,
            owner: row.try_get("owner")?,
            vms_provider: row.try_get("vms_provider")?,
            vms_device_id: row.try_get("vms_device_id")?,
            licence_valid_from: date("licence_valid_from")?,
            licence_valid_to: date("licence_valid_to")?,
        },
        import_id: row.try_get("import_id")?,
        valid_from: micros(row.try_get("valid_from_us")?)?,
        superseded_at: row
            .try_get::<Option<i64>, _>("superseded_us")?
            .map(micros)
            .transpose()?,
    })
}

fn pg_entry(row: &PgRow) -> Result<StoredRegistryEntry> {
    Ok(StoredRegistryEntry {
        entry: RegistryEntry {
            registration: row.try_get("registration")?,
            mmsi: mmsi_column(row.try_get::<Option<i32>, _>("mmsi")?.map(i64::from))?,
            name: row.try_get("name")?,
            length_m: row.try_get("length_m")?,
            gear: row.try_get("gear")?,
            province: row.try_get("province")?,
            owner: row.try_get("owner")?,
            vms_provider: row.try_get("vms_provider")?,
            vms_device_id: row.try_get("vms_device_id")?,
            licence_valid_from: row.try_get("licence_valid_from")?,
            licence_valid_to: row.try_get("licence_valid_to")?,
        },
        import_id: row.try_get("import_id")?,
        valid_from: row.try_get("valid_from")?,
        superseded_at: row.try_get("superseded_at")?,
    })
}

async fn sqlite_import(
    pool: &sqlx::SqlitePool,
    source: &str,
    entries: &[RegistryEntry],
    rejected: u64,
    now: OffsetDateTime,
) -> Result<ImportReport> {
    let now_us = to_micros(now);
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let import_id: i64 = sqlx::query_scalar(
        "INSERT INTO registry_imports (imported_us, source) VALUES (?1, ?2) RETURNING id",
    )
    .bind(now_us)
    .bind(source)
    .fetch_one(&mut *tx)
    .await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {SQLITE_COLUMNS} FROM registry_entries WHERE superseded_us IS NULL"
    )))
    .fetch_all(&mut *tx)
    .await?;
    let mut current = HashMap::with_capacity(rows.len());
    for row in &rows {
        let id: i64 = row.try_get("id")?;
        let stored = sqlite_entry(row)?;
        current.insert(stored.entry.registration.clone(), (id, stored.entry));
    }
    let (new, changed, unchanged) = diff(entries, &current);
    for (id, _) in &changed {
        sqlx::query(
            "UPDATE registry_entries SET superseded_us = ?1, superseded_by = ?2 WHERE id = ?3",
        )
        .bind(now_us)
        .bind(import_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    }
    for e in new.iter().copied().chain(changed.iter().map(|(_, e)| *e)) {
        sqlx::query(
            "INSERT INTO registry_entries (registration, mmsi, name, length_m, gear, province, \
             owner, vms_provider, vms_device_id, licence_valid_from, licence_valid_to, \
             import_id, valid_from_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )
        .bind(&e.registration)
        .bind(e.mmsi.map(|m| i64::from(m.get())))
        .bind(&e.name)
        .bind(f64::from(e.length_m))
        .bind(&e.gear)
        .bind(&e.province)
        .bind(&e.owner)
        .bind(&e.vms_provider)
        .bind(&e.vms_device_id)
        .bind(e.licence_valid_from.map(day_text))
        .bind(e.licence_valid_to.map(day_text))
        .bind(import_id)
        .bind(now_us)
        .execute(&mut *tx)
        .await?;
    }
    let report = ImportReport {
        import_id,
        imported_at: now,
        rows: entries.len() as u64,
        inserted: new.len() as u64,
        updated: changed.len() as u64,
        unchanged,
        rejected,
    };
    sqlx::query(
        "UPDATE registry_imports SET rows_read = ?1, inserted = ?2, updated = ?3, \
         unchanged = ?4, rejected = ?5 WHERE id = ?6",
    )
    .bind(count(entries.len()))
    .bind(count(new.len()))
    .bind(count(changed.len()))
    .bind(unchanged as i64)
    .bind(rejected as i64)
    .bind(import_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(report)
}

async fn pg_import(
    pool: &sqlx::PgPool,
    source: &str,
    entries: &[RegistryEntry],
    rejected: u64,
    now: OffsetDateTime,
) -> Result<ImportReport> {
    let mut tx = pool.begin().await?;
    // One import at a time: two at once would both see the same current entries.
    sqlx::query("LOCK TABLE registry_entries IN SHARE ROW EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await?;
    let import_id: i64 = sqlx::query_scalar(
        "INSERT INTO registry_imports (imported_at, source) VALUES ($1, $2) RETURNING id",
    )
    .bind(now)
    .bind(source)
    .fetch_one(&mut *tx)
    .await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {PG_COLUMNS} FROM registry_entries WHERE superseded_at IS NULL"
    )))
    .fetch_all(&mut *tx)
    .await?;
    let mut current = HashMap::with_capacity(rows.len());
    for row in &rows {
        let id: i64 = row.try_get("id")?;
        let stored = pg_entry(row)?;
        current.insert(stored.entry.registration.clone(), (id, stored.entry));
    }
    let (new, changed, unchanged) = diff(entries, &current);
    let superseded: Vec<i64> = changed.iter().map(|(id, _)| *id).collect();
    sqlx::query(
        "UPDATE registry_entries SET superseded_at = $1, superseded_by = $2 WHERE id = ANY($3)",
    )
    .bind(now)
    .bind(import_id)
    .bind(&superseded)
    .execute(&mut *tx)
    .await?;
    let stored: Vec<&RegistryEntry> = new
        .iter()
        .copied()
        .chain(changed.iter().map(|(_, e)| *e))
        .collect();
    sqlx::query(
        "INSERT INTO registry_entries (registration, mmsi, name, length_m, gear, province, \
         owner, vms_provider, vms_device_id, licence_valid_from, licence_valid_to, import_id, \
         valid_from) \
         SELECT r, m, n, l, g, p, o, vp, vd, lf, lt, $12, $13 FROM UNNEST($1::text[], \
         $2::int4[], $3::text[], $4::real[], $5::text[], $6::text[], $7::text[], $8::text[], \
         $9::text[], $10::date[], $11::date[]) AS t(r, m, n, l, g, p, o, vp, vd, lf, lt)",
    )
    .bind(
        stored
            .iter()
            .map(|e| e.registration.as_str())
            .collect::<Vec<_>>(),
    )
    .bind(
        stored
            .iter()
            .map(|e| e.mmsi.and_then(|m| i32::try_from(m.get()).ok()))
            .collect::<Vec<_>>(),
    )
    .bind(stored.iter().map(|e| e.name.as_str()).collect::<Vec<_>>())
    .bind(stored.iter().map(|e| e.length_m).collect::<Vec<_>>())
    .bind(stored.iter().map(|e| e.gear.as_deref()).collect::<Vec<_>>())
    .bind(
        stored
            .iter()
            .map(|e| e.province.as_str())
            .collect::<Vec<_>>(),
    )
    .bind(
        stored
            .iter()
            .map(|e| e.owner.as_deref())
            .collect::<Vec<_>>(),
    )
    .bind(
        stored
            .iter()
            .map(|e| e.vms_provider.as_deref())
            .collect::<Vec<_>>(),
    )
    .bind(
        stored
            .iter()
            .map(|e| e.vms_device_id.as_deref())
            .collect::<Vec<_>>(),
    )
    .bind(
        stored
            .iter()
            .map(|e| e.licence_valid_from)
            .collect::<Vec<_>>(),
    )
    .bind(
        stored
            .iter()
            .map(|e| e.licence_valid_to)
            .collect::<Vec<_>>(),
    )
    .bind(import_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE registry_imports SET rows_read = $1, inserted = $2, updated = $3, \
         unchanged = $4, rejected = $5 WHERE id = $6",
    )
    .bind(count(entries.len()) as i32)
    .bind(count(new.len()) as i32)
    .bind(count(changed.len()) as i32)
    .bind(unchanged as i32)
    .bind(rejected as i32)
    .bind(import_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(ImportReport {
        import_id,
        imported_at: now,
        rows: entries.len() as u64,
        inserted: new.len() as u64,
        updated: changed.len() as u64,
        unchanged,
        rejected,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "registration_number,mmsi,name,length_m,gear,province,owner,vms_provider,vms_device_id,licence_valid_from,licence_valid_to";

    fn parse(rows: &str) -> ParsedRegistry {
        parse_registry_csv(format!("{HEADER}\n{rows}").as_bytes()).unwrap()
    }

    #[test]
    fn a_good_row_is_read_with_every_field() {
        let p = parse(
            "bv-90001-ts,574100001,\"Đại Dương, 01\",\"15,5\",lưới kéo,Bà Rịa - Vũng Tàu,Nguyễn Văn A,VNPT,D-1,2026-01-01,2026-12-31\n",
        );
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        let (line, e) = &p.entries[0];
        assert_eq!(*line, 2);
        assert_eq!(e.registration, "BV-90001-TS");
        assert_eq!(e.mmsi.map(Mmsi::get), Some(574_100_001));
        assert_eq!(e.name, "Đại Dương, 01");
        assert_eq!(e.length_m, 15.5);
        assert_eq!(e.gear.as_deref(), Some("lưới kéo"));
        assert_eq!(
            e.licence_valid_to.map(day_text).as_deref(),
            Some("2026-12-31")
        );
    }

    #[test]
    fn each_bad_row_is_refused_alone_with_every_problem() {
        // (row, the problems expected, in order). A row of empty fields is a blank line
        // (spreadsheets write them), skipped.
        let cases: &[(&str, &[&str])] = &[
            (
                ",,,,lưới,,,,,,",
                &[
                    "registration_number: required",
                    "name: required",
                    "length_m: required",
                    "province: required",
                ],
            ),
            (
                "BV 1 #,,A,12,,KG,,,,,",
                &["registration_number: \"BV 1 #\" is not"],
            ),
            (
                "KG-1,57410000,A,12,,KG,,,,,",
                &["mmsi: \"57410000\" is not nine digits"],
            ),
            ("KG-2,,A,0,,KG,,,,,", &["length_m: \"0\" is not a length"]),
            ("KG-3,,A,twelve,,KG,,,,,", &["length_m: \"twelve\""]),
            (
                "KG-4,,A,12,,KG,,,,2026-13-01,",
                &["licence_valid_from: \"2026-13-01\" is not a date"],
            ),
            (
                "KG-5,,A,12,,KG,,,,2026-06-01,2026-05-31",
                &["licence_valid_to: 2026-05-31 is before"],
            ),
            ("KG-6,,A,12,,KG", &["has 6 fields where the header has 11"]),
        ];
        for (row, expected) in cases {
            let p = parse(&format!("{row}\nKG-99,,Good,12,,KG,,,,,\n"));
            assert_eq!(p.entries.len(), 1, "{row}: the good row stays");
            assert_eq!(p.errors.len(), 1, "{row}");
            let problems = &p.errors[0].problems;
            assert_eq!(problems.len(), expected.len(), "{row}: {problems:?}");
            for (got, want) in problems.iter().zip(expected.iter()) {
                assert!(got.starts_with(want), "{row}: {got:?} vs {want:?}");
            }
            assert_eq!(p.errors[0].line, 2);
        }
    }

    #[test]
    fn a_registration_or_mmsi_twice_refuses_the_later_row() {
        let p = parse(
            "KG-1,574100001,A,12,,KG,,,,,\nkg-1,,B,12,,KG,,,,,\nKG-2,574100001,C,12,,KG,,,,,\n",
        );
        assert_eq!(p.entries.len(), 1);
        assert_eq!(
            p.errors[0].problems,
            ["registration_number: KG-1 is already on line 2"]
        );
        assert_eq!(
            p.errors[1].problems,
            ["mmsi: 574100001 is already the MMSI of KG-1"]
        );
        assert_eq!(p.errors[1].registration.as_deref(), Some("KG-2"));
    }

    #[test]
    fn spreadsheet_exports_are_read() {
        // A byte-order mark, semicolons, CRLF, columns in another order, a blank line.
        let text = "\u{feff}Province;Name;Registration_Number;Length_M\r\nKG;A;KG-1;12,5\r\n\r\n";
        let p = parse_registry_csv(text.as_bytes()).unwrap();
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.entries[0].1.length_m, 12.5);
        assert_eq!(p.entries[0].1.province, "KG");
    }

    #[test]
    fn a_file_without_its_required_columns_is_refused_whole() {
        let cases: &[(&str, RegistryFileError)] = &[
            ("", RegistryFileError::Empty),
            (
                "registration_number,name\nKG-1,A\n",
                RegistryFileError::MissingColumns("length_m, province".into()),
            ),
            (
                "registration_number,name,length_m,province,colour\n",
                RegistryFileError::BadColumn("colour".into(), "not a column of the register"),
            ),
            (
                "name,name,length_m,province,registration_number\n",
                RegistryFileError::BadColumn("name".into(), "named twice"),
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(
                parse_registry_csv(text.as_bytes()).unwrap_err(),
                *expected,
                "{text:?}"
            );
        }
        let unterminated = format!("{HEADER}\nKG-1,,\"A,12\n");
        // An open quote runs to the end: the row has too few fields, refused alone.
        let p = parse_registry_csv(unterminated.as_bytes()).unwrap();
        assert_eq!(p.entries.len(), 0);
        assert_eq!(p.errors.len(), 1);
    }

    #[test]
    fn bad_bytes_never_panic() {
        for bytes in [
            &b"\xff\xfe\x00"[..],
            b"registration_number,name,length_m,province\n\xff,\xfe,1,2\n",
            b"\"\"\"\n\n\n",
        ] {
            let _ = parse_registry_csv(bytes);
        }
        let p = parse_registry_csv(b"registration_number,name,length_m,province\nKG-1,\xff,1,KG\n")
            .unwrap();
        assert_eq!(p.errors[0].problems, ["name: not UTF-8 text"]);
    }
}
