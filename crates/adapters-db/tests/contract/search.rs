//! `PropertyRepository::list`: the filters of DESIGN §4.1, alone and
//! combined, and the word index kept in step with names and descriptions.

use realty_domain::ports::PropertyRepository;
use realty_domain::{
    Action, CityKey, Description, Property, PropertyChange, PropertyName, PropertyQuery, PropertyUpdate,
    RoomKind, RoomKinds, UserId,
};

use crate::fixture::{
    TestDb, apply, at, audit, contract_tests, create, new_property, query, register, room, room_of, slug,
    words,
};

contract_tests!(
    the_city_filter_ignores_case_accents_and_separators,
    each_filter_alone_keeps_only_its_matches,
    the_area_bounds_are_inclusive_at_two_decimals,
    filters_combine_with_and,
    words_match_prefixes_of_folded_words_of_the_name_or_description,
    a_rename_replaces_the_words_of_the_old_name_and_description,
    deleting_a_property_removes_its_words,
    words_are_probed_only_where_the_stored_signature_allows_and_an_uncomputed_one_allows_all,
    nothing_matching_is_an_empty_last_page,
);

/// The five properties of the filter tests, created one minute apart in
/// this order (so the default order is the reverse).
struct Catalogue {
    ada: UserId,
    bob: UserId,
}

async fn catalogue(t: &TestDb) -> Catalogue {
    let ada = register(&t.db, "ada@example.com").await.id;
    let bob = register(&t.db, "bob@example.com").await.id;
    let kitchen = |area| room_of(RoomKind::Kitchen, "Kitchen", area);
    let bathroom = |area| room_of(RoomKind::Bathroom, "Bathroom", area);
    let listings = [
        // 2 rooms, 1 bedroom, 20.3 m², bedroom + kitchen.
        (
            ada,
            "Sunny flat near the PARK",
            "Quiet street",
            "Paris",
            "apartment",
            vec![room("Bedroom", 12.1), kitchen(8.2)],
        ),
        // 4 rooms, 2 bedrooms, 35 m², bedroom + kitchen + bathroom.
        (
            bob,
            "Old mill",
            "Ten minutes from Łódź station",
            "Łódź",
            "house",
            vec![room("Bedroom", 10.0), room("Bedroom", 11.0), bathroom(5.0), kitchen(9.0)],
        ),
        // 1 room, no bedroom, 20.31 m², living room.
        (ada, "Studio", "", "Lyon", "studio", vec![room_of(RoomKind::LivingRoom, "Main room", 20.31)]),
        // No rooms.
        (bob, "Parking spot", "Underground", "  PARIS ", "parking", Vec::new()),
        // 3 rooms, 1 bedroom, 55 m², bedroom + bathroom + kitchen.
        (
            bob,
            "Sunset villa",
            "Sea view",
            "Nice",
            "villa",
            vec![room("Bedroom", 30.0), bathroom(10.0), kitchen(15.0)],
        ),
    ];
    for (minute, (owner, name, description, city, property_type, rooms)) in (1..).zip(listings) {
        let mut new = new_property(owner, name, city, property_type, rooms);
        new.description = Description::parse(description).expect("a valid description");
        new.at = at(minute);
        create(&t.db, new).await;
    }
    Catalogue { ada, bob }
}

async fn names(t: &TestDb, query: &PropertyQuery) -> Vec<String> {
    let page = PropertyRepository::list(&t.db, query).await.expect("the list runs");
    page.items.iter().map(|property| property.name.as_str().to_owned()).collect()
}

fn kinds(list: &[RoomKind]) -> RoomKinds {
    list.iter().copied().collect()
}

fn city(raw: &str) -> CityKey {
    CityKey::parse_filter(raw).expect("a valid city filter")
}

