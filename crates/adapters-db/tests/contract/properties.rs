//! `PropertyRepository::create` and `find` (edits have their own modules).

use realty_domain::ports::{AuditLog, PropertyRepository};
use realty_domain::{DomainError, Floor, PropertyId, PropertyQuery, RoomDescription, RoomKind, Version};

use crate::fixture::{
    TestDb, contract_tests, create, creation_audits, creation_trail, new_property, query, register, room,
    room_of, trail, words,
};

contract_tests!(
    creating_a_property_stores_it_with_its_rooms_in_creation_order,
    creating_a_property_records_one_event_for_it_and_one_per_room,
    creating_with_an_unknown_type_is_invalid_naming_property_type_and_writes_nothing,
    a_failed_room_insert_leaves_no_property_rooms_words_or_events_behind,
    finding_an_unknown_property_is_none,
    rooms_read_back_exactly_whatever_their_text_and_numbers,
);

async fn creating_a_property_stores_it_with_its_rooms_in_creation_order(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;
    let mut kitchen = room_of(RoomKind::Kitchen, "Kitchen", 8.25);
    kitchen.floor = Some(Floor::parse(-1).expect("a valid floor"));
    let new = new_property(
        owner.id,
        "  Sunny flat ",
        "Saint-Étienne",
        "apartment",
        vec![room("Bedroom", 12.1), kitchen],
    );
    let (entry, room_entries) = creation_audits(&new);

    let created = PropertyRepository::create(&t.db, new.clone(), entry, room_entries)
        .await
        .expect("the property is created");

    assert_eq!(created.name.as_str(), "Sunny flat", "the name is trimmed");
    assert_eq!(created.city.as_str(), "Saint-Étienne", "the city is kept as typed");
    assert_eq!(created.owner_id, owner.id, "the owner is the creator");
    assert_eq!(created.version, Version::INITIAL, "a new property is at version 1");
    assert_eq!(
        (created.created_at, created.updated_at),
        (new.at, new.at),
        "both instants are the creation's"
    );
    let rooms: Vec<(&str, RoomKind, f64)> =
        created.rooms.iter().map(|room| (room.name.as_str(), room.kind, room.area.value())).collect();
    assert_eq!(
        rooms,
        [("Bedroom", RoomKind::Bedroom, 12.1), ("Kitchen", RoomKind::Kitchen, 8.25)],
        "the rooms in the order given"
    );
    assert!(created.rooms.iter().all(|room| room.property_id == created.id), "every room is the property's");
    assert_eq!(created.rooms[1].floor.map(Floor::value), Some(-1), "a basement floor is kept");
    assert_eq!(t.property(created.id).await, Some(created), "find returns what create returned");
}

async fn creating_a_property_records_one_event_for_it_and_one_per_room(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;
    let new =
        new_property(owner.id, "House", "Lyon", "house", vec![room("Bedroom", 12.0), room("Study", 9.0)]);
    let (entry, room_entries) = creation_audits(&new);

    let created = PropertyRepository::create(&t.db, new, entry.clone(), room_entries)
        .await
        .expect("the property is created");

    let history = AuditLog::property_history(&t.db, created.id).await.expect("the history reads");
    assert_eq!(trail(&history), creation_trail(&created), "the property's event, then one per room in order");
    assert!(
        history.iter().all(|event| event.property_id == Some(created.id)),
        "every event is the property's"
    );
    assert!(history.iter().all(|event| event.actor_id == owner.id), "the creator is the actor of each");
    assert!(history.iter().all(|event| event.at == entry.at), "each at the creation's instant");
}

