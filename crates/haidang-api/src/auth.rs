//! Who is calling, and may they: sessions and bearer tokens, the one authorisation table
//! (route group × role), and the login, logout and `me` routes.
//!
//! Every route is in [`ROUTES`] with its group; [`authorize`] runs after routing, looks the
//! matched route up, and lets a request through only when its group is public or the
//! caller's role is allowed the group in [`POLICY`]. A route missing from the table is
//! refused to everyone (deny by default). Unauthenticated is a 401, authenticated but not
//! allowed a 403 (both problem+json); the map page sends a browser to `/login` instead.
//!
//! Secrets: passwords are argon2id PHC strings; a session id and an API token are 32
//! random bytes (base64url), stored only as their SHA-256. Looking a hash up by equality
//! reveals nothing usable about the secret, and the argon2 check is constant-time. A name
//! that does not exist is checked against a dummy hash, so that the answer takes as long.
//! Five failed logins lock an account for 15 minutes.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use haidang_store::{Account, CaseScope, NewAccount, Role, Store};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

use crate::{ApiError, AppState};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "haidang_session";

/// How long a session lasts (absolute, from login).
const SESSION_TTL: Duration = Duration::hours(12);

/// Failed logins in a row that lock an account.
const MAX_FAILED_LOGINS: u32 = 5;

/// How long a locked account stays locked.
const LOCKOUT: Duration = Duration::minutes(15);

/// The longest password taken (argon2's input is bounded, so is its cost).
const MAX_PASSWORD_BYTES: usize = 1024;

/// The shortest password `haidang user add` accepts.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Prefix of every API token, so that a leaked one is recognisable (secret scanners).
const TOKEN_PREFIX: &str = "hd_";

/// The route groups of the authorisation table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Group {
    /// Health, readiness, metrics, the login page and assets, the login itself.
    Public,
    /// `me`, `logout`: any authenticated caller.
    Account,
    /// The map's data: vessels, tracks, alerts, the stream, stats, zones, the OpenAPI
    /// document.
    Read,
    /// Acknowledge and resolve alerts.
    AlertAction,
    /// Dead letters, resend, disabled endpoints.
    Delivery,
    /// The bridges' NMEA batch endpoint.
    Ingest,
    /// Case lists and details (no crew data).
    CaseRead,
    /// Opening cases, notes, status changes, linking alerts, recording crew.
    CaseWrite,
    /// Reading crew personal data (audited).
    Crew,
    /// Case evidence packs (tracks, no crew data).
    Evidence,
    /// The crew-data access log.
    Audit,
    /// Reading the fleet register.
    RegistryRead,
    /// Importing the fleet register (national accounts only: the handler refuses a
    /// province's).
    RegistryImport,
    /// Reading compliance cases.
    ComplianceRead,
    /// Verifying, sanctioning and closing compliance cases.
    ComplianceWrite,
    /// Captains' manual position reports (recorded by the watch floor or fisheries).
    ManualReports,
    /// The IUU compliance report (a province's account: its province only).
    Reports,
}

use Group::*;
use Role::{Admin, Consular, Device, Fisheries, Operator};

