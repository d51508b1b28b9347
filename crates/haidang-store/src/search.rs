//! Vessel identities in bulk and one vessel's latest fix: what the API's vessel list (its
//! names and search) and vessel detail need, one query each, on both stores.
//!
//! The contract (the tests at the bottom check it on each store):
//!
//! - [`Store::vessel_labels`] gives the name, call sign and registration of every vessel
//!   that has at least one of them, in vessel-key order: one scan, for the whole fleet at
//!   once, never a query per vessel.
//! - [`Store::latest_with_labels`] gives what [`Store::latest_positions`] gives (without
//!   `raw`), each with the vessel's name, call sign and registration, for the map: the
//!   whole result comes back as one text value built by the database (rows and fields
//!   between ASCII record and unit separators, text hex-encoded), because decoding 30,000
//!   rows one by one through the driver costs about 7 µs a row on SQLite (200 ms), and
//!   splitting one text a small fraction of that.
//! - [`Store::latest_position`] gives the position [`Store::latest_positions`] holds for
//!   one vessel (the newest fix time, receive time breaking ties), or `None`.

use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{Postgres, QueryBuilder, Row, Sqlite};

use crate::error::{Result, StoreError};
use crate::model::{BBox, StoredPosition, VesselId, from_micros};
use crate::rows;
use crate::store::Store;

/// How a vessel is named: what a search by name, call sign or registration looks at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VesselLabel {
    /// The vessel.
    pub vessel: VesselId,
    /// Its name (AIS static data or the fleet register).
    pub name: Option<String>,
    /// Its radio call sign.
    pub call_sign: Option<String>,
    /// Its registration number (for an AIS vessel whose registration is known; a VMS
    /// vessel's is its key).
    pub registration: Option<String>,
}

/// A vessel's latest position with its names: a row of the map.
#[derive(Clone, Debug, PartialEq)]
pub struct LabelledPosition {
    /// The latest position, without `raw`.
    pub position: StoredPosition,
    /// The vessel's name.
    pub name: Option<String>,
    /// Its radio call sign.
    pub call_sign: Option<String>,
    /// Its registration number, when known.
    pub registration: Option<String>,
}

/// Between rows of [`Store::latest_with_labels`]'s text (ASCII record separator).
const ROW_SEP: char = '\u{1e}';
/// Between fields (ASCII unit separator).
const FIELD_SEP: char = '\u{1f}';

/// `p.lon`/`p.lat` inside the box, edges included (two longitude ranges across the
/// antimeridian): the same rows as `latest_positions`'s box on both stores.
fn push_box<DB: sqlx::Database>(q: &mut QueryBuilder<DB>, bbox: BBox)
where
    f64: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let [(w1, e1), (w2, e2)] = bbox.lon_ranges();
    q.push(" WHERE (p.lon BETWEEN ")
        .push_bind(w1)
        .push(" AND ")
        .push_bind(e1)
        .push(" OR p.lon BETWEEN ")
        .push_bind(w2)
        .push(" AND ")
        .push_bind(e2)
        .push(") AND p.lat BETWEEN ")
        .push_bind(bbox.south)
        .push(" AND ")
        .push_bind(bbox.north);
}

