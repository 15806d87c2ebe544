//! argon2id hashing, run on tokio's blocking pool: a hash takes tens of
//! milliseconds of CPU, which would stall every request sharing the worker.

use std::sync::Arc;

use argon2::password_hash::Error as HashError;
use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, PasswordVerifier as _, Version};
use async_trait::async_trait;
use realty_domain::ports::PasswordHasher;
use realty_domain::{DomainError, Password, PasswordHash};
use tracing::Instrument;

/// The argon2id cost. `Default` is OWASP's recommended minimum
/// (19 MiB, 2 passes, 1 lane), which is also argon2's default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashCost {
    pub memory_kib: u32,
    pub iterations: u32,
}

impl Default for HashCost {
    fn default() -> Self {
        Self { memory_kib: Params::DEFAULT_M_COST, iterations: Params::DEFAULT_T_COST }
    }
}

/// The `PasswordHasher` port over argon2id.
#[derive(Clone)]
pub struct Argon2Hasher {
    argon2: Arc<Argon2<'static>>,
    /// Hashes allowed to run at once. Each takes ~19 MiB and a core for tens
    /// of milliseconds; unbounded, a login storm filled the blocking pool,
    /// starved reads (p99 ×17–25) and grew RSS to GiBs (BENCHMARKS.md).
    /// Waiting logins queue here instead, costing nothing but latency.
    permits: Arc<tokio::sync::Semaphore>,
    /// A hash of a random password, verified against for unknown emails.
    decoy: Arc<str>,
}

impl std::fmt::Debug for Argon2Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Argon2Hasher").finish_non_exhaustive()
    }
}

impl Argon2Hasher {
    /// # Errors
    /// When the cost parameters are out of argon2's range.
    pub fn new(cost: HashCost) -> Result<Self, DomainError> {
        let params = Params::new(cost.memory_kib, cost.iterations, Params::DEFAULT_P_COST, None)
            .map_err(DomainError::internal)?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let decoy_password = uuid::Uuid::new_v4().to_string();
        let decoy =
            argon2.hash_password(decoy_password.as_bytes()).map_err(DomainError::internal)?.to_string();
        // One core for hashing, the rest for everything else (at least one).
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        let permits = Arc::new(tokio::sync::Semaphore::new(cores.saturating_sub(1).max(1)));
        Ok(Self { argon2: Arc::new(argon2), permits, decoy: decoy.into() })
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Argon2<'static>) -> T + Send + 'static,
    ) -> Result<T, DomainError> {
        let permit = Arc::clone(&self.permits).acquire_owned().await.map_err(DomainError::internal)?;
        let argon2 = Arc::clone(&self.argon2);
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            span.in_scope(|| work(&argon2))
        })
        .instrument(tracing::debug_span!("argon2"))
        .await
        .map_err(DomainError::internal)
    }
}

#[async_trait]
impl PasswordHasher for Argon2Hasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, DomainError> {
        let password = password.expose().to_owned();
        self.blocking(move |argon2| argon2.hash_password(password.as_bytes()).map(|hash| hash.to_string()))
            .await?
            .map(PasswordHash::new)
            .map_err(DomainError::internal)
    }

    async fn verify(&self, password: &Password, hash: &PasswordHash) -> Result<bool, DomainError> {
        let password = password.expose().to_owned();
        let hash = hash.as_str().to_owned();
        let outcome =
            self.blocking(move |argon2| argon2.verify_password(password.as_bytes(), hash.as_str())).await?;
        match outcome {
            Ok(()) => Ok(true),
            Err(HashError::PasswordInvalid) => Ok(false),
            Err(error) => Err(DomainError::internal(error)),
        }
    }

    async fn verify_against_nothing(&self, password: &Password) -> Result<(), DomainError> {
        let decoy = PasswordHash::new(self.decoy.to_string());
        self.verify(password, &decoy).await.map(|_| ())
    }
}
