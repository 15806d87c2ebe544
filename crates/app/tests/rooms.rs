//! Rooms: read by anyone, changed by the property's owner or an admin, each
//! change a conditional write on the property's version.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use realty_app::{MAX_ROOMS_PER_PROPERTY, RoomChanges, RoomInput};
use realty_domain::{
    Action, AreaM2, AuditEntry, DomainError, FieldValue, Floor, NewRoom, PropertyId, Room, RoomDescription,
    RoomId, RoomKind, RoomName, RoomUpdate, UserId, Version,
};

/// Room 70 of [`property`]: "Room 70", bedroom, 12.5 m², floor 2, described.
const ROOM: RoomId = RoomId(70);

// ======================================================================= list and get

#[tokio::test]
async fn anyone_lists_the_rooms_of_a_property() {
    let properties = PropertiesMocks::new().with_property(property()).build();

    let rooms = properties.list_rooms(PROPERTY_ID).await.unwrap();

    assert_eq!(rooms, [room(70, PROPERTY_ID), room(71, PROPERTY_ID)]);
}

#[tokio::test]
async fn the_rooms_of_a_missing_property_are_not_found() {
    let properties = PropertiesMocks::new().without_properties().build();

    let result = properties.list_rooms(PropertyId(404)).await;

    assert!(matches!(result, Err(DomainError::NotFound { resource: "property" })), "got {result:?}");
}

#[tokio::test]
async fn anyone_reads_a_room() {
    let properties = PropertiesMocks::new().with_property(property()).build();

    let found = properties.get_room(PROPERTY_ID, RoomId(71)).await.unwrap();

    assert_eq!(found, room(71, PROPERTY_ID));
}

#[tokio::test]
async fn a_room_of_another_property_is_not_found() {
    let properties = PropertiesMocks::new().with_property(property()).build();

    // Room 80 exists, but in property 8: property 7 does not hold it.
    let result = properties.get_room(PROPERTY_ID, RoomId(80)).await;

    assert!(matches!(result, Err(DomainError::NotFound { resource: "room" })), "got {result:?}");
}

#[tokio::test]
async fn a_room_of_a_missing_property_is_not_found() {
    let properties = PropertiesMocks::new().without_properties().build();

    let result = properties.get_room(PropertyId(404), ROOM).await;

    assert!(matches!(result, Err(DomainError::NotFound { resource: "property" })), "got {result:?}");
}

// ======================================================================= add_room

fn room_input() -> RoomInput {
    RoomInput {
        name: "  Kitchen ".into(),
        kind: "kitchen".into(),
        area_m2: 9.75,
        floor: Some(-1),
        description: Some("  Open plan".into()),
    }
}

fn added(new: &NewRoom) -> Room {
    Room {
        id: RoomId(72),
        property_id: PROPERTY_ID,
        name: new.name.clone(),
        kind: new.kind,
        area: new.area,
        floor: new.floor,
        description: new.description.clone(),
    }
}

fn expect_add_room(mocks: &mut PropertiesMocks) -> Captured<(Version, NewRoom, AuditEntry)> {
    let captured = Captured::default();
    let sink = captured.clone();
    mocks.properties.expect_add_room().withf(|id, _, _, _| *id == PROPERTY_ID).times(1).returning(
        move |_, expected, new, audit| {
            sink.push((expected, new.clone(), audit));
            Ok(added(&new))
        },
    );
    captured
}

