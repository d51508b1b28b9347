//! The report fixtures the tests share: a small register with Vietnamese names, cases of
//! both kinds and detentions abroad.

use time::macros::{date, datetime};

use crate::iuu::{Detention, FleetVessel, IuuInput, ReportCase, ReportSanction};

pub(crate) fn vessel(
    reg: &str,
    mmsi: Option<u32>,
    length_m: f32,
    province: &str,
    vms: bool,
    positions: u64,
) -> FleetVessel {
    FleetVessel {
        name: format!("Tàu {reg}"),
        registration: reg.into(),
        mmsi,
        length_m,
        province: province.into(),
        has_vms: vms,
        positions,
    }
}

pub(crate) fn case(
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
        zone_id: (!loss).then(|| format!("{bucket_or_country}-eez")),
        country: (!loss).then(|| bucket_or_country.into()),
        zone_class: (!loss).then(|| "foreign".into()),
        status: status.into(),
        closed_reason: reason.map(Into::into),
        sanction: None,
        detected_at: datetime!(2026-03-10 00:00 UTC),
        position: Some((109.5, 6.25)),
        left_at: (!loss).then_some(datetime!(2026-03-10 07:30 UTC)),
        max_inside_m: (!loss).then_some(4_630.0),
    }
}

pub(crate) fn input(province: Option<&str>) -> IuuInput {
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
        detentions: vec![
            Detention {
                id: 7,
                vessel: Some("reg:KH-3".into()),
                country: Some("IDN".into()),
                province: None,
                detained_at: datetime!(2026-03-12 04:00 UTC),
                position: Some((108.9, 4.1)),
                status: "consular_access".into(),
                crew_count: 9,
            },
            Detention {
                id: 8,
                vessel: None,
                country: Some("MYS".into()),
                province: Some("Cà Mau".into()),
                detained_at: datetime!(2026-03-20 04:00 UTC),
                position: None,
                status: "reported".into(),
                crew_count: 0,
            },
        ],
    }
}

/// [`input`] and more: a name with a comma and quotes, a name on two lines, a reason with a
/// comma, quotes and a newline, five countries, both zone classes, sanctions, and cases and
/// detentions without a position.
pub(crate) fn rich() -> IuuInput {
    let mut input = input(None);
    input.fleet.push(FleetVessel {
        name: "Tàu \"Biển Đông\", số 9".into(),
        ..vessel(
            "BR-9",
            Some(574_100_009),
            20.0,
            "Bà Rịa – Vũng Tàu",
            true,
            100,
        )
    });
    input.fleet.push(FleetVessel {
        name: "Hải Đăng 4\ndòng hai".into(),
        ..vessel("QN-4", None, 26.0, "Quảng Ngãi", true, 5000)
    });
    input.cases[1].sanction = Some(ReportSanction {
        decision_number: "QĐ-3/2026".into(),
        amount_vnd: 75_000_000,
        decided_on: date!(2026 - 03 - 20),
        paid: true,
    });
    let mut philippines = case(6, "boundary", "mmsi:574100009", "PHL", "sanctioned", None);
    philippines.zone_class = Some("undelimited".into());
    philippines.zone_id = Some("vn-ph-undelimited".into());
    philippines.position = Some((116.75, 10.5));
    philippines.detected_at = datetime!(2026-03-14 22:15:30 UTC);
    philippines.left_at = None;
    philippines.sanction = Some(ReportSanction {
        decision_number: "QĐ-12/2026, lần 2".into(),
        amount_vnd: 250_000_000,
        decided_on: date!(2026 - 03 - 25),
        paid: false,
    });
    let mut china = case(9, "boundary", "reg:QN-4", "CHN", "detected", None);
    china.position = None;
    let thailand = case(
        10,
        "boundary",
        "reg:QN-4",
        "THA",
        "closed",
        Some("insufficient evidence, \"see file\"\nline 2"),
    );
    let mut silent = case(11, "vms_loss", "reg:BR-9", "over_10d", "verified", None);
    silent.position = None;
    input.cases.extend([philippines, china, thailand, silent]);
    input.detentions.push(Detention {
        id: 12,
        vessel: Some("reg:BR-9".into()),
        country: Some("THA".into()),
        province: None,
        detained_at: datetime!(2026-03-22 09:45 UTC),
        position: Some((101.5, 8.25)),
        status: "detained".into(),
        crew_count: 11,
    });
    input.detentions.push(Detention {
        id: 13,
        vessel: Some("reg:QN-4".into()),
        country: Some("PHL".into()),
        province: None,
        detained_at: datetime!(2026-03-28 01:00 UTC),
        position: Some((117.25, 10.125)),
        status: "repatriated".into(),
        crew_count: 6,
    });
    input
}

/// A national report's size: `vessels` vessels over the coastal provinces (about one in
/// fourteen under 12 positions a day), `cases` cases of both kinds over six countries,
/// and a detention for every 25 cases.
pub(crate) fn national(vessels: usize, cases: usize) -> IuuInput {
    const PROVINCES: [&str; 8] = [
        "Kiên Giang",
        "Cà Mau",
        "Bình Định",
        "Quảng Ngãi",
        "Khánh Hòa",
        "Bà Rịa – Vũng Tàu",
        "Thừa Thiên Huế",
        "Hải Phòng",
    ];
    const COUNTRIES: [&str; 6] = ["IDN", "MYS", "PHL", "CHN", "THA", "KHM"];
    const STATUSES: [&str; 4] = ["detected", "verified", "sanctioned", "closed"];
    let fleet: Vec<FleetVessel> = (0..vessels)
        .map(|i| FleetVessel {
            name: format!("Hải Đăng {i}"),
            ..vessel(
                &format!("VN-{i:05}-TS"),
                (i % 3 == 0).then_some(574_000_000 + i as u32),
                8.0 + (i % 23) as f32,
                PROVINCES[i % PROVINCES.len()],
                i % 23 >= 7,
                if i % 14 == 0 {
                    (i % 300) as u64
                } else {
                    400 + (i % 600) as u64
                },
            )
        })
        .collect();
    let reg = |i: usize| format!("reg:VN-{:05}-TS", (i * 7) % vessels.max(1));
    let cases = (0..cases)
        .map(|i| {
            let status = STATUSES[i % STATUSES.len()];
            let reason = (status == "closed").then_some("provider_outage");
            let mut c = if i % 5 < 3 {
                case(
                    i as i64 + 1,
                    "vms_loss",
                    &reg(i),
                    ["6h_10d", "over_10d"][i % 2],
                    status,
                    reason,
                )
            } else {
                case(
                    i as i64 + 1,
                    "boundary",
                    &reg(i),
                    COUNTRIES[i % COUNTRIES.len()],
                    status,
                    reason,
                )
            };
            if i % 10 == 9 {
                c.position = None;
            }
            c
        })
        .collect::<Vec<_>>();
    let detentions = (0..cases.len() / 25)
        .map(|i| Detention {
            id: i as i64 + 1,
            vessel: Some(reg(i * 3)),
            country: Some(COUNTRIES[i % COUNTRIES.len()].into()),
            province: None,
            detained_at: datetime!(2026-03-12 04:00 UTC),
            position: Some((108.9, 4.1)),
            status: "consular_access".into(),
            crew_count: 9,
        })
        .collect();
    IuuInput {
        from: date!(2026 - 03 - 01),
        to: date!(2026 - 04 - 01),
        province: None,
        fleet,
        cases,
        detentions,
    }
}
