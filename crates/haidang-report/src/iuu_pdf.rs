//! The IUU report as a PDF: bilingual headings (Vietnamese, then English), every count
//! with the ids it counts, the case and detention lists, a short annex and the checks.

use krilla::Document;
use krilla::metadata::Metadata;

use crate::export::{period_label, province_label};
use crate::iuu::{AnnexRow, CaseRow, Count, DetentionRow, IuuReport, POSITIONS_PER_DAY};
use crate::layout::{GREY, MARGIN, PAGE_H, PAGE_W, PdfError, Rgb, Writer, fits, wrap};

/// Fleet counts list their registration numbers in the PDF up to this many; beyond, the
/// PDF says how many and points to `fleet.csv` (a national fleet has tens of thousands:
/// a hundred pages of numbers). Case and detention counts always list every id.
pub const PDF_FLEET_IDS_MAX: usize = 500;

/// The lowest baseline of the body (the footer is below).
const BOTTOM: f32 = PAGE_H - MARGIN - 8.0;
/// The text width.
const WIDTH: f32 = PAGE_W - 2.0 * MARGIN;

/// The report as a PDF (A4, DejaVu Sans embedded: Vietnamese extracts as written):
/// the period, the province and the notice; the fleet, VMS-loss cases by bucket and
/// outcome, boundary cases by country, class and outcome, detentions abroad by country
/// and status, and cases closed without sanction by reason, each count with the ids it
/// counts (fleet counts above [`PDF_FLEET_IDS_MAX`] vessels point to `fleet.csv`
/// instead); the list of every case and every detention; the annex limited to the vessels
/// that have cases or detentions or report fewer than 12 positions a day on average (the
/// full annex is in [`crate::iuu_report_csv_zip`]); and the consistency checks. Headings
/// are in Vietnamese, then English. The PDF carries no creation date, so the same report
/// gives the same bytes.
pub fn iuu_report_pdf(report: &IuuReport) -> Result<Vec<u8>, PdfError> {
    let province = province_label(report);
    let period = period_label(report);
    let mut doc = Document::new();
    let title = format!("Báo cáo tuân thủ IUU / IUU compliance report, {period}, {province}");
    doc.set_metadata(
        Metadata::new()
            .title(title.clone())
            .creator("Haidang".to_owned())
            .document_id(title),
    );
    let mut f = Flow {
        w: Writer::new(doc)?,
        y: MARGIN,
    };
    front(&mut f, report, &period, &province);
    tallies(&mut f, report);
    case_list(&mut f, &report.cases);
    detention_list(&mut f, &report.detentions);
    annex(&mut f, report);
    consistency(&mut f, report);
    let doc = f.w.finish(|n, total| {
        format!("Báo cáo IUU / IUU report · {period} · {province} · {n}/{total}")
    })?;
    doc.finish().map_err(|e| PdfError::Write(format!("{e:?}")))
}

