//! The live map's static files (`web/`), built into the binary: `/` is the page and
//! `/assets/…` its script, style, basemap and the vendored Leaflet; `/login` is the login
//! page, `/cases` the consular cases page, `/reports` the IUU report page. The map, cases
//! and report pages need a session (without one a browser is sent to `/login`); the
//! login page and every asset are public: they are the same for everyone and hold no data.
//!
//! Every answer carries a strict Content-Security-Policy (only this origin; no inline
//! script or style, no `eval`, no frames), `nosniff` and no referrer. The page and its own
//! files are revalidated on every load (`no-cache` with an `ETag`, so an unchanged file is
//! a 304); the vendored files live under a versioned path and are cached for a year.

use std::sync::OnceLock;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::{ApiError, AppState};

/// Only this origin, for everything; nothing inline (Leaflet sets positions through the
/// CSSOM, which `style-src` does not govern).
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self'; connect-src 'self'; font-src 'self'; \
     manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// How long a browser may keep a file without asking again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Caching {
    /// Ask every time (with the ETag): the page and its own files change with the binary.
    Revalidate,
    /// A year, never revalidated: the path names the version.
    Immutable,
}

/// One embedded file.
struct Asset {
    /// The path under `/assets/` (`index.html` is served at `/` only).
    path: &'static str,
    content_type: &'static str,
    caching: Caching,
    body: &'static [u8],
}

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const PNG: &str = "image/png";

const INDEX: Asset = Asset {
    path: "index.html",
    content_type: "text/html; charset=utf-8",
    caching: Caching::Revalidate,
    body: include_bytes!("../web/index.html"),
};

/// Everything under `/assets/`.
const ASSETS: &[Asset] = &[
    Asset {
        path: "app.js",
        content_type: JS,
        caching: Caching::Revalidate,
        body: include_bytes!("../web/app.js"),
    },
    Asset {
        path: "app.css",
        content_type: CSS,
        caching: Caching::Revalidate,
        body: include_bytes!("../web/app.css"),
    },
    Asset {
        path: "favicon.svg",
        content_type: "image/svg+xml",
        caching: Caching::Revalidate,
        body: include_bytes!("../web/favicon.svg"),
    },
    Asset {
        path: "basemap.geojson",
        content_type: "application/geo+json",
        caching: Caching::Revalidate,
        body: include_bytes!("../web/basemap.geojson"),
    },
    Asset {
        path: "vendor/leaflet-1.9.4/leaflet.js",
        content_type: JS,
        caching: Caching::Immutable,
        body: include_bytes!("../web/vendor/leaflet-1.9.4/leaflet.js"),
    },
    Asset {
        path: "vendor/leaflet-1.9.4/leaflet.css",
        content_type: CSS,
        caching: Caching::Immutable,
        body: include_bytes!("../web/vendor/leaflet-1.9.4/leaflet.css"),
    },
    Asset {
        path: "vendor/leaflet-1.9.4/images/layers.png",
        content_type: PNG,
        caching: Caching::Immutable,
        body: include_bytes!("../web/vendor/leaflet-1.9.4/images/layers.png"),
    },
    Asset {
        path: "vendor/leaflet-1.9.4/images/layers-2x.png",
        content_type: PNG,
        caching: Caching::Immutable,
        body: include_bytes!("../web/vendor/leaflet-1.9.4/images/layers-2x.png"),
    },
    Asset {
        path: "vendor/leaflet-1.9.4/images/marker-icon.png",
        content_type: PNG,
        caching: Caching::Immutable,
        body: include_bytes!("../web/vendor/leaflet-1.9.4/images/marker-icon.png"),
    },
    Asset {
        path: "vendor/leaflet-1.9.4/images/marker-icon-2x.png",
        content_type: PNG,
        caching: Caching::Immutable,
        body: include_bytes!("../web/vendor/leaflet-1.9.4/images/marker-icon-2x.png"),
    },
    Asset {
        path: "vendor/leaflet-1.9.4/images/marker-shadow.png",
        content_type: PNG,
        caching: Caching::Immutable,
        body: include_bytes!("../web/vendor/leaflet-1.9.4/images/marker-shadow.png"),
    },
    // The login page (served at `/login`) and its files: public, like every asset.
    Asset {
        path: "login.html",
        content_type: "text/html; charset=utf-8",
        caching: Caching::Revalidate,
        body: include_bytes!("../web/login.html"),
    },
    Asset {
        path: "login.js",
        content_type: JS,
        caching: Caching::Revalidate,
        body: include_bytes!("../web/login.js"),
    },
    Asset {
        path: "login.css",
        content_type: CSS,
        caching: Caching::Revalidate,
        body: include_bytes!("../web/login.css"),
    },
    // The consular cases page (served at `/cases`, behind a login) and its files.
    Asset {
        path: "cases.html",
        content_type: "text/html; charset=utf-8",
        caching: Caching::Revalidate,
        body: include_bytes!("../web/cases.html"),
    },
    Asset {
        path: "cases.js",
        content_type: JS,
        caching: Caching::Revalidate,
        body: include_bytes!("../web/cases.js"),
    },
    Asset {
        path: "cases.css",
        content_type: CSS,
        caching: Caching::Revalidate,
        body: include_bytes!("../web/cases.css"),
    },
    // The IUU report page (served at `/reports`, behind a login) and its files.
    Asset {
        path: "reports.html",
        content_type: "text/html; charset=utf-8",
        caching: Caching::Revalidate,
        body: include_bytes!("../web/reports.html"),
    },
    Asset {
        path: "reports.js",
        content_type: JS,
        caching: Caching::Revalidate,
        body: include_bytes!("../web/reports.js"),
    },
    Asset {
        path: "reports.css",
        content_type: CSS,
        caching: Caching::Revalidate,
        body: include_bytes!("../web/reports.css"),
    },
];

