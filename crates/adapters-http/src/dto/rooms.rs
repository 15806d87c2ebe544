//! Rooms: the bodies that describe one, and a room as the API shows it.

use realty_domain::{AreaM2, Floor, NewRoom, Room, RoomDescription, RoomKind, RoomName, RoomUpdate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::rules;
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
    #[schema(schema_with = rules::room_name, required = true)]
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
    #[schema(schema_with = rules::floor)]
    #[serde(default)]
    floor: Field,
    /// At most 1000 characters, kept as entered; absent or `null`: none.
    #[schema(schema_with = rules::room_description)]
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
    #[schema(schema_with = rules::room_name)]
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
    #[schema(schema_with = rules::floor)]
    #[serde(default)]
    floor: Field,
    /// At most 1000 characters, kept as entered; `null` clears it.
    #[schema(schema_with = rules::room_description)]
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
    use super::*;
    use crate::extract::ApiJson;

    fn fields<T: Body>(json: &str) -> Vec<String> {
        match ApiJson::<T>::from_bytes(json.as_bytes()).map(ApiJson::parse) {
            Ok(Ok(_)) => Vec::new(),
            Ok(Err(errors)) => errors.into_iter().map(|error| error.field).collect(),
            Err(error) => panic!("{json}: {error:?}"),
        }
    }

    #[test]
    fn a_room_patch_may_leave_out_any_field() {
        for json in ["{}", r#"{"kind": "bedroom"}"#, r#"{"name": "Den"}"#, r#"{"floor": null}"#] {
            assert_eq!(fields::<RoomPatchBody>(json), Vec::<String>::new(), "{json}");
        }
    }

    #[test]
    fn a_new_room_without_its_area_names_it() {
        assert_eq!(fields::<RoomBody>(r#"{"name": "Den", "kind": "office"}"#), ["area_m2"]);
        let mut missing = fields::<RoomBody>("{}");
        missing.sort();
        assert_eq!(missing, ["area_m2", "kind", "name"]);
    }
}