/// The rows of [`Store::latest_with_labels`]'s text, in vessel-key order. Each row is key
/// (hex), fix and receive times (UNIX µs), source (hex), lon, lat, speed, course, heading,
/// navigational status, name, call sign, registration; an empty field is NULL, a present
/// optional text is `=` and its hex.
fn labelled(text: Option<String>) -> Result<Vec<LabelledPosition>> {
    let Some(text) = text.filter(|t| !t.is_empty()) else {
        return Ok(Vec::new());
    };
    let corrupt = |what: &str| StoreError::CorruptRow(format!("latest positions: {what}"));
    let mut out = Vec::new();
    for row in text.split(ROW_SEP) {
        let f: Vec<&str> = row.split(FIELD_SEP).collect();
        let [
            key,
            fix,
            received,
            source,
            lon,
            lat,
            sog,
            cog,
            heading,
            nav,
            name,
            call,
            reg,
        ] = f[..]
        else {
            return Err(corrupt(&format!("{} fields", f.len())));
        };
        let int = |s: &str| {
            s.parse::<i64>()
                .map_err(|_| corrupt(&format!("integer {s:?}")))
        };
        let float = |s: &str| {
            s.parse::<f64>()
                .map_err(|_| corrupt(&format!("number {s:?}")))
        };
        // Speeds and courses are 32-bit: read as such, as the row queries read them.
        let real = |s: &str| -> Result<Option<f64>> {
            (!s.is_empty())
                .then(|| s.parse::<f32>().map(f64::from))
                .transpose()
                .map_err(|_| corrupt(&format!("number {s:?}")))
        };
        let opt_int = |s: &str| (!s.is_empty()).then(|| int(s)).transpose();
        let text = |s: &str| unhex(s).ok_or_else(|| corrupt(&format!("text {s:?}")));
        let opt_text = |s: &str| -> Result<Option<String>> {
            match s.strip_prefix('=') {
                Some(h) => text(h).map(Some),
                None if s.is_empty() => Ok(None),
                None => Err(corrupt(&format!("text {s:?}"))),
            }
        };
        let position = rows::stored_position(
            text(key)?,
            micros(int(fix)?)?,
            micros(int(received)?)?,
            text(source)?,
            (float(lon)?, float(lat)?),
            (real(sog)?, real(cog)?),
            opt_int(heading)?,
            opt_int(nav)?,
            None,
        )?;
        out.push(LabelledPosition {
            position,
            name: opt_text(name)?,
            call_sign: opt_text(call)?,
            registration: opt_text(reg)?,
        });
    }
    out.sort_by_cached_key(|l| l.position.vessel.key());
    Ok(out)
}

/// The UTF-8 text whose bytes `hex` spells (either case), or `None`.
fn unhex(hex: &str) -> Option<String> {
    let digit = |b: u8| char::from(b).to_digit(16);
    let bytes = hex.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    let decoded = bytes
        .chunks(2)
        .map(|pair| u8::try_from(digit(pair[0])? * 16 + digit(pair[1])?).ok())
        .collect::<Option<Vec<u8>>>()?;
    String::from_utf8(decoded).ok()
}

const LABELS_SQL: &str = "SELECT vessel_key, name, call_sign, registration FROM vessels \
     WHERE name IS NOT NULL OR call_sign IS NOT NULL OR registration IS NOT NULL \
     ORDER BY vessel_key";

impl Store {
    /// The name, call sign and registration of every vessel that has at least one of them,
    /// in vessel-key order. One query for the whole fleet.
    pub async fn vessel_labels(&self) -> Result<Vec<VesselLabel>> {
        match self {
            Store::Sqlite(s) => {
                let rows = sqlx::query(LABELS_SQL).fetch_all(s.pool()).await?;
                rows.iter().map(label_sqlite).collect()
            }
            Store::Postgres(s) => {
                let rows = sqlx::query(LABELS_SQL).fetch_all(s.pool()).await?;
                rows.iter().map(label_pg).collect()
            }
        }
    }

