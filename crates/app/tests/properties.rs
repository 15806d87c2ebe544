//! Properties: creation, PATCH and DELETE in the contract's check order
//! (404, 403, 412, 422), decided on the property as the locked edit hands it
//! over, and the history.
#![allow(clippy::unwrap_used)]

mod common;

use chrono::Duration;
use common::*;
use realty_app::NewPropertyCommand;
use realty_domain::{
    Action, AreaM2, AuditEntry, AuditEvent, Changes, City, Description, DomainError, Edit, FieldValue,
    NewProperty, NewRoom, Page, Precondition, Property, PropertyChange, PropertyName, PropertyQuery,
    PropertyUpdate, Resource, ResourceId, RoomKind, RoomName, Sort, UserId, Version,
};

// ======================================================================= list and get

#[tokio::test]
async fn listing_passes_the_query_to_the_repository_as_given() {
    let mut mocks = PropertiesMocks::new();
    let query = PropertyQuery { limit: 5, sort: Sort::parse("total_area_m2").unwrap(), ..Default::default() };
    let expected = query.clone();
    mocks
        .properties
        .expect_list()
        .withf(move |asked| *asked == expected)
        .times(1)
        .returning(|_| Ok(Page { items: vec![property()], more: true }));
    let properties = mocks.build();

    let page = properties.list(query).await.unwrap();

    assert_eq!(page, Page { items: vec![property()], more: true });
}

#[tokio::test]
async fn a_missing_property_is_not_found() {
    let properties = PropertiesMocks::new().without_properties().build();

    let result = properties.get(PROPERTY_ID).await;

    assert!(matches!(result, Err(DomainError::NotFound { resource: "property" })), "got {result:?}");
}

// ======================================================================= create

fn new_room(name: &str) -> NewRoom {
    NewRoom {
        name: RoomName::parse(name).unwrap(),
        kind: RoomKind::Bedroom,
        area: AreaM2::parse(12.5).unwrap(),
        floor: None,
        description: None,
    }
}

fn command() -> NewPropertyCommand {
    NewPropertyCommand {
        name: PropertyName::parse("Sunny flat").unwrap(),
        description: Description::parse("Near the park").unwrap(),
        property_type: slug("apartment"),
        city: City::parse("Lyon").unwrap(),
        rooms: vec![new_room("Master bedroom"), new_room("Kids")],
    }
}

/// Expects one insert, captured; answers it as property 7 at version 1.
fn expect_create(mocks: &mut PropertiesMocks) -> Captured<(NewProperty, AuditEntry, Vec<AuditEntry>)> {
    let captured = Captured::default();
    let sink = captured.clone();
    mocks.properties.expect_create().times(1).returning(move |new, audit, rooms| {
        sink.push((new, audit, rooms));
        Ok(Property { version: Version::INITIAL, ..property() })
    });
    captured
}

#[tokio::test]
async fn creating_a_property_makes_the_actor_its_owner() {
    let mut mocks = PropertiesMocks::new();
    let captured = expect_create(&mut mocks);
    let properties = mocks.build();

    let created = properties.create(&actor(5), command()).await.unwrap();

    let (new, _, _) = captured.only();
    assert_eq!(new.owner_id, UserId(5));
    assert_eq!(new.name.as_str(), "Sunny flat");
    assert_eq!(new.at, now());
    assert_eq!(new.rooms, command().rooms);
    assert_eq!(created.version, Version::INITIAL);
}

#[tokio::test]
async fn creating_a_property_records_a_create_event_for_it_and_for_each_room() {
    let mut mocks = PropertiesMocks::new();
    let captured = expect_create(&mut mocks);
    let properties = mocks.build();

    properties.create(&actor(5), command()).await.unwrap();

    let (_, audit, rooms) = captured.only();
    assert_eq!((audit.actor_id, audit.action, audit.at), (Some(UserId(5)), Action::Create, now()));
    assert_eq!(changed_fields(&audit.changes), ["city", "description", "name", "property_type"]);
    assert_eq!(change(&audit.changes, "name"), (FieldValue::Null, text("Sunny flat")));
    assert_eq!(rooms.len(), 2, "one event per room");
    for (room, name) in rooms.iter().zip(["Master bedroom", "Kids"]) {
        assert_eq!((room.actor_id, room.action, room.at), (Some(UserId(5)), Action::Create, now()));
        assert_eq!(changed_fields(&room.changes), ["area_m2", "kind", "name"]);
        assert_eq!(change(&room.changes, "name"), (FieldValue::Null, text(name)));
        assert_eq!(change(&room.changes, "area_m2"), (FieldValue::Null, FieldValue::Number(12.5)));
    }
}

