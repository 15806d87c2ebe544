//! Properties: what owners describe and everyone browses.

use std::fmt;

use chrono::{DateTime, Utc};
use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};

use super::room::{NewRoom, Room};
use super::text::{bounded_description, bounded_name};
use super::{TypeSlug, UserId};
use crate::FieldError;

/// A property's database id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PropertyId(pub i64);

impl fmt::Display for PropertyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A property's revision: 1 at creation, +1 on every change to the property
/// or its rooms. Served as the strong `ETag`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Version(pub i64);

impl Version {
    pub const INITIAL: Self = Self(1);

    #[must_use]
    pub fn next(self) -> Self {
        Self(self.0 + 1)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

bounded_name!(
    /// A property's title: 1 to 120 characters after trimming.
    PropertyName, "name", 1..=120
);

bounded_description!(
    /// A property's description: up to 5000 characters, kept as entered.
    Description, "description", 5000
);

/// A city as the owner typed it (trimmed), 1 to 100 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct City(String);

impl City {
    pub const FIELD: &'static str = "city";
    pub const MAX_CHARS: usize = 100;

    /// # Errors
    /// When blank, longer than 100 characters or holding control characters.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let trimmed = raw.trim();
        super::text::check_length(Self::FIELD, trimmed, 1, Self::MAX_CHARS)?;
        super::text::check_printable(Self::FIELD, trimmed, false)?;
        // "--" would have an empty key: a city no filter could ever find.
        // Checked without building the key: parse also runs on every row
        // read back, on the list's hot path.
        let folds_to_nothing = trimmed.chars().all(|c| c.is_whitespace() || c == '-' || is_combining_mark(c));
        if folds_to_nothing {
            return Err(FieldError::new(Self::FIELD, "must contain a letter or digit"));
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The normalised form the city filter compares.
    pub fn key(&self) -> CityKey {
        CityKey::normalise(&self.0)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for City {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A city folded for comparison: lower-case, accents removed, every run of
/// spaces and hyphens made one space, trimmed. "  Saint-Étienne " and
/// "saint etienne" share the key `saint etienne`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CityKey(String);

impl CityKey {
    /// Folds any text; the result may be empty (see [`CityKey::parse_filter`]).
    pub fn normalise(raw: &str) -> Self {
        let mut key = String::with_capacity(raw.len());
        let mut pending_separator = false;
        // NFD splits "É" into "E" + a combining acute accent, which we drop.
        for c in raw.nfd().filter(|c| !is_combining_mark(*c)) {
            if c.is_whitespace() || c == '-' {
                pending_separator = true;
                continue;
            }
            if pending_separator && !key.is_empty() {
                key.push(' ');
            }
            pending_separator = false;
            key.extend(c.to_lowercase());
        }
        Self(key)
    }

    /// The key of a `?city=` filter value.
    ///
    /// # Errors
    /// When the value folds to nothing (empty, or only spaces and hyphens),
    /// or is longer than 100 characters both as typed and folded.
    pub fn parse_filter(raw: &str) -> Result<Self, FieldError> {
        let key = Self::normalise(raw);
        if key.0.is_empty() {
            return Err(FieldError::new("city", "must not be blank"));
        }
        // Every city must be findable by its own name, yet a key can be
        // longer than the name: NFD splits a Hangul syllable into three
        // jamo. So only a filter longer than any city (as typed, trimmed)
        // whose key is too is refused.
        if raw.trim().chars().count() > City::MAX_CHARS && key.0.chars().count() > City::MAX_CHARS {
            return Err(FieldError::new("city", "must be at most 100 characters"));
        }
        Ok(key)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A property with its rooms.
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    pub id: PropertyId,
    pub name: PropertyName,
    pub description: Description,
    pub property_type: TypeSlug,
    pub city: City,
    pub owner_id: UserId,
    pub version: Version,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// In creation order.
    pub rooms: Vec<Room>,
}

impl Property {
    pub fn room_count(&self) -> usize {
        self.rooms.len()
    }

    /// The sum of the rooms' areas, rounded to the centimetre² so that float
    /// sums read as the owner typed them (12.1 + 8.2 is 20.3, not 20.299…).
    pub fn total_area_m2(&self) -> f64 {
        // Start from +0.0: an empty float sum is -0.0, which JSON shows as such.
        let sum = self.rooms.iter().fold(0.0, |total, room| total + room.area.value());
        (sum * 100.0).round() / 100.0
    }
}

/// A property to insert, with its first rooms.
#[derive(Debug, Clone, PartialEq)]
pub struct NewProperty {
    pub owner_id: UserId,
    pub name: PropertyName,
    pub description: Description,
    pub property_type: TypeSlug,
    pub city: City,
    pub rooms: Vec<NewRoom>,
    pub at: DateTime<Utc>,
}

/// The fields of a property to change; `None` leaves a field as it is.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PropertyUpdate {
    pub name: Option<PropertyName>,
    pub description: Option<Description>,
    pub property_type: Option<TypeSlug>,
    pub city: Option<City>,
}
