//! The rooms of a property.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, problem_fields};

async fn the_owner_adds_edits_and_removes_rooms_and_each_write_bumps_the_version(app: TestApp) {
    let owner = app.user("dee").await;
    let property = app.property(&owner, "Nice", 1).await;
    let path = format!("/properties/{}", property["id"]);

    let added = app
        .post(
            &format!("{path}/rooms"),
            &json!({"name": "Kitchen", "kind": "kitchen", "area_m2": 8.5, "floor": -1}),
        )
        .bearer_auth(&owner.token)
        .header("if-match", "\"1\"")
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), StatusCode::CREATED);
    let location = added.headers()["location"].to_str().unwrap().to_owned();
    let room: Value = added.json().await.unwrap();
    assert_eq!(location, format!("{path}/rooms/{}", room["id"]));

    let edited = app
        .patch(&location, &json!({"area_m2": 9.0, "floor": null, "description": "Open plan"}))
        .bearer_auth(&owner.token)
        .send()
        .await
        .unwrap();
    assert_eq!(edited.status(), StatusCode::OK);
    let edited: Value = edited.json().await.unwrap();
    assert_eq!((edited["area_m2"].as_f64(), &edited["floor"]), (Some(9.0), &Value::Null));
    assert_eq!(edited["description"], "Open plan");

    let read: Value = app.get(&location).send().await.unwrap().json().await.unwrap();
    assert_eq!(read, edited);
    let removed =
        app.delete(&location).bearer_auth(&owner.token).header("if-match", "\"3\"").send().await.unwrap();
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);

    let after: Value = app.get(&path).send().await.unwrap().json().await.unwrap();
    assert_eq!(after["version"], 4, "three room writes after creation");
    assert_eq!(after["room_count"], 1);
    let rooms: Vec<Value> = app.get(&format!("{path}/rooms")).send().await.unwrap().json().await.unwrap();
    assert_eq!(rooms.len(), 1);
}

async fn a_room_of_another_property_is_not_found(app: TestApp) {
    let owner = app.user("eli").await;
    let first = app.property(&owner, "Nice", 1).await;
    let second = app.property(&owner, "Nice", 1).await;
    let foreign_room = &second["rooms"][0]["id"];
    let path = format!("/properties/{}/rooms/{foreign_room}", first["id"]);

    let read = app.get(&path).send().await.unwrap();
    let edit = app.patch(&path, &json!({"name": "x"})).bearer_auth(&owner.token).send().await.unwrap();
    let delete = app.delete(&path).bearer_auth(&owner.token).send().await.unwrap();

    assert_problem(read, StatusCode::NOT_FOUND).await;
    assert_problem(edit, StatusCode::NOT_FOUND).await;
    assert_problem(delete, StatusCode::NOT_FOUND).await;
}

async fn a_stranger_cannot_touch_the_rooms(app: TestApp) {
    let owner = app.user("fox").await;
    let stranger = app.user("gil").await;
    let property = app.property(&owner, "Nice", 1).await;
    let rooms = format!("/properties/{}/rooms", property["id"]);
    let room = format!("{rooms}/{}", property["rooms"][0]["id"]);

    let add =
        app.post(&rooms, &json!({"name": "x", "kind": "other", "area_m2": 1})).bearer_auth(&stranger.token);
    let edit = app.patch(&room, &json!({"name": "x"})).bearer_auth(&stranger.token);
    let delete = app.delete(&room).bearer_auth(&stranger.token);

    assert_problem(add.send().await.unwrap(), StatusCode::FORBIDDEN).await;
    assert_problem(edit.send().await.unwrap(), StatusCode::FORBIDDEN).await;
    assert_problem(delete.send().await.unwrap(), StatusCode::FORBIDDEN).await;
    let after: Value =
        app.get(&format!("/properties/{}", property["id"])).send().await.unwrap().json().await.unwrap();
    assert_eq!(after, property, "unchanged");
}

async fn invalid_rooms_are_422_naming_each_field(app: TestApp) {
    let owner = app.user("hal").await;
    let property = app.property(&owner, "Nice", 0).await;
    let rooms = format!("/properties/{}/rooms", property["id"]);

    let response = app
        .post(&rooms, &json!({"name": "", "kind": "ballroom", "area_m2": 10000.01, "floor": 201}))
        .bearer_auth(&owner.token)
        .send()
        .await
        .unwrap();

    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    let mut fields = problem_fields(&problem);
    fields.sort();
    assert_eq!(fields, ["area_m2", "floor", "kind", "name"]);
    let wrong_type =
        app.post(&rooms, &json!({"name": "a", "kind": "office", "area_m2": "big"})).bearer_auth(&owner.token);
    let problem = assert_problem(wrong_type.send().await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(problem_fields(&problem), ["area_m2"]);
}

async fn rooms_of_a_missing_property_are_not_found(app: TestApp) {
    let owner = app.user("ida").await;

    let list = app.get("/properties/424242/rooms").send().await.unwrap();
    let add = app
        .post("/properties/424242/rooms", &json!({"name": "x", "kind": "other", "area_m2": 1}))
        .bearer_auth(&owner.token)
        .send()
        .await
        .unwrap();

    assert_problem(list, StatusCode::NOT_FOUND).await;
    assert_problem(add, StatusCode::NOT_FOUND).await;
}

crate::on_every_backend!(
    the_owner_adds_edits_and_removes_rooms_and_each_write_bumps_the_version,
    a_room_of_another_property_is_not_found,
    a_stranger_cannot_touch_the_rooms,
    invalid_rooms_are_422_naming_each_field,
    rooms_of_a_missing_property_are_not_found,
);
