//! `PropertyRepository`: the property itself (rooms have their own module).

use realty_domain::ports::{AuditLog, PropertyRepository};
use realty_domain::{
    Action, AuditEntry, Changes, City, CityKey, Description, DomainError, FieldError, PropertyFilter,
    PropertyId, PropertyName, PropertyUpdate, Resource, RoomKind, TypeSlug, Version,
};

use crate::fixture::{TestDb, at, audit, contract_tests, create_house, new_property, register, room};

contract_tests!(
    creates_a_property_with_its_rooms,
    unknown_type_is_invalid_and_writes_nothing,
    failed_room_insert_leaves_no_property_behind,
    unknown_property_is_none,
    update_changes_fields_bumps_version_and_records_changes,
    update_to_unknown_type_is_invalid_and_changes_nothing,
    stale_version_changes_nothing,
    update_of_missing_property_is_not_found,
    delete_removes_property_and_rooms_and_keeps_history,
    stale_delete_changes_nothing,
    delete_of_missing_property_is_not_found,
);

fn count_properties() -> &'static str {
    "SELECT COUNT(*) AS n FROM properties"
}

async fn creates_a_property_with_its_rooms(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;
    let mut kitchen = room("Kitchen", 8.25);
    kitchen.kind = RoomKind::Kitchen;
    kitchen.floor = Some(realty_domain::Floor::parse(-1).expect("valid"));
    let new = new_property(
        owner.id,
        "  Sunny flat ",
        "Saint-Étienne",
        "apartment",
        vec![room("Bedroom", 12.1), kitchen],
    );

    let created = PropertyRepository::create(&t.db, new.clone(), audit(Some(owner.id), Action::Create, 1))
        .await
        .expect("created");

    assert_eq!(created.name.as_str(), "Sunny flat");
    assert_eq!(created.city.as_str(), "Saint-Étienne");
    assert_eq!(created.owner_id, owner.id);
    assert_eq!(created.version, Version::INITIAL);
    assert_eq!((created.created_at, created.updated_at), (new.at, new.at));
    let rooms: Vec<(&str, RoomKind, f64)> =
        created.rooms.iter().map(|room| (room.name.as_str(), room.kind, room.area.value())).collect();
    assert_eq!(rooms, [("Bedroom", RoomKind::Bedroom, 12.1), ("Kitchen", RoomKind::Kitchen, 8.25)]);
    assert!(created.rooms.iter().all(|room| room.property_id == created.id));
    assert_eq!(created.rooms[1].floor.map(|floor| floor.value()), Some(-1));
    assert_eq!(PropertyRepository::find(&t.db, created.id).await.expect("runs"), Some(created.clone()));
    let history = AuditLog::property_history(&t.db, created.id).await.expect("history");
    assert_eq!(history.len(), 1);
    assert_eq!((history[0].action, history[0].resource), (Action::Create, Resource::Property));
    assert_eq!(history[0].resource_id, created.id.to_string());
    assert_eq!(history[0].property_id, Some(created.id));
    assert_eq!(history[0].actor_id, owner.id);
}

async fn unknown_type_is_invalid_and_writes_nothing(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;
    let new = new_property(owner.id, "Keep", "York", "castle", vec![room("Hall", 80.0), room("Tower", 20.0)]);

    let result = PropertyRepository::create(&t.db, new, audit(Some(owner.id), Action::Create, 1)).await;

    match result {
        Err(DomainError::Invalid(errors)) => {
            assert_eq!(errors, [FieldError::new("property_type", "unknown property type")]);
        }
        other => panic!("expected Invalid naming property_type, got {other:?}"),
    }
    assert_eq!(t.count(count_properties()).await, 0);
    assert_eq!(t.count("SELECT COUNT(*) AS n FROM rooms").await, 0);
    assert_eq!(t.count("SELECT COUNT(*) AS n FROM audit_events WHERE resource <> 'user'").await, 0);
}

async fn failed_room_insert_leaves_no_property_behind(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;
    t.reject_rooms_named("Cursed cellar").await;
    let new = new_property(
        owner.id,
        "House",
        "Lyon",
        "house",
        vec![room("Bedroom", 12.0), room("Cursed cellar", 30.0)],
    );

    let result = PropertyRepository::create(&t.db, new, audit(Some(owner.id), Action::Create, 1)).await;

    assert!(matches!(result, Err(DomainError::Internal(_))), "{result:?}");
    assert_eq!(t.count(count_properties()).await, 0, "the property insert is rolled back with its rooms");
    assert_eq!(t.count("SELECT COUNT(*) AS n FROM rooms").await, 0);
    assert_eq!(t.count("SELECT COUNT(*) AS n FROM audit_events WHERE resource <> 'user'").await, 0);
}

async fn unknown_property_is_none(t: TestDb) {
    let found = PropertyRepository::find(&t.db, PropertyId(404)).await.expect("runs");

    assert_eq!(found, None);
}

