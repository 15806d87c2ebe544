//! `PropertyRepository::edit` on rooms: each room change bumps the
//! property's version and is recorded under the room's id.

use realty_domain::ports::{AuditLog, PropertyRepository};
use realty_domain::{
    Action, AreaM2, DomainError, Floor, PropertyChange, PropertyId, PropertyQuery, Resource, ResourceId,
    RoomDescription, RoomId, RoomKind, RoomName, RoomUpdate, Version,
};

use crate::fixture::{
    TestDb, apply, apply_if, at, audit, contract_tests, create_house, creation_trail, found, owned_house,
    query, register, room, trail,
};

contract_tests!(
    adding_a_room_bumps_the_version_once_and_records_one_event_under_the_room_id,
    updating_a_room_changes_its_fields_bumps_the_version_and_records_the_room_id,
    an_empty_room_update_still_bumps_the_version,
    removing_a_room_bumps_the_version_and_records_the_room_id,
    a_room_of_another_property_is_not_found_and_changes_nothing,
    a_stale_room_write_is_precondition_failed_and_changes_nothing,
    a_room_write_on_a_missing_property_is_not_found,
    history_lists_property_and_room_events_oldest_first,
);

/// The ids of the properties with at least `min` rooms, as the filter sees
/// them (the stored room count).
async fn with_at_least(t: &TestDb, min: u32) -> Vec<PropertyId> {
    let filter = PropertyQuery { min_rooms: Some(min), ..query(100) };
    let page = PropertyRepository::list(&t.db, &filter).await.expect("the list runs");
    page.items.iter().map(|property| property.id).collect()
}

/// The last event of the property's history.
async fn last_event(t: &TestDb, id: PropertyId) -> (usize, realty_domain::AuditEvent) {
    let mut history = AuditLog::property_history(&t.db, id).await.expect("the history reads");
    let len = history.len();
    (len, history.pop().expect("the history has events"))
}

async fn adding_a_room_bumps_the_version_once_and_records_one_event_under_the_room_id(t: TestDb) {
    let (owner, house) = owned_house(&t.db).await;
    let entry = audit(Some(owner.id), Action::Create, 10);

    let edited = apply(&t.db, house.id, PropertyChange::AddRoom(room("Nursery", 7.5)), entry.clone())
        .await
        .expect("the room is added");

    let added = edited.room.expect("an added room is named");
    let stored = found(&t.db, house.id).await;
    assert_eq!(edited.property.as_ref(), Some(&stored), "the edit returns the property as stored");
    assert_eq!(stored.version, Version(2), "one room added, one version bump");
    assert_eq!(stored.updated_at, entry.at, "updated_at is the audit entry's instant");
    let last = stored.rooms.last().expect("the property has rooms");
    assert_eq!(
        (last.id, last.name.as_str(), last.property_id),
        (added, "Nursery", house.id),
        "the new room comes last"
    );
    assert_eq!(stored.room_count(), 3, "two rooms and the new one");
    assert_eq!(with_at_least(&t, 3).await, [house.id], "the stored room count follows");
    let (len, event) = last_event(&t, house.id).await;
    assert_eq!(len, 4, "one event more than the creation's three");
    assert_eq!(
        (event.action, event.resource, event.resource_id, event.property_id),
        (Action::Create, Resource::Room, ResourceId::Number(added.0), Some(house.id)),
        "the event is about the new room, of the property"
    );
}