    /// [`Store::latest_positions`] (optionally within a box; without `raw`), each with the
    /// vessel's name, call sign and registration, in vessel-key order. One query, whose
    /// answer is one JSON text.
    pub async fn latest_with_labels(&self, within: Option<BBox>) -> Result<Vec<LabelledPosition>> {
        match self {
            Store::Sqlite(s) => {
                // 17 significant digits give every double back exactly.
                let mut q = QueryBuilder::<Sqlite>::new(
                    "SELECT group_concat(hex(v.vessel_key) || char(31) || p.fix_us \
                       || char(31) || p.received_us || char(31) || hex(p.source) \
                       || char(31) || printf('%.17g', p.lon) \
                       || char(31) || printf('%.17g', p.lat) \
                       || char(31) || CASE WHEN p.sog_knots IS NULL THEN '' \
                            ELSE printf('%.17g', p.sog_knots) END \
                       || char(31) || CASE WHEN p.cog_degrees IS NULL THEN '' \
                            ELSE printf('%.17g', p.cog_degrees) END \
                       || char(31) || coalesce(p.heading_degrees, '') \
                       || char(31) || coalesce(p.nav_status, '') \
                       || char(31) || CASE WHEN v.name IS NULL THEN '' \
                            ELSE '=' || hex(v.name) END \
                       || char(31) || CASE WHEN v.call_sign IS NULL THEN '' \
                            ELSE '=' || hex(v.call_sign) END \
                       || char(31) || CASE WHEN v.registration IS NULL THEN '' \
                            ELSE '=' || hex(v.registration) END, char(30)) \
                     FROM latest_positions p JOIN vessels v ON v.id = p.vessel_id",
                );
                if let Some(bbox) = within {
                    push_box(&mut q, bbox);
                }
                let text: Option<String> = q.build_query_scalar().fetch_one(s.pool()).await?;
                labelled(text)
            }
            Store::Postgres(s) => {
                // float8 and real print as the shortest text that reads back exactly; NULL
                // is an empty field (concat skips it); epoch is exact `numeric` (PG 14+).
                let mut q = QueryBuilder::<Postgres>::new(
                    "SELECT string_agg(concat( \
                       encode(convert_to(v.vessel_key, 'UTF8'), 'hex'), chr(31), \
                       (extract(epoch FROM p.fix_time) * 1000000)::bigint, chr(31), \
                       (extract(epoch FROM p.received_at) * 1000000)::bigint, chr(31), \
                       encode(convert_to(p.source, 'UTF8'), 'hex'), chr(31), \
                       p.lon::text, chr(31), p.lat::text, chr(31), \
                       p.sog_knots::text, chr(31), p.cog_degrees::text, chr(31), \
                       p.heading_degrees, chr(31), p.nav_status, chr(31), \
                       '=' || encode(convert_to(v.name, 'UTF8'), 'hex'), chr(31), \
                       '=' || encode(convert_to(v.call_sign, 'UTF8'), 'hex'), chr(31), \
                       '=' || encode(convert_to(v.registration, 'UTF8'), 'hex')), chr(30)) \
                     FROM latest_positions p JOIN vessels v ON v.id = p.vessel_id",
                );
                if let Some(bbox) = within {
                    push_box(&mut q, bbox);
                }
                let text: Option<String> = q.build_query_scalar().fetch_one(s.pool()).await?;
                labelled(text)
            }
        }
    }

    /// The latest position of `vessel` (the one [`Store::latest_positions`] lists for it),
    /// or `None` when it has none.
    pub async fn latest_position(&self, vessel: &VesselId) -> Result<Option<StoredPosition>> {
        match self {
            Store::Sqlite(s) => {
                let row = sqlx::query(
                    "SELECT v.vessel_key, p.fix_us, p.received_us, p.source, p.lon, p.lat, \
                       p.sog_knots, p.cog_degrees, p.heading_degrees, p.nav_status, p.raw \
                     FROM vessels v JOIN latest_positions p ON p.vessel_id = v.id \
                     WHERE v.vessel_key = ?",
                )
                .bind(vessel.key())
                .fetch_optional(s.pool())
                .await?;
                row.as_ref().map(position_sqlite).transpose()
            }
            Store::Postgres(s) => {
                let row = sqlx::query(
                    "SELECT v.vessel_key, p.fix_time, p.received_at, p.source, p.lon, p.lat, \
                       p.sog_knots, p.cog_degrees, p.heading_degrees, p.nav_status, p.raw \
                     FROM vessels v JOIN latest_positions p ON p.vessel_id = v.id \
                     WHERE v.vessel_key = $1",
                )
                .bind(vessel.key())
                .fetch_optional(s.pool())
                .await?;
                row.as_ref().map(position_pg).transpose()
            }
        }
    }
}

fn vessel(key: String) -> Result<VesselId> {
    VesselId::from_key(&key).ok_or_else(|| StoreError::CorruptRow(format!("vessel_key {key:?}")))
}

fn label_sqlite(row: &SqliteRow) -> Result<VesselLabel> {
    Ok(VesselLabel {
        vessel: vessel(row.try_get(0)?)?,
        name: row.try_get(1)?,
        call_sign: row.try_get(2)?,
        registration: row.try_get(3)?,
    })
}

fn label_pg(row: &PgRow) -> Result<VesselLabel> {
    Ok(VesselLabel {
        vessel: vessel(row.try_get(0)?)?,
        name: row.try_get(1)?,
        call_sign: row.try_get(2)?,
        registration: row.try_get(3)?,
    })
}

fn micros(us: i64) -> Result<time::OffsetDateTime> {
    from_micros(us).map_err(|e| StoreError::CorruptRow(format!("time {us} µs: {e}")))
}

fn position_sqlite(row: &SqliteRow) -> Result<StoredPosition> {
    rows::stored_position(
        row.try_get(0)?,
        micros(row.try_get(1)?)?,
        micros(row.try_get(2)?)?,
        row.try_get(3)?,
        (row.try_get(4)?, row.try_get(5)?),
        (row.try_get(6)?, row.try_get(7)?),
        row.try_get::<Option<i64>, _>(8)?,
        row.try_get::<Option<i64>, _>(9)?,
        row.try_get(10)?,
    )
}

