//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 document of every route, written by hand
//! here and nowhere else. A test checks that every route the router declares is in it and
//! that every operation in it reaches a route.

use std::sync::OnceLock;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Serves the document (built once).
pub(crate) async fn openapi() -> Response {
    static TEXT: OnceLock<String> = OnceLock::new();
    let text = TEXT.get_or_init(|| document().to_string());
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        text.clone(),
    )
        .into_response()
}

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// A 200 whose body is the schema `name`, as `media` (JSON unless said).
fn ok(description: &str, name: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": schema_ref(name) } }
    })
}

/// A problem+json answer.
fn problem(description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/problem+json": { "schema": schema_ref("Problem") } }
    })
}

fn query(name: &str, description: &str, schema: Value) -> Value {
    json!({ "name": name, "in": "query", "required": false, "description": description, "schema": schema })
}

fn path(name: &str, description: &str) -> Value {
    json!({ "name": name, "in": "path", "required": true, "description": description, "schema": {"type": "string"} })
}

fn string() -> Value {
    json!({"type": "string"})
}

fn nullable(kind: &str) -> Value {
    json!({"type": [kind, "null"]})
}

fn time() -> Value {
    json!({"type": "string", "format": "date-time"})
}

fn nullable_time() -> Value {
    json!({"type": ["string", "null"], "format": "date-time"})
}

