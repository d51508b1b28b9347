//! Standard Webhooks signatures: `webhook-signature: v1,<base64(HMAC-SHA256(secret,
//! "{id}.{timestamp}.{body}"))>`, and their verification in constant time.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// How far a signed timestamp may be from the verifier's clock (replay protection).
pub const DEFAULT_TOLERANCE_SECS: i64 = 300;

/// A webhook signing secret. `Debug` prints `[REDACTED]`.
///
/// Written as Standard Webhooks writes it, `whsec_` and the base64 of the key bytes, or as
/// any other string, whose UTF-8 bytes are then the key.
#[derive(Clone)]
pub struct Secret(Hmac<Sha256>);

impl Secret {
    /// The secret written in `text`. A `whsec_` secret must be valid base64.
    pub fn parse(text: &str) -> Result<Self, SignatureError> {
        let key = match text.strip_prefix("whsec_") {
            Some(b64) => BASE64.decode(b64).map_err(|_| SignatureError::BadSecret)?,
            None => text.as_bytes().to_vec(),
        };
        // HMAC takes a key of any length; the error cannot happen.
        <Hmac<Sha256> as KeyInit>::new_from_slice(&key)
            .map(Secret)
            .map_err(|_| SignatureError::BadSecret)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

/// Why a signature was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// A `whsec_` secret that is not base64.
    #[error("webhook secret starts with whsec_ but is not base64")]
    BadSecret,
    /// A required header is absent or not text.
    #[error("missing header {0}")]
    MissingHeader(&'static str),
    /// `webhook-timestamp` is not whole Unix seconds.
    #[error("webhook-timestamp is not a number of seconds")]
    BadTimestamp,
    /// The timestamp is too far from now.
    #[error("webhook-timestamp is {0} s away from now")]
    Stale(i64),
    /// No `v1` signature in the header matches.
    #[error("no matching v1 signature")]
    Mismatch,
}

fn signed_mac(secret: &Secret, msg_id: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = secret.0.clone();
    mac.update(msg_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The `webhook-signature` value for a message: `v1,` and the base64 HMAC-SHA256 of
/// `{msg_id}.{timestamp}.{body}`.
pub fn sign(secret: &Secret, msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    let tag = signed_mac(secret, msg_id, timestamp, body)
        .finalize()
        .into_bytes();
    format!("v1,{}", BASE64.encode(tag))
}

/// Checks a received message: `signature_header` is the `webhook-signature` value (one
/// or more space-separated `v1,<base64>` entries, as during a secret rotation), the
/// timestamp must be within `tolerance_secs` of `now` (Unix seconds). The comparison is
/// constant-time.
pub fn verify(
    secret: &Secret,
    msg_id: &str,
    timestamp: &str,
    signature_header: &str,
    body: &[u8],
    now: i64,
    tolerance_secs: i64,
) -> Result<(), SignatureError> {
    let ts: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| SignatureError::BadTimestamp)?;
    let skew = now.saturating_sub(ts);
    if skew.saturating_abs() > tolerance_secs {
        return Err(SignatureError::Stale(skew));
    }
    let expected = signed_mac(secret, msg_id, ts, body);
    for entry in signature_header.split_whitespace() {
        let Some(b64) = entry.strip_prefix("v1,") else {
            continue;
        };
        let Ok(tag) = BASE64.decode(b64) else {
            continue;
        };
        if expected.clone().verify_slice(&tag).is_ok() {
            return Ok(());
        }
    }
    Err(SignatureError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_webhooks_test_vector() {
        // The reference vector of the Standard Webhooks libraries.
        let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let sig = sign(
            &secret,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    fn check(header: &str, body: &[u8], now: i64, expect: Result<(), SignatureError>) {
        let secret = Secret::parse("s3cret").unwrap();
        assert_eq!(
            verify(&secret, "msg_1", "1000", header, body, now, 300),
            expect,
            "{header}"
        );
    }

    #[test]
    fn verification() {
        let good = sign(&Secret::parse("s3cret").unwrap(), "msg_1", 1000, b"{}");
        check(&good, b"{}", 1000, Ok(()));
        check(&good, b"{}", 1300, Ok(()));
        check(&good, b"{}", 1301, Err(SignatureError::Stale(301)));
        check(&good, b"{}", 699, Err(SignatureError::Stale(-301)));
        check(&good, b"{ }", 1000, Err(SignatureError::Mismatch));
        check(&format!("v1,bm9wZQ== {good}"), b"{}", 1000, Ok(()));
        check(
            &good.replace("v1,", "v2,"),
            b"{}",
            1000,
            Err(SignatureError::Mismatch),
        );
        check("", b"{}", 1000, Err(SignatureError::Mismatch));
        let other = sign(&Secret::parse("other").unwrap(), "msg_1", 1000, b"{}");
        check(&other, b"{}", 1000, Err(SignatureError::Mismatch));
        let secret = Secret::parse("s3cret").unwrap();
        assert_eq!(
            verify(&secret, "msg_1", "soon", &good, b"{}", 1000, 300),
            Err(SignatureError::BadTimestamp)
        );
        assert_eq!(format!("{secret:?}"), "[REDACTED]");
        assert!(Secret::parse("whsec_***").is_err());
    }
}