/// Every route (method, path as routed) and its group. HEAD is looked up as GET.
pub(crate) const ROUTES: &[(Method, &str, Group)] = &[
    (Method::GET, "/healthz", Public),
    (Method::GET, "/readyz", Public),
    // Counters only, no personal data; scraped by Prometheus, which holds no session.
    // Keep the port on loopback or a trusted network (see the crate docs).
    (Method::GET, "/metrics", Public),
    (Method::GET, "/login", Public),
    (Method::GET, "/assets/{*path}", Public),
    (Method::POST, "/api/v1/login", Public),
    (Method::GET, "/", Read),
    (Method::GET, "/cases", CaseRead),
    // The IUU report page: operators see its cases; the report itself is `Reports`.
    (Method::GET, "/reports", ComplianceRead),
    (Method::POST, "/api/v1/logout", Account),
    (Method::GET, "/api/v1/me", Account),
    (Method::GET, "/api/v1/openapi.json", Read),
    (Method::GET, "/api/v1/vessels", Read),
    (Method::GET, "/api/v1/vessels/{vessel}", Read),
    (Method::GET, "/api/v1/vessels/{vessel}/track", Read),
    (Method::GET, "/api/v1/alerts", Read),
    (Method::GET, "/api/v1/alerts/{id}", Read),
    (Method::GET, "/api/v1/stream", Read),
    (Method::GET, "/api/v1/stats", Read),
    (Method::GET, "/api/v1/zones", Read),
    (Method::POST, "/api/v1/alerts/{id}/acknowledge", AlertAction),
    (Method::POST, "/api/v1/alerts/{id}/resolve", AlertAction),
    (Method::GET, "/api/v1/deliveries/dead", Delivery),
    (Method::POST, "/api/v1/deliveries/{id}/resend", Delivery),
    (Method::GET, "/api/v1/endpoints/disabled", Delivery),
    (
        Method::POST,
        "/api/v1/endpoints/{destination}/enable",
        Delivery,
    ),
    (Method::POST, "/api/v1/ingest/nmea", Ingest),
    (Method::GET, "/api/v1/cases", CaseRead),
    (Method::GET, "/api/v1/cases/{id}", CaseRead),
    (Method::POST, "/api/v1/cases", CaseWrite),
    (Method::POST, "/api/v1/cases/{id}/status", CaseWrite),
    (Method::POST, "/api/v1/cases/{id}/notes", CaseWrite),
    (Method::POST, "/api/v1/cases/{id}/alerts", CaseWrite),
    (Method::POST, "/api/v1/cases/{id}/crew", CaseWrite),
    (Method::GET, "/api/v1/cases/{id}/crew", Crew),
    (Method::GET, "/api/v1/cases/{id}/evidence", Evidence),
    (Method::GET, "/api/v1/cases/{id}/evidence.pdf", Evidence),
    (Method::GET, "/api/v1/audit", Audit),
    (Method::POST, "/api/v1/registry", RegistryImport),
    (Method::GET, "/api/v1/registry/{registration}", RegistryRead),
    (Method::GET, "/api/v1/compliance/cases", ComplianceRead),
    (Method::GET, "/api/v1/reports/iuu", Reports),
    (Method::GET, "/api/v1/compliance/cases/{id}", ComplianceRead),
    (
        Method::POST,
        "/api/v1/compliance/cases/{id}/verify",
        ComplianceWrite,
    ),
    (
        Method::POST,
        "/api/v1/compliance/cases/{id}/sanction",
        ComplianceWrite,
    ),
    (
        Method::POST,
        "/api/v1/compliance/cases/{id}/close",
        ComplianceWrite,
    ),
    (Method::POST, "/api/v1/manual-reports", ManualReports),
    (
        Method::GET,
        "/api/v1/vessels/{vessel}/manual-reports",
        ManualReports,
    ),
];

/// Who may reach each group (public groups need no one). Everything else is refused.
pub(crate) const POLICY: &[(Group, &[Role])] = &[
    (Account, &[Operator, Consular, Fisheries, Admin, Device]),
    (Read, &[Operator, Consular, Fisheries, Admin]),
    (AlertAction, &[Operator, Consular, Admin]),
    (Delivery, &[Operator, Admin]),
    (Ingest, &[Device, Admin]),
    (CaseRead, &[Operator, Consular, Fisheries, Admin]),
    (CaseWrite, &[Consular, Admin]),
    (Crew, &[Consular, Admin]),
    (Evidence, &[Consular, Fisheries, Admin]),
    (Audit, &[Admin]),
    (RegistryRead, &[Operator, Consular, Fisheries, Admin]),
    (RegistryImport, &[Fisheries, Admin]),
    (ComplianceRead, &[Operator, Fisheries, Admin]),
    (ComplianceWrite, &[Fisheries, Admin]),
    (ManualReports, &[Operator, Fisheries, Admin]),
    (Reports, &[Fisheries, Admin]),
];

