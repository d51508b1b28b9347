//! Access control through the router: a role × endpoint × object matrix generated from one
//! table (allowed cells answer as the route does, the others 401, 403 or 404, and no crew
//! field reaches an account not allowed it; one access-log row per answer that carried
//! crew data), every documented route refused to anonymous callers unless public, and the
//! login, session cookie, logout and lockout.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use haidang_api::SESSION_COOKIE;
use haidang_store::{CaseScope, NewAccount, NewCase, NewCrewMember, Role};
use serde_json::{Value, json};
use support::{App, TOKENS, anonymous, app, as_account, get, post_json, send};

/// The crew's personal data as recorded: none of these may reach an account that is not
/// allowed crew data.
const CREW_VALUES: [&str; 5] = [
    "Nguyễn Văn Tèo",
    "079085001234",
    "+84 90 123 4567",
    "1985-04-30",
    "Sông Đốc",
];

fn crew_member() -> NewCrewMember {
    NewCrewMember {
        name: CREW_VALUES[0].into(),
        id_number: Some(CREW_VALUES[1].into()),
        family_contact: Some(CREW_VALUES[2].into()),
        date_of_birth: Some(CREW_VALUES[3].into()),
        home_town: Some(format!("{}, Cà Mau", CREW_VALUES[4])),
    }
}

/// Which object a request is about: case A (mission Jakarta, province Cà Mau), case B
/// (mission Manila, province Khánh Hòa), or none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Object {
    None,
    A,
    B,
}

/// One endpoint of the matrix: the roles allowed it (by the authorisation rules, stated
/// here independently of the implementation's table), whether its answer is scoped to
/// the caller's cases, and what an allowed call answers.
struct Endpoint {
    method: &'static str,
    /// `{case}` is replaced by the object's id.
    path: &'static str,
    body: Option<Value>,
    roles: &'static [Role],
    objects: &'static [Object],
    /// An allowed call answers this (2xx, or 404 where the route is reached with an id
    /// that does not exist).
    ok: StatusCode,
    /// Out-of-scope objects answer 404 (cases) or 403 (opening a case for another
    /// mission).
    out_of_scope: StatusCode,
}

use Role::{Admin, Consular, Device, Fisheries, Operator};

const READERS: &[Role] = &[Operator, Consular, Fisheries, Admin];
const CASE_WRITERS: &[Role] = &[Consular, Admin];

