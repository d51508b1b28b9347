//! The evidence pack as a PDF: a title page with the case, the notice and a map of the
//! track with the boundary lines, then a table of every fix with its raw NMEA.

use krilla::Document;
use krilla::embed::{AssociationKind, EmbeddedFile, MimeType};
use krilla::geom::Rect;
use krilla::metadata::Metadata;

use crate::evidence::{EvidencePack, MapLine, NOTICE, evidence_geojson, rfc3339};
use crate::layout::{
    BLACK, GREY, MARGIN, Op, PAGE_H, PAGE_W, PdfError, Rgb, Writer, cut, fits, wrap,
};

/// How many lines of a fix the table lists at most.
const TABLE_LINES: usize = 3;

/// The pack as a PDF, with the SHA-256 of the pack's GeoJSON ([`evidence_geojson`] of
/// the same pack) printed on its title page, and that GeoJSON attached to it as an
/// embedded file (`case-{id}-evidence.geojson`, e.g. `pdfdetach -saveall`), so that
/// the two artifacts tie together. Returns the PDF and that hash.
pub fn evidence_pdf(pack: &EvidencePack) -> Result<(Vec<u8>, String), PdfError> {
    let (geojson, hash) = evidence_geojson(pack);
    let mut doc = Document::new();
    doc.set_metadata(
        Metadata::new()
            .title(format!(
                "Hồ sơ chứng cứ / Evidence pack, case {}",
                pack.case.id
            ))
            .creator("Haidang".to_owned()),
    );
    let mut w = Writer::new(doc)?;
    title_page(&mut w, pack, &hash);
    fix_pages(&mut w, pack);
    let mut doc = w.finish(|n, total| {
        format!(
            "Vụ việc / Case {} · SHA-256 {} · {n}/{total}",
            pack.case.id,
            hash.get(..16).unwrap_or(&hash),
        )
    })?;
    doc.embed_file(EmbeddedFile {
        path: format!("case-{}-evidence.geojson", pack.case.id),
        mime_type: MimeType::new("application/geo+json"),
        description: Some(format!("The evidence pack as GeoJSON, SHA-256 {hash}")),
        association_kind: AssociationKind::Source,
        data: geojson.into(),
        modification_date: None,
        compress: Some(true),
        location: None,
    });
    let bytes = doc
        .finish()
        .map_err(|e| PdfError::Write(format!("{e:?}")))?;
    Ok((bytes, hash))
}

const TRACK: Rgb = (20, 80, 200);
const DETENTION: Rgb = (200, 20, 20);

fn degrees(lon: f64, lat: f64) -> String {
    format!(
        "{:.5}° {}, {:.5}° {}",
        lat.abs(),
        if lat < 0.0 { "S" } else { "N" },
        lon.abs(),
        if lon < 0.0 { "W" } else { "E" }
    )
}

