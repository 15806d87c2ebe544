//! Browsing: the filters of the property list and keyset pages.

use super::{CityKey, PropertyId, TypeSlug, UserId};

/// A bound on the number of rooms.
pub type RoomCountBound = u32;

/// The filters and position of a `GET /properties` page. Built only through
/// validation in the use case, so `limit` is always in range.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PropertyFilter {
    pub city: Option<CityKey>,
    pub property_type: Option<TypeSlug>,
    pub owner_id: Option<UserId>,
    pub min_rooms: Option<RoomCountBound>,
    pub max_rooms: Option<RoomCountBound>,
    /// Only properties with a smaller id (the page is newest first).
    pub before: Option<PropertyId>,
    pub limit: u32,
}

/// One page of a keyset-paginated list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<PropertyId>,
}