fn endpoints() -> Vec<Endpoint> {
    let crew = json!({
        "name": CREW_VALUES[0], "id_number": CREW_VALUES[1], "family_contact": CREW_VALUES[2],
        "date_of_birth": CREW_VALUES[3], "home_town": CREW_VALUES[4]
    });
    let e = |method, path, body, roles, objects: &'static [Object], ok| Endpoint {
        method,
        path,
        body,
        roles,
        objects,
        ok,
        out_of_scope: StatusCode::NOT_FOUND,
    };
    let both: &'static [Object] = &[Object::A, Object::B];
    let none: &'static [Object] = &[Object::None];
    vec![
        e(
            "GET",
            "/healthz",
            None,
            &[Operator, Consular, Fisheries, Admin, Device],
            none,
            StatusCode::OK,
        ),
        e(
            "GET",
            "/api/v1/me",
            None,
            &[Operator, Consular, Fisheries, Admin, Device],
            none,
            StatusCode::OK,
        ),
        e(
            "GET",
            "/api/v1/vessels",
            None,
            READERS,
            none,
            StatusCode::OK,
        ),
        e("GET", "/api/v1/alerts", None, READERS, none, StatusCode::OK),
        e("GET", "/api/v1/stats", None, READERS, none, StatusCode::OK),
        e(
            "GET",
            "/api/v1/openapi.json",
            None,
            READERS,
            none,
            StatusCode::OK,
        ),
        e(
            "POST",
            "/api/v1/alerts/al_000000000000000000000000/acknowledge",
            Some(json!({"by": "Lan"})),
            &[Operator, Consular, Admin],
            none,
            StatusCode::NOT_FOUND,
        ),
        e(
            "GET",
            "/api/v1/deliveries/dead",
            None,
            &[Operator, Admin],
            none,
            StatusCode::OK,
        ),
        e(
            "POST",
            "/api/v1/ingest/nmea",
            Some(json!({"batch_id": "b", "device": "d", "lines": []})),
            &[Device, Admin],
            none,
            StatusCode::OK,
        ),
        e("GET", "/api/v1/cases", None, READERS, none, StatusCode::OK),
        e(
            "GET",
            "/api/v1/cases/{case}",
            None,
            READERS,
            both,
            StatusCode::OK,
        ),
        e(
            "GET",
            "/api/v1/cases/{case}/crew?reason=matrix",
            None,
            CASE_WRITERS,
            both,
            StatusCode::OK,
        ),
        e(
            "POST",
            "/api/v1/cases/{case}/notes",
            Some(json!({"text": "called the family"})),
            CASE_WRITERS,
            both,
            StatusCode::CREATED,
        ),
        e(
            "POST",
            "/api/v1/cases/{case}/crew",
            Some(crew),
            CASE_WRITERS,
            both,
            StatusCode::CREATED,
        ),
        Endpoint {
            out_of_scope: StatusCode::FORBIDDEN,
            ..e(
                "POST",
                "/api/v1/cases",
                Some(json!({"mission": "{mission}", "detaining_country": "IDN"})),
                CASE_WRITERS,
                both,
                StatusCode::CREATED,
            )
        },
        e("GET", "/api/v1/audit", None, &[Admin], none, StatusCode::OK),
        e(
            "GET",
            "/api/v1/compliance/cases",
            None,
            &[Operator, Fisheries, Admin],
            none,
            StatusCode::OK,
        ),
        e(
            "GET",
            "/api/v1/reports/iuu?from=2026-03-01&to=2026-03-31",
            None,
            &[Fisheries, Admin],
            none,
            StatusCode::OK,
        ),
        e(
            "GET",
            "/api/v1/registry/KH-00000-XX",
            None,
            READERS,
            none,
            StatusCode::NOT_FOUND,
        ),
        e(
            "GET",
            "/api/v1/cases/{case}/evidence",
            None,
            &[Consular, Fisheries, Admin],
            both,
            StatusCode::OK,
        ),
        e(
            "GET",
            "/api/v1/cases/{case}/evidence.pdf",
            None,
            &[Consular, Fisheries, Admin],
            both,
            StatusCode::OK,
        ),
    ]
}

/// Whether the test account `name` may see `object` (the scope half of the rules).
fn in_scope(name: &str, object: Object) -> bool {
    match name {
        "consular-jakarta" | "fisheries-ca-mau" => object != Object::B,
        _ => true,
    }
}

/// The role of a test account, or `None` for the anonymous caller.
fn role_of(name: &str) -> Option<Role> {
    TOKENS.iter().find(|t| t.0 == name).map(|t| t.1)
}

fn request(method: &str, uri: &str, body: Option<&Value>) -> Request<Body> {
    let builder = Request::builder().method(method).uri(uri);
    match body {
        Some(b) => builder
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(b.to_string()))
            .unwrap(),
        None => builder.body(Body::empty()).unwrap(),
    }
}

/// Cases A and B, each with one crew member; returns their ids.
async fn two_cases(app: &App) -> (i64, i64) {
    let mut ids = Vec::new();
    for (mission, province) in [
        ("mission.idn.jakarta", "ca-mau"),
        ("mission.phl.manila", "khanh-hoa"),
    ] {
        let case = NewCase {
            opened_by: "user:setup".into(),
            mission: mission.into(),
            province: Some(province.into()),
            place: Some("Natuna".into()),
            vessel: Some(haidang_store::VesselId::from_key("mmsi:574000001").unwrap()),
            detained_at: Some(time::OffsetDateTime::now_utc()),
            ..NewCase::default()
        };
        let now = time::OffsetDateTime::now_utc();
        let id = app.store.open_case(&case, now).await.unwrap();
        app.store
            .add_crew(id, &CaseScope::All, &crew_member(), "user:setup", now)
            .await
            .unwrap();
        ids.push(id);
    }
    (ids[0], ids[1])
}