async fn the_city_filter_ignores_case_accents_and_separators(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;
    for (minute, (name, city)) in (1..).zip([
        ("Centre", "Saint-Étienne"),
        ("Suburb", "  SAINT  étienne "),
        ("Elsewhere", "Saint-Étienne-de-Tinée"),
        ("Lyon", "Lyon"),
    ]) {
        let mut new = new_property(owner.id, name, city, "house", vec![room("Bedroom", 10.0)]);
        new.at = at(minute);
        create(&t.db, new).await;
    }

    for typed in ["saint etienne", "Saint-Etienne", "SAINT--ÉTIENNE", "saint_étienne"] {
        let filter = PropertyQuery { cities: vec![city(typed)], ..query(10) };

        let found = names(&t, &filter).await;

        assert_eq!(found, ["Suburb", "Centre"], "the city filter {typed:?}");
    }
}

async fn each_filter_alone_keeps_only_its_matches(t: TestDb) {
    let Catalogue { ada, .. } = catalogue(&t).await;
    let all = query(10);
    let cases: Vec<(&str, PropertyQuery, Vec<&str>)> = vec![
        (
            "no filter",
            all.clone(),
            vec!["Sunset villa", "Parking spot", "Studio", "Old mill", "Sunny flat near the PARK"],
        ),
        (
            "one city",
            PropertyQuery { cities: vec![city("paris")], ..all.clone() },
            vec!["Parking spot", "Sunny flat near the PARK"],
        ),
        (
            "two cities, OR",
            PropertyQuery { cities: vec![city("Paris"), city("lodz")], ..all.clone() },
            vec!["Parking spot", "Old mill", "Sunny flat near the PARK"],
        ),
        ("an unknown city", PropertyQuery { cities: vec![city("Atlantis")], ..all.clone() }, vec![]),
        ("one type", PropertyQuery { types: vec![slug("house")], ..all.clone() }, vec!["Old mill"]),
        (
            "two types, OR",
            PropertyQuery { types: vec![slug("house"), slug("villa")], ..all.clone() },
            vec!["Sunset villa", "Old mill"],
        ),
        ("an unknown type", PropertyQuery { types: vec![slug("castle")], ..all.clone() }, vec![]),
        (
            "owner",
            PropertyQuery { owner: Some(ada), ..all.clone() },
            vec!["Studio", "Sunny flat near the PARK"],
        ),
        ("min rooms", PropertyQuery { min_rooms: Some(3), ..all.clone() }, vec!["Sunset villa", "Old mill"]),
        ("max rooms", PropertyQuery { max_rooms: Some(1), ..all.clone() }, vec!["Parking spot", "Studio"]),
        (
            "min and max rooms",
            PropertyQuery { min_rooms: Some(2), max_rooms: Some(3), ..all.clone() },
            vec!["Sunset villa", "Sunny flat near the PARK"],
        ),
        (
            "room bounds beyond any count",
            PropertyQuery { min_rooms: Some(0), max_rooms: Some(u32::MAX), ..all.clone() },
            vec!["Sunset villa", "Parking spot", "Studio", "Old mill", "Sunny flat near the PARK"],
        ),
        ("a minimum beyond any count", PropertyQuery { min_rooms: Some(u32::MAX), ..all.clone() }, vec![]),
        ("min bedrooms", PropertyQuery { min_bedrooms: Some(2), ..all.clone() }, vec!["Old mill"]),
        (
            "one bedroom at least",
            PropertyQuery { min_bedrooms: Some(1), ..all.clone() },
            vec!["Sunset villa", "Old mill", "Sunny flat near the PARK"],
        ),
        (
            "has two kinds, both required",
            PropertyQuery { has: kinds(&[RoomKind::Bathroom, RoomKind::Kitchen]), ..all.clone() },
            vec!["Sunset villa", "Old mill"],
        ),
        (
            "has two kinds no property has together",
            PropertyQuery { has: kinds(&[RoomKind::Bathroom, RoomKind::LivingRoom]), ..all.clone() },
            vec![],
        ),
        (
            "has a living room",
            PropertyQuery { has: kinds(&[RoomKind::LivingRoom]), ..all.clone() },
            vec!["Studio"],
        ),
        (
            "updated since, inclusive",
            PropertyQuery { updated_since: Some(at(3)), ..all.clone() },
            vec!["Sunset villa", "Parking spot", "Studio"],
        ),
        ("updated since a later instant", PropertyQuery { updated_since: Some(at(6)), ..all }, vec![]),
    ];

    for (case, filter, expected) in cases {
        let found = names(&t, &filter).await;

        assert_eq!(found, expected, "filter: {case}");
    }
}

