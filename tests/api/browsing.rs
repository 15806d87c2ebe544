//! Browsing: filters and keyset pagination.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{TestApp, assert_problem, problem_fields};

fn ids(page: &Value) -> Vec<i64> {
    page["items"].as_array().unwrap().iter().map(|item| item["id"].as_i64().unwrap()).collect()
}

async fn the_city_filter_ignores_case_accents_and_separators(app: TestApp) {
    let owner = app.user("jan").await;
    let wanted = app.property(&owner, "Saint-Étienne", 1).await;
    app.property(&owner, "Lyon", 1).await;

    for filter in ["saint-etienne", "Saint%20Etienne", "SAINT--%C3%89TIENNE", "%20saint%20%20etienne%20"] {
        let page: Value =
            app.get(&format!("/properties?city={filter}")).send().await.unwrap().json().await.unwrap();

        assert_eq!(ids(&page), [wanted["id"].as_i64().unwrap()], "filter {filter}");
    }
}

async fn paginating_walks_every_property_once_newest_first(app: TestApp) {
    let owner = app.user("kai").await;
    let mut created = Vec::new();
    for _ in 0..7 {
        created.push(app.property(&owner, "Pau", 2).await["id"].as_i64().unwrap());
    }
    let mut seen = Vec::new();
    let mut next = Some(format!("/properties?owner_id={}&limit=3", owner.id));
    let mut pages = 0;

    while let Some(path) = next.take() {
        let response = app.get(&path).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let link = response.headers().get("link").map(|value| value.to_str().unwrap().to_owned());
        let page: Value = response.json().await.unwrap();
        seen.extend(ids(&page));
        pages += 1;
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                let link = link.expect("a Link header when there is a next page");
                assert!(link.ends_with("rel=\"next\"") && link.contains(cursor), "{link}");
                let target = link.trim_start_matches('<').split('>').next().unwrap().to_owned();
                next = Some(target);
            }
            None => assert!(link.is_none(), "no Link header on the last page"),
        }
    }

    created.reverse();
    assert_eq!(seen, created, "newest first, no duplicate, no gap");
    assert_eq!(pages, 3);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 7);
}

async fn filters_combine_type_owner_and_room_counts(app: TestApp) {
    let owner = app.user("lou").await;
    let other = app.user("mia").await;
    let small = app.property(&owner, "Brest", 1).await;
    let big = app.property(&owner, "Brest", 4).await;
    app.property(&other, "Brest", 4).await;

    let app = &app;
    let query = |q: String| async move {
        let page: Value =
            app.get(&format!("/properties?city=brest&{q}")).send().await.unwrap().json().await.unwrap();
        ids(&page)
    };

    assert_eq!(query(format!("owner_id={}&min_rooms=2", owner.id)).await, [big["id"].as_i64().unwrap()]);
    assert_eq!(query(format!("owner_id={}&max_rooms=1", owner.id)).await, [small["id"].as_i64().unwrap()]);
    assert_eq!(query("type=house&min_rooms=4&max_rooms=4".into()).await.len(), 2);
    assert!(query("type=castle".into()).await.is_empty(), "an unknown type matches nothing");
}

async fn malformed_queries_are_400_problems(app: TestApp) {
    let cases = [
        ("limit=0", Some("limit")),
        ("limit=101", Some("limit")),
        ("limit=-1", Some("limit")),
        ("limit=abc", None),
        ("min_rooms=-1", Some("min_rooms")),
        ("min_rooms=3&max_rooms=2", Some("min_rooms")),
        ("city=", Some("city")),
        ("city=%20-%20", Some("city")),
        ("owner_id=0", Some("owner_id")),
        ("type=", Some("type")),
        ("cursor=not-a-cursor", None),
        ("cursor=", None),
        ("min_rooms=99999999999999999999", None),
    ];
    for (query, field) in cases {
        let response = app.get(&format!("/properties?{query}")).send().await.unwrap();

        let problem = assert_problem(response, StatusCode::BAD_REQUEST).await;
        if let Some(field) = field {
            assert_eq!(problem_fields(&problem), [field], "{query}");
        }
    }
}

crate::on_every_backend!(
    the_city_filter_ignores_case_accents_and_separators,
    paginating_walks_every_property_once_newest_first,
    filters_combine_type_owner_and_room_counts,
    malformed_queries_are_400_problems,
);
