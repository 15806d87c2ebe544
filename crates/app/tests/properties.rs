//! Properties: creation, PATCH and DELETE in the contract's check order
//! (404, 403, 412, 422), optimistic concurrency, and the history.
#![allow(clippy::unwrap_used)]

mod common;

use chrono::Duration;
use common::*;
use realty_app::{MAX_ROOMS_PER_PROPERTY, PropertyChanges, PropertyInput, RoomInput};
use realty_domain::{
    Action, AuditEntry, AuditEvent, Changes, City, Description, DomainError, FieldValue, NewProperty,
    Property, PropertyId, PropertyName, PropertyUpdate, Resource, RoomKind, UserId, Version,
};

// ======================================================================= create

fn room_input(name: &str) -> RoomInput {
    RoomInput { name: name.into(), kind: "bedroom".into(), area_m2: 12.5, floor: Some(1), description: None }
}

fn new_property_input() -> PropertyInput {
    PropertyInput {
        name: "  Sunny flat ".into(),
        description: Some("Near the park".into()),
        property_type: "apartment".into(),
        city: " Lyon ".into(),
        rooms: vec![room_input("Master bedroom"), room_input("Kids")],
    }
}

/// Expects one insert, captured; answers it as property 7 at version 1.
fn expect_create(mocks: &mut PropertiesMocks) -> Captured<(NewProperty, AuditEntry)> {
    let captured = Captured::default();
    let sink = captured.clone();
    mocks.properties.expect_create().times(1).returning(move |new, audit| {
        sink.push((new.clone(), audit));
        Ok(Property { version: Version::INITIAL, ..property() })
    });
    captured
}

#[tokio::test]
async fn creating_a_property_makes_the_actor_its_owner() {
    let mut mocks = PropertiesMocks::new();
    let captured = expect_create(&mut mocks);
    let properties = mocks.build();

    let created = properties.create(&actor(5), new_property_input()).await.unwrap();

    let (new, _) = captured.only();
    assert_eq!(new.owner_id, UserId(5));
    assert_eq!(new.name.as_str(), "Sunny flat", "the name is trimmed");
    assert_eq!(new.description.as_str(), "Near the park");
    assert_eq!(new.property_type.as_str(), "apartment");
    assert_eq!(new.city.as_str(), "Lyon", "the city is trimmed");
    assert_eq!(new.at, now());
    assert_eq!(new.rooms.len(), 2);
    assert_eq!(new.rooms[0].name.as_str(), "Master bedroom");
    assert_eq!(new.rooms[0].kind, RoomKind::Bedroom);
    assert!((new.rooms[0].area.value() - 12.5).abs() < f64::EPSILON);
    assert_eq!(new.rooms[0].floor.map(|floor| floor.value()), Some(1));
    assert_eq!(new.rooms[1].name.as_str(), "Kids");
    assert_eq!(created.version, Version::INITIAL);
}

#[tokio::test]
async fn creating_a_property_records_a_create_event() {
    let mut mocks = PropertiesMocks::new();
    let captured = expect_create(&mut mocks);
    let properties = mocks.build();

    properties.create(&actor(5), new_property_input()).await.unwrap();

    let (_, audit) = captured.only();
    assert_eq!(audit.actor_id, Some(UserId(5)));
    assert_eq!(audit.action, Action::Create);
    assert_eq!(audit.at, now());
    assert_eq!(
        changed_fields(&audit.changes),
        ["city", "description", "name", "property_type", "room_count"]
    );
    assert_eq!(change(&audit.changes, "name"), (FieldValue::Null, text("Sunny flat")));
    assert_eq!(change(&audit.changes, "description"), (FieldValue::Null, text("Near the park")));
    assert_eq!(change(&audit.changes, "property_type"), (FieldValue::Null, text("apartment")));
    assert_eq!(change(&audit.changes, "city"), (FieldValue::Null, text("Lyon")));
    assert_eq!(change(&audit.changes, "room_count"), (FieldValue::Null, FieldValue::Integer(2)));
}

