//! Browsing: the rules of the `GET /properties` query, the filter handed to
//! the repository, and reading one property.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use realty_app::ListQuery;
use realty_domain::{CityKey, DomainError, Page, PropertyFilter, PropertyId, TypeSlug, UserId};

fn filter(query: ListQuery) -> PropertyFilter {
    query.into_filter().unwrap()
}

// ======================================================================= ListQuery::into_filter

#[test]
fn an_empty_query_lists_twenty_of_everything() {
    let filter = filter(ListQuery::default());

    assert_eq!(filter, PropertyFilter { limit: 20, ..PropertyFilter::default() });
}

#[test]
fn limits_from_one_to_a_hundred_are_accepted() {
    for limit in [1, 50, 100] {
        assert_eq!(
            filter(ListQuery { limit: Some(limit), ..ListQuery::default() }).limit,
            u32::try_from(limit).unwrap()
        );
    }
}

#[test]
fn a_limit_out_of_range_is_invalid() {
    for limit in [0, 101, -1, i64::MAX, i64::MIN] {
        let result = ListQuery { limit: Some(limit), ..ListQuery::default() }.into_filter();

        assert_eq!(invalid_fields(result), ["limit"], "limit {limit}");
    }
}

#[test]
fn the_city_filter_is_folded_into_a_city_key() {
    let filter = filter(ListQuery { city: Some("  Saint-Étienne ".into()), ..ListQuery::default() });

    assert_eq!(filter.city, Some(CityKey::normalise("saint etienne")));
    assert_eq!(filter.city.unwrap().as_str(), "saint etienne");
}

#[test]
fn an_empty_or_blank_city_filter_is_invalid() {
    for city in ["", "  - ", "---"] {
        let result = ListQuery { city: Some(city.into()), ..ListQuery::default() }.into_filter();

        assert_eq!(invalid_fields(result), ["city"], "city {city:?}");
    }
}

#[test]
fn a_city_filter_longer_than_a_city_is_invalid() {
    let result = ListQuery { city: Some("a".repeat(101)), ..ListQuery::default() }.into_filter();

    assert_eq!(invalid_fields(result), ["city"]);
}

#[test]
fn a_type_filter_is_a_slug() {
    let filter = filter(ListQuery { property_type: Some("villa".into()), ..ListQuery::default() });

    assert_eq!(filter.property_type, Some(TypeSlug::parse("type", "villa").unwrap()));
}

#[test]
fn a_malformed_type_filter_is_invalid_and_named_type() {
    for raw in ["", "Villa", "villa!", &"v".repeat(41)] {
        let result = ListQuery { property_type: Some(raw.into()), ..ListQuery::default() }.into_filter();

        assert_eq!(invalid_fields(result), ["type"], "type {raw:?}");
    }
}

#[test]
fn an_owner_filter_must_be_a_positive_id() {
    assert_eq!(filter(ListQuery { owner_id: Some(3), ..ListQuery::default() }).owner_id, Some(UserId(3)));
    for owner in [0, -1] {
        let result = ListQuery { owner_id: Some(owner), ..ListQuery::default() }.into_filter();

        assert_eq!(invalid_fields(result), ["owner_id"], "owner_id {owner}");
    }
}

#[test]
fn room_bounds_must_not_be_negative() {
    let result = ListQuery { min_rooms: Some(-1), max_rooms: Some(-2), ..ListQuery::default() }.into_filter();

    assert_eq!(invalid_fields(result), ["min_rooms", "max_rooms"]);
}

#[test]
fn room_bounds_of_zero_and_equal_bounds_are_accepted() {
    let filter = filter(ListQuery { min_rooms: Some(0), max_rooms: Some(0), ..ListQuery::default() });

    assert_eq!((filter.min_rooms, filter.max_rooms), (Some(0), Some(0)));
}

#[test]
fn min_rooms_above_max_rooms_is_invalid() {
    let result = ListQuery { min_rooms: Some(4), max_rooms: Some(2), ..ListQuery::default() }.into_filter();

    assert_eq!(invalid_fields(result), ["min_rooms"]);
}

#[test]
fn every_bad_filter_is_reported_at_once() {
    let query = ListQuery {
        city: Some(" ".into()),
        property_type: Some("NOPE".into()),
        owner_id: Some(-5),
        min_rooms: Some(-1),
        max_rooms: Some(-1),
        limit: Some(0),
        before: None,
    };

    let result = query.into_filter();

    assert_eq!(invalid_fields(result), ["city", "type", "owner_id", "min_rooms", "max_rooms", "limit"]);
}

#[test]
fn every_valid_filter_and_the_cursor_reach_the_filter() {
    let query = ListQuery {
        city: Some("Lyon".into()),
        property_type: Some("apartment".into()),
        owner_id: Some(1),
        min_rooms: Some(1),
        max_rooms: Some(4),
        limit: Some(10),
        before: Some(PropertyId(50)),
    };

    let filter = filter(query);

    assert_eq!(
        filter,
        PropertyFilter {
            city: Some(CityKey::normalise("lyon")),
            property_type: Some(slug("apartment")),
            owner_id: Some(UserId(1)),
            min_rooms: Some(1),
            max_rooms: Some(4),
            before: Some(PropertyId(50)),
            limit: 10,
        }
    );
}

// ======================================================================= Properties::list and get

#[tokio::test]
async fn listing_hands_the_validated_filter_to_the_repository() {
    let mut mocks = PropertiesMocks::new();
    let captured: Captured<PropertyFilter> = Captured::default();
    let sink = captured.clone();
    mocks.properties.expect_list().times(1).returning(move |filter| {
        sink.push(filter.clone());
        Ok(Page { items: vec![property()], next: Some(PropertyId(6)) })
    });
    let properties = mocks.build();
    let query = ListQuery { city: Some("LYON".into()), before: Some(PropertyId(8)), ..ListQuery::default() };

    let page = properties.list(query).await.unwrap();

    assert_eq!(
        captured.only(),
        PropertyFilter {
            city: Some(CityKey::normalise("lyon")),
            before: Some(PropertyId(8)),
            limit: 20,
            ..PropertyFilter::default()
        }
    );
    assert_eq!(page, Page { items: vec![property()], next: Some(PropertyId(6)) });
}

#[tokio::test]
async fn a_bad_query_never_reaches_the_repository() {
    let mut mocks = PropertiesMocks::new();
    mocks.properties.expect_list().never();
    let properties = mocks.build();

    let result = properties.list(ListQuery { limit: Some(0), ..ListQuery::default() }).await;

    assert_eq!(invalid_fields(result), ["limit"]);
}

#[tokio::test]
async fn anyone_reads_a_property() {
    let properties = PropertiesMocks::new().with_property(property()).build();

    let found = properties.get(PROPERTY_ID).await.unwrap();

    assert_eq!(found, property());
}

#[tokio::test]
async fn a_missing_property_is_not_found() {
    let properties = PropertiesMocks::new().without_properties().build();

    let result = properties.get(PropertyId(404)).await;

    assert!(matches!(result, Err(DomainError::NotFound { resource: "property" })), "got {result:?}");
}
