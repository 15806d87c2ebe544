//! Entities the domain's integration tests build.

use chrono::{TimeZone, Utc};
use realty_domain::{City, Description, Property, PropertyId, PropertyName, Room, TypeSlug, UserId, Version};

/// Property 1, a villa in Nice owned by user `owner`, with `rooms`.
pub fn property(owner: i64, rooms: Vec<Room>) -> Property {
    let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().expect("valid instant");
    Property {
        id: PropertyId(1),
        name: PropertyName::parse("Villa").expect("valid name"),
        description: Description::default(),
        property_type: TypeSlug::parse("villa").expect("valid slug"),
        city: City::parse("Nice").expect("valid city"),
        owner_id: UserId(owner),
        version: Version::INITIAL,
        created_at: at,
        updated_at: at,
        rooms,
    }
}