/// The group of a routed request, or `None` for a route the table does not name.
pub(crate) fn group_of(method: &Method, path: &str) -> Option<Group> {
    let method = if method == Method::HEAD {
        &Method::GET
    } else {
        method
    };
    ROUTES
        .iter()
        .find(|(m, p, _)| m == method && *p == path)
        .map(|(_, _, g)| *g)
}

/// Whether `role` may reach `group`.
pub(crate) fn allowed(group: Group, role: Role) -> bool {
    group == Public
        || POLICY
            .iter()
            .any(|(g, roles)| *g == group && roles.contains(&role))
}

/// How a caller proved who they are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Via {
    /// A user, through a session cookie.
    Session,
    /// An API token (`Authorization: Bearer`).
    Token,
}

/// The authenticated caller, put in the request's extensions by [`authorize`].
#[derive(Clone, Debug)]
pub(crate) struct Principal {
    pub(crate) via: Via,
    pub(crate) account: Account,
}

impl Principal {
    /// How the caller is named in case timelines and the audit log: `user:NAME` or
    /// `token:NAME`.
    pub(crate) fn who(&self) -> String {
        match self.via {
            Via::Session => format!("user:{}", self.account.name),
            Via::Token => format!("token:{}", self.account.name),
        }
    }

    /// The cases this caller may see.
    pub(crate) fn case_scope(&self) -> CaseScope {
        match (&self.account.mission, &self.account.province) {
            (Some(m), _) => CaseScope::Mission(m.clone()),
            (None, Some(p)) => CaseScope::Province(p.clone()),
            (None, None) => CaseScope::All,
        }
    }
}

/// Middleware (after routing): the authorisation table, applied. Fallbacks (unknown path,
/// wrong method) have no matched route and pass: they answer 404 or 405 and reveal nothing.
pub(crate) async fn authorize(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(path) = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
    else {
        return next.run(request).await;
    };
    let Some(group) = group_of(request.method(), &path) else {
        return ApiError::Forbidden("this route is not open to any role".into()).into_response();
    };
    if group == Public {
        return next.run(request).await;
    }
    let principal = match authenticate(&state.store, request.headers()).await {
        Ok(Some(p)) => p,
        // The pages send a browser to the login page.
        Ok(None) if path == "/" || path == "/cases" || path == "/reports" => {
            return Redirect::to("/login").into_response();
        }
        Ok(None) => {
            return ApiError::Unauthorized(
                "log in first (POST /api/v1/login) or send `Authorization: Bearer TOKEN`".into(),
            )
            .into_response();
        }
        Err(e) => return e.into_response(),
    };
    if !allowed(group, principal.account.role) {
        return ApiError::Forbidden(format!(
            "the {} role may not use this route",
            principal.account.role.as_str()
        ))
        .into_response();
    }
    request.extensions_mut().insert(principal);
    next.run(request).await
}

/// The caller, from a bearer token or else the session cookie; `None` when neither is
/// valid.
async fn authenticate(store: &Store, headers: &HeaderMap) -> Result<Option<Principal>, ApiError> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let Some(token) = token.filter(|t| !t.is_empty() && t.len() <= 256) else {
            return Ok(None);
        };
        let account = store.token_account(&secret_hash(token)).await?;
        return Ok(account.map(|account| Principal {
            via: Via::Token,
            account,
        }));
    }
    let Some(session) = session_cookie(headers) else {
        return Ok(None);
    };
    let account = store
        .session_account(&secret_hash(session), OffsetDateTime::now_utc())
        .await?;
    Ok(account.map(|account| Principal {
        via: Via::Session,
        account,
    }))
}

/// The session cookie's value, if the request carries one.
fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value)
        .filter(|v| !v.is_empty() && v.len() <= 256)
}

