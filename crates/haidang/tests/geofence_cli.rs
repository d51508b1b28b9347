//! End-to-end tests of `haidang geofence`: the built binary on the shipped zone set.

use std::io::Write;
use std::process::{Command, Stdio};

fn run(args: &[&str], stdin: &str) -> (String, String, bool) {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let mut child = Command::new(env!("CARGO_BIN_EXE_haidang"))
        .current_dir(root)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A run rejected on its arguments exits without reading its input.
    if let Err(e) = child.stdin.take().unwrap().write_all(stdin.as_bytes()) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    let out = child.wait_with_output().unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.success(),
    )
}

#[test]
fn classify_north_of_natuna() {
    let fix = r#"{"vessel":"574001234","t":"2026-11-23T02:00:00Z","lon":108.10,"lat":4.80}"#;
    let (stdout, stderr, ok) = run(
        &["geofence", "--zones", "geodata/zones.geojson", "--classify"],
        fix,
    );
    assert!(ok, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(v["vessel"], "574001234");
    assert_eq!(v["t"], "2026-11-23T02:00:00Z");
    assert_eq!(v["zones"], serde_json::json!(["foreign-idn"]));
    let nearest = v["nearest"].as_array().unwrap();
    assert_eq!(nearest.len(), 1, "{stdout}");
    assert_eq!(nearest[0]["zone"], "foreign-idn");
    assert_eq!(nearest[0]["class"], "foreign");
    // 5.5 nm to the nearest edge of the Indonesian zone (the Natuna Besar coast).
    let d = nearest[0]["distance_m"].as_f64().unwrap();
    assert!((10_000.0..10_500.0).contains(&d), "{d}");
}

#[test]
fn classify_on_the_vietnamese_side_of_the_2003_line() {
    let fix = r#"{"vessel":"v","t":"2026-11-23T02:00:00+07:00","lon":106.5,"lat":6.45}"#;
    let (stdout, stderr, ok) = run(
        &["geofence", "--zones", "geodata/zones.geojson", "--classify"],
        fix,
    );
    assert!(ok, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(
        v["zones"],
        serde_json::json!(["undelimited-vn-id-eez-pending"])
    );
    let zones: Vec<&str> = v["nearest"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["zone"].as_str().unwrap())
        .collect();
    assert_eq!(zones, ["undelimited-vn-id-eez-pending", "foreign-idn"]);
}

#[test]
fn events_and_bad_lines() {
    let input = [
        r#"{"vessel":"a","t":"2026-11-23T00:00:00Z","lon":106.5,"lat":6.9}"#,
        r#"{"vessel":"a","t":"2026-11-23T01:00:00Z","lon":106.5,"lat":6.6}"#,
        "not json",
        r#"{"vessel":"a","t":"yesterday","lon":106.5,"lat":6.6}"#,
        r#"{"vessel":"a","t":"2026-11-23T02:00:00Z","lon":106.5,"lat":6.45}"#,
        r#"{"vessel":"a","t":"2026-11-23T03:00:00Z","lon":106.5,"lat":6.44}"#,
        r#"{"vessel":"a","t":"2026-11-23T04:00:00Z","lon":106.5,"lat":6.43}"#,
        r#"{"vessel":"a","t":"2026-11-22T04:00:00Z","lon":0.0,"lat":0.0}"#,
        r#"{"vessel":"a","t":"2026-11-23T05:00:00Z","lon":200.0,"lat":6.43}"#,
    ]
    .join("\n");
    let (stdout, stderr, ok) = run(&["geofence", "--zones", "geodata/zones.geojson"], &input);
    assert!(ok, "{stderr}");
    let events: Vec<String> = stdout
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            format!(
                "{} {} {} {}",
                &v["t"].as_str().unwrap()[11..13],
                v["event"].as_str().unwrap(),
                v["zone"].as_str().unwrap(),
                v["class"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        events,
        [
            "00 enter vn-eez vn_eez",
            "01 approach undelimited-vn-id-eez-pending undelimited",
            "02 approach foreign-idn foreign",
            "04 exit vn-eez vn_eez",
            "04 enter undelimited-vn-id-eez-pending undelimited",
        ],
        "{stdout}"
    );
    assert!(stderr.contains("line 3: not JSON"), "{stderr}");
    assert!(stderr.contains("line 4: \"t\" is not RFC 3339"), "{stderr}");
    assert!(stderr.contains("line 9: position out of range"), "{stderr}");
    assert!(stderr.contains("3 rejected, 1 older"), "{stderr}");
}

#[test]
fn vessels_are_forgotten_after_a_week_of_fix_time() {
    let input = [
        r#"{"vessel":"a","t":"2026-11-01T00:00:00Z","lon":108.10,"lat":4.80}"#,
        r#"{"vessel":"a","t":"2026-11-09T00:00:00Z","lon":108.10,"lat":4.80}"#,
    ]
    .join("\n");
    let enters = |args: &[&str]| {
        let (stdout, stderr, ok) = run(args, &input);
        assert!(ok, "{stderr}");
        stdout
            .lines()
            .filter(|l| l.contains(r#""event":"enter""#))
            .count()
    };
    // Eight days apart: by default (7 days) the second fix is a first fix again.
    assert_eq!(enters(&["geofence", "--zones", "geodata/zones.geojson"]), 2);
    assert_eq!(
        enters(&[
            "geofence",
            "--zones",
            "geodata/zones.geojson",
            "--forget-after-hours",
            "200"
        ]),
        1
    );
}

#[test]
fn classify_with_lines_north_of_natuna() {
    // North of Natuna Besar and 0.15 degree south of the 2003 continental-shelf line, whose
    // segment there runs from (106.660464, 6.349967) to (109.286944, 6.8375).
    let fix = r#"{"vessel":"v","t":"2026-11-23T02:00:00Z","lon":108.0,"lat":6.45}"#;
    let (stdout, stderr, ok) = run(
        &[
            "geofence",
            "--zones",
            "geodata/zones.geojson",
            "--classify",
            "--lines",
            "geodata/lines.geojson",
        ],
        fix,
    );
    assert!(ok, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(v["zones"], serde_json::json!(["foreign-idn"]));
    let lines = v["lines"].as_array().unwrap();
    let found: Vec<(&str, &str)> = lines
        .iter()
        .map(|l| (l["line"].as_str().unwrap(), l["kind"].as_str().unwrap()))
        .collect();
    // The treaty line and Marine Regions' copy of it, and nothing else within 20 nm.
    assert_eq!(
        found,
        [("mr-1330", "treaty"), ("vn-id-cs-boundary-2003", "treaty")],
        "{stdout}"
    );
    // The cross-track distance to that great circle on the mean sphere, computed apart:
    // 16,444.9 m (8.9 nm).
    let d = lines[1]["distance_m"].as_f64().unwrap();
    assert!((d - 16_444.9).abs() <= 0.2, "{d}");

    // Without --lines the record has no "lines" key; --lines needs --classify.
    let (stdout, _, ok) = run(
        &["geofence", "--zones", "geodata/zones.geojson", "--classify"],
        fix,
    );
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert!(v.get("lines").is_none(), "{stdout}");
    let (_, stderr, ok) = run(
        &[
            "geofence",
            "--zones",
            "geodata/zones.geojson",
            "--lines",
            "geodata/lines.geojson",
        ],
        fix,
    );
    assert!(!ok && stderr.contains("--classify"), "{stderr}");
}
