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

/// The router's shared state: cheap to clone (everything behind `Arc`).
#[derive(Clone)]
pub struct AppState {
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
        f.debug_struct("AppState").field("info", &self.info).finish_non_exhaustive()
    }
}
