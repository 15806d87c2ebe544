//! Properties: browse, describe, edit, delete, and their history.

use std::sync::Arc;

use realty_domain::ports::{AuditLog, Clock, PropertyRepository};
use realty_domain::{
    Action, Actor, AuditEntry, AuditEvent, Changes, City, Decide, Description, DomainError, Edit, Edited,
    NewProperty, NewRoom, Page, Precondition, Property, PropertyChange, PropertyId, PropertyName,
    PropertyQuery, PropertyUpdate, RoomDescription, TypeSlug, authz,
};

use crate::{Parsed, Result};

/// At most this many rooms per property (inline at creation or added later):
/// bounds the size of every property response and of the work per request.
pub const MAX_ROOMS_PER_PROPERTY: usize = 100;

/// A new property, owned by whoever creates it.
#[derive(Debug, Clone)]
pub struct NewPropertyCommand {
    pub name: PropertyName,
    pub description: Description,
    pub property_type: TypeSlug,
    pub city: City,
    /// At most [`MAX_ROOMS_PER_PROPERTY`] (the inbound adapter checks it
    /// while parsing, so that it never parses more).
    pub rooms: Vec<NewRoom>,
}

/// The property use cases (rooms are in `rooms.rs`).
#[derive(Clone)]
pub struct Properties {
    pub(crate) properties: Arc<dyn PropertyRepository>,
    pub(crate) audit: Arc<dyn AuditLog>,
    pub(crate) clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Properties {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Properties").finish_non_exhaustive()
    }
}

impl Properties {
    pub fn new(
        properties: Arc<dyn PropertyRepository>,
        audit: Arc<dyn AuditLog>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { properties, audit, clock }
    }

    /// A page of the properties matching `query`.
    ///
    /// # Errors
    /// Only storage failures.
    #[tracing::instrument(skip_all, fields(sort = query.sort.as_str(), limit = query.limit))]
    pub async fn list(&self, query: PropertyQuery) -> Result<Page<Property>> {
        self.properties.list(&query).await
    }

    /// # Errors
    /// `NotFound`.
    #[tracing::instrument(skip_all, fields(property_id = id.0))]
    pub async fn get(&self, id: PropertyId) -> Result<Property> {
        self.properties.find(id).await?.ok_or(DomainError::NotFound { resource: "property" })
    }

    /// Creates a property owned by the actor, with its rooms, in one write
    /// that records a `create` event for the property and one per room.
    ///
    /// # Errors
    /// `Invalid` naming `property_type` when the type does not exist.
    #[tracing::instrument(skip_all, fields(actor_id = actor.id.0))]
    pub async fn create(&self, actor: &Actor, command: NewPropertyCommand) -> Result<Property> {
        let NewPropertyCommand { name, description, property_type, city, rooms } = command;
        let at = self.clock.now();
        let entry = |changes| AuditEntry { at, actor_id: Some(actor.id), action: Action::Create, changes };
        let mut changes = Changes::default();
        changes.record("name", None::<&str>, name.as_str());
        changes.record("description", None::<&str>, description.as_str());
        changes.record("property_type", None::<&str>, property_type.as_str());
        changes.record("city", None::<&str>, city.as_str());
        let room_audits = rooms.iter().map(|room| entry(new_room_changes(room))).collect();
        let property = NewProperty { owner_id: actor.id, name, description, property_type, city, rooms, at };
        self.properties.create(property, entry(changes), room_audits).await
    }

    /// Applies a PATCH to the property as it is when the write runs; with
    /// a precondition, only if it names that version.
    ///
    /// # Errors
    /// `NotFound`; `Forbidden`; `PreconditionFailed`; `Invalid`.
    #[tracing::instrument(skip_all, fields(property_id = id.0, actor_id = actor.id.0))]
    pub async fn update(
        &self,
        actor: &Actor,
        id: PropertyId,
        precondition: Precondition,
        patch: Parsed<PropertyUpdate>,
    ) -> Result<Property> {
        let audit = self.audit_entry(actor, Action::Update);
        let edited = self
            .edit(actor, id, precondition, move |property| {
                let update = patch.clone()?;
                let changes = property_changes(property, &update);
                if changes.is_empty() {
                    return Ok(Edit::Keep);
                }
                Ok(Edit::Apply { change: PropertyChange::Update(update), audit: audit(changes) })
            })
            .await?;
        edited_property(edited)
    }

