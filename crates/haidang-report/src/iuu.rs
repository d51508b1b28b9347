//! The IUU compliance report (the EU "Yellow Card" follow-up) for a period and optionally
//! one province, as JSON: the fleet, VMS-loss cases by bucket and outcome, boundary cases
//! by country, class and outcome, cases closed without sanction by reason, and an annex
//! per vessel. Every count carries the ids it counts (registration numbers for the fleet,
//! case numbers for cases), and the report checks itself before it is written: every
//! total equals the sum of its parts and every case is counted once in each breakdown. A
//! report that fails a check is not written ([`ConsistencyError`]).
//!
//! The same input gives the same bytes: maps are ordered, ids sorted.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};
use time::{Date, OffsetDateTime};

/// A vessel of the register, with how many positions it reported in the period.
#[derive(Clone, Debug, PartialEq)]
pub struct FleetVessel {
    /// The registration number.
    pub registration: String,
    /// The AIS identity, if any.
    pub mmsi: Option<u32>,
    /// Length overall, metres.
    pub length_m: f32,
    /// The province of registration.
    pub province: String,
    /// Whether the register names a VMS provider or device.
    pub has_vms: bool,
    /// Positions stored in the period, under its registration (VMS) and its MMSI (AIS).
    pub positions: u64,
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
    /// Boundary: the zone's country and class.
    pub country: Option<String>,
    /// Boundary: `foreign` or `undelimited`.
    pub zone_class: Option<String>,
    /// `detected`, `verified`, `sanctioned` or `closed`.
    pub status: String,
    /// Why closed.
    pub closed_reason: Option<String>,
    /// When it happened.
    pub detected_at: OffsetDateTime,
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
    /// The cases detected in the period.
    pub cases: Vec<ReportCase>,
}

/// A report that does not add up.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the report does not add up: {0}")]
pub struct ConsistencyError(pub String);

/// Positions a day a vessel must average to count as reporting (the VMS rules' 12).
pub const POSITIONS_PER_DAY: u64 = 12;

/// Length from which the VMS duty applies, metres.
pub const VMS_LENGTH_M: f32 = 15.0;

/// Counts by a key (a bucket, a country, an outcome), each with its ids.
type Breakdown = BTreeMap<String, Tally<i64>>;

/// A count with the ids it counts.
#[derive(Default)]
struct Tally<T: Ord> {
    ids: BTreeSet<T>,
}

impl<T: Ord + Clone + serde::Serialize> Tally<T> {
    fn add(&mut self, id: &T) {
        self.ids.insert(id.clone());
    }

    fn json(&self) -> Value {
        json!({"count": self.ids.len(), "ids": self.ids.iter().collect::<Vec<_>>()})
    }
}

/// The report as JSON (pretty, UTF-8), or why it does not add up.
pub fn iuu_report_json(input: &IuuInput) -> Result<String, ConsistencyError> {
    let report = iuu_report(input)?;
    serde_json::to_string_pretty(&report).map_err(|e| ConsistencyError(e.to_string()))
}