#[tokio::test]
async fn an_absent_description_is_stored_empty() {
    let mut mocks = PropertiesMocks::new();
    let captured = expect_create(&mut mocks);
    let properties = mocks.build();

    properties.create(&actor(5), PropertyInput { description: None, ..new_property_input() }).await.unwrap();

    let (new, audit) = captured.only();
    assert_eq!(new.description, Description::default());
    assert_eq!(new.description.as_str(), "");
    assert_eq!(change(&audit.changes, "description"), (FieldValue::Null, text("")));
}

#[tokio::test]
async fn a_property_may_be_created_without_rooms() {
    let mut mocks = PropertiesMocks::new();
    let captured = expect_create(&mut mocks);
    let properties = mocks.build();

    properties.create(&actor(5), PropertyInput { rooms: vec![], ..new_property_input() }).await.unwrap();

    let (new, audit) = captured.only();
    assert!(new.rooms.is_empty());
    assert_eq!(change(&audit.changes, "room_count"), (FieldValue::Null, FieldValue::Integer(0)));
}

#[tokio::test]
async fn a_property_may_be_created_with_a_hundred_rooms() {
    let mut mocks = PropertiesMocks::new();
    let captured = expect_create(&mut mocks);
    let properties = mocks.build();
    let rooms = vec![room_input("Cell"); MAX_ROOMS_PER_PROPERTY];

    properties.create(&actor(5), PropertyInput { rooms, ..new_property_input() }).await.unwrap();

    assert_eq!(captured.only().0.rooms.len(), 100);
}

#[tokio::test]
async fn more_than_a_hundred_inline_rooms_are_invalid() {
    let properties = PropertiesMocks::new().forbid_writes().build();
    let rooms = vec![room_input("Cell"); MAX_ROOMS_PER_PROPERTY + 1];

    let result = properties.create(&actor(5), PropertyInput { rooms, ..new_property_input() }).await;

    assert_eq!(invalid_fields(result), ["rooms"]);
}

#[tokio::test]
async fn invalid_inline_rooms_are_named_by_their_index() {
    let properties = PropertiesMocks::new().forbid_writes().build();
    let bad_room = RoomInput {
        name: " ".into(),
        kind: "dungeon".into(),
        area_m2: 0.0,
        floor: Some(201),
        description: Some("x".repeat(1001)),
    };
    let input = PropertyInput { rooms: vec![room_input("Fine"), bad_room], ..new_property_input() };

    let result = properties.create(&actor(5), input).await;

    assert_eq!(
        invalid_fields(result),
        ["rooms[1].name", "rooms[1].kind", "rooms[1].area_m2", "rooms[1].floor", "rooms[1].description"]
    );
}

#[tokio::test]
async fn every_invalid_property_field_is_reported_at_once() {
    let properties = PropertiesMocks::new().forbid_writes().build();
    let input = PropertyInput {
        name: "   ".into(),
        description: Some("d".repeat(5001)),
        property_type: "Flat!".into(),
        city: String::new(),
        rooms: vec![RoomInput { area_m2: -3.0, ..room_input("Hall") }],
    };

    let result = properties.create(&actor(5), input).await;

    assert_eq!(invalid_fields(result), ["name", "description", "property_type", "city", "rooms[0].area_m2"]);
}

#[tokio::test]
async fn an_unknown_property_type_is_reported_by_the_repository() {
    let mut mocks = PropertiesMocks::new();
    mocks
        .properties
        .expect_create()
        .times(1)
        .returning(|_, _| Err(DomainError::invalid("property_type", "unknown property type")));
    let properties = mocks.build();

    let result = properties
        .create(&actor(5), PropertyInput { property_type: "castle".into(), ..new_property_input() })
        .await;

    assert_eq!(invalid_fields(result), ["property_type"]);
}

// ======================================================================= update

fn rename(name: &str) -> PropertyChanges {
    PropertyChanges { name: Some(name.into()), ..PropertyChanges::default() }
}

