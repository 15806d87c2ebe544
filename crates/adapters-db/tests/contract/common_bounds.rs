//! `PropertyRepository::list` of bounds alone (room counts, bedrooms,
//! areas), in the order of creation, planned either way the adapter knows:
//! once per connection, when its bounds are known to be met often at the
//! start of that order, or for its values on each request. Each test runs
//! both (`Database::with_common_bounds` makes every bound met often, or
//! none) and expects the same pages; the last one counts the statements
//! that tell the ways apart.

use realty_adapters_db::{Database, PoolOptions};
use realty_domain::ports::PropertyRepository;
use realty_domain::{Keyset, Property, PropertyId, PropertyQuery, RoomKind, Sort, SortKey, UserId};

use crate::fixture::{TestDb, at, contract_tests, create, ids, new_property, query, register, room_of};

contract_tests!(
    both_plans_find_every_match_once_in_the_order_of_creation,
    bounds_met_often_are_planned_once_after_they_are_asked_about,
);

/// The two ways, by name. A window larger than the table makes every
/// bound met often (every walk is short); two of a window of one, none.
fn both_ways(db: &Database) -> [(&'static str, Database); 2] {
    [
        ("planned once", db.clone().with_common_bounds(u32::MAX, 1)),
        ("planned for its values", db.clone().with_common_bounds(1, 2)),
    ]
}

/// Properties of 1 to 6 rooms, every other one a bedroom, the areas
/// growing with the index; two properties created at each minute, so that
/// the order ties on `created_at`.
async fn catalogue(t: &TestDb, count: usize) -> (UserId, Vec<Property>) {
    let owner = register(&t.db, "owner@example.com").await.id;
    let mut created = Vec::new();
    for index in 0..count {
        let rooms = (0..=index % 6)
            .map(|n| {
                let kind = if n % 2 == 0 { RoomKind::Bedroom } else { RoomKind::Kitchen };
                room_of(kind, &format!("Room {n}"), 8.0 + index as f64 + n as f64 * 2.5)
            })
            .collect();
        let mut new = new_property(owner, &format!("Lot {index}"), "Lyon", "house", rooms);
        new.at = at(index as i64 / 2);
        created.push(create(&t.db, new).await);
    }
    (owner, created)
}

/// The bounded searches of the tests, as (name, query of 10 a page).
fn searches() -> Vec<(&'static str, PropertyQuery)> {
    vec![
        ("min_rooms=3", PropertyQuery { min_rooms: Some(3), ..query(10) }),
        ("max_rooms=2", PropertyQuery { max_rooms: Some(2), ..query(10) }),
        ("min_bedrooms=2", PropertyQuery { min_bedrooms: Some(2), ..query(10) }),
        ("min_area=40", PropertyQuery { min_area: Some(40.0), ..query(10) }),
        ("max_area=30.5", PropertyQuery { max_area: Some(30.5), ..query(10) }),
        (
            "min_rooms=2&max_rooms=4&min_area=20",
            PropertyQuery { min_rooms: Some(2), max_rooms: Some(4), min_area: Some(20.0), ..query(10) },
        ),
        ("min_rooms=7 (none)", PropertyQuery { min_rooms: Some(7), ..query(10) }),
    ]
}

/// The ids of `properties` that `filter`'s bounds keep, in the total order
/// of its sort (creation instant, then id).
fn expected(properties: &[Property], filter: &PropertyQuery) -> Vec<PropertyId> {
    let within = |value: f64, min: Option<f64>, max: Option<f64>| {
        min.is_none_or(|min| value >= min) && max.is_none_or(|max| value <= max)
    };
    let mut found: Vec<&Property> = properties
        .iter()
        .filter(|property| {
            let summary = property.summary();
            let count = |n: Option<u32>| n.map(f64::from);
            within(f64::from(summary.room_count), count(filter.min_rooms), count(filter.max_rooms))
                && within(f64::from(summary.bedroom_count), count(filter.min_bedrooms), None)
                && within(summary.total_area_m2, filter.min_area, filter.max_area)
        })
        .collect();
    found.sort_by_key(|property| (property.created_at, property.id));
    if filter.sort.descending {
        found.reverse();
    }
    found.iter().map(|property| property.id).collect()
}

/// Walks the pages of `filter`; the ids in page order.
async fn walk(db: &Database, filter: &PropertyQuery) -> Vec<PropertyId> {
    let mut filter = filter.clone();
    let mut seen = Vec::new();
    for _ in 0..50 {
        let page = PropertyRepository::list(db, &filter).await.expect("the list runs");
        assert!(page.items.len() <= filter.limit as usize, "at most {} a page", filter.limit);
        seen.extend(ids(&page));
        if !page.more {
            return seen;
        }
        let last = page.items.last().expect("a page followed by another is not empty");
        filter.after = Some(Keyset::of(last, SortKey::CreatedAt));
    }
    panic!("the walk ends within 50 pages");
}

async fn both_plans_find_every_match_once_in_the_order_of_creation(t: TestDb) {
    let (_, properties) = catalogue(&t, 30).await;

    for (way, db) in both_ways(&t.db) {
        for sort in ["-created_at", "created_at"].map(|name| Sort::parse(name).expect("a sort")) {
            for (name, filter) in searches() {
                let filter = PropertyQuery { sort, ..filter };
                let want = expected(&properties, &filter);
                for round in ["first asked", "known"] {
                    let seen = walk(&db, &filter).await;

                    assert_eq!(seen, want, "{way}, {round}: {name} by {}", sort.as_str());
                }
            }
        }
    }
    let counts: Vec<usize> =
        searches().iter().map(|(_, filter)| expected(&properties, filter).len()).collect();
    assert_eq!(counts, [20, 10, 20, 22, 5, 15, 0], "most searches need a keyset, one finds nothing");
}

async fn bounds_met_often_are_planned_once_after_they_are_asked_about(t: TestDb) {
    catalogue(&t, 30).await;
    // Of the 10 newest properties (indexes 20 to 29, 1 to 6 rooms, 32 to
    // 259.5 m²), 8 have 3 rooms or more, 2 at most 2, 9 have 40 m² or more,
    // none 30 m² or less; bounds met by 5 of them are met often. (Of the
    // 10 oldest, 6 have 3 rooms or more.)
    let one = t.connect_with(PoolOptions { max_size: 1, ..PoolOptions::default() }).await;
    let db = one.with_common_bounds(10, 5);
    // A page of bounds met often is one statement planned once: cached by
    // the connection that first runs it, and reused after. The first ask
    // caches the two statements that ask whether the bounds are met often
    // (where the window ends, and the bounded count in it); bounds met
    // rarely are planned for their values each time (not cached). Where the
    // window ends is asked once for every search in one direction.
    let oldest_first = Sort::parse("created_at").expect("a sort");
    let cases = [
        ("min_rooms=3: 8 of the 10 newest", PropertyQuery { min_rooms: Some(3), ..query(20) }, [3, 0, 0], 3),
        ("max_rooms=2: 2 of them", PropertyQuery { max_rooms: Some(2), ..query(20) }, [1, 0, 0], 2),
        ("min_area=40: 9 of them", PropertyQuery { min_area: Some(40.0), ..query(20) }, [2, 0, 0], 2),
        ("max_area=30: none", PropertyQuery { max_area: Some(30.0), ..query(20) }, [1, 0, 0], 2),
        (
            "min_rooms=3, oldest first: 6 of the 10 oldest",
            PropertyQuery { min_rooms: Some(3), sort: oldest_first, ..query(20) },
            [3, 0, 0],
            3,
        ),
    ];
    for (name, filter, want, first_ask) in cases {
        let mut cached = Vec::new();
        let mut statements = Vec::new();
        for _ in 0..3 {
            let (cached_before, before) = (db.cached_statement_count(), db.query_count());
            PropertyRepository::list(&db, &filter).await.expect("the list runs");
            cached.push(db.cached_statement_count() - cached_before);
            statements.push(db.query_count() - before);
        }
        assert_eq!(cached, want, "{name}: statements cached on each ask ({cached:?})");
        assert_eq!(statements, [first_ask, 1, 1], "{name}: statements on each ask");
    }
}
