//! The one error type of the domain, shared by use cases and ports.

use std::fmt;

/// A rule broken by one field of a request: `field` names it the way the
/// client spelled it (`rooms[2].area_m2`), `message` says which rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }

    /// The same error for a field nested in a list or object, e.g.
    /// `name` becomes `rooms[2].name`.
    #[must_use]
    pub fn within(self, prefix: &str) -> Self {
        Self { field: format!("{prefix}.{}", self.field), message: self.message }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for FieldError {}

/// Collects every broken rule of a request so the client learns all of them
/// at once rather than one per round trip.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    /// Keeps the value when valid, records the error otherwise.
    pub fn check<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.0.push(error);
                None
            }
        }
    }

    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok` when nothing was recorded, else the whole list as `Invalid`.
    pub fn into_result(self) -> Result<(), DomainError> {
        if self.0.is_empty() { Ok(()) } else { Err(DomainError::Invalid(self.0)) }
    }

    /// The recorded errors as `Invalid`. Callers use it after a `let … else`
    /// on the checked values, which fails only when something was recorded.
    pub fn into_error(self) -> DomainError {
        DomainError::Invalid(self.0)
    }
}

/// What can go wrong in realty, in the domain's words. Adapters map their
/// own failures onto these variants at the seam; nothing below leaks up.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// The resource does not exist (or the caller may not know it exists).
    #[error("{resource} not found")]
    NotFound { resource: &'static str },
    /// The caller is known but lacks the right.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// No valid credentials: bad password, bad or expired token.
    #[error("authentication required")]
    Unauthenticated,
    /// The write collides with existing state (email taken, type in use).
    #[error("conflict: {0}")]
    Conflict(String),
    /// One or more fields break a rule.
    #[error("invalid input: {}", display_fields(.0))]
    Invalid(Vec<FieldError>),
    /// `If-Match` named a version that is no longer current.
    #[error("version {expected} is stale; current version is {current}")]
    PreconditionFailed { expected: i64, current: i64 },
    /// Too many failed logins for one email; retry after the given seconds.
    #[error("too many failed attempts; retry after {retry_after_secs}s")]
    TooManyAttempts { retry_after_secs: u64 },
    /// An infrastructure failure (database down, hashing failed…). Its cause
    /// is logged, never shown to clients.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

fn display_fields(errors: &[FieldError]) -> String {
    errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

impl DomainError {
    pub fn internal(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal(error.into())
    }

    /// A single-field validation error.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }
}

impl From<FieldError> for DomainError {
    fn from(error: FieldError) -> Self {
        Self::Invalid(vec![error])
    }
}
