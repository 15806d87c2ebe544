//! Rooms: reads, and writes through the property's locked edit, in the
//! contract's check order (404 property, 404 room, 403, 412, 422), each
//! answering with the property's new version.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use realty_app::MAX_ROOMS_PER_PROPERTY;
use realty_domain::{
    Action, AreaM2, DomainError, Edit, FieldValue, Floor, NewRoom, Precondition, PropertyChange, RoomId,
    RoomKind, RoomName, RoomUpdate, UserId, Version,
};

// ======================================================================= reads

#[tokio::test]
async fn anyone_lists_the_rooms_of_a_property_with_its_version() {
    let properties = PropertiesMocks::new().with_property(property()).build();

    let (rooms, version) = properties.list_rooms(PROPERTY_ID).await.unwrap();

    assert_eq!(rooms, property().rooms);
    assert_eq!(version, VERSION);
}

#[tokio::test]
async fn anyone_reads_a_room_with_its_propertys_version() {
    let properties = PropertiesMocks::new().with_property(property()).build();

    let read = properties.get_room(PROPERTY_ID, RoomId(71)).await.unwrap();

    assert_eq!(read.room, room(71, PROPERTY_ID));
    assert_eq!(read.version, VERSION);
}

#[tokio::test]
async fn a_room_of_another_property_or_of_a_missing_one_is_not_found() {
    let found = PropertiesMocks::new().with_property(property()).build();
    let missing = PropertiesMocks::new().without_properties().build();

    let other_room = found.get_room(PROPERTY_ID, RoomId(12)).await;
    let no_property = missing.get_room(PROPERTY_ID, RoomId(70)).await;

    assert!(matches!(other_room, Err(DomainError::NotFound { resource: "room" })), "got {other_room:?}");
    assert!(
        matches!(no_property, Err(DomainError::NotFound { resource: "property" })),
        "got {no_property:?}"
    );
}

// ======================================================================= add

fn new_room() -> NewRoom {
    NewRoom {
        name: RoomName::parse("Kitchen").unwrap(),
        kind: RoomKind::Kitchen,
        area: AreaM2::parse(9.5).unwrap(),
        floor: Some(Floor::parse(0).unwrap()),
        description: None,
    }
}

#[tokio::test]
async fn owner_adds_a_room_and_learns_the_new_version() {
    let (properties, decisions) = PropertiesMocks::editing(property());

    let written = properties.add_room(&actor(OWNER), PROPERTY_ID, Precondition::None, Ok(new_room())).await;

    let (applied, audit) = decisions.applied();
    assert_eq!(applied, PropertyChange::AddRoom(new_room()));
    assert_eq!((audit.actor_id, audit.action, audit.at), (Some(UserId(OWNER)), Action::Create, now()));
    assert_eq!(changed_fields(&audit.changes), ["area_m2", "floor", "kind", "name"]);
    assert_eq!(change(&audit.changes, "floor"), (FieldValue::Null, FieldValue::Integer(0)));
    let written = written.unwrap();
    assert_eq!(written.room.id, RoomId(99));
    assert_eq!(written.room.name.as_str(), "Kitchen");
    assert_eq!(written.version, VERSION.next());
}

#[tokio::test]
async fn a_property_holding_the_maximum_of_rooms_takes_no_more() {
    let full = i64::try_from(MAX_ROOMS_PER_PROPERTY).unwrap();
    let (mocks, _) = PropertiesMocks::new().with_edit_of(property_with_rooms(full));
    let properties = mocks.build();

    let result = properties.add_room(&actor(OWNER), PROPERTY_ID, Precondition::None, Ok(new_room())).await;

    assert!(matches!(result, Err(DomainError::Conflict(_))), "got {result:?}");
}

#[tokio::test]
async fn a_property_one_room_short_of_the_maximum_takes_one_more() {
    let almost = i64::try_from(MAX_ROOMS_PER_PROPERTY - 1).unwrap();
    let (mocks, _) = PropertiesMocks::new().with_edit_of(property_with_rooms(almost));
    let properties = mocks.build();

    let result = properties.add_room(&actor(OWNER), PROPERTY_ID, Precondition::None, Ok(new_room())).await;

    assert!(result.is_ok(), "got {result:?}");
}

#[tokio::test]
async fn adding_a_room_checks_right_then_precondition_then_content() {
    let cases = [
        ("stranger", actor(STRANGER), Precondition::None, Ok(new_room()), "Forbidden"),
        (
            "stale",
            actor(OWNER),
            Precondition::OneOf(vec![Version(1)]),
            Err(parse_error("name")),
            "Precondition",
        ),
        ("invalid", actor(OWNER), Precondition::OneOf(vec![VERSION]), Err(parse_error("name")), "Invalid"),
    ];
    for (case, actor, precondition, room, expected) in cases {
        let (properties, _) = PropertiesMocks::editing(property());

        let result = properties.add_room(&actor, PROPERTY_ID, precondition, room).await;

        let error = format!("{:?}", result.expect_err(case));
        assert!(error.starts_with(expected), "{case}: got {error}");
    }
}

#[tokio::test]
async fn adding_a_room_to_a_missing_property_is_not_found() {
    let properties = PropertiesMocks::new().without_edits().build();

    let result = properties.add_room(&actor(OWNER), PROPERTY_ID, Precondition::None, Ok(new_room())).await;

    assert!(matches!(result, Err(DomainError::NotFound { resource: "property" })), "got {result:?}");
}