async fn the_area_bounds_are_inclusive_at_two_decimals(t: TestDb) {
    catalogue(&t).await;
    let all = query(10);
    let cases: Vec<(&str, PropertyQuery, Vec<&str>)> = vec![
        (
            "min 20.3 keeps 12.1 + 8.2",
            PropertyQuery { min_area: Some(20.3), ..all.clone() },
            vec!["Sunset villa", "Studio", "Old mill", "Sunny flat near the PARK"],
        ),
        (
            "min 20.301 drops 20.3",
            PropertyQuery { min_area: Some(20.301), ..all.clone() },
            vec!["Sunset villa", "Studio", "Old mill"],
        ),
        (
            "max 20.3 keeps 20.3 and no rooms",
            PropertyQuery { max_area: Some(20.3), ..all.clone() },
            vec!["Parking spot", "Sunny flat near the PARK"],
        ),
        (
            "max 20.31 keeps 20.31",
            PropertyQuery { max_area: Some(20.31), ..all.clone() },
            vec!["Parking spot", "Studio", "Sunny flat near the PARK"],
        ),
        (
            "20.3 to 20.31",
            PropertyQuery { min_area: Some(20.3), max_area: Some(20.31), ..all.clone() },
            vec!["Studio", "Sunny flat near the PARK"],
        ),
        ("exactly 35", PropertyQuery { min_area: Some(35.0), max_area: Some(35.0), ..all }, vec!["Old mill"]),
    ];

    for (case, filter, expected) in cases {
        let found = names(&t, &filter).await;

        assert_eq!(found, expected, "area filter: {case}");
    }
}

async fn filters_combine_with_and(t: TestDb) {
    let Catalogue { ada, bob } = catalogue(&t).await;
    let all = query(10);
    let cases: Vec<(&str, PropertyQuery, Vec<&str>)> = vec![
        (
            "city, two types and a room minimum",
            PropertyQuery {
                cities: vec![city("paris")],
                types: vec![slug("apartment"), slug("parking")],
                min_rooms: Some(1),
                ..all.clone()
            },
            vec!["Sunny flat near the PARK"],
        ),
        (
            "owner, kind and word",
            PropertyQuery {
                owner: Some(bob),
                has: kinds(&[RoomKind::Kitchen]),
                words: words("sun"),
                ..all.clone()
            },
            vec!["Sunset villa"],
        ),
        (
            "owner and area",
            PropertyQuery { owner: Some(ada), min_area: Some(20.31), ..all.clone() },
            vec!["Studio"],
        ),
        (
            "bedrooms, bathroom and updated since",
            PropertyQuery {
                min_bedrooms: Some(1),
                has: kinds(&[RoomKind::Bathroom]),
                updated_since: Some(at(3)),
                ..all.clone()
            },
            vec!["Sunset villa"],
        ),
        (
            "filters no property meets together",
            PropertyQuery { cities: vec![city("nice")], owner: Some(ada), ..all },
            vec![],
        ),
    ];

    for (case, filter, expected) in cases {
        let found = names(&t, &filter).await;

        assert_eq!(found, expected, "combined filter: {case}");
    }
}

async fn words_match_prefixes_of_folded_words_of_the_name_or_description(t: TestDb) {
    catalogue(&t).await;
    let cases: [(&str, Vec<&str>); 9] = [
        ("sun par", vec!["Sunny flat near the PARK"]),
        ("SUN", vec!["Sunset villa", "Sunny flat near the PARK"]),
        ("park", vec!["Parking spot", "Sunny flat near the PARK"]),
        ("lodz", vec!["Old mill"]),
        ("ŁÓDŹ station", vec!["Old mill"]),
        ("unny", vec![]),
        ("flat villa", vec![]),
        ("sea", vec!["Sunset villa"]),
        ("paris", vec![]),
    ];

    for (typed, expected) in cases {
        let filter = PropertyQuery { words: words(typed), ..query(10) };

        let found = names(&t, &filter).await;

        assert_eq!(
            found, expected,
            "the words {typed:?} (a word must start a folded word; cities are not searched)"
        );
    }
}

