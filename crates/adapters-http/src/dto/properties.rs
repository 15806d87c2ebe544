//! Properties: the bodies that describe and change one, and a property as
//! the API shows it.

use chrono::{DateTime, Utc};
use realty_app::{MAX_ROOMS_PER_PROPERTY, NewPropertyCommand};
use realty_domain::{City, Description, Property, PropertyName, PropertyUpdate, TypeSlug};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::rooms::{RoomBody, RoomResponse};
use super::rules;
use crate::extract::{Body, Field, Fields};

/// A new property, optionally with its rooms.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PropertyBody {
    /// 1 to 120 characters after trimming.
    #[schema(schema_with = rules::property_name, required = true)]
    #[serde(default)]
    name: Field,
    /// At most 5000 characters, kept as entered; absent means `""`.
    #[schema(schema_with = rules::property_description)]
    #[serde(default)]
    description: Field,
    /// The slug of an existing property type (`GET /property-types`).
    #[schema(schema_with = rules::type_slug, required = true)]
    #[serde(default)]
    property_type: Field,
    /// 1 to 100 characters after trimming, with a letter or digit.
    #[schema(schema_with = rules::city, required = true)]
    #[serde(default)]
    city: Field,
    /// At most 100 rooms.
    #[schema(schema_with = rules::inline_rooms)]
    #[serde(default)]
    rooms: Field,
}

impl Body for PropertyBody {
    type Command = NewPropertyCommand;

    fn parse(self, fields: &mut Fields<'_>) -> Option<NewPropertyCommand> {
        let name = fields.text("name", self.name, PropertyName::parse);
        let description = fields.optional_text("description", self.description, Description::parse);
        let property_type = fields.text("property_type", self.property_type, TypeSlug::parse);
        let city = fields.text("city", self.city, City::parse);
        let rooms = fields.list("rooms", self.rooms, MAX_ROOMS_PER_PROPERTY, RoomBody::parse);
        Some(NewPropertyCommand {
            name: name?,
            description: description.unwrap_or_default(),
            property_type: property_type?,
            city: city?,
            rooms: rooms?,
        })
    }
}

/// A property change; absent fields are left as they are. None of them can
/// be `null` (an empty description is `""`).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PropertyPatchBody {
    /// 1 to 120 characters after trimming.
    #[schema(schema_with = rules::property_name)]
    #[serde(default)]
    name: Field,
    /// At most 5000 characters, kept as entered.
    #[schema(schema_with = rules::property_description)]
    #[serde(default)]
    description: Field,
    /// The slug of an existing property type.
    #[schema(schema_with = rules::type_slug)]
    #[serde(default)]
    property_type: Field,
    /// 1 to 100 characters after trimming, with a letter or digit.
    #[schema(schema_with = rules::city)]
    #[serde(default)]
    city: Field,
}

impl Body for PropertyPatchBody {
    type Command = PropertyUpdate;

    fn parse(self, fields: &mut Fields<'_>) -> Option<PropertyUpdate> {
        Some(PropertyUpdate {
            name: fields.optional_text("name", self.name, PropertyName::parse),
            description: fields.optional_text("description", self.description, Description::parse),
            property_type: fields.optional_text("property_type", self.property_type, TypeSlug::parse),
            city: fields.optional_text("city", self.city, City::parse),
        })
    }
}

/// A property with its rooms. Its owner's personal details never appear.
#[derive(Debug, Serialize, ToSchema)]
pub struct PropertyResponse<'a> {
    pub id: i64,
    pub name: &'a str,
    pub description: &'a str,
    pub property_type: &'a str,
    pub city: &'a str,
    pub owner_id: i64,
    pub rooms: Vec<RoomResponse<'a>>,
    pub room_count: usize,
    /// The sum of the rooms' areas, rounded to 0.01.
    pub total_area_m2: f64,
    /// Incremented on every change to the property or its rooms; the ETag.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl<'a> From<&'a Property> for PropertyResponse<'a> {
    fn from(property: &'a Property) -> Self {
        Self {
            id: property.id.0,
            name: property.name.as_str(),
            description: property.description.as_str(),
            property_type: property.property_type.as_str(),
            city: property.city.as_str(),
            owner_id: property.owner_id.0,
            rooms: property.rooms.iter().map(Into::into).collect(),
            room_count: property.room_count(),
            total_area_m2: property.total_area_m2(),
            version: property.version.0,
            created_at: property.created_at,
            updated_at: property.updated_at,
        }
    }
}

/// A page of properties.
#[derive(Debug, Serialize, ToSchema)]
pub struct PropertyPage<'a> {
    pub items: Vec<PropertyResponse<'a>>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}