fn title_page(w: &mut Writer, pack: &EvidencePack, hash: &str) {
    let c = &pack.case;
    let x = MARGIN;
    let mut y = MARGIN + 10.0;
    w.text(x, y, 16.0, "Hồ sơ chứng cứ vụ việc / Case evidence pack");
    y += 20.0;
    w.colored(x, y, 9.0, GREY, format!("Vụ việc số / Case no. {}", c.id));
    y += 20.0;
    let unknown = "không rõ / unknown".to_owned();
    let rows: Vec<(&str, String)> = vec![
        (
            "Tàu / Vessel",
            match &c.vessel_name {
                Some(name) => format!("{name} ({})", c.vessel),
                None => c.vessel.clone(),
            },
        ),
        (
            "Nơi bị bắt giữ / Place of detention",
            match (&c.place, c.position) {
                (Some(place), Some((lon, lat))) => format!("{place} ({})", degrees(lon, lat)),
                (Some(place), None) => place.clone(),
                (None, Some((lon, lat))) => degrees(lon, lat),
                (None, None) => unknown.clone(),
            },
        ),
        ("Thời điểm bắt giữ / Detained at", rfc3339(c.detained_at)),
        (
            "Nước bắt giữ / Detaining country",
            c.detaining_country
                .clone()
                .unwrap_or_else(|| unknown.clone()),
        ),
        (
            "Cơ quan bắt giữ / Detaining authority",
            c.detaining_authority
                .clone()
                .unwrap_or_else(|| unknown.clone()),
        ),
        (
            "Cơ quan đại diện / Mission",
            match &c.mission_name {
                Some(name) => format!("{name} ({})", c.mission),
                None => c.mission.clone(),
            },
        ),
        (
            "Khoảng thời gian / Window",
            format!("{} – {}", rfc3339(pack.from), rfc3339(pack.to)),
        ),
        ("Số vị trí / Fixes", pack.fixes.len().to_string()),
        ("Bộ vùng biển / Zone set", pack.zone_set.clone()),
        ("Lập lúc / Generated at", rfc3339(pack.generated_at)),
    ];
    let value_x = x + 180.0;
    let value_chars = fits(PAGE_W - MARGIN - value_x, 9.0);
    for (label, value) in rows {
        w.colored(x, y, 9.0, GREY, label);
        for line in wrap(&value, value_chars) {
            w.text(value_x, y, 9.0, line);
            y += 12.0;
        }
    }
    y += 6.0;
    w.text(
        x,
        y,
        9.0,
        "SHA-256 của hồ sơ GeoJSON / SHA-256 of the GeoJSON pack (attached to this PDF):",
    );
    y += 12.0;
    w.text(x, y, 8.5, hash);
    y += 18.0;
    w.text(x, y, 11.0, "Lưu ý / Notice");
    y += 13.0;
    for line in wrap(NOTICE, fits(PAGE_W - 2.0 * MARGIN, 8.0)) {
        w.text(x, y, 8.0, line);
        y += 10.0;
    }
    y += 8.0;
    w.text(x, y, 11.0, "Bản đồ / Map");
    y += 6.0;
    let bottom = PAGE_H - MARGIN - 10.0;
    if bottom - y < 200.0 {
        w.new_page();
        y = MARGIN;
    }
    map(
        w,
        pack,
        Rect::from_ltrb(x, y, PAGE_W - MARGIN, PAGE_H - MARGIN - 10.0),
    );
}

/// The bounds (`west`, `south`, `east`, `north`) of the track and the detention point,
/// with a margin; `None` when there is nothing to place.
fn bounds(pack: &EvidencePack) -> Option<(f64, f64, f64, f64)> {
    let points = pack
        .fixes
        .iter()
        .map(|f| (f.lon, f.lat))
        .chain(pack.case.position);
    let mut b: Option<(f64, f64, f64, f64)> = None;
    for (lon, lat) in points {
        b = Some(match b {
            None => (lon, lat, lon, lat),
            Some((w, s, e, n)) => (w.min(lon), s.min(lat), e.max(lon), n.max(lat)),
        });
    }
    let (w, s, e, n) = b?;
    // At least 1 degree across, plus a fifth on each side.
    let (cx, cy) = ((w + e) / 2.0, (s + n) / 2.0);
    let half_w = ((e - w) / 2.0).max(0.5) * 1.4;
    let half_h = ((n - s) / 2.0).max(0.5) * 1.4;
    Some((
        cx - half_w,
        (cy - half_h).max(-85.0),
        cx + half_w,
        (cy + half_h).min(85.0),
    ))
}

fn line_color(kind: &str) -> (Rgb, bool) {
    match kind {
        "treaty" => ((0, 120, 60), false),
        "median" => ((150, 90, 0), true),
        "unsettled_median" => ((170, 0, 170), true),
        "vn_200nm" => ((0, 140, 170), true),
        _ => ((120, 120, 120), true),
    }
}