async fn a_rename_replaces_the_words_of_the_old_name_and_description(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;
    let mut new = new_property(owner.id, "Sunny flat", "Lyon", "apartment", vec![room("Bedroom", 10.0)]);
    new.description = Description::parse("Close to the river").expect("a valid description");
    let flat = create(&t.db, new).await;
    let update = PropertyUpdate {
        name: Some(PropertyName::parse("Quiet loft").expect("a valid name")),
        description: Some(Description::parse("Facing the garden").expect("a valid description")),
        ..PropertyUpdate::default()
    };

    apply(&t.db, flat.id, PropertyChange::Update(update), audit(Some(owner.id), Action::Update, 5))
        .await
        .expect("the update applies");

    for gone in ["sunny", "flat", "river", "close"] {
        let filter = PropertyQuery { words: words(gone), ..query(10) };
        assert!(names(&t, &filter).await.is_empty(), "the old word {gone:?} no longer matches");
    }
    for kept in ["quiet", "loft", "gard", "the"] {
        let filter = PropertyQuery { words: words(kept), ..query(10) };
        assert_eq!(names(&t, &filter).await, ["Quiet loft"], "the new word {kept:?} matches");
    }
    assert_eq!(t.word_count(flat.id).await, 5, "quiet, loft, facing, the, garden: the old words are deleted");
}

async fn deleting_a_property_removes_its_words(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;
    let doomed: Property =
        create(&t.db, new_property(owner.id, "Doomed cottage", "Lyon", "house", Vec::new())).await;
    let kept: Property =
        create(&t.db, new_property(owner.id, "Kept cottage", "Lyon", "house", Vec::new())).await;
    let kept_words = t.word_count(kept.id).await;

    apply(&t.db, doomed.id, PropertyChange::Delete, audit(Some(owner.id), Action::Delete, 5))
        .await
        .expect("the delete applies");

    assert_eq!(t.word_count(doomed.id).await, 0, "no word row of the deleted property is left");
    assert_eq!(t.word_count(kept.id).await, kept_words, "the other property keeps its words");
    let filter = PropertyQuery { words: words("cottage"), ..query(10) };
    assert_eq!(names(&t, &filter).await, ["Kept cottage"], "only the kept property matches");
}

async fn words_are_probed_only_where_the_stored_signature_allows_and_an_uncomputed_one_allows_all(
    mut t: TestDb,
) {
    // The signature serves the walk of the newest-first index: no word is
    // rare enough here for a page to start from its entries instead.
    t.db = t.db.clone().with_rare_word_matches(0);
    let owner = register(&t.db, "owner@example.com").await;
    let flat = create(&t.db, new_property(owner.id, "Sunny flat", "Lyon", "apartment", Vec::new())).await;
    let sunny = PropertyQuery { words: words("sunny"), ..query(10) };
    let short = PropertyQuery { words: words("su fl"), ..query(10) };
    assert_eq!(names(&t, &sunny).await, ["Sunny flat"], "found by its words");

    t.execute(&format!(
        "UPDATE properties SET word_signature_3 = 0, word_signature_4 = 0 WHERE id = {}",
        flat.id.0
    ))
    .await;

    assert!(
        names(&t, &sunny).await.is_empty(),
        "a signature without the word's bit hides it: the test is applied"
    );
    assert_eq!(names(&t, &short).await, ["Sunny flat"], "words under three characters test no bit");

    // What the migration that added the column leaves in existing rows.
    t.execute(&format!(
        "UPDATE properties SET word_signature_3 = -1, word_signature_4 = -1 WHERE id = {}",
        flat.id.0
    ))
    .await;

    assert_eq!(names(&t, &sunny).await, ["Sunny flat"], "a signature not computed yet lets every word probe");
}

async fn nothing_matching_is_an_empty_last_page(t: TestDb) {
    let filter = PropertyQuery { cities: vec![city("Atlantis")], ..query(20) };

    let page = PropertyRepository::list(&t.db, &filter).await.expect("the list runs");

    assert!(page.items.is_empty(), "nothing matches");
    assert!(!page.more, "no page follows an empty one");
}
