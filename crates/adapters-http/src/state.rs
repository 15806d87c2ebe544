//! What every handler can reach: the use cases, the probes of the outside
//! world, and the service's own instruments.

use std::sync::Arc;

use async_trait::async_trait;
use realty_app::{Accounts, Idempotency, Properties, PropertyTypes};

use crate::metrics::Metrics;
use crate::rate_limit::RateLimiter;

/// Tells whether the service's dependencies (the database) answer.
#[async_trait]
pub trait Readiness: Send + Sync {
    /// # Errors
    /// A description of what is down.
    async fn check(&self) -> Result<(), String>;
}

/// What `/version` and the build-info metric report.
#[derive(Debug, Clone)]
pub struct ServiceInfo {
    pub name: &'static str,
    pub version: &'static str,
    /// `sqlite` or `postgres`.
    pub database: &'static str,
}

/// The router's state: one `Arc`, cloned by every layer and handler that
/// takes it (a dozen reference counts per clone, when it was a struct of
/// `Arc`s, showed in the profile of a page: BENCHMARKS.md).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] shares.
pub struct Shared {
    pub accounts: Accounts,
    pub properties: Properties,
    pub property_types: PropertyTypes,
    pub idempotency: Idempotency,
    pub readiness: Arc<dyn Readiness>,
    pub info: ServiceInfo,
    pub metrics: Arc<Metrics>,
    /// `None` when rate limiting is off.
    pub rate_limiter: Option<Arc<RateLimiter>>,
    pub trusted_proxies: Arc<[ipnet::IpNet]>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").field("info", &self.info).finish_non_exhaustive()
    }
}
