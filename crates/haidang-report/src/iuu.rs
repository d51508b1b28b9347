//! The IUU compliance report (the EU "Yellow Card" follow-up) for a period and optionally
//! one province: the fleet, VMS-loss cases by bucket and outcome, boundary cases by
//! country, class and outcome (each with how long and how far inside), detentions abroad
//! by country (from the consular cases, with no crew personal data), cases closed without
//! sanction by reason, the list of every case counted, and an annex per vessel. Every
//! count carries the ids it counts (registration numbers for the fleet, compliance case
//! numbers for cases, consular case numbers for detentions), and the report checks itself
//! before it is written: every total equals the sum of its parts and every case is counted
//! once in each breakdown. A report that fails a check is not written
//! ([`ConsistencyError`]).
//!
//! [`iuu_report`] computes an [`IuuReport`]; the renderers ([`iuu_report_json`] and the
//! exports: [`crate::iuu_report_csv_zip`], [`crate::iuu_report_geojson`],
//! [`crate::iuu_report_pdf`]) only lay it out. The same input gives the same bytes: maps
//! are ordered, ids sorted.

use std::collections::{BTreeMap, BTreeSet};

use haidang_types::province_key;
use serde::Serialize;
use time::{Date, OffsetDateTime};

/// The notice every export carries.
pub const REPORT_NOTICE: &str = "Zone boundaries are approximate, not legal lines; \
positions are as the vessels reported them. / Ranh giới vùng biển là gần đúng, không phải \
đường ranh giới pháp lý; vị trí là do tàu tự báo.";

/// A vessel of the register, with how many positions it reported in the period.
#[derive(Clone, Debug, PartialEq)]
pub struct FleetVessel {
    /// The registration number.
    pub registration: String,
    /// The AIS identity, if any.
    pub mmsi: Option<u32>,
    /// The vessel's name.
    pub name: String,
    /// Length overall, metres.
    pub length_m: f32,
    /// The province of registration.
    pub province: String,
    /// Whether the register names a VMS provider or device.
    pub has_vms: bool,
    /// Positions stored in the period, under its registration (VMS) and its MMSI (AIS).
    pub positions: u64,
}

/// A sanction decision on a case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReportSanction {
    /// The decision's number.
    pub decision_number: String,
    /// The fine, in đồng.
    pub amount_vnd: i64,
    /// The decision's date.
    #[serde(serialize_with = "ser::day")]
    pub decided_on: Date,
    /// Whether a proof of payment is recorded.
    pub paid: bool,
}

/// A compliance case, as the report needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportCase {
    /// The case number.
    pub id: i64,
    /// `vms_loss` or `boundary`.
    pub kind: String,
    /// The vessel key (`mmsi:…`, `reg:…`), if known.
    pub vessel: Option<String>,
    /// VMS loss: `6h_10d` or `over_10d`.
    pub bucket: Option<String>,
    /// Boundary: the zone entered.
    pub zone_id: Option<String>,
    /// Boundary: the zone's country.
    pub country: Option<String>,
    /// Boundary: `foreign` or `undelimited`.
    pub zone_class: Option<String>,
    /// `detected`, `verified`, `sanctioned` or `closed`.
    pub status: String,
    /// Why closed.
    pub closed_reason: Option<String>,
    /// The sanction, once sanctioned.
    pub sanction: Option<ReportSanction>,
    /// When it happened.
    pub detected_at: OffsetDateTime,
    /// Where it happened (`lon`, `lat`), when the alert had a position.
    pub position: Option<(f64, f64)>,
    /// Boundary: when the vessel was seen leaving the zone (`None`: not seen leaving).
    pub left_at: Option<OffsetDateTime>,
    /// Boundary: the deepest fix's distance inside the zone, metres.
    pub max_inside_m: Option<f64>,
}