/// Expects one conditional update of property 7, captured; answers the
/// property at the next version.
fn expect_update(mocks: &mut PropertiesMocks) -> Captured<(Version, PropertyUpdate, AuditEntry)> {
    let captured = Captured::default();
    let sink = captured.clone();
    mocks.properties.expect_update().withf(|id, _, _, _| *id == PROPERTY_ID).times(1).returning(
        move |_, expected, update, audit| {
            sink.push((expected, update.clone(), audit));
            let mut updated = Property { version: expected.next(), ..property() };
            if let Some(name) = update.name {
                updated.name = name;
            }
            Ok(updated)
        },
    );
    captured
}

#[tokio::test]
async fn owner_edits_their_property() {
    let mut mocks = PropertiesMocks::new().with_property(property());
    let captured = expect_update(&mut mocks);
    let properties = mocks.build();

    let updated = properties.update(&actor(OWNER), PROPERTY_ID, None, rename(" Bright flat ")).await.unwrap();

    let (expected, update, audit) = captured.only();
    assert_eq!(expected, VERSION, "the write is conditional on the version read");
    assert_eq!(
        update,
        PropertyUpdate {
            name: Some(PropertyName::parse("Bright flat").unwrap()),
            ..PropertyUpdate::default()
        }
    );
    assert_eq!(audit.actor_id, Some(UserId(OWNER)));
    assert_eq!(audit.action, Action::Update);
    assert_eq!(audit.at, now());
    assert_eq!(changed_fields(&audit.changes), ["name"]);
    assert_eq!(change(&audit.changes, "name"), (text("Sunny flat"), text("Bright flat")));
    assert_eq!(updated.name.as_str(), "Bright flat");
    assert_eq!(updated.version, VERSION.next());
}

#[tokio::test]
async fn every_field_of_a_property_can_be_edited_at_once() {
    let mut mocks = PropertiesMocks::new().with_property(property());
    let captured = expect_update(&mut mocks);
    let properties = mocks.build();
    let patch = PropertyChanges {
        name: Some("Loft".into()),
        description: Some(String::new()),
        property_type: Some("loft".into()),
        city: Some(" Saint-Étienne ".into()),
    };

    properties.update(&actor(OWNER), PROPERTY_ID, None, patch).await.unwrap();

    let (_, update, audit) = captured.only();
    assert_eq!(
        update,
        PropertyUpdate {
            name: Some(PropertyName::parse("Loft").unwrap()),
            description: Some(Description::default()),
            property_type: Some(slug("loft")),
            city: Some(City::parse("Saint-Étienne").unwrap()),
        }
    );
    assert_eq!(changed_fields(&audit.changes), ["city", "description", "name", "property_type"]);
    assert_eq!(change(&audit.changes, "description"), (text("Near the park"), text("")));
    assert_eq!(change(&audit.changes, "property_type"), (text("apartment"), text("loft")));
    assert_eq!(change(&audit.changes, "city"), (text("Lyon"), text("Saint-Étienne")));
}

#[tokio::test]
async fn only_the_fields_that_change_are_audited() {
    let mut mocks = PropertiesMocks::new().with_property(property());
    let captured = expect_update(&mut mocks);
    let properties = mocks.build();
    let patch = PropertyChanges {
        name: Some("Sunny flat".into()),
        city: Some("Paris".into()),
        ..PropertyChanges::default()
    };

    properties.update(&actor(OWNER), PROPERTY_ID, None, patch).await.unwrap();

    let (_, _, audit) = captured.only();
    assert_eq!(changed_fields(&audit.changes), ["city"]);
    assert_eq!(change(&audit.changes, "city"), (text("Lyon"), text("Paris")));
}

#[tokio::test]
async fn an_empty_patch_writes_nothing_and_keeps_the_version() {
    let properties = PropertiesMocks::new().with_property(property()).forbid_writes().build();

    let unchanged =
        properties.update(&actor(OWNER), PROPERTY_ID, None, PropertyChanges::default()).await.unwrap();

    assert_eq!(unchanged, property());
    assert_eq!(unchanged.version, VERSION);
}

