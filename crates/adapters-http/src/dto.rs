//! The JSON shapes of the API (DESIGN §4), separate from the domain types
//! so that neither constrains the other. Request bodies reject unknown
//! fields: a typo or a mass-assignment attempt (`role`, `owner_id`) is a 422.

use chrono::{DateTime, NaiveDate, Utc};
use realty_app::{
    Credentials, ListQuery, ProfileChanges, PropertyChanges, PropertyInput, PropertyTypeInput, Registration,
    RoomChanges, RoomInput,
};
use realty_domain::{AuditEvent, FieldValue, Property, PropertyType, Room, RoomKind, User};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Distinguishes an absent field (`None`) from an explicit `null`
/// (`Some(None)`) in PATCH bodies.
fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

// ---- users -----------------------------------------------------------------

/// Sign-up.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterBody {
    /// Compared case-insensitively; at most 254 characters.
    #[schema(example = "ada@example.com", format = "email", max_length = 254)]
    pub email: String,
    /// 8 to 128 characters.
    #[schema(example = "correct horse battery", min_length = 8, max_length = 128)]
    pub password: String,
    /// 1 to 100 characters after trimming.
    #[schema(example = "Ada")]
    pub first_name: String,
    /// 1 to 100 characters after trimming.
    #[schema(example = "Lovelace")]
    pub last_name: String,
    /// From 1900-01-01 to today.
    #[schema(example = "1990-12-10")]
    pub birth_date: Option<NaiveDate>,
}

impl From<RegisterBody> for Registration {
    fn from(body: RegisterBody) -> Self {
        Self {
            email: body.email,
            password: body.password,
            first_name: body.first_name,
            last_name: body.last_name,
            birth_date: body.birth_date,
        }
    }
}

/// A profile change; absent fields are left as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileBody {
    /// 1 to 100 characters after trimming.
    pub first_name: Option<String>,
    /// 1 to 100 characters after trimming.
    pub last_name: Option<String>,
    /// From 1900-01-01 to today; `null` clears the birth date.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<NaiveDate>)]
    pub birth_date: Option<Option<NaiveDate>>,
    /// A new password, 8 to 128 characters; needs `current_password` when
    /// changing one's own.
    #[schema(min_length = 8, max_length = 128)]
    pub password: Option<String>,
    pub current_password: Option<String>,
}

impl From<ProfileBody> for ProfileChanges {
    fn from(body: ProfileBody) -> Self {
        Self {
            first_name: body.first_name,
            last_name: body.last_name,
            birth_date: body.birth_date,
            password: body.password,
            current_password: body.current_password,
        }
    }
}

/// A user as the API shows it (never the password hash).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserResponse {
    pub id: i64,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub birth_date: Option<NaiveDate>,
    /// `user` or `admin`.
    pub role: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<User> for UserResponse {
    fn from(user: User) -> Self {
        Self {
            id: user.id.0,
            email: user.email.as_str().to_owned(),
            first_name: user.first_name.as_str().to_owned(),
            last_name: user.last_name.as_str().to_owned(),
            birth_date: user.birth_date.map(|date| date.date()),
            role: user.role.as_str().to_owned(),
            created_at: user.created_at,
            updated_at: user.updated_at,
        }
    }
}

// ---- auth ------------------------------------------------------------------

/// Login.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    #[schema(example = "ada@example.com")]
    pub email: String,
    #[schema(example = "correct horse battery")]
    pub password: String,
}

impl From<TokenRequest> for Credentials {
    fn from(body: TokenRequest) -> Self {
        Self { email: body.email, password: body.password }
    }
}

/// An access token (RFC 6749 §5.1 shape).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the token expires.
    pub expires_in: u64,
}

// ---- property types ----------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PropertyTypeBody {
    /// `[a-z0-9-]{1,40}`.
    #[schema(example = "chalet", pattern = "^[a-z0-9-]{1,40}$")]
    pub slug: String,
    /// 1 to 100 characters after trimming.
    #[schema(example = "Chalet")]
    pub name: String,
}