async fn updating_a_room_changes_its_fields_bumps_the_version_and_records_the_room_id(t: TestDb) {
    let (owner, house) = owned_house(&t.db).await;
    let target = house.rooms[0].id;
    let with_extras = RoomUpdate {
        floor: Some(Some(Floor::parse(2).expect("a valid floor"))),
        description: Some(Some(RoomDescription::parse("Faces south").expect("a valid description"))),
        ..RoomUpdate::default()
    };
    apply(
        &t.db,
        house.id,
        PropertyChange::UpdateRoom(target, with_extras),
        audit(Some(owner.id), Action::Update, 11),
    )
    .await
    .expect("the room is decorated");
    let decorated = found(&t.db, house.id).await.rooms[0].clone();
    let update = RoomUpdate {
        name: Some(RoomName::parse("Study").expect("a valid name")),
        kind: Some(RoomKind::Office),
        area: Some(AreaM2::parse(14.75).expect("a valid area")),
        floor: Some(None),
        description: Some(None),
    };

    let edited = apply(
        &t.db,
        house.id,
        PropertyChange::UpdateRoom(target, update),
        audit(Some(owner.id), Action::Update, 12),
    )
    .await
    .expect("the room is updated");

    assert_eq!(decorated.floor.map(Floor::value), Some(2), "Some(Some) sets the floor");
    assert_eq!(
        decorated.description.as_ref().map(RoomDescription::as_str),
        Some("Faces south"),
        "and the description"
    );
    assert_eq!(edited.room, Some(target), "the updated room is named");
    let stored = found(&t.db, house.id).await;
    assert_eq!(edited.property.as_ref(), Some(&stored), "the edit returns the property as stored");
    let updated = &stored.rooms[0];
    assert_eq!(updated.id, target, "the room keeps its id and place");
    assert_eq!(
        (updated.name.as_str(), updated.kind, updated.area.value()),
        ("Study", RoomKind::Office, 14.75),
        "name, kind and area are updated"
    );
    assert_eq!((updated.floor, updated.description.clone()), (None, None), "Some(None) clears");
    assert_eq!(stored.version, Version(3), "two room updates, two version bumps");
    assert_eq!(stored.updated_at, at(12), "updated_at is the last update's instant");
    assert_eq!(stored.rooms[1], house.rooms[1], "the other room is untouched");
    let (len, event) = last_event(&t, house.id).await;
    assert_eq!(len, 5, "one event per room update");
    assert_eq!(
        (event.action, event.resource, event.resource_id),
        (Action::Update, Resource::Room, ResourceId::Number(target.0)),
        "the event is about the room"
    );
}

async fn an_empty_room_update_still_bumps_the_version(t: TestDb) {
    let (owner, house) = owned_house(&t.db).await;

    let edited = apply(
        &t.db,
        house.id,
        PropertyChange::UpdateRoom(house.rooms[0].id, RoomUpdate::default()),
        audit(Some(owner.id), Action::Update, 11),
    )
    .await
    .expect("an empty update is accepted");

    let stored = found(&t.db, house.id).await;
    assert_eq!(stored.rooms, house.rooms, "no room field changes");
    assert_eq!(stored.version, Version(2), "an applied change always bumps the version");
    assert_eq!(edited.room, Some(house.rooms[0].id), "the room is named");
}

async fn removing_a_room_bumps_the_version_and_records_the_room_id(t: TestDb) {
    let (owner, house) = owned_house(&t.db).await;
    let removed = house.rooms[0].id;

    let edited = apply(
        &t.db,
        house.id,
        PropertyChange::RemoveRoom(removed),
        audit(Some(owner.id), Action::Delete, 13),
    )
    .await
    .expect("the room is removed");

    assert_eq!(edited.room, None, "a removed room is not named");
    let stored = found(&t.db, house.id).await;
    assert_eq!(edited.property.as_ref(), Some(&stored), "the edit returns the property as stored");
    assert_eq!((stored.version, stored.updated_at), (Version(2), at(13)), "one bump, the removal's instant");
    assert_eq!(stored.rooms, [house.rooms[1].clone()], "only the other room stays");
    assert_eq!(with_at_least(&t, 2).await, Vec::<PropertyId>::new(), "the stored room count follows");
    assert_eq!(with_at_least(&t, 1).await, [house.id], "one room is left");
    let (len, event) = last_event(&t, house.id).await;
    assert_eq!(len, 4, "one event for the removal");
    assert_eq!(
        (event.action, event.resource, event.resource_id),
        (Action::Delete, Resource::Room, ResourceId::Number(removed.0)),
        "the event is about the removed room"
    );
}

async fn a_room_of_another_property_is_not_found_and_changes_nothing(t: TestDb) {
    let (owner, house) = owned_house(&t.db).await;
    let other = create_house(&t.db, owner.id).await;
    let foreign_room = other.rooms[0].id;
    let hijack = RoomUpdate {
        name: Some(RoomName::parse("Hijacked").expect("a valid name")),
        ..RoomUpdate::default()
    };

    let updated = apply(
        &t.db,
        house.id,
        PropertyChange::UpdateRoom(foreign_room, hijack),
        audit(Some(owner.id), Action::Update, 14),
    )
    .await;
    let removed = apply(
        &t.db,
        house.id,
        PropertyChange::RemoveRoom(foreign_room),
        audit(Some(owner.id), Action::Delete, 15),
    )
    .await;
    let missing = apply(
        &t.db,
        house.id,
        PropertyChange::RemoveRoom(RoomId(404)),
        audit(Some(owner.id), Action::Delete, 16),
    )
    .await;

    for (case, result) in [
        ("update of a foreign room", updated),
        ("removal of a foreign room", removed),
        ("removal of a missing room", missing),
    ] {
        assert!(matches!(result, Err(DomainError::NotFound { resource: "room" })), "{case}: {result:?}");
    }
    assert_eq!(found(&t.db, house.id).await, house, "the property keeps its version and rooms");
    assert_eq!(found(&t.db, other.id).await, other, "the other property keeps its room");
    assert_eq!(
        AuditLog::property_history(&t.db, house.id).await.expect("the history reads").len(),
        3,
        "no event"
    );
}

