//! `ApiError`, the API's one error type, rendered as RFC 9457 problem+json; and the
//! middleware that logs the hidden cause of server-side errors.

use std::error::Error as _;
use std::fmt::Write as _;

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use haidang_store::{LifecycleError, StoreError};
use serde::Serialize;

/// Everything a request can fail with. Each variant has one status; client errors carry a
/// `detail` meant for the caller, server errors a generic one (their cause is logged, never
/// sent).
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: a malformed parameter, path segment or body.
    #[error("{0}")]
    BadRequest(String),
    /// 401: no valid session or token; the detail says how to log in.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: authenticated, but the role (or scope) does not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// 500: a fault of the server itself (no randomness, a task that panicked); the
    /// cause is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
    /// 404: no such resource.
    #[error("{0}")]
    NotFound(String),
    /// 405: the path exists, the method does not.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 409: the change conflicts with the resource's state (acknowledging a resolved
    /// alert, resending a delivery that is not dead).
    #[error("{0}")]
    Conflict(String),
    /// 413: the body or the batch is over its limit.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// 415: the body is not JSON by its content type.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 422: well-formed JSON that does not hold what the route needs.
    #[error("{0}")]
    Unprocessable(String),
    /// 429: the client made more requests than its rate limit allows.
    #[error("more than {per_second} requests a second from this address")]
    TooManyRequests {
        /// The limit, for the detail.
        per_second: u32,
        /// Whole seconds until the next request is allowed (`Retry-After`).
        retry_after_s: u64,
    },
    /// 503 (or 500 for a fault that waiting will not cure): the store failed.
    #[error("store error")]
    Store(#[from] StoreError),
    /// 503: the store did not answer in time.
    #[error("the store did not answer in time")]
    StoreTimeout,
    /// 503: the server cannot take this request now (too many live streams, shutting
    /// down); the detail says why. Not an internal fault: nothing is logged as one.
    #[error("{0}")]
    Unavailable(String),
    /// 503: the ingest pipeline has stopped and takes no more batches.
    #[error("the ingest pipeline has stopped")]
    IngestStopped,
    /// 503: a readiness check failed; each entry names a check and says what is wrong.
    #[error("not ready")]
    NotReady(Vec<(&'static str, &'static str)>),
}

/// The problem+json body (RFC 9457). `type` is always `about:blank`, so `title` is the
/// status's reason phrase and `detail` says what happened.
#[derive(Serialize)]
struct Problem<'a> {
    r#type: &'static str,
    title: &'static str,
    status: u16,
    detail: &'a str,
    /// Readiness checks, only on `/readyz`'s 503.
    #[serde(skip_serializing_if = "Option::is_none")]
    checks: Option<serde_json::Map<String, serde_json::Value>>,
}

/// The cause of a server-side error, handed from the response to [`log_cause`] in an
/// extension so that the conversion itself never logs.
#[derive(Clone, Debug)]
struct HiddenCause(String);