#[tokio::test]
async fn a_patch_repeating_the_current_values_writes_nothing() {
    let properties = PropertiesMocks::new().with_property(property()).forbid_writes().build();
    let patch = PropertyChanges {
        name: Some(" Sunny flat".into()),
        description: Some("Near the park".into()),
        property_type: Some("apartment".into()),
        city: Some("Lyon ".into()),
    };

    let unchanged = properties.update(&actor(OWNER), PROPERTY_ID, Some(VERSION), patch).await.unwrap();

    assert_eq!(unchanged.version, VERSION);
}

#[tokio::test]
async fn admin_edits_any_property() {
    let mut mocks = PropertiesMocks::new().with_property(property());
    let captured = expect_update(&mut mocks);
    let properties = mocks.build();

    properties.update(&admin(ADMIN), PROPERTY_ID, None, rename("Moderated")).await.unwrap();

    assert_eq!(captured.only().2.actor_id, Some(UserId(ADMIN)));
}

#[tokio::test]
async fn stranger_cannot_edit_a_property() {
    let properties = PropertiesMocks::new().with_property(property()).forbid_writes().build();

    let result = properties.update(&actor(STRANGER), PROPERTY_ID, None, rename("Mine now")).await;

    assert!(matches!(result, Err(DomainError::Forbidden(_))), "got {result:?}");
}

#[tokio::test]
async fn editing_a_missing_property_is_not_found_whoever_asks() {
    for who in [actor(STRANGER), admin(ADMIN)] {
        let properties = PropertiesMocks::new().without_properties().forbid_writes().build();

        let result = properties.update(&who, PropertyId(404), Some(Version(1)), rename("")).await;

        assert!(
            matches!(result, Err(DomainError::NotFound { resource: "property" })),
            "{who:?}: got {result:?}"
        );
    }
}

#[tokio::test]
async fn a_stale_if_match_fails_the_precondition_and_changes_nothing() {
    let properties = PropertiesMocks::new().with_property(property()).forbid_writes().build();

    let result = properties.update(&actor(OWNER), PROPERTY_ID, Some(Version(2)), rename("Bright flat")).await;

    assert!(
        matches!(result, Err(DomainError::PreconditionFailed { expected: 2, current: 3 })),
        "got {result:?}"
    );
}

#[tokio::test]
async fn a_current_if_match_lets_the_edit_through() {
    let mut mocks = PropertiesMocks::new().with_property(property());
    let captured = expect_update(&mut mocks);
    let properties = mocks.build();

    properties.update(&actor(OWNER), PROPERTY_ID, Some(VERSION), rename("Bright flat")).await.unwrap();

    assert_eq!(captured.only().0, VERSION);
}

#[tokio::test]
async fn invalid_property_fields_are_reported_and_nothing_is_written() {
    let properties = PropertiesMocks::new().with_property(property()).forbid_writes().build();
    let patch = PropertyChanges {
        name: Some(String::new()),
        description: Some("d".repeat(5001)),
        property_type: Some("Not a slug".into()),
        city: Some("  ".into()),
    };

    let result = properties.update(&actor(OWNER), PROPERTY_ID, None, patch).await;

    assert_eq!(invalid_fields(result), ["name", "description", "property_type", "city"]);
}

#[tokio::test]
async fn a_stale_if_match_wins_over_an_invalid_body() {
    let properties = PropertiesMocks::new().with_property(property()).forbid_writes().build();

    let result = properties.update(&actor(OWNER), PROPERTY_ID, Some(Version(1)), rename("")).await;

    assert!(matches!(result, Err(DomainError::PreconditionFailed { .. })), "412 before 422, got {result:?}");
}