#[tokio::test]
async fn a_property_may_be_created_without_rooms() {
    let mut mocks = PropertiesMocks::new();
    let captured = expect_create(&mut mocks);
    let properties = mocks.build();

    properties.create(&actor(5), NewPropertyCommand { rooms: vec![], ..command() }).await.unwrap();

    let (new, _, rooms) = captured.only();
    assert!(new.rooms.is_empty() && rooms.is_empty());
}

#[tokio::test]
async fn an_unknown_property_type_is_reported_by_the_repository() {
    let mut mocks = PropertiesMocks::new();
    mocks
        .properties
        .expect_create()
        .returning(|_, _, _| Err(DomainError::invalid("property_type", "unknown property type")));
    let properties = mocks.build();

    let result = properties.create(&actor(5), command()).await;

    assert_eq!(invalid_fields(result), ["property_type"]);
}

// ======================================================================= update

fn rename(to: &str) -> PropertyUpdate {
    PropertyUpdate { name: Some(PropertyName::parse(to).unwrap()), ..PropertyUpdate::default() }
}

#[tokio::test]
async fn owner_edits_their_property() {
    let (properties, decisions) = PropertiesMocks::editing(property());

    let updated =
        properties.update(&actor(OWNER), PROPERTY_ID, Precondition::None, Ok(rename("Bright flat"))).await;

    let (applied, audit) = decisions.applied();
    assert_eq!(applied, PropertyChange::Update(rename("Bright flat")));
    assert_eq!((audit.actor_id, audit.action, audit.at), (Some(UserId(OWNER)), Action::Update, now()));
    assert_eq!(changed_fields(&audit.changes), ["name"]);
    assert_eq!(change_of(&audit, "name"), (text("Sunny flat"), text("Bright flat")));
    let updated = updated.unwrap();
    assert_eq!(updated.name.as_str(), "Bright flat");
    assert_eq!(updated.version, VERSION.next());
}

fn change_of(audit: &AuditEntry, field: &str) -> (FieldValue, FieldValue) {
    change(&audit.changes, field)
}

#[tokio::test]
async fn every_field_of_a_property_can_be_edited_at_once_and_each_is_audited() {
    let (properties, decisions) = PropertiesMocks::editing(property());
    let update = PropertyUpdate {
        name: Some(PropertyName::parse("Loft").unwrap()),
        description: Some(Description::parse("").unwrap()),
        property_type: Some(slug("loft")),
        city: Some(City::parse("Saint-Étienne").unwrap()),
    };

    properties.update(&actor(OWNER), PROPERTY_ID, Precondition::None, Ok(update)).await.unwrap();

    let (_, audit) = decisions.applied();
    assert_eq!(changed_fields(&audit.changes), ["city", "description", "name", "property_type"]);
    assert_eq!(change_of(&audit, "city"), (text("Lyon"), text("Saint-Étienne")));
    assert_eq!(change_of(&audit, "description"), (text("Near the park"), text("")));
}

#[tokio::test]
async fn a_patch_repeating_the_current_values_keeps_the_property_as_it_is() {
    let (properties, decisions) = PropertiesMocks::editing(property());
    let same = PropertyUpdate { city: Some(City::parse("Lyon").unwrap()), ..rename("Sunny flat") };

    let unchanged =
        properties.update(&actor(OWNER), PROPERTY_ID, Precondition::None, Ok(same)).await.unwrap();

    assert_eq!(decisions.only(), Ok(Edit::Keep));
    assert_eq!(unchanged, property(), "no version bump");
}

#[tokio::test]
async fn an_empty_patch_keeps_the_property_as_it_is() {
    let (properties, decisions) = PropertiesMocks::editing(property());

    let result =
        properties.update(&actor(OWNER), PROPERTY_ID, Precondition::None, Ok(Default::default())).await;

    assert_eq!(decisions.only(), Ok(Edit::Keep));
    assert_eq!(result.unwrap().version, VERSION);
}

