//! Errors: the crate's own [`DbError`] for startup, and the one place where
//! a Diesel error becomes a [`DomainError`].
//!
//! Constraint violations are mapped by constraint name where the backend
//! gives one (PostgreSQL always does). SQLite names no constraint for a
//! foreign-key failure, so every call site also says what its statement was
//! writing ([`Writing`]) and that decides. Everything unexpected becomes
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

/// What the failed statement was writing: decides the meaning of a
/// violation the backend reports without a constraint name.
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

impl Writing {
    /// What a statement that found no row was looking for.
    fn resource(self) -> Option<&'static str> {
        match self {
            Self::Other => None,
            Self::User => Some("user"),
            Self::NewPropertyType | Self::PropertyTypeRemoval => Some("property type"),
            Self::Property => Some("property"),
        }
    }
}

/// Why a database call failed, for the `Internal` source chain.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StorageError {
    #[error("database statement failed")]
    Query(#[source] DieselError),
    #[error("no database connection available")]
    Checkout(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("stored {what} breaks a domain rule ({rule}); the row is corrupt")]
    Corrupt { what: &'static str, rule: String },
    #[error("audit changes could not be encoded or decoded")]
    Changes(#[source] serde_json::Error),
}

/// The one mapping of a Diesel error to the domain's terms.
pub(crate) fn db_error(error: DieselError, writing: Writing) -> DomainError {
    let Some((violation, constraint)) = violation(&error) else {
        return match (error, writing.resource()) {
            (DieselError::NotFound, Some(resource)) => DomainError::NotFound { resource },
            (error, _) => DomainError::internal(StorageError::Query(error)),
        };
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
            DomainError::Invalid(vec![FieldError::new("property_type", "unknown property type")])
        }
        (Violation::ForeignKey, Some("properties_owner_fk"), _) => DomainError::NotFound { resource: "user" },
        _ => DomainError::internal(StorageError::Query(error)),
    }
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
pub(crate) fn corrupt(what: &'static str, rule: &FieldError) -> DomainError {
    DomainError::internal(StorageError::Corrupt { what, rule: rule.to_string() })
}

/// The pool could not hand out a connection (database down, pool exhausted).
pub(crate) fn checkout_failed(error: impl std::error::Error + Send + Sync + 'static) -> DomainError {
    DomainError::internal(StorageError::Checkout(Box::new(error)))
}

/// The error of a repository transaction: already in domain terms, but a
/// type of this crate so that Diesel's transaction API can build it from the
/// errors of `BEGIN`, `COMMIT` and unannotated statements (`?`).
#[derive(Debug)]
pub(crate) struct Abort(pub(crate) DomainError);

impl From<DieselError> for Abort {
    fn from(error: DieselError) -> Self {
        Self(db_error(error, Writing::Other))
    }
}

impl From<DomainError> for Abort {
    fn from(error: DomainError) -> Self {
        Self(error)
    }
}

impl From<Abort> for DomainError {
    fn from(abort: Abort) -> Self {
        abort.0
    }
}

#[cfg(test)]
mod tests {
    use diesel::result::DatabaseErrorInformation;

    use super::*;

    /// What PostgreSQL reports: a message and the constraint's name.
    struct Named(&'static str);

    impl DatabaseErrorInformation for Named {
        fn message(&self) -> &str {
            "violation"
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
        DieselError::DatabaseError(kind, Box::new(Named(constraint)))
    }

    /// What SQLite reports: a message, no constraint name.
    fn sqlite(kind: DatabaseErrorKind, message: &str) -> DieselError {
        DieselError::DatabaseError(kind, Box::new(message.to_owned()))
    }

    #[test]
    fn unique_email_is_a_conflict_on_both_backends() {
        let by_name =
            db_error(postgres(DatabaseErrorKind::UniqueViolation, "users_email_unique"), Writing::Other);
        let by_statement = db_error(
            sqlite(DatabaseErrorKind::UniqueViolation, "UNIQUE constraint failed: users.email"),
            Writing::User,
        );

        for error in [by_name, by_statement] {
            assert!(
                matches!(&error, DomainError::Conflict(message) if message.contains("email")),
                "{error:?}"
            );
        }
    }

    #[test]
    fn missing_property_type_is_invalid_naming_the_field() {
        let by_name = db_error(
            postgres(DatabaseErrorKind::ForeignKeyViolation, "properties_property_type_fk"),
            Writing::Property,
        );
        let by_statement = db_error(
            sqlite(DatabaseErrorKind::ForeignKeyViolation, "FOREIGN KEY constraint failed"),
            Writing::Property,
        );

        for error in [by_name, by_statement] {
            assert!(
                matches!(&error, DomainError::Invalid(fields) if fields[0].field == "property_type"),
                "{error:?}"
            );
        }
    }

    #[test]
    fn removing_a_type_in_use_is_a_conflict_even_with_sqlites_generic_code() {
        let by_name = db_error(
            postgres(DatabaseErrorKind::ForeignKeyViolation, "properties_property_type_fk"),
            Writing::PropertyTypeRemoval,
        );
        let by_message = db_error(
            sqlite(DatabaseErrorKind::Unknown, "FOREIGN KEY constraint failed"),
            Writing::PropertyTypeRemoval,
        );

        for error in [by_name, by_message] {
            assert!(matches!(error, DomainError::Conflict(_)), "{error:?}");
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

    #[test]
    fn a_missing_row_names_what_the_statement_wrote() {
        let error = db_error(DieselError::NotFound, Writing::Property);

        assert!(matches!(error, DomainError::NotFound { resource: "property" }), "{error:?}");
    }
}