impl From<PropertyTypeBody> for PropertyTypeInput {
    fn from(body: PropertyTypeBody) -> Self {
        Self { slug: body.slug, name: body.name }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PropertyTypeResponse {
    pub slug: String,
    pub name: String,
}

impl From<PropertyType> for PropertyTypeResponse {
    fn from(property_type: PropertyType) -> Self {
        Self { slug: property_type.slug.as_str().to_owned(), name: property_type.name.into_inner() }
    }
}

// ---- rooms -----------------------------------------------------------------

/// The room kinds as an OpenAPI string enum, listed from `RoomKind::ALL` so
/// that the document cannot drift from what the domain accepts.
#[derive(Debug)]
pub struct RoomKindSchema;

impl utoipa::PartialSchema for RoomKindSchema {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("What a room is used for."))
            .enum_values(Some(RoomKind::ALL.map(RoomKind::as_str)))
            .into()
    }
}

impl ToSchema for RoomKindSchema {}

/// A new room.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoomBody {
    /// 1 to 80 characters after trimming.
    #[schema(example = "Master bedroom")]
    pub name: String,
    #[schema(value_type = RoomKindSchema)]
    pub kind: String,
    /// Square metres, more than 0 and at most 10000.
    #[schema(example = 14.5, exclusive_minimum = 0, maximum = 10000)]
    pub area_m2: f64,
    /// -5 to 200.
    #[schema(minimum = -5, maximum = 200)]
    pub floor: Option<i64>,
    /// At most 1000 characters, kept as entered.
    #[schema(max_length = 1000)]
    pub description: Option<String>,
}

impl From<RoomBody> for RoomInput {
    fn from(body: RoomBody) -> Self {
        Self {
            name: body.name,
            kind: body.kind,
            area_m2: body.area_m2,
            floor: body.floor,
            description: body.description,
        }
    }
}

/// A room change; absent fields are left as they are, `null` clears
/// `floor` or `description`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoomPatchBody {
    /// 1 to 80 characters after trimming.
    pub name: Option<String>,
    #[schema(value_type = Option<RoomKindSchema>)]
    pub kind: Option<String>,
    /// Square metres, more than 0 and at most 10000.
    #[schema(exclusive_minimum = 0, maximum = 10000)]
    pub area_m2: Option<f64>,
    /// -5 to 200; `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>, minimum = -5, maximum = 200)]
    pub floor: Option<Option<i64>>,
    /// At most 1000 characters, kept as entered; `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 1000)]
    pub description: Option<Option<String>>,
}

