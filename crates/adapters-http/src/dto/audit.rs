//! The audit trail as the API shows it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use realty_domain::{AuditEvent, FieldValue, ResourceId};
use serde::Serialize;
use utoipa::ToSchema;

/// The id of the audited resource in its own type.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ResourceIdResponse<'a> {
    /// A user's, a property's or a room's id.
    Number(i64),
    /// A property type's slug.
    Slug(&'a str),
}

/// One field's change.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeResponse<'a> {
    #[schema(schema_with = field_value_schema)]
    pub old: &'a FieldValue,
    #[schema(schema_with = field_value_schema)]
    pub new: &'a FieldValue,
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
pub struct AuditEventResponse<'a> {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: i64,
    /// `create`, `update` or `delete`.
    #[schema(example = "update")]
    pub action: &'static str,
    /// `user`, `property`, `room` or `property_type`.
    #[schema(example = "property")]
    pub resource: &'static str,
    pub resource_id: ResourceIdResponse<'a>,
    /// The fields changed, with old and new values (never a password).
    pub changes: BTreeMap<&'a str, ChangeResponse<'a>>,
}

impl<'a> From<&'a AuditEvent> for AuditEventResponse<'a> {
    fn from(event: &'a AuditEvent) -> Self {
        Self {
            id: event.id,
            at: event.at,
            actor_id: event.actor_id.0,
            action: event.action.as_str(),
            resource: event.resource.as_str(),
            resource_id: match &event.resource_id {
                ResourceId::Number(id) => ResourceIdResponse::Number(*id),
                ResourceId::Slug(slug) => ResourceIdResponse::Slug(slug),
            },
            changes: event
                .changes
                .iter()
                .map(|(field, change)| (field, ChangeResponse { old: &change.old, new: &change.new }))
                .collect(),
        }
    }
}