async fn update_changes_fields_bumps_version_and_records_changes(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;
    let house = create_house(&t.db, owner.id).await;
    let update = PropertyUpdate {
        name: Some(PropertyName::parse("Villa Rosa").expect("valid")),
        description: Some(Description::parse("").expect("valid")),
        property_type: Some(TypeSlug::parse("property_type", "villa").expect("valid")),
        city: Some(City::parse("Île-de-Ré").expect("valid")),
    };
    let mut changes = Changes::default();
    changes.record("name", "House", "Villa Rosa");
    changes.record("city", "Lyon", "Île-de-Ré");
    let entry =
        AuditEntry { at: at(30), actor_id: Some(owner.id), action: Action::Update, changes: changes.clone() };

    let updated = PropertyRepository::update(&t.db, house.id, house.version, update, entry.clone())
        .await
        .expect("updated");

    assert_eq!(updated.name.as_str(), "Villa Rosa");
    assert_eq!(updated.description.as_str(), "");
    assert_eq!(updated.property_type.as_str(), "villa");
    assert_eq!(updated.city.as_str(), "Île-de-Ré");
    assert_eq!(updated.version, Version(2));
    assert_eq!(updated.updated_at, entry.at);
    assert_eq!(updated.created_at, house.created_at);
    assert_eq!(updated.rooms, house.rooms, "rooms come along");
    assert_eq!(PropertyRepository::find(&t.db, house.id).await.expect("runs"), Some(updated.clone()));
    let by_new_city =
        PropertyFilter { city: Some(CityKey::normalise("ile de re")), limit: 10, ..Default::default() };
    let page = PropertyRepository::list(&t.db, &by_new_city).await.expect("listed");
    assert_eq!(page.items, [updated], "the city key follows the city");
    let history = AuditLog::property_history(&t.db, house.id).await.expect("history");
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].action, Action::Update);
    assert_eq!(history[1].at, entry.at);
    assert_eq!(history[1].changes, changes);
}

async fn update_to_unknown_type_is_invalid_and_changes_nothing(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;
    let house = create_house(&t.db, owner.id).await;
    let update = PropertyUpdate {
        name: Some(PropertyName::parse("Renamed").expect("valid")),
        property_type: Some(TypeSlug::parse("property_type", "castle").expect("well-formed")),
        ..PropertyUpdate::default()
    };

    let result = PropertyRepository::update(
        &t.db,
        house.id,
        house.version,
        update,
        audit(Some(owner.id), Action::Update, 5),
    )
    .await;

    assert!(
        matches!(&result, Err(DomainError::Invalid(errors)) if errors[0].field == "property_type"),
        "{result:?}"
    );
    assert_eq!(PropertyRepository::find(&t.db, house.id).await.expect("runs"), Some(house.clone()));
    assert_eq!(AuditLog::property_history(&t.db, house.id).await.expect("history").len(), 1);
}

async fn stale_version_changes_nothing(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;
    let house = create_house(&t.db, owner.id).await;
    let rename = |name: &str| PropertyUpdate {
        name: Some(PropertyName::parse(name).expect("valid")),
        ..PropertyUpdate::default()
    };
    let current = PropertyRepository::update(
        &t.db,
        house.id,
        house.version,
        rename("First"),
        audit(Some(owner.id), Action::Update, 5),
    )
    .await
    .expect("the first write wins");

    let result = PropertyRepository::update(
        &t.db,
        house.id,
        house.version,
        rename("Second"),
        audit(Some(owner.id), Action::Update, 6),
    )
    .await;

    assert!(matches!(result, Err(DomainError::PreconditionFailed { expected: 1, current: 2 })), "{result:?}");
    assert_eq!(PropertyRepository::find(&t.db, house.id).await.expect("runs"), Some(current));
    assert_eq!(
        AuditLog::property_history(&t.db, house.id).await.expect("history").len(),
        2,
        "no event for it"
    );
}

async fn update_of_missing_property_is_not_found(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;

    let result = PropertyRepository::update(
        &t.db,
        PropertyId(404),
        Version(1),
        PropertyUpdate::default(),
        audit(Some(owner.id), Action::Update, 5),
    )
    .await;

    assert!(matches!(result, Err(DomainError::NotFound { resource: "property" })), "{result:?}");
}

async fn delete_removes_property_and_rooms_and_keeps_history(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;
    let house = create_house(&t.db, owner.id).await;

    PropertyRepository::delete(&t.db, house.id, house.version, audit(Some(owner.id), Action::Delete, 7))
        .await
        .expect("deleted");

    assert_eq!(PropertyRepository::find(&t.db, house.id).await.expect("runs"), None);
    assert_eq!(t.count("SELECT COUNT(*) AS n FROM rooms").await, 0, "rooms cascade");
    let history = AuditLog::property_history(&t.db, house.id).await.expect("history");
    let actions: Vec<Action> = history.iter().map(|event| event.action).collect();
    assert_eq!(actions, [Action::Create, Action::Delete]);
}

async fn stale_delete_changes_nothing(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;
    let house = create_house(&t.db, owner.id).await;

    let result =
        PropertyRepository::delete(&t.db, house.id, Version(7), audit(Some(owner.id), Action::Delete, 7))
            .await;

    assert!(matches!(result, Err(DomainError::PreconditionFailed { expected: 7, current: 1 })), "{result:?}");
    assert_eq!(PropertyRepository::find(&t.db, house.id).await.expect("runs"), Some(house));
}

async fn delete_of_missing_property_is_not_found(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;

    let result = PropertyRepository::delete(
        &t.db,
        PropertyId(404),
        Version(1),
        audit(Some(owner.id), Action::Delete, 7),
    )
    .await;

    assert!(matches!(result, Err(DomainError::NotFound { resource: "property" })), "{result:?}");
}