/// A detention abroad: a consular case, without its crew's personal data.
#[derive(Clone, Debug, PartialEq)]
pub struct Detention {
    /// The consular case number.
    pub id: i64,
    /// The vessel key (`mmsi:…`, `reg:…`), if known.
    pub vessel: Option<String>,
    /// The detaining country (ISO 3166 alpha-3).
    pub country: Option<String>,
    /// The vessel's home province, as the case records it.
    pub province: Option<String>,
    /// When the vessel was detained.
    pub detained_at: OffsetDateTime,
    /// Where (`lon`, `lat`).
    pub position: Option<(f64, f64)>,
    /// Where the consular case stands (`reported` … `repatriated`, `closed`).
    pub status: String,
    /// How many crew members the case records (a count, not personal data).
    pub crew_count: u64,
}

/// What a report is made from.
#[derive(Clone, Debug)]
pub struct IuuInput {
    /// The first day of the period.
    pub from: Date,
    /// The day after the last.
    pub to: Date,
    /// Only this province (the vessel's province of registration).
    pub province: Option<String>,
    /// The register's current entries.
    pub fleet: Vec<FleetVessel>,
    /// The compliance cases detected in the period.
    pub cases: Vec<ReportCase>,
    /// The detentions abroad in the period.
    pub detentions: Vec<Detention>,
}

/// A report that does not add up.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the report does not add up: {0}")]
pub struct ConsistencyError(pub String);

/// Positions a day a vessel must average to count as reporting (the VMS rules' 12).
pub const POSITIONS_PER_DAY: u64 = 12;

/// Length from which the VMS duty applies, metres.
pub const VMS_LENGTH_M: f32 = 15.0;

/// A count with the ids it counts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Count<T> {
    /// How many.
    pub count: usize,
    /// Which, sorted.
    pub ids: Vec<T>,
}

/// A count and its breakdown by outcome.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ByOutcome {
    /// All of them.
    pub total: Count<i64>,
    /// By the case's status.
    pub by_outcome: BTreeMap<String, Count<i64>>,
}

/// Boundary cases of one country.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BoundaryCountry {
    /// All of them.
    pub total: Count<i64>,
    /// By zone class (`foreign`, `undelimited`).
    pub by_class: BTreeMap<String, Count<i64>>,
    /// By the case's status.
    pub by_outcome: BTreeMap<String, Count<i64>>,
}

/// Detentions in one country.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DetentionCountry {
    /// All of them.
    pub total: Count<i64>,
    /// By the consular case's status.
    pub by_status: BTreeMap<String, Count<i64>>,
}

/// The period reported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Period {
    /// The first day.
    #[serde(serialize_with = "ser::day")]
    pub from: Date,
    /// The day after the last.
    #[serde(serialize_with = "ser::day")]
    pub to_exclusive: Date,
    /// How many days.
    pub days: i64,
}

/// The fleet of the register, by duty.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Fleet {
    /// Every vessel of the register (in the province).
    pub registered: Count<String>,
    /// Of length 15 m or more (the VMS duty).
    pub length_15m_or_more: Count<String>,
    /// With a VMS provider or device in the register.
    pub with_vms: Count<String>,
    /// Reporting at least 12 positions a day on average over the period.
    pub reporting_12_a_day: Count<String>,
}

/// VMS-loss cases.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VmsLoss {
    /// All of them.
    pub total: Count<i64>,
    /// By bucket (`6h_10d`, `over_10d`), each by outcome.
    pub by_bucket: BTreeMap<String, ByOutcome>,
}

/// Boundary cases.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BoundaryCases {
    /// All of them.
    pub total: Count<i64>,
    /// By the zone's country.
    pub by_country: BTreeMap<String, BoundaryCountry>,
}

/// Detentions abroad.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Detentions {
    /// All of them (consular case numbers).
    pub total: Count<i64>,
    /// By detaining country.
    pub by_country: BTreeMap<String, DetentionCountry>,
}