/// The hex SHA-256 of a secret (session id or token): what the store keeps.
pub fn secret_hash(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// 32 random bytes from the operating system, base64url without padding (43
/// characters): session ids, tokens, the demo's password.
pub fn random_secret() -> Result<String, AuthError> {
    let mut bytes = [0_u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| AuthError::Crypto(format!("no randomness from the system: {e}")))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// Why a password could not be hashed or an account created.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The password is too short or too long.
    #[error(
        "a password is {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_BYTES} bytes long (at least {MIN_PASSWORD_CHARS} characters)"
    )]
    BadPassword,
    /// The system gave no randomness, or hashing failed.
    #[error("{0}")]
    Crypto(String),
    /// The store refused the account.
    #[error(transparent)]
    Account(#[from] haidang_store::AccountError),
}

/// Hashes a password (argon2id, default parameters, random salt) to its PHC string.
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    if password.chars().count() < MIN_PASSWORD_CHARS || password.len() > MAX_PASSWORD_BYTES {
        return Err(AuthError::BadPassword);
    }
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AuthError::Crypto(e.to_string()))
}

/// Whether `password` matches the PHC string `hash` (constant-time in the argon2 crate).
fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).ok().is_some_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A hash no password matches, checked for names that do not exist.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        // Hashing fails only without system randomness; then no login works anyway.
        hash_password("no account has this password, ever").unwrap_or_default()
    })
}

/// Creates a user (`haidang user add`, the demo account): hashes the password and stores
/// it; with `replace`, an existing user of that name is updated instead.
pub async fn create_user(
    store: &Store,
    user: &NewAccount,
    password: &str,
    replace: bool,
) -> Result<i64, AuthError> {
    let password = password.to_owned();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AuthError::Crypto(e.to_string()))??;
    Ok(store
        .create_user(user, &hash, replace, OffsetDateTime::now_utc())
        .await?)
}

/// Creates an API token (`haidang token create`, the demo's device token) and returns
/// its value, which is shown once: only its hash is stored. With `replace`, a token of
/// that name gets the new value.
pub async fn create_token(
    store: &Store,
    token: &NewAccount,
    replace: bool,
) -> Result<String, AuthError> {
    let secret = random_secret()?;
    let value = format!("{TOKEN_PREFIX}{secret}");
    store
        .create_token(
            token,
            &secret_hash(&value),
            replace,
            OffsetDateTime::now_utc(),
        )
        .await?;
    Ok(value)
}

/// What `POST /api/v1/login` takes, as JSON or a form.
#[derive(Deserialize)]
pub(crate) struct Login {
    name: String,
    password: String,
}

/// Who the caller is: `me`'s and `login`'s answer.
#[derive(Serialize)]
pub(crate) struct MeJson {
    name: String,
    kind: &'static str,
    role: &'static str,
    mission: Option<String>,
    province: Option<String>,
}

impl MeJson {
    fn new(account: &Account, via: Via) -> Self {
        MeJson {
            name: account.name.clone(),
            kind: match via {
                Via::Session => "user",
                Via::Token => "token",
            },
            role: account.role.as_str(),
            mission: account.mission.clone(),
            province: account.province.clone(),
        }
    }
}

const WRONG: &str =
    "wrong name or password (after 5 failures in a row an account is locked for 15 minutes)";