#[tokio::test]
async fn the_role_endpoint_object_matrix() {
    let app = app(None).await;
    let (a, b) = two_cases(&app).await;
    let accounts: Vec<&str> = TOKENS.iter().map(|t| t.0).chain(["anonymous"]).collect();
    let mut crew_answers = 0;
    let mut cells = 0;
    for endpoint in endpoints() {
        for &object in endpoint.objects {
            let (case, mission) = match object {
                Object::A => (a, "mission.idn.jakarta"),
                Object::B => (b, "mission.phl.manila"),
                Object::None => (0, ""),
            };
            let uri = endpoint.path.replace("{case}", &case.to_string());
            let body = endpoint.body.as_ref().map(|b| {
                serde_json::from_str::<Value>(&b.to_string().replace("{mission}", mission)).unwrap()
            });
            for &name in &accounts {
                let base = request(endpoint.method, &uri, body.as_ref());
                let (req, expected) = match role_of(name) {
                    None => (anonymous(base), StatusCode::UNAUTHORIZED),
                    Some(role) => {
                        let expected = if !endpoint.roles.contains(&role) {
                            StatusCode::FORBIDDEN
                        } else if !in_scope(name, object) {
                            endpoint.out_of_scope
                        } else {
                            endpoint.ok
                        };
                        (as_account(name, base), expected)
                    }
                };
                let expected = if endpoint.path == "/healthz" {
                    StatusCode::OK
                } else {
                    expected
                };
                let reply = send(&app, req).await;
                let text = String::from_utf8_lossy(&reply.body).into_owned();
                cells += 1;
                assert_eq!(
                    reply.status, expected,
                    "{name} {} {uri}: {text:.300}",
                    endpoint.method
                );
                if !reply.status.is_success() {
                    assert_eq!(
                        reply.content_type, "application/problem+json",
                        "{name} {uri}"
                    );
                }
                let carries_crew = CREW_VALUES.iter().any(|v| text.contains(v));
                if carries_crew {
                    crew_answers += 1;
                    assert!(
                        matches!(role_of(name), Some(Consular | Admin))
                            && endpoint.path.ends_with("/crew?reason=matrix")
                            && endpoint.method == "GET",
                        "crew data reached {name} through {} {uri}: {text:.300}",
                        endpoint.method
                    );
                } else if reply.status == StatusCode::OK
                    && endpoint.path.ends_with("/crew?reason=matrix")
                {
                    panic!("{name} {uri}: an allowed crew read without the crew: {text:.300}");
                }
            }
        }
    }
    assert!(cells > 150, "{cells} cells");
    // Consular (both cases), consular-jakarta (A), admin (both): five answers with crew.
    assert_eq!(crew_answers, 5);
    let log = app.store.audit_log(None, 1000).await.unwrap();
    assert_eq!(
        log.len(),
        crew_answers,
        "one access-log row per answer that carried crew data: {log:?}"
    );
    assert!(
        log.iter()
            .all(|r| r.reason == "matrix" && r.action == "read")
    );
    let mut who: Vec<&str> = log.iter().map(|r| r.who.as_str()).collect();
    who.sort_unstable();
    assert_eq!(
        who,
        [
            "token:admin",
            "token:admin",
            "token:consular",
            "token:consular",
            "token:consular-jakarta"
        ]
    );
}

