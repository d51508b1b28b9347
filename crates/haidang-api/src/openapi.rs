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

    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Haidang",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Maritime monitoring of Viet Nam's fishing fleet. JSON everywhere; geometry as GeoJSON (RFC 7946, [lon, lat], WGS 84); times RFC 3339 UTC; errors RFC 9457 problem+json. Positions are as the vessels reported them, unverified; zone boundaries are approximate, not legal lines. Every route but /healthz and /readyz answers 429 problem+json with Retry-After when a client address exceeds its rate limit (100 requests a second, 400 at once, by default). Unauthenticated until issue 7: bind to loopback or a trusted network.",
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"}
        },
        "paths": {
            "/healthz": {"get": {
                "operationId": "healthz", "summary": "Liveness: the process answers",
                "responses": {"200": ok("running", "Status")}
            }},
            "/readyz": {"get": {
                "operationId": "readyz", "summary": "Readiness: the store answers and the pipeline's writes succeed",
                "responses": {"200": ok("ready", "Status"), "503": problem("not ready; `checks` names each failing check")}
            }},
            "/metrics": {"get": {
                "operationId": "metrics", "summary": "Prometheus metrics",
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
        "components": {"schemas": schemas()}
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
            "required": ["by"],
            "additionalProperties": false,
            "properties": {
                "by": {"type": "string", "minLength": 1, "maxLength": 128, "description": "the operator's name (`rules` is reserved)"},
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
    Value::Object(schemas)
}
