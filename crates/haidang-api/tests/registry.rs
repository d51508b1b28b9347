//! The fleet register through the router: import, re-import with history, dry runs, and
//! the errors a clerk with a spreadsheet would meet.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use support::{app, check_problem, get, get_ok, json_reply};

const HEADER: &str = "registration_number,mmsi,name,length_m,gear,province,owner,vms_provider,vms_device_id,licence_valid_from,licence_valid_to";

fn csv(uri: &str, rows: &str) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "text/csv; charset=utf-8")
        .body(Body::from(format!("{HEADER}\n{rows}")))
        .unwrap()
}

#[tokio::test]
async fn an_import_stores_the_valid_rows_lists_the_refused_and_keeps_history() {
    let app = app(None).await;
    let first = "KH-90001-TS,574100001,Hải Đăng 1,\"15,5\",lưới vây,Khánh Hòa,Nguyễn Văn A,VNPT,D1,2026-01-01,2026-12-31\n\
                 KH-90002-TS,,Hải Đăng 2,12,,Khánh Hòa,,,,,\n\
                 KH-90003-TS,12345,Hải Đăng 3,-4,,Khánh Hòa,,,,,\n";
    let report = json_reply(&app, csv("/api/v1/registry", first), StatusCode::OK).await;
    assert_eq!(report["dry_run"], false);
    assert_eq!(
        (
            &report["rows"],
            &report["inserted"],
            &report["updated"],
            &report["rejected"]
        ),
        (&3.into(), &2.into(), &0.into(), &1.into()),
        "{report}"
    );
    let refused = &report["errors"][0];
    assert_eq!(refused["line"], 4);
    assert_eq!(refused["registration"], "KH-90003-TS");
    let problems = refused["problems"].to_string();
    assert!(
        problems.contains("mmsi") && problems.contains("length_m"),
        "{problems}"
    );

    let one = get_ok(&app, "/api/v1/registry/kh-90001-ts").await;
    assert_eq!(one["current"]["name"], "Hải Đăng 1");
    assert_eq!(one["current"]["length_m"], 15.5);
    assert_eq!(one["current"]["mmsi"], "574100001");
    assert_eq!(one["current"]["licence_valid_to"], "2026-12-31");

    // A dry run checks and stores nothing.
    let renamed = "KH-90001-TS,574100001,Hải Đăng Mới,\"15,5\",lưới vây,Khánh Hòa,Nguyễn Văn A,VNPT,D1,2026-01-01,2026-12-31\n";
    let dry = json_reply(
        &app,
        csv("/api/v1/registry?dry_run=true", renamed),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (&dry["dry_run"], &dry["import_id"], &dry["valid"]),
        (&true.into(), &serde_json::Value::Null, &1.into())
    );
    assert_eq!(
        get_ok(&app, "/api/v1/registry/KH-90001-TS").await["history"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // The real one supersedes the entry and keeps the old one.
    let again = json_reply(&app, csv("/api/v1/registry", renamed), StatusCode::OK).await;
    assert_eq!(
        (&again["inserted"], &again["updated"], &again["unchanged"]),
        (&0.into(), &1.into(), &0.into())
    );
    let one = get_ok(&app, "/api/v1/registry/KH-90001-TS").await;
    let history = one["history"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0]["name"], "Hải Đăng 1");
    assert_eq!(history[0]["superseded_at"], history[1]["valid_from"]);
    assert_eq!(history[1]["superseded_at"], serde_json::Value::Null);
    assert_eq!(one["current"]["name"], "Hải Đăng Mới");
    // Untouched by a file that does not name it.
    assert_eq!(
        get_ok(&app, "/api/v1/registry/KH-90002-TS").await["history"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn files_and_requests_refused_whole_say_why() {
    let app = app(None).await;
    let not_csv = Request::post("/api/v1/registry")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{}"))
        .unwrap();
    check_problem(
        &app,
        not_csv,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "text/csv",
    )
    .await;
    let no_length = Request::post("/api/v1/registry")
        .header(header::CONTENT_TYPE, "text/csv")
        .body(Body::from("registration_number,name,province\nKH-1,A,KH\n"))
        .unwrap();
    check_problem(
        &app,
        no_length,
        StatusCode::UNPROCESSABLE_ENTITY,
        "lacks the required column(s) length_m",
    )
    .await;
    let too_big = Request::post("/api/v1/registry")
        .header(header::CONTENT_TYPE, "text/csv")
        .body(Body::from(vec![
            b'a';
            haidang_api::MAX_REGISTRY_BODY_BYTES + 1
        ]))
        .unwrap();
    check_problem(&app, too_big, StatusCode::PAYLOAD_TOO_LARGE, "larger than").await;
    check_problem(
        &app,
        get("/api/v1/registry/KH-00000-XX"),
        StatusCode::NOT_FOUND,
        "no register entry for KH-00000-XX",
    )
    .await;
    check_problem(
        &app,
        csv("/api/v1/registry?dry=1", ""),
        StatusCode::BAD_REQUEST,
        "dry",
    )
    .await;
}

#[tokio::test]
async fn only_national_fisheries_accounts_and_admins_import() {
    let app = app(None).await;
    let rows = "KH-1,,A,12,,Khánh Hòa,,,,,\n";
    for (account, status) in [
        ("operator", StatusCode::FORBIDDEN),
        ("fisheries-ca-mau", StatusCode::FORBIDDEN),
        ("fisheries", StatusCode::OK),
    ] {
        let reply = support::send(
            &app,
            support::as_account(account, csv("/api/v1/registry", rows)),
        )
        .await;
        assert_eq!(
            reply.status,
            status,
            "{account}: {}",
            String::from_utf8_lossy(&reply.body)
        );
    }
}