/// `/` and `/assets/{path}`, merged into the API's router by `router`.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/login", get(login))
        .route("/cases", get(cases))
        .route("/reports", get(reports))
        .route("/assets/{*path}", get(asset))
}

async fn index(headers: HeaderMap) -> Response {
    serve(&INDEX, usize::MAX, &headers)
}

async fn login(headers: HeaderMap) -> Result<Response, ApiError> {
    asset(Path("login.html".to_owned()), headers).await
}

async fn cases(headers: HeaderMap) -> Result<Response, ApiError> {
    asset(Path("cases.html".to_owned()), headers).await
}

async fn reports(headers: HeaderMap) -> Result<Response, ApiError> {
    asset(Path("reports.html".to_owned()), headers).await
}

async fn asset(Path(path): Path<String>, headers: HeaderMap) -> Result<Response, ApiError> {
    let (i, found) = ASSETS
        .iter()
        .enumerate()
        .find(|(_, a)| a.path == path)
        .ok_or_else(|| ApiError::NotFound(format!("no asset {path:?}")))?;
    Ok(serve(found, i, &headers))
}

/// The file, or 304 when the browser's copy (`If-None-Match`) is this one.
fn serve(asset: &Asset, index: usize, request: &HeaderMap) -> Response {
    let etag = etag(asset, index);
    let fresh = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        asset.body.into_response()
    };
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(match asset.caching {
            Caching::Revalidate => "no-cache",
            Caching::Immutable => "public, max-age=31536000, immutable",
        }),
    );
    if let Ok(value) = HeaderValue::from_str(etag) {
        h.insert(header::ETAG, value);
    }
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// A strong ETag from the file's bytes (64-bit FNV-1a), computed once per file.
fn etag(asset: &Asset, index: usize) -> &'static str {
    static INDEX_TAG: OnceLock<String> = OnceLock::new();
    static TAGS: OnceLock<Vec<String>> = OnceLock::new();
    let tag = |body: &[u8]| {
        let hash = body.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        format!("\"{hash:016x}-{}\"", body.len())
    };
    if index == usize::MAX {
        INDEX_TAG.get_or_init(|| tag(asset.body))
    } else {
        &TAGS.get_or_init(|| ASSETS.iter().map(|a| tag(a.body)).collect())[index]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_the_page_names_is_served() {
        let page = std::str::from_utf8(INDEX.body).unwrap();
        let css = std::str::from_utf8(ASSETS[5].body).unwrap();
        let mut named = Vec::new();
        for part in page.split("/assets/").skip(1) {
            named.push(part.split('"').next().unwrap().to_owned());
        }
        // Leaflet's stylesheet names its images relative to itself.
        for part in css.split("url(images/").skip(1) {
            named.push(format!(
                "vendor/leaflet-1.9.4/images/{}",
                part.split(')').next().unwrap()
            ));
        }
        assert!(named.len() >= 5, "{named:?}");
        for path in named {
            assert!(
                ASSETS.iter().any(|a| a.path == path),
                "{path} is not served"
            );
        }
        let script = std::str::from_utf8(ASSETS[0].body).unwrap();
        assert!(script.contains("/assets/basemap.geojson"));
    }

    #[test]
    fn the_page_has_no_inline_script_or_style() {
        let login = ASSETS.iter().find(|a| a.path == "login.html").unwrap();
        let cases = ASSETS.iter().find(|a| a.path == "cases.html").unwrap();
        let reports = ASSETS.iter().find(|a| a.path == "reports.html").unwrap();
        for page in [INDEX.body, login.body, cases.body, reports.body] {
            let page = std::str::from_utf8(page).unwrap();
            for bad in [
                "<script>",
                " style=",
                "<style",
                "javascript:",
                "onclick",
                "onsubmit",
            ] {
                assert!(!page.contains(bad), "a page contains {bad:?}");
            }
            for part in page.split("/assets/").skip(1) {
                let path = part.split('"').next().unwrap();
                assert!(
                    ASSETS.iter().any(|a| a.path == path),
                    "{path} is not served"
                );
            }
        }
        let page = std::str::from_utf8(INDEX.body).unwrap();
        for bad in [
            "<script>",
            " style=",
            "<style",
            "javascript:",
            "onclick",
            "onload",
        ] {
            assert!(!page.contains(bad), "index.html contains {bad:?}");
        }
        for bad in ["http://", "https://"] {
            let own = ASSETS.iter().filter(|a| a.path.starts_with("reports."));
            for a in [&INDEX].into_iter().chain(ASSETS.iter().take(3)).chain(own) {
                let text = std::str::from_utf8(a.body).unwrap();
                assert!(
                    text.lines().all(|l| !l.contains(bad)
                        || l.contains("xmlns")
                        || l.trim_start().starts_with("//")),
                    "{} requests {bad}",
                    a.path
                );
            }
        }
    }

    #[test]
    fn the_report_page_names_its_own_files_and_every_element_its_script_uses() {
        let page = std::str::from_utf8(
            ASSETS
                .iter()
                .find(|a| a.path == "reports.html")
                .unwrap()
                .body,
        )
        .unwrap();
        for file in ["/assets/reports.js", "/assets/reports.css"] {
            assert!(
                page.contains(&format!("\"{file}\"")),
                "reports.html names {file}"
            );
        }
        let script =
            std::str::from_utf8(ASSETS.iter().find(|a| a.path == "reports.js").unwrap().body)
                .unwrap();
        // Every fixed element the script looks up by id is in the page.
        for part in script.split("$(\"").skip(1) {
            let id = part.split('"').next().unwrap();
            assert!(
                page.contains(&format!("id=\"{id}\"")),
                "reports.html has no #{id}"
            );
        }
        assert!(script.contains("/api/v1/reports/iuu"));
        // The page's own strings come in both languages.
        assert!(script.contains("vi: {") && script.contains("en: {"));
    }

    #[test]
    fn etags_are_stable_and_distinct() {
        let a = etag(&ASSETS[0], 0);
        assert_eq!(a, etag(&ASSETS[0], 0));
        assert_ne!(a, etag(&ASSETS[1], 1));
        assert_ne!(a, etag(&INDEX, usize::MAX));
    }
}