#[tokio::test]
async fn a_stranger_with_an_invalid_body_is_forbidden() {
    let properties = PropertiesMocks::new().with_property(property()).forbid_writes().build();

    let result = properties.update(&actor(STRANGER), PROPERTY_ID, Some(Version(1)), rename("")).await;

    assert!(matches!(result, Err(DomainError::Forbidden(_))), "403 before 412 and 422, got {result:?}");
}

#[tokio::test]
async fn an_unknown_type_in_a_patch_is_reported_by_the_repository() {
    let mut mocks = PropertiesMocks::new().with_property(property());
    mocks
        .properties
        .expect_update()
        .times(1)
        .returning(|_, _, _, _| Err(DomainError::invalid("property_type", "unknown property type")));
    let properties = mocks.build();
    let patch = PropertyChanges { property_type: Some("castle".into()), ..PropertyChanges::default() };

    let result = properties.update(&actor(OWNER), PROPERTY_ID, None, patch).await;

    assert_eq!(invalid_fields(result), ["property_type"]);
}

/// `find` answers version 3, then 4, then 5…: each read sees the write that
/// beat the previous attempt.
fn with_racing_versions(mocks: &mut PropertiesMocks, reads: usize) {
    let mut seq = mockall::Sequence::new();
    for read in 0..reads {
        let version = VERSION.0 + i64::try_from(read).unwrap();
        mocks
            .properties
            .expect_find()
            .times(1)
            .in_sequence(&mut seq)
            .returning(move |_| Ok(Some(property_at(version))));
    }
}

fn lost_race(expected: Version) -> DomainError {
    DomainError::PreconditionFailed { expected: expected.0, current: expected.0 + 1 }
}

#[tokio::test]
async fn an_edit_without_if_match_that_loses_a_race_is_retried_on_a_fresh_read() {
    let mut mocks = PropertiesMocks::new();
    with_racing_versions(&mut mocks, 2);
    let expected_versions: Captured<Version> = Captured::default();
    let sink = expected_versions.clone();
    mocks.properties.expect_update().times(2).returning(move |_, expected, _, _| {
        sink.push(expected);
        if expected == VERSION { Err(lost_race(expected)) } else { Ok(property_at(expected.next().0)) }
    });
    let properties = mocks.build();

    let updated = properties.update(&actor(OWNER), PROPERTY_ID, None, rename("Bright flat")).await.unwrap();

    assert_eq!(expected_versions.all(), [Version(3), Version(4)]);
    assert_eq!(updated.version, Version(5));
}

#[tokio::test]
async fn an_edit_with_if_match_that_loses_a_race_fails_the_precondition() {
    let mut mocks = PropertiesMocks::new();
    with_racing_versions(&mut mocks, 1);
    mocks.properties.expect_update().times(1).returning(|_, expected, _, _| Err(lost_race(expected)));
    let properties = mocks.build();

    let result = properties.update(&actor(OWNER), PROPERTY_ID, Some(VERSION), rename("Bright flat")).await;

    assert!(
        matches!(result, Err(DomainError::PreconditionFailed { expected: 3, current: 4 })),
        "got {result:?}"
    );
}

#[tokio::test]
async fn too_many_lost_races_in_a_row_end_in_a_conflict() {
    let mut mocks = PropertiesMocks::new();
    with_racing_versions(&mut mocks, realty_app::WRITE_ATTEMPTS);
    mocks
        .properties
        .expect_update()
        .times(realty_app::WRITE_ATTEMPTS)
        .returning(|_, expected, _, _| Err(lost_race(expected)));
    let properties = mocks.build();

    let result = properties.update(&actor(OWNER), PROPERTY_ID, None, rename("Bright flat")).await;

    assert!(matches!(result, Err(DomainError::Conflict(_))), "got {result:?}");
}

// ======================================================================= delete

fn expect_delete(mocks: &mut PropertiesMocks) -> Captured<(Version, AuditEntry)> {
    let captured = Captured::default();
    let sink = captured.clone();
    mocks.properties.expect_delete().withf(|id, _, _| *id == PROPERTY_ID).times(1).returning(
        move |_, expected, audit| {
            sink.push((expected, audit));
            Ok(())
        },
    );
    captured
}

