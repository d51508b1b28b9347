//! One attempt to deliver: a signed webhook POST or an e-mail, and what its outcome means
//! for the delivery.
//!
//! Webhook outcomes: 2xx is delivered. 410 Gone disables the endpoint (its pending
//! deliveries go dead with the reason). 408, 425 and 429 and every 5xx are retried, after
//! the `Retry-After` the receiver gave (seconds or an HTTP date) or else after the backoff;
//! so are timeouts and connection failures. Any other status (3xx: redirects are not
//! followed; 4xx: the receiver refuses this request, and the same bytes will be refused
//! again) makes the delivery dead at once, kept as a dead letter that an operator can
//! resend once the receiver or the routing file is fixed.

use std::time::{Duration, SystemTime};

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap, RETRY_AFTER};

use crate::payload;
use crate::router::{Recipient, Webhook};
use crate::signature;

/// What an attempt came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The destination took it.
    Delivered,
    /// Try again: after `after` if the receiver said so, else after the backoff.
    Retry {
        after: Option<Duration>,
        error: String,
    },
    /// Refused for good.
    Dead(String),
    /// The endpoint is gone for good (HTTP 410): disable it.
    Gone(String),
}

/// POSTs `body` to the recipient's webhook, signed with its secret.
pub(crate) async fn webhook(
    client: &reqwest::Client,
    hook: &Webhook,
    msg_id: &str,
    body: &str,
) -> Outcome {
    let Some(secret) = &hook.secret else {
        return Outcome::Retry {
            after: None,
            error: format!("webhook secret not set ({})", hook.secret_source),
        };
    };
    let timestamp = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let signature = signature::sign(secret, msg_id, timestamp, body.as_bytes());
    let response = client
        .post(&hook.url)
        .header(CONTENT_TYPE, "application/json")
        .header("webhook-id", msg_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body.to_owned())
        .send()
        .await;
    match response {
        Ok(response) => classify(response.status(), response.headers(), SystemTime::now()),
        Err(e) if e.is_timeout() => Outcome::Retry {
            after: None,
            error: "timed out".to_owned(),
        },
        // Without the URL: a receiver's URL may carry a token.
        Err(e) => Outcome::Retry {
            after: None,
            error: format!("request failed: {}", e.without_url()),
        },
    }
}

/// The outcome of a webhook response.
pub(crate) fn classify(status: StatusCode, headers: &HeaderMap, now: SystemTime) -> Outcome {
    let error = format!("HTTP {status}");
    match status.as_u16() {
        200..=299 => Outcome::Delivered,
        410 => Outcome::Gone(error),
        408 | 425 | 429 | 500..=599 => Outcome::Retry {
            after: headers
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| retry_after(v, now)),
            error,
        },
        _ => Outcome::Dead(error),
    }
}

/// A `Retry-After` value: whole seconds, or an HTTP date (a date in the past is 0).
pub(crate) fn retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// An SMTP relay and the sender address.
#[derive(Clone, Debug)]
pub struct SmtpConfig {
    /// The relay's host name or address.
    pub host: String,
    /// Its port (25, 587, or a test sink's).
    pub port: u16,
    /// The `From` address, e.g. `Haidang <alerts@haidang.example>`.
    pub from: String,
    /// How long one message may take.
    pub timeout: Duration,
}

/// An SMTP connection to send alerts through (plain SMTP: TLS is not built in, so the
/// relay should be local or on a trusted network).
#[derive(Clone, Debug)]
pub(crate) struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    pub(crate) fn new(config: &SmtpConfig) -> Result<Self, String> {
        let from: Mailbox = config
            .from
            .parse()
            .map_err(|e| format!("from address {:?}: {e}", config.from))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port)
            .timeout(Some(config.timeout))
            .build();
        Ok(Self { transport, from })
    }

    /// Sends the alert in `body` (an alert payload) to the recipient's addresses, with the
    /// delivery's message id as the e-mail's `Message-ID` (the same on every attempt).
    pub(crate) async fn send(&self, recipient: &Recipient, msg_id: &str, body: &str) -> Outcome {
        let Some((subject, text)) = payload::email_text(body) else {
            return Outcome::Dead("payload is not an alert".to_owned());
        };
        let mut builder = Message::builder()
            .from(self.from.clone())
            .subject(subject)
            .message_id(Some(format!("<{msg_id}@haidang>")))
            .header(ContentType::TEXT_PLAIN);
        for address in &recipient.email {
            match address.parse::<Mailbox>() {
                Ok(mailbox) => builder = builder.to(mailbox),
                Err(e) => return Outcome::Dead(format!("address {address:?}: {e}")),
            }
        }
        let message = match builder.body(text) {
            Ok(message) => message,
            Err(e) => return Outcome::Dead(format!("cannot build the message: {e}")),
        };
        match self.transport.send(message).await {
            Ok(_) => Outcome::Delivered,
            Err(e) if e.is_permanent() => Outcome::Dead(format!("smtp: {e}")),
            Err(e) => Outcome::Retry {
                after: None,
                error: format!("smtp: {e}"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn check(status: u16, retry: Option<&str>, expect: Outcome) {
        let mut headers = HeaderMap::new();
        if let Some(r) = retry {
            headers.insert(RETRY_AFTER, HeaderValue::from_str(r).unwrap());
        }
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_392_000);
        let status = StatusCode::from_u16(status).unwrap();
        assert_eq!(classify(status, &headers, now), expect, "{status}");
    }

    fn retry(after: Option<u64>, status: &str) -> Outcome {
        Outcome::Retry {
            after: after.map(Duration::from_secs),
            error: format!("HTTP {status}"),
        }
    }

    #[test]
    fn statuses() {
        check(200, None, Outcome::Delivered);
        check(204, None, Outcome::Delivered);
        check(410, None, Outcome::Gone("HTTP 410 Gone".into()));
        check(500, None, retry(None, "500 Internal Server Error"));
        check(
            503,
            Some("120"),
            retry(Some(120), "503 Service Unavailable"),
        );
        // 2026-11-23T00:01:00Z, a minute after "now".
        check(
            429,
            Some("Mon, 23 Nov 2026 00:01:00 GMT"),
            retry(Some(60), "429 Too Many Requests"),
        );
        check(
            429,
            Some("Mon, 23 Nov 2020 00:01:00 GMT"),
            retry(Some(0), "429 Too Many Requests"),
        );
        check(503, Some("soon"), retry(None, "503 Service Unavailable"));
        check(408, None, retry(None, "408 Request Timeout"));
        check(400, None, Outcome::Dead("HTTP 400 Bad Request".into()));
        check(
            401,
            Some("5"),
            Outcome::Dead("HTTP 401 Unauthorized".into()),
        );
        check(404, None, Outcome::Dead("HTTP 404 Not Found".into()));
        check(
            301,
            None,
            Outcome::Dead("HTTP 301 Moved Permanently".into()),
        );
    }
}