/// Cases closed without a sanction.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClosedWithoutSanction {
    /// All of them.
    pub total: Count<i64>,
    /// By the reason given.
    pub by_reason: BTreeMap<String, Count<i64>>,
}

/// One case counted, as listed in the report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CaseRow {
    /// The case number.
    pub id: i64,
    /// `vms_loss` or `boundary`.
    pub kind: String,
    /// The vessel key, if known.
    pub vessel: Option<String>,
    /// The vessel's registration number, when it is in the register.
    pub registration: Option<String>,
    /// The vessel's province, when it is in the register.
    pub province: Option<String>,
    /// VMS loss: the bucket.
    pub bucket: Option<String>,
    /// Boundary: the zone, its country and class.
    pub zone_id: Option<String>,
    /// Boundary: the zone's country.
    pub country: Option<String>,
    /// Boundary: the zone's class.
    pub zone_class: Option<String>,
    /// When it happened.
    #[serde(serialize_with = "ser::time")]
    pub detected_at: OffsetDateTime,
    /// Boundary: when the vessel left the zone.
    #[serde(serialize_with = "ser::opt_time")]
    pub left_at: Option<OffsetDateTime>,
    /// Boundary: hours inside (to `left_at`), rounded to 0.1.
    pub hours_inside: Option<f64>,
    /// Boundary: the deepest fix's distance inside, nautical miles, rounded to 0.01.
    pub max_inside_nm: Option<f64>,
    /// Where (`[lon, lat]`).
    pub position: Option<[f64; 2]>,
    /// The outcome.
    pub status: String,
    /// Why closed.
    pub closed_reason: Option<String>,
    /// The sanction.
    pub sanction: Option<ReportSanction>,
}

/// One detention counted.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DetentionRow {
    /// The consular case number.
    pub id: i64,
    /// The vessel key, if known.
    pub vessel: Option<String>,
    /// The vessel's registration number, when it is in the register.
    pub registration: Option<String>,
    /// The province counted under.
    pub province: Option<String>,
    /// The detaining country.
    pub country: Option<String>,
    /// When.
    #[serde(serialize_with = "ser::time")]
    pub detained_at: OffsetDateTime,
    /// Where (`[lon, lat]`).
    pub position: Option<[f64; 2]>,
    /// Where the consular case stands.
    pub status: String,
    /// How many crew members are recorded.
    pub crew_count: u64,
}

/// One vessel of the annex.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AnnexRow {
    /// The registration number.
    pub registration: String,
    /// The MMSI, nine digits.
    pub mmsi: Option<String>,
    /// The name.
    pub name: String,
    /// The province.
    pub province: String,
    /// Length overall, metres.
    pub length_m: f32,
    /// With a VMS in the register.
    pub has_vms: bool,
    /// Positions stored in the period.
    pub positions: u64,
    /// Positions a day on average, rounded to 0.1.
    pub positions_per_day: f64,
    /// Its compliance cases in the period.
    pub case_ids: Vec<i64>,
    /// Its detentions in the period (consular case numbers).
    pub detention_ids: Vec<i64>,
}

/// One consistency check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    /// What is checked.
    pub check: String,
    /// The total.
    pub total: usize,
    /// The sum of its parts.
    pub sum_of_parts: usize,
    /// Whether the parts partition the total.
    pub ok: bool,
}

/// The consistency checks, all passed (a report that fails one is not made).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Consistency {
    /// Always true in a report that was made.
    pub ok: bool,
    /// Every check.
    pub checks: Vec<Check>,
}

