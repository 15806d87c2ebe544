//! The conformance issue, item by item: each test asserts what the contract
//! says (validation problems, `null`, `If-Match` lists, room ETags, the
//! audit trail, the documentation, query parameters, problem titles, the
//! last admin, 405, 304 and caching), unhappy paths included.

use std::collections::{BTreeMap, BTreeSet};

use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, assert_problem, problem_fields};

/// Asserts `response` is a 422 whose `errors` name exactly `expected` (in
/// any order), each with a message; `context` says which request it was.
async fn assert_invalid(response: Response, expected: &[&str], context: &str) {
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{context}");
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    let mut fields = problem_fields(&problem);
    fields.sort();
    let mut expected: Vec<&str> = expected.to_vec();
    expected.sort_unstable();
    assert_eq!(fields, expected, "{context}: {problem}");
    for error in problem["errors"].as_array().into_iter().flatten() {
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()), "{context}: {error}");
    }
}

/// The `ETag` of a response, or `""`.
fn etag(response: &Response) -> String {
    response.headers().get("etag").map(|value| value.to_str().unwrap().to_owned()).unwrap_or_default()
}

/// A header of a response, or `""`.
fn header(response: &Response, name: &str) -> String {
    response.headers().get(name).map(|value| value.to_str().unwrap().to_owned()).unwrap_or_default()
}

async fn json_of(request: RequestBuilder) -> Value {
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{}", response.url());
    response.json().await.unwrap()
}

// 1. Every 422 names each offending field, whatever the cause.

async fn every_422_names_each_offending_field_as_the_client_spelled_it(app: TestApp) {
    let owner = app.user("amy").await;
    let property = app.property(&owner, "Nice", 1).await;
    let path = format!("/properties/{}", property["id"]);
    let rooms = format!("{path}/rooms");
    let room = format!("{rooms}/{}", property["rooms"][0]["id"]);
    let (path, rooms, room) = (path.as_str(), rooms.as_str(), room.as_str());
    let valid_room = json!({"name": "Hall", "kind": "other", "area_m2": 4.0});
    let with_rooms =
        |rooms: Value| json!({"name": "N", "property_type": "house", "city": "Nice", "rooms": rooms});
    let registration = |birth_date: &str| {
        json!({"email": app.email("bad-date"), "password": PASSWORD, "first_name": "B", "last_name": "D",
            "birth_date": birth_date})
    };
    let cases: Vec<(Method, &str, Value, Vec<&str>)> = vec![
        // A missing required field.
        (
            Method::POST,
            "/properties",
            json!({"description": "no name"}),
            vec!["city", "name", "property_type"],
        ),
        (Method::POST, rooms, json!({"name": "Hall", "kind": "other"}), vec!["area_m2"]),
        (
            Method::POST,
            "/users",
            json!({"email": app.email("x"), "password": PASSWORD}),
            vec!["first_name", "last_name"],
        ),
        // A field of the wrong JSON type.
        (Method::POST, rooms, json!({"name": "Hall", "kind": "other", "area_m2": "big"}), vec!["area_m2"]),
        (
            Method::POST,
            "/properties",
            json!({"name": 5, "property_type": "house", "city": "Nice"}),
            vec!["name"],
        ),
        (
            Method::POST,
            rooms,
            json!({"name": "Hall", "kind": "other", "area_m2": 4, "floor": 97.5}),
            vec!["floor"],
        ),
        (Method::PATCH, room, json!({"floor": "1"}), vec!["floor"]),
        (Method::PATCH, path, json!({"city": ["Nice"]}), vec!["city"]),
        // An unknown field.
        (Method::PATCH, path, json!({"colour": "red"}), vec!["colour"]),
        (Method::PATCH, room, json!({"colour": "red"}), vec!["colour"]),
        // `null` where none is allowed.
        (Method::PATCH, path, json!({"name": null}), vec!["name"]),
        (Method::PATCH, room, json!({"area_m2": null}), vec!["area_m2"]),
        (Method::POST, rooms, json!({"name": "Hall", "kind": null, "area_m2": 4}), vec!["kind"]),
        // An unparsable date.
        (Method::PATCH, "/users/me", json!({"birth_date": "1990-13-45"}), vec!["birth_date"]),
        (Method::PATCH, "/users/me", json!({"birth_date": "1990-1-5"}), vec!["birth_date"]),
        (Method::POST, "/users", registration("1990-13-45"), vec!["birth_date"]),
        (Method::POST, "/users", registration("1990-1-5"), vec!["birth_date"]),
        // A broken rule.
        (Method::PATCH, path, json!({"city": "   "}), vec!["city"]),
        (Method::PATCH, room, json!({"floor": 201}), vec!["floor"]),
        // Inline rooms: nested paths.
        (
            Method::POST,
            "/properties",
            with_rooms(json!([valid_room, {"name": "B", "kind": "bedroom", "area_m2": 0}])),
            vec!["rooms[1].area_m2"],
        ),
        (
            Method::POST,
            "/properties",
            with_rooms(json!([{"name": "B", "kind": "bedroom", "area_m2": 9, "colour": "red"}])),
            vec!["rooms[0].colour"],
        ),
        (Method::POST, "/properties", with_rooms(json!([valid_room, valid_room, 5])), vec!["rooms[2]"]),
        (
            Method::POST,
            "/properties",
            with_rooms(json!([{"name": "B", "kind": "bedroom"}])),
            vec!["rooms[0].area_m2"],
        ),
        (Method::POST, "/properties", with_rooms(json!({"name": "B"})), vec!["rooms"]),
        // Several at once in one body.
        (
            Method::POST,
            "/properties",
            json!({"name": "", "property_type": 3, "city": null, "colour": 1,
                "rooms": [valid_room, {"name": "R", "kind": "ballroom", "area_m2": 1, "floor": 2.5}]}),
            vec!["city", "colour", "name", "property_type", "rooms[1].floor", "rooms[1].kind"],
        ),
        // A body that is not an object.
        (Method::POST, "/properties", json!([]), vec![""]),
        (Method::POST, "/properties", json!("x"), vec![""]),
        (Method::POST, "/properties", json!(null), vec![""]),
        (Method::PATCH, path, json!([]), vec![""]),
        (Method::PATCH, room, json!("x"), vec![""]),
        (Method::PATCH, "/users/me", json!(null), vec![""]),
        (Method::POST, "/users", json!([]), vec![""]),
    ];
    for (method, target, body, expected) in cases {
        let context = format!("{method} {target} {body}");

        let response =
            app.request(method, target).bearer_auth(&owner.token).json(&body).send().await.unwrap();

        assert_invalid(response, &expected, &context).await;
    }
    let after = json_of(app.get(path)).await;
    assert_eq!(after, property, "no refused write changed anything");
}

