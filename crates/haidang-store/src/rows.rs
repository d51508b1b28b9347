//! Conversions shared by both stores, between the public structs and column values.

use std::collections::BTreeSet;

use haidang_types::{Degrees, Knots, LatLon};
use time::OffsetDateTime;

use crate::error::{Result, StoreError};
use crate::model::{NewPosition, StoredPosition, VesselId};

/// The vessels a batch names, each once.
pub(crate) fn distinct_vessels(batch: &[NewPosition]) -> Vec<&VesselId> {
    let set: BTreeSet<&VesselId> = batch.iter().map(|p| &p.vessel).collect();
    set.into_iter().collect()
}

/// A value kept as `real`: both stores round to f32, so both give back the same number.
pub(crate) fn real(value: Option<f64>) -> Option<f32> {
    #[allow(clippy::cast_possible_truncation)] // Rounding to f32 is the point.
    value.map(|v| v as f32)
}

/// Speed over ground as stored.
pub(crate) fn sog(p: &NewPosition) -> Option<f32> {
    real(p.sog.map(|k| k.0))
}

/// Course over ground as stored.
pub(crate) fn cog(p: &NewPosition) -> Option<f32> {
    real(p.cog.map(|d| d.0))
}

/// An integer column read back into a narrower type.
pub(crate) fn narrow<T: TryFrom<i64>>(value: Option<i64>, column: &str) -> Result<Option<T>> {
    value
        .map(|v| T::try_from(v).map_err(|_| StoreError::CorruptRow(format!("{column} = {v}"))))
        .transpose()
}

/// A `count(*)`, never negative.
pub(crate) fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// A stored position from its column values.
#[allow(clippy::too_many_arguments)]
pub(crate) fn stored_position(
    vessel_key: String,
    fix_time: OffsetDateTime,
    received_at: OffsetDateTime,
    source: String,
    (lon, lat): (f64, f64),
    (sog, cog): (Option<f64>, Option<f64>),
    heading: Option<i64>,
    nav_status: Option<i64>,
    raw: Option<String>,
) -> Result<StoredPosition> {
    let vessel = VesselId::from_key(&vessel_key)
        .ok_or_else(|| StoreError::CorruptRow(format!("vessel_key {vessel_key:?}")))?;
    let position = LatLon::new(lon, lat).map_err(|e| StoreError::CorruptRow(e.to_string()))?;
    Ok(StoredPosition {
        vessel,
        fix_time,
        received_at,
        source,
        position,
        sog: sog.map(Knots),
        cog: cog.map(Degrees),
        heading: narrow(heading, "heading_degrees")?,
        nav_status: narrow(nav_status, "nav_status")?,
        raw,
    })
}

/// Orders positions by fix time, then vessel, then receive time: the order of area queries.
pub(crate) fn sort_by_time(positions: &mut [StoredPosition]) {
    positions.sort_by(|a, b| {
        (a.fix_time, &a.vessel, a.received_at).cmp(&(b.fix_time, &b.vessel, b.received_at))
    });
}
