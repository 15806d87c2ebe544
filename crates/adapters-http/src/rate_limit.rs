//! Per-client rate limiting: who a request counts against, the buckets, and the
//! header fields that tell the client where it stands. The axum middleware that
//! finds the user and answers 429 is built on these parts.
//!
//! Each client gets a token bucket of `burst` tokens refilled at `per_second`, so a
//! client may send a short burst and then keep to the sustained rate. governor
//! implements it as GCRA, which behaves exactly as a token bucket but keeps one
//! timestamp per client and needs no timer.
//!
//! The buckets live in this process: N instances behind a load balancer give a
//! client N buckets. The limit guards the service against one client hogging it,
//! it is not a billing quota, so that looseness is accepted rather than putting a
//! shared store on the path of every request.
//!
//! A client is the authenticated user, else its address. IPv6 addresses are
//! reduced to their /64: a subscriber is usually handed a whole /64, so keying
//! single addresses would let one client multiply its quota by rotating through
//! them and fill the key table on the way. `X-Forwarded-For` is believed only
//! from configured proxies, and read from the right, because only the entries
//! our own proxies appended are trustworthy.
//!
//! # Header fields
//!
//! The fields follow draft-ietf-httpapi-ratelimit-headers-10 (the structured-field
//! version with `RateLimit-Policy` and `RateLimit`). The draft speaks of a quota
//! per time window; the token bucket maps onto it as:
//!
//! - `RateLimit-Policy: "default";q=<burst>;w=<seconds>`: the quota `q` is the
//!   bucket size, the window `w` the seconds an empty bucket takes to fill
//!   (`burst / per_second`, rounded up, at least 1). The same on every answer.
//! - `RateLimit: "default";r=<tokens>;t=<seconds>` on an allowed request: `r` the
//!   tokens left after this request, `t` the seconds until the bucket is full
//!   again, rounded up. Within `t` the client can rely on the `r` tokens it was
//!   told of, which is what the draft asks of `r` and `t`.
//! - On a refused request `r=0` and `t` equals `Retry-After`: the draft defines
//!   `t` as the time until more quota is available, which for a refused client is
//!   the time until its next token, and says that `Retry-After` should not point
//!   earlier than `t`.
//!
//! No partition key (`pk`) is sent: the partition is "this client", which the
//! client knows, and an address or user id in a field helps no one.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue};
use governor::Quota;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::HashMapStateStore;
use ipnet::{IpNet, Ipv4Net};

/// The one policy this service advertises; `RateLimit` names it to tie the two fields together.
const POLICY_NAME: &str = "default";

/// Settings of the per-client limit.
#[derive(Debug, Clone)]
pub struct RateLimitConfig {
    /// Sustained requests per second per client; 0 turns limiting off.
    pub per_second: u32,
    /// Requests a client may send at once on top of the sustained rate (the bucket size); at least 1.
    pub burst: u32,
    /// Proxies whose X-Forwarded-For is believed (addresses or CIDR blocks, e.g. `10.0.0.0/8`).
    pub trusted_proxies: Vec<IpNet>,
}

/// Who a request is counted against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ClientKey {
    /// An authenticated user, by id, wherever they connect from.
    User(i64),
    /// An anonymous client, by address (an IPv6 one reduced to its /64).
    Address(IpAddr),
}

impl ClientKey {
    /// The key for an anonymous request: the client address (see `client_address`), with an
    /// IPv6 address reduced to its /64 (one subscriber usually owns a whole /64, so per-address
    /// keys would let one client multiply its quota and fill the key table).
    ///
    /// An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, how a dual-stack socket shows an IPv4
    /// peer) is keyed as the IPv4 address: its /64 would hold every IPv4 client at once.
    pub fn anonymous(address: IpAddr) -> Self {
        match address.to_canonical() {
            IpAddr::V4(v4) => Self::Address(IpAddr::V4(v4)),
            IpAddr::V6(v6) => {
                let prefix = u128::from(v6) & !(u128::from(u64::MAX));
                Self::Address(IpAddr::V6(Ipv6Addr::from(prefix)))
            }
        }
    }
}

