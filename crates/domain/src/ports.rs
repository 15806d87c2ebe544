//! The ports: what the core needs from the outside world. Adapters implement
//! them; use cases hold them as `Arc<dyn Port>`.
//!
//! Every write method takes the [`AuditEntry`] to record and records it in
//! the same transaction as the change, so the trail can never disagree with
//! the data. Every method may fail with `Unavailable` when storage cannot be
//! reached or does not answer in time, and with `Internal` on anything else
//! unexpected; the `# Errors` sections list only the other variants.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use crate::{
    AuditEntry, AuditEvent, Decide, DomainError, Edited, Email, NewProperty, NewUser, Page, Password,
    PasswordHash, Property, PropertyId, PropertyQuery, PropertyType, TypeSlug, User, UserId, UserQuery,
    UserUpdate,
};

/// Stores users.
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait UserRepository: Send + Sync {
    /// Inserts a user and records its `create` event.
    ///
    /// # Errors
    /// `Conflict` when the email is taken.
    async fn create(&self, user: NewUser, audit: AuditEntry) -> Result<User, DomainError>;

    /// # Errors
    /// Only storage failures.
    async fn find_by_id(&self, id: UserId) -> Result<Option<User>, DomainError>;

    /// # Errors
    /// Only storage failures.
    async fn find_by_email(&self, email: &Email) -> Result<Option<User>, DomainError>;

    /// A page of users matching the query, newest (highest id) first.
    ///
    /// # Errors
    /// Only storage failures.
    async fn list(&self, query: &UserQuery) -> Result<Page<User>, DomainError>;

    /// Applies the update with `updated_at` (and `password_changed_at` when
    /// the hash changes) set to `audit.at`, and records the event.
    ///
    /// # Errors
    /// `NotFound` when the user is gone.
    async fn update(&self, id: UserId, update: UserUpdate, audit: AuditEntry) -> Result<User, DomainError>;

    /// Deletes the user with their properties and rooms; the audit trail
    /// is kept. The platform keeps at least one admin: the check and the
    /// delete are one transaction, so two admins deleting themselves at once
    /// cannot both succeed.
    ///
    /// # Errors
    /// `NotFound` when the user is gone; `Conflict` when they are the last
    /// admin.
    async fn delete(&self, id: UserId, audit: AuditEntry) -> Result<(), DomainError>;
}

/// Stores the catalogue of property types.
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait PropertyTypeRepository: Send + Sync {
    /// Every type, by slug.
    ///
    /// # Errors
    /// Only storage failures.
    async fn list(&self) -> Result<Vec<PropertyType>, DomainError>;

    /// # Errors
    /// Only storage failures.
    async fn find(&self, slug: &TypeSlug) -> Result<Option<PropertyType>, DomainError>;

    /// # Errors
    /// `Conflict` when the slug is taken.
    async fn create(
        &self,
        property_type: PropertyType,
        audit: AuditEntry,
    ) -> Result<PropertyType, DomainError>;

    /// # Errors
    /// `NotFound` when absent; `Conflict` while a property uses it.
    async fn delete(&self, slug: &TypeSlug, audit: AuditEntry) -> Result<(), DomainError>;
}

/// Stores properties and their rooms.
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait PropertyRepository: Send + Sync {
    /// Inserts the property (version 1) with its rooms, all or nothing,
    /// recording `audit` for the property and `room_audits[i]` for its
    /// `i`-th room.
    ///
    /// # Errors
    /// `Invalid` naming `property_type` when the type does not exist.
    async fn create(
        &self,
        property: NewProperty,
        audit: AuditEntry,
        room_audits: Vec<AuditEntry>,
    ) -> Result<Property, DomainError>;

    /// The property with its rooms.
    ///
    /// # Errors
    /// Only storage failures.
    async fn find(&self, id: PropertyId) -> Result<Option<Property>, DomainError>;

    /// A page of the properties matching the query, in its order, each with
    /// its rooms, in a bounded number of statements.
    ///
    /// # Errors
    /// Only storage failures.
    async fn list(&self, query: &PropertyQuery) -> Result<Page<Property>, DomainError>;

    /// Reads the property with its rooms, locked against every other write
    /// to it, hands it to `decide`, and applies what it decides together
    /// with its audit event, in one transaction. Writers to one property
    /// thus run one after the other, each seeing the last one's result: none
    /// is lost and none needs to retry. Every applied change bumps the
    /// version and sets `updated_at` to the audit entry's instant.
    ///
    /// # Errors
    /// `NotFound` when the property does not exist (`decide` is not called);
    /// whatever `decide` returns (nothing is written); `NotFound` for a room
    /// the change names that is not the property's; `Invalid` naming
    /// `property_type` for an unknown type; `Unavailable` when storage
    /// fails (`decide` may then have run on a transaction that was rolled
    /// back: see [`crate::Decide`]).
    async fn edit(&self, id: PropertyId, decide: Decide) -> Result<Edited, DomainError>;
}

/// Reads the audit trail (writes happen with each repository write).
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait AuditLog: Send + Sync {
    /// The events of a property and of its rooms, oldest first.
    ///
    /// # Errors
    /// Only storage failures.
    async fn property_history(&self, property: PropertyId) -> Result<Vec<AuditEvent>, DomainError>;
}

