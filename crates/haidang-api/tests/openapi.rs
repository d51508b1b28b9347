//! `GET /api/v1/openapi.json`: it parses, every route the router declares (read from
//! `src/lib.rs`) is in it, every operation in it reaches a route, and every `$ref`
//! resolves.

mod support;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use support::{app, get_ok};
use tower::ServiceExt;

/// The `(method, path)` of every `.route(…)` in `src/lib.rs`: those of the `api` router
/// (nested under `/api/v1`) and those of the root.
fn declared_routes() -> Vec<(String, String)> {
    let source =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/lib.rs")).unwrap();
    let api_start = source.find("let api = Router::new()").unwrap();
    let api_end = api_start + source[api_start..].find(';').unwrap();
    let mut routes = Vec::new();
    let mut at = 0;
    while let Some(found) = source[at..].find(".route(") {
        let start = at + found + ".route(".len();
        at = start;
        let rest = source[start..].trim_start();
        let Some(rest) = rest.strip_prefix('"') else {
            continue;
        };
        let path = &rest[..rest.find('"').unwrap()];
        let after = rest[path.len() + 1..].trim_start();
        let after = after.strip_prefix(',').unwrap().trim_start();
        let method = &after[..after.find('(').unwrap()];
        assert!(
            ["get", "post", "put", "patch", "delete"].contains(&method),
            "{path}: {method}"
        );
        let prefix = if (api_start..api_end).contains(&start) {
            "/api/v1"
        } else {
            ""
        };
        routes.push((method.to_owned(), format!("{prefix}{path}")));
    }
    routes
}

#[tokio::test]
async fn the_document_describes_every_route() {
    let app = app(None).await;
    let doc = get_ok(&app, "/api/v1/openapi.json").await;
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["info"]["title"].is_string());
    let paths = doc["paths"].as_object().unwrap();

    let declared = declared_routes();
    assert!(declared.len() >= 19, "{declared:?}");
    for (method, path) in &declared {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} is routed but not in the document"
        );
    }

    let mut operation_ids = Vec::new();
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            assert!(
                declared.contains(&(method.clone(), path.clone())),
                "{method} {path} is in the document but not routed in src/lib.rs"
            );
            operation_ids.push(operation["operationId"].as_str().unwrap().to_owned());
            let responses = operation["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|code| code.starts_with('2')),
                "{method} {path}"
            );
            for (name, _) in path_parameters(path) {
                assert!(
                    operation["parameters"].as_array().is_some_and(|ps| ps
                        .iter()
                        .any(|p| p["name"] == name && p["in"] == "path")),
                    "{method} {path}: path parameter {name} undeclared"
                );
            }

            // The operation reaches its route: not the fallbacks' 404 or 405.
            let uri = path_parameters(path)
                .into_iter()
                .fold(path.clone(), |uri, (name, example)| {
                    uri.replace(&format!("{{{name}}}"), example)
                });
            let request = Request::builder()
                .method(Method::from_bytes(method.to_uppercase().as_bytes()).unwrap())
                .uri(&uri)
                .header("content-type", "application/json")
                .body(if method == "post" {
                    Body::from("{}")
                } else {
                    Body::empty()
                })
                .unwrap();
            // Only the status is looked at: the stream's body never ends.
            let request = support::with_default_account(request);
            let response = app.router.clone().oneshot(request).await.unwrap();
            let status = response.status();
            assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {uri}");
            if status == StatusCode::NOT_FOUND {
                let body = response.into_body().collect().await.unwrap().to_bytes();
                let problem: Value = serde_json::from_slice(&body).unwrap();
                assert!(
                    !problem["detail"].as_str().unwrap().contains("no such path"),
                    "{method} {uri}: {problem}"
                );
            }
        }
    }
    let n = operation_ids.len();
    operation_ids.sort();
    operation_ids.dedup();
    assert_eq!(operation_ids.len(), n, "operation ids are unique");

    // Every reference resolves.
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    assert!(refs.len() > 20);
    for r in refs {
        let name = r.strip_prefix("#/components/schemas/").unwrap();
        assert!(schemas.contains_key(name), "{r}");
    }
}

/// The `{name}` parameters of a path, each with an example value.
fn path_parameters(path: &str) -> Vec<(String, &'static str)> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| {
            let example = match name {
                "vessel" => "mmsi:574999999",
                "id" => "1",
                _ => "webhook:nobody",
            };
            (name.to_owned(), example)
        })
        .collect()
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if key == "$ref" {
                    out.push(v.as_str().unwrap().to_owned());
                } else {
                    collect_refs(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}
