//! Kinds of property (house, apartment…), managed by admins.

use std::fmt;

use super::text::bounded_name;
use crate::ValueError;

/// A property type's identifier: `[a-z0-9-]{1,40}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TypeSlug(String);

impl TypeSlug {
    pub const MAX_CHARS: usize = 40;

    /// # Errors
    /// When `raw` is empty, longer than 40 or holds other characters than
    /// lower-case ASCII letters, digits and hyphens.
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        Self::check(raw)?;
        Ok(Self(raw.to_owned()))
    }

    /// [`Self::parse`] of a string the caller owns, such as a value read
    /// back from storage: kept without a copy.
    ///
    /// # Errors
    /// As [`Self::parse`].
    pub fn parse_owned(raw: String) -> Result<Self, ValueError> {
        Self::check(&raw)?;
        Ok(Self(raw))
    }

    fn check(raw: &str) -> Result<(), ValueError> {
        if raw.is_empty() {
            return Err(ValueError::Blank);
        }
        if !raw.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
            return Err(ValueError::NotASlug);
        }
        // ASCII only from here on, so bytes are characters.
        if raw.len() > Self::MAX_CHARS {
            return Err(ValueError::TooLong(Self::MAX_CHARS));
        }
        Ok(())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TypeSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

bounded_name!(
    /// A property type's display name: 1 to 100 characters after trimming.
    TypeName, 1..=100
);

/// A kind of property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertyType {
    pub slug: TypeSlug,
    pub name: TypeName,
}
