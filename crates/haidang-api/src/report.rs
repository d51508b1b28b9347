//! The IUU compliance report: [`iuu_input`] gathers what `haidang_report` renders (the
//! register, positions counted per vessel, compliance cases with where they happened and,
//! for boundary cases, when the vessel left and how deep inside it went, and the
//! detentions abroad from the consular cases), for `haidang report iuu` and for
//! `GET /api/v1/reports/iuu`.
//!
//! A fisheries account of one province gets its province's report and no other (403).

use std::collections::HashMap;

use axum::Extension;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use geo::Distance as _;
use haidang_geofence::{Boundaries, ZoneIndex};
use haidang_report::{Detention, FleetVessel, IuuFormat, IuuInput, ReportCase, ReportSanction};
use haidang_store::{ComplianceCase, ComplianceFilter, Store, StoreError};
use haidang_types::Meters;
use serde::Deserialize;
use time::{Date, OffsetDateTime, Time};

use crate::auth::Principal;
use crate::evidence::attachment;
use crate::{ApiError, AppState};

/// How far inside a zone the depth of a boundary case is looked for: 400 km, beyond any
/// exclusive economic zone's 200 nm.
const DEPTH_REACH: Meters = Meters(400_000.0);

/// How far a vessel moves before its depth inside a zone is measured again: the depth
/// reported is within this of the deepest fix's.
const DEPTH_STEP: f64 = 200.0;

/// The longest stay inside a zone that is searched for the deepest fix when the vessel was
/// not seen leaving: to the end of the period, at most 31 days after the entry.
const MAX_STAY: time::Duration = time::Duration::days(31);

/// The report's input for the days `from` to `to_exclusive`, optionally of one province
/// (the register's province of the vessel; a detention's own province first). `zones`,
/// when given, measures how far inside each boundary case went.
pub async fn iuu_input(
    store: &Store,
    zones: Option<&ZoneIndex>,
    from: Date,
    to_exclusive: Date,
    province: Option<String>,
) -> Result<IuuInput, StoreError> {
    let start = OffsetDateTime::new_utc(from, Time::MIDNIGHT);
    let stop = OffsetDateTime::new_utc(to_exclusive, Time::MIDNIGHT);
    let counts: HashMap<String, u64> = store
        .position_counts(start, stop)
        .await?
        .into_iter()
        .collect();
    let fleet = store
        .registry_current()
        .await?
        .into_iter()
        .map(|r| {
            let e = r.entry;
            let mmsi = e.mmsi.map(|m| m.get());
            let count = |key: String| counts.get(&key).copied().unwrap_or(0);
            let positions = count(format!("reg:{}", e.registration))
                + mmsi.map(|m| count(format!("mmsi:{m:09}"))).unwrap_or(0);
            FleetVessel {
                has_vms: e.vms_provider.is_some() || e.vms_device_id.is_some(),
                registration: e.registration,
                mmsi,
                name: e.name,
                length_m: e.length_m,
                province: e.province,
                positions,
            }
        })
        .collect();
    let filter = ComplianceFilter {
        from: Some(start),
        to: Some(stop),
        ..ComplianceFilter::default()
    };
    let mut cases = Vec::new();
    for c in store.compliance_cases(&filter).await? {
        let max_inside_m = match zones {
            Some(zones) => deepest(store, zones, &c, stop).await?,
            None => None,
        };
        cases.push(report_case(c, max_inside_m));
    }
    let detentions = store
        .detentions(start, stop)
        .await?
        .into_iter()
        .map(|d| Detention {
            id: d.id,
            vessel: d.vessel.map(|v| v.key()),
            country: d.detaining_country,
            province: d.province,
            detained_at: d.detained_at.unwrap_or(d.opened_at),
            position: d.position,
            status: d.status.as_str().to_owned(),
            crew_count: d.crew_count,
        })
        .collect();
    Ok(IuuInput {
        from,
        to: to_exclusive,
        province,
        fleet,
        cases,
        detentions,
    })
}

fn report_case(c: ComplianceCase, max_inside_m: Option<f64>) -> ReportCase {
    ReportCase {
        id: c.id,
        kind: c.kind,
        vessel: c.vessel.map(|v| v.key()),
        bucket: c.bucket,
        zone_id: c.zone_id,
        country: c.country,
        zone_class: c.zone_class,
        status: c.status,
        closed_reason: c.closed_reason,
        sanction: c.sanction.map(|s| ReportSanction {
            decision_number: s.decision_number,
            amount_vnd: s.amount_vnd,
            decided_on: s.decided_on,
            paid: s.payment_proof.is_some(),
        }),
        detected_at: c.detected_at,
        position: c.position.map(|p| (p.lon(), p.lat())),
        left_at: c.left_at,
        max_inside_m,
    }
}

