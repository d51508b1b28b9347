//! The body every receiver gets for an alert: built once, when the alert is raised, and
//! stored in the outbox, so that every attempt sends the same bytes. The e-mail text is
//! rendered from that body too.

use haidang_store::{NewAlert, VesselId, VesselStatic};
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

use crate::error::NotifyError;

/// The `notice` every payload and e-mail carries.
pub const NOTICE: &str = "Zones are approximate, derived from public data sets; they are not legal \
     boundaries and do not establish that a vessel crossed one.";

/// The same notice in Vietnamese.
pub const NOTICE_VI: &str = "Các vùng biển chỉ là gần đúng, lấy từ dữ liệu công khai; chúng không \
     phải đường ranh giới pháp lý và không chứng minh tàu đã vượt ranh giới.";

/// The webhook body of an alert (JSON). No crew personal data: vessels are identified by
/// their radio and registry identities only.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlertPayload {
    /// The alert's stable id.
    pub id: String,
    /// The alert kind.
    pub kind: String,
    /// The vessel, if the alert is about one.
    pub vessel: Option<VesselPayload>,
    /// The zone, if the alert is about one.
    pub zone: Option<ZonePayload>,
    /// Latitude, WGS 84 degrees.
    pub lat: Option<f64>,
    /// Longitude, WGS 84 degrees.
    pub lon: Option<f64>,
    /// When the vessel was there (RFC 3339, UTC).
    pub fix_time: Option<String>,
    /// When the shore read that fix (RFC 3339, UTC).
    pub received_at: Option<String>,
    /// When the alert was raised (RFC 3339, UTC).
    pub raised_at: String,
    /// Raised from late data.
    pub delayed: bool,
    /// More about the alert (a JSON object).
    pub details: serde_json::Value,
    /// Zones are approximate, not legal lines.
    pub notice: String,
}

/// The vessel part of a payload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VesselPayload {
    /// The store's key (`mmsi:…` or `reg:…`).
    pub key: String,
    /// The MMSI, if known.
    pub mmsi: Option<u32>,
    /// The registration number, if known.
    pub registration: Option<String>,
    /// The vessel's name, if known.
    pub name: Option<String>,
}

/// The zone part of a payload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ZonePayload {
    /// The zone's id in the zone set.
    pub id: Option<String>,
    /// The zone's class.
    pub class: Option<String>,
    /// The zone's country (ISO 3166-1 alpha-3).
    pub country: Option<String>,
}

