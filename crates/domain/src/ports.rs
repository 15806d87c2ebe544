//! The ports: what the core needs from the outside world. Adapters implement
//! them; use cases hold them as `Arc<dyn Port>`.
//!
//! Every write method takes the [`AuditEntry`] to record and records it in
//! the same transaction as the change, so the trail can never disagree with
//! the data. Writes that concern a property take the version the caller
//! based its decision on and fail with `PreconditionFailed` when another
//! write got there first: a conditional update, never a lost one.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use crate::{
    AuditEntry, AuditEvent, DomainError, Email, NewProperty, NewRoom, NewUser, Page, Password, PasswordHash,
    Property, PropertyFilter, PropertyId, PropertyType, PropertyUpdate, Room, RoomId, RoomUpdate, TypeSlug,
    User, UserId, UserUpdate, Version,
};

/// Stores users.
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait UserRepository: Send + Sync {
    /// Inserts a user and records its `create` event.
    ///
    /// # Errors
    /// `Conflict` when the email is taken; `Internal` on storage failure.
    async fn create(&self, user: NewUser, audit: AuditEntry) -> Result<User, DomainError>;

    /// # Errors
    /// `Internal` on storage failure.
    async fn find_by_id(&self, id: UserId) -> Result<Option<User>, DomainError>;

    /// # Errors
    /// `Internal` on storage failure.
    async fn find_by_email(&self, email: &Email) -> Result<Option<User>, DomainError>;

    /// Applies the update with `updated_at` (and `password_changed_at` when
    /// the hash changes) set to `audit.at`, and records the event.
    ///
    /// # Errors
    /// `NotFound` when the user is gone; `Internal` on storage failure.
    async fn update(&self, id: UserId, update: UserUpdate, audit: AuditEntry) -> Result<User, DomainError>;

    /// Deletes the user with their properties and rooms; the audit trail
    /// is kept.
    ///
    /// # Errors
    /// `NotFound` when the user is gone; `Internal` on storage failure.
    async fn delete(&self, id: UserId, audit: AuditEntry) -> Result<(), DomainError>;
}

/// Stores the catalogue of property types.
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait PropertyTypeRepository: Send + Sync {
    /// Every type, by slug.
    ///
    /// # Errors
    /// `Internal` on storage failure.
    async fn list(&self) -> Result<Vec<PropertyType>, DomainError>;

    /// # Errors
    /// `Internal` on storage failure.
    async fn find(&self, slug: &TypeSlug) -> Result<Option<PropertyType>, DomainError>;

    /// # Errors
    /// `Conflict` when the slug is taken; `Internal` on storage failure.
    async fn create(
        &self,
        property_type: PropertyType,
        audit: AuditEntry,
    ) -> Result<PropertyType, DomainError>;

    /// # Errors
    /// `NotFound` when absent; `Conflict` while a property uses it;
    /// `Internal` on storage failure.
    async fn delete(&self, slug: &TypeSlug, audit: AuditEntry) -> Result<(), DomainError>;
}

/// Stores properties and their rooms. Every change to a property or its
/// rooms increments the property's version and sets its `updated_at` to
/// `audit.at`.
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait PropertyRepository: Send + Sync {
    /// Inserts the property (version 1) with its rooms, all or nothing.
    ///
    /// # Errors
    /// `Invalid` naming `property_type` when the type does not exist;
    /// `Internal` on storage failure.
    async fn create(&self, property: NewProperty, audit: AuditEntry) -> Result<Property, DomainError>;

    /// The property with its rooms.
    ///
    /// # Errors
    /// `Internal` on storage failure.
    async fn find(&self, id: PropertyId) -> Result<Option<Property>, DomainError>;

    /// A page of properties matching the filter, newest (highest id) first,
    /// each with its rooms, in a bounded number of queries.
    ///
    /// # Errors
    /// `Internal` on storage failure.
    async fn list(&self, filter: &PropertyFilter) -> Result<Page<Property>, DomainError>;

    /// # Errors
    /// `NotFound` when gone; `PreconditionFailed` when the version is no
    /// longer `expected`; `Invalid` naming `property_type` for an unknown
    /// type; `Internal` on storage failure.
    async fn update(
        &self,
        id: PropertyId,
        expected: Version,
        update: PropertyUpdate,
        audit: AuditEntry,
    ) -> Result<Property, DomainError>;

    /// Deletes the property and its rooms; the audit trail is kept.
    ///
    /// # Errors
    /// `NotFound` when gone; `PreconditionFailed` on a stale `expected`;
    /// `Internal` on storage failure.
    async fn delete(&self, id: PropertyId, expected: Version, audit: AuditEntry) -> Result<(), DomainError>;

    /// Adds a room and bumps the property's version.
    ///
    /// # Errors
    /// `NotFound` when the property is gone; `PreconditionFailed` on a stale
    /// `expected`; `Internal` on storage failure.
    async fn add_room(
        &self,
        property: PropertyId,
        expected: Version,
        room: NewRoom,
        audit: AuditEntry,
    ) -> Result<Room, DomainError>;

    /// # Errors
    /// `NotFound` when the property or the room (in that property) is gone;
    /// `PreconditionFailed` on a stale `expected`; `Internal` on storage
    /// failure.
    async fn update_room(
        &self,
        property: PropertyId,
        room: RoomId,
        expected: Version,
        update: RoomUpdate,
        audit: AuditEntry,
    ) -> Result<Room, DomainError>;

    /// # Errors
    /// As [`PropertyRepository::update_room`].
    async fn remove_room(
        &self,
        property: PropertyId,
        room: RoomId,
        expected: Version,
        audit: AuditEntry,
    ) -> Result<(), DomainError>;
}

/// Reads the audit trail (writes happen with each repository write).
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait AuditLog: Send + Sync {
    /// The events of a property and of its rooms, oldest first.
    ///
    /// # Errors
    /// `Internal` on storage failure.
    async fn property_history(&self, property: PropertyId) -> Result<Vec<AuditEvent>, DomainError>;
}

/// Counts failed logins per email, in shared storage so that the limit holds
/// across every instance of the service.
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait LoginThrottle: Send + Sync {
    /// The instants of the failures for `key` since `since`, oldest first.
    ///
    /// # Errors
    /// `Internal` on storage failure.
    async fn recent_failures(
        &self,
        key: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<DateTime<Utc>>, DomainError>;

    /// Records a failure at `at` and forgets every failure (of any key)
    /// older than `forget_before`, so the table stays small.
    ///
    /// # Errors
    /// `Internal` on storage failure.
    async fn record_failure(
        &self,
        key: &str,
        at: DateTime<Utc>,
        forget_before: DateTime<Utc>,
    ) -> Result<(), DomainError>;

    /// Forgets the failures of `key` (after a successful login).
    ///
    /// # Errors
    /// `Internal` on storage failure.
    async fn clear(&self, key: &str) -> Result<(), DomainError>;
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