/// The client's address: the peer, unless the peer is a trusted proxy, in which case the
/// X-Forwarded-For list is walked from the right, skipping trusted proxies, and the first
/// untrusted address is the client (RFC 7239's reasoning; the leftmost entries are
/// client-controlled and must not be believed). Malformed entries stop the walk at the last
/// trusted hop.
///
/// Several `X-Forwarded-For` lines are read as one list in their order; empty list elements
/// are skipped, as HTTP list syntax allows them. An entry is a bare IPv4 or IPv6 address
/// (no port, no brackets); anything else, including a line that is not visible ASCII, is
/// malformed. When every hop is trusted, the leftmost one is the client. Addresses are
/// compared and returned in canonical form, so a proxy seen as `::ffff:10.0.0.1` on a
/// dual-stack socket matches `10.0.0.0/8`, and an IPv4 client comes back as IPv4.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |address: &IpAddr| trusted.iter().any(|net| net.contains(address));
    let mut client = peer.to_canonical();
    if !is_trusted(&client) {
        return client;
    }
    for line in headers.get_all("x-forwarded-for").iter().rev() {
        let Ok(line) = line.to_str() else {
            return client;
        };
        for entry in line.rsplit(',').map(str::trim).filter(|entry| !entry.is_empty()) {
            let Ok(hop) = entry.parse::<IpAddr>() else {
                return client;
            };
            client = hop.to_canonical();
            if !is_trusted(&client) {
                return client;
            }
        }
    }
    client
}

/// Parses `REALTY_TRUSTED_PROXIES`: a comma-separated list of addresses and CIDR blocks.
///
/// A bare address becomes a /32 or /128; a block keeps its prefix with the host bits
/// cleared; an empty (or blank) setting is an empty list. IPv4-mapped IPv6 entries are
/// stored as IPv4, matching how `client_address` compares addresses. The error names the
/// first bad entry.
pub fn parse_trusted_proxies(raw: &str) -> Result<Vec<IpNet>, String> {
    raw.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            let net = if entry.contains('/') {
                entry.parse::<IpNet>().map_err(|_| {
                    format!("trusted proxy `{entry}` is not a valid CIDR block (e.g. 10.0.0.0/8)")
                })?
            } else {
                let address = entry.parse::<IpAddr>().map_err(|_| {
                    format!("trusted proxy `{entry}` is neither an IP address nor a CIDR block")
                })?;
                IpNet::from(address)
            };
            Ok(canonical_net(net).trunc())
        })
        .collect()
}

/// `::ffff:a.b.c.d/n` (n ≥ 96) as `a.b.c.d/(n - 96)`; any other block unchanged.
fn canonical_net(net: IpNet) -> IpNet {
    let IpNet::V6(v6) = net else {
        return net;
    };
    match (v6.addr().to_ipv4_mapped(), v6.prefix_len().checked_sub(96)) {
        (Some(v4), Some(prefix)) => Ipv4Net::new(v4, prefix).map(IpNet::V4).unwrap_or(net),
        _ => net,
    }
}

/// In-process token buckets, one per client.
pub struct RateLimiter {
    buckets: Buckets<DefaultClock>,
}

impl RateLimiter {
    /// `None` when `per_second` is 0 (limiting off). A `burst` of 0 is taken as 1.
    pub fn new(config: &RateLimitConfig) -> Option<Self> {
        Buckets::new(config, DefaultClock::default()).map(|buckets| Self { buckets })
    }

    /// Takes one token for `key`.
    pub fn check(&self, key: &ClientKey) -> Decision {
        self.buckets.check(key)
    }

    /// The `RateLimit-Policy` field value, the same on every answer.
    pub fn policy(&self) -> HeaderValue {
        self.buckets.policy.clone()
    }

    /// Forgets clients whose bucket has refilled (governor's retain_recent + shrink), so the key
    /// table holds only recently active clients; meant to be called from a periodic task.
    ///
    /// Forgetting such a client changes nothing for it: a forgotten client starts with a full
    /// bucket, which is what it had. governor keeps a key one token interval past full.
    pub fn forget_idle(&self) {
        self.buckets.forget_idle();
    }

    /// How many clients are tracked now (for a metric and tests).
    pub fn tracked_clients(&self) -> usize {
        self.buckets.limiter.len()
    }
}

