//! Properties: browse, describe, edit, delete, and their history.

use std::future::Future;
use std::sync::Arc;

use realty_domain::ports::{AuditLog, Clock, PropertyRepository};
use realty_domain::{
    Action, Actor, AuditEntry, AuditEvent, Changes, City, CityKey, Description, DomainError, FieldError,
    FieldErrors, NewProperty, Page, Property, PropertyFilter, PropertyId, PropertyName, PropertyUpdate,
    RoomId, TypeSlug, UserId, Version, authz,
};

use crate::Result;
use crate::rooms::RoomInput;

/// At most this many rooms per property (inline at creation or added later):
/// bounds the size of every property response and of the work per request.
pub const MAX_ROOMS_PER_PROPERTY: usize = 100;

/// How many times a write without `If-Match` is tried when other writes
/// bump the version between our read and our conditional write. Each round
/// lets at least one concurrent writer through, so N writers racing on one
/// property all succeed when N <= this; beyond, the loser gets a 409.
pub const WRITE_ATTEMPTS: usize = 10;

/// A new property, as the client sent it.
#[derive(Debug, Clone, Default)]
pub struct PropertyInput {
    pub name: String,
    pub description: Option<String>,
    pub property_type: String,
    pub city: String,
    pub rooms: Vec<RoomInput>,
}

/// A property PATCH: `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct PropertyChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub property_type: Option<String>,
    pub city: Option<String>,
}

/// The query of `GET /properties`, already split into typed parameters by
/// the HTTP layer; the rules (ranges, emptiness) are checked here.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub city: Option<String>,
    pub property_type: Option<String>,
    pub owner_id: Option<i64>,
    pub min_rooms: Option<i64>,
    pub max_rooms: Option<i64>,
    pub limit: Option<i64>,
    /// From the decoded cursor: the page starts below this id.
    pub before: Option<PropertyId>,
}

impl ListQuery {
    pub const DEFAULT_LIMIT: u32 = 20;
    pub const MAX_LIMIT: u32 = 100;

    /// # Errors
    /// `Invalid` for an empty filter, a negative count, `min_rooms` above
    /// `max_rooms` or a limit outside 1..=100 (the HTTP layer answers 400).
    pub fn into_filter(self) -> Result<PropertyFilter> {
        let mut errors = FieldErrors::default();
        let city = self.city.map(|raw| errors.check(CityKey::parse_filter(&raw)));
        let property_type = self.property_type.map(|raw| errors.check(TypeSlug::parse("type", &raw)));
        let owner_id = self.owner_id.map(|id| errors.check(positive("owner_id", id).map(UserId)));
        let min_rooms = self.min_rooms.map(|n| errors.check(room_bound("min_rooms", n)));
        let max_rooms = self.max_rooms.map(|n| errors.check(room_bound("max_rooms", n)));
        let limit = self.limit.map_or(Ok(Self::DEFAULT_LIMIT), |limit| {
            u32::try_from(limit)
                .ok()
                .filter(|limit| (1..=Self::MAX_LIMIT).contains(limit))
                .ok_or_else(|| FieldError::new("limit", "must be between 1 and 100"))
        });
        let limit = errors.check(limit);
        if let (Some(Some(min)), Some(Some(max))) = (min_rooms, max_rooms)
            && min > max
        {
            errors.push(FieldError::new("min_rooms", "must not be greater than max_rooms"));
        }
        errors.into_result()?;
        Ok(PropertyFilter {
            city: city.flatten(),
            property_type: property_type.flatten(),
            owner_id: owner_id.flatten(),
            min_rooms: min_rooms.flatten(),
            max_rooms: max_rooms.flatten(),
            before: self.before,
            limit: limit.unwrap_or(Self::DEFAULT_LIMIT),
        })
    }
}

fn positive(field: &str, value: i64) -> Result<i64, FieldError> {
    if value > 0 { Ok(value) } else { Err(FieldError::new(field, "must be a positive integer")) }
}

