//! Rooms: read, add, edit and remove the rooms of a property.

use realty_domain::{
    Action, Actor, AreaM2, Changes, DomainError, FieldErrors, Floor, NewRoom, PropertyId, Room,
    RoomDescription, RoomId, RoomKind, RoomName, RoomUpdate, Version,
};

use crate::Result;
use crate::properties::{MAX_ROOMS_PER_PROPERTY, Properties, Target};

/// A new room, as the client sent it.
#[derive(Debug, Clone)]
pub struct RoomInput {
    pub name: String,
    pub kind: String,
    pub area_m2: f64,
    pub floor: Option<i64>,
    pub description: Option<String>,
}

/// A room PATCH: `None` leaves a field alone; `Some(None)` clears `floor`
/// or `description`.
#[derive(Debug, Clone, Default)]
pub struct RoomChanges {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub area_m2: Option<f64>,
    pub floor: Option<Option<i64>>,
    pub description: Option<Option<String>>,
}

impl RoomInput {
    /// Validates into a `NewRoom`, recording errors under `prefix`
    /// (`rooms[2]` for inline rooms, empty for a single room).
    pub(crate) fn validate(&self, errors: &mut FieldErrors, prefix: &str) -> Option<NewRoom> {
        let within =
            |error: realty_domain::FieldError| if prefix.is_empty() { error } else { error.within(prefix) };
        let name = errors.check(RoomName::parse(&self.name).map_err(within));
        let kind = errors.check(RoomKind::parse(&self.kind).map_err(within));
        let area = errors.check(AreaM2::parse(self.area_m2).map_err(within));
        let floor = errors.check(self.floor.map(Floor::parse).transpose().map_err(within));
        let description =
            errors.check(self.description.as_deref().map(RoomDescription::parse).transpose().map_err(within));
        Some(NewRoom { name: name?, kind: kind?, area: area?, floor: floor?, description: description? })
    }
}

impl RoomChanges {
    fn validate(&self) -> Result<RoomUpdate> {
        let mut errors = FieldErrors::default();
        let update = RoomUpdate {
            name: self.name.as_deref().and_then(|raw| errors.check(RoomName::parse(raw))),
            kind: self.kind.as_deref().and_then(|raw| errors.check(RoomKind::parse(raw))),
            area: self.area_m2.and_then(|value| errors.check(AreaM2::parse(value))),
            floor: self.floor.and_then(|floor| errors.check(floor.map(Floor::parse).transpose())),
            description: self
                .description
                .as_ref()
                .and_then(|raw| errors.check(raw.as_deref().map(RoomDescription::parse).transpose())),
        };
        errors.into_result()?;
        Ok(update)
    }
}

impl Properties {
    /// The rooms of a property, in creation order.
    ///
    /// # Errors
    /// `NotFound` when the property does not exist.
    pub async fn list_rooms(&self, id: PropertyId) -> Result<Vec<Room>> {
        Ok(self.get(id).await?.rooms)
    }

    /// # Errors
    /// `NotFound` when the property does not exist or has no such room.
    pub async fn get_room(&self, id: PropertyId, room_id: RoomId) -> Result<Room> {
        self.get(id).await?.rooms.into_iter().find(|room| room.id == room_id).ok_or_else(room_not_found)
    }

    /// # Errors
    /// `NotFound`; `Forbidden`; `PreconditionFailed`; `Invalid`; `Conflict`
    /// when the property already has the maximum number of rooms.
    #[tracing::instrument(skip_all, fields(property_id = id.0, actor_id = actor.id.0))]
    pub async fn add_room(
        &self,
        actor: &Actor,
        id: PropertyId,
        if_match: Option<Version>,
        input: RoomInput,
    ) -> Result<Room> {
        let input = &input;
        self.write(actor, Target::property(id), if_match, |property| async move {
            let mut errors = FieldErrors::default();
            let room = input.validate(&mut errors, "");
            let Some(room) = room.filter(|_| errors.is_empty()) else {
                return Err(errors.into_error());
            };
            if property.rooms.len() >= MAX_ROOMS_PER_PROPERTY {
                return Err(DomainError::Conflict(format!(
                    "a property holds at most {MAX_ROOMS_PER_PROPERTY} rooms"
                )));
            }
            let mut changes = Changes::default();
            changes.record("name", None::<&str>, room.name.as_str());
            changes.record("kind", None::<&str>, room.kind.as_str());
            changes.record("area_m2", None::<f64>, room.area.value());
            changes.record("floor", None::<i64>, room.floor.map(|floor| i64::from(floor.value())));
            changes.record(
                "description",
                None::<&str>,
                room.description.as_ref().map(RoomDescription::as_str),
            );
            let audit = self.audit_entry(actor, Action::Create, changes);
            self.properties.add_room(id, property.version, room, audit).await
        })
        .await
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
        if_match: Option<Version>,
        input: RoomChanges,
    ) -> Result<Room> {
        let input = &input;
        self.write(actor, Target::room(id, room_id), if_match, |property| async move {
            let room = property.rooms.iter().find(|room| room.id == room_id).ok_or_else(room_not_found)?;
            let update = input.validate()?;
            let changes = room_changes(room, &update);
            if changes.is_empty() {
                return Ok(room.clone());
            }
            let audit = self.audit_entry(actor, Action::Update, changes);
            self.properties.update_room(id, room_id, property.version, update, audit).await
        })
        .await
    }

    /// # Errors
    /// `NotFound` (property or room); `Forbidden`; `PreconditionFailed`.
    #[tracing::instrument(skip_all, fields(property_id = id.0, room_id = room_id.0, actor_id = actor.id.0))]
    pub async fn remove_room(
        &self,
        actor: &Actor,
        id: PropertyId,
        room_id: RoomId,
        if_match: Option<Version>,
    ) -> Result<()> {
        self.write(actor, Target::room(id, room_id), if_match, |property| async move {
            let room = property.rooms.iter().find(|room| room.id == room_id).ok_or_else(room_not_found)?;
            let mut changes = Changes::default();
            changes.record("name", room.name.as_str(), None::<&str>);
            changes.record("kind", room.kind.as_str(), None::<&str>);
            changes.record("area_m2", room.area.value(), None::<f64>);
            let audit = self.audit_entry(actor, Action::Delete, changes);
            self.properties.remove_room(id, room_id, property.version, audit).await
        })
        .await
    }
}

fn room_not_found() -> DomainError {
    DomainError::NotFound { resource: "room" }
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