/// The IUU compliance report of a period.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IuuReport {
    /// Always `iuu`.
    pub report: &'static str,
    /// The period.
    pub period: Period,
    /// The province, or `None` for the whole country.
    pub province: Option<String>,
    /// [`REPORT_NOTICE`].
    pub notice: &'static str,
    /// The fleet.
    pub fleet: Fleet,
    /// VMS-loss cases.
    pub vms_loss: VmsLoss,
    /// Boundary cases.
    pub boundary: BoundaryCases,
    /// Detentions abroad.
    pub detentions_abroad: Detentions,
    /// Cases closed without a sanction.
    pub closed_without_sanction: ClosedWithoutSanction,
    /// Cases whose vessel is not in the register.
    pub cases_of_unregistered_vessels: Count<i64>,
    /// Every compliance case counted, by number.
    pub cases: Vec<CaseRow>,
    /// Every detention counted, by consular case number.
    pub detentions: Vec<DetentionRow>,
    /// One row per vessel of the register (in the province).
    pub annex: Vec<AnnexRow>,
    /// The checks.
    pub consistency: Consistency,
}

/// Serialisers for times (RFC 3339, UTC) and days (`YYYY-MM-DD`).
pub(crate) mod ser {
    use serde::Serializer;
    use time::format_description::well_known::Rfc3339;
    use time::{Date, OffsetDateTime, UtcOffset};

    pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
        t.to_offset(UtcOffset::UTC)
            .format(&Rfc3339)
            .unwrap_or_else(|_| t.unix_timestamp().to_string())
    }

    pub(crate) fn time<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&rfc3339(*t))
    }

    pub(crate) fn opt_time<S: Serializer>(
        t: &Option<OffsetDateTime>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&rfc3339(*t)),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn day<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(d)
    }
}

/// Ids being counted.
#[derive(Default)]
struct Tally<T: Ord> {
    ids: BTreeSet<T>,
}

impl<T: Ord + Clone> Tally<T> {
    fn add(&mut self, id: &T) {
        self.ids.insert(id.clone());
    }

    fn count(&self) -> Count<T> {
        Count {
            count: self.ids.len(),
            ids: self.ids.iter().cloned().collect(),
        }
    }
}

type Breakdown = BTreeMap<String, Tally<i64>>;

fn counts(m: &Breakdown) -> BTreeMap<String, Count<i64>> {
    m.iter().map(|(k, t)| (k.clone(), t.count())).collect()
}

fn or_unknown(v: &Option<String>, unknown: &str) -> String {
    v.clone().unwrap_or_else(|| unknown.to_owned())
}

/// Rounds to `places` decimals.
fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

/// Meters in a nautical mile.
const METERS_PER_NM: f64 = 1852.0;

/// The report as JSON (pretty, UTF-8), or why it does not add up.
pub fn iuu_report_json(input: &IuuInput) -> Result<String, ConsistencyError> {
    let report = iuu_report(input)?;
    serde_json::to_string_pretty(&report).map_err(|e| ConsistencyError(e.to_string()))
}

