//! The evidence pack of a consular case, as GeoJSON with its own SHA-256.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Printed in every pack: what the positions and zones are, and are not.
pub const NOTICE: &str = "Positions are as the vessel's transponder reported them and as \
     the shore received them (fix time and receive time), with the NMEA sentences behind \
     each. Zone boundaries are approximate and are not legal lines; distances are \
     great-circle distances on a sphere to those approximate boundaries. / Vị trí là do \
     thiết bị trên tàu báo và bờ nhận được; các vùng biển chỉ là gần đúng, không phải \
     đường ranh giới pháp lý.";

/// 64 zeros: the value `sha256` holds while the pack is hashed.
const ZEROS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The case the pack is about (no crew data).
#[derive(Clone, Debug, PartialEq)]
pub struct EvidenceCase {
    /// The case's id.
    pub id: i64,
    /// The vessel's key (`mmsi:…` or `reg:…`).
    pub vessel: String,
    /// The vessel's name, if known.
    pub vessel_name: Option<String>,
    /// The responsible mission's id.
    pub mission: String,
    /// The mission's name, if known.
    pub mission_name: Option<String>,
    /// The detaining country (ISO 3166 alpha-3), if known.
    pub detaining_country: Option<String>,
    /// The detaining authority, if known.
    pub detaining_authority: Option<String>,
    /// When the vessel was detained.
    pub detained_at: OffsetDateTime,
    /// Where, as reported (`lon`, `lat`).
    pub position: Option<(f64, f64)>,
    /// Where, in words, as recorded on the case.
    pub place: Option<String>,
}

/// A zone a fix was in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZoneRef {
    /// The zone's id in the zone set.
    pub id: String,
    /// Its class (`vn_eez`, `foreign`, `undelimited`, …).
    pub class: String,
    /// Its country, if any.
    pub country: Option<String>,
}

/// The nearest foreign or undelimited boundary to a fix.
#[derive(Clone, Debug, PartialEq)]
pub struct BoundaryDistance {
    /// The zone whose boundary it is.
    pub zone: ZoneRef,
    /// Great-circle distance, in meters.
    pub meters: f64,
}

/// The distance from a fix to a boundary line (treaty, median, 200 nm line, …).
#[derive(Clone, Debug, PartialEq)]
pub struct LineDistance {
    /// The line's id in the line set.
    pub id: String,
    /// Its kind (`treaty`, `median`, `unsettled_median`, `vn_200nm`, …).
    pub kind: String,
    /// Its name.
    pub name: String,
    /// Great-circle distance to the nearest point of the line, in meters.
    pub meters: f64,
}

/// A line drawn on the pack's map, with its vertices.
#[derive(Clone, Debug, PartialEq)]
pub struct MapLine {
    /// The line's id in the line set.
    pub id: String,
    /// Its kind.
    pub kind: String,
    /// Its name.
    pub name: String,
    /// Its vertices (`lon`, `lat` in degrees), one list per part.
    pub parts: Vec<Vec<(f64, f64)>>,
}

/// One fix of the track.
#[derive(Clone, Debug, PartialEq)]
pub struct EvidenceFix {
    /// When the vessel was there.
    pub fix_time: OffsetDateTime,
    /// When the shore received the report.
    pub received_at: OffsetDateTime,
    /// The feed it came by.
    pub source: String,
    /// Longitude, degrees.
    pub lon: f64,
    /// Latitude, degrees.
    pub lat: f64,
    /// Speed over ground, knots.
    pub sog_knots: Option<f64>,
    /// Course over ground, degrees.
    pub cog_degrees: Option<f64>,
    /// The NMEA behind the fix, as received.
    pub nmea: Option<String>,
    /// The zones the fix was in.
    pub zones: Vec<ZoneRef>,
    /// The nearest foreign or undelimited boundary within reach, if any.
    pub nearest_boundary: Option<BoundaryDistance>,
    /// The boundary lines within reach, nearest first.
    pub lines: Vec<LineDistance>,
}