#[tokio::test]
async fn owner_adds_a_room() {
    let mut mocks = PropertiesMocks::new().with_property(property());
    let captured = expect_add_room(&mut mocks);
    let properties = mocks.build();

    let room = properties.add_room(&actor(OWNER), PROPERTY_ID, None, room_input()).await.unwrap();

    let (expected, new, audit) = captured.only();
    assert_eq!(expected, VERSION);
    assert_eq!(
        new,
        NewRoom {
            name: RoomName::parse("Kitchen").unwrap(),
            kind: RoomKind::Kitchen,
            area: AreaM2::parse(9.75).unwrap(),
            floor: Some(Floor::parse(-1).unwrap()),
            description: Some(RoomDescription::parse("  Open plan").unwrap()),
        }
    );
    assert_eq!(audit.actor_id, Some(UserId(OWNER)));
    assert_eq!(audit.action, Action::Create);
    assert_eq!(audit.at, now());
    assert_eq!(changed_fields(&audit.changes), ["area_m2", "description", "floor", "kind", "name"]);
    assert_eq!(change(&audit.changes, "name"), (FieldValue::Null, text("Kitchen")));
    assert_eq!(change(&audit.changes, "kind"), (FieldValue::Null, text("kitchen")));
    assert_eq!(change(&audit.changes, "area_m2"), (FieldValue::Null, FieldValue::Number(9.75)));
    assert_eq!(change(&audit.changes, "floor"), (FieldValue::Null, FieldValue::Integer(-1)));
    assert_eq!(change(&audit.changes, "description"), (FieldValue::Null, text("  Open plan")));
    assert_eq!(room.id, RoomId(72));
}

#[tokio::test]
async fn a_room_without_floor_nor_description_records_neither() {
    let mut mocks = PropertiesMocks::new().with_property(property());
    let captured = expect_add_room(&mut mocks);
    let properties = mocks.build();
    let input = RoomInput { floor: None, description: None, ..room_input() };

    properties.add_room(&actor(OWNER), PROPERTY_ID, None, input).await.unwrap();

    let (_, new, audit) = captured.only();
    assert_eq!((new.floor, new.description), (None, None));
    assert_eq!(changed_fields(&audit.changes), ["area_m2", "kind", "name"]);
}

#[tokio::test]
async fn admin_adds_a_room_to_any_property() {
    let mut mocks = PropertiesMocks::new().with_property(property());
    let captured = expect_add_room(&mut mocks);
    let properties = mocks.build();

    properties.add_room(&admin(ADMIN), PROPERTY_ID, Some(VERSION), room_input()).await.unwrap();

    assert_eq!(captured.only().2.actor_id, Some(UserId(ADMIN)));
}

#[tokio::test]
async fn an_invalid_room_is_reported_without_a_rooms_prefix() {
    let properties = PropertiesMocks::new().with_property(property()).forbid_writes().build();
    let input = RoomInput {
        name: String::new(),
        kind: "Kitchen".into(),
        area_m2: f64::NAN,
        floor: Some(-6),
        description: Some("x".repeat(1001)),
    };

    let result = properties.add_room(&actor(OWNER), PROPERTY_ID, None, input).await;

    assert_eq!(invalid_fields(result), ["name", "kind", "area_m2", "floor", "description"]);
}

#[tokio::test]
async fn a_property_holding_a_hundred_rooms_takes_no_more() {
    let full = property_with_rooms(i64::try_from(MAX_ROOMS_PER_PROPERTY).unwrap());
    let properties = PropertiesMocks::new().with_property(full).forbid_writes().build();

    let result = properties.add_room(&actor(OWNER), PROPERTY_ID, None, room_input()).await;

    assert!(matches!(result, Err(DomainError::Conflict(_))), "got {result:?}");
}

#[tokio::test]
async fn a_property_holding_ninety_nine_rooms_takes_one_more() {
    let mut mocks = PropertiesMocks::new().with_property(property_with_rooms(99));
    let captured = expect_add_room(&mut mocks);
    let properties = mocks.build();

    properties.add_room(&actor(OWNER), PROPERTY_ID, None, room_input()).await.unwrap();

    assert_eq!(captured.all().len(), 1);
}

#[tokio::test]
async fn stranger_cannot_add_a_room() {
    let properties = PropertiesMocks::new().with_property(property()).forbid_writes().build();

    let result = properties.add_room(&actor(STRANGER), PROPERTY_ID, None, room_input()).await;

    assert!(matches!(result, Err(DomainError::Forbidden(_))), "got {result:?}");
}

#[tokio::test]
async fn adding_a_room_to_a_missing_property_is_not_found() {
    let properties = PropertiesMocks::new().without_properties().forbid_writes().build();

    let result = properties.add_room(&actor(OWNER), PropertyId(404), None, room_input()).await;

    assert!(matches!(result, Err(DomainError::NotFound { resource: "property" })), "got {result:?}");
}