fn map(w: &mut Writer, pack: &EvidencePack, area: Option<Rect>) {
    let Some(area) = area else {
        return;
    };
    let frame = vec![
        (area.left(), area.top()),
        (area.right(), area.top()),
        (area.right(), area.bottom()),
        (area.left(), area.bottom()),
        (area.left(), area.top()),
    ];
    let Some((west, south, east, north)) = bounds(pack) else {
        w.page().push(Op::Line {
            points: frame,
            width: 0.5,
            color: GREY,
            dash: false,
        });
        w.colored(
            area.left() + 10.0,
            area.top() + 20.0,
            9.0,
            GREY,
            "Không có vị trí / No position to draw",
        );
        return;
    };
    // Equirectangular, with longitude scaled by the cosine of the middle latitude, fitted
    // to the area and centred.
    let k = ((south + north) / 2.0).to_radians().cos().max(0.05);
    let (span_x, span_y) = ((east - west) * k, north - south);
    let scale = (f64::from(area.width()) / span_x).min(f64::from(area.height()) / span_y);
    let ox = f64::from(area.left()) + (f64::from(area.width()) - span_x * scale) / 2.0;
    let oy = f64::from(area.top()) + (f64::from(area.height()) - span_y * scale) / 2.0;
    let project = |lon: f64, lat: f64| -> (f32, f32) {
        (
            (ox + (lon - west) * k * scale) as f32,
            (oy + (north - lat) * scale) as f32,
        )
    };
    let inside = |(x, y): (f32, f32)| {
        x >= area.left() + 4.0
            && x <= area.right() - 60.0
            && y >= area.top() + 10.0
            && y <= area.bottom() - 4.0
    };
    w.page().push(Op::Clip(area));
    // A graticule every whole degree (or more when wide).
    let step = ((east - west).max(north - south) / 6.0).ceil().max(1.0);
    let mut lon = (west / step).ceil() * step;
    while lon <= east {
        w.page().push(Op::Line {
            points: vec![project(lon, south), project(lon, north)],
            width: 0.2,
            color: (200, 200, 200),
            dash: false,
        });
        let (x, _) = project(lon, north);
        w.colored(
            x + 2.0,
            area.bottom() - 3.0,
            6.0,
            GREY,
            format!("{lon:.0}°E"),
        );
        lon += step;
    }
    let mut lat = (south / step).ceil() * step;
    while lat <= north {
        w.page().push(Op::Line {
            points: vec![project(west, lat), project(east, lat)],
            width: 0.2,
            color: (200, 200, 200),
            dash: false,
        });
        let (_, y) = project(west, lat);
        w.colored(area.left() + 2.0, y - 2.0, 6.0, GREY, format!("{lat:.0}°N"));
        lat += step;
    }
    for line in &pack.lines {
        draw_line(w, line, &project, &inside);
    }
    let track: Vec<(f32, f32)> = pack.fixes.iter().map(|f| project(f.lon, f.lat)).collect();
    if track.len() >= 2 {
        w.page().push(Op::Line {
            points: track.clone(),
            width: 0.8,
            color: TRACK,
            dash: false,
        });
    }
    for &(x, y) in &track {
        w.page().push(Op::Dot {
            x,
            y,
            r: 0.9,
            color: TRACK,
        });
    }
    if let Some((lon, lat)) = pack.case.position {
        let (x, y) = project(lon, lat);
        w.page().push(Op::Line {
            points: vec![(x - 4.0, y - 4.0), (x + 4.0, y + 4.0)],
            width: 1.5,
            color: DETENTION,
            dash: false,
        });
        w.page().push(Op::Line {
            points: vec![(x - 4.0, y + 4.0), (x + 4.0, y - 4.0)],
            width: 1.5,
            color: DETENTION,
            dash: false,
        });
    }
    w.page().push(Op::Unclip);
    w.page().push(Op::Line {
        points: frame,
        width: 0.5,
        color: BLACK,
        dash: false,
    });
    // The legend, under the frame's top edge.
    let (lx, mut ly) = (area.left() + 6.0, area.top() + 12.0);
    w.colored(lx, ly, 7.0, TRACK, "━ Hành trình / Track");
    ly += 9.0;
    w.colored(lx, ly, 7.0, DETENTION, "✕ Nơi bị bắt giữ / Detention");
    // A scale bar: a round number of kilometres near a fifth of the width.
    let km_per_pt = 111.32 / scale;
    let target = f64::from(area.width()) / 5.0 * km_per_pt;
    let magnitude = 10f64.powf(target.log10().floor());
    let nice = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .rfind(|v| *v <= target)
        .unwrap_or(magnitude);
    let bar = (nice / km_per_pt) as f32;
    let (bx, by) = (area.right() - bar - 10.0, area.bottom() - 10.0);
    w.page().push(Op::Line {
        points: vec![(bx, by), (bx + bar, by)],
        width: 1.5,
        color: BLACK,
        dash: false,
    });
    w.text(bx, by - 3.0, 6.5, format!("{nice:.0} km"));
}

