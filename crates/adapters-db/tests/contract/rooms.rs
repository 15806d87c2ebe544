//! `PropertyRepository`: writes to rooms, each bumping the property's version.

use realty_domain::ports::{AuditLog, PropertyRepository};
use realty_domain::{
    Action, AreaM2, DomainError, Floor, PropertyFilter, PropertyId, Resource, RoomDescription, RoomId,
    RoomKind, RoomName, RoomUpdate, Version,
};

use crate::fixture::{TestDb, audit, contract_tests, create_house, register, room};

contract_tests!(
    adding_a_room_bumps_version_and_room_count,
    updating_a_room_changes_its_fields_and_bumps_version,
    empty_room_update_still_bumps_version,
    removing_a_room_bumps_version_and_room_count,
    room_of_another_property_is_not_found_and_changes_nothing,
    stale_room_write_changes_nothing,
    room_write_on_missing_property_is_not_found,
    history_lists_property_and_room_events_oldest_first,
);

/// Properties with at least `min` rooms, as the room filter sees them.
async fn with_at_least(t: &TestDb, min: u32) -> Vec<PropertyId> {
    let filter = PropertyFilter { min_rooms: Some(min), limit: 100, ..Default::default() };
    let page = PropertyRepository::list(&t.db, &filter).await.expect("listed");
    page.items.iter().map(|property| property.id).collect()
}

async fn adding_a_room_bumps_version_and_room_count(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;
    let house = create_house(&t.db, owner.id).await;
    let entry = audit(Some(owner.id), Action::Create, 10);

    let added =
        PropertyRepository::add_room(&t.db, house.id, house.version, room("Nursery", 7.5), entry.clone())
            .await
            .expect("added");

    assert_eq!(added.property_id, house.id);
    assert_eq!(added.name.as_str(), "Nursery");
    let stored = PropertyRepository::find(&t.db, house.id).await.expect("runs").expect("present");
    assert_eq!(stored.version, Version(2));
    assert_eq!(stored.updated_at, entry.at);
    assert_eq!(stored.rooms.last(), Some(&added), "rooms in creation order");
    assert_eq!(stored.room_count(), 3);
    assert_eq!(with_at_least(&t, 3).await, [house.id], "the stored room count follows");
}

async fn updating_a_room_changes_its_fields_and_bumps_version(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;
    let house = create_house(&t.db, owner.id).await;
    let target = house.rooms[0].clone();
    let with_extras = RoomUpdate {
        floor: Some(Some(Floor::parse(2).expect("valid"))),
        description: Some(Some(RoomDescription::parse("Faces south").expect("valid"))),
        ..RoomUpdate::default()
    };
    let decorated = PropertyRepository::update_room(
        &t.db,
        house.id,
        target.id,
        house.version,
        with_extras,
        audit(Some(owner.id), Action::Update, 11),
    )
    .await
    .expect("updated");
    let update = RoomUpdate {
        name: Some(RoomName::parse("Study").expect("valid")),
        kind: Some(RoomKind::Office),
        area: Some(AreaM2::parse(14.75).expect("valid")),
        floor: Some(None),
        description: Some(None),
    };

    let updated = PropertyRepository::update_room(
        &t.db,
        house.id,
        target.id,
        Version(2),
        update,
        audit(Some(owner.id), Action::Update, 12),
    )
    .await
    .expect("updated");

    assert_eq!(decorated.floor.map(|floor| floor.value()), Some(2));
    assert_eq!(decorated.description.as_ref().map(RoomDescription::as_str), Some("Faces south"));
    assert_eq!(updated.id, target.id);
    assert_eq!(updated.name.as_str(), "Study");
    assert_eq!(updated.kind, RoomKind::Office);
    assert_eq!(updated.area.value(), 14.75);
    assert_eq!((updated.floor, updated.description.clone()), (None, None), "Some(None) clears");
    let stored = PropertyRepository::find(&t.db, house.id).await.expect("runs").expect("present");
    assert_eq!(stored.version, Version(3));
    assert_eq!(stored.rooms[0], updated);
    assert_eq!(stored.rooms[1], house.rooms[1], "the other room is untouched");
}

async fn empty_room_update_still_bumps_version(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;
    let house = create_house(&t.db, owner.id).await;

    let same = PropertyRepository::update_room(
        &t.db,
        house.id,
        house.rooms[0].id,
        house.version,
        RoomUpdate::default(),
        audit(Some(owner.id), Action::Update, 11),
    )
    .await
    .expect("accepted");

    assert_eq!(same, house.rooms[0]);
    let stored = PropertyRepository::find(&t.db, house.id).await.expect("runs").expect("present");
    assert_eq!(stored.version, Version(2));
}

async fn removing_a_room_bumps_version_and_room_count(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;
    let house = create_house(&t.db, owner.id).await;

    PropertyRepository::remove_room(
        &t.db,
        house.id,
        house.rooms[0].id,
        house.version,
        audit(Some(owner.id), Action::Delete, 13),
    )
    .await
    .expect("removed");

    let stored = PropertyRepository::find(&t.db, house.id).await.expect("runs").expect("present");
    assert_eq!(stored.version, Version(2));
    assert_eq!(stored.rooms, [house.rooms[1].clone()]);
    assert_eq!(with_at_least(&t, 2).await, Vec::<PropertyId>::new(), "the stored room count follows");
    assert_eq!(with_at_least(&t, 1).await, [house.id]);
}