async fn creating_with_an_unknown_type_is_invalid_naming_property_type_and_writes_nothing(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;
    let new = new_property(owner.id, "Keep", "York", "castle", vec![room("Hall", 80.0), room("Tower", 20.0)]);
    let (entry, room_entries) = creation_audits(&new);

    let result = PropertyRepository::create(&t.db, new, entry, room_entries).await;

    assert!(
        matches!(&result, Err(DomainError::Invalid(errors)) if errors.len() == 1 && errors[0].field == "property_type"),
        "an unknown type is Invalid naming property_type: {result:?}"
    );
    assert_eq!(t.count("SELECT COUNT(*) AS n FROM properties").await, 0, "no property after an unknown type");
    assert_eq!(t.count("SELECT COUNT(*) AS n FROM rooms").await, 0, "no room after an unknown type");
    assert_eq!(t.count("SELECT COUNT(*) AS n FROM property_words").await, 0, "no word after an unknown type");
    assert_eq!(
        t.count("SELECT COUNT(*) AS n FROM audit_events WHERE resource <> 'user'").await,
        0,
        "no event after an unknown type"
    );
}

async fn a_failed_room_insert_leaves_no_property_rooms_words_or_events_behind(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;
    t.reject_rooms_named("Cursed cellar").await;
    let new = new_property(
        owner.id,
        "Haunted house",
        "Lyon",
        "house",
        vec![room("Bedroom", 12.0), room("Cursed cellar", 30.0)],
    );
    let (entry, room_entries) = creation_audits(&new);

    let result = PropertyRepository::create(&t.db, new, entry, room_entries).await;

    assert!(
        matches!(result, Err(DomainError::Internal(_))),
        "the rejected room fails the create: {result:?}"
    );
    assert_eq!(
        t.count("SELECT COUNT(*) AS n FROM properties").await,
        0,
        "the property insert is rolled back"
    );
    assert_eq!(t.count("SELECT COUNT(*) AS n FROM rooms").await, 0, "no room of the failed create stays");
    assert_eq!(
        t.count("SELECT COUNT(*) AS n FROM property_words").await,
        0,
        "no word of the failed create stays"
    );
    assert_eq!(
        t.count("SELECT COUNT(*) AS n FROM audit_events WHERE resource <> 'user'").await,
        0,
        "no event of the failed create stays"
    );
    let by_word = PropertyQuery { words: words("haunted"), ..query(10) };
    let search = PropertyRepository::list(&t.db, &by_word).await.expect("the list runs");
    assert!(search.items.is_empty(), "the failed property is not found by its words");
}

async fn finding_an_unknown_property_is_none(t: TestDb) {
    let found = PropertyRepository::find(&t.db, PropertyId(404)).await.expect("the find runs");

    assert_eq!(found, None, "an unknown id finds nothing");
}

/// A page reads a property's rooms as one JSON column the database builds:
/// text that JSON escapes (quotes, backslashes, slashes, characters beyond
/// the BMP) and doubles without a short decimal form must come back as
/// they were written, through `find` and through a page alike.
async fn rooms_read_back_exactly_whatever_their_text_and_numbers(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;
    let mut odd = room_of(RoomKind::Office, r#"Den "north" \ back/side 🏠 çà"#, 0.1 + 0.2);
    odd.floor = Some(Floor::parse(-5).expect("a valid floor"));
    odd.description = Some(RoomDescription::parse("Line one\nline two, tab\there and é").expect("valid"));
    let rooms = vec![odd, room("Tiny", 1e-7), room("Huge", 9_999.999_999_999_9), room("Plain", 12.0)];
    let created = create(&t.db, new_property(owner.id, "Odd rooms", "Lyon", "house", rooms)).await;

    let found = PropertyRepository::find(&t.db, created.id).await.expect("a read").expect("found");
    let page = PropertyRepository::list(&t.db, &query(10)).await.expect("a page");

    assert_eq!(found.rooms, created.rooms, "find");
    let listed = page.items.iter().find(|property| property.id == created.id).expect("on the page");
    assert_eq!(listed.rooms, created.rooms, "page");
    assert_eq!(found.rooms[0].area.value().to_bits(), (0.1_f64 + 0.2).to_bits(), "the exact double");
}