async fn a_stale_room_write_is_precondition_failed_and_changes_nothing(t: TestDb) {
    let (owner, house) = owned_house(&t.db).await;
    let stale = Version(5);
    let target = house.rooms[0].id;

    let added = apply_if(
        &t.db,
        house.id,
        stale,
        PropertyChange::AddRoom(room("Attic", 20.0)),
        audit(Some(owner.id), Action::Create, 3),
    )
    .await;
    let updated = apply_if(
        &t.db,
        house.id,
        stale,
        PropertyChange::UpdateRoom(target, RoomUpdate::default()),
        audit(Some(owner.id), Action::Update, 4),
    )
    .await;
    let removed = apply_if(
        &t.db,
        house.id,
        stale,
        PropertyChange::RemoveRoom(target),
        audit(Some(owner.id), Action::Delete, 5),
    )
    .await;

    for (case, result) in [("add", added), ("update", updated), ("remove", removed)] {
        assert!(
            matches!(result, Err(DomainError::PreconditionFailed { current: 1 })),
            "a stale room {case} reports the current version: {result:?}"
        );
    }
    assert_eq!(found(&t.db, house.id).await, house, "stale room writes change nothing");
}

async fn a_room_write_on_a_missing_property_is_not_found(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;

    let added = apply(
        &t.db,
        PropertyId(404),
        PropertyChange::AddRoom(room("Attic", 20.0)),
        audit(Some(owner.id), Action::Create, 3),
    )
    .await;
    let removed = apply(
        &t.db,
        PropertyId(404),
        PropertyChange::RemoveRoom(RoomId(1)),
        audit(Some(owner.id), Action::Delete, 4),
    )
    .await;

    for (case, result) in [("add", added), ("remove", removed)] {
        assert!(matches!(result, Err(DomainError::NotFound { resource: "property" })), "{case}: {result:?}");
    }
    assert_eq!(t.count("SELECT COUNT(*) AS n FROM rooms").await, 0, "no room is written");
}

async fn history_lists_property_and_room_events_oldest_first(t: TestDb) {
    let (owner, house) = owned_house(&t.db).await;
    let other = create_house(&t.db, owner.id).await;
    let added = apply(
        &t.db,
        house.id,
        PropertyChange::AddRoom(room("Attic", 20.0)),
        audit(Some(owner.id), Action::Create, 3),
    )
    .await
    .expect("the room is added")
    .room
    .expect("an added room is named");
    let bigger =
        RoomUpdate { area: Some(AreaM2::parse(21.0).expect("a valid area")), ..RoomUpdate::default() };
    apply(
        &t.db,
        house.id,
        PropertyChange::UpdateRoom(added, bigger),
        audit(Some(owner.id), Action::Update, 4),
    )
    .await
    .expect("the room is updated");
    apply(&t.db, house.id, PropertyChange::RemoveRoom(added), audit(Some(owner.id), Action::Delete, 5))
        .await
        .expect("the room is removed");

    let history = AuditLog::property_history(&t.db, house.id).await.expect("the history reads");
    assert_eq!(
        trail(&history),
        [
            creation_trail(&house),
            vec![
                (Action::Create, Resource::Room, ResourceId::Number(added.0)),
                (Action::Update, Resource::Room, ResourceId::Number(added.0)),
                (Action::Delete, Resource::Room, ResourceId::Number(added.0)),
            ],
        ]
        .concat(),
        "the property's and its rooms' events, oldest first"
    );
    assert!(history.windows(2).all(|pair| pair[0].id < pair[1].id), "event ids ascend");
    assert!(
        history.iter().all(|event| event.property_id == Some(house.id)),
        "none of property {}'s",
        other.id
    );
}