/// The whole document.
pub(crate) fn document() -> Value {
    let s503 = problem("the store is not answering");
    let s400 = problem("a malformed parameter; `detail` says what to fix");
    let s404 = problem("no such resource");
    let s409 = problem("the change conflicts with the resource's state");
    let s415 = problem("the body is not `application/json`");
    let s422 = problem("well-formed JSON that does not hold what the route needs");
    let s413 = problem("the body is over the route's limit");
    let vessel_path = path(
        "vessel",
        "`mmsi:` and nine digits (`mmsi:574100001`), or `reg:` and a registration (`reg:BV-90001-TS`)",
    );
    let alert_path = path("id", "the alert's id (`al_` and 24 hex digits)");
    let action_body = json!({
        "required": true,
        "content": { "application/json": { "schema": schema_ref("Action") } }
    });
    let alert_statuses = json!({"type": "string", "enum": ["open", "acknowledged", "resolved"]});
    let kinds: Vec<&str> = crate::alerts::KINDS.iter().map(|k| k.as_str()).collect();
    let vessel_statuses: Vec<&str> = crate::status::Status::ALL
        .iter()
        .map(|s| s.as_str())
        .collect();

    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Haidang",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Maritime monitoring of Viet Nam's fishing fleet. JSON everywhere; geometry as GeoJSON (RFC 7946, [lon, lat], WGS 84); times RFC 3339 UTC; errors RFC 9457 problem+json. Positions are as the vessels reported them, unverified; zone boundaries are approximate, not legal lines. Every route but /healthz, /readyz, /metrics, /api/v1/login and the web pages' files needs a session cookie (from POST /api/v1/login) or `Authorization: Bearer TOKEN`: 401 without, 403 when the role may not use the route. Every route but /healthz and /readyz answers 429 problem+json with Retry-After when a client address exceeds its rate limit (100 requests a second, 400 at once, by default). Roles: operator, consular (optionally one mission), fisheries (optionally one province), admin, device (the batch endpoint only).",
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"}
        },
        "paths": {
            "/healthz": {"get": {
                "operationId": "healthz", "security": [], "summary": "Liveness: the process answers",
                "responses": {"200": ok("running", "Status")}
            }},
            "/readyz": {"get": {
                "operationId": "readyz", "security": [], "summary": "Readiness: the store answers and the pipeline's writes succeed",
                "responses": {"200": ok("ready", "Status"), "503": problem("not ready; `checks` names each failing check")}
            }},
            "/metrics": {"get": {
                "operationId": "metrics", "security": [], "summary": "Prometheus metrics",
                "responses": {"200": {"description": "the text exposition format", "content": {"text/plain": {"schema": string()}}}}
            }},
            "/api/v1/openapi.json": {"get": {
                "operationId": "openapi", "summary": "This document",
                "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}}}
            }},
            "/api/v1/vessels": {"get": {
                "operationId": "listVessels",
                "summary": "The latest position of each vessel, with its status for the map",
                "parameters": [
                    query("bbox", "west,south,east,north in degrees; west > east crosses the antimeridian", string()),
                    query("status", "only vessels with this status", json!({"type": "string", "enum": vessel_statuses})),
                    query("q", "part of a name, call sign, MMSI or registration (1 to 64 characters, any case)", string()),
                ],
                "responses": {"200": {"description": "a FeatureCollection of Points", "content": {"application/json": {"schema": schema_ref("VesselCollection")}}}, "400": s400, "503": s503}
            }},
            "/api/v1/vessels/{vessel}": {"get": {
                "operationId": "getVessel",
                "summary": "One vessel: identity, last fix, zone, nearest alerting boundary, unresolved alerts",
                "parameters": [vessel_path.clone()],
                "responses": {"200": ok("the vessel", "VesselDetail"), "400": s400, "404": s404, "503": s503}
            }},
            "/api/v1/vessels/{vessel}/track": {"get": {
                "operationId": "getTrack",
                "summary": "A vessel's track in [from, to) (default: the last 24 h; at most 31 days)",
                "parameters": [
                    vessel_path,
                    query("from", "RFC 3339 start (included)", time()),
                    query("to", "RFC 3339 end (excluded)", time()),
                ],
                "responses": {"200": ok("a FeatureCollection with one LineString (MultiLineString across the antimeridian, Point for one fix)", "Track"), "400": s400, "404": s404, "503": s503}
            }},
            "/api/v1/stats": {"get": {
                "operationId": "stats", "summary": "Row counts and the pipeline's counters",
                "responses": {"200": ok("counts", "Stats"), "503": s503}
            }},
            "/api/v1/zones": {"get": {
                "operationId": "zones", "summary": "The zone set as loaded",
                "responses": {"200": {"description": "GeoJSON FeatureCollection", "content": {"application/geo+json": {"schema": {"type": "object"}}}}, "404": problem("the server runs without a zone set")}
            }},
            "/api/v1/ingest/nmea": {"post": {
                "operationId": "ingestNmea",
                "summary": "A bridge's batch of NMEA lines; answered once committed (at most 10,000 lines, 4 MiB)",
                "requestBody": {"required": true, "content": {"application/json": {"schema": schema_ref("Batch")}}},
                "responses": {"200": ok("committed", "BatchAck"), "400": s400.clone(), "413": s413, "415": s415.clone(), "422": s422.clone(), "503": problem("the pipeline has stopped or the store is down; send the batch again later")}
            }},
            "/api/v1/registry": {"post": {
                "operationId": "importRegistry",
                "summary": "Import the fleet register (CSV: registration_number, mmsi, name, length_m, gear, province, owner, vms_provider, vms_device_id, licence_valid_from, licence_valid_to); valid rows are stored, refused rows listed with their line and problems; a re-import supersedes changed entries and keeps their history",
                "parameters": [query("dry_run", "check only, store nothing", json!({"type": "boolean"}))],
                "requestBody": {"required": true, "content": {"text/csv": {"schema": string()}}},
                "responses": {"200": {"description": "what the import did", "content": {"application/json": {"schema": {"type": "object"}}}}, "400": s400.clone(), "413": problem("the file is over 16 MiB"), "415": problem("the body is not `text/csv`"), "422": problem("the file is refused whole (a required column missing, an unknown column, too many rows)"), "503": s503.clone()}
            }},
            "/api/v1/registry/{registration}": {"get": {
                "operationId": "registryHistory",
                "summary": "A registration's current register entry and every earlier one",
                "parameters": [path("registration", "the registration number (`KH-90001-TS`)")],
                "responses": {"200": {"description": "`current` and `history`", "content": {"application/json": {"schema": {"type": "object"}}}}, "400": s400.clone(), "404": s404.clone(), "503": s503.clone()}
            }},
            "/api/v1/alerts": {"get": {
                "operationId": "listAlerts",
                "summary": "Alerts, newest first, a page at a time",
                "parameters": [
                    query("status", "only alerts in this status", alert_statuses),
                    query("kind", "only alerts of this kind", json!({"type": "string", "enum": kinds})),
                    query("vessel", "only this vessel's alerts (a vessel key)", string()),
                    query("since", "raised at or after (RFC 3339)", time()),
                    query("until", "raised before (RFC 3339)", time()),
                    query("limit", "page size, 1 to 1000 (default 100)", json!({"type": "integer", "minimum": 1, "maximum": 1000})),
                    query("cursor", "the previous page's `next`", string()),
                ],
                "responses": {"200": ok("a page", "AlertList"), "400": s400.clone(), "503": s503.clone()}
            }},
            "/api/v1/alerts/{id}": {"get": {
                "operationId": "getAlert",
                "summary": "An alert with its deliveries (destination names, never URLs or secrets) and its history",
                "parameters": [alert_path.clone()],
                "responses": {"200": ok("the alert", "AlertDetail"), "404": s404.clone(), "503": s503.clone()}
            }},
            "/api/v1/alerts/{id}/acknowledge": {"post": {
                "operationId": "acknowledgeAlert",
                "summary": "An operator takes an open alert in hand",
                "parameters": [alert_path.clone()],
                "requestBody": action_body.clone(),
                "responses": {"200": ok("the alert, acknowledged", "Alert"), "400": s400.clone(), "404": s404.clone(), "409": problem("the alert is already acknowledged or resolved"), "415": s415.clone(), "422": s422.clone(), "503": s503.clone()}
            }},
            "/api/v1/alerts/{id}/resolve": {"post": {
                "operationId": "resolveAlert",
                "summary": "An operator closes an open or acknowledged alert",
                "parameters": [alert_path],
                "requestBody": action_body,
                "responses": {"200": ok("the alert, resolved", "Alert"), "400": s400.clone(), "404": s404.clone(), "409": problem("the alert is already resolved"), "415": s415, "422": s422, "503": s503.clone()}
            }},
            "/api/v1/deliveries/dead": {"get": {
                "operationId": "listDeadLetters",
                "summary": "Deliveries given up on, most recently dead first",
                "parameters": [query("limit", "1 to 1000 (default 100)", json!({"type": "integer", "minimum": 1, "maximum": 1000}))],
                "responses": {"200": ok("dead letters", "DeadLetters"), "400": s400.clone(), "503": s503.clone()}
            }},
            "/api/v1/deliveries/{id}/resend": {"post": {
                "operationId": "resendDelivery",
                "summary": "A dead delivery goes out again, with the same webhook-id and bytes",
                "parameters": [path("id", "the delivery's id (a number)")],
                "responses": {"200": ok("pending again", "Resent"), "400": s400.clone(), "404": s404.clone(), "409": s409.clone(), "503": s503.clone()}
            }},
            "/api/v1/endpoints/disabled": {"get": {
                "operationId": "listDisabledEndpoints",
                "summary": "Destinations disabled after answering 410 Gone",
                "responses": {"200": ok("disabled destinations", "DisabledEndpoints"), "503": s503.clone()}
            }},
            "/api/v1/endpoints/{destination}/enable": {"post": {
                "operationId": "enableEndpoint",
                "summary": "A disabled destination takes deliveries again (its dead letters stay dead until resent)",
                "parameters": [path("destination", "the destination's name, such as `webhook:mission.idn`")],
                "responses": {"200": ok("enabled", "Enabled"), "404": problem("the destination is not disabled"), "503": s503.clone()}
            }},
            "/api/v1/stream": {"get": {
                "operationId": "stream",
                "summary": "Live server-sent events: `alert` (an Alert, at once), `positions` (each second, an array of Position, newest per vessel), `lagged` ({stream, skipped}: a slow client missed updates), and a keep-alive comment every 15 s. Ends when the server shuts down.",
                "responses": {
                    "200": {"description": "an event stream", "content": {"text/event-stream": {"schema": string()}}},
                    "503": problem("too many streams are open, or the server is shutting down")
                }
            }}
        },
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "haidang_session"},
                "bearer": {"type": "http", "scheme": "bearer"}
            }
        },
        "security": [{"session": []}, {"bearer": []}]
    });
    // The compliance routes, in a document of their own (one json! of every path passes
    // the macro's recursion limit).
    let compliance = json!({
            "/api/v1/compliance/cases": {"get": {
                "operationId": "listComplianceCases",
                "summary": "Compliance cases opened from alerts (VMS loss by bucket, boundary by zone), oldest detection first",
                "parameters": [
                    query("kind", "vms_loss or boundary", json!({"type": "string", "enum": ["vms_loss", "boundary"]})),
                    query("status", "detected, verified, sanctioned or closed", json!({"type": "string", "enum": ["detected", "verified", "sanctioned", "closed"]})),
                    query("from", "detected at or after (RFC 3339)", time()),
                    query("to", "detected before (RFC 3339)", time()),
                ],
                "responses": {"200": {"description": "`cases` and `truncated`", "content": {"application/json": {"schema": {"type": "object"}}}}, "400": s400.clone(), "503": s503.clone()}
            }},
            "/api/v1/compliance/cases/{id}": {"get": {
                "operationId": "getComplianceCase",
                "summary": "A compliance case with its history",
                "parameters": [path("id", "the case's number")],
                "responses": {"200": {"description": "the case", "content": {"application/json": {"schema": {"type": "object"}}}}, "400": s400.clone(), "404": s404.clone(), "503": s503.clone()}
            }},
            "/api/v1/compliance/cases/{id}/verify": {"post": {
                "operationId": "verifyComplianceCase",
                "summary": "detected -> verified (body `{\"note\"}`)",
                "parameters": [path("id", "the case's number")],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object"}}}},
                "responses": {"200": {"description": "the case", "content": {"application/json": {"schema": {"type": "object"}}}}, "400": s400.clone(), "404": s404.clone(), "409": s409.clone(), "415": s415.clone(), "422": s422.clone(), "503": s503.clone()}
            }},
            "/api/v1/compliance/cases/{id}/sanction": {"post": {
                "operationId": "sanctionComplianceCase",
                "summary": "verified -> sanctioned (body `{\"decision_number\", \"amount_vnd\", \"decided_on\", \"payment_proof\", \"note\"}`)",
                "parameters": [path("id", "the case's number")],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object"}}}},
                "responses": {"200": {"description": "the case", "content": {"application/json": {"schema": {"type": "object"}}}}, "400": s400.clone(), "404": s404.clone(), "409": s409.clone(), "415": s415.clone(), "422": s422.clone(), "503": s503.clone()}
            }},
            "/api/v1/compliance/cases/{id}/close": {"post": {
                "operationId": "closeComplianceCase",
                "summary": "detected or verified -> closed (body `{\"reason\", \"note\"}`; reason one of provider_outage, force_majeure, at_port, no_violation, other)",
                "parameters": [path("id", "the case's number")],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object"}}}},
                "responses": {"200": {"description": "the case", "content": {"application/json": {"schema": {"type": "object"}}}}, "400": s400.clone(), "404": s404.clone(), "409": s409.clone(), "415": s415.clone(), "422": s422.clone(), "503": s503.clone()}
            }},
            "/api/v1/reports/iuu": {"get": {
                "operationId": "iuuReport",
                "summary": "The IUU (Yellow Card) compliance report of the days from..to (both included), optionally of one province: every count lists the ids it counts; a report that does not add up is refused (500). A province's fisheries account gets its own province only (403 for another). Formats: json, csv (a zip of one CSV per table), geojson (where the cases happened), pdf",
                "parameters": [
                    query("from", "the first day (YYYY-MM-DD)", json!({"type": "string", "format": "date"})),
                    query("to", "the last day, included (YYYY-MM-DD); at most 366 days", json!({"type": "string", "format": "date"})),
                    query("province", "only this province's vessels (as the register names it)", json!({"type": "string"})),
                    query("format", "json (default), csv, geojson or pdf", json!({"type": "string", "enum": ["json", "csv", "geojson", "pdf"]})),
                ],
                "responses": {"200": {"description": "the report, as an attachment", "content": {
                    "application/json": {"schema": {"type": "object"}},
                    "application/zip": {"schema": {"type": "string", "format": "binary"}},
                    "application/geo+json": {"schema": {"type": "object"}},
                    "application/pdf": {"schema": {"type": "string", "format": "binary"}}
                }}, "400": s400.clone(), "403": problem("a province's account asked for another province"), "503": s503.clone()}
            }},
            "/api/v1/manual-reports": {"post": {
                "operationId": "recordManualReport",
                "summary": "A captain's position reported by radio or phone (body `{\"vessel\", \"fix_time\", \"lon\", \"lat\", \"channel\", \"note\"}`)",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object"}}}},
                "responses": {"201": {"description": "recorded: `{\"id\"}`", "content": {"application/json": {"schema": {"type": "object"}}}}, "400": s400.clone(), "415": s415.clone(), "422": s422.clone(), "503": s503.clone()}
            }},
            "/api/v1/vessels/{vessel}/manual-reports": {"get": {
                "operationId": "vesselManualReports",
                "summary": "A vessel's manual position reports, by fix time",
                "parameters": [vessel_path.clone()],
                "responses": {"200": {"description": "`vessel` and `reports`", "content": {"application/json": {"schema": {"type": "object"}}}}, "400": s400.clone(), "503": s503.clone()}
            }}
    });
    if let (Some(paths), Value::Object(more)) = (doc["paths"].as_object_mut(), compliance) {
        paths.extend(more);
    }
    if let (Some(paths), Value::Object(more)) =
        (doc["paths"].as_object_mut(), account_and_case_paths())
    {
        paths.extend(more);
    }
    doc
}