/// A column of a table: its heading, x offset from the margin, width.
type Col = (&'static str, f32, f32);

/// Text flowing down the pages.
struct Flow {
    w: Writer,
    y: f32,
}

impl Flow {
    /// Starts a new page if `height` does not fit on this one; says whether it did.
    fn room(&mut self, height: f32) -> bool {
        if self.y + height > BOTTOM {
            self.w.new_page();
            self.y = MARGIN;
            true
        } else {
            false
        }
    }

    /// A section heading, kept with at least `keep` points of what follows.
    fn heading(&mut self, text: &str, keep: f32) {
        self.room(30.0 + keep);
        self.y += 10.0;
        self.w.text(MARGIN, self.y, 12.0, text);
        self.y += 14.0;
    }

    /// A paragraph, wrapped to the text width.
    fn para(&mut self, size: f32, color: Rgb, text: &str) {
        let lead = size * 1.3;
        for line in wrap(text, fits(WIDTH, size)) {
            self.room(lead);
            self.w.colored(MARGIN, self.y, size, color, line);
            self.y += lead;
        }
    }

    /// A table: the column headings (again on each page it runs on), then the rows, each
    /// cell wrapped to its column. A row taller than what is left of a page goes on over
    /// the next, with the headings again.
    fn table(&mut self, cols: &[Col], size: f32, rows: impl IntoIterator<Item = Vec<String>>) {
        let lead = size * 1.25;
        self.room(3.0 * lead);
        self.table_header(cols, size);
        for row in rows {
            let cells: Vec<Vec<String>> = row
                .iter()
                .zip(cols)
                .map(|(text, (_, _, width))| wrap(text, fits(width - 3.0, size)))
                .collect();
            let lines = cells.iter().map(Vec::len).max().unwrap_or(1);
            // Keep a short row together.
            if lines <= 4 && self.room(lines as f32 * lead) {
                self.table_header(cols, size);
            }
            for i in 0..lines {
                if self.room(lead) {
                    self.table_header(cols, size);
                }
                for (cell, (_, dx, _)) in cells.iter().zip(cols) {
                    if let Some(text) = cell.get(i) {
                        self.w.text(MARGIN + dx, self.y, size, text.clone());
                    }
                }
                self.y += lead;
            }
            self.y += lead * 0.25;
        }
    }

    fn table_header(&mut self, cols: &[Col], size: f32) {
        let lead = size * 1.25;
        let cells: Vec<Vec<String>> = cols
            .iter()
            .map(|(title, _, width)| wrap(title, fits(width - 3.0, size)))
            .collect();
        let lines = cells.iter().map(Vec::len).max().unwrap_or(1);
        for i in 0..lines {
            for (cell, (_, dx, _)) in cells.iter().zip(cols) {
                if let Some(text) = cell.get(i) {
                    self.w
                        .colored(MARGIN + dx, self.y, size, GREY, text.clone());
                }
            }
            self.y += lead;
        }
        self.y += lead * 0.3;
    }
}

fn front(f: &mut Flow, report: &IuuReport, period: &str, province: &str) {
    f.y = MARGIN + 10.0;
    f.w.text(
        MARGIN,
        f.y,
        16.0,
        "Báo cáo tuân thủ IUU / IUU compliance report",
    );
    f.y += 22.0;
    f.para(10.0, (0, 0, 0), &format!("Kỳ báo cáo / Period: {period}"));
    f.para(10.0, (0, 0, 0), &format!("Tỉnh / Province: {province}"));
    f.y += 6.0;
    f.w.text(MARGIN, f.y, 11.0, "Lưu ý / Notice");
    f.y += 13.0;
    f.para(8.0, (0, 0, 0), report.notice);
    f.y += 4.0;
    f.para(
        8.0,
        GREY,
        "Mỗi số đếm kèm các mã số được đếm: số vụ việc tuân thủ (vụ việc), số vụ lãnh sự \
         (tàu bị bắt giữ), số đăng ký (tàu). / Every count lists the ids it counts: \
         compliance case numbers (cases), consular case numbers (detentions abroad), \
         registration numbers (vessels). Giờ UTC / Times in UTC.",
    );
}

/// The count tables' columns.
const COUNT_COLS: [Col; 3] = [
    ("Mục / Item", 0.0, 175.0),
    ("Số lượng / Count", 175.0, 45.0),
    ("Mã số / Ids", 220.0, WIDTH - 220.0),
];
const COUNT_SIZE: f32 = 7.0;

fn count_row<T: ToString>(label: String, c: &Count<T>) -> Vec<String> {
    let ids = c
        .ids
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    vec![label, c.count.to_string(), ids]
}

fn fleet_row(label: &str, c: &Count<String>) -> Vec<String> {
    if c.ids.len() > PDF_FLEET_IDS_MAX {
        vec![
            label.to_owned(),
            c.count.to_string(),
            format!(
                "{} số đăng ký: xem fleet.csv trong bản xuất CSV / {} registration numbers: \
                 see fleet.csv in the CSV export",
                c.count, c.count
            ),
        ]
    } else {
        count_row(label.to_owned(), c)
    }
}

/// A bucket, status or class, in Vietnamese then as the data names it.
fn term(key: &str) -> String {
    let vi = match key {
        "6h_10d" => "6 giờ – 10 ngày",
        "over_10d" => "trên 10 ngày",
        "detected" => "phát hiện",
        "verified" => "đã xác minh",
        "sanctioned" => "đã xử phạt",
        "closed" => "đã đóng",
        "foreign" => "vùng nước ngoài",
        "undelimited" => "vùng chưa phân định",
        "unknown" | "none" => "không rõ",
        _ => return key.to_owned(),
    };
    format!("{vi} / {key}")
}

fn tallies(f: &mut Flow, r: &IuuReport) {
    let fl = &r.fleet;
    f.heading("Đội tàu / Fleet", 30.0);
    f.table(
        &COUNT_COLS,
        COUNT_SIZE,
        [
            fleet_row("Tàu trong sổ đăng ký / Registered", &fl.registered),
            fleet_row("Dài từ 15 m / Length 15 m or more", &fl.length_15m_or_more),
            fleet_row("Có VMS / With VMS", &fl.with_vms),
            fleet_row(
                &format!(
                    "Trung bình ≥ {POSITIONS_PER_DAY} vị trí/ngày / Reporting {POSITIONS_PER_DAY} \
                     positions a day"
                ),
                &fl.reporting_12_a_day,
            ),
            count_row(
                "Vụ việc của tàu ngoài sổ đăng ký (số vụ việc) / Cases of unregistered vessels \
                 (case numbers)"
                    .to_owned(),
                &r.cases_of_unregistered_vessels,
            ),
        ],
    );

    f.heading("Mất kết nối VMS / VMS loss", 30.0);
    let mut rows = Vec::new();
    for (bucket, b) in &r.vms_loss.by_bucket {
        rows.push(count_row(
            format!("{}: tổng / total", term(bucket)),
            &b.total,
        ));
        for (outcome, c) in &b.by_outcome {
            rows.push(count_row(
                format!("  {} · {}", term(bucket), term(outcome)),
                c,
            ));
        }
    }
    rows.push(count_row("Tổng / Total".into(), &r.vms_loss.total));
    f.table(&COUNT_COLS, COUNT_SIZE, rows);

    f.heading("Vượt ranh giới / Boundary cases", 30.0);
    let mut rows = Vec::new();
    for (country, b) in &r.boundary.by_country {
        rows.push(count_row(format!("{country}: tổng / total"), &b.total));
        for (class, c) in &b.by_class {
            rows.push(count_row(
                format!("  {country} · loại vùng / class: {}", term(class)),
                c,
            ));
        }
        for (outcome, c) in &b.by_outcome {
            rows.push(count_row(
                format!("  {country} · kết quả / outcome: {}", term(outcome)),
                c,
            ));
        }
    }
    rows.push(count_row("Tổng / Total".into(), &r.boundary.total));
    f.table(&COUNT_COLS, COUNT_SIZE, rows);

    f.heading("Tàu bị bắt giữ ở nước ngoài / Detentions abroad", 30.0);
    f.para(
        7.0,
        GREY,
        "Mã số là số vụ lãnh sự / Ids are consular case numbers.",
    );
    let mut rows = Vec::new();
    for (country, d) in &r.detentions_abroad.by_country {
        rows.push(count_row(format!("{country}: tổng / total"), &d.total));
        for (status, c) in &d.by_status {
            rows.push(count_row(format!("  {country} · {}", term(status)), c));
        }
    }
    rows.push(count_row("Tổng / Total".into(), &r.detentions_abroad.total));
    f.table(&COUNT_COLS, COUNT_SIZE, rows);

    f.heading("Đóng không xử phạt / Closed without sanction", 30.0);
    let c = &r.closed_without_sanction;
    let rows = c
        .by_reason
        .iter()
        .map(|(reason, c)| count_row(format!("Lý do / Reason: {reason}"), c))
        .chain([count_row("Tổng / Total".into(), &c.total)]);
    f.table(&COUNT_COLS, COUNT_SIZE, rows.collect::<Vec<_>>());
}

fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "–".to_owned())
}