fn draw_line(
    w: &mut Writer,
    line: &MapLine,
    project: &impl Fn(f64, f64) -> (f32, f32),
    inside: &impl Fn((f32, f32)) -> bool,
) {
    let (color, dash) = line_color(&line.kind);
    let mut label_at = None;
    for part in &line.parts {
        let points: Vec<(f32, f32)> = part.iter().map(|&(lon, lat)| project(lon, lat)).collect();
        // The label goes at the first point of the drawn line inside the map, vertices
        // or points along the segments.
        if label_at.is_none() {
            label_at = points.windows(2).find_map(|s| {
                (0..=16).find_map(|i| {
                    let t = i as f32 / 16.0;
                    let p = (
                        s[0].0 + (s[1].0 - s[0].0) * t,
                        s[0].1 + (s[1].1 - s[0].1) * t,
                    );
                    inside(p).then_some(p)
                })
            });
        }
        w.page().push(Op::Line {
            points,
            width: 1.0,
            color,
            dash,
        });
    }
    if let Some((x, y)) = label_at {
        w.colored(
            x + 2.0,
            y - 2.0,
            6.0,
            color,
            format!("{} ({})", line.id, line.kind),
        );
    }
}

/// The fix table's columns: two header lines, x offset from the margin, width.
const COLUMNS: [(&str, &str, f32, f32); 6] = [
    ("#", "", 0.0, 18.0),
    ("Thời điểm / Fix time", "Nhận lúc / Received", 18.0, 82.0),
    ("Nguồn / Source", "", 100.0, 58.0),
    ("Vĩ độ / Lat", "Kinh độ / Lon", 158.0, 52.0),
    ("Vùng / Zones", "", 210.0, 70.0),
    ("Khoảng cách / Distances", "", 280.0, 235.0),
];
const ROW_SIZE: f32 = 6.0;
const ROW_LEAD: f32 = 7.5;

fn table_header(w: &mut Writer) -> f32 {
    let mut y = MARGIN;
    w.text(MARGIN, y, 11.0, "Các vị trí / Fixes");
    y += 11.0;
    w.colored(
        MARGIN,
        y,
        7.0,
        GREY,
        "Giờ UTC; khoảng cách đến ranh giới vùng gần nhất và các đường gần nhất / UTC; \
         distances to the nearest zone boundary and the nearest lines",
    );
    y += 12.0;
    for (first, second, dx, width) in COLUMNS {
        w.colored(MARGIN + dx, y, 6.0, GREY, cut(first, fits(width, 6.0)));
        w.colored(
            MARGIN + dx,
            y + ROW_LEAD,
            6.0,
            GREY,
            cut(second, fits(width, 6.0)),
        );
    }
    y + 2.0 * ROW_LEAD + 2.0
}