async fn an_integer_written_with_a_zero_fraction_is_that_integer(app: TestApp) {
    let owner = app.user("ben").await;
    let property = app.property(&owner, "Nice", 0).await;
    let rooms = format!("/properties/{}/rooms", property["id"]);

    let added = app
        .post(&rooms, &json!({"name": "Attic", "kind": "storage", "area_m2": 6, "floor": 97.0}))
        .bearer_auth(&owner.token)
        .send()
        .await
        .unwrap();

    assert_eq!(added.status(), StatusCode::CREATED);
    let room: Value = added.json().await.unwrap();
    assert_eq!(room["floor"].as_i64(), Some(97), "{room}");
    let path = format!("{rooms}/{}", room["id"]);
    let edited = json_of(app.patch(&path, &json!({"floor": -2.0})).bearer_auth(&owner.token)).await;
    assert_eq!(edited["floor"].as_i64(), Some(-2), "{edited}");
    let inline = app
        .post(
            "/properties",
            &json!({"name": "N", "property_type": "loft", "city": "Nice",
                "rooms": [{"name": "R", "kind": "office", "area_m2": 9, "floor": 3.0}]}),
        )
        .bearer_auth(&owner.token)
        .send()
        .await
        .unwrap();
    assert_eq!(inline.status(), StatusCode::CREATED);
    let inline: Value = inline.json().await.unwrap();
    assert_eq!(inline["rooms"][0]["floor"].as_i64(), Some(3), "{inline}");
}

// 2. `null` is never silently ignored.

async fn null_is_refused_where_none_is_allowed_and_clears_where_it_is(app: TestApp) {
    let owner = app.user("cid").await;
    let property = app.property(&owner, "Nice", 1).await;
    let path = format!("/properties/{}", property["id"]);
    let room = format!("{path}/rooms/{}", property["rooms"][0]["id"]);

    let refused =
        app.patch(&path, &json!({"description": null})).bearer_auth(&owner.token).send().await.unwrap();

    assert_invalid(refused, &["description"], "PATCH description: null").await;
    let after = json_of(app.get(&path)).await;
    assert_eq!(after["version"], 1, "version unchanged");
    assert_eq!(after, property, "nothing changed");

    let set = app.patch(&room, &json!({"floor": 3, "description": "Sunny"})).bearer_auth(&owner.token);
    let set = json_of(set).await;
    assert_eq!((set["floor"].as_i64(), set["description"].as_str()), (Some(3), Some("Sunny")));
    let floor_cleared = json_of(app.patch(&room, &json!({"floor": null})).bearer_auth(&owner.token)).await;
    assert_eq!(floor_cleared["floor"], Value::Null, "floor cleared");
    assert_eq!(floor_cleared["description"], "Sunny", "description untouched");
    let description_cleared =
        json_of(app.patch(&room, &json!({"description": null})).bearer_auth(&owner.token)).await;
    assert_eq!(description_cleared["description"], Value::Null, "description cleared");
    assert_eq!(json_of(app.get(&room)).await, description_cleared, "as stored");

    let dated = app.patch("/users/me", &json!({"birth_date": "1990-12-10"})).bearer_auth(&owner.token);
    assert_eq!(json_of(dated).await["birth_date"], "1990-12-10");
    let cleared = app.patch("/users/me", &json!({"birth_date": null})).bearer_auth(&owner.token);
    assert_eq!(json_of(cleared).await["birth_date"], Value::Null, "birth_date cleared");
    let me = json_of(app.get("/users/me").bearer_auth(&owner.token)).await;
    assert_eq!(me["birth_date"], Value::Null, "as stored");
}

// 3. If-Match lists (RFC 9110 §13.1.1).

