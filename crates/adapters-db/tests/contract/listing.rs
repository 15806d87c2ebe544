//! `PropertyRepository::list`: the eight sorts, keyset pages, and what a
//! page costs.

use std::cmp::Ordering;
use std::collections::HashSet;

use realty_domain::ports::PropertyRepository;
use realty_domain::{
    Action, Keyset, Page, Property, PropertyId, PropertyQuery, RoomKind, Sort, SortKey, UserId,
};

use crate::fixture::{
    TestDb, apply, at, audit, contract_tests, create, ids, new_property, query, register, rename, room,
    room_of, words,
};

contract_tests!(
    every_sort_orders_by_its_value_then_by_id_in_the_same_direction,
    walking_every_sort_in_small_pages_returns_each_property_exactly_once,
    pages_skip_and_repeat_nothing_while_properties_are_inserted_between_them,
    an_exactly_full_last_page_says_no_more_follow,
    a_page_costs_one_statement_for_one_item_or_fifty,
);

/// Every sort, in the order of `Sort::NAMES`.
fn every_sort() -> Vec<Sort> {
    Sort::NAMES.iter().map(|name| Sort::parse(name).expect("a listed sort parses")).collect()
}

/// The value `property` is sorted by under `key`, comparable across
/// properties.
fn compare_by(key: SortKey, a: &Property, b: &Property) -> Ordering {
    match key {
        SortKey::CreatedAt => a.created_at.cmp(&b.created_at),
        SortKey::UpdatedAt => a.updated_at.cmp(&b.updated_at),
        SortKey::TotalArea => a.total_area_m2().total_cmp(&b.total_area_m2()),
        SortKey::RoomCount => a.room_count().cmp(&b.room_count()),
    }
}

/// `properties` in the total order of `sort`: its value, then the id, both
/// in its direction.
fn expected_order(properties: &[Property], sort: Sort) -> Vec<PropertyId> {
    let mut sorted: Vec<&Property> = properties.iter().collect();
    sorted.sort_by(|a, b| compare_by(sort.key, a, b).then(a.id.cmp(&b.id)));
    if sort.descending {
        sorted.reverse();
    }
    sorted.iter().map(|property| property.id).collect()
}

async fn list(t: &TestDb, query: &PropertyQuery) -> Page<Property> {
    PropertyRepository::list(&t.db, query).await.expect("the list runs")
}

/// Eight properties with ties on every sort key: two created at each of
/// four instants, updated at instants that tie in other pairs, room counts
/// 0 to 3 and areas that repeat.
async fn tied_catalogue(t: &TestDb, owner: UserId) -> Vec<Property> {
    let areas: [(i64, &[f64]); 8] = [
        (1, &[10.0, 10.0]),
        (1, &[20.0]),
        (2, &[]),
        (3, &[5.0, 5.0, 5.0]),
        (3, &[15.0]),
        (4, &[]),
        (5, &[12.5, 7.5]),
        (5, &[30.0]),
    ];
    let mut created = Vec::new();
    for (index, (minute, areas)) in areas.into_iter().enumerate() {
        let rooms = areas.iter().enumerate().map(|(n, area)| room(&format!("Room {n}"), *area)).collect();
        let mut new = new_property(owner, &format!("Property {index}"), "Lyon", "house", rooms);
        new.at = at(minute);
        created.push(create(&t.db, new).await.id);
    }
    // updated_at ties: properties 0 and 5 at minute 10, 6 and 7 at their
    // creation's minute 5.
    for (index, minute) in [(0, 10), (5, 10), (3, 8)] {
        apply(
            &t.db,
            created[index],
            rename(&format!("Renamed {index}")),
            audit(Some(owner), Action::Update, minute),
        )
        .await
        .expect("the rename applies");
    }
    let all = list(t, &query(100)).await;
    assert_eq!(all.items.len(), 8, "the catalogue is listed whole");
    all.items
}

async fn every_sort_orders_by_its_value_then_by_id_in_the_same_direction(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;
    let properties = tied_catalogue(&t, owner.id).await;

    for sort in every_sort() {
        let page = list(&t, &PropertyQuery { sort, ..query(100) }).await;

        let expected = expected_order(&properties, sort);
        let ties = expected.windows(2).filter(|pair| {
            let find = |id| properties.iter().find(|property| property.id == id).expect("listed");
            compare_by(sort.key, find(pair[0]), find(pair[1])) == Ordering::Equal
        });
        assert!(ties.count() > 0, "the data ties on {}", sort.as_str());
        assert_eq!(ids(&page), expected, "sort {}: by value then id, same direction", sort.as_str());
        assert!(!page.more, "sort {}: everything fits one page", sort.as_str());
    }
}

/// Properties created between pages, with values that land before, among
/// and after the others in every order.
struct Newcomers {
    owner: UserId,
    inserted: i64,
}

impl Newcomers {
    async fn insert(&mut self, t: &TestDb) {
        self.inserted += 1;
        let n = self.inserted;
        let rooms = (0..n % 4)
            .map(|k| room_of(RoomKind::Office, &format!("Room {k}"), 5.0 * k as f64 + 5.0))
            .collect();
        let mut new = new_property(self.owner, &format!("Newcomer {n}"), "Lyon", "house", rooms);
        new.at = at(3 * (n % 4));
        create(&t.db, new).await;
    }
}

