//! A per-client rate limit: a token bucket per peer IP address, refilled at
//! [`RateLimit::per_second`] up to [`RateLimit::burst`]; a request that finds its bucket
//! empty gets a 429 problem+json with `Retry-After`. Health checks (`/healthz`,
//! `/readyz`) are not limited, so that an orchestrator's probes never fail for it.
//!
//! The peer address is the TCP peer (`ConnectInfo<SocketAddr>`, which the binary
//! provides); behind a reverse proxy every client shares the proxy's bucket, so give the
//! proxy its own limits. Requests without a peer address (the router driven in-process,
//! as the tests and an embedding do) are not limited.
//!
//! Memory is bounded: at most [`MAX_CLIENTS`] buckets are kept; when that many are
//! tracked, buckets that have refilled completely are forgotten (they hold no state worth
//! keeping), and if none has, new addresses share one overflow bucket.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{ConnectInfo, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::ApiError;

/// The most client addresses tracked at once.
const MAX_CLIENTS: usize = 65_536;

/// How many requests a client may make: `per_second` sustained, `burst` at once.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateLimit {
    /// Requests a second, sustained, per client address. 0 turns the limit off.
    pub per_second: u32,
    /// Requests a client may make at once after being idle.
    pub burst: u32,
}

impl RateLimit {
    /// 100 requests a second per address, 400 at once: far above what the live map (a
    /// vessel list every few seconds, a detail on click) or a bridge (a batch a second)
    /// needs, low enough that one client cannot take the server from the others.
    pub const RECOMMENDED: RateLimit = RateLimit {
        per_second: 100,
        burst: 400,
    };

    /// No limit.
    pub const OFF: RateLimit = RateLimit {
        per_second: 0,
        burst: 0,
    };
}

impl Default for RateLimit {
    fn default() -> Self {
        Self::RECOMMENDED
    }
}

/// The buckets, shared by a router's requests.
#[derive(Clone, Debug)]
pub(crate) struct Limiter {
    limit: RateLimit,
    buckets: Arc<Mutex<Buckets>>,
}

#[derive(Debug, Default)]
struct Buckets {
    /// Per address; `None` is the overflow bucket.
    by_client: HashMap<Option<IpAddr>, Bucket>,
    /// When full buckets were last forgotten: at most once a second, so that a flood of
    /// new addresses cannot make every request scan the map.
    purged_at: Option<Instant>,
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Limiter {
    pub(crate) fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            buckets: Arc::default(),
        }
    }

    /// Takes a token for `client` at `now`; `Err(seconds)` until the next one when the
    /// bucket is empty.
    fn take(&self, client: Option<IpAddr>, now: Instant) -> Result<(), u64> {
        let (rate, burst) = (
            f64::from(self.limit.per_second),
            f64::from(self.limit.burst.max(1)),
        );
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Buckets {
            by_client: map,
            purged_at,
        } = &mut *buckets;
        let mut key = client;
        if !map.contains_key(&key) && map.len() >= MAX_CLIENTS {
            if purged_at.is_none_or(|t| now.duration_since(t).as_secs() >= 1) {
                // Full buckets carry nothing: forget them.
                map.retain(|_, b| b.tokens + rate * now.duration_since(b.at).as_secs_f64() < burst);
                *purged_at = Some(now);
            }
            if map.len() >= MAX_CLIENTS {
                key = None;
            }
        }
        let bucket = map.entry(key).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        bucket.tokens =
            (bucket.tokens + rate * now.duration_since(bucket.at).as_secs_f64()).min(burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - bucket.tokens) / rate).ceil().max(1.0) as u64)
        }
    }
}

/// Middleware: refuses a request whose client has used up its bucket.
pub(crate) async fn limit(
    axum::Extension(limiter): axum::Extension<Limiter>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    if limiter.limit.per_second == 0 || path == "/healthz" || path == "/readyz" {
        return next.run(request).await;
    }
    let Some(ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<SocketAddr>>() else {
        return next.run(request).await;
    };
    match limiter.take(Some(peer.ip()), Instant::now()) {
        Ok(()) => next.run(request).await,
        Err(retry_after_s) => ApiError::TooManyRequests {
            per_second: limiter.limit.per_second,
            retry_after_s,
        }
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_burst_then_the_sustained_rate_per_address() {
        let limiter = Limiter::new(RateLimit {
            per_second: 10,
            burst: 3,
        });
        let t0 = Instant::now();
        let a = Some(IpAddr::from([192, 0, 2, 1]));
        let b = Some(IpAddr::from([192, 0, 2, 2]));
        // (client, seconds after t0, allowed)
        let cases = [
            (a, 0.0, true),
            (a, 0.0, true),
            (a, 0.0, true),
            (a, 0.0, false),
            // Another address has its own bucket.
            (b, 0.0, true),
            // A tenth of a second brings one token back, not more.
            (a, 0.1, true),
            (a, 0.1, false),
            // Idle, the bucket fills up to the burst only.
            (a, 10.0, true),
            (a, 10.0, true),
            (a, 10.0, true),
            (a, 10.0, false),
        ];
        for (i, (client, after, allowed)) in cases.into_iter().enumerate() {
            let now = t0 + Duration::from_secs_f64(after);
            assert_eq!(limiter.take(client, now).is_ok(), allowed, "case {i}");
        }
    }

    #[test]
    fn retry_after_is_whole_seconds_until_the_next_token() {
        let limiter = Limiter::new(RateLimit {
            per_second: 1,
            burst: 1,
        });
        let now = Instant::now();
        assert_eq!(limiter.take(None, now), Ok(()));
        assert_eq!(limiter.take(None, now), Err(1));
    }

    #[test]
    fn addresses_beyond_the_bound_share_the_overflow_bucket() {
        let limiter = Limiter::new(RateLimit {
            per_second: 1,
            burst: 2,
        });
        let now = Instant::now();
        for i in 0..MAX_CLIENTS as u32 {
            let client = Some(IpAddr::from(i.to_be_bytes()));
            // Each takes a token, so that no bucket is full and none is forgotten.
            assert!(limiter.take(client, now).is_ok());
        }
        let late = Some(IpAddr::from([203, 0, 113, 9]));
        assert!(limiter.take(late, now).is_ok());
        assert!(limiter.take(late, now).is_ok());
        assert!(
            limiter.take(late, now).is_err(),
            "shares one bounded bucket"
        );
        let map_len = limiter.buckets.lock().map(|b| b.by_client.len()).unwrap();
        assert_eq!(map_len, MAX_CLIENTS + 1);
        // Once the others have refilled, a new address gets its own bucket again.
        let later = now + Duration::from_secs(5);
        assert!(
            limiter
                .take(Some(IpAddr::from([203, 0, 113, 10])), later)
                .is_ok()
        );
        let map_len = limiter.buckets.lock().map(|b| b.by_client.len()).unwrap();
        assert!(map_len < 10, "{map_len}");
    }
}