async fn room_of_another_property_is_not_found_and_changes_nothing(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;
    let house = create_house(&t.db, owner.id).await;
    let other = create_house(&t.db, owner.id).await;
    let foreign_room = other.rooms[0].id;

    let updated = PropertyRepository::update_room(
        &t.db,
        house.id,
        foreign_room,
        house.version,
        RoomUpdate { name: Some(RoomName::parse("Hijacked").expect("valid")), ..RoomUpdate::default() },
        audit(Some(owner.id), Action::Update, 14),
    )
    .await;
    let removed = PropertyRepository::remove_room(
        &t.db,
        house.id,
        foreign_room,
        house.version,
        audit(Some(owner.id), Action::Delete, 15),
    )
    .await;
    let missing = PropertyRepository::remove_room(
        &t.db,
        house.id,
        RoomId(404),
        house.version,
        audit(Some(owner.id), Action::Delete, 16),
    )
    .await;

    for result in [updated.map(|_| ()), removed, missing] {
        assert!(matches!(result, Err(DomainError::NotFound { resource: "room" })), "{result:?}");
    }
    assert_eq!(
        PropertyRepository::find(&t.db, house.id).await.expect("runs"),
        Some(house.clone()),
        "version kept"
    );
    assert_eq!(PropertyRepository::find(&t.db, other.id).await.expect("runs"), Some(other));
    assert_eq!(AuditLog::property_history(&t.db, house.id).await.expect("history").len(), 1);
}

async fn stale_room_write_changes_nothing(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;
    let house = create_house(&t.db, owner.id).await;
    let stale = Version(5);

    let added = PropertyRepository::add_room(
        &t.db,
        house.id,
        stale,
        room("Attic", 20.0),
        audit(Some(owner.id), Action::Create, 3),
    )
    .await;
    let updated = PropertyRepository::update_room(
        &t.db,
        house.id,
        house.rooms[0].id,
        stale,
        RoomUpdate::default(),
        audit(Some(owner.id), Action::Update, 4),
    )
    .await;
    let removed = PropertyRepository::remove_room(
        &t.db,
        house.id,
        house.rooms[0].id,
        stale,
        audit(Some(owner.id), Action::Delete, 5),
    )
    .await;

    for result in [added.map(|_| ()), updated.map(|_| ()), removed] {
        assert!(
            matches!(result, Err(DomainError::PreconditionFailed { expected: 5, current: 1 })),
            "{result:?}"
        );
    }
    assert_eq!(PropertyRepository::find(&t.db, house.id).await.expect("runs"), Some(house));
}

async fn room_write_on_missing_property_is_not_found(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;

    let added = PropertyRepository::add_room(
        &t.db,
        PropertyId(404),
        Version(1),
        room("Attic", 20.0),
        audit(Some(owner.id), Action::Create, 3),
    )
    .await;
    let removed = PropertyRepository::remove_room(
        &t.db,
        PropertyId(404),
        RoomId(1),
        Version(1),
        audit(Some(owner.id), Action::Delete, 4),
    )
    .await;

    for result in [added.map(|_| ()), removed] {
        assert!(matches!(result, Err(DomainError::NotFound { resource: "property" })), "{result:?}");
    }
    assert_eq!(t.count("SELECT COUNT(*) AS n FROM rooms").await, 0);
}

async fn history_lists_property_and_room_events_oldest_first(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;
    let house = create_house(&t.db, owner.id).await;
    let other = create_house(&t.db, owner.id).await;
    let added = PropertyRepository::add_room(
        &t.db,
        house.id,
        Version(1),
        room("Attic", 20.0),
        audit(Some(owner.id), Action::Create, 3),
    )
    .await
    .expect("added");
    PropertyRepository::update_room(
        &t.db,
        house.id,
        added.id,
        Version(2),
        RoomUpdate { area: Some(AreaM2::parse(21.0).expect("valid")), ..RoomUpdate::default() },
        audit(Some(owner.id), Action::Update, 4),
    )
    .await
    .expect("updated");
    PropertyRepository::remove_room(
        &t.db,
        house.id,
        added.id,
        Version(3),
        audit(Some(owner.id), Action::Delete, 5),
    )
    .await
    .expect("removed");

    let history = AuditLog::property_history(&t.db, house.id).await.expect("history");

    let trail: Vec<(Action, Resource, String)> =
        history.iter().map(|event| (event.action, event.resource, event.resource_id.clone())).collect();
    assert_eq!(
        trail,
        [
            (Action::Create, Resource::Property, house.id.to_string()),
            (Action::Create, Resource::Room, added.id.to_string()),
            (Action::Update, Resource::Room, added.id.to_string()),
            (Action::Delete, Resource::Room, added.id.to_string()),
        ]
    );
    assert!(history.windows(2).all(|pair| pair[0].id < pair[1].id), "ids ascend");
    assert!(history.iter().all(|event| event.property_id == Some(house.id)), "none of {}'s", other.id);
}