/// Counts failed logins per key (a login email), in shared storage so that
/// the limit holds across every instance of the service. Adapters store a
/// fixed-size digest of the key, never the key itself: a failure record
/// costs the same whatever was typed, and no email is kept for a login that
/// did not happen.
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait LoginThrottle: Send + Sync {
    /// The instants of the failures for `key` since `since`, oldest first.
    ///
    /// # Errors
    /// Only storage failures.
    async fn recent_failures(
        &self,
        key: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<DateTime<Utc>>, DomainError>;

    /// Records a failure at `at` and forgets every failure (of any key)
    /// older than `forget_before`, so the table stays small.
    ///
    /// # Errors
    /// Only storage failures.
    async fn record_failure(
        &self,
        key: &str,
        at: DateTime<Utc>,
        forget_before: DateTime<Utc>,
    ) -> Result<(), DomainError>;

    /// Forgets the failures of `key` (after a successful login).
    ///
    /// # Errors
    /// Only storage failures.
    async fn clear(&self, key: &str) -> Result<(), DomainError>;
}

/// An answer kept for replay under an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    /// The headers worth replaying (`Location`, `ETag`, `Content-Type`).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// What claiming an idempotency key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is new (or its record expired, or its claim's lease ran
    /// out): the caller processes the request and then completes or
    /// releases the key with this lease.
    Claimed(Lease),
    /// The same request was answered before: this is its answer.
    Replay(StoredResponse),
    /// The same request is being processed right now.
    InProgress,
    /// The key was used for another request.
    Mismatch,
}

/// One claim of an idempotency key: the instant its lease ends. It tells
/// this claim from a later one of the same key (which can only be made once
/// this lease has run out, so ends later), so that a request that outlived
/// its lease cannot answer or release the claim of the retry that took
/// the key over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lease(pub DateTime<Utc>);

/// Remembers the answers to requests sent with an `Idempotency-Key`, in
/// shared storage so that a retry reaching another instance is recognised.
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Claims `key` of `user` for the request with `fingerprint`, atomically:
    /// of two requests claiming one new key at once, exactly one gets
    /// `Claimed`. A record whose `expires_at` is past counts as absent, and
    /// so does an unanswered claim whose lease ran out (its instance died).
    ///
    /// # Errors
    /// Only storage failures.
    async fn claim(
        &self,
        user: UserId,
        key: &str,
        fingerprint: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Claim, DomainError>;

    /// Keeps the answer to the claim `lease` of a key until `expires_at`;
    /// `false`, and nothing changed, when that claim is no longer the key's
    /// (its lease ran out and a retry took the key over).
    ///
    /// # Errors
    /// Only storage failures.
    async fn complete(
        &self,
        user: UserId,
        key: &str,
        lease: Lease,
        response: StoredResponse,
        expires_at: DateTime<Utc>,
    ) -> Result<bool, DomainError>;

    /// Gives the claim `lease` of a key up unanswered, so that a retry is
    /// processed anew (the request failed in a way worth retrying); a claim
    /// that is no longer the key's is left alone.
    ///
    /// # Errors
    /// Only storage failures.
    async fn release(&self, user: UserId, key: &str, lease: Lease) -> Result<(), DomainError>;

    /// Deletes every record that expired before `now`; returns how many.
    ///
    /// # Errors
    /// Only storage failures.
    async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64, DomainError>;
}

/// Hashes and checks passwords. Implementations run the (deliberately slow)
/// hash off the async runtime.
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait PasswordHasher: Send + Sync {
    /// # Errors
    /// `Internal` when hashing fails.
    async fn hash(&self, password: &Password) -> Result<PasswordHash, DomainError>;

    /// Whether `password` matches `hash`.
    ///
    /// # Errors
    /// `Internal` when the hash cannot be read.
    async fn verify(&self, password: &Password, hash: &PasswordHash) -> Result<bool, DomainError>;

    /// Costs what a `verify` costs and matches nothing: used for unknown
    /// emails so that response time does not tell which accounts exist.
    ///
    /// # Errors
    /// `Internal` when hashing fails.
    async fn verify_against_nothing(&self, password: &Password) -> Result<(), DomainError>;
}

/// A freshly issued access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedToken {
    pub token: String,
    pub expires_in_secs: u64,
}

/// What a verified token says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenClaims {
    pub user_id: UserId,
    pub issued_at: DateTime<Utc>,
}

/// Issues and verifies access tokens. Synchronous: signing and checking a
/// signature take microseconds and need no I/O.
#[cfg_attr(feature = "mocks", mockall::automock)]
pub trait TokenService: Send + Sync {
    /// # Errors
    /// `Internal` when signing fails.
    fn issue(&self, user: UserId, now: DateTime<Utc>) -> Result<IssuedToken, DomainError>;

    /// Checks signature, `nbf` and `exp` against `now`.
    ///
    /// # Errors
    /// `Unauthenticated` for a malformed, tampered, premature or expired token.
    fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<TokenClaims, DomainError>;
}

/// The time, injected so that tests control it.
#[cfg_attr(feature = "mocks", mockall::automock)]
pub trait Clock: Send + Sync {
    /// Now, in UTC, at microsecond precision (what every store keeps).
    fn now(&self) -> DateTime<Utc>;

    fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }
}