fn position_pg(row: &PgRow) -> Result<StoredPosition> {
    rows::stored_position(
        row.try_get(0)?,
        row.try_get(1)?,
        row.try_get(2)?,
        row.try_get(3)?,
        (row.try_get(4)?, row.try_get(5)?),
        (
            row.try_get::<Option<f32>, _>(6)?.map(f64::from),
            row.try_get::<Option<f32>, _>(7)?.map(f64::from),
        ),
        row.try_get::<Option<i32>, _>(8)?.map(i64::from),
        row.try_get::<Option<i16>, _>(9)?.map(i64::from),
        row.try_get(10)?,
    )
}

/// The contract, run on SQLite (memory) and on a PostgreSQL database of its own (from
/// `HAIDANG_TEST_DATABASE_URL`, dropped afterwards).
#[cfg(test)]
mod tests {
    use haidang_types::{LatLon, Mmsi};
    use time::{Duration, OffsetDateTime};

    use crate::alerts_tests::with_pg;
    use crate::{NewPosition, Store, VesselId, VesselLabel, VesselStatic};

    macro_rules! contract {
        ($($case:ident),* $(,)?) => {
            mod sqlite {
                $(
                    #[tokio::test]
                    async fn $case() {
                        super::$case(crate::Store::open("sqlite::memory:").await.unwrap()).await;
                    }
                )*
            }
            mod postgres {
                $(
                    #[tokio::test]
                    async fn $case() {
                        super::with_pg(super::$case).await;
                    }
                )*
            }
        };
    }

    #[test]
    fn hex_text_decodes() {
        assert_eq!(super::unhex("").as_deref(), Some(""));
        assert_eq!(super::unhex("48414920").as_deref(), Some("HAI "));
        assert_eq!(super::unhex("c3a2e29c93").as_deref(), Some("â✓"));
        assert_eq!(super::unhex("C3A2").as_deref(), Some("â"));
        for bad in ["4", "zz", "c3", "+1"] {
            assert_eq!(super::unhex(bad), None, "{bad}");
        }
    }

    contract!(
        search_labels_list_named_vessels_in_key_order,
        search_latest_position_is_the_newest_fix,
        search_latest_with_labels_is_latest_positions_with_names,
    );

    fn t0() -> OffsetDateTime {
        // 2026-11-23T00:00:00Z
        OffsetDateTime::from_unix_timestamp(1_795_392_000).unwrap()
    }

    fn mmsi(n: u32) -> VesselId {
        VesselId::Mmsi(Mmsi::new(n).unwrap())
    }

    fn fix(vessel: &VesselId, fix_time: OffsetDateTime, lon: f64) -> NewPosition {
        NewPosition {
            vessel: vessel.clone(),
            fix_time,
            received_at: fix_time + Duration::seconds(3),
            source: "test".into(),
            position: LatLon::new(lon, 10.5).unwrap(),
            sog: None,
            cog: None,
            heading: Some(90),
            nav_status: None,
            raw: Some("!AIVDM".into()),
        }
    }

    async fn search_labels_list_named_vessels_in_key_order(store: Store) {
        let named = mmsi(574_100_002);
        let call_only = mmsi(574_100_001);
        let vms = VesselId::Registration("BV-90001-TS".into());
        let unnamed = mmsi(574_100_003);
        let t = t0();
        store
            .insert_positions(&[fix(&unnamed, t, 107.0), fix(&vms, t, 107.1)])
            .await
            .unwrap();
        store
            .upsert_vessel(
                &named,
                &VesselStatic {
                    name: Some("HAI DANG 01".into()),
                    registration: Some("KH-90123-TS".into()),
                    updated_at: Some(t),
                    ..VesselStatic::default()
                },
            )
            .await
            .unwrap();
        store
            .upsert_vessel(
                &call_only,
                &VesselStatic {
                    call_sign: Some("XVAB".into()),
                    updated_at: Some(t),
                    ..VesselStatic::default()
                },
            )
            .await
            .unwrap();
        let labels = store.vessel_labels().await.unwrap();
        assert_eq!(
            labels,
            vec![
                VesselLabel {
                    vessel: call_only,
                    name: None,
                    call_sign: Some("XVAB".into()),
                    registration: None,
                },
                VesselLabel {
                    vessel: named,
                    name: Some("HAI DANG 01".into()),
                    call_sign: None,
                    registration: Some("KH-90123-TS".into()),
                },
                // A VMS vessel's row carries its registration.
                VesselLabel {
                    vessel: vms,
                    name: None,
                    call_sign: None,
                    registration: Some("BV-90001-TS".into()),
                },
            ]
        );
    }