#[tokio::test]
async fn admin_edits_any_property() {
    let (properties, decisions) = PropertiesMocks::editing(property());

    properties.update(&admin(ADMIN), PROPERTY_ID, Precondition::None, Ok(rename("Moderated"))).await.unwrap();

    assert_eq!(decisions.applied().1.actor_id, Some(UserId(ADMIN)));
}

#[tokio::test]
async fn stranger_cannot_edit_a_property() {
    let (properties, decisions) = PropertiesMocks::editing(property());

    let result =
        properties.update(&actor(STRANGER), PROPERTY_ID, Precondition::None, Ok(rename("Mine"))).await;

    assert!(matches!(result, Err(DomainError::Forbidden(_))), "got {result:?}");
    assert!(decisions.only().is_err(), "nothing was decided to change");
}

#[tokio::test]
async fn editing_a_missing_property_is_not_found_whoever_asks() {
    let properties = PropertiesMocks::new().without_edits().build();

    for actor in [actor(STRANGER), admin(ADMIN)] {
        let result = properties.update(&actor, PROPERTY_ID, Precondition::None, Ok(rename("x"))).await;

        assert!(matches!(result, Err(DomainError::NotFound { resource: "property" })), "got {result:?}");
    }
}

#[tokio::test]
async fn a_precondition_naming_no_current_version_fails_and_changes_nothing() {
    for stale in [Precondition::OneOf(vec![Version(2)]), Precondition::OneOf(vec![])] {
        let (properties, decisions) = PropertiesMocks::editing(property());

        let result = properties.update(&actor(OWNER), PROPERTY_ID, stale.clone(), Ok(rename("x"))).await;

        assert!(
            matches!(result, Err(DomainError::PreconditionFailed { current: 3 })),
            "{stale:?}: got {result:?}"
        );
        assert!(decisions.only().is_err(), "{stale:?}: nothing decided");
    }
}

#[tokio::test]
async fn a_precondition_listing_the_current_version_or_any_lets_the_edit_through() {
    for current in [
        Precondition::OneOf(vec![VERSION]),
        Precondition::OneOf(vec![Version(1), VERSION, Version(9)]),
        Precondition::Any,
    ] {
        let (properties, decisions) = PropertiesMocks::editing(property());

        let result = properties.update(&actor(OWNER), PROPERTY_ID, current.clone(), Ok(rename("x"))).await;

        assert!(result.is_ok(), "{current:?}: got {result:?}");
        assert!(matches!(decisions.applied().0, PropertyChange::Update(_)), "{current:?}");
    }
}

#[tokio::test]
async fn parse_errors_come_after_the_precondition_and_the_right() {
    let cases = [
        ("stale If-Match", actor(OWNER), Precondition::OneOf(vec![Version(1)]), "PreconditionFailed"),
        ("stranger", actor(STRANGER), Precondition::None, "Forbidden"),
        ("owner, current version", actor(OWNER), Precondition::OneOf(vec![VERSION]), "Invalid"),
    ];
    for (case, actor, precondition, expected) in cases {
        let (properties, _) = PropertiesMocks::editing(property());

        let result = properties.update(&actor, PROPERTY_ID, precondition, Err(parse_error("name"))).await;

        let error = format!("{:?}", result.expect_err(case));
        assert!(error.starts_with(expected), "{case}: got {error}");
    }
}

#[tokio::test]
async fn an_unknown_type_in_a_patch_is_reported_by_the_repository() {
    let mut mocks = PropertiesMocks::new();
    mocks
        .properties
        .expect_edit()
        .returning(|_, _| Err(DomainError::invalid("property_type", "unknown property type")));
    let properties = mocks.build();
    let update = PropertyUpdate { property_type: Some(slug("castle")), ..PropertyUpdate::default() };

    let result = properties.update(&actor(OWNER), PROPERTY_ID, Precondition::None, Ok(update)).await;

    assert_eq!(invalid_fields(result), ["property_type"]);
}

// ======================================================================= delete

