//! Properties: what owners describe and everyone browses.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, Utc};

use super::room::{NewRoom, Room, RoomKind, RoomKinds};
use super::text::{bounded_description, bounded_name, check_length, check_single_line, into_trimmed};
use super::{TypeSlug, UserId};
use crate::{ValueError, fold};

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
    PropertyName, 1..=120
);

bounded_description!(
    /// A property's description: up to 5000 characters, kept as entered.
    Description, 5000
);

/// A city as the owner typed it (trimmed), 1 to 100 characters, with a
/// letter or digit so that its key is never empty.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct City(String);

impl City {
    pub const MAX_CHARS: usize = 100;

    /// # Errors
    /// When blank, longer than 100 characters, holding control or format
    /// characters, or folding to nothing ("--": no filter could find it).
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let trimmed = raw.trim();
        Self::check(trimmed)?;
        Ok(Self(trimmed.to_owned()))
    }

    /// [`Self::parse`] of a string the caller owns, such as a value read
    /// back from storage: kept without a copy when it needs no trimming.
    ///
    /// # Errors
    /// As [`Self::parse`].
    pub fn parse_owned(raw: String) -> Result<Self, ValueError> {
        Self::check(raw.trim())?;
        Ok(Self(into_trimmed(raw)))
    }

    fn check(trimmed: &str) -> Result<(), ValueError> {
        check_length(trimmed, 1, Self::MAX_CHARS)?;
        check_single_line(trimmed)?;
        // An ASCII letter or digit settles it without folding: parse also
        // runs on every row read back, on the list's hot path.
        if !trimmed.bytes().any(|b| b.is_ascii_alphanumeric()) && fold(trimmed).is_empty() {
            return Err(ValueError::NoLetterOrDigit);
        }
        Ok(())
    }

    /// Whether `c` alone folds to a letter or digit, so that a city (or a
    /// search) holding it has a key (or a word): the rule of
    /// [`City::parse`] one character at a time, from which the HTTP
    /// adapter writes the document's patterns.
    pub fn gives_a_key(c: char) -> bool {
        c.is_ascii_alphanumeric() || (!c.is_ascii() && !fold(c.encode_utf8(&mut [0; 4])).is_empty())
    }

    /// The folded form the city filter compares.
    pub fn key(&self) -> CityKey {
        CityKey(fold(&self.0))
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

/// A city folded for comparison ([`fold`]): "  Saint-Étienne ",
/// "saint etienne" and "SAINT_ETIENNE" share the key `saint etienne`,
/// "Łódź" and "lodz" the key `lodz`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CityKey(String);

impl CityKey {
    /// Folds any text; the result may be empty (see [`CityKey::parse_filter`]).
    pub fn normalise(raw: &str) -> Self {
        Self(fold(raw))
    }

    /// The key of a `?city=` filter value.
    ///
    /// # Errors
    /// When the value holds control characters, folds to nothing (empty, or
    /// only separators), or is longer than 100 characters both as typed and
    /// folded.
    pub fn parse_filter(raw: &str) -> Result<Self, ValueError> {
        check_single_line(raw)?;
        let key = fold(raw);
        if key.is_empty() {
            return Err(ValueError::Blank);
        }
        // Every city must be findable by its own name, yet a key can be
        // longer than the name (transliteration: "北京" → "bei jing"). So only
        // a filter longer than any city (as typed, trimmed) whose key is too
        // is refused.
        if raw.trim().chars().count() > City::MAX_CHARS && key.chars().count() > City::MAX_CHARS {
            return Err(ValueError::TooLong(City::MAX_CHARS));
        }
        Ok(Self(key))
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

    /// The sum of the rooms' areas, rounded to the centimetre² (see
    /// [`Summary`]).
    pub fn total_area_m2(&self) -> f64 {
        self.summary().total_area_m2
    }

    /// What the browse filters and sorts compare, derived from the rooms.
    pub fn summary(&self) -> Summary {
        Summary::of(self.rooms.iter().map(|room| (room.kind, room.area.value())))
    }

    /// What `q` matches: the folded words of the name and the description.
    pub fn index_words(&self) -> BTreeSet<String> {
        fold::index_words([self.name.as_str(), self.description.as_str()])
    }

    pub fn room(&self, id: super::RoomId) -> Option<&Room> {
        self.rooms.iter().find(|room| room.id == id)
    }
}

/// A property's figures that the browse filters and sorts compare. Stored
/// with the property and rewritten in the transaction of every room write,
/// so that no query recomputes them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub room_count: u32,
    pub bedroom_count: u32,
    /// Rounded to the centimetre² so that float sums read as the owner typed
    /// them (12.1 + 8.2 is 20.3, not 20.299…).
    pub total_area_m2: f64,
    pub kinds: RoomKinds,
}

impl Summary {
    /// The summary of rooms given as (kind, area).
    pub fn of(rooms: impl IntoIterator<Item = (RoomKind, f64)>) -> Self {
        // Start from +0.0: an empty float sum is -0.0, which JSON shows as such.
        let mut summary =
            Self { room_count: 0, bedroom_count: 0, total_area_m2: 0.0, kinds: RoomKinds::NONE };
        for (kind, area) in rooms {
            summary.room_count += 1;
            summary.bedroom_count += u32::from(kind == RoomKind::Bedroom);
            summary.total_area_m2 += area;
            summary.kinds = summary.kinds.with(kind);
        }
        summary.total_area_m2 = (summary.total_area_m2 * 100.0).round() / 100.0;
        summary
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

impl NewProperty {
    pub fn summary(&self) -> Summary {
        Summary::of(self.rooms.iter().map(|room| (room.kind, room.area.value())))
    }

    pub fn index_words(&self) -> BTreeSet<String> {
        fold::index_words([self.name.as_str(), self.description.as_str()])
    }
}

/// The fields of a property to change; `None` leaves a field as it is.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PropertyUpdate {
    pub name: Option<PropertyName>,
    pub description: Option<Description>,
    pub property_type: Option<TypeSlug>,
    pub city: Option<City>,
}

impl PropertyUpdate {
    /// Whether it touches the text `q` searches.
    pub fn changes_words(&self) -> bool {
        self.name.is_some() || self.description.is_some()
    }

    /// `property` with this update applied (rooms, version and times are
    /// left to the caller).
    pub fn apply_to(&self, property: &mut Property) {
        if let Some(name) = &self.name {
            property.name = name.clone();
        }
        if let Some(description) = &self.description {
            property.description = description.clone();
        }
        if let Some(property_type) = &self.property_type {
            property.property_type = property_type.clone();
        }
        if let Some(city) = &self.city {
            property.city = city.clone();
        }
    }
}
