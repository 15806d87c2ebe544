//! Browsing: the filters, sorts and keyset pages of `GET /properties` and of
//! the admin directory `GET /users`.

use chrono::{DateTime, Utc};

use super::{CityKey, Property, PropertyId, Role, RoomKinds, TypeSlug, UserId};
use crate::{ValueError, fold};

/// One word of a `q` search, folded ([`fold`]): it matches a property (or a
/// user) one of whose words starts with it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SearchWord(String);

impl SearchWord {
    pub const MAX_WORDS: usize = 10;

    /// The words of a `q` value: 1 to 10, each 1 to 50 characters once
    /// folded.
    ///
    /// # Errors
    /// When `raw` holds control characters, no word, more than 10 words or a
    /// word over 50 characters.
    pub fn parse_all(raw: &str) -> Result<Vec<Self>, ValueError> {
        super::text::check_single_line(raw)?;
        let folded = fold(raw);
        let words: Vec<Self> = fold::words(&folded).map(|word| Self(word.to_owned())).collect();
        if words.is_empty() {
            return Err(ValueError::Blank);
        }
        if words.len() > Self::MAX_WORDS {
            return Err(ValueError::OutOfRange("1 to 10 words"));
        }
        if words.iter().any(|word| word.0.chars().count() > fold::MAX_WORD_CHARS) {
            return Err(ValueError::OutOfRange("words of at most 50 characters"));
        }
        Ok(words)
    }

    /// The smallest stored word it matches (itself)…
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// …and a bound above every stored word it matches: the word followed by
    /// the highest code point, which no folded text contains. Compared
    /// bytewise (UTF-8 sorts as code points), `[as_str, upper_bound)` is the
    /// range of words that start with it, an index range scan.
    pub fn upper_bound(&self) -> String {
        format!("{}{}", self.0, char::MAX)
    }
}

/// What `GET /properties` orders by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortKey {
    CreatedAt,
    UpdatedAt,
    TotalArea,
    RoomCount,
}

/// An order of the property list; ties are broken by id in the same
/// direction, so the order is total and keyset pages never skip or repeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sort {
    pub key: SortKey,
    pub descending: bool,
}

impl Sort {
    /// Newest first.
    pub const DEFAULT: Self = Self { key: SortKey::CreatedAt, descending: true };

    /// The values `sort=` accepts, in the form the API shows them.
    pub const NAMES: &'static [&'static str] = &[
        "-created_at",
        "created_at",
        "-updated_at",
        "updated_at",
        "-total_area_m2",
        "total_area_m2",
        "-room_count",
        "room_count",
    ];

    /// # Errors
    /// When `raw` is not one of [`Sort::NAMES`].
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let (descending, field) = match raw.strip_prefix('-') {
            Some(field) => (true, field),
            None => (false, raw),
        };
        let key = match field {
            "created_at" => SortKey::CreatedAt,
            "updated_at" => SortKey::UpdatedAt,
            "total_area_m2" => SortKey::TotalArea,
            "room_count" => SortKey::RoomCount,
            _ => return Err(ValueError::NotOneOf(Self::NAMES)),
        };
        Ok(Self { key, descending })
    }

    pub fn as_str(self) -> &'static str {
        let index = match self.key {
            SortKey::CreatedAt => 0,
            SortKey::UpdatedAt => 2,
            SortKey::TotalArea => 4,
            SortKey::RoomCount => 6,
        };
        Self::NAMES[index + usize::from(!self.descending)]
    }
}

impl Default for Sort {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The value a property is sorted by.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SortValue {
    Instant(DateTime<Utc>),
    Area(f64),
    Count(u32),
}

/// Where a page starts: just after this position in the sort's order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Keyset {
    pub value: SortValue,
    pub id: PropertyId,
}

impl Keyset {
    /// The position of `property` in an order by `key`.
    pub fn of(property: &Property, key: SortKey) -> Self {
        let value = match key {
            SortKey::CreatedAt => SortValue::Instant(property.created_at),
            SortKey::UpdatedAt => SortValue::Instant(property.updated_at),
            SortKey::TotalArea => SortValue::Area(property.total_area_m2()),
            SortKey::RoomCount => SortValue::Count(u32::try_from(property.room_count()).unwrap_or(u32::MAX)),
        };
        Self { value, id: property.id }
    }
}

/// A search of the properties (DESIGN §4.1). Different filters combine with
/// AND; the cities and the types each with OR; every room kind in `has` and
/// every word is required.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PropertyQuery {
    pub cities: Vec<CityKey>,
    pub types: Vec<TypeSlug>,
    pub owner: Option<UserId>,
    pub min_rooms: Option<u32>,
    pub max_rooms: Option<u32>,
    pub min_area: Option<f64>,
    pub max_area: Option<f64>,
    pub min_bedrooms: Option<u32>,
    pub has: RoomKinds,
    pub words: Vec<SearchWord>,
    pub updated_since: Option<DateTime<Utc>>,
    pub sort: Sort,
    pub limit: u32,
    pub after: Option<Keyset>,
}

impl PropertyQuery {
    pub const DEFAULT_LIMIT: u32 = 20;
    pub const MAX_LIMIT: u32 = 100;
}

/// A search of the admin directory, newest account first.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UserQuery {
    pub words: Vec<SearchWord>,
    pub role: Option<Role>,
    pub limit: u32,
    /// Only users with a smaller id.
    pub after: Option<UserId>,
}

/// One page of a keyset-paginated list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Whether another page follows the last item.
    pub more: bool,
}