const LIST_SIZE: f32 = 6.0;

fn case_list(f: &mut Flow, cases: &[CaseRow]) {
    f.heading("Danh sách vụ việc / Case list", 40.0);
    if cases.is_empty() {
        f.para(8.0, GREY, "Không có vụ việc / No case");
        return;
    }
    let cols: [Col; 8] = [
        ("Số / No.", 0.0, 28.0),
        ("Loại / Kind", 28.0, 34.0),
        ("Tàu / Vessel", 62.0, 60.0),
        ("Tỉnh / Province", 122.0, 70.0),
        ("Nơi / Where", 192.0, 85.0),
        ("Phát hiện / Detected (UTC)", 277.0, 80.0),
        ("Trong vùng / Inside", 357.0, 57.0),
        ("Kết quả / Outcome", 414.0, WIDTH - 414.0),
    ];
    let rows = cases.iter().map(|c| {
        let where_ = match (&c.bucket, &c.country) {
            (Some(bucket), _) => bucket.clone(),
            (None, _) => format!(
                "{} {} ({})",
                opt(&c.country),
                opt(&c.zone_id),
                opt(&c.zone_class)
            ),
        };
        let inside = match (c.hours_inside, c.max_inside_nm) {
            (None, None) => "–".to_owned(),
            (h, nm) => format!(
                "{} · {}",
                h.map_or("chưa rời / not left".to_owned(), |h| format!("{h} h")),
                nm.map_or("–".to_owned(), |nm| format!("{nm} nm"))
            ),
        };
        let mut outcome = c.status.clone();
        if let Some(reason) = &c.closed_reason {
            outcome.push_str(&format!(": {reason}"));
        }
        if let Some(s) = &c.sanction {
            outcome.push_str(&format!(
                "; QĐ / decision {} {} {} đ{}",
                s.decision_number,
                s.decided_on,
                s.amount_vnd,
                if s.paid {
                    ", đã nộp / paid"
                } else {
                    ", chưa nộp / unpaid"
                }
            ));
        }
        vec![
            c.id.to_string(),
            c.kind.clone(),
            c.registration.clone().unwrap_or_else(|| opt(&c.vessel)),
            opt(&c.province),
            where_,
            crate::iuu::ser::rfc3339(c.detected_at),
            inside,
            outcome,
        ]
    });
    f.table(&cols, LIST_SIZE, rows);
}