    async fn search_latest_position_is_the_newest_fix(store: Store) {
        let a = mmsi(574_100_001);
        let b = mmsi(574_100_002);
        let t = t0();
        assert_eq!(store.latest_position(&a).await.unwrap(), None);
        // The newer fix arrives first; the late one joins the track, not the latest.
        store
            .insert_positions(&[fix(&a, t + Duration::minutes(10), 107.2)])
            .await
            .unwrap();
        store.insert_positions(&[fix(&a, t, 107.0)]).await.unwrap();
        store.insert_positions(&[fix(&b, t, 108.0)]).await.unwrap();
        let latest = store.latest_position(&a).await.unwrap().unwrap();
        assert_eq!(latest.fix_time, t + Duration::minutes(10));
        assert_eq!(latest.position.lon(), 107.2);
        assert_eq!(latest.heading, Some(90));
        assert_eq!(latest.raw.as_deref(), Some("!AIVDM"));
        // The same row the whole-fleet query gives.
        let all = store.latest_positions(None).await.unwrap();
        assert_eq!(all.iter().find(|p| p.vessel == a), Some(&latest));
        assert_eq!(
            store
                .latest_position(&VesselId::Registration("NONE".into()))
                .await
                .unwrap(),
            None
        );
    }

    async fn search_latest_with_labels_is_latest_positions_with_names(store: Store) {
        assert_eq!(store.latest_with_labels(None).await.unwrap(), vec![]);
        let t = t0();
        let named = mmsi(574_100_002);
        let mut positions = vec![
            fix(&mmsi(574_100_001), t, 107.123_456_7),
            fix(&named, t, 108.0),
            fix(&named, t + Duration::minutes(5), 108.5),
            fix(&VesselId::Registration("BV-90001-TS".into()), t, 179.5),
            fix(&VesselId::Registration("AB-1".into()), t, -179.5),
            fix(&mmsi(970_100_001), t - Duration::hours(1), 106.0),
        ];
        positions[0].sog = Some(haidang_types::Knots(12.3));
        positions[0].cog = Some(haidang_types::Degrees(181.5));
        positions[0].nav_status = Some(7);
        store.insert_positions(&positions).await.unwrap();
        store
            .upsert_vessel(
                &named,
                &VesselStatic {
                    name: Some("HAI DANG \"01\" ✓".into()),
                    call_sign: Some("XVAB".into()),
                    registration: Some("KH-90123-TS".into()),
                    updated_at: Some(t),
                    ..VesselStatic::default()
                },
            )
            .await
            .unwrap();
        let labels = store.vessel_labels().await.unwrap();
        for bbox in [
            None,
            Some(crate::BBox {
                west: 107.5,
                south: -90.0,
                east: 180.0,
                north: 90.0,
            }),
            // Across the antimeridian.
            Some(crate::BBox {
                west: 170.0,
                south: 0.0,
                east: -170.0,
                north: 20.0,
            }),
        ] {
            let got = store.latest_with_labels(bbox).await.unwrap();
            let expected: Vec<_> = store
                .latest_positions(bbox)
                .await
                .unwrap()
                .into_iter()
                .map(|mut p| {
                    p.raw = None;
                    let label = labels.iter().find(|l| l.vessel == p.vessel);
                    crate::LabelledPosition {
                        name: label.and_then(|l| l.name.clone()),
                        call_sign: label.and_then(|l| l.call_sign.clone()),
                        registration: label.and_then(|l| l.registration.clone()),
                        position: p,
                    }
                })
                .collect();
            assert!(!expected.is_empty());
            assert_eq!(got, expected, "{bbox:?}");
        }
        let all = store.latest_with_labels(None).await.unwrap();
        assert_eq!(all.len(), 5);
        let hai_dang = all.iter().find(|l| l.position.vessel == named).unwrap();
        assert_eq!(hai_dang.name.as_deref(), Some("HAI DANG \"01\" ✓"));
        assert_eq!(hai_dang.position.position.lon(), 108.5);
    }
}
