//! The errors of the domain: the rule a value breaks ([`ValueError`]), the
//! field of a request that breaks one ([`FieldError`]), and [`DomainError`],
//! what a use case or a port reports.

use std::fmt;

/// A rule a single value breaks. Value objects say which rule; the seam that
/// knows what the client called the value (the HTTP adapter) says which
/// field, so one type serves `first_name` and `last_name` alike.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("must not be blank")]
    Blank,
    #[error("must be at least {0} characters")]
    TooShort(usize),
    #[error("must be at most {0} characters")]
    TooLong(usize),
    /// NUL and the other C0/C1 controls; a lone surrogate in JSON reaches
    /// the domain as NUL (see the HTTP adapter), so one rule covers both of
    /// the texts a database cannot store.
    #[error("must not contain control characters or lone surrogates")]
    ControlCharacter,
    /// Zero-width spaces and joiners, byte-order marks, bidirectional
    /// controls: invisible, they make look-alike identities.
    #[error("must not contain invisible formatting characters (zero-width, byte-order or direction marks)")]
    FormatCharacter,
    #[error("must contain a letter or digit")]
    NoLetterOrDigit,
    #[error("must be an email address like name@example.com")]
    NotAnEmail,
    #[error("must contain only lower-case letters a-z, digits and hyphens")]
    NotASlug,
    #[error("must be one of {}", .0.join(", "))]
    NotOneOf(&'static [&'static str]),
    /// The value is outside its range; the text completes "must be …".
    #[error("must be {0}")]
    OutOfRange(&'static str),
}

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
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for FieldError {}

/// Collects every broken rule of a request so the client learns all of them
/// at once rather than one per round trip.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    /// Keeps the value when valid, records the rule broken under `field`
    /// otherwise.
    pub fn check<T>(&mut self, field: &str, result: Result<T, ValueError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.0.push(FieldError::new(field, error.to_string()));
                None
            }
        }
    }

    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    pub fn extend(&mut self, errors: impl IntoIterator<Item = FieldError>) {
        self.0.extend(errors);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `value` when nothing was recorded, else every recorded error.
    ///
    /// # Errors
    /// The recorded errors, when there are any.
    pub fn finish<T>(self, value: T) -> Result<T, Vec<FieldError>> {
        if self.0.is_empty() { Ok(value) } else { Err(self.0) }
    }

    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
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
    /// `If-Match` named no version that is current.
    #[error("the current version is {current}, which If-Match does not name")]
    PreconditionFailed { current: i64 },
    /// Too many failed logins for one email; retry after the given seconds.
    #[error("too many failed attempts; retry after {retry_after_secs}s")]
    TooManyAttempts { retry_after_secs: u64 },
    /// Storage cannot be reached or did not answer in time (database down,
    /// restarting, overloaded). Transient: the client may retry.
    #[error("storage unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// An unexpected failure (a bug, corrupt data…). Its cause is logged,
    /// never shown to clients.
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

    pub fn unavailable(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Unavailable(error.into())
    }

    /// A single-field validation error.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }
}

impl From<Vec<FieldError>> for DomainError {
    fn from(errors: Vec<FieldError>) -> Self {
        Self::Invalid(errors)
    }
}

/// "outer: inner: root": an error and each of its causes, for a log line or
/// a start-up message (a storage failure's cause is what says why).
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut chain = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        chain.push_str(": ");
        chain.push_str(&cause.to_string());
        source = cause.source();
    }
    chain
}