fn room_bound(field: &str, value: i64) -> Result<u32, FieldError> {
    u32::try_from(value).map_err(|_| FieldError::new(field, "must be a non-negative integer"))
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

    /// A page of properties, newest first.
    ///
    /// # Errors
    /// `Invalid` for a bad query (see [`ListQuery::into_filter`]).
    #[tracing::instrument(skip_all)]
    pub async fn list(&self, query: ListQuery) -> Result<Page<Property>> {
        let filter = query.into_filter()?;
        self.properties.list(&filter).await
    }

    /// # Errors
    /// `NotFound`.
    #[tracing::instrument(skip_all, fields(property_id = id.0))]
    pub async fn get(&self, id: PropertyId) -> Result<Property> {
        self.properties.find(id).await?.ok_or(DomainError::NotFound { resource: "property" })
    }

    /// Creates a property owned by the actor, with its rooms, in one write.
    ///
    /// # Errors
    /// `Invalid` listing every broken field (room fields as
    /// `rooms[i].field`), an unknown type included.
    #[tracing::instrument(skip_all, fields(actor_id = actor.id.0))]
    pub async fn create(&self, actor: &Actor, input: PropertyInput) -> Result<Property> {
        let mut errors = FieldErrors::default();
        let name = errors.check(PropertyName::parse(&input.name));
        let description = errors.check(Description::parse(input.description.as_deref().unwrap_or_default()));
        let property_type = errors.check(TypeSlug::parse("property_type", &input.property_type));
        let city = errors.check(City::parse(&input.city));
        if input.rooms.len() > MAX_ROOMS_PER_PROPERTY {
            errors
                .push(FieldError::new("rooms", format!("must hold at most {MAX_ROOMS_PER_PROPERTY} rooms")));
        }
        let rooms: Vec<_> = input
            .rooms
            .iter()
            .take(MAX_ROOMS_PER_PROPERTY)
            .enumerate()
            .filter_map(|(index, room)| room.validate(&mut errors, &format!("rooms[{index}]")))
            .collect();
        let (Some(name), Some(description), Some(property_type), Some(city)) =
            (name, description, property_type, city)
        else {
            return Err(errors.into_error());
        };
        errors.into_result()?;

        let at = self.clock.now();
        let mut changes = Changes::default();
        changes.record("name", None::<&str>, name.as_str());
        changes.record("description", None::<&str>, description.as_str());
        changes.record("property_type", None::<&str>, property_type.as_str());
        changes.record("city", None::<&str>, city.as_str());
        changes.record("room_count", None::<i64>, i64::try_from(rooms.len()).unwrap_or(i64::MAX));
        let property = NewProperty { owner_id: actor.id, name, description, property_type, city, rooms, at };
        let audit = AuditEntry { at, actor_id: Some(actor.id), action: Action::Create, changes };
        self.properties.create(property, audit).await
    }

    /// Applies a PATCH. Without `If-Match`, a concurrent write in between is
    /// absorbed by re-reading and re-applying; with it, the client's version
    /// must still be current.
    ///
    /// # Errors
    /// `NotFound`; `Forbidden`; `PreconditionFailed`; `Invalid`.
    #[tracing::instrument(skip_all, fields(property_id = id.0, actor_id = actor.id.0))]
    pub async fn update(
        &self,
        actor: &Actor,
        id: PropertyId,
        if_match: Option<Version>,
        input: PropertyChanges,
    ) -> Result<Property> {
        let input = &input;
        self.write(actor, Target::property(id), if_match, |property| async move {
            let update = validate_changes(input)?;
            let changes = property_changes(&property, &update);
            if changes.is_empty() {
                return Ok(property);
            }
            let audit = self.audit_entry(actor, Action::Update, changes);
            self.properties.update(id, property.version, update, audit).await
        })
        .await
    }

    /// # Errors
    /// `NotFound`; `Forbidden`; `PreconditionFailed`.
    #[tracing::instrument(skip_all, fields(property_id = id.0, actor_id = actor.id.0))]
    pub async fn delete(&self, actor: &Actor, id: PropertyId, if_match: Option<Version>) -> Result<()> {
        self.write(actor, Target::property(id), if_match, |property| async move {
            let mut changes = Changes::default();
            changes.record("name", property.name.as_str(), None::<&str>);
            changes.record("property_type", property.property_type.as_str(), None::<&str>);
            changes.record("city", property.city.as_str(), None::<&str>);
            let audit = self.audit_entry(actor, Action::Delete, changes);
            self.properties.delete(id, property.version, audit).await
        })
        .await
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

    /// Runs a write to a property (or one of its rooms) in the contract's
    /// order: 404 (property, then room), 403, 412, then `op`, which
    /// validates (422) and writes conditionally on the version it was given.
    pub(crate) async fn write<T, F, Fut>(
        &self,
        actor: &Actor,
        target: Target,
        if_match: Option<Version>,
        op: F,
    ) -> Result<T>
    where
        F: Fn(Property) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        for _ in 0..WRITE_ATTEMPTS {
            let property = self.get(target.property).await?;
            if let Some(room) = target.room
                && !property.rooms.iter().any(|candidate| candidate.id == room)
            {
                return Err(DomainError::NotFound { resource: "room" });
            }
            authz::ensure_can_edit_property(actor, &property)?;
            if let Some(expected) = if_match
                && expected != property.version
            {
                return Err(DomainError::PreconditionFailed {
                    expected: expected.0,
                    current: property.version.0,
                });
            }
            match op(property).await {
                // Someone else wrote between our read and our write. With
                // `If-Match` the client asked for exactly that version, so
                // we report it; without, we re-read and try again.
                Err(DomainError::PreconditionFailed { .. }) if if_match.is_none() => {}
                outcome => return outcome,
            }
        }
        Err(DomainError::Conflict("the property is being changed concurrently; retry".into()))
    }

    pub(crate) fn audit_entry(&self, actor: &Actor, action: Action, changes: Changes) -> AuditEntry {
        AuditEntry { at: self.clock.now(), actor_id: Some(actor.id), action, changes }
    }
}

/// What a write is aimed at: a property, or one of its rooms.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target {
    pub property: PropertyId,
    pub room: Option<RoomId>,
}

impl Target {
    pub fn property(property: PropertyId) -> Self {
        Self { property, room: None }
    }

    pub fn room(property: PropertyId, room: RoomId) -> Self {
        Self { property, room: Some(room) }
    }
}

fn validate_changes(input: &PropertyChanges) -> Result<PropertyUpdate> {
    let mut errors = FieldErrors::default();
    let update = PropertyUpdate {
        name: input.name.as_deref().and_then(|raw| errors.check(PropertyName::parse(raw))),
        description: input.description.as_deref().and_then(|raw| errors.check(Description::parse(raw))),
        property_type: input
            .property_type
            .as_deref()
            .and_then(|raw| errors.check(TypeSlug::parse("property_type", raw))),
        city: input.city.as_deref().and_then(|raw| errors.check(City::parse(raw))),
    };
    errors.into_result()?;
    Ok(update)
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
