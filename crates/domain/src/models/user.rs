//! People: their identity, credentials and personal details.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};

use super::text::{check_length, check_printable};
use crate::FieldError;

/// A user's database id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserId(pub i64);

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What a user may do beyond their own objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    User,
    /// Moderates every object on the platform. Made only by the CLI.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Admin => "admin",
        }
    }

    /// # Errors
    /// When `raw` names no role.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw {
            "user" => Ok(Self::User),
            "admin" => Ok(Self::Admin),
            _ => Err(FieldError::new("role", "must be user or admin")),
        }
    }
}

/// The authenticated caller of a use case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub id: UserId,
    pub role: Role,
}

impl Actor {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// An email address, trimmed and stored lower-case so that uniqueness and
/// login are case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub const FIELD: &'static str = "email";
    /// RFC 5321's limit on a forward path.
    pub const MAX_CHARS: usize = 254;

    /// # Errors
    /// When `raw` is not a plausible address. Deliberately loose (one `@`,
    /// a dotted domain, no spaces): only sending mail proves an address.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let email = raw.trim().to_lowercase();
        check_length(Self::FIELD, &email, 1, Self::MAX_CHARS)?;
        let invalid = || FieldError::new(Self::FIELD, "must be an email address like name@example.com");
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        let well_formed = !local.is_empty()
            && local.chars().count() <= 64
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !email.chars().any(|c| c.is_whitespace() || c.is_control());
        if !well_formed {
            return Err(invalid());
        }
        Ok(Self(email))
    }

    /// The key under which failed logins are counted: the address as typed,
    /// trimmed and lower-cased, valid or not (throttling must not depend on
    /// whether the account exists).
    pub fn throttle_key(raw: &str) -> String {
        raw.trim().to_lowercase()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A plain-text password on its way to the hasher. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 8;
    pub const MAX_CHARS: usize = 128;

    /// Checks the length only: the password is kept exactly as typed
    /// (spaces included), since trimming would change what the user chose.
    ///
    /// # Errors
    /// When shorter than 8 or longer than 128 characters.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        check_length(field, raw, Self::MIN_CHARS, Self::MAX_CHARS)?;
        Ok(Self(raw.to_owned()))
    }

    /// A password as presented at login: not length-checked, so that an
    /// old account's password or a typo gets "bad credentials", not a 422.
    pub fn presented(raw: &str) -> Self {
        Self(raw.to_owned())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// An argon2id hash in PHC string format. Never leaves the service.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    pub fn new(phc: String) -> Self {
        Self(phc)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(***)")
    }
}

/// A first or last name: 1 to 100 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PersonName(String);

impl PersonName {
    pub const MAX_CHARS: usize = 100;

    /// # Errors
    /// A [`FieldError`] naming `field` when blank, too long or holding
    /// control characters.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let trimmed = raw.trim();
        check_length(field, trimmed, 1, Self::MAX_CHARS)?;
        check_printable(field, trimmed, false)?;
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A birth date between 1900-01-01 and today, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BirthDate(NaiveDate);

impl BirthDate {
    pub const FIELD: &'static str = "birth_date";

    /// The earliest accepted birth date.
    pub fn earliest() -> NaiveDate {
        NaiveDate::from_ymd_opt(1900, 1, 1).expect("1900-01-01 is a valid date")
    }

    /// `today` comes from the `Clock` port, so that tests control it.
    ///
    /// # Errors
    /// When `date` is before 1900-01-01 or after `today`.
    pub fn parse(date: NaiveDate, today: NaiveDate) -> Result<Self, FieldError> {
        if date < Self::earliest() {
            return Err(FieldError::new(Self::FIELD, "must be on or after 1900-01-01"));
        }
        if date > today {
            return Err(FieldError::new(Self::FIELD, "must not be in the future"));
        }
        Ok(Self(date))
    }

    pub fn date(self) -> NaiveDate {
        self.0
    }
}

/// A registered person.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: UserId,
    pub email: Email,
    pub password_hash: PasswordHash,
    pub first_name: PersonName,
    pub last_name: PersonName,
    pub birth_date: Option<BirthDate>,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Tokens issued before this instant are refused.
    pub password_changed_at: DateTime<Utc>,
}

impl User {
    pub fn actor(&self) -> Actor {
        Actor { id: self.id, role: self.role }
    }
}

/// A user to insert.
#[derive(Debug, Clone, PartialEq)]
pub struct NewUser {
    pub email: Email,
    pub password_hash: PasswordHash,
    pub first_name: PersonName,
    pub last_name: PersonName,
    pub birth_date: Option<BirthDate>,
    pub role: Role,
    pub at: DateTime<Utc>,
}

/// The fields of a user to change; `None` leaves a field as it is.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UserUpdate {
    pub first_name: Option<PersonName>,
    pub last_name: Option<PersonName>,
    /// `Some(None)` clears the birth date.
    pub birth_date: Option<Option<BirthDate>>,
    /// A new hash also moves `password_changed_at` to `at`.
    pub password_hash: Option<PasswordHash>,
    pub role: Option<Role>,
}