/// Walks `sort` in pages of `limit`, inserting a newcomer after each page
/// when given some; returns the ids in page order and the page sizes.
async fn walk(
    t: &TestDb,
    sort: Sort,
    limit: u32,
    mut newcomers: Option<&mut Newcomers>,
) -> (Vec<PropertyId>, Vec<usize>) {
    let mut filter = PropertyQuery { sort, ..query(limit) };
    let (mut seen, mut sizes) = (Vec::new(), Vec::new());
    loop {
        let page = list(t, &filter).await;
        sizes.push(page.items.len());
        seen.extend(ids(&page));
        assert!(sizes.len() <= 100, "sort {}: the walk ends", sort.as_str());
        if !page.more {
            return (seen, sizes);
        }
        let last = page.items.last().expect("a page followed by another is not empty");
        filter.after = Some(Keyset::of(last, sort.key));
        if let Some(newcomers) = newcomers.as_deref_mut() {
            newcomers.insert(t).await;
        }
    }
}

async fn walking_every_sort_in_small_pages_returns_each_property_exactly_once(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;
    let properties = tied_catalogue(&t, owner.id).await;

    for sort in every_sort() {
        let (seen, sizes) = walk(&t, sort, 3, None).await;

        assert_eq!(sizes, [3, 3, 2], "sort {}: pages of 3, 3 and 2", sort.as_str());
        assert_eq!(seen, expected_order(&properties, sort), "sort {}: each once, in order", sort.as_str());
    }
}

async fn pages_skip_and_repeat_nothing_while_properties_are_inserted_between_them(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;
    let properties = tied_catalogue(&t, owner.id).await;
    let originals: HashSet<PropertyId> = properties.iter().map(|property| property.id).collect();
    let mut newcomers = Newcomers { owner: owner.id, inserted: 0 };

    for sort in every_sort() {
        let (seen, _) = walk(&t, sort, 3, Some(&mut newcomers)).await;

        let distinct: HashSet<PropertyId> = seen.iter().copied().collect();
        assert_eq!(distinct.len(), seen.len(), "sort {}: no property is seen twice", sort.as_str());
        assert!(
            originals.is_subset(&distinct),
            "sort {}: every property there all along is seen",
            sort.as_str()
        );
    }
    assert!(newcomers.inserted >= 16, "properties were inserted between pages ({})", newcomers.inserted);
}

async fn an_exactly_full_last_page_says_no_more_follow(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;
    for index in 0..4 {
        let mut new = new_property(
            owner.id,
            &format!("Property {index}"),
            "Nice",
            "villa",
            vec![room("Bedroom", 10.0)],
        );
        new.at = at(index);
        create(&t.db, new).await;
    }

    let first = list(&t, &query(2)).await;
    let last = first.items.last().expect("a first page");
    let after = Some(Keyset::of(last, SortKey::CreatedAt));
    let second = list(&t, &PropertyQuery { after, ..query(2) }).await;

    let names =
        |page: &Page<Property>| page.items.iter().map(|p| p.name.as_str().to_owned()).collect::<Vec<_>>();
    assert_eq!(names(&first), ["Property 3", "Property 2"], "the newest two first");
    assert!(first.more, "a page follows the first");
    assert_eq!(names(&second), ["Property 1", "Property 0"], "then the oldest two");
    assert!(!second.more, "no empty page follows an exactly full last page");
}

async fn a_page_costs_one_statement_for_one_item_or_fifty(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;
    let generated = (0..60)
        .map(|index| {
            let rooms =
                vec![room("Bedroom", 10.0), room_of(RoomKind::Kitchen, "Kitchen", 8.0), room("Study", 9.0)];
            new_property(owner.id, &format!("Generated {index}"), "Lille", "house", rooms)
        })
        .collect();
    t.db.bulk_insert_properties(generated).await.expect("the properties are inserted");
    let plain = query(0);
    let filtered = PropertyQuery {
        words: words("bright gen"),
        has: [RoomKind::Kitchen].into_iter().collect(),
        min_rooms: Some(2),
        sort: Sort::parse("total_area_m2").expect("a sort"),
        ..query(0)
    };

    for (case, base) in [("no filter", plain), ("words, kinds, rooms and a sort", filtered)] {
        let mut costs = Vec::new();
        for limit in [1, 50] {
            let before = t.db.query_count();
            let page = list(&t, &PropertyQuery { limit, ..base.clone() }).await;
            costs.push(t.db.query_count() - before);

            assert_eq!(page.items.len(), limit as usize, "{case}: a full page of {limit}");
            assert!(page.items.iter().all(|property| property.rooms.len() == 3), "{case}: rooms are loaded");
            assert!(page.more, "{case}: more follow a page of {limit}");
        }

        // The properties with their rooms, one row each.
        assert_eq!(costs, [1, 1], "{case}: statements for a page of 1 and of 50");
    }
}