impl fmt::Debug for RateLimiter {
    // The keys are users and addresses: a count is all a log needs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimiter")
            .field("per_second", &self.buckets.per_second)
            .field("burst", &self.buckets.burst)
            .field("tracked_clients", &self.tracked_clients())
            .finish()
    }
}

type KeyedLimiter<C> =
    governor::RateLimiter<ClientKey, HashMapStateStore<ClientKey>, C, StateInformationMiddleware>;

/// The limiter over any governor clock, so tests can drive time by hand.
///
/// A mutex-guarded `HashMap` rather than governor's `DashMap` store: the critical section is a
/// lookup and a compare-and-swap, and dashmap would add a third `hashbrown` to the build.
struct Buckets<C: Clock> {
    limiter: KeyedLimiter<C>,
    per_second: u32,
    burst: u32,
    /// The time one token takes to come back, as governor counts it.
    interval: Duration,
    policy: HeaderValue,
}

impl<C: Clock> Buckets<C> {
    fn new(config: &RateLimitConfig, clock: C) -> Option<Self> {
        let per_second = NonZeroU32::new(config.per_second)?;
        let burst = NonZeroU32::new(config.burst).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::per_second(per_second).allow_burst(burst);
        let limiter = governor::RateLimiter::hashmap_with_clock(quota, clock)
            .with_middleware::<StateInformationMiddleware>();
        let window = u64::from(burst.get()).div_ceil(u64::from(per_second.get())).max(1);
        Some(Self {
            limiter,
            per_second: per_second.get(),
            burst: burst.get(),
            interval: quota.replenish_interval(),
            policy: header_value(format!("\"{POLICY_NAME}\";q={burst};w={window}")),
        })
    }

    fn check(&self, key: &ClientKey) -> Decision {
        match self.limiter.check_key(key) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity().min(self.burst);
                // The snapshot gives whole tokens only, so this may overstate the time by less
                // than one token: it never tells a client the bucket is full before it is.
                let until_full = self.interval.saturating_mul(self.burst - remaining);
                Decision { remaining, reset_secs: ceil_secs(until_full), retry_after_secs: None }
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(self.limiter.clock().now());
                let retry_after = ceil_secs(wait).max(1);
                Decision { remaining: 0, reset_secs: retry_after, retry_after_secs: Some(retry_after) }
            }
        }
    }

    fn forget_idle(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    remaining: u32,
    reset_secs: u64,
    retry_after_secs: Option<u64>,
}

impl Decision {
    /// Whether the request may go on.
    pub fn allowed(&self) -> bool {
        self.retry_after_secs.is_none()
    }

    /// Whole seconds a refused client should wait (rounded up, at least 1); `None` when allowed.
    pub fn retry_after_secs(&self) -> Option<u64> {
        self.retry_after_secs
    }

    /// The `RateLimit` field value for this answer.
    pub fn header(&self) -> HeaderValue {
        header_value(format!("\"{POLICY_NAME}\";r={};t={}", self.remaining, self.reset_secs))
    }
}

fn ceil_secs(duration: Duration) -> u64 {
    duration.as_secs() + u64::from(duration.subsec_nanos() > 0)
}

