//! `Database::bulk_insert_properties`, the load-test loader.

use realty_domain::ports::PropertyRepository;
use realty_domain::{DomainError, NewProperty, PropertyQuery, UserId};

use crate::fixture::{TestDb, contract_tests, new_property, query, register, room, words};

contract_tests!(
    bulk_insert_stores_properties_with_their_rooms_summaries_and_words,
    a_failed_bulk_batch_leaves_nothing_behind,
);

fn generated(owner: UserId, count: usize) -> Vec<NewProperty> {
    (0..count)
        .map(|index| {
            let rooms =
                (0..index % 5).map(|number| room(&format!("Room {number}"), 9.5 + number as f64)).collect();
            new_property(owner, &format!("Generated {index}"), "Rennes", "apartment", rooms)
        })
        .collect()
}

async fn bulk_insert_stores_properties_with_their_rooms_summaries_and_words(t: TestDb) {
    let owner = register(&t.db, "seed@example.com").await;
    // More than two batches of 500, the last one partial.
    let properties = generated(owner.id, 1_203);
    let expected_rooms: usize = properties.iter().map(|property| property.rooms.len()).sum();

    let inserted =
        t.db.bulk_insert_properties(properties.clone()).await.expect("the properties are inserted");

    assert_eq!(inserted, 1_203, "every property is counted");
    assert_eq!(t.count("SELECT COUNT(*) AS n FROM properties").await, 1_203, "every property is stored");
    assert_eq!(
        t.count("SELECT COUNT(*) AS n FROM rooms").await,
        expected_rooms as i64,
        "every room is stored"
    );
    assert_eq!(
        t.count("SELECT COUNT(*) AS n FROM audit_events WHERE resource <> 'user'").await,
        0,
        "no events"
    );
    let stale_counts = "SELECT COUNT(*) AS n FROM properties p \
                        WHERE p.room_count <> (SELECT COUNT(*) FROM rooms r WHERE r.property_id = p.id)";
    assert_eq!(t.count(stale_counts).await, 0, "room_count matches the rooms");
    let newest = PropertyRepository::list(&t.db, &query(10)).await.expect("the list runs");
    for (listed, given) in newest.items.iter().zip(properties.iter().rev()) {
        assert_eq!(listed.name, given.name, "ids follow the input order");
        let room_names: Vec<_> = listed.rooms.iter().map(|room| room.name.clone()).collect();
        let given_names: Vec<_> = given.rooms.iter().map(|room| room.name.clone()).collect();
        assert_eq!(room_names, given_names, "each property gets its own rooms");
        assert_eq!(t.stored_summary(listed.id).await, listed.summary(), "each property's summary is stored");
    }
    let by_word = PropertyQuery { words: words("generated 1202"), ..query(10) };
    let found = PropertyRepository::list(&t.db, &by_word).await.expect("the list runs");
    let names: Vec<&str> = found.items.iter().map(|property| property.name.as_str()).collect();
    assert_eq!(names, ["Generated 1202"], "the words of bulk properties are indexed");
}

async fn a_failed_bulk_batch_leaves_nothing_behind(t: TestDb) {
    let owner = register(&t.db, "seed@example.com").await;
    let mut properties = generated(owner.id, 3);
    properties[1] = new_property(owner.id, "Broken", "Rennes", "castle", vec![room("Hall", 50.0)]);

    let result = t.db.bulk_insert_properties(properties).await;

    assert!(
        matches!(&result, Err(DomainError::Invalid(errors)) if errors[0].field == "property_type"),
        "an unknown type is Invalid naming property_type: {result:?}"
    );
    assert_eq!(t.count("SELECT COUNT(*) AS n FROM properties").await, 0, "no property of the failed batch");
    assert_eq!(t.count("SELECT COUNT(*) AS n FROM rooms").await, 0, "no room of the failed batch");
    assert_eq!(t.count("SELECT COUNT(*) AS n FROM property_words").await, 0, "no word of the failed batch");
}