async fn if_match_lists_match_when_any_strong_tag_is_current(app: TestApp) {
    let owner = app.user("dan").await;
    let property = app.property(&owner, "Nice", 1).await;
    let path = format!("/properties/{}", property["id"]);
    let rooms = format!("{path}/rooms");
    let room = format!("{rooms}/{}", property["rooms"][0]["id"]);
    let patch = |if_match: &'static str, name: &'static str| {
        app.patch(&path, &json!({"name": name})).bearer_auth(&owner.token).header("if-match", if_match).send()
    };

    // The property's PATCH, at version 1.
    let either = patch("\"7\", \"1\"", "Either").await.unwrap();
    assert_eq!((either.status(), etag(&either)), (StatusCode::OK, "\"2\"".to_owned()), "one tag current");
    let any = patch("*", "Any").await.unwrap();
    assert_eq!((any.status(), etag(&any)), (StatusCode::OK, "\"3\"".to_owned()), "* matches");
    assert_problem(patch("W/\"3\"", "Weak").await.unwrap(), StatusCode::PRECONDITION_FAILED).await;
    assert_problem(patch("\"1\", \"2\"", "Stale").await.unwrap(), StatusCode::PRECONDITION_FAILED).await;
    assert_problem(patch("W/\"3\", \"2\"", "Stale").await.unwrap(), StatusCode::PRECONDITION_FAILED).await;
    assert_problem(patch("3", "Unquoted").await.unwrap(), StatusCode::BAD_REQUEST).await;
    let current = json_of(app.get(&path)).await;
    assert_eq!((current["version"].as_i64(), current["name"].as_str()), (Some(3), Some("Any")), "unchanged");

    // Room writes, at version 3.
    let add = |if_match: &'static str| {
        app.post(&rooms, &json!({"name": "Den", "kind": "office", "area_m2": 7}))
            .bearer_auth(&owner.token)
            .header("if-match", if_match)
            .send()
    };
    let edit_room = |if_match: &'static str| {
        app.patch(&room, &json!({"name": "Edited"}))
            .bearer_auth(&owner.token)
            .header("if-match", if_match)
            .send()
    };
    let remove_room = |if_match: &'static str| {
        app.delete(&room).bearer_auth(&owner.token).header("if-match", if_match).send()
    };
    assert_problem(add("W/\"3\"").await.unwrap(), StatusCode::PRECONDITION_FAILED).await;
    assert_problem(add("\"1\", \"2\"").await.unwrap(), StatusCode::PRECONDITION_FAILED).await;
    assert_problem(add("3").await.unwrap(), StatusCode::BAD_REQUEST).await;
    assert_eq!(add("\"9\", \"3\"").await.unwrap().status(), StatusCode::CREATED, "one tag current");
    assert_problem(edit_room("W/\"4\"").await.unwrap(), StatusCode::PRECONDITION_FAILED).await;
    assert_problem(edit_room("\"2\", \"3\"").await.unwrap(), StatusCode::PRECONDITION_FAILED).await;
    assert_problem(edit_room("\"4").await.unwrap(), StatusCode::BAD_REQUEST).await;
    assert_eq!(edit_room("*").await.unwrap().status(), StatusCode::OK, "* matches");
    assert_problem(remove_room("W/\"5\"").await.unwrap(), StatusCode::PRECONDITION_FAILED).await;
    assert_problem(remove_room("\"3\", \"4\"").await.unwrap(), StatusCode::PRECONDITION_FAILED).await;
    assert_problem(remove_room("5").await.unwrap(), StatusCode::BAD_REQUEST).await;
    assert_eq!(version_of(&app, &path).await, 5, "refused room writes changed nothing");
    let current = json_of(app.get(&path)).await;
    assert_eq!(current["room_count"], 2);
    assert_eq!(current["rooms"][0]["name"], "Edited");
    assert_eq!(remove_room("\"5\", \"4\"").await.unwrap().status(), StatusCode::NO_CONTENT);

    // The property's DELETE, at version 6.
    let delete = |if_match: &'static str| {
        app.delete(&path).bearer_auth(&owner.token).header("if-match", if_match).send()
    };
    assert_problem(delete("W/\"6\"").await.unwrap(), StatusCode::PRECONDITION_FAILED).await;
    assert_problem(delete("\"4\", \"5\"").await.unwrap(), StatusCode::PRECONDITION_FAILED).await;
    assert_problem(delete("6").await.unwrap(), StatusCode::BAD_REQUEST).await;
    assert_eq!(version_of(&app, &path).await, 6, "still there, unchanged");
    assert_eq!(delete("\"1\", \"6\"").await.unwrap().status(), StatusCode::NO_CONTENT);
    assert_problem(app.get(&path).send().await.unwrap(), StatusCode::NOT_FOUND).await;

    // `*` matches any existing property, and only an existing one.
    let other = app.property(&owner, "Nice", 0).await;
    let other = format!("/properties/{}", other["id"]);
    let star = || app.delete(&other).bearer_auth(&owner.token).header("if-match", "*").send();
    assert_eq!(star().await.unwrap().status(), StatusCode::NO_CONTENT);
    assert_problem(star().await.unwrap(), StatusCode::NOT_FOUND).await;
}

async fn version_of(app: &TestApp, path: &str) -> i64 {
    json_of(app.get(path)).await["version"].as_i64().unwrap()
}

// 4. Room writes answer with the property's new ETag.