/// The values built here are a quoted token and digits, always valid; the fallback only
/// spares an `expect`.
fn header_value(text: String) -> HeaderValue {
    HeaderValue::try_from(text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::net::Ipv4Addr;

    use governor::clock::FakeRelativeClock;

    use super::*;

    fn config(per_second: u32, burst: u32) -> RateLimitConfig {
        RateLimitConfig { per_second, burst, trusted_proxies: Vec::new() }
    }

    fn fake(per_second: u32, burst: u32) -> (Buckets<FakeRelativeClock>, FakeRelativeClock) {
        let clock = FakeRelativeClock::default();
        (Buckets::new(&config(per_second, burst), clock.clone()).unwrap(), clock)
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn nets(raw: &str) -> Vec<IpNet> {
        parse_trusted_proxies(raw).unwrap()
    }

    fn forwarded(lines: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for line in lines {
            headers.append("x-forwarded-for", HeaderValue::from_str(line).unwrap());
        }
        headers
    }

    /// The client of a request from `peer` with X-Forwarded-For `lines`,
    /// behind the `trusted` proxies.
    fn client(peer: &str, lines: &[&str], trusted: &str) -> IpAddr {
        client_address(ip(peer), &forwarded(lines), &nets(trusted))
    }

    fn user(id: i64) -> ClientKey {
        ClientKey::User(id)
    }

    // Buckets and decisions.

    #[test]
    fn a_client_within_its_burst_is_allowed_and_told_what_is_left() {
        let (buckets, _clock) = fake(2, 4);
        let remaining: Vec<String> = (0..4)
            .map(|_| {
                let decision = buckets.check(&user(1));
                assert!(decision.allowed());
                assert_eq!(decision.retry_after_secs(), None);
                decision.header().to_str().unwrap().to_owned()
            })
            .collect();
        assert_eq!(
            remaining,
            [r#""default";r=3;t=1"#, r#""default";r=2;t=1"#, r#""default";r=1;t=2"#, r#""default";r=0;t=2"#]
        );
    }

    #[test]
    fn a_client_past_its_burst_is_refused_with_a_retry_after() {
        let (buckets, _clock) = fake(2, 4);
        for _ in 0..4 {
            assert!(buckets.check(&user(1)).allowed());
        }
        let refused = buckets.check(&user(1));
        assert!(!refused.allowed());
        assert_eq!(refused.retry_after_secs(), Some(1));
        assert!(!buckets.check(&user(1)).allowed(), "a refusal does not refill the bucket");
    }

    #[test]
    fn a_refused_client_is_allowed_again_once_a_token_has_come_back() {
        let (buckets, clock) = fake(2, 2);
        assert!(buckets.check(&user(1)).allowed());
        assert!(buckets.check(&user(1)).allowed());
        assert!(!buckets.check(&user(1)).allowed());

        clock.advance(Duration::from_millis(499));
        assert!(!buckets.check(&user(1)).allowed(), "half a second brings the next token, not less");
        clock.advance(Duration::from_millis(1));
        assert!(buckets.check(&user(1)).allowed());
        assert!(!buckets.check(&user(1)).allowed(), "one token came back, not two");
    }

    #[test]
    fn an_emptied_bucket_is_full_again_after_its_window() {
        let (buckets, clock) = fake(2, 4);
        for _ in 0..4 {
            buckets.check(&user(1));
        }
        clock.advance(Duration::from_secs(2));
        for _ in 0..4 {
            assert!(buckets.check(&user(1)).allowed());
        }
        assert!(!buckets.check(&user(1)).allowed(), "the bucket holds no more than its burst");
    }

    #[test]
    fn the_retry_after_is_rounded_up_to_whole_seconds() {
        let (buckets, clock) = fake(1, 1);
        buckets.check(&user(1));
        clock.advance(Duration::from_millis(300));
        let refused = buckets.check(&user(1));
        assert_eq!(refused.retry_after_secs(), Some(1), "0.7 s left is said as 1 s");
        assert_eq!(refused.header(), r#""default";r=0;t=1"#);
    }

    #[test]
    fn two_users_have_separate_buckets() {
        let (buckets, _clock) = fake(1, 2);
        assert!(buckets.check(&user(1)).allowed());
        assert!(buckets.check(&user(1)).allowed());
        assert!(!buckets.check(&user(1)).allowed());
        assert!(buckets.check(&user(2)).allowed());
        assert_eq!(buckets.check(&user(2)).header(), r#""default";r=0;t=2"#);
    }

    #[test]
    fn two_addresses_have_separate_buckets() {
        let (buckets, _clock) = fake(1, 1);
        let first = ClientKey::anonymous(ip("192.0.2.1"));
        let second = ClientKey::anonymous(ip("192.0.2.2"));
        assert!(buckets.check(&first).allowed());
        assert!(!buckets.check(&first).allowed());
        assert!(buckets.check(&second).allowed());
    }

    #[test]
    fn a_user_is_not_counted_against_the_address_it_comes_from() {
        let (buckets, _clock) = fake(1, 1);
        assert!(buckets.check(&ClientKey::anonymous(ip("192.0.2.1"))).allowed());
        assert!(buckets.check(&user(1)).allowed());
    }

    #[test]
    fn ipv6_addresses_in_one_64_share_a_bucket() {
        let (buckets, _clock) = fake(1, 2);
        assert!(buckets.check(&ClientKey::anonymous(ip("2001:db8:1:2::1"))).allowed());
        assert!(buckets.check(&ClientKey::anonymous(ip("2001:db8:1:2:ffff:ffff:ffff:ffff"))).allowed());
        assert!(!buckets.check(&ClientKey::anonymous(ip("2001:db8:1:2:abcd::9"))).allowed());
    }

    #[test]
    fn an_ipv6_address_in_another_64_has_its_own_bucket() {
        let (buckets, _clock) = fake(1, 1);
        assert!(buckets.check(&ClientKey::anonymous(ip("2001:db8:1:2::1"))).allowed());
        assert!(buckets.check(&ClientKey::anonymous(ip("2001:db8:1:3::1"))).allowed());
    }

    #[test]
    fn an_anonymous_ipv6_key_is_the_64_prefix() {
        assert_eq!(
            ClientKey::anonymous(ip("2001:db8:1:2:3:4:5:6")),
            ClientKey::Address(ip("2001:db8:1:2::"))
        );
        assert_eq!(ClientKey::anonymous(ip("192.0.2.7")), ClientKey::Address(ip("192.0.2.7")));
    }

    #[test]
    fn an_ipv4_mapped_address_is_keyed_by_its_ipv4_address_not_a_shared_64() {
        assert_eq!(ClientKey::anonymous(ip("::ffff:192.0.2.7")), ClientKey::Address(ip("192.0.2.7")));
        assert_ne!(
            ClientKey::anonymous(ip("::ffff:192.0.2.7")),
            ClientKey::anonymous(ip("::ffff:192.0.2.8"))
        );
    }

    // Header fields.

    #[test]
    fn the_policy_field_states_the_burst_and_the_refill_window() {
        let (buckets, _clock) = fake(10, 20);
        assert_eq!(buckets.policy, r#""default";q=20;w=2"#);
        for _ in 0..2 {
            buckets.check(&user(1));
        }
        assert_eq!(buckets.check(&user(1)).header(), r#""default";r=17;t=1"#);
    }

    #[test]
    fn the_window_is_rounded_up_and_at_least_one_second() {
        assert_eq!(fake(2, 5).0.policy, r#""default";q=5;w=3"#);
        assert_eq!(fake(10, 1).0.policy, r#""default";q=1;w=1"#);
        assert_eq!(fake(1, 60).0.policy, r#""default";q=60;w=60"#);
    }

    #[test]
    fn the_reset_of_an_allowed_request_counts_the_seconds_until_the_bucket_is_full() {
        let (buckets, clock) = fake(1, 5);
        for _ in 0..4 {
            buckets.check(&user(1));
        }
        assert_eq!(buckets.check(&user(1)).header(), r#""default";r=0;t=5"#);
        clock.advance(Duration::from_millis(2500));
        assert_eq!(buckets.check(&user(1)).header(), r#""default";r=1;t=4"#, "2.5 s still to go plus 1 s");
    }

    #[test]
    fn a_refused_request_is_told_nothing_is_left_until_its_retry_after() {
        let (buckets, _clock) = fake(1, 3);
        for _ in 0..3 {
            buckets.check(&user(1));
        }
        let refused = buckets.check(&user(1));
        assert_eq!(refused.retry_after_secs(), Some(1));
        assert_eq!(refused.header(), r#""default";r=0;t=1"#);
    }

    // Construction and housekeeping.

    #[test]
    fn limiting_is_off_at_zero_requests_per_second() {
        assert!(RateLimiter::new(&config(0, 10)).is_none());
    }

    #[test]
    fn a_burst_of_zero_is_taken_as_one() {
        let (buckets, _clock) = fake(1, 0);
        assert_eq!(buckets.policy, r#""default";q=1;w=1"#);
        assert!(buckets.check(&user(1)).allowed());
        assert!(!buckets.check(&user(1)).allowed());
    }

    #[test]
    fn forget_idle_drops_clients_whose_bucket_has_refilled_and_keeps_the_others() {
        let (buckets, clock) = fake(1, 2);
        buckets.check(&user(1));
        buckets.check(&user(1));
        clock.advance(Duration::from_secs(2));
        buckets.check(&user(2));
        buckets.check(&user(2));
        assert_eq!(buckets.limiter.len(), 2);

        // governor keeps a key one token interval past full: user 1 was full at 2 s.
        clock.advance(Duration::from_secs(1));
        buckets.forget_idle();
        assert_eq!(buckets.limiter.len(), 1, "user 1 is full again, user 2 is not");
        assert!(buckets.check(&user(2)).allowed());
        assert!(!buckets.check(&user(2)).allowed(), "user 2 kept its half-empty bucket");
    }

    #[test]
    fn a_forgotten_client_starts_with_a_full_bucket() {
        let (buckets, clock) = fake(1, 2);
        buckets.check(&user(1));
        buckets.check(&user(1));
        clock.advance(Duration::from_secs(10));
        buckets.forget_idle();
        assert_eq!(buckets.limiter.len(), 0);
        assert_eq!(buckets.check(&user(1)).header(), r#""default";r=1;t=1"#);
    }

    #[test]
    fn the_limiter_counts_and_refuses_on_the_real_clock() {
        // Nothing here depends on timing unless a single check takes over a second.
        let limiter = RateLimiter::new(&config(1, 2)).unwrap();
        assert_eq!(limiter.policy(), r#""default";q=2;w=2"#);
        assert!(limiter.check(&user(1)).allowed());
        assert!(limiter.check(&user(1)).allowed());
        let refused = limiter.check(&user(1));
        assert!(!refused.allowed());
        assert_eq!(refused.retry_after_secs(), Some(1));
        assert_eq!(limiter.tracked_clients(), 1);
        limiter.forget_idle();
        assert_eq!(limiter.tracked_clients(), 1, "an empty bucket is not forgotten");
    }

    #[test]
    fn the_debug_output_does_not_list_clients() {
        let limiter = RateLimiter::new(&config(5, 10)).unwrap();
        limiter.check(&ClientKey::anonymous(ip("192.0.2.1")));
        limiter.check(&user(4242));
        let debug = format!("{limiter:?}");
        assert_eq!(debug, "RateLimiter { per_second: 5, burst: 10, tracked_clients: 2 }");
    }

    // client_address.

    #[test]
    fn the_peer_is_the_client_when_no_header_names_another() {
        assert_eq!(client("10.0.0.5", &[], "10.0.0.0/8"), ip("10.0.0.5"));
        assert_eq!(client("192.0.2.1", &[], "10.0.0.0/8"), ip("192.0.2.1"));
    }

    #[test]
    fn x_forwarded_for_from_an_untrusted_peer_is_ignored() {
        assert_eq!(client("192.0.2.1", &["198.51.100.7"], "10.0.0.0/8"), ip("192.0.2.1"));
        assert_eq!(client("192.0.2.1", &["198.51.100.7"], ""), ip("192.0.2.1"));
    }

    #[test]
    fn x_forwarded_for_from_a_trusted_peer_names_the_client() {
        assert_eq!(client("10.0.0.5", &["198.51.100.7"], "10.0.0.5"), ip("198.51.100.7"));
    }

    #[test]
    fn several_trusted_hops_are_walked_from_the_right() {
        let headers = ["198.51.100.7, 10.1.0.1, 172.16.0.9"];
        assert_eq!(client("10.0.0.5", &headers, "10.0.0.0/8, 172.16.0.0/12"), ip("198.51.100.7"));
    }

    #[test]
    fn entries_left_of_the_first_untrusted_hop_are_not_believed() {
        // The client wrote "1.2.3.4, 10.9.9.9" itself; our proxy appended the address it saw.
        let headers = ["1.2.3.4, 10.9.9.9, 198.51.100.7"];
        assert_eq!(client("10.0.0.5", &headers, "10.0.0.0/8"), ip("198.51.100.7"));
    }

    #[test]
    fn a_malformed_entry_stops_the_walk_at_the_last_trusted_hop() {
        let headers = ["198.51.100.7, not-an-address, 10.1.0.1"];
        assert_eq!(client("10.0.0.5", &headers, "10.0.0.0/8"), ip("10.1.0.1"));
        assert_eq!(client("10.0.0.5", &["198.51.100.7:4711"], "10.0.0.0/8"), ip("10.0.0.5"));
        let mut headers = forwarded(&["198.51.100.7"]);
        headers.append("x-forwarded-for", HeaderValue::from_bytes(b"\xff").unwrap());
        assert_eq!(client_address(ip("10.0.0.5"), &headers, &nets("10.0.0.0/8")), ip("10.0.0.5"));
    }

    #[test]
    fn when_every_hop_is_trusted_the_leftmost_is_the_client() {
        assert_eq!(client("10.0.0.5", &["10.2.0.1, 10.1.0.1"], "10.0.0.0/8"), ip("10.2.0.1"));
    }

    #[test]
    fn ipv6_proxies_and_clients_are_understood() {
        assert_eq!(client("fd00::1", &["2001:db8:aa::1, fd00::2"], "fd00::/8"), ip("2001:db8:aa::1"));
        assert_eq!(
            client("fd00::1", &["[2001:db8:aa::1]"], "fd00::/8"),
            ip("fd00::1"),
            "brackets are malformed"
        );
    }

    #[test]
    fn a_proxy_seen_as_an_ipv4_mapped_address_is_still_trusted() {
        let headers = forwarded(&["::ffff:198.51.100.7"]);
        let peer = IpAddr::V6(Ipv4Addr::new(10, 0, 0, 5).to_ipv6_mapped());
        assert_eq!(client_address(peer, &headers, &nets("10.0.0.0/8")), ip("198.51.100.7"));
        assert_eq!(client_address(peer, &HeaderMap::new(), &[]), ip("10.0.0.5"));
    }

    #[test]
    fn spaces_empty_elements_and_several_header_lines_are_read_as_one_list_in_order() {
        let headers = ["  203.0.113.9 ,198.51.100.7", " 10.1.0.1 ,, ", "10.2.0.1"];
        assert_eq!(client("10.0.0.5", &headers, "10.0.0.0/8"), ip("198.51.100.7"));
        assert_eq!(client("10.0.0.5", &["198.51.100.7", "10.1.0.1"], "10.0.0.0/8"), ip("198.51.100.7"));
    }

    // parse_trusted_proxies.

    #[test]
    fn trusted_proxies_are_addresses_and_blocks_separated_by_commas() {
        assert_eq!(
            nets("10.0.0.0/8, 192.0.2.1 ,2001:db8::/32,::1,10.1.2.3/16"),
            [
                "10.0.0.0/8".parse::<IpNet>().unwrap(),
                "192.0.2.1/32".parse().unwrap(),
                "2001:db8::/32".parse().unwrap(),
                "::1/128".parse().unwrap(),
                "10.1.0.0/16".parse().unwrap(),
            ]
        );
    }

    #[test]
    fn an_empty_trusted_proxies_setting_trusts_no_one() {
        assert!(nets("").is_empty());
        assert!(nets("  , ").is_empty());
    }

    #[test]
    fn ipv4_mapped_trusted_proxies_are_stored_as_ipv4() {
        assert_eq!(
            nets("::ffff:10.0.0.1, ::ffff:10.0.0.0/104"),
            ["10.0.0.1/32".parse::<IpNet>().unwrap(), "10.0.0.0/8".parse().unwrap()]
        );
        let mapped = IpAddr::V6(Ipv4Addr::new(10, 0, 0, 1).to_ipv6_mapped());
        assert_eq!(
            client_address(mapped, &forwarded(&["192.0.2.1"]), &nets("::ffff:10.0.0.1")),
            ip("192.0.2.1")
        );
    }

    #[test]
    fn a_bad_trusted_proxy_entry_is_named_in_the_error() {
        let error = parse_trusted_proxies("10.0.0.0/8, proxy.internal").unwrap_err();
        assert!(error.contains("`proxy.internal`"), "{error}");
        let error = parse_trusted_proxies("10.0.0.0/33").unwrap_err();
        assert!(error.contains("`10.0.0.0/33`"), "{error}");
    }
}
