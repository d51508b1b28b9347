//! The IUU report's exports for people and GIS: every table as CSV in one ZIP, and where
//! the cases happened as GeoJSON. Both only lay out an [`IuuReport`]: the counts, ids and
//! checks are the report's own.

use std::io::{Cursor, Write};

use serde_json::{Map, Value, json};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, System, ZipWriter};

use crate::iuu::{CaseRow, Count, DetentionRow, IuuReport, POSITIONS_PER_DAY, ser};

/// Why an export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A CSV table could not be written.
    #[error("a CSV table could not be written: {0}")]
    Csv(#[from] csv::Error),
    /// The ZIP archive could not be written.
    #[error("the ZIP archive could not be written: {0}")]
    Zip(#[from] zip::result::ZipError),
    /// Writing to memory failed.
    #[error("writing the export failed: {0}")]
    Io(#[from] std::io::Error),
}

/// The UTF-8 byte order mark each CSV starts with, so that Excel reads it as UTF-8.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The tables of the CSV export, in the order they are written: file name and what it
/// holds (as `README.txt` tells it).
const TABLES: [(&str, &str); 9] = [
    (
        "fleet.csv",
        "the fleet of the register by duty (measure, count, ids): registration numbers; \
         the row cases_of_unregistered_vessels lists compliance case numbers",
    ),
    (
        "vms_loss.csv",
        "VMS-loss cases by bucket (6h_10d, over_10d) and outcome, with a total row per \
         bucket (outcome = total) and the grand total (bucket = total)",
    ),
    (
        "boundary.csv",
        "boundary cases by the zone's country, broken down by zone class (breakdown = \
         class) and by outcome (breakdown = outcome), with a total row per country \
         (breakdown = total) and the grand total (country = total)",
    ),
    (
        "detentions_abroad.csv",
        "detentions abroad by detaining country and consular case status, with totals as \
         above; ids are consular case numbers",
    ),
    (
        "closed_without_sanction.csv",
        "cases closed without a sanction, by reason, with the total",
    ),
    (
        "cases.csv",
        "every case counted, one row each, with its sanction (if any) in the sanction_ \
         columns",
    ),
    (
        "detentions.csv",
        "every detention abroad counted, one row each (no crew personal data: a count)",
    ),
    (
        "annex.csv",
        "one row per vessel of the register (in the province): positions stored, \
         positions a day on average, its case and detention numbers",
    ),
    (
        "consistency.csv",
        "the checks the report passed: each total equals the sum of its parts",
    ),
];

/// The report as a ZIP of CSV tables (one per table of the report: `fleet.csv`,
/// `vms_loss.csv`, `boundary.csv`, `detentions_abroad.csv`,
/// `closed_without_sanction.csv`, `cases.csv`, `detentions.csv`, `annex.csv`,
/// `consistency.csv`) and a `README.txt` telling the period, the province, the notice
/// and what each file holds.
///
/// Each CSV is RFC 4180 (a header row, fields quoted where needed, CRLF line ends), UTF-8
/// **with a byte order mark** so that Excel shows Vietnamese; times are RFC 3339 UTC, days
/// `YYYY-MM-DD`, decimals with `.`, an empty field is no value. Where a cell lists ids
/// (compliance case numbers, consular case numbers or registration numbers), they are
/// separated by spaces, sorted. The archive holds no clock: entries are dated
/// 1980-01-01 00:00 with mode 0644, in a fixed order, so the same report gives the same
/// bytes.
pub fn iuu_report_csv_zip(report: &IuuReport) -> Result<Vec<u8>, ExportError> {
    let tables: [Vec<u8>; 9] = [
        fleet_csv(report)?,
        vms_loss_csv(report)?,
        boundary_csv(report)?,
        detentions_abroad_csv(report)?,
        closed_csv(report)?,
        cases_csv(&report.cases)?,
        detentions_csv(&report.detentions)?,
        annex_csv(report)?,
        consistency_csv(report)?,
    ];
    let options = SimpleFileOptions::DEFAULT
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::DEFAULT)
        .system(System::Unix)
        .unix_permissions(0o644);
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file("README.txt", options)?;
    zip.write_all(readme(report).as_bytes())?;
    for ((name, _), bytes) in TABLES.iter().zip(tables) {
        zip.start_file(*name, options)?;
        zip.write_all(&bytes)?;
    }
    Ok(zip.finish()?.into_inner())
}

/// The province as the exports name it.
pub(crate) fn province_label(report: &IuuReport) -> String {
    report
        .province
        .clone()
        .unwrap_or_else(|| "toàn quốc / whole country".to_owned())
}

/// The period as the exports name it: the first and the last day.
pub(crate) fn period_label(report: &IuuReport) -> String {
    let last = report
        .period
        .to_exclusive
        .previous_day()
        .unwrap_or(report.period.to_exclusive);
    format!(
        "{} – {} ({} ngày / days)",
        report.period.from, last, report.period.days
    )
}

fn readme(report: &IuuReport) -> String {
    let mut lines = vec![
        "Báo cáo tuân thủ IUU / IUU compliance report".to_owned(),
        String::new(),
        format!("Kỳ báo cáo / Period: {}", period_label(report)),
        format!(
            "  from {} (first day) to {} (the day after the last), UTC",
            report.period.from, report.period.to_exclusive
        ),
        format!("Tỉnh / Province: {}", province_label(report)),
        String::new(),
        "Lưu ý / Notice:".to_owned(),
        report.notice.to_owned(),
        String::new(),
        "Các tệp / Files:".to_owned(),
    ];
    for (name, what) in TABLES {
        lines.push(format!("- {name}: {what}."));
    }
    lines.extend(
        [
            "",
            "Mã số / Ids: compliance case numbers (cases), consular case numbers \
             (detentions abroad), registration numbers (vessels). Where a cell lists \
             several, they are separated by spaces, sorted; every count equals the number \
             of ids listed beside it.",
            "",
            "Định dạng / Format: CSV (RFC 4180): comma-separated, a header row, fields \
             with commas, quotes or line breaks in double quotes, CRLF line ends. UTF-8 \
             with a byte order mark (BOM), so that Excel shows Vietnamese diacritics; in \
             other tools, read the files as UTF-8. Times are RFC 3339 in UTC \
             (2026-03-10T00:00:00Z), days YYYY-MM-DD, decimals with a point (7.5); an \
             empty field means no value.",
            "",
            "Đơn vị / Units: hours_inside in hours (to 0.1), max_inside_nm in nautical \
             miles (to 0.01), length_m in metres, amounts in đồng (VND), lon/lat in \
             degrees (WGS 84).",
        ]
        .map(str::to_owned),
    );
    let mut text = lines.join("\r\n");
    text.push_str("\r\n");
    text
}

/// A CSV writer: UTF-8 with a BOM, CRLF, quoted where needed, every row as wide as the
/// header.
fn table(
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Result<Vec<u8>, ExportError> {
    let mut out = BOM.to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .quote_style(csv::QuoteStyle::Necessary)
            .flexible(false)
            .from_writer(&mut out);
        w.write_record(header)?;
        for row in rows {
            w.write_record(&row)?;
        }
        w.flush()?;
    }
    Ok(out)
}

fn ids<T: ToString>(ids: &[T]) -> String {
    ids.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn count_row<T: ToString>(mut cells: Vec<String>, c: &Count<T>) -> Vec<String> {
    cells.push(c.count.to_string());
    cells.push(ids(&c.ids));
    cells
}

fn fleet_csv(r: &IuuReport) -> Result<Vec<u8>, ExportError> {
    let f = &r.fleet;
    let rows = [
        ("registered", &f.registered),
        ("length_15m_or_more", &f.length_15m_or_more),
        ("with_vms", &f.with_vms),
        ("reporting_12_a_day", &f.reporting_12_a_day),
    ]
    .into_iter()
    .map(|(measure, c)| count_row(vec![measure.to_owned()], c))
    .chain([count_row(
        vec!["cases_of_unregistered_vessels".to_owned()],
        &r.cases_of_unregistered_vessels,
    )]);
    table(&["measure", "count", "ids"], rows)
}

fn vms_loss_csv(r: &IuuReport) -> Result<Vec<u8>, ExportError> {
    let mut rows = Vec::new();
    for (bucket, b) in &r.vms_loss.by_bucket {
        for (outcome, c) in &b.by_outcome {
            rows.push(count_row(vec![bucket.clone(), outcome.clone()], c));
        }
        rows.push(count_row(vec![bucket.clone(), "total".into()], &b.total));
    }
    rows.push(count_row(
        vec!["total".into(), "total".into()],
        &r.vms_loss.total,
    ));
    table(&["bucket", "outcome", "count", "case_ids"], rows)
}

fn boundary_csv(r: &IuuReport) -> Result<Vec<u8>, ExportError> {
    let mut rows = Vec::new();
    for (country, b) in &r.boundary.by_country {
        for (class, c) in &b.by_class {
            rows.push(count_row(
                vec![country.clone(), "class".into(), class.clone()],
                c,
            ));
        }
        for (outcome, c) in &b.by_outcome {
            rows.push(count_row(
                vec![country.clone(), "outcome".into(), outcome.clone()],
                c,
            ));
        }
        rows.push(count_row(
            vec![country.clone(), "total".into(), String::new()],
            &b.total,
        ));
    }
    rows.push(count_row(
        vec!["total".into(), "total".into(), String::new()],
        &r.boundary.total,
    ));
    table(
        &["country", "breakdown", "value", "count", "case_ids"],
        rows,
    )
}

fn detentions_abroad_csv(r: &IuuReport) -> Result<Vec<u8>, ExportError> {
    let mut rows = Vec::new();
    for (country, d) in &r.detentions_abroad.by_country {
        for (status, c) in &d.by_status {
            rows.push(count_row(vec![country.clone(), status.clone()], c));
        }
        rows.push(count_row(vec![country.clone(), "total".into()], &d.total));
    }
    rows.push(count_row(
        vec!["total".into(), "total".into()],
        &r.detentions_abroad.total,
    ));
    table(&["country", "status", "count", "consular_case_ids"], rows)
}

fn closed_csv(r: &IuuReport) -> Result<Vec<u8>, ExportError> {
    let c = &r.closed_without_sanction;
    let rows = c
        .by_reason
        .iter()
        .map(|(reason, c)| count_row(vec![reason.clone()], c))
        .chain([count_row(vec!["total".into()], &c.total)]);
    table(&["reason", "count", "case_ids"], rows)
}

/// The `lon`, `lat` cells of a position.
fn lon_lat(p: Option<[f64; 2]>) -> [String; 2] {
    match p {
        Some([lon, lat]) => [lon.to_string(), lat.to_string()],
        None => [String::new(), String::new()],
    }
}

fn cases_csv(cases: &[CaseRow]) -> Result<Vec<u8>, ExportError> {
    let header = [
        "id",
        "kind",
        "vessel",
        "registration",
        "province",
        "bucket",
        "zone_id",
        "country",
        "zone_class",
        "detected_at",
        "left_at",
        "hours_inside",
        "max_inside_nm",
        "lon",
        "lat",
        "status",
        "closed_reason",
        "sanction_decision_number",
        "sanction_amount_vnd",
        "sanction_decided_on",
        "sanction_paid",
    ];
    let rows = cases.iter().map(|c| {
        let [lon, lat] = lon_lat(c.position);
        let s = c.sanction.as_ref();
        vec![
            c.id.to_string(),
            c.kind.clone(),
            opt(c.vessel.as_ref()),
            opt(c.registration.as_ref()),
            opt(c.province.as_ref()),
            opt(c.bucket.as_ref()),
            opt(c.zone_id.as_ref()),
            opt(c.country.as_ref()),
            opt(c.zone_class.as_ref()),
            ser::rfc3339(c.detected_at),
            opt(c.left_at.map(ser::rfc3339)),
            opt(c.hours_inside),
            opt(c.max_inside_nm),
            lon,
            lat,
            c.status.clone(),
            opt(c.closed_reason.as_ref()),
            opt(s.map(|s| &s.decision_number)),
            opt(s.map(|s| s.amount_vnd)),
            opt(s.map(|s| s.decided_on)),
            opt(s.map(|s| s.paid)),
        ]
    });
    table(&header, rows)
}

fn detentions_csv(detentions: &[DetentionRow]) -> Result<Vec<u8>, ExportError> {
    let header = [
        "id",
        "vessel",
        "registration",
        "province",
        "country",
        "detained_at",
        "lon",
        "lat",
        "status",
        "crew_count",
    ];
    let rows = detentions.iter().map(|d| {
        let [lon, lat] = lon_lat(d.position);
        vec![
            d.id.to_string(),
            opt(d.vessel.as_ref()),
            opt(d.registration.as_ref()),
            opt(d.province.as_ref()),
            opt(d.country.as_ref()),
            ser::rfc3339(d.detained_at),
            lon,
            lat,
            d.status.clone(),
            d.crew_count.to_string(),
        ]
    });
    table(&header, rows)
}

fn annex_csv(r: &IuuReport) -> Result<Vec<u8>, ExportError> {
    let header = [
        "registration",
        "mmsi",
        "name",
        "province",
        "length_m",
        "has_vms",
        "positions",
        "positions_per_day",
        "reporting_12_a_day",
        "case_ids",
        "detention_ids",
    ];
    let needed = POSITIONS_PER_DAY * r.period.days.unsigned_abs();
    let rows = r.annex.iter().map(|a| {
        vec![
            a.registration.clone(),
            opt(a.mmsi.as_ref()),
            a.name.clone(),
            a.province.clone(),
            a.length_m.to_string(),
            a.has_vms.to_string(),
            a.positions.to_string(),
            a.positions_per_day.to_string(),
            (a.positions >= needed).to_string(),
            ids(&a.case_ids),
            ids(&a.detention_ids),
        ]
    });
    table(&header, rows)
}

fn consistency_csv(r: &IuuReport) -> Result<Vec<u8>, ExportError> {
    let rows = r.consistency.checks.iter().map(|c| {
        vec![
            c.check.clone(),
            c.total.to_string(),
            c.sum_of_parts.to_string(),
            c.ok.to_string(),
        ]
    });
    table(&["check", "total", "sum_of_parts", "ok"], rows)
}

/// A position that can be drawn: both coordinates finite, in range.
fn drawable(p: Option<[f64; 2]>) -> Option<[f64; 2]> {
    p.filter(|[lon, lat]| {
        lon.is_finite() && lat.is_finite() && lon.abs() <= 180.0 && lat.abs() <= 90.0
    })
}

/// Where the report's cases happened, as an RFC 7946 GeoJSON FeatureCollection: one
/// Point per case (`kind` `vms_loss` or `boundary`) and per detention abroad (`kind`
/// `detention`) that has a position, with the case's fields as properties (times RFC 3339
/// UTC). Feature ids are `case-{n}` and `detention-{n}` (the two are numbered apart).
///
/// Foreign members at the top tell what it is: `report` (the period and the province),
/// `notice` ([`crate::REPORT_NOTICE`]), and `without_position`: the case numbers and
/// consular case numbers counted in the report that have no position, so that nothing
/// counted is silently missing from the map. The same report gives the same bytes.
pub fn iuu_report_geojson(report: &IuuReport) -> String {
    let mut features = Vec::new();
    let mut cases_without = Vec::new();
    let mut detentions_without = Vec::new();
    for c in &report.cases {
        let Some(position) = drawable(c.position) else {
            cases_without.push(c.id);
            continue;
        };
        let properties = json!({
            "kind": c.kind,
            "id": c.id,
            "vessel": c.vessel,
            "registration": c.registration,
            "province": c.province,
            "bucket": c.bucket,
            "country": c.country,
            "zone_id": c.zone_id,
            "zone_class": c.zone_class,
            "status": c.status,
            "detected_at": ser::rfc3339(c.detected_at),
            "left_at": c.left_at.map(ser::rfc3339),
            "hours_inside": c.hours_inside,
            "max_inside_nm": c.max_inside_nm,
            "closed_reason": c.closed_reason,
            "sanction": c.sanction,
        });
        features.push(point(format!("case-{}", c.id), position, properties));
    }
    for d in &report.detentions {
        let Some(position) = drawable(d.position) else {
            detentions_without.push(d.id);
            continue;
        };
        let properties = json!({
            "kind": "detention",
            "id": d.id,
            "vessel": d.vessel,
            "registration": d.registration,
            "province": d.province,
            "country": d.country,
            "status": d.status,
            "detained_at": ser::rfc3339(d.detained_at),
            "crew_count": d.crew_count,
        });
        features.push(point(format!("detention-{}", d.id), position, properties));
    }
    let mut top = Map::new();
    top.insert("type".into(), "FeatureCollection".into());
    top.insert(
        "report".into(),
        json!({
            "report": report.report,
            "period": report.period,
            "province": report.province,
        }),
    );
    top.insert("notice".into(), report.notice.into());
    top.insert(
        "without_position".into(),
        json!({"cases": cases_without, "detentions": detentions_without}),
    );
    top.insert("features".into(), Value::Array(features));
    Value::Object(top).to_string()
}

fn point(id: String, [lon, lat]: [f64; 2], properties: Value) -> Value {
    json!({
        "type": "Feature",
        "id": id,
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": properties,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::io::Read;

    use super::*;
    use crate::fixture::rich;
    use crate::iuu::iuu_report;

    /// The files of the ZIP, in their order, with their bytes.
    fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        (0..archive.len())
            .map(|i| {
                let mut file = archive.by_index(i).unwrap();
                let mut data = Vec::new();
                file.read_to_end(&mut data).unwrap();
                (file.name().unwrap().into_owned(), data)
            })
            .collect()
    }

    /// A CSV's header and rows.
    type Table = (Vec<String>, Vec<Vec<String>>);

    /// A CSV parsed strictly (every row as wide as the header), after checking its BOM and
    /// its CRLF line ends: the header and the rows.
    fn parse(name: &str, bytes: &[u8]) -> Table {
        let body = bytes
            .strip_prefix(BOM)
            .unwrap_or_else(|| panic!("{name} starts with a BOM"));
        let mut reader = csv::ReaderBuilder::new()
            .flexible(false)
            .has_headers(true)
            .from_reader(body);
        let header: Vec<String> = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_owned)
            .collect();
        let rows: Vec<Vec<String>> = reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect();
        // Every record ends with CRLF; a line break inside a quoted field stays as written.
        assert!(body.ends_with(b"\r\n"), "{name} ends with CRLF");
        let crlf = body.windows(2).filter(|w| w == b"\r\n").count();
        assert_eq!(crlf, rows.len() + 1, "{name}: one CRLF per record");
        (header, rows)
    }

    fn tables() -> (IuuReport, BTreeMap<String, Table>) {
        let report = iuu_report(&rich()).unwrap();
        let files = unzip(&iuu_report_csv_zip(&report).unwrap());
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        let mut expected = vec!["README.txt"];
        expected.extend(TABLES.iter().map(|(n, _)| *n));
        assert_eq!(names, expected);
        let tables = files
            .iter()
            .filter(|(n, _)| n.ends_with(".csv"))
            .map(|(n, b)| (n.clone(), parse(n, b)))
            .collect();
        (report, tables)
    }

    fn id_list<T: ToString>(c: &Count<T>) -> (String, String) {
        (c.count.to_string(), ids(&c.ids))
    }

    #[test]
    fn every_table_is_a_strict_csv_with_its_header() {
        let (_, tables) = tables();
        let headers: BTreeMap<&str, Vec<&str>> = tables
            .iter()
            .map(|(n, (h, _))| (n.as_str(), h.iter().map(String::as_str).collect()))
            .collect();
        assert_eq!(headers["fleet.csv"], ["measure", "count", "ids"]);
        assert_eq!(
            headers["vms_loss.csv"],
            ["bucket", "outcome", "count", "case_ids"]
        );
        assert_eq!(
            headers["boundary.csv"],
            ["country", "breakdown", "value", "count", "case_ids"]
        );
        assert_eq!(headers["cases.csv"].len(), 21);
        assert_eq!(headers["cases.csv"][0], "id");
        assert_eq!(headers["annex.csv"][0], "registration");
        assert_eq!(
            headers["consistency.csv"],
            ["check", "total", "sum_of_parts", "ok"]
        );
    }

    #[test]
    fn vms_loss_and_boundary_counts_and_ids_are_the_reports() {
        let (report, tables) = tables();
        let mut expected = Vec::new();
        for (bucket, b) in &report.vms_loss.by_bucket {
            for (outcome, c) in &b.by_outcome {
                expected.push((bucket.clone(), outcome.clone(), id_list(c)));
            }
            expected.push((bucket.clone(), "total".into(), id_list(&b.total)));
        }
        expected.push((
            "total".into(),
            "total".into(),
            id_list(&report.vms_loss.total),
        ));
        let got: Vec<(String, String, (String, String))> = tables["vms_loss.csv"]
            .1
            .iter()
            .map(|r| (r[0].clone(), r[1].clone(), (r[2].clone(), r[3].clone())))
            .collect();
        assert_eq!(got, expected);
        let total = got.last().unwrap();
        assert_eq!(total.2, ("4".to_owned(), "1 2 5 11".to_owned()));

        let rows = &tables["boundary.csv"].1;
        for (country, b) in &report.boundary.by_country {
            let find = |breakdown: &str, value: &str| {
                rows.iter()
                    .find(|r| r[0] == *country && r[1] == breakdown && r[2] == value)
                    .map(|r| (r[3].clone(), r[4].clone()))
                    .unwrap_or_else(|| panic!("{country} {breakdown} {value}"))
            };
            assert_eq!(find("total", ""), id_list(&b.total));
            for (class, c) in &b.by_class {
                assert_eq!(find("class", class), id_list(c));
            }
            for (outcome, c) in &b.by_outcome {
                assert_eq!(find("outcome", outcome), id_list(c));
            }
        }
        let last = rows.last().unwrap();
        assert_eq!(last[..2], ["total", "total"]);
        assert_eq!(
            (last[3].clone(), last[4].clone()),
            id_list(&report.boundary.total)
        );
        let phl: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == "PHL").collect();
        assert_eq!(phl[0][1..], ["class", "undelimited", "1", "6"]);
        // Each case once per breakdown: rows = per country (classes + outcomes + total) + 1.
        let per_country: usize = report
            .boundary
            .by_country
            .values()
            .map(|b| b.by_class.len() + b.by_outcome.len() + 1)
            .sum();
        assert_eq!(rows.len(), per_country + 1);
    }

    #[test]
    fn cases_detentions_and_the_annex_keep_every_field_as_written() {
        let (report, tables) = tables();
        let (header, cases) = &tables["cases.csv"];
        assert_eq!(cases.len(), report.cases.len());
        let col = |name: &str| header.iter().position(|h| h == name).unwrap();
        let thailand = cases.iter().find(|r| r[0] == "10").unwrap();
        assert_eq!(
            thailand[col("closed_reason")],
            "insufficient evidence, \"see file\"\nline 2"
        );
        assert_eq!(thailand[col("province")], "Quảng Ngãi");
        assert_eq!(thailand[col("hours_inside")], "7.5");
        assert_eq!(thailand[col("max_inside_nm")], "2.5");
        assert_eq!(thailand[col("detected_at")], "2026-03-10T00:00:00Z");
        let philippines = cases.iter().find(|r| r[0] == "6").unwrap();
        assert_eq!(
            philippines[col("sanction_decision_number")],
            "QĐ-12/2026, lần 2"
        );
        assert_eq!(philippines[col("sanction_amount_vnd")], "250000000");
        assert_eq!(philippines[col("sanction_decided_on")], "2026-03-25");
        assert_eq!(philippines[col("sanction_paid")], "false");
        assert_eq!(philippines[col("left_at")], "", "not seen leaving");
        assert_eq!(philippines[col("lon")], "116.75");
        assert_eq!(philippines[col("province")], "Bà Rịa – Vũng Tàu");

        let (header, annex) = &tables["annex.csv"];
        assert_eq!(annex.len(), report.annex.len());
        let col = |name: &str| header.iter().position(|h| h == name).unwrap();
        let br = annex.iter().find(|r| r[0] == "BR-9").unwrap();
        assert_eq!(br[col("name")], "Tàu \"Biển Đông\", số 9");
        assert_eq!(br[col("mmsi")], "574100009");
        assert_eq!(br[col("case_ids")], "6 11");
        assert_eq!(br[col("detention_ids")], "12");
        assert_eq!(br[col("positions_per_day")], "3.2");
        assert_eq!(br[col("reporting_12_a_day")], "false");
        let qn = annex.iter().find(|r| r[0] == "QN-4").unwrap();
        assert_eq!(qn[col("name")], "Hải Đăng 4\ndòng hai");

        let (_, detentions) = &tables["detentions.csv"];
        let ids: Vec<&str> = detentions.iter().map(|r| r[0].as_str()).collect();
        assert_eq!(ids, ["7", "8", "12", "13"]);
        assert_eq!(detentions[1][6..8], ["", ""], "no position");

        let (_, fleet) = &tables["fleet.csv"];
        assert_eq!(
            fleet[0],
            ["registered", "6", "BR-9 CM-1 KH-1 KH-2 KH-3 QN-4"]
        );
        assert_eq!(fleet[4], ["cases_of_unregistered_vessels", "1", "5"]);
        let (_, consistency) = &tables["consistency.csv"];
        assert_eq!(consistency.len(), report.consistency.checks.len());
        assert!(consistency.iter().all(|r| r[3] == "true"));
    }

    #[test]
    fn the_readme_tells_the_period_province_notice_and_files() {
        let mut input = rich();
        input.province = Some("Quảng Ngãi".into());
        let report = iuu_report(&input).unwrap();
        let files = unzip(&iuu_report_csv_zip(&report).unwrap());
        let readme = String::from_utf8(files[0].1.clone()).unwrap();
        for expected in [
            "2026-03-01 – 2026-03-31 (31 ngày / days)",
            "Tỉnh / Province: Quảng Ngãi",
            crate::REPORT_NOTICE,
            "byte order mark",
            "compliance case numbers",
            "consular case numbers",
            "registration numbers",
        ] {
            assert!(readme.contains(expected), "{expected:?} not in\n{readme}");
        }
        for (name, _) in TABLES {
            assert!(readme.contains(&format!("- {name}: ")), "{name}");
        }
    }

    #[test]
    fn the_same_report_gives_the_same_zip() {
        let mut shuffled = rich();
        shuffled.cases.reverse();
        shuffled.fleet.reverse();
        shuffled.detentions.reverse();
        let a = iuu_report_csv_zip(&iuu_report(&rich()).unwrap()).unwrap();
        let b = iuu_report_csv_zip(&iuu_report(&shuffled).unwrap()).unwrap();
        assert_eq!(a, b);
        let mut archive = zip::ZipArchive::new(Cursor::new(&a)).unwrap();
        let file = archive.by_index(1).unwrap();
        assert_eq!(file.last_modified(), Some(DateTime::DEFAULT));
        assert_eq!(file.unix_mode(), Some(0o100_644));
        assert_eq!(file.compression(), CompressionMethod::Deflated);
    }

    #[test]
    fn the_geojson_places_every_positioned_case_and_names_the_others() {
        let report = iuu_report(&rich()).unwrap();
        let text = iuu_report_geojson(&report);
        assert_eq!(text, iuu_report_geojson(&report), "the same bytes");
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["type"], "FeatureCollection");
        assert_eq!(v["notice"], crate::REPORT_NOTICE);
        assert_eq!(v["report"]["period"]["from"], "2026-03-01");
        assert_eq!(v["report"]["province"], Value::Null);
        let features = v["features"].as_array().unwrap();
        let ids: Vec<&str> = features.iter().map(|f| f["id"].as_str().unwrap()).collect();
        assert_eq!(
            ids,
            [
                "case-1",
                "case-2",
                "case-3",
                "case-4",
                "case-5",
                "case-6",
                "case-10",
                "detention-7",
                "detention-12",
                "detention-13"
            ]
        );
        assert_eq!(v["without_position"]["cases"], json!([9, 11]));
        assert_eq!(v["without_position"]["detentions"], json!([8]));
        // Nothing counted is missing: placed + without position = the report's lists.
        let placed_cases = features
            .iter()
            .filter(|f| f["properties"]["kind"] != "detention")
            .count();
        assert_eq!(placed_cases + 2, report.cases.len());
        let phl = &features[5];
        assert_eq!(phl["geometry"]["type"], "Point");
        assert_eq!(phl["geometry"]["coordinates"], json!([116.75, 10.5]));
        let p = &phl["properties"];
        assert_eq!(p["kind"], "boundary");
        assert_eq!(p["id"], 6);
        assert_eq!(p["country"], "PHL");
        assert_eq!(p["zone_class"], "undelimited");
        assert_eq!(p["registration"], "BR-9");
        assert_eq!(p["province"], "Bà Rịa – Vũng Tàu");
        assert_eq!(p["detected_at"], "2026-03-14T22:15:30Z");
        assert_eq!(p["sanction"]["decision_number"], "QĐ-12/2026, lần 2");
        let thailand = &features[6]["properties"];
        assert_eq!(thailand["hours_inside"], 7.5);
        assert_eq!(thailand["max_inside_nm"], 2.5);
        assert_eq!(
            thailand["closed_reason"],
            "insufficient evidence, \"see file\"\nline 2"
        );
        let detention = &features[8];
        assert_eq!(detention["properties"]["kind"], "detention");
        assert_eq!(detention["properties"]["country"], "THA");
        assert_eq!(detention["properties"]["crew_count"], 11);
        assert_eq!(detention["geometry"]["coordinates"], json!([101.5, 8.25]));
        assert_eq!(features[1]["properties"]["bucket"], "over_10d");
    }
}

