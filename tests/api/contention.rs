//! Many writers on one property through two instances, without `If-Match`:
//! the writes are serialised, so every one is answered with success, counted
//! once in the version and once in the history; none is lost. A stale
//! `If-Match` is still refused.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem};

const PROPERTY_WRITERS: usize = 24;
const ROOM_WRITERS: usize = 4;
const ROOM_REMOVALS: usize = 4;

async fn writes_through_two_instances_without_if_match_are_serialised(app: TestApp) {
    let other = app.another_instance().await;
    let owner = app.user("ray").await;
    let property = app.property(&owner, "Lyon", ROOM_WRITERS + ROOM_REMOVALS).await;
    let path = format!("/properties/{}", property["id"]);
    let rooms: Vec<i64> =
        property["rooms"].as_array().unwrap().iter().map(|room| room["id"].as_i64().unwrap()).collect();
    let history = async || -> Vec<Value> {
        app.get(&format!("{path}/history"))
            .bearer_auth(&owner.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    };
    let events_before = history().await.len();

    let mut writes = tokio::task::JoinSet::new();
    let instance = |i: usize| if i.is_multiple_of(2) { &app } else { &other };
    for i in 0..PROPERTY_WRITERS {
        let request = instance(i)
            .patch(&path, &json!({"description": format!("writer {i}")}))
            .bearer_auth(&owner.token);
        writes.spawn(async move { ("property PATCH", request.send().await) });
    }
    for (i, room) in rooms[..ROOM_WRITERS].iter().enumerate() {
        let request = instance(i + 1)
            .patch(&format!("{path}/rooms/{room}"), &json!({"name": format!("Renamed {i}")}))
            .bearer_auth(&owner.token);
        writes.spawn(async move { ("room PATCH", request.send().await) });
    }
    for (i, room) in rooms[ROOM_WRITERS..].iter().enumerate() {
        let request = instance(i).delete(&format!("{path}/rooms/{room}")).bearer_auth(&owner.token);
        writes.spawn(async move { ("room DELETE", request.send().await) });
    }
    let mut answered = 0;
    while let Some(write) = writes.join_next().await {
        let (what, response) = write.unwrap();
        let response = response.unwrap();
        let expected = if what == "room DELETE" { StatusCode::NO_CONTENT } else { StatusCode::OK };
        let status = response.status();
        assert_eq!(status, expected, "{what}: {}", response.text().await.unwrap());
        answered += 1;
    }
    let total = PROPERTY_WRITERS + ROOM_WRITERS + ROOM_REMOVALS;
    assert_eq!(answered, total);

    let current: Value = other.get(&path).send().await.unwrap().json().await.unwrap();
    eprintln!("contention: {total} writes through two instances, version {}", current["version"]);
    assert_eq!(current["version"], 1 + total, "every write counted once");
    let names: BTreeSet<&str> =
        current["rooms"].as_array().unwrap().iter().map(|room| room["name"].as_str().unwrap()).collect();
    let renamed: BTreeSet<String> = (0..ROOM_WRITERS).map(|i| format!("Renamed {i}")).collect();
    assert_eq!(names, renamed.iter().map(String::as_str).collect(), "renamed rooms kept, removed ones gone");

    let events = history().await;
    assert_eq!(events.len(), events_before + total, "one audit event per write");
    let descriptions: BTreeSet<&str> = events
        .iter()
        .filter(|event| event["action"] == "update" && event["resource"] == "property")
        .filter_map(|event| event["changes"]["description"]["new"].as_str())
        .collect();
    let written: BTreeSet<String> = (0..PROPERTY_WRITERS).map(|i| format!("writer {i}")).collect();
    assert_eq!(descriptions, written.iter().map(String::as_str).collect(), "no description lost");
    assert!(
        written.contains(current["description"].as_str().unwrap()),
        "the last writer's description stands"
    );

    let stale =
        app.patch(&path, &json!({"name": "Stale"})).bearer_auth(&owner.token).header("if-match", "\"1\"");
    assert_problem(stale.send().await.unwrap(), StatusCode::PRECONDITION_FAILED).await;
    let after: Value = app.get(&path).send().await.unwrap().json().await.unwrap();
    assert_eq!(after["version"], current["version"], "the stale write changed nothing");
}

crate::on_every_backend!(writes_through_two_instances_without_if_match_are_serialised);