async fn room_writes_answer_with_the_new_etag_and_chain_without_a_reread(app: TestApp) {
    let owner = app.user("eve").await;
    let property = app.property(&owner, "Nice", 0).await;
    let path = format!("/properties/{}", property["id"]);
    let rooms = format!("{path}/rooms");
    let created_tag = format!("\"{}\"", property["version"]);

    let first = app
        .post(&rooms, &json!({"name": "One", "kind": "bedroom", "area_m2": 10}))
        .bearer_auth(&owner.token)
        .header("if-match", &created_tag)
        .send()
        .await
        .unwrap();
    assert_eq!((first.status(), etag(&first)), (StatusCode::CREATED, "\"2\"".to_owned()));
    let tag = etag(&first);
    let first: Value = first.json().await.unwrap();
    let second = app
        .post(&rooms, &json!({"name": "Two", "kind": "kitchen", "area_m2": 8}))
        .bearer_auth(&owner.token)
        .header("if-match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!((second.status(), etag(&second)), (StatusCode::CREATED, "\"3\"".to_owned()));
    let tag = etag(&second);
    let second: Value = second.json().await.unwrap();
    let first_path = format!("{rooms}/{}", first["id"]);
    let edited = app
        .patch(&first_path, &json!({"name": "Renamed"}))
        .bearer_auth(&owner.token)
        .header("if-match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!((edited.status(), etag(&edited)), (StatusCode::OK, "\"4\"".to_owned()));
    let tag = etag(&edited);
    let removed = app
        .delete(&format!("{rooms}/{}", second["id"]))
        .bearer_auth(&owner.token)
        .header("if-match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!((removed.status(), etag(&removed)), (StatusCode::NO_CONTENT, "\"5\"".to_owned()));
    let tag = etag(&removed);
    assert!(removed.bytes().await.unwrap().is_empty(), "a 204 has no body");

    let read = app.get(&path).send().await.unwrap();
    assert_eq!(etag(&read), tag, "GET /properties/{{id}}");
    let read: Value = read.json().await.unwrap();
    assert_eq!((read["version"].as_i64(), read["room_count"].as_i64()), (Some(5), Some(1)));
    let list = app.get(&rooms).send().await.unwrap();
    assert_eq!((list.status(), etag(&list)), (StatusCode::OK, tag.clone()), "GET rooms");
    let one = app.get(&first_path).send().await.unwrap();
    assert_eq!((one.status(), etag(&one)), (StatusCode::OK, tag.clone()), "GET one room");
    let stale = app
        .patch(&first_path, &json!({"name": "Late"}))
        .bearer_auth(&owner.token)
        .header("if-match", "\"4\"")
        .send()
        .await
        .unwrap();
    assert_problem(stale, StatusCode::PRECONDITION_FAILED).await;
}

// 5. `resource_id` is the resource's own id, in its own JSON type.

async fn history_resource_ids_are_integers_equal_to_the_resources_ids(app: TestApp) {
    let owner = app.user("fay").await;
    let property = app.property(&owner, "Nice", 1).await;
    let path = format!("/properties/{}", property["id"]);
    let added = app
        .post(&format!("{path}/rooms"), &json!({"name": "Den", "kind": "office", "area_m2": 7}))
        .bearer_auth(&owner.token)
        .send()
        .await
        .unwrap();
    let added: Value = added.json().await.unwrap();
    let edited = app.patch(&path, &json!({"city": "Lyon"})).bearer_auth(&owner.token).send().await.unwrap();
    assert_eq!(edited.status(), StatusCode::OK);

    let history = json_of(app.get(&format!("{path}/history")).bearer_auth(&owner.token)).await;

    let events = history.as_array().unwrap();
    let ids: Vec<(&str, &Value)> =
        events.iter().map(|event| (event["resource"].as_str().unwrap(), &event["resource_id"])).collect();
    assert_eq!(
        ids,
        [
            ("property", &property["id"]),
            ("room", &property["rooms"][0]["id"]),
            ("room", &added["id"]),
            ("property", &property["id"]),
        ]
    );
    for event in events {
        assert!(event["resource_id"].is_i64(), "a JSON integer, not a string: {event}");
    }

    let document = json_of(app.get("/openapi.json")).await;
    let history_schema = &document["paths"]["/properties/{id}/history"]["get"]["responses"]["200"]["content"]
        ["application/json"]["schema"];
    let event = resolve(&document, &resolve(&document, history_schema)["items"]);
    let resource_id = &event["properties"]["resource_id"];
    assert_eq!(
        schema_types(&document, resource_id),
        BTreeSet::from(["integer".to_owned(), "string".to_owned()])
    );
}

/// Follows a `$ref` within the document.
fn resolve(document: &Value, schema: &Value) -> Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let pointer = reference.trim_start_matches('#');
            resolve(document, document.pointer(pointer).unwrap_or(&Value::Null))
        }
        None => schema.clone(),
    }
}

/// The JSON types a schema allows, through `$ref`, `oneOf` and `anyOf`.
fn schema_types(document: &Value, schema: &Value) -> BTreeSet<String> {
    let schema = resolve(document, schema);
    let mut types = BTreeSet::new();
    match &schema["type"] {
        Value::String(kind) => {
            types.insert(kind.clone());
        }
        Value::Array(kinds) => types.extend(kinds.iter().filter_map(Value::as_str).map(str::to_owned)),
        _ => {}
    }
    for key in ["oneOf", "anyOf"] {
        for member in schema[key].as_array().into_iter().flatten() {
            types.extend(schema_types(document, member));
        }
    }
    types
}

