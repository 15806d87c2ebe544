//! The catalogue of property types.

use realty_domain::{PropertyType, TypeName, TypeSlug};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::rules;
use crate::extract::{Body, Field, Fields};

/// A new property type.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PropertyTypeBody {
    /// `[a-z0-9-]{1,40}`.
    #[schema(schema_with = rules::type_slug, required = true)]
    #[serde(default)]
    slug: Field,
    /// 1 to 100 characters after trimming.
    #[schema(schema_with = rules::type_name, required = true)]
    #[serde(default)]
    name: Field,
}

impl Body for PropertyTypeBody {
    type Command = PropertyType;

    fn parse(self, fields: &mut Fields<'_>) -> Option<PropertyType> {
        let slug = fields.text("slug", self.slug, TypeSlug::parse);
        let name = fields.text("name", self.name, TypeName::parse);
        Some(PropertyType { slug: slug?, name: name? })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PropertyTypeResponse<'a> {
    #[schema(example = "apartment")]
    pub slug: &'a str,
    #[schema(example = "Apartment")]
    pub name: &'a str,
}

impl<'a> From<&'a PropertyType> for PropertyTypeResponse<'a> {
    fn from(property_type: &'a PropertyType) -> Self {
        Self { slug: property_type.slug.as_str(), name: property_type.name.as_str() }
    }
}