#[tokio::test]
async fn adding_a_room_with_a_stale_if_match_fails_the_precondition() {
    let properties = PropertiesMocks::new().with_property(property()).forbid_writes().build();

    let result = properties.add_room(&actor(OWNER), PROPERTY_ID, Some(Version(2)), room_input()).await;

    assert!(
        matches!(result, Err(DomainError::PreconditionFailed { expected: 2, current: 3 })),
        "got {result:?}"
    );
}

#[tokio::test]
async fn adding_an_invalid_room_with_a_stale_if_match_fails_the_precondition_first() {
    let properties = PropertiesMocks::new().with_property(property()).forbid_writes().build();
    let input = RoomInput { name: String::new(), ..room_input() };

    let result = properties.add_room(&actor(OWNER), PROPERTY_ID, Some(Version(2)), input).await;

    assert!(matches!(result, Err(DomainError::PreconditionFailed { .. })), "got {result:?}");
}

#[tokio::test]
async fn adding_a_room_without_if_match_retries_a_lost_race() {
    let mut mocks = PropertiesMocks::new();
    let mut seq = mockall::Sequence::new();
    for version in [3, 4] {
        mocks
            .properties
            .expect_find()
            .times(1)
            .in_sequence(&mut seq)
            .returning(move |_| Ok(Some(property_at(version))));
    }
    let expected_versions: Captured<Version> = Captured::default();
    let sink = expected_versions.clone();
    mocks.properties.expect_add_room().times(2).returning(move |_, expected, new, _| {
        sink.push(expected);
        if expected == VERSION {
            Err(DomainError::PreconditionFailed { expected: 3, current: 4 })
        } else {
            Ok(added(&new))
        }
    });
    let properties = mocks.build();

    properties.add_room(&actor(OWNER), PROPERTY_ID, None, room_input()).await.unwrap();

    assert_eq!(expected_versions.all(), [Version(3), Version(4)]);
}

// ======================================================================= update_room

fn expect_update_room(mocks: &mut PropertiesMocks) -> Captured<(Version, RoomUpdate, AuditEntry)> {
    let captured = Captured::default();
    let sink = captured.clone();
    mocks
        .properties
        .expect_update_room()
        .withf(|id, room_id, _, _, _| *id == PROPERTY_ID && *room_id == ROOM)
        .times(1)
        .returning(move |_, _, expected, update, audit| {
            sink.push((expected, update, audit));
            Ok(room(70, PROPERTY_ID))
        });
    captured
}

#[tokio::test]
async fn owner_edits_a_room() {
    let mut mocks = PropertiesMocks::new().with_property(property());
    let captured = expect_update_room(&mut mocks);
    let properties = mocks.build();
    let patch = RoomChanges {
        name: Some(" Study ".into()),
        kind: Some("office".into()),
        area_m2: Some(14.0),
        floor: Some(Some(3)),
        description: Some(Some("Quiet".into())),
    };

    properties.update_room(&actor(OWNER), PROPERTY_ID, ROOM, None, patch).await.unwrap();

    let (expected, update, audit) = captured.only();
    assert_eq!(expected, VERSION);
    assert_eq!(
        update,
        RoomUpdate {
            name: Some(RoomName::parse("Study").unwrap()),
            kind: Some(RoomKind::Office),
            area: Some(AreaM2::parse(14.0).unwrap()),
            floor: Some(Some(Floor::parse(3).unwrap())),
            description: Some(Some(RoomDescription::parse("Quiet").unwrap())),
        }
    );
    assert_eq!(audit.actor_id, Some(UserId(OWNER)));
    assert_eq!(audit.action, Action::Update);
    assert_eq!(audit.at, now());
    assert_eq!(changed_fields(&audit.changes), ["area_m2", "description", "floor", "kind", "name"]);
    assert_eq!(change(&audit.changes, "name"), (text("Room 70"), text("Study")));
    assert_eq!(change(&audit.changes, "kind"), (text("bedroom"), text("office")));
    assert_eq!(change(&audit.changes, "area_m2"), (FieldValue::Number(12.5), FieldValue::Number(14.0)));
    assert_eq!(change(&audit.changes, "floor"), (FieldValue::Integer(2), FieldValue::Integer(3)));
    assert_eq!(change(&audit.changes, "description"), (text("Facing the garden"), text("Quiet")));
}