impl ApiError {
    /// The response's status.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            // A database that fails to answer is usually down or overloaded: retry later.
            ApiError::Store(StoreError::Database(_)) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::StoreTimeout
            | ApiError::IngestStopped
            | ApiError::NotReady(_)
            | ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn detail(&self) -> std::borrow::Cow<'_, str> {
        std::borrow::Cow::Borrowed(match self {
            ApiError::BadRequest(d)
            | ApiError::NotFound(d)
            | ApiError::Unauthorized(d)
            | ApiError::Forbidden(d)
            | ApiError::Conflict(d)
            | ApiError::Unavailable(d)
            | ApiError::PayloadTooLarge(d)
            | ApiError::UnsupportedMediaType(d)
            | ApiError::Unprocessable(d) => d,
            ApiError::MethodNotAllowed => "this path does not support the request's method",
            ApiError::Store(StoreError::Database(_)) | ApiError::StoreTimeout => {
                "the store is not answering; try again shortly"
            }
            ApiError::Store(_) => "the server failed to read the store",
            ApiError::Internal(_) => "the server failed; the cause is in its log",
            ApiError::IngestStopped => {
                "the ingest pipeline has stopped (the server is shutting down); retry the batch later"
            }
            ApiError::NotReady(_) => "not ready: see checks",
            ApiError::TooManyRequests { .. } => {
                return std::borrow::Cow::Owned(format!(
                    "{self}; slow down and retry after the seconds in Retry-After"
                ));
            }
        })
    }

    /// The error and its sources, for the log only.
    fn cause(&self) -> String {
        let mut text = self.to_string();
        let mut source = self.source();
        while let Some(s) = source {
            let _ = write!(text, ": {s}");
            source = s.source();
        }
        text
    }

    /// The error a body that could not be read as JSON of the expected shape becomes;
    /// `limit_bytes` is the route's body limit, for the 413's detail.
    pub(crate) fn from_json(rejection: JsonRejection, limit_bytes: usize) -> Self {
        let detail = rejection.body_text();
        match rejection {
            JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType(
                "expected a JSON body with `Content-Type: application/json`".into(),
            ),
            JsonRejection::JsonSyntaxError(_) => ApiError::BadRequest(detail),
            JsonRejection::JsonDataError(_) => ApiError::Unprocessable(detail),
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                ApiError::PayloadTooLarge(format!("the body is larger than {limit_bytes} bytes"))
            }
            _ => ApiError::BadRequest(format!("could not read the request body: {detail}")),
        }
    }

    /// The error a query string that does not fit the route's parameters becomes.
    pub(crate) fn from_query(rejection: QueryRejection) -> Self {
        ApiError::BadRequest(rejection.body_text())
    }

    /// The error a path segment that cannot be decoded becomes.
    pub(crate) fn from_path(rejection: PathRejection) -> Self {
        ApiError::BadRequest(rejection.body_text())
    }
}

impl From<LifecycleError> for ApiError {
    fn from(e: LifecycleError) -> Self {
        match e {
            LifecycleError::NoSuchAlert(id) => ApiError::NotFound(format!("no alert {id}")),
            LifecycleError::NoSuchDelivery(id) => ApiError::NotFound(format!("no delivery {id}")),
            e @ (LifecycleError::Conflict { .. }
            | LifecycleError::NotDead { .. }
            | LifecycleError::EndpointDisabled(_)) => ApiError::Conflict(e.to_string()),
            LifecycleError::Store(e) => ApiError::Store(e),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let checks = match &self {
            ApiError::NotReady(checks) => Some(
                checks
                    .iter()
                    .map(|(name, what)| ((*name).to_owned(), (*what).into()))
                    .collect(),
            ),
            _ => None,
        };
        let problem = Problem {
            r#type: "about:blank",
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail: &self.detail(),
            checks,
        };
        let mut response = (status, Json(problem)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let ApiError::TooManyRequests { retry_after_s, .. } = &self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_s));
        }
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"haidang\""),
            );
        }
        if status.is_server_error() {
            response.extensions_mut().insert(HiddenCause(self.cause()));
        }
        response
    }
}

/// Middleware: logs the cause an [`ApiError`] left on a 5xx response (at ERROR: an
/// operator has something to look at), then drops it.
pub(crate) async fn log_cause(mut response: Response) -> Response {
    if let Some(HiddenCause(cause)) = response.extensions_mut().remove::<HiddenCause>() {
        let status = response.status().as_u16();
        // Unavailable (the store is down, the pipeline stopped) is a state, reported once
        // per request while it lasts: a warning, not an error that floods an outage's logs.
        if status == 503 {
            tracing::warn!(status, error = %cause, "request failed");
        } else {
            tracing::error!(status, error = %cause, "request failed");
        }
    }
    response
}

/// The fallback for paths no route matches.
pub(crate) async fn not_found() -> ApiError {
    ApiError::NotFound("no such path; the API lives under /api/v1".into())
}

/// The fallback for a known path with an unsupported method.
pub(crate) async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