#[tokio::test]
async fn crew_reads_need_a_reason_and_are_listed_for_admins() {
    let app = app(None).await;
    let (a, _) = two_cases(&app).await;
    support::check_problem(
        &app,
        as_account("consular", get(&format!("/api/v1/cases/{a}/crew"))),
        StatusCode::UNPROCESSABLE_ENTITY,
        "needs a reason",
    )
    .await;
    let mut by_header = as_account("consular", get(&format!("/api/v1/cases/{a}/crew")));
    by_header.headers_mut().insert(
        haidang_api::REASON_HEADER,
        "detention report to the family".parse().unwrap(),
    );
    let reply = support::json_reply(&app, by_header, StatusCode::OK).await;
    assert_eq!(reply["crew"][0]["name"], CREW_VALUES[0]);
    assert_eq!(reply["crew"][0]["id_number"], CREW_VALUES[1]);
    let audit = support::get_ok(&app, &format!("/api/v1/audit?case={a}")).await;
    let entries = audit["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{audit}");
    assert_eq!(entries[0]["reason"], "detention report to the family");
    assert_eq!(entries[0]["who"], "token:consular");
    assert_eq!(entries[0]["role"], "consular");
    assert_eq!(entries[0]["records"], 1);
    assert_eq!(
        entries[0]["fields"],
        json!([
            "name",
            "date_of_birth",
            "id_number",
            "home_town",
            "family_contact"
        ])
    );
    // The case itself never carries the crew, only how many.
    let case = support::get_ok(&app, &format!("/api/v1/cases/{a}")).await;
    assert_eq!(case["crew_count"], 1);
    assert!(case.get("crew").is_none());
}

#[tokio::test]
async fn cases_follow_the_workflow_and_open_from_alerts() {
    let app = app(None).await;
    let open = |body: Value| {
        as_account(
            "consular-jakarta",
            post_json("/api/v1/cases", body.to_string()),
        )
    };
    let case = support::json_reply(
        &app,
        open(json!({"vessel": "mmsi:574000001", "detained_at": "2026-11-20T03:00:00Z",
                    "lon": 106.9, "lat": 5.1, "detaining_country": "IDN", "note": "reported by the owner"})),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        case["mission"], "mission.idn.jakarta",
        "a mission account's own"
    );
    assert_eq!(case["status"], "reported");
    assert_eq!(case["opened_by"], "token:consular-jakarta");
    assert_eq!(case["detained_at"], "2026-11-20T03:00:00Z");
    let id = case["id"].as_i64().unwrap();
    let status = |body: Value| {
        as_account(
            "consular-jakarta",
            post_json(&format!("/api/v1/cases/{id}/status"), body.to_string()),
        )
    };
    let moved =
        support::json_reply(&app, status(json!({"status": "verified"})), StatusCode::OK).await;
    assert_eq!(moved["status"], "verified");
    support::check_problem(
        &app,
        status(json!({"status": "reported"})),
        StatusCode::CONFLICT,
        "cannot become",
    )
    .await;
    support::check_problem(
        &app,
        status(json!({"status": "freed"})),
        StatusCode::UNPROCESSABLE_ENTITY,
        "not one of",
    )
    .await;
    support::check_problem(
        &app,
        status(json!({"status": "closed"})),
        StatusCode::UNPROCESSABLE_ENTITY,
        "reason",
    )
    .await;
    let closed = support::json_reply(
        &app,
        status(json!({"status": "closed", "note": "opened twice"})),
        StatusCode::OK,
    )
    .await;
    assert_eq!(closed["closed_reason"], "opened twice");
    support::check_problem(
        &app,
        status(json!({"status": "released"})),
        StatusCode::CONFLICT,
        "cannot become",
    )
    .await;

    // Bad input is a 4xx, never a 500.
    for (body, fragment) in [
        (json!({"mission": 5}), "invalid type"),
        (json!({"vessel": "boat"}), "vessel"),
        (json!({"lon": 200, "lat": 5}), "lon and lat"),
        (json!({"detained_at": "yesterday"}), "RFC 3339"),
        (json!({"detaining_country": "Indonesia"}), "alpha-3"),
        (
            json!({"alert_id": "al_000000000000000000000000"}),
            "no alert",
        ),
        (json!({"unknown": 1}), "unknown field"),
    ] {
        support::check_problem(&app, open(body), StatusCode::UNPROCESSABLE_ENTITY, fragment).await;
    }
    support::check_problem(
        &app,
        as_account("admin", post_json("/api/v1/cases", "{}")),
        StatusCode::UNPROCESSABLE_ENTITY,
        "mission is required",
    )
    .await;
    support::check_problem(
        &app,
        get("/api/v1/cases/abc"),
        StatusCode::BAD_REQUEST,
        "positive integer",
    )
    .await;
    support::check_problem(
        &app,
        get("/api/v1/cases/999"),
        StatusCode::NOT_FOUND,
        "no case 999",
    )
    .await;
    support::check_problem(
        &app,
        get("/api/v1/cases?status=lost"),
        StatusCode::BAD_REQUEST,
        "not a case status",
    )
    .await;
    support::check_problem(
        &app,
        as_account(
            "consular",
            post_json(
                &format!("/api/v1/cases/{id}/crew"),
                json!({"name": "A", "date_of_birth": "30/04/1985"}).to_string(),
            ),
        ),
        StatusCode::UNPROCESSABLE_ENTITY,
        "date_of_birth",
    )
    .await;
}