#[tokio::test]
async fn only_the_room_fields_that_change_are_audited() {
    let mut mocks = PropertiesMocks::new().with_property(property());
    let captured = expect_update_room(&mut mocks);
    let properties = mocks.build();
    let patch = RoomChanges {
        name: Some("Room 70".into()),
        area_m2: Some(13.0),
        floor: Some(Some(2)),
        ..RoomChanges::default()
    };

    properties.update_room(&actor(OWNER), PROPERTY_ID, ROOM, None, patch).await.unwrap();

    let (_, _, audit) = captured.only();
    assert_eq!(changed_fields(&audit.changes), ["area_m2"]);
}

#[tokio::test]
async fn null_clears_the_floor_and_the_description_of_a_room() {
    let mut mocks = PropertiesMocks::new().with_property(property());
    let captured = expect_update_room(&mut mocks);
    let properties = mocks.build();
    let patch = RoomChanges { floor: Some(None), description: Some(None), ..RoomChanges::default() };

    properties.update_room(&actor(OWNER), PROPERTY_ID, ROOM, None, patch).await.unwrap();

    let (_, update, audit) = captured.only();
    assert_eq!(update, RoomUpdate { floor: Some(None), description: Some(None), ..RoomUpdate::default() });
    assert_eq!(changed_fields(&audit.changes), ["description", "floor"]);
    assert_eq!(change(&audit.changes, "floor"), (FieldValue::Integer(2), FieldValue::Null));
    assert_eq!(change(&audit.changes, "description"), (text("Facing the garden"), FieldValue::Null));
}

#[tokio::test]
async fn an_empty_room_patch_writes_nothing() {
    let properties = PropertiesMocks::new().with_property(property()).forbid_writes().build();

    let unchanged =
        properties.update_room(&actor(OWNER), PROPERTY_ID, ROOM, None, RoomChanges::default()).await.unwrap();

    assert_eq!(unchanged, room(70, PROPERTY_ID));
}

#[tokio::test]
async fn a_room_patch_repeating_the_current_values_writes_nothing() {
    let properties = PropertiesMocks::new().with_property(property()).forbid_writes().build();
    let patch = RoomChanges {
        name: Some("Room 70".into()),
        kind: Some("bedroom".into()),
        area_m2: Some(12.5),
        floor: Some(Some(2)),
        description: Some(Some("Facing the garden".into())),
    };

    let unchanged =
        properties.update_room(&actor(OWNER), PROPERTY_ID, ROOM, Some(VERSION), patch).await.unwrap();

    assert_eq!(unchanged, room(70, PROPERTY_ID));
}

#[tokio::test]
async fn admin_edits_a_room_of_any_property() {
    let mut mocks = PropertiesMocks::new().with_property(property());
    let captured = expect_update_room(&mut mocks);
    let properties = mocks.build();
    let patch = RoomChanges { name: Some("Moderated".into()), ..RoomChanges::default() };

    properties.update_room(&admin(ADMIN), PROPERTY_ID, ROOM, None, patch).await.unwrap();

    assert_eq!(captured.only().2.actor_id, Some(UserId(ADMIN)));
}

#[tokio::test]
async fn editing_a_missing_room_is_not_found() {
    let properties = PropertiesMocks::new().with_property(property()).forbid_writes().build();
    let patch = RoomChanges { name: Some("Study".into()), ..RoomChanges::default() };

    let result = properties.update_room(&actor(OWNER), PROPERTY_ID, RoomId(80), None, patch).await;

    assert!(matches!(result, Err(DomainError::NotFound { resource: "room" })), "got {result:?}");
}

#[tokio::test]
async fn editing_a_missing_room_with_an_invalid_body_is_not_found() {
    let properties = PropertiesMocks::new().with_property(property()).forbid_writes().build();
    let patch = RoomChanges { name: Some(String::new()), ..RoomChanges::default() };

    let result = properties.update_room(&actor(OWNER), PROPERTY_ID, RoomId(80), None, patch).await;

    assert!(
        matches!(result, Err(DomainError::NotFound { resource: "room" })),
        "404 before 422, got {result:?}"
    );
}