fn fix_pages(w: &mut Writer, pack: &EvidencePack) {
    w.new_page();
    let mut y = table_header(w);
    let bottom = PAGE_H - MARGIN - 6.0;
    if pack.fixes.is_empty() {
        w.colored(
            MARGIN,
            y,
            8.0,
            GREY,
            "Không có vị trí trong khoảng thời gian / No fix in the window",
        );
    }
    for (i, f) in pack.fixes.iter().enumerate() {
        let zones: Vec<String> = if f.zones.is_empty() {
            vec!["–".to_owned()]
        } else {
            f.zones.iter().map(|z| z.id.clone()).collect()
        };
        let mut distances: Vec<String> = Vec::new();
        if let Some(b) = &f.nearest_boundary {
            distances.push(format!(
                "{:.0} m: ranh giới / boundary {}",
                b.meters, b.zone.id
            ));
        }
        for l in f.lines.iter().take(TABLE_LINES) {
            distances.push(format!("{:.0} m: {} ({})", l.meters, l.id, l.kind));
        }
        if distances.is_empty() {
            distances.push("–".to_owned());
        }
        let nmea = f.nmea.as_deref().unwrap_or("–");
        let nmea_lines = wrap(
            &format!("NMEA: {nmea}"),
            fits(PAGE_W - 2.0 * MARGIN - 18.0, ROW_SIZE),
        );
        let rows = zones.len().max(distances.len()).max(2) + nmea_lines.len();
        let height = rows as f32 * ROW_LEAD + 3.0;
        if y + height > bottom {
            w.new_page();
            y = table_header(w);
        }
        let cells: [Vec<String>; 5] = [
            vec![(i + 1).to_string()],
            vec![rfc3339(f.fix_time), rfc3339(f.received_at)],
            vec![f.source.clone()],
            vec![format!("{:.5}", f.lat), format!("{:.5}", f.lon)],
            zones,
        ];
        for (cell, (_, _, dx, width)) in cells.iter().chain([&distances]).zip(COLUMNS) {
            for (n, text) in cell.iter().enumerate() {
                w.text(
                    MARGIN + dx,
                    y + n as f32 * ROW_LEAD,
                    ROW_SIZE,
                    cut(text, fits(width - 2.0, ROW_SIZE)),
                );
            }
        }
        let mut ny = y + (rows - nmea_lines.len()) as f32 * ROW_LEAD;
        for line in nmea_lines {
            w.colored(MARGIN + 18.0, ny, ROW_SIZE, GREY, line);
            ny += ROW_LEAD;
        }
        y += height;
    }
    if !pack.lines.is_empty() {
        if y + 40.0 > bottom {
            w.new_page();
            y = MARGIN;
        }
        y += 8.0;
        w.text(MARGIN, y, 10.0, "Các đường ranh giới / Boundary lines");
        y += 12.0;
        for line in &pack.lines {
            if y + ROW_LEAD > bottom {
                w.new_page();
                y = MARGIN;
            }
            let text = format!("{} ({}): {}", line.id, line.kind, line.name);
            w.text(MARGIN, y, 7.0, cut(&text, fits(PAGE_W - 2.0 * MARGIN, 7.0)));
            y += 9.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::{BoundaryDistance, EvidenceCase, EvidenceFix, LineDistance, ZoneRef};
    use crate::layout::pdftotext;
    use time::OffsetDateTime;

    fn t(s: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_795_392_000 + s).unwrap()
    }

    fn pack(fixes: usize) -> EvidencePack {
        EvidencePack {
            case: EvidenceCase {
                id: 12,
                vessel: "mmsi:574000007".into(),
                vessel_name: Some("Hải Đăng 07".into()),
                mission: "mission.idn.jakarta".into(),
                mission_name: Some("Đại sứ quán Việt Nam tại Jakarta".into()),
                detaining_country: Some("IDN".into()),
                detaining_authority: Some("Bakamla".into()),
                detained_at: t(0),
                position: Some((107.5, 6.3)),
                place: Some("Biển Natuna, gần đảo Bunguran".into()),
            },
            from: t(-72 * 3600),
            to: t(6 * 3600),
            generated_at: t(7 * 3600),
            zone_set: "shipped".into(),
            fixes: (0..fixes)
                .map(|i| EvidenceFix {
                    fix_time: t(i as i64 * 600 - 72 * 3600),
                    received_at: t(i as i64 * 600 - 72 * 3600 + 3),
                    source: "bridge:VN-7".into(),
                    lon: 107.0 + i as f64 * 0.002,
                    lat: 6.6 - i as f64 * 0.001,
                    sog_knots: Some(5.0),
                    cog_degrees: None,
                    nmea: Some(format!(
                        "\\s:VN-7,c:{}*00\\!AIVDM,1,1,,A,13u?etPv2;0n:dDPwUM1U1Cb069D,0*{i:02}",
                        1_795_392_000 + i
                    )),
                    zones: vec![ZoneRef {
                        id: "vn-eez".into(),
                        class: "vn_eez".into(),
                        country: Some("VNM".into()),
                    }],
                    nearest_boundary: Some(BoundaryDistance {
                        zone: ZoneRef {
                            id: "idn-eez".into(),
                            class: "foreign".into(),
                            country: Some("IDN".into()),
                        },
                        meters: 2345.0,
                    }),
                    lines: vec![LineDistance {
                        id: "vn-id-cs-boundary-2003".into(),
                        kind: "treaty".into(),
                        name: "Viet Nam - Indonesia continental shelf boundary (2003)".into(),
                        meters: 10_000.0 + i as f64,
                    }],
                })
                .collect(),
            lines: vec![MapLine {
                id: "vn-id-cs-boundary-2003".into(),
                kind: "treaty".into(),
                name: "Viet Nam - Indonesia continental shelf boundary (2003)".into(),
                parts: vec![vec![
                    (105.82, 6.096667),
                    (106.2, 6.25),
                    (106.316944, 6.25),
                    (106.660464, 6.349967),
                    (109.286944, 6.8375),
                    (109.643333, 6.303333),
                ]],
            }],
        }
    }

    #[test]
    fn the_pdf_reads_back_with_diacritics_the_notice_the_hash_and_the_distances() {
        let pack = pack(300);
        let (pdf, hash) = evidence_pdf(&pack).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert_eq!(hash, evidence_geojson(&pack).1, "the GeoJSON pack's hash");
        let text = pdftotext(&pdf);
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for expected in [
            "Hải Đăng 07",
            "Đại sứ quán Việt Nam tại Jakarta",
            "Hồ sơ chứng cứ vụ việc / Case evidence pack",
            "Lưu ý / Notice",
            "Zone boundaries are approximate and are not legal lines",
            "các vùng biển chỉ là gần đúng, không phải đường ranh giới pháp lý",
            "Nơi bị bắt giữ / Place of detention",
            "Biển Natuna, gần đảo Bunguran (6.30000° N, 107.50000° E)",
            "2026-11-20T00:00:00Z",
            "2026-11-20T00:00:03Z",
            "6.60000",
            "107.00000",
            "bridge:VN-7",
            "10000 m: vn-id-cs-boundary-2003 (treaty)",
            "10299 m: vn-id-cs-boundary-2003 (treaty)",
            "2345 m: ranh giới / boundary idn-eez",
            "Viet Nam - Indonesia continental shelf boundary (2003)",
            "13u?etPv2;0n:dDPwUM1U1Cb069D",
            &hash,
        ] {
            assert!(flat.contains(expected), "{expected:?} not in:\n{flat}");
        }
        // Every fix is listed, over many pages.
        assert!(flat.contains(" 300 "), "the 300th fix");
        let pages = text.matches('\u{c}').count();
        assert!(pages >= 8, "{pages} pages");
        assert!(
            flat.contains(&format!("/{pages}")),
            "the footer counts pages"
        );
    }

    #[test]
    fn a_pack_without_fixes_or_position_is_still_a_pdf() {
        let mut pack = pack(0);
        pack.case.position = None;
        pack.case.vessel_name = None;
        pack.case.place = None;
        let (pdf, _) = evidence_pdf(&pack).unwrap();
        let flat = pdftotext(&pdf)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(flat.contains("No position to draw"), "{flat}");
        assert!(flat.contains("No fix in the window"), "{flat}");
        assert!(flat.contains("mmsi:574000007"), "{flat}");
    }
}
