//! The catalogue of property types.

use std::sync::Arc;

use realty_domain::ports::{Clock, PropertyTypeRepository};
use realty_domain::{Action, Actor, AuditEntry, Changes, DomainError, PropertyType, TypeSlug, authz};

use crate::Result;

/// The property-type use cases.
#[derive(Clone)]
pub struct PropertyTypes {
    types: Arc<dyn PropertyTypeRepository>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for PropertyTypes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PropertyTypes").finish_non_exhaustive()
    }
}

impl PropertyTypes {
    pub fn new(types: Arc<dyn PropertyTypeRepository>, clock: Arc<dyn Clock>) -> Self {
        Self { types, clock }
    }

    /// # Errors
    /// Only storage failures.
    pub async fn list(&self) -> Result<Vec<PropertyType>> {
        self.types.list().await
    }

    /// A slug that could not exist is simply not found: it comes from a path.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn get(&self, slug: &str) -> Result<PropertyType> {
        let slug = TypeSlug::parse(slug).map_err(|_| not_found())?;
        self.types.find(&slug).await?.ok_or_else(not_found)
    }

    /// # Errors
    /// `Forbidden` for non-admins; `Conflict` when the slug exists.
    #[tracing::instrument(skip_all)]
    pub async fn create(&self, actor: &Actor, property_type: PropertyType) -> Result<PropertyType> {
        authz::ensure_can_manage_property_types(actor)?;
        let mut changes = Changes::default();
        changes.record("slug", None::<&str>, property_type.slug.as_str());
        changes.record("name", None::<&str>, property_type.name.as_str());
        let audit =
            AuditEntry { at: self.clock.now(), actor_id: Some(actor.id), action: Action::Create, changes };
        self.types.create(property_type, audit).await
    }

    /// # Errors
    /// `NotFound`; `Forbidden` for non-admins; `Conflict` while in use.
    #[tracing::instrument(skip_all)]
    pub async fn delete(&self, actor: &Actor, slug: &str) -> Result<()> {
        let existing = self.get(slug).await?;
        authz::ensure_can_manage_property_types(actor)?;
        let mut changes = Changes::default();
        changes.record("slug", existing.slug.as_str(), None::<&str>);
        changes.record("name", existing.name.as_str(), None::<&str>);
        let audit =
            AuditEntry { at: self.clock.now(), actor_id: Some(actor.id), action: Action::Delete, changes };
        self.types.delete(&existing.slug, audit).await
    }
}

fn not_found() -> DomainError {
    DomainError::NotFound { resource: "property type" }
}