/// A boundary case's deepest fix inside its zone, metres from the zone's boundary: over
/// the vessel's track from the entry to its exit (else to `period_end`, at most
/// [`MAX_STAY`]), to within [`DEPTH_STEP`]. `None` for other cases, an unknown zone, or
/// no fix inside.
async fn deepest(
    store: &Store,
    zones: &ZoneIndex,
    case: &ComplianceCase,
    period_end: OffsetDateTime,
) -> Result<Option<f64>, StoreError> {
    let (Some(vessel), Some(zone)) = (
        &case.vessel,
        case.zone_id.as_deref().and_then(|z| zones.find(z)),
    ) else {
        return Ok(None);
    };
    if case.kind != "boundary" {
        return Ok(None);
    }
    let until = case
        .left_at
        .unwrap_or(period_end)
        .min(case.detected_at + MAX_STAY);
    // The exit fix itself is outside; `track` stops before `until`.
    let track = store.track(vessel, case.detected_at, until).await?;
    let (mut inside, mut near) = (Vec::new(), Vec::new());
    let mut deepest: Option<f64> = None;
    let mut measured: Option<geo::Point> = None;
    for p in &track {
        // Depth changes by at most the distance moved: a fix within DEPTH_STEP of one
        // measured adds nothing the report shows (an AIS boat reports every few seconds).
        let here = geo::Point::new(p.position.lon(), p.position.lat());
        if measured.is_some_and(|m| geo::Haversine.distance(m, here) < DEPTH_STEP) {
            continue;
        }
        measured = Some(here);
        zones.zones_at(p.position, &mut inside);
        if !inside.contains(&zone) {
            continue;
        }
        zones.nearest_boundaries(
            &geo::Haversine,
            p.position,
            DEPTH_REACH,
            Boundaries::All,
            &mut near,
        );
        // Deeper than the reach counts as the reach: a lower bound, never an overstatement.
        let depth = near
            .iter()
            .find(|n| n.zone == zone)
            .map_or(DEPTH_REACH.0, |n| n.distance.0);
        deepest = Some(deepest.map_or(depth, |d: f64| d.max(depth)));
    }
    Ok(deepest)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct IuuQuery {
    from: String,
    to: String,
    province: Option<String>,
    format: Option<String>,
}

fn day(field: &str, text: &str) -> Result<Date, ApiError> {
    haidang_store::parse_day(text).ok_or_else(|| {
        ApiError::BadRequest(format!("{field} {text:?} is not a day such as 2026-03-01"))
    })
}

/// The longest period one report covers: a year and a day.
const MAX_REPORT_DAYS: i64 = 366;

/// `GET /api/v1/reports/iuu?from=DAY&to=DAY[&province=P][&format=F]`: the report of the
/// days `from` to `to`, both included, as an attachment in [`IuuFormat`] `F` (`json`,
/// `csv`, `geojson`, `pdf`).
pub(crate) async fn iuu(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    query: Result<Query<IuuQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = query.map_err(ApiError::from_query)?;
    let from = day("from", &q.from)?;
    let to = day("to", &q.to)?;
    let end = to
        .next_day()
        .filter(|end| *end > from)
        .ok_or_else(|| ApiError::BadRequest(format!("to {to} is before from {from}")))?;
    if (end - from).whole_days() > MAX_REPORT_DAYS {
        return Err(ApiError::BadRequest(format!(
            "a report covers at most {MAX_REPORT_DAYS} days; {from} to {to} is longer"
        )));
    }
    let format_name = q.format.unwrap_or_else(|| "json".into());
    let format = IuuFormat::parse(&format_name).ok_or_else(|| {
        let names: Vec<&str> = IuuFormat::ALL.iter().map(|(n, _)| *n).collect();
        ApiError::BadRequest(format!(
            "format {format_name:?} is not one of {}",
            names.join(", ")
        ))
    })?;
    let province = match (&principal.account.province, q.province) {
        (Some(own), Some(asked))
            if haidang_types::province_key(own) != haidang_types::province_key(&asked) =>
        {
            return Err(ApiError::Forbidden(format!(
                "this account reports on {own} only, not {asked}"
            )));
        }
        (Some(own), _) => Some(own.clone()),
        (None, asked) => asked.filter(|p| !p.trim().is_empty()),
    };
    let input = iuu_input(&state.store, state.zones.as_deref(), from, end, province).await?;
    // Counting and laying out (a PDF of a national month takes seconds) off the runtime.
    let body = tokio::task::spawn_blocking(move || {
        let report = haidang_report::iuu_report(&input).map_err(|e| e.to_string())?;
        format.render(&report).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
    .map_err(ApiError::Internal)?;
    let name = format!("iuu-report-{from}_{to}.{}", format.extension());
    Ok(attachment(body, format.content_type(), &name, None))
}