#[tokio::test]
async fn owner_deletes_their_property() {
    let mut mocks = PropertiesMocks::new().with_property(property());
    let captured = expect_delete(&mut mocks);
    let properties = mocks.build();

    properties.delete(&actor(OWNER), PROPERTY_ID, None).await.unwrap();

    let (expected, audit) = captured.only();
    assert_eq!(expected, VERSION);
    assert_eq!(audit.actor_id, Some(UserId(OWNER)));
    assert_eq!(audit.action, Action::Delete);
    assert_eq!(audit.at, now());
    assert_eq!(changed_fields(&audit.changes), ["city", "name", "property_type"]);
    assert_eq!(change(&audit.changes, "name"), (text("Sunny flat"), FieldValue::Null));
    assert_eq!(change(&audit.changes, "property_type"), (text("apartment"), FieldValue::Null));
    assert_eq!(change(&audit.changes, "city"), (text("Lyon"), FieldValue::Null));
}

#[tokio::test]
async fn admin_deletes_any_property() {
    let mut mocks = PropertiesMocks::new().with_property(property());
    let captured = expect_delete(&mut mocks);
    let properties = mocks.build();

    properties.delete(&admin(ADMIN), PROPERTY_ID, None).await.unwrap();

    assert_eq!(captured.only().1.actor_id, Some(UserId(ADMIN)));
}

#[tokio::test]
async fn stranger_cannot_delete_a_property() {
    let properties = PropertiesMocks::new().with_property(property()).forbid_writes().build();

    let result = properties.delete(&actor(STRANGER), PROPERTY_ID, None).await;

    assert!(matches!(result, Err(DomainError::Forbidden(_))), "got {result:?}");
}

#[tokio::test]
async fn stranger_with_a_stale_if_match_is_forbidden_not_precondition_failed() {
    let properties = PropertiesMocks::new().with_property(property()).forbid_writes().build();

    let result = properties.delete(&actor(STRANGER), PROPERTY_ID, Some(Version(1))).await;

    assert!(matches!(result, Err(DomainError::Forbidden(_))), "got {result:?}");
}

#[tokio::test]
async fn deleting_a_missing_property_is_not_found() {
    let properties = PropertiesMocks::new().without_properties().forbid_writes().build();

    let result = properties.delete(&actor(STRANGER), PropertyId(404), None).await;

    assert!(matches!(result, Err(DomainError::NotFound { resource: "property" })), "got {result:?}");
}

#[tokio::test]
async fn a_delete_with_a_stale_if_match_fails_the_precondition_and_deletes_nothing() {
    let properties = PropertiesMocks::new().with_property(property()).forbid_writes().build();

    let result = properties.delete(&actor(OWNER), PROPERTY_ID, Some(Version(2))).await;

    assert!(
        matches!(result, Err(DomainError::PreconditionFailed { expected: 2, current: 3 })),
        "got {result:?}"
    );
}

#[tokio::test]
async fn a_delete_with_a_current_if_match_goes_through() {
    let mut mocks = PropertiesMocks::new().with_property(property());
    let captured = expect_delete(&mut mocks);
    let properties = mocks.build();

    properties.delete(&actor(OWNER), PROPERTY_ID, Some(VERSION)).await.unwrap();

    assert_eq!(captured.only().0, VERSION);
}

#[tokio::test]
async fn a_delete_without_if_match_that_loses_a_race_is_retried() {
    let mut mocks = PropertiesMocks::new();
    with_racing_versions(&mut mocks, 2);
    let expected_versions: Captured<Version> = Captured::default();
    let sink = expected_versions.clone();
    mocks.properties.expect_delete().times(2).returning(move |_, expected, _| {
        sink.push(expected);
        if expected == VERSION { Err(lost_race(expected)) } else { Ok(()) }
    });
    let properties = mocks.build();

    properties.delete(&actor(OWNER), PROPERTY_ID, None).await.unwrap();

    assert_eq!(expected_versions.all(), [Version(3), Version(4)]);
}