fn detention_list(f: &mut Flow, detentions: &[DetentionRow]) {
    f.heading("Danh sách tàu bị bắt giữ / Detention list", 40.0);
    if detentions.is_empty() {
        f.para(8.0, GREY, "Không có / None");
        return;
    }
    let cols: [Col; 8] = [
        ("Số lãnh sự / Consular no.", 0.0, 45.0),
        ("Tàu / Vessel", 45.0, 75.0),
        ("Tỉnh / Province", 120.0, 65.0),
        ("Nước / Country", 185.0, 40.0),
        ("Bắt giữ / Detained (UTC)", 225.0, 82.0),
        ("Vị trí / Position", 307.0, 80.0),
        ("Tình trạng / Status", 387.0, 78.0),
        ("Thuyền viên / Crew", 465.0, WIDTH - 465.0),
    ];
    let rows = detentions.iter().map(|d| {
        vec![
            d.id.to_string(),
            d.registration.clone().unwrap_or_else(|| opt(&d.vessel)),
            opt(&d.province),
            opt(&d.country),
            crate::iuu::ser::rfc3339(d.detained_at),
            d.position.map_or("–".to_owned(), |[lon, lat]| {
                format!("{lat:.4} N {lon:.4} E")
            }),
            d.status.clone(),
            d.crew_count.to_string(),
        ]
    });
    f.table(&cols, LIST_SIZE, rows);
}

/// Whether a vessel goes in the PDF's annex.
fn noteworthy(a: &AnnexRow, days: i64) -> bool {
    !a.case_ids.is_empty()
        || !a.detention_ids.is_empty()
        || a.positions < POSITIONS_PER_DAY * days.unsigned_abs()
}