    /// # Errors
    /// `NotFound`; `Forbidden`; `PreconditionFailed`.
    #[tracing::instrument(skip_all, fields(property_id = id.0, actor_id = actor.id.0))]
    pub async fn delete(&self, actor: &Actor, id: PropertyId, precondition: Precondition) -> Result<()> {
        let audit = self.audit_entry(actor, Action::Delete);
        self.edit(actor, id, precondition, move |property| {
            let mut changes = Changes::default();
            changes.record("name", property.name.as_str(), None::<&str>);
            changes.record("property_type", property.property_type.as_str(), None::<&str>);
            changes.record("city", property.city.as_str(), None::<&str>);
            Ok(Edit::Apply { change: PropertyChange::Delete, audit: audit(changes) })
        })
        .await?;
        Ok(())
    }

    /// The audit events of the property and its rooms, oldest first.
    ///
    /// # Errors
    /// `NotFound`; `Forbidden` unless owner or admin.
    #[tracing::instrument(skip_all, fields(property_id = id.0))]
    pub async fn history(&self, actor: &Actor, id: PropertyId) -> Result<Vec<AuditEvent>> {
        let property = self.get(id).await?;
        authz::ensure_can_edit_property(actor, &property)?;
        self.audit.property_history(id).await
    }

    /// Runs a write to a property (or one of its rooms) through the
    /// repository's locked edit, with the checks every write shares in the
    /// contract's order: 404 (by the repository), 403, 412; then `decide`,
    /// which reports 404 for a missing room and 422, and says what to change.
    pub(crate) async fn edit<F>(
        &self,
        actor: &Actor,
        id: PropertyId,
        precondition: Precondition,
        decide: F,
    ) -> Result<Edited>
    where
        F: Fn(&Property) -> Result<Edit> + Send + Sync + 'static,
    {
        let actor = *actor;
        let checked: Decide = Box::new(move |property| {
            authz::ensure_can_edit_property(&actor, property)?;
            precondition.check(property.version)?;
            decide(property)
        });
        self.properties.edit(id, checked).await
    }

    /// A builder of this write's audit entry, stamped now.
    pub(crate) fn audit_entry(
        &self,
        actor: &Actor,
        action: Action,
    ) -> impl Fn(Changes) -> AuditEntry + Send + Sync + use<> {
        let (at, actor_id) = (self.clock.now(), Some(actor.id));
        move |changes| AuditEntry { at, actor_id, action, changes }
    }
}

/// The property an edit that does not delete returns.
pub(crate) fn edited_property(edited: Edited) -> Result<Property> {
    edited.property.ok_or_else(|| DomainError::internal("an edit that deletes nothing returned no property"))
}

/// The fields `update` really changes; values equal to the current ones
/// are not changes (and cost no version bump).
fn property_changes(property: &Property, update: &PropertyUpdate) -> Changes {
    let mut changes = Changes::default();
    if let Some(name) = &update.name {
        changes.record("name", property.name.as_str(), name.as_str());
    }
    if let Some(description) = &update.description {
        changes.record("description", property.description.as_str(), description.as_str());
    }
    if let Some(property_type) = &update.property_type {
        changes.record("property_type", property.property_type.as_str(), property_type.as_str());
    }
    if let Some(city) = &update.city {
        changes.record("city", property.city.as_str(), city.as_str());
    }
    changes
}

/// What a room's `create` event records.
pub(crate) fn new_room_changes(room: &NewRoom) -> Changes {
    let mut changes = Changes::default();
    changes.record("name", None::<&str>, room.name.as_str());
    changes.record("kind", None::<&str>, room.kind.as_str());
    changes.record("area_m2", None::<f64>, room.area.value());
    changes.record("floor", None::<i64>, room.floor.map(|floor| i64::from(floor.value())));
    changes.record("description", None::<&str>, room.description.as_ref().map(RoomDescription::as_str));
    changes
}
