//! `PropertyRepository::list`: filters, keyset pages, and their cost.

use std::collections::HashSet;

use realty_domain::ports::PropertyRepository;
use realty_domain::{Action, CityKey, Page, Property, PropertyFilter, PropertyId, TypeSlug, UserId};

use crate::fixture::{TestDb, audit, contract_tests, new_property, register, room};

contract_tests!(
    city_filter_ignores_case_accents_and_separators,
    filters_by_type_owner_and_room_count,
    pages_run_newest_first_without_gaps_or_duplicates,
    exactly_full_last_page_has_no_next,
    nothing_matching_is_an_empty_last_page,
    a_page_costs_the_same_few_queries_whatever_its_size,
);

async fn create(
    t: &TestDb,
    owner: UserId,
    name: &str,
    city: &str,
    property_type: &str,
    rooms: usize,
) -> Property {
    let rooms = (0..rooms).map(|index| room(&format!("Room {index}"), 10.0 + index as f64)).collect();
    let new = new_property(owner, name, city, property_type, rooms);
    PropertyRepository::create(&t.db, new, audit(Some(owner), Action::Create, 1)).await.expect("created")
}

async fn list(t: &TestDb, filter: PropertyFilter) -> Page<Property> {
    PropertyRepository::list(&t.db, &filter).await.expect("listed")
}

fn names(page: &Page<Property>) -> Vec<&str> {
    page.items.iter().map(|property| property.name.as_str()).collect()
}

async fn city_filter_ignores_case_accents_and_separators(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;
    create(&t, owner.id, "Centre", "Saint-Étienne", "house", 1).await;
    create(&t, owner.id, "Suburb", "  SAINT  étienne ", "house", 1).await;
    create(&t, owner.id, "Elsewhere", "Saint-Étienne-de-Tinée", "house", 1).await;
    create(&t, owner.id, "Lyon", "Lyon", "house", 1).await;

    for typed in ["saint etienne", "Saint-Etienne", "SAINT--ÉTIENNE"] {
        let filter =
            PropertyFilter { city: Some(CityKey::normalise(typed)), limit: 10, ..Default::default() };

        let page = list(&t, filter).await;

        assert_eq!(names(&page), ["Suburb", "Centre"], "filter {typed:?}");
    }
}

async fn filters_by_type_owner_and_room_count(t: TestDb) {
    let ada = register(&t.db, "ada@example.com").await;
    let bob = register(&t.db, "bob@example.com").await;
    create(&t, ada.id, "Ada studio", "Paris", "studio", 1).await;
    create(&t, ada.id, "Ada house", "Paris", "house", 4).await;
    create(&t, bob.id, "Bob house", "Paris", "house", 2).await;
    create(&t, bob.id, "Bob land", "Paris", "land", 0).await;
    let all = PropertyFilter { limit: 10, ..Default::default() };
    let house = Some(TypeSlug::parse("property_type", "house").expect("valid"));
    let unknown = Some(TypeSlug::parse("property_type", "castle").expect("well-formed"));

    let houses = list(&t, PropertyFilter { property_type: house.clone(), ..all.clone() }).await;
    let castles = list(&t, PropertyFilter { property_type: unknown, ..all.clone() }).await;
    let adas = list(&t, PropertyFilter { owner_id: Some(ada.id), ..all.clone() }).await;
    let roomy = list(&t, PropertyFilter { min_rooms: Some(2), ..all.clone() }).await;
    let small = list(&t, PropertyFilter { max_rooms: Some(1), ..all.clone() }).await;
    let two_to_three =
        list(&t, PropertyFilter { min_rooms: Some(2), max_rooms: Some(3), ..all.clone() }).await;
    let combined =
        list(&t, PropertyFilter { property_type: house, owner_id: Some(bob.id), ..all.clone() }).await;
    let huge_bounds = list(&t, PropertyFilter { min_rooms: Some(0), max_rooms: Some(u32::MAX), ..all }).await;

    assert_eq!(names(&houses), ["Bob house", "Ada house"]);
    assert!(castles.items.is_empty(), "an unknown type matches nothing");
    assert_eq!(names(&adas), ["Ada house", "Ada studio"]);
    assert_eq!(names(&roomy), ["Bob house", "Ada house"]);
    assert_eq!(names(&small), ["Bob land", "Ada studio"]);
    assert_eq!(names(&two_to_three), ["Bob house"]);
    assert_eq!(names(&combined), ["Bob house"]);
    assert_eq!(huge_bounds.items.len(), 4);
    assert_eq!(huge_bounds.items[0].rooms.len(), 0);
    assert_eq!(huge_bounds.items[2].rooms.len(), 4, "each item carries its rooms");
}

async fn pages_run_newest_first_without_gaps_or_duplicates(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;
    let mut created = Vec::new();
    for index in 0..25 {
        created
            .push(create(&t, owner.id, &format!("Property {index}"), "Nantes", "loft", index % 3).await.id);
    }
    let mut filter = PropertyFilter { limit: 10, ..Default::default() };
    let mut sizes = Vec::new();
    let mut seen = Vec::new();

    loop {
        let page = list(&t, filter.clone()).await;
        sizes.push(page.items.len());
        seen.extend(page.items.iter().map(|property| property.id));
        match page.next {
            Some(next) => {
                assert_eq!(Some(&next), seen.last(), "next is the last id of the page");
                filter.before = Some(next);
            }
            None => break,
        }
    }

    assert_eq!(sizes, [10, 10, 5]);
    let newest_first: Vec<PropertyId> = created.iter().rev().copied().collect();
    assert_eq!(seen, newest_first, "every property once, newest first");
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 25);
}

async fn exactly_full_last_page_has_no_next(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;
    for index in 0..4 {
        create(&t, owner.id, &format!("Property {index}"), "Nice", "villa", 1).await;
    }

    let first = list(&t, PropertyFilter { limit: 2, ..Default::default() }).await;
    let second = list(&t, PropertyFilter { limit: 2, before: first.next, ..Default::default() }).await;

    assert_eq!(names(&first), ["Property 3", "Property 2"]);
    assert!(first.next.is_some());
    assert_eq!(names(&second), ["Property 1", "Property 0"]);
    assert_eq!(second.next, None, "no empty page follows a full last page");
}

async fn nothing_matching_is_an_empty_last_page(t: TestDb) {
    let filter =
        PropertyFilter { city: Some(CityKey::normalise("Atlantis")), limit: 20, ..Default::default() };

    let page = list(&t, filter).await;

    assert!(page.items.is_empty());
    assert_eq!(page.next, None);
}

async fn a_page_costs_the_same_few_queries_whatever_its_size(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;
    for index in 0..21 {
        create(&t, owner.id, &format!("Property {index}"), "Lille", "house", 3).await;
    }

    let before = t.db.query_count();
    let small = list(&t, PropertyFilter { limit: 5, ..Default::default() }).await;
    let small_cost = t.db.query_count() - before;
    let before = t.db.query_count();
    let large = list(&t, PropertyFilter { limit: 20, ..Default::default() }).await;
    let large_cost = t.db.query_count() - before;

    assert_eq!((small.items.len(), large.items.len()), (5, 20));
    assert!(large.items.iter().all(|property| property.rooms.len() == 3), "rooms are loaded");
    // The page, then its rooms: two statements, whatever the page size.
    assert_eq!(large_cost, 2, "a page of 20 cost {large_cost} statements");
    assert_eq!(small_cost, large_cost, "the cost does not grow with the page");
}