#[tokio::test]
async fn editing_a_room_of_a_missing_property_is_not_found() {
    let properties = PropertiesMocks::new().without_properties().forbid_writes().build();
    let patch = RoomChanges { name: Some("Study".into()), ..RoomChanges::default() };

    let result = properties.update_room(&actor(OWNER), PropertyId(404), ROOM, None, patch).await;

    assert!(matches!(result, Err(DomainError::NotFound { resource: "property" })), "got {result:?}");
}

#[tokio::test]
async fn invalid_room_fields_are_reported_and_nothing_is_written() {
    let properties = PropertiesMocks::new().with_property(property()).forbid_writes().build();
    let patch = RoomChanges {
        name: Some(" ".into()),
        kind: Some("attic".into()),
        area_m2: Some(10_000.5),
        floor: Some(Some(250)),
        description: Some(Some("x".repeat(1001))),
    };

    let result = properties.update_room(&actor(OWNER), PROPERTY_ID, ROOM, None, patch).await;

    assert_eq!(invalid_fields(result), ["name", "kind", "area_m2", "floor", "description"]);
}

#[tokio::test]
async fn stranger_cannot_edit_a_room() {
    let properties = PropertiesMocks::new().with_property(property()).forbid_writes().build();
    let patch = RoomChanges { name: Some("Mine".into()), ..RoomChanges::default() };

    let result = properties.update_room(&actor(STRANGER), PROPERTY_ID, ROOM, None, patch).await;

    assert!(matches!(result, Err(DomainError::Forbidden(_))), "got {result:?}");
}

#[tokio::test]
async fn editing_a_room_with_a_stale_if_match_fails_the_precondition() {
    let properties = PropertiesMocks::new().with_property(property()).forbid_writes().build();
    let patch = RoomChanges { name: Some("Study".into()), ..RoomChanges::default() };

    let result = properties.update_room(&actor(OWNER), PROPERTY_ID, ROOM, Some(Version(2)), patch).await;

    assert!(
        matches!(result, Err(DomainError::PreconditionFailed { expected: 2, current: 3 })),
        "got {result:?}"
    );
}

#[tokio::test]
async fn stranger_editing_a_missing_room_gets_not_found() {
    let properties = PropertiesMocks::new().with_property(property()).forbid_writes().build();
    let patch = RoomChanges { name: Some("Mine".into()), ..RoomChanges::default() };

    let result = properties.update_room(&actor(STRANGER), PROPERTY_ID, RoomId(80), None, patch).await;

    assert!(
        matches!(result, Err(DomainError::NotFound { resource: "room" })),
        "404 before 403, got {result:?}"
    );
}

#[tokio::test]
async fn editing_a_missing_room_with_a_stale_if_match_is_not_found() {
    let properties = PropertiesMocks::new().with_property(property()).forbid_writes().build();
    let patch = RoomChanges { name: Some("Study".into()), ..RoomChanges::default() };

    let result =
        properties.update_room(&actor(OWNER), PROPERTY_ID, RoomId(80), Some(Version(2)), patch).await;

    assert!(
        matches!(result, Err(DomainError::NotFound { resource: "room" })),
        "404 before 412, got {result:?}"
    );
}

// ======================================================================= remove_room

fn expect_remove_room(mocks: &mut PropertiesMocks) -> Captured<(Version, AuditEntry)> {
    let captured = Captured::default();
    let sink = captured.clone();
    mocks
        .properties
        .expect_remove_room()
        .withf(|id, room_id, _, _| *id == PROPERTY_ID && *room_id == ROOM)
        .times(1)
        .returning(move |_, _, expected, audit| {
            sink.push((expected, audit));
            Ok(())
        });
    captured
}

