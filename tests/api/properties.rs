//! Properties: create, read, edit, delete, history.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, problem_fields};

async fn an_owner_creates_a_property_with_its_rooms(app: TestApp) {
    let owner = app.user("rita").await;
    let body = json!({
        "name": "  Sunny flat ", "property_type": "apartment", "city": " Saint-Étienne ",
        "rooms": [
            {"name": "Living", "kind": "living_room", "area_m2": 20.1, "floor": 2},
            {"name": "Bed", "kind": "bedroom", "area_m2": 12.2, "description": "Quiet"}
        ]
    });

    let response = app.post("/properties", &body).bearer_auth(&owner.token).send().await.unwrap();

    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let property: Value = response.json().await.unwrap();
    assert_eq!(location, format!("/properties/{}", property["id"]));
    assert_eq!(etag, "\"1\"");
    assert_eq!(property["name"], "Sunny flat");
    assert_eq!(property["city"], "Saint-Étienne");
    assert_eq!(property["description"], "");
    assert_eq!(property["owner_id"], owner.id);
    assert_eq!(property["version"], 1);
    assert_eq!(property["room_count"], 2);
    assert_eq!(property["total_area_m2"], 32.3);
    assert_eq!(property["rooms"][0]["floor"], 2);
    assert_eq!(property["rooms"][0]["description"], Value::Null);
    assert_eq!(property["rooms"][1]["property_id"], property["id"]);
    assert!(!property.to_string().contains(&owner.email), "no owner details in property JSON");
}

async fn creating_a_property_needs_a_token(app: TestApp) {
    let body = json!({"name": "X", "property_type": "house", "city": "Paris"});

    let response = app.post("/properties", &body).send().await.unwrap();

    assert_problem(response, StatusCode::UNAUTHORIZED).await;
}

async fn an_unknown_type_and_bad_rooms_are_named_in_the_problem(app: TestApp) {
    let owner = app.user("sam").await;
    let body = json!({"name": "X", "property_type": "castle", "city": "Paris",
        "rooms": [{"name": "ok", "kind": "bedroom", "area_m2": 0}]});

    let response = app.post("/properties", &body).bearer_auth(&owner.token).send().await.unwrap();

    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        problem_fields(&problem),
        ["rooms[0].area_m2"],
        "room rule first, before touching the database"
    );
    let body = json!({"name": "X", "property_type": "castle", "city": "Paris"});
    let response = app.post("/properties", &body).bearer_auth(&owner.token).send().await.unwrap();
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(problem_fields(&problem), ["property_type"]);
}

async fn owner_id_version_and_id_cannot_be_assigned(app: TestApp) {
    let owner = app.user("tom").await;
    let victim = app.user("uma").await;
    for field in ["owner_id", "version", "id"] {
        let mut body = json!({"name": "X", "property_type": "house", "city": "Paris"});
        body[field] = json!(victim.id);

        let response = app.post("/properties", &body).bearer_auth(&owner.token).send().await.unwrap();

        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(problem_fields(&problem), [field], "{field}: {problem}");
    }
}

async fn anyone_reads_a_property_with_its_etag(app: TestApp) {
    let owner = app.user("vic").await;
    let property = app.property(&owner, "Nice", 1).await;

    let response = app.get(&format!("/properties/{}", property["id"])).send().await.unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["etag"], "\"1\"");
    assert_eq!(response.json::<Value>().await.unwrap(), property);
}

async fn a_missing_property_is_404_and_a_malformed_id_is_400(app: TestApp) {
    assert_problem(app.get("/properties/987654").send().await.unwrap(), StatusCode::NOT_FOUND).await;
    assert_problem(app.get("/properties/abc").send().await.unwrap(), StatusCode::BAD_REQUEST).await;
    assert_problem(
        app.get("/properties/99999999999999999999").send().await.unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;
}

async fn the_owner_edits_and_the_version_moves(app: TestApp) {
    let owner = app.user("wes").await;
    let property = app.property(&owner, "Nice", 0).await;
    let path = format!("/properties/{}", property["id"]);

    let response = app
        .patch(&path, &json!({"name": "Renamed", "city": "Lyon"}))
        .bearer_auth(&owner.token)
        .header("if-match", "\"1\"")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["etag"], "\"2\"");
    let updated: Value = response.json().await.unwrap();
    assert_eq!(updated["name"], "Renamed");
    assert_eq!(updated["city"], "Lyon");
    assert_eq!(updated["property_type"], "house", "untouched");
    assert_eq!(updated["version"], 2);
}

async fn a_stale_if_match_is_412_and_changes_nothing(app: TestApp) {
    let owner = app.user("xia").await;
    let property = app.property(&owner, "Nice", 0).await;
    let path = format!("/properties/{}", property["id"]);
    app.patch(&path, &json!({"name": "First"})).bearer_auth(&owner.token).send().await.unwrap();

    let stale =
        app.patch(&path, &json!({"name": "Second"})).bearer_auth(&owner.token).header("if-match", "\"1\"");
    let weak =
        app.patch(&path, &json!({"name": "Third"})).bearer_auth(&owner.token).header("if-match", "W/\"2\"");
    let delete = app.delete(&path).bearer_auth(&owner.token).header("if-match", "\"1\"");

    assert_problem(stale.send().await.unwrap(), StatusCode::PRECONDITION_FAILED).await;
    assert_problem(weak.send().await.unwrap(), StatusCode::PRECONDITION_FAILED).await;
    assert_problem(delete.send().await.unwrap(), StatusCode::PRECONDITION_FAILED).await;
    let current: Value = app.get(&path).send().await.unwrap().json().await.unwrap();
    assert_eq!((current["name"].as_str(), current["version"].as_i64()), (Some("First"), Some(2)));
}

