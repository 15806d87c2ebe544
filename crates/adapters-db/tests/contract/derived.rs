//! Derived data (city keys, summaries, search words) recomputed by
//! `Database::migrate` when it was made by an older folding than the code's
//! (`derived_data.version` below `FOLDING_VERSION`).

use realty_domain::fold::FOLDING_VERSION;
use realty_domain::ports::{AuditLog, PropertyRepository, UserRepository};
use realty_domain::{CityKey, Description, Property, PropertyQuery, Role, RoomKind, UserQuery};

use crate::fixture::{
    TestDb, contract_tests, create, create_user, found, new_property, person, query, room, room_of, words,
};

contract_tests!(
    a_stale_folding_version_recomputes_keys_summaries_and_words_on_migrate,
    a_current_folding_version_recomputes_nothing_on_migrate,
    racing_migrations_recompute_stale_derived_data_and_both_succeed,
);

/// Makes the derived data stale (folding version 1) and wrong.
const CORRUPT: &str = "UPDATE derived_data SET version = 1; \
    UPDATE properties SET city_key = 'wrong', room_count = 0, bedroom_count = 0, total_area_m2 = 0, room_kinds = 0, word_signature_3 = 0, word_signature_4 = 0; \
    DELETE FROM property_words; \
    DELETE FROM user_words;";

async fn mill(t: &TestDb) -> Property {
    let owner = create_user(&t.db, person("elodie@example.com", "Élodie", "Martin", Role::User)).await;
    let mut new = new_property(
        owner.id,
        "Old mill",
        "Łódź",
        "house",
        vec![room("Bedroom", 10.0), room_of(RoomKind::Kitchen, "Kitchen", 5.5)],
    );
    new.description = Description::parse("Near the river").expect("a valid description");
    create(&t.db, new).await
}

/// The names the query finds.
async fn names(t: &TestDb, query: PropertyQuery) -> Vec<String> {
    let page = PropertyRepository::list(&t.db, &query).await.expect("the list runs");
    page.items.iter().map(|property| property.name.as_str().to_owned()).collect()
}

async fn folding_version(t: &TestDb) -> i64 {
    t.count("SELECT CAST(version AS BIGINT) AS n FROM derived_data WHERE name = 'folding'").await
}

async fn a_stale_folding_version_recomputes_keys_summaries_and_words_on_migrate(t: TestDb) {
    let property = mill(&t).await;
    let summary = t.stored_summary(property.id).await;
    let word_count = t.word_count(property.id).await;
    let history = AuditLog::property_history(&t.db, property.id).await.expect("the history reads");
    t.execute(CORRUPT).await;
    let by_city =
        PropertyQuery { cities: vec![CityKey::parse_filter("lodz").expect("a city filter")], ..query(10) };
    assert!(names(&t, by_city.clone()).await.is_empty(), "the corruption took: no city key matches");
    let by_words = PropertyQuery { words: words("riv mill"), ..query(10) };
    assert!(names(&t, by_words.clone()).await.is_empty(), "the corruption took: no word matches");

    t.db.migrate().await.expect("the migration runs again");

    assert_eq!(folding_version(&t).await, i64::from(FOLDING_VERSION), "the folding version is recorded");
    assert_eq!(
        names(&t, by_city).await,
        ["Old mill"],
        "a property in Łódź is found by the city key lodz again"
    );
    assert_eq!(t.stored_summary(property.id).await, summary, "the summary is recomputed");
    assert_eq!(t.stored_summary(property.id).await, property.summary(), "as the domain computes it");
    assert_eq!(t.word_count(property.id).await, word_count, "the words are indexed again");
    assert_eq!(names(&t, by_words).await, ["Old mill"], "found by its words (and word signature)");
    let has_kitchen =
        PropertyQuery { has: [RoomKind::Kitchen].into_iter().collect(), min_bedrooms: Some(1), ..query(10) };
    assert_eq!(names(&t, has_kitchen).await, ["Old mill"], "found by its room kinds and bedrooms");
    let directory =
        UserRepository::list(&t.db, &UserQuery { words: words("elo"), limit: 10, ..UserQuery::default() })
            .await
            .expect("the directory lists");
    assert_eq!(directory.items.len(), 1, "the user's words are indexed again");
    assert_eq!(found(&t.db, property.id).await, property, "version and updated_at are untouched");
    assert_eq!(
        AuditLog::property_history(&t.db, property.id).await.expect("the history reads"),
        history,
        "recomputing records no event"
    );
}

async fn a_current_folding_version_recomputes_nothing_on_migrate(t: TestDb) {
    let property = mill(&t).await;
    t.execute("UPDATE properties SET city_key = 'wrong'").await;

    t.db.migrate().await.expect("the migration runs again");

    let by_city =
        PropertyQuery { cities: vec![CityKey::parse_filter("wrong").expect("a city filter")], ..query(10) };
    assert_eq!(names(&t, by_city).await, ["Old mill"], "data made by the current folding is left alone");
    assert_eq!(found(&t.db, property.id).await, property, "the property is untouched");
}

async fn racing_migrations_recompute_stale_derived_data_and_both_succeed(t: TestDb) {
    let property = mill(&t).await;
    let generated = (0..40)
        .map(|index| {
            new_property(
                property.owner_id,
                &format!("Generated {index}"),
                "Łódź",
                "house",
                vec![room("Bedroom", 9.0)],
            )
        })
        .collect();
    t.db.bulk_insert_properties(generated).await.expect("the properties are inserted");
    t.execute(CORRUPT).await;
    let (first, second) = (t.connect_again().await, t.connect_again().await);

    let (a, b) = tokio::join!(first.migrate(), second.migrate());

    assert!(a.is_ok() && b.is_ok(), "both racing migrations succeed: {a:?} / {b:?}");
    assert_eq!(folding_version(&t).await, i64::from(FOLDING_VERSION), "the folding version is recorded");
    let lodz =
        PropertyQuery { cities: vec![CityKey::parse_filter("lodz").expect("a city filter")], ..query(100) };
    let page = PropertyRepository::list(&t.db, &lodz).await.expect("the list runs");
    assert_eq!(page.items.len(), 41, "every city key is recomputed");
    let stale = "SELECT COUNT(*) AS n FROM properties p \
                 WHERE p.room_count <> (SELECT COUNT(*) FROM rooms r WHERE r.property_id = p.id)";
    assert_eq!(t.count(stale).await, 0, "every room count is recomputed");
    let without_words = "SELECT COUNT(*) AS n FROM properties p \
                         WHERE NOT EXISTS (SELECT 1 FROM property_words w WHERE w.property_id = p.id)";
    assert_eq!(t.count(without_words).await, 0, "every property has its words again");
}