fn rfc3339(t: OffsetDateTime) -> String {
    // Formatting a UTC instant as RFC 3339 fails only for years outside 0..=9999.
    t.to_offset(UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

impl AlertPayload {
    /// The payload of `alert`, with what the store knows of its vessel.
    pub fn new(alert: &NewAlert, vessel: Option<&VesselStatic>) -> Result<Self, NotifyError> {
        let details: serde_json::Value = serde_json::from_str(&alert.details)
            .ok()
            .filter(serde_json::Value::is_object)
            .ok_or_else(|| NotifyError::BadDetails(alert.id.clone()))?;
        let zone =
            (alert.zone_id.is_some() || alert.zone_class.is_some() || alert.country.is_some())
                .then(|| ZonePayload {
                    id: alert.zone_id.clone(),
                    class: alert.zone_class.clone(),
                    country: alert.country.clone(),
                });
        Ok(Self {
            id: alert.id.clone(),
            kind: alert.kind.clone(),
            vessel: alert.vessel.as_ref().map(|v| VesselPayload {
                key: v.key(),
                mmsi: match v {
                    VesselId::Mmsi(m) => Some(m.get()),
                    VesselId::Registration(_) => None,
                },
                registration: match v {
                    VesselId::Registration(r) => Some(r.clone()),
                    VesselId::Mmsi(_) => vessel.and_then(|s| s.registration.clone()),
                },
                name: vessel.and_then(|s| s.name.clone()),
            }),
            zone,
            lat: alert.position.map(|p| p.lat()),
            lon: alert.position.map(|p| p.lon()),
            fix_time: alert.fix_time.map(rfc3339),
            received_at: alert.received_at.map(rfc3339),
            raised_at: rfc3339(alert.raised_at),
            delayed: alert.delayed,
            details,
            notice: NOTICE.to_owned(),
        })
    }

    /// The JSON body, as stored and sent.
    pub fn to_json(&self) -> String {
        // Serialising plain structs, strings and a JSON value cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The alert kind in Vietnamese and English, for people.
pub fn kind_words(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "approach" => ("Tiếp cận ranh giới", "Approaching a boundary"),
        "entered_foreign" => ("Vào vùng biển nước ngoài", "Entered foreign waters"),
        "entered_undelimited" => ("Vào vùng biển chưa phân định", "Entered undelimited waters"),
        "exited" => ("Đã rời vùng", "Left the zone"),
        "silent_6h" => ("Mất kết nối quá 6 giờ", "No position for 6 hours"),
        "silent_10d" => ("Mất kết nối quá 10 ngày", "No position for 10 days"),
        "provider_outage" => ("Sự cố nhà cung cấp VMS", "VMS provider outage"),
        "distress" => ("Tín hiệu cấp cứu", "Distress"),
        "possible_detention" => ("Nghi bị bắt giữ", "Possible detention"),
        "implausible_track" => ("Hành trình bất thường", "Implausible track"),
        _ => ("Cảnh báo", "Alert"),
    }
}

/// An e-mail for the alert in `payload`: its subject and plain-text body, in Vietnamese
/// and English. `None` if `payload` is not an alert payload.
pub fn email_text(payload: &str) -> Option<(String, String)> {
    let p: AlertPayload = serde_json::from_str(payload).ok()?;
    let (vi, en) = kind_words(&p.kind);
    let vessel = p.vessel.as_ref().map(|v| {
        let mut s = v.name.clone().unwrap_or_default();
        if let Some(reg) = &v.registration {
            if !s.is_empty() {
                s.push(' ');
            }
            s.push_str(reg);
        }
        if s.is_empty() {
            v.key.clone()
        } else {
            format!("{s} ({})", v.key)
        }
    });
    let zone = p.zone.as_ref().map(|z| {
        let id = z.id.as_deref().unwrap_or("?");
        match (&z.class, &z.country) {
            (Some(c), Some(k)) => format!("{id} ({c}, {k})"),
            (Some(c), None) => format!("{id} ({c})"),
            (None, Some(k)) => format!("{id} ({k})"),
            (None, None) => id.to_owned(),
        }
    });
    let mut subject = format!("[Haidang] {vi} / {en}");
    if let Some(v) = &vessel {
        subject.push_str(" - ");
        subject.push_str(v);
    }
    if let Some(country) = p.zone.as_ref().and_then(|z| z.country.as_deref()) {
        subject.push_str(" - ");
        subject.push_str(country);
    }
    if p.delayed {
        subject.push_str(" [trễ / delayed]");
    }

    let none = "không rõ / unknown";
    let mut body = String::new();
    let mut line = |label: &str, value: &str| {
        body.push_str(label);
        body.push_str(": ");
        body.push_str(value);
        body.push('\n');
    };
    line("Cảnh báo / Alert", &format!("{vi} / {en} ({})", p.kind));
    line("Mã cảnh báo / Alert id", &p.id);
    line("Tàu / Vessel", vessel.as_deref().unwrap_or(none));
    line("Vùng / Zone", zone.as_deref().unwrap_or(none));
    let position = match (p.lat, p.lon) {
        (Some(lat), Some(lon)) => format!(
            "{:.5}°{} {:.5}°{} (WGS 84)",
            lat.abs(),
            if lat < 0.0 { 'S' } else { 'N' },
            lon.abs(),
            if lon < 0.0 { 'W' } else { 'E' }
        ),
        _ => none.to_owned(),
    };
    line("Vị trí / Position", &position);
    line(
        "Thời điểm định vị / Fix time",
        &p.fix_time
            .as_deref()
            .map_or_else(|| none.to_owned(), both_zones),
    );
    line(
        "Thời điểm nhận / Received",
        &p.received_at
            .as_deref()
            .map_or_else(|| none.to_owned(), both_zones),
    );
    line("Thời điểm cảnh báo / Raised", &both_zones(&p.raised_at));
    line(
        "Dữ liệu trễ / Delayed",
        if p.delayed {
            "có: cảnh báo từ dữ liệu đến muộn / yes: raised from late data"
        } else {
            "không / no"
        },
    );
    if p.details.as_object().is_some_and(|d| !d.is_empty()) {
        line("Chi tiết / Details", &p.details.to_string());
    }
    body.push('\n');
    body.push_str("Lưu ý: ");
    body.push_str(NOTICE_VI);
    body.push('\n');
    body.push_str("Notice: ");
    body.push_str(NOTICE);
    body.push('\n');
    Some((subject, body))
}

/// An RFC 3339 UTC time shown in UTC and in Viet Nam's time (Asia/Ho_Chi_Minh, UTC+7, no
/// daylight saving).
fn both_zones(rfc: &str) -> String {
    let Ok(t) = OffsetDateTime::parse(rfc, &Rfc3339) else {
        return rfc.to_owned();
    };
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    let utc = t.to_offset(UtcOffset::UTC);
    let ict = t.to_offset(time::macros::offset!(+7));
    match (utc.format(&fmt), ict.format(&fmt)) {
        (Ok(u), Ok(v)) => format!("{u} UTC = {v} giờ Việt Nam / Viet Nam time (UTC+7)"),
        _ => rfc.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use haidang_types::{LatLon, Mmsi};

    fn alert() -> NewAlert {
        let t = OffsetDateTime::from_unix_timestamp(1_795_392_000).unwrap();
        let mut a = NewAlert::new("k", "entered_foreign", t + time::Duration::seconds(40));
        a.vessel = Some(VesselId::Mmsi(Mmsi::new(574_000_001).unwrap()));
        a.fix_time = Some(t);
        a.received_at = Some(t + time::Duration::seconds(35));
        a.zone_id = Some("IDN".into());
        a.zone_class = Some("foreign".into());
        a.country = Some("IDN".into());
        a.position = Some(LatLon::new(106.8, 6.4).unwrap());
        a.delayed = true;
        a.details = r#"{"distance_m":0}"#.into();
        a
    }

    #[test]
    fn payload_shape() {
        let vessel = VesselStatic {
            name: Some("KG 90123 TS".into()),
            province: Some("Kiên Giang".into()),
            ..VesselStatic::default()
        };
        let json = AlertPayload::new(&alert(), Some(&vessel))
            .unwrap()
            .to_json();
        let id = alert().id;
        assert_eq!(
            json,
            format!(
                r#"{{"id":"{id}","kind":"entered_foreign","vessel":{{"key":"mmsi:574000001","mmsi":574000001,"registration":null,"name":"KG 90123 TS"}},"zone":{{"id":"IDN","class":"foreign","country":"IDN"}},"lat":6.4,"lon":106.8,"fix_time":"2026-11-23T00:00:00Z","received_at":"2026-11-23T00:00:35Z","raised_at":"2026-11-23T00:00:40Z","delayed":true,"details":{{"distance_m":0}},"notice":"{NOTICE}"}}"#
            )
        );
        // Nothing of the vessel's province (or anything else of its record) leaks.
        assert!(!json.contains("Kiên"));
        let mut bad = alert();
        bad.details = "[1]".into();
        assert!(AlertPayload::new(&bad, None).is_err());
    }

    #[test]
    fn email_in_both_languages_and_both_clocks() {
        let json = AlertPayload::new(&alert(), None).unwrap().to_json();
        let (subject, body) = email_text(&json).unwrap();
        assert_eq!(
            subject,
            "[Haidang] Vào vùng biển nước ngoài / Entered foreign waters - mmsi:574000001 - IDN \
             [trễ / delayed]"
        );
        for want in [
            "Tàu / Vessel: mmsi:574000001",
            "Vùng / Zone: IDN (foreign, IDN)",
            "Vị trí / Position: 6.40000°N 106.80000°E (WGS 84)",
            "Fix time: 2026-11-23 00:00:00 UTC = 2026-11-23 07:00:00 giờ Việt Nam",
            "Received: 2026-11-23 00:00:35 UTC = 2026-11-23 07:00:35",
            "Delayed: có",
            "Notice: Zones are approximate",
            "Lưu ý: Các vùng biển chỉ là gần đúng",
        ] {
            assert!(body.contains(want), "{want} not in\n{body}");
        }
        assert_eq!(email_text("{}"), None);
    }
}