/// Logs in with `body` as `content_type`; the reply and the session cookie's value.
async fn login(app: &App, content_type: &str, body: String) -> (support::Reply, Option<String>) {
    let request = anonymous(
        Request::post("/api/v1/login")
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap(),
    );
    let response = app.router.clone().oneshot(request).await.unwrap();
    let cookie = response
        .headers()
        .get(header::SET_COOKIE)
        .map(|v| v.to_str().unwrap().to_owned());
    let status = response.status();
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    let reply = support::Reply {
        status,
        content_type: String::new(),
        body,
    };
    (reply, cookie)
}

use tower::ServiceExt as _;

fn with_cookie(cookie: &str, request: Request<Body>) -> Request<Body> {
    let mut request = anonymous(request);
    request.headers_mut().insert(
        header::COOKIE,
        format!("other=1; {cookie}").parse().unwrap(),
    );
    request
}

#[tokio::test]
async fn login_sessions_logout_and_lockout() {
    let app = app(None).await;
    let user = NewAccount {
        name: "lan".into(),
        role: Role::Operator,
        mission: None,
        province: None,
    };
    haidang_api::create_user(&app.store, &user, "mật khẩu của Lan", false)
        .await
        .unwrap();

    // JSON and form bodies both log in; the cookie is HttpOnly, SameSite=Strict, Path=/.
    let (reply, cookie) = login(
        &app,
        "application/json",
        json!({"name": "lan", "password": "mật khẩu của Lan"}).to_string(),
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.json()["role"], "operator");
    let cookie = cookie.unwrap();
    for part in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "not configured for https: {cookie}"
    );
    let session = cookie.split(';').next().unwrap().to_owned();
    assert!(
        session.starts_with(&format!("{SESSION_COOKIE}=")) && session.len() > 40,
        "{session}"
    );
    let form = "name=lan&password=m%E1%BA%ADt+kh%E1%BA%A9u+c%E1%BB%A7a+Lan".to_owned();
    let (reply, other) = login(&app, "application/x-www-form-urlencoded", form).await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_ne!(other.unwrap(), cookie, "each login its own session");

    // The session reaches what an operator may, and only that.
    let me = support::json_reply(
        &app,
        with_cookie(&session, get("/api/v1/me")),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        me,
        json!({"name": "lan", "kind": "user", "role": "operator", "mission": null, "province": null})
    );
    assert_eq!(
        send(&app, with_cookie(&session, get("/api/v1/vessels")))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        send(&app, with_cookie(&session, get("/api/v1/audit")))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let page = send(&app, with_cookie(&session, get("/"))).await;
    assert_eq!(page.status, StatusCode::OK);
    let page = send(&app, anonymous(get("/"))).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let cases = send(&app, with_cookie(&session, get("/cases"))).await;
    assert_eq!(cases.status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&cases.body).contains("/assets/cases.js"));
    assert_eq!(
        send(&app, anonymous(get("/cases"))).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        send(&app, anonymous(get("/login"))).await.status,
        StatusCode::OK
    );

    // Logging out ends the session.
    let out = send(
        &app,
        with_cookie(
            &session,
            Request::post("/api/v1/logout").body(Body::empty()).unwrap(),
        ),
    )
    .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    support::check_problem(
        &app,
        with_cookie(&session, get("/api/v1/me")),
        StatusCode::UNAUTHORIZED,
        "log in",
    )
    .await;
    support::check_problem(
        &app,
        with_cookie(&format!("{SESSION_COOKIE}=forged"), get("/api/v1/me")),
        StatusCode::UNAUTHORIZED,
        "log in",
    )
    .await;

    // Wrong names and passwords look alike; five failures lock the account, even
    // against the right password.
    for body in [
        json!({"name": "nobody", "password": "mật khẩu của Lan"}),
        json!({"name": "lan", "password": ""}),
    ] {
        let (reply, cookie) = login(&app, "application/json", body.to_string()).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert!(cookie.is_none());
    }
    for _ in 0..5 {
        let (reply, _) = login(
            &app,
            "application/json",
            json!({"name": "lan", "password": "guess"}).to_string(),
        )
        .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let (reply, cookie) = login(
        &app,
        "application/json",
        json!({"name": "lan", "password": "mật khẩu của Lan"}).to_string(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "locked");
    assert!(cookie.is_none());

    // Malformed logins are 4xx.
    let (reply, _) = login(&app, "text/plain", "lan".into()).await;
    assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (reply, _) = login(&app, "application/json", "{".into()).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn over_https_the_session_cookie_is_secure() {
    let app = support::app_over_https().await;
    let user = NewAccount {
        name: "minh".into(),
        role: Role::Admin,
        mission: None,
        province: None,
    };
    haidang_api::create_user(&app.store, &user, "minh's long password", false)
        .await
        .unwrap();
    let body = json!({"name": "minh", "password": "minh's long password"}).to_string();
    let (reply, cookie) = login(&app, "application/json", body).await;
    assert_eq!(reply.status, StatusCode::OK);
    let cookie = cookie.unwrap();
    assert!(cookie.ends_with("; Secure"), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
}

#[tokio::test]
async fn every_documented_route_needs_a_login_unless_public() {
    let app = app(None).await;
    let doc = support::get_ok(&app, "/api/v1/openapi.json").await;
    let public = ["/healthz", "/readyz", "/metrics", "/api/v1/login"];
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let uri = path
                .replace("{vessel}", "mmsi:574999999")
                .replace("{id}", "1")
                .replace("{destination}", "webhook:nobody");
            let request = anonymous(request(&method.to_uppercase(), &uri, Some(&json!({}))));
            let reply = send(&app, request).await;
            if public.contains(&path.as_str()) {
                assert_ne!(reply.status, StatusCode::UNAUTHORIZED, "{method} {uri}");
                assert_ne!(reply.status, StatusCode::FORBIDDEN, "{method} {uri}");
            } else {
                // 403 here would mean a route missing from the authorisation table.
                assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{method} {uri}");
                assert_eq!(reply.content_type, "application/problem+json");
            }
            checked += 1;
        }
    }
    assert!(checked >= 30, "{checked}");
    // A device token reaches nothing but the batch endpoint and its own identity.
    let me = support::json_reply(
        &app,
        as_account("device", get("/api/v1/me")),
        StatusCode::OK,
    )
    .await;
    assert_eq!(me["role"], "device");
    // A bearer that is not a token is refused, also where a session would do.
    let mut forged = get("/api/v1/vessels");
    forged
        .headers_mut()
        .insert(header::AUTHORIZATION, "Bearer hd_forged".parse().unwrap());
    support::check_problem(&app, forged, StatusCode::UNAUTHORIZED, "log in").await;
}