/// `POST /api/v1/login`: a JSON or form body `{name, password}`; 200 with who you are and a
/// session cookie; 401 for a wrong name or password or a locked account.
pub(crate) async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let login: Login = if content_type.starts_with("application/json") {
        serde_json::from_slice(&body).map_err(|e| {
            ApiError::Unprocessable(format!("expected {{\"name\", \"password\"}}: {e}"))
        })?
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        serde_urlencoded::from_bytes(&body)
            .map_err(|e| ApiError::Unprocessable(format!("expected name and password: {e}")))?
    } else {
        return Err(ApiError::UnsupportedMediaType(
            "send the login as application/json or application/x-www-form-urlencoded".into(),
        ));
    };
    if login.name.is_empty()
        || login.name.len() > 64
        || login.password.is_empty()
        || login.password.len() > MAX_PASSWORD_BYTES
    {
        return Err(ApiError::Unauthorized(WRONG.into()));
    }
    let now = OffsetDateTime::now_utc();
    let record = state.store.login_record(&login.name).await?;
    let locked = record
        .as_ref()
        .and_then(|r| r.locked_until)
        .is_some_and(|until| until > now);
    let hash = match &record {
        Some(r) if !locked => r.password_hash.clone(),
        _ => dummy_hash().to_owned(),
    };
    let password = login.password;
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let Some(record) = record else {
        return Err(ApiError::Unauthorized(WRONG.into()));
    };
    if locked {
        return Err(ApiError::Unauthorized(WRONG.into()));
    }
    if !ok {
        let failed = record.failed_logins.saturating_add(1);
        let (failed, until) = if failed >= MAX_FAILED_LOGINS {
            tracing::warn!(user = %record.account.name, "account locked after failed logins");
            (0, Some(now + LOCKOUT))
        } else {
            (failed, None)
        };
        state
            .store
            .set_login_failures(record.account.id, failed, until)
            .await?;
        return Err(ApiError::Unauthorized(WRONG.into()));
    }
    if record.failed_logins > 0 || record.locked_until.is_some() {
        state
            .store
            .set_login_failures(record.account.id, 0, None)
            .await?;
    }
    let session = random_secret().map_err(|e| ApiError::Internal(e.to_string()))?;
    state
        .store
        .create_session(
            &secret_hash(&session),
            record.account.id,
            now,
            now + SESSION_TTL,
        )
        .await?;
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    let cookie = format!(
        "{SESSION_COOKIE}={session}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{secure}",
        SESSION_TTL.whole_seconds()
    );
    let mut response = Json(MeJson::new(&record.account, Via::Session)).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|e| ApiError::Internal(e.to_string()))?,
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `POST /api/v1/logout`: ends the session (if the caller has one) and clears the cookie;
/// 204.
pub(crate) async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(session) = session_cookie(&headers) {
        state.store.delete_session(&secret_hash(session)).await?;
    }
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    let cookie = format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0{secure}");
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|e| ApiError::Internal(e.to_string()))?,
    );
    Ok(response)
}

/// `GET /api/v1/me`: who the caller is.
pub(crate) async fn me(principal: axum::Extension<Principal>) -> Json<MeJson> {
    Json(MeJson::new(&principal.account, principal.via))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_group_but_public_names_its_roles_once() {
        for (group, roles) in POLICY {
            assert_ne!(*group, Public);
            assert_eq!(POLICY.iter().filter(|(g, _)| g == group).count(), 1);
            assert!(!roles.is_empty(), "{group:?}");
        }
        // A device reaches nothing but the batch endpoint and its own identity.
        for (_, _, group) in ROUTES {
            if allowed(*group, Device) {
                assert!(matches!(group, Public | Account | Ingest), "{group:?}");
            }
        }
        assert!(!allowed(Crew, Operator) && !allowed(Crew, Fisheries));
        assert!(allowed(Crew, Consular) && allowed(Audit, Admin) && !allowed(Audit, Consular));
    }

    #[test]
    fn passwords_hash_and_verify() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterY", &hash));
        assert!(!verify_password("anything", "not a hash"));
        assert!(!verify_password(
            "no account has this password",
            dummy_hash()
        ));
        assert!(matches!(
            hash_password("short"),
            Err(AuthError::BadPassword)
        ));
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=b; haidang_session=xyz; c=d"),
        );
        assert_eq!(session_cookie(&headers), Some("xyz"));
        headers.insert(header::COOKIE, HeaderValue::from_static("haidang_session="));
        assert_eq!(session_cookie(&headers), None);
        assert_eq!(secret_hash("abc").len(), 64);
        assert_ne!(random_secret().unwrap(), random_secret().unwrap());
    }
}