// 6. Inline rooms are audited.

async fn inline_rooms_are_audited_with_one_create_event_each_in_order(app: TestApp) {
    let owner = app.user("gil").await;
    let property = app.property(&owner, "Nice", 2).await;
    let path = format!("/properties/{}/history", property["id"]);

    let history = json_of(app.get(&path).bearer_auth(&owner.token)).await;

    let events: Vec<(&str, &str, &Value, &Value)> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|event| {
            let name = &event["changes"]["name"]["new"];
            (
                event["action"].as_str().unwrap(),
                event["resource"].as_str().unwrap(),
                &event["resource_id"],
                name,
            )
        })
        .collect();
    assert_eq!(
        events,
        [
            ("create", "property", &property["id"], &json!("Test property")),
            ("create", "room", &property["rooms"][0]["id"], &json!("Room 0")),
            ("create", "room", &property["rooms"][1]["id"], &json!("Room 1")),
        ]
    );
    for event in history.as_array().unwrap() {
        assert_eq!(event["actor_id"], owner.id, "{event}");
    }
}

// 7. The documentation.

async fn the_docs_are_served_at_docs_itself_with_their_assets(app: TestApp) {
    let page = app.get("/docs").send().await.unwrap();

    assert_eq!(page.status(), StatusCode::OK, "no redirect");
    assert!(header(&page, "content-type").starts_with("text/html"), "{}", header(&page, "content-type"));
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "the Swagger UI page itself");
    let script = app.get("/docs/swagger-ui-bundle.js").send().await.unwrap();
    assert_eq!(script.status(), StatusCode::OK);
    assert!(header(&script, "content-type").contains("javascript"), "{}", header(&script, "content-type"));
    let mut assets = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        for (start, _) in html.match_indices(attribute) {
            let rest = &html[start + attribute.len()..];
            let value = &rest[..rest.find('"').unwrap_or(0)];
            if let Some(relative) = value.strip_prefix("./") {
                assets.push(format!("/docs/{relative}"));
            }
        }
    }
    assert!(assets.len() >= 3, "the page refers to its assets: {assets:?}");
    for asset in assets {
        let response = app.get(&asset).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{asset} loads");
    }
    let initializer = app.get("/docs/swagger-initializer.js").send().await.unwrap().text().await.unwrap();
    assert!(initializer.contains("/openapi.json"), "the UI reads this service's document");
}

/// Every route of DESIGN §4's table with the statuses it returns: its own
/// column, 401 wherever a token is needed, 413 and 415 wherever a body is read,
/// 304 on conditional reads (§4.2), 412 on every write to a property or its
/// rooms, 409 on idempotent creations (§4.3). 400, 429, 500 and 503 are
/// added to every route below.
const ROUTES: &[(&str, &str, &[u16])] = &[
    ("get", "/health", &[200]),
    ("get", "/ready", &[200, 503]),
    ("get", "/version", &[200]),
    ("get", "/openapi.json", &[200]),
    ("get", "/docs", &[200]),
    ("get", "/metrics", &[200]),
    ("post", "/users", &[201, 409, 413, 415, 422]),
    ("get", "/users", &[200, 401, 403]),
    ("post", "/auth/token", &[200, 401, 413, 415, 422]),
    ("get", "/users/me", &[200, 401]),
    ("patch", "/users/me", &[200, 401, 413, 415, 422]),
    ("get", "/users/{id}", &[200, 401, 403, 404]),
    ("patch", "/users/{id}", &[200, 401, 403, 404, 413, 415, 422]),
    ("delete", "/users/{id}", &[204, 401, 403, 404, 409]),
    ("get", "/property-types", &[200, 304]),
    ("get", "/property-types/{slug}", &[200, 304, 404]),
    ("post", "/property-types", &[201, 401, 403, 409, 413, 415, 422]),
    ("delete", "/property-types/{slug}", &[204, 401, 403, 404, 409]),
    ("get", "/properties", &[200, 304]),
    ("post", "/properties", &[201, 401, 409, 413, 415, 422]),
    ("get", "/properties/{id}", &[200, 304, 404]),
    ("patch", "/properties/{id}", &[200, 401, 403, 404, 412, 413, 415, 422]),
    ("delete", "/properties/{id}", &[204, 401, 403, 404, 412]),
    ("get", "/properties/{id}/rooms", &[200, 304, 404]),
    ("post", "/properties/{id}/rooms", &[201, 401, 403, 404, 409, 412, 413, 415, 422]),
    ("get", "/properties/{id}/rooms/{room_id}", &[200, 304, 404]),
    ("patch", "/properties/{id}/rooms/{room_id}", &[200, 401, 403, 404, 412, 413, 415, 422]),
    ("delete", "/properties/{id}/rooms/{room_id}", &[204, 401, 403, 404, 412]),
    ("get", "/properties/{id}/history", &[200, 401, 403, 404]),
];