// ======================================================================= update

fn resize(area: f64) -> RoomUpdate {
    RoomUpdate { area: Some(AreaM2::parse(area).unwrap()), ..RoomUpdate::default() }
}

#[tokio::test]
async fn owner_edits_a_room_and_only_the_changed_fields_are_audited() {
    let (properties, decisions) = PropertiesMocks::editing(property());
    let update = RoomUpdate { kind: Some(RoomKind::Bedroom), ..resize(14.0) };

    let written = properties
        .update_room(&actor(OWNER), PROPERTY_ID, RoomId(71), Precondition::None, Ok(update.clone()))
        .await;

    let (applied, audit) = decisions.applied();
    assert_eq!(applied, PropertyChange::UpdateRoom(RoomId(71), update));
    assert_eq!(audit.action, Action::Update);
    assert_eq!(changed_fields(&audit.changes), ["area_m2"], "the kind was already bedroom");
    let written = written.unwrap();
    assert_eq!(written.room.area.value(), 14.0);
    assert_eq!(written.version, VERSION.next());
}

#[tokio::test]
async fn null_clears_the_floor_and_the_description_of_a_room() {
    let (properties, decisions) = PropertiesMocks::editing(property());
    let clear = RoomUpdate { floor: Some(None), description: Some(None), ..RoomUpdate::default() };

    let written = properties
        .update_room(&actor(OWNER), PROPERTY_ID, RoomId(70), Precondition::None, Ok(clear))
        .await
        .unwrap();

    let (_, audit) = decisions.applied();
    assert_eq!(change(&audit.changes, "floor"), (FieldValue::Integer(2), FieldValue::Null));
    assert_eq!(change(&audit.changes, "description"), (text("Facing the garden"), FieldValue::Null));
    assert_eq!((written.room.floor, written.room.description), (None, None));
}

#[tokio::test]
async fn a_room_patch_repeating_the_current_values_keeps_everything() {
    let (properties, decisions) = PropertiesMocks::editing(property());

    let written = properties
        .update_room(&actor(OWNER), PROPERTY_ID, RoomId(70), Precondition::None, Ok(resize(12.5)))
        .await;

    assert_eq!(decisions.only(), Ok(Edit::Keep));
    assert_eq!(written.unwrap().version, VERSION, "no version bump");
}

#[tokio::test]
async fn a_room_the_property_lacks_is_not_found_even_for_a_stranger() {
    let (properties, _) = PropertiesMocks::editing(property());

    let result = properties
        .update_room(&actor(STRANGER), PROPERTY_ID, RoomId(5), Precondition::None, Ok(resize(9.0)))
        .await;

    assert!(matches!(result, Err(DomainError::NotFound { resource: "room" })), "got {result:?}");
}

#[tokio::test]
async fn editing_a_room_checks_right_then_precondition_then_content() {
    let cases = [
        ("stranger", actor(STRANGER), Precondition::None, Err(parse_error("area_m2")), "Forbidden"),
        (
            "stale",
            actor(OWNER),
            Precondition::OneOf(vec![Version(1)]),
            Err(parse_error("area_m2")),
            "Precondition",
        ),
        ("invalid", actor(OWNER), Precondition::None, Err(parse_error("area_m2")), "Invalid"),
    ];
    for (case, actor, precondition, patch, expected) in cases {
        let (properties, _) = PropertiesMocks::editing(property());

        let result = properties.update_room(&actor, PROPERTY_ID, RoomId(70), precondition, patch).await;

        let error = format!("{:?}", result.expect_err(case));
        assert!(error.starts_with(expected), "{case}: got {error}");
    }
}

// ======================================================================= remove

#[tokio::test]
async fn owner_removes_a_room_and_learns_the_new_version() {
    let (properties, decisions) = PropertiesMocks::editing(property());

    let version = properties.remove_room(&actor(OWNER), PROPERTY_ID, RoomId(70), Precondition::None).await;

    let (applied, audit) = decisions.applied();
    assert_eq!(applied, PropertyChange::RemoveRoom(RoomId(70)));
    assert_eq!(audit.action, Action::Delete);
    assert_eq!(changed_fields(&audit.changes), ["area_m2", "kind", "name"]);
    assert_eq!(change(&audit.changes, "name"), (text("Room 70"), FieldValue::Null));
    assert_eq!(version.unwrap(), VERSION.next());
}

#[tokio::test]
async fn removing_a_room_checks_room_then_right_then_precondition() {
    let cases = [
        ("missing room", actor(STRANGER), RoomId(5), Precondition::None, "NotFound"),
        ("stranger", actor(STRANGER), RoomId(70), Precondition::OneOf(vec![Version(1)]), "Forbidden"),
        ("stale", actor(OWNER), RoomId(70), Precondition::OneOf(vec![Version(1)]), "Precondition"),
    ];
    for (case, actor, room, precondition, expected) in cases {
        let (properties, decisions) = PropertiesMocks::editing(property());

        let result = properties.remove_room(&actor, PROPERTY_ID, room, precondition).await;

        let error = format!("{:?}", result.expect_err(case));
        assert!(error.starts_with(expected), "{case}: got {error}");
        assert!(decisions.only().is_err(), "{case}: nothing decided");
    }
}