#[tokio::test]
async fn a_delete_with_if_match_that_loses_a_race_fails_the_precondition() {
    let mut mocks = PropertiesMocks::new();
    with_racing_versions(&mut mocks, 1);
    mocks.properties.expect_delete().times(1).returning(|_, expected, _| Err(lost_race(expected)));
    let properties = mocks.build();

    let result = properties.delete(&actor(OWNER), PROPERTY_ID, Some(VERSION)).await;

    assert!(matches!(result, Err(DomainError::PreconditionFailed { .. })), "got {result:?}");
}

#[tokio::test]
async fn too_many_lost_delete_races_end_in_a_conflict() {
    let mut mocks = PropertiesMocks::new();
    with_racing_versions(&mut mocks, realty_app::WRITE_ATTEMPTS);
    mocks
        .properties
        .expect_delete()
        .times(realty_app::WRITE_ATTEMPTS)
        .returning(|_, expected, _| Err(lost_race(expected)));
    let properties = mocks.build();

    let result = properties.delete(&actor(OWNER), PROPERTY_ID, None).await;

    assert!(matches!(result, Err(DomainError::Conflict(_))), "got {result:?}");
}

#[tokio::test]
async fn a_property_deleted_between_read_and_write_is_not_found() {
    let mut mocks = PropertiesMocks::new().with_property(property());
    mocks
        .properties
        .expect_delete()
        .times(1)
        .returning(|_, _, _| Err(DomainError::NotFound { resource: "property" }));
    let properties = mocks.build();

    let result = properties.delete(&actor(OWNER), PROPERTY_ID, None).await;

    assert!(matches!(result, Err(DomainError::NotFound { .. })), "got {result:?}");
}

// ======================================================================= history

fn event(id: i64) -> AuditEvent {
    AuditEvent {
        id,
        at: now() - Duration::days(10 - id),
        actor_id: UserId(OWNER),
        action: Action::Create,
        resource: Resource::Property,
        resource_id: PROPERTY_ID.to_string(),
        property_id: Some(PROPERTY_ID),
        changes: Changes::default(),
    }
}

fn with_history(mocks: &mut PropertiesMocks) {
    mocks
        .audit
        .expect_property_history()
        .withf(|id| *id == PROPERTY_ID)
        .times(1)
        .returning(|_| Ok(vec![event(1), event(2)]));
}

#[tokio::test]
async fn owner_reads_the_history_of_their_property() {
    let mut mocks = PropertiesMocks::new().with_property(property());
    with_history(&mut mocks);
    let properties = mocks.build();

    let history = properties.history(&actor(OWNER), PROPERTY_ID).await.unwrap();

    assert_eq!(history, [event(1), event(2)]);
}

#[tokio::test]
async fn admin_reads_the_history_of_any_property() {
    let mut mocks = PropertiesMocks::new().with_property(property());
    with_history(&mut mocks);
    let properties = mocks.build();

    let history = properties.history(&admin(ADMIN), PROPERTY_ID).await.unwrap();

    assert_eq!(history.len(), 2);
}

#[tokio::test]
async fn stranger_cannot_read_the_history_of_a_property() {
    let mut mocks = PropertiesMocks::new().with_property(property());
    mocks.audit.expect_property_history().never();
    let properties = mocks.build();

    let result = properties.history(&actor(STRANGER), PROPERTY_ID).await;

    assert!(matches!(result, Err(DomainError::Forbidden(_))), "got {result:?}");
}

#[tokio::test]
async fn the_history_of_a_missing_property_is_not_found() {
    let mut mocks = PropertiesMocks::new().without_properties();
    mocks.audit.expect_property_history().never();
    let properties = mocks.build();

    let result = properties.history(&admin(ADMIN), PropertyId(404)).await;

    assert!(matches!(result, Err(DomainError::NotFound { resource: "property" })), "got {result:?}");
}