async fn the_openapi_document_lists_every_route_with_the_statuses_it_returns(app: TestApp) {
    let document = json_of(app.get("/openapi.json")).await;

    let mut missing = Vec::new();
    for (method, path, statuses) in ROUTES {
        let operation = &document["paths"][path][method];
        if !operation.is_object() {
            missing.push(format!("{method} {path}: not documented"));
            continue;
        }
        for status in statuses.iter().chain(&[400, 429, 500, 503]) {
            if operation["responses"].get(status.to_string()).is_none() {
                missing.push(format!("{method} {path}: {status}"));
            }
        }
    }
    assert!(missing.is_empty(), "undocumented:\n{}", missing.join("\n"));
}

// 8. Unknown query parameters.

async fn unknown_query_parameters_are_a_400_naming_each(app: TestApp) {
    let owner = app.user("hal").await;
    let admin = app.admin().await;
    let property = app.property(&owner, "Nice", 1).await;
    let path = format!("/properties/{}", property["id"]);
    let cases = [
        ("/properties?sort=-created_at&colour=red".to_owned(), vec!["colour"]),
        ("/health?x=1".to_owned(), vec!["x"]),
        (format!("{path}?a=1"), vec!["a"]),
        (format!("{path}/rooms?x=1&y=2"), vec!["x", "y"]),
        (format!("{path}/rooms/{}?expand=all", property["rooms"][0]["id"]), vec!["expand"]),
        ("/property-types?page=2".to_owned(), vec!["page"]),
        ("/users/me?verbose".to_owned(), vec!["verbose"]),
        ("/users?role=user&sort=email".to_owned(), vec!["sort"]),
    ];
    for (target, expected) in cases {
        let response = app.get(&target).bearer_auth(&admin.token).send().await.unwrap();

        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{target}");
        let problem = assert_problem(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(problem_fields(&problem), expected, "{target}: {problem}");
    }

    let page =
        json_of(app.get("/properties?sort=-created_at&city=nice&type=house&has=bedroom&limit=5")).await;
    assert_eq!(page["items"][0]["id"], property["id"], "known parameters still work");
    let users = json_of(app.get("/users?role=admin&limit=2").bearer_auth(&admin.token)).await;
    assert_eq!(users["items"][0]["id"], admin.id);
    assert_eq!(app.get("/health").send().await.unwrap().status(), StatusCode::OK);
}

// 9. One title per problem type.

async fn a_problem_type_always_has_the_same_title(app: TestApp) {
    let owner = app.user("ida").await;
    let stranger = app.user("jon").await;
    let property = app.property(&owner, "Nice", 1).await;
    let path = format!("/properties/{}", property["id"]);
    let raw = |method: Method, target: &str, content_type: &str, body: &'static str| {
        app.request(method, target).bearer_auth(&owner.token).header("content-type", content_type).body(body)
    };
    let register = json!({"email": owner.email, "password": PASSWORD, "first_name": "I", "last_name": "D"});
    let huge =
        json!({"name": "x", "property_type": "house", "city": "X", "description": "d".repeat(100 * 1024)});
    let requests: Vec<(&str, RequestBuilder, StatusCode)> = vec![
        ("handler 404", app.get("/properties/424242"), StatusCode::NOT_FOUND),
        ("handler 404 of a room", app.get(&format!("{path}/rooms/424242")), StatusCode::NOT_FOUND),
        ("handler 404 of a type", app.get("/property-types/castle"), StatusCode::NOT_FOUND),
        ("unknown-route 404", app.get("/nowhere"), StatusCode::NOT_FOUND),
        ("unknown-route 404 with a slash", app.get("/properties/"), StatusCode::NOT_FOUND),
        ("405", app.request(Method::PUT, &path), StatusCode::METHOD_NOT_ALLOWED),
        ("405 elsewhere", app.request(Method::DELETE, "/health"), StatusCode::METHOD_NOT_ALLOWED),
        (
            "400 JSON syntax",
            raw(Method::POST, "/properties", "application/json", "{"),
            StatusCode::BAD_REQUEST,
        ),
        (
            "400 JSON syntax on a PATCH",
            raw(Method::PATCH, &path, "application/json", "[1,"),
            StatusCode::BAD_REQUEST,
        ),
        ("400 path segment", app.get("/properties/abc"), StatusCode::BAD_REQUEST),
        (
            "400 If-Match",
            app.delete(&path).bearer_auth(&owner.token).header("if-match", "1"),
            StatusCode::BAD_REQUEST,
        ),
        ("400 query", app.get("/properties?limit=0"), StatusCode::BAD_REQUEST),
        ("400 unknown parameter", app.get("/properties?colour=red"), StatusCode::BAD_REQUEST),
        ("401 no token", app.get("/users/me"), StatusCode::UNAUTHORIZED),
        ("401 bad token", app.get("/users/me").bearer_auth("v4.public.garbage"), StatusCode::UNAUTHORIZED),
        (
            "401 bad credentials",
            app.post("/auth/token", &json!({"email": owner.email, "password": "nope nope"})),
            StatusCode::UNAUTHORIZED,
        ),
        ("403", app.patch(&path, &json!({"name": "x"})).bearer_auth(&stranger.token), StatusCode::FORBIDDEN),
        ("403 admin route", app.get("/users").bearer_auth(&stranger.token), StatusCode::FORBIDDEN),
        ("409 email taken", app.post("/users", &register), StatusCode::CONFLICT),
        (
            "409 type in use",
            app.delete("/property-types/house").bearer_auth(&app.admin().await.token),
            StatusCode::CONFLICT,
        ),
        (
            "412",
            app.patch(&path, &json!({"name": "x"})).bearer_auth(&owner.token).header("if-match", "\"99\""),
            StatusCode::PRECONDITION_FAILED,
        ),
        ("413", app.post("/properties", &huge).bearer_auth(&owner.token), StatusCode::PAYLOAD_TOO_LARGE),
        ("415", raw(Method::POST, "/properties", "text/plain", "{}"), StatusCode::UNSUPPORTED_MEDIA_TYPE),
        (
            "415 no content type",
            app.request(Method::POST, "/properties").bearer_auth(&owner.token).body("{}"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "422",
            app.post("/properties", &json!({})).bearer_auth(&owner.token),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "422 room",
            app.post(&format!("{path}/rooms"), &json!({"kind": "x"})).bearer_auth(&owner.token),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    let mut problems: Vec<(&str, Value)> = Vec::new();
    for (label, request, status) in requests {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), status, "{label}");
        problems.push((label, assert_problem(response, status).await));
    }
    let throttled = app.email("throttled");
    let login = json!({"email": throttled, "password": "wrong password"});
    for _ in 0..5 {
        let failed = app.post("/auth/token", &login).send().await.unwrap();
        assert_eq!(failed.status(), StatusCode::UNAUTHORIZED);
    }
    let response = app.post("/auth/token", &login).send().await.unwrap();
    problems.push(("429 login throttled", assert_problem(response, StatusCode::TOO_MANY_REQUESTS).await));

    let mut titles: BTreeMap<String, (String, &str)> = BTreeMap::new();
    for (label, problem) in &problems {
        let kind = problem["type"].as_str().unwrap().to_owned();
        let title = problem["title"].as_str().unwrap().to_owned();
        match titles.get(&kind) {
            Some((first_title, first)) => {
                assert_eq!(&title, first_title, "{kind}: {label} and {first} have different titles");
            }
            None => {
                titles.insert(kind, (title, label));
            }
        }
    }
    let [(_, handler), (_, route)] = [&problems[0], &problems[3]];
    assert_eq!((&handler["type"], &handler["title"]), (&route["type"], &route["title"]), "404s alike");
}

// 10. The last admin.

async fn the_last_admin_cannot_remove_themself(app: TestApp) {
    let first = app.admin().await;
    let first_path = format!("/users/{}", first.id);

    let alone = app.delete(&first_path).bearer_auth(&first.token).send().await.unwrap();

    assert_problem(alone, StatusCode::CONFLICT).await;
    let kept = app.get(&first_path).bearer_auth(&first.token).send().await.unwrap();
    assert_eq!(kept.status(), StatusCode::OK, "the account stays");
    let second = app.admin().await;
    let second_path = format!("/users/{}", second.id);
    let other = app.delete(&second_path).bearer_auth(&first.token).send().await.unwrap();
    assert_eq!(other.status(), StatusCode::NO_CONTENT, "one admin deletes the other");
    let gone = app.get(&second_path).bearer_auth(&first.token).send().await.unwrap();
    assert_problem(gone, StatusCode::NOT_FOUND).await;
    let last = app.delete(&first_path).bearer_auth(&first.token).send().await.unwrap();
    assert_problem(last, StatusCode::CONFLICT).await;
    let me = app.get("/users/me").bearer_auth(&first.token).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::OK, "the remaining admin stays");
}