/// The paths of accounts (login, logout, me), cases and the audit log.
fn account_and_case_paths() -> Value {
    let s503 = problem("the store is not answering");
    let s400 = problem("a malformed parameter; `detail` says what to fix");
    let s404 = problem("no such case in the caller's scope");
    let s415 = problem("the body is not `application/json`");
    let s422 = problem("well-formed JSON that does not hold what the route needs");
    let s401 = problem("no valid session or token: log in first");
    let s403 = problem("the caller's role may not use this route");
    let case_path = path("id", "the case's id (a positive integer)");
    let case_statuses: Vec<&str> = haidang_store::CaseStatus::ALL
        .iter()
        .map(|s| s.as_str())
        .collect();
    json!({
            "/api/v1/login": {"post": {
                "operationId": "login",
                "summary": "Log in with a name and password (JSON or a form); sets the session cookie `haidang_session` (HttpOnly, SameSite=Strict, 12 h)",
                "security": [],
                "requestBody": {"required": true, "content": {
                    "application/json": {"schema": schema_ref("Login")},
                    "application/x-www-form-urlencoded": {"schema": schema_ref("Login")}
                }},
                "responses": {"200": ok("logged in; who you are", "Me"), "401": problem("wrong name or password, or the account is locked for 15 minutes after 5 failures"), "415": s415.clone(), "422": s422.clone()}
            }},
            "/api/v1/logout": {"post": {
                "operationId": "logout", "summary": "End the session and clear its cookie",
                "responses": {"204": {"description": "logged out"}, "401": s401.clone()}
            }},
            "/api/v1/me": {"get": {
                "operationId": "me", "summary": "Who the caller is: name, kind (user or token), role and scope",
                "responses": {"200": ok("the caller", "Me"), "401": s401.clone()}
            }},
            "/api/v1/cases": {
                "get": {
                    "operationId": "listCases",
                    "summary": "Consular cases in the caller's scope (a mission's, a province's, or all), newest first; never crew data",
                    "parameters": [
                        query("status", "only cases in this status", json!({"type": "string", "enum": case_statuses.clone()})),
                        query("limit", "1 to 1000 (default 100)", json!({"type": "integer", "minimum": 1, "maximum": 1000})),
                    ],
                    "responses": {"200": ok("cases", "CaseList"), "400": s400.clone(), "401": s401.clone(), "403": s403.clone(), "503": s503.clone()}
                },
                "post": {
                    "operationId": "openCase",
                    "summary": "Open a case by hand or from an alert (consular, admin); the alert's vessel, time and place are the defaults",
                    "requestBody": {"required": true, "content": {"application/json": {"schema": schema_ref("NewCase")}}},
                    "responses": {"201": ok("the case", "CaseDetail"), "400": s400.clone(), "401": s401.clone(), "403": problem("the role may not open cases, or the mission is not the account's"), "415": s415.clone(), "422": problem("a missing mission, a malformed field, or an alert that does not exist"), "503": s503.clone()}
                }
            },
            "/api/v1/cases/{id}": {"get": {
                "operationId": "getCase",
                "summary": "A case with its timeline and linked alerts; never crew data",
                "parameters": [case_path.clone()],
                "responses": {"200": ok("the case", "CaseDetail"), "400": s400.clone(), "401": s401.clone(), "403": s403.clone(), "404": problem("no such case in the caller's scope"), "503": s503.clone()}
            }},
            "/api/v1/cases/{id}/status": {"post": {
                "operationId": "setCaseStatus",
                "summary": "Move a case forward (reported → verified → consular_access → legal_proceedings → released → repatriated; steps may be skipped) or close it with a reason in `note`",
                "parameters": [case_path.clone()],
                "requestBody": {"required": true, "content": {"application/json": {"schema": schema_ref("StatusChange")}}},
                "responses": {"200": ok("the case", "Case"), "400": s400.clone(), "401": s401.clone(), "403": s403.clone(), "404": s404.clone(), "409": problem("the workflow does not allow this change from the case's status"), "415": s415.clone(), "422": problem("an unknown status, or closing without a reason"), "503": s503.clone()}
            }},
            "/api/v1/cases/{id}/notes": {"post": {
                "operationId": "addCaseNote",
                "summary": "Add a note to a case's timeline",
                "parameters": [case_path.clone()],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["text"], "properties": {"text": string()}}}}},
                "responses": {"201": ok("the timeline entry", "CaseEvent"), "400": s400.clone(), "401": s401.clone(), "403": s403.clone(), "404": s404.clone(), "415": s415.clone(), "422": s422.clone(), "503": s503.clone()}
            }},
            "/api/v1/cases/{id}/alerts": {"post": {
                "operationId": "linkCaseAlert",
                "summary": "Link an alert to a case",
                "parameters": [case_path.clone()],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["alert_id"], "properties": {"alert_id": string()}}}}},
                "responses": {"201": ok("the timeline entry", "CaseEvent"), "400": s400.clone(), "401": s401.clone(), "403": s403.clone(), "404": s404.clone(), "415": s415.clone(), "422": problem("no such alert"), "503": s503.clone()}
            }},
            "/api/v1/cases/{id}/crew": {
                "get": {
                    "operationId": "readCaseCrew",
                    "summary": "The crew's personal data (consular, admin). Needs a reason (`reason` or the X-Haidang-Reason header); each answer writes an access-log row in the same transaction",
                    "parameters": [
                        case_path.clone(),
                        query("reason", "why the crew data is read (required unless the header is sent)", string()),
                        {"name": "X-Haidang-Reason", "in": "header", "required": false, "description": "why the crew data is read", "schema": string()}
                    ],
                    "responses": {"200": ok("the crew", "Crew"), "400": s400.clone(), "401": s401.clone(), "403": s403.clone(), "404": s404.clone(), "422": problem("no reason given"), "503": s503.clone()}
                },
                "post": {
                    "operationId": "addCaseCrew",
                    "summary": "Record a crew member (consular, admin); the answer carries only the new id",
                    "parameters": [case_path],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": schema_ref("NewCrewMember")}}},
                    "responses": {"201": ok("recorded", "CrewId"), "400": s400.clone(), "401": s401.clone(), "403": s403.clone(), "404": s404.clone(), "415": s415.clone(), "422": s422.clone(), "503": s503.clone()}
                }
            },
            "/api/v1/cases/{id}/evidence": {"get": {
                "operationId": "getCaseEvidence",
                "summary": "The case's evidence pack (consular, fisheries, admin): the vessel's track around the detention as GeoJSON, each fix with its fix and receive times, source, zones, nearest foreign or undelimited boundary, distances to the nearest treaty, median and 200 nm lines within 200 nm (`lines`: id, kind, name, distance_meters) and raw NMEA; `evidence.sha256` is the SHA-256 of the file with that value replaced by 64 zeros",
                "parameters": [
                    case_path.clone(),
                    query("before_h", "hours before the detention, 0 to 720 (default 72)", json!({"type": "integer", "minimum": 0, "maximum": 720})),
                    query("after_h", "hours after it, 0 to 24 (default 6)", json!({"type": "integer", "minimum": 0, "maximum": 24})),
                ],
                "responses": {"200": {"description": "a FeatureCollection", "content": {"application/geo+json": {"schema": {"type": "object"}}}}, "400": s400.clone(), "401": s401.clone(), "403": s403.clone(), "404": s404.clone(), "409": problem("the case has no vessel or detention time yet"), "503": s503.clone()}
            }},
            "/api/v1/cases/{id}/evidence.pdf": {"get": {
                "operationId": "getCaseEvidencePdf",
                "summary": "The case's evidence pack as a PDF (consular, fisheries, admin): the case (no crew data), the window, the notice in Vietnamese and English, a map of the track with the treaty, median and 200 nm lines, a table of every fix (fix and receive times, source, position, zones, distances to the zone boundary and the nearest lines, raw NMEA), and the SHA-256 of the GeoJSON pack, which is attached to the PDF and sent in `X-Content-SHA256`",
                "parameters": [
                    case_path.clone(),
                    query("before_h", "hours before the detention, 0 to 720 (default 72)", json!({"type": "integer", "minimum": 0, "maximum": 720})),
                    query("after_h", "hours after it, 0 to 24 (default 6)", json!({"type": "integer", "minimum": 0, "maximum": 24})),
                ],
                "responses": {"200": {"description": "a PDF", "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}, "400": s400.clone(), "401": s401.clone(), "403": s403.clone(), "404": s404.clone(), "409": problem("the case has no vessel or detention time yet"), "500": problem("the PDF could not be rendered"), "503": s503.clone()}
            }},
            "/api/v1/audit": {"get": {
                "operationId": "listAudit",
                "summary": "The crew-data access log, newest first (admin)",
                "parameters": [
                    query("case", "only this case's rows", json!({"type": "integer"})),
                    query("limit", "1 to 1000 (default 100)", json!({"type": "integer", "minimum": 1, "maximum": 1000})),
                ],
                "responses": {"200": ok("log rows", "AuditLog"), "400": s400.clone(), "401": s401.clone(), "403": s403.clone(), "503": s503.clone()}
            }}
    })
}

