//! People: their identity, credentials and personal details.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};

use super::text::{bounded_name, check_length, check_single_line};
use crate::ValueError;

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
    pub const NAMES: &'static [&'static str] = &["user", "admin"];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Admin => "admin",
        }
    }

    /// # Errors
    /// When `raw` names no role.
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        match raw {
            "user" => Ok(Self::User),
            "admin" => Ok(Self::Admin),
            _ => Err(ValueError::NotOneOf(Self::NAMES)),
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
    /// RFC 5321's limit on a forward path.
    pub const MAX_CHARS: usize = 254;
    /// RFC 5321's limit on a local part.
    pub const MAX_LOCAL_CHARS: usize = 64;

    /// # Errors
    /// When `raw` is not a plausible address. Deliberately loose (one `@`,
    /// a dotted domain, no spaces): only sending mail proves an address.
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let email = LoginEmail::parse(raw)?.0;
        let (local, domain) = email.split_once('@').ok_or(ValueError::NotAnEmail)?;
        let well_formed = !local.is_empty()
            && local.chars().count() <= Self::MAX_LOCAL_CHARS
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !email.chars().any(char::is_whitespace);
        if !well_formed {
            return Err(ValueError::NotAnEmail);
        }
        Ok(Self(email))
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

/// An email as typed at login, trimmed and lower-cased: bounded and free of
/// control and format characters, so that it can be stored (failed logins
/// are counted per email), but not necessarily a valid address; one that is
/// not simply matches no account.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LoginEmail(String);

impl LoginEmail {
    /// # Errors
    /// When blank, over 254 characters, or holding control or format
    /// characters.
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let email = raw.trim().to_lowercase();
        check_length(&email, 1, Email::MAX_CHARS)?;
        check_single_line(&email)?;
        Ok(Self(email))
    }

    /// The address, when it is a valid one.
    pub fn address(&self) -> Option<Email> {
        Email::parse(&self.0).ok()
    }

    /// The key failed logins are counted under (any account or none).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A plain-text password on its way to the hasher. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 8;
    pub const MAX_CHARS: usize = 128;

    /// Checks the length only (and that it holds no NUL): the password is
    /// kept exactly as typed, spaces included, since trimming would change
    /// what the user chose.
    ///
    /// # Errors
    /// When shorter than 8 or longer than 128 characters.
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        check_length(raw, Self::MIN_CHARS, Self::MAX_CHARS)?;
        Self::presented(raw)
    }

    /// A password as presented at login or as the current password: not
    /// checked for a minimum, so that a typo gets "bad credentials", but
    /// bounded like a new one (no account has a longer one).
    ///
    /// # Errors
    /// When longer than 128 characters or holding NUL.
    pub fn presented(raw: &str) -> Result<Self, ValueError> {
        check_length(raw, 0, Self::MAX_CHARS)?;
        if raw.contains('\0') {
            return Err(ValueError::ControlCharacter);
        }
        Ok(Self(raw.to_owned()))
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

bounded_name!(
    /// A first or last name: 1 to 100 characters after trimming.
    PersonName, 1..=100
);

/// A birth date between 1900-01-01 and today, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BirthDate(NaiveDate);

impl BirthDate {
    /// The earliest accepted birth date.
    pub const EARLIEST: NaiveDate = NaiveDate::from_ymd_opt(1900, 1, 1).expect("1900-01-01 is a valid date");

    /// `today` comes from the `Clock` port, so that tests control it.
    ///
    /// # Errors
    /// When `date` is before 1900-01-01 or after `today`.
    pub fn parse(date: NaiveDate, today: NaiveDate) -> Result<Self, ValueError> {
        if date < Self::EARLIEST {
            return Err(ValueError::OutOfRange("on or after 1900-01-01"));
        }
        if date > today {
            return Err(ValueError::OutOfRange("today or earlier"));
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

    /// What the admin directory's `q` matches.
    pub fn index_words(&self) -> BTreeSet<String> {
        crate::fold::index_words([self.email.as_str(), self.first_name.as_str(), self.last_name.as_str()])
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