// Also: 405, 304 and caching.

async fn a_wrong_method_is_a_405_problem_with_allow(app: TestApp) {
    let owner = app.user("kim").await;
    let property = app.property(&owner, "Nice", 1).await;
    let path = format!("/properties/{}", property["id"]);
    let cases = [
        (Method::PUT, path.clone(), vec!["GET", "PATCH", "DELETE"]),
        (Method::DELETE, "/properties".to_owned(), vec!["GET", "POST"]),
        (Method::POST, "/health".to_owned(), vec!["GET"]),
        (Method::PATCH, "/property-types".to_owned(), vec!["GET", "POST"]),
        (
            Method::POST,
            format!("{path}/rooms/{}", property["rooms"][0]["id"]),
            vec!["GET", "PATCH", "DELETE"],
        ),
    ];
    for (method, target, allowed) in cases {
        let response = app.request(method.clone(), &target).bearer_auth(&owner.token).send().await.unwrap();

        let allow = header(&response, "allow");
        let listed: BTreeSet<&str> = allow.split(',').map(str::trim).collect();
        for expected in &allowed {
            assert!(listed.contains(expected), "{method} {target}: Allow: {allow}");
        }
        assert!(!listed.contains(method.as_str()), "{method} {target}: Allow: {allow}");
        assert_problem(response, StatusCode::METHOD_NOT_ALLOWED).await;
    }
}

