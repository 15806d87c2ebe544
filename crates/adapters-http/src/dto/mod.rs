//! The JSON shapes of the API, separate from the domain types so that
//! neither constrains the other. Request bodies parse themselves into the
//! use cases' commands (see `extract::json`); responses borrow from the
//! domain's entities and serialise without copying them.

pub mod audit;
pub mod auth;
pub mod properties;
pub mod property_types;
pub mod rooms;
pub mod rules;
pub mod search;
pub mod users;

#[cfg(test)]
mod tests {
    use serde_json::Map;

    use super::auth::TokenRequest;
    use super::properties::{PropertyBody, PropertyPatchBody};
    use super::property_types::PropertyTypeBody;
    use super::rooms::{RoomBody, RoomPatchBody};
    use super::users::{ProfileBody, RegisterBody};
    use crate::extract::Body;
    use crate::extract::json::parse_value;

    /// The fields an empty object is refused for.
    fn missing<T: Body>() -> Vec<String> {
        parse_value::<T>(Map::new()).err().unwrap_or_default().into_iter().map(|error| error.field).collect()
    }

    /// Every field of a body is a `Field` with `#[serde(default)]`: without
    /// it, an absent field fails the whole body (named `""`) before the
    /// body's parse can name it, or refuses a PATCH that leaves it out.
    #[test]
    fn an_absent_field_is_named_by_the_body_or_left_as_it_is() {
        assert_eq!(missing::<TokenRequest>(), ["email", "password"]);
        assert_eq!(missing::<RegisterBody>(), ["email", "password", "first_name", "last_name"]);
        assert_eq!(missing::<PropertyBody>(), ["name", "property_type", "city"]);
        assert_eq!(missing::<PropertyTypeBody>(), ["slug", "name"]);
        assert_eq!(missing::<RoomBody>(), ["name", "kind", "area_m2"]);
        for patch in [missing::<PropertyPatchBody>(), missing::<RoomPatchBody>(), missing::<ProfileBody>()] {
            assert!(patch.is_empty(), "{patch:?}");
        }
    }
}