impl From<RoomPatchBody> for RoomChanges {
    fn from(body: RoomPatchBody) -> Self {
        Self {
            name: body.name,
            kind: body.kind,
            area_m2: body.area_m2,
            floor: body.floor,
            description: body.description,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoomResponse {
    pub id: i64,
    pub property_id: i64,
    pub name: String,
    #[schema(value_type = RoomKindSchema)]
    pub kind: &'static str,
    pub area_m2: f64,
    pub floor: Option<i32>,
    pub description: Option<String>,
}

impl From<Room> for RoomResponse {
    fn from(room: Room) -> Self {
        Self {
            id: room.id.0,
            property_id: room.property_id.0,
            name: room.name.into_inner(),
            kind: room.kind.as_str(),
            area_m2: room.area.value(),
            floor: room.floor.map(|floor| floor.value()),
            description: room.description.map(|description| description.into_inner()),
        }
    }
}

// ---- properties --------------------------------------------------------------

/// A new property, optionally with its rooms.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PropertyBody {
    /// 1 to 120 characters after trimming.
    #[schema(example = "Sunny flat near the park")]
    pub name: String,
    /// At most 5000 characters, kept as entered; absent means `""`.
    #[schema(max_length = 5000)]
    pub description: Option<String>,
    /// The slug of an existing property type.
    #[schema(example = "apartment")]
    pub property_type: String,
    /// 1 to 100 characters after trimming, with a letter or digit.
    #[schema(example = "Saint-Étienne")]
    pub city: String,
    /// At most 100.
    #[serde(default)]
    #[schema(max_items = 100)]
    pub rooms: Vec<RoomBody>,
}

impl From<PropertyBody> for PropertyInput {
    fn from(body: PropertyBody) -> Self {
        Self {
            name: body.name,
            description: body.description,
            property_type: body.property_type,
            city: body.city,
            rooms: body.rooms.into_iter().map(Into::into).collect(),
        }
    }
}

/// A property change; absent fields are left as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PropertyPatchBody {
    /// 1 to 120 characters after trimming.
    pub name: Option<String>,
    /// At most 5000 characters, kept as entered.
    #[schema(max_length = 5000)]
    pub description: Option<String>,
    /// The slug of an existing property type.
    pub property_type: Option<String>,
    /// 1 to 100 characters after trimming, with a letter or digit.
    pub city: Option<String>,
}

impl From<PropertyPatchBody> for PropertyChanges {
    fn from(body: PropertyPatchBody) -> Self {
        Self {
            name: body.name,
            description: body.description,
            property_type: body.property_type,
            city: body.city,
        }
    }
}

/// A property with its rooms. Its owner's personal details never appear.
#[derive(Debug, Serialize, ToSchema)]
pub struct PropertyResponse {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub property_type: String,
    pub city: String,
    pub owner_id: i64,
    pub rooms: Vec<RoomResponse>,
    pub room_count: usize,
    pub total_area_m2: f64,
    /// Incremented on every change to the property or its rooms; the ETag.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Property> for PropertyResponse {
    fn from(property: Property) -> Self {
        Self {
            room_count: property.room_count(),
            total_area_m2: property.total_area_m2(),
            id: property.id.0,
            name: property.name.into_inner(),
            description: property.description.into_inner(),
            property_type: property.property_type.as_str().to_owned(),
            city: property.city.as_str().to_owned(),
            owner_id: property.owner_id.0,
            version: property.version.0,
            created_at: property.created_at,
            updated_at: property.updated_at,
            rooms: property.rooms.into_iter().map(Into::into).collect(),
        }
    }
}

/// Filters and position of `GET /properties`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// City, compared case-, accent- and separator-insensitively.
    pub city: Option<String>,
    /// A property type slug; an unknown one matches nothing.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub property_type: Option<String>,
    /// The owner's user id.
    #[param(minimum = 1)]
    pub owner_id: Option<i64>,
    /// At least this many rooms.
    #[param(minimum = 0)]
    pub min_rooms: Option<i64>,
    /// At most this many rooms; not below `min_rooms`.
    #[param(minimum = 0)]
    pub max_rooms: Option<i64>,
    /// 1 to 100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl ListParams {
    pub fn into_query(self, before: Option<realty_domain::PropertyId>) -> ListQuery {
        ListQuery {
            city: self.city,
            property_type: self.property_type,
            owner_id: self.owner_id,
            min_rooms: self.min_rooms,
            max_rooms: self.max_rooms,
            limit: self.limit,
            before,
        }
    }
}

/// The `If-Match` precondition of every write to a property or its rooms
/// (documentation only: the `IfMatch` extractor reads the header).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IfMatchParam {
    /// The property's ETag the change is based on, e.g. `"3"`; another
    /// version (or a weak tag) gets 412. `*` or no header: any version. Of a
    /// list of tags, the first is used.
    #[param(
        rename = "If-Match",
        nullable = false,
        example = "\"3\"",
        pattern = r#"^(\*|(W/)?"[\x21\x23-\x2B\x2D-\x7E]*"(, ?(W/)?"[\x21\x23-\x2B\x2D-\x7E]*")*)$"#
    )]
    pub if_match: Option<String>,
}

/// A page of properties, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct PropertyPage {
    pub items: Vec<PropertyResponse>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

// ---- audit -----------------------------------------------------------------

/// One field's change.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeResponse {
    #[schema(schema_with = field_value_schema)]
    pub old: FieldValue,
    #[schema(schema_with = field_value_schema)]
    pub new: FieldValue,
}

/// A `FieldValue` keeps the field's JSON type: a string, a number, or
/// `null` (no value before a creation, none after a deletion).
fn field_value_schema() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Number, Type::Null]))
        .description(Some("The value: a string, a number, or null when there was none"))
        .build()
}

/// An audit event.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventResponse {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: i64,
    /// `create`, `update` or `delete`.
    pub action: &'static str,
    /// `property` or `room`.
    pub resource: &'static str,
    pub resource_id: String,
    /// The fields changed, with old and new values.
    pub changes: std::collections::BTreeMap<String, ChangeResponse>,
}

impl From<AuditEvent> for AuditEventResponse {
    fn from(event: AuditEvent) -> Self {
        Self {
            id: event.id,
            at: event.at,
            actor_id: event.actor_id.0,
            action: event.action.as_str(),
            resource: event.resource.as_str(),
            resource_id: event.resource_id,
            changes: event
                .changes
                .iter()
                .map(|(field, change)| {
                    (field.to_owned(), ChangeResponse { old: change.old.clone(), new: change.new.clone() })
                })
                .collect(),
        }
    }
}