/// Everything a pack holds.
#[derive(Clone, Debug, PartialEq)]
pub struct EvidencePack {
    /// The case.
    pub case: EvidenceCase,
    /// The window's start (included).
    pub from: OffsetDateTime,
    /// The window's end (excluded).
    pub to: OffsetDateTime,
    /// When the pack was made.
    pub generated_at: OffsetDateTime,
    /// The zone set's name or version, as the caller knows it.
    pub zone_set: String,
    /// The fixes in fix-time order.
    pub fixes: Vec<EvidenceFix>,
    /// The boundary lines the fixes were measured against, drawn on the PDF's map.
    pub lines: Vec<MapLine>,
}

pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_default()
}

fn zone(z: &ZoneRef) -> Value {
    json!({"id": z.id, "class": z.class, "country": z.country})
}

/// The pack as GeoJSON bytes and their SHA-256 (hex), which the pack carries in
/// `evidence.sha256` (see the crate docs for how to check it).
pub fn evidence_geojson(pack: &EvidencePack) -> (Vec<u8>, String) {
    let c = &pack.case;
    let mut features: Vec<Value> = pack
        .fixes
        .iter()
        .map(|f| {
            json!({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [f.lon, f.lat]},
                "properties": {
                    "kind": "fix",
                    "fix_time": rfc3339(f.fix_time),
                    "received_at": rfc3339(f.received_at),
                    "source": f.source,
                    "sog_knots": f.sog_knots,
                    "cog_degrees": f.cog_degrees,
                    "zones": f.zones.iter().map(zone).collect::<Vec<_>>(),
                    "nearest_boundary": f.nearest_boundary.as_ref().map(|b| json!({
                        "zone": zone(&b.zone),
                        "distance_meters": (b.meters * 10.0).round() / 10.0,
                    })),
                    "lines": f.lines.iter().map(|l| json!({
                        "id": l.id,
                        "kind": l.kind,
                        "name": l.name,
                        "distance_meters": (l.meters * 10.0).round() / 10.0,
                    })).collect::<Vec<_>>(),
                    "nmea": f.nmea,
                }
            })
        })
        .collect();
    if pack.fixes.len() >= 2 {
        let line: Vec<[f64; 2]> = pack.fixes.iter().map(|f| [f.lon, f.lat]).collect();
        features.push(json!({
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": line},
            "properties": {"kind": "track", "fixes": pack.fixes.len()}
        }));
    }
    if let Some((lon, lat)) = c.position {
        features.push(json!({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"kind": "detention", "detained_at": rfc3339(c.detained_at)}
        }));
    }
    let document = json!({
        "type": "FeatureCollection",
        "evidence": {
            "case": c.id,
            "vessel": c.vessel,
            "vessel_name": c.vessel_name,
            "mission": c.mission,
            "mission_name": c.mission_name,
            "detaining_country": c.detaining_country,
            "detaining_authority": c.detaining_authority,
            "detained_at": rfc3339(c.detained_at),
            "place": c.place,
            "from": rfc3339(pack.from),
            "to": rfc3339(pack.to),
            "generated_at": rfc3339(pack.generated_at),
            "zone_set": pack.zone_set,
            "fixes": pack.fixes.len(),
            "notice": NOTICE,
            "sha256": ZEROS,
            "sha256_of": "this file with the value of sha256 replaced by 64 zeros",
        },
        "features": features,
    });
    let mut bytes = serde_json::to_vec(&document).unwrap_or_default();
    let hash = hex(&Sha256::digest(&bytes));
    let placeholder = format!("\"sha256\":\"{ZEROS}\"");
    if let Some(at) = find(&bytes, placeholder.as_bytes()) {
        let start = at + "\"sha256\":\"".len();
        bytes[start..start + 64].copy_from_slice(hash.as_bytes());
    }
    (bytes, hash)
}