/// The report, checked.
pub fn iuu_report(input: &IuuInput) -> Result<IuuReport, ConsistencyError> {
    let days = (input.to - input.from).whole_days();
    if days <= 0 {
        return Err(ConsistencyError(format!(
            "the period {} to {} is empty",
            input.from, input.to
        )));
    }
    // Provinces match by key, however they are written ("Cà Mau", "ca-mau").
    let wanted = input.province.as_deref().map(province_key);
    let in_province = |p: &str| wanted.as_deref().is_none_or(|want| want == province_key(p));
    // The register, by each key a vessel's positions and cases may carry.
    let mut by_key: BTreeMap<String, &FleetVessel> = BTreeMap::new();
    for v in &input.fleet {
        by_key.insert(format!("reg:{}", v.registration), v);
        if let Some(m) = v.mmsi {
            by_key.insert(format!("mmsi:{m:09}"), v);
        }
    }
    let registered_vessel =
        |key: &Option<String>| key.as_deref().and_then(|k| by_key.get(k)).copied();

    let (mut registered, mut long, mut with_vms, mut reporting) = (
        Tally::<String>::default(),
        Tally::default(),
        Tally::default(),
        Tally::default(),
    );
    let mut annex: BTreeMap<&str, (&FleetVessel, BTreeSet<i64>, BTreeSet<i64>)> = BTreeMap::new();
    for v in input.fleet.iter().filter(|v| in_province(&v.province)) {
        registered.add(&v.registration);
        if v.length_m >= VMS_LENGTH_M {
            long.add(&v.registration);
        }
        if v.has_vms {
            with_vms.add(&v.registration);
        }
        if v.positions >= POSITIONS_PER_DAY * days.unsigned_abs() {
            reporting.add(&v.registration);
        }
        annex.insert(&v.registration, (v, BTreeSet::new(), BTreeSet::new()));
    }

    // Cases of the province's vessels (all cases without a province filter; a case whose
    // vessel is not in the register counts under `unregistered`).
    let mut counted: Vec<&ReportCase> = input
        .cases
        .iter()
        .filter(|c| match (&input.province, registered_vessel(&c.vessel)) {
            (None, _) => true,
            (Some(_), Some(v)) => in_province(&v.province),
            (Some(_), None) => false,
        })
        .collect();
    counted.sort_by_key(|c| c.id);
    let mut unregistered = Tally::<i64>::default();
    for c in &counted {
        match registered_vessel(&c.vessel) {
            Some(v) => {
                if let Some((_, ids, _)) = annex.get_mut(v.registration.as_str()) {
                    ids.insert(c.id);
                }
            }
            None => unregistered.add(&c.id),
        }
    }

    let mut loss_total = Tally::<i64>::default();
    let mut loss: BTreeMap<String, (Tally<i64>, Breakdown)> = BTreeMap::new();
    let mut boundary_total = Tally::<i64>::default();
    let mut boundary: BTreeMap<String, (Tally<i64>, Breakdown, Breakdown)> = BTreeMap::new();
    let mut closed_total = Tally::<i64>::default();
    let mut closed: Breakdown = BTreeMap::new();
    for c in &counted {
        match c.kind.as_str() {
            "vms_loss" => {
                loss_total.add(&c.id);
                let (t, by) = loss.entry(or_unknown(&c.bucket, "unknown")).or_default();
                t.add(&c.id);
                by.entry(c.status.clone()).or_default().add(&c.id);
            }
            "boundary" => {
                boundary_total.add(&c.id);
                let (t, by_class, by_outcome) =
                    boundary.entry(or_unknown(&c.country, "none")).or_default();
                t.add(&c.id);
                by_class
                    .entry(or_unknown(&c.zone_class, "unknown"))
                    .or_default()
                    .add(&c.id);
                by_outcome.entry(c.status.clone()).or_default().add(&c.id);
            }
            other => {
                return Err(ConsistencyError(format!(
                    "case {} is of kind {other:?}, which the report does not know",
                    c.id
                )));
            }
        }
        if c.status == "closed" {
            closed_total.add(&c.id);
            closed
                .entry(or_unknown(&c.closed_reason, "unknown"))
                .or_default()
                .add(&c.id);
        }
    }

    // Detentions of the province's vessels: the case's own province, else the register's.
    let detention_province = |d: &Detention| {
        d.province
            .clone()
            .or_else(|| registered_vessel(&d.vessel).map(|v| v.province.clone()))
    };
    let mut detentions: Vec<&Detention> = input
        .detentions
        .iter()
        .filter(|d| wanted.is_none() || detention_province(d).is_some_and(|p| in_province(&p)))
        .collect();
    detentions.sort_by_key(|d| d.id);
    let mut detention_total = Tally::<i64>::default();
    let mut detained: BTreeMap<String, (Tally<i64>, Breakdown)> = BTreeMap::new();
    for d in &detentions {
        detention_total.add(&d.id);
        let (t, by) = detained
            .entry(or_unknown(&d.country, "unknown"))
            .or_default();
        t.add(&d.id);
        by.entry(d.status.clone()).or_default().add(&d.id);
        if let Some(v) = registered_vessel(&d.vessel)
            && let Some((_, _, ids)) = annex.get_mut(v.registration.as_str())
        {
            ids.insert(d.id);
        }
    }

    // The checks: each breakdown partitions its total.
    let mut checks = Vec::new();
    let mut check = |name: String, total: &BTreeSet<i64>, parts: Vec<&BTreeSet<i64>>| {
        let sum: usize = parts.iter().map(|p| p.len()).sum();
        let union: BTreeSet<i64> = parts.iter().flat_map(|p| p.iter().copied()).collect();
        checks.push(Check {
            check: name,
            total: total.len(),
            sum_of_parts: sum,
            ok: sum == total.len() && union == *total,
        });
    };
    check(
        "vms_loss by bucket".into(),
        &loss_total.ids,
        loss.values().map(|(t, _)| &t.ids).collect(),
    );
    for (bucket, (t, by)) in &loss {
        check(
            format!("vms_loss {bucket} by outcome"),
            &t.ids,
            by.values().map(|x| &x.ids).collect(),
        );
    }
    check(
        "boundary by country".into(),
        &boundary_total.ids,
        boundary.values().map(|(t, _, _)| &t.ids).collect(),
    );
    for (country, (t, by_class, by_outcome)) in &boundary {
        check(
            format!("boundary {country} by class"),
            &t.ids,
            by_class.values().map(|x| &x.ids).collect(),
        );
        check(
            format!("boundary {country} by outcome"),
            &t.ids,
            by_outcome.values().map(|x| &x.ids).collect(),
        );
    }
    check(
        "closed without sanction by reason".into(),
        &closed_total.ids,
        closed.values().map(|x| &x.ids).collect(),
    );
    check(
        "detentions abroad by country".into(),
        &detention_total.ids,
        detained.values().map(|(t, _)| &t.ids).collect(),
    );
    for (country, (t, by)) in &detained {
        check(
            format!("detentions {country} by status"),
            &t.ids,
            by.values().map(|x| &x.ids).collect(),
        );
    }
    let all: BTreeSet<i64> = counted.iter().map(|c| c.id).collect();
    check(
        "every case in one kind".into(),
        &all,
        vec![&loss_total.ids, &boundary_total.ids],
    );
    checks.push(Check {
        check: "case numbers unique".into(),
        total: counted.len(),
        sum_of_parts: all.len(),
        ok: counted.len() == all.len(),
    });
    checks.push(Check {
        check: "detention numbers unique".into(),
        total: detentions.len(),
        sum_of_parts: detention_total.ids.len(),
        ok: detentions.len() == detention_total.ids.len(),
    });
    let failed: Vec<&str> = checks
        .iter()
        .filter(|c| !c.ok)
        .map(|c| c.check.as_str())
        .collect();
    if !failed.is_empty() {
        return Err(ConsistencyError(failed.join("; ")));
    }

    let cases = counted
        .iter()
        .map(|c| {
            let v = registered_vessel(&c.vessel);
            CaseRow {
                id: c.id,
                kind: c.kind.clone(),
                vessel: c.vessel.clone(),
                registration: v.map(|v| v.registration.clone()),
                province: v.map(|v| v.province.clone()),
                bucket: c.bucket.clone(),
                zone_id: c.zone_id.clone(),
                country: c.country.clone(),
                zone_class: c.zone_class.clone(),
                detected_at: c.detected_at,
                left_at: c.left_at,
                hours_inside: c
                    .left_at
                    .map(|l| round((l - c.detected_at).as_seconds_f64() / 3600.0, 1)),
                max_inside_nm: c.max_inside_m.map(|m| round(m / METERS_PER_NM, 2)),
                position: c.position.map(|(lon, lat)| [lon, lat]),
                status: c.status.clone(),
                closed_reason: c.closed_reason.clone(),
                sanction: c.sanction.clone(),
            }
        })
        .collect();
    let detention_rows = detentions
        .iter()
        .map(|d| DetentionRow {
            id: d.id,
            vessel: d.vessel.clone(),
            registration: registered_vessel(&d.vessel).map(|v| v.registration.clone()),
            province: detention_province(d),
            country: d.country.clone(),
            detained_at: d.detained_at,
            position: d.position.map(|(lon, lat)| [lon, lat]),
            status: d.status.clone(),
            crew_count: d.crew_count,
        })
        .collect();
    Ok(IuuReport {
        report: "iuu",
        period: Period {
            from: input.from,
            to_exclusive: input.to,
            days,
        },
        province: input.province.clone(),
        notice: REPORT_NOTICE,
        fleet: Fleet {
            registered: registered.count(),
            length_15m_or_more: long.count(),
            with_vms: with_vms.count(),
            reporting_12_a_day: reporting.count(),
        },
        vms_loss: VmsLoss {
            total: loss_total.count(),
            by_bucket: loss
                .iter()
                .map(|(b, (t, by))| {
                    let outcome = ByOutcome {
                        total: t.count(),
                        by_outcome: counts(by),
                    };
                    (b.clone(), outcome)
                })
                .collect(),
        },
        boundary: BoundaryCases {
            total: boundary_total.count(),
            by_country: boundary
                .iter()
                .map(|(c, (t, by_class, by_outcome))| {
                    let country = BoundaryCountry {
                        total: t.count(),
                        by_class: counts(by_class),
                        by_outcome: counts(by_outcome),
                    };
                    (c.clone(), country)
                })
                .collect(),
        },
        detentions_abroad: Detentions {
            total: detention_total.count(),
            by_country: detained
                .iter()
                .map(|(c, (t, by))| {
                    let country = DetentionCountry {
                        total: t.count(),
                        by_status: counts(by),
                    };
                    (c.clone(), country)
                })
                .collect(),
        },
        closed_without_sanction: ClosedWithoutSanction {
            total: closed_total.count(),
            by_reason: counts(&closed),
        },
        cases_of_unregistered_vessels: unregistered.count(),
        cases,
        detentions: detention_rows,
        annex: annex
            .values()
            .map(|(v, case_ids, detention_ids)| AnnexRow {
                registration: v.registration.clone(),
                mmsi: v.mmsi.map(|m| format!("{m:09}")),
                name: v.name.clone(),
                province: v.province.clone(),
                length_m: v.length_m,
                has_vms: v.has_vms,
                positions: v.positions,
                positions_per_day: round(v.positions as f64 / days as f64, 1),
                case_ids: case_ids.iter().copied().collect(),
                detention_ids: detention_ids.iter().copied().collect(),
            })
            .collect(),
        consistency: Consistency { ok: true, checks },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{input, rich};
    use serde_json::{Value, json};

    fn report(input: &IuuInput) -> Value {
        serde_json::to_value(iuu_report(input).unwrap()).unwrap()
    }

    #[test]
    fn counts_trace_to_ids_and_add_up() {
        let r = report(&input(None));
        assert_eq!(r["fleet"]["registered"]["count"], 4);
        assert_eq!(
            r["fleet"]["length_15m_or_more"]["ids"],
            json!(["CM-1", "KH-1", "KH-2"])
        );
        assert_eq!(r["fleet"]["with_vms"]["count"], 3);
        assert_eq!(
            r["fleet"]["reporting_12_a_day"]["ids"],
            json!(["CM-1", "KH-1"])
        );
        assert_eq!(r["vms_loss"]["total"]["ids"], json!([1, 2, 5]));
        assert_eq!(
            r["vms_loss"]["by_bucket"]["6h_10d"]["by_outcome"]["closed"]["ids"],
            json!([1])
        );
        assert_eq!(
            r["boundary"]["by_country"]["IDN"]["by_class"]["foreign"]["ids"],
            json!([3])
        );
        assert_eq!(
            r["closed_without_sanction"]["by_reason"]["provider_outage"]["ids"],
            json!([1])
        );
        assert_eq!(r["closed_without_sanction"]["total"]["count"], 2);
        assert_eq!(r["cases_of_unregistered_vessels"]["ids"], json!([5]));
        assert_eq!(r["consistency"]["ok"], true);
        let annex = r["annex"].as_array().unwrap();
        assert_eq!(annex[2]["registration"], "KH-2");
        assert_eq!(annex[2]["case_ids"], json!([1, 2]));
        assert_eq!(annex[3]["detention_ids"], json!([7]));
        assert_eq!(r["detentions_abroad"]["total"]["ids"], json!([7, 8]));
        assert_eq!(
            r["detentions_abroad"]["by_country"]["IDN"]["by_status"]["consular_access"]["ids"],
            json!([7])
        );
        let boundary = &r["cases"][2];
        assert_eq!(boundary["id"], 3);
        assert_eq!(boundary["registration"], "KH-1");
        assert_eq!(boundary["hours_inside"], 7.5);
        assert_eq!(boundary["max_inside_nm"], 2.5);
        assert_eq!(boundary["detected_at"], "2026-03-10T00:00:00Z");
        assert_eq!(r["period"]["from"], "2026-03-01");
    }

    #[test]
    fn a_province_counts_its_own_vessels_and_cases() {
        let r = report(&input(Some("Khánh Hòa")));
        assert_eq!(
            r["fleet"]["registered"]["ids"],
            json!(["KH-1", "KH-2", "KH-3"])
        );
        assert_eq!(r["vms_loss"]["total"]["ids"], json!([1, 2]));
        assert_eq!(r["boundary"]["total"]["ids"], json!([3]));
        // Detention 7 by its vessel's register entry; 8 by the case's own province.
        assert_eq!(r["detentions_abroad"]["total"]["ids"], json!([7]));
        let r = report(&input(Some("ca-mau")));
        assert_eq!(r["detentions_abroad"]["total"]["ids"], json!([8]));
    }

    #[test]
    fn the_same_input_gives_the_same_bytes() {
        let mut shuffled = input(None);
        shuffled.cases.reverse();
        shuffled.fleet.reverse();
        assert_eq!(iuu_report_json(&input(None)), iuu_report_json(&shuffled));
    }

    #[test]
    fn a_report_that_does_not_add_up_is_not_written() {
        let mut twice = input(None);
        twice.cases.push(twice.cases[0].clone());
        let e = iuu_report_json(&twice).unwrap_err();
        assert!(e.0.contains("case numbers unique"), "{e}");
        let mut unknown = input(None);
        unknown.cases[0].kind = "detention".into();
        assert!(
            iuu_report_json(&unknown)
                .unwrap_err()
                .0
                .contains("does not know")
        );
        let mut detained_twice = input(None);
        detained_twice
            .detentions
            .push(detained_twice.detentions[0].clone());
        assert!(
            iuu_report_json(&detained_twice)
                .unwrap_err()
                .0
                .contains("detention numbers unique")
        );
        let mut empty = input(None);
        empty.to = empty.from;
        assert!(iuu_report_json(&empty).unwrap_err().0.contains("empty"));
    }

    #[test]
    fn countries_classes_and_sanctions_are_counted_apart() {
        let r = report(&rich());
        let countries: Vec<&String> = r["boundary"]["by_country"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(countries, ["CHN", "IDN", "MYS", "PHL", "THA"]);
        assert_eq!(
            r["boundary"]["by_country"]["PHL"]["by_class"]["undelimited"]["ids"],
            json!([6])
        );
        assert_eq!(r["boundary"]["total"]["ids"], json!([3, 4, 6, 9, 10]));
        assert_eq!(
            r["detentions_abroad"]["total"]["ids"],
            json!([7, 8, 12, 13])
        );
        assert_eq!(r["cases"][5]["sanction"]["amount_vnd"], 250_000_000);
        assert_eq!(
            r["cases"][5]["hours_inside"],
            Value::Null,
            "not seen leaving"
        );
    }
}