#[tokio::test]
async fn owner_removes_a_room() {
    let mut mocks = PropertiesMocks::new().with_property(property());
    let captured = expect_remove_room(&mut mocks);
    let properties = mocks.build();

    properties.remove_room(&actor(OWNER), PROPERTY_ID, ROOM, None).await.unwrap();

    let (expected, audit) = captured.only();
    assert_eq!(expected, VERSION);
    assert_eq!(audit.actor_id, Some(UserId(OWNER)));
    assert_eq!(audit.action, Action::Delete);
    assert_eq!(audit.at, now());
    assert_eq!(changed_fields(&audit.changes), ["area_m2", "kind", "name"]);
    assert_eq!(change(&audit.changes, "name"), (text("Room 70"), FieldValue::Null));
    assert_eq!(change(&audit.changes, "kind"), (text("bedroom"), FieldValue::Null));
    assert_eq!(change(&audit.changes, "area_m2"), (FieldValue::Number(12.5), FieldValue::Null));
}

#[tokio::test]
async fn admin_removes_a_room_of_any_property() {
    let mut mocks = PropertiesMocks::new().with_property(property());
    let captured = expect_remove_room(&mut mocks);
    let properties = mocks.build();

    properties.remove_room(&admin(ADMIN), PROPERTY_ID, ROOM, Some(VERSION)).await.unwrap();

    assert_eq!(captured.only().1.actor_id, Some(UserId(ADMIN)));
}

#[tokio::test]
async fn removing_a_missing_room_is_not_found() {
    let properties = PropertiesMocks::new().with_property(property()).forbid_writes().build();

    let result = properties.remove_room(&actor(OWNER), PROPERTY_ID, RoomId(80), None).await;

    assert!(matches!(result, Err(DomainError::NotFound { resource: "room" })), "got {result:?}");
}

#[tokio::test]
async fn removing_a_room_of_a_missing_property_is_not_found() {
    let properties = PropertiesMocks::new().without_properties().forbid_writes().build();

    let result = properties.remove_room(&actor(OWNER), PropertyId(404), ROOM, None).await;

    assert!(matches!(result, Err(DomainError::NotFound { resource: "property" })), "got {result:?}");
}

#[tokio::test]
async fn stranger_cannot_remove_a_room() {
    let properties = PropertiesMocks::new().with_property(property()).forbid_writes().build();

    let result = properties.remove_room(&actor(STRANGER), PROPERTY_ID, ROOM, None).await;

    assert!(matches!(result, Err(DomainError::Forbidden(_))), "got {result:?}");
}

#[tokio::test]
async fn removing_a_room_with_a_stale_if_match_fails_the_precondition() {
    let properties = PropertiesMocks::new().with_property(property()).forbid_writes().build();

    let result = properties.remove_room(&actor(OWNER), PROPERTY_ID, ROOM, Some(Version(2))).await;

    assert!(
        matches!(result, Err(DomainError::PreconditionFailed { expected: 2, current: 3 })),
        "got {result:?}"
    );
}

#[tokio::test]
async fn removing_a_room_with_if_match_that_loses_a_race_fails_the_precondition() {
    let mut mocks = PropertiesMocks::new().with_property(property());
    mocks
        .properties
        .expect_remove_room()
        .times(1)
        .returning(|_, _, _, _| Err(DomainError::PreconditionFailed { expected: 3, current: 4 }));
    let properties = mocks.build();

    let result = properties.remove_room(&actor(OWNER), PROPERTY_ID, ROOM, Some(VERSION)).await;

    assert!(matches!(result, Err(DomainError::PreconditionFailed { .. })), "got {result:?}");
}

#[tokio::test]
async fn stranger_removing_a_missing_room_gets_not_found() {
    let properties = PropertiesMocks::new().with_property(property()).forbid_writes().build();

    let result = properties.remove_room(&actor(STRANGER), PROPERTY_ID, RoomId(80), None).await;

    assert!(
        matches!(result, Err(DomainError::NotFound { resource: "room" })),
        "404 before 403, got {result:?}"
    );
}

#[tokio::test]
async fn removing_a_missing_room_with_a_stale_if_match_is_not_found() {
    let properties = PropertiesMocks::new().with_property(property()).forbid_writes().build();

    let result = properties.remove_room(&actor(OWNER), PROPERTY_ID, RoomId(80), Some(Version(2))).await;

    assert!(
        matches!(result, Err(DomainError::NotFound { resource: "room" })),
        "404 before 412, got {result:?}"
    );
}