/// The report as a JSON value, checked.
pub fn iuu_report(input: &IuuInput) -> Result<Value, ConsistencyError> {
    let days = (input.to - input.from).whole_days();
    if days <= 0 {
        return Err(ConsistencyError(format!(
            "the period {} to {} is empty",
            input.from, input.to
        )));
    }
    let in_province = |p: &str| input.province.as_deref().is_none_or(|want| want == p);
    // The register, by each key a vessel's positions and cases may carry.
    let mut by_key: BTreeMap<String, &FleetVessel> = BTreeMap::new();
    for v in &input.fleet {
        by_key.insert(format!("reg:{}", v.registration), v);
        if let Some(m) = v.mmsi {
            by_key.insert(format!("mmsi:{m:09}"), v);
        }
    }

    let (mut registered, mut long, mut with_vms, mut reporting) = (
        Tally::<String>::default(),
        Tally::default(),
        Tally::default(),
        Tally::default(),
    );
    let mut annex: BTreeMap<&str, (&FleetVessel, BTreeSet<i64>)> = BTreeMap::new();
    for v in input.fleet.iter().filter(|v| in_province(&v.province)) {
        registered.add(&v.registration);
        if v.length_m >= VMS_LENGTH_M {
            long.add(&v.registration);
        }
        if v.has_vms {
            with_vms.add(&v.registration);
        }
        if v.positions >= POSITIONS_PER_DAY * days as u64 {
            reporting.add(&v.registration);
        }
        annex.insert(&v.registration, (v, BTreeSet::new()));
    }

    // Cases of the province's vessels (all cases without a province filter; a case whose
    // vessel is not in the register counts under `unregistered`).
    let mut counted: Vec<&ReportCase> = Vec::new();
    for c in &input.cases {
        let vessel = c.vessel.as_deref().and_then(|k| by_key.get(k));
        let keep = match (&input.province, vessel) {
            (None, _) => true,
            (Some(_), Some(v)) => in_province(&v.province),
            (Some(_), None) => false,
        };
        if keep {
            counted.push(c);
            if let Some(v) = vessel
                && let Some((_, ids)) = annex.get_mut(v.registration.as_str())
            {
                ids.insert(c.id);
            }
        }
    }
    let unregistered: Tally<i64> = {
        let mut t = Tally::default();
        for c in &counted {
            if c.vessel.as_deref().and_then(|k| by_key.get(k)).is_none() {
                t.add(&c.id);
            }
        }
        t
    };

    let mut loss_total = Tally::<i64>::default();
    let mut loss: BTreeMap<String, (Tally<i64>, Breakdown)> = BTreeMap::new();
    let mut boundary_total = Tally::<i64>::default();
    let mut boundary: BTreeMap<String, (Tally<i64>, Breakdown, Breakdown)> = BTreeMap::new();
    let mut closed_total = Tally::<i64>::default();
    let mut closed: BTreeMap<String, Tally<i64>> = BTreeMap::new();
    let outcome = |c: &ReportCase| c.status.clone();
    for c in &counted {
        match c.kind.as_str() {
            "vms_loss" => {
                loss_total.add(&c.id);
                let bucket = c.bucket.clone().unwrap_or_else(|| "unknown".into());
                let (t, by) = loss.entry(bucket).or_default();
                t.add(&c.id);
                by.entry(outcome(c)).or_default().add(&c.id);
            }
            "boundary" => {
                boundary_total.add(&c.id);
                let country = c.country.clone().unwrap_or_else(|| "none".into());
                let (t, by_class, by_outcome) = boundary.entry(country).or_default();
                t.add(&c.id);
                by_class
                    .entry(c.zone_class.clone().unwrap_or_else(|| "unknown".into()))
                    .or_default()
                    .add(&c.id);
                by_outcome.entry(outcome(c)).or_default().add(&c.id);
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
                .entry(c.closed_reason.clone().unwrap_or_else(|| "unknown".into()))
                .or_default()
                .add(&c.id);
        }
    }

    // The checks: each breakdown partitions its total.
    let mut checks = Vec::new();
    let mut check = |name: &str, total: &BTreeSet<i64>, parts: Vec<&BTreeSet<i64>>| {
        let sum: usize = parts.iter().map(|p| p.len()).sum();
        let union: BTreeSet<i64> = parts.iter().flat_map(|p| p.iter().copied()).collect();
        let ok = sum == total.len() && union == *total;
        checks.push(json!({"check": name, "total": total.len(), "sum_of_parts": sum, "ok": ok}));
        ok
    };
    let mut ok = true;
    ok &= check(
        "vms_loss by bucket",
        &loss_total.ids,
        loss.values().map(|(t, _)| &t.ids).collect(),
    );
    for (bucket, (t, by)) in &loss {
        ok &= check(
            &format!("vms_loss {bucket} by outcome"),
            &t.ids,
            by.values().map(|x| &x.ids).collect(),
        );
    }
    ok &= check(
        "boundary by country",
        &boundary_total.ids,
        boundary.values().map(|(t, _, _)| &t.ids).collect(),
    );
    for (country, (t, by_class, by_outcome)) in &boundary {
        ok &= check(
            &format!("boundary {country} by class"),
            &t.ids,
            by_class.values().map(|x| &x.ids).collect(),
        );
        ok &= check(
            &format!("boundary {country} by outcome"),
            &t.ids,
            by_outcome.values().map(|x| &x.ids).collect(),
        );
    }
    ok &= check(
        "closed without sanction by reason",
        &closed_total.ids,
        closed.values().map(|x| &x.ids).collect(),
    );
    let all: BTreeSet<i64> = counted.iter().map(|c| c.id).collect();
    ok &= check(
        "every case in one kind",
        &all,
        vec![&loss_total.ids, &boundary_total.ids],
    );
    if all.len() != counted.len() {
        ok = false;
        checks.push(json!({"check": "case ids unique", "total": counted.len(), "sum_of_parts": all.len(), "ok": false}));
    }
    if !ok {
        let failed: Vec<String> = checks
            .iter()
            .filter(|c| c["ok"] == false)
            .map(|c| c["check"].as_str().unwrap_or_default().to_owned())
            .collect();
        return Err(ConsistencyError(failed.join("; ")));
    }

    let tallies = |m: &BTreeMap<String, Tally<i64>>| -> Value {
        m.iter()
            .map(|(k, t)| (k.clone(), t.json()))
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    Ok(json!({
        "report": "iuu",
        "period": {"from": input.from.to_string(), "to_exclusive": input.to.to_string(), "days": days},
        "province": input.province,
        "notice": "Zone boundaries are approximate, not legal lines; positions are as the vessels reported them.",
        "fleet": {
            "registered": registered.json(),
            "length_15m_or_more": long.json(),
            "with_vms": with_vms.json(),
            "reporting_12_a_day": reporting.json(),
        },
        "vms_loss": {
            "total": loss_total.json(),
            "by_bucket": loss.iter().map(|(b, (t, by))| (b.clone(), json!({"total": t.json(), "by_outcome": tallies(by)}))).collect::<serde_json::Map<_, _>>(),
        },
        "boundary": {
            "total": boundary_total.json(),
            "by_country": boundary.iter().map(|(c, (t, by_class, by_outcome))| (c.clone(), json!({"total": t.json(), "by_class": tallies(by_class), "by_outcome": tallies(by_outcome)}))).collect::<serde_json::Map<_, _>>(),
        },
        "closed_without_sanction": {"total": closed_total.json(), "by_reason": tallies(&closed)},
        "cases_of_unregistered_vessels": unregistered.json(),
        "annex": annex.values().map(|(v, ids)| json!({
            "registration": v.registration,
            "mmsi": v.mmsi.map(|m| format!("{m:09}")),
            "province": v.province,
            "length_m": v.length_m,
            "has_vms": v.has_vms,
            "positions": v.positions,
            "positions_per_day": (v.positions as f64 / days as f64 * 10.0).round() / 10.0,
            "case_ids": ids.iter().collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "consistency": {"ok": true, "checks": checks},
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn vessel(
        reg: &str,
        mmsi: Option<u32>,
        length_m: f32,
        province: &str,
        vms: bool,
        positions: u64,
    ) -> FleetVessel {
        FleetVessel {
            registration: reg.into(),
            mmsi,
            length_m,
            province: province.into(),
            has_vms: vms,
            positions,
        }
    }

    fn case(
        id: i64,
        kind: &str,
        vessel: &str,
        bucket_or_country: &str,
        status: &str,
        reason: Option<&str>,
    ) -> ReportCase {
        let loss = kind == "vms_loss";
        ReportCase {
            id,
            kind: kind.into(),
            vessel: Some(vessel.into()),
            bucket: loss.then(|| bucket_or_country.into()),
            country: (!loss).then(|| bucket_or_country.into()),
            zone_class: (!loss).then(|| "foreign".into()),
            status: status.into(),
            closed_reason: reason.map(Into::into),
            detected_at: datetime!(2026-03-10 00:00 UTC),
        }
    }

    fn input(province: Option<&str>) -> IuuInput {
        IuuInput {
            from: time::macros::date!(2026 - 03 - 01),
            to: time::macros::date!(2026 - 04 - 01),
            province: province.map(Into::into),
            fleet: vec![
                // 31 days: 372 positions is 12 a day.
                vessel("KH-1", Some(574_100_001), 24.0, "Khánh Hòa", true, 372),
                vessel("KH-2", None, 16.0, "Khánh Hòa", true, 371),
                vessel("KH-3", None, 12.0, "Khánh Hòa", false, 0),
                vessel("CM-1", None, 18.0, "Cà Mau", true, 900),
            ],
            cases: vec![
                case(
                    1,
                    "vms_loss",
                    "reg:KH-2",
                    "6h_10d",
                    "closed",
                    Some("provider_outage"),
                ),
                case(2, "vms_loss", "reg:KH-2", "over_10d", "sanctioned", None),
                case(3, "boundary", "mmsi:574100001", "IDN", "verified", None),
                case(
                    4,
                    "boundary",
                    "reg:CM-1",
                    "MYS",
                    "closed",
                    Some("force_majeure"),
                ),
                case(5, "vms_loss", "mmsi:574999999", "6h_10d", "detected", None),
            ],
        }
    }

    #[test]
    fn counts_trace_to_ids_and_add_up() {
        let r = iuu_report(&input(None)).unwrap();
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
    }

    #[test]
    fn a_province_counts_its_own_vessels_and_cases() {
        let r = iuu_report(&input(Some("Khánh Hòa"))).unwrap();
        assert_eq!(
            r["fleet"]["registered"]["ids"],
            json!(["KH-1", "KH-2", "KH-3"])
        );
        assert_eq!(r["vms_loss"]["total"]["ids"], json!([1, 2]));
        assert_eq!(r["boundary"]["total"]["ids"], json!([3]));
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
        assert!(e.0.contains("case ids unique"), "{e}");
        let mut unknown = input(None);
        unknown.cases[0].kind = "detention".into();
        assert!(
            iuu_report_json(&unknown)
                .unwrap_err()
                .0
                .contains("does not know")
        );
        let mut empty = input(None);
        empty.to = empty.from;
        assert!(iuu_report_json(&empty).unwrap_err().0.contains("empty"));
    }
}
