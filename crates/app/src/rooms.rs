//! Rooms: read, add, edit and remove the rooms of a property. Every room
//! write changes the property's version, which the answer carries so that
//! a client can chain `If-Match` writes without a re-read.

use realty_domain::{
    Action, Actor, Changes, DomainError, Edit, Floor, NewRoom, Precondition, PropertyChange, PropertyId,
    Room, RoomDescription, RoomId, RoomUpdate, Version,
};

use crate::properties::{MAX_ROOMS_PER_PROPERTY, Properties, edited_property, new_room_changes};
use crate::{Parsed, Result};

/// A room as a write left it, with its property's new version.
#[derive(Debug, Clone, PartialEq)]
pub struct RoomWritten {
    pub room: Room,
    pub version: Version,
}

impl Properties {
    /// The rooms of a property, in creation order, with its version.
    ///
    /// # Errors
    /// `NotFound` when the property does not exist.
    pub async fn list_rooms(&self, id: PropertyId) -> Result<(Vec<Room>, Version)> {
        let property = self.get(id).await?;
        Ok((property.rooms, property.version))
    }

    /// # Errors
    /// `NotFound` when the property does not exist or has no such room.
    pub async fn get_room(&self, id: PropertyId, room_id: RoomId) -> Result<RoomWritten> {
        let property = self.get(id).await?;
        let version = property.version;
        let room = property.rooms.into_iter().find(|room| room.id == room_id).ok_or(ROOM_NOT_FOUND)?;
        Ok(RoomWritten { room, version })
    }

    /// # Errors
    /// `NotFound`; `Forbidden`; `PreconditionFailed`; `Invalid`; `Conflict`
    /// when the property already has the maximum number of rooms.
    #[tracing::instrument(skip_all, fields(property_id = id.0, actor_id = actor.id.0))]
    pub async fn add_room(
        &self,
        actor: &Actor,
        id: PropertyId,
        precondition: Precondition,
        room: Parsed<NewRoom>,
    ) -> Result<RoomWritten> {
        let audit = self.audit_entry(actor, Action::Create);
        let edited = self
            .edit(actor, id, precondition, move |property| {
                let room = room.clone()?;
                if property.rooms.len() >= MAX_ROOMS_PER_PROPERTY {
                    return Err(DomainError::Conflict(format!(
                        "a property holds at most {MAX_ROOMS_PER_PROPERTY} rooms"
                    )));
                }
                let changes = new_room_changes(&room);
                Ok(Edit::Apply { change: PropertyChange::AddRoom(room), audit: audit(changes) })
            })
            .await?;
        written_room(edited)
    }

    /// # Errors
    /// `NotFound` (property or room); `Forbidden`; `PreconditionFailed`;
    /// `Invalid`.
    #[tracing::instrument(skip_all, fields(property_id = id.0, room_id = room_id.0, actor_id = actor.id.0))]
    pub async fn update_room(
        &self,
        actor: &Actor,
        id: PropertyId,
        room_id: RoomId,
        precondition: Precondition,
        patch: Parsed<RoomUpdate>,
    ) -> Result<RoomWritten> {
        let audit = self.audit_entry(actor, Action::Update);
        let edited = self
            .edit_room(actor, id, room_id, precondition, move |room| {
                let update = patch.clone()?;
                let changes = room_changes(room, &update);
                if changes.is_empty() {
                    return Ok(Edit::Keep);
                }
                Ok(Edit::Apply { change: PropertyChange::UpdateRoom(room.id, update), audit: audit(changes) })
            })
            .await?;
        let property = edited_property(edited)?;
        let version = property.version;
        let room = property.rooms.into_iter().find(|room| room.id == room_id).ok_or(ROOM_NOT_FOUND)?;
        Ok(RoomWritten { room, version })
    }

    /// Removes a room; returns the property's new version.
    ///
    /// # Errors
    /// `NotFound` (property or room); `Forbidden`; `PreconditionFailed`.
    #[tracing::instrument(skip_all, fields(property_id = id.0, room_id = room_id.0, actor_id = actor.id.0))]
    pub async fn remove_room(
        &self,
        actor: &Actor,
        id: PropertyId,
        room_id: RoomId,
        precondition: Precondition,
    ) -> Result<Version> {
        let audit = self.audit_entry(actor, Action::Delete);
        let edited = self
            .edit_room(actor, id, room_id, precondition, move |room| {
                let mut changes = Changes::default();
                changes.record("name", room.name.as_str(), None::<&str>);
                changes.record("kind", room.kind.as_str(), None::<&str>);
                changes.record("area_m2", room.area.value(), None::<f64>);
                Ok(Edit::Apply { change: PropertyChange::RemoveRoom(room.id), audit: audit(changes) })
            })
            .await?;
        Ok(edited_property(edited)?.version)
    }

    /// An edit aimed at one room: a room the property does not have is a
    /// 404, checked before the actor's right, as DESIGN orders it.
    async fn edit_room<F>(
        &self,
        actor: &Actor,
        id: PropertyId,
        room_id: RoomId,
        precondition: Precondition,
        decide: F,
    ) -> Result<realty_domain::Edited>
    where
        F: Fn(&Room) -> Result<Edit> + Send + Sync + 'static,
    {
        let actor = *actor;
        let checked: realty_domain::Decide = Box::new(move |property: &realty_domain::Property| {
            let room = property.room(room_id).ok_or(ROOM_NOT_FOUND)?;
            realty_domain::authz::ensure_can_edit_property(&actor, property)?;
            precondition.check(property.version)?;
            decide(room)
        });
        self.properties.edit(id, checked).await
    }
}

const ROOM_NOT_FOUND: DomainError = DomainError::NotFound { resource: "room" };

/// The room an `AddRoom` edit created, with the property's new version.
fn written_room(edited: realty_domain::Edited) -> Result<RoomWritten> {
    let room_id = edited.room;
    let property = edited_property(edited)?;
    let version = property.version;
    let room = property
        .rooms
        .into_iter()
        .find(|room| Some(room.id) == room_id)
        .ok_or_else(|| DomainError::internal("the edit did not return the room it added"))?;
    Ok(RoomWritten { room, version })
}

fn room_changes(room: &Room, update: &RoomUpdate) -> Changes {
    let mut changes = Changes::default();
    if let Some(name) = &update.name {
        changes.record("name", room.name.as_str(), name.as_str());
    }
    if let Some(kind) = update.kind {
        changes.record("kind", room.kind.as_str(), kind.as_str());
    }
    if let Some(area) = update.area {
        changes.record("area_m2", room.area.value(), area.value());
    }
    if let Some(floor) = update.floor {
        let value = |floor: Option<Floor>| floor.map(|floor| i64::from(floor.value()));
        changes.record("floor", value(room.floor), value(floor));
    }
    if let Some(description) = &update.description {
        changes.record(
            "description",
            room.description.as_ref().map(RoomDescription::as_str),
            description.as_ref().map(RoomDescription::as_str),
        );
    }
    changes
}