fn annex(f: &mut Flow, r: &IuuReport) {
    f.heading("Phụ lục theo tàu / Annex per vessel", 40.0);
    let listed: Vec<&AnnexRow> = r
        .annex
        .iter()
        .filter(|a| noteworthy(a, r.period.days))
        .collect();
    f.para(
        7.5,
        GREY,
        &format!(
            "Chỉ liệt kê {} trong {} tàu: tàu có vụ việc hoặc bị bắt giữ, hoặc trung bình dưới \
             {POSITIONS_PER_DAY} vị trí/ngày. Phụ lục đầy đủ ở tệp annex.csv của bản xuất CSV. \
             / Listed: {} of {} vessels, those with cases or detentions or fewer than \
             {POSITIONS_PER_DAY} positions a day on average. The full annex is in the CSV \
             export (annex.csv).",
            listed.len(),
            r.annex.len(),
            listed.len(),
            r.annex.len()
        ),
    );
    f.y += 4.0;
    let cols: [Col; 10] = [
        ("Số đăng ký / Registration", 0.0, 56.0),
        ("MMSI", 56.0, 40.0),
        ("Tên / Name", 96.0, 80.0),
        ("Tỉnh / Province", 176.0, 70.0),
        ("Dài / Length (m)", 246.0, 26.0),
        ("VMS", 272.0, 36.0),
        ("Vị trí / Positions", 308.0, 32.0),
        ("/ngày / a day", 340.0, 28.0),
        ("Vụ việc / Cases", 368.0, 90.0),
        ("Bắt giữ / Detentions", 458.0, WIDTH - 458.0),
    ];
    let join = |ids: &[i64]| {
        ids.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let rows = listed.iter().map(|a| {
        vec![
            a.registration.clone(),
            a.mmsi.clone().unwrap_or_else(|| "–".to_owned()),
            a.name.clone(),
            a.province.clone(),
            a.length_m.to_string(),
            if a.has_vms { "có/yes" } else { "không/no" }.to_owned(),
            a.positions.to_string(),
            a.positions_per_day.to_string(),
            join(&a.case_ids),
            join(&a.detention_ids),
        ]
    });
    f.table(&cols, LIST_SIZE, rows);
}

fn consistency(f: &mut Flow, r: &IuuReport) {
    f.heading("Kiểm tra nhất quán / Consistency", 30.0);
    f.para(
        7.5,
        GREY,
        "Mỗi tổng bằng tổng các phần, mỗi vụ việc được đếm một lần trong mỗi phân loại. / \
         Each total equals the sum of its parts; each case is counted once in each breakdown.",
    );
    f.y += 4.0;
    let cols: [Col; 4] = [
        ("Kiểm tra / Check", 0.0, 260.0),
        ("Tổng / Total", 260.0, 60.0),
        ("Tổng các phần / Sum of parts", 320.0, 90.0),
        ("Kết quả / Result", 410.0, WIDTH - 410.0),
    ];
    let rows = r.consistency.checks.iter().map(|c| {
        vec![
            c.check.clone(),
            c.total.to_string(),
            c.sum_of_parts.to_string(),
            if c.ok {
                "đạt / ok"
            } else {
                "KHÔNG ĐẠT / FAILED"
            }
            .to_owned(),
        ]
    });
    f.table(&cols, COUNT_SIZE, rows);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{rich, vessel};
    use crate::iuu::{IuuInput, ReportCase, iuu_report};
    use crate::layout::pdftotext;

    fn flat(pdf: &[u8]) -> (String, usize) {
        let text = pdftotext(pdf);
        let pages = text.matches('\u{c}').count();
        (text.split_whitespace().collect::<Vec<_>>().join(" "), pages)
    }

    #[test]
    fn the_pdf_reads_back_with_headings_counts_ids_and_diacritics() {
        let mut input = rich();
        input
            .fleet
            .push(vessel("KH-9", None, 30.0, "Khánh Hòa", true, 1000));
        let report = iuu_report(&input).unwrap();
        let pdf = iuu_report_pdf(&report).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        // krilla writes no date and derives the document's ids from its content.
        assert_eq!(pdf, iuu_report_pdf(&report).unwrap(), "the same bytes");
        let (text, pages) = flat(&pdf);
        for expected in [
            "Báo cáo tuân thủ IUU / IUU compliance report",
            "Kỳ báo cáo / Period: 2026-03-01 – 2026-03-31 (31 ngày / days)",
            "Tỉnh / Province: toàn quốc / whole country",
            "Lưu ý / Notice",
            "Ranh giới vùng biển là gần đúng, không phải đường ranh giới pháp lý",
            "Đội tàu / Fleet",
            "Mất kết nối VMS / VMS loss",
            "Vượt ranh giới / Boundary cases",
            "Tàu bị bắt giữ ở nước ngoài / Detentions abroad",
            "Đóng không xử phạt / Closed without sanction",
            "Danh sách vụ việc / Case list",
            "Danh sách tàu bị bắt giữ / Detention list",
            "Phụ lục theo tàu / Annex per vessel",
            "Kiểm tra nhất quán / Consistency",
            // Counts with their ids.
            "Tàu trong sổ đăng ký / Registered 7 BR-9, CM-1, KH-1, KH-2, KH-3, KH-9, QN-4",
            "Tổng / Total 4 1, 2, 5, 11",
            "trên 10 ngày / over_10d: tổng / total 2 2, 11",
            "PHL · loại vùng / class: vùng chưa phân định / undelimited 1 6",
            "Tổng / Total 5 3, 4, 6, 9, 10",
            "THA · detained 1 12",
            "Tổng / Total 4 7, 8, 12, 13",
            "Lý do / Reason: force_majeure 1 4",
            // The case list, with diacritics and the sanction.
            "QĐ-12/2026, lần 2",
            "Bà Rịa – Vũng Tàu",
            "Quảng Ngãi",
            "Khánh Hòa",
            "insufficient evidence, \"see file\" line 2",
            "2026-03-14T22:15:30Z",
            // The annex: only the vessels to look at, and where the rest is.
            "Listed: 6 of 7 vessels",
            "The full annex is in the CSV export (annex.csv)",
            "Tàu \"Biển Đông\", số 9",
            "đạt / ok",
        ] {
            assert!(text.contains(expected), "{expected:?} not in:\n{text}");
        }
        assert!(
            !text.contains("Tàu KH-9"),
            "a vessel in order is not listed"
        );
        assert!(
            text.contains(&format!("· 1/{pages}")),
            "the footer counts pages"
        );

        input.province = Some("Bà Rịa – Vũng Tàu".into());
        let (text, _) = flat(&iuu_report_pdf(&iuu_report(&input).unwrap()).unwrap());
        for expected in [
            "Tỉnh / Province: Bà Rịa – Vũng Tàu",
            "Tàu trong sổ đăng ký / Registered 1 BR-9",
            "Tổng / Total 1 12",
            "· Bà Rịa – Vũng Tàu · 1/",
        ] {
            assert!(text.contains(expected), "{expected:?} not in:\n{text}");
        }
    }

    fn many(cases: i64) -> IuuInput {
        let mut input = rich();
        let first = input.cases[0].clone();
        input.cases.extend((0..cases).map(|i| ReportCase {
            id: 10_000 + i,
            ..first.clone()
        }));
        input
    }

    #[test]
    fn long_id_lists_wrap_and_the_case_list_runs_over_pages() {
        let report = iuu_report(&many(600)).unwrap();
        let (text, pages) = flat(&iuu_report_pdf(&report).unwrap());
        assert!(pages >= 8, "{pages} pages");
        // Every id of the longest list, and every case of the list.
        for id in [10_000, 10_300, 10_599] {
            assert!(text.contains(&format!(" {id}")), "{id} in the ids");
        }
        assert!(text.contains("10599 vms_loss KH-2"), "the last case listed");
        // The list's column headings again on each page it runs on.
        assert!(text.matches("Phát hiện / Detected (UTC)").count() >= 5);
    }

    /// The time and size of a national report's exports (30,000 vessels, 5,000 cases,
    /// 200 detentions). Run it optimised:
    /// `cargo test --release -p haidang-report national -- --ignored --nocapture`.
    #[test]
    #[ignore = "a measurement: run it with --release"]
    fn national_report_time_and_size() {
        use std::time::Instant;
        let input = crate::fixture::national(30_000, 5_000);
        let t = Instant::now();
        let report = iuu_report(&input).unwrap();
        println!("iuu_report: {:?}", t.elapsed());
        let t = Instant::now();
        let json = serde_json::to_string_pretty(&report).unwrap();
        println!("JSON: {:?}, {} bytes", t.elapsed(), json.len());
        let t = Instant::now();
        let zip = crate::iuu_report_csv_zip(&report).unwrap();
        println!("CSV ZIP: {:?}, {} bytes", t.elapsed(), zip.len());
        let t = Instant::now();
        let geojson = crate::iuu_report_geojson(&report);
        println!("GeoJSON: {:?}, {} bytes", t.elapsed(), geojson.len());
        let t = Instant::now();
        let pdf = iuu_report_pdf(&report).unwrap();
        let listed = report
            .annex
            .iter()
            .filter(|a| noteworthy(a, report.period.days))
            .count();
        println!(
            "PDF: {:?}, {} bytes, annex {listed} of {} vessels",
            t.elapsed(),
            pdf.len(),
            report.annex.len()
        );
        let text = pdftotext(&pdf);
        let pages: Vec<&str> = text.split('\u{c}').collect();
        println!("PDF pages: {}", pages.len() - 1);
        for heading in [
            "Mất kết nối VMS / VMS loss",
            "Vượt ranh giới / Boundary cases",
            "Danh sách vụ việc / Case list",
            "Danh sách tàu bị bắt giữ / Detention list",
            "Phụ lục theo tàu / Annex per vessel",
            "Kiểm tra nhất quán / Consistency",
        ] {
            let page = pages.iter().position(|p| p.contains(heading));
            println!("  {heading}: page {:?}", page.map(|p| p + 1));
        }
    }
}
