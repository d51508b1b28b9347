//! `haidang registry import` as a fisheries clerk runs it: the answer, the exit status,
//! and a re-import that changes one vessel.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn import(dir: &Path, csv: &str, extra: &[&str]) -> (Option<i32>, Value) {
    let file = dir.join("register.csv");
    std::fs::write(&file, csv).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_haidang"))
        .args(["registry", "import"])
        .arg(&file)
        .arg("--database-url")
        .arg(format!("sqlite:{}", dir.join("data/haidang.db").display()))
        .args(extra)
        .env_remove("HAIDANG_DATABASE_URL")
        .output()
        .expect("haidang runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let json = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    assert!(json.is_object() || !output.status.success(), "{stderr}");
    (output.status.code(), json)
}

#[test]
fn imports_report_refused_rows_in_the_exit_status_and_re_imports_supersede() {
    let dir = std::env::temp_dir().join(format!("haidang-registry-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let header = "registration_number,mmsi,name,length_m,province\n";
    let good =
        format!("{header}KH-1,574100001,Hải Đăng 1,15,Khánh Hòa\nKH-2,,Hải Đăng 2,9.5,Khánh Hòa\n");

    let (code, dry) = import(&dir, &good, &["--dry-run"]);
    assert_eq!(
        (code, &dry["dry_run"], &dry["valid"]),
        (Some(0), &true.into(), &2.into())
    );
    let (code, first) = import(&dir, &good, &[]);
    assert_eq!((code, &first["inserted"]), (Some(0), &2.into()), "{first}");

    let changed =
        format!("{header}KH-1,574100001,Hải Đăng Mới,15,Khánh Hòa\nKH-3,,X,-1,Khánh Hòa\n");
    let (code, second) = import(&dir, &changed, &[]);
    assert_eq!(code, Some(2), "a refused row makes the status 2: {second}");
    assert_eq!(
        (&second["updated"], &second["rejected"]),
        (&1.into(), &1.into())
    );
    assert_eq!(second["errors"][0]["line"], 3);

    let (code, refused) = import(&dir, "name,province\nA,B\n", &[]);
    assert_eq!(
        (code, refused),
        (Some(1), Value::Null),
        "a file without its columns is refused whole"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_iuu_report_counts_the_register_and_is_the_same_twice() {
    let dir = std::env::temp_dir().join(format!("haidang-report-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let csv = "registration_number,name,length_m,province,vms_provider\n\
               KH-1,A,24,Khánh Hòa,VNPT\nKH-2,B,12,Khánh Hòa,\nCM-1,C,18,Cà Mau,Viettel\n";
    let (code, _) = import(&dir, csv, &[]);
    assert_eq!(code, Some(0));
    let report = |extra: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_haidang"))
            .args([
                "report",
                "iuu",
                "--from",
                "2026-03-01",
                "--to",
                "2026-03-31",
            ])
            .arg("--database-url")
            .arg(format!("sqlite:{}", dir.join("data/haidang.db").display()))
            .args(extra)
            .env_remove("HAIDANG_DATABASE_URL")
            .output()
            .expect("haidang runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        output.stdout
    };
    let first = report(&[]);
    assert_eq!(first, report(&[]), "byte-identical");
    let json: Value = serde_json::from_slice(&first).unwrap();
    assert_eq!(json["period"]["days"], 31);
    assert_eq!(
        json["fleet"]["registered"]["ids"],
        serde_json::json!(["CM-1", "KH-1", "KH-2"])
    );
    assert_eq!(json["fleet"]["length_15m_or_more"]["count"], 2);
    assert_eq!(
        json["fleet"]["with_vms"]["ids"],
        serde_json::json!(["CM-1", "KH-1"])
    );
    assert_eq!(json["consistency"]["ok"], true);
    let one: Value = serde_json::from_slice(&report(&["--province", "Cà Mau"])).unwrap();
    assert_eq!(
        one["fleet"]["registered"]["ids"],
        serde_json::json!(["CM-1"])
    );
    // The same province however it is typed.
    let typed: Value = serde_json::from_slice(&report(&["--province", "ca-mau"])).unwrap();
    assert_eq!(typed["annex"], one["annex"]);
    // The exports, to a file: a ZIP, a PDF.
    for (format, magic) in [("csv", &b"PK\x03\x04"[..]), ("pdf", &b"%PDF-"[..])] {
        let path = dir.join(format!("report.{format}"));
        let out = report(&["--format", format, "--output", path.to_str().unwrap()]);
        assert!(out.is_empty());
        let bytes = std::fs::read(&path).unwrap();
        assert!(bytes.starts_with(magic), "{format}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