/// The formats the IUU report is exported in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IuuFormat {
    /// The whole report as JSON ([`crate::iuu_report_json`]).
    Json,
    /// Every table as CSV, in one ZIP ([`iuu_report_csv_zip`]).
    Csv,
    /// Where the cases happened ([`iuu_report_geojson`]).
    GeoJson,
    /// For print, with Vietnamese and English headings ([`crate::iuu_report_pdf`]).
    Pdf,
}

/// Why a report could not be rendered in a format.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The ZIP of CSV tables.
    #[error(transparent)]
    Export(#[from] ExportError),
    /// The PDF.
    #[error(transparent)]
    Pdf(#[from] crate::PdfError),
    /// The JSON.
    #[error("the JSON could not be written: {0}")]
    Json(#[from] serde_json::Error),
}

impl IuuFormat {
    /// Every format, by name.
    pub const ALL: [(&'static str, IuuFormat); 4] = [
        ("json", IuuFormat::Json),
        ("csv", IuuFormat::Csv),
        ("geojson", IuuFormat::GeoJson),
        ("pdf", IuuFormat::Pdf),
    ];

    /// The format called `name` (`json`, `csv`, `geojson`, `pdf`).
    pub fn parse(name: &str) -> Option<IuuFormat> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
    }

    /// The media type of the bytes.
    pub fn content_type(self) -> &'static str {
        match self {
            IuuFormat::Json => "application/json",
            IuuFormat::Csv => "application/zip",
            IuuFormat::GeoJson => "application/geo+json",
            IuuFormat::Pdf => "application/pdf",
        }
    }

    /// The file name extension.
    pub fn extension(self) -> &'static str {
        match self {
            IuuFormat::Json => "json",
            IuuFormat::Csv => "zip",
            IuuFormat::GeoJson => "geojson",
            IuuFormat::Pdf => "pdf",
        }
    }

    /// The report in this format. The same report gives the same bytes.
    pub fn render(self, report: &IuuReport) -> Result<Vec<u8>, RenderError> {
        Ok(match self {
            IuuFormat::Json => {
                let mut bytes = serde_json::to_vec_pretty(report)?;
                bytes.push(b'\n');
                bytes
            }
            IuuFormat::Csv => iuu_report_csv_zip(report)?,
            IuuFormat::GeoJson => iuu_report_geojson(report).into_bytes(),
            IuuFormat::Pdf => crate::iuu_report_pdf(report)?,
        })
    }
}
