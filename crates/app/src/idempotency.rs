//! Idempotent retries of creations (`Idempotency-Key`): the first request
//! with a key is processed and its answer kept, so that a retry, through any
//! instance, gets that answer again and creates nothing.

use std::sync::Arc;
use std::time::Duration;

use realty_domain::UserId;
use realty_domain::ports::{Claim, Clock, IdempotencyStore, Lease, StoredResponse};

use crate::Result;

/// The idempotency policy over its store.
#[derive(Clone)]
pub struct Idempotency {
    store: Arc<dyn IdempotencyStore>,
    clock: Arc<dyn Clock>,
    /// How long an answer is kept (DESIGN §4.3: 24 hours).
    retention: chrono::Duration,
    /// How long a claim without an answer blocks retries: past it, the
    /// instance that claimed the key is presumed dead and a retry may
    /// proceed. Longer than any request may take.
    lease: chrono::Duration,
}

impl std::fmt::Debug for Idempotency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Idempotency")
            .field("retention", &self.retention)
            .field("lease", &self.lease)
            .finish_non_exhaustive()
    }
}

impl Idempotency {
    /// Answers are kept 24 hours; `lease` should exceed the request timeout.
    pub fn new(store: Arc<dyn IdempotencyStore>, clock: Arc<dyn Clock>, lease: Duration) -> Self {
        let lease = chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::MAX);
        Self { store, clock, retention: chrono::Duration::hours(24), lease }
    }

    /// Claims `key` for the request `fingerprint` stands for.
    ///
    /// # Errors
    /// Only storage failures.
    #[tracing::instrument(skip_all, fields(user_id = user.0))]
    pub async fn claim(&self, user: UserId, key: &str, fingerprint: &str) -> Result<Claim> {
        let now = self.clock.now();
        self.store.claim(user, key, fingerprint, now, now + self.lease).await
    }

    /// Keeps the answer to the claim `lease` for the retention period;
    /// `false` when that claim was taken over (the request outlived its
    /// lease), and then nothing is kept.
    ///
    /// # Errors
    /// Only storage failures.
    pub async fn complete(
        &self,
        user: UserId,
        key: &str,
        lease: Lease,
        response: StoredResponse,
    ) -> Result<bool> {
        let expires_at = self.clock.now() + self.retention;
        self.store.complete(user, key, lease, response, expires_at).await
    }

    /// Gives the claim `lease` up, so that a retry is processed anew.
    ///
    /// # Errors
    /// Only storage failures.
    pub async fn release(&self, user: UserId, key: &str, lease: Lease) -> Result<()> {
        self.store.release(user, key, lease).await
    }

    /// Forgets the answers past their retention; returns how many.
    ///
    /// # Errors
    /// Only storage failures.
    pub async fn purge_expired(&self) -> Result<u64> {
        self.store.purge_expired(self.clock.now()).await
    }
}