#[tokio::test]
async fn owner_deletes_their_property_with_an_event_naming_what_went() {
    let (properties, decisions) = PropertiesMocks::editing(property());

    properties.delete(&actor(OWNER), PROPERTY_ID, Precondition::None).await.unwrap();

    let (applied, audit) = decisions.applied();
    assert_eq!(applied, PropertyChange::Delete);
    assert_eq!((audit.actor_id, audit.action), (Some(UserId(OWNER)), Action::Delete));
    assert_eq!(changed_fields(&audit.changes), ["city", "name", "property_type"]);
    assert_eq!(change_of(&audit, "name"), (text("Sunny flat"), FieldValue::Null));
}

#[tokio::test]
async fn admin_deletes_any_property() {
    let (properties, decisions) = PropertiesMocks::editing(property());

    properties.delete(&admin(ADMIN), PROPERTY_ID, Precondition::None).await.unwrap();

    assert_eq!(decisions.applied().1.actor_id, Some(UserId(ADMIN)));
}

#[tokio::test]
async fn stranger_with_a_stale_if_match_is_forbidden_not_precondition_failed() {
    let (properties, _) = PropertiesMocks::editing(property());

    let result =
        properties.delete(&actor(STRANGER), PROPERTY_ID, Precondition::OneOf(vec![Version(1)])).await;

    assert!(matches!(result, Err(DomainError::Forbidden(_))), "got {result:?}");
}

#[tokio::test]
async fn a_delete_with_a_stale_if_match_fails_the_precondition() {
    let (properties, decisions) = PropertiesMocks::editing(property());

    let result = properties.delete(&actor(OWNER), PROPERTY_ID, Precondition::OneOf(vec![Version(1)])).await;

    assert!(matches!(result, Err(DomainError::PreconditionFailed { current: 3 })), "got {result:?}");
    assert!(decisions.only().is_err());
}

#[tokio::test]
async fn deleting_a_missing_property_is_not_found() {
    let properties = PropertiesMocks::new().without_edits().build();

    let result = properties.delete(&actor(OWNER), PROPERTY_ID, Precondition::None).await;

    assert!(matches!(result, Err(DomainError::NotFound { resource: "property" })), "got {result:?}");
}

// ======================================================================= history

fn event(id: i64) -> AuditEvent {
    AuditEvent {
        id,
        at: now() - Duration::days(10 - id),
        actor_id: UserId(OWNER),
        action: Action::Create,
        resource: Resource::Property,
        resource_id: ResourceId::Number(PROPERTY_ID.0),
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
async fn owner_and_admin_read_the_history_of_a_property() {
    for reader in [actor(OWNER), admin(ADMIN)] {
        let mut mocks = PropertiesMocks::new().with_property(property());
        with_history(&mut mocks);
        let properties = mocks.build();

        let history = properties.history(&reader, PROPERTY_ID).await.unwrap();

        assert_eq!(history, [event(1), event(2)], "{reader:?}");
    }
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

    let result = properties.history(&admin(ADMIN), PROPERTY_ID).await;

    assert!(matches!(result, Err(DomainError::NotFound { resource: "property" })), "got {result:?}");
}

// ======================================================================= decided again

/// The repository decides again when its first attempt lost its connection
/// (see `Decide`): each time on the property it hands over. Here another
/// writer made the same rename in between, so the second decision keeps.
#[tokio::test]
async fn a_decision_run_again_decides_on_the_property_it_is_given() {
    let mut mocks = PropertiesMocks::new();
    let renamed = Property { name: PropertyName::parse("Renamed meanwhile").unwrap(), ..property() };
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = std::sync::Arc::clone(&seen);
    mocks.properties.expect_edit().times(1).returning(move |_, decide| {
        let mut seen = sink.lock().unwrap();
        seen.push(decide(&property())?);
        seen.push(decide(&renamed)?);
        Ok(realty_domain::Edited { property: Some(renamed.clone()), room: None })
    });
    let properties = mocks.build();

    properties
        .update(&actor(OWNER), PROPERTY_ID, Precondition::None, Ok(rename("Renamed meanwhile")))
        .await
        .unwrap();

    let seen = seen.lock().unwrap();
    assert!(matches!(seen[0], Edit::Apply { .. }), "the first attempt renames: {:?}", seen[0]);
    assert_eq!(seen[1], Edit::Keep, "the second sees the rename done");
}