/// Whether `bytes`, a pack, holds the SHA-256 of itself (its `sha256` value zeroed).
pub fn verify_sha256(bytes: &[u8]) -> bool {
    let key = b"\"sha256\":\"";
    let Some(at) = find(bytes, key) else {
        return false;
    };
    let start = at + key.len();
    let Some(claimed) = bytes.get(start..start + 64) else {
        return false;
    };
    let mut zeroed = bytes.to_vec();
    zeroed[start..start + 64].copy_from_slice(ZEROS.as_bytes());
    hex(&Sha256::digest(&zeroed)).as_bytes() == claimed
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_795_392_000 + s).unwrap()
    }

    fn pack(fixes: usize) -> EvidencePack {
        EvidencePack {
            case: EvidenceCase {
                id: 7,
                vessel: "mmsi:574000001".into(),
                vessel_name: Some("Hải Đăng 07".into()),
                mission: "mission.idn.jakarta".into(),
                mission_name: None,
                detaining_country: Some("IDN".into()),
                detaining_authority: None,
                detained_at: t(3600),
                position: Some((107.0, 5.0)),
                place: None,
            },
            from: t(0),
            to: t(7200),
            generated_at: t(9000),
            zone_set: "shipped".into(),
            lines: Vec::new(),
            fixes: (0..fixes)
                .map(|i| EvidenceFix {
                    fix_time: t(i as i64 * 60),
                    received_at: t(i as i64 * 60 + 2),
                    source: "bridge:VN-1".into(),
                    lon: 107.0 + i as f64 * 0.01,
                    lat: 5.0,
                    sog_knots: Some(6.5),
                    cog_degrees: None,
                    nmea: Some(format!("\\c:{i}*00\\!AIVDM,1,1,,A,x,0*00")),
                    zones: vec![ZoneRef {
                        id: "idn-eez".into(),
                        class: "foreign".into(),
                        country: Some("IDN".into()),
                    }],
                    nearest_boundary: Some(BoundaryDistance {
                        zone: ZoneRef {
                            id: "vn-eez".into(),
                            class: "vn_eez".into(),
                            country: Some("VNM".into()),
                        },
                        meters: 1234.56,
                    }),
                    lines: vec![LineDistance {
                        id: "vn-id-cs-boundary-2003".into(),
                        kind: "treaty".into(),
                        name: "Viet Nam - Indonesia continental shelf boundary (2003)".into(),
                        meters: 4321.04,
                    }],
                })
                .collect(),
        }
    }

    #[test]
    fn a_pack_carries_its_own_hash_and_any_change_shows() {
        let (bytes, hash) = evidence_geojson(&pack(3));
        assert_eq!(hash.len(), 64);
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.contains(&format!("\"sha256\":\"{hash}\"")), "{text}");
        assert!(verify_sha256(&bytes));
        let doc: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(doc["type"], "FeatureCollection");
        let features = doc["features"].as_array().unwrap();
        assert_eq!(
            features.len(),
            3 + 2,
            "fixes, the track, the detention point"
        );
        let first = &features[0]["properties"];
        assert_eq!(first["fix_time"], "2026-11-23T00:00:00Z");
        assert_eq!(first["received_at"], "2026-11-23T00:00:02Z");
        assert_eq!(first["source"], "bridge:VN-1");
        assert_eq!(first["zones"][0]["id"], "idn-eez");
        assert_eq!(first["nearest_boundary"]["distance_meters"], 1234.6);
        assert_eq!(first["lines"][0]["id"], "vn-id-cs-boundary-2003");
        assert_eq!(first["lines"][0]["kind"], "treaty");
        assert_eq!(first["lines"][0]["distance_meters"], 4321.0);
        assert_eq!(doc["evidence"]["vessel_name"], "Hải Đăng 07");
        assert!(first["nmea"].as_str().unwrap().contains("!AIVDM"));
        assert_eq!(doc["evidence"]["notice"], NOTICE);

        // One byte changed anywhere, and the hash no longer holds.
        let mut changed = bytes.clone();
        let at = text.find("bridge:VN-1").unwrap();
        changed[at + "bridge:VN-".len()] = b'2';
        assert!(!verify_sha256(&changed));
        // The same pack renders the same bytes.
        assert_eq!(evidence_geojson(&pack(3)).0, bytes);
        assert_ne!(evidence_geojson(&pack(2)).1, hash);
    }

    #[test]
    fn an_empty_window_is_still_a_pack() {
        let (bytes, _) = evidence_geojson(&pack(0));
        assert!(verify_sha256(&bytes));
        let doc: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(doc["evidence"]["fixes"], 0);
        assert_eq!(
            doc["features"].as_array().unwrap().len(),
            1,
            "the detention point"
        );
        assert!(!verify_sha256(b"{}"));
    }
}
