//! Rooms: the bodies that describe one, and a room as the API shows it.

use realty_domain::{AreaM2, Floor, NewRoom, Room, RoomDescription, RoomKind, RoomName, RoomUpdate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::extract::{Body, Field, Fields};

/// The room kinds as an OpenAPI string enum, listed from `RoomKind::ALL` so
/// that the document cannot drift from what the domain accepts.
#[derive(Debug)]
pub struct RoomKindSchema;

impl utoipa::PartialSchema for RoomKindSchema {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("What a room is used for."))
            .enum_values(Some(RoomKind::NAMES))
            .into()
    }
}

impl ToSchema for RoomKindSchema {}

/// A new room.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoomBody {
    /// 1 to 80 characters after trimming.
    #[schema(value_type = String, required = true, example = "Master bedroom")]
    #[serde(default)]
    name: Field,
    #[schema(value_type = RoomKindSchema, required = true)]
    #[serde(default)]
    kind: Field,
    /// Square metres, more than 0 and at most 10000.
    #[schema(value_type = f64, required = true, example = 14.5, exclusive_minimum = 0, maximum = 10000)]
    #[serde(default)]
    area_m2: Field,
    /// -5 to 200; absent or `null`: unknown.
    #[schema(value_type = Option<i64>, minimum = -5, maximum = 200)]
    #[serde(default)]
    floor: Field,
    /// At most 1000 characters, kept as entered; absent or `null`: none.
    #[schema(value_type = Option<String>, max_length = 1000)]
    #[serde(default)]
    description: Field,
}

impl Body for RoomBody {
    type Command = NewRoom;

    fn parse(self, fields: &mut Fields<'_>) -> Option<NewRoom> {
        let name = fields.text("name", self.name, RoomName::parse);
        let kind = fields.text("kind", self.kind, RoomKind::parse);
        let area = fields.number("area_m2", self.area_m2, AreaM2::parse);
        let floor = fields.nullable_integer("floor", self.floor, Floor::parse);
        let description = fields.nullable_text("description", self.description, RoomDescription::parse);
        Some(NewRoom {
            name: name?,
            kind: kind?,
            area: area?,
            floor: floor.flatten(),
            description: description.flatten(),
        })
    }
}

/// A room change; absent fields are left as they are, `null` clears
/// `floor` or `description`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoomPatchBody {
    /// 1 to 80 characters after trimming.
    #[schema(value_type = String)]
    #[serde(default)]
    name: Field,
    #[schema(value_type = RoomKindSchema)]
    #[serde(default)]
    kind: Field,
    /// Square metres, more than 0 and at most 10000.
    #[schema(value_type = f64, exclusive_minimum = 0, maximum = 10000)]
    #[serde(default)]
    area_m2: Field,
    /// -5 to 200; `null` clears it.
    #[schema(value_type = Option<i64>, minimum = -5, maximum = 200)]
    #[serde(default)]
    floor: Field,
    /// At most 1000 characters, kept as entered; `null` clears it.
    #[schema(value_type = Option<String>, max_length = 1000)]
    #[serde(default)]
    description: Field,
}

impl Body for RoomPatchBody {
    type Command = RoomUpdate;

    fn parse(self, fields: &mut Fields<'_>) -> Option<RoomUpdate> {
        Some(RoomUpdate {
            name: fields.optional_text("name", self.name, RoomName::parse),
            kind: fields.optional_text("kind", self.kind, RoomKind::parse),
            area: fields.optional_number("area_m2", self.area_m2, AreaM2::parse),
            floor: fields.nullable_integer("floor", self.floor, Floor::parse),
            description: fields.nullable_text("description", self.description, RoomDescription::parse),
        })
    }
}

/// A room as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoomResponse<'a> {
    pub id: i64,
    pub property_id: i64,
    pub name: &'a str,
    #[schema(value_type = RoomKindSchema)]
    pub kind: &'static str,
    pub area_m2: f64,
    pub floor: Option<i32>,
    pub description: Option<&'a str>,
}

impl<'a> From<&'a Room> for RoomResponse<'a> {
    fn from(room: &'a Room) -> Self {
        Self {
            id: room.id.0,
            property_id: room.property_id.0,
            name: room.name.as_str(),
            kind: room.kind.as_str(),
            area_m2: room.area.value(),
            floor: room.floor.map(Floor::value),
            description: room.description.as_ref().map(RoomDescription::as_str),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::extract::json::parse_value;

    fn object(value: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
        match value {
            serde_json::Value::Object(map) => map,
            _ => unreachable!("an object literal"),
        }
    }

    #[test]
    fn a_room_patch_without_area_is_accepted() {
        let patch = parse_value::<RoomPatchBody>(object(json!({"name": "Study"}))).expect("a valid patch");
        assert_eq!(patch.area, None);
        assert_eq!(patch.name.as_ref().map(RoomName::as_str), Some("Study"));
    }

    #[test]
    fn a_room_without_area_names_the_field_with_the_others() {
        let errors = parse_value::<RoomBody>(object(json!({"kind": "hall"}))).expect_err("invalid");
        let fields: Vec<&str> = errors.iter().map(|error| error.field.as_str()).collect();
        assert_eq!(fields, ["name", "kind", "area_m2"]);
    }
}