fn schemas() -> Value {
    let alert = json!({
        "type": "object",
        "required": ["id", "kind", "vessel", "zone_id", "zone_class", "country", "lon", "lat", "fix_time", "received_at", "raised_at", "delayed", "status", "details", "acknowledged_at", "acknowledged_by", "resolved_at", "resolved_by"],
        "properties": {
            "id": string(),
            "kind": string(),
            "vessel": {"type": ["string", "null"], "description": "a vessel key: mmsi:574100001 or reg:BV-90001-TS"},
            "zone_id": nullable("string"),
            "zone_class": nullable("string"),
            "country": {"type": ["string", "null"], "description": "ISO 3166 alpha-3"},
            "lon": nullable("number"),
            "lat": nullable("number"),
            "fix_time": nullable_time(),
            "received_at": nullable_time(),
            "raised_at": time(),
            "delayed": {"type": "boolean", "description": "raised from late data"},
            "status": {"type": "string", "enum": ["open", "acknowledged", "resolved"]},
            "details": {"type": "object"},
            "acknowledged_at": nullable_time(),
            "acknowledged_by": nullable("string"),
            "resolved_at": nullable_time(),
            "resolved_by": nullable("string")
        }
    });
    let delivery = json!({
        "type": "object",
        "required": ["id", "alert_id", "destination", "status", "attempts", "last_error", "created_at"],
        "properties": {
            "id": {"type": "integer"},
            "alert_id": string(),
            "destination": {"type": "string", "description": "a recipient's channel name, never a URL"},
            "status": {"type": "string", "enum": ["pending", "in_flight", "delivered", "dead"]},
            "attempts": {"type": "integer"},
            "last_error": nullable("string"),
            "created_at": time(),
            "next_attempt_at": nullable_time(),
            "delivered_at": nullable_time(),
            "dead_at": nullable_time()
        }
    });
    let change = json!({
        "type": "object",
        "required": ["at", "by", "from", "to", "note"],
        "properties": {
            "at": time(), "by": string(),
            "from": nullable("string"), "to": string(), "note": nullable("string")
        }
    });
    let zone = json!({
        "type": "object",
        "properties": {"id": string(), "class": string(), "country": nullable("string"), "name": string()}
    });
    let mut schemas = serde_json::Map::new();
    schemas.insert("Problem".into(), json!({
            "type": "object",
            "required": ["type", "title", "status", "detail"],
            "properties": {
                "type": string(), "title": string(), "status": {"type": "integer"}, "detail": string(),
                "checks": {"type": "object", "additionalProperties": {"type": "string"}}
            }
        }));
    schemas.insert(
        "Status".into(),
        json!({"type": "object", "properties": {"status": string()}}),
    );
    schemas.insert("Alert".into(), json!(alert));
    schemas.insert("AlertList".into(), json!({
            "type": "object",
            "required": ["alerts", "next", "notice"],
            "properties": {
                "alerts": {"type": "array", "items": schema_ref("Alert")},
                "next": {"type": ["string", "null"], "description": "pass as `cursor` for the next page"},
                "notice": string()
            }
        }));
    schemas.insert(
        "AlertDetail".into(),
        json!({
            "allOf": [schema_ref("Alert"), {
                "type": "object",
                "required": ["deliveries", "changes"],
                "properties": {
                    "deliveries": {"type": "array", "items": schema_ref("Delivery")},
                    "changes": {"type": "array", "items": schema_ref("Change")}
                }
            }]
        }),
    );
    schemas.insert("Delivery".into(), json!(delivery));
    schemas.insert("Change".into(), json!(change));
    schemas.insert("Action".into(), json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "by": {"type": "string", "minLength": 1, "maxLength": 128, "description": "the operator's name (`rules` is reserved); without it, the caller's account (`user:NAME` or `token:NAME`)"},
                "note": {"type": ["string", "null"], "maxLength": 2000}
            }
        }));
    schemas.insert("DeadLetters".into(), json!({"type": "object", "properties": {"deliveries": {"type": "array", "items": schema_ref("Delivery")}}}));
    schemas.insert("Resent".into(), json!({"type": "object", "properties": {"id": {"type": "integer"}, "status": string(), "resent_at": time()}}));
    schemas.insert("DisabledEndpoints".into(), json!({"type": "object", "properties": {"endpoints": {"type": "array", "items": {
            "type": "object", "properties": {"destination": string(), "disabled_at": time(), "reason": string()}
        }}}}));
    schemas.insert("Enabled".into(), json!({"type": "object", "properties": {"destination": string(), "enabled": {"type": "boolean"}}}));
    schemas.insert(
        "Position".into(),
        json!({
            "type": "object",
            "properties": {
                "vessel": string(), "lon": {"type": "number"}, "lat": {"type": "number"},
                "fix_time": time(), "received_at": time(),
                "sog": nullable("number"), "cog": nullable("number"), "heading": nullable("integer")
            }
        }),
    );
    schemas.insert("VesselCollection".into(), json!({
            "type": "object",
            "properties": {
                "type": {"const": "FeatureCollection"},
                "notice": string(),
                "features": {"type": "array", "items": {
                    "type": "object",
                    "properties": {
                        "type": {"const": "Feature"},
                        "id": string(),
                        "geometry": {"type": "object", "description": "a GeoJSON Point [lon, lat]"},
                        "properties": {
                            "type": "object",
                            "properties": {
                                "vessel": string(), "name": nullable("string"),
                                "status": {"type": "string", "enum": ["domestic", "near_boundary", "undelimited", "foreign", "silent", "distress"]},
                                "zone_id": nullable("string"), "zone_class": nullable("string"), "country": nullable("string"),
                                "age_s": {"type": "integer", "description": "seconds since the fix"},
                                "fix_time": time(), "received_at": time(), "source": string(),
                                "sog_knots": nullable("number"), "cog_degrees": nullable("number"),
                                "heading_degrees": nullable("integer"), "nav_status": nullable("integer")
                            }
                        }
                    }
                }}
            }
        }));
    schemas.insert("VesselDetail".into(), json!({
            "type": "object",
            "properties": {
                "vessel": string(),
                "identity": {"type": "object", "properties": {
                    "name": nullable("string"), "call_sign": nullable("string"), "mmsi": nullable("integer"),
                    "mmsi_kind": nullable("string"), "registration": nullable("string"), "imo": nullable("integer"),
                    "ship_type": nullable("integer"), "length_meters": nullable("number"), "beam_meters": nullable("number"),
                    "draught_meters": nullable("number"), "destination": nullable("string"), "province": nullable("string"),
                    "vms_provider": nullable("string"), "static_updated_at": nullable_time()
                }},
                "status": string(),
                "age_s": nullable("integer"),
                "last_fix": {"type": ["object", "null"], "properties": {
                    "lon": {"type": "number"}, "lat": {"type": "number"}, "fix_time": time(), "received_at": time(),
                    "source": string(), "sog_knots": nullable("number"), "cog_degrees": nullable("number"),
                    "heading_degrees": nullable("integer"), "nav_status": nullable("integer")
                }},
                "zone": {"oneOf": [zone.clone(), {"type": "null"}]},
                "zones": {"type": "array", "items": zone},
                "nearest_boundary": {"type": ["object", "null"], "properties": {
                    "zone_id": string(), "zone_class": string(), "country": nullable("string"), "distance_meters": {"type": "number"}
                }},
                "open_alerts": {"type": "array", "items": schema_ref("Alert")},
                "notice": string()
            }
        }));
    schemas.insert(
        "Track".into(),
        json!({
            "type": "object",
            "properties": {
                "type": {"const": "FeatureCollection"}, "notice": string(), "vessel": string(),
                "from": time(), "to": time(),
                "features": {"type": "array", "items": {"type": "object"}}
            }
        }),
    );
    schemas.insert("Stats".into(), json!({"type": "object", "properties": {
            "vessels": {"type": "integer"}, "positions": {"type": "integer"}, "quarantined": {"type": "integer"},
            "zone_events": {"type": "integer"}, "journaled": {"type": "integer"}, "ingest": {"type": "object"}
        }}));
    schemas.insert(
        "Batch".into(),
        json!({
            "type": "object",
            "required": ["batch_id", "device", "lines"],
            "properties": {
                "batch_id": {"type": "string", "minLength": 1, "maxLength": 128},
                "device": {"type": "string", "minLength": 1, "maxLength": 128},
                "lines": {"type": "array", "maxItems": 10000, "items": string()}
            }
        }),
    );
    schemas.insert("BatchAck".into(), json!({"type": "object", "properties": {
            "batch_id": string(), "lines": {"type": "integer"}, "positions": {"type": "integer"}, "quarantined": {"type": "integer"}
        }}));
    schemas.insert(
        "Login".into(),
        json!({"type": "object", "required": ["name", "password"], "properties": {
            "name": string(), "password": {"type": "string", "format": "password"}
        }}),
    );
    schemas.insert("Me".into(), json!({"type": "object", "required": ["name", "kind", "role", "mission", "province"], "properties": {
            "name": string(), "kind": {"type": "string", "enum": ["user", "token"]},
            "role": {"type": "string", "enum": ["operator", "consular", "fisheries", "admin", "device"]},
            "mission": nullable("string"), "province": nullable("string")
        }}));
    let case_statuses = [
        "reported",
        "verified",
        "consular_access",
        "legal_proceedings",
        "released",
        "repatriated",
        "closed",
    ];
    let case = json!({"type": "object", "required": ["id", "status", "opened_at", "opened_by", "mission", "crew_count"], "properties": {
        "id": {"type": "integer"}, "status": {"type": "string", "enum": case_statuses},
        "opened_at": time(), "opened_by": {"type": "string", "description": "user:NAME or token:NAME"},
        "vessel": nullable("string"), "detained_at": nullable_time(),
        "lon": nullable("number"), "lat": nullable("number"), "place": nullable("string"),
        "detaining_country": {"type": ["string", "null"], "description": "ISO 3166 alpha-3"},
        "detaining_authority": nullable("string"), "mission": string(), "province": nullable("string"),
        "closed_reason": nullable("string"), "updated_at": time(),
        "crew_count": {"type": "integer", "description": "how many crew members are recorded (their data is only in …/crew)"}
    }});
    schemas.insert("Case".into(), case);
    schemas.insert("CaseList".into(), json!({"type": "object", "properties": {"cases": {"type": "array", "items": schema_ref("Case")}}}));
    schemas.insert("CaseEvent".into(), json!({"type": "object", "required": ["id", "at", "by", "kind"], "properties": {
            "id": {"type": "integer"}, "at": time(), "by": string(),
            "kind": {"type": "string", "enum": ["opened", "note", "status", "crew_added", "alert_linked"]},
            "text": nullable("string"), "from_status": nullable("string"), "to_status": nullable("string")
        }}));
    schemas.insert(
        "CaseDetail".into(),
        json!({"allOf": [schema_ref("Case"), {"type": "object", "properties": {
            "timeline": {"type": "array", "items": schema_ref("CaseEvent")},
            "alerts": {"type": "array", "items": string()}
        }}]}),
    );
    schemas.insert("NewCase".into(), json!({"type": "object", "properties": {
            "alert_id": string(), "vessel": string(), "detained_at": time(), "lon": {"type": "number"}, "lat": {"type": "number"},
            "place": string(), "detaining_country": string(), "detaining_authority": string(),
            "mission": {"type": "string", "description": "required unless the account is limited to a mission"},
            "province": string(), "note": string()
        }}));
    schemas.insert("StatusChange".into(), json!({"type": "object", "required": ["status"], "properties": {
            "status": {"type": "string", "enum": case_statuses}, "note": {"type": "string", "description": "required when closing: the reason"}
        }}));
    let crew_fields = json!({
        "name": string(), "date_of_birth": {"type": ["string", "null"], "format": "date"},
        "id_number": nullable("string"), "home_town": nullable("string"), "family_contact": nullable("string")
    });
    schemas.insert(
        "NewCrewMember".into(),
        json!({"type": "object", "required": ["name"], "properties": crew_fields.clone()}),
    );
    schemas.insert("CrewId".into(), json!({"type": "object", "properties": {"id": {"type": "integer"}, "case_id": {"type": "integer"}}}));
    let mut member = crew_fields;
    if let Some(m) = member.as_object_mut() {
        m.insert("id".into(), json!({"type": "integer"}));
        m.insert("added_at".into(), time());
        m.insert("added_by".into(), string());
    }
    schemas.insert(
        "Crew".into(),
        json!({"type": "object", "properties": {
            "case_id": {"type": "integer"},
            "crew": {"type": "array", "items": {"type": "object", "properties": member}}
        }}),
    );
    schemas.insert("AuditLog".into(), json!({"type": "object", "properties": {"entries": {"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "integer"}, "at": time(), "who": string(), "role": string(), "case_id": {"type": "integer"},
            "action": {"type": "string", "enum": ["read", "export"]}, "fields": {"type": "array", "items": string()},
            "reason": string(), "records": {"type": "integer"}
        }}}}}));
    Value::Object(schemas)
}