async fn conditional_reads_answer_304_with_the_etag_and_no_body(app: TestApp) {
    let owner = app.user("lea").await;
    let admin = app.admin().await;
    let property = app.property(&owner, "Nice", 1).await;
    let path = format!("/properties/{}", property["id"]);
    let strong =
        [path.clone(), format!("{path}/rooms"), format!("{path}/rooms/{}", property["rooms"][0]["id"])];
    let weak = ["/properties".to_owned(), "/property-types".to_owned(), "/property-types/house".to_owned()];
    let mut tags = Vec::new();
    for target in strong.iter().chain(&weak) {
        let response = app.get(target).send().await.unwrap();
        let tag = etag(&response);
        let is_weak = weak.contains(target);
        assert_eq!(tag.starts_with("W/\""), is_weak, "{target}: ETag {tag}");
        if !is_weak {
            assert_eq!(tag, "\"1\"", "{target}: the property's version");
        }
        tags.push((target.clone(), tag));
    }

    for (target, tag) in &tags {
        for if_none_match in [tag.clone(), format!("\"0\", {tag}"), "*".to_owned()] {
            let response = app.get(target).header("if-none-match", &if_none_match).send().await.unwrap();
            assert_eq!(
                response.status(),
                StatusCode::NOT_MODIFIED,
                "{target} If-None-Match: {if_none_match}"
            );
            assert_eq!(&etag(&response), tag, "{target}: a 304 carries the ETag");
            assert!(response.bytes().await.unwrap().is_empty(), "{target}: a 304 has no body");
        }
    }

    let edited =
        app.patch(&path, &json!({"name": "Changed"})).bearer_auth(&owner.token).send().await.unwrap();
    assert_eq!(edited.status(), StatusCode::OK);
    let created =
        app.post("/property-types", &json!({"slug": "chalet", "name": "Chalet"})).bearer_auth(&admin.token);
    assert_eq!(created.send().await.unwrap().status(), StatusCode::CREATED);
    let changed = [strong.to_vec(), vec!["/properties".to_owned(), "/property-types".to_owned()]].concat();
    for (target, tag) in tags.iter().filter(|(target, _)| changed.contains(target)) {
        let response = app.get(target).header("if-none-match", tag).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{target}: the old tag {tag} is stale");
        assert_ne!(&etag(&response), tag, "{target}: a new tag");
    }
}

async fn public_reads_are_no_cache_and_personal_answers_no_store(app: TestApp) {
    let owner = app.user("max").await;
    let admin = app.admin().await;
    let property = app.property(&owner, "Nice", 1).await;
    let path = format!("/properties/{}", property["id"]);
    let public = [
        "/properties".to_owned(),
        path.clone(),
        format!("{path}/rooms"),
        format!("{path}/rooms/{}", property["rooms"][0]["id"]),
        "/property-types".to_owned(),
        "/property-types/house".to_owned(),
    ];
    for target in &public {
        let response = app.get(target).send().await.unwrap();

        assert_eq!(response.status(), StatusCode::OK, "{target}");
        assert_eq!(header(&response, "cache-control"), "no-cache", "{target}");
    }
    let cached = app.get(&path).header("if-none-match", "\"1\"").send().await.unwrap();
    assert_eq!(
        (cached.status(), header(&cached, "cache-control")),
        (StatusCode::NOT_MODIFIED, "no-cache".to_owned())
    );

    let personal: Vec<(&str, RequestBuilder, StatusCode)> = vec![
        ("GET /users/me", app.get("/users/me").bearer_auth(&owner.token), StatusCode::OK),
        (
            "PATCH /users/me",
            app.patch("/users/me", &json!({"first_name": "Max"})).bearer_auth(&owner.token),
            StatusCode::OK,
        ),
        (
            "GET /users/{id}",
            app.get(&format!("/users/{}", owner.id)).bearer_auth(&owner.token),
            StatusCode::OK,
        ),
        ("GET /users", app.get("/users").bearer_auth(&admin.token), StatusCode::OK),
        (
            "POST /users",
            app.post(
                "/users",
                &json!({"email": app.email("new"), "password": PASSWORD,
            "first_name": "N", "last_name": "U"}),
            ),
            StatusCode::CREATED,
        ),
        (
            "POST /auth/token",
            app.post("/auth/token", &json!({"email": owner.email, "password": PASSWORD})),
            StatusCode::OK,
        ),
        ("history", app.get(&format!("{path}/history")).bearer_auth(&owner.token), StatusCode::OK),
        ("a 401 on /users/me", app.get("/users/me"), StatusCode::UNAUTHORIZED),
    ];
    for (label, request, status) in personal {
        let response = request.send().await.unwrap();

        assert_eq!(response.status(), status, "{label}");
        assert_eq!(header(&response, "cache-control"), "no-store", "{label}");
    }
}

crate::on_every_backend!(
    every_422_names_each_offending_field_as_the_client_spelled_it,
    an_integer_written_with_a_zero_fraction_is_that_integer,
    null_is_refused_where_none_is_allowed_and_clears_where_it_is,
    if_match_lists_match_when_any_strong_tag_is_current,
    room_writes_answer_with_the_new_etag_and_chain_without_a_reread,
    history_resource_ids_are_integers_equal_to_the_resources_ids,
    inline_rooms_are_audited_with_one_create_event_each_in_order,
    the_docs_are_served_at_docs_itself_with_their_assets,
    the_openapi_document_lists_every_route_with_the_statuses_it_returns,
    unknown_query_parameters_are_a_400_naming_each,
    a_problem_type_always_has_the_same_title,
    the_last_admin_cannot_remove_themself,
    a_wrong_method_is_a_405_problem_with_allow,
    conditional_reads_answer_304_with_the_etag_and_no_body,
    public_reads_are_no_cache_and_personal_answers_no_store,
);