async fn a_stranger_cannot_edit_or_delete_a_property(app: TestApp) {
    let owner = app.user("yan").await;
    let stranger = app.user("zoe").await;
    let property = app.property(&owner, "Nice", 1).await;
    let path = format!("/properties/{}", property["id"]);

    let edit =
        app.patch(&path, &json!({"name": "Mine now"})).bearer_auth(&stranger.token).send().await.unwrap();
    let delete = app.delete(&path).bearer_auth(&stranger.token).send().await.unwrap();
    let history = app.get(&format!("{path}/history")).bearer_auth(&stranger.token).send().await.unwrap();

    assert_problem(edit, StatusCode::FORBIDDEN).await;
    assert_problem(delete, StatusCode::FORBIDDEN).await;
    assert_problem(history, StatusCode::FORBIDDEN).await;
    assert_eq!(app.get(&path).send().await.unwrap().json::<Value>().await.unwrap(), property, "unchanged");
}

async fn an_admin_moderates_any_property(app: TestApp) {
    let owner = app.user("abe").await;
    let admin = app.admin().await;
    let property = app.property(&owner, "Nice", 0).await;
    let path = format!("/properties/{}", property["id"]);

    let edit = app
        .patch(&path, &json!({"description": "Moderated"}))
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();
    let delete = app.delete(&path).bearer_auth(&admin.token).send().await.unwrap();

    assert_eq!(edit.status(), StatusCode::OK);
    assert_eq!(delete.status(), StatusCode::NO_CONTENT);
    assert_problem(app.get(&path).send().await.unwrap(), StatusCode::NOT_FOUND).await;
}

async fn invalid_changes_are_422_naming_the_field(app: TestApp) {
    let owner = app.user("bo").await;
    let property = app.property(&owner, "Nice", 0).await;
    let path = format!("/properties/{}", property["id"]);

    let response = app
        .patch(&path, &json!({"name": "x".repeat(121), "property_type": "castle"}))
        .bearer_auth(&owner.token)
        .send()
        .await
        .unwrap();

    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(problem_fields(&problem), ["name"]);
    let unknown_type =
        app.patch(&path, &json!({"property_type": "castle"})).bearer_auth(&owner.token).send().await;
    let problem = assert_problem(unknown_type.unwrap(), StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(problem_fields(&problem), ["property_type"]);
}

async fn the_history_tells_who_changed_what_oldest_first(app: TestApp) {
    let owner = app.user("cy").await;
    let admin = app.admin().await;
    let property = app.property(&owner, "Nice", 1).await;
    let path = format!("/properties/{}", property["id"]);
    app.patch(&path, &json!({"name": "Renamed"})).bearer_auth(&owner.token).send().await.unwrap();
    let rooms = format!("{path}/rooms");
    app.post(&rooms, &json!({"name": "Office", "kind": "office", "area_m2": 9}))
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();

    let response = app.get(&format!("{path}/history")).bearer_auth(&owner.token).send().await.unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    let events: Vec<Value> = response.json().await.unwrap();
    let summary: Vec<_> =
        events.iter().map(|e| (e["action"].as_str().unwrap(), e["resource"].as_str().unwrap())).collect();
    // The inline room of the creation has its own event.
    assert_eq!(
        summary,
        [("create", "property"), ("create", "room"), ("update", "property"), ("create", "room")]
    );
    assert_eq!(events[0]["resource_id"], property["id"], "an integer, like the property's id");
    assert_eq!(events[1]["resource_id"], property["rooms"][0]["id"]);
    assert_eq!(events[2]["actor_id"], owner.id);
    assert_eq!(events[2]["changes"], json!({"name": {"old": "Test property", "new": "Renamed"}}));
    assert_eq!(events[3]["actor_id"], admin.id);
    let admin_view = app.get(&format!("{path}/history")).bearer_auth(&admin.token).send().await.unwrap();
    assert_eq!(admin_view.status(), StatusCode::OK);
}

crate::on_every_backend!(
    an_owner_creates_a_property_with_its_rooms,
    creating_a_property_needs_a_token,
    an_unknown_type_and_bad_rooms_are_named_in_the_problem,
    owner_id_version_and_id_cannot_be_assigned,
    anyone_reads_a_property_with_its_etag,
    a_missing_property_is_404_and_a_malformed_id_is_400,
    the_owner_edits_and_the_version_moves,
    a_stale_if_match_is_412_and_changes_nothing,
    a_stranger_cannot_edit_or_delete_a_property,
    an_admin_moderates_any_property,
    invalid_changes_are_422_naming_the_field,
    the_history_tells_who_changed_what_oldest_first,
);
