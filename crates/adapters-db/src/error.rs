//! Errors: the crate's own [`DbError`] for startup, and the one place where
//! a Diesel error becomes a [`DomainError`].
//!
//! Constraint violations are mapped by constraint name where the backend
//! gives one (PostgreSQL always does). SQLite names no constraint for a
//! foreign-key failure, so each write also says what it was writing
//! ([`Writing`], through [`OnWrite::on_write`]) and that decides. A lost or
//! refused connection, a busy database or a statement timeout is
//! `Unavailable` (503, the client may retry); everything else unexpected is
//! `Internal`, whose source chain (logged by the HTTP layer, never shown to
//! clients) holds the database message but no bound values.

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use realty_domain::{DomainError, FieldError};

/// A failure to reach, set up or migrate the database, reported to the
/// composition root at startup (and by the readiness probe).
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The URL names no backend this crate speaks.
    #[error("unsupported database URL: {0}")]
    UnsupportedUrl(String),
    /// A pool option is out of range.
    #[error("invalid pool options: {0}")]
    InvalidOptions(&'static str),
    /// The database could not be opened or reached.
    #[error("cannot connect to the database")]
    Connect(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A migration failed; the database is left at the last one applied.
    #[error("database migration failed")]
    Migrate(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A connection was established but a statement on it failed.
    #[error("database unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// What a failed write was writing: decides the meaning of a violation the
/// backend reports without a constraint name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Writing {
    /// Nothing a client can cause: reads, audit events, login failures.
    Other,
    /// A user row (unique email).
    User,
    /// A new property type (unique slug).
    NewPropertyType,
    /// The removal of a property type (restricted by the properties using it).
    PropertyTypeRemoval,
    /// A property row (foreign keys to its type and owner).
    Property,
}

/// Why a database call failed, for the `Internal` or `Unavailable` source
/// chain.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StorageError {
    #[error("database statement failed")]
    Query(#[source] DieselError),
    #[error("no database connection available")]
    Checkout(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("the database did not answer within {0:?}")]
    Timeout(std::time::Duration),
    #[error("stored {what} breaks a domain rule ({rule}); the row is corrupt")]
    Corrupt { what: &'static str, rule: String },
    #[error("stored data could not be encoded or decoded")]
    Json(#[source] serde_json::Error),
}

/// The error of a repository call on one connection: the domain error, and
/// whether the call may be run again on a fresh connection. It may when the
/// connection turned out dead before anything could have been committed.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) error: DomainError,
    pub(crate) retry: bool,
    /// The id of the transaction whose `COMMIT` lost its connection, when
    /// the backend gives one: whether it committed can be looked up on
    /// another connection (see `in_transaction!`).
    pub(crate) commit_unknown: Option<i64>,
}

impl Failure {
    /// A failure of the `COMMIT` of transaction `id` (when known): never
    /// retried as it is, since the commit may have happened; when the
    /// connection was lost, the transaction's fate is worth looking up.
    pub(crate) fn at_commit(self, id: Option<i64>) -> Self {
        let commit_unknown = if self.retry { id } else { None };
        Self { retry: false, commit_unknown, ..self }
    }

    /// The failure of a transaction known to have rolled back: it may run
    /// again on a fresh connection.
    pub(crate) fn retryable(self) -> Self {
        Self { retry: true, commit_unknown: None, ..self }
    }
}

impl From<DieselError> for Failure {
    fn from(error: DieselError) -> Self {
        let retry = lost_connection(&error);
        Self { error: db_error(error, Writing::Other), retry, commit_unknown: None }
    }
}

impl From<DomainError> for Failure {
    fn from(error: DomainError) -> Self {
        Self { error, retry: false, commit_unknown: None }
    }
}

impl From<Failure> for DomainError {
    fn from(failure: Failure) -> Self {
        failure.error
    }
}

/// `.on_write(Writing::X)`: maps a Diesel error knowing what the statement
/// wrote, in one call at the statement.
pub(crate) trait OnWrite<T> {
    fn on_write(self, writing: Writing) -> Result<T, Failure>;
}

impl<T> OnWrite<T> for Result<T, DieselError> {
    fn on_write(self, writing: Writing) -> Result<T, Failure> {
        self.map_err(|error| {
            let retry = lost_connection(&error);
            Failure { error: db_error(error, writing), retry, commit_unknown: None }
        })
    }
}

/// The one mapping of a Diesel error to the domain's terms.
pub(crate) fn db_error(error: DieselError, writing: Writing) -> DomainError {
    if unavailable(&error) {
        return DomainError::unavailable(StorageError::Query(error));
    }
    let Some((violation, constraint)) = violation(&error) else {
        return DomainError::internal(StorageError::Query(error));
    };
    match (violation, constraint, writing) {
        (Violation::Unique, Some("users_email_unique"), _) | (Violation::Unique, None, Writing::User) => {
            DomainError::Conflict("email already registered".to_owned())
        }
        (Violation::Unique, Some("property_types_pkey"), _) | (Violation::Unique, None, Writing::NewPropertyType) => {
            DomainError::Conflict("a property type with this slug already exists".to_owned())
        }
        // One constraint, two directions: removing a type still referenced,
        // or writing a property that references a missing type.
        (Violation::ForeignKey, Some("properties_property_type_fk") | None, Writing::PropertyTypeRemoval) => {
            DomainError::Conflict("the property type is used by properties".to_owned())
        }
        (Violation::ForeignKey, Some("properties_property_type_fk"), _)
        // SQLite: the one reference a client can get wrong when writing a
        // property is its type (the owner is the authenticated caller).
        | (Violation::ForeignKey, None, Writing::Property) => {
            DomainError::Invalid(vec![FieldError::new("property_type", "must name an existing property type")])
        }
        (Violation::ForeignKey, Some("properties_owner_fk"), _) => DomainError::NotFound { resource: "user" },
        _ => DomainError::internal(StorageError::Query(error)),
    }
}

/// Whether the connection the statement ran on is gone (server restarted
/// or shut down, network cut): nothing more will run on it.
fn lost_connection(error: &DieselError) -> bool {
    match error {
        DieselError::DatabaseError(
            DatabaseErrorKind::UnableToSendCommand | DatabaseErrorKind::ClosedConnection,
            _,
        ) => true,
        // tokio-postgres reports the server's FATAL notice (57P01 and
        // kin) as a database error without a kind of its own.
        DieselError::DatabaseError(_, info) => {
            let message = info.message();
            message.starts_with("terminating connection") || message.starts_with("the database system is")
        }
        DieselError::BrokenTransactionManager => true,
        _ => false,
    }
}

/// Whether the failure is the database's state rather than the statement's:
/// worth a 503 and a retry by the client.
fn unavailable(error: &DieselError) -> bool {
    if lost_connection(error) {
        return true;
    }
    let DieselError::DatabaseError(kind, info) = error else {
        return false;
    };
    let message = info.message();
    matches!(kind, DatabaseErrorKind::SerializationFailure)
        // PostgreSQL: statement_timeout (57014), deadlock (40P01), too many
        // connections (53300).
        || message.starts_with("canceling statement due to statement timeout")
        || message.starts_with("deadlock detected")
        || message.starts_with("sorry, too many clients")
        || message.contains("too many connections")
        // SQLite: the write lock stayed busy past busy_timeout.
        || message.starts_with("database is locked")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Violation {
    Unique,
    ForeignKey,
}

/// The constraint violation an error reports, if any, with the constraint's
/// name when the backend gives it.
fn violation(error: &DieselError) -> Option<(Violation, Option<&str>)> {
    let DieselError::DatabaseError(kind, info) = error else {
        return None;
    };
    let violation = match kind {
        DatabaseErrorKind::UniqueViolation => Violation::Unique,
        DatabaseErrorKind::ForeignKeyViolation => Violation::ForeignKey,
        // SQLite reports an `ON DELETE RESTRICT` refusal with a generic
        // constraint code; only its message tells.
        _ if info.message().starts_with("FOREIGN KEY constraint failed") => Violation::ForeignKey,
        _ => return None,
    };
    Some((violation, info.constraint_name()))
}

/// A stored value that no longer passes its domain constructor.
pub(crate) fn corrupt(what: &'static str, rule: &impl std::fmt::Display) -> DomainError {
    DomainError::internal(StorageError::Corrupt { what, rule: rule.to_string() })
}

#[cfg(test)]
mod tests {
    use diesel::result::DatabaseErrorInformation;
    use diesel::result::DatabaseErrorKind::{ForeignKeyViolation, UniqueViolation, Unknown};

    use super::*;

    /// What PostgreSQL reports: a message and the constraint's name.
    struct Named(&'static str, &'static str);

    impl DatabaseErrorInformation for Named {
        fn message(&self) -> &str {
            self.1
        }
        fn details(&self) -> Option<&str> {
            None
        }
        fn hint(&self) -> Option<&str> {
            None
        }
        fn table_name(&self) -> Option<&str> {
            None
        }
        fn column_name(&self) -> Option<&str> {
            None
        }
        fn constraint_name(&self) -> Option<&str> {
            Some(self.0)
        }
        fn statement_position(&self) -> Option<i32> {
            None
        }
    }

    fn postgres(kind: DatabaseErrorKind, constraint: &'static str) -> DieselError {
        DieselError::DatabaseError(kind, Box::new(Named(constraint, "violation")))
    }

    /// What SQLite reports: a message, no constraint name.
    fn sqlite(kind: DatabaseErrorKind, message: &str) -> DieselError {
        DieselError::DatabaseError(kind, Box::new(message.to_owned()))
    }

    #[test]
    fn unique_email_is_a_conflict_on_both_backends() {
        let errors = [
            db_error(postgres(UniqueViolation, "users_email_unique"), Writing::Other),
            db_error(sqlite(UniqueViolation, "UNIQUE constraint failed: users.email"), Writing::User),
        ];

        for error in errors {
            assert!(
                matches!(&error, DomainError::Conflict(message) if message.contains("email")),
                "{error:?}"
            );
        }
    }

    #[test]
    fn missing_property_type_is_invalid_naming_the_field() {
        let errors = [
            db_error(postgres(ForeignKeyViolation, "properties_property_type_fk"), Writing::Property),
            db_error(sqlite(ForeignKeyViolation, "FOREIGN KEY constraint failed"), Writing::Property),
        ];

        for error in errors {
            assert!(
                matches!(&error, DomainError::Invalid(fields) if fields[0].field == "property_type"),
                "{error:?}"
            );
        }
    }

    #[test]
    fn removing_a_type_in_use_is_a_conflict_even_with_sqlites_generic_code() {
        let errors = [
            db_error(
                postgres(ForeignKeyViolation, "properties_property_type_fk"),
                Writing::PropertyTypeRemoval,
            ),
            db_error(sqlite(Unknown, "FOREIGN KEY constraint failed"), Writing::PropertyTypeRemoval),
        ];

        for error in errors {
            assert!(matches!(error, DomainError::Conflict(_)), "{error:?}");
        }
    }

    #[test]
    fn a_lost_connection_is_unavailable_and_worth_a_retry() {
        let closed = sqlite(DatabaseErrorKind::UnableToSendCommand, "connection closed");
        let shutdown = DieselError::DatabaseError(
            DatabaseErrorKind::Unknown,
            Box::new(Named("", "terminating connection due to administrator command")),
        );

        for error in [closed, shutdown] {
            let failure = Failure::from(error);
            assert!(failure.retry, "{failure:?}");
            assert!(matches!(failure.error, DomainError::Unavailable(_)), "{failure:?}");
        }
    }

    #[test]
    fn a_busy_or_timed_out_database_is_unavailable_but_not_retried_here() {
        let locked = sqlite(DatabaseErrorKind::Unknown, "database is locked");
        let timeout = sqlite(DatabaseErrorKind::Unknown, "canceling statement due to statement timeout");

        for error in [locked, timeout] {
            let failure = Failure::from(error);
            assert!(!failure.retry, "{failure:?}");
            assert!(matches!(failure.error, DomainError::Unavailable(_)), "{failure:?}");
        }
    }

    #[test]
    fn anything_else_is_internal() {
        let check =
            db_error(postgres(DatabaseErrorKind::CheckViolation, "rooms_area_m2_check"), Writing::Property);
        let unnamed_unique = db_error(sqlite(DatabaseErrorKind::UniqueViolation, "UNIQUE"), Writing::Other);
        let read_miss = db_error(DieselError::NotFound, Writing::Other);

        for error in [check, unnamed_unique, read_miss] {
            assert!(matches!(error, DomainError::Internal(_)), "{error:?}");
        }
    }
}
